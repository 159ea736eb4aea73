//! Tokens → a small typed model of an `async_with!` call or an `#[async_context]` item.

use proc_macro2::{Spacing, Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{Block, Expr, Pat, Token};

pub const GRAMMAR: &str = "the form is `async_with!(CONTEXT [as PATTERN], .. => { BODY })`";

/// `async_with!( CONTEXT [as PATTERN] {, CONTEXT [as PATTERN]} => BLOCK )`
pub struct WithInput {
    pub contexts: Vec<ContextItem>,
    pub body: Block,
}

pub struct ContextItem {
    pub expr: Expr,
    pub pat: Option<Pat>,
}

/// `tokio::time::timeout(d, future)` (or `timeout_at`) as a context: a future that
/// cancels by dropping, where `async_with::timeout(d)`, the scope, was meant. Only a path
/// naming `time::` is taken for tokio's: a two-argument `timeout` of the user's own may
/// be a context.
fn tokio_timeout(expr: &Expr) -> syn::Result<()> {
    let Expr::Call(call) = expr else {
        return Ok(());
    };
    let Expr::Path(path) = &*call.func else {
        return Ok(());
    };
    let names: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let tokio_timeout = matches!(
        names.as_slice(),
        [.., time, name] if time == "time" && (name == "timeout" || name == "timeout_at")
    );
    if !tokio_timeout || call.args.len() != 2 {
        return Ok(());
    }
    let name = &names[names.len() - 1];
    Err(syn::Error::new_spanned(
        expr,
        format!(
            "`time::{name}(.., future)` is tokio's: a future that cancels by dropping, not a context; for a scope that cuts the body and still runs every exit async, write `async_with::{name}(..)` here with the deadline only, and await the work in the body: `async_with!({name}(..) => {{ future.await }})`"
        ),
    ))
}

pub fn with_input(tokens: TokenStream) -> syn::Result<WithInput> {
    Parser::parse2(parse_with_input, tokens)
}

fn parse_with_input(input: ParseStream) -> syn::Result<WithInput> {
    if input.is_empty() {
        return Err(input.error(format!("expected a context: {GRAMMAR}")));
    }
    let mut contexts = Vec::new();
    loop {
        if input.peek(Token![=>]) {
            let msg = if contexts.is_empty() {
                format!("expected a context before `=>`: {GRAMMAR}")
            } else {
                format!("expected a context after `,`: {GRAMMAR}")
            };
            return Err(input.error(msg));
        }
        let (expr_tokens, stop) = tokens_until(input, true)?;
        if expr_tokens.is_empty() {
            return Err(input.error(format!("expected a context expression: {GRAMMAR}")));
        }
        closure_body(&expr_tokens)?;
        if input.is_empty() {
            missing_arrow(&expr_tokens)?;
        }
        let expr = Parser::parse2(
            |input: ParseStream| {
                let expr: Expr = input.parse()?;
                if !input.is_empty() {
                    return Err(input.error(format!(
                        "expected `as`, `,` or `=>` after the context expression: {GRAMMAR}"
                    )));
                }
                Ok(expr)
            },
            expr_tokens,
        )?;
        tokio_timeout(&expr)?;
        let pat = if stop == Stop::As {
            let as_token: Token![as] = input.parse()?;
            let (pat_tokens, _) = tokens_until(input, false)?;
            if input.is_empty() {
                missing_arrow(&pat_tokens)?;
            }
            if pat_tokens.is_empty() {
                return Err(syn::Error::new(
                    as_token.span,
                    format!(
                        "expected a pattern after `as`, such as `conn`, `mut tx`, `(a, b)` or `_`: {GRAMMAR}"
                    ),
                ));
            }
            Some(Parser::parse2(
                |input: ParseStream| {
                    let pat = Pat::parse_single(input)?;
                    if !input.is_empty() {
                        return Err(input
                            .error(format!("expected `,` or `=>` after the pattern: {GRAMMAR}")));
                    }
                    Ok(pat)
                },
                pat_tokens,
            )?)
        } else {
            None
        };
        contexts.push(ContextItem { expr, pat });
        if input.is_empty() {
            return Err(input.error(format!(
                "expected `=>` and a block after the context: {GRAMMAR}"
            )));
        }
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                return Err(input.error(format!("expected a context after `,`: {GRAMMAR}")));
            }
            continue;
        }
        if input.peek(Token![=>]) {
            break;
        }
        return Err(input.error(format!("expected `,`, `as` or `=>`: {GRAMMAR}")));
    }
    let arrow: Token![=>] = input.parse()?;
    if input.is_empty() {
        return Err(syn::Error::new(
            arrow.spans[1],
            format!("expected a block `{{ .. }}` after `=>`: {GRAMMAR}"),
        ));
    }
    if !input.peek(syn::token::Brace) {
        return Err(input.error(format!(
            "expected a block `{{ .. }}` after `=>`: {GRAMMAR}; wrap an expression in braces"
        )));
    }
    let body: Block = input.parse()?;
    if !input.is_empty() {
        return Err(input.error(format!("unexpected tokens after the block: {GRAMMAR}")));
    }
    Ok(WithInput { contexts, body })
}

