// A function that builds the context, passed without calling it.
use async_with::{async_context, async_with, Outcome};

struct Connection;

#[async_context]
impl Connection {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

fn open() -> Connection {
    Connection
}

async fn run() {
    async_with!(open as conn => {
        let _ = conn;
    });
}

fn main() {
    let _ = run();
}
