"""The scheduler (vmm/sched.c, docs/architecture.md "Scheduling"): weighted shares, caps,
preemption of a guest that never exits, blocking with a deadline and the idle CPU."""

import re

import pytest

from keel import EMULATOR_PORTS, HOST_MSRS_UNCHANGED, boot
from test_default import closing_lines


def spinners(spec, ms):
    """keel.cfg text for spin.elf domains, interrupts enabled as an operating system runs:
    spec is [(name, weight, cap)]."""
    text = EMULATOR_PORTS
    for name, weight, cap in spec:
        text += f'\n[domain]\nname = "{name}"\nkernel = "spin.elf"\ncmdline = "ms={ms} sti"\nweight = {weight}\n'
        text += f"cap = {cap}\n"
    return text


def rounds(result, name):
    lines = result.guest_lines(name)
    assert len(lines) == 1 and re.fullmatch(r"spin: \d+ rounds", lines[0]), str(result)
    return int(lines[0].split()[1])


def assert_within(shares, expected, tolerance, what, result):
    """Each share within tolerance (relative) of its expected share."""
    for name, share in shares.items():
        assert abs(share - expected[name]) <= tolerance * expected[name], \
            f"{what}: {name} got {share:.3f}, expected {expected[name]:.3f} +-{tolerance:.0%} ({result})"


