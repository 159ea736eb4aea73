//! The blocks both benchmarks measure (`overhead.rs`, timed by criterion, and
//! `instructions.rs`, counted under cachegrind): SPEC §6's two shapes, each written three
//! ways.
//!
//! - `naive`: enter, body, exit in sequence, calling the context's own methods; skips
//!   exit on `?` and on panic and has no cancel hook (what people write today).
//! - `twin`: written by hand with the same guarantees as `async_with!`: the body polled
//!   with its panics caught (and resumed after exit), a guard that runs `cancel` if the
//!   block's future is dropped between enter and the end of exit, and the scopes'
//!   bookkeeping — the thread-local cut word read at every poll of the body (and bumped
//!   when it stays pending, so a cutting scope knows what is pending inside it), and the
//!   exit shielded (the word's cut bit cleared for each poll of the exit, restored after;
//!   a cut reaching the exit told; a block cut by a scope held once its exit is done).
//!   The word is the twin's own (the runtime's is private), so the twin is not cut by
//!   the runtime's scopes, but it does the same work on every path: the cut paths are
//!   there, cold, and the optimiser cannot see that they never run.
//! - `with_macro`: `async_with!`.
//!
//! The shapes: `Counter`, a context borrowed as `&mut *ctx` with a trivial enter and exit;
//! and `Session`, the shape users write: an owned context built in the block around a
//! borrowed resource (`Session { res: &mut res }`), whose fallible enter and exit await
//! inner async fns. Each with a trivial body and with a body doing one real `.await`
//! ([`yield_once`], pending once).

use async_with::{AsyncContext as _, Outcome, async_context, async_with};
use std::any::Any;
use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::hint::black_box;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Pending once (waking its task), then ready: one real suspension of the body.
pub fn yield_once() -> YieldOnce {
    YieldOnce(false)
}

pub struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

// ---- The trivial shape

/// The cheapest possible context: counts enters and exits.
pub struct Counter {
    pub entered: u64,
    pub exited: u64,
}

#[async_context]
impl Counter {
    async fn enter(&mut self) -> Result<&mut Self, Infallible> {
        self.entered += 1;
        Ok(self)
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> {
        self.exited += 1;
        Ok(())
    }
}

pub fn counter() -> Counter {
    Counter {
        entered: 0,
        exited: 0,
    }
}

pub async fn naive(ctx: &mut Counter, work: u64, yields: bool) -> Result<u64, Infallible> {
    let c = ctx.enter().await?;
    if yields {
        yield_once().await;
    }
    let v = black_box(work) + c.entered;
    ctx.exit(Outcome::ok()).await?;
    Ok(v)
}

pub async fn twin(ctx: &mut Counter, work: u64, yields: bool) -> Result<u64, Infallible> {
    let mut guard = Guard {
        context: ctx,
        cancel: |c: &mut &mut Counter| c.cancel(),
        state: State::default(),
    };
    let c = guard.context.enter().await?;
    guard.state.armed = true;
    let result = TwinCaught {
        body: async move {
            if yields {
                yield_once().await;
            }
            black_box(work) + c.entered
        },
        state: &mut guard.state,
    }
    .await;
    let outcome = match &result {
        Ok(_) => Outcome::ok(),
        Err(interrupted) => async_with::__private::interrupted(interrupted),
    };
    // Of a copy: a borrowed local stays in the future across the exit's await.
    guard.state.failed = Outcome::is_err(&{ outcome });
    let exited = TwinShield {
        exit: guard.context.exit(outcome),
        state: Some(&mut guard.state),
    }
    .await;
    guard.state.armed = false;
    match result {
        Ok(v) => {
            exited?;
            Ok(v)
        }
        Err(interrupted) => after_interrupted(interrupted, exited),
    }
}

pub async fn with_macro(ctx: &mut Counter, work: u64, yields: bool) -> Result<u64, Infallible> {
    let v = async_with!(&mut *ctx as c => {
        if yields {
            yield_once().await;
        }
        black_box(work) + c.entered
    });
    Ok(v)
}

// ---- The realistic shape

/// The resource a `Session` borrows.
pub struct Resource {
    pub opened: u64,
    pub closed: u64,
}

impl Resource {
    async fn open(&mut self) -> Result<u64, SessionError> {
        self.opened += 1;
        Ok(self.opened)
    }

