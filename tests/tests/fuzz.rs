//! Fuzzing, with proptest, of what reads text from outside: the snapshot
//! reader, the migration-target parser and database-URL handling. Each
//! must answer any input with a value or an error, never a panic, and a
//! password in a URL must never reach a message.
//!
//! Every property runs `FERRO_FUZZ_CASES` cases (default 2,000, a few
//! seconds each); the budget of a longer campaign and its result are in
//! `docs/reliability.md`.

use ferro::runtime::{Database, Dialect, Graph, Target, redact};
use ferro::schema::Schema;
use ferro::schema::Table;
use ferro::snapshot::{Serialized, Snapshot, fingerprint, from_json};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: std::env::var("FERRO_FUZZ_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(2_000),
        failure_persistence: None,
        ..Config::default()
    })
}

/// The zoo's snapshot: every type and option the derive has.
fn valid_snapshot() -> String {
    Snapshot {
        revision: Some("0123456789ab".to_owned()),
        schema: ferro_tests::schema().expect("the zoo"),
    }
    .to_json()
}

/// What a snapshot that was read leads to: the migration from nothing to
/// it, planned and rendered for every database. None of it may panic.
fn use_schema(schema: &Schema) {
    let empty = Schema::new([]).expect("the empty schema");
    let plans = ferro::plan::between(&empty, schema);
    for op in plans.upgrade.steps.iter().chain(&plans.downgrade.steps) {
        for d in [Dialect::Sqlite, Dialect::Postgres, Dialect::MySql] {
            let _ = d.render(op);
        }
    }
    let _ = ferro::snapshot::fingerprint(schema);
}

/// Reading `text` alongside `models` (as a build reads the committed
/// snapshot) gives what the plain reader gives: the same snapshot and its
/// fingerprint, or the same error.
fn reads_alike(models: &Serialized<'_>, text: &str) {
    match (models.read(text), Snapshot::from_json(text)) {
        (Ok(alongside), Ok(plain)) => {
            assert_eq!(alongside.snapshot, plain);
            assert_eq!(alongside.fingerprint, fingerprint(&plain.schema));
        }
        (Err(alongside), Err(plain)) => assert_eq!(alongside.to_string(), plain.to_string()),
        (alongside, plain) => panic!("read alongside: {alongside:?}\nread plainly: {plain:?}\n{text}"),
    }
}

/// Every node of `value`, as paths of keys and indexes.
fn paths(value: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(here.clone());
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                here.push(Step::Key(key.clone()));
                paths(v, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                here.push(Step::Index(i));
                paths(v, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn node<'v>(value: &'v mut Value, path: &[Step]) -> &'v mut Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// A JSON value to put where another was: the kinds a hand edit or a bad
/// merge leaves, with the edges of numbers and names.
fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            Just(0i64),
            Just(-1),
            Just(1),
            Just(i64::MAX),
            Just(i64::MIN),
            Just(65),
            Just(1_000)
        ]
        .prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        prop_oneof![
            Just(String::new()),
            Just("x".repeat(64)),
            Just("id".to_owned()),
            Just("users".to_owned()),
            Just("\"; DROP TABLE x; --".to_owned()),
            "\\PC{0,12}",
        ]
        .prop_map(Value::String),
        Just(Value::Array(Vec::new())),
        Just(serde_json::json!({})),
        Just(serde_json::json!([{"name": "id", "type": "integer"}])),
    ]
}

/// Any text at all: an error or a snapshot, and a snapshot read is usable.
#[test]
fn the_snapshot_reader_takes_any_text() {
    runner()
        .run(&"\\PC{0,400}", |text| {
            if let Ok(schema) = from_json(&text) {
                use_schema(&schema);
            }
            Ok(())
        })
        .unwrap();
}

/// A valid snapshot with one byte range overwritten, or cut short.
#[test]
fn the_snapshot_reader_takes_damaged_snapshots() {
    let valid = valid_snapshot();
    let len = valid.len();
    let zoo = ferro_tests::schema().expect("the zoo");
    let (state, hinted) = (Serialized::state(&zoo), Serialized::new(&zoo));
    runner()
        .run(
            &(0..len, 0..64usize, "\\PC{0,8}", any::<bool>()),
            |(at, width, with, cut)| {
                let mut text = valid.as_bytes().to_vec();
                if cut {
                    text.truncate(at);
                } else {
                    let end = (at + width).min(len);
                    text.splice(at..end, with.bytes());
                }
                let text = String::from_utf8_lossy(&text);
                reads_alike(&state, &text);
                reads_alike(&hinted, &text);
                if let Ok(snapshot) = Snapshot::from_json(&text) {
                    use_schema(&snapshot.schema);
                }
                Ok(())
            },
        )
        .unwrap();
}

