#!/usr/bin/env bash
# Instructions per block of each variant in `tests/benches/shapes` (naive, the
# same-guarantee twin, `async_with!`) on SPEC §6's two shapes, trivial body and one await,
# plus the futures' sizes: one command, one build.
#
#   bash tests/benches/instructions.sh          # N=100000 by default
#
# Each variant runs under valgrind's cachegrind with N blocks and with 2N; the difference
# divided by N is what one block costs (built, polled to its end in a function that is
# never inlined), without the process's own setup. The count is the same from run to run
# and does not move with the machine's load, which wall-clock timings do. Needs `valgrind`.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${N:-100000}
bin=$(cargo bench -p async-with-tests --bench instructions --no-run 2>&1 |
    sed -n 's/.*Executable .*(\(.*\))$/\1/p')
"$bin" sizes
count() { # variant, blocks
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
        sed -n 's/.*I *refs: *//p' | tr -d ,
}
printf '%-22s %8s %8s %8s %10s %10s\n' "instructions per block" naive twin macro "vs twin" "vs naive"
for shape in trivial realistic; do
    for body in trivial await; do
        line=()
        for variant in naive twin macro; do
            one=$(count "$shape-$body-$variant" "$n")
            two=$(count "$shape-$body-$variant" $((2 * n)))
            line+=("$(( (two - one) * 100 / n ))")
        done
        awk -v name="$shape, $body body" -v a="${line[0]}" -v b="${line[1]}" -v c="${line[2]}" 'BEGIN {
            printf "%-22s %8.2f %8.2f %8.2f %9.3fx %9.3fx\n", name, a / 100, b / 100, c / 100, c / b, c / a
        }'
    done
done
