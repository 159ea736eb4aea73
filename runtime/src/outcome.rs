//! How a block ended, as its contexts' `exit` sees it.

use std::any::Any;
use std::error::Error;
use std::fmt;

/// How the body of an [`async_with!`](macro@crate::async_with) block ended, handed to
/// [`AsyncContext::exit`](crate::AsyncContext::exit).
///
/// An outcome is one of four things:
///
/// | ended by | [`is_ok`] | [`is_err`] | [`is_panic`] | [`is_cancelled`] |
/// | --- | --- | --- | --- | --- |
/// | reaching its end, `break`, `continue`, a `return` of a non-failure | ✓ | | | |
/// | a failing `?`, or `return Err(..)` / `return None` | | ✓ | | |
/// | a panic | | | ✓ | |
/// | a scope around it cutting it short (`timeout`, `CancelScope`, a `TaskGroup`: seen by every block inside the cut body), or its future being dropped (seen only by an exit spawned with `SpawnExitOnCancel`) | | | | ✓ |
///
/// The scope's own exit sees its cut as a failure (`is_err()`: `timeout` with `Elapsed`),
/// and so do the contexts outside it, as for any failure the block leaves with.
///
/// A body that wraps its errors in `anyhow::Error` before the `?` (`.context("..")?`, or
/// `?` on an `anyhow::Result`) shows exit that `anyhow::Error`, which is not a
/// `std::error::Error`: exit sees its message (`Display`, `Debug`), and `error()` and
/// `downcast_ref::<E>()` find nothing. To let exit see the error's type, use a plain `?`
/// on the `Result<_, E>` in the block (the function still converts it into `anyhow`) and
/// add the context outside the block:
///
/// ```
/// use anyhow::Context;
/// use async_with::{async_context, async_with, Outcome};
/// use std::num::ParseIntError;
///
/// struct Seen(Vec<String>);
/// #[async_context]
/// impl Seen {
///     async fn exit(&mut self, outcome: Outcome<'_>) {
///         let typed = outcome.downcast_ref::<ParseIntError>().is_some();
///         self.0.push(format!("{outcome} (typed: {typed})"));
///     }
/// }
///
/// async fn wrapped(seen: &mut Seen) -> anyhow::Result<u32> {
///     Ok(async_with!(&mut *seen => { "x".parse::<u32>().context("reading the count")? }))
/// }
/// async fn plain(seen: &mut Seen) -> anyhow::Result<u32> {
///     let n = async { Ok::<_, anyhow::Error>(async_with!(&mut *seen => { "x".parse::<u32>()? })) };
///     n.await.context("reading the count")
/// }
/// # futures::executor::block_on(async {
/// let mut seen = Seen(Vec::new());
/// assert!(wrapped(&mut seen).await.is_err());
/// assert!(plain(&mut seen).await.is_err());
/// assert_eq!(seen.0, [
///     "reading the count (typed: false)",
///     "invalid digit found in string (typed: true)",
/// ]);
/// # });
/// ```
///
/// The failure is the error as the body produced it, with its own type: what a failing
/// `?` found (before `From` converts it into the function's error type, which happens only
/// when the function returns it), or the `Err`/`None` a `return` gave. So a
/// `downcast_ref::<sqlx::Error>()` finds a database error even in a function returning
/// `anyhow::Result`. [`error`], [`downcast_ref`], and
/// the `Display`/`Debug` impls look into it as far as its type allows: an error type that
/// implements [`std::error::Error`] is fully visible; a type with only `Debug`/`Display`
/// shows through those; anything else, or a type that is not `Send + Sync`, shows as
/// `<opaque failure>`.
///
/// `Outcome` is `Send + Sync` and `Copy`, so holding it never stops an exit future from
/// being `Send`.
///
/// ```
/// use async_with::Outcome;
///
/// let ok = Outcome::ok();
/// assert!(ok.is_ok() && !ok.is_err());
/// assert_eq!(ok.to_string(), "ok");
///
/// let cancelled = Outcome::cancelled();
/// assert!(cancelled.is_cancelled());
/// ```
///
/// [`is_ok`]: Outcome::is_ok
/// [`is_err`]: Outcome::is_err
/// [`is_panic`]: Outcome::is_panic
/// [`is_cancelled`]: Outcome::is_cancelled
/// [`error`]: Outcome::error
/// [`downcast_ref`]: Outcome::downcast_ref
#[derive(Clone, Copy)]
pub struct Outcome<'a> {
    repr: Repr<'a>,
}

