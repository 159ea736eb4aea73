//! S12/S13 under load: 10,000 blocks on a multi-thread runtime, cancelled at random points
//! by timeouts and `select!`; every entered context ends exactly once (exit or cancel),
//! and every bound value is dropped. S17/S18 under load: 10,000 blocks cut by scopes with
//! random deadlines; every entered context ends exactly once, by its async exit. S22 under
//! load: task groups whose tasks fail at random; every context entered in a task ends
//! exactly once, by its async exit.

use async_with::{Elapsed, Outcome, TaskGroup, async_context, async_with, suppress, timeout};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Duration;

#[derive(Default)]
struct Counters {
    entered: AtomicUsize,
    exited: AtomicUsize,
    /// Exits that saw a cut (`Outcome::is_cancelled`).
    exited_cut: AtomicUsize,
    cancelled: AtomicUsize,
    values_made: AtomicUsize,
    values_dropped: AtomicUsize,
    /// Per context: how many times it ended (exit or cancel). Must end at 0 or 1.
    ended: Vec<AtomicU8>,
}

struct Value(Arc<Counters>);
impl Drop for Value {
    fn drop(&mut self) {
        self.0.values_dropped.fetch_add(1, Ordering::SeqCst);
    }
}

struct Tracked {
    id: usize,
    delay_us: u64,
    counters: Arc<Counters>,
}

impl Tracked {
    fn end(&self) {
        let before = self.counters.ended[self.id].fetch_add(1, Ordering::SeqCst);
        assert_eq!(before, 0, "context {} ended twice", self.id);
    }
}

#[async_context]
impl Tracked {
    async fn enter(&mut self) -> Value {
        tokio::time::sleep(Duration::from_micros(self.delay_us)).await;
        self.counters.entered.fetch_add(1, Ordering::SeqCst);
        self.counters.values_made.fetch_add(1, Ordering::SeqCst);
        Value(self.counters.clone())
    }

