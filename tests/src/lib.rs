//! Contexts for the behaviour tests and examples: a recording context, a SQLite
//! transaction, and a TCP client connection.

mod recorder;
pub mod sqlite;
pub mod tcp;

pub use recorder::*;
