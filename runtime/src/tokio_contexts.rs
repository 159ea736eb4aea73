//! Built-in contexts over tokio (feature `tokio`, on by default).

use crate::{AsyncContext, Outcome, async_with};
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::watch;
use tokio::sync::{
    AcquireError, Mutex, MutexGuard, OwnedMutexGuard, OwnedSemaphorePermit, RwLock,
    RwLockReadGuard, RwLockWriteGuard, Semaphore, SemaphorePermit,
};
use tokio::task::JoinSet;

/// `&tokio::sync::Mutex<T>` is a context that binds the guard: locked for the body,
/// unlocked (by dropping the guard) before exit.
///
/// ```
/// use async_with::async_with;
/// use tokio::sync::Mutex;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let counter = Mutex::new(0);
/// async_with!(&counter as mut n => { *n += 1; });
/// assert_eq!(*counter.lock().await, 1);
/// # }
/// ```
#[diagnostic::do_not_recommend]
impl<'m, T: ?Sized> AsyncContext for &'m Mutex<T> {
    type Value<'a>
        = MutexGuard<'m, T>
    where
        Self: 'a;
    type Error = Infallible;
    type Decision = ();
    const __ASYNC_WITH_VALUE_HOLDS: bool = true;

    async fn enter(&mut self) -> Result<MutexGuard<'m, T>, Infallible> {
        Ok(self.lock().await)
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

/// `&tokio::sync::Semaphore` is a context that binds a permit, released before exit.
/// Enter fails with [`AcquireError`](tokio::sync::AcquireError) when the semaphore is
/// closed.
///
/// ```
/// use async_with::async_with;
/// use tokio::sync::Semaphore;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), tokio::sync::AcquireError> {
/// let slots = Semaphore::new(2);
/// async_with!(&slots as _permit => {
///     assert_eq!(slots.available_permits(), 1);
/// });
/// assert_eq!(slots.available_permits(), 2);
/// # Ok(()) }
/// ```
#[diagnostic::do_not_recommend]
impl<'s> AsyncContext for &'s Semaphore {
    type Value<'a>
        = SemaphorePermit<'s>
    where
        Self: 'a;
    type Error = AcquireError;
    type Decision = ();
    const __ASYNC_WITH_VALUE_HOLDS: bool = true;

    async fn enter(&mut self) -> Result<SemaphorePermit<'s>, AcquireError> {
        self.acquire().await
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), AcquireError> {
        Ok(())
    }
}

/// A context that read-locks a `tokio::sync::RwLock` and binds the read guard.
///
/// ```
/// use async_with::{async_with, read, write};
/// use tokio::sync::RwLock;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let config = RwLock::new(String::from("v1"));
/// async_with!(write(&config) as mut c => { c.push_str("+patch"); });
/// let seen = async_with!(read(&config) as c => { c.clone() });
/// assert_eq!(seen, "v1+patch");
/// # }
/// ```
pub fn read<T: ?Sized>(lock: &RwLock<T>) -> Read<'_, T> {
    Read(lock)
}

/// A context that write-locks a `tokio::sync::RwLock` and binds the write guard.
///
/// ```
/// # use async_with::{async_with, write};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let lock = tokio::sync::RwLock::new(1);
/// async_with!(write(&lock) as mut n => { *n = 2; });
/// assert_eq!(*lock.read().await, 2);
/// # }
/// ```
pub fn write<T: ?Sized>(lock: &RwLock<T>) -> Write<'_, T> {
    Write(lock)
}

/// The context [`read`] returns.
///
/// ```
/// let lock = tokio::sync::RwLock::new(0);
/// let _: async_with::Read<'_, i32> = async_with::read(&lock);
/// ```
pub struct Read<'l, T: ?Sized>(&'l RwLock<T>);

/// The context [`write()`] returns.
///
/// ```
/// let lock = tokio::sync::RwLock::new(0);
/// let _: async_with::Write<'_, i32> = async_with::write(&lock);
/// ```
pub struct Write<'l, T: ?Sized>(&'l RwLock<T>);

#[diagnostic::do_not_recommend]
impl<'l, T: ?Sized> AsyncContext for Read<'l, T> {
    type Value<'a>
        = RwLockReadGuard<'l, T>
    where
        Self: 'a;
    type Error = Infallible;
    type Decision = ();
    const __ASYNC_WITH_VALUE_HOLDS: bool = true;

