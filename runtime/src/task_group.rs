//! `TaskGroup`: Python's `asyncio.TaskGroup`, Trio's nursery (feature `tokio`).

use crate::{AsyncContext, Outcome, async_with, lock};
use std::any::Any;
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio::task::{JoinError, JoinSet};

/// Python's `asyncio.TaskGroup`: the body spawns tasks; exit waits for all of them.
///
/// - When every task succeeds, exit returns once the last one has finished.
/// - The first task to fail (or panic) cuts the others at once, and the body, as a
///   [`Scope`](crate::Scope) cuts its body: blocks inside them run their async exits
///   (Python's `TaskGroup` cancels its tasks, which unwind through their `async with`);
///   a cut task then ends. The group's exit waits until every task is gone and fails
///   with that task's error: the first failure. An exit in the body that fails as the
///   body is cut does not replace it (the contexts inside the group see that exit's
///   error, the block's caller the task's), nor does a failure of the body that reaches
///   the group's exit only after the task failed.
/// - A task's panic is never lost: it resumes after the group's exit has awaited every
///   task, also when the body failed.
/// - When the body itself fails or panics, every task is cut the same way and awaited,
///   and the body's failure goes on.
/// - When a scope around the block cuts it — also while its exit waits for the tasks
///   (`async_with!(timeout(d), TaskGroup::<E>::new() as tasks => ..)`, Trio's
///   `move_on_after` around a nursery) — every task is cut the same way and awaited, and
///   the scope goes on with its cut (a `timeout` fails with `Elapsed` at the deadline) —
///   unless a task failed meanwhile (its cleanup failed when cut, say): that error leaves
///   the block instead, as asyncio's `TaskGroup` raises through a timeout.
/// - When the block is cancelled (dropped), every task is aborted (`cancel`): dropped
///   where it is, as a dropped future is. No task outlives the block.
/// - A finished task is forgotten (its result kept only if it is the first failure) when
///   the next one is spawned, so a body that spawns tasks for as long as it runs — one per
///   request, say — holds only the unfinished ones.
/// - Tasks can spawn tasks into the group too, through a [`TaskSpawner`]
///   ([`spawner`](Self::spawner)), as asyncio's tasks call `tg.create_task` and Trio's
///   children get the nursery: the exit also waits for those. Once the exit has seen the
///   last task end, the group is closed: a spawner's `spawn` then fails.
///
/// - [`cancel`](Self::cancel) (or [`TaskSpawner::cancel`], from a task) ends the group
///   early without an error (CPython 3.15's `TaskGroup.cancel()`): every task and the body
///   are cut, and the block gives `()` (or `None`). So a group's block, like a
///   [`CancelScope`](crate::CancelScope)'s, is of type `()` or `Option<T>`.
/// - [`supervisor`](Self::supervisor) makes a group whose tasks fail alone (Kotlin's
///   `supervisorScope`); [`failures`](Self::failures) keeps every failure but the first,
///   which is the block's error (Python's `ExceptionGroup` keeps them all). Rules
///   C14–C16 of `docs/CANCELLATION.md`.
///
/// Tasks are spawned on the runtime the block runs on. Name the tasks' error type when
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
    tasks: Arc<Mutex<Tasks<E>>>,
    shared: Arc<GroupShared>,
}

/// The group's tasks, shared by the block and its spawners.
struct Tasks<E> {
    set: Set<E>,
    /// A spawner may add tasks: from the group's creation or enter until its exit saw the
    /// last task end (or the block was cancelled).
    open: bool,
    /// The runtime the block runs on (taken at enter), so that a spawner can spawn from
    /// anywhere.
    runtime: Option<Handle>,
    /// What finished tasks left, collected as they are forgotten: the first error, the
    /// others in the order they came (C16), and the first panic's payload.
    first_error: Option<E>,
    other_errors: Vec<E>,
    panic: Option<Box<dyn Any + Send>>,
    join: JoinOps<E>,
}

