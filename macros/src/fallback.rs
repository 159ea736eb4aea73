//! What `#[async_context]` emits after a mistake: the user's impl unchanged and a
//! placeholder trait impl, so that the one mistake is the one error and the rest of the
//! crate (and an IDE) still type-checks.

use proc_macro2::TokenStream;
use quote::quote;

/// Output: `#item #placeholder #error`.
pub fn context(error: syn::Error, item: TokenStream) -> TokenStream {
    let error = error.into_compile_error();
    let placeholder = syn::parse2::<syn::ItemImpl>(item.clone())
        .ok()
        .filter(|item| item.trait_.is_none())
        .map(|item| placeholder_impl(&item));
    quote!(#item #placeholder #error)
}

/// Stands in for the trait impl of a context with a mistake, so that its uses do not
/// add "not an async context" errors to the one that matters.
fn placeholder_impl(item: &syn::ItemImpl) -> TokenStream {
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    quote! {
        impl #impl_generics ::async_with::AsyncContext for #self_ty #where_clause {
            type Value<'__async_with_a> = &'__async_with_a mut Self where Self: '__async_with_a;
            type Error = ::core::convert::Infallible;
            type Decision = ();
            async fn enter(&mut self) -> ::core::result::Result<Self::Value<'_>, Self::Error> {
                ::core::panic!("this context's `#[async_context]` impl has errors")
            }
            async fn exit(
                &mut self,
                _: ::async_with::Outcome<'_>,
            ) -> ::core::result::Result<(), Self::Error> {
                ::core::panic!("this context's `#[async_context]` impl has errors")
            }
        }
    }
}
