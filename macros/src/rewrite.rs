//! Rewrites a body's control flow so that it leaves through the layer's exit.
//!
//! Inside the body's async block, `e?`, `return e` and a `break`/`continue` aimed at a
//! loop outside the body become "leave the async block with this flow" (S3–S5); the
//! expansion replays the flow after exit has run. The rewriter stops where those keywords
//! get a meaning of their own: closures, async blocks, items, and loops or labels defined
//! inside the body.
//!
//! Every way a layer leaves goes through a [`Target`]: the enclosing function for the
//! outermost layer ([`Function`]), the enclosing layer's rewriter for any other. A nested
//! `async_with!` in a body is rewritten with this body's rewriter as its target and
//! expanded in place, so its replays are written for this body from the start (S11).

use crate::expand;
use crate::known_macros::{self, Kind};
use crate::model::{Body, Exits, Jump, Layer, Leaves, Names, Site, binding, site};
use crate::parse::{self, ContextItem, WithInput};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Ident, Lifetime, Macro, Stmt};

/// Where a layer's leaves go.
pub trait Target {
    /// A fresh layer number, for [`Names`].
    fn next_id(&mut self) -> usize;
    /// The witness of the enclosing function's return type.
    fn witness(&self) -> Ident;
    /// Rewrites a context expression evaluated inside this target: the `?` of a second
    /// context's expression leaves through the first context's exit (S10).
    fn context_expr(&mut self, expr: &mut Expr);
    /// Leaves with a failure whose payload is `payload`.
    fn fail(&mut self, site: Site, payload: TokenStream, span: Span) -> TokenStream;
    /// Leaves with `returned`, already of the function's return type; `probed` when the
    /// value may be a failure.
    fn ret(&mut self, returned: TokenStream, probed: bool, span: Span) -> TokenStream;
    /// Jumps to an outer loop.
    fn jump(&mut self, jump: &Jump, span: Span) -> TokenStream;
    /// Records a mistake; expansion goes on.
    fn error(&mut self, error: syn::Error);
}

/// The enclosing function (or closure, or async block): the outermost layer's target.
struct Function {
    next_id: usize,
    witness: Ident,
    /// Whether a layer returns: the outermost layer then declares the witness.
    returns: bool,
    errors: Option<syn::Error>,
}

impl Function {
    fn new() -> Self {
        Function {
            next_id: 0,
            witness: Ident::new("__async_with_witness", Span::mixed_site()),
            returns: false,
            errors: None,
        }
    }
}

impl Target for Function {
    fn next_id(&mut self) -> usize {
        self.next_id += 1;
        self.next_id - 1
    }

    fn witness(&self) -> Ident {
        self.witness.clone()
    }

    // The outermost context expression runs in the function itself.
    fn context_expr(&mut self, _: &mut Expr) {}

