//! The Rust types of spec values, the members of generated structs, and
//! the names of nested structs.
//!
//! An operation's parameters and response fields may hold objects, arrays
//! of objects, and objects within those. Each object becomes a struct of
//! the operation's module. [`StructPlanner`] hands out their names in a
//! deterministic order (parameters first, then response fields, breadth
//! first): the object's `rustType` if the spec sets one, else the
//! UpperCamelCase form of the member's wire name, else (when that is taken)
//! the parent struct's name followed by it. A name still taken is an error
//! naming both places.

use std::collections::BTreeMap;
use std::path::Path;

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

use super::ident::RustIdent;
use crate::spec::naming::{self, is_sensitive, member_rust_name};
use crate::spec::{
    Field, Parameter, ParameterLocation, ParameterStyle, SpecError, SpecErrorKind, TypeName,
    TypeRef, Typed,
};

/// Whether a struct is sent (a request) or received (a response); it
/// decides the derives and how optional values are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Written into request parameters.
    Request,
    /// Decoded from a response body.
    Response,
}

/// The Rust type of a spec value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RustType {
    /// `String`.
    String,
    /// `i32`.
    Int32,
    /// `i64`.
    Int64,
    /// `bool`.
    Boolean,
    /// `f64`.
    Number,
    /// `serde_json::Value`: free-form JSON.
    Json,
    /// `Vec<T>`.
    List(Box<RustType>),
    /// A nested struct of the operation's module.
    Struct(RustIdent),
}

impl ToTokens for RustType {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let written = match self {
            RustType::String => quote!(String),
            RustType::Int32 => quote!(i32),
            RustType::Int64 => quote!(i64),
            RustType::Boolean => quote!(bool),
            RustType::Number => quote!(f64),
            RustType::Json => quote!(serde_json::Value),
            RustType::List(element) => quote!(Vec<#element>),
            RustType::Struct(name) => quote!(#name),
        };
        tokens.extend(written);
    }
}

/// One member of a generated struct: a request parameter or a response
/// field, with its Rust name and type.
#[derive(Debug, Clone)]
pub struct Member<'spec> {
    /// The field (and setter) identifier, possibly raw (`r#type`).
    pub ident: RustIdent,
    /// The same name as plain text, without `r#`.
    pub name: String,
    /// The name on the wire.
    pub wire_name: &'spec str,
    /// The Rust type of one value (without the `Option` of optional
    /// members).
    pub rust_type: RustType,
    /// The spec's type.
    pub type_name: TypeName,
    /// The spec's description.
    pub description: Option<&'spec str>,
    /// The spec's example value.
    pub example: Option<&'spec str>,
    /// The documented values of a string.
    pub enum_values: &'spec [String],
    /// Whether the request cannot be sent without it (parameters only).
    pub required: bool,
    /// How the value is laid out on the wire.
    pub style: ParameterStyle,
    /// Where the value travels (parameters only; fields are `Query`).
    pub location: ParameterLocation,
    /// Whether the documentation deprecates it.
    pub deprecated: bool,
    /// Whether `Debug` must hide its value.
    pub sensitive: bool,
}

/// What [`Member::new`] needs, whether the member is a parameter or a field.
struct MemberSource<'spec> {
    wire_name: &'spec str,
    rust_name: Option<&'spec str>,
    type_ref: TypeRef<'spec>,
    description: Option<&'spec str>,
    example: Option<&'spec str>,
    deprecated: Option<bool>,
    sensitive: Option<bool>,
    required: bool,
    style: ParameterStyle,
    location: ParameterLocation,
}

impl<'spec> Member<'spec> {
    /// A request parameter of the input struct `parent`.
    pub fn parameter(
        planner: &mut StructPlanner<'spec>,
        parameter: &'spec Parameter,
        parent: &str,
        pointer: &str,
    ) -> Self {
        let source = MemberSource {
            wire_name: &parameter.name,
            rust_name: parameter.rust_name.as_deref(),
            type_ref: parameter.type_ref(),
            description: parameter.description.as_deref(),
            example: parameter.example.as_deref(),
            deprecated: parameter.deprecated,
            sensitive: parameter.sensitive,
            required: parameter.required,
            style: parameter.style(),
            location: parameter.location(),
        };
        Member::new(planner, source, parent, pointer, Direction::Request)
    }

    /// A field of the struct `parent`: a response field, or a field of a
    /// nested object (sent or received, as `direction` says).
    pub fn field(
        planner: &mut StructPlanner<'spec>,
        field: &'spec Field,
        parent: &str,
        pointer: &str,
        direction: Direction,
    ) -> Self {
        let source = MemberSource {
            wire_name: &field.name,
            rust_name: field.rust_name.as_deref(),
            type_ref: field.type_ref(),
            description: field.description.as_deref(),
            example: field.example.as_deref(),
            deprecated: field.deprecated,
            sensitive: field.sensitive,
            required: false,
            style: ParameterStyle::Flat,
            location: ParameterLocation::Query,
        };
        Member::new(planner, source, parent, pointer, direction)
    }

    fn new(
        planner: &mut StructPlanner<'spec>,
        source: MemberSource<'spec>,
        parent: &str,
        pointer: &str,
        direction: Direction,
    ) -> Self {
        let name = member_rust_name(source.wire_name, source.rust_name);
        let rust_type = planner.rust_type(
            source.type_ref,
            source.wire_name,
            source.description,
            parent,
            pointer,
            direction,
        );
        Member {
            ident: RustIdent::member(name.as_str()),
            name,
            wire_name: source.wire_name,
            rust_type,
            type_name: source.type_ref.name,
            description: source.description,
            example: source.example,
            enum_values: source.type_ref.enum_values,
            required: source.required,
            style: source.style,
            location: source.location,
            deprecated: source.deprecated.unwrap_or(false),
            sensitive: is_sensitive(source.wire_name, source.sensitive),
        }
    }

