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

/// The context [`suppress`] returns.
///
/// ```
/// let _: async_with::Suppress<std::io::Error> = async_with::suppress();
/// ```
pub struct Suppress<E>(PhantomData<fn() -> E>);

#[diagnostic::do_not_recommend]
impl<E: Error + 'static> AsyncContext for Suppress<E> {
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
        Ok(if outcome.downcast_ref::<E>().is_some() {
            Exit::Suppress
        } else {
            Exit::Propagate
        })
    }
}
