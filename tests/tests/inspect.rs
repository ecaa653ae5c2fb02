//! `inspect` proved by round trip, on SQLite, PostgreSQL and MariaDB.
//!
//! Databases built by Ferro (the conformance fixtures' schemas, the blog,
//! the model zoo and a large synthetic schema) and databases built by plain
//! SQL files (`tests/inspect/*.sql`, with what real applications hold that
//! a model cannot declare) are read with `ferro::runtime::inspect`, and
//! `ferro::inspect::models` writes their models. One real `cargo build`
//! compiles every written crate's models (each in a module of one scratch
//! crate), and then, for each database:
//!
//! - the written models' schema is the one read, as the database stores it
//!   (what `check --schema` compares after `stamp`: nothing to migrate);
//! - for a database Ferro built: nothing was left unexpressed, and the first
//!   migration of the written models, applied to an empty database, builds
//!   the schema read (read back from that database), and Alembic's
//!   `compare_metadata` finds the written models' SQLAlchemy module equal to
//!   the database they were read from (SQLite and PostgreSQL, tables with
//!   `sql_type` columns aside, as in the bridge's own tests);
//! - for a plain SQL database: each thing it holds that a model cannot
//!   declare is named on a `// ferro: not expressible` line.
//!
//! `adopting_a_database_through_the_commands` is the user's way: `ferro
//! inspect`, `ferro init`, `cargo build`, `stamp head` and `check --schema`.
//!
//! Sizes: `FERRO_INSPECT_TABLES` tables in the synthetic schema (default 60;
//! 1000 in a longer run, docs/performance.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[path = "support/conformance.rs"]
#[allow(dead_code, reason = "the conformance tests use the rest")]
mod conformance;

use ferro::runtime::{Database, Dialect, Migrator, Target, inspect, stored};
use ferro::schema::{Action, Schema, SqlType};
use ferro_tests::pair::{self, A, by_name, differences, read_back};

/// A database read, with the models written from it.
struct Read {
    dialect: Dialect,
    /// What was read: `zoo`, `conformance varchar_length_grow`, `plain SQL`, ...
    what: String,
    /// The schema read.
    schema: Schema,
    /// The written models.
    models: ferro::inspect::Models,
    /// Whether Ferro built the database (else plain SQL did).
    by_ferro: bool,
    url: String,
    _dir: Option<tempfile::TempDir>,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned()
}

/// `schema` as a database of `d` can hold it: on MySQL, which indexes no
/// `LONGTEXT`, has no `CITEXT` and InnoDB no `SET DEFAULT`, a text column in
/// a key or an index is a `VARCHAR(100)`, a column of a verbatim type is
/// left out, and `SET DEFAULT` is `RESTRICT`.
fn held_by(d: Dialect, schema: Schema) -> Schema {
    if d != Dialect::MySql {
        return schema;
    }
    let views = schema.views().to_vec();
    let tables = schema.into_tables().into_iter().map(|mut t| {
        let keyed: Vec<String> = t
            .indexes
            .iter()
            .map(|ix| &ix.columns)
            .chain(t.unique_constraints.iter().map(|uq| &uq.columns))
            .chain(t.primary_key.iter().map(|pk| &pk.columns))
            .chain(t.foreign_keys.iter().map(|fk| &fk.columns))
            .flat_map(|columns| columns.iter().map(|c| c.to_string()))
            .collect();
        let columns = t
            .columns
            .iter()
            .filter(|c| !matches!(c.ty, SqlType::Custom(_)))
            .map(|c| {
                let mut c = c.clone();
                if matches!(c.ty, SqlType::Text | SqlType::Blob) && keyed.contains(&c.name.to_string()) {
                    c.ty = SqlType::Varchar(100);
                }
                c
            });
        t.columns = columns.collect::<Vec<_>>().into();
        for fk in t.foreign_keys.to_mut() {
            for action in [&mut fk.on_delete, &mut fk.on_update] {
                if *action == Action::SetDefault {
                    *action = Action::Restrict;
                }
            }
        }
        t
    });
    Schema::with_views(tables, views).expect("the schema resolves as MySQL holds it")
}

