"""The test guests (guests/test/) under the default configuration, and a clean run."""

import re

import pytest

from keel import DEFAULT_CONFIG, boot

# Expected lines are exact, except that "0x<hex>" stands for any lowercase hex number.
HEX = "0x<hex>"


def built(dom, name, mode):
    if mode == "long64":
        return f"[info] {dom} {name}: built: long64, 4 MiB, entry 0x100000"
    return f"[info] {dom} {name}: built: real16, 1 MiB, entry 0x7c00"


def checks(dom, name, mode):
    """What every guest prints before its variant's last act (steps 1-10)."""
    m = "long mode" if mode == "long64" else "real mode"
    return [
        built(dom, name, mode),
        f"{dom} {name} (console): {m} guest: cpuid checks passed",
        f"{dom} {name} (console): {m} guest: hypercall checks passed",
        f"{dom} {name} (port 0xe9): {m} guest: debug port works",
    ]


def stopped(dom, name):
    return f"[info] {dom} {name}: stopped: HLT with interrupts disabled at rip {HEX}"


def crashed(dom, name, why):
    return f"[warn] {dom} {name}: crashed: {why} at rip {HEX}"


def expected_lines(bed):
    """Each domain of the default configuration: its lines, in order."""
    return {
        "hello64": checks("dom1", "hello64", "long64") + [stopped("dom1", "hello64")],
        "hello16": checks("dom2", "hello16", "real16") + [stopped("dom2", "hello16")],
        "oob64": checks("dom3", "oob64", "long64") + [crashed(
            "dom3", "oob64", "nested-paging fault on read of GPA 0x40000000, outside its memory,")],
        "oob16": checks("dom4", "oob16", "real16") + [crashed(
            "dom4", "oob16", "nested-paging fault on read of GPA 0x100000, outside its memory,")],
        "triple64": checks("dom5", "triple64", "long64") + [crashed(
            "dom5", "triple64", "shutdown (triple fault)")],
        "unknown64": checks("dom6", "unknown64", "long64") + [crashed(
            "dom6", "unknown64", f"unknown exit ({bed.unknown_exit})")],
    }


def row(dom, state, **extra):
    counts = {"cpuid": 4, "hlt": 0, "io": 34, "hypercall": 5, "npf": 0, "shutdown": 0, "unknown": 0}
    counts.update(extra)
    return {"domain": dom, "state": state, **counts, "total": 44}


EXPECTED_TABLE = {
    "hello64": row("dom1", "stopped", hlt=1),
    "hello16": row("dom2", "stopped", hlt=1),
    "oob64": row("dom3", "crashed", npf=1),
    "oob16": row("dom4", "crashed", npf=1),
    "triple64": row("dom5", "crashed", shutdown=1),
    "unknown64": row("dom6", "crashed", unknown=1),
}


def matches(line, want):
    return re.fullmatch(re.escape(want).replace(re.escape(HEX), "0x[0-9a-f]+"), line) is not None


def assert_lines(actual, expected, where):
    ok = len(actual) == len(expected) and all(map(matches, actual, expected))
    assert ok, f"{where}\n got:\n  " + "\n  ".join(actual) + "\n want:\n  " + "\n  ".join(expected)


def assert_table(result, expected):
    table = result.exit_table()
    assert list(table) == list(expected), f"table rows ({result})"
    for name, want in expected.items():
        assert table[name] == want, f"{name} row ({result})"


def closing_lines(result):
    """Keel's last two lines: its last word, then "Keel exit status N"."""
    lines = [line for line in result.lines if line]
    return tuple(lines[-2:]) if len(lines) >= 2 else tuple(lines)


@pytest.fixture(scope="module")
def default_run(bed, tmp_path_factory):
    assert DEFAULT_CONFIG.is_file(), f"{DEFAULT_CONFIG} is missing"
    return boot(tmp_path_factory.mktemp(f"default-{bed.name}"), DEFAULT_CONFIG.read_text(), bed=bed)


def test_banner_and_boot_path(default_run, bed):
    start = default_run.lines.index("Keel 0.1.0 x86-64 hypervisor")
    assert re.fullmatch(rf"\[info\] boot: {bed.boot_path}, \d+ memory ranges, 6 boot modules, RSDP 0x[0-9a-f]+",
                        default_run.lines[start + 1]), str(default_run)


@pytest.mark.parametrize("name", ["hello64", "hello16", "oob64", "oob16", "triple64", "unknown64"])
def test_domain_lines(default_run, bed, name):
    assert_lines(default_run.domain_lines(name), expected_lines(bed)[name], f"{name} ({default_run})")


def test_exit_table(default_run):
    assert_table(default_run, EXPECTED_TABLE)


def test_all_domains_ended(default_run):
    assert "[info] all domains have ended" in default_run.lines, str(default_run)


def test_final_line(default_run):
    assert closing_lines(default_run) == ("Keel finished: 2 stopped, 4 crashed", "Keel exit status 4"), \
        str(default_run)


def test_status(default_run):
    assert default_run.status == 4, str(default_run)


CLEAN_CONFIG = """\
exit_port = 0xf4
shutdown_port = 0x8900

[domain]
name = "hello64"
kernel = "hello64.elf"
mode = "long64"
memory = 4

[domain]
name = "hello16"
kernel = "hello16.bin"
mode = "real16"
memory = 1
"""


def test_all_stopped(bed, tmp_path):
    result = boot(tmp_path, CLEAN_CONFIG, bed=bed)
    assert_lines(result.domain_lines("hello64"), expected_lines(bed)["hello64"], f"hello64 ({result})")
    assert_lines(result.domain_lines("hello16"), expected_lines(bed)["hello16"], f"hello16 ({result})")
    assert_table(result, {"hello64": EXPECTED_TABLE["hello64"], "hello16": EXPECTED_TABLE["hello16"]})
    assert closing_lines(result) == ("Keel finished: 2 stopped, 0 crashed", "Keel exit status 0"), str(result)
    assert result.status == 0, str(result)
