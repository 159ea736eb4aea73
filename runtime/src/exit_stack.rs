//! `ExitStack`: a run-time number of contexts and exit callbacks (Python's
//! `AsyncExitStack`, JavaScript's `AsyncDisposableStack`).

use crate::__private::guard;
use crate::{AsyncContext, Exit, Outcome};
use std::error::Error;
use std::future::Future;
use std::pin::Pin;

/// The error an [`ExitStack`] callback returns: every error converts into it with `?` or
/// `.into()`. The stack hands it back inside a [`StackError`].
///
/// ```
/// let error: async_with::BoxError = std::io::Error::other("disk full").into();
/// assert_eq!(error.to_string(), "disk full");
/// ```
pub type BoxError = Box<dyn Error + Send + Sync>;

/// The error of an [`ExitStack`]'s `enter_context`, `enter_value` and `close`, and of
/// the stack used as a context: the error a context or callback failed with. It is an
/// [`Error`] itself, so `?` converts it into `anyhow::Error`, `Box<dyn Error + Send +
/// Sync>` or your own error type (`io::Error::other` wraps it); and it is transparent:
/// its `Display` and `source()` are the original's, [`downcast_ref`](StackError::downcast_ref)
/// finds the original, and an exit (or `suppress::<E>()`) around the block sees the
/// original error.
///
/// ```
/// use async_with::{async_context, ExitStack, Outcome, StackError};
///
/// struct Disk;
/// #[async_context]
/// impl Disk {
///     async fn enter(&mut self) -> std::io::Result<()> { Err(std::io::Error::other("disk full")) }
///     async fn exit(&mut self, _outcome: Outcome<'_>) -> std::io::Result<()> { Ok(()) }
/// }
///
/// async fn open_all() -> anyhow::Result<()> {
///     let mut stack = ExitStack::new();
///     stack.enter_context(Disk).await?; // into anyhow::Error
///     Ok(())
/// }
/// # futures::executor::block_on(async {
/// let error = open_all().await.unwrap_err();
/// let stack_error = error.downcast_ref::<StackError>().unwrap();
/// assert_eq!(stack_error.to_string(), "disk full");
/// assert!(stack_error.downcast_ref::<std::io::Error>().is_some());
/// # });
/// ```
pub struct StackError(pub(crate) BoxError);

impl StackError {
    /// The original error, when it is an `E`.
    ///
    /// ```
    /// let error = async_with::StackError::from(async_with::BoxError::from("gone"));
    /// assert!(error.downcast_ref::<std::io::Error>().is_none());
    /// ```
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        self.0.downcast_ref::<E>()
    }

    /// The original error, boxed.
    ///
    /// ```
    /// let error = async_with::StackError::from(async_with::BoxError::from("gone"));
    /// assert_eq!(error.into_inner().to_string(), "gone");
    /// ```
    pub fn into_inner(self) -> BoxError {
        self.0
    }
}

impl From<BoxError> for StackError {
    fn from(error: BoxError) -> Self {
        StackError(error)
    }
}

impl std::fmt::Display for StackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::fmt::Debug for StackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

impl Error for StackError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

type ExitFuture<'a> = Pin<Box<dyn Future<Output = Result<Exit, BoxError>> + 'a>>;

/// One entered context or pushed callback.
trait Entry<'s>: 's {
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>) -> ExitFuture<'a>
    where
        's: 'a;
    fn cancel(self: Box<Self>);
}

struct ContextEntry<C>(C);

impl<'s, C> Entry<'s> for ContextEntry<C>
where
    C: AsyncContext + 's,
    C::Error: Into<BoxError>,
{
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>) -> ExitFuture<'a>
    where
        's: 'a,
    {
        Box::pin(async move {
            // Dropped before its exit finished, the context still gets its cancel hook.
            let mut entry = guard(self.0);
            entry.cancel = C::cancel;
            let mut entry = entry.with_cut(());
            entry.state.armed = true;
            let result = entry.context.exit(outcome).await;
            entry.state.armed = false;
            result
                .map(|decision| {
                    if crate::ExitDecision::suppresses(decision) {
                        Exit::Suppress
                    } else {
                        Exit::Propagate
                    }
                })
                .map_err(Into::into)
        })
    }

    fn cancel(mut self: Box<Self>) {
        self.0.cancel();
    }
}

