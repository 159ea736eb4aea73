// D10: a block over a `generator` (whose function may end with `ended.suppress()`) that
// gives a value; the error names the generator.
use async_with::{async_with, generator, Handoff};

async fn run() -> Result<u32, std::io::Error> {
    let numbers = generator(|h: Handoff<u32>| async move {
        Ok::<_, std::io::Error>(h.give(41).await.propagate())
    });
    let n = async_with!(numbers as n => { n + 1 });
    Ok(n)
}

fn main() {
    let _ = run();
}
