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

use std::fmt;

use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::schema::{Schema, SchemaError, Table};

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

#[derive(Serialize)]
struct Out<'a> {
    format_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision: Option<&'a str>,
    tables: &'a [Table],
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct In {
    #[allow(dead_code, reason = "checked before the whole form is read")]
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
        layout(&Out {
            format_version: FORMAT_VERSION,
            revision: self.revision.as_deref(),
            tables: self.schema.tables(),
        })
    }

    /// Reads a snapshot, checking the format version first.
    pub fn from_json(json: &str) -> Result<Snapshot, SnapshotError> {
        let version: Version = serde_json::from_str(json).map_err(SnapshotError::Malformed)?;
        match version.format_version {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            Some(found) => return Err(SnapshotError::UnsupportedVersion { found }),
            None => {
                let missing = <serde_json::Error as de::Error>::missing_field("format_version");
                return Err(SnapshotError::Malformed(missing));
            }
        }
        let parsed: In = serde_json::from_str(json).map_err(SnapshotError::Malformed)?;
        Ok(Snapshot {
            revision: parsed.revision,
            schema: Schema::new(parsed.tables).map_err(SnapshotError::Invalid)?,
        })
    }
}

/// The SHA-256 (lower-case hex) of a schema's tables in compact JSON: what a
/// migration records as the schema it leaves.
pub fn fingerprint(schema: &Schema) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_string(schema.tables()).expect("a schema always serialises to JSON");
    let digest = Sha256::digest(json.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The schema's JSON form.
pub fn to_json(schema: &Schema) -> String {
    layout(&Out {
        format_version: FORMAT_VERSION,
        revision: None,
        tables: schema.tables(),
    })
}

fn layout(out: &Out<'_>) -> String {
    // Serialise compactly, then lay out: serde_json's pretty printer puts every
    // array element on a line of its own, and its `Value` sorts keys unless a
    // crate-wide feature is switched on, so the layout is done here on a tree
    // that keeps the order serde wrote.
    let compact = serde_json::to_string(out).expect("a schema always serialises to JSON");
    let tree: Node = serde_json::from_str(&compact).expect("serde_json reads what it wrote");
    let mut json = String::new();
    tree.write(&mut json, 0, true);
    json.push('\n');
    json
}

/// Reads a schema from its JSON form, checking the format version first.
pub fn from_json(json: &str) -> Result<Schema, SnapshotError> {
    Snapshot::from_json(json).map(|s| s.schema)
}

/// A JSON value that keeps its keys in the order they were read.
enum Node {
    /// A string, number, boolean or null, already in its JSON spelling.
    Scalar(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    /// Whether this is, or holds, a list of objects: such a value is always laid
    /// out one element per line.
    fn has_object_list(&self) -> bool {
        match self {
            Node::Scalar(_) => false,
            Node::Array(items) => items
                .iter()
                .any(|i| matches!(i, Node::Object(_)) || i.has_object_list()),
            Node::Object(entries) => entries.iter().any(|(_, v)| v.has_object_list()),
        }
    }

    /// The width of the one-line form if it is at most `budget`. Stops
    /// counting past the budget, so laying out a large tree stays linear.
    fn fits(&self, budget: usize) -> Option<usize> {
        let mut used = 0;
        let mut add = |n: usize| {
            used += n;
            (used <= budget).then_some(())
        };
        match self {
            Node::Scalar(s) => add(s.len())?,
            Node::Array(items) => {
                add(2 + 2 * items.len().saturating_sub(1))?;
                for item in items {
                    add(item.fits(budget)?)?;
                }
            }
            Node::Object(entries) => {
                add(2 + 2 * entries.len().saturating_sub(1))?;
                for (key, value) in entries {
                    add(key.len() + 2)?;
                    add(value.fits(budget)?)?;
                }
            }
        }
        Some(used)
    }

    fn one_line(&self) -> String {
        match self {
            Node::Scalar(s) => s.clone(),
            Node::Array(items) => {
                let items: Vec<String> = items.iter().map(Node::one_line).collect();
                format!("[{}]", items.join(", "))
            }
            Node::Object(entries) => {
                let entries: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.one_line()))
                    .collect();
                format!("{{{}}}", entries.join(", "))
            }
        }
    }

    /// Writes the value where the line so far is `out`'s last line, at `indent`;
    /// `expand` keeps it from being joined onto one line.
    fn write(&self, out: &mut String, indent: usize, expand: bool) {
        let column = out.len() - out.rfind('\n').map_or(0, |i| i + 1);
        let empty =
            matches!(self, Node::Array(v) if v.is_empty()) || matches!(self, Node::Object(v) if v.is_empty());
        let one_line = empty
            || (!expand && !self.has_object_list() && self.fits(LINE_WIDTH.saturating_sub(column)).is_some());
        if one_line {
            out.push_str(&self.one_line());
            return;
        }
        let pad = " ".repeat(indent + 2);
        match self {
            Node::Scalar(s) => out.push_str(s),
            Node::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    out.push_str(&pad);
                    item.write(out, indent + 2, false);
                }
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                out.push(']');
            }
            Node::Object(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    out.push_str(&pad);
                    out.push_str(key);
                    out.push_str(": ");
                    value.write(out, indent + 2, false);
                }
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                out.push('}');
            }
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

fn scalar<T: Serialize, E: de::Error>(value: T) -> Result<Node, E> {
    serde_json::to_string(&value).map(Node::Scalar).map_err(E::custom)
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        scalar(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        scalar(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        scalar(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        scalar(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        scalar(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar("null".to_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            let key = serde_json::to_string(&key).map_err(de::Error::custom)?;
            entries.push((key, value));
        }
        Ok(Node::Object(entries))
    }
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

    #[test]
    fn strings_are_escaped() {
        let numeric = "{\"numeric\": {\"precision\": 12, \"scale\": 2}}";
        let json = USERS.replace(numeric, "{\"custom\": \"a \\\"quoted\\\" type\"}");
        let schema = from_json(&json).unwrap();
        assert_eq!(to_json(&schema), json);
    }
}
