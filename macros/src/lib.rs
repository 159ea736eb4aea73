//! Implementation detail of the [`async-with`](https://docs.rs/async-with) crate: the
//! `async_with!` and `#[async_context]` macros. Depend on `async-with`, which re-exports
//! them, not on this crate.
//!
//! Each entry point reads as its pipeline; every phase is a plain function over
//! `proc_macro2` tokens returning a named type, so malformed input can be tested without
//! a compiler:
//!
//! - `async_with!`: [`parse`] (tokens → `WithInput`) → [`rewrite`] (the body's control
//!   flow → a `Layer` per context, each knowing how it leaves) → [`expand`] (`Layer` →
//!   tokens).
//! - `#[async_context]`: [`check`] (tokens → a checked `ContextModel`) →
//!   [`expand_context`] (→ the impl plus its `AsyncContext` impl), or on a mistake
//!   [`fallback`] (the user's impl, a placeholder impl and the errors).

mod check;
mod expand;
mod expand_context;
mod fallback;
mod known_macros;
mod model;
mod parse;
mod rewrite;
#[cfg(test)]
mod snapshots;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Runs a block between a context's async `enter` and async `exit`.
///
/// See the `async-with` crate for the documentation.
#[proc_macro]
pub fn async_with(input: TokenStream) -> TokenStream {
    async_with2(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn async_with2(input: proc_macro2::TokenStream) -> syn::Result<proc_macro2::TokenStream> {
    let input = parse::with_input(input)?;
    let layer = rewrite::outermost(input)?;
    Ok(expand::layer(&layer))
}

/// Makes an impl block with `async fn enter`/`async fn exit` into an async context.
///
/// See the `async-with` crate for the documentation.
#[proc_macro_attribute]
pub fn async_context(args: TokenStream, item: TokenStream) -> TokenStream {
    async_context2(args.into(), item.into()).into()
}

fn async_context2(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    match check::context(args, item) {
        Ok(model) => expand_context::context_impl(&model),
        Err((error, item)) => fallback::context(error, item),
    }
}
