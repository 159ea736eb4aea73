// `Result<&mut Self>` names no error type: std's `Result` takes two.
use async_with::{async_context, Outcome};

struct Connection;

#[async_context]
impl Connection {
    async fn enter(&mut self) -> Result<&mut Self> {
        Ok(self)
    }
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

fn main() {}
