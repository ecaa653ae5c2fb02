//! Ferro's build-script helper: during `cargo build`, diffs the models against
//! the committed snapshot and writes the migration for the change.
//!
//! A migrations crate's `build.rs`:
//!
//! ```no_run
//! # mod my_models { pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> { ferro::schema!() } }
//! fn main() {
//!     ferro_build::Builder::new(my_models::schema()).run();
//! }
//! ```
//!
//! and its `lib.rs` embeds every migration with `ferro::embed_migrations!();`.
//! On each build [`Builder::run`]:
//!
//! 1. reads `migrations/snapshot.json` and the `REVISION` of every `.rs` file in
//!    `migrations/`, and checks that they agree (no revision twice, no missing
//!    parent, no cycle, the snapshot being the schema the newest migration
//!    leaves), naming the first broken link if not;
//! 2. diffs the snapshot against the models; if they differ, in `generate` mode
//!    it writes a migration file and the new snapshot (or rewrites the draft, see
//!    below) and tells cargo what it wrote and what in it is destructive; in
//!    `check` mode it fails the build with the changes; in `off` mode it does
//!    nothing;
//! 3. writes the list of migration files that `embed_migrations!` includes, so
//!    the crate compiles with every file in the folder, a file this build wrote
//!    included; an open draft goes in as its text and the steps it was
//!    written from, as data, until it is sealed ([`Builder::compile_drafts`]).
//!
//! The mode comes from [`Builder::mode`], else the `FERRO_MIGRATIONS`
//! environment variable (`generate`, `check`, `off`), else `check` when `CI` is
//! set and `generate` when not.
//!
//! The newest generated migration stays a *draft* while it is not committed to
//! git and nobody edited it: further model changes rewrite it in place instead
//! of adding a file per edit. Committing it, editing it, or deleting its last
//! line (`// ferro:draft …`) seals it. Generation reads no clock, database or
//! network: the same folder and models always give the same bytes.
#![doc(html_root_url = "https://docs.rs/ferro-build/0.1.0")]

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use ferro::diff::diff;
use ferro::plan::{both, plan};
use ferro::snapshot::{Serialized, Snapshot};
use ferro::{Schema, SchemaError};

mod cache;
mod codegen;
mod draft;
mod embed;
mod error;
mod folder;
mod history;
mod layout;
mod link;

pub use error::BuildError;

use draft::Draft;
use folder::{Entry, Folder, SNAPSHOT, io};
use history::{Expected, History};

/// What the build does when the models and the snapshot differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Write the migration and the new snapshot (the default on a developer machine).
    Generate,
    /// Write nothing; fail the build with the changes (the default when `CI` is set).
    Check,
    /// Do nothing but embed the migrations there are.
    Off,
}

impl Mode {
    /// The mode from `FERRO_MIGRATIONS`, else from `CI`.
    pub fn from_env() -> Result<Mode, BuildError> {
        match std::env::var("FERRO_MIGRATIONS") {
            Ok(value) if !value.is_empty() => match value.as_str() {
                "generate" => Ok(Mode::Generate),
                "check" => Ok(Mode::Check),
                "off" => Ok(Mode::Off),
                _ => Err(BuildError::BadMode(value)),
            },
            _ => {
                let ci = std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"));
                Ok(if ci { Mode::Check } else { Mode::Generate })
            }
        }
    }
}

/// What a build did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Files written (migrations and snapshot).
    pub written: Vec<PathBuf>,
    /// Files removed (a draft rewritten under a new name, or emptied).
    pub removed: Vec<PathBuf>,
    /// What to tell the developer: what was written, what is destructive,
    /// possible renames.
    pub warnings: Vec<String>,
}

/// Configures and runs generation; see the [crate] documentation.
#[derive(Debug)]
pub struct Builder {
    models: Result<Schema, SchemaError>,
    dir: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    mode: Option<Mode>,
    database: Option<String>,
    safe: bool,
    contract: Option<bool>,
    link_debug_info: bool,
    compile_drafts: bool,
}

