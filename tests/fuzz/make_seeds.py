#!/usr/bin/env python3
"""Writes the seed inputs of corpus/<target>/ (committed; run again after changing this
file). Each seed is a small valid input of its format, so that the fuzzer starts deep."""

import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOP = HERE.parent.parent


def write(target, name, data):
    d = HERE / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def elf64(entry=0x100000, code=b"\xf4\xeb\xfd"):
    """ET_EXEC x86-64, one PT_LOAD (RX) of the code at 0x100000."""
    ehdr_size, phdr_size = 64, 56
    offset = 0x1000
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, ehdr_size, 0, 0, ehdr_size, phdr_size, 1, 64, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, offset, 0x100000, 0x100000, len(code), len(code) + 0x1000, 0x1000)
    image = ehdr + phdr
    return image + bytes(offset - len(image)) + code


def pvh(entry=0x100000, code=b"\xf4\xeb\xfd"):
    """elf64() with a second program header, PT_NOTE, over the PVH entry note ("Xen", type 18)."""
    ehdr_size, phdr_size = 64, 56
    offset, note_at = 0x1000, 0x800
    note = struct.pack("<III", 4, 4, 18) + b"Xen\0" + struct.pack("<I", entry)
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, ehdr_size, 0, 0, ehdr_size, phdr_size, 2, 64, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 5, offset, 0x100000, 0x100000, len(code), len(code) + 0x1000, 0x1000)
    notes = struct.pack("<IIQQQQQQ", 4, 4, note_at, 0, 0, len(note), len(note), 4)
    image = ehdr + load + notes
    image += bytes(note_at - len(image)) + note
    return image + bytes(offset - len(image)) + code


def bzimage():
    """A Linux bzImage of protocol 2.15 with a 64-bit entry: one setup sector, 4 KiB of
    kernel, init_size 1 MiB at pref_address 4 MiB (Linux's Documentation/arch/x86/boot.rst)."""
    image = bytearray(0x400 + 0x1000)
    image[0x1f1] = 1                                   # setup_sects
    image[0x201] = 0x6a                                # the header ends at 0x26c
    struct.pack_into("<IH", image, 0x202, 0x53726448, 0x020f)  # "HdrS", version
    image[0x211] = 1                                   # loadflags: LOADED_HIGH
    struct.pack_into("<IIBBHI", image, 0x22c, 0x7fffffff, 0x200000, 1, 21, 0x7f, 0x7ff)
    struct.pack_into("<QI", image, 0x258, 0x400000, 0x100000)  # pref_address, init_size
    image[0x400:] = b"\xf4" * 0x1000
    return bytes(image)


def elf32(entry=0x100000, code=b"\xf4\xeb\xfd"):
    offset = 0x1000
    ehdr = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    ehdr += struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, 52, 0, 0, 52, 32, 1, 40, 0, 0)
    phdr = struct.pack("<IIIIIIII", 1, offset, 0x100000, 0x100000, len(code), len(code), 5, 0x1000)
    image = ehdr + phdr
    return image + bytes(offset - len(image)) + code


def multiboot1():
    """A Multiboot 1 a.out-kludge image loaded at 0x100000 (flags bit 16)."""
    magic, flags = 0x1BADB002, 0x00010000
    header = struct.pack("<III", magic, flags, (-(magic + flags)) & 0xffffffff)
    header += struct.pack("<IIIII", 0x100000, 0x100000, 0, 0, 0x100020)
    return header + bytes(0x20 - len(header)) + b"\xf4\xeb\xfd"


def multiboot2():
    """A Multiboot2 image with address and entry tags, loaded at 0x100000."""
    tags = struct.pack("<HHIIIII", 2, 0, 24, 0x100000, 0x100000, 0, 0)
    tags += struct.pack("<HHII", 3, 0, 12, 0x100040) + bytes(4)
    tags += struct.pack("<HHI", 0, 0, 8)
    magic, length = 0xE85250D6, 16 + len(tags)
    header = struct.pack("<IIII", magic, 0, length, (-(magic + length)) & 0xffffffff) + tags
    return header + bytes(0x40 - len(header)) + b"\xf4\xeb\xfd"


