"""NMIs while guests run (QEMU only: its monitor can inject one; Bochs has no such
command). Keel takes each NMI in its own handler, counts it and carries on: the guest it
interrupted runs on and every domain ends as configured."""

import json
import socket
import subprocess
import time

from keel import BUILD, EMULATOR_PORTS, TOP, clean, require_build


def qmp(path, *commands):
    """Connects to QEMU's QMP socket and runs the commands; returns their replies."""
    with socket.socket(socket.AF_UNIX) as s:
        for _ in range(100):
            try:
                s.connect(str(path))
                break
            except (FileNotFoundError, ConnectionRefusedError):
                time.sleep(0.1)
        f = s.makefile("rw")
        json.loads(f.readline())  # the greeting
        replies = []
        for command in ("qmp_capabilities", *commands):
            f.write(json.dumps({"execute": command}) + "\n")
            f.flush()
            while True:
                reply = json.loads(f.readline())
                if "return" in reply or "error" in reply:
                    break
            replies.append(reply)
        return replies[1:]


def test_nmis_are_taken_by_keel_and_the_guests_run_on(tmp_path):
    require_build()
    config = tmp_path / "keel.cfg"
    config.write_text(EMULATOR_PORTS + '\n[domain]\nname = "spinner"\nkernel = "spin.elf"\ncmdline = "ms=3000 cli"\n'
                      '\n[domain]\nname = "hello"\nkernel = "hello-elf64.elf"\n')
    esp = tmp_path / "esp.img"
    subprocess.run([str(TOP / "scripts/mkesp.sh"), str(esp), str(BUILD), str(config)], check=True, capture_output=True)
    sock = tmp_path / "qmp.sock"
    console_path = tmp_path / "console.log"
    with open(console_path, "w") as console, open(tmp_path / "launcher.log", "w") as launcher:
        qemu = subprocess.Popen([str(TOP / "scripts/run-qemu.sh"), "--timeout", "120", str(esp), "--", "-qmp",
                                 f"unix:{sock},server=on,wait=off"],
                                stdin=subprocess.DEVNULL, stdout=console, stderr=launcher, cwd=str(TOP))
        deadline = time.time() + 100
        while "[info] scheduler: running" not in console_path.read_text(errors="replace"):
            assert time.time() < deadline and qemu.poll() is None, console_path.read_text(errors="replace")
            time.sleep(0.2)
        replies = qmp(sock, "inject-nmi")
        time.sleep(0.5)  # a second NMI while the first still waits would merge with it, as on a CPU
        replies += qmp(sock, "inject-nmi")
        status = qemu.wait(timeout=150)
    lines = [line for line in clean(console_path.read_text(errors="replace")).split("\n") if line]
    where = "\n".join(lines)
    assert replies == [{"return": {}}, {"return": {}}], where
    taken = [line for line in lines if line.startswith("[info] host interrupts taken: ")]
    assert len(taken) == 1 and taken[0].split(", ")[1] == "NMI 2", where
    assert "Keel finished: 2 ended cleanly, 0 crashed" in lines and status == 0, where
