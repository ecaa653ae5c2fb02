//! A throwaway MariaDB server for the tests that need a real MariaDB database.
//!
//! [`server()`] starts, once per test process, a MariaDB server from the system's
//! binaries (`mariadb-install-db`, `mariadbd` and the `mariadb` client, or their
//! older names `mysql_install_db`, `mysqld` and `mysql`, found on `PATH` or else
//! in `/usr/sbin` and `/usr/bin`), in a fresh directory under `/tmp`, listening on
//! `127.0.0.1` on a free port and on a unix socket in that directory. No option
//! file is read (`--no-defaults` everywhere), so the system's `/etc/mysql` does
//! not matter. The superuser `root` has no password, the server's character set
//! is `utf8mb4`, and durability is off (`--debug-no-sync`, no doublewrite buffer,
//! no binary log, the redo log written but not flushed at commit) with a small
//! buffer pool: its data is worth nothing once the tests end. Every test then
//! takes its own database with [`Server::create_database`], so tests run in
//! parallel without seeing each other's tables.
//!
//! `mariadbd` refuses to run as root unless told which user to switch to. When
//! the tests run as root (as in containers), the server runs as an unprivileged
//! user instead — `mysql` if that user exists, else `nobody` — through `runuser`,
//! `setpriv` or `su`, whichever exists; its directory is handed over to that user.
//! Otherwise it runs as the current user.
//!
//! Static destructors do not run at the end of a test process, so nothing in the
//! process can stop the server. Instead a watcher — a small shell script in a
//! session of its own, with its standard streams on `/dev/null` so `cargo test`
//! does not wait for it — waits for the test process to exit (and for a
//! `mariadb-install-db` it may have left running), then stops the server (a
//! `SIGTERM` to the pid in its pid file, then a `SIGKILL` to whatever still runs
//! on its data directory) and removes its directory.
//!
//! When the binaries are missing, [`server()`] prints a `skipping:` line and
//! returns `None`, and the tests return early — except under CI (the `CI`
//! environment variable set and not empty), where no MariaDB test may be skipped
//! and [`server()`] panics instead.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::DirBuilderExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::host::{
    RunAs, SETUP_PID, describe, find_on_path, find_tool, free_port, log_tail, make_dir, path_string, run_as,
    shell_quote,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The superuser the server is initialised with; it needs no password.
const SUPERUSER: &str = "root";

/// How many free ports are tried when another process takes the chosen one first.
const START_ATTEMPTS: u32 = 5;

/// How long the server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How often a starting server is asked whether it accepts connections.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The server's pid file, in its directory.
const SERVER_PID: &str = "mariadbd.pid";

/// The longest database name MariaDB accepts.
const MAX_NAME_LEN: usize = 64;

/// A running throwaway MariaDB server, shared by all the tests of one test
/// process; get it with [`server()`].
#[derive(Debug)]
pub struct Server {
    port: u16,
    client: PathBuf,
    dir: PathBuf,
    socket: PathBuf,
    log: PathBuf,
    certs: crate::tls::Certs,
}

static SERVER: OnceLock<Result<Option<Server>, String>> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// The throwaway MariaDB server of this test process, started on first use.
///
/// Returns `None`, after printing a `skipping:` line to stderr, when the MariaDB
/// binaries are not installed; a test then returns without checking anything.
/// Panics when they are missing while the `CI` environment variable is set
/// (under CI no MariaDB test may skip), and when the server cannot be started,
/// with the tail of its log; a failed start is not retried by later callers,
/// which panic with the same message.
pub fn server() -> Option<&'static Server> {
    match SERVER.get_or_init(start) {
        Ok(server) => server.as_ref(),
        Err(message) => panic!("{message}"),
    }
}

