//! The schema's JSON form: the snapshot a migrations crate commits.
//!
//! The form is stable and deterministic: the same [`Schema`] always serialises to
//! the same bytes. Keys come in a fixed order, tables and constraints sorted by
//! name, columns in declaration order, fields at their default left out. It is
//! laid out for review in a diff: a list of objects (tables, columns, indexes,
//! ...) has one element after another, and anything else that fits on a line of
//! [`LINE_WIDTH`] characters is written on one line, so a changed column is a
//! changed line. It starts with a `format_version`; a reader refuses a version it
//! does not know rather than guess.
//!
//! ```
//! use ferro::{schema::Schema, snapshot};
//! let json = snapshot::to_json(&Schema::default());
//! assert_eq!(json, "{\n  \"format_version\": 1,\n  \"tables\": []\n}\n");
//! assert_eq!(snapshot::from_json(&json).unwrap(), Schema::default());
//! ```

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use crate::schema::{Schema, SchemaError, Table, View};

mod compact;
mod layout;

/// The version of the JSON form that this release writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The widest line the layout joins a value onto.
pub const LINE_WIDTH: usize = 100;

/// Why a text is not a snapshot this release can read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The text is not JSON of the snapshot's shape.
    #[error("not a valid schema snapshot: {0}")]
    Malformed(#[source] serde_json::Error),
    /// The snapshot was written in a format this release does not know.
    #[error(
        "schema snapshot format version {found} is not supported; this release reads version {FORMAT_VERSION}"
    )]
    UnsupportedVersion {
        /// The version the snapshot declares.
        found: u64,
    },
    /// The snapshot parses, but its tables are not a valid schema.
    #[error("the schema snapshot is inconsistent: {0}")]
    Invalid(#[source] SchemaError),
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct In {
    format_version: u64,
    #[serde(default)]
    revision: Option<String>,
    tables: Vec<Table>,
    #[serde(default)]
    views: Vec<View>,
}

/// A committed snapshot: the schema that the newest migration leaves, and that
/// migration's revision id (none before the first migration).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The revision the schema belongs to.
    pub revision: Option<String>,
    /// The schema.
    pub schema: Schema,
}

#[derive(serde::Deserialize)]
struct Version {
    format_version: Option<u64>,
}

impl Snapshot {
    /// The JSON form, with the revision after the format version.
    pub fn to_json(&self) -> String {
        Serialized::new(&self.schema).to_json(self.revision.as_deref())
    }

    /// Reads a snapshot, checking the format version first.
    pub fn from_json(json: &str) -> Result<Snapshot, SnapshotError> {
        // One parse when all is well; only a text that does not parse is read
        // a second time, for its version, so that a snapshot from a newer
        // release is refused for its version rather than for a field.
        let parsed: In = match serde_json::from_str(json) {
            Ok(parsed) => parsed,
            Err(error) => {
                return Err(match serde_json::from_str::<Version>(json) {
                    Ok(Version {
                        format_version: Some(found),
                    }) if found != u64::from(FORMAT_VERSION) => SnapshotError::UnsupportedVersion { found },
                    _ => SnapshotError::Malformed(error),
                });
            }
        };
        if parsed.format_version != u64::from(FORMAT_VERSION) {
            return Err(SnapshotError::UnsupportedVersion {
                found: parsed.format_version,
            });
        }
        Ok(Snapshot {
            revision: parsed.revision,
            schema: Schema::with_views(parsed.tables, parsed.views).map_err(SnapshotError::Invalid)?,
        })
    }
}

/// A schema serialised once: for its fingerprint, for its snapshot, and for
/// reading the committed snapshot it is compared with.
#[derive(Clone, Debug)]
pub struct Serialized<'a> {
    schema: &'a Schema,
    /// Whether the text holds the `renamed_from` hints.
    hints: bool,
    /// The tables as compact JSON.
    tables: compact::Compact,
    /// The views as compact JSON; none when there are none.
    views: Option<compact::Compact>,
    /// The tables laid out as the snapshot has them, and where each table
    /// is in that text, once asked for.
    laid_out: OnceLock<(String, Vec<Range<usize>>)>,
}

/// A committed snapshot as [`Serialized::read`] reads it.
#[derive(Clone, Debug)]
pub struct Committed {
    /// The snapshot.
    pub snapshot: Snapshot,
    /// Its schema's [fingerprint](Serialized::fingerprint).
    pub fingerprint: String,
}

