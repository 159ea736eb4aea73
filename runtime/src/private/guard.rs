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
// Its drop calls `C::cancel` directly: a hook kept as a function pointer cost 8 bytes of
// every block's future, and the indirect call kept the future's drop glue out of line
// (19 instructions per block). So the struct asks `C: AsyncContext`; the expansion makes
// it (`with_cut`) over the context expression, after naming `AsyncContext::cancel` there,
// so that a value that is not a context is still reported once, by the trait's path,
// with no note about this crate's items (D1).
pub struct Guard<C: crate::AsyncContext, S> {
    #[doc(hidden)]
    pub context: C,
    /// Everything about the block but its context: borrowed by the body's poll and by the
    /// exit's, while the entered value borrows `context`.
    #[doc(hidden)]
    pub state: BlockState<S>,
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
}

/// Takes ownership of the context. No bound here: `_cancel` is `AsyncContext::cancel`,
/// named by the expansion over the context expression (as it names `enter` and `exit`)
/// before anything asks `C: AsyncContext`, so a value that is not a context is reported
/// once, there, by the trait's path (D1), and not again with a note about this function
/// or [`Unguarded::with_cut`].
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn guard<C>(context: C, _cancel: fn(&mut C)) -> Unguarded<C> {
    Unguarded { context }
}

impl<C> Unguarded<C> {
    /// The guard, holding the context's cut. (Kept in the guard rather than in a local of
    /// the block: a local alive across enter's await made every block's future larger.)
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn with_cut<S>(self, cut: S) -> Guard<C, S>
    where
        C: crate::AsyncContext,
    {
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
        }
    }
}

/// The type of the guarded context, as a value that borrows nothing: the checks after
/// exit name the context (D10) even when the block's value still borrows it.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn context_type<C>(_context: &C) -> core::marker::PhantomData<C> {
    core::marker::PhantomData
}

/// The argument itself, in a call the expansion locates over the context expression, so
/// that a bound on its type is reported there: the guarded context for enter and exit
/// (`at_context(&mut guard.context)`, so a value that is not a context is blamed on the
/// call, once, D1), the guard as it is made, and the context's type for the checks.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn at_context<T>(value: T) -> T {
    value
}

impl<C: crate::AsyncContext, S> Drop for Guard<C, S> {
    #[inline]
    fn drop(&mut self) {
        if self.state.armed {
            self.state.armed = false;
            self.context.cancel();
        }
    }
}
