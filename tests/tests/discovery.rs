//! Discovery: `ferro::schema!()` in a crate finds every model declared anywhere in
//! that crate, and only those.

use std::collections::BTreeSet;

fn table_names(schema: &ferro::Schema) -> Vec<&str> {
    schema.tables().iter().map(|t| t.name.as_ref()).collect()
}

#[test]
fn every_model_of_the_crate_is_found_wherever_it_is_declared() {
    let schema = blog_models::schema().expect("the blog is a valid schema");
    // `Post` lives in a module nothing imports; `post_tags` is its join table.
    assert_eq!(table_names(&schema), ["post", "post_tags", "tag", "users"]);
}

#[test]
fn a_crate_gets_its_own_models_only() {
    let zoo = ferro_tests::schema().unwrap();
    assert!(
        table_names(&zoo).iter().all(|t| t.starts_with("zoo_")),
        "{:?}",
        table_names(&zoo)
    );
    assert!(
        ferro::registry::crate_schema("no_such_crate")
            .unwrap()
            .tables()
            .is_empty()
    );
}

#[test]
fn registrations_name_their_crate_and_model() {
    let blog: BTreeSet<&str> = ferro::registry::registrations()
        .filter(|r| r.crate_name() == "blog_models")
        .map(|r| r.model)
        .collect();
    assert_eq!(blog, BTreeSet::from(["Post", "Tag", "User"]));
    let post = ferro::registry::registrations()
        .find(|r| r.model == "Post")
        .unwrap();
    assert_eq!(post.module_path, "blog_models::posts");
}

#[test]
fn the_example_schema_follows_the_contract() {
    let schema = blog_models::schema().unwrap();
    let users = schema.table("users").unwrap();
    let id = users.column("id").unwrap();
    assert!(id.auto_increment && !id.nullable);
    assert_eq!(
        users.column("username").unwrap().ty,
        ferro::schema::SqlType::Varchar(64)
    );
    assert!(users.column("bio").unwrap().nullable);
    let post = schema.table("post").unwrap();
    assert!(
        !post.column("id").unwrap().auto_increment,
        "a UUID key does not auto-increment"
    );
    let editor = post
        .foreign_keys
        .iter()
        .find(|fk| fk.columns[0] == "editor_id")
        .unwrap();
    assert_eq!(editor.on_delete, ferro::schema::Action::SetNull);
    assert_eq!(editor.name.as_deref(), Some("fk_post_editor_id_users"));
    let enums: Vec<&str> = schema.enums().iter().map(|e| e.name.as_ref()).collect();
    assert_eq!(enums, ["user_role"]);
}
