//! Parsing `#[ferro(..)]` attributes, with darling.
//!
//! Each grammar is a struct that derives `darling::FromMeta` (`model.rs`,
//! `enums.rs`): darling reads the items, reports unknown ones with the
//! closest known name, and accumulates every error of a list. The values
//! go through the functions below (named in `#[darling(with = ..)]`),
//! which keep the house style of message (lower case, names in
//! backticks, what was found and an example of what is right).
//!
//! A struct's, field's, enum's or variant's attributes go through
//! [`parse`] rather than darling's `FromDeriveInput`, `FromField` or
//! `FromVariant`, which give back nothing when one option is wrong: when
//! the items do not parse together, each is parsed alone, and the options
//! that are right still reach the whole-model checks (`check.rs`), so a
//! derive reports every mistake at once
//! (`tests/ui/reporting/all_mistakes_at_once.rs`).

pub(crate) mod enums;
pub(crate) mod model;
pub(crate) mod view;

use darling::FromMeta;
use darling::ast::NestedMeta;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, Lit, LitStr, Meta, Path};

use crate::errors::Errors;

/// A value given in an attribute, with the span to point at when it is wrong.
#[derive(Clone)]
pub(crate) struct Given<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

/// An option that may be given at most once.
pub(crate) type Slot<T> = Option<Given<T>>;

/// What a value parser gives back: darling's result of an option.
pub(crate) type Parsed<T> = darling::Result<Slot<T>>;

/// The items of every `#[ferro(..)]` in `attrs`, parsed into `T` (a
/// grammar that derives `FromMeta`), and the name of every item given,
/// valid or not. A wrong item is reported and left out, the others kept.
/// An option given twice is reported at its second place unless
/// `repeatable` names it. `kind` says what the items are in messages;
/// `known` lists them for a name that is no near miss, where darling lists
/// only up to nine.
pub(crate) fn parse<T: FromMeta + Default>(
    attrs: &[Attribute],
    (kind, known): (&str, &[&str]),
    repeatable: &[&str],
    errors: &mut Errors,
) -> (T, Vec<String>) {
    let mut named: Vec<String> = Vec::new();
    let mut items = Vec::new();
    // Options given twice, each with the number of items before it, so that
    // every error comes out in the order the items are written.
    let mut twice: Vec<(usize, syn::Error)> = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("ferro")) {
        let Meta::List(list) = &attr.meta else {
            errors.push(
                attr.path().span(),
                "expected `#[ferro(...)]` with options in parentheses",
            );
            continue;
        };
        let parsed = match NestedMeta::parse_meta_list(list.tokens.clone()) {
            Ok(parsed) => parsed,
            Err(e) => {
                errors.push_error(e);
                continue;
            }
        };
        for item in parsed {
            let name = item_name(&item);
            let once = !repeatable.contains(&name.as_str());
            if once && !name.is_empty() && named.contains(&name) {
                let message = format!("duplicate ferro attribute `{name}`; give it once");
                let error = match &item {
                    NestedMeta::Meta(meta) => syn::Error::new_spanned(meta, message),
                    _ => syn::Error::new(item_span(&item), message),
                };
                twice.push((items.len(), error));
                continue;
            }
            named.push(name);
            items.push(item);
        }
    }
    // Most attributes are right, and parse together at once. Where they do
    // not, each item is parsed alone: the wrong ones are reported, and the
    // others, parsed together, still reach the model's checks.
    if let Ok(parsed) = T::from_list(&items) {
        twice.into_iter().for_each(|(_, e)| errors.push_error(e));
        return (parsed, named);
    }
    let mut twice = twice.into_iter().peekable();
    let mut good = Vec::with_capacity(items.len());
    for (at, (item, name)) in items.into_iter().zip(&named).enumerate() {
        while let Some((_, e)) = twice.next_if(|(before, _)| *before <= at) {
            errors.push_error(e);
        }
        match T::from_list(std::slice::from_ref(&item)) {
            Ok(_) => good.push(item),
            Err(e) => reword(e, name, (kind, known), errors),
        }
    }
    twice.for_each(|(_, e)| errors.push_error(e));
    let parsed = T::from_list(&good).unwrap_or_else(|e| {
        errors.push_error(e.into());
        T::default()
    });
    (parsed, named)
}

