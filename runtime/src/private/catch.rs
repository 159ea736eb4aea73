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
//! When a block finds bit 0 set (an enclosing scope is cutting) or its own scope's cut
//! resolved, it is cut: if its body holds a pending block, it polls the body once more
//! with bit 0 set, so that block is cut first (innermost first, S18), and stays pending
//! while any remains; otherwise it returns [`Interrupted::Cut`] without polling the body,
//! which the expansion then drops before running exit (wrapped in [`shield`], so exits are
//! never cut, S19). A block cut by an enclosing scope never completes after its exit: it
//! stays pending ([`unwound`]) until that scope drops the body around it. Nothing here
//! allocates, and a block without a scope pays one thread-local read per poll of its body.

use crate::Outcome;
use crate::scope::CutReason;
use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use std::panic::resume_unwind;

thread_local! {
    /// Bit 0: the innermost scope frame is cutting. Bits 1..: blocks left pending.
    static STATE: Cell<usize> = const { Cell::new(0) };
}

const CUTTING: usize = 1;
const ONE_PENDING: usize = 2;

fn state() -> usize {
    STATE.with(Cell::get)
}

/// Counts a block left pending on this thread.
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

/// Why the body did not give its flow.
pub enum Interrupted {
    /// It panicked, with this payload.
    Panic(Box<dyn Any + Send>),
    /// This block's own scope cut it, for this reason.
    OwnCut(CutReason),
    /// An enclosing scope is cutting.
    Cut,
}

/// A scope's cut, or none. Implemented by every [`Scope::Cut`](crate::Scope::Cut) and by
/// [`NoCut`], which never resolves and compiles to nothing.
pub trait CutSignal {
    fn poll_cut(&mut self, cx: &mut Context<'_>) -> Poll<CutReason>;
}

impl<F: Future<Output = CutReason> + Unpin> CutSignal for F {
    #[inline]
    fn poll_cut(&mut self, cx: &mut Context<'_>) -> Poll<CutReason> {
        Pin::new(self).poll(cx)
    }
}

/// The cut of a context that is not a scope.
pub struct NoCut;

impl Future for NoCut {
    type Output = CutReason;
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<CutReason> {
        Poll::Pending
    }
}

/// The body's future with its panics caught and its scopes' cuts carried out. `Send`
/// exactly when the body and the cut are.
pub struct Caught<'a, F, S> {
    body: Pin<&'a mut F>,
    cut: S,
    own_cut: Option<CutReason>,
    has_inner: bool,
}

/// Polls the body, catching a panic so exit can see it, and cutting it when `cut`
/// resolves or an enclosing scope cuts.
#[inline(always)]
pub fn catch<F: Future, S: CutSignal>(body: Pin<&mut F>, cut: S) -> Caught<'_, F, S> {
    Caught {
        body,
        cut,
        own_cut: None,
        has_inner: false,
    }
}

impl<F: Future, S: CutSignal + Unpin> Future for Caught<'_, F, S> {
    type Output = Result<F::Output, Interrupted>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let before = state();
        if before & CUTTING == 0 && this.own_cut.is_none() {
            if let Poll::Ready(result) = this.poll_body(cx) {
                return Poll::Ready(result);
            }
            this.has_inner = (state() ^ before) & !CUTTING != 0;
            match this.cut.poll_cut(cx) {
                Poll::Ready(reason) => this.own_cut = Some(reason),
                Poll::Pending => {
                    mark_pending();
                    return Poll::Pending;
                }
            }
        }
        this.poll_cut_body(cx)
    }
}

impl<F: Future, S> Caught<'_, F, S> {
    #[inline]
    fn poll_body(&mut self, cx: &mut Context<'_>) -> Poll<Result<F::Output, Interrupted>> {
        let mut output = None;
        let body = &mut self.body;
        let caught = poll_caught(&mut || {
            if let Poll::Ready(value) = body.as_mut().poll(cx) {
                output = Some(value);
            }
        });
        match (caught, output) {
            (Err(payload), _) => Poll::Ready(Err(Interrupted::Panic(payload))),
            (Ok(()), Some(value)) => Poll::Ready(Ok(value)),
            (Ok(()), None) => Poll::Pending,
        }
    }

    /// The body is being cut: let the blocks pending inside it exit first.
    #[cold]
    fn poll_cut_body(&mut self, cx: &mut Context<'_>) -> Poll<Result<F::Output, Interrupted>> {
        if self.has_inner {
            let frame = Frame::new(true);
            let before = state();
            if let Poll::Ready(result) = self.poll_body(cx) {
                return Poll::Ready(result);
            }
            self.has_inner = (state() ^ before) & !CUTTING != 0;
            drop(frame);
            if self.has_inner {
                mark_pending();
                return Poll::Pending;
            }
        }
        Poll::Ready(Err(match self.own_cut {
            Some(reason) => Interrupted::OwnCut(reason),
            None => Interrupted::Cut,
        }))
    }
}

