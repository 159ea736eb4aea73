//! S8: an exit that returns `Exit::Suppress` after a failure swallows it.

use async_with::{Exit, Outcome, async_context, async_with};
use async_with_tests::{KeyError, Log, TestError, fail};

#[tokio::test]
async fn s8_suppressed_failure_continues_after_the_block_with_unit() -> Result<(), TestError> {
    let log = Log::new();
    async_with!(log.context("a").suppressing() => {
        log.push("body");
        fail("swallowed")?;
        log.push("not reached");
    });
    log.push("after");
    assert_eq!(
        log.events(),
        [
            "enter a",
            "body",
            "drop a",
            "exit a: err(swallowed)",
            "after"
        ]
    );
    Ok(())
}

#[tokio::test]
async fn s8_an_option_block_gives_none_when_suppressed_and_some_otherwise() -> Result<(), TestError>
{
    let log = Log::new();
    let mut got = Vec::new();
    for i in 0..3 {
        let v: Option<u32> = async_with!(log.context("a").suppressing() => {
            if i == 1 { fail("odd")?; }
            Some(i)
        });
        got.push(v);
    }
    assert_eq!(got, [Some(0), None, Some(2)]);
    Ok(())
}

#[tokio::test]
async fn s8_suppress_after_an_ok_outcome_changes_nothing() {
    struct AlwaysSuppress(Log);
    #[async_context]
    impl AlwaysSuppress {
        async fn exit(&mut self, outcome: Outcome<'_>) -> Exit {
            self.0.push(format!("exit: {outcome}"));
            Exit::Suppress
        }
    }
    async fn run(log: &Log, early: bool) -> Result<u32, TestError> {
        'l: for _ in 0..2 {
            async_with!(AlwaysSuppress(log.clone()) => {
                if early { return Ok(5); }
                break 'l;
            });
        }
        Ok(1)
    }
    let log = Log::new();
    assert_eq!(run(&log, true).await, Ok(5));
    assert_eq!(run(&log, false).await, Ok(1));
    assert_eq!(log.events(), ["exit: ok", "exit: ok"]);
}

#[tokio::test]
async fn s8_suppression_can_pick_errors_by_type() {
    struct SuppressKeyError;
    #[async_context]
    impl SuppressKeyError {
        async fn exit(&mut self, outcome: Outcome<'_>) -> Exit {
            if outcome.downcast_ref::<KeyError>().is_some() {
                Exit::Suppress
            } else {
                Exit::Propagate
            }
        }
    }
    async fn run(key: bool) -> Result<&'static str, Box<dyn std::error::Error + Send + Sync>> {
        async_with!(SuppressKeyError => {
            if key { Err(KeyError)?; } else { Err(TestError("other".into()))?; }
        });
        Ok("suppressed")
    }
    assert_eq!(run(true).await.unwrap(), "suppressed");
    assert_eq!(run(false).await.unwrap_err().to_string(), "other");
}

#[tokio::test]
async fn s8_never_suppressing_contexts_allow_any_block_type() -> Result<(), TestError> {
    let log = Log::new();
    let s: String = async_with!(log.context("a") => { String::from("any type") });
    assert_eq!(s, "any type");
    Ok(())
}

#[tokio::test]
async fn a_question_mark_on_the_suppressed_type_needs_no_result_from_the_fn() {
    // Python's `with suppress(ValueError): int(text)`, in a fn that returns nothing.
    async fn parse_into(text: &str, out: &mut Vec<u32>) {
        async_with!(async_with::suppress::<std::num::ParseIntError>() => {
            out.push(text.parse::<u32>()?);
        });
    }
    let mut out = Vec::new();
    parse_into("7", &mut out).await;
    parse_into("seven", &mut out).await;
    parse_into("8", &mut out).await;
    assert_eq!(out, [7, 8]);
}

#[tokio::test]
async fn several_types_with_or_and_the_type_seen_is_the_one_before_conversion() {
    #[derive(Debug)]
    struct AppError;
    impl From<std::num::ParseIntError> for AppError {
        fn from(_: std::num::ParseIntError) -> Self {
            AppError
        }
    }
    impl From<std::num::ParseFloatError> for AppError {
        fn from(_: std::num::ParseFloatError) -> Self {
            AppError
        }
    }
    async fn both(int: &str, float: &str) -> Result<bool, AppError> {
        let done = async_with!(
            async_with::suppress::<std::num::ParseIntError>().or::<std::num::ParseFloatError>() => {
                let _: u32 = int.parse()?;
                let _: f64 = float.parse()?;
                Some(())
            }
        );
        Ok(done.is_some())
    }
    assert!(matches!(both("1", "2.5").await, Ok(true)));
    assert!(matches!(both("x", "2.5").await, Ok(false)));
    assert!(matches!(both("1", "y").await, Ok(false)));

    // A failure of another type goes on, converted by the `?` as usual.
    async fn by_app_error(int: &str) -> Result<(), AppError> {
        async_with!(async_with::suppress::<KeyError>() => {
            let _: u32 = int.parse()?;
        });
        Ok(())
    }
    assert!(by_app_error("x").await.is_err());
}
