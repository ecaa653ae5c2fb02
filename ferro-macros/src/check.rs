//! Checks of a model as a whole (the checks one attribute cannot make alone), and
//! the checked model that [`crate::expand`] turns into code.

use std::collections::BTreeMap;

use heck::ToSnakeCase;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Field, Fields, Ident, LitStr, Path, Type};

use crate::attr::model::{FieldAttrs, ForeignKeyAttr, IndexAttr, ModelAttrs, Referential};
use crate::attr::{Given, closest};
use crate::errors::Errors;

/// PostgreSQL keeps identifiers of at most 63 bytes and cuts longer ones silently.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// PostgreSQL's largest `NUMERIC` precision.
const MAX_PRECISION: u16 = 1000;

/// A model whose attributes passed every check.
pub(crate) struct Model<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) table: String,
    pub(crate) model_name: String,
    pub(crate) columns: Vec<Column<'a>>,
    pub(crate) primary_key: Vec<String>,
    /// The primary key's name, when given (`primary_key(name = "..")`).
    pub(crate) primary_key_name: Option<String>,
    /// The primary-key column, when the key has exactly one.
    pub(crate) key: Option<usize>,
    pub(crate) indexes: Vec<Index>,
    pub(crate) uniques: Vec<Unique>,
    pub(crate) checks: Vec<(String, String)>,
    pub(crate) foreign_keys: Vec<TableForeignKey<'a>>,
    pub(crate) many_to_many: Vec<ManyToMany>,
    pub(crate) comment: Option<String>,
    pub(crate) renamed_from: Option<String>,
}

/// One column, from one field.
pub(crate) struct Column<'a> {
    pub(crate) ty: &'a Type,
    pub(crate) name: String,
    pub(crate) attrs: FieldAttrs,
    /// The field's type is `Option<..>` as written (the compiler decides for aliases).
    pub(crate) written_option: bool,
}

impl Column<'_> {
    pub(crate) fn foreign_key(&self) -> Option<&ForeignKeyAttr> {
        self.attrs.foreign_key.as_ref().map(|fk| &fk.value)
    }
}

pub(crate) struct Index {
    pub(crate) name: Option<String>,
    pub(crate) columns: Vec<String>,
    pub(crate) unique: bool,
    /// A partial index's `where`.
    pub(crate) predicate: Option<String>,
    /// Each column's order (empty: all ascending).
    pub(crate) descending: Vec<bool>,
    /// The access method, when given.
    pub(crate) method: Option<String>,
    /// Each column's operator class (empty: all default).
    pub(crate) operator_classes: Vec<Option<String>>,
    /// Columns stored beside the key.
    pub(crate) include: Vec<String>,
    /// The key as SQL expressions, when not columns.
    pub(crate) expressions: Vec<String>,
}

pub(crate) struct Unique {
    pub(crate) name: Option<String>,
    pub(crate) columns: Vec<String>,
}

/// A foreign key declared on the struct.
pub(crate) struct TableForeignKey<'a> {
    pub(crate) columns: Vec<String>,
    pub(crate) target: Path,
    pub(crate) referred: Vec<String>,
    pub(crate) name: Option<String>,
    pub(crate) on_delete: Referential,
    pub(crate) on_update: Referential,
    /// The types of the fields that `SET NULL` sets, when it is an action
    /// and they are not marked `nullable`: each must hold NULL.
    pub(crate) set_null: Vec<(&'a Type, Span)>,
}

pub(crate) struct ManyToMany {
    pub(crate) target: Path,
    pub(crate) table: Option<String>,
}

