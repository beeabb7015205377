#!/usr/bin/env bash
# Benchmark (3): keystroke-to-screen latency in an attached pane while another pane floods.
# One loop's agent is `cat` (its terminal echoes what is typed); another floods colored lines.
# bench/latency_probe.py plays the terminal: it runs the board in a PTY, attaches (Tab), types
# one key at a time and times until the echo leaves andon in a frame. tmux is measured the same
# way beside it: a client attached to a zoomed pane running cat, with a flooding pane behind.
# Prints p50/p90/p99 over N keystrokes.
# Usage: bash bench/latency.sh [N]
source "$(dirname "$0")/lib.sh"
n="${1:-200}"
build
work="$(mktemp -d)"; trap 'cleanup_tmux; rm -rf "$work"' EXIT
flood="while :; do printf '\033[3%dm%s flood line with some words in it\033[0m\n' \$((RANDOM % 7)) \$RANDOM; done"
new_repo "$work/repo"
add_loop "$work/repo" a-typist "cat"
add_loop "$work/repo" b-flood "$flood"
commit_repo "$work/repo"
echo "keystroke to screen, measured at the terminal, attached pane, another pane flooding, $n keystrokes"
(cd "$work/repo" && python3 "$here/bench/latency_probe.py" andon "$work/repo" "$n" "$andon" plans/a-typist.md plans/b-flood.md)
tm new-session -d -s ref -x 200 -y 50 "cat"
tm split-window -t ref "$flood"
tm select-pane -t ref.0
tm resize-pane -Z -t ref.0
python3 "$here/bench/latency_probe.py" tmux "$work" "$n" "$TMUX_SOCK"
