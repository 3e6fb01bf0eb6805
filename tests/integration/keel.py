"""Boots Keel on a test bed and parses what it prints (formats: docs/architecture.md, README.md).

A test bed is an emulated machine with a launcher script. A launcher takes
[--timeout SECONDS] ESP.img, prints the serial console on standard output and its own
messages on standard error, among them "Keel exited with status N (...)", and exits with N.
Adding a bed is one entry in BEDS.
"""

import datetime
import functools
import os
import re
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pexpect
import pytest

TOP = Path(__file__).resolve().parents[2]
BUILD = TOP / "build"
DEFAULT_CONFIG = TOP / "guests" / "configs" / "default.cfg"



def linux_on(bed, config_text):
    """config_text with the bed's linux_cmdline_extra at the end of each Linux domain's
    command line (those that start with console=ttyS0)."""
    return re.sub(r'^(cmdline = "console=ttyS0[^"]*)"', lambda m: m.group(1) + bed.linux_cmdline_extra + '"',
                  config_text, flags=re.M)


def own_guests_config():
    """The default configuration without its Linux domain: Keel's own test guests alone, for
    the runs that check them on many CPU models or through a slow path (the Bochs debugger,
    OVMF in Bochs), where Linux's boot would add minutes and check nothing more."""
    sections = DEFAULT_CONFIG.read_text().split("\n[domain]\n")
    return "\n[domain]\n".join(s for s in sections if not re.search(r'^name = "linux"$', s, re.M))


# What `make all` builds: the loader, the core, the test guests (guests/test/README.md) and
# the Linux guest (guests/linux/README.md).
GUESTS = ["hello-elf64.elf", "hello-mb1.elf", "hello-mb2.elf", "bootcheck-elf64.elf", "bootcheck-mb1.elf",
          "bootcheck-mb1low.elf", "bootcheck-mb1k.bin", "bootcheck-mb2.elf", "bootcheck-pvh.elf", "hcabuse.elf", "lifecycle.elf",
          "faults.elf", "instructions.elf", "msrs.elf", "leak.elf", "spin.elf", "sleep.elf", "bench.elf", "sstep.elf",
          "hello16.bin", "oob16.bin", "mmio16.bin", "motd.txt", "initrd.txt", "deadline.elf", "flood.elf", "mmio.elf",
          "apic.elf", "platform.elf", "probe.elf", "irqchaos.elf", "echo.elf", "canary.elf", "crdr.elf", "kvmclock.elf"]
BUILD_FILES = (["BOOTX64.EFI", "core.elf", "host/config-files"] + [f"guests/{name}" for name in GUESTS]
               + ["linux/vmlinux", "linux/initramfs.gz", "linux/VERSION"])

# Keel's line after the guests, once it has compared its own MSRs and XCR0 with what it set up.
HOST_MSRS_UNCHANGED = "[info] host MSRs, control registers and XCR0: as Keel set them up, none changed by a guest"

# The domain a hostile one runs beside (guests/test/canary.c): it keeps a pattern in its
# memory and counts rounds for ms of Keel's clock, blocking between them.
CANARY = '\n[domain]\nname = "canary"\nkernel = "canary.elf"\ncmdline = "ms=1000"\nmemory = 8\n'


def canary_rounds(result):
    """The rounds the canary counted with its memory intact, or None if it did not say that."""
    lines = result.guest_lines("canary")
    m = re.fullmatch(r"canary: (\d+) rounds, memory intact", lines[-1]) if lines else None
    return int(m.group(1)) if m else None

# The two settings through which Keel ends an emulator's run (docs/config.md).
EMULATOR_PORTS = "exit_port = 0xf4\nshutdown_port = 0x8900\n"


