//! `docs/CANCELLATION.md`, C1–: shields, the effective deadline, cancellation reasons,
//! task groups that cancel and supervise. Translated from Trio's `test_run.py` and
//! CPython's `test_taskgroups.py` where they test the same thing. On tokio's paused
//! clock: times are exact and nothing really waits.

use async_with::{
    CancelScope, Elapsed, Outcome, async_context, async_with, current_deadline, shield, suppress,
    timeout, timeout_at,
};
use async_with_tests::{Log, describe};
use std::time::Duration;
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Logs its enter and exit (with the outcome and the time in ms since `start`); its exit
/// awaits for `exit_takes`.
struct Step {
    name: &'static str,
    log: Log,
    start: Instant,
    exit_takes: Duration,
}

fn step(name: &'static str, log: &Log, start: Instant) -> Step {
    Step {
        name,
        log: log.clone(),
        start,
        exit_takes: Duration::ZERO,
    }
}

#[async_context]
impl Step {
    async fn enter(&mut self) {
        let at = self.start.elapsed().as_millis();
        self.log.push(format!("enter {} at {at}", self.name));
    }

    async fn exit(&mut self, outcome: Outcome<'_>) {
        let at = self.start.elapsed().as_millis();
        self.log.push(format!(
            "exit {} at {at}: {}",
            self.name,
            describe(&outcome)
        ));
        sleep(self.exit_takes).await;
    }

    fn cancel(&mut self) {
        self.log.push(format!("cancel {}", self.name));
    }
}

fn at(log: &Log, start: Instant, what: &str) {
    log.push(format!("{what} at {}", start.elapsed().as_millis()));
}

// ---- Shield (C1–C6)

#[tokio::test(start_paused = true)]
async fn c1_a_shields_body_is_not_cut_by_a_timeout_around_it() {
    let log = Log::new();
    let start = Instant::now();
    let result: Result<(), Elapsed> = async {
        async_with!(timeout(ms(100)) => {
            async_with!(shield(), step("inside", &log, start) => {
                sleep(ms(300)).await; // not cut at 100
                at(&log, start, "shielded work done");
            });
            at(&log, start, "not reached: the cut is delivered as the shield's block ends");
        });
        Ok(())
    }
    .await;
    assert_eq!(result, Err(Elapsed));
    assert_eq!(
        log.events(),
        [
            "enter inside at 0",
            "shielded work done at 300",
            "exit inside at 300: ok",
        ]
    );
}

/// Trio's `test_cancel_shielding`, translated: the outer scope is cancelled; a shield
/// protects its body from it, but not from a scope inside the shield; once the shield's
/// block ends, the outer cut is delivered. (Trio delivers it at the next checkpoint after
/// the shield; here the shield's block is where it is delivered, C3.)
#[tokio::test(start_paused = true)]
async fn c4_a_shield_protects_from_the_scopes_around_it_not_from_those_inside_it() {
    let log = Log::new();
    let outer = CancelScope::new();
    let outer_handle = outer.handle();
    async_with!(outer => {
        outer_handle.cancel();
        async_with!(shield() => {
            tokio::task::yield_now().await; // not cut: the shield protects it
            log.push("shielded await passed");
            let innerest = CancelScope::new();
            let innerest_handle = innerest.handle();
            async_with!(innerest => {
                innerest_handle.cancel();
                tokio::task::yield_now().await; // cut by the scope inside the shield
                log.push("not reached (innerest)");
            });
            assert!(innerest_handle.cancelled_caught());
            tokio::task::yield_now().await;
            log.push("shielded again after innerest");
        });
        log.push("not reached: the outer cut is delivered as the shield's block ends");
    });
    assert!(outer_handle.cancelled_caught());
    assert_eq!(
        log.events(),
        ["shielded await passed", "shielded again after innerest",]
    );
}

