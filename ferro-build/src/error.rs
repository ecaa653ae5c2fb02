//! Why a build of the migrations crate stops.

use std::path::PathBuf;

use ferro::SchemaError;
use ferro::snapshot::SnapshotError;

/// Why generation failed; the build script prints it and fails the build.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The models do not make a valid schema.
    #[error("the models are not a valid schema: {0}")]
    Models(#[source] SchemaError),
    /// A column's generation (whether and how the database computes it)
    /// changed, which a migration cannot alter in place on every database.
    #[error(
        "column `{table}.{column}` changed whether or how it is generated, which a migration cannot alter in \
         place: remove the field, build and commit that migration, then add it back as it should be, or \
         give it a new name"
    )]
    GeneratedChanged {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The snapshot is malformed, of an unknown version or inconsistent.
    #[error("{}: {source}", path.display())]
    Snapshot {
        /// The snapshot file.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: SnapshotError,
    },
    /// A migration file's `REVISION` could not be read.
    #[error("{}: cannot read `REVISION`: {message}", path.display())]
    Header {
        /// The migration file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A migration file's number leaves no number for a file after it.
    #[error(
        "{}: the number this file name starts with is above {max}, so no new file can follow it; \
         rename it with a smaller number (the numbers only order the files, the revision ids link them)",
        path.display()
    )]
    NumberTooLarge {
        /// The file.
        path: PathBuf,
        /// The highest number a file may have for another to follow it.
        max: u32,
    },
    /// Two migration files declare one revision id.
    #[error("revision `{id}` is declared by two files, `{first}` and `{second}`; give one of them a new id")]
    DuplicateRevision {
        /// The id.
        id: String,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
    },
    /// A migration follows a revision no file declares.
    #[error(
        "`{file}` (revision `{id}`) follows revision `{parent}`, which no file in the migrations folder \
         declares: was its file deleted?"
    )]
    UnknownParent {
        /// The migration's file.
        file: String,
        /// The migration's id.
        id: String,
        /// The missing parent.
        parent: String,
    },
    /// The migrations' parents form a cycle.
    #[error("the parents of these migrations form a cycle: {}", files.join(", "))]
    Cycle {
        /// The files in the cycle.
        files: Vec<String>,
    },
    /// The migrations have more than one head (check mode; generation warns instead).
    #[error(
        "the migrations have {} heads: {}; join them with `merge heads -m \"...\"`",
        heads.len(), heads.join(", ")
    )]
    SeveralHeads {
        /// `id (file)` of each head.
        heads: Vec<String>,
    },
    /// The snapshot names a revision no migration declares.
    #[error(
        "{}: the snapshot is at revision `{revision}`, which no file in the migrations folder declares: \
         was its migration deleted?",
        path.display()
    )]
    SnapshotUnknownRevision {
        /// The snapshot file.
        path: PathBuf,
        /// The revision it names.
        revision: String,
    },
    /// The snapshot is not the schema the migrations leave.
    #[error(
        "{}: the snapshot does not match the migrations: it is not the schema that `{head}` leaves \
         (the snapshot names revision {named}). It was edited by hand or is stale after a merge; restore \
         it from version control, or regenerate it from the migrations",
        path.display()
    )]
    SnapshotMismatch {
        /// The snapshot file.
        path: PathBuf,
        /// The newest migration, `id (file)`, or "no migration".
        head: String,
        /// The revision the snapshot names, quoted, or "none".
        named: String,
    },
    /// Check mode: a merge revision whose schema the build has not adopted.
    #[error(
        "the merge revision {merge} has no snapshot yet: run `cargo build` with `FERRO_MIGRATIONS=generate` \
         to take the models' schema as the merged one, review snapshot.json and commit it"
    )]
    MergeNotAdopted {
        /// The merge, `id (file)`.
        merge: String,
    },
    /// Check mode: the models differ from the snapshot.
    #[error(
        "the models differ from {}:\n{changes}\nRun `cargo build` with `FERRO_MIGRATIONS=generate` to write \
         the migration, review it and commit it with the snapshot",
        path.display()
    )]
    OutOfDate {
        /// The snapshot file.
        path: PathBuf,
        /// The changes, one per line.
        changes: String,
    },
    /// The environment lacks something cargo always sets for a build script.
    #[error("environment variable `{0}` is not set; call `ferro_build::Builder` from a build script")]
    Env(&'static str),
    /// `FERRO_MIGRATIONS` has a value that is not a mode.
    #[error("FERRO_MIGRATIONS is `{0}`; expected `generate`, `check` or `off`")]
    BadMode(String),
}
