//! The build-script flow end to end: a scratch application (a models crate and
//! a migrations crate depending on the workspace's crates by path) built with
//! real `cargo build`s while its models change.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MODELS_V1: &str = r#"
use ferro::Model;

#[derive(Model)]
#[ferro(table = "users")]
pub struct User {
    #[ferro(primary_key)]
    pub id: i64,
    #[ferro(unique)]
    pub email: String,
}

pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> {
    ferro::schema!()
}
"#;

struct App {
    _dir: tempfile::TempDir,
    root: PathBuf,
    /// The migrations crate's package, whose binary the tests run.
    package: String,
}

/// A number for each application of this process. The tests share a target
/// directory and run at once, and cargo names a workspace member's build
/// by its package and its path in the workspace: two applications laid out
/// alike would share one build of their models crate, each test building
/// over the other's. Each gets packages of its own (their library crates
/// keep the names the code uses).
static NEXT_APP: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl App {
    fn new() -> App {
        App::with(false)
    }

    /// With `cli`, the migrations crate's binary is the command line
    /// (`ferro::runtime::cli::Cli`) on SQLite; else it lists the migrations.
    fn with(cli: bool) -> App {
        App::setup(cli, false)
    }

    /// The command line with docs/workflow.md's `dev-dylib` setting, on by
    /// default: in debug builds the binary takes ferro's runtime from
    /// ferro-dylib's shared library.
    fn with_dylib() -> App {
        App::setup(true, true)
    }

    fn setup(cli: bool, dylib: bool) -> App {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        let n = NEXT_APP.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let package = format!("{}-{n}", package(cli));
        let ws = workspace();
        let core = ws.join("ferro-core");
        let build = ws.join("ferro-build");
        let shared = ws.join("ferro-dylib");
        let build_shared = ws.join("ferro-build-dylib");
        write(
            &root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"models\", \"migrations\"]\nresolver = \"3\"\n",
        );
        write(
            &root.join("models/Cargo.toml"),
            &format!(
                "[package]\nname = \"app-models-{n}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [lib]\nname = \"app_models\"\n\n\
                 [dependencies]\nferro-core = {{ path = {core:?} }}\n"
            ),
        );
        write(&root.join("models/src/lib.rs"), MODELS_V1);
        write(
            &root.join("migrations/Cargo.toml"),
            &format!(
                "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
                 [lib]\nname = \"{lib}\"\n\n\
                 [dependencies]\nferro-core = {{ path = {core:?}{features} }}\n{models}\n{dylib}\n\
                 [build-dependencies]\nferro-build = {{ path = {build:?} }}\n{models}\n{build_dylib}",
                lib = self::package(cli).replace('-', "_"),
                models = format!("app-models = {{ path = \"../models\", package = \"app-models-{n}\" }}"),
                dylib = if dylib {
                    format!(
                        "ferro-dylib = {{ path = {shared:?}, optional = true }}\n\n\
                         [features]\ndefault = [\"dev-dylib\"]\n\
                         dev-dylib = [\"dep:ferro-dylib\", \"dep:ferro-build-dylib\"]\n"
                    )
                } else {
                    String::new()
                },
                build_dylib = if dylib {
                    format!("ferro-build-dylib = {{ path = {build_shared:?}, optional = true }}\n")
                } else {
                    String::new()
                },
                features = if cli {
                    ", features = [\"cli\", \"sqlite\"]"
                } else {
                    ""
                },
            ),
        );
        write(
            &root.join("migrations/build.rs"),
            &format!(
                "{}fn main() {{\n    ferro_build::Builder::new(app_models::schema()).run();\n}}\n",
                dev_dylib_use(dylib, "ferro_build_dylib")
            ),
        );
        write(
            &root.join("migrations/src/lib.rs"),
            "ferro::embed_migrations!();\n",
        );
        let main = if cli {
            "fn main() -> std::process::ExitCode {\n    ferro::runtime::cli::Cli::new()\n        \
             .database(\"app\", cli_migrations::MIGRATIONS, \"sqlite://app.db\")\n        \
             .migrations_dir(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/migrations\"))\n        \
             .run()\n}\n"
        } else {
            "fn main() {\n    for m in app_migrations::MIGRATIONS {\n        \
             println!(\"{} {}\", m.file, m.revision.message);\n    }\n}\n"
        };
        let main = format!("{}{main}", dev_dylib_use(dylib, "ferro_dylib"));
        write(&root.join("migrations/src/main.rs"), &main);
        App {
            _dir: dir,
            root,
            package,
        }
    }

    fn cargo(&self, args: &[&str], ci: bool) -> Output {
        let mut command = ferro_tests::scratch_cargo(&self.root);
        command.args(args).env_remove("FERRO_MIGRATIONS").env_remove("CI");
        if ci {
            command.env("CI", "true");
        }
        command.output().unwrap()
    }

    fn build(&self) -> String {
        let output = self.cargo(&["build", "--offline"], false);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "cargo build failed:\n{stderr}");
        stderr
    }

    fn run(&self) -> String {
        let output = self.cargo(&["run", "--quiet", "--offline", "-p", &self.package], false);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn migrations(&self) -> Vec<String> {
        let mut files: Vec<String> = std::fs::read_dir(self.root.join("migrations/migrations"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|f| f.ends_with(".rs"))
            .collect();
        files.sort();
        files
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.root.join("migrations/migrations").join(file)).unwrap()
    }

    fn edit_models(&self, from: &str, to: &str) {
        let path = self.root.join("models/src/lib.rs");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from));
        write(&path, &text.replacen(from, to, 1));
    }

    fn git(&self, args: &[&str]) {
        let status = Command::new("git")
            .args(["-c", "user.name=Ferro", "-c", "user.email=ferro@example.invalid"])
            .args(args)
            .current_dir(&self.root)
            .output()
            .expect("git runs");
        assert!(
            status.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
}

/// With the `dev-dylib` setting, the first lines of `src/main.rs` or
/// `build.rs`, which name `krate` in debug builds; else none.
fn dev_dylib_use(dylib: bool, krate: &str) -> String {
    if dylib {
        format!("#[cfg(all(feature = \"dev-dylib\", debug_assertions))]\nuse {krate} as _;\n\n")
    } else {
        String::new()
    }
}

/// The migrations crate's library: the command line's, or one that lists
/// the migrations.
fn package(cli: bool) -> &'static str {
    if cli { "cli-migrations" } else { "app-migrations" }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn models_changes_become_migrations_during_cargo_build() {
    let app = App::new();

    // First build: the initial migration and the snapshot, embedded at once.
    let messages = app.build();
    assert!(
        messages.contains("wrote migrations/0001_initial.rs"),
        "{messages}"
    );
    assert_eq!(app.migrations(), ["0001_initial.rs"]);
    let first = app.read("0001_initial.rs");
    assert!(
        first.contains("pub static UPGRADE: Steps = &[\n    create_table(&USERS),\n")
            && first.contains("static USERS: Table = Table::new(\n    \"users\","),
        "{first}"
    );
    let snapshot = std::fs::read_to_string(app.root.join("migrations/migrations/snapshot.json")).unwrap();
    assert!(
        snapshot.starts_with("{\n  \"format_version\": 1,\n  \"revision\": "),
        "{snapshot}"
    );
    assert!(snapshot.contains("\"name\": \"email\""), "{snapshot}");
    assert_eq!(app.run(), "0001_initial.rs create table users\n");

    // Committing seals the first migration; a model change makes a second one,
    // which the same build embeds.
    app.git(&["init", "--quiet"]);
    app.git(&["add", "."]);
    app.git(&["commit", "--quiet", "-m", "initial"]);
    app.edit_models(
        "pub email: String,",
        "pub email: String,\n    pub age: Option<i32>,",
    );
    let messages = app.build();
    assert!(
        messages.contains("wrote migrations/0002_add_column_users_age.rs"),
        "{messages}"
    );
    assert_eq!(
        app.migrations(),
        ["0001_initial.rs", "0002_add_column_users_age.rs"]
    );
    assert_eq!(
        app.read("0001_initial.rs"),
        first,
        "a sealed migration is never rewritten"
    );
    let second = app.read("0002_add_column_users_age.rs");
    assert!(
        second.contains("    add_column(\"users\", &Column::new(\"age\", SqlType::Integer).nullable()),")
    );
    assert!(
        app.run()
            .ends_with("0002_add_column_users_age.rs add column users.age\n")
    );

    // A build with nothing changed writes nothing.
    let messages = app.build();
    assert!(!messages.contains("wrote"), "{messages}");
    assert_eq!(app.read("0002_add_column_users_age.rs"), second);

    // The uncommitted second migration is a draft: another change rewrites it in
    // place, under the same revision id.
    let id = second.split("id: \"").nth(1).unwrap()[..12].to_owned();
    app.edit_models(
        "pub age: Option<i32>,",
        "pub age: Option<i32>,\n    pub nickname: Option<String>,",
    );
    let messages = app.build();
    assert!(
        messages.contains("rewrote draft migrations/0002_add_column_users_age_and_more.rs"),
        "{messages}"
    );
    assert_eq!(
        app.migrations(),
        ["0001_initial.rs", "0002_add_column_users_age_and_more.rs"]
    );
    let draft = app.read("0002_add_column_users_age_and_more.rs");
    assert!(draft.contains(&format!("id: \"{id}\"")), "{draft}");
    assert!(
        draft.contains("\"nickname\"") && draft.contains("\"age\""),
        "{draft}"
    );

    let list = App::list;

    // Editing the draft by hand (here: acknowledging nothing, a comment and
    // the steps as statics, which ferro-build writes only in a file that
    // creates tables) seals it; the next change goes into a new file, and
    // the edited file is still embedded as steps.
    assert!(
        draft.contains("\npub const UPGRADE: Steps = &[\n")
            && draft.contains("\npub const DOWNGRADE: Steps = &[\n"),
        "{draft}"
    );
    let edited = draft
        .replace("pub const UPGRADE", "// Reviewed.\npub static UPGRADE")
        .replace("pub const DOWNGRADE", "pub static DOWNGRADE");
    write(
        &app.root
            .join("migrations/migrations/0002_add_column_users_age_and_more.rs"),
        &edited,
    );
    app.edit_models("pub nickname: Option<String>,", "");
    let messages = app.build();
    assert!(messages.contains("was edited by hand"), "{messages}");
    assert!(
        messages.contains("destructive step `drop column users.nickname`"),
        "{messages}"
    );
    assert_eq!(app.read("0002_add_column_users_age_and_more.rs"), edited);
    assert!(
        list(&app).contains("upgrade: ::ferro::migration::Body::Steps(m1::UPGRADE)"),
        "{}",
        list(&app)
    );
    let files = app.migrations();
    assert_eq!(files.len(), 3, "{files:?}");
    let third = app.read(&files[2]);
    assert!(
        third.contains("drop_column(\"users\", \"nickname\").acknowledged(false),"),
        "{third}"
    );

    // A file whose `REVISION` the build script may misread (here an
    // attribute hides the first declaration from the compiler) is checked
    // when the crate compiles; the generated files above, which are plain,
    // are not (the list holds no check for them).
    assert!(!list(&app).contains("REVISION.id"), "{}", list(&app));
    let third_id = app.id(&files[2]);
    let decoy = app.root.join("migrations/migrations/0004_decoy.rs");
    write(
        &decoy,
        &format!(
            "use ferro::migration::steps::*;\n\n#[cfg(any())]\n\
             pub const REVISION: Revision = Revision {{ id: \"decoy0000000\", parents: &[\"{third_id}\"], message: \"decoy\", schema: None }};\n\
             #[cfg(not(any()))]\n\
             pub const REVISION: Revision = Revision {{ id: \"real00000000\", parents: &[\"{third_id}\"], message: \"real\", schema: None }};\n\n\
             pub const UPGRADE: Steps = &[];\npub const DOWNGRADE: Steps = &[];\n"
        ),
    );
    let output = app.cargo(&["build", "--quiet", "--offline"], false);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("0004_decoy.rs: `REVISION.id` is not the literal the build script read"),
        "{stderr}"
    );
    std::fs::remove_file(&decoy).unwrap();

    // Under CI the build only checks: a model change fails it with the diff.
    app.edit_models(
        "pub age: Option<i32>,",
        "pub age: Option<i32>,\n    pub bio: String,",
    );
    let output = app.cargo(&["build", "--quiet", "--offline"], true);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("the models differ from"), "{stderr}");
    assert!(stderr.contains("add column users.bio"), "{stderr}");
    assert_eq!(app.migrations().len(), 3, "check mode writes nothing");
}

