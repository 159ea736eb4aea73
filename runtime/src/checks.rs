//! The checks an `async_with!` block makes of its surroundings, by the names compile
//! errors give them.
//!
//! You never implement or call these traits: `async_with!` does. They are public so that
//! an error that names one (in its `help: the trait … is not implemented` line) names
//! something you can look up here, with what it means and how to fix it.

use crate::Exit;
use std::convert::Infallible;
use std::marker::PhantomData;

/// `Self` (the enclosing function's return type) can return the error `E` of a context
/// in the block — from its enter, its exit, or a scope's cut — as `?` would: it is a
/// `Result<_, F>` with `F: From<E>`.
///
/// A context whose error type is [`Infallible`] puts no demand on the function. To fix the
/// error, return a `Result` whose error converts from `E`, or put `suppress::<E>()` before
/// the context in the same `async_with!` to move on after the failure.
///
/// ```compile_fail,E0277
/// use async_with::{async_with, timeout};
/// use std::time::Duration;
///
/// async fn poll_sensor() {
///     // `timeout` fails with `Elapsed`, and `poll_sensor` returns `()`.
///     async_with!(timeout(Duration::from_secs(1)) => {});
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "this context can fail with `{E}`, so the enclosing function must return a `Result` whose error converts from it",
    label = "this context can fail with `{E}` (from its enter or exit, or a scope's cut), but the enclosing function returns `{Self}`",
    note = "return a `Result<_, E>` whose error type `E` converts from `{E}`: give your error type an `impl From<{E}>`, or use one that converts from any error (`Box<dyn Error + Send + Sync>`, `anyhow::Error`)",
    note = "to move on after the failure instead, put `suppress::<{E}>()` before this context in the same `async_with!` (the block then gives `()`)"
)]
pub trait CanReturnError<E, Kind = Fallible> {
    #[doc(hidden)]
    fn __async_with_leave(leave: Leave<E, Kind>) -> Self;
}

/// The kind of a context error that can happen (see [`CanReturnError`]).
#[doc(hidden)]
pub enum Fallible {}

/// The kind of an [`Infallible`] context error, which never leaves.
#[doc(hidden)]
pub enum NeverFails {}

/// An enter or exit failure (`Err(e)` as a `Result<(), E>`) on its way out of the function.
#[doc(hidden)]
pub struct Leave<E, Kind>(Result<(), E>, PhantomData<Kind>);

/// The expansion's failed enter or exit. Its `leave` picks the kind: the inherent one, for
/// `Infallible`, wins over [`LeaveWith`]'s. (Neither binds an `E` by value nor returns an
/// uninhabited type: for `Infallible`, either makes rustc warn about unreachable code in
/// the user's function.)
#[doc(hidden)]
pub struct Fail<T, E> {
    pub error: Result<T, E>,
}

impl<T> Fail<T, Infallible> {
    #[doc(hidden)]
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn leave(self) -> Leave<Infallible, NeverFails> {
        Leave(self.error.map(drop), PhantomData)
    }
}

#[doc(hidden)]
pub trait LeaveWith<E> {
    fn leave(self) -> Leave<E, Fallible>;
}

impl<T, E> LeaveWith<E> for Fail<T, E> {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn leave(self) -> Leave<E, Fallible> {
        Leave(self.error.map(drop), PhantomData)
    }
}

// Called by path (`CanReturnError::__async_with_leave(fail.leave())`): the failed bound is
// then the trait's own, reported with its message and no note about where it came from.
// The impls are not listed in that error (`do_not_recommend`).

#[diagnostic::do_not_recommend]
impl<R> CanReturnError<Infallible, NeverFails> for R {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_leave(leave: Leave<Infallible, NeverFails>) -> R {
        match leave.0 {
            Ok(()) => unreachable!("async_with: only failures leave"),
            Err(never) => match never {},
        }
    }
}

#[diagnostic::do_not_recommend]
impl<T, E, F: From<E>> CanReturnError<E> for Result<T, F> {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_leave(leave: Leave<E, Fallible>) -> Self {
        match leave.0 {
            Ok(()) => unreachable!("async_with: only failures leave"),
            Err(error) => Err(F::from(error)),
        }
    }
}

