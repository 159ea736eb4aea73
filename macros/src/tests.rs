//! The macros never panic: every malformed input becomes a `syn::Error` (a spanned
//! `compile_error!`), every well-formed one an expansion.

use proc_macro2::TokenStream;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;

fn tokens(text: &str) -> TokenStream {
    TokenStream::from_str(text).unwrap_or_else(|e| panic!("test input `{text}` does not lex: {e}"))
}

fn with(text: &str) -> Result<TokenStream, String> {
    let input = tokens(text);
    catch_unwind(AssertUnwindSafe(|| crate::async_with2(input)))
        .unwrap_or_else(|_| panic!("async_with! panicked on `{text}`"))
        .map_err(|e| e.to_string())
}

fn context(args: &str, item: &str) -> String {
    let (arg_tokens, item_tokens) = (tokens(args), tokens(item));
    catch_unwind(AssertUnwindSafe(|| {
        crate::async_context2(arg_tokens, item_tokens)
    }))
    .unwrap_or_else(|_| panic!("#[async_context({args})] panicked on `{item}`"))
    .to_string()
}

#[test]
fn malformed_async_with_calls_are_errors_naming_the_grammar() {
    let cases = [
        ("", "expected a context"),
        ("=> {}", "expected a context before `=>`"),
        ("a", "expected `=>`"),
        ("a as", "expected a pattern after `as`"),
        ("a as =>", "expected a pattern after `as`"),
        ("a as => {}", "expected a pattern after `as`"),
        ("a as x", "expected `=>`"),
        ("a as x {}", "expected `=>` before the block"),
        ("a {}", "expected `=>` before the block"),
        ("a =>", "expected a block"),
        ("a => x + 1", "expected a block"),
        ("a => {} extra", "unexpected tokens after the block"),
        ("a, => {}", "expected a context after `,`"),
        ("a,", "expected a context after `,`"),
        ("a as x, => {}", "expected a context after `,`"),
        ("a as x y => {}", "expected `,` or `=>` after the pattern"),
        (
            "a b => {}",
            "expected `as`, `,` or `=>` after the context expression",
        ),
        ("a as 1 + 2 => {}", ""),
        ("+ => {}", ""),
        ("a => { break 5; }", "`break` with a value cannot leave"),
        (
            "tokio::time::timeout(d, f) => {}",
            "write `async_with::timeout(..)`",
        ),
        (
            "time::timeout_at(t, f) as x => {}",
            "write `async_with::timeout_at(..)`",
        ),
    ];
    for (input, expected) in cases {
        let Err(error) = with(input) else {
            panic!("`{input}` expanded")
        };
        assert!(
            error.contains(expected),
            "`{input}`: expected an error containing `{expected}`, got `{error}`"
        );
    }
}

#[test]
fn a_mistake_in_a_nested_call_is_reported_as_the_outer_call_s_error() {
    for (input, expected) in [
        (
            "a => { loop { async_with!(b => { break 'x 1; }) } }",
            "`break` with a value",
        ),
        (
            "a => { async_with!(=> {}); }",
            "expected a context before `=>`",
        ),
    ] {
        let Err(error) = with(input) else {
            panic!("`{input}` expanded")
        };
        assert!(error.contains(expected), "`{input}`: {error}");
    }
}

#[test]
fn well_formed_async_with_calls_expand() {
    for input in [
        "a => {}",
        "a as x => { x }",
        "a as mut x, b as (c, d), e as _ => { f(x, c)?; return Ok(d); }",
        "f::<A, B>(1, 2) as x => { x }",
        "(n as u8).into() as x => {}",
        "a.await? as S { f, .. } => { 'l: loop { break 'l; } continue; }",
        "a => { println!(\"{}\", f()?); vec![g()?; 2]; matches!(h()?, Some(_)) }",
        "a => { async_with!(b as y => { y?; break; }); }",
        // A `timeout` of two arguments not from a `time` module may be the user's own.
        "timeout(a, b) as x => {}",
        "async_with::timeout(d) => {}",
    ] {
        with(input).unwrap_or_else(|e| panic!("`{input}`: {e}"));
    }
}