def mbi():
    """Multiboot2 boot information: a memory map, a module, an ACPI 2.0 RSDP, the end."""
    def tag(t, body):
        b = struct.pack("<II", t, 8 + len(body)) + body
        return b + bytes(-len(b) % 8)
    entries = [(0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0x100000, 0x7ef0000, 1), (0xfffc0000, 0x40000, 2)]
    mmap = struct.pack("<II", 24, 0) + b"".join(struct.pack("<QQII", b, l, t, 0) for b, l, t in entries)
    body = tag(6, mmap) + tag(3, struct.pack("<II", 0x200000, 0x201000) + b"keel.cfg\0")
    body += tag(15, b"RSD PTR " + bytes(28)) + tag(0, b"")
    return struct.pack("<II", 8 + len(body), 0) + body


def sdt(sig, body, revision=1):
    """A table: the 36-byte header (signature, length, revision, checksum, OEM fields), the body."""
    table = bytearray(sig + struct.pack("<IBB", 36 + len(body), revision, 0) + b"KEEL  " + b"FUZZTEST" +
                      struct.pack("<I", 1) + b"KEEL" + struct.pack("<I", 1) + body)
    table[9] = (-sum(table)) & 0xff
    return bytes(table)


def acpi_memory():
    """Physical memory from 0: at 0 the RSDP's address; an ACPI 2.0 RSDP, an XSDT, a q35-like
    FADT and MADT (IRQ 0 overridden to GSI 2)."""
    mem = bytearray(0x1000)
    rsdp, xsdt, fadt, madt = 0x40, 0x100, 0x200, 0x400
    f = bytearray(244 - 36)
    struct.pack_into("<I", f, 48 - 36, 0xb2)              # SMI_CMD
    struct.pack_into("<I", f, 64 - 36, 0x604)             # PM1a_CNT_BLK
    struct.pack_into("<I", f, 76 - 36, 0x608)             # PM_TMR_BLK
    f[89 - 36], f[91 - 36] = 2, 4                         # PM1_CNT_LEN, PM_TMR_LEN
    struct.pack_into("<I", f, 112 - 36, 1 << 8)           # TMR_VAL_EXT
    struct.pack_into("<BBBBQ", f, 116 - 36, 1, 8, 0, 0, 0xcf9)  # RESET_REG
    m = struct.pack("<II", 0xfee00000, 1)
    m += struct.pack("<BBBBI", 0, 8, 0, 0, 1)
    m += struct.pack("<BBBBII", 1, 12, 0, 0, 0xfec00000, 0)
    m += struct.pack("<BBBBIH", 2, 10, 0, 0, 2, 0)
    m += struct.pack("<BBBBIH", 2, 10, 0, 9, 9, 0xd)
    tables = {fadt: sdt(b"FACP", bytes(f), 3), madt: sdt(b"APIC", m), xsdt: sdt(b"XSDT", struct.pack("<QQ", madt, fadt))}
    r = bytearray(b"RSD PTR " + bytes(1) + b"KEEL  " + bytes([2]) + struct.pack("<IIQ", 0, 36, xsdt) + bytes(4))
    r[8] = (-sum(r[:20])) & 0xff
    r[32] = (-sum(r)) & 0xff
    tables[rsdp] = bytes(r)
    for pa, t in tables.items():
        mem[pa:pa + len(t)] = t
    struct.pack_into("<I", mem, 0, rsdp)
    return bytes(mem)


