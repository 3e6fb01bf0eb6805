"""Bad input (docs/config.md, docs/boot-protocols.md): configuration mistakes, missing files,
too little memory, too many domains and a malformed image of each format each get their
exact message, and the good domains in the same configuration still run."""

import re
import struct

import pytest

from keel import BUILD, boot, header_line
from test_default import closing_lines

GUESTS = BUILD / "guests"


def image(name):
    return bytearray((GUESTS / name).read_bytes())


def put16(data, offset, value):
    data[offset:offset + 2] = struct.pack("<H", value & 0xffff)
    return data


def put32(data, offset, value):
    data[offset:offset + 4] = struct.pack("<I", value & 0xffffffff)
    return data


def put64(data, offset, value):
    data[offset:offset + 8] = struct.pack("<Q", value & 0xffffffffffffffff)
    return data


PHDR = 64  # the first ELF64 program header; each is 56 bytes


def phdr(i, field):
    """Offset of an Elf64_Phdr field: p_offset 8, p_paddr 24, p_filesz 32, p_memsz 40."""
    return PHDR + 56 * i + field


def multiboot1_header(data):
    return data.index(struct.pack("<I", 0x1badb002))


def multiboot2_header(data):
    return data.index(struct.pack("<I", 0xe85250d6))


def segments(data):
    """(p_paddr, p_memsz) of each program header of an ELF64 image."""
    count = struct.unpack_from("<H", data, 56)[0]
    return [struct.unpack_from("<QQ", data, phdr(i, 24))[0:1] + struct.unpack_from("<Q", data, phdr(i, 40))
            for i in range(count)]


def elf32_filesz(data):
    """p_filesz of the first program header of an ELF32 image."""
    return struct.unpack_from("<I", data, 52 + 16)[0]


def elf32_memsz(data):
    """p_memsz of the first program header of an ELF32 image."""
    return struct.unpack_from("<I", data, 52 + 20)[0]


def elf64_filesz(data):
    return struct.unpack_from("<Q", data, phdr(0, 32))[0]


