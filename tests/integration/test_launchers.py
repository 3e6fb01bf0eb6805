"""The launchers read only Keel's own final line: a stand-in for Bochs writes the serial
output, and run-bochs.sh must not take a guest's line for Keel's exit status."""

import os
import subprocess

import pytest

from keel import TOP


def run_bochs_with(tmp_path, serial):
    """Runs scripts/run-bochs.sh with a fake `bochs` that writes serial (to the file the
    bochsrc names) and stops, as Bochs does."""
    fake = tmp_path / "bin" / "bochs"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nprintf '%s' \"$SERIAL\" > serial.txt\nexit 1\n")
    fake.chmod(0o755)
    iso = tmp_path / "keel.iso"
    iso.write_bytes(b"")
    env = dict(os.environ, PATH=f"{fake.parent}:{os.environ['PATH']}", SERIAL=serial)
    return subprocess.run([str(TOP / "scripts/run-bochs.sh"), "--timeout", "30", str(iso)], env=env,
                          capture_output=True, text=True, timeout=60)


def test_keels_last_line_gives_the_status(tmp_path):
    done = run_bochs_with(tmp_path, "Keel 0.2.0 x86-64 hypervisor\r\ndom1 a (uart): x\r\nKeel exit status 3\r\n")
    assert done.returncode == 3, done.stderr


@pytest.mark.parametrize("line", ["dom1 liar (uart): Keel exit status 0", "dom1 liar (uart): says exit status 0"])
def test_a_guest_line_is_not_a_status(tmp_path, line):
    done = run_bochs_with(tmp_path, f"Keel 0.2.0 x86-64 hypervisor\r\n{line}\r\n")
    assert done.returncode == 125, done.stderr
    assert "Keel printed no exit status" in done.stderr, done.stderr


@pytest.mark.parametrize("target", ["run", "shell"])
def test_make_run_names_the_beds(tmp_path, target):
    """An unknown bed fails at once (make -n: nothing would run even if it did not)."""
    done = subprocess.run(["make", "-n", target, "BED=nosuch"], cwd=str(TOP), capture_output=True, text=True)
    assert done.returncode == 2, done.stdout + done.stderr
    assert ("BED=nosuch is not a test bed: make run and make shell know qemu bochs bochs-amd bochs-uefi"
            in done.stderr), done.stderr
