"""Keel's KVM-compatible clock (include/kvm_para.h, vmm/kvmclock.c), checked from inside a
guest (guests/test/kvmclock.c) beside the canary, on every bed: the CPUID leaves beside
Keel's own, the vCPU's time structure and its rate against the ACPI PM timer, a TSC write
that moves the structure but not the clock, the wall clock giving the machine's time of
day, and the refusals."""

import re

from keel import CANARY, EMULATOR_PORTS, boot, canary_rounds, time_of_day_is_the_machines
from test_default import closing_lines

CONFIG = EMULATOR_PORTS + '\n[domain]\nname = "kvmclock"\nkernel = "kvmclock.elf"\nmemory = 8\n' + CANARY


def test_the_kvm_clock_from_inside_a_guest(bed, tmp_path):
    result = boot(tmp_path, CONFIG, bed=bed)
    lines = result.guest_lines("kvmclock")
    when = re.fullmatch(r"kvmclock: time of day (.*)", lines[0] if lines else "")
    assert when and time_of_day_is_the_machines(when.group(1), bed), str(result)
    assert lines[1:] == ["kvmclock: 11 checks passed"], str(result)
    # The three refused writes, each named in Keel's log: the structure across the end of RAM
    # and misaligned, then the wall clock in the local APIC's page.
    refused = [line for line in result.domain_lines("kvmclock") if line.startswith("[warn]")]
    pattern = (r"\[warn\] dom1 kvmclock: write of MSR 0x4b564d0{} \(a KVM paravirtual MSR\) at rip 0x[0-9a-f]+: "
               r"#GP, it refuses the value {}")
    assert len(refused) == 3 and all(re.fullmatch(pattern.format(msr, value), line) for line, (msr, value) in zip(
        refused, [(1, "0x7ffff1"), (1, "0x[0-9a-f]+[37]"), (0, "0xfee00000")])), str(result)
    assert canary_rounds(result), str(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
