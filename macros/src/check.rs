//! Protocol checks for `#[async_context]`: every mistake of an impl is reported at once,
//! on the user's token, with the fix.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, ImplItemFn, ItemImpl, ReturnType, Type};

/// The error for anything in `#[async_context(..)]` but its two flags, naming it.
fn unknown_argument(name: &str) -> String {
    format!(
        "unknown argument `{name}`: expected one of `send` (its enter and exit futures are `Send`, for a `SendExitStack`) and `spawn_exit_on_cancel` (spawn the async exit when the block is cancelled), separated by commas, or no arguments"
    )
}

/// How an argument that is not a plain name is named in its error: its first token
/// (`retries` of `retries = 3`), or all of it.
fn argument_name(args: &TokenStream) -> String {
    match args.clone().into_iter().next() {
        Some(proc_macro2::TokenTree::Ident(ident)) => ident.to_string(),
        _ => args.to_string(),
    }
}

/// A checked `#[async_context]` impl block.
pub struct ContextModel {
    pub item: ItemImpl,
    /// `#[async_context(spawn_exit_on_cancel)]`: implement `SpawnExit` too.
    pub spawn_exit: bool,
    /// `#[async_context(send)]`: implement `SendAsyncContext` too.
    pub send: bool,
    pub enter: Option<Enter>,
    pub exit: Exit,
    pub cancel: Option<syn::Ident>,
}

pub struct Enter {
    pub name: syn::Ident,
    pub ret: Ret,
}

pub struct Exit {
    pub name: syn::Ident,
    pub ret: Ret,
    /// What exit decides: `()`, `Exit`, or a name `Exit` was imported as (the type
    /// checker confirms it through `ExitDecision`).
    pub decision: Box<Type>,
}

/// A method's return type as the protocol sees it.
pub enum Ret {
    /// `-> V` (or nothing): cannot fail.
    Plain(Box<Type>),
    /// `-> Result<V, E>`, or an alias such as `io::Result<V>`; `ok` is `V`; `unit_ok` is
    /// the same type with `()` for `V`, whose `Err` is the error type.
    Result { unit_ok: Box<Type>, ok: Box<Type> },
}

impl Ret {
    pub fn ok_type(&self) -> &Type {
        match self {
            Ret::Plain(ty) => ty,
            Ret::Result { ok, .. } => ok,
        }
    }
}

#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.add(syn::Error::new(span, message));
    }

    /// An error on every token of `tokens` (a whole type or parameter list, not just its
    /// first token).
    fn push_spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.add(syn::Error::new_spanned(tokens, message));
    }

    fn add(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }
}

const EXIT_SIGNATURE: &str = "async fn exit(&mut self, outcome: Outcome<'_>)";
const EXIT_RETURNS: &str = "returning `()`, `Exit`, `Result<(), E>` or `Result<Exit, E>`";

