#!/usr/bin/env python3
"""make bench: boots guests/test/bench.c on each test bed where virtual time follows the
instruction count (QEMU with -icount, Bochs), twice, checks that the two runs agree, and
prints each figure (instructions per round trip, docs/performance.md) beside its target.
Then boots domains of 32 MiB, 128 MiB and 1040 MiB (1 GiB of it above 4 GiB) once on each
bed and prints the memory
Keel's report gives for each, beside the targets. Then (not with --check) Debian's Linux,
through PVH and from its bzImage, on QEMU: its boot to init's ready marker on Keel beside
the same boot on bare QEMU, the exits it took, and Keel's memory for it. Writes
everything to build/bench.json.

  scripts/bench.py             measure and print
  scripts/bench.py --check     also fail if a figure is more than 2% above the baseline
  scripts/bench.py --baseline  measure and make the figures the new baseline"""

import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOP / "tests" / "integration"))
from keel import BEDS, BUILD, EMULATOR_PORTS, MEMORY_SIZES, VGA_WINDOW, boot, memory_config  # noqa: E402

# Slices of a second: no slice ends, and no scheduler pick runs inside an exit, while the
# bench measures alone (docs/performance.md).
CONFIG = EMULATOR_PORTS + """timeslice_ms = 1000
[domain]
name = "bench"
kernel = "bench.elf"

[domain]
name = "pong"
kernel = "bench.elf"
cmdline = "role=pong"
"""

# The targets of the exit-path work (issue 8) and of the virtual PC (issue 15), in instructions
# per round trip (a domain switch: per switch; an interrupt: to its handler).
TARGETS = {
    "cpuid": 150, "null_hypercall": 160, "port_read": 200, "port_write": 200, "port_no_device": 200,
    "console_write_8": 350, "msr_emulated": 200, "exception_reflected": None,
    "apic_tpr_read": 600, "x2apic_eoi": 200, "interrupt_to_handler": 1000, "domain_switch": 1500,
}
# Domains whose memory Keel reports; the machine has room for a 1 GiB-aligned 1 GiB piece.
MEMORY_MIB = tuple(MEMORY_SIZES)
MEMORY_MACHINE_MIB = 3072
MEMORY_CONFIG = memory_config()
OWN_TARGET = 64 * 1024       # Keel's own bytes per domain
TABLES_TARGET = 0.002        # nested page tables, as a share of guest RAM
MEMORY_TARGETS = {}
for mib in MEMORY_MIB:
    MEMORY_TARGETS[f"own_{mib}MiB"] = OWN_TARGET
    MEMORY_TARGETS[f"page_tables_{mib}MiB"] = int(mib * 1024 * 1024 * TABLES_TARGET)
MEMORY_TARGETS["shared"] = None

BEDS_MEASURED = {"qemu": "QEMU SVM", "bochs": "Bochs VT-x", "bochs-amd": "Bochs SVM"}

# Debian's Linux (guests/linux/README.md): the kernel's own clock from its start to init's
# ready marker ("linux: up <s> s when ready"), on Keel and on bare QEMU with the same
# kernel, initramfs, command line, memory and CPU model, one after the other: a time, so
# it varies from run to run by what else the machine does (docs/performance.md). Issue
# 16's target: Keel's boot at most 1.10 times the bare one.
LINUX_CMDLINE = "console=ttyS0,115200 loglevel=4 panic=-1 cryptomgr.notests=1"
LINUX_MIB = 256
LINUX_KERNELS = {"pvh": "vmlinux", "bzimage": "vmlinuz"}
LINUX_RATIO_TARGET = 1.10
LINUX_RUNS = 5  # of each: a time varies from run to run with what else the host does
QEMU_CPU = re.search(r"^TCG_CPU=(\S+)$", (TOP / "scripts" / "run-qemu.sh").read_text(), re.M).group(1)
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


