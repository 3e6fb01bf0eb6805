#include <stddef.h>
#include "arch/x86/cpu_features.h"
#include "arch/x86/hvm.h"
#include "arch/x86/hvm_select.h"
#include "arch/x86/svm/svm.h"

const struct hvm_ops *hvm;

const char *hvm_select(void)
{
	const char *missing = cpu_missing_feature();
	if (missing)
		return missing;
	hvm = &svm_ops;
	return NULL;
}
