#!/usr/bin/env bash
# mkesp.sh OUT.img BUILD_DIR CONFIG
# Builds the EFI system partition Keel boots from: a bare FAT file system (no partition
# table; UEFI firmware accepts one as a whole-disk volume) written with mtools, so neither
# mounting nor root is needed. Layout (docs/architecture.md, "The boot path"):
#   EFI/BOOT/BOOTX64.EFI   keel/core.elf   keel/keel.cfg   keel/guests/<each file CONFIG names>
# The files are the kernels, ramdisks and modules of CONFIG (scripts/boot-files.sh says
# where they are looked for), whatever their names.
set -eu

die() { echo "mkesp: $*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: $0 OUT.img BUILD_DIR CONFIG"
out=$1 build=$2 config=$3

# mkfs.fat lives in /usr/sbin, which is not on every user's PATH.
PATH=$PATH:/usr/sbin:/sbin
for tool in mkfs.fat mmd mcopy; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found (packages dosfstools, mtools; see scripts/install-deps.sh)"
done

loader=$build/BOOTX64.EFI core=$build/core.elf
for f in "$loader" "$core" "$config"; do
	[ -f "$f" ] || die "$f: no such file"
done
. "$(dirname -- "$0")/boot-files.sh"
resolve_boot_files "$build" "$config"

# The files in 4 KiB clusters, plus 1 MiB and 3% for the FAT and directories; 16 MiB at least.
need_kib=$(du -ck -- "$loader" "$core" "$config" ${boot_files[@]+"${boot_files[@]}"} | tail -n 1 | cut -f 1)
size_kib=$(( need_kib + need_kib / 32 + 1024 ))
[ "$size_kib" -ge 16384 ] || size_kib=16384

tmp=$out.tmp.$$
trap 'rm -f -- "$tmp"' EXIT
rm -f -- "$tmp"
mkfs.fat -C -n KEEL "$tmp" "$size_kib" >/dev/null || die "mkfs.fat failed on $tmp"

export MTOOLS_SKIP_CHECK=1
m() { "$@" || die "$1 failed: $*"; }
m mmd -i "$tmp" ::/EFI ::/EFI/BOOT ::/keel ::/keel/guests
m mcopy -i "$tmp" -- "$loader" ::/EFI/BOOT/BOOTX64.EFI
m mcopy -i "$tmp" -- "$core" ::/keel/core.elf
m mcopy -i "$tmp" -- "$config" ::/keel/keel.cfg
# One by one, in the order the configuration names them: the loader reads the directory
# in that order, which decides which files are left out past its limit.
for i in "${!boot_files[@]}"; do
	m mcopy -i "$tmp" -- "${boot_files[$i]}" "::/keel/guests/${boot_names[$i]}"
done

mv -f -- "$tmp" "$out"
trap - EXIT
echo "mkesp: $out: ${size_kib} KiB FAT, config $config, ${#boot_files[@]} boot modules"