/// What comes before the tables' value in a snapshot's text.
const TABLES_KEY: &str = "  \"tables\": ";

/// What comes before the views' value in a snapshot's text, after the
/// tables', when there are views.
const VIEWS_KEY: &str = "  \"views\": ";

/// What comes between two tables in a snapshot's text: anything nested in
/// a table starts further in.
const SEPARATOR: &str = ",\n    ";

impl<'a> Serialized<'a> {
    fn with(schema: &'a Schema, hints: bool) -> Serialized<'a> {
        let mut tables = compact::Compact::default();
        compact::tables(&mut tables, schema.tables(), hints);
        let views = (!schema.views().is_empty()).then(|| {
            let mut views = compact::Compact::default();
            compact::views(&mut views, schema.views());
            views
        });
        Serialized {
            schema,
            hints,
            tables,
            views,
            laid_out: OnceLock::new(),
        }
    }

    /// The schema serialised.
    pub fn schema(&self) -> &'a Schema {
        self.schema
    }

    /// Serialises the schema's tables.
    pub fn new(schema: &'a Schema) -> Serialized<'a> {
        Serialized::with(schema, true)
    }

    /// Serialises the schema's tables without their `renamed_from` hints, as
    /// `Serialized::new(&schema.without_hints())` but without the copy: the
    /// state a snapshot records.
    pub fn state(schema: &'a Schema) -> Serialized<'a> {
        Serialized::with(schema, false)
    }

    /// The BLAKE3 hash (lower-case hex) of the tables in compact JSON: what a
    /// migration records as the schema it leaves.
    ///
    /// BLAKE3 rather than SHA-256 because build scripts run unoptimised, and
    /// there BLAKE3's assembly hashes a large schema about a hundred times
    /// faster than a software SHA-256.
    ///
    /// A schema without views hashes its tables alone, as before views were.
    pub fn fingerprint(&self) -> String {
        let mut hash = blake3::Hasher::new();
        hash.update(&self.tables.text);
        if let Some(views) = &self.views {
            hash.update(b"\n");
            hash.update(&views.text);
        }
        hash.finalize().to_hex().to_string()
    }

    /// The tables' value as the snapshot lays it out, and where each table
    /// is in it.
    fn laid_out(&self) -> (&str, &[Range<usize>]) {
        let (json, tables) = self.laid_out.get_or_init(|| {
            let mut json = TABLES_KEY.to_owned();
            let starts = layout::layout(&self.tables, &mut json, 2);
            let end = json.len() - "\n  ]".len();
            let mut tables = Vec::with_capacity(starts.len());
            for (n, &start) in starts.iter().enumerate() {
                let next = starts.get(n + 1).map_or(end, |next| next - SEPARATOR.len());
                tables.push(start - TABLES_KEY.len()..next - TABLES_KEY.len());
            }
            (json.split_off(TABLES_KEY.len()), tables)
        });
        (json, tables)
    }

    /// The snapshot's JSON form for `revision`.
    pub fn to_json(&self, revision: Option<&str>) -> String {
        let mut json = format!("{{\n  \"format_version\": {FORMAT_VERSION},\n");
        if let Some(revision) = revision {
            let mut literal = compact::Compact::default();
            compact::string(&mut literal, revision);
            json.push_str("  \"revision\": ");
            json.push_str(std::str::from_utf8(&literal.text).expect("UTF-8 in, UTF-8 out"));
            json.push_str(",\n");
        }
        json.push_str(TABLES_KEY);
        json.push_str(self.laid_out().0);
        if let Some(views) = &self.views {
            // Laid out after the key, whose width the layout counts.
            let mut laid = VIEWS_KEY.to_owned();
            layout::layout(views, &mut laid, 2);
            json.push_str(",\n");
            json.push_str(&laid);
        }
        json.push_str("\n}\n");
        json
    }

    /// Reads the snapshot `json` and its fingerprint, as [`Snapshot::from_json`]
    /// and [`fingerprint`] would, with the same result and the same errors.
    ///
    /// It is faster when the snapshot holds many of this schema's tables as
    /// they are, as when a build compares the models with the committed
    /// snapshot after a change to a few of them. A build script runs
    /// unoptimised, and there parsing a large snapshot is most of the time a
    /// build takes to write a migration. So a table whose text in `json` is
    /// the text this schema's table of that name would be written as, byte
    /// for byte, is taken from this schema instead of parsed: the snapshot's
    /// form writes a table one way only, and reading it back gives the table
    /// that was written. Only the other tables are parsed, and a text not laid
    /// out as a snapshot is written is read the ordinary way.
    pub fn read(&self, json: &str) -> Result<Committed, SnapshotError> {
        if let Some(committed) = self.read_alongside(json) {
            return committed;
        }
        let snapshot = Snapshot::from_json(json)?;
        let fingerprint = fingerprint(&snapshot.schema);
        Ok(Committed {
            snapshot,
            fingerprint,
        })
    }

    /// [`Serialized::read`] for a text laid out as a snapshot is written; none
    /// for any other text, which is left to [`Snapshot::from_json`] and its
    /// errors.
    fn read_alongside(&self, json: &str) -> Option<Result<Committed, SnapshotError>> {
        // A snapshot with views, or a schema with some, is read the ordinary
        // way: views are few.
        if self.views.is_some() || json.contains(&format!("\n{VIEWS_KEY}")) {
            return None;
        }
        // A JSON string holds no raw line break, so the first line that
        // starts with the key is the key.
        let at = json.find(&format!("\n{TABLES_KEY}"))? + 1;
        let value = json[at..].strip_prefix(TABLES_KEY)?.strip_suffix("\n}\n")?;
        let header = Snapshot::from_json(&format!("{}{TABLES_KEY}[]\n}}\n", &json[..at])).ok()?;
        let (ours, spans) = self.laid_out();
        // Each of this schema's tables by its first two lines, which hold
        // its name.
        let by_start: HashMap<&str, usize> = spans
            .iter()
            .enumerate()
            .map(|(i, span)| (start(&ours[span.clone()]), i))
            .collect();
        let mut taken: HashMap<&str, usize> = HashMap::new();
        let mut tables = Vec::new();
        if value != "[]" {
            let body = value.strip_prefix("[\n    ")?.strip_suffix("\n  ]")?;
            // Table by table, comparing each with ours of its name without
            // scanning it; only the others are searched for their end.
            let mut at = 0;
            loop {
                let rest = &body[at..];
                let same = |&i: &usize| {
                    let text = &ours[spans[i].clone()];
                    rest.starts_with(text) && ends_table(&rest[text.len()..])
                };
                let len = match by_start.get(start(rest)).copied().filter(same) {
                    Some(i) => {
                        let table = &self.schema.tables()[i];
                        taken.insert(&table.name, i);
                        tables.push(if self.hints {
                            table.clone()
                        } else {
                            table.without_hints()
                        });
                        spans[i].len()
                    }
                    None => {
                        let len = rest.find(",\n    {").unwrap_or(rest.len());
                        tables.push(serde_json::from_str(&rest[..len]).ok()?);
                        len
                    }
                };
                at += len;
                if at == body.len() {
                    break;
                }
                at += SEPARATOR.len();
            }
        }
        let schema = match Schema::new(tables) {
            Ok(schema) => schema,
            Err(error) => return Some(Err(SnapshotError::Invalid(error))),
        };
        // The fingerprint: the compact text this schema already holds for a
        // table taken from it, the table written for the others.
        let compact = self.tables.elements();
        let mut hash = blake3::Hasher::new();
        hash.update(b"[");
        for (n, table) in schema.tables().iter().enumerate() {
            if n > 0 {
                hash.update(b",");
            }
            match taken.get(table.name.as_ref()) {
                // A model table with hints differs from the state taken from
                // it, and is written below.
                Some(&i) if *table == self.schema.tables()[i] => {
                    hash.update(&self.tables.text[compact[i].clone()]);
                }
                _ => {
                    let mut one = compact::Compact::default();
                    compact::table(&mut one, table, true);
                    hash.update(&one.text);
                }
            }
        }
        hash.update(b"]");
        let fingerprint = hash.finalize().to_hex().to_string();
        Some(Ok(Committed {
            snapshot: Snapshot {
                revision: header.revision,
                schema,
            },
            fingerprint,
        }))
    }
}

/// Whether a table's text ends where `rest` starts: at the end of the list,
/// or before the next table.
fn ends_table(rest: &str) -> bool {
    rest.is_empty()
        || rest
            .strip_prefix(SEPARATOR)
            .is_some_and(|next| next.starts_with('{'))
}

/// An element's first two lines, which hold a table's name; all of it if it
/// is on one line.
fn start(element: &str) -> &str {
    let second = element
        .find('\n')
        .and_then(|i| element[i + 1..].find('\n').map(|j| i + 1 + j));
    second.map_or(element, |end| &element[..end])
}

/// The fingerprint of a schema; see [`Serialized::fingerprint`].
pub fn fingerprint(schema: &Schema) -> String {
    Serialized::new(schema).fingerprint()
}

/// The schema's JSON form.
pub fn to_json(schema: &Schema) -> String {
    Serialized::new(schema).to_json(None)
}

/// Reads a schema from its JSON form, checking the format version first.
pub fn from_json(json: &str) -> Result<Schema, SnapshotError> {
    Snapshot::from_json(json).map(|s| s.schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERS: &str = r#"{
  "format_version": 1,
  "tables": [
    {
      "name": "users",
      "columns": [
        {"name": "id", "type": "bigint", "nullable": false, "auto_increment": true},
        {"name": "balance", "type": {"numeric": {"precision": 12, "scale": 2}}, "nullable": false}
      ],
      "primary_key": {"name": "pk_users", "columns": ["id"]}
    }
  ]
}
"#;

    /// Views follow the tables, and only when there are some: a schema
    /// without views is written, and fingerprinted, as before them.
    #[test]
    fn views_come_after_the_tables_when_there_are_some() {
        let plain = from_json(USERS).unwrap();
        let with = Schema::with_views(
            plain.tables().to_vec(),
            [crate::schema::View::new("rich", "SELECT id FROM users WHERE balance > 1000").materialized()],
        )
        .unwrap();
        let json = to_json(&with);
        assert!(
            json.ends_with(
                "  ],\n  \"views\": [\n    {\n      \"name\": \"rich\",\n      \
                 \"sql\": \"SELECT id FROM users WHERE balance > 1000\",\n      \
                 \"materialized\": true,\n      \"reads\": [\"users\"]\n    }\n  ]\n}\n"
            ),
            "{json}"
        );
        assert_eq!(from_json(&json).unwrap(), with);
        assert_eq!(to_json(&plain), USERS);
        assert_ne!(fingerprint(&with), fingerprint(&plain));
        let mut views = compact::Compact::default();
        compact::views(&mut views, with.views());
        assert_eq!(
            views.text,
            serde_json::to_string(with.views()).unwrap().into_bytes()
        );
        // Read beside a schema, with or without views, as on its own.
        for ours in [&plain, &with] {
            let read = Serialized::new(ours).read(&json).unwrap();
            assert_eq!(read.snapshot.schema, with);
            assert_eq!(read.fingerprint, fingerprint(&with));
        }
    }

    #[test]
    fn reading_and_writing_give_back_the_same_bytes() {
        let schema = from_json(USERS).unwrap();
        assert_eq!(to_json(&schema), USERS);
    }

    /// A list of objects inside a value, and a value too wide for its line,
    /// break over lines; the rest stays on one line.
    const WIDE: &str = r#"{
  "format_version": 1,
  "revision": "0123456789ab",
  "tables": [
    {
      "name": "users",
      "columns": [
        {"name": "id", "type": "bigint", "nullable": false, "auto_increment": true},
        {
          "name": "mood",
          "type": {
            "enum": {
              "name": "mood",
              "values": [
                {"name": "happy"},
                {"name": "sad"}
              ]
            }
          },
          "nullable": false
        },
        {
          "name": "note",
          "type": "text",
          "nullable": false,
          "default": "'a default long enough to push this column past the line width'"
        },
        {"name": "tags", "type": {"varchar": 20}, "nullable": true, "comment": "a, b: c"}
      ],
      "primary_key": {"name": "pk_users", "columns": ["id"]},
      "indexes": [
        {"name": "ix_users_note", "columns": ["note"]}
      ],
      "checks": [
        {"name": "ck_users_tags", "expr": "tags <> ''"}
      ]
    }
  ]
}
"#;

    #[test]
    fn wide_and_nested_values_break_over_lines() {
        let snapshot = Snapshot::from_json(WIDE).unwrap();
        assert_eq!(snapshot.revision.as_deref(), Some("0123456789ab"));
        assert_eq!(snapshot.to_json(), WIDE);
    }

    /// A snapshot read alongside a schema that differs from it in a table:
    /// the tables they share are taken from the schema, the other is parsed,
    /// and the result is what the plain reader gives.
    #[test]
    fn a_snapshot_is_read_alongside_the_schema_it_is_close_to() {
        let old = Snapshot::from_json(WIDE).unwrap();
        let mut tables = old.schema.tables().to_vec();
        let mut orders = Table::new("orders");
        orders.columns = tables[0].columns[1..2].to_vec().into();
        tables.push(orders);
        let models = Schema::new(tables).unwrap();
        let state = Serialized::state(&models);
        let read = state.read_alongside(WIDE).expect("a laid-out snapshot").unwrap();
        assert_eq!(read.snapshot, old);
        assert_eq!(read.fingerprint, fingerprint(&old.schema));
        // The models' state laid out reads back as it is.
        let json = state.to_json(Some("r"));
        let read = state.read_alongside(&json).expect("a laid-out snapshot").unwrap();
        assert_eq!(read.snapshot.schema, models);
        assert_eq!(read.fingerprint, state.fingerprint());
        // Another layout is read the plain way, with the same result.
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(WIDE).unwrap()).unwrap();
        assert!(state.read_alongside(&pretty).is_none());
        assert_eq!(state.read(&pretty).unwrap().snapshot, old);
        // A table cut from the text: the rest is taken as it is.
        let cut = json.replace(
            &json[json.find("\n    {").unwrap()..json.find(",\n    {").unwrap() + 1],
            "",
        );
        let alongside = state.read_alongside(&cut).expect("still laid out").unwrap();
        assert_eq!(alongside.snapshot, Snapshot::from_json(&cut).unwrap());
        assert_eq!(alongside.snapshot.schema.tables().len(), 1);
        // A table edited into an invalid one is parsed, and refused as the
        // plain reader refuses it.
        let bad = json.replace("\"columns\": [\"note\"]", "\"columns\": [\"nope\"]");
        let alongside = state.read_alongside(&bad).expect("still laid out").unwrap_err();
        assert!(matches!(
            alongside,
            SnapshotError::Invalid(SchemaError::UnknownColumn { .. })
        ));
        assert_eq!(alongside.to_string(), from_json(&bad).unwrap_err().to_string());
    }

