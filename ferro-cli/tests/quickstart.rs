//! `docs/quickstart.md`, done as written, in a scratch folder: every file it
//! shows with its path is written (a manifest fragment added to the manifest
//! `cargo new` wrote), every command it shows is run, in order, and the
//! files it says `ferro init` writes are compared with what `ferro init`
//! wrote. So the guide cannot drift from what the tools do.
//!
//! What the test does differently, and why: `ferro` is the binary cargo just
//! built for this test rather than one `cargo install` put on the `PATH` (the
//! same code; installing would build it again); cargo builds into
//! `target/scratch` of this repository, offline, so the scratch project
//! reuses what the other scratch builds compiled (with build scripts
//! unoptimised, as they are there, though `ferro init` asks for them
//! optimised: compiling the build dependencies again would cost minutes);
//! the command that needs a PostgreSQL server is left out (the database
//! tests cover PostgreSQL).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned()
}

/// One thing the guide asks for.
#[derive(Debug)]
enum Step {
    /// A file shown with its path (relative to `shop/`), and whether the
    /// guide shows the whole file or lines to add to it.
    File { path: String, text: String },
    /// A file the guide says `ferro init` writes.
    Written { path: String, text: String },
    /// A command, run in the guide's current folder.
    Run(String),
}

/// The steps of the guide, in order. Blocks of code whose first line is a
/// comment naming a file are files; `sh` blocks hold commands, one a line,
/// and `text` blocks hold commands after `$ ` with their output.
fn steps(guide: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut lines = guide.lines();
    let mut by_hand = false;
    while let Some(line) = lines.next() {
        if line.starts_with('#') && line.trim_start_matches('#').starts_with(' ') {
            by_hand = line == "### The files, by hand";
            continue;
        }
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let body: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
        let language = info.split(',').next().unwrap_or_default();
        match language {
            "sh" => steps.extend(
                body.iter()
                    .filter(|l| !l.is_empty())
                    .map(|l| Step::Run(l.to_string())),
            ),
            "text" => steps.extend(
                body.iter()
                    .filter_map(|l| l.strip_prefix("$ "))
                    .map(|l| Step::Run(l.to_owned())),
            ),
            "toml" | "rust" => {
                let first = body.first().copied().unwrap_or_default();
                let Some(path) = first.strip_prefix("# ").or_else(|| first.strip_prefix("// ")) else {
                    continue;
                };
                let path = path.trim_start_matches("shop/").to_owned();
                let text = body[1..].join("\n") + "\n";
                steps.push(if by_hand {
                    Step::Written { path, text }
                } else {
                    Step::File { path, text }
                });
            }
            _ => {}
        }
    }
    steps
}

/// Adds the lines of a manifest fragment under their section headers, or
/// writes the whole file.
fn write(path: &Path, text: &str) {
    let Ok(existing) = fs::read_to_string(path) else {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
        return;
    };
    if !path.ends_with("Cargo.toml") || text.contains("[package]") || text.contains("[workspace]") {
        fs::write(path, text).unwrap();
        return;
    }
    let mut merged = existing;
    let mut section = String::new();
    for line in text.lines() {
        if line.starts_with('[') {
            section = line.to_owned();
            if !merged.lines().any(|l| l == line) {
                merged.push_str(&format!("\n{line}\n"));
            }
            continue;
        }
        let at = merged.find(&format!("{section}\n")).expect("the section") + section.len() + 1;
        merged.insert_str(at, &format!("{line}\n"));
    }
    fs::write(path, merged).unwrap();
}

#[test]
fn the_quick_start_works_as_written() {
    let guide = fs::read_to_string(repository().join("docs/quickstart.md")).unwrap();
    let steps = steps(&guide);
    assert!(steps.len() > 10, "the guide's steps: {steps:#?}");

    let scratch = tempfile::tempdir().unwrap();
    // The guide's `ferro/` beside `shop/`: this repository.
    std::os::unix::fs::symlink(repository(), scratch.path().join("ferro")).unwrap();
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ferro"), bin.path().join("ferro")).unwrap();
    let cargo = Path::new(env!("CARGO"));
    let path = format!(
        "{}:{}:{}",
        bin.path().display(),
        cargo.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let mut here = scratch.path().to_owned();
    let mut outputs = String::new();
    for step in &steps {
        match step {
            Step::File { path, text } => write(&scratch.path().join("shop").join(path), text),
            Step::Written { path, text } => {
                let written = fs::read_to_string(scratch.path().join("shop").join(path))
                    .unwrap_or_else(|e| panic!("`ferro init` did not write {path}: {e}"));
                assert_eq!(
                    &written, text,
                    "the guide shows {path} otherwise than `ferro init` writes it"
                );
            }
            Step::Run(command) if command.contains("postgres://") => {}
            Step::Run(command) if command.starts_with("cargo install") => {}
            Step::Run(command) => {
                if let Some(folder) = command.strip_prefix("cd ") {
                    here = here.join(folder);
                    continue;
                }
                let output = ferro_tests::scratch_build(&mut Command::new("sh"))
                    .args(["-c", command])
                    .current_dir(&here)
                    .env("PATH", &path)
                    .env("CARGO_NET_OFFLINE", "true")
                    .env("GIT_AUTHOR_NAME", "Quick Start")
                    .env("GIT_AUTHOR_EMAIL", "quick@start.example")
                    .env("GIT_COMMITTER_NAME", "Quick Start")
                    .env("GIT_COMMITTER_EMAIL", "quick@start.example")
                    .env_remove("DATABASE_URL")
                    .env_remove("FERRO_MIGRATIONS")
                    .env_remove("CI")
                    .output()
                    .unwrap();
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
                assert!(
                    output.status.success(),
                    "`{command}` failed in {}:\n{text}",
                    here.display()
                );
                outputs.push_str(&format!("$ {command}\n{text}"));
            }
        }
    }

    // What the guide says the commands do.
    let shop = scratch.path().join("shop");
    let first = fs::read_to_string(shop.join("shop-migrations/migrations/0001_initial.rs")).unwrap();
    assert!(
        first.contains("    create_table(&CUSTOMERS),\n")
            && first.contains("static CUSTOMERS: Table = Table::new(\n    \"customers\","),
        "{first}"
    );
    assert!(outputs.contains("wrote migrations/0001_initial.rs"), "{outputs}");
    assert!(
        outputs.contains("CREATE TABLE"),
        "`upgrade head --sql` shows the SQL:\n{outputs}"
    );
    assert!(
        outputs.contains("create table customers (0001_initial.rs) in"),
        "{outputs}"
    );
    assert!(outputs.contains("[X] "), "`history` marks it applied:\n{outputs}");
    assert!(
        shop.join("shop.db").is_file(),
        "the default database is shop.db in shop/"
    );
    assert!(
        outputs.contains("test stairway ... ok") && outputs.contains("test result: ok. 8 passed"),
        "`cargo test` runs the eight tests `ferro init` wrote:\n{outputs}"
    );
    // Everything the guide said to commit is committed.
    let status = Command::new("git")
        .args([
            "status",
            "--porcelain",
            "Cargo.toml",
            "Cargo.lock",
            "shop-models",
            "shop-migrations",
        ])
        .current_dir(&shop)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "",
        "left out of the commit"
    );
}
