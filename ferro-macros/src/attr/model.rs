//! The grammar of `#[ferro(..)]` on a model struct and on its fields.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Ident, LitStr, Path};

use super::{
    Given, Slot, field_list, flag, flag_or_bool, integer, parse_items, parse_nested, set, string, type_path,
};
use crate::errors::Errors;

const FIELD_OPTIONS: &[&str] = &[
    "primary_key",
    "auto_increment",
    "unique",
    "index",
    "nullable",
    "column",
    "renamed_from",
    "default",
    "max_length",
    "precision",
    "scale",
    "sql_type",
    "foreign_key",
    "comment",
    "skip",
];

const STRUCT_OPTIONS: &[&str] = &[
    "table",
    "renamed_from",
    "comment",
    "index",
    "unique",
    "primary_key",
    "check",
    "many_to_many",
];

/// A referential action, as `on_delete = ".."` spells it (variants named as in
/// `ferro::schema::Action`).
#[derive(Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names, reason = "the SQL names: NO ACTION")]
pub(crate) enum Referential {
    Cascade,
    SetNull,
    SetDefault,
    Restrict,
    NoAction,
}

const ACTIONS: &[(&str, Referential)] = &[
    ("CASCADE", Referential::Cascade),
    ("SET NULL", Referential::SetNull),
    ("SET DEFAULT", Referential::SetDefault),
    ("RESTRICT", Referential::Restrict),
    ("NO ACTION", Referential::NoAction),
];

impl Referential {
    /// The variant of `ferro::schema::Action`.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Referential::Cascade => "Cascade",
            Referential::SetNull => "SetNull",
            Referential::SetDefault => "SetDefault",
            Referential::Restrict => "Restrict",
            Referential::NoAction => "NoAction",
        }
    }
}

/// `foreign_key(references = Model, column = "..", on_delete = "..", on_update = "..")`.
pub(crate) struct ForeignKeyAttr {
    pub(crate) references: Path,
    pub(crate) column: Slot<LitStr>,
    pub(crate) on_delete: Slot<Referential>,
    pub(crate) on_update: Slot<Referential>,
}

/// Everything `#[ferro(..)]` says about one field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) primary_key: Slot<()>,
    pub(crate) auto_increment: Slot<bool>,
    pub(crate) unique: Slot<()>,
    pub(crate) index: Slot<()>,
    pub(crate) nullable: Slot<()>,
    pub(crate) column: Slot<LitStr>,
    pub(crate) renamed_from: Slot<LitStr>,
    pub(crate) default: Slot<LitStr>,
    pub(crate) max_length: Slot<Given<u32>>,
    pub(crate) precision: Slot<Given<u16>>,
    pub(crate) scale: Slot<Given<u16>>,
    pub(crate) sql_type: Slot<LitStr>,
    pub(crate) foreign_key: Slot<ForeignKeyAttr>,
    pub(crate) comment: Slot<LitStr>,
    pub(crate) skip: Slot<()>,
    /// Every option named, valid or not, so that a bad value of one option does
    /// not also report the options that depend on it as missing.
    pub(crate) named: Vec<String>,
}

/// `index(fields(a, b), name = "..", unique)` on the struct.
pub(crate) struct IndexAttr {
    pub(crate) fields: Vec<Ident>,
    pub(crate) name: Slot<LitStr>,
    pub(crate) unique: Slot<()>,
}

/// `unique(fields(a, b), name = "..")` on the struct.
pub(crate) struct UniqueAttr {
    pub(crate) fields: Vec<Ident>,
    pub(crate) name: Slot<LitStr>,
}

/// `check(name = "..", expr = "..")` on the struct.
pub(crate) struct CheckAttr {
    pub(crate) name: LitStr,
    pub(crate) expr: LitStr,
}

/// `many_to_many(Target, table = "..")` on the struct.
pub(crate) struct ManyToManyAttr {
    pub(crate) target: Path,
    pub(crate) table: Slot<LitStr>,
    pub(crate) span: Span,
}

