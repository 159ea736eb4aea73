//! `timeout`, `timeout_at` and their handle: a scope that cuts its body at a deadline,
//! on tokio's timer or any other [`Timer`].

use crate::scope::{CutReason, Elapsed, Scope};
use crate::timer::{DefaultTimer, Timer};
use crate::{AsyncContext, Outcome};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A block that fails with [`Elapsed`](struct@crate::Elapsed) if its body is still running at `deadline`:
/// the body is cut there, every exit inside it runs async (seeing a cancellation),
/// and the block leaves the function as `?` would. Around it,
/// `suppress::<Elapsed>()` moves on instead. Python's `asyncio.timeout`.
///
/// ```
/// use async_with::{async_with, timeout, Elapsed};
/// use std::time::Duration;
///
/// async fn slow() -> Result<u32, Elapsed> {
///     async_with!(timeout(Duration::from_secs(1)) => {
///         tokio::time::sleep(Duration::from_secs(5)).await;
///     });
///     Ok(1)
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// assert_eq!(slow().await, Err(Elapsed));
/// # }
/// ```
///
/// The deadline is counted from when the block starts (its cut is taken just before
/// enter), as `asyncio.timeout` counts from `__aenter__`: a `timeout(d)` made earlier
/// and entered later still gives the body `d`. A deadline that has passed (a zero
/// timeout) cuts the body at its first await, even one that is ready at once
/// (`yield_now`, `sleep(Duration::ZERO)`); a body without an await completes. A
/// duration past the clock's range (`Duration::MAX`) means no limit: the body is never
/// cut and [`TimeoutHandle::deadline`] is `None`. The block binds a [`TimeoutHandle`],
/// which reads and moves the deadline.
///
/// The deadline is kept by tokio's timer ([`TokioTimer`](crate::TokioTimer), feature
/// `tokio`), so the block must run inside a tokio runtime with its time driver enabled
/// (`#[tokio::main]`, `#[tokio::test]`, `Builder::enable_time`); started anywhere else it
/// panics saying so. On another runtime, [`timeout_with`] takes its timer.
#[cfg(feature = "tokio")]
pub fn timeout(duration: Duration) -> Timeout {
    timeout_with(crate::TokioTimer, duration)
}

/// [`timeout`] on another [`Timer`]: another runtime's, or
/// `FuturesTimer` (feature `futures-timer`) on any executor. The
/// same scope in every other respect (C17 of `docs/CANCELLATION.md`).
///
/// ```
/// use async_with::{async_with, timeout_with, Elapsed, TokioTimer};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let result: Result<(), Elapsed> = async {
///     async_with!(timeout_with(TokioTimer, Duration::from_secs(1)) => {
///         tokio::time::sleep(Duration::from_secs(5)).await;
///     });
///     Ok(())
/// }.await;
/// assert_eq!(result, Err(Elapsed));
/// # }
/// ```
pub fn timeout_with<T: Timer>(timer: T, duration: Duration) -> Timeout<T> {
    Timeout {
        deadline: Deadline::After(duration),
        shared: Arc::new(Shared::new(timer)),
    }
}

/// [`timeout_at`] on another [`Timer`], with a deadline of that timer's clock.
///
/// ```
/// use async_with::{async_with, timeout_at_with, Timer, TokioTimer};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() -> Result<(), async_with::Elapsed> {
/// let at = TokioTimer.now() + Duration::from_secs(1);
/// let n = async_with!(timeout_at_with(TokioTimer, at) => { 7 });
/// assert_eq!(n, 7);
/// # Ok(()) }
/// ```
pub fn timeout_at_with<T: Timer>(timer: T, deadline: T::Instant) -> Timeout<T> {
    Timeout {
        deadline: Deadline::At(deadline),
        shared: Arc::new(Shared::new(timer)),
    }
}

/// [`timeout`] with a deadline given as an instant of tokio's clock.
///
/// ```
/// use async_with::{async_with, timeout_at};
/// use tokio::time::{Duration, Instant};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() -> Result<(), async_with::Elapsed> {
/// let deadline = Instant::now() + Duration::from_secs(1);
/// let n = async_with!(timeout_at(deadline) => { 7 }); // done long before the deadline
/// assert_eq!(n, 7);
/// # Ok(()) }
/// ```
#[cfg(feature = "tokio")]
pub fn timeout_at(deadline: tokio::time::Instant) -> Timeout {
    timeout_at_with(crate::TokioTimer, deadline)
}

