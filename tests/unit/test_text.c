/* tests/unit/test_text.c - text key=value parsing and value syntax (simdrive/iscsi/text.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "unit.h"

/* Parse exactly len bytes from a heap copy, so a read past the end shows under ASan. */
static int parse_exact(const void *data, size_t len, struct sim_kvlist *out, const char **why)
{
	uint8_t *p = malloc(len ? len : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(p, data, len);
	int rc = sim_text_parse(p, len, out, why);
	free(p);
	return rc;
}

static void test_parse_basic(void)
{
	static const char t[] = "InitiatorName=iqn.2026-01.org.example:a\0HeaderDigest=None,CRC32C\0Empty=\0";
	struct sim_kvlist l = { 0 };
	const char *why = "x";

	CU_ASSERT_EQUAL(parse_exact(t, sizeof(t) - 1, &l, &why), 0);
	CU_ASSERT_PTR_NULL(why);
	CU_ASSERT_EQUAL(l.n, 3);
	CU_ASSERT_STRING_EQUAL(sim_kvlist_get(&l, "InitiatorName"), "iqn.2026-01.org.example:a");
	CU_ASSERT_STRING_EQUAL(sim_kvlist_get(&l, "HeaderDigest"), "None,CRC32C");
	CU_ASSERT_STRING_EQUAL(sim_kvlist_get(&l, "Empty"), "");
	CU_ASSERT_PTR_NULL(sim_kvlist_get(&l, "headerdigest"));	/* keys are case-sensitive */
	sim_kvlist_free(&l);
	CU_ASSERT_EQUAL(l.n, 0);
	CU_ASSERT_PTR_NULL(l.v);
}

static void test_parse_value_with_equals(void)
{
	static const char t[] = "A=b=c\0";
	struct sim_kvlist l = { 0 };
	CU_ASSERT_EQUAL(parse_exact(t, sizeof(t) - 1, &l, NULL), 0);
	CU_ASSERT_STRING_EQUAL(sim_kvlist_get(&l, "A"), "b=c");
	sim_kvlist_free(&l);
}

static void test_parse_unterminated(void)
{
	static const char t[] = "A=1\0B=2";	/* no NUL after the last pair */
	struct sim_kvlist l = { 0 };
	const char *why = NULL;
	CU_ASSERT_EQUAL(parse_exact(t, sizeof(t) - 1, &l, &why), -1);
	CU_ASSERT_PTR_NOT_NULL(why);
	sim_kvlist_free(&l);
	/* A NUL beyond len must not count. */
	CU_ASSERT_EQUAL(parse_exact("A=1", 3, &l, &why), -1);
	sim_kvlist_free(&l);
}

static void test_parse_errors(void)
{
	struct sim_kvlist l = { 0 };
	const char *why;

	why = NULL;
	CU_ASSERT_EQUAL(parse_exact("NoEquals\0", 9, &l, &why), -1);
	CU_ASSERT_PTR_NOT_NULL(why);
	sim_kvlist_free(&l);
	CU_ASSERT_EQUAL(parse_exact("=value\0", 7, &l, &why), -1);
	sim_kvlist_free(&l);
	CU_ASSERT_EQUAL(parse_exact("A=x\x01y\0", 6, &l, &why), -1);	/* control byte */
	sim_kvlist_free(&l);
	CU_ASSERT_EQUAL(parse_exact("A B=1\0", 6, &l, &why), -1);	/* space in key */
	sim_kvlist_free(&l);
	CU_ASSERT_EQUAL(parse_exact("A=\x7f\0", 4, &l, &why), -1);
	sim_kvlist_free(&l);
	/* UTF-8 in values is fine. */
	CU_ASSERT_EQUAL(parse_exact("InitiatorAlias=\xc3\xa9t\xc3\xa9\0", 21, &l, &why), 0);
	sim_kvlist_free(&l);
}

static void test_parse_nul_runs(void)
{
	static const char t[] = "A=1\0\0\0B=2\0\0\0";
	struct sim_kvlist l = { 0 };
	CU_ASSERT_EQUAL(parse_exact(t, sizeof(t) - 1, &l, NULL), 0);
	CU_ASSERT_EQUAL(l.n, 2);
	sim_kvlist_free(&l);
	CU_ASSERT_EQUAL(sim_text_parse(NULL, 0, &l, NULL), 0);
	CU_ASSERT_EQUAL(l.n, 0);
}

/* Build "key=value\0" with a key of klen 'K's and a value of vlen 'v's. */
static size_t make_pair(char *buf, const char *key, size_t klen, size_t vlen)
{
	size_t n = 0;
	if (key) {
		n = strlen(key);
		memcpy(buf, key, n);
	} else {
		memset(buf, 'K', klen);
		n = klen;
	}
	buf[n++] = '=';
	memset(buf + n, 'v', vlen);
	n += vlen;
	buf[n++] = '\0';
	return n;
}

static void test_parse_lengths(void)
{
	char *buf = malloc(SIM_TEXT_BINVALUE_MAX + 100);
	struct sim_kvlist l = { 0 };
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	n = make_pair(buf, NULL, SIM_TEXT_KEY_MAX, 1);
	CU_ASSERT_EQUAL(parse_exact(buf, n, &l, NULL), 0);
	sim_kvlist_free(&l);
	n = make_pair(buf, NULL, SIM_TEXT_KEY_MAX + 1, 1);
	CU_ASSERT_EQUAL(parse_exact(buf, n, &l, NULL), -1);
	sim_kvlist_free(&l);
	n = make_pair(buf, "A", 0, SIM_TEXT_VALUE_MAX);
	CU_ASSERT_EQUAL(parse_exact(buf, n, &l, NULL), 0);
	sim_kvlist_free(&l);
	n = make_pair(buf, "A", 0, SIM_TEXT_VALUE_MAX + 1);
	CU_ASSERT_EQUAL(parse_exact(buf, n, &l, NULL), -1);
	sim_kvlist_free(&l);
	/* CHAP binary values may be longer. */
	n = make_pair(buf, "CHAP_R", 0, SIM_TEXT_BINVALUE_MAX);
	CU_ASSERT_EQUAL(parse_exact(buf, n, &l, NULL), 0);
	sim_kvlist_free(&l);
	n = make_pair(buf, "CHAP_C", 0, SIM_TEXT_BINVALUE_MAX + 1);
	CU_ASSERT_EQUAL(parse_exact(buf, n, &l, NULL), -1);
	sim_kvlist_free(&l);
	n = make_pair(buf, "CHAP_N", 0, SIM_TEXT_VALUE_MAX + 1);
	CU_ASSERT_EQUAL(parse_exact(buf, n, &l, NULL), -1);
	sim_kvlist_free(&l);
	free(buf);
}

static void test_parse_pair_limit(void)
{
	char buf[(SIM_TEXT_PAIRS_MAX + 1) * 8];
	size_t n = 0;
	struct sim_kvlist l = { 0 };

	for (int i = 0; i < SIM_TEXT_PAIRS_MAX; i++)
		n += (size_t)sprintf(buf + n, "K%d=1", i) + 1;
	CU_ASSERT_EQUAL(parse_exact(buf, n, &l, NULL), 0);
	CU_ASSERT_EQUAL(l.n, SIM_TEXT_PAIRS_MAX);
	sim_kvlist_free(&l);
	n += (size_t)sprintf(buf + n, "K%d=1", SIM_TEXT_PAIRS_MAX) + 1;
	const char *why = NULL;
	CU_ASSERT_EQUAL(parse_exact(buf, n, &l, &why), -1);
	CU_ASSERT_PTR_NOT_NULL(why);
	sim_kvlist_free(&l);
}

static void test_add(void)
{
	struct sim_textbuf b = { 0 };
	CU_ASSERT_EQUAL(sim_text_add(&b, "A", "1"), 0);
	CU_ASSERT_EQUAL(sim_text_addf(&b, "MaxBurstLength", "%u", 262144u), 0);
	CU_ASSERT_EQUAL(sim_text_add(&b, "E", ""), 0);
	static const char want[] = "A=1\0MaxBurstLength=262144\0E=\0";
	CU_ASSERT_EQUAL(b.len, sizeof(want) - 1);
	CU_ASSERT_EQUAL(memcmp(b.p, want, sizeof(want) - 1), 0);
	/* Round trip through the parser. */
	struct sim_kvlist l = { 0 };
	CU_ASSERT_EQUAL(sim_text_parse(b.p, b.len, &l, NULL), 0);
	CU_ASSERT_STRING_EQUAL(sim_kvlist_get(&l, "MaxBurstLength"), "262144");
	sim_kvlist_free(&l);
	/* Growth past the initial capacity. */
	for (int i = 0; i < 200; i++)
		CU_ASSERT_EQUAL(sim_text_addf(&b, "Key", "%d", i), 0);
	CU_ASSERT_EQUAL(sim_text_parse(b.p, b.len, &l, NULL), -1);	/* 203 pairs > limit */
	sim_kvlist_free(&l);
	sim_textbuf_free(&b);
	CU_ASSERT_EQUAL(b.len, 0);
}

static void test_number(void)
{
	uint64_t v = 0;
	CU_ASSERT_EQUAL(sim_text_number("262144", 512, 16777215, &v), 0);
	CU_ASSERT_EQUAL(v, 262144);
	CU_ASSERT_EQUAL(sim_text_number("0x1000", 0, 65535, &v), 0);
	CU_ASSERT_EQUAL(v, 4096);
	CU_ASSERT_EQUAL(sim_text_number("0XfF", 0, 65535, &v), 0);
	CU_ASSERT_EQUAL(v, 255);
	CU_ASSERT_EQUAL(sim_text_number("0", 0, 0, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(sim_text_number("007", 0, 10, &v), 0);
	CU_ASSERT_EQUAL(v, 7);
	CU_ASSERT_EQUAL(sim_text_number("18446744073709551615", 0, UINT64_MAX, &v), 0);
	CU_ASSERT_EQUAL(v, UINT64_MAX);
	/* Range and syntax. */
	CU_ASSERT_EQUAL(sim_text_number("511", 512, 16777215, &v), -1);
	CU_ASSERT_EQUAL(sim_text_number("16777216", 512, 16777215, &v), -1);
	CU_ASSERT_EQUAL(sim_text_number("", 0, 10, &v), -1);
	CU_ASSERT_EQUAL(sim_text_number("0x", 0, 10, &v), -1);
	CU_ASSERT_EQUAL(sim_text_number("-1", 0, 10, &v), -1);
	CU_ASSERT_EQUAL(sim_text_number("+1", 0, 10, &v), -1);
	CU_ASSERT_EQUAL(sim_text_number(" 1", 0, 10, &v), -1);
	CU_ASSERT_EQUAL(sim_text_number("1 ", 0, 10, &v), -1);
	CU_ASSERT_EQUAL(sim_text_number("12a", 0, 1000, &v), -1);
	CU_ASSERT_EQUAL(sim_text_number("0x1g", 0, 1000, &v), -1);
	CU_ASSERT_EQUAL(sim_text_number("18446744073709551616", 0, UINT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(sim_text_number("0x10000000000000000", 0, UINT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(sim_text_number(NULL, 0, 10, &v), -1);
}

static void test_bool(void)
{
	bool b = false;
	CU_ASSERT_EQUAL(sim_text_bool("Yes", &b), 0);
	CU_ASSERT_TRUE(b);
	CU_ASSERT_EQUAL(sim_text_bool("No", &b), 0);
	CU_ASSERT_FALSE(b);
	CU_ASSERT_EQUAL(sim_text_bool("yes", &b), -1);
	CU_ASSERT_EQUAL(sim_text_bool("NO", &b), -1);
	CU_ASSERT_EQUAL(sim_text_bool("", &b), -1);
	CU_ASSERT_EQUAL(sim_text_bool("Yes ", &b), -1);
	CU_ASSERT_EQUAL(sim_text_bool("1", &b), -1);
}

static void test_binary(void)
{
	uint8_t out[32];
	static const uint8_t want[] = { 0x01, 0xab, 0xcd, 0xef };

	CU_ASSERT_EQUAL(sim_text_binary("0x01abcdef", out, sizeof(out)), 4);
	CU_ASSERT_EQUAL(memcmp(out, want, 4), 0);
	CU_ASSERT_EQUAL(sim_text_binary("0X01ABCDEF", out, sizeof(out)), 4);
	CU_ASSERT_EQUAL(memcmp(out, want, 4), 0);
	/* base64 of 01 ab cd ef is "AavN7w==" */
	memset(out, 0, sizeof(out));
	CU_ASSERT_EQUAL(sim_text_binary("0bAavN7w==", out, sizeof(out)), 4);
	CU_ASSERT_EQUAL(memcmp(out, want, 4), 0);
	CU_ASSERT_EQUAL(sim_text_binary("0BAavN7w==", out, sizeof(out)), 4);
	/* "Zm9v" = "foo", no padding needed */
	CU_ASSERT_EQUAL(sim_text_binary("0bZm9v", out, sizeof(out)), 3);
	CU_ASSERT_EQUAL(memcmp(out, "foo", 3), 0);
	/* Malformed. */
	CU_ASSERT_EQUAL(sim_text_binary("0x", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(sim_text_binary("0b", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(sim_text_binary("0x123", out, sizeof(out)), -1);	/* odd */
	CU_ASSERT_EQUAL(sim_text_binary("0x12 34", out, sizeof(out)), -1);	/* nettle would skip the space */
	CU_ASSERT_EQUAL(sim_text_binary("0x12zz", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(sim_text_binary("0bAavN7w", out, sizeof(out)), -1);	/* unpadded */
	CU_ASSERT_EQUAL(sim_text_binary("0bAa N7w==", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(sim_text_binary("0bAavN7w=A", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(sim_text_binary("01abcdef", out, sizeof(out)), -1);	/* no prefix */
	CU_ASSERT_EQUAL(sim_text_binary("1xab", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(sim_text_binary("", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(sim_text_binary(NULL, out, sizeof(out)), -1);
	/* Capacity: never writes more than cap bytes. */
	memset(out, 0x5a, sizeof(out));
	CU_ASSERT_EQUAL(sim_text_binary("0x01abcdef", out, 3), -1);
	CU_ASSERT_EQUAL(out[0], 0x5a);
	CU_ASSERT_EQUAL(sim_text_binary("0x01abcdef", out, 4), 4);
}

static void test_binary_long(void)
{
	/* The longest accepted value: 8192 characters including the prefix. */
	size_t n = SIM_TEXT_BINVALUE_MAX;
	char *v = malloc(n + 2);
	uint8_t *out = malloc(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	v[0] = '0';
	v[1] = 'x';
	memset(v + 2, 'a', n - 2);
	v[n] = '\0';
	CU_ASSERT_EQUAL(sim_text_binary(v, out, n), (int)(n - 2) / 2);
	CU_ASSERT_EQUAL(out[0], 0xaa);
	v[n] = 'a';
	v[n + 1] = '\0';	/* one character too many (and odd) */
	CU_ASSERT_EQUAL(sim_text_binary(v, out, n), -1);
	free(v);
	free(out);
}

static const struct unit_test text_tests[] = {
	{ "parse_basic", test_parse_basic },
	{ "parse_value_with_equals", test_parse_value_with_equals },
	{ "parse_unterminated", test_parse_unterminated },
	{ "parse_errors", test_parse_errors },
	{ "parse_nul_runs", test_parse_nul_runs },
	{ "parse_lengths", test_parse_lengths },
	{ "parse_pair_limit", test_parse_pair_limit },
	{ "add", test_add },
	{ "number", test_number },
	{ "bool", test_bool },
	{ "binary", test_binary },
	{ "binary_long", test_binary_long },
};

static int text_suite(void)
{
	return UNIT_ADD_SUITE("text", text_tests);
}
UNIT_SUITE(text_suite)
