//! Support for the code `async_with!` and `#[async_context]` generate. Not public API:
//! nothing here follows semver.

use crate::outcome::{DebugDisplay, Failure};
use crate::{AsyncContext, Exit, ExitDecision, Outcome};
use std::any::Any;
use std::convert::Infallible;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::pin::Pin;

pub use std::panic::resume_unwind;

/// Spawns a cancelled block's exit (`#[async_context(spawn_exit_on_cancel)]`); the
/// future's type is concrete at the call, so its `Send`-ness is checked there.
#[cfg(feature = "tokio")]
pub fn spawn_exit<F: Future<Output = ()> + Send + 'static>(exit: F) {
    tokio::spawn(exit);
}

/// Owns the context; calls `cancel` if dropped between a successful enter and the end of
/// exit (S12). The expansion touches its fields only, which keeps the enter value's
/// borrow of `context` disjoint from `armed`.
///
/// The struct itself has no `AsyncContext` bound (the cancel hook is a function pointer
/// taken in [`guard`]), so a value that is not a context is reported at [`guard`] rather
/// than at every use of the guard's type (enter's `.await` still adds a second report).
pub struct Guard<C> {
    pub context: C,
    pub armed: bool,
    cancel: fn(&mut C),
}

/// Takes ownership of the context: the one place that requires it to be one (D1).
#[inline(always)]
pub fn guard<C: AsyncContext>(context: C) -> Guard<C> {
    Guard {
        context,
        armed: false,
        cancel: C::cancel,
    }
}

impl<C> Drop for Guard<C> {
    #[inline]
    fn drop(&mut self) {
        if self.armed {
            self.armed = false;
            (self.cancel)(&mut self.context);
        }
    }
}

/// How the body left: with its value; by `return` (`Return` when the value may be a
/// failure, `ReturnOk` when it is syntactically not one: `return Ok(..)`, `Some(..)`,
/// `()`); by a failing `?` or a nested context's error (`Fail`, carrying the error as it
/// was, converted only when it leaves the function); or by jumping to an outer loop.
///
/// Seeing this type in an error means a `?`, `return`, `break` or `continue` sits inside
/// a macro call that `async_with!` cannot look into: move it out of the macro call.
pub enum AsyncWithBodyFlow<V, R, J, F> {
    Value(V),
    Return(R),
    ReturnOk(R),
    Jump(J),
    Fail(F),
}

/// Ties `R` to the enclosing function's return type before the body is checked, so
/// `return e` coerces as a plain `return` would (`&String` into `&str`, ..).
pub struct Witness<R>(PhantomData<fn() -> R>);

impl<R> Default for Witness<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R> Witness<R> {
    #[inline(always)]
    pub const fn new() -> Self {
        Witness(PhantomData)
    }

    /// Never called: only its type matters.
    pub fn never(&self) -> R {
        unreachable!("async_with: return-type witness is never evaluated")
    }

    #[inline(always)]
    pub fn ret(&self, value: R) -> R {
        value
    }
}

/// Stable stand-in for `Try::branch`.
#[diagnostic::on_unimplemented(
    message = "the `?` operator in an `async_with!` body can only be applied to `Result` or `Option`, not `{Self}`",
    label = "the `?` operator cannot be applied to type `{Self}`"
)]
pub trait Branch {
    type Output;
    type Residual;
    fn branch(self) -> ControlFlow<Self::Residual, Self::Output>;
}

impl<T, E> Branch for Result<T, E> {
    type Output = T;
    type Residual = Result<Infallible, E>;
    #[inline(always)]
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Ok(v) => ControlFlow::Continue(v),
            Err(e) => ControlFlow::Break(Err(e)),
        }
    }
}

impl<T> Branch for Option<T> {
    type Output = T;
    type Residual = Option<Infallible>;
    #[inline(always)]
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Some(v) => ControlFlow::Continue(v),
            None => ControlFlow::Break(None),
        }
    }
}

