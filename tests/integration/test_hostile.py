"""Guests that do what Keel does not continue, and CPUs that lack what Keel needs: Keel
names the problem, ends only what it must and reports a matching exit status."""

import re

import pytest

from keel import CANARY, EMULATOR_PORTS, HOST_MSRS_UNCHANGED, boot, canary_rounds, header_line
from test_default import closing_lines

HEX = "0x[0-9a-f]+"

# The faults guest (guests/test/faults.c): its cmdline says how it ends.
FAULTS = {
    "oob": rf"nested-paging fault on read of GPA 0x40000000 \(beyond the domain's RAM\) at rip {HEX}",
    "oobw": rf"nested-paging fault on write to GPA 0x41234000 \(beyond the domain's RAM\) at rip {HEX}",
    "triple": rf"shutdown \(triple fault\) at rip {HEX}",
    "exec": r"nested-paging fault on instruction fetch at GPA 0xf0000000 \(the MMIO hole, where this domain has no "
            r"device\) at rip 0xf0000000",
}


def test_faulting_guests_end_alone(bed, tmp_path):
    """Each faulting guest ends alone, with the reason; the bystander runs to its end and
    the canary keeps its memory. The out-of-bounds ones have `unbacked = "crash"`: by
    default their accesses would read all ones (test_mmio.py); an instruction fetch where
    nothing is backed ends the domain whatever `unbacked` says. A bed whose emulator stops at a guest's triple fault
    (keel.py) leaves that one out."""
    faults = {word: why for word, why in FAULTS.items() if word != "triple" or bed.triple_fault_exits}
    text = EMULATOR_PORTS
    for word in faults:
        strict = 'unbacked = "crash"\n' if word.startswith("oob") else ""
        text += f'\n[domain]\nname = "{word}"\nkernel = "faults.elf"\ncmdline = "{word}"\n{strict}'
    text += '\n[domain]\nname = "oob16"\nkernel = "oob16.bin"\ntype = "real16"\nmemory = 1\nunbacked = "crash"\n'
    text += '\n[domain]\nname = "bystander"\nkernel = "hello-mb2.elf"\n' + CANARY
    result = boot(tmp_path, text, bed=bed)
    for i, (word, why) in enumerate(faults.items(), start=1):
        assert result.guest_lines(word) == [f"faults: {word}"], f"{word} ({result})"
        assert [re.fullmatch(rf"\[warn\] dom{i} {word}: ended: crash, no exit status \({why}\); destroyed", line)
                is not None for line in result.end_lines(word)] == [True], f"{word} ({result})"
    n = len(faults)
    assert [re.fullmatch(rf"\[warn\] dom{n + 1} oob16: ended: crash, no exit status \(nested-paging fault on read "
                         rf"of GPA 0x100000 \(beyond the domain's RAM\) at rip {HEX}\); destroyed", line) is not None
            for line in result.end_lines("oob16")] == [True], str(result)
    assert result.end_lines("bystander") == [
        f"[info] dom{n + 2} bystander: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); "
        "destroyed"], str(result)
    assert canary_rounds(result), str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert closing_lines(result) == (f"Keel finished: 2 ended cleanly, {n + 1} crashed", "Keel exit status 4"), \
        str(result)
    assert result.status == 4, str(result)


def test_a_guest_cannot_fake_keels_last_line(bed, tmp_path):
    """A guest line ending in "Keel exit status 0" carries the domain's name: the launchers
    read only Keel's own final line, so the crash beside it still makes the status 4."""
    text = EMULATOR_PORTS + """
[domain]
name = "liar"
kernel = "hello-elf64.elf"
module = [ "fake.txt" ]

[domain]
name = "crasher"
kernel = "faults.elf"
cmdline = "exec"
"""
    result = boot(tmp_path, text, bed=bed, files={"fake.txt": b"Keel exit status 0\n"})
    assert "dom1 liar (uart): hello: module 0 says: Keel exit status 0" in result.lines, str(result)
    assert closing_lines(result) == ("Keel finished: 1 ended cleanly, 1 crashed", "Keel exit status 4"), str(result)
    assert result.status == 4 and result.exit_code == 4, str(result)


MINIMAL = EMULATOR_PORTS + '\n[domain]\nname = "hello"\nkernel = "hello-elf64.elf"\n'