/// A value kept until the stack unwinds ([`ExitStack::hold`]).
struct HeldEntry<T>(T);

impl<'s, T: 's> Entry<'s> for HeldEntry<T> {
    fn exit<'a>(self: Box<Self>, _outcome: Outcome<'a>) -> ExitFuture<'a>
    where
        's: 'a,
    {
        drop(self);
        Box::pin(std::future::ready(Ok(Exit::Propagate)))
    }

    fn cancel(self: Box<Self>) {}
}

struct CallbackEntry<F>(F);

impl<'s, F> Entry<'s> for CallbackEntry<F>
where
    F: AsyncFnOnce(Outcome<'_>) -> Result<Exit, BoxError> + 's,
{
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>) -> ExitFuture<'a>
    where
        's: 'a,
    {
        Box::pin(async move { (self.0)(outcome).await })
    }

    fn cancel(self: Box<Self>) {}
}

/// A stack of entered contexts and exit callbacks, unwound last-in first-out.
///
/// - [`enter_context`](ExitStack::enter_context) enters a context and, only if that
///   succeeded, pushes it; [`push_exit`](ExitStack::push_exit) pushes an async callback.
/// - [`close`](ExitStack::close) (or the end of an `async_with!` block over the stack)
///   runs every exit, last pushed first. Every exit runs even when some fail. Each sees
///   the outcome the previous one left: after a suppression, ok; after an exit's error,
///   that error. The error left at the end is what `close` returns.
/// - Closing twice runs nothing the second time; [`pop_all`](ExitStack::pop_all) moves
///   every entry to a new stack (to hand cleanup over to someone else).
/// - Unwinding is a loop: ten thousand entries need no more stack than one.
/// - Dropped without closing (a cancelled block), the stack runs every remaining
///   context's `cancel` hook, last pushed first.
///
/// An `ExitStack` is itself a context: `async_with!(ExitStack::new() as stack => { .. })`
/// closes it when the block ends, with the block's outcome, and suppresses the block's
/// failure when the exits leave none — so its blocks have type `()` or `Option<_>`.
///
/// [`enter_context`](ExitStack::enter_context) drops the value the context's enter
/// produced right away: the stack keeps the context, not its value. So it refuses this
/// crate's lock and semaphore contexts, whose value *is* the guard or permit (a build
/// error, raised when the call is compiled to code: `cargo build`/`test`, not `check`);
/// [`hold`](ExitStack::hold) keeps a guard until the stack closes.
/// [`enter_value`](ExitStack::enter_value) returns the value instead, for owned contexts
/// whose value does not borrow them. A value that borrows its context (a guard) cannot
/// outlive the call; such contexts belong in `async_with!` itself. Its errors are
/// [`StackError`]s (callbacks return a [`BoxError`]); the stack and the futures of blocks
/// that hold it are not `Send`.
///
/// ```
/// use async_with::{async_context, async_with, ExitStack, Outcome};
/// use std::sync::{Arc, Mutex};
///
/// struct File { name: String, log: Arc<Mutex<Vec<String>>> }
///
/// #[async_context]
/// impl File {
///     async fn enter(&mut self) -> Result<(), std::io::Error> {
///         self.log.lock().unwrap().push(format!("open {}", self.name));
///         Ok(())
///     }
///     async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), std::io::Error> {
///         self.log.lock().unwrap().push(format!("close {}", self.name));
///         Ok(())
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let log = Arc::new(Mutex::new(Vec::new()));
/// let names = ["a.txt", "b.txt", "c.txt"]; // known only at run time
/// async_with!(ExitStack::new() as stack => {
///     for name in names {
///         stack.enter_context(File { name: name.into(), log: log.clone() }).await?;
///     }
///     log.lock().unwrap().push("work".into());
/// });
/// assert_eq!(
///     *log.lock().unwrap(),
///     ["open a.txt", "open b.txt", "open c.txt", "work", "close c.txt", "close b.txt", "close a.txt"]
/// );
/// # Ok::<(), async_with::BoxError>(())
/// # }).unwrap();
/// ```
#[derive(Default)]
pub struct ExitStack<'s> {
    entries: Vec<Box<dyn Entry<'s>>>,
}

