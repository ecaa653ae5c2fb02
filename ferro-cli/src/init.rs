//! `ferro init DIR --models MODELS`: the migrations crate for a models crate,
//! ready to build.
//!
//! It writes `DIR/Cargo.toml` (ferro-core with the command line and the
//! chosen databases, the models crate as a dependency and a build
//! dependency, ferro-build as a build dependency, each taken from where the
//! models crate takes ferro-core), `build.rs`, `src/lib.rs`, `src/main.rs` and
//! an empty `migrations/`; adds `DIR` to the workspace's members when the
//! models crate is in a workspace that does not already cover it; sets
//! build scripts and derives optimised in the root manifest
//! ([`optimise_build_scripts`]); and adds `pub fn schema()` to the models
//! crate when it has none. With `--dev-dylib`, the crate also takes
//! ferro-dylib and ferro-build-dylib behind a `dev-dylib` feature, on by
//! default, that debug builds of its binary and build script link ferro's
//! runtime and build-script helper from. The first `cargo build`
//! of the new crate then writes `migrations/0001_initial.rs`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use crate::metadata::{Models, Source};
use crate::{Error, io};

/// The options of `ferro init`.
#[derive(clap::Args, Debug)]
pub(crate) struct Options {
    /// The folder of the new migrations crate; its name is the crate's.
    dir: PathBuf,
    /// The models crate's folder.
    #[arg(long, default_value = ".")]
    models: PathBuf,
    /// The database URL the commands use without --database-url or DATABASE_URL;
    /// default: sqlite://<models crate name without -models>.db.
    #[arg(long)]
    database_url: Option<String>,
    /// The databases the binary can apply migrations to.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres,mysql",
          value_parser = ["sqlite", "postgres", "mysql"])]
    databases: Vec<String>,
    /// The ferro-build crate's folder, when ferro-core is a path dependency
    /// without ferro-build beside it.
    #[arg(long)]
    ferro_build: Option<PathBuf>,
    /// Debug builds of the binary and the build script take ferro from
    /// shared libraries (ferro-dylib, ferro-build-dylib; the `dev-dylib`
    /// feature, on by default): a model edit relinks far less. The debug
    /// binary finds them through `cargo run` and by hand, not copied away
    /// from `target/`. Release builds are linked as usual.
    #[arg(long)]
    dev_dylib: bool,
}

