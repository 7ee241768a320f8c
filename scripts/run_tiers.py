"""Runs the five test tiers and prints each tier's counts and the total.

Tiers: pytest (tests/py), node's test runner on the built bundle (tests/js),
headless Chromium with WebGPU (tests/browser), the WGSL kernels through
wgpu (tests/py/kernels), and TF.js's own op tests on both backends
(tests/conformance; its failures include those listed in
tests/conformance/expected_failures.json, counted apart as expected, and its
exit status says whether anything beyond them failed). Exits non-zero when any tier fails or runs nothing;
with CI set, a skipped test whose reason is empty also fails the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "test-artifacts" / "reports"
PY = sys.executable


@dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    expected_failures: int = 0  # failures a tier lists as known (<failure type="expected">)
    skipped: int = 0
    unexplained_skips: int = 0


def tier_commands(report_dir: Path) -> list[tuple[str, list[str], Path]]:
    node_runner = str(ROOT / "scripts" / "run-node-tests.mjs")
    return [
        ("python", [PY, "-m", "pytest", "tests/py", "--ignore=tests/py/kernels", "-q",
                    f"--junitxml={report_dir / 'python.xml'}"], report_dir / "python.xml"),
        ("js", ["node", node_runner, "tests/js", "--junit", str(report_dir / "js.xml")],
         report_dir / "js.xml"),
        ("browser", ["node", node_runner, "tests/browser", "--junit", str(report_dir / "browser.xml")],
         report_dir / "browser.xml"),
        ("kernels", [PY, "-m", "pytest", "tests/py/kernels", "-q",
                     f"--junitxml={report_dir / 'kernels.xml'}"], report_dir / "kernels.xml"),
        ("conformance", ["node", str(ROOT / "tests" / "conformance" / "run.mjs"),
                         "--junit", str(report_dir / "conformance.xml")], report_dir / "conformance.xml"),
    ]


def count_junit(path: Path) -> Counts:
    counts = Counts()
    if not path.exists():
        return counts
    for case in ET.parse(path).getroot().iter("testcase"):
        if (failure := case.find("failure")) is not None or case.find("error") is not None:
            counts.failed += 1
            if failure is not None and failure.get("type") == "expected":
                counts.expected_failures += 1
        elif (skip := case.find("skipped")) is not None:
            counts.skipped += 1
            reason = (skip.get("message") or skip.text or "").strip()
            if not reason:
                counts.unexplained_skips += 1
        else:
            counts.passed += 1
    return counts


def main() -> int:
    REPORTS.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[1:])
    results: list[tuple[str, int, Counts, float]] = []
    for name, cmd, report in tier_commands(REPORTS):
        if only and name not in only:
            continue
        report.unlink(missing_ok=True)
        print(f"\n=== tier {name}: {' '.join(cmd[1:])}", flush=True)
        start = time.monotonic()
        status = subprocess.run(cmd, cwd=ROOT).returncode
        results.append((name, status, count_junit(report), time.monotonic() - start))

    print("\n=== summary")
    total = Counts()
    ok = True
    for name, status, c, seconds in results:
        problems = []
        if status != 0:
            problems.append(f"exit {status}")
        if c.passed + c.failed == 0:
            problems.append("ran no test")
        if os.environ.get("CI") and c.unexplained_skips:
            problems.append(f"{c.unexplained_skips} skipped without a reason")
        ok = ok and not problems
        known = f" ({c.expected_failures} expected)" if c.expected_failures else ""
        print(f"{name:11s} {c.passed:5d} passed, {c.failed} failed{known}, {c.skipped} skipped"
              f"  ({seconds:.0f} s){'  FAIL: ' + '; '.join(problems) if problems else ''}")
        total.passed += c.passed
        total.failed += c.failed
        total.expected_failures += c.expected_failures
        total.skipped += c.skipped
    print(f"total: {total.passed} passed, {total.failed} failed ({total.expected_failures} expected),"
          f" {total.skipped} skipped")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
