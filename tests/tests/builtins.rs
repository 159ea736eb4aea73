//! SPEC §5.3 and the S12 opt-in: built-in contexts over tokio, `suppress`, `TaskGroup`,
//! and the async exit spawned on cancellation.

use async_with::{
    Outcome, SpawnExitOnCancel, TaskGroup, async_context, async_with, read, suppress, write,
};
use async_with_tests::{KeyError, TestError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;
use tokio::sync::{Mutex, RwLock, Semaphore};
use tokio::time::{sleep, timeout};

#[tokio::test]
async fn a_tokio_mutex_is_locked_for_the_body_and_unlocked_before_the_next_statement() {
    let m = Mutex::new(0);
    async_with!(&m as mut n => {
        assert!(m.try_lock().is_err(), "locked during the body");
        *n += 1;
    });
    assert_eq!(*m.try_lock().unwrap(), 1);
    async_with!(&m as _ => {
        assert!(m.try_lock().is_err(), "`as _` keeps the guard alive (S14)");
    });
    async_with!(&m => {
        assert!(m.try_lock().is_err(), "no `as` keeps the guard alive (S14)");
    });
    assert!(m.try_lock().is_ok());
}

#[tokio::test]
async fn rwlock_read_and_write_bind_their_guards() {
    let lock = RwLock::new(vec![1]);
    async_with!(read(&lock) as a, read(&lock) as b => {
        assert_eq!(a.len() + b.len(), 2, "two readers at once");
        assert!(lock.try_write().is_err());
    });
    async_with!(write(&lock) as mut v => {
        assert!(lock.try_read().is_err());
        v.push(2);
    });
    assert_eq!(*lock.read().await, [1, 2]);
}

#[tokio::test]
async fn a_semaphore_binds_a_permit_and_a_closed_one_fails_enter() {
    let slots = Semaphore::new(1);
    let r: Result<(), tokio::sync::AcquireError> = async {
        async_with!(&slots as _permit => {
            assert_eq!(slots.available_permits(), 0);
        });
        Ok(())
    }
    .await;
    assert!(r.is_ok());
    assert_eq!(slots.available_permits(), 1);
    slots.close();
    let entered = std::cell::Cell::new(false);
    let r: Result<(), tokio::sync::AcquireError> = async {
        async_with!(&slots => { entered.set(true); });
        Ok(())
    }
    .await;
    assert!(r.is_err() && !entered.get());
}

#[tokio::test]
async fn suppress_swallows_only_its_error_type_also_inside_a_box() {
    type BoxError = Box<dyn std::error::Error + Send + Sync>;

    async fn run(which: u8) -> Result<&'static str, BoxError> {
        async_with!(suppress::<KeyError>() => {
            match which {
                0 => Err(KeyError)?,
                1 => Err(BoxError::from(KeyError))?,
                2 => Err(TestError("other".into()))?,
                _ => return Ok("returned"),
            };
        });
        Ok("suppressed")
    }
    assert_eq!(run(0).await.unwrap(), "suppressed");
    assert_eq!(run(1).await.unwrap(), "suppressed");
    assert_eq!(run(2).await.unwrap_err().to_string(), "other");
    assert_eq!(run(3).await.unwrap(), "returned");
}

/// Counts tasks that started and tasks that were dropped (finished, cut or aborted).
#[derive(Clone, Default)]
struct Tally {
    started: Arc<AtomicUsize>,
    finished: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

struct DropCount(Arc<AtomicUsize>);
impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Tally {
    fn task(
        &self,
        ms: u64,
        result: Result<(), TestError>,
    ) -> impl std::future::Future<Output = Result<(), TestError>> + Send + 'static {
        let t = self.clone();
        async move {
            let _guard = DropCount(t.dropped.clone());
            t.started.fetch_add(1, Ordering::SeqCst);
            sleep(Duration::from_millis(ms)).await;
            t.finished.fetch_add(1, Ordering::SeqCst);
            result
        }
    }
    fn counts(&self) -> (usize, usize, usize) {
        (
            self.started.load(Ordering::SeqCst),
            self.finished.load(Ordering::SeqCst),
            self.dropped.load(Ordering::SeqCst),
        )
    }
}

