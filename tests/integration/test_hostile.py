"""Bad input from the configuration, the images and the CPU: Keel names the problem,
runs what it can and reports a matching exit status."""

import re

import pytest

from test_guests import EXPECTED_TABLE, assert_lines, checks, closing_lines, stopped
from keel import boot

BAD_CONFIG = """\
exit_port = 0xf4
shutdown_port = 0x8900
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
    '[error] keel.cfg:3: loglevel = "chatty": expected error, warn, info or debug',
    "[error] keel.cfg:8: unknown key 'memroy'",
    "[error] keel.cfg:5: domain 'typo' not started: it has errors",
    "[error] keel.cfg:23: memory = 0: must be 1..4096 MiB",
    "[error] keel.cfg:19: domain 'toosmall' not started: it has errors",
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
    result = boot(tmp_path, 'exit_port = 0xf4\nshutdown_port = 0x8900\n\n[domain]\nname = "ghost"\nkernel = "ghost.elf"\n', bed=bed)
    assert "[error] domain 'ghost' not started: its kernel 'ghost.elf' is not among the boot modules" \
        in result.lines, str(result)
    assert closing_lines(result) == ("[error] no domain could be started: check keel.cfg and the guest images",
                                     "Keel exit status 3"), str(result)
    assert result.status == 3, str(result)


MINIMAL = 'exit_port = 0xf4\nshutdown_port = 0x8900\n\n[domain]\nname = "hello64"\nkernel = "hello64.elf"\n'


def test_cpu_without_virtualization(bed, tmp_path):
    result = boot(tmp_path, MINIMAL, bed=bed, extra=bed.cpu_without_virt)
    assert re.fullmatch(r"\[error\] Keel cannot run guests on this CPU: this (AMD|Intel) CPU does not offer "
                        r"(SVM \(AMD-V\)|VT-x \(VMX\))\. .*", closing_lines(result)[0]), str(result)
    assert closing_lines(result)[1] == "Keel exit status 2", str(result)
    assert result.status == 2, str(result)


def test_cpu_without_nested_paging(bed, tmp_path):
    result = boot(tmp_path, MINIMAL, bed=bed, extra=bed.cpu_without_nested_paging)
    assert re.fullmatch(r"\[error\] Keel cannot run guests on this CPU: this (AMD|Intel) CPU offers (SVM|VT-x) but not "
                        r"(nested paging \(NPT\)|EPT \(extended page tables\)), which Keel needs to isolate guest "
                        r"memory\. .*", closing_lines(result)[0]), str(result)
    assert closing_lines(result)[1] == "Keel exit status 2", str(result)
    assert result.status == 2, str(result)


REAL_AND_LONG = MINIMAL + '\n[domain]\nname = "hello16"\nkernel = "hello16.bin"\nmode = "real16"\nmemory = 1\n'


def test_real_mode_guests_need_unrestricted_guest(bed, tmp_path):
    if not bed.cpu_without_unrestricted_guest:
        pytest.skip(f"{bed.name}: real-mode guests need no extra CPU feature there")
    result = boot(tmp_path, REAL_AND_LONG, bed=bed, extra=bed.cpu_without_unrestricted_guest)
    assert "[error] domain 'hello16' not started: this CPU's VT-x has no unrestricted guest mode, " \
           "which real16 guests need" in result.lines, str(result)
    assert_lines(result.domain_lines("hello64"), checks("dom1", "hello64", "long64") + [stopped("dom1", "hello64")],
                 f"hello64 ({result})")
    assert closing_lines(result) == ("Keel finished: 1 stopped, 0 crashed, 1 not built", "Keel exit status 4"), \
        str(result)
    assert result.status == 4, str(result)
