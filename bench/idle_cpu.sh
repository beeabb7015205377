#!/usr/bin/env bash
# Benchmark (2): CPU of andon over 30 s with 8 loops whose agents sleep (the board drawn in an
# attached 200x50 terminal), beside tmux's server with 8 sleeping panes. Usage: bash bench/idle_cpu.sh [SECONDS]
source "$(dirname "$0")/lib.sh"
secs="${1:-30}"
build
work="$(mktemp -d)"; trap 'cleanup_tmux; rm -rf "$work"' EXIT

tm new-session -d -s ref -x 200 -y 50 "sleep 100000"
for i in 2 3 4 5 6 7 8; do tm split-window -t ref "sleep 100000"; tm select-layout -t ref tiled > /dev/null; done
client=$(attach_client ref)
sleep 2
server=$(tm display-message -p '#{pid}')
a=$(cpu_seconds "$server"); sleep "$secs"; b=$(cpu_seconds "$server")
kill "$client" 2>/dev/null || true; tm kill-session -t ref 2>/dev/null || true

new_repo "$work/repo"
for i in 1 2 3 4 5 6 7 8; do add_loop "$work/repo" "sleeper-$i" "echo started; sleep 100000"; done
commit_repo "$work/repo"
tm new-session -d -s board -x 200 -y 50 "cd $work/repo && $andon run plans/*.md"
client=$(attach_client board)
sleep 3
pid=$(pgrep -f "^$andon run plans" | head -1)
c=$(cpu_seconds "$pid"); sleep "$secs"; d=$(cpu_seconds "$pid")
kill "$client" 2>/dev/null || true
tm send-keys -t board q; sleep 0.5; tm send-keys -t board y; sleep 3
python3 - "$a" "$b" "$c" "$d" "$secs" <<'PY'
import sys
a, b, c, d, s = map(float, sys.argv[1:])
print(f"CPU over {s:.0f} s, 8 panes whose programs sleep, attached 200x50 client")
print(f"  tmux server: {(b-a)/s*100:6.3f} % of a core")
print(f"  andon      : {(d-c)/s*100:6.3f} % of a core")
PY
