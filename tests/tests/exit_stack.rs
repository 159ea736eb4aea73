//! SPEC §5.1: `ExitStack`, a run-time number of contexts and callbacks.

use async_with::{
    BoxError, Exit, ExitStack, Handoff, SendExitStack, StackError, TaskGroup, async_with, generator,
};
use async_with_tests::{Log, TestError, describe};

fn recorder_callback(
    log: &Log,
    name: &'static str,
    result: Result<Exit, &'static str>,
) -> impl AsyncFnOnce(async_with::Outcome<'_>) -> Result<Exit, BoxError> {
    let log = log.clone();
    async move |outcome| {
        log.push(format!("{name} sees {}", describe(&outcome)));
        result.map_err(BoxError::from)
    }
}

#[tokio::test]
async fn exits_run_last_in_first_out_every_one_even_when_some_fail() {
    let log = Log::new();
    let mut stack = ExitStack::new();
    stack.enter_context(log.context("a")).await.unwrap();
    stack.push_exit(recorder_callback(&log, "cb1", Ok(Exit::Propagate)));
    stack
        .enter_context(log.context("b").failing_exit())
        .await
        .unwrap();
    stack.push_exit(recorder_callback(&log, "cb2", Err("cb2 failed")));
    let closed = stack.close().await;
    assert_eq!(
        closed.unwrap_err().into_inner().to_string(),
        "b exit failed"
    );
    assert_eq!(
        log.events(),
        [
            "enter a",
            "drop a", // the stack keeps the context, not the value enter produced
            "enter b",
            "drop b",
            "cb2 sees ok",
            "exit b: err(cb2 failed)",
            "cb1 sees err(b exit failed)",
            "exit a: err(b exit failed)",
        ]
    );
}

#[tokio::test]
async fn a_suppression_leaves_an_ok_outcome_for_the_exits_below() {
    let log = Log::new();
    let mut stack = ExitStack::new();
    stack.push_exit(recorder_callback(&log, "bottom", Ok(Exit::Propagate)));
    stack.push_exit(recorder_callback(&log, "suppressor", Ok(Exit::Suppress)));
    stack.push_exit(recorder_callback(&log, "top", Err("top failed")));
    assert!(stack.close().await.is_ok());
    assert_eq!(
        log.events(),
        [
            "top sees ok",
            "suppressor sees err(top failed)",
            "bottom sees ok"
        ]
    );
}

#[tokio::test]
async fn a_context_is_pushed_only_after_its_enter_succeeded() {
    let log = Log::new();
    let mut stack = ExitStack::new();
    let entered = stack
        .enter_context(log.context("bad").failing_enter())
        .await;
    assert_eq!(
        entered.unwrap_err().into_inner().to_string(),
        "bad enter failed"
    );
    assert!(stack.is_empty());
    stack.close().await.unwrap();
    assert_eq!(log.events(), ["enter bad"]);
}

#[tokio::test]
async fn pop_all_moves_the_cleanup_and_closing_twice_runs_nothing() {
    let log = Log::new();
    let mut stack = ExitStack::new();
    stack.enter_context(log.context("a")).await.unwrap();
    let mut moved = stack.pop_all();
    stack.close().await.unwrap();
    assert_eq!(
        log.events(),
        ["enter a", "drop a"],
        "the emptied stack runs nothing"
    );
    moved.close().await.unwrap();
    moved.close().await.unwrap();
    assert_eq!(
        log.events(),
        ["enter a", "drop a", "exit a: ok"],
        "exactly once"
    );
}

#[test]
fn ten_thousand_entries_unwind_without_recursion() {
    // A small thread stack: unwinding that recursed per entry would overflow it.
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            futures::executor::block_on(async {
                let count = std::rc::Rc::new(std::cell::Cell::new(0u32));
                let mut stack = ExitStack::new();
                for _ in 0..10_000 {
                    let count = count.clone();
                    stack.push_exit(async move |_| {
                        count.set(count.get() + 1);
                        Ok(Exit::Propagate)
                    });
                }
                stack.close().await.unwrap();
                count.get()
            })
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), 10_000);
}