# Domains of these sizes (MiB), each powering off at once (lifecycle.elf), named ram<MiB>: what
# Keel's memory table is read for (test_memory.py, make bench). 32 and 128 MiB lie below the
# MMIO hole; of 1040 MiB with a hole of 4080 MiB, 16 MiB do, and 1 GiB lies above 4 GiB, at
# a GiB boundary: one 1 GiB nested page where the host has a free aligned GiB.
MEMORY_SIZES = {32: None, 128: None, 1040: 4080}
MIB = 1 << 20
# The VGA window (0xa0000-0xbffff) is not RAM and nothing backs it (docs/architecture.md).
VGA_WINDOW = 0x20000


def memory_config(sizes=MEMORY_SIZES):
    return EMULATOR_PORTS + "".join(f'\n[domain]\nname = "ram{mib}"\nkernel = "lifecycle.elf"\n'
                                    f'cmdline = "actions=poweroff:0"\nmemory = {mib}\n'
                                    + (f"mmio_hole = {hole}\n" if hole else "") for mib, hole in sizes.items())


@dataclass(frozen=True)
class Bed:
    name: str
    launcher: str  # from the repository top
    cpu_without_virt: tuple  # launcher options for a CPU without SVM / VT-x
    cpu_without_nested_paging: tuple  # ... with SVM / VT-x but no NPT / EPT

    image_script: str  # builds the boot image from build/ and a configuration
    image_name: str
    boot_path: str  # how Keel says it was booted: "UEFI" or "Multiboot2"
    ending_port: str  # the keel.cfg setting that ends this emulator: exit_port or shutdown_port
    acpi_pm1a_control: int  # the ACPI PM1a control block its FADT names, 0: no ACPI
    cpu_without_xsave: tuple = ()  # ... with FXSAVE only: no XSAVE, XCR0 or AVX
    cpu_with_pku: tuple = ()  # ... with protection keys (CR4.PKE, PKRU) besides the default's
    cpu_without_unrestricted_guest: tuple = ()  # VT-x only: real-mode guests need it
    intel: bool = False  # an Intel CPU (VT-x), else an AMD one (SVM)
    launcher_options: tuple = ()  # always passed to the launcher
    deterministic: tuple = ()  # launcher options under which time follows the instruction count
    # Runs under those options repeat to the nanosecond. On Bochs' ryzen model the boot
    # before Keel does not quite repeat, so Keel's count of the TSC against the PIT (9.999 or
    # 10.000 MHz), and what follows from it, may differ between runs: deadlines move by
    # microseconds, and one may fall on the other side of a slice's end.
    repeats_exactly: bool = True
    # The guest's instructions per TSC tick are constant: Bochs' TSC follows its instruction
    # count (clock: sync=none); QEMU's TCG runs at the host's pace, so a guest's progress
    # counter there does not measure the CPU time it got.
    steady_clock: bool = True
    # A CPU exits on a guest's XSETBV (VT-x always, SVM with its intercept). QEMU 7.2's SVM
    # runs it in the guest regardless of the intercept: the answers are the CPU's own there.
    xsetbv_exits: bool = True
    # A guest's triple fault is a shutdown exit, with SVM's intercept or VT-x's exit. Bochs
    # 2.7 checks SVM's shutdown intercept only after its own triple-fault handling (a reset,
    # or, as run-bochs.sh sets it, a stop): there a triple fault ends the emulator.
    triple_fault_exits: bool = True
    # A host interrupt ends a guest's run whatever the guest's RFLAGS.IF: SVM with
    # V_INTR_MASKING follows the host's IF (APM vol.2 §15.21.1), VT-x's preemption timer and
    # external-interrupt exiting ignore the guest's. Bochs 2.7's SVM holds the interrupt
    # while the guest's IF is clear, so there a guest spinning with interrupts off keeps the CPU.
    preempts_with_interrupts_off: bool = True
    # Setting a CR4 bit the CPU lacks, or clearing PAE in 64-bit mode, raises #GP. QEMU 7.2
    # lets the first through, and its VMRUN then fails the guest's state
    # (arch/x86/svm/svm_exit.c): the domain ends; it takes the second, and the guest's
    # paging is gone under its feet (a triple fault).
    cr4_reserved_bits_fault: bool = True
    # So do MOV to CR3 with a bit of 63:52 set (reserved in 64-bit mode: SDM vol.3 §4.5, APM
    # vol.2 §3.1.2) and MOV to CR0 that sets NW without CD or clears PG in 64-bit code (SDM
    # vol.2B, MOV CR). QEMU 7.2 takes them: its VMRUN then fails the guest's CR3 or CR0, and
    # the cleared PG takes the guest out of long mode under its 64-bit code.
    cr0_cr3_bad_writes_fault: bool = True
    # At CPL 3 a far return's and an IRET's stack reads are user-mode accesses, which pages
    # kept from CPL 3 refuse (SDM vol.3 §4.6), and IRET from 64-bit code never enters
    # virtual-8086 mode (SDM vol.2A IRET). QEMU 7.2 pops those
    # stacks with supervisor rights, and takes IRETD's EFLAGS.VM at CPL 3: there the guest's
    # CPL 3 code can read pages kept from it, beyond its RAM too (an exit Keel ends the domain
    # for), and crashme's random bytes find that.
    cpl3_stack_reads_checked: bool = True
    # With RFLAGS.TF set a #DB comes after each instruction; only MOV SS (and POP SS) hold
    # theirs back until after the next instruction (SDM vol.3 §6.8.3). QEMU 7.2 holds back
    # STI's as well, as for any interrupt shadow, and merges it with the next one's.
    single_step_trap_after_sti: bool = True
    # A guest's single-step trap over an instruction that exits is the hypervisor's to give
    # (the instruction did not complete in the guest). Bochs 2.7's SVM delivers it to the
    # host right after #VMEXIT instead, where Keel drops it and counts it.
    guest_debug_traps_reach_host: bool = False
    # A guest that saves its AVX-512 state with XSAVEC (the compacted form) gets it back
    # with XRSTOR. On Bochs 2.7's corei7_skylake_x it does not always: Debian's kernel uses
    # XSAVEC where CPUID 0xd.1 offers it, and its programs failed now and then (6 pipelines
    # of 20), never with XSAVEC cleared. Linux boots there with clearcpuid=321 (its
    # X86_FEATURE_XSAVEC): the emulator's quirk, worked around in the guest's command line;
    # Keel's CPUID stays the CPU's.
    linux_cmdline_extra: str = ""

    def command(self, image, timeout, extra=()):
        return [str(TOP / self.launcher), "--timeout", str(timeout), *self.launcher_options, *extra, str(image)]


