// A generator function must hand a value to the block: without `give` it has nothing to
// finish with.
use async_with::{generator, Handoff};

fn main() {
    let _ctx = generator(|_h: Handoff<u8>| async move {
        Ok::<_, std::convert::Infallible>(())
    });
}