/// darling's errors, with its "Unknown field" and "Duplicate field" said
/// the house way: an attribute's options are not a struct's fields. `item`
/// is the name of the item the errors are about. darling has no way to
/// word them but its own, so its messages are read; the UI cases
/// (`tests/ui/unknown_attr`, `duplicate_attr`) fail if a release of darling
/// words them otherwise.
fn reword(error: darling::Error, item: &str, (kind, known): (&str, &[&str]), errors: &mut Errors) {
    for e in error.flatten() {
        let e = syn::Error::from(e);
        let message = e.to_string();
        if let Some(rest) = message.strip_prefix("Duplicate field `") {
            let name = rest.trim_end_matches('`');
            errors.push(
                e.span(),
                format!("duplicate ferro attribute `{name}`; give it once"),
            );
            continue;
        }
        let Some(rest) = message.strip_prefix("Unknown field: `") else {
            errors.push_error(e);
            continue;
        };
        let (name, rest) = rest.split_once('`').unwrap_or((rest, ""));
        let (what, listed) = if name == item {
            (format!("unknown ferro {kind} `{name}`"), known)
        } else {
            (format!("unknown ferro {item} option `{name}`"), &[][..])
        };
        let tail = match (
            rest.strip_prefix(". Did you mean "),
            rest.strip_prefix(". Available values: "),
        ) {
            (Some(best), _) => format!("; did you mean {best}"),
            (_, Some(values)) => format!("; expected one of {values}"),
            _ if !listed.is_empty() => {
                let names: Vec<String> = listed.iter().map(|k| format!("`{k}`")).collect();
                format!("; expected one of {}", names.join(", "))
            }
            _ => String::new(),
        };
        errors.push(e.span(), format!("{what}{tail}"));
    }
}

fn item_name(item: &NestedMeta) -> String {
    match item {
        NestedMeta::Meta(meta) => path_name(meta.path()),
        NestedMeta::NameValueInvalidExpr(meta) => path_name(&meta.path),
        NestedMeta::Lit(_) => String::new(),
    }
}

fn item_span(item: &NestedMeta) -> Span {
    match item {
        NestedMeta::Meta(meta) => meta.path().span(),
        NestedMeta::NameValueInvalidExpr(meta) => meta.path.span(),
        NestedMeta::Lit(lit) => lit.span(),
    }
}

/// `a::b` as text.
pub(crate) fn path_name(path: &Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
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

fn error(span: Span, message: String) -> darling::Error {
    darling::Error::custom(message).with_span(&span)
}

pub(crate) fn given<T>(meta: &Meta, value: T) -> Parsed<T> {
    Ok(Some(Given {
        value,
        span: meta.path().span(),
    }))
}

/// The value of `name = value`, or an error that shows `example`.
fn value<'a>(meta: &'a Meta, example: &str) -> darling::Result<&'a Expr> {
    match meta {
        Meta::NameValue(nv) => Ok(&nv.value),
        _ => {
            let name = path_name(meta.path());
            Err(error(
                meta.path().span(),
                format!("`{name}` takes a value, as in `{example}`"),
            ))
        }
    }
}

fn wrong_type(meta: &Meta, at: Span, expected: &str, example: &str) -> darling::Error {
    let name = path_name(meta.path());
    error(at, format!("`{name}` takes {expected}, as in `{example}`"))
}

fn literal(expr: &Expr) -> Option<&Lit> {
    match expr {
        Expr::Lit(lit) => Some(&lit.lit),
        Expr::Group(group) => literal(&group.expr),
        _ => None,
    }
}

/// A flag such as `unique`: no value allowed.
pub(crate) fn flag(meta: &Meta) -> Parsed<()> {
    if let Meta::Path(_) = meta {
        return given(meta, ());
    }
    let name = path_name(meta.path());
    Err(error(
        meta.path().span(),
        format!("`{name}` takes no value; write `{name}` alone"),
    ))
}

/// `name` (true) or `name = true|false`.
pub(crate) fn flag_or_bool(meta: &Meta) -> Parsed<bool> {
    let Meta::NameValue(nv) = meta else {
        return flag(meta).map(|_| {
            Some(Given {
                value: true,
                span: meta.path().span(),
            })
        });
    };
    match literal(&nv.value) {
        Some(Lit::Bool(b)) => given(meta, b.value),
        _ => {
            let name = path_name(meta.path());
            let example = format!("{name} = false");
            Err(wrong_type(meta, nv.value.span(), "`true` or `false`", &example))
        }
    }
}

