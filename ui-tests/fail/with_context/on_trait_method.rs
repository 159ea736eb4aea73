// `#[with_context]` on a trait method without a body.
use async_with::{async_context, with_context, Outcome};

struct Span;

#[async_context]
impl Span {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

trait Store {
    #[with_context(Span)]
    async fn save(&self);
}

fn main() {}
