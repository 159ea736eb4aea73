//! The clock and timer a [`timeout`](crate::timeout) runs on: tokio's by default, any
//! other behind the small [`Timer`] trait. Rules C17–C19 of `docs/CANCELLATION.md`.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A clock and a timer for [`timeout`](crate::timeout)-style scopes, so that they run on
/// any async runtime. Implemented by [`TokioTimer`] (feature `tokio`, the default: what
/// [`timeout`](crate::timeout) and [`timeout_at`](crate::timeout_at) use) and
/// `FuturesTimer` (feature `futures-timer`: any executor, `futures::executor`, smol,
/// async-std); use another with [`timeout_with`](crate::timeout_with) /
/// [`timeout_at_with`](crate::timeout_at_with).
///
/// A timer for another runtime is a few lines: smol's `async_io::Timer`, say.
///
/// ```
/// use async_with::{async_with, timeout_with, Elapsed, Timer};
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::time::{Duration, Instant};
///
/// /// A timer that sleeps on a thread per deadline (fine for a test; a runtime's own
/// /// timer is what a program uses).
/// #[derive(Clone, Copy)]
/// struct ThreadTimer;
///
/// impl Timer for ThreadTimer {
///     type Instant = Instant;
///     type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;
///
///     fn now(&self) -> Instant { Instant::now() }
///     fn checked_add(&self, at: Instant, duration: Duration) -> Option<Instant> { at.checked_add(duration) }
///     fn to_std(&self, at: Instant) -> Instant { at }
///     fn sleep_until(&self, at: Instant) -> Self::Sleep {
///         let (tx, rx) = futures::channel::oneshot::channel::<()>();
///         std::thread::spawn(move || {
///             std::thread::sleep(at.saturating_duration_since(Instant::now()));
///             let _ = tx.send(());
///         });
///         Box::pin(async move { let _ = rx.await; })
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let result: Result<(), Elapsed> = async {
///     async_with!(timeout_with(ThreadTimer, Duration::from_millis(20)) => {
///         std::future::pending::<()>().await;
///     });
///     Ok(())
/// }.await;
/// assert_eq!(result, Err(Elapsed));
/// # });
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a timer for `async_with`'s timeouts",
    label = "not an `async_with::Timer`",
    note = "with the `tokio` feature, `timeout(d)` runs on tokio's timer; with `futures-timer`, use `timeout_with(FuturesTimer, d)`; or implement `Timer` for your runtime's timer"
)]
pub trait Timer: Clone + Send + Sync + Unpin + 'static {
    /// An instant of the timer's clock (tokio's paused test clock is not the std clock,
    /// so each timer names its own).
    type Instant: Copy + Ord + Debug + Send + Sync + Unpin + 'static;
    /// What [`sleep_until`](Timer::sleep_until) gives: resolves at the instant.
    type Sleep: Future<Output = ()> + Send + 'static;

    /// Now, on the timer's clock.
    fn now(&self) -> Self::Instant;

    /// `at + duration`, or `None` past the clock's range (no deadline).
    fn checked_add(&self, at: Self::Instant, duration: Duration) -> Option<Self::Instant>;

    /// The instant on the std clock, for [`Elapsed::deadline_std`](crate::Elapsed::deadline_std)
    /// and [`current_deadline_std`](crate::current_deadline_std).
    fn to_std(&self, at: Self::Instant) -> std::time::Instant;

    /// A future that resolves at `at` (at once if it has passed).
    fn sleep_until(&self, at: Self::Instant) -> Self::Sleep;

    /// Moves a sleep to a new instant (after a `reschedule`). By default a new sleep
    /// replaces it; a timer that can move one in place (tokio's) does that.
    fn reset(&self, mut sleep: Pin<&mut Self::Sleep>, at: Self::Instant) {
        sleep.set(self.sleep_until(at));
    }
}

/// tokio's timer and clock (feature `tokio`): what [`timeout`](crate::timeout) uses. The
/// block must run inside a tokio runtime with its time driver (started elsewhere, it
/// panics saying so); tokio's paused test clock (`start_paused`) is followed.
///
/// ```
/// use async_with::{Timer, TokioTimer};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let now = TokioTimer.now();
/// TokioTimer.sleep_until(now + std::time::Duration::from_secs(1)).await;
/// assert_eq!(TokioTimer.now() - now, std::time::Duration::from_secs(1));
/// # }
/// ```
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioTimer;

