// A stack has no body of its own: a timeout entered into it could never cut anything.
use async_with::{async_with, timeout, ExitStack, StackError};
use std::time::Duration;

async fn fetch_all() -> Result<(), StackError> {
    async_with!(ExitStack::new() as stack => {
        stack.enter_context(timeout(Duration::from_secs(1))).await?;
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    Ok(())
}

fn main() {
    futures::executor::block_on(fetch_all()).unwrap();
}
