// `#[async_context(..)]` with a flag given twice and a misspelt one.
use async_with::{async_context, Outcome};

struct Connection;

#[async_context(send, send, spawn_exit)]
impl Connection {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

fn main() {}
