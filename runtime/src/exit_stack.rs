//! `ExitStack`: a run-time number of contexts and exit callbacks (Python's
//! `AsyncExitStack`, JavaScript's `AsyncDisposableStack`).

use crate::__private::{Guard, guard};
use crate::{AsyncContext, Exit, Outcome, SendAsyncContext};
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
/// the stack used as a context: a context's enter, or an exit or callback, failed. It is
/// an [`Error`] that wraps the original one, as the Rust API guidelines ask of a wrapper
/// (C-GOOD-ERR): its `Display` says which step failed, and its `source()` *is* the
/// original error. So `?` converts it into `anyhow::Error`, `Box<dyn Error + Send +
/// Sync>` or your own error type (`io::Error::other` wraps it), and the original stays
/// reachable: anyhow's `{:#}` and `chain()` show it, `root_cause()` and
/// [`downcast_ref`](StackError::downcast_ref) find it, and an exit (or `suppress::<E>()`)
/// around the block sees the original error itself, not the wrapper. (anyhow's own
/// `downcast_ref` looks at the outermost error only: reach the original with
/// `error.chain().find_map(|e| e.downcast_ref::<E>())`, or `root_cause()`.)
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
/// assert_eq!(format!("{error:#}"), "a context failed to enter an `ExitStack`: disk full");
/// assert_eq!(error.root_cause().to_string(), "disk full");
/// let io = error.chain().find_map(|e| e.downcast_ref::<std::io::Error>());
/// assert_eq!(io.unwrap().to_string(), "disk full");
/// assert!(error.downcast_ref::<StackError>().unwrap().downcast_ref::<std::io::Error>().is_some());
/// # });
/// ```
pub struct StackError {
    pub(crate) error: BoxError,
    step: Step,
}

/// Which step of a stack failed, for [`StackError`]'s message.
#[derive(Clone, Copy)]
enum Step {
    Enter,
    Exit,
}

impl StackError {
    pub(crate) fn enter(error: impl Into<BoxError>) -> Self {
        StackError {
            error: error.into(),
            step: Step::Enter,
        }
    }

    pub(crate) fn exit(error: BoxError) -> Self {
        StackError {
            error,
            step: Step::Exit,
        }
    }

    /// The original error, when it is an `E`.
    ///
    /// ```
    /// let error = async_with::StackError::from(async_with::BoxError::from("gone"));
    /// assert!(error.downcast_ref::<std::io::Error>().is_none());
    /// ```
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        self.error.downcast_ref::<E>()
    }

    /// The original error, boxed.
    ///
    /// ```
    /// let error = async_with::StackError::from(async_with::BoxError::from("gone"));
    /// assert_eq!(error.into_inner().to_string(), "gone");
    /// ```
    pub fn into_inner(self) -> BoxError {
        self.error
    }
}

/// An exit's (or callback's) error, as the stack reports it.
impl From<BoxError> for StackError {
    fn from(error: BoxError) -> Self {
        StackError::exit(error)
    }
}

impl std::fmt::Display for StackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.step {
            Step::Enter => "a context failed to enter an `ExitStack`",
            Step::Exit => "an exit of an `ExitStack` failed",
        })
    }
}

impl std::fmt::Debug for StackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackError")
            .field("step", &format_args!("{self}"))
            .field("source", &self.error)
            .finish()
    }
}

impl Error for StackError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.error)
    }
}

/// What the two stacks differ in: whether their entries, and the exit futures those
/// make, are `Send`. Everything else (unwinding, cancelling) is written once over this.
trait Kind: Sized + 'static {
    type Dyn<'s>: ?Sized + Entry<'s, Self> + 's;
    type Exit<'a>: Future<Output = Result<Exit, BoxError>> + 'a;

    fn boxed<'a>(exit: impl Future<Output = Result<Exit, BoxError>> + Send + 'a) -> Self::Exit<'a>;
}

/// [`ExitStack`]'s entries.
struct Local;

impl Kind for Local {
    type Dyn<'s> = dyn Entry<'s, Local> + 's;
    type Exit<'a> = Pin<Box<dyn Future<Output = Result<Exit, BoxError>> + 'a>>;

    fn boxed<'a>(exit: impl Future<Output = Result<Exit, BoxError>> + Send + 'a) -> Self::Exit<'a> {
        Box::pin(exit)
    }
}

/// [`SendExitStack`]'s entries.
struct Sendable;

