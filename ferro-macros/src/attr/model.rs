//! The grammar of `#[ferro(..)]` on a model struct and on its fields.

use darling::FromMeta;
use darling::ast::NestedMeta;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitStr, Meta, Path};

use super::{Given, Slot, field_list, field_texts, flag, flag_or_bool, nested, text, type_path, whole};
use crate::errors::Errors;

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

/// `on_delete = "CASCADE"`: SQL's spelling, in any case and spacing.
fn action(meta: &Meta) -> darling::Result<Slot<Referential>> {
    let Some(lit) = text(meta, "on_delete = \"CASCADE\"")? else {
        return Ok(None);
    };
    let found = lit.value.value();
    let normal = found
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    if let Some((_, action)) = ACTIONS.iter().find(|(sql, _)| *sql == normal) {
        return Ok(Some(Given {
            value: *action,
            span: lit.span,
        }));
    }
    let names: Vec<&str> = ACTIONS.iter().map(|(sql, _)| *sql).collect();
    let message = match super::closest(&normal, &names) {
        Some(best) => format!("unknown referential action `{found}`; did you mean `{best}`?"),
        None => format!(
            "unknown referential action `{found}`; expected one of `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`, `NO ACTION`"
        ),
    };
    Err(darling::Error::custom(message).with_span(&lit.value.span()))
}

/// `foreign_key(references = Model, column = "..", name = "..", on_delete = "..", on_update = "..")`.
#[derive(FromMeta)]
pub(crate) struct ForeignKeyAttr {
    #[darling(default, with = |m| type_path(m, "references = User"))]
    references: Option<Path>,
    #[darling(default, with = |m| text(m, "column = \"id\""))]
    pub(crate) column: Slot<LitStr>,
    #[darling(default, with = |m| text(m, "name = \"fk_posts_author\""))]
    pub(crate) name: Slot<LitStr>,
    #[darling(default, with = action)]
    pub(crate) on_delete: Slot<Referential>,
    #[darling(default, with = action)]
    pub(crate) on_update: Slot<Referential>,
}

impl ForeignKeyAttr {
    /// The model it refers to.
    pub(crate) fn references(&self) -> &Path {
        self.references.as_ref().expect("checked when parsed")
    }
}

fn foreign_key_list(meta: &Meta) -> darling::Result<Slot<ForeignKeyAttr>> {
    nested(meta, |fk: &ForeignKeyAttr| {
        fk.references.is_none().then(|| {
            "`foreign_key` needs the model it refers to: `foreign_key(references = User)`".to_owned()
        })
    })
    .map(Some)
}

/// The options of [`FieldAttrs`], for the message about an unknown one:
/// darling names at most nine.
pub(crate) const FIELD_OPTIONS: &[&str] = &[
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
    "collation",
    "generated",
    "stored",
    "skip",
];

/// Everything `#[ferro(..)]` says about one field.
#[derive(Default, FromMeta)]
#[darling(default)]
pub(crate) struct FieldAttrs {
    #[darling(with = flag)]
    pub(crate) primary_key: Slot<()>,
    #[darling(with = flag_or_bool)]
    pub(crate) auto_increment: Slot<bool>,
    #[darling(with = flag)]
    pub(crate) unique: Slot<()>,
    #[darling(with = flag)]
    pub(crate) index: Slot<()>,
    #[darling(with = flag)]
    pub(crate) nullable: Slot<()>,
    #[darling(with = |m| text(m, "column = \"name\""))]
    pub(crate) column: Slot<LitStr>,
    #[darling(with = |m| text(m, "renamed_from = \"old_name\""))]
    pub(crate) renamed_from: Slot<LitStr>,
    #[darling(with = |m| text(m, "default = \"0\""))]
    pub(crate) default: Slot<LitStr>,
    #[darling(with = |m| whole(m, "max_length = 64"))]
    pub(crate) max_length: Slot<Given<u32>>,
    #[darling(with = |m| whole(m, "precision = 12"))]
    pub(crate) precision: Slot<Given<u16>>,
    #[darling(with = |m| whole(m, "scale = 2"))]
    pub(crate) scale: Slot<Given<u16>>,
    #[darling(with = |m| text(m, "sql_type = \"CITEXT\""))]
    pub(crate) sql_type: Slot<LitStr>,
    #[darling(with = foreign_key_list)]
    pub(crate) foreign_key: Slot<ForeignKeyAttr>,
    #[darling(with = |m| text(m, "comment = \"...\""))]
    pub(crate) comment: Slot<LitStr>,
    #[darling(with = |m| text(m, "collation = \"C\""))]
    pub(crate) collation: Slot<LitStr>,
    #[darling(with = |m| text(m, "generated = \"price * quantity\""))]
    pub(crate) generated: Slot<LitStr>,
    #[darling(with = flag)]
    pub(crate) stored: Slot<()>,
    #[darling(with = flag)]
    pub(crate) skip: Slot<()>,
    /// Every option named, valid or not, so that a bad value of one option does
    /// not also report the options that depend on it as missing.
    #[darling(skip)]
    pub(crate) named: Vec<String>,
}