    async fn enter(&mut self) -> Result<RwLockReadGuard<'l, T>, Infallible> {
        Ok(self.0.read().await)
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

#[diagnostic::do_not_recommend]
impl<'l, T: ?Sized> AsyncContext for Write<'l, T> {
    type Value<'a>
        = RwLockWriteGuard<'l, T>
    where
        Self: 'a;
    type Error = Infallible;
    type Decision = ();
    const __ASYNC_WITH_VALUE_HOLDS: bool = true;

    async fn enter(&mut self) -> Result<RwLockWriteGuard<'l, T>, Infallible> {
        Ok(self.0.write().await)
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

/// `&Arc<tokio::sync::Mutex<T>>` is a context too, as the mutex is usually held: binds the
/// guard.
///
/// ```
/// use async_with::async_with;
/// use std::sync::Arc;
/// use tokio::sync::Mutex;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let shared = Arc::new(Mutex::new(0));
/// async_with!(&shared as mut guard => { *guard += 1; });
/// assert_eq!(*shared.lock().await, 1);
/// # }
/// ```
#[diagnostic::do_not_recommend]
impl<'m, T: ?Sized> AsyncContext for &'m Arc<Mutex<T>> {
    type Value<'a>
        = MutexGuard<'m, T>
    where
        Self: 'a;
    type Error = Infallible;
    type Decision = ();
    const __ASYNC_WITH_VALUE_HOLDS: bool = true;

    async fn enter(&mut self) -> Result<MutexGuard<'m, T>, Infallible> {
        let mutex: &'m Mutex<T> = self;
        Ok(mutex.lock().await)
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

/// An owned `Arc<tokio::sync::Mutex<T>>` binds an owned guard (`'static` for a `'static`
/// `T`), which can move into spawned work.
///
/// ```
/// use async_with::async_with;
/// use std::sync::Arc;
/// use tokio::sync::Mutex;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let shared = Arc::new(Mutex::new(vec![1]));
/// async_with!(shared.clone() as mut guard => { guard.push(2); });
/// assert_eq!(*shared.lock().await, [1, 2]);
/// # }
/// ```
#[diagnostic::do_not_recommend]
impl<T: ?Sized> AsyncContext for Arc<Mutex<T>> {
    type Value<'a>
        = OwnedMutexGuard<T>
    where
        Self: 'a;
    type Error = Infallible;
    type Decision = ();
    const __ASYNC_WITH_VALUE_HOLDS: bool = true;

    async fn enter(&mut self) -> Result<OwnedMutexGuard<T>, Infallible> {
        Ok(self.clone().lock_owned().await)
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

/// `&Arc<tokio::sync::Semaphore>` binds a permit, like `&Semaphore`.
///
/// ```
/// use async_with::async_with;
/// use std::sync::Arc;
/// use tokio::sync::Semaphore;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), tokio::sync::AcquireError> {
/// let slots = Arc::new(Semaphore::new(2));
/// async_with!(&slots as _permit => { assert_eq!(slots.available_permits(), 1); });
/// assert_eq!(slots.available_permits(), 2);
/// # Ok(()) }
/// ```
#[diagnostic::do_not_recommend]
impl<'s> AsyncContext for &'s Arc<Semaphore> {
    type Value<'a>
        = SemaphorePermit<'s>
    where
        Self: 'a;
    type Error = AcquireError;
    type Decision = ();
    const __ASYNC_WITH_VALUE_HOLDS: bool = true;

    async fn enter(&mut self) -> Result<SemaphorePermit<'s>, AcquireError> {
        let semaphore: &'s Semaphore = self;
        semaphore.acquire().await
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), AcquireError> {
        Ok(())
    }
}

/// An owned `Arc<tokio::sync::Semaphore>` binds an owned permit (`'static`).
///
/// ```
/// use async_with::async_with;
/// use std::sync::Arc;
/// use tokio::sync::Semaphore;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), tokio::sync::AcquireError> {
/// let slots = Arc::new(Semaphore::new(1));
/// async_with!(slots.clone() as permit => {
///     let _moved: tokio::sync::OwnedSemaphorePermit = permit; // 'static: can move anywhere
///     assert_eq!(slots.available_permits(), 0);
/// });
/// assert_eq!(slots.available_permits(), 1);
/// # Ok(()) }
/// ```
#[diagnostic::do_not_recommend]
impl AsyncContext for Arc<Semaphore> {
    type Value<'a>
        = OwnedSemaphorePermit
    where
        Self: 'a;
    type Error = AcquireError;
    type Decision = ();
    const __ASYNC_WITH_VALUE_HOLDS: bool = true;

