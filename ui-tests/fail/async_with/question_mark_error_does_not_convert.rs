// `?` on an error that does not convert into the fn's error type.
use async_with::{async_context, async_with, Outcome};

struct Span;

#[async_context]
impl Span {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

#[derive(Debug)]
struct AppError;

async fn parse(text: &str) -> Result<u32, AppError> {
    let n = async_with!(Span => { text.parse::<u32>()? });
    Ok(n)
}

fn main() {
    let _ = parse("1");
}
