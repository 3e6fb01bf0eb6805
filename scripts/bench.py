#!/usr/bin/env python3
"""make bench: boots guests/test/bench.c on each test bed where virtual time follows the
instruction count (QEMU with -icount, Bochs), twice, checks that the two runs agree, and
prints each figure (instructions per round trip, docs/performance.md) beside its target.
Writes the figures to build/bench.json.

  scripts/bench.py             measure and print
  scripts/bench.py --check     also fail if a figure is more than 2% above the baseline
  scripts/bench.py --baseline  measure and make the figures the new baseline"""

import json
import re
import sys
import tempfile
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOP / "tests" / "integration"))
from keel import BEDS, BUILD, EMULATOR_PORTS, boot  # noqa: E402

CONFIG = EMULATOR_PORTS + """
[domain]
name = "bench"
kernel = "bench.elf"

[domain]
name = "pong"
kernel = "bench.elf"
cmdline = "role=pong"
"""

# Issue 8's targets, in instructions per round trip (a domain switch: per switch).
TARGETS = {
    "cpuid": 150, "null_hypercall": 160, "port_read": 200, "port_write": 200, "port_no_device": 200,
    "console_write_8": 350, "msr_emulated": 200, "exception_reflected": None, "domain_switch": 1500,
}
BEDS_MEASURED = {"qemu": "QEMU SVM", "bochs": "Bochs VT-x", "bochs-amd": "Bochs SVM"}
BASELINE = TOP / "tests" / "bench-baseline.json"
WORSE_BY = 0.02  # a figure this much above its baseline fails --check


def run(bed):
    with tempfile.TemporaryDirectory() as tmp:
        result = boot(tmp, CONFIG, bed=bed, extra=bed.deterministic, timeout=600)
        lines = result.guest_lines("bench")
        if result.status != 0 or not lines or lines[-1] != "bench: done":
            sys.exit(f"bench: the run on {bed.name} failed ({result}):\n" + "\n".join(lines))
        figures = {}
        for line in lines[:-1]:
            m = re.fullmatch(r"bench: (\w+) (-?\d+)", line)
            if not m:
                sys.exit(f"bench: unexpected line on {bed.name}: {line!r}")
            figures[m.group(1)] = int(m.group(2))
        return figures


def check(results):
    """The figures more than WORSE_BY above the baseline, as lines; a missing one counts."""
    baseline = json.loads(BASELINE.read_text())["figures"]
    worse = []
    for bed, figures in baseline.items():
        for figure, before in figures.items():
            now = results.get(bed, {}).get(figure)
            if now is None:
                worse.append(f"{BEDS_MEASURED.get(bed, bed)} {figure}: not measured (baseline {before})")
            elif now > before * (1 + WORSE_BY):
                worse.append(f"{BEDS_MEASURED.get(bed, bed)} {figure}: {now}, baseline {before} "
                             f"(+{(now - before) / before:.1%})")
    return worse


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in ("", "--check", "--baseline"):
        sys.exit(__doc__)
    results, agree = {}, {}
    for name in BEDS_MEASURED:
        first, second = run(BEDS[name]), run(BEDS[name])
        agree[name] = first == second
        results[name] = first
        if not agree[name]:
            print(f"bench: {name}: the two runs differ: {first} / {second}", file=sys.stderr)
    columns = list(BEDS_MEASURED)
    print(f"{'figure':22}" + "".join(f"{BEDS_MEASURED[c]:>12}" for c in columns) + f"{'target':>9}")
    for figure, target in TARGETS.items():
        row = f"{figure:22}"
        for c in columns:
            value = results[c][figure]
            over = target is not None and value > target
            row += f"{value:>11}{'*' if over else ' '}"
        print(row + (f"{target:>9}" if target is not None else f"{'-':>9}"))
    print("* above its target")
    for c in columns:
        print(f"{BEDS_MEASURED[c]}: two runs {'agree exactly' if agree[c] else 'DIFFER'}")
    out = BUILD / "bench.json"
    out.write_text(json.dumps({"unit": "instructions per round trip", "targets": TARGETS,
                               "figures": results, "runs_agree": agree}, indent=2) + "\n")
    print(f"figures written to {out.relative_to(TOP)}")
    if not all(agree.values()):
        return 1
    if mode == "--baseline":
        BASELINE.write_text(json.dumps({"unit": "instructions per round trip", "figures": results}, indent=2,
                                       sort_keys=True) + "\n")
        print(f"new baseline: {BASELINE.relative_to(TOP)} (commit it on its own, saying why)")
    if mode == "--check":
        worse = check(results)
        for line in worse:
            print(f"bench-check: worse than the baseline: {line}")
        if worse:
            return 1
        print(f"bench-check: no figure more than {WORSE_BY:.0%} above {BASELINE.relative_to(TOP)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
