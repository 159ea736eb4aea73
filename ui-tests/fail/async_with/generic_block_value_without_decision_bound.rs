// A generic helper whose block gives a value, without saying the context never suppresses.
use async_with::{async_with, AsyncContext};

async fn measured<C: AsyncContext>(context: C, work: &str) -> Result<usize, C::Error> {
    let n = async_with!(context => { work.len() });
    Ok(n)
}

fn main() {}
