"""Single-stepping across the instructions Keel emulates (guests/test/sstep.c): a guest at
CPL 0 sets RFLAGS.TF and runs CPUID, the hypercall instruction, OUT, IN, RDMSR, WRMSR,
XSETBV, WBINVD, INVD, HLT, MOV CR8, MOV SS and STI before an exiting instruction, and
instructions that do not exit. A CPU raises one #DB after each instruction, at the next
one, with DR6.BS; after an instruction that exited, the CPU raises none and Keel injects
it. The fixed cases, then a random campaign of sequences of them, beside a canary. Where an
emulator hands the guest's trap to Keel after the VM exit (keel.py), Keel drops it, counts
it and runs on."""

import re

import pytest

from keel import CANARY, EMULATOR_PORTS, HOST_MSRS_UNCHANGED, boot, canary_rounds

SSTEP = EMULATOR_PORTS + CANARY + """
[domain]
name = "sstep"
kernel = "sstep.elf"
cmdline = "seed={seed} count={count}{options}"
memory = 8
"""

# Each case and its #DBs: the instructions it steps, and the epilogue's CLI, PUSHFQ, AND
# and POPFQ (sstep.c); a MOV SS's trap comes with the next instruction's.
CASES = [("nop", 5), ("add", 5), ("cpuid", 6), ("hypercall", 6), ("yield", 6), ("hlt", 12), ("out", 6), ("in", 6),
         ("rdmsr", 6), ("wrmsr", 7), ("xsetbv", 7), ("wbinvd", 5), ("invd", 5), ("cr8", 7), ("mov-ss", 5),
         ("sti", 5), ("mov-ss,cpuid", 7), ("mov-ss,hypercall", 7), ("mov-ss,out", 7), ("mov-ss,rdmsr", 7),
         ("sti,cpuid", 7), ("sti,hypercall", 7)]


@pytest.mark.campaign
def test_single_stepping_gets_one_db_after_each_instruction_beside_a_canary(bed, tmp_path, campaign):
    count, seed = campaign[0] or 200, campaign[1] or 1
    options = "" if bed.single_step_trap_after_sti else " no-sti-step"
    result = boot(tmp_path, SSTEP.format(seed=seed, count=count, options=options), bed=bed,
                  timeout=300 + count // 20)
    cases = [(name, n) for name, n in CASES if bed.single_step_trap_after_sti or "sti" not in name]
    lines = result.guest_lines("sstep")
    assert lines[:len(cases)] == [f"sstep: {name}: {n} #DB, each after its instruction, DR6.BS set"
                                  for name, n in cases], str(result)
    assert len(lines) == len(cases) + 2, str(result)
    assert re.fullmatch(rf"sstep: {count} random sequences, seed {seed}: \d+ #DB, each after its instruction",
                        lines[-2]), str(result)
    assert lines[-1] == f"sstep: {len(cases) + 1} checks passed", str(result)
    assert result.end_lines("sstep") == [
        "[info] dom2 sstep: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], \
        str(result)
    warned = [line for line in result.lines if "a debug trap of a guest" in line]
    if bed.guest_debug_traps_reach_host:
        assert len(warned) == 1 and re.fullmatch(
            r"\[warn\] a debug trap of a guest \(DR6 0x[0-9a-f]+\) reached Keel at 0x[0-9a-f]+, after its VM exit: "
            r"dropped, as the guest gets its single-step trap from Keel \(further ones are counted, not shown\)",
            warned[0]), str(result)
        assert result.host_interrupts()["guest_debug_traps"] > 0, str(result)
    else:
        assert not warned and result.host_interrupts()["guest_debug_traps"] == 0, str(result)
    assert canary_rounds(result), str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert result.status == 0, str(result)