/// What a task of the group leaves: its result, or how it did not finish.
type Joined<E> = Result<Result<(), E>, JoinError>;

/// The group's tasks, as tokio holds them.
type Set<E> = JoinSet<Result<(), E>>;

/// `JoinSet::poll_join_next`, as a fn pointer (see `JoinOps`).
type PollJoinNext<E> = fn(&mut Set<E>, &mut Context<'_>) -> Poll<Option<Joined<E>>>;

/// The operations on the set that the group's exit and `cancel` need, which tokio offers
/// only for `'static` outputs: taken where the group is made (`new` asks `E: 'static`),
/// so that the context impls ask nothing of `E`'s lifetimes. A block's `Send` proof
/// erases lifetimes and, through `&mut TaskGroup<E>` or `Option<TaskGroup<E>>` (whose
/// futures are `TaskGroup`'s), checks those impls again for every lifetime: an
/// `E: 'static` there fails for `Box<dyn Error + Send + Sync>` (SPEC §2).
struct JoinOps<E> {
    poll_join_next: PollJoinNext<E>,
    abort_all: fn(&mut Set<E>),
}

/// What the group's tasks share with the block: whether the group is being cut (a task
/// failed or panicked, the body failed, or `cancel()` was called), seen by the block and
/// by every task, and why it began.
struct GroupShared {
    cutting: watch::Sender<bool>,
    /// Why the cut began: [`WHY_NONE`] until it does.
    why: AtomicU8,
    /// `cancel()` was called (also before the block: its body is cut at its first await).
    cancelled: AtomicBool,
    /// A supervisor group: a task's failure does not cut the others (C15).
    supervisor: bool,
    /// The scopes around the block, taken at enter: what `current_deadline` sees in its
    /// tasks (C10).
    around: Mutex<Arc<[crate::__private::ScopeFrame]>>,
}

/// Why a group's cut began.
const WHY_NONE: u8 = 0;
const WHY_TASK_FAILED: u8 = 1;
const WHY_CANCELLED: u8 = 2;
const WHY_OTHER: u8 = 3;

impl GroupShared {
    fn new(supervisor: bool) -> Self {
        GroupShared {
            cutting: watch::Sender::new(false),
            why: AtomicU8::new(WHY_NONE),
            cancelled: AtomicBool::new(false),
            supervisor,
            around: Mutex::new(Arc::new([])),
        }
    }

    /// The body failed, or a scope around the block cut it: cut every task and the body.
    fn cut(&self) {
        self.cut_for(WHY_OTHER);
    }

    /// Cuts every task and the body; the first call says why. Only the first call
    /// notifies: a cut reaching the group's exit calls this at each poll of that exit, and
    /// a repeated notification would wake every task again.
    fn cut_for(&self, why: u8) {
        let _ = self
            .why
            .compare_exchange(WHY_NONE, why, Ordering::SeqCst, Ordering::SeqCst);
        self.cutting
            .send_if_modified(|cutting| !std::mem::replace(cutting, true));
    }

    /// CPython's `TaskGroup.cancel()`: cut every task and the body; the group swallows
    /// this cut.
    fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.cut_for(WHY_CANCELLED);
    }

    fn why(&self) -> u8 {
        self.why.load(Ordering::SeqCst)
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
    /// An empty group whose tasks fail with `E`.
    ///
    /// Name `E` where the group is made, `TaskGroup::<MyError>::new()`: in
    /// `async_with!(TaskGroup::new() as tasks => ..)` the error type would only be inferred
    /// from the tasks spawned later, and the block takes a context whose error type is not
    /// known yet at its start as infallible: the first fallible task is then an error at
    /// its `spawn` ("expected .. a future that resolves to `Result<(), Infallible>`").
    ///
    /// ```
    /// let group = async_with::TaskGroup::<std::io::Error>::new();
    /// assert!(group.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_mode(false)
    }

    /// A supervisor group (Kotlin's `supervisorScope`): a task's failure cuts neither the
    /// other tasks nor the body. Every task runs to its end; the group's exit then fails
    /// with the first failure, and the others are in [`failures`](Self::failures). The
    /// rest is as for [`new`](Self::new): a panic still cuts the group (it is a bug, not a
    /// failure) and resumes after the exit; the body's own failure, a [`cancel`](Self::cancel)
    /// or a scope around the block cut every task.
    ///
    /// ```
    /// use async_with::{async_with, TaskGroup};
    /// use std::sync::{Arc, Mutex};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let sent = Arc::new(Mutex::new(Vec::new()));
    /// let group = TaskGroup::<String>::supervisor();
    /// let failures = group.failures();
    /// let result: Result<(), String> = async {
    ///     async_with!(group as tasks => {
    ///         for host in ["a", "b", "c", "d"] {
    ///             let sent = sent.clone();
    ///             tasks.spawn(async move {
    ///                 tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    ///                 if host == "b" || host == "d" { return Err(format!("{host} unreachable")) }
    ///                 sent.lock().unwrap().push(host);
    ///                 Ok(())
    ///             });
    ///         }
    ///     });
    ///     Ok(())
    /// }.await;
    /// assert_eq!(result, Err("b unreachable".to_string())); // the first failure
    /// assert_eq!(failures.take_others(), ["d unreachable"]);
    /// assert_eq!(*sent.lock().unwrap(), ["a", "c"]); // b's failure cut no one
    /// # }
    /// ```
    pub fn supervisor() -> Self {
        Self::with_mode(true)
    }

    fn with_mode(supervisor: bool) -> Self {
        TaskGroup {
            tasks: Arc::new(Mutex::new(Tasks {
                set: JoinSet::new(),
                open: true,
                runtime: None,
                first_error: None,
                other_errors: Vec::new(),
                panic: None,
                join: JoinOps {
                    poll_join_next: JoinSet::poll_join_next,
                    abort_all: JoinSet::abort_all,
                },
            })),
            shared: Arc::new(GroupShared::new(supervisor)),
        }
    }

    /// CPython 3.15's `TaskGroup.cancel()`: ends the group early, without an error — once
    /// its goal is met, or its services are no longer needed. Every task is cut (its
    /// blocks run their async exits, seeing a cancellation whose
    /// [`cancel_reason`](crate::Outcome::cancel_reason) says so), and so is the body; the
    /// group's exit waits for every task and swallows the cut: the block gives `()` (or
    /// `None`) and the code after it runs. A task that fails while it is cut still fails
    /// the block. Called before the block, the body is cut at its first await; after it,
    /// it does nothing. Idempotent. From a task, use [`TaskSpawner::cancel`].
    ///
    /// ```
    /// use async_with::{async_with, TaskGroup};
    /// use std::convert::Infallible;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let (found, mut results) = tokio::sync::mpsc::unbounded_channel();
    /// async_with!(TaskGroup::<Infallible>::new() as tasks => {
    ///     for mirror in 1..=3u64 {
    ///         let found = found.clone();
    ///         tasks.spawn(async move {
    ///             tokio::time::sleep(Duration::from_secs(mirror)).await;
    ///             let _ = found.send(mirror);
    ///             Ok(())
    ///         });
    ///     }
    ///     let first = results.recv().await; // the fastest mirror answered
    ///     assert_eq!(first, Some(1));
    ///     tasks.cancel(); // the others are not needed
    ///     std::future::pending::<()>().await; // cut here
    /// });
    /// drop(found);
    /// assert_eq!(results.recv().await, None); // no other mirror answered
    /// # }
    /// ```
    pub fn cancel(&self) {
        // After the block (the exit closed the group) it does nothing.
        if lock(&self.tasks).open {
            self.shared.cancel();
        }
    }

    /// Where the group keeps every failure but the first (Python's `ExceptionGroup` keeps
    /// them all): the first is the block's error, and the others, in the order the tasks
    /// ended, are taken from this handle after the block — also when the body failed on
    /// its own (every task failure is then here). Take the handle before the block, since
    /// the block owns the group. `Clone + Send + Sync`.
    ///
    /// ```
    /// use async_with::{async_with, TaskGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let group = TaskGroup::<String>::new();
    /// let failures = group.failures();
    /// let result: Result<(), String> = async {
    ///     async_with!(group as tasks => {
    ///         tasks.spawn(async { Err("disk full".to_string()) });
    ///         tasks.spawn(async { Err("network down".to_string()) });
    ///     });
    ///     Ok(())
    /// }.await;
    /// // Both failed before either was cut: one is the block's error, the other kept.
    /// let mut all = vec![result.unwrap_err()];
    /// all.extend(failures.take_others());
    /// all.sort();
    /// assert_eq!(all, ["disk full", "network down"]);
    /// # }
    /// ```
    pub fn failures(&self) -> Failures<E> {
        Failures {
            tasks: self.tasks.clone(),
        }
    }

    /// Spawns a task into the group.
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
        lock(&self.tasks).spawn(&self.shared, task);
    }

    /// A handle that spawns tasks into this group from anywhere — from its own tasks, as
    /// asyncio's tasks call `tg.create_task` and Trio's children get the nursery.
    ///
    /// ```
    /// use async_with::{async_with, TaskGroup};
    /// use std::sync::{Arc, Mutex};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), String> {
    /// // A crawler: each page's task spawns a task per link it finds.
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// async_with!(TaskGroup::<String>::new() as tasks => {
    ///     fn visit(page: u32, spawner: async_with::TaskSpawner<String>, seen: Arc<Mutex<Vec<u32>>>)
    ///         -> impl std::future::Future<Output = Result<(), String>> + Send + 'static
    ///     {
    ///         async move {
    ///             seen.lock().unwrap().push(page);
    ///             for link in [page * 2, page * 2 + 1].into_iter().filter(|&p| p < 8) {
    ///                 spawner.spawn(visit(link, spawner.clone(), seen.clone())).map_err(|e| e.to_string())?;
    ///             }
    ///             Ok(())
    ///         }
    ///     }
    ///     tasks.spawn(visit(1, tasks.spawner(), seen.clone()));
    /// });
    /// // The exit waited for every task, also those spawned by tasks.
    /// let mut seen = seen.lock().unwrap().clone();
    /// seen.sort();
    /// assert_eq!(seen, [1, 2, 3, 4, 5, 6, 7]);
    /// # Ok(()) }
    /// ```
    pub fn spawner(&self) -> TaskSpawner<E> {
        TaskSpawner {
            tasks: Arc::downgrade(&self.tasks),
            shared: self.shared.clone(),
        }
    }

    /// How many tasks are in the group: the unfinished ones, and those that finished since
    /// the last spawn (each spawn forgets the finished ones first).
    ///
    /// ```
    /// assert_eq!(async_with::TaskGroup::<()>::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        lock(&self.tasks).set.len()
    }

    /// Whether no task is waiting.
    ///
    /// ```
    /// assert!(async_with::TaskGroup::<()>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        lock(&self.tasks).set.is_empty()
    }
}

