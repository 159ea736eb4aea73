// `enter`/`exit` written, but the impl block is not marked `#[async_context]`.
use async_with::{async_with, Outcome};

struct Span;

impl Span {
    async fn enter(&mut self) {}
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

async fn run() {
    async_with!(Span => {});
}

fn main() {
    let _ = run();
}
