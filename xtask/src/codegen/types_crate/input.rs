//! Rendering of an operation input's constructor and `to_parameters`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::codegen::docs::Docs;
use crate::codegen::render::unsuffixed_usize;
use crate::resolve::{Member, Operation, RustType};
use crate::spec::ParameterStyle;

/// How a required parameter is taken as an argument, and converted into
/// the field: strings through `impl Into<String>`, everything else as it is.
pub fn argument_type(member: &Member<'_>) -> (TokenStream, TokenStream) {
    let ident = &member.ident;
    if member.rust_type == RustType::String {
        (quote!(impl Into<String>), quote!(#ident.into()))
    } else {
        let rust_type = &member.rust_type;
        (quote!(#rust_type), quote!(#ident))
    }
}

/// `#[allow(clippy::too_many_arguments)]` when the client method, which
/// takes `&self` and the required parameters, has more than clippy's
/// default of seven arguments. Required parameters are arguments so that
/// leaving one out does not compile.
pub fn many_arguments(operation: &Operation<'_>) -> Option<TokenStream> {
    (operation.required_parameters().count() + 1 > 7)
        .then(|| quote!(#[allow(clippy::too_many_arguments)]))
}

/// `impl Input { fn new(required...) }`.
pub fn new_impl(operation: &Operation<'_>) -> TokenStream {
    let input = &operation.names.input;
    let arguments = operation.required_parameters().map(|member| {
        let ident = &member.ident;
        let (argument, _) = argument_type(member);
        quote!(#ident: #argument)
    });
    let initializers = operation.parameters.iter().map(|member| {
        let ident = &member.ident;
        if member.required && member.rust_type != RustType::String {
            // The argument has the field's name and type: shorthand.
            quote!(#ident,)
        } else if member.required {
            let (_, conversion) = argument_type(member);
            quote!(#ident: #conversion,)
        } else {
            quote!(#ident: None,)
        }
    });
    let docs = if operation.required_parameters().next().is_none() {
        Docs::new().line("An input with no parameter set.")
    } else {
        Docs::new().line("An input with its required parameters set and no optional one.")
    }
    .outer();
    let many_arguments = many_arguments(operation);
    quote! {
        impl #input {
            #docs
            #many_arguments
            #[inline]
            pub fn new(#(#arguments),*) -> Self {
                #input {
                    #(#initializers)*
                }
            }
        }
    }
}

/// `to_parameters` of an operation input: each parameter written by name
/// into the runtime's `ParameterWriter`, which flattens it.
pub fn to_parameters_impl(operation: &Operation<'_>) -> TokenStream {
    let input = &operation.names.input;
    let members = &operation.parameters;
    let writes = members.iter().map(|member| {
        let ident = &member.ident;
        let wire_name = member.wire_name;
        let method = if member.style == ParameterStyle::Json {
            quote!(add_json)
        } else {
            quote!(add)
        };
        if member.required {
            quote!(parameters.#method(#wire_name, Some(&self.#ident));)
        } else {
            quote!(parameters.#method(#wire_name, self.#ident.as_ref());)
        }
    });
    let capacity = unsuffixed_usize(members.len());
    let binding = if members.is_empty() {
        quote!(let parameters)
    } else {
        quote!(let mut parameters)
    };
    quote! {
        impl #input {
            /// The request's wire parameters, before signing: each parameter that is
            /// set, flattened the way the API expects (`Name.1` for list elements,
            /// `Name.Field` for nested values, one JSON string for `json`-style
            /// parameters).
            ///
            /// # Errors
            ///
            /// A value that cannot be serialized, such as a map with non-string keys
            /// in a `json`-style parameter.
            #[inline]
            pub fn to_parameters(&self) -> Result<Vec<(String, String)>, aliyun_codec::ConstructionError> {
                #binding = aliyun_codec::parameters::ParameterWriter::with_capacity(#capacity);
                #(#writes)*
                parameters.finish()
            }
        }

        impl aliyun_codec::parameters::ToParameters for #input {
            #[inline]
            fn to_parameters(&self) -> Result<Vec<(String, String)>, aliyun_codec::ConstructionError> {
                #input::to_parameters(self)
            }
        }
    }
}