/// Creates the crate; what it did, to print.
pub(crate) fn run(options: &Options) -> Result<String, Error> {
    let models = Models::read(&options.models)?;
    if fs::read_dir(&options.dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(Error::NotEmpty(options.dir.clone()));
    }
    fs::create_dir_all(options.dir.join("src")).map_err(io(&options.dir))?;
    fs::create_dir_all(options.dir.join("tests")).map_err(io(&options.dir))?;
    let dir = options.dir.canonicalize().map_err(io(&options.dir))?;
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("migrations")
        .to_owned();
    let workspace = Workspace::read(&models.workspace_root, &dir)?;
    let plan = Plan {
        name: name.clone(),
        lib: name.replace('-', "_"),
        url: options.database_url.clone().unwrap_or_else(|| {
            let stem = models.package.strip_suffix("-models").unwrap_or(&models.package);
            format!("sqlite://{stem}.db")
        }),
        ferro_core: dependency(&models, &dir, workspace.as_ref(), "ferro-core", options)?,
        ferro_build: dependency(&models, &dir, workspace.as_ref(), "ferro-build", options)?,
        dylibs: if options.dev_dylib {
            let dylib = |krate| dependency(&models, &dir, workspace.as_ref(), krate, options);
            Some([dylib("ferro-dylib")?, dylib("ferro-build-dylib")?])
        } else {
            None
        },
        features: std::iter::once("cli")
            .chain(options.databases.iter().map(String::as_str))
            .map(|f| format!("{f:?}"))
            .collect::<Vec<_>>()
            .join(", "),
        models_path: relative(&models.dir, &dir),
    };

    let mut report = String::new();
    let profiled = |profile: Profile, manifest: &Path| match profile {
        Profile::Unchanged => None,
        Profile::Optimised => Some(format!(
            "set `[profile.dev.build-override] opt-level = {BUILD_OVERRIDE_OPT_LEVEL}` in {}: the \
             build script and the derives run optimised ({} stays unoptimised)",
            manifest.display(),
            models.package
        )),
        Profile::ModelsKept => Some(format!(
            "set `[profile.dev.package.{}] opt-level` in {}: build scripts run optimised there, \
             and the models crate stays unoptimised",
            models.package,
            manifest.display()
        )),
    };
    for (file, mut text) in plan.files(&models) {
        let path = dir.join(file);
        // Outside a workspace the new crate is the root, whose profiles count.
        let mut profile = Profile::Unchanged;
        if file == "Cargo.toml" && workspace.is_none() {
            let mut document: toml_edit::DocumentMut = text.parse().expect("written as TOML");
            profile = optimise_build_scripts(&mut document, &models.package);
            text = document.to_string();
        }
        fs::write(&path, text).map_err(io(&path))?;
        let _ = writeln!(report, "wrote {}", path.display());
        if let Some(line) = profiled(profile, &path) {
            let _ = writeln!(report, "{line}");
        }
    }
    let migrations = dir.join("migrations");
    fs::create_dir_all(&migrations).map_err(io(&migrations))?;
    let build = if let Some(mut workspace) = workspace {
        if workspace.add_member() {
            let _ = writeln!(
                report,
                "added {} to the members of {}",
                workspace.member,
                workspace.manifest.display()
            );
        }
        let profile = optimise_build_scripts(&mut workspace.document, &models.package);
        if let Some(line) = profiled(profile, &workspace.manifest) {
            let _ = writeln!(report, "{line}");
        }
        workspace.save()?;
        format!("cargo build -p {name}")
    } else {
        format!("cargo build --manifest-path {}", dir.join("Cargo.toml").display())
    };
    if add_schema_function(&models)? {
        let _ = writeln!(report, "added `pub fn schema()` to {}", models.lib_file.display());
    }
    let _ = writeln!(
        report,
        "next: `{build}` writes migrations/0001_initial.rs; review it, then apply it with \
         `{}`",
        build.replacen("cargo build", "cargo run", 1) + " -- upgrade head"
    );
    Ok(report)
}

/// The tests of `ferro::testing` that `tests/migrations.rs` runs.
const TESTS: [&str; 8] = [
    "single_head",
    "upgrade_base_to_head",
    "models_match_migrations",
    "stairway",
    "downgrade_leaves_no_trace",
    "data_survives",
    "checksums_and_history",
    "safe",
];

/// What goes into the new crate's files.
struct Plan {
    name: String,
    lib: String,
    url: String,
    ferro_core: String,
    ferro_build: String,
    /// ferro-dylib's and ferro-build-dylib's dependencies, with `--dev-dylib`.
    dylibs: Option<[String; 2]>,
    features: String,
    models_path: String,
}

