/* tests/unit/runner.c - the main() of every CUnit program in tests/unit.
 *
 * Usage: test_X [-t SUITE[.TEST]] [-l]
 *   -t  run only tests whose "SUITE.TEST" name matches the shell glob
 *   -l  list the tests
 * Exit status: 0 when every test ran and passed, 1 on any failure, 77 when the
 * environment lacks something the program needs (UNIT_NEED; automake: SKIP), 99 on
 * setup error (the automake test driver reports 99 as a hard error). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "unit.h"

static unit_register_fn enlisted[64];
static size_t nenlisted;

void unit_enlist(unit_register_fn fn)
{
	if (nenlisted < sizeof(enlisted) / sizeof(enlisted[0]))
		enlisted[nenlisted++] = fn;
	else
		abort();
}

static const char *filter;

static unit_need_fn needs[8];
static size_t nneeds;

char *unit_mkdtemp(char *buf, size_t cap, const char *prefix)
{
	const char *t = getenv("TMPDIR");
	snprintf(buf, cap, "%s/%s.XXXXXX", t && *t ? t : "/tmp", prefix);
	return mkdtemp(buf);
}

void unit_enlist_need(unit_need_fn fn)
{
	if (nneeds < sizeof(needs) / sizeof(needs[0]))
		needs[nneeds++] = fn;
	else
		abort();
}

const char *unit_need_env(const char *var, const char *example)
{
	static char why[256];
	const char *v = getenv(var);
	if (v && *v)
		return NULL;
	snprintf(why, sizeof(why), "%s is not set (run through make check, or set %s=%s)", var, var,
		 example);
	return why;
}

/* The program's name for messages: libtool runs it as .libs/lt-NAME. */
static const char *prog_name(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	const char *name = slash ? slash + 1 : argv0;
	return strncmp(name, "lt-", 3) == 0 ? name + 3 : name;
}

int unit_add_suite(const char *name, const struct unit_test *tests, size_t n)
{
	CU_pSuite s = CU_add_suite(name, NULL, NULL);
	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char full[256];
		snprintf(full, sizeof(full), "%s.%s", name, tests[i].name);
		if (filter && fnmatch(filter, full, 0) != 0 && fnmatch(filter, name, 0) != 0)
			continue;
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int opt, list = 0;

	while ((opt = getopt(argc, argv, "t:l")) != -1) {
		switch (opt) {
		case 't': filter = optarg; break;
		case 'l': list = 1; break;
		default:
			fprintf(stderr, "usage: %s [-t SUITE[.TEST]] [-l]\n", argv[0]);
			return 99;
		}
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	for (size_t i = 0; i < nenlisted; i++) {
		if (enlisted[i]() != 0) {
			fprintf(stderr, "%s: suite registration failed: %s\n", argv[0], CU_get_error_msg());
			CU_cleanup_registry();
			return 99;
		}
	}
	if (list) {
		for (CU_pSuite s = CU_get_registry()->pSuite; s; s = s->pNext)
			for (CU_pTest t = s->pTest; t; t = t->pNext)
				printf("%s.%s\n", s->pName, t->pName);
		CU_cleanup_registry();
		return 0;
	}
	for (size_t i = 0; i < nneeds; i++) {
		const char *why = needs[i]();
		if (why) {
			fprintf(stderr, "%s: SKIP: %s\n", prog_name(argv[0]), why);
			CU_cleanup_registry();
			return 77;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
	unsigned ran = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (ran == 0) {
		fprintf(stderr, "%s: no test ran\n", argv[0]);
		return 99;
	}
	return failed ? 1 : 0;
}
