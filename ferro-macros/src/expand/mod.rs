//! Code generation from checked items.
//!
//! The tokens a derive writes itself are spanned at the item's name, not at
//! the call site (`quote!`'s span), and so are the literals it writes (which
//! `quote` places at the call site whatever span it is given). The reason is
//! rustc's incremental cache: it hashes a token of the call site's by where
//! the derive was called, so an edit that moves a struct down the file (a
//! line added above it) made rustc check, borrow-check and compile again
//! everything the derive wrote for it, where a span of the user's code is
//! hashed by its place within the item around it. The tokens resolve as
//! before: a derive's call site resolves at the item, as the item's own
//! name does. `docs/performance.md` (One model edit) has the figures.

pub(crate) mod enums;
pub(crate) mod model;
pub(crate) mod view;

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{ToTokens, quote_spanned};

/// The short names the derives write (`ferro::__private::short`), brought
/// into the derive's `const _: () = { .. }` block by one glob import: a model
/// writes them a few times per column, and each token of a path costs the
/// compiler a call into the macro's server (a third of the expansion of a
/// large models crate went into spelling `::ferro::__private::Cow::Borrowed`
/// and `::core::option::Option::None` out).
fn short_names(span: Span) -> TokenStream {
    quote_spanned! {span=>
        #[allow(unused_imports)]
        use ::ferro::__private::short::*;
    }
}

/// `literal` at `span`.
fn spanned(mut literal: Literal, span: Span) -> Literal {
    literal.set_span(span);
    literal
}

/// A string literal at `span`.
fn string(value: &str, span: Span) -> Literal {
    spanned(Literal::string(value), span)
}

/// `true` or `false` at `span`.
fn boolean(value: bool, span: Span) -> Ident {
    Ident::new(if value { "true" } else { "false" }, span)
}

/// `Cow::Borrowed("..")`, in a block that has [`short_names`].
fn text(value: &str, span: Span) -> TokenStream {
    let value = string(value, span);
    quote_spanned!(span=> __ferro_text(#value))
}

/// `Some(Cow::Borrowed(".."))` or `None`, in a block that has [`short_names`].
fn optional_text(value: Option<&str>, span: Span) -> TokenStream {
    optional(value.map(|value| text(value, span)), span)
}

/// `Some("..")` or `None`, for the helpers of `ferro::__private` that take
/// a `&'static str`, in a block that has [`short_names`].
fn optional_str(value: Option<&str>, span: Span) -> TokenStream {
    optional(value.map(|value| string(value, span).into_token_stream()), span)
}

/// `Some(value)` or `None`, in a block that has [`short_names`].
fn optional(value: Option<TokenStream>, span: Span) -> TokenStream {
    match value {
        Some(value) => quote_spanned!(span=> __ferro_some(#value)),
        None => quote_spanned!(span=> __ferro_none),
    }
}

/// `Cow::Borrowed(&[..])`, in a block that has [`short_names`].
fn list(items: impl IntoIterator<Item = TokenStream>, span: Span) -> TokenStream {
    let items = items.into_iter();
    quote_spanned!(span=> __ferro_list(&[#(#items),*]))
}

/// A list of column names.
fn names(columns: &[String], span: Span) -> TokenStream {
    list(columns.iter().map(|c| text(c, span)), span)
}
