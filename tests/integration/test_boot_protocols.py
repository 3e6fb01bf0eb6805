"""Each boot protocol, checked from inside the guest (guests/test/bootcheck.c): entry state,
command line, module contents by checksum, memory map, boot loader name and the UART. The
guest reports through its debug-exit port: exit status 0 means every check passed."""

import os
import re
import zlib

import pytest

from keel import EMULATOR_PORTS, boot

BLOB = os.urandom(10000)  # not a multiple of a page: the next module must still be aligned
TEXT = b"a text module\n"
CRCS = f"crc0={zlib.crc32(BLOB):08x} crc1={zlib.crc32(TEXT):08x}"

# name, image, how Keel describes it, where it loads, memory (MiB), MMIO hole (MiB), checks
# the guest makes (README.md). With a hole of 4032 MiB, RAM below it ends at 64 MiB and the
# rest of hi's 96 MiB lies above 4 GiB. low is linked at 0x8000, in the PC's low memory, over
# Keel's boot area, which moves after its modules.
DOMAINS = [
    ("mb1", "bootcheck-mb1.elf", "multiboot1 kernel (ELF32)", 0x100000, 12, 512, 48),
    ("mb1k", "bootcheck-mb1k.bin", "multiboot1 kernel (a.out kludge)", 0x100000, 16, 512, 48),
    ("mb2", "bootcheck-mb2.elf", "multiboot2 kernel (ELF64)", 0x100000, 24, 512, 49),
    ("elf64", "bootcheck-elf64.elf", "elf64 kernel (ELF64)", 0x100000, 32, 512, 35),
    ("hi", "bootcheck-mb2.elf", "multiboot2 kernel (ELF64)", 0x100000, 96, 4032, 52),
    ("low", "bootcheck-mb1low.elf", "multiboot1 kernel (ELF32)", 0x8000, 12, 512, 48),
    ("pvh", "bootcheck-pvh.elf", "pvh kernel (ELF64)", 0x100000, 20, 512, 45),
]
MIB = 1 << 20


def config():
    text = EMULATOR_PORTS
    for name, image, _, _, memory, hole, _ in DOMAINS:
        text += (f'\n[domain]\nname = "{name}"\nkernel = "{image}"\ncmdline = "modules=2 {CRCS} hole={hole}"\n'
                 f'memory = {memory}\nmmio_hole = {hole}\n')
        if name == "elf64":  # the ramdisk is the first module
            text += 'ramdisk = "blob.bin"\nmodule = [ "text.txt" ]\n'
        else:
            text += 'module = [ "blob.bin binary data",\n           "text.txt" ]\n'
    return text


@pytest.fixture(scope="module")
def run(bed, tmp_path_factory):
    return boot(tmp_path_factory.mktemp(f"protocols-{bed.name}"), config(), bed=bed,
                files={"blob.bin": BLOB, "text.txt": TEXT})


def page_up(address):
    return (address + 0xfff) & ~0xfff


@pytest.mark.parametrize("name,image,kind,load,memory,hole,checks", DOMAINS, ids=[d[0] for d in DOMAINS])
def test_protocol(run, name, image, kind, load, memory, hole, checks):
    lines = run.domain_lines(name)
    built = re.fullmatch(rf"\[info\] dom\d+ {name}: built: {re.escape(kind)} at {load:#x}-(0x[0-9a-f]+), 2 modules, "
                         rf"{memory} MiB, entry 0x[0-9a-f]+", lines[0] if lines else "")
    assert built, f"{name}: {lines[:1]} ({run})"
    # Modules are page-aligned, in order, after the kernel's last byte (its bss included), at
    # or above 1 MiB.
    blob_at = page_up(max(int(built.group(1), 16), MIB))
    text_at = page_up(blob_at + len(BLOB))
    protocol = kind.split()[0]
    mod_cmdline = "" if name == "elf64" else "binary data"
    want = [
        f"bootcheck: {protocol}: entry state ok",
        f'bootcheck: cmdline "modules=2 {CRCS} hole={hole}"',
        f'bootcheck: module 0: {len(BLOB)} bytes at {blob_at:#x}, crc32 0x{zlib.crc32(BLOB):08x}, cmdline "{mod_cmdline}"',
        f'bootcheck: module 1: {len(TEXT)} bytes at {text_at:#x}, crc32 0x{zlib.crc32(TEXT):08x}, cmdline ""',
        "bootcheck: memory 0x0-0x9ffff ram",
        "bootcheck: memory 0xa0000-0xfffff reserved",
    ]
    hole_start = (4096 - hole) * MIB
    low_end = min(memory * MIB, hole_start)
    want.append(f"bootcheck: memory 0x100000-{low_end - 1:#x} ram")
    if memory * MIB > low_end:  # the rest above 4 GiB, which the guest writes and Keel reads back
        want.append(f"bootcheck: memory 0x100000000-{2**32 + memory * MIB - low_end - 1:#x} ram")
        assert run.guest_lines(name, "hypercall") == ["bootcheck: RAM above 4 GiB holds this line"], f"{name} ({run})"
    if protocol.startswith("multiboot"):
        want.append('bootcheck: boot loader "Keel"')
    want.append({"multiboot1": "bootcheck: ACPI RSDP at 0xe0000",
                 "multiboot2": "bootcheck: ACPI RSDP at 0xe0000, a copy given",
                 "elf64": "bootcheck: ACPI RSDP at 0xe0000, its address given",
                 "pvh": "bootcheck: ACPI RSDP at 0xe0000, its address given"}[protocol])
    want += ["bootcheck: uart ok", "bootcheck: unused ports read 0xff", f"bootcheck: {checks} checks passed"]
    assert run.guest_lines(name) == want, f"{name} ({run})"
    assert run.end_lines(name) == [
        f"[info] {lines[0].split()[1]} {name}: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); "
        "destroyed"], f"{name} ({run})"


def test_all_passed(run):
    assert run.status == 0, str(run)