    async fn enter(&mut self) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.clone().acquire_owned().await
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), AcquireError> {
        Ok(())
    }
}

/// Python's `asyncio.TaskGroup`: the body spawns tasks; exit waits for all of them.
///
/// - When every task succeeds, exit returns once the last one has finished.
/// - The first task to fail (or panic) cuts the others at once, and the body, as a
///   [`Scope`](crate::Scope) cuts its body: blocks inside them run their async exits
///   (Python's `TaskGroup` cancels its tasks, which unwind through their `async with`);
///   a cut task then ends. The group's exit waits until every task is gone and fails
///   with that task's error.
/// - A task's panic is never lost: it resumes after the group's exit has awaited every
///   task, also when the body failed.
/// - When the body itself fails or panics, every task is cut the same way and awaited,
///   and the body's failure goes on.
/// - When a scope around the block cuts it — also while its exit waits for the tasks
///   (`async_with!(timeout(d), TaskGroup::<E>::new() as tasks => ..)`, Trio's
///   `move_on_after` around a nursery) — every task is cut the same way and awaited, and
///   the scope goes on with its cut (a `timeout` fails with `Elapsed` at the deadline).
/// - When the block is cancelled (dropped), every task is aborted (`cancel`): dropped
///   where it is, as a dropped future is. No task outlives the block.
/// - A finished task is forgotten (its result kept only if it is the first failure) when
///   the next one is spawned, so a body that spawns tasks for as long as it runs — one per
///   request, say — holds only the unfinished ones.
///
/// Tasks are spawned on the current tokio runtime. Name the tasks' error type when
/// creating the group (`TaskGroup::<MyError>::new()`): it is the context's error type,
/// which `async_with!` needs to know where the block starts.
///
/// ```
/// use async_with::{async_with, TaskGroup};
/// use std::sync::{Arc, atomic::{AtomicU32, Ordering}};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), String> {
/// let done = Arc::new(AtomicU32::new(0));
/// async_with!(TaskGroup::<String>::new() as tasks => {
///     for i in 0..3 {
///         let done = done.clone();
///         tasks.spawn(async move {
///             tokio::task::yield_now().await;
///             done.fetch_add(i, Ordering::SeqCst);
///             Ok(())
///         });
///     }
/// });
/// assert_eq!(done.load(Ordering::SeqCst), 3); // every task finished before the block ended
///
/// let failed = async {
///     async_with!(TaskGroup::<String>::new() as tasks => {
///         tasks.spawn(async { Err("task 1 failed".to_string()) });
///         tasks.spawn(std::future::pending()); // aborted by the failure
///     });
///     Ok::<(), String>(())
/// };
/// assert_eq!(failed.await, Err("task 1 failed".to_string()));
/// # Ok(()) }
/// ```
///
/// A deadline for the whole group (Trio's `move_on_after` around a nursery): the tasks are
/// cut at the deadline, also when the body has ended and the group's exit is waiting.
///
/// ```
/// use async_with::{async_with, suppress, timeout, Elapsed, TaskGroup};
/// use std::convert::Infallible;
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let started = tokio::time::Instant::now();
/// async_with!(suppress::<Elapsed>(), timeout(Duration::from_secs(1)), TaskGroup::<Infallible>::new() as tasks => {
///     tasks.spawn(async {
///         tokio::time::sleep(Duration::from_secs(60)).await;
///         Ok(())
///     });
/// });
/// assert_eq!(started.elapsed(), Duration::from_secs(1));
/// # }
/// ```
pub struct TaskGroup<E> {
    tasks: JoinSet<Result<(), E>>,
    shared: Arc<GroupShared>,
    /// What finished tasks left, collected as they are forgotten: the first error, and
    /// the first panic's payload.
    first_error: Option<E>,
    panic: Option<Box<dyn std::any::Any + Send>>,
}

/// What the group's tasks share with the block: whether the group is being cut (a task
/// failed or panicked, or the body failed), seen by the block and by every task.
struct GroupShared {
    cutting: watch::Sender<bool>,
}

impl Default for GroupShared {
    fn default() -> Self {
        GroupShared {
            cutting: watch::Sender::new(false),
        }
    }
}

impl GroupShared {
    /// A task failed, or the body did: cut every task and the body.
    fn cut(&self) {
        self.cutting.send_replace(true);
    }

