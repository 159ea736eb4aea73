#!/usr/bin/env bash
# Build time of 1,000 `async_with!` blocks against the same 1,000 functions written by
# hand (enter, body, exit on each path), on two shapes (a borrowed trivial context; an
# owned `Session<'a>` built in the block whose enter/exit await), both as fresh crates depending on this
# workspace's `async-with`. Dependencies are built first; then each crate's own
# compilation is timed (debug, non-incremental), `ROUNDS` times each.
#
#   bash tests/benches/build_time.sh            # ROUNDS=3 by default
#   MEASURE=instructions bash tests/benches/build_time.sh
#
# The second form counts the instructions rustc executes for each crate's own compilation
# (valgrind's cachegrind; `BLOCKS=100` by default there), minus those of the same crate
# with no functions: deterministic to 0.01 %, where wall and CPU time on a shared 2-core
# machine vary by ±10 % between runs. Needs `valgrind` on the PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
out="$root/target/build-time"
rounds=${ROUNDS:-3}
if [ "${MEASURE:-time}" = instructions ]; then blocks=${BLOCKS:-100}; else blocks=${BLOCKS:-1000}; fi
mkdir -p "$out"

crate() { # name, body-generator
    local dir="$out/$1"
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
async-with = { path = "$root/runtime", default-features = false }

[workspace]
TOML
    {
        cat <<'RS'
#![allow(clippy::all, unused_imports)]
use async_with::{async_context, async_with, AsyncContext, Outcome};

#[derive(Debug)]
pub struct Error(pub u32);
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "error {}", self.0) }
}
impl std::error::Error for Error {}

pub struct Ctx { pub entered: u32 }

#[async_context]
impl Ctx {
    async fn enter(&mut self) -> Result<u32, Error> { self.entered += 1; Ok(self.entered) }
    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Error> { Ok(()) }
}

pub fn step(x: u32) -> Result<u32, Error> { if x == 7 { Err(Error(x)) } else { Ok(x + 1) } }

pub struct Res { pub opened: u32, pub closed: u32 }
impl Res {
    pub async fn open(&mut self) -> Result<u32, Error> { self.opened += 1; Ok(self.opened) }
    pub async fn close(&mut self, ok: bool) -> Result<(), Error> { self.closed += u32::from(ok); Ok(()) }
}

pub struct Session<'a> { pub res: &'a mut Res }

#[async_context]
impl Session<'_> {
    async fn enter(&mut self) -> Result<u32, Error> { self.res.open().await }
    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Error> { self.res.close(outcome.is_ok()).await }
}
RS
        for i in $(seq 1 "$blocks"); do "$2" "$i"; done
    } > "$dir/src/lib.rs"
}

with_macro() {
    cat <<RS
pub async fn f$1(ctx: &mut Ctx, x: u32) -> Result<u32, Error> {
    let v = async_with!(&mut *ctx as n => {
        let y = step(x + n)?;
        if y > 1000 { return Ok(y); }
        y + $1
    });
    Ok(v)
}
RS
}

by_hand() {
    cat <<RS
pub async fn f$1(ctx: &mut Ctx, x: u32) -> Result<u32, Error> {
    let n = AsyncContext::enter(ctx).await?;
    let y = match step(x + n) {
        Ok(y) => y,
        Err(e) => { AsyncContext::exit(ctx, Outcome::failed(&e)).await?; return Err(e); }
    };
    if y > 1000 { AsyncContext::exit(ctx, Outcome::ok()).await?; return Ok(y); }
    let v = y + $1;
    AsyncContext::exit(ctx, Outcome::ok()).await?;
    Ok(v)
}
RS
}

# The realistic shape: an owned context with a lifetime, built in the block, whose
# enter and exit await inner async fns.
with_macro_realistic() {
    cat <<RS
pub async fn f$1(res: &mut Res, x: u32) -> Result<u32, Error> {
    let v = async_with!(Session { res } as n => {
        let y = step(x + n)?;
        if y > 1000 { return Ok(y); }
        y + $1
    });
    Ok(v)
}
RS
}

by_hand_realistic() {
    cat <<RS
pub async fn f$1(res: &mut Res, x: u32) -> Result<u32, Error> {
    let mut s = Session { res };
    let n = AsyncContext::enter(&mut s).await?;
    let y = match step(x + n) {
        Ok(y) => y,
        Err(e) => { AsyncContext::exit(&mut s, Outcome::failed(&e)).await?; return Err(e); }
    };
    if y > 1000 { AsyncContext::exit(&mut s, Outcome::ok()).await?; return Ok(y); }
    let v = y + $1;
    AsyncContext::exit(&mut s, Outcome::ok()).await?;
    Ok(v)
}
RS
}

crates="with_macro by_hand with_macro_realistic by_hand_realistic"
for c in $crates; do crate "$c" "$c"; done

export CARGO_TARGET_DIR="$out/target" CARGO_INCREMENTAL=0

if [ "${MEASURE:-time}" = instructions ]; then
    # The same crates' headers with no function: what every crate pays regardless.
    crate empty true
    for c in empty $crates; do
        cmd=$(cd "$out/$c" && touch src/lib.rs && cargo build -v 2>&1 |
            sed -n "s/.*Running \`\(.*rustc --crate-name $c .*\)\`$/\1/p")
        # shellcheck disable=SC2086
        n=$(cd "$out/$c" && eval "valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null $cmd" 2>&1 |
            sed -n 's/.*I *refs: *//p' | tr -d ,)
        echo "$c $n"
    done | awk -v blocks="$blocks" '
        { n[$1] = $2 }
        END {
            e = n["empty"]
            for (c in n) if (c != "empty") per[c] = (n[c] - e) / blocks / 1e6
            printf "per block, millions of instructions: async_with! %.1f, by hand %.1f\n", per["with_macro"], per["by_hand"]
            printf "trivial shape: ratio %.2fx\n", per["with_macro"] / per["by_hand"]
            printf "realistic shape: async_with! %.1f, by hand %.1f, ratio %.2fx\n", per["with_macro_realistic"], per["by_hand_realistic"], per["with_macro_realistic"] / per["by_hand_realistic"]
        }'
    exit 0
fi
for c in $crates; do
    (cd "$out/$c" && cargo build -q 2>/dev/null)  # dependencies, and a warm-up
done
# Interleaved, so that drift in the machine's speed hits both crates alike; the median
# of the rounds is reported.
for _ in $(seq 1 "$rounds"); do
    for c in $crates; do
        touch "$out/$c/src/lib.rs"
        start=$(date +%s%N)
        (cd "$out/$c" && cargo build -q)
        end=$(date +%s%N)
        echo "$c $(( (end - start) / 1000000 ))"
    done
done | sort -k1,1 -k2,2n | awk '
    { s = $2 / 1000; t[$1, ++n[$1]] = s; printf "%-20s %6.2f s\n", $1, s }
    function median(c) { k = n[c]; return k % 2 ? t[c, (k + 1) / 2] : (t[c, k / 2] + t[c, k / 2 + 1]) / 2 }
    END {
        m = median("with_macro"); h = median("by_hand")
        printf "trivial shape, median: async_with! %.2f s, by hand %.2f s, ratio %.2fx\n", m, h, m / h
        m = median("with_macro_realistic"); h = median("by_hand_realistic")
        printf "realistic shape, median: async_with! %.2f s, by hand %.2f s, ratio %.2fx\n", m, h, m / h
    }'