def crafted():
    """name -> (bytes, type, what Keel says after "domain 'NAME' not started: ")."""
    elf = image("hello-elf64.elf")
    size = len(elf)
    mb1 = image("bootcheck-mb1.elf")
    h1 = multiboot1_header(mb1)
    mb1_video = put32(put32(bytearray(mb1), h1 + 4, 0x3 | 0x4), h1 + 8, -(0x1badb002 + 0x7))
    kludge = image("bootcheck-mb1k.bin")
    fields = struct.unpack_from("<5I", kludge, 12)  # header_addr, load_addr, load_end, bss_end, entry
    load_size = fields[2] - fields[1]
    low = bytearray(kludge)  # the same flat image, its address fields moved down below 1 MiB
    for i, value in enumerate(fields):
        put32(low, 12 + 4 * i, value - 0x80000)
    mb2 = image("bootcheck-mb2.elf")
    h2 = multiboot2_header(mb2)
    mb2_long = put32(put32(bytearray(mb2), h2 + 8, 0x100000), h2 + 12, -(0xe85250d6 + 0x100000))
    mb2_tag = bytearray(mb2)
    mb2_tag[h2 + 16:h2 + 18] = struct.pack("<H", 11)  # the first tag becomes a required unknown one
    bz = bytearray((BUILD / "linux" / "vmlinuz").read_bytes()[:0x6000])  # Debian's bzImage: its setup and 4 KiB
    init_size = struct.unpack_from("<I", bz, 0x260)[0]
    bz_old = put16(bytearray(bz), 0x206, 0x020b)
    bz_32 = put16(bytearray(bz), 0x236, struct.unpack_from("<H", bz, 0x236)[0] & ~1)
    pvh = image("bootcheck-pvh.elf")
    note = struct.unpack_from("<Q", pvh, phdr(3, 8))[0]  # its PT_NOTE: namesz, descsz, type, "Xen\0", the entry
    return {
        "trunc.elf": (elf[:40], "auto", "kernel 'trunc.elf': file of 40 bytes is too small for an ELF header"),
        "magic.elf": (b"\x7fELX" + elf[4:], "elf64", "kernel 'magic.elf': not an ELF file (bad magic)"),
        "overlap.elf": (put64(bytearray(elf), phdr(1, 24), 0x102000), "auto",
                        "kernel 'overlap.elf': segments 0 and 1 overlap in guest memory"),
        "wrap.elf": (put64(bytearray(elf), phdr(2, 40), -0x1000), "auto",
                     f"kernel 'wrap.elf': segment 2 p_paddr {segments(elf)[2][0]:#x} + p_memsz 0xfffffffffffff000 "
                     "wraps around"),
        "huge.elf": (put64(put64(bytearray(elf), phdr(0, 32), 1 << 30), phdr(0, 40), 1 << 30), "auto",
                     f"kernel 'huge.elf': segment 0 p_offset 0x1000 + p_filesz 0x40000000 is beyond the file size "
                     f"{size:#x}"),
        "phnum.elf": (bytearray(elf[:56]) + struct.pack("<H", 0xffff) + elf[58:], "auto",
                      f"kernel 'phnum.elf': program headers (e_phoff 0x40, e_phnum 65535) extend beyond the file "
                      f"size {size:#x}"),
        "mb1-sum.elf": (put32(bytearray(mb1), h1 + 8, 0x12345678), "auto",
                        f"kernel 'mb1-sum.elf': the Multiboot header at offset {h1:#x} has a bad checksum (magic + "
                        "flags + checksum must be 0)"),
        "mb1-trunc.elf": (mb1[:h1 + 0x100], "auto",
                          f"kernel 'mb1-trunc.elf': segment 0 p_offset 0x1000 + p_filesz {elf32_filesz(mb1):#x} is beyond "
                          f"the file size {h1 + 0x100:#x}"),
        "mb1-video.elf": (mb1_video, "auto", "kernel 'mb1-video.elf': its Multiboot header asks for a video mode "
                          "(flag 2); Keel's domains have no display"),
        "mb1k-short.bin": (kludge[:0x3000], "auto", f"kernel 'mb1k-short.bin': load_end_addr {fields[2]:#x} asks for "
                           f"{load_size:#x} bytes from offset 0x0, but the file has 0x3000"),
        "mb1k-low.bin": (low, "multiboot1", f"kernel 'mb1k-low.bin': it loads at 0x80000-{fields[3] - 0x80000 - 1:#x}, "
                         "over the VGA window (0xa0000-0xbffff)"),
        "mb1-bios.elf": (put32(bytearray(mb1), 52 + 12, 0xf0000), "auto",
                         f"kernel 'mb1-bios.elf': it loads at 0xf0000-{0xf0000 + elf32_memsz(mb1) - 1:#x}, over the "
                         "BIOS area (0xc0000-0xfffff)"),
        "elf64-stack.elf": (put64(bytearray(elf), phdr(0, 24), 0x8f000), "auto",
                            f"kernel 'elf64-stack.elf': it loads at 0x8f000-{0x8f000 + segments(elf)[0][1] - 1:#x}, "
                            "over the initial stack of an elf64 kernel (0x90000-0x9ffff)"),
        "mb2-sum.elf": (put32(bytearray(mb2), h2 + 12, 0), "auto",
                        f"kernel 'mb2-sum.elf': the Multiboot2 header at offset {h2:#x} has a bad checksum (magic + "
                        "architecture + header_length + checksum must be 0)"),
        "mb2-trunc.elf": (mb2[:h2 + 0x100], "auto",
                          f"kernel 'mb2-trunc.elf': segment 0 p_offset 0x1000 + p_filesz {elf64_filesz(mb2):#x} is beyond "
                          f"the file size {h2 + 0x100:#x}"),
        "mb2-long.elf": (mb2_long, "auto", "kernel 'mb2-long.elf': Multiboot2 header_length 1048576 runs past the end "
                         "of the file"),
        "mb2-tag.elf": (mb2_tag, "auto", "kernel 'mb2-tag.elf': its Multiboot2 header has required tag type 11, which "
                        "Keel does not know"),
        "empty.bin": (b"", "real16", "kernel 'empty.bin': a real16 image must be 1 to 623616 bytes (it loads at "
                      "0x7c00, below 0xa0000), this one is 0"),
        "big16.bin": (b"\xf4" * 700000, "real16", "kernel 'big16.bin': a real16 image must be 1 to 623616 bytes (it "
                      "loads at 0x7c00, below 0xa0000), this one is 700000"),
        "nonote.elf": (elf, "pvh", "kernel 'nonote.elf': no PVH entry (an ELF note \"Xen\" of type 18, "
                       "XEN_ELFNOTE_PHYS32_ENTRY)"),
        "pvh-desc.elf": (put32(bytearray(pvh), note + 4, 2), "auto",
                         "kernel 'pvh-desc.elf': its PVH entry note holds 2 bytes, not a 4- or 8-byte address"),
        "pvh-entry.elf": (put32(bytearray(pvh), note + 16, 0x5000000), "auto",
                          "kernel 'pvh-entry.elf': its PVH entry 0x5000000 is not inside one of its segments"),
        "oldlinux.bin": (bz_old, "auto", "kernel 'oldlinux.bin': boot protocol 2.11, older than 2.12"),
        "linux32.bin": (bz_32, "linux", "kernel 'linux32.bin': no 64-bit entry (xloadflags bit 0 clear)"),
        "biglinux.bin": (bz, "auto", f"kernel 'biglinux.bin': it needs {init_size:#x} bytes (init_size) from 0x200000, "
                         "beyond the domain's memory (0x800000)"),
        "garbage.bin": (b"\x90" * 4096, "auto", "kernel 'garbage.bin': no kernel header Keel knows (ELF, bzImage "
                        "\"HdrS\", Multiboot in the first 8 KiB, Multiboot2 in the first 32 KiB); a real-mode binary "
                        "needs type = \"real16\""),
    }


