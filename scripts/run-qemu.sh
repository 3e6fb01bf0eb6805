#!/usr/bin/env bash
# run-qemu.sh [--debug] [--timeout SECONDS] [--memory MIB] [--cpu MODEL] [--icount] [--no-pit] ESP.img [-- EXTRA QEMU ARGUMENTS]
# Boots Keel from ESP.img on an emulated AMD machine (q35, OVMF, SVM + nested paging), or
# with KVM on a host that allows nested virtualization (then the host's own CPU: AMD or Intel).
# The serial console is this program's standard output; its own messages go to stderr.
# Exit status: Keel's exit status when Keel wrote one to the isa-debug-exit device at 0xf4
# (QEMU then exits with (status << 1) | 1); 124 on timeout; 125 when this script or QEMU could
# not run the machine; otherwise QEMU's own exit code.
#   --debug            start paused with a GDB server on localhost:1234 (docs/debugging.md)
#   --timeout SECONDS  stop QEMU after that long
#   --memory MIB       the machine's memory (default 256)
#   --cpu MODEL        QEMU's -cpu (default $TCG_CPU below; e.g. qemu64,-svm to see Keel refuse)
#   --icount           virtual time follows the instruction count (TCG, -icount shift=7,sleep=off):
#                      every run of the same image prints the same, timings included
#   --no-pit           a machine without its 8254 PIT, as some chipsets are
set -eu

say() { echo "run-qemu: $*" >&2; }
die() { say "$*"; exit 125; }

QEMU=qemu-system-x86_64
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

debug=0 timeout_s= cpu_model= memory=256 icount=0 pit=on
while [ $# -gt 0 ]; do
	case $1 in
	--debug) debug=1; shift ;;
	--timeout) [ $# -ge 2 ] || die "--timeout needs a number of seconds"; timeout_s=$2; shift 2 ;;
	--timeout=*) timeout_s=${1#--timeout=}; shift ;;
	--cpu) [ $# -ge 2 ] || die "--cpu needs a QEMU CPU model"; cpu_model=$2; shift 2 ;;
	--memory) [ $# -ge 2 ] || die "--memory needs a size in MiB"; memory=$2; shift 2 ;;
	--icount) icount=1; shift ;;
	--no-pit) pit=off; shift ;;
	-h|--help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || die "usage: $0 [--debug] [--timeout SECONDS] [--memory MIB] [--cpu MODEL] [--icount] [--no-pit] ESP.img [-- QEMU ARGS]"
esp=$1; shift
if [ $# -gt 0 ]; then
	[ "$1" = -- ] || die "unexpected argument $1 (extra QEMU arguments go after --)"
	shift
fi
case $timeout_s in
''|*[!0-9]*) [ -z "$timeout_s" ] || die "--timeout wants whole seconds, not '$timeout_s'" ;;
esac
case $memory in
''|*[!0-9]*) die "--memory wants whole MiB, not '$memory'" ;;
esac

[ -f "$esp" ] || die "$esp: no such file (make builds build/esp.img)"
command -v "$QEMU" >/dev/null 2>&1 || die "$QEMU not found (package qemu-system-x86)"
for f in "$OVMF_CODE" "$OVMF_VARS"; do
	[ -f "$f" ] || die "$f not found (package ovmf)"
done

# The firmware's variable store is writable: give every run a fresh private copy.
vars=$esp.vars
cp -f -- "$OVMF_VARS" "$vars"

# Keel needs SVM with nested paging, or VT-x with EPT, in its virtual CPU. KVM can offer
# that only when the host's kvm_amd or kvm_intel module allows nested virtualization;
# otherwise TCG emulates an AMD CPU.
kvm_runs_a_guest() {
	# A 64 KiB firmware whose reset vector (last 16 bytes, at 0xfffffff0) does
	# "mov al, 0x2a; out 0xf4, al; hlt": QEMU exits with (0x2a << 1) | 1 = 85 only if
	# KVM_RUN really executed guest code.
	local dir rc=0
	dir=$(mktemp -d)
	{ head -c 65520 /dev/zero; printf '\xb0\x2a\xe6\xf4\xf4\xeb\xfd'; head -c 9 /dev/zero; } >"$dir/probe.rom"
	timeout 10 "$QEMU" -accel kvm -machine q35 -cpu host -m 16 -nodefaults -nic none \
		-display none -monitor none -serial none -no-reboot -bios "$dir/probe.rom" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 >/dev/null 2>&1 || rc=$?
	rm -rf -- "$dir"
	[ "$rc" -eq 85 ]
}

