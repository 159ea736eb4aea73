// `?` on a `Result` in a fn that returns `Option`.
use async_with::{async_context, async_with, Outcome};

struct Span;

#[async_context]
impl Span {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

async fn first_number(text: &str) -> Option<u32> {
    let n = async_with!(Span => { text.parse::<u32>()? });
    Some(n)
}

fn main() {
    let _ = first_number("1");
}