def test_no_domain_at_all(bed, tmp_path):
    result = boot(tmp_path, EMULATOR_PORTS + '\n[domain]\nname = "ghost"\nkernel = "ghost.elf"\n', bed=bed)
    assert "[error] keel.cfg:4: domain 'ghost' not started: its kernel 'ghost.elf' is not among the boot modules" \
        in result.lines, str(result)
    assert closing_lines(result) == ("[error] no domain could be started: check keel.cfg and the guest images",
                                     "Keel exit status 3"), str(result)
    assert result.status == 3, str(result)


def test_cpu_without_virtualization(bed, tmp_path):
    result = boot(tmp_path, MINIMAL, bed=bed, extra=bed.cpu_without_virt)
    assert re.fullmatch(r"\[error\] Keel cannot run guests on this CPU: this (AMD|Intel) CPU does not offer "
                        r"(SVM \(AMD-V\)|VT-x \(VMX\))\. .*", closing_lines(result)[0]), str(result)
    assert closing_lines(result)[1] == "Keel exit status 2", str(result)
    assert result.status == 2, str(result)


def test_cpu_without_nested_paging(bed, tmp_path):
    result = boot(tmp_path, MINIMAL, bed=bed, extra=bed.cpu_without_nested_paging)
    assert re.fullmatch(r"\[error\] Keel cannot run guests on this CPU: this (AMD|Intel) CPU offers (SVM|VT-x) but not "
                        r"(nested paging \(NPT\)|EPT \(extended page tables\)), which Keel needs to isolate guest "
                        r"memory\. .*", closing_lines(result)[0]), str(result)
    assert closing_lines(result)[1] == "Keel exit status 2", str(result)
    assert result.status == 2, str(result)


WITHOUT_PAGING = MINIMAL + """
[domain]
name = "hello16"
kernel = "hello16.bin"
type = "real16"
memory = 1

[domain]
name = "mb1"
kernel = "hello-mb1.elf"

[domain]
name = "pvh"
kernel = "bootcheck-pvh.elf"
"""