/// Checks `input` as a model. Every problem found goes to `errors`; the model is
/// returned when there were none.
pub(crate) fn model<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Option<Model<'a>> {
    let attrs = ModelAttrs::parse(&input.attrs, errors);
    let fields = named_fields(input, errors)?;
    if !input.generics.params.is_empty() {
        errors.push(
            input.generics.span(),
            "a model cannot be generic: a table has one fixed set of columns",
        );
    }
    let mut table = match &attrs.table {
        Some(lit) => {
            object_name(&lit.value.value(), lit.value.span(), "table name", errors);
            lit.value.value()
        }
        None => {
            let table = input.ident.to_string().to_snake_case();
            object_name(&table, input.ident.span(), "table name", errors);
            table
        }
    };
    // A PostgreSQL schema: the table's name is said after it, as SQL says
    // it (`billing.invoices`), wherever Ferro names the table.
    if let Some(schema) = &attrs.schema {
        let name = schema.value.value();
        object_name(&name, schema.value.span(), "schema name", errors);
        table = format!("{name}.{table}");
    }
    let columns = Columns::check(input, fields, errors);
    let primary_key = columns.primary_key(&attrs, errors);
    let primary_key_name = attrs
        .primary_key
        .as_ref()
        .and_then(|pk| explicit_name(&pk.value.name, errors));
    let key = match primary_key.as_slice() {
        [only] => columns.list.iter().position(|c| &c.name == only),
        _ => None,
    };
    let (indexes, uniques) = columns.indexes(&attrs, errors);
    let checks = checks(&attrs, errors);
    let foreign_keys = columns.foreign_keys(&attrs, errors);
    let many_to_many = attrs
        .many_to_many
        .iter()
        .map(|relation| {
            if key.is_none() {
                errors.push(
                    relation.span,
                    "`many_to_many` needs this model to have a single-column primary key, which the join table refers to",
                );
            }
            ManyToMany {
                target: relation.target.clone(),
                table: explicit_name(&relation.table, errors),
            }
        })
        .collect();

    if !errors.is_empty() {
        return None;
    }
    Some(Model {
        ident: &input.ident,
        table,
        model_name: input.ident.to_string().to_snake_case(),
        columns: columns.list,
        primary_key,
        primary_key_name,
        key,
        indexes,
        uniques,
        checks,
        foreign_keys,
        many_to_many,
        comment: attrs.comment.map(|c| c.value.value()),
        renamed_from: attrs.renamed_from.map(|c| c.value.value()),
    })
}

/// The columns of a model, and which field became which column.
struct Columns<'a> {
    list: Vec<Column<'a>>,
    /// Every field by its name: the index of its column, or `None` when skipped.
    by_field: BTreeMap<String, Option<usize>>,
}

impl<'a> Columns<'a> {
    fn check(input: &DeriveInput, fields: Vec<&'a Field>, errors: &mut Errors) -> Columns<'a> {
        let mut out = Columns {
            list: Vec::new(),
            by_field: BTreeMap::new(),
        };
        for field in fields {
            let attrs = FieldAttrs::parse(&field.attrs, errors);
            let ident = field.ident.as_ref().expect("named fields have names");
            let field_name = syn::ext::IdentExt::unraw(ident).to_string();
            if let Some(skip) = &attrs.skip {
                reject_with_skip(&attrs, skip.span, errors);
                out.by_field.insert(field_name, None);
                continue;
            }
            let (name, span) = match &attrs.column {
                Some(c) => (c.value.value(), c.value.span()),
                None => (field_name.clone(), ident.span()),
            };
            object_name(&name, span, "column name", errors);
            if out.list.iter().any(|c| c.name == name) {
                errors.push(
                    span,
                    format!("column `{name}` is declared twice; name one of them with `column = \"..\"`"),
                );
            }
            check_field(field, &attrs, errors);
            if let Some(auto) = &attrs.auto_increment
                && attrs.primary_key.is_none()
            {
                errors.push(
                    auto.span,
                    "`auto_increment` applies to a primary-key field only; add `primary_key`",
                );
            }
            out.by_field.insert(field_name, Some(out.list.len()));
            out.list.push(Column {
                ty: &field.ty,
                name,
                written_option: is_written_option(&field.ty),
                attrs,
            });
        }
        if out.list.is_empty() {
            errors.push(input.ident.span(), "a model needs at least one column");
        }
        out
    }

    /// The primary key's columns, from the struct's `primary_key(fields(..))` or
    /// the one field marked `primary_key`.
    fn primary_key(&self, attrs: &ModelAttrs, errors: &mut Errors) -> Vec<String> {
        let marked: Vec<&Column> = self
            .list
            .iter()
            .filter(|c| c.attrs.primary_key.is_some())
            .collect();
        for extra in marked.iter().skip(1) {
            errors.push(
                extra.attrs.primary_key.as_ref().map_or(Span::call_site(), |p| p.span),
                "a table has one primary key; for a key of several columns write `#[ferro(primary_key(fields(a, b)))]` on the struct",
            );
        }
        match &attrs.primary_key {
            Some(given) if given.value.fields.is_none() => match marked.first() {
                Some(c) => vec![c.name.clone()],
                None => {
                    errors.push(
                        given.span,
                        "`primary_key(name = \"..\")` names the key of the field marked `primary_key`, and none is; mark one, or give the key's `fields(..)`",
                    );
                    Vec::new()
                }
            },
            Some(given) => {
                if let Some(first) = marked.first() {
                    errors.push(
                        given.span,
                        format!(
                            "the primary key is declared twice: here and on field `{}`; keep one",
                            first.name
                        ),
                    );
                }
                let fields = given.value.fields.as_deref().unwrap_or_default();
                self.lookup(fields, "primary_key", errors)
            }
            None => marked.first().map(|c| vec![c.name.clone()]).unwrap_or_default(),
        }
    }

    /// The foreign keys declared on the struct.
    fn foreign_keys(&self, attrs: &ModelAttrs, errors: &mut Errors) -> Vec<TableForeignKey<'a>> {
        let mut out = Vec::new();
        for given in &attrs.foreign_keys {
            let fk = &given.value;
            let columns = self.lookup(fk.fields(), "foreign_key", errors);
            let referred: Vec<String> = fk.columns().iter().map(LitStr::value).collect();
            for (lit, name) in fk.columns().iter().zip(&referred) {
                object_name(name, lit.span(), "column name", errors);
            }
            if referred.len() != fk.fields().len() {
                errors.push(
                    given.span,
                    format!(
                        "`foreign_key` pairs each field with a referred column, and has {} field(s) and {} column(s)",
                        fk.fields().len(),
                        referred.len()
                    ),
                );
            }
            let actions = [&fk.on_delete, &fk.on_update];
            let set_null = actions
                .into_iter()
                .flatten()
                .find(|a| a.value == Referential::SetNull)
                .map(|a| a.span);
            let set_null = match set_null {
                Some(span) => self
                    .list
                    .iter()
                    .filter(|c| columns.contains(&c.name) && c.attrs.nullable.is_none())
                    .map(|c| (c.ty, span))
                    .collect(),
                None => Vec::new(),
            };
            out.push(TableForeignKey {
                columns,
                target: fk.references().clone(),
                referred,
                name: explicit_name(&fk.name, errors),
                on_delete: fk.on_delete.as_ref().map_or(Referential::NoAction, |a| a.value),
                on_update: fk.on_update.as_ref().map_or(Referential::NoAction, |a| a.value),
                set_null,
            });
        }
        out
    }

