//! The model zoo's schema, as JSON: the reviewed specification of what the
//! derives produce for every type and option.

use ferro::Model;
use ferro_tests::zoo;

#[test]
fn zoo_schema_snapshot() {
    let schema = ferro_tests::schema().expect("the zoo is a valid schema");
    insta::assert_snapshot!("zoo_schema", ferro::snapshot::to_json(&schema));
}

#[test]
fn the_snapshot_reads_back_to_the_same_schema() {
    let schema = ferro_tests::schema().unwrap();
    let json = ferro::snapshot::to_json(&schema);
    assert_eq!(ferro::snapshot::from_json(&json).unwrap(), schema);
}

#[test]
fn descriptors_are_const_data() {
    const TABLE: ferro::schema::Table = <zoo::Animal as Model>::TABLE;
    const NAME: &str = <zoo::Animal as Model>::TABLE_NAME;
    assert_eq!(TABLE.name, NAME);
    assert!(
        matches!(TABLE.name, std::borrow::Cow::Borrowed(_)),
        "a descriptor borrows 'static data"
    );
    // The owned form is what a diff works on: change it freely.
    let mut owned = TABLE.clone();
    owned.columns.to_mut().pop();
    assert_eq!(owned.columns.len() + 1, TABLE.columns.len());
}