/// Everything `#[ferro(..)]` says about the struct itself.
#[derive(Default)]
pub(crate) struct ModelAttrs {
    pub(crate) table: Slot<LitStr>,
    pub(crate) renamed_from: Slot<LitStr>,
    pub(crate) comment: Slot<LitStr>,
    pub(crate) primary_key: Slot<Vec<Ident>>,
    pub(crate) indexes: Vec<Given<IndexAttr>>,
    pub(crate) uniques: Vec<Given<UniqueAttr>>,
    pub(crate) checks: Vec<Given<CheckAttr>>,
    pub(crate) many_to_many: Vec<ManyToManyAttr>,
}

impl FieldAttrs {
    pub(crate) fn parse(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
        let mut out = FieldAttrs::default();
        parse_items(attrs, errors, |meta| {
            let Some(name) = meta.path.get_ident().map(Ident::to_string) else {
                return Err(super::unknown(meta, "field attribute", FIELD_OPTIONS));
            };
            out.named.push(name.clone());
            match name.as_str() {
                "primary_key" => {
                    flag(meta)?;
                    set(&mut out.primary_key, meta, ())
                }
                "auto_increment" => {
                    let on = flag_or_bool(meta)?;
                    set(&mut out.auto_increment, meta, on)
                }
                "unique" => flag(meta).and_then(|()| set(&mut out.unique, meta, ())),
                "index" => flag(meta).and_then(|()| set(&mut out.index, meta, ())),
                "nullable" => flag(meta).and_then(|()| set(&mut out.nullable, meta, ())),
                "skip" => flag(meta).and_then(|()| set(&mut out.skip, meta, ())),
                "column" => {
                    let lit = string(meta, "column = \"name\"")?;
                    set(&mut out.column, meta, lit)
                }
                "renamed_from" => {
                    let lit = string(meta, "renamed_from = \"old_name\"")?;
                    set(&mut out.renamed_from, meta, lit)
                }
                "default" => {
                    let lit = string(meta, "default = \"0\"")?;
                    set(&mut out.default, meta, lit)
                }
                "comment" => {
                    let lit = string(meta, "comment = \"...\"")?;
                    set(&mut out.comment, meta, lit)
                }
                "sql_type" => {
                    let lit = string(meta, "sql_type = \"CITEXT\"")?;
                    set(&mut out.sql_type, meta, lit)
                }
                "max_length" => {
                    let n = integer::<u32>(meta, "max_length = 64")?;
                    set(&mut out.max_length, meta, n)
                }
                "precision" => {
                    let n = integer::<u16>(meta, "precision = 12")?;
                    set(&mut out.precision, meta, n)
                }
                "scale" => {
                    let n = integer::<u16>(meta, "scale = 2")?;
                    set(&mut out.scale, meta, n)
                }
                "foreign_key" => {
                    let fk = foreign_key(meta)?;
                    set(&mut out.foreign_key, meta, fk)
                }
                _ => Err(super::unknown(meta, "field attribute", FIELD_OPTIONS)),
            }
        });
        out
    }
}

