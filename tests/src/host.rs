//! What the throwaway database servers of the tests share: running a
//! server's programs as an unprivileged user when the tests run as root,
//! finding programs, a fresh directory, a free port, and messages that quote
//! a program's output or the server log.

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the throwaway directories go: every user can traverse it.
pub(crate) const TEMP_ROOT: &str = "/tmp";

/// The file, in a server's directory, holding the pid of the setup step under way.
pub(crate) const SETUP_PID: &str = "setup.pid";

/// How many lines of the server log a failure message quotes.
const LOG_TAIL_LINES: usize = 40;

/// An account other than root to run a server's programs as.
pub(crate) struct User {
    pub(crate) name: String,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

/// How to run a program as a [`User`].
pub(crate) enum Switch {
    Runuser(PathBuf),
    Setpriv(PathBuf),
    Su(PathBuf),
}

/// Who runs a server's programs.
pub(crate) enum RunAs {
    /// The current user, who is not root.
    Me,
    /// An unprivileged user, because the current user is root.
    Other(User, Switch),
}

impl RunAs {
    /// The command line running `program` with `args` as this user.
    pub(crate) fn argv(&self, program: &Path, args: &[impl AsRef<str>]) -> Vec<String> {
        let mut inner = vec![path_string(program)];
        inner.extend(args.iter().map(|a| a.as_ref().to_owned()));
        let RunAs::Other(user, switch) = self else {
            return inner;
        };
        let mut argv = match switch {
            Switch::Runuser(tool) => vec![path_string(tool), "-u".into(), user.name.clone(), "--".into()],
            Switch::Setpriv(tool) => vec![
                path_string(tool),
                format!("--reuid={}", user.uid),
                format!("--regid={}", user.gid),
                "--clear-groups".into(),
                "--".into(),
            ],
            Switch::Su(tool) => {
                let line = shell_join(&inner);
                return vec![
                    path_string(tool),
                    "-s".into(),
                    "/bin/sh".into(),
                    "-c".into(),
                    line,
                    user.name.clone(),
                ];
            }
        };
        argv.extend(inner);
        argv
    }

    /// The command running `program` with `args` as this user, in `/`, with
    /// English messages and without the client's password variable.
    fn command(&self, program: &Path, args: &[impl AsRef<str>]) -> (Command, Vec<String>) {
        let argv = self.argv(program, args);
        let mut command = Command::new(&argv[0]);
        command
            .args(&argv[1..])
            .env("LC_ALL", "C")
            .env_remove("MYSQL_PWD")
            .env_remove("PGPASSWORD")
            .current_dir("/")
            .stdin(Stdio::null());
        (command, argv)
    }

    /// Runs `program` with `args` as this user and returns its output. While it
    /// runs, its pid is in `dir/setup.pid`: if this process dies meanwhile, the
    /// watcher waits for it to finish before cleaning up.
    pub(crate) fn run(&self, program: &Path, args: &[impl AsRef<str>], dir: &Path) -> Result<Output, String> {
        let (mut command, argv) = self.command(program, args);
        let child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not run {}: {e}", shell_join(&argv)))?;
        let marker = dir.join(SETUP_PID);
        let marked = fs::write(&marker, child.id().to_string());
        let output = child.wait_with_output();
        let _ = fs::remove_file(&marker);
        marked.map_err(|e| format!("could not write {}: {e}", marker.display()))?;
        output.map_err(|e| format!("could not wait for {}: {e}", shell_join(&argv)))
    }

    /// Starts `program` with `args` as this user, in a process group of its own
    /// (a `^C` in the terminal leaves it to the watcher), with its standard
    /// output and error appended to `log`, and returns it without waiting.
    pub(crate) fn spawn(
        &self,
        program: &Path,
        args: &[impl AsRef<str>],
        log: &Path,
    ) -> Result<Child, String> {
        let open = || {
            fs::OpenOptions::new()
                .append(true)
                .open(log)
                .map_err(|e| format!("could not open {}: {e}", log.display()))
        };
        let (mut command, argv) = self.command(program, args);
        command
            .stdout(open()?)
            .stderr(open()?)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("could not run {}: {e}", shell_join(&argv)))
    }
}

