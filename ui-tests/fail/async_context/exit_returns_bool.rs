// D7: `exit` returns `bool`, Python's truthy `__aexit__`.
use async_with::{async_context, Outcome};

struct Connection;

#[async_context]
impl Connection {
    async fn exit(&mut self, outcome: Outcome<'_>) -> bool {
        outcome.is_err()
    }
}

fn main() {}
