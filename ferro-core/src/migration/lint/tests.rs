use super::*;
use crate::migration::Ops;
use crate::schema::{Check, Column, ForeignKey, Index, SqlType, UniqueConstraint};
use Database::{MySql, Postgres, Sqlite};

fn codes(ops: &Ops, database: Database) -> Vec<&'static str> {
    lint(ops.steps(), database).iter().map(|f| f.rule.code).collect()
}

fn recorded(record: impl FnOnce(&mut Ops)) -> Ops {
    let mut ops = Ops::default();
    record(&mut ops);
    ops
}

#[test]
fn an_index_on_an_existing_table_blocks_writes_unless_built_concurrently() {
    let plain = recorded(|op| {
        op.create_index("posts", Index::new("ix_posts_title", ["title"]));
    });
    assert_eq!(codes(&plain, Postgres), ["F101", "F110"]);
    let online = recorded(|op| {
        op.create_index("posts", Index::new("ix_posts_title", ["title"]))
            .concurrently();
    });
    assert_eq!(codes(&online, Postgres), Vec::<&str>::new());
    // InnoDB builds it in place while writes go on; SQLite needs no copy.
    assert_eq!(codes(&plain, MySql), Vec::<&str>::new());
    assert_eq!(codes(&plain, Sqlite), Vec::<&str>::new());
}

#[test]
fn steps_on_a_table_the_migration_creates_find_nothing() {
    let ops = recorded(|op| {
        op.create_table("posts", |t| {
            t.column("id", SqlType::BigInt);
            t.column("title", SqlType::Text);
        });
        op.create_index("posts", Index::new("ix_posts_title", ["title"]));
        op.add_check("posts", Check::new("ck_title", "title <> ''"));
        op.rename_table("posts", "articles");
        op.add_column("articles", Column::new("body", SqlType::Text));
        op.drop_column("articles", "title");
    });
    for database in [Sqlite, Postgres, MySql] {
        assert_eq!(codes(&ops, database), Vec::<&str>::new(), "{database:?}");
    }
}

#[test]
fn validate_separately_clears_the_scans_under_lock_but_not_the_rows() {
    let key = ForeignKey::new("fk_posts_author_id_users", ["author_id"], "users", ["id"]);
    let check = Check::new("ck_posts_len", "length(title) > 0");
    let plain = recorded(|op| {
        op.sql("SET LOCAL lock_timeout = '5s'");
        op.add_foreign_key("posts", key.clone());
        op.add_check("posts", check.clone());
    });
    assert_eq!(codes(&plain, Postgres), ["F103", "F301", "F104", "F301"]);
    let split = recorded(|op| {
        op.sql("SET LOCAL lock_timeout = '5s'");
        op.add_foreign_key("posts", key).validate_separately();
        op.add_check("posts", check).validate_separately();
    });
    assert_eq!(codes(&split, Postgres), ["F301", "F301"]);
    // InnoDB copies the table for both.
    assert_eq!(codes(&plain, MySql), ["F107", "F301", "F107", "F301"]);
}

#[test]
fn not_null_scans_and_breaks_old_writers() {
    let ops = recorded(|op| {
        op.alter_column(
            "users",
            Column::new("name", SqlType::Text).nullable(),
            Column::new("name", SqlType::Text),
        );
    });
    assert_eq!(codes(&ops, Postgres), ["F105", "F205", "F301", "F110"]);
    // Through a check validated apart: no scan under the lock.
    let mut online = ops.clone();
    let step = online.push(ops.steps()[0].op.clone());
    step.validate_separately();
    let marked = &online.steps()[1..];
    let found: Vec<&str> = lint(marked, Postgres).iter().map(|f| f.rule.code).collect();
    assert_eq!(found, ["F205", "F301", "F110"]);
    assert_eq!(lint(marked, MySql).len(), lint(ops.steps(), MySql).len());
    assert_eq!(codes(&ops, MySql), ["F205", "F301"]);
    assert_eq!(codes(&ops, Sqlite), ["F401", "F205", "F301"]);
}

#[test]
fn what_the_running_application_meets_is_found_on_every_database() {
    let ops = recorded(|op| {
        op.drop_column("users", "age");
        op.drop_table("sessions");
        op.rename_column("users", "name", "full_name");
        op.rename_table("posts", "articles");
        op.add_column("users", Column::new("plan", SqlType::Text));
        op.alter_column(
            "users",
            Column::new("n", SqlType::Integer),
            Column::new("n", SqlType::BigInt),
        );
        op.drop_enum_value("role", "guest");
    });
    for database in [Sqlite, Postgres, MySql] {
        let found: Vec<&str> = codes(&ops, database)
            .into_iter()
            .filter(|c| c.starts_with("F2"))
            .collect();
        assert_eq!(
            found,
            ["F201", "F202", "F203", "F204", "F205", "F206", "F207"],
            "{database:?}"
        );
    }
}