impl FieldAttrs {
    pub(crate) fn parse(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
        let (mut out, named) =
            super::parse::<FieldAttrs>(attrs, ("field attribute", FIELD_OPTIONS), &[], errors);
        out.named = named;
        out
    }
}

/// `index(fields(a, b), name = "..", unique, where = "..", descending(b),
/// using = "gin", ops(a = ".."), include(c))` on the struct.
#[derive(FromMeta)]
pub(crate) struct IndexAttr {
    #[darling(default, with = field_list)]
    fields: Option<Vec<Ident>>,
    #[darling(default, with = |m| text(m, "name = \"ix_posts_recent\""))]
    pub(crate) name: Slot<LitStr>,
    #[darling(default, with = flag)]
    pub(crate) unique: Slot<()>,
    #[darling(default, rename = "where", with = |m| text(m, "where = \"deleted_at IS NULL\""))]
    pub(crate) predicate: Slot<LitStr>,
    #[darling(default, with = field_list)]
    pub(crate) descending: Option<Vec<Ident>>,
    #[darling(default, with = |m| text(m, "using = \"gin\""))]
    pub(crate) using: Slot<LitStr>,
    #[darling(default, with = field_texts)]
    pub(crate) ops: Option<Vec<(Ident, LitStr)>>,
    #[darling(default, with = field_list)]
    pub(crate) include: Option<Vec<Ident>>,
    #[darling(default, with = expression_list)]
    pub(crate) expressions: Option<Vec<LitStr>>,
}

/// `unique(fields(a, b), name = "..")` on the struct.
#[derive(FromMeta)]
pub(crate) struct UniqueAttr {
    #[darling(default, with = field_list)]
    fields: Option<Vec<Ident>>,
    #[darling(default, with = |m| text(m, "name = \"uq_posts_slug\""))]
    pub(crate) name: Slot<LitStr>,
}

/// `primary_key(fields(a, b), name = "..")` on the struct; `fields` may be
/// left out to name the key of the field marked `primary_key`.
#[derive(FromMeta)]
pub(crate) struct KeyAttr {
    #[darling(default, with = field_list)]
    pub(crate) fields: Option<Vec<Ident>>,
    #[darling(default, with = |m| text(m, "name = \"users_pkey\""))]
    pub(crate) name: Slot<LitStr>,
}

/// `check(name = "..", expr = "..")` on the struct.
#[derive(FromMeta)]
pub(crate) struct CheckAttr {
    #[darling(default, with = |m| text(m, "name = \"ck_price_positive\""))]
    name: Slot<LitStr>,
    #[darling(default, with = |m| text(m, "expr = \"price > 0\""))]
    expr: Slot<LitStr>,
}

impl CheckAttr {
    pub(crate) fn name(&self) -> &LitStr {
        &self.name.as_ref().expect("checked when parsed").value
    }

    pub(crate) fn expr(&self) -> &LitStr {
        &self.expr.as_ref().expect("checked when parsed").value
    }
}

impl IndexAttr {
    /// The fields it covers; none for an index on expressions.
    pub(crate) fn fields(&self) -> &[Ident] {
        self.fields.as_deref().unwrap_or_default()
    }
}

/// `expressions("lower(email)", ..)`: an index's key as SQL expressions.
fn expression_list(meta: &Meta) -> darling::Result<Option<Vec<LitStr>>> {
    strings(
        meta,
        "expected SQL expressions as non-empty strings, as in `expressions(\"lower(email)\")`",
        "`expressions(...)` names at least one expression",
    )
}