/// A snapshot of the zoo with some tables changed, dropped, added or
/// renamed, read alongside the zoo as a build reads it after a change to the
/// models: it reads as the plain reader reads it, the tables it shares with
/// the zoo taken from the zoo, the others parsed.
#[test]
fn a_snapshot_read_alongside_the_models_reads_as_it_is() {
    let zoo = ferro_tests::schema().expect("the zoo");
    let (state, hinted) = (Serialized::state(&zoo), Serialized::new(&zoo));
    let tables = zoo.tables().len();
    runner()
        .run(
            &(
                prop::collection::vec((0..tables, 0..5u8), 0..=4),
                prop::option::of(0..tables),
            ),
            |(edits, cut)| {
                let mut changed: Vec<Table> = zoo.tables().iter().map(Table::without_hints).collect();
                for (at, edit) in edits {
                    let at = at % changed.len();
                    let table = &mut changed[at];
                    match edit {
                        0 => table.columns.to_mut().push(
                            ferro::schema::Column::new("fuzz_extra", ferro::schema::SqlType::Text).nullable(),
                        ),
                        1 => table.comment = Some("changed".into()),
                        2 => table.name = format!("{}_renamed", table.name).into(),
                        3 => {
                            let mut copy = Table::new(format!("{}_copy", table.name));
                            copy.columns = table.columns.clone();
                            changed.push(copy);
                        }
                        _ => {
                            table.columns.to_mut().pop();
                        }
                    }
                }
                // Edits that leave no valid schema (a column a key names
                // gone) are skipped.
                let Ok(schema) = Schema::new(changed) else {
                    return Ok(());
                };
                let mut text = Snapshot {
                    revision: Some("0123456789ab".to_owned()),
                    schema,
                }
                .to_json();
                // A table cut out of the text, as a hand edit might: what
                // referred to it now dangles, and both readers refuse it.
                if let Some(cut) = cut {
                    let starts: Vec<usize> = text.match_indices("\n    {").map(|(i, _)| i).collect();
                    if let Some(&from) = starts.get(cut % starts.len().max(1)) {
                        let to = text[from + 1..]
                            .find("\n    }")
                            .map(|i| from + 1 + i + "\n    }".len());
                        if let Some(to) = to {
                            text.replace_range(from..to, "");
                            text = text
                                .replace("[,", "[")
                                .replace("},,", "},")
                                .replace("},\n  ]", "}\n  ]");
                        }
                    }
                }
                reads_alike(&state, &text);
                reads_alike(&hinted, &text);
                Ok(())
            },
        )
        .unwrap();
}

