//! Which block types a context that can suppress may wrap (S8, D10).

use std::error::Error;

// ---- A failure the layer's own `suppress::<E>()` always swallows never leaves, so it
// puts no demand on the enclosing function's return type (autoref specialization on the
// concrete context and failure types, in the replay of each failure site).

/// A failure that cannot reach its replay: its layer's context is `suppress::<E>()` and
/// the failure is an `E`, which that exit always swallows. Uninhabited.
pub enum Suppressed {}

impl std::fmt::Debug for Suppressed {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {}
    }
}

impl std::fmt::Display for Suppressed {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {}
    }
}

impl std::error::Error for Suppressed {}

/// Receiver `&Sieve::new(&context, failure)`.
pub struct Sieve<'a, C, F> {
    context: std::marker::PhantomData<&'a C>,
    failure: std::cell::Cell<Option<F>>,
}

impl<'a, C, F> Sieve<'a, C, F> {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn new(_context: &'a C, failure: F) -> Self {
        Sieve {
            context: std::marker::PhantomData,
            failure: std::cell::Cell::new(Some(failure)),
        }
    }

    fn take(&self) -> F {
        match self.failure.take() {
            Some(failure) => failure,
            None => unreachable!("async_with: a failure is replayed once"),
        }
    }
}

pub trait SieveSuppressed {
    type Out;
    fn __async_with_sieve(&self) -> Self::Out;
}

/// A `?` on an `E` under `suppress::<E>()`.
impl<E: Error + Send + Sync + 'static, More> SieveSuppressed
    for Sieve<'_, crate::Suppress<E, More>, Result<std::convert::Infallible, E>>
{
    type Out = Suppressed;
    fn __async_with_sieve(&self) -> Suppressed {
        unreachable!("async_with: `suppress` swallows this failure")
    }
}

/// An inner context's `E` (a timeout's `Elapsed`) under `suppress::<E>()`.
impl<E: Error + Send + Sync + 'static, More> SieveSuppressed
    for Sieve<'_, crate::Suppress<E, More>, Result<(), E>>
{
    // As an infallible context's error: it leaves without a demand on the return type.
    type Out = Result<(), std::convert::Infallible>;
    fn __async_with_sieve(&self) -> Result<(), std::convert::Infallible> {
        unreachable!("async_with: `suppress` swallows this failure")
    }
}

pub trait SievePass {
    type Out;
    fn __async_with_sieve(&self) -> Self::Out;
}

impl<C, F> SievePass for &Sieve<'_, C, F> {
    type Out = F;
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_sieve(&self) -> F {
        self.take()
    }
}
