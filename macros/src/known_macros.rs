//! The macro calls a body may contain, as the rewriter sees them (S16): std's expression
//! macros, tokio's `select!`/`join!`/`try_join!`, anyhow's and eyre's `bail!`/`ensure!`,
//! tracing's and log's event macros. Their arguments are parsed here and handed back as
//! expressions to rewrite; any other macro whose tokens hide a `?` or a `return` is named
//! in a compile error.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Macro, Token};

/// What a macro call is to the rewriter.
pub enum Kind {
    /// Its arguments are comma-separated expressions evaluated where the call is.
    Exprs,
    /// `vec![elem; len]` or a list.
    Vec,
    /// `matches!(expr, pattern)`: the scrutinee only.
    Matches,
    /// tokio's `select!`: branch futures, conditions and handlers.
    Select,
    /// anyhow's/eyre's `bail!`: a `return` of an error.
    Bail,
    /// anyhow's/eyre's `ensure!`: a conditional `return` of an error.
    Ensure,
    /// tracing's and log's event macros: fields, format arguments.
    Event,
    /// Something the rewriter cannot look into.
    Unknown,
}

const STD_EXPRS: &[&str] = &[
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
    "panic",
    "print",
    "println",
    "todo",
    "unimplemented",
    "unreachable",
    "write",
    "writeln",
];

const EVENTS: &[&str] = &["trace", "debug", "info", "warn", "error", "event", "log"];

pub fn kind(mac: &Macro) -> Kind {
    let segments = &mac.path.segments;
    let Some(last) = segments.last() else {
        return Kind::Unknown;
    };
    let name = last.ident.to_string();
    let prefix = match segments.len() {
        1 => None,
        2 => Some(segments[0].ident.to_string()),
        _ => return Kind::Unknown,
    };
    let from = |crates: &[&str]| prefix.as_deref().is_none_or(|p| crates.contains(&p));
    let name = name.as_str();
    if from(&["std", "core", "alloc"]) {
        if STD_EXPRS.contains(&name) {
            return Kind::Exprs;
        }
        if name == "vec" {
            return Kind::Vec;
        }
        if name == "matches" {
            return Kind::Matches;
        }
    }
    if from(&["tokio"]) {
        match name {
            "select" => return Kind::Select,
            "join" | "try_join" => return Kind::Exprs,
            _ => {}
        }
    }
    if from(&["anyhow", "eyre", "color_eyre"]) {
        match name {
            "bail" => return Kind::Bail,
            "ensure" => return Kind::Ensure,
            _ => {}
        }
    }
    if from(&["tracing", "log"]) && EVENTS.contains(&name) {
        return Kind::Event;
    }
    Kind::Unknown
}

