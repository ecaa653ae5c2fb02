//! A throwaway MariaDB Galera cluster of three nodes on loopback, for the
//! cluster tests (`tests/clusters.rs`).
//!
//! [`Cluster::start`] makes three data directories (one `mariadb-install-db`,
//! copied), starts the first node with `--wsrep-new-cluster` and the other
//! two joining it (a state transfer by `rsync`), each listening on
//! `127.0.0.1` on free ports: one for clients, one for group communication,
//! one for incremental state transfer and one for a full one. Durability is
//! off as for the single server ([`crate::mariadb`]), and a node that stops
//! answering is suspected after 2 s and evicted after 4 s (Galera's
//! defaults are 5 s and 15 s), so that the trials that kill a node do not
//! wait long.
//!
//! Each node has a watcher of its own, as the single server has: it stops
//! the node and removes its directory once the test process exits. Dropping
//! the [`Cluster`] kills the nodes at once.
//!
//! Galera's library (`galera-4`) is looked for where Debian puts it. Without
//! it or MariaDB's binaries, [`Cluster::start`] prints a `skipping:` line and
//! returns `None`, except under CI, where it panics.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::host::{RunAs, describe, free_port, log_tail, make_dir, run_as};
use crate::mariadb::{Binaries, find_binaries, options, run_client, spawn_watcher};

/// Where Debian and others put Galera's provider library.
const PROVIDERS: [&str; 3] = [
    "/usr/lib/galera/libgalera_smm.so",
    "/usr/lib/galera-4/libgalera_smm.so",
    "/usr/lib/libgalera_smm.so",
];

/// How many times a node is started on other ports when another process
/// took one of its own first.
const START_ATTEMPTS: u32 = 5;

/// What a node's log says when one of its listeners found its port taken.
const PORT_TAKEN: &str = "Address already in use";

/// How long a node may take to start and reach the `Synced` state.
const SYNC_TIMEOUT: Duration = Duration::from_secs(120);

/// One node: its directory and ports.
#[derive(Debug)]
struct Node {
    dir: PathBuf,
    port: u16,
    group: u16,
    ist: u16,
    sst: u16,
}

/// A running three-node Galera cluster.
pub struct Cluster {
    nodes: Vec<Node>,
    binaries: Binaries,
    run_as: RunAs,
    provider: PathBuf,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("nodes", &self.nodes)
            .finish_non_exhaustive()
    }
}

impl Cluster {
    /// Starts a cluster of three nodes, all `Synced`. `None` (after a
    /// `skipping:` line) when MariaDB's binaries or Galera's library are
    /// missing outside CI; panics when they are missing under CI, or when
    /// the cluster does not start (with the tail of a node's log).
    pub fn start() -> Option<Cluster> {
        match start() {
            Ok(cluster) => cluster,
            Err(message) => panic!("{message}"),
        }
    }

    /// How many nodes the cluster was started with.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the cluster has no node (never).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The URL of `database` on node `node`, as `root`.
    pub fn url(&self, node: usize, database: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{database}", self.nodes[node].port)
    }

    /// Runs `sql` on node `node` with MariaDB's client (as
    /// [`crate::mariadb::Server::try_sql`] does): the output, or the error.
    pub fn try_sql(&self, node: usize, database: &str, sql: &str) -> Result<String, String> {
        run_client(&self.binaries.client, self.nodes[node].port, database, sql, 10)
    }

    /// Like [`Cluster::try_sql`], panicking with the node's log on failure.
    pub fn sql(&self, node: usize, database: &str, sql: &str) -> String {
        self.try_sql(node, database, sql)
            .unwrap_or_else(|error| panic!("{error}\n{}", log_tail(&self.log(node))))
    }

    /// Creates the database `name` (through node 0) and waits until every
    /// running node has it.
    pub fn create_database(&self, name: &str, running: &[usize]) {
        self.sql(running[0], "", &format!("CREATE DATABASE `{name}`"));
        for &node in running {
            self.wait_for(node, "the new database", |c| {
                c.try_sql(node, name, "SELECT 1").is_ok_and(|out| out == "1")
            });
        }
    }