#[derive(Clone, Copy)]
enum Repr<'a> {
    Ok,
    Failed(Failure<'a>),
    Panicked(Option<&'a str>),
    /// Cut by a scope around it, for this reason (when the scope gave one, C12).
    Cancelled(Option<&'a (dyn Error + Send + Sync + 'static)>),
    /// This context, a scope, cut the body short, for this reason.
    Cut(&'a (dyn Error + Send + Sync + 'static)),
}

/// What of a failure's type can be seen; chosen where the block is expanded.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum Failure<'a> {
    Static(&'a (dyn Error + Send + Sync + 'static)),
    DebugDisplay(&'a (dyn DebugDisplay + Send + Sync + 'a)),
    Debug(&'a (dyn fmt::Debug + Send + Sync + 'a)),
    Display(&'a (dyn fmt::Display + Send + Sync + 'a)),
    Opaque,
}

/// A type that is both `Debug` and `Display`, as one trait object.
#[doc(hidden)]
pub trait DebugDisplay: fmt::Debug + fmt::Display {
    fn as_debug(&self) -> &dyn fmt::Debug;
    fn as_display(&self) -> &dyn fmt::Display;
}

impl<T: fmt::Debug + fmt::Display> DebugDisplay for T {
    fn as_debug(&self) -> &dyn fmt::Debug {
        self
    }
    fn as_display(&self) -> &dyn fmt::Display {
        self
    }
}

impl<'a> Outcome<'a> {
    /// The outcome of a body that completed normally.
    ///
    /// ```
    /// assert!(async_with::Outcome::ok().is_ok());
    /// ```
    pub const fn ok() -> Self {
        Outcome { repr: Repr::Ok }
    }

    /// The outcome of a block whose future was dropped before it finished.
    ///
    /// Only an exit spawned after cancellation sees it; an exit awaited inside the block
    /// cannot run once the block's future is gone.
    ///
    /// ```
    /// assert!(async_with::Outcome::cancelled().is_cancelled());
    /// ```
    pub const fn cancelled() -> Self {
        Outcome {
            repr: Repr::Cancelled(None),
        }
    }

