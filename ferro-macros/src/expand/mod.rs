//! Code generation from checked items.

pub(crate) mod enums;
pub(crate) mod model;

use proc_macro2::TokenStream;
use quote::quote;

/// `Cow::Borrowed("..")`.
fn text(value: &str) -> TokenStream {
    quote!(::ferro::__private::Cow::Borrowed(#value))
}

/// `Some(Cow::Borrowed(".."))` or `None`.
fn optional_text(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => {
            let value = text(value);
            quote!(::core::option::Option::Some(#value))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// `Cow::Borrowed(&[..])`.
fn list(items: impl IntoIterator<Item = TokenStream>) -> TokenStream {
    let items = items.into_iter();
    quote!(::ferro::__private::Cow::Borrowed(&[#(#items),*]))
}

/// A list of column names.
fn names(columns: &[String]) -> TokenStream {
    list(columns.iter().map(|c| text(c)))
}
