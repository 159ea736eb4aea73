// D13: `enter` and `exit` with different error types.
use async_with::{async_context, Outcome};

struct Connection;

#[async_context]
impl Connection {
    async fn enter(&mut self) -> Result<&mut Self, std::io::Error> {
        Ok(self)
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), std::fmt::Error> {
        Ok(())
    }
}

fn main() {}