BEDS = {
    "qemu": Bed("qemu", "scripts/run-qemu.sh",
                cpu_without_virt=("--cpu", "qemu64,-svm"),
                cpu_without_nested_paging=("--cpu", "qemu64,+svm,-npt"),
                cpu_without_xsave=("--cpu", "qemu64,+svm,+npt,+rdtscp"),
                cpu_with_pku=("--cpu", "qemu64,+svm,+npt,+xsave,+xsaveopt,+avx,+rdtscp,+pdpe1gb,+pku"),
                image_script="scripts/mkesp.sh", image_name="esp.img", boot_path="UEFI",
                ending_port="exit_port", acpi_pm1a_control=0x604,  # q35: ICH9 PM base 0x600
                xsetbv_exits=False, steady_clock=False, cpl3_stack_reads_checked=False,
                cr4_reserved_bits_fault=False, cr0_cr3_bad_writes_fault=False, single_step_trap_after_sti=False,
                deterministic=("--icount",)),
    # Bochs: GRUB boots the core through Multiboot2 on an Intel CPU (corei7_skylake_x).
    "bochs": Bed("bochs", "scripts/run-bochs.sh",
                 cpu_without_virt=("--cpu", "athlon64_clawhammer"),
                 cpu_without_nested_paging=("--cpu", "core2_penryn_t9600"),
                 cpu_without_xsave=("--cpu", "corei5_arrandale_m520"),
                 cpu_with_pku=("--cpu", "corei7_icelake_u"),
                 image_script="scripts/mkiso.sh", image_name="keel.iso", boot_path="Multiboot2",
                 ending_port="shutdown_port", acpi_pm1a_control=0xb004,  # PIIX4 PM base 0xb000
                 cpu_without_unrestricted_guest=("--cpu", "corei5_lynnfield_750"), intel=True,
                 linux_cmdline_extra=" clearcpuid=321"),
    # Bochs again, with its AMD CPU (ryzen): Keel's SVM path with what QEMU's TCG lacks:
    # nrip-save, 1 GiB pages, 32768 ASIDs.
    "bochs-amd": Bed("bochs-amd", "scripts/run-bochs.sh",
                     cpu_without_virt=("--cpu", "athlon64_venice"),
                     cpu_without_nested_paging=("--cpu", "turion64_tyler"),
                     cpu_without_xsave=("--cpu", "phenom_8650_toliman"),
                     image_script="scripts/mkiso.sh", image_name="keel.iso", boot_path="Multiboot2",
                     ending_port="shutdown_port", acpi_pm1a_control=0xb004,
                     launcher_options=("--cpu", "ryzen"),
                     triple_fault_exits=False, preempts_with_interrupts_off=False, repeats_exactly=False,
                     guest_debug_traps_reach_host=True),
}