    /// The indexes and unique constraints of fields and of the struct.
    fn indexes(&self, attrs: &ModelAttrs, errors: &mut Errors) -> (Vec<Index>, Vec<Unique>) {
        let mut indexes = Vec::new();
        let mut uniques = Vec::new();
        for column in &self.list {
            let columns = vec![column.name.clone()];
            match (&column.attrs.index, &column.attrs.unique) {
                // As in SQLAlchemy, `index` and `unique` together make a unique index.
                (Some(_), unique) => indexes.push(Index {
                    name: None,
                    columns,
                    unique: unique.is_some(),
                    predicate: None,
                    descending: Vec::new(),
                    method: None,
                    operator_classes: Vec::new(),
                    include: Vec::new(),
                    expressions: Vec::new(),
                }),
                (None, Some(_)) => uniques.push(Unique { name: None, columns }),
                (None, None) => {}
            }
        }
        for index in &attrs.indexes {
            let columns = self.lookup(index.value.fields(), "index", errors);
            let down = index
                .value
                .descending
                .as_deref()
                .map(|d| self.lookup(d, "descending", errors))
                .unwrap_or_default();
            for (ident, column) in index.value.descending.iter().flatten().zip(&down) {
                if !columns.contains(column) {
                    errors.push(
                        ident.span(),
                        format!("`descending` names `{ident}`, which is not one of the index's `fields`"),
                    );
                }
            }
            let include = index
                .value
                .include
                .as_deref()
                .map(|i| self.lookup(i, "include", errors))
                .unwrap_or_default();
            for (ident, column) in index.value.include.iter().flatten().zip(&include) {
                if columns.contains(column) {
                    errors.push(
                        ident.span(),
                        format!("`include` names `{ident}`, which is one of the index's `fields`: a key column is in the index already"),
                    );
                }
            }
            let mut classes = vec![None; columns.len()];
            for (ident, class) in index.value.ops.iter().flatten() {
                let Some(column) = self.lookup(std::slice::from_ref(ident), "ops", errors).pop() else {
                    continue;
                };
                match columns.iter().position(|c| *c == column) {
                    Some(at) if is_sql_name(&class.value(), 2) => classes[at] = Some(class.value()),
                    Some(_) => errors.push(
                        class.span(),
                        "expected an operator class's name in lower case, as `gin_trgm_ops` or `public.gin_trgm_ops`",
                    ),
                    None => errors.push(
                        ident.span(),
                        format!("`ops` names `{ident}`, which is not one of the index's `fields`"),
                    ),
                }
            }
            let method = index.value.using.as_ref().map(|m| m.value.value());
            if let Some(using) = &index.value.using {
                index_method(&using.value, &index.value, errors);
            }
            indexes.push(Index {
                name: explicit_name(&index.value.name, errors),
                descending: columns.iter().map(|c| down.contains(c)).collect(),
                columns,
                unique: index.value.unique.is_some(),
                predicate: index.value.predicate.as_ref().map(|p| p.value.value()),
                method,
                operator_classes: classes,
                include,
                expressions: index
                    .value
                    .expressions
                    .iter()
                    .flatten()
                    .map(LitStr::value)
                    .collect(),
            });
        }
        for unique in &attrs.uniques {
            uniques.push(Unique {
                name: explicit_name(&unique.value.name, errors),
                columns: self.lookup(unique.value.fields(), "unique", errors),
            });
        }
        (indexes, uniques)
    }

