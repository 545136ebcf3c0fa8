/* tests/unit/test_crc32c.c - CRC32C against RFC 7143 Appendix A.4 (RFC 3720 B.4). */
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "crc32c.h"
#include "wire.h"

static void test_rfc_zeros(void)
{
	uint8_t b[32];
	memset(b, 0, sizeof(b));
	CU_ASSERT_EQUAL(sim_crc32c(0, b, sizeof(b)), 0x8A9136AAu);
}

static void test_rfc_ones(void)
{
	uint8_t b[32];
	memset(b, 0xff, sizeof(b));
	CU_ASSERT_EQUAL(sim_crc32c(0, b, sizeof(b)), 0x62A8AB43u);
}

static void test_rfc_incrementing(void)
{
	uint8_t b[32];
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	CU_ASSERT_EQUAL(sim_crc32c(0, b, sizeof(b)), 0x46DD794Eu);
}

static void test_rfc_decrementing(void)
{
	uint8_t b[32];
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	CU_ASSERT_EQUAL(sim_crc32c(0, b, sizeof(b)), 0x113FDB5Cu);
}

static void test_check_value(void)
{
	CU_ASSERT_EQUAL(sim_crc32c(0, "123456789", 9), 0xE3069283u);
	CU_ASSERT_EQUAL(sim_crc32c(0, "", 0), 0u);
}

/* Wire order is least significant byte first (RFC 7143 §11.1). */
static void test_wire_order(void)
{
	uint8_t b[32], w[4];
	memset(b, 0, sizeof(b));
	wire_put_le32(w, sim_crc32c(0, b, sizeof(b)));
	CU_ASSERT(w[0] == 0xaa && w[1] == 0x36 && w[2] == 0x91 && w[3] == 0x8a);
	CU_ASSERT_EQUAL(wire_le32(w), 0x8A9136AAu);
}

/* Feeding pieces at every split and alignment gives the one-shot result. */
static void test_incremental_and_unaligned(void)
{
	uint8_t buf[300];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	for (size_t start = 0; start < 9; start++) {
		size_t len = sizeof(buf) - start;
		uint32_t whole = sim_crc32c(0, buf + start, len);
		for (size_t cut = 0; cut <= len; cut += 13) {
			uint32_t c = sim_crc32c(0, buf + start, cut);
			c = sim_crc32c(c, buf + start + cut, len - cut);
			CU_ASSERT_EQUAL(c, whole);
		}
	}
	/* And a bit flip changes it. */
	uint32_t before = sim_crc32c(0, buf, sizeof(buf));
	buf[100] ^= 0x10;
	CU_ASSERT_NOT_EQUAL(sim_crc32c(0, buf, sizeof(buf)), before);
}

static int reg(void)
{
	static const struct unit_test tests[] = {
		{ "RfcZeros", test_rfc_zeros },
		{ "RfcOnes", test_rfc_ones },
		{ "RfcIncrementing", test_rfc_incrementing },
		{ "RfcDecrementing", test_rfc_decrementing },
		{ "CheckValue", test_check_value },
		{ "WireOrder", test_wire_order },
		{ "IncrementalUnaligned", test_incremental_and_unaligned },
	};
	return UNIT_ADD_SUITE("crc32c", tests);
}
UNIT_SUITE(reg)
