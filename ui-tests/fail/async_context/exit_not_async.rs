// D6: `exit` is not `async`.
use async_with::{async_context, Outcome};

struct Connection;

#[async_context]
impl Connection {
    fn exit(&mut self, _outcome: Outcome<'_>) {}
}

fn main() {}