/// The one place a poll is wrapped in `catch_unwind`; not generic, so compiled once.
/// With `panic = "abort"` nothing unwinds and it is a plain call.
#[inline]
fn poll_caught(poll: &mut dyn FnMut()) -> Result<(), Box<dyn Any + Send>> {
    #[cfg(not(panic = "abort"))]
    {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(poll))
    }
    #[cfg(panic = "abort")]
    {
        poll();
        Ok(())
    }
}

/// What exit sees of an interrupted body: a panic, its own scope's cut, or a cancellation.
#[inline]
pub fn interrupted(interrupted: &Interrupted) -> Outcome<'_> {
    match interrupted {
        Interrupted::Panic(payload) => Outcome::from_panic(&**payload),
        Interrupted::OwnCut(reason) => Outcome::cut(*reason),
        Interrupted::Cut => Outcome::cancelled(),
    }
}

/// After exit failed: a panic resumes (an exit error never replaces it, S7); after a cut,
/// the exit's error leaves the block (S9) and rises through the cut body (S23).
#[inline]
pub fn resume_panic(interrupted: Interrupted) {
    if let Interrupted::Panic(payload) = interrupted {
        resume_unwind(payload)
    }
}

/// After exit returned: a panic resumes; a block cut by an enclosing scope stays pending
/// until that scope drops it; a scope whose exit neither failed nor suppressed its own cut
/// is a mistake.
pub fn unwound(interrupted: Interrupted) -> CutDone {
    match interrupted {
        Interrupted::Panic(payload) => resume_unwind(payload),
        Interrupted::OwnCut(reason) => panic!(
            "async_with: a scope cut its body ({reason}) and its exit neither returned an error nor `Exit::Suppress`: a scope's exit must end its own cut"
        ),
        Interrupted::Cut => CutDone,
    }
}

/// Pending for good, without counting as a pending block: the block is done.
pub struct CutDone;

impl Future for CutDone {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// An exit, shielded from cuts: blocks inside it are not cut by a scope outside (S19),
/// and while it is pending it counts as a pending block, so a cutting scope waits for it.
pub struct Shielded<'a, F> {
    exit: Pin<&'a mut F>,
}

#[inline(always)]
pub fn shield<F: Future>(exit: Pin<&mut F>) -> Shielded<'_, F> {
    Shielded { exit }
}

impl<F: Future> Future for Shielded<'_, F> {
    type Output = F::Output;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let polled = if state() & CUTTING == 0 {
            self.exit.as_mut().poll(cx)
        } else {
            let _frame = Frame::new(false);
            self.exit.as_mut().poll(cx)
        };
        if polled.is_pending() {
            mark_pending();
        }
        polled
    }
}

// ---- Is the context a scope? (autoref specialization on the concrete type)

/// Receiver `&ScopeOf(&mut context)`: a [`Scope`](crate::Scope) gives its cut, anything
/// else [`NoCut`]. In generic code the declared bounds decide.
pub struct ScopeOf<'a, C>(Cell<Option<&'a mut C>>);

impl<'a, C> ScopeOf<'a, C> {
    #[inline(always)]
    pub fn new(context: &'a mut C) -> Self {
        ScopeOf(Cell::new(Some(context)))
    }
}

pub trait ScopeCut {
    type Cut;
    fn __async_with_cut(&self) -> Self::Cut;
}

impl<C: crate::Scope> ScopeCut for ScopeOf<'_, C> {
    type Cut = C::Cut;
    #[inline(always)]
    fn __async_with_cut(&self) -> C::Cut {
        match self.0.take() {
            Some(context) => context.cut(),
            None => unreachable!("async_with: a scope's cut is taken once"),
        }
    }
}

pub trait NoScopeCut {
    fn __async_with_cut(&self) -> NoCut;
}

impl<C> NoScopeCut for &ScopeOf<'_, C> {
    #[inline(always)]
    fn __async_with_cut(&self) -> NoCut {
        NoCut
    }
}
