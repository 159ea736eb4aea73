//! S2, S3, S9, S10, S13: failures of the body, of enter and of exit, and several contexts.

use async_with::async_with;
use async_with_tests::{Log, TestError, fail};

/// An error type the test errors convert into, to show `?`'s `From` conversion.
#[derive(Debug, PartialEq)]
enum AppError {
    Test(TestError),
    Parse,
}

impl From<TestError> for AppError {
    fn from(error: TestError) -> Self {
        AppError::Test(error)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Test(e) => write!(f, "app: {e}"),
            AppError::Parse => f.write_str("app: parse"),
        }
    }
}

impl std::error::Error for AppError {}

fn err(message: &str) -> TestError {
    TestError(message.into())
}

#[tokio::test]
async fn s2_failed_enter_runs_neither_body_nor_exit_and_converts_with_from() {
    async fn run(log: &Log) -> Result<u32, AppError> {
        let v = async_with!(log.context("a").failing_enter() => {
            log.push("body");
            1
        });
        Ok(v)
    }
    let log = Log::new();
    assert_eq!(run(&log).await, Err(AppError::Test(err("a enter failed"))));
    assert_eq!(log.events(), ["enter a"]);
}

#[tokio::test]
async fn s3_exit_sees_the_error_as_the_question_mark_found_it_and_the_fn_returns_it_converted() {
    async fn run(log: &Log) -> Result<u32, AppError> {
        Ok(async_with!(log.context("a") => {
            fail("inner")?;
            1
        }))
    }
    let log = Log::new();
    assert_eq!(run(&log).await, Err(AppError::Test(err("inner"))));
    // Exit sees the `TestError` the `?` was applied to (its own type, so it can be
    // downcast even when the fn's error is a `Box<dyn Error>`); the fn gets it converted.
    assert_eq!(log.events(), ["enter a", "drop a", "exit a: err(inner)"]);
}

#[tokio::test]
async fn s3_question_mark_on_option_in_a_fn_returning_option() {
    async fn run(log: &Log, x: Option<u32>) -> Option<u32> {
        Some(async_with!(log.context("a").into_infallible() => { x? + 1 }))
    }
    let log = Log::new();
    assert_eq!(run(&log, Some(1)).await, Some(2));
    assert_eq!(run(&log, None).await, None);
    assert_eq!(
        log.events()[3..],
        ["enter a", "drop a", "exit a: err(`None`)"]
    );
}

#[tokio::test]
async fn s9_exit_error_leaves_the_fn_also_after_a_body_failure() {
    async fn run(log: &Log, body_fails: bool) -> Result<u32, AppError> {
        Ok(async_with!(log.context("a").failing_exit() => {
            if body_fails {
                fail("body")?;
            }
            1
        }))
    }
    let log = Log::new();
    assert_eq!(
        run(&log, false).await,
        Err(AppError::Test(err("a exit failed")))
    );
    assert_eq!(log.events(), ["enter a", "drop a", "exit a: ok"]);

    let log = Log::new();
    assert_eq!(
        run(&log, true).await,
        Err(AppError::Test(err("a exit failed")))
    );
    assert_eq!(log.events(), ["enter a", "drop a", "exit a: err(body)"]);
}

#[tokio::test]
async fn s10_several_contexts_are_exactly_nested() -> Result<(), AppError> {
    let log = Log::new();
    let v = async_with!(
        { log.push("eval a"); log.context("a") } as a,
        { log.push("eval b"); log.context("b") } as b
        => {
            log.push(format!("body {} {}", a.name, b.name));
            3
        }
    );
    assert_eq!(v, 3);
    assert_eq!(
        log.events(),
        [
            "eval a",
            "enter a",
            "eval b",
            "enter b",
            "body a b",
            "drop b",
            "exit b: ok",
            "drop a",
            "exit a: ok"
        ]
    );
    Ok(())
}

#[tokio::test]
async fn s10_inner_expression_or_enter_failure_is_seen_by_the_outer_exit() {
    async fn expr_fails(log: &Log) -> Result<(), AppError> {
        async fn make(log: &Log) -> Result<async_with_tests::Recorder, AppError> {
            let _ = log;
            Err(AppError::Parse)
        }
        async_with!(log.context("a"), make(log).await? => { log.push("body"); });
        Ok(())
    }
    async fn enter_fails(log: &Log) -> Result<(), AppError> {
        async_with!(log.context("a"), log.context("b").failing_enter(), log.context("c") => {
            log.push("body");
        });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(expr_fails(&log).await, Err(AppError::Parse));
    assert_eq!(
        log.events(),
        ["enter a", "drop a", "exit a: err(app: parse)"]
    );

    let log = Log::new();
    assert_eq!(
        enter_fails(&log).await,
        Err(AppError::Test(err("b enter failed")))
    );
    assert_eq!(
        log.events(),
        [
            "enter a",
            "enter b",
            "drop a",
            "exit a: err(b enter failed)"
        ]
    );
}

#[tokio::test]
async fn s10_what_the_inner_exit_leaves_is_what_the_outer_exit_sees() {
    async fn run(log: &Log, inner_suppresses: bool) -> Result<(), AppError> {
        if inner_suppresses {
            async_with!(log.context("a"), log.context("b").suppressing() => { fail("body")?; });
        } else {
            async_with!(log.context("a"), log.context("b").failing_exit() => { fail("body")?; });
        }
        Ok(())
    }
    let log = Log::new();
    assert_eq!(run(&log, true).await, Ok(()));
    assert_eq!(
        log.events(),
        [
            "enter a",
            "enter b",
            "drop b",
            "exit b: err(body)",
            "drop a",
            "exit a: ok"
        ]
    );

    let log = Log::new();
    assert_eq!(
        run(&log, false).await,
        Err(AppError::Test(err("b exit failed")))
    );
    assert_eq!(
        log.events(),
        [
            "enter a",
            "enter b",
            "drop b",
            "exit b: err(body)",
            "drop a",
            "exit a: err(b exit failed)"
        ]
    );
}

#[tokio::test]
async fn s13_exit_runs_once_per_successful_enter_never_for_a_failed_one() {
    async fn run(log: &Log, fail_at: usize) -> Result<(), AppError> {
        for i in 0..4 {
            let ctx = if i == fail_at {
                log.context(&i.to_string()).failing_enter()
            } else {
                log.context(&i.to_string())
            };
            async_with!(ctx => {
                if i == 2 { continue; }
                if i == 3 { fail("three")?; }
            });
        }
        Ok(())
    }
    for fail_at in 0..5 {
        let log = Log::new();
        let _ = run(&log, fail_at).await;
        let events = log.events();
        for i in 0..4 {
            let enters = events
                .iter()
                .filter(|e| **e == format!("enter {i}"))
                .count();
            let exits = events
                .iter()
                .filter(|e| e.starts_with(&format!("exit {i}:")))
                .count();
            let expected_exits = if i == fail_at || (i > fail_at && fail_at < 4) {
                0
            } else {
                1
            };
            assert_eq!(
                exits, expected_exits,
                "context {i}, enter {fail_at} fails: {events:?}"
            );
            assert!(enters <= 1);
        }
    }
}
