"""Bad input from the configuration, the images and the CPU: Keel names the problem,
runs what it can and reports a matching exit status."""

import re

from test_guests import EXPECTED_TABLE, assert_lines, checks, closing_lines, stopped
from keel import boot

BAD_CONFIG = """\
exit_port = 0xf4
loglevel = "chatty"

[domain]
name = "typo"
kernel = "hello64.elf"
memroy = 4

[domain]
name = "missing"
kernel = "nosuch.elf"

[domain]
name = "notelf"
kernel = "hello16.bin"
mode = "long64"

[domain]
name = "toosmall"
kernel = "hello16.bin"
mode = "real16"
memory = 0

[domain]
name = "good"
kernel = "hello64.elf"
"""

BAD_CONFIG_ERRORS = [
    '[error] keel.cfg:2: loglevel = "chatty": expected error, warn, info or debug',
    "[error] keel.cfg:7: unknown key 'memroy'",
    "[error] keel.cfg:4: domain 'typo' not started: it has errors",
    "[error] keel.cfg:22: memory = 0: must be 1..4096 MiB",
    "[error] keel.cfg:18: domain 'toosmall' not started: it has errors",
    "[error] domain 'missing' not started: its kernel 'nosuch.elf' is not among the boot modules",
    "[error] domain 'notelf' not started: bad image 'hello16.bin': not an ELF file (bad magic)",
]


def test_bad_domains_are_refused_and_the_good_one_runs(bed, tmp_path):
    result = boot(tmp_path, BAD_CONFIG, bed=bed)
    errors = [line for line in result.lines if line.startswith("[error]")]
    assert errors == BAD_CONFIG_ERRORS, str(result)
    assert_lines(result.domain_lines("good"), checks("dom1", "good", "long64") + [stopped("dom1", "good")],
                 f"good ({result})")
    assert result.exit_table() == {"good": EXPECTED_TABLE["hello64"]}, str(result)
    assert closing_lines(result) == (
        "Keel finished: 1 stopped, 0 crashed, 2 not built, 5 problems in keel.cfg", "Keel exit status 4"), str(result)
    assert result.status == 4, str(result)


def test_no_domain_at_all(bed, tmp_path):
    result = boot(tmp_path, 'exit_port = 0xf4\n\n[domain]\nname = "ghost"\nkernel = "ghost.elf"\n', bed=bed)
    assert "[error] domain 'ghost' not started: its kernel 'ghost.elf' is not among the boot modules" \
        in result.lines, str(result)
    assert closing_lines(result) == ("[error] no domain could be started: check keel.cfg and the guest images",
                                     "Keel exit status 3"), str(result)
    assert result.status == 3, str(result)


MINIMAL = 'exit_port = 0xf4\n\n[domain]\nname = "hello64"\nkernel = "hello64.elf"\n'


def test_cpu_without_virtualization(bed, tmp_path):
    result = boot(tmp_path, MINIMAL, bed=bed, extra=bed.cpu_without_virt)
    assert re.fullmatch(r"\[error\] Keel cannot run guests on this CPU: this (AMD|Intel) CPU does not offer "
                        r"(SVM \(AMD-V\)|VT-x \(VMX\))\. .*", closing_lines(result)[0]), str(result)
    assert closing_lines(result)[1] == "Keel exit status 2", str(result)
    assert result.status == 2, str(result)


def test_cpu_without_nested_paging(bed, tmp_path):
    result = boot(tmp_path, MINIMAL, bed=bed, extra=bed.cpu_without_nested_paging)
    assert re.fullmatch(r"\[error\] Keel cannot run guests on this CPU: the CPU offers (SVM|VT-x) but not "
                        r"(nested paging \(NPT\)|EPT), .*", closing_lines(result)[0]), str(result)
    assert closing_lines(result)[1] == "Keel exit status 2", str(result)
    assert result.status == 2, str(result)