impl Builder {
    /// Generation for the models' schema, as the models crate's
    /// `ferro::schema!()` function returns it.
    pub fn new(models: Result<Schema, SchemaError>) -> Builder {
        Builder {
            models,
            dir: None,
            out_dir: None,
            mode: None,
            database: None,
            safe: false,
            contract: None,
            link_debug_info: false,
            compile_drafts: false,
        }
    }

    /// Generation for one of the several databases a crate manages: its
    /// migrations go in `migrations/<name>/` and its list in `<OUT_DIR>/<name>/`,
    /// which `ferro::embed_migrations!("<name>")` includes. Call [`Builder::run`]
    /// once per database, each with its models:
    ///
    /// ```no_run
    /// # mod app_models { pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> { ferro::schema!() } }
    /// # mod audit_models { pub use super::app_models::schema; }
    /// fn main() {
    ///     ferro_build::Builder::new(app_models::schema()).database("app").run();
    ///     ferro_build::Builder::new(audit_models::schema()).database("audit").run();
    /// }
    /// ```
    pub fn database(mut self, name: &str) -> Builder {
        self.database = Some(name.to_owned());
        self
    }

    /// The migrations folder; by default `migrations/` in the crate being built.
    pub fn migrations_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.dir = Some(dir.into());
        self
    }

    /// Where the embedded list is written; by default cargo's `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.out_dir = Some(dir.into());
        self
    }

    /// Safe plans (`docs/safety.md`): in the migrations this build writes, a
    /// step on a table that exists before the migration takes the form that
    /// keeps the table writable on PostgreSQL: an index is created or
    /// dropped `.concurrently()`, a foreign key or a check is added
    /// `.validate_separately()`, a column made NOT NULL through a check
    /// validated apart, a fill `.in_batches()`; on MySQL an index or key
    /// asks for `ALGORITHM=INPLACE, LOCK=NONE`. The marks change nothing on
    /// SQLite. A table or a column the models dropped is held back for a
    /// later contract migration (a NOT NULL column without a default gets
    /// a placeholder default, so that the new code can insert without it):
    /// the running version may still use it. Each build warns of what it
    /// holds back; build with `FERRO_CONTRACT=1` (or
    /// [`Builder::contract`]) once no running version does, and the drops
    /// are written. A column renamed with `renamed_from` keeps both names,
    /// kept equal by a trigger (`op.sync_columns`), until that contract
    /// migration drops the old one; a table renamed with `renamed_from`
    /// keeps its old name as a view (`op.alias_table`) until then. Set it on the `Builder` of each
    /// database that runs under load; files already written keep their
    /// form.
    ///
    /// ```no_run
    /// # mod shop_models { pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> { ferro::schema!() } }
    /// fn main() {
    ///     ferro_build::Builder::new(shop_models::schema()).safe(true).run();
    /// }
    /// ```
    pub fn safe(mut self, yes: bool) -> Builder {
        self.safe = yes;
        self
    }

    /// In a safe plan, write the drops held back for a contract migration
    /// (see [`Builder::safe`]) instead of holding them back; by default
    /// `FERRO_CONTRACT=1` in the environment says so. Ask for it once no
    /// running version of the application uses what they drop.
    pub fn contract(mut self, yes: bool) -> Builder {
        self.contract = Some(yes);
        self
    }

    /// The mode, instead of the one the environment chooses.
    pub fn mode(mut self, mode: Mode) -> Builder {
        self.mode = Some(mode);
        self
    }

    /// Keep the debug information in what the crate links in the dev
    /// profile. By default, on Linux, Android and the BSDs, [`Builder::run`]
    /// tells cargo to link the migrations crate's binary (the migration
    /// commands), tests, examples and benches without it: after each model
    /// edit `cargo build` relinks that binary, with the runtime, sqlx and
    /// SQLite in it, and most of that link is copying their debug
    /// information (`docs/performance.md`, "The binary's link without debug
    /// information"). A panic still names its file and line; a backtrace
    /// names functions without lines, and a debugger steps through them
    /// without the source. The crate's library, which the application
    /// links, and the application's own binaries keep what the profile
    /// says, as does every release build. A linker other than a C compiler
    /// driver (`cc`, `gcc`, `clang`) named in cargo's configuration or the
    /// rustflags gets no argument. In a build script that runs several
    /// builders, one that does not keep it is enough to leave it out.
    ///
    /// ```no_run
    /// # mod shop_models { pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> { ferro::schema!() } }
    /// fn main() {
    ///     // To debug the migration commands or a migration's data step.
    ///     ferro_build::Builder::new(shop_models::schema()).link_debug_info(true).run();
    /// }
    /// ```
    pub fn link_debug_info(mut self, keep: bool) -> Builder {
        self.link_debug_info = keep;
        self
    }

    /// Compile an open draft as any other migration file. By default the
    /// crate embeds the newest generated migration, while it is a draft
    /// nobody has edited or committed, as the steps the build script wrote
    /// it from (JSON in `OUT_DIR`) beside its text, and compiles the file
    /// once it is sealed: the draft is the file each model edit rewrites,
    /// and at 500 tables rustc took 0.27 to 0.30 s to compile it again
    /// (`docs/performance.md`, "The draft as data"). The file and the data
    /// record the same steps (`tests/tests/generate.rs` compares them for
    /// every generated form); with `true` the draft is compiled too, so
    /// that `cargo build` checks it as Rust before it is sealed.
    ///
    /// ```no_run
    /// # mod shop_models { pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> { ferro::schema!() } }
    /// fn main() {
    ///     ferro_build::Builder::new(shop_models::schema()).compile_drafts(true).run();
    /// }
    /// ```
    pub fn compile_drafts(mut self, yes: bool) -> Builder {
        self.compile_drafts = yes;
        self
    }

    /// Runs generation from a build script: tells cargo when to run it again,
    /// passes on the report as `cargo:warning`s, and on an error prints it and
    /// fails the build. Under `docs/workflow.md`'s `dev-dylib` setting (the
    /// crate's feature of that name and debug assertions on), it also links
    /// the crate's binaries with a run path to the two shared objects they
    /// then need, so that they start by hand where cargo put them.
    pub fn run(mut self) {
        println!("cargo:rerun-if-env-changed=FERRO_MIGRATIONS");
        println!("cargo:rerun-if-env-changed=CI");
        println!("cargo:rerun-if-env-changed=FERRO_CONTRACT");
        if !self.link_debug_info {
            link::strip_debug_info();
        }
        link::dev_dylib_run_path();
        let mark = std::env::var_os("OUT_DIR").map(|d| PathBuf::from(d).join("ferro-started"));
        let started = mark.as_deref().and_then(stamp);
        let outcome = self.migrations_folder().and_then(|dir| {
            println!("cargo:rerun-if-changed={}", dir.display());
            self.dir = Some(dir.clone());
            self.generate().map(|report| (report, dir))
        });
        match outcome {
            Ok((report, dir)) => {
                if !(report.written.is_empty() && report.removed.is_empty())
                    && let (Some(mark), Some(started)) = (&mark, started)
                {
                    outdate(&dir, started, mark);
                }
                for warning in &report.warnings {
                    for line in warning.lines() {
                        println!("cargo:warning={line}");
                    }
                }
            }
            Err(error) => {
                eprintln!("error: {error}");
                std::process::exit(1);
            }
        }
    }

    fn migrations_folder(&self) -> Result<PathBuf, BuildError> {
        match &self.dir {
            Some(dir) => Ok(dir.clone()),
            None => {
                let dir = PathBuf::from(env("CARGO_MANIFEST_DIR")?).join("migrations");
                Ok(self
                    .database
                    .as_ref()
                    .map_or_else(|| dir.clone(), |name| dir.join(name)))
            }
        }
    }

    /// Runs generation and returns what it did, printing nothing.
    pub fn generate(self) -> Result<Report, BuildError> {
        let mode = match self.mode {
            Some(mode) => mode,
            None => Mode::from_env()?,
        };
        let dir = self.migrations_folder()?;
        let out_dir = match (self.out_dir, &self.database) {
            (Some(dir), _) => dir,
            (None, None) => PathBuf::from(env("OUT_DIR")?),
            (None, Some(name)) => {
                let dir = PathBuf::from(env("OUT_DIR")?).join(name);
                fs::create_dir_all(&dir).map_err(io(&dir))?;
                dir
            }
        };
        let models = self.models.map_err(BuildError::Models)?;
        let contract = self.contract.unwrap_or_else(|| {
            std::env::var("FERRO_CONTRACT").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
        });
        // Safe plans hold back the drops the running application meets.
        let holds = self.safe && !contract;
        let inputs = cache::Inputs::new(mode, self.safe, holds, self.compile_drafts, &models, &dir);
        let key = inputs.key(&dir)?;
        if let Some(warnings) = cache::lookup(&out_dir, &key)
            && out_dir.join(embed::FILE).is_file()
        {
            return Ok(Report {
                warnings,
                ..Report::default()
            });
        }
        cache::forget(&out_dir);
        let mut report = Report::default();
        let state = Serialized::state(&models);
        let mut folder = Folder::read(&dir, &state)?;
        let wrote = {
            let history = History::new(&folder.entries)?;
            if mode == Mode::Off {
                false
            } else {
                // Where the draft's steps go as data; nowhere if drafts are compiled.
                let data_dir = (!self.compile_drafts).then_some(out_dir.as_path());
                generate(
                    mode,
                    self.safe,
                    holds,
                    &folder,
                    &history,
                    &state,
                    data_dir,
                    &mut report,
                )?
            }
        };
        if wrote {
            // The snapshot is not needed again; the list needs the new file.
            let known = std::mem::take(&mut folder.entries);
            folder.entries = folder::reread(&dir, known, &report.written)?;
        }
        let history = History::new(&folder.entries)?;
        let data = if self.compile_drafts {
            draft::forget_data(&out_dir, &[])?;
            None
        } else {
            open_draft_data(&folder, &history, &out_dir)?
        };
        let list = embed::list(&history, data.as_ref());
        let list_path = out_dir.join(embed::FILE);
        if fs::read_to_string(&list_path).ok().as_deref() != Some(list.as_str()) {
            fs::write(&list_path, list).map_err(io(&list_path))?;
        }
        if wrote {
            // The models now match the snapshot: the next run with these files
            // has nothing to write and nothing to say.
            cache::store(&out_dir, &inputs.key(&dir)?, &[]);
        } else {
            cache::store(&out_dir, &key, &report.warnings);
        }
        Ok(report)
    }
}

