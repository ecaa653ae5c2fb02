//! `ferro init` end to end: in a scratch workspace whose models crate has
//! neither a migrations crate nor a `schema()` function, it writes the
//! migrations crate, which `cargo build` then compiles (writing the first
//! migration) and whose binary applies it to a SQLite file.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MODELS: &str = r#"use ferro::Model;

#[derive(Model)]
pub struct Note {
    #[ferro(primary_key)]
    pub id: i64,
    #[ferro(max_length = 200)]
    pub title: String,
}
"#;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned()
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("a folder")).expect("created");
    fs::write(path, text).expect("written");
}

fn ferro(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferro"))
        .args(args)
        .current_dir(root)
        .output()
        .expect("ferro runs")
}

/// A workspace holding only `models`, which takes ferro-core from the
/// workspace's dependencies.
fn scratch() -> tempfile::TempDir {
    scratch_named("notes-models")
}

/// [`scratch`] with a models package of another name: the scratch builds
/// share a target folder, where cargo names a workspace member's build by
/// its package and its path in the workspace, so two tests that run at once
/// need packages of their own.
fn scratch_named(package: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let core = repository().join("ferro-core");
    write(
        &dir.path().join("Cargo.toml"),
        &format!(
            "[workspace]\nresolver = \"3\"\n# the crates\nmembers = [\"models\"]\n\n\
             [workspace.dependencies]\nferro-core = {{ path = {:?} }}\n",
            core.display().to_string()
        ),
    );
    write(
        &dir.path().join("models/Cargo.toml"),
        &format!(
            "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [dependencies]\nferro-core.workspace = true\n"
        ),
    );
    write(&dir.path().join("models/src/lib.rs"), MODELS);
    dir
}

#[test]
fn init_creates_a_migrations_crate_that_builds_and_applies() {
    let dir = scratch();
    let root = dir.path();
    let output = ferro(
        root,
        &[
            "init",
            "migrations",
            "--models",
            "models",
            "--databases",
            "sqlite",
        ],
    );
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains("added migrations to the members of"), "{report}");
    assert!(report.contains("added `pub fn schema()`"), "{report}");

    assert!(
        report.contains("set `[profile.dev.build-override] opt-level = 1`"),
        "{report}"
    );
    let manifest = fs::read_to_string(root.join("Cargo.toml")).expect("read");
    assert!(
        manifest.contains("# the crates\nmembers = [\"models\", \"migrations\"]"),
        "{manifest}"
    );
    // Build scripts and derives optimised, the models crate not (cargo then
    // compiles it for the build script as for the application).
    assert!(
        manifest.contains(
            "[profile.dev.build-override]\nopt-level = 1\n\n[profile.dev.package.notes-models]\nopt-level = 0\n"
        ),
        "{manifest}"
    );
    let crate_manifest = fs::read_to_string(root.join("migrations/Cargo.toml")).expect("read");
    assert!(
        crate_manifest.contains("ferro-core = { workspace = true, features = [\"cli\", \"sqlite\"] }"),
        "{crate_manifest}"
    );
    assert!(
        crate_manifest.contains("ferro-build = { path = "),
        "{crate_manifest}"
    );
    let models = fs::read_to_string(root.join("models/src/lib.rs")).expect("read");
    assert!(
        models.starts_with(MODELS) && models.contains("ferro::schema!()"),
        "{models}"
    );

    // What it wrote builds: the build script writes the first migration.
    // Build scripts unoptimised, as in the other scratch builds (see
    // `ferro_tests::scratch_build`).
    let build = ferro_tests::scratch_cargo(root)
        .args(["build", "--offline", "-p", "migrations"])
        .env_remove("CI")
        .env_remove("FERRO_MIGRATIONS")
        .output()
        .expect("cargo runs");
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let first =
        fs::read_to_string(root.join("migrations/migrations/0001_initial.rs")).expect("the first migration");
    assert!(
        first.contains("    create_table(&NOTE),\n")
            && first.contains("static NOTE: Table = Table::new(\n    \"note\","),
        "{first}"
    );

    // And its binary applies it; without a URL, to the default file.
    let binary = repository().join("target/scratch/debug/migrations");
    let upgrade = Command::new(&binary)
        .args(["upgrade", "head"])
        .current_dir(root)
        .env_remove("DATABASE_URL")
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&upgrade.stdout);
    assert!(
        upgrade.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&upgrade.stderr)
    );
    assert!(text.starts_with("applied "), "{text}");
    assert!(
        root.join("notes.db").is_file(),
        "the default URL is sqlite://notes.db"
    );

    // A second init into the same folder changes nothing.
    let again = ferro(root, &["init", "migrations", "--models", "models"]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("exists and is not empty"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn init_refuses_a_crate_without_ferro() {
    let dir = scratch();
    write(
        &dir.path().join("models/Cargo.toml"),
        "[package]\nname = \"notes-models\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    write(&dir.path().join("models/src/lib.rs"), "");
    let output = ferro(dir.path(), &["init", "migrations", "--models", "models"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`notes-models` does not depend on `ferro-core`"),
        "{stderr}"
    );
    assert!(!dir.path().join("migrations").exists(), "nothing is written");
}

/// `--dev-dylib`: the crate's debug binary takes ferro's runtime from
/// ferro-dylib's shared library, and `cargo run` finds it and applies the
/// first migration (tests/tests/build_flow.rs checks that a build without
/// debug assertions links the runtime into the binary).
#[test]
fn init_with_dev_dylib_links_the_runtime_as_a_shared_library() {
    let dir = scratch_named("dylib-notes-models");
    let root = dir.path();
    let output = ferro(
        root,
        &[
            "init",
            "dylib-migrations",
            "--models",
            "models",
            "--databases",
            "sqlite",
            "--dev-dylib",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let manifest = fs::read_to_string(root.join("dylib-migrations/Cargo.toml")).expect("read");
    assert!(
        manifest.contains("ferro-dylib = { path = ")
            && manifest.contains(
                ", optional = true }\n\n[features]\ndefault = [\"dev-dylib\"]\n\
                 dev-dylib = [\"dep:ferro-dylib\", \"dep:ferro-build-dylib\"]\n"
            )
            && manifest.contains("ferro-build-dylib = { path = "),
        "{manifest}"
    );
    let main = fs::read_to_string(root.join("dylib-migrations/src/main.rs")).expect("read");
    assert!(
        main.contains("#[cfg(all(feature = \"dev-dylib\", debug_assertions))]\nuse ferro_dylib as _;\n"),
        "{main}"
    );

    let build = fs::read_to_string(root.join("dylib-migrations/build.rs")).expect("read");
    assert!(
        build.contains(
            "#[cfg(all(feature = \"dev-dylib\", debug_assertions))]\nuse ferro_build_dylib as _;\n"
        ),
        "{build}"
    );

    let run = ferro_tests::scratch_cargo(root)
        .args([
            "run",
            "--quiet",
            "--offline",
            "-p",
            "dylib-migrations",
            "--",
            "upgrade",
            "head",
        ])
        .env_remove("CI")
        .env_remove("FERRO_MIGRATIONS")
        .env_remove("DATABASE_URL")
        .output()
        .expect("cargo runs");
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success() && text.starts_with("applied "),
        "{text}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let needed = ferro_tests::elf_needed(&repository().join("target/scratch/debug/dylib-migrations"));
    assert!(needed.iter().any(|l| l == "libferro_dylib.so"), "{needed:?}");
}
