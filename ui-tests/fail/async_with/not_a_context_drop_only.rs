// D2: a type with only a synchronous `Drop` is not an async context.
use async_with::async_with;

struct TempDir;

impl Drop for TempDir {
    fn drop(&mut self) {}
}

async fn run() {
    async_with!(TempDir as dir => {
        let _ = dir;
    });
}

fn main() {
    let _ = run();
}
