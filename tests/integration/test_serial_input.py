"""Keel's serial input (keel.cfg's serial_input, vmm/serial_input.c): what is typed on
Keel's serial line reaches the COM1 of the domain named, through its receive interrupt,
while another domain runs beside it (echo.c, guests/test/README.md)."""
import re

from keel import CANARY, EMULATOR_PORTS, boot, canary_rounds
from test_default import assert_lines

CONFIG = EMULATOR_PORTS + """serial_input = "echo"

[domain]
name = "echo"
kernel = "echo.elf"
""" + CANARY

TYPED = "hello\rsecond line\r\rquit\r"


def test_typed_lines_reach_the_named_domain_beside_a_canary(bed, tmp_path):
    result = boot(tmp_path, CONFIG, bed=bed, typing=[("echo: ready", TYPED)])
    assert result.status == 0, str(result)
    assert "[info] serial input: what Keel's serial line receives goes to dom1 echo's COM1" in result.lines, \
        str(result)
    lines = result.guest_lines("echo")
    assert lines[:3] == ["echo: ready", "echo: got 'hello'", "echo: got 'second line'"], str(result)
    summary = re.fullmatch(r"echo: 2 lines, (\d+) bytes in (\d+) interrupts", lines[3]) if len(lines) > 3 else None
    assert summary and int(summary.group(1)) == len(TYPED), str(result)
    # However the bytes were grouped on the way, each interrupt brought at least one.
    assert 1 <= int(summary.group(2)) <= len(TYPED), str(result)
    assert len(lines) == 4, str(result)
    assert_lines(result.end_lines("echo"), [
        "[info] dom1 echo: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], str(result))
    assert canary_rounds(result), str(result)
