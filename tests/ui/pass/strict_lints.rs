// A models crate under strict lints: what the derives write (at the span of
// the item's name, so that rustc hashes it with the item) trips none of
// them, and writes no `unsafe` of its own. A lint that fired on the derives'
// output would fail this compile.
#![forbid(unsafe_code)]
#![deny(warnings, missing_docs, missing_debug_implementations)]
#![deny(
    elided_lifetimes_in_paths,
    explicit_outlives_requirements,
    let_underscore_drop,
    redundant_lifetimes,
    single_use_lifetimes,
    trivial_casts,
    trivial_numeric_casts,
    unit_bindings,
    unreachable_pub,
    unused_import_braces,
    unused_lifetimes,
    unused_qualifications,
    unused_results
)]
//! Models under strict lints.

use ferro::{Enum, Model, View};
use rust_decimal::Decimal;

/// A state.
#[derive(Debug, Enum)]
pub enum Status {
    /// On.
    #[ferro(rename = "on")]
    Active,
    /// Off.
    Removed,
}

/// A person, with every kind of column.
#[derive(Debug, Model)]
#[ferro(index(fields(name, age), descending(age)))]
#[ferro(unique(fields(email, status)))]
#[ferro(check(name = "ck_people_age", expr = "age >= 0"))]
#[ferro(many_to_many(Person, table = "friendships"))]
pub struct Person {
    /// The key.
    #[ferro(primary_key)]
    pub id: i64,
    /// A name.
    #[ferro(max_length = 80, comment = "full name", collation = "C")]
    pub name: String,
    /// An address.
    #[ferro(unique, index)]
    pub email: String,
    /// An age.
    #[ferro(default = "0")]
    pub age: i16,
    /// A balance.
    #[ferro(precision = 12, scale = 2)]
    pub balance: Decimal,
    /// Twelve times the age.
    #[ferro(generated = "age * 12", stored)]
    pub age_in_months: Option<i32>,
    /// A state.
    pub status: Status,
    /// Someone else.
    #[ferro(foreign_key(references = Person, on_delete = "SET NULL"))]
    pub mentor_id: Option<i64>,
}

/// The grown-ups.
#[derive(Debug, View)]
#[ferro(sql = "SELECT id, name FROM person WHERE age >= 18", reads(Person))]
pub struct Adult;

fn main() {}
