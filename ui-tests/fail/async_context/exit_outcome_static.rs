// `exit` asking for an outcome that lives forever.
use async_with::{async_context, Outcome};

struct Conn;

#[async_context]
impl Conn {
    async fn exit(&mut self, outcome: Outcome<'static>) {
        let _ = outcome;
    }
}

fn main() {}
