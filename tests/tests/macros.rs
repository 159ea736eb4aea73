//! S16: `?` and `return` inside the macro calls of async bodies — tokio's `select!`,
//! `join!`, `try_join!`; anyhow's and eyre's `bail!`/`ensure!`; tracing's and log's event
//! macros — leave the body after exit has run, exactly as written inline.

use async_with::async_with;
use async_with_tests::{Log, TestError};
use std::time::Duration;

fn parse(text: &str) -> Result<u32, TestError> {
    text.parse()
        .map_err(|_| TestError(format!("not a number: {text}")))
}

#[tokio::test]
async fn s16_question_mark_and_return_in_select_handlers() {
    async fn run(log: &Log, input: &'static str) -> Result<u32, TestError> {
        let got = async_with!(log.context("a") => {
            tokio::select! {
                n = async { input } => {
                    if n == "early" { return Ok(0); }
                    parse(n)?
                }
                _ = tokio::time::sleep(Duration::from_secs(60)) => unreachable!(),
            }
        });
        log.push("after");
        Ok(got)
    }
    let log = Log::new();
    assert_eq!(run(&log, "7").await, Ok(7));
    assert_eq!(log.events(), ["enter a", "drop a", "exit a: ok", "after"]);

    let log = Log::new();
    assert_eq!(run(&log, "early").await, Ok(0));
    assert_eq!(log.events(), ["enter a", "drop a", "exit a: ok"]);

    let log = Log::new();
    assert!(run(&log, "x").await.is_err());
    assert_eq!(
        log.events(),
        ["enter a", "drop a", "exit a: err(not a number: x)"]
    );
}

#[tokio::test]
async fn s16_question_mark_in_join_and_try_join() {
    async fn run(log: &Log, a: &'static str, b: &'static str) -> Result<u32, TestError> {
        async_with!(log.context("a") => {
            let (x, y) = tokio::join!(async { parse(a) }, async { parse(b) });
            let z = tokio::try_join!(async { parse(a) }, async { parse(b) })?;
            x? + y? + z.0 + z.1
        })
        .pipe(Ok)
    }
    trait Pipe: Sized {
        fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
            f(self)
        }
    }
    impl<T> Pipe for T {}
    let log = Log::new();
    assert_eq!(run(&log, "1", "2").await, Ok(6));
    let log = Log::new();
    assert!(run(&log, "1", "b").await.is_err());
    assert_eq!(
        log.events(),
        ["enter a", "drop a", "exit a: err(not a number: b)"]
    );
}

/// Records into a log; its errors convert into anyhow's and eyre's.
mod contexts {
    use async_with::{Outcome, async_context};

    pub struct Span(pub async_with_tests::Log);

    #[async_context]
    impl Span {
        async fn exit(&mut self, outcome: Outcome<'_>) {
            self.0
                .push(format!("exit: {}", async_with_tests::describe(&outcome)));
        }
    }
}
use contexts::Span;

#[tokio::test]
async fn s16_anyhow_bail_and_ensure_leave_after_exit() {
    async fn run(log: &Log, n: i32) -> anyhow::Result<i32> {
        async_with!(Span(log.clone()) => {
            anyhow::ensure!(n >= 0, "negative: {n}");
            if n == 0 {
                anyhow::bail!("zero");
            }
            log.push("body done");
        });
        Ok(n)
    }
    let log = Log::new();
    assert_eq!(run(&log, 3).await.unwrap(), 3);
    assert_eq!(log.events(), ["body done", "exit: ok"]);

    let log = Log::new();
    assert_eq!(run(&log, 0).await.unwrap_err().to_string(), "zero");
    assert_eq!(log.events(), ["exit: err(zero)"]);

    let log = Log::new();
    assert_eq!(run(&log, -1).await.unwrap_err().to_string(), "negative: -1");
    assert_eq!(log.events(), ["exit: err(negative: -1)"]);
}

#[tokio::test]
async fn s16_eyre_bail_and_ensure_leave_after_exit() {
    async fn run(log: &Log, n: i32) -> eyre::Result<i32> {
        async_with!(Span(log.clone()) => {
            eyre::ensure!(n >= 0, "negative");
            if n == 0 {
                eyre::bail!("zero");
            }
        });
        Ok(n)
    }
    let log = Log::new();
    assert_eq!(run(&log, 0).await.unwrap_err().to_string(), "zero");
    assert_eq!(log.events(), ["exit: err(zero)"]);
    let log = Log::new();
    assert_eq!(run(&log, -5).await.unwrap_err().to_string(), "negative");
    assert_eq!(log.events(), ["exit: err(negative)"]);
    assert_eq!(run(&Log::new(), 2).await.unwrap(), 2);
}

/// Records how exit sees a failure: `TestError(..)` when it has the error with its own
/// type, the outcome's text otherwise.
struct SeesType(Log);