def run_memory(bed):
    """The "memory (bytes):" table of Keel's report: figure name -> bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        result = boot(tmp, MEMORY_CONFIG, bed=bed, timeout=600, memory=MEMORY_MACHINE_MIB)
        if result.status != 0:
            sys.exit(f"bench: the memory run on {bed.name} failed ({result})")
        table = result.memory()
        figures = {"shared": table["shared"]["own"]}
        for mib in MEMORY_MIB:
            row = table[f"ram{mib}"]
            if row["ram"] != (mib << 20) - VGA_WINDOW:
                sys.exit(f"bench: ram{mib} on {bed.name} has {row['ram']} bytes of RAM")
            figures[f"own_{mib}MiB"] = row["own"]
            figures[f"page_tables_{mib}MiB"] = row["page_tables"]
        return figures


def linux_up(text, where):
    m = re.search(r"linux: up (\d+\.\d+) s when ready", text)
    if not m:
        sys.exit(f"bench: Linux did not get to its ready marker {where}")
    return float(m.group(1))


def run_linux(kind):
    """Linux's boot on Keel (QEMU): seconds to ready, exits by reason, Keel's bytes."""
    config = EMULATOR_PORTS + (f'\n[domain]\nname = "linux"\nkernel = "{LINUX_KERNELS[kind]}"\n'
                               f'ramdisk = "initramfs.gz"\ncmdline = "{LINUX_CMDLINE}"\nmemory = {LINUX_MIB}\n')
    with tempfile.TemporaryDirectory() as tmp:
        result = boot(tmp, config, bed=BEDS["qemu"], memory=1024, timeout=900)
        if result.status != 0:
            sys.exit(f"bench: Linux ({kind}) on Keel failed ({result})")
        exits = {k: v for k, v in result.exit_table()["linux"].items()
                 if k not in ("domain", "ended", "status", "restarts") and v}
        return linux_up(result.output, f"on Keel ({kind})"), exits, result.memory()["linux"]["own"]


def run_linux_bare(kind):
    """The same boot on bare QEMU (SeaBIOS and QEMU's own loader): seconds to ready."""
    command = ["qemu-system-x86_64", "-machine", "q35,accel=tcg", "-cpu", QEMU_CPU, "-smp", "1",
               "-m", str(LINUX_MIB), "-nodefaults", "-nic", "none", "-display", "none", "-monitor", "none",
               "-serial", "stdio", "-no-reboot",
               "-kernel", str(BUILD / "linux" / LINUX_KERNELS[kind]),
               "-initrd", str(BUILD / "linux" / "initramfs.gz"), "-append", LINUX_CMDLINE]
    out = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=900,
                         stdin=subprocess.DEVNULL)
    return linux_up(out.stdout, f"on bare QEMU ({kind}): {out.stderr.strip()}")


def linux_figures():
    """Each kind LINUX_RUNS times on Keel and on bare QEMU, in turn, so that both see the
    machine as it was then: the median of each, and the median of the runs' ratios."""
    figures = {}
    for kind in LINUX_KERNELS:
        keel, bare = [], []
        for _ in range(LINUX_RUNS):
            keel_s, exits, own = run_linux(kind)
            keel.append(keel_s)
            bare.append(run_linux_bare(kind))
        ratios = [k / b for k, b in zip(keel, bare)]
        figures[kind] = {"keel_s": statistics.median(keel), "bare_s": statistics.median(bare),
                         "ratio": round(statistics.median(ratios), 3), "keel_runs_s": keel, "bare_runs_s": bare,
                         "exits": exits, "keel_bytes": own}
    return figures


def print_linux(figures):
    print(f"{'Linux boot (QEMU)':22}{'on Keel':>12}{'bare':>12}{'ratio':>9}{'target':>9}   Keel's bytes")
    for kind, f in figures.items():
        over = "*" if f["ratio"] > LINUX_RATIO_TARGET else " "
        print(f"{kind:22}{f['keel_s']:>11.3f}s{f['bare_s']:>11.3f}s{f['ratio']:>8.3f}{over}{LINUX_RATIO_TARGET:>9}"
              f"   {f['keel_bytes']}")
        print(f"{'':22}runs on Keel: " + ", ".join(f"{s:.2f}" for s in f["keel_runs_s"]) +
              "; bare: " + ", ".join(f"{s:.2f}" for s in f["bare_runs_s"]))
        print(f"{'':22}exits: " + ", ".join(f"{k} {v}" for k, v in f["exits"].items()))


