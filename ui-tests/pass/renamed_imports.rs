// `Outcome` and `Exit` imported under other names are accepted: the checks look at what
// a rename may be, and the type checker confirms it.
use async_with::{async_context, async_with, Exit as Decision, Outcome as O};

struct Quiet;

#[async_context]
impl Quiet {
    async fn exit(&mut self, outcome: O<'_>) -> Decision {
        if outcome.is_err() { Decision::Suppress } else { Decision::Propagate }
    }
}

struct Plain;

#[async_context]
impl Plain {
    async fn exit(&mut self, _outcome: O<'_>) -> Result<(), std::io::Error> {
        Ok(())
    }
}

async fn run() -> Result<(), std::io::Error> {
    async_with!(Quiet, Plain => {
        Err(std::io::Error::other("swallowed"))?;
    });
    Ok(())
}

fn main() {
    let _ = run();
}
