"""A CPU exception in Keel itself: the handler reports vector, error code, what Keel was
doing, RIP and every register on the console and stops with status 1. GDB (through QEMU's stub, as with
`make debug`) stops Keel once it has read its configuration (which names the exit port) and
sends it to the unmapped page 0."""

import re
import subprocess

import pytest

from keel import BEDS, BUILD, TOP, boot, clean, own_guests_config, require_build


def test_page_fault_in_keel_is_reported(tmp_path):
    require_build()
    config = tmp_path / "keel.cfg"
    config.write_text(own_guests_config())
    esp = tmp_path / "esp.img"
    subprocess.run([str(TOP / "scripts/mkesp.sh"), str(esp), str(BUILD), str(config)], check=True,
                   capture_output=True)
    with open(tmp_path / "console.log", "w") as console, open(tmp_path / "launcher.log", "w") as launcher:
        qemu = subprocess.Popen([str(TOP / BEDS["qemu"].launcher), "--debug", "--timeout", "120", str(esp)],
                                stdin=subprocess.DEVNULL, stdout=console, stderr=launcher, cwd=str(TOP))
        gdb = subprocess.run(
            ["gdb", "-batch", "-nx", "-ex", "set confirm off", "-ex", f"file {BUILD / 'core.elf'}",
             "-ex", "target remote :1234", "-ex", "hbreak hvm_select", "-ex", "continue",
             "-ex", "set $pc = 0", "-ex", "delete", "-ex", "detach"],
            capture_output=True, text=True, timeout=120)
        status = qemu.wait(timeout=150)
    lines = [line for line in clean((tmp_path / "console.log").read_text(errors="replace")).split("\n") if line]
    where = "\n".join(lines) + "\n--- gdb ---\n" + gdb.stdout + gdb.stderr
    assert "Breakpoint 1, hvm_select" in gdb.stdout, where
    start = lines.index("[error] CPU exception 14 (#PF page fault) in Keel, error code 0x10")
    assert lines[start + 1] == "[error]   Keel was turning on hardware virtualization", where
    report = lines[start + 2:]
    assert re.fullmatch(r"\[error\]   rip 0000000000000000  cs 0008  rflags [0-9a-f]{16}  cr2 0000000000000000",
                        report[0]), where
    for i, names in enumerate([("rax", "rbx", "rcx", "rdx"), ("rsi", "rdi", "rbp", "rsp"),
                               ("r8 ", "r9 ", "r10", "r11"), ("r12", "r13", "r14", "r15"),
                               ("cr0", "cr3", "cr4")], start=1):
        pattern = r"\[error\] " + "".join(rf"  {re.escape(n)} [0-9a-f]{{16}}" for n in names)
        assert re.fullmatch(pattern, report[i]), where
    assert report[6:] == ["[error] Keel stopped.", "Keel exit status 1"], where
    assert status == 1, where


def symbol(name):
    """The address of a symbol of the core."""
    nm = subprocess.run(["nm", str(BUILD / "core.elf")], capture_output=True, text=True, check=True).stdout
    return next(int(line.split()[0], 16) for line in nm.splitlines() if line.split()[-1] == name)


# What Keel says of an exception before it has read keel.cfg: it cannot write its exit
# status to a port it does not know yet, so it halts, and the launcher's timeout ends the run.
STOPPED = ["[error] Keel stopped.", "Keel exit status 1"]


def bochs_stopped_at(tmp_path, bed, commands):
    """Boots the default domains on a Bochs bed with these debugger commands run first."""
    rc = tmp_path / "debugger.rc"
    rc.write_text("".join(f"{c}\n" for c in commands))
    return boot(tmp_path, own_guests_config(), bed=bed, extra=("--debugger", str(rc)), timeout=15)


@pytest.mark.parametrize("bed", ["bochs", "bochs-amd"])
def test_an_exception_in_the_32_bit_entry_is_reported(tmp_path, bed):
    """GRUB enters Keel in 32-bit protected mode (arch/x86/multiboot2_entry.asm). Once its
    first instructions have loaded a GDT and a 32-bit IDT, an exception there (here Bochs'
    debugger sends it to a UD2 it wrote at 0x500) is reported on COM1, and Keel halts: no
    reset, no second boot."""
    result = bochs_stopped_at(tmp_path, BEDS[bed], [f"lb {symbol('mb2_idt_loaded'):#x}", "c",
                                                    "setpmem 0x500 2 0x0b0f", "set eip = 0x500"])
    lines = [line for line in result.lines if line]
    assert lines[-3:] == ["[error] CPU exception 0x06 in Keel's 32-bit Multiboot2 entry, error code 0x00000000, "
                          "eip 0x00000500"] + STOPPED, str(result)
    assert result.exit_code == 124 and not any("hypervisor" in line for line in lines), str(result)


@pytest.mark.parametrize("bed", ["bochs", "bochs-amd"])
def test_an_exception_before_the_console_is_reported(tmp_path, bed):
    """In 64-bit mode the entry loads Keel's GDT and IDT before any C: an exception in the
    first C function, before it starts the console (Bochs' debugger sends it to a UD2 it
    wrote at 0x500), starts the console itself and is reported like any other."""
    result = bochs_stopped_at(tmp_path, BEDS[bed], [f"lb {symbol('multiboot2_start'):#x}", "c",
                                                    "setpmem 0x500 2 0x0b0f", "set rip = 0x500"])
    lines = [line for line in result.lines if line]
    start = lines.index("[error] CPU exception 6 (#UD invalid opcode) in Keel, error code 0x0")
    assert lines[start - 1] == "Keel 0.2.0 x86-64 hypervisor" and lines.count(lines[start - 1]) == 1, str(result)
    assert lines[start + 1] == "[error]   Keel was starting: no activity recorded yet", str(result)
    assert re.fullmatch(r"\[error\]   rip 0000000000000500  cs 0008 .*", lines[start + 2]), str(result)
    assert lines[-2:] == STOPPED and result.exit_code == 124, str(result)
