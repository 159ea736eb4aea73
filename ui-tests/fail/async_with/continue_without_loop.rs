// `continue` with no loop around the block.
use async_with::{async_context, async_with, Outcome};

struct Span;

#[async_context]
impl Span {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

async fn run() {
    async_with!(Span => {
        continue;
    });
}

fn main() {
    let _ = run();
}