impl<E> Tasks<E> {
    /// Keeps what a finished task left (its error, its panic). The others were cut when it
    /// failed, by the task itself (see `spawn`).
    fn record(&mut self, joined: Joined<E>) {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(error)) => match self.first_error {
                None => self.first_error = Some(error),
                Some(_) => self.other_errors.push(error),
            },
            Err(join_error) if join_error.is_panic() => {
                self.panic.get_or_insert(join_error.into_panic());
            }
            // Aborted: nothing to report.
            Err(_) => {}
        }
    }

    /// Ready once every task has ended, each recorded.
    fn poll_join_all(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while let Some(joined) = std::task::ready!((self.join.poll_join_next)(&mut self.set, cx)) {
            self.record(joined);
        }
        Poll::Ready(())
    }

    /// Aborts every task where it is (the block was cancelled).
    fn abort_all(&mut self) {
        (self.join.abort_all)(&mut self.set);
    }
}

impl<E: Send + 'static> Tasks<E> {
    /// Forgets the tasks that finished (as Python's `TaskGroup` does), so that a body
    /// spawning tasks for as long as it runs holds only the unfinished ones.
    fn forget_finished(&mut self) {
        while let Some(joined) = self.set.try_join_next() {
            self.record(joined);
        }
    }

    fn spawn<F>(&mut self, shared: &Arc<GroupShared>, task: F)
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        self.forget_finished();
        let watching = shared.clone();
        let mut task = Box::pin(task);
        // A failure or panic cuts the group at once, before the task's own unwinding.
        let watched = std::future::poll_fn(move |cx| {
            match std::panic::catch_unwind(AssertUnwindSafe(|| task.as_mut().poll(cx))) {
                Ok(Poll::Pending) => Poll::Pending,
                Ok(Poll::Ready(result)) => {
                    // A supervisor's tasks fail alone (C15).
                    if result.is_err() && !watching.supervisor {
                        watching.cut_for(WHY_TASK_FAILED);
                    }
                    Poll::Ready(result)
                }
                Err(payload) => {
                    watching.cut_for(WHY_TASK_FAILED);
                    std::panic::resume_unwind(payload)
                }
            }
        });
        // Each task runs inside a scope of its own that the group's cut cuts: blocks in a
        // task run their async exits (Python's TaskGroup cancels its tasks, which unwind
        // through their `async with`), then the task ends with `Ok(())`.
        let child = GroupMember(shared.clone());
        let task = async move { async_with!(child => { Some(watched.await) }).unwrap_or(Ok(())) };
        match &self.runtime {
            Some(runtime) => self.set.spawn_on(task, runtime),
            None => self.set.spawn(task),
        };
    }
}

