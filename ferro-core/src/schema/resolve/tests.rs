use std::borrow::Cow;

use super::*;
use crate::schema::{Check, EnumValue, Index, JoinSide, UniqueConstraint};

fn column(name: &'static str, ty: SqlType) -> Column {
    Column::new(name, ty)
}

fn table(name: &'static str, columns: Vec<Column>) -> Table {
    Table {
        name: Cow::Borrowed(name),
        columns: columns.into(),
        primary_key: Some(PrimaryKey {
            name: None,
            columns: vec![Cow::Borrowed("id")].into(),
        }),
        indexes: Cow::Borrowed(&[]),
        unique_constraints: Cow::Borrowed(&[]),
        foreign_keys: Cow::Borrowed(&[]),
        checks: Cow::Borrowed(&[]),
        many_to_many: Cow::Borrowed(&[]),
        comment: None,
        renamed_from: None,
        alias: None,
    }
}

fn users() -> Table {
    table(
        "users",
        vec![column("id", SqlType::BigInt), column("email", SqlType::Text)],
    )
}

fn fk(column: &'static str, referred: &'static str, on_delete: Action) -> ForeignKey {
    ForeignKey {
        name: None,
        columns: vec![Cow::Borrowed(column)].into(),
        referred_table: Cow::Borrowed(referred),
        referred_columns: vec![Cow::Borrowed("id")].into(),
        on_delete,
        on_update: Action::NoAction,
    }
}

fn posts() -> Table {
    let mut posts = table(
        "posts",
        vec![
            column("id", SqlType::BigInt),
            column("author_id", SqlType::BigInt),
        ],
    );
    posts.foreign_keys = vec![fk("author_id", "users", Action::Cascade)].into();
    posts.indexes = vec![Index::plain(None, vec![Cow::Borrowed("author_id")].into())].into();
    posts
}

#[test]
fn unnamed_constraints_get_the_conventional_names() {
    let schema = Schema::new([posts(), users()]).unwrap();
    let posts = schema.table("posts").unwrap();
    assert_eq!(
        posts.primary_key.as_ref().unwrap().name.as_deref(),
        Some("pk_posts")
    );
    assert_eq!(posts.indexes[0].name.as_deref(), Some("ix_posts_author_id"));
    assert_eq!(
        posts.foreign_keys[0].name.as_deref(),
        Some("fk_posts_author_id_users")
    );
}

#[test]
fn given_names_are_kept() {
    let mut users = users();
    users.unique_constraints = vec![UniqueConstraint {
        name: Some(Cow::Borrowed("users_email_key")),
        columns: vec![Cow::Borrowed("email")].into(),
    }]
    .into();
    let schema = Schema::new([users]).unwrap();
    let name = schema.tables()[0].unique_constraints[0].name.as_deref();
    assert_eq!(name, Some("users_email_key"));
}

#[test]
fn tables_and_constraints_come_out_sorted_and_resolution_is_idempotent() {
    let mut users = users();
    users.checks = vec![
        Check {
            name: Cow::Borrowed("ck_b"),
            expr: Cow::Borrowed("1 = 1"),
        },
        Check {
            name: Cow::Borrowed("ck_a"),
            expr: Cow::Borrowed("2 = 2"),
        },
    ]
    .into();
    let once = Schema::new([users, posts()]).unwrap();
    let names: Vec<&str> = once.tables().iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, ["posts", "users"]);
    let checks: Vec<&str> = once
        .table("users")
        .unwrap()
        .checks
        .iter()
        .map(|c| c.name.as_ref())
        .collect();
    assert_eq!(checks, ["ck_a", "ck_b"]);
    let twice = Schema::new(once.clone().into_tables()).unwrap();
    assert_eq!(once, twice);
    let reversed = Schema::new(once.clone().into_tables().into_iter().rev()).unwrap();
    assert_eq!(once, reversed, "the order tables are found in does not matter");
}

fn side(model: &'static str, table: &'static str, ty: SqlType) -> JoinSide {
    JoinSide {
        model: Cow::Borrowed(model),
        table: Cow::Borrowed(table),
        key_column: Cow::Borrowed("id"),
        key_type: ty,
    }
}

