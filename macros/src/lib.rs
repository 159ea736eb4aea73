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

/// Runs an async fn's whole body inside an `async_with!` block over the given contexts.
///
/// See the `async-with` crate for the documentation.
#[proc_macro_attribute]
pub fn with_context(args: TokenStream, item: TokenStream) -> TokenStream {
    with_context2(args.into(), item.into()).into()
}

/// `#[with_context(CTX as PAT, ..)] async fn f(..) { body }` is
/// `async fn f(..) { async_with!(CTX as PAT, .. => { body }) }`; the context list is
/// checked as `async_with!` checks it.
fn with_context2(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    use quote::{ToTokens, quote};
    let function: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = syn::Error::new_spanned(
                &item,
                "`#[with_context]` goes on an `async fn` with a body: it runs the body inside the contexts' block",
            )
            .into_compile_error();
            return quote!(#item #error);
        }
    };
    if function.sig.asyncness.is_none() {
        let error = syn::Error::new_spanned(
            function.sig.fn_token,
            "`#[with_context]` needs an `async fn`: the contexts' enter and exit are awaited; write `async fn`",
        )
        .into_compile_error();
        return quote!(#function #error);
    }
    if args.is_empty() {
        let error = syn::Error::new(
            proc_macro2::Span::call_site(),
            "expected the contexts: `#[with_context(CONTEXT [as PATTERN], ..)]`",
        )
        .into_compile_error();
        return quote!(#function #error);
    }
    let body = function.block.to_token_stream();
    let checked = async_with2(quote!(#args => #body));
    let block = match checked {
        Ok(expansion) => quote!({ #expansion }),
        Err(error) => {
            let error = error.into_compile_error();
            quote!({ #error #body })
        }
    };
    let syn::ItemFn {
        attrs, vis, sig, ..
    } = function;
    quote!(#(#attrs)* #vis #sig #block)
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