    /// A cancellation by a scope around the block, for this reason.
    pub(crate) const fn cancelled_because(
        reason: Option<&'a (dyn Error + Send + Sync + 'static)>,
    ) -> Self {
        Outcome {
            repr: Repr::Cancelled(reason),
        }
    }

    /// The outcome of a body that failed with `error`.
    ///
    /// Useful to drive a context's `exit` by hand, in tests or in an exit that delegates
    /// to another context.
    ///
    /// ```
    /// use async_with::Outcome;
    ///
    /// let error = std::io::Error::other("disk full");
    /// let outcome = Outcome::failed(&error);
    /// assert!(outcome.is_err());
    /// assert_eq!(outcome.to_string(), "disk full");
    /// assert!(outcome.downcast_ref::<std::io::Error>().is_some());
    /// ```
    pub fn failed(error: &'a (dyn Error + Send + Sync + 'static)) -> Self {
        Outcome {
            repr: Repr::Failed(Failure::Static(error)),
        }
    }

    /// A failure seen through the view the expansion chose for its type.
    pub(crate) const fn from_failure(failure: Failure<'a>) -> Self {
        Outcome {
            repr: Repr::Failed(failure),
        }
    }

    /// A panic, showing its message when the payload is a `&str` or a `String`.
    pub(crate) fn from_panic(payload: &'a (dyn Any + Send)) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            Some(*s)
        } else {
            payload.downcast_ref::<String>().map(String::as_str)
        };
        Outcome {
            repr: Repr::Panicked(message),
        }
    }

    /// The body completed: it reached its end, or left by `break`, `continue` or a
    /// `return` whose value is not a failure.
    ///
    /// ```
    /// assert!(async_with::Outcome::ok().is_ok());
    /// assert!(!async_with::Outcome::cancelled().is_ok());
    /// ```
    pub const fn is_ok(&self) -> bool {
        matches!(self.repr, Repr::Ok)
    }

    /// The body failed: a `?` failed, or it returned `Err(_)` / `None`.
    ///
    /// ```
    /// let error = std::fmt::Error;
    /// assert!(async_with::Outcome::failed(&error).is_err());
    /// assert!(!async_with::Outcome::ok().is_err());
    /// ```
    pub const fn is_err(&self) -> bool {
        matches!(self.repr, Repr::Failed(_) | Repr::Cut(_))
    }

    /// The body was cut short by this very context, a scope (a [`timeout`] whose deadline
    /// passed, a [`CancelScope`] whose handle was cancelled, a `TaskGroup` whose task
    /// failed). It is a failure too ([`is_err`](Outcome::is_err)), whose
    /// [`error`](Outcome::error) is the scope's reason. A scope's exit returns its error
    /// or [`Exit::Suppress`] for its own cut; blocks inside the cut body see
    /// [`is_cancelled`](Outcome::is_cancelled) instead.
    ///
    /// [`timeout`]: crate::timeout
    /// [`CancelScope`]: crate::CancelScope
    ///
    /// ```
    /// assert!(!async_with::Outcome::ok().is_cut());
    /// ```
    pub const fn is_cut(&self) -> bool {
        matches!(self.repr, Repr::Cut(_))
    }

    /// A scope's own cut, for this reason.
    pub(crate) const fn cut(reason: &'a (dyn Error + Send + Sync + 'static)) -> Self {
        Outcome {
            repr: Repr::Cut(reason),
        }
    }

    /// The body panicked. The panic resumes after every exit has run.
    ///
    /// ```
    /// use async_with::{async_context, async_with, Outcome};
    ///
    /// struct Seen { panic: bool, message: Option<String> }
    ///
    /// #[async_context]
    /// impl Seen {
    ///     async fn exit(&mut self, outcome: Outcome<'_>) {
    ///         self.panic = outcome.is_panic() && !outcome.is_err();
    ///         self.message = outcome.panic_message().map(String::from);
    ///     }
    /// }
    ///
    /// let mut seen = Seen { panic: false, message: None };
    /// let run = std::panic::AssertUnwindSafe(|| futures::executor::block_on(async {
    ///     async_with!(&mut seen => { panic!("boom"); });
    /// }));
    /// assert!(std::panic::catch_unwind(run).is_err()); // the panic resumed after exit
    /// assert!(seen.panic);
    /// assert_eq!(seen.message.as_deref(), Some("boom"));
    /// ```
    pub const fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panicked(_))
    }

    /// The body was cancelled: a scope around the block cut it short (the block's own
    /// exit, and every block inside the cut body, see this — not the scope's own exit,
    /// which sees its cut as a failure), or the block's future was dropped and its exit
    /// was spawned (`SpawnExitOnCancel`).
    ///
    /// ```
    /// use async_with::{async_context, async_with, CancelScope, Outcome};
    /// use std::sync::{Arc, Mutex};
    ///
    /// struct Seen(Arc<Mutex<Vec<String>>>);
    /// #[async_context]
    /// impl Seen {
    ///     async fn exit(&mut self, outcome: Outcome<'_>) {
    ///         self.0.lock().unwrap().push(format!("cancelled: {}", outcome.is_cancelled()));
    ///     }
    /// }
    ///
    /// # futures::executor::block_on(async {
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// async_with!(CancelScope::new() as cancel => {
    ///     async_with!(Seen(seen.clone()) => {
    ///         cancel.cancel();
    ///         std::future::pending::<()>().await; // cut here
    ///     });
    /// });
    /// assert_eq!(*seen.lock().unwrap(), ["cancelled: true"]);
    /// assert!(async_with::Outcome::cancelled().is_cancelled());
    /// # });
    /// ```
    pub const fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled(_))
    }

    /// Why the body was cut (C11–C13 of `docs/CANCELLATION.md`): for a block inside a cut
    /// body ([`is_cancelled`](Outcome::is_cancelled)), the reason of the scope that cuts it;
    /// for the scope's own exit ([`is_cut`](Outcome::is_cut)), its own. That is the reason
    /// given to [`CancelHandle::cancel_with`](crate::CancelHandle::cancel_with), an
    /// [`Elapsed`](struct@crate::Elapsed) naming the deadline that passed, or the scope's own
    /// [`CutReason`](crate::CutReason) (a plain `cancel()`: "cancelled by its scope's
    /// handle"; a task group: "a task of the group failed"). `None` for any other outcome,
    /// and for a block whose future was dropped. (A cancellation is not a failure, so
    /// [`downcast_ref`](Outcome::downcast_ref) does not look at it: downcast the reason.)
    ///
    /// ```
    /// use async_with::{async_context, async_with, CancelScope, Outcome};
    /// use std::sync::{Arc, Mutex};
    ///
    /// #[derive(Debug)]
    /// struct Shutdown;
    /// impl std::fmt::Display for Shutdown {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("server shutting down") }
    /// }
    /// impl std::error::Error for Shutdown {}
    ///
    /// struct Session(Arc<Mutex<Vec<String>>>);
    /// #[async_context]
    /// impl Session {
    ///     async fn exit(&mut self, outcome: Outcome<'_>) {
    ///         let why = outcome.cancel_reason().map(|reason| reason.to_string());
    ///         let shutdown = outcome.cancel_reason().is_some_and(|r| r.is::<Shutdown>());
    ///         self.0.lock().unwrap().push(format!("{why:?}, shutdown: {shutdown}"));
    ///     }
    /// }
    ///
    /// # futures::executor::block_on(async {
    /// let said = Arc::new(Mutex::new(Vec::new()));
    /// async_with!(CancelScope::new() as scope => {
    ///     async_with!(Session(said.clone()) => {
    ///         scope.cancel_with(Shutdown);
    ///         std::future::pending::<()>().await; // cut here
    ///     });
    /// });
    /// assert_eq!(*said.lock().unwrap(), [r#"Some("server shutting down"), shutdown: true"#]);
    /// assert!(Outcome::cancelled().cancel_reason().is_none());
    /// # });
    /// ```
    pub fn cancel_reason(&self) -> Option<&'a (dyn Error + Send + Sync + 'static)> {
        match self.repr {
            Repr::Cancelled(reason) => reason,
            Repr::Cut(reason) => Some(reason),
            _ => None,
        }
    }

    /// The failure as an [`Error`], when its type implements `Error + Send + Sync`
    /// (a `Box<dyn Error + Send + Sync>` failure shows the boxed error).
    ///
    /// ```
    /// use async_with::Outcome;
    ///
    /// let error = std::io::Error::other("timed out");
    /// assert_eq!(Outcome::failed(&error).error().unwrap().to_string(), "timed out");
    /// assert!(Outcome::ok().error().is_none());
    /// ```
    pub fn error(&self) -> Option<&(dyn Error + 'a)> {
        match self.repr {
            Repr::Failed(Failure::Static(e)) => Some(e),
            Repr::Cut(reason) => Some(reason),
            _ => None,
        }
    }

    /// The failure as `&E`, when it is an `E` (or a `Box<dyn Error + Send + Sync>`
    /// holding an `E`). This is how an exit suppresses only some errors — the
    /// `KeyError`-only suppression of Python's examples.
    ///
    /// ```
    /// use async_with::Outcome;
    /// use std::num::ParseIntError;
    ///
    /// let error = "x".parse::<u8>().unwrap_err();
    /// let outcome = Outcome::failed(&error);
    /// assert!(outcome.downcast_ref::<ParseIntError>().is_some());
    /// assert!(outcome.downcast_ref::<std::io::Error>().is_none());
    /// ```
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&'a E> {
        match self.repr {
            Repr::Failed(Failure::Static(e)) => e.downcast_ref::<E>(),
            Repr::Cut(reason) => reason.downcast_ref::<E>(),
            _ => None,
        }
    }

    /// The panic's message, when the body panicked with a `&str` or `String` payload
    /// (what `panic!` with a message produces).
    ///
    /// See [`is_panic`](Outcome::is_panic) for an exit that reads it; a `Display` of the
    /// outcome shows it too.
    ///
    /// ```
    /// assert_eq!(async_with::Outcome::ok().panic_message(), None);
    /// ```
    pub fn panic_message(&self) -> Option<&'a str> {
        match self.repr {
            Repr::Panicked(message) => message,
            _ => None,
        }
    }
}