    /// Kills node `node` with SIGKILL, and waits until it is gone.
    pub fn kill(&self, node: usize) {
        let pid = self.pid(node).expect("a running node has a pid file");
        let status = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -KILL {pid}");
        assert!(gone(pid, Duration::from_secs(30)), "node {node} outlived SIGKILL");
        // Its next start writes the file again.
        let _ = fs::remove_file(self.nodes[node].dir.join("mariadbd.pid"));
    }

    /// Starts node `node` again as its service would after a crash (see
    /// `Cluster::recover_position`), joining the others, and waits until
    /// it is `Synced` with them; on other free ports when another process
    /// took one of the node's own while it was down.
    pub fn restart(&mut self, node: usize) {
        self.start_node(node, Start::Recovered)
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// The port node `node` receives incremental state transfers on.
    pub fn ist_port(&self, node: usize) -> u16 {
        self.nodes[node].ist
    }

    /// The number of nodes node `node` sees in its primary component.
    pub fn size(&self, node: usize) -> usize {
        self.status(node, "wsrep_cluster_size").parse().unwrap_or(0)
    }

    /// A status variable of node `node` (`wsrep_local_state_comment`, …).
    pub fn status(&self, node: usize, name: &str) -> String {
        self.try_sql(node, "", &format!("SHOW STATUS LIKE '{name}'"))
            .ok()
            .and_then(|out| out.split('\t').nth(1).map(str::to_owned))
            .unwrap_or_default()
    }

    /// Waits (up to two minutes) until `ready` holds for node `node`.
    pub fn wait_for(&self, node: usize, what: &str, ready: impl Fn(&Cluster) -> bool) {
        let start = Instant::now();
        while !ready(self) {
            assert!(
                start.elapsed() < SYNC_TIMEOUT,
                "node {node}: {what} not there within {SYNC_TIMEOUT:?}\n{}",
                log_tail(&self.log(node))
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The last `lines` lines of node `node`'s server log, for a failure's message.
    pub fn log_tail(&self, node: usize, lines: usize) -> String {
        let text = fs::read_to_string(self.log(node)).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    fn log(&self, node: usize) -> PathBuf {
        self.nodes[node].dir.join("server.log")
    }

    fn pid(&self, node: usize) -> Option<u32> {
        fs::read_to_string(self.nodes[node].dir.join("mariadbd.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// What a node's service does before it starts after a crash (Debian's
    /// `galera_recovery`): `mariadbd --wsrep-recover`, which runs the
    /// storage engines' crash recovery and reports the position the node
    /// holds. Started from there, the node catches up by IST on its own,
    /// recovered data, or by a full SST when the cluster so decides.
    /// (Started without it, a crashed node asks for an SST at once, and its
    /// storage engines recover only after the copy: in about one kill trial
    /// in a hundred the log then showed `DDL_LOG: Crash recovery executed 1
    /// entries` after the SST, and the table the node was creating when it
    /// was killed was missing, though the donor had sent it and the version
    /// table recorded it. `--wsrep-recover` runs that DDL-log recovery
    /// before any transfer.)
    fn recover_position(&self, node: usize) -> Result<Option<String>, String> {
        let n = &self.nodes[node];
        let log = n.dir.join("recover.log");
        let _ = fs::remove_file(&log);
        let mut args = self.arguments(node, false);
        args.retain(|a| !a.starts_with("--log-error="));
        args.push(format!("--log-error={}", log.display()));
        args.push("--wsrep-recover".to_owned());
        let output = self.run_as.run(&self.binaries.server, &args, &n.dir)?;
        let text = fs::read_to_string(&log).unwrap_or_default();
        if !output.status.success() {
            return Err(format!("node {node}: `mariadbd --wsrep-recover` failed:\n{text}"));
        }
        Ok(text
            .lines()
            .find_map(|l| l.split("WSREP: Recovered position: ").nth(1))
            .map(|p| p.trim().to_owned()))
    }

    fn spawn_at(&self, node: usize, new: bool, position: Option<&str>) -> Result<Child, String> {
        let mut args = self.arguments(node, new);
        if let Some(position) = position {
            args.push(format!("--wsrep-start-position={position}"));
        }
        self.run_as.spawn(&self.binaries.server, &args, &self.log(node))
    }

    /// The server's options for node `node`.
    fn arguments(&self, node: usize, new: bool) -> Vec<String> {
        let n = &self.nodes[node];
        let members: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.group))
            .collect();
        let mut args = options(&n.dir.join("data"), &n.dir.join("tmp"));
        args.extend([
            "--binlog-format=ROW".to_owned(),
            "--default-storage-engine=InnoDB".to_owned(),
            "--innodb-autoinc-lock-mode=2".to_owned(),
            "--bind-address=127.0.0.1".to_owned(),
            format!("--port={}", n.port),
            format!("--socket={}", n.dir.join("mariadbd.sock").display()),
            format!("--pid-file={}", n.dir.join("mariadbd.pid").display()),
            format!("--log-error={}", self.log(node).display()),
            "--skip-name-resolve".to_owned(),
            "--wsrep-on=ON".to_owned(),
            format!("--wsrep-provider={}", self.provider.display()),
            "--wsrep-cluster-name=ferro".to_owned(),
            format!("--wsrep-cluster-address=gcomm://{}", members.join(",")),
            format!("--wsrep-node-address=127.0.0.1:{}", n.group),
            format!("--wsrep-node-name=node{node}"),
            "--wsrep-sst-method=rsync".to_owned(),
            format!("--wsrep-sst-receive-address=127.0.0.1:{}", n.sst),
            format!(
                "--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{};ist.recv_addr=127.0.0.1:{};\
                 gcache.size=64M;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;\
                 evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S;evs.install_timeout=PT4S",
                n.group, n.ist
            ),
        ]);
        if new {
            args.push("--wsrep-new-cluster".to_owned());
        }
        args
    }

    /// Waits until node `node` answers and is `Synced`; fails at once when
    /// its server stops (its log says `Aborting` after `logged` bytes).
    fn wait_synced(&self, node: usize, logged: u64) -> Result<(), String> {
        let start = Instant::now();
        loop {
            if self.status(node, "wsrep_local_state_comment") == "Synced" {
                return Ok(());
            }
            let log = fs::read(self.log(node)).unwrap_or_default();
            let new = log
                .get(usize::try_from(logged).unwrap_or(usize::MAX)..)
                .unwrap_or_default();
            let new = String::from_utf8_lossy(new);
            // A listener that found its port taken: the node aborts, or, for
            // the incremental state transfer's, waits until it is killed.
            let stopped = new.contains("Aborting") || new.contains(PORT_TAKEN);
            if stopped || start.elapsed() > SYNC_TIMEOUT {
                return Err(format!(
                    "Galera node {node} was not Synced {}\n{}",
                    if stopped {
                        "(it stopped)".to_owned()
                    } else {
                        format!("within {SYNC_TIMEOUT:?}")
                    },
                    log_tail(&self.log(node))
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Starts node `node` and waits until it is `Synced`, on other free
    /// ports when another process took one of its own first (between the
    /// free-port probe and the start, or while a killed node was down).
    fn start_node(&mut self, node: usize, start: Start) -> Result<(), String> {
        for attempt in 1..=START_ATTEMPTS {
            let position = match start {
                Start::Recovered => self.recover_position(node)?,
                Start::New | Start::Joining => None,
            };
            let logged = fs::metadata(self.log(node)).map_or(0, |m| m.len());
            let mut server = self.spawn_at(node, start == Start::New, position.as_deref())?;
            match self.wait_synced(node, logged) {
                Ok(()) => return Ok(()),
                Err(error) if attempt < START_ATTEMPTS && error.contains(PORT_TAKEN) => {
                    // The server may still be on its way out, or waiting,
                    // holding its data directory: its process group goes.
                    let _ = Command::new("kill")
                        .args(["-KILL", "--", &format!("-{}", server.id())])
                        .status();
                    let _ = server.wait();
                    if let Some(pid) = self.pid(node)
                        && !gone(pid, Duration::from_secs(30))
                    {
                        return Err(format!("node {node} outlived SIGKILL"));
                    }
                    let _ = fs::remove_file(self.nodes[node].dir.join("mariadbd.pid"));
                    let n = &mut self.nodes[node];
                    (n.port, n.group, n.ist, n.sst) =
                        (free_port()?, free_port()?, free_port()?, free_port()?);
                }
                Err(error) => return Err(error),
            }
        }
        unreachable!("the last attempt returns")
    }
}

/// How [`Cluster::start_node`] starts a node.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Start {
    /// The first node of a new cluster (`--wsrep-new-cluster`).
    New,
    /// A new node joining the cluster.
    Joining,
    /// A node that crashed, from the position it recovers.
    Recovered,
}

/// Whether process `pid` is gone within `timeout`.
fn gone(pid: u32, timeout: Duration) -> bool {
    let start = Instant::now();
    while Path::new(&format!("/proc/{pid}")).exists() {
        if start.elapsed() > timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in 0..self.nodes.len() {
            if let Some(pid) = self.pid(node) {
                let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            }
        }
    }
}

fn start() -> Result<Option<Cluster>, String> {
    let provider = PROVIDERS.iter().map(PathBuf::from).find(|p| p.exists());
    let (Some(binaries), Some(provider)) = (find_binaries(), provider) else {
        if std::env::var_os("CI").is_some_and(|ci| !ci.is_empty()) {
            return Err(format!(
                "MariaDB's binaries or Galera's library ({}) are missing, and CI is set, so the \
                 Galera tests may not skip; install mariadb-server and galera-4",
                PROVIDERS.join(", ")
            ));
        }
        let _ = writeln!(
            std::io::stderr(),
            "skipping: MariaDB's binaries or Galera's library (galera-4) are missing; the Galera \
             tests return without checking anything (set CI=1 to make this an error)"
        );
        return Ok(None);
    };
    let run_as = run_as(&["mysql", "nobody"], "mariadbd refuses")?;
    let mut nodes = Vec::new();
    for _ in 0..3 {
        let dir = make_dir("galera")?;
        spawn_watcher(&dir)?;
        fs::create_dir(dir.join("tmp")).map_err(|e| format!("{}: {e}", dir.display()))?;
        fs::File::create(dir.join("server.log")).map_err(|e| format!("{}: {e}", dir.display()))?;
        nodes.push(Node {
            dir,
            port: free_port()?,
            group: free_port()?,
            ist: free_port()?,
            sst: free_port()?,
        });
    }
    // One system database, copied: the joiners receive the first node's
    // state anyway.
    let first = &nodes[0].dir;
    let install = [
        "--no-defaults".to_owned(),
        format!("--datadir={}", first.join("data").display()),
        "--auth-root-authentication-method=normal".to_owned(),
        "--skip-test-db".to_owned(),
        "--skip-name-resolve".to_owned(),
    ];
    chown(&run_as, first)?;
    let output = run_as.run(&binaries.install_db, &install, first)?;
    if !output.status.success() {
        return Err(format!("mariadb-install-db failed: {}", describe(&output)));
    }
    for node in &nodes[1..] {
        let status = Command::new("cp")
            .arg("-a")
            .arg(first.join("data"))
            .arg(node.dir.join("data"))
            .status()
            .map_err(|e| format!("cp: {e}"))?;
        if !status.success() {
            return Err(format!(
                "cp -a of the data directory into {} failed",
                node.dir.display()
            ));
        }
    }
    for node in &nodes {
        chown(&run_as, &node.dir)?;
    }
    let mut cluster = Cluster {
        nodes,
        binaries,
        run_as,
        provider,
    };
    cluster.start_node(0, Start::New)?;
    for node in 1..cluster.nodes.len() {
        cluster.start_node(node, Start::Joining)?;
    }
    Ok(Some(cluster))
}

/// Hands `dir` over to the user the servers run as.
fn chown(run_as: &RunAs, dir: &Path) -> Result<(), String> {
    let RunAs::Other(user, _) = run_as else {
        return Ok(());
    };
    let owner = format!("{}:{}", user.uid, user.gid);
    let output = Command::new("chown")
        .args(["-R", &owner])
        .arg(dir)
        .output()
        .map_err(|e| format!("could not run chown: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "chown -R {owner} {} failed: {}",
            dir.display(),
            describe(&output)
        ))
    }
}
