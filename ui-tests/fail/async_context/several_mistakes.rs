// D4 + D6 + D9 at once: every mistake of an impl is reported, and uses of the type
// do not add errors of their own.
use async_with::{async_context, async_with};

struct Connection;

#[async_context]
impl Connection {
    fn enter(&mut self, address: &str) -> &mut Self {
        let _ = address;
        self
    }
}

async fn run() {
    async_with!(Connection as c => {
        let _ = c;
    });
}

fn main() {
    let _ = run();
}