impl ModelAttrs {
    pub(crate) fn parse(attrs: &[Attribute], errors: &mut Errors) -> ModelAttrs {
        let mut out = ModelAttrs::default();
        parse_items(attrs, errors, |meta| {
            let Some(name) = meta.path.get_ident().map(Ident::to_string) else {
                return Err(super::unknown(meta, "struct attribute", STRUCT_OPTIONS));
            };
            let span = meta.path.get_ident().map_or_else(Span::call_site, Ident::span);
            match name.as_str() {
                "table" => {
                    let lit = string(meta, "table = \"users\"")?;
                    set(&mut out.table, meta, lit)
                }
                "renamed_from" => {
                    let lit = string(meta, "renamed_from = \"old_name\"")?;
                    set(&mut out.renamed_from, meta, lit)
                }
                "comment" => {
                    let lit = string(meta, "comment = \"...\"")?;
                    set(&mut out.comment, meta, lit)
                }
                "primary_key" => {
                    let fields = fields_only(meta, "primary_key(fields(a, b))")?;
                    set(&mut out.primary_key, meta, fields)
                }
                "index" => {
                    let value = index(meta)?;
                    out.indexes.push(Given { value, span });
                    Ok(())
                }
                "unique" => {
                    let value = unique(meta)?;
                    out.uniques.push(Given { value, span });
                    Ok(())
                }
                "check" => {
                    let value = check(meta)?;
                    out.checks.push(Given { value, span });
                    Ok(())
                }
                "many_to_many" => {
                    let value = many_to_many(meta, span)?;
                    out.many_to_many.push(value);
                    Ok(())
                }
                _ => Err(super::unknown(meta, "struct attribute", STRUCT_OPTIONS)),
            }
        });
        out
    }
}