/// Cargo runs a build script again when a path it watches is newer than
/// the script's last start, and on a build that does not run it, prints its
/// last warnings again. File times come from a coarse clock: a file written
/// within the same tick as the start looks unchanged, and the next build
/// would say again "wrote migrations/…" without writing anything. So the
/// script notes its start in a file of `OUT_DIR` (after cargo noted its
/// own), and after writing, dates the migrations folder past that start.
fn stamp(mark: &Path) -> Option<std::time::SystemTime> {
    fs::write(mark, b"").ok()?;
    fs::metadata(mark).and_then(|m| m.modified()).ok()
}

/// Sets the folder's modification time to a file time later than `started`
/// (see [`stamp`]), waiting for the clock to pass it; best effort, as a
/// failure here only costs a repeated message.
fn outdate(dir: &Path, started: std::time::SystemTime, mark: &Path) {
    for _ in 0..1000 {
        match stamp(mark) {
            Some(now) if now > started => {
                if let Ok(folder) = fs::File::open(dir) {
                    let _ = folder.set_modified(now);
                }
                return;
            }
            Some(_) => std::thread::sleep(std::time::Duration::from_millis(1)),
            None => return,
        }
    }
}

fn env(name: &'static str) -> Result<String, BuildError> {
    std::env::var(name).map_err(|_| BuildError::Env(name))
}

