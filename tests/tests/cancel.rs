//! S12–S14 under cancellation: a block whose future is dropped runs `cancel` exactly once,
//! after the bound value is dropped, and never `exit`.

use async_with::{Outcome, async_context, async_with};
use async_with_tests::{Log, TestError};
use std::time::Duration;
use tokio::time::{sleep, timeout};

/// Enter and exit that take `enter_ms` / `exit_ms` to finish.
struct Slow {
    log: Log,
    enter_ms: u64,
    exit_ms: u64,
}

#[async_context]
impl Slow {
    async fn enter(&mut self) -> Result<&mut Self, TestError> {
        self.log.push("enter start");
        sleep(Duration::from_millis(self.enter_ms)).await;
        self.log.push("enter done");
        Ok(self)
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), TestError> {
        self.log.push("exit start");
        sleep(Duration::from_millis(self.exit_ms)).await;
        self.log.push("exit done");
        Ok(())
    }

    fn cancel(&mut self) {
        self.log.push("cancel");
    }
}

#[tokio::test(start_paused = true)]
async fn s12_dropped_during_the_body_runs_cancel_once_after_the_value_is_dropped() {
    let log = Log::new();
    let block = async {
        async_with!(log.context("a") as _token => {
            log.push("body start");
            sleep(Duration::from_secs(10)).await;
            log.push("body end");
        });
        Ok::<(), TestError>(())
    };
    assert!(timeout(Duration::from_secs(1), block).await.is_err());
    assert_eq!(
        log.events(),
        ["enter a", "body start", "drop a", "cancel a"]
    );
}

#[tokio::test(start_paused = true)]
async fn s12_dropped_during_enter_runs_neither_exit_nor_cancel() {
    let log = Log::new();
    let mut slow = Slow {
        log: log.clone(),
        enter_ms: 10_000,
        exit_ms: 0,
    };
    let block = async {
        async_with!(&mut slow => { log.push("body"); });
        Ok::<(), TestError>(())
    };
    assert!(timeout(Duration::from_secs(1), block).await.is_err());
    assert_eq!(log.events(), ["enter start"]);
}

#[tokio::test(start_paused = true)]
async fn s12_dropped_during_exit_runs_cancel_once() {
    let log = Log::new();
    let mut slow = Slow {
        log: log.clone(),
        enter_ms: 0,
        exit_ms: 10_000,
    };
    let block = async {
        async_with!(&mut slow => { log.push("body"); });
        Ok::<(), TestError>(())
    };
    assert!(timeout(Duration::from_secs(1), block).await.is_err());
    assert_eq!(
        log.events(),
        ["enter start", "enter done", "body", "exit start", "cancel"]
    );
}

#[tokio::test(start_paused = true)]
async fn s12_a_completed_exit_is_never_followed_by_cancel() {
    let log = Log::new();
    let mut slow = Slow {
        log: log.clone(),
        enter_ms: 0,
        exit_ms: 10,
    };
    let block = async {
        async_with!(&mut slow => { log.push("body"); });
        sleep(Duration::from_secs(10)).await;
        Ok::<(), TestError>(())
    };
    assert!(timeout(Duration::from_secs(1), block).await.is_err());
    assert_eq!(
        log.events(),
        [
            "enter start",
            "enter done",
            "body",
            "exit start",
            "exit done"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn s12_a_lost_select_branch_cancels_every_entered_context_innermost_first() {
    let log = Log::new();
    let block = async {
        async_with!(log.context("a"), log.context("b") => {
            sleep(Duration::from_secs(10)).await;
        });
        Ok::<(), TestError>(())
    };
    tokio::select! {
        _ = block => panic!("the block should lose"),
        _ = sleep(Duration::from_secs(1)) => {}
    }
    assert_eq!(
        log.events(),
        [
            "enter a", "enter b", "drop b", "cancel b", "drop a", "cancel a"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn s13_every_entered_context_ends_exactly_once_under_random_timeouts() {
    for deadline_ms in 0..40 {
        let log = Log::new();
        let block = async {
            for i in 0..3 {
                async_with!(log.context(&i.to_string()) => {
                    sleep(Duration::from_millis(7)).await;
                });
            }
            Ok::<(), TestError>(())
        };
        let _ = timeout(Duration::from_millis(deadline_ms), block).await;
        let events = log.events();
        for i in 0..3 {
            let entered = events
                .iter()
                .filter(|e| **e == format!("enter {i}"))
                .count();
            let ended = events
                .iter()
                .filter(|e| e.starts_with(&format!("exit {i}:")) || **e == format!("cancel {i}"))
                .count();
            assert_eq!(entered, ended, "deadline {deadline_ms}ms: {events:?}");
        }
    }
}
