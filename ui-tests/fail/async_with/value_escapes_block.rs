// The entered value borrows the context, and the block tries to give it out: the context
// is exited (and dropped) when the block ends, so the value cannot outlive it.
use async_with::{async_context, async_with, Outcome};

struct Connection {
    id: u32,
}

#[async_context]
impl Connection {
    async fn enter(&mut self) -> &mut Self {
        self
    }
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

async fn run() -> u32 {
    let conn = async_with!(Connection { id: 1 } as conn => { conn });
    conn.id
}

fn main() {
    let _ = run();
}
