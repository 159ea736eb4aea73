//! How a body leaves, and how the outermost layer leaves the enclosing function: the
//! body's flow enum, the return-type witness, the stable stand-ins for `Try`, and enter
//! or exit errors leaving as `?` would (or not at all, for `Infallible`).

use std::convert::Infallible;
use std::ops::ControlFlow;

/// How the body left (defined, documented, in [`checks`](crate::checks), where errors name it).
pub use crate::checks::BodyExit as AsyncWithBodyFlow;

/// Ties `R` to the enclosing function's return type before the body is checked, so
/// `return e` coerces as a plain `return` would (`&String` into `&str`, ..).
#[derive(Clone, Copy)]
pub struct Witness<R> {
    /// The identity on `R`, called as `(witness.ret)(value)` by a `return` in the body: a
    /// value of the wrong type is then reported as rustc reports a call's argument, with
    /// no method or definition of this crate to point at (a fn pointer has none).
    pub ret: fn(R) -> R,
}

fn identity<R>(value: R) -> R {
    value
}

/// A witness of the enclosing function's return type, still to be inferred.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub const fn witness<R>() -> Witness<R> {
    Witness { ret: identity }
}

impl<R> Witness<R> {
    /// Never called: only its type matters.
    pub fn never(&self) -> R {
        unreachable!("async_with: return-type witness is never evaluated")
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
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
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
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
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
    note = "`?` in an `async_with!` body leaves the enclosing function, after the context's exit has run",
    note = "in a function returning `Option`, turn a `Result` into an `Option` with `.ok()?`; in one returning `Result`, an `Option` into a `Result` with `.ok_or(error)?`"
)]
pub trait FromResidual<R> {
    fn from_residual(residual: R) -> Self;
}

impl<T, E, F: ConvertError<E>> FromResidual<Result<Infallible, E>> for Result<T, F> {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_residual(residual: Result<Infallible, E>) -> Self {
        match residual {
            Err(e) => Err(F::convert(e)),
        }
    }
}

/// `From`, as `?` uses it, with `?`'s own words when it is missing.
#[diagnostic::on_unimplemented(
    message = "`?` couldn't convert the error to `{Self}`",
    label = "the trait `From<{E}>` is not implemented for `{Self}`",
    note = "the question mark operation (`?`) implicitly performs a conversion on the error value using the `From` trait",
    note = "implement `From<{E}>` for `{Self}`, or convert the error first with `.map_err(..)`"
)]
pub trait ConvertError<E> {
    fn convert(error: E) -> Self;
}

#[diagnostic::do_not_recommend]
impl<E, F: From<E>> ConvertError<E> for F {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn convert(error: E) -> F {
        F::from(error)
    }
}

impl<T> FromResidual<Option<Infallible>> for Option<T> {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_residual(_: Option<Infallible>) -> Self {
        None
    }
}

/// Leaves the enclosing function with a `?` residual, converted as `?` converts.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn from_residual<R: FromResidual<Res>, Res>(residual: Res) -> R {
    R::from_residual(residual)
}

impl<R> FromResidual<super::Suppressed> for R {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn from_residual(residual: super::Suppressed) -> Self {
        match residual {}
    }
}

/// A body's failure, by site: site `i` is `Next` `i` times around `F0`, each with its
/// residual's own type, so exit sees the error as it was and no type is declared per
/// block. The last `Next` holds `Infallible`.
pub enum Sites<F, Rest = std::convert::Infallible> {
    F0(F),
    Next(Rest),
}
