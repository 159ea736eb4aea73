// D4: an impl without `exit`.
use async_with::async_context;

struct Connection;

#[async_context]
impl Connection {
    async fn enter(&mut self) -> &mut Self {
        self
    }
}

fn main() {}
