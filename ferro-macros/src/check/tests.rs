use super::*;
use syn::parse_quote;

fn messages(input: &DeriveInput) -> Vec<String> {
    let mut errors = Errors::default();
    let _ = model(input, &mut errors);
    errors.messages()
}

#[test]
fn names_default_to_snake_case_and_field_names() {
    let input: DeriveInput = parse_quote! {
        struct BlogPost {
            #[ferro(primary_key)]
            id: i64,
            r#type: String,
        }
    };
    let mut errors = Errors::default();
    let m = model(&input, &mut errors).expect("valid");
    assert_eq!(m.table, "blog_post");
    assert_eq!(m.model_name, "blog_post");
    let names: Vec<&str> = m.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "type"]);
    assert_eq!(m.primary_key, ["id"]);
    assert_eq!(m.key, Some(0));
}

#[test]
fn field_options_are_parsed() {
    let input: DeriveInput = parse_quote! {
        #[ferro(table = "posts", comment = "articles", renamed_from = "entries")]
        struct Post {
            #[ferro(primary_key, auto_increment = false)]
            id: i64,
            #[ferro(column = "title_text", max_length = 200, default = "''", comment = "shown")]
            title: String,
            #[ferro(precision = 10, scale = 3)]
            price: Decimal,
            #[ferro(foreign_key(references = crate::User, column = "uid", on_delete = "set  null", on_update = "CASCADE"))]
            author: Option<i64>,
            #[ferro(skip)]
            cache: Vec<u8>,
        }
    };
    let mut errors = Errors::default();
    let m = model(&input, &mut errors).expect("valid");
    assert_eq!(
        (m.table.as_str(), m.comment.as_deref(), m.renamed_from.as_deref()),
        ("posts", Some("articles"), Some("entries"))
    );
    assert_eq!(m.columns.len(), 4, "skipped fields are not columns");
    let id = &m.columns[0].attrs;
    assert!(!id.auto_increment.as_ref().unwrap().value);
    let title = &m.columns[1];
    assert_eq!(title.name, "title_text");
    assert_eq!(title.attrs.max_length.as_ref().unwrap().value.value, 200);
    assert_eq!(title.attrs.default.as_ref().unwrap().value.value(), "''");
    let price = &m.columns[2].attrs;
    assert_eq!(
        (
            price.precision.as_ref().unwrap().value.value,
            price.scale.as_ref().unwrap().value.value
        ),
        (10, 3)
    );
    let fk = m.columns[3].foreign_key().unwrap();
    assert_eq!(crate::attr::path_name(fk.references()), "crate::User");
    assert_eq!(fk.column.as_ref().unwrap().value.value(), "uid");
    assert!(
        fk.on_delete.as_ref().unwrap().value == Referential::SetNull,
        "case and spacing are forgiven"
    );
    assert!(fk.on_update.as_ref().unwrap().value == Referential::Cascade);
    assert!(m.columns[3].written_option);
}

#[test]
fn struct_level_lists_resolve_to_column_names() {
    let input: DeriveInput = parse_quote! {
        #[ferro(primary_key(fields(user_id, group_id)))]
        #[ferro(index(fields(group_id, since), name = "ix_recent", unique))]
        #[ferro(unique(fields(user_id, since)))]
        #[ferro(check(name = "ck_since", expr = "since > 0"))]
        struct Membership {
            #[ferro(column = "uid")]
            user_id: i64,
            group_id: i64,
            #[ferro(index, unique)]
            since: i64,
        }
    };
    let mut errors = Errors::default();
    let m = model(&input, &mut errors).expect("valid");
    assert_eq!(m.primary_key, ["uid", "group_id"]);
    assert_eq!(m.key, None);
    let indexes: Vec<(Option<&str>, &[String], bool)> = m
        .indexes
        .iter()
        .map(|i| (i.name.as_deref(), i.columns.as_slice(), i.unique))
        .collect();
    assert_eq!(
        indexes,
        [
            (None, &["since".to_owned()][..], true),
            (
                Some("ix_recent"),
                &["group_id".to_owned(), "since".to_owned()][..],
                true
            )
        ]
    );
    assert_eq!(m.uniques[0].columns, ["uid", "since"]);
    assert_eq!(m.checks, [("ck_since".to_owned(), "since > 0".to_owned())]);
}

#[test]
fn every_mistake_of_a_struct_is_collected() {
    // One error per mistake: the `foreign_key` with a bad action is not also
    // reported for lacking `references`.
    let input: DeriveInput = parse_quote! {
        #[ferro(tabel = "x", index(fields(nope)))]
        struct Broken {
            #[ferro(primary_key, nullable)]
            id: i64,
            #[ferro(max_length = "8", unique, unique)]
            name: String,
            #[ferro(foreign_key(on_delete = "EXPLODE"))]
            other: i64,
        }
    };
    assert_eq!(
        messages(&input),
        [
            "unknown ferro struct attribute `tabel`; did you mean `table`?",
            "`nullable` cannot be combined with `primary_key`: a primary key is never NULL",
            "`max_length` takes a whole number, as in `max_length = 64`",
            "duplicate ferro attribute `unique`; give it once",
            "unknown referential action `EXPLODE`; expected one of `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`, `NO ACTION`",
            "unknown field `nope` in `index`; the struct has no such field",
        ]
    );
}

#[test]
fn suggestions_only_for_near_misses() {
    assert_eq!(closest("nulable", &["nullable", "unique"]), Some("nullable"));
    assert_eq!(closest("primarykey", &["primary_key"]), Some("primary_key"));
    assert_eq!(closest("frobnicate", &["nullable", "unique"]), None);
}