# Domains refused by the configuration check (line numbers follow from CONFIG's layout).
CONFIG_HEAD = """\
loglevel = "chatty"
{ports}
[domain]
name = "typo"
kernel = "hello-elf64.elf"
memroy = 4

[domain]
name = "twocpus"
kernel = "hello-elf64.elf"
vcpus = 2

[domain]
name = "zero"
kernel = "hello-elf64.elf"
memory = 0

[domain]
name = "good"
kernel = "hello-elf64.elf"
cmdline = "greeting=still running"

[domain]
name = "missing"
kernel = "nosuch.elf"

[domain]
name = "nomodule"
kernel = "hello-elf64.elf"
module = [ "nosuch.txt" ]

[domain]
name = "small"
kernel = "hello-elf64.elf"
memory = 1

[domain]
name = "nofit"
kernel = "hello-elf64.elf"
module = [ "big.bin" ]
memory = 2
"""

CONFIG_ERRORS = [
    '[error] keel.cfg:1: loglevel = "chatty": expected error, warn, info or debug',
    "[error] keel.cfg:8: unknown key 'memroy'",
    "[error] keel.cfg:5: domain 'typo' not started: it has errors",
    "[error] keel.cfg:13: vcpus = 2: must be 1: guests with more than one vCPU are not supported yet",
    "[error] keel.cfg:10: domain 'twocpus' not started: it has errors",
    "[error] keel.cfg:18: memory = 0: must be 1..1048576 MiB",
    "[error] keel.cfg:15: domain 'zero' not started: it has errors",
]
KEPT = 5  # domains of CONFIG_HEAD that pass the configuration check

def build_errors():
    """What Keel says of the domains of CONFIG_HEAD whose files or memory do not do."""
    seg = segments(image("hello-elf64.elf"))
    kernel_end = max(base + size for base, size in seg)
    module_at = (kernel_end + 0xfff) & ~0xfff
    return [
        "[error] keel.cfg:25: domain 'missing' not started: its kernel 'nosuch.elf' is not among the boot modules",
        "[error] keel.cfg:29: domain 'nomodule' not started: its module 'nosuch.txt' is not among the boot modules",
        f"[error] keel.cfg:34: domain 'small' not started: kernel 'hello-elf64.elf': segment 0 ends at "
        f"{seg[0][0] + seg[0][1]:#x}, beyond guest memory 0x100000",
        f"[error] keel.cfg:39: domain 'nofit' not started: module 'big.bin' (2097152 bytes) does not fit: it would end "
        f"at {module_at + (2 << 20):#x}, beyond the domain's memory 0x200000",
    ]


def config(bed, images):
    # The port that does not end this emulator's run is set to the machine's ACPI PM1a
    # control block, which Keel must refuse: writing it powers a PC off.
    ports = {bed.ending_port: "0xf4" if bed.ending_port == "exit_port" else "0x8900",
             "exit_port" if bed.ending_port == "shutdown_port" else "shutdown_port": hex(bed.acpi_pm1a_control)}
    text = CONFIG_HEAD.format(ports="".join(f"{key} = {value}\n" for key, value in sorted(ports.items())))
    for i, (name, (_, kind, _)) in enumerate(images.items()):
        text += f'\n[domain]\nname = "bad{i}"\nkernel = "{name}"\ntype = "{kind}"\nmemory = 8\n'
    # Fill up to the limit of 32 domains with quick ones, then one too many.
    for i in range(32 - KEPT - len(images)):
        text += f'\n[domain]\nname = "filler{i}"\nkernel = "lifecycle.elf"\ncmdline = "actions=halt"\nmemory = 2\n'
    text += '\n[domain]\nname = "onetoomany"\nkernel = "lifecycle.elf"\n'
    return text


