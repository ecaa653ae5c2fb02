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

fn between(from: &Schema, to: &Schema) -> Plans {
    let d = diff(from, to);
    assert_eq!(d.hints, [], "unexpected rename hints");
    let plans = both(from, to, &d);
    LAST.with(|l| *l.borrow_mut() = Some((from.clone(), to.clone())));
    assert_in_order(from, &plans.upgrade);
    assert_in_order(to, &plans.downgrade);
    plans
}

/// Runs `plan` from `from` under the rules a database applies to names: every
/// table, column, key and index a step names exists when it runs; a foreign
/// key's referred table and columns exist when it is made; nothing is dropped
/// while a foreign key of another table refers to it.
fn assert_in_order(from: &Schema, plan: &Plan) {
    use crate::migration::{State, op_table};
    let mut state = State {
        tables: from.without_hints().into_tables(),
        ..Default::default()
    };
    for op in &plan.steps {
        let fail = |why: String| -> ! { panic!("{op} cannot run here: {why}\nplan: {:#?}", plan.steps) };
        let keys: Vec<(&str, &ForeignKey)> = match op {
            Op::CreateTable(t) => t.foreign_keys.iter().map(|k| (t.name.as_ref(), k)).collect(),
            Op::AddForeignKey { table, key } => vec![(table.as_ref(), key)],
            _ => Vec::new(),
        };
        for (owner, key) in keys {
            let referred = match op {
                Op::CreateTable(t) if key.referred_table == t.name => Some(t),
                _ => state.table(&key.referred_table),
            };
            let Some(referred) = referred else {
                fail(format!(
                    "{owner} refers to {}, which does not exist",
                    key.referred_table
                ));
            };
            for c in key.referred_columns.iter() {
                if referred.column(c).is_none() {
                    fail(format!(
                        "{owner} refers to {}.{c}, which does not exist",
                        referred.name
                    ));
                }
            }
        }
        let columns: Vec<&Str> = match op {
            Op::CreateIndex { index, .. } => index.columns.iter().collect(),
            Op::AddUnique { constraint, .. } => constraint.columns.iter().collect(),
            Op::AddPrimaryKey { key, .. } => key.columns.iter().collect(),
            Op::AddForeignKey { key, .. } => key.columns.iter().collect(),
            Op::FillNulls { column, .. } => vec![column],
            _ => Vec::new(),
        };
        if let Some(table) = op_table(op).and_then(|t| state.table(t)) {
            for c in columns {
                if table.column(c).is_none() {
                    fail(format!("{} has no column {c}", table.name));
                }
            }
        }
        let referring = |name: &str, column: Option<&str>| {
            state.tables.iter().find(|t| {
                t.name != name
                    && t.foreign_keys.iter().any(|k| {
                        k.referred_table == name
                            && column.is_none_or(|c| k.referred_columns.iter().any(|r| r == c))
                    })
            })
        };
        match op {
            Op::DropTable { name } => {
                if let Some(t) = referring(name, None) {
                    fail(format!("{} still refers to it", t.name));
                }
            }
            Op::DropColumn { table, column } => {
                if let Some(t) = referring(table, Some(column)) {
                    fail(format!("{} still refers to it", t.name));
                }
            }
            // MySQL refuses to drop the key or index a foreign key of
            // another table uses.
            Op::DropPrimaryKey { table, .. } | Op::DropUnique { table, .. } | Op::DropIndex { table, .. } => {
                let Some(t) = state.table(table) else {
                    fail(format!("{table} does not exist"));
                };
                let columns: Vec<Str> = match op {
                    Op::DropPrimaryKey { .. } => t
                        .primary_key
                        .iter()
                        .flat_map(|k| k.columns.iter().cloned())
                        .collect(),
                    Op::DropUnique { name, .. } => t
                        .unique_constraints
                        .iter()
                        .filter(|u| u.name.as_deref() == Some(name))
                        .flat_map(|u| u.columns.iter().cloned())
                        .collect(),
                    Op::DropIndex { name, .. } => t
                        .indexes
                        .iter()
                        .filter(|i| i.name.as_deref() == Some(name))
                        .flat_map(|i| i.columns.iter().cloned())
                        .collect(),
                    _ => unreachable!(),
                };
                if let Some(c) = columns.first()
                    && let Some(t) = referring(table, Some(c))
                {
                    fail(format!("{} still refers to {table}.{c}", t.name));
                }
            }
            _ => {}
        }
        if let Err(e) = state.apply(op) {
            fail(e.to_string());
        }
    }
}

