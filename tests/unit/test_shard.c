/* tests/unit/test_shard.c - shards (harness/shard.h): K/N, the CI environments, the
 * suite identity; reports read back (harness/report.h) and merged with their overlap
 * and gap checks (harness/merge.h). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "merge.h"
#include "report.h"
#include "shard.h"
#include "unit.h"

static char dir[PATH_MAX];

/* ---- the environment: a table instead of getenv ---- */
static const char *const *env_table;

static const char *fake_getenv(const char *name)
{
	for (const char *const *e = env_table; e && e[0]; e += 2)
		if (!strcmp(e[0], name))
			return e[1];
	return NULL;
}

static int from_env(const char *const *table, struct hrn_shard *s, char *err, size_t len)
{
	env_table = table;
	*s = (struct hrn_shard){ 0 };
	return hrn_shard_from_env(fake_getenv, s, err, len);
}

static void test_parse(void)
{
	struct hrn_shard s;
	char err[256];
	CU_ASSERT_EQUAL(hrn_shard_parse("2/3", &s, err, sizeof(err)), 0);
	CU_ASSERT(s.k == 2 && s.n == 3);
	CU_ASSERT_EQUAL(hrn_shard_parse("1/1", &s, err, sizeof(err)), 0);
	const char *bad[] = { "0/3", "4/3", "3", "/3", "2/", "2/3x", "-1/3", "2/-3", "a/b", "",
			      "1/100001", "99999999999999999999/2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(hrn_shard_parse(bad[i], &s, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "K/N"));
	}
}

static void test_env(void)
{
	struct hrn_shard s;
	char err[512];
	/* GitLab: 1-based */
	const char *gitlab[] = { "CI_NODE_INDEX", "3", "CI_NODE_TOTAL", "4", NULL };
	CU_ASSERT_EQUAL(from_env(gitlab, &s, err, sizeof(err)), 0);
	CU_ASSERT(s.k == 3 && s.n == 4);
	/* GitHub Actions' strategy.job-index / job-total: 0-based */
	const char *gh[] = { "GITHUB_ACTIONS", "true", "HARNESS_SHARD_INDEX", "0", "HARNESS_SHARD_TOTAL", "5", NULL };
	CU_ASSERT_EQUAL(from_env(gh, &s, err, sizeof(err)), 0);
	CU_ASSERT(s.k == 1 && s.n == 5);
	/* a Kubernetes Indexed Job: 0-based, the total from the manifest */
	const char *k8s[] = { "JOB_COMPLETION_INDEX", "4", "HARNESS_SHARD_TOTAL", "5", NULL };
	CU_ASSERT_EQUAL(from_env(k8s, &s, err, sizeof(err)), 0);
	CU_ASSERT(s.k == 5 && s.n == 5);
	/* HARNESS_SHARD wins over the rest */
	const char *both[] = { "CI_NODE_INDEX", "1", "CI_NODE_TOTAL", "2", "HARNESS_SHARD", "2/7", NULL };
	CU_ASSERT_EQUAL(from_env(both, &s, err, sizeof(err)), 0);
	CU_ASSERT(s.k == 2 && s.n == 7);
	/* errors name the variable */
	struct { const char *t[7]; const char *want; } bad[] = {
		{ { "JOB_COMPLETION_INDEX", "2", NULL }, "HARNESS_SHARD_TOTAL is not" },
		{ { "JOB_COMPLETION_INDEX", "5", "HARNESS_SHARD_TOTAL", "5", NULL }, "JOB_COMPLETION_INDEX='5'" },
		{ { "CI_NODE_INDEX", "0", "CI_NODE_TOTAL", "2", NULL }, "CI_NODE_INDEX='0' is not an index 1..2" },
		{ { "CI_NODE_INDEX", "1", "CI_NODE_TOTAL", "two", NULL }, "CI_NODE_TOTAL='two'" },
		{ { "HARNESS_SHARD", "3/2", NULL }, "HARNESS_SHARD: '3/2'" },
		{ { "HARNESS_SHARD_INDEX", "-1", "HARNESS_SHARD_TOTAL", "2", NULL }, "HARNESS_SHARD_INDEX='-1'" },
		{ { "PATH", "/bin", NULL }, "no shard in the environment" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(from_env(bad[i].t, &s, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].want))
			fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, err, bad[i].want);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].want));
	}
}