/// `async_with!(ctx, |x| { .. })`: the body written as a closure, as callback-style APIs
/// take it.
fn closure_body(tokens: &TokenStream) -> syn::Result<()> {
    let mut iter = tokens.clone().into_iter().peekable();
    while let Some(TokenTree::Ident(ident)) = iter.peek() {
        if ident == "move" || ident == "async" {
            iter.next();
        } else {
            break;
        }
    }
    match iter.next() {
        Some(TokenTree::Punct(p)) if p.as_char() == '|' => Err(syn::Error::new(
            p.span(),
            format!(
                "`async_with!` takes the body as a block, not a closure: write `async_with!(context as x => {{ .. }})`; {GRAMMAR}"
            ),
        )),
        _ => Ok(()),
    }
}

/// `async_with!(ctx as x { .. })`: the block came without its `=>`.
fn missing_arrow(tokens: &TokenStream) -> syn::Result<()> {
    match tokens.clone().into_iter().last() {
        Some(TokenTree::Group(group)) if group.delimiter() == proc_macro2::Delimiter::Brace => {
            Err(syn::Error::new(
                group.span_open(),
                format!("expected `=>` before the block: {GRAMMAR}"),
            ))
        }
        _ => Ok(()),
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Stop {
    As,
    Other,
}

/// Takes the tokens of a context expression (or a pattern) up to a top-level `as`
/// (when `stop_at_as`), `,` or `=>`. A `,` inside a turbofish (`f::<A, B>()`) does not
/// stop it; a cast in a context expression needs parentheses.
fn tokens_until(input: ParseStream, stop_at_as: bool) -> syn::Result<(TokenStream, Stop)> {
    input.step(|cursor| {
        let mut rest = *cursor;
        let mut tokens = TokenStream::new();
        let mut angle = 0usize;
        let mut after_path_sep = false;
        let mut stop = Stop::Other;
        while let Some((tt, next)) = rest.token_tree() {
            match &tt {
                TokenTree::Ident(ident) if stop_at_as && angle == 0 && ident == "as" => {
                    stop = Stop::As;
                    break;
                }
                TokenTree::Punct(p) => match p.as_char() {
                    ',' if angle == 0 => break,
                    '=' if p.spacing() == Spacing::Joint
                        && next.punct().is_some_and(|(q, _)| q.as_char() == '>') =>
                    {
                        break;
                    }
                    ':' if p.spacing() == Spacing::Joint
                        && next.punct().is_some_and(|(q, _)| q.as_char() == ':') =>
                    {
                        tokens.extend(std::iter::once(tt));
                        let (colon, after) = next.punct().unwrap_or_else(|| unreachable!());
                        tokens.extend(std::iter::once(TokenTree::Punct(colon)));
                        rest = after;
                        after_path_sep = true;
                        continue;
                    }
                    '<' if after_path_sep => angle += 1,
                    '<' if angle > 0 => angle += 1,
                    '>' if angle > 0 => angle -= 1,
                    _ => {}
                },
                _ => {}
            }
            after_path_sep = false;
            tokens.extend(std::iter::once(tt));
            rest = next;
        }
        Ok(((tokens, stop), rest))
    })
}

/// The span of a block's opening brace, where errors about the block's type point.
pub fn block_span(block: &Block) -> Span {
    block.brace_token.span.open()
}