impl<'s> ExitStack<'s> {
    /// An empty stack.
    ///
    /// ```
    /// assert!(async_with::ExitStack::new().is_empty());
    /// ```
    pub fn new() -> Self {
        ExitStack {
            entries: Vec::new(),
        }
    }

    /// How many exits are waiting.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let mut stack = async_with::ExitStack::new();
    /// stack.push_exit(async |_| Ok(async_with::Exit::Propagate));
    /// assert_eq!(stack.len(), 1);
    /// # stack.close().await.unwrap();
    /// # });
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no exit is waiting.
    ///
    /// ```
    /// assert!(async_with::ExitStack::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Enters `context` and, if that succeeded, pushes it so that its exit runs when the
    /// stack closes. A failed enter pushes nothing and returns the error.
    ///
    /// ```
    /// # use async_with::{ExitStack, suppress};
    /// # futures::executor::block_on(async {
    /// let mut stack = ExitStack::new();
    /// stack.enter_context(suppress::<std::io::Error>()).await?;
    /// assert_eq!(stack.len(), 1);
    /// stack.close().await?;
    /// # Ok::<(), async_with::BoxError>(())
    /// # }).unwrap();
    /// ```
    pub async fn enter_context<C>(&mut self, mut context: C) -> Result<(), StackError>
    where
        C: AsyncContext + 's,
        C::Error: Into<BoxError>,
    {
        const {
            assert!(
                !C::__ASYNC_WITH_VALUE_HOLDS,
                "`ExitStack::enter_context` would drop this lock's guard (or this permit) as soon as it is entered, \
                 releasing it while the stack goes on: hold the guard itself until the stack closes with \
                 `stack.hold(mutex.lock().await)`, or use `async_with!(&mutex as guard => ..)`"
            )
        }
        match context.enter().await {
            Ok(value) => drop(value),
            Err(error) => return Err(StackError(error.into())),
        }
        self.entries.push(Box::new(ContextEntry(context)));
        Ok(())
    }

    /// Like [`enter_context`](ExitStack::enter_context), for an owned (`'static`) context
    /// whose value does not borrow it — a connection handed out by a
    /// [`generator`](crate::generator), an owned token: returns the value, as Python's `enter_async_context` does. (Rust cannot yet say
    /// "the value does not borrow the context" for contexts with lifetimes; those go
    /// through `enter_context`.)
    ///
    /// ```
    /// use async_with::{generator, ExitStack, Handoff};
    ///
    /// # futures::executor::block_on(async {
    /// let mut stack = ExitStack::new();
    /// let mut names = Vec::new();
    /// for n in 0..3 {
    ///     let conn = generator(move |h: Handoff<String>| async move {
    ///         Ok::<_, std::io::Error>(h.give(format!("connection {n}")).await.propagate())
    ///     });
    ///     names.push(stack.enter_value(conn).await?);
    /// }
    /// assert_eq!(names, ["connection 0", "connection 1", "connection 2"]);
    /// stack.close().await?;
    /// # Ok::<(), async_with::BoxError>(())
    /// # }).unwrap();
    /// ```
    pub async fn enter_value<C, V>(&mut self, mut context: C) -> Result<V, StackError>
    where
        C: for<'a> AsyncContext<Value<'a> = V> + 'static,
        C::Error: Into<BoxError>,
    {
        let value = context
            .enter()
            .await
            .map_err(|error| StackError(error.into()))?;
        self.entries.push(Box::new(ContextEntry(context)));
        Ok(value)
    }

