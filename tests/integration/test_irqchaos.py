"""The hostile campaign over the interrupt controllers: random values in random instruction
forms over the local APIC, the I/O APIC and the PICs (guests/test/irqchaos.c), beside the
canary. Keel neither faults nor hangs, and the canary keeps its memory."""

import re

import pytest

from keel import CANARY, EMULATOR_PORTS, HOST_MSRS_UNCHANGED, boot, canary_rounds
from test_default import closing_lines

IRQCHAOS = EMULATOR_PORTS + CANARY + """
[domain]
name = "irqchaos"
kernel = "irqchaos.elf"
cmdline = "seed={seed} count={count}"
cpu_limit_ms = {limit_ms}
"""


@pytest.mark.campaign
def test_random_interrupt_controller_writes_beside_a_canary(bed, tmp_path, campaign):
    """irqchaos makes 10,000 random operations (make fuzz-guests: COUNT): each through the
    MMIO emulator on the xAPIC page or the I/O APIC's, port I/O to the PICs, or an APIC
    MSR, with interrupts let in between, the PIT ticking under them. Every MSR access
    raises #GP(0) or nothing, #GP where the SDM says (one check each), and each reset of
    the local APIC finds it as after power-up (one check each): the checks all pass, the
    domain powers off with status 0, Keel reports no exception of its own and ends
    cleanly, and the canary beside it keeps its memory."""
    count, seed = campaign[0] or 10000, campaign[1] or 1
    config = IRQCHAOS.format(seed=seed, count=count, limit_ms=30000 + count * 2)
    result = boot(tmp_path, config, bed=bed, timeout=300 + count // 50)
    lines = result.guest_lines("irqchaos")
    m = re.fullmatch(rf"irqchaos: {count} operations, seed {seed}: (\d+) local APIC page, (\d+) I/O APIC, "
                     rf"(\d+) PIC, (\d+) MSR \(\d+ #GP\), (\d+) APIC resets", lines[0]) if lines else None
    assert m and sum(int(n) for n in m.groups()[:4]) == count, str(result)
    msr_ops, resets = int(m.group(4)), int(m.group(5))
    assert resets == count // 128 + 1, str(result)
    assert len(lines) == 3 and re.fullmatch(r"irqchaos: \d+ interrupts, \d+ NMIs", lines[1]), str(result)
    assert lines[2] == f"irqchaos: {msr_ops + resets} checks passed", str(result)
    assert result.end_lines("irqchaos") == [
        "[info] dom2 irqchaos: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], \
        str(result)
    assert result.end_lines("canary") == [
        "[info] dom1 canary: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], \
        str(result)
    assert canary_rounds(result), str(result)
    assert not [line for line in result.lines if "in Keel" in line], str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
