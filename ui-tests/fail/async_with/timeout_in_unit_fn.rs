// A timeout fails its block with `Elapsed`, which must be able to leave the function.
use async_with::{async_with, timeout};
use std::time::Duration;

async fn poll_sensor() {
    async_with!(timeout(Duration::from_secs(1)) => {
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
}

fn main() {
    let _ = poll_sensor();
}
