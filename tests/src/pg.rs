//! A throwaway PostgreSQL server for the tests that need a real database.
//!
//! [`server()`] starts, once per test process, a PostgreSQL server from the
//! system's binaries (`initdb`, `pg_ctl`, `postgres` and `psql`, found on `PATH`
//! or else in the newest `/usr/lib/postgresql/*/bin`), in a fresh directory under
//! `/tmp`, listening on `127.0.0.1` on a free port with trust authentication and
//! without durability (`fsync`, `synchronous_commit` and `full_page_writes` off):
//! its data is worth nothing once the tests end. Every test then takes its own
//! database with [`Server::create_database`], so tests run in parallel without
//! seeing each other's tables.
//!
//! `initdb` and `postgres` refuse to run as root. When the tests run as root (as
//! in containers), the server runs as an unprivileged user instead — `postgres` if
//! that user exists, else `nobody` — through `runuser`, `setpriv` or `su`,
//! whichever exists; its directory is handed over to that user. Otherwise it runs
//! as the current user.
//!
//! Static destructors do not run at the end of a test process, so nothing in the
//! process can stop the server. Instead a watcher — a small shell script in a
//! session of its own, with its standard streams on `/dev/null` so `cargo test`
//! does not wait for it — waits for the test process to exit (and for an
//! `initdb` or `pg_ctl start` it may have left running), then stops the server
//! (`pg_ctl -m immediate stop`) and removes its directory.
//!
//! When the binaries are missing, [`server()`] prints a `skipping:` line and
//! returns `None`, and the tests return early — except under CI (the `CI`
//! environment variable set and not empty), where no PostgreSQL test may be
//! skipped and [`server()`] panics instead.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::DirBuilderExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::host::{
    RunAs, SETUP_PID, describe, find_on_path, find_tool, free_port, is_executable, log_tail, make_dir,
    path_string, run_as, shell_join, shell_quote,
};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The superuser the server is initialised with; it needs no password.
const SUPERUSER: &str = "postgres";

/// How many free ports are tried when another process takes the chosen one first.
const START_ATTEMPTS: u32 = 5;

/// A running throwaway PostgreSQL server, shared by all the tests of one test
/// process; get it with [`server()`].
#[derive(Debug)]
pub struct Server {
    port: u16,
    psql: PathBuf,
    dir: PathBuf,
    certs: crate::tls::Certs,
    log: PathBuf,
}

static SERVER: OnceLock<Result<Option<Server>, String>> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// The throwaway PostgreSQL server of this test process, started on first use.
///
/// Returns `None`, after printing a `skipping:` line to stderr, when the
/// PostgreSQL binaries are not installed; a test then returns without checking
/// anything. Panics when they are missing while the `CI` environment variable is
/// set (under CI no PostgreSQL test may skip), and when the server cannot be
/// started, with the tail of its log; a failed start is not retried by later
/// callers, which panic with the same message.
pub fn server() -> Option<&'static Server> {
    match SERVER.get_or_init(start) {
        Ok(server) => server.as_ref(),
        Err(message) => panic!("{message}"),
    }
}

impl Server {
    /// The URL of `database` on this server, as the superuser `postgres`:
    /// `postgres://postgres@127.0.0.1:PORT/DATABASE`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a new, empty database with a name unique to this call
    /// (`ferro_test_<pid>_<n>`) and returns its URL. Panics, with the tail of the
    /// server log, when the database cannot be created.
    pub fn create_database(&self) -> String {
        let n = DATABASES.fetch_add(1, Ordering::Relaxed);
        let name = format!("ferro_test_{}_{n}", std::process::id());
        if let Err(error) = self.psql(&self.url("postgres"), &format!("CREATE DATABASE \"{name}\"")) {
            panic!(
                "could not create database {name} on the throwaway PostgreSQL server: {error}\n{}",
                log_tail(&self.log)
            );
        }
        self.url(&name)
    }

