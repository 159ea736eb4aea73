// `?` in a fn that returns `()`: there is nowhere for the error to go.
use async_with::{async_context, async_with, Outcome};

struct Span;

#[async_context]
impl Span {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

async fn log_number(text: &str) {
    async_with!(Span => {
        let n: u32 = text.parse()?;
        let _ = n;
    });
}

fn main() {
    let _ = log_number("1");
}
