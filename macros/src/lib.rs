//! Implementation detail of the [`async-with`](https://docs.rs/async-with) crate: the
//! `async_with!` and `#[async_context]` macros. Depend on `async-with`, which re-exports
//! them, not on this crate.
//!
//! Each entry point is `parse → check → expand`; every phase is a plain function over
//! `proc_macro2` tokens, so malformed input can be tested without a compiler.

mod check;
mod expand;
mod parse;
mod rewrite;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Runs a block between a context's async `enter` and async `exit`.
///
/// See the `async-with` crate for the documentation.
#[proc_macro]
pub fn async_with(input: TokenStream) -> TokenStream {
    expand::async_with(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Makes an impl block with `async fn enter`/`async fn exit` into an async context.
///
/// See the `async-with` crate for the documentation.
#[proc_macro_attribute]
pub fn async_context(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::async_context(args.into(), item.into()).into()
}
