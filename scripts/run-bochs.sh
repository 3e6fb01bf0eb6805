#!/usr/bin/env bash
# run-bochs.sh [--timeout SECONDS] [--memory MIB] [--cpu MODEL] [--debugger FILE] ISO
# run-bochs.sh [--timeout SECONDS] [--memory MIB] [--cpu MODEL] [--debugger FILE] --uefi DISK.img
# Boots Keel on an emulated Intel machine: Bochs with VT-x and EPT, one CPU, 256 MiB (by default), no
# display. From a GRUB 2 CD image (scripts/mkiso.sh) under the Bochs BIOS, or with --uefi
# from a partitioned disk (scripts/mkdisk.sh) under OVMF on a PCI machine, which takes
# several times longer. The serial console is this program's standard output, and what is
# typed on its standard input goes to the serial line (scripts/serial-relay.py); its own
# messages go to stderr.
# Exit status: N when Keel's last line, "Keel exit status N", says so; 124 on timeout;
# 125 when no such line appeared (Bochs failed to start, or Keel died without one).
# Bochs' own exit code says nothing: it is 1 however the machine stopped.
#   --timeout SECONDS  stop Bochs after that long
#   --memory MIB       the machine's memory (default 256)
#   --cpu MODEL        Bochs CPU model (default corei7_skylake_x; the *_bridge, haswell,
#                      broadwell, skylake_x, icelake_u and tigerlake models have VMX with EPT)
#   --uefi DISK.img    boot the UEFI application from this disk image instead of an ISO
#   --debugger FILE    commands for Bochs' built-in debugger, run before the machine starts
#                      (e.g. a breakpoint, then c and a change of a register; docs/debugging.md)
set -eu

say() { echo "run-bochs: $*" >&2; }
die() { say "$*"; exit 125; }

BOCHS=bochs
scripts=$(dirname -- "$(realpath -- "$0")")
BIOS=/usr/share/bochs/BIOS-bochs-latest
VGABIOS=/usr/share/vgabios/vgabios.bin
# OVMF's 2 MiB image ends at 4 GiB, where the reset vector is.
OVMF=/usr/share/ovmf/OVMF.fd OVMF_ADDRESS=0xffe00000
# scripts/mkdisk.sh makes disks of whole 16-head, 63-sector cylinders.
HEADS=16 SPT=63

timeout_s='' cpu=corei7_skylake_x disk='' memory=256 debugger=''
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || die "--timeout needs a number of seconds"; timeout_s=$2; shift 2 ;;
	--timeout=*) timeout_s=${1#--timeout=}; shift ;;
	--cpu) [ $# -ge 2 ] || die "--cpu needs a Bochs CPU model"; cpu=$2; shift 2 ;;
	--memory) [ $# -ge 2 ] || die "--memory needs a size in MiB"; memory=$2; shift 2 ;;
	--cpu=*) cpu=${1#--cpu=}; shift ;;
	--uefi) [ $# -ge 2 ] || die "--uefi needs a disk image"; disk=$2; shift 2 ;;
	--uefi=*) disk=${1#--uefi=}; shift ;;
	--debugger) [ $# -ge 2 ] || die "--debugger needs a file of debugger commands"; debugger=$2; shift 2 ;;
	-h|--help) sed -n '2,19s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
if [ -n "$disk" ]; then
	[ $# -eq 0 ] || die "usage: $0 [--timeout SECONDS] [--cpu MODEL] --uefi DISK.img (no ISO with it)"
else
	[ $# -eq 1 ] || die "usage: $0 [--timeout SECONDS] [--cpu MODEL] ISO | --uefi DISK.img"
	iso=$1
fi
case $timeout_s in
''|*[!0-9]*) [ -z "$timeout_s" ] || die "--timeout wants whole seconds, not '$timeout_s'" ;;
esac
case $memory in
''|*[!0-9]*) die "--memory wants whole MiB, not '$memory'" ;;
esac
# Bochs holds at most 2048 MiB in host memory; a larger guest is paged out to a file.
host_memory=$(( memory < 2048 ? memory : 2048 ))
case $cpu in
''|*[!a-z0-9_]*) die "--cpu wants a Bochs CPU model name such as corei7_skylake_x, not '$cpu'" ;;
esac

command -v "$BOCHS" >/dev/null 2>&1 || die "$BOCHS not found (package bochs; see scripts/install-deps.sh)"
[ -f "$VGABIOS" ] || die "$VGABIOS not found (package vgabios)"
if [ -n "$disk" ]; then
	[ -f "$disk" ] || die "$disk: no such file (scripts/mkdisk.sh builds one)"
	[ -f "$OVMF" ] || die "$OVMF not found (package ovmf)"
	size=$(stat -L -c %s -- "$disk")
	cylinders=$((size / (HEADS * SPT * 512)))
	if [ "$cylinders" -eq 0 ] || [ $((cylinders * HEADS * SPT * 512)) -ne "$size" ]; then
		die "$disk: $size bytes is not a whole number of $HEADS-head, $SPT-sector cylinders (scripts/mkdisk.sh makes such disks)"
	fi
