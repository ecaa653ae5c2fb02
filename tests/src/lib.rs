//! Models shared by the workspace tests: the model zoo uses every type and every
//! option of the user contract, and its JSON snapshot is the specification of
//! what the derive produces. `pg` starts a throwaway PostgreSQL server for the
//! database tests (`mariadb` a MariaDB one), `shape` reads back the tables a
//! database holds, and `pair` migrates a database from one schema to another.

pub mod chain;
pub mod families;
pub mod galera;
mod guides;
mod host;
pub mod mariadb;
pub mod pair;
pub mod pg;
pub mod python;
pub mod shape;
pub mod synthetic;
pub mod tls;
pub mod trials;
pub mod zoo;

/// A fresh, empty database of `dialect`: a SQLite file in a new temporary
/// directory (kept while the returned guard lives), or a new database of the
/// throwaway PostgreSQL or MariaDB server named after `prefix`; `None` when
/// that server's binaries are missing and `CI` is not set.
pub fn fresh_database(
    dialect: ferro::runtime::Dialect,
    prefix: &str,
) -> Option<(String, Option<tempfile::TempDir>)> {
    use ferro::runtime::Dialect;
    match dialect {
        Dialect::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let url = format!("sqlite://{}", dir.path().join(format!("{prefix}.db")).display());
            Some((url, Some(dir)))
        }
        Dialect::Postgres => pg::server().map(|server| (server.create_database(), None)),
        Dialect::MySql => mariadb::server().map(|server| (server.create_database(prefix), None)),
    }
}

/// Sets up `command` for a build of a scratch crate that a test wrote: into
/// `target/scratch` of this repository, which every scratch build shares, and
/// with the dev profile that all of them use, so that the dependencies are
/// compiled once for all. Cargo applies these variables over the scratch
/// crate's manifest:
///
/// - build scripts and derives unoptimised: `ferro init` sets
///   `[profile.dev.build-override] opt-level = 1`, and compiling every build
///   dependency a second time, optimised, would cost the suite minutes
///   (`bench/compile.sh` measures that setting);
/// - no debug information: a scratch migrations binary is 91 to 135 MB with
///   it and 19 MB without, and the scratch builds of one test run wrote
///   gigabytes of it, enough to fill a small disk (the linker then dies with
///   a bus error). No test reads it: what a scratch binary prints is the
///   same without it.
pub fn scratch_build(command: &mut std::process::Command) -> &mut std::process::Command {
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the repository")
        .join("target/scratch");
    command
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_PROFILE_DEV_BUILD_OVERRIDE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
}

/// `cargo`, run in `dir` as [`scratch_build`] sets it up.
pub fn scratch_cargo(dir: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO"));
    command.current_dir(dir);
    scratch_build(&mut command);
    command
}

/// The section names of the ELF file at `path`, as binutils' `readelf`
/// lists them: whether a linked binary carries debug information
/// (`.debug_line`, `.debug_info`).
pub fn elf_sections(path: &std::path::Path) -> Vec<String> {
    readelf("--sections", path)
        .lines()
        .filter_map(|line| {
            // `  [12] .debug_line  PROGBITS ...`; the header's `[Nr]` is not a number.
            let (number, rest) = line.trim_start().strip_prefix('[')?.split_once("] ")?;
            number.trim().parse::<u32>().ok()?;
            rest.split_whitespace().next().map(str::to_owned)
        })
        .collect()
}

/// The shared libraries the ELF file at `path` needs at run time (its
/// `NEEDED` entries, as binutils' `readelf` lists them): whether a binary
/// takes a library from a shared object or holds it.
pub fn elf_needed(path: &std::path::Path) -> Vec<String> {
    elf_dynamic(path, "(NEEDED)")
}

/// The run path of the ELF file at `path` (its `RUNPATH` or `RPATH`), where
/// the loader looks for the shared libraries it needs before the system's
/// folders.
pub fn elf_run_path(path: &std::path::Path) -> Option<String> {
    let mut paths = elf_dynamic(path, "(RUNPATH)");
    paths.extend(elf_dynamic(path, "(RPATH)"));
    paths.pop()
}

/// The values of the dynamic section's entries tagged `tag` in the ELF file
/// at `path`.
fn elf_dynamic(path: &std::path::Path, tag: &str) -> Vec<String> {
    readelf("--dynamic", path)
        .lines()
        .filter(|line| line.contains(tag))
        // ` 0x... (NEEDED)  Shared library: [libc.so.6]`
        .filter_map(|line| {
            let (_, value) = line.split_once('[')?;
            Some(value.strip_suffix(']')?.to_owned())
        })
        .collect()
}

