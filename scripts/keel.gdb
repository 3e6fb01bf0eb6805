# Attach GDB to Keel in QEMU started by `make debug` (scripts/run-qemu.sh --debug).
# Run from the repository top:  gdb -x scripts/keel.gdb      See docs/debugging.md.
#
# The core runs identity-mapped at its link address, so the symbols of build/core.elf are
# right as they are. The machine is paused at its reset vector, long before the UEFI loader
# copies the core into memory: a software breakpoint (an INT3 written into memory now) would
# be overwritten by that copy, so use hardware breakpoints (hbreak, debug registers DR0-DR3),
# which match on the address alone.
set pagination off
set confirm off
set architecture i386:x86-64
file build/core.elf
target remote :1234
echo \n
echo Keel: machine paused at the reset vector. For example:\n
echo \  hbreak handle_exit     stop at every VM exit (hardware breakpoint: see scripts/keel.gdb)\n
echo \  continue                run; then bt, p *exit, info registers\n
echo \  monitor info registers  QEMU's own view of the CPU\n
echo \n
