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

use crate::schema::{Schema, SchemaError, Table};

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
            schema: Schema::new(parsed.tables).map_err(SnapshotError::Invalid)?,
        })
    }
}

/// A schema serialised once, for both its fingerprint and its snapshot.
#[derive(Clone, Debug)]
pub struct Serialized {
    /// The tables as compact JSON.
    tables: compact::Compact,
}

impl Serialized {
    /// Serialises the schema's tables.
    pub fn new(schema: &Schema) -> Serialized {
        let mut tables = compact::Compact::default();
        compact::tables(&mut tables, schema.tables(), true);
        Serialized { tables }
    }

    /// Serialises the schema's tables without their `renamed_from` hints, as
    /// `Serialized::new(&schema.without_hints())` but without the copy: the
    /// state a snapshot records.
    pub fn state(schema: &Schema) -> Serialized {
        let mut tables = compact::Compact::default();
        compact::tables(&mut tables, schema.tables(), false);
        Serialized { tables }
    }

    /// The BLAKE3 hash (lower-case hex) of the tables in compact JSON: what a
    /// migration records as the schema it leaves.
    ///
    /// BLAKE3 rather than SHA-256 because build scripts run unoptimised, and
    /// there BLAKE3's assembly hashes a large schema about a hundred times
    /// faster than a software SHA-256.
    pub fn fingerprint(&self) -> String {
        blake3::hash(&self.tables.text).to_hex().to_string()
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
        json.push_str("  \"tables\": ");
        layout::layout(&self.tables, &mut json, 2);
        json.push_str("\n}\n");
        json
    }
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
