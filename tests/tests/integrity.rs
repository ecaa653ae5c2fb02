//! The build notices a migrations folder that does not hang together and names
//! the first broken link; it reads no clock, so the same inputs give the same
//! bytes.

use std::fs;
use std::path::Path;

use ferro::schema::{Column, PrimaryKey, Schema, SqlType, Table};
use ferro_build::{BuildError, Builder, Mode, Report};

fn users(extra: &[&str]) -> Schema {
    let mut t = Table::new("users");
    let mut columns = vec![Column::new("id", SqlType::BigInt)];
    columns.extend(
        extra
            .iter()
            .map(|c| Column::new(c.to_string(), SqlType::Text).nullable()),
    );
    t.columns = columns.into();
    t.primary_key = Some(PrimaryKey::new("pk_users", ["id"]));
    Schema::new([t]).unwrap()
}

fn run(dir: &Path, models: Schema, mode: Mode) -> Result<Report, BuildError> {
    fs::create_dir_all(dir.join("out")).unwrap();
    Builder::new(Ok(models))
        .migrations_dir(dir)
        .out_dir(dir.join("out"))
        .mode(mode)
        .generate()
}

/// A folder with two sealed migrations: users(id), then users.a.
fn two_migrations() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    for models in [users(&[]), users(&["a"])] {
        let report = run(dir.path(), models, Mode::Generate).unwrap();
        for path in report
            .written
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        {
            let text = fs::read_to_string(path).unwrap();
            let sealed = text.trim_end().rsplit_once('\n').unwrap().0.to_owned() + "\n";
            fs::write(path, sealed).unwrap();
        }
    }
    let mut files: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".rs"))
        .collect();
    files.sort();
    (dir, files)
}

fn error(result: Result<Report, BuildError>) -> String {
    result.expect_err("the build must fail").to_string()
}

#[test]
fn a_consistent_folder_builds_and_checks_clean() {
    let (dir, files) = two_migrations();
    assert_eq!(files, ["0001_initial.rs", "0002_add_column_users_a.rs"]);
    let report = run(dir.path(), users(&["a"]), Mode::Check).unwrap();
    assert_eq!(report, Report::default());
    let list = fs::read_to_string(dir.path().join("out/ferro_migrations.rs")).unwrap();
    assert!(list.find("0001_initial.rs").unwrap() < list.find("0002_add_column_users_a.rs").unwrap());
}

#[test]
fn a_snapshot_edited_by_hand_is_refused() {
    let (dir, _) = two_migrations();
    let path = dir.path().join("snapshot.json");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replace("\"name\": \"a\"", "\"name\": \"b\"")).unwrap();
    let message = error(run(dir.path(), users(&["a"]), Mode::Generate));
    assert!(
        message.contains("snapshot.json: the snapshot does not match the migrations"),
        "{message}"
    );
    assert!(message.contains("0002_add_column_users_a.rs"), "{message}");
}

#[test]
fn a_deleted_newest_migration_is_named() {
    let (dir, files) = two_migrations();
    fs::remove_file(dir.path().join(&files[1])).unwrap();
    let message = error(run(dir.path(), users(&["a"]), Mode::Generate));
    assert!(message.contains("the snapshot is at revision"), "{message}");
    assert!(message.contains("was its migration deleted?"), "{message}");
}

#[test]
fn a_deleted_older_migration_is_named() {
    let (dir, files) = two_migrations();
    fs::remove_file(dir.path().join(&files[0])).unwrap();
    let message = error(run(dir.path(), users(&["a"]), Mode::Generate));
    assert!(
        message.starts_with("`0002_add_column_users_a.rs` (revision"),
        "{message}"
    );
    assert!(
        message.contains("which no file in the migrations folder declares"),
        "{message}"
    );
}

#[test]
fn two_files_with_one_revision_id_are_refused() {
    let (dir, files) = two_migrations();
    fs::copy(dir.path().join(&files[1]), dir.path().join("0003_copy.rs")).unwrap();
    let message = error(run(dir.path(), users(&["a"]), Mode::Generate));
    assert!(
        message.contains("is declared by two files, `0002_add_column_users_a.rs` and `0003_copy.rs`"),
        "{message}"
    );
}

