#!/usr/bin/env bash
# mkiso.sh OUT.iso BUILD_DIR CONFIG
# Builds a BIOS-bootable GRUB 2 CD image that loads Keel's core through Multiboot2:
#   keel/core.elf   keel/keel.cfg   keel/guests/<every *.elf, *.bin>   boot/grub/grub.cfg
# grub.cfg passes the configuration as the module named "keel.cfg" and every guest image
# as a module named after its file, in name order.
set -eu

die() { echo "mkiso: $*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: $0 OUT.iso BUILD_DIR CONFIG"
out=$1 build=$2 config=$3

GRUB_PLATFORM_DIR=/usr/lib/grub/i386-pc
for tool in grub-mkrescue xorriso; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found (packages grub-common, xorriso; see scripts/install-deps.sh)"
done
[ -d "$GRUB_PLATFORM_DIR" ] || die "$GRUB_PLATFORM_DIR not found (package grub-pc-bin; see scripts/install-deps.sh)"

core=$build/core.elf
for f in "$core" "$config"; do
	[ -f "$f" ] || die "$f: no such file"
done
[ -d "$(dirname -- "$out")" ] || die "$(dirname -- "$out"): no such directory"
[ -d "$build/guests" ] || die "$build/guests: no such directory (the test guests are built by make)"
shopt -s nullglob
guests=("$build"/guests/*.elf "$build"/guests/*.bin)
shopt -u nullglob
[ ${#guests[@]} -gt 0 ] || die "$build/guests: no guest images (*.elf, *.bin)"

names=()
for g in "${guests[@]}"; do
	name=${g##*/}
	# The name is both a path and a module command line in grub.cfg: keep it free of quoting.
	case $name in
	*[!A-Za-z0-9._+-]*) die "$g: guest image names may only use letters, digits and . _ + -" ;;
	esac
	names+=("$name")
done
mapfile -t names < <(printf '%s\n' "${names[@]}" | LC_ALL=C sort)

work=$(mktemp -d "${TMPDIR:-/tmp}/mkiso.XXXXXX")
stage=$work/iso log=$work/grub-mkrescue.log
tmp=$out.tmp.$$
trap 'rm -rf -- "$work" "$tmp"' EXIT
mkdir -p "$stage/boot/grub" "$stage/keel/guests"
cp -- "$core" "$stage/keel/core.elf"
cp -- "$config" "$stage/keel/keel.cfg"
cp -- "${guests[@]}" "$stage/keel/guests/"
{
	echo "set timeout=0"
	echo "multiboot2 /keel/core.elf"
	echo "module2 /keel/keel.cfg keel.cfg"
	for name in "${names[@]}"; do
		echo "module2 /keel/guests/$name $name"
	done
	echo "boot"
} >"$stage/boot/grub/grub.cfg"

rm -f -- "$tmp"
if ! grub-mkrescue -d "$GRUB_PLATFORM_DIR" --install-modules="multiboot2 normal configfile" \
	--locales= --fonts= --themes= -o "$tmp" "$stage" >"$log" 2>&1; then
	cat -- "$log" >&2
	die "grub-mkrescue failed"
fi

mv -f -- "$tmp" "$out"
trap - EXIT
rm -rf -- "$work"
echo "mkiso: $out: $(( ($(stat -c %s -- "$out") + 1023) / 1024 )) KiB GRUB 2 ISO, config $config, ${#guests[@]} guest images"
