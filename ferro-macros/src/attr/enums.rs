//! The grammar of `#[ferro(..)]` on an enum and on its variants.

use syn::{Attribute, Ident, LitStr};

use super::{Slot, parse_items, set, string};
use crate::errors::Errors;

const ENUM_OPTIONS: &[&str] = &["name"];
const VARIANT_OPTIONS: &[&str] = &["rename", "renamed_from"];

/// Everything `#[ferro(..)]` says about the enum itself.
#[derive(Default)]
pub(crate) struct EnumAttrs {
    pub(crate) name: Slot<LitStr>,
}

/// Everything `#[ferro(..)]` says about one variant.
#[derive(Default)]
pub(crate) struct VariantAttrs {
    pub(crate) rename: Slot<LitStr>,
    pub(crate) renamed_from: Slot<LitStr>,
}

impl EnumAttrs {
    pub(crate) fn parse(attrs: &[Attribute], errors: &mut Errors) -> EnumAttrs {
        let mut out = EnumAttrs::default();
        parse_items(attrs, errors, |meta| {
            match meta
                .path
                .get_ident()
                .map(Ident::to_string)
                .unwrap_or_default()
                .as_str()
            {
                "name" => {
                    let lit = string(meta, "name = \"user_role\"")?;
                    set(&mut out.name, meta, lit)
                }
                _ => Err(super::unknown(meta, "enum attribute", ENUM_OPTIONS)),
            }
        });
        out
    }
}

impl VariantAttrs {
    pub(crate) fn parse(attrs: &[Attribute], errors: &mut Errors) -> VariantAttrs {
        let mut out = VariantAttrs::default();
        parse_items(attrs, errors, |meta| {
            match meta
                .path
                .get_ident()
                .map(Ident::to_string)
                .unwrap_or_default()
                .as_str()
            {
                "rename" => {
                    let lit = string(meta, "rename = \"stored_value\"")?;
                    set(&mut out.rename, meta, lit)
                }
                "renamed_from" => {
                    let lit = string(meta, "renamed_from = \"old_value\"")?;
                    set(&mut out.renamed_from, meta, lit)
                }
                _ => Err(super::unknown(meta, "variant attribute", VARIANT_OPTIONS)),
            }
        });
        out
    }
}
