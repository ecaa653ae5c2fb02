//! The grammar of `#[ferro(..)]` on a view.

use darling::FromMeta;
use darling::ast::NestedMeta;
use syn::{Attribute, LitStr, Meta, Path};

use super::{Slot, flag, given, list, text};
use crate::errors::Errors;

/// Everything `#[ferro(..)]` says about a view.
#[derive(Default, FromMeta)]
#[darling(default)]
pub(crate) struct ViewAttrs {
    #[darling(with = |m| text(m, "name = \"paid_orders\""))]
    pub(crate) name: Slot<LitStr>,
    #[darling(with = |m| text(m, "schema = \"billing\""))]
    pub(crate) schema: Slot<LitStr>,
    #[darling(with = |m| text(m, "sql = \"SELECT id, total FROM orders WHERE paid\""))]
    pub(crate) sql: Slot<LitStr>,
    #[darling(with = flag)]
    pub(crate) materialized: Slot<()>,
    #[darling(with = model_list)]
    pub(crate) reads: Slot<Vec<Path>>,
}

/// `reads(Order, billing::Invoice)`: models, at least one.
fn model_list(meta: &Meta) -> super::Parsed<Vec<Path>> {
    let mut out = Vec::new();
    for item in list(meta)? {
        match &item {
            NestedMeta::Meta(Meta::Path(path)) => out.push(path.clone()),
            _ => {
                return Err(
                    darling::Error::custom("`reads` lists models, as in `reads(Order, Customer)`")
                        .with_span(&item),
                );
            }
        }
    }
    if out.is_empty() {
        return Err(darling::Error::custom("`reads` lists at least one model").with_span(meta));
    }
    given(meta, out)
}

impl ViewAttrs {
    pub(crate) fn parse(attrs: &[Attribute], errors: &mut Errors) -> ViewAttrs {
        super::parse(attrs, ("view attribute", &[]), &[], errors).0
    }
}
