/* What Keel's log says when a guest finds nothing (vmm/guest_log.c, vmm/pc_names.c): the
 * names of addresses and MSRs, the exact lines, and the limit of GUEST_LOG_LINES per kind
 * and domain life, with the count of the rest at its end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/log.h"
#include "vmm/domain.h"
#include "vmm/guest_log.h"
#include "vmm/pc_names.h"

static char lines[32][256];
static unsigned nlines;

static void capture(const char *text, size_t len)
{
	if (nlines < 32)
		snprintf(lines[nlines], sizeof(lines[0]), "%.*s", (int)(len && text[len - 1] == '\n' ? len - 1 : len), text);
	nlines++;
}

static struct domain doms[2];

static int setup(void **state)
{
	(void)state;
	char why[128];
	nlines = 0;
	log_set_sink(capture);
	log_set_level(LOG_INFO);
	for (unsigned i = 0; i < 2; i++) {
		memset(&doms[i], 0, sizeof(doms[i]));
		doms[i].id = i + 1;
		snprintf(doms[i].config.name, sizeof(doms[i].config.name), "probe%u", i + 1);
		assert_int_equal(layout_build(&doms[i].layout, 64 << 20, LAYOUT_HOLE_DEFAULT_MIB, 1ull << 48, why,
					      sizeof(why)), 0);
		doms[i].vcpu.dom = &doms[i];
		doms[i].vcpu.regs.rip = 0x1001a7;
		guest_log_reset(&doms[i]);
	}
	return 0;
}

static const char *address(uint64_t gpa)
{
	static char name[PC_NAME_MAX];
	pc_name_address(&doms[0].layout, gpa, name, sizeof(name));
	return name;
}

static const char *msr(uint32_t index)
{
	static char name[PC_NAME_MAX];
	pc_name_msr(index, name, sizeof(name));
	return name;
}

static void address_names(void **state)
{
	(void)state;
	assert_string_equal(address(0xfee00020), "local APIC ID register");
	assert_string_equal(address(0xfee00023), "local APIC ID register");
	assert_string_equal(address(0xfee00170), "local APIC in-service register (ISR)");
	assert_string_equal(address(0xfee00300), "local APIC interrupt command register (ICR), low half");
	assert_string_equal(address(0xfee00390), "local APIC timer current count register");
	assert_string_equal(address(0xfee00040), "local APIC page, a reserved offset");
	assert_string_equal(address(0xfec00010), "I/O APIC register window (IOWIN)");
	assert_string_equal(address(0xfed00000), "HPET general capabilities and ID register");
	assert_string_equal(address(0xfed000f4), "HPET main counter value register");
	assert_string_equal(address(0xfed00148), "HPET timer 2 comparator value register");
	assert_string_equal(address(0xfed00050), "HPET, a reserved offset");
	assert_string_equal(address(0xfed42000), "TPM (TIS interface), locality 2");
	assert_string_equal(address(0xe00f8004), "PCI Express ECAM of many PCs: bus 0 device 31 function 0 offset 0x4");
	assert_string_equal(address(0xb8000), "the VGA window, legacy video memory");
	assert_string_equal(address(0xfffffff0), "the firmware's flash, the BIOS ROM with the reset vector");
	/* elsewhere: the domain's layout (64 MiB, the hole from 0xe0000000) */
	assert_string_equal(address(0xf0000000), "the MMIO hole, where this domain has no device");
	assert_string_equal(address(0x40000000), "beyond the domain's RAM");
	assert_string_equal(address(0x100000000ull), "beyond the domain's RAM");
}

static void msr_names(void **state)
{
	(void)state;
	assert_string_equal(msr(0x1a0), "IA32_MISC_ENABLE");
	assert_string_equal(msr(0x3a), "IA32_FEATURE_CONTROL");
	assert_string_equal(msr(0x48), "IA32_SPEC_CTRL");
	assert_string_equal(msr(0x49), "IA32_PRED_CMD");
	assert_string_equal(msr(0x400), "IA32_MC0_CTL");
	assert_string_equal(msr(0x409), "IA32_MC2_STATUS");
	assert_string_equal(msr(0x47f), "IA32_MC31_MISC");
	assert_string_equal(msr(0x203), "IA32_MTRR_PHYSMASK1");
	assert_string_equal(msr(0x188), "IA32_PERFEVTSEL2");
	assert_string_equal(msr(0x26f), "IA32_MTRR_FIX4K_F8000");
	assert_string_equal(msr(0x802), "x2APIC ID register");
	assert_string_equal(msr(0x83f), "x2APIC SELF IPI register (x2APIC only)");
	assert_string_equal(msr(0x804), "x2APIC range, a reserved index");
	assert_string_equal(msr(0xc0010003), "AMD PERF_CTL3");
	assert_string_equal(msr(0xc0011029), "AMD DE_CFG");
	assert_string_equal(msr(0x40000001), "a Hyper-V synthetic MSR");
	assert_string_equal(msr(0x12345678), "no well-known name");
}