# The UEFI application on Bochs: OVMF as its firmware, an MBR disk with an EFI partition.
# About ten times slower than GRUB's path, so only tests/integration/test_uefi_on_bochs.py uses it.
BOCHS_UEFI = Bed("bochs-uefi", "scripts/run-bochs.sh",
                 cpu_without_virt=(), cpu_without_nested_paging=(),
                 image_script="scripts/mkdisk.sh", image_name="disk.img", boot_path="UEFI",
                 ending_port="shutdown_port", acpi_pm1a_control=0,  # no ACPI tables there
                 launcher_options=("--uefi",))


def time_of_day_is_the_machines(text, bed):
    """A domain's clock starts from the machine's time of day, which Keel reads from the RTC
    at boot: QEMU's follows the host's clock (UTC); the Bochs beds' starts at the host's
    local time (run-bochs.sh's `clock: time0=1` is Bochs' "local") and runs on emulated time
    from there. text, "YYYY-MM-DD HH:MM:SS", within minutes of now where the host keeps UTC."""
    try:
        shown = datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return False
    now = datetime.datetime.now(datetime.timezone.utc)
    if bed.name != "qemu":  # local time: the host's offset from UTC as well
        now = now + (datetime.datetime.now().astimezone().utcoffset() or datetime.timedelta())
    return abs(shown - now) < datetime.timedelta(minutes=10)


def require_build():
    """Stops the whole session with one clear message when `make all` has not run."""
    missing = [f"build/{f}" for f in BUILD_FILES if not (BUILD / f).is_file()]
    if missing:
        pytest.exit(
            "the integration tests boot what `make all` builds, and these are missing: "
            + ", ".join(missing) + ". Run `make all` first (or `make integration`).",
            returncode=2)


# The UEFI shell's prompt: the firmware runs its shell when no boot option started.
FIRMWARE_SHELL = "Shell> "

# CSI sequences (colours, cursor moves: the firmware's console), other two-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-9;?=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[@-_]")
_GUEST_LINE = re.compile(r"dom\d+ (\S+) \((?:uart|hypercall|port 0x[0-9a-f]+)\): ")
_LOG_LINE = re.compile(r"\[(?:error|warn|info|debug)\] dom\d+ (\S+): ")
_STATUS_LINE = re.compile(r"Keel exited with status (\d+)\b")


def header_line(config_text, name):
    """The line of the [domain] header of the domain called name: Keel's messages about a
    domain that was not built name it."""
    lines = config_text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.replace(" ", "") == f'name="{name}"')
    return next(i for i in range(at, -1, -1) if lines[i].strip() == "[domain]") + 1


def clean(text):
    return _ANSI.sub("", text.replace("\r", ""))


