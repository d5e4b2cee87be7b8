#!/usr/bin/env python3
"""Regenerate crates/wire/models/ from the pinned botocore wheel.

Usage:
    scripts/gen-models.py                      # downloads the wheel with pip into .cache/
    scripts/gen-models.py path/to/botocore-1.44.8-py3-none-any.whl

For every service below it takes the newest API version's service-2.json(.gz), removes
documentation (text meant for people: documentation, documentationUrl, deprecation messages,
examples) and writes compact JSON to crates/wire/models/<service>.json. Everything with meaning
on the wire stays: metadata, operations, http bindings, shapes, members, traits, errors,
endpoint host prefixes, event stream traits, idempotency tokens, defaults. Member order is kept,
because XML and query encodings follow it.

Standard library only.
"""

import gzip
import hashlib
import json
import os
import subprocess
import sys
import zipfile

BOTOCORE_VERSION = "1.44.8"
WHEEL_NAME = f"botocore-{BOTOCORE_VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "76342a76c338701db80dcb8afe1c9bd079283d6fffbb9d881442abb02a215043"

SERVICES = [
    "sts",
    "iam",
    "stepfunctions",
    "logs",
    "lambda",
    "bedrock",
    "bedrock-runtime",
    "bedrock-agentcore-control",
    "bedrock-agentcore",
    "ec2",
    "organizations",
]

# Keys that only carry prose for people. Everything else is kept.
PROSE_KEYS = {
    "documentation",
    "documentationUrl",
    "deprecatedMessage",
    "deprecatedSince",
    "examples",
}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "crates", "wire", "models")
CACHE_DIR = os.path.join(ROOT, ".cache")


def fetch_wheel():
    path = os.path.join(CACHE_DIR, WHEEL_NAME)
    if not os.path.exists(path):
        os.makedirs(CACHE_DIR, exist_ok=True)
        subprocess.check_call(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary",
                ":all:",
                f"botocore=={BOTOCORE_VERSION}",
                "-d",
                CACHE_DIR,
            ]
        )
    return path


def check_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != WHEEL_SHA256:
        sys.exit(f"{path}: sha256 {digest.hexdigest()} is not the pinned {WHEEL_SHA256}")


def strip(node):
    """Returns a copy of a model node without prose."""
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in PROSE_KEYS}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def newest_model(wheel, service):
    prefix = f"botocore/data/{service}/"
    candidates = {}
    for name in wheel.namelist():
        if not name.startswith(prefix):
            continue
        parts = name[len(prefix):].split("/")
        if len(parts) == 2 and parts[1] in ("service-2.json", "service-2.json.gz"):
            candidates[parts[0]] = name
    if not candidates:
        sys.exit(f"{service}: no service-2.json in the wheel")
    # API versions are ISO dates, so the lexically greatest is the newest (botocore's own rule).
    version = max(candidates)
    raw = wheel.read(candidates[version])
    if candidates[version].endswith(".gz"):
        raw = gzip.decompress(raw)
    return version, json.loads(raw)


def main():
    wheel_path = sys.argv[1] if len(sys.argv) > 1 else fetch_wheel()
    check_digest(wheel_path)
    os.makedirs(OUT_DIR, exist_ok=True)
    with zipfile.ZipFile(wheel_path) as wheel:
        index = []
        for service in SERVICES:
            version, model = newest_model(wheel, service)
            model = strip(model)
            text = json.dumps(model, separators=(",", ":"), ensure_ascii=False)
            with open(os.path.join(OUT_DIR, f"{service}.json"), "w", encoding="utf-8") as f:
                f.write(text)
                f.write("\n")
            index.append(f"  {service:28} {version}  {len(text):>9} bytes")
            print(index[-1].strip())
        dist = f"botocore-{BOTOCORE_VERSION}.dist-info/"
        notice = wheel.read(dist + "NOTICE").decode("utf-8")
        license_text = wheel.read(dist + "LICENSE.txt").decode("utf-8")
    with open(os.path.join(OUT_DIR, "NOTICE"), "w", encoding="utf-8") as f:
        f.write(
            "The JSON files in this directory are AWS service models taken from botocore\n"
            f"{BOTOCORE_VERSION} ({WHEEL_NAME}, sha256 {WHEEL_SHA256}),\n"
            "files botocore/data/<service>/<api-version>/service-2.json(.gz).\n"
            "They were modified by scripts/gen-models.py: documentation strings removed, JSON compacted.\n"
            "botocore is licensed under the Apache License, Version 2.0; its text is in LICENSE next to this file.\n\n"
            "Models:\n" + "\n".join(index) + "\n\n"
            "botocore's NOTICE follows.\n\n"
        )
        f.write(notice)
    with open(os.path.join(OUT_DIR, "LICENSE"), "w", encoding="utf-8") as f:
        f.write(license_text)


if __name__ == "__main__":
    main()
