#!/usr/bin/env bash
# Runs botocore's protocol test vectors against sekisho-wire (decode their requests, encode their responses).
# Downloads the pinned botocore sdist into .cache/ once; the vectors are never committed.
set -eu
VERSION=1.44.8
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE="$ROOT/.cache"
SDIST="$CACHE/botocore-$VERSION.tar.gz"
VECTORS="$CACHE/botocore-$VERSION/tests/unit/protocols"
mkdir -p "$CACHE"
if [ ! -f "$SDIST" ]; then
    python3 -m pip download --no-binary :all: --no-deps "botocore==$VERSION" -d "$CACHE"
fi
if [ ! -d "$VECTORS" ]; then
    tar -xzf "$SDIST" -C "$CACHE" "botocore-$VERSION/tests/unit/protocols"
fi
cd "$ROOT"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# The runner exits non-zero whenever any vector fails; the known list below decides what is a regression.
cargo run -q -p sekisho-wire --example protocol-vectors -- "$VECTORS" "$@" | tee "$out" || true
grep -q "^total:" "$out" || { echo "protocol vectors: the runner did not finish" >&2; exit 1; }
# Only failures missing from the known list (each with its reason) fail the run.
python3 - "$out" "$ROOT/scripts/protocol-vectors-known-failures.txt" <<'PY'
import re, sys
known = {tuple(l.rstrip("\n").split("|")[:2]) for l in open(sys.argv[2]) if l.strip() and not l.startswith("#")}
suite, failures = None, set()
for line in open(sys.argv[1]):
    m = re.match(r"^(\S.*?)\s+passed\s+\d+", line)
    if m:
        suite = m.group(1).strip()
    m = re.match(r"^\s+FAIL (.*?): ", line)
    if m and suite:
        failures.add((suite, m.group(1)))
new = sorted(failures - known)
fixed = sorted(known - failures)
print(f"protocol vectors: {len(failures)} failing, {len(failures & known)} of them known and explained")
for s, n in fixed:
    print(f"  now passing (remove from the known list): {s} | {n}")
for s, n in new:
    print(f"  NEW FAILURE: {s} | {n}")
sys.exit(1 if new else 0)
PY
