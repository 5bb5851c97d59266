//! Placeholder until `cargo xtask codegen` writes this crate.
