//! `ferro`: the command that sets a project up for Ferro.
//!
//! `ferro init DIR --models MODELS` creates the migrations crate for a models
//! crate, the counterpart of `alembic init`: see [`init`]. `ferro inspect DIR
//! --database-url URL` writes a models crate for an existing database: see
//! [`inspect`]. Everything else is
//! a command of the migrations crate's own binary
//! (`cargo run -p <migrations crate> -- --help`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod init;
mod inspect;
mod metadata;

#[derive(Parser, Debug)]
#[command(name = "ferro", about = "Set a project up for Ferro", version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create the migrations crate for a models crate, ready to build.
    Init(init::Options),
    /// Write a models crate that declares the tables of an existing database
    /// (Django's inspectdb), with a `// ferro: not expressible` line for each
    /// thing a model cannot declare; without DIR, print the models.
    Inspect(inspect::Options),
}

fn main() -> ExitCode {
    let args = Args::parse();
    let outcome = match args.command {
        Command::Init(options) => init::run(&options),
        Command::Inspect(options) => inspect::run(&options),
    };
    match outcome {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What can stop `ferro init`; nothing is written when it stops before writing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum Error {
    /// `cargo metadata` failed or printed what it should not.
    #[error("cannot read the models crate with `cargo metadata`: {0}")]
    Metadata(String),
    /// The database could not be reached or read.
    #[error("cannot read the database: {0}")]
    Database(String),
    /// The models crate has no library target.
    #[error("`{0}` has no library: the migrations crate calls the models crate's `schema()`")]
    NoLibrary(String),
    /// The models crate does not depend on ferro-core.
    #[error(
        "`{0}` does not depend on `ferro-core`; add it (the crate whose library is `ferro`) and derive `Model`"
    )]
    NoFerro(String),
    /// Where ferro-build is cannot be told from where ferro-core is.
    #[error("ferro-core comes from {0}, but there is no ferro-build beside it; pass --ferro-build PATH")]
    NoFerroBuild(String),
    /// `--dev-dylib` asks for ferro-dylib or ferro-build-dylib where there is none.
    #[error(
        "ferro-core comes from {0}, but there is no ferro-dylib or ferro-build-dylib beside it; leave out --dev-dylib"
    )]
    NoFerroDylib(String),
    /// The new crate's folder exists and holds something.
    #[error("{}: exists and is not empty; choose a new folder", .0.display())]
    NotEmpty(PathBuf),
    /// The workspace manifest cannot be read as TOML.
    #[error("{}: {source}", .path.display())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// Why it cannot be read.
        source: toml_edit::TomlError,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// `Error::Io` for `path`.
pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}