impl Server {
    /// The URL of `database` on this server, as the superuser `root`:
    /// `mysql://root@127.0.0.1:PORT/DATABASE`.
    pub fn url(&self, database: &str) -> String {
        format!("mysql://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a new, empty database with a name unique to this call
    /// (`<prefix>_<pid>_<n>`) and returns its URL. Panics when `prefix` is empty,
    /// holds anything but ASCII letters, digits and `_`, or makes the name longer
    /// than MariaDB allows (64 characters), and, with the tail of the server log,
    /// when the database cannot be created.
    pub fn create_database(&self, prefix: &str) -> String {
        assert!(
            !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "the prefix of a database name must be ASCII letters, digits and `_`, not {prefix:?}"
        );
        let n = DATABASES.fetch_add(1, Ordering::Relaxed);
        let name = format!("{prefix}_{}_{n}", std::process::id());
        assert!(
            name.len() <= MAX_NAME_LEN,
            "the database name {name} is longer than {MAX_NAME_LEN} characters; use a shorter prefix"
        );
        if let Err(error) = self.try_sql("", &format!("CREATE DATABASE `{name}`")) {
            panic!(
                "could not create database {name} on the throwaway MariaDB server: {error}\n{}",
                log_tail(&self.log)
            );
        }
        self.url(&name)
    }

    /// Runs `sql` (one or more statements) with this server's client against
    /// `database` and returns the output, trimmed: one line per row, columns
    /// separated by tabs, without headers (`"1"` for `SELECT 1`); `NULL` reads
    /// `NULL`, and tabs, newlines and backslashes in values are escaped as `\t`,
    /// `\n` and `\\`. `database` is a database name, a URL of this server (as
    /// [`Server::create_database`] and [`Server::url`] return), or empty for no
    /// current database. Panics with the client's error text when the client
    /// fails; [`Server::try_sql`] returns it instead.
    pub fn sql(&self, database: &str, sql: &str) -> String {
        self.try_sql(database, sql)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// Like [`Server::sql`], but returns the client's error text instead of
    /// panicking: `mariadb --batch --skip-column-names --execute=SQL` over TCP
    /// as `root`.
    pub fn try_sql(&self, database: &str, sql: &str) -> Result<String, String> {
        let name = self.database_name(database)?;
        run_client(&self.client, self.port, name, sql, 10)
    }

    /// The server's TLS certificates: TLS is on, and a user made
    /// `REQUIRE SSL` or `REQUIRE X509` must use it.
    pub fn certs(&self) -> &crate::tls::Certs {
        &self.certs
    }

    /// The TCP port the server listens on, on `127.0.0.1`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The unix socket the server also listens on, in its directory.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The server's throwaway directory (data directory, socket, pid file,
    /// temporary files and log); the watcher removes it once the test process has
    /// exited.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The database `database` names: itself, or the path of a URL of this
    /// server.
    fn database_name<'a>(&self, database: &'a str) -> Result<&'a str, String> {
        if !database.starts_with("mysql://") {
            return Ok(database);
        }
        let base = self.url("");
        let path = database
            .strip_prefix(base.as_str())
            .ok_or_else(|| format!("{database} is not a URL of the throwaway MariaDB server ({base}…)"))?;
        Ok(path.split(['?', '#']).next().unwrap_or_default())
    }
}

/// The MariaDB programs the server is run with.
pub(crate) struct Binaries {
    pub(crate) install_db: PathBuf,
    pub(crate) server: PathBuf,
    pub(crate) client: PathBuf,
}

/// Finds the binaries and starts the server: `Ok(None)` when there is nothing
/// to start and the tests may skip.
fn start() -> Result<Option<Server>, String> {
    let Some(binaries) = find_binaries() else {
        if std::env::var_os("CI").is_some_and(|ci| !ci.is_empty()) {
            return Err(
                "MariaDB binaries not found: mariadb-install-db, mariadbd and mariadb (or \
                 mysql_install_db, mysqld and mysql) are neither on PATH nor in /usr/sbin or /usr/bin, \
                 and CI is set, so the MariaDB tests may not skip; install MariaDB's server"
                    .to_owned(),
            );
        }
        // Straight to stderr: the test harness captures `eprintln!`.
        let _ = writeln!(
            std::io::stderr(),
            "skipping: MariaDB binaries not found (mariadb-install-db, mariadbd and mariadb, on PATH \
             or in /usr/sbin and /usr/bin); the MariaDB tests return without checking anything \
             (set CI=1 to make this an error)"
        );
        return Ok(None);
    };
    let run_as = run_as(&["mysql", "nobody"], "mariadbd refuses")?;
    let dir = make_dir("mariadb")?;
    // From here on, whatever happens, the watcher stops the server and removes `dir`.
    spawn_watcher(&dir)?;
    let data = dir.join("data");
    let tmp = dir.join("tmp");
    let socket = dir.join("mariadbd.sock");
    let log = dir.join("server.log");
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&tmp)
        .map_err(|e| format!("could not create {}: {e}", tmp.display()))?;
    fs::File::create(&log).map_err(|e| format!("could not create {}: {e}", log.display()))?;
    let certs = crate::tls::make(&dir.join("tls"), SUPERUSER)?;
    if let RunAs::Other(user, _) = &run_as {
        let owner = format!("{}:{}", user.uid, user.gid);
        let output = Command::new("chown")
            .args(["-R", &owner])
            .arg(&dir)
            .output()
            .map_err(|e| format!("could not run chown: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "chown -R {owner} {} failed: {}",
                dir.display(),
                describe(&output)
            ));
        }
    }

    // Options for both the bootstrap and the server.
    let common = options(&data, &tmp);

    let mut install_args = common.to_vec();
    install_args.extend([
        "--auth-root-authentication-method=normal".to_owned(),
        "--skip-test-db".to_owned(),
        "--skip-name-resolve".to_owned(),
    ]);
    let output = run_as.run(&binaries.install_db, &install_args, &dir)?;
    if !output.status.success() {
        return Err(format!(
            "mariadb-install-db of the throwaway MariaDB server failed ({}): {}",
            output.status,
            describe(&output)
        ));
    }

    for attempt in 1..=START_ATTEMPTS {
        let port = free_port()?;
        let mut server_args = common.to_vec();
        server_args.extend([
            "--bind-address=127.0.0.1".to_owned(),
            format!("--port={port}"),
            format!("--socket={}", socket.display()),
            format!("--pid-file={}", dir.join(SERVER_PID).display()),
            format!("--log-error={}", log.display()),
            "--skip-name-resolve".to_owned(),
            format!("--ssl-ca={}", certs.ca.display()),
            format!("--ssl-cert={}", certs.server_cert.display()),
            format!("--ssl-key={}", certs.server_key.display()),
        ]);
        let logged_before = fs::metadata(&log).map_or(0, |m| m.len());
        let mut child = run_as.spawn(&binaries.server, &server_args, &log)?;
        let deadline = Instant::now() + START_TIMEOUT;
        let (exited, failure) = loop {
            match child.try_wait() {
                Ok(Some(status)) => break (true, format!("it exited ({status})")),
                Ok(None) => {}
                Err(e) => break (false, format!("could not wait for it: {e}")),
            }
            // The server answering is this one, not another that took the port.
            let answer = run_client(&binaries.client, port, "", "SELECT @@socket", 1);
            if answer.as_deref() == Ok(&*path_string(&socket)) {
                // The child is not waited for: the server outlives this process.
                return Ok(Some(Server {
                    port,
                    client: binaries.client,
                    dir,
                    socket,
                    log,
                    certs,
                }));
            }
            if Instant::now() >= deadline {
                let last = answer.unwrap_or_else(|error| error);
                break (
                    false,
                    format!(
                        "it did not accept connections within {}s (last attempt: {last})",
                        START_TIMEOUT.as_secs()
                    ),
                );
            }
            std::thread::sleep(POLL_INTERVAL);
        };
        // Another process may have taken the port since it was found free.
        let logged = fs::read(&log).unwrap_or_default();
        let new = logged
            .get(usize::try_from(logged_before).unwrap_or(usize::MAX)..)
            .unwrap_or_default();
        if exited && attempt < START_ATTEMPTS && String::from_utf8_lossy(new).contains("already in use") {
            continue;
        }
        return Err(format!(
            "the throwaway MariaDB server did not start on port {port}: {failure}\n{}",
            log_tail(&log)
        ));
    }
    unreachable!("the last attempt returns")
}

