//! Scopes: contexts that cut their own body short while the block lives on, so that every
//! exit inside and around the cut still runs async.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Why a scope cut its body: an error with a `'static` lifetime, which the scope's exit
/// sees in its [`Outcome`](crate::Outcome) (with [`is_cut`](crate::Outcome::is_cut)).
pub type CutReason = &'static (dyn Error + Send + Sync);

/// A context that can cut its own body short: Trio's cancel scope, Python's
/// `asyncio.timeout`.
///
/// [`cut`](Scope::cut) is taken once, before enter; the block polls it whenever its body is
/// left pending. When it resolves, the body is cut at its current await: blocks inside it
/// (also inside async fns it awaits, on the same task) first run their async exits,
/// innermost first, seeing [`Outcome::is_cancelled`](crate::Outcome::is_cancelled); then
/// the body's future is dropped, and this context's exit runs with
/// [`Outcome::is_cut`](crate::Outcome::is_cut). That exit must end the cut: return an error
/// (the block then fails with it, as [`timeout`] does with [`Elapsed`]) or, for a context
/// whose exit returns [`Exit`](crate::Exit), `Exit::Suppress` (the block then gives `()` /
/// `None`, as [`CancelScope`] does). An exit that does neither panics, naming the mistake.
/// A scope around this block that fires in the same poll takes the cut instead (the
/// outermost wins, as with nested `asyncio.timeout`s and Trio's cancel scopes): this
/// context's exit then sees [`Outcome::is_cancelled`](crate::Outcome::is_cancelled), as
/// any context inside a cut body does, and should let it go on.
///
/// Exits are never cut. Work spawned onto other tasks is outside the scope. A generic
/// `C: AsyncContext` in a block is taken as a plain context (its cut is not polled). An
/// `Option` of a scope is a scope. A scope cuts the body of the `async_with!` it is listed
/// in; an [`ExitStack`](crate::ExitStack) has no body, and refuses this crate's scopes at
/// compile time (one written by hand, entered into a stack, would cut nothing).
///
/// A scope written by hand: cut the body when a client disconnects.
///
/// ```
/// use async_with::{async_context, async_with, CutReason, Exit, Outcome, Scope};
/// use std::future::Future;
/// use std::pin::Pin;
/// use tokio::sync::watch;
///
/// #[derive(Debug)]
/// struct Disconnected;
/// impl std::fmt::Display for Disconnected {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("client disconnected") }
/// }
/// impl std::error::Error for Disconnected {}
///
/// /// Cuts its body when `connected` turns false; the block then gives `()`.
/// struct WhileConnected { connected: watch::Receiver<bool> }
///
/// #[async_context]
/// impl WhileConnected {
///     async fn exit(&mut self, outcome: Outcome<'_>) -> Exit {
///         if outcome.is_cut() { Exit::Suppress } else { Exit::Propagate }
///     }
/// }
///
/// impl Scope for WhileConnected {
///     type Cut = Pin<Box<dyn Future<Output = CutReason> + Send>>;
///     fn cut(&mut self) -> Self::Cut {
///         let mut connected = self.connected.clone();
///         Box::pin(async move {
///             let _ = connected.wait_for(|up| !*up).await;
///             &Disconnected as CutReason
///         })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let (tx, rx) = watch::channel(true);
/// tokio::spawn(async move {
///     tokio::time::sleep(std::time::Duration::from_secs(1)).await;
///     tx.send(false).unwrap();
/// });
/// let mut sent = 0;
/// async_with!(WhileConnected { connected: rx } => {
///     loop {
///         sent += 1;
///         tokio::time::sleep(std::time::Duration::from_millis(300)).await;
///     }
/// });
/// assert_eq!(sent, 4); // at 0, 300, 600 and 900 ms; cut at 1 s
/// # }
/// ```
pub trait Scope {
    /// Resolves when the body must be cut, with the reason.
    type Cut: Future<Output = CutReason> + Unpin;

    /// The scope's cut, taken once before enter.
    fn cut(&mut self) -> Self::Cut;

    /// Called when a scope around this block begins to cut while this context's exit is
    /// running (the exit is not cut: S19). A `TaskGroup` cuts the tasks its exit waits for.
    #[doc(hidden)]
    fn __async_with_cut_reaches_exit(_cut: &mut Self::Cut) {}