    /// Runs `sql` with this server's `psql` against the database at `url`
    /// (`psql -X -tA -v ON_ERROR_STOP=1 -c SQL URL`): returns the unaligned output
    /// without headers, trimmed (`"1"` for `select 1`), or psql's error text.
    pub fn psql(&self, url: &str, sql: &str) -> Result<String, String> {
        let output = Command::new(&self.psql)
            .args(["-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql, url])
            .env("PGCONNECT_TIMEOUT", "10")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("could not run {}: {e}", self.psql.display()))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
        } else {
            Err(format!(
                "psql {url} -c {sql:?} failed ({}): {}",
                output.status,
                describe(&output)
            ))
        }
    }

    /// The server's TLS certificates. TLS is on for every database; the
    /// database `tls_only` refuses connections without it, and `cert_only`
    /// takes only a client certificate signed by the test CA.
    pub fn certs(&self) -> &crate::tls::Certs {
        &self.certs
    }

    /// The TCP port the server listens on, on `127.0.0.1`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's throwaway directory (data directory, socket directory and
    /// log); the watcher removes it once the test process has exited.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// A hot standby of the throwaway server, streaming from it: read-only, and
/// behind it by however long it takes to replay. Made by [`Server::standby`].
#[derive(Debug)]
pub struct Standby {
    port: u16,
    name: String,
}

impl Standby {
    /// The URL of `database` on the standby, as the superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    /// The name the standby streams under (`application_name` in the
    /// primary's `pg_stat_replication`).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Server {
    /// Makes a standby of this server (`pg_basebackup -R`, WAL streamed)
    /// in a throwaway directory of its own, starts it on a free port, and
    /// waits until it streams. Its watcher stops it when the test process
    /// exits. Panics, with the standby's log, when it does not start.
    pub fn standby(&self) -> Standby {
        let binaries = find_binaries().expect("the server's binaries");
        let basebackup = binaries.pg_ctl.with_file_name("pg_basebackup");
        let run_as = run_as(&["postgres", "nobody"], "postgres refuses").unwrap();
        let dir = make_dir("pg-standby").unwrap();
        spawn_watcher(&run_as, &binaries.pg_ctl, &dir).unwrap();
        let socket = dir.join("socket");
        fs::create_dir(&socket).unwrap();
        let log = dir.join("server.log");
        fs::File::create(&log).unwrap();
        if let RunAs::Other(user, _) = &run_as {
            let status = Command::new("chown")
                .args(["-R", &format!("{}:{}", user.uid, user.gid)])
                .arg(&dir)
                .status()
                .unwrap();
            assert!(status.success(), "chown of {}", dir.display());
        }
        let data = path_string(&dir.join("data"));
        let port = self.port.to_string();
        let args = [
            "-D",
            &data,
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            SUPERUSER,
            "-R",
            "-X",
            "stream",
            "--no-sync",
            "--checkpoint=fast",
        ];
        let output = run_as.run(&basebackup, &args, &dir).unwrap();
        assert!(
            output.status.success(),
            "pg_basebackup failed: {}",
            describe(&output)
        );
        let name = format!("ferro_standby_{}", std::process::id());
        let standby_port = free_port().unwrap();
        let options = format!(
            "-p {standby_port} -k {} -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off \
             -c cluster_name={name} -c wal_receiver_status_interval=1s -c ssl=off",
            shell_quote(&path_string(&socket)),
        );
        let log_arg = path_string(&log);
        let start = [
            "-D", &data, "-o", &options, "-l", &log_arg, "-w", "-t", "60", "start",
        ];
        let output = run_as.run(&binaries.pg_ctl, &start, &dir).unwrap();
        assert!(
            output.status.success(),
            "the standby did not start: {}\n{}",
            describe(&output),
            log_tail(&log)
        );
        let standby = Standby {
            port: standby_port,
            name,
        };
        // Streaming: the primary lists it.
        let query = format!(
            "SELECT count(*) FROM pg_stat_replication WHERE application_name = '{}' AND state = 'streaming'",
            standby.name
        );
        let begun = std::time::Instant::now();
        while self.psql(&self.url("postgres"), &query).as_deref() != Ok("1") {
            assert!(
                begun.elapsed() < std::time::Duration::from_secs(60),
                "the standby does not stream\n{}",
                log_tail(&log)
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        standby
    }
}

/// The PostgreSQL programs the server is run with.
struct Binaries {
    initdb: PathBuf,
    pg_ctl: PathBuf,
    psql: PathBuf,
}

/// Finds the binaries and starts the server: `Ok(None)` when there is nothing
/// to start and the tests may skip.
fn start() -> Result<Option<Server>, String> {
    let Some(binaries) = find_binaries() else {
        if std::env::var_os("CI").is_some_and(|ci| !ci.is_empty()) {
            return Err(
                "PostgreSQL binaries not found: initdb, pg_ctl, postgres and psql are neither on PATH \
                 nor in /usr/lib/postgresql/*/bin, and CI is set, so the PostgreSQL tests may not skip; \
                 install PostgreSQL"
                    .to_owned(),
            );
        }
        // Straight to stderr: the test harness captures `eprintln!`.
        let _ = writeln!(
            std::io::stderr(),
            "skipping: PostgreSQL binaries not found (initdb, pg_ctl, postgres and psql, on PATH or in \
             /usr/lib/postgresql/*/bin); the PostgreSQL tests return without checking anything \
             (set CI=1 to make this an error)"
        );
        return Ok(None);
    };
    let run_as = run_as(&["postgres", "nobody"], "initdb and postgres refuse")?;
    let dir = make_dir("pg")?;
    // From here on, whatever happens, the watcher stops the server and removes `dir`.
    spawn_watcher(&run_as, &binaries.pg_ctl, &dir)?;
    let socket = dir.join("socket");
    let data = dir.join("data");
    let log = dir.join("server.log");
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&socket)
        .map_err(|e| format!("could not create {}: {e}", socket.display()))?;
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

    let data_arg = path_string(&data);
    let initdb_args = [
        "-D",
        &data_arg,
        "--auth=trust",
        "--username",
        SUPERUSER,
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
    ];
    let output = run_as.run(&binaries.initdb, &initdb_args, &dir)?;
    if !output.status.success() {
        return Err(format!(
            "initdb of the throwaway PostgreSQL server failed ({}): {}",
            output.status,
            describe(&output)
        ));
    }

    // First match wins: these come before initdb's `host all all ... trust`.
    let hba = data.join("pg_hba.conf");
    let rules = fs::read_to_string(&hba).map_err(|e| format!("{}: {e}", hba.display()))?;
    let tls_rules = "hostnossl tls_only all 127.0.0.1/32 reject\n\
                     hostssl cert_only all 127.0.0.1/32 cert\n\
                     hostnossl cert_only all 127.0.0.1/32 reject\n";
    fs::write(&hba, format!("{tls_rules}{rules}")).map_err(|e| format!("{}: {e}", hba.display()))?;

    let log_arg = path_string(&log);
    for attempt in 1..=START_ATTEMPTS {
        let port = free_port()?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c ssl=on -c ssl_cert_file={} -c ssl_key_file={} -c ssl_ca_file={}",
            shell_quote(&path_string(&socket)),
            shell_quote(&path_string(&certs.server_cert)),
            shell_quote(&path_string(&certs.server_key)),
            shell_quote(&path_string(&certs.ca)),
        );
        let logged_before = fs::metadata(&log).map_or(0, |m| m.len());
        let start_args = [
            "-D", &data_arg, "-o", &options, "-l", &log_arg, "-w", "-t", "60", "start",
        ];
        let output = run_as.run(&binaries.pg_ctl, &start_args, &dir)?;
        if output.status.success() {
            return Ok(Some(Server {
                port,
                psql: binaries.psql,
                dir,
                log,
                certs,
            }));
        }
        // Another process may have taken the port since it was found free.
        let logged = fs::read(&log).unwrap_or_default();
        let new = logged
            .get(usize::try_from(logged_before).unwrap_or(usize::MAX)..)
            .unwrap_or_default();
        if attempt < START_ATTEMPTS && String::from_utf8_lossy(new).contains("already in use") {
            continue;
        }
        return Err(format!(
            "the throwaway PostgreSQL server did not start on port {port} ({}): {}\n{}",
            output.status,
            describe(&output),
            log_tail(&log)
        ));
    }
    unreachable!("the last attempt returns")
}

/// `initdb`, `pg_ctl` and `postgres` on `PATH`, else in the newest
/// `/usr/lib/postgresql/VERSION/bin`; `psql` next to them, else on `PATH`.
fn find_binaries() -> Option<Binaries> {
    let on_path = ["initdb", "pg_ctl", "postgres"].map(|name| find_on_path(name, &[]));
    let (initdb, pg_ctl) = if let [Some(initdb), Some(pg_ctl), Some(_)] = on_path {
        // Resolved, so that the directory is the installation's, where `psql` is.
        (
            fs::canonicalize(&initdb).unwrap_or(initdb),
            fs::canonicalize(&pg_ctl).unwrap_or(pg_ctl),
        )
    } else {
        let bin = newest_versioned_bin()?;
        (bin.join("initdb"), bin.join("pg_ctl"))
    };
    let next_to_pg_ctl = pg_ctl.with_file_name("psql");
    let psql = if is_executable(&next_to_pg_ctl) {
        next_to_pg_ctl
    } else {
        find_on_path("psql", &[])?
    };
    Some(Binaries { initdb, pg_ctl, psql })
}

/// The `bin` directory of the highest version under `/usr/lib/postgresql` that
/// has `initdb`, `pg_ctl` and `postgres`.
fn newest_versioned_bin() -> Option<PathBuf> {
    fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let version: Vec<u64> = name
                .to_str()?
                .split('.')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            let bin = entry.path().join("bin");
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|program| is_executable(&bin.join(program)))
                .then_some((version, bin))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, bin)| bin)
}

