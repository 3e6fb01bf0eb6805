"""The watchdog (vmm/watchdog.c): the PIT's IRQ 0, routed by the I/O APIC as an NMI, reaches
Keel 20 times a second, in Keel or while a guest runs (an NMI exit on both vendors), and
each is taken by Keel's NMI handler while the guests run on. This is the NMI path on every
bed, VT-x's NMI exiting included."""


from keel import EMULATOR_PORTS, boot
from test_default import closing_lines

DOMAINS = """
[domain]
name = "spinner"
kernel = "spin.elf"
cmdline = "ms=1500"

[domain]
name = "sleeper"
kernel = "sleep.elf"
cmdline = "times=10 ms=100"
"""


def nmis(result):
    return result.host_interrupts()["nmi"]


def test_the_watchdog_nmis_are_taken_and_the_guests_run_on(tmp_path, bed):
    result = boot(tmp_path, "watchdog = 2\n" + EMULATOR_PORTS + DOMAINS, bed=bed)
    started = [line for line in result.lines if line.startswith("[info] watchdog: ")]
    assert started == ["[info] watchdog: an NMI 20 times a second (the PIT through input 2 of the I/O APIC at "
                       "0xfec00000); Keel stops if it makes no progress for 2 s"], str(result)
    # The spinner alone runs 1.5 s of Keel's clock: about 30 NMIs, most of them in a guest.
    assert 20 <= nmis(result) <= 60, str(result)
    assert result.exit_table()["spinner"]["intr"] >= 10, str(result)
    assert result.guest_lines("sleeper")[-1].startswith("sleep: 10 blocks of 100 ms, none early"), str(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


def test_without_the_watchdog_there_is_no_nmi(tmp_path, bed):
    result = boot(tmp_path, EMULATOR_PORTS + DOMAINS, bed=bed)
    assert not [line for line in result.lines if "watchdog" in line], str(result)
    assert nmis(result) == 0, str(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