#[tokio::test(start_paused = true)]
async fn task_group_exit_awaits_every_task() -> Result<(), TestError> {
    let tally = Tally::default();
    async_with!(TaskGroup::<TestError>::new() as tasks => {
        for ms in [30, 10, 20] {
            tasks.spawn(tally.task(ms, Ok(())));
        }
    });
    assert_eq!(tally.counts(), (3, 3, 3));
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn task_group_first_failure_cuts_the_rest_and_surfaces() {
    let tally = Tally::default();
    let r = async {
        async_with!(TaskGroup::<TestError>::new() as tasks => {
            tasks.spawn(tally.task(10, Err(TestError("first".into()))));
            tasks.spawn(tally.task(20, Err(TestError("second".into()))));
            tasks.spawn(tally.task(1_000, Ok(())));
        });
        Ok::<(), TestError>(())
    }
    .await;
    assert_eq!(r, Err(TestError("first".into())));
    let (started, finished, dropped) = tally.counts();
    assert_eq!(
        (started, finished, dropped),
        (3, 1, 3),
        "no task outlives the block"
    );
}

#[tokio::test(start_paused = true)]
async fn task_group_body_failure_cuts_the_tasks_and_cancellation_aborts_them() {
    let tally = Tally::default();
    let r = async {
        async_with!(TaskGroup::<TestError>::new() as tasks => {
            tasks.spawn(tally.task(1_000, Ok(())));
            tokio::task::yield_now().await;
            Err(TestError("body".into()))?;
        });
        Ok::<(), TestError>(())
    }
    .await;
    assert_eq!(r, Err(TestError("body".into())));
    assert_eq!(tally.counts(), (1, 0, 1));

    let tally = Tally::default();
    let block = async {
        async_with!(TaskGroup::<TestError>::new() as tasks => {
            tasks.spawn(tally.task(1_000, Ok(())));
            sleep(Duration::from_secs(10)).await;
        });
        Ok::<(), TestError>(())
    };
    assert!(timeout(Duration::from_millis(50), block).await.is_err());
    tokio::task::yield_now().await;
    assert_eq!(tally.counts(), (1, 0, 1), "cancel aborted the task");
}

#[tokio::test(start_paused = true)]
async fn task_group_keeps_no_finished_task_while_the_body_runs_on() -> Result<(), TestError> {
    // A server-style body: one short task per request, for as long as the body runs.
    // Python's `TaskGroup` forgets a task once it is done; so must this one, or a
    // long-running body would hold every finished task until its exit.
    let tally = Tally::default();
    let mut most = 0;
    async_with!(TaskGroup::<TestError>::new() as tasks => {
        for _ in 0..1_000 {
            tasks.spawn(tally.task(1, Ok(())));
            sleep(Duration::from_millis(5)).await;
            most = most.max(tasks.len());
        }
    });
    assert_eq!(tally.counts(), (1_000, 1_000, 1_000));
    assert!(most <= 2, "{most} tasks held at once");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_group_a_failure_found_while_spawning_still_surfaces_at_exit() {
    let r = async {
        async_with!(TaskGroup::<TestError>::new() as tasks => {
            tasks.spawn(async { Err(TestError("early".into())) });
            // The task fails on the other worker meanwhile; the next spawn finds its
            // result and keeps it for exit.
            std::thread::sleep(Duration::from_millis(50));
            tasks.spawn(async { Ok(()) });
            sleep(Duration::from_secs(10)).await;
        });
        Ok::<(), TestError>(())
    }
    .await;
    assert_eq!(r, Err(TestError("early".into())));
}

/// Records how it ended: exit (with the outcome it saw) or the sync cancel hook.
struct Session {
    ended: Arc<StdMutex<Vec<String>>>,
}

#[async_context(send, spawn_exit_on_cancel)]
impl Session {
    async fn exit(&mut self, outcome: Outcome<'_>) {
        tokio::task::yield_now().await;
        self.ended.lock().unwrap().push(format!("exit: {outcome}"));
    }

    fn cancel(&mut self) {
        self.ended.lock().unwrap().push("cancel".into());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_exit_runs_with_a_cancelled_outcome_once_per_cancelled_block() {
    let ended = Arc::new(StdMutex::new(Vec::new()));
    let entered = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for i in 0..200u64 {
        let (ended, entered) = (ended.clone(), entered.clone());
        handles.push(tokio::spawn(async move {
            let block = async {
                async_with!(SpawnExitOnCancel::new(Session { ended }) => {
                    entered.fetch_add(1, Ordering::SeqCst);
                    sleep(Duration::from_micros(i * 37 % 500)).await;
                });
            };
            if i % 2 == 0 {
                let _ = timeout(Duration::from_micros(i * 13 % 400), block).await;
            } else {
                tokio::select! {
                    _ = block => {}
                    _ = sleep(Duration::from_micros(i * 11 % 400)) => {}
                }
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    // Spawned exits finish shortly after their blocks are dropped (allow 2 s on a busy machine).
    for _ in 0..400 {
        if ended.lock().unwrap().len() >= entered.load(Ordering::SeqCst) {
            break;
        }
        sleep(Duration::from_millis(5)).await;
    }
    let ended = ended.lock().unwrap().clone();
    assert_eq!(
        ended.len(),
        entered.load(Ordering::SeqCst),
        "each entered context ended once"
    );
    assert!(
        ended
            .iter()
            .all(|e| e == "exit: ok" || e == "exit: cancelled"),
        "{ended:?}"
    );
    assert!(
        !ended.iter().any(|e| e == "cancel"),
        "a runtime was present"
    );
}

#[test]
fn without_a_runtime_a_cancelled_block_falls_back_to_the_sync_hook() {
    let ended = Arc::new(StdMutex::new(Vec::new()));
    let mut block = Box::pin(async {
        async_with!(SpawnExitOnCancel::new(Session { ended: ended.clone() }) => {
            std::future::pending::<()>().await;
        });
    });
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(block.as_mut().poll(&mut cx).is_pending());
    drop(block);
    assert_eq!(*ended.lock().unwrap(), ["cancel"]);
}

#[tokio::test]
async fn arc_held_tokio_primitives_are_contexts() -> Result<(), tokio::sync::AcquireError> {
    use std::sync::Arc;
    use tokio::sync::{Mutex, RwLock, Semaphore};

    let shared = Arc::new(Mutex::new(0));
    async_with!(&shared as mut guard => { *guard += 1; });
    async_with!(shared.clone() as mut guard => {
        *guard += 1;
        // Locked for the body, whichever way the mutex was held.
        assert!(shared.try_lock().is_err());
    });
    assert_eq!(*shared.lock().await, 2);

    let lock = Arc::new(RwLock::new(String::from("a")));
    async_with!(async_with::write(&lock) as mut text => { text.push('b'); });
    async_with!(async_with::read(&lock) as text => { assert_eq!(*text, "ab"); });

    let slots = Arc::new(Semaphore::new(1));
    async_with!(&slots as _permit => { assert_eq!(slots.available_permits(), 0); });
    let spawned = async_with!(slots.clone() as permit => {
        // An owned permit is 'static: it can move into a spawned task.
        tokio::spawn(async move { drop(permit) })
    });
    spawned.await.unwrap();
    assert_eq!(slots.available_permits(), 1);
    Ok(())
}

/// In a `SendExitStack` held by an aborted task, the wrapped context's async exit is
/// spawned when the stack is dropped, as it is for a block.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_exit_stack_spawns_the_exit_of_a_spawn_exit_on_cancel_context() {
    let ended = Arc::new(StdMutex::new(Vec::new()));
    let (entered, wait) = tokio::sync::oneshot::channel();
    let task = tokio::spawn({
        let ended = ended.clone();
        async move {
            let mut stack = async_with::SendExitStack::new();
            stack
                .enter_context(SpawnExitOnCancel::new(Session { ended }))
                .await
                .unwrap();
            entered.send(()).unwrap();
            std::future::pending::<()>().await;
            drop(stack);
        }
    });
    wait.await.unwrap();
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    for _ in 0..400 {
        if !ended.lock().unwrap().is_empty() {
            break;
        }
        sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(*ended.lock().unwrap(), ["exit: cancelled"]);
}

#[tokio::test(start_paused = true)]
async fn task_group_used_again_after_a_failure_starts_afresh() {
    let mut group = TaskGroup::<TestError>::new();
    let first = async {
        async_with!(&mut group as tasks => {
            tasks.spawn(async { Err(TestError("first use".into())) });
            sleep(Duration::from_secs(10)).await;
        });
        Ok::<(), TestError>(())
    }
    .await;
    assert_eq!(first, Err(TestError("first use".into())));
    let mut ran = false;
    let second = async {
        async_with!(&mut group as tasks => {
            tasks.spawn(async { Ok(()) });
            sleep(Duration::from_millis(10)).await;
            ran = true;
        });
        Ok::<(), TestError>(())
    }
    .await;
    assert_eq!(second, Ok(()));
    assert!(ran, "the second body was cut by the first use's failure");
}
