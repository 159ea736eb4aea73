// A timeout fails its block with `Elapsed`; the function's own error type has no
// `From<Elapsed>`.
use async_with::{async_with, timeout};
use std::time::Duration;

#[derive(Debug)]
enum SensorError {
    Disconnected,
}

async fn poll_sensor() -> Result<u32, SensorError> {
    let reading = async_with!(timeout(Duration::from_secs(1)) => {
        tokio::time::sleep(Duration::from_secs(5)).await;
        7
    });
    if reading == 0 {
        return Err(SensorError::Disconnected);
    }
    Ok(reading)
}

fn main() {
    let _ = poll_sensor();
}