impl Default for Outcome<'_> {
    fn default() -> Self {
        Outcome::ok()
    }
}

impl fmt::Debug for Outcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr {
            Repr::Ok => f.write_str("Ok"),
            Repr::Cancelled(None) => f.write_str("Cancelled"),
            Repr::Cancelled(Some(reason)) => f.debug_tuple("Cancelled").field(&reason).finish(),
            Repr::Cut(reason) => f.debug_tuple("Cut").field(&reason).finish(),
            Repr::Panicked(Some(message)) => f.debug_tuple("Panicked").field(&message).finish(),
            Repr::Panicked(None) => f.write_str("Panicked(<non-string payload>)"),
            Repr::Failed(failure) => {
                f.write_str("Failed(")?;
                match failure {
                    Failure::Static(e) => fmt::Debug::fmt(e, f)?,
                    Failure::DebugDisplay(e) => fmt::Debug::fmt(e.as_debug(), f)?,
                    Failure::Debug(e) => fmt::Debug::fmt(e, f)?,
                    Failure::Display(e) => fmt::Display::fmt(e, f)?,
                    Failure::Opaque => f.write_str("<opaque failure>")?,
                }
                f.write_str(")")
            }
        }
    }
}

/// `ok`, `cancelled`, `panicked: <message>` (`panicked` for a payload that is not a
/// string), or the failure's own `Display` (its `Debug` when it has no `Display`; a scope's
/// own cut shows its reason, such as `deadline has elapsed`).
impl fmt::Display for Outcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr {
            Repr::Ok => f.write_str("ok"),
            Repr::Cancelled(_) => f.write_str("cancelled"),
            Repr::Cut(reason) => fmt::Display::fmt(reason, f),
            Repr::Panicked(Some(message)) => write!(f, "panicked: {message}"),
            Repr::Panicked(None) => f.write_str("panicked"),
            Repr::Failed(failure) => match failure {
                Failure::Static(e) => fmt::Display::fmt(e, f),
                Failure::DebugDisplay(e) => fmt::Display::fmt(e.as_display(), f),
                Failure::Debug(e) => fmt::Debug::fmt(e, f),
                Failure::Display(e) => fmt::Display::fmt(e, f),
                Failure::Opaque => f.write_str("<opaque failure>"),
            },
        }
    }
}

