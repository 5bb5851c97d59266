//! Rendering of generated structs: their declaration, `Debug`, and the
//! decoding of response structs.
//!
//! No derived `Serialize` or `Deserialize` and no derived `Debug`: on
//! hundreds of structs those made up most of the crate's build time. Inputs
//! write their parameters in a generated `to_parameters` (see
//! [`super::input`]), responses decode through a generated `FromJson`, and
//! `Debug` is written out with `#[inline]`, so it is compiled only into the
//! programs that format the type.

use proc_macro2::TokenStream;
use quote::quote;

use crate::codegen::docs::{code_span, member_docs, Docs, OperationLinks};
use crate::resolve::{Direction, Member, RustIdent, Struct};
use crate::spec::ParameterStyle;

/// Whether a struct derives `Serialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serialization {
    /// Always: nested request structs, which the runtime flattens through
    /// `Serialize`.
    Always,
    /// With the `serde-serialize` feature only: operation inputs, outputs
    /// and nested response structs.
    Optional,
}

/// What kind of struct is rendered.
#[derive(Debug, Clone, Copy)]
pub struct StructKind<'links> {
    /// Sent or received.
    pub direction: Direction,
    /// When it derives `Serialize`.
    pub serialization: Serialization,
    /// Whether callers may build it with a struct literal; otherwise it is
    /// `#[non_exhaustive]`, so new documented fields are not breaking.
    pub exhaustive: bool,
    /// Where the operation names in its members' docs link to.
    pub links: &'links OperationLinks,
}

