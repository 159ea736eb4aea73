//! Rewrites a body's control flow so that it leaves through the block's exit.
//!
//! Inside the body's async block, `e?`, `return e` and a `break`/`continue` aimed at a
//! loop outside the body become "leave the async block with this flow" (S3–S5); the
//! expansion replays the flow after exit has run. The rewriter stops where those keywords
//! get a meaning of their own: closures, async blocks, items, and loops or labels defined
//! inside the body. Nested `async_with!` calls are expanded here, eagerly, so that what
//! their expansion replays is rewritten for this body too (S11).

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Ident, Lifetime, Macro, Stmt, Token};

/// An outer-aimed `break`/`continue`, replayed after exit.
#[derive(Clone, PartialEq, Eq)]
pub struct Jump {
    pub is_break: bool,
    pub label: Option<Lifetime>,
}

/// A way of leaving the body with a failure that is not a `return` value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// A failing `?`: its residual, converted when it leaves the function.
    Residual,
    /// A nested context's enter or exit error.
    ContextError,
}

pub struct Rewriter<'a> {
    /// The return-type witness of this layer.
    pub witness: &'a Ident,
    /// The layer's local enum of failure sites.
    pub failures: &'a Ident,
    /// Whether a `return` whose value may be a failure was rewritten.
    pub probed_returns: bool,
    /// The failure sites, in order: each is a variant of `failures`.
    pub sites: Vec<Site>,
    /// Names for nested expansions.
    pub counter: &'a mut usize,
    /// Whether a `?` or `return` was rewritten (the layer then needs its witness).
    pub returns: bool,
    pub jumps: Vec<Jump>,
    pub errors: Option<syn::Error>,
    loop_depth: usize,
    labels: Vec<Lifetime>,
}

impl<'a> Rewriter<'a> {
    pub fn new(witness: &'a Ident, failures: &'a Ident, counter: &'a mut usize) -> Self {
        Rewriter {
            witness,
            failures,
            probed_returns: false,
            sites: Vec::new(),
            counter,
            returns: false,
            jumps: Vec::new(),
            errors: None,
            loop_depth: 0,
            labels: Vec::new(),
        }
    }

