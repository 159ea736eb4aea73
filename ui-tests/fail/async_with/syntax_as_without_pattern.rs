// D11: `as` with no pattern.
use async_with::async_with;

async fn run(m: &tokio::sync::Mutex<u8>) {
    async_with!(m as => {});
}

fn main() {}