#[async_with::async_context]
impl SeesType {
    async fn exit(&mut self, outcome: async_with::Outcome<'_>) {
        let seen = match outcome.downcast_ref::<TestError>() {
            Some(error) => format!("TestError({error})"),
            None => async_with_tests::describe(&outcome),
        };
        self.0.push(format!("exit: {seen}"));
    }
}

async fn positive(text: &str) -> Result<bool, TestError> {
    tokio::task::yield_now().await;
    parse(text).map(|n| n > 0)
}

#[tokio::test]
async fn s3_s16_a_question_mark_in_an_anyhow_ensure_condition_reaches_exit_with_its_own_type() {
    async fn run(log: &Log, text: &str) -> anyhow::Result<()> {
        async_with!(SeesType(log.clone()) => {
            anyhow::ensure!(parse(text)? > 0, "not positive: {text}");
            log.push("body done");
        });
        Ok(())
    }
    let log = Log::new();
    run(&log, "3").await.unwrap();
    assert_eq!(log.events(), ["body done", "exit: ok"]);

    let log = Log::new();
    let error = run(&log, "x").await.unwrap_err();
    assert_eq!(log.events(), ["exit: TestError(not a number: x)"]);
    assert_eq!(
        error.downcast_ref::<TestError>(),
        Some(&TestError("not a number: x".into()))
    );

    let log = Log::new();
    assert_eq!(
        run(&log, "0").await.unwrap_err().to_string(),
        "not positive: 0"
    );
    assert_eq!(log.events(), ["exit: err(not positive: 0)"]);
}

#[tokio::test]
async fn s3_s16_an_imported_ensure_with_an_awaited_question_mark_and_no_message() {
    use anyhow::ensure;
    async fn run(log: &Log, text: &str) -> anyhow::Result<()> {
        async_with!(SeesType(log.clone()) => {
            ensure!(positive(text).await?);
        });
        Ok(())
    }
    let log = Log::new();
    run(&log, "3").await.unwrap();
    assert_eq!(log.events(), ["exit: ok"]);

    let log = Log::new();
    assert!(run(&log, "x").await.is_err());
    assert_eq!(log.events(), ["exit: TestError(not a number: x)"]);

    // The message anyhow gives a false condition without a message of its own (the
    // condition's tokens, as the macro received them).
    let log = Log::new();
    let error = run(&log, "0").await.unwrap_err().to_string();
    assert!(
        error.starts_with("Condition failed: `positive(text).await"),
        "{error}"
    );
    assert_eq!(log.events(), [format!("exit: err({error})")]);
}

#[tokio::test]
async fn s3_s16_a_question_mark_in_an_eyre_ensure_condition_reaches_exit_with_its_own_type() {
    async fn run(log: &Log, text: &str) -> eyre::Result<()> {
        async_with!(SeesType(log.clone()) => {
            eyre::ensure!(parse(text)? > 0, "not positive");
        });
        Ok(())
    }
    let log = Log::new();
    assert!(run(&log, "x").await.is_err());
    assert_eq!(log.events(), ["exit: TestError(not a number: x)"]);
    let log = Log::new();
    assert_eq!(
        run(&log, "0").await.unwrap_err().to_string(),
        "not positive"
    );
    assert_eq!(log.events(), ["exit: err(not positive)"]);
}

/// Enables every event, so their arguments are evaluated (without a subscriber, tracing's
/// and log's macros skip them, `?` included, as they would in plain Rust).
struct EnableAll;

impl tracing::Subscriber for EnableAll {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn s16_question_mark_inside_tracing_and_log_events() {
    let _subscriber = tracing::subscriber::set_default(EnableAll);
    log::set_max_level(log::LevelFilter::Trace);
    async fn run(log: &Log, input: &str) -> Result<(), TestError> {
        async_with!(log.context("a") => {
            tracing::info!(value = parse(input)?, kind = ?input, "parsed {}", parse(input)?);
            tracing::warn!(target: "app", "again {}", parse(input)?);
            log::info!("and in log: {}", parse(input)?);
            log.push("logged");
        });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(run(&log, "5").await, Ok(()));
    assert_eq!(log.events(), ["enter a", "logged", "drop a", "exit a: ok"]);
    let log = Log::new();
    assert!(run(&log, "five").await.is_err());
    assert_eq!(
        log.events(),
        ["enter a", "drop a", "exit a: err(not a number: five)"]
    );
}

#[tokio::test]
async fn s16_a_braced_select_as_the_tail_is_the_block_value() -> Result<(), TestError> {
    let log = Log::new();
    let n = async_with!(log.context("a") => {
        tokio::select! {
            n = async { 4 } => n * 2,
            _ = tokio::time::sleep(Duration::from_secs(60)) => 0,
        }
    });
    assert_eq!(n, 8);
    Ok(())
}
