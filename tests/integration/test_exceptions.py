"""A CPU exception in Keel itself: the handler reports vector, error code, what Keel was
doing, RIP and every register on the console and stops with status 1. GDB (through QEMU's stub, as with
`make debug`) stops Keel once it has read its configuration (which names the exit port) and
sends it to the unmapped page 0."""

import re
import subprocess

from keel import BEDS, BUILD, DEFAULT_CONFIG, TOP, clean, require_build


def test_page_fault_in_keel_is_reported(tmp_path):
    require_build()
    config = tmp_path / "keel.cfg"
    config.write_text(DEFAULT_CONFIG.read_text())
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