#[test]
fn malformed_async_context_items_are_errors_that_keep_the_item() {
    let impl_ok = "impl C { async fn exit(&mut self, o: Outcome<'_>) {} }";
    let cases = [
        ("", "enum E { A }", "cannot be used on an enum"),
        ("", "trait T {}", "cannot be used on a trait"),
        ("", "fn f() {}", "cannot be used on a function"),
        (
            "",
            "struct S;",
            "goes on the impl block of `S`, not on the struct",
        ),
        (
            "enter = open, exit = close",
            "struct S;",
            "goes on the impl block of `S`",
        ),
        ("", "const X: u8 = 1;", "cannot be used on this item"),
        ("", "impl C {}", "missing: `exit`"),
        ("x = 1", impl_ok, "unknown argument `x`"),
        ("spawn_exit", impl_ok, "unknown argument `spawn_exit`"),
        (
            "",
            "impl T for C { async fn exit(&mut self, o: Outcome<'_>) {} }",
            "not on a trait impl",
        ),
        (
            "",
            "impl C { fn exit(&mut self, o: Outcome<'_>) {} }",
            "must be an `async fn`",
        ),
        (
            "",
            "impl C { async fn exit(self, o: Outcome<'_>) {} }",
            "must take `&mut self`",
        ),
        (
            "",
            "impl C { async fn exit(o: Outcome<'_>) {} }",
            "must take `&mut self`",
        ),
        (
            "",
            "impl C { async fn exit(&mut self) {} }",
            "must take the outcome",
        ),
        (
            "",
            "impl C { async fn exit(&mut self, o: Outcome<'_>, x: u8) {} }",
            "takes only `self` and the outcome",
        ),
        (
            "",
            "impl C { async fn exit(&mut self, o: u8) {} }",
            "must be `outcome: Outcome<'_>`",
        ),
        (
            "",
            "impl C { async fn exit(&mut self, o: Outcome<'_>) -> bool {} }",
            "returns `bool`",
        ),
        (
            "",
            "impl C { async fn exit(&mut self, o: Outcome<'_>) -> Result<bool, E> {} }",
            "returns `bool`",
        ),
        (
            "",
            "impl C { async fn exit(&mut self, o: Outcome<'_>) -> u8 {} }",
            "must return `()`, `Exit`",
        ),
        (
            "",
            "impl C { async fn enter(&mut self, a: u8) {} async fn exit(&mut self, o: Outcome<'_>) {} }",
            "takes no arguments besides `self`",
        ),
        (
            "",
            "impl C { async fn cancel(&mut self) {} async fn exit(&mut self, o: Outcome<'_>) {} }",
            "must be a plain `fn`",
        ),
        (
            "",
            "impl C { fn cancel(&self) {} async fn exit(&mut self, o: Outcome<'_>) {} }",
            "`fn cancel(&mut self)`",
        ),
        (
            "",
            "impl C { fn cancel() {} async fn exit(&mut self, o: Outcome<'_>) {} }",
            "`fn cancel(&mut self)`",
        ),
        (
            "",
            "impl C { #[exit] async fn a(&mut self, o: Outcome<'_>) {} #[exit] async fn b(&mut self, o: Outcome<'_>) {} }",
            "a second method marked `#[exit]`",
        ),
        ("", "impl C { async fn exit }", "expected"),
        ("", "not an item", "expected"),
        ("", "", "expected"),
    ];
    for (args, item, expected) in cases {
        let out = context(args, item);
        assert!(
            out.contains("compile_error"),
            "`{item}`: no error in `{out}`"
        );
        assert!(
            out.contains(expected),
            "`{item}`: expected `{expected}` in `{out}`"
        );
        if item.starts_with("impl C") && !item.contains("exit }") {
            // The user's impl still goes out, with a placeholder trait impl.
            assert!(
                out.contains("impl C"),
                "`{item}`: the impl was dropped: `{out}`"
            );
            assert!(
                out.contains("AsyncContext for C"),
                "`{item}`: no placeholder: `{out}`"
            );
        }
    }
}

#[test]
fn every_mistake_of_an_impl_is_reported_at_once() {
    let out = context(
        "",
        "impl C { fn enter(self, a: u8) -> u8 { 1 } fn cancel() {} }",
    );
    for expected in [
        "must be an `async fn`",
        "must take `&mut self`",
        "takes no arguments besides `self`",
        "missing: `exit`",
        "`fn cancel(&mut self)`",
    ] {
        assert!(out.contains(expected), "expected `{expected}` in `{out}`");
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Random token sequences built from the pieces the grammar is made of, plus noise.
fn random_tokens(rng: &mut Rng, depth: u32) -> String {
    const PIECES: &[&str] = &[
        "a",
        "b",
        "as",
        "as",
        "=>",
        "=>",
        ",",
        ",",
        "?",
        "mut",
        "_",
        "x",
        "return",
        "break",
        "continue",
        "'l",
        "'l:",
        "loop",
        "async_with!",
        "println!",
        "vec!",
        ";",
        "1",
        "\"s\"",
        ".",
        "await",
        "::",
        "<",
        ">",
        "|",
        "&",
        "#",
        "!",
        "=",
        "+",
        "async",
        "move",
        "fn",
        "impl",
        "self",
        "Outcome",
        "enter",
        "exit",
        "cancel",
        "Result",
        "Exit",
        "->",
        "'_",
    ];
    let len = rng.next() % 12;
    let mut out = String::new();
    for _ in 0..len {
        match rng.next() % 8 {
            0 if depth < 3 => out += &format!(" {{{}}}", random_tokens(rng, depth + 1)),
            1 if depth < 3 => out += &format!(" ({})", random_tokens(rng, depth + 1)),
            2 if depth < 3 => out += &format!(" [{}]", random_tokens(rng, depth + 1)),
            _ => {
                out.push(' ');
                out += rng.pick(PIECES);
            }
        }
    }
    out
}

#[test]
fn random_token_sequences_never_panic_either_macro() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut expanded = 0;
    for i in 0..5_000u32 {
        // Every other input has the grammar's shape, with random parts.
        let text = if i.is_multiple_of(2) {
            random_tokens(&mut rng, 0)
        } else {
            let pattern = if rng.next().is_multiple_of(2) {
                " as x"
            } else {
                ""
            };
            format!(
                "{}{pattern} => {{ {} }}",
                rng.pick(&["a", "a.b()", "f()?", "x.await", "(a)"]),
                random_tokens(&mut rng, 1)
            )
        };
        let Ok(input) = TokenStream::from_str(&text) else {
            continue;
        };
        if with(&input.to_string()).is_ok() {
            expanded += 1;
        }
        let item = format!("impl C {{ {text} }}");
        if TokenStream::from_str(&item).is_ok() {
            let _ = context("", &item);
            let _ = context(
                &text,
                "impl C { async fn exit(&mut self, o: Outcome<'_>) {} }",
            );
        }
    }
    // Some random inputs are well-formed: the generator reaches the expansion too.
    assert!(expanded > 0);
}
