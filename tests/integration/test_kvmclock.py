"""Keel's KVM-compatible clock (include/kvm_para.h, vmm/kvmclock.c), checked from inside a
guest (guests/test/kvmclock.c) beside the canary, on every bed: the CPUID leaves beside
Keel's own, the vCPU's time structure and its rate against the ACPI PM timer, a TSC write
that moves the structure but not the clock, the wall clock giving the machine's time of
day, the refusals, and steal time while a rival domain takes its share of the CPU."""

import re

from keel import CANARY, EMULATOR_PORTS, boot, canary_rounds, time_of_day_is_the_machines
from test_default import closing_lines

# Beside it a domain of the same weight that spins while it does: half of its spell is stolen.
CONFIG = EMULATOR_PORTS + """
[domain]
name = "kvmclock"
kernel = "kvmclock.elf"
cmdline = "spin=300"
memory = 8

[domain]
name = "rival"
kernel = "spin.elf"
cmdline = "ms=1500"
memory = 2
""" + CANARY


def test_the_kvm_clock_from_inside_a_guest(bed, tmp_path):
    result = boot(tmp_path, CONFIG, bed=bed)
    lines = result.guest_lines("kvmclock")
    when = re.fullmatch(r"kvmclock: time of day (.*)", lines[0] if lines else "")
    assert when and time_of_day_is_the_machines(when.group(1), bed), str(result)
    stolen = re.fullmatch(r"kvmclock: steal (\d+)% of 300 ms", lines[1] if len(lines) > 1 else "")
    # Two domains of one weight share the CPU by halves, in slices of 10 ms (the canary takes
    # little): about half of the spell went to the rival.
    assert stolen and 35 <= int(stolen.group(1)) <= 65, str(result)
    assert lines[2:] == ["kvmclock: 13 checks passed"], str(result)
    # The four refused writes, each named in Keel's log: the structure across the end of RAM
    # and misaligned, the wall clock in the local APIC's page, steal time with a reserved bit.
    refused = [line for line in result.domain_lines("kvmclock") if line.startswith("[warn]")]
    pattern = (r"\[warn\] dom1 kvmclock: write of MSR 0x4b564d0{} \(a KVM paravirtual MSR\) at rip 0x[0-9a-f]+: "
               r"#GP, it refuses the value {}")
    assert len(refused) == 4 and all(re.fullmatch(pattern.format(msr, value), line) for line, (msr, value) in zip(
        refused, [(1, "0x7ffff1"), (1, "0x[0-9a-f]+[37]"), (0, "0xfee00000"), (3, "0x[0-9a-f]+03")])), str(result)
    assert canary_rounds(result), str(result)
    assert closing_lines(result) == ("Keel finished: 3 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