@dataclass
class Result:
    output: str = field(repr=False)  # the serial console, '\r' and escape sequences removed
    stderr: str = field(repr=False)  # the launcher's and the emulator's own messages
    exit_code: int  # the launcher's
    status: int | None  # Keel's exit status; None when Keel never reported one
    log: Path  # output and stderr as they came, for reading after a failure

    @property
    def lines(self):
        return [line.rstrip() for line in self.output.split("\n")]

    def domain_lines(self, name):
        """The domain's own lines in order: its guest's output and the log lines about it."""
        return [line for line in self.lines
                if (m := _GUEST_LINE.match(line) or _LOG_LINE.match(line)) and m.group(1) == name]

    def guest_lines(self, name, source="uart"):
        """What the domain's guest printed through one source, prefixes removed."""
        pattern = re.compile(rf"dom\d+ {re.escape(name)} \({re.escape(source)}\): (.*)")
        return [m.group(1) for line in self.lines if (m := pattern.fullmatch(line))]

    def end_lines(self, name):
        """Keel's "ended" lines about the domain."""
        return [line for line in self.domain_lines(name) if re.match(r"\[\w+\] dom\d+ \S+: ended: ", line)]

    def _table(self, title, header):
        """The header line of the table after the line title (its first cells checked against
        header) and the lines after it."""
        lines = self.lines
        try:
            start = lines.index(title)
        except ValueError:
            raise AssertionError(f"no '{title}' table in the output (log: {self.log})") from None
        assert lines[start + 1].split()[:len(header)] == header, f"unexpected header {lines[start + 1]!r}"
        return lines[start + 1].split(), lines[start + 2:]

    def exit_table(self):
        """The "exits by reason:" table: name -> {"domain": "dom1", "ended": "poweroff", "status": 0,
        "restarts": 0, "cpuid": 4, ...}; a status of "-" (none) stays a string."""
        header, rows = self._table("exits by reason:", ["domain", "ended", "status", "restarts"])
        table = {}
        for line in rows:
            if not line:
                break
            cells = line.split()
            assert len(cells) == len(header) + 1, f"table row {line!r} does not fit header {header}"
            row = {"domain": cells[0]}
            for column, cell in zip(header[1:], cells[2:]):
                row[column] = int(cell) if cell.isdigit() else cell
            table[cells[1]] = row
        return table

    def cpu_table(self):
        """The "cpu time:" table: name -> {"weight": 256, "cap": 0, "ns": 123}, and "retired" (if
        there), "keel" and "idle" -> ns."""
        _, rows = self._table("cpu time:", ["domain", "weight", "cap", "ns"])
        table = {}
        for line in rows:
            cells = line.split()
            if cells[0] in ("retired", "keel", "idle"):
                table[cells[0]] = int(cells[-1])
                if cells[0] == "idle":
                    return table
                continue
            table[cells[1]] = {"weight": int(cells[2]), "cap": int(cells[3]), "ns": int(cells[4])}
        raise AssertionError(f"the 'cpu time:' table has no idle row (log: {self.log})")

    def console_table(self):
        """The "console (bytes):" table: name -> {"written": bytes, "shown": bytes, "dropped": bytes,
        "max_delay_us": us}."""
        _, rows = self._table("console (bytes):", ["domain", "written", "shown", "dropped", "max", "delay", "us"])
        table = {}
        for line in rows:
            if not line:
                return table
            cells = line.split()
            table[cells[1]] = dict(zip(["written", "shown", "dropped", "max_delay_us"], map(int, cells[2:])))
        raise AssertionError(f"the 'console (bytes):' table does not end (log: {self.log})")

    def memory(self):
        """The "memory (bytes):" table: name -> {"ram": bytes, "own": bytes, "page_tables": bytes},
        and "shared" -> {"own": bytes}."""
        _, rows = self._table("memory (bytes):", ["domain", "guest", "RAM", "Keel's", "own", "page", "tables"])
        table = {}
        for line in rows:
            cells = line.split()
            if cells[0] == "shared":
                table["shared"] = {"own": int(cells[2])}
                return table
            table[cells[1]] = {"ram": int(cells[2]), "own": int(cells[3]), "page_tables": int(cells[4])}
        raise AssertionError(f"the 'memory (bytes):' table has no shared row (log: {self.log})")

    def host_interrupts(self):
        """Keel's "host interrupts taken:" line: {"timer": 5, "nmi": 0, "spurious": 0,
        "guest_debug_traps": 0} (the guests' debug traps an emulator handed Keel, dropped)."""
        taken = [line for line in self.lines if line.startswith("[info] host interrupts taken: ")]
        assert len(taken) == 1, str(self)
        m = re.fullmatch(r"\[info\] host interrupts taken: timer (\d+), NMI (\d+), spurious (\d+); "
                         r"guests' debug traps dropped (\d+)", taken[0])
        assert m, str(self)
        return dict(zip(("timer", "nmi", "spurious", "guest_debug_traps"), map(int, m.groups())))

    def __str__(self):
        return f"exit code {self.exit_code}, Keel status {self.status}; log: {self.log}"