#[test]
fn many_to_many_becomes_a_join_table_with_cascading_keys() {
    let tags = table("tags", vec![column("id", SqlType::Integer)]);
    let mut posts = posts();
    posts.many_to_many = vec![ManyToMany {
        table: None,
        source: side("post", "posts", SqlType::BigInt),
        target: side("tag", "tags", SqlType::Integer),
    }]
    .into();
    let schema = Schema::new([posts, tags, users()]).unwrap();
    let join = schema.table("posts_tags").expect("named <table>_<target table>");
    let columns: Vec<(&str, &SqlType)> = join.columns.iter().map(|c| (c.name.as_ref(), &c.ty)).collect();
    assert_eq!(
        columns,
        [("post_id", &SqlType::BigInt), ("tag_id", &SqlType::Integer)]
    );
    let pk = join.primary_key.as_ref().unwrap();
    assert_eq!(pk.columns.as_ref(), ["post_id", "tag_id"]);
    assert!(join.foreign_keys.iter().all(|fk| fk.on_delete == Action::Cascade));
    let referred: Vec<&str> = join
        .foreign_keys
        .iter()
        .map(|fk| fk.referred_table.as_ref())
        .collect();
    assert_eq!(referred, ["posts", "tags"]);
    assert!(
        schema.table("posts").unwrap().many_to_many.is_empty(),
        "the relation is not kept twice"
    );
}

#[test]
fn a_self_referential_many_to_many_has_two_distinct_columns() {
    let mut people = table("people", vec![column("id", SqlType::BigInt)]);
    people.many_to_many = vec![ManyToMany {
        table: Some(Cow::Borrowed("friendships")),
        source: side("person", "people", SqlType::BigInt),
        target: side("person", "people", SqlType::BigInt),
    }]
    .into();
    let schema = Schema::new([people]).unwrap();
    let join = schema.table("friendships").unwrap();
    let names: Vec<&str> = join.columns.iter().map(|c| c.name.as_ref()).collect();
    assert_eq!(names, ["from_person_id", "to_person_id"]);
    let fks: Vec<&str> = join
        .foreign_keys
        .iter()
        .map(|f| f.name.as_deref().unwrap())
        .collect();
    assert_eq!(
        fks,
        [
            "fk_friendships_from_person_id_people",
            "fk_friendships_to_person_id_people"
        ]
    );
}

#[test]
fn broken_references_are_errors() {
    let err = Schema::new([posts()]).unwrap_err();
    assert!(matches!(err, SchemaError::UnknownReferredTable { ref referred, .. } if referred == "users"));

    let mut bad = posts();
    bad.indexes.to_mut()[0].columns = vec![Cow::Borrowed("nope")].into();
    let err = Schema::new([bad, users()]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "index `ix_posts_nope` of table `posts` names column `nope`, which the table does not have"
    );

    let mut bad = posts();
    bad.foreign_keys.to_mut()[0].referred_columns = vec![Cow::Borrowed("uuid")].into();
    let err = Schema::new([bad, users()]).unwrap_err();
    assert!(matches!(err, SchemaError::UnknownReferredColumn { ref column, .. } if column == "uuid"));
}

#[test]
fn set_null_on_a_required_column_is_an_error() {
    let mut bad = posts();
    bad.foreign_keys.to_mut()[0].on_delete = Action::SetNull;
    let err = Schema::new([bad, users()]).unwrap_err();
    assert!(matches!(err, SchemaError::SetNullOnRequiredColumn { ref column, .. } if column == "author_id"));
}

#[test]
fn duplicates_are_errors() {
    assert_eq!(
        Schema::new([users(), users()]).unwrap_err(),
        SchemaError::DuplicateTable("users".into())
    );
    let twice = table(
        "t",
        vec![column("id", SqlType::BigInt), column("id", SqlType::Text)],
    );
    assert!(matches!(
        Schema::new([twice]).unwrap_err(),
        SchemaError::DuplicateColumn { .. }
    ));
    // Index names share one namespace across tables.
    let mut a = table("a", vec![column("id", SqlType::BigInt)]);
    let mut b = table("b", vec![column("id", SqlType::BigInt)]);
    for t in [&mut a, &mut b] {
        t.indexes = vec![Index::plain(
            Some(Cow::Borrowed("ix_shared")),
            vec![Cow::Borrowed("id")].into(),
        )]
        .into();
    }
    let err = Schema::new([a, b]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the name `ix_shared` is used twice (in table `b`)"
    );
}

#[test]
fn nullable_keys_and_misplaced_auto_increment_are_errors() {
    let mut t = users();
    t.columns.to_mut()[0].nullable = true;
    assert!(matches!(
        Schema::new([t]).unwrap_err(),
        SchemaError::NullablePrimaryKey { .. }
    ));
    let mut t = users();
    t.columns.to_mut()[1].auto_increment = true;
    assert!(matches!(
        Schema::new([t]).unwrap_err(),
        SchemaError::InvalidAutoIncrement { .. }
    ));
}

