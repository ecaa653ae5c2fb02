//! The commands of a migrations crate's binary: `upgrade`, `downgrade`,
//! `current`, `history`, `heads`, `branches`, `show`, `lint`, `stamp`,
//! `check`, `revision`, `merge`, `sqlalchemy`, `database create|drop|reset`, and
//! Django's `makemigrations`, `migrate` and `showmigrations`.
//!
//! A migrations crate's `main.rs`:
//!
//! ```no_run
//! # mod my_migrations { pub static MIGRATIONS: &[ferro::migration::Migration] = &[]; }
//! fn main() -> std::process::ExitCode {
//!     ferro::runtime::cli::Cli::new()
//!         .database("main", my_migrations::MIGRATIONS, "sqlite://app.db")
//!         .migrations_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
//!         .package(env!("CARGO_PKG_NAME"))
//!         .run()
//! }
//! ```
//!
//! The database comes from `--database-url`, else `DATABASE_URL` (a `.env`
//! file in the working directory, or the nearest folder above it that has
//! one, is read first), else the default the crate gives. A crate that manages several databases
//! names each, with its own migrations and version table; `--database NAME`
//! chooses one, and `DATABASE_URL_<NAME>` gives its URL.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use super::{
    Applied, Database, Dialect, Direction, Event, Graph, MigrateError, Migrator, Target, files, redact,
    squash,
};
use crate::migration::{Migration, lint};

/// `check`'s exit code when the database is behind head: 2 is clap's, for a
/// command line it cannot read.
const BEHIND: u8 = 13;

/// `lint`'s exit code when a finding at the chosen level or above is not
/// accepted in its file.
const FINDINGS: u8 = 14;

/// One database a migrations crate manages.
#[derive(Clone, Debug)]
struct Managed {
    name: String,
    migrations: &'static [Migration],
    default_url: String,
    version_table: Option<String>,
    /// Where its migration files are, for the commands that write one.
    dir: Option<std::path::PathBuf>,
    /// Its crate, for `makemigrations` (`cargo build -p`).
    package: Option<String>,
}

/// The command-line interface of a migrations crate's binary.
#[derive(Clone, Debug, Default)]
pub struct Cli {
    databases: Vec<Managed>,
}

