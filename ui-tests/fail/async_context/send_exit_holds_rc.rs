// `#[async_context(send)]` on a context whose exit keeps an `Rc` across an `.await`.
use async_with::{async_context, Outcome};
use std::rc::Rc;

struct Connection;

#[async_context(send)]
impl Connection {
    async fn exit(&mut self, _outcome: Outcome<'_>) {
        let count = Rc::new(1);
        std::future::ready(()).await;
        drop(count);
    }
}

fn main() {}