#[test]
fn names_must_fit_the_databases() {
    let long: &'static str = "t".repeat(64).leak();
    let err = Schema::new([table(long, vec![column("id", SqlType::BigInt)])]).unwrap_err();
    assert!(matches!(err, SchemaError::BadName { len: 64, .. }));
    // A conventional name that would be too long is shortened instead.
    let name = "a_table_whose_name_is_long_enough";
    let col = "and_a_column_whose_name_is_long_too";
    let mut t = table(
        name,
        vec![column("id", SqlType::BigInt), column(col, SqlType::Text)],
    );
    t.indexes = vec![Index::plain(None, vec![Cow::Borrowed(col)].into())].into();
    let schema = Schema::new([t]).unwrap();
    assert_eq!(schema.tables()[0].indexes[0].name.as_ref().unwrap().len(), 63);
}

#[test]
fn defaults_checks_and_types_must_stay_within_their_statement() {
    let mut t = users();
    t.columns.to_mut()[1].default = Some("0; DROP TABLE users".into());
    let err = Schema::new([t]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the default of column `users.email` (`0; DROP TABLE users`) does not stay within its statement: \
         at byte 1, a `;` outside quotes ends the statement; a default, a check or an SQL type is one \
         piece of SQL, with no `;` or comment outside quotes"
    );
    let mut t = users();
    t.checks = vec![Check::new("ck_users_email", "email <> '' -- not empty")].into();
    assert!(matches!(
        Schema::new([t]).unwrap_err(),
        SchemaError::BadFragment { place, .. } if place == "check `ck_users_email` of table `users`"
    ));
    let mut t = users();
    t.columns.to_mut()[1].ty = SqlType::custom("TEXT); DROP TABLE users; --");
    assert!(matches!(
        Schema::new([t]).unwrap_err(),
        SchemaError::BadFragment { place, .. } if place == "the SQL type of column `users.email`"
    ));
    // Quoted, the same characters are data.
    let mut t = users();
    t.columns.to_mut()[1].default = Some("'0; DROP TABLE users'".into());
    t.checks = vec![Check::new("ck_users_email", "email <> '-- none'")].into();
    assert!(Schema::new([t]).is_ok());
}