    /// The column names of the fields a struct-level option lists.
    fn lookup(&self, list: &[Ident], what: &str, errors: &mut Errors) -> Vec<String> {
        let mut out = Vec::new();
        for ident in list {
            let name = syn::ext::IdentExt::unraw(ident).to_string();
            match self.by_field.get(&name) {
                Some(Some(i)) => {
                    let column = self.list[*i].name.clone();
                    if out.contains(&column) {
                        errors.push(
                            ident.span(),
                            format!("field `{name}` is listed twice in `{what}`"),
                        );
                    }
                    out.push(column);
                }
                Some(None) => errors.push(
                    ident.span(),
                    format!("field `{name}` is skipped (`#[ferro(skip)]`) and has no column for `{what}`"),
                ),
                None => {
                    let known: Vec<&str> = self.by_field.keys().map(String::as_str).collect();
                    let message = match closest(&name, &known) {
                        Some(best) => format!("unknown field `{name}` in `{what}`; did you mean `{best}`?"),
                        None => format!("unknown field `{name}` in `{what}`; the struct has no such field"),
                    };
                    errors.push(ident.span(), message);
                }
            }
        }
        out
    }
}

fn checks(attrs: &ModelAttrs, errors: &mut Errors) -> Vec<(String, String)> {
    let mut checks: Vec<(String, String)> = Vec::new();
    for check in &attrs.checks {
        let name = check.value.name().value();
        object_name(&name, check.value.name().span(), "check name", errors);
        if checks.iter().any(|(n, _)| *n == name) {
            errors.push(
                check.value.name().span(),
                format!("check `{name}` is declared twice"),
            );
        }
        checks.push((name, check.value.expr().value()));
    }
    checks
}

fn named_fields<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Option<Vec<&'a Field>> {
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Some(named.named.iter().collect()),
            _ => {
                errors.push(
                    input.ident.span(),
                    "a model must be a struct with named fields; each field is a column",
                );
                None
            }
        },
        _ => {
            errors.push(
                input.ident.span(),
                "`#[derive(Model)]` applies to structs; an enum column uses `#[derive(Enum)]`",
            );
            None
        }
    }
}

