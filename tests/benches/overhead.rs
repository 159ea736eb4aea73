//! `async_with!` against the same enter/body/exit written by hand, in one run.
//!
//! - `naive`: enter, body, exit in sequence; skips exit on `?` and on panic, and has no
//!   cancel hook (what people write today).
//! - `guarded`: written by hand with the same guarantees as the macro (exit on every
//!   path, panic caught and resumed, cancel hook on drop).
//! - `macro`: `async_with!`.
//!
//! Each is measured with a trivial body and with a body doing one real `.await`
//! (`tokio::task::yield_now`), on a current-thread runtime, many blocks per `block_on`.
//! Future sizes are printed before the timings.
//!
//! Run with `cargo bench -p async-with-tests --bench overhead`.

use async_with::{AsyncContext, Outcome, async_context, async_with};
use criterion::{Criterion, criterion_group, criterion_main};
use std::convert::Infallible;
use std::future::Future as _;
use std::hint::black_box;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

/// The cheapest possible context: counts enters and exits.
struct Counter {
    entered: u64,
    exited: u64,
}

#[async_context]
impl Counter {
    async fn enter(&mut self) -> Result<&mut Self, Infallible> {
        self.entered += 1;
        Ok(self)
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> {
        self.exited += 1;
        Ok(())
    }
}

async fn naive(ctx: &mut Counter, work: u64, yields: bool) -> Result<u64, Infallible> {
    let c = AsyncContext::enter(ctx).await?;
    if yields {
        tokio::task::yield_now().await;
    }
    let v = black_box(work) + c.entered;
    AsyncContext::exit(ctx, Outcome::ok()).await?;
    Ok(v)
}

/// Calls `cancel` if dropped between enter and the end of exit.
struct CancelGuard<'a> {
    ctx: &'a mut Counter,
    armed: bool,
}

impl Drop for CancelGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.ctx.cancel();
        }
    }
}

async fn guarded(ctx: &mut Counter, work: u64, yields: bool) -> Result<u64, Infallible> {
    let mut guard = CancelGuard { ctx, armed: false };
    let c = AsyncContext::enter(&mut *guard.ctx).await?;
    let entered = c.entered;
    guard.armed = true;
    let body = async move {
        if yields {
            tokio::task::yield_now().await;
        }
        black_box(work) + entered
    };
    let mut body = std::pin::pin!(body);
    let result = std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| body.as_mut().poll(cx))) {
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(payload) => std::task::Poll::Ready(Err(payload)),
        }
    })
    .await;
    let outcome = match &result {
        Ok(_) => Outcome::ok(),
        Err(_) => Outcome::cancelled(), // stands in for the panic outcome
    };
    let exited = AsyncContext::exit(&mut *guard.ctx, outcome).await;
    guard.armed = false;
    match result {
        Ok(v) => {
            exited?;
            Ok(v)
        }
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

async fn with_macro(ctx: &mut Counter, work: u64, yields: bool) -> Result<u64, Infallible> {
    let v = async_with!(&mut *ctx as c => {
        if yields {
            tokio::task::yield_now().await;
        }
        black_box(work) + c.entered
    });
    Ok(v)
}

fn bench_one(
    c: &mut Criterion,
    name: &str,
    f: impl AsyncFn(&mut Counter) -> Result<u64, Infallible>,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    c.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut ctx = Counter {
                entered: 0,
                exited: 0,
            };
            let start = Instant::now();
            rt.block_on(async {
                for i in 0..iters {
                    black_box(f(&mut ctx).await.unwrap_or(i));
                }
            });
            let elapsed = start.elapsed();
            // Every block entered and exited its context.
            assert_eq!((ctx.entered, ctx.exited), (iters, iters));
            elapsed
        })
    });
}

fn sizes() {
    let mut ctx = Counter {
        entered: 0,
        exited: 0,
    };
    let naive = std::mem::size_of_val(&naive(&mut ctx, 1, true));
    let guarded = std::mem::size_of_val(&guarded(&mut ctx, 1, true));
    let with_macro = std::mem::size_of_val(&with_macro(&mut ctx, 1, true));
    println!("future size: naive {naive} B, guarded {guarded} B, async_with! {with_macro} B");
}

fn overhead(c: &mut Criterion) {
    sizes();
    bench_one(c, "trivial/naive", async |ctx| naive(ctx, 1, false).await);
    bench_one(c, "trivial/guarded", async |ctx| {
        guarded(ctx, 1, false).await
    });
    bench_one(c, "trivial/async_with", async |ctx| {
        with_macro(ctx, 1, false).await
    });
    bench_one(c, "one_await/naive", async |ctx| naive(ctx, 1, true).await);
    bench_one(c, "one_await/guarded", async |ctx| {
        guarded(ctx, 1, true).await
    });
    bench_one(c, "one_await/async_with", async |ctx| {
        with_macro(ctx, 1, true).await
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = overhead
}
criterion_main!(benches);
