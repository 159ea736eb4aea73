// A tokio `MutexGuard`: pass the mutex, and the block locks and releases it.
use async_with::async_with;
use tokio::sync::Mutex;

async fn push(shared: &Mutex<Vec<u8>>) {
    async_with!(shared.lock().await as items => {
        items.push(1);
    });
}

fn main() {
    let m = Mutex::new(vec![]);
    let _ = push(&m);
}