impl App {
    /// The list of files the build script last wrote for the crate to embed.
    fn list(&self) -> String {
        let build = workspace().join("target/scratch/debug/build");
        let prefix = format!("{}-", self.package);
        std::fs::read_dir(build)
            .unwrap()
            .map(|dir| dir.unwrap().path())
            .filter(|dir| dir.file_name().unwrap().to_string_lossy().starts_with(&prefix))
            .filter_map(|dir| {
                let list = dir.join("out/ferro_migrations.rs");
                let modified = list.metadata().ok()?.modified().ok()?;
                Some((modified, list))
            })
            .max()
            .map(|(_, list)| std::fs::read_to_string(list).unwrap())
            .expect("the build script wrote the list")
    }

    /// The command line on the SQLite file `db` in the application's folder:
    /// its exit code and everything it printed.
    fn cli(&self, db: &str, args: &[&str]) -> (i32, String) {
        let url = format!("sqlite://{}", self.root.join(db).display());
        let output = Command::new(workspace().join("target/scratch/debug").join(&self.package))
            .args(["--database-url", &url])
            .args(args)
            .current_dir(&self.root)
            .output()
            .expect("the binary runs");
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        (output.status.code().unwrap_or(-1), text)
    }

    /// The migrations crate's build script as the last build linked it.
    fn build_script(&self) -> PathBuf {
        let builds = workspace().join("target/scratch/debug/build");
        std::fs::read_dir(&builds)
            .unwrap()
            .map(|e| e.unwrap().path().join("build-script-build"))
            .filter(|p| {
                p.is_file()
                    && p.parent()
                        .and_then(|d| d.file_name())
                        .and_then(|n| n.to_str())
                        .and_then(|n| n.strip_prefix(self.package.as_str()))
                        .is_some_and(|hash| {
                            hash.starts_with('-') && hash[1..].chars().all(|c| c.is_ascii_hexdigit())
                        })
            })
            .max_by_key(|p| p.metadata().unwrap().modified().unwrap())
            .expect("the build script")
    }

