/* tests/unit/unit.h - shared by every CUnit program in tests/unit.
 *
 * Each program is runner.c plus the test_*.c files of one module.  A test file
 * lists its suite with UNIT_SUITE(fn): fn runs once the CUnit registry exists and
 * adds one suite with its tests (usually through UNIT_ADD_SUITE). */
#ifndef UNIT_H
#define UNIT_H

#include <stddef.h>
#include <CUnit/CUnit.h>

typedef int (*unit_register_fn)(void);

void unit_enlist(unit_register_fn fn);

#define UNIT_SUITE(fn)                                                      \
	static void __attribute__((constructor)) unit_enlist_##fn(void)    \
	{                                                                   \
		unit_enlist(fn);                                            \
	}

struct unit_test {
	const char *name;
	void (*fn)(void);
};

/* A fresh directory $TMPDIR/PREFIX.XXXXXX (/tmp without TMPDIR) into buf; returns
 * buf, or NULL (errno set) when it cannot be made. */
char *unit_mkdtemp(char *buf, size_t cap, const char *prefix);

/* Add a suite and its tests; returns 0 or -1. */
int unit_add_suite(const char *name, const struct unit_test *tests, size_t n);
#define UNIT_ADD_SUITE(name, tests) unit_add_suite((name), (tests), sizeof(tests) / sizeof((tests)[0]))

/* Something the program needs from its environment (make check provides it), checked
 * before any test runs: fn returns NULL when it is there, else why not.  A program
 * run without it exits 77 (automake's SKIP) with that reason instead of failing. */
typedef const char *(*unit_need_fn)(void);

void unit_enlist_need(unit_need_fn fn);

#define UNIT_NEED(fn)                                                       \
	static void __attribute__((constructor)) unit_need_##fn(void)      \
	{                                                                   \
		unit_enlist_need(fn);                                       \
	}

/* The usual reason: "VAR is not set (run through make check, or set VAR=EXAMPLE)",
 * or NULL when VAR is set and not empty. */
const char *unit_need_env(const char *var, const char *example);

#endif