@pytest.fixture(scope="module")
def run(bed, tmp_path_factory):
    images = crafted()
    files = {name: bytes(data) for name, (data, _, _) in images.items()}
    files["big.bin"] = bytes(2 << 20)
    text = config(bed, images)
    return boot(tmp_path_factory.mktemp(f"bad-{bed.name}"), text, bed=bed, files=files), text, images


def test_configuration_problems(run, bed):
    result, text, _ = run
    errors = [line for line in result.lines if line.startswith("[error] keel.cfg:") and " not started: " not in line
              or line.endswith("not started: it has errors")]
    last = text.count("\n") - 2  # the line of the 33rd [domain]: it ends the text with two more
    acpi = []
    if bed.acpi_pm1a_control:
        key = "exit_port" if bed.ending_port == "shutdown_port" else "shutdown_port"
        port = bed.acpi_pm1a_control
        acpi = [f"[error] keel.cfg:{3 if key == 'shutdown_port' else 2}: {key} = {port:#x}: refused: port {port:#x} is "
                f"the ACPI PM1a control block ({port:#x}-{port + 1:#x}), through which the machine powers off or resets"]
    assert errors == CONFIG_ERRORS + [f"[error] keel.cfg:{last}: more than 32 domains: this [domain] and its lines "
                                      "are ignored"] + acpi, str(result)


def test_missing_files_and_memory(run):
    result = run[0]
    errors = [line for line in result.lines if re.match(r"\[error\] keel.cfg:\d+: domain '", line) and "'bad" not in line
              and "it has errors" not in line]
    assert errors == build_errors(), str(result)


def test_malformed_images(run):
    result, text, images = run
    errors = [line for line in result.lines if re.match(r"\[error\] keel.cfg:\d+: domain 'bad", line)]
    assert errors == [f"[error] keel.cfg:{header_line(text, f'bad{i}')}: domain 'bad{i}' not started: {why}"
                      for i, (_, _, why) in enumerate(images.values())], str(result)


def test_the_good_domains_still_run(run, bed):
    result, _, images = run
    assert result.guest_lines("good")[0] == 'hello: elf64 kernel, cmdline "greeting=still running"', str(result)
    assert result.end_lines("good") == [
        "[info] dom1 good: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], str(result)
    fillers = 32 - KEPT - len(images)
    table = result.exit_table()
    assert list(table) == ["good"] + [f"filler{i}" for i in range(fillers)], str(result)
    not_built = KEPT - 1 + len(images)
    problems = len(CONFIG_ERRORS) + 1 + (1 if bed.acpi_pm1a_control else 0)  # and the 33rd domain
    assert closing_lines(result) == (f"Keel finished: {1 + fillers} ended cleanly, 0 crashed, {not_built} not built, "
                                     f"{problems} problems in keel.cfg", "Keel exit status 4"), str(result)
    assert result.status == 4, str(result)


FIXED_PORTS = """\
{key} = 0xcf9
{ending} = {value}

[domain]
name = "hello"
kernel = "hello-elf64.elf"
"""


def test_a_reset_port_is_never_an_exit_port(bed, tmp_path):
    """Today's keel.cfg with exit_port = 0xcf9 would reset the machine at the end of the run."""
    key = "exit_port" if bed.ending_port == "shutdown_port" else "shutdown_port"
    value = "0xf4" if bed.ending_port == "exit_port" else "0x8900"
    result = boot(tmp_path, FIXED_PORTS.format(key=key, ending=bed.ending_port, value=value), bed=bed)
    assert f"[error] keel.cfg:1: {key} = 0xcf9: refused: port 0xcf9 is the reset control register (writing it " \
           "resets the machine)" in result.lines, str(result)
    assert result.end_lines("hello") == [
        "[info] dom1 hello: ended: poweroff, exit status 0 (written to its debug-exit port 0xf4); destroyed"], str(result)
    assert result.status == 4, str(result)
