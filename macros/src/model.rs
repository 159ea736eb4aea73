//! The typed model between the phases of `async_with!`: what the rewriter produces and
//! the expander turns into tokens.
//!
//! A call with several contexts is a chain of [`Layer`]s, the first context outermost
//! (S10). Each layer knows how its body leaves ([`Exits`]) and, already written out, how
//! the layer itself leaves toward its target ([`Leaves`]): the enclosing function for the
//! outermost layer, the enclosing layer's body for any other. Nothing is recognised by
//! the spelling of generated tokens.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Expr, Ident, Pat, Stmt};

/// One context around one body, rewritten.
pub struct Layer {
    pub names: Names,
    pub context: Expr,
    pub pat: Option<Pat>,
    pub body: Body,
    /// How the body leaves other than by finishing.
    pub exits: Exits,
    /// How the layer leaves toward its target.
    pub leaves: Leaves,
    /// The outermost layer of a call: its target is the enclosing function.
    pub outermost: bool,
    /// The return-type witness this layer declares: set on the outermost layer when
    /// anything inside it returns.
    pub declares_witness: bool,
    /// Where exit runs (the body's closing brace): exit's borrow of the context is located
    /// there, so a value that escapes the block is reported as borrowed by enter at the
    /// context and again by exit at the block's end.
    pub body_end: Span,
    /// The body's value may be an `Err` (S6): its type is probed, at this span (the
    /// tail's), after the body.
    pub probe_tail: Option<Span>,
}

/// What runs between enter and exit.
pub enum Body {
    /// The user's statements, rewritten, and the value the body gives.
    Block { stmts: Vec<Stmt>, tail: TokenStream },
    /// The next context of the same call (`a, b => ..` is `a => { b => .. }`).
    Inner(Box<Layer>),
}

/// How a body leaves by `return` (its failure sites and jumps are the layer's
/// [`Leaves`], one each).
#[derive(Default)]
pub struct Exits {
    /// Whether a `return` was rewritten (the `Flow` then carries the return type).
    pub returns: bool,
    /// Whether a returned value may be a failure (`return e`, not `return Ok(..)`).
    pub probed_returns: bool,
}

/// How a layer leaves toward its target, each written against a binding of the
/// layer's replay (`failure`, `returned`, `failed`).
pub struct Leaves {
    /// An enter or exit error, from `failed` (a `Result<_, E>` holding an `Err`).
    pub context_error: TokenStream,
    /// One per failing `?` or inner context error, in order: its payload, `failure`,
    /// leaves. Each is a [`site`] of the layer's failures and keeps the error's own
    /// type (S3).
    pub sites: Vec<TokenStream>,
    /// `returned` leaves: (may be a failure, is not one by syntax).
    pub returns: Option<(TokenStream, TokenStream)>,
    /// One per distinct outer `break`/`continue` target, by jump index.
    pub jumps: Vec<TokenStream>,
    /// The context is a literal `suppress::<E>()`: each failure is sieved before it leaves
    /// (its sites are `Site::Sieved`).
    pub sieved: bool,
}

/// A way of leaving with a failure that is not a `return` value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Site {
    /// A failing `?`: its residual, replayed with `?` where it leaves the function, so
    /// that it converts — and a mistake is reported — exactly as the user's `?` would.
    Residual,
    /// A failing `?` in the body of `suppress::<E>()`: its residual after the sieve,
    /// which is an uninhabited `Suppressed` when the error is `E` (so the function need
    /// not accept `E`); that cannot take a `?`, so it leaves through `from_residual`.
    Sieved,
    /// A context's enter or exit error, as `Result<(), E>`.
    ContextError,
}

/// An outer-aimed `break`/`continue`.
#[derive(Clone, PartialEq, Eq)]
pub struct Jump {
    pub is_break: bool,
    pub label: Option<syn::Lifetime>,
}

/// The generated identifiers of one layer. Mixed-site, so the user's code cannot see
/// them; numbered, so nested layers of one call do not shadow each other's items.
pub struct Names {
    pub witness: Ident,
    pub guard: Ident,
    pub context_type: Ident,
    pub value: Ident,
    pub keep: Ident,
    pub result: Ident,
    pub cut: Ident,
    pub outcome: Ident,
    pub exited: Ident,
    pub decision: Ident,
    pub suppressed: Ident,
}

impl Names {
    /// The names of layer `id`; `witness` is shared by every layer of a call.
    pub fn new(id: usize, witness: Ident) -> Self {
        let name =
            |what: &str| format_ident!("__async_with_{}{}", what, id, span = Span::mixed_site());
        Names {
            witness,
            guard: name("guard"),
            context_type: name("context_type"),
            value: name("value"),
            keep: name("keep"),
            result: name("result"),
            cut: name("cut"),
            outcome: name("outcome"),
            exited: name("exited"),
            decision: name("decision"),
            suppressed: name("suppressed"),
        }
    }
}

/// A binding of the generated `match` arms: mixed-site, so no item the user has in scope
/// (a `const value`, a unit `struct failure`) can turn it into a pattern.
pub fn binding(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// Failure site `index` of a layer, as an expression or a pattern around `inner`:
/// `Sites::Next(..Sites::Next(Sites::F0(inner))..)`, `index` levels deep. Each site keeps
/// its error with its own type, and no item is declared per block.
pub fn site(index: usize, inner: TokenStream) -> TokenStream {
    let sites = quote!(::async_with::__private::Sites);
    (0..index).fold(
        quote!(#sites::F0(#inner)),
        |nested, _| quote!(#sites::Next(#nested)),
    )
}

/// The failures of a layer with `count` sites: `Sites<_, Sites<_, ..Sites<_>>>`.
pub fn sites_type(count: usize) -> TokenStream {
    let sites = quote!(::async_with::__private::Sites);
    (1..count).fold(quote!(#sites<_>), |nested, _| quote!(#sites<_, #nested>))
}

/// The arm for the uninhabited end of a layer's failures, needed when they are matched
/// by reference: `Sites::Next(..(never)..) => match *never {}`.
pub fn sites_end_by_ref(count: usize) -> TokenStream {
    let never = binding("never");
    let sites = quote!(::async_with::__private::Sites);
    let pattern = (0..count).fold(quote!(#never), |nested, _| quote!(#sites::Next(#nested)));
    quote!(#pattern => match *#never {},)
}
