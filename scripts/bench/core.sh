#!/usr/bin/env bash
# Core figures: start-up time to first 200, idle RSS, and signed STS GetCallerIdentity requests/s over loopback
# next to a bare hyper hello-world measured in the same run (wrk, 2 threads, 32 connections, 10 s each).
# Needs wrk (Debian: apt-get install wrk) and the test virtualenv (scripts/test creates .venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
[ -x .venv/bin/python ] || { echo ".venv missing: run scripts/test once" >&2; exit 1; }
cargo build --quiet --release --bin sekisho --example hello
bin=target/release/sekisho
hello=target/release/examples/hello
duration=${DURATION:-10s}
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

.venv/bin/python scripts/bench/startup.py "$bin" "${RUNS:-20}"

cpu_ticks() { awk '{print $14 + $15}' /proc/"$1"/stat; }

# wrk, then the server's CPU time per request (user + system), which the other processes on the machine
# do not distort the way they distort requests/s.
load() {
  local pid=$1; shift
  local before after out reqs
  before=$(cpu_ticks "$pid")
  out=$(wrk -t2 -c32 -d"$duration" "$@")
  after=$(cpu_ticks "$pid")
  echo "$out" | grep -E "Requests/sec|Latency|Non-2xx"
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  awk -v t=$((after - before)) -v r="$reqs" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "   server CPU per request: %.1f us\n", t / hz / r * 1e6 }'
}

start() {
  local log; log=$(mktemp)
  "$@" > "$log" &
  local pid=$!
  for _ in $(seq 1 200); do grep -q listening "$log" && break; sleep 0.05; done
  echo "$pid $(sed -n 's/.*listening on //p' "$log")"
}

read -r hpid hurl < <(start "$hello" 0)
echo "-- bare hyper hello-world ($hurl)"
load "$hpid" "$hurl/"
kill "$hpid"

read -r spid surl < <(start "$bin" serve --port 0)
lua=$(mktemp --suffix .lua)
SIGNED_HEADERS="Content-Type: application/x-www-form-urlencoded; charset=utf-8" \
  .venv/bin/python scripts/bench/signed-request.py "$surl" sts us-east-1 "Action=GetCallerIdentity&Version=2011-06-15" "$lua"
echo "-- sekisho: signed sts:GetCallerIdentity ($surl)"
load "$spid" -s "$lua" "$surl/"
echo "   RSS after load: $(grep VmRSS /proc/$spid/status | awk '{print $2/1024 " MB"}')"

# AssumeRole with enforcement: an IAM user whose identity policy allows sts:AssumeRole on a role in another
# account whose trust policy names the first account; both sides are evaluated on every request.
creds=$(.venv/bin/python - "$surl" <<'PY'
import json, sys, boto3
ep = sys.argv[1]
def client(svc, acct):
    return boto3.client(svc, endpoint_url=ep, region_name="us-east-1", aws_access_key_id=acct, aws_secret_access_key="test")
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"}]}
client("iam", "222222222222").create_role(RoleName="bench-target", AssumeRolePolicyDocument=json.dumps(trust))
iam = client("iam", "111111111111")
iam.create_user(UserName="bench")
iam.put_user_policy(UserName="bench", PolicyName="assume", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::222222222222:role/bench-target"}]}))
key = iam.create_access_key(UserName="bench")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
PY
)
read -r akid secret <<<"$creds"
SIGNED_HEADERS="Content-Type: application/x-www-form-urlencoded; charset=utf-8" \
  .venv/bin/python scripts/bench/signed-request.py "$surl" sts us-east-1 \
  "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2Fbench-target&RoleSessionName=bench" \
  "$lua" "$akid" "$secret"
echo "-- sekisho: signed cross-account sts:AssumeRole by an IAM user, enforced on both sides"
load "$spid" -s "$lua" "$surl/"
echo "   RSS after load: $(grep VmRSS /proc/$spid/status | awk '{print $2/1024 " MB"}')"
kill "$spid"
