// D12: an unknown flag in `#[async_context(..)]` is named in the error, with the ones it takes.
use async_with::{async_context, Outcome};

struct Connection;

#[async_context(flavour)]
impl Connection {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

fn main() {}