    /// Resolves once the group is being cut.
    fn cut_signal(self: &Arc<Self>) -> GroupCut {
        let mut cutting = self.cutting.subscribe();
        GroupCut {
            wait: Box::pin(async move {
                // Err only if the sender is gone, when nothing is left to cut.
                let _ = cutting.wait_for(|cutting| *cutting).await;
            }),
            shared: self.clone(),
        }
    }
}

impl<E: Send + 'static> TaskGroup<E> {
    /// An empty group.
    ///
    /// ```
    /// let group = async_with::TaskGroup::<std::io::Error>::new();
    /// assert!(group.is_empty());
    /// ```
    pub fn new() -> Self {
        TaskGroup {
            tasks: JoinSet::new(),
            shared: Arc::default(),
            first_error: None,
            panic: None,
        }
    }

    /// Keeps what a finished task left (its error, its panic). The others were cut when it
    /// failed, by the task itself (see `spawn`).
    fn record(&mut self, joined: Result<Result<(), E>, tokio::task::JoinError>) {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                self.first_error.get_or_insert(error);
            }
            Err(join_error) if join_error.is_panic() => {
                self.panic.get_or_insert(join_error.into_panic());
            }
            // Aborted: nothing to report.
            Err(_) => {}
        }
    }

    /// Forgets the tasks that finished (as Python's `TaskGroup` does), so that a body
    /// spawning tasks for as long as it runs holds only the unfinished ones.
    fn forget_finished(&mut self) {
        while let Some(joined) = self.tasks.try_join_next() {
            self.record(joined);
        }
    }

    /// Spawns a task into the group, on the current tokio runtime.
    ///
    /// ```
    /// # use async_with::{async_with, TaskGroup};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), std::io::Error> {
    /// async_with!(TaskGroup::<std::io::Error>::new() as tasks => {
    ///     tasks.spawn(async { Ok(()) });
    ///     assert_eq!(tasks.len(), 1);
    /// });
    /// # Ok(()) }
    /// ```
    pub fn spawn<F>(&mut self, task: F)
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        self.forget_finished();
        let shared = self.shared.clone();
        let mut task = Box::pin(task);
        // A failure or panic cuts the group at once, before the task's own unwinding.
        let watched = std::future::poll_fn(move |cx| {
            match std::panic::catch_unwind(AssertUnwindSafe(|| task.as_mut().poll(cx))) {
                Ok(Poll::Pending) => Poll::Pending,
                Ok(Poll::Ready(result)) => {
                    if result.is_err() {
                        shared.cut();
                    }
                    Poll::Ready(result)
                }
                Err(payload) => {
                    shared.cut();
                    std::panic::resume_unwind(payload)
                }
            }
        });
        // Each task runs inside a scope of its own that the group's cut cuts: blocks in a
        // task run their async exits (Python's TaskGroup cancels its tasks, which unwind
        // through their `async with`), then the task ends with `Ok(())`.
        let child = GroupMember(self.shared.clone());
        self.tasks
            .spawn(async move { async_with!(child => { Some(watched.await) }).unwrap_or(Ok(())) });
    }

    /// How many tasks are in the group: the unfinished ones, and those that finished since
    /// the last [`spawn`](Self::spawn) (each spawn forgets the finished ones first).
    ///
    /// ```
    /// assert_eq!(async_with::TaskGroup::<()>::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no task is waiting.
    ///
    /// ```
    /// assert!(async_with::TaskGroup::<()>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }
}

impl<E: Send + 'static> Default for TaskGroup<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// The reason a [`TaskGroup`] cuts its body.
#[derive(Debug)]
struct TaskFailed;

