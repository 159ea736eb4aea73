//! The async context protocol.

use crate::{Exit, Outcome};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A resource with an async enter and an async exit: what [`async_with!`](macro@crate::async_with)
/// accepts, Python's `__aenter__`/`__aexit__` pair.
///
/// Most contexts are written with [`#[async_context]`](crate::async_context), which checks
/// the methods and writes this impl. Implementing it by hand is fine too:
///
/// ```
/// use async_with::{async_with, AsyncContext, Outcome};
/// use std::convert::Infallible;
///
/// struct Counter { entered: u32, exited: u32 }
///
/// impl AsyncContext for Counter {
///     type Value<'a> = u32;
///     type Error = Infallible;
///     type Decision = ();
///
///     async fn enter(&mut self) -> Result<u32, Infallible> {
///         self.entered += 1;
///         Ok(self.entered)
///     }
///
///     async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> {
///         self.exited += 1;
///         Ok(())
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let mut counter = Counter { entered: 0, exited: 0 };
/// let seen = async_with!(&mut counter as n => { n * 10 });
/// assert_eq!(seen, 10);
/// assert_eq!(counter.exited, 1);
/// # });
/// ```
///
/// # The contract
///
/// - `enter` runs once; when it fails, neither the body nor `exit` nor `cancel` runs.
/// - After a successful `enter`, exactly one of `exit` and `cancel` runs.
/// - [`Value`](AsyncContext::Value) is what `as PATTERN` binds. It may borrow the context
///   (`&'a mut Self`, a guard) or be owned; it is dropped when the body ends, before `exit`.
/// - An [`Error`](AsyncContext::Error) of [`Infallible`](std::convert::Infallible) puts no
///   demand on the enclosing function's return type; any other error leaves it as `?` would.
/// - [`Decision`](AsyncContext::Decision) is `()` for a context that never suppresses, or
///   [`Exit`] for one that may. A context that may suppress needs blocks of type `()` or
///   `Option<_>`, which give `()` / `None` when a failure is suppressed.
///
/// # In generic code
///
/// A helper generic over its context needs the bounds its block uses: a block that gives
/// a value needs `Decision = ()` (a context that may suppress could leave it without one);
/// a fallible context needs the fn's error to convert from `C::Error`. Failures inside the
/// body are shown through the bounds the code declares (see the README, "What exit sees").
///
/// ```
/// use async_with::{async_context, async_with, AsyncContext, Outcome};
///
/// /// Runs `work` inside any never-suppressing context and counts its bytes.
/// async fn measured<C>(context: C, work: &str) -> Result<usize, C::Error>
/// where
///     C: AsyncContext<Decision = ()>,
/// {
///     let n = async_with!(context => { work.len() });
///     Ok(n)
/// }
///
/// struct Span;
/// #[async_context]
/// impl Span {
///     async fn exit(&mut self, _outcome: Outcome<'_>) {}
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(measured(Span, "four").await, Ok(4));
/// # });
/// ```
///
/// A block whose future must be `Send` (to spawn it) needs a concrete context type: with
/// `async fn` in the trait, `C: AsyncContext + Send` does not prove its enter and exit
/// futures `Send`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support the async context protocol",
    label = "not an async context",
    note = "`async_with!` needs a type whose impl block is marked `#[async_context]` (with an `async fn exit`, and `async fn enter` if it has one): if the type has such methods, mark their impl block",
    note = "a future or a `Result` of a context: `.await` or `?` it first, as in `async_with!(connect().await? as c => ..)`",
    note = "a lock or a guard: pass the async lock itself, not its guard; `&tokio::sync::Mutex<T>` or `Arc<tokio::sync::Mutex<T>>` (a `std::sync::Mutex` must not be held across `.await`), `async_with::read(&lock)`/`write(&lock)` for a `tokio::sync::RwLock`, `&tokio::sync::Semaphore`"
)]
// Auto-trait bounds on these futures follow the implementing type (they are not
// written here), which is what keeps a block `Send` exactly when its parts are.
#[allow(async_fn_in_trait)]
pub trait AsyncContext {
    /// What `enter` hands to the block, bound by `as PATTERN`.
    type Value<'a>
    where
        Self: 'a;

