// The same context borrowed by two layers of one block.
use async_with::{async_context, async_with, Outcome};

struct Connection {
    id: u32,
}

#[async_context]
impl Connection {
    async fn enter(&mut self) -> &mut Self {
        self
    }
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

async fn run() {
    let mut conn = Connection { id: 1 };
    async_with!(&mut conn as a, &mut conn as b => {
        let _ = (a.id, b.id);
    });
}

fn main() {
    let _ = run();
}