    /// The revision id a migration file declares.
    fn id(&self, file: &str) -> String {
        let text = self.read(file);
        text.split("id: \"").nth(1).expect("an id")[..12].to_owned()
    }

    /// Edits the models, builds, and commits what the build wrote.
    fn change(&self, from: &str, to: &str) {
        self.edit_models(from, to);
        let messages = self.build();
        assert!(messages.contains("wrote migrations/"), "{messages}");
        self.git(&["add", "."]);
        self.git(&["commit", "--quiet", "-m", "change"]);
    }
}

/// An open draft is embedded as its steps' data rather than compiled
/// (`docs/performance.md`, The draft as data); sealed, by an edit or a
/// commit, it is compiled as any other file. The binary does the same
/// with either: the same offline SQL, the same upgrade.
#[test]
fn an_open_draft_is_embedded_as_data_until_sealed() {
    let app = App::with(true);
    let messages = app.build();
    assert!(
        messages.contains("wrote migrations/0001_initial.rs"),
        "{messages}"
    );
    let list = app.list();
    assert!(
        list.contains("upgrade: ::ferro::migration::Body::Data(::core::include_str!(")
            && list.contains("message: \"create table users\"")
            && !list.contains("#[path"),
        "the draft is data, and no module: {list}"
    );
    let script = |app: &App| {
        let (code, sql) = app.cli("none.db", &["upgrade", "--sql", "head"]);
        assert_eq!(code, 0, "{sql}");
        assert!(sql.contains("CREATE TABLE \"users\""), "{sql}");
        sql
    };
    let as_data = script(&app);
    let (code, out) = app.cli("data.db", &["upgrade", "head"]);
    assert_eq!(code, 0, "{out}");

    // Sealed by deleting its draft line: compiled, and the same SQL.
    let path = app.root.join("migrations/migrations/0001_initial.rs");
    let draft = std::fs::read_to_string(&path).unwrap();
    let sealed = draft.trim_end().rsplit_once('\n').unwrap().0.to_owned() + "\n";
    write(&path, &sealed);
    app.build();
    let list = app.list();
    assert!(
        list.contains("mod m0;") && list.contains("upgrade: ::ferro::migration::Body::Steps(m0::UPGRADE)"),
        "a sealed migration is compiled: {list}"
    );
    assert!(!list.contains("Body::Data"), "{list}");
    assert_eq!(script(&app), as_data, "the compiled file runs what its data ran");
    // The database the data upgraded agrees with the file (the checksum
    // leaves the draft line out), and goes down and up again with it.
    for (args, said) in [
        (["upgrade", "head"], "nothing to do"),
        (["downgrade", "base"], "reverted"),
        (["upgrade", "head"], "applied"),
    ] {
        let (code, out) = app.cli("data.db", &args);
        assert!(code == 0 && out.contains(said), "{args:?}: {out}");
    }

    // A committed draft is sealed too: a change after the commit goes into a
    // new draft, the data, and the committed one is compiled.
    app.git(&["init", "--quiet"]);
    app.change(
        "pub email: String,",
        "pub email: String,\n    pub age: Option<i32>,",
    );
    assert_eq!(app.migrations()[1], "0002_add_column_users_age.rs");
    app.edit_models(
        "pub age: Option<i32>,",
        "pub age: Option<i32>,\n    pub bio: Option<String>,",
    );
    let messages = app.build();
    assert!(
        messages.contains("wrote migrations/0003_add_column_users_bio.rs"),
        "{messages}"
    );
    let list = app.list();
    assert!(
        list.contains("upgrade: ::ferro::migration::Body::Steps(m1::UPGRADE)")
            && list.matches("Body::Data(").count() == 2
            && list.contains("message: \"add column users.bio\""),
        "{list}"
    );
    let (code, out) = app.cli("data.db", &["upgrade", "head"]);
    assert_eq!(code, 0, "{out}");
    let (_, out) = app.cli("data.db", &["history"]);
    assert!(
        out.contains("add column users.bio") && out.contains("add column users.age"),
        "{out}"
    );
}

