"""The devices of a domain's virtual PC around its local APIC (vmm/dev/pc_platform.c): the
PIT through the I/O APIC and through the PICs, channel 2 polled through port 0x61, the ACPI
PM timer, COM1's interrupt, the three ways a PC's guest resets or powers itself off and
the pvpanic device through which it says it crashed, each ending only its own domain,
beside a canary that must not notice."""

import re

from keel import CANARY, EMULATOR_PORTS, HOST_MSRS_UNCHANGED, boot, canary_rounds, time_of_day_is_the_machines
from test_default import closing_lines

CONFIG = EMULATOR_PORTS + """
[domain]
name = "platform"
kernel = "platform.elf"

[domain]
name = "cf9"
kernel = "platform.elf"
cmdline = "end=cf9"
on_reboot = "destroy"

[domain]
name = "kbd"
kernel = "platform.elf"
cmdline = "end=kbd"
on_reboot = "destroy"

[domain]
name = "s5"
kernel = "platform.elf"
cmdline = "end=s5"

[domain]
name = "pvpanic"
kernel = "platform.elf"
cmdline = "end=pvpanic"
""" + CANARY

RESET = "a reset through port 0xcf9 or the keyboard controller (port 0x64)"


def rtc_time_is_the_machines(line, bed):
    m = re.fullmatch(r"platform: RTC reads (.*)", line)
    return bool(m) and time_of_day_is_the_machines(m.group(1), bed)


def test_pc_devices_and_their_interrupts_beside_a_canary(bed, tmp_path):
    """platform.elf's 12 checks pass (each PIT interrupt at or after its period, none while
    the PIC masks IRQ 0, channel 2's OUT2 rising once its count ran out, the PM timer's
    ticks within what Keel's clock brackets, COM1's THRE interrupt only with OUT2, the RTC's
    power-on registers, two update interrupts a second apart and five periodic ones), and
    its RTC shows the machine's time of day. A write
    of 6 to 0xcf9 and of 0xfe to port 0x64 each reboot their domain, which on_reboot
    destroys; SLP_TYP 5 with SLP_EN in PM1a_CNT powers its domain off; "panicked" written
    to the pvpanic device, which reads the two events it takes, crashes its domain. The
    canary keeps its memory."""
    result = boot(tmp_path, CONFIG, bed=bed)
    lines = result.guest_lines("platform")
    assert len(lines) == 2 and lines[1] == "platform: 12 checks passed", str(result)
    assert rtc_time_is_the_machines(lines[0], bed), str(result)
    assert result.end_lines("platform") == [
        "[info] dom1 platform: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], \
        str(result)
    for dom, name in (("dom2", "cf9"), ("dom3", "kbd")):
        assert result.guest_lines(name) == [], str(result)
        assert result.end_lines(name) == [f"[info] {dom} {name}: ended: reboot, no exit status ({RESET}); destroyed"], \
            str(result)
    assert result.guest_lines("s5") == [], str(result)
    assert result.end_lines("s5") == [
        "[info] dom4 s5: ended: poweroff, no exit status (ACPI S5: sleep type 5 written to its PM1a control block "
        "at port 0x604); destroyed"], str(result)
    assert result.guest_lines("pvpanic") == [], str(result)
    assert result.end_lines("pvpanic") == [
        "[warn] dom5 pvpanic: ended: crash, no exit status (its kernel panicked: pvpanic event 0x1 written to port "
        "0x505); destroyed"], str(result)
    assert canary_rounds(result), str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert closing_lines(result) == ("Keel finished: 5 ended cleanly, 1 crashed", "Keel exit status 4"), str(result)