def print_table(title, targets, results):
    columns = list(BEDS_MEASURED)
    print(f"{title:22}" + "".join(f"{BEDS_MEASURED[c]:>12}" for c in columns) + f"{'target':>9}")
    for figure, target in targets.items():
        row = f"{figure:22}"
        for c in columns:
            value = results[c][figure]
            over = target is not None and value > target
            row += f"{value:>11}{'*' if over else ' '}"
        print(row + (f"{target:>9}" if target is not None else f"{'-':>9}"))


def check(results, memory):
    """The figures more than WORSE_BY above the baseline, as lines; a missing one counts."""
    baseline = json.loads(BASELINE.read_text())
    worse = []
    for bed, figures in baseline["figures"].items():
        for figure, before in figures.items():
            now = results.get(bed, {}).get(figure)
            if now is None:
                worse.append(f"{BEDS_MEASURED.get(bed, bed)} {figure}: not measured (baseline {before})")
            elif now > before * (1 + WORSE_BY):
                worse.append(f"{BEDS_MEASURED.get(bed, bed)} {figure}: {now}, baseline {before} "
                             f"(+{(now - before) / before:.1%})")
    for bed, figures in baseline.get("memory", {}).items():
        for figure, before in figures.items():
            now = memory.get(bed, {}).get(figure)
            if now is None:
                worse.append(f"{BEDS_MEASURED.get(bed, bed)} memory {figure}: not measured (baseline {before})")
            elif now > before * (1 + WORSE_BY):
                worse.append(f"{BEDS_MEASURED.get(bed, bed)} memory {figure}: {now} bytes, baseline {before}")
    return worse


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in ("", "--check", "--baseline"):
        sys.exit(__doc__)
    results, agree, memory = {}, {}, {}
    for name in BEDS_MEASURED:
        first, second = run(BEDS[name]), run(BEDS[name])
        agree[name] = first == second
        results[name] = first
        if not agree[name]:
            print(f"bench: {name}: the two runs differ: {first} / {second}", file=sys.stderr)
        memory[name] = run_memory(BEDS[name])
    print_table("figure", TARGETS, results)
    print()
    print_table("memory (bytes)", MEMORY_TARGETS, memory)
    linux = {} if mode == "--check" else linux_figures()
    if linux:
        print()
        print_linux(linux)
    print("* above its target")
    for c in BEDS_MEASURED:
        print(f"{BEDS_MEASURED[c]}: two runs {'agree exactly' if agree[c] else 'DIFFER'}")
    out = BUILD / "bench.json"
    out.write_text(json.dumps({"unit": "instructions per round trip", "targets": TARGETS,
                               "figures": results, "runs_agree": agree, "memory_unit": "bytes",
                               "memory_targets": MEMORY_TARGETS, "memory": memory,
                               "linux_boot": linux, "linux_ratio_target": LINUX_RATIO_TARGET}, indent=2) + "\n")
    print(f"figures written to {out.relative_to(TOP)}")
    if not all(agree.values()):
        return 1
    if mode == "--baseline":
        BASELINE.write_text(json.dumps({"unit": "instructions per round trip", "figures": results,
                                        "memory_unit": "bytes", "memory": memory}, indent=2, sort_keys=True) + "\n")
        print(f"new baseline: {BASELINE.relative_to(TOP)} (commit it on its own, saying why)")
    if mode == "--check":
        worse = check(results, memory)
        for line in worse:
            print(f"bench-check: worse than the baseline: {line}")
        if worse:
            return 1
        print(f"bench-check: no figure more than {WORSE_BY:.0%} above {BASELINE.relative_to(TOP)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
