#!/usr/bin/env bash
# mkiso.sh OUT.iso BUILD_DIR CONFIG
# Builds a BIOS-bootable GRUB 2 CD image that loads Keel's core through Multiboot2:
#   keel/core.elf   keel/keel.cfg   keel/guests/<each file CONFIG names>   boot/grub/grub.cfg
# grub.cfg passes the configuration as the module named "keel.cfg" and every file the
# configuration names (scripts/boot-files.sh) as a module named after it, in the order the
# configuration names them.
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
. "$(dirname -- "$0")/boot-files.sh"
resolve_boot_files "$build" "$config"
for name in ${boot_names[@]+"${boot_names[@]}"}; do
	# grub.cfg quotes each name in single quotes, which cannot hold a single quote.
	case $name in
	*"'"*) die "$name: a boot module's name may not contain a single quote on a GRUB medium" ;;
	esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mkiso.XXXXXX")
stage=$work/iso log=$work/grub-mkrescue.log
tmp=$out.tmp.$$
trap 'rm -rf -- "$work" "$tmp"' EXIT
mkdir -p "$stage/boot/grub" "$stage/keel/guests"
cp -- "$core" "$stage/keel/core.elf"
cp -- "$config" "$stage/keel/keel.cfg"
for i in "${!boot_files[@]}"; do
	cp -- "${boot_files[$i]}" "$stage/keel/guests/${boot_names[$i]}"
done
{
	echo "set timeout=0"
	echo "multiboot2 /keel/core.elf"
	echo "module2 /keel/keel.cfg keel.cfg"
	for name in ${boot_names[@]+"${boot_names[@]}"}; do
		echo "module2 '/keel/guests/$name' '$name'"
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
echo "mkiso: $out: $(( ($(stat -c %s -- "$out") + 1023) / 1024 )) KiB GRUB 2 ISO, config $config, ${#boot_files[@]} boot modules"
