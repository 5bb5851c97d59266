//! Workspace-level integration tests live under `tests/tests/`; this
//! library carries the README's Rust snippets as doc tests, so that
//! `cargo test --workspace` compiles every example the README shows, and
//! the load programs that tests and `cargo xtask` share ([`soak`]).
//!
//! - `generated_code.rs` fails `cargo test --workspace` when the generated
//!   crates are stale or edited by hand.
//! - `error_table.rs` checks every documented error row against
//!   `aliyun-rds-errors`.
//! - `client.rs` drives the generated client against the emulator over
//!   loopback.
//! - `compile.rs` (trybuild) proves that required parameters are enforced at
//!   compile time and that the crates are usable as a user would use them.
//! - `tidy.rs` checks what the documentation states about the repository:
//!   the minimum Rust version covers every locked dependency, and every
//!   path `ARCHITECTURE.md` and `README.md` name exists; and that no
//!   help-center reference is left in the generated code.
//! - `layers.rs` checks the runtime's layers that `ARCHITECTURE.md` draws:
//!   no module cycle in any runtime crate, no crate depending on its own
//!   layer or above, and no HTTP, TLS or tokio under the generated types.
//! - `conformance.rs` compares every operation's request with what
//!   Alibaba's official Python SDK sends, and `rds_custom.rs` runs the RDS
//!   Custom instance lifecycle against the emulator.
//!
//! It is no layer of the SDK: it sits above everything, so that it may
//! depend on every crate of the workspace, the emulator included.

/// The README, whose Rust snippets `cargo test` compiles as doc tests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

#[cfg(feature = "postgres")]
pub mod postgres;
pub mod soak;
