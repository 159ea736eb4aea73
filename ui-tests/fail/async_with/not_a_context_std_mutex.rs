// A `std::sync::Mutex`: its guard must not be held across `.await`.
use async_with::async_with;
use std::sync::Mutex;

async fn push(shared: &Mutex<Vec<u8>>) {
    async_with!(shared as items => {
        items.push(1);
    });
}

fn main() {
    let m = Mutex::new(vec![]);
    let _ = push(&m);
}
