// A `SendExitStack` takes contexts whose futures are known to be `Send`: this one's impl
// block is not marked `#[async_context(send)]`.
use async_with::{async_context, Outcome, SendExitStack};

struct Connection;

#[async_context]
impl Connection {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

async fn open_all() -> Result<(), async_with::StackError> {
    let mut stack = SendExitStack::new();
    stack.enter_context(Connection).await?;
    stack.close().await
}

fn main() {
    let _ = open_all();
}