/// The open draft whose steps the list embeds as data: the head, if it is
/// the only one, an intact draft of the generated form that is not
/// committed, and the build script wrote its steps into `out_dir`
/// (`docs/performance.md`, "The draft as data"). Any other draft's steps
/// are removed.
fn open_draft_data<'a>(
    folder: &Folder,
    history: &History<'a>,
    out_dir: &Path,
) -> Result<Option<embed::Data<'a>>, BuildError> {
    let data = if let [head] = history.heads.as_slice()
        && let Draft::Intact(hash) = &head.draft
        && head.data
        && head.plain
        && head.replaces.is_empty()
    {
        let files = draft::data_files(out_dir, hash);
        let usable = files.iter().all(|f| f.is_file()) && !draft::committed(&folder.dir, &head.file);
        usable.then_some(embed::Data { entry: head, files })
    } else {
        None
    };
    draft::forget_data(out_dir, data.as_ref().map_or(&[], |d| &d.files[..]))?;
    Ok(data)
}

/// Checks the folder, diffs and (in generate mode) writes; whether it wrote.
#[allow(clippy::too_many_arguments)]
fn generate(
    mode: Mode,
    safe: bool,
    holds: bool,
    folder: &Folder,
    history: &History<'_>,
    state: &Serialized<'_>,
    data_dir: Option<&Path>,
    report: &mut Report,
) -> Result<bool, BuildError> {
    let models = state.schema();
    let snapshot_path = folder.dir.join(SNAPSHOT);
    if history.heads.len() > 1 {
        let heads: Vec<String> = history.heads.iter().map(|h| h.label()).collect();
        if mode == Mode::Check {
            return Err(BuildError::SeveralHeads { heads });
        }
        report.warnings.push(format!(
            "no migration generated: the migrations have {} heads ({}); join them with `merge heads -m \"...\"`",
            heads.len(),
            heads.join(", ")
        ));
        return Ok(false);
    }
    let head = history.heads.first().copied();
    if let Some(merge) = unadopted_merge(folder, history, head) {
        if mode == Mode::Check {
            return Err(BuildError::MergeNotAdopted { merge: merge.label() });
        }
        adopt(folder, merge, state, report)?;
        return Ok(true);
    }
    check_snapshot(folder, history, head, &snapshot_path)?;
    // A safe plan migrates to the models with the dropped tables and columns
    // still in: the drops wait for a contract migration.
    let expanded = holds.then(|| ferro::diff::expand(&folder.snapshot.schema, models));
    let held: Vec<String> = expanded.iter().flat_map(ferro::diff::Expand::held_back).collect();
    for drop in &held {
        report.warnings.push(format!(
            "held back for a contract migration: {drop}, which the running version may still use; \
             once no running version does, build with FERRO_CONTRACT=1 to write it"
        ));
    }
    let target;
    let (state, models) = match &expanded {
        Some(e) if !e.held.is_empty() => {
            target = Serialized::state(&e.schema);
            (&target, &e.schema)
        }
        _ => (state, models),
    };
    let changes = diff(&folder.snapshot.schema, models);
    report
        .warnings
        .extend(changes.hints.iter().map(|h| format!("possible rename: {h}")));
    if changes.is_empty() {
        return Ok(false);
    }
    // As Django refuses to alter a generated field: no database but MySQL
    // changes a column's generation in place, and dropping it and adding it
    // again in one migration would drop what is built on it.
    for change in &changes.changes {
        if let ferro::diff::Change::AlterColumn { table, from, to } = change
            && from.generated != to.generated
        {
            return Err(BuildError::GeneratedChanged {
                table: table.to_string(),
                column: to.name.to_string(),
            });
        }
    }
    if mode == Mode::Check {
        let mut listing = String::new();
        for op in &plan(&changes).steps {
            let _ = writeln!(listing, "  {op}");
        }
        return Err(BuildError::OutOfDate {
            path: snapshot_path,
            changes: listing.trim_end().to_owned(),
        });
    }
    let form = codegen::Form {
        safe,
        contract: safe && !holds,
        held: &held,
    };
    write_migration(folder, head, state, changes, &form, data_dir, report)?;
    Ok(true)
}