    /// The error of `enter` and `exit`; [`Infallible`](std::convert::Infallible) when
    /// neither can fail.
    type Error;

    /// `()` for a context that never suppresses failures, [`Exit`] for one that may.
    type Decision: ExitDecision;

    /// Whether the value is what holds the resource (a lock's guard, a permit), so that
    /// dropping it releases the resource while the context stays: `ExitStack::enter_context`
    /// refuses such contexts at compile time. Set by this crate's lock contexts only.
    #[doc(hidden)]
    const __ASYNC_WITH_VALUE_HOLDS: bool = false;

    /// Whether the context is one of this crate's scopes (it cuts its body short): an
    /// `ExitStack` has no body for it to cut, so `enter_context`/`enter_value` refuse such
    /// contexts at compile time. Set by this crate's scopes only.
    #[doc(hidden)]
    const __ASYNC_WITH_SCOPE: bool = false;

    /// Acquire the resource; its value is bound by `as PATTERN`.
    async fn enter(&mut self) -> Result<Self::Value<'_>, Self::Error>;

    /// Release the resource, knowing how the body ended.
    ///
    /// An error returned here leaves the enclosing function, also after a body failure
    /// (which this exit saw in `outcome`: Python's rule). To keep the body's error, put it
    /// into your own error from `outcome`. During a panic an error from `exit` is dropped
    /// and the panic goes on.
    ///
    /// ```
    /// use async_with::{async_context, async_with, Outcome};
    ///
    /// #[derive(Debug)]
    /// enum Error { Body(String), Close { during: Option<String> } }
    /// # impl std::fmt::Display for Error {
    /// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{self:?}") }
    /// # }
    /// # impl std::error::Error for Error {}
    ///
    /// struct Flaky;
    ///
    /// #[async_context]
    /// impl Flaky {
    ///     async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Error> {
    ///         // Closing failed: report that, and what the body failed with, if it did.
    ///         let during = outcome.is_err().then(|| outcome.to_string());
    ///         Err(Error::Close { during })
    ///     }
    /// }
    ///
    /// async fn run() -> Result<(), Error> {
    ///     async_with!(Flaky => { Err(Error::Body("bad row".into()))?; });
    ///     Ok(())
    /// }
    /// # futures::executor::block_on(async {
    /// let error = run().await.unwrap_err();
    /// assert!(matches!(error, Error::Close { during: Some(ref e) } if e.contains("bad row")));
    /// # });
    /// ```
    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<Self::Decision, Self::Error>;

    /// Runs, synchronously, when the block's future is dropped after `enter` succeeded and
    /// before `exit` finished (a timeout, a lost `select!` branch, an aborted task) — also
    /// when `exit` itself panics. The bound value has been dropped already. Does nothing by
    /// default.
    ///
    /// ```
    /// use async_with::{async_context, async_with, Outcome};
    /// use std::sync::atomic::{AtomicBool, Ordering};
    ///
    /// struct Lease<'a> { released: &'a AtomicBool }
    ///
    /// #[async_context]
    /// impl Lease<'_> {
    ///     async fn exit(&mut self, _outcome: Outcome<'_>) { self.released.store(true, Ordering::SeqCst) }
    ///     fn cancel(&mut self) { self.released.store(true, Ordering::SeqCst) }
    /// }
    ///
    /// let released = AtomicBool::new(false);
    /// let mut block = Box::pin(async {
    ///     async_with!(Lease { released: &released } => { std::future::pending::<()>().await });
    /// });
    /// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// assert!(block.as_mut().poll(&mut cx).is_pending()); // entered, waiting in the body
    /// drop(block);                                        // cancelled
    /// assert!(released.load(Ordering::SeqCst));
    /// ```
    fn cancel(&mut self) {}
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for () {}
    impl Sealed for crate::Exit {}
}

