"""Debian's own Linux kernel, unchanged, as a Keel domain (guests/linux/README.md): booted
through its PVH entry with a busybox initramfs beside the canary (and through the Linux boot
protocol from its bzImage), it finds Keel's
KVM-compatible clock (kvm-clock) and the machine's time of day, sees as steal time what a
rival domain took from it, its /init prints what a user would check and powers the domain
off through ACPI S5, on every bed. The packages'
versions are whatever build/linux/VERSION records: nothing here depends on one."""

import re
import subprocess

from keel import (BEDS, BUILD, CANARY, EMULATOR_PORTS, TOP, boot, canary_rounds, linux_on,
                  time_of_day_is_the_machines)
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
# The PVH boot shares the CPU: once Linux is ready the test types a key to a rival, which
# spins from then on (interrupts on: Bochs' SVM holds Keel's timer while a guest's are
# off), and Linux's init loops for 3 s (keel.spin). By their weights Linux gets 3/4 of the
# CPU over its loop and sees the rest as steal time.
LINUX_WEIGHT, RIVAL_WEIGHT = 768, 256
SHARED = 'serial_input = "rival"\n' + CONFIG.replace(
    f'cmdline = "{CMDLINE}"', f'cmdline = "{CMDLINE} keel.spin=3"\nweight = {LINUX_WEIGHT}') + \
    f'\n[domain]\nname = "rival"\nkernel = "spin.elf"\ncmdline = "key ms=6000 sti"\nmemory = 2\nweight = {RIVAL_WEIGHT}\n'

# The kernel always has Keel's KVM clock (kvm-clock) among its clocksources. It prefers the
# TSC where the CPU says the TSC is invariant (CPUID 0x80000007 EDX bit 8, which Bochs'
# models have and Keel's guests see, as their TSC is the machine's plus an offset), and
# kvm-clock where it does not (the QEMU bed's qemu64).
CLOCKSOURCE = {"qemu": "kvm-clock", "bochs": "tsc", "bochs-amd": "tsc"}


CPU_MODEL_REPORTS = ("RETBleed: ", "Speculative Return Stack Overflow: ")
EXPECTED_KERNEL_LOG = ["PCI: Fatal: No config space access function found", "PCI: System does not support PCI",
                       "mce: Unable to init MCE device (rc: -5)"]


def kernel_release():
    package = (BUILD / "linux" / "VERSION").read_text().split()[0]  # linux-image-<release>
    return package.removeprefix("linux-image-")


