//! Compile-time behaviour of the derives: every mistake is a compile error that
//! points at it (one mistake per file, filed by category), and correct models
//! compile and run.

#[test]
fn compile_errors() {
    let cases = trybuild::TestCases::new();
    for category in [
        "unknown_attr",
        "duplicate_attr",
        "wrong_value",
        "conflict",
        "foreign_key",
        "composite",
        "types",
        "enums",
        "shape",
        "reporting",
        "views",
    ] {
        cases.compile_fail(format!("ui/{category}/*.rs"));
    }
}

#[test]
fn models_that_compile() {
    trybuild::TestCases::new().pass("ui/pass/*.rs");
}