    async fn close(&mut self, ok: bool) -> Result<(), SessionError> {
        self.closed += u64::from(ok) + u64::from(!ok);
        Ok(())
    }
}

pub fn resource() -> Resource {
    Resource {
        opened: 0,
        closed: 0,
    }
}

#[derive(Debug)]
pub struct SessionError;

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("session error")
    }
}

impl std::error::Error for SessionError {}

/// The realistic shape: an owned context with a lifetime, built in the block.
pub struct Session<'a> {
    res: &'a mut Resource,
}

#[async_context]
impl Session<'_> {
    async fn enter(&mut self) -> Result<u64, SessionError> {
        self.res.open().await
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), SessionError> {
        self.res.close(outcome.is_ok()).await
    }
}

pub async fn session_naive(
    res: &mut Resource,
    work: u64,
    yields: bool,
) -> Result<u64, SessionError> {
    let mut session = Session { res };
    let id = session.enter().await?;
    if yields {
        yield_once().await;
    }
    let v = black_box(work) + id;
    session.exit(Outcome::ok()).await?;
    Ok(v)
}

pub async fn session_twin(
    res: &mut Resource,
    work: u64,
    yields: bool,
) -> Result<u64, SessionError> {
    let mut guard = Guard {
        context: Session { res },
        cancel: |s: &mut Session<'_>| s.cancel(),
        state: State::default(),
    };
    let id = guard.context.enter().await?;
    guard.state.armed = true;
    let result = TwinCaught {
        body: async move {
            if yields {
                yield_once().await;
            }
            black_box(work) + id
        },
        state: &mut guard.state,
    }
    .await;
    let outcome = match &result {
        Ok(_) => Outcome::ok(),
        Err(interrupted) => async_with::__private::interrupted(interrupted),
    };
    // Of a copy: a borrowed local stays in the future across the exit's await.
    guard.state.failed = Outcome::is_err(&{ outcome });
    let exited = TwinShield {
        exit: guard.context.exit(outcome),
        state: Some(&mut guard.state),
    }
    .await;
    guard.state.armed = false;
    match result {
        Ok(v) => {
            exited?;
            Ok(v)
        }
        Err(interrupted) => after_interrupted(interrupted, exited),
    }
}

pub async fn session_macro(
    res: &mut Resource,
    work: u64,
    yields: bool,
) -> Result<u64, SessionError> {
    let v = async_with!(Session { res } as id => {
        if yields {
            yield_once().await;
        }
        black_box(work) + id
    });
    Ok(v)
}

// ---- The twin's guarantees, by hand

/// Owns the context; runs its `cancel` when dropped between enter and the end of exit.
struct Guard<C, F: FnMut(&mut C)> {
    context: C,
    cancel: F,
    state: State,
}

#[derive(Default)]
struct State {
    armed: bool,
    failed: bool,
    has_inner: bool,
    cut_by_scope: bool,
}

impl<C, F: FnMut(&mut C)> Drop for Guard<C, F> {
    fn drop(&mut self) {
        if self.state.armed {
            (self.cancel)(&mut self.context);
        }
    }
}

thread_local! {
    /// Bit 0: a scope around this poll is cutting. Bits 1..: blocks left pending.
    static WORD: Cell<usize> = const { Cell::new(0) };
}

const CUTTING: usize = 1;
const ONE_PENDING: usize = 2;

pin_project_lite::pin_project! {
    /// The body, polled with its panics caught and the cut word kept.
    struct TwinCaught<'a, F> {
        #[pin]
        body: F,
        state: &'a mut State,
    }
}

