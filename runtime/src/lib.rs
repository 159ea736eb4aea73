#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The crate's own blocks (a `TaskGroup`'s tasks) are written with `async_with!`, whose
// expansion names `::async_with`.
extern crate self as async_with;

pub mod checks;
mod context;
mod current;
mod deadline;
mod exit_stack;
mod generator;
mod outcome;
mod scope;
mod shield;
mod suppress;
#[cfg(feature = "tokio")]
mod task_group;
mod timer;
#[cfg(feature = "tokio")]
mod tokio_contexts;

#[doc(hidden)]
#[path = "private/mod.rs"]
pub mod __private;

/// A guide for Python users: how `async with`, `__aenter__`/`__aexit__`, suppression,
/// `@asynccontextmanager`, `AsyncExitStack`, `suppress` and `TaskGroup` map to this crate,
/// and the common protocol mistakes as the compile errors they become here.
#[doc = include_str!("../docs/COMING_FROM_PYTHON.md")]
pub mod coming_from_python {}

/// Locks a mutex of the crate's own state (a generator's hand-off, a scope's waker, a
/// timeout's deadline, a task group's tasks); a panic while it was held leaves the data
/// as it was.
pub(crate) fn lock<T: ?Sized>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub use context::{AsyncContext, ExitDecision, SendAsyncContext};
#[cfg(feature = "tokio")]
pub use current::current_deadline;
pub use current::current_deadline_std;
pub use exit_stack::{BoxError, ExitStack, SendExitStack, StackError};
pub use generator::{Ended, Generator, HandedOff, Handoff, generator};
pub use outcome::{Exit, Outcome};
pub use scope::{
    CancelHandle, CancelScope, CutReason, Elapsed, IntoDeadline, Scope, Timeout, TimeoutHandle,
    timeout_at_with, timeout_with,
};
#[cfg(feature = "tokio")]
pub use scope::{timeout, timeout_at};
pub use shield::{Shield, shield};
pub use suppress::{ErrorSet, Suppress, suppress};
#[cfg(feature = "tokio")]
pub use task_group::{Failures, GroupClosed, TaskGroup, TaskSpawner};
#[cfg(feature = "futures-timer")]
pub use timer::FuturesTimer;
#[cfg(feature = "tokio")]
pub use timer::TokioTimer;
pub use timer::{DefaultTimer, Timer};
#[cfg(feature = "tokio")]
pub use tokio_contexts::{Read, SpawnExit, SpawnExitOnCancel, Write, read, write};

/// Runs a block between a context's async `enter` and its async `exit`.
///
/// ```text
/// async_with!( CONTEXT [as PATTERN] {, CONTEXT [as PATTERN]} => { BODY } )
/// ```
///
/// Each `CONTEXT` is an expression whose value implements [`AsyncContext`]; it is
/// evaluated once, entered, and bound to `PATTERN` (any irrefutable pattern). The body
/// runs inside the enclosing async fn or block: `?`, `return`, `break`, `continue` (to
/// loops outside the block, labelled or not) and `.await` mean what they would mean written
/// inline, and exit runs before any of them takes effect. The macro's value is the body's
/// value. See the [crate documentation](crate) for every rule.
///
/// ```
/// use async_with::{async_context, async_with, Outcome};
///
/// struct Span { events: Vec<String> }
///
/// #[async_context]
/// impl Span {
///     async fn enter(&mut self) -> &mut Vec<String> {
///         self.events.push("open".into());
///         &mut self.events
///     }
///     async fn exit(&mut self, outcome: Outcome<'_>) {
///         self.events.push(format!("close: {outcome}"));
///     }
/// }
///
/// async fn work(span: &mut Span, items: &[&str]) -> Result<u32, std::num::ParseIntError> {
///     let mut total = 0;
///     for item in items {
///         async_with!(&mut *span as events => {
///             if item.is_empty() { continue; }          // exit runs, then `continue`
///             total += item.parse::<u32>()?;            // exit runs, then `?` returns
///             events.push(format!("added {item}"));
///         });
///     }
///     Ok(total)
/// }
///
/// # futures::executor::block_on(async {
/// let mut span = Span { events: vec![] };
/// assert_eq!(work(&mut span, &["1", "", "2"]).await, Ok(3));
/// assert!(work(&mut span, &["x"]).await.is_err());
/// assert_eq!(span.events.last().unwrap(), "close: invalid digit found in string");
/// # });
/// ```
///
/// Several contexts nest exactly, the first outermost:
///
/// ```
/// # use async_with::{async_context, async_with, Outcome};
/// # struct Step(&'static str, std::rc::Rc<std::cell::RefCell<Vec<String>>>);
/// # #[async_context]
/// # impl Step {
/// #     async fn enter(&mut self) { self.1.borrow_mut().push(format!("enter {}", self.0)) }
/// #     async fn exit(&mut self, _outcome: Outcome<'_>) { self.1.borrow_mut().push(format!("exit {}", self.0)) }
/// # }
/// # futures::executor::block_on(async {
/// # let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
/// async_with!(Step("a", log.clone()), Step("b", log.clone()) => {
///     log.borrow_mut().push("body".into());
/// });
/// assert_eq!(*log.borrow(), ["enter a", "enter b", "body", "exit b", "exit a"]);
/// # });
/// ```
///
/// A malformed call is a compile error that shows the grammar:
///
/// ```compile_fail
/// # use async_with::async_with;
/// # async fn f(m: Option<&mut Option<u8>>) {
/// async_with!(m as guard { });   // error: expected `=>` before the block
/// # }
/// ```
#[doc(inline)]
pub use async_with_macros::async_with;

