// D8: `enter` has no `self`.
use async_with::{async_context, Outcome};

struct Connection;

#[async_context]
impl Connection {
    async fn enter() -> Connection {
        Connection
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

fn main() {}
