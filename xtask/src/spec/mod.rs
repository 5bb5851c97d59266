//! The spec: its typed model, loading, and validation.
//!
//! `cargo xtask codegen` reads the spec through this module, and so can any
//! other task that reads or writes spec files. [`load_operation`] and
//! [`load_product`] return the typed model only when the files are valid,
//! and otherwise every problem found, each naming the file and the JSON
//! pointer.

pub mod error;
pub mod load;
pub mod model;
pub mod naming;
pub mod pagination;
pub mod validate;
pub mod waiter;

pub use error::{Location, SpecError, SpecErrorKind, SpecErrors};
pub use load::{
    load_operation, load_product, load_product_file, parse, LoadedOperation, LoadedProduct,
};
pub use model::*;
pub use validate::{validate_operation, validate_product};
