//! `docs/CANCELLATION.md`, C17–C19: timeouts on any runtime. Here on the `futures-timer`
//! crate's timer, driven by `futures::executor::block_on` — no tokio runtime anywhere — on
//! the real clock (short deadlines, generous margins).

use async_with::{
    CancelScope, Elapsed, ExitStack, FuturesTimer, Outcome, Timer, async_context, async_with,
    current_deadline_std, shield, suppress, timeout_at_with, timeout_with,
};
use async_with_tests::{Log, describe};
use futures::executor::block_on;
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Logs its exit's outcome; its exit awaits the timer (an awaited ROLLBACK).
struct Tx(&'static str, Log);

#[async_context]
impl Tx {
    async fn exit(&mut self, outcome: Outcome<'_>) {
        FuturesTimer.sleep_until(Instant::now() + ms(5)).await;
        let why = outcome
            .cancel_reason()
            .map_or(String::new(), |r| format!(" ({r})"));
        self.1
            .push(format!("exit {}: {}{why}", self.0, describe(&outcome)));
    }
    fn cancel(&mut self) {
        self.1.push(format!("cancel {}", self.0));
    }
}

#[test]
fn c17_a_timeout_on_another_timer_cuts_its_body_and_every_exit_runs_async() {
    let log = Log::new();
    let start = Instant::now();
    let result: Result<(), Elapsed> = block_on(async {
        async_with!(Tx("outer", log.clone()), timeout_with(FuturesTimer, ms(50)), Tx("inner", log.clone()) => {
            std::future::pending::<()>().await;
        });
        Ok(())
    });
    let elapsed = result.unwrap_err();
    assert_eq!(elapsed, Elapsed);
    let deadline = elapsed.deadline_std().expect("names its deadline");
    assert!(deadline >= start + ms(50) && deadline < start + ms(1000));
    assert!(start.elapsed() >= ms(50));
    assert_eq!(
        log.events(),
        [
            "exit inner: cancelled (deadline has elapsed)",
            "exit outer: err(deadline has elapsed)",
        ]
    );
}

#[test]
fn c17_a_body_that_finishes_in_time_is_not_cut_and_no_limit_never_cuts() {
    let value = block_on(async {
        let quick = async_with!(timeout_with(FuturesTimer, ms(1000)) => {
            FuturesTimer.sleep_until(Instant::now() + ms(5)).await;
            7
        });
        let unbounded = async_with!(timeout_with(FuturesTimer, Duration::MAX) as deadline => {
            assert_eq!(deadline.deadline(), None);
            FuturesTimer.sleep_until(Instant::now() + ms(5)).await;
            8
        });
        Ok::<_, Elapsed>(quick + unbounded)
    });
    assert_eq!(value, Ok(15));
}

#[test]
fn c18_reschedule_the_effective_deadline_and_a_shield_work_on_another_timer() {
    let log = Log::new();
    let result: Result<(), Elapsed> = block_on(async {
        let start = Instant::now();
        async_with!(suppress::<Elapsed>(), timeout_at_with(FuturesTimer, start + ms(40)) as deadline => {
            assert_eq!(current_deadline_std(), Some(start + ms(40)));
            deadline.reschedule(start + ms(5_000)); // later
            assert_eq!(current_deadline_std(), Some(start + ms(5_000)));
            FuturesTimer.sleep_until(start + ms(80)).await; // past the first deadline
            log.push("not cut at 40 ms");
            async_with!(shield(), Tx("shielded", log.clone()) => {
                assert_eq!(current_deadline_std(), None); // hidden by the shield
                deadline.reschedule(Instant::now()); // passes now: the cut waits for the shield
                FuturesTimer.sleep_until(Instant::now() + ms(20)).await;
                log.push("shielded work done");
            });
            log.push("not reached");
        });
        log.push("moved on");
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(
        log.events(),
        [
            "not cut at 40 ms",
            "shielded work done",
            "exit shielded: ok",
            "moved on"
        ]
    );
}

/// Yields to the executor once (waking itself), as `tokio::task::yield_now` does.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if std::mem::replace(&mut yielded, true) {
            std::task::Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

#[test]
fn c19_cancel_scopes_shields_and_exit_stacks_need_no_runtime() {
    let log = Log::new();
    let result: Result<(), async_with::StackError> = block_on(async {
        async_with!(CancelScope::new() as scope, ExitStack::new() as stack => {
            stack.enter_context(Tx("in the stack", log.clone())).await?;
            async_with!(shield() => {
                scope.cancel_with("stopping");
                yield_now().await; // not cut: shielded
                log.push("shielded");
            });
        });
        Ok(())
    });
    assert!(result.is_ok());
    assert_eq!(
        log.events(),
        ["shielded", "exit in the stack: cancelled (stopping)"]
    );
}

#[test]
fn c17_dropping_a_block_on_another_timer_cancels_each_context_once() {
    let log = Log::new();
    block_on(async {
        let block = async {
            async_with!(timeout_with(FuturesTimer, ms(10_000)), Tx("held", log.clone()) => {
                std::future::pending::<()>().await;
            });
            Ok::<(), Elapsed>(())
        };
        let dropped = futures::future::select(
            Box::pin(block),
            Box::pin(FuturesTimer.sleep_until(Instant::now() + ms(20))),
        )
        .await;
        assert!(matches!(dropped, futures::future::Either::Right(_)));
    });
    assert_eq!(log.events(), ["cancel held"]);
}
