//! Support for the code `async_with!` and `#[async_context]` generate. Not public API:
//! nothing here follows semver.
//!
//! Each step of one expanded block, and the items it uses:
//!
//! | step | items |
//! | --- | --- |
//! | take the context, with its cut; arm `cancel` after enter | [`guard()`], [`Unguarded::with_cut`], [`Guard`], [`BlockState`]; [`at_context`] (the context for enter and exit, so that a value that is not one is reported once) |
//! | the body's way out | [`AsyncWithBodyFlow`], [`Witness`] (ties `return` to the fn's type), [`Branch`] (`?`) |
//! | is the context a scope? | [`ScopeOf`], [`ScopeCut`] / [`NoScopeCut`] (a [`Scope`](crate::Scope)'s cut, or [`NoCut`]) |
//! | poll the body, catching a panic, carrying out cuts | [`Caught`], [`interrupted`] (the outcome), [`shield`] (exit), [`resume_panic`], [`unwound`] |
//! | build the outcome from a failure | [`residual_error`], [`View`] and its `View*` ladder, [`Probe`] with `Probe*` for a returned value (the body's value: [`checks::Tail`](crate::checks::Tail)), [`failed`] |
//! | a suppressed failure's value | [`checks::suppressed`](crate::checks), [`GivesValue`](crate::checks::GivesValue), [`SuppressesInto`](crate::checks::SuppressesInto); [`context_type`]; [`Sieve`] for a literal `suppress::<E>()` |
//! | leave the function | a `?` again, on the residual (rustc's own checks); [`from_residual`] / [`FromResidual`] for a residual after [`Sieve`]; `checks::Fail` / [`LeaveWith`](crate::checks::LeaveWith) / [`CanReturnError`](crate::checks::CanReturnError) (enter or exit errors) |
//! | the scopes around a body's poll ([`current_deadline`](crate::current_deadline), a [`shield`](crate::shield)) | [`ScopeFrame`], [`push_frame`] (by [`Caught`] for a scope that has a frame) |
//! | `#[async_context]` impls | [`IntoResult`], [`SameError`], [`spawn_exit`] |
//!
//! Small helpers are `#[inline(always)]` only where this crate is compiled without debug
//! assertions (release): in a debug build, LLVM's always-inliner would copy each into
//! every block's state machine, which cost 3.2 M of the compiler's instructions per block
//! (4 %) for no gain at `opt-level = 0`.
//!
//! Nested layers of one `async_with!` call never use the "leave the function" row: they
//! leave into the enclosing layer's flow, and only the outermost layer leaves the function.

mod catch;
mod cause;
mod context_impl;
mod flow;
mod frames;
mod guard;
mod suppress;
mod view;

pub use catch::*;
pub use cause::CutCause;
pub use context_impl::*;
pub use flow::*;
pub(crate) use frames::effective_deadline;
#[cfg(feature = "tokio")]
pub(crate) use frames::snapshot;
pub use frames::{FrameDeadline, FrameGuard, ScopeFrame, push_frame};
pub use guard::*;
pub use suppress::*;
pub use view::*;
