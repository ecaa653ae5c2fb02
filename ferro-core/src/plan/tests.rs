use super::*;
use crate::diff::diff;
use crate::migration::widens;
use crate::schema::{Action, Check, Column, EnumType, Index, PrimaryKey, Schema, SqlType, UniqueConstraint};

// ---- helpers ---------------------------------------------------------------

fn schema(tables: impl IntoIterator<Item = Table>) -> Schema {
    Schema::new(tables).unwrap()
}

fn big(name: &'static str) -> Column {
    Column::new(name, SqlType::BigInt)
}

fn text(name: &'static str) -> Column {
    Column::new(name, SqlType::Text)
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

/// A foreign key to `referred.id` that the convention names.
fn fk(column: &'static str, referred: &'static str) -> ForeignKey {
    ForeignKey {
        name: None,
        ..ForeignKey::new("", [column], referred, ["id"])
    }
}

/// An index that the convention names.
fn ix(columns: &[&'static str]) -> Index {
    Index {
        name: None,
        ..Index::new("", columns.iter().copied())
    }
}

/// Adds keys to a table, builder style.
trait With: Sized {
    fn with_fk(self, key: ForeignKey) -> Self;
    fn with_index(self, index: Index) -> Self;
    fn renamed_from(self, from: &'static str) -> Self;
}

impl With for Table {
    fn with_fk(mut self, key: ForeignKey) -> Self {
        self.foreign_keys.to_mut().push(key);
        self
    }

    fn with_index(mut self, index: Index) -> Self {
        self.indexes.to_mut().push(index);
        self
    }

    fn renamed_from(mut self, from: &'static str) -> Self {
        self.renamed_from = Some(from.into());
        self
    }
}

fn mood(values: &[&'static str]) -> SqlType {
    SqlType::enumeration("mood", values.iter().copied())
}

fn between(from: &Schema, to: &Schema) -> Plan {
    let d = diff(from, to);
    assert_eq!(d.hints, [], "unexpected rename hints");
    plan(&d)
}

fn upgrade(plan: &Plan) -> Vec<String> {
    plan.upgrade().iter().map(|op| op.to_string()).collect()
}

fn downgrade(plan: &Plan) -> Vec<String> {
    plan.downgrade()
        .iter()
        .map(|op| op.expect("every step has an inverse").to_string())
        .collect()
}

/// The table a `CreateTable` step creates.
fn created<'a>(plan: &'a Plan, name: &str) -> &'a Table {
    plan.upgrade()
        .into_iter()
        .find_map(|op| match op {
            Op::CreateTable(t) if t.name == name => Some(t),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no create table {name}"))
}

fn key_names(table: &Table) -> Vec<&str> {
    table
        .foreign_keys
        .iter()
        .map(|k| k.name.as_deref().unwrap())
        .collect()
}

/// Whether `inverse` undoes `op`, field by field.
fn undoes(op: &Op, inverse: &Op) -> bool {
    use Op::*;
    let named = |name: &Option<Str>, other: &Str| name.as_ref() == Some(other);
    match (op, inverse) {
        (CreateTable(t), DropTable { name }) | (DropTable { name }, CreateTable(t)) => t.name == *name,
        (RenameTable { from, to }, RenameTable { from: f, to: t }) => from == t && to == f,
        (AddColumn { table, column }, DropColumn { table: t, column: c })
        | (DropColumn { table: t, column: c }, AddColumn { table, column }) => {
            table == t && column.name == *c
        }
        (
            RenameColumn { table, from, to },
            RenameColumn {
                table: tt,
                from: f,
                to: t,
            },
        )
        | (
            RenameIndex { table, from, to },
            RenameIndex {
                table: tt,
                from: f,
                to: t,
            },
        )
        | (
            RenameConstraint { table, from, to },
            RenameConstraint {
                table: tt,
                from: f,
                to: t,
            },
        ) => table == tt && from == t && to == f,
        (
            AlterColumn { table, from, to },
            AlterColumn {
                table: tt,
                from: f,
                to: t,
            },
        ) => table == tt && from == t && to == f,
        (AddPrimaryKey { table, key }, DropPrimaryKey { table: t, name })
        | (DropPrimaryKey { table: t, name }, AddPrimaryKey { table, key }) => {
            table == t && named(&key.name, name)
        }
        (CreateIndex { table, index }, DropIndex { table: t, name })
        | (DropIndex { table: t, name }, CreateIndex { table, index }) => {
            table == t && named(&index.name, name)
        }
        (AddUnique { table, constraint }, DropUnique { table: t, name })
        | (DropUnique { table: t, name }, AddUnique { table, constraint }) => {
            table == t && named(&constraint.name, name)
        }
        (AddForeignKey { table, key }, DropForeignKey { table: t, name })
        | (DropForeignKey { table: t, name }, AddForeignKey { table, key }) => {
            table == t && named(&key.name, name)
        }
        (AddCheck { table, check }, DropCheck { table: t, name })
        | (DropCheck { table: t, name }, AddCheck { table, check }) => table == t && check.name == *name,
        (CreateEnum(e), DropEnum { name }) | (DropEnum { name }, CreateEnum(e)) => e.name == *name,
        (AddEnumValue { name, value, .. }, DropEnumValue { name: n, value: v })
        | (DropEnumValue { name: n, value: v }, AddEnumValue { name, value, .. }) => name == n && value == v,
        (
            RenameEnumValue { name, from, to },
            RenameEnumValue {
                name: n,
                from: f,
                to: t,
            },
        ) => name == n && from == t && to == f,
        (SetTableComment { table, .. }, SetTableComment { table: t, .. }) => table == t,
        _ => false,
    }
}

/// Checks what every plan must satisfy: an inverse for each step, that undoes
/// it, and a downgrade that is the inverses in reverse order.
fn assert_invertible(plan: &Plan) {
    for step in &plan.steps {
        let inverse = step.inverse.as_ref().expect("every step has an inverse");
        assert!(
            undoes(&step.op, inverse),
            "{:?} does not undo {:?}",
            inverse,
            step.op
        );
    }
    let inverses: Vec<Option<&Op>> = plan.steps.iter().rev().map(|s| s.inverse.as_ref()).collect();
    assert_eq!(plan.downgrade(), inverses);
}

fn users() -> Table {
    table("users", [text("email")])
}

fn posts() -> Table {
    table("posts", [big("author_id")]).with_fk(fk("author_id", "users"))
}

fn comments() -> Table {
    table("comments", [big("post_id")]).with_fk(fk("post_id", "posts"))
}

// ---- order of created and dropped tables -----------------------------------

#[test]
fn referred_tables_are_created_before_the_tables_that_refer_to_them() {
    // By name, `comments` comes first and `users` last: the order is the keys'.
    let p = between(&Schema::default(), &schema([comments(), posts(), users()]));
    assert_eq!(
        upgrade(&p),
        [
            "create table users",
            "create table posts",
            "create table comments"
        ]
    );
    assert_eq!(
        downgrade(&p),
        ["drop table comments", "drop table posts", "drop table users"]
    );
    assert_eq!(
        key_names(created(&p, "posts")),
        ["fk_posts_author_id_users"],
        "the key stays inline"
    );
    assert_eq!(key_names(created(&p, "comments")), ["fk_comments_post_id_posts"]);
    assert_invertible(&p);
}

#[test]
fn a_self_referencing_key_stays_in_create_table() {
    let people = table("people", [big("manager_id").nullable()]).with_fk(fk("manager_id", "people"));
    let p = between(&Schema::default(), &schema([people]));
    assert_eq!(upgrade(&p), ["create table people"]);
    assert_eq!(downgrade(&p), ["drop table people"]);
    assert_eq!(key_names(created(&p, "people")), ["fk_people_manager_id_people"]);
}

fn authors_and_books() -> Schema {
    schema([
        table("authors", [big("best_book_id").nullable()]).with_fk(fk("best_book_id", "books")),
        table("books", [big("author_id")]).with_fk(fk("author_id", "authors")),
    ])
}

#[test]
fn a_key_that_closes_a_cycle_is_added_after_both_tables() {
    let p = between(&Schema::default(), &authors_and_books());
    assert_eq!(
        upgrade(&p),
        [
            "create table books",
            "create table authors",
            "add foreign key books(author_id) to authors",
        ]
    );
    assert_eq!(
        key_names(created(&p, "books")),
        Vec::<&str>::new(),
        "the cycle's key is left out"
    );
    assert_eq!(
        key_names(created(&p, "authors")),
        ["fk_authors_best_book_id_books"]
    );
    assert_eq!(
        downgrade(&p),
        [
            "drop foreign key books.fk_books_author_id_authors",
            "drop table authors",
            "drop table books",
        ]
    );
    assert_invertible(&p);
}

#[test]
fn referring_tables_are_dropped_before_the_tables_they_refer_to() {
    let all = schema([comments(), posts(), users()]);
    let p = between(&all, &Schema::default());
    assert_eq!(
        upgrade(&p),
        ["drop table comments", "drop table posts", "drop table users"]
    );
    assert_eq!(
        downgrade(&p),
        [
            "create table users",
            "create table posts",
            "create table comments"
        ]
    );
    assert_invertible(&p);
    // Only the referring table goes.
    let p = between(&all, &schema([users(), posts()]));
    assert_eq!(upgrade(&p), ["drop table comments"]);
    // Its inverse creates it as it was.
    assert_eq!(
        p.steps[0].inverse,
        Some(Op::CreateTable(all.table("comments").unwrap().clone()))
    );
}

#[test]
fn a_cycle_of_dropped_tables_is_cut_first_and_closed_last_on_the_way_back() {
    let p = between(&authors_and_books(), &Schema::default());
    assert_eq!(
        upgrade(&p),
        [
            "drop foreign key books.fk_books_author_id_authors",
            "drop table authors",
            "drop table books",
        ]
    );
    assert_eq!(
        downgrade(&p),
        [
            "create table books",
            "create table authors",
            "add foreign key books(author_id) to authors",
        ]
    );
    let recreated_books = p.downgrade()[0].unwrap();
    let Op::CreateTable(books) = recreated_books else {
        panic!("{recreated_books:?}")
    };
    assert_eq!(key_names(books), Vec::<&str>::new());
    assert_invertible(&p);
}

// ---- order within tables ---------------------------------------------------

#[test]
fn a_new_column_comes_before_its_index_and_its_key() {
    let before = schema([users()]);
    let after = schema([table("users", [text("email"), text("name").nullable()]).with_index(ix(&["name"]))]);
    let p = between(&before, &after);
    assert_eq!(upgrade(&p), ["add column users.name", "create index users(name)"]);
    assert_eq!(
        downgrade(&p),
        ["drop index users.ix_users_name", "drop column users.name"]
    );
    assert_invertible(&p);

    // A key to a new table: the table, the column, then the key.
    let before = schema([table("posts", [])]);
    let after = schema([users(), posts()]);
    let p = between(&before, &after);
    assert_eq!(
        upgrade(&p),
        [
            "create table users",
            "add column posts.author_id",
            "add foreign key posts(author_id) to users",
        ]
    );
    assert_eq!(
        downgrade(&p),
        [
            "drop foreign key posts.fk_posts_author_id_users",
            "drop column posts.author_id",
            "drop table users",
        ]
    );
    assert_invertible(&p);
}

#[test]
fn a_dropped_columns_index_and_key_go_before_the_column() {
    let before = schema([users(), posts().with_index(ix(&["author_id"]))]);
    let after = schema([users(), table("posts", [])]);
    let p = between(&before, &after);
    assert_eq!(
        upgrade(&p),
        [
            "drop foreign key posts.fk_posts_author_id_users",
            "drop index posts.ix_posts_author_id",
            "drop column posts.author_id",
        ]
    );
    assert_eq!(
        downgrade(&p),
        [
            "add column posts.author_id",
            "create index posts(author_id)",
            "add foreign key posts(author_id) to users",
        ]
    );
    assert_invertible(&p);
}

#[test]
fn a_renamed_table_is_renamed_before_its_constraints() {
    let orgs = || table("orgs", [text("name")]);
    let people = |name: &'static str| {
        table(name, [big("org_id")])
            .with_fk(fk("org_id", "orgs"))
            .with_index(ix(&["org_id"]))
    };
    let posts =
        |referred: &'static str| table("posts", [big("author_id")]).with_fk(fk("author_id", referred));
    let before = schema([orgs(), people("users"), posts("users")]);
    let after = schema([orgs(), people("members").renamed_from("users"), posts("members")]);
    let p = between(&before, &after);
    assert_eq!(
        upgrade(&p),
        [
            "rename table users to members",
            "rename constraint members.pk_users to pk_members",
            "rename index members.ix_users_org_id to ix_members_org_id",
            "rename constraint members.fk_users_org_id_orgs to fk_members_org_id_orgs",
            "rename constraint posts.fk_posts_author_id_users to fk_posts_author_id_members",
        ]
    );
    assert_eq!(
        downgrade(&p),
        [
            "rename constraint posts.fk_posts_author_id_members to fk_posts_author_id_users",
            "rename constraint members.fk_members_org_id_orgs to fk_users_org_id_orgs",
            "rename index members.ix_members_org_id to ix_users_org_id",
            "rename constraint members.pk_members to pk_users",
            "rename table members to users",
        ]
    );
    assert_invertible(&p);
}

#[test]
fn an_enum_is_created_before_its_table_and_dropped_after_it() {
    let with = schema([table("users", [Column::new("mood", mood(&["happy", "sad"]))])]);
    let p = between(&Schema::default(), &with);
    assert_eq!(upgrade(&p), ["create enum mood", "create table users"]);
    assert_eq!(downgrade(&p), ["drop table users", "drop enum mood"]);
    assert_invertible(&p);

    let p = between(&with, &Schema::default());
    assert_eq!(upgrade(&p), ["drop table users", "drop enum mood"]);
    assert_eq!(downgrade(&p), ["create enum mood", "create table users"]);
    assert_eq!(
        p.steps[1].inverse,
        Some(Op::CreateEnum(EnumType {
            name: "mood".into(),
            values: vec![
                crate::schema::EnumValue {
                    name: "happy".into(),
                    renamed_from: None,
                },
                crate::schema::EnumValue {
                    name: "sad".into(),
                    renamed_from: None,
                },
            ]
            .into(),
        }))
    );
    assert_invertible(&p);

    // A column of the type dropped with a value: the column first, then the value.
    let before = schema([table(
        "users",
        [Column::new("mood", mood(&["happy", "meh", "sad"])), big("score")],
    )]);
    let after = schema([table(
        "users",
        [Column::new("mood", mood(&["calm", "happy", "sad"]))],
    )]);
    let p = between(&before, &after);
    assert_eq!(
        upgrade(&p),
        [
            "add value calm to enum mood",
            "drop column users.score",
            "drop value meh of enum mood",
        ]
    );
    assert_eq!(
        downgrade(&p),
        [
            "add value meh to enum mood",
            "add column users.score",
            "drop value calm of enum mood",
        ]
    );
    assert_eq!(
        p.downgrade()[0],
        Some(&Op::AddEnumValue {
            name: "mood".into(),
            value: "meh".into(),
            before: Some("sad".into()),
        }),
        "a dropped value comes back where it was"
    );
    assert_eq!(
        p.upgrade()[0],
        &Op::AddEnumValue {
            name: "mood".into(),
            value: "calm".into(),
            before: Some("happy".into()),
        }
    );
    assert_invertible(&p);
}

// ---- inverses --------------------------------------------------------------

/// Two schemas that differ in most ways; `rename` adds a renamed column.
fn before_and_after(rename: bool) -> (Schema, Schema) {
    let users_before = table(
        "users",
        [
            text("email"),
            Column::new("age", SqlType::Integer),
            text("nickname").nullable(),
            Column::new("legacy_flag", SqlType::Boolean),
        ],
    );
    let nickname = if rename {
        Column {
            renamed_from: Some("nickname".into()),
            ..text("handle").nullable()
        }
    } else {
        text("nickname").nullable()
    };
    let mut users_after = table(
        "users",
        [text("email"), big("age"), nickname, text("bio").nullable()],
    );
    users_after.comment = Some("people".into());
    users_after.unique_constraints = vec![UniqueConstraint {
        name: None,
        ..UniqueConstraint::new("", ["email"])
    }]
    .into();
    users_after.checks = vec![Check::new("ck_users_age", "age >= 0")].into();
    let posts_after = table("posts", [big("author_id")])
        .with_fk(fk("author_id", "users").on_delete(Action::Cascade))
        .with_index(ix(&["author_id"]));
    let posts_before = table("posts", [big("author_id")])
        .with_fk(fk("author_id", "users"))
        .with_index(ix(&["author_id"]));
    let before = schema([users_before, posts_before, table("legacy", [text("payload")])]);
    let after = schema([users_after, posts_after, table("tags", [text("label")])]);
    (before, after)
}

#[test]
fn every_step_has_an_inverse_and_the_downgrade_is_the_inverses_reversed() {
    let (before, after) = before_and_after(true);
    let p = between(&before, &after);
    assert_eq!(
        upgrade(&p),
        [
            "rename column users.nickname to handle",
            "drop foreign key posts.fk_posts_author_id_users",
            "create table tags",
            "add column users.bio",
            "alter column users.age (type INTEGER to BIGINT)",
            "set comment of table users",
            "add unique users(email)",
            "add check users.ck_users_age",
            "add foreign key posts(author_id) to users",
            "drop column users.legacy_flag",
            "drop table legacy",
        ]
    );
    assert_eq!(
        downgrade(&p),
        [
            "create table legacy",
            "add column users.legacy_flag",
            "drop foreign key posts.fk_posts_author_id_users",
            "drop check users.ck_users_age",
            "drop unique users.uq_users_email",
            "set comment of table users",
            "alter column users.age (type BIGINT to INTEGER)",
            "drop column users.bio",
            "drop table tags",
            "add foreign key posts(author_id) to users",
            "rename column users.handle to nickname",
        ]
    );
    assert!(p.steps.iter().all(|s| s.inverse.is_some()));
    assert_invertible(&p);
    // The inverse of an added column drops it by name; of a dropped column,
    // adds it back as it was.
    let add_bio = p
        .steps
        .iter()
        .find(|s| s.op.to_string() == "add column users.bio")
        .unwrap();
    assert_eq!(
        add_bio.inverse,
        Some(Op::DropColumn {
            table: "users".into(),
            column: "bio".into(),
        })
    );
    let drop_flag = p
        .steps
        .iter()
        .find(|s| s.op.to_string() == "drop column users.legacy_flag");
    assert_eq!(
        drop_flag.unwrap().inverse,
        Some(Op::AddColumn {
            table: "users".into(),
            column: Column::new("legacy_flag", SqlType::Boolean),
        })
    );
    let comment = p
        .steps
        .iter()
        .find(|s| matches!(s.op, Op::SetTableComment { .. }))
        .unwrap();
    assert_eq!(
        (&comment.op, comment.inverse.as_ref().unwrap()),
        (
            &Op::SetTableComment {
                table: "users".into(),
                comment: Some("people".into()),
            },
            &Op::SetTableComment {
                table: "users".into(),
                comment: None,
            }
        )
    );
}

#[test]
fn the_downgrade_does_what_the_reverse_diff_does() {
    let (before, after) = before_and_after(false);
    let forward = between(&before, &after);
    let backward = between(&after, &before);
    let mut expected: Vec<&Op> = backward.upgrade();
    for op in forward.downgrade() {
        let op = op.expect("every step has an inverse");
        let at = expected
            .iter()
            .position(|o| *o == op)
            .unwrap_or_else(|| panic!("the reverse diff does not {op}: {op:?}"));
        expected.remove(at);
    }
    assert_eq!(expected, Vec::<&Op>::new(), "the downgrade leaves these out");
}

#[test]
fn an_empty_diff_gives_an_empty_plan() {
    let (before, _) = before_and_after(false);
    let p = between(&before, &before);
    assert_eq!(p, Plan::default());
    assert!(p.upgrade().is_empty() && p.downgrade().is_empty());
}

// ---- safety ----------------------------------------------------------------

fn alter(from: Column, to: Column) -> Safety {
    Op::AlterColumn {
        table: "t".into(),
        from,
        to,
    }
    .safety()
}

fn retype(from: SqlType, to: SqlType) -> Safety {
    alter(Column::new("c", from), Column::new("c", to))
}

#[test]
fn drops_lose_data() {
    let drops = [
        Op::DropTable { name: "t".into() },
        Op::DropColumn {
            table: "t".into(),
            column: "c".into(),
        },
        Op::DropEnumValue {
            name: "mood".into(),
            value: "sad".into(),
        },
    ];
    for op in &drops {
        assert_eq!(op.safety(), Safety::Destructive, "{op}");
        assert!(op.is_destructive());
    }
    // Dropping a key, an index or a constraint loses no data.
    let keys = [
        Op::DropIndex {
            table: "t".into(),
            name: "ix".into(),
        },
        Op::DropForeignKey {
            table: "t".into(),
            name: "fk".into(),
        },
        Op::DropUnique {
            table: "t".into(),
            name: "uq".into(),
        },
        Op::DropEnum { name: "mood".into() },
    ];
    for op in &keys {
        assert_eq!(op.safety(), Safety::Safe, "{op}");
    }
}

#[test]
fn a_type_change_is_safe_only_when_it_widens() {
    use SqlType::*;
    assert_eq!(retype(Integer, BigInt), Safety::Safe);
    assert_eq!(retype(BigInt, Integer), Safety::Destructive);
    assert_eq!(retype(Varchar(64), Varchar(32)), Safety::Destructive);
    assert_eq!(retype(Varchar(32), Varchar(64)), Safety::Safe);
    assert_eq!(retype(Varchar(64), Text), Safety::Safe);
    assert_eq!(retype(Text, Varchar(64)), Safety::Destructive);
    assert_eq!(
        retype(SqlType::numeric(10, 2), SqlType::numeric(12, 2)),
        Safety::Safe
    );
    assert_eq!(
        retype(SqlType::numeric(12, 2), SqlType::numeric(10, 2)),
        Safety::Destructive
    );
    assert_eq!(retype(Integer, Text), Safety::Destructive);
    // Another enum value list of the same type is no type change.
    assert_eq!(retype(mood(&["happy"]), mood(&["happy", "sad"])), Safety::Safe);
}

#[test]
fn not_null_depends_on_the_rows() {
    let c = || Column::new("c", SqlType::Integer);
    assert_eq!(alter(c().nullable(), c()), Safety::DataDependent);
    assert_eq!(alter(c(), c().nullable()), Safety::Safe);
    assert_eq!(alter(c().nullable(), c().nullable().default("0")), Safety::Safe);
    assert_eq!(alter(c(), c().comment("count")), Safety::Safe);
    // Narrowing weighs more than NOT NULL.
    let b = Column::new("c", SqlType::BigInt).nullable();
    assert_eq!(alter(b, c()), Safety::Destructive);
    // Widening and NOT NULL together.
    assert_eq!(
        alter(c().nullable(), Column::new("c", SqlType::BigInt)),
        Safety::DataDependent
    );
}

#[test]
fn a_new_required_column_without_default_depends_on_the_rows() {
    let add = |column: Column| {
        Op::AddColumn {
            table: "t".into(),
            column,
        }
        .safety()
    };
    let c = || Column::new("c", SqlType::Integer);
    assert_eq!(add(c()), Safety::DataDependent);
    assert_eq!(add(c().default("0")), Safety::Safe);
    assert_eq!(add(c().nullable()), Safety::Safe);
}

#[test]
fn new_keys_and_constraints_depend_on_the_rows() {
    let t = || Str::from("t");
    let dependent = [
        Op::AddUnique {
            table: t(),
            constraint: UniqueConstraint::new("uq", ["c"]),
        },
        Op::CreateIndex {
            table: t(),
            index: Index::new("ix", ["c"]).unique(),
        },
        Op::AddPrimaryKey {
            table: t(),
            key: PrimaryKey::new("pk", ["c"]),
        },
        Op::AddForeignKey {
            table: t(),
            key: ForeignKey::new("fk", ["c"], "u", ["id"]),
        },
        Op::AddCheck {
            table: t(),
            check: Check::new("ck", "c > 0"),
        },
    ];
    for op in &dependent {
        assert_eq!(op.safety(), Safety::DataDependent, "{op}");
    }
    let safe = [
        Op::CreateIndex {
            table: t(),
            index: Index::new("ix", ["c"]),
        },
        Op::CreateTable(table("t", [])),
        Op::RenameTable {
            from: t(),
            to: "u".into(),
        },
        Op::AddEnumValue {
            name: "mood".into(),
            value: "sad".into(),
            before: None,
        },
    ];
    for op in &safe {
        assert_eq!(op.safety(), Safety::Safe, "{op}");
    }
}

#[test]
fn a_plan_lists_its_destructive_and_data_dependent_steps() {
    let (before, after) = before_and_after(true);
    let p = between(&before, &after);
    let destructive: Vec<String> = p.destructive().map(|op| op.to_string()).collect();
    assert_eq!(
        destructive,
        ["drop column users.legacy_flag", "drop table legacy"]
    );
    let dependent: Vec<String> = p.data_dependent().map(|op| op.to_string()).collect();
    assert_eq!(
        dependent,
        [
            "add unique users(email)",
            "add check users.ck_users_age",
            "add foreign key posts(author_id) to users",
        ]
    );
    assert!(p.steps.iter().all(|s| s.safety() == s.op.safety()));
}

#[test]
fn widens_keeps_every_value() {
    use SqlType::*;
    let numeric = |p: Option<u16>, s: Option<u16>| Numeric {
        precision: p,
        scale: s,
    };
    let cases = [
        (SmallInt, Integer, true),
        (SmallInt, BigInt, true),
        (Integer, BigInt, true),
        (BigInt, Integer, false),
        (Integer, SmallInt, false),
        (Integer, Integer, true),
        (Real, Double, true),
        (Double, Real, false),
        (Varchar(32), Varchar(64), true),
        (Varchar(64), Varchar(64), true),
        (Varchar(64), Varchar(32), false),
        (Varchar(64), Text, true),
        (Text, Varchar(64), false),
        (SqlType::numeric(10, 2), SqlType::numeric(12, 2), true),
        (SqlType::numeric(10, 2), SqlType::numeric(12, 4), true),
        (SqlType::numeric(10, 2), SqlType::numeric(11, 3), true),
        (SqlType::numeric(10, 2), SqlType::numeric(10, 3), false),
        (SqlType::numeric(12, 2), SqlType::numeric(10, 2), false),
        (SqlType::numeric(10, 2), SqlType::numeric(12, 0), false),
        (numeric(Some(10), None), SqlType::numeric(12, 2), true),
        (SqlType::numeric(10, 2), SqlType::NUMERIC, true),
        (SqlType::NUMERIC, SqlType::numeric(10, 2), false),
        (Integer, SqlType::NUMERIC, false),
        (Integer, Text, false),
        (Boolean, Integer, false),
        (SqlType::TIMESTAMP, SqlType::TIMESTAMPTZ, false),
        (Uuid, Uuid, true),
        (mood(&["happy"]), mood(&["happy", "sad"]), true),
        (
            mood(&["happy"]),
            SqlType::enumeration("feeling", ["happy"]),
            false,
        ),
    ];
    for (from, to, expected) in cases {
        assert_eq!(widens(&from, &to), expected, "{from:?} -> {to:?}");
    }
}
