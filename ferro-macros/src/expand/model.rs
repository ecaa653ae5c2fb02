//! `#[derive(Model)]`: the `const` table descriptor, the key, the registration and
//! the type-level checks that only the compiler can make.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use super::{boolean, list, names, optional_str, optional_text, spanned, string, text};
use crate::attr::model::Referential;
use crate::check::{self, Column, Model, TableForeignKey};
use crate::errors::Errors;
use crate::fallback;

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    match check::model(input, &mut errors) {
        Some(model) => expand(&model),
        None => {
            let mut out = errors.to_compile_errors();
            out.extend(fallback::model(input));
            out
        }
    }
}

fn expand(model: &Model) -> TokenStream {
    let ident = model.ident;
    let span = ident.span();
    let rust_name = string(&ident.to_string(), span);
    let table_name = string(&model.table, span);
    let table = text(&model.table, span);
    let columns = list(model.columns.iter().map(|c| column(model, c)), span);
    let primary_key = if model.primary_key.is_empty() {
        quote_spanned!(span=> __ferro_none)
    } else {
        let (name, columns) = (
            optional_str(model.primary_key_name.as_deref(), span),
            names(&model.primary_key, span),
        );
        quote_spanned!(span=> __ferro_some(__ferro_primary_key(#name, #columns)))
    };
    let indexes = list(
        model.indexes.iter().map(|ix| {
            let unique = boolean(ix.unique, span);
            let plain = ix.predicate.is_none()
                && !ix.descending.iter().any(|d| *d)
                && ix.method.is_none()
                && !ix.operator_classes.iter().any(Option::is_some)
                && ix.include.is_empty()
                && ix.expressions.is_empty();
            if plain {
                let (name, columns) = (optional_str(ix.name.as_deref(), span), names(&ix.columns, span));
                return quote_spanned!(span=> __ferro_index(#name, #columns, #unique));
            }
            let (name, columns) = (optional_text(ix.name.as_deref(), span), names(&ix.columns, span));
            let predicate = optional_text(ix.predicate.as_deref(), span);
            let order = ix.descending.iter().filter(|_| ix.descending.iter().any(|d| *d));
            let order = order.map(|d| boolean(*d, span));
            let method = optional_text(ix.method.as_deref(), span);
            let classes = ix
                .operator_classes
                .iter()
                .filter(|_| ix.operator_classes.iter().any(Option::is_some));
            let classes = classes.map(|c| optional_text(c.as_deref(), span));
            let include = names(&ix.include, span);
            let expressions = names(&ix.expressions, span);
            quote_spanned!(span=> ::ferro::schema::Index {
                name: #name,
                columns: #columns,
                unique: #unique,
                predicate: #predicate,
                descending: __ferro_list(&[#(#order),*]),
                method: #method,
                operator_classes: __ferro_list(&[#(#classes),*]),
                include: #include,
                expressions: #expressions,
            })
        }),
        span,
    );
    let uniques = list(
        model.uniques.iter().map(|uq| {
            let (name, columns) = (optional_str(uq.name.as_deref(), span), names(&uq.columns, span));
            quote_spanned!(span=> __ferro_unique(#name, #columns))
        }),
        span,
    );
    let foreign_keys = list(
        model
            .columns
            .iter()
            .filter_map(|c| foreign_key(c, span))
            .chain(model.foreign_keys.iter().map(|fk| table_foreign_key(fk, span))),
        span,
    );
    let checks = list(
        model.checks.iter().map(|(name, expr)| {
            let (name, expr) = (text(name, span), text(expr, span));
            quote_spanned!(span=> ::ferro::schema::Check { name: #name, expr: #expr })
        }),
        span,
    );
    let many_to_many = list(
        model.many_to_many.iter().map(|relation| {
            let target = &relation.target;
            let name = optional_text(relation.table.as_deref(), span);
            let source = join_side(&ident.to_token_stream());
            let target = join_side(&target.to_token_stream());
            quote_spanned!(span=> ::ferro::schema::ManyToMany { table: #name, source: #source, target: #target })
        }),
        span,
    );
    let comment = optional_text(model.comment.as_deref(), span);
    let renamed_from = optional_text(model.renamed_from.as_deref(), span);
    let keyed = model.key.map(|i| keyed_model(model, &model.columns[i]));
    let checks_at_compile_time =
        model
            .columns
            .iter()
            .flat_map(type_checks)
            .chain(model.foreign_keys.iter().flat_map(|fk| {
                fk.set_null.iter().map(|(ty, span)| {
                    quote_spanned! {*span=> const _: fn() = __ferro_assert_nullable::<#ty>; }
                })
            }));
    let short_names = super::short_names(span);

    quote_spanned! {span=>
        const _: () = {
            #short_names
            #[automatically_derived]
            impl ::ferro::Model for #ident {
                const TABLE_NAME: &'static str = #table_name;
                const TABLE: ::ferro::schema::Table = ::ferro::schema::Table {
                    name: #table,
                    columns: #columns,
                    primary_key: #primary_key,
                    indexes: #indexes,
                    unique_constraints: #uniques,
                    foreign_keys: #foreign_keys,
                    checks: #checks,
                    many_to_many: #many_to_many,
                    comment: #comment,
                    renamed_from: #renamed_from,
                    alias: __ferro_none,
                };
            }
            #keyed
            ::ferro::__private::inventory::submit! {
                ::ferro::registry::Registration {
                    module_path: ::core::module_path!(),
                    model: #rust_name,
                    table: __ferro_table_of::<#ident>,
                }
            }
            #(#checks_at_compile_time)*
        };
    }
}

fn column(model: &Model, c: &Column) -> TokenStream {
    let span = model.ident.span();
    if let Some(helper) = short_form(model, c) {
        // The projections are spanned at the field's type, where a type
        // without `ColumnType` is reported, as in the long form.
        let (ty, name) = (c.ty, string(&c.name, span));
        let (sql_type, nullable) = (
            quote_spanned!(ty.span()=> <#ty as __ferro_type>::SQL_TYPE),
            quote_spanned!(ty.span()=> <#ty as __ferro_type>::NULLABLE),
        );
        return quote_spanned!(span=> #helper(#name, #sql_type, #nullable));
    }
    let given = |value: Option<String>| optional_str(value.as_deref(), span);
    let a = &c.attrs;
    let name = string(&c.name, span);
    let ty = sql_type(c, span);
    let nullable = nullable(c, span);
    let auto_increment = auto_increment(model, c);
    let default = given(a.default.as_ref().map(|d| d.value.value()));
    let comment = given(a.comment.as_ref().map(|d| d.value.value()));
    let renamed_from = given(a.renamed_from.as_ref().map(|d| d.value.value()));
    let collation = given(a.collation.as_ref().map(|d| d.value.value()));
    let generated = match &a.generated {
        Some(expr) => {
            let (expr, stored) = (text(&expr.value.value(), span), boolean(a.stored.is_some(), span));
            quote_spanned!(span=> __ferro_some(::ferro::schema::Generated { expr: #expr, stored: #stored }))
        }
        None => quote_spanned!(span=> __ferro_none),
    };
    quote_spanned! {span=>
        __ferro_full_column(#name, #ty, #nullable, #default, #auto_increment, #comment, #collation, #generated, #renamed_from)
    }
}

/// `column` or `key_column` of `ferro::__private` (by the names
/// [`super::short_names`] gives them) when they write the same
/// column as the struct literal [`column`] writes otherwise: a field whose
/// type and nullability come from its Rust type, with no default, comment,
/// collation, generation or rename hint, and auto-incremented exactly when
/// [`auto_increment`] would have it so.
fn short_form(model: &Model, c: &Column) -> Option<syn::Ident> {
    let a = &c.attrs;
    let typed_by_rust = a.sql_type.is_none()
        && a.max_length.is_none()
        && a.precision.is_none()
        && a.nullable.is_none()
        && c.foreign_key().is_none_or(|fk| fk.column.is_some());
    let bare = a.default.is_none()
        && a.comment.is_none()
        && a.collation.is_none()
        && a.generated.is_none()
        && a.renamed_from.is_none();
    if !(typed_by_rust && bare) {
        return None;
    }
    let is_key = model.key.is_some_and(|i| model.columns[i].name == c.name);
    let increments = match &a.auto_increment {
        Some(given) if given.value && is_key => return None,
        Some(_) => false,
        None => is_key && c.foreign_key().is_none(),
    };
    let helper = if increments {
        "__ferro_key_column"
    } else {
        "__ferro_column"
    };
    Some(syn::Ident::new(helper, model.ident.span()))
}

/// The column's `SqlType`: the referred key's for a foreign key, else the one the
/// attributes give, else the one the compiler finds for the field's Rust type.
fn sql_type(c: &Column, span: Span) -> TokenStream {
    let a = &c.attrs;
    if let Some(fk) = c.foreign_key()
        && fk.column.is_none()
    {
        let target = fk.references();
        return quote_spanned!(target.span()=> <#target as __ferro_keyed>::KEY_TYPE);
    }
    if let Some(sql) = &a.sql_type {
        let sql = text(&sql.value.value(), span);
        return quote_spanned!(span=> __ferro_sql::Custom(#sql));
    }
    if let Some(max) = &a.max_length {
        let n = spanned(Literal::u32_suffixed(max.value.value), span);
        return quote_spanned!(span=> __ferro_sql::Varchar(#n));
    }
    if let Some(precision) = &a.precision {
        let scale = a.scale.as_ref().map_or(0, |s| s.value.value);
        let (p, s) = (
            spanned(Literal::u16_suffixed(precision.value.value), span),
            spanned(Literal::u16_suffixed(scale), span),
        );
        return quote_spanned! {span=>
            __ferro_sql::Numeric {
                precision: __ferro_some(#p),
                scale: __ferro_some(#s),
            }
        };
    }
    let ty = c.ty;
    quote_spanned!(ty.span()=> <#ty as __ferro_type>::SQL_TYPE)
}

fn nullable(c: &Column, span: Span) -> TokenStream {
    if c.attrs.nullable.is_some() {
        return boolean(true, span).into_token_stream();
    }
    if c.attrs.sql_type.is_some() {
        // The field's type need not implement `ColumnType` then; go by how it is written.
        return boolean(c.written_option, span).into_token_stream();
    }
    let ty = c.ty;
    quote_spanned!(ty.span()=> <#ty as __ferro_type>::NULLABLE)
}

/// Integer single-column primary keys auto-increment unless told otherwise; a key
/// that is also a foreign key copies the referred row's key, so it does not.
fn auto_increment(model: &Model, c: &Column) -> TokenStream {
    let span = model.ident.span();
    let is_key = model.key.is_some_and(|i| model.columns[i].name == c.name);
    match &c.attrs.auto_increment {
        Some(given) => boolean(given.value && is_key, span).into_token_stream(),
        None if !is_key || c.foreign_key().is_some() || c.attrs.sql_type.is_some() => {
            boolean(false, span).into_token_stream()
        }
        None => {
            let ty = sql_type(c, span);
            quote_spanned!(span=> __ferro_is_integer(#ty))
        }
    }
}

fn action(action: Referential, span: Span) -> TokenStream {
    let variant = syn::Ident::new(action.variant(), span);
    quote_spanned!(span=> __ferro_action::#variant)
}

fn table_foreign_key(fk: &TableForeignKey, span: Span) -> TokenStream {
    let target = &fk.target;
    let columns = names(&fk.columns, span);
    let referred = names(&fk.referred, span);
    let name = optional_str(fk.name.as_deref(), span);
    let (on_delete, on_update) = (action(fk.on_delete, span), action(fk.on_update, span));
    quote_spanned! {span=>
        __ferro_foreign_key(#name, #columns, <#target as __ferro_model>::TABLE_NAME, #referred, #on_delete, #on_update)
    }
}

fn foreign_key(c: &Column, span: Span) -> Option<TokenStream> {
    let fk = c.foreign_key()?;
    let target = fk.references();
    let columns = names(std::slice::from_ref(&c.name), span);
    let referred_table = quote_spanned!(target.span()=> <#target as __ferro_model>::TABLE_NAME);
    let referred_column = match &fk.column {
        Some(column) => text(&column.value.value(), span),
        None => {
            let key = quote_spanned!(target.span()=> <#target as __ferro_keyed>::KEY_COLUMN);
            quote_spanned!(span=> __ferro_text(#key))
        }
    };
    let given = |a: &Option<crate::attr::Given<Referential>>| {
        action(a.as_ref().map_or(Referential::NoAction, |g| g.value), span)
    };
    let (on_delete, on_update) = (given(&fk.on_delete), given(&fk.on_update));
    let name = optional_str(fk.name.as_ref().map(|n| n.value.value()).as_deref(), span);
    Some(quote_spanned! {span=>
        __ferro_foreign_key(#name, #columns, #referred_table, __ferro_list(&[#referred_column]), #on_delete, #on_update)
    })
}

fn join_side(model: &TokenStream) -> TokenStream {
    let span = model.span();
    quote_spanned! {span=>
        ::ferro::schema::JoinSide {
            model: __ferro_text(<#model as __ferro_keyed>::MODEL_NAME),
            table: __ferro_text(<#model as __ferro_model>::TABLE_NAME),
            key_column: __ferro_text(<#model as __ferro_keyed>::KEY_COLUMN),
            key_type: <#model as __ferro_keyed>::KEY_TYPE,
        }
    }
}

fn keyed_model(model: &Model, key: &Column) -> TokenStream {
    let ident = model.ident;
    let span = ident.span();
    let (ty, model_name, column) = (key.ty, string(&model.model_name, span), string(&key.name, span));
    let sql_type = sql_type(key, span);
    quote_spanned! {span=>
        #[automatically_derived]
        impl ::ferro::KeyedModel for #ident {
            type Key = #ty;
            const MODEL_NAME: &'static str = #model_name;
            const KEY_COLUMN: &'static str = #column;
            const KEY_TYPE: ::ferro::schema::SqlType = #sql_type;
        }
    }
}

/// The checks that need types resolved: each fails to compile, with its message,
/// at the attribute it is about.
fn type_checks(c: &Column) -> Vec<TokenStream> {
    let a = &c.attrs;
    let ty = c.ty;
    let shown = ty.to_token_stream().to_string();
    let mut out = Vec::new();
    let has_sql_type = a.sql_type.is_some();
    let mut assert = |span: Span, check: TokenStream, message: String| {
        let message = string(&message, span);
        out.push(quote_spanned!(span=> const _: () = __ferro_require(#check, #message);));
    };
    if let Some(max) = &a.max_length {
        assert(
            max.span,
            quote_spanned!(ty.span()=> __ferro_is_text(<#ty as __ferro_type>::SQL_TYPE)),
            format!("`max_length` applies to text fields, and `{shown}` is not text"),
        );
    }
    if let Some(collation) = a.collation.as_ref().filter(|_| !has_sql_type) {
        assert(
            collation.span,
            quote_spanned!(ty.span()=> __ferro_is_text(<#ty as __ferro_type>::SQL_TYPE)),
            format!("`collation` applies to text fields, and `{shown}` is not text"),
        );
    }
    if let Some(precision) = &a.precision {
        assert(
            precision.span,
            quote_spanned!(ty.span()=> __ferro_is_numeric(<#ty as __ferro_type>::SQL_TYPE)),
            format!("`precision` applies to decimal fields, and `{shown}` is not a decimal"),
        );
    }
    if let Some(auto) = &a.auto_increment
        && auto.value
    {
        assert(
            auto.span,
            quote_spanned!(ty.span()=> __ferro_is_integer(<#ty as __ferro_type>::SQL_TYPE)),
            format!("`auto_increment` applies to integer keys, and `{shown}` is not an integer"),
        );
    }
    if let Some(pk) = &a.primary_key
        && !has_sql_type
        && a.foreign_key.is_none()
    {
        assert(
            pk.span,
            quote_spanned!(ty.span()=> !<#ty as __ferro_type>::NULLABLE),
            format!("a primary key is never NULL, and `{shown}` is NULL-able"),
        );
    }
    if let Some(fk) = c.foreign_key() {
        let target = fk.references();
        if fk.column.is_none() {
            out.push(quote_spanned! {ty.span()=>
                const _: fn() = __ferro_assert_key::<#ty, <#target as __ferro_keyed>::Key>;
            });
        }
        let set_null = [&fk.on_delete, &fk.on_update]
            .into_iter()
            .flatten()
            .find(|action| action.value == Referential::SetNull);
        if let Some(set_null) = set_null
            && a.nullable.is_none()
        {
            out.push(quote_spanned! {set_null.span=>
                const _: fn() = __ferro_assert_nullable::<#ty>;
            });
        }
    }
    out
}
