//! `#[with_context]`: a context as a fn attribute runs the whole body inside the block,
//! with the block's semantics (exit before `?`/`return`, the bound value, methods).

use async_with::with_context;
use async_with_tests::{Log, TestError, fail};

#[with_context(log.context("a") as token)]
async fn work(log: &Log, early: bool, failing: bool) -> Result<u32, TestError> {
    log.push(format!("body sees {}", token.name));
    if early {
        return Ok(0);
    }
    if failing {
        fail("failed")?;
    }
    Ok(7)
}

#[tokio::test]
async fn the_whole_body_runs_inside_the_block() {
    let log = Log::new();
    assert_eq!(work(&log, false, false).await, Ok(7));
    assert_eq!(
        log.events(),
        ["enter a", "body sees a", "drop a", "exit a: ok"]
    );

    let log = Log::new();
    assert_eq!(work(&log, true, false).await, Ok(0));
    assert_eq!(
        log.events(),
        ["enter a", "body sees a", "drop a", "exit a: ok"]
    );

    let log = Log::new();
    assert_eq!(
        work(&log, false, true).await,
        Err(TestError("failed".into()))
    );
    assert_eq!(
        log.events(),
        ["enter a", "body sees a", "drop a", "exit a: err(failed)"]
    );
}

struct Service {
    log: Log,
}

impl Service {
    #[with_context(self.log.context("outer"), self.log.context("inner"))]
    async fn handle(&self, n: u32) -> Result<u32, TestError> {
        self.log.push("handling");
        Ok(n + 1)
    }
}

#[tokio::test]
async fn methods_and_several_contexts_nest_as_in_the_block() {
    let service = Service { log: Log::new() };
    assert_eq!(service.handle(1).await, Ok(2));
    assert_eq!(
        service.log.events(),
        [
            "enter outer",
            "enter inner",
            "handling",
            "drop inner",
            "exit inner: ok",
            "drop outer",
            "exit outer: ok"
        ]
    );
}
