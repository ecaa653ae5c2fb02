//! `ferro inspect [DIR] --database-url URL`: a models crate that declares the
//! tables of an existing database, the counterpart of Django's `inspectdb`
//! and Prisma's `db pull`.
//!
//! It reads the database (SQLite, PostgreSQL, MySQL or MariaDB) without
//! writing to it, and writes `DIR/Cargo.toml` and `DIR/src/lib.rs`: one
//! `#[derive(ferro::Model)]` struct per table, and a
//! `// ferro: not expressible: …` line for each thing the database holds
//! that a model cannot declare ([`ferro::inspect`]). Without `DIR` it prints
//! the source instead. `ferro init` over the new crate, its first
//! `cargo build` and `stamp head` then adopt the database without changing
//! it (`docs/adopting.md`).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use ferro::runtime::{Database, redact};

use crate::init::{Workspace, relative, toml_string};
use crate::{Error, io};

/// The options of `ferro inspect`.
#[derive(clap::Args, Debug)]
pub(crate) struct Options {
    /// The folder of the new models crate; its name is the crate's. Without
    /// it, the models are printed.
    dir: Option<PathBuf>,
    /// The database to read: sqlite://FILE, postgres://..., mysql://...
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The version table, left out of the models when the database has one.
    #[arg(long, default_value = ferro::runtime::DEFAULT_TABLE)]
    version_table: String,
    /// The ferro-core crate's folder, for a path dependency; default: the
    /// workspace's `ferro-core` when the new crate is in a workspace that
    /// has one, else ferro-core of this command's version.
    #[arg(long)]
    ferro_core: Option<PathBuf>,
}

/// Reads the database and writes (or prints) the models; what it did, to print.
pub(crate) fn run(options: &Options) -> Result<String, Error> {
    if let Some(dir) = &options.dir
        && fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some())
    {
        return Err(Error::NotEmpty(dir.clone()));
    }
    let inspection = read(&options.database_url, &options.version_table)?;
    let models = ferro::inspect::models(&inspection.schema, &inspection.notes);
    let Some(dir) = &options.dir else {
        return Ok(models.source);
    };

    fs::create_dir_all(dir.join("src")).map_err(io(dir))?;
    let dir = dir.canonicalize().map_err(io(dir))?;
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("models")
        .to_owned();
    let workspace = match enclosing_workspace(&dir) {
        Some(root) => Workspace::read(&root, &dir)?,
        None => None,
    };
    let ferro_core = if let Some(path) = &options.ferro_core {
        let path = path.canonicalize().map_err(io(path))?;
        format!("path = {}", toml_string(&relative(&path, &dir)))
    } else if workspace
        .as_ref()
        .is_some_and(|w| w.dependencies.iter().any(|d| d == "ferro-core"))
    {
        "workspace = true".to_owned()
    } else {
        format!("version = {}", toml_string(env!("CARGO_PKG_VERSION")))
    };
    let mut manifest = format!(
        "[package]\nname = {}\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nferro-core = {{ {ferro_core} }}\n",
        toml_string(&name)
    );
    for (krate, line) in ferro::inspect::DEPENDENCIES {
        if models.crates.contains(krate) {
            manifest.push_str(line);
            manifest.push('\n');
        }
    }
    let mut report = String::new();
    for (file, text) in [
        ("Cargo.toml", manifest.as_str()),
        ("src/lib.rs", models.source.as_str()),
    ] {
        let path = dir.join(file);
        fs::write(&path, text).map_err(io(&path))?;
        let _ = writeln!(report, "wrote {}", path.display());
    }
    let _ = writeln!(
        report,
        "{} table(s) from {}; {} thing(s) not expressible as models, each on a \
         `// ferro: not expressible` line",
        inspection.schema.tables().len(),
        redact(&options.database_url),
        models.not_expressible.len()
    );
    if let Some(mut workspace) = workspace
        && workspace.add_member()
    {
        workspace.save()?;
        let _ = writeln!(
            report,
            "added {} to the members of {}",
            workspace.member,
            workspace.manifest.display()
        );
    }
    let _ = writeln!(
        report,
        "next: `ferro init <migrations crate> --models {}`, `cargo build` of it writes the \
         initial migration, and its `stamp head` records the database as already at it",
        dir.display()
    );
    Ok(report)
}

/// The database's schema and notes, read on a runtime of its own.
fn read(url: &str, version_table: &str) -> Result<ferro::runtime::Inspection, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Database(e.to_string()))?;
    runtime.block_on(async {
        let mut db = Database::connect(url)
            .await
            .map_err(|e| Error::Database(e.to_string()))?;
        ferro::runtime::inspect(&mut db, version_table)
            .await
            .map_err(|e| Error::Database(e.to_string()))
    })
}

/// The root of the Cargo workspace whose manifest is in a folder above
/// `dir`, if there is one.
fn enclosing_workspace(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().skip(1).find_map(|folder| {
        let manifest = folder.join("Cargo.toml");
        let text = fs::read_to_string(&manifest).ok()?;
        let document: toml_edit::DocumentMut = text.parse().ok()?;
        document.get("workspace").is_some().then(|| folder.to_owned())
    })
}
