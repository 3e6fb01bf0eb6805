"""Domain control and the access policy (guests/test/domctl.c, docs/policy.md): dom0 lists,
pauses, unpauses, weighs and destroys domains and reads the host's facts; a domain given
rights may do what they name and nothing else; a domain without rights is denied every
domain-control call, and each denial is logged with the caller, the call and its target."""
import re

from keel import EMULATOR_PORTS, boot
from test_default import closing_lines

CONFIG = EMULATOR_PORTS + """dom0 = "boss"

[domain]
name = "boss"
kernel = "domctl.elf"
cmdline = "role=boss"

[domain]
name = "a"
kernel = "spin.elf"
cmdline = "ms=600000 sti"
memory = 16

[domain]
name = "b"
kernel = "spin.elf"
cmdline = "ms=600000 sti"
memory = 16

[domain]
name = "helper"
kernel = "domctl.elf"
cmdline = "role=helper"
rights = [ "pause a", "console a", "info b" ]

[domain]
name = "rogue"
kernel = "domctl.elf"
cmdline = "role=rogue target=1"

[domain]
name = "talk"
kernel = "echo.elf"
on_poweroff = "preserve"
"""

DENIED = re.compile(r"\[warn\] dom(\d) (\w+): hypercall (\w+)(?: on domain (\d+))? at rip 0x[0-9a-f]+: "
                    r"denied by the access policy$")


