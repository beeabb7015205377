#!/usr/bin/env bash
# The sandbox's cost per iteration, beside `off`: one loop of 10 iterations whose agent appends
# a line and whose check passes once there are 10, run headless with the user config's
# sandbox = "off", then andon's default (Landlock, in namespaces where bubblewrap can make
# them), RUNS times each, alternating.
# Prints the median, min and max milliseconds per iteration of each mode (a whole run's time
# divided by its iterations: andon's own work, the wrapped agent and the wrapped check).
# Usage: bash bench/sandbox.sh [RUNS]
set -euo pipefail
runs="${1:-5}"
here="$(cd "$(dirname "$0")/.." && pwd)"
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
andon="$here/target/release/andon"
work="$(mktemp -d "$HOME/andon-bench-XXXX")"
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work/tmp"; mkdir -p "$TMPDIR"
# `off` is the user's choice only: it lives in a user config.
mkdir -p "$work/config-off/andon" "$work/config-default"
printf '[sandbox]\nmode = "off"\n' > "$work/config-off/andon/config.toml"

one_run() { # MODE -> milliseconds per iteration
  local mode="$1" repo="$work/repo-$RANDOM"
  export XDG_CONFIG_HOME="$work/config-$mode"
  mkdir -p "$repo/plans" "$repo/agents" "$repo/src"
  cd "$repo"
  git init -q -b main
  printf '#!/bin/sh\necho x >> src/n.txt\n' > agents/adder.sh
  printf '[agents.adder]\ncommand = ["sh", "agents/adder.sh"]\n' > andon.toml
  : > src/n.txt
  cat > plans/count.md <<PLAN
+++
goal = "ten lines"
agent = "adder"
max_iterations = 12
[breakers]
consecutive_failures = 20
repeat_fingerprint = 20
[[checks]]
name = "ten"
run = "test \$(wc -l < src/n.txt) -ge 10"
+++
# Count
PLAN
  git add -A && git -c user.name=b -c user.email=b@b commit -qm bench
  local t0 t1
  t0=$(date +%s%N)
  "$andon" run --headless plans/count.md > /dev/null 2>&1 || true
  t1=$(date +%s%N)
  local n
  n=$("$andon" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["iteration"])')
  cd "$work"
  echo "$mode: $n iterations, $(( (t1 - t0) / 1000000 )) ms" >&2
  if [ "$n" -lt 1 ]; then
    echo "bench: the $mode loop ran no iteration ($("$andon" status 2>&1 | tail -1))" >&2
    exit 1
  fi
  echo $(( (t1 - t0) / 1000000 / n ))
}

off=(); jail=()
for _ in $(seq "$runs"); do
  off+=("$(one_run off)")
  jail+=("$(one_run default)")
done
"$andon" doctor 2>/dev/null | grep -E "landlock|namespaces" || true
python3 - "${off[*]}" "${jail[*]}" <<'PY'
import statistics, sys
for name, text in (("off", sys.argv[1]), ("default sandbox", sys.argv[2])):
    xs = [int(x) for x in text.split()]
    print(f"{name:>20}: {statistics.median(xs):5.0f} ms per iteration (min {min(xs)}, max {max(xs)}, {len(xs)} runs)")
PY
