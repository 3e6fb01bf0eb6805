"""Hypercall abuse (guests/test/hcabuse.c): unknown numbers, buffers straddling the end of
RAM, wrapping lengths, huge addresses and thousands of random calls each get the documented
error, never a fault, and the well-behaved domains beside it run as usual: hello, and the
canary, whose memory stays intact. Hypercalls from the guest's CPL 3 get -EPERM and do
nothing; so does every domain-control call, as the domain has no rights (docs/policy.md),
and Keel counts each of those denials."""
import re


import pytest

from keel import CANARY, EMULATOR_PORTS, HOST_MSRS_UNCHANGED, boot, canary_rounds

CONFIG = EMULATOR_PORTS + """
[domain]
name = "abuse"
kernel = "hcabuse.elf"
cmdline = "name=abuse seed={seed} calls={calls}"
memory = 6

[domain]
name = "bystander"
kernel = "hello-elf64.elf"
cmdline = "greeting=still here"
memory = 4
""" + CANARY


@pytest.mark.campaign
@pytest.mark.parametrize("run", [0, 1])
def test_every_error_is_the_documented_one(bed, tmp_path, run, campaign):
    """Two runs: seeds 1 and 424242, or make fuzz-guests' SEED and SEED + 1."""
    calls = campaign[0] or 2000
    seed = (1, 424242)[run] if campaign[1] is None else campaign[1] + run
    result = boot(tmp_path, CONFIG.format(seed=seed, calls=calls), bed=bed, timeout=300 + calls // 100)
    lines = result.guest_lines("abuse")
    assert len(lines) == 3 and re.fullmatch(r"hcabuse: \d+ domain-control calls denied", lines[1]), str(result)
    assert [lines[0], lines[2]] == [f"hcabuse: {calls} random calls, seed {seed}",
                                    f"hcabuse: {calls + 87} checks passed"], str(result)
    # Keel counted every denial the guest counted: 8 lines shown, the rest in one line.
    denied = int(lines[1].split()[1])
    assert len([line for line in result.lines if line.startswith("[warn] dom1 abuse: hypercall ")]) == 8, str(result)
    assert (f"[warn] dom1 abuse: {denied - 8} more hypercalls denied by the access policy, not shown "
            f"({denied} in all)") in result.lines, str(result)
    # The console_write from CPL 3 printed nothing; its shutdown did not end the domain.
    assert not any("written from CPL 3" in line for line in result.lines), str(result)
    # The valid writes reached its console: one ending exactly at the end of its RAM, one
    # across the boundary of two large pages.
    assert "hcabuse" in result.guest_lines("abuse", "hypercall"), str(result)
    assert "straddle" in result.guest_lines("abuse", "hypercall"), str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert result.end_lines("abuse") == [
        "[info] dom1 abuse: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], str(result)
    assert result.guest_lines("bystander")[-1] == "hello: the clock runs", str(result)
    assert result.end_lines("bystander") == [
        "[info] dom2 bystander: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], \
        str(result)
    assert canary_rounds(result), str(result)
    assert result.status == 0, str(result)
