#!/usr/bin/env bash
# Benchmark (4): memory per pane once each pane has printed 10 000 lines, andon (8 loops, the
# board drawn) beside tmux (8 panes, history-limit 10000). Per-pane figure = (RSS with 8 panes
# full - RSS right after start) / 8. Usage: bash bench/memory.sh [PANES]
source "$(dirname "$0")/lib.sh"
panes="${1:-8}"
build
work="$(mktemp -d)"; trap 'cleanup_tmux; rm -rf "$work"' EXIT
gen='i=0; while [ $i -lt 10000 ]; do echo "line $i: some typical build output with a path src/module/file_$i.rs and a few words"; i=$((i+1)); done'

tm new-session -d -s ref -x 200 -y 50 "sleep 100000"
tm set-option -g history-limit 10000
server=$(tm display-message -p '#{pid}')
client=$(attach_client ref)
sleep 1
before=$(rss_kb "$server")
for i in $(seq 1 "$panes"); do tm split-window -t ref "sh -c '$gen; sleep 100000'"; tm select-layout -t ref tiled > /dev/null; done
sleep 5
after=$(rss_kb "$server")
kill "$client" 2>/dev/null || true; tm kill-session -t ref 2>/dev/null || true

new_repo "$work/repo"
for i in $(seq 1 "$panes"); do add_loop "$work/repo" "printer-$i" "sleep 2; $gen; sleep 100000"; done
commit_repo "$work/repo"
tm new-session -d -s board -x 200 -y 50 "cd $work/repo && $andon run plans/*.md"
client=$(attach_client board)
sleep 1.5
pid=$(pgrep -f "^$andon run plans" | head -1)
abefore=$(rss_kb "$pid")
sleep 8
aafter=$(rss_kb "$pid")
kill "$client" 2>/dev/null || true
tm send-keys -t board q; sleep 0.3; tm send-keys -t board y; sleep 3
python3 - "$before" "$after" "$abefore" "$aafter" "$panes" <<'PY'
import sys
b, a, ab, aa, n = map(int, sys.argv[1:])
print(f"memory per pane after 10 000 lines each, {n} panes (RSS growth / panes)")
print(f"  tmux  (history-limit 10000): {(a-b)/n/1024:6.1f} MB per pane   (server RSS {b/1024:.1f} -> {a/1024:.1f} MB)")
print(f"  andon (2 000 lines in memory, the rest in agent.log on disk): {(aa-ab)/n/1024:6.1f} MB per pane   (RSS {ab/1024:.1f} -> {aa/1024:.1f} MB)")
PY
