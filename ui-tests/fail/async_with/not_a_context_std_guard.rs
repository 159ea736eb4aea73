// D2: a synchronous lock is not an async context.
use async_with::async_with;
use std::sync::Mutex;

async fn run(shared: &Mutex<Vec<u8>>) {
    async_with!(shared.lock().unwrap() as guard => {
        guard.push(1);
    });
}

fn main() {
    let m = Mutex::new(vec![]);
    let _ = run(&m);
}
