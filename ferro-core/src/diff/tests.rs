use super::*;
use crate::migration::type_words;
use crate::schema::{Action, EnumValue, JoinSide, ManyToMany};

// ---- helpers ---------------------------------------------------------------

fn schema(tables: impl IntoIterator<Item = Table>) -> Schema {
    Schema::new(tables).unwrap()
}

fn int(name: &'static str) -> Column {
    Column::new(name, SqlType::Integer)
}

fn text(name: &'static str) -> Column {
    Column::new(name, SqlType::Text)
}

fn big(name: &'static str) -> Column {
    Column::new(name, SqlType::BigInt)
}

/// `column`, marked as renamed from `from`.
fn renamed(mut column: Column, from: &'static str) -> Column {
    column.renamed_from = Some(from.into());
    column
}

/// A table with a BIGINT `id` primary key (named by the convention) and
/// `columns` after it.
fn table(name: &'static str, columns: impl IntoIterator<Item = Column>) -> Table {
    let mut t = Table::new(name);
    t.columns = std::iter::once(big("id")).chain(columns).collect();
    t.primary_key = Some(PrimaryKey {
        name: None,
        ..PrimaryKey::new("", ["id"])
    });
    t
}

/// An index that the convention names.
fn ix(columns: &[&'static str]) -> Index {
    Index {
        name: None,
        ..Index::new("", columns.iter().copied())
    }
}

/// A unique constraint that the convention names.
fn uq(columns: &[&'static str]) -> UniqueConstraint {
    UniqueConstraint {
        name: None,
        ..UniqueConstraint::new("", columns.iter().copied())
    }
}

/// A foreign key to `referred.id` that the convention names.
fn fk(column: &'static str, referred: &'static str) -> ForeignKey {
    ForeignKey {
        name: None,
        ..ForeignKey::new("", [column], referred, ["id"])
    }
}

/// Adds keys and constraints to a table, builder style.
trait With: Sized {
    fn with_index(self, index: Index) -> Self;
    fn with_unique(self, constraint: UniqueConstraint) -> Self;
    fn with_fk(self, key: ForeignKey) -> Self;
    fn with_check(self, check: Check) -> Self;
    fn with_pk(self, key: Option<PrimaryKey>) -> Self;
    fn renamed_from(self, from: &'static str) -> Self;
}

impl With for Table {
    fn with_index(mut self, index: Index) -> Self {
        self.indexes.to_mut().push(index);
        self
    }

    fn with_unique(mut self, constraint: UniqueConstraint) -> Self {
        self.unique_constraints.to_mut().push(constraint);
        self
    }

    fn with_fk(mut self, key: ForeignKey) -> Self {
        self.foreign_keys.to_mut().push(key);
        self
    }

    fn with_check(mut self, check: Check) -> Self {
        self.checks.to_mut().push(check);
        self
    }

    fn with_pk(mut self, key: Option<PrimaryKey>) -> Self {
        self.primary_key = key;
        self
    }

    fn renamed_from(mut self, from: &'static str) -> Self {
        self.renamed_from = Some(from.into());
        self
    }
}

/// The `mood` enum type with these values.
fn mood(values: &[&'static str]) -> SqlType {
    SqlType::enumeration("mood", values.iter().copied())
}

/// The `mood` enum type with these values, each with its `renamed_from`.
fn mood_renamed(values: &[(&'static str, Option<&'static str>)]) -> SqlType {
    SqlType::Enum(EnumType {
        name: "mood".into(),
        values: values
            .iter()
            .map(|(name, from)| EnumValue {
                name: (*name).into(),
                renamed_from: from.map(Into::into),
            })
            .collect(),
    })
}

fn cols(columns: &[Str]) -> String {
    columns.join(", ")
}

fn column_words(c: &Column) -> String {
    let mut s = type_words(&c.ty);
    s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if c.auto_increment {
        s.push_str(" AUTO_INCREMENT");
    }
    if let Some(comment) = &c.comment {
        s.push_str(&format!(" COMMENT '{comment}'"));
    }
    s
}

fn enum_words(e: &EnumType) -> String {
    let values: Vec<&str> = e.values.iter().map(|v| v.name.as_ref()).collect();
    format!("{}({})", e.name, values.join(", "))
}

fn fk_words(table: &str, k: &ForeignKey) -> String {
    let mut s = format!(
        "{table}.{}({}) to {}({})",
        name(&k.name),
        cols(&k.columns),
        k.referred_table,
        cols(&k.referred_columns)
    );
    if k.on_delete != Action::NoAction {
        s.push_str(&format!(" on delete {}", k.on_delete.as_sql()));
    }
    if k.on_update != Action::NoAction {
        s.push_str(&format!(" on update {}", k.on_update.as_sql()));
    }
    s
}

/// A change in a line, with everything a test checks.
fn describe(change: &Change) -> String {
    let before = |b: &Option<Str>| match b {
        Some(b) => format!("before {b}"),
        None => "at the end".to_owned(),
    };
    match change {
        Change::CreateEnum(e) => format!("create enum {}", enum_words(e)),
        Change::DropEnum(e) => format!("drop enum {}", enum_words(e)),
        Change::AddEnumValue {
            name,
            value,
            before: b,
        } => {
            format!("add value {value} to enum {name} {}", before(b))
        }
        Change::DropEnumValue {
            name,
            value,
            before: b,
        } => {
            format!("drop value {value} of enum {name} {}", before(b))
        }
        Change::RenameEnumValue { name, from, to } => {
            format!("rename value {from} of enum {name} to {to}")
        }
        Change::ReorderEnumValues { name, from, to } => {
            format!(
                "reorder enum {name} from ({}) to ({})",
                from.join(", "),
                to.join(", ")
            )
        }
        Change::CreateTable(t) => format!("create table {}", t.name),
        Change::DropTable(t) => format!("drop table {}", t.name),
        Change::RenameTable { from, to } => format!("rename table {from} to {to}"),
        Change::AddColumn { table, column } => {
            format!("add column {table}.{} {}", column.name, column_words(column))
        }
        Change::DropColumn { table, column } => {
            format!("drop column {table}.{} {}", column.name, column_words(column))
        }
        Change::RenameColumn { table, from, to } => format!("rename column {table}.{from} to {to}"),
        Change::AlterColumn { table, from, to } => format!(
            "alter column {table}.{}: {} -> {}",
            to.name,
            column_words(from),
            column_words(to)
        ),
        Change::AddPrimaryKey { table, key } => {
            format!(
                "add primary key {table}.{}({})",
                name(&key.name),
                cols(&key.columns)
            )
        }
        Change::DropPrimaryKey { table, key } => {
            format!(
                "drop primary key {table}.{}({})",
                name(&key.name),
                cols(&key.columns)
            )
        }
        Change::AddIndex { table, index } => format!(
            "add {}index {table}.{}({})",
            if index.unique { "unique " } else { "" },
            name(&index.name),
            cols(&index.columns)
        ),
        Change::DropIndex { table, index } => format!(
            "drop {}index {table}.{}({})",
            if index.unique { "unique " } else { "" },
            name(&index.name),
            cols(&index.columns)
        ),
        Change::AddUnique { table, constraint: c } => {
            format!("add unique {table}.{}({})", name(&c.name), cols(&c.columns))
        }
        Change::DropUnique { table, constraint: c } => {
            format!("drop unique {table}.{}({})", name(&c.name), cols(&c.columns))
        }
        Change::AddForeignKey { table, key } => format!("add foreign key {}", fk_words(table, key)),
        Change::DropForeignKey { table, key } => format!("drop foreign key {}", fk_words(table, key)),
        Change::AddCheck { table, check } => format!("add check {table}.{}: {}", check.name, check.expr),
        Change::DropCheck { table, check } => format!("drop check {table}.{}: {}", check.name, check.expr),
        Change::RenameIndex { table, from, to } => format!("rename index {table}.{from} to {to}"),
        Change::RenameConstraint { table, from, to } => {
            format!("rename constraint {table}.{from} to {to}")
        }
        Change::SetTableComment { table, from, to } => {
            format!("set comment of table {table}: {from:?} -> {to:?}")
        }
        Change::AddTableAlias { table, alias } => format!("add alias {alias} of table {table}"),
        Change::DropTableAlias { table, alias } => format!("drop alias {alias} of table {table}"),
        Change::CreateSchema(name) => format!("create schema {name}"),
        Change::CreateView(v) => format!("create view {}", v.name),
        Change::DropView(v) => format!("drop view {}", v.name),
        Change::DropSchema(name) => format!("drop schema {name}"),
    }
}

/// The changes from `from` to `to`, described; there must be no rename hints.
fn changes(from: &Schema, to: &Schema) -> Vec<String> {
    let d = diff(from, to);
    assert_eq!(d.hints, [], "unexpected rename hints");
    d.changes.iter().map(describe).collect()
}

fn users() -> Table {
    table("users", [text("email")])
}

fn posts() -> Table {
    table("posts", [big("author_id")])
        .with_fk(fk("author_id", "users"))
        .with_index(ix(&["author_id"]))
}

// ---- no change -------------------------------------------------------------

#[test]
fn identical_schemas_give_an_empty_diff() {
    let tags = table("tags", [text("label")]).with_unique(uq(&["label"]));
    let mut posts = posts()
        .with_check(Check::new("ck_posts_positive", "id > 0"))
        .with_fk(fk("editor_id", "users").on_delete(Action::SetNull));
    posts.columns.to_mut().extend([
        Column::new("mood", mood(&["happy", "sad"])),
        big("editor_id").nullable(),
    ]);
    posts.comment = Some("what people write".into());
    posts.many_to_many = vec![ManyToMany {
        table: None,
        source: side("post", "posts"),
        target: side("tag", "tags"),
    }]
    .into();
    let s = schema([users(), posts, tags]);
    assert_eq!(s.tables().len(), 4, "the join table is there too");
    let d = diff(&s, &s);
    assert!(d.is_empty());
    assert_eq!(d, Diff::default());
    assert!(diff(&Schema::default(), &Schema::default()).is_empty());
}

#[test]
fn renamed_from_hints_alone_give_no_change() {
    let before = schema([table(
        "members",
        [text("mail"), Column::new("mood", mood(&["glad", "sad"]))],
    )
    .with_index(ix(&["mail"]))]);
    // Every name a hint points at is gone already: the renames were migrated.
    let after = schema([table(
        "members",
        [
            renamed(text("mail"), "email"),
            Column::new("mood", mood_renamed(&[("glad", Some("happy")), ("sad", None)])),
        ],
    )
    .with_index(ix(&["mail"]))
    .renamed_from("users")]);
    let d = diff(&before, &after);
    assert_eq!(d, Diff::default());
    assert!(d.is_empty());
}

#[test]
fn a_hint_naming_a_column_that_is_still_there_is_no_rename() {
    let before = schema([users()]);
    let after = schema([table(
        "users",
        [text("email"), renamed(text("mail").nullable(), "email")],
    )]);
    assert_eq!(changes(&before, &after), ["add column users.mail TEXT NULL"]);
    let d = diff(&before, &after);
    let Change::AddColumn { column, .. } = &d.changes[0] else {
        panic!("{:?}", d.changes)
    };
    assert_eq!(column.renamed_from, None, "the hint is not kept");
}

// ---- tables and columns ----------------------------------------------------

#[test]
fn a_new_table_is_created_and_a_missing_one_dropped() {
    let before = schema([users()]);
    let after = schema([users(), posts()]);
    assert_eq!(changes(&before, &after), ["create table posts"]);
    let d = diff(&before, &after);
    assert_eq!(
        d.changes,
        [Change::CreateTable(after.table("posts").unwrap().clone())]
    );

    assert_eq!(changes(&after, &before), ["drop table posts"]);
    let d = diff(&after, &before);
    assert_eq!(
        d.changes,
        [Change::DropTable(after.table("posts").unwrap().clone())],
        "a dropped table carries its old definition"
    );
}

#[test]
fn a_created_table_has_no_hints() {
    let before = schema([users()]);
    let after = schema([
        users(),
        table("tags", [renamed(text("label"), "name")]).renamed_from("labels"),
    ]);
    let d = diff(&before, &after);
    let [Change::CreateTable(t)] = &d.changes[..] else {
        panic!("{:?}", d.changes)
    };
    assert_eq!(t.renamed_from, None);
    assert_eq!(t.columns[1].renamed_from, None);
}

#[test]
fn columns_are_added_and_dropped() {
    let before = schema([users()]);
    let after = schema([table("users", [text("email"), int("age").nullable()])]);
    assert_eq!(changes(&before, &after), ["add column users.age INTEGER NULL"]);
    assert_eq!(
        diff(&before, &after).changes,
        [Change::AddColumn {
            table: "users".into(),
            column: int("age").nullable(),
        }]
    );
    assert_eq!(changes(&after, &before), ["drop column users.age INTEGER NULL"]);

    // A dropped and an added column of other types (or nullability) are no rename.
    let after = schema([table("users", [text("bio").nullable()])]);
    assert_eq!(
        changes(&before, &after),
        [
            "add column users.bio TEXT NULL",
            "drop column users.email TEXT NOT NULL"
        ]
    );
}

#[test]
fn a_type_change_alters_the_column() {
    let before = schema([table(
        "prices",
        [
            int("qty"),
            Column::new("code", SqlType::Varchar(64)),
            Column::new("amount", SqlType::numeric(10, 2)),
            Column::new("note", SqlType::Varchar(64)),
            Column::new("same", SqlType::numeric(10, 2)),
        ],
    )]);
    let after = schema([table(
        "prices",
        [
            big("qty"),
            Column::new("code", SqlType::Varchar(32)),
            Column::new("amount", SqlType::numeric(12, 2)),
            text("note"),
            Column::new("same", SqlType::numeric(10, 2)),
        ],
    )]);
    assert_eq!(
        changes(&before, &after),
        [
            "alter column prices.qty: INTEGER NOT NULL -> BIGINT NOT NULL",
            "alter column prices.code: VARCHAR(64) NOT NULL -> VARCHAR(32) NOT NULL",
            "alter column prices.amount: NUMERIC(10, 2) NOT NULL -> NUMERIC(12, 2) NOT NULL",
            "alter column prices.note: VARCHAR(64) NOT NULL -> TEXT NOT NULL",
        ]
    );
    assert_eq!(
        diff(&before, &after).changes[0],
        Change::AlterColumn {
            table: "prices".into(),
            from: int("qty"),
            to: big("qty"),
        }
    );
}

#[test]
fn nullability_default_and_comment_changes_alter_the_column() {
    let before = schema([table(
        "t",
        [
            int("a"),
            int("b").nullable(),
            int("c"),
            int("d").default("0"),
            text("e"),
            text("f").comment("old"),
        ],
    )]);
    let after = schema([table(
        "t",
        [
            int("a").nullable(),
            int("b"),
            int("c").default("0"),
            int("d").default("1"),
            text("e").comment("new"),
            text("f"),
        ],
    )]);
    assert_eq!(
        changes(&before, &after),
        [
            "alter column t.a: INTEGER NOT NULL -> INTEGER NULL",
            "alter column t.b: INTEGER NULL -> INTEGER NOT NULL",
            "alter column t.c: INTEGER NOT NULL -> INTEGER NOT NULL DEFAULT 0",
            "alter column t.d: INTEGER NOT NULL DEFAULT 0 -> INTEGER NOT NULL DEFAULT 1",
            "alter column t.e: TEXT NOT NULL -> TEXT NOT NULL COMMENT 'new'",
            "alter column t.f: TEXT NOT NULL COMMENT 'old' -> TEXT NOT NULL",
        ]
    );
}

#[test]
fn a_table_comment_change_sets_the_comment() {
    let before = schema([users()]);
    let mut commented = users();
    commented.comment = Some("people".into());
    let after = schema([commented]);
    assert_eq!(
        changes(&before, &after),
        ["set comment of table users: None -> Some(\"people\")"]
    );
    assert_eq!(
        changes(&after, &before),
        ["set comment of table users: Some(\"people\") -> None"]
    );
}

// ---- keys, indexes, constraints --------------------------------------------

#[test]
fn a_primary_key_over_other_columns_is_dropped_and_added() {
    let t = |key: Option<PrimaryKey>| schema([table("t", [big("code")]).with_pk(key)]);
    let by_id = t(Some(PrimaryKey::new("pk_t", ["id"])));
    let by_code = t(Some(PrimaryKey::new("pk_t", ["code"])));
    assert_eq!(
        changes(&by_id, &by_code),
        ["drop primary key t.pk_t(id)", "add primary key t.pk_t(code)"]
    );
    let composite = t(Some(PrimaryKey::new("pk_t", ["id", "code"])));
    let reordered = t(Some(PrimaryKey::new("pk_t", ["code", "id"])));
    assert_eq!(
        changes(&composite, &reordered),
        [
            "drop primary key t.pk_t(id, code)",
            "add primary key t.pk_t(code, id)"
        ]
    );
    assert_eq!(changes(&by_id, &t(None)), ["drop primary key t.pk_t(id)"]);
    assert_eq!(changes(&t(None), &by_id), ["add primary key t.pk_t(id)"]);
    // The same columns under another name: a rename.
    let renamed = t(Some(PrimaryKey::new("t_pkey", ["id"])));
    assert_eq!(changes(&by_id, &renamed), ["rename constraint t.pk_t to t_pkey"]);
}

fn abcd() -> [Column; 4] {
    [int("a"), int("b"), int("c"), int("d")]
}

#[test]
fn indexes_are_added_dropped_and_changed() {
    let before = schema([table("t", abcd())
        .with_index(ix(&["a"]))
        .with_index(ix(&["b"]))
        .with_index(Index::new("ix_t_pair", ["a", "b"]))
        .with_index(Index::new("ix_t_moving", ["c"]))]);
    let after = schema([table("t", abcd())
        .with_index(ix(&["a"]))
        .with_index(ix(&["c", "d"]))
        .with_index(Index::new("ix_t_pair", ["b", "a"]))
        .with_index(Index::new("ix_t_moving", ["d"]))]);
    assert_eq!(
        changes(&before, &after),
        [
            "drop index t.ix_t_b(b)",
            "drop index t.ix_t_moving(c)",
            "drop index t.ix_t_pair(a, b)",
            "add index t.ix_t_c_d(c, d)",
            "add index t.ix_t_moving(d)",
            "add index t.ix_t_pair(b, a)",
        ]
    );
}

#[test]
fn an_index_made_unique_is_dropped_and_added_and_a_renamed_one_renamed() {
    let before = schema([table("t", abcd())
        .with_index(ix(&["a"]))
        .with_index(Index::new("ix_old", ["b", "c"]))]);
    let after = schema([table("t", abcd())
        .with_index(ix(&["a"]).unique())
        .with_index(Index::new("ix_new", ["b", "c"]))]);
    assert_eq!(
        changes(&before, &after),
        [
            "rename index t.ix_old to ix_new",
            "drop index t.ix_t_a(a)",
            "add unique index t.ix_t_a(a)",
        ]
    );
}

#[test]
fn unique_constraints_are_added_dropped_changed_and_renamed() {
    let before = schema([table("t", abcd())
        .with_unique(uq(&["a"]))
        .with_unique(uq(&["b"]))
        .with_unique(UniqueConstraint::new("uq_t_pair", ["a", "b"]))
        .with_unique(UniqueConstraint::new("t_c_key", ["c"]))]);
    let after = schema([table("t", abcd())
        .with_unique(uq(&["a"]))
        .with_unique(uq(&["c"]))
        .with_unique(uq(&["b", "d"]))
        .with_unique(UniqueConstraint::new("uq_t_pair", ["a", "c"]))]);
    assert_eq!(
        changes(&before, &after),
        [
            "rename constraint t.t_c_key to uq_t_c",
            "drop unique t.uq_t_b(b)",
            "drop unique t.uq_t_pair(a, b)",
            "add unique t.uq_t_b_d(b, d)",
            "add unique t.uq_t_pair(a, c)",
        ]
    );
}

#[test]
fn foreign_keys_are_added_and_dropped() {
    let editors = |key: ForeignKey| {
        schema([
            users(),
            table("posts", [big("author_id"), big("editor_id").nullable()]).with_fk(key),
        ])
    };
    let before = editors(fk("author_id", "users"));
    let after = editors(fk("editor_id", "users").on_delete(Action::SetNull));
    assert_eq!(
        changes(&before, &after),
        [
            "drop foreign key posts.fk_posts_author_id_users(author_id) to users(id)",
            "add foreign key posts.fk_posts_editor_id_users(editor_id) to users(id) on delete SET NULL",
        ]
    );
}

#[test]
fn a_changed_on_delete_or_on_update_drops_and_adds_the_foreign_key() {
    let with = |key: ForeignKey| schema([users(), table("posts", [big("author_id")]).with_fk(key)]);
    let plain = with(fk("author_id", "users"));
    let cascade = with(fk("author_id", "users").on_delete(Action::Cascade));
    let d = diff(&plain, &cascade);
    assert_eq!(
        d.changes,
        [
            Change::DropForeignKey {
                table: "posts".into(),
                key: ForeignKey::new("fk_posts_author_id_users", ["author_id"], "users", ["id"]),
            },
            Change::AddForeignKey {
                table: "posts".into(),
                key: ForeignKey::new("fk_posts_author_id_users", ["author_id"], "users", ["id"])
                    .on_delete(Action::Cascade),
            },
        ]
    );
    let restrict = with(fk("author_id", "users").on_update(Action::Restrict));
    assert_eq!(
        changes(&plain, &restrict),
        [
            "drop foreign key posts.fk_posts_author_id_users(author_id) to users(id)",
            "add foreign key posts.fk_posts_author_id_users(author_id) to users(id) on update RESTRICT",
        ]
    );
    assert_eq!(
        changes(&cascade, &restrict),
        [
            "drop foreign key posts.fk_posts_author_id_users(author_id) to users(id) on delete CASCADE",
            "add foreign key posts.fk_posts_author_id_users(author_id) to users(id) on update RESTRICT",
        ]
    );
}

#[test]
fn checks_are_added_dropped_and_renamed() {
    let before = schema([table("t", abcd())
        .with_check(Check::new("ck_same", "a > 0"))
        .with_check(Check::new("ck_old", "b > 0"))
        .with_check(Check::new("ck_gone", "c > 0"))
        .with_check(Check::new("ck_range", "a < 10"))]);
    let after = schema([table("t", abcd())
        .with_check(Check::new("ck_same", "a > 0"))
        .with_check(Check::new("ck_new", "b > 0"))
        .with_check(Check::new("ck_added", "d > 0"))
        .with_check(Check::new("ck_range", "a < 100"))]);
    assert_eq!(
        changes(&before, &after),
        [
            "rename constraint t.ck_old to ck_new",
            "drop check t.ck_gone: c > 0",
            "drop check t.ck_range: a < 10",
            "add check t.ck_added: d > 0",
            "add check t.ck_range: a < 100",
        ]
    );
}

// ---- enums -----------------------------------------------------------------

fn with_mood(ty: SqlType) -> Schema {
    schema([table("users", [Column::new("mood", ty)])])
}

#[test]
fn an_enum_type_is_created_and_dropped_with_its_columns() {
    let before = schema([table("users", [])]);
    let after = with_mood(mood(&["happy", "sad"]));
    assert_eq!(
        changes(&before, &after),
        [
            "create enum mood(happy, sad)",
            "add column users.mood ENUM mood NOT NULL",
        ]
    );
    assert_eq!(
        changes(&after, &before),
        [
            "drop enum mood(happy, sad)",
            "drop column users.mood ENUM mood NOT NULL",
        ]
    );
    // An enum used by a new table is created with it.
    let only = schema([table("reactions", [Column::new("mood", mood(&["happy"]))])]);
    assert_eq!(
        changes(&Schema::default(), &only),
        ["create enum mood(happy)", "create table reactions"]
    );
}

#[test]
fn a_created_enum_has_no_hints() {
    let after = with_mood(mood_renamed(&[("glad", Some("happy"))]));
    let d = diff(&schema([table("users", [])]), &after);
    let Change::CreateEnum(e) = &d.changes[0] else {
        panic!("{:?}", d.changes)
    };
    assert_eq!(e.values[0].renamed_from, None);
}

#[test]
fn an_enum_value_is_added_before_the_next_existing_value() {
    let before = with_mood(mood(&["happy", "sad"]));
    let after = with_mood(mood(&["calm", "happy", "meh", "sad", "angry", "bored"]));
    assert_eq!(
        changes(&before, &after),
        [
            "add value calm to enum mood before happy",
            "add value meh to enum mood before sad",
            "add value angry to enum mood at the end",
            "add value bored to enum mood at the end",
        ]
    );
    assert_eq!(
        diff(&before, &after).changes[1],
        Change::AddEnumValue {
            name: "mood".into(),
            value: "meh".into(),
            before: Some("sad".into()),
        }
    );
}

#[test]
fn an_enum_value_is_dropped_with_the_value_it_stood_before() {
    let before = with_mood(mood(&["happy", "meh", "sad", "angry"]));
    let after = with_mood(mood(&["happy", "sad"]));
    assert_eq!(
        changes(&before, &after),
        [
            "drop value meh of enum mood before sad",
            "drop value angry of enum mood at the end",
        ]
    );
}

#[test]
fn enum_values_put_in_another_order_are_a_change() {
    let before = with_mood(mood(&["happy", "meh", "sad"]));
    let after = with_mood(mood(&["sad", "happy", "meh"]));
    assert_eq!(
        changes(&before, &after),
        ["reorder enum mood from (happy, meh, sad) to (sad, happy, meh)"]
    );
    // With values added, dropped and renamed, the order compared is the one
    // those changes leave; the reorder comes last.
    let after = with_mood(mood_renamed(&[
        ("sad", None),
        ("calm", None),
        ("glad", Some("happy")),
    ]));
    assert_eq!(
        changes(&before, &after),
        [
            "rename value happy of enum mood to glad",
            "add value calm to enum mood before glad",
            "drop value meh of enum mood before sad",
            "reorder enum mood from (calm, glad, sad) to (sad, calm, glad)",
        ]
    );
    // Added values in their place are no reorder.
    let after = with_mood(mood(&["calm", "happy", "meh", "sad", "angry"]));
    assert!(changes(&before, &after).iter().all(|c| !c.starts_with("reorder")));
}

#[test]
fn an_enum_value_is_renamed_through_its_hint() {
    let before = with_mood(mood(&["meh", "happy", "sad"]));
    let after = with_mood(mood_renamed(&[("glad", Some("happy")), ("sad", None)]));
    assert_eq!(
        changes(&before, &after),
        [
            "rename value happy of enum mood to glad",
            "drop value meh of enum mood before glad",
        ],
        "the dropped value stood before the renamed one, by its new name"
    );
    // Without the hint, it is a drop and an add.
    let unhinted = with_mood(mood(&["glad", "sad"]));
    assert_eq!(
        changes(&before, &unhinted),
        [
            "add value glad to enum mood before sad",
            "drop value meh of enum mood before happy",
            "drop value happy of enum mood before sad",
        ],
        "the downgrade puts happy back before meh, so meh can go before it"
    );
}

#[test]
fn changing_an_enums_values_does_not_alter_the_columns_that_use_it() {
    let two = |values: &[&'static str]| {
        schema([
            table("users", [Column::new("mood", mood(values))]),
            table("posts", [Column::new("mood", mood(values)).nullable()]),
        ])
    };
    let before = two(&["happy", "sad"]);
    let after = two(&["happy", "sad", "angry"]);
    assert_eq!(
        changes(&before, &after),
        ["add value angry to enum mood at the end"],
        "one change for the type, none for its columns"
    );
    // A column changed in another way still alters, and carries the new values.
    let after = schema([
        table(
            "users",
            [Column::new("mood", mood(&["happy", "sad", "angry"])).nullable()],
        ),
        table(
            "posts",
            [Column::new("mood", mood(&["happy", "sad", "angry"])).nullable()],
        ),
    ]);
    let d = diff(&before, &after);
    assert_eq!(
        d.changes[1],
        Change::AlterColumn {
            table: "users".into(),
            from: Column::new("mood", mood(&["happy", "sad", "angry"])),
            to: Column::new("mood", mood(&["happy", "sad", "angry"])).nullable(),
        }
    );
    assert_eq!(d.changes.len(), 2);
}

// ---- many-to-many ----------------------------------------------------------

fn side(model: &'static str, table: &'static str) -> JoinSide {
    JoinSide {
        model: model.into(),
        table: table.into(),
        key_column: "id".into(),
        key_type: SqlType::BigInt,
    }
}

#[test]
fn a_many_to_many_relation_adds_and_removes_its_join_table() {
    let tags = || table("tags", [text("label")]);
    let before = schema([users(), posts(), tags()]);
    let mut tagged = posts();
    tagged.many_to_many = vec![ManyToMany {
        table: None,
        source: side("post", "posts"),
        target: side("tag", "tags"),
    }]
    .into();
    let after = schema([users(), tagged, tags()]);
    assert_eq!(changes(&before, &after), ["create table posts_tags"]);
    let d = diff(&before, &after);
    let [Change::CreateTable(join)] = &d.changes[..] else {
        panic!("{:?}", d.changes)
    };
    let keys: Vec<String> = join
        .foreign_keys
        .iter()
        .map(|k| fk_words(&join.name, k))
        .collect();
    assert_eq!(
        keys,
        [
            "posts_tags.fk_posts_tags_post_id_posts(post_id) to posts(id) on delete CASCADE",
            "posts_tags.fk_posts_tags_tag_id_tags(tag_id) to tags(id) on delete CASCADE",
        ]
    );
    assert_eq!(changes(&after, &before), ["drop table posts_tags"]);
}

#[test]
fn a_join_table_follows_the_renames_of_its_sides() {
    // `tags` becomes `labels`, and its key `id` becomes `label_no`: the join
    // table named after both sides is renamed, its column of the tags side
    // too, and its rows stay.
    let tagged = |target: &'static str, key: &'static str| {
        let mut posts = posts();
        let mut side = side("tag", target);
        side.key_column = key.into();
        posts.many_to_many = vec![ManyToMany {
            table: None,
            source: self::side("post", "posts"),
            target: side,
        }]
        .into();
        posts
    };
    let before = schema([users(), tagged("tags", "id"), table("tags", [text("label")])]);
    let mut labels = Table::new("labels");
    labels.columns = vec![renamed(big("label_no"), "id"), text("label")].into();
    labels.primary_key = Some(PrimaryKey {
        name: None,
        ..PrimaryKey::new("", ["label_no"])
    });
    labels.renamed_from = Some("tags".into());
    let after = schema([users(), tagged("labels", "label_no"), labels]);
    let words = changes(&before, &after);
    assert!(
        words.contains(&"rename table posts_tags to posts_labels".to_owned())
            && words.contains(&"rename column posts_labels.tag_id to tag_label_no".to_owned())
            && !words
                .iter()
                .any(|w| w.starts_with("drop") || w.starts_with("create")),
        "{words:#?}"
    );
}

// ---- renames ---------------------------------------------------------------

#[test]
fn a_renamed_table_keeps_its_keys_under_their_new_names() {
    let orgs = || table("orgs", [text("name")]);
    let people = |name: &'static str| {
        table(name, [text("email"), big("org_id"), big("manager_id").nullable()])
            .with_index(ix(&["email"]))
            .with_unique(uq(&["email"]))
            .with_fk(fk("org_id", "orgs"))
            .with_fk(fk("manager_id", name))
    };
    let posts =
        |referred: &'static str| table("posts", [big("author_id")]).with_fk(fk("author_id", referred));
    let before = schema([orgs(), people("users"), posts("users")]);
    let after = schema([orgs(), people("members").renamed_from("users"), posts("members")]);
    assert_eq!(
        changes(&before, &after),
        [
            "rename table users to members",
            "rename constraint members.pk_users to pk_members",
            "rename index members.ix_users_email to ix_members_email",
            "rename constraint members.uq_users_email to uq_members_email",
            "rename constraint members.fk_users_manager_id_users to fk_members_manager_id_members",
            "rename constraint members.fk_users_org_id_orgs to fk_members_org_id_orgs",
            // Another table's key to the renamed table follows it.
            "rename constraint posts.fk_posts_author_id_users to fk_posts_author_id_members",
        ]
    );
}

#[test]
fn a_key_with_a_given_name_to_a_renamed_table_is_unchanged() {
    let posts = |referred: &'static str| {
        table("posts", [big("author_id")]).with_fk(ForeignKey::new(
            "posts_author_fkey",
            ["author_id"],
            referred,
            ["id"],
        ))
    };
    let before = schema([users(), posts("users")]);
    let after = schema([
        table("members", [text("email")]).renamed_from("users"),
        posts("members"),
    ]);
    assert_eq!(
        changes(&before, &after),
        [
            "rename table users to members",
            "rename constraint members.pk_users to pk_members",
        ]
    );
}

#[test]
fn a_renamed_column_keeps_its_index_under_its_new_name() {
    let before = schema([table("users", [text("email"), int("age")])
        .with_index(ix(&["email"]))
        .with_index(ix(&["age", "email"]))
        .with_unique(uq(&["email"]))]);
    let after = schema([table("users", [renamed(text("mail"), "email"), int("age")])
        .with_index(ix(&["mail"]))
        .with_index(ix(&["age", "mail"]))
        .with_unique(uq(&["mail"]))]);
    assert_eq!(
        changes(&before, &after),
        [
            "rename column users.email to mail",
            "rename index users.ix_users_age_email to ix_users_age_mail",
            "rename index users.ix_users_email to ix_users_mail",
            "rename constraint users.uq_users_email to uq_users_mail",
        ]
    );
    // Renamed and changed: a rename, then an alteration under the new name.
    let before = schema([users()]);
    let after = schema([table("users", [renamed(text("mail").nullable(), "email")])]);
    assert_eq!(
        changes(&before, &after),
        [
            "rename column users.email to mail",
            "alter column users.mail: TEXT NOT NULL -> TEXT NULL",
        ]
    );
}

#[test]
fn a_key_to_a_renamed_column_of_another_table_is_unchanged() {
    let users = |table_name: &'static str, email: Column| {
        let name = email.name.clone();
        let mut t = table(table_name, [email]);
        t.unique_constraints = vec![UniqueConstraint {
            name: Some("users_email_key".into()),
            columns: vec![name].into(),
        }]
        .into();
        t
    };
    let posts = |referred: &'static str, column: &'static str| {
        table("posts", [text("author_email")]).with_fk(ForeignKey::new(
            "posts_author_fkey",
            ["author_email"],
            referred,
            [column],
        ))
    };
    let before = schema([users("users", text("email")), posts("users", "email")]);
    let after = schema([
        users("users", renamed(text("mail"), "email")),
        posts("users", "mail"),
    ]);
    assert_eq!(changes(&before, &after), ["rename column users.email to mail"]);
    // The referred table renamed too.
    let members = users("members", renamed(text("mail"), "email")).renamed_from("users");
    let after = schema([members, posts("members", "mail")]);
    assert_eq!(
        changes(&before, &after),
        [
            "rename table users to members",
            "rename column members.email to mail",
            "rename constraint members.pk_users to pk_members",
        ]
    );
}

#[test]
fn a_dropped_and_an_added_column_of_one_type_are_a_hint_not_a_rename() {
    let before = schema([users().with_index(ix(&["email"]))]);
    let after = schema([table("users", [text("mail")]).with_index(ix(&["mail"]))]);
    let d = diff(&before, &after);
    let described: Vec<String> = d.changes.iter().map(describe).collect();
    assert_eq!(
        described,
        [
            "add column users.mail TEXT NOT NULL",
            "drop column users.email TEXT NOT NULL",
            "drop index users.ix_users_email(email)",
            "add index users.ix_users_mail(mail)",
        ]
    );
    assert_eq!(
        d.hints,
        [RenameHint {
            table: Some("users".into()),
            dropped: "email".into(),
            added: "mail".into(),
        }]
    );
    assert!(d.hints[0].to_string().starts_with(
        "column `users.email` is dropped and `users.mail` added with the same type; \
         if it was renamed, mark the field `#[ferro(renamed_from = \"email\")]`"
    ));
}

#[test]
fn a_dropped_and_an_added_table_with_the_same_columns_are_a_hint_not_a_rename() {
    let before = schema([users()]);
    let after = schema([table("people", [text("email")])]);
    let d = diff(&before, &after);
    let described: Vec<String> = d.changes.iter().map(describe).collect();
    assert_eq!(described, ["create table people", "drop table users"]);
    assert_eq!(
        d.hints,
        [RenameHint {
            table: None,
            dropped: "users".into(),
            added: "people".into(),
        }]
    );
    assert!(
        d.hints[0]
            .to_string()
            .starts_with("table `users` is dropped and `people` added with the same columns")
    );
    // Other columns: no hint.
    let other = schema([table("people", [text("name")])]);
    assert_eq!(
        changes(&before, &other),
        ["create table people", "drop table users"]
    );
}
