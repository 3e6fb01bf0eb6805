"""Many at once: 16 domains in a 512 MiB machine (more than QEMU's SVM has ASIDs, so Keel
shares them, with a flush, instead of refusing the 16th), and 64 boot modules, of any name,
with the 65th left out with a message."""

import pytest

from keel import EMULATOR_PORTS, boot, header_line
from test_default import closing_lines

KINDS = ["hello-elf64.elf", "hello-mb1.elf", "hello-mb2.elf", "bootcheck-elf64.elf"]


def test_sixteen_domains(bed, tmp_path):
    text = EMULATOR_PORTS
    for i in range(16):
        text += f'\n[domain]\nname = "d{i:02d}"\nkernel = "{KINDS[i % 4]}"\nmemory = 24\n'
    result = boot(tmp_path, text, bed=bed, memory=512)
    for i in range(16):
        assert result.end_lines(f"d{i:02d}") == [
            f"[info] dom{i + 1} d{i:02d}: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); "
            "destroyed"], str(result)
    assert closing_lines(result) == ("Keel finished: 16 ended cleanly, 0 crashed", "Keel exit status 0"), str(result)
    assert result.status == 0, str(result)


def test_64_boot_modules(bed, tmp_path):
    """The kernel and 63 modules fit; the 65th file is left out, and only the domain that
    needs it does not start."""
    names = [f"m{i:02d}.{'flat' if i % 2 else 'txt'}" for i in range(64)]
    files = {name: f"module {name}\n".encode() for name in names}
    text = EMULATOR_PORTS
    for d in range(4):  # 16 + 16 + 16 + 15 modules: 63, plus the kernel
        mods = names[d * 16:min(d * 16 + 16, 63)]
        text += f'\n[domain]\nname = "d{d}"\nkernel = "hello-elf64.elf"\nmodule = [ ' + \
                ", ".join(f'"{m}"' for m in mods) + " ]\n"
    text += f'\n[domain]\nname = "late"\nkernel = "hello-elf64.elf"\nmodule = [ "{names[63]}" ]\n'
    result = boot(tmp_path, text, bed=bed, files=files)
    assert f"[warn] boot: 1 boot module left out: Keel takes at most 64" in result.lines, str(result)
    if bed.boot_path == "UEFI":
        assert f"Keel loader: warning: skipping \\keel\\guests\\{names[63]}: Keel takes at most 64 boot modules" \
            in result.lines, str(result)
    assert f"[error] keel.cfg:{header_line(text, 'late')}: domain 'late' not started: its module '{names[63]}' is " \
           "not among the boot modules" \
        in result.lines, str(result)
    for d in range(4):
        lines = result.guest_lines(f"d{d}")
        assert lines[1] == f'hello: module 0 "": {len(files[names[d * 16]])} bytes', f"d{d} ({result})"
        assert lines[2] == f"hello: module 0 says: module {names[d * 16]}", f"d{d} ({result})"
        assert result.end_lines(f"d{d}") == [
            f"[info] dom{d + 1} d{d}: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], \
            str(result)
    assert closing_lines(result) == ("Keel finished: 4 ended cleanly, 0 crashed, 1 not built", "Keel exit status 4"), \
        str(result)
