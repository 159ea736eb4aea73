//! Instructions per block, for cachegrind: `instructions VARIANT N` runs `N` blocks of one
//! variant of `shapes` (each built and polled to its end in a function of its own that is
//! never inlined, on a no-op waker), `instructions sizes` prints the futures' sizes.
//! `tests/benches/instructions.sh` runs every variant under valgrind with `N` and `2N`
//! blocks and prints the difference per block: the instructions one block costs, without
//! the process's setup. Instruction counts do not move with the load on the machine, as
//! the criterion timings of `overhead.rs` do.
//!
//! Variants: `{trivial,realistic}-{trivial,await}-{naive,twin,macro}`.

mod shapes;

use shapes::*;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Builds one block's future and polls it to its end.
#[inline(never)]
fn run_block<F: Future>(block: F) -> F::Output {
    let mut block = pin!(block);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = block.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

macro_rules! run {
    ($n:expr, $state:expr, $f:path, $yields:expr, $counts:expr) => {{
        let mut state = $state;
        for _ in 0..$n {
            let _ = black_box(run_block($f(black_box(&mut state), black_box(1), $yields)));
        }
        assert_eq!($counts(&state), ($n, $n), "every block entered and exited");
    }};
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(variant) = args.get(1) else {
        eprintln!("usage: instructions VARIANT N | instructions sizes");
        std::process::exit(2);
    };
    if variant == "sizes" {
        print_sizes();
        return;
    }
    let n: u64 = args
        .get(2)
        .and_then(|n| n.parse().ok())
        .expect("a number of blocks");
    let counter_counts = |c: &Counter| (c.entered, c.exited);
    let resource_counts = |r: &Resource| (r.opened, r.closed);
    match variant.as_str() {
        "trivial-trivial-naive" => run!(n, counter(), naive, false, counter_counts),
        "trivial-trivial-twin" => run!(n, counter(), twin, false, counter_counts),
        "trivial-trivial-macro" => run!(n, counter(), with_macro, false, counter_counts),
        "trivial-await-naive" => run!(n, counter(), naive, true, counter_counts),
        "trivial-await-twin" => run!(n, counter(), twin, true, counter_counts),
        "trivial-await-macro" => run!(n, counter(), with_macro, true, counter_counts),
        "realistic-trivial-naive" => run!(n, resource(), session_naive, false, resource_counts),
        "realistic-trivial-twin" => run!(n, resource(), session_twin, false, resource_counts),
        "realistic-trivial-macro" => run!(n, resource(), session_macro, false, resource_counts),
        "realistic-await-naive" => run!(n, resource(), session_naive, true, resource_counts),
        "realistic-await-twin" => run!(n, resource(), session_twin, true, resource_counts),
        "realistic-await-macro" => run!(n, resource(), session_macro, true, resource_counts),
        other => {
            eprintln!("unknown variant {other}");
            std::process::exit(2);
        }
    }
}