/// Stable stand-in for `FromResidual`.
#[diagnostic::on_unimplemented(
    message = "the `?` operator can only be used in a function that returns `Result` or `Option` (the enclosing function returns `{Self}`)",
    label = "cannot use the `?` operator here",
    note = "`?` in an `async_with!` body leaves the enclosing function, after the context's exit has run"
)]
pub trait FromResidual<R> {
    fn from_residual(residual: R) -> Self;
}

impl<T, E, F: From<E>> FromResidual<Result<Infallible, E>> for Result<T, F> {
    #[inline(always)]
    fn from_residual(residual: Result<Infallible, E>) -> Self {
        match residual {
            Err(e) => Err(From::from(e)),
        }
    }
}

impl<T> FromResidual<Option<Infallible>> for Option<T> {
    #[inline(always)]
    fn from_residual(_: Option<Infallible>) -> Self {
        None
    }
}

/// An enter or exit failure (`Err(e)` as a `Result<(), E>`) on its way out of the
/// enclosing function. For `Infallible` the inherent `leave` wins and diverges, so
/// infallible contexts impose no return type. (The expansion never binds an `E` by value,
/// nor calls a function returning an uninhabited type: for `Infallible`, either makes
/// rustc warn about unreachable code in the user's function.)
pub struct Fail<E> {
    pub error: Result<(), E>,
}

impl Fail<Infallible> {
    /// Generic over `R` with no bound, rather than returning `!`: `return <diverging>`
    /// would be reported as unreachable code.
    #[inline(always)]
    pub fn leave<R>(self) -> R {
        match self.error {
            Ok(()) => unreachable!("async_with: only failures leave"),
            Err(never) => match never {},
        }
    }
}

pub trait LeaveWithError<E> {
    fn leave<R: FromContextError<E>>(self) -> R;
}

impl<E> LeaveWithError<E> for Fail<E> {
    #[inline(always)]
    fn leave<R: FromContextError<E>>(self) -> R {
        match self.error {
            Ok(()) => unreachable!("async_with: only failures leave"),
            Err(error) => R::from_context_error(error),
        }
    }
}

/// How an enter or exit error leaves the enclosing function: as `?` would (S2, S9).
#[diagnostic::on_unimplemented(
    message = "this context's `enter`/`exit` can fail with `{E}`, so the enclosing function must return a `Result` whose error converts from it",
    label = "`enter`/`exit` of this context can fail with `{E}`, but the enclosing function returns `{Self}`",
    note = "change the return type to `Result<_, E>` with `E: From<{E}>`, or use a context whose enter and exit cannot fail (error type `Infallible`)"
)]
pub trait FromContextError<E> {
    fn from_context_error(error: E) -> Self;
}

impl<T, E, F: From<E>> FromContextError<E> for Result<T, F> {
    #[inline(always)]
    fn from_context_error(error: E) -> Self {
        Err(From::from(error))
    }
}

/// Whether a decision `Self` can replace a block of type `V` by a suppressed failure's
/// value (S8). `()` never suppresses, so takes any `V`; `Exit` takes `()` and `Option<_>`.
/// Every decision takes `()` (a supertrait of `ExitDecision`), so `()` blocks work in
/// generic code too.
#[diagnostic::on_unimplemented(
    message = "this context can suppress failures, so its `async_with!` block must have type `()` or `Option<_>`, not `{V}`",
    label = "this block has type `{V}`",
    note = "when exit returns `Exit::Suppress` the block has no value to give: it then evaluates to `()` or `None`",
    note = "end the block with `;` to make it `()`, wrap its value in `Some(..)` to make it an `Option`, or use a context whose exit returns `()`/`Result<(), E>` (it never suppresses)"
)]
pub trait SuppressTo<V> {
    fn suppressed(self) -> Option<V>;
}

