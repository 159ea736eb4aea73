// D11: no context at all.
use async_with::async_with;

async fn run() {
    async_with!(=> {});
    async_with!();
}

fn main() {}