/// `name("a", "b")`: non-empty strings, at least one; `expected` says what
/// an item should have been, `none` what an empty list lacks.
fn strings(meta: &Meta, expected: &str, none: &str) -> darling::Result<Option<Vec<LitStr>>> {
    let mut out = Vec::new();
    for item in super::list(meta)? {
        match &item {
            NestedMeta::Lit(syn::Lit::Str(lit)) if !lit.value().trim().is_empty() => out.push(lit.clone()),
            _ => return Err(darling::Error::custom(expected).with_span(&item)),
        }
    }
    if out.is_empty() {
        return Err(darling::Error::custom(none).with_span(&meta.path().span()));
    }
    Ok(Some(out))
}

impl UniqueAttr {
    /// The fields it covers, checked when parsed.
    pub(crate) fn fields(&self) -> &[Ident] {
        self.fields.as_deref().expect("checked when parsed")
    }
}

/// `foreign_key(fields(a, b), references = Model, columns("x", "y"), name = "..",
/// on_delete = "..", on_update = "..")` on the struct: a key of several
/// columns, or one that names the referred columns.
#[derive(FromMeta)]
pub(crate) struct TableForeignKeyAttr {
    #[darling(default, with = field_list)]
    fields: Option<Vec<Ident>>,
    #[darling(default, with = |m| type_path(m, "references = Parent"))]
    references: Option<Path>,
    #[darling(default, with = column_names)]
    columns: Option<Vec<LitStr>>,
    #[darling(default, with = |m| text(m, "name = \"fk_child_parent\""))]
    pub(crate) name: Slot<LitStr>,
    #[darling(default, with = action)]
    pub(crate) on_delete: Slot<Referential>,
    #[darling(default, with = action)]
    pub(crate) on_update: Slot<Referential>,
}

impl TableForeignKeyAttr {
    /// The referencing fields, checked when parsed.
    pub(crate) fn fields(&self) -> &[Ident] {
        self.fields.as_deref().expect("checked when parsed")
    }

    /// The model it refers to, checked when parsed.
    pub(crate) fn references(&self) -> &Path {
        self.references.as_ref().expect("checked when parsed")
    }

    /// The referred columns, checked when parsed.
    pub(crate) fn columns(&self) -> &[LitStr] {
        self.columns.as_deref().expect("checked when parsed")
    }
}

/// `columns("x", "y")`: the referred table's column names, as the database
/// has them.
fn column_names(meta: &Meta) -> darling::Result<Option<Vec<LitStr>>> {
    strings(
        meta,
        "expected the referred columns' names, as in `columns(\"id\", \"version\")`",
        "`columns(...)` names at least one column",
    )
}

fn table_foreign_key_list(meta: &Meta) -> darling::Result<Given<TableForeignKeyAttr>> {
    nested(meta, |fk: &TableForeignKeyAttr| {
        (fk.fields.is_none() || fk.references.is_none() || fk.columns.is_none()).then(|| {
            "`foreign_key(...)` on a struct needs its fields, the model and the columns it refers to: \
             `foreign_key(fields(a, b), references = Parent, columns(\"x\", \"y\"))`"
                .to_owned()
        })
    })
}

/// `many_to_many(Target, table = "..")` on the struct.
pub(crate) struct ManyToManyAttr {
    pub(crate) target: Path,
    pub(crate) table: Slot<LitStr>,
    pub(crate) span: Span,
}

impl FromMeta for ManyToManyAttr {
    fn from_meta(meta: &Meta) -> darling::Result<Self> {
        const USAGE: &str = "expected the related model, then optionally `table = \"..\"`: `many_to_many(Tag, table = \"post_tags\")`";
        let mut errors = darling::Error::accumulator();
        let (mut target, mut table) = (None, None);
        for item in super::list(meta)? {
            match &item {
                NestedMeta::Meta(m @ Meta::NameValue(nv)) if nv.path.is_ident("table") && table.is_none() => {
                    table = errors.handle(text(m, "table = \"post_tags\"")).flatten();
                }
                NestedMeta::Meta(Meta::Path(path)) if target.is_none() => target = Some(path.clone()),
                _ => errors.push(darling::Error::custom(USAGE).with_span(&item)),
            }
        }
        errors.finish()?;
        let Some(target) = target else {
            return Err(darling::Error::custom(
                "`many_to_many` needs the related model: `many_to_many(Tag)`",
            )
            .with_span(&meta.path().span()));
        };
        Ok(ManyToManyAttr {
            target,
            table,
            span: meta.path().span(),
        })
    }
}

