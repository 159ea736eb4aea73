// A timeout moved by a duration where its handle takes an instant of tokio's clock.
use async_with::{async_with, timeout, Elapsed};

async fn run() -> Result<(), Elapsed> {
    async_with!(timeout(std::time::Duration::from_secs(1)) as deadline => {
        deadline.reschedule(std::time::Duration::from_secs(5));
    });
    Ok(())
}

fn main() {
    let _ = run();
}