/// Runs a nested list and turns every error in it into one.
fn nested(meta: &ParseNestedMeta, item: impl FnMut(&ParseNestedMeta) -> syn::Result<()>) -> syn::Result<()> {
    let mut bad = Vec::new();
    parse_nested(meta, &mut bad, item)?;
    match bad.into_iter().reduce(|mut a, b| {
        a.combine(b);
        a
    }) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

fn foreign_key(meta: &ParseNestedMeta) -> syn::Result<ForeignKeyAttr> {
    const OPTIONS: &[&str] = &["references", "column", "on_delete", "on_update"];
    let mut references: Slot<Path> = None;
    let (mut column, mut on_delete, mut on_update) = (None, None, None);
    nested(meta, |inner| {
        let name = inner.path.get_ident().map(Ident::to_string).unwrap_or_default();
        match name.as_str() {
            "references" => {
                let path = type_path(inner, "references = User")?;
                set(&mut references, inner, path)
            }
            "column" => {
                let lit = string(inner, "column = \"id\"")?;
                set(&mut column, inner, lit)
            }
            "on_delete" => {
                let action = action(inner)?;
                set(&mut on_delete, inner, action)
            }
            "on_update" => {
                let action = action(inner)?;
                set(&mut on_update, inner, action)
            }
            _ => Err(super::unknown(inner, "foreign_key option", OPTIONS)),
        }
    })?;
    let Some(references) = references else {
        return Err(
            meta.error("`foreign_key` needs the model it refers to: `foreign_key(references = User)`")
        );
    };
    Ok(ForeignKeyAttr {
        references: references.value,
        column,
        on_delete,
        on_update,
    })
}

fn action(meta: &ParseNestedMeta) -> syn::Result<Referential> {
    let lit = string(meta, "on_delete = \"CASCADE\"")?;
    let found = lit.value();
    let normal = found
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    if let Some((_, action)) = ACTIONS.iter().find(|(sql, _)| *sql == normal) {
        return Ok(*action);
    }
    let names: Vec<&str> = ACTIONS.iter().map(|(sql, _)| *sql).collect();
    let message = match super::closest(&normal, &names) {
        Some(best) => format!("unknown referential action `{found}`; did you mean `{best}`?"),
        None => format!(
            "unknown referential action `{found}`; expected one of `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`, `NO ACTION`"
        ),
    };
    Err(syn::Error::new(lit.span(), message))
}

fn fields_only(meta: &ParseNestedMeta, example: &str) -> syn::Result<Vec<Ident>> {
    let mut fields = None;
    nested(meta, |inner| {
        if inner.path.is_ident("fields") {
            let list = field_list(inner)?;
            return set(&mut fields, inner, list);
        }
        Err(inner.error(format!("expected `fields(...)`, as in `{example}`")))
    })?;
    fields
        .map(|f| f.value)
        .ok_or_else(|| meta.error(format!("expected `fields(...)`, as in `{example}`")))
}

fn index(meta: &ParseNestedMeta) -> syn::Result<IndexAttr> {
    const OPTIONS: &[&str] = &["fields", "name", "unique"];
    let (mut fields, mut name, mut unique) = (None, None, None);
    nested(meta, |inner| {
        match inner
            .path
            .get_ident()
            .map(Ident::to_string)
            .unwrap_or_default()
            .as_str()
        {
            "fields" => {
                let list = field_list(inner)?;
                set(&mut fields, inner, list)
            }
            "name" => {
                let lit = string(inner, "name = \"ix_posts_recent\"")?;
                set(&mut name, inner, lit)
            }
            "unique" => flag(inner).and_then(|()| set(&mut unique, inner, ())),
            _ => Err(super::unknown(inner, "index option", OPTIONS)),
        }
    })?;
    let Some(fields) = fields else {
        return Err(meta.error("`index(...)` on a struct needs its fields: `index(fields(a, b))`"));
    };
    Ok(IndexAttr {
        fields: fields.value,
        name,
        unique,
    })
}

fn unique(meta: &ParseNestedMeta) -> syn::Result<UniqueAttr> {
    const OPTIONS: &[&str] = &["fields", "name"];
    let (mut fields, mut name) = (None, None);
    nested(meta, |inner| {
        match inner
            .path
            .get_ident()
            .map(Ident::to_string)
            .unwrap_or_default()
            .as_str()
        {
            "fields" => {
                let list = field_list(inner)?;
                set(&mut fields, inner, list)
            }
            "name" => {
                let lit = string(inner, "name = \"uq_posts_slug\"")?;
                set(&mut name, inner, lit)
            }
            _ => Err(super::unknown(inner, "unique option", OPTIONS)),
        }
    })?;
    let Some(fields) = fields else {
        return Err(meta.error("`unique(...)` on a struct needs its fields: `unique(fields(a, b))`"));
    };
    Ok(UniqueAttr {
        fields: fields.value,
        name,
    })
}

fn check(meta: &ParseNestedMeta) -> syn::Result<CheckAttr> {
    const OPTIONS: &[&str] = &["name", "expr"];
    let (mut name, mut expr) = (None, None);
    nested(meta, |inner| {
        match inner
            .path
            .get_ident()
            .map(Ident::to_string)
            .unwrap_or_default()
            .as_str()
        {
            "name" => {
                let lit = string(inner, "name = \"ck_price_positive\"")?;
                set(&mut name, inner, lit)
            }
            "expr" => {
                let lit = string(inner, "expr = \"price > 0\"")?;
                set(&mut expr, inner, lit)
            }
            _ => Err(super::unknown(inner, "check option", OPTIONS)),
        }
    })?;
    match (name, expr) {
        (Some(name), Some(expr)) => Ok(CheckAttr {
            name: name.value,
            expr: expr.value,
        }),
        _ => Err(meta.error(
            "`check` needs a name and an SQL expression: `check(name = \"ck_price_positive\", expr = \"price > 0\")`",
        )),
    }
}

fn many_to_many(meta: &ParseNestedMeta, span: Span) -> syn::Result<ManyToManyAttr> {
    let (mut target, mut table) = (None, None);
    nested(meta, |inner| {
        if inner.path.is_ident("table") && !inner.input.is_empty() && !inner.input.peek(syn::Token![,]) {
            let lit = string(inner, "table = \"post_tags\"")?;
            return set(&mut table, inner, lit);
        }
        if target.is_none() && (inner.input.is_empty() || inner.input.peek(syn::Token![,])) {
            target = Some(inner.path.clone());
            return Ok(());
        }
        Err(inner.error("expected the related model, then optionally `table = \"..\"`: `many_to_many(Tag, table = \"post_tags\")`"))
    })?;
    let Some(target) = target else {
        return Err(meta.error("`many_to_many` needs the related model: `many_to_many(Tag)`"));
    };
    Ok(ManyToManyAttr { target, table, span })
}
