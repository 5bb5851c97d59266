//! Rendering of an operation's pagination (the spec's `pagination`).
//!
//! A paged operation gets two items: `into_paginator()` on its fluent
//! builder, and an implementation of the runtime's hidden
//! `aliyun_runtime::paginator::PagedOperation` for the builder type, made
//! of one-line functions: how to set the page on the input, and where the
//! total, the next token and the items are in the output. Everything else
//! (the streams, the stop rules, the repeated-token check) is generic code
//! of the runtime, compiled only into programs that page, so paging adds
//! almost nothing to the build of the whole API.

use proc_macro2::TokenStream;
use quote::quote;

use crate::codegen::docs::{code_span, Docs};
use crate::resolve::pagination::{FieldChain, PageParameter, Pagination};
use crate::resolve::{Operation, RustType};
use crate::spec::pagination::PaginationStyle;

/// `output.a.as_ref().and_then(|value| value.b.as_ref())`: the value at the
/// end of the chain, borrowed, as an `Option<&T>`.
fn borrowed(chain: &FieldChain) -> TokenStream {
    borrowed_with(chain, &quote!(as_ref))
}

/// The same chain, borrowing the last value with `last` (`as_deref` makes
/// an `Option<&str>` of a string).
fn borrowed_with(chain: &FieldChain, last: &TokenStream) -> TokenStream {
    let Some((end, path)) = chain.steps.split_last() else {
        return quote!(None);
    };
    let mut steps = path.iter();
    let Some(first) = steps.next() else {
        return quote!(output.#end.#last());
    };
    let mut tokens = quote!(output.#first.as_ref());
    for step in steps {
        tokens = quote!(#tokens.and_then(|value| value.#step.as_ref()));
    }
    quote!(#tokens.and_then(|value| value.#end.#last()))
}

/// The same chain, taking the value out of the output.
fn owned(chain: &FieldChain) -> TokenStream {
    let mut steps = chain.steps.iter();
    let Some(first) = steps.next() else {
        return quote!(None);
    };
    let mut tokens = quote!(output.#first);
    for step in steps {
        tokens = quote!(#tokens.and_then(|value| value.#step));
    }
    tokens
}

/// A page number or size as the parameter's type, from the runtime's
/// `u32`.
fn integer_value(parameter: &PageParameter, value: &TokenStream) -> TokenStream {
    match parameter.rust_type {
        RustType::Int64 => quote!(i64::from(#value)),
        _ => quote!(aliyun_runtime::paginator::to_i32(#value)),
    }
}

/// `input.x = value` or `input.x = Some(value)`, as the field needs.
fn assign(parameter: &PageParameter, value: TokenStream) -> TokenStream {
    let ident = &parameter.ident;
    if parameter.required {
        quote!(input.#ident = #value;)
    } else {
        quote!(input.#ident = Some(#value);)
    }
}

/// The integer parameter's current value, as an `Option<i64>`.
fn read_integer(parameter: Option<&PageParameter>) -> TokenStream {
    let Some(parameter) = parameter else {
        return quote!(None);
    };
    let ident = &parameter.ident;
    match (parameter.required, &parameter.rust_type) {
        (true, RustType::Int64) => quote!(Some(input.#ident)),
        (false, RustType::Int64) => quote!(input.#ident),
        (true, _) => quote!(Some(i64::from(input.#ident))),
        (false, _) => quote!(input.#ident.map(i64::from)),
    }
}

/// The `PagedOperation` implementation of a paged operation.
fn trait_impl(operation: &Operation<'_>, pagination: &Pagination<'_>) -> TokenStream {
    let names = &operation.names;
    let (input, output, builder, error) =
        (&names.input, &names.output, &names.builder, &names.error);
    let item_type = &pagination.item_type;
    let (style, set_position, page_number, page_size) = match pagination.style {
        PaginationStyle::PageNumber => {
            let number = quote!(number);
            let set = assign(
                &pagination.position,
                integer_value(&pagination.position, &number),
            );
            (
                quote!(aliyun_runtime::paginator::PaginationStyle::PageNumber),
                quote! {
                    if let aliyun_runtime::paginator::PagePosition::Number(number) = position {
                        #set
                    }
                },
                read_integer(Some(&pagination.position)),
                read_integer(pagination.size.as_ref()),
            )
        }
        PaginationStyle::NextToken => {
            let set = assign(&pagination.position, quote!(token.to_owned()));
            (
                quote!(aliyun_runtime::paginator::PaginationStyle::NextToken),
                quote! {
                    if let aliyun_runtime::paginator::PagePosition::Token(Some(token)) = position {
                        #set
                    }
                },
                quote!(None),
                read_integer(pagination.size.as_ref()),
            )
        }
    };
    let set_page_size = match &pagination.size {
        Some(size) => {
            let value = quote!(page_size);
            assign(size, integer_value(size, &value))
        }
        None => quote!(let _ = (input, page_size);),
    };
    let next_token = match &pagination.next_token {
        Some(chain) => borrowed_with(chain, &quote!(as_deref)),
        None => quote! {
            let _ = output;
            None
        },
    };
    let total = match &pagination.total {
        Some(chain) => match chain.rust_type {
            RustType::String => {
                let value = borrowed_with(chain, &quote!(as_deref));
                quote!(#value.and_then(aliyun_runtime::paginator::parse_total))
            }
            RustType::Int64 => {
                let value = borrowed(chain);
                quote!(#value.copied())
            }
            _ => {
                let value = borrowed(chain);
                quote!(#value.map(|total| i64::from(*total)))
            }
        },
        None => quote! {
            let _ = output;
            None
        },
    };
    let default_page_size = pagination.spec.default_page_size.map(|size| {
        let size = crate::codegen::render::unsuffixed(size);
        quote!(const DEFAULT_PAGE_SIZE: Option<u32> = Some(#size);)
    });
    let item_count = borrowed(&pagination.items);
    let into_items = owned(&pagination.items);
    // The input is unused by `page_number` in the token style.
    let page_number_input = if matches!(pagination.style, PaginationStyle::NextToken) {
        quote!(_input)
    } else {
        quote!(input)
    };
    let page_size_input = if pagination.size.is_some() {
        quote!(input)
    } else {
        quote!(_input)
    };
    quote! {
        impl aliyun_runtime::paginator::PagedOperation for #builder {
            type Input = #input;
            type Output = #output;
            type Error = #error;
            type Item = #item_type;

            const STYLE: aliyun_runtime::paginator::PaginationStyle = #style;
            #default_page_size

            #[inline]
            fn operation() -> &'static aliyun_runtime::metadata::OperationMetadata {
                &METADATA
            }

            #[inline]
            fn parse_error(code: &str) -> #error {
                #error::from_code(code)
            }

            #[inline]
            fn set_position(input: &mut #input, position: aliyun_runtime::paginator::PagePosition<'_>) {
                #set_position
            }

            #[inline]
            fn set_page_size(input: &mut #input, page_size: u32) {
                #set_page_size
            }

            #[inline]
            fn page_number(#page_number_input: &#input) -> Option<i64> {
                #page_number
            }

            #[inline]
            fn page_size(#page_size_input: &#input) -> Option<i64> {
                #page_size
            }

            #[inline]
            fn next_token(output: &#output) -> Option<&str> {
                #next_token
            }

            #[inline]
            fn total(output: &#output) -> Option<i64> {
                #total
            }

            #[inline]
            fn item_count(output: &#output) -> usize {
                #item_count.map_or(0, Vec::len)
            }

            #[inline]
            fn into_items(output: #output) -> Vec<#item_type> {
                #into_items.unwrap_or_default()
            }
        }
    }
}

/// The rustdoc of `into_paginator`: the style, the parameters and fields,
/// and the stop rules.
fn method_docs(operation: &Operation<'_>, pagination: &Pagination<'_>) -> Docs<'static> {
    let spec = pagination.spec;
    let action = &operation.spec.name;
    let items = code_span(&spec.items_path);
    let docs = Docs::new()
        .line(format!(
            "Pages through `{action}`: a paginator whose `send()` streams the pages and whose `items()` streams the items of {items}."
        ))
        .blank();
    let docs = match pagination.style {
        PaginationStyle::PageNumber => {
            let number = code_span(spec.page_number_parameter.as_deref().unwrap_or_default());
            let size = spec
                .page_size_parameter
                .as_deref()
                .map_or_else(|| "the service's page size".to_owned(), code_span);
            let total = spec.total_path.as_deref().map_or_else(
                || "The listing ends at a page without items.".to_owned(),
                |total| {
                    format!(
                        "The listing ends when the items up to the end of a page (page number × page size, for a full page) reach {}, or at a page without items.",
                        code_span(total)
                    )
                },
            );
            docs.line(format!(
                "Pages are asked for by page number ({number}, from the one set on the request, else 1) and size ({size}; the paginator's `page_size` sets it). {total}"
            ))
        }
        PaginationStyle::NextToken => {
            let token = code_span(spec.token_parameter.as_deref().unwrap_or_default());
            let next = code_span(spec.next_token_path.as_deref().unwrap_or_default());
            let size = spec
                .max_results_parameter
                .as_deref()
                .map_or_else(String::new, |size| {
                    let default = spec.default_page_size.map_or_else(String::new, |default| {
                        format!(" (else {default}, sent from the first page on)")
                    });
                    format!(
                        " The paginator's `page_size` sets {}{default}.",
                        code_span(size)
                    )
                });
            docs.line(format!(
                "Each page after the first sends the previous page's {next} as {token}; the listing ends at a page without one. A token that comes back a second time ends the stream with `SdkError::Pagination`.{size}"
            ))
        }
    };
    docs.blank().line(
        "Every page is sent like `send()`, with the same retries, timeouts and `customize` overrides. A failed page is yielded as an `Err`, after which the stream ends.",
    )
}

/// `into_paginator` on the fluent builder of a paged operation.
pub fn builder_method(operation: &Operation<'_>) -> TokenStream {
    let Some(pagination) = &operation.pagination else {
        return TokenStream::new();
    };
    let docs = method_docs(operation, pagination).outer();
    quote! {
        #docs
        #[inline]
        pub fn into_paginator(self) -> aliyun_runtime::paginator::Paginator<Self> {
            aliyun_runtime::paginator::Paginator::new(self.runtime, self.input)
        }
    }
}

/// The `PagedOperation` implementation, when the operation is paged.
pub fn implementation(operation: &Operation<'_>) -> TokenStream {
    match &operation.pagination {
        Some(pagination) => trait_impl(operation, pagination),
        None => TokenStream::new(),
    }
}
