//! Test contexts that record what happens to them, for the behaviour tests.

use async_with::{Exit, Outcome, async_context};
use std::fmt;
use std::sync::{Arc, Mutex};

/// A shared, ordered record of events.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&self, event: impl Into<String>) {
        self.0.lock().unwrap().push(event.into());
    }

    pub fn events(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// The `exit ..` events only, in order.
    pub fn exits(&self) -> Vec<String> {
        self.events()
            .into_iter()
            .filter(|e| e.starts_with("exit"))
            .collect()
    }

    /// A context named `name` that records into this log.
    pub fn context(&self, name: &str) -> Recorder {
        Recorder {
            name: name.to_string(),
            log: self.clone(),
            fail_enter: false,
            fail_exit: false,
            suppress: false,
        }
    }
}

/// An error with a message, as a body, enter or exit fails with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestError(pub String);

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TestError {}

/// Python's `KeyError`: the error a suppressing context picks by type.
#[derive(Debug)]
pub struct KeyError;

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("key error")
    }
}

impl std::error::Error for KeyError {}

pub fn fail(message: &str) -> Result<u32, TestError> {
    Err(TestError(message.to_string()))
}

/// What a `Recorder`'s enter binds: records its own drop.
pub struct Token {
    pub name: String,
    log: Log,
}

impl Drop for Token {
    fn drop(&mut self) {
        self.log.push(format!("drop {}", self.name));
    }
}

/// Records `enter NAME`, `exit NAME: OUTCOME`, `cancel NAME`; can be told to fail its
/// enter or exit. Never suppresses.
pub struct Recorder {
    pub name: String,
    pub log: Log,
    pub fail_enter: bool,
    pub fail_exit: bool,
    pub suppress: bool,
}

impl Recorder {
    pub fn failing_enter(mut self) -> Self {
        self.fail_enter = true;
        self
    }

    pub fn failing_exit(mut self) -> Self {
        self.fail_exit = true;
        self
    }

    /// The same recorder, as a context whose enter and exit cannot fail.
    pub fn into_infallible(self) -> Infallible {
        Infallible(self)
    }

    /// The same recorder, as a context that suppresses every failure.
    pub fn suppressing(mut self) -> Suppressor {
        self.suppress = true;
        Suppressor(self)
    }

    fn record_exit(&self, outcome: &Outcome<'_>) -> Result<(), TestError> {
        let seen = describe(outcome);
        self.log.push(format!("exit {}: {seen}", self.name));
        if self.fail_exit {
            return Err(TestError(format!("{} exit failed", self.name)));
        }
        Ok(())
    }
}

/// How a test log shows an outcome.
pub fn describe(outcome: &Outcome<'_>) -> String {
    if outcome.is_ok() {
        "ok".into()
    } else if outcome.is_err() {
        format!("err({outcome})")
    } else if outcome.is_panic() {
        format!("panic({})", outcome.panic_message().unwrap_or("?"))
    } else {
        "cancelled".into()
    }
}

#[async_context(send)]
impl Recorder {
    async fn enter(&mut self) -> Result<Token, TestError> {
        tokio::task::yield_now().await;
        self.log.push(format!("enter {}", self.name));
        if self.fail_enter {
            return Err(TestError(format!("{} enter failed", self.name)));
        }
        Ok(Token {
            name: self.name.clone(),
            log: self.log.clone(),
        })
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        tokio::task::yield_now().await;
        self.record_exit(&outcome)
    }

    fn cancel(&mut self) {
        self.log.push(format!("cancel {}", self.name));
    }
}

/// A `Recorder` whose exit suppresses every failure it sees.
pub struct Suppressor(pub Recorder);

#[async_context(send)]
impl Suppressor {
    async fn enter(&mut self) -> Result<Token, TestError> {
        self.0.enter().await
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<Exit, TestError> {
        self.0.record_exit(&outcome)?;
        Ok(if outcome.is_err() {
            Exit::Suppress
        } else {
            Exit::Propagate
        })
    }

    fn cancel(&mut self) {
        self.0.cancel();
    }
}

/// A `Recorder` whose enter and exit cannot fail: puts no demand on the enclosing
/// function's return type.
pub struct Infallible(pub Recorder);

#[async_context]
impl Infallible {
    async fn enter(&mut self) -> Token {
        self.0.log.push(format!("enter {}", self.0.name));
        Token {
            name: self.0.name.clone(),
            log: self.0.log.clone(),
        }
    }

    async fn exit(&mut self, outcome: Outcome<'_>) {
        let _ = self.0.record_exit(&outcome);
    }

    fn cancel(&mut self) {
        self.0.cancel();
    }
}
