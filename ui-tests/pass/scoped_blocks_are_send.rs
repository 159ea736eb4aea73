// SPEC §2: a block's future is `Send` whenever its parts are — also a block with a scope,
// whatever the scope's error type. Each block is an async block written where its types
// are concrete, as one given to `tokio::spawn`: `Box<dyn Error + Send + Sync>` has a
// lifetime (`'static`) of its own, which the proof of `Send` for such a block must not
// depend on (it once failed with "higher-ranked lifetime error" there).
use async_with::{
    async_context, async_with, generator, timeout, CancelScope, CutReason, Elapsed, Exit,
    Generator, Handoff, Outcome, Scope, TaskGroup,
};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn assert_send<T: Send>(_: &T) {}

/// A scope written by hand whose impls ask for `E: 'static`, as the built-in `TaskGroup`'s do.
struct Guarded<E>(Option<E>);

#[async_context]
impl<E: Send + 'static> Guarded<E> {
    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<Exit, E> {
        Ok(if outcome.is_cut() { Exit::Suppress } else { Exit::Propagate })
    }
}

impl<E: Send + 'static> Scope for Guarded<E> {
    type Cut = Pin<Box<dyn Future<Output = CutReason> + Send>>;
    fn cut(&mut self) -> Self::Cut {
        Box::pin(std::future::pending())
    }
}

macro_rules! blocks_with_error {
    ($error:ty, $make:expr) => {{
        assert_send(&async {
            async_with!(TaskGroup::<$error>::new() as _tasks => {});
            Ok::<(), $error>(())
        });
        assert_send(&async {
            async_with!(TaskGroup::<$error>::new() as tasks => {
                tasks.spawn(async { Err($make) });
                tokio::time::sleep(Duration::from_secs(1)).await;
            });
            Ok::<(), $error>(())
        });
        // Borrowed, optional, around and inside other scopes, nested in a task.
        assert_send(&async {
            let mut group = TaskGroup::<$error>::new();
            async_with!(&mut group as tasks, Some(TaskGroup::<$error>::new()) as _more => {
                tasks.spawn(async {
                    async_with!(CancelScope::new(), TaskGroup::<$error>::new() => {});
                    Ok(())
                });
            });
            Ok::<(), $error>(())
        });
        assert_send(&async {
            async_with!(timeout(Duration::from_secs(1)), TaskGroup::<$error>::new() => {
                async_with!(Guarded::<$error>(None) => {
                    tokio::task::yield_now().await;
                });
            });
            // (The timeout's `Elapsed` leaves the block too.)
            Ok::<(), BoxError>(())
        });
        assert_send(&async {
            let session: Generator<'static, (), $error> = generator(|h: Handoff<()>| async move {
                Ok::<_, $error>(h.give(()).await.propagate())
            });
            async_with!(session => { tokio::task::yield_now().await; });
            Ok::<(), $error>(())
        });
    }};
}

fn main() {
    blocks_with_error!(BoxError, "boxed".into());
    blocks_with_error!(anyhow::Error, anyhow::anyhow!("anyhow"));
    blocks_with_error!(String, "string".to_string());
    blocks_with_error!(std::io::Error, std::io::Error::other("io"));
    blocks_with_error!(Elapsed, Elapsed);
}
