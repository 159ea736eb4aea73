//! D1–D13: every protocol mistake is a compile error at the user's token, saying what is
//! wrong and how to fix it; every accepted form compiles. The expected messages live in
//! `ui-tests/`, generated with `TRYBUILD=overwrite` and read in review.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("../ui-tests/pass/*.rs");
    cases.compile_fail("../ui-tests/fail/*/*.rs");
}