impl Plan {
    fn files(&self, models: &Models) -> [(&'static str, String); 5] {
        let Plan {
            name,
            lib,
            url,
            ferro_core,
            ferro_build,
            dylibs,
            features,
            models_path,
        } = self;
        let (package, edition, models_lib) = (&models.package, &models.edition, &models.lib);
        let models_dep = format!("{package} = {{ path = {} }}", toml_string(models_path));
        // With `--dev-dylib`: the dependency, the build dependency, and the
        // first lines of `src/main.rs` and `build.rs`.
        let (dylib_dep, build_dylib_dep, dylib_use, build_dylib_use) = match dylibs {
            Some([runtime, build]) => (
                format!(
                    "# Ferro's runtime and build-script helper as shared libraries for debug\n\
                     # builds (`src/main.rs`, `build.rs`): a model edit relinks far less.\n\
                     # Ferro's docs/workflow.md, \"A faster edit loop\".\n\
                     ferro-dylib = {{ {runtime}, optional = true }}\n\n\
                     [features]\ndefault = [\"dev-dylib\"]\n\
                     dev-dylib = [\"dep:ferro-dylib\", \"dep:ferro-build-dylib\"]\n"
                ),
                format!("ferro-build-dylib = {{ {build}, optional = true }}\n"),
                "// In debug builds the runtime comes from ferro-dylib's shared library, which\n\
                 // `cargo run` finds; a release build links it into the binary.\n\
                 #[cfg(all(feature = \"dev-dylib\", debug_assertions))]\n\
                 use ferro_dylib as _;\n\n",
                "// In debug builds ferro-build comes from a shared library (`dev-dylib`).\n\
                 #[cfg(all(feature = \"dev-dylib\", debug_assertions))]\n\
                 use ferro_build_dylib as _;\n\n",
            ),
            None => (String::new(), String::new(), "", ""),
        };
        [
            (
                "Cargo.toml",
                format!(
                    "[package]\nname = {}\nversion = \"0.1.0\"\nedition = {}\npublish = false\n\n\
                     [dependencies]\n\
                     # The commands and the databases they can reach (sqlite, postgres, mysql).\n\
                     ferro-core = {{ {ferro_core}, features = [{features}] }}\n{models_dep}\n{dylib_dep}\n\
                     [build-dependencies]\nferro-build = {{ {ferro_build} }}\n{models_dep}\n{build_dylib_dep}\n\
                     [dev-dependencies]\n\
                     # `ferro::testing`, for tests/migrations.rs.\n\
                     ferro-core = {{ {ferro_core}, features = [\"testing\"] }}\n",
                    toml_string(name),
                    toml_string(edition),
                ),
            ),
            (
                "build.rs",
                format!(
                    "//! Writes the migration for each change to the models of `{package}`.\n\n\
                     {build_dylib_use}fn main() {{\n    ferro_build::Builder::new({models_lib}::schema()).run();\n}}\n"
                ),
            ),
            (
                "src/lib.rs",
                format!(
                    "//! The migrations of `{package}`: every file in `migrations/`, embedded.\n\n\
                     ferro::embed_migrations!();\n"
                ),
            ),
            (
                "src/main.rs",
                format!(
                    "//! The migration commands (`--help` lists them). Without `--database-url` or\n\
                     //! `DATABASE_URL` they use `{url}`.\n\n\
                     {dylib_use}fn main() -> std::process::ExitCode {{\n    \
                     ferro::runtime::cli::Cli::new()\n        \
                     .database(\"main\", {lib}::MIGRATIONS, {url:?})\n        \
                     .migrations_dir(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/migrations\"))\n        \
                     .package(env!(\"CARGO_PKG_NAME\"))\n        \
                     .run()\n}}\n"
                ),
            ),
            (
                "tests/migrations.rs",
                format!(
                    "//! The migrations, tested with `ferro::testing` (Ferro's `docs/testing.md`):\n\
                     //! on SQLite, or on a server with `FERRO_TEST_DATABASE_URL=postgres://...`.\n\n\
                     use ferro::testing::{{Failure, Kit}};\n\n\
                     fn kit() -> Kit {{\n    \
                     Kit::new({lib}::MIGRATIONS)\n        \
                     .models({models_lib}::schema())\n        \
                     .migrations_dir(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/migrations\"))\n}}\n{}",
                    TESTS
                        .iter()
                        .map(|test| format!(
                            "\n#[test]\nfn {test}() -> Result<(), Failure> {{\n    kit().{test}()\n}}\n"
                        ))
                        .collect::<String>()
                ),
            ),
        ]
    }
}

/// The inside of `{ ... }` for `crate` (ferro-core, ferro-build or a dylib): from the
/// workspace's dependencies when it has one for it, else from where the
/// models crate takes ferro-core.
fn dependency(
    models: &Models,
    dir: &Path,
    workspace: Option<&Workspace>,
    krate: &str,
    options: &Options,
) -> Result<String, Error> {
    if workspace.is_some_and(|w| w.dependencies.iter().any(|d| d == krate)) {
        return Ok("workspace = true".into());
    }
    Ok(match &models.ferro {
        Source::Path(core) => {
            let path = if krate == "ferro-core" {
                core.clone()
            } else if let Some(build) = options.ferro_build.as_ref().filter(|_| krate == "ferro-build") {
                build.canonicalize().map_err(io(build))?
            } else {
                let beside = core.parent().map(|p| p.join(krate)).unwrap_or_default();
                if !beside.join("Cargo.toml").is_file() {
                    let core = core.display().to_string();
                    return Err(if krate == "ferro-build" {
                        Error::NoFerroBuild(core)
                    } else {
                        Error::NoFerroDylib(core)
                    });
                }
                beside
            };
            format!("path = {}", toml_string(&relative(&path, dir)))
        }
        Source::Git { url, reference } => {
            let mut spec = format!("git = {}", toml_string(url));
            if let Some((key, value)) = reference {
                let _ = write!(spec, ", {key} = {}", toml_string(value));
            }
            spec
        }
        Source::Registry(req) => format!("version = {}", toml_string(req)),
    })
}

/// The models' workspace, when the new crate is in it.
pub(crate) struct Workspace {
    pub(crate) manifest: PathBuf,
    document: toml_edit::DocumentMut,
    /// The new crate's folder, relative to the workspace's root.
    pub(crate) member: String,
    /// The names in `[workspace.dependencies]`.
    pub(crate) dependencies: Vec<String>,
}

impl Workspace {
    pub(crate) fn read(root: &Path, dir: &Path) -> Result<Option<Workspace>, Error> {
        let manifest = root.join("Cargo.toml");
        let Ok(member) = dir.strip_prefix(root) else {
            return Ok(None);
        };
        let text = fs::read_to_string(&manifest).map_err(io(&manifest))?;
        let document: toml_edit::DocumentMut = text.parse().map_err(|source| Error::Manifest {
            path: manifest.clone(),
            source,
        })?;
        let Some(table) = document.get("workspace").and_then(|w| w.as_table_like()) else {
            return Ok(None);
        };
        let dependencies = table
            .get("dependencies")
            .and_then(|d| d.as_table_like())
            .map(|d| d.iter().map(|(k, _)| k.to_owned()).collect())
            .unwrap_or_default();
        let member = member
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        Ok(Some(Workspace {
            manifest,
            document,
            member,
            dependencies,
        }))
    }

