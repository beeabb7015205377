#!/usr/bin/env bash
# andon's own overhead per iteration, measured from the outside with 8 loops running at once:
#   (a) agent exit       -> first check starts
#   (b) last check ends  -> next agent starts
# The agent is `andon sim-agent` (scenario fix, fixing on the last iteration) wrapped in a script
# that stamps `date +%s%N` into $BENCH_DIR, as does the check; this prints the median, p90 and
# max of each gap over every iteration of every loop.
# Usage: bash bench/overhead.sh [LOOPS] [ITERATIONS]
#   ANDON_SIM_SPEED=1 (default): the sim agent works ~3 s per iteration, like a quick agent;
#   ANDON_SIM_SPEED=0: agents finish at once, so 8 loops saturate both cores (worst case).
set -euo pipefail
loops="${1:-8}"
iters="${2:-10}"
here="$(cd "$(dirname "$0")/.." && pwd)"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
andon="$here/target/release/andon"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export BENCH_DIR="$work/stamps"
mkdir -p "$BENCH_DIR"
cp -r "$here/examples/shop" "$work/repo"
cd "$work/repo"
rm -rf plans andon.toml
git init -q -b main
mkdir -p plans agents
cat > agents/bench.sh <<'AGENT'
#!/bin/sh
date +%s%N > "$BENCH_DIR/$ANDON_LOOP.$ANDON_ITERATION.agent-start"
"$BENCH_ANDON" sim-agent --scenario fix --fix-on "$BENCH_ITERS" --target src/price.sh --fix-from .sim/price.fixed
date +%s%N > "$BENCH_DIR/$ANDON_LOOP.$ANDON_ITERATION.agent-end"
AGENT
cat > agents/check.sh <<'CHECK'
#!/bin/sh
date +%s%N > "$BENCH_DIR/$ANDON_LOOP.$ANDON_ITERATION.check-start"
sh tests/test_price.sh; code=$?
date +%s%N > "$BENCH_DIR/$ANDON_LOOP.$ANDON_ITERATION.check-end"
exit $code
CHECK
cat > andon.toml <<'TOML'
[agents.bench]
command = ["sh", "agents/bench.sh"]
TOML
for i in $(seq 1 "$loops"); do
cat > "plans/bench-$i.md" <<PLAN
+++
goal = "reach iteration $iters"
agent = "bench"
max_iterations = $iters
[breakers]
consecutive_failures = 100
repeat_fingerprint = 100
[[checks]]
name = "done"
run = "sh agents/check.sh"
+++
# bench $i
PLAN
done
git add -A
git -c user.name=b -c user.email=b@b commit -qm bench
export BENCH_ITERS="$iters" BENCH_ANDON="$andon" ANDON_SIM_SPEED="${ANDON_SIM_SPEED:-1}"
start=$(date +%s%N)
"$andon" run --headless plans/*.md > "$work/run.log" || true
end=$(date +%s%N)
python3 - "$BENCH_DIR" "$loops" "$iters" "$start" "$end" <<'PY'
import os, statistics, sys
d, loops, iters, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def t(name):
    with open(os.path.join(d, name)) as f:
        return int(f.read()) / 1e6
a, b = [], []
for l in range(1, loops + 1):
    for n in range(1, iters + 1):
        p = f"bench-{l}.{n}"
        a.append(t(p + ".check-start") - t(p + ".agent-end"))
        if n < iters:
            b.append(t(f"bench-{l}.{n+1}.agent-start") - t(p + ".check-end"))
def row(name, xs):
    xs = sorted(xs)
    p90 = xs[int(len(xs) * 0.9) - 1]
    print(f"{name:<34} n={len(xs):<4} median {statistics.median(xs):7.1f} ms   p90 {p90:7.1f} ms   max {xs[-1]:7.1f} ms")
print(f"andon overhead, {loops} loops x {iters} iterations running concurrently on {os.cpu_count()} cores, ANDON_SIM_SPEED={os.environ.get('ANDON_SIM_SPEED')}")
row("(a) agent exit -> first check", a)
row("(b) last check end -> next agent", b)
print(f"wall time for all loops: {(end - start) / 1e9:.2f} s")
PY
(cd "$work/repo" && "$andon" status --json) | python3 -c 'import json,sys; l=json.load(sys.stdin); print("loops awaiting approval:", sum(x["state"]=="awaiting_approval" for x in l), "of", len(l))' 