/// A valid snapshot with up to four of its JSON values replaced: wrong
/// kinds, edge numbers, empty and long names, dangling references.
#[test]
fn the_snapshot_reader_takes_edited_snapshots() {
    let valid: Value = serde_json::from_str(&valid_snapshot()).unwrap();
    let mut all = Vec::new();
    paths(&valid, &mut Vec::new(), &mut all);
    let read = AtomicUsize::new(0);
    runner()
        .run(
            &prop::collection::vec(
                (any::<prop::sample::Index>(), replacement(), any::<bool>()),
                1..=4,
            ),
            |edits| {
                let mut value = valid.clone();
                for (index, with, same_kind) in edits {
                    // An earlier edit may have removed the path; then the
                    // index finds nothing there and the edit is skipped.
                    let path = index.get(&all);
                    if pointer_exists(&value, path) {
                        let at = node(&mut value, path);
                        *at = if same_kind { of_kind(at, with) } else { with };
                    }
                }
                if let Ok(snapshot) = Snapshot::from_json(&value.to_string()) {
                    use_schema(&snapshot.schema);
                    read.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            },
        )
        .unwrap();
    // Some edits keep a snapshot that reads (a changed name, a number in
    // range), so the schema checks and what comes after them are reached.
    let read = read.into_inner();
    eprintln!("{read} edited snapshots were read");
    assert!(read > 0);
}

/// `with`, made the kind of value `like` is, so that the edit passes the
/// reader's types and reaches its checks of names, numbers and references.
fn of_kind(like: &Value, with: Value) -> Value {
    match (like, with) {
        (Value::String(_), Value::String(s)) => Value::String(s),
        (Value::String(_), other) => Value::String(other.to_string()),
        (Value::Number(_), Value::Number(n)) => Value::Number(n),
        (Value::Number(_), _) => Value::from(0),
        (Value::Bool(b), _) => Value::Bool(!b),
        (Value::Array(items), _) => Value::Array(items.iter().rev().cloned().collect()),
        (_, with) => with,
    }
}

fn pointer_exists(value: &Value, path: &[Step]) -> bool {
    let mut v = value;
    for step in path {
        v = match (step, v) {
            (Step::Key(k), Value::Object(map)) => match map.get(k) {
                Some(v) => v,
                None => return false,
            },
            (Step::Index(i), Value::Array(items)) => match items.get(*i) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    true
}

/// Any text as a target: an error or a target, which reads back as itself
/// and which the graph answers for without panicking.
#[test]
fn the_target_parser_takes_any_text() {
    let graph = Graph::new(&ferro_tests::trials::MIGRATIONS).unwrap();
    let ids = ferro_tests::trials::REVISIONS;
    let text = prop_oneof![
        "\\PC{0,24}",
        "[+-]?[0-9]{0,25}",
        "(head|heads|base|[0-9a-f]{1,12}|7a000000000[1-5])[ \t\n]{0,2}",
    ];
    runner()
        .run(&(text, 0..=ids.len()), |(text, applied)| {
            let Ok(target) = Target::parse(&text) else {
                return Ok(());
            };
            prop_assert_eq!(Target::parse(&target.to_string()).unwrap(), target.clone());
            let applied = &ids[..applied];
            let _ = graph.upgrade_path(applied, &target);
            let _ = graph.downgrade_path(applied, &target);
            let _ = graph.stamp_set(&target);
            Ok(())
        })
        .unwrap();
}

/// A password: a marker no other part of the generated URL holds, then
/// characters a password may have, `@`, `:`, `/` and `?` among them.
fn password() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9@:/?#&=%!$*+~._-]{0,16}".prop_map(|rest| format!("Pw9Q{rest}"))
}

/// A database URL with a password in the user part, in a `password=`
/// parameter, or both, of a known scheme or not.
fn url_with_password() -> impl Strategy<Value = (String, String)> {
    (
        prop_oneof![
            Just("postgres"),
            Just("postgresql"),
            Just("mysql"),
            Just("mariadb"),
            Just("sqlite"),
            Just("mssql"),
            Just("")
        ],
        "[a-z_]{0,8}",
        password(),
        "[a-z0-9.-]{0,12}(:[0-9]{1,5})?",
        "(/[a-z_]{0,8})?",
        0..5u8,
    )
        .prop_map(|(scheme, user, password, host, path, place)| {
            let url = match place {
                0 => format!("{scheme}://{user}:{password}@{host}{path}"),
                1 => format!("{scheme}://{user}@{host}{path}?sslmode=disable&password={password}"),
                2 => format!("{scheme}://{user}:{password}@{host}{path}?PASSWORD={password}&x=1"),
                // The drivers decode a parameter's name: so does `redact`.
                3 => format!("{scheme}://{host}{path}?%70assword={password}"),
                _ => format!("{scheme}://{host}{path}?user={user}&ssl%50ass%77ord={password}"),
            };
            (url, password)
        })
}

/// Any text as a URL: reading its database kind never panics, nor does
/// taking its password out.
#[test]
fn url_handling_takes_any_text() {
    runner()
        .run(&"\\PC{0,80}", |url| {
            let _ = Dialect::of_url(&url);
            let _ = redact(&url);
            Ok(())
        })
        .unwrap();
}

/// The password of a URL is in no message about it: the URL redacted, and
/// the error of a URL whose kind is unknown.
#[test]
fn a_password_never_reaches_a_message() {
    runner()
        .run(&url_with_password(), |(url, password)| {
            // The part of the password before any `@`: after it, a URL
            // parser would take the rest for the host.
            let secret = password.split('@').next().unwrap_or_default();
            prop_assert!(!redact(&url).contains(secret), "{} shows {secret}", redact(&url));
            if let Err(error) = Dialect::of_url(&url) {
                prop_assert!(!error.to_string().contains(secret), "{error}");
            }
            Ok(())
        })
        .unwrap();
}

/// Connecting to a URL that cannot be reached fails with a message that
/// holds no password (a refused port: nothing is created or waited for).
#[test]
fn a_failed_connection_shows_no_password() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let case = (
        prop_oneof![Just("postgres"), Just("mysql"), Just("mssql")],
        password(),
        any::<bool>(),
    );
    runner
        .run(&case, |(scheme, password, in_query)| {
            let url = if in_query {
                format!("{scheme}://app@127.0.0.1:1/db?password={password}")
            } else {
                format!("{scheme}://app:{password}@127.0.0.1:1/db")
            };
            let secret = password.split('@').next().unwrap_or_default();
            let error = runtime
                .block_on(Database::connect(&url))
                .expect_err("nothing listens on port 1");
            prop_assert!(!error.to_string().contains(secret), "{error}");
            prop_assert!(!format!("{error:?}").contains(secret), "{error:?}");
            Ok(())
        })
        .unwrap();
}