else
	[ -f "$iso" ] || die "$iso: no such file (scripts/mkiso.sh builds one)"
	[ -f "$BIOS" ] || die "$BIOS not found (package bochsbios)"
fi

# Everything of one run lives in its own directory, so runs can go in parallel. Bochs runs
# inside it and the bochsrc names files relative to it: no path needs quoting there.
dir=$(mktemp -d "${TMPDIR:-/tmp}/run-bochs.XXXXXX")
if [ -n "$disk" ]; then
	ln -s -- "$(realpath -- "$disk")" "$dir/keel.img"
	firmware="romimage: file=$OVMF, address=$OVMF_ADDRESS
pci: enabled=1, chipset=i440fx
ata0-master: type=disk, path=keel.img, mode=flat, cylinders=$cylinders, heads=$HEADS, spt=$SPT
boot: disk"
else
	ln -s -- "$(realpath -- "$iso")" "$dir/keel.iso"
	firmware="romimage: file=$BIOS
ata0-master: type=cdrom, path=keel.iso, status=inserted
boot: cdrom"
fi
: >"$dir/serial.txt"
# COM1 is a local socket Bochs serves (it waits for the relay to connect before it starts
# the machine): a port free now, which Bochs binds moments later.
serial_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$dir/bochsrc" <<EOF
# Headless: the rfb display waits for no client and takes the next free port.
display_library: rfb, options="timeout=0"
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
speaker: enabled=0
$firmware
vgaromimage: file=$VGABIOS
cpu: model=$cpu, count=1, ips=10000000, reset_on_triple_fault=0
memory: guest=$memory, host=$host_memory
# Virtual time follows the instruction count: runs are repeatable.
clock: sync=none, time0=1
com1: enabled=1, mode=socket-server, dev=127.0.0.1:$serial_port
log: -
panic: action=fatal
EOF
# Bochs' built-in debugger would stop at a prompt before the first instruction.
if [ -n "$debugger" ]; then
	[ -f "$debugger" ] || die "$debugger: no such file"
	cat -- "$debugger" >"$dir/debugger.rc"
fi
printf 'c\nquit\n' >>"$dir/debugger.rc"
log=$dir/bochs.log

cmd=("$BOCHS" -q -f bochsrc -rc debugger.rc)
[ -z "$timeout_s" ] || cmd=(timeout -k 5 "$timeout_s" "${cmd[@]}")
run_bochs() {
	: >"$dir/serial.txt"
	(cd "$dir" && exec "${cmd[@]}" </dev/null >"$log" 2>&1) &
	pid=$!
	# Bochs runs in the background, out of reach of Ctrl-C: pass interruptions on.
	trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" || true; say "interrupted; files in $dir"; exit 130' INT TERM HUP
	# The relay ends when Bochs does: Keel stops it by writing "Shutdown" to port 0x8900.
	python3 "$scripts/serial-relay.py" "$serial_port" "$pid" "$dir/serial.txt" || true
	rc=0
	wait "$pid" || rc=$?
	trap - INT TERM HUP
}
# Two Bochs starting at once can race for the same display port and one gives up before
# running anything; that one is started again.
for attempt in 1 2 3; do
	run_bochs
	grep -q 'RFB could not bind' "$log" || break
	say "Bochs found no free display port (attempt $attempt); starting it again"
	sleep "$attempt"
done

if [ -n "$timeout_s" ] && [ "$rc" -eq 124 ]; then
	say "Bochs timed out after $timeout_s s; its log: $log"
	exit 124
fi
# Only Keel's own last line counts: every line a guest prints starts with "domN name".
status=$(tr -d '\r' <"$dir/serial.txt" | sed -n -E 's/^Keel exit status ([0-9]+)$/\1/p' | tail -n 1)
if [ -z "$status" ]; then
	say "Keel printed no exit status; Bochs' log: $log"
	# Bochs reports why it stopped as a panic ("Shutdown port: shutdown requested" when the
	# guest asked it to, a bochsrc error, a triple fault...).
	sed -n 's/^.*>>PANIC<< /run-bochs: Bochs: /p' "$log" | head -n 3 >&2
	exit 125
fi
if [ "${#status}" -gt 3 ] || [ "$status" -gt 255 ]; then
	say "Keel printed exit status $status, which no process can return; Bochs' log: $log"
	exit 125
fi
rm -rf -- "$dir"
say "Keel exited with status $status"
exit "$status"
