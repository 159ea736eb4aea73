//! `suppress::<E>()`, Python's `contextlib.suppress`.

use crate::{AsyncContext, Exit, Outcome};
use std::convert::Infallible;
use std::error::Error;
use std::marker::PhantomData;

/// A context that swallows failures whose error is an `E` (also inside a
/// `Box<dyn Error + Send + Sync>`), and lets every other failure through: Python's
/// `contextlib.suppress(E)`.
///
/// Because it can suppress, its blocks have type `()` or `Option<_>` (`None` when a
/// failure was swallowed).
///
/// It matches the error as the body produced it, before `?` converts it into the fn's
/// error type: a `?` on an `io::Error` in a fn returning `Result<_, AppError>` is an
/// `io::Error` here, so `suppress::<io::Error>()` swallows it and `suppress::<AppError>()`
/// does not. Several types: `suppress::<A>().or::<B>()`. A failure of the exact type `E`
/// (from `?`, or from a context inside it such as a `timeout`'s `Elapsed`) puts no demand
/// on the fn's return type.
///
/// ```
/// use async_with::{async_with, suppress};
/// use std::num::ParseIntError;
///
/// async fn port(text: &str) -> Result<u16, ParseIntError> {
///     let parsed = async_with!(suppress::<ParseIntError>() => { Some(text.parse::<u16>()?) });
///     Ok(parsed.unwrap_or(8080))
/// }
/// # futures::executor::block_on(async {
/// assert_eq!(port("9000").await, Ok(9000));
/// assert_eq!(port("many").await, Ok(8080));
/// # });
/// ```
pub fn suppress<E: Error + 'static>() -> Suppress<E> {
    Suppress(PhantomData)
}

/// The context [`suppress`] returns. [`or`](Suppress::or) adds more error types.
///
/// ```
/// let _: async_with::Suppress<std::io::Error> = async_with::suppress();
/// ```
pub struct Suppress<E, More = ()>(PhantomData<fn() -> (E, More)>);

impl<E, More> std::fmt::Debug for Suppress<E, More> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Suppress<{}>", std::any::type_name::<E>())
    }
}

impl<E: Error + 'static, More: ErrorSet> Suppress<E, More> {
    /// Also suppresses failures whose error is an `F`: Python's `suppress(A, B)` is
    /// `suppress::<A>().or::<B>()`.
    ///
    /// ```
    /// use async_with::{async_with, suppress};
    /// use std::num::{ParseFloatError, ParseIntError};
    ///
    /// async fn lenient(int: &str, float: &str) -> Result<&'static str, async_with::BoxError> {
    ///     async_with!(suppress::<ParseIntError>().or::<ParseFloatError>() => {
    ///         let _: u32 = int.parse()?;
    ///         let _: f64 = float.parse()?;
    ///     });
    ///     Ok("went on")
    /// }
    /// # futures::executor::block_on(async {
    /// assert_eq!(lenient("x", "1.0").await.unwrap(), "went on");   // ParseIntError swallowed
    /// assert_eq!(lenient("1", "y").await.unwrap(), "went on");     // ParseFloatError swallowed
    /// # });
    /// ```
    pub fn or<F: Error + 'static>(self) -> Suppress<E, (F, More)> {
        Suppress(PhantomData)
    }
}

/// The further error types of a [`Suppress`]: `()` or `(F, More)`.
pub trait ErrorSet: 'static {
    /// Whether the outcome's failure is one of them.
    fn matches(outcome: &Outcome<'_>) -> bool;
}

impl ErrorSet for () {
    fn matches(_: &Outcome<'_>) -> bool {
        false
    }
}

impl<F: Error + 'static, More: ErrorSet> ErrorSet for (F, More) {
    fn matches(outcome: &Outcome<'_>) -> bool {
        outcome.downcast_ref::<F>().is_some() || More::matches(outcome)
    }
}

#[diagnostic::do_not_recommend]
impl<E: Error + 'static, More: ErrorSet> AsyncContext for Suppress<E, More> {
    type Value<'a>
        = ()
    where
        Self: 'a;
    type Error = Infallible;
    type Decision = Exit;

    async fn enter(&mut self) -> Result<(), Infallible> {
        Ok(())
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<Exit, Infallible> {
        Ok(
            if outcome.downcast_ref::<E>().is_some() || More::matches(&outcome) {
                Exit::Suppress
            } else {
                Exit::Propagate
            },
        )
    }
}

crate::context::send_context! {
    impl[E: Error + 'static, More: ErrorSet] for Suppress<E, More>;
}
