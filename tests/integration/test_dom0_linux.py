"""Linux as dom0 (guests/dom0/, docs/dom0.md): Debian's own kernel with keel.ko and keelctl
in its initramfs, its shell on the terminal, driven as a user would. keelctl lists dom0 and
the boot-time domain, creates two domains from the files Keel handed dom0 as its modules,
pauses one (its CPU time stands still while the other's goes on) and unpauses it, sets
weights and the CPU shares follow, talks to one through its console, destroys one and
creates it again in its memory, shows top, info and Keel's log, refuses bad commands and a
bad configuration with their messages, and powering dom0 off ends Keel with every domain
ended and the report printed."""
import re

import pytest

from keel import BEDS, EMULATOR_PORTS, boot, linux_on
from test_default import closing_lines

CMDLINE = "console=ttyS0,115200 loglevel=4 panic=-1 cryptomgr.notests=1"
# Linux as dom0; a configuration may go on with more of dom0's keys.
DOM0 = EMULATOR_PORTS + f"""dom0 = "dom0"

[domain]
name = "dom0"
kernel = "vmlinux"
ramdisk = "dom0-initramfs.gz"
cmdline = "{CMDLINE}"
memory = 256
"""
CONFIG = DOM0 + """module = [ "spin.elf", "echo.elf", "spin.cfg", "echo.cfg", "bad.cfg" ]

[domain]
name = "busy"
kernel = "spin.elf"
cmdline = "ms=600000 sti"
memory = 4
"""
FILES = {
    "spin.cfg": b'[domain]\nname = "spin"\nkernel = "spin.elf"\ncmdline = "ms=600000 sti"\nmemory = 4\n',
    "echo.cfg": b'[domain]\nname = "echo"\nkernel = "echo.elf"\ncmdline = "timeout_ms=600000"\nmemory = 4\n',
    "bad.cfg": b'[domain]\nname = "bad"\nkernel = "spin.elf"\nmemory = lots\n',
}
PROMPT = "/ # "
TYPING = [
    ("dom0: ready", ""),
    (PROMPT, "keelctl list\r"),
    (PROMPT, "keelctl create /etc/keel/spin.cfg\r"),
    (PROMPT, "keelctl create /etc/keel/echo.cfg\r"),
    (PROMPT, "keelctl pause spin; keelctl list; sleep 2; keelctl list; keelctl unpause spin\r"),
    (PROMPT, "keelctl sched-credit -d spin -w 768; keelctl sched-credit -d busy -w 256; keelctl sched-credit\r"),
    (PROMPT, "keelctl list; sleep 4; keelctl list\r"),
    (PROMPT, "keelctl console echo\r"),
    ("Ctrl-] leaves", "hello dom0\r"),
    ("echo: got 'hello dom0'", "\x1d"),
    (PROMPT, "keelctl info | grep free_memory; keelctl destroy spin; sleep 1; keelctl list\r"),
    (PROMPT, "keelctl create /etc/keel/spin.cfg; keelctl info | grep free_memory; keelctl list\r"),
    (PROMPT, "keelctl top -i 2 -d 1\r"),
    (PROMPT, "keelctl dmesg | grep 'dom0 dom0: created'\r"),
    (PROMPT, "keelctl frobnicate; echo status=$?\r"),
    (PROMPT, "keelctl pause; echo status=$?\r"),
    (PROMPT, "keelctl create /etc/keel/bad.cfg; echo status=$?\r"),
    (PROMPT, "keelctl pause nosuch; echo status=$?\r"),
    (PROMPT, "poweroff\r"),
]
LIST_LINE = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([-rbpscd]{6})\s+([\d.]+)$")


def listings(lines):
    """Each `keelctl list` output: {name: (id, mem, vcpus, state, time)}."""
    out, current = [], None
    for line in lines:
        if line.startswith("Name") and "State" in line and "Time(s)" in line:
            current = {}
            out.append(current)
        elif current is not None and (m := LIST_LINE.match(line)):
            current[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4)), m.group(5), float(m.group(6)))
        else:
            current = None
    return out