#[diagnostic::do_not_recommend]
impl<V> SuppressTo<V> for () {
    #[inline(always)]
    fn suppressed(self) -> Option<V> {
        None
    }
}

impl SuppressTo<()> for Exit {
    #[inline(always)]
    fn suppressed(self) -> Option<()> {
        self.suppresses().then_some(())
    }
}

impl<T> SuppressTo<Option<T>> for Exit {
    #[inline(always)]
    fn suppressed(self) -> Option<Option<T>> {
        self.suppresses().then_some(None)
    }
}

/// Polls the body, catching a panic so exit can see it (S7).
#[cfg(not(panic = "abort"))]
#[inline(always)]
pub fn catch_unwind<F: Future>(
    mut body: Pin<&mut F>,
) -> impl Future<Output = Result<F::Output, Box<dyn Any + Send>>> + '_ {
    std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body.as_mut().poll(cx))) {
            Ok(std::task::Poll::Ready(value)) => std::task::Poll::Ready(Ok(value)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(payload) => std::task::Poll::Ready(Err(payload)),
        }
    })
}

/// With `panic = "abort"` nothing unwinds, so there is nothing to catch.
#[cfg(panic = "abort")]
#[inline(always)]
pub fn catch_unwind<F: Future>(
    body: Pin<&mut F>,
) -> impl Future<Output = Result<F::Output, Box<dyn Any + Send>>> + '_ {
    async move { Ok(body.await) }
}

/// The outcome of a body that panicked.
#[inline]
pub fn panicked(payload: &Box<dyn Any + Send>) -> Outcome<'_> {
    Outcome::__panicked(&**payload)
}

/// The error a `?` residual carries: the `E` of `Result<Infallible, E>`, or a `None`.
pub trait Residual {
    type Error;
    fn error(&self) -> &Self::Error;
}

impl<E> Residual for Result<Infallible, E> {
    type Error = E;
    #[inline(always)]
    fn error(&self) -> &E {
        match self {
            Ok(never) => match *never {},
            Err(e) => e,
        }
    }
}

impl Residual for Option<Infallible> {
    type Error = NoneReturned;
    #[inline(always)]
    fn error(&self) -> &NoneReturned {
        &NoneReturned
    }
}

/// An enter or exit failure of a nested context.
impl<E> Residual for Result<(), E> {
    type Error = E;
    #[inline(always)]
    fn error(&self) -> &E {
        match self {
            Ok(()) => unreachable!("async_with: only failures leave"),
            Err(e) => e,
        }
    }
}

#[inline(always)]
pub fn residual_error<R: Residual>(residual: &R) -> &R::Error {
    residual.error()
}

/// Leaves the enclosing function with a `?` residual, converted as `?` converts.
#[inline(always)]
pub fn from_residual<R: FromResidual<Res>, Res>(residual: Res) -> R {
    R::from_residual(residual)
}

/// Leaves the enclosing function with a value that is known not to be a failure.
#[inline(always)]
pub fn not_failed<R>(value: R) -> R {
    value
}

// ---- Is a returned value a failure? (autoref specialization on the concrete type)

pub struct Probe<'a, T>(pub &'a T);

/// A `None` that left the function.
pub struct NoneReturned;

impl fmt::Debug for NoneReturned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("None")
    }
}

impl fmt::Display for NoneReturned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`None`")
    }
}

pub trait ProbeResult<'a> {
    type Err;
    fn __async_with_split(&self) -> Option<&'a Self::Err>;
}

impl<'a, T, E> ProbeResult<'a> for Probe<'a, Result<T, E>> {
    type Err = E;
    #[inline(always)]
    fn __async_with_split(&self) -> Option<&'a E> {
        self.0.as_ref().err()
    }
}

impl<'a, T> ProbeResult<'a> for Probe<'a, Option<T>> {
    type Err = NoneReturned;
    #[inline(always)]
    fn __async_with_split(&self) -> Option<&'a NoneReturned> {
        match self.0 {
            Some(_) => None,
            None => Some(&NoneReturned),
        }
    }
}

