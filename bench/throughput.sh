#!/usr/bin/env bash
# Benchmark (1): `cat` of a 100 MB file of colored log lines in one pane, the board drawn at
# 200x50, against tmux (one pane, an attached client) doing the same, and the ceiling: the same
# cat into a bare PTY whose reader discards the bytes. Prints MB/s of all three.
# Usage: bash bench/throughput.sh [MB]
source "$(dirname "$0")/lib.sh"
mb="${1:-100}"
build
work="$(mktemp -d)"; trap 'cleanup_tmux; rm -rf "$work"' EXIT
python3 - "$work/log.txt" "$mb" <<'PY'
import sys, random
path, mb = sys.argv[1], int(sys.argv[2])
colors = [31, 32, 33, 34, 35, 36]
with open(path, "w") as f:
    n, i = 0, 0
    while n < mb * 1024 * 1024:
        c = colors[i % 6]
        line = f"\x1b[2m2026-11-21T12:{i % 60:02d}:{i % 59:02d}\x1b[0m \x1b[{c}mINFO\x1b[0m worker-{i % 16} processed request {i} in {random.randint(1, 999)}ms \x1b[1mstatus\x1b[0m=ok\n"
        f.write(line); n += len(line); i += 1
PY
size=$(stat -c %s "$work/log.txt")

# tmux: one pane cats the file; stamps before and after.
tm new-session -d -s ref -x 200 -y 50 "sh -c 'date +%s%N > $work/tmux.start; cat $work/log.txt; date +%s%N > $work/tmux.end; sleep 30'"
client=$(attach_client ref)
while [ ! -s "$work/tmux.end" ]; do sleep 0.2; done
kill "$client" 2>/dev/null || true; tm kill-session -t ref

# andon: one loop whose agent cats the file, the board drawn in a 200x50 terminal.
new_repo "$work/repo"
add_loop "$work/repo" flood "date +%s%N > $work/andon.start; cat $work/log.txt; date +%s%N > $work/andon.end"
commit_repo "$work/repo"
tm new-session -d -s board -x 200 -y 50 "cd $work/repo && $andon run plans/flood.md; sleep 30"
client=$(attach_client board)
while [ ! -s "$work/andon.end" ]; do sleep 0.2; done
kill "$client" 2>/dev/null || true

# The ceiling: the same cat into a bare PTY whose reader does nothing with the bytes.
python3 - "$work/log.txt" "$work" <<'PY'
import os, pty, sys, time
path, w = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("cat", ["cat", path])
t0 = time.time()
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
open(f"{w}/raw.s", "w").write(str(time.time() - t0))
os.waitpid(pid, 0)
PY

python3 - "$work" "$size" <<'PY'
import sys
w, size = sys.argv[1], int(sys.argv[2])
t = lambda n: int(open(f"{w}/{n}").read()) / 1e9
tm = t("tmux.end") - t("tmux.start"); an = t("andon.end") - t("andon.start")
mb = size / 1e6
print(f"cat of {mb:.0f} MB of colored log lines, one pane, 200x50, attached client")
print(f"  tmux : {tm:7.2f} s  {mb/tm:8.1f} MB/s")
print(f"  andon: {an:7.2f} s  {mb/an:8.1f} MB/s   ({tm/an:.1f}x tmux)")
raw = float(open(f"{w}/raw.s").read())
print(f"  the PTY itself (cat into a pty nobody parses): {raw:5.2f} s  {mb/raw:8.1f} MB/s   (andon at {raw/an*100:.0f}% of it)")
PY
