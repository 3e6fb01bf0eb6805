"""The default domains on the CPU models the emulators offer with SVM or VT-x: each runs
them, or Keel names why not, and stops with the status that says so; never a silent reset.
A CPU model whose features Keel cannot all use (XSAVE that QEMU 7.2 refuses to turn on, no
unrestricted guest) gets a named fallback or refusal. Bochs' models without long mode are
refused by Keel's Multiboot2 entry before it enters 64-bit mode."""

import re

import pytest

from keel import BEDS, boot, own_guests_config

RAN = "Keel finished: 4 ended cleanly, 0 crashed"
NOT_BUILT = ("[error] keel.cfg:{line}: domain '{name}' not started: this CPU's VT-x has no unrestricted guest mode, "
             "which {what} need")
OPTERON_XSAVE = ("[warn] cpu: XSAVE not used: the CPU, under a hypervisor, reports XSAVE without XSAVEOPT, XSAVEC, "
                 "XGETBV1 or XSAVES, where QEMU 7.2 refuses CR4.OSXSAVE by resetting the machine; guests get x87 "
                 "and SSE, switched with FXSAVE; PKU no")
NO_EPT = ("[error] Keel cannot run guests on this CPU: this Intel CPU offers VT-x but not EPT (extended page tables), "
          "which Keel needs to isolate guest memory. Use a CPU with EPT (4-level, write-back), or a Bochs model such "
          "as corei7_skylake_x.")
NO_NPT = ("[error] Keel cannot run guests on this CPU: this AMD CPU offers SVM but not nested paging (NPT), which "
          "Keel needs to isolate guest memory. Use a CPU with NPT, or run QEMU with -cpu qemu64,+svm,+npt.")
NO_LONG_MODE = ["[error] Keel cannot run on this CPU: it has no long mode (64-bit mode, CPUID 0x80000001 EDX bit 29).",
                "Keel exit status 2"]

# (bed, CPU model): Keel's exit status and the lines it must print (once each). None as
# the status: Keel stops before it knows its exit ports, so the launcher times out.
MODELS = {
    ("qemu", "qemu64,+svm,+npt"): (0, [RAN]),
    ("qemu", "EPYC"): (0, [RAN]),
    ("qemu", "EPYC-Rome"): (0, [RAN]),
    ("qemu", "EPYC-Milan"): (0, [RAN]),
    ("qemu", "Opteron_G5,+svm,+npt"): (0, [OPTERON_XSAVE, RAN]),
    ("qemu", "phenom,+npt"): (0, [RAN]),
    ("qemu", "max"): (0, [RAN]),
    **{("bochs", model): (0, [RAN]) for model in (
        "corei5_arrandale_m520", "corei7_sandy_bridge_2600k", "corei7_ivy_bridge_3770k", "corei7_haswell_4770",
        "broadwell_ult", "corei7_skylake_x", "corei3_cnl", "corei7_icelake_u", "tigerlake")},
    ("bochs", "corei5_lynnfield_750"): (4, [
        NOT_BUILT.format(line=21, name="hello-mb1", what="Multiboot and PVH kernels (started with paging off)"),
        NOT_BUILT.format(line=29, name="hello-mb2", what="Multiboot and PVH kernels (started with paging off)"),
        NOT_BUILT.format(line=37, name="hello16", what="real16 kernels"),
        "Keel finished: 1 ended cleanly, 0 crashed, 3 not built"]),
    ("bochs", "core2_penryn_t9600"): (2, [NO_EPT]),
    **{("bochs-amd", model): (0, [RAN]) for model in ("phenom_8650_toliman", "zambezi", "trinity_apu", "ryzen")},
    ("bochs-amd", "turion64_tyler"): (2, [NO_NPT]),
    ("bochs", "pentium"): (None, NO_LONG_MODE),
    ("bochs", "atom_n270"): (None, NO_LONG_MODE),
}


@pytest.mark.parametrize("bed,model", sorted(MODELS))
def test_the_default_domains_run_or_keel_names_why_not(tmp_path, bed, model):
    status, lines = MODELS[bed, model]
    result = boot(tmp_path, own_guests_config(), bed=BEDS[bed], extra=("--cpu", model),
                  timeout=120 if status is not None else 15)
    for line in lines:
        assert result.lines.count(line) == 1, f"{line!r} not printed once; {result}"
    if status is None:
        assert result.exit_code == 124 and [line for line in result.lines if line] == lines, str(result)  # it waited
    else:
        assert result.status == status, str(result)
        assert len([line for line in result.lines if re.fullmatch(r"Keel \S+ x86-64 hypervisor", line)]) == 1, \
            str(result)  # one boot: no reset