    fn fail(&mut self, site: Site, payload: TokenStream, span: Span) -> TokenStream {
        // All at the user's token (the `?`, the context), so a type error about leaving
        // the function points there.
        let private = quote_spanned!(span=> ::async_with::__private);
        match site {
            // The user's `?` again, on the residual it stopped at (`Result<Infallible, E>`
            // or `Option<Infallible>`), only here, where the function's type is known.
            Site::Residual => {
                let payload = crate::expand::stretch(payload, span, span);
                quote_spanned!(span=> match #payload? {})
            }
            Site::Sieved => quote_spanned!(span=> return #private::from_residual(#payload)),
            // `leave` for `Fail<Infallible>` is inherent and diverges: an infallible
            // context puts no demand on the function's return type.
            Site::ContextError => {
                // The path in parentheses: located over the context expression (the
                // layer stretches its leaves), it is where the failed bound is reported.
                let checks = quote_spanned!(span=> ::async_with::checks);
                quote_spanned!(span=> return (#checks::CanReturnError::__async_with_leave)(
                    #checks::Fail { error: #payload }.leave()
                ))
            }
        }
    }

    fn ret(&mut self, returned: TokenStream, _: bool, span: Span) -> TokenStream {
        self.returns = true;
        quote_spanned!(span=> return #returned)
    }

    fn jump(&mut self, jump: &Jump, span: Span) -> TokenStream {
        jump.replay(span)
    }

    fn error(&mut self, error: syn::Error) {
        combine(&mut self.errors, error);
    }
}

/// Rewrites the control flow of one layer's body, and is the target of the layers
/// nested in it.
pub struct Rewriter<'t> {
    target: &'t mut dyn Target,
    names: Names,
    /// Each failure site, with the user's token it came from (the `?`, the context).
    sites: Vec<(Site, Span)>,
    /// Each outer jump, with its first `break`/`continue` token.
    jumps: Vec<(Jump, Span)>,
    exits: Exits,
    loop_depth: usize,
    labels: Vec<Lifetime>,
}

/// Rewrites an outermost `async_with!` call: its leaves go to the enclosing function.
pub fn outermost(input: WithInput) -> syn::Result<Layer> {
    let mut function = Function::new();
    let mut layer = with(input, &mut function);
    if let Some(errors) = function.errors {
        return Err(errors);
    }
    layer.outermost = true;
    layer.declares_witness = function.returns;
    Ok(layer)
}

/// Rewrites the contexts and body of an `async_with!` call into layers whose leaves go to
/// `target`.
pub fn with(input: WithInput, target: &mut dyn Target) -> Layer {
    let WithInput { contexts, body } = input;
    let body_span = parse::block_span(&body);
    let body_end = body.brace_token.span.close();
    let body = braced_macro_tail_as_value(body);
    // S6: a tail that may be `Err(_)` is a failure for every context of the call, so each
    // layer probes the value the layer inside it gave (the tail's, unless an inner exit
    // suppressed it or failed).
    let probe_tail = match body.stmts.last() {
        Some(Stmt::Expr(tail, None)) if may_be_err(tail) => Some(tail.span()),
        _ => None,
    };
    let spans = BodySpans {
        body_span,
        body_end,
        probe_tail,
    };
    layer(contexts.into_iter(), body, spans, target)
}

/// Where a call's body is, shared by each of its layers.
#[derive(Clone, Copy)]
struct BodySpans {
    body_span: Span,
    body_end: Span,
    probe_tail: Option<Span>,
}

/// A braced macro call ending the body without `;` (`tokio::select! { .. }`) is its value,
/// as in plain Rust: made the tail expression.
fn braced_macro_tail_as_value(mut body: syn::Block) -> syn::Block {
    let tail = match body.stmts.pop() {
        Some(Stmt::Macro(mac))
            if mac.semi_token.is_none()
                && matches!(mac.mac.delimiter, syn::MacroDelimiter::Brace(_)) =>
        {
            Stmt::Expr(
                Expr::Macro(syn::ExprMacro {
                    attrs: mac.attrs,
                    mac: mac.mac,
                }),
                None,
            )
        }
        Some(other) => other,
        None => return body,
    };
    body.stmts.push(tail);
    body
}

fn layer(
    mut contexts: std::vec::IntoIter<ContextItem>,
    body: syn::Block,
    spans: BodySpans,
    target: &mut dyn Target,
) -> Layer {
    let BodySpans {
        body_span,
        body_end,
        probe_tail,
    } = spans;
    let ContextItem { mut expr, pat } = contexts.next().expect("the parser requires a context");
    target.context_expr(&mut expr);
    let id = target.next_id();
    let names = Names::new(id, target.witness());
    let mut rewriter = Rewriter {
        target,
        names,
        sites: Vec::new(),
        jumps: Vec::new(),
        exits: Exits::default(),
        loop_depth: 0,
        labels: Vec::new(),
    };
    let body = if contexts.len() > 0 {
        Body::Inner(Box::new(layer(contexts, body, spans, &mut rewriter)))
    } else {
        rewriter.block(body, body_span)
    };
    let leaves = rewriter.leaves(&expr);
    let Rewriter { names, exits, .. } = rewriter;
    Layer {
        names,
        context: expr,
        pat,
        body,
        exits,
        leaves,
        outermost: false,
        declares_witness: false,
        body_end,
        probe_tail,
    }
}

impl Rewriter<'_> {
    /// The body's statements, rewritten, and its tail as the flow's value. A body without
    /// a tail is `()` by syntax, even when it diverges on every path (edition 2024 would
    /// otherwise type it `!`); a tail that leaves (`return x`) stays a statement, as the
    /// flow's value it would be a diverging sub-expression.
    fn block(&mut self, mut body: syn::Block, body_span: Span) -> Body {
        self.visit_block_mut(&mut body);
        let mut stmts = body.stmts;
        let unit = quote_spanned!(body_span=> ());
        let tail = match stmts.pop() {
            Some(Stmt::Expr(tail, None)) if !leaves(&tail) => quote!(#tail),
            Some(Stmt::Expr(tail, None)) => {
                stmts.push(Stmt::Expr(tail, Some(Default::default())));
                unit
            }
            Some(other) => {
                stmts.push(other);
                unit
            }
            None => unit,
        };
        Body::Block { stmts, tail }
    }

    /// How this layer leaves toward its target, at the context expression's span (so
    /// type errors about the context are reported there).
    fn leaves(&mut self, context: &Expr) -> Leaves {
        let span = context.span();
        let failed = binding("failed");
        let failure = binding("failure");
        let returned = binding("returned");
        let context_error = self.target.fail(Site::ContextError, quote!(#failed), span);
        let sieved = crate::expand::is_suppress(context);
        let sites = self
            .sites
            .clone()
            .into_iter()
            .map(|(site, at)| {
                let site = match site {
                    Site::Residual if sieved => Site::Sieved,
                    site => site,
                };
                self.target.fail(site, quote!(#failure), at)
            })
            .collect();
        let returns = self.exits.returns.then(|| {
            let probed = self.exits.probed_returns;
            (
                self.target.ret(quote!(#returned), probed, span),
                self.target.ret(quote!(#returned), false, span),
            )
        });
        let jumps = self
            .jumps
            .clone()
            .iter()
            .map(|(jump, at)| self.target.jump(jump, *at))
            .collect();
        Leaves {
            context_error,
            sites,
            returns,
            jumps,
            sieved,
        }
    }

    /// `true` when a `break`/`continue` with this label (or none) leaves the body.
    fn leaves_body(&self, label: Option<&Lifetime>) -> bool {
        match label {
            Some(label) => !self.labels.iter().any(|l| l.ident == label.ident),
            None => self.loop_depth == 0,
        }
    }

    fn in_loop(&mut self, label: Option<&syn::Label>, f: impl FnOnce(&mut Self)) {
        self.loop_depth += 1;
        if let Some(label) = label {
            self.labels.push(label.name.clone());
        }
        f(self);
        if label.is_some() {
            self.labels.pop();
        }
        self.loop_depth -= 1;
    }

    /// A macro call in the body (S16): the arguments of the macros the rewriter knows
    /// are rewritten in place; `bail!`/`ensure!` become the `return` they hide (the
    /// replacement expression); any other macro whose tokens hide a `?` or `return` is an
    /// error at the call, naming it.
    fn rewrite_macro(&mut self, mac: &mut Macro) -> Option<Expr> {
        let last = mac.path.segments.last()?;
        let (name, span) = (last.ident.to_string(), last.ident.span());
        let kind = known_macros::kind(mac);
        let tokens = mac.tokens.clone();
        let mut rewrite = |expr: &mut Expr| self.visit_expr_mut(expr);
        let rewritten = match kind {
            Kind::Exprs => known_macros::exprs(tokens, &mut rewrite),
            Kind::Vec => known_macros::vec_repeat(tokens.clone(), &mut rewrite)
                .or_else(|| known_macros::exprs(tokens, &mut rewrite)),
            Kind::Matches => known_macros::matches(tokens, &mut rewrite),
            Kind::Select => known_macros::select(tokens, &mut rewrite),
            Kind::Event => known_macros::event(tokens, &mut rewrite),
            // `bail!(..)` is `return Err(..)`: the error is built in a closure of its own
            // (the macro's `return` is the closure's), then returned from the body.
            Kind::Bail => {
                let built = quote_spanned!(span=> (|| { #mac })());
                return Some(self.user_ret(built, true, span));
            }
            // `ensure!(cond, ..)` returns that error when `cond` is false.
            Kind::Ensure => return Some(self.ensure(mac, span)),
            Kind::Unknown => None,
        };
        match rewritten {
            Some(rewritten) => mac.tokens = rewritten,
            // Not looked into (an unknown macro, or arguments that did not parse): a `?`
            // or `return` in its tokens is an error naming it.
            None => {
                if let Some(what) = known_macros::hidden_exit(&mac.tokens) {
                    self.error(syn::Error::new(
                        span,
                        format!(
                            "`{what}` inside `{name}!(..)` is hidden from `async_with!`, so the context's exit could not run first: move the `{what}` out of the macro call (bind the value to a variable before it)"
                        ),
                    ));
                }
            }
        }
        None
    }

    /// A nested `async_with!`, rewritten with this body as its target and expanded in
    /// place.
    fn nested(&mut self, mac: &Macro) -> Option<Expr> {
        if !is_async_with(mac) {
            return None;
        }
        let tokens = match parse::with_input(mac.tokens.clone()) {
            Ok(input) => expand::layer(&with(input, self)),
            Err(error) => {
                self.error(error);
                quote!(())
            }
        };
        // A block expression, so that the printer parenthesizes it where a statement
        // could not start with it.
        Some(Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block: syn::Block {
                brace_token: Default::default(),
                stmts: vec![Stmt::Expr(Expr::Verbatim(tokens), None)],
            },
        }))
    }

    /// `ensure!(cond, ..)`: the macro's error is built in a closure of its own (the
    /// macro's `return` is the closure's) and returned from the body when `cond` is false.
    ///
    /// A condition with a `?` (or an `.await`, or a `return`) is evaluated in the body
    /// instead, rewritten like any expression there, so a failing `?` in it leaves through
    /// exit with its own error type (S3); the macro then only builds the error, from
    /// `false` — with the user's message, or without one with the message it gives for
    /// the condition's text:
    ///
    /// ```text
    /// match cond { true => {}, false => match (|| { ensure!(false, "{}", concat!("Condition failed: `", stringify!(cond), "`")); Ok(()) })() { Ok(()) => {}, Err(e) => LEAVE } }
    /// ```
    fn ensure(&mut self, mac: &Macro, span: Span) -> Expr {
        let error = binding("__async_with_error");
        let leave = self.user_ret(
            quote_spanned!(span=> ::core::result::Result::Err(#error)),
            true,
            span,
        );
        let build = |mac: &Macro| -> Expr {
            syn::parse_quote_spanned! {span=>
                match (|| { #mac; ::core::result::Result::Ok(()) })() {
                    ::core::result::Result::Ok(()) => {}
                    ::core::result::Result::Err(#error) => #leave,
                }
            }
        };
        let parsed = known_macros::ensure(mac.tokens.clone());
        let Some((mut cond, message)) =
            parsed.filter(|(cond, _)| known_macros::evaluates_in_body(cond))
        else {
            return build(mac);
        };
        let message = message.unwrap_or_else(|| {
            quote_spanned! {span=>
                "{}", ::core::concat!("Condition failed: `", ::core::stringify!(#cond), "`")
            }
        });
        self.visit_expr_mut(&mut cond);
        let mut from_false = mac.clone();
        from_false.tokens = quote_spanned!(span=> false, #message);
        let build = build(&from_false);
        // A `match`, not `if !(cond)`: clippy would read the negation as the user's.
        syn::parse_quote_spanned! {span=>
            match #cond {
                true => {}
                false => #build,
            }
        }
    }

    fn user_ret(&mut self, value: TokenStream, probed: bool, span: Span) -> Expr {
        // At the `return`: a value of the wrong type is an argument of this call.
        let mut witness = self.names.witness.clone();
        witness.set_span(witness.span().located_at(span));
        let tokens = self.ret(quote_spanned!(span=> (#witness.ret)(#value)), probed, span);
        syn::parse_quote!(#tokens)
    }
}

impl Target for Rewriter<'_> {
    fn next_id(&mut self) -> usize {
        self.target.next_id()
    }

    fn witness(&self) -> Ident {
        self.names.witness.clone()
    }

    fn context_expr(&mut self, expr: &mut Expr) {
        self.visit_expr_mut(expr);
    }

    fn fail(&mut self, kind: Site, payload: TokenStream, span: Span) -> TokenStream {
        // A context's failed enter or exit (`Result<V, E>`) is kept as `Result<(), E>`.
        let payload = match kind {
            Site::ContextError => quote!(#payload.map(::core::mem::drop)),
            _ => payload,
        };
        let failure = site(self.sites.len(), payload);
        self.sites.push((kind, span));
        quote_spanned!(span=> return #FLOW::Fail(#failure))
    }

    fn ret(&mut self, returned: TokenStream, probed: bool, span: Span) -> TokenStream {
        self.exits.returns = true;
        self.exits.probed_returns |= probed;
        let variant = if probed {
            quote!(Return)
        } else {
            quote!(ReturnOk)
        };
        quote_spanned!(span=> return #FLOW::#variant(#returned))
    }

    fn jump(&mut self, jump: &Jump, span: Span) -> TokenStream {
        if !self.leaves_body(jump.label.as_ref()) {
            // Aimed at a loop inside this body: the jump happens here.
            return jump.replay(span);
        }
        let index = match self.jumps.iter().position(|(j, _)| j == jump) {
            Some(index) => index,
            None => {
                self.jumps.push((jump.clone(), span));
                self.jumps.len() - 1
            }
        };
        quote_spanned!(span=> return #FLOW::Jump(#index))
    }

    fn error(&mut self, error: syn::Error) {
        self.target.error(error);
    }
}

/// The body's flow type, as the rewriter names it.
struct FlowPath;
const FLOW: FlowPath = FlowPath;

impl quote::ToTokens for FlowPath {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(quote!(::async_with::__private::AsyncWithBodyFlow));
    }
}

impl VisitMut for Rewriter<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            // These give `?`, `return`, `break` and `continue` a meaning of their own.
            Expr::Closure(_) | Expr::Async(_) | Expr::Const(_) => {}
            Expr::Try(try_expr) => {
                self.visit_expr_mut(&mut try_expr.expr);
                let inner = &try_expr.expr;
                let span = try_expr.question_token.span;
                let value = binding("__async_with_value");
                let residual = binding("__async_with_residual");
                let private = private();
                let leave = self.fail(Site::Residual, quote!(#residual), span);
                *expr = syn::parse_quote_spanned! {span=>
                    match #private::Branch::branch(#inner) {
                        ::core::ops::ControlFlow::Continue(#value) => #value,
                        ::core::ops::ControlFlow::Break(#residual) => #leave,
                    }
                };
            }
            Expr::Return(ret) => {
                let span = ret.return_token.span;
                if let Some(value) = &mut ret.expr {
                    self.visit_expr_mut(value);
                }
                let probed = ret.expr.as_deref().is_some_and(|value| !is_success(value));
                let value = match &ret.expr {
                    Some(value) => quote!(#value),
                    None => quote_spanned!(span=> ()),
                };
                *expr = self.user_ret(value, probed, span);
            }
            Expr::Break(brk) => {
                if self.leaves_body(brk.label.as_ref()) {
                    if let Some(value) = &brk.expr {
                        self.error(syn::Error::new(
                            value.span(),
                            "`break` with a value cannot leave an `async_with!` body: assign the value to a variable declared before the block, then `break`",
                        ));
                        return;
                    }
                    let jump = Jump {
                        is_break: true,
                        label: brk.label.clone(),
                    };
                    let tokens = self.jump(&jump, brk.break_token.span);
                    *expr = syn::parse_quote!(#tokens);
                } else if let Some(value) = &mut brk.expr {
                    self.visit_expr_mut(value);
                }
            }
            Expr::Continue(cont) => {
                if self.leaves_body(cont.label.as_ref()) {
                    let jump = Jump {
                        is_break: false,
                        label: cont.label.clone(),
                    };
                    let tokens = self.jump(&jump, cont.continue_token.span);
                    *expr = syn::parse_quote!(#tokens);
                }
            }
            Expr::Loop(lp) => {
                let label = lp.label.clone();
                self.in_loop(label.as_ref(), |this| this.visit_block_mut(&mut lp.body));
            }
            Expr::While(wh) => {
                let label = wh.label.clone();
                self.in_loop(label.as_ref(), |this| {
                    this.visit_expr_mut(&mut wh.cond);
                    this.visit_block_mut(&mut wh.body);
                });
            }
            Expr::ForLoop(fl) => {
                self.visit_expr_mut(&mut fl.expr);
                let label = fl.label.clone();
                self.in_loop(label.as_ref(), |this| this.visit_block_mut(&mut fl.body));
            }
            Expr::Block(block) if block.label.is_some() => {
                // A labelled block is a target for `break 'label` only; an unlabelled
                // `break` inside it still aims at the enclosing loop.
                let label = block.label.as_ref().map(|l| l.name.clone());
                self.labels.extend(label);
                self.visit_block_mut(&mut block.block);
                self.labels.pop();
            }
            Expr::Macro(mac) => {
                if let Some(expanded) = self.nested(&mac.mac) {
                    *expr = expanded;
                } else if let Some(replaced) = self.rewrite_macro(&mut mac.mac) {
                    *expr = replaced;
                }
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        if let Stmt::Macro(mac) = stmt {
            if let Some(expanded) = self.nested(&mac.mac) {
                *stmt = Stmt::Expr(expanded, mac.semi_token);
                return;
            }
            if let Some(replaced) = self.rewrite_macro(&mut mac.mac) {
                *stmt = Stmt::Expr(replaced, mac.semi_token);
            }
            return;
        }
        visit_mut::visit_stmt_mut(self, stmt);
    }

    // Items (fns, impls, consts, …) inside the body have their own control flow.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

impl Jump {
    /// The jump itself: `break 'label` / `continue`.
    fn replay(&self, span: Span) -> TokenStream {
        let label = &self.label;
        if self.is_break {
            quote_spanned!(span=> break #label)
        } else {
            quote_spanned!(span=> continue #label)
        }
    }
}

fn private() -> TokenStream {
    quote!(::async_with::__private)
}

fn combine(errors: &mut Option<syn::Error>, error: syn::Error) {
    match errors {
        Some(errors) => errors.combine(error),
        None => *errors = Some(error),
    }
}

/// `return ..`, `break ..`, `continue ..`, and a `loop` that no `break` ends: expressions
/// that never give a value (as the flow's value, a `loop {}` would make the block `!`).
fn leaves(expr: &Expr) -> bool {
    match expr {
        Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => true,
        // Every arm leaves: as a value it would have type `!`.
        Expr::Match(m) => !m.arms.is_empty() && m.arms.iter().all(|arm| leaves(&arm.body)),
        Expr::If(i) => {
            block_leaves(&i.then_branch) && i.else_branch.as_ref().is_some_and(|(_, e)| leaves(e))
        }
        Expr::Block(b) if b.label.is_none() => block_leaves(&b.block),
        Expr::Macro(mac) => ["panic", "unreachable", "todo", "unimplemented"]
            .iter()
            .any(|name| mac.mac.path.is_ident(name)),
        Expr::Loop(lp) => {
            let mut finder = BreakFinder {
                label: lp.label.as_ref().map(|l| l.name.ident.to_string()),
                depth: 0,
                found: false,
            };
            finder.visit_block_mut(&mut lp.body.clone());
            !finder.found
        }
        _ => false,
    }
}

/// A block whose last statement leaves.
fn block_leaves(block: &syn::Block) -> bool {
    match block.stmts.last() {
        Some(Stmt::Expr(expr, _)) => leaves(expr),
        Some(Stmt::Macro(mac)) => ["panic", "unreachable", "todo", "unimplemented"]
            .iter()
            .any(|name| mac.mac.path.is_ident(name)),
        _ => false,
    }
}

/// Finds a `break` that ends a given loop: unlabelled outside inner loops, or with its
/// label.
struct BreakFinder {
    label: Option<String>,
    depth: usize,
    found: bool,
}

impl VisitMut for BreakFinder {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Closure(_) | Expr::Async(_) | Expr::Const(_) => {}
            Expr::Break(brk) => {
                self.found |= match &brk.label {
                    Some(label) => self.label.as_deref() == Some(&label.ident.to_string()),
                    None => self.depth == 0,
                };
                visit_mut::visit_expr_break_mut(self, brk);
            }
            Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) => {
                self.depth += 1;
                visit_mut::visit_expr_mut(self, expr);
                self.depth -= 1;
            }
            // A macro other than std's may hide a `break`: count it as one.
            Expr::Macro(mac) => self.found |= may_hide_break(&mac.mac),
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        if let Stmt::Macro(mac) = stmt {
            self.found |= may_hide_break(&mac.mac);
            return;
        }
        visit_mut::visit_stmt_mut(self, stmt);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// A body's value that may be an `Err(_)` (S6): anything but what is plainly not one by
/// its syntax (literals, arithmetic, `Ok(..)`/`Some(..)`, tuples, arrays, references,
/// struct literals, ranges, std's `format!`/`vec!`), and anything but a value that leaves
/// (`return`, an endless `loop`). Blocks without such a tail pay nothing for the probe.
fn may_be_err(tail: &Expr) -> bool {
    match tail {
        Expr::Lit(_)
        | Expr::Binary(_)
        | Expr::Unary(_)
        | Expr::Tuple(_)
        | Expr::Array(_)
        | Expr::Repeat(_)
        | Expr::Reference(_)
        | Expr::Struct(_)
        | Expr::Range(_)
        | Expr::Cast(_)
        | Expr::Closure(_)
        | Expr::Async(_)
        | Expr::Assign(_) => false,
        Expr::Paren(inner) => may_be_err(&inner.expr),
        Expr::Call(_) => !is_success(tail),
        Expr::Macro(mac) => {
            !(mac.mac.path.is_ident("format")
                || mac.mac.path.is_ident("vec")
                || is_async_with(&mac.mac))
        }
        other => !leaves(other),
    }
}

/// `return` values that are not failures by their syntax: `()`, `Ok(..)`, `Some(..)`.
/// Such a return needs no look at its type, which may not be fully known yet.
fn is_success(value: &Expr) -> bool {
    match value {
        Expr::Tuple(t) => t.elems.is_empty(),
        Expr::Call(call) => {
            matches!(&*call.func, Expr::Path(p) if p.path.is_ident("Ok") || p.path.is_ident("Some"))
        }
        Expr::Paren(p) => is_success(&p.expr),
        _ => false,
    }
}

/// `async_with!`, `async_with::async_with!` or `::async_with::async_with!`.
fn is_async_with(mac: &Macro) -> bool {
    let segments = &mac.path.segments;
    match segments.len() {
        1 => segments[0].ident == "async_with",
        2 => segments[0].ident == "async_with" && segments[1].ident == "async_with",
        _ => false,
    }
}

/// Whether a macro call may hold a `break`: any macro but those whose arguments are
/// plain expressions (std's, tracing's and log's events, `join!`) or that only return.
fn may_hide_break(mac: &Macro) -> bool {
    matches!(known_macros::kind(mac), Kind::Select | Kind::Unknown)
}
