//! Stub implementations for an item whose derive failed.
//!
//! The errors are reported; the stub only keeps other code that uses the item
//! (`references = ThisModel`, a field of this enum type) from adding errors about
//! missing trait implementations on top.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

use crate::attr::model::FieldAttrs;
use crate::check::is_written_option;
use crate::errors::Errors;

pub(crate) fn model(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let name = ident.to_string();
    // The key type a correct derive would most likely have given, so that foreign
    // keys to this model check against it rather than fail again.
    let key = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => named
                .named
                .iter()
                .find(|f| {
                    // Parsed again only to find the key; the errors were reported already.
                    let attrs = FieldAttrs::parse(&f.attrs, &mut Errors::default());
                    attrs.primary_key.is_some() && !is_written_option(&f.ty)
                })
                .map(|f| f.ty.clone()),
            _ => None,
        },
        _ => None,
    };
    let key = key.map_or_else(|| quote!(::ferro::__private::Unknown), |ty| quote!(#ty));
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::ferro::Model for #ident {
                const TABLE_NAME: &'static str = #name;
                const TABLE: ::ferro::schema::Table = ::ferro::__private::stub_table(#name);
            }
            #[automatically_derived]
            impl ::ferro::KeyedModel for #ident {
                type Key = #key;
                const MODEL_NAME: &'static str = #name;
                const KEY_COLUMN: &'static str = "unknown";
                const KEY_TYPE: ::ferro::schema::SqlType = ::ferro::__private::UNKNOWN_TYPE;
            }
        };
    }
}

pub(crate) fn enumeration(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::ferro::ColumnType for #ident {
                const SQL_TYPE: ::ferro::schema::SqlType = ::ferro::__private::UNKNOWN_TYPE;
            }
        };
    }
}
