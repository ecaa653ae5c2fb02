//! Generation fixtures: one folder per case under `tests/fixtures/`, with the
//! models before (`before.rs`) and after (`after.rs`) a change, and the reviewed
//! migration that `cargo build` writes for it (`migration.snap`, with the
//! build's messages on top).
//!
//! Each case runs the real generator twice in a scratch folder: once for
//! `before` (then seals that first migration, as a commit would), once for
//! `after`. Every generated file is checked with `rustfmt --check`, and
//! `generated_files_compile` compiles all of them.

use std::path::{Path, PathBuf};
use std::process::Command;

use ferro::Schema;
use ferro::migration::escape::comment;
use ferro::registry::registrations;
use ferro_build::{Builder, Mode};

/// The resolved schema of the models declared in `module` (and below it).
fn schema_of(module: &str) -> Schema {
    let nested = format!("{module}::");
    Schema::new(
        registrations()
            .filter(|r| r.module_path == module || r.module_path.starts_with(&nested))
            .map(|r| (r.table)()),
    )
    .unwrap_or_else(|e| panic!("the models of `{module}` are not a valid schema: {e}"))
}

/// Runs generation for `models` in `dir`; the written migration's path and the
/// build's messages.
fn build(dir: &Path, models: Schema, safe: bool) -> (Option<PathBuf>, Vec<String>) {
    let report = Builder::new(Ok(models))
        .safe(safe)
        .migrations_dir(dir)
        .out_dir(dir.join("out"))
        .mode(Mode::Generate)
        .generate()
        .unwrap_or_else(|e| panic!("generation failed: {e}"));
    let migration = report
        .written
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "rs"))
        .cloned();
    (migration, report.warnings)
}

/// Seals a draft as committing it would: drops its draft line.
fn seal(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let body = text.trim_end().rsplit_once('\n').unwrap().0;
    std::fs::write(path, format!("{body}\n")).unwrap();
}

/// The migration that `after` generates following `before`, with the messages.
fn generate(case: &str) -> (String, String) {
    generate_with(case, false)
}

/// The same, with safe plans or not.
fn generate_with(case: &str, safe: bool) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let (first, _) = build(dir.path(), schema_of(&format!("generate::{case}::before")), safe);
    if let Some(first) = first {
        seal(&first);
    }
    let (second, warnings) = build(dir.path(), schema_of(&format!("generate::{case}::after")), safe);
    let second = second.unwrap_or_else(|| panic!("case `{case}`: the change generated no migration"));
    let source = std::fs::read_to_string(&second).unwrap();
    let name = second.file_name().unwrap().to_string_lossy().into_owned();
    assert_formatted(&name, &source);
    let mut shown = format!("file: {name}\n");
    for warning in warnings {
        // The messages quote names, which may hold line breaks.
        shown.push_str(&format!("build: {}\n", comment(&warning)));
    }
    shown.push_str("---\n");
    shown.push_str(&source);
    (shown, source)
}

