//! Polling the body: panics caught so exit can see them (S7), and the cuts of scopes
//! (SPEC §3b) carried out so that every exit still runs async.
//!
//! The body's poll goes through one non-generic function, [`poll_caught`], so that
//! `catch_unwind` and std's unwinding entry points are compiled once per crate rather
//! than once per block (each block's body is a future type of its own).
//!
//! ## How a cut works
//!
//! One thread-local word, [`STATE`], describes the poll in progress: bit 0 says whether
//! the innermost scope frame around this point is cutting (set by a scope that cuts its
//! body while it polls it; cleared by a shielded exit while it is polled), the other bits
//! count the blocks left pending so far on this thread. A block reads the counter before
//! polling its body and after: a change means a block inside its body (or one running its
//! exit there) is still pending, which it remembers as `has_inner`.
//!
//! A scoped block polls its cut after each poll that leaves the body pending, and before
//! each later poll of the body (a scope that fired while the body waited cuts it at that
//! await, not after it). When the cut resolves, the block waits one poll before taking
//! it (it wakes its task and counts as pending): a scope around it that fired in the same
//! poll is looked at first in the next one, being outer, and takes the cut — the
//! outermost scope that fired wins, as with asyncio's nested timeouts and Trio's nested
//! cancel scopes.
//!
//! When a block finds bit 0 set (an enclosing scope is cutting) or takes its own scope's
//! cut, it is cut: if its body holds a pending block, it polls the body once more
//! with bit 0 set, so that block is cut first (innermost first, S18), and stays pending
//! while any remains; otherwise it returns an [`Interrupted`] marker ([`CutByScope`] or
//! [`OwnCut`]) without polling the body, which the expansion then drops before running
//! exit (wrapped in [`shield`], so exits are never cut, S19). A block cut by an enclosing
//! scope never completes after its exit: its shield disarms the guard and stays pending
//! until that scope drops the body around it. So does a block that did not fail whose
//! exit a cut reaches while it runs (see [`cut_reaches_exit`]), unless its body panicked
//! (the panic resumes, S7). A `shield()` block polls its body with bit 0 cleared while a
//! scope around it cuts (C1 of `docs/CANCELLATION.md`): found on that cold path only.
//!
//! A scope that has a frame (a `timeout`, a `CancelScope`, a `shield`) pushes it on a
//! second thread-local stack for each poll of its body (`frames.rs`): what
//! `current_deadline` reads. Nothing here allocates but an own cut's marker; a block
//! without a scope pays one thread-local read per poll of its body (and a write when it
//! stays pending), and one read and write per poll of its exit.

use super::BlockState;
use super::cause::{self, CutCause};
use crate::Outcome;
use crate::scope::CutReason;
use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use std::panic::resume_unwind;

thread_local! {
    /// Bit 0: the innermost scope frame is cutting. Bits 1..: blocks left pending.
    static STATE: Cell<usize> = const { Cell::new(0) };
}

const CUTTING: usize = 1;
const ONE_PENDING: usize = 2;

#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn state() -> usize {
    STATE.with(Cell::get)
}

/// Counts a block left pending on this thread.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn mark_pending() {
    STATE.with(|s| s.set(s.get().wrapping_add(ONE_PENDING)));
}

/// Sets bit 0 for the duration of a poll, restoring it after (also when the poll panics).
struct Frame {
    previous: usize,
}

impl Frame {
    fn new(cutting: bool) -> Frame {
        STATE.with(|s| {
            let value = s.get();
            s.set((value & !CUTTING) | usize::from(cutting));
            Frame {
                previous: value & CUTTING,
            }
        })
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        STATE.with(|s| s.set((s.get() & !CUTTING) | self.previous));
    }
}

/// Why the body did not give its flow: a panic's payload, or one of the markers
/// [`CutByScope`] (an enclosing scope is cutting) and [`OwnCut`] (this block's own scope
/// cut it). A boxed zero-sized marker does not allocate, and the box keeps the block's
/// result as small as a plain panic payload would.
pub type Interrupted = Box<dyn Any + Send>;

/// An enclosing scope cut the body, for this cause (when it published one).
pub struct CutByScope(Option<CutCause>);

