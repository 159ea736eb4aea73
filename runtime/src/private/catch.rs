//! Polling the body with panics caught, so exit can see them (S7).
//!
//! The body's poll goes through one non-generic function, [`poll_caught`], so that
//! `catch_unwind` and std's unwinding entry points are compiled once per crate rather
//! than once per block (each block's body is a future type of its own).

use crate::Outcome;
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use std::panic::resume_unwind;

/// The body's future with its panics caught: `Ok(output)`, or `Err(payload)` if a poll
/// panicked. `Send` exactly when the body is.
pub struct Caught<'a, F> {
    body: Pin<&'a mut F>,
}

/// Polls the body, catching a panic so exit can see it.
#[inline(always)]
pub fn catch<F: Future>(body: Pin<&mut F>) -> Caught<'_, F> {
    Caught { body }
}

impl<F: Future> Future for Caught<'_, F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut output = None;
        let body = &mut self.body;
        let caught = poll_caught(&mut || {
            if let Poll::Ready(value) = body.as_mut().poll(cx) {
                output = Some(value);
            }
        });
        match (caught, output) {
            (Err(payload), _) => Poll::Ready(Err(payload)),
            (Ok(()), Some(value)) => Poll::Ready(Ok(value)),
            (Ok(()), None) => Poll::Pending,
        }
    }
}

/// The one place a poll is wrapped in `catch_unwind`; not generic, so compiled once.
/// With `panic = "abort"` nothing unwinds and it is a plain call.
#[inline]
fn poll_caught(poll: &mut dyn FnMut()) -> Result<(), Box<dyn Any + Send>> {
    #[cfg(not(panic = "abort"))]
    {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(poll))
    }
    #[cfg(panic = "abort")]
    {
        poll();
        Ok(())
    }
}

/// The outcome of a body that panicked.
#[inline]
pub fn panicked(payload: &Box<dyn Any + Send>) -> Outcome<'_> {
    Outcome::from_panic(&**payload)
}
