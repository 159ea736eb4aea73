// A body's value whose type is only known from later code: exit must know whether it
// is an `Err`, so the type is needed at the tail.
use async_with::{async_context, async_with, Outcome};

struct Span;

#[async_context]
impl Span {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

async fn run() {
    let lengths = async_with!(Span => { "a bb ccc".split(' ').map(|s| s.len()).collect() });
    let _: Vec<usize> = lengths;
}

fn main() {
    let _ = run();
}
