#!/usr/bin/env bash
# run-bochs.sh [--timeout SECONDS] [--cpu MODEL] ISO
# Boots Keel from a GRUB 2 CD image (scripts/mkiso.sh) on an emulated Intel machine: Bochs
# with VT-x and EPT, one CPU, 256 MiB, no display. The serial console is this program's
# standard output; its own messages go to stderr.
# Exit status: N when the serial output's last "exit status N" line says so; 124 on timeout;
# 125 when no such line appeared (Bochs failed to start, or Keel died without one).
# Bochs' own exit code says nothing: it is 1 however the machine stopped.
#   --timeout SECONDS  stop Bochs after that long
#   --cpu MODEL        Bochs CPU model (default corei7_skylake_x; the *_bridge, haswell,
#                      broadwell, skylake_x, icelake_u and tigerlake models have VMX with EPT)
set -eu

say() { echo "run-bochs: $*" >&2; }
die() { say "$*"; exit 125; }

BOCHS=bochs
BIOS=/usr/share/bochs/BIOS-bochs-latest
VGABIOS=/usr/share/vgabios/vgabios.bin

timeout_s='' cpu=corei7_skylake_x
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) [ $# -ge 2 ] || die "--timeout needs a number of seconds"; timeout_s=$2; shift 2 ;;
	--timeout=*) timeout_s=${1#--timeout=}; shift ;;
	--cpu) [ $# -ge 2 ] || die "--cpu needs a Bochs CPU model"; cpu=$2; shift 2 ;;
	--cpu=*) cpu=${1#--cpu=}; shift ;;
	-h|--help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || die "usage: $0 [--timeout SECONDS] [--cpu MODEL] ISO"
iso=$1
case $timeout_s in
''|*[!0-9]*) [ -z "$timeout_s" ] || die "--timeout wants whole seconds, not '$timeout_s'" ;;
esac
case $cpu in
''|*[!a-z0-9_]*) die "--cpu wants a Bochs CPU model name such as corei7_skylake_x, not '$cpu'" ;;
esac

[ -f "$iso" ] || die "$iso: no such file (scripts/mkiso.sh builds one)"
command -v "$BOCHS" >/dev/null 2>&1 || die "$BOCHS not found (package bochs; see scripts/install-deps.sh)"
[ -f "$BIOS" ] || die "$BIOS not found (package bochsbios)"
[ -f "$VGABIOS" ] || die "$VGABIOS not found (package vgabios)"

# Everything of one run lives in its own directory, so runs can go in parallel. Bochs runs
# inside it and the bochsrc names files relative to it: no path needs quoting there.
dir=$(mktemp -d "${TMPDIR:-/tmp}/run-bochs.XXXXXX")
ln -s -- "$(realpath -- "$iso")" "$dir/keel.iso"
: >"$dir/serial.txt"
cat >"$dir/bochsrc" <<EOF
# Headless: the rfb display waits for no client and takes the next free port.
display_library: rfb, options="timeout=0"
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
speaker: enabled=0
romimage: file=$BIOS
vgaromimage: file=$VGABIOS
cpu: model=$cpu, count=1, ips=10000000, reset_on_triple_fault=0
memory: guest=256, host=256
# Virtual time follows the instruction count: runs are repeatable.
clock: sync=none, time0=1
ata0-master: type=cdrom, path=keel.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=serial.txt
log: -
panic: action=fatal
EOF
# Bochs' built-in debugger would stop at a prompt before the first instruction.
printf 'c\nquit\n' >"$dir/debugger.rc"
log=$dir/bochs.log

cmd=("$BOCHS" -q -f bochsrc -rc debugger.rc)
[ -z "$timeout_s" ] || cmd=(timeout -k 5 "$timeout_s" "${cmd[@]}")
(cd "$dir" && exec "${cmd[@]}" </dev/null >"$log" 2>&1) &
pid=$!
# Bochs runs in the background, out of reach of Ctrl-C: pass interruptions on.
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" || true; say "interrupted; files in $dir"; exit 130' INT TERM HUP

# The guest stops Bochs by writing "Shutdown" to port 0x8900; tail then prints what is left.
tail -n +1 -s 0.2 -f --pid="$pid" "$dir/serial.txt" || true
rc=0
wait "$pid" || rc=$?
trap - INT TERM HUP

if [ -n "$timeout_s" ] && [ "$rc" -eq 124 ]; then
	say "Bochs timed out after $timeout_s s; its log: $log"
	exit 124
fi
status=$(tr -d '\r' <"$dir/serial.txt" | sed -n -E 's/.*exit status ([0-9]+)$/\1/p' | tail -n 1)
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