/// What an exit can decide: `()` (never suppresses) or [`Exit`] (may suppress).
///
/// Sealed; it exists so that whether a context can suppress is known from its type.
///
/// ```
/// use async_with::{Exit, ExitDecision};
/// assert!(Exit::Suppress.suppresses());
/// assert!(!().suppresses());
/// ```
#[diagnostic::on_unimplemented(
    message = "`exit` must return `()`, `Exit`, `Result<(), E>` or `Result<Exit, E>`, not `{Self}`",
    label = "not `()` or `async_with::Exit`"
)]
pub trait ExitDecision:
    sealed::Sealed + Copy + Default + crate::checks::SuppressesInto<()>
{
    /// Whether this decision swallows a failure.
    fn suppresses(self) -> bool;
}

impl ExitDecision for () {
    fn suppresses(self) -> bool {
        false
    }
}

impl ExitDecision for Exit {
    fn suppresses(self) -> bool {
        self == Exit::Suppress
    }
}

/// `&mut C` is a context when `C` is, so one context can serve several blocks.
///
/// ```
/// # use async_with::{async_context, async_with, Outcome};
/// # struct Pool { checkouts: u32 }
/// # #[async_context]
/// # impl Pool { async fn exit(&mut self, _outcome: Outcome<'_>) { self.checkouts += 1 } }
/// # futures::executor::block_on(async {
/// let mut pool = Pool { checkouts: 0 };
/// for _ in 0..3 {
///     async_with!(&mut pool => {});
/// }
/// assert_eq!(pool.checkouts, 3);
/// # });
/// ```
#[diagnostic::do_not_recommend]
impl<C: AsyncContext + ?Sized> AsyncContext for &mut C {
    type Value<'a>
        = C::Value<'a>
    where
        Self: 'a;
    type Error = C::Error;
    type Decision = C::Decision;
    const __ASYNC_WITH_VALUE_HOLDS: bool = C::__ASYNC_WITH_VALUE_HOLDS;
    const __ASYNC_WITH_SCOPE: bool = C::__ASYNC_WITH_SCOPE;

    // Forwards the inner futures as they are: no extra state machine around them.
    fn enter(&mut self) -> impl Future<Output = Result<Self::Value<'_>, Self::Error>> {
        (**self).enter()
    }

    fn exit(
        &mut self,
        outcome: Outcome<'_>,
    ) -> impl Future<Output = Result<Self::Decision, Self::Error>> {
        (**self).exit(outcome)
    }

    fn cancel(&mut self) {
        (**self).cancel()
    }
}

/// `Option<C>` binds `Option<value>`: `Some` enters and exits the context, `None` does
/// nothing (Python's `nullcontext`).
///
/// ```
/// # use async_with::{async_context, async_with, Outcome};
/// # struct Span;
/// # #[async_context]
/// # impl Span { async fn exit(&mut self, _outcome: Outcome<'_>) {} }
/// # futures::executor::block_on(async {
/// let tracing_on = false;
/// let span = if tracing_on { Some(Span) } else { None };
/// async_with!(span as s => {
///     assert!(s.is_none());
/// });
/// # });
/// ```
#[diagnostic::do_not_recommend]
impl<C: AsyncContext> AsyncContext for Option<C> {
    type Value<'a>
        = Option<C::Value<'a>>
    where
        Self: 'a;
    type Error = C::Error;
    type Decision = C::Decision;
    const __ASYNC_WITH_VALUE_HOLDS: bool = C::__ASYNC_WITH_VALUE_HOLDS;
    const __ASYNC_WITH_SCOPE: bool = C::__ASYNC_WITH_SCOPE;

