// D12: `#[async_context]` on a trait.
use async_with::async_context;

#[async_context]
trait Resource {
    async fn close(&mut self);
}

fn main() {}
