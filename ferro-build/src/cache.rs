//! What the last successful run left, so that a build in which no model
//! changed does nothing it did last time.
//!
//! Cargo runs the build script again whenever the models crate is rebuilt,
//! which is mostly for changes that do not touch the schema. Reading and
//! checking the snapshot and diffing it against the models would cost tens of
//! milliseconds for a large schema in an unoptimised build script; instead the
//! run hashes its inputs (the models, the bytes of every file in the migrations
//! folder and where it is, the mode and settings, this crate's version and the form of the list it embeds) and, when the last successful
//! run in this `OUT_DIR` had the same inputs, repeats its outcome. The key
//! covers everything the outcome depends on when the models match the
//! snapshot; a run that has something to write is never repeated from here,
//! because its inputs differ from those of the run that wrote the key.

use std::fs;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};

use ferro::Schema;

use crate::Mode;
use crate::error::BuildError;
use crate::folder::{self, SNAPSHOT, io};

const FILE: &str = "ferro_build_state";

/// The inputs other than the folder's files, hashed once per run.
pub(crate) struct Inputs(blake3::Hasher);

impl Inputs {
    pub(crate) fn new(
        mode: Mode,
        safe: bool,
        holds: bool,
        drafts: bool,
        models: &Schema,
        dir: &Path,
    ) -> Inputs {
        // The models are hashed with `#[derive(Hash)]` and foldhash: eight
        // times faster unoptimised than serialising them, and 64 bits are
        // plenty for a cache that CI (a fresh `OUT_DIR`) never relies on.
        let models = foldhash::fast::FixedState::with_seed(0).hash_one(models);
        let mut hasher = blake3::Hasher::new();
        let text = format!(
            "ferro-build {} list {}\n{mode:?} safe={safe} holds={holds} compile_drafts={drafts}\n{models:016x}\n{}\n",
            env!("CARGO_PKG_VERSION"),
            crate::embed::FORMAT,
            // The embedded list names the files by absolute path.
            dir.display()
        );
        hasher.update(text.as_bytes());
        Inputs(hasher)
    }

    /// The key of these inputs with the folder `dir` as it is now.
    pub(crate) fn key(&self, dir: &Path) -> Result<String, BuildError> {
        let mut hasher = self.0.clone();
        let mut file = |name: &str, path: &Path| -> Result<(), BuildError> {
            match fs::read(path) {
                Ok(content) => {
                    hasher.update(&(name.len() as u64).to_le_bytes());
                    hasher.update(name.as_bytes());
                    hasher.update(&(content.len() as u64).to_le_bytes());
                    hasher.update(&content);
                    Ok(())
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io(path)(e)),
            }
        };
        file(SNAPSHOT, &dir.join(SNAPSHOT))?;
        for (name, path) in folder::migration_files(dir)? {
            file(&name, &path)?;
        }
        Ok(hasher.finalize().to_hex().to_string())
    }
}

fn path(out_dir: &Path) -> PathBuf {
    out_dir.join(FILE)
}

/// The warnings of the last successful run if it had the inputs `key`.
pub(crate) fn lookup(out_dir: &Path, key: &str) -> Option<Vec<String>> {
    let text = fs::read_to_string(path(out_dir)).ok()?;
    let (stored, warnings) = text.split_once('\n')?;
    if stored != key {
        return None;
    }
    serde_json::from_str(warnings).ok()
}

/// Records a successful run. The cache only saves time, so failing to write
/// it is not an error.
pub(crate) fn store(out_dir: &Path, key: &str, warnings: &[String]) {
    let warnings = serde_json::to_string(warnings).expect("strings serialise");
    let _ = fs::write(path(out_dir), format!("{key}\n{warnings}"));
}

/// Forgets the last run, so that a failed run is never repeated as a success.
pub(crate) fn forget(out_dir: &Path) {
    let _ = fs::remove_file(path(out_dir));
}
