//! The scopes around the poll in progress that [`current_deadline`](crate::current_deadline)
//! looks at: a thread-local stack, innermost last. A scoped block whose scope has a frame
//! (a `timeout`, a `CancelScope`, a `shield`) pushes it for each poll of its body and pops
//! it after; a block without a scope, or with a scope without a frame (a `TaskGroup`),
//! touches nothing (C7–C10 of `docs/CANCELLATION.md`).

use std::cell::RefCell;
use std::sync::Arc;

thread_local! {
    static FRAMES: RefCell<Vec<ScopeFrame>> = const { RefCell::new(Vec::new()) };
}

/// What a scope says about itself to the code its body runs (see the module docs).
#[derive(Clone)]
pub enum ScopeFrame {
    /// A `shield()`: the scopes around it do not cut its body, and their deadlines are
    /// hidden from it.
    Shield,
    /// A scope with a deadline, or one that can be cancelled.
    Deadline(Arc<dyn FrameDeadline>),
    /// The frames around a `TaskGroup`'s block, as its tasks see them (C10: Trio's
    /// nursery children see the deadlines around the nursery).
    Inherited(Arc<[ScopeFrame]>),
}

/// A scope's deadline as its body sees it, read when asked (so a `reschedule` shows at
/// once).
pub trait FrameDeadline: Send + Sync {
    /// The scope was cancelled: its deadline, in effect, has passed (Trio's `-inf`).
    fn cancelled(&self) -> bool;
    /// When the scope cuts its body, if it has a deadline.
    fn deadline(&self) -> Option<std::time::Instant>;
}

/// Pops its frame when dropped (after the body's poll, also when it unwinds).
pub struct FrameGuard(());

impl Drop for FrameGuard {
    fn drop(&mut self) {
        let _ = FRAMES.try_with(|frames| frames.borrow_mut().pop());
    }
}

/// Pushes a scope's frame for the poll of its body.
#[inline]
pub fn push_frame(frame: ScopeFrame) -> FrameGuard {
    FRAMES.with(|frames| frames.borrow_mut().push(frame));
    FrameGuard(())
}
/// The frames around this point, for a `TaskGroup`'s tasks to see.
#[cfg(feature = "tokio")]
pub(crate) fn snapshot() -> Arc<[ScopeFrame]> {
    FRAMES.with(|frames| frames.borrow().iter().cloned().collect())
}

/// The nearest deadline of the scopes around this point, up to the nearest shield: the
/// earliest of their deadlines, or "now" when one of them was cancelled (`Err(())`).
pub(crate) fn effective_deadline() -> Result<Option<std::time::Instant>, ()> {
    FRAMES.with(|frames| {
        let mut nearest = None;
        walk(&frames.borrow(), &mut nearest)?;
        Ok(nearest)
    })
}

/// Looks at `frames`, innermost first, into `nearest`: `Ok(false)` at a shield (stop),
/// `Err(())` at a cancelled scope.
fn walk(frames: &[ScopeFrame], nearest: &mut Option<std::time::Instant>) -> Result<bool, ()> {
    for frame in frames.iter().rev() {
        match frame {
            ScopeFrame::Shield => return Ok(false),
            ScopeFrame::Deadline(scope) => {
                if scope.cancelled() {
                    return Err(());
                }
                if let Some(at) = scope.deadline() {
                    *nearest = Some(nearest.map_or(at, |n: std::time::Instant| n.min(at)));
                }
            }
            ScopeFrame::Inherited(outer) => {
                if !walk(outer, nearest)? {
                    return Ok(false);
                }
            }
        }
    }
    Ok(true)
}