    /// Pushes an async callback that runs, with the outcome it is left, when the stack
    /// closes. It may suppress a failure (`Ok(Exit::Suppress)`) or fail itself.
    ///
    /// ```
    /// use async_with::{Exit, ExitStack};
    /// # futures::executor::block_on(async {
    /// let mut stack = ExitStack::new();
    /// stack.push_exit(async |outcome| {
    ///     println!("closing after: {outcome}");
    ///     Ok(Exit::Propagate)
    /// });
    /// stack.close().await?;
    /// # Ok::<(), async_with::BoxError>(())
    /// # }).unwrap();
    /// ```
    pub fn push_exit<F>(&mut self, callback: F)
    where
        F: AsyncFnOnce(Outcome<'_>) -> Result<Exit, BoxError> + 's,
    {
        self.entries.push(Box::new(CallbackEntry(callback)));
    }

    /// Pushes an async callback that runs when the stack unwinds, whatever the outcome,
    /// and neither fails nor suppresses (Python's `push_async_callback`).
    ///
    /// ```
    /// use async_with::{async_with, ExitStack};
    /// use std::sync::{Arc, Mutex};
    ///
    /// # futures::executor::block_on(async {
    /// let closed = Arc::new(Mutex::new(Vec::new()));
    /// let log = closed.clone();
    /// async_with!(ExitStack::new() as stack => {
    ///     stack.callback(async move || log.lock().unwrap().push("flushed"));
    /// });
    /// assert_eq!(*closed.lock().unwrap(), ["flushed"]);
    /// # Ok::<(), async_with::StackError>(())
    /// # }).unwrap();
    /// ```
    pub fn callback<F>(&mut self, callback: F)
    where
        F: AsyncFnOnce() + 's,
    {
        self.push_exit(async move |_| {
            callback().await;
            Ok(Exit::Propagate)
        });
    }

    /// Keeps `value` until the stack unwinds, then drops it in its turn (last pushed,
    /// first dropped, among the exits): a lock's guard, a semaphore's permit, anything
    /// whose `Drop` releases what the rest of the stack's work needs.
    ///
    /// [`enter_context`](ExitStack::enter_context) keeps a context, not the value its enter
    /// returns, so it refuses the lock contexts at compile time; hold their guards here.
    ///
    /// ```
    /// use async_with::{async_with, ExitStack};
    /// use tokio::sync::Mutex;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), async_with::StackError> {
    /// let (a, b) = (Mutex::new(1), Mutex::new(2));
    /// async_with!(ExitStack::new() as stack => {
    ///     for lock in [&a, &b] {
    ///         stack.hold(lock.lock().await);
    ///     }
    ///     assert!(a.try_lock().is_err() && b.try_lock().is_err()); // both held
    /// });
    /// assert!(a.try_lock().is_ok() && b.try_lock().is_ok()); // released at the end
    /// # Ok(()) }
    /// ```
    pub fn hold<T: 's>(&mut self, value: T) {
        self.entries.push(Box::new(HeldEntry(value)));
    }

    /// Pushes a context's exit without entering it (Python's `push_async_exit`): for a
    /// resource acquired some other way whose release is its exit. Its exit runs when the
    /// stack unwinds, seeing the outcome; dropped unclosed, its `cancel` runs.
    ///
    /// ```
    /// use async_with::{async_context, async_with, ExitStack, Outcome};
    /// use std::sync::{Arc, Mutex};
    ///
    /// struct Release(Arc<Mutex<Vec<String>>>);
    /// #[async_context]
    /// impl Release {
    ///     async fn exit(&mut self, outcome: Outcome<'_>) { self.0.lock().unwrap().push(format!("released after {outcome}")); }
    /// }
    ///
    /// # futures::executor::block_on(async {
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// async_with!(ExitStack::new() as stack => {
    ///     stack.push_context_exit(Release(log.clone())); // acquired elsewhere
    /// });
    /// assert_eq!(*log.lock().unwrap(), ["released after ok"]);
    /// # Ok::<(), async_with::StackError>(())
    /// # }).unwrap();
    /// ```
    pub fn push_context_exit<C>(&mut self, context: C)
    where
        C: AsyncContext + 's,
        C::Error: Into<BoxError>,
    {
        self.entries.push(Box::new(ContextEntry(context)));
    }

