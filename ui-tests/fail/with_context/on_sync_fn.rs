// `#[with_context]` on a fn that is not async.
use async_with::{async_context, with_context, Outcome};

struct Span;

#[async_context]
impl Span {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

#[with_context(Span)]
fn work() -> u32 {
    1
}

fn main() {
    let _ = work();
}