impl Kind for Sendable {
    type Dyn<'s> = dyn Entry<'s, Sendable> + Send + 's;
    type Exit<'a> = Pin<Box<dyn Future<Output = Result<Exit, BoxError>> + Send + 'a>>;

    fn boxed<'a>(exit: impl Future<Output = Result<Exit, BoxError>> + Send + 'a) -> Self::Exit<'a> {
        Box::pin(exit)
    }
}

/// One entered context, pushed callback or held value.
trait Entry<'s, K: Kind>: 's {
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>) -> K::Exit<'a>
    where
        's: 'a;
    fn cancel(self: Box<Self>);
}

struct ContextEntry<C>(C);

/// A context about to exit: dropped before its exit finished, it still gets its cancel hook.
fn armed<C: AsyncContext>(context: C) -> Guard<C, ()> {
    let mut entry = guard(context, C::cancel).with_cut(());
    entry.state.armed = true;
    entry
}

/// The exit finished: no cancel hook any more, and its decision in the stack's terms.
fn settle<C: AsyncContext>(
    entry: &mut Guard<C, ()>,
    result: Result<C::Decision, C::Error>,
) -> Result<Exit, BoxError>
where
    C::Error: Into<BoxError>,
{
    entry.state.armed = false;
    match result {
        Ok(decision) if crate::ExitDecision::suppresses(decision) => Ok(Exit::Suppress),
        Ok(_) => Ok(Exit::Propagate),
        Err(error) => Err(error.into()),
    }
}

impl<'s, C> Entry<'s, Local> for ContextEntry<C>
where
    C: AsyncContext + 's,
    C::Error: Into<BoxError>,
{
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>) -> <Local as Kind>::Exit<'a>
    where
        's: 'a,
    {
        Box::pin(async move {
            let mut entry = armed(self.0);
            let result = entry.context.exit(outcome).await;
            settle(&mut entry, result)
        })
    }

    fn cancel(mut self: Box<Self>) {
        self.0.cancel();
    }
}

impl<'s, C> Entry<'s, Sendable> for ContextEntry<C>
where
    C: SendAsyncContext + 's,
    C::Error: Into<BoxError>,
{
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>) -> <Sendable as Kind>::Exit<'a>
    where
        's: 'a,
    {
        Box::pin(async move {
            let mut entry = armed(self.0);
            let result = entry.context.exit_send(outcome).await;
            settle(&mut entry, result)
        })
    }

    fn cancel(mut self: Box<Self>) {
        self.0.cancel();
    }
}

/// A value kept until the stack unwinds ([`ExitStack::hold`]); in a [`SendExitStack`],
/// `hold`'s bound makes it `Send`.
struct HeldEntry<T>(T);

impl<'s, T: 's, K: Kind> Entry<'s, K> for HeldEntry<T> {
    fn exit<'a>(self: Box<Self>, _outcome: Outcome<'a>) -> K::Exit<'a>
    where
        's: 'a,
    {
        drop(self);
        K::boxed(std::future::ready(Ok(Exit::Propagate)))
    }

    fn cancel(self: Box<Self>) {}
}

/// An [`ExitStack::push_exit`] callback.
struct CallbackEntry<F>(F);

impl<'s, F> Entry<'s, Local> for CallbackEntry<F>
where
    F: AsyncFnOnce(Outcome<'_>) -> Result<Exit, BoxError> + 's,
{
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>) -> <Local as Kind>::Exit<'a>
    where
        's: 'a,
    {
        Box::pin(async move { (self.0)(outcome).await })
    }

    fn cancel(self: Box<Self>) {}
}

/// A [`SendExitStack::push_exit`] callback: it reads the outcome before its future starts.
struct SendCallbackEntry<F>(F);

impl<'s, F, Fut> Entry<'s, Sendable> for SendCallbackEntry<F>
where
    F: FnOnce(Outcome<'_>) -> Fut + Send + 's,
    Fut: Future<Output = Result<Exit, BoxError>> + Send + 's,
{
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>) -> <Sendable as Kind>::Exit<'a>
    where
        's: 'a,
    {
        Sendable::boxed((self.0)(outcome))
    }

    fn cancel(self: Box<Self>) {}
}

/// The entries of a stack, last pushed last. Dropped unclosed, it cancels what is left.
struct Entries<'s, K: Kind>(Vec<Box<K::Dyn<'s>>>);

impl<'s, K: Kind> Entries<'s, K> {
    fn new() -> Self {
        Entries(Vec::new())
    }

