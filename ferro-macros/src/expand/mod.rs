//! Code generation from checked items.

pub(crate) mod enums;
pub(crate) mod model;
pub(crate) mod view;

use proc_macro2::TokenStream;
use quote::quote;

/// The names [`text`], [`optional_text`] and a model's plain columns write, brought into the
/// derive's `const _: () = { .. }` block once: a model writes them a few
/// times per column, and each token of a path costs the compiler a call
/// into the macro's server (a third of the expansion of a large models
/// crate went into spelling `::ferro::__private::Cow::Borrowed` and
/// `::core::option::Option::None` out).
fn short_names() -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use ::ferro::__private::Cow::Borrowed as __ferro_text;
        #[allow(unused_imports)]
        use ::core::option::Option::{None as __ferro_none, Some as __ferro_some};
        #[allow(unused_imports)]
        use ::ferro::ColumnType as __ferro_type;
        #[allow(unused_imports)]
        use ::ferro::__private::{column as __ferro_column, key_column as __ferro_key_column};
    }
}

/// `Cow::Borrowed("..")`, in a block that has [`short_names`].
fn text(value: &str) -> TokenStream {
    quote!(__ferro_text(#value))
}

/// `Some(Cow::Borrowed(".."))` or `None`, in a block that has [`short_names`].
fn optional_text(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => {
            let value = text(value);
            quote!(__ferro_some(#value))
        }
        None => quote!(__ferro_none),
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