    /// What the scope tells the code in its body: it is a `shield()`, or it has a
    /// deadline ([`current_deadline`](crate::current_deadline)). This crate's scopes only.
    #[doc(hidden)]
    fn __async_with_frame(_cut: &Self::Cut) -> Option<crate::__private::ScopeFrame> {
        None
    }

    /// Why the scope cut, as the exits in its body and its own exit see it: `reason`
    /// itself, or what a scope of this crate has in its place (a `cancel_with` reason, the
    /// deadline that passed).
    #[doc(hidden)]
    fn __async_with_cause(_cut: &Self::Cut, reason: CutReason) -> crate::__private::CutCause {
        crate::__private::CutCause::Static(reason)
    }
}

impl<S: Scope + ?Sized> Scope for &mut S {
    type Cut = S::Cut;
    fn cut(&mut self) -> Self::Cut {
        (**self).cut()
    }
    fn __async_with_cut_reaches_exit(cut: &mut Self::Cut) {
        S::__async_with_cut_reaches_exit(cut);
    }
    fn __async_with_frame(cut: &Self::Cut) -> Option<crate::__private::ScopeFrame> {
        S::__async_with_frame(cut)
    }
    fn __async_with_cause(cut: &Self::Cut, reason: CutReason) -> crate::__private::CutCause {
        S::__async_with_cause(cut, reason)
    }
}

/// An optional scope (`deadline.map(timeout)`): `Some` cuts as its scope does, `None`
/// never cuts.
///
/// ```
/// use async_with::{async_with, timeout, Elapsed};
/// use std::time::Duration;
///
/// async fn fetch(deadline: Option<Duration>) -> Result<u32, Elapsed> {
///     async_with!(deadline.map(timeout) => {
///         tokio::time::sleep(Duration::from_secs(5)).await;
///     });
///     Ok(1)
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// assert_eq!(fetch(Some(Duration::from_secs(1))).await, Err(Elapsed));
/// assert_eq!(fetch(None).await, Ok(1));
/// # }
/// ```
impl<S: Scope> Scope for Option<S> {
    type Cut = OptionalCut<S::Cut>;
    fn cut(&mut self) -> Self::Cut {
        OptionalCut(self.as_mut().map(Scope::cut))
    }
    fn __async_with_cut_reaches_exit(cut: &mut Self::Cut) {
        if let Some(cut) = &mut cut.0 {
            S::__async_with_cut_reaches_exit(cut);
        }
    }
    fn __async_with_frame(cut: &Self::Cut) -> Option<crate::__private::ScopeFrame> {
        cut.0.as_ref().and_then(S::__async_with_frame)
    }
    fn __async_with_cause(cut: &Self::Cut, reason: CutReason) -> crate::__private::CutCause {
        match &cut.0 {
            Some(cut) => S::__async_with_cause(cut, reason),
            None => crate::__private::CutCause::Static(reason),
        }
    }
}

/// The cut of an optional scope: never resolves for `None`.
#[doc(hidden)]
pub struct OptionalCut<C>(Option<C>);

impl<C: Future<Output = CutReason> + Unpin> Future for OptionalCut<C> {
    type Output = CutReason;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<CutReason> {
        match &mut self.get_mut().0 {
            Some(cut) => Pin::new(cut).poll(cx),
            None => Poll::Pending,
        }
    }
}

/// The error of a [`timeout`] block whose deadline passed; it says which deadline that
/// was ([`deadline`](Elapsed::deadline), C13 of `docs/CANCELLATION.md`).
///
/// `Elapsed` is also a constant, an `Elapsed` that names no deadline, and every `Elapsed`
/// compares equal to every other (which deadline passed is information, not identity): so
/// `assert_eq!(result, Err(Elapsed))` and `Err(Elapsed)` as a value keep working. (Not as
/// a `match` pattern: match `Err(e)` and look at `e`.)
///
/// ```
/// use async_with::Elapsed;
///
/// assert_eq!(Elapsed.to_string(), "deadline has elapsed");
/// assert_eq!(Elapsed.deadline(), None);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Elapsed {
    /// The deadline that passed, on the std clock (tokio's `Instant` converts from it).
    deadline: Option<std::time::Instant>,
}

