//! Generator-style contexts, Python's `@asynccontextmanager`: one async function holds
//! the setup, hands a value to the block once, and holds the teardown.

use crate::lock;
use crate::{AsyncContext, Exit, Outcome};
use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// Makes a context from one async function: its setup runs at enter, until it hands a
/// value to the block with [`Handoff::give`]; its teardown runs at exit, after `give`
/// returns how the block ended.
///
/// The function must end with what the hand-off returned (`ended.propagate()` or
/// `ended.suppress()`), so a function that never hands off does not compile, and
/// [`Handoff::give`] consumes the handoff, so handing off twice does not compile either.
/// (A function that ends with what another generator's hand-off returned, lent to it
/// through a channel say, panics at enter, saying it never handed off.)
/// If setup fails (`?` before `give`), enter fails with that error and the block does
/// not run.
///
/// The teardown sees an owned summary of the block's outcome ([`Ended`]); to decide by
/// the failure's type (suppress only some errors), inspect the real [`Outcome`] with
/// [`Handoff::give_with`]. Dropped mid-block (cancelled), the function's future is
/// dropped: destructors of its locals run, its async teardown does not. The function's
/// future must be `Send` (so the context can be used in spawned tasks), and the value
/// owned (`V: Send + 'static`).
///
/// A scope written around the hand-off (a `timeout`) cuts the block the generator is used
/// in: see the [`Scope`](crate::Scope) impl of [`Generator`].
///
/// ```
/// use async_with::{async_with, generator, Generator, Handoff};
/// use std::sync::{Arc, Mutex};
///
/// fn connection(log: Arc<Mutex<Vec<String>>>) -> Generator<'static, String, std::io::Error> {
///     generator(move |handoff: Handoff<String>| async move {
///         log.lock().unwrap().push("connect".into());              // setup
///         let ended = handoff.give("connection #1".to_string()).await;
///         log.lock().unwrap().push(format!("disconnect after {ended}")); // teardown
///         Ok::<_, std::io::Error>(ended.propagate())
///     })
/// }
///
/// # futures::executor::block_on(async {
/// let log = Arc::new(Mutex::new(Vec::new()));
/// async_with!(connection(log.clone()) as conn => {
///     log.lock().unwrap().push(format!("use {conn}"));
/// });
/// assert_eq!(*log.lock().unwrap(), ["connect", "use connection #1", "disconnect after ok"]);
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
pub fn generator<'s, V, E, F, Fut>(function: F) -> Generator<'s, V, E>
where
    F: FnOnce(Handoff<V>) -> Fut,
    Fut: Future + Send + 's,
    Fut::Output: crate::checks::GeneratorEnd<Error = E>,
    V: Send + 'static,
{
    let shared = Arc::new(Mutex::new(Shared {
        value: None,
        inspect: None,
        ended: None,
    }));
    let handoff = Handoff {
        shared: shared.clone(),
    };
    Generator {
        function: Arc::new(Mutex::new(Slot::Running(Box::pin(Ends {
            function: function(handoff),
        })))),
        shared,
    }
}

pin_project_lite::pin_project! {
    /// The generator function's future, its output read as a [`GeneratorEnd`](crate::checks::GeneratorEnd).
    struct Ends<Fut> {
        #[pin]
        function: Fut,
    }
}

impl<Fut: Future> Future for Ends<Fut>
where
    Fut::Output: crate::checks::GeneratorEnd,
{
    type Output = Result<HandedOff, <Fut::Output as crate::checks::GeneratorEnd>::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project()
            .function
            .poll(cx)
            .map(crate::checks::GeneratorEnd::into_end)
    }
}

