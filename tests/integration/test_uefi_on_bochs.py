"""The UEFI loader on the Intel test bed: OVMF in Bochs boots BOOTX64.EFI from an EFI system
partition, and every domain of the default configuration ends as on the other beds."""

import re

import pytest

from keel import BOCHS_UEFI, boot, own_guests_config
from test_default import EXPECTED, HELLO16_ROW, assert_lines, closing_lines, guest_exits


@pytest.mark.slow
def test_default_domains_through_uefi_on_bochs(tmp_path):
    result = boot(tmp_path, own_guests_config(), timeout=300, bed=BOCHS_UEFI)
    start = result.lines.index("Keel 0.2.0 x86-64 hypervisor")
    assert re.fullmatch(r"\[info\] boot: UEFI, \d+ memory ranges, 6 boot modules, RSDP 0x[0-9a-f]+",
                        result.lines[start + 1]), str(result)
    for name, lines in EXPECTED.items():
        assert_lines(result.domain_lines(name), lines, f"{name} ({result})")
    assert guest_exits(result.exit_table()["hello16"]) == HELLO16_ROW, str(result)
    assert closing_lines(result) == ("Keel finished: 4 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
    assert result.status == 0, str(result)
