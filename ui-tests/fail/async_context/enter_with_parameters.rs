// D9: `enter` with parameters besides `self`.
use async_with::{async_context, Outcome};

struct Connection;

#[async_context]
impl Connection {
    async fn enter(&mut self, address: &str) -> &mut Self {
        let _ = address;
        self
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

fn main() {}
