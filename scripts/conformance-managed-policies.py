#!/usr/bin/env python3
"""Compare the seed-attached AWS managed policies in sekisho's catalog with reference copies.

Usage:
    scripts/conformance-managed-policies.py [REFERENCE_DIR] [--catalog DIR]

REFERENCE_DIR holds `aws iam get-policy-version` output, one `<PolicyName>.json` per policy
({"PolicyVersion": {"VersionId", "CreateDate", "Document", ...}}). It defaults to
`../shared/data/aws-managed-policies` next to the repository root. The catalog defaults to
`crates/core/data/managed-policies` in this repository.

Documents are compared as IAM reads them: statement order, the order of Action / NotAction /
Resource / NotResource / condition values, and the string-versus-one-element-list spelling do
not matter; everything else (Sid, Effect, condition operators, keys and values) does. The
default version id and its creation date are compared too.

Prints `N matched, M differ` with the differences. Exit status: 0 when everything matches,
1 when anything differs, 2 when the reference directory or a reference file is missing.
"""

import argparse
import json
import os
import sys

# The policies the seed scenarios attach; these are the ones reference copies exist for.
SEED_POLICIES = [
    "AmazonBedrockFullAccess",
    "AmazonBedrockLimitedAccess",
    "AWSMarketplaceRead-only",
    "ReadOnlyAccess",
    "AWSLambdaBasicExecutionRole",
    "AWSCodeArtifactReadOnlyAccess",
]

UNORDERED_FIELDS = ("Action", "NotAction", "Resource", "NotResource")

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_REFERENCE = os.path.join(REPO_ROOT, "..", "shared", "data", "aws-managed-policies")
DEFAULT_CATALOG = os.path.join(REPO_ROOT, "crates", "core", "data", "managed-policies")


def as_list(value):
    return value if isinstance(value, list) else [value]


def canonical_principal(value):
    if isinstance(value, dict):
        return {k: sorted(as_list(v)) for k, v in value.items()}
    return value


def canonical_statement(statement):
    """A statement in a form where IAM-equivalent spellings compare equal."""
    out = {}
    for key, value in statement.items():
        if key in UNORDERED_FIELDS:
            out[key] = sorted(set(as_list(value)))
        elif key == "Condition":
            out[key] = {
                op: {ckey: sorted(as_list(cval)) for ckey, cval in block.items()}
                for op, block in value.items()
            }
        elif key in ("Principal", "NotPrincipal"):
            out[key] = canonical_principal(value)
        else:
            out[key] = value
    return out


def statement_key(statement):
    return json.dumps(canonical_statement(statement), sort_keys=True)


def statements_of(document):
    return as_list(document.get("Statement", []))


def describe_statement(statement):
    sid = statement.get("Sid")
    return "Sid=%s" % sid if sid else json.dumps(canonical_statement(statement), sort_keys=True)[:160]


def field_diff(ours, theirs):
    """Line-per-difference description between two statements with the same Sid."""
    lines = []
    a, b = canonical_statement(ours), canonical_statement(theirs)
    for key in sorted(set(a) | set(b)):
        if a.get(key) == b.get(key):
            continue
        if key in UNORDERED_FIELDS and key in a and key in b:
            only_ours = sorted(set(a[key]) - set(b[key]))
            only_theirs = sorted(set(b[key]) - set(a[key]))
            if only_ours:
                lines.append("      %s only in catalog: %s" % (key, ", ".join(only_ours)))
            if only_theirs:
                lines.append("      %s only in reference: %s" % (key, ", ".join(only_theirs)))
        else:
            lines.append("      %s: catalog=%s reference=%s" % (
                key, json.dumps(a.get(key), sort_keys=True), json.dumps(b.get(key), sort_keys=True)))
    return lines


def document_diff(ours, theirs):
    lines = []
    if ours.get("Version") != theirs.get("Version"):
        lines.append("    Version: catalog=%r reference=%r" % (ours.get("Version"), theirs.get("Version")))
    remaining = {}
    for st in statements_of(theirs):
        remaining.setdefault(statement_key(st), []).append(st)
    unmatched_ours = []
    for st in statements_of(ours):
        bucket = remaining.get(statement_key(st))
        if bucket:
            bucket.pop()
        else:
            unmatched_ours.append(st)
    unmatched_theirs = [st for bucket in remaining.values() for st in bucket]
    # Pair statements that share a Sid so the report names the differing fields.
    theirs_by_sid = {st["Sid"]: st for st in unmatched_theirs if st.get("Sid")}
    for st in unmatched_ours:
        other = theirs_by_sid.pop(st.get("Sid"), None) if st.get("Sid") else None
        if other is not None:
            unmatched_theirs.remove(other)
            lines.append("    statement %s differs:" % describe_statement(st))
            lines.extend(field_diff(st, other))
        else:
            lines.append("    statement only in catalog: %s" % describe_statement(st))
    for st in unmatched_theirs:
        lines.append("    statement only in reference: %s" % describe_statement(st))
    return lines


def normalise_date(value):
    return (value or "").replace("+00:00", "Z")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("reference", nargs="?", default=DEFAULT_REFERENCE)
    parser.add_argument("--catalog", default=DEFAULT_CATALOG)
    args = parser.parse_args()

    if not os.path.isdir(args.reference):
        print("error: reference directory %s does not exist; pass its path as the first argument"
              % os.path.abspath(args.reference), file=sys.stderr)
        return 2

    matched, differ = 0, 0
    for name in SEED_POLICIES:
        ref_path = os.path.join(args.reference, name + ".json")
        if not os.path.isfile(ref_path):
            print("error: reference file %s is missing" % ref_path, file=sys.stderr)
            return 2
        with open(ref_path) as fh:
            reference = json.load(fh)["PolicyVersion"]
        cat_path = os.path.join(args.catalog, name + ".json")
        if not os.path.isfile(cat_path):
            differ += 1
            print("DIFF  %s: not in the catalog (%s)" % (name, cat_path))
            continue
        with open(cat_path) as fh:
            ours = json.load(fh)

        problems = []
        if ours.get("DefaultVersionId") != reference.get("VersionId"):
            problems.append("    version: catalog=%s reference=%s"
                            % (ours.get("DefaultVersionId"), reference.get("VersionId")))
        if normalise_date(ours.get("UpdateDate")) != normalise_date(reference.get("CreateDate")):
            problems.append("    version date: catalog=%s reference=%s"
                            % (ours.get("UpdateDate"), reference.get("CreateDate")))
        problems.extend(document_diff(ours["Document"], reference["Document"]))

        label = "%s %s (%d statements)" % (name, reference.get("VersionId"),
                                           len(statements_of(reference["Document"])))
        if problems:
            differ += 1
            print("DIFF  " + label)
            for line in problems:
                print(line)
        else:
            matched += 1
            print("OK    " + label)

    print("%d matched, %d differ" % (matched, differ))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
