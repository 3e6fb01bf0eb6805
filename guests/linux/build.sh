#!/usr/bin/env bash
# guests/linux/build.sh OUT: the Linux guest, from Debian's own packages, into OUT/:
#   vmlinux         Debian's kernel, uncompressed from its bzImage, for the PVH entry
#   vmlinuz         the bzImage itself, as Debian ships it
#   initramfs.gz    busybox, guests/linux/init and inittab, the kernel's pvpanic modules
#                   and its ACPI power button and evdev modules (with busybox acpid, a
#                   press of the button powers the guest off), packed byte for byte
#                   reproducibly
#   VERSION         the packages used, one "name version" line each
# The packages are downloaded and unpacked, not installed: linux-image-amd64's current
# kernel (whatever version the machine's apt lists name today) and busybox-static. Nothing
# in the tests depends on one exact version. The top Makefile runs it when OUT/VERSION is
# missing or older than this directory's files.
set -euo pipefail

out=${1:?usage: build.sh OUT}
here=$(cd "$(dirname "$0")" && pwd)
say() { echo "  LINUX   $*"; }
die() { echo "guests/linux/build.sh: $*" >&2; exit 1; }

for tool in apt-get apt-cache dpkg-deb cpio gzip python3; do
	command -v "$tool" >/dev/null || die "$tool not found (make deps installs what is missing)"
done

# The versioned kernel package linux-image-amd64 depends on today (security updates move it).
kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1
}
pkg=$(kernel_pkg)
if [ -z "$pkg" ]; then
	say "apt-get update (no package lists name linux-image-amd64)"
	apt-get update -qq || die "apt-get update failed"
	pkg=$(kernel_pkg)
fi
[ -n "$pkg" ] || die "apt-cache names no kernel package for linux-image-amd64"

mkdir -p "$out/debs"
rm -rf "$out/root" "$out/initramfs" "$out/VERSION" # VERSION last: a build cut short runs again
say "download $pkg busybox-static"
# apt's own user cannot write to a directory of ours: the download runs as the caller.
(cd "$out/debs" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" busybox-static) ||
	die "apt-get download $pkg busybox-static failed"
for deb in "$out"/debs/"$pkg"_*.deb "$out"/debs/busybox-static_*.deb; do
	[ -f "$deb" ] || die "no $deb after the download"
	dpkg-deb -x "$deb" "$out/root"
done

vmlinuz=$(ls "$out"/root/boot/vmlinuz-* | head -1)
[ -f "$vmlinuz" ] || die "$pkg holds no boot/vmlinuz-*"
cp "$vmlinuz" "$out/vmlinuz"
say "vmlinux from $(basename "$vmlinuz")"
python3 "$here/extract-vmlinux.py" "$vmlinuz" "$out/vmlinux"

say "initramfs.gz"
root=$out/initramfs
mkdir -p "$root/bin" "$root/dev" "$root/etc" "$root/lib/modules" "$root/proc" "$root/sys" "$root/tmp"
cp "$out/root/bin/busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$here/init" "$root/init"
cp "$here/inittab" "$root/etc/inittab"
# busybox acpid runs /etc/acpi/<action>/<parameter> for an event: the power button's is
# PWRF/00000080 (its table of evdev keys).
mkdir -p "$root/etc/acpi/PWRF"
printf '#!/bin/sh\n# The ACPI power button was pressed (dom0: keelctl shutdown): power off cleanly.\npoweroff\n' \
	> "$root/etc/acpi/PWRF/00000080"
chmod 755 "$root/init" "$root/bin/busybox" "$root/etc/acpi/PWRF/00000080"
# The pvpanic driver (ACPI QEMU0001; a module in Debian's kernel) and the library it uses;
# the ACPI button driver, and evdev, through which busybox acpid sees the power button.
for module in pvpanic pvpanic-mmio button evdev; do
	ko=$(find "$out"/root/lib/modules/*/kernel/drivers/misc/pvpanic "$out"/root/lib/modules/*/kernel/drivers/acpi \
		"$out"/root/lib/modules/*/kernel/drivers/input -maxdepth 1 -name "$module.ko*" | head -1)
	[ -n "$ko" ] || die "$pkg holds no $module.ko"
	case $ko in
	*.ko) cp "$ko" "$root/lib/modules/$module.ko" ;;
	*.ko.xz) xz -dc "$ko" > "$root/lib/modules/$module.ko" ;;
	*) die "$ko: a compression busybox insmod cannot read" ;;
	esac
done
# Byte for byte the same from the same packages: every time 0, files in sorted order,
# owner root, no name or time in the gzip header.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) |
	gzip -9 -n > "$out/initramfs.gz"

{
	echo "$pkg $(dpkg-deb -f "$out"/debs/"$pkg"_*.deb Version)"
	echo "busybox-static $(dpkg-deb -f "$out"/debs/busybox-static_*.deb Version)"
} > "$out/VERSION"
rm -rf "$out/root"
say "$(tr '\n' ' ' < "$out/VERSION")"