/// The context [`timeout`] and [`timeout_at`] build (on tokio's timer), or
/// [`timeout_with`] and [`timeout_at_with`] (on the timer `T`).
pub struct Timeout<T: Timer = DefaultTimer> {
    deadline: Deadline<T::Instant>,
    shared: Arc<Shared<T>>,
}

/// What a [`TimeoutHandle`] shares with its block's cut.
struct Shared<T: Timer> {
    timer: T,
    /// Set by the block's start, then by `reschedule` (`None`: never), with the waker
    /// of the block that waits for it.
    deadline: Mutex<(Option<T::Instant>, Option<Waker>)>,
    expired: AtomicBool,
}

impl<T: Timer> Shared<T> {
    fn new(timer: T) -> Self {
        Shared {
            timer,
            deadline: Mutex::new((None, None)),
            expired: AtomicBool::new(false),
        }
    }
}

/// What [`current_deadline`](crate::current_deadline) reads: the deadline as it is now,
/// after any `reschedule` (C9).
impl<T: Timer> crate::__private::FrameDeadline for Shared<T> {
    fn cancelled(&self) -> bool {
        false
    }
    fn deadline(&self) -> Option<std::time::Instant> {
        let deadline = crate::lock(&self.deadline).0;
        deadline.map(|at| self.timer.to_std(at))
    }
}

/// The deadline of a running [`timeout`] block, bound by the block: read it, move it
/// (Python's `Timeout.when()` and `reschedule()`, Trio's `scope.deadline`), and ask
/// whether it cut the body. `Clone + Send + Sync + 'static`: another task can move it
/// too.
///
/// An idle timeout: the body is cut once no message came for a second.
///
/// ```
/// use async_with::{async_with, timeout, Elapsed};
/// use tokio::time::{sleep, Duration, Instant};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let start = Instant::now();
/// let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(8);
/// tokio::spawn(async move {
///     for delay in [300, 900, 500] {
///         sleep(Duration::from_millis(delay)).await;
///         tx.send(delay).await.unwrap();
///     }
///     sleep(Duration::from_secs(60)).await; // keeps the channel open, silent
/// });
/// let mut received = Vec::new();
/// let idle: Result<(), Elapsed> = async {
///     async_with!(timeout(Duration::from_secs(1)) as deadline => {
///         while let Some(message) = rx.recv().await {
///             received.push(message);
///             deadline.reschedule(Instant::now() + Duration::from_secs(1));
///         }
///     });
///     Ok(())
/// }.await;
/// assert_eq!(idle, Err(Elapsed));
/// assert_eq!(received, [300, 900, 500]);
/// assert_eq!(start.elapsed(), Duration::from_millis(2700)); // 1 s after the last one
/// # }
/// ```
pub struct TimeoutHandle<T: Timer = DefaultTimer> {
    shared: Arc<Shared<T>>,
}

impl<T: Timer> Clone for TimeoutHandle<T> {
    fn clone(&self) -> Self {
        TimeoutHandle {
            shared: self.shared.clone(),
        }
    }
}

impl<T: Timer> TimeoutHandle<T> {
    /// When the body will be cut if it is still running then (Python's `when()`);
    /// `None` once [`reschedule`](Self::reschedule)d to `None`.
    ///
    /// ```
    /// use async_with::{async_with, timeout_at};
    /// use tokio::time::{Duration, Instant};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() -> Result<(), async_with::Elapsed> {
    /// let at = Instant::now() + Duration::from_secs(5);
    /// async_with!(timeout_at(at) as deadline => {
    ///     assert_eq!(deadline.deadline(), Some(at));
    /// });
    /// # Ok(()) }
    /// ```
    pub fn deadline(&self) -> Option<T::Instant> {
        crate::lock(&self.shared.deadline).0
    }

