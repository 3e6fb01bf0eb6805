"""The default configuration (what `make run` boots): one well-behaved domain per boot
protocol, each with its command line and modules, all ending cleanly: exit status 0. Four
are Keel's test guests, the fifth Debian's Linux through PVH, which powers off."""

import re

import pytest

from keel import DEFAULT_CONFIG, TOP, boot, linux_on

# make run's machine: the Makefile's RUN_MEMORY.
RUN_MEMORY = int(re.search(r"^RUN_MEMORY \?= (\d+)$", (TOP / "Makefile").read_text(), re.M).group(1))

HEX = "0x<hex>"  # in expected lines: any lowercase hex number
MOTD = "Welcome to Keel: this text is a boot module, loaded into the domain's memory."
RAMDISK = "ram disk: a module handed over as the ramdisk"


def matches(line, want):
    return re.fullmatch(re.escape(want).replace(re.escape(HEX), "0x[0-9a-f]+"), line) is not None


def assert_lines(actual, expected, where):
    ok = len(actual) == len(expected) and all(map(matches, actual, expected))
    assert ok, f"{where}\n got:\n  " + "\n  ".join(actual) + "\n want:\n  " + "\n  ".join(expected)


def closing_lines(result):
    """Keel's last two lines: its last word, then "Keel exit status N"."""
    lines = [line for line in result.lines if line]
    return tuple(lines[-2:]) if len(lines) >= 2 else tuple(lines)


def hello(dom, name, kind, fmt, cmdline, modules):
    """What the hello guest (guests/test/hello.c) prints, with Keel's lines around it."""
    n = len(modules)
    lines = [f"[info] {dom} {name}: built: {kind} kernel ({fmt}) at 0x100000-{HEX}, {n} module{'s' if n != 1 else ''}, "
             f"8 MiB, entry {HEX}",
             f'{dom} {name} (uart): hello: {kind} kernel, cmdline "{cmdline}"']
    for i, (mod_cmdline, size, first_line) in enumerate(modules):
        lines += [f'{dom} {name} (uart): hello: module {i} "{mod_cmdline}": {size} bytes',
                  f"{dom} {name} (uart): hello: module {i} says: {first_line}"]
    return lines + [
        f"{dom} {name} (uart): hello: domain {name} (id {dom[3:]}), 8 MiB, ABI version 4",
        f"{dom} {name} (uart): hello: the clock runs",
        f"{dom} {name} (hypercall): hello: console hypercall works",
        f"{dom} {name} (port 0xe9): hello: debug port works",
        f"[info] {dom} {name}: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed",
    ]


def real_mode_checks(dom, name):
    """The real-mode guest (guests/test/guest16.asm), which halts with interrupts off."""
    return [
        f"[info] {dom} {name}: built: real16 kernel (flat binary) at 0x7c00-{HEX}, 0 modules, 1 MiB, entry 0x7c00",
        f"{dom} {name} (hypercall): real mode guest: cpuid checks passed",
        f"{dom} {name} (hypercall): real mode guest: hypercall checks passed",
        f"{dom} {name} (port 0xe9): real mode guest: debug port works",
    ]


MOTD_MODULE = ("message of the day", 138, MOTD)
EXPECTED = {
    "hello-elf64": hello("dom1", "hello-elf64", "elf64", "ELF64", "greeting=hello from ELF64",
                         [("", 46, RAMDISK), MOTD_MODULE]),
    "hello-mb1": hello("dom2", "hello-mb1", "multiboot1", "ELF32", "greeting=hello from Multiboot", [MOTD_MODULE]),
    "hello-mb2": hello("dom3", "hello-mb2", "multiboot2", "ELF64", "greeting=hello from Multiboot2",
                       [MOTD_MODULE, ("a second module", 46, RAMDISK)]),
    "hello16": real_mode_checks("dom4", "hello16") + [
        f"[info] dom4 hello16: ended: poweroff, no exit status (HLT with interrupts disabled at rip {HEX}); destroyed"],
}

# The real-mode guest's exits are few enough to count by hand (guests/test/README.md).
# hello16's exits, each caused by the guest; the "intr" column (Keel's timer ending its run,
# as often as time allows) is left out, and out of the total: guest_exits() below.
HELLO16_ROW = {"domain": "dom4", "ended": "poweroff", "status": "-", "restarts": 0, "cpuid": 4, "hlt": 1, "io": 34,
               "hypercall": 5, "msr": 0, "insn": 0, "npf": 0, "shutdown": 0, "entry": 0, "window": 0, "unknown": 0,
               "total": 44}


@pytest.fixture(scope="module")
def default_run(bed, tmp_path_factory):
    assert DEFAULT_CONFIG.is_file(), f"{DEFAULT_CONFIG} is missing"
    return boot(tmp_path_factory.mktemp(f"default-{bed.name}"), linux_on(bed, DEFAULT_CONFIG.read_text()), bed=bed,
                memory=RUN_MEMORY, timeout=600)


def test_banner_and_boot_path(default_run, bed):
    start = default_run.lines.index("Keel 0.2.0 x86-64 hypervisor")
    assert re.fullmatch(rf"\[info\] boot: {bed.boot_path}, \d+ memory ranges, 8 boot modules, RSDP 0x[0-9a-f]+",
                        default_run.lines[start + 1]), str(default_run)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_domain_lines(default_run, name):
    assert_lines(default_run.domain_lines(name), EXPECTED[name], f"{name} ({default_run})")


def test_exit_table(default_run):
    table = default_run.exit_table()
    assert list(table) == ["hello-elf64", "hello-mb1", "hello-mb2", "hello16", "linux"], str(default_run)
    for name in ("hello-elf64", "hello-mb1", "hello-mb2"):
        row = table[name]
        assert (row["ended"], row["status"], row["restarts"]) == ("poweroff", 0, 0), f"{name} ({default_run})"
        # Multiboot kernels enter long mode themselves: two EFER accesses.
        assert row["msr"] == (0 if name == "hello-elf64" else 2), f"{name} ({default_run})"
        assert row["npf"] == row["shutdown"] == row["unknown"] == 0, f"{name} ({default_run})"
    assert guest_exits(table["hello16"]) == HELLO16_ROW, str(default_run)


def guest_exits(row):
    """An exit-table row without the exits of host interrupts, which the guest did not cause."""
    row = dict(row)
    row["total"] -= row.pop("intr")
    return row


def test_everything_ran_as_configured(default_run):
    assert "[info] all domains have ended" in default_run.lines, str(default_run)
    assert closing_lines(default_run) == ("Keel finished: 5 ended cleanly, 0 crashed", "Keel exit status 0"), \
        str(default_run)
    assert default_run.status == 0, str(default_run)


def test_linux_prints_its_checks_and_powers_off(default_run):
    """The Linux domain (test_linux.py checks what its lines say)."""
    lines = default_run.domain_lines("linux")
    assert matches(lines[0], f"[info] dom5 linux: built: pvh kernel (ELF64) at 0x1000000-{HEX}, 1 module, 256 MiB, "
                             f"entry {HEX}"), str(default_run)
    init = [line for line in default_run.guest_lines("linux") if line.startswith("linux: ")]
    assert init[0] == "linux: ready" and init[-1] == "linux: powering off", str(default_run)
    assert re.fullmatch(r"\[info\] dom5 linux: ended: poweroff, no exit status \(ACPI S5: .*\); destroyed",
                        lines[-1]), str(default_run)