/// Checks an `#[async_context]` item. On error, returns the user's impl (markers removed)
/// alongside the errors, so that one mistake does not cascade.
pub fn context(
    args: TokenStream,
    item: TokenStream,
) -> Result<ContextModel, (syn::Error, TokenStream)> {
    let parsed: syn::Item = match syn::parse2(item.clone()) {
        Ok(parsed) => parsed,
        Err(error) => return Err((error, item)),
    };
    let mut item = match parsed {
        syn::Item::Impl(item) => item,
        syn::Item::Struct(item) => {
            let name = &item.ident;
            let message = format!(
                "`#[async_context]` goes on the impl block of `{name}`, not on the struct: it must see the signatures of `enter` and `exit` to write the context's types (Rust cannot name the types of methods defined elsewhere); write `#[async_context] impl {name} {{ .. }}` and mark methods with other names `#[enter]` / `#[exit]`"
            );
            return Err((
                syn::Error::new(item.struct_token.span, message),
                item.into_token_stream(),
            ));
        }
        other => {
            let (span, what) = match &other {
                syn::Item::Enum(e) => (e.enum_token.span, "an enum"),
                syn::Item::Trait(t) => (t.trait_token.span, "a trait"),
                syn::Item::Fn(f) => (f.sig.fn_token.span, "a function"),
                other => (other.span(), "this item"),
            };
            let message = format!(
                "`#[async_context]` cannot be used on {what}: put it on the impl block that defines `async fn exit` (and optionally `async fn enter`) for your type"
            );
            return Err((syn::Error::new(span, message), other.into_token_stream()));
        }
    };
    let mut errors = Errors::default();
    let (mut spawn_exit, mut send) = (false, false);
    let parser = syn::punctuated::Punctuated::<syn::Ident, syn::Token![,]>::parse_terminated;
    match syn::parse::Parser::parse2(parser, args.clone()) {
        Ok(idents) => {
            for arg in idents {
                let seen = match arg.to_string().as_str() {
                    "spawn_exit_on_cancel" => &mut spawn_exit,
                    "send" => &mut send,
                    _ => {
                        errors.push_spanned(&arg, unknown_argument(&arg.to_string()));
                        continue;
                    }
                };
                if std::mem::replace(seen, true) {
                    errors.push_spanned(&arg, format!("`{arg}` is given twice"));
                }
            }
        }
        Err(_) => errors.push_spanned(&args, unknown_argument(&argument_name(&args))),
    }
    if let Some((path, _)) = &item.trait_ {
        errors.push_spanned(
            path,
            "`#[async_context]` goes on an inherent impl block (`impl MyType { .. }`), not on a trait impl",
        );
    }

    let enter_idx = find(&mut item, "enter", &mut errors);
    let exit_idx = find(&mut item, "exit", &mut errors);
    let cancel_idx = find(&mut item, "cancel", &mut errors);

    let enter = enter_idx.map(|i| check_enter(method(&item, i), &mut errors));
    let exit = match exit_idx {
        Some(i) => Some(check_exit(method(&item, i), &mut errors)),
        None => {
            errors.push_spanned(
                &item.self_ty,
                format!(
                    "missing: `exit`; without it the resource would never be cleaned up: add `{EXIT_SIGNATURE}` ({EXIT_RETURNS}) to this impl block, or mark another async method `#[exit]`"
                ),
            );
            None
        }
    };
    let cancel = cancel_idx.map(|i| check_cancel(method(&item, i), &mut errors));
    match (errors.0, exit) {
        (None, Some(exit)) => Ok(ContextModel {
            item,
            spawn_exit,
            send,
            enter,
            exit,
            cancel,
        }),
        (Some(error), _) => Err((error, item.into_token_stream())),
        (None, None) => unreachable!("a missing exit is reported"),
    }
}

/// The method playing `role`: marked `#[role]`, else named `role`. Removes the marker.
fn find(item: &mut ItemImpl, role: &str, errors: &mut Errors) -> Option<usize> {
    let mut marked = None;
    let mut named = None;
    for (index, impl_item) in item.items.iter_mut().enumerate() {
        if let ImplItem::Fn(f) = impl_item {
            let before = f.attrs.len();
            f.attrs.retain(|attr| !attr.path().is_ident(role));
            if f.attrs.len() != before {
                if marked.is_some() {
                    errors.push(
                        f.sig.ident.span(),
                        format!("a second method marked `#[{role}]`: mark exactly one"),
                    );
                }
                marked.get_or_insert(index);
            } else if f.sig.ident == role {
                named = Some(index);
            }
        }
    }
    marked.or(named)
}

fn method(item: &ItemImpl, index: usize) -> &ImplItemFn {
    match &item.items[index] {
        ImplItem::Fn(f) => f,
        _ => unreachable!("`find` returns methods only"),
    }
}

fn check_receiver(f: &ImplItemFn, role: &str, errors: &mut Errors) {
    let span = f
        .sig
        .inputs
        .first()
        .map_or(f.sig.paren_token.span.join(), |arg| arg.span());
    let message = format!(
        "`{role}` must take `&mut self` (or `&self`): the context outlives the body so that exit can run"
    );
    match f.sig.inputs.first() {
        Some(FnArg::Receiver(receiver)) => {
            if by_reference(receiver).is_none() {
                errors.push(
                    span,
                    format!("{message}; `self` by value would be consumed"),
                );
            }
        }
        _ => errors.push(span, message),
    }
}

