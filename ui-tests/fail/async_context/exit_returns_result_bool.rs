// D7: `exit` returns `Result<bool, E>`.
use async_with::{async_context, Outcome};

struct Connection;

#[async_context]
impl Connection {
    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<bool, std::io::Error> {
        Ok(outcome.is_err())
    }
}

fn main() {}