    /// Moves every entry to a new stack, leaving this one empty: the cleanup is now the
    /// new stack's job (Python's `pop_all`).
    ///
    /// ```
    /// # use async_with::{Exit, ExitStack};
    /// # futures::executor::block_on(async {
    /// let mut stack = ExitStack::new();
    /// stack.push_exit(async |_| Ok(Exit::Propagate));
    /// let mut moved = stack.pop_all();
    /// assert!(stack.is_empty() && moved.len() == 1);
    /// moved.close().await?;
    /// # Ok::<(), async_with::BoxError>(())
    /// # }).unwrap();
    /// ```
    pub fn pop_all(&mut self) -> ExitStack<'s> {
        ExitStack {
            entries: std::mem::take(&mut self.entries),
        }
    }

    /// Runs every exit, last pushed first, each seeing a normal outcome or what the
    /// previous exits left. Returns the error left at the end, if any. A second call
    /// runs nothing.
    ///
    /// ```
    /// # use async_with::{Exit, ExitStack};
    /// # futures::executor::block_on(async {
    /// let mut stack = ExitStack::new();
    /// stack.push_exit(async |outcome| {
    ///     assert!(outcome.is_err()); // sees the error of the exit pushed after it
    ///     Ok(Exit::Propagate)
    /// });
    /// stack.push_exit(async |_| Err("flush failed".into()));
    /// assert_eq!(stack.close().await.unwrap_err().to_string(), "flush failed");
    /// assert!(stack.close().await.is_ok()); // nothing left to run
    /// # });
    /// ```
    pub async fn close(&mut self) -> Result<(), StackError> {
        self.unwind(Outcome::ok())
            .await
            .map(drop)
            .map_err(StackError)
    }

    /// Unwinds with `outcome` as the first exit's outcome. Returns whether the outcome's
    /// failure was suppressed, or the error left at the end.
    async fn unwind(&mut self, outcome: Outcome<'_>) -> Result<bool, BoxError> {
        let mut error: Option<BoxError> = None;
        // The first outcome's failure, until an exit suppresses or replaces it.
        let mut pending = outcome.is_err() || outcome.is_cancelled();
        while let Some(entry) = self.entries.pop() {
            let seen = match &error {
                Some(error) => Outcome::failed(&**error),
                None if pending || outcome.is_panic() => outcome,
                None => Outcome::ok(),
            };
            let can_suppress = seen.is_err() || seen.is_cancelled();
            match entry.exit(seen).await {
                Ok(Exit::Suppress) if can_suppress => {
                    error = None;
                    pending = false;
                }
                Ok(_) => {}
                Err(e) => {
                    error = Some(e);
                    pending = false;
                }
            }
        }
        match error {
            Some(error) => Err(error),
            None => Ok(outcome.is_err() && !pending),
        }
    }

    /// Runs every remaining context's `cancel` hook, last pushed first.
    fn cancel_all(&mut self) {
        while let Some(entry) = self.entries.pop() {
            entry.cancel();
        }
    }
}

impl Drop for ExitStack<'_> {
    fn drop(&mut self) {
        self.cancel_all();
    }
}

/// The stack as a context: binds `&mut ExitStack`, and unwinds it with the block's outcome.
#[diagnostic::do_not_recommend]
impl<'s> AsyncContext for ExitStack<'s> {
    type Value<'a>
        = &'a mut ExitStack<'s>
    where
        Self: 'a;
    type Error = StackError;
    type Decision = Exit;

    async fn enter(&mut self) -> Result<&mut ExitStack<'s>, StackError> {
        Ok(self)
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<Exit, StackError> {
        Ok(if self.unwind(outcome).await.map_err(StackError)? {
            Exit::Suppress
        } else {
            Exit::Propagate
        })
    }

    fn cancel(&mut self) {
        self.cancel_all();
    }
}
