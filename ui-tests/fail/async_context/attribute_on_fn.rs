// D12: `#[async_context]` on a plain fn.
use async_with::async_context;

#[async_context]
async fn connect() {}

fn main() {}