/// The declaration of one struct field, with its serde attributes.
fn field_declaration(member: &Member<'_>, kind: StructKind<'_>) -> TokenStream {
    let ident = &member.ident;
    let wire_name = member.wire_name;
    let rust_type = &member.rust_type;
    let docs = member_docs(member, kind.links).outer();
    let json = (member.style == ParameterStyle::Json)
        .then(|| quote!(, serialize_with = "aliyun_codec::ser::json_string"));
    let (serde, rust_type) = match kind.direction {
        Direction::Request if member.required => {
            (quote!(rename = #wire_name #json), quote!(#rust_type))
        }
        _ => (
            quote!(rename = #wire_name, skip_serializing_if = "Option::is_none" #json),
            quote!(Option<#rust_type>),
        ),
    };
    let serde = match kind.serialization {
        Serialization::Always => quote!(#[serde(#serde)]),
        Serialization::Optional => quote!(#[cfg_attr(feature = "serde-serialize", serde(#serde))]),
    };
    quote! {
        #docs
        #serde
        pub #ident: #rust_type,
    }
}

/// The `Debug` implementation of a generated struct, which prints
/// `<redacted>` for sensitive members: one call into the runtime with the
/// field names and values (see `aliyun_codec::debug` for why).
fn debug_impl(name: &RustIdent, members: &[Member<'_>], unknown_fields: bool) -> TokenStream {
    let label = name.to_string();
    let mut labels: Vec<&str> = members.iter().map(|member| member.name.as_str()).collect();
    let mut values: Vec<TokenStream> = members
        .iter()
        .map(|member| {
            let ident = &member.ident;
            if member.sensitive && member.required {
                quote!(&"<redacted>")
            } else if member.sensitive {
                quote!(&self.#ident.as_ref().map(|_| "<redacted>"))
            } else {
                quote!(&self.#ident)
            }
        })
        .collect();
    if unknown_fields {
        labels.push("unknown_fields");
        values.push(quote!(&self.unknown_fields));
    }
    quote! {
        impl std::fmt::Debug for #name {
            #[inline]
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                aliyun_codec::debug::debug_struct(formatter, #label, &[#(#labels),*], &[#(#values),*])
            }
        }
    }
}

/// `FromJson` for a response struct, and `Deserialize` behind the
/// `serde-deserialize` feature: the struct's wire names in byte order and
/// its fields in the same order, handed to `aliyun_codec::de::read_members`,
/// which reads each member into its field and keeps every other one in
/// `unknown_fields`.
///
/// The function is not generic: the runtime drives the JSON reader and
/// hands it the object's members (see `aliyun_codec::de`), so the
/// reader's code is compiled once rather than once per struct as a derived
/// `Deserialize` would have it. A struct lists its fields rather than
/// writing a `match` arm per field (a string comparison and a generic call
/// each), and the read keeps the first error for the end rather than a `?`
/// per field: on thousands of fields, both were a large part of the crate's
/// type-checking and borrow-checking time.
fn from_json_impls(name: &RustIdent, members: &[Member<'_>]) -> TokenStream {
    let empty = members.iter().map(|member| {
        let ident = &member.ident;
        quote!(#ident: None,)
    });
    let mut by_wire_name: Vec<&Member<'_>> = members.iter().collect();
    by_wire_name.sort_by(|left, right| left.wire_name.cmp(right.wire_name));
    let wire_names = by_wire_name.iter().map(|member| member.wire_name);
    let fields = by_wire_name.iter().map(|member| {
        let ident = &member.ident;
        quote!(&mut decoded.#ident)
    });
    quote! {
        impl aliyun_codec::de::FromJson for #name {
            #[inline]
            fn from_object(source: &mut dyn aliyun_codec::de::MapSource<'_>) -> aliyun_codec::de::Decoded<Self> {
                let mut decoded = #name {
                    #(#empty)*
                    unknown_fields: serde_json::Map::new(),
                };
                let error = aliyun_codec::de::read_members(
                    source,
                    &[#(#wire_names),*],
                    &mut [#(#fields),*],
                    &mut decoded.unknown_fields,
                );
                aliyun_codec::de::finish(error, decoded)
            }
        }

        #[cfg(feature = "serde-deserialize")]
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                aliyun_codec::de::deserialize(deserializer)
            }
        }
    }
}

/// A struct with its derives, `Debug` and, for responses, decoding.
pub fn struct_definition(
    name: &RustIdent,
    docs: TokenStream,
    members: &[Member<'_>],
    kind: StructKind,
) -> TokenStream {
    let declarations = members.iter().map(|member| field_declaration(member, kind));
    let unknown_fields = (kind.direction == Direction::Response).then(|| {
        quote! {
            /// The members of the response the documentation does not list (yet), by
            /// wire name, as JSON: the service may send more than its documentation
            /// says, and nothing it sends is dropped.
            #[cfg_attr(feature = "serde-serialize", serde(flatten))]
            pub unknown_fields: serde_json::Map<String, serde_json::Value>,
        }
    });
    let debug = debug_impl(name, members, kind.direction == Direction::Response);
    let default = members
        .iter()
        .all(|member| !member.required)
        .then(|| quote!(Default,));
    let serialize = match kind.serialization {
        Serialization::Always => quote!(#[derive(serde::Serialize)]),
        Serialization::Optional => {
            quote!(#[cfg_attr(feature = "serde-serialize", derive(serde::Serialize))])
        }
    };
    let decoding = (kind.direction == Direction::Response).then(|| from_json_impls(name, members));
    let non_exhaustive = (!kind.exhaustive).then(|| quote!(#[non_exhaustive]));
    quote! {
        #docs
        #[derive(Clone, #default PartialEq)]
        #serialize
        #non_exhaustive
        pub struct #name {
            #(#declarations)*
            #unknown_fields
        }

        #debug
        #decoding
    }
}

/// A nested struct: request structs stay exhaustive (callers build them
/// with struct literals and `..Default::default()`) and always derive
/// `Serialize` (the runtime flattens them through it), response structs are
/// `#[non_exhaustive]`.
pub fn nested_struct(nested: &Struct<'_>, links: &OperationLinks) -> TokenStream {
    let docs = Docs::new()
        .linking(links)
        .line(format!("The value of {}.", code_span(nested.found_under)))
        .prose_opt(nested.description)
        .outer();
    let kind = match nested.direction {
        Direction::Request => StructKind {
            direction: Direction::Request,
            serialization: Serialization::Always,
            exhaustive: true,
            links,
        },
        Direction::Response => StructKind {
            direction: Direction::Response,
            serialization: Serialization::Optional,
            exhaustive: false,
            links,
        },
    };
    struct_definition(&nested.name, docs, &nested.members, kind)
}