def test_dom0_controls_domains_and_the_policy_holds_the_others(bed, tmp_path):
    result = boot(tmp_path, CONFIG, bed=bed)
    assert result.status == 0, str(result)
    # dom0 has the terminal: its lines come bare.
    assert [line for line in result.lines if line.startswith("domctl boss: ") and "weights" not in line] == \
        ["domctl boss: 73 checks passed"], str(result)
    # The share itself is checked by the guest (75% within 10 points); the line says what it got.
    share = [line for line in result.lines if line.startswith("domctl boss: weights 768 and 256: a got ")]
    assert len(share) == 1, str(result)
    assert result.guest_lines("helper") == ["domctl helper: 12 checks passed"], str(result)
    assert result.guest_lines("rogue") == ["domctl rogue: 10 checks passed"], str(result)
    # What boss typed to talk, and talk's answers.
    assert result.guest_lines("talk") == ["echo: ready", "echo: got 'hello'", "echo: 1 lines, 11 bytes in 2 interrupts"], \
        str(result)

    # Each denial logged with its call and target; a domain's first 8, the rest counted.
    denied = [m.groups() for line in result.lines if (m := DENIED.match(line))]
    assert [d for d in denied if d[1] == "helper"] == [
        ("3", "helper", "domain_destroy", "1"), ("3", "helper", "domain_shutdown", "1"),
        ("3", "helper", "domain_sched", "1"), ("3", "helper", "domain_pause", "2"),
        ("3", "helper", "domain_pause", "0"), ("3", "helper", "domain_pause", "99"),
        ("3", "helper", "host_info", None), ("3", "helper", "keel_log", None),
    ], str(result)
    assert [d for d in denied if d[1] == "rogue"] == [
        ("4", "rogue", "domain_list", None), ("4", "rogue", "domain_pause", "1"),
        ("4", "rogue", "domain_unpause", "1"), ("4", "rogue", "domain_destroy", "1"),
        ("4", "rogue", "domain_sched", "1"), ("4", "rogue", "host_info", None),
        ("4", "rogue", "domain_shutdown", "1"), ("4", "rogue", "console_read", "1"),
    ], str(result)
    assert len(denied) == 16, str(result)
    assert "[warn] dom4 rogue: 2 more hypercalls denied by the access policy, not shown (10 in all)" in result.lines, \
        str(result)
    assert not any("dom3 helper: " in line and " more hypercalls denied" in line for line in result.lines), str(result)

    assert result.domain_lines("talk")[-2:] == [
        "[info] dom5 talk: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); preserved: its memory "
        "and vCPU are kept",
        "[info] dom5 talk: destroyed by dom0 boss, its memory and vCPU freed"], str(result)
    assert result.end_lines("b") == [
        "[info] dom2 b: ended: reboot, no exit status (reset by dom0 boss); restarting",
        "[info] dom2 b: ended: destroyed, no exit status (destroyed by dom0 boss); destroyed"], str(result)
    ended = [line for line in result.lines if re.match(r"\[\w+\] dom\d+ \w+: ended: ", line)]
    assert ended[-2:] == [
        "[info] dom0 boss: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed",
        "[info] dom1 a: ended: stopped, no exit status (Keel stops: dom0 boss has ended); destroyed",
    ], str(result)
    assert closing_lines(result) == ("Keel finished: 6 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)


# dom0 alone at boot, with the files it creates domains from as its modules (as Xen hands
# dom0 its boot modules): spin.elf and domctl.elf, and the configurations.
MAKER = EMULATOR_PORTS + """dom0 = "maker"

[domain]
name = "maker"
kernel = "domctl.elf"
cmdline = "role=maker"
memory = 8
module = [ "spin.elf spin.elf", "domctl.elf domctl.elf", "w1.cfg w1.cfg", "w2.cfg w2.cfg", "w3.cfg w3.cfg",
           "fill.cfg fill.cfg", "fresh.cfg fresh.cfg", "bad-memory.cfg bad-memory.cfg",
           "bad-global.cfg bad-global.cfg", "rights-dom0.cfg rights-dom0.cfg" ]
"""
SPIN = 'kernel = "spin.elf"\ncmdline = "ms=600000 sti"\nmemory = 16\n'
MAKER_FILES = {
    "w1.cfg": b'[domain]\nname = "w1"\n' + SPIN.encode() + b"weight = 512\n",
    "w2.cfg": b'[domain]\nname = "w2"\n' + SPIN.encode(),
    "w3.cfg": b'[domain]\nname = "w3"\n' + SPIN.encode(),
    "bad-memory.cfg": b'# memory is a number\n[domain]\nname = "w3"\nmemory = lots\nkernel = "spin.elf"\n',
    "bad-global.cfg": b'dom0 = "w3"\n[domain]\nname = "w3"\nkernel = "spin.elf"\n',
    "rights-dom0.cfg": b'[domain]\nname = "w3"\nkernel = "spin.elf"\nrights = [ "pause maker" ]\n',
    "fill.cfg": b'[domain]\nname = "fill"\nkernel = "domctl.elf"\ncmdline = "role=fill"\nmemory = 16\n',
    "fresh.cfg": b'[domain]\nname = "fresh"\nkernel = "domctl.elf"\ncmdline = "role=fresh"\nmemory = 16\n'
                 b'on_poweroff = "preserve"\n',
}


def test_dom0_creates_domains_from_its_files_and_their_memory_comes_back_zeroed(bed, tmp_path):
    result = boot(tmp_path, MAKER, bed=bed, files=MAKER_FILES)
    assert result.status == 0, str(result)
    assert [line for line in result.lines if line.startswith("domctl maker: ")] == \
        ["domctl maker: 71 checks passed"], str(result)
    created = [line for line in result.lines if re.match(r"\[info\] dom0 maker: created dom\d+$", line)]
    assert created == [f"[info] dom0 maker: created dom{i}" for i in (1, 2, 3, 4)], str(result)
    refused = [line.split(": domain_create: ", 1)[1] for line in result.lines
               if line.startswith("[warn] dom0 maker: domain_create: ")]
    assert refused == [
        "a domain named 'w1' exists: dom1",
        "its configuration, line 4: memory = lots: expected a decimal or 0x hex number",
        "its configuration, line 1: 'dom0' is a keel.cfg setting: a domain's own configuration has [domain] keys only",
        "its configuration, line 4: rights over 'maker': it is dom0, which no domain has rights over",
        "domain 'w3' not started: its kernel 'spin.elf' is not among the files given",
        refused[5], "file 'spin.elf': its list of 1 pieces at 0x10000000000 is not all in your RAM", refused[7],
        "file 'spin.elf' is given twice", "its configuration is 0 bytes; 1 to 65536 are taken",
    ] and re.fullmatch(r"file 'spin.elf': piece 0, \d+ bytes at 0x10000000000, is not all in your RAM", refused[5]) \
        and re.fullmatch(r"file 'spin.elf': its pieces hold (\d+) bytes of its (\d+)", refused[7]), str(result)
    built = [m.group(1) for line in result.lines if (m := re.match(r"\[info\] (dom\d+ \w+): built: ", line))]
    assert built == ["dom0 maker", "dom1 w1", "dom2 w2", "dom3 fill", "dom4 fresh"], str(result)
    assert result.guest_lines("fresh") == ["domctl fresh: 0 bytes not zero in 12 MiB", "domctl fresh: 2 checks passed"], \
        str(result)
    # Slots are taken again, so the report's tables show the domains still in theirs; its
    # count takes in every domain.
    assert closing_lines(result) == ("Keel finished: 5 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