#[cfg(feature = "tokio")]
impl Timer for TokioTimer {
    type Instant = tokio::time::Instant;
    type Sleep = tokio::time::Sleep;

    fn now(&self) -> tokio::time::Instant {
        tokio::time::Instant::now()
    }

    fn checked_add(
        &self,
        at: tokio::time::Instant,
        duration: Duration,
    ) -> Option<tokio::time::Instant> {
        at.checked_add(duration)
    }

    fn to_std(&self, at: tokio::time::Instant) -> std::time::Instant {
        at.into_std()
    }

    fn sleep_until(&self, at: tokio::time::Instant) -> tokio::time::Sleep {
        if tokio::runtime::Handle::try_current().is_err() {
            panic!("{}", NO_RUNTIME);
        }
        tokio::time::sleep_until(at)
    }

    fn reset(&self, sleep: Pin<&mut tokio::time::Sleep>, at: tokio::time::Instant) {
        sleep.reset(at);
    }
}

/// The panic of a `timeout` block run outside a tokio runtime.
#[cfg(feature = "tokio")]
const NO_RUNTIME: &str = "`async_with::timeout` needs a running tokio runtime (with its time driver: `#[tokio::main]`, `#[tokio::test]`, or a runtime built with `enable_time()`); the block was started outside one";

/// The `futures-timer` crate's timer on the std clock (feature `futures-timer`): runs on
/// any executor — `futures::executor::block_on`, smol, async-std — with no runtime of its
/// own to enter (its timer thread starts on first use).
///
/// ```
/// use async_with::{async_with, timeout_with, Elapsed, FuturesTimer};
/// use std::time::Duration;
///
/// # futures::executor::block_on(async {
/// let result: Result<(), Elapsed> = async {
///     async_with!(timeout_with(FuturesTimer, Duration::from_millis(20)) => {
///         std::future::pending::<()>().await;
///     });
///     Ok(())
/// }.await;
/// assert_eq!(result, Err(Elapsed));
/// # });
/// ```
#[cfg(feature = "futures-timer")]
#[derive(Debug, Clone, Copy, Default)]
pub struct FuturesTimer;

#[cfg(feature = "futures-timer")]
impl Timer for FuturesTimer {
    type Instant = std::time::Instant;
    type Sleep = futures_timer::Delay;

    fn now(&self) -> std::time::Instant {
        std::time::Instant::now()
    }

    fn checked_add(
        &self,
        at: std::time::Instant,
        duration: Duration,
    ) -> Option<std::time::Instant> {
        at.checked_add(duration)
    }

    fn to_std(&self, at: std::time::Instant) -> std::time::Instant {
        at
    }

    fn sleep_until(&self, at: std::time::Instant) -> futures_timer::Delay {
        futures_timer::Delay::new(at.saturating_duration_since(std::time::Instant::now()))
    }

    fn reset(&self, sleep: Pin<&mut futures_timer::Delay>, at: std::time::Instant) {
        sleep
            .get_mut()
            .reset(at.saturating_duration_since(std::time::Instant::now()));
    }
}

/// What `Timeout` names when no timer is: with the `tokio` feature, [`TokioTimer`];
/// without it, a type that is no timer, so a bare `Timeout` asks for one.
#[cfg(feature = "tokio")]
pub type DefaultTimer = TokioTimer;

/// What `Timeout` names when no timer is: with the `tokio` feature, `TokioTimer`;
/// without it, this type, which has no value, so a `Timeout` is always built with a
/// timer ([`timeout_with`](crate::timeout_with)).
#[cfg(not(feature = "tokio"))]
#[derive(Debug, Clone, Copy)]
pub enum DefaultTimer {}

#[cfg(not(feature = "tokio"))]
impl Timer for DefaultTimer {
    type Instant = std::time::Instant;
    type Sleep = std::future::Pending<()>;

    fn now(&self) -> std::time::Instant {
        match *self {}
    }
    fn checked_add(&self, _: std::time::Instant, _: Duration) -> Option<std::time::Instant> {
        match *self {}
    }
    fn to_std(&self, _: std::time::Instant) -> std::time::Instant {
        match *self {}
    }
    fn sleep_until(&self, _: std::time::Instant) -> std::future::Pending<()> {
        match *self {}
    }
}