/// The [`Elapsed`] that names no deadline: what `Err(Elapsed)` compares with.
#[allow(non_upper_case_globals)]
pub const Elapsed: Elapsed = Elapsed { deadline: None };

impl Elapsed {
    /// The error of a timeout whose deadline `deadline` passed.
    pub(crate) fn at(deadline: Option<std::time::Instant>) -> Elapsed {
        Elapsed { deadline }
    }

    /// Which deadline passed: the one the [`timeout`] block had when it cut its body
    /// (after any [`reschedule`](crate::TimeoutHandle::reschedule)), so nested timeouts
    /// tell which one fired. `None` for the constant [`Elapsed`].
    ///
    /// ```
    /// use async_with::{async_with, timeout, Elapsed};
    /// use tokio::time::{sleep, Duration, Instant};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let start = Instant::now();
    /// let result: Result<(), Elapsed> = async {
    ///     async_with!(timeout(Duration::from_secs(10)) => {
    ///         async_with!(timeout(Duration::from_secs(1)) => { sleep(Duration::from_secs(60)).await; });
    ///     });
    ///     Ok(())
    /// }.await;
    /// let elapsed = result.unwrap_err();
    /// assert_eq!(elapsed, Elapsed); // as before
    /// assert_eq!(elapsed.deadline(), Some(start + Duration::from_secs(1))); // the inner one
    /// # }
    /// ```
    #[cfg(feature = "tokio")]
    pub fn deadline(&self) -> Option<tokio::time::Instant> {
        self.deadline.map(tokio::time::Instant::from_std)
    }
}

/// Every `Elapsed` equals every other: see [`Elapsed`].
impl PartialEq for Elapsed {
    fn eq(&self, _: &Elapsed) -> bool {
        true
    }
}

impl Eq for Elapsed {}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl Error for Elapsed {}

/// An `Elapsed` deadline is an I/O error of kind `TimedOut` (as with tokio's own
/// `Elapsed`), so a `timeout` block can sit in a function returning `io::Result`.
///
/// ```
/// use async_with::{async_with, timeout};
/// use std::time::Duration;
///
/// async fn read_reply() -> std::io::Result<u32> {
///     async_with!(timeout(Duration::from_secs(1)) => {
///         tokio::time::sleep(Duration::from_secs(5)).await;
///     });
///     Ok(1)
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let error = read_reply().await.unwrap_err();
/// assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
/// # }
/// ```
impl From<Elapsed> for std::io::Error {
    fn from(elapsed: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, elapsed)
    }
}

/// Trio's cancel scope: [`handle`](CancelScope::handle) gives a [`CancelHandle`] whose
/// [`cancel`](CancelHandle::cancel) cuts the block's body from anywhere (another task,
/// another thread). The scope swallows its own cut: the block gives `()` (or `None`) and
/// the code after it runs; contexts around it see nothing. A handle cancelled before the
/// block is entered cuts the body at its first await. The block binds the handle.
///
/// ```
/// use async_with::{async_with, CancelScope};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let scope = CancelScope::new();
/// let handle = scope.handle();
/// tokio::spawn(async move {
///     tokio::time::sleep(Duration::from_secs(1)).await;
///     handle.cancel();
/// });
/// let mut ticks = 0;
/// async_with!(scope => {
///     loop {
///         tokio::time::sleep(Duration::from_millis(400)).await;
///         ticks += 1;
///     }
/// });
/// assert_eq!(ticks, 2); // at 400 and 800 ms; cut at 1 s
/// # }
/// ```
#[derive(Default)]
pub struct CancelScope {
    shared: Arc<Flag>,
}

/// Cancels a [`CancelScope`]'s block. `Clone + Send + Sync + 'static`.
///
/// ```
/// let scope = async_with::CancelScope::new();
/// let handle = scope.handle();
/// assert!(!handle.is_cancelled());
/// handle.cancel();
/// assert!(handle.is_cancelled());
/// ```
#[derive(Clone, Default)]
pub struct CancelHandle {
    shared: Arc<Flag>,
}

/// A flag set once, from anywhere, waking the block that waits for it: a cancelled
/// [`CancelScope`].
#[derive(Default)]
struct Flag {
    set: AtomicBool,
    waker: Mutex<Option<Waker>>,
    /// The scope cut its body (Trio's `cancelled_caught`).
    caught: AtomicBool,
    /// The reason of the first cancel, if it gave one (`cancel_with`).
    reason: Mutex<Option<Arc<dyn Error + Send + Sync>>>,
}

