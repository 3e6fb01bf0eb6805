"""Guest consoles (vmm/console.c, docs/security.md): a guest's output goes into its queue at
memory speed and reaches Keel's serial line in time charged to its domain, so a guest that
floods its console slows only itself: its excess is dropped and counted, the lines of the
domains beside it arrive whole and at once, caps and CPU time limits hold, and the watchdog
does not fire."""

import random
import re

import pytest

from keel import CANARY, EMULATOR_PORTS, HOST_MSRS_UNCHANGED, boot, canary_rounds
from test_default import closing_lines

# A meter beside the flood: spin.elf counts its rounds for 2 s of Keel's clock.
METER = '\n[domain]\nname = "meter"\nkernel = "spin.elf"\ncmdline = "ms=2000 sti"\n'
# A domain printing a numbered line every 20 ms for 2 s (flood.elf's ticker).
TICKER = '\n[domain]\nname = "ticker"\nkernel = "flood.elf"\ncmdline = "ticker ms=2000"\n'
TICKS = 100


def flood(cmdline, extra=""):
    return f'\n[domain]\nname = "flood"\nkernel = "flood.elf"\ncmdline = "{cmdline}"\n{extra}'


def check_accounting(result, name, written):
    """What Keel's console table says of the domain agrees with its serial lines to the
    byte: every line it sent is there whole, every byte it dropped is in a "dropped" line,
    and written = shown + dropped (a line counts with its newline)."""
    row = result.console_table()[name]
    # Result.lines drops trailing blanks: an empty line ends in the colon.
    pattern = re.compile(rf"dom\d+ {name} \((?:uart|hypercall|port 0xe9)\):(?: (.*))?")
    shown = sum(len(m.group(1) or "") + 1 for line in result.lines if (m := pattern.fullmatch(line)))
    dropped = sum(int(m.group(1)) for line in result.lines if (m := re.fullmatch(
        rf"\[warn\] dom\d+ {name}: (\d+) bytes of console output dropped: it wrote faster than its share of the "
        r"serial line", line)))
    assert (row["written"], row["shown"], row["dropped"]) == (written, shown, dropped), f"{name}: {row} ({result})"
    assert written == shown + dropped, f"{name}: {row} ({result})"
    return row


def check_ticker(result, others=2):
    """The ticker's lines all arrived, whole and in order, none dropped, each within the
    bound of docs/security.md: sent right after the exit that completed it, or, if its
    domain's slice had ended, at its next turn, after at most a slice and a line of each of
    the others (equal weights): here a line of the flood takes 27 bytes, 2.3 ms at 115200
    baud."""
    ticks = [f"flood: tick {i}" for i in range(TICKS)] + [f"flood: {TICKS} ticks"]
    assert result.guest_lines("ticker") == ticks, str(result)
    row = check_accounting(result, "ticker", sum(len(t) + 1 for t in ticks))
    assert row["dropped"] == 0 and row["max_delay_us"] <= others * (10000 + 3000), f"ticker: {row} ({result})"


