// D10 / C14: a `TaskGroup` can swallow its own cut (`cancel()`), so its block is `()` or
// `Option<_>`, as a `CancelScope`'s.
use async_with::{async_with, TaskGroup};

async fn run() -> Result<u32, String> {
    let n = async_with!(TaskGroup::<String>::new() as tasks => {
        tasks.spawn(async { Ok(()) });
        7
    });
    Ok(n)
}

fn main() {
    let _ = run();
}
