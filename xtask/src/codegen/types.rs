//! Rust types for spec types, and the names of generated nested structs.
//!
//! An operation's parameters and response fields may hold objects, arrays
//! of objects, and objects within those. Each object becomes a struct in
//! the operation's module. [`TypePlanner`] hands out their names in a
//! deterministic order (parameters first, then response fields, breadth
//! first): the object's `rustType` if the spec sets one, else the
//! UpperCamelCase form of the member's wire name, else (when that is taken)
//! the parent struct's name followed by it. A name still taken is an error
//! naming both places.

use std::collections::BTreeMap;
use std::path::Path;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::spec::naming;
use crate::spec::{Field, SpecError, SpecErrorKind, TypeName, TypeRef};

/// Whether a struct is sent (a request) or received (a response); it
/// decides the derives and how optional values are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Serialized into request parameters.
    Request,
    /// Deserialized from a response body.
    Response,
}

/// A nested struct the operation module must define.
#[derive(Debug, Clone)]
pub struct NestedStruct<'spec> {
    /// Its Rust name.
    pub name: String,
    /// Its fields.
    pub fields: &'spec [Field],
    /// Whether it is sent or received.
    pub direction: Direction,
    /// The wire name of the member it was found under.
    pub member: String,
    /// The description of that member.
    pub description: Option<&'spec str>,
    /// The JSON pointer of the object in the spec.
    pub pointer: String,
}

/// Hands out nested struct names and builds Rust types for one operation.
pub struct TypePlanner<'spec> {
    file: &'spec Path,
    owners: BTreeMap<String, String>,
    structs: Vec<NestedStruct<'spec>>,
    problems: Vec<SpecError>,
}

/// The ident for a generated type or variant name.
pub fn type_ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The ident for a field, method or argument, written as a raw identifier
/// when it is a keyword (`r#type`).
pub fn member_ident(name: &str) -> Ident {
    if naming::is_keyword(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// Names a nested struct must not take because the operation module uses
/// them already: the prelude's types, traits and variants, and the names the
/// module imports. A struct called `Result` would shadow the prelude's.
const NAMES_IN_SCOPE: &[&str] = &[
    "Box",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Deserialize",
    "Drop",
    "Eq",
    "Err",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "Hash",
    "Into",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Runtime",
    "SdkError",
    "Self",
    "Send",
    "Serialize",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "Vec",
];

impl<'spec> TypePlanner<'spec> {
    /// A planner whose `reserved` names (the operation's own types) and
    /// the names already in scope are never handed out.
    pub fn new(file: &'spec Path, reserved: &[String]) -> Self {
        let own_types = reserved
            .iter()
            .map(|name| (name.clone(), "the operation's own types".to_owned()));
        let in_scope = NAMES_IN_SCOPE
            .iter()
            .map(|name| ((*name).to_owned(), "a name already in scope".to_owned()));
        let owners = own_types.chain(in_scope).collect();
        TypePlanner {
            file,
            owners,
            structs: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// The Rust type of a value, registering any object struct it needs.
    /// `member` is the wire name of the parameter or field, `parent` the
    /// struct that holds it.
    pub fn rust_type(
        &mut self,
        type_ref: TypeRef<'spec>,
        member: &str,
        description: Option<&'spec str>,
        parent: &str,
        pointer: &str,
        direction: Direction,
    ) -> TokenStream {
        match type_ref.name {
            TypeName::String => quote!(String),
            TypeName::Int32 => quote!(i32),
            TypeName::Int64 => quote!(i64),
            TypeName::Boolean => quote!(bool),
            TypeName::Number => quote!(f64),
            TypeName::Any => quote!(serde_json::Value),
            TypeName::Array => match type_ref.items {
                Some(items) => {
                    let element = self.rust_type(
                        crate::spec::Typed::type_ref(items),
                        member,
                        items.description.as_deref().or(description),
                        parent,
                        &format!("{pointer}/items"),
                        direction,
                    );
                    quote!(Vec<#element>)
                }
                // Validation rejects an array without items; free-form
                // JSON keeps this function total all the same.
                None => quote!(Vec<serde_json::Value>),
            },
            TypeName::Object => {
                let name = self.name_struct(type_ref.rust_type, member, parent, pointer);
                self.structs.push(NestedStruct {
                    name: name.clone(),
                    fields: type_ref.fields,
                    direction,
                    member: member.to_owned(),
                    description,
                    pointer: pointer.to_owned(),
                });
                let ident = type_ident(&name);
                quote!(#ident)
            }
        }
    }

    fn name_struct(
        &mut self,
        rust_type: Option<&str>,
        member: &str,
        parent: &str,
        pointer: &str,
    ) -> String {
        let candidates = match rust_type {
            Some(explicit) => vec![explicit.to_owned()],
            None => {
                let own = naming::upper_camel_case(member);
                vec![own.clone(), format!("{parent}{own}")]
            }
        };
        for candidate in &candidates {
            if !self.owners.contains_key(candidate) {
                self.owners.insert(candidate.clone(), pointer.to_owned());
                return candidate.clone();
            }
        }
        let last = candidates.last().cloned().unwrap_or_default();
        let owner = self.owners.get(&last).cloned().unwrap_or_default();
        self.problems.push(SpecError::at(
            self.file,
            pointer,
            SpecErrorKind::NameCollision,
            format!(
                "this object and {owner} both become the struct `{last}`; set `rustType` on one of them"
            ),
        ));
        last
    }

    /// The next nested struct still to be emitted, if any. Emitting a
    /// struct may register more, so callers loop until this is `None`.
    pub fn struct_at(&self, index: usize) -> Option<NestedStruct<'spec>> {
        self.structs.get(index).cloned()
    }

    /// The naming problems found, if any.
    pub fn finish(self) -> Result<(), Vec<SpecError>> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self.problems)
        }
    }
}
