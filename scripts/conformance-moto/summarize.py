"""Reads pytest's JUnit XML and the exclusion list; prints pass counts overall and for the tests that do not
depend on moto-only behaviour. Exit status 0 always: the figures are the result."""

import fnmatch
import sys
import xml.etree.ElementTree as ET


def load_exclusions(path):
    rules = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            pattern, _, reason = line.partition("  ")
            rules.append((pattern.strip(), reason.strip() or "moto-only behaviour"))
    return rules


def main(junit, exclusions):
    rules = load_exclusions(exclusions)
    results = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
        if case.find("skipped") is not None:
            outcome = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        else:
            outcome = "passed"
        results[name] = outcome
    considered, excluded = {}, {}
    for name, outcome in results.items():
        rule = next((r for r in rules if fnmatch.fnmatch(name, r[0])), None)
        (excluded if rule else considered)[name] = (outcome, rule[1] if rule else "")
    def count(d, o):
        return sum(1 for v in d.values() if v[0] == o)
    total_run = {n: v for n, v in considered.items() if v[0] != "skipped"}
    passed = count(considered, "passed")
    print(f"moto tests collected: {len(results)} (passed {sum(v == 'passed' for v in results.values())}, "
          f"failed {sum(v == 'failed' for v in results.values())}, skipped {sum(v == 'skipped' for v in results.values())})")
    print(f"excluded as moto-only: {len(excluded)} (of which passing anyway: {count(excluded, 'passed')})")
    share = 100.0 * passed / len(total_run) if total_run else 0.0
    print(f"considered: {len(total_run)} run, {passed} passed = {share:.1f}%")
    failing = sorted(n for n, v in considered.items() if v[0] == "failed")
    if failing:
        print("failing (considered):")
        for n in failing:
            print(f"  {n}")
    # The goal is 90% of the considered tests; fewer means something regressed.
    if not total_run or share < 90.0:
        print(f"below the 90% goal", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
