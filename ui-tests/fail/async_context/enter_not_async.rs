// D6: `enter` is not `async`.
use async_with::{async_context, Outcome};

struct Connection;

#[async_context]
impl Connection {
    fn enter(&mut self) -> &mut Self {
        self
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

fn main() {}
