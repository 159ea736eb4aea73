// D5: `exit` without the outcome parameter.
use async_with::async_context;

struct Connection;

#[async_context]
impl Connection {
    async fn exit(&mut self) {}
}

fn main() {}
