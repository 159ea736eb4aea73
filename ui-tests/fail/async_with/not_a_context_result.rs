// A `Result` of a context: the error must be handled (`?`) first.
use async_with::{async_context, async_with, Outcome};

struct Connection;

#[async_context]
impl Connection {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

fn open() -> std::io::Result<Connection> {
    Ok(Connection)
}

async fn run() -> std::io::Result<()> {
    async_with!(open() as conn => {
        let _ = conn;
    });
    Ok(())
}

fn main() {
    let _ = run();
}
