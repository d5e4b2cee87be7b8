#!/usr/bin/env sh
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
exec cargo run -q -p sekisho-wire --example protocol-vectors -- "$VECTORS" "$@"
