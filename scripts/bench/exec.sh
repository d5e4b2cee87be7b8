#!/usr/bin/env bash
# exec figures: the latency the CONNECT proxy adds per request (kept-alive tunnel, new connection with a full TLS
# handshake, new connection with a resumed one) and signed GetCallerIdentity requests/s through the proxy next
# to plain HTTP, the same signed request in the same run. Needs the test virtualenv (scripts/test creates .venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .venv/bin/python ] || { echo ".venv missing: run scripts/test once" >&2; exit 1; }
cargo build --quiet --release --bin sekisho --example exec_bench
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
printf '[storage]\ndir = "%s"\n' "$work" > "$work/sekisho.toml"
target/release/sekisho serve --port 0 --config "$work/sekisho.toml" > "$work/log" &
for _ in $(seq 1 200); do grep -q listening "$work/log" && break; sleep 0.05; done
url=$(sed -n 's/.*listening on //p' "$work/log")
curl -sf -X POST -H 'Content-Type: application/json' -d '{}' "$url/_sekisho/exec" \
  | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["caPem"], end="")' > "$work/ca.pem"
# One SigV4-signed request for the real STS host, replayed as is over both paths (valid for 5 minutes).
.venv/bin/python - "$work/request" <<'PY'
import sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
body = "Action=GetCallerIdentity&Version=2011-06-15"
req = AWSRequest(method="POST", url="https://sts.us-east-1.amazonaws.com/", data=body.encode(),
                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
SigV4Auth(Credentials("111111111111", "test"), "sts", "us-east-1").add_auth(req)
head = "POST / HTTP/1.1\r\nHost: sts.us-east-1.amazonaws.com\r\n" + "".join(
    f"{k}: {v}\r\n" for k, v in req.headers.items()) + f"Content-Length: {len(body)}\r\n\r\n"
open(sys.argv[1], "wb").write(head.encode() + body.encode())
PY
target/release/examples/exec_bench "$url" "$work/ca.pem" "$work/request" "${CONNECTIONS:-16}" "${SECONDS_EACH:-5}"