impl std::fmt::Display for TaskFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a task of the group failed")
    }
}

impl std::error::Error for TaskFailed {}

#[diagnostic::do_not_recommend]
impl<E: Send + 'static> AsyncContext for TaskGroup<E> {
    type Value<'a>
        = &'a mut TaskGroup<E>
    where
        Self: 'a;
    type Error = E;
    type Decision = ();
    const __ASYNC_WITH_SCOPE: bool = true;

    async fn enter(&mut self) -> Result<&mut TaskGroup<E>, E> {
        // A group used again starts afresh: its last use's cut is over.
        self.shared.cutting.send_replace(false);
        Ok(self)
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), E> {
        if !outcome.is_ok() {
            self.shared.cut();
        }
        // If a scope around the block begins to cut while this waits (a `timeout` around
        // the group), the tasks are cut then (`Scope::__async_with_cut_reaches_exit`).
        while let Some(joined) = self.tasks.join_next().await {
            self.record(joined);
        }
        if let Some(payload) = self.panic.take() {
            std::panic::resume_unwind(payload);
        }
        match self.first_error.take() {
            // A task's failure is the block's, unless the body failed on its own.
            Some(error) if outcome.is_ok() || outcome.is_cut() => Err(error),
            _ => Ok(()),
        }
    }

    fn cancel(&mut self) {
        self.tasks.abort_all();
    }
}

impl<E: Send + 'static> crate::Scope for TaskGroup<E> {
    type Cut = GroupCut;

    fn cut(&mut self) -> GroupCut {
        self.shared.cut_signal()
    }

    fn __async_with_cut_reaches_exit(cut: &mut GroupCut) {
        cut.shared.cut();
    }
}

/// Resolves when the group is being cut (a task failed or panicked, or the body failed).
#[doc(hidden)]
pub struct GroupCut {
    wait: std::pin::Pin<Box<dyn Future<Output = ()> + Send>>,
    shared: Arc<GroupShared>,
}

impl Future for GroupCut {
    type Output = crate::CutReason;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<crate::CutReason> {
        self.wait
            .as_mut()
            .poll(cx)
            .map(|()| &TaskFailed as crate::CutReason)
    }
}

/// The scope each task of a [`TaskGroup`] runs in: cut with the group, it swallows its
/// cut (the task then ends with `Ok(())`; the group reports the failure that cut it).
struct GroupMember(Arc<GroupShared>);

impl AsyncContext for GroupMember {
    type Value<'a> = ();
    type Error = Infallible;
    type Decision = crate::Exit;

    async fn enter(&mut self) -> Result<(), Infallible> {
        Ok(())
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<crate::Exit, Infallible> {
        Ok(crate::scope::swallow_own_cut(&outcome))
    }
}

impl crate::Scope for GroupMember {
    type Cut = GroupCut;

    fn cut(&mut self) -> GroupCut {
        self.0.cut_signal()
    }
}

/// Opt-in async cleanup on cancellation, for owned `'static + Send` contexts.
///
/// Wrap a context with [`SpawnExitOnCancel::new`] (it needs [`SpawnExit`], which
/// `#[async_context(spawn_exit_on_cancel)]` implements). When the block's future is dropped
/// after enter succeeded, the wrapped context's async exit is spawned on the current
/// tokio runtime with [`Outcome::cancelled`]. Without a current runtime, the context's
/// synchronous `cancel` hook runs instead.
///
/// A runtime that is shutting down drops the tasks it has not run: an exit spawned then
/// never runs (and neither does `cancel`). Await the block, or shut down only after the
/// cancelled blocks' exits finished, when that matters.
///
/// ```
/// use async_with::{async_context, async_with, Outcome, SpawnExitOnCancel};
/// use std::sync::{Arc, Mutex};
///
/// struct Session { log: Arc<Mutex<Vec<String>>> }
///
/// #[async_context(spawn_exit_on_cancel)]
/// impl Session {
///     async fn exit(&mut self, outcome: Outcome<'_>) {
///         tokio::task::yield_now().await; // async cleanup, e.g. a goodbye message
///         self.log.lock().unwrap().push(format!("closed: {outcome}"));
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let log = Arc::new(Mutex::new(Vec::new()));
/// let block = async {
///     async_with!(SpawnExitOnCancel::new(Session { log: log.clone() }) => {
///         std::future::pending::<()>().await;
///     });
/// };
/// let _ = tokio::time::timeout(std::time::Duration::from_millis(1), block).await;
/// tokio::task::yield_now().await;
/// tokio::task::yield_now().await;
/// assert_eq!(*log.lock().unwrap(), ["closed: cancelled"]);
/// # }
/// ```
pub struct SpawnExitOnCancel<C> {
    context: Option<C>,
}

impl<C: SpawnExit> SpawnExitOnCancel<C> {
    /// Wraps `context`; it binds what `context` binds.
    ///
    /// ```
    /// # use async_with::{async_context, Outcome, SpawnExitOnCancel};
    /// # struct Session;
    /// # #[async_context(spawn_exit_on_cancel)]
    /// # impl Session { async fn exit(&mut self, _outcome: Outcome<'_>) {} }
    /// let _wrapped = SpawnExitOnCancel::new(Session);
    /// ```
    pub fn new(context: C) -> Self {
        SpawnExitOnCancel {
            context: Some(context),
        }
    }