static void test_split(void)
{
	/* every index in exactly one shard, counts and indices agree, for many T and N */
	for (int n = 1; n <= 9; n++)
		for (int total = 0; total <= 30; total++) {
			int seen[30] = { 0 }, sum = 0;
			for (int k = 1; k <= n; k++) {
				struct hrn_shard s = { .k = k, .n = n };
				int c = hrn_shard_count(&s, total);
				sum += c;
				for (int j = 0; j < c; j++) {
					int i = hrn_shard_index(&s, j);
					CU_ASSERT(i >= 0 && i < total && hrn_shard_has(&s, i));
					if (i >= 0 && i < total)
						seen[i]++;
				}
			}
			CU_ASSERT_EQUAL(sum, total);
			for (int i = 0; i < total; i++)
				CU_ASSERT_EQUAL(seen[i], 1);
		}
	char *a[] = { "x/a.scn", "b.scn" }, *b[] = { "elsewhere/a.scn", "b.scn" }, *c[] = { "b.scn", "a.scn" };
	CU_ASSERT_EQUAL(hrn_shard_suite_id(a, 2), hrn_shard_suite_id(b, 2));
	CU_ASSERT_NOT_EQUAL(hrn_shard_suite_id(a, 2), hrn_shard_suite_id(c, 2));
	CU_ASSERT_NOT_EQUAL(hrn_shard_suite_id(a, 2), hrn_shard_suite_id(a, 1));
}

/* ---- reports: written by hrn_report, read back, merged ---- */

#define TOTAL 7
static const char *const names[TOTAL] = { "a", "b", "c", "d", "e", "f", "g" };

static enum hrn_result result_of(int i)
{
	return i == 2 ? HRN_FAIL : i == 5 ? HRN_SKIP : HRN_PASS;
}

/* Shard k/n of the 7-scenario suite as TAP (tap_path) and JUnit (xml_path). */
static void write_shard(int k, int n, uint32_t suite, const char *tap_path, const char *xml_path)
{
	FILE *f = fopen(tap_path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	struct hrn_report *r = hrn_report_new(f, xml_path);
	struct hrn_shard s = { .k = k, .n = n };
	struct hrn_report_shard rs = { .k = k, .n = n, .total = TOTAL, .suite = suite };
	hrn_report_set_shard(r, &rs);
	hrn_report_begin_suite(r, "harness", hrn_shard_count(&s, TOTAL));
	for (int j = 0; j < hrn_shard_count(&s, TOTAL); j++) {
		int i = hrn_shard_index(&s, j);
		char msg[128];
		snprintf(msg, sizeof(msg), "%s says <%d> & more\nsecond line of %s\n", names[i], i, names[i]);
		hrn_report_case(r, names[i], "cls", result_of(i), result_of(i) == HRN_PASS ? "" : msg, 0.25 * i);
	}
	fprintf(f, "# %d scenarios: a summary comment\n", hrn_shard_count(&s, TOTAL));
	CU_ASSERT_EQUAL(hrn_report_end(r), 0);
	hrn_report_free(r);
	fclose(f);
}

static int merge_files(bool junit, const int *ks, size_t nk, int n, uint32_t other_suite_k,
		       char *err, size_t errlen, struct hrn_report_in *in, const struct hrn_case ***order)
{
	char *paths[8];
	int total;
	for (size_t i = 0; i < nk; i++) {
		char tap[PATH_MAX + 32], xml[PATH_MAX + 32];
		snprintf(tap, sizeof(tap), "%s/s%zu.tap", dir, i);
		snprintf(xml, sizeof(xml), "%s/s%zu.xml", dir, i);
		write_shard(ks[i], n, (uint32_t)ks[i] == other_suite_k ? 0x1234u : 0xabcdu, tap, xml);
		paths[i] = strdup(junit ? xml : tap);
		CU_ASSERT_EQUAL(hrn_report_read(paths[i], &in[i], err, errlen), 0);
	}
	int rc = hrn_merge_check(in, paths, nk, order, &total, err, errlen);
	if (rc == 0)
		CU_ASSERT_EQUAL(total, TOTAL);
	for (size_t i = 0; i < nk; i++)
		free(paths[i]);
	return rc;
}

static void free_all(struct hrn_report_in *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hrn_report_in_free(&in[i]);
}

static void test_merge_roundtrip(void)
{
	for (int junit = 0; junit <= 1; junit++) {
		struct hrn_report_in in[3];
		const struct hrn_case **order = NULL;
		char err[512];
		const int ks[] = { 3, 1, 2 };	/* any order of the files */
		int rc = merge_files(junit, ks, 3, 3, 0, err, sizeof(err), in, &order);
		if (rc)
			fprintf(stderr, "%s\n", err);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		for (int i = 0; i < TOTAL; i++) {
			CU_ASSERT_STRING_EQUAL(order[i]->name, names[i]);
			CU_ASSERT_EQUAL(order[i]->result, result_of(i));
			char want[128];
			snprintf(want, sizeof(want), "%s says <%d> & more\nsecond line of %s\n", names[i], i, names[i]);
			if (result_of(i) == HRN_FAIL)
				CU_ASSERT_STRING_EQUAL(order[i]->message, want);
			if (result_of(i) == HRN_SKIP) {	/* JUnit keeps a skip's first line */
				snprintf(want, sizeof(want), junit ? "%s says <%d> & more" : "%s says <%d> & more\nsecond line of %s\n",
					 names[i], i, names[i]);
				CU_ASSERT_STRING_EQUAL(order[i]->message, want);
			}
			if (junit) {
				CU_ASSERT_STRING_EQUAL(order[i]->classname, "cls");
				CU_ASSERT_DOUBLE_EQUAL(order[i]->seconds, 0.25 * i, 1e-9);
			}
		}
		free(order);
		free_all(in, 3);
	}
}

static void test_merge_refusals(void)
{
	struct hrn_report_in in[4];
	const struct hrn_case **order = NULL;
	char err[512];
	/* overlap */
	const int twice[] = { 1, 2, 2 };
	CU_ASSERT_EQUAL(merge_files(false, twice, 3, 3, 0, err, sizeof(err), in, &order), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "overlap"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "both shard 2/3"));
	free_all(in, 3);
	/* gap */
	const int holes[] = { 2 };
	CU_ASSERT_EQUAL(merge_files(true, holes, 1, 4, 0, err, sizeof(err), in, &order), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "gap: shard 1/4, 3/4, 4/4 missing"));
	free_all(in, 1);
	/* another suite */
	const int mixed[] = { 1, 2 };
	CU_ASSERT_EQUAL(merge_files(false, mixed, 2, 2, 2, err, sizeof(err), in, &order), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "are not shards of one run"));
	free_all(in, 2);
}