#[tokio::test(start_paused = true)]
async fn c4_a_timeout_inside_a_shield_bounds_the_cleanup_trios_idiom() {
    let log = Log::new();
    let start = Instant::now();
    let result: Result<(), Elapsed> = async {
        async_with!(CancelScope::new() as outer => {
            outer.cancel();
            // Cleanup that must run, but not forever: the shield keeps the outer cut
            // out, its own timeout cuts it.
            async_with!(shield(), timeout(ms(200)), step("cleanup", &log, start) => {
                sleep(ms(10_000)).await;
            });
        });
        Ok(())
    }
    .await;
    assert_eq!(result, Err(Elapsed));
    assert_eq!(
        log.events(),
        ["enter cleanup at 0", "exit cleanup at 200: cancelled"]
    );
}

#[tokio::test(start_paused = true)]
async fn c2_the_cutting_scope_and_the_contexts_around_it_wait_for_the_shields_block() {
    let log = Log::new();
    let start = Instant::now();
    let result: Result<(), Elapsed> = async {
        async_with!(step("outer", &log, start), timeout(ms(100)), step("cut", &log, start) => {
            async_with!(step("around", &log, start) => {
                async_with!(shield() => {
                    async_with!(step("shielded", &log, start) => {
                        sleep(ms(250)).await;
                    });
                });
                sleep(ms(10_000)).await;
            });
        });
        Ok(())
    }
    .await;
    assert_eq!(result, Err(Elapsed));
    assert_eq!(
        log.events(),
        [
            "enter outer at 0",
            "enter cut at 0",
            "enter around at 0",
            "enter shielded at 0",
            "exit shielded at 250: ok",
            "exit around at 250: cancelled",
            "exit cut at 250: cancelled",
            "exit outer at 250: err(deadline has elapsed)",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn c3_the_cut_is_delivered_as_the_shields_block_ends_the_code_after_it_does_not_run() {
    let log = Log::new();
    let start = Instant::now();
    let scope = CancelScope::new();
    let handle = scope.handle();
    let value = async_with!(scope, step("around", &log, start) => {
        let shielded = async_with!(shield(), step("shielded", &log, start) => {
            handle.cancel();
            sleep(ms(10)).await;
            at(&log, start, "shielded work done");
            7
        });
        at(&log, start, &format!("not reached: {shielded}"));
        Some(shielded)
    });
    assert_eq!(value, None);
    assert!(handle.cancelled_caught());
    assert_eq!(
        log.events(),
        [
            "enter around at 0",
            "enter shielded at 0",
            "shielded work done at 10",
            "exit shielded at 10: ok",
            "exit around at 10: cancelled",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn c3_a_shield_entered_while_its_scope_already_fired_still_shields_until_its_first_await() {
    // The cut comes at the first await after the cancel: the shield's own block is the
    // next thing polled, and it protects its body.
    let log = Log::new();
    async_with!(CancelScope::new() as outer => {
        outer.cancel();
        async_with!(shield() => {
            tokio::task::yield_now().await;
            log.push("shielded");
        });
    });
    assert_eq!(log.events(), ["shielded"]);
}

#[tokio::test(start_paused = true)]
async fn c5_a_shields_failure_during_a_cut_rises_to_the_scope() {
    #[derive(Debug, PartialEq)]
    struct Failed;
    impl std::fmt::Display for Failed {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("failed in the shield")
        }
    }
    impl std::error::Error for Failed {}

    let log = Log::new();
    let start = Instant::now();
    let result: Result<(), Box<dyn std::error::Error + Send + Sync>> = async {
        async_with!(step("outer", &log, start), timeout(ms(100)) => {
            async_with!(shield() => {
                sleep(ms(200)).await;
                Err(Failed)?;
            });
        });
        Ok(())
    }
    .await;
    assert!(result.unwrap_err().downcast_ref::<Failed>().is_some());
    assert_eq!(
        log.events(),
        [
            "enter outer at 0",
            "exit outer at 200: err(failed in the shield)"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn c5_a_shield_with_no_cut_around_it_changes_nothing_and_gives_the_bodys_value() {
    let value: u32 = async_with!(shield() => {
        tokio::task::yield_now().await;
        7
    });
    assert_eq!(value, 7);
    // In a fn returning nothing: a shield never fails.
    async fn nothing() {
        async_with!(shield() => { sleep(ms(1)).await; });
    }
    nothing().await;
}

#[tokio::test(start_paused = true)]
async fn c6_dropping_the_whole_block_during_a_shielded_body_cancels_each_context_once() {
    let log = Log::new();
    let start = Instant::now();
    let block = async {
        async_with!(step("outer", &log, start), timeout(ms(100)) => {
            async_with!(shield(), step("shielded", &log, start) => {
                sleep(ms(10_000)).await;
            });
        });
        Ok::<(), Elapsed>(())
    };
    // A shield keeps scopes out, not a drop: Rust cancels by dropping.
    assert!(tokio::time::timeout(ms(500), block).await.is_err());
    assert_eq!(
        log.events(),
        [
            "enter outer at 0",
            "enter shielded at 0",
            "cancel shielded",
            "cancel outer",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn c5_a_suppressed_timeout_around_a_shield_moves_on_after_the_shield() {
    let log = Log::new();
    let start = Instant::now();
    async_with!(suppress::<Elapsed>(), timeout(ms(100)) => {
        async_with!(shield() => {
            sleep(ms(300)).await;
            at(&log, start, "shield done");
        });
        sleep(ms(1)).await;
    });
    at(&log, start, "moved on");
    assert_eq!(log.events(), ["shield done at 300", "moved on at 300"]);
}

// ---- The effective deadline (C7–C10)

/// Trio's `test_current_effective_deadline`, translated (a shield is a block here, not a
/// flag to toggle: the shielded checks are a nested `shield()` block).
#[tokio::test(start_paused = true)]
async fn c7_the_effective_deadline_is_the_nearest_up_to_a_shield_trios_test() -> Result<(), Elapsed>
{
    let t0 = Instant::now();
    let at = |s: u64| t0 + Duration::from_secs(s);
    assert_eq!(current_deadline(), None);
    let scope1 = CancelScope::new();
    let cancel1 = scope1.handle();
    async_with!(scope1, timeout_at(at(5)) => {
        async_with!(timeout_at(at(10)) as scope2 => {
            assert_eq!(current_deadline(), Some(at(5)));
            scope2.reschedule(at(3));
            assert_eq!(current_deadline(), Some(at(3)));
            scope2.reschedule(at(10));
            assert_eq!(current_deadline(), Some(at(5)));
            async_with!(shield(), timeout_at(at(10)) => {
                assert_eq!(current_deadline(), Some(at(10)));
            });
            assert_eq!(current_deadline(), Some(at(5)));
            cancel1.cancel();
            // Trio's -inf: a cancelled scope's deadline has passed.
            assert_eq!(current_deadline(), Some(Instant::now()));
            async_with!(shield(), timeout_at(at(10)) => {
                assert_eq!(current_deadline(), Some(at(10)));
            });
            assert_eq!(current_deadline(), Some(Instant::now()));
        });
    });
    assert_eq!(current_deadline(), None);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn c7_async_fns_the_body_awaits_see_the_deadline_and_after_the_block_it_is_gone()
-> Result<(), Elapsed> {
    async fn client_timeout() -> Option<Duration> {
        tokio::task::yield_now().await;
        current_deadline().map(|at| at.saturating_duration_since(Instant::now()))
    }
    async_with!(timeout(ms(1500)) => {
        sleep(ms(500)).await;
        assert_eq!(client_timeout().await, Some(ms(1000)));
        async_with!(timeout(ms(10_000)) => {
            assert_eq!(client_timeout().await, Some(ms(1000))); // the outer one is nearer
        });
    });
    assert_eq!(client_timeout().await, None);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn c9_a_reschedule_shows_at_once_also_to_none_and_no_limit_is_none() -> Result<(), Elapsed> {
    let t0 = Instant::now();
    async_with!(timeout(Duration::MAX) => {
        assert_eq!(current_deadline(), None);
    });
    async_with!(timeout(ms(100)) as deadline => {
        assert_eq!(current_deadline(), Some(t0 + ms(100)));
        deadline.reschedule(None);
        assert_eq!(current_deadline(), None);
        deadline.reschedule(t0 + ms(50));
        assert_eq!(current_deadline(), Some(t0 + ms(50)));
    });
    // A handle moved from another task shows in the body.
    async_with!(timeout(ms(100)) as deadline => {
        let mover = deadline.clone();
        tokio::spawn(async move { mover.reschedule(t0 + ms(70)) }).await.unwrap();
        assert_eq!(current_deadline(), Some(t0 + ms(70)));
    });
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn c10_spawned_tasks_do_not_see_it_and_exits_inside_a_cut_body_do() {
    struct SeesDeadline(Log);
    #[async_context]
    impl SeesDeadline {
        async fn exit(&mut self, outcome: Outcome<'_>) {
            self.0.push(format!(
                "{}: {:?}",
                describe(&outcome),
                current_deadline().is_some()
            ));
        }
    }
    let log = Log::new();
    let result: Result<(), Elapsed> = async {
        async_with!(timeout(ms(100)) => {
            let spawned = tokio::spawn(async { current_deadline() }).await.unwrap();
            assert_eq!(spawned, None);
            async_with!(SeesDeadline(log.clone()) => { sleep(ms(1000)).await; });
        });
        Ok(())
    }
    .await;
    assert_eq!(result, Err(Elapsed));
    assert_eq!(log.events(), ["cancelled: true"]);
}

/// Trio: a nursery's children see the deadlines around the nursery.
#[tokio::test(start_paused = true)]
async fn c10_a_task_groups_tasks_see_the_deadlines_around_its_block_and_their_moves() {
    let start = Instant::now();
    let seen = Log::new();
    let result: Result<(), Elapsed> = async {
        async_with!(timeout(ms(1000)) as deadline, async_with::TaskGroup::<Elapsed>::new() as tasks => {
            let shorter = deadline.clone();
            for name in ["a", "b"] {
                let seen = seen.clone();
                let shorter = shorter.clone();
                tasks.spawn(async move {
                    let at = |d: Option<Instant>| d.map(|d| (d - start).as_millis());
                    seen.push(format!("{name}: {:?}", at(current_deadline())));
                    if name == "a" {
                        shorter.reschedule(start + ms(500));
                    }
                    sleep(ms(10)).await;
                    seen.push(format!("{name} later: {:?}", at(current_deadline())));
                    async_with!(timeout(ms(100)) => {
                        seen.push(format!("{name} nested: {:?}", at(current_deadline())));
                    });
                    async_with!(shield() => {
                        seen.push(format!("{name} shielded: {:?}", at(current_deadline())));
                    });
                    Ok(())
                });
            }
        });
        Ok(())
    }
    .await;
    assert_eq!(result, Ok(()));
    let mut events = seen.events();
    events.sort();
    assert_eq!(
        events,
        [
            "a later: Some(500)",
            "a nested: Some(110)",
            "a shielded: None",
            "a: Some(1000)",
            "b later: Some(500)",
            "b nested: Some(110)",
            "b shielded: None",
            "b: Some(500)",
        ]
    );
}

#[test]
fn c10_outside_any_runtime_and_any_block_there_is_no_deadline() {
    assert_eq!(current_deadline(), None);
    // A CancelScope needs no runtime; cancelled, its deadline has passed.
    futures::executor::block_on(async {
        async_with!(CancelScope::new() as scope => {
            assert_eq!(current_deadline(), None);
            scope.cancel();
            assert!(current_deadline().is_some());
        });
    });
}

// ---- Cancellation reasons (C11–C13)

#[derive(Debug, PartialEq, Clone)]
struct Shutdown {
    grace_ms: u64,
}

impl std::fmt::Display for Shutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "shutting down within {} ms", self.grace_ms)
    }
}

impl std::error::Error for Shutdown {}

/// Logs the reason its exit sees (`cancel_reason`), and whether it is a `Shutdown` or an
/// `Elapsed` (with its deadline, in ms since `start`).
struct Why(&'static str, Log, Instant);

#[async_context]
impl Why {
    async fn exit(&mut self, outcome: Outcome<'_>) {
        let reason = outcome.cancel_reason();
        let text = reason.map_or("none".to_string(), |r| r.to_string());
        let typed = match reason {
            Some(r) if r.is::<Shutdown>() => {
                format!(
                    " (Shutdown {})",
                    r.downcast_ref::<Shutdown>().unwrap().grace_ms
                )
            }
            Some(r) if r.is::<Elapsed>() => {
                let at = r.downcast_ref::<Elapsed>().unwrap().deadline().unwrap();
                format!(" (Elapsed at {})", (at - self.2).as_millis())
            }
            _ => String::new(),
        };
        self.1
            .push(format!("{}: {}: {text}{typed}", self.0, describe(&outcome)));
    }
}

/// Trio's `test_cancel_reason`, translated: the reason given to `cancel_with` is what the
/// cut body sees, at every depth, and what the scope keeps.
#[tokio::test(start_paused = true)]
async fn c11_exits_in_the_cut_body_see_the_reason_given_to_cancel_with() {
    let log = Log::new();
    let start = Instant::now();
    async fn deep(log: &Log, start: Instant) {
        async_with!(Why("deep", log.clone(), start) => { sleep(ms(10_000)).await; });
    }
    let scope = CancelScope::new();
    let handle = scope.handle();
    let canceller = scope.handle();
    tokio::spawn(async move {
        sleep(ms(100)).await;
        canceller.cancel_with(Shutdown { grace_ms: 500 });
    });
    async_with!(scope, Why("around", log.clone(), start) => {
        deep(&log, start).await;
    });
    assert!(handle.cancelled_caught());
    let kept = handle.cancel_reason().unwrap();
    assert_eq!(
        kept.downcast_ref::<Shutdown>(),
        Some(&Shutdown { grace_ms: 500 })
    );
    assert_eq!(
        log.events(),
        [
            "deep: cancelled: shutting down within 500 ms (Shutdown 500)",
            "around: cancelled: shutting down within 500 ms (Shutdown 500)",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn c11_a_reason_is_any_owned_error_a_string_or_a_box() {
    let log = Log::new();
    let start = Instant::now();
    let id = 7;
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(std::io::Error::other("eof"));
    for reason in [format!("client {id} left").into(), boxed] {
        async_with!(CancelScope::new() as scope, Why("block", log.clone(), start) => {
            scope.cancel_with(reason);
            tokio::task::yield_now().await;
        });
    }
    assert_eq!(
        log.events(),
        ["block: cancelled: client 7 left", "block: cancelled: eof"]
    );
}

/// Trio's `test_cancel_reason_not_overwritten`: the first cancel decides.
#[tokio::test(start_paused = true)]
async fn c12_the_first_cancel_decides_and_a_plain_cancel_gives_the_scopes_own_reason() {
    let log = Log::new();
    let start = Instant::now();
    async_with!(CancelScope::new() as scope, Why("plain", log.clone(), start) => {
        scope.cancel();
        scope.cancel_with(Shutdown { grace_ms: 1 }); // too late: already cancelled
        tokio::task::yield_now().await;
    });
    async_with!(CancelScope::new() as scope, Why("given", log.clone(), start) => {
        scope.cancel_with(Shutdown { grace_ms: 2 });
        scope.cancel(); // keeps the reason
        scope.cancel_with(Shutdown { grace_ms: 3 });
        tokio::task::yield_now().await;
    });
    assert_eq!(
        log.events(),
        [
            "plain: cancelled: cancelled by its scope's handle",
            "given: cancelled: shutting down within 2 ms (Shutdown 2)",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn c12_the_scope_that_takes_the_cut_gives_its_reason_and_a_scope_inside_a_shield_its_own() {
    let log = Log::new();
    let start = Instant::now();
    let outer = CancelScope::new();
    let outer_handle = outer.handle();
    async_with!(outer => {
        let inner = CancelScope::new();
        let inner_handle = inner.handle();
        async_with!(inner, Why("both", log.clone(), start) => {
            inner_handle.cancel_with(Shutdown { grace_ms: 1 });
            outer_handle.cancel_with(Shutdown { grace_ms: 2 });
            tokio::task::yield_now().await; // the outer one takes the cut (S20)
        });
    });
    async_with!(CancelScope::new() as outer => {
        outer.cancel_with(Shutdown { grace_ms: 3 });
        async_with!(shield(), CancelScope::new() as inner, Why("shielded", log.clone(), start) => {
            tokio::task::yield_now().await; // not cut by `outer`
            inner.cancel_with(Shutdown { grace_ms: 4 });
            tokio::task::yield_now().await; // cut by `inner`
        });
    });
    assert_eq!(
        log.events(),
        [
            "both: cancelled: shutting down within 2 ms (Shutdown 2)",
            "shielded: cancelled: shutting down within 4 ms (Shutdown 4)",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn c13_a_timeout_says_which_deadline_fired_to_the_cut_body_and_in_its_error() {
    let log = Log::new();
    let start = Instant::now();
    let inner_fired: Result<(), Elapsed> = async {
        async_with!(timeout(ms(1000)) => {
            async_with!(timeout(ms(300)), Why("inner", log.clone(), start) => {
                sleep(ms(10_000)).await;
            });
        });
        Ok(())
    }
    .await;
    let error = inner_fired.unwrap_err();
    assert_eq!(error, Elapsed); // compares as before
    assert_eq!(error.deadline(), Some(start + ms(300)));

    let start = Instant::now();
    let outer_fired: Result<(), Elapsed> = async {
        async_with!(timeout(ms(200)), Why("around", log.clone(), start) => {
            async_with!(timeout(ms(1000)) as inner => {
                inner.reschedule(start + ms(5000));
                sleep(ms(10_000)).await;
            });
        });
        Ok(())
    }
    .await;
    assert_eq!(outer_fired.unwrap_err().deadline(), Some(start + ms(200)));
    assert_eq!(
        log.events(),
        [
            "inner: cancelled: deadline has elapsed (Elapsed at 300)",
            "around: cancelled: deadline has elapsed (Elapsed at 200)",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn c13_a_rescheduled_deadline_is_the_one_named_and_the_constant_names_none() {
    let start = Instant::now();
    let result: Result<(), Elapsed> = async {
        async_with!(timeout(ms(100)) as deadline => {
            deadline.reschedule(start + ms(250));
            sleep(ms(10_000)).await;
        });
        Ok(())
    }
    .await;
    assert_eq!(result.unwrap_err().deadline(), Some(start + ms(250)));
    assert_eq!(Elapsed.deadline(), None);
    assert_eq!(Elapsed, Elapsed::default());
}

// ---- Task groups: cancel, supervise, keep every failure (C14–C16)

mod task_groups {
    use super::*;
    use async_with::{GroupClosed, TaskGroup};
    use async_with_tests::TestError;
    use std::convert::Infallible;

    fn fail(message: &str) -> Result<(), TestError> {
        Err(TestError(message.to_string()))
    }

    /// A task whose block (logged by `Step`) sleeps for `takes` ms, then logs `done`.
    fn sleeper<E: Send + 'static>(
        tasks: &mut TaskGroup<E>,
        name: &'static str,
        takes: u64,
        log: &Log,
        start: Instant,
    ) {
        let log = log.clone();
        tasks.spawn(async move {
            async_with!(step(name, &log, start) => { sleep(ms(takes)).await; });
            at(&log, start, &format!("{name} done"));
            Ok(())
        });
    }

    /// CPython 3.15's `TaskGroup.cancel()`: the unfinished tasks and the body are cut, and
    /// the group exits without an error; a finished task is not touched.
    #[tokio::test(start_paused = true)]
    async fn c14_cancel_cuts_the_tasks_and_the_body_and_the_group_ends_without_an_error() {
        let log = Log::new();
        let start = Instant::now();
        let value = async_with!(TaskGroup::<Infallible>::new() as tasks, Why("body", log.clone(), start) => {
            sleeper(tasks, "fast", 100, &log, start);
            sleeper(tasks, "slow", 10_000, &log, start);
            sleep(ms(200)).await;
            tasks.cancel();
            tasks.cancel(); // idempotent
            sleep(ms(10_000)).await;
            Some(1)
        });
        at(&log, start, "after the group");
        assert_eq!(value, None);
        let mut events = log.events();
        events[0..2].sort();
        events[4..6].sort(); // the body and the task are cut in either order
        assert_eq!(
            events,
            [
                "enter fast at 0",
                "enter slow at 0",
                "exit fast at 100: ok",
                "fast done at 100",
                "body: cancelled: the task group was cancelled",
                "exit slow at 200: cancelled",
                "after the group at 200",
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn c14_a_task_cancels_its_group_through_a_spawner() {
        let log = Log::new();
        let start = Instant::now();
        async_with!(TaskGroup::<Infallible>::new() as tasks => {
            sleeper(tasks, "server", 10_000, &log, start);
            let spawner = tasks.spawner();
            tasks.spawn(async move {
                sleep(ms(300)).await;
                spawner.cancel();
                Ok(())
            });
        });
        at(&log, start, "after the group");
        assert_eq!(
            log.events(),
            [
                "enter server at 0",
                "exit server at 300: cancelled",
                "after the group at 300"
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn c14_a_group_cancelled_before_its_block_is_cut_at_its_first_await() {
        let log = Log::new();
        let group = TaskGroup::<Infallible>::new();
        group.cancel();
        async_with!(group as tasks => {
            tasks.spawn(async { std::future::pending().await });
            log.push("body ran to its first await");
            tokio::task::yield_now().await;
            log.push("not reached");
        });
        assert_eq!(log.events(), ["body ran to its first await"]);
    }

    #[tokio::test(start_paused = true)]
    async fn c14_cancel_after_the_block_does_nothing_and_a_reused_group_starts_afresh() {
        let mut group = TaskGroup::<Infallible>::new();
        async_with!(&mut group as tasks => { tasks.cancel(); tokio::task::yield_now().await; });
        group.cancel(); // after its block: nothing
        let spawner = group.spawner();
        spawner.cancel(); // nothing either
        let mut ran = false;
        async_with!(&mut group => {
            tokio::task::yield_now().await;
            ran = true;
        });
        assert!(ran);
        assert_eq!(spawner.spawn(async { Ok(()) }), Err(GroupClosed));
    }

    #[tokio::test(start_paused = true)]
    async fn c14_a_task_failing_while_cancelled_still_fails_the_block() {
        // CPython: errors of the children cut by `cancel()` are still raised.
        struct FailsOnCut;
        #[async_context]
        impl FailsOnCut {
            async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
                if outcome.is_cancelled() {
                    fail("cleanup failed")
                } else {
                    Ok(())
                }
            }
        }
        let result: Result<(), TestError> = async {
            async_with!(TaskGroup::<TestError>::new() as tasks => {
                tasks.spawn(async {
                    async_with!(FailsOnCut => { std::future::pending::<()>().await; });
                    Ok(())
                });
                tokio::task::yield_now().await;
                tasks.cancel();
                tokio::task::yield_now().await;
            });
            Ok(())
        }
        .await;
        assert_eq!(result, Err(TestError("cleanup failed".into())));
    }

    /// Kotlin's `supervisorScope`: a child's failure cuts neither its siblings nor the
    /// body; the block fails with the first failure once every task ended.
    #[tokio::test(start_paused = true)]
    async fn c15_in_a_supervisor_group_a_failure_cuts_no_one_and_the_first_is_the_error() {
        let log = Log::new();
        let start = Instant::now();
        let group = TaskGroup::<TestError>::supervisor();
        let failures = group.failures();
        let result: Result<(), TestError> = async {
            async_with!(group as tasks => {
                tasks.spawn(async { sleep(ms(100)).await; fail("first") });
                tasks.spawn(async { sleep(ms(200)).await; fail("second") });
                sleeper(tasks, "sibling", 300, &log, start);
                sleep(ms(400)).await;
                at(&log, start, "body done");
            });
            Ok(())
        }
        .await;
        assert_eq!(result, Err(TestError("first".into())));
        assert_eq!(failures.take_others(), [TestError("second".into())]);
        assert_eq!(
            log.events(),
            [
                "enter sibling at 0",
                "exit sibling at 300: ok",
                "sibling done at 300",
                "body done at 400"
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn c15_a_supervisor_groups_body_failure_or_a_panic_still_cuts_every_task() {
        let log = Log::new();
        let start = Instant::now();
        let result: Result<(), TestError> = async {
            async_with!(TaskGroup::<TestError>::supervisor() as tasks => {
                sleeper(tasks, "task", 10_000, &log, start);
                sleep(ms(50)).await;
                fail("body")?;
            });
            Ok(())
        }
        .await;
        assert_eq!(result, Err(TestError("body".into())));
        let run = async {
            async_with!(TaskGroup::<TestError>::supervisor() as tasks => {
                sleeper(tasks, "sibling", 10_000, &log, start);
                tasks.spawn(async { sleep(ms(10)).await; panic!("task panicked") });
            });
            Ok::<(), TestError>(())
        };
        let panicked = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(run)).await;
        assert!(panicked.is_err());
        assert_eq!(
            log.events(),
            [
                "enter task at 0",
                "exit task at 50: cancelled",
                "enter sibling at 50",
                "exit sibling at 60: cancelled",
            ]
        );
    }

    /// CPython's `test_taskgroup_05`-style: several children fail at once; one is the
    /// block's error, the others are kept (Python's ExceptionGroup has them all).
    #[tokio::test(start_paused = true)]
    async fn c16_every_failure_is_kept_the_first_is_the_error_and_the_others_in_failures() {
        let group = TaskGroup::<TestError>::new();
        let failures = group.failures();
        let result: Result<(), TestError> = async {
            async_with!(group as tasks => {
                for name in ["a", "b", "c"] {
                    // All three fail at their first poll, before a cut can reach them (a
                    // cut comes at an await).
                    tasks.spawn(async move { fail(name) });
                }
                sleep(ms(1000)).await;
            });
            Ok(())
        }
        .await;
        let mut all = vec![result.unwrap_err().0];
        all.extend(failures.take_others().into_iter().map(|e| e.0));
        all.sort();
        assert_eq!(all, ["a", "b", "c"]);
        assert!(failures.take_others().is_empty()); // taken
    }

    #[tokio::test(start_paused = true)]
    async fn c16_when_the_body_fails_first_every_task_failure_is_in_failures() {
        struct FailsOnCut(&'static str);
        #[async_context]
        impl FailsOnCut {
            async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
                if outcome.is_cancelled() {
                    fail(self.0)
                } else {
                    Ok(())
                }
            }
        }
        let group = TaskGroup::<TestError>::new();
        let failures = group.failures();
        let result: Result<(), TestError> = async {
            async_with!(group as tasks => {
                for name in ["x", "y"] {
                    tasks.spawn(async move {
                        async_with!(FailsOnCut(name) => { std::future::pending::<()>().await; });
                        Ok(())
                    });
                }
                tokio::task::yield_now().await;
                fail("body")?;
            });
            Ok(())
        }
        .await;
        assert_eq!(result, Err(TestError("body".into())));
        let mut others: Vec<String> = failures.take_others().into_iter().map(|e| e.0).collect();
        others.sort();
        assert_eq!(others, ["x", "y"]);
    }
}