fn index_list(meta: &Meta) -> darling::Result<Given<IndexAttr>> {
    nested(meta, |ix: &IndexAttr| {
        let on_expressions = ix.expressions.is_some();
        match (ix.fields.is_some(), on_expressions) {
            (false, false) => Some(
                "`index(...)` on a struct needs its fields: `index(fields(a, b))`, \
                 or its SQL expressions: `index(expressions(\"lower(email)\"), name = \"..\")`"
                    .to_owned(),
            ),
            (true, true) => Some(
                "`index(...)` takes `fields` or `expressions`, not both: write a column as an expression too"
                    .to_owned(),
            ),
            _ if on_expressions && ix.name.is_none() => {
                Some("an index on `expressions` needs a `name = \"..\"`: no convention names it".to_owned())
            }
            _ if on_expressions && (ix.descending.is_some() || ix.ops.is_some()) => Some(
                "an index on `expressions` takes no `descending` or `ops`; only an index on `fields` does"
                    .to_owned(),
            ),
            _ => None,
        }
    })
}

fn unique_list(meta: &Meta) -> darling::Result<Given<UniqueAttr>> {
    nested(meta, |uq: &UniqueAttr| {
        uq.fields
            .is_none()
            .then(|| "`unique(...)` on a struct needs its fields: `unique(fields(a, b))`".to_owned())
    })
}

fn check_list(meta: &Meta) -> darling::Result<Given<CheckAttr>> {
    nested(meta, |ck: &CheckAttr| {
        (ck.name.is_none() || ck.expr.is_none()).then(|| {
            "`check` needs a name and an SQL expression: `check(name = \"ck_price_positive\", expr = \"price > 0\")`"
                .to_owned()
        })
    })
}

fn key_list(meta: &Meta) -> darling::Result<Slot<KeyAttr>> {
    nested(meta, |pk: &KeyAttr| {
        (pk.fields.is_none() && pk.name.is_none()).then(|| {
            "expected `fields(...)`, as in `primary_key(fields(a, b))`, or the key's `name = \"..\"`"
                .to_owned()
        })
    })
    .map(Some)
}

/// Everything `#[ferro(..)]` says about the struct itself.
#[derive(Default, FromMeta)]
#[darling(default)]
pub(crate) struct ModelAttrs {
    #[darling(with = |m| text(m, "table = \"users\""))]
    pub(crate) table: Slot<LitStr>,
    #[darling(with = |m| text(m, "schema = \"billing\""))]
    pub(crate) schema: Slot<LitStr>,
    #[darling(with = |m| text(m, "renamed_from = \"old_name\""))]
    pub(crate) renamed_from: Slot<LitStr>,
    #[darling(with = |m| text(m, "comment = \"...\""))]
    pub(crate) comment: Slot<LitStr>,
    #[darling(with = key_list)]
    pub(crate) primary_key: Slot<KeyAttr>,
    #[darling(multiple, rename = "index", with = index_list)]
    pub(crate) indexes: Vec<Given<IndexAttr>>,
    #[darling(multiple, rename = "unique", with = unique_list)]
    pub(crate) uniques: Vec<Given<UniqueAttr>>,
    #[darling(multiple, rename = "check", with = check_list)]
    pub(crate) checks: Vec<Given<CheckAttr>>,
    #[darling(multiple, rename = "foreign_key", with = table_foreign_key_list)]
    pub(crate) foreign_keys: Vec<Given<TableForeignKeyAttr>>,
    #[darling(multiple)]
    pub(crate) many_to_many: Vec<ManyToManyAttr>,
}

impl ModelAttrs {
    pub(crate) fn parse(attrs: &[Attribute], errors: &mut Errors) -> ModelAttrs {
        let repeatable = ["index", "unique", "check", "foreign_key", "many_to_many"];
        super::parse(attrs, ("struct attribute", &[]), &repeatable, errors).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_field_option_is_one_the_grammar_knows() {
        for name in FIELD_OPTIONS {
            let items = NestedMeta::parse_meta_list(name.parse().unwrap()).unwrap();
            if let Err(e) = FieldAttrs::from_list(&items) {
                assert!(!e.to_string().contains("Unknown field"), "{name}: {e}");
            }
        }
        let items = NestedMeta::parse_meta_list("frobnicate".parse().unwrap()).unwrap();
        let e = FieldAttrs::from_list(&items).err().expect("an unknown option");
        assert!(e.to_string().contains("Unknown field"), "{e}");
    }
}
