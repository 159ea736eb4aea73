// D11: a `,` with no context after it.
use async_with::async_with;

async fn run(m: &tokio::sync::Mutex<u8>) {
    async_with!(m as a, => {});
}

fn main() {}