    fn take(&mut self) -> Self {
        Entries(std::mem::take(&mut self.0))
    }

    /// Unwinds with `outcome` as the first exit's outcome. Returns whether the outcome's
    /// failure was suppressed, or the error left at the end.
    async fn unwind(&mut self, outcome: Outcome<'_>) -> Result<bool, BoxError> {
        let mut error: Option<BoxError> = None;
        // The first outcome's failure, until an exit suppresses or replaces it.
        let mut pending = outcome.is_err() || outcome.is_cancelled();
        while let Some(entry) = self.0.pop() {
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

    async fn close(&mut self) -> Result<(), StackError> {
        self.unwind(Outcome::ok())
            .await
            .map(drop)
            .map_err(StackError::exit)
    }

    /// The stack as a context's exit: the block's failure is suppressed when the exits
    /// leave none.
    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<Exit, StackError> {
        Ok(if self.unwind(outcome).await.map_err(StackError::exit)? {
            Exit::Suppress
        } else {
            Exit::Propagate
        })
    }

    fn cancel_all(&mut self) {
        while let Some(entry) = self.0.pop() {
            entry.cancel();
        }
    }
}

impl<'s, K: Kind> Drop for Entries<'s, K> {
    fn drop(&mut self) {
        self.cancel_all();
    }
}

/// The build error of `enter_context`/`enter_value` for one of this crate's scopes
/// (checked where the method is instantiated: `cargo build`, not `cargo check`).
const CANNOT_CUT: &str = "a scope (`timeout`, `CancelScope`, `TaskGroup`) in an exit stack would cut nothing: \
     the stack has no body of its own to cut short. List it in the `async_with!` instead: \
     `async_with!(timeout(d), ExitStack::new() as stack => ..)`";

/// The build error of `enter_context` for a context whose value is what it guards
/// (checked where `enter_context` is instantiated: `cargo build`, not `cargo check`).
const DROPS_ITS_GUARD: &str = "`enter_context` would drop this lock's guard (or this permit) as soon as it is entered, \
     releasing it while the stack goes on: hold the guard itself until the stack closes with \
     `stack.hold(mutex.lock().await)`, or use `async_with!(&mutex as guard => ..)`";

/// What `enter_context` and `enter_value` return. A boxed future rather than an `async fn`:
/// an `async fn`'s future repeats its bounds, so a type that is not a context would be
/// reported three times (at the call, the call's future and its `.await`) instead of once.
type Entering<'a, T> = Pin<Box<dyn Future<Output = Result<T, StackError>> + 'a>>;

/// [`Entering`], for a [`SendExitStack`].
type SendEntering<'a, T> = Pin<Box<dyn Future<Output = Result<T, StackError>> + Send + 'a>>;

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
/// [`StackError`]s (callbacks return a [`BoxError`]). The stack, and the futures of blocks
/// that hold it, are not `Send`; [`SendExitStack`] is, for spawned tasks.
///
/// Why the plain name is the one that is not `Send` (the ecosystem's convention is the
/// other way round, as in `BoxFuture`/`LocalBoxFuture`): a stack that is `Send` must know
/// that each context's enter and exit futures are, and on stable Rust a generic
/// `C: AsyncContext` cannot say so (that needs return-type notation). So a
/// `SendExitStack` takes only contexts whose impl proves it (`#[async_context(send)]`, the
/// built-ins), and callbacks written `|outcome| async move { .. }`, while `ExitStack`
/// takes every context and `async` closures. A block over an `ExitStack` inside
/// `tokio::spawn` is rustc's "future cannot be sent between threads safely", whose notes
/// name `ExitStack`: switch to `SendExitStack` there.
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
pub struct ExitStack<'s> {
    entries: Entries<'s, Local>,
}

impl Default for ExitStack<'_> {
    fn default() -> Self {
        ExitStack::new()
    }
}

