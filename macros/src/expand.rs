//! Model → tokens.

use crate::check::{ContextModel, Enter, Ret};
use crate::parse::{self, ContextItem, WithInput};
use crate::rewrite::{self, Jump, Rewriter, Site};
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Block, Expr, Ident};

pub fn async_with(tokens: TokenStream) -> syn::Result<TokenStream> {
    let input = parse::with_input(tokens)?;
    let mut counter = 0;
    with_layers(input, &mut counter)
}

/// `a as x, b as y => body` is `a as x => { b as y => body }`: exactly nested (S10). The
/// inner layer is expanded first and then rewritten as the outer layer's body, so that
/// b's failures (its expression's `?`, its enter, its exit) leave through a's exit.
///
/// Returns tokens: they are parsed back into syntax only where an outer layer has to
/// rewrite them (a proc macro runs unoptimised in most builds, and parsing the whole
/// expansion again is a large part of its time).
pub fn with_layers(input: WithInput, counter: &mut usize) -> syn::Result<TokenStream> {
    let WithInput { mut contexts, body } = input;
    let outer = contexts.remove(0);
    let body = if contexts.is_empty() {
        body
    } else {
        let span = parse::block_span(&body);
        let inner = with_layers(WithInput { contexts, body }, counter)?;
        syn::parse2(quote_spanned!(span=> { #inner }))?
    };
    layer(outer, body, counter)
}

/// One context around one body.
fn layer(context: ContextItem, mut body: Block, counter: &mut usize) -> syn::Result<TokenStream> {
    let id = *counter;
    *counter += 1;
    // Generated locals: invisible to the user's code (mixed-site hygiene), but located at
    // the context expression, so that a type error about the context is reported there,
    // once.
    let ctx_span = context.expr.span();
    let name = |what: &str| {
        let mut ident = format_ident!("__async_with_{}{}", what, id);
        ident.set_span(Span::mixed_site().located_at(ctx_span));
        ident
    };
    let witness = name("witness");
    let failures = name("Failures");
    let guard = name("guard");
    let value = name("value");
    let keep = name("keep");
    let body_future = name("body");
    let result = name("result");
    let outcome = name("outcome");
    let failed = name("failed");
    // Bindings of the generated `match` arms: mixed-site, so no item the user has in
    // scope (a `const v`, a unit `struct e`) can turn them into patterns.
    let binding = |name: &str| Ident::new(name, Span::mixed_site());
    let [v_, r_, f_, p_, j_, d_, e_] = ["v", "r", "f", "p", "j", "d", "e"].map(binding);
    let failed_binding = binding("failed");
    let exited = name("exited");
    let decision = name("decision");
    let suppressed_value = name("suppressed");

    let mut rewriter = Rewriter::new(&witness, &failures, counter);
    rewriter.visit_block_mut(&mut body);
    if let Some(error) = rewriter.errors.take() {
        return Err(error);
    }
    let returns = rewriter.returns;
    let probed_returns = rewriter.probed_returns;
    let jumps = std::mem::take(&mut rewriter.jumps);
    let sites = std::mem::take(&mut rewriter.sites);

    let private = quote!(::async_with::__private);
    let flow = quote!(#private::AsyncWithBodyFlow);
    let ok = quote!(::core::result::Result::Ok);
    let err = quote!(::core::result::Result::Err);
    let some = quote!(::core::option::Option::Some);
    let none = quote!(::core::option::Option::None);
    let ctx_expr = &context.expr;
    let body_span = parse::block_span(&body);

    // S14/S15: the value lives in the body's future until the body ends, whatever the
    // pattern binds (`_` included).
    let bind = context.pat.as_ref().map(|pat| quote!(let #pat = #keep;));
    // The body's statements go into the async block as they are; its tail becomes the
    // flow's value. A body without a tail is `()` by syntax, even when it diverges on
    // every path (edition 2024 would otherwise type it `!`).
    let mut stmts = std::mem::take(&mut body.stmts);
    let tail = match stmts.pop() {
        // A tail that leaves (`return x`, rewritten) stays a statement: as the flow's
        // value it would be a diverging sub-expression.
        Some(syn::Stmt::Expr(tail, None)) if !leaves(&tail) => quote!(#tail),
        Some(syn::Stmt::Expr(tail, None)) => {
            stmts.push(syn::Stmt::Expr(tail, Some(Default::default())));
            quote_spanned!(body_span=> ())
        }
        Some(other) => {
            stmts.push(other);
            quote_spanned!(body_span=> ())
        }
        None => quote_spanned!(body_span=> ()),
    };

    // Ties the return type before the body is checked, so `return e` coerces as a plain
    // `return` would. Only emitted when the body returns.
    let witness_decl = returns.then(|| {
        quote! {
            let #witness = #private::Witness::new();
            if false {
                return #witness.never();
            }
        }
    });
    let infallible = quote!(::core::convert::Infallible);
    let r_type = if returns {
        quote!(_)
    } else {
        infallible.clone()
    };
    let j_type = if jumps.is_empty() {
        infallible.clone()
    } else {
        quote!(usize)
    };
    // One variant per failure site, each holding the error with its own type, so exit
    // sees it as it was (S3) and no type needs to be known before the body is checked.
    let variants: Vec<_> = (0..sites.len()).map(rewrite::variant).collect();
    let (failures_decl, f_type) = if sites.is_empty() {
        (None, infallible.clone())
    } else {
        let underscores = variants.iter().map(|_| quote!(_));
        (
            Some(quote!(enum #failures<#(#variants),*> { #(#variants(#variants)),* })),
            quote!(#failures<#(#underscores),*>),
        )
    };

    let view = |error: TokenStream| quote!(::async_with::Outcome::__failure((&&&&&&#private::View(#error)).__async_with_view()));
    let probe_return = probed_returns.then(|| {
        let view = view(quote!(#e_));
        quote! {
            #ok(#flow::Return(#r_)) => match (&#private::Probe(#r_)).__async_with_split() {
                #some(#e_) => #view,
                #none => ::async_with::Outcome::ok(),
            },
        }
    });
    let probe_fail = (!sites.is_empty()).then(|| {
        let arms = sites.iter().zip(&variants).map(|(site, variant)| {
            let view = match site {
                Site::Residual | Site::ContextError => view(quote!(#private::residual_error(#f_))),
            };
            quote!(#failures::#variant(#f_) => #view,)
        });
        quote!(#ok(#flow::Fail(#f_)) => match #f_ { #(#arms)* },)
    });
    let replay_fail = if sites.is_empty() {
        quote!(match #f_ {})
    } else {
        let arms = sites
            .iter()
            .zip(&variants)
            .map(|(site, variant)| match site {
                Site::Residual => {
                    quote!(#failures::#variant(#f_) => return #private::from_residual(#f_),)
                }
                Site::ContextError => {
                    quote!(#failures::#variant(#f_) => return #private::Fail { error: #f_ }.leave(),)
                }
            });
        quote!(match #f_ { #(#arms)* })
    };
    let (replay_return, replay_return_ok) = if returns {
        (quote!(return #r_), quote!(return #private::not_failed(#r_)))
    } else {
        (quote!(match #r_ {}), quote!(match #r_ {}))
    };
    let replay_jump = jump_replay(&jumps, &j_);
    let (first, last) = span_range(ctx_expr);
    let leave = stretch(
        quote!(return #private::Fail { error: #failed_binding.map(::core::mem::drop) }.leave()),
        first,
        last,
    );
    let guard_new = quote_spanned!(ctx_span=> #private::guard(#ctx_expr));
    let decision_at_body = {
        let mut ident = decision.clone();
        ident.set_span(Span::mixed_site().located_at(body_span));
        ident
    };
    let suppressed =
        quote_spanned!(body_span=> #private::SuppressTo::suppressed(#decision_at_body));
    // Enter and exit cover the same source range as the context expression, so that
    // rustc reports "not an async context" once for all of them (it drops a repeat of an
    // error at the same span).
    let enter = stretch(
        quote!(::async_with::AsyncContext::enter(&mut #guard.context).await),
        first,
        last,
    );
    let exit = stretch(
        quote!(::async_with::AsyncContext::exit(&mut #guard.context, #outcome).await),
        first,
        last,
    );

    // The traits behind the failure views, in scope only where a view is taken.
    let view_imports = (probed_returns || !sites.is_empty()).then(|| {
        let probes = probed_returns.then(|| quote!(ProbeOther as _, ProbeResult as _,));
        quote! {
            use #private::{
                #probes ViewBoxed as _, ViewDebug as _, ViewDebugDisplay as _,
                ViewDisplay as _, ViewOpaque as _, ViewStatic as _,
            };
        }
    });
    let expanded = quote! {{
        use #private::LeaveWithError as _;
        #view_imports
        #failures_decl
        #witness_decl
        let mut #guard = #guard_new;
        let #value = match #enter {
            #ok(#v_) => #v_,
            #failed_binding => #leave,
        };
        #guard.armed = true;
        let #result = {
            let #body_future = ::core::pin::pin!(async {
                let #keep = #value;
                #bind
                #(#stmts)*
                // When the statements above always leave, this is never reached.
                #[allow(unreachable_code)]
                let flow: #flow<_, #r_type, #j_type, #f_type> = #flow::Value(#tail);
                flow
            });
            #private::catch_unwind(#body_future).await
        };
        let #outcome = match &#result {
            #err(#p_) => #private::panicked(#p_),
            #probe_return
            #probe_fail
            #ok(_) => ::async_with::Outcome::ok(),
        };
        let #failed = #outcome.is_err();
        let #exited = #exit;
        #guard.armed = false;
        let #decision = match #exited {
            #ok(#d_) => #d_,
            #failed_binding => {
                // S7: an exit error during a panic does not replace the panic.
                if let #err(#p_) = #result {
                    #private::resume_unwind(#p_)
                }
                #leave
            }
        };
        // S8: a suppressed failure gives `()`/`None` (a panic or an ok outcome is never
        // suppressed); anything else replays after exit.
        let #suppressed_value = if #failed { #suppressed } else { #none };
        match #result {
            #err(#p_) => #private::resume_unwind(#p_),
            #ok(#flow::Value(#v_)) => #v_,
            #ok(#flow::ReturnOk(#r_)) => #replay_return_ok,
            #ok(#flow::Jump(#j_)) => #replay_jump,
            #ok(#flow::Return(#r_)) => match #suppressed_value {
                #some(#v_) => #v_,
                #none => #replay_return,
            },
            #ok(#flow::Fail(#f_)) => match #suppressed_value {
                #some(#v_) => #v_,
                #none => #replay_fail,
            },
        }
    }};
    Ok(expanded)
}

/// The spans of an expression's first and last tokens.
fn span_range(expr: &Expr) -> (Span, Span) {
    let mut tokens = quote!(#expr).into_iter();
    let first = tokens.next().map_or_else(Span::call_site, |t| t.span());
    let last = tokens.last().map_or(first, |t| t.span());
    (first, last)
}

/// Locates `tokens` so that every expression in them that spans them all — and every
/// parenthesized argument list's contents — runs from `first` to `last`: each token at
/// `first`, the last one at each nesting level at `last`. Hygiene is kept.
fn stretch(tokens: TokenStream, first: Span, last: Span) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let count = tokens.len();
    tokens
        .into_iter()
        .enumerate()
        .map(|(index, token)| {
            let at = if index + 1 == count { last } else { first };
            match token {
                TokenTree::Group(group) => {
                    let mut new =
                        Group::new(group.delimiter(), stretch(group.stream(), first, last));
                    new.set_span(group.span().located_at(at));
                    TokenTree::Group(new)
                }
                mut other => {
                    other.set_span(other.span().located_at(at));
                    other
                }
            }
        })
        .collect()
}

/// `return ..`, `break ..`, `continue ..`: expressions that never give a value.
fn leaves(expr: &Expr) -> bool {
    matches!(expr, Expr::Return(_) | Expr::Break(_) | Expr::Continue(_))
}

fn jump_replay(jumps: &[Jump], j: &Ident) -> TokenStream {
    if jumps.is_empty() {
        return quote!(match #j {});
    }
    let arms = jumps.iter().enumerate().map(|(index, jump)| {
        let keyword = if jump.is_break {
            quote!(break)
        } else {
            quote!(continue)
        };
        let label = &jump.label;
        if index + 1 == jumps.len() {
            quote!(_ => #keyword #label,)
        } else {
            quote!(#index => #keyword #label,)
        }
    });
    quote!(match #j { #(#arms)* })
}

pub fn async_context(args: TokenStream, item: TokenStream) -> TokenStream {
    match crate::check::context(args, item) {
        Ok(model) => context_impl(&model),
        // The user's impl still goes out, with a placeholder trait impl, so that the one
        // mistake is the one error.
        Err((error, item)) => {
            let error = error.into_compile_error();
            let placeholder = syn::parse2::<syn::ItemImpl>(item.clone())
                .ok()
                .filter(|item| item.trait_.is_none())
                .map(|item| placeholder_impl(&item));
            quote!(#item #placeholder #error)
        }
    }
}

fn context_impl(model: &ContextModel) -> TokenStream {
    let item = &model.item;
    let private = quote!(::async_with::__private);
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    let lt = syn::Lifetime::new("'__async_with_a", Span::call_site());

    let (value_ty, enter_body) = match &model.enter {
        None => (
            quote!(&#lt mut Self),
            quote!(::core::result::Result::Ok(self)),
        ),
        Some(enter) => {
            let name = &enter.name;
            let mut value = enter.ret.ok_type().clone();
            ElideTo(&lt).visit_type_mut(&mut value);
            let call = quote!(Self::#name(self).await);
            let body = match &enter.ret {
                Ret::Plain(_) => quote!(::core::result::Result::Ok(#call)),
                Ret::Result { .. } => quote!(#private::IntoResult::into_result(#call)),
            };
            (quote!(#value), body)
        }
    };
    let exit = &model.exit;
    let exit_name = &exit.name;
    let exit_call = quote!(Self::#exit_name(self, outcome).await);
    let exit_body = match &exit.ret {
        Ret::Plain(_) => quote!(::core::result::Result::Ok(#exit_call)),
        Ret::Result { .. } => quote!(#private::IntoResult::into_result(#exit_call)),
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
    let exit_body = match (enter_err, exit_err) {
        (Some(enter_unit), Some(exit_unit)) => {
            let span = exit_unit.span();
            quote_spanned! {span=>
                <_ as #private::SameError<#enter_unit>>::into_same(#exit_call)
            }
        }
        _ => exit_body,
    };
    let decision = if exit.suppresses {
        quote!(::async_with::Exit)
    } else {
        quote!(())
    };
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
    quote! {
        #item

        #spawn_exit

        impl #impl_generics ::async_with::AsyncContext for #self_ty #where_clause {
            type Value<#lt> = #value_ty where Self: #lt;
            type Error = #error_ty;
            type Decision = #decision;

            async fn enter(&mut self) -> ::core::result::Result<Self::Value<'_>, Self::Error> {
                #enter_body
            }

            async fn exit(
                &mut self,
                outcome: ::async_with::Outcome<'_>,
            ) -> ::core::result::Result<Self::Decision, Self::Error> {
                #exit_body
            }

            #cancel
        }
    }
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
