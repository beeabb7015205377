# Shared helpers for andon's board benchmarks (sourced).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
andon="$here/target/release/andon"
build() { cargo build --release --quiet --manifest-path "$here/Cargo.toml"; }

# The board benches time agents that write where a sandbox would not let them (the bench's
# own folder under /tmp): they run unconfined, which only a user config may say. (bench/sandbox.sh
# measures the sandbox itself.)
bench_config="$(mktemp -d /tmp/andon-bench-config-XXXX)"
mkdir -p "$bench_config/andon"
printf '[sandbox]\nmode = "off"\n' > "$bench_config/andon/config.toml"
export XDG_CONFIG_HOME="$bench_config"

# A tmux server of our own, so nothing leaks into the user's.
TMUX_SOCK="$(mktemp -u /tmp/andon-bench-XXXX.sock)"
tm() { tmux -S "$TMUX_SOCK" -f /dev/null "$@"; }
# Attach a real client (through a pty) so tmux renders, as it would for a person.
attach_client() { script -qfc "stty cols 200 rows 50; tmux -S $TMUX_SOCK attach -t $1" /dev/null > /dev/null 2>&1 & echo $!; }
cleanup_tmux() { tm kill-server 2>/dev/null || true; rm -f "$TMUX_SOCK"; rm -rf "$bench_config"; }

# A repo with one shell-script agent profile per loop: new_repo DIR; add_loop DIR NAME SCRIPT
new_repo() {
  mkdir -p "$1/plans" "$1/agents"
  (cd "$1" && git init -q -b main && : > andon.toml)
}
add_loop() {
  local dir="$1" name="$2" script="$3"
  printf '#!/bin/sh\n%s\n' "$script" > "$dir/agents/$name.sh"
  printf '[agents.%s]\ncommand = ["sh", "agents/%s.sh"]\n\n' "$name" "$name" >> "$dir/andon.toml"
  printf '+++\ngoal = "bench"\nagent = "%s"\n[breakers]\nno_progress = "1h"\n[[checks]]\nname = "ok"\nrun = "true"\n+++\n# %s\n' "$name" "$name" > "$dir/plans/$name.md"
}
commit_repo() { (cd "$1" && git add -A && git -c user.name=b -c user.email=b@b commit -qm bench); }

# CPU time of a process, all its threads, in seconds with nanosecond resolution (schedstat;
# /proc/PID/stat counts 10 ms ticks, too coarse for an idle process over 30 s).
cpu_seconds() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.6f\n", s / 1e9}'; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
now_ns() { date +%s%N; }
