//! Rust identifiers as plain data.
//!
//! The resolved model names every generated item, but it does not hold
//! `proc_macro2::Ident`s: those are tied to the thread that made them, and
//! the renderers run on several threads over one resolved model. A
//! [`RustIdent`] is the name and whether it must be written as a raw
//! identifier (`r#type`); it becomes an `Ident` only when a template
//! interpolates it (`#name` in `quote!`), on the rendering thread.

use std::fmt;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, TokenStreamExt};

use crate::spec::naming;

/// A Rust identifier: a name, written raw when it is a keyword.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RustIdent {
    name: String,
    raw: bool,
}

impl RustIdent {
    /// The identifier of a generated type, variant or static, written as
    /// it is: those names are never keywords (they are UpperCamelCase or
    /// SCREAMING_SNAKE_CASE).
    pub fn new(name: impl Into<String>) -> Self {
        RustIdent {
            name: name.into(),
            raw: false,
        }
    }

    /// The identifier of a field, method, module or argument, written as a
    /// raw identifier when it is a keyword (`r#type`).
    pub fn member(name: impl Into<String>) -> Self {
        let name = name.into();
        let raw = naming::is_keyword(&name);
        RustIdent { name, raw }
    }

    /// The name without `r#`, for documentation and paths in strings.
    pub fn as_str(&self) -> &str {
        &self.name
    }
}

/// Written as `proc_macro2::Ident` writes itself: `r#type` for a raw
/// identifier, so text built from it reads like the code.
impl fmt::Display for RustIdent {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.raw {
            formatter.write_str("r#")?;
        }
        formatter.write_str(&self.name)
    }
}

impl ToTokens for RustIdent {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ident = if self.raw {
            Ident::new_raw(&self.name, Span::call_site())
        } else {
            Ident::new(&self.name, Span::call_site())
        };
        tokens.append(ident);
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::RustIdent;

    #[test]
    fn a_keyword_member_is_written_raw_in_code_and_text() {
        let ident = RustIdent::member("type");
        assert_eq!(quote!(#ident).to_string(), "r#type");
        assert_eq!(ident.to_string(), "r#type");
        assert_eq!(ident.as_str(), "type");
    }

    #[test]
    fn other_names_are_written_as_they_are() {
        let ident = RustIdent::member("db_instance_id");
        assert_eq!(quote!(#ident).to_string(), "db_instance_id");
        let type_name = RustIdent::new("DbInstance");
        assert_eq!(quote!(#type_name).to_string(), "DbInstance");
    }

    #[test]
    fn the_model_can_be_shared_between_render_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<RustIdent>();
        shared::<crate::resolve::Product<'static>>();
    }
}