/// The options of a throwaway server (and its bootstrap) on the data
/// directory `data`: no option file (`--no-defaults` comes first), utf8mb4,
/// no binary log, durability off, a small buffer pool.
pub(crate) fn options(data: &Path, tmp: &Path) -> Vec<String> {
    vec![
        "--no-defaults".to_owned(),
        format!("--datadir={}", data.display()),
        format!("--tmpdir={}", tmp.display()),
        "--character-set-server=utf8mb4".to_owned(),
        "--skip-log-bin".to_owned(),
        "--innodb-buffer-pool-size=32M".to_owned(),
        "--innodb-log-file-size=32M".to_owned(),
        "--innodb-flush-log-at-trx-commit=0".to_owned(),
        "--loose-innodb-doublewrite=0".to_owned(),
        "--loose-debug-no-sync".to_owned(),
        // Asynchronous I/O contexts are a limited resource in containers.
        "--innodb-use-native-aio=0".to_owned(),
    ]
}

/// Runs `sql` with the client `client` against `database` (none if empty) on
/// `127.0.0.1:port` as the superuser, giving up connecting after
/// `connect_timeout` seconds: the trimmed tab-separated output, or the client's
/// error text.
pub(crate) fn run_client(
    client: &Path,
    port: u16,
    database: &str,
    sql: &str,
    connect_timeout: u32,
) -> Result<String, String> {
    let mut command = Command::new(client);
    command.args([
        "--no-defaults".to_owned(),
        "--protocol=TCP".to_owned(),
        "--host=127.0.0.1".to_owned(),
        format!("--port={port}"),
        format!("--user={SUPERUSER}"),
        "--skip-ssl".to_owned(),
        format!("--connect-timeout={connect_timeout}"),
        "--default-character-set=utf8mb4".to_owned(),
        "--batch".to_owned(),
        "--skip-column-names".to_owned(),
        format!("--execute={sql}"),
    ]);
    if !database.is_empty() {
        command.arg(format!("--database={database}"));
    }
    let output = command
        .env("LC_ALL", "C")
        .env_remove("MYSQL_PWD")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run {}: {e}", client.display()))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(format!(
            "{} {database:?} -e {sql:?} on port {port} failed ({}): {}",
            client
                .file_name()
                .map_or(client.as_os_str(), |name| name)
                .display(),
            output.status,
            describe(&output)
        ))
    }
}