type Inspect = Box<dyn FnOnce(Outcome<'_>) -> Box<dyn Any + Send> + Send>;

struct Shared<V> {
    value: Option<V>,
    /// `give_with`'s inspection, run by exit on the real outcome.
    inspect: Option<Inspect>,
    /// Set by exit: the outcome's summary and what the inspection returned.
    ended: Option<(Ended, Option<Box<dyn Any + Send>>)>,
}

/// The generator function's one way to hand a value to the block: [`give`](Handoff::give)
/// consumes it.
///
/// ```
/// # use async_with::{generator, Handoff};
/// let _ctx = generator(|handoff: Handoff<&'static str>| async move {
///     Ok::<_, std::convert::Infallible>(handoff.give("value").await.propagate())
/// });
/// ```
pub struct Handoff<V> {
    shared: Arc<Mutex<Shared<V>>>,
}

impl<V> Handoff<V> {
    /// Hands `value` to the block (it is what `as PATTERN` binds) and waits until the
    /// block has ended; returns how it ended.
    ///
    /// ```
    /// # use async_with::{async_with, generator, Handoff};
    /// # futures::executor::block_on(async {
    /// let ctx = generator(|h: Handoff<u8>| async move {
    ///     let ended = h.give(7).await;
    ///     assert!(ended.is_ok());
    ///     Ok::<_, std::convert::Infallible>(ended.propagate())
    /// });
    /// async_with!(ctx as seven => { assert_eq!(seven, 7); });
    /// # Ok::<(), std::convert::Infallible>(())
    /// # }).unwrap();
    /// ```
    pub async fn give(self, value: V) -> Ended {
        self.give_with(value, |_| ()).await.0
    }

    /// Like [`give`](Handoff::give), and runs `inspect` on the block's real [`Outcome`]
    /// when it ends (to look at the failure's type), returning what it returned.
    ///
    /// ```
    /// use async_with::{async_with, generator, Handoff};
    /// use std::num::ParseIntError;
    ///
    /// # futures::executor::block_on(async {
    /// // Python's `try: yield; except ValueError: pass`.
    /// let ignore_bad_numbers = || generator(|h: Handoff<()>| async move {
    ///     let (ended, bad_number) =
    ///         h.give_with((), |outcome| outcome.downcast_ref::<ParseIntError>().is_some()).await;
    ///     Ok::<_, std::convert::Infallible>(if bad_number { ended.suppress() } else { ended.propagate() })
    /// });
    /// async fn parse(text: &str, ctx: async_with::Generator<'_, (), std::convert::Infallible>) -> Result<Option<u8>, async_with::BoxError> {
    ///     Ok(async_with!(ctx => { Some(text.parse::<u8>()?) }))
    /// }
    /// assert_eq!(parse("3", ignore_bad_numbers()).await.unwrap(), Some(3));
    /// assert_eq!(parse("x", ignore_bad_numbers()).await.unwrap(), None);
    /// # });
    /// ```
    pub async fn give_with<T, F>(self, value: V, inspect: F) -> (Ended, T)
    where
        F: FnOnce(Outcome<'_>) -> T + Send + 'static,
        T: Send + 'static,
    {
        {
            let mut shared = lock(&self.shared);
            shared.value = Some(value);
            shared.inspect = Some(Box::new(move |outcome| Box::new(inspect(outcome))));
        }
        // Resumed only by exit, which sets `ended` before polling again.
        let (ended, seen) = std::future::poll_fn(|_| match lock(&self.shared).ended.take() {
            Some(ended) => Poll::Ready(ended),
            None => Poll::Pending,
        })
        .await;
        let seen = seen
            .and_then(|seen| seen.downcast::<T>().ok())
            .map(|seen| *seen);
        match seen {
            Some(seen) => (ended, seen),
            // Exit always runs the inspection it was given, once the hand-off set it.
            None => panic!("{EXITED_BEFORE_ENTER}"),
        }
    }
}

/// How the block ended, as a generator's teardown sees it: an owned summary of the
/// [`Outcome`], and the only way to finish the generator function.
///
/// ```
/// use async_with::{async_with, generator, Handoff};
///
/// # futures::executor::block_on(async {
/// let rollback_on_error = generator(|h: Handoff<()>| async move {
///     let ended = h.give(()).await;
///     assert!(ended.is_err() && !ended.is_ok() && !ended.is_panic());
///     assert_eq!(ended.to_string(), "invalid digit found in string");
///     Ok::<_, std::convert::Infallible>(ended.suppress()) // or `ended.propagate()`
/// });
/// let parsed: Result<(), async_with::BoxError> = async {
///     async_with!(rollback_on_error => { "x".parse::<u8>()?; });
///     Ok(())
/// }.await;
/// assert!(parsed.is_ok()); // suppressed
/// # });
/// ```
#[derive(Debug)]
pub struct Ended {
    kind: Kind,
    text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ok,
    Err,
    Panic,
    Cancelled,
}

impl Ended {
    fn of(outcome: &Outcome<'_>) -> Self {
        let kind = if outcome.is_ok() {
            Kind::Ok
        } else if outcome.is_err() {
            Kind::Err
        } else if outcome.is_panic() {
            Kind::Panic
        } else {
            Kind::Cancelled
        };
        Ended {
            kind,
            text: outcome.to_string(),
        }
    }

    /// The block completed.
    ///
    /// ```
    /// # use async_with::{async_with, generator, Handoff};
    /// # futures::executor::block_on(async {
    /// let ctx = generator(|h: Handoff<()>| async move {
    ///     let ended = h.give(()).await;
    ///     assert!(ended.is_ok() && !ended.is_err() && !ended.is_panic());
    ///     Ok::<_, std::convert::Infallible>(ended.propagate())
    /// });
    /// async_with!(ctx => {});
    /// # Ok::<(), std::convert::Infallible>(())
    /// # }).unwrap();
    /// ```
    pub fn is_ok(&self) -> bool {
        self.kind == Kind::Ok
    }

    /// The block failed (`?`, `return Err(..)`).
    pub fn is_err(&self) -> bool {
        self.kind == Kind::Err
    }

    /// The block panicked.
    pub fn is_panic(&self) -> bool {
        self.kind == Kind::Panic
    }

    /// The block was cut by a scope around it (its body dropped at an await, S18), as
    /// [`Outcome::is_cancelled`] says.
    ///
    /// ```
    /// use async_with::{async_with, generator, CancelScope, Handoff};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let ctx = generator(|h: Handoff<()>| async move {
    ///     let ended = h.give(()).await;
    ///     assert!(ended.is_cancelled() && !ended.is_ok() && !ended.is_err());
    ///     Ok::<_, std::convert::Infallible>(ended.propagate())
    /// });
    /// async_with!(CancelScope::new() as handle, ctx => {
    ///     handle.cancel();
    ///     tokio::task::yield_now().await; // cut here
    /// });
    /// # }
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.kind == Kind::Cancelled
    }

    /// Let a failure go on: finishes the generator function.
    pub fn propagate(self) -> HandedOff {
        HandedOff(Exit::Propagate)
    }

    /// Swallow a failure (as `Exit::Suppress`): finishes the generator function.
    pub fn suppress(self) -> HandedOff {
        HandedOff(Exit::Suppress)
    }
}

/// The outcome's `Display`: `ok`, the failure's message, `panicked: ..`.
impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// What a generator function returns: obtained only from [`Ended`] (`ended.propagate()`
/// or `ended.suppress()`), so only after the hand-off. A function that never hands off
/// has no `HandedOff` to return and does not compile.
///
/// ```
/// # use async_with::{generator, Handoff, HandedOff};
/// let _ctx = generator(|h: Handoff<u8>| async move {
///     let done: HandedOff = h.give(1).await.propagate();
///     Ok::<_, std::convert::Infallible>(done)
/// });
/// ```
#[derive(Debug)]
pub struct HandedOff(Exit);

const ENTERED_TWICE: &str =
    "async_with: a generator context can be entered once; make a new one per block";

/// A function can only finish with a `HandedOff` after its hand-off, but one lent by
/// another generator's function (through a channel, say) lets it finish without.
const NEVER_HANDED_OFF: &str = "async_with: a generator function finished without handing off its value: it must end with what its own `give` returned";

/// The hand-off found the block already ended: only a context driven by hand (its exit
/// called before its enter) gets here.
const EXITED_BEFORE_ENTER: &str =
    "async_with: a generator context's exit ran before its enter had handed off the value";

type Function<'s, E> = Pin<Box<dyn Future<Output = Result<HandedOff, E>> + Send + 's>>;

/// The context [`generator`] returns; it binds the handed-off `V` and fails with the
/// function's own error `E` (so an `io::Result` fn can `?` it, `downcast_ref::<E>()` finds
/// it, an outer `suppress::<E>()` catches it; with `E = Infallible` it puts no demand on
/// the fn). It is entered once: entering it again panics.
///
/// ```
/// use async_with::{generator, Generator, Handoff};
///
/// fn numbers() -> Generator<'static, u32, std::convert::Infallible> {
///     generator(|h: Handoff<u32>| async move { Ok(h.give(1).await.propagate()) })
/// }
/// let _ = numbers();
/// ```
pub struct Generator<'s, V, E> {
    /// Shared with the block's cut, which polls the function while the body runs.
    function: Arc<Mutex<Slot<'s, E>>>,
    shared: Arc<Mutex<Shared<V>>>,
}