/// A cancelled scope's deadline has passed, in effect (C8).
impl crate::__private::FrameDeadline for Flag {
    fn cancelled(&self) -> bool {
        self.is_set()
    }
    fn deadline(&self) -> Option<std::time::Instant> {
        None
    }
}

impl Flag {
    /// Sets the flag and wakes the waiting block. The first cancel decides the reason.
    fn set(&self, reason: Option<Arc<dyn Error + Send + Sync>>) {
        {
            let mut kept = crate::lock(&self.reason);
            if self.is_set() {
                return;
            }
            *kept = reason;
            self.set.store(true, Ordering::SeqCst);
        }
        let waker = crate::lock(&self.waker).take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn is_set(&self) -> bool {
        self.set.load(Ordering::SeqCst)
    }

    /// Ready once set; otherwise registers the waker.
    fn poll_set(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.is_set() {
            return Poll::Ready(());
        }
        *crate::lock(&self.waker) = Some(cx.waker().clone());
        // A `set` between the check and the registration found no waker: look again.
        if self.is_set() {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl CancelScope {
    /// A scope not cancelled yet.
    ///
    /// ```
    /// assert!(!async_with::CancelScope::new().handle().is_cancelled());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A handle that cancels this scope.
    ///
    /// ```
    /// let scope = async_with::CancelScope::new();
    /// scope.handle().cancel();
    /// assert!(scope.handle().is_cancelled());
    /// ```
    pub fn handle(&self) -> CancelHandle {
        CancelHandle {
            shared: self.shared.clone(),
        }
    }

    /// Cancels the scope before its block is entered (Trio's `scope.cancel()`): the body
    /// is cut at its first await. From inside the block or from elsewhere, cancel through
    /// a [`handle`](Self::handle). (An inherent method, so it is this one that
    /// `scope.cancel()` calls, not the no-op `AsyncContext::cancel` hook.)
    ///
    /// ```
    /// use async_with::{async_with, AsyncContext, CancelScope};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let scope = CancelScope::new();
    /// scope.cancel();
    /// let mut reached = false;
    /// let value = async_with!(scope => {
    ///     tokio::task::yield_now().await;
    ///     reached = true;
    ///     Some(1)
    /// });
    /// assert_eq!((value, reached), (None, false));
    /// # }
    /// ```
    pub fn cancel(&self) {
        self.shared.set(None);
    }

    /// [`cancel`](Self::cancel), for a reason: see [`CancelHandle::cancel_with`].
    ///
    /// ```
    /// let scope = async_with::CancelScope::new();
    /// scope.cancel_with("not needed any more");
    /// assert_eq!(scope.handle().cancel_reason().unwrap().to_string(), "not needed any more");
    /// ```
    pub fn cancel_with(&self, reason: impl Into<Box<dyn Error + Send + Sync>>) {
        self.shared.set(Some(Arc::from(reason.into())));
    }
}

impl CancelHandle {
    /// Cuts the scope's body (now, or at its first await if it has not started).
    /// Cancelling twice does nothing more.
    ///
    /// ```
    /// let scope = async_with::CancelScope::new();
    /// scope.handle().cancel();
    /// scope.handle().cancel();
    /// ```
    pub fn cancel(&self) {
        self.shared.set(None);
    }

    /// Cuts the scope's body as [`cancel`](CancelHandle::cancel) does, for a reason (Go's
    /// `WithCancelCause`, Trio's `cancel(reason)`): every exit inside the cut body sees it
    /// through [`Outcome::cancel_reason`](crate::Outcome::cancel_reason), so does the
    /// scope's own exit, and [`cancel_reason`](CancelHandle::cancel_reason) keeps it after
    /// the block. Any error, owned: `cancel_with(MyError { .. })`, `cancel_with("shutting
    /// down")`, a `Box<dyn Error + Send + Sync>`. The first cancel decides: a scope
    /// already cancelled keeps its reason (or its lack of one).
    ///
    /// ```
    /// use async_with::{async_with, CancelScope};
    ///
    /// # futures::executor::block_on(async {
    /// let scope = CancelScope::new();
    /// let handle = scope.handle();
    /// async_with!(scope as cancel => {
    ///     cancel.cancel_with(format!("client {} disconnected", 7));
    ///     cancel.cancel_with("too late: the first reason stays");
    ///     std::future::pending::<()>().await;
    /// });
    /// assert_eq!(handle.cancel_reason().unwrap().to_string(), "client 7 disconnected");
    /// # });
    /// ```
    pub fn cancel_with(&self, reason: impl Into<Box<dyn Error + Send + Sync>>) {
        self.shared.set(Some(Arc::from(reason.into())));
    }

    /// The reason given to [`cancel_with`](CancelHandle::cancel_with), if the scope was
    /// cancelled with one (a plain [`cancel`](CancelHandle::cancel) gives none).
    ///
    /// ```
    /// let scope = async_with::CancelScope::new();
    /// assert!(scope.handle().cancel_reason().is_none());
    /// scope.handle().cancel_with("shutting down");
    /// assert_eq!(scope.handle().cancel_reason().unwrap().to_string(), "shutting down");
    /// ```
    pub fn cancel_reason(&self) -> Option<Arc<dyn Error + Send + Sync>> {
        crate::lock(&self.shared.reason).clone()
    }

    /// Whether [`cancel`](CancelHandle::cancel) was called.
    ///
    /// ```
    /// assert!(!async_with::CancelScope::new().handle().is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.shared.is_set()
    }

    /// Whether the scope cut its body (Trio's `cancelled_caught`): `false` when it was
    /// cancelled only after its body ended, or before its body's last await had passed,
    /// or when a scope around it took the cut.
    ///
    /// ```
    /// use async_with::{async_with, CancelScope};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let scope = CancelScope::new();
    /// let handle = scope.handle();
    /// async_with!(scope as handle => {
    ///     handle.cancel();
    ///     tokio::task::yield_now().await; // cut here
    /// });
    /// assert!(handle.cancelled_caught());
    ///
    /// let scope = CancelScope::new();
    /// let handle = scope.handle();
    /// async_with!(scope => {});
    /// handle.cancel(); // too late to cut anything
    /// assert!(handle.is_cancelled() && !handle.cancelled_caught());
    /// # }
    /// ```
    pub fn cancelled_caught(&self) -> bool {
        self.shared.caught.load(Ordering::SeqCst)
    }
}

/// The reason a [`CancelScope`] gives for its cut.
#[derive(Debug)]
struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cancelled by its scope's handle")
    }
}

impl Error for Cancelled {}

#[diagnostic::do_not_recommend]
impl crate::AsyncContext for CancelScope {
    type Value<'a> = CancelHandle;
    type Error = std::convert::Infallible;
    type Decision = crate::Exit;
    const __ASYNC_WITH_SCOPE: bool = true;

