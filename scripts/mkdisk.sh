#!/usr/bin/env bash
# mkdisk.sh OUT.img BUILD_DIR CONFIG
# Builds a hard-disk image for firmware that only looks at partitioned disks (OVMF in Bochs):
# an MBR partition table with one EFI system partition (type 0xEF, UEFI spec 2.10 section 5.2.1)
# at 1 MiB, holding the FAT file system scripts/mkesp.sh builds, with the same files.
# The image size is a whole number of 16-head, 63-sector cylinders (516096 bytes), so its
# geometry follows from its size alone: heads=16, spt=63, cylinders=size/516096. That is how
# scripts/run-bochs.sh --uefi learns it.
set -eu

die() { echo "mkdisk: $*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: $0 OUT.img BUILD_DIR CONFIG"
out=$1 build=$2 config=$3

HEADS=16 SPT=63
CYL_BYTES=$((HEADS * SPT * 512))
PART_LBA=2048

tmp=$out.tmp.$$ fat=$out.fat.$$
trap 'rm -f -- "$tmp" "$fat"' EXIT
"$(dirname -- "$0")/mkesp.sh" "$fat" "$build" "$config" >/dev/null

fat_bytes=$(stat -c %s -- "$fat")
[ $((fat_bytes % 512)) -eq 0 ] || die "$fat: $fat_bytes bytes is not a whole number of sectors"
part_sectors=$((fat_bytes / 512))
cylinders=$(( (PART_LBA * 512 + fat_bytes + CYL_BYTES - 1) / CYL_BYTES ))
# ATA IDENTIFY DEVICE reports at most 16383 cylinders of 16 heads and 63 sectors.
[ "$cylinders" -le 16383 ] || die "$fat: too large for a disk with CHS geometry"

# Byte n of the little-endian value v, as an escape for printf %b.
byte() { printf '\\0%03o' $(( ($1 >> ($2 * 8)) & 255 )); }
le32() { byte "$1" 0; byte "$1" 1; byte "$1" 2; byte "$1" 3; }
# The CHS address of an LBA in a partition entry: head, sector | cylinder bits 8-9, cylinder.
# Past the 1024 cylinders it can express, the last CHS address stands in.
chs() {
	local c=$(($1 / (HEADS * SPT))) h=$(($1 / SPT % HEADS)) s=$(($1 % SPT + 1))
	[ "$c" -le 1023 ] || c=1023 h=$((HEADS - 1)) s=$SPT
	byte "$h" 0; byte $((s | (c >> 8 & 3) << 6)) 0; byte "$c" 0
}

rm -f -- "$tmp"
truncate -s $((cylinders * CYL_BYTES)) -- "$tmp"
# Partition entry 1 at offset 446, then the boot signature 0x55 0xAA at 510.
# Not bootable; first sector; type 0xEF; last sector; first LBA; length.
entry="$(byte 0 0)$(chs $PART_LBA)$(byte 0xef 0)$(chs $((PART_LBA + part_sectors - 1)))"
entry+="$(le32 $PART_LBA)$(le32 $part_sectors)"
printf %b "$entry" | dd of="$tmp" bs=1 seek=446 conv=notrunc status=none
printf '\125\252' | dd of="$tmp" bs=1 seek=510 conv=notrunc status=none
dd if="$fat" of="$tmp" bs=512 seek=$PART_LBA conv=notrunc,sparse status=none

mv -f -- "$tmp" "$out"
rm -f -- "$fat"
trap - EXIT
echo "mkdisk: $out: $((cylinders * CYL_BYTES / 1024)) KiB disk (cylinders=$cylinders heads=$HEADS spt=$SPT)," \
	"EFI system partition at sector $PART_LBA, config $config"
