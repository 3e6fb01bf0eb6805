"""Keel's serial input (keel.cfg's serial_input, vmm/serial_input.c): what is typed on
Keel's serial line reaches the COM1 of the domain named, through its receive interrupt,
while another domain runs beside it (echo.c, guests/test/README.md). That domain has the
terminal: what its UART writes comes as written, without the "domN name (uart): " of the
other domains' lines. Ctrl-A three times moves the input (and the terminal) on."""
import re

from keel import CANARY, EMULATOR_PORTS, boot, canary_rounds
from test_default import assert_lines

CONFIG = EMULATOR_PORTS + """serial_input = "echo"

[domain]
name = "echo"
kernel = "echo.elf"
""" + CANARY

TYPED = "hello\rsecond line\r\rquit\r"


def terminal_lines(result):
    """The lines an echo.elf wrote while it had the terminal: bare, not prefixed."""
    return [line for line in result.lines if line.startswith("echo: ")]


def test_typed_lines_reach_the_named_domain_beside_a_canary(bed, tmp_path):
    result = boot(tmp_path, CONFIG, bed=bed, typing=[("echo: ready", TYPED)])
    assert result.status == 0, str(result)
    assert "[info] serial input: now to dom1 echo's COM1 (Ctrl-A three times moves it on)" in result.lines, \
        str(result)
    assert result.guest_lines("echo") == [], str(result)
    lines = terminal_lines(result)
    assert lines[:3] == ["echo: ready", "echo: got 'hello'", "echo: got 'second line'"], str(result)
    summary = re.fullmatch(r"echo: 2 lines, (\d+) bytes in (\d+) interrupts", lines[3]) if len(lines) > 3 else None
    assert summary and int(summary.group(1)) == len(TYPED), str(result)
    # However the bytes were grouped on the way, each interrupt brought at least one.
    assert 1 <= int(summary.group(2)) <= len(TYPED), str(result)
    assert len(lines) == 4, str(result)
    assert_lines(result.end_lines("echo"), [
        "[info] dom1 echo: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], str(result))
    assert canary_rounds(result), str(result)


# Two line terminals and a canary that ends first, so the order of the owners is known.
SWITCH_CONFIG = EMULATOR_PORTS + """serial_input = "echo"

[domain]
name = "echo"
kernel = "echo.elf"

[domain]
name = "echo2"
kernel = "echo.elf"
""" + CANARY

SWITCH = "\x01\x01\x01"
# (what to wait for, what to type then): the input goes round the domains still alive and
# Keel's console, and leaves a domain that powers off for Keel's console.
SWITCH_TYPING = [
    ("rounds, memory intact", "one\rx\x01y\r"),  # a single Ctrl-A reaches the guest
    ("echo: got 'x\x01y'", SWITCH),  # as written: it has the terminal
    ("now to dom2 echo2's COM1", "two\r"),
    ("echo: got 'two'", SWITCH),  # the canary has ended: skipped
    ("h shows these keys", "lz"),
    ("the key 'z' means nothing here", SWITCH),
    ("now to dom1 echo's COM1", "quit\r"),
    ("serial input: dom1 echo is gone", SWITCH),
    ("now to dom2 echo2's COM1", "quit\r"),
]


def test_ctrl_a_three_times_moves_the_input_round_the_domains_and_keels_console(bed, tmp_path):
    result = boot(tmp_path, SWITCH_CONFIG, bed=bed, typing=SWITCH_TYPING)
    assert result.status == 0, str(result)
    keel_console = "[info] serial input: now to Keel's console (Ctrl-A three times moves it on)"
    help_line = ("[info] keel console: l lists the domains, e shows their exits by reason, h shows these keys; "
                 "Ctrl-A three times moves the input on")
    assert [line for line in result.lines if line.startswith(("[info] serial input:", "[info] keel console:"))] == [
        "[info] serial input: now to dom1 echo's COM1 (Ctrl-A three times moves it on)",
        "[info] serial input: now to dom2 echo2's COM1 (Ctrl-A three times moves it on)",
        keel_console, help_line,
        "[info] keel console: the key 'z' means nothing here: h shows the keys",
        "[info] serial input: now to dom1 echo's COM1 (Ctrl-A three times moves it on)",
        "[info] serial input: dom1 echo is gone",
        keel_console, help_line,
        "[info] serial input: now to dom2 echo2's COM1 (Ctrl-A three times moves it on)",
        "[info] serial input: dom2 echo2 is gone",
        keel_console, help_line,
    ], str(result)
    listing = result.lines.index("domain                   state      ended        cpu ms restarts        exits")
    rows = [line.split() for line in result.lines[listing + 1:listing + 4]]
    assert [row[:4] + row[5:6] for row in rows] == [
        ["dom1", "echo", "blocked", "-", "0"],
        ["dom2", "echo2", "blocked", "-", "0"],
        ["dom3", "canary", "ended", "poweroff", "0"]], str(result)
    # Each echo's lines: bare while it had the terminal, prefixed while it had not.
    assert result.guest_lines("echo") == [] and result.guest_lines("echo2") == ["echo: ready"], str(result)
    lines = terminal_lines(result)
    assert lines[:4] == ["echo: ready", "echo: got 'one'", "echo: got 'x\x01y'", "echo: got 'two'"], str(result)
    assert len(lines) == 6 and re.fullmatch(r"echo: 2 lines, 13 bytes in \d+ interrupts", lines[4]) and \
        re.fullmatch(r"echo: 1 lines, 9 bytes in \d+ interrupts", lines[5]), str(result)
    assert canary_rounds(result), str(result)
