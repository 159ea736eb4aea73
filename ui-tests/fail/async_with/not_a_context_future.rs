// D3: a future that resolves to a context, used without `.await`.
use async_with::{async_context, async_with, Outcome};

struct Connection;

#[async_context]
impl Connection {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

async fn connect() -> Connection {
    Connection
}

async fn run() {
    async_with!(connect() as conn => {
        let _ = conn;
    });
}

fn main() {
    let _ = run();
}
