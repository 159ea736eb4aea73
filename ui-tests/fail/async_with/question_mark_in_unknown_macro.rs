// S16: a `?` inside a macro the rewriter cannot see into is a compile error, never a
// skipped exit.
use async_with::{async_context, async_with, Outcome};

struct Lock(u8);

#[async_context]
impl Lock {
    async fn enter(&mut self) -> u8 {
        self.0
    }

    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

macro_rules! first {
    ($e:expr) => {
        $e
    };
}

async fn run(mut m: Lock) -> Result<u8, std::num::ParseIntError> {
    let n = async_with!(&mut m as guard => {
        first!("1".parse::<u8>()?) + guard
    });
    Ok(n)
}

fn main() {}
