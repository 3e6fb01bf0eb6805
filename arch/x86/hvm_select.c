#include <stddef.h>
#include "arch/x86/cpu_features.h"
#include "arch/x86/hvm.h"
#include "arch/x86/hvm_select.h"
#include "arch/x86/svm/svm.h"
#include "arch/x86/vmx/vmx.h"

const struct hvm_ops *hvm;

const char *hvm_select(void)
{
	const char *missing = cpu_missing_feature();
	if (missing)
		return missing;
	hvm = cpu.vendor == CPU_VENDOR_INTEL ? &vmx_ops : &svm_ops;
	return NULL;
}