# TCG's AMD CPU: SVM with nested paging and 1 GiB pages, and XSAVE with AVX and RDTSCP so
# that the state Keel switches between guests is all there. Without xsaveopt, QEMU 7.2 fails the CR4 write
# that turns on OSXSAVE (it takes CPUID leaf 0xD subleaf 1 as the sign of XSAVE).
# Family 0x15 model 0x10 (AMD's Piledriver), a CPU that had all this: qemu64 says family 0xF
# (K8), which never had nested paging, and on which Linux looks for a K8 GART by reading
# the PCI configuration space of every bus (16,384 reads, each two port I/O exits).
TCG_CPU=qemu64,+svm,+npt,+xsave,+xsaveopt,+avx,+rdtscp,+pdpe1gb,family=21,model=16

choose_accel() {
	local module nested
	accel=tcg cpu=$TCG_CPU
	if grep -qw svm /proc/cpuinfo; then
		module=kvm_amd
	elif grep -qw vmx /proc/cpuinfo; then
		module=kvm_intel
	else
		why="the host CPU has neither SVM nor VT-x"
		return
	fi
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		why="/dev/kvm is missing or not usable by $(id -un)"
	elif ! nested=$(cat /sys/module/$module/parameters/nested 2>/dev/null); then
		why="the $module module is not loaded"
	elif [ "$nested" != 1 ] && [ "$nested" != Y ]; then
		why="$module has nested virtualization off (modprobe $module nested=1)"
	elif ! kvm_runs_a_guest; then
		why="KVM could not run a probe guest"
	else
		accel=kvm cpu=host
		why="the host allows nested virtualization ($module) and a probe guest ran"
	fi
}
if [ -n "$cpu_model" ]; then
	accel=tcg cpu=$cpu_model why="--cpu asked for this model"
elif [ "$icount" -eq 1 ]; then
	accel=tcg cpu=$TCG_CPU why="--icount needs TCG"
else
	choose_accel
fi
say "accelerator $accel, cpu $cpu: $why"

args=(
	-machine "q35,accel=$accel,pit=$pit" -cpu "$cpu" -smp 1 -m "$memory"
	-nodefaults -nic none -display none -monitor none -serial stdio
	-device "isa-debug-exit,iobase=0xf4,iosize=0x04"
	-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
	-drive "if=pflash,format=raw,unit=1,file=$vars"
	-drive "file=$esp,format=raw,if=ide"
)
[ "$icount" -eq 0 ] || args+=(-icount shift=7,sleep=off)
if [ "$debug" -eq 1 ]; then
	args+=(-s -S)
	say "paused with a GDB server on localhost:1234. In another terminal, from the repository top:"
	say "  gdb -x scripts/keel.gdb"
	say "then at the (gdb) prompt:  hbreak handle_exit  and  continue  (see docs/debugging.md)"
fi

cmd=("$QEMU" "${args[@]}" "$@")
# --foreground keeps QEMU in the terminal's process group: it reads the serial console from it.
[ -z "$timeout_s" ] || cmd=(timeout --foreground -k 10 "$timeout_s" "${cmd[@]}")

# QEMU's own errors also end in exit code 1, the code of Keel status 0: keep its messages
# to tell them apart. tee ignores Ctrl-C so that QEMU's last words still get through.
errlog=$esp.qemu-stderr
set +e
{ "${cmd[@]}" 2>&1 >&3 3>&- | (trap '' INT; exec tee "$errlog") >&2; } 3>&1
rc=${PIPESTATUS[0]}
set -e

meaning() {
	case $1 in
	0) echo "every domain ended cleanly" ;;
	1) echo "Keel panicked" ;;
	2) echo "the CPU lacks a required feature" ;;
	3) echo "the boot configuration is unusable" ;;
	4) echo "Keel finished, but not everything ran as configured" ;;
	*) echo "not a status Keel defines" ;;
	esac
}

if [ -n "$timeout_s" ] && [ "$rc" -eq 124 ]; then
	say "QEMU timed out after $timeout_s s"
elif [ "$rc" -eq 1 ] && grep -v -e ': warning: ' -e ': terminating on signal ' "$errlog" | grep -q "^$QEMU: "; then
	say "QEMU failed (exit code 1)"
	exit 125
elif [ $((rc & 1)) -eq 1 ] && [ "$rc" -lt 128 ]; then
	status=$((rc >> 1))
	say "Keel exited with status $status ($(meaning "$status"))"
	exit "$status"
else
	say "QEMU exited with code $rc without a Keel exit status"
fi
exit "$rc"
