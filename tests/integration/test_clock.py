"""Keel's clock (drivers/tsc.c): the TSC's rate counted against the PIT, or, on a machine
without one, against the ACPI PM timer its FADT names. QEMU only: Bochs always has a PIT."""

import re

from keel import BEDS, EMULATOR_PORTS, boot
from test_default import closing_lines

HELLO = EMULATOR_PORTS + '\n[domain]\nname = "hello"\nkernel = "hello-elf64.elf"\n'


def mhz(result, against):
    lines = [line for line in result.lines if line.startswith("[info] tsc: ")]
    assert len(lines) == 1, str(result)
    m = re.fullmatch(rf"\[info\] tsc: (\d+\.\d{{3}}) MHz, measured against {re.escape(against)}", lines[0])
    assert m, str(result)
    return float(m.group(1))


def test_without_a_pit_the_acpi_pm_timer_is_the_clock(tmp_path):
    qemu = BEDS["qemu"]
    (tmp_path / "pit").mkdir()
    (tmp_path / "pm").mkdir()
    with_pit = boot(tmp_path / "pit", HELLO, bed=qemu)
    without = boot(tmp_path / "pm", HELLO, bed=qemu, extra=("--no-pit",))
    pit = mhz(with_pit, "the PIT")
    pm = mhz(without, "the ACPI PM timer (the PIT did not count)")
    assert abs(pm - pit) <= 0.02 * pit, f"{pm} MHz against the PM timer, {pit} against the PIT ({without})"
    assert closing_lines(without) == ("Keel finished: 1 ended cleanly, 0 crashed", "Keel exit status 0"), str(without)