    /// Adds the new crate to `members` unless an entry covers it; whether it
    /// did. [`Workspace::save`] writes the change.
    pub(crate) fn add_member(&mut self) -> bool {
        let workspace = self.document["workspace"]
            .as_table_like_mut()
            .expect("read as a table");
        if workspace.get("members").is_none() {
            workspace.insert("members", toml_edit::value(toml_edit::Array::new()));
        }
        let Some(members) = workspace.get_mut("members").and_then(|m| m.as_array_mut()) else {
            return false;
        };
        if members
            .iter()
            .filter_map(|m| m.as_str())
            .any(|m| covers(m, &self.member))
        {
            return false;
        }
        members.push(self.member.as_str());
        true
    }

    /// Writes the manifest back, when it changed.
    pub(crate) fn save(&self) -> Result<(), Error> {
        let text = self.document.to_string();
        if fs::read_to_string(&self.manifest).is_ok_and(|old| old == text) {
            return Ok(());
        }
        fs::write(&self.manifest, text).map_err(io(&self.manifest))
    }
}

/// What [`optimise_build_scripts`] changed in a manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Profile {
    /// Nothing: the user chose otherwise, or it was all there.
    Unchanged,
    /// It set build-override's `opt-level` (and the models crate's).
    Optimised,
    /// build-override was optimised already (by an earlier `ferro init`,
    /// for another models crate, or by hand); it added the models crate's
    /// entry.
    ModelsKept,
}

/// The level `ferro init` compiles build scripts and derives at. Level 1
/// builds a clean workspace in two thirds of level 3's time, and the build
/// after a model edit measured the same (`docs/performance.md`).
const BUILD_OVERRIDE_OPT_LEVEL: i64 = 1;