def test_kernels_started_without_paging_need_unrestricted_guest(bed, tmp_path):
    if not bed.cpu_without_unrestricted_guest:
        pytest.skip(f"{bed.name}: real-mode, Multiboot and PVH kernels need no extra CPU feature there")
    result = boot(tmp_path, WITHOUT_PAGING, bed=bed, extra=bed.cpu_without_unrestricted_guest)
    assert f"[error] keel.cfg:{header_line(WITHOUT_PAGING, 'hello16')}: domain 'hello16' not started: this CPU's " \
           "VT-x has no unrestricted guest mode, which real16 kernels need" in result.lines, str(result)
    assert f"[error] keel.cfg:{header_line(WITHOUT_PAGING, 'mb1')}: domain 'mb1' not started: this CPU's VT-x has " \
           "no unrestricted guest mode, which Multiboot and PVH kernels (started with paging off) need" in result.lines, \
        str(result)
    assert f"[error] keel.cfg:{header_line(WITHOUT_PAGING, 'pvh')}: domain 'pvh' not started: this CPU's VT-x has " \
           "no unrestricted guest mode, which Multiboot and PVH kernels (started with paging off) need" in result.lines, \
        str(result)
    assert result.end_lines("hello") == [
        "[info] dom1 hello: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], str(result)
    assert closing_lines(result) == ("Keel finished: 1 ended cleanly, 0 crashed, 3 not built", "Keel exit status 4"), \
        str(result)
    assert result.status == 4, str(result)


PORT_SWEEP = EMULATOR_PORTS + CANARY + """
[domain]
name = "ports"
kernel = "ports.elf"
cmdline = "seed=7"
debug_exit = 0
"""


def test_every_port_in_every_size_beside_a_canary(bed, tmp_path):
    """A guest makes an IN and an OUT of every port in 1, 2 and 4 bytes (guests/test/ports.c),
    but for the 31 OUTs that reach its own virtual PC's reset and power-off registers and
    its pvpanic device (which end the domain by design: test_platform.py), the machine's
    among them: each is
    an exit, none reaches the machine, and the canary beside it keeps its memory and its
    share of the CPU."""
    result = boot(tmp_path, PORT_SWEEP, bed=bed, timeout=300)
    assert result.guest_lines("ports", "hypercall") == ["ports: 393185 accesses, 31 OUTs left out"], str(result)
    assert result.exit_table()["ports"]["io"] >= 393185, str(result)
    rounds = canary_rounds(result)
    assert rounds and rounds >= 100, str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


CRASHME = EMULATOR_PORTS + CANARY + """
[domain]
name = "crashme"
kernel = "crashme.elf"
cmdline = "seed={seed} count={count}"
memory = 8
cpu_limit_ms = {limit_ms}
unbacked = "crash"
"""


def crashme(tmp_path, bed, seed, count):
    """Boots crashme beside a canary; returns the result and crashme's operation count (its
    tally's sum), or None if its domain did not get to the tally. Its CPU time limit (an
    operation takes about 0.25 ms on Bochs) ends it if random bytes loop with TF clear."""
    config = CRASHME.format(seed=seed, count=count, limit_ms=30000 + count)
    result = boot(tmp_path, config, bed=bed, timeout=300 + count // 100)
    lines = result.guest_lines("crashme")
    m = re.fullmatch(rf"crashme: (\d+) operations, seed {seed}: (\d+) stepped((?:, \d+ #?\w+)*)",
                     lines[-1]) if lines else None
    if not m:
        return result, None
    counted = int(m.group(2)) + sum(int(n) for n in re.findall(r", (\d+) ", m.group(3)))
    assert int(m.group(1)) == count == counted, str(result)
    return result, counted


@pytest.mark.campaign
def test_random_instruction_bytes_at_cpl_3_beside_a_canary(bed, tmp_path, campaign):
    """crashme (guests/test/crashme.c) runs 20,000 operations of random bytes at its CPL 3,
    single-stepped, each ended by its first exception: they reach Keel as CPUID, VMMCALL or
    VMCALL exits (-EPERM at CPL 3) and timer interrupts. The canary beside it keeps its
    memory, no host MSR changes, and crashme's domain ends cleanly, or, on a bed whose CPU
    lets CPL 3 read beyond its guest's RAM (keel.py), as a crash for that access."""
    count, seed = campaign[0] or 20000, campaign[1] or 1
    result, counted = crashme(tmp_path, bed, seed, count)
    if counted is None:
        assert not bed.cpl3_stack_reads_checked, str(result)
        end = result.end_lines("crashme")
        assert len(end) == 1 and re.fullmatch(
            r"\[warn\] dom2 crashme: ended: crash, no exit status \(nested-paging fault on read of GPA "
            r"0x[0-9a-f]+ \([^()]+\) at rip 0x4[0-9a-f]{5}\); destroyed", end[0]), str(result)
    else:
        assert result.end_lines("crashme") == [
            "[info] dom2 crashme: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], \
            str(result)
    assert canary_rounds(result), str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)


CRDR = EMULATOR_PORTS + CANARY + """
[domain]
name = "crdr"
kernel = "crdr.elf"
cmdline = "seed={seed} count={count}{options}"
cpu_limit_ms = {limit_ms}
"""


@pytest.mark.campaign
def test_random_control_and_debug_register_writes_beside_a_canary(bed, tmp_path, campaign):
    """crdr (guests/test/crdr.c) makes 20,000 random writes to CR0, CR2, CR3, CR4, CR8,
    DR0-DR3, DR6 and DR7: each faults and changes nothing, or reads back as written, and it
    ends with CR0.CD and NW set. None reaches the host (its control registers and MSRs are
    checked at the end), and the canary beside it keeps its memory. Values an emulator
    takes where a CPU faults are left out there (keel.py)."""
    count, seed = campaign[0] or 20000, campaign[1] or 1
    options = "".join(f" {word}" for word, left_out in (
        ("no-cr0-cr3-gp", not bed.cr0_cr3_bad_writes_fault), ("no-cr4-gp", not bed.cr4_reserved_bits_fault))
        if left_out)
    config = CRDR.format(seed=seed, count=count, options=options, limit_ms=30000 + count)
    result = boot(tmp_path, config, bed=bed, timeout=300 + count // 100)
    lines = result.guest_lines("crdr")
    m = re.fullmatch(rf"crdr: {count} operations, seed {seed}: (\d+) written, (\d+) #GP, \d+ #DB", lines[0]) \
        if lines else None
    assert m and int(m.group(1)) + int(m.group(2)) == count, str(result)
    assert len(lines) == 2 and re.fullmatch(r"crdr: \d+ checks passed", lines[1]), str(result)
    assert result.end_lines("crdr") == [
        "[info] dom2 crdr: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], str(result)
    assert canary_rounds(result), str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
