//! Built-in contexts over tokio (feature `tokio`, on by default).

use crate::{AsyncContext, Outcome};
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{
    AcquireError, Mutex, MutexGuard, OwnedMutexGuard, OwnedSemaphorePermit, RwLock,
    RwLockReadGuard, RwLockWriteGuard, Semaphore, SemaphorePermit,
};

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
