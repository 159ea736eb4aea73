// `enter_context` keeps a context, not its value: a lock's guard would be dropped at once.
use async_with::ExitStack;
use tokio::sync::Mutex;

async fn lock_both(a: &Mutex<u8>, b: &Mutex<u8>) -> Result<(), async_with::StackError> {
    let mut stack = ExitStack::new();
    stack.enter_context(a).await?;
    stack.enter_context(b).await?;
    stack.close().await
}

fn main() {
    let (a, b) = (Mutex::new(1), Mutex::new(2));
    futures::executor::block_on(lock_both(&a, &b)).unwrap();
}
