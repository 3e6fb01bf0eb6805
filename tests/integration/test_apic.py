"""The vCPU's local APIC (vmm/dev/vlapic.c, wired by vmm/dev/pc_platform.c) and the
interrupt injection both vendors share (vmm/events.c): apic.elf checks the APIC as a PC's
firmware leaves it, self-IPIs taken by priority and held back by the TPR, the timer in its
three modes, and x2APIC mode, beside a canary that must not notice."""

from keel import CANARY, EMULATOR_PORTS, HOST_MSRS_UNCHANGED, boot, canary_rounds
from test_default import closing_lines

CONFIG = EMULATOR_PORTS + """
[domain]
name = "apic"
kernel = "apic.elf"
""" + CANARY


def test_local_apic_and_interrupt_injection_beside_a_canary(bed, tmp_path):
    """All 21 checks pass: the interrupts come in priority order, none before the TPR lets
    it, no timer interrupt early and each mode's count exact; then the domain powers off
    with exit status 0. Interrupt-window exits happen (interrupts sent with the guest's
    interrupts off wait for it), and the canary keeps its memory."""
    result = boot(tmp_path, CONFIG, bed=bed)
    assert result.guest_lines("apic") == ["apic: 25 checks passed"], str(result)
    assert result.end_lines("apic") == [
        "[info] dom1 apic: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], str(result)
    exits = result.exit_table()
    assert exits["apic"]["window"] > 0 and exits["canary"]["window"] == 0, str(result)
    assert canary_rounds(result), str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