/// What binutils' `readelf WHAT --wide` prints of the ELF file at `path`.
fn readelf(what: &str, path: &std::path::Path) -> String {
    let output = std::process::Command::new("readelf")
        .args([what, "--wide"])
        .arg(path)
        .output()
        .expect("readelf (binutils) runs");
    assert!(
        output.status.success(),
        "readelf {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The plain SQL file of `d` in `tests/inspect/`, with its name: a shop's
/// database as plain SQL made it, with what real applications hold that a
/// model cannot declare, for the tests of `inspect`.
pub fn plain_sql(d: ferro::runtime::Dialect) -> (&'static str, &'static str) {
    use ferro::runtime::Dialect;
    match d {
        Dialect::Sqlite => ("sqlite", include_str!("../inspect/sqlite.sql")),
        Dialect::Postgres => ("postgres", include_str!("../inspect/postgres.sql")),
        Dialect::MySql => ("mariadb", include_str!("../inspect/mariadb.sql")),
    }
}

/// Runs `sql`, statements that each end with `;` at the end of a line (a
/// line that begins with `--` left out), on the database at `url`, with
/// sqlx alone: as a tool other than Ferro would.
pub async fn run_sql(url: &str, sql: &str) -> Result<(), String> {
    use sqlx::Connection as _;
    sqlx::any::install_default_drivers();
    let url = match url.strip_prefix("sqlite://") {
        Some(_) => format!("{url}?mode=rwc"),
        None => url.to_owned(),
    };
    let mut conn = sqlx::AnyConnection::connect(&url)
        .await
        .map_err(|e| e.to_string())?;
    let mut statement = String::new();
    for line in sql.lines().chain([";"]) {
        if line.trim_start().starts_with("--") {
            continue;
        }
        statement.push_str(line);
        statement.push('\n');
        if !line.trim_end().ends_with(';') {
            continue;
        }
        let text = std::mem::take(&mut statement);
        if !text.trim().trim_end_matches(';').trim().is_empty() {
            sqlx::raw_sql(sqlx::AssertSqlSafe(text))
                .execute(&mut conn)
                .await
                .map_err(|e| format!("{line}: {e}"))?;
        }
    }
    Ok(())
}

/// Every model of this crate (the zoo).
pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> {
    ferro::schema!()
}

/// A migration of the tests' hand-written histories: its message is its file
/// name, and it records no schema.
pub const fn migration(
    file: &'static str,
    source: &'static str,
    id: &'static str,
    parents: &'static [&'static str],
    upgrade: fn(&mut ferro::migration::Ops),
    downgrade: fn(&mut ferro::migration::Ops),
) -> ferro::migration::Migration {
    ferro::migration::Migration {
        file,
        source,
        revision: ferro::migration::Revision {
            id,
            parents,
            message: file,
            schema: None,
        },
        upgrade: ferro::migration::Body::Code(upgrade),
        downgrade: ferro::migration::Body::Code(downgrade),
        replaces: &[],
    }
}

/// Runs `work` to its end on a runtime of its own, on this thread: what a
/// database test that is not `async` itself needs.
pub fn block_on<T>(work: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(work)
}

/// Runs `scenario` on a new database of `dialect` named after `prefix`, on a
/// runtime of its own with worker threads (a scenario may start runners
/// that wait for each other); nothing when the server's binaries are
/// missing outside CI.
pub fn run_scenario<F: Future<Output = ()>>(
    dialect: ferro::runtime::Dialect,
    prefix: &str,
    scenario: fn(String) -> F,
) {
    let Some((url, _dir)) = fresh_database(dialect, prefix) else {
        return;
    };
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(scenario(url));
}

/// One `#[test]` per scenario and backend: `mod sqlite`, `mod postgres` and
/// `mod mariadb`, each test running its `async fn(url: String)` scenario
/// through [`run_scenario`].
#[macro_export]
macro_rules! on_every_backend {
    ($prefix:literal: $($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $scenario() {
                $crate::run_scenario(::ferro::runtime::Dialect::Sqlite, $prefix, super::$scenario);
            })*
        }
        mod postgres {
            $(#[test] fn $scenario() {
                $crate::run_scenario(::ferro::runtime::Dialect::Postgres, $prefix, super::$scenario);
            })*
        }
        mod mariadb {
            $(#[test] fn $scenario() {
                $crate::run_scenario(::ferro::runtime::Dialect::MySql, $prefix, super::$scenario);
            })*
        }
    };
}
