"""Guest-physical space that nothing backs (vmm/mmio.c, docs/architecture.md "The MMIO
instruction emulator"): an access there exits, and Keel fetches, decodes and runs the
instruction itself, reading all ones and dropping writes, as a PC does; a domain with
`unbacked = "crash"`, or an instruction Keel does not emulate, ends that domain alone."""

from keel import CANARY, EMULATOR_PORTS, HOST_MSRS_UNCHANGED, boot, canary_rounds
from test_default import HEX, assert_lines, closing_lines, real_mode_checks

MMIO_LINES = ["mmio: 28 forms, each as the CPU runs it on all ones", "mmio: 45 checks passed"]
HOLE_NOT_EMULATED = f"at rip {HEX} touched GPA 0xf0000000, where nothing is backed"

CONFIG = EMULATOR_PORTS + """
[domain]
name = "mmio"
kernel = "mmio.elf"

[domain]
name = "mmio16"
kernel = "mmio16.bin"
type = "real16"
memory = 1

[domain]
name = "adc"
kernel = "mmio.elf"
cmdline = "unsupported"

[domain]
name = "strict"
kernel = "mmio.elf"
unbacked = "crash"
""" + CANARY


def test_unbacked_accesses_run_as_on_a_pc_beside_a_canary(bed, tmp_path):
    """mmio.elf runs each form the emulator knows on RAM holding all ones (the CPU) and on
    the 32-bit hole (Keel), and compares registers and flags, then string port I/O, a
    remapped page, a fetch that faults and code rewritten at an address Keel decoded
    before: all 45 checks pass, in exactly its 48 nested-paging exits (26 forms of one exit,
    REP MOVSB of 100 bytes in 2, REP STOSL of 200 dwords in 4, the VGA window, a 64-bit
    absolute load, a write and its read back, a load, a store and a load across two pages
    of the hole, one REP MOVSB that copies 10 bytes, then takes
    the page fault at 4 GiB, 3 through the remapped page, 2 for the fetch that faults and the
    read that follows, and 3 loads from one address as its code changes; string I/O reaches
    the hole in Keel, without exits of its own). mmio16
    does the same in real mode (16-bit addressing that wraps, an FS override, a 32-bit
    operand, REP MOVSB from the VGA window): 5 exits, and a REP OUTSB. adc then runs ADC on the hole,
    which Keel does not emulate: its domain ends, naming the bytes. strict, with
    `unbacked = "crash"`, ends at its first access. The canary keeps its memory."""
    result = boot(tmp_path, CONFIG, bed=bed)
    assert result.guest_lines("mmio") == MMIO_LINES, str(result)
    assert result.guest_lines("mmio", "port 0xe9") == ["mmio: rep outsb works"], str(result)
    assert result.end_lines("mmio") == [
        "[info] dom1 mmio: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], str(result)
    # Keel's log names each access where nothing is, the first 8 of them (vmm/guest_log.h),
    # and counts the rest when the domain ends; its lines come as they happen, not in the
    # guest's console order.
    mmio16 = result.domain_lines("mmio16")
    log = [line for line in mmio16 if line.startswith("[warn]")]
    assert_lines([line for line in mmio16 if line not in log], real_mode_checks("dom2", "mmio16") + [
        "dom2 mmio16 (port 0xe9): real mode guest: rep outsb works",
        "dom2 mmio16 (hypercall): real mode guest: mmio checks passed",
        f"[info] dom2 mmio16: ended: poweroff, no exit status (HLT with interrupts disabled at rip {HEX}); destroyed"],
        f"mmio16 ({result})")
    vga = "the VGA window, legacy video memory"
    assert_lines(log, [f"[warn] dom2 mmio16: {access} ({what}) at rip {HEX}: nothing is there, {result_}"
                       for access, what, result_ in [
                           ("1-byte read of 0x100000", "beyond the domain's RAM", "read as all ones"),
                           ("2-byte write to 0xb0010", vga, "the write goes nowhere"),
                           ("2-byte read of 0xb0010", vga, "read as all ones"),
                           ("4-byte read of 0xb8000", vga, "read as all ones")] + [
                           (f"1-byte read of {0xb8000 + i:#x}", vga, "read as all ones") for i in range(4)]] + [
        "[warn] dom2 mmio16: 12 more accesses where nothing is, not shown (20 in all)"], f"mmio16 ({result})")
    assert result.guest_lines("adc") == MMIO_LINES, str(result)
    assert_lines(result.end_lines("adc"), [
        "[warn] dom3 adc: ended: crash, no exit status (an instruction Keel does not emulate (bytes decoded: "
        f"11) {HOLE_NOT_EMULATED}); destroyed"], f"adc ({result})")
    assert result.guest_lines("strict") == [], str(result)
    assert_lines(result.end_lines("strict"), [
        "[warn] dom4 strict: ended: crash, no exit status (nested-paging fault on read of GPA 0xf0000000 (the MMIO "
        f"hole, where this domain has no device) at rip {HEX}); destroyed"], f"strict ({result})")
    exits = result.exit_table()
    npf = {name: exits[name]["npf"] for name in ("mmio", "mmio16", "adc", "strict", "canary")}
    assert npf == {"mmio": 48, "mmio16": 5, "adc": 49, "strict": 1, "canary": 0}, str(result)
    assert canary_rounds(result), str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert closing_lines(result) == ("Keel finished: 3 ended cleanly, 2 crashed", "Keel exit status 4"), str(result)
