"""How domains end and what follows (docs/config.md): each reason (poweroff, reboot, crash)
under each policy (destroy, restart, preserve), the restart bound, a halt, a timed block,
and domains that wait forever. One lifecycle guest (guests/test/lifecycle.c) per case: its
cmdline says what it does on each boot."""

import random

import pytest

from keel import CANARY, EMULATOR_PORTS, boot, canary_rounds
from test_default import assert_lines, closing_lines

ENDED = "(shutdown hypercall)"

# name: (actions, policy settings, Keel's lines about it after "built", in order)
CASES = {
    "off-destroy": ("poweroff:0", "", [
        f"[info] D off-destroy: ended: poweroff, exit status 0 {ENDED}; destroyed"]),
    "off-restart": ("poweroff:3,exit:0", 'on_poweroff = "restart"', [
        f"[warn] D off-restart: ended: poweroff, exit status 3 {ENDED}; restarting",
        "BUILT",
        "[info] D off-restart: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); restarting in "
        "50 ms",
        "BUILT", "LOOPING"]),
    "off-preserve": ("poweroff:5", 'on_poweroff = "preserve"', [
        f"[warn] D off-preserve: ended: poweroff, exit status 5 {ENDED}; preserved: its memory and vCPU are kept"]),
    "reboot-destroy": ("reboot:0", 'on_reboot = "destroy"', [
        f"[info] D reboot-destroy: ended: reboot, exit status 0 {ENDED}; destroyed"]),
    "reboot-restart": ("reboot:0,poweroff:0", "", [  # on_reboot's default is restart
        f"[info] D reboot-restart: ended: reboot, exit status 0 {ENDED}; restarting",
        "BUILT",
        f"[info] D reboot-restart: ended: poweroff, exit status 0 {ENDED}; destroyed"]),
    "reboot-preserve": ("reboot:2", 'on_reboot = "preserve"', [
        f"[warn] D reboot-preserve: ended: reboot, exit status 2 {ENDED}; preserved: its memory and vCPU are kept"]),
    "crash-destroy": ("crash:7", "", [
        f"[warn] D crash-destroy: ended: crash, exit status 7 {ENDED}; destroyed"]),
    "crash-restart": ("crash:1,exit:0", 'on_crash = "restart"', [
        f"[warn] D crash-restart: ended: crash, exit status 1 {ENDED}; restarting",
        "BUILT",
        "[info] D crash-restart: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"]),
    "crash-preserve": ("crash:9", 'on_crash = "preserve"', [
        f"[warn] D crash-preserve: ended: crash, exit status 9 {ENDED}; preserved: its memory and vCPU are kept"]),
    "loop": ("reboot:0", "", ["BOUND"]),
    "halt": ("halt", "", [
        "[info] D halt: ended: poweroff, no exit status (HLT with interrupts disabled at rip 0x<hex>); destroyed"]),
    "sleep": ("sleep:20", "", [
        f"[info] D sleep: ended: poweroff, exit status 0 {ENDED}; destroyed"]),
    "no-exit-port": ("exit:3", "debug_exit = 0", [  # its write to 0xf4 reaches nothing; then it halts
        "[info] D no-exit-port: ended: poweroff, no exit status (HLT with interrupts disabled at rip 0x<hex>); "
        "destroyed"]),
    "wait": ("wait", "", ["[warn] D wait: blocked forever: it waits for an event, and none can come"]),
    "block": ("block", "", ["[warn] D block: blocked forever: it waits for an event, and none can come"]),
}


def config():
    text = EMULATOR_PORTS
    for name, (actions, policy, _) in CASES.items():
        text += f'\n[domain]\nname = "{name}"\nkernel = "lifecycle.elf"\ncmdline = "actions={actions}"\n{policy}\n'
    return text


