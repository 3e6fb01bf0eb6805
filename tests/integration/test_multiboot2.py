"""The Multiboot2 boot path: GRUB 2 on Bochs (an Intel CPU with VT-x) starts the same core
with the same boot information as the UEFI loader does. Keel's VT-x backend is not built
yet, so the run ends at the CPU check; the guests run on this bed once it is."""

import re
import subprocess

from keel import BUILD, TOP, clean, require_build

CONFIG = """\
shutdown_port = 0x8900

[domain]
name = "hello64"
kernel = "hello64.elf"
"""


def test_multiboot2_boot_on_bochs(tmp_path):
    require_build()
    (tmp_path / "keel.cfg").write_text(CONFIG)
    iso = tmp_path / "keel.iso"
    subprocess.run([str(TOP / "scripts/mkiso.sh"), str(iso), str(BUILD), str(tmp_path / "keel.cfg")],
                   check=True, capture_output=True)
    run = subprocess.run([str(TOP / "scripts/run-bochs.sh"), "--timeout", "120", str(iso)],
                         capture_output=True, text=True, errors="replace", timeout=200)
    lines = [line for line in clean(run.stdout).split("\n") if line]
    where = "\n".join(lines) + "\n" + run.stderr
    start = lines.index("Keel 0.1.0 x86-64 hypervisor")
    got = lines[start + 1:]
    assert re.fullmatch(r"\[info\] boot: Multiboot2, \d+ memory ranges, 6 boot modules, RSDP 0x[0-9a-f]+", got[0]), where
    assert re.fullmatch(r"\[info\] memory: \d+ MiB usable in the firmware map, \d+ MiB free for guests", got[1]), where
    assert got[2].startswith("[info] cpu: GenuineIntel family 0x6 "), where
    assert got[3] == ("[info] cpu: VMX yes, EPT yes (2 MiB pages yes, 1 GiB pages yes), unrestricted guest yes, "
                      "VPID yes"), where
    assert got[4] == ("[error] Keel cannot run guests on this CPU: this build of Keel runs guests with AMD SVM only; "
                      "Intel VT-x support is not built yet."), where
    assert got[5:] == ["Keel exit status 2"], where
    assert run.returncode == 2, where
