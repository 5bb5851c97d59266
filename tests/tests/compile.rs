//! Compile-time guarantees of the generated client, checked with trybuild:
//! a call that omits a required parameter does not compile, and ordinary
//! use does.
//!
//! After an intended change of the compiler's message, refresh the
//! expected output with `TRYBUILD=overwrite cargo test -p aliyun-tests --test compile`.

#[test]
fn generated_client_compile_checks() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/missing_required_parameter.rs");
    cases.pass("ui/usage.rs");
}
