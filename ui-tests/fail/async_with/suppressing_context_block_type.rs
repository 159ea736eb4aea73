// D10: a context that can suppress, around a block whose value is not `()`/`Option<_>`.
use async_with::{async_context, async_with, Exit, Outcome};

struct IgnoreErrors;

#[async_context]
impl IgnoreErrors {
    async fn exit(&mut self, outcome: Outcome<'_>) -> Exit {
        if outcome.is_err() { Exit::Suppress } else { Exit::Propagate }
    }
}

async fn run() -> Result<u32, std::num::ParseIntError> {
    let n = async_with!(IgnoreErrors => {
        "42".parse::<u32>()?
    });
    Ok(n)
}

fn main() {
    let _ = run();
}