/// Spawns tasks into a [`TaskGroup`] from anywhere, while its block runs (see
/// [`TaskGroup::spawner`]). `Clone + Send + Sync + 'static`.
pub struct TaskSpawner<E> {
    tasks: Weak<Mutex<Tasks<E>>>,
    shared: Arc<GroupShared>,
}

impl<E> Clone for TaskSpawner<E> {
    fn clone(&self) -> Self {
        TaskSpawner {
            tasks: self.tasks.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<E> TaskSpawner<E> {
    /// [`TaskGroup::cancel`], from anywhere (a task of the group, another thread): cuts
    /// every task and the group's body, and the group ends without an error. After the
    /// block it does nothing.
    ///
    /// ```
    /// use async_with::{async_with, TaskGroup};
    /// use std::convert::Infallible;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// async_with!(TaskGroup::<Infallible>::new() as tasks => {
    ///     let spawner = tasks.spawner();
    ///     tasks.spawn(async { std::future::pending().await }); // a server, say
    ///     tasks.spawn(async move {
    ///         tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    ///         spawner.cancel(); // the shutdown signal came
    ///         Ok(())
    ///     });
    /// });
    /// // The group ended at 1 s, without an error.
    /// # }
    /// ```
    pub fn cancel(&self) {
        if self.tasks.upgrade().is_some_and(|tasks| lock(&tasks).open) {
            self.shared.cancel();
        }
    }
}

impl<E: Send + 'static> TaskSpawner<E> {
    /// Spawns a task into the group; the group's exit waits for it as for any other.
    /// Once the exit has seen its last task end (or the block was cancelled), the group
    /// is closed: the task is dropped without running and this fails with
    /// [`GroupClosed`]. While the group is being cut, a new task is cut at its first
    /// await.
    ///
    /// ```
    /// use async_with::{async_with, GroupClosed, TaskGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), GroupClosed> {
    /// let mut kept = None;
    /// async_with!(TaskGroup::<GroupClosed>::new() as tasks => {
    ///     let spawner = tasks.spawner();
    ///     tasks.spawn(async move { spawner.spawn(async { Ok(()) }) });
    ///     kept = Some(tasks.spawner());
    /// });
    /// assert_eq!(kept.unwrap().spawn(async { Ok(()) }), Err(GroupClosed));
    /// # Ok(()) }
    /// ```
    pub fn spawn<F>(&self, task: F) -> Result<(), GroupClosed>
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        let tasks = self.tasks.upgrade().ok_or(GroupClosed)?;
        let mut tasks = lock(&tasks);
        if !tasks.open {
            return Err(GroupClosed);
        }
        tasks.spawn(&self.shared, task);
        Ok(())
    }
}

/// A [`TaskSpawner`] spawned into a group whose block has ended.
///
/// ```
/// assert_eq!(
///     async_with::GroupClosed.to_string(),
///     "the task group has ended: no task can join it"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupClosed;

impl std::fmt::Display for GroupClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the task group has ended: no task can join it")
    }
}