/// Sets `[profile.dev.build-override] opt-level` in a workspace's root
/// manifest, and keeps the models crate at the dev profile's own level with
/// `[profile.dev.package.<models>] opt-level`. A build-override `opt-level`
/// already there is the user's choice and stays; when it optimises, the
/// models crate's entry is still added (a second migrations crate's models
/// need one too). A manifest that writes the profile tables inline is left
/// as it is.
///
/// In the dev profile cargo compiles build scripts, proc macros and what
/// they depend on unoptimised. The migrations crate's build script generates
/// on every build that changes a model, and `#[derive(Model)]` expands on
/// every build of the models crate, both several times faster optimised. The
/// models crate is a build dependency of the migrations crate, so
/// build-override alone would compile it optimised too, for the build
/// script, after every edit; the package entry, which cargo applies before
/// build-override, keeps that compile as quick as the application's.
/// `docs/performance.md` has the measurements.
fn optimise_build_scripts(document: &mut toml_edit::DocumentMut, models: &str) -> Profile {
    fn table<'a>(parent: &'a mut toml_edit::Table, key: &str) -> Option<&'a mut toml_edit::Table> {
        parent
            .entry(key)
            .or_insert_with(|| {
                let mut table = toml_edit::Table::new();
                table.set_implicit(true);
                toml_edit::Item::Table(table)
            })
            .as_table_mut()
    }
    let Some(dev) = table(document.as_table_mut(), "profile").and_then(|p| table(p, "dev")) else {
        return Profile::Unchanged;
    };
    let level = dev.get("opt-level").and_then(|l| l.as_value()).cloned();
    let Some(build_override) = table(dev, "build-override") else {
        return Profile::Unchanged;
    };
    let set = match build_override.get("opt-level").and_then(|l| l.as_value()) {
        Some(chosen) if chosen.as_integer() == Some(0) || chosen.as_str() == Some("0") => {
            return Profile::Unchanged;
        }
        Some(_) => false,
        None => {
            build_override.set_implicit(false);
            build_override.decor_mut().set_prefix(
                "\n# Written by `ferro init`: build scripts and derives run optimised (the\n\
                 # migrations crate's build script generates on every model change), and\n\
                 # the models crate, which its build script depends on, compiles as quickly\n\
                 # as for the application.\n",
            );
            build_override.insert("opt-level", toml_edit::value(BUILD_OVERRIDE_OPT_LEVEL));
            true
        }
    };
    let kept = match table(dev, "package").and_then(|p| table(p, models)) {
        Some(package) if !package.contains_key("opt-level") => {
            package.set_implicit(false);
            package.insert(
                "opt-level",
                toml_edit::Item::Value(level.unwrap_or_else(|| 0.into())),
            );
            true
        }
        _ => false,
    };
    match (set, kept) {
        (true, _) => Profile::Optimised,
        (false, true) => Profile::ModelsKept,
        (false, false) => Profile::Unchanged,
    }
}

/// Whether the workspace member entry `pattern` names `member`: the same
/// path, or `parent/*` for a folder of `parent` (the glob form workspaces
/// use; a pattern of any other shape is taken not to cover it, and the member
/// is added beside it, which cargo accepts).
fn covers(pattern: &str, member: &str) -> bool {
    let pattern = pattern.trim_end_matches('/');
    if pattern == member {
        return true;
    }
    let parent = member.rsplit_once('/').map_or("", |(parent, _)| parent);
    pattern == "*" && parent.is_empty() || pattern.strip_suffix("/*") == Some(parent) && !parent.is_empty()
}

/// Adds `pub fn schema()` to the models crate's library when it has no
/// `fn schema(`; whether it did.
fn add_schema_function(models: &Models) -> Result<bool, Error> {
    let path = &models.lib_file;
    let text = fs::read_to_string(path).map_err(io(path))?;
    if text.contains("fn schema(") {
        return Ok(false);
    }
    let ferro = &models.ferro_name;
    let mut text = text;
    if !text.ends_with('\n') && !text.is_empty() {
        text.push('\n');
    }
    let _ = write!(
        text,
        "\n/// Every model of this crate, wherever it is declared: what the migrations\n\
         /// crate's build script generates migrations from.\n\
         pub fn schema() -> Result<{ferro}::Schema, {ferro}::SchemaError> {{\n    {ferro}::schema!()\n}}\n"
    );
    fs::write(path, text).map_err(io(path))?;
    Ok(true)
}