    /// The context to enter: it is only handed away by a cancel, after which nothing enters.
    fn not_handed_away(&mut self) -> &mut C {
        match &mut self.context {
            Some(context) => context,
            None => unreachable!(
                "async_with: this SpawnExitOnCancel was cancelled, and its context handed to a spawned exit"
            ),
        }
    }
}

/// A context whose exit can run as a spawned task: owned, `'static`, `Send`, with a
/// `Send` exit future. `#[async_context(spawn_exit_on_cancel)]` implements it (the
/// compiler checks those properties for the concrete type there).
///
/// ```
/// # use async_with::{async_context, Outcome, SpawnExit};
/// # struct Session;
/// #[async_context(spawn_exit_on_cancel)]
/// impl Session { async fn exit(&mut self, _outcome: Outcome<'_>) {} }
///
/// fn assert_spawnable<C: SpawnExit>() {}
/// assert_spawnable::<Session>();
/// ```
pub trait SpawnExit: AsyncContext + Send + Sized + 'static {
    /// Spawns `exit` with [`Outcome::cancelled`] on the current tokio runtime (there is
    /// one when this is called).
    fn spawn_exit(self);
}

#[diagnostic::do_not_recommend]
impl<C: SpawnExit> AsyncContext for SpawnExitOnCancel<C> {
    type Value<'a>
        = C::Value<'a>
    where
        Self: 'a;
    type Error = C::Error;
    type Decision = C::Decision;

    async fn enter(&mut self) -> Result<C::Value<'_>, C::Error> {
        self.not_handed_away().enter().await
    }

    // The `Option<C>` context's exit: nothing to do once the context was handed away.
    fn exit(
        &mut self,
        outcome: Outcome<'_>,
    ) -> impl Future<Output = Result<C::Decision, C::Error>> {
        self.context.exit(outcome)
    }

    fn cancel(&mut self) {
        if let Some(mut context) = self.context.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                context.spawn_exit();
            } else {
                context.cancel();
            }
        }
    }
}

// Each is a `Send` context when what it guards may be shared between threads.
crate::context::send_context! {
    impl['m, T: ?Sized + Send + Sync] for &'m Arc<Mutex<T>>;
    impl[T: ?Sized + Send + Sync] for Arc<Mutex<T>>;
    impl['l, T: ?Sized + Send + Sync] for Read<'l, T>;
    impl['l, T: ?Sized + Send + Sync] for Write<'l, T>;
    impl['s] for &'s Arc<Semaphore>;
    impl[] for Arc<Semaphore>;
    impl[E: Send + 'static] for TaskGroup<E>;
}

/// A `Send` context when the context it wraps is.
#[diagnostic::do_not_recommend]
impl<C: SpawnExit + crate::SendAsyncContext> crate::SendAsyncContext for SpawnExitOnCancel<C> {
    async fn enter_send(&mut self) -> Result<C::Value<'_>, C::Error> {
        self.not_handed_away().enter_send().await
    }

    fn exit_send(
        &mut self,
        outcome: Outcome<'_>,
    ) -> impl Future<Output = Result<C::Decision, C::Error>> + Send {
        self.context.exit_send(outcome)
    }
}