def boot(tmp_path, config_text, timeout=180, bed=BEDS["qemu"], extra=(), files=None, memory=None, typing=()):
    """Boots Keel with config_text and the images in build/, waits for the machine to end.
    extra: more launcher arguments (e.g. a bed's cpu_without_virt); files: name -> bytes of
    more boot modules, put next to the configuration; memory: the machine's MiB; typing:
    (text to wait for on the console, keys to type on Keel's serial line then) pairs."""
    require_build()
    tmp_path = Path(tmp_path)
    config = tmp_path / "keel.cfg"
    config.write_text(config_text)
    for name, data in (files or {}).items():
        (tmp_path / name).write_bytes(data)
    if memory:
        extra = ("--memory", str(memory), *extra)
    image = tmp_path / bed.image_name
    mkimage = subprocess.run([str(TOP / bed.image_script), str(image), str(BUILD), str(config)],
                           capture_output=True, text=True)
    assert mkimage.returncode == 0, f"{bed.image_script} failed:\n{mkimage.stdout}{mkimage.stderr}"

    log = tmp_path / "console.log"
    stderr_path = tmp_path / "launcher.stderr"
    command = bed.command(image, timeout, extra)
    with open(log, "w", encoding="utf-8") as logfile:
        # The launcher gets a terminal (as with `make run`) for the console; its stderr
        # goes to a file so the console text stays apart from the launcher's messages.
        child = pexpect.spawn(command[0], command[1:], cwd=str(TOP), encoding="utf-8",
                              codec_errors="replace", logfile=logfile, timeout=timeout + 60,
                              preexec_fn=functools.partial(_stderr_to, str(stderr_path)))
        seen = ""  # what the console showed before the last text waited for, that included
        try:
            for wait_for, keys in typing:
                child.expect_exact(wait_for)
                seen += child.before + child.after
                child.send(keys)
            if child.expect([pexpect.EOF, FIRMWARE_SHELL]) == 1:
                _stop(child)
                raise AssertionError(f"Keel did not start: the firmware fell back to its shell (log: {log})")
        except pexpect.TIMEOUT:
            _stop(child)
            raise AssertionError(f"{bed.launcher} did not end within {timeout + 60} s (log: {log})")
        output = seen + child.before
        child.close()
    stderr = stderr_path.read_text(errors="replace")
    with open(log, "a", encoding="utf-8") as logfile:
        logfile.write("\n--- launcher stderr ---\n" + stderr)

    exit_code = child.exitstatus if child.exitstatus is not None else 128 + child.signalstatus
    reported = _STATUS_LINE.search(stderr)
    status = exit_code if reported and int(reported.group(1)) == exit_code else None
    return Result(clean(output), stderr, exit_code, status, log)


def _stop(child):
    """Ends the launcher and the emulator: the launcher leads their process group."""
    try:
        os.killpg(child.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    child.terminate(force=True)


def _stderr_to(path):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