pub trait ProbeOther<'a> {
    fn __async_with_split(&self) -> Option<&'a NoneReturned>;
}

impl<'a, T> ProbeOther<'a> for &Probe<'a, T> {
    #[inline(always)]
    fn __async_with_split(&self) -> Option<&'a NoneReturned> {
        None
    }
}

// ---- How much of a failure can be seen. Receiver: `&&&&&&View(e)`; the impl on the
// most references wins. (An `Error` type that is not `'static` would pick the `Static`
// level anyway — method lookup does not see lifetimes — so there is no level for it.)

pub struct View<'a, E>(pub &'a E);

pub trait ViewBoxed<'a> {
    fn __async_with_view(&self) -> Failure<'a>;
}
impl<'a> ViewBoxed<'a> for &&&&&View<'a, Box<dyn Error + Send + Sync>> {
    fn __async_with_view(&self) -> Failure<'a> {
        Failure::Static(&**self.0)
    }
}

pub trait ViewStatic<'a> {
    fn __async_with_view(&self) -> Failure<'a>;
}
impl<'a, E: Error + Send + Sync + 'static> ViewStatic<'a> for &&&&View<'a, E> {
    fn __async_with_view(&self) -> Failure<'a> {
        Failure::Static(self.0)
    }
}

pub trait ViewDebugDisplay<'a> {
    fn __async_with_view(&self) -> Failure<'a>;
}
impl<'a, E: fmt::Debug + fmt::Display + Send + Sync + 'a> ViewDebugDisplay<'a> for &&&View<'a, E> {
    fn __async_with_view(&self) -> Failure<'a> {
        Failure::DebugDisplay(self.0 as &(dyn DebugDisplay + Send + Sync))
    }
}

pub trait ViewDebug<'a> {
    fn __async_with_view(&self) -> Failure<'a>;
}
impl<'a, E: fmt::Debug + Send + Sync + 'a> ViewDebug<'a> for &&View<'a, E> {
    fn __async_with_view(&self) -> Failure<'a> {
        Failure::Debug(self.0)
    }
}

pub trait ViewDisplay<'a> {
    fn __async_with_view(&self) -> Failure<'a>;
}
impl<'a, E: fmt::Display + Send + Sync + 'a> ViewDisplay<'a> for &View<'a, E> {
    fn __async_with_view(&self) -> Failure<'a> {
        Failure::Display(self.0)
    }
}

pub trait ViewOpaque<'a> {
    fn __async_with_view(&self) -> Failure<'a>;
}
impl<'a, E> ViewOpaque<'a> for View<'a, E> {
    fn __async_with_view(&self) -> Failure<'a> {
        Failure::Opaque
    }
}

// ---- `#[async_context]` support

/// The parts of a `Result`-returning enter or exit, also through aliases such as
/// `io::Result<T>`.
pub trait IntoResult {
    type Ok;
    type Err;
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
}

impl<T, E> IntoResult for Result<T, E> {
    type Ok = T;
    type Err = E;
    #[inline(always)]
    fn into_result(self) -> Self {
        self
    }
}

/// `enter` and `exit` of an `#[async_context]` share one error type (D13): exit's
/// result passes through this, typed by enter's `Result<(), E>`.
#[diagnostic::on_unimplemented(
    message = "`enter` and `exit` must share one error type",
    label = "this error type differs from `enter`'s",
    note = "`async_with!` leaves with either error the same way, so both need the same type: convert one into the other with `map_err`, or use one error enum for both"
)]
pub trait SameError<Enter> {
    type Ok;
    type Err;
    fn into_same(self) -> Result<Self::Ok, Self::Err>;
}

impl<T, U> SameError<Result<(), U>> for Result<T, U> {
    type Ok = T;
    type Err = U;
    #[inline(always)]
    fn into_same(self) -> Self {
        self
    }
}