/// The first executable file called `name` in `PATH`, then in `extra`.
pub(crate) fn find_on_path(name: &str, extra: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

pub(crate) fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Finds a system tool (`runuser`, `setpriv`, `su`, `setsid`).
pub(crate) fn find_tool(name: &str) -> Option<PathBuf> {
    find_on_path(name, &["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
}

/// The current user if it is not root, else the first of `users` that exists
/// (for a server that `refuses` root), through the first of `runuser`,
/// `setpriv` and `su` that exists.
pub(crate) fn run_as(users: &[&str], refuses: &str) -> Result<RunAs, String> {
    if effective_uid()? != 0 {
        return Ok(RunAs::Me);
    }
    let user = users.iter().copied().find_map(lookup_user).ok_or_else(|| {
        format!(
            "running as root, which {refuses}, and none of the users {} exists to run it as",
            users.join(", ")
        )
    })?;
    let switch = if let Some(tool) = find_tool("runuser") {
        Switch::Runuser(tool)
    } else if let Some(tool) = find_tool("setpriv") {
        Switch::Setpriv(tool)
    } else if let Some(tool) = find_tool("su") {
        Switch::Su(tool)
    } else {
        return Err(format!(
            "running as root, which {refuses}, and none of runuser, setpriv and su is installed to run \
             it as {}",
            user.name
        ));
    };
    Ok(RunAs::Other(user, switch))
}

/// The effective user id, from `/proc/self/status`, else from `id -u`.
fn effective_uid() -> Result<u32, String> {
    let from_proc = fs::read_to_string("/proc/self/status").ok().and_then(|status| {
        let uids = status.lines().find_map(|line| line.strip_prefix("Uid:"))?;
        // Real, effective, saved, filesystem.
        uids.split_whitespace().nth(1)?.parse().ok()
    });
    match from_proc {
        Some(uid) => Ok(uid),
        None => id(&["-u"]).ok_or_else(|| "could not find out the current user id (`id -u`)".to_owned()),
    }
}

fn lookup_user(name: &str) -> Option<User> {
    Some(User {
        name: name.to_owned(),
        uid: id(&["-u", name])?,
        gid: id(&["-g", name])?,
    })
}

/// The number printed by `id ARGS`, if it succeeds.
fn id(args: &[&str]) -> Option<u32> {
    let output = Command::new("id")
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

/// A new directory `/tmp/ferro-<kind>-<pid>-<n>`, mode 0700.
pub(crate) fn make_dir(kind: &str) -> Result<PathBuf, String> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for n in 0..100u32 {
        let dir = Path::new(TEMP_ROOT).join(format!("ferro-{kind}-{}-{}", std::process::id(), nanos + n));
        match fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("could not create {}: {e}", dir.display())),
        }
    }
    Err(format!("could not create a new directory in {TEMP_ROOT}"))
}

/// A free TCP port on 127.0.0.1, as the system picks it; it is free again
/// once the listener is dropped.
pub(crate) fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("could not bind 127.0.0.1:0 for a free port: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("could not read the free port: {e}"))?
        .port();
    Ok(port)
}

/// The last lines of the server log, with a heading.
pub(crate) fn log_tail(log: &Path) -> String {
    match fs::read(log) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n");
            format!("--- last lines of the server log {} ---\n{tail}", log.display())
        }
        Err(e) => format!("--- no server log: could not read {}: {e} ---", log.display()),
    }
}

/// A process's stdout and stderr, for an error message.
pub(crate) fn describe(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    format!("{}\n{}", stdout.trim_end(), stderr.trim_end())
        .trim()
        .to_owned()
}

pub(crate) fn path_string(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// `word` quoted for `sh`.
pub(crate) fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

pub(crate) fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|word| shell_quote(word))
        .collect::<Vec<_>>()
        .join(" ")
}
