//! The guides as a reader sees them: no Rust sample shows rustdoc's hidden
//! `# ` lines (their set-up lives in `<!-- doctest -->` comments, see
//! `build.rs`), and every link stays inside the repository and leads to a
//! file that exists.

use std::path::{Path, PathBuf};

fn guides() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    files.push(root.join("README.md"));
    files.sort();
    files
}

#[test]
fn no_sample_shows_a_hidden_line() {
    let mut found = Vec::new();
    for file in guides() {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut rust = None;
        for (n, line) in text.lines().enumerate() {
            if let Some(info) = line.strip_prefix("```") {
                rust = match rust {
                    Some(_) => None,
                    // rustdoc takes a block without a language as Rust.
                    None => Some(info.is_empty() || info.starts_with("rust")),
                };
                continue;
            }
            if rust == Some(true) && (line.starts_with("# ") || line == "#") {
                found.push(format!("{}:{}: {line}", file.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "hidden lines a reader would see:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_link_stays_in_the_repository_and_leads_somewhere() {
    let mut bad = Vec::new();
    for file in guides() {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for word in line.split_whitespace() {
                let schemes = ["http://", "https://"];
                if schemes.iter().any(|s| word.contains(s)) {
                    bad.push(format!("{}:{}: points outside: {word}", file.display(), n + 1));
                }
            }
            let mut rest = line;
            while let Some(at) = rest.find("](") {
                rest = &rest[at + 2..];
                let Some(end) = rest.find(')') else { break };
                let target = &rest[..end];
                let path = target.split('#').next().unwrap_or_default();
                if !path.is_empty() && !target.contains("://") && !file.parent().unwrap().join(path).exists()
                {
                    bad.push(format!("{}:{}: leads nowhere: {target}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
