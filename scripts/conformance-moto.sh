#!/usr/bin/env bash
# Runs moto 5.2.5's IAM and STS test suites in server mode against sekisho and prints the raw pass rate, the
# exclusions by kind (scripts/conformance-moto/exclusions.txt: not served, moto-only) and the considered rate.
# Downloads moto's source distribution into .cache/moto and installs its test requirements into a venv there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cache=.cache/moto
version=5.2.5
python=${PYTHON:-python3}
mkdir -p "$cache"
if [ ! -f "$cache/moto-$version.tar.gz" ]; then
  "$python" -m pip download --quiet --disable-pip-version-check --no-binary :all: --no-deps "moto==$version" -d "$cache"
fi
if [ ! -d "$cache/moto-$version/tests" ]; then
  tar -xzf "$cache/moto-$version.tar.gz" -C "$cache"
fi
if [ ! -x "$cache/venv/bin/python" ]; then
  "$python" -m venv "$cache/venv"
  "$cache/venv/bin/pip" install --quiet --disable-pip-version-check "$cache/moto-$version.tar.gz" \
    boto3==1.44.8 botocore==1.44.8 pytest freezegun pyyaml cryptography
fi

cargo build --quiet --bin sekisho
log=$(mktemp)
target/debug/sekisho serve --port 0 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do
  grep -q "listening on" "$log" && break
  sleep 0.1
done
endpoint=$(sed -n 's/^sekisho listening on //p' "$log")
[ -n "$endpoint" ] || { echo "sekisho did not start: $(cat "$log")" >&2; exit 1; }

junit="$cache/junit.xml"
cd "$cache/moto-$version"
# The suites touch only IAM and STS; the CloudFormation, Config and S3 integration modules need other services.
TEST_SERVER_MODE=true TEST_SERVER_MODE_ENDPOINT="$endpoint" AWS_DEFAULT_REGION=us-east-1 \
AWS_ACCESS_KEY_ID=123456789012 AWS_SECRET_ACCESS_KEY=test \
PYTHONPATH="$root/scripts/conformance-moto" \
  ../venv/bin/python -m pytest -q --color=no -rfE -p sekisho_plugin -p no:cacheprovider --junitxml="$root/$junit" \
    --ignore=tests/test_iam/test_server.py --ignore=tests/test_sts/test_server.py \
    tests/test_iam tests/test_sts "$@" >"$root/$cache/pytest.log" 2>&1 || true
cd "$root"
# The raw pytest summary (its FAILED lines include the moto-only tests excluded below); the judgement follows.
tail -n 1 "$cache/pytest.log"
"$python" scripts/conformance-moto/summarize.py "$junit" scripts/conformance-moto/exclusions.txt