    async fn enter(&mut self) -> Result<CancelHandle, Self::Error> {
        Ok(self.handle())
    }

    async fn exit(&mut self, outcome: crate::Outcome<'_>) -> Result<crate::Exit, Self::Error> {
        if outcome.is_cut() {
            self.shared.caught.store(true, Ordering::SeqCst);
        }
        Ok(swallow_own_cut(&outcome))
    }
}

/// The exit decision of a scope that swallows its own cut (a [`CancelScope`], each task of
/// a `TaskGroup`): suppress the cut, let anything else go on.
pub(crate) fn swallow_own_cut(outcome: &crate::Outcome<'_>) -> crate::Exit {
    if outcome.is_cut() {
        crate::Exit::Suppress
    } else {
        crate::Exit::Propagate
    }
}

impl Scope for CancelScope {
    type Cut = CancelCut;

    fn cut(&mut self) -> CancelCut {
        CancelCut {
            shared: self.shared.clone(),
        }
    }

    fn __async_with_frame(cut: &CancelCut) -> Option<crate::__private::ScopeFrame> {
        Some(crate::__private::ScopeFrame::Deadline(cut.shared.clone()))
    }

    fn __async_with_cause(cut: &CancelCut, reason: CutReason) -> crate::__private::CutCause {
        match &*crate::lock(&cut.shared.reason) {
            Some(given) => crate::__private::CutCause::Owned(given.clone()),
            None => crate::__private::CutCause::Static(reason),
        }
    }
}

/// Resolves once the scope's handle is cancelled.
#[doc(hidden)]
pub struct CancelCut {
    shared: Arc<Flag>,
}

impl Future for CancelCut {
    type Output = CutReason;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<CutReason> {
        self.shared.poll_set(cx).map(|()| &Cancelled as CutReason)
    }
}

impl fmt::Debug for CancelScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelScope")
            .field("cancelled", &self.shared.is_set())
            .finish()
    }
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle")
            .field("cancelled", &self.is_cancelled())
            .field("cancelled_caught", &self.cancelled_caught())
            .finish()
    }
}