static void write_file(const char *name, const char *text, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void test_read_errors(void)
{
	struct { const char *name, *text, *want; } bad[] = {
		{ "cut.tap", "TAP version 13\n1..3\nok 1 - a\nok 2 - b\n", "cut.tap:4: plan 1..3 but 2 test lines" },
		{ "order.tap", "TAP version 13\n1..2\nok 2 - a\n", "order.tap:3: test 2 out of order (expected 1)" },
		{ "notap.tap", "hello\n", "notap.tap:1: not a TAP report" },
		{ "bail.tap", "TAP version 13\n1..2\nBail out! disk gone\n", "bail.tap:3: the run bailed out" },
		{ "noplan.tap", "TAP version 13\nok 1 - a\n", "no plan" },
		{ "junk.tap", "TAP version 13\n1..1\nwhat is this\n", "junk.tap:3: not a TAP line" },
		{ "bad.xml", "<testsuites><testsuite tests=\"1\"><testcase name=\"a\"></testsuite></testsuites>\n",
		  "bad.xml:1: mismatched tag" },
		{ "few.xml", "<testsuites><testsuite tests=\"2\"><testcase name=\"a\"/></testsuite></testsuites>\n",
		  "tests=\"2\" but 1 <testcase>" },
		{ "prop.xml", "<testsuites><testsuite tests=\"0\"><properties><property name=\"harness.shard\" "
		  "value=\"x\"/></properties></testsuite></testsuites>\n", "property harness.shard has a bad value 'x'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[PATH_MAX + 32], err[512];
		struct hrn_report_in in;
		write_file(bad[i].name, bad[i].text, path, sizeof(path));
		CU_ASSERT_EQUAL(hrn_report_read(path, &in, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].want))
			fprintf(stderr, "%s: '%s' lacks '%s'\n", bad[i].name, err, bad[i].want);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].want));
	}
}

static int shard_suite(void)
{
	if (!unit_mkdtemp(dir, sizeof(dir), "burnlab-shard"))
		return -1;
	static const struct unit_test tests[] = {
		{ "parse", test_parse },
		{ "environment", test_env },
		{ "split", test_split },
		{ "merge round trip", test_merge_roundtrip },
		{ "merge refusals", test_merge_refusals },
		{ "read errors", test_read_errors },
	};
	return UNIT_ADD_SUITE("shard", tests);
}
UNIT_SUITE(shard_suite)