    /// Moves the deadline, earlier or later, or takes it away (`None`: the body is
    /// never cut), as Python's `reschedule()` does. A deadline already passed cuts the
    /// body at its next await. After the block ended, it changes nothing.
    ///
    /// ```
    /// use async_with::{async_with, timeout};
    /// use tokio::time::{sleep, Duration, Instant};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() -> Result<(), async_with::Elapsed> {
    /// async_with!(timeout(Duration::from_secs(1)) as deadline => {
    ///     deadline.reschedule(Instant::now() + Duration::from_secs(3));
    ///     sleep(Duration::from_millis(2500)).await; // within the new deadline
    ///     deadline.reschedule(None);
    ///     sleep(Duration::from_secs(60)).await; // no deadline any more
    /// });
    /// # Ok(()) }
    /// ```
    pub fn reschedule(&self, deadline: impl IntoDeadline<T::Instant>) {
        let deadline = deadline.into_deadline();
        let waker = {
            let mut state = crate::lock(&self.shared.deadline);
            state.0 = deadline;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether the deadline passed while the body ran, cutting it (Python's
    /// `Timeout.expired()`, Trio's `cancelled_caught`): `true` from the block's exit
    /// on. Also `true` when a scope around the block cut it as this deadline passed
    /// (two nested timeouts with one deadline: the outer one fails, both expired).
    ///
    /// ```
    /// use async_with::{async_with, suppress, timeout, Elapsed};
    /// use tokio::time::{sleep, Duration};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let mut handle = None;
    /// async_with!(suppress::<Elapsed>(), timeout(Duration::from_secs(1)) as deadline => {
    ///     handle = Some(deadline.clone());
    ///     assert!(!deadline.expired());
    ///     sleep(Duration::from_secs(2)).await;
    /// });
    /// assert!(handle.unwrap().expired());
    /// # }
    /// ```
    pub fn expired(&self) -> bool {
        self.shared.expired.load(Ordering::SeqCst)
    }
}

/// What [`TimeoutHandle::reschedule`] takes: an instant of the timer's clock (for
/// [`timeout`], a `tokio::time::Instant`), or `None` for no deadline. (Sealed:
/// implemented for `I` and `Option<I>` only.)
///
/// ```
/// use async_with::IntoDeadline;
/// use tokio::time::Instant;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let now = Instant::now();
/// assert_eq!(IntoDeadline::<Instant>::into_deadline(now), Some(now));
/// assert_eq!(IntoDeadline::<Instant>::into_deadline(None), None);
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "a timeout's deadline is a `{I}` (or `None`: no deadline), not `{Self}`",
    label = "not an instant of the timeout's clock",
    note = "for a deadline some time from now, write `Instant::now() + duration` with the clock's `Instant` (for `timeout`, `tokio::time::Instant`)"
)]
pub trait IntoDeadline<I>: sealed::Sealed<I> {
    /// The deadline, or `None` for none.
    fn into_deadline(self) -> Option<I>;
}

#[diagnostic::do_not_recommend]
impl<I: Copy + Ord + std::fmt::Debug> IntoDeadline<I> for I {
    fn into_deadline(self) -> Option<I> {
        Some(self)
    }
}

#[diagnostic::do_not_recommend]
impl<I: Copy + Ord + std::fmt::Debug> IntoDeadline<I> for Option<I> {
    fn into_deadline(self) -> Option<I> {
        self
    }
}

mod sealed {
    pub trait Sealed<I> {}
    impl<I: Copy + Ord + std::fmt::Debug> Sealed<I> for I {}
    impl<I: Copy + Ord + std::fmt::Debug> Sealed<I> for Option<I> {}
}

#[derive(Debug)]
enum Deadline<I> {
    /// This long after the block starts.
    After(Duration),
    At(I),
}

#[diagnostic::do_not_recommend]
impl<T: Timer> AsyncContext for Timeout<T> {
    type Value<'a> = TimeoutHandle<T>;
    type Error = Elapsed;
    type Decision = ();
    const __ASYNC_WITH_SCOPE: bool = true;

    async fn enter(&mut self) -> Result<TimeoutHandle<T>, Elapsed> {
        Ok(TimeoutHandle {
            shared: self.shared.clone(),
        })
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Elapsed> {
        let cut = outcome.is_cut();
        // Cut by a scope around it whose deadline (or cancel) came at the same time:
        // this deadline passed too, as both of Python's nested timeouts expire.
        let passed = outcome.is_cancelled()
            && crate::lock(&self.shared.deadline)
                .0
                .is_some_and(|at| at <= self.shared.timer.now());
        if cut || passed {
            self.shared.expired.store(true, Ordering::SeqCst);
        }
        if !cut {
            return Ok(());
        }
        // The deadline the cut was taken for (C13), not one set since.
        let fired = outcome
            .cancel_reason()
            .and_then(|reason| reason.downcast_ref::<Elapsed>())
            .copied()
            .unwrap_or(Elapsed);
        Err(fired)
    }
}

impl<T: Timer> Scope for Timeout<T> {
    type Cut = DeadlineCut<T>;

