#include "arch/x86/cpu_activity.h"

struct cpu_activity cpu_activities[1];