/// The generator function: running, finished while the block's body ran (a scope in it
/// cut its hand-off), or gone (finished and reported, or dropped).
enum Slot<'s, E> {
    Running(Function<'s, E>),
    Finished(Result<HandedOff, E>),
    /// It panicked while the block's body ran: the panic resumes from exit, once the
    /// body's blocks have exited.
    Panicked(Box<dyn Any + Send>),
    Gone,
}

/// Polls the function once; `None` once it is gone.
fn poll_function<E>(
    slot: &Mutex<Slot<'_, E>>,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<HandedOff, E>>> {
    let mut slot = lock(slot);
    if let Slot::Running(function) = &mut *slot {
        *slot = Slot::Finished(std::task::ready!(function.as_mut().poll(cx)));
    }
    match std::mem::replace(&mut *slot, Slot::Gone) {
        Slot::Finished(result) => Poll::Ready(Some(result)),
        Slot::Panicked(payload) => {
            drop(slot);
            std::panic::resume_unwind(payload)
        }
        // (`Running` was polled to its end just above, or returned pending.)
        Slot::Running(_) | Slot::Gone => Poll::Ready(None),
    }
}

#[diagnostic::do_not_recommend]
impl<'s, V: Send + 'static, E> AsyncContext for Generator<'s, V, E> {
    type Value<'a>
        = V
    where
        Self: 'a;
    type Error = E;
    type Decision = Exit;

    // Plain `poll_fn` futures, not `async fn`s: their `Send` follows the generator's
    // parts, which lets `SendAsyncContext` forward them.
    fn enter(&mut self) -> impl Future<Output = Result<V, E>> {
        std::future::poll_fn(|cx| {
            let polled = poll_function(&self.function, cx);
            if let Some(value) = lock(&self.shared).value.take() {
                return Poll::Ready(Ok(value));
            }
            match polled {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Some(Err(e))) => Poll::Ready(Err(e)),
                // A hand-off's value was just taken: this `HandedOff` is another's.
                Poll::Ready(Some(Ok(_))) => panic!("{NEVER_HANDED_OFF}"),
                Poll::Ready(None) => panic!("{ENTERED_TWICE}"),
            }
        })
    }

    fn exit(&mut self, outcome: Outcome<'_>) -> impl Future<Output = Result<Exit, E>> {
        {
            let mut shared = lock(&self.shared);
            let seen = shared.inspect.take().map(|inspect| inspect(outcome));
            shared.ended = Some((Ended::of(&outcome), seen));
        }
        std::future::poll_fn(|cx| match poll_function(&self.function, cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(HandedOff(exit)))) => Poll::Ready(Ok(exit)),
            Poll::Ready(Some(Err(e))) => Poll::Ready(Err(e)),
            Poll::Ready(None) => panic!("{ENTERED_TWICE}"),
        })
    }

    fn cancel(&mut self) {
        *lock(&self.function) = Slot::Gone;
    }
}

