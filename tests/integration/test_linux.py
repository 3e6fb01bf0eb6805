"""Debian's own Linux kernel, unchanged, as a Keel domain (guests/linux/README.md): booted
through its PVH entry with a busybox initramfs beside the canary, its /init prints what a
user would check and powers the domain off through ACPI S5, on every bed. The packages'
versions are whatever build/linux/VERSION records: nothing here depends on one."""

import re
import subprocess

from keel import BUILD, CANARY, EMULATOR_PORTS, TOP, boot, canary_rounds
from test_default import closing_lines

CMDLINE = "console=ttyS0,115200 loglevel=4 panic=-1 cryptomgr.notests=1"
CONFIG = EMULATOR_PORTS + f"""
[domain]
name = "linux"
kernel = "vmlinux"
ramdisk = "initramfs.gz"
cmdline = "{CMDLINE}"
memory = 256
""" + CANARY

# The clocksource Linux picks until Keel offers a paravirtual clock: on Bochs, whose clocks
# all follow its instruction count, the kernel calibrates the TSC (against the PIT, or from
# CPUID 0x15 on the Intel model) and uses it; on QEMU, whose TCG runs at the host's pace,
# the calibration fails, and the kernel marks the TSC unstable and counts with the ACPI PM
# timer. An emulator's trait, not what a PC would show.
CLOCKSOURCE = {"qemu": "acpi_pm", "bochs": "tsc-early", "bochs-amd": "tsc-early"}


def kernel_release():
    package = (BUILD / "linux" / "VERSION").read_text().split()[0]  # linux-image-<release>
    return package.removeprefix("linux-image-")


def test_debian_linux_boots_to_its_init_and_powers_off(bed, tmp_path):
    result = boot(tmp_path, CONFIG, bed=bed, memory=1024, timeout=900)
    init = [line for line in result.guest_lines("linux") if line.startswith("linux: ")]
    memory = re.fullmatch(r"linux: MemTotal: (\d+) kB", init[3] if len(init) > 3 else "")
    assert init[:3] == ["linux: ready", f"linux: Linux {kernel_release()} x86_64",
                        f"linux: clocksource {CLOCKSOURCE[bed.name]}"] and memory, str(result)
    # The domain's 256 MiB, less what the kernel keeps for itself (its image, its tables).
    assert 180 * 1024 < int(memory.group(1)) < 256 * 1024, str(result)
    assert init[4:] == ["linux: interrupts:", "linux: powering off"], str(result)
    # Its UART's interrupt came through the I/O APIC (input 4), its clock's through input 2.
    interrupts = {m.group(2): int(m.group(1)) for line in result.guest_lines("linux")
                  if (m := re.fullmatch(r"\s*\d+:\s+(\d+)\s+IO-APIC\s+\d+-\w+\s+(\w+)", line))}
    assert interrupts.get("ttyS0", 0) > 0 and "timer" in interrupts, str(result)
    ended = result.end_lines("linux")
    assert len(ended) == 1 and re.fullmatch(
        r"\[info\] dom1 linux: ended: poweroff, no exit status \(ACPI S5: sleep type 5 written to its PM1a "
        r"control block at port 0x[0-9a-f]+\); destroyed", ended[0]), str(result)
    assert canary_rounds(result), str(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


def test_the_initramfs_is_built_byte_for_byte_again(tmp_path):
    """The recipe run again from the same packages gives the same initramfs and vmlinux."""
    subprocess.run([str(TOP / "guests" / "linux" / "build.sh"), str(tmp_path)], check=True, capture_output=True)
    for name in ("initramfs.gz", "vmlinux", "VERSION"):
        assert (tmp_path / name).read_bytes() == (BUILD / "linux" / name).read_bytes(), name