def restarts(dom, name, ended, built, first):
    """Keel's lines for lives that each end with the line ended and are short: restarted at
    once after the first of a row, then after a wait that doubles from 50 ms, and destroyed
    after the sixth (docs/config.md). first: which short life of the row comes first."""
    lines = []
    for life in range(first, 7):
        if life < 6:
            wait = f" in {50 << (life - 2)} ms" if life >= 2 else ""
            lines += [f"{ended}; restarting{wait}", built]
        else:
            lines.append(f"{ended}; destroyed: restarting in a loop (6 lives in a row shorter than 10 s)"
                         .replace("[info]", "[warn]"))
    return lines


def expected(dom, name):
    """Keel's lines about the domain, with BUILT, LOOPING and BOUND spelt out."""
    built = f"[info] {dom} {name}: built: elf64 kernel (ELF64) at 0x100000-0x<hex>, 0 modules, 4 MiB, entry 0x<hex>"
    lines = [built]
    for line in CASES[name][2]:
        if line == "BUILT":
            lines.append(built)
        elif line == "LOOPING":  # exit:0 from now on: its third short life on
            lines += restarts(dom, name, f"[info] {dom} {name}: ended: poweroff, exit status 0 (written to its "
                              "debug-exit port 0xf4)", built, 3)
        elif line == "BOUND":
            lines += restarts(dom, name, f"[info] {dom} {name}: ended: reboot, exit status 0 {ENDED}", built, 1)
        else:
            lines.append(line.replace(" D ", f" {dom} "))
    return lines


@pytest.fixture(scope="module")
def run(bed, tmp_path_factory):
    return boot(tmp_path_factory.mktemp(f"lifecycle-{bed.name}"), config(), bed=bed)


def keel_lines(result, name):
    return [line for line in result.domain_lines(name) if line.startswith("[")]


@pytest.mark.parametrize("name", list(CASES))
def test_end_and_policy(run, name):
    dom = f"dom{list(CASES).index(name) + 1}"
    assert_lines(keel_lines(run, name), expected(dom, name), f"{name} ({run})")


def test_a_restart_gets_fresh_memory(run):
    """Every boot writes a canary; a restarted domain must not find it."""
    lines = run.guest_lines("reboot-restart")
    assert lines == ["lifecycle: boot 0: reboot:0", "lifecycle: boot 1: poweroff:0", "lifecycle: memory is fresh"], \
        str(run)
    assert run.guest_lines("loop").count("lifecycle: memory is fresh") == 5, str(run)


def test_a_timed_block_wakes_on_time(run):
    assert run.guest_lines("sleep") == ["lifecycle: boot 0: sleep:20", "lifecycle: woke after 20 ms"], str(run)


def test_the_report(run):
    table = run.exit_table()
    want = {"off-destroy": ("poweroff", 0, 0), "off-restart": ("poweroff", 0, 5),
            "off-preserve": ("poweroff", 5, 0), "reboot-destroy": ("reboot", 0, 0),
            "reboot-restart": ("poweroff", 0, 1), "reboot-preserve": ("reboot", 2, 0),
            "crash-destroy": ("crash", 7, 0), "crash-restart": ("poweroff", 0, 1), "crash-preserve": ("crash", 9, 0),
            "loop": ("reboot", 0, 5), "halt": ("poweroff", "-", 0), "sleep": ("poweroff", 0, 0),
            "no-exit-port": ("poweroff", "-", 0),
            "wait": ("blocked", "-", 0), "block": ("blocked", "-", 0)}
    assert {name: (row["ended"], row["status"], row["restarts"]) for name, row in table.items()} == want, str(run)
    # Clean: off-destroy, reboot-destroy, reboot-restart, crash-restart, halt, sleep, no-exit-port.
    assert closing_lines(run) == ("Keel finished: 7 ended cleanly, 2 crashed, 4 ended with a non-zero exit status or "
                                  "in a restart loop, 2 blocked forever", "Keel exit status 4"), str(run)
    assert "[info] scheduler: no vCPU can run any more" in run.lines, str(run)
    assert run.status == 4, str(run)