#[derive(Parser, Debug)]
#[command(about = "Apply, revert and inspect the migrations of this crate", version)]
struct Args {
    /// The database URL (sqlite://FILE, postgres://..., mysql://...); default: DATABASE_URL (for a database
    /// other than the first, DATABASE_URL_<NAME>), from the environment or a .env file, else the crate's default.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Which of the crate's databases, when it manages several.
    #[arg(long, global = true)]
    database: Option<String>,
    /// Machine-readable output (JSON) where the command prints data.
    #[arg(long, global = true)]
    json: bool,
    /// How long `upgrade`, `downgrade` and `stamp` wait for the migration lock another run holds
    /// before giving up with exit code 12.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 300.0, value_parser = seconds)]
    lock_timeout: f64,
    /// How long a statement of a migration waits for a lock on a table before the migration
    /// gives up, undone, and is tried again (PostgreSQL's lock_timeout, MySQL's
    /// lock_wait_timeout); default: the database's own setting. `--sql` scripts set it first.
    #[arg(long, global = true, value_name = "SECONDS", value_parser = seconds)]
    table_lock_timeout: Option<f64>,
    /// How many times a migration that gave up waiting for a table's lock is tried again.
    #[arg(long, global = true, value_name = "N", default_value_t = super::DEFAULT_LOCK_RETRIES)]
    lock_retries: u32,
    /// On a MariaDB Galera cluster, how long a run's hold on the migration lock lasts unless
    /// renewed (it is renewed every quarter of that); a killed runner holds the others up
    /// this long. Longer than the longest schema statement (docs/clusters.md).
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 60.0, value_parser = seconds)]
    lock_lease: f64,
    /// How long a statement of a migration may run on PostgreSQL (statement_timeout);
    /// default: the database's own setting.
    #[arg(long, global = true, value_name = "SECONDS", value_parser = seconds)]
    statement_timeout: Option<f64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Apply pending migrations up to TARGET (head, heads, +N, or a revision).
    Upgrade(Up),
    /// Revert migrations down to TARGET (-N, base, or a revision).
    Downgrade(Move),
    /// Show the revision(s) the database is at.
    Current,
    /// Show the revisions, newest first, with the applied ones marked.
    History {
        /// Also show parents, files, and when each was applied.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Show the revisions no other follows.
    Heads,
    /// Show where the history branches.
    Branches,
    /// Show one revision, its operations, and what its upgrade does to live tables on the
    /// database (the `lint` findings).
    Show {
        /// A revision id or an unambiguous prefix.
        revision: String,
        /// The database whose locks to tell (sqlite, postgres, mysql); default: the database URL's.
        #[arg(long)]
        dialect: Option<String>,
    },
    /// Find the upgrade steps that lock, rewrite or scan a live table, or break the running
    /// application, each under a rule code with the safer way (docs/safety.md); exit 14 when a
    /// finding at --level or above is not accepted in its file (`.accept("F101")` on the step).
    Lint {
        /// A revision, FROM:TO (the migrations after FROM up to TO; FROM may be base), or
        /// nothing for every migration.
        range: Option<String>,
        /// The database to judge for (sqlite, postgres, mysql); default: the database URL's.
        #[arg(long)]
        dialect: Option<String>,
        /// The lowest level that fails the command.
        #[arg(long, default_value = "warning", value_parser = ["notice", "warning", "error"])]
        level: String,
    },
    /// Record the database as being at TARGET without running anything.
    Stamp {
        /// head, heads, base or a revision.
        target: String,
        /// First forget every recorded revision, known to this program or not.
        #[arg(long)]
        purge: bool,
    },
    /// Exit non-zero unless the database is at head with every applied migration unchanged
    /// (exit 13 when it is behind) and the snapshot is the schema the newest migration
    /// records (exit 9); with --schema, also unless its schema is the one its revision
    /// should have (exit 3 on drift).
    Check {
        /// Also compare the database's tables, columns, keys, indexes and constraints with
        /// the schema its recorded revision should have, and list every difference.
        #[arg(long)]
        schema: bool,
    },
    /// Write an empty migration after the head, for hand-written SQL or data steps.
    Revision {
        /// What it does.
        #[arg(short, long)]
        message: String,
    },
    /// Write a merge revision that joins the heads.
    Merge {
        /// `heads` (the only form).
        #[arg(value_parser = ["heads"])]
        which: String,
        /// What it joins.
        #[arg(short, long)]
        message: String,
    },
    /// Write one migration that replaces the linear range FROM..TO (Django's
    /// squashmigrations): a fresh database runs it, a database that applied the whole
    /// range records it without running anything, one that applied part gets the rest
    /// first. Delete the replaced files once every database has run `upgrade` with it.
    Squash {
        /// `FROM..TO`: the oldest and the newest revision of the range (ids or prefixes).
        range: String,
        /// What it does; default: `squash <first file> to <last file>`.
        #[arg(short, long)]
        message: Option<String>,
    },
    /// Write the models' schema (the migrations' snapshot) as a Python module defining
    /// SQLAlchemy MetaData, for Alembic's env.py:
    /// `target_metadata = get_metadata(config.get_main_option("sqlalchemy.url"))`.
    Sqlalchemy {
        /// The module's file; default: standard output.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Django's name for what `cargo build` does: generate the migration for the models' changes.
    Makemigrations,
    /// Django's name for `upgrade head`.
    Migrate,
    /// Django's name for `history`.
    Showmigrations,
    /// Create, drop or reset the database itself.
    #[command(subcommand)]
    Database(Lifecycle),
}

/// `upgrade`'s arguments.
#[derive(clap::Args, Debug)]
struct Up {
    #[command(flatten)]
    to: Move,
    /// Create the database first if it does not exist (SQLite: the file is always created).
    #[arg(long, conflicts_with = "sql")]
    create_database: bool,
    /// On a PostgreSQL primary: after the upgrade, wait until every standby streaming from it
    /// has replayed it, for up to SECONDS (default 300); exit 17 if one has not.
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "300",
          value_parser = seconds, conflicts_with = "sql")]
    wait_replicas: Option<f64>,
}

/// The database's own life, as `sqlx database` and `prisma migrate reset` have it.
#[derive(Subcommand, Debug)]
enum Lifecycle {
    /// Create the database the URL names (SQLite: the file); nothing if it exists.
    Create,
    /// Drop the database the URL names (SQLite: the file); asks first, unless -y.
    Drop(Confirm),
    /// Drop the database, create it again, and upgrade it to head; asks first, unless -y.
    Reset(Confirm),
}

/// What a command that drops a database needs.
#[derive(clap::Args, Debug)]
struct Confirm {
    /// Do not ask (required where there is no terminal to ask on).
    #[arg(short, long)]
    yes: bool,
    /// On PostgreSQL, end the other sessions connected to the database first.
    #[arg(long)]
    force: bool,
}

#[derive(clap::Args, Debug)]
struct Move {
    /// Where to go; with --sql also FROM:TO, FROM being where the database is.
    #[arg(allow_hyphen_values = true)]
    target: Option<String>,
    /// Print the SQL instead of running it (no database needed).
    #[arg(long)]
    sql: bool,
    /// The dialect of the printed SQL (sqlite, postgres, mysql); default: the database URL's.
    #[arg(long, requires = "sql")]
    dialect: Option<String>,
    /// Also show each statement as it runs (on standard error).
    #[arg(long, short)]
    verbose: bool,
}

/// A number of seconds, whole or not, at least 0.
fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if (0.0..=1e9).contains(&s) => Ok(s),
        _ => Err(format!("`{text}` is not a number of seconds")),
    }
}