fn upgrade(plans: &Plans) -> Vec<String> {
    plans.upgrade.steps.iter().map(|op| op.to_string()).collect()
}

fn downgrade(plans: &Plans) -> Vec<String> {
    plans.downgrade.steps.iter().map(|op| op.to_string()).collect()
}

/// The table a `CreateTable` step creates.
fn created<'a>(plans: &'a Plans, name: &str) -> &'a Table {
    plans
        .upgrade
        .steps
        .iter()
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

/// Checks what every pair of plans must satisfy: run on the old schema
/// without a database, the upgrade gives the new schema and the downgrade
/// then gives the old one back.
fn assert_invertible(plans: &Plans) {
    let (before, after) = LAST.with(|l| l.borrow().clone()).expect("between() ran");
    let mut state = crate::migration::State {
        tables: before.without_hints().into_tables(),
        ..Default::default()
    };
    for op in &plans.upgrade.steps {
        state.apply(op).unwrap();
    }
    assert_eq!(
        normal(&state.tables),
        normal(after.without_hints().tables()),
        "the upgrade"
    );
    for op in &plans.downgrade.steps {
        state.apply(op).unwrap();
    }
    assert_eq!(
        normal(&state.tables),
        normal(before.without_hints().tables()),
        "the downgrade"
    );
}

thread_local! {
    /// The schemas of the last [`between`], for [`assert_invertible`].
    static LAST: std::cell::RefCell<Option<(Schema, Schema)>> = const { std::cell::RefCell::new(None) };
}