impl CutByScope {
    /// A cut that published no cause (what the benchmarks' hand-written twin builds).
    pub fn without_cause() -> Self {
        CutByScope(None)
    }
}

/// This block's own scope cut the body, for this cause.
pub struct OwnCut(CutCause);

/// A scope's cut, or none. [`Fired`] wraps every [`Scope::Cut`](crate::Scope::Cut);
/// [`NoCut`] never resolves and is zero-sized. Object-safe: the cut is polled through
/// `poll_scoped`, which is not generic.
pub trait CutSignal {
    /// [`NoCut`]: the block has no cut of its own (only a scope around it may cut it).
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn never_cuts(&self) -> bool
    where
        Self: Sized,
    {
        false
    }
    /// Polled after each poll that leaves the body pending, and before each later poll
    /// of the body. Ready once it has fired.
    fn poll_cut(&mut self, cx: &mut Context<'_>) -> Poll<()>;
    /// Before a poll of the body: whether the cut fired at an earlier poll (then the
    /// block claims it now), or fires now, or the body is to be polled.
    fn before_body(&mut self, cx: &mut Context<'_>) -> BeforeBody;
    /// Why it fired, once the block claimed it (`None` before: an enclosing scope that
    /// cuts in the meantime cuts this block as any other).
    fn claimed(&self) -> Option<CutReason>;
    /// Why this block's own scope cut it, once claimed (C11): the scope's reason, or what
    /// it has in its place (a `cancel_with`'s reason, the deadline that passed).
    fn cause(&mut self) -> Option<CutCause> {
        None
    }
    /// A scope around the block began to cut while its exit runs.
    fn reaches_exit(&mut self);
    /// The block is a `shield()`: a cut around it does not cut its body (C1). Asked only
    /// while a scope around it is cutting.
    fn shields(&self) -> bool {
        false
    }
    /// Runs `poll` (the body's) with the scope's frame pushed (C7): for a block without a
    /// scope, just `poll`, decided where the block's type is known — no guard, so nothing
    /// for it in a plain block's poll (a guard local there, even an always-`None` one, cost
    /// 5 instructions per block).
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn framed<R>(&mut self, poll: impl FnOnce(&mut Self) -> R) -> R
    where
        Self: Sized,
    {
        poll(self)
    }
    /// The cut to poll, if any: `None` for [`NoCut`], decided where the block's type is
    /// known, so a block without a scope makes no call for it.
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn as_dyn(&mut self) -> Option<&mut dyn CutSignal>
    where
        Self: Sized,
    {
        Some(self)
    }
}

/// What a scoped block does before polling its body.
#[derive(PartialEq, Eq)]
pub enum BeforeBody {
    /// Poll the body.
    Poll,
    /// The cut fired just now: wait one poll (the task is woken), so that an enclosing
    /// scope that fired too cuts first.
    Defer,
    /// Cut the body, for this block's own scope.
    Cut,
}

/// A scope's cut `K` (the `Scope::Cut` of the context `C`), remembering its reason once it
/// resolved and whether the block claimed it.
///
/// The cut is stored by its own type, not as `C::Cut`, and `C` only as `fn() -> C`, so
/// that `Fired` is `Send` exactly when the cut is, whatever `C` is (SPEC §2). A block's
/// future is proven `Send` with its lifetimes erased, each taken as any lifetime: a
/// field `C::Cut` made that proof normalize `<C as Scope>::Cut` for every lifetime in
/// `C`, which fails for a scope whose impl asks `'static` of a type with a lifetime of
/// its own (`TaskGroup<Box<dyn Error + Send + Sync>>`: "higher-ranked lifetime error").
pub struct Fired<K, C> {
    cut: K,
    reason: Option<CutReason>,
    /// Why, as the blocks it cuts see it: taken when the block claims the cut.
    cause: Option<CutCause>,
    /// The block began cutting its body for this scope.
    claimed: bool,
    /// The body was polled once: later polls look at the cut first.
    started: bool,
    /// The scope, for its `__async_with_cut_reaches_exit`.
    scope: PhantomData<fn() -> C>,
}

impl<C: crate::Scope> CutSignal for Fired<C::Cut, C> {
    fn poll_cut(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.reason.is_none() {
            self.reason = Some(std::task::ready!(Pin::new(&mut self.cut).poll(cx)));
        }
        Poll::Ready(())
    }

    fn before_body(&mut self, cx: &mut Context<'_>) -> BeforeBody {
        if self.claimed || self.reason.is_some() {
            self.claimed = true;
            return BeforeBody::Cut;
        }
        if !std::mem::replace(&mut self.started, true) {
            // The first poll runs the body to its first await: a scope cuts at an await.
            return BeforeBody::Poll;
        }
        match self.poll_cut(cx) {
            Poll::Ready(()) => BeforeBody::Defer,
            Poll::Pending => BeforeBody::Poll,
        }
    }

    fn claimed(&self) -> Option<CutReason> {
        self.reason.filter(|_| self.claimed)
    }

    fn cause(&mut self) -> Option<CutCause> {
        let reason = self.claimed()?;
        // Taken once, as the cut is claimed: the deadline that passed, not a later one.
        let cause = self
            .cause
            .get_or_insert_with(|| C::__async_with_cause(&self.cut, reason));
        Some(cause.clone())
    }

    fn reaches_exit(&mut self) {
        C::__async_with_cut_reaches_exit(&mut self.cut);
    }

    fn shields(&self) -> bool {
        matches!(
            C::__async_with_frame(&self.cut),
            Some(super::ScopeFrame::Shield)
        )
    }

    #[inline]
    fn framed<R>(&mut self, poll: impl FnOnce(&mut Self) -> R) -> R {
        let _frame = C::__async_with_frame(&self.cut).map(super::push_frame);
        poll(self)
    }
}

// The cut of a context that is not a scope (documented as `checks::NoCut`).
pub struct NoCut;

impl CutSignal for NoCut {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn never_cuts(&self) -> bool {
        true
    }

    fn poll_cut(&mut self, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }

    fn before_body(&mut self, _: &mut Context<'_>) -> BeforeBody {
        BeforeBody::Poll
    }

    fn claimed(&self) -> Option<CutReason> {
        None
    }

    fn reaches_exit(&mut self) {}

    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn as_dyn(&mut self) -> Option<&mut dyn CutSignal> {
        None
    }
}

pin_project_lite::pin_project! {
    /// The body's future with its panics caught and its scopes' cuts carried out. `Send`
    /// exactly when the body and the cut are. Built by the expansion as a struct literal
    /// (`Caught { body: async { .. }, state: &mut guard.state }`): a constructor function
    /// would be one more copy per block to compile. Owns the body: a pinned local and a
    /// `Pin<&mut _>` to it would take one pointer more.
    pub struct Caught<'a, F, S> {
        #[pin]
        pub body: F,
        // The cut, and where the poll records what it found (`has_inner`, and
        // `cut_by_scope`, read by the exit's `Shielded`).
        pub state: &'a mut BlockState<S>,
    }
}

impl<F: Future, S: CutSignal> Future for Caught<'_, F, S> {
    type Output = Result<F::Output, Interrupted>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // In a debug build the body is polled as a trait object, so that what follows is
        // compiled once per output type rather than once per block (each block's body is
        // a type of its own): 2.6 M fewer compiler instructions per block. A release
        // build keeps the direct call, which the optimizer can see through.
        #[cfg(debug_assertions)]
        let body: Pin<&mut dyn Future<Output = F::Output>> = this.body;
        #[cfg(not(debug_assertions))]
        let body = this.body;
        #[cfg(not(debug_assertions))]
        if this.state.cut.never_cuts() {
            return poll_uncut(body, this.state, cx);
        }
        poll_body_in(body, this.state, cx)
    }
}