/// The snapshot names a known revision and is the schema the head leaves.
fn check_snapshot(
    folder: &Folder,
    history: &History<'_>,
    head: Option<&Entry>,
    path: &Path,
) -> Result<(), BuildError> {
    if let Some(revision) = &folder.snapshot.revision
        && !history.knows(revision)
    {
        return Err(BuildError::SnapshotUnknownRevision {
            path: path.to_owned(),
            revision: revision.clone(),
        });
    }
    let expected = head.map_or(Expected::Empty, |h| history.schema_after(h));
    let matches = match expected {
        Expected::Fingerprint(fingerprint) => folder.fingerprint == fingerprint,
        Expected::Empty => folder.snapshot.schema.tables().is_empty(),
        Expected::Adopted(merge) => folder.snapshot.revision.as_deref() == Some(merge.id.as_str()),
    };
    if !matches {
        return Err(BuildError::SnapshotMismatch {
            path: path.to_owned(),
            head: head.map_or("no migration".to_owned(), Entry::label),
            named: folder
                .snapshot
                .revision
                .as_ref()
                .map_or("none".to_owned(), |r| format!("`{r}`")),
        });
    }
    Ok(())
}

/// The merge revision the snapshot should follow but does not name yet: one
/// that `merge heads` just wrote.
fn unadopted_merge<'a>(folder: &Folder, history: &History<'a>, head: Option<&'a Entry>) -> Option<&'a Entry> {
    match history.schema_after(head?) {
        Expected::Adopted(merge) if folder.snapshot.revision.as_deref() != Some(merge.id.as_str()) => {
            Some(merge)
        }
        _ => None,
    }
}