    async fn exit(&mut self, outcome: Outcome<'_>) {
        tokio::time::sleep(Duration::from_micros(self.delay_us / 2)).await;
        self.end();
        self.counters.exited.fetch_add(1, Ordering::SeqCst);
        if outcome.is_cancelled() {
            self.counters.exited_cut.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn cancel(&mut self) {
        self.end();
        self.counters.cancelled.fetch_add(1, Ordering::SeqCst);
    }
}

/// A small deterministic generator (xorshift).
fn random(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

const BLOCKS: usize = 10_000;

/// Counters for `BLOCKS` blocks of two contexts each.
fn counters() -> Arc<Counters> {
    Arc::new(Counters {
        ended: (0..2 * BLOCKS).map(|_| AtomicU8::new(0)).collect(),
        ..Counters::default()
    })
}

/// Block `block`'s two contexts, with random enter/exit delays.
fn contexts(block: usize, r1: u64, r2: u64, counters: &Arc<Counters>) -> (Tracked, Tracked) {
    let tracked = |id, delay_us| Tracked {
        id,
        delay_us,
        counters: counters.clone(),
    };
    (
        tracked(2 * block, r1 % 3_000),
        tracked(2 * block + 1, r2 % 3_000),
    )
}

/// Keeps a bounded number of blocks in flight.
async fn bound_in_flight(tasks: &mut tokio::task::JoinSet<()>) {
    if tasks.len() >= 500 {
        tasks.join_next().await.unwrap().unwrap();
    }
}

/// Every entered context ended exactly once (exit or cancel) and every bound value was
/// dropped; returns (entered, exited, cancelled).
fn each_ended_once(c: &Counters) -> (usize, usize, usize) {
    let entered = c.entered.load(Ordering::SeqCst);
    let exited = c.exited.load(Ordering::SeqCst);
    let cancelled = c.cancelled.load(Ordering::SeqCst);
    assert_eq!(entered, exited + cancelled, "every entered context ended");
    assert_eq!(
        c.values_made.load(Ordering::SeqCst),
        c.values_dropped.load(Ordering::SeqCst),
        "every bound value was dropped"
    );
    let ended_once = c
        .ended
        .iter()
        .filter(|e| e.load(Ordering::SeqCst) == 1)
        .count();
    assert_eq!(ended_once, entered);
    (entered, exited, cancelled)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_randomly_cancelled_blocks_each_end_their_contexts_exactly_once() {
    let counters = counters();
    let mut seed = 0x2545_F491_4F6C_DD1D_u64;
    let mut tasks = tokio::task::JoinSet::new();
    for block in 0..BLOCKS {
        let (r1, r2, r3) = (random(&mut seed), random(&mut seed), random(&mut seed));
        let (outer, inner) = contexts(block, r1, r2, &counters);
        tasks.spawn(async move {
            let work = async move {
                async_with!(outer as _a, inner as _b => {
                    tokio::time::sleep(Duration::from_micros(r3 % 5_000)).await;
                    tokio::task::yield_now().await;
                });
            };
            let deadline = Duration::from_micros(random(&mut seed) % 16_000);
            if block % 2 == 0 {
                let _ = tokio::time::timeout(deadline, work).await;
            } else {
                tokio::select! {
                    _ = work => {}
                    _ = tokio::time::sleep(deadline) => {}
                }
            }
        });
        bound_in_flight(&mut tasks).await;
    }
    while let Some(joined) = tasks.join_next().await {
        joined.unwrap();
    }
    let (entered, exited, cancelled) = each_ended_once(&counters);
    eprintln!("entered {entered}, exited {exited}, cancelled {cancelled}");
    // The random deadlines cut blocks at every stage.
    assert!(
        cancelled > 100 && exited > 100,
        "exited {exited}, cancelled {cancelled}"
    );
    assert!(
        entered < 2 * BLOCKS,
        "some blocks were cancelled during enter"
    );
}

/// A block the scope's body awaits through an async fn (S18).
async fn nested(outer: Tracked, inner: Tracked, work_us: u64) {
    async_with!(outer as _a => {
        async_with!(inner as _b => {
            tokio::time::sleep(Duration::from_micros(work_us)).await;
            tokio::task::yield_now().await;
        });
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_blocks_cut_by_random_deadlines_each_exit_async_exactly_once() {
    let counters = counters();
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut tasks = tokio::task::JoinSet::new();
    for block in 0..BLOCKS {
        let (r1, r2, r3, r4) = (
            random(&mut seed),
            random(&mut seed),
            random(&mut seed),
            random(&mut seed),
        );
        let (outer, inner) = contexts(block, r1, r2, &counters);
        tasks.spawn(async move {
            let deadline = Duration::from_micros(r4 % 12_000);
            // Half the blocks: the scope's own body holds both contexts; the other half:
            // an async fn the body awaits does, inside a second, outer deadline.
            if block % 2 == 0 {
                async_with!(suppress::<Elapsed>(), timeout(deadline), outer as _a, inner as _b => {
                    tokio::time::sleep(Duration::from_micros(r3 % 5_000)).await;
                    tokio::task::yield_now().await;
                });
            } else {
                async_with!(suppress::<Elapsed>(), timeout(deadline * 2) => {
                    async_with!(suppress::<Elapsed>(), timeout(deadline) => {
                        nested(outer, inner, r3 % 5_000).await;
                    });
                });
            }
        });
        bound_in_flight(&mut tasks).await;
    }
    while let Some(joined) = tasks.join_next().await {
        joined.unwrap();
    }
    let (entered, exited, cancelled) = each_ended_once(&counters);
    let exited_cut = counters.exited_cut.load(Ordering::SeqCst);
    eprintln!("entered {entered}, exited {exited} ({exited_cut} cut), cancelled {cancelled}");
    // A scope cuts the body, not the block: every entered context ran its async exit.
    assert_eq!(cancelled, 0, "no context fell back to its cancel hook");
    assert_eq!(entered, exited, "every entered context exited");
    // The random deadlines cut blocks at every stage.
    assert!(
        exited_cut > 100 && exited - exited_cut > 100,
        "exited {exited}, of which cut {exited_cut}"
    );
    assert!(entered < 2 * BLOCKS, "some deadlines passed during enter");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_groups_whose_tasks_fail_at_random_exit_every_task_context_async_once() {
    // 500 groups of 10 tasks, each task holding two contexts; about one group in three
    // has a task that fails after a random time, which cuts the others.
    const GROUPS: usize = 500;
    const TASKS: usize = BLOCKS / GROUPS / 2;
    let counters = counters();
    let mut seed = 0xD1B5_4A32_D192_ED03_u64;
    let mut groups = tokio::task::JoinSet::new();
    let mut failing = 0;
    for group in 0..GROUPS {
        let mut plan = Vec::new();
        for task in 0..TASKS {
            let block = group * TASKS + task;
            let (r1, r2, r3) = (random(&mut seed), random(&mut seed), random(&mut seed));
            plan.push((contexts(block, r1, r2, &counters), r3 % 5_000));
        }
        let fails_at = random(&mut seed)
            .is_multiple_of(3)
            .then(|| random(&mut seed) % 6_000);
        failing += usize::from(fails_at.is_some());
        groups.spawn(async move {
            let ended = async {
                async_with!(TaskGroup::<String>::new() as tasks => {
                    for ((outer, inner), work_us) in plan {
                        tasks.spawn(async move {
                            nested(outer, inner, work_us).await;
                            Ok(())
                        });
                    }
                    if let Some(at) = fails_at {
                        tasks.spawn(async move {
                            tokio::time::sleep(Duration::from_micros(at)).await;
                            Err("task failed".to_string())
                        });
                    }
                });
                Ok::<(), String>(())
            }
            .await;
            assert_eq!(ended.is_err(), fails_at.is_some());
        });
    }
    while let Some(joined) = groups.join_next().await {
        joined.unwrap();
    }
    let (entered, exited, cancelled) = each_ended_once(&counters);
    let exited_cut = counters.exited_cut.load(Ordering::SeqCst);
    eprintln!(
        "{failing} failing groups: entered {entered}, exited {exited} ({exited_cut} cut), cancelled {cancelled}"
    );
    // The group cuts its tasks: no context fell back to its cancel hook.
    assert_eq!(cancelled, 0, "no context fell back to its cancel hook");
    assert_eq!(entered, exited, "every entered context exited");
    assert!(
        exited_cut > 100,
        "the failures cut tasks at every stage ({exited_cut} cut)"
    );
}
