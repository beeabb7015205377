"""Keystroke-to-screen latency measured at the terminal: this script is the terminal. It runs
the program under test in a PTY of 200x50, reads everything it draws, types one key and times
how long until the echoed character leaves the program in a frame. Usage:
  latency_probe.py andon DIR N ANDON PLAN...   (attaches to the first loop with Tab)
  latency_probe.py tmux DIR N SOCKET           (attaches a client to session `ref`)
"""
import os, pty, sys, time, random, string, threading, select, fcntl, termios, struct

def run(argv, cwd, n, prelude, label):
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.environ["TERM"] = "xterm-256color"
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    buf = bytearray()
    lock = threading.Lock()
    seen = {}
    stop = False
    def reader():
        while not stop:
            r, _, _ = select.select([fd], [], [], 0.1)
            if not r:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                return
            now = time.perf_counter()
            with lock:
                buf.extend(data)
                if len(buf) > 1 << 20:
                    del buf[: len(buf) - 4096]
                for tok in list(seen):
                    if seen[tok] is None and tok in buf:
                        seen[tok] = now
    t = threading.Thread(target=reader, daemon=True); t.start()
    time.sleep(4)
    for keys in prelude:
        os.write(fd, keys); time.sleep(1)
    lat = []
    keys = [b"@", b"~"]
    for i in range(n):
        # One keystroke, alternating between two characters the board never prints itself,
        # so the cell changes every time and the echo is one unmistakable byte.
        tok = keys[i % 2]
        with lock:
            seen[tok] = None
            buf.clear()
        t0 = time.perf_counter()
        os.write(fd, tok)
        while True:
            with lock:
                got = seen[tok]
            if got is not None:
                lat.append((got - t0) * 1000); break
            if time.perf_counter() - t0 > 5:
                lat.append(5000); break
            time.sleep(0.0005)
        # Erase it again (the terminal echoes the erase): the next token lands on blank cells,
        # so the board writes it as one run of bytes.
        os.write(fd, b"\x7f" * len(tok))
        time.sleep(0.03)
    stop = True
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
    print(f"  {label}: p50 {q(0.5):6.1f} ms   p90 {q(0.9):6.1f} ms   p99 {q(0.99):6.1f} ms")
    return pid, fd

mode, cwd, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "andon":
    pid, fd = run([sys.argv[4], "run"] + sys.argv[5:], cwd, n, [b"\t"], "andon")
    os.write(fd, b"\x07"); time.sleep(0.3); os.write(fd, b"q"); time.sleep(0.3); os.write(fd, b"y"); time.sleep(3)
else:
    pid, fd = run(["tmux", "-S", sys.argv[4], "attach", "-t", "ref"], cwd, n, [], "tmux ")