    fn cut(&mut self) -> DeadlineCut<T> {
        let timer = &self.shared.timer;
        // A duration past the clock's range (`Duration::MAX`) is no deadline at all.
        let deadline = match self.deadline {
            Deadline::After(duration) => timer.checked_add(timer.now(), duration),
            Deadline::At(instant) => Some(instant),
        };
        // A block entered again starts afresh.
        *crate::lock(&self.shared.deadline) = (deadline, None);
        self.shared.expired.store(false, Ordering::SeqCst);
        // (tokio's timer panics here, naming what it needs, outside a runtime.)
        let sleep = Box::pin(timer.sleep_until(timer_instant(timer, deadline)));
        DeadlineCut {
            sleep,
            timer_for: deadline,
            shared: self.shared.clone(),
        }
    }

    fn __async_with_frame(cut: &DeadlineCut<T>) -> Option<crate::__private::ScopeFrame> {
        Some(crate::__private::ScopeFrame::Deadline(cut.shared.clone()))
    }

    /// The blocks it cuts, and its own exit, see an `Elapsed` naming the deadline.
    fn __async_with_cause(cut: &DeadlineCut<T>, _: CutReason) -> crate::__private::CutCause {
        let deadline = crate::lock(&cut.shared.deadline).0;
        let deadline = deadline.map(|at| cut.shared.timer.to_std(at));
        crate::__private::CutCause::Owned(Arc::new(Elapsed::at(deadline)))
    }
}

/// The instant the timer is set for: the deadline, or for none (or one too far off
/// for the timer) a time some decades away, as `tokio::time::sleep(Duration::MAX)`
/// sleeps.
fn timer_instant<T: Timer>(timer: &T, deadline: Option<T::Instant>) -> T::Instant {
    const FAR: Duration = Duration::from_secs(86_400 * 365 * 30);
    let now = timer.now();
    let Some(far) = timer.checked_add(now, FAR) else {
        return deadline.unwrap_or(now);
    };
    deadline.map_or(far, |deadline| deadline.min(far))
}

/// Resolves at the deadline, following its handle's `reschedule`.
#[doc(hidden)]
pub struct DeadlineCut<T: Timer> {
    sleep: Pin<Box<T::Sleep>>,
    /// The deadline the timer was last set from.
    timer_for: Option<T::Instant>,
    shared: Arc<Shared<T>>,
}

impl<T: Timer> Future for DeadlineCut<T> {
    type Output = CutReason;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<CutReason> {
        let this = self.get_mut();
        let deadline = {
            let mut state = crate::lock(&this.shared.deadline);
            if !state.1.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                state.1 = Some(cx.waker().clone());
            }
            state.0
        };
        let Some(deadline) = deadline else {
            // No deadline: a `reschedule` wakes the block.
            return Poll::Pending;
        };
        let timer = &this.shared.timer;
        if Some(deadline) != this.timer_for {
            this.timer_for = Some(deadline);
            timer.reset(this.sleep.as_mut(), timer_instant(timer, Some(deadline)));
        }
        // tokio's timer rounds a deadline up to its next millisecond tick, so a
        // deadline that has passed (a zero timeout) may not have fired yet: it cuts at
        // this await all the same, as `asyncio.timeout(0)` cuts at `sleep(0)`.
        if this.sleep.as_mut().poll(cx).is_ready() || deadline <= timer.now() {
            return Poll::Ready(&Elapsed as CutReason);
        }
        Poll::Pending
    }
}

impl<T: Timer> std::fmt::Debug for Timeout<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timeout")
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl<T: Timer> std::fmt::Debug for TimeoutHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimeoutHandle")
            .field("deadline", &self.deadline())
            .field("expired", &self.expired())
            .finish()
    }
}

crate::context::send_context! {
    impl[T: Timer] for Timeout<T>;
}
