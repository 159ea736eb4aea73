//! Why a scope cuts its body, as its exits see it: the scope's static reason, or an owned
//! one (`CancelHandle::cancel_with`, the deadline a `timeout` had). While a scope cuts its
//! body for its own cut, its cause is published in a thread-local for the blocks it cuts
//! (C11–C13 of `docs/CANCELLATION.md`). Only the cut path touches any of this.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// Why a scope cut its body.
#[derive(Clone)]
pub enum CutCause {
    /// The scope's [`CutReason`](crate::CutReason).
    Static(&'static (dyn Error + Send + Sync)),
    /// A reason given at run time.
    Owned(Arc<dyn Error + Send + Sync>),
}

impl CutCause {
    /// The reason, as an error.
    pub fn get(&self) -> &(dyn Error + Send + Sync + 'static) {
        match self {
            CutCause::Static(reason) => *reason,
            CutCause::Owned(reason) => &**reason,
        }
    }
}

impl fmt::Display for CutCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.get(), f)
    }
}

thread_local! {
    /// The cause of the cut in progress around this point, if a scope published one.
    static CAUSE: RefCell<Option<CutCause>> = const { RefCell::new(None) };
}

/// Restores the cause that was published before.
pub(super) struct Published(Option<CutCause>);

impl Drop for Published {
    fn drop(&mut self) {
        let previous = self.0.take();
        let _ = CAUSE.try_with(|cause| *cause.borrow_mut() = previous);
    }
}

/// Publishes `cause` while a scope cuts its body for it.
#[cold]
pub(super) fn publish(cause: Option<CutCause>) -> Published {
    Published(CAUSE.with(|current| current.replace(cause)))
}

/// The cause of the cut in progress, for a block it cuts.
#[cold]
pub(super) fn current() -> Option<CutCause> {
    CAUSE.with(|cause| cause.borrow().clone())
}
