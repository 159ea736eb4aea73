// A tokio timeout (a future around the work) where the scope `async_with::timeout` was meant.
use async_with::async_with;

async fn work() -> u32 {
    1
}

async fn run() -> Result<u32, async_with::Elapsed> {
    let n = async_with!(tokio::time::timeout(std::time::Duration::from_secs(1), work()) => { 2 });
    Ok(n)
}

fn main() {
    let _ = run();
}