/// The schemas Ferro builds on `d` for the round trip.
fn schemas(d: Dialect) -> Vec<(String, Schema)> {
    let tables: usize = std::env::var("FERRO_INSPECT_TABLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(60);
    let mut out = vec![
        (
            "the zoo".to_owned(),
            ferro_tests::schema().expect("the zoo resolves"),
        ),
        (
            "the blog".to_owned(),
            blog_models::schema().expect("the blog resolves"),
        ),
        (
            format!("{tables} synthetic tables"),
            Schema::new(ferro_tests::synthetic::descriptors(tables)).expect("the synthetic schema resolves"),
        ),
        ("views".to_owned(), with_views(d)),
    ];
    let mut seen = std::collections::HashSet::new();
    for case in conformance::cases() {
        if !conformance::applies(d, case.id) {
            continue;
        }
        for (side, tables) in [("A", case.a), ("B", case.b)] {
            let schema = Schema::new(tables).expect("a conformance schema resolves");
            if seen.insert(format!("{schema:?}")) {
                out.push((format!("conformance {} {side}", case.id), schema));
            }
        }
    }
    out.into_iter()
        .map(|(what, schema)| (what, held_by(d, schema)))
        .collect()
}

/// The conformance fixtures' `parent` and `child` with views over them: one
/// reading a view, and on PostgreSQL a materialized one.
fn with_views(d: Dialect) -> Schema {
    use ferro::schema::View;
    let mut views = vec![
        View::new("coded", "SELECT id, code FROM parent WHERE code IS NOT NULL"),
        View::new(
            "children_per_parent",
            "SELECT parent_id, count(*) AS n FROM child GROUP BY parent_id",
        ),
        View::new("coded_ids", "SELECT id FROM coded"),
    ];
    if d == Dialect::Postgres {
        views.push(View::new("codes", "SELECT DISTINCT code FROM parent").materialized());
    }
    Schema::with_views(conformance::family(|_| {}), views).expect("the views resolve")
}

/// Builds `schema` on the empty database at `url` through a migration.
async fn build(url: &str, schema: &Schema) -> Result<Database, String> {
    let d = Dialect::of_url(url).map_err(|e| e.to_string())?;
    pair::set(schema, schema, d);
    let mut db = Database::connect(url).await.map_err(|e| e.to_string())?;
    if d == Dialect::Postgres {
        // The zoo's `CITEXT`.
        ferro_tests::run_sql(url, "CREATE EXTENSION IF NOT EXISTS citext").await?;
    }
    Migrator::new(&pair::MIGRATIONS)
        .upgrade(&mut db, &Target::Revision(A.into()))
        .await
        .map_err(|e| format!("building it: {e}"))?;
    Ok(db)
}

use ferro_tests::plain_sql;

/// What the plain SQL file of `d` holds that a model cannot declare: each
/// must be in a `not expressible` line (which begins with the table's name).
fn expected_notes(d: Dialect) -> &'static [&'static str] {
    match d {
        Dialect::Sqlite => &[
            "orders: trigger orders_touch: CREATE TRIGGER",
            "editions: index editions_title_nocase: CREATE INDEX editions_title_nocase ON editions (title COLLATE NOCASE)",
            "orders: index orders_lower_note_desc: CREATE INDEX orders_lower_note_desc ON orders (lower(note) DESC)",
            "orders: the key is AUTOINCREMENT",
            "kv: the table is WITHOUT ROWID",
            "legacy: primary-key column code accepts NULL",
        ],
        Dialect::Postgres => &[
            "sequence invoice_numbers, which no column owns",
            "orders: trigger orders_touch: CREATE TRIGGER orders_touch BEFORE UPDATE ON ",
            "orders: index orders_lower_note_desc: CREATE INDEX orders_lower_note_desc ON ",
            "orders: generated column tripled: GENERATED ALWAYS AS (id * 3) STORED: ",
            "orders: column note_counter takes its default from a sequence",
            "copies: exclusion constraint copies_no_overlap: EXCLUDE USING",
            "copies: deferrable constraint copies_shelf_key: UNIQUE (shelf) DEFERRABLE",
            "payments: foreign key payments_order_id_fkey (order_id) REFERENCES orders (id): ",
        ],
        Dialect::MySql => &[
            "orders: trigger orders_touch: BEFORE UPDATE FOR EACH ROW",
            "customers: column updated_at: on update current_timestamp(6)",
            "orders: index orders_note_prefix (BTREE): note(10)",
            "orders: index orders_note_text (FULLTEXT): note",
            "tickets: column seq is auto-incremented without being the primary key",
            ": index idx_created: the name `idx_created` is used twice",
        ],
    }
}

