//! A checked `#[async_context]` impl → the impl plus its `AsyncContext` impl.

use crate::check::{ContextModel, Enter, Ret};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

/// Output: the user's impl block (role markers removed), an `impl AsyncContext` whose
/// `enter`/`exit` call the user's methods, and `impl SpawnExit` / `impl SendAsyncContext`
/// when asked for.
pub fn context_impl(model: &ContextModel) -> TokenStream {
    let item = &model.item;
    let private = quote!(::async_with::__private);
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    let lt = syn::Lifetime::new("'__async_with_a", Span::call_site());

    // The user's futures are returned as they are, their output mapped by a zero-sized fn
    // item (`forward`): an `async fn` around them would store `self` and the outcome a
    // second time, in a state machine of its own.
    let (value_ty, enter_body) = match &model.enter {
        None => (
            quote!(&#lt mut Self),
            quote!(::core::future::ready(::core::result::Result::Ok(self))),
        ),
        Some(enter) => {
            let name = &enter.name;
            let mut value = enter.ret.ok_type().clone();
            ElideTo(&lt).visit_type_mut(&mut value);
            let call = quote!(Self::#name(self));
            let map = match &enter.ret {
                Ret::Plain(_) => quote!(::core::result::Result::Ok),
                Ret::Result { .. } => quote!(#private::IntoResult::into_result),
            };
            (quote!(#value), quote!(#private::forward(#call, #map)))
        }
    };
    let exit = &model.exit;
    let exit_name = &exit.name;
    let exit_call = quote!(Self::#exit_name(self, outcome));
    let exit_map = match &exit.ret {
        Ret::Plain(_) => quote!(::core::result::Result::Ok),
        Ret::Result { .. } => quote!(#private::IntoResult::into_result),
    };
    let enter_err = match &model.enter {
        Some(Enter {
            ret: Ret::Result { unit_ok, .. },
            ..
        }) => Some(unit_ok),
        _ => None,
    };
    let exit_err = match &exit.ret {
        Ret::Result { unit_ok, .. } => Some(unit_ok),
        Ret::Plain(_) => None,
    };
    let error_ty = match (enter_err, exit_err) {
        (Some(unit_ok), _) | (None, Some(unit_ok)) => {
            quote!(<#unit_ok as #private::IntoResult>::Err)
        }
        (None, None) => quote!(::core::convert::Infallible),
    };
    // D13: one error type for both; exit's result is checked against enter's, on exit's
    // return type.
    // A closure rather than the fn item: with the fn item, the bound on the returned
    // future's map would report a second time what `into_same` reports here.
    let exit_map = match (enter_err, exit_err) {
        (Some(enter_unit), Some(exit_unit)) => {
            let span = exit_unit.span();
            let result = syn::Ident::new("result", Span::mixed_site());
            quote_spanned! {span=>
                |#result| <_ as #private::SameError<<#enter_unit as #private::IntoResult>::Err>>::into_same(#result)
            }
        }
        _ => exit_map,
    };
    let exit_body = quote!(#private::forward(#exit_call, #exit_map));
    let decision = &exit.decision;
    let cancel = model.cancel.as_ref().map(|name| {
        quote! {
            fn cancel(&mut self) {
                Self::#name(self)
            }
        }
    });
    // The opt-in spawned exit on cancellation (S12): the compiler checks here, for the
    // concrete type, that the context and its exit future can move to another task.
    let spawn_exit = model.spawn_exit.then(|| {
        quote! {
            impl #impl_generics ::async_with::SpawnExit for #self_ty #where_clause {
                fn spawn_exit(mut self) {
                    #private::spawn_exit(async move {
                        let _ = ::async_with::AsyncContext::exit(
                            &mut self,
                            ::async_with::Outcome::cancelled(),
                        )
                        .await;
                    });
                }
            }
        }
    });
    // The opt-in `Send` futures: checked here, where the type is known, so that generic
    // code (a `SendExitStack`) can rely on them. Spanned at the user's methods, so a future
    // that is not `Send` is reported at the `async fn` that makes it.
    let send = model.send.then(|| {
        let enter_span = model
            .enter
            .as_ref()
            .map_or(exit.name.span(), |enter| enter.name.span());
        let enter_send = quote_spanned! {enter_span=>
            fn enter_send(
                &mut self,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<Self::Value<'_>, Self::Error>,
            > + ::core::marker::Send {
                ::async_with::AsyncContext::enter(self)
            }
        };
        let exit_send = quote_spanned! {exit.name.span()=>
            fn exit_send(
                &mut self,
                outcome: ::async_with::Outcome<'_>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<Self::Decision, Self::Error>,
            > + ::core::marker::Send {
                ::async_with::AsyncContext::exit(self, outcome)
            }
        };
        quote! {
            impl #impl_generics ::async_with::SendAsyncContext for #self_ty #where_clause {
                #enter_send
                #exit_send
            }
        }
    });
    quote! {
        #item

        #spawn_exit

        #send

        impl #impl_generics ::async_with::AsyncContext for #self_ty #where_clause {
            type Value<#lt> = #value_ty where Self: #lt;
            type Error = #error_ty;
            type Decision = #decision;

            fn enter(
                &mut self,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<Self::Value<'_>, Self::Error>,
            > {
                #enter_body
            }

            // The map is a closure spanned at the user's return type (D13, above).
            #[allow(clippy::redundant_closure)]
            fn exit(
                &mut self,
                outcome: ::async_with::Outcome<'_>,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<Self::Decision, Self::Error>,
            > {
                #exit_body
            }

            #cancel
        }
    }
}

/// Gives elided lifetimes in an enter value's type (`&mut Self`, `Guard<'_, T>`) the
/// lifetime of the borrow of the context.
struct ElideTo<'a>(&'a syn::Lifetime);

impl VisitMut for ElideTo<'_> {
    fn visit_lifetime_mut(&mut self, lifetime: &mut syn::Lifetime) {
        if lifetime.ident == "_" {
            *lifetime = self.0.clone();
        }
    }

    fn visit_type_reference_mut(&mut self, reference: &mut syn::TypeReference) {
        if reference.lifetime.is_none() {
            reference.lifetime = Some(self.0.clone());
        }
        syn::visit_mut::visit_type_reference_mut(self, reference);
    }

    // Elision inside `fn(&T)` and `dyn Fn(&T)` belongs to them.
    fn visit_type_fn_ptr_mut(&mut self, _: &mut syn::TypeFnPtr) {}
    fn visit_parenthesized_generic_arguments_mut(
        &mut self,
        _: &mut syn::ParenthesizedGenericArguments,
    ) {
    }
}
