// D11: an expression instead of a block after `=>`.
use async_with::async_with;

async fn run(m: &tokio::sync::Mutex<u8>) {
    async_with!(m as guard => *guard + 1);
}

fn main() {}