def test_linux_dom0_manages_domains_with_keelctl(tmp_path):
    result = boot(tmp_path, CONFIG, bed=BEDS["qemu"], memory=1024, timeout=600, files=FILES, typing=TYPING)
    lines = result.lines
    lists = listings(lines)
    assert len(lists) == 7, str(result)
    assert sorted(lists[0]) == ["busy", "dom0"] and lists[0]["dom0"][:3] == (0, 256, 1), str(result)
    assert lists[0]["busy"][:3] == (1, 4, 1), str(result)
    # Created from dom0's files: ids 2 and 3.
    assert lists[1]["spin"][0] == 2 and lists[1]["echo"][0] == 3, str(result)
    # Paused: spin's time stands still, busy's goes on.
    assert lists[1]["spin"][3] == "--p---" and lists[2]["spin"][3] == "--p---", str(result)
    assert lists[1]["spin"][4] == lists[2]["spin"][4], str(result)
    assert lists[2]["busy"][4] - lists[1]["busy"][4] >= 0.5, str(result)
    # Weights 768 and 256: spin gets 75% of what the two get, within 10 points.
    spin = lists[4]["spin"][4] - lists[3]["spin"][4]
    busy = lists[4]["busy"][4] - lists[3]["busy"][4]
    assert 0.65 <= spin / (spin + busy) <= 0.85, (spin, busy, str(result))
    # The console: what was typed came back.
    assert "echo: got 'hello dom0'" in lines, str(result)
    # Destroyed, then created again in its memory: the free memory is the same.
    assert "spin" not in lists[5] and lists[6]["spin"][0] == 4, str(result)
    free = [line for line in lines if line.startswith("free_memory")]
    assert len(free) == 2 and free[0] == free[1], str(result)
    # top, twice a second apart: the second shows each running domain's CPU share and exits.
    top = [re.match(r"^\s*(\S+) (\S{6})\s+(\d+)\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(\d+)$", line) for line in lines]
    top = [m.groups() for m in top if m]
    assert len(top) == 8 and [row[0] for row in top] == ["dom0", "busy", "echo", "spin"] * 2, str(result)
    second = {row[0]: (float(row[3]), int(row[6])) for row in top[4:]}
    assert second["busy"][0] > 0 and second["spin"][0] > 0 and second["busy"][1] > 0 and second["dom0"][1] > 0, \
        str(result)
    assert "keelctl: unknown command 'frobnicate'; keelctl help lists the commands" in lines, str(result)
    assert lines.count("status=2") == 3 and lines.count("status=1") == 1, str(result)
    assert "keelctl: create: its configuration, line 4: memory = lots: expected a decimal or 0x hex number" in lines, \
        str(result)
    assert any(line.startswith("[info] dom0 dom0: created dom2") for line in lines), str(result)
    # The first spin's slot was taken again: its CPU time is in the retired row, not Keel's.
    cpu = result.cpu_table()
    assert sorted(name for name in cpu if name not in ("retired", "keel", "idle")) == ["busy", "dom0", "echo", "spin"]
    assert cpu["retired"] > 0, str(result)
    assert closing_lines(result) == ("Keel finished: 5 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


SHORT_TYPING = [
    ("dom0: ready", ""),
    (PROMPT, "keelctl create /etc/keel/spin.cfg; keelctl pause spin; keelctl list; keelctl destroy spin\r"),
    (PROMPT, "poweroff\r"),
]


@pytest.mark.slow
def test_linux_dom0_on_every_bed(bed, tmp_path):
    """One boot on each bed through PVH: keel.ko finds Keel and keelctl creates, pauses,
    lists and destroys a domain (VMCALL on Intel, VMMCALL on AMD)."""
    result = boot(tmp_path, linux_on(bed, CONFIG), bed=bed, memory=1024, timeout=1800, files=FILES,
                  typing=SHORT_TYPING)
    lists = listings(result.lines)
    assert len(lists) == 1 and sorted(lists[0]) == ["busy", "dom0", "spin"], str(result)
    assert lists[0]["spin"][0] == 2 and lists[0]["spin"][3] == "--p---", str(result)
    assert "[info] dom2 spin: ended: destroyed, no exit status (destroyed by dom0 dom0); destroyed" in result.lines, \
        str(result)
    assert closing_lines(result) == ("Keel finished: 3 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


# A Linux domU beside dom0, with its shell (busybox init) and busybox acpid, which powers it
# off when its ACPI power button is pressed.
DOMU_CONFIG = DOM0 + f"""
[domain]
name = "web"
kernel = "vmlinux"
ramdisk = "initramfs.gz"
cmdline = "{CMDLINE} keel.shell"
memory = 256
"""
# Once web's shell runs, an empty line makes dom0's shell prompt (again, if it was there
# before), after which the command is typed. dom0's prompt is back before web has ended,
# so the last line is typed once Keel says web has ended.
DOMU_TYPING = [
    ("dom0: ready", ""),
    ("dom1 web (uart): linux: shell (poweroff to end)", "\r"),
    (PROMPT, "keelctl shutdown web\r"),
    ("dom1 web: ended: ", "keelctl list; poweroff\r"),
]


def test_keelctl_shutdown_powers_a_linux_domu_off_through_its_power_button(tmp_path):
    """`keelctl shutdown` presses the domain's ACPI power button; Debian's kernel reports it
    (the button driver, evdev) and busybox acpid powers the guest off: its init ends every
    process and the kernel writes S5 (QEMU: two Linux boots)."""
    result = boot(tmp_path, DOMU_CONFIG, bed=BEDS["qemu"], memory=1024, timeout=600, typing=DOMU_TYPING)
    assert result.end_lines("web") == [
        "[info] dom1 web: ended: poweroff, no exit status (ACPI S5: sleep type 5 written to its PM1a control block at "
        "port 0x604); destroyed"], str(result)
    web = result.guest_lines("web")
    # Its shell's prompt (with the escape shown as '.') may begin the first of these lines.
    assert any(line.endswith("The system is going down NOW!") for line in web), str(result)
    assert "Requesting system poweroff" in web, str(result)
    lists = listings(result.lines)
    assert len(lists) == 1 and sorted(lists[0]) == ["dom0"], str(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