impl std::error::Error for GroupClosed {}

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

// No `E: 'static` here, nor on the `Scope` impl: see `JoinOps`.
#[diagnostic::do_not_recommend]
impl<E: Send> AsyncContext for TaskGroup<E> {
    type Value<'a>
        = &'a mut TaskGroup<E>
    where
        Self: 'a;
    type Error = E;
    type Decision = crate::Exit;
    const __ASYNC_WITH_SCOPE: bool = true;

    async fn enter(&mut self) -> Result<&mut TaskGroup<E>, E> {
        // A group used again starts afresh: its last use's cut is over. A group cancelled
        // before its block is cut at once (CPython).
        if !self.shared.cancelled.load(Ordering::SeqCst) {
            self.shared.why.store(WHY_NONE, Ordering::SeqCst);
            self.shared.cutting.send_replace(false);
        }
        *lock(&self.shared.around) = crate::__private::snapshot();
        let mut tasks = lock(&self.tasks);
        tasks.open = true;
        tasks.runtime = Handle::try_current().ok();
        drop(tasks);
        Ok(self)
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<crate::Exit, E> {
        // A task's failure or panic that began the cut came first: a failure of the body
        // came after it, from the cut (an exit in the body failing as it was cut), and
        // does not replace the task's (S23: the first failure).
        let a_task_failed_first = self.shared.why() == WHY_TASK_FAILED;
        if !outcome.is_ok() {
            self.shared.cut();
        }
        // Every task, also those spawners add meanwhile; the group closes when the last
        // has ended. If a scope around the block begins to cut while this waits (a
        // `timeout` around the group), the tasks are cut then
        // (`Scope::__async_with_cut_reaches_exit`).
        let (panic, first_error) = std::future::poll_fn(|cx| {
            let mut tasks = lock(&self.tasks);
            std::task::ready!(tasks.poll_join_all(cx));
            tasks.open = false;
            Poll::Ready((tasks.panic.take(), tasks.first_error.take()))
        })
        .await;
        // The group's cancel is over: a later `cancel()` does nothing, a next use starts
        // afresh.
        let cancelled = self.shared.cancelled.swap(false, Ordering::SeqCst);
        if let Some(payload) = panic {
            std::panic::resume_unwind(payload);
        }
        match first_error {
            // A task's failure is the block's — also when a scope around the block cut it
            // (it then rises through the cut body, as an exit's error does, S23) — unless
            // the body failed on its own, before any task did.
            Some(error)
                if a_task_failed_first
                    || outcome.is_ok()
                    || outcome.is_cut()
                    || outcome.is_cancelled() =>
            {
                Err(error)
            }
            Some(error) => {
                // The body failed on its own first: its failure goes on, the task's is
                // kept with the others (C16).
                lock(&self.tasks).other_errors.insert(0, error);
                Ok(crate::Exit::Propagate)
            }
            // CPython's `cancel()`: the group swallows its own cut.
            None if cancelled && outcome.is_cut() => Ok(crate::Exit::Suppress),
            None => Ok(crate::Exit::Propagate),
        }
    }

    fn cancel(&mut self) {
        let mut tasks = lock(&self.tasks);
        tasks.open = false;
        tasks.abort_all();
    }
}

impl<E: Send> crate::Scope for TaskGroup<E> {
    type Cut = GroupCut;