/// What an exit decides about a failure.
///
/// Return `Exit` (or `Result<Exit, E>`) from an exit to be able to suppress; a context
/// whose exit returns `()` or `Result<(), E>` never suppresses, and its blocks may have
/// any type. `Suppress` after a body that did not fail changes nothing, and a panic is
/// never suppressed.
///
/// ```
/// use async_with::{async_context, async_with, Exit, Outcome};
///
/// #[derive(Debug)]
/// struct NotFound;
/// impl std::fmt::Display for NotFound {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("not found") }
/// }
/// impl std::error::Error for NotFound {}
///
/// struct IgnoreNotFound;
///
/// #[async_context]
/// impl IgnoreNotFound {
///     async fn exit(&mut self, outcome: Outcome<'_>) -> Exit {
///         if outcome.downcast_ref::<NotFound>().is_some() { Exit::Suppress } else { Exit::Propagate }
///     }
/// }
///
/// async fn lookup() -> Result<u32, NotFound> { Err(NotFound) }
///
/// async fn run() -> Result<&'static str, NotFound> {
///     async_with!(IgnoreNotFound => {
///         lookup().await?;
///         unreachable!("`?` left the block");
///     });
///     Ok("carried on after the suppressed failure")
/// }
/// # futures::executor::block_on(async { assert!(run().await.is_ok()) });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Exit {
    /// Let the failure leave the block (the default).
    #[default]
    Propagate,
    /// Swallow the failure: execution continues after the block, whose value is `()`
    /// or `None`.
    Suppress,
}
