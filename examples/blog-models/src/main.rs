//! Prints the blog's schema in its snapshot form: what `cargo build` of a
//! migrations crate will diff against the committed snapshot.

use std::process::ExitCode;

fn main() -> ExitCode {
    match blog_models::schema() {
        Ok(schema) => {
            print!("{}", ferro::snapshot::to_json(&schema));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