    // `C`'s own futures, not `async fn`s around them: see `OptionalEnter`.
    fn enter(&mut self) -> impl Future<Output = Result<Self::Value<'_>, Self::Error>> {
        OptionalEnter {
            future: self.as_mut().map(C::enter),
        }
    }

    fn exit(
        &mut self,
        outcome: Outcome<'_>,
    ) -> impl Future<Output = Result<Self::Decision, Self::Error>> {
        OptionalExit {
            future: self.as_mut().map(|context| context.exit(outcome)),
        }
    }

    fn cancel(&mut self) {
        if let Some(context) = self {
            context.cancel()
        }
    }
}

pin_project_lite::pin_project! {
    /// `Option<C>`'s enter: `C`'s, its value in `Some`; `Ok(None)` at once for `None`.
    ///
    /// A plain future that holds `C`'s, as `&mut C` forwards it, rather than an `async fn`:
    /// a block's `Send` proof looks into an `async fn`'s state with its lifetimes erased,
    /// and there `C`'s future failed it for a `C` whose type parameter has a lifetime of
    /// its own (`Option<TaskGroup<Box<dyn Error + Send + Sync>>>`: "higher-ranked lifetime
    /// error", SPEC §2). A plain future is `Send` when `C`'s is.
    struct OptionalEnter<F> {
        #[pin]
        future: Option<F>,
    }
}

impl<F: Future<Output = Result<V, E>>, V, E> Future for OptionalEnter<F> {
    type Output = Result<Option<V>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().future.as_pin_mut() {
            Some(enter) => enter.poll(cx).map(|entered| entered.map(Some)),
            None => Poll::Ready(Ok(None)),
        }
    }
}

pin_project_lite::pin_project! {
    /// `Option<C>`'s exit: `C`'s; for `None`, the default decision at once (see
    /// [`OptionalEnter`]).
    struct OptionalExit<F> {
        #[pin]
        future: Option<F>,
    }
}

impl<F: Future<Output = Result<D, E>>, D: Default, E> Future for OptionalExit<F> {
    type Output = Result<D, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().future.as_pin_mut() {
            Some(exit) => exit.poll(cx),
            None => Poll::Ready(Ok(D::default())),
        }
    }
}

/// A context that can move to another thread, and whose `enter` and `exit` futures can too:
/// what [`SendExitStack`](crate::SendExitStack) holds, so that a stack of contexts chosen at
/// run time can live in a spawned task.
///
/// An `async fn` in a trait gives generic code no way to say "its future is `Send`" on
/// stable Rust, so this trait restates [`enter`](AsyncContext::enter) and
/// [`exit`](AsyncContext::exit) with `Send` futures, checked once where the context's type
/// is concrete. Write `#[async_context(send)]` to have it implemented:
///
/// ```
/// use async_with::{async_context, async_with, Outcome, SendExitStack};
/// use std::sync::{Arc, Mutex};
///
/// struct Connection { log: Arc<Mutex<Vec<String>>>, name: &'static str }
///
/// #[async_context(send)]
/// impl Connection {
///     async fn exit(&mut self, outcome: Outcome<'_>) {
///         tokio::task::yield_now().await;
///         self.log.lock().unwrap().push(format!("close {} ({outcome})", self.name));
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let log = Arc::new(Mutex::new(Vec::new()));
/// let names = ["a", "b"];
/// let task = tokio::spawn({
///     let log = log.clone();
///     async move {
///         async_with!(SendExitStack::new() as stack => {
///             for name in names {
///                 stack.enter_context(Connection { log: log.clone(), name }).await?;
///             }
///         });
///         Ok::<(), async_with::StackError>(())
///     }
/// });
/// task.await.unwrap().unwrap();
/// assert_eq!(*log.lock().unwrap(), ["close b (ok)", "close a (ok)"]);
/// # });
/// ```
///
/// Without the attribute, the impl forwards to the context's own methods; the compiler
/// checks there that their futures are `Send`:
///
/// ```
/// use async_with::{AsyncContext, Outcome, SendAsyncContext};
/// use std::convert::Infallible;
///
/// struct Span;
///
/// impl AsyncContext for Span {
///     type Value<'a> = ();
///     type Error = Infallible;
///     type Decision = ();
///     async fn enter(&mut self) -> Result<(), Infallible> { Ok(()) }
///     async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> { Ok(()) }
/// }
///
/// impl SendAsyncContext for Span {
///     fn enter_send(&mut self) -> impl Future<Output = Result<(), Infallible>> + Send {
///         self.enter()
///     }
///     fn exit_send(&mut self, outcome: Outcome<'_>) -> impl Future<Output = Result<(), Infallible>> + Send {
///         self.exit(outcome)
///     }
/// }
/// ```
///
/// A context whose exit holds something that is not `Send` across an `.await` (an `Rc`, a
/// `std::sync::MutexGuard`) cannot have this impl: the error names the value and the
/// `.await`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not known to be a `Send` async context",
    label = "not a `SendAsyncContext`",
    note = "a `SendExitStack` holds contexts whose enter and exit futures are `Send`: mark the context's impl block `#[async_context(send)]`, or use an `ExitStack` where the task need not be `Send`"
)]
pub trait SendAsyncContext: AsyncContext + Send {
    /// [`AsyncContext::enter`], as a `Send` future.
    fn enter_send(&mut self) -> impl Future<Output = Result<Self::Value<'_>, Self::Error>> + Send;

