//! `shield()`: a block whose body the scopes around it do not cut (Trio's
//! `CancelScope(shield=True)`, Kotlin's `withContext(NonCancellable)`, Swift's
//! `withTaskCancellationShield`). Rules C1–C6 of `docs/CANCELLATION.md`.

use crate::scope::{CutReason, Scope};
use crate::{AsyncContext, Outcome};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A block whose body is not cut by the scopes around it: cleanup that must finish (a
/// final write, a goodbye message, a `ROLLBACK` that must reach the server) even when a
/// `timeout` or a `CancelScope` around it fires meanwhile. Trio's
/// `CancelScope(shield=True)`, Kotlin's `withContext(NonCancellable)`, Swift's
/// `withTaskCancellationShield`. Any runtime.
///
/// - A cut that comes while the body runs waits for it: blocks inside the body are not cut
///   by it and the body goes on to its end; the cutting scope waits for the shield's
///   block, as it waits for any exit inside its body (S18, S19).
/// - The cut is delivered as the shield's block ends: its exit runs, and the code after
///   the block does not (the block is held there until the scope drops its body, as a
///   block whose exit a cut reaches is, S19); the scope then ends its cut as usual (a
///   `timeout` fails with [`Elapsed`](struct@crate::Elapsed), a `CancelScope` swallows it). Trio
///   delivers it at the next checkpoint after the shield; this crate has no checkpoints
///   but awaits, and delivering it where the block ends means no code of a cut body runs
///   after its cut (see `docs/CANCELLATION.md`, C3).
/// - A failure or a panic of the shield's body rises through the cut body as any block's
///   does (S23).
/// - Scopes *inside* the shield still cut: `async_with!(shield(), timeout(d) => ..)`
///   bounds the cleanup (Trio's idiom: `with CancelScope(shield=True, deadline=..)`).
/// - The shield hides the deadlines of the scopes around it from
///   [`current_deadline`](crate::current_deadline), as Trio's shield hides them from
///   `current_effective_deadline`.
/// - It binds `()`, never fails and never suppresses: it wraps a block of any type, in a
///   function of any return type. Like every scope it goes in an `async_with!`, not into
///   an [`ExitStack`](crate::ExitStack).
///
/// A deadline for the whole request, and a goodbye that is sent even after it passed,
/// within its own second:
///
/// ```
/// use async_with::{async_with, shield, timeout, Elapsed};
/// use tokio::time::{sleep, Duration, Instant};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let start = Instant::now();
/// let mut log = Vec::new();
/// let served: Result<(), Elapsed> = async {
///     async_with!(timeout(Duration::from_secs(1)) => {
///         sleep(Duration::from_millis(800)).await;              // the request's work
///         async_with!(shield(), timeout(Duration::from_secs(1)) => {
///             sleep(Duration::from_millis(500)).await;          // not cut at 1 s
///             log.push(format!("goodbye sent at {:?}", start.elapsed()));
///         });
///         log.push("not reached: the cut is delivered as the shield ends".to_string());
///     });
///     Ok(())
/// }.await;
/// assert_eq!(served, Err(Elapsed));
/// assert_eq!(log, ["goodbye sent at 1.3s"]);
///
/// // The shield's own timeout still cuts: cleanup is bounded.
/// let bounded: Result<(), Elapsed> = async {
///     async_with!(shield(), timeout(Duration::from_secs(1)) => {
///         sleep(Duration::from_secs(60)).await;
///     });
///     Ok(())
/// }.await;
/// assert_eq!(bounded, Err(Elapsed));
/// # }
/// ```
pub fn shield() -> Shield {
    Shield { _private: () }
}

/// The context [`shield`] builds.
///
/// ```
/// let shield: async_with::Shield = async_with::shield();
/// assert_eq!(format!("{shield:?}"), "Shield");
/// ```
#[derive(Clone, Copy, Default)]
pub struct Shield {
    _private: (),
}

impl std::fmt::Debug for Shield {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shield")
    }
}

#[diagnostic::do_not_recommend]
impl AsyncContext for Shield {
    type Value<'a> = ();
    type Error = Infallible;
    type Decision = ();
    const __ASYNC_WITH_SCOPE: bool = true;

    async fn enter(&mut self) -> Result<(), Infallible> {
        Ok(())
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

impl Scope for Shield {
    type Cut = ShieldCut;

    fn cut(&mut self) -> ShieldCut {
        ShieldCut
    }

    fn __async_with_frame(_cut: &ShieldCut) -> Option<crate::__private::ScopeFrame> {
        Some(crate::__private::ScopeFrame::Shield)
    }
}

/// A shield's own cut: it never cuts.
#[doc(hidden)]
pub struct ShieldCut;

impl Future for ShieldCut {
    type Output = CutReason;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<CutReason> {
        Poll::Pending
    }
}

crate::context::send_context! {
    impl[] for Shield;
}