    fn cut(&mut self) -> GroupCut {
        self.shared.cut_signal()
    }

    fn __async_with_cause(cut: &GroupCut, reason: crate::CutReason) -> crate::__private::CutCause {
        cut.cause(reason)
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

impl GroupCut {
    /// Why the group cut (C12): `cancel()` says so; anything else is the scope's reason.
    fn cause(&self, reason: crate::CutReason) -> crate::__private::CutCause {
        if self.shared.why() == WHY_CANCELLED {
            crate::__private::CutCause::Static(&GroupCancelled)
        } else {
            crate::__private::CutCause::Static(reason)
        }
    }
}

/// The reason of a group's cut after its `cancel()`.
#[derive(Debug)]
struct GroupCancelled;

impl std::fmt::Display for GroupCancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the task group was cancelled")
    }
}

impl std::error::Error for GroupCancelled {}

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

    /// A task sees the deadlines around its group's block.
    fn __async_with_frame(cut: &GroupCut) -> Option<crate::__private::ScopeFrame> {
        let around = lock(&cut.shared.around).clone();
        Some(crate::__private::ScopeFrame::Inherited(around))
    }

    fn __async_with_cause(cut: &GroupCut, reason: crate::CutReason) -> crate::__private::CutCause {
        cut.cause(reason)
    }
}

