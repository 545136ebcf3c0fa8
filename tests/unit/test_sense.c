/* tests/unit/test_sense.c - sense encoding (SPC-4 §4.5), byte for byte. */
#include <string.h>

#include "scsi.h"
#include "unit.h"

static void test_fixed_plain(void)
{
	static const uint8_t want[18] = {
		0x70, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x0a,
		0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	uint8_t out[SIM_SENSE_MAX];
	memset(out, 0xee, sizeof(out));
	CU_ASSERT_EQUAL(sim_sense_encode(out, SIM_SENSE_INVALID_FIELD_IN_CDB, false, false, 0), 18);
	CU_ASSERT_EQUAL(memcmp(out, want, 18), 0);
}

static void test_fixed_info(void)
{
	static const uint8_t want[18] = {
		0xf0, 0x00, 0x03, 0x12, 0x34, 0x56, 0x78, 0x0a,
		0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	uint8_t out[SIM_SENSE_MAX];
	CU_ASSERT_EQUAL(sim_sense_encode(out, SIM_SENSE_UNRECOVERED_READ, false, true,
					 0x12345678), 18);
	CU_ASSERT_EQUAL(memcmp(out, want, 18), 0);
}

/* INFORMATION has 4 bytes in fixed format: a larger value is not VALID. */
static void test_fixed_info_too_big(void)
{
	uint8_t out[SIM_SENSE_MAX];
	CU_ASSERT_EQUAL(sim_sense_encode(out, SIM_SENSE_UNRECOVERED_READ, false, true,
					 0x100000000ull), 18);
	CU_ASSERT_EQUAL(out[0], 0x70);
	CU_ASSERT_EQUAL(out[3] | out[4] | out[5] | out[6], 0);
}

static void test_descriptor_plain(void)
{
	static const uint8_t want[8] = { 0x72, 0x06, 0x29, 0x00, 0x00, 0x00, 0x00, 0x00 };
	uint8_t out[SIM_SENSE_MAX];
	CU_ASSERT_EQUAL(sim_sense_encode(out, SIM_SENSE_POWER_ON_RESET, true, false, 0), 8);
	CU_ASSERT_EQUAL(memcmp(out, want, 8), 0);
}

static void test_descriptor_info(void)
{
	static const uint8_t want[20] = {
		0x72, 0x03, 0x11, 0x00, 0x00, 0x00, 0x00, 0x0c,
		0x00, 0x0a, 0x80, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	};
	uint8_t out[SIM_SENSE_MAX];
	CU_ASSERT_EQUAL(sim_sense_encode(out, SIM_SENSE_UNRECOVERED_READ, true, true,
					 0x0102030405060708ull), 20);
	CU_ASSERT_EQUAL(memcmp(out, want, 20), 0);
}

static void test_field_pointer_fixed(void)
{
	struct sim_sense_field f = { .valid = true, .cdb = true, .bpv = true, .bit = 5, .byte = 2 };
	uint8_t out[SIM_SENSE_MAX];
	CU_ASSERT_EQUAL(sim_sense_encode_field(out, SIM_SENSE_INVALID_FIELD_IN_CDB, false, false,
					       0, &f), 18);
	CU_ASSERT_EQUAL(out[15], 0xcd);	/* SKSV, C/D, BPV, bit 5 */
	CU_ASSERT_EQUAL(out[16], 0x00);
	CU_ASSERT_EQUAL(out[17], 0x02);

	f = (struct sim_sense_field){ .valid = true, .cdb = false, .byte = 0x0123 };
	sim_sense_encode_field(out, SIM_SENSE_INVALID_FIELD_IN_PARAM, false, false, 0, &f);
	CU_ASSERT_EQUAL(out[15], 0x80);
	CU_ASSERT_EQUAL(out[16], 0x01);
	CU_ASSERT_EQUAL(out[17], 0x23);
}

static void test_field_pointer_descriptor(void)
{
	static const uint8_t want[28] = {
		0x72, 0x05, 0x24, 0x00, 0x00, 0x00, 0x00, 0x14,
		0x00, 0x0a, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
		0x02, 0x06, 0x00, 0x00, 0xc8, 0x00, 0x01, 0x00,
	};
	struct sim_sense_field f = { .valid = true, .cdb = true, .bpv = true, .bit = 0, .byte = 1 };
	uint8_t out[SIM_SENSE_MAX];
	CU_ASSERT_EQUAL(sim_sense_encode_field(out, SIM_SENSE_INVALID_FIELD_IN_CDB, true, true,
					       7, &f), 28);
	CU_ASSERT_EQUAL(memcmp(out, want, 28), 0);
}

static void test_strings(void)
{
	CU_ASSERT_STRING_EQUAL(sim_sense_key_str(0x5), "ILLEGAL REQUEST");
	CU_ASSERT_STRING_EQUAL(sim_sense_key_str(0x6), "UNIT ATTENTION");
	CU_ASSERT_PTR_NOT_NULL(sim_sense_key_str(0x42));
	CU_ASSERT_STRING_EQUAL(sim_sense_asc_str(0x3a, 0x02), "medium not present - tray open");
	CU_ASSERT_STRING_EQUAL(sim_sense_asc_str(0x53, 0x02), "medium removal prevented");
	CU_ASSERT_PTR_NOT_NULL(sim_sense_asc_str(0xfe, 0xfe));
}

static const struct unit_test sense_tests[] = {
	{ "FixedPlain", test_fixed_plain },
	{ "FixedInfo", test_fixed_info },
	{ "FixedInfoTooBig", test_fixed_info_too_big },
	{ "DescriptorPlain", test_descriptor_plain },
	{ "DescriptorInfo", test_descriptor_info },
	{ "FieldPointerFixed", test_field_pointer_fixed },
	{ "FieldPointerDescriptor", test_field_pointer_descriptor },
	{ "Strings", test_strings },
};

static int sense_suite(void)
{
	return UNIT_ADD_SUITE("Sense", sense_tests);
}
UNIT_SUITE(sense_suite)