    /// The first non-empty line of the description.
    pub fn headline(&self) -> Option<&'spec str> {
        self.description?
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
    }
}

/// The field every generated response struct adds to keep the members the
/// documentation does not list.
pub const UNKNOWN_FIELDS: &str = "unknown_fields";

/// Checks that no response member takes the name of the field that keeps
/// undocumented members.
pub fn check_reserved_response_names(
    file: &Path,
    response_fields: &[Member<'_>],
    structs: &[Struct<'_>],
) -> Vec<SpecError> {
    let nested = structs
        .iter()
        .filter(|nested| nested.direction == Direction::Response)
        .flat_map(|nested| &nested.members);
    response_fields
        .iter()
        .chain(nested)
        .filter(|member| member.name == UNKNOWN_FIELDS)
        .map(|member| {
            SpecError::in_file(
                file,
                SpecErrorKind::NameCollision,
                format!(
                    "response field {:?} becomes `{UNKNOWN_FIELDS}`, which every response struct uses for undocumented members; set `rustName`",
                    member.wire_name
                ),
            )
        })
        .collect()
}

/// A nested struct of an operation's module.
#[derive(Debug, Clone)]
pub struct Struct<'spec> {
    /// Its name.
    pub name: RustIdent,
    /// Whether it is sent or received.
    pub direction: Direction,
    /// Its members.
    pub members: Vec<Member<'spec>>,
    /// The wire name of the member it was found under.
    pub found_under: &'spec str,
    /// The description of that member.
    pub description: Option<&'spec str>,
}

/// An object met while resolving members, whose struct is still to be
/// resolved.
#[derive(Clone)]
struct PendingStruct<'spec> {
    name: String,
    fields: &'spec [Field],
    direction: Direction,
    found_under: &'spec str,
    description: Option<&'spec str>,
    pointer: String,
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

/// Hands out nested struct names and builds Rust types for one operation.
pub struct StructPlanner<'spec> {
    file: &'spec Path,
    owners: BTreeMap<String, String>,
    pending: Vec<PendingStruct<'spec>>,
    problems: Vec<SpecError>,
}

impl<'spec> StructPlanner<'spec> {
    /// A planner that never hands out the operation's own type names nor
    /// names already in scope.
    pub fn new(file: &'spec Path, own_types: &[String]) -> Self {
        let own_types = own_types
            .iter()
            .map(|name| (name.clone(), "the operation's own types".to_owned()));
        let in_scope = NAMES_IN_SCOPE
            .iter()
            .map(|name| ((*name).to_owned(), "a name already in scope".to_owned()));
        StructPlanner {
            file,
            owners: own_types.chain(in_scope).collect(),
            pending: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// The Rust type of a value, registering any object struct it needs.
    /// `member` is the wire name of the parameter or field, `parent` the
    /// struct that holds it.
    fn rust_type(
        &mut self,
        type_ref: TypeRef<'spec>,
        member: &'spec str,
        description: Option<&'spec str>,
        parent: &str,
        pointer: &str,
        direction: Direction,
    ) -> RustType {
        match type_ref.name {
            TypeName::String => RustType::String,
            TypeName::Int32 => RustType::Int32,
            TypeName::Int64 => RustType::Int64,
            TypeName::Boolean => RustType::Boolean,
            TypeName::Number => RustType::Number,
            TypeName::Any => RustType::Json,
            TypeName::Array => match type_ref.items {
                Some(items) => RustType::List(Box::new(self.rust_type(
                    items.type_ref(),
                    member,
                    items.description.as_deref().or(description),
                    parent,
                    &format!("{pointer}/items"),
                    direction,
                ))),
                // Validation rejects an array without items; free-form
                // JSON keeps this function total all the same.
                None => RustType::List(Box::new(RustType::Json)),
            },
            TypeName::Object => {
                let name = self.name_struct(type_ref.rust_type, member, parent, pointer);
                self.pending.push(PendingStruct {
                    name: name.clone(),
                    fields: type_ref.fields,
                    direction,
                    found_under: member,
                    description,
                    pointer: pointer.to_owned(),
                });
                RustType::Struct(RustIdent::new(name))
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

    /// Resolves every registered object into its struct, including the
    /// objects their fields hold, and reports any naming problem.
    pub fn finish(mut self) -> Result<Vec<Struct<'spec>>, Vec<SpecError>> {
        let mut structs = Vec::new();
        let mut next = 0;
        while next < self.pending.len() {
            // Resolving the fields may register more objects, so the queue
            // grows while it is read.
            let pending = self.pending[next].clone();
            let name = pending.name;
            let members = pending
                .fields
                .iter()
                .enumerate()
                .map(|(index, field)| {
                    let pointer = format!("{}/fields/{index}", pending.pointer);
                    Member::field(&mut self, field, &name, &pointer, pending.direction)
                })
                .collect();
            structs.push(Struct {
                name: RustIdent::new(name),
                direction: pending.direction,
                members,
                found_under: pending.found_under,
                description: pending.description,
            });
            next += 1;
        }
        if self.problems.is_empty() {
            Ok(structs)
        } else {
            Err(self.problems)
        }
    }
}
