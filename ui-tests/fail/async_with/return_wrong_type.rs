// `return` of a value the fn cannot return.
use async_with::{async_context, async_with, Outcome};

struct Span;

#[async_context]
impl Span {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

async fn count() -> u32 {
    async_with!(Span => {
        return "x";
    });
    1
}

fn main() {
    let _ = count();
}
