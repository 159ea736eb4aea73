//! SPEC §5.2: generator-style contexts (`@asynccontextmanager`).

use async_with::{BoxError, Generator, Handoff, async_with, generator};
use async_with_tests::{Log, TestError};

/// Setup, hand-off of a numbered value, teardown that logs how the block ended; fails its
/// setup when asked.
fn resource(log: &Log, fail_setup: bool) -> Generator<'static, u32, TestError> {
    let log = log.clone();
    generator(move |h: Handoff<u32>| async move {
        log.push("setup");
        tokio::task::yield_now().await;
        if fail_setup {
            return Err(TestError("setup failed".into()));
        }
        let ended = h.give(42).await;
        tokio::task::yield_now().await;
        log.push(format!("teardown after {ended}"));
        Ok(ended.propagate())
    })
}

#[tokio::test]
async fn setup_hands_off_the_value_then_teardown_sees_the_outcome() -> Result<(), BoxError> {
    let log = Log::new();
    async_with!(resource(&log, false) as n => { log.push(format!("body got {n}")); });
    assert_eq!(log.events(), ["setup", "body got 42", "teardown after ok"]);
    Ok(())
}

#[tokio::test]
async fn a_body_failure_reaches_the_teardown_and_then_the_caller() {
    async fn run(log: &Log) -> Result<(), BoxError> {
        async_with!(resource(log, false) => { Err(TestError("body".into()))?; });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(run(&log).await.unwrap_err().to_string(), "body");
    assert_eq!(log.events(), ["setup", "teardown after body"]);
}

#[tokio::test]
async fn a_failed_setup_fails_enter_and_skips_the_body() {
    // The generator's error is the fn's own error type: no wrapper.
    async fn run(log: &Log) -> Result<(), TestError> {
        async_with!(resource(log, true) => { log.push("body"); });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(run(&log).await, Err(TestError("setup failed".into())));
    assert_eq!(log.events(), ["setup"]);
}

#[tokio::test]
async fn the_teardown_may_suppress_by_the_failures_type() {
    fn ignore_test_errors() -> Generator<'static, (), std::convert::Infallible> {
        generator(|h: Handoff<()>| async move {
            let (ended, is_test_error) = h
                .give_with((), |outcome| outcome.downcast_ref::<TestError>().is_some())
                .await;
            Ok(if is_test_error {
                ended.suppress()
            } else {
                ended.propagate()
            })
        })
    }
    async fn run(fail_with: Option<BoxError>) -> Result<&'static str, BoxError> {
        async_with!(ignore_test_errors() => {
            if let Some(e) = fail_with {
                Err(e)?;
            }
        });
        Ok("went on")
    }
    assert_eq!(run(None).await.unwrap(), "went on");
    assert_eq!(
        run(Some(Box::new(TestError("x".into())))).await.unwrap(),
        "went on"
    );
    assert_eq!(
        run(Some("other".into())).await.unwrap_err().to_string(),
        "other"
    );
}

#[tokio::test]
async fn a_panic_reaches_the_teardown_then_resumes() {
    let log = Log::new();
    let caught = tokio::spawn({
        let log = log.clone();
        async move {
            async_with!(resource(&log, false) => { panic!("boom"); });
            Ok::<(), BoxError>(())
        }
    })
    .await;
    assert!(caught.unwrap_err().is_panic());
    assert_eq!(log.events(), ["setup", "teardown after panicked: boom"]);
}

#[tokio::test(start_paused = true)]
async fn cancellation_drops_the_function_without_its_async_teardown() {
    struct OnDrop(Log);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            self.0.push("setup's locals dropped");
        }
    }
    let log = Log::new();
    let gen_log = log.clone();
    let ctx = generator(move |h: Handoff<()>| async move {
        let _local = OnDrop(gen_log.clone());
        let ended = h.give(()).await;
        gen_log.push("async teardown");
        Ok::<_, std::convert::Infallible>(ended.propagate())
    });
    let block = async {
        async_with!(ctx => { std::future::pending::<()>().await; });
        Ok::<(), BoxError>(())
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), block).await;
    assert_eq!(log.events(), ["setup's locals dropped"]);
}

#[tokio::test]
async fn a_generator_is_entered_once() {
    let log = Log::new();
    let mut ctx = resource(&log, false);
    let first: Result<(), BoxError> = async {
        async_with!(&mut ctx => {});
        Ok(())
    }
    .await;
    assert!(first.is_ok());
    let second = std::panic::AssertUnwindSafe(async {
        async_with!(&mut ctx => { log.push("body again"); });
        Ok::<(), TestError>(())
    });
    let panicked = futures::FutureExt::catch_unwind(second).await.unwrap_err();
    assert!(
        panicked
            .downcast_ref::<String>()
            .is_some_and(|m| m.contains("entered once"))
    );
    assert!(!log.events().contains(&"body again".to_string()));
}