/// `rustfmt --check` with rustfmt's default configuration.
fn assert_formatted(name: &str, source: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, source).unwrap();
    std::fs::write(dir.path().join("rustfmt.toml"), "").unwrap();
    let output = Command::new("rustfmt")
        .args(["--edition", "2024", "--check", "--config-path"])
        .arg(dir.path().join("rustfmt.toml"))
        .arg(&file)
        .output()
        .expect("rustfmt runs (install it with `rustup component add rustfmt`)");
    assert!(
        output.status.success(),
        "{name} is not formatted as rustfmt would:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

macro_rules! fixtures {
    ($($case:ident),* $(,)?) => {
        $(
            #[allow(dead_code, unreachable_pub, reason = "the models are only described, never used")]
            mod $case {
                pub mod before {
                    include!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/", stringify!($case), "/before.rs"));
                }
                pub mod after {
                    include!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/", stringify!($case), "/after.rs"));
                }

                #[test]
                fn migration() {
                    let (shown, _) = super::generate(stringify!($case));
                    insta::with_settings!({
                        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/", stringify!($case)),
                        prepend_module_to_snapshot => false,
                        omit_expression => true,
                    }, {
                        insta::assert_snapshot!("migration", shown);
                    });
                }
            }
        )*

        const CASES: &[&str] = &[$(stringify!($case)),*];
    };
}

fixtures! {
    add_column,
    fk_cycle,
    create_table,
    drop_table,
    rename_table,
    add_column_not_null_default,
    add_column_not_null_no_default,
    drop_column,
    rename_column,
    rename_hint_column,
    rename_hint_table,
    alter_type_widen,
    alter_type_narrow,
    alter_varchar_length,
    alter_numeric_precision,
    alter_nullability,
    alter_default,
    alter_comment,
    table_comment,
    change_primary_key,
    add_unique,
    drop_unique,
    add_composite_index,
    index_to_unique_index,
    add_foreign_key,
    drop_foreign_key,
    change_on_delete,
    change_on_update,
    self_referencing_fk,
    add_check,
    drop_check,
    create_enum,
    add_enum_value,
    remove_enum_value,
    rename_enum_value,
    reorder_enum_values,
    drop_enum,
    add_many_to_many,
    remove_many_to_many,
    index_on_new_column,
    uuid_and_json_types,
    custom_sql_type,
    fill_not_null_from_default,
    rename_referred_table_drop_referring,
    hostile_names,
}

/// Names that would end a comment or a literal early if written as they are
/// stay data in `hostile_names`' file: it has a migration's four items and no
/// others, no bare CR (an error in a doc comment), and its header quotes the
/// names escaped. (`generated_files_compile` shows the literals hold them.)
#[test]
fn hostile_names_stay_data() {
    let (_, source) = generate("hostile_names");
    assert!(!source.contains('\r'), "{source}");
    let top_level: Vec<&str> = source
        .lines()
        .filter(|l| !(l.is_empty() || l.starts_with([' ', '/']) || matches!(*l, "}" | "};")))
        .collect();
    assert_eq!(
        top_level,
        [
            "use ferro::migration::prelude::*;",
            "pub const REVISION: Revision = Revision {",
            "pub fn upgrade(op: &mut Ops) {",
            "pub fn downgrade(op: &mut Ops) {",
        ],
        "{source}"
    );
    for quoted in [
        format!("//! - drop table {}\n", comment("old\u{2028}table\u{202e}")),
        format!(
            "// TODO: rows of `{}` may hold NULL in `{}`,",
            comment("users\n}fn evil(){}"),
            comment("mood\u{2028}")
        ),
    ] {
        assert!(source.contains(&quoted), "{quoted}\n{source}");
    }
}

/// Every fixture's generated file compiles against `ferro` in a scratch crate,
/// and records the operations the diff and the plan made: the file is the
/// plan, both ways, and nothing else.
#[test]
fn generated_files_compile() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"fixture-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
             [dependencies]\nferro-core = {{ path = {:?}, default-features = false }}\n\n[workspace]\n",
            root.join("ferro-core")
        ),
    )
    .unwrap();
    let mut main = String::from(
        "#![allow(dead_code)]\n\
         fn ops(f: fn(&mut ferro::migration::Ops)) -> Vec<ferro::migration::Op> {\n    \
             let mut ops = ferro::migration::Ops::default();\n    f(&mut ops);\n    \
             ops.steps().iter().map(|s| s.op.clone()).collect()\n}\n",
    );
    let mut body = String::new();
    let mut expected = String::new();
    for case in CASES {
        let (_, source) = generate(case);
        std::fs::write(dir.path().join("src").join(format!("{case}.rs")), source).unwrap();
        main.push_str(&format!("mod {case};\n"));
        body.push_str(&format!(
            "    println!(\"{case} up {{:?}}\", ops({case}::upgrade));\n    \
             println!(\"{case} down {{:?}}\", ops({case}::downgrade));\n"
        ));
        let before = schema_of(&format!("generate::{case}::before")).without_hints();
        let plans = ferro::plan::between(&before, &schema_of(&format!("generate::{case}::after")));
        expected.push_str(&format!("{case} up {:?}\n", plans.upgrade.steps));
        expected.push_str(&format!("{case} down {:?}\n", plans.downgrade.steps));
    }
    // What `revision -m` writes, with messages and parents that would be
    // code if they were not escaped: each file compiles and keeps them.
    let hostile: [(&str, &[&str]); 3] = [
        ("add users\n}fn evil(){}", &[]),
        (
            "\n//! injected\npub fn evil() {}\n//\r */ \u{202e}\0",
            &["ab\n}fn evil(){}"],
        ),
        (
            "end */ /* \"quoted\" \\ back\\ \u{2028}",
            &["a\r*/", "b\"c\u{2028}"],
        ),
    ];
    for (i, (message, parents)) in hostile.into_iter().enumerate() {
        let scratch = tempfile::tempdir().unwrap();
        let path = ferro::runtime::write_revision(scratch.path(), parents, message).unwrap();
        std::fs::copy(path, dir.path().join(format!("src/revision{i}.rs"))).unwrap();
        main.push_str(&format!("mod revision{i};\n"));
        body.push_str(&format!(
            "    println!(\"{{:?}} {{:?}}\", revision{i}::REVISION.message, revision{i}::REVISION.parents);\n"
        ));
        expected.push_str(&format!("{message:?} {parents:?}\n"));
    }
    main.push_str(&format!("\nfn main() {{\n{body}}}\n"));
    std::fs::write(dir.path().join("src/main.rs"), main).unwrap();
    let target = root.join("target").join("scratch");
    let output = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--offline"])
        .env("CARGO_TARGET_DIR", target)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the generated migrations do not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let recorded = String::from_utf8_lossy(&output.stdout);
    for (got, want) in recorded.lines().zip(expected.lines()) {
        assert_eq!(
            got, want,
            "a generated file records other operations than the plan"
        );
    }
    assert_eq!(recorded.lines().count(), expected.lines().count());
}

/// With `Builder::safe(true)`, a step on a table that exists before the
/// migration gets its online mark, in both directions, and the header no
/// longer lists the lock it avoids. The plain plans of the same cases are
/// the fixtures above; ferro-build's unit tests show a new table's steps
/// left unmarked.
#[test]
fn safe_plans_mark_steps_on_existing_tables() {
    let (_, index) = generate_with("add_composite_index", true);
    assert!(
        index.contains("    )\n    .concurrently();\n}\n\npub fn downgrade"),
        "{index}"
    );
    assert!(
        index.contains(
            "op.drop_index(\"post\", \"ix_post_author_id_published_on\")\n        .concurrently();"
        ),
        "the downgrade drops it concurrently: {index}"
    );
    assert!(!index.contains("F101"), "{index}");
    let (_, plain) = generate("add_composite_index");
    assert!(
        !plain.contains(".concurrently()") && plain.contains("F101"),
        "{plain}"
    );

    let (_, key) = generate_with("add_foreign_key", true);
    assert!(key.contains(".validate_separately();"), "{key}");
    assert!(!key.contains("F103"), "{key}");
    let (_, check) = generate_with("add_check", true);
    assert!(check.contains(".validate_separately();"), "{check}");
    assert!(!check.contains("F104"), "{check}");
}
