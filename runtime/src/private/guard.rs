//! The guard that owns a block's context: `cancel` if the block's future is dropped
//! between a successful enter and the end of exit (S12, S13).

use crate::AsyncContext;
#[cfg(feature = "tokio")]
use std::future::Future;

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
