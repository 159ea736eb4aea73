// A value that is not a context, entered into a stack: one error, at the value.
use async_with::ExitStack;

async fn open() -> Result<(), async_with::StackError> {
    let mut stack = ExitStack::new();
    stack.enter_context(42u32).await?;
    stack.close().await
}

fn main() {
    let _ = open();
}