/// The checks that concern one field's options alone.
fn check_field(field: &Field, a: &FieldAttrs, errors: &mut Errors) {
    let conflict = |errors: &mut Errors, span: Span, this: &str, other: &str, why: &str| {
        errors.push(span, format!("`{this}` cannot be combined with `{other}`: {why}"));
    };
    if let (Some(_), Some(nullable)) = (&a.primary_key, &a.nullable) {
        conflict(
            errors,
            nullable.span,
            "nullable",
            "primary_key",
            "a primary key is never NULL",
        );
    }
    if a.primary_key.is_some() && is_written_option(&field.ty) {
        errors.push(
            field.ty.span(),
            "a primary-key field cannot be an `Option`: a primary key is never NULL",
        );
    }
    if let (Some(auto), Some(_)) = (&a.auto_increment, &a.sql_type) {
        conflict(
            errors,
            auto.span,
            "auto_increment",
            "sql_type",
            "auto-increment needs one of Ferro's integer types",
        );
    }
    if let (Some(max), Some(_)) = (&a.max_length, &a.sql_type) {
        conflict(
            errors,
            max.span,
            "max_length",
            "sql_type",
            "`sql_type` gives the whole type; write the length in it",
        );
    }
    if let (Some(p), Some(_)) = (&a.precision, &a.sql_type) {
        conflict(
            errors,
            p.span,
            "precision",
            "sql_type",
            "`sql_type` gives the whole type; write the precision in it",
        );
    }
    if let (Some(max), Some(_)) = (&a.max_length, &a.precision) {
        conflict(
            errors,
            max.span,
            "max_length",
            "precision",
            "one is for text, the other for decimals",
        );
    }
    if let Some(max) = &a.max_length
        && max.value.value == 0
    {
        errors.push(max.value.span, "`max_length` must be at least 1");
    }
    if let (Some(stored), None) = (&a.stored, &a.generated) {
        errors.push(
            stored.span,
            "`stored` keeps a generated column's value; it needs `generated = \"..\"`",
        );
    }
    if let Some(generated) = &a.generated {
        for (given, name, why) in [
            (
                a.default.as_ref().map(|d| d.span),
                "default",
                "the database computes its value",
            ),
            (
                a.primary_key.as_ref().map(|p| p.span),
                "primary_key",
                "a key is not computed",
            ),
            (
                a.auto_increment.as_ref().map(|p| p.span),
                "auto_increment",
                "the database computes its value",
            ),
        ] {
            if let Some(span) = given {
                conflict(errors, span, name, "generated", why);
            }
        }
        if !is_written_option(&field.ty) && a.nullable.is_none() {
            errors.push(
                field.ty.span(),
                "a generated column accepts NULL (its value is NULL where what it is computed from is): \
                 write the field as an `Option`",
            );
        }
        if generated.value.value().trim().is_empty() {
            errors.push(generated.value.span(), "`generated` needs an SQL expression");
        }
    }
    if let Some(collation) = &a.collation
        && !is_collation_name(&collation.value.value())
    {
        errors.push(
            collation.value.span(),
            "a collation's name has letters, digits and `_`, `-`, `.`, `@` only, as `C`, `en-US-x-icu`, `utf8mb4_bin` or `NOCASE`",
        );
    }
    match (&a.precision, &a.scale) {
        (None, Some(scale)) if !a.named.iter().any(|n| n == "precision") => errors.push(
            scale.span,
            "`scale` needs `precision`: `precision = 12, scale = 2`",
        ),
        (Some(p), scale) => {
            let p_value = p.value.value;
            if p_value == 0 || p_value > MAX_PRECISION {
                errors.push(
                    p.value.span,
                    format!("`precision` must be from 1 to {MAX_PRECISION}"),
                );
            }
            if let Some(s) = scale
                && s.value.value > p_value
            {
                errors.push(
                    s.value.span,
                    format!("`scale` cannot exceed `precision` ({p_value})"),
                );
            }
        }
        (None, _) => {}
    }
    if let Some(fk) = &a.foreign_key
        && fk.value.column.is_none()
    {
        let why = "a foreign-key column takes the type of the key it refers to";
        if let Some(max) = &a.max_length {
            conflict(errors, max.span, "max_length", "foreign_key", why);
        }
        if let Some(p) = &a.precision {
            conflict(errors, p.span, "precision", "foreign_key", why);
        }
        if let Some(t) = &a.sql_type {
            conflict(errors, t.span, "sql_type", "foreign_key", why);
        }
    }
    if let Some(fk) = &a.foreign_key
        && let Some(column) = &fk.value.column
    {
        object_name(&column.value.value(), column.value.span(), "column name", errors);
    }
    if let Some(fk) = &a.foreign_key {
        explicit_name(&fk.value.name, errors);
    }
    if let Some(fk) = &a.foreign_key
        && let (Some(on_delete), Some(_)) = (&fk.value.on_delete, &a.primary_key)
        && on_delete.value == Referential::SetNull
    {
        errors.push(
            on_delete.span,
            "`on_delete = \"SET NULL\"` cannot apply to a primary-key column, which is never NULL",
        );
    }
    for lit in [&a.column, &a.renamed_from].into_iter().flatten() {
        object_name(&lit.value.value(), lit.value.span(), "column name", errors);
    }
}

