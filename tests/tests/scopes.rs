//! SPEC §3b, S17–S23: scopes cut their body short while every exit still runs async.
//! On tokio's paused clock: times are exact and nothing really waits.

use async_with::{
    CancelScope, Elapsed, Outcome, TaskGroup, TimeoutHandle, async_context, async_with, suppress,
    timeout,
};
use async_with_tests::{Log, TestError, describe};
use std::convert::Infallible;
use std::time::Duration;
use tokio::time::{Instant, sleep};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A context whose exit awaits for `exit_takes` on the clock; logs the times it sees
/// (in ms since `start`), its outcome, and its `cancel`.
struct Slow {
    name: &'static str,
    log: Log,
    start: Instant,
    exit_takes: Duration,
}

impl Slow {
    fn new(name: &'static str, log: &Log, start: Instant, exit_takes: Duration) -> Self {
        Slow {
            name,
            log: log.clone(),
            start,
            exit_takes,
        }
    }

    fn at(&self) -> u128 {
        self.start.elapsed().as_millis()
    }
}

#[async_context]
impl Slow {
    async fn enter(&mut self) -> &'static str {
        self.log
            .push(format!("enter {} at {}", self.name, self.at()));
        self.name
    }

    async fn exit(&mut self, outcome: Outcome<'_>) {
        let seen = describe(&outcome);
        self.log
            .push(format!("exit {} at {}: {seen}", self.name, self.at()));
        sleep(self.exit_takes).await;
        self.log
            .push(format!("exit {} done at {}", self.name, self.at()));
    }

    fn cancel(&mut self) {
        self.log.push(format!("cancel {}", self.name));
    }
}

/// Logs its own drop: a local of the body.
struct Local(&'static str, Log);

impl Drop for Local {
    fn drop(&mut self) {
        self.1.push(format!("drop {}", self.0));
    }
}

/// Spawns tasks `a` and `b`, each a block (logged by `Slow`, its exit taking
/// `exit_takes`) whose body would sleep 10 s: a cut ends them sooner.
fn spawn_two_blocks<E: Send + 'static>(
    tasks: &mut TaskGroup<E>,
    log: &Log,
    start: Instant,
    exit_takes: Duration,
) {
    for name in ["a", "b"] {
        let log = log.clone();
        tasks.spawn(async move {
            async_with!(Slow::new(name, &log, start, exit_takes) => {
                sleep(ms(10_000)).await;
            });
            log.push(format!("task {name} not reached"));
            Ok(())
        });
    }
}

/// The log of [`spawn_two_blocks`]' tasks cut at `at` (ms): both exits start then and
/// finish `exit_takes` later, the two tasks in either order; then `after`.
fn assert_two_blocks_cut(log: &Log, at: u64, exit_takes: u64, after: &[&str]) {
    let mut events = log.events();
    events[2..4].sort();
    events[4..6].sort();
    let done = at + exit_takes;
    let mut expected = vec![
        "enter a at 0".to_string(),
        "enter b at 0".to_string(),
        format!("exit a at {at}: cancelled"),
        format!("exit b at {at}: cancelled"),
        format!("exit a done at {done}"),
        format!("exit b done at {done}"),
    ];
    expected.extend(after.iter().map(|line| line.to_string()));
    assert_eq!(events, expected);
}

#[tokio::test(start_paused = true)]
async fn s17_a_timeout_cuts_its_body_and_the_contexts_around_it_exit_after_seeing_elapsed() {
    async fn run(log: &Log, start: Instant) -> Result<(), BoxError> {
        async_with!(
            Slow::new("outer", log, start, ms(10)),
            timeout(ms(1000)),
            Slow::new("inner", log, start, ms(10)) => {
            let _local = Local("local", log.clone());
            log.push("body");
            sleep(ms(5000)).await;
            log.push("not reached");
        });
        log.push("not reached either");
        Ok(())
    }
    let log = Log::new();
    let start = Instant::now();
    let error = run(&log, start).await.unwrap_err();
    assert!(error.downcast_ref::<Elapsed>().is_some());
    assert_eq!(
        log.events(),
        [
            "enter outer at 0",
            "enter inner at 0",
            "body",
            "drop local",
            "exit inner at 1000: cancelled",
            "exit inner done at 1010",
            "exit outer at 1010: err(deadline has elapsed)",
            "exit outer done at 1020",
        ]
    );
    assert_eq!(start.elapsed(), ms(1020));
}

/// A transaction with a savepoint, as a library fn would write it: knows nothing of
/// timeouts.
async fn transfer(log: &Log, start: Instant) -> Result<u32, BoxError> {
    let n = async_with!(Slow::new("tx", log, start, ms(100)) => {
        async_with!(Slow::new("savepoint", log, start, ms(100)) => {
            log.push("working");
            sleep(ms(10_000)).await;
        });
        7
    });
    Ok(n)
}

#[tokio::test(start_paused = true)]
async fn s18_blocks_in_async_fns_the_body_awaits_exit_async_innermost_first() {
    async fn run(log: &Log, start: Instant) -> Result<u32, BoxError> {
        let n = async_with!(timeout(ms(1000)) => { transfer(log, start).await? });
        Ok(n)
    }
    let log = Log::new();
    let start = Instant::now();
    let error = run(&log, start).await.unwrap_err();
    assert!(error.downcast_ref::<Elapsed>().is_some());
    assert_eq!(
        log.events(),
        [
            "enter tx at 0",
            "enter savepoint at 0",
            "working",
            "exit savepoint at 1000: cancelled",
            "exit savepoint done at 1100",
            "exit tx at 1100: cancelled",
            "exit tx done at 1200",
        ]
    );
}

/// Its exit runs a block of its own, which awaits.
struct Nested {
    log: Log,
    start: Instant,
}

#[async_context]
impl Nested {
    async fn exit(&mut self, outcome: Outcome<'_>) {
        let (log, start) = (&self.log, self.start);
        log.push(format!("exit nested: {}", describe(&outcome)));
        async_with!(Slow::new("in exit", log, start, ms(50)) => {
            sleep(ms(500)).await;
            log.push("the block inside the exit finished its body");
        });
    }
}

#[tokio::test(start_paused = true)]
async fn s19_exits_are_never_cut_and_blocks_inside_them_are_not_cut() {
    async fn run(log: &Log, start: Instant) -> Result<(), Elapsed> {
        async_with!(timeout(ms(1000)), Nested { log: log.clone(), start } => {
            sleep(ms(5000)).await;
        });
        Ok(())
    }
    let log = Log::new();
    let start = Instant::now();
    assert_eq!(run(&log, start).await, Err(Elapsed));
    assert_eq!(
        log.events(),
        [
            "exit nested: cancelled",
            "enter in exit at 1000",
            "the block inside the exit finished its body",
            "exit in exit at 1500: ok",
            "exit in exit done at 1550",
        ]
    );
    assert_eq!(start.elapsed(), ms(1550));
}

