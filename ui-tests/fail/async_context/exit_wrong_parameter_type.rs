// D5: `exit`'s parameter is not an `Outcome`.
use async_with::async_context;

struct Connection;

#[async_context]
impl Connection {
    async fn exit(&mut self, failed: Option<std::io::Error>) {
        let _ = failed;
    }
}

fn main() {}