/// `to`, relative to the folder `from`, with `/` between its parts; absolute
/// when the two share nothing but the root, since such a path would move
/// with the project yet point outside it.
pub(crate) fn relative(to: &Path, from: &Path) -> String {
    let shared = to
        .components()
        .zip(from.components())
        .take_while(|(a, b)| a == b)
        .count();
    let path = match pathdiff::diff_paths(to, from) {
        Some(path) if shared > 1 => path,
        _ => return to.to_string_lossy().into_owned(),
    };
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A TOML basic string holding `text`.
pub(crate) fn toml_string(text: &str) -> String {
    toml_edit::Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_patterns() {
        assert!(covers("migrations", "migrations"));
        assert!(covers("crates/*", "crates/migrations"));
        assert!(covers("*", "migrations"));
        assert!(!covers("*", "crates/migrations"));
        assert!(!covers("crates/*", "migrations"));
        assert!(!covers("models", "migrations"));
    }

    fn optimised(manifest: &str) -> (Profile, String) {
        let mut document: toml_edit::DocumentMut = manifest.parse().expect("TOML");
        let profile = optimise_build_scripts(&mut document, "shop-models");
        (profile, document.to_string())
    }

    #[test]
    fn build_scripts_are_optimised_and_the_models_crate_is_not() {
        let workspace = "[workspace]\nmembers = [\"models\"]\n";
        let (profile, written) = optimised(workspace);
        assert_eq!(profile, Profile::Optimised);
        let tail = written.strip_prefix(workspace).expect("appended");
        assert!(
            tail.ends_with(
                "[profile.dev.build-override]\nopt-level = 1\n\n\
                 [profile.dev.package.shop-models]\nopt-level = 0\n"
            ),
            "{written}"
        );
        assert!(
            !tail.contains("[profile]") && !tail.contains("[profile.dev]\n"),
            "{written}"
        );

        // The models crate keeps the level the dev profile sets.
        let (_, written) = optimised("[profile.dev]\nopt-level = 1\n");
        assert!(
            written.contains("[profile.dev.package.shop-models]\nopt-level = 1\n"),
            "{written}"
        );

        // A second models crate, or a level chosen by hand: the level stays,
        // and the models crate gets its entry.
        let (profile, written) = optimised(tail);
        assert_eq!((profile, written.as_str()), (Profile::Unchanged, tail));
        let chosen = "[profile.dev.build-override]\nopt-level = 2\n";
        let (profile, written) = optimised(chosen);
        assert_eq!(profile, Profile::ModelsKept);
        assert_eq!(
            written,
            format!("{chosen}\n[profile.dev.package.shop-models]\nopt-level = 0\n")
        );
        // Build scripts left unoptimised by choice, or a profile written
        // inline: nothing to do.
        for manifest in [
            "[profile.dev.build-override]\nopt-level = 0\n",
            "profile = { dev = { debug = 0 } }\n",
        ] {
            assert_eq!(optimised(manifest), (Profile::Unchanged, manifest.to_owned()));
        }
        // The models crate's own level is the user's too.
        let manifest = "[profile.dev.package.shop-models]\nopt-level = 2\n";
        let (profile, written) = optimised(manifest);
        assert_eq!(profile, Profile::Optimised);
        assert!(
            written.contains("[profile.dev.package.shop-models]\nopt-level = 2\n"),
            "{written}"
        );
    }

    #[test]
    fn toml_strings_read_back_as_given() {
        for text in [r#"a "b" \c"#, "../ferro core", "it's"] {
            let document: toml_edit::DocumentMut =
                format!("x = {}", toml_string(text)).parse().expect("TOML");
            assert_eq!(document["x"].as_str(), Some(text));
        }
    }
}
