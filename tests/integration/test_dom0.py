"""The management domain (keel.cfg's dom0, docs/dom0.md): built first as domain 0, it has
the serial input, and Keel runs as long as it lives. Its own policies apply to it; once it
is gone for good, Keel stops every other domain and its run ends."""
import re

from keel import EMULATOR_PORTS, boot
from test_default import closing_lines

ENDED = "(shutdown hypercall)"

# dom0 is the second section, and its domain is still built first. It crashes on its first
# boot (restarted: its on_crash), sleeps 500 ms on its second and powers off. The worker
# would spin for ten minutes; brief ends at once, and Keel runs on.
CONFIG = EMULATOR_PORTS + """dom0 = "manager"

[domain]
name = "worker"
kernel = "spin.elf"
cmdline = "ms=600000 sti"

[domain]
name = "manager"
kernel = "lifecycle.elf"
cmdline = "actions=crash-after:300,sleep:500"
on_crash = "restart"

[domain]
name = "brief"
kernel = "lifecycle.elf"
cmdline = "actions=poweroff:0"
"""


def test_keel_runs_while_dom0_lives_and_stops_the_others_when_it_ends(bed, tmp_path):
    result = boot(tmp_path, CONFIG, bed=bed)
    assert result.status == 0, str(result)
    built = [m.group(1) for line in result.lines if (m := re.match(r"\[info\] (dom\d+ \w+): built: ", line))]
    assert built == ["dom0 manager", "dom1 worker", "dom2 brief", "dom0 manager"], str(result)
    assert "[info] serial input: now to dom0 manager's COM1 (Ctrl-A three times moves it on)" in result.lines, \
        str(result)
    keel = [line for line in result.lines if re.match(r"\[\w+\] dom\d+ \w+: ended: ", line)]
    assert keel == [
        f"[info] dom2 brief: ended: poweroff, exit status 0 {ENDED}; destroyed",
        f"[warn] dom0 manager: ended: crash, exit status 1 {ENDED}; restarting",
        f"[info] dom0 manager: ended: poweroff, exit status 0 {ENDED}; destroyed",
        "[info] dom1 worker: ended: stopped, no exit status (Keel stops: dom0 manager has ended); destroyed",
    ], str(result)
    # dom0 has the terminal: its lines come bare, as a PC's serial console shows them.
    assert result.guest_lines("manager") == [], str(result)
    assert [line for line in result.lines if line.startswith("lifecycle: ")] == [
        "lifecycle: boot 0: crash-after:300", "lifecycle: boot 1: sleep:500", "lifecycle: memory is fresh",
        "lifecycle: woke after 500 ms"], str(result)
    assert result.guest_lines("worker") == [], str(result)  # it never got to the end of its ten minutes
    assert closing_lines(result) == ("Keel finished: 3 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


def test_a_dom0_that_cannot_be_built_stops_keel(bed, tmp_path):
    config = EMULATOR_PORTS + """dom0 = "ghost"

[domain]
name = "worker"
kernel = "spin.elf"

[domain]
name = "ghost"
kernel = "ghost.elf"
"""
    result = boot(tmp_path, config, bed=bed)
    line = config.splitlines().index('name = "ghost"')  # 0-based: the 1-based line of its [domain]
    assert f"[error] keel.cfg:{line}: domain 'ghost' not started: its kernel 'ghost.elf' is not among the boot " \
        "modules" in result.lines, str(result)
    assert not [line for line in result.lines if ": built: " in line], str(result)
    assert closing_lines(result) == (
        "[error] dom0 ghost could not be built: Keel stops, as nothing would manage the machine",
        "Keel exit status 3"), str(result)
    assert result.status == 3, str(result)