/// The context `Self` can be around a block of type `V`: a context that can suppress a
/// failure (its exit returns [`Exit`] or `Result<Exit, E>`; an [`ExitStack`](crate::ExitStack),
/// whose pushed exits may; a [`generator`](crate::generator), whose function may end with
/// `ended.suppress()`) gives `()` or `None` when it does, so `V` must be `()` or an `Option`.
///
/// A context that never suppresses stands for any `V`. To fix the error, end the block with
/// `;`, wrap its value in `Some(..)`, or use a context whose exit cannot suppress. In a
/// generic function over `C: AsyncContext`, a block with a value needs
/// `C: AsyncContext<Decision = ()>`.
///
/// ```compile_fail,E0277
/// use async_with::{async_context, async_with, Exit, Outcome};
///
/// struct IgnoreErrors;
/// #[async_context]
/// impl IgnoreErrors {
///     async fn exit(&mut self, _outcome: Outcome<'_>) -> Exit { Exit::Suppress }
/// }
///
/// async fn run() -> u32 {
///     // If exit suppresses a failure, there is no `u32` to give.
///     async_with!(IgnoreErrors => { 42 })
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "the context `{Self}` can suppress failures, so its `async_with!` block must have type `()` or `Option<_>`, not `{V}`",
    label = "this context can suppress a failure, and the block has type `{V}`",
    note = "when exit returns `Exit::Suppress` the block has no value to give: it then evaluates to `()` or `None`",
    note = "a context can suppress when its exit returns `Exit` or `Result<Exit, E>`; so can an `ExitStack` (an exit pushed on it may suppress) and a `generator` (its function may end with `ended.suppress()`)",
    note = "end the block with `;` to make it `()`, wrap its value in `Some(..)` to make it an `Option`, or use a context whose exit returns `()`/`Result<(), E>` (it never suppresses)",
    note = "in generic code over `C: AsyncContext`, a block that gives a value needs the bound `C: AsyncContext<Decision = ()>` (a context that never suppresses)"
)]
pub trait GivesValue<V> {
    /// The block's value when its exit decided to suppress (`suppresses`) after a failure.
    #[doc(hidden)]
    fn __async_with_suppressed(suppresses: bool) -> Option<V>;
}

#[diagnostic::do_not_recommend]
impl<C: crate::AsyncContext, V> GivesValue<V> for C
where
    C::Decision: SuppressesInto<V>,
{
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_suppressed(suppresses: bool) -> Option<V> {
        <C::Decision as SuppressesInto<V>>::__async_with_suppressed(suppresses)
    }
}

/// A context's exit decision (`Self`: `()` or [`Exit`]) can stand for a block of type
/// `V` when it suppresses a failure: the block then gives `()` or `None`, so `V` must be
/// `()` or an `Option`. A block checks it through [`GivesValue`], which names the context.
pub trait SuppressesInto<V> {
    /// The block's value when the decision was to suppress (`suppresses`).
    #[doc(hidden)]
    fn __async_with_suppressed(suppresses: bool) -> Option<V>;
}

#[diagnostic::do_not_recommend]
impl<V> SuppressesInto<V> for () {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_suppressed(_: bool) -> Option<V> {
        None
    }
}

#[diagnostic::do_not_recommend]
impl SuppressesInto<()> for Exit {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_suppressed(suppresses: bool) -> Option<()> {
        suppresses.then_some(())
    }
}

#[diagnostic::do_not_recommend]
impl<T> SuppressesInto<Option<T>> for Exit {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_suppressed(suppresses: bool) -> Option<Option<T>> {
        suppresses.then_some(None)
    }
}

/// Checks that the context `C` can stand around a block whose value is `V`
/// (typed by `result`), and ties `V` to `proof`. Never called: the expansion names it in
/// `if false { .. }`, so it is type-checked (where the D10 error comes from, naming `C`)
/// but not compiled per block. A function, not a method of [`SuppressesInto`] called by
/// path: `V` must be known from `result` before the bound is looked at, or a generic
/// context's `Decision: SuppressesInto<()>` would decide it.
#[doc(hidden)]
pub fn suppressed<V, R, J, F, C: GivesValue<V>>(
    _result: &Result<
        crate::__private::AsyncWithBodyFlow<V, R, J, F>,
        crate::__private::Interrupted,
    >,
    _context: core::marker::PhantomData<C>,
    _proof: core::marker::PhantomData<V>,
) {
}

