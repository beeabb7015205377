#!/usr/bin/env bash
# Benchmark (3): keystroke-to-screen latency in an attached pane while another pane floods.
# One loop's agent is `cat` (the PTY echoes what is typed); another floods colored lines. The
# board is attached to the first (Tab); each keystroke is sent with tmux send-keys and the
# screen polled with capture-pane until it shows. Prints p50/p90/p99 over N keystrokes.
# Usage: bash bench/latency.sh [N]
source "$(dirname "$0")/lib.sh"
n="${1:-200}"
build
work="$(mktemp -d)"; trap 'cleanup_tmux; rm -rf "$work"' EXIT
new_repo "$work/repo"
add_loop "$work/repo" a-typist "cat"
add_loop "$work/repo" b-flood "while :; do printf '\033[3%dm%s flood line with some words in it\033[0m\n' \$((RANDOM % 7)) \$RANDOM; done"
commit_repo "$work/repo"
tm new-session -d -s board -x 200 -y 50 "cd $work/repo && $andon run plans/*.md"
client=$(attach_client board)
sleep 4
tm send-keys -t board Tab
sleep 1
# Reference floor, measured the same way: a bare tmux pane running cat.
tm new-session -d -s ref -x 200 -y 50 "cat"
sleep 1
python3 - "$TMUX_SOCK" "$n" <<'PY'
import subprocess, sys, time, random, string
sock, n = sys.argv[1], int(sys.argv[2])

def tmux(*a):
    return subprocess.run(["tmux", "-S", sock, *a], capture_output=True, text=True).stdout

def measure(target, count):
    """Type a random token, poll capture-pane until it shows; milliseconds per keystroke."""
    lat = []
    for _ in range(count):
        token = "".join(random.choice(string.ascii_lowercase) for _ in range(6))
        t0 = time.perf_counter()
        tmux("send-keys", "-t", target, "-l", token)
        while token not in tmux("capture-pane", "-p", "-t", target):
            if time.perf_counter() - t0 > 5:
                break
        lat.append((time.perf_counter() - t0) * 1000)
        tmux("send-keys", "-t", target, "Enter")
        time.sleep(0.02)
    lat.sort()
    return lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]

q = measure("board", n)
print(f"keystroke to screen, attached pane, another pane flooding, {n} keystrokes (includes tmux send/capture)")
print(f"  andon: p50 {q(0.5):6.1f} ms   p90 {q(0.9):6.1f} ms   p99 {q(0.99):6.1f} ms")
f = measure("ref", 50)
print(f"  the measuring floor (bare tmux pane with cat, same load): p50 {f(0.5):.1f} ms   p99 {f(0.99):.1f} ms")
PY
tm send-keys -t board C-g; sleep 0.3; tm send-keys -t board q; sleep 0.3; tm send-keys -t board y; sleep 3
