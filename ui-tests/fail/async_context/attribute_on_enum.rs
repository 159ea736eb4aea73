// D12: `#[async_context]` on an enum.
use async_with::async_context;

#[async_context]
enum Connection {
    Open,
    Closed,
}

fn main() {}
