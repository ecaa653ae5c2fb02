//! The grammar of `#[ferro(..)]` on an enum and on its variants.

use darling::FromMeta;
use syn::{Attribute, LitStr};

use super::{Slot, text};
use crate::errors::Errors;

/// Everything `#[ferro(..)]` says about the enum itself.
#[derive(Default, FromMeta)]
#[darling(default)]
pub(crate) struct EnumAttrs {
    #[darling(with = |m| text(m, "name = \"user_role\""))]
    pub(crate) name: Slot<LitStr>,
}

/// Everything `#[ferro(..)]` says about one variant.
#[derive(Default, FromMeta)]
#[darling(default)]
pub(crate) struct VariantAttrs {
    #[darling(with = |m| text(m, "rename = \"stored_value\""))]
    pub(crate) rename: Slot<LitStr>,
    #[darling(with = |m| text(m, "renamed_from = \"old_value\""))]
    pub(crate) renamed_from: Slot<LitStr>,
}

impl EnumAttrs {
    pub(crate) fn parse(attrs: &[Attribute], errors: &mut Errors) -> EnumAttrs {
        super::parse(attrs, ("enum attribute", &[]), &[], errors).0
    }
}

impl VariantAttrs {
    pub(crate) fn parse(attrs: &[Attribute], errors: &mut Errors) -> VariantAttrs {
        super::parse(attrs, ("variant attribute", &[]), &[], errors).0
    }
}