LOOP_END = "destroyed: restarting in a loop (6 lives in a row shorter than 10 s)"


def looper(name, mib, action, policy='on_crash = "restart"'):
    return (f'\n[domain]\nname = "{name}"\nkernel = "lifecycle.elf"\ncmdline = "actions={action}"\n'
            f'memory = {mib}\n{policy}\n')


def meter(ms):
    return f'\n[domain]\nname = "meter"\nkernel = "spin.elf"\ncmdline = "ms={ms} sti"\n'


def check_neighbours(result, meter_ms, loopers=1):
    """The meter got at least 90% of its fair share of the CPU the canary left it during its
    life (with n loopers, 1 / (n + 1) of it: each may want the CPU all the while for its
    rebuilds), everything Keel did was charged to a domain but for under 1%, and the canary
    kept its memory."""
    cpu = result.cpu_table()
    total = sum(r["ns"] if isinstance(r, dict) else r for r in cpu.values())
    room = meter_ms * 1_000_000 - cpu["canary"]["ns"]
    assert cpu["meter"]["ns"] >= 0.9 * room / (loopers + 1), f"meter got {cpu['meter']['ns']} of {room} ns ({result})"
    assert cpu["keel"] <= 0.01 * total, str(result)
    assert canary_rounds(result), str(result)


def test_a_crash_loop_cannot_starve_the_others(bed, tmp_path):
    """A 64 MiB domain crashes at once on every boot, restarted each time, beside a meter
    and the canary. Each rebuild (its 64 MiB zeroed in pieces) is charged to it, a restarted
    domain does not jump the run queue, and its restarts wait longer and longer: the meter
    keeps its share, and after six short lives the looper is destroyed. The watchdog, on at
    1 s, never fires: no piece of Keel's work for the looper lasts that long."""
    text = EMULATOR_PORTS + "watchdog = 1\n" + looper("looper", 64, "crash:1") + meter(3000) + CANARY
    result = boot(tmp_path, text, bed=bed, timeout=300)
    ends = result.end_lines("looper")
    assert len(ends) == 6 and ends[-1].endswith(f"; {LOOP_END}"), str(result)
    assert result.exit_table()["looper"]["restarts"] == 5, str(result)
    check_neighbours(result, 3000)
    assert closing_lines(result) == ("Keel finished: 2 ended cleanly, 1 crashed", "Keel exit status 4"), str(result)


@pytest.mark.campaign
def test_crash_and_reboot_loops_of_every_size_and_pace(bed, tmp_path, campaign):
    """Three loopers at once, their sizes (4 to 128 MiB) and paces (at once, or a wait of up to
    2 s before each crash or reboot) drawn from the seed (make fuzz-guests' SEED; the
    count is not used), beside a meter and the canary: each ends destroyed as a loop, and
    the meter keeps its share, and the watchdog (1 s) never fires."""
    rng = random.Random(campaign[1] or 1)
    text = EMULATOR_PORTS + "watchdog = 1\n"
    for i, mib in enumerate(rng.sample([4, 16, 32, 64], 3)):
        pace = rng.choice([0, rng.randrange(1, 50), rng.randrange(50, 2000)])
        if rng.random() < 0.5:
            text += looper(f"loop{i}", mib, f"crash-after:{pace}" if pace else "crash:1")
        else:  # on_reboot's default is restart
            text += looper(f"loop{i}", mib, "reboot:0", policy="") if not pace else \
                looper(f"loop{i}", mib, f"crash-after:{pace}")
    text += meter(3000) + CANARY
    result = boot(tmp_path, text, bed=bed, timeout=600)
    for i in range(3):
        ends = result.end_lines(f"loop{i}")
        assert len(ends) == 6 and ends[-1].endswith(f"; {LOOP_END}"), f"loop{i} ({result})"
    check_neighbours(result, 3000, loopers=3)
