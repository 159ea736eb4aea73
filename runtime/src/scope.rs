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
/// (the block then fails with it, as [`timeout`] does with [`Elapsed`](struct@crate::Elapsed)) or, for a context
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

/// The [`Elapsed`](struct@crate::Elapsed) that names no deadline: what `Err(Elapsed)` compares with.
#[allow(non_upper_case_globals)]
pub const Elapsed: Elapsed = Elapsed { deadline: None };

impl Elapsed {
    /// The error of a timeout whose deadline `deadline` passed.
    pub(crate) fn at(deadline: Option<std::time::Instant>) -> Elapsed {
        Elapsed { deadline }
    }

    /// Which deadline passed: the one the [`timeout`] block had when it cut its body
    /// (after any [`reschedule`](crate::TimeoutHandle::reschedule)), so nested timeouts
    /// tell which one fired. `None` for the constant [`Elapsed`](struct@crate::Elapsed).
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

    /// [`deadline`](Self::deadline) on the std clock, whatever the timer (tokio's paused
    /// test clock included: its instants are the std clock's, moved). Any runtime.
    ///
    /// ```
    /// assert_eq!(async_with::Elapsed.deadline_std(), None);
    /// ```
    pub fn deadline_std(&self) -> Option<std::time::Instant> {
        self.deadline
    }
}

/// Every `Elapsed` equals every other: see [`Elapsed`](struct@crate::Elapsed).
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

pub use crate::deadline::{IntoDeadline, Timeout, TimeoutHandle, timeout_at_with, timeout_with};
#[cfg(feature = "tokio")]
pub use crate::deadline::{timeout, timeout_at};
