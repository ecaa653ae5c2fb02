//! Parsing `#[ferro(..)]` attributes.
//!
//! Written on `syn::meta` rather than with darling so that every message follows
//! the house style (lower case, names in backticks, what was found and what would
//! be right) and an attribute's mistakes are collected instead of stopping at the
//! first: a bad item is reported, its tokens are skipped, and parsing goes on.

pub(crate) mod enums;
pub(crate) mod model;

use proc_macro2::{Span, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitBool, LitInt, LitStr, Path, Token};

use crate::errors::Errors;

/// A value given in an attribute, with the span to point at when it is wrong.
#[derive(Clone)]
pub(crate) struct Given<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

/// An option that may be given at most once.
pub(crate) type Slot<T> = Option<Given<T>>;

/// Stores `value` in `slot`, or reports that the option was given twice.
pub(crate) fn set<T>(slot: &mut Slot<T>, meta: &ParseNestedMeta, value: T) -> syn::Result<()> {
    if slot.is_some() {
        let name = path_name(&meta.path);
        return Err(meta.error(format!("duplicate ferro attribute `{name}`; give it once")));
    }
    *slot = Some(Given {
        value,
        span: meta.path.span(),
    });
    Ok(())
}

/// Runs `item` on every item of every `#[ferro(..)]` attribute in `attrs`. An item
/// that fails is reported and skipped; parsing goes on with the next one.
pub(crate) fn parse_items(
    attrs: &[Attribute],
    errors: &mut Errors,
    mut item: impl FnMut(&ParseNestedMeta) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("ferro")) {
        if !matches!(attr.meta, syn::Meta::List(_)) {
            errors.push(
                attr.path().span(),
                "expected `#[ferro(...)]` with options in parentheses",
            );
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            if let Err(error) = item(&meta) {
                errors.push_error(error);
                skip_item(meta.input)?;
            }
            Ok(())
        });
        if let Err(error) = result {
            errors.push_error(error);
        }
    }
}

/// Parses the items of a nested list such as `foreign_key(..)`, with the same
/// report-and-skip behaviour as [`parse_items`]. Errors go to `sink`.
pub(crate) fn parse_nested(
    meta: &ParseNestedMeta,
    sink: &mut Vec<syn::Error>,
    mut item: impl FnMut(&ParseNestedMeta) -> syn::Result<()>,
) -> syn::Result<()> {
    if !meta.input.peek(syn::token::Paren) {
        let name = path_name(&meta.path);
        return Err(meta.error(format!(
            "`{name}` takes a list in parentheses, as in `{name}(...)`"
        )));
    }
    meta.parse_nested_meta(|inner| {
        if let Err(error) = item(&inner) {
            sink.push(error);
            skip_item(inner.input)?;
        }
        Ok(())
    })
}

/// Consumes the rest of one attribute item, up to the next top-level comma.
fn skip_item(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// `a::b` as text.
pub(crate) fn path_name(path: &Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
}

/// The error for an item no grammar knows, with the closest known name if one is
/// close enough to be a typo.
pub(crate) fn unknown(meta: &ParseNestedMeta, kind: &str, known: &[&str]) -> syn::Error {
    let found = path_name(&meta.path);
    match closest(&found, known) {
        Some(best) => meta.error(format!("unknown ferro {kind} `{found}`; did you mean `{best}`?")),
        None => {
            let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            meta.error(format!(
                "unknown ferro {kind} `{found}`; expected one of {}",
                list.join(", ")
            ))
        }
    }
}

/// The known name closest to `found`, if it is within a typo's distance.
pub(crate) fn closest<'a>(found: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(found, k), *k))
        .filter(|(distance, k)| *distance <= (k.len() / 3).max(1))
        .min()
        .map(|(_, k)| k)
}

/// A flag such as `unique`: no value allowed.
pub(crate) fn flag(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.is_empty() || meta.input.peek(Token![,]) {
        return Ok(());
    }
    let name = path_name(&meta.path);
    Err(meta.error(format!("`{name}` takes no value; write `{name}` alone")))
}

/// `name = "..."`.
pub(crate) fn string(meta: &ParseNestedMeta, example: &str) -> syn::Result<LitStr> {
    let value = value(meta, example)?;
    if value.peek(LitStr) {
        let lit: LitStr = value.parse()?;
        if lit.value().is_empty() {
            return Err(syn::Error::new(
                lit.span(),
                wrong_type(meta, "a non-empty string", example),
            ));
        }
        return Ok(lit);
    }
    Err(syn::Error::new(
        value.span(),
        wrong_type(meta, "a string", example),
    ))
}

/// `name = 123`.
pub(crate) fn integer<T>(meta: &ParseNestedMeta, example: &str) -> syn::Result<Given<T>>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let value = value(meta, example)?;
    if value.peek(LitInt) {
        let lit: LitInt = value.parse()?;
        let parsed = lit
            .base10_parse::<T>()
            .map_err(|_| syn::Error::new(lit.span(), wrong_type(meta, "a whole number in range", example)))?;
        return Ok(Given {
            value: parsed,
            span: lit.span(),
        });
    }
    Err(syn::Error::new(
        value.span(),
        wrong_type(meta, "a whole number", example),
    ))
}

/// `name` (true) or `name = true|false`.
pub(crate) fn flag_or_bool(meta: &ParseNestedMeta) -> syn::Result<bool> {
    if !meta.input.peek(Token![=]) {
        flag(meta)?;
        return Ok(true);
    }
    let name = path_name(&meta.path);
    let value = meta.value()?;
    if value.peek(LitBool) {
        return Ok(value.parse::<LitBool>()?.value);
    }
    let example = format!("{name} = false");
    Err(syn::Error::new(
        value.span(),
        wrong_type(meta, "`true` or `false`", &example),
    ))
}

/// `name = some::Type`.
pub(crate) fn type_path(meta: &ParseNestedMeta, example: &str) -> syn::Result<Path> {
    let value = value(meta, example)?;
    if value.peek(LitStr) {
        return Err(syn::Error::new(
            value.span(),
            wrong_type(meta, "a type, not a string", example),
        ));
    }
    value
        .parse::<Path>()
        .map_err(|e| syn::Error::new(e.span(), wrong_type(meta, "a type", example)))
}

/// `fields(a, b, ...)`: field names, at least one.
pub(crate) fn field_list(meta: &ParseNestedMeta) -> syn::Result<Vec<Ident>> {
    let mut fields = Vec::new();
    let mut bad = Vec::new();
    parse_nested(meta, &mut bad, |inner| match inner.path.get_ident() {
        Some(ident) if inner.input.is_empty() || inner.input.peek(Token![,]) => {
            fields.push(ident.clone());
            Ok(())
        }
        _ => Err(inner.error("expected a field name, as in `fields(a, b)`")),
    })?;
    if let Some(first) = bad.into_iter().reduce(|mut a, b| {
        a.combine(b);
        a
    }) {
        return Err(first);
    }
    if fields.is_empty() {
        return Err(meta.error("`fields(...)` names at least one field"));
    }
    Ok(fields)
}

fn value<'a>(meta: &ParseNestedMeta<'a>, example: &str) -> syn::Result<ParseStream<'a>> {
    if !meta.input.peek(Token![=]) {
        let name = path_name(&meta.path);
        return Err(meta.error(format!("`{name}` takes a value, as in `{example}`")));
    }
    meta.value()
}

fn wrong_type(meta: &ParseNestedMeta, expected: &str, example: &str) -> String {
    let name = path_name(&meta.path);
    format!("`{name}` takes {expected}, as in `{example}`")
}
