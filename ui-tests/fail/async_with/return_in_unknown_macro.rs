// S16: a `return` inside a macro the rewriter cannot see into is a compile error, never a
// skipped exit.
use async_with::{async_context, async_with, Outcome};

struct Lock;

#[async_context]
impl Lock {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

macro_rules! give_up {
    ($e:expr) => {
        return Err($e)
    };
}

async fn run(fail: bool) -> Result<u8, String> {
    async_with!(Lock => {
        if fail {
            give_up!("no".to_string());
        }
    });
    Ok(1)
}

fn main() {}
