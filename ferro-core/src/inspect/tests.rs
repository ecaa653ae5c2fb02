use super::*;
use crate::schema::{Check, Index, PrimaryKey, UniqueConstraint};

fn table(name: &str, columns: Vec<Column>, key: &[&str]) -> Table {
    let mut t = Table::new(name.to_owned());
    t.columns = columns.into();
    if !key.is_empty() {
        t.primary_key = Some(PrimaryKey {
            name: None,
            columns: key.iter().map(|c| (*c).to_owned().into()).collect(),
        });
    }
    t
}

fn schema(tables: Vec<Table>) -> Schema {
    Schema::of_database(tables).expect("a valid schema")
}

#[test]
fn conventional_names_are_left_out_and_others_given() {
    let mut users = table(
        "users",
        vec![
            Column::new("id", SqlType::BigInt).auto_increment(),
            Column::new("email", SqlType::Varchar(200)),
            Column::new("handle", SqlType::Text),
            Column::new("city", SqlType::Text).nullable(),
        ],
        &["id"],
    );
    users.unique_constraints = vec![
        UniqueConstraint::new("uq_users_email", ["email"]),
        UniqueConstraint::new("users_handle_key", ["handle"]),
    ]
    .into();
    users.indexes = vec![
        Index::new("ix_users_city", ["city"]),
        Index::new("users_city_handle_idx", ["city", "handle"]).unique(),
    ]
    .into();
    let mut posts = table(
        "posts",
        vec![
            Column::new("id", SqlType::BigInt).auto_increment(),
            Column::new("author_id", SqlType::BigInt),
            Column::new("editor_id", SqlType::BigInt).nullable(),
        ],
        &["id"],
    );
    posts.primary_key.as_mut().unwrap().name = Some("posts_pkey".into());
    posts.foreign_keys = vec![
        ForeignKey::new("fk_posts_author_id_users", ["author_id"], "users", ["id"])
            .on_delete(Action::Cascade),
        ForeignKey::new("posts_editor_fkey", ["editor_id"], "users", ["id"]).on_delete(Action::SetNull),
    ]
    .into();
    let source = models(&schema(vec![users, posts]), &[]).source;
    for line in [
        "#[ferro(table = \"users\")]\n",
        "#[ferro(unique(fields(handle), name = \"users_handle_key\"))]\n",
        "#[ferro(index(fields(city, handle), name = \"users_city_handle_idx\", unique))]\n",
        "    #[ferro(primary_key)]\n    pub id: i64,\n",
        "    #[ferro(unique, max_length = 200)]\n    pub email: String,\n",
        "    #[ferro(index)]\n    pub city: Option<String>,\n",
        "#[ferro(primary_key(name = \"posts_pkey\"))]\n",
        "    #[ferro(foreign_key(references = Users, on_delete = \"CASCADE\"))]\n    pub author_id: i64,\n",
        "    #[ferro(foreign_key(references = Users, name = \"posts_editor_fkey\", on_delete = \"SET NULL\"))]\n    pub editor_id: Option<i64>,\n",
    ] {
        assert!(source.contains(line), "{line}\nnot in:\n{source}");
    }
    assert!(!source.contains("// ferro: not expressible:"), "{source}");
}

#[test]
fn names_that_are_not_rust_become_rust_and_say_their_column() {
    let t = table(
        "2024 Orders",
        vec![
            Column::new("type", SqlType::Text),
            Column::new("self", SqlType::Text),
            Column::new("Order Id", SqlType::Integer),
            Column::new("order_id", SqlType::Integer),
            Column::new("1st", SqlType::Boolean),
        ],
        &[],
    );
    let string = table("string", vec![Column::new("x", SqlType::Integer)], &[]);
    let source = models(&schema(vec![t, string]), &[]).source;
    for line in [
        "pub struct Table2024Orders {",
        "    pub r#type: String,\n",
        "    #[ferro(column = \"self\")]\n    pub self_: String,\n",
        "    #[ferro(column = \"Order Id\")]\n    pub order_id: i32,\n",
        "    #[ferro(column = \"order_id\")]\n    pub order_id2: i32,\n",
        "    #[ferro(column = \"1st\")]\n    pub c_1st: bool,\n",
        "pub struct String2 {",
    ] {
        assert!(source.contains(line), "{line}\nnot in:\n{source}");
    }
}

