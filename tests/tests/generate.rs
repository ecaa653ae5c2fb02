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
    let ours = |path: &str| path == module || path.starts_with(&nested);
    Schema::with_views(
        registrations()
            .filter(|r| ours(r.module_path))
            .map(|r| (r.table)()),
        ferro::registry::view_registrations()
            .filter(|r| ours(r.module_path))
            .map(|r| (r.view)()),
    )
    .unwrap_or_else(|e| panic!("the models of `{module}` are not a valid schema: {e}"))
}

/// Runs generation for `models` in `dir`; the written migration's path and the
/// build's messages.
fn build(dir: &Path, models: Schema, safe: bool) -> (Option<PathBuf>, Vec<String>) {
    run_build(Builder::new(Ok(models)).safe(safe), dir)
}

/// Runs `builder` in generate mode in `dir`.
fn run_build(builder: Builder, dir: &Path) -> (Option<PathBuf>, Vec<String>) {
    let report = builder
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
    add_partial_index,
    add_descending_index,
    add_postgres_index_forms,
    add_expression_index,
    add_generated_column,
    alter_column_collation,
    create_table_collated,
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
    move_table_to_schema,
    views_around_a_type_change,
    hostile_names,
}

/// Names that would end a comment or a literal early if written as they are
/// stay data in `hostile_names`' file: it has a migration's four items and
/// the static of the table the downgrade makes, whose name is an
/// identifier (the three marked `#[rustfmt::skip]`), and no others, no bare CR (an error in a doc comment), and its header quotes the
/// names escaped. (`generated_files_compile` shows the literals hold them.)
#[test]
fn hostile_names_stay_data() {
    let (_, source) = generate("hostile_names");
    assert!(!source.contains('\r'), "{source}");
    let top_level: Vec<&str> = source
        .lines()
        .filter(|l| {
            !(l.is_empty() || l.starts_with([' ', '/', '.']) || matches!(*l, "}" | "};" | "];" | ")"))
        })
        .collect();
    assert_eq!(
        top_level,
        [
            "use ferro::migration::steps::*;",
            "pub const REVISION: Revision = Revision {",
            "#[rustfmt::skip]",
            "pub static UPGRADE: Steps = &[",
            "#[rustfmt::skip]",
            "pub static DOWNGRADE: Steps = &[",
            "#[rustfmt::skip]",
            "static OLD_TABLE_: Table = Table::new(",
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

/// A scratch crate `name` against the workspace's `ferro` (no default
/// features), with an empty `src/` for the files to compile.
fn scratch_crate(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n\
             [dependencies]\nferro-core = {{ path = {:?}, default-features = false }}\n\n[workspace]\n",
            root.join("ferro-core")
        ),
    )
    .unwrap();
    dir
}

/// Runs the scratch crate with `main` as its `main.rs`; what it printed.
/// It fails with `failure` and the compiler's messages if it does not build.
fn run_scratch(dir: &tempfile::TempDir, main: &str, failure: &str) -> String {
    std::fs::write(dir.path().join("src/main.rs"), main).unwrap();
    let output = ferro_tests::scratch_cargo(dir.path())
        .args(["run", "--quiet", "--offline"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{failure}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every fixture's generated file compiles against `ferro` in a scratch crate,
/// and records the operations the diff and the plan made: the file is the
/// plan, both ways, and nothing else. Each file also compiles and records
/// the same with its steps in the other form (a `const` where ferro-build
/// writes a `static`, as files written before 2026-12-06 have them, and
/// the other way, as a hand edit may write them), read as the embedding
/// reads them, from a static.
#[test]
fn generated_files_compile() {
    let dir = scratch_crate("fixture-check");
    let mut main = String::from(
        "#![allow(dead_code)]\n\
         fn ops(body: ferro::migration::Body) -> Vec<ferro::migration::Op> {\n    \
             let mut ops = ferro::migration::Ops::default();\n    body.record(&mut ops);\n    \
             ops.steps().iter().map(|s| s.op.clone()).collect()\n}\n",
    );
    let mut body = String::new();
    let mut expected = String::new();
    for case in CASES {
        let (_, source) = generate(case);
        let tables = source.contains("\nstatic ");
        let (written, other) = if tables {
            ("static", "const")
        } else {
            ("const", "static")
        };
        assert!(
            source.contains(&format!("\npub {written} UPGRADE: Steps = &["))
                && source.contains(&format!("\npub {written} DOWNGRADE: Steps = &[")),
            "steps that point at the file's tables are statics, others constants: {source}"
        );
        let swapped = source
            .replace(&format!("pub {written} UPGRADE"), &format!("pub {other} UPGRADE"))
            .replace(
                &format!("pub {written} DOWNGRADE"),
                &format!("pub {other} DOWNGRADE"),
            );
        for (module, text) in [(case.to_string(), source), (format!("{case}_{other}"), swapped)] {
            std::fs::write(dir.path().join("src").join(format!("{module}.rs")), text).unwrap();
            main.push_str(&format!(
                "mod {module};\n\
                 static {upper}: [ferro::migration::Body; 2] = \
                 [ferro::migration::Body::Steps({module}::UPGRADE), ferro::migration::Body::Steps({module}::DOWNGRADE)];\n",
                upper = module.to_uppercase()
            ));
            body.push_str(&format!(
                "    println!(\"{case} up {{:?}}\", ops({upper}[0]));\n    \
                 println!(\"{case} down {{:?}}\", ops({upper}[1]));\n",
                upper = module.to_uppercase()
            ));
        }
        let before = schema_of(&format!("generate::{case}::before")).without_hints();
        let plans = ferro::plan::between(&before, &schema_of(&format!("generate::{case}::after")));
        for _ in 0..2 {
            expected.push_str(&format!("{case} up {:?}\n", plans.upgrade.steps));
            expected.push_str(&format!("{case} down {:?}\n", plans.downgrade.steps));
        }
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
    let recorded = run_scratch(&dir, &main, "the generated migrations do not compile");
    for (got, want) in recorded.lines().zip(expected.lines()) {
        assert_eq!(
            got, want,
            "a generated file records other operations than the plan"
        );
    }
    assert_eq!(recorded.lines().count(), expected.lines().count());
}

/// The files a case generates as drafts, each with the steps the build
/// script wrote beside it as data (`ferro::migration::data`): the plain
/// plan's, the safe plan's and, where the safe plan holds drops back, the
/// contract migration's.
fn drafts_with_data(case: &str) -> Vec<(String, String, [String; 2])> {
    let before = || schema_of(&format!("generate::{case}::before")).without_hints();
    let after = || schema_of(&format!("generate::{case}::after"));
    let data = |dir: &Path, source: &str| {
        let hash = source.lines().last().unwrap().split_whitespace().nth(2).unwrap();
        ["upgrade", "downgrade"].map(|way| {
            let path = dir.join(format!("out/ferro-draft-{hash}.{way}.json"));
            std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{case}: the draft's steps as data, {}: {e}", path.display()))
        })
    };
    let mut drafts = Vec::new();
    for safe in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        if let (Some(first), _) = build(dir.path(), before(), safe) {
            seal(&first);
        }
        // A safe plan that holds back all there is to do writes nothing
        // before the contract.
        let (second, _) = build(dir.path(), after(), safe);
        if let Some(second) = &second {
            let source = std::fs::read_to_string(second).unwrap();
            let form = if safe { "safe" } else { "plain" };
            drafts.push((form.to_owned(), source.clone(), data(dir.path(), &source)));
        }
        if safe {
            if let Some(second) = &second {
                seal(second);
            }
            if let (Some(contract), _) = build_contract(dir.path(), after(), true) {
                let source = std::fs::read_to_string(&contract).unwrap();
                drafts.push(("contract".to_owned(), source.clone(), data(dir.path(), &source)));
            }
        }
    }
    drafts
}

/// An open draft's steps as data say what its file says: for every
/// fixture, plain, safe and contract, the file compiled in a scratch crate
/// records the same steps, marks and all (acknowledgements, online forms,
/// accepted rules, which the file's text decides), as the data the build
/// script wrote beside it reads back.
#[test]
fn a_draft_as_data_records_what_its_file_records() {
    let dir = scratch_crate("draft-data-check");
    let mut main = String::from(
        "#![allow(dead_code)]\n\
         fn steps(body: ferro::migration::Body) -> String {\n    \
             let mut ops = ferro::migration::Ops::default();\n    body.record(&mut ops);\n    \
             format!(\"{:?}\", ops.steps().iter().map(|s| (&s.op, s.acknowledged, s.outside_transaction, s.online, &s.accepted)).collect::<Vec<_>>())\n}\n",
    );
    let mut body = String::new();
    let mut expected = String::new();
    let mut marks = [0; 3];
    for case in CASES {
        for (form, source, data) in drafts_with_data(case) {
            let module = format!("{case}_{form}");
            std::fs::write(dir.path().join("src").join(format!("{module}.rs")), &source).unwrap();
            main.push_str(&format!("mod {module};\n"));
            for (way, json) in ["UPGRADE", "DOWNGRADE"].iter().zip(data) {
                body.push_str(&format!(
                    "    println!(\"{module} {way} {{}}\", steps(ferro::migration::Body::Steps({module}::{way})));\n"
                ));
                let mut ops = ferro::migration::Ops::default();
                ferro::migration::Body::Data(Box::leak(json.into_boxed_str())).record(&mut ops);
                for step in ops.steps() {
                    marks[0] += usize::from(step.op.safety() == ferro::migration::Safety::Destructive);
                    marks[1] += usize::from(step.online);
                    marks[2] += step.accepted.len();
                }
                let steps: Vec<_> = ops
                    .steps()
                    .iter()
                    .map(|s| {
                        (
                            &s.op,
                            s.acknowledged,
                            s.outside_transaction,
                            s.online,
                            &s.accepted,
                        )
                    })
                    .collect();
                expected.push_str(&format!("{module} {way} {steps:?}\n"));
            }
        }
    }
    // The comparison covers every kind of mark.
    assert!(
        marks.iter().all(|&n| n > 0),
        "destructive, online, accepted: {marks:?}"
    );
    main.push_str(&format!("\nfn main() {{\n{body}}}\n"));
    let recorded = run_scratch(&dir, &main, "the generated drafts do not compile");
    for (got, want) in recorded.lines().zip(expected.lines()) {
        assert_eq!(got, want, "a draft's data records other steps than its file");
    }
    assert_eq!(recorded.lines().count(), expected.lines().count());
}

/// The list embeds the open draft as data, and its file once it is sealed
/// or when the build script asks for drafts compiled; the draft's data goes
/// with it.
#[test]
fn the_list_embeds_an_open_draft_as_data_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let list = || std::fs::read_to_string(dir.path().join("out/ferro_migrations.rs")).unwrap();
    let data = || {
        let mut files: Vec<String> = std::fs::read_dir(dir.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|f| f.starts_with("ferro-draft-"))
            .collect();
        files.sort();
        files
    };
    let models = || schema_of("generate::create_table::after");
    let (written, _) = build(dir.path(), models(), false);
    let written = written.unwrap();
    let hash = std::fs::read_to_string(&written)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .nth(2)
        .unwrap()
        .to_owned();
    assert_eq!(
        data(),
        [
            format!("ferro-draft-{hash}.downgrade.json"),
            format!("ferro-draft-{hash}.upgrade.json")
        ]
    );
    assert!(
        list().contains("Body::Data(") && !list().contains("mod m0;"),
        "{}",
        list()
    );

    run_build(Builder::new(Ok(models())).compile_drafts(true), dir.path());
    assert!(
        list().contains("mod m0;") && !list().contains("Body::Data("),
        "{}",
        list()
    );
    assert_eq!(data(), Vec::<String>::new(), "the draft's data goes");

    // Written again by the next change, and gone once the draft is sealed.
    let (rewritten, _) = build(dir.path(), schema_of("generate::add_column::after"), false);
    assert!(list().contains("Body::Data("), "{}", list());
    assert_eq!(data().len(), 2);
    seal(&rewritten.unwrap());
    run_build(
        Builder::new(Ok(schema_of("generate::add_column::after"))),
        dir.path(),
    );
    assert!(!list().contains("Body::Data("), "{}", list());
    assert_eq!(data(), Vec::<String>::new());
}

/// Runs a safe-plan build that writes the held-back drops or not.
fn build_contract(dir: &Path, models: Schema, contract: bool) -> (Option<PathBuf>, Vec<String>) {
    run_build(Builder::new(Ok(models)).safe(true).contract(contract), dir)
}

/// A safe plan splits a drop the running application would meet into two
/// migrations: the one written now keeps the column (with a placeholder
/// default, so that the new code can insert without it and the old code
/// still reads a value) and the table; the drops come in a
/// contract migration, written when the build is asked for it. Until then
/// every build holds them back again and writes nothing; `check` mode
/// agrees.
#[test]
fn safe_plans_hold_drops_back_for_a_contract_migration() {
    use ferro::schema::{Column, PrimaryKey, SqlType, Table};
    let users = |columns: Vec<Column>| Table {
        columns: columns.into(),
        primary_key: Some(PrimaryKey::new("pk_users", ["id"])),
        ..Table::new("users")
    };
    let id = Column::new("id", SqlType::BigInt);
    let email = Column::new("email", SqlType::Text);
    let before = Schema::new([
        users(vec![id.clone(), email.clone()]),
        Table {
            columns: vec![Column::new("id", SqlType::BigInt)].into(),
            ..Table::new("audit")
        },
    ])
    .unwrap();
    let after = Schema::new([users(vec![id.clone()])]).unwrap();

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let (first, _) = build_contract(dir.path(), before, false);
    seal(&first.unwrap());
    let (expand, warnings) = build_contract(dir.path(), after.clone(), false);
    let expand = expand.expect("the expand migration");
    let source = std::fs::read_to_string(&expand).unwrap();
    assert!(
        !source.contains("drop_column") && !source.contains("drop_table"),
        "{source}"
    );
    assert!(
        source.contains("Column::new(\"email\", SqlType::Text).default(\"''\")"),
        "the kept column gets a placeholder default: {source}"
    );
    assert!(
        source.contains("Held back for a contract migration")
            && source.contains("//! - drop column users.email")
            && source.contains("//! - drop table audit"),
        "{source}"
    );
    for drop in ["drop column users.email", "drop table audit"] {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(&format!("held back for a contract migration: {drop}"))),
            "{warnings:#?}"
        );
    }
    seal(&expand);
    let (again, warnings) = build_contract(dir.path(), after.clone(), false);
    assert_eq!(again, None, "held back again, nothing more written");
    assert!(
        warnings.iter().any(|w| w.contains("FERRO_CONTRACT=1")),
        "{warnings:#?}"
    );
    Builder::new(Ok(after.clone()))
        .safe(true)
        .contract(false)
        .migrations_dir(dir.path())
        .out_dir(dir.path().join("out"))
        .mode(Mode::Check)
        .generate()
        .expect("check mode holds the drops back too");

    let (contract, _) = build_contract(dir.path(), after.clone(), true);
    let contract_path = contract.expect("the contract migration");
    let contract = std::fs::read_to_string(&contract_path).unwrap();
    // Asked for once no running version uses them: the drops accept the
    // rule that says one may (F201, F202), and still ask to be acknowledged.
    let upgrade: String = contract
        .split("pub const DOWNGRADE")
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert!(
        upgrade.contains(r#"drop_column("users","email").acknowledged(false).accept("F201"),"#)
            && upgrade.contains(r#"drop_table("audit").acknowledged(false).accept("F202"),"#),
        "{contract}"
    );
    assert!(!contract.contains("Held back"), "{contract}");
    // The contract is a draft still: a build without the flag keeps it.
    let (kept, _) = build_contract(dir.path(), after, false);
    assert_eq!(kept, None, "the contract draft stays as it is");
    assert_eq!(std::fs::read_to_string(&contract_path).unwrap(), contract);
}

/// The files a safe plan writes for fixture `case`: its `before` models
/// sealed as the first migration, then its `after` models built with the
/// drops held back (the expand migration, sealed, and the build's
/// messages), built once more (which must write nothing), and built with
/// `FERRO_CONTRACT` (the contract migration). Each file comes back with its
/// whitespace taken out, split at `pub const DOWNGRADE`, and as written.
struct Expanded {
    upgrade: String,
    downgrade: String,
    file: String,
    warnings: Vec<String>,
    contract: (String, String, String),
}

fn expand_then_contract(case: &str) -> Expanded {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let before = schema_of(&format!("generate::{case}::before"));
    let after = schema_of(&format!("generate::{case}::after"));
    let (first, _) = build_contract(dir.path(), before, false);
    seal(&first.unwrap());
    let (expand, warnings) = build_contract(dir.path(), after.clone(), false);
    let expand_path = expand.expect("the expand migration");
    let file = std::fs::read_to_string(&expand_path).unwrap();
    seal(&expand_path);
    let (again, _) = build_contract(dir.path(), after.clone(), false);
    assert_eq!(again, None, "held back again, nothing more written");
    let (contract, _) = build_contract(dir.path(), after, true);
    let contract = std::fs::read_to_string(contract.expect("the contract migration")).unwrap();
    let split = |file: &str| {
        let flat: String = file.split_whitespace().collect();
        let (up, down) = flat.split_once("pubconstDOWNGRADE").unwrap();
        (up.to_owned(), down.to_owned())
    };
    let (upgrade, downgrade) = split(&file);
    let (contract_up, contract_down) = split(&contract);
    Expanded {
        upgrade,
        downgrade,
        file,
        warnings,
        contract: (contract_up, contract_down, contract),
    }
}

/// A safe plan splits a column renamed with `renamed_from`: the migration
/// written now adds the new column, keeps the old one and the two equal
/// (`op.sync_columns`), and makes the new one what the model says; the
/// contract migration, asked for, drops the trigger and the old column.
#[test]
fn safe_plans_split_a_rename() {
    let e = expand_then_contract("rename_column");
    let expand = &e.file;
    assert!(
        !expand.contains("F205"),
        "the trigger gives the running version's inserts a value: {expand}"
    );
    for step in [
        r#"add_column("users",&Column::new("full_name",SqlType::Text).nullable()),"#,
        r#"sync_columns("users","name","full_name"),"#,
        r#"alter_column("users",&Column::new("full_name",SqlType::Text).nullable(),&Column::new("full_name",SqlType::Text),).validate_separately(),"#,
    ] {
        assert!(e.upgrade.contains(step), "{step}\n{expand}");
    }
    assert!(
        !e.upgrade.contains("rename_column") && !e.upgrade.contains("drop_column"),
        "{expand}"
    );
    assert!(
        e.downgrade
            .starts_with(r#":Steps=&[unsync_columns("users","name","full_name"),"#),
        "{expand}"
    );
    assert!(
        e.warnings.iter().any(|w| w
            .contains("held back for a contract migration: drop column users.name, renamed to full_name")),
        "{:#?}",
        e.warnings
    );
    let (upgrade, downgrade, contract) = &e.contract;
    assert!(
        upgrade.contains(r#"unsync_columns("users","name","full_name"),drop_column("users","name")"#),
        "{contract}"
    );
    assert!(
        downgrade.contains(r#"sync_columns("users","name","full_name"),"#),
        "{contract}"
    );
}

/// A safe plan splits a table's rename: the expand migration renames it
/// and keeps the old name as a view, which every later build keeps, until
/// the contract migration drops the view.
#[test]
fn safe_plans_split_a_table_rename() {
    let e = expand_then_contract("rename_table");
    let expand = &e.file;
    assert!(
        e.upgrade.contains(r#"rename_table("people","users"),"#)
            && e.upgrade
                .ends_with(r#"alias_table("users","people"),];#[rustfmt::skip]"#),
        "{expand}"
    );
    assert!(
        e.downgrade
            .starts_with(r#":Steps=&[unalias_table("users","people"),rename_table("users","people"),"#),
        "{expand}"
    );
    assert!(
        e.warnings.iter().any(|w| w
            .contains("held back for a contract migration: drop view people, the old name of table users")),
        "{:#?}",
        e.warnings
    );
    let (upgrade, downgrade, contract) = &e.contract;
    assert!(
        upgrade.contains(r#"&[unalias_table("users","people").accept("F204"),];"#),
        "{contract}"
    );
    assert!(
        downgrade.contains(r#"&[alias_table("users","people"),];"#),
        "{contract}"
    );
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
        index.contains("    )\n    .concurrently(),\n];\n\n#[rustfmt::skip]\npub const DOWNGRADE"),
        "{index}"
    );
    assert!(
        index.contains("drop_index(\"post\", \"ix_post_author_id_published_on\").concurrently(),"),
        "the downgrade drops it concurrently: {index}"
    );
    assert!(!index.contains("F101"), "{index}");
    let (_, plain) = generate("add_composite_index");
    assert!(
        !plain.contains(".concurrently()") && plain.contains("F101"),
        "{plain}"
    );

    let (_, key) = generate_with("add_foreign_key", true);
    assert!(key.contains(".validate_separately(),"), "{key}");
    assert!(!key.contains("F103"), "{key}");
    let (_, check) = generate_with("add_check", true);
    assert!(check.contains(".validate_separately(),"), "{check}");
    assert!(!check.contains("F104"), "{check}");
    let (_, filled) = generate_with("fill_not_null_from_default", true);
    assert!(filled.contains(".in_batches(),"), "{filled}");
    assert!(!filled.contains("F109"), "{filled}");
    let (_, plain) = generate("fill_not_null_from_default");
    assert!(
        plain.contains("F109") && !plain.contains(".in_batches()"),
        "{plain}"
    );
    let (_, unique) = generate_with("add_unique", true);
    let upgrade = unique.split("pub const DOWNGRADE").next().unwrap();
    assert!(upgrade.contains(".concurrently(),"), "{unique}");
    assert!(!unique.contains("F106"), "{unique}");
    // NOT NULL through a check validated apart; the NULL-able way back, and
    // the header still says what the running application meets (F205).
    let (_, required) = generate_with("alter_nullability", true);
    let upgrade = required.split("pub const DOWNGRADE").next().unwrap();
    assert!(upgrade.contains(".validate_separately(),"), "{required}");
    assert!(
        !required.contains("F105") && required.contains("F205"),
        "{required}"
    );
    let (_, plain) = generate("alter_nullability");
    assert!(
        plain.contains("F105") && !plain.contains(".validate_separately()"),
        "{plain}"
    );
}

/// squawk's rules that `lint` has no rule for, and why: they judge the
/// model's own choices, or ask for a form Ferro's runtime does not need.
const SQUAWK_ONLY: &[(&str, &str)] = &[
    (
        "prefer-robust-stmts",
        "IF NOT EXISTS makes a statement safe to run twice; Ferro records each part it has run and \
         resumes after it, and IF NOT EXISTS would hide an object that should not be there",
    ),
    ("prefer-bigint-over-int", "the model's own type"),
    ("prefer-bigint-over-smallint", "the model's own type"),
    (
        "prefer-text-field",
        "the model's own type: a VARCHAR's length is a check the model asks for",
    ),
    ("prefer-timestamptz", "the model's own type"),
    ("ban-char-field", "the model's own type"),
    (
        "renaming-object",
        "a rename of an index or a constraint, which a generated migration makes to follow a \
         renamed table or column: the application does not name them in its queries (a renamed \
         enum value is F207, reported beside it)",
    ),
    (
        "ban-drop-constraint",
        "a key, check or unique dropped loosens what the running application may write; it \
         breaks none of its queries",
    ),
];

/// Where Ferro's reading of a step differs from squawk's, case by case.
const SQUAWK_DISAGREES: &[(&str, &str, &str)] = &[
    (
        "alter_numeric_precision",
        "changing-column-type",
        "NUMERIC(10, 2) to NUMERIC(12, 2) is binary-coercible: PostgreSQL rewrites nothing, and the \
         running application reads and writes the same values",
    ),
    (
        "alter_column_collation",
        "changing-column-type",
        "another collation changes no stored value and no type the application reads or writes: \
         PostgreSQL rewrites no row; it rebuilds the column's indexes under the lock, which lint \
         reports (F110), with what may fail on the rows (F301)",
    ),
    (
        "rename_column",
        "ban-drop-not-null",
        "the old column of a split rename, NULL-able while the new code leaves it out of its inserts: \
         the trigger gives it the new column's value in the same statement, so no reader meets a NULL",
    ),
    (
        "rename_table",
        "renaming-table",
        "the old name stays, as a view both versions of the application read and write through, \
         until the contract migration drops it",
    ),
    (
        "rename_referred_table_drop_referring",
        "renaming-table",
        "the old name stays, as a view both versions of the application read and write through, \
         until the contract migration drops it",
    ),
    (
        "views_around_a_type_change",
        "ban-drop-view",
        "the views are made again in the same transaction, after the change to what they read: a \
         reader waits on the lock and finds them as they were",
    ),
    (
        "move_table_to_schema",
        "ban-set-schema",
        "the old name stays, as a view both versions of the application read and write through, \
         until the contract migration drops it",
    ),
    (
        "change_primary_key",
        "ban-alter-identity",
        "the old key column, kept for the contract migration, stops numbering rows (MySQL allows \
         only a key to), and takes a placeholder default in the same step: the old code's inserts, \
         which leave it out, still get a value",
    ),
];

/// squawk's rules and the `lint` codes that report the same step (any one
/// of them).
const SQUAWK_TO_LINT: &[(&str, &[&str])] = &[
    ("require-concurrent-index-creation", &["F101"]),
    ("require-concurrent-index-deletion", &["F102"]),
    ("adding-foreign-key-constraint", &["F103"]),
    ("constraint-missing-not-valid", &["F103", "F104", "F106", "F108"]),
    ("adding-not-nullable-field", &["F105"]),
    ("adding-required-field", &["F205"]),
    ("disallowed-unique-constraint", &["F106"]),
    ("changing-column-type", &["F107", "F206"]),
    ("adding-field-with-default", &["F107"]),
    ("adding-serial-primary-key-field", &["F108"]),
    ("require-lock-timeout", &["F110"]),
    ("require-statement-timeout", &["F110"]),
    ("renaming-column", &["F203"]),
    ("renaming-table", &["F204"]),
    // A table moved to another PostgreSQL schema: its old name is gone.
    ("ban-set-schema", &["F204"]),
    ("ban-drop-view", &["F204"]),
    ("ban-drop-column", &["F201"]),
    ("ban-drop-table", &["F202"]),
    // The type goes with the columns of it, which are dropped before it.
    ("ban-drop-type", &["F201", "F202"]),
];

/// squawk's rules about timeouts, which it asks for before any statement
/// that locks a table: Ferro asks (F110) only before a lock that makes the
/// application's writes wait on a table that exists before the migration.
const TIMEOUT_RULES: [&str; 2] = ["require-lock-timeout", "require-statement-timeout"];

/// squawk's findings on the PostgreSQL SQL of every fixture's migration as
/// the runtime runs it, safe plan or plain: every finding by rule, and the
/// ones left after what Ferro judges otherwise, each with the codes `lint`
/// reports for the same migration and whether one of them matches.
struct Squawked {
    tally: std::collections::BTreeMap<String, usize>,
    left: Vec<(String, String, bool, String)>,
}

fn squawk_fixtures(squawk: &Path, safe: bool) -> Squawked {
    use ferro::migration::lint::lint;
    use ferro::migration::locks::{Database, Lock, PgLock, effect};
    use ferro::runtime::{Dialect, Migrator, Target};
    use ferro_tests::chain;

    let mut tally: std::collections::BTreeMap<String, usize> = Default::default();
    let mut left = Vec::new();
    chain::safe(safe);
    for case in CASES {
        let before = schema_of(&format!("generate::{case}::before"));
        let after = schema_of(&format!("generate::{case}::after"));
        // A safe plan holds the drops back for a contract migration: the
        // expand migration and the contract are measured each on its own.
        let mut versions = vec![before.without_hints(), after.clone()];
        if safe {
            let expanded = ferro::diff::expand(&before.without_hints(), &after);
            if !expanded.held.is_empty() {
                versions.insert(1, expanded.schema);
            }
        }
        let mut steps = chain::plans_for(&versions, &after);
        for (at, version) in versions.iter().enumerate().skip(1) {
            chain::write_fills(&mut steps[at].0, version, Dialect::Postgres);
        }
        chain::set(steps);
        for part in 1..versions.len() {
            let case = &match part {
                2 => format!("{case} (contract)"),
                _ => case.to_string(),
            };
            let mut migrator = Migrator::new(&chain::MIGRATIONS[..versions.len()]);
            if safe {
                migrator = migrator
                    .table_lock_timeout(std::time::Duration::from_secs(5))
                    .statement_timeout(std::time::Duration::from_secs(600));
            }
            let sql = migrator
                .upgrade_sql(
                    Dialect::Postgres,
                    &Target::Revision(chain::IDS[part - 1].into()),
                    &Target::Revision(chain::IDS[part].into()),
                )
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            let sql: String = sql.iter().map(|s| format!("{s};\n")).collect();
            let steps = chain::MIGRATIONS[part].upgrade_steps();
            let mut codes: Vec<&str> = lint(&steps, Database::Postgres)
                .iter()
                .map(|f| f.rule.code)
                .collect();
            if safe {
                // The run bounds every wait (`lint --table-lock-timeout`).
                codes.retain(|c| *c != "F110");
            }
            // The strongest lock a step takes on a table the application uses
            // (a new table's foreign keys lock the existing tables they refer to).
            let mut created = Vec::new();
            let existing = ferro::migration::lint::on_existing(steps.iter().map(|s| &s.op));
            let strongest = steps
                .iter()
                .zip(existing)
                .filter_map(|(step, existing)| {
                    let refers = match &step.op {
                        ferro::migration::Op::CreateTable(t) => {
                            created.push(t.name.to_string());
                            t.foreign_keys
                                .iter()
                                .any(|k| !created.iter().any(|c| *c == k.referred_table.as_ref()))
                        }
                        _ => false,
                    };
                    match effect(step, Database::Postgres).lock {
                        Lock::Postgres(mode) if existing || refers => Some(mode),
                        _ => None,
                    }
                })
                .max();
            for rule in ferro_tests::python::squawk_rules(squawk, &sql) {
                *tally.entry(rule.clone()).or_default() += 1;
                if SQUAWK_ONLY.iter().any(|(r, _)| *r == rule)
                    || SQUAWK_DISAGREES.iter().any(|(c, r, _)| c == case && *r == rule)
                {
                    continue;
                }
                if TIMEOUT_RULES.contains(&rule.as_str())
                    && !codes.contains(&"F110")
                    && strongest.is_none_or(|m| m < PgLock::Share)
                {
                    continue;
                }
                let reported = SQUAWK_TO_LINT
                    .iter()
                    .find(|(r, _)| *r == rule)
                    .is_some_and(|(_, lint)| lint.iter().any(|c| codes.contains(c)));
                left.push((
                    case.to_string(),
                    rule,
                    reported,
                    format!("lint found {codes:?}\n{sql}"),
                ));
            }
        }
    }
    chain::safe(false);
    Squawked { tally, left }
}

/// squawk, run on the PostgreSQL SQL of every fixture's migration as the
/// runtime would run it (plain plans), finds nothing that `lint` does not
/// report for the same migration, apart from what Ferro judges otherwise
/// ([`SQUAWK_ONLY`], [`SQUAWK_DISAGREES`], [`TIMEOUT_RULES`]): an oracle
/// Ferro did not write. Prints what squawk found, by rule, for
/// `docs/safety.md`.
#[test]
fn every_squawk_finding_on_a_plain_plan_is_one_lint_reports() {
    let Some(squawk) = ferro_tests::python::squawk() else {
        return;
    };
    let found = squawk_fixtures(squawk, false);
    println!(
        "squawk on the plain plans of {} fixtures: {:?}",
        CASES.len(),
        found.tally
    );
    let unmatched: Vec<String> = found
        .left
        .iter()
        .filter(|(_, _, reported, _)| !reported)
        .map(|(case, rule, _, detail)| format!("{case}: squawk's {rule}, {detail}"))
        .collect();
    assert!(unmatched.is_empty(), "{}", unmatched.join("\n\n"));
}

/// The same fixtures as safe plans (`Builder::safe(true)`, run with a table
/// lock timeout and a statement timeout): what squawk still finds, beyond
/// what Ferro judges otherwise, is exactly what safe plans do not do yet or
/// leave to the models. Drops are held back for a contract migration
/// (measured on its own: it holds only the drops); renames are split (a
/// column kept equal by a trigger, a table's old name kept as a view);
/// type changes in place are the models' choice.
#[test]
fn squawk_on_safe_plans_finds_only_what_they_do_not_do_yet() {
    let Some(squawk) = ferro_tests::python::squawk() else {
        return;
    };
    let found = squawk_fixtures(squawk, true);
    println!(
        "squawk on the safe plans of {} fixtures: {:?}",
        CASES.len(),
        found.tally
    );
    let mut left: std::collections::BTreeMap<&str, usize> = Default::default();
    for (_, rule, _, _) in &found.left {
        *left.entry(rule.as_str()).or_default() += 1;
    }
    let details: Vec<String> = found
        .left
        .iter()
        .map(|(case, rule, _, _)| format!("{case}: {rule}"))
        .collect();
    println!("left on the safe plans: {details:#?}");
    // What the expand migrations leave: types changed in place, which the
    // models ask for (the zero-downtime way is a new field, renamed from
    // the old, which safe plans split, copy and keep equal); and a stored
    // generated column added, which PostgreSQL computes for every row under
    // its lock (the way without is a plain column filled in batches and
    // kept by a trigger, which safe plans do not write yet).
    let expected: std::collections::BTreeMap<&str, usize> =
        [("changing-column-type", 4), ("adding-field-with-default", 1)]
            .into_iter()
            .collect();
    // What the contract migrations do: the drops the build was asked for
    // (a split rename's old column and its trigger's function, a renamed
    // table's view under the old name, among them).
    let contract: std::collections::BTreeMap<&str, usize> = [
        ("ban-drop-table", 5),
        ("ban-drop-column", 5),
        ("ban-drop-type", 1),
        ("ban-drop-function", 1),
        ("ban-drop-view", 3),
    ]
    .into_iter()
    .collect();
    let mut contracted: std::collections::BTreeMap<&str, usize> = Default::default();
    for (case, rule, _, _) in &found.left {
        if case.ends_with("(contract)") {
            *left.get_mut(rule.as_str()).unwrap() -= 1;
            *contracted.entry(rule.as_str()).or_default() += 1;
        }
    }
    left.retain(|_, n| *n > 0);
    assert_eq!(contracted, contract, "{details:#?}");
    assert_eq!(left, expected, "{details:#?}");
}

/// A change of how a column is generated stops the build, as Django's
/// makemigrations refuses one: no database but MySQL alters it in place,
/// and a drop and an add in one migration would drop what is built on it.
/// Removed in one migration and added back in the next, it goes through.
#[test]
fn a_changed_generated_column_is_refused_and_the_way_round_works() {
    use ferro::schema::{Column, PrimaryKey, SqlType, Table};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("out")).unwrap();
    let orders = |g: Option<&str>| {
        let mut t = Table::new("orders");
        let mut columns = vec![
            Column::new("id", SqlType::BigInt).auto_increment(),
            Column::new("price", SqlType::Integer),
        ];
        if let Some(expr) = g {
            columns.push(
                Column::new("total", SqlType::BigInt)
                    .nullable()
                    .generated(expr.to_owned(), true),
            );
        }
        t.columns = columns.into();
        t.primary_key = Some(PrimaryKey::new("pk_orders", ["id"]));
        Schema::new([t]).unwrap()
    };
    let (first, _) = build(dir.path(), orders(Some("price * 2")), false);
    seal(&first.expect("the first migration"));
    let e = Builder::new(Ok(orders(Some("price * 3"))))
        .migrations_dir(dir.path())
        .out_dir(dir.path().join("out"))
        .mode(Mode::Generate)
        .generate()
        .expect_err("a changed expression");
    assert!(
        e.to_string()
            .contains("column `orders.total` changed whether or how it is generated"),
        "{e}"
    );
    let (dropped, _) = build(dir.path(), orders(None), false);
    let dropped = dropped.expect("the drop");
    assert!(
        std::fs::read_to_string(&dropped)
            .unwrap()
            .contains("drop_column(\"orders\", \"total\")")
    );
    seal(&dropped);
    let (added, _) = build(dir.path(), orders(Some("price * 3")), false);
    let added = std::fs::read_to_string(added.expect("the add")).unwrap();
    assert!(added.contains(".generated(\"price * 3\", true)"), "{added}");
}
