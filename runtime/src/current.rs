//! `current_deadline()`: the nearest deadline of the scopes around the running code (Trio's
//! `current_effective_deadline`), for clients that pass it on. Rules C7–C10 of
//! `docs/CANCELLATION.md`.

#[cfg(feature = "tokio")]
use tokio::time::Instant;

/// The nearest deadline of the scopes around the code that calls it: the earliest deadline
/// of the [`timeout`](crate::timeout)s whose bodies it runs in, up to the nearest
/// [`shield`](crate::shield) (which hides the deadlines outside it, as Trio's shield hides
/// them from `current_effective_deadline`). `None` when no deadline applies. Trio's
/// `current_effective_deadline`, gRPC's deadline propagation: a client passes the time
/// left on (a request timeout header, a `statement_timeout`), so the server gives up when
/// the caller has.
///
/// - A [`TimeoutHandle::reschedule`](crate::TimeoutHandle::reschedule) shows at once, also
///   a move to a later deadline or to none.
/// - A [`CancelScope`](crate::CancelScope) that was cancelled (and is not behind a shield)
///   gives "now": its deadline has, in effect, passed (Trio gives `-inf`); one not
///   cancelled adds nothing.
/// - It is read from the scopes of the `async_with!` blocks that poll the caller, on the
///   task that polls them: a task spawned from inside them with `tokio::spawn` does not
///   see them, and code outside any block sees `None`; the tasks of a
///   [`TaskGroup`](crate::TaskGroup) see the deadlines around the group's block (as
///   Trio's nursery children do). Inside an exit, the deadlines around the block still
///   apply.
///
/// ```
/// use async_with::{async_with, current_deadline, shield, timeout};
/// use tokio::time::{Duration, Instant};
///
/// /// What a client would put in its request's timeout header.
/// fn timeout_header() -> Option<Duration> {
///     current_deadline().map(|at| at.saturating_duration_since(Instant::now()))
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() -> Result<(), async_with::Elapsed> {
/// assert_eq!(timeout_header(), None);
/// async_with!(timeout(Duration::from_secs(10)) as deadline => {
///     assert_eq!(timeout_header(), Some(Duration::from_secs(10)));
///     async_with!(timeout(Duration::from_secs(3)) => {
///         assert_eq!(timeout_header(), Some(Duration::from_secs(3))); // the nearer one
///     });
///     deadline.reschedule(Instant::now() + Duration::from_secs(2));
///     assert_eq!(timeout_header(), Some(Duration::from_secs(2)));
///     async_with!(shield() => {
///         assert_eq!(timeout_header(), None); // the shield hides the deadlines around it
///     });
/// });
/// # Ok(()) }
/// ```
#[cfg(feature = "tokio")]
pub fn current_deadline() -> Option<Instant> {
    match crate::__private::effective_deadline() {
        Ok(deadline) => deadline.map(Instant::from_std),
        Err(()) => Some(Instant::now()),
    }
}

/// [`current_deadline`](crate::current_deadline) on the std clock, for any runtime (the
/// deadlines of timeouts on any [`Timer`](crate::Timer)): the same rules (C7–C10), and a
/// cancelled `CancelScope` gives `std::time::Instant::now()`.
///
/// ```
/// use async_with::{async_with, current_deadline_std, CancelScope};
///
/// # futures::executor::block_on(async {
/// assert_eq!(current_deadline_std(), None);
/// async_with!(CancelScope::new() as scope => {
///     scope.cancel();
///     assert!(current_deadline_std().is_some()); // cancelled: in effect, now
/// });
/// # });
/// ```
pub fn current_deadline_std() -> Option<std::time::Instant> {
    match crate::__private::effective_deadline() {
        Ok(deadline) => deadline,
        Err(()) => Some(std::time::Instant::now()),
    }
}
