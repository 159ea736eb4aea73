// D11: no `=>` before the block.
use async_with::async_with;

async fn run(m: &tokio::sync::Mutex<u8>) {
    async_with!(m as guard { let _ = guard; });
}

fn main() {}
