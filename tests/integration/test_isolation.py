"""What a guest may not reach (docs/architecture.md, "What a guest can and cannot do"):
instructions that could touch state outside it get the architectural answer in its own
handler, MSRs go through one table, and Keel's own MSRs stay as Keel set them up."""

import re

import pytest

from keel import EMULATOR_PORTS, boot
from test_default import closing_lines

HOST_MSRS_UNCHANGED = "[info] host MSRs: as Keel set them up, none changed by a guest"

INSTRUCTIONS = ["VMRUN", "VMLOAD", "VMSAVE", "STGI", "CLGI", "SKINIT", "INVLPGA", "VMXON", "VMPTRLD", "VMPTRST",
                "VMCLEAR", "VMREAD", "VMWRITE", "VMLAUNCH", "VMRESUME", "VMXOFF", "INVEPT", "INVVPID", "VMFUNC",
                "GETSEC", "RDPRU", "MONITOR", "MWAIT"]


def test_instructions_get_the_architectural_answer(bed, tmp_path):
    """Every instruction that could reach beyond the guest (guests/test/instructions.c):
    the answer of a CPU without VMX, SVM, SMX and MONITOR reaches the guest's own handler."""
    text = EMULATOR_PORTS + '\n[domain]\nname = "insn"\nkernel = "instructions.elf"\n'
    text += '\n[domain]\nname = "bystander"\nkernel = "hello-elf64.elf"\n'
    result = boot(tmp_path, text, bed=bed)
    assert result.guest_lines("insn") == [f"instructions: {name}: #UD" for name in INSTRUCTIONS] + [
        "instructions: RDPMC: #GP", "instructions: INVD: completed", "instructions: WBINVD: completed",
        "instructions: 26 checks passed"], str(result)
    assert result.exit_table()["insn"]["insn"] >= 10, str(result)  # the other vendor's fault in the guest
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
    assert result.status == 0, str(result)


MSR_LINES = ["EFER", "PAT", "SYSENTER_CS", "SYSENTER_ESP", "SYSENTER_EIP", "STAR", "LSTAR", "CSTAR", "SFMASK",
             "FS_BASE", "GS_BASE", "KERNEL_GS_BASE", "TSC_AUX", "TSC and TSC_ADJUST", "APIC_BASE", "MISC_ENABLE",
             "MTRRs", "FEATURE_CONTROL, PLATFORM_ID, BIOS_SIGN_ID, PLATFORM_INFO", "other MSRs"]


@pytest.mark.parametrize("seed", [5, 77])
def test_msrs_go_through_one_table(bed, tmp_path, seed):
    """guests/test/msrs.c: every MSR of vmm/msr.c's table, then other and random indices;
    afterwards Keel finds its own MSRs as it set them up."""
    text = EMULATOR_PORTS + f'\n[domain]\nname = "msrs"\nkernel = "msrs.elf"\ncmdline = "seed={seed}"\n'
    text += '\n[domain]\nname = "bystander"\nkernel = "hello-mb1.elf"\n'
    result = boot(tmp_path, text, bed=bed)
    lines = result.guest_lines("msrs")
    assert lines[:-1] == [f"msrs: {name}: ok" for name in MSR_LINES], str(result)
    assert re.fullmatch(r"msrs: \d+ checks passed", lines[-1]), str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