#[test]
fn two_heads_stop_generation_and_fail_the_check() {
    let (dir, files) = two_migrations();
    // A second child of the first migration, as a merge of two branches leaves.
    let text = fs::read_to_string(dir.path().join(&files[1])).unwrap();
    let id = text.split("id: \"").nth(1).unwrap()[..12].to_owned();
    let branch = text.replace(&id, "b0b0b0b0b0b0");
    fs::write(dir.path().join("0002_branch.rs"), branch).unwrap();
    let report = run(dir.path(), users(&["a", "c"]), Mode::Generate).unwrap();
    assert!(report.written.is_empty());
    assert!(
        report.warnings[0].contains("the migrations have 2 heads"),
        "{:?}",
        report.warnings
    );
    let message = error(run(dir.path(), users(&["a"]), Mode::Check));
    assert!(message.contains("merge heads"), "{message}");
}

#[test]
fn a_malformed_or_unknown_snapshot_names_the_file_and_the_fault() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot.json");
    fs::write(&path, "{\"format_version\": 1, \"tables\": [").unwrap();
    let message = error(run(dir.path(), users(&[]), Mode::Generate));
    assert!(
        message.starts_with(&format!("{}: not a valid schema snapshot", path.display())),
        "{message}"
    );
    fs::write(&path, "{\"format_version\": 9, \"tables\": []}").unwrap();
    let message = error(run(dir.path(), users(&[]), Mode::Generate));
    assert!(message.contains("format version 9 is not supported"), "{message}");
}

#[test]
fn an_unreadable_revision_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("0001_hand.rs"), "pub fn upgrade() {}\n").unwrap();
    let message = error(run(dir.path(), users(&[]), Mode::Generate));
    assert!(
        message.contains("0001_hand.rs: cannot read `REVISION`"),
        "{message}"
    );
}

#[test]
fn a_hand_written_data_migration_keeps_the_chain() {
    let (dir, files) = two_migrations();
    let text = fs::read_to_string(dir.path().join(&files[1])).unwrap();
    let head = text.split("id: \"").nth(1).unwrap()[..12].to_owned();
    let data = format!(
        "use ferro::migration::prelude::*;\n\npub const REVISION: Revision = Revision {{\n    id: \"d47a00000001\",\n    \
         parents: &[\"{head}\"],\n    message: \"fill a\",\n    schema: None,\n}};\n\n\
         pub fn upgrade(op: &mut Ops) {{\n    op.sql(\"UPDATE users SET a = 'x'\");\n}}\n\n\
         pub fn downgrade(_op: &mut Ops) {{}}\n"
    );
    fs::write(dir.path().join("0003_fill_a.rs"), data).unwrap();
    run(dir.path(), users(&["a"]), Mode::Check).unwrap();
    let report = run(dir.path(), users(&["a", "b"]), Mode::Generate).unwrap();
    let written: Vec<_> = report.written.iter().filter_map(|p| p.file_name()).collect();
    assert!(
        written.contains(&"0004_add_column_users_b.rs".as_ref()),
        "{written:?}"
    );
    let fourth = fs::read_to_string(dir.path().join("0004_add_column_users_b.rs")).unwrap();
    assert!(fourth.contains("parents: &[\"d47a00000001\"]"), "{fourth}");
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let (a, files_a) = two_migrations();
    let (b, files_b) = two_migrations();
    assert_eq!(files_a, files_b);
    for file in files_a.iter().chain(["snapshot.json".to_owned()].iter()) {
        assert_eq!(
            fs::read(a.path().join(file)).unwrap(),
            fs::read(b.path().join(file)).unwrap(),
            "{file} differs between two runs"
        );
    }
}

#[test]
fn a_draft_whose_changes_are_undone_disappears() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), users(&[]), Mode::Generate).unwrap();
    let sealed = fs::read_to_string(dir.path().join("0001_initial.rs")).unwrap();
    let sealed = sealed.trim_end().rsplit_once('\n').unwrap().0.to_owned() + "\n";
    fs::write(dir.path().join("0001_initial.rs"), sealed).unwrap();
    let before = fs::read_to_string(dir.path().join("snapshot.json")).unwrap();
    run(dir.path(), users(&["a"]), Mode::Generate).unwrap();
    assert!(dir.path().join("0002_add_column_users_a.rs").exists());
    let report = run(dir.path(), users(&[]), Mode::Generate).unwrap();
    assert!(!dir.path().join("0002_add_column_users_a.rs").exists());
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("removed draft migration")),
        "{:?}",
        report.warnings
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("snapshot.json")).unwrap(),
        before
    );
}

/// The record a successful run leaves in `OUT_DIR` for the next one.
fn state(dir: &Path) -> String {
    fs::read_to_string(dir.join("out/ferro_build_state")).unwrap()
}