static void msr_lines(void **state)
{
	(void)state;
	guest_log_msr(&doms[0].vcpu, 0x1a2, false, 0, false);
	guest_log_msr(&doms[0].vcpu, 0x277, true, 0x8, true);
	guest_log_msr(&doms[0].vcpu, 0x80b, false, 0, true);
	assert_int_equal(nlines, 3);
	assert_string_equal(lines[0], "[warn] dom1 probe1: read of MSR 0x1a2 (MSR_TEMPERATURE_TARGET) at rip 0x1001a7: "
				      "#GP, Keel does not offer it");
	assert_string_equal(lines[1], "[warn] dom1 probe1: write of MSR 0x277 (IA32_PAT) at rip 0x1001a7: #GP, it "
				      "refuses the value 0x8");
	assert_string_equal(lines[2], "[warn] dom1 probe1: read of MSR 0x80b (x2APIC EOI register) at rip 0x1001a7: "
				      "#GP, it cannot be read now");
}

static void unbacked_lines(void **state)
{
	(void)state;
	guest_log_unbacked(&doms[0].vcpu, 0xfed000f0, 8, false);
	guest_log_unbacked(&doms[0].vcpu, 0x40000000, 1, true);
	assert_int_equal(nlines, 2);
	assert_string_equal(lines[0], "[warn] dom1 probe1: 8-byte read of 0xfed000f0 (HPET main counter value register) "
				      "at rip 0x1001a7: nothing is there, read as all ones");
	assert_string_equal(lines[1], "[warn] dom1 probe1: 1-byte write to 0x40000000 (beyond the domain's RAM) at rip "
				      "0x1001a7: nothing is there, the write goes nowhere");
}

/* 1000 of each kind: GUEST_LOG_LINES lines each, then one count each at the end; the other
 * domain's lines are its own; a new life starts afresh. */
static void limited_per_kind_and_domain(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 1000; i++) {
		guest_log_msr(&doms[0].vcpu, 0x1a2, false, 0, false);
		guest_log_unbacked(&doms[0].vcpu, 0xfee00020, 4, false);
	}
	assert_int_equal(nlines, 2 * GUEST_LOG_LINES);
	guest_log_unbacked(&doms[1].vcpu, 0xfee00020, 4, false);
	assert_int_equal(nlines, 2 * GUEST_LOG_LINES + 1);
	assert_string_equal(lines[2 * GUEST_LOG_LINES], "[warn] dom2 probe2: 4-byte read of 0xfee00020 (local APIC ID "
							"register) at rip 0x1001a7: nothing is there, read as all ones");
	guest_log_summary(&doms[1]); /* nothing left out */
	assert_int_equal(nlines, 2 * GUEST_LOG_LINES + 1);
	guest_log_summary(&doms[0]);
	assert_int_equal(nlines, 2 * GUEST_LOG_LINES + 3);
	assert_string_equal(lines[2 * GUEST_LOG_LINES + 1], "[warn] dom1 probe1: 992 more MSR accesses answered with "
							    "#GP, not shown (1000 in all)");
	assert_string_equal(lines[2 * GUEST_LOG_LINES + 2], "[warn] dom1 probe1: 992 more accesses where nothing is, "
							    "not shown (1000 in all)");
	guest_log_reset(&doms[0]);
	guest_log_msr(&doms[0].vcpu, 0x1a2, false, 0, false);
	assert_int_equal(nlines, 2 * GUEST_LOG_LINES + 4);
	/* exactly GUEST_LOG_LINES: no count */
	guest_log_reset(&doms[0]);
	for (unsigned i = 0; i < GUEST_LOG_LINES; i++)
		guest_log_msr(&doms[0].vcpu, 0x1a2, false, 0, false);
	guest_log_summary(&doms[0]);
	assert_int_equal(nlines, 3 * GUEST_LOG_LINES + 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(address_names, setup),
		cmocka_unit_test_setup(msr_names, setup),
		cmocka_unit_test_setup(msr_lines, setup),
		cmocka_unit_test_setup(unbacked_lines, setup),
		cmocka_unit_test_setup(limited_per_kind_and_domain, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