/// How many databases of one dialect are built, read and checked at once:
/// MariaDB spends most of its time waiting on its files.
const AT_ONCE: usize = 4;

/// `f` over `items`, `AT_ONCE` at a time, each thread on a runtime of its
/// own; the results in the items' order.
fn each_at_once<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&tokio::runtime::Runtime, &T) -> R + Sync,
) -> Vec<R> {
    let chunk = items.len().div_ceil(AT_ONCE).max(1);
    std::thread::scope(|s| {
        let threads: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let f = &f;
                s.spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a runtime");
                    part.iter().map(|item| f(&runtime, item)).collect::<Vec<R>>()
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().expect("a thread of the round trip"))
            .collect()
    })
}

/// Reads every database of dialect `d`; `None` when its server is missing
/// (never under `CI`).
fn read_all(d: Dialect) -> Option<Vec<Read>> {
    ferro_tests::fresh_database(d, "inspect")?;
    let started = std::time::Instant::now();
    let mut out = each_at_once(&schemas(d), |runtime, (what, schema)| {
        let (url, dir) = ferro_tests::fresh_database(d, "inspect").expect("the database");
        let read = runtime.block_on(async {
            let mut db = build(&url, schema).await?;
            inspect(&mut db, "ferro_version").await.map_err(|e| e.to_string())
        });
        let read = read.unwrap_or_else(|e| panic!("{} {what}: {e}", d.name()));
        Read {
            dialect: d,
            models: ferro::inspect::models(&read.schema, &read.notes),
            what: what.clone(),
            schema: read.schema,
            by_ferro: true,
            url,
            _dir: dir,
        }
    });
    eprintln!(
        "{}: {} databases built and read in {:.1?}",
        d.name(),
        out.len(),
        started.elapsed()
    );
    let (url, dir) = ferro_tests::fresh_database(d, "inspect").expect("the database");
    let read = ferro_tests::block_on(async {
        ferro_tests::run_sql(&url, plain_sql(d).1).await?;
        let mut db = Database::connect(&url).await.map_err(|e| e.to_string())?;
        inspect(&mut db, "ferro_version").await.map_err(|e| e.to_string())
    });
    let read = read.unwrap_or_else(|e| panic!("{} plain SQL: {e}", d.name()));
    let models = ferro::inspect::models(&read.schema, &read.notes);
    if std::env::var_os("FERRO_INSPECT_SHOW").is_some() {
        eprintln!("{}", models.source);
    }
    out.push(Read {
        dialect: d,
        models,
        what: format!("plain SQL ({}.sql)", plain_sql(d).0),
        schema: read.schema,
        by_ferro: false,
        url,
        _dir: dir,
    });
    Some(out)
}

