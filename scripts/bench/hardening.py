"""Memory sekisho keeps for requests it refuses before authentication (issue 11): RSS and peak RSS after N
unauthenticated requests with a large echoed header, after N distinct forged account ids, after N bodies that
announce more than the limit, after N unsigned 80 MB bodies (refused on their head), and after concurrent forged
80 MB bodies (read within the budget, then refused).

Usage: python scripts/bench/hardening.py <sekisho-binary> [N]
"""

import http.client
import socket
import subprocess
import sys
import threading
import time

MB = 1000 * 1000


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def amz_date():
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


def forged(access_key, service):
    date = amz_date()
    return {"X-Amz-Date": date,
            "Authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/{date[:8]}/us-east-1/{service}/aws4_request, "
                             f"SignedHeaders=host;x-amz-date, Signature={'0' * 64}"}


def start(binary):
    proc = subprocess.Popen([binary, "serve", "--port", "0"], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    host, port = line.rsplit("/", 1)[1].rsplit(":", 1)
    return proc, host, int(port)


def head_only(host, port, head):
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(head)
        return s.recv(65536).split(b" ", 2)[1]


def main():
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    proc, host, port = start(binary)
    pid = proc.pid

    def report(what):
        print(f"{what:58s} RSS {status_kib(pid, 'VmRSS') / 1024:7.1f} MB   peak {status_kib(pid, 'VmHWM') / 1024:7.1f} MB")

    try:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        conn.request("GET", "/_sekisho/health")
        conn.getresponse().read()
        report("idle")

        form = {"Content-Type": "application/x-www-form-urlencoded"}
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        for _ in range(n):
            conn.request("POST", "/", body=body, headers={**form, "Authorization": "AWS4-HMAC-SHA256 " + "x" * 32_000})
            conn.getresponse().read()
        report(f"after {n} unauthenticated requests, 32 KB header echoed")

        for i in range(n):
            conn.request("POST", "/", body=body, headers={**form, **forged(f"9{i:011d}", "sts")})
            conn.getresponse().read()
        report(f"after {n} forged signatures for distinct account ids")

        target = f"POST /2015-03-31/functions HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        for _ in range(n):
            head_only(host, port, (target + f"Content-Length: {200 * MB}\r\n\r\n").encode())
        report(f"after {n} bodies announcing 200 MB (413 on the head)")

        for _ in range(n):
            head_only(host, port, (target + f"Content-Length: {80 * MB}\r\n\r\n").encode())
        report(f"after {n} unsigned 80 MB bodies (refused on the head)")

        payload = b"{" + b" " * (80 * MB - 2) + b"}"
        statuses = []

        def forged_body():
            headers = "".join(f"{k}: {v}\r\n" for k, v in forged("111111111111", "lambda").items())
            with socket.create_connection((host, port), timeout=120) as s:
                s.sendall((target + headers + f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload)
                statuses.append(s.recv(65536).split(b" ", 2)[1])

        for _ in range(2):
            threads = [threading.Thread(target=forged_body) for _ in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        report(f"after 12 forged 80 MB bodies, 6 at a time (budget 256 MB)")
        print(f"statuses: {sorted(set(s.decode() for s in statuses))}")
        conn = http.client.HTTPConnection(host, port, timeout=30)
        conn.request("GET", "/_sekisho/stats")
        print(f"stats: {conn.getresponse().read().decode()}")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
