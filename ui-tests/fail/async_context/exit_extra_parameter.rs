// D5: `exit` with a parameter besides the outcome.
use async_with::{async_context, Outcome};

struct Connection;

#[async_context]
impl Connection {
    async fn exit(&mut self, outcome: Outcome<'_>, retries: u32) {
        let _ = (outcome, retries);
    }
}

fn main() {}
