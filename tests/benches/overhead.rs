//! `async_with!` against the same enter/body/exit written by hand, in one run.
//!
//! - `naive`: enter, body, exit in sequence; skips exit on `?` and on panic, and has no
//!   cancel hook (what people write today).
//! - `guarded`: written by hand with the same guarantees as the macro (exit on every
//!   path, panic caught and resumed, cancel hook on drop).
//! - `macro`: `async_with!`.
//!
//! Each is measured on two shapes (SPEC §6): `Counter`, a context borrowed as `&mut *ctx`
//! with a trivial enter and exit; and `Session`, the shape users write: an owned context
//! built in the block around a borrowed resource (`Session { res: &mut res }`), whose
//! fallible enter and exit await inner async fns. Each with a trivial body and with a
//! body doing one real `.await` (`tokio::task::yield_now`), on a current-thread runtime,
//! many blocks per `block_on`. Future sizes are printed before the timings.
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

/// The resource a `Session` borrows.
struct Resource {
    opened: u64,
    closed: u64,
}

impl Resource {
    async fn open(&mut self) -> Result<u64, SessionError> {
        self.opened += 1;
        Ok(self.opened)
    }

    async fn close(&mut self, ok: bool) -> Result<(), SessionError> {
        self.closed += u64::from(ok) + u64::from(!ok);
        Ok(())
    }
}

#[derive(Debug)]
struct SessionError;

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("session error")
    }
}

impl std::error::Error for SessionError {}

/// The realistic shape: an owned context with a lifetime, built in the block.
struct Session<'a> {
    res: &'a mut Resource,
}

#[async_context]
impl Session<'_> {
    async fn enter(&mut self) -> Result<u64, SessionError> {
        self.res.open().await
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), SessionError> {
        self.res.close(outcome.is_ok()).await
    }
}

async fn session_naive(res: &mut Resource, work: u64, yields: bool) -> Result<u64, SessionError> {
    let mut session = Session { res };
    let id = AsyncContext::enter(&mut session).await?;
    if yields {
        tokio::task::yield_now().await;
    }
    let v = black_box(work) + id;
    AsyncContext::exit(&mut session, Outcome::ok()).await?;
    Ok(v)
}

/// Calls `cancel` if dropped between enter and the end of exit.
struct SessionGuard<'a> {
    session: Session<'a>,
    armed: bool,
}

impl Drop for SessionGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.session.cancel();
        }
    }
}

async fn session_guarded(res: &mut Resource, work: u64, yields: bool) -> Result<u64, SessionError> {
    let mut guard = SessionGuard {
        session: Session { res },
        armed: false,
    };
    let id = AsyncContext::enter(&mut guard.session).await?;
    guard.armed = true;
    let result = {
        let body = std::pin::pin!(async move {
            if yields {
                tokio::task::yield_now().await;
            }
            black_box(work) + id
        });
        catch(body).await
    };
    let outcome = match &result {
        Ok(_) => Outcome::ok(),
        Err(_) => Outcome::cancelled(), // stands in for the panic outcome
    };
    let exited = AsyncContext::exit(&mut guard.session, outcome).await;
    guard.armed = false;
    match result {
        Ok(v) => {
            exited?;
            Ok(v)
        }
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

async fn session_macro(res: &mut Resource, work: u64, yields: bool) -> Result<u64, SessionError> {
    let v = async_with!(Session { res } as id => {
        if yields {
            tokio::task::yield_now().await;
        }
        black_box(work) + id
    });
    Ok(v)
}

/// Polls a pinned future with panics caught, as the macro's guarantees require.
async fn catch<F: std::future::Future>(
    mut body: std::pin::Pin<&mut F>,
) -> Result<F::Output, Box<dyn std::any::Any + Send>> {
    std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| body.as_mut().poll(cx))) {
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(payload) => std::task::Poll::Ready(Err(payload)),
        }
    })
    .await
}

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

fn counter() -> Counter {
    Counter {
        entered: 0,
        exited: 0,
    }
}

fn resource() -> Resource {
    Resource {
        opened: 0,
        closed: 0,
    }
}

fn bench_one(
    c: &mut Criterion,
    name: &str,
    f: impl AsyncFn(&mut Counter) -> Result<u64, Infallible>,
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

fn sizes() {
    let mut ctx = counter();
    let naive = std::mem::size_of_val(&naive(&mut ctx, 1, true));
    let guarded = std::mem::size_of_val(&guarded(&mut ctx, 1, true));
    let with_macro = std::mem::size_of_val(&with_macro(&mut ctx, 1, true));
    println!(
        "future size, trivial shape: naive {naive} B, guarded {guarded} B, async_with! {with_macro} B"
    );
    let mut res = resource();
    let naive = std::mem::size_of_val(&session_naive(&mut res, 1, true));
    let guarded = std::mem::size_of_val(&session_guarded(&mut res, 1, true));
    let with_macro = std::mem::size_of_val(&session_macro(&mut res, 1, true));
    println!(
        "future size, realistic shape: naive {naive} B, guarded {guarded} B, async_with! {with_macro} B"
    );
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
    for (name, yields) in [("realistic_trivial", false), ("realistic_one_await", true)] {
        bench_session(c, &format!("{name}/naive"), async |res| {
            session_naive(res, 1, yields).await
        });
        bench_session(c, &format!("{name}/guarded"), async |res| {
            session_guarded(res, 1, yields).await
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
