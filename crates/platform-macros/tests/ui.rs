//! Compile-time behaviour of the derives: what compiles, and the errors (spanned on
//! the input at fault) for what does not. One fail case per rule, named after it.

#[test]
fn read_model_derive() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/read_model/pass/*.rs");
    t.compile_fail("tests/ui/read_model/fail/*.rs");
}

#[test]
fn domain_event_derive() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/domain_event/pass/*.rs");
    t.compile_fail("tests/ui/domain_event/fail/*.rs");
}