    #[test]
    fn an_unknown_format_version_is_refused() {
        let newer = USERS.replace("\"format_version\": 1", "\"format_version\": 2");
        let err = from_json(&newer).unwrap_err();
        assert!(matches!(err, SnapshotError::UnsupportedVersion { found: 2 }));
        assert_eq!(
            err.to_string(),
            "schema snapshot format version 2 is not supported; this release reads version 1"
        );
        let missing = USERS.replace("\"format_version\": 1,", "");
        let err = from_json(&missing).unwrap_err();
        assert!(
            err.to_string().contains("missing field `format_version`"),
            "{err}"
        );
    }

    #[test]
    fn malformed_text_says_where() {
        let err = from_json(&USERS.replace("\"nullable\": false}", "\"nullable\": maybe}")).unwrap_err();
        assert!(matches!(err, SnapshotError::Malformed(_)));
        assert!(err.to_string().contains("line 8"), "{err}");
        let typo = USERS.replace("\"nullable\"", "\"nulable\"");
        let err = from_json(&typo).unwrap_err();
        assert!(err.to_string().contains("unknown field `nulable`"), "{err}");
    }

    #[test]
    fn an_inconsistent_snapshot_is_refused() {
        let key = "\"primary_key\": {\"name\": \"pk_users\", \"columns\": [\"id\"]}";
        let bad_index = format!("{key},\n      \"indexes\": [{{\"name\": \"ix\", \"columns\": [\"nope\"]}}]");
        let err = from_json(&USERS.replace(key, &bad_index)).unwrap_err();
        assert!(
            matches!(err, SnapshotError::Invalid(SchemaError::UnknownColumn { .. })),
            "{err}"
        );
    }

