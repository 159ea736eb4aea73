// `break` with a value cannot leave the body.
use async_with::{async_context, async_with, Outcome};

struct Lock(u8);

#[async_context]
impl Lock {
    async fn enter(&mut self) -> u8 {
        self.0
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

async fn run(mut m: Lock) -> u8 {
    loop {
        async_with!(&mut m as guard => {
            break guard;
        });
    }
}

fn main() {}