/// A release build's poll of a body whose block has no scope of its own: while no scope
/// around it cuts, the body is polled directly with its panics caught, its output kept
/// as it is, and the block's flags written in place (what the same guarantees cost by
/// hand); otherwise as any block.
#[cfg(not(debug_assertions))]
#[inline(always)]
fn poll_uncut<F: Future, S: CutSignal>(
    mut body: Pin<&mut F>,
    state: &mut BlockState<S>,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, Interrupted>> {
    let before = self::state();
    if before & CUTTING != 0 {
        return poll_body_in(body, state, cx);
    }
    #[cfg(not(panic = "abort"))]
    let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body.as_mut().poll(cx)));
    #[cfg(panic = "abort")]
    let polled: Result<_, Interrupted> = Ok(body.as_mut().poll(cx));
    match polled {
        Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
        Ok(Poll::Pending) => {
            STATE.with(|word| {
                let after = word.get();
                state.has_inner = (after ^ before) & !CUTTING != 0;
                word.set(after.wrapping_add(ONE_PENDING));
            });
            Poll::Pending
        }
        Err(payload) => Poll::Ready(Err(payload)),
    }
}

/// [`Caught`]'s poll, on the body as it is (release) or type-erased (debug).
#[inline]
fn poll_body_in<B: Future + ?Sized, S: CutSignal>(
    body: Pin<&mut B>,
    state: &mut BlockState<S>,
    cx: &mut Context<'_>,
) -> Poll<Result<B::Output, Interrupted>> {
    let mut slot = Slot { body, output: None };
    let (has_inner, cut_by_scope) = (&mut state.has_inner, &mut state.cut_by_scope);
    let polled = state
        .cut
        .framed(|cut| poll_scoped(&mut slot, cut.as_dyn(), has_inner, cut_by_scope, cx));
    match polled {
        Err(interrupted) => {
            // A panic or a cut: after a cut, `failed` (an own cut) or `cut_by_scope` is set
            // too, so for `cut_reaches_exit` this says "panicked".
            state.panicked = true;
            Poll::Ready(Err(interrupted))
        }
        Ok(()) => match slot.output {
            Some(value) => Poll::Ready(Ok(value)),
            None => Poll::Pending,
        },
    }
}