/// `source` as a module of the scratch crate: its `schema()` lists its
/// models rather than discovering them, since every module's models are in
/// one crate.
fn as_module(source: &str) -> String {
    let models: Vec<String> = source
        .lines()
        .filter_map(|l| {
            l.strip_prefix("pub struct ")?
                .strip_suffix(" {")
                .map(str::to_owned)
        })
        .map(|name| format!("<{name} as ferro::Model>::TABLE"))
        .collect();
    // A view is a unit struct.
    let views: Vec<String> = source
        .lines()
        .filter_map(|l| {
            l.strip_prefix("pub struct ")?
                .strip_suffix(';')
                .map(str::to_owned)
        })
        .map(|name| format!("<{name} as ferro::ViewModel>::VIEW"))
        .collect();
    let list = format!(
        "let tables: Vec<ferro::schema::Table> = vec![{}];\n    \
         let views: Vec<ferro::schema::View> = vec![{}];\n    ferro::Schema::with_views(tables, views)",
        models.join(", "),
        views.join(", ")
    );
    assert!(source.contains("    ferro::schema!()\n"), "{source}");
    source.replacen("    ferro::schema!()\n", &format!("    {list}\n"), 1)
}

/// Compiles every read's models in one scratch crate and returns each one's
/// schema, or why it did not resolve.
fn compile(reads: &[Read]) -> Vec<Result<Schema, String>> {
    // A package of its own for each compile: the backends' tests run at
    // once in one target directory, where cargo would give two packages of
    // one name and layout one build (and one binary).
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    let mut modules: BTreeMap<&str, usize> = BTreeMap::new();
    for read in reads {
        let next = modules.len();
        modules.entry(&read.models.source).or_insert(next);
    }
    let mut main = String::from("#![allow(dead_code, unused)]\n\n");
    let mut writes = String::new();
    for (source, i) in &modules {
        main.push_str(&format!("mod m{i} {{\n{}}}\n\n", as_module(source)));
        writes.push_str(&format!(
            "    let text = match m{i}::schema() {{ Ok(s) => ferro::snapshot::to_json(&s), Err(e) => format!(\"error: {{e}}\") }};\n    \
             std::fs::write(out.join(\"{i}.json\"), text).unwrap();\n"
        ));
    }
    main.push_str(&format!(
        "fn main() {{\n    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap());\n{writes}}}\n"
    ));
    std::fs::create_dir_all(root.join("src")).expect("src");
    std::fs::write(root.join("src/main.rs"), main).expect("main.rs");
    let core = workspace().join("ferro-core");
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[package]\nname = \"inspected-models-{n}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [dependencies]\nferro-core = {{ path = {core:?} }}\n{}\n\n[workspace]\n",
            ferro::inspect::DEPENDENCIES.map(|(_, line)| line).join("\n")
        ),
    )
    .expect("Cargo.toml");
    let out = root.join("out");
    std::fs::create_dir_all(&out).expect("out");
    let output = ferro_tests::scratch_cargo(root)
        .args(["run", "--offline", "--quiet", "--"])
        .arg(&out)
        .env_remove("CI")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "the written models do not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    reads
        .iter()
        .map(|read| {
            let text =
                std::fs::read_to_string(out.join(format!("{}.json", modules[read.models.source.as_str()])))
                    .expect("written");
            match text.strip_prefix("error: ") {
                Some(e) => Err(e.to_owned()),
                None => ferro::snapshot::from_json(&text).map_err(|e| e.to_string()),
            }
        })
        .collect()
}

