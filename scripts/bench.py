#!/usr/bin/env python3
"""make bench: boots guests/test/bench.c on each test bed where virtual time follows the
instruction count (QEMU with -icount, Bochs), twice, checks that the two runs agree, and
prints each figure (instructions per round trip, docs/performance.md) beside its target.
Writes the figures to build/bench.json."""

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


def main():
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
    return 0 if all(agree.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