/// A body's poll, its type erased: `true` when the body finished (its output kept).
/// (A trait of one method rather than `dyn FnMut`, whose vtable would instantiate
/// `FnOnce` shims for every block.)
trait PollBody {
    fn poll_body(&mut self, cx: &mut Context<'_>) -> bool;
}

/// The body and, once it finished, its output.
struct Slot<'a, B: Future + ?Sized> {
    body: Pin<&'a mut B>,
    output: Option<B::Output>,
}

impl<B: Future + ?Sized> PollBody for Slot<'_, B> {
    #[inline]
    fn poll_body(&mut self, cx: &mut Context<'_>) -> bool {
        match self.body.as_mut().poll(cx) {
            Poll::Ready(value) => {
                self.output = Some(value);
                true
            }
            Poll::Pending => false,
        }
    }
}

/// One poll of a body, with everything that does not depend on the body's type: the
/// panic caught, the state word read and updated, the cut carried out. Not generic, so
/// compiled once per crate. `Ok(())` with the body's output set, or still pending.
#[inline]
fn poll_scoped(
    body: &mut dyn PollBody,
    mut cut: Option<&mut dyn CutSignal>,
    has_inner: &mut bool,
    cut_by_scope: &mut bool,
    cx: &mut Context<'_>,
) -> Result<(), Interrupted> {
    let before = state();
    if before & CUTTING == 0 {
        let step = match cut.as_mut() {
            Some(cut) => cut.before_body(cx),
            None => BeforeBody::Poll,
        };
        if step == BeforeBody::Poll {
            if poll_counted(body, before, has_inner, cx)? {
                return Ok(());
            }
            if cut.as_mut().is_none_or(|cut| cut.poll_cut(cx).is_pending()) {
                mark_pending();
                return Ok(());
            }
        }
        if step != BeforeBody::Cut {
            defer(cx);
            return Ok(());
        }
    }
    poll_cut_body(body, cut, has_inner, cut_by_scope, cx)
}

/// This block's own scope fired: it cuts at the next poll, unless a scope around it
/// that fired in the same poll (and is looked at first then, being outer) cuts it
/// first. As with asyncio's nested timeouts and Trio's nested cancel scopes, the
/// outermost scope that fired takes the cut. Until then the block counts as pending.
#[cold]
fn defer(cx: &mut Context<'_>) {
    cx.waker().wake_by_ref();
    mark_pending();
}

/// Polls the body once (panics caught); when it stays pending, records whether something
/// inside it (a block, or a block's exit) is pending too. `before` is the state word read
/// just before.
#[inline]
fn poll_counted(
    body: &mut dyn PollBody,
    before: usize,
    has_inner: &mut bool,
    cx: &mut Context<'_>,
) -> Result<bool, Interrupted> {
    let ready = poll_caught(&mut || body.poll_body(cx))?;
    if !ready {
        *has_inner = (state() ^ before) & !CUTTING != 0;
    }
    Ok(ready)
}