impl<'s> ExitStack<'s> {
    /// An empty stack.
    ///
    /// ```
    /// assert!(async_with::ExitStack::new().is_empty());
    /// ```
    pub fn new() -> Self {
        ExitStack {
            entries: Entries::new(),
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
        self.entries.0.len()
    }

    /// Whether no exit is waiting.
    ///
    /// ```
    /// assert!(async_with::ExitStack::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.0.is_empty()
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
    pub fn enter_context<'a, C>(&'a mut self, mut context: C) -> Entering<'a, ()>
    where
        C: AsyncContext + 's,
        C::Error: Into<BoxError>,
    {
        const { assert!(!C::__ASYNC_WITH_VALUE_HOLDS, "{}", DROPS_ITS_GUARD) }
        const { assert!(!C::__ASYNC_WITH_SCOPE, "{}", CANNOT_CUT) }
        Box::pin(async move {
            match context.enter().await {
                Ok(value) => drop(value),
                Err(error) => return Err(StackError::enter(error)),
            }
            self.entries.0.push(Box::new(ContextEntry(context)));
            Ok(())
        })
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
    pub fn enter_value<'a, C, V>(&'a mut self, mut context: C) -> Entering<'a, V>
    where
        C: for<'v> AsyncContext<Value<'v> = V> + 'static,
        C::Error: Into<BoxError>,
    {
        const { assert!(!C::__ASYNC_WITH_SCOPE, "{}", CANNOT_CUT) }
        Box::pin(async move {
            let value = context.enter().await.map_err(StackError::enter)?;
            self.entries.0.push(Box::new(ContextEntry(context)));
            Ok(value)
        })
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
        self.entries.0.push(Box::new(CallbackEntry(callback)));
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
        self.entries.0.push(Box::new(HeldEntry(value)));
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
        self.entries.0.push(Box::new(ContextEntry(context)));
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
            entries: self.entries.take(),
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
    /// assert_eq!(stack.close().await.unwrap_err().into_inner().to_string(), "flush failed");
    /// assert!(stack.close().await.is_ok()); // nothing left to run
    /// # });
    /// ```
    pub async fn close(&mut self) -> Result<(), StackError> {
        self.entries.close().await
    }
}

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
        self.entries.exit(outcome).await
    }

    fn cancel(&mut self) {
        self.entries.cancel_all();
    }
}

/// An [`ExitStack`] that is `Send`, so a block that holds it can run in a spawned task
/// (`tokio::spawn`) and a [`generator`](crate::generator) can keep one across its
/// hand-off.
///
/// It unwinds exactly as [`ExitStack`] does. What it takes must be able to move to another
/// thread: contexts that implement [`SendAsyncContext`] (write `#[async_context(send)]`;
/// this crate's contexts do when what they hold is `Send`, but for the borrowed
/// `&Mutex`/`&Semaphore`, whose guard a stack cannot keep anyway), values that are `Send`, and
/// callbacks whose futures are `Send`. An `async` closure's future cannot be bounded `Send`
/// on stable Rust, so [`push_exit`](SendExitStack::push_exit) and
/// [`callback`](SendExitStack::callback) take a closure returning a future
/// (`|outcome| async move { .. }`).
///
/// ```
/// use async_with::{async_context, async_with, Outcome, SendExitStack};
/// use std::sync::{Arc, Mutex};
///
/// struct File { name: String, log: Arc<Mutex<Vec<String>>> }
///
/// #[async_context(send)]
/// impl File {
///     async fn exit(&mut self, _outcome: Outcome<'_>) -> std::io::Result<()> {
///         tokio::task::yield_now().await;
///         self.log.lock().unwrap().push(format!("close {}", self.name));
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let log = Arc::new(Mutex::new(Vec::new()));
/// let names = vec!["a.txt", "b.txt"]; // known only at run time
/// let task = tokio::spawn({
///     let log = log.clone();
///     async move {
///         async_with!(SendExitStack::new() as stack => {
///             for name in names {
///                 stack.enter_context(File { name: name.into(), log: log.clone() }).await?;
///             }
///             tokio::task::yield_now().await; // a task on a multi-threaded runtime may move here
///         });
///         Ok::<(), async_with::StackError>(())
///     }
/// });
/// task.await.unwrap().unwrap();
/// assert_eq!(*log.lock().unwrap(), ["close b.txt", "close a.txt"]);
/// # }
/// ```
pub struct SendExitStack<'s> {
    entries: Entries<'s, Sendable>,
}

impl Default for SendExitStack<'_> {
    fn default() -> Self {
        SendExitStack::new()
    }
}

impl<'s> SendExitStack<'s> {
    /// An empty stack.
    ///
    /// ```
    /// assert!(async_with::SendExitStack::new().is_empty());
    /// ```
    pub fn new() -> Self {
        SendExitStack {
            entries: Entries::new(),
        }
    }