def test_a_console_flood_costs_only_the_flooder(bed, tmp_path):
    """flood.elf writes 4096 newlines with console_write, 20 times: about 80 KiB of lines,
    far more than the serial line takes while the others run (each line goes out as
    "domN flood (hypercall): "). Beside it a meter, the ticker and the canary. The watchdog
    is on at 1 s. Keel drops the flood's excess and says how much; the ticker's lines all
    arrive at once; the meter gets its share of the CPU beside the flood (at least 45% of
    what the ticker and canary leave it); Keel's own time stays under 1%; nothing stops Keel."""
    count = 20
    text = EMULATOR_PORTS + "watchdog = 1\n" + flood(f"count={count}") + METER + TICKER + CANARY
    result = boot(tmp_path, text, bed=bed, timeout=300)
    assert result.guest_lines("flood", "uart") == [f"flood: {count} writes of 4096 bytes"], str(result)
    summary = len(f"flood: {count} writes of 4096 bytes") + 1
    row = check_accounting(result, "flood", count * 4096 + summary)
    assert row["dropped"] > 0, str(result)
    check_ticker(result, others=3)
    cpu = result.cpu_table()
    total = sum(r["ns"] if isinstance(r, dict) else r for r in cpu.values())
    meter_room = 2_000_000_000 - cpu["ticker"]["ns"] - cpu["canary"]["ns"]
    assert cpu["meter"]["ns"] >= 0.45 * meter_room, f"meter got {cpu['meter']['ns']} ns ({result})"
    assert cpu["keel"] <= 0.01 * total, str(result)
    assert canary_rounds(result), str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert closing_lines(result) == ("Keel finished: 4 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


def cpu_share(result, name):
    cpu = result.cpu_table()
    return cpu[name]["ns"] / sum(r["ns"] if isinstance(r, dict) else r for r in cpu.values())


def test_a_cap_holds_against_a_flooder(bed, tmp_path):
    """A flooder capped at 5% floods for 3 s beside a meter: the time Keel spends sending
    its lines counts against its cap, so over the run it gets 5% of the CPU, within 2
    points (without the cap it would get half)."""
    text = EMULATOR_PORTS + "watchdog = 1\n" + flood("ms=3000", "cap = 5\n") + METER + TICKER
    result = boot(tmp_path, text, bed=bed, timeout=300)
    share = cpu_share(result, "flood")
    assert abs(share - 0.05) <= 0.02, f"the flooder got {share:.3f} of the CPU ({result})"
    check_ticker(result)
    assert closing_lines(result) == ("Keel finished: 3 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


def test_a_cpu_time_limit_holds_against_a_flooder(bed, tmp_path):
    """A flooder with cpu_limit_ms = 1000 would flood for 20 s: it is ended within a time
    slice (10 ms) and one line of its limit, Keel's time sending its lines counted."""
    text = EMULATOR_PORTS + "watchdog = 1\n" + flood("ms=20000", "cpu_limit_ms = 1000\n") + METER + TICKER
    result = boot(tmp_path, text, bed=bed, timeout=300)
    ends = result.end_lines("flood")
    m = re.fullmatch(r"\[warn\] dom1 flood: ended: crash, no exit status \(it used up its CPU time limit of 1000 "
                     r"ms: it ran (\d+) ms\); destroyed", ends[0]) if len(ends) == 1 else None
    assert m and 1000 <= int(m.group(1)) <= 1013, str(result)
    check_ticker(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 1 crashed", "Keel exit status 4"), str(result)


def line_bytes(count, size, line):
    """What Keel counts as written for count writes of flood.elf's buffer (size bytes of
    lines of line 'x's, each ended by a newline): each line's text and its newline, a line
    cut at 160 characters counting as one, and what is left at the end ended as a line. One
    write's share depends only on the length of the line it starts in, so each is worked out
    once."""
    buffer = [("\n" if i % (line + 1) == line else "x") for i in range(size)]
    memo, total, cur = {}, 0, 0
    for _ in range(count):
        if cur not in memo:
            written, c = 0, cur
            for ch in buffer:
                if ch == "\n":
                    written, c = written + c + 1, 0
                else:
                    c += 1
                    if c == 160:
                        written, c = written + 161, 0
            memo[cur] = (written, c)
        written, cur = memo[cur]
        total += written
    return total + (cur + 1 if cur else 0)


@pytest.mark.campaign
def test_random_floods_beside_a_ticker(bed, tmp_path, campaign):
    """Floods of every shape (make fuzz-guests: COUNT writes, default 20; the seed draws the
    write's size, the lines' length and the way out: console_write or an OUT to port 0xe9 a
    byte) beside a meter, the ticker and the canary: the accounting holds to the byte, the
    ticker's lines all arrive in time, the meter keeps its share."""
    count, seed = campaign[0] or 20, campaign[1] or 1
    rng = random.Random(seed)
    size, line, via = rng.randrange(1, 4097), rng.choice([0, 1, rng.randrange(2, 200)]), rng.choice(["hypercall",
                                                                                                   "port"])
    if via == "port":  # an exit a byte: fewer bytes, or the flood outlasts the test
        size = min(size, 256)
    text = EMULATOR_PORTS + "watchdog = 1\n" + flood(f"count={count} bytes={size} line={line} via={via}") + METER + \
        TICKER + CANARY
    result = boot(tmp_path, text, bed=bed, timeout=600 + count // 10)
    summary = f"flood: {count} writes of {size} bytes"
    assert result.guest_lines("flood", "uart") == [summary], str(result)
    check_accounting(result, "flood", line_bytes(count, size, line) + len(summary) + 1)
    check_ticker(result, others=3)
    assert canary_rounds(result), str(result)
    assert closing_lines(result) == ("Keel finished: 4 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