/// The body is being cut: let the blocks pending inside it exit first.
#[cold]
fn poll_cut_body(
    body: &mut dyn PollBody,
    cut: Option<&mut dyn CutSignal>,
    has_inner: &mut bool,
    cut_by_scope: &mut bool,
    cx: &mut Context<'_>,
) -> Result<(), Interrupted> {
    if cut.as_deref().is_some_and(|cut| cut.shields()) {
        return poll_shielded_body(body, has_inner, cx);
    }
    let own = cut.and_then(|cut| cut.cause());
    if *has_inner {
        let frame = Frame::new(true);
        // The blocks this cut reaches see why (C12): this scope's cause, if it is its own
        // cut; otherwise the one the cutting scope around it published stays.
        let published = own.clone().map(|own| cause::publish(Some(own)));
        if poll_counted(body, state(), has_inner, cx)? {
            return Ok(());
        }
        drop(published);
        drop(frame);
        if *has_inner {
            mark_pending();
            return Ok(());
        }
    }
    Err(match own {
        Some(own) => Box::new(OwnCut(own)),
        None => {
            // An enclosing scope cut the body: once its exit succeeded, the block never
            // completes.
            *cut_by_scope = true;
            Box::new(CutByScope(cause::current()))
        }
    })
}

/// A `shield()`'s body while a scope around it cuts: polled with the cut bit cleared, so
/// nothing inside it is cut (C1), and counted as pending while it is, so the cutting scope
/// waits for it (C2).
#[cold]
fn poll_shielded_body(
    body: &mut dyn PollBody,
    has_inner: &mut bool,
    cx: &mut Context<'_>,
) -> Result<(), Interrupted> {
    let frame = Frame::new(false);
    // No cut around reaches inside: a scope inside that cuts publishes its own cause.
    let published = cause::publish(None);
    let ready = poll_counted(body, state(), has_inner, cx)?;
    drop(published);
    drop(frame);
    if !ready {
        mark_pending();
    }
    Ok(())
}

/// The one place a poll is wrapped in `catch_unwind`. With `panic = "abort"` nothing
/// unwinds and it is a plain call.
#[inline]
fn poll_caught(poll: &mut dyn FnMut() -> bool) -> Result<bool, Interrupted> {
    #[cfg(not(panic = "abort"))]
    {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(poll))
    }
    #[cfg(panic = "abort")]
    {
        Ok(poll())
    }
}

/// What exit sees of an interrupted body: a panic, its own scope's cut, or a cancellation.
#[inline]
pub fn interrupted(interrupted: &Interrupted) -> Outcome<'_> {
    if let Some(CutByScope(cause)) = interrupted.downcast_ref::<CutByScope>() {
        Outcome::cancelled_because(cause.as_ref().map(CutCause::get))
    } else if let Some(OwnCut(cause)) = interrupted.downcast_ref::<OwnCut>() {
        Outcome::cut(cause.get())
    } else {
        Outcome::from_panic(&**interrupted)
    }
}

/// After exit failed: a panic resumes (an exit error never replaces it, S7); after a cut,
/// the exit's error leaves the block (S9) and rises through the cut body (S23).
#[inline]
pub fn resume_panic(interrupted: Interrupted) {
    if !interrupted.is::<CutByScope>() && !interrupted.is::<OwnCut>() {
        resume_unwind(interrupted)
    }
}

/// After exit returned, for a body that gave no flow: a suppressed own cut gives the
/// block's `()`/`None`; a panic resumes; a scope whose exit neither failed nor suppressed
/// its own cut is a mistake. (A block cut by an enclosing scope never gets here: its exit
/// stays pending, see [`shield`].)
#[inline]
pub fn unwound<V>(interrupted: Interrupted, suppressed: Option<V>) -> V {
    match suppressed {
        Some(value) => value,
        None => resume_interrupted(interrupted),
    }
}