/// What a run says as it goes: each migration's start (standard error) and
/// end (standard output) as they happen, a rebuild's size, the lock it waits
/// for, and with `verbose` each statement. With `json`, standard output
/// gets only the JSON at the end.
fn observer(json: bool, verbose: bool) -> impl Fn(&Event<'_>) + Send + Sync + 'static {
    move |event| match event {
        Event::Waiting { holder } => eprintln!(
            "waiting for the migration lock held by {}",
            holder.unwrap_or("another run")
        ),
        Event::Retrying {
            revision,
            attempt,
            of,
            wait,
        } => eprintln!(
            "{revision}: a statement gave up waiting for a table's lock and was undone; trying again in {} s ({attempt} of {of})",
            wait.as_secs()
        ),
        Event::Started {
            revision,
            message,
            direction,
        } => {
            let verb = match direction {
                Direction::Upgrade => "applying",
                Direction::Downgrade => "reverting",
            };
            eprintln!("{verb} {revision} {message} ...");
        }
        Event::Statement { sql } if verbose => eprintln!("    {sql}"),
        Event::Rebuild { table, rows } => eprintln!("    rebuilding table `{table}` ({rows} rows)"),
        Event::Squashed { revision, replaces } => eprintln!(
            "recorded squash {revision} in place of the {} revisions it replaces, all applied",
            replaces.len()
        ),
        Event::Finished {
            revision,
            message,
            file,
            direction,
            duration,
        } if !json => {
            let verb = match direction {
                Direction::Upgrade => "applied",
                Direction::Downgrade => "reverted",
            };
            println!(
                "{verb} {revision} {message} ({file}) in {:.1} ms",
                duration.as_secs_f64() * 1000.0
            );
        }
        _ => {}
    }
}

impl Cli {
    /// An interface with no database yet.
    pub fn new() -> Cli {
        Cli::default()
    }

    /// Adds a database: its name, its migrations, and the URL used when neither
    /// `--database-url` nor the environment gives one. The first is the one
    /// used without `--database`, with the version table `ferro_version`; the
    /// others' tables are `ferro_version_<name>`.
    pub fn database(mut self, name: &str, migrations: &'static [Migration], default_url: &str) -> Cli {
        let version_table = (!self.databases.is_empty()).then(|| format!("ferro_version_{name}"));
        self.databases.push(Managed {
            name: name.to_owned(),
            migrations,
            default_url: default_url.to_owned(),
            version_table,
            dir: None,
            package: None,
        });
        self
    }

    /// The migrations folder of the database added last, for `revision`,
    /// `merge`, `sqlalchemy` and `check` (which compares its `snapshot.json`
    /// with the newest migration); a migrations crate passes
    /// `concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")`.
    pub fn migrations_dir(mut self, dir: &str) -> Cli {
        if let Some(last) = self.databases.last_mut() {
            last.dir = Some(dir.into());
        }
        self
    }

    /// The version table of the database added last, instead of
    /// `ferro_version` (or `ferro_version_<name>`); on PostgreSQL it may be
    /// in a schema of its own (`"ops.ferro_version"`), made with the table.
    pub fn version_table(mut self, name: &str) -> Cli {
        if let Some(last) = self.databases.last_mut() {
            last.version_table = Some(name.to_owned());
        }
        self
    }

    /// The crate of the database added last (`env!("CARGO_PKG_NAME")`), which
    /// `makemigrations` builds.
    pub fn package(mut self, name: &str) -> Cli {
        if let Some(last) = self.databases.last_mut() {
            last.package = Some(name.to_owned());
        }
        self
    }

    /// Parses the process's arguments, runs the command, prints its outcome,
    /// and returns the exit code: 0 on success, 1 on an error, 2 for a
    /// command line that cannot be read; the others are in the runtime guide.
    pub fn run(self) -> ExitCode {
        self.run_from(std::env::args_os())
    }

    /// Runs with the given arguments (the first is the program's name).
    pub fn run_from<I, T>(self, args: I) -> ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        // A `.env` file (in the working directory or the nearest parent that
        // has one) first, so that `DATABASE_URL` in it is seen; it sets no
        // variable the environment already has.
        let _ = dotenvy::dotenv();
        let parsed = Args::command()
            .try_get_matches_from(args)
            .and_then(|matches| Ok((Args::from_arg_matches(&matches)?, matches)));
        match parsed {
            Ok((mut args, matches)) => {
                // `DATABASE_URL` is shown in the help as clap's `env`, but it
                // is the first database's: `database_url` looks up each
                // database's own variable.
                if matches.value_source("database_url") == Some(clap::parser::ValueSource::EnvVariable) {
                    args.database_url = None;
                }
                self.run_with(args)
            }
            Err(e) => {
                let _ = e.print();
                ExitCode::from(if e.use_stderr() { 2 } else { 0 })
            }
        }
    }

    fn run_with(self, args: Args) -> ExitCode {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime,
            Err(e) => {
                eprintln!("error: cannot start the async runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
        match runtime.block_on(self.execute(&args)) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(e.exit_code())
            }
        }
    }

    fn managed(&self, name: Option<&str>) -> Result<&Managed, MigrateError> {
        match name {
            None => self.databases.first().ok_or(MigrateError::NoMigrations),
            Some(name) => {
                self.databases
                    .iter()
                    .find(|d| d.name == name)
                    .ok_or_else(|| MigrateError::UnknownDatabase {
                        name: name.to_owned(),
                        known: self.databases.iter().map(|d| d.name.clone()).collect(),
                    })
            }
        }
    }

    async fn execute(&self, args: &Args) -> Result<ExitCode, MigrateError> {
        let managed = self.managed(args.database.as_deref())?;
        let verbose = match &args.command {
            Command::Upgrade(up) => up.to.verbose,
            Command::Downgrade(m) => m.verbose,
            _ => false,
        };
        let mut migrator = Migrator::new(managed.migrations)
            .lock_timeout(std::time::Duration::from_secs_f64(args.lock_timeout))
            .lock_retries(args.lock_retries)
            .lock_lease(std::time::Duration::from_secs_f64(args.lock_lease))
            .on_event(observer(args.json, verbose));
        if let Some(seconds) = args.table_lock_timeout {
            migrator = migrator.table_lock_timeout(std::time::Duration::from_secs_f64(seconds));
        }
        if let Some(seconds) = args.statement_timeout {
            migrator = migrator.statement_timeout(std::time::Duration::from_secs_f64(seconds));
        }
        if let Some(table) = &managed.version_table {
            migrator = migrator.version_table(table.clone());
        }
        let first = self.databases.first().map(|d| d.name.as_str()) == Some(managed.name.as_str());
        let url = database_url(args.database_url.as_deref(), managed, first);
        let graph = migrator.graph()?;
        if let (Command::Check { .. } | Command::Sqlalchemy { .. }, Some(dir)) = (&args.command, &managed.dir)
        {
            check_snapshot(dir, &graph)?;
        }
        match &args.command {
            Command::Upgrade(up) if up.to.sql => print_sql(&migrator, &url, &up.to, true),
            Command::Downgrade(m) if m.sql => print_sql(&migrator, &url, m, false),
            Command::Heads => {
                let heads = graph.heads();
                print_list(args.json, &heads, |id| describe(&graph, id));
                Ok(ExitCode::SUCCESS)
            }
            Command::Branches => {
                let points = graph.branch_points();
                print_list(args.json, &points, |id| describe(&graph, id));
                Ok(ExitCode::SUCCESS)
            }
            Command::Revision { message } => {
                let dir = files_dir(managed)?;
                let heads = graph.heads();
                if heads.len() > 1 {
                    return Err(MigrateError::SeveralHeads(
                        heads.iter().map(|h| (*h).to_owned()).collect(),
                    ));
                }
                let path = files::write_revision(&dir, &heads, message)?;
                println!(
                    "wrote {} (after {})",
                    path.display(),
                    join_or(&heads, "nothing: a base")
                );
                println!("add its steps, then `cargo build` embeds it");
                Ok(ExitCode::SUCCESS)
            }
            Command::Merge { message, .. } => {
                let dir = files_dir(managed)?;
                let heads = graph.heads();
                if heads.len() < 2 {
                    return Err(MigrateError::NothingToMerge(join_or(&heads, "none")));
                }
                let path = files::write_revision(&dir, &heads, message)?;
                println!("wrote {} joining {}", path.display(), heads.join(", "));
                println!("`cargo build` embeds it and takes the models' schema as the merged one");
                Ok(ExitCode::SUCCESS)
            }
            Command::Squash { range, message } => {
                let dir = files_dir(managed)?;
                let Some((from, to)) = range.split_once("..") else {
                    return Err(MigrateError::CannotSquash(format!(
                        "`{range}` is not a range: write FROM..TO"
                    )));
                };
                let (path, replaced) = squash::write(&dir, &graph, from, to, message.as_deref())?;
                println!(
                    "wrote {} replacing {} migrations:",
                    path.display(),
                    replaced.len()
                );
                for m in &replaced {
                    println!("  {} {}", m.revision.id, m.file);
                }
                println!(
                    "`cargo build` embeds it; once every database has run `upgrade` with it, delete those files"
                );
                Ok(ExitCode::SUCCESS)
            }
            Command::Sqlalchemy { output } => {
                let module = sqlalchemy_module(&files_dir(managed)?, &managed.name)?;
                match output {
                    None => print!("{module}"),
                    Some(path) => {
                        std::fs::write(path, module).map_err(|source| MigrateError::Io {
                            path: path.clone(),
                            source,
                        })?;
                        println!("wrote {}", path.display());
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::Makemigrations => {
                let package = managed
                    .package
                    .as_deref()
                    .ok_or(MigrateError::NotConfigured("package"))?;
                let status =
                    std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                        .args(["build", "-p", package])
                        .env("FERRO_MIGRATIONS", "generate")
                        .status()
                        .map_err(|e| MigrateError::Io {
                            path: "cargo".into(),
                            source: e,
                        })?;
                Ok(if status.success() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                })
            }
            Command::Show { revision, dialect } => {
                let id = graph.resolve(revision)?;
                let m = graph.get(id).expect("resolved");
                let dialect = dialect_of(dialect.as_deref(), &url)?;
                show(args.json, &graph, m, dialect);
                Ok(ExitCode::SUCCESS)
            }
            Command::Lint {
                range,
                dialect,
                level,
            } => {
                let dialect = dialect_of(dialect.as_deref(), &url)?;
                let level = lint::Level::parse(level).expect("clap checked it");
                let migrations = lint_range(&graph, range.as_deref())?;
                // A run with a table lock timeout bounds every wait itself.
                let bounded = args.table_lock_timeout.is_some();
                Ok(lint_migrations(args.json, &migrations, dialect, level, bounded))
            }
            Command::Database(Lifecycle::Create) => {
                let created = Database::create_database(&url).await?;
                let what = if created { "created" } else { "already exists:" };
                println!("{what} {}", redact(&url));
                Ok(ExitCode::SUCCESS)
            }
            Command::Database(Lifecycle::Drop(confirm)) => {
                confirmed(&url, confirm, "drop")?;
                let dropped = Database::drop_database(&url, confirm.force).await?;
                let what = if dropped {
                    "dropped"
                } else {
                    "there was no database to drop:"
                };
                println!("{what} {}", redact(&url));
                Ok(ExitCode::SUCCESS)
            }
            Command::Database(Lifecycle::Reset(confirm)) => {
                confirmed(&url, confirm, "reset (drop, create again and upgrade to head)")?;
                Database::drop_database(&url, confirm.force).await?;
                Database::create_database(&url).await?;
                println!("created {} afresh", redact(&url));
                let mut db = Database::connect(&url).await?;
                report(args.json, &migrator.upgrade(&mut db, &Target::Head).await?);
                Ok(ExitCode::SUCCESS)
            }
            command => {
                if let Command::Upgrade(Up {
                    create_database: true,
                    ..
                }) = command
                    && Database::create_database(&url).await?
                {
                    eprintln!("created {}", redact(&url));
                }
                let mut db = Database::connect(&url).await?;
                self.online(command, args.json, &migrator, &graph, &mut db).await
            }
        }
    }

    async fn online(
        &self,
        command: &Command,
        json: bool,
        migrator: &Migrator,
        graph: &Graph,
        db: &mut Database,
    ) -> Result<ExitCode, MigrateError> {
        match command {
            Command::Upgrade(Up {
                to: m, wait_replicas, ..
            }) => {
                let target = Target::parse(m.target.as_deref().unwrap_or("head"))?;
                if wait_replicas.is_some() {
                    db.can_wait_for_replicas()?;
                }
                report(json, &migrator.upgrade(db, &target).await?);
                if let Some(seconds) = wait_replicas {
                    let replicas = db
                        .wait_for_replicas(std::time::Duration::from_secs_f64(*seconds))
                        .await?;
                    if replicas.is_empty() {
                        eprintln!("no standby streams from this server: nothing to wait for");
                    } else {
                        eprintln!("replayed on: {}", replicas.join(", "));
                    }
                }
            }
            Command::Migrate => report(json, &migrator.upgrade(db, &Target::Head).await?),
            Command::Downgrade(m) => {
                let target = m.target.as_deref().ok_or(MigrateError::MissingTarget)?;
                report(json, &migrator.downgrade(db, &Target::parse(target)?).await?);
            }
            Command::Current => {
                let current = migrator.current(db).await?;
                let ids: Vec<&str> = current.iter().map(String::as_str).collect();
                if !json && ids.is_empty() {
                    println!("base (no migration applied)");
                } else {
                    print_list(json, &ids, |id| describe(graph, id));
                }
            }
            Command::History { verbose } => history(json, *verbose, migrator, graph, db).await?,
            Command::Showmigrations => history(json, false, migrator, graph, db).await?,
            Command::Stamp { target, purge } => {
                migrator.stamp(db, &Target::parse(target)?, *purge).await?;
                let current = migrator.current(db).await?;
                println!("stamped: the database is now at {}", join_or(&current, "base"));
            }
            Command::Check { schema } => {
                if *schema {
                    let drift = migrator.drift(db).await?;
                    if !drift.differences.is_empty() {
                        println!(
                            "the database's schema is not the one its revision should have; to match it would need:"
                        );
                        for difference in &drift.differences {
                            println!("  {difference}");
                        }
                        if !drift.hand_written.is_empty() {
                            println!(
                                "(applied migrations with hand-written SQL, whose effect is not known: {})",
                                drift.hand_written.join(", ")
                            );
                        }
                        return Ok(ExitCode::from(3));
                    }
                    println!("the database's schema is the one its revision should have");
                }
                // An applied file that changed is found whether or not the
                // database is behind: a pipeline that upgrades on 13 would
                // only then learn of it.
                migrator.verify(db).await?;
                if migrator.is_at_head(db).await? {
                    println!("the database is at head");
                } else {
                    let current = migrator.current(db).await?;
                    let heads = graph.heads();
                    if current.len() == heads.len() && heads.iter().all(|h| current.iter().any(|c| c == h)) {
                        // Every revision is applied, some only as what a
                        // squash replaces.
                        println!(
                            "the database is at head, but a squash is not recorded in place of the revisions \
                             it replaces yet: `upgrade` records it, running nothing"
                        );
                    } else {
                        println!(
                            "the database is not at head: it is at {}, the migrations end at {}",
                            join_or(&current, "base"),
                            heads.join(", ")
                        );
                    }
                    return Ok(ExitCode::from(BEHIND));
                }
            }
            // Answered without a database in `execute`.
            Command::Heads
            | Command::Branches
            | Command::Show { .. }
            | Command::Lint { .. }
            | Command::Revision { .. }
            | Command::Merge { .. }
            | Command::Squash { .. }
            | Command::Makemigrations
            | Command::Sqlalchemy { .. }
            | Command::Database(_) => {}
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Whether the user confirmed that the database at `url` may be dropped:
/// `-y`, or `y` typed at the terminal. Without `-y` and without a terminal
/// (a script, a pipeline), the answer is no.
fn confirmed(url: &str, confirm: &Confirm, what: &str) -> Result<(), MigrateError> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    let refused = || MigrateError::NotConfirmed {
        what: what.to_owned(),
        url: redact(url),
    };
    if confirm.yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(refused());
    }
    print!(
        "{what} the database {}? Every table and row in it is deleted. [y/N] ",
        redact(url)
    );
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(refused())
    }
}

/// The snapshot in `dir`, if there is one, is the schema the newest
/// migration records that it leaves.
fn check_snapshot(dir: &std::path::Path, graph: &Graph) -> Result<(), MigrateError> {
    let path = dir.join("snapshot.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let heads = graph.heads();
    let [head] = heads.as_slice() else {
        return Ok(());
    };
    let Some(recorded) = graph.get(head).and_then(|m| m.revision.schema) else {
        return Ok(());
    };
    let matches = crate::snapshot::Snapshot::from_json(&text)
        .is_ok_and(|snapshot| crate::snapshot::fingerprint(&snapshot.schema) == recorded);
    if matches {
        return Ok(());
    }
    Err(MigrateError::SnapshotMismatch {
        path: path.display().to_string(),
        head: (*head).to_owned(),
    })
}

/// The Python module defining the schema of the snapshot in `dir` as
/// SQLAlchemy `MetaData`.
fn sqlalchemy_module(dir: &std::path::Path, name: &str) -> Result<String, MigrateError> {
    let path = dir.join("snapshot.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(MigrateError::NoSnapshot(path)),
        Err(source) => return Err(MigrateError::Io { path, source }),
    };
    let snapshot =
        crate::snapshot::Snapshot::from_json(&text).map_err(|source| MigrateError::BadSnapshot {
            path: path.clone(),
            source,
        })?;
    Ok(crate::sqlalchemy::module(
        &snapshot.schema,
        &format!("the `{name}` database's models"),
    ))
}

fn files_dir(managed: &Managed) -> Result<std::path::PathBuf, MigrateError> {
    managed
        .dir
        .clone()
        .ok_or(MigrateError::NotConfigured("migrations_dir"))
}

/// `--database-url`, else `DATABASE_URL` (or `DATABASE_URL_<NAME>` for a
/// database other than the first, its name upper-cased with `_` for anything
/// but letters and digits), from the environment or a `.env` file, else the
/// crate's default.
fn database_url(given: Option<&str>, managed: &Managed, first: bool) -> String {
    if let Some(url) = given {
        return url.to_owned();
    }
    let variable = if first {
        "DATABASE_URL".to_owned()
    } else {
        // `read-replica` → `DATABASE_URL_READ_REPLICA`: a name a shell can set.
        let name: String = managed
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        format!("DATABASE_URL_{name}")
    };
    std::env::var(variable)
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| managed.default_url.clone())
}

/// The dialect `--dialect` names, else the database URL's.
fn dialect_of(given: Option<&str>, url: &str) -> Result<Dialect, MigrateError> {
    Ok(match given {
        Some("sqlite") => Dialect::Sqlite,
        Some("postgres" | "postgresql") => Dialect::Postgres,
        Some("mysql" | "mariadb") => Dialect::MySql,
        Some(other) => return Err(MigrateError::BadDialect(other.to_owned())),
        None => Dialect::of_url(url)?,
    })
}

fn print_sql(migrator: &Migrator, url: &str, m: &Move, up: bool) -> Result<ExitCode, MigrateError> {
    let dialect = dialect_of(m.dialect.as_deref(), url)?;
    let text = m.target.as_deref().unwrap_or(if up { "head" } else { "base" });
    let (from, to) = match text.split_once(':') {
        Some((from, to)) => (Target::parse(from)?, Target::parse(to)?),
        None if up => (Target::Base, Target::parse(text)?),
        None => (Target::Heads, Target::parse(text)?),
    };
    let statements = if up {
        migrator.upgrade_sql(dialect, &from, &to)?
    } else {
        migrator.downgrade_sql(dialect, &from, &to)?
    };
    let mut out = String::new();
    for statement in statements {
        let _ = writeln!(out, "{statement};\n");
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// `show`: the revision, its steps both ways, and the findings about its
/// upgrade on `dialect`.
fn show(json: bool, graph: &Graph, m: &Migration, dialect: Dialect) {
    let up = m.upgrade_steps();
    let findings = lint::lint(&up, dialect.into());
    if json {
        let ops = |steps: &[crate::migration::Step]| -> Vec<String> {
            steps.iter().map(|s| s.op.to_string()).collect()
        };
        let row = serde_json::json!({
            "revision": m.revision.id,
            "message": m.revision.message,
            "parents": m.revision.parents,
            "file": m.file,
            "upgrade": ops(&up),
            "downgrade": ops(&m.downgrade_steps()),
            "findings": findings.iter().map(|f| finding_json(m, f)).collect::<Vec<_>>(),
        });
        println!("{row}");
        return;
    }
    println!("{}", describe(graph, m.revision.id));
    println!("parents: {}", join_or(m.revision.parents, "none (a base)"));
    println!("file: {}", m.file);
    println!("upgrade:");
    for step in &up {
        println!("    {}", step.op);
    }
    println!("downgrade:");
    for step in m.downgrade_steps() {
        println!("    {}", step.op);
    }
    if findings.is_empty() {
        println!(
            "on {}: no step of the upgrade locks, rewrites or scans a live table",
            dialect.name()
        );
    } else {
        println!("on {}, what the upgrade does to live tables:", dialect.name());
        print_findings(&findings);
    }
}

/// The migrations `lint RANGE` looks at, parents first: one revision,
/// those after FROM up to TO, or every one.
fn lint_range(graph: &Graph, range: Option<&str>) -> Result<Vec<&'static Migration>, MigrateError> {
    let reach = |text: &str| -> Result<std::collections::BTreeSet<&'static str>, MigrateError> {
        Ok(match Target::parse(text)? {
            Target::Base => Default::default(),
            Target::Head => graph.ancestry(graph.head()?),
            Target::Revision(r) => graph.ancestry(graph.resolve(&r)?),
            _ => graph
                .heads()
                .into_iter()
                .flat_map(|h| graph.ancestry(h))
                .collect(),
        })
    };
    let wanted: std::collections::BTreeSet<&str> = match range {
        None => graph.migrations().iter().map(|m| m.revision.id).collect(),
        Some(text) => match text.split_once(':') {
            Some((from, to)) => {
                let before = reach(from)?;
                reach(to)?.into_iter().filter(|id| !before.contains(id)).collect()
            }
            None => [graph.resolve(text)?].into(),
        },
    };
    Ok(graph
        .migrations()
        .iter()
        .filter(|m| wanted.contains(m.revision.id))
        .collect())
}

/// `lint`: every finding about the upgrades of `migrations` on `dialect`,
/// and exit 14 when one at `level` or above is not accepted.
fn lint_migrations(
    json: bool,
    migrations: &[&Migration],
    dialect: Dialect,
    level: lint::Level,
    bounded: bool,
) -> ExitCode {
    let found: Vec<(&Migration, Vec<lint::Finding>)> = migrations
        .iter()
        .map(|m| {
            let mut findings = lint::lint(&m.upgrade_steps(), dialect.into());
            findings.retain(|f| !(bounded && f.rule == &lint::NO_LOCK_TIMEOUT));
            (*m, findings)
        })
        .collect();
    let all = || found.iter().flat_map(|(m, fs)| fs.iter().map(move |f| (*m, f)));
    let failing = all()
        .filter(|(_, f)| !f.accepted && f.rule.level >= level)
        .count();
    if json {
        let rows: Vec<serde_json::Value> = all().map(|(m, f)| finding_json(m, f)).collect();
        println!("{}", serde_json::Value::Array(rows));
    } else {
        for (m, findings) in &found {
            if !findings.is_empty() {
                println!("{} {} ({}):", m.revision.id, m.revision.message, m.file);
                print_findings(findings);
            }
        }
        let accepted = all().filter(|(_, f)| f.accepted).count();
        println!(
            "{} migration(s) on {}: {} finding(s), {accepted} accepted, {failing} at {level} or above not accepted",
            migrations.len(),
            dialect.name(),
            all().count(),
        );
        if failing > 0 {
            println!(
                "make the step safer as each says, or accept the finding in the migration file: `.accept(\"F101\")` on its step"
            );
        }
    }
    if failing > 0 {
        ExitCode::from(FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_findings(findings: &[lint::Finding]) {
    let mut last = None;
    for f in findings {
        if last != Some(f.step) {
            println!("  step {}: {}", f.step + 1, f.op);
            last = Some(f.step);
        }
        let accepted = if f.accepted { ", accepted" } else { "" };
        println!(
            "    {} {} ({}{accepted}): {} [{}]",
            f.rule.code, f.rule.name, f.rule.level, f.rule.finds, f.detail
        );
        println!("      instead: {}", f.rule.instead);
    }
}

fn finding_json(m: &Migration, f: &lint::Finding) -> serde_json::Value {
    serde_json::json!({
        "revision": m.revision.id,
        "file": m.file,
        "step": f.step + 1,
        "op": f.op,
        "code": f.rule.code,
        "name": f.rule.name,
        "level": f.rule.level.name(),
        "finds": f.rule.finds,
        "detail": f.detail,
        "instead": f.rule.instead,
        "accepted": f.accepted,
    })
}

fn describe(graph: &Graph, id: &str) -> String {
    match graph.get(id) {
        Some(m) => format!("{} {} ({})", m.revision.id, m.revision.message, m.file),
        None => format!("{id} (not in this program)"),
    }
}

fn join_or(items: &[impl AsRef<str>], empty: &str) -> String {
    if items.is_empty() {
        return empty.to_owned();
    }
    items.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", ")
}

fn print_list(json: bool, ids: &[&str], text: impl Fn(&str) -> String) {
    if json {
        println!("{}", serde_json::to_string(ids).expect("strings serialise"));
    } else {
        for id in ids {
            println!("{}", text(id));
        }
    }
}

/// What a run did, after it: the JSON of what it applied or reverted, or
/// (each migration was told as it was done) that there was nothing to do.
fn report(json: bool, done: &[Applied]) {
    if json {
        let rows: Vec<serde_json::Value> = done
            .iter()
            .map(|a| {
                serde_json::json!({
                    "revision": a.revision,
                    "message": a.message,
                    "file": a.file,
                    "duration_ms": a.duration.as_secs_f64() * 1000.0,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return;
    }
    if done.is_empty() {
        println!("nothing to do: the database is already there");
    }
}

async fn history(
    json: bool,
    verbose: bool,
    migrator: &Migrator,
    graph: &Graph,
    db: &mut Database,
) -> Result<(), MigrateError> {
    let applied = migrator.applied(db).await?;
    let current = migrator.current(db).await?;
    if json {
        let rows: Vec<serde_json::Value> = graph
            .migrations()
            .iter()
            .rev()
            .map(|m| {
                let row = applied.iter().find(|r| r.revision == m.revision.id);
                serde_json::json!({
                    "revision": m.revision.id,
                    "parents": m.revision.parents,
                    "message": m.revision.message,
                    "file": m.file,
                    "replaces": m.replaces,
                    "replaced_by": graph.replaced_by(m.revision.id),
                    "applied": row.is_some_and(|r| r.progress.is_whole()),
                    "stopped_part_way": row.is_some_and(|r| !r.progress.is_whole()),
                    "applied_at": row.map(|r| r.applied_at.clone()),
                    "duration_ms": row.map(|r| r.duration_ms),
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    for m in graph.migrations().iter().rev() {
        let row = applied.iter().find(|r| r.revision == m.revision.id);
        let mark = match row {
            Some(r) if !r.progress.is_whole() => "[~]",
            Some(_) => "[X]",
            None => "[ ]",
        };
        let here = if current.iter().any(|c| c == m.revision.id) {
            " (current)"
        } else {
            ""
        };
        let head = if graph.heads().contains(&m.revision.id) {
            " (head)"
        } else {
            ""
        };
        let replaced = graph
            .replaced_by(m.revision.id)
            .map_or(String::new(), |by| format!(" (replaced by {by})"));
        println!(
            "{mark} {} {}{head}{here}{replaced}",
            m.revision.id, m.revision.message
        );
        if verbose {
            println!("      parents: {}", join_or(m.revision.parents, "none (a base)"));
            println!("      file: {}", m.file);
            if let Some(row) = row {
                println!("      applied: {} in {} ms", row.applied_at, row.duration_ms);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlalchemy_names_a_missing_or_damaged_snapshot() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let missing = sqlalchemy_module(dir.path(), "main").expect_err("no snapshot");
        assert!(matches!(missing, MigrateError::NoSnapshot(_)), "{missing:?}");
        assert!(
            missing
                .to_string()
                .ends_with("snapshot.json: no snapshot; `cargo build` writes it with the first migration")
        );

        std::fs::write(
            dir.path().join("snapshot.json"),
            "{\"format_version\": 1, \"tables\": [",
        )
        .expect("written");
        let damaged = sqlalchemy_module(dir.path(), "main").expect_err("a damaged snapshot");
        assert!(matches!(damaged, MigrateError::BadSnapshot { .. }), "{damaged:?}");
        assert!(damaged.to_string().contains("snapshot.json: "), "{damaged}");

        let mut notes = crate::schema::Table::new("notes");
        notes.columns = vec![crate::schema::Column::new("id", crate::schema::SqlType::Integer)].into();
        let schema = crate::Schema::new([notes]).expect("a schema");
        std::fs::write(
            dir.path().join("snapshot.json"),
            crate::snapshot::to_json(&schema),
        )
        .expect("written");
        let module = sqlalchemy_module(dir.path(), "main").expect("a module");
        assert!(module.contains("the `main` database's models"), "{module}");
        assert!(
            module.contains(r#"sa.Column("id", _int(), nullable=False)"#),
            "{module}"
        );
    }
}