/// Comma-separated expressions, each rewritten; `None` if they do not parse as such.
pub fn exprs(tokens: TokenStream, rewrite: &mut dyn FnMut(&mut Expr)) -> Option<TokenStream> {
    // tokio's `join!(biased; ..)`.
    let parse = |input: ParseStream| {
        let biased: Option<(syn::Ident, Token![;])> =
            if input.peek(syn::Ident) && input.peek2(Token![;]) {
                Some((input.parse()?, input.parse()?))
            } else {
                None
            };
        let args = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
        Ok((biased, args))
    };
    let (biased, mut args) = parse.parse2(tokens).ok()?;
    for arg in args.iter_mut() {
        rewrite(arg);
    }
    let biased = biased.map(|(ident, semi)| quote!(#ident #semi));
    Some(quote!(#biased #args))
}

/// `vec![elem; len]`.
pub fn vec_repeat(tokens: TokenStream, rewrite: &mut dyn FnMut(&mut Expr)) -> Option<TokenStream> {
    let repeat = |input: ParseStream| {
        let elem: Expr = input.parse()?;
        let semi: Token![;] = input.parse()?;
        let len: Expr = input.parse()?;
        Ok((elem, semi, len))
    };
    let (mut elem, semi, mut len) = repeat.parse2(tokens).ok()?;
    rewrite(&mut elem);
    rewrite(&mut len);
    Some(quote!(#elem #semi #len))
}

/// `matches!(expr, pattern)`: the scrutinee.
pub fn matches(tokens: TokenStream, rewrite: &mut dyn FnMut(&mut Expr)) -> Option<TokenStream> {
    let scrutinee = |input: ParseStream| {
        let expr: Expr = input.parse()?;
        let rest: TokenStream = input.parse()?;
        Ok((expr, rest))
    };
    let (mut expr, rest) = scrutinee.parse2(tokens).ok()?;
    rewrite(&mut expr);
    Some(quote!(#expr #rest))
}

/// tokio's `select! { [biased;] pat = fut [, if cond] => handler, .. [else => handler] }`:
/// the futures, conditions and handlers are evaluated in the enclosing async body, so a
/// `?` or `return` in them leaves it.
pub fn select(tokens: TokenStream, rewrite: &mut dyn FnMut(&mut Expr)) -> Option<TokenStream> {
    let parse = |input: ParseStream| {
        let mut out = TokenStream::new();
        if input.peek(syn::Ident) && input.peek2(Token![;]) {
            let biased: syn::Ident = input.parse()?;
            let semi: Token![;] = input.parse()?;
            out.extend(quote!(#biased #semi));
        }
        while !input.is_empty() {
            if input.peek(Token![else]) {
                let else_token: Token![else] = input.parse()?;
                let arrow: Token![=>] = input.parse()?;
                let mut handler: Expr = input.parse()?;
                rewrite(&mut handler);
                out.extend(quote!(#else_token #arrow #handler));
            } else {
                let pat = syn::Pat::parse_multi_with_leading_vert(input)?;
                let eq: Token![=] = input.parse()?;
                let mut future = Expr::parse_without_eager_brace(input)?;
                rewrite(&mut future);
                out.extend(quote!(#pat #eq #future));
                if input.peek(Token![,]) && input.peek2(Token![if]) {
                    let comma: Token![,] = input.parse()?;
                    let if_token: Token![if] = input.parse()?;
                    let mut cond = Expr::parse_without_eager_brace(input)?;
                    rewrite(&mut cond);
                    out.extend(quote!(#comma #if_token #cond));
                }
                let arrow: Token![=>] = input.parse()?;
                let mut handler: Expr = input.parse()?;
                rewrite(&mut handler);
                out.extend(quote!(#arrow #handler));
            }
            if input.peek(Token![,]) {
                let comma: Token![,] = input.parse()?;
                out.extend(quote!(#comma));
            }
        }
        Ok(out)
    };
    parse.parse2(tokens).ok()
}

/// `ensure!(cond [, message..])`: the condition, and the message's tokens if any.
pub fn ensure(tokens: TokenStream) -> Option<(Expr, Option<TokenStream>)> {
    let parse = |input: ParseStream| {
        let cond: Expr = input.parse()?;
        if input.is_empty() {
            return Ok((cond, None));
        }
        let _: Token![,] = input.parse()?;
        let message: TokenStream = input.parse()?;
        Ok((cond, (!message.is_empty()).then_some(message)))
    };
    parse.parse2(tokens).ok()
}

/// Whether an expression is better evaluated in the body itself than in a closure: its
/// tokens hold a `?`, a `return` or an `.await` (one inside a closure of its own stays
/// that closure's either way).
pub fn evaluates_in_body(expr: &Expr) -> bool {
    let tokens = expr.to_token_stream();
    hidden_exit(&tokens).is_some() || has_await(&tokens)
}

fn has_await(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == "await",
        TokenTree::Group(group) => has_await(&group.stream()),
        _ => false,
    })
}

/// tracing's and log's event macros: `target: ..`, `parent: ..`, `name: ..` settings,
/// `field = value` (with `%`/`?` sigils), `?value`/`%value` shorthands, a format string
/// and its arguments. Every value is rewritten; `None` if a segment does not parse.
pub fn event(tokens: TokenStream, rewrite: &mut dyn FnMut(&mut Expr)) -> Option<TokenStream> {
    let mut out = TokenStream::new();
    let mut first = true;
    for segment in split_commas(tokens) {
        if !first {
            out.extend(quote!(,));
        }
        first = false;
        out.extend(event_segment(segment, rewrite)?);
    }
    Some(out)
}

fn event_segment(segment: TokenStream, rewrite: &mut dyn FnMut(&mut Expr)) -> Option<TokenStream> {
    if segment.is_empty() {
        return Some(segment);
    }
    // `key: value` settings and `field = value` / `field.sub = value` (a sigil may lead
    // the value); `?value` / `%value`; or a plain expression.
    let parse = |input: ParseStream| {
        let fork = input.fork();
        let keyed = (|| -> syn::Result<TokenStream> {
            let mut key = TokenStream::new();
            loop {
                let part: syn::Ident = fork.call(syn::Ident::parse_any)?;
                key.extend(quote!(#part));
                if fork.peek(Token![.]) {
                    let dot: Token![.] = fork.parse()?;
                    key.extend(quote!(#dot));
                    continue;
                }
                break;
            }
            if fork.peek(Token![:]) && !fork.peek(Token![::]) {
                let colon: Token![:] = fork.parse()?;
                key.extend(quote!(#colon));
            } else {
                let eq: Token![=] = fork.parse()?;
                if fork.peek(Token![=]) {
                    return Err(fork.error("a comparison, not a field"));
                }
                key.extend(quote!(#eq));
            }
            Ok(key)
        })();
        let mut out = TokenStream::new();
        if let Ok(key) = keyed {
            use syn::parse::discouraged::Speculative;
            input.advance_to(&fork);
            out.extend(key);
        }
        if input.peek(Token![?]) {
            let sigil: Token![?] = input.parse()?;
            out.extend(quote!(#sigil));
        } else if input.peek(Token![%]) {
            let sigil: Token![%] = input.parse()?;
            out.extend(quote!(#sigil));
        }
        let mut value: Expr = input.parse()?;
        rewrite(&mut value);
        out.extend(value.into_token_stream());
        Ok(out)
    };
    parse.parse2(segment).ok()
}

/// Top-level comma-separated token runs (groups are single tokens, so nested commas
/// stay inside their runs).
fn split_commas(tokens: TokenStream) -> Vec<TokenStream> {
    let mut segments = vec![TokenStream::new()];
    for token in tokens {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => segments.push(TokenStream::new()),
            _ => segments
                .last_mut()
                .expect("there is always a segment")
                .extend([token]),
        }
    }
    if segments.last().is_some_and(TokenStream::is_empty) && segments.len() > 1 {
        segments.pop();
    }
    segments
}

/// Which of `?` and `return` a macro call's tokens hide, if any. A `?` counts when it
/// follows an expression's end (an identifier, a literal, a closing bracket): tracing's
/// `?value` sigil does not.
pub fn hidden_exit(tokens: &TokenStream) -> Option<&'static str> {
    let mut previous_ends_expr = false;
    for token in tokens.clone() {
        match &token {
            TokenTree::Ident(ident) if ident == "return" => return Some("return"),
            TokenTree::Punct(p) if p.as_char() == '?' && previous_ends_expr => return Some("?"),
            TokenTree::Group(group) => {
                if let Some(found) = hidden_exit(&group.stream()) {
                    return Some(found);
                }
            }
            _ => {}
        }
        previous_ends_expr = match &token {
            TokenTree::Ident(ident) => ident != "return",
            TokenTree::Literal(_) => true,
            TokenTree::Group(group) => group.delimiter() != Delimiter::None,
            TokenTree::Punct(_) => false,
        };
    }
    None
}
