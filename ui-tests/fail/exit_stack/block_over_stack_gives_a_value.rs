// D10: a block over an `ExitStack` (whose pushed exits may suppress) that gives a value;
// the error names the stack as the context that makes the block `()`/`Option`.
use async_with::{async_with, suppress, ExitStack, StackError};

async fn run() -> Result<u32, StackError> {
    let n = async_with!(suppress::<std::io::Error>(), ExitStack::new() as stack => {
        let _ = stack.len();
        42
    });
    Ok(n)
}

fn main() {
    let _ = run();
}