#[tokio::test(start_paused = true)]
async fn s20_nested_scopes_each_cut_only_their_own_body() -> Result<(), Elapsed> {
    let log = Log::new();
    let start = Instant::now();
    async_with!(timeout(ms(10_000)) => {
        async_with!(suppress::<Elapsed>(), timeout(ms(1000)) => {
            sleep(ms(5000)).await;
            log.push("inner not reached");
        });
        log.push(format!("inner cut at {}", start.elapsed().as_millis()));
        sleep(ms(2000)).await;
        log.push(format!("outer body done at {}", start.elapsed().as_millis()));
    });
    // A deadline that passes after the body finished changes nothing.
    async_with!(timeout(ms(100)) => { sleep(ms(50)).await; });
    sleep(ms(200)).await;
    assert_eq!(
        log.events(),
        ["inner cut at 1000", "outer body done at 3000"]
    );
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn s21_dropping_the_block_during_a_cut_cancels_each_unexited_context_once() {
    let log = Log::new();
    let start = Instant::now();
    let block = async {
        async_with!(Slow::new("outer", &log, start, ms(100)), timeout(ms(1000)) => {
            async_with!(Slow::new("inner", &log, start, ms(100)) => {
                sleep(ms(5000)).await;
            });
        });
        Ok::<(), Elapsed>(())
    };
    // The inner exit starts at 1000 and would end at 1100: drop everything at 1050.
    assert!(tokio::time::timeout(ms(1050), block).await.is_err());
    assert_eq!(
        log.events(),
        [
            "enter outer at 0",
            "enter inner at 0",
            "exit inner at 1000: cancelled",
            "cancel inner",
            "cancel outer",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn s22_a_failed_task_cuts_its_siblings_and_the_body_and_surfaces() {
    async fn run(log: &Log, start: Instant) -> Result<(), TestError> {
        async_with!(TaskGroup::<TestError>::new() as tasks, Slow::new("inner", log, start, ms(10)) => {
            let sibling_log = log.clone();
            tasks.spawn(async move {
                let _local = Local("sibling", sibling_log);
                sleep(ms(10_000)).await;
                Ok(())
            });
            tasks.spawn(async {
                sleep(ms(300)).await;
                Err(TestError("task failed".into()))
            });
            sleep(ms(10_000)).await;
            log.push("body not reached");
        });
        Ok(())
    }
    let log = Log::new();
    let start = Instant::now();
    assert_eq!(run(&log, start).await, Err(TestError("task failed".into())));
    let events = log.events();
    // The sibling was cut when the task failed (its locals dropped), before the cut
    // body's exits ran.
    assert_eq!(
        events,
        [
            "enter inner at 0",
            "drop sibling",
            "exit inner at 300: cancelled",
            "exit inner done at 310",
        ]
    );
    assert_eq!(start.elapsed(), ms(310));
}

#[tokio::test(start_paused = true)]
async fn s22_a_task_panic_is_never_lost_also_when_the_body_failed() {
    async fn run() -> Result<(), TestError> {
        async_with!(TaskGroup::<TestError>::new() as tasks => {
            tasks.spawn(async {
                sleep(ms(100)).await;
                panic!("task panicked");
            });
            Err(TestError("body failed".into()))?;
        });
        Ok(())
    }
    // The body fails first (the task is cut then, before it panics) ...
    assert_eq!(run().await, Err(TestError("body failed".into())));

    // ... and a task that panics while the body runs cuts the body and resumes its panic.
    let log = Log::new();
    let start = Instant::now();
    let task_log = log.clone();
    let block = async move {
        async_with!(
            Slow::new("outer", &task_log, start, ms(10)),
            TaskGroup::<TestError>::new() as tasks => {
            tasks.spawn(async {
                sleep(ms(100)).await;
                panic!("task panicked");
            });
            sleep(ms(10_000)).await;
        });
        Ok::<(), TestError>(())
    };
    let panic = tokio::spawn(block).await.unwrap_err();
    assert!(panic.is_panic());
    let payload = panic.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"task panicked"));
    assert_eq!(
        log.events(),
        [
            "enter outer at 0",
            "exit outer at 100: panic(task panicked)",
            "exit outer done at 110",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn s22_every_task_is_awaited_and_none_outlives_the_block() -> Result<(), TestError> {
    let log = Log::new();
    let start = Instant::now();
    async_with!(TaskGroup::<TestError>::new() as tasks => {
        for i in 1..=3u64 {
            let log = log.clone();
            tasks.spawn(async move {
                sleep(ms(100 * i)).await;
                log.push(format!("task {i} done"));
                Ok(())
            });
        }
    });
    assert_eq!(start.elapsed(), ms(300));
    assert_eq!(log.events(), ["task 1 done", "task 2 done", "task 3 done"]);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn s23_a_cancel_scope_swallows_its_cut_from_another_task_and_code_after_runs() {
    let log = Log::new();
    let start = Instant::now();
    let scope = CancelScope::new();
    let handle = scope.handle();
    tokio::spawn(async move {
        sleep(ms(700)).await;
        handle.cancel();
    });
    async_with!(Slow::new("outer", &log, start, ms(10)), scope, Slow::new("inner", &log, start, ms(10)) => {
        sleep(ms(5000)).await;
    });
    log.push(format!(
        "after the block at {}",
        start.elapsed().as_millis()
    ));
    assert_eq!(
        log.events(),
        [
            "enter outer at 0",
            "enter inner at 0",
            "exit inner at 700: cancelled",
            "exit inner done at 710",
            // The scope swallowed its cut: the outer context sees nothing.
            "exit outer at 710: ok",
            "exit outer done at 720",
            "after the block at 720",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn s23_a_handle_cancelled_before_the_block_cuts_the_body_at_its_first_await() {
    let log = Log::new();
    let scope = CancelScope::new();
    scope.handle().cancel();
    let value = async_with!(scope as handle => {
        assert!(handle.is_cancelled());
        log.push("runs until its first await");
        sleep(ms(10)).await;
        log.push("not reached");
        Some(1)
    });
    assert_eq!(value, None);
    assert_eq!(log.events(), ["runs until its first await"]);
}

/// Its exit fails.
struct FailingExit;

#[async_context]
impl FailingExit {
    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), TestError> {
        sleep(ms(10)).await;
        Err(TestError("rollback failed".into()))
    }
}

#[tokio::test(start_paused = true)]
async fn s23_an_exit_that_fails_during_a_cut_is_not_lost() {
    async fn inner() -> Result<(), TestError> {
        async_with!(FailingExit => { sleep(ms(5000)).await; });
        Ok(())
    }
    async fn run() -> Result<(), BoxError> {
        async_with!(timeout(ms(1000)) => { inner().await?; });
        Ok(())
    }
    let error = run().await.unwrap_err();
    // The timeout fails with the exit's error rather than `Elapsed`.
    assert_eq!(
        error.downcast_ref::<TestError>(),
        Some(&TestError("rollback failed".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn a_block_with_a_scope_is_send_and_runs_on_another_task() {
    let log = Log::new();
    let start = Instant::now();
    let task_log = log.clone();
    let joined = tokio::spawn(async move {
        async_with!(timeout(ms(100)), Slow::new("inner", &task_log, start, ms(0)) => {
            sleep(ms(1000)).await;
        });
        Ok::<(), Elapsed>(())
    })
    .await
    .unwrap();
    assert_eq!(joined, Err(Elapsed));
    assert!(
        log.events()
            .contains(&"exit inner at 100: cancelled".to_string())
    );
}

#[tokio::test(start_paused = true)]
async fn s18_a_block_entered_in_a_loop_is_cut_whichever_turn_it_is_in() -> Result<(), Elapsed> {
    let log = Log::new();
    let start = Instant::now();
    let mut turns = 0;
    async_with!(suppress::<Elapsed>(), timeout(ms(1050)) => {
        loop {
            turns += 1;
            async_with!(Slow::new("turn", &log, start, ms(0)) => {
                sleep(ms(300)).await;
            });
        }
    });
    assert_eq!(turns, 4);
    let exits: Vec<_> = log
        .events()
        .into_iter()
        .filter(|e| e.starts_with("exit turn at"))
        .collect();
    assert_eq!(
        exits,
        [
            "exit turn at 300: ok",
            "exit turn at 600: ok",
            "exit turn at 900: ok",
            "exit turn at 1050: cancelled",
        ]
    );
    Ok(())
}

mod sqlite_timeout {
    use super::*;
    use async_with_tests::sqlite::{self, DbError, Transaction, insert};
    use sqlx::SqlitePool;

    #[derive(Debug)]
    enum AppError {
        Db,
        Timeout,
    }

    impl From<DbError> for AppError {
        fn from(_: DbError) -> Self {
            AppError::Db
        }
    }

    impl From<Elapsed> for AppError {
        fn from(_: Elapsed) -> Self {
            AppError::Timeout
        }
    }

    /// A transfer as a library writes it; it knows nothing of the timeout around it.
    async fn transfer(conn: &SqlitePool, log: &Log, stuck: Duration) -> Result<(), AppError> {
        let start = Instant::now();
        async_with!(Transaction::new(conn) as tx, Slow::new("observer", log, start, ms(0)) => {
            insert(tx, 1).await?;
            sleep(stuck).await; // e.g. waiting on a lock held elsewhere
            insert(tx, 2).await?;
        });
        Ok(())
    }

    /// On the real clock: SQLite answers from its own thread (sqlx's worker).
    #[tokio::test]
    async fn s18_a_timeout_rolls_back_a_real_transaction_by_its_async_exit() -> Result<(), DbError>
    {
        let conn = sqlite::memory().await?;
        let log = Log::new();

        let timed_out = async {
            async_with!(timeout(ms(200)) => { transfer(&conn, &log, Duration::from_secs(30)).await? });
            Ok::<(), AppError>(())
        }
        .await;
        assert!(matches!(timed_out, Err(AppError::Timeout)));
        // The transaction's own async exit rolled back: it saw the cut (its observer did),
        // and no `cancel` hook ran.
        let events = log.events();
        assert!(
            events
                .iter()
                .any(|e| e.starts_with("exit observer at") && e.ends_with("cancelled"))
        );
        assert!(!events.iter().any(|e| e.starts_with("cancel")));
        assert_eq!(sqlite::values(&conn).await?, Vec::<i64>::new());

        // A transfer that beats the deadline commits.
        let done = async {
            async_with!(timeout(Duration::from_secs(10)) => { transfer(&conn, &log, ms(1)).await? });
            Ok::<(), AppError>(())
        }
        .await;
        assert!(done.is_ok());
        assert_eq!(sqlite::values(&conn).await?, [1, 2]);
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn s17_suppress_elapsed_around_a_timeout_moves_on_in_a_fn_that_returns_nothing() {
    let log = Log::new();
    let start = Instant::now();
    // No `Result` anywhere: the suppressed `Elapsed` never leaves the function.
    async fn poll_sensor(log: &Log, start: Instant) {
        async_with!(suppress::<Elapsed>(), timeout(ms(1000)), Slow::new("sensor", log, start, ms(0)) => {
            sleep(ms(5000)).await;
        });
        log.push(format!("moved on at {}", start.elapsed().as_millis()));
    }
    poll_sensor(&log, start).await;
    assert_eq!(
        log.events(),
        [
            "enter sensor at 0",
            "exit sensor at 1000: cancelled",
            "exit sensor done at 1000",
            "moved on at 1000",
        ]
    );
}

// Rules Trio's cancel scopes and `asyncio.timeout` share, checked the same way here.

#[tokio::test(start_paused = true)]
async fn s20_a_zero_timeout_cuts_only_at_an_await_a_body_without_one_completes() {
    async fn no_await() -> Result<u32, Elapsed> {
        Ok(async_with!(timeout(Duration::ZERO) => { 5 }))
    }
    async fn one_await(log: &Log) -> Result<u32, Elapsed> {
        Ok(async_with!(timeout(Duration::ZERO) => {
            log.push("runs until its first await");
            tokio::task::yield_now().await;
            log.push("not reached");
            5
        }))
    }
    // `asyncio.timeout(0)` and Trio's `fail_after(0)` around a body with no await.
    assert_eq!(no_await().await, Ok(5));
    let log = Log::new();
    assert_eq!(one_await(&log).await, Err(Elapsed));
    assert_eq!(log.events(), ["runs until its first await"]);
}

#[tokio::test(start_paused = true)]
async fn s23_a_scope_cancelled_from_its_own_body_cuts_at_the_next_await_only() {
    let log = Log::new();
    let scope = CancelScope::new();
    let cut = async_with!(scope as handle => {
        handle.cancel();
        log.push("after cancel");
        tokio::task::yield_now().await;
        log.push("not reached");
        Some(1)
    });
    assert_eq!(cut, None);
    assert_eq!(log.events(), ["after cancel"]);
    // With no await after the cancel, nothing is cut (Trio: `cancelled_caught` stays false).
    let scope = CancelScope::new();
    let whole = async_with!(scope as handle => {
        handle.cancel();
        Some(2)
    });
    assert_eq!(whole, Some(2));
}

#[tokio::test(start_paused = true)]
async fn s20_a_cancel_after_the_block_ended_changes_nothing() {
    let scope = CancelScope::new();
    let handle = scope.handle();
    let value = async_with!(scope => { Some(1) });
    handle.cancel();
    tokio::task::yield_now().await;
    assert_eq!(value, Some(1));
    assert!(handle.is_cancelled());
}

#[tokio::test(start_paused = true)]
async fn s18_blocks_in_join_and_select_branches_exit_async_when_cut() {
    async fn joined(log: &Log, start: Instant) -> Result<u32, Elapsed> {
        Ok(async_with!(timeout(ms(10)) => {
            let (a, b) = tokio::join!(
                async { async_with!(Slow::new("a", log, start, ms(10)) => { sleep(ms(50)).await; 1 }) },
                async { async_with!(Slow::new("b", log, start, ms(10)) => { sleep(ms(50)).await; 2 }) },
            );
            a + b
        }))
    }
    async fn selected(log: &Log, start: Instant) -> Result<u32, Elapsed> {
        Ok(async_with!(timeout(ms(10)) => {
            tokio::select! {
                value = async { async_with!(Slow::new("branch", log, start, ms(10)) => { sleep(ms(50)).await; 1 }) } => value,
                () = std::future::pending() => 2,
            }
        }))
    }
    let log = Log::new();
    assert_eq!(joined(&log, Instant::now()).await, Err(Elapsed));
    let mut events = log.events();
    // Both exits start in the cut's first poll and finish together, each pair in
    // whichever order `join!` polls them (it rotates its first branch).
    events[2..4].sort();
    events[4..].sort();
    assert_eq!(
        events,
        [
            "enter a at 0",
            "enter b at 0",
            "exit a at 10: cancelled",
            "exit b at 10: cancelled",
            "exit a done at 20",
            "exit b done at 20"
        ]
    );
    let log = Log::new();
    assert_eq!(selected(&log, Instant::now()).await, Err(Elapsed));
    assert_eq!(
        log.events(),
        [
            "enter branch at 0",
            "exit branch at 10: cancelled",
            "exit branch done at 20"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn s20_an_outer_cancel_scope_cuts_through_an_inner_timeout() {
    let log = Log::new();
    let start = Instant::now();
    let scope = CancelScope::new();
    let handle = scope.handle();
    tokio::spawn(async move {
        sleep(ms(10)).await;
        handle.cancel();
    });
    async fn inner(log: &Log, start: Instant) -> Result<(), Elapsed> {
        async_with!(timeout(ms(100)), Slow::new("inner", log, start, ms(10)) => {
            sleep(ms(50)).await;
            log.push("not reached");
        });
        Ok(())
    }
    async_with!(Slow::new("outer", &log, start, ms(10)), scope => {
        let inner = inner(&log, start).await;
        log.push(format!("not reached either: {inner:?}"));
    });
    // The inner timeout saw a cancellation, not its own deadline: it does not turn it
    // into `Elapsed`; the outer scope swallows its cut, so the outer context sees ok.
    assert_eq!(
        log.events(),
        [
            "enter outer at 0",
            "enter inner at 0",
            "exit inner at 10: cancelled",
            "exit inner done at 20",
            "exit outer at 20: ok",
            "exit outer done at 30"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn s17_an_optional_scope_cuts_when_it_is_some_and_never_when_none() {
    async fn fetch(deadline: Option<Duration>, log: &Log) -> Result<u32, Elapsed> {
        async_with!(deadline.map(timeout), Slow::new("fetch", log, Instant::now(), ms(10)) => {
            sleep(ms(500)).await;
        });
        Ok(1)
    }
    let log = Log::new();
    assert_eq!(fetch(Some(ms(100)), &log).await, Err(Elapsed));
    assert_eq!(
        log.events(),
        [
            "enter fetch at 0",
            "exit fetch at 100: cancelled",
            "exit fetch done at 110"
        ]
    );
    let log = Log::new();
    assert_eq!(fetch(None, &log).await, Ok(1));
    assert_eq!(
        log.events(),
        [
            "enter fetch at 0",
            "exit fetch at 500: ok",
            "exit fetch done at 510"
        ]
    );

    // An optional cancel scope swallows its own cut, as the scope does.
    let scope = CancelScope::new();
    scope.handle().cancel();
    let cut = async_with!(Some(scope) => {
        sleep(ms(10)).await;
        Some(1)
    });
    assert_eq!(cut, None);
}

#[tokio::test(start_paused = true)]
async fn s17_a_timeout_counts_from_its_block_not_from_when_it_was_made() {
    // `asyncio.timeout(d)` counts from `__aenter__`.
    let start = Instant::now();
    let deadline = timeout(ms(100));
    sleep(ms(50)).await;
    let cut: Result<(), Elapsed> = async {
        async_with!(deadline => { sleep(ms(1000)).await; });
        Ok(())
    }
    .await;
    assert_eq!(cut, Err(Elapsed));
    assert_eq!(start.elapsed(), ms(150));
    // `timeout_at` keeps its instant.
    let start = Instant::now();
    let deadline = async_with::timeout_at(start + ms(100));
    sleep(ms(50)).await;
    let cut: Result<(), Elapsed> = async {
        async_with!(deadline => { sleep(ms(1000)).await; });
        Ok(())
    }
    .await;
    assert_eq!(cut, Err(Elapsed));
    assert_eq!(start.elapsed(), ms(100));
}

#[tokio::test(start_paused = true)]
async fn s22_the_other_tasks_are_cut_so_their_blocks_exit_async() {
    // Python's TaskGroup cancels the other tasks, which unwind through their
    // `async with`: here their blocks are cut, and their exits run and await.
    async fn run(log: &Log, start: Instant, body_fails: bool) -> Result<(), TestError> {
        async_with!(TaskGroup::<TestError>::new() as tasks => {
            spawn_two_blocks(tasks, log, start, ms(20));
            if body_fails {
                sleep(ms(300)).await;
                Err(TestError("body failed".into()))?;
            } else {
                tasks.spawn(async {
                    sleep(ms(300)).await;
                    Err(TestError("task failed".into()))
                });
                sleep(ms(10_000)).await;
            }
        });
        Ok(())
    }
    for (body_fails, error) in [(false, "task failed"), (true, "body failed")] {
        let log = Log::new();
        let start = Instant::now();
        assert_eq!(
            run(&log, start, body_fails).await,
            Err(TestError(error.into()))
        );
        assert_two_blocks_cut(&log, 300, 20, &[]);
        // The group's exit waited for the tasks' exits.
        assert_eq!(start.elapsed(), ms(320));
    }
}

#[tokio::test(start_paused = true)]
async fn s22_a_scope_around_a_task_group_cuts_the_tasks_its_exit_waits_for() {
    // CPython's `test_timeout_taskgroup` and Trio's `move_on_after` around a nursery: the
    // body has ended and the group's exit is waiting for its tasks when the deadline
    // passes; the tasks are cut (their blocks exit async), the group's exit returns, and
    // the timeout fails with `Elapsed` at once, not when the tasks would have finished.
    async fn run(log: &Log, start: Instant, same_block: bool) -> Result<(), Elapsed> {
        if same_block {
            async_with!(timeout(ms(1000)), TaskGroup::<Elapsed>::new() as tasks => {
                spawn_two_blocks(tasks, log, start, ms(20));
            });
        } else {
            async_with!(timeout(ms(1000)) => {
                async_with!(TaskGroup::<Elapsed>::new() as tasks => {
                    spawn_two_blocks(tasks, log, start, ms(20));
                });
                log.push("after the group: not reached");
                sleep(ms(10)).await;
            });
        }
        log.push("after the timeout: not reached");
        Ok(())
    }
    for same_block in [true, false] {
        let log = Log::new();
        let start = Instant::now();
        assert_eq!(run(&log, start, same_block).await, Err(Elapsed));
        assert_two_blocks_cut(&log, 1000, 20, &[]);
        assert_eq!(start.elapsed(), ms(1020));
    }
}

#[tokio::test(start_paused = true)]
async fn s22_a_task_cancels_the_scope_around_its_group_and_every_task_ends() {
    // Trio's `nursery.cancel_scope.cancel()` from a child: a server whose tasks run until
    // one of them decides to stop them all. The scope swallows its cut.
    let log = Log::new();
    let start = Instant::now();
    let scope = CancelScope::new();
    async_with!(scope as handle, TaskGroup::<Infallible>::new() as tasks => {
        spawn_two_blocks(tasks, &log, start, ms(5));
        tasks.spawn(async move {
            sleep(ms(300)).await;
            handle.cancel();
            Ok(())
        });
    });
    log.push(format!(
        "after the scope at {}",
        start.elapsed().as_millis()
    ));
    assert_two_blocks_cut(&log, 300, 5, &["after the scope at 305"]);
}

#[tokio::test(start_paused = true)]
async fn s19_a_block_whose_exit_is_running_when_the_cut_comes_ends_the_cut_body_there() {
    // The exit finishes (exits are never cut), and the cut body is dropped at that await:
    // the code after the block does not run. A failed block's error still rises (S23).
    async fn run(log: &Log, start: Instant, body_fails: bool) -> Result<(), BoxError> {
        async_with!(timeout(ms(1000)) => {
            async_with!(Slow::new("slow exit", log, start, ms(500)) => {
                sleep(ms(800)).await;
                if body_fails {
                    Err(TestError("body failed".into()))?;
                }
            });
            log.push("after the block: not reached");
            sleep(ms(10)).await;
        });
        Ok(())
    }
    let log = Log::new();
    let start = Instant::now();
    let error = run(&log, start, false).await.unwrap_err();
    assert!(error.is::<Elapsed>(), "{error}");
    assert_eq!(
        log.events(),
        [
            "enter slow exit at 0",
            "exit slow exit at 800: ok",
            "exit slow exit done at 1300",
        ]
    );
    assert_eq!(start.elapsed(), ms(1300));

    let log = Log::new();
    let start = Instant::now();
    let error = run(&log, start, true).await.unwrap_err();
    assert_eq!(error.to_string(), "body failed");
    assert_eq!(
        log.events(),
        [
            "enter slow exit at 0",
            "exit slow exit at 800: err(body failed)",
            "exit slow exit done at 1300",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn s20_scopes_that_fire_in_the_same_poll_the_outermost_takes_the_cut() {
    // Trio's `test_cancel_scope_nesting`: the inner and the outer scope are both cancelled;
    // the outer one takes the cut (the inner block is cut as any block in the outer body,
    // its exit seeing a cancellation), so the code after the inner block does not run.
    let log = Log::new();
    let start = Instant::now();
    let (outer, inner) = (CancelScope::new(), CancelScope::new());
    let (outer_handle, inner_handle) = (outer.handle(), inner.handle());
    let value = async_with!(outer => {
        let inner_value = async_with!(inner, Slow::new("in inner", &log, start, ms(5)) => {
            inner_handle.cancel();
            outer_handle.cancel();
            sleep(ms(10)).await;
            Some(1)
        });
        log.push(format!("after the inner block: {inner_value:?}"));
        sleep(ms(10)).await;
        Some(2)
    });
    assert_eq!(value, None);
    // Trio's own assertions: both were cancelled; the outer one caught it.
    assert!(outer_handle.is_cancelled() && inner_handle.is_cancelled());
    assert!(outer_handle.cancelled_caught());
    assert!(!inner_handle.cancelled_caught());
    assert_eq!(
        log.events(),
        [
            "enter in inner at 0",
            "exit in inner at 0: cancelled",
            "exit in inner done at 5"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn s20_nested_timeouts_with_one_deadline_the_outer_one_fails_and_both_expired() {
    // CPython's `test_nested_timeouts`: only the topmost timeout raises, both expired.
    let deadline = Instant::now() + ms(10);
    let mut handles = Vec::new();
    let mut after_inner = false;
    let result: Result<(), Elapsed> = async {
        async_with!(async_with::timeout_at(deadline) as outer => {
            handles.push(outer);
            let inner_result: Result<(), Elapsed> = async {
                async_with!(async_with::timeout_at(deadline) as inner => {
                    handles.push(inner);
                    sleep(ms(10_000)).await;
                });
                Ok(())
            }
            .await;
            after_inner = true;
            inner_result?;
        });
        Ok(())
    }
    .await;
    assert_eq!(result, Err(Elapsed));
    assert!(!after_inner, "the inner timeout took the cut");
    assert!(handles.iter().all(TimeoutHandle::expired));
}

#[tokio::test(start_paused = true)]
async fn s17_a_scope_around_a_generators_hand_off_cuts_the_block_it_is_used_in() {
    // Python's `async with asyncio.timeout(d): yield` in an `@asynccontextmanager`.
    use async_with::{Generator, Handoff, generator};
    fn session(log: &Log, start: Instant) -> Generator<'static, (), Elapsed> {
        let log = log.clone();
        generator(move |h: Handoff<()>| async move {
            log.push("session opens");
            let done = async_with!(timeout(ms(100)) => {
                let ended = h.give(()).await;
                log.push("not reached: the hand-off was cut");
                ended.propagate()
            });
            log.push(format!(
                "not reached either at {}",
                start.elapsed().as_millis()
            ));
            Ok(done)
        })
    }
    async fn work(log: &Log, start: Instant) -> Result<(), Elapsed> {
        async_with!(session(log, start), Slow::new("inner", log, start, ms(10)) => {
            sleep(ms(5_000)).await;
            log.push("body not reached");
        });
        Ok(())
    }
    let log = Log::new();
    let start = Instant::now();
    assert_eq!(work(&log, start).await, Err(Elapsed));
    assert_eq!(
        log.events(),
        [
            "session opens",
            "enter inner at 0",
            "exit inner at 100: cancelled",
            "exit inner done at 110",
        ]
    );
    assert_eq!(start.elapsed(), ms(110));
}

#[tokio::test(start_paused = true)]
async fn s23_a_generator_that_panics_after_its_hand_off_was_cut_panics_after_the_exits() {
    use async_with::{Generator, Handoff, generator};
    fn session() -> Generator<'static, (), Elapsed> {
        generator(|h: Handoff<()>| async move {
            let cut: Result<_, Elapsed> =
                async { Ok(async_with!(timeout(ms(100)) => { h.give(()).await.propagate() })) }
                    .await;
            match cut {
                Ok(done) => Ok(done),
                Err(_) => panic!("teardown after the deadline failed"),
            }
        })
    }
    let log = Log::new();
    let start = Instant::now();
    let task_log = log.clone();
    let joined = tokio::spawn(async move {
        async_with!(session(), Slow::new("inner", &task_log, start, ms(10)) => {
            sleep(ms(5_000)).await;
        });
        Ok::<(), Elapsed>(())
    })
    .await;
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"teardown after the deadline failed")
    );
    assert_eq!(
        log.events(),
        [
            "enter inner at 0",
            "exit inner at 100: cancelled",
            "exit inner done at 110",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn s17_a_timeouts_handle_moves_its_deadline_as_asyncio_reschedule_does() {
    async fn cut_at(body: impl AsyncFnOnce(TimeoutHandle)) -> (Result<(), Elapsed>, Duration) {
        let start = Instant::now();
        let result = async {
            async_with!(timeout(ms(1000)) as deadline => {
                body(deadline).await;
                sleep(ms(10_000)).await;
            });
            Ok(())
        }
        .await;
        (result, start.elapsed())
    }
    // Later, then earlier.
    let start = Instant::now();
    let later = cut_at(async |deadline| {
        assert_eq!(deadline.deadline(), Some(start + ms(1000)));
        deadline.reschedule(start + ms(3000));
        assert_eq!(deadline.deadline(), Some(start + ms(3000)));
    });
    assert_eq!(later.await, (Err(Elapsed), ms(3000)));
    let earlier = cut_at(async |deadline| deadline.reschedule(Instant::now() + ms(10)));
    assert_eq!(earlier.await, (Err(Elapsed), ms(10)));
    // From another task, while the body sleeps: the block is woken.
    let other_task = cut_at(async |deadline| {
        tokio::spawn(async move {
            sleep(ms(200)).await;
            deadline.reschedule(Instant::now() + ms(100));
        });
    });
    assert_eq!(other_task.await, (Err(Elapsed), ms(300)));
    // A deadline already passed cuts at the next await, not before.
    let passed = cut_at(async |deadline| {
        sleep(ms(500)).await;
        deadline.reschedule(Instant::now() - ms(100));
    });
    assert_eq!(passed.await, (Err(Elapsed), ms(500)));
    // No deadline: the body runs to its end.
    let never = cut_at(async |deadline| {
        deadline.reschedule(None);
        assert_eq!(deadline.deadline(), None);
    });
    assert_eq!(never.await, (Ok(()), ms(10_000)));
    // Taken away, then given back.
    let back = cut_at(async |deadline| {
        deadline.reschedule(None);
        sleep(ms(2000)).await;
        deadline.reschedule(Instant::now() + ms(100));
    });
    assert_eq!(back.await, (Err(Elapsed), ms(2100)));
}

#[tokio::test(start_paused = true)]
async fn s17_a_duration_past_the_clocks_range_is_no_limit() -> Result<(), Elapsed> {
    // `asyncio.timeout(None)`, Trio's `move_on_after(math.inf)`: never a panic.
    let start = Instant::now();
    let n = async_with!(timeout(Duration::MAX) as deadline => {
        assert_eq!(deadline.deadline(), None);
        sleep(Duration::from_secs(86_400 * 365)).await;
        7
    });
    assert_eq!(n, 7);
    assert_eq!(start.elapsed(), Duration::from_secs(86_400 * 365));
    // Far off but in range (past what tokio's timer holds): the handle says when, and a
    // deadline moved far off and then back is followed.
    let far = Duration::from_secs(86_400 * 365 * 1_000);
    let start = Instant::now();
    let moved_back = async {
        async_with!(timeout(far) as deadline => {
            assert_eq!(deadline.deadline(), Some(start + far));
            sleep(ms(10)).await;
            deadline.reschedule(Instant::now() + far);
            sleep(ms(10)).await;
            deadline.reschedule(Instant::now() + ms(5));
            sleep(ms(1_000)).await;
        });
        Ok::<_, Elapsed>(())
    }
    .await;
    assert_eq!(moved_back, Err(Elapsed));
    assert_eq!(start.elapsed(), ms(25));
    Ok(())
}

#[test]
#[should_panic(expected = "`async_with::timeout` needs a running tokio runtime")]
fn s17_a_timeout_outside_a_tokio_runtime_panics_saying_so() {
    futures::executor::block_on(async {
        async_with!(timeout(ms(10)) => {});
        Ok::<_, Elapsed>(())
    })
    .unwrap();
}

#[tokio::test(start_paused = true)]
async fn s17_a_timeouts_handle_says_whether_it_cut_the_body() -> Result<(), Elapsed> {
    // Python's `Timeout.expired()`, Trio's `cancelled_caught`.
    let mut kept = None;
    async_with!(timeout(ms(1000)) as deadline => {
        kept = Some(deadline);
        sleep(ms(500)).await;
    });
    let finished = kept.take().unwrap();
    assert!(!finished.expired());
    // Moving it after its block ended changes nothing.
    finished.reschedule(Instant::now());
    sleep(ms(1)).await;
    assert!(!finished.expired());

    async_with!(suppress::<Elapsed>(), timeout(ms(1000)) as deadline => {
        kept = Some(deadline.clone());
        assert!(!deadline.expired());
        sleep(ms(5000)).await;
    });
    assert!(kept.unwrap().expired());
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn s22_a_failure_cuts_the_tasks_of_a_group_nested_in_a_sibling_task() {
    // Trio's nested nurseries: the inner group's body has ended and its exit waits for
    // its tasks when a task of the outer group fails; the inner tasks are cut too.
    let log = Log::new();
    let start = Instant::now();
    let result: Result<(), TestError> = async {
        async_with!(TaskGroup::<TestError>::new() as outer => {
            let inner_log = log.clone();
            outer.spawn(async move {
                async_with!(TaskGroup::<TestError>::new() as inner => {
                    spawn_two_blocks(inner, &inner_log, start, ms(20));
                });
                inner_log.push("after the inner group: not reached");
                Ok(())
            });
            outer.spawn(async {
                sleep(ms(300)).await;
                Err(TestError("task failed".into()))
            });
        });
        Ok(())
    }
    .await;
    assert_eq!(result, Err(TestError("task failed".into())));
    assert_two_blocks_cut(&log, 300, 20, &[]);
    assert_eq!(start.elapsed(), ms(320));
}

#[tokio::test]
async fn s17_a_deadline_that_has_passed_cuts_at_the_next_await_on_a_real_clock() {
    // CPython's `test_timeout_zero_sleep_zero`, Trio's `move_on_at(current_time())`
    // around `sleep(0)`: tokio's timer rounds deadlines up to a millisecond, so this is
    // checked on the real clock, where that rounding shows.
    async fn zero(at_yield: bool, reached: &mut u32) -> Result<(), Elapsed> {
        async_with!(timeout(Duration::ZERO) => {
            if at_yield {
                tokio::task::yield_now().await;
            } else {
                sleep(Duration::ZERO).await;
            }
            *reached += 1;
        });
        Ok(())
    }
    let mut reached = 0;
    for at_yield in [true, false] {
        for _ in 0..10 {
            assert_eq!(zero(at_yield, &mut reached).await, Err(Elapsed));
        }
    }
    let moved: Result<(), Elapsed> = async {
        async_with!(timeout(Duration::from_secs(60)) as deadline => {
            deadline.reschedule(Instant::now());
            tokio::task::yield_now().await;
            reached += 1;
        });
        Ok(())
    }
    .await;
    assert_eq!(moved, Err(Elapsed));
    assert_eq!(reached, 0);
}

#[tokio::test(start_paused = true)]
async fn s22_tasks_spawn_tasks_and_the_exit_waits_for_them_all() {
    // asyncio's tasks calling `tg.create_task`, Trio's children given the nursery.
    let log = Log::new();
    let start = Instant::now();
    let result: Result<(), TestError> = async {
        async_with!(TaskGroup::<TestError>::new() as tasks => {
            let spawner = tasks.spawner();
            let task_log = log.clone();
            tasks.spawn(async move {
                sleep(ms(100)).await;
                // Spawned while the group's exit waits: it waits for this one too.
                let late_log = task_log.clone();
                spawner
                    .spawn(async move {
                        sleep(ms(200)).await;
                        late_log.push(format!("late task done at {}", start.elapsed().as_millis()));
                        Ok(())
                    })
                    .expect("the group is open");
                Ok(())
            });
        });
        log.push(format!("group ended at {}", start.elapsed().as_millis()));
        Ok(())
    }
    .await;
    assert_eq!(result, Ok(()));
    assert_eq!(
        log.events(),
        ["late task done at 300", "group ended at 300"]
    );
}

#[tokio::test(start_paused = true)]
async fn s22_a_failure_of_a_task_spawned_by_a_task_cuts_the_group() {
    let log = Log::new();
    let start = Instant::now();
    let result: Result<(), TestError> = async {
        async_with!(TaskGroup::<TestError>::new() as tasks => {
            spawn_two_blocks(tasks, &log, start, ms(20));
            let spawner = tasks.spawner();
            tasks.spawn(async move {
                let _ = spawner.spawn(async {
                    sleep(ms(300)).await;
                    Err(TestError("grandchild failed".into()))
                });
                Ok(())
            });
            sleep(ms(10_000)).await;
        });
        Ok(())
    }
    .await;
    assert_eq!(result, Err(TestError("grandchild failed".into())));
    assert_two_blocks_cut(&log, 300, 20, &[]);
}

#[tokio::test(start_paused = true)]
async fn s22_a_task_spawned_while_the_group_is_cut_is_cut_at_its_first_await() {
    // Trio's `test_precancelled_task`: it runs to its first await, then its blocks exit.
    let log = Log::new();
    let start = Instant::now();
    let scope = CancelScope::new();
    let handle = scope.handle();
    async_with!(scope, TaskGroup::<Infallible>::new() as tasks => {
        handle.cancel();
        let task_log = log.clone();
        tasks.spawn(async move {
            async_with!(Slow::new("late", &task_log, start, ms(5)) => {
                task_log.push("late task started");
                sleep(ms(10_000)).await;
            });
            Ok(())
        });
    });
    assert_eq!(
        log.events(),
        [
            "enter late at 0",
            "late task started",
            "exit late at 0: cancelled",
            "exit late done at 5"
        ]
    );
    assert!(handle.cancelled_caught());
}

#[tokio::test(start_paused = true)]
async fn s22_a_spawner_kept_after_the_block_finds_the_group_closed() {
    // asyncio's `test_taskgroup_finished`: the task is dropped without running.
    let log = Log::new();
    let mut kept = None;
    async_with!(TaskGroup::<Infallible>::new() as tasks => {
        kept = Some(tasks.spawner());
    });
    let never = Local("never run", log.clone());
    let spawned = kept.unwrap().spawn(async move {
        let _never = never;
        unreachable!("a closed group runs nothing");
    });
    assert_eq!(spawned, Err(async_with::GroupClosed));
    assert_eq!(log.events(), ["drop never run"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s22_a_spawner_spawns_from_a_thread_outside_the_runtime() {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    async_with!(TaskGroup::<Infallible>::new() as tasks => {
        let spawner = tasks.spawner();
        let counted = done.clone();
        std::thread::spawn(move || {
            for _ in 0..3 {
                let counted = counted.clone();
                spawner
                    .spawn(async move {
                        tokio::task::yield_now().await;
                        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        Ok(())
                    })
                    .unwrap();
            }
        })
        .join()
        .unwrap();
    });
    assert_eq!(done.load(std::sync::atomic::Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn s23_a_task_failing_in_its_cleanup_when_a_timeout_cuts_the_group_is_the_error() {
    // CPython's `test_timeout_taskgroup`: a task's cleanup crashes when the timeout
    // cancels it, and that error — not the timeout — leaves the block. Whether the cut
    // comes while the body runs or while the group's exit waits.
    async fn run(body_waits: bool) -> Result<(), BoxError> {
        async_with!(timeout(ms(100)), TaskGroup::<TestError>::new() as tasks => {
            tasks.spawn(async {
                async_with!(FailingExit => { sleep(ms(2000)).await; });
                Ok(())
            });
            if body_waits {
                sleep(ms(1000)).await;
            }
        });
        Ok(())
    }
    for body_waits in [false, true] {
        let start = Instant::now();
        let error = run(body_waits).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "rollback failed",
            "body waits: {body_waits}"
        );
        // The cut at 100, then the task's failing exit, which takes 10.
        assert_eq!(start.elapsed(), ms(110));
    }
}

#[tokio::test(start_paused = true)]
async fn s23_a_cleanup_error_during_the_groups_cut_does_not_replace_the_childs_failure() {
    // CPython's TaskGroup: a child fails and the group cancels its body, whose inner
    // `async with` fails in its `__aexit__`; the group raises the child's error, the
    // first failure. The inner exit's error still reaches the contexts inside the group
    // (S9, S10), but not the block's caller.
    async fn run(log: &Log, start: Instant) -> Result<(), TestError> {
        async_with!(Slow::new("outer", log, start, ms(10)), TaskGroup::<TestError>::new() as tasks => {
            tasks.spawn(async {
                sleep(ms(300)).await;
                Err(TestError("task failed".into()))
            });
            async_with!(Slow::new("inner", log, start, ms(10)), FailingExit => {
                sleep(ms(10_000)).await;
            });
            log.push("body not reached");
        });
        Ok(())
    }
    let log = Log::new();
    let start = Instant::now();
    assert_eq!(run(&log, start).await, Err(TestError("task failed".into())));
    assert_eq!(
        log.events(),
        [
            "enter outer at 0",
            "enter inner at 0",
            // FailingExit saw the cut at 300 and failed 10 later.
            "exit inner at 310: err(rollback failed)",
            "exit inner done at 320",
            "exit outer at 320: err(task failed)",
            "exit outer done at 330",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn scopes_and_their_handles_show_their_state_in_debug() {
    let scope = CancelScope::new();
    let handle = scope.handle();
    handle.cancel();
    assert_eq!(format!("{scope:?}"), "CancelScope { cancelled: true }");
    assert_eq!(
        format!("{handle:?}"),
        "CancelHandle { cancelled: true, cancelled_caught: false }"
    );
    assert_eq!(
        format!("{:?}", timeout(ms(5))),
        "Timeout { deadline: After(5ms) }"
    );
    let mut seen = String::new();
    let _: Result<(), Elapsed> = async {
        async_with!(timeout(ms(5)) as deadline => {
            deadline.reschedule(None);
            seen = format!("{deadline:?}");
        });
        Ok(())
    }
    .await;
    assert_eq!(seen, "TimeoutHandle { deadline: None, expired: false }");
    let mut group = TaskGroup::<Infallible>::new();
    group.spawn(async { Ok(()) });
    assert_eq!(format!("{group:?}"), "TaskGroup { tasks: 1, open: true }");
    assert_eq!(
        format!("{:?}", group.spawner()),
        "TaskSpawner { open: true }"
    );
    // `std::any::type_name`, whose exact text the compiler does not promise.
    let suppressing = format!("{:?}", suppress::<Elapsed>());
    assert!(
        suppressing.starts_with("Suppress<") && suppressing.ends_with("Elapsed>"),
        "{suppressing}"
    );
}

#[tokio::test(start_paused = true)]
async fn s23_a_cancel_around_a_timeout_that_has_not_expired_is_not_a_timeout() {
    // CPython's `test_foreign_cancel_doesnt_timeout_if_not_expired` and
    // `test_cancel_in_timeout_after_cancellation`; then `test_timeout_after_cancellation`:
    // a cancel that was swallowed leaves nothing behind for the next timeout.
    let scope = CancelScope::new();
    let mut kept = None;
    let start = Instant::now();
    async_with!(scope as cancel => {
        let result: Result<(), Elapsed> = async {
            async_with!(timeout(ms(10_000)) as deadline => {
                kept = Some(deadline);
                cancel.cancel();
                sleep(ms(10_000)).await;
            });
            Ok(())
        }
        .await;
        unreachable!("the cancel scope cut its body: {result:?}");
    });
    assert_eq!(start.elapsed(), ms(0));
    assert!(!kept.unwrap().expired());

    let result: Result<(), Elapsed> = async {
        async_with!(timeout(ms(0)) => { sleep(ms(1000)).await; });
        Ok(())
    }
    .await;
    assert_eq!(result, Err(Elapsed));
}

#[tokio::test]
async fn s20_a_busy_body_past_both_deadlines_is_cut_by_the_outer_timeout() {
    // CPython's `test_nested_timeouts_loop_busy` and `test_nested_timeouts_concurrent`,
    // on the real clock: the thread is blocked past both deadlines, so both have passed
    // at the next await and the outer timeout takes the cut; the code after the inner
    // block does not run.
    for (outer, inner) in [(100, 10), (2, 100)] {
        let start = std::time::Instant::now();
        let mut after_inner = false;
        let result: Result<(), Elapsed> = async {
            async_with!(timeout(ms(outer)) => {
                let inner_result: Result<(), Elapsed> = async {
                    async_with!(timeout(ms(inner)) => {
                        std::thread::sleep(ms(outer.max(inner / 10)));
                        sleep(ms(1000)).await;
                    });
                    Ok(())
                }
                .await;
                after_inner = true;
                inner_result?;
                sleep(ms(10_000)).await;
            });
            Ok(())
        }
        .await;
        assert_eq!(result, Err(Elapsed), "outer {outer} ms, inner {inner} ms");
        assert!(!after_inner);
        assert!(start.elapsed() < ms(1000));
    }
}

#[tokio::test(start_paused = true)]
async fn s22_a_task_group_block_is_send_for_every_error_type() {
    // SPEC §2: a block's future is `Send` whenever its parts are, whatever the group's
    // error type. Each block sits in an async block given to `tokio::spawn`, where the
    // error type is concrete: the shape that failed for `Box<dyn Error + Send + Sync>`
    // ("higher-ranked lifetime error"), also with an empty body.
    let empty = tokio::spawn(async {
        async_with!(TaskGroup::<BoxError>::new() as _tasks => {});
        Ok::<(), BoxError>(())
    });
    let boxed = tokio::spawn(async {
        async_with!(TaskGroup::<BoxError>::new() as tasks => {
            tasks.spawn(async { Err("boxed".into()) });
            sleep(ms(10_000)).await;
        });
        Ok::<(), BoxError>(())
    });
    let any = tokio::spawn(async {
        async_with!(TaskGroup::<anyhow::Error>::new() as tasks => {
            tasks.spawn(async { anyhow::bail!("anyhow") });
            sleep(ms(10_000)).await;
        });
        Ok::<(), anyhow::Error>(())
    });
    let string = tokio::spawn(async {
        async_with!(TaskGroup::<String>::new() as tasks => {
            tasks.spawn(async { Err("string".to_string()) });
            sleep(ms(10_000)).await;
        });
        Ok::<(), String>(())
    });
    let io = tokio::spawn(async {
        async_with!(TaskGroup::<std::io::Error>::new() as tasks => {
            tasks.spawn(async { Err(std::io::Error::other("io")) });
            sleep(ms(10_000)).await;
        });
        Ok::<(), std::io::Error>(())
    });
    assert!(empty.await.unwrap().is_ok());
    assert_eq!(boxed.await.unwrap().unwrap_err().to_string(), "boxed");
    assert_eq!(any.await.unwrap().unwrap_err().to_string(), "anyhow");
    assert_eq!(string.await.unwrap(), Err("string".to_string()));
    assert_eq!(io.await.unwrap().unwrap_err().to_string(), "io");
}

#[tokio::test(start_paused = true)]
async fn s23_a_panic_in_an_exit_during_a_cut_is_never_lost() {
    // The block around the panicking one sees the panic; its exit, reached by the cut,
    // does not hold it: the panic resumes and rises through the cut body (S7).
    struct PanicsOnCut;
    #[async_context]
    impl PanicsOnCut {
        async fn exit(&mut self, outcome: Outcome<'_>) {
            if outcome.is_cancelled() {
                panic!("exit panicked");
            }
        }
    }
    let log = Log::new();
    let start = Instant::now();
    let run = async {
        async_with!(timeout(ms(100)) => {
            async_with!(Slow::new("around", &log, start, ms(0)) => {
                async_with!(PanicsOnCut => { sleep(ms(1000)).await; });
            });
        });
        Ok::<(), Elapsed>(())
    };
    let result = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(run)).await;
    let payload = result.expect_err("the panic resumes");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"exit panicked"));
    assert_eq!(
        log.events(),
        [
            "enter around at 0",
            "exit around at 100: panic(exit panicked)",
            "exit around done at 100",
        ]
    );
}
