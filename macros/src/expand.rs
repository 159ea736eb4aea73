//! Model → tokens: one [`Layer`] becomes one block expression.
//!
//! Input, with its leaves already written by the rewriter:
//!
//! ```text
//! async_with!(ctx as pat => { stmts; tail })
//! ```
//!
//! Output (see `docs/DESIGN.md` for why each piece is there):
//!
//! ```text
//! {
//!     let witness = witness();                         // outermost layer, only when
//!     if false { return witness.never(); }             //   something inside returns
//!     let mut guard = { guard(ctx), with the context's cut (a scope's, or NoCut) };
//!     let result = {
//!         let value = match enter(&mut guard.context).await { Ok(v) => v, failed => LEAVE };
//!         guard.state.armed = true;
//!         Caught { body: async { let keep = value; let pat = keep; stmts; Flow::Value(tail) }, state: &mut guard.state }.await
//!     };
//!     let outcome = match &result { interrupted / probed return / probed value / failure views / ok };
//!     guard.state.failed = outcome.is_err();
//!     let exited = shield(exit(&mut guard.context, outcome), &mut guard.state).await;
//!     guard.state.armed = false;
//!     let decision = match exited { Ok(d) => d, failed => { resume a panic; LEAVE } };
//!     let suppressed = suppressed(&result, decision, guard.state.failed);
//!     match result { replay: value / interrupted / return / jump / failure, each via its LEAVE }
//! }
//! ```

use crate::model::{Body, Layer, binding, site, sites_end_by_ref, sites_type};
use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::Expr;

/// The block expression for `layer` and the layers inside it.
pub fn layer(layer: &Layer) -> TokenStream {
    let private = quote!(::async_with::__private);
    let witness_decl = layer.declares_witness.then(|| {
        let witness = &layer.names.witness;
        quote! {
            let #witness = #private::witness();
            if false {
                return #witness.never();
            }
        }
    });
    // Trait imports reach every layer of the call from the outermost block.
    let leave_trait = layer.outermost.then(|| {
        quote!(
            use ::async_with::checks::LeaveWith as _;
            use #private::{NoScopeCut as _, ScopeCut as _};
        )
    });
    let view_imports = view_imports(layer);
    let (guard, enter) = enter(layer);
    let body = body(layer);
    let result = &layer.names.result;
    let outcome = outcome(layer);
    let exit = exit(layer);
    let replay = replay(layer);
    quote! {{
        #leave_trait
        #view_imports
        #witness_decl
        #guard
        // The entered value in a block of its own: its slot ends with the body, not
        // after the exit's await (8 bytes of the block's future).
        let #result = {
            #enter
            #body
        };
        #outcome
        #exit
        #replay
    }}
}

/// The traits behind the failure views, in scope only where a view is taken.
fn view_imports(layer: &Layer) -> Option<TokenStream> {
    let probed = layer.exits.probed_returns;
    let tail = layer.probe_tail.is_some();
    (probed || tail || !layer.leaves.sites.is_empty()).then(|| {
        let returns = probed.then(|| quote!(ProbeOther as _, ProbeResult as _,));
        let tails = tail.then(|| {
            quote!(
                use ::async_with::checks::{TailValue as _, TypeKnownAtTail as _};
            )
        });
        quote! {
            #tails
            use ::async_with::__private::{
                #returns ViewBoxed as _, ViewDebug as _, ViewDebugDisplay as _,
                ViewDisplay as _, ViewOpaque as _, ViewStatic as _,
            };
        }
    })
}

