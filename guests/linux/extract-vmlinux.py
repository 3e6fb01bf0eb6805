#!/usr/bin/env python3
"""extract-vmlinux.py BZIMAGE OUT: the ELF vmlinux inside a bzImage, for the PVH entry.

A bzImage (Documentation/arch/x86/boot.rst) is the real-mode setup code, its "HdrS" header,
and the protected-mode kernel, whose payload is the compressed vmlinux. Debian compresses
it with XZ: the payload is one XZ stream (magic FD 37 7A 58 5A 00). It decompresses the
first such stream after the header and checks that what comes out is an ELF64 file."""

import lzma
import sys

XZ_MAGIC = b"\xfd7zXZ\x00"
HEADER_MAGIC_AT = 0x202  # "HdrS"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: extract-vmlinux.py BZIMAGE OUT")
    data = open(sys.argv[1], "rb").read()
    if data[HEADER_MAGIC_AT:HEADER_MAGIC_AT + 4] != b"HdrS":
        sys.exit(f"{sys.argv[1]}: not a bzImage (no HdrS at 0x202)")
    start = data.find(XZ_MAGIC, HEADER_MAGIC_AT)
    if start < 0:
        sys.exit(f"{sys.argv[1]}: no XZ stream in it (another compression than Debian's?)")
    vmlinux = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
    if vmlinux[:5] != b"\x7fELF\x02":
        sys.exit(f"{sys.argv[1]}: its XZ stream is not an ELF64 vmlinux")
    with open(sys.argv[2], "wb") as f:
        f.write(vmlinux)


if __name__ == "__main__":
    main()
