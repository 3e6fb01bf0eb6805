#!/usr/bin/env bash
# guests/dom0/build.sh OUT LINUX KEELCTL: Linux as dom0 (docs/dom0.md), into OUT/:
#   keel.ko                 the /dev/keel driver (guests/dom0/driver/), built against Debian's
#                           linux-headers of the kernel in LINUX/ (guests/linux/build.sh),
#                           installed with apt-get when missing
#   dom0-initramfs.gz       the Linux guest's busybox tree with guests/dom0/init, keel.ko and
#                           KEELCTL (the toolstack, built by the top Makefile), packed byte
#                           for byte reproducibly
# dom0's kernel is the Linux guest's own (LINUX/vmlinux or vmlinuz).
set -euo pipefail

out=${1:?usage: build.sh OUT LINUX KEELCTL}
linux=${2:?usage: build.sh OUT LINUX KEELCTL}
mkdir -p "$out"
out=$(cd "$out" && pwd) # the kernel's build takes M= as an absolute path
keelctl=${3:?usage: build.sh OUT LINUX KEELCTL}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
say() { echo "  DOM0    $*"; }
die() { echo "guests/dom0/build.sh: $*" >&2; exit 1; }

# "linux-image-6.1.0-57-amd64 6.1.192-3": the kernel's release, 6.1.0-57-amd64.
release=$(sed -n 's/^linux-image-\([^ ]*\) .*/\1/p' "$linux/VERSION")
[ -n "$release" ] || die "$linux/VERSION names no linux-image package"
headers=/usr/src/linux-headers-$release
if [ ! -f "$headers/Makefile" ]; then
	say "apt-get install linux-headers-$release"
	apt-get install -y -qq "linux-headers-$release" >/dev/null ||
		die "apt-get install linux-headers-$release failed (it needs root and Debian's package lists)"
fi

say "keel.ko for $release"
rm -rf "$out/driver" "$out/initramfs"
mkdir -p "$out/driver"
cp "$here/driver/keel.c" "$here/driver/Kbuild" "$out/driver/"
make -s -C "$headers" M="$out/driver" KEEL_INCLUDE="$top/include/keel" modules >"$out/driver/build.log" 2>&1 ||
	{ cat "$out/driver/build.log" >&2; die "building keel.ko failed"; }
cp "$out/driver/keel.ko" "$out/keel.ko"

say "dom0-initramfs.gz"
root=$out/initramfs
cp -a "$linux/initramfs" "$root"
cp "$here/init" "$root/init"
cp "$out/keel.ko" "$root/lib/modules/keel.ko"
cp "$keelctl" "$root/bin/keelctl"
mkdir -p "$root/etc/keel"
chmod 755 "$root/init" "$root/bin/keelctl"
# As guests/linux/build.sh packs the Linux guest's: every time 0, files in sorted order,
# owner root, no name or time in the gzip header.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) |
	gzip -9 -n > "$out/dom0-initramfs.gz"