#[tokio::test]
async fn a_generators_error_is_the_users_own_for_question_mark_downcast_and_suppress() {
    fn flaky(fail_teardown: bool) -> Generator<'static, u8, std::io::Error> {
        generator(move |h: Handoff<u8>| async move {
            let ended = h.give(1).await;
            if fail_teardown {
                return Err(std::io::Error::other("teardown failed"));
            }
            Ok(ended.propagate())
        })
    }
    // An `io::Result` fn `?`s it as it is.
    async fn io_fn(fail: bool) -> std::io::Result<u8> {
        // A generator may suppress, so its block is `()` or an `Option`.
        let n = async_with!(flaky(fail) as n => { Some(n) });
        Ok(n.unwrap_or(0))
    }
    assert_eq!(io_fn(false).await.unwrap(), 1);
    assert_eq!(
        io_fn(true).await.unwrap_err().to_string(),
        "teardown failed"
    );
    // An outer `suppress::<io::Error>()` catches it, also in a fn that returns nothing.
    async fn swallowed() -> &'static str {
        async_with!(async_with::suppress::<std::io::Error>(), flaky(true) => {});
        "moved on"
    }
    assert_eq!(swallowed().await, "moved on");
}

/// The message of a panic payload (`&str` or `String`).
fn panic_text(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

#[tokio::test]
async fn a_generator_that_finishes_without_handing_off_panics_saying_so() {
    // A `HandedOff` comes only from a hand-off, but it may be another generator's: lent
    // (here through a channel), it lets a function finish without handing off its value.
    let log = Log::new();
    let (lend, borrowed) = tokio::sync::oneshot::channel();
    let lender = generator(move |h: Handoff<()>| async move {
        let ended = h.give(()).await;
        let _ = lend.send(ended.propagate());
        Err(TestError("lent its hand-off".into()))
    });
    let borrower =
        generator(
            move |_h: Handoff<u8>| async move { Ok::<_, TestError>(borrowed.await.unwrap()) },
        );
    let lent: Result<(), TestError> = async {
        async_with!(lender => {});
        Ok(())
    }
    .await;
    assert_eq!(lent, Err(TestError("lent its hand-off".into())));
    let block = std::panic::AssertUnwindSafe(async {
        async_with!(borrower as n => { log.push(format!("body got {n}")); });
        Ok::<(), TestError>(())
    });
    let panicked = futures::FutureExt::catch_unwind(block).await.unwrap_err();
    assert_eq!(
        panic_text(&*panicked),
        Some(
            "async_with: a generator function finished without handing off its value: it must end with what its own `give` returned"
        )
    );
    assert_eq!(log.events(), Vec::<String>::new());
}

#[tokio::test]
async fn the_teardown_sees_a_cancellation_when_a_scope_cuts_the_block() {
    // `Ended::is_cancelled`, as `Outcome::is_cancelled`: a scope around the block cut its
    // body (S18), and the generator's teardown still runs async.
    let log = Log::new();
    let teardown_log = log.clone();
    let ctx = generator(move |h: Handoff<()>| async move {
        let ended = h.give(()).await;
        tokio::task::yield_now().await;
        teardown_log.push(format!(
            "teardown after {ended}: cancelled {}, ok {}, err {}, panic {}",
            ended.is_cancelled(),
            ended.is_ok(),
            ended.is_err(),
            ended.is_panic()
        ));
        Ok::<_, std::convert::Infallible>(ended.propagate())
    });
    async_with!(async_with::CancelScope::new() as handle, ctx => {
        handle.cancel();
        tokio::task::yield_now().await;
        log.push("body not reached");
    });
    log.push("after the block");
    assert_eq!(
        log.events(),
        [
            "teardown after cancelled: cancelled true, ok false, err false, panic false",
            "after the block",
        ]
    );
}

#[tokio::test]
async fn a_generator_exited_by_hand_before_its_enter_panics_saying_so() {
    // `AsyncContext::exit` is public: driven by hand out of order, the hand-off finds the
    // block already ended.
    use async_with::{AsyncContext, Outcome};
    let log = Log::new();
    let mut ctx = resource(&log, false);
    let exit = std::panic::AssertUnwindSafe(AsyncContext::exit(&mut ctx, Outcome::ok()));
    let panicked = futures::FutureExt::catch_unwind(exit).await.unwrap_err();
    assert_eq!(
        panic_text(&*panicked),
        Some(
            "async_with: a generator context's exit ran before its enter had handed off the value"
        )
    );
    assert_eq!(log.events(), ["setup"]);
}
