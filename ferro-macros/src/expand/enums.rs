//! `#[derive(Enum)]`: the enumeration type and its `ColumnType`.

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::quote_spanned;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use super::{list, optional_text, text};
use crate::attr::enums::{EnumAttrs, VariantAttrs};
use crate::check::identifier;
use crate::errors::Errors;
use crate::fallback;

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let attrs = EnumAttrs::parse(&input.attrs, &mut errors);
    let Data::Enum(data) = &input.data else {
        errors.push(
            input.ident.span(),
            "`#[derive(Enum)]` applies to enums of unit variants",
        );
        return with_fallback(&errors, input);
    };
    if !input.generics.params.is_empty() {
        errors.push(input.generics.span(), "an SQL enum cannot be generic");
    }
    if data.variants.is_empty() {
        errors.push(input.ident.span(), "an SQL enum needs at least one variant");
    }
    let name = match &attrs.name {
        Some(lit) => {
            identifier(&lit.value.value(), lit.value.span(), "enum name", &mut errors);
            lit.value.value()
        }
        None => input.ident.to_string().to_snake_case(),
    };
    let mut values: Vec<(String, Option<String>)> = Vec::new();
    for variant in &data.variants {
        let variant_attrs = VariantAttrs::parse(&variant.attrs, &mut errors);
        if !matches!(variant.fields, Fields::Unit) {
            errors.push(
                variant.fields.span(),
                format!(
                    "variant `{}` carries data; an SQL enum stores unit variants only",
                    variant.ident
                ),
            );
        }
        let (value, span) = match &variant_attrs.rename {
            Some(lit) => (lit.value.value(), lit.value.span()),
            None => (variant.ident.to_string().to_snake_case(), variant.ident.span()),
        };
        identifier(&value, span, "enum value", &mut errors);
        if values.iter().any(|(v, _)| *v == value) {
            errors.push(
                span,
                format!("the value `{value}` is stored by two variants; `rename` one of them"),
            );
        }
        values.push((value, variant_attrs.renamed_from.map(|r| r.value.value())));
    }
    if !errors.is_empty() {
        return with_fallback(&errors, input);
    }

    let ident = &input.ident;
    let span = ident.span();
    let name = text(&name, span);
    let values = list(
        values.iter().map(|(value, renamed_from)| {
            let (value, renamed_from) = (text(value, span), optional_text(renamed_from.as_deref(), span));
            quote_spanned!(span=> ::ferro::schema::EnumValue { name: #value, renamed_from: #renamed_from })
        }),
        span,
    );
    let short_names = super::short_names(span);
    quote_spanned! {span=>
        const _: () = {
            #short_names
            #[automatically_derived]
            impl ::ferro::Enum for #ident {
                const ENUM_TYPE: ::ferro::schema::EnumType = ::ferro::schema::EnumType {
                    name: #name,
                    values: #values,
                };
            }
            #[automatically_derived]
            impl ::ferro::ColumnType for #ident {
                const SQL_TYPE: ::ferro::schema::SqlType =
                    ::ferro::schema::SqlType::Enum(<Self as ::ferro::Enum>::ENUM_TYPE);
            }
        };
    }
}

fn with_fallback(errors: &Errors, input: &DeriveInput) -> TokenStream {
    let mut out = errors.to_compile_errors();
    out.extend(fallback::enumeration(input));
    out
}
