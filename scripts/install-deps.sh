#!/usr/bin/env bash
# Installs the Debian packages Keel needs to build, run and test, and only those missing.
# Safe to run again: with everything present it prints one line and changes nothing.
set -eu

PACKAGES=(
	make gcc binutils libc6-dev nasm gnu-efi
	mtools dosfstools cpio
	qemu-system-x86 ovmf
	libcmocka-dev acpica-tools libzydis-dev
	clang libclang-rt-14-dev
	python3 python3-pytest python3-pexpect python3-pytest-xdist
	gdb
	bochs bochsbios vgabios
	grub-pc-bin grub-common xorriso
)

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: dpkg-query not found: this script expects Debian or a derivative;" >&2
	echo "install-deps: install these packages by hand: ${PACKAGES[*]}" >&2
	exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages are installed"
	exit 0
fi

echo "install-deps: missing: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	echo "install-deps: not root and no sudo; as root, run:" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

${as_root[@]+"${as_root[@]}"} apt-get update
${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${missing[@]}"