#[tokio::test]
async fn as_a_context_the_stack_unwinds_with_the_block_outcome_and_can_suppress() {
    async fn run(log: &Log, suppress: bool) -> Result<(), BoxError> {
        async_with!(ExitStack::new() as stack => {
            stack.enter_context(log.context("a")).await?;
            stack.push_exit(recorder_callback(log, "cb", Ok(if suppress { Exit::Suppress } else { Exit::Propagate })));
            Err(TestError("body".into()))?;
        });
        log.push("after the block");
        Ok(())
    }
    let log = Log::new();
    assert_eq!(run(&log, false).await.unwrap_err().to_string(), "body");
    assert_eq!(
        log.events(),
        [
            "enter a",
            "drop a",
            "cb sees err(body)",
            "exit a: err(body)"
        ]
    );

    let log = Log::new();
    assert!(run(&log, true).await.is_ok());
    assert_eq!(
        log.events(),
        [
            "enter a",
            "drop a",
            "cb sees err(body)",
            "exit a: ok",
            "after the block"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_dropped_stack_cancels_every_remaining_context_last_first() {
    let log = Log::new();
    let block = async {
        async_with!(ExitStack::new() as stack => {
            stack.enter_context(log.context("a")).await?;
            stack.enter_context(log.context("b")).await?;
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
        });
        Ok::<(), BoxError>(())
    };
    assert!(
        tokio::time::timeout(std::time::Duration::from_secs(1), block)
            .await
            .is_err()
    );
    assert_eq!(
        log.events(),
        [
            "enter a", "drop a", "enter b", "drop b", "cancel b", "cancel a"
        ]
    );
}

#[tokio::test]
async fn features_compose_an_exit_stack_of_contexts_inside_a_task_group_block()
-> Result<(), BoxError> {
    let log = Log::new();
    let lock = tokio::sync::Mutex::new(0);
    async_with!(TaskGroup::<BoxError>::new() as tasks, ExitStack::new() as stack, &lock as mut n => {
        for name in ["x", "y"] {
            stack.enter_context(log.context(name)).await?;
        }
        let task_log = log.clone();
        tasks.spawn(async move {
            task_log.push("task ran");
            Ok(())
        });
        *n += 1;
    });
    // The stack unwound last-in first-out, and the group awaited its task before the
    // block ended (the task may run at any point before that).
    let exits = log.exits();
    assert_eq!(exits, ["exit y: ok", "exit x: ok"]);
    assert!(log.events().contains(&"task ran".to_string()));
    assert_eq!(*lock.lock().await, 1);
    Ok(())
}

#[tokio::test]
async fn enter_value_hands_out_owned_values_and_pushes_only_after_a_successful_enter() {
    use async_with::{Handoff, generator};
    let log = Log::new();
    let conn = |n: u32, fails: bool| {
        let log = log.clone();
        generator(move |h: Handoff<u32>| async move {
            if fails {
                return Err(TestError(format!("connect {n} failed")));
            }
            let ended = h.give(n * 10).await;
            log.push(format!("close {n} after {ended}"));
            Ok(ended.propagate())
        })
    };
    let mut stack = ExitStack::new();
    assert_eq!(stack.enter_value(conn(1, false)).await.unwrap(), 10);
    assert_eq!(
        stack
            .enter_value(conn(2, true))
            .await
            .unwrap_err()
            .into_inner()
            .to_string(),
        "connect 2 failed"
    );
    assert_eq!(stack.enter_value(conn(3, false)).await.unwrap(), 30);
    assert_eq!(stack.len(), 2);
    stack.close().await.unwrap();
    assert_eq!(log.events(), ["close 3 after ok", "close 1 after ok"]);
}

#[tokio::test]
async fn the_stack_error_converts_with_question_mark_and_shows_the_original() {
    async fn enter_with_anyhow(log: &Log) -> anyhow::Result<()> {
        let mut stack = ExitStack::new();
        stack
            .enter_context(log.context("a").failing_enter())
            .await?;
        Ok(())
    }
    let error = enter_with_anyhow(&Log::new()).await.unwrap_err();
    let stack_error = error.downcast_ref::<async_with::StackError>().unwrap();
    assert_eq!(
        stack_error.downcast_ref::<TestError>(),
        Some(&TestError("a enter failed".into()))
    );
    // The wrapper's `source()` is the original (C-GOOD-ERR): anyhow's chain, root cause
    // and report reach it, and the wrapper's own message does not repeat it.
    let original = Some(&TestError("a enter failed".into()));
    assert_eq!(error.root_cause().downcast_ref::<TestError>(), original);
    assert_eq!(
        error.chain().find_map(|e| e.downcast_ref::<TestError>()),
        original
    );
    assert_eq!(error.chain().count(), 2);
    assert_eq!(
        format!("{error:#}"),
        "a context failed to enter an `ExitStack`: a enter failed"
    );
    // The same through `close` into a `Box<dyn Error>`.
    async fn close_boxed(log: &Log) -> Result<(), Box<dyn std::error::Error>> {
        let mut stack = ExitStack::new();
        stack.enter_context(log.context("b").failing_exit()).await?;
        stack.close().await?;
        Ok(())
    }
    let error = close_boxed(&Log::new()).await.unwrap_err();
    assert_eq!(error.to_string(), "an exit of an `ExitStack` failed");
    let source = error.source().unwrap();
    assert_eq!(
        source.downcast_ref::<TestError>(),
        Some(&TestError("b exit failed".into()))
    );

    // Around the block, exits and `suppress` see the original error, not the wrapper.
    async fn swallowed(log: &Log) -> Result<&'static str, async_with::BoxError> {
        async_with!(async_with::suppress::<TestError>(), ExitStack::new() as stack => {
            let log = log.clone();
            stack.push_exit(async move |_| {
                log.push("callback fails");
                Err(TestError("flush failed".into()).into())
            });
        });
        Ok("moved on")
    }
    let log = Log::new();
    assert_eq!(swallowed(&log).await.unwrap(), "moved on");
    assert_eq!(log.events(), ["callback fails"]);
}

#[tokio::test]
async fn plain_callbacks_and_exits_of_contexts_entered_elsewhere_unwind_in_order()
-> Result<(), BoxError> {
    let log = Log::new();
    let mut acquired = log.context("acquired elsewhere");
    {
        // Entered outside the stack; the stack only takes over its exit.
        use async_with::AsyncContext;
        let _token = acquired.enter().await?;
    }
    async_with!(ExitStack::new() as stack => {
        stack.push_context_exit(acquired);
        let log = log.clone();
        stack.callback(async move || log.push("plain callback"));
    });
    assert_eq!(
        log.events(),
        [
            "enter acquired elsewhere",
            "drop acquired elsewhere",
            "plain callback",
            "exit acquired elsewhere: ok"
        ]
    );
    Ok(())
}

/// `hold` keeps a lock's guard until the stack unwinds, and drops it in its LIFO turn:
/// an exit pushed after it still runs under the lock, one pushed before runs after the
/// release.
#[tokio::test]
async fn hold_keeps_a_guard_until_its_turn_in_the_unwinding() {
    use std::sync::{Arc, Mutex as StdMutex};
    let lock = Arc::new(tokio::sync::Mutex::new(0));
    let seen = Arc::new(StdMutex::new(Vec::new()));
    let mut stack = ExitStack::new();
    let (l, s) = (lock.clone(), seen.clone());
    stack.callback(async move || {
        s.lock()
            .unwrap()
            .push(("pushed before", l.try_lock().is_ok()))
    });
    stack.hold(lock.clone().lock_owned().await);
    let (l, s) = (lock.clone(), seen.clone());
    stack.callback(async move || {
        s.lock()
            .unwrap()
            .push(("pushed after", l.try_lock().is_ok()))
    });
    assert!(lock.try_lock().is_err(), "held while the stack is open");
    stack.close().await.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [("pushed after", false), ("pushed before", true)]
    );
    assert!(lock.try_lock().is_ok());
}

// `SendExitStack`: the same unwinding, in a task that may move between threads.

/// Each of these fails to build when `SendExitStack`, or a block or generator holding one
/// across an `.await`, is not `Send`: `tokio::spawn` demands it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_stack_unwinds_in_a_spawned_task_with_the_block_outcome() {
    let log = Log::new();
    let task = tokio::spawn({
        let log = log.clone();
        async move {
            async_with!(SendExitStack::new() as stack => {
                stack.enter_context(log.context("a")).await?;
                let seen = log.clone();
                stack.push_exit(move |outcome| {
                    let line = format!("callback sees {}", describe(&outcome));
                    async move {
                        tokio::task::yield_now().await;
                        seen.push(line);
                        Ok(Exit::Propagate)
                    }
                });
                stack.enter_context(log.context("b")).await?;
                stack.hold(log.context("held").into_infallible());
                tokio::task::yield_now().await;
                log.push("body");
                Err(TestError("body failed".into()))?;
            });
            Ok::<(), BoxError>(())
        }
    });
    let result = task.await.unwrap();
    assert_eq!(result.unwrap_err().to_string(), "body failed");
    assert_eq!(
        log.events(),
        [
            "enter a",
            "drop a",
            "enter b",
            "drop b",
            "body",
            // the held value is dropped in its turn: it has no exit to run
            "exit b: err(body failed)",
            "callback sees err(body failed)",
            "exit a: err(body failed)",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_stack_exit_may_suppress_and_its_callbacks_see_what_is_left() {
    let log = Log::new();
    let task = tokio::spawn({
        let log = log.clone();
        async move {
            async_with!(SendExitStack::new() as stack => {
                let seen = log.clone();
                stack.callback(move || async move { seen.push("callback") });
                stack.enter_context(log.context("s").suppressing()).await?;
                Err(TestError("body failed".into()))?;
            });
            log.push("after the block");
            Ok::<(), BoxError>(())
        }
    });
    task.await.unwrap().unwrap();
    assert_eq!(
        log.events(),
        [
            "enter s",
            "drop s",
            "exit s: err(body failed)",
            "callback",
            "after the block",
        ]
    );
}

/// Python's `@asynccontextmanager` around an `AsyncExitStack`: the generator opens a
/// run-time number of contexts, hands off, and closes them after the block, all in a
/// spawned task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generator_keeps_a_send_stack_across_its_handoff() {
    let log = Log::new();
    let open_all = |log: Log, names: Vec<&'static str>| {
        generator(move |handoff: Handoff<usize>| async move {
            let mut stack = SendExitStack::new();
            for name in names {
                stack.enter_context(log.context(name)).await?;
            }
            let ended = handoff.give(stack.len()).await;
            log.push(format!("handed back: {ended}"));
            stack.close().await?;
            Ok::<_, StackError>(ended.propagate())
        })
    };
    let task = tokio::spawn({
        let log = log.clone();
        async move {
            async_with!(open_all(log.clone(), vec!["x", "y"]) as opened => {
                tokio::task::yield_now().await;
                log.push(format!("body with {opened}"));
            });
            Ok::<(), StackError>(())
        }
    });
    task.await.unwrap().unwrap();
    assert_eq!(
        log.events(),
        [
            "enter x",
            "drop x",
            "enter y",
            "drop y",
            "body with 2",
            "handed back: ok",
            "exit y: ok",
            "exit x: ok",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aborted_task_cancels_what_its_send_stack_holds_last_first() {
    let log = Log::new();
    let (entered, wait) = tokio::sync::oneshot::channel();
    let task = tokio::spawn({
        let log = log.clone();
        async move {
            async_with!(SendExitStack::new() as stack => {
                stack.enter_context(log.context("a")).await?;
                stack.enter_context(log.context("b")).await?;
                entered.send(()).unwrap();
                std::future::pending::<()>().await;
            });
            Ok::<(), StackError>(())
        }
    });
    wait.await.unwrap();
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(
        log.events(),
        [
            "enter a", "drop a", "enter b", "drop b", "cancel b", "cancel a"
        ]
    );
}
