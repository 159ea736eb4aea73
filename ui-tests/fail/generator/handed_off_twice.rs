// A generator function hands a value to the block once: a second `give` does not compile.
use async_with::{generator, Handoff};

fn main() {
    let _ctx = generator(|h: Handoff<u8>| async move {
        let first = h.give(1).await;
        let _second = h.give(2).await;
        Ok::<_, std::convert::Infallible>(first.propagate())
    });
}
