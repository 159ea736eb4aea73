// The body passed as a closure, as in callback-style APIs.
use async_with::{async_context, async_with, Outcome};

struct Conn;

#[async_context]
impl Conn {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

async fn run() {
    async_with!(Conn, |conn| { let _ = conn; });
}

fn main() {
    let _ = run();
}
