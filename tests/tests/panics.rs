//! S7: a panic in the body runs exit, which sees it; then the panic resumes.

use async_with::async_with;
use async_with_tests::{Log, TestError};
use std::panic::AssertUnwindSafe;

async fn catch<F: std::future::Future>(f: F) -> Result<F::Output, String> {
    use std::pin::pin;
    use std::task::Poll;
    let mut f = pin!(f);
    std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| f.as_mut().poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default())),
        }
    })
    .await
}

#[tokio::test]
async fn s7_panic_runs_exit_which_sees_it_then_the_panic_resumes() {
    let log = Log::new();
    let result = catch(async {
        async_with!(log.context("a") => {
            log.push("body");
            panic!("kaboom {}", 7);
        });
        Ok::<(), TestError>(())
    })
    .await;
    assert_eq!(result, Err("kaboom 7".to_string()));
    assert_eq!(
        log.events(),
        ["enter a", "body", "drop a", "exit a: panic(kaboom 7)"]
    );
}

#[tokio::test]
async fn s7_a_panic_is_never_suppressed() {
    let log = Log::new();
    let result = catch(async {
        async_with!(log.context("a").suppressing() => {
            panic!("not swallowed");
        });
        Ok::<(), TestError>(())
    })
    .await;
    assert_eq!(result, Err("not swallowed".to_string()));
    assert_eq!(
        log.events(),
        ["enter a", "drop a", "exit a: panic(not swallowed)"]
    );
}

#[tokio::test]
async fn s7_an_exit_error_during_a_panic_does_not_replace_it() {
    let log = Log::new();
    let result = catch(async {
        async_with!(log.context("a").failing_exit() => {
            panic!("original");
        });
        Ok::<(), TestError>(())
    })
    .await;
    assert_eq!(result, Err("original".to_string()));
    assert_eq!(
        log.events(),
        ["enter a", "drop a", "exit a: panic(original)"]
    );
}

#[tokio::test]
async fn s7_nested_contexts_all_see_the_panic_innermost_first() {
    let log = Log::new();
    let result = catch(async {
        async_with!(log.context("a"), log.context("b") => {
            panic!("deep");
        });
        Ok::<(), TestError>(())
    })
    .await;
    assert_eq!(result, Err("deep".to_string()));
    assert_eq!(
        log.events(),
        [
            "enter a",
            "enter b",
            "drop b",
            "exit b: panic(deep)",
            "drop a",
            "exit a: panic(deep)"
        ]
    );
}

#[tokio::test]
async fn a_panic_in_exit_runs_the_cancel_hook_once_then_goes_on() {
    use async_with::{Outcome, async_context};
    struct PanickyExit(Log);
    #[async_context]
    impl PanickyExit {
        async fn exit(&mut self, _outcome: Outcome<'_>) {
            self.0.push("exit");
            panic!("exit failed hard");
        }
        fn cancel(&mut self) {
            self.0.push("cancel");
        }
    }
    let log = Log::new();
    let result = catch(async {
        async_with!(PanickyExit(log.clone()) => { log.push("body"); });
    })
    .await;
    assert_eq!(result, Err("exit failed hard".to_string()));
    assert_eq!(log.events(), ["body", "exit", "cancel"]);
}