def test_debian_linux_boots_to_its_init_and_powers_off(bed, tmp_path):
    result = boot(tmp_path, linux_on(bed, SHARED), bed=bed, memory=1024, timeout=900, typing=[("linux: ready", "x")])
    said = [line for line in result.guest_lines("linux") if line.startswith("linux: ")]
    init = said + [""] * 10
    assert init[:2] == ["linux: ready", f"linux: Linux {kernel_release()} x86_64"], str(result)
    clock = re.fullmatch(r"linux: clocksource (\S+) \(of (.*)\)", init[2])
    assert clock and clock.group(1) == CLOCKSOURCE[bed.name] and "kvm-clock" in clock.group(2).split(), str(result)
    date = re.fullmatch(r"linux: date (.*)", init[3])
    assert date and time_of_day_is_the_machines(date.group(1), bed), str(result)
    memory = re.fullmatch(r"linux: MemTotal: (\d+) kB", init[4])
    # The domain's 256 MiB, less what the kernel keeps for itself (its image, its tables).
    assert memory and 180 * 1024 < int(memory.group(1)) < 256 * 1024, str(result)
    assert re.fullmatch(r"linux: steal \d+ of \d+ ticks", init[5]), str(result)
    assert init[6] == "linux: interrupts:", str(result)
    # While the rival spun, the kernel was kept from the CPU it was ready for: steal time,
    # which Keel gives it through KVM's steal-time MSR and /proc/stat shows, a quarter of
    # its loop's time by the weights, within 10% of its share.
    assert re.fullmatch(r"linux: up \d+\.\d+ s when ready", init[7]), str(result)
    spin = re.fullmatch(r"linux: spin: steal (\d+) of (\d+) ticks", init[8])
    share = LINUX_WEIGHT / (LINUX_WEIGHT + RIVAL_WEIGHT)
    assert spin and abs(1 - int(spin.group(1)) / int(spin.group(2)) - share) <= 0.1 * share, str(result)
    assert init[9] == "linux: kernel warnings and errors:", str(result)
    assert said[-1] == "linux: powering off", str(result)
    # The kernel's log at warning level and above: what it says of the two things Keel's PC
    # lacks, a PCI bus and machine checks (CPUID hides MCE and MCA), and of the emulated CPU
    # model's side-channel mitigations (Bochs' Skylake and Zen: what it says on such a CPU
    # anywhere), and nothing else: no WARNING or BUG of its own, no unchecked MSR access, no
    # unstable TSC.
    logged = [re.sub(r"^linux: log: \[ *\d+\.\d+\] ", "", line) for line in said[10:-1]]
    assert [line for line in logged if not line.startswith(CPU_MODEL_REPORTS)] == EXPECTED_KERNEL_LOG, str(result)
    # Its UART's interrupt came through the I/O APIC (input 4), its clock's through input 2.
    interrupts = {m.group(2): int(m.group(1)) for line in result.guest_lines("linux")
                  if (m := re.fullmatch(r"\s*\d+:\s+(\d+)\s+IO-APIC\s+\d+-\w+\s+(\w+)", line))}
    assert interrupts.get("ttyS0", 0) > 0 and "timer" in interrupts, str(result)
    ended = result.end_lines("linux")
    assert len(ended) == 1 and re.fullmatch(
        r"\[info\] dom1 linux: ended: poweroff, no exit status \(ACPI S5: sleep type 5 written to its PM1a "
        r"control block at port 0x[0-9a-f]+\); destroyed", ended[0]), str(result)
    assert canary_rounds(result), str(result)
    assert closing_lines(result) == ("Keel finished: 3 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


BZIMAGE = CONFIG.replace('kernel = "vmlinux"', 'kernel = "vmlinuz"')


def test_debian_linux_boots_from_its_bzimage_through_the_linux_boot_protocol(bed, tmp_path):
    """The same kernel as Debian ships it, a bzImage: at its pref_address (16 MiB), init_size
    reserved for its decompression, entered at its 64-bit entry with boot_params; it
    decompresses itself (a minute under Bochs) and runs the same init."""
    result = boot(tmp_path, linux_on(bed, BZIMAGE), bed=bed, memory=1024, timeout=900)
    built = [line for line in result.domain_lines("linux") if ": built: " in line]
    assert len(built) == 1 and re.fullmatch(r"\[info\] dom1 linux: built: linux kernel \(bzImage\) at 0x1000000-0x"
                                            r"[0-9a-f]+, 1 module, 256 MiB, entry 0x1000200", built[0]), str(result)
    init = [line for line in result.guest_lines("linux") if line.startswith("linux: ")]
    assert init[:2] == ["linux: ready", f"linux: Linux {kernel_release()} x86_64"], str(result)
    assert init[-1] == "linux: powering off", str(result)
    assert [line.split(" (")[0] for line in result.end_lines("linux")] == [
        "[info] dom1 linux: ended: poweroff, no exit status"], str(result)
    assert canary_rounds(result), str(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


def test_the_initramfs_is_built_byte_for_byte_again(tmp_path):
    """The recipe run again from the same packages gives the same initramfs and vmlinux."""
    subprocess.run([str(TOP / "guests" / "linux" / "build.sh"), str(tmp_path)], check=True, capture_output=True)
    for name in ("initramfs.gz", "vmlinux", "VERSION"):
        assert (tmp_path / name).read_bytes() == (BUILD / "linux" / name).read_bytes(), name


SHELL_CMDLINE = CMDLINE + " keel.shell"
SHELL_CONFIG = EMULATOR_PORTS + f"""serial_input = "linux"

[domain]
name = "linux"
kernel = "vmlinux"
ramdisk = "initramfs.gz"
cmdline = "{SHELL_CMDLINE}"
memory = 256
on_reboot = "restart"
on_crash = "restart"
""" + CANARY.replace("ms=1000", "ms=20000")
PROMPT = "/ # "
# A user at the terminal: the shell's commands, then reboot; in the second life a panic
# (sysrq c), which the pvpanic driver reports; in the third, poweroff.
SHELL_TYPING = [
    (PROMPT, "uname -a\r"),
    ("GNU/Linux", "grep -c ^processor /proc/cpuinfo; grep -m1 '^model name' /proc/cpuinfo\r"),
    ("model name\t: ", ""),  # not typed ahead: the terminal would echo it among the output
    (PROMPT, "reboot\r"),
    ("ended: reboot", ""),
    (PROMPT, "echo c > /proc/sysrq-trigger\r"),
    ("ended: crash", ""),
    (PROMPT, "poweroff\r"),
]


def test_a_login_shell_on_the_terminal_through_reboot_panic_and_poweroff(tmp_path):
    """make shell's domain, driven as a user would (QEMU only: the lifecycle is Keel's
    vendor-neutral code, and three Linux boots take minutes under Bochs). Reboot restarts it
    (on_reboot), a panic reported through pvpanic is a crash (on_crash restarts it), poweroff
    ends it; the canary runs beside it throughout."""
    result = boot(tmp_path, SHELL_CONFIG, bed=BEDS["qemu"], memory=1024, timeout=600, typing=SHELL_TYPING)
    lines = result.lines
    uname = [line for line in lines if line.endswith("GNU/Linux")]
    assert len(uname) == 1 and re.fullmatch(rf"Linux \(none\) {re.escape(kernel_release())} #1 SMP .* x86_64 GNU/Linux",
                                            uname[0]), str(result)
    at = lines.index(uname[0])
    assert lines[at + 2] == "1" and lines[at + 3].startswith("model name\t: "), str(result)
    ended = result.end_lines("linux")
    want = [r"\[info\] dom1 linux: ended: reboot, no exit status \(a reset through port 0xcf9 or the keyboard "
            r"controller \(port 0x64\)\); restarting",
            r"\[warn\] dom1 linux: ended: crash, no exit status \(its kernel panicked: pvpanic event 0x1 written to "
            r"port 0x505\); restarting( in \d+ ms)?",
            r"\[info\] dom1 linux: ended: poweroff, no exit status \(ACPI S5: sleep type 5 written to its PM1a control "
            r"block at port 0x[0-9a-f]+\); destroyed"]
    assert len(ended) == 3 and all(map(re.fullmatch, want, ended)), str(result)
    assert lines.count("linux: shell (poweroff to end)") == 3, str(result)
    assert canary_rounds(result), str(result)
    # The domain's last end counts: it powered off.
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
