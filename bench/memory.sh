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

# andon, once with its default history (2 000 lines in memory, all of it in agent.log) and
# once keeping 10 000 lines like tmux ([ui] scrollback).
measure_andon() {  # measure_andon DIR SCROLLBACK -> "before after" (KiB)
  new_repo "$1"
  printf '[ui]\nscrollback = %s\n' "$2" >> "$1/andon.toml"
  for i in $(seq 1 "$panes"); do add_loop "$1" "printer-$i" "sleep 2; $gen; sleep 100000"; done
  commit_repo "$1"
  tm new-session -d -s "board$2" -x 200 -y 50 "cd $1 && $andon run plans/*.md"
  local client; client=$(attach_client "board$2")
  sleep 1.5
  local pid; pid=$(pgrep -f "^$andon run plans" | head -1)
  local b; b=$(rss_kb "$pid")
  sleep 8
  echo "$b $(rss_kb "$pid")"
  kill "$client" 2>/dev/null || true
  tm send-keys -t "board$2" q; sleep 0.3; tm send-keys -t "board$2" y; sleep 3
}
read -r ab aa < <(measure_andon "$work/repo" 2000)
read -r tb ta < <(measure_andon "$work/repo10k" 10000)
python3 - "$before" "$after" "$ab" "$aa" "$tb" "$ta" "$panes" <<'PY'
import sys
b, a, ab, aa, tb, ta, n = map(int, sys.argv[1:])
print(f"memory per pane after 10 000 lines each, {n} panes (RSS growth / panes)")
print(f"  tmux  (history-limit 10000): {(a-b)/n/1024:6.1f} MB per pane   (server RSS {b/1024:.1f} -> {a/1024:.1f} MB)")
print(f"  andon (scrollback 2000, the default; all output in agent.log): {(aa-ab)/n/1024:6.1f} MB per pane   (RSS {ab/1024:.1f} -> {aa/1024:.1f} MB)")
print(f"  andon (scrollback 10000, as tmux): {(ta-tb)/n/1024:6.1f} MB per pane   (RSS {tb/1024:.1f} -> {ta/1024:.1f} MB)")
PY