/// What is wrong with one read's round trip.
fn check(
    runtime: &tokio::runtime::Runtime,
    read: &Read,
    compiled: Result<Schema, String>,
    python: Option<&Path>,
) -> Vec<String> {
    let d = read.dialect;
    let mut wrong = Vec::new();
    let compiled = match compiled {
        Ok(schema) => schema,
        Err(e) => return vec![format!("the written models do not resolve: {e}")],
    };
    let kinds = |s: &Schema| -> Vec<(String, bool)> {
        s.views()
            .iter()
            .map(|v| (v.name.to_string(), v.materialized))
            .collect()
    };
    if kinds(&compiled) != kinds(&read.schema) || compiled.views() != read.schema.views() {
        wrong.push(format!(
            "the written models' views are not those read: {:?} against {:?}",
            compiled.views(),
            read.schema.views()
        ));
    }
    let stored_models = stored(d, &compiled);
    if by_name(&stored_models) != by_name(&read.schema) {
        wrong.push(format!(
            "the written models are not the schema read; a migration would {:?}",
            differences(&read.schema, &stored_models)
        ));
    }
    if !read.by_ferro {
        // The plain SQL file's views are models' views now.
        let expected: &[(&str, bool)] = match d {
            Dialect::Postgres => &[("paid", false), ("totals", true)],
            _ => &[("paid", false)],
        };
        let read_views: Vec<(&str, bool)> = read
            .schema
            .views()
            .iter()
            .map(|v| (v.name.as_ref(), v.materialized))
            .collect();
        if read_views != expected {
            wrong.push(format!("the views read are {read_views:?}, not {expected:?}"));
        }
        for note in expected_notes(d) {
            if !read.models.not_expressible.iter().any(|n| n.contains(note)) {
                wrong.push(format!(
                    "no `not expressible` line has {note:?}; they are {:#?}",
                    read.models.not_expressible
                ));
            }
        }
        return wrong;
    }
    if !read.models.not_expressible.is_empty() {
        wrong.push(format!(
            "a database Ferro built holds what a model cannot say: {:?}",
            read.models.not_expressible
        ));
    }
    // The first migration of the written models builds the schema read.
    let (url, _dir) = ferro_tests::fresh_database(d, "inspect_again").expect("the database");
    let rebuilt = runtime.block_on(async {
        let mut db = build(&url, &compiled).await?;
        read_back(&mut db, &compiled, "the written models' first migration").await?;
        // Its views too, by name and kind.
        let drift = Migrator::new(&pair::MIGRATIONS)
            .drift(&mut db)
            .await
            .map_err(|e| e.to_string())?;
        match drift.differences.is_empty() {
            true => Ok(()),
            false => Err(format!("the first migration's views: {:?}", drift.differences)),
        }
    });
    if let Err(e) = rebuilt {
        wrong.push(e);
    }
    // Alembic compares the written models with the database they were read from.
    let custom = compiled
        .tables()
        .iter()
        .any(|t| t.columns.iter().any(|c| matches!(c.ty, SqlType::Custom(_))));
    if let Some(python) = python
        && d != Dialect::MySql
        && !custom
    {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let module = dir.path().join("inspected.py");
        std::fs::write(&module, ferro::sqlalchemy::module(&compiled, "inspected models")).expect("written");
        let found = ferro_tests::python::compare_metadata(python, &module, &read.url);
        if !found.is_empty() {
            wrong.push(format!("Alembic finds differences:\n{}", found.join("\n")));
        }
    }
    wrong
}

#[test]
fn inspected_models_give_back_the_schema_they_were_read_from() {
    let dialects = [Dialect::Sqlite, Dialect::Postgres, Dialect::MySql];
    let reads: Vec<Read> = std::thread::scope(|s| {
        let threads: Vec<_> = dialects.map(|d| s.spawn(move || read_all(d))).into();
        threads
            .into_iter()
            .flat_map(|t| t.join().expect("the reads").unwrap_or_default())
            .collect()
    });
    let compiled: Vec<(&Read, Result<Schema, String>)> = reads.iter().zip(compile(&reads)).collect();
    let python = ferro_tests::python::interpreter();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for read in &reads {
        *counts.entry(read.dialect.name()).or_default() += 1;
    }
    let wrong: Vec<String> = each_at_once(&compiled, |runtime, (read, compiled)| {
        check(runtime, read, compiled.clone(), python)
            .into_iter()
            .map(|e| format!("{} {}: {e}", read.dialect.name(), read.what))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    eprintln!("databases read, written as models, compiled and compared: {counts:?}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
