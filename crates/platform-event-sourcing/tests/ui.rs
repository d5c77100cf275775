//! Compile-time behaviour of `#[derive(ReadModel)]`: what compiles, and the errors
//! (with spans on the attribute at fault) for what does not.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
