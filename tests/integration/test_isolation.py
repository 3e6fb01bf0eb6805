"""What a guest may not reach (docs/architecture.md, "What a guest can and cannot do"):
instructions that could touch state outside it get the architectural answer in its own
handler, MSRs go through one table, and Keel's own MSRs stay as Keel set them up."""

import re

import pytest

from keel import BEDS, CANARY, EMULATOR_PORTS, HOST_MSRS_UNCHANGED, boot, canary_rounds
from test_default import closing_lines

INSTRUCTIONS = ["VMRUN", "VMLOAD", "VMSAVE", "STGI", "CLGI", "SKINIT", "INVLPGA", "VMXON", "VMPTRLD", "VMPTRST",
                "VMCLEAR", "VMREAD", "VMWRITE", "VMLAUNCH", "VMRESUME", "VMXOFF", "INVEPT", "INVVPID", "VMFUNC",
                "GETSEC", "RDPRU", "MONITOR", "MWAIT"]


def test_instructions_get_the_architectural_answer(bed, tmp_path):
    """Every instruction that could reach beyond the guest (guests/test/instructions.c):
    the answer of a CPU without VMX, SVM, SMX and MONITOR reaches the guest's own handler.
    CR8 is the guest's own: left at 15, it holds off none of Keel's interrupts, and the
    sleeper beside it still wakes from its blocks on time; the canary keeps its memory."""
    # keel.py: QEMU raises no #GP for CR4's reserved bits
    cmdline = "no-cr4-gp" if not bed.cr4_reserved_bits_fault else ""
    text = EMULATOR_PORTS + f'\n[domain]\nname = "insn"\nkernel = "instructions.elf"\ncmdline = "{cmdline}"\n'
    text += '\n[domain]\nname = "bystander"\nkernel = "hello-elf64.elf"\n'
    text += '\n[domain]\nname = "sleeper"\nkernel = "sleep.elf"\ncmdline = "times=5 ms=100"\n' + CANARY
    result = boot(tmp_path, text, bed=bed)
    # RDPMC: on Intel, which offers no counter, counter 0 is #GP too (1 check); on AMD the four
    # legacy counters read as written, at CPL 3 only with CR4.PCE (3 checks).
    checks = 63 + (2 if bed.cr4_reserved_bits_fault else 0) + (1 if bed.intel else 3)
    rdpmc = ("instructions: RDPMC: #GP for counter 0, as no counter is offered" if bed.intel else
             "instructions: RDPMC: counters 0-3 read as written, at CPL 3 only with CR4.PCE")
    assert result.guest_lines("insn") == [f"instructions: {name}: #UD" for name in INSTRUCTIONS] + [
        "instructions: RDPMC: #GP", "instructions: INVD: completed", "instructions: WBINVD: completed",
        "instructions: XSETBV: #UD without CR4.OSXSAVE, #GP for what is not offered",
        "instructions: MOV CR8: reads back, #GP for a reserved bit",
        "instructions: MOV CR0: NE cleared and set" + ("; MOV CR4: #GP for VMXE" if bed.cr4_reserved_bits_fault else ""),
        rdpmc, f"instructions: {checks} checks passed"], str(result)
    assert result.guest_lines("sleeper")[-1].startswith("sleep: 5 blocks of 100 ms, none early"), str(result)
    assert result.exit_table()["insn"]["insn"] >= 10, str(result)  # the other vendor's fault in the guest
    assert canary_rounds(result), str(result)
    assert closing_lines(result) == ("Keel finished: 4 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
    assert result.status == 0, str(result)


MSR_LINES = ["EFER", "PAT", "SYSENTER_CS", "SYSENTER_ESP", "SYSENTER_EIP", "STAR", "LSTAR", "CSTAR", "SFMASK",
             "FS_BASE", "GS_BASE", "KERNEL_GS_BASE", "TSC_AUX", "TSC and TSC_ADJUST", "APIC_BASE", "TSC_DEADLINE",
             "MISC_ENABLE",
             "MTRRs", "FEATURE_CONTROL, PLATFORM_ID, BIOS_SIGN_ID, PLATFORM_INFO", "AMD PERF_CTL and PERF_CTR",
             "AMD SYSCFG, HWCR, NB_CFG and INT_PENDING_MSG", "other MSRs"]


@pytest.mark.parametrize("seed", [5, 77])
def test_msrs_go_through_one_table(bed, tmp_path, seed):
    """guests/test/msrs.c: every MSR of vmm/msr.c's table, then every other index of the
    architectural and both vendors' extended ranges, other and random indices (#GP each);
    afterwards Keel finds its own MSRs as it set them up, and the canary its memory."""
    text = EMULATOR_PORTS + f'\n[domain]\nname = "msrs"\nkernel = "msrs.elf"\ncmdline = "seed={seed}"\n'
    text += '\n[domain]\nname = "bystander"\nkernel = "hello-mb1.elf"\n' + CANARY
    result = boot(tmp_path, text, bed=bed)
    lines = result.guest_lines("msrs")
    assert lines[:-1] == [f"msrs: {name}: ok" for name in MSR_LINES], str(result)
    assert re.fullmatch(r"msrs: \d+ checks passed", lines[-1]), str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert canary_rounds(result), str(result)
    assert closing_lines(result) == ("Keel finished: 3 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


def test_msrs_on_a_family_0xf_cpu(tmp_path):
    """The same on QEMU's qemu64 as it is, family 0xF (the QEMU bed says family 0x15, as does
    Bochs' Zen family 0x17): HWCR's TscFreqSel reads 0 there, from family 0x10 on 1, and the
    guest checks what its family has."""
    text = EMULATOR_PORTS + '\n[domain]\nname = "msrs"\nkernel = "msrs.elf"\ncmdline = "seed=1"\n'
    cpu = ("--cpu", "qemu64,+svm,+npt,+xsave,+xsaveopt,+avx,+rdtscp,+pdpe1gb")
    result = boot(tmp_path, text, bed=BEDS["qemu"], extra=cpu)
    assert "[info] cpu: AuthenticAMD family 0xf model 0x6b, 40 physical address bits" in result.lines, str(result)
    lines = result.guest_lines("msrs")
    assert lines[:-1] == [f"msrs: {name}: ok" for name in MSR_LINES], str(result)
    assert re.fullmatch(r"msrs: \d+ checks passed", lines[-1]), str(result)
    assert closing_lines(result) == ("Keel finished: 1 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


# Each state class the leak guest compares, with its number of checks (registers compared).
LEAK_CHECKS = {"XCR0": 1, "x87/MMX": 2, "SSE": 4, "AVX": 3, "KERNEL_GS_BASE": 1, "DR0-DR3": 4, "DR6/DR7": 2,
               "TSC_AUX": 1, "CR2": 1, "PKRU": 1}


@pytest.mark.parametrize("cpu", ["default", "fxsave only", "with pku"])
def test_no_cpu_state_crosses_between_domains(bed, tmp_path, cpu):
    """guests/test/leak.c: a plant fills every piece of CPU state Keel switches itself
    (arch/x86/owned_state.h, lazy_msrs.h) and blocks; a probe then sees a fresh vCPU's
    values, fills in its own and blocks; each finds its own values when it wakes. On a CPU
    with FXSAVE only there is no XCR0 or AVX to check; with protection keys both set
    CR4.PKE, which CPUID does not offer, and PKRU is checked too."""
    xsave, pku = cpu != "fxsave only", cpu == "with pku"
    if pku and not bed.cpu_with_pku:
        pytest.skip(f"{bed.name}: none of its CPU models has protection keys")
    pke = " try_pke" if pku else ""
    text = EMULATOR_PORTS + f'\n[domain]\nname = "plant"\nkernel = "leak.elf"\ncmdline = "role=plant{pke}"\n'
    text += f'\n[domain]\nname = "probe"\nkernel = "leak.elf"\ncmdline = "role=probe{pke}"\n'
    extra = {"default": (), "fxsave only": bed.cpu_without_xsave, "with pku": bed.cpu_with_pku}[cpu]
    result = boot(tmp_path, text, bed=bed, extra=extra)
    classes = [c for c in LEAK_CHECKS if (xsave or c not in ("XCR0", "AVX")) and (pku or c != "PKRU")]
    kept_by_probe = [c for c in classes if c != "AVX"]  # the probe ends with AVX off in XCR0
    probe_checks = sum(LEAK_CHECKS[c] for c in classes + kept_by_probe)
    assert result.guest_lines("probe") == (
        [f"probe: XSAVE {'yes' if xsave else 'no'}, AVX {'yes' if xsave else 'no'}, RDTSCP yes, "
         f"CR4.PKE {'taken' if pku else 'not tried'}"]
        + [f"probe: {c}: clean" for c in classes] + [f"probe: {c}: kept" for c in kept_by_probe]
        + [f"probe: {probe_checks} checks passed"]), str(result)
    assert result.guest_lines("plant") == [f"plant: {c}: kept" for c in classes] + [
        f"plant: {sum(LEAK_CHECKS[c] for c in classes)} checks passed"], str(result)
    # One XSETBV by the plant, two by the probe, where the CPU exits on them.
    exits = result.exit_table()
    if xsave and bed.xsetbv_exits:
        assert (exits["plant"]["insn"], exits["probe"]["insn"]) == (1, 2), str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
