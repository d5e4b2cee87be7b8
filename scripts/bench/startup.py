"""Time from process start to the first 200 from /_sekisho/health, and idle RSS, over several runs.

Usage: python scripts/bench/startup.py <sekisho-binary> [runs]
"""

import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_200(port, deadline):
    request = b"GET /_sekisho/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    while time.perf_counter() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(request)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return True
        except OSError:
            time.sleep(0.0002)
    return False


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    times, rss = [], []
    for _ in range(runs):
        port = free_port()
        t0 = time.perf_counter()
        proc = subprocess.Popen([binary, "serve", "--port", str(port)], stdout=subprocess.DEVNULL)
        ok = first_200(port, t0 + 10)
        elapsed = (time.perf_counter() - t0) * 1000
        time.sleep(0.3)
        rss.append(rss_kb(proc.pid))
        proc.terminate()
        proc.wait()
        if not ok:
            sys.exit("sekisho did not answer within 10 s")
        times.append(elapsed)
    print(f"start to first 200: median {statistics.median(times):.1f} ms, min {min(times):.1f} ms ({runs} runs)")
    print(f"idle RSS: median {statistics.median(rss) / 1024:.1f} MB, max {max(rss) / 1024:.1f} MB")


if __name__ == "__main__":
    main()