fn enum_type(values: &[&'static str]) -> SqlType {
    SqlType::Enum(EnumType {
        name: Cow::Borrowed("mood"),
        values: values
            .iter()
            .map(|v| EnumValue {
                name: Cow::Borrowed(v),
                renamed_from: None,
            })
            .collect(),
    })
}

#[test]
fn enums_are_collected_once_and_must_agree() {
    let a = table(
        "a",
        vec![
            column("id", SqlType::BigInt),
            column("m", enum_type(&["happy", "sad"])),
        ],
    );
    let b = table(
        "b",
        vec![
            column("id", SqlType::BigInt),
            column("m", enum_type(&["happy", "sad"])),
        ],
    );
    let schema = Schema::new([a.clone(), b]).unwrap();
    assert_eq!(schema.enums().len(), 1);
    let c = table(
        "c",
        vec![column("id", SqlType::BigInt), column("m", enum_type(&["happy"]))],
    );
    assert_eq!(
        Schema::new([a, c]).unwrap_err(),
        SchemaError::ConflictingEnum("mood".into())
    );
    let empty = table(
        "d",
        vec![column("id", SqlType::BigInt), column("m", enum_type(&[]))],
    );
    assert_eq!(
        Schema::new([empty]).unwrap_err(),
        SchemaError::BadEnum("mood".into())
    );
}

/// The schema of `users` as `change` leaves it.
fn users_with(change: impl FnOnce(&mut Table)) -> Result<Schema, SchemaError> {
    let mut t = users();
    change(&mut t);
    Schema::new([t])
}

#[test]
fn index_methods_classes_and_included_columns_follow_postgres_rules() {
    let with = |index: Index| {
        users_with(|t| {
            t.columns.to_mut().push(column("bio", SqlType::Text));
            t.indexes = vec![index].into();
        })
    };
    let ix = || Index::new("ix_users_email", ["email"]);
    // The defaults are said one way: no method, no classes.
    let schema = with(ix().using("btree").operator_class("email", "text_ops")).unwrap();
    let read = &schema.table("users").unwrap().indexes[0];
    assert_eq!(read.method, None);
    assert_eq!(read.operator_class_of(0), Some("text_ops"));
    let schema = with(Index {
        operator_classes: vec![None].into(),
        ..ix()
    })
    .unwrap();
    assert!(
        schema.table("users").unwrap().indexes[0]
            .operator_classes
            .is_empty()
    );
    with(ix().using("gist").include(["bio"])).unwrap();
    with(
        ix().unique()
            .include(["bio"])
            .operator_class("email", "public.varchar_ops"),
    )
    .unwrap();
    for (index, message) in [
        (ix().using("GIN"), "`GIN` is not an index method's name"),
        (
            ix().using("gin; DROP TABLE users"),
            "is not an index method's name",
        ),
        (
            ix().operator_class("bio", "text_ops"),
            "an operator class for a column it does not have",
        ),
        (
            ix().operator_class("email", "a.b.c"),
            "`a.b.c` is not an operator class's name",
        ),
        (
            ix().operator_class("email", "Text_Ops"),
            "is not an operator class's name",
        ),
        (
            ix().include(["email"]),
            "it includes `email`, which is one of its key columns",
        ),
        (ix().include(["bio", "bio"]), "it includes `bio` twice"),
        (
            ix().include(["nope"]),
            "names column `nope`, which the table does not have",
        ),
        (
            ix().using("hash").unique(),
            "only a btree index can be (not hash)",
        ),
        (
            ix().using("gin").descending(["email"]),
            "only a btree index has an order (not gin)",
        ),
        (ix().using("brin").include(["bio"]), "a brin index cannot"),
    ] {
        let e = with(index).unwrap_err().to_string();
        assert!(e.contains(message), "{message}: {e}");
    }
}

#[test]
fn a_collation_belongs_to_a_text_column_and_has_a_plain_name() {
    let with = |column: Column| users_with(|t| t.columns.to_mut().push(column));
    with(column("name", SqlType::Text).collation("en-US-x-icu")).unwrap();
    with(column("name", SqlType::Varchar(9)).collation("utf8mb4_0900_as_cs")).unwrap();
    with(column("name", SqlType::Custom("CITEXT".into())).collation("C")).unwrap();
    for (column, message) in [
        (column("n", SqlType::Integer).collation("C"), "only a text column"),
        (
            column("n", SqlType::Text).collation("C\" DROP"),
            "letters, digits and",
        ),
        (column("n", SqlType::Text).collation(""), "letters, digits and"),
    ] {
        let e = with(column).unwrap_err().to_string();
        assert!(e.contains(message), "{message}: {e}");
    }
}

#[test]
fn an_index_on_expressions_is_named_and_has_an_expression() {
    let with = |index: Index| users_with(|t| t.indexes = vec![index].into());
    with(Index::on_expressions("ix_users_email_ci", ["id", "lower(email)"]).unique()).unwrap();
    let unnamed = Index {
        name: None,
        ..Index::on_expressions("x", ["lower(email)"])
    };
    for (index, message) in [
        (unnamed, "needs a name"),
        (
            Index::on_expressions("ix_a", ["id", "\"email\""]),
            "all column names",
        ),
        (Index::on_expressions("ix_a", [" "]), "is empty"),
        (
            Index {
                columns: vec!["id".into()].into(),
                ..Index::on_expressions("ix_a", ["lower(email)"])
            },
            "both columns and expressions",
        ),
        (
            Index::on_expressions("ix_a", ["lower(email) ; DROP TABLE users"]),
            "DROP",
        ),
    ] {
        let e = with(index).unwrap_err().to_string();
        assert!(e.contains(message), "{message}: {e}");
    }
}

#[test]
fn a_generated_column_is_null_able_and_neither_key_nor_defaulted() {
    let with = |column: Column| users_with(|t| t.columns.to_mut().push(column));
    let g = || column("g", SqlType::BigInt).nullable().generated("id * 2", true);
    with(g()).unwrap();
    for (column, message) in [
        (g().default("0"), "has no default"),
        (
            column("g", SqlType::BigInt).generated("id * 2", false),
            "accepts NULL",
        ),
        (
            column("g", SqlType::BigInt).nullable().generated(" ", true),
            "expression is empty",
        ),
        (
            column("g", SqlType::BigInt)
                .nullable()
                .generated("id; DROP TABLE users", true),
            "DROP",
        ),
    ] {
        let e = with(column).unwrap_err().to_string();
        assert!(e.contains(message), "{message}: {e}");
    }
    let mut t = users();
    t.columns.to_mut()[0] = column("id", SqlType::BigInt).nullable().generated("1", true);
    let e = Schema::new([t]).unwrap_err().to_string();
    assert!(e.contains("primary key") || e.contains("NULL"), "{e}");
}