#[test]
fn a_squash_replaces_a_range_through_the_build() {
    let app = App::with(true);
    app.build();
    app.git(&["init", "--quiet"]);
    app.git(&["add", "."]);
    app.git(&["commit", "--quiet", "-m", "initial"]);
    app.change(
        "pub email: String,",
        "pub email: String,\n    pub age: Option<i32>,",
    );
    app.change(
        "pub age: Option<i32>,",
        "pub age: Option<i32>,\n    pub nick: Option<String>,",
    );
    let files = app.migrations();
    assert_eq!(files.len(), 3, "{files:?}");
    let ids: Vec<String> = files.iter().map(|f| app.id(f)).collect();

    // Three databases: one at head, one part-way, one made after the squash.
    assert_eq!(app.cli("old.db", &["upgrade", "head"]).0, 0);
    assert_eq!(app.cli("part.db", &["upgrade", "+2"]).0, 0);

    // Squashing refuses what it cannot replace, and writes nothing.
    let (code, text) = app.cli("old.db", &["squash", &format!("{}..{}", ids[1], ids[1])]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("cannot squash: the range holds one migration"),
        "{text}"
    );
    assert_eq!(app.migrations().len(), 3);

    let (code, text) = app.cli("old.db", &["squash", &format!("{}..{}", ids[0], ids[2])]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("replacing 3 migrations"), "{text}");
    let files = app.migrations();
    let squash_file = files.last().unwrap().clone();
    assert!(
        squash_file.starts_with("0004_squash_0001_initial_to_0003"),
        "{files:?}"
    );
    let squash_id = app.id(&squash_file);
    // The build embeds it and has nothing to write: the squash leaves the
    // schema the range left, and it is the one head.
    let messages = app.build();
    assert!(!messages.contains("wrote"), "{messages}");
    assert!(!messages.contains("heads"), "{messages}");
    let (code, heads) = app.cli("old.db", &["heads"]);
    assert_eq!(code, 0, "{heads}");
    assert!(heads.contains(&squash_id) && !heads.contains(&ids[2]), "{heads}");

    // Before a run records it, `check` asks for one (exit 13) and says why.
    let (code, text) = app.cli("old.db", &["check"]);
    assert_eq!(code, 13, "{text}");
    assert!(text.contains("a squash is not recorded"), "{text}");
    // At head: recorded, nothing run. Part-way: the rest, then the squash.
    // Fresh: the squash alone.
    let (code, text) = app.cli("old.db", &["upgrade", "head"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("recorded squash {squash_id}")), "{text}");
    assert!(!text.contains("applied "), "{text}");
    let (code, text) = app.cli("part.db", &["upgrade", "head"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("applied {}", ids[2])), "{text}");
    assert!(text.contains(&format!("recorded squash {squash_id}")), "{text}");
    let (code, text) = app.cli("fresh.db", &["upgrade", "head"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("applied {squash_id}")), "{text}");
    for db in ["old.db", "part.db", "fresh.db"] {
        let (code, text) = app.cli(db, &["check", "--schema"]);
        assert_eq!(code, 0, "{db}: {text}");
    }

    // Every database is past it: the replaced files go, and the next
    // migration follows the squash.
    for file in &files[..3] {
        std::fs::remove_file(app.root.join("migrations/migrations").join(file)).unwrap();
    }
    app.git(&["add", "-A"]);
    app.git(&["commit", "--quiet", "-m", "squash"]);
    let messages = app.build();
    assert!(!messages.contains("wrote"), "{messages}");
    app.change(
        "pub nick: Option<String>,",
        "pub nick: Option<String>,\n    pub bio: Option<String>,",
    );
    let files = app.migrations();
    assert_eq!(files.len(), 2, "{files:?}");
    let next = app.read(&files[1]);
    assert!(next.contains(&format!("parents: &[\"{squash_id}\"]")), "{next}");
    for db in ["old.db", "part.db", "fresh.db"] {
        let (code, text) = app.cli(db, &["upgrade", "head"]);
        assert_eq!(code, 0, "{db}: {text}");
        let (code, text) = app.cli(db, &["check", "--schema"]);
        assert_eq!(code, 0, "{db}: {text}");
    }
    // Squashing a squash: the squash and the migration after it.
    let (code, text) = app.cli(
        "old.db",
        &[
            "squash",
            &format!("{squash_id}..{}", app.id(&files[1])),
            "-m",
            "all of it",
        ],
    );
    assert_eq!(code, 0, "{text}");
    app.build();
    for db in ["old.db", "fresh.db"] {
        let (code, text) = app.cli(db, &["upgrade", "head"]);
        assert_eq!(code, 0, "{db}: {text}");
        assert!(text.contains("recorded squash"), "{db}: {text}");
        let (code, text) = app.cli(db, &["check", "--schema"]);
        assert_eq!(code, 0, "{db}: {text}");
    }
    let (code, text) = app.cli("new.db", &["upgrade", "head"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("all of it"), "{text}");
    let (code, text) = app.cli("new.db", &["check", "--schema"]);
    assert_eq!(code, 0, "{text}");
}

/// A model with a foreign key to a model of another crate: the models
/// crate lists that crate in `schema!`, and one migrations crate makes the
/// tables of both, the referred one first. Without the list, the build
/// stops and says which table is missing.
#[test]
fn a_foreign_key_to_a_model_of_another_crate() {
    let app = App::new();
    let core = workspace().join("ferro-core");
    write(
        &app.root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"auth\", \"models\", \"migrations\"]\nresolver = \"3\"\n",
    );
    write(
        &app.root.join("auth/Cargo.toml"),
        &format!(
            "[package]\nname = \"auth-models\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [dependencies]\nferro-core = {{ path = {core:?} }}\n"
        ),
    );
    write(
        &app.root.join("auth/src/lib.rs"),
        "#[derive(ferro::Model)]\n#[ferro(table = \"accounts\")]\npub struct Account {\n    \
         #[ferro(primary_key)]\n    pub id: i64,\n    #[ferro(max_length = 60)]\n    pub login: String,\n}\n\n\
         pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> {\n    ferro::schema!()\n}\n",
    );
    let manifest = app.root.join("models/Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    write(
        &manifest,
        &format!("{text}auth-models = {{ path = \"../auth\" }}\n"),
    );
    app.edit_models(
        "pub email: String,\n}",
        "pub email: String,\n    \
         #[ferro(foreign_key(references = auth_models::Account, on_delete = \"CASCADE\"))]\n    \
         pub account_id: i64,\n}",
    );

    let output = app.cargo(&["build", "--offline"], false);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("refers to table `accounts`, which is not in the schema"),
        "{stderr}"
    );

    app.edit_models("ferro::schema!()", "ferro::schema!(auth_models)");
    let messages = app.build();
    assert!(
        messages.contains("wrote migrations/0001_initial.rs"),
        "{messages}"
    );
    let first = app.read("0001_initial.rs");
    let accounts = first.find("    create_table(&ACCOUNTS),").expect("accounts made");
    let users = first.find("    create_table(&USERS),").expect("users made");
    assert!(accounts < users, "the referred table first:\n{first}");
    let key = first.find("\"fk_users_account_id_accounts\"").expect("the key");
    assert!(first[key..].contains(".on_delete(Action::Cascade)"), "{first}");
    // The other crate's model is in the snapshot, as every table the
    // migrations make.
    let snapshot = std::fs::read_to_string(app.root.join("migrations/migrations/snapshot.json")).unwrap();
    assert!(snapshot.contains("\"name\": \"accounts\""), "{snapshot}");
    let messages = app.build();
    assert!(!messages.contains("wrote"), "{messages}");
}

