// A generator must end with what its hand-off gave back (`Ok(ended.propagate())`), so
// that a failure of the block it wrapped is not swallowed by accident.
use async_with::{Handoff, generator};

fn main() {
    let _ = generator(|h: Handoff<u32>| async move {
        let _ended = h.give(1).await;
        Ok::<_, std::io::Error>(())
    });
}