    /// [`AsyncContext::exit`], as a `Send` future.
    fn exit_send(
        &mut self,
        outcome: Outcome<'_>,
    ) -> impl Future<Output = Result<Self::Decision, Self::Error>> + Send;
}

/// Implements [`SendAsyncContext`] by forwarding, for contexts whose futures are `Send`
/// whatever their parameters.
macro_rules! send_context {
    ($(impl[$($generics:tt)*] for $ty:ty $(where [$($bounds:tt)*])?;)*) => {$(
        impl<$($generics)*> $crate::SendAsyncContext for $ty
        where
            $ty: Send,
            $($($bounds)*)?
        {
            fn enter_send(
                &mut self,
            ) -> impl ::core::future::Future<Output = Result<Self::Value<'_>, Self::Error>> + Send {
                $crate::AsyncContext::enter(self)
            }

            fn exit_send(
                &mut self,
                outcome: $crate::Outcome<'_>,
            ) -> impl ::core::future::Future<Output = Result<Self::Decision, Self::Error>> + Send {
                $crate::AsyncContext::exit(self, outcome)
            }
        }
    )*};
}
pub(crate) use send_context;

/// `&mut C` forwards its context's `Send` futures.
#[diagnostic::do_not_recommend]
impl<C: SendAsyncContext + ?Sized> SendAsyncContext for &mut C {
    fn enter_send(&mut self) -> impl Future<Output = Result<Self::Value<'_>, Self::Error>> + Send {
        (**self).enter_send()
    }

    fn exit_send(
        &mut self,
        outcome: Outcome<'_>,
    ) -> impl Future<Output = Result<Self::Decision, Self::Error>> + Send {
        (**self).exit_send(outcome)
    }
}

/// `Option<C>` is a `Send` context when `C` is.
#[diagnostic::do_not_recommend]
impl<C: SendAsyncContext> SendAsyncContext for Option<C> {
    async fn enter_send(&mut self) -> Result<Self::Value<'_>, Self::Error> {
        match self {
            Some(context) => context.enter_send().await.map(Some),
            None => Ok(None),
        }
    }

    async fn exit_send(&mut self, outcome: Outcome<'_>) -> Result<Self::Decision, Self::Error> {
        match self {
            Some(context) => context.exit_send(outcome).await,
            None => Ok(Default::default()),
        }
    }
}
