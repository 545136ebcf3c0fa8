/* tests/unit/test_chap.c - CHAP digests, challenges and checks (simdrive/iscsi/chap.h).
 *
 * The known answers were computed outside this code base, over the bytes
 * 0x2a || "burnlab-secret" || 00 01 02 ... 0f:
 *   printf '\x2a%s' burnlab-secret > kat.bin; printf '\x00\x01...\x0f' >> kat.bin
 *   md5sum kat.bin; sha1sum kat.bin; sha256sum kat.bin; openssl dgst -sha3-256 kat.bin */
#include "config.h"

#include <string.h>

#include "chap.h"
#include "unit.h"

static const char kat_secret[] = "burnlab-secret";
static const uint8_t kat_id = 0x2a;
static const uint8_t kat_chal[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static const uint8_t kat_md5[16] = {
	0x9a, 0xce, 0x59, 0x13, 0x18, 0x23, 0xbd, 0x47, 0x78, 0xc3, 0xa9, 0xfa, 0x5f, 0x46, 0xb5, 0xac,
};
static const uint8_t kat_sha1[20] = {
	0xf3, 0x57, 0xc2, 0x54, 0x8e, 0xa7, 0xbf, 0x84, 0x45, 0x83,
	0x5a, 0xaa, 0x4b, 0xe4, 0xed, 0xfd, 0xae, 0xd4, 0xaa, 0xe9,
};
static const uint8_t kat_sha256[32] = {
	0x63, 0x6a, 0x7f, 0x83, 0x9b, 0x21, 0xd5, 0x81, 0xf9, 0x13, 0xb8, 0x4e, 0xf7, 0xc6, 0xf4, 0x56,
	0xb4, 0x57, 0x93, 0x6c, 0xf8, 0x2e, 0x3a, 0x68, 0xd7, 0xf0, 0x3b, 0xc8, 0xb6, 0x35, 0xec, 0xc6,
};
static const uint8_t kat_sha3[32] = {
	0x35, 0x0d, 0x4c, 0x41, 0xa6, 0xd0, 0x89, 0xba, 0x8c, 0x50, 0x1d, 0x73, 0x4d, 0x89, 0x5c, 0xed,
	0x25, 0x09, 0xd1, 0xa1, 0x17, 0x80, 0x55, 0x51, 0x04, 0xdc, 0xfc, 0xec, 0xb5, 0xf3, 0xea, 0xe6,
};

static void test_known_answers(void)
{
	uint8_t d[SIM_CHAP_DIGEST_MAX];

	CU_ASSERT_EQUAL(sim_chap_response(SIM_CHAP_MD5, kat_id, kat_secret, kat_chal, 16, d), 16);
	CU_ASSERT_EQUAL(memcmp(d, kat_md5, 16), 0);
	CU_ASSERT_EQUAL(sim_chap_response(SIM_CHAP_SHA1, kat_id, kat_secret, kat_chal, 16, d), 20);
	CU_ASSERT_EQUAL(memcmp(d, kat_sha1, 20), 0);
	CU_ASSERT_EQUAL(sim_chap_response(SIM_CHAP_SHA256, kat_id, kat_secret, kat_chal, 16, d), 32);
	CU_ASSERT_EQUAL(memcmp(d, kat_sha256, 32), 0);
	CU_ASSERT_EQUAL(sim_chap_response(SIM_CHAP_SHA3_256, kat_id, kat_secret, kat_chal, 16, d), 32);
	CU_ASSERT_EQUAL(memcmp(d, kat_sha3, 32), 0);
	CU_ASSERT_EQUAL(sim_chap_response((enum sim_chap_alg)9, kat_id, kat_secret, kat_chal, 16, d), -1);
	/* Every input byte matters: the identifier and the secret. */
	CU_ASSERT_EQUAL(sim_chap_response(SIM_CHAP_MD5, kat_id + 1, kat_secret, kat_chal, 16, d), 16);
	CU_ASSERT_NOT_EQUAL(memcmp(d, kat_md5, 16), 0);
	CU_ASSERT_EQUAL(sim_chap_response(SIM_CHAP_MD5, kat_id, "burnlab-secreT", kat_chal, 16, d), 16);
	CU_ASSERT_NOT_EQUAL(memcmp(d, kat_md5, 16), 0);
}

static void test_digest_len(void)
{
	CU_ASSERT_EQUAL(sim_chap_digest_len(5), 16);
	CU_ASSERT_EQUAL(sim_chap_digest_len(6), 20);
	CU_ASSERT_EQUAL(sim_chap_digest_len(7), 32);
	CU_ASSERT_EQUAL(sim_chap_digest_len(8), 32);
	CU_ASSERT_EQUAL(sim_chap_digest_len(0), 0);
	CU_ASSERT_EQUAL(sim_chap_digest_len(56), 0);
	CU_ASSERT_STRING_EQUAL(sim_chap_alg_str(5), "MD5");
	CU_ASSERT_STRING_EQUAL(sim_chap_alg_str(4), "?");
}

static void test_select_alg(void)
{
	enum sim_chap_alg a = 0;
	CU_ASSERT_EQUAL(sim_chap_select_alg("5", &a), 0);
	CU_ASSERT_EQUAL(a, SIM_CHAP_MD5);
	CU_ASSERT_EQUAL(sim_chap_select_alg("5,6,7,8", &a), 0);
	CU_ASSERT_EQUAL(a, SIM_CHAP_MD5);
	CU_ASSERT_EQUAL(sim_chap_select_alg("7,5", &a), 0);	/* initiator's order wins */
	CU_ASSERT_EQUAL(a, SIM_CHAP_SHA256);
	CU_ASSERT_EQUAL(sim_chap_select_alg("8", &a), 0);
	CU_ASSERT_EQUAL(a, SIM_CHAP_SHA3_256);
	CU_ASSERT_EQUAL(sim_chap_select_alg("x,,129,6", &a), 0);
	CU_ASSERT_EQUAL(a, SIM_CHAP_SHA1);
	CU_ASSERT_EQUAL(sim_chap_select_alg("56", &a), -1);	/* starts with '5' */
	CU_ASSERT_EQUAL(sim_chap_select_alg("", &a), -1);
	CU_ASSERT_EQUAL(sim_chap_select_alg("5x", &a), -1);
	CU_ASSERT_EQUAL(sim_chap_select_alg(" 5", &a), -1);
	CU_ASSERT_EQUAL(sim_chap_select_alg("1,2,3,4", &a), -1);
	CU_ASSERT_EQUAL(sim_chap_select_alg(NULL, &a), -1);
}

static void counter_random(void *arg, uint8_t *buf, size_t len)
{
	uint8_t *next = arg;
	for (size_t i = 0; i < len; i++)
		buf[i] = (*next)++;
}

static void test_challenge(void)
{
	struct sim_chap_challenge ch;
	uint8_t next = 200;

	CU_ASSERT_EQUAL(sim_chap_challenge_new(&ch, SIM_CHAP_MD5, counter_random, &next), 0);
	CU_ASSERT_EQUAL(ch.alg, SIM_CHAP_MD5);
	CU_ASSERT_EQUAL(ch.id, 200);
	CU_ASSERT_EQUAL(ch.len, 16);
	CU_ASSERT_EQUAL(ch.c[0], 201);
	CU_ASSERT_EQUAL(ch.c[15], (uint8_t)216);
	CU_ASSERT_EQUAL(sim_chap_challenge_new(&ch, SIM_CHAP_SHA256, counter_random, &next), 0);
	CU_ASSERT_EQUAL(ch.len, 32);
	CU_ASSERT_EQUAL(sim_chap_challenge_new(&ch, (enum sim_chap_alg)3, counter_random, &next), -1);
	/* The system source: two challenges differ (2^-128 chance of a false failure). */
	struct sim_chap_challenge a, b;
	CU_ASSERT_EQUAL(sim_chap_challenge_new(&a, SIM_CHAP_MD5, NULL, NULL), 0);
	CU_ASSERT_EQUAL(sim_chap_challenge_new(&b, SIM_CHAP_MD5, NULL, NULL), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(a.c, b.c, 16), 0);
}

static struct sim_chap_challenge kat_challenge(void)
{
	struct sim_chap_challenge ch = { .alg = SIM_CHAP_MD5, .id = kat_id, .len = 16 };
	memcpy(ch.c, kat_chal, 16);
	return ch;
}

static void test_verify(void)
{
	struct sim_chap_challenge ch = kat_challenge();

	CU_ASSERT_EQUAL(sim_chap_verify(&ch, kat_secret, "0x9ace59131823bd4778c3a9fa5f46b5ac"), 0);
	CU_ASSERT_EQUAL(sim_chap_verify(&ch, kat_secret, "0X9ACE59131823BD4778C3A9FA5F46B5AC"), 0);
	/* base64 of the same 16 bytes */
	CU_ASSERT_EQUAL(sim_chap_verify(&ch, kat_secret, "0bms5ZExgjvUd4w6n6X0a1rA=="), 0);
	/* Wrong secret, last byte off, wrong lengths, garbage. */
	CU_ASSERT_EQUAL(sim_chap_verify(&ch, "other", "0x9ace59131823bd4778c3a9fa5f46b5ac"), -1);
	CU_ASSERT_EQUAL(sim_chap_verify(&ch, kat_secret, "0x9ace59131823bd4778c3a9fa5f46b5ad"), -1);
	CU_ASSERT_EQUAL(sim_chap_verify(&ch, kat_secret, "0x9ace59131823bd4778c3a9fa5f46b5"), -1);
	CU_ASSERT_EQUAL(sim_chap_verify(&ch, kat_secret, "0x9ace59131823bd4778c3a9fa5f46b5ac00"), -1);
	/* iscsi-test-cu Base64Oversize: a valid base64 prefix in front of the answer */
	CU_ASSERT_EQUAL(sim_chap_verify(&ch, kat_secret, "0bb3ZlcnNpemUKms5ZExgjvUd4w6n6X0a1rA=="), -1);
	CU_ASSERT_EQUAL(sim_chap_verify(&ch, kat_secret, "9ace59131823bd4778c3a9fa5f46b5ac"), -1);
	CU_ASSERT_EQUAL(sim_chap_verify(&ch, kat_secret, ""), -1);
	CU_ASSERT_EQUAL(sim_chap_verify(&ch, kat_secret, NULL), -1);
}

static void test_equal_and_reflection(void)
{
	uint8_t a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 2, 3, 4 };
	CU_ASSERT_TRUE(sim_chap_equal(a, b, 4));
	b[3] = 5;
	CU_ASSERT_FALSE(sim_chap_equal(a, b, 4));
	CU_ASSERT_TRUE(sim_chap_equal(a, b, 3));
	CU_ASSERT_TRUE(sim_chap_equal(a, b, 0));

	struct sim_chap_challenge ch = kat_challenge();
	CU_ASSERT_TRUE(sim_chap_is_reflection(&ch, kat_chal, 16));
	CU_ASSERT_FALSE(sim_chap_is_reflection(&ch, kat_chal, 15));
	uint8_t other[16];
	memcpy(other, kat_chal, 16);
	other[7] ^= 1;
	CU_ASSERT_FALSE(sim_chap_is_reflection(&ch, other, 16));
}

static void test_hex(void)
{
	char out[2 * 4 + 3];
	static const uint8_t v[4] = { 0x00, 0xab, 0xcd, 0xef };
	CU_ASSERT_EQUAL(sim_chap_hex(v, 4, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "0x00abcdef");	/* lowercase 0x for libiscsi */
	CU_ASSERT_EQUAL(sim_chap_hex(v, 4, out, sizeof(out) - 1), -1);
	CU_ASSERT_EQUAL(sim_chap_hex(v, 0, out, 3), 0);
	CU_ASSERT_STRING_EQUAL(out, "0x");
}

static const struct unit_test chap_tests[] = {
	{ "known_answers", test_known_answers },
	{ "digest_len", test_digest_len },
	{ "select_alg", test_select_alg },
	{ "challenge", test_challenge },
	{ "verify", test_verify },
	{ "equal_and_reflection", test_equal_and_reflection },
	{ "hex", test_hex },
};

static int chap_suite(void)
{
	return UNIT_ADD_SUITE("chap", chap_tests);
}
UNIT_SUITE(chap_suite)
