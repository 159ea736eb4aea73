// D8: `exit` takes `self` by value.
use async_with::{async_context, Outcome};

struct Connection;

#[async_context]
impl Connection {
    async fn exit(self, _outcome: Outcome<'_>) {}
}

fn main() {}