/// Takes the models' schema as the schema after `merge`: the branches it
/// joins each brought their migrations, and together they should leave the
/// models' schema. Writes it as the snapshot, at the merge's revision.
fn adopt(
    folder: &Folder,
    merge: &Entry,
    state: &Serialized<'_>,
    report: &mut Report,
) -> Result<(), BuildError> {
    write(
        &folder.dir.join(SNAPSHOT),
        &state.to_json(Some(&merge.id)),
        report,
    )?;
    report.warnings.push(format!(
        "merge {}: took the models' schema as the merged schema and wrote it to snapshot.json; \
         the joined branches' migrations should together leave it (`upgrade head` then `check` on a \
         scratch database confirms it)",
        merge.label()
    ));
    Ok(())
}

/// The unsealed draft at the head, with the snapshot it was generated from
/// and that snapshot's text.
fn open_draft(folder: &Folder, head: Option<&Entry>, state: &Serialized<'_>) -> Option<(Snapshot, String)> {
    let head = head?;
    if !matches!(head.draft, Draft::Intact(_)) || head.parents.len() > 1 {
        return None;
    }
    let text = fs::read_to_string(folder.dir.join(draft::BASE)).ok()?;
    let base = state.read(&text).ok()?.snapshot;
    if base.revision.as_deref() != head.parents.first().map(String::as_str) {
        return None;
    }
    if draft::committed(&folder.dir, &head.file) {
        return None;
    }
    Some((base, text))
}