fn check_async(f: &ImplItemFn, role: &str, errors: &mut Errors) {
    if f.sig.asyncness.is_none() {
        errors.push(
            f.sig.fn_token.span,
            format!("`{role}` must be an `async fn`, because `async_with!` awaits it: write `async fn {}`", f.sig.ident),
        );
    }
}

fn check_enter(f: &ImplItemFn, errors: &mut Errors) -> Enter {
    check_async(f, "enter", errors);
    check_receiver(f, "enter", errors);
    let extra: Vec<_> = f.sig.inputs.iter().skip(1).collect();
    if !extra.is_empty() {
        errors.push_spanned(
            quote::quote!(#(#extra),*),
            "`enter` takes no arguments besides `self`: pass them when building the context (`Connection::new(addr)`), then `async_with!(conn as c => ..)`",
        );
    }
    let ret = ret_of(&f.sig.output);
    Enter {
        name: f.sig.ident.clone(),
        ret,
    }
}

fn check_exit(f: &ImplItemFn, errors: &mut Errors) -> Exit {
    check_async(f, "exit", errors);
    check_receiver(f, "exit", errors);
    let params: Vec<_> = f.sig.inputs.iter().skip(1).collect();
    match params.as_slice() {
        [] => errors.push(
            f.sig.paren_token.span.join(),
            format!("`exit` must take the outcome of the block: `{EXIT_SIGNATURE}` (name it `_outcome` if unused)"),
        ),
        [FnArg::Typed(arg)] => {
            if let Some(lifetime) = static_outcome(&arg.ty) {
                errors.push_spanned(
                    lifetime,
                    "`exit`'s outcome borrows how the block ended, which lives only as long as the block: write `Outcome<'_>`",
                );
            } else if !is_outcome(&arg.ty) {
                errors.push_spanned(
                    &arg.ty,
                    format!("`exit`'s parameter must be `outcome: Outcome<'_>`: `{EXIT_SIGNATURE}`"),
                );
            }
        }
        [other] => errors.push(other.span(), format!("expected `outcome: Outcome<'_>`: `{EXIT_SIGNATURE}`")),
        [_, extra @ ..] => errors.push_spanned(
            quote::quote!(#(#extra),*),
            format!("`exit` takes only `self` and the outcome: `{EXIT_SIGNATURE}`; pass other values when building the context"),
        ),
    }
    let ret = ret_of(&f.sig.output);
    let decision = ret.ok_type();
    // `()` and `Exit` are right; a name that is not std's may be `Exit` imported under
    // another name (`use async_with::Exit as Decision;`), which the type checker confirms.
    if !is_unit(decision) && !is_ident(decision, "Exit") && !may_be_renamed(decision) {
        let message = if is_ident(decision, "bool") {
            "`exit` returns `bool`: return `Exit` instead, with `Exit::Suppress` / `Exit::Propagate`; a bool turns suppression on by accident (Python's `__aexit__` returning a truthy value)".to_string()
        } else {
            format!(
                "`exit` must return `()`, `Exit`, `Result<(), E>` or `Result<Exit, E>`, found `{}`",
                decision.to_token_stream()
            )
        };
        errors.push_spanned(decision, message);
    }
    let decision = Box::new(decision.clone());
    Exit {
        name: f.sig.ident.clone(),
        ret,
        decision,
    }
}

fn check_cancel(f: &ImplItemFn, errors: &mut Errors) -> syn::Ident {
    if let Some(asyncness) = f.sig.asyncness {
        errors.push(
            asyncness.span,
            "`cancel` must be a plain `fn`: it runs while the block's future is being dropped, where nothing can be awaited",
        );
    }
    match f.sig.inputs.first() {
        Some(FnArg::Receiver(r)) if by_reference(r) == Some(true) => {}
        _ => errors.push(
            f.sig.paren_token.span.join(),
            "`cancel` must be `fn cancel(&mut self)`",
        ),
    }
    if f.sig.inputs.len() > 1 {
        let extra = f.sig.inputs.iter().skip(1);
        errors.push_spanned(
            quote::quote!(#(#extra),*),
            "`cancel` takes no arguments besides `&mut self`",
        );
    }
    f.sig.ident.clone()
}

fn ret_of(output: &ReturnType) -> Ret {
    let ty = match output {
        ReturnType::Default => return Ret::Plain(Box::new(syn::parse_quote!(()))),
        ReturnType::Type(_, ty) => &**ty,
    };
    if let Type::Path(path) = ty
        && let Some(last) = path.path.segments.last()
        && last.ident == "Result"
        && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(syn::GenericArgument::Type(ok)) = args.args.first()
    {
        let mut unit_ok = path.clone();
        if let Some(syn::PathArguments::AngleBracketed(args)) =
            unit_ok.path.segments.last_mut().map(|s| &mut s.arguments)
        {
            args.args[0] = syn::GenericArgument::Type(placeholder(ok));
        }
        return Ret::Result {
            unit_ok: Box::new(Type::Path(unit_ok)),
            ok: Box::new(ok.clone()),
        };
    }
    Ret::Plain(Box::new(ty.clone()))
}

/// A type standing for `ok` where its lifetimes cannot be named (the impl's associated
/// types): `fn(OK)`, whose elided lifetimes are the fn pointer's own. Its first and last
/// tokens take the spans of `ok`'s, so it covers the same source: an error about the
/// arguments of the user's `Result<..>` (`Result<&mut Self>`, which names no error type)
/// is then the same as rustc's on the signature itself, and reported once.
fn placeholder(ok: &Type) -> Type {
    let (first, last) = crate::expand::span_range(ok);
    let fn_token = syn::Token![fn](first);
    let mut args =
        proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, ok.to_token_stream());
    args.set_span(last);
    syn::parse2(quote!(#fn_token #args)).expect("a fn pointer type")
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

fn is_ident(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == name && s.arguments.is_none()))
}

/// `Outcome<'_>`, or a type that may be `Outcome` imported under another name: a path
/// whose last segment takes one lifetime (`O<'_>`); the type checker confirms it.
fn is_outcome(ty: &Type) -> bool {
    let Type::Path(p) = ty else {
        return false;
    };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if last.ident == "Outcome" {
        return true;
    }
    matches!(&last.arguments, syn::PathArguments::AngleBracketed(args)
        if args.args.len() == 1 && matches!(args.args[0], syn::GenericArgument::Lifetime(_)))
}

/// The `'static` of `Outcome<'static>`.
fn static_outcome(ty: &Type) -> Option<&syn::Lifetime> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Lifetime(lifetime)) if lifetime.ident == "static" => {
            Some(lifetime)
        }
        _ => None,
    }
}

/// A single-segment type name that is not one of std's common types: possibly `Exit`
/// under another name.
fn may_be_renamed(ty: &Type) -> bool {
    const STD: &[&str] = &[
        "bool", "char", "str", "String", "Option", "Result", "Vec", "Box", "u8", "u16", "u32",
        "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
    ];
    matches!(ty, Type::Path(p) if p.qself.is_none()
        && p.path.segments.len() == 1
        && p.path.segments[0].arguments.is_none()
        && !STD.iter().any(|name| p.path.segments[0].ident == name))
}

/// `Some(is_mut)` for `&self`/`&mut self` (or `self: &Self`/`self: &mut Self`).
fn by_reference(receiver: &syn::Receiver) -> Option<bool> {
    match &receiver.kind {
        syn::ReceiverKind::Reference(_, _, mutability) => Some(mutability.is_some()),
        syn::ReceiverKind::Typed(_, ty) => match &**ty {
            Type::Reference(r) => Some(r.mutability.is_some()),
            _ => None,
        },
        _ => None,
    }
}
