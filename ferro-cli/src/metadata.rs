//! What `ferro init` needs to know about the models crate, from
//! `cargo metadata` (cargo's own reading of the manifests, workspace
//! inheritance included, rather than a second parser of them).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::Error;

/// The models crate.
#[derive(Debug)]
pub(crate) struct Models {
    /// Its package name (`blog-models`).
    pub(crate) package: String,
    /// Its library's name as Rust code spells it (`blog_models`).
    pub(crate) lib: String,
    /// Its library's root file.
    pub(crate) lib_file: PathBuf,
    /// Its folder.
    pub(crate) dir: PathBuf,
    /// Its edition.
    pub(crate) edition: String,
    /// The name its code calls ferro-core by (`ferro`, unless renamed).
    pub(crate) ferro_name: String,
    /// Where its ferro-core comes from.
    pub(crate) ferro: Source,
    /// The root of its workspace (its own folder when it has none).
    pub(crate) workspace_root: PathBuf,
}

/// Where a dependency comes from.
#[derive(Debug, PartialEq)]
pub(crate) enum Source {
    /// A folder.
    Path(PathBuf),
    /// A git repository, with `branch`, `tag` or `rev` when one was given.
    Git {
        url: String,
        reference: Option<(String, String)>,
    },
    /// A registry, with this version requirement.
    Registry(String),
}

impl Models {
    /// Reads the models crate whose manifest is in `dir`.
    pub(crate) fn read(dir: &Path) -> Result<Models, Error> {
        let manifest = dir.join("Cargo.toml");
        let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--manifest-path",
            ])
            .arg(&manifest)
            .output()
            .map_err(|e| Error::Metadata(e.to_string()))?;
        if !output.status.success() {
            return Err(Error::Metadata(
                String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            ));
        }
        let metadata: Value =
            serde_json::from_slice(&output.stdout).map_err(|e| Error::Metadata(e.to_string()))?;
        let manifest = manifest.canonicalize().map_err(crate::io(&manifest))?;
        let package = metadata["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["manifest_path"].as_str().map(Path::new) == Some(manifest.as_path()))
            .ok_or_else(|| Error::Metadata(format!("no package at {}", manifest.display())))?;
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let name = text(&package["name"]);
        let lib = package["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "lib")))
            .ok_or_else(|| Error::NoLibrary(name.clone()))?;
        let ferro = package["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["name"] == "ferro-core" && d["kind"].is_null())
            .ok_or_else(|| Error::NoFerro(name.clone()))?;
        Ok(Models {
            lib: text(&lib["name"]).replace('-', "_"),
            lib_file: PathBuf::from(text(&lib["src_path"])),
            dir: manifest.parent().unwrap_or(Path::new(".")).to_owned(),
            edition: text(&package["edition"]),
            ferro_name: ferro["rename"].as_str().unwrap_or("ferro").replace('-', "_"),
            ferro: source(ferro),
            workspace_root: PathBuf::from(text(&metadata["workspace_root"])),
            package: name,
        })
    }
}

/// Where the dependency `dep` of `cargo metadata` comes from.
fn source(dep: &Value) -> Source {
    if let Some(path) = dep["path"].as_str() {
        return Source::Path(PathBuf::from(path));
    }
    let source = dep["source"].as_str().unwrap_or_default();
    if let Some(git) = source.strip_prefix("git+") {
        let git = git.split('#').next().unwrap_or(git);
        let (url, query) = git.split_once('?').unwrap_or((git, ""));
        let reference = query
            .split_once('=')
            .filter(|(key, _)| ["branch", "tag", "rev"].contains(key))
            .map(|(key, value)| (key.to_owned(), value.to_owned()));
        return Source::Git {
            url: url.to_owned(),
            reference,
        };
    }
    Source::Registry(dep["req"].as_str().unwrap_or("*").to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_git_source_keeps_its_branch() {
        let dep = serde_json::json!({
            "name": "ferro-core",
            "source": "git+https://example.invalid/ferro?branch=main#0123abcd",
            "req": "*",
        });
        assert_eq!(
            source(&dep),
            Source::Git {
                url: "https://example.invalid/ferro".into(),
                reference: Some(("branch".into(), "main".into())),
            }
        );
        let dep = serde_json::json!({"name": "ferro-core", "source": "registry+https://x", "req": "^0.1"});
        assert_eq!(source(&dep), Source::Registry("^0.1".into()));
    }
}