impl<E> std::fmt::Debug for TaskGroup<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tasks = lock(&self.tasks);
        f.debug_struct("TaskGroup")
            .field("tasks", &tasks.set.len())
            .field("open", &tasks.open)
            .finish()
    }
}

/// Every failure of a [`TaskGroup`]'s tasks but the one the block failed with (see
/// [`TaskGroup::failures`]). `Clone + Send + Sync` for a `Send` error type.
///
/// ```
/// let group = async_with::TaskGroup::<String>::new();
/// let failures = group.failures();
/// assert!(failures.take_others().is_empty());
/// ```
pub struct Failures<E> {
    tasks: Arc<Mutex<Tasks<E>>>,
}

impl<E> Failures<E> {
    /// Takes the failures kept so far, in the order the tasks ended (after the block:
    /// all of them). A second call gives only those kept since.
    ///
    /// ```
    /// let failures = async_with::TaskGroup::<std::io::Error>::new().failures();
    /// assert_eq!(failures.take_others().len(), 0);
    /// ```
    pub fn take_others(&self) -> Vec<E> {
        std::mem::take(&mut lock(&self.tasks).other_errors)
    }
}

impl<E> Clone for Failures<E> {
    fn clone(&self) -> Self {
        Failures {
            tasks: self.tasks.clone(),
        }
    }
}

impl<E> std::fmt::Debug for Failures<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = lock(&self.tasks).other_errors.len();
        f.debug_struct("Failures").field("others", &kept).finish()
    }
}

impl<E> std::fmt::Debug for TaskSpawner<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let open = self.tasks.upgrade().is_some_and(|tasks| lock(&tasks).open);
        f.debug_struct("TaskSpawner").field("open", &open).finish()
    }
}

crate::context::send_context! {
    impl[E: Send] for TaskGroup<E>;
}