/// The value a suppressed failure gives: generic over the value's and the context's
/// types only, so blocks of the same types share one copy.
#[doc(hidden)]
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn suppressed_value<V, C: GivesValue<V>, D: crate::ExitDecision>(
    _proof: core::marker::PhantomData<V>,
    _context: core::marker::PhantomData<C>,
    decision: D,
    failed: bool,
) -> Option<V> {
    if failed {
        C::__async_with_suppressed(decision.suppresses())
    } else {
        None
    }
}

/// The value a block's body ends with, as `exit` must see it: an `Err(_)` there is a
/// failure (the context sees it; a transaction rolls back), anything else is a value.
///
/// So the value's type must be known where the body ends. A tail whose type is only
/// decided by later code (`.collect()`, `.parse()`, `Default::default()`, an `into()`) is
/// reported as "the trait `TypeKnownAtTail` is not implemented for `Tail<'_, T>`": name the
/// type at the tail, e.g. `.collect::<Vec<_>>()`, `.parse::<u32>()`, or `let v: T = ..; v`.
///
/// ```compile_fail,E0277
/// use async_with::{async_context, async_with, Outcome};
///
/// struct Span;
/// #[async_context]
/// impl Span {
///     async fn exit(&mut self, _outcome: Outcome<'_>) {}
/// }
///
/// async fn run() {
///     let lengths = async_with!(Span => { "a bb".split(' ').map(str::len).collect() });
///     let _: Vec<usize> = lengths;
/// }
/// ```
pub struct Tail<'a, T>(#[doc(hidden)] pub &'a T);

/// The type of a block's value is known where its body ends (see [`Tail`]).
#[diagnostic::on_unimplemented(
    message = "the type of this `async_with!` body's value must be known where the body ends",
    label = "exit needs to know here whether this value is an `Err` (a failure); its type is only known from later code",
    note = "name the type at the end of the body, e.g. `.collect::<Vec<_>>()`, `.parse::<u32>()`, or `let v: T = ...; v`"
)]
pub trait TypeKnownAtTail<'a> {
    #[doc(hidden)]
    type Err;
    #[doc(hidden)]
    fn __async_with_tail(&self) -> Option<&'a Self::Err>;
}

#[diagnostic::do_not_recommend]
impl<'a, T, E> TypeKnownAtTail<'a> for Tail<'a, Result<T, E>> {
    type Err = E;
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_tail(&self) -> Option<&'a E> {
        self.0.as_ref().err()
    }
}

/// A second impl at the `Result` level, so that a body's value whose type is not known
/// yet is ambiguous instead of being taken for a `Result`. Never constructed.
#[doc(hidden)]
pub enum TheBlockValueTypeMustBeKnownHere {}

#[diagnostic::do_not_recommend]
impl<'a> TypeKnownAtTail<'a> for Tail<'a, TheBlockValueTypeMustBeKnownHere> {
    type Err = crate::__private::NoneReturned;
    fn __async_with_tail(&self) -> Option<&'a crate::__private::NoneReturned> {
        match *self.0 {}
    }
}

/// Any other value: not a failure (autoref specialization: one reference more than
/// [`TypeKnownAtTail`]'s receiver).
#[doc(hidden)]
pub trait TailValue<'a> {
    fn __async_with_tail(&self) -> Option<&'a crate::__private::NoneReturned>;
}

impl<'a, T> TailValue<'a> for &Tail<'a, T> {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_tail(&self) -> Option<&'a crate::__private::NoneReturned> {
        None
    }
}

