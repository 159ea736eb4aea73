// D1: a value that is not an async context.
use async_with::async_with;

async fn run() {
    let count = 5u32;
    async_with!(count as c => {
        let _ = c;
    });
}

fn main() {
    let _ = run();
}