#[test]
fn what_the_derive_cannot_say_is_written_as_a_note_never_dropped() {
    let mut parent = table(
        "parent",
        vec![
            Column::new("a", SqlType::Integer),
            Column::new("b", SqlType::Integer),
        ],
        &["a", "b"],
    );
    parent.checks = vec![Check::new("ck_parent_weird", "a > 0 -- why")].into();
    let mut child = table(
        "child",
        vec![
            Column::new("id", SqlType::Integer),
            Column::new("a", SqlType::Integer),
            Column::new("b", SqlType::Integer),
            Column::new("note", SqlType::Text).default(";"),
        ],
        &["id"],
    );
    child.foreign_keys = vec![
        ForeignKey::new("child_ab_fkey", ["a", "b"], "parent", ["a", "b"]),
        ForeignKey::new("child_a_fkey", ["a"], "parent", ["a"]).on_delete(Action::Cascade),
    ]
    .into();
    let notes = [
        Note::on(
            "child",
            "index child_lower (an expression index): CREATE INDEX child_lower ON child (lower(note))",
        ),
        Note::of_database("view recent: CREATE VIEW recent AS SELECT 1"),
    ];
    let written = models(&schema(vec![parent, child]), &notes);
    let source = &written.source;
    for line in [
        "// ferro: not expressible: view recent: CREATE VIEW recent AS SELECT 1\n",
        "// ferro: not expressible: index child_lower (an expression index)",
        "#[ferro(foreign_key(fields(a, b), references = Parent, columns(\"a\", \"b\"), name = \"child_ab_fkey\"))]\n",
        "    #[ferro(foreign_key(references = Parent, column = \"a\", name = \"child_a_fkey\", on_delete = \"CASCADE\"))]\n    pub a: i32,\n",
        "// ferro: not expressible: check ck_parent_weird (a > 0 -- why):",
        "// ferro: not expressible: the default of column note (;):",
        "#[ferro(primary_key(fields(a, b)))]\n",
    ] {
        assert!(source.contains(line), "{line}\nnot in:\n{source}");
    }
    assert_eq!(written.not_expressible.len(), 4, "{:?}", written.not_expressible);
    // The table's notes come right before it.
    let note = source.find("child_lower").unwrap();
    let child = source.find("pub struct Child").unwrap();
    let parent = source.find("pub struct Parent").unwrap();
    assert!(note < child && child < parent, "{source}");
}

#[test]
fn types_and_enums_come_with_their_options_and_crates() {
    let t = table(
        "things",
        vec![
            Column::new("id", SqlType::Integer),
            Column::new("price", SqlType::numeric(12, 2)),
            Column::new("whole", SqlType::numeric(10, 0)),
            Column::new(
                "any",
                SqlType::Numeric {
                    precision: None,
                    scale: None,
                },
            ),
            Column::new("at", SqlType::Timestamp { with_time_zone: true }),
            Column::new("doc", SqlType::Json).nullable(),
            Column::new("ip", SqlType::custom("inet")),
            Column::new("mood", SqlType::enumeration("mood", ["happy", "so-so", "Sad"])),
            Column::new("mood2", SqlType::enumeration("mood", ["happy", "so-so", "Sad"])).nullable(),
        ],
        &["id"],
    );
    let written = models(&schema(vec![t]), &[]);
    let source = &written.source;
    for line in [
        "    #[ferro(primary_key, auto_increment = false)]\n    pub id: i32,\n",
        "    #[ferro(precision = 12, scale = 2)]\n    pub price: rust_decimal::Decimal,\n",
        "    #[ferro(precision = 10)]\n    pub whole: rust_decimal::Decimal,\n",
        "    pub any: rust_decimal::Decimal,\n",
        "    pub at: chrono::DateTime<chrono::Utc>,\n",
        "    pub doc: Option<serde_json::Value>,\n",
        "    #[ferro(sql_type = \"inet\")]\n    pub ip: String,\n",
        "#[derive(ferro::Enum)]\n#[ferro(name = \"mood\")]\npub enum Mood {\n    Happy,\n    #[ferro(rename = \"so-so\")]\n    SoSo,\n    #[ferro(rename = \"Sad\")]\n    Sad,\n}\n",
        "    pub mood: Mood,\n    pub mood2: Option<Mood>,\n",
    ] {
        assert!(source.contains(line), "{line}\nnot in:\n{source}");
    }
    assert_eq!(source.matches("pub enum").count(), 1);
    assert_eq!(
        written.crates.iter().copied().collect::<Vec<_>>(),
        ["chrono", "rust_decimal", "serde_json"]
    );
}