/// How an `async_with!` body left: the type of the body's future's output.
///
/// A "mismatched types" error that expects this type where your code gives something else
/// means a `return` (or a `?`) inside a macro call that `async_with!` cannot look into —
/// your own `macro_rules!` macro, for instance. It would leave the body without running
/// exit first, so it is refused: move the `return` or `?` out of the macro call, or have
/// the macro give a value that you `return` or `?` in the body itself.
///
/// (`async_with!` sees into std's macros, tokio's `select!`/`join!`/`try_join!`,
/// anyhow's and eyre's `bail!`/`ensure!`, and tracing's and log's event macros.)
///
/// ```compile_fail,E0308
/// use async_with::{async_context, async_with, Outcome};
///
/// struct Lock;
/// #[async_context]
/// impl Lock {
///     async fn exit(&mut self, _outcome: Outcome<'_>) {}
/// }
///
/// macro_rules! give_up {
///     ($e:expr) => { return Err($e) };
/// }
///
/// async fn run(fail: bool) -> Result<u8, String> {
///     async_with!(Lock => {
///         if fail {
///             give_up!("no".to_string()); // a `return` async_with! cannot see
///         }
///     });
///     Ok(1)
/// }
/// ```
pub enum BodyExit<V, R, J, F> {
    /// The body's value.
    #[doc(hidden)]
    Value(V),
    /// A `return` whose value may be a failure.
    #[doc(hidden)]
    Return(R),
    /// A `return` whose value is syntactically not a failure (`Ok(..)`, `Some(..)`, `()`).
    #[doc(hidden)]
    ReturnOk(R),
    /// A `break` or `continue` to a loop outside the block.
    #[doc(hidden)]
    Jump(J),
    /// A failing `?` or a nested context's error, as it was.
    #[doc(hidden)]
    Fail(F),
}

impl<V, R, J, F> BodyExit<V, R, J, F> {
    /// Never called: only its type matters. A body starts with
    /// `if false { return BodyExit::typed(); }`, so that its future's output type is set
    /// before any of its statements: a `return` the expansion did not rewrite is then
    /// reported there, once.
    #[doc(hidden)]
    pub fn typed() -> Self {
        unreachable!("async_with: the body's type witness is never evaluated")
    }
}

/// What a [`generator`](crate::generator) function ends with: `Ok(ended.propagate())` (a
/// failure of the block goes on) or `Ok(ended.suppress())` (it is swallowed, like an
/// `__aexit__` returning true), where `ended` is what `h.give(value).await` gave back once
/// the block was over — or an `Err` of its own, from setup or teardown.
///
/// Ending with `Ok(())` is refused: it would say nothing of the block's failure, which
/// would then be swallowed or not by accident. The function cannot end without handing a
/// value off either: `Ended` only comes from `give`.
///
/// ```compile_fail,E0277
/// use async_with::{generator, Handoff};
///
/// let connection = generator(|h: Handoff<u32>| async move {
///     let _ended = h.give(1).await;
///     Ok::<_, std::io::Error>(()) // should be `Ok(_ended.propagate())`
/// });
/// ```
#[diagnostic::on_unimplemented(
    message = "a generator function must end with `Ok(ended.propagate())` or `Ok(ended.suppress())`, not with `{Self}`",
    label = "this generator function's future gives `{Self}`",
    note = "`ended` is what `h.give(value).await` gives back once the block is over: `Ok(ended.propagate())` lets a failure of the block go on, `Ok(ended.suppress())` swallows it (Python's `__aexit__` returning true)"
)]
pub trait GeneratorEnd {
    /// The generator's own error (from its setup or teardown).
    type Error;
    #[doc(hidden)]
    fn into_end(self) -> Result<crate::HandedOff, Self::Error>;
}

#[diagnostic::do_not_recommend]
impl<E> GeneratorEnd for Result<crate::HandedOff, E> {
    type Error = E;
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn into_end(self) -> Self {
        self
    }
}

/// Owns a block's context from `async_with!`'s start until its exit has run (and runs the
/// context's `cancel` hook if the block is dropped in between).
///
/// An error that a borrow "may still be in use when destructor runs" for this type means
/// that a value bound from the context (`as PATTERN`), which borrows it, is used after the
/// block — where the context has been exited and dropped. Copy or clone what you need out
/// of the value inside the block, or make `enter` return an owned value.
///
/// ```compile_fail,E0713
/// use async_with::{async_context, async_with, Outcome};
///
/// struct Connection { id: u32 }
/// #[async_context]
/// impl Connection {
///     async fn enter(&mut self) -> &mut Self { self }
///     async fn exit(&mut self, _outcome: Outcome<'_>) {}
/// }
///
/// async fn run() -> u32 {
///     let conn = async_with!(Connection { id: 1 } as conn => { conn }); // `conn` borrows the context
///     conn.id
/// }
/// ```
pub use crate::__private::Guard as BlockContext;

/// The cut of a context that is not a [`Scope`](crate::Scope): it never fires.
pub use crate::__private::NoCut;