/// Cargo prints a build script's last warnings again on a build that does
/// not run it, and file times come from a coarse clock: a migration written
/// in the same tick as the script started would look unchanged, and every
/// later build would say "wrote" again. The build after each write runs the
/// script and says nothing.
#[test]
fn a_build_after_a_write_does_not_repeat_it() {
    let app = App::new();
    assert!(app.build().contains("wrote migrations/0001_initial.rs"));
    let mut field = "pub email: String,".to_owned();
    for n in 0..6 {
        let next = format!("{field}\n    pub extra_{n}: Option<i32>,");
        app.edit_models(&field, &next);
        field = next;
        let messages = app.build();
        assert!(messages.contains("rewrote draft"), "{messages}");
        let messages = app.build();
        assert!(!messages.contains("wrote"), "edit {n}:\n{messages}");
    }
}

/// docs/workflow.md's faster edit loop: with the `dev-dylib` feature the
/// debug binary takes ferro's runtime from `libferro_dylib.so`, which it
/// finds through its run path or `cargo run`, but not copied elsewhere; a
/// build without debug assertions (as a release build
/// is) links the runtime into the binary as before, and runs with nothing
/// beside it.
#[test]
fn dev_dylib_links_the_runtime_as_a_shared_library_in_debug_builds_only() {
    let app = App::with_dylib();
    app.build();
    let binary = workspace().join("target/scratch/debug").join(&app.package);
    let needed = ferro_tests::elf_needed(&binary);
    assert!(
        needed.iter().any(|l| l == "libferro_dylib.so") && needed.iter().any(|l| l.starts_with("libstd-")),
        "{needed:?}"
    );
    // The build script, which cargo ran with the library path set, takes
    // ferro-build from its own shared library.
    let needed = ferro_tests::elf_needed(&app.build_script());
    assert!(
        needed.iter().any(|l| l == "libferro_build_dylib.so"),
        "{needed:?}"
    );

    // The build script gave it a run path to both: beside it in `deps/`,
    // and the toolchain's folder of the standard library.
    let run_path = ferro_tests::elf_run_path(&binary).unwrap_or_default();
    assert!(
        run_path.starts_with("$ORIGIN/deps:$ORIGIN:") && run_path.contains("/lib/rustlib/"),
        "{run_path}"
    );
    let url = format!("sqlite://{}", app.root.join("debug.db").display());
    let by_hand = |binary: &Path, command: &[&str]| {
        Command::new(binary)
            .args(["--database-url", &url])
            .args(command)
            .env_remove("LD_LIBRARY_PATH")
            .current_dir(&app.root)
            .output()
            .expect("the loader runs")
    };
    // Copied away from `target/debug`, it does not find ferro's, and the
    // loader says so before anything runs.
    let copy = app.root.join("copied-binary");
    std::fs::copy(&binary, &copy).unwrap();
    let output = by_hand(&copy, &["upgrade", "head"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success()
            && stderr.contains("error while loading shared libraries")
            && stderr.contains("libferro_dylib.so"),
        "{stderr}"
    );
    assert!(!app.root.join("debug.db").exists());
    // Started by hand where cargo put it, without a library path, it finds
    // them.
    let output = by_hand(&binary, &["upgrade", "head"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Through `cargo run`, which sets the library path to both, too.
    let cargo_run = |command: &[&str]| {
        let run = [
            "run",
            "--quiet",
            "--offline",
            "-p",
            &app.package,
            "--",
            "--database-url",
            &url,
        ];
        let output = app.cargo(&[&run[..], command].concat(), false);
        assert!(
            output.status.success(),
            "{command:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    cargo_run(&["upgrade", "head"]);
    let id = app.id("0001_initial.rs");
    let current = cargo_run(&["current"]);
    assert!(current.contains(&id), "{current}");

    // Debug assertions off for the migrations crate alone: its `cfg`s no
    // longer name the shared libraries, and the binary and the build script
    // hold what they took from them.
    let manifest = app.root.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    write(
        &manifest,
        &format!(
            "{text}\n[profile.dev.package.{}]\ndebug-assertions = false\n",
            app.package
        ),
    );
    app.build();
    let needed = ferro_tests::elf_needed(&app.build_script());
    assert!(
        !needed.iter().any(|l| l.contains("ferro_build_dylib")),
        "{needed:?}"
    );
    let needed = ferro_tests::elf_needed(&binary);
    assert!(
        !needed
            .iter()
            .any(|l| l.contains("ferro_dylib") || l.starts_with("libstd-")),
        "{needed:?}"
    );
    assert_eq!(ferro_tests::elf_run_path(&binary), None);
    // Copied anywhere, it runs.
    std::fs::copy(&binary, &copy).unwrap();
    let output = by_hand(&copy, &["current"]);
    let current = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && current.contains(&id),
        "{current}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
