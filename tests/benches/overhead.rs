//! `async_with!` against the same enter/body/exit written by hand, timed in one run: the
//! three variants of `shapes` (naive, the same-guarantee twin, the macro) on SPEC §6's two
//! shapes, each with a trivial body and with a body doing one real `.await`, on a
//! current-thread runtime, many blocks per `block_on`. Future sizes are printed before
//! the timings.
//!
//! Run with `cargo bench -p async-with-tests --bench overhead`. Wall-clock time moves with
//! the machine's load; `instructions.sh` counts instructions instead.

mod shapes;

use criterion::{Criterion, criterion_group, criterion_main};
use shapes::*;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Times `iters` blocks over one state made by `fresh`, in one `block_on` on a
/// current-thread runtime, and checks with `counts` that every block entered and exited.
fn bench<S, E>(
    c: &mut Criterion,
    name: &str,
    fresh: impl Fn() -> S,
    counts: impl Fn(&S) -> (u64, u64),
    f: impl AsyncFn(&mut S) -> Result<u64, E>,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    c.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut state = fresh();
            let start = Instant::now();
            rt.block_on(async {
                for i in 0..iters {
                    black_box(f(&mut state).await.unwrap_or(i));
                }
            });
            let elapsed = start.elapsed();
            assert_eq!(counts(&state), (iters, iters));
            elapsed
        })
    });
}

fn bench_counter(
    c: &mut Criterion,
    name: &str,
    f: impl AsyncFn(&mut Counter) -> Result<u64, std::convert::Infallible>,
) {
    bench(c, name, counter, |c| (c.entered, c.exited), f);
}

fn bench_session(
    c: &mut Criterion,
    name: &str,
    f: impl AsyncFn(&mut Resource) -> Result<u64, SessionError>,
) {
    bench(c, name, resource, |r| (r.opened, r.closed), f);
}

fn overhead(c: &mut Criterion) {
    print_sizes();
    for (name, yields) in [("trivial", false), ("one_await", true)] {
        bench_counter(c, &format!("{name}/naive"), async |ctx| {
            naive(ctx, 1, yields).await
        });
        bench_counter(c, &format!("{name}/twin"), async |ctx| {
            twin(ctx, 1, yields).await
        });
        bench_counter(c, &format!("{name}/async_with"), async |ctx| {
            with_macro(ctx, 1, yields).await
        });
    }
    for (name, yields) in [("realistic_trivial", false), ("realistic_one_await", true)] {
        bench_session(c, &format!("{name}/naive"), async |res| {
            session_naive(res, 1, yields).await
        });
        bench_session(c, &format!("{name}/twin"), async |res| {
            session_twin(res, 1, yields).await
        });
        bench_session(c, &format!("{name}/async_with"), async |res| {
            session_macro(res, 1, yields).await
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = overhead
}
criterion_main!(benches);