/// `name = "..."`, not empty.
pub(crate) fn text(meta: &Meta, example: &str) -> Parsed<LitStr> {
    let value = value(meta, example)?;
    match literal(value) {
        Some(Lit::Str(lit)) if lit.value().is_empty() => {
            Err(wrong_type(meta, lit.span(), "a non-empty string", example))
        }
        Some(Lit::Str(lit)) => given(meta, lit.clone()),
        _ => Err(wrong_type(meta, value.span(), "a string", example)),
    }
}

/// `name = 123`, a whole number that fits `T`.
pub(crate) fn whole<T>(meta: &Meta, example: &str) -> Parsed<Given<T>>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let value = value(meta, example)?;
    match literal(value) {
        Some(Lit::Int(lit)) => match lit.base10_parse::<T>() {
            Ok(n) => given(
                meta,
                Given {
                    value: n,
                    span: lit.span(),
                },
            ),
            Err(_) => Err(wrong_type(meta, lit.span(), "a whole number in range", example)),
        },
        _ => Err(wrong_type(meta, value.span(), "a whole number", example)),
    }
}

/// `name = some::Type`.
pub(crate) fn type_path(meta: &Meta, example: &str) -> darling::Result<Option<Path>> {
    let value = value(meta, example)?;
    match value {
        Expr::Path(path) => Ok(Some(path.path.clone())),
        _ if matches!(literal(value), Some(Lit::Str(_))) => {
            Err(wrong_type(meta, value.span(), "a type, not a string", example))
        }
        _ => Err(wrong_type(meta, value.span(), "a type", example)),
    }
}

/// The items of `name(...)`, or an error when the option is not a list.
pub(crate) fn list(meta: &Meta) -> darling::Result<Vec<NestedMeta>> {
    let Meta::List(list) = meta else {
        let name = path_name(meta.path());
        return Err(error(
            meta.path().span(),
            format!("`{name}` takes a list in parentheses, as in `{name}(...)`"),
        ));
    };
    Ok(NestedMeta::parse_meta_list(list.tokens.clone())?)
}

/// `fields(a, b, ...)`: field names, at least one.
pub(crate) fn field_list(meta: &Meta) -> darling::Result<Option<Vec<Ident>>> {
    let mut errors = darling::Error::accumulator();
    let mut out = Vec::new();
    for item in list(meta)? {
        match &item {
            NestedMeta::Meta(Meta::Path(path)) if path.get_ident().is_some() => {
                out.push(path.get_ident().expect("one segment").clone());
            }
            _ => errors.push(error(
                item_span(&item),
                "expected a field name, as in `fields(a, b)`".into(),
            )),
        }
    }
    errors.finish()?;
    if out.is_empty() {
        return Err(error(
            meta.path().span(),
            "`fields(...)` names at least one field".into(),
        ));
    }
    Ok(Some(out))
}

/// `ops(a = "jsonb_path_ops", ...)`: a string for each of some fields, at
/// least one.
pub(crate) fn field_texts(meta: &Meta) -> darling::Result<Option<Vec<(Ident, LitStr)>>> {
    let name = path_name(meta.path());
    let mut errors = darling::Error::accumulator();
    let mut out = Vec::new();
    for item in list(meta)? {
        match &item {
            NestedMeta::Meta(Meta::NameValue(nv)) if nv.path.get_ident().is_some() => {
                match literal(&nv.value) {
                    Some(Lit::Str(lit)) if !lit.value().is_empty() => {
                        out.push((nv.path.get_ident().expect("one segment").clone(), lit.clone()));
                    }
                    _ => errors.push(error(
                        nv.value.span(),
                        format!("expected a non-empty string, as in `{name}(body = \"gin_trgm_ops\")`"),
                    )),
                }
            }
            _ => errors.push(error(
                item_span(&item),
                format!("expected a field and a string, as in `{name}(body = \"gin_trgm_ops\")`"),
            )),
        }
    }
    errors.finish()?;
    if out.is_empty() {
        return Err(error(
            meta.path().span(),
            format!("`{name}(...)` names at least one field"),
        ));
    }
    Ok(Some(out))
}

/// `name(...)` parsed as `T` with its own items' errors, or the error of a
/// missing part `check` finds.
pub(crate) fn nested<T: FromMeta>(
    meta: &Meta,
    check: impl FnOnce(&T) -> Option<String>,
) -> darling::Result<Given<T>> {
    let parsed = T::from_list(&list(meta)?)?;
    if let Some(message) = check(&parsed) {
        return Err(error(meta.path().span(), message));
    }
    Ok(Given {
        value: parsed,
        span: meta.path().span(),
    })
}
