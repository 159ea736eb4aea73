//! Expansion snapshots: what the macros generate for a few representative inputs,
//! pretty-printed and compared with `macros/snapshots/*.rs`, so that a change to the
//! generated code is a reviewed diff. Regenerate with
//! `UPDATE_EXPECT=1 cargo test -p async-with-macros snapshots`.

use expect_test::{ExpectFile, expect_file};
use proc_macro2::TokenStream;
use std::str::FromStr;

fn tokens(text: &str) -> TokenStream {
    TokenStream::from_str(text).expect("snapshot input lexes")
}

fn pretty(file: TokenStream) -> String {
    let file: syn::File = syn::parse2(file).expect("the expansion parses as items");
    prettyplease::unparse(&file)
}

/// `async_with!(INPUT)` as the body of a function.
fn check_with(input: &str, expected: ExpectFile) {
    let expansion = crate::async_with2(tokens(input)).expect("the input expands");
    expected.assert_eq(&pretty(quote::quote!(async fn expansion() { #expansion })));
}

#[test]
fn one_context_with_a_question_mark_and_a_return() {
    check_with(
        "db.transaction() as tx => {
            tx.execute(\"UPDATE\").await?;
            if done() { return Ok(0); }
            tx.last_id()
        }",
        expect_file!["../snapshots/one_context.rs"],
    );
}

#[test]
fn two_contexts_nest_exactly() {
    check_with(
        "lock(&a).await as x, open(x)? as y => {
            if y.is_empty() { return Err(Empty); }
            y.len()
        }",
        expect_file!["../snapshots/two_contexts.rs"],
    );
}

#[test]
fn a_nested_block_leaves_through_the_outer_layer() {
    check_with(
        "outer => {
            for item in items {
                async_with!(inner as i => {
                    if item.skip() { continue; }
                    i.push(item.parse()?);
                });
            }
        }",
        expect_file!["../snapshots/nested.rs"],
    );
}

#[test]
fn async_context_with_result_enter_and_exit() {
    let item = tokens(
        "impl Connection {
            async fn enter(&mut self) -> Result<&mut Self, io::Error> { self.open().await?; Ok(self) }
            async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), io::Error> { self.close().await }
            fn cancel(&mut self) { self.abort() }
        }",
    );
    let expansion = crate::async_context2(TokenStream::new(), item);
    expect_file!["../snapshots/async_context.rs"].assert_eq(&pretty(expansion));
}
