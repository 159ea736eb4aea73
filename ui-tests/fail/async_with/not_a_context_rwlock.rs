// A `tokio::sync::RwLock`: say which lock, with `read(&lock)` or `write(&lock)`.
use async_with::async_with;
use tokio::sync::RwLock;

async fn total(shared: &RwLock<Vec<u8>>) -> usize {
    async_with!(shared as items => {
        items.len()
    })
}

fn main() {
    let l = RwLock::new(vec![]);
    let _ = total(&l);
}