/// `mariadb-install-db`, `mariadbd` and `mariadb`, each under its current name,
/// else under its older one, on `PATH`, else in `/usr/sbin` or `/usr/bin`.
pub(crate) fn find_binaries() -> Option<Binaries> {
    let find = |names: [&str; 2]| {
        names
            .into_iter()
            .find_map(|name| find_on_path(name, &["/usr/sbin", "/usr/bin"]))
    };
    Some(Binaries {
        install_db: find(["mariadb-install-db", "mysql_install_db"])?,
        server: find(["mariadbd", "mysqld"])?,
        client: find(["mariadb", "mysql"])?,
    })
}

/// Starts the watcher: once this process has exited and the setup step it left
/// running (if any) has finished, it stops the server in `dir` (if it runs) and
/// removes `dir`. Its own session keeps it from the terminal's signals, and its
/// null standard streams keep it from holding the pipes `cargo test` reads the
/// test's output from.
///
/// The server gets a `SIGTERM` and up to 30 seconds to shut down; then every
/// process whose command line names the data directory (the server, a server
/// started just as this process died, or the bootstrap of an unfinished
/// `mariadb-install-db`) gets a `SIGKILL`. The script builds that
/// `--datadir=...` argument at run time, so that its own command line does not
/// hold it.
pub(crate) fn spawn_watcher(dir: &Path) -> Result<(), String> {
    let script = format!(
        "trap '' HUP INT\n\
         while kill -0 {pid} 2>/dev/null; do sleep 0.5; done\n\
         cd /\n\
         if [ -f {setup_pid} ]; then\n\
         setup=$(cat {setup_pid}); n=0\n\
         while [ -n \"$setup\" ] && kill -0 \"$setup\" 2>/dev/null && [ $n -lt 180 ]; do sleep 0.5; n=$((n+1)); done\n\
         sleep 1\n\
         fi\n\
         data={data}\n\
         needle=\"--datadir=$data\"\n\
         if [ -f {server_pid} ]; then\n\
         pid=$(head -n 1 {server_pid})\n\
         if [ -n \"$pid\" ] && tr '\\0' '\\n' < /proc/\"$pid\"/cmdline 2>/dev/null | grep -qxF -e \"$needle\"; then\n\
         kill -TERM \"$pid\"; n=0\n\
         while kill -0 \"$pid\" 2>/dev/null && [ $n -lt 60 ]; do sleep 0.5; n=$((n+1)); done\n\
         fi\n\
         fi\n\
         n=0\n\
         while [ $n -lt 20 ]; do\n\
         found=\n\
         for file in $(grep -lzF -e \"$needle\" /proc/[0-9]*/cmdline 2>/dev/null); do\n\
         p=${{file#/proc/}}; p=${{p%/cmdline}}\n\
         if [ \"$p\" != $$ ]; then kill -KILL \"$p\" 2>/dev/null && found=1; fi\n\
         done\n\
         [ -z \"$found\" ] && break\n\
         sleep 0.5; n=$((n+1))\n\
         done\n\
         rm -rf {dir_quoted}\n",
        pid = std::process::id(),
        setup_pid = shell_quote(&path_string(&dir.join(SETUP_PID))),
        server_pid = shell_quote(&path_string(&dir.join(SERVER_PID))),
        data = shell_quote(&path_string(&dir.join("data"))),
        dir_quoted = shell_quote(&path_string(dir)),
    );
    let mut command = match find_tool("setsid") {
        Some(setsid) => {
            let mut command = Command::new(setsid);
            command.arg("/bin/sh");
            command
        }
        None => {
            // A process group of its own at least keeps it from the terminal's ^C.
            let mut command = Command::new("/bin/sh");
            command.process_group(0);
            command
        }
    };
    command
        .arg("-c")
        .arg(script)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start the watcher of the throwaway MariaDB server: {e}"))?;
    // Not waited for: it outlives this process on purpose.
    Ok(())
}
