//! Writes the guides in `docs/` and the README, as their doc-tests need them,
//! into `OUT_DIR` for `src/guides.rs`: a sample's set-up that a reader does
//! not need (a stand-in module, a `fn main` around assertions) sits in an
//! HTML comment before it, which GitHub and rustdoc do not show, and becomes
//! rustdoc's hidden `# ` lines here:
//!
//! ```text
//! <!-- doctest
//! lines before the sample
//! (the sample)
//! lines after the sample
//! -->
//! ```
//!
//! Written by hand: a few lines of string handling, where a Markdown parser
//! would be a dependency for nothing more.

use std::path::Path;

const SEPARATOR: &str = "(the sample)";

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut files: Vec<_> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    files.push(root.join("README.md"));
    println!("cargo::rerun-if-changed={}", root.join("docs").display());
    for file in files {
        println!("cargo::rerun-if-changed={}", file.display());
        let text = std::fs::read_to_string(&file).expect("a guide");
        let name = file.file_name().expect("a file name");
        std::fs::write(Path::new(&out).join(name), with_hidden_lines(&text)).expect("written");
    }
}

/// `text` with each `<!-- doctest .. -->` comment turned into hidden lines
/// of the code block after it.
fn with_hidden_lines(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines();
    let mut pending: Option<(Vec<&str>, Vec<&str>)> = None;
    while let Some(line) = lines.next() {
        if line.trim_end() == "<!-- doctest" {
            let (mut before, mut after) = (Vec::new(), Vec::new());
            let mut past = false;
            for inner in lines.by_ref() {
                match inner.trim_end() {
                    "-->" => break,
                    SEPARATOR => past = true,
                    _ if past => after.push(inner),
                    _ => before.push(inner),
                }
            }
            pending = Some((before, after));
            continue;
        }
        if line.starts_with("```")
            && let Some((before, after)) = pending.take()
        {
            out.push_str(line);
            out.push('\n');
            let mut body: Vec<&str> = Vec::new();
            for inner in lines.by_ref() {
                if inner.starts_with("```") {
                    break;
                }
                body.push(inner);
            }
            // The set-up goes after the sample's leading comments (a file
            // name, inner docs), which must stay first.
            let lead = body.iter().take_while(|l| l.starts_with("//")).count();
            let hidden = |l: &&str| {
                if l.is_empty() {
                    "#\n".to_owned()
                } else {
                    format!("# {l}\n")
                }
            };
            for l in &body[..lead] {
                out.push_str(l);
                out.push('\n');
            }
            out.extend(before.iter().map(hidden));
            for l in &body[lead..] {
                out.push_str(l);
                out.push('\n');
            }
            out.extend(after.iter().map(hidden));
            out.push_str("```\n");
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}