fn reject_with_skip(a: &FieldAttrs, skip: Span, errors: &mut Errors) {
    let others = [
        ("primary_key", a.primary_key.is_some()),
        ("auto_increment", a.auto_increment.is_some()),
        ("unique", a.unique.is_some()),
        ("index", a.index.is_some()),
        ("nullable", a.nullable.is_some()),
        ("column", a.column.is_some()),
        ("renamed_from", a.renamed_from.is_some()),
        ("default", a.default.is_some()),
        ("max_length", a.max_length.is_some()),
        ("precision", a.precision.is_some()),
        ("scale", a.scale.is_some()),
        ("sql_type", a.sql_type.is_some()),
        ("foreign_key", a.foreign_key.is_some()),
        ("comment", a.comment.is_some()),
        ("collation", a.collation.is_some()),
        ("generated", a.generated.is_some()),
        ("stored", a.stored.is_some()),
    ];
    for (name, _) in others.iter().filter(|(_, given)| *given) {
        errors.push(
            skip,
            format!("`skip` leaves the field out of the table, so `{name}` cannot apply to it"),
        );
    }
}

/// An index's `using`: a method's name, and by PostgreSQL's rules (the only
/// database with a choice of method) only a B-tree is unique or ordered, and
/// only a B-tree, GiST or SP-GiST index includes columns.
fn index_method(using: &LitStr, index: &IndexAttr, errors: &mut Errors) {
    let method = using.value();
    if !is_sql_name(&method, 1) {
        let message = "expected an index method's name in lower case: `btree`, `hash`, `gin`, `gist`, `spgist`, `brin`, or an extension's";
        errors.push(using.span(), message);
        return;
    }
    if method == "btree" {
        return;
    }
    let mut refuse = |what: &str| {
        errors.push(
            using.span(),
            format!("a `{method}` index cannot {what}; only a `btree` index can"),
        );
    };
    if index.unique.is_some() {
        refuse("be `unique`");
    }
    if index.descending.is_some() {
        refuse("have a `descending` column");
    }
    if index.include.is_some() && !matches!(method.as_str(), "gist" | "spgist") {
        refuse("`include` columns (a `gist` or `spgist` one can too)");
    }
}

/// Whether `name` can be a collation's name, by the rule of ferro-core's
/// schema (which this crate does not depend on).
fn is_collation_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_IDENTIFIER_BYTES
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'))
}

/// Whether `s` is a lower-case SQL name of at most `parts` dot-separated
/// words, which PostgreSQL reads back as written.
fn is_sql_name(s: &str, parts: usize) -> bool {
    let word = |w: &str| {
        let mut chars = w.chars();
        chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    s.split('.').count() <= parts && s.split('.').all(word)
}

fn explicit_name(name: &Option<Given<LitStr>>, errors: &mut Errors) -> Option<String> {
    let lit = &name.as_ref()?.value;
    object_name(&lit.value(), lit.span(), "name", errors);
    Some(lit.value())
}

pub(crate) fn identifier(name: &str, span: Span, what: &str, errors: &mut Errors) {
    if name.len() > MAX_IDENTIFIER_BYTES {
        errors.push(
            span,
            format!(
                "{what} `{name}` is {} bytes; databases keep at most {MAX_IDENTIFIER_BYTES}",
                name.len()
            ),
        );
    }
}

/// [`identifier`], for the name of a table, a column or a constraint, which
/// holds no `.`: SQL reads one as a schema's name before a table's. (An
/// enum's name may be in a schema; an enum's value is a string.)
pub(crate) fn object_name(name: &str, span: Span, what: &str, errors: &mut Errors) {
    identifier(name, span, what, errors);
    if name.contains('.') {
        errors.push(
            span,
            format!(
                "{what} `{name}` holds a `.`; a table or view in a PostgreSQL schema says the \
                 schema apart: `#[ferro(schema = \"billing\", ..)]`"
            ),
        );
    }
}

/// Whether the type is written `Option<..>` (or `std::option::Option<..>`).
pub(crate) fn is_written_option(ty: &Type) -> bool {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().is_some_and(|s| s.ident == "Option")
        }
        Type::Group(group) => is_written_option(&group.elem),
        Type::Paren(paren) => is_written_option(&paren.elem),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
