// D12: `#[async_context(enter = .., exit = ..)]` on a struct: the attribute cannot see
// methods defined elsewhere, so it points to the impl-block form.
use async_with::{async_context, Outcome};

#[async_context(enter = open, exit = close)]
struct Connection;

impl Connection {
    async fn open(&mut self) -> &mut Self {
        self
    }

    async fn close(&mut self, _outcome: Outcome<'_>) {}
}

fn main() {}