#[cold]
fn resume_interrupted(interrupted: Interrupted) -> ! {
    match interrupted.downcast::<OwnCut>() {
        Ok(own) => panic!(
            "async_with: a scope cut its body ({}) and its exit neither returned an error nor `Exit::Suppress`: a scope's exit must end its own cut",
            own.0
        ),
        Err(payload) => resume_unwind(payload),
    }
}

pin_project_lite::pin_project! {
    /// An exit, shielded from cuts: blocks inside it are not cut by a scope outside
    /// (S19), and while it is pending it counts as a pending block, so a cutting scope
    /// waits for it. Owns the exit's future, so the block awaits it in place.
    pub struct Shielded<'a, F, S> {
        #[pin]
        exit: F,
        // `None` once parked: the exit of a block cut by an enclosing scope is done, and
        // the block waits to be dropped.
        state: Option<&'a mut BlockState<S>>,
    }
}

/// Every poll of the exit clears the cut bit for its duration (S19) and counts a
/// pending exit as a pending block. Nothing is read from the block's state before the
/// poll: a look there (which the body's poll wrote) keeps the optimiser from folding a
/// no-op exit into the block. The exit of a block cut by an enclosing scope never
/// completes once it has succeeded: it disarms the guard (its exit ran, so `cancel` must
/// not) and stays pending, not counted, until that scope drops the block.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn shield<F: Future, S>(exit: F, state: &mut BlockState<S>) -> Shielded<'_, F, S> {
    Shielded {
        exit,
        state: Some(state),
    }
}

impl<F: Future<Output = Result<D, E>>, D, E, S: CutSignal> Future for Shielded<'_, F, S> {
    type Output = F::Output;

    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(state) = this.state.as_deref_mut() else {
            return Poll::Pending;
        };
        let shielding = shield_on();
        let polled = this.exit.poll(cx);
        if shielding || polled.is_pending() {
            shielded_after(shielding, polled.is_pending());
            if shielding {
                cut_reaches_exit(state);
            }
        }
        match polled {
            Poll::Ready(Ok(_)) if state.cut_by_scope => {
                state.armed = false;
                *this.state = None;
                Poll::Pending
            }
            polled => polled,
        }
    }
}

/// A scope around the block is cutting while its exit runs: the exit goes on (S19), the
/// context's scope is told (a `TaskGroup` then cuts the tasks its exit waits for), and a
/// block that did not fail is held once its exit succeeded, so the cut body is dropped at
/// this await (the code after the block does not run). A failed block's failure rises
/// through the cut body (S23).
#[cold]
fn cut_reaches_exit<S: CutSignal>(state: &mut BlockState<S>) {
    state.cut.reaches_exit();
    // A panic is never held: it resumes after the exit and rises through the cut body.
    if !state.failed && !state.panicked {
        state.cut_by_scope = true;
    }
}

/// Clears the cut bit for an exit's poll; whether it was set.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn shield_on() -> bool {
    STATE.with(|s| {
        let value = s.get();
        s.set(value & !CUTTING);
        value & CUTTING != 0
    })
}

/// After a shielded poll: the cut bit back, and a pending exit counted.
#[cold]
fn shielded_after(shielded: bool, pending: bool) {
    STATE.with(|s| {
        let value = s.get() | usize::from(shielded);
        s.set(if pending {
            value.wrapping_add(ONE_PENDING)
        } else {
            value
        });
    });
}

// ---- Is the context a scope? (autoref specialization on the concrete type)

/// Receiver `ScopeOf(&mut context)`, by value: a [`Scope`](crate::Scope) gives its cut,
/// anything else (found one autoref later) [`NoCut`]. In generic code the declared bounds
/// decide.
pub struct ScopeOf<'a, C>(pub &'a mut C);

pub trait ScopeCut {
    type Cut;
    fn __async_with_cut(self) -> Self::Cut;
}

impl<C: crate::Scope> ScopeCut for ScopeOf<'_, C> {
    type Cut = Fired<C::Cut, C>;
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_cut(self) -> Fired<C::Cut, C> {
        Fired {
            cut: self.0.cut(),
            reason: None,
            cause: None,
            claimed: false,
            started: false,
            scope: PhantomData,
        }
    }
}

pub trait NoScopeCut {
    fn __async_with_cut(self) -> NoCut;
}

impl<C> NoScopeCut for &ScopeOf<'_, C> {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_cut(self) -> NoCut {
        NoCut
    }
}
