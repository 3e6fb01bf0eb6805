/* Compiler attributes shared by lib/. */
#ifndef KEEL_LIB_COMPILER_H
#define KEEL_LIB_COMPILER_H

/* gcc may turn copy, fill and scan loops into calls to memcpy/memset/strlen;
 * inside those very functions that would recurse forever. Applied to every function
 * here so that gcc may still inline them into each other. */
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

#endif
