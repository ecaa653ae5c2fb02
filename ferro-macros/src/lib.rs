//! The derives of Ferro. Use them through the `ferro` crate (package
//! `ferro-core`), which re-exports them next to the traits they implement.
//!
//! Each derive runs in stages, one module each: `attr` parses `#[ferro(..)]`
//! attributes (grammars that derive darling's `FromMeta`), `check` validates a model as a whole, `expand` writes the
//! implementation, and `fallback` writes a stub when there were errors, so that
//! one mistake is reported once instead of cascading. Every mistake of an item is
//! collected (`errors`) and reported in one compile.

mod attr;
mod check;
mod errors;
mod expand;
mod fallback;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `ferro::Model` (and `ferro::KeyedModel` for a single-column primary
/// key) from a struct with named fields; see the `ferro` crate for the attributes.
/// `default`, `sql_type` and `check(expr)` take SQL written by the code's
/// authors, never built from user input.
#[proc_macro_derive(Model, attributes(ferro))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::model::derive(&input).into()
}

/// Derives `ferro::ViewModel` and registers the view: `#[ferro(sql = "SELECT ..")]`
/// on a struct, with `name`, `schema`, `materialized` and `reads(Model, ..)`.
#[proc_macro_derive(View, attributes(ferro))]
pub fn derive_view(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::view::derive(&input).into()
}

/// Derives `ferro::Enum` and `ferro::ColumnType` from an enum of unit variants.
#[proc_macro_derive(Enum, attributes(ferro))]
pub fn derive_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::enums::derive(&input).into()
}