/// Runs an `async fn`'s whole body inside an [`async_with!`] block over the given contexts:
/// a context as a function attribute (Python's `AsyncContextDecorator`).
///
/// `#[with_context(CONTEXT [as PATTERN], ..)]` on `async fn f(..) { body }` is
/// `async fn f(..) { async_with!(CONTEXT [as PATTERN], .. => { body }) }`: the contexts are
/// built from the fn's parameters on each call, and `?`, `return` and panics in the body
/// run every exit first, as in the block.
///
/// ```
/// use async_with::{async_context, with_context, Outcome};
/// use std::sync::{Arc, Mutex};
///
/// struct Span { name: &'static str, log: Arc<Mutex<Vec<String>>> }
///
/// #[async_context]
/// impl Span {
///     async fn exit(&mut self, outcome: Outcome<'_>) {
///         self.log.lock().unwrap().push(format!("{} ended: {outcome}", self.name));
///     }
/// }
///
/// #[with_context(Span { name: "parse", log: log.clone() })]
/// async fn parse(text: &str, log: &Arc<Mutex<Vec<String>>>) -> Result<u32, std::num::ParseIntError> {
///     let n: u32 = text.parse()?;   // exit runs, then the fn returns the error
///     Ok(n * 2)
/// }
///
/// # futures::executor::block_on(async {
/// let log = Arc::new(Mutex::new(Vec::new()));
/// assert_eq!(parse("21", &log).await, Ok(42));
/// assert!(parse("x", &log).await.is_err());
/// assert_eq!(*log.lock().unwrap(), ["parse ended: ok", "parse ended: invalid digit found in string"]);
/// # });
/// ```
///
/// It needs an `async fn` with a body:
///
/// ```compile_fail
/// # use async_with::with_context;
/// # struct Lock;
/// #[with_context(Lock)]
/// fn not_async() {} // error: `#[with_context]` needs an `async fn`
/// ```
#[doc(inline)]
pub use async_with_macros::with_context;

/// Makes an impl block with `async fn enter` / `async fn exit` into an [`AsyncContext`].
///
/// - `enter` (optional) is `async fn enter(&mut self)` (or `&self`) returning the value
///   that `as PATTERN` binds, `V` or `Result<V, E>`; `V` may borrow `self`. Without it, the
///   block binds `&mut Self`.
/// - `exit` (required) is `async fn exit(&mut self, outcome: Outcome<'_>)` returning `()`,
///   [`Exit`], `Result<(), E>` or `Result<Exit, E>`; returning `Exit` makes the context
///   able to suppress failures.
/// - `cancel` (optional) is `fn cancel(&mut self)`, run synchronously if the block's future
///   is dropped after enter and before exit finished.
/// - Other names work when marked `#[enter]`, `#[exit]`, `#[cancel]`; every other method
///   stays an ordinary inherent method. Generics, lifetimes and where-clauses carry over.
///
/// Arguments, separated by commas:
/// - `send`: also implement [`SendAsyncContext`], so that a [`SendExitStack`] (a stack a
///   spawned task can hold) takes the context. The compiler then checks that the enter and
///   exit futures are `Send`, and reports the value that is not at the method.
/// - `spawn_exit_on_cancel`: also implement [`SpawnExit`], so that
///   [`SpawnExitOnCancel`] can spawn the async exit of a cancelled block.
///
/// ```
/// use async_with::{async_context, async_with, Outcome};
/// use std::io;
///
/// struct Connection { open: bool, sent: Vec<String> }
///
/// #[async_context]
/// impl Connection {
///     #[enter]
///     async fn connect(&mut self) -> io::Result<&mut Self> {
///         self.open = true;
///         Ok(self)
///     }
///
///     #[exit]
///     async fn close(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
///         self.sent.push(if outcome.is_ok() { "BYE".into() } else { "ABORT".into() });
///         self.open = false;
///         Ok(())
///     }
///
///     fn send(&mut self, line: &str) {
///         self.sent.push(line.to_string());
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let mut conn = Connection { open: false, sent: vec![] };
/// async_with!(&mut conn as c => { c.send("HELLO"); });
/// assert_eq!(conn.sent, ["HELLO", "BYE"]);
/// assert!(!conn.open);
/// # Ok::<(), io::Error>(())
/// # }).unwrap();
/// ```
///
/// Protocol mistakes are compile errors at the offending token, with the fix:
///
/// ```compile_fail
/// use async_with::{async_context, Outcome};
/// struct Conn;
/// #[async_context]
/// impl Conn {
///     // error: `exit` returns `bool`: return `Exit` instead, with `Exit::Suppress` /
///     // `Exit::Propagate`; a bool turns suppression on by accident
///     async fn exit(&mut self, outcome: Outcome<'_>) -> bool { outcome.is_err() }
/// }
/// ```
#[doc(inline)]
pub use async_with_macros::async_context;