/// Writes the migration for `changes` (models against the snapshot), or
/// rewrites the open draft with the changes against its base; into
/// `data_dir`, if given, the steps of the draft it writes, as data.
fn write_migration(
    folder: &Folder,
    head: Option<&Entry>,
    state: &Serialized<'_>,
    changes: ferro::diff::Diff,
    form: &codegen::Form<'_>,
    data_dir: Option<&Path>,
    report: &mut Report,
) -> Result<(), BuildError> {
    let models = state.schema();
    let dir = &folder.dir;
    fs::create_dir_all(dir).map_err(io(dir))?;
    let fingerprint = state.fingerprint();
    let draft = open_draft(folder, head, state);
    if let Some(h) = head
        && draft.is_none()
        && h.draft == Draft::Edited
    {
        report.warnings.push(format!(
            "{} was edited by hand, so it is kept as it is; the model changes go into a new migration",
            h.file
        ));
    }
    // The snapshot the migration goes from, as a schema and as text.
    let (base, base_text, parents, id, number, replaces) = match (&draft, head) {
        (Some((base, text)), Some(h)) => (
            base,
            Some(text.as_str()),
            h.parents.clone(),
            h.id.clone(),
            h.number()?,
            Some(h),
        ),
        _ => {
            let parents: Vec<String> = head.map(|h| h.id.clone()).into_iter().collect();
            let number = folder::next_number(&folder.entries)?;
            let id = revision_id(&parents, &fingerprint);
            let text = folder.snapshot_text.as_deref();
            (&folder.snapshot, text, parents, id, number, None)
        }
    };
    // The text read, rather than the schema written again: the same snapshot,
    // without serialising a large schema once more.
    let base_json = || base_text.map_or_else(|| base.to_json(), str::to_owned);
    let changes = match &draft {
        // The draft's own changes come on top of the ones since the snapshot.
        Some((base, _)) => {
            let changes = diff(&base.schema, models);
            for hint in &changes.hints {
                let warning = format!("possible rename: {hint}");
                if !report.warnings.contains(&warning) {
                    report.warnings.push(warning);
                }
            }
            changes
        }
        None => changes,
    };
    let snapshot_path = dir.join(SNAPSHOT);
    if changes.is_empty() {
        // The models are back where the draft started: the draft goes.
        let h = replaces.expect("an empty diff from the base only happens for a draft");
        remove(&h.path, report)?;
        remove(&dir.join(draft::BASE), report)?;
        write(&snapshot_path, &base_json(), report)?;
        report.warnings.push(format!(
            "removed draft migration {}: the models are back to the schema it started from",
            h.file
        ));
        return Ok(());
    }
    let mut plans = both(&base.schema, models, &changes);
    // A rename a safe plan splits, or the contract that ends one.
    ferro::diff::sync_renames(&base.schema, models, models, &mut plans);
    let plan = &plans.upgrade;
    let message = codegen::message(plan);
    let generated = codegen::source(&codegen::Migration {
        id: &id,
        parents: &parents,
        message: &message,
        schema: &fingerprint,
        plans: &plans,
        form,
    });
    let name = file_slug(plan, &parents);
    let mut file = format!("{number:04}_{name}.rs");
    let replaced = replaces.map(|r| r.id.as_str());
    if folder
        .entries
        .iter()
        .any(|e| e.file == file && Some(e.id.as_str()) != replaced)
    {
        file = format!("{number:04}_{id}_{name}.rs");
    }
    let path = dir.join(&file);
    if let Some(old) = replaces
        && old.path != path
    {
        remove(&old.path, report)?;
    }
    let (text, hash) = draft::mark(&generated.text);
    write(&path, &text, report)?;
    if let Some(dir) = data_dir {
        draft::write_data(dir, &hash, &generated.upgrade, &generated.downgrade)?;
    }
    write(&snapshot_path, &state.to_json(Some(&id)), report)?;
    if replaces.is_none() {
        write(&dir.join(draft::BASE), &base_json(), report)?;
        ignore_base(dir, report)?;
    }
    let verb = if replaces.is_some() {
        "rewrote draft"
    } else {
        "wrote"
    };
    report
        .warnings
        .push(format!("{verb} migrations/{file} (revision {id}): {message}"));
    if replaces.is_some() {
        report.warnings.push(format!(
            "a database that applied the earlier draft of {id} must be downgraded below it and upgraded again"
        ));
    }
    for op in plan.destructive() {
        report.warnings.push(format!(
            "migrations/{file}: destructive step `{op}` is refused until it is acknowledged \
             (`.acknowledged(true)` in the file)"
        ));
    }
    for (way, plan) in [("upgrade", &plans.upgrade), ("downgrade", &plans.downgrade)] {
        for op in plan.steps.iter().filter(|op| op.is_unwritten_fill()) {
            report.warnings.push(format!(
                "migrations/{file}: {way} step `{op}` refuses to run until the value for the rows \
                 that hold NULL is written into the file (see the TODO there)"
            ));
        }
    }
    Ok(())
}