def test_weights_share_the_cpu(bed, tmp_path):
    """Four CPU-bound guests, weights 1:1:2:4, for 2 s: each one's CPU time in the report,
    and on a bed whose guests run at a steady pace its progress count, is within 10% of
    its share of the weights."""
    spec = [("w1a", 128, 0), ("w1b", 128, 0), ("w2", 256, 0), ("w4", 512, 0)]
    result = boot(tmp_path, spinners(spec, 2000), bed=bed)
    assert closing_lines(result) == ("Keel finished: 4 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
    expected = {name: weight / 1024 for name, weight, _ in spec}
    cpu = result.cpu_table()
    assert [(cpu[n]["weight"], cpu[n]["cap"]) for n, _, _ in spec] == [(w, c) for _, w, c in spec], str(result)
    total = sum(cpu[n]["ns"] for n in expected)
    assert_within({n: cpu[n]["ns"] / total for n in expected}, expected, 0.10, "CPU time", result)
    if bed.steady_clock:
        counted = {n: rounds(result, n) for n in expected}
        assert_within({n: c / sum(counted.values()) for n, c in counted.items()}, expected, 0.10, "rounds", result)


def test_a_cap_holds(bed, tmp_path):
    """A guest with four times the weight but a cap of 25% beside an uncapped one gets
    25% of the CPU, within 5 points."""
    result = boot(tmp_path, spinners([("capped", 1024, 25), ("free", 256, 0)], 2000), bed=bed)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
    cpu = result.cpu_table()
    total = cpu["capped"]["ns"] + cpu["free"]["ns"] + cpu["idle"]
    assert abs(cpu["capped"]["ns"] / total - 0.25) <= 0.05, f"capped got {cpu['capped']['ns'] / total:.3f} ({result})"
    if bed.steady_clock:
        share = rounds(result, "capped") / (rounds(result, "capped") + rounds(result, "free"))
        assert abs(share - 0.25) <= 0.05, f"capped counted {share:.3f} of the rounds ({result})"


def test_a_guest_spinning_with_interrupts_off_is_preempted(bed, tmp_path):
    """spin.elf with cli never exits for 2 s; hello, beside it, runs to its end meanwhile.
    The spinner is preempted at each slice's end, not ended."""
    if not bed.preempts_with_interrupts_off:
        pytest.skip(f"{bed.name}: the emulator holds host interrupts while the guest's IF is clear (keel.py)")
    text = EMULATOR_PORTS + '\n[domain]\nname = "spinner"\nkernel = "spin.elf"\ncmdline = "ms=2000 cli"\n'
    text += '\n[domain]\nname = "hello"\nkernel = "hello-elf64.elf"\n'
    result = boot(tmp_path, text, bed=bed)
    ends = [line for line in result.lines if ": ended: " in line]
    assert [line.split()[2].rstrip(":") for line in ends] == ["hello", "spinner"], str(result)
    assert ends[1].startswith("[info] dom1 spinner: ended: poweroff, exit status 0"), str(result)
    # Preempted while hello ran; alone afterwards, it runs on without slices.
    assert result.exit_table()["spinner"]["intr"] >= 1, str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


def test_runs_are_deterministic(bed, tmp_path):
    """Where virtual time follows the instruction count (QEMU's -icount, Bochs' clock:
    sync=none), two runs of the same domains print the same from the scheduler's first line
    to the end: every preemption, wake-up, exit count and nanosecond of CPU time. On a bed
    whose boot before Keel does not quite repeat (keel.py), Keel may measure the TSC a little
    differently, and a deadline that lands a few microseconds apart can then fall on the other
    side of a slice's end: there two runs are compared once they measured the same TSC
    (up to five runs), and must then agree to the nanosecond too."""
    text = EMULATOR_PORTS + '\n[domain]\nname = "heavy"\nkernel = "spin.elf"\ncmdline = "ms=300 sti"\nweight = 512\n'
    flag = "cli" if bed.preempts_with_interrupts_off else "sti"  # see keel.py
    text += f'\n[domain]\nname = "hostile"\nkernel = "spin.elf"\ncmdline = "ms=300 {flag}"\ncap = 50\n'
    text += '\n[domain]\nname = "sleep"\nkernel = "sleep.elf"\n'
    runs = {}  # Keel's TSC line -> the lines of the first run that printed it
    for i in range(2 if bed.repeats_exactly else 5):
        (tmp_path / str(i)).mkdir()
        result = boot(tmp_path / str(i), text, bed=bed, extra=bed.deterministic)
        assert result.status == 0, str(result)
        tsc = next(line for line in result.lines if line.startswith("[info] tsc: "))
        lines = result.lines[result.lines.index("[info] scheduler: running 3 domains, time slice 10 ms"):]
        if tsc in runs:
            assert runs[tsc] == lines, f"two runs that measured the same TSC differ ({result})"
            return
        runs[tsc] = lines
    raise AssertionError(f"no two runs measured the TSC alike: {list(runs)}")


def sleep_line(result, how="blocks"):
    lines = result.guest_lines("sleep")
    assert len(lines) == 1, str(result)
    m = re.fullmatch(rf"sleep: 5 {how} of 50 ms, none early, at most (\d+) us late", lines[0])
    assert m, str(result)
    return int(m.group(1))


@pytest.mark.parametrize("how", ["blocks", "halts"])
def test_a_blocked_guest_wakes_on_time_while_the_cpu_idles(bed, tmp_path, how):
    """sleep.elf waits five times for 50 ms, with the block hypercall and a deadline, or
    with its timer event and HLT (interrupts on): never woken early, at most 5 ms late, and
    the CPU halts meanwhile: the report shows at least 225 ms of idle time."""
    text = EMULATOR_PORTS + '\n[domain]\nname = "sleep"\nkernel = "sleep.elf"\n'
    if how == "halts":
        text += 'cmdline = "hlt"\n'
    result = boot(tmp_path, text, bed=bed)
    assert sleep_line(result, how) <= 5000, str(result)
    assert result.cpu_table()["idle"] >= 225_000_000, str(result)
    assert closing_lines(result) == ("Keel finished: 1 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


def test_a_deadline_preempts_a_long_slice(bed, tmp_path):
    """Beside a spinner and with 200 ms slices, sleep.elf still wakes within 20 ms of each
    deadline: a deadline ends the running slice."""
    text = EMULATOR_PORTS + "timeslice_ms = 200\n"
    text += '\n[domain]\nname = "spinner"\nkernel = "spin.elf"\ncmdline = "ms=1500 sti"\n'
    text += '\n[domain]\nname = "sleep"\nkernel = "sleep.elf"\n'
    result = boot(tmp_path, text, bed=bed)
    assert "[info] scheduler: running 2 domains, time slice 200 ms" in result.lines, str(result)
    assert sleep_line(result) <= 20000, str(result)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


def test_a_cpu_time_limit_ends_a_looping_domain(bed, tmp_path):
    """cpu_limit_ms: spin.elf would spin for 20 s, without an exit; its limit of 300 ms
    crashes it within a time slice of the limit. Restarted, it gets the limit again from its
    new start, until the restart-loop rule destroys it; hello, beside it, runs to its end
    meanwhile."""
    text = EMULATOR_PORTS + ('\n[domain]\nname = "looper"\nkernel = "spin.elf"\ncmdline = "ms=20000 sti"\n'
                             'cpu_limit_ms = 300\non_crash = restart\n')
    text += '\n[domain]\nname = "hello"\nkernel = "hello-elf64.elf"\n'
    result = boot(tmp_path, text, bed=bed)
    limit = r"\[warn\] dom1 looper: ended: crash, no exit status \(it used up its CPU time limit of 300 ms: it ran " \
            r"(\d+) ms\); "
    then = ["restarting", "restarting in 50 ms", "restarting in 100 ms", "restarting in 200 ms",
            "restarting in 400 ms", "destroyed: restarting in a loop \\(6 lives in a row shorter than 10 s\\)"]
    ends = result.end_lines("looper")
    assert len(ends) == 6, str(result)
    for line, what in zip(ends, then):
        m = re.fullmatch(limit + what, line)
        # Within a time slice of the limit where the emulator's time is steady (keel.py):
        # QEMU's follows a loaded host, whose own stalls land in a run.
        assert m and 300 <= int(m.group(1)) and (int(m.group(1)) <= 310 or not bed.steady_clock), \
            f"{line} ({result})"
    assert result.guest_lines("looper") == [], str(result)
    # Six lives of 300 ms each, and Keel's work for it besides (its rebuilds), charged to it.
    assert result.cpu_table()["looper"]["ns"] >= 6 * 300_000_000, str(result)
    assert result.guest_lines("hello")[-1] == "hello: the clock runs", str(result)
    assert HOST_MSRS_UNCHANGED in result.lines, str(result)
    assert closing_lines(result) == ("Keel finished: 1 ended cleanly, 1 crashed", "Keel exit status 4"), str(result)


# The deadlines guests/test/deadline.c ends on, each one Keel's clock cannot express, waited
# for with the block hypercall or with set_timer and HLT.
NEVER = [("tsc", "block"), ("2^63", "block"), ("2^63+1", "block"), ("2^64-1", "block"), ("tsc", "hlt"),
         ("2^64-1", "hlt")]


def deadline_config(count=0, seed=1, ms=2000):
    text = EMULATOR_PORTS + f'\n[domain]\nname = "meter"\nkernel = "spin.elf"\ncmdline = "ms={ms} sti"\n'
    for i, (final, how) in enumerate(NEVER):
        text += (f'\n[domain]\nname = "never{i}"\nkernel = "deadline.elf"\n'
                 f'cmdline = "final={final} count={count} seed={seed + i}{" hlt" if how == "hlt" else ""}"\n')
    return text


def check_deadlines(result, waits):
    """Each deadline domain waited on every deadline that comes, none ended early, and then
    waits for good on its final one; the meter beside them ran to its end."""
    for i, (final, _) in enumerate(NEVER):
        lines = result.guest_lines(f"never{i}")
        assert lines[0] == f"deadline: {waits} waits, none early", str(result)
        assert re.fullmatch(rf"deadline: final {re.escape(final)} = \d+", lines[1]) and len(lines) == 2, str(result)
    assert [line for line in result.lines if line.endswith("blocked forever: it waits for an event, and none can come")] == [
        f"[warn] dom{i + 2} never{i}: blocked forever: it waits for an event, and none can come"
        for i in range(len(NEVER))], str(result)
    assert rounds(result, "meter") > 0, str(result)
    assert "[info] scheduler: no vCPU can run any more" in result.lines, str(result)
    assert closing_lines(result) == (f"Keel finished: 1 ended cleanly, 0 crashed, {len(NEVER)} blocked forever",
                                     "Keel exit status 4"), str(result)


def test_deadlines_the_clock_cannot_express_are_never(bed, tmp_path):
    """Deadline domains wait on deadlines that come (past, now, up to 16 ms ahead), then
    each on one Keel's clock cannot express: 2^63 ns and beyond, and 1 s past the point
    where the TSC at its rate passes 2^64 (before 2^63 ns on QEMU's 2.3 GHz TSC). Keel
    takes those as "never": the domains wait for good, the run ends when the meter beside
    them has, and no value makes Keel arm its timer in the past and pick again after
    every exit: the meter's run is cut only by the deadlines that come (at most one exit
    each) and by the slices it shares while the others still run."""
    result = boot(tmp_path, deadline_config(), bed=bed)
    check_deadlines(result, 7)
    assert result.exit_table()["meter"]["intr"] <= 40, str(result)


@pytest.mark.campaign
def test_random_deadlines_beside_a_meter(bed, tmp_path, campaign):
    """The same with 300 random deadlines per domain (make fuzz-guests: COUNT of them):
    past ones, ones up to 67 ms ahead, and timers beyond the clock's reach."""
    count, seed = campaign[0] or 300, campaign[1] or 1
    result = boot(tmp_path, deadline_config(count, seed, ms=2000 + count * 2), bed=bed, timeout=300 + count // 20)
    check_deadlines(result, 7 + count)
    # A wait that comes during the meter's run ends it once; slices while others run.
    assert result.exit_table()["meter"]["intr"] <= 40 + len(NEVER) * count, str(result)