crate::context::send_context! {
    impl[] for CancelScope;
}

#[cfg(feature = "tokio")]
pub use self::deadline::{IntoDeadline, Timeout, TimeoutHandle, timeout, timeout_at};

#[cfg(feature = "tokio")]
mod deadline {
    use super::{CutReason, Elapsed, Scope};
    use crate::{AsyncContext, Outcome};
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;
    use tokio::time::{Instant, Sleep};

    /// A block that fails with [`Elapsed`] if its body is still running at `deadline`:
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
    /// The deadline is kept by tokio's timer, so the block must run inside a tokio runtime
    /// with its time driver enabled (`#[tokio::main]`, `#[tokio::test]`,
    /// `Builder::enable_time`); started anywhere else it panics saying so.
    pub fn timeout(duration: Duration) -> Timeout {
        Timeout {
            deadline: Deadline::After(duration),
            shared: Arc::default(),
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
    pub fn timeout_at(deadline: Instant) -> Timeout {
        Timeout {
            deadline: Deadline::At(deadline),
            shared: Arc::default(),
        }
    }

    /// The context [`timeout`] and [`timeout_at`] build.
    pub struct Timeout {
        deadline: Deadline,
        shared: Arc<Shared>,
    }

    /// What a [`TimeoutHandle`] shares with its block's cut.
    #[derive(Default)]
    struct Shared {
        /// Set by the block's start, then by `reschedule` (`None`: never), with the waker
        /// of the block that waits for it.
        deadline: Mutex<(Option<Instant>, Option<Waker>)>,
        expired: AtomicBool,
    }

    /// What [`current_deadline`](crate::current_deadline) reads: the deadline as it is now,
    /// after any `reschedule` (C9).
    impl crate::__private::FrameDeadline for Shared {
        fn cancelled(&self) -> bool {
            false
        }
        fn deadline(&self) -> Option<std::time::Instant> {
            crate::lock(&self.deadline).0.map(Instant::into_std)
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
    #[derive(Clone)]
    pub struct TimeoutHandle {
        shared: Arc<Shared>,
    }

    impl TimeoutHandle {
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
        pub fn deadline(&self) -> Option<Instant> {
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
        pub fn reschedule(&self, deadline: impl IntoDeadline) {
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

    /// What [`TimeoutHandle::reschedule`] takes: an instant of tokio's clock, or `None`
    /// for no deadline. (Sealed: implemented for `tokio::time::Instant` and
    /// `Option<tokio::time::Instant>` only.)
    ///
    /// ```
    /// use async_with::IntoDeadline;
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let now = Instant::now();
    /// assert_eq!(now.into_deadline(), Some(now));
    /// assert_eq!(None.into_deadline(), None);
    /// # }
    /// ```
    #[diagnostic::on_unimplemented(
        message = "a timeout's deadline is a `tokio::time::Instant` (or `None`: no deadline), not `{Self}`",
        label = "not an instant of tokio's clock",
        note = "for a deadline some time from now, write `tokio::time::Instant::now() + duration`"
    )]
    pub trait IntoDeadline: sealed::Sealed {
        /// The deadline, or `None` for none.
        fn into_deadline(self) -> Option<Instant>;
    }

    #[diagnostic::do_not_recommend]
    impl IntoDeadline for Instant {
        fn into_deadline(self) -> Option<Instant> {
            Some(self)
        }
    }

    #[diagnostic::do_not_recommend]
    impl IntoDeadline for Option<Instant> {
        fn into_deadline(self) -> Option<Instant> {
            self
        }
    }

    mod sealed {
        pub trait Sealed {}
        impl Sealed for tokio::time::Instant {}
        impl Sealed for Option<tokio::time::Instant> {}
    }

    #[derive(Debug)]
    enum Deadline {
        /// This long after the block starts.
        After(Duration),
        At(Instant),
    }

    #[diagnostic::do_not_recommend]
    impl AsyncContext for Timeout {
        type Value<'a> = TimeoutHandle;
        type Error = Elapsed;
        type Decision = ();
        const __ASYNC_WITH_SCOPE: bool = true;

        async fn enter(&mut self) -> Result<TimeoutHandle, Elapsed> {
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
                    .is_some_and(|at| at <= Instant::now());
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

    impl Scope for Timeout {
        type Cut = DeadlineCut;

        fn cut(&mut self) -> DeadlineCut {
            if tokio::runtime::Handle::try_current().is_err() {
                panic!("{}", NO_RUNTIME);
            }
            // A duration past the clock's range (`Duration::MAX`) is no deadline at all.
            let deadline = match self.deadline {
                Deadline::After(duration) => Instant::now().checked_add(duration),
                Deadline::At(instant) => Some(instant),
            };
            // A block entered again starts afresh.
            *crate::lock(&self.shared.deadline) = (deadline, None);
            self.shared.expired.store(false, Ordering::SeqCst);
            let sleep = Box::pin(tokio::time::sleep_until(timer_instant(deadline)));
            DeadlineCut {
                sleep,
                timer_for: deadline,
                shared: self.shared.clone(),
            }
        }

        fn __async_with_frame(cut: &DeadlineCut) -> Option<crate::__private::ScopeFrame> {
            Some(crate::__private::ScopeFrame::Deadline(cut.shared.clone()))
        }

        /// The blocks it cuts, and its own exit, see an `Elapsed` naming the deadline.
        fn __async_with_cause(cut: &DeadlineCut, _: CutReason) -> crate::__private::CutCause {
            let deadline = crate::lock(&cut.shared.deadline).0.map(Instant::into_std);
            crate::__private::CutCause::Owned(Arc::new(Elapsed::at(deadline)))
        }
    }

    /// The panic of a `timeout` block run outside a tokio runtime.
    const NO_RUNTIME: &str = "`async_with::timeout` needs a running tokio runtime (with its time driver: `#[tokio::main]`, `#[tokio::test]`, or a runtime built with `enable_time()`); the block was started outside one";

    /// The instant the timer is set for: the deadline, or for none (or one too far off
    /// for the timer) a time some decades away, as `tokio::time::sleep(Duration::MAX)`
    /// sleeps.
    fn timer_instant(deadline: Option<Instant>) -> Instant {
        const FAR: Duration = Duration::from_secs(86_400 * 365 * 30);
        let far = Instant::now() + FAR;
        deadline.map_or(far, |deadline| deadline.min(far))
    }

    /// Resolves at the deadline, following its handle's `reschedule`.
    #[doc(hidden)]
    pub struct DeadlineCut {
        sleep: Pin<Box<Sleep>>,
        /// The deadline the timer was last set from.
        timer_for: Option<Instant>,
        shared: Arc<Shared>,
    }

    impl Future for DeadlineCut {
        type Output = CutReason;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<CutReason> {
            let deadline = {
                let mut state = crate::lock(&self.shared.deadline);
                if !state.1.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    state.1 = Some(cx.waker().clone());
                }
                state.0
            };
            let Some(deadline) = deadline else {
                // No deadline: a `reschedule` wakes the block.
                return Poll::Pending;
            };
            if Some(deadline) != self.timer_for {
                self.timer_for = Some(deadline);
                self.sleep.as_mut().reset(timer_instant(Some(deadline)));
            }
            // tokio's timer rounds a deadline up to its next millisecond tick, so a
            // deadline that has passed (a zero timeout) may not have fired yet: it cuts at
            // this await all the same, as `asyncio.timeout(0)` cuts at `sleep(0)`.
            if self.sleep.as_mut().poll(cx).is_ready() || deadline <= Instant::now() {
                return Poll::Ready(&Elapsed as CutReason);
            }
            Poll::Pending
        }
    }

    impl std::fmt::Debug for Timeout {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Timeout")
                .field("deadline", &self.deadline)
                .finish()
        }
    }

    impl std::fmt::Debug for TimeoutHandle {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("TimeoutHandle")
                .field("deadline", &self.deadline())
                .field("expired", &self.expired())
                .finish()
        }
    }

    crate::context::send_context! {
        impl[] for Timeout;
    }
}
