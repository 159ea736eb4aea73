// A fallible context inside a function that cannot return its error.
use async_with::{async_context, async_with, Outcome};

struct Connection;

#[async_context]
impl Connection {
    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), std::io::Error> {
        Ok(())
    }
}

async fn run() {
    async_with!(Connection => {});
}

fn main() {
    let _ = run();
}