impl<F: Future> Future for TwinCaught<'_, F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    // Inlined into the block, as the runtime's polls are.
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let before = WORD.get();
        if before & CUTTING != 0 {
            return cut(this.body, this.state, cx);
        }
        match std::panic::catch_unwind(AssertUnwindSafe(|| this.body.as_mut().poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => {
                let after = WORD.get();
                this.state.has_inner = (after ^ before) & !CUTTING != 0;
                WORD.set(after.wrapping_add(ONE_PENDING));
                Poll::Pending
            }
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

/// A scope around the block is cutting: the blocks pending inside the body exit first,
/// then the body is dropped.
#[cold]
fn cut<F: Future>(
    body: Pin<&mut F>,
    state: &mut State,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, Box<dyn Any + Send>>> {
    if state.has_inner {
        let before = WORD.get();
        match std::panic::catch_unwind(AssertUnwindSafe(|| body.poll(cx))) {
            Ok(Poll::Ready(v)) => return Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => {
                let after = WORD.get();
                state.has_inner = (after ^ before) & !CUTTING != 0;
                if state.has_inner {
                    WORD.set(after.wrapping_add(ONE_PENDING));
                    return Poll::Pending;
                }
            }
            Err(payload) => return Poll::Ready(Err(payload)),
        }
    }
    state.cut_by_scope = true;
    Poll::Ready(Err(Box::new(
        async_with::__private::CutByScope::without_cause(),
    )))
}

pin_project_lite::pin_project! {
    /// The exit, shielded from cuts; `state` is `None` once a cut block's exit is done.
    struct TwinShield<'a, F> {
        #[pin]
        exit: F,
        state: Option<&'a mut State>,
    }
}

impl<F: Future<Output = Result<(), E>>, E> Future for TwinShield<'_, F> {
    type Output = F::Output;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(state) = this.state.as_deref_mut() else {
            return Poll::Pending;
        };
        let word = WORD.get();
        WORD.set(word & !CUTTING);
        let shielding = word & CUTTING != 0;
        let polled = this.exit.poll(cx);
        if shielding || polled.is_pending() {
            after_shielded(shielding, polled.is_pending(), state);
        }
        match polled {
            Poll::Ready(Ok(())) if state.cut_by_scope => {
                state.armed = false;
                *this.state = None;
                Poll::Pending
            }
            polled => polled,
        }
    }
}

#[cold]
fn after_shielded(shielding: bool, pending: bool, state: &mut State) {
    let word = WORD.get() | usize::from(shielding);
    WORD.set(if pending {
        word.wrapping_add(ONE_PENDING)
    } else {
        word
    });
    if shielding && !state.failed {
        state.cut_by_scope = true;
    }
}

/// After the exit of a body that gave no value: a panic resumes (an exit error does not
/// replace it); a cut body's exit error leaves the block.
#[cold]
fn after_interrupted<T, E>(
    interrupted: Box<dyn Any + Send>,
    exited: Result<(), E>,
) -> Result<T, E> {
    if interrupted.is::<async_with::__private::CutByScope>() {
        exited?;
    }
    std::panic::resume_unwind(interrupted)
}

/// Prints the futures' sizes, with the body that awaits.
pub fn print_sizes() {
    let mut c = counter();
    let mut r = resource();
    let naive_size = size_of_val(&naive(&mut c, 1, true));
    let twin_size = size_of_val(&twin(&mut c, 1, true));
    let macro_size = size_of_val(&with_macro(&mut c, 1, true));
    println!(
        "future size, trivial shape: naive {naive_size} B, twin {twin_size} B, async_with! {macro_size} B"
    );
    let naive_size = size_of_val(&session_naive(&mut r, 1, true));
    let twin_size = size_of_val(&session_twin(&mut r, 1, true));
    let macro_size = size_of_val(&session_macro(&mut r, 1, true));
    println!(
        "future size, realistic shape: naive {naive_size} B, twin {twin_size} B, async_with! {macro_size} B"
    );
}