/// Tables in name order, each with its columns and constraints in name order.
fn normal(tables: &[Table]) -> Vec<Table> {
    let mut tables = tables.to_vec();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    for t in &mut tables {
        t.columns.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
        t.indexes.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
        t.unique_constraints.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
        t.foreign_keys.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
        t.checks.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
    }
    tables
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

/// A new table whose foreign key refers to a key the same migration gives an
/// existing table: created without the key, which is added once the referred
/// column is the table's key (a history test found the downgrade that made
/// a join table again before its referred key was back; SQLite's integrity
/// check failed, and PostgreSQL would have refused the table).
#[test]
fn a_new_tables_key_to_a_key_made_in_the_same_migration_waits_for_it() {
    let mut people = table("people", []);
    let before = schema([people.clone()]);
    people.columns = vec![text("code")].into();
    people.primary_key = Some(PrimaryKey {
        name: None,
        ..PrimaryKey::new("", ["code"])
    });
    let mut to_code = fk("person_code", "people");
    to_code.referred_columns = vec!["code".into()].into();
    let badges = table("badges", [text("person_code")]).with_fk(to_code);
    let p = between(&before, &schema([people, badges]));
    let up = upgrade(&p);
    let at = |step: &str| {
        up.iter()
            .position(|s| s == step)
            .unwrap_or_else(|| panic!("{step} in {up:?}"))
    };
    assert!(
        at("create table badges") < at("add primary key people(code)"),
        "{up:?}"
    );
    assert!(
        at("add primary key people(code)") < at("add foreign key badges(person_code) to people"),
        "{up:?}"
    );
    assert_eq!(
        key_names(created(&p, "badges")),
        Vec::<&str>::new(),
        "the key waits"
    );
    assert_invertible(&p);
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
    // The downgrade creates it as it was.
    assert_eq!(
        p.downgrade.steps,
        [Op::CreateTable(all.table("comments").unwrap().clone())]
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
    let recreated_books = &p.downgrade.steps[0];
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
    // A required column added to a table that may hold rows: added NULL-able,
    // filled (with a value the developer writes), then made NOT NULL.
    assert_eq!(
        upgrade(&p),
        [
            "create table users",
            "add column posts.author_id",
            "fill NULLs of posts.author_id (value not written)",
            "alter column posts.author_id (NOT NULL)",
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
            "fill NULLs of posts.author_id (value not written)",
            "alter column posts.author_id (NOT NULL)",
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
    // The downgrade renames the table back first, then uses the old name.
    assert_eq!(
        downgrade(&p),
        [
            "rename table members to users",
            "rename constraint posts.fk_posts_author_id_members to fk_posts_author_id_users",
            "rename constraint users.pk_members to pk_users",
            "rename index users.ix_members_org_id to ix_users_org_id",
            "rename constraint users.fk_members_org_id_orgs to fk_users_org_id_orgs",
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
        p.downgrade.steps.first(),
        Some(&Op::CreateEnum(EnumType {
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
            "fill NULLs of users.score (value not written)",
            "alter column users.score (NOT NULL)",
            "drop value calm of enum mood",
        ]
    );
    assert_eq!(
        p.downgrade.steps.first(),
        Some(&Op::AddEnumValue {
            name: "mood".into(),
            value: "meh".into(),
            before: Some("sad".into()),
        }),
        "a dropped value comes back where it was"
    );
    assert_eq!(
        p.upgrade.steps[0],
        Op::AddEnumValue {
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
fn the_downgrade_undoes_every_step_in_an_order_of_its_own() {
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
            "rename column users.handle to nickname",
            "drop foreign key posts.fk_posts_author_id_users",
            "drop unique users.uq_users_email",
            "drop check users.ck_users_age",
            "create table legacy",
            "add column users.legacy_flag",
            "alter column users.age (type BIGINT to INTEGER)",
            "fill NULLs of users.legacy_flag (value not written)",
            "alter column users.legacy_flag (NOT NULL)",
            "set comment of table users",
            "add foreign key posts(author_id) to users",
            "drop column users.bio",
            "drop table tags",
        ]
    );
    assert_invertible(&p);
    // An added column is dropped by name; a dropped column added back as it
    // was; a comment set back.
    let has = |op: Op| p.downgrade.steps.contains(&op);
    assert!(has(Op::DropColumn {
        table: "users".into(),
        column: "bio".into(),
    }));
    assert!(has(Op::AddColumn {
        table: "users".into(),
        column: Column::new("legacy_flag", SqlType::Boolean).nullable(),
    }));
    assert!(has(Op::SetTableComment {
        table: "users".into(),
        comment: None,
    }));
}

#[test]
fn an_empty_diff_gives_an_empty_plan() {
    let (before, _) = before_and_after(false);
    let p = between(&before, &before);
    assert_eq!(p, Plans::default());
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
    let destructive: Vec<String> = p.upgrade.destructive().map(|op| op.to_string()).collect();
    assert_eq!(
        destructive,
        ["drop column users.legacy_flag", "drop table legacy"]
    );
    let dependent: Vec<String> = p.upgrade.data_dependent().map(|op| op.to_string()).collect();
    assert_eq!(
        dependent,
        [
            "add unique users(email)",
            "add check users.ck_users_age",
            "add foreign key posts(author_id) to users",
        ]
    );
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

// ---- names in both directions --------------------------------------------

#[test]
fn a_dropped_table_that_refers_to_a_renamed_one_comes_back_after_the_rename_back() {
    // The upgrade renames `users` to `members` and drops `sessions`, whose
    // key refers to `users`: the downgrade must rename `members` back before
    // it creates `sessions` with its key to `users`.
    let sessions = table("sessions", [big("user_id")]).with_fk(fk("user_id", "users"));
    let before = schema([users(), sessions]);
    let after = schema([table("members", [text("email")]).renamed_from("users")]);
    let p = between(&before, &after);
    assert_eq!(
        downgrade(&p),
        [
            "rename table members to users",
            "rename constraint users.pk_members to pk_users",
            "create table sessions",
        ]
    );
    assert_invertible(&p);
}

#[test]
fn keys_and_indexes_over_renamed_columns_come_back_after_the_columns() {
    // `posts.author_id` becomes `writer_id`, `users.id` becomes `uid`; the
    // index over the old column and the key to `users.id` are dropped, and
    // the downgrade makes them again with the old names, after the renames.
    let mut users_after = table("users", [text("email")]);
    users_after.columns.to_mut()[0] = Column {
        renamed_from: Some("id".into()),
        ..big("uid")
    };
    users_after.primary_key = Some(PrimaryKey {
        name: None,
        ..PrimaryKey::new("", ["uid"])
    });
    let before = schema([users(), posts().with_index(ix(&["author_id"]))]);
    let mut posts_after = table("posts", []);
    posts_after.columns.to_mut().push(Column {
        renamed_from: Some("author_id".into()),
        ..big("writer_id")
    });
    let after = schema([users_after, posts_after]);
    let p = between(&before, &after);
    assert_eq!(
        upgrade(&p),
        [
            "rename column posts.author_id to writer_id",
            "rename column users.id to uid",
            "drop foreign key posts.fk_posts_author_id_users",
            "drop index posts.ix_posts_author_id",
        ]
    );
    assert_eq!(
        downgrade(&p),
        [
            "rename column posts.writer_id to author_id",
            "rename column users.uid to id",
            "create index posts(author_id)",
            "add foreign key posts(author_id) to users",
        ]
    );
    assert_invertible(&p);
}

#[test]
fn a_renamed_self_referencing_table_keeps_its_key() {
    let people =
        |name: &'static str| table(name, [big("parent_id").nullable()]).with_fk(fk("parent_id", name));
    let before = schema([people("people")]);
    let after = schema([people("persons").renamed_from("people")]);
    let p = between(&before, &after);
    assert_eq!(
        upgrade(&p),
        [
            "rename table people to persons",
            "rename constraint persons.pk_people to pk_persons",
            "rename constraint persons.fk_people_parent_id_people to fk_persons_parent_id_persons",
        ]
    );
    assert_invertible(&p);
}

// ---- fills -----------------------------------------------------------------

#[test]
fn a_column_made_not_null_is_filled_from_its_default_first() {
    let before = schema([table("users", [text("nick").nullable()])]);
    let after = schema([table("users", [text("nick").default("'anon'")])]);
    let p = between(&before, &after);
    assert_eq!(
        upgrade(&p),
        [
            "fill NULLs of users.nick with 'anon'",
            "alter column users.nick (NOT NULL, default 'anon')",
        ]
    );
    // The way back only lifts the constraint: the filled values stay.
    assert_eq!(downgrade(&p), ["alter column users.nick (NULL, no default)"]);
    assert_invertible(&p);
}

#[test]
fn without_a_default_the_fill_waits_for_a_value() {
    let before = schema([table("users", [text("nick").nullable()])]);
    let after = schema([table("users", [text("nick")])]);
    let p = between(&before, &after);
    assert_eq!(
        p.upgrade.steps[0],
        Op::FillNulls {
            table: "users".into(),
            column: "nick".into(),
            value: None,
        }
    );
    assert!(p.upgrade.steps[0].is_unwritten_fill());
    // The downgrade makes it NULL-able again, and needs no fill.
    assert_eq!(downgrade(&p), ["alter column users.nick (NULL)"]);
    // The other way round, the downgrade is the one that fills.
    let p = between(&after, &before);
    assert_eq!(
        downgrade(&p),
        [
            "fill NULLs of users.nick (value not written)",
            "alter column users.nick (NOT NULL)"
        ]
    );
}

#[test]
fn a_type_change_comes_before_the_fill_in_the_new_type() {
    let before = schema([table("users", [Column::new("age", SqlType::Integer).nullable()])]);
    let after = schema([table("users", [big("age").default("0")])]);
    let p = between(&before, &after);
    assert_eq!(
        upgrade(&p),
        [
            "alter column users.age (type INTEGER to BIGINT, default 0)",
            "fill NULLs of users.age with 0",
            "alter column users.age (NOT NULL)",
        ]
    );
    assert_invertible(&p);
}

#[test]
fn a_dropped_tables_key_goes_before_the_key_it_refers_to() {
    // Found by the random histories on MariaDB: `tags` is dropped and
    // `users` gets a new primary key in the same migration. The drop of
    // `tags` comes last, so its foreign key must go first: MySQL refuses to
    // drop a primary key a foreign key still uses.
    let tags = table("tags", [big("user_id")]).with_fk(fk("user_id", "users"));
    let before = schema([users(), tags]);
    let mut users_after = table("users", [big("uid")]);
    users_after.primary_key = Some(PrimaryKey {
        name: None,
        ..PrimaryKey::new("", ["uid"])
    });
    let p = between(&before, &schema([users_after]));
    let steps = upgrade(&p);
    let position = |step: &str| {
        steps
            .iter()
            .position(|s| s == step)
            .unwrap_or_else(|| panic!("no {step} in {steps:?}"))
    };
    assert!(
        position("drop foreign key tags.fk_tags_user_id_users") < position("drop primary key users.pk_users")
    );
    assert_eq!(steps.last().map(String::as_str), Some("drop table tags"));
    assert_invertible(&p);
}

/// A view is dropped before a change to a table it reads and made again
/// after, what reads it too, in the order each needs; a view of a table
/// nothing changes stays.
#[test]
fn views_are_made_again_around_a_change_to_what_they_read() {
    use crate::schema::View;
    let orders = |ty: SqlType| {
        let mut t = Table::new("orders");
        t.columns = vec![Column::new("id", SqlType::BigInt), Column::new("total", ty)].into();
        t
    };
    let mut users = Table::new("users");
    users.columns = vec![Column::new("id", SqlType::BigInt)].into();
    let views = [
        View::new("big", "SELECT * FROM paid WHERE total > 100"),
        View::new("paid", "SELECT id, total FROM orders"),
        View::new("people", "SELECT id FROM users"),
    ];
    let before = Schema::with_views([orders(SqlType::Integer), users.clone()], views.clone()).unwrap();
    let after = Schema::with_views([orders(SqlType::BigInt), users], views).unwrap();
    let plans = crate::plan::between(&before, &after);
    let words: Vec<String> = plans.upgrade.steps.iter().map(ToString::to_string).collect();
    assert_eq!(
        words,
        [
            "drop view big",
            "drop view paid",
            "alter column orders.total (type INTEGER to BIGINT)",
            "create view paid",
            "create view big",
        ]
    );
    let back: Vec<String> = plans.downgrade.steps.iter().map(ToString::to_string).collect();
    assert_eq!(back[0], "drop view big");
    assert_eq!(back.last().map(String::as_str), Some("create view big"));
}

/// An enum that loses a value is made again on PostgreSQL, and every
/// column of it retyped: a view over a table with such a column is made
/// again around it, though nothing else of the table changes.
#[test]
fn a_view_over_a_column_of_a_changed_enum_is_made_again() {
    use crate::schema::View;
    let tickets = |values: &[&'static str]| {
        let mut t = Table::new("tickets");
        t.columns = vec![
            Column::new("id", SqlType::BigInt),
            Column::new("state", SqlType::enumeration("state", values.iter().copied())),
        ]
        .into();
        t
    };
    let open = [View::new(
        "open_tickets",
        "SELECT id FROM tickets WHERE state = 'open'",
    )];
    let before = Schema::with_views([tickets(&["open", "closed", "lost"])], open.clone()).unwrap();
    let after = Schema::with_views([tickets(&["open", "closed"])], open).unwrap();
    let words: Vec<String> = crate::plan::between(&before, &after)
        .upgrade
        .steps
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        words,
        [
            "drop view open_tickets",
            "drop value lost of enum state",
            "create view open_tickets"
        ]
    );
}
