/* Chooses the vendor's operations (AMD SVM or Intel VT-x) for this CPU. */
#ifndef KEEL_ARCH_X86_HVM_SELECT_H
#define KEEL_ARCH_X86_HVM_SELECT_H

/* Sets hvm; returns NULL, or what the CPU lacks in words a user can act on. */
const char *hvm_select(void);

#endif
