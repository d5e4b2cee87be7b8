"""Reads pytest's JUnit XML and the exclusion list; prints the raw pass rate over every test that ran, the
exclusions by kind (not served by sekisho / moto-only behaviour), and the pass rate of the considered tests
(the rest). Exits 1 when the considered share falls below the goal."""

import fnmatch
import sys
import xml.etree.ElementTree as ET

# The considered share sekisho holds itself to; fewer means something regressed.
GOAL = 95.0
KINDS = ("not served", "moto-only")


def load_exclusions(path):
    """[(pattern, kind, reason)]; the kind is the last "## <kind>" header above the rule."""
    rules, kind = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("## "):
                kind = line[3:].strip()
                if kind not in KINDS:
                    sys.exit(f"{path}: unknown exclusion kind {kind!r} (expected one of {KINDS})")
                continue
            if not line or line.startswith("#"):
                continue
            if kind is None:
                sys.exit(f"{path}: rule before any '## <kind>' header: {line}")
            pattern, _, reason = line.partition("  ")
            if not reason.strip():
                sys.exit(f"{path}: rule without a reason: {line}")
            rules.append((pattern.strip(), kind, reason.strip()))
    return rules


def outcomes(junit):
    results = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
        if case.find("skipped") is not None:
            results[name] = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            results[name] = "failed"
        else:
            results[name] = "passed"
    return results


def share(passed, ran):
    return 100.0 * passed / ran if ran else 0.0


def main(junit, exclusions):
    rules = load_exclusions(exclusions)
    results = outcomes(junit)
    by_kind = {k: {} for k in KINDS}
    considered = {}
    for name, outcome in results.items():
        rule = next((r for r in rules if fnmatch.fnmatch(name, r[0])), None)
        (by_kind[rule[1]] if rule else considered)[name] = outcome

    def counts(d):
        return {o: sum(1 for v in d.values() if v == o) for o in ("passed", "failed", "skipped")}

    raw = counts(results)
    raw_ran = raw["passed"] + raw["failed"]
    print(f"moto tests collected: {len(results)} (passed {raw['passed']}, failed {raw['failed']}, "
          f"skipped {raw['skipped']})")
    print(f"raw: {raw_ran} run, {raw['passed']} passed = {share(raw['passed'], raw_ran):.1f}%")
    for kind in KINDS:
        c = counts(by_kind[kind])
        print(f"excluded as {kind}: {len(by_kind[kind])} (of which passing anyway: {c['passed']})")
    c = counts(considered)
    ran = c["passed"] + c["failed"]
    pct = share(c["passed"], ran)
    print(f"considered: {ran} run, {c['passed']} passed = {pct:.1f}%")
    failing = sorted(n for n, v in considered.items() if v == "failed")
    if failing:
        print("failing (considered):")
        for n in failing:
            print(f"  {n}")
    unused = [r[0] for r in rules if not any(fnmatch.fnmatch(n, r[0]) for n in results)]
    if unused:
        print("exclusions matching no test (stale):")
        for p in unused:
            print(f"  {p}")
    if not ran or pct < GOAL:
        print(f"below the {GOAL:.0f}% goal", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
