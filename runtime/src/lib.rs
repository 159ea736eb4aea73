#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod context;
mod outcome;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use context::{AsyncContext, ExitDecision};
pub use outcome::{Exit, Outcome};

#[doc(inline)]
pub use async_with_macros::{async_context, async_with};