def main():
    for cfg in sorted((TOP / "guests" / "configs").glob("*.cfg")):
        write("config", cfg.name, cfg.read_bytes())
    write("config", "all-keys.cfg", b"""loglevel = "debug"
exit_port = 0xf4
shutdown_port = 0x8900
timeslice_ms = 30
watchdog = 5

[domain]
name = "all"
kernel = "k.elf"
type = "auto"
cmdline = 'a "quoted" word'
ramdisk = initrd.img
module = [ "motd.txt hello", 'data.bin',
           "third" ]  # a comment
memory = 8
vcpus = 1
weight = 512
cap = 25
on_poweroff = restart
on_reboot = "destroy"
on_crash = "preserve"
debug_exit = 0x501
console_ring = 64
""")
    write("elf", "elf64", elf64())
    write("elf", "elf32", elf32())
    write("elf", "pvh", pvh())
    for name, kind, image in (("auto-elf64", 0, elf64()), ("elf64", 1, elf64()), ("mb1", 2, multiboot1()),
                              ("mb2", 3, multiboot2()), ("auto-mb1", 0, multiboot1()), ("real16", 4, bytes(510) + b"\x55\xaa"),
                              ("pvh", 5, pvh()), ("auto-pvh", 0, pvh()), ("linux", 6, bzimage()),
                              ("auto-linux", 0, bzimage())):
        write("loader", name, bytes([kind]) + image)
    write("multiboot2", "grub", mbi())
    e820 = [(0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0xf0000, 0x10000, 2), (0x100000, 0x7ee0000, 1),
            (0x7fe0000, 0x20000, 3), (0xfffc0000, 0x40000, 2), (0x100000000, 0x40000000, 1), (0x50000, 0x100000, 2)]
    write("mem_ranges", "e820", b"".join(struct.pack("<QQI", b, l, t) for b, l, t in e820))
    write("acpi", "q35", acpi_memory())
    uart = [(0x03, 0x80), (0x00, 0x01), (0x01, 0x00), (0x03, 0x03), (0x02, 0xc7), (0x04, 0x0b), (0x01, 0x0f)]
    uart += [(0x00, c) for c in b"hello\n"] + [(0x45, 0), (0x80, 0x41), (0x40, 0), (0x42, 0), (0x04, 0x10), (0x00, 0x7a)]
    write("uart", "init-and-send", bytes(b for op in uart for b in op))
    claims = [(0x3f8, 8, 1), (0xe9, 1, 2), (0xf4, 1, 3), (0x3f8, 1, 4), (0xfff0, 0x10, 5)]
    write("port_map", "devices", b"".join(struct.pack("<HHB", f, c, o) for f, c, o in claims))
    # fuzz_hypercall: how (bits 1:0 RAM size, 2 64-bit mode, 4:3 CPL), the length - 1, the
    # world (bit 0 slot 0 is dom0, bits 2:1 the caller's slot), the four slots' states (0:
    # running), two rights for each of slots 1-3 (target slot in bits 2:0, rights from bit 3:
    # info, pause, destroy, sched), then RAX ... R15 and RIP. Each seed a call that succeeds
    # at CPL 0 in 4 MiB of RAM; "web" (slot 1) may pause "db" and see "app".
    def call(name, nr, args, how=0b101, rip=0x100000, caller=0):
        regs = [nr, 0, args[2] if len(args) > 2 else 0, 0, 0, 0, args[1] if len(args) > 1 else 0,
                args[0] if args else 0] + [0] * 8
        world = bytes([1 | caller << 1, 0, 0, 0, 0, 2 | 0b0100 << 3, 3 | 0b0001 << 3, 0, 0, 0, 0])
        write("hypercall", name, bytes([how, 2]) + world + struct.pack("<17Q", *regs, rip))
    call("console_write", 1, [0x200000, 16])
    call("yield", 2, [])
    call("block", 3, [5000000])
    call("shutdown", 4, [0, 0])
    call("domain_info", 5, [0x200000, 64])
    call("time", 6, [0x200000, 16])
    call("set_timer", 7, [1000])
    call("console_write-32bit", 1, [0x200000, 16], how=0b001)
    call("console_write-cpl3", 1, [0x200000, 16], how=0b11101)
    call("domain_list", 9, [0x200000, 216 * 4, 0])
    call("domain_pause", 10, [2])
    call("domain_unpause", 11, [2])
    call("domain_destroy", 12, [3])
    call("domain_sched", 13, [1, 512, 50])
    call("host_info", 14, [0x200000, 120])
    call("domain_list-web", 9, [0x200000, 216 * 4, 0], caller=1)
    call("domain_pause-web", 10, [2], caller=1)
    call("domain_destroy-web-denied", 12, [2], caller=1)
    call("domain_shutdown", 15, [2, 0])
    call("domain_reboot", 15, [2, 1])
    call("console_read", 16, [2, 0x200000, 4096, 0x1ff000])
    call("console_input", 17, [2, 0x200000, 16])
    call("keel_log", 18, [0x200000, 4096, 0x1ff000])
    # domain_create: the request at 0x200000 (the input's bytes after the registers repeat
    # as the caller's memory: the request, its configuration at 0x200800, the list of its
    # file's pieces at 0x200c00).
    conf = b"[domain]\nname = web\nkernel = web.elf\nmemory = 8\n"
    files = struct.pack("<QQQ64s", 0x200c00, 1, 4096, b"web.elf") + bytes(88 * 17)
    req = struct.pack("<QQII", 0x200800, len(conf), 1, 0) + files + bytes(256)
    pieces = struct.pack("<QQ", 0x201000, 4096)
    memory = (req + bytes(0x800 - len(req)) + conf).ljust(0xc00, b"\0") + pieces
    memory = memory.ljust(0x1000, b"\0")
    regs = [19, 0, 0, 0, 0, 0, 1864, 0x200000] + [0] * 8
    world = bytes([1, 0, 0, 0, 0, 2 | 0b0100 << 3, 3 | 0b0001 << 3, 0, 0, 0, 0])
    write("hypercall", "domain_create", bytes([0b101, 2]) + world + struct.pack("<17Q", *regs, 0x100000) + memory)
    # fuzz_x86_decode: the mode (0: 16-bit, 1: 32-bit, 2: 64-bit code), then the bytes of one
    # instruction: each form the decoder knows, with prefixes and addressing modes.
    insns = [
        (2, "89 07"), (2, "48 8b 05 10 00 00 00"), (1, "c7 05 00 00 e0 fe 78 56 34 12"), (0, "8b 46 02"),
        (0, "88 87 34 12"), (2, "a0 00 00 e0 fe 00 00 00 00"), (1, "a3 20 03 e0 fe"), (0, "a1 00 80"),
        (2, "43 89 44 a5 f8"), (2, "65 48 8b 04 25 28 00 00 00"), (1, "2e 3e 26 66 67 f2 f3 89 00"),
        (2, "48 66 89 07"), (1, "88 60 01"), (2, "40 88 60 01"), (2, "0f b6 07"), (2, "48 0f bf 46 02"),
        (0, "0f be 04"), (2, "01 07"), (2, "03 07"), (2, "80 0f 01"), (2, "48 83 37 80"), (2, "66 81 07 34 12"),
        (2, "85 07"), (2, "f6 07 80"), (2, "f7 07 01 00 00 00"), (2, "87 07"), (2, "f0 0f ab 07"),
        (2, "0f ba 27 05"), (2, "66 0f ba 37 0f"), (2, "f3 48 a5"), (2, "64 a4"), (0, "26 a5"), (1, "f3 aa"),
        (2, "f2 48 ab"), (2, "f0 01 07"), (2, "f0 89 07"), (2, "67 8b 0d 00 f0 ff ff"), (0, "66 67 8b 04 24"),
    ]
    for i, (mode, hexbytes) in enumerate(insns):
        write("x86_decode", f"{i:02d}-" + hexbytes.replace(" ", ""), bytes([mode]) + bytes.fromhex(hexbytes))


if __name__ == "__main__":
    main()
