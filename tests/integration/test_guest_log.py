"""What Keel's log says when a guest finds nothing (vmm/guest_log.h, docs/debugging.md): an
MSR answered with #GP and a read where nothing is are named, with what a PC usually has
there, GUEST_LOG_LINES (8) times per kind and domain life; the rest are counted in one line
at the domain's end. probe.elf reads MSR 0x1a2 and the HPET's main counter at 0xfed000f0
1000 times each (3 times in the second domain) and checks it got #GP(0) and all ones."""

import re

from keel import EMULATOR_PORTS, boot

HEX = "0x[0-9a-f]+"
SHOWN = 8  # GUEST_LOG_LINES

CONFIG = EMULATOR_PORTS + """
[domain]
name = "probe"
kernel = "probe.elf"

[domain]
name = "few"
kernel = "probe.elf"
cmdline = "count=3"
"""


def msr_line(dom, name):
    return rf"\[warn\] {dom} {name}: read of MSR 0x1a2 \(MSR_TEMPERATURE_TARGET\) at rip {HEX}: #GP, Keel does not offer it"


def hpet_line(dom, name):
    return (rf"\[warn\] {dom} {name}: 4-byte read of 0xfed000f0 \(HPET main counter value register\) at rip {HEX}: "
            r"nothing is there, read as all ones")


def matching(lines, pattern):
    return [line for line in lines if re.fullmatch(pattern, line)]


def test_the_log_names_what_is_missing_and_holds_its_limit(bed, tmp_path):
    result = boot(tmp_path, CONFIG, bed=bed)
    for dom, name, count in (("dom1", "probe", 1000), ("dom2", "few", 3)):
        lines = result.domain_lines(name)
        warns = [line for line in lines if line.startswith("[warn]")]
        shown = min(count, SHOWN)
        assert len(matching(warns, msr_line(dom, name))) == shown, f"{name} ({result})"
        assert len(matching(warns, hpet_line(dom, name))) == shown, f"{name} ({result})"
        counted = [f"[warn] {dom} {name}: {count - SHOWN} more MSR accesses answered with #GP, not shown "
                   f"({count} in all)",
                   f"[warn] {dom} {name}: {count - SHOWN} more accesses where nothing is, not shown ({count} in all)"]
        assert warns[2 * shown:] == (counted if count > SHOWN else []), f"{name} ({result})"
        assert result.guest_lines(name) == [
            f"probe: {count} MSR reads answered with #GP, {count} reads where nothing is", "probe: 2 checks passed"], \
            f"{name} ({result})"
        assert result.end_lines(name) == [
            f"[info] {dom} {name}: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], \
            f"{name} ({result})"
    assert result.status == 0, str(result)
