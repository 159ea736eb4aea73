// D12: `#[async_context]` on an impl block with arguments.
use async_with::{async_context, Outcome};

struct Connection;

#[async_context(retries = 3)]
impl Connection {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

fn main() {}