/// Starts the watcher: once this process has exited and the setup step it left
/// running (if any) has finished, it stops the server in `dir` (if it runs) and
/// removes `dir`. Its own session keeps it from the
/// terminal's signals, and its null standard streams keep it from holding the
/// pipes `cargo test` reads the test's output from.
fn spawn_watcher(run_as: &RunAs, pg_ctl: &Path, dir: &Path) -> Result<(), String> {
    let data = path_string(&dir.join("data"));
    let pid_file = shell_quote(&format!("{data}/postmaster.pid"));
    let stop = shell_join(&run_as.argv(
        pg_ctl,
        &["-D", &data, "-m", "immediate", "-w", "-t", "30", "stop"],
    ));
    // The last resort kills the postmaster only if that pid still runs on `data`.
    let script = format!(
        "trap '' HUP INT\n\
         while kill -0 {pid} 2>/dev/null; do sleep 0.5; done\n\
         cd /\n\
         if [ -f {setup_pid} ]; then\n\
         setup=$(cat {setup_pid}); n=0\n\
         while [ -n \"$setup\" ] && kill -0 \"$setup\" 2>/dev/null && [ $n -lt 180 ]; do sleep 0.5; n=$((n+1)); done\n\
         sleep 1\n\
         fi\n\
         if [ -f {pid_file} ]; then LC_ALL=C {stop}; fi\n\
         if [ -f {pid_file} ]; then\n\
         pid=$(head -n 1 {pid_file})\n\
         if [ -n \"$pid\" ] && tr '\\0' ' ' < /proc/\"$pid\"/cmdline 2>/dev/null | grep -qF -- {data_quoted}; then\n\
         kill -KILL \"$pid\"; sleep 1\n\
         fi\n\
         fi\n\
         rm -rf {dir_quoted}\n",
        pid = std::process::id(),
        setup_pid = shell_quote(&path_string(&dir.join(SETUP_PID))),
        data_quoted = shell_quote(&data),
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
        .map_err(|e| format!("could not start the watcher of the throwaway PostgreSQL server: {e}"))?;
    // Not waited for: it outlives this process on purpose.
    Ok(())
}