    fn error(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(errors) => errors.combine(error),
            None => self.errors = Some(error),
        }
    }

    /// `true` when a `break`/`continue` with this label (or none) leaves the body.
    fn leaves_body(&self, label: Option<&Lifetime>) -> bool {
        match label {
            Some(label) => !self.labels.iter().any(|l| l.ident == label.ident),
            None => self.loop_depth == 0,
        }
    }

    fn jump(&mut self, jump: Jump) -> usize {
        match self.jumps.iter().position(|j| *j == jump) {
            Some(index) => index,
            None => {
                self.jumps.push(jump);
                self.jumps.len() - 1
            }
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

    /// `return Flow::Fail(Failures::F{k}(payload))` for a new failure site.
    fn fail(&mut self, site: Site, payload: TokenStream, span: Span) -> Expr {
        let variant = variant(self.sites.len());
        self.sites.push(site);
        let flow = Self::flow();
        let failures = self.failures;
        syn::parse_quote_spanned!(span=> return #flow::Fail(#failures::#variant(#payload)))
    }

    /// `return Flow::Return(witness.ret(value))`, or `ReturnOk` for a value that is not
    /// a failure by its syntax.
    fn ret(&mut self, value: TokenStream, probed: bool, span: Span) -> Expr {
        self.returns = true;
        self.probed_returns |= probed;
        let witness = self.witness;
        let flow = Self::flow();
        let variant = if probed {
            quote!(Return)
        } else {
            quote!(ReturnOk)
        };
        syn::parse_quote_spanned!(span=> return #flow::#variant(#witness.ret(#value)))
    }

    fn flow() -> TokenStream {
        quote!(::async_with::__private::AsyncWithBodyFlow)
    }

    /// Rewrites the arguments of std's expression-taking macros (`println!`,
    /// `assert_eq!`, `vec!`, `write!`, `matches!`, …), which `syn` does not parse on its
    /// own (S16). Other macros are left alone: a `?`/`return`/`break` hidden inside them
    /// is a type error naming `AsyncWithBodyFlow`, never a skipped exit.
    fn rewrite_macro(&mut self, mac: &mut Macro) {
        let Some(name) = std_macro_name(mac) else {
            return;
        };
        let tokens = mac.tokens.clone();
        if name == "vec" {
            let repeat = |input: syn::parse::ParseStream| {
                let elem: Expr = input.parse()?;
                let semi: Token![;] = input.parse()?;
                let len: Expr = input.parse()?;
                Ok((elem, semi, len))
            };
            if let Ok((mut elem, semi, mut len)) = repeat.parse2(tokens.clone()) {
                self.visit_expr_mut(&mut elem);
                self.visit_expr_mut(&mut len);
                mac.tokens = quote!(#elem #semi #len);
                return;
            }
        }
        if name == "matches" {
            let scrutinee = |input: syn::parse::ParseStream| {
                let expr: Expr = input.parse()?;
                let rest: TokenStream = input.parse()?;
                Ok((expr, rest))
            };
            if let Ok((mut expr, rest)) = scrutinee.parse2(tokens) {
                self.visit_expr_mut(&mut expr);
                mac.tokens = quote!(#expr #rest);
            }
            return;
        }
        if let Ok(mut args) = Punctuated::<Expr, Token![,]>::parse_terminated.parse2(tokens) {
            for arg in args.iter_mut() {
                self.visit_expr_mut(arg);
            }
            mac.tokens = quote!(#args);
        }
    }

    /// Expands a nested `async_with!` in place and rewrites its expansion as part of this
    /// body.
    fn expand_nested(&mut self, mac: &Macro) -> Option<Expr> {
        if !is_async_with(mac) {
            return None;
        }
        let mut expr: Expr = crate::parse::with_input(mac.tokens.clone())
            .and_then(|input| crate::expand::with_layers(input, self.counter))
            .and_then(syn::parse2)
            .unwrap_or_else(|error| {
                let tokens = error.into_compile_error();
                syn::parse_quote!({ #tokens })
            });
        self.visit_expr_mut(&mut expr);
        Some(expr)
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
                let value = Ident::new("__async_with_value", Span::mixed_site());
                let residual = Ident::new("__async_with_residual", Span::mixed_site());
                let leave = self.fail(Site::Residual, quote!(#residual), span);
                *expr = syn::parse_quote_spanned! {span=>
                    match ::async_with::__private::Branch::branch(#inner) {
                        ::core::ops::ControlFlow::Continue(#value) => #value,
                        ::core::ops::ControlFlow::Break(#residual) => #leave,
                    }
                };
            }
            Expr::Return(ret) => {
                let span = ret.return_token.span;
                // What a nested expansion replays keeps its kind here.
                if let Some((kind, arg)) = ret.expr.as_deref().and_then(generated_leave) {
                    *expr = match kind {
                        Generated::ContextError => {
                            self.fail(Site::ContextError, quote!(#arg), span)
                        }
                        Generated::Residual => self.fail(Site::Residual, quote!(#arg), span),
                        Generated::NotFailed => self.ret(quote!(#arg), false, span),
                    };
                    return;
                }
                if let Some(value) = &mut ret.expr {
                    self.visit_expr_mut(value);
                }
                let probed = ret.expr.as_deref().is_some_and(|value| !is_success(value));
                let value = match &ret.expr {
                    Some(value) => quote!(#value),
                    None => quote_spanned!(span=> ()),
                };
                *expr = self.ret(value, probed, span);
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
                    let index = self.jump(Jump {
                        is_break: true,
                        label: brk.label.clone(),
                    });
                    let flow = Self::flow();
                    let span = brk.break_token.span;
                    *expr = syn::parse_quote_spanned!(span=> return #flow::Jump(#index));
                } else if let Some(value) = &mut brk.expr {
                    self.visit_expr_mut(value);
                }
            }
            Expr::Continue(cont) => {
                if self.leaves_body(cont.label.as_ref()) {
                    let index = self.jump(Jump {
                        is_break: false,
                        label: cont.label.clone(),
                    });
                    let flow = Self::flow();
                    let span = cont.continue_token.span;
                    *expr = syn::parse_quote_spanned!(span=> return #flow::Jump(#index));
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
                if let Some(expanded) = self.expand_nested(&mac.mac) {
                    *expr = expanded;
                } else {
                    self.rewrite_macro(&mut mac.mac);
                }
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        if let Stmt::Macro(mac) = stmt {
            if let Some(expanded) = self.expand_nested(&mac.mac) {
                *stmt = Stmt::Expr(expanded, mac.semi_token);
                return;
            }
            self.rewrite_macro(&mut mac.mac);
            return;
        }
        visit_mut::visit_stmt_mut(self, stmt);
    }

    // Items (fns, impls, consts, …) inside the body have their own control flow.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The name of failure site `index`'s variant.
pub fn variant(index: usize) -> Ident {
    quote::format_ident!("F{}", index)
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

enum Generated {
    ContextError,
    Residual,
    NotFailed,
}

/// Recognises the ways a nested expansion leaves the function, which the expansion
/// writes as calls into `::async_with::__private`.
fn generated_leave(value: &Expr) -> Option<(Generated, &Expr)> {
    fn private_path(path: &syn::Path, name: &str) -> bool {
        let segments: Vec<_> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        segments.len() == 3
            && segments[0] == "async_with"
            && segments[1] == "__private"
            && segments[2] == name
    }
    fn private_fn(func: &Expr, name: &str) -> bool {
        matches!(func, Expr::Path(path) if private_path(&path.path, name))
    }
    match value {
        Expr::MethodCall(call) if call.method == "leave" && call.args.is_empty() => match &*call
            .receiver
        {
            Expr::Struct(fail) if fail.fields.len() == 1 && private_path(&fail.path, "Fail") => {
                Some((Generated::ContextError, &fail.fields[0].expr))
            }
            _ => None,
        },
        Expr::Call(call) if call.args.len() == 1 && private_fn(&call.func, "from_residual") => {
            Some((Generated::Residual, &call.args[0]))
        }
        Expr::Call(call) if call.args.len() == 1 && private_fn(&call.func, "not_failed") => {
            Some((Generated::NotFailed, &call.args[0]))
        }
        _ => None,
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

/// The name of a std macro whose arguments are expressions, if `mac` is one.
fn std_macro_name(mac: &Macro) -> Option<String> {
    const STD_MACROS: &[&str] = &[
        "assert",
        "assert_eq",
        "assert_ne",
        "debug_assert",
        "debug_assert_eq",
        "debug_assert_ne",
        "dbg",
        "eprint",
        "eprintln",
        "format",
        "format_args",
        "matches",
        "panic",
        "print",
        "println",
        "todo",
        "unimplemented",
        "unreachable",
        "vec",
        "write",
        "writeln",
    ];
    let segments = &mac.path.segments;
    let last = segments.last()?;
    let prefixed = match segments.len() {
        1 => true,
        2 => ["std", "core", "alloc"]
            .iter()
            .any(|p| segments[0].ident == p),
        _ => false,
    };
    let name = last.ident.to_string();
    (prefixed && STD_MACROS.contains(&name.as_str())).then_some(name)
}
