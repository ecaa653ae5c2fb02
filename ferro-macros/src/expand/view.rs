//! `#[derive(View)]`: a view's descriptor and its registration.

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::quote_spanned;
use syn::DeriveInput;
use syn::spanned::Spanned;

use super::{boolean, list, text};
use crate::attr::view::ViewAttrs;
use crate::check::object_name;
use crate::errors::Errors;

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let attrs = ViewAttrs::parse(&input.attrs, &mut errors);
    if !input.generics.params.is_empty() {
        errors.push(input.generics.span(), "a view cannot be generic: it is one query");
    }
    let mut name = match &attrs.name {
        Some(lit) => {
            object_name(&lit.value.value(), lit.value.span(), "view name", &mut errors);
            lit.value.value()
        }
        None => {
            let name = input.ident.to_string().to_snake_case();
            object_name(&name, input.ident.span(), "view name", &mut errors);
            name
        }
    };
    if let Some(schema) = &attrs.schema {
        let schema_name = schema.value.value();
        object_name(&schema_name, schema.value.span(), "schema name", &mut errors);
        name = format!("{schema_name}.{name}");
    }
    let sql = match &attrs.sql {
        Some(lit) => lit.value.value(),
        None => {
            errors.push(
                input.ident.span(),
                "a view needs its query: `#[ferro(sql = \"SELECT ..\")]`",
            );
            String::new()
        }
    };
    if !errors.is_empty() {
        return errors.to_compile_errors();
    }
    let ident = &input.ident;
    let span = ident.span();
    let materialized = boolean(attrs.materialized.is_some(), span);
    let reads = list(
        attrs
            .reads
            .iter()
            .flat_map(|r| r.value.iter())
            .map(|model| quote_spanned!(span=> __ferro_text(<#model as ::ferro::Model>::TABLE_NAME))),
        span,
    );
    let (name, sql) = (text(&name, span), text(&sql, span));
    let short_names = super::short_names(span);
    quote_spanned! {span=>
        const _: () = {
            #short_names
            #[automatically_derived]
            impl ::ferro::ViewModel for #ident {
                const VIEW: ::ferro::schema::View = ::ferro::schema::View {
                    name: #name,
                    sql: #sql,
                    materialized: #materialized,
                    reads: #reads,
                };
            }
            ::ferro::__private::inventory::submit! {
                ::ferro::registry::ViewRegistration {
                    module_path: ::core::module_path!(),
                    view: ::ferro::__private::view_of::<#ident>,
                }
            }
        };
    }
}
