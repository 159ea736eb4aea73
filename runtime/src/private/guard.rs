//! The guard that owns a block's context: `cancel` if the block's future is dropped
//! between a successful enter and the end of exit (S12, S13).

#[cfg(feature = "tokio")]
use std::future::Future;

/// Spawns a cancelled block's exit (`#[async_context(spawn_exit_on_cancel)]`); the
/// future's type is concrete at the call, so its `Send`-ness is checked there.
#[cfg(feature = "tokio")]
pub fn spawn_exit<F: Future<Output = ()> + Send + 'static>(exit: F) {
    tokio::spawn(exit);
}

// Owns the context; calls `cancel` if dropped between a successful enter and the end of
// exit (S12). Also holds the context's cut when it is a scope, until the body's poll takes
// it. The expansion touches its fields only, which keeps the enter value's borrow of
// `context` disjoint from `armed` and `cut`. Documented (and named in errors) as
// `checks::BlockContext`; these notes are comments so that they stay out of those docs.
//
// The struct itself has no `AsyncContext` bound (the cancel hook is a function pointer
// taken in `guard`), so a value that is not a context is not reported again at every use
// of the guard's type.
pub struct Guard<C, S> {
    #[doc(hidden)]
    pub context: C,
    /// Everything about the block but its context: borrowed by the body's poll and by the
    /// exit's, while the entered value borrows `context`.
    #[doc(hidden)]
    pub state: BlockState<S>,
    cancel: fn(&mut C),
}

/// A block's flags and its context's cut.
pub struct BlockState<S> {
    /// From a successful enter until exit has finished: dropping the guard runs `cancel`.
    pub armed: bool,
    /// An enclosing scope cut the body: once its exit succeeded, the block never
    /// completes (it waits to be dropped). See `catch.rs`.
    pub cut_by_scope: bool,
    /// The outcome given to exit was a failure (read after exit, by the suppression).
    pub failed: bool,
    /// The body gave no flow (set by its poll): it panicked — or was cut, when `failed`
    /// (its own cut) or `cut_by_scope` says so too. A cut reaching the exit of a block
    /// whose body panicked does not hold it, so the panic resumes after the exit (S7).
    /// See `catch.rs`.
    pub panicked: bool,
    /// Something inside the body (a block, or a block's exit) was left pending at the
    /// body's last poll. See `catch.rs`.
    pub has_inner: bool,
    /// The context's cut ([`NoCut`](super::NoCut) when it is not a scope).
    pub cut: S,
}

/// The context, taken but not yet guarded: its cut is asked for first (a scope's cut is
/// taken before enter, while nothing borrows the context).
pub struct Unguarded<C> {
    pub context: C,
    /// Set by the expansion to the context's `cancel`.
    pub cancel: fn(&mut C),
}

/// Takes ownership of the context. No bound here: the expansion then sets the cancel
/// hook by naming `AsyncContext::cancel`, as it names `enter` and `exit`, over the
/// context expression, so a value that is not a context is reported once, there (D1),
/// with no note about this function.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn guard<C>(context: C) -> Unguarded<C> {
    Unguarded {
        context,
        cancel: |_| {},
    }
}

impl<C> Unguarded<C> {
    /// The guard, holding the context's cut. (Kept in the guard rather than in a local of
    /// the block: a local alive across enter's await made every block's future larger.)
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn with_cut<S>(self, cut: S) -> Guard<C, S> {
        Guard {
            context: self.context,
            state: BlockState {
                armed: false,
                cut_by_scope: false,
                has_inner: false,
                failed: false,
                panicked: false,
                cut,
            },
            cancel: self.cancel,
        }
    }
}

/// The guarded context (`context_of(&mut guard.context)`), for enter and exit. A call
/// rather than the bare borrow: a value that is not a context is then blamed on the call,
/// which the expansion locates over the user's context expression (one report, D1).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn context_of<C>(context: &mut C) -> &mut C {
    context
}

/// The type of the guarded context, as a value that borrows nothing: the checks after
/// exit name the context (D10) even when the block's value still borrows it.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn context_type<C>(_context: &C) -> core::marker::PhantomData<C> {
    core::marker::PhantomData
}

/// The argument itself, in a call the expansion locates over the context expression, so
/// that a bound on its type is reported there.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn at_context<T>(value: T) -> T {
    value
}

impl<C, S> Drop for Guard<C, S> {
    #[inline]
    fn drop(&mut self) {
        if self.state.armed {
            self.state.armed = false;
            (self.cancel)(&mut self.context);
        }
    }
}