/// Output: the guard, then (inside the block that ends with the body) the enter:
///
/// ```text
/// let mut guard = { let mut guard = guard(ctx, AsyncContext::cancel); ..cut..; at_context(guard).with_cut(cut) };
/// ---
/// let value = match AsyncContext::enter(&mut guard.context).await { Ok(v) => v, failed => LEAVE };
/// guard.state.armed = true;
/// ```
///
/// The guard owns the context and runs `cancel` if the future is dropped from here until
/// exit is done (S12). Enter and its failure path cover the context expression's range,
/// so that rustc reports "not an async context" there, once per span.
fn enter(layer: &Layer) -> (TokenStream, TokenStream) {
    let names = &layer.names;
    let (guard, value, context_type) = (&names.guard, &names.value, &names.context_type);
    let context = &layer.context;
    let (first, last) = span_range(context);
    let cancel = protocol("cancel", first, last);
    let guard_new = located_call(
        quote!(::async_with::__private::guard),
        quote!(#context, #cancel),
        (first, last),
    );
    let enter = protocol_call("enter", (guard, last), TokenStream::new(), first, last);
    let call = stretch(quote!(.await), last, last);
    let call = quote!(#enter #call);
    let leave = stretch(layer.leaves.context_error.clone(), first, last);
    let (ok, failed) = (binding("ok"), binding("failed"));
    let cut = &names.cut;
    let take_cut = stretch(
        quote!(let #cut = ::async_with::__private::ScopeOf(&mut #guard.context).__async_with_cut();),
        first,
        last,
    );
    // Over the context expression too: the guard's cancel hook is `AsyncContext::cancel`
    // itself (zero-sized), whose bound rustc checks again where the guard is made.
    // (The receiver a call: rustc blames a method's failed bound on its receiver, and a
    // call is located where its path is.)
    let receiver = at_context(guard, first, last);
    let with_cut = stretch(quote!(.with_cut(#cut)), first, last);
    let with_cut = quote!(#receiver #with_cut);
    let make_guard = quote! {
        // In a block of its own: the unguarded context's slot ends here.
        let mut #guard = {
            let mut #guard = #guard_new;
            #take_cut
            #with_cut
        };
        let #context_type = ::async_with::__private::context_type(&#guard.context);
    };
    let enter = quote! {
        let #value = match #call {
            ::core::result::Result::Ok(#ok) => #ok,
            #failed => #leave,
        };
        #guard.state.armed = true;
    };
    (make_guard, enter)
}

/// Output (the value of `let result = { ENTER; BODY };`):
///
/// ```text
/// Caught {
///     body: async { let keep = value; let PAT = keep; stmts; Flow::Value(tail) },
///     state: &mut guard.state,
/// }
/// .await
/// ```
///
/// The value lives in the body's future until the body ends, whatever the pattern binds
/// (S14/S15); the body's future is gone before exit is awaited.
fn body(layer: &Layer) -> TokenStream {
    let names = &layer.names;
    let (guard, value, keep) = (&names.guard, &names.value, &names.keep);
    let bind = layer.pat.as_ref().map(|pat| quote!(let #pat = #keep;));
    let (stmts, tail) = match &layer.body {
        Body::Block { stmts, tail } => (quote!(#(#stmts)*), tail.clone()),
        Body::Inner(inner) => (TokenStream::new(), self::layer(inner)),
    };
    let infallible = quote!(::core::convert::Infallible);
    let exits = &layer.exits;
    let r_type = if exits.returns {
        quote!(_)
    } else {
        infallible.clone()
    };
    let j_type = if !layer.leaves.jumps.is_empty() {
        quote!(usize)
    } else {
        infallible.clone()
    };
    let sites = layer.leaves.sites.len();
    let f_type = if sites > 0 {
        sites_type(sites)
    } else {
        infallible
    };
    let flow_binding = binding("flow");
    quote! {
        ::async_with::__private::Caught {
            body: async {
                // The future's output type, before any user statement: a `return` hidden
                // in a macro call is reported at that `return`.
                if false {
                    return ::async_with::__private::AsyncWithBodyFlow::<_, #r_type, #j_type, #f_type>::typed();
                }
                let #keep = #value;
                #bind
                #stmts
                // When the statements above always leave, this is never reached. (Its type
                // is the one given above.)
                #[allow(unreachable_code)]
                let #flow_binding = ::async_with::__private::AsyncWithBodyFlow::Value(#tail);
                #flow_binding
            },
            state: &mut #guard.state,
        }
        .await
    }
}

/// Output: `let outcome = match &result { .. };` — a panic, a returned failure (probed by
/// its type), a failure site's error (viewed by its type), or ok.
fn outcome(layer: &Layer) -> TokenStream {
    let names = &layer.names;
    let (result, outcome) = (&names.result, &names.outcome);
    let private = quote!(::async_with::__private);
    let flow = quote!(#private::AsyncWithBodyFlow);
    let (panic, returned, failure, error) = (
        binding("interrupted"),
        binding("returned"),
        binding("failure"),
        binding("error"),
    );
    let view = |error: TokenStream| quote!(#private::failed((&&&&&&#private::View(#error)).__async_with_view()));
    let probe_return = layer.exits.probed_returns.then(|| {
        let view = view(quote!(#error));
        quote! {
            ::core::result::Result::Ok(#flow::Return(#returned)) => {
                match (&#private::Probe(#returned)).__async_with_split() {
                    ::core::option::Option::Some(#error) => #view,
                    ::core::option::Option::None => ::async_with::Outcome::ok(),
                }
            }
        }
    });
    // S6: a body whose value is `Err(_)` failed; the probe sits at the tail, so a tail
    // whose type is not known yet is reported there.
    let probe_tail = layer.probe_tail.map(|span| {
        let view = view(quote!(#error));
        let value = binding("value");
        let probe =
            quote_spanned!(span=> (&::async_with::checks::Tail(#value)).__async_with_tail());
        quote! {
            ::core::result::Result::Ok(#flow::Value(#value)) => match #probe {
                ::core::option::Option::Some(#error) => #view,
                ::core::option::Option::None => ::async_with::Outcome::ok(),
            },
        }
    });
    let sites = layer.leaves.sites.len();
    let probe_fail = (sites > 0).then(|| {
        let arms = (0..sites).map(|index| {
            let pattern = site(index, quote!(#failure));
            let view = view(quote!(#private::residual_error(#failure)));
            quote!(#pattern => #view,)
        });
        let end = sites_end_by_ref(sites);
        quote!(::core::result::Result::Ok(#flow::Fail(#failure)) => match #failure { #(#arms)* #end },)
    });
    quote! {
        let #outcome = match &#result {
            ::core::result::Result::Err(#panic) => #private::interrupted(#panic),
            #probe_return
            #probe_tail
            #probe_fail
            ::core::result::Result::Ok(_) => ::async_with::Outcome::ok(),
        };
    }
}

/// Output:
///
/// ```text
/// guard.state.failed = outcome.is_err();
/// let exited = shield(AsyncContext::exit(&mut guard.context, outcome), &mut guard.state).await;
/// guard.state.armed = false;
/// let decision = match exited { Ok(d) => d, failed => { if let Err(p) = result { resume_panic(p) } LEAVE } };
/// let suppressed = checks::suppressed(&result, decision, guard.state.failed);
/// ```
///
/// An exit error during a panic does not replace the panic (S7). A suppressed failure
/// gives `()`/`None`; the `GivesValue` bound is where D10 is reported, at the context.
fn exit(layer: &Layer) -> TokenStream {
    let names = &layer.names;
    let (guard, result, outcome) = (&names.guard, &names.result, &names.outcome);
    let (exited, decision, suppressed) = (&names.exited, &names.decision, &names.suppressed);
    let (first, last) = span_range(&layer.context);
    let call = protocol_call(
        "exit",
        (guard, layer.body_end),
        quote!(, #outcome),
        first,
        last,
    );
    let leave = stretch(layer.leaves.context_error.clone(), first, last);
    let (ok, failed, panic) = (binding("ok"), binding("failed"), binding("interrupted"));
    let checks = quote!(::async_with::checks);
    // Typed by the body's value (through `result`), so a context that cannot stand for it
    // is reported with `GivesValue`'s message, naming the context, at its expression —
    // also in generic code.
    let proof = binding("proof");
    let context_type = at_context(&names.context_type, first, last);
    let check = located_call(
        quote!(#checks::suppressed),
        quote!(&#result, #context_type, #proof),
        (first, last),
    );
    // Over the context expression too: a value that is not a context is reported once,
    // there (D1).
    let value = located_call(
        quote!(#checks::suppressed_value),
        quote!(#proof, #context_type, #decision, #guard.state.failed),
        (first, last),
    );
    let suppress = quote! {{
        let #proof = ::core::marker::PhantomData;
        if false {
            #check
        }
        #value
    }};
    quote! {
        // Read before the exit, not after: an outcome live across the exit's `.await`
        // keeps the optimizer from folding a no-op exit (trivial body 9.6 → 13.2 ns).
        // Kept in the guard's spare byte, not in a local: a local alive across the
        // exit's await (most blocks' largest state) took 8 bytes of every block's future.
        // Of a copy: a borrow of the outcome's local would keep that local alive across
        // the exit's await (24 bytes of every block's future).
        #guard.state.failed = ::async_with::Outcome::is_err(&{ #outcome });
        let #exited = ::async_with::__private::shield(#call, &mut #guard.state).await;
        #guard.state.armed = false;
        let #decision = match #exited {
            ::core::result::Result::Ok(#ok) => #ok,
            #failed => {
                if let ::core::result::Result::Err(#panic) = #result {
                    ::async_with::__private::resume_panic(#panic)
                }
                #leave
            }
        };
        let #suppressed = #suppress;
    }
}

/// Output: `match result { .. }` — the body's value, or its way out taken now that exit
/// has run: through the layer's leaves, unless the failure was suppressed.
fn replay(layer: &Layer) -> TokenStream {
    let names = &layer.names;
    let (result, suppressed) = (&names.result, &names.suppressed);
    let flow = quote!(::async_with::__private::AsyncWithBodyFlow);
    let (value, panic, returned, jump, failure) = (
        binding("value"),
        binding("interrupted"),
        binding("returned"),
        binding("jump"),
        binding("failure"),
    );
    let leaves = &layer.leaves;
    let (replay_return, replay_return_ok) = match &leaves.returns {
        Some((probed, ok)) => (probed.clone(), ok.clone()),
        None => (quote!(match #returned {}), quote!(match #returned {})),
    };
    let replay_jump = match leaves.jumps.len() {
        0 => quote!(match #jump {}),
        count => {
            let arms = leaves.jumps.iter().enumerate().map(|(index, leave)| {
                if index + 1 == count {
                    quote!(_ => #leave,)
                } else {
                    quote!(#index => #leave,)
                }
            });
            quote!(match #jump { #(#arms)* })
        }
    };
    let replay_fail = if leaves.sites.is_empty() {
        quote!(match #failure {})
    } else {
        let guard = &names.guard;
        let sieve = leaves.sieved;
        let sieve_traits = sieve.then(|| {
            quote!(
                use ::async_with::__private::{SievePass as _, SieveSuppressed as _};
            )
        });
        let arms = leaves.sites.iter().enumerate().map(|(index, leave)| {
            let pattern = site(index, quote!(#failure));
            if sieve {
                quote! {
                    #pattern => {
                        let #failure = (&::async_with::__private::Sieve::new(&#guard.context, #failure))
                            .__async_with_sieve();
                        #leave
                    }
                }
            } else {
                quote!(#pattern => #leave,)
            }
        });
        quote!({ #sieve_traits match #failure { #(#arms)* } })
    };
    let suppressed_or = |replay: TokenStream| {
        quote! {
            match #suppressed {
                ::core::option::Option::Some(#value) => #value,
                ::core::option::Option::None => #replay,
            }
        }
    };
    let on_return = suppressed_or(replay_return);
    let on_fail = suppressed_or(replay_fail);
    quote! {
        match #result {
            ::core::result::Result::Err(#panic) => ::async_with::__private::unwound(#panic, #suppressed),
            ::core::result::Result::Ok(#flow::Value(#value)) => #value,
            ::core::result::Result::Ok(#flow::ReturnOk(#returned)) => #replay_return_ok,
            ::core::result::Result::Ok(#flow::Jump(#jump)) => #replay_jump,
            ::core::result::Result::Ok(#flow::Return(#returned)) => #on_return,
            ::core::result::Result::Ok(#flow::Fail(#failure)) => #on_fail,
        }
    }
}

/// `suppress::<E>()` (any path ending in `suppress`, called with no arguments): the one
/// context whose failures of type `E` are sure to be swallowed, so their replay can be
/// typed as unreachable (`Sieve`). Found by syntax, because checking every block's
/// failures against its context's type costs build time in every block.
pub fn is_suppress(context: &Expr) -> bool {
    match context {
        Expr::Call(call) if call.args.is_empty() => matches!(
            &*call.func,
            Expr::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "suppress")
        ),
        Expr::Paren(inner) => is_suppress(&inner.expr),
        _ => false,
    }
}

/// The spans of the first and last tokens of an expression (or a type).
pub fn span_range(tokens: &impl quote::ToTokens) -> (Span, Span) {
    let mut tokens = tokens.to_token_stream().into_iter();
    let first = tokens.next().map_or_else(Span::call_site, |t| t.span());
    let last = tokens.last().map_or(first, |t| t.span());
    (first, last)
}

/// `AsyncContext::METHOD`, located over the context expression's whole range.
///
/// Every use of the protocol names it this way, and passes the context as
/// [`context_of`] gives it: a value that is not a context is then reported once (rustc keeps
/// one report per span and bound), over the user's expression, with nothing else to blame.
fn protocol(method: &str, first: Span, last: Span) -> TokenStream {
    let method = Ident::new(method, Span::call_site());
    stretch(quote!(::async_with::AsyncContext::#method), first, last)
}

/// `AsyncContext::METHOD(context REST)` for the guarded context, located as [`protocol`].
fn protocol_call(
    method: &str,
    (guard, borrow): (&Ident, Span),
    rest: TokenStream,
    first: Span,
    last: Span,
) -> TokenStream {
    let path = protocol(method, first, last);
    let context = context_of(guard, first, last, borrow);
    let mut args = Group::new(Delimiter::Parenthesis, quote!(#context #rest));
    args.set_span(last);
    quote!(#path #args)
}

/// `&mut guard.context`, as a call whose path spans the context expression: rustc blames
/// a failed bound on the innermost expression it can, and a call is located where its
/// path is (its parentheses, of another hygiene, do not widen it).
/// The borrow itself is at `borrow`.
fn context_of(guard: &Ident, first: Span, last: Span, borrow: Span) -> TokenStream {
    let borrowed = stretch(quote!(&mut #guard.context), borrow, borrow);
    at_context(borrowed, first, last)
}

/// `at_context(value)`, located over the context expression: a failed bound on the
/// value's type is reported there.
fn at_context(value: impl quote::ToTokens, first: Span, last: Span) -> TokenStream {
    located_call(
        quote!(::async_with::__private::at_context),
        value.into_token_stream(),
        (first, last),
    )
}

/// `PATH(ARGS)`, the call located over `first..last` (the arguments keep their spans).
fn located_call(path: TokenStream, args: TokenStream, (first, last): (Span, Span)) -> TokenStream {
    let path = stretch(path, first, last);
    let mut args = Group::new(Delimiter::Parenthesis, args);
    args.set_span(args.span().located_at(last));
    quote!(#path #args)
}

/// Locates `tokens` so that every expression in them that spans them all — and every
/// parenthesized argument list's contents — runs from `first` to `last`: each token at
/// `first`, the last one at each nesting level at `last`. Hygiene is kept.
pub fn stretch(tokens: TokenStream, first: Span, last: Span) -> TokenStream {
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