/// A scope inside the generator function, around its hand-off (`async_with!(timeout(d) =>
/// { h.give(v).await })`), cuts the block the generator is used in, as
/// `asyncio.timeout` inside an `@asynccontextmanager` cancels its caller: while the
/// block's body runs, the block polls the function too. When that scope cuts the
/// hand-off, the function ends (with its error, say `Elapsed`); the block's body is then
/// cut, and the block fails with that error.
///
/// ```
/// use async_with::{async_with, generator, timeout, Elapsed, Generator, Handoff};
/// use std::time::Duration;
///
/// /// A session that may last one second.
/// fn session() -> Generator<'static, (), Elapsed> {
///     generator(|h: Handoff<()>| async move {
///         let done = async_with!(timeout(Duration::from_secs(1)) => {
///             h.give(()).await.propagate()
///         });
///         Ok(done)
///     })
/// }
///
/// async fn work() -> Result<(), Elapsed> {
///     async_with!(session() => { tokio::time::sleep(Duration::from_secs(5)).await; });
///     Ok(())
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// assert_eq!(work().await, Err(Elapsed));
/// # }
/// ```
impl<'s, V, E> crate::Scope for Generator<'s, V, E> {
    type Cut = GeneratorCut<'s, E>;

    fn cut(&mut self) -> GeneratorCut<'s, E> {
        GeneratorCut {
            function: self.function.clone(),
        }
    }
}

/// Polls a generator's function while its block's body runs; resolves if the function
/// ends then (its hand-off was cut).
#[doc(hidden)]
pub struct GeneratorCut<'s, E> {
    function: Arc<Mutex<Slot<'s, E>>>,
}

/// Why a generator's block is cut: its function ended during the body.
#[derive(Debug)]
struct FunctionEnded;

impl fmt::Display for FunctionEnded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the generator function ended while the block ran")
    }
}

impl std::error::Error for FunctionEnded {}

impl<E> Future for GeneratorCut<'_, E> {
    type Output = crate::CutReason;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<crate::CutReason> {
        let mut slot = lock(&self.function);
        let Slot::Running(function) = &mut *slot else {
            return Poll::Pending;
        };
        // Polled outside the body's panic catching: a panic here is kept for exit.
        let polled =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| function.as_mut().poll(cx)));
        *slot = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(result)) => Slot::Finished(result),
            Err(payload) => Slot::Panicked(payload),
        };
        Poll::Ready(&FunctionEnded)
    }
}

crate::context::send_context! {
    impl['s, V: Send + 'static, E: Send] for Generator<'s, V, E>;
}