#[test]
fn a_rewrite_under_a_lock_that_stops_writes_is_found() {
    let ops = recorded(|op| {
        op.alter_column(
            "users",
            Column::new("n", SqlType::Integer),
            Column::new("n", SqlType::BigInt),
        );
        op.add_column(
            "users",
            Column::new("token", SqlType::Uuid).default("gen_random_uuid()"),
        );
    });
    let pg = codes(&ops, Postgres);
    assert_eq!(pg.iter().filter(|c| **c == "F107").count(), 2, "{pg:?}");
    // MySQL copies the table for the type change; the new column is instant.
    assert_eq!(codes(&ops, MySql), ["F107", "F206"]);
}

#[test]
fn a_lock_timeout_is_asked_for_once_and_only_before_it_is_set() {
    let unbounded = recorded(|op| {
        op.add_column("users", Column::new("a", SqlType::Text).nullable());
        op.add_column("users", Column::new("b", SqlType::Text).nullable());
    });
    let found = lint(unbounded.steps(), Postgres);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].rule.code, found[0].step), ("F110", 0));
    let bounded = recorded(|op| {
        op.sql("SET lock_timeout = '2s'");
        op.add_column("users", Column::new("a", SqlType::Text).nullable());
    });
    assert!(lint(bounded.steps(), Postgres).is_empty());
    // A comment, a new table: no lock on anything the application uses.
    let harmless = recorded(|op| {
        op.set_table_comment("users", Some("people"));
        op.add_unique("users", UniqueConstraint::new("uq_users_email", ["email"]));
    });
    assert_eq!(codes(&harmless, Postgres), ["F106", "F301", "F110"]);
    assert_eq!(lint(harmless.steps(), Postgres)[2].step, 1);
    // Its index built concurrently and attached: no scan under the lock.
    let online = recorded(|op| {
        op.add_unique("users", UniqueConstraint::new("uq_users_email", ["email"]))
            .concurrently();
    });
    assert_eq!(codes(&online, Postgres), ["F301"]);
}

#[test]
fn a_new_table_asks_for_a_lock_timeout_when_its_key_locks_an_existing_one() {
    let ops = recorded(|op| {
        op.create_table("tags", |t| {
            t.column("id", SqlType::BigInt);
            t.column("parent_id", SqlType::BigInt).nullable();
            t.foreign_key(ForeignKey::new(
                "fk_tags_parent_id_tags",
                ["parent_id"],
                "tags",
                ["id"],
            ));
        });
        op.create_table("post_tags", |t| {
            t.column("tag_id", SqlType::BigInt);
            t.foreign_key(ForeignKey::new(
                "fk_post_tags_tag_id_tags",
                ["tag_id"],
                "tags",
                ["id"],
            ));
        });
    });
    // Both refer only to new tables.
    assert_eq!(codes(&ops, Postgres), Vec::<&str>::new());
    let refers = recorded(|op| {
        op.create_table("comments", |t| {
            t.column("post_id", SqlType::BigInt);
            t.foreign_key(ForeignKey::new(
                "fk_comments_post_id_posts",
                ["post_id"],
                "posts",
                ["id"],
            ));
        });
    });
    assert_eq!(codes(&refers, Postgres), ["F110"]);
    assert_eq!(codes(&refers, MySql), Vec::<&str>::new());
}

#[test]
fn a_fill_in_batches_holds_no_row_for_long() {
    let fill = |batched: bool| {
        recorded(|op| {
            let step = op.fill_nulls("users", "name", Some("''"));
            if batched {
                step.in_batches();
            }
        })
    };
    assert_eq!(codes(&fill(false), Postgres), ["F109"]);
    assert_eq!(codes(&fill(false), MySql), ["F109"]);
    assert!(codes(&fill(true), Postgres).is_empty());
    assert!(codes(&fill(true), MySql).is_empty());
}

#[test]
fn an_accepted_finding_is_still_listed_as_accepted() {
    let ops = recorded(|op| {
        op.drop_column("users", "age").acknowledged(true).accept("F201");
    });
    let found = lint(ops.steps(), MySql);
    assert_eq!(found.len(), 1);
    assert!(found[0].accepted);
    assert_eq!(found[0].op, "drop column users.age");
    assert_eq!(found[0].detail, "ALGORITHM=INSTANT, LOCK=NONE");
}

#[test]
fn every_rule_has_a_code_of_its_own_and_says_what_to_do() {
    let mut seen = HashSet::new();
    for rule in RULES {
        assert!(seen.insert(rule.code), "{} twice", rule.code);
        assert!(
            rule.code.len() == 4 && rule.code.starts_with('F'),
            "{}",
            rule.code
        );
        assert!(
            !rule.finds.is_empty() && !rule.instead.is_empty(),
            "{}",
            rule.code
        );
        assert_eq!(Rule::by_code(rule.code), Some(*rule));
    }
    assert_eq!(Level::parse("warning"), Some(Level::Warning));
    assert_eq!(Level::parse("loud"), None);
}