/// A revision id from what the migration follows and the fingerprint of the
/// schema it leaves: 12 hex digits of BLAKE3, reproducible without a clock.
fn revision_id(parents: &[String], fingerprint: &str) -> String {
    let mut hash = blake3::Hasher::new();
    hash.update(b"ferro revision\n");
    for parent in parents {
        hash.update(parent.as_bytes());
        hash.update(b"\n");
    }
    hash.update(fingerprint.as_bytes());
    hash.finalize().to_hex()[..12].to_owned()
}

/// The part of a migration's file name after its number: `initial` for the
/// first, else its first operation, with `_and_more` if it has others.
fn file_slug(plan: &ferro::plan::Plan, parents: &[String]) -> String {
    if parents.is_empty() {
        return "initial".to_owned();
    }
    let mut ops = codegen::headline(plan);
    let first = ops.next().map(ToString::to_string).unwrap_or_default();
    let more = if ops.next().is_some() { "_and_more" } else { "" };
    format!("{}{more}", slug(&first))
}

/// A file-name fragment from a message: lower-case words joined by `_`, at most
/// 50 characters.
fn slug(message: &str) -> String {
    let mut out = String::new();
    for word in message
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() + word.len() + 1 > 50 {
            break;
        }
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    if out.is_empty() {
        "migration".to_owned()
    } else {
        out
    }
}

fn write(path: &Path, text: &str, report: &mut Report) -> Result<(), BuildError> {
    if fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    fs::write(path, text).map_err(io(path))?;
    report.written.push(path.to_owned());
    Ok(())
}

fn remove(path: &Path, report: &mut Report) -> Result<(), BuildError> {
    match fs::remove_file(path) {
        Ok(()) => {
            report.removed.push(path.to_owned());
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(path)(e)),
    }
}

/// Makes git ignore the draft's base file, which only matters on this machine.
fn ignore_base(dir: &Path, report: &mut Report) -> Result<(), BuildError> {
    let path = dir.join(".gitignore");
    let current = fs::read_to_string(&path).unwrap_or_default();
    if current.lines().any(|l| l.trim() == draft::BASE) {
        return Ok(());
    }
    let mut text = current;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(draft::BASE);
    text.push('\n');
    write(&path, &text, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After a write, the migrations folder is newer than the build
    /// script's start, so cargo runs the script on the next build instead
    /// of repeating its "wrote" warning.
    #[test]
    fn a_write_dates_the_folder_past_the_start() {
        let tmp = std::env::temp_dir().join(format!("ferro-outdate-{}", std::process::id()));
        let dir = tmp.join("migrations");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("0001_initial.rs"), "// a migration\n").unwrap();
        let mark = tmp.join("started");
        let started = stamp(&mark).unwrap();
        outdate(&dir, started, &mark);
        let folder = fs::metadata(&dir).unwrap().modified().unwrap();
        fs::remove_dir_all(&tmp).unwrap();
        assert!(folder > started, "{folder:?} is not after {started:?}");
    }

    #[test]
    fn slugs_are_short_file_names() {
        assert_eq!(slug("add column users.age"), "add_column_users_age");
        assert_eq!(slug("…"), "migration");
        assert!(slug(&"create table t, ".repeat(10)).len() <= 50);
    }
}