    /// Tables that use every field, variant and escape the writer knows.
    fn everything() -> Vec<Table> {
        use crate::schema::{
            Action, Check, Column, EnumType, EnumValue, ForeignKey, Index, JoinSide, ManyToMany, PrimaryKey,
            SqlType, UniqueConstraint,
        };
        let mood = EnumType {
            name: "mood".into(),
            values: vec![
                EnumValue {
                    name: "happy".into(),
                    renamed_from: Some("glad".into()),
                },
                EnumValue {
                    name: "sad".into(),
                    renamed_from: None,
                },
            ]
            .into(),
        };
        let types = [
            SqlType::SmallInt,
            SqlType::Integer,
            SqlType::BigInt,
            SqlType::Real,
            SqlType::Double,
            SqlType::Boolean,
            SqlType::Text,
            SqlType::Varchar(40),
            SqlType::Blob,
            SqlType::Numeric {
                precision: Some(12),
                scale: Some(2),
            },
            SqlType::Numeric {
                precision: Some(5),
                scale: None,
            },
            SqlType::Numeric {
                precision: None,
                scale: None,
            },
            SqlType::Uuid,
            SqlType::Timestamp { with_time_zone: true },
            SqlType::Timestamp {
                with_time_zone: false,
            },
            SqlType::Date,
            SqlType::Time,
            SqlType::Json,
            SqlType::Enum(mood),
            SqlType::Custom("a \"quoted\" \\ type\n\t\r\u{8}\u{c}\u{1}\u{7f} é".into()),
        ];
        let columns: Vec<Column> = types
            .into_iter()
            .enumerate()
            .map(|(i, ty)| {
                let mut column = Column::new(format!("c{i}"), ty);
                if i % 2 == 0 {
                    column = column.nullable().default("'x'").comment("a \"comment\"");
                }
                if i == 2 {
                    column = column.collation("und-x-icu");
                }
                if i == 3 {
                    column = column.generated("c1 * 2", true);
                }
                if i == 5 {
                    column = column.generated("'a' || \"c2\"", false);
                }
                if i == 1 {
                    column = column.auto_increment();
                    column.renamed_from = Some("old".into());
                }
                column
            })
            .collect();
        let mut t = Table::new("things");
        t.columns = columns.into();
        t.primary_key = Some(PrimaryKey::new("pk_things", ["c1"]));
        t.indexes = vec![
            Index::new("ix_a", ["c2", "c3"]),
            Index::new("ix_b", ["c4"]).unique(),
            Index::new("ix_d", ["c2", "c3"]).descending(["c3"]),
            Index::new("ix_c", ["c4"]).predicate("c4 <> 'a \\\"b\\\"'"),
            Index::new("ix_e", ["c2", "c3"])
                .using("gist")
                .operator_class("c3", "public.text_ops")
                .include(["c4"]),
            Index::on_expressions("ix_f", ["lower(c2)", "c3 || 'x'"]).unique(),
        ]
        .into();
        t.unique_constraints = vec![UniqueConstraint::new("uq_a", ["c5"])].into();
        t.foreign_keys = vec![
            ForeignKey::new("fk_a", ["c1"], "things", ["c1"]),
            ForeignKey::new("fk_b", ["c2"], "things", ["c1"])
                .on_delete(Action::SetNull)
                .on_update(Action::Cascade),
        ]
        .into();
        t.checks = vec![Check::new("ck_a", "c1 > 0")].into();
        t.many_to_many = vec![ManyToMany {
            table: None,
            source: JoinSide {
                model: "Thing".into(),
                table: "things".into(),
                key_column: "c1".into(),
                key_type: SqlType::BigInt,
            },
            target: JoinSide {
                model: "Tag".into(),
                table: "tags".into(),
                key_column: "id".into(),
                key_type: SqlType::Varchar(10),
            },
        }]
        .into();
        t.comment = Some("table\ncomment".into());
        t.renamed_from = Some("stuff".into());
        let mut bare = Table::new("bare");
        bare.columns = vec![Column::new("id", SqlType::Integer)].into();
        bare.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()].into(),
        });
        vec![t, bare]
    }

    #[test]
    fn the_hand_written_writer_writes_what_serde_json_writes() {
        let tables = everything();
        let mut ours = compact::Compact::default();
        compact::tables(&mut ours, &tables, true);
        assert_eq!(
            String::from_utf8(ours.text).unwrap(),
            serde_json::to_string(&tables).unwrap()
        );
        let bare: Vec<Table> = tables.iter().map(Table::without_hints).collect();
        let mut ours = compact::Compact::default();
        compact::tables(&mut ours, &tables, false);
        assert_eq!(
            String::from_utf8(ours.text).unwrap(),
            serde_json::to_string(&bare).unwrap()
        );
    }

    #[test]
    fn strings_are_escaped() {
        let numeric = "{\"numeric\": {\"precision\": 12, \"scale\": 2}}";
        let json = USERS.replace(numeric, "{\"custom\": \"a \\\"quoted\\\" type\"}");
        let schema = from_json(&json).unwrap();
        assert_eq!(to_json(&schema), json);
    }
}
