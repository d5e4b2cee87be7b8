#!/usr/bin/env bash
# HTTP/1.1 next to HTTP/2 (issue 15): signed STS GetCallerIdentity requests/s against one sekisho, both measured
# by h2load in the same run (32 connections; HTTP/1.1 one request at a time per connection, HTTP/2 with 1 and
# with 10 concurrent streams per connection). Needs h2load (Debian: apt-get install nghttp2-client) and the test
# virtualenv (scripts/test creates .venv).
# Usage: scripts/bench/h2.sh [SEKISHO_BIN]   (default: builds and uses target/release/sekisho)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v h2load >/dev/null || { echo "h2load is needed: apt-get install nghttp2-client" >&2; exit 1; }
[ -x .venv/bin/python ] || { echo ".venv missing: run scripts/test once" >&2; exit 1; }
bin=${1:-}
if [ -z "$bin" ]; then
  cargo build --quiet --release --bin sekisho
  bin=target/release/sekisho
fi
requests=${REQUESTS:-200000}
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

log=$(mktemp)
"$bin" serve --port 0 > "$log" &
spid=$!
for _ in $(seq 1 200); do grep -q listening "$log" && break; sleep 0.05; done
url=$(sed -n 's/.*listening on //p' "$log")

body=$(mktemp)
printf 'Action=GetCallerIdentity&Version=2011-06-15' > "$body"
# One signed request, replayed (valid for the 5-minute skew window): its headers as h2load -H arguments.
mapfile -t headers < <(.venv/bin/python - "$url" "$body" <<'PY'
import sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, body = sys.argv[1], open(sys.argv[2], "rb").read()
req = AWSRequest(method="POST", url=url + "/", data=body,
                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
SigV4Auth(Credentials("111111111111", "test"), "sts", "us-east-1").add_auth(req)
for k, v in req.headers.items():
    print(f"-H{k}: {v}")
PY
)

run() {
  local label=$1; shift
  echo "-- $label"
  h2load -n "$requests" -c 32 -t 2 -d "$body" "${headers[@]}" "$@" "$url/" \
    | grep -E "^finished in|^requests:|^status codes:"
}
run "HTTP/1.1 (h2load --h1, 32 connections)" --h1
run "HTTP/2 prior knowledge (32 connections, 1 stream each)" -m 1
run "HTTP/2 prior knowledge (32 connections, 10 streams each)" -m 10
echo "   RSS after load: $(grep VmRSS /proc/$spid/status | awk '{print $2/1024 " MB"}')"