    /// How many exits are waiting.
    ///
    /// ```
    /// let mut stack = async_with::SendExitStack::new();
    /// stack.hold(String::from("kept"));
    /// assert_eq!(stack.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.0.len()
    }

    /// Whether no exit is waiting.
    ///
    /// ```
    /// assert!(async_with::SendExitStack::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.0.is_empty()
    }

    /// Enters `context` and, if that succeeded, pushes it so that its exit runs when the
    /// stack closes, as [`ExitStack::enter_context`] does.
    ///
    /// ```
    /// # use async_with::{SendExitStack, suppress};
    /// # futures::executor::block_on(async {
    /// let mut stack = SendExitStack::new();
    /// stack.enter_context(suppress::<std::io::Error>()).await?;
    /// assert_eq!(stack.len(), 1);
    /// stack.close().await?;
    /// # Ok::<(), async_with::BoxError>(())
    /// # }).unwrap();
    /// ```
    pub fn enter_context<'a, C>(&'a mut self, mut context: C) -> SendEntering<'a, ()>
    where
        C: SendAsyncContext + 's,
        C::Error: Into<BoxError>,
    {
        const { assert!(!C::__ASYNC_WITH_VALUE_HOLDS, "{}", DROPS_ITS_GUARD) }
        const { assert!(!C::__ASYNC_WITH_SCOPE, "{}", CANNOT_CUT) }
        Box::pin(async move {
            match context.enter_send().await {
                Ok(value) => drop(value),
                Err(error) => return Err(StackError::enter(error)),
            }
            self.entries.0.push(Box::new(ContextEntry(context)));
            Ok(())
        })
    }

    /// Like [`enter_context`](SendExitStack::enter_context), for an owned (`'static`)
    /// context whose value does not borrow it: returns the value, as
    /// [`ExitStack::enter_value`] does.
    ///
    /// ```
    /// use async_with::{generator, Handoff, SendExitStack};
    ///
    /// # futures::executor::block_on(async {
    /// let mut stack = SendExitStack::new();
    /// let conn = generator(|h: Handoff<String>| async move {
    ///     Ok::<_, std::io::Error>(h.give("connection".to_string()).await.propagate())
    /// });
    /// assert_eq!(stack.enter_value(conn).await?, "connection");
    /// stack.close().await?;
    /// # Ok::<(), async_with::BoxError>(())
    /// # }).unwrap();
    /// ```
    pub fn enter_value<'a, C, V>(&'a mut self, mut context: C) -> SendEntering<'a, V>
    where
        C: SendAsyncContext + for<'v> AsyncContext<Value<'v> = V> + 'static,
        C::Error: Into<BoxError>,
    {
        const { assert!(!C::__ASYNC_WITH_SCOPE, "{}", CANNOT_CUT) }
        Box::pin(async move {
            let value = context.enter_send().await.map_err(StackError::enter)?;
            self.entries.0.push(Box::new(ContextEntry(context)));
            Ok(value)
        })
    }

    /// Pushes an exit callback that runs, with the outcome it is left, when the stack
    /// closes; it may suppress a failure (`Ok(Exit::Suppress)`) or fail itself. The closure
    /// reads the outcome and returns the future to await, which cannot borrow the outcome:
    /// take from it what the future needs first.
    ///
    /// ```
    /// use async_with::{Exit, SendExitStack};
    /// # futures::executor::block_on(async {
    /// let mut stack = SendExitStack::new();
    /// stack.push_exit(|outcome| {
    ///     let failed = outcome.is_err();
    ///     async move {
    ///         if failed { /* roll back, awaiting */ }
    ///         Ok(Exit::Propagate)
    ///     }
    /// });
    /// stack.close().await?;
    /// # Ok::<(), async_with::BoxError>(())
    /// # }).unwrap();
    /// ```
    pub fn push_exit<F, Fut>(&mut self, callback: F)
    where
        F: FnOnce(Outcome<'_>) -> Fut + Send + 's,
        Fut: Future<Output = Result<Exit, BoxError>> + Send + 's,
    {
        self.entries.0.push(Box::new(SendCallbackEntry(callback)));
    }

    /// Pushes an async callback that runs when the stack unwinds, whatever the outcome,
    /// and neither fails nor suppresses (Python's `push_async_callback`).
    ///
    /// ```
    /// use async_with::{async_with, SendExitStack};
    /// use std::sync::{Arc, Mutex};
    ///
    /// # futures::executor::block_on(async {
    /// let closed = Arc::new(Mutex::new(Vec::new()));
    /// let log = closed.clone();
    /// async_with!(SendExitStack::new() as stack => {
    ///     stack.callback(move || async move { log.lock().unwrap().push("flushed") });
    /// });
    /// assert_eq!(*closed.lock().unwrap(), ["flushed"]);
    /// # Ok::<(), async_with::StackError>(())
    /// # }).unwrap();
    /// ```
    pub fn callback<F, Fut>(&mut self, callback: F)
    where
        F: FnOnce() -> Fut + Send + 's,
        Fut: Future<Output = ()> + Send + 's,
    {
        self.push_exit(move |_| async move {
            callback().await;
            Ok(Exit::Propagate)
        });
    }

    /// Keeps `value` until the stack unwinds, then drops it in its turn, as
    /// [`ExitStack::hold`] does: a lock's owned guard, a semaphore's owned permit.
    ///
    /// ```
    /// use async_with::{async_with, SendExitStack};
    /// use std::sync::Arc;
    /// use tokio::sync::Mutex;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), async_with::StackError> {
    /// let lock = Arc::new(Mutex::new(1));
    /// let held = lock.clone();
    /// tokio::spawn(async move {
    ///     async_with!(SendExitStack::new() as stack => {
    ///         stack.hold(held.clone().lock_owned().await);
    ///         assert!(held.try_lock().is_err()); // held by the stack
    ///     });
    ///     Ok::<(), async_with::StackError>(())
    /// })
    /// .await
    /// .unwrap()?;
    /// assert!(lock.try_lock().is_ok()); // released at the end
    /// # Ok(()) }
    /// ```
    pub fn hold<T: Send + 's>(&mut self, value: T) {
        self.entries.0.push(Box::new(HeldEntry(value)));
    }

    /// Pushes a context's exit without entering it (Python's `push_async_exit`), as
    /// [`ExitStack::push_context_exit`] does.
    ///
    /// ```
    /// use async_with::{async_context, async_with, Outcome, SendExitStack};
    /// use std::sync::{Arc, Mutex};
    ///
    /// struct Release(Arc<Mutex<Vec<String>>>);
    /// #[async_context(send)]
    /// impl Release {
    ///     async fn exit(&mut self, outcome: Outcome<'_>) { self.0.lock().unwrap().push(format!("released after {outcome}")); }
    /// }
    ///
    /// # futures::executor::block_on(async {
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// async_with!(SendExitStack::new() as stack => {
    ///     stack.push_context_exit(Release(log.clone())); // acquired elsewhere
    /// });
    /// assert_eq!(*log.lock().unwrap(), ["released after ok"]);
    /// # Ok::<(), async_with::StackError>(())
    /// # }).unwrap();
    /// ```
    pub fn push_context_exit<C>(&mut self, context: C)
    where
        C: SendAsyncContext + 's,
        C::Error: Into<BoxError>,
    {
        self.entries.0.push(Box::new(ContextEntry(context)));
    }

    /// Moves every entry to a new stack, leaving this one empty (Python's `pop_all`).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let mut stack = async_with::SendExitStack::new();
    /// stack.hold(1);
    /// let mut moved = stack.pop_all();
    /// assert!(stack.is_empty() && moved.len() == 1);
    /// moved.close().await?;
    /// # Ok::<(), async_with::StackError>(())
    /// # }).unwrap();
    /// ```
    pub fn pop_all(&mut self) -> SendExitStack<'s> {
        SendExitStack {
            entries: self.entries.take(),
        }
    }

    /// Runs every exit, last pushed first, as [`ExitStack::close`] does.
    ///
    /// ```
    /// # use async_with::{Exit, SendExitStack};
    /// # futures::executor::block_on(async {
    /// let mut stack = SendExitStack::new();
    /// stack.push_exit(|_| async { Err("flush failed".into()) });
    /// assert_eq!(stack.close().await.unwrap_err().into_inner().to_string(), "flush failed");
    /// assert!(stack.close().await.is_ok()); // nothing left to run
    /// # });
    /// ```
    pub async fn close(&mut self) -> Result<(), StackError> {
        self.entries.close().await
    }
}

#[diagnostic::do_not_recommend]
impl<'s> AsyncContext for SendExitStack<'s> {
    type Value<'a>
        = &'a mut SendExitStack<'s>
    where
        Self: 'a;
    type Error = StackError;
    type Decision = Exit;

    async fn enter(&mut self) -> Result<&mut SendExitStack<'s>, StackError> {
        Ok(self)
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<Exit, StackError> {
        self.entries.exit(outcome).await
    }

    fn cancel(&mut self) {
        self.entries.cancel_all();
    }
}

crate::context::send_context! {
    impl['s] for SendExitStack<'s>;
}