#[test]
fn a_build_with_nothing_changed_repeats_the_last_outcome() {
    let (dir, _) = two_migrations();
    run(dir.path(), users(&["a"]), Mode::Check).unwrap();
    // The next run with the same inputs answers from the record: planting a
    // warning in it shows that nothing else was consulted.
    let (key, _) = state(dir.path())
        .split_once('\n')
        .map(|(k, w)| (k.to_owned(), w.to_owned()))
        .unwrap();
    fs::write(
        dir.path().join("out/ferro_build_state"),
        format!("{key}\n[\"planted\"]"),
    )
    .unwrap();
    let report = run(dir.path(), users(&["a"]), Mode::Check).unwrap();
    assert_eq!(report.warnings, ["planted"]);
    // Other models, another mode or another folder content are other inputs.
    let report = run(dir.path(), users(&["a"]), Mode::Generate).unwrap();
    assert!(report.warnings.is_empty(), "{report:?}");
    let message = error(run(dir.path(), users(&["a", "b"]), Mode::Check));
    assert!(message.contains("add column users.b"), "{message}");
}

#[test]
fn an_edit_after_a_remembered_success_is_still_caught() {
    let (dir, files) = two_migrations();
    run(dir.path(), users(&["a"]), Mode::Check).unwrap();
    let path = dir.path().join(&files[1]);
    let text = fs::read_to_string(&path).unwrap();
    let id = text
        .split("id: \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    fs::write(&path, text.replace(&id, "0123456789ab")).unwrap();
    let broken = "which no file in the migrations folder declares";
    let message = error(run(dir.path(), users(&["a"]), Mode::Check));
    assert!(message.contains(broken), "{message}");
    // A failed run leaves no record to repeat: the next one checks again.
    assert!(!dir.path().join("out/ferro_build_state").exists());
    let message = error(run(dir.path(), users(&["a"]), Mode::Check));
    assert!(message.contains(broken), "{message}");
    fs::write(&path, text).unwrap();
    run(dir.path(), users(&["a"]), Mode::Check).unwrap();
}

/// A merge revision as `merge heads -m` writes it: no steps, no schema.
fn merge_file(id: &str, parents: &[&str]) -> String {
    let parents: Vec<String> = parents.iter().map(|p| format!("{p:?}")).collect();
    format!(
        "//! join\n\nuse ferro::migration::prelude::*;\n\npub const REVISION: Revision = Revision {{\n    \
         id: {id:?},\n    parents: &[{}],\n    message: \"join\",\n    schema: None,\n}};\n\n\
         pub fn upgrade(op: &mut Ops) {{\n    let _ = op;\n}}\n\npub fn downgrade(op: &mut Ops) {{\n    let _ = op;\n}}\n",
        parents.join(", ")
    )
}

#[test]
fn a_merge_revision_takes_the_models_schema() {
    let (dir, files) = two_migrations();
    let text = fs::read_to_string(dir.path().join(&files[1])).unwrap();
    let second = text.split("id: \"").nth(1).unwrap()[..12].to_owned();
    // A branch beside the second migration adds column c instead of a.
    let branch = text.replace(&second, "b0b0b0b0b0b0").replace("\"a\"", "\"c\"");
    fs::write(dir.path().join("0002_branch.rs"), branch).unwrap();
    fs::write(
        dir.path().join("0003_join.rs"),
        merge_file("f0f0f0f0f0f0", &[&second, "b0b0b0b0b0b0"]),
    )
    .unwrap();
    // Check mode asks for the build that adopts it.
    let message = error(run(dir.path(), users(&["a", "c"]), Mode::Check));
    assert!(
        message.contains("merge revision `f0f0f0f0f0f0` (0003_join.rs) has no snapshot yet"),
        "{message}"
    );
    let report = run(dir.path(), users(&["a", "c"]), Mode::Generate).unwrap();
    assert!(
        report.warnings[0].contains("took the models' schema"),
        "{:?}",
        report.warnings
    );
    assert_eq!(report.written, [dir.path().join("snapshot.json")]);
    let snapshot = fs::read_to_string(dir.path().join("snapshot.json")).unwrap();
    assert!(snapshot.contains("\"revision\": \"f0f0f0f0f0f0\""), "{snapshot}");
    assert!(
        snapshot.contains("\"name\": \"a\"") && snapshot.contains("\"name\": \"c\""),
        "{snapshot}"
    );
    // From then on the folder is consistent, and a model change follows the merge.
    assert_eq!(
        run(dir.path(), users(&["a", "c"]), Mode::Check).unwrap(),
        Report::default()
    );
    let report = run(dir.path(), users(&["a", "c", "d"]), Mode::Generate).unwrap();
    let written = fs::read_to_string(&report.written[0]).unwrap();
    assert!(written.contains("parents: &[\"f0f0f0f0f0f0\"]"), "{written}");
}
