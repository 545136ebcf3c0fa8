/* tests/unit/test_eng_sense.c - engine/sense.c and engine/hresult.c: sense parsing
 * (fixed, descriptor, short and garbage buffers), names, formatting, actions, every row
 * of the sense -> HRESULT table (doc/engine-recorder.md), and the HRESULT names and
 * numbers of Microsoft's IMAPI2 return values. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sense.h"
#include "unit.h"
#include "writeengine.h"

#define HR_IS(s, op, want) CU_ASSERT_EQUAL(eng_sense_hresult(&(s), (op)), (want))

static void test_parse_fixed(void)
{
	uint8_t p[18] = { 0xF0, 0, 0x22, 0x00, 0x00, 0x12, 0x34, 10, 0, 0, 0, 0, 0x04, 0x08,
			  0, 0x80, 0x12, 0x34 };
	struct eng_sense s;
	CU_ASSERT_EQUAL(eng_sense_parse(p, sizeof(p), &s), 0);
	CU_ASSERT_EQUAL(s.valid, 1);
	CU_ASSERT_EQUAL(s.key, 2);
	CU_ASSERT_EQUAL(s.asc, 0x04);
	CU_ASSERT_EQUAL(s.ascq, 0x08);
	/* The normalized copy keeps VALID, INFORMATION and the progress field. */
	CU_ASSERT_EQUAL(memcmp(s.fixed, p, 18), 0);

	/* Deferred error 71h stays 71h. */
	p[0] = 0x71;
	CU_ASSERT_EQUAL(eng_sense_parse(p, sizeof(p), &s), 0);
	CU_ASSERT_EQUAL(s.fixed[0], 0x71);
	CU_ASSERT_EQUAL(s.key, 2);

	/* Longer sense (additional length 0x18) is cut to 18 bytes, length set to 10. */
	uint8_t big[32] = { 0x70, 0, 0x05, 0, 0, 0, 0, 0x18, 0, 0, 0, 0, 0x21, 0x02 };
	CU_ASSERT_EQUAL(eng_sense_parse(big, sizeof(big), &s), 0);
	CU_ASSERT_EQUAL(s.fixed[7], 10);
	CU_ASSERT_EQUAL(s.asc, 0x21);
	CU_ASSERT_EQUAL(s.ascq, 0x02);
}

static void test_parse_fixed_short(void)
{
	struct eng_sense s;
	/* Additional length 4: bytes 12/13 are not part of the sense even though present. */
	uint8_t p[18] = { 0x70, 0, 0x03, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0x11, 0x00 };
	CU_ASSERT_EQUAL(eng_sense_parse(p, sizeof(p), &s), 0);
	CU_ASSERT_EQUAL(s.key, 3);
	CU_ASSERT_EQUAL(s.asc, 0);
	CU_ASSERT_EQUAL(s.ascq, 0);
	/* Additional length 6 reaches ASC and ASCQ. */
	p[7] = 6;
	CU_ASSERT_EQUAL(eng_sense_parse(p, sizeof(p), &s), 0);
	CU_ASSERT_EQUAL(s.asc, 0x11);
	/* Buffer of 13 bytes: ASC but no ASCQ. */
	p[7] = 10;
	p[13] = 0x05;
	CU_ASSERT_EQUAL(eng_sense_parse(p, 13, &s), 0);
	CU_ASSERT_EQUAL(s.asc, 0x11);
	CU_ASSERT_EQUAL(s.ascq, 0);
	/* Three bytes: key only. */
	CU_ASSERT_EQUAL(eng_sense_parse(p, 3, &s), 0);
	CU_ASSERT_EQUAL(s.key, 3);
	CU_ASSERT_EQUAL(s.fixed[12], 0);
	/* Two bytes: not sense. */
	CU_ASSERT_EQUAL(eng_sense_parse(p, 2, &s), -1);
	CU_ASSERT_EQUAL(s.valid, 0);
}

static void test_parse_descriptor(void)
{
	/* 72h, 3/11/00 with an INFORMATION descriptor (LBA 0x1234, VALID) and a
	 * sense-key-specific descriptor. */
	uint8_t p[8 + 12 + 8] = { 0x72, 0x03, 0x11, 0x00, 0, 0, 0, 20,
				  0x00, 0x0A, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34,
				  0x02, 0x06, 0, 0, 0x80, 0x00, 0x07, 0 };
	struct eng_sense s;
	CU_ASSERT_EQUAL(eng_sense_parse(p, sizeof(p), &s), 0);
	CU_ASSERT_EQUAL(s.key, 3);
	CU_ASSERT_EQUAL(s.asc, 0x11);
	CU_ASSERT_EQUAL(s.ascq, 0);
	CU_ASSERT_EQUAL(s.fixed[0], 0xF0);
	CU_ASSERT_EQUAL(s.fixed[2], 3);
	CU_ASSERT_EQUAL(s.fixed[5], 0x12);
	CU_ASSERT_EQUAL(s.fixed[6], 0x34);
	CU_ASSERT_EQUAL(s.fixed[7], 10);
	CU_ASSERT_EQUAL(s.fixed[12], 0x11);
	CU_ASSERT_EQUAL(s.fixed[15], 0x80);
	CU_ASSERT_EQUAL(s.fixed[17], 0x07);
	/* Deferred descriptor 73h maps to 71h; 4 bytes are enough for the triple. */
	uint8_t d[4] = { 0x73, 0x06, 0x29, 0x00 };
	CU_ASSERT_EQUAL(eng_sense_parse(d, 4, &s), 0);
	CU_ASSERT_EQUAL(s.fixed[0], 0x71);
	CU_ASSERT_EQUAL(s.key, 6);
	CU_ASSERT_EQUAL(s.asc, 0x29);
	CU_ASSERT_EQUAL(eng_sense_parse(d, 3, &s), -1);
	/* A descriptor running past the buffer is ignored, the triple kept. */
	uint8_t t[10] = { 0x72, 0x05, 0x24, 0x00, 0, 0, 0, 12, 0x00, 0x0A };
	CU_ASSERT_EQUAL(eng_sense_parse(t, sizeof(t), &s), 0);
	CU_ASSERT_EQUAL(s.asc, 0x24);
	CU_ASSERT_EQUAL(s.fixed[5], 0);
}

static void test_parse_garbage(void)
{
	struct eng_sense s;
	uint8_t junk[18] = { 0x7F, 1, 2, 3 };
	CU_ASSERT_EQUAL(eng_sense_parse(junk, sizeof(junk), &s), -1);
	CU_ASSERT_EQUAL(s.valid, 0);
	CU_ASSERT_EQUAL(s.key, 0);
	junk[0] = 0x00;
	CU_ASSERT_EQUAL(eng_sense_parse(junk, sizeof(junk), &s), -1);
	CU_ASSERT_EQUAL(eng_sense_parse(NULL, 18, &s), -1);
	CU_ASSERT_EQUAL(eng_sense_parse(junk, 0, &s), -1);
	CU_ASSERT_EQUAL(eng_sense_parse(junk, 18, NULL), -1);
}

static void test_make(void)
{
	struct eng_sense s = eng_sense_make(0x15, 0x21, 0x02); /* key is 4 bits */
	uint8_t want[18] = { 0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x21, 0x02 };
	CU_ASSERT_EQUAL(s.valid, 1);
	CU_ASSERT_EQUAL(s.key, 5);
	CU_ASSERT_EQUAL(memcmp(s.fixed, want, 18), 0);
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(eng_sense_key_name(0), "NO SENSE");
	CU_ASSERT_STRING_EQUAL(eng_sense_key_name(2), "NOT READY");
	CU_ASSERT_STRING_EQUAL(eng_sense_key_name(5), "ILLEGAL REQUEST");
	CU_ASSERT_STRING_EQUAL(eng_sense_key_name(6), "UNIT ATTENTION");
	CU_ASSERT_STRING_EQUAL(eng_sense_key_name(0x0E), "MISCOMPARE");
	CU_ASSERT_STRING_EQUAL(eng_sense_key_name(0x0C), "RESERVED");
	CU_ASSERT_STRING_EQUAL(eng_sense_key_name(0x42), "RESERVED");
	CU_ASSERT_STRING_EQUAL(eng_sense_asc_name(0x00, 0x00), "NO ADDITIONAL SENSE INFORMATION");
	CU_ASSERT_STRING_EQUAL(eng_sense_asc_name(0x04, 0x08), "LONG WRITE IN PROGRESS");
	CU_ASSERT_STRING_EQUAL(eng_sense_asc_name(0x21, 0x02), "INVALID ADDRESS FOR WRITE");
	CU_ASSERT_STRING_EQUAL(eng_sense_asc_name(0x30, 0x10), "MEDIUM NOT FORMATTED");
	CU_ASSERT_STRING_EQUAL(eng_sense_asc_name(0x73, 0x06), "RMA/PMA IS ALMOST FULL");
	CU_ASSERT_STRING_EQUAL(eng_sense_asc_name(0x6F, 0x07), "CONFLICT IN BINDING NONCE RECORDING");
	CU_ASSERT_PTR_NULL(eng_sense_asc_name(0x5D, 0x01));
	CU_ASSERT_PTR_NULL(eng_sense_asc_name(0xFF, 0xFF));
	/* Every ASC/ASCQ the brief lists has a name (the binary search finds each). */
	static const uint8_t pairs[][2] = {
		{ 0x00, 0x00 }, { 0x04, 0x00 }, { 0x04, 0x01 }, { 0x04, 0x02 }, { 0x04, 0x03 },
		{ 0x04, 0x04 }, { 0x04, 0x07 }, { 0x04, 0x08 }, { 0x06, 0x00 }, { 0x0C, 0x00 },
		{ 0x0C, 0x07 }, { 0x0C, 0x09 }, { 0x0C, 0x0A }, { 0x11, 0x00 }, { 0x11, 0x05 },
		{ 0x11, 0x06 }, { 0x15, 0x00 }, { 0x1A, 0x00 }, { 0x20, 0x00 }, { 0x21, 0x00 },
		{ 0x21, 0x01 }, { 0x21, 0x02 }, { 0x24, 0x00 }, { 0x25, 0x00 }, { 0x26, 0x00 },
		{ 0x26, 0x01 }, { 0x26, 0x02 }, { 0x27, 0x00 }, { 0x28, 0x00 }, { 0x29, 0x00 },
		{ 0x29, 0x01 }, { 0x29, 0x02 }, { 0x29, 0x03 }, { 0x29, 0x04 }, { 0x2A, 0x01 },
		{ 0x2A, 0x02 }, { 0x2A, 0x03 }, { 0x2C, 0x00 }, { 0x30, 0x00 }, { 0x30, 0x01 },
		{ 0x30, 0x02 }, { 0x30, 0x03 }, { 0x30, 0x04 }, { 0x30, 0x05 }, { 0x30, 0x06 },
		{ 0x30, 0x07 }, { 0x30, 0x10 }, { 0x31, 0x00 }, { 0x31, 0x01 }, { 0x3A, 0x00 },
		{ 0x3A, 0x01 }, { 0x3A, 0x02 }, { 0x3E, 0x00 }, { 0x44, 0x00 }, { 0x53, 0x00 },
		{ 0x53, 0x02 }, { 0x57, 0x00 }, { 0x5A, 0x01 }, { 0x5D, 0x00 }, { 0x63, 0x00 },
		{ 0x63, 0x01 }, { 0x64, 0x00 }, { 0x64, 0x01 }, { 0x6F, 0x00 }, { 0x6F, 0x01 },
		{ 0x6F, 0x02 }, { 0x6F, 0x03 }, { 0x6F, 0x04 }, { 0x6F, 0x05 }, { 0x6F, 0x06 },
		{ 0x6F, 0x07 }, { 0x72, 0x00 }, { 0x72, 0x01 }, { 0x72, 0x02 }, { 0x72, 0x03 },
		{ 0x72, 0x04 }, { 0x72, 0x05 }, { 0x73, 0x00 }, { 0x73, 0x01 }, { 0x73, 0x02 },
		{ 0x73, 0x03 }, { 0x73, 0x04 }, { 0x73, 0x05 }, { 0x73, 0x06 },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (!eng_sense_asc_name(pairs[i][0], pairs[i][1]))
			fprintf(stderr, "no name for %02X/%02X\n", pairs[i][0], pairs[i][1]);
		CU_ASSERT_PTR_NOT_NULL(eng_sense_asc_name(pairs[i][0], pairs[i][1]));
	}
}

static void test_format(void)
{
	char buf[128];
	struct eng_sense s = eng_sense_make(2, 0x04, 0x08);
	CU_ASSERT_STRING_EQUAL(eng_sense_format(&s, buf, sizeof(buf)),
			       "NOT READY: LONG WRITE IN PROGRESS (2/04/08)");
	s = eng_sense_make(5, 0x5D, 0x01);
	CU_ASSERT_STRING_EQUAL(eng_sense_format(&s, buf, sizeof(buf)),
			       "ILLEGAL REQUEST: ASC 5Dh ASCQ 01h (5/5D/01)");
	s = eng_sense_make(0xB, 0x44, 0x00);
	CU_ASSERT_STRING_EQUAL(eng_sense_format(&s, buf, sizeof(buf)),
			       "ABORTED COMMAND: INTERNAL TARGET FAILURE (B/44/00)");
	/* Truncation keeps a terminated string. */
	char small[10];
	eng_sense_format(&s, small, sizeof(small));
	CU_ASSERT_EQUAL(strlen(small), 9);
}

static void test_describe(void)
{
	char buf[128];
	uint8_t fixed[18] = { 0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x21, 0x02 };
	CU_ASSERT_PTR_EQUAL(imapi_sense_describe(fixed, sizeof(fixed), buf, sizeof(buf)), buf);
	CU_ASSERT_STRING_EQUAL(buf, "ILLEGAL REQUEST: INVALID ADDRESS FOR WRITE (5/21/02)");
	uint8_t desc[8] = { 0x72, 0x06, 0x28, 0x00 };
	imapi_sense_describe(desc, sizeof(desc), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf,
		"UNIT ATTENTION: NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED (6/28/00)");
	uint8_t junk[4] = { 0x12, 0, 0, 0 };
	imapi_sense_describe(junk, sizeof(junk), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "not sense data");
}

static void test_action(void)
{
	struct eng_sense s = eng_sense_make(6, 0x29, 0x00);
	CU_ASSERT_EQUAL(eng_sense_action(&s), ENG_SENSE_UNIT_ATTENTION);
	s = eng_sense_make(6, 0x2A, 0x01);
	CU_ASSERT_EQUAL(eng_sense_action(&s), ENG_SENSE_UNIT_ATTENTION);
	s = eng_sense_make(2, 0x04, 0x01);
	CU_ASSERT_EQUAL(eng_sense_action(&s), ENG_SENSE_BUSY);
	s = eng_sense_make(2, 0x04, 0x07);
	CU_ASSERT_EQUAL(eng_sense_action(&s), ENG_SENSE_BUSY);
	s = eng_sense_make(2, 0x04, 0x08);
	CU_ASSERT_EQUAL(eng_sense_action(&s), ENG_SENSE_BUSY);
	s = eng_sense_make(2, 0x04, 0x04); /* format in progress: not retried */
	CU_ASSERT_EQUAL(eng_sense_action(&s), ENG_SENSE_FAIL);
	s = eng_sense_make(2, 0x3A, 0x00);
	CU_ASSERT_EQUAL(eng_sense_action(&s), ENG_SENSE_FAIL);
	s = eng_sense_make(5, 0x04, 0x08); /* right ASC, wrong key */
	CU_ASSERT_EQUAL(eng_sense_action(&s), ENG_SENSE_FAIL);
	struct eng_sense none;
	memset(&none, 0, sizeof(none));
	CU_ASSERT_EQUAL(eng_sense_action(&none), ENG_SENSE_FAIL);
}

static void test_hresult_opcode_rows(void)
{
	struct eng_sense s = eng_sense_make(5, 0x24, 0x00);
	HR_IS(s, 0x5A, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE);
	HR_IS(s, 0x1A, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE);
	HR_IS(s, 0x55, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS);
	HR_IS(s, 0x15, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS);
	HR_IS(s, 0xAD, E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT);
	HR_IS(s, 0x46, IMAPI_HR_FROM_SENSE(5, 0x24, 0)); /* no row for 46h + 24/00 */
	s = eng_sense_make(5, 0x24, 0x01); /* MODE SENSE row is 24/00 only */
	HR_IS(s, 0x5A, IMAPI_HR_FROM_SENSE(5, 0x24, 1));
	s = eng_sense_make(5, 0x1A, 0x00);
	HR_IS(s, 0x55, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS);
	HR_IS(s, 0x5A, IMAPI_HR_FROM_SENSE(5, 0x1A, 0));
	s = eng_sense_make(5, 0x26, 0x02);
	HR_IS(s, 0x55, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS);
	HR_IS(s, 0x15, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS);
	s = eng_sense_make(6, 0x26, 0x00); /* key must be ILLEGAL REQUEST */
	HR_IS(s, 0x55, IMAPI_HR_FROM_SENSE(6, 0x26, 0));
	s = eng_sense_make(5, 0x20, 0x00);
	HR_IS(s, 0x46, E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED);
	HR_IS(s, 0x51, IMAPI_HR_FROM_SENSE(5, 0x20, 0));
	s = eng_sense_make(5, 0x30, 0x02);
	HR_IS(s, 0xAD, E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT);
	HR_IS(s, 0x28, E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE);
	s = eng_sense_make(5, 0x30, 0x00);
	HR_IS(s, 0xAD, E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT);
	s = eng_sense_make(5, 0x30, 0x05); /* other 30/xx on ADh: the general row */
	HR_IS(s, 0xAD, E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE);
}

static void test_hresult_general_rows(void)
{
	struct eng_sense s;
	for (uint8_t q = 0; q <= 2; q++) {
		s = eng_sense_make(2, 0x3A, q);
		HR_IS(s, 0x00, E_IMAPI_RECORDER_MEDIA_NO_MEDIA);
		HR_IS(s, 0x2A, E_IMAPI_RECORDER_MEDIA_NO_MEDIA);
	}
	s = eng_sense_make(2, 0x04, 0x01);
	HR_IS(s, 0x51, E_IMAPI_RECORDER_MEDIA_BECOMING_READY);
	s = eng_sense_make(2, 0x04, 0x04);
	HR_IS(s, 0x00, E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS);
	s = eng_sense_make(2, 0x04, 0x07);
	HR_IS(s, 0x35, E_IMAPI_RECORDER_MEDIA_BUSY);
	s = eng_sense_make(2, 0x04, 0x08);
	HR_IS(s, 0x2A, E_IMAPI_RECORDER_MEDIA_BUSY); /* before the WRITE fallback */
	s = eng_sense_make(2, 0x04, 0x00);
	HR_IS(s, 0x00, IMAPI_HR_FROM_SENSE(2, 0x04, 0));
	s = eng_sense_make(7, 0x27, 0x00);
	HR_IS(s, 0x2A, E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED);
	s = eng_sense_make(7, 0x27, 0x05);
	HR_IS(s, 0x00, E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED);
	s = eng_sense_make(5, 0x30, 0x10);
	HR_IS(s, 0x2A, E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED);
	s = eng_sense_make(2, 0x30, 0x10);
	HR_IS(s, 0x00, E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED);
	s = eng_sense_make(5, 0x30, 0x05);
	HR_IS(s, 0x2A, E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE);
	s = eng_sense_make(2, 0x30, 0x00);
	HR_IS(s, 0x00, E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE);
	s = eng_sense_make(3, 0x0C, 0x09);
	HR_IS(s, 0x2A, E_IMAPI_LOSS_OF_STREAMING);
	HR_IS(s, 0xAA, E_IMAPI_LOSS_OF_STREAMING);
	s = eng_sense_make(1, 0x0C, 0x09);
	HR_IS(s, 0x35, E_IMAPI_LOSS_OF_STREAMING);
}

static void test_hresult_fallbacks(void)
{
	struct eng_sense s = eng_sense_make(5, 0x21, 0x02);
	HR_IS(s, 0x2A, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	HR_IS(s, 0xAA, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	HR_IS(s, 0x28, IMAPI_HR_FROM_SENSE(5, 0x21, 2));
	s = eng_sense_make(5, 0x64, 0x00);
	HR_IS(s, 0x2A, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	/* A flush or close that failed with a write or hardware error: the burn failed
	 * as a failed WRITE does (rows 17-18); loss of streaming keeps its row; other
	 * opcodes and other senses keep the sense family. */
	s = eng_sense_make(3, 0x0C, 0x00);
	HR_IS(s, 0x35, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	HR_IS(s, 0x5B, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	HR_IS(s, 0x2A, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	HR_IS(s, 0xA1, IMAPI_HR_FROM_SENSE(3, 0x0C, 0));
	s = eng_sense_make(3, 0x0C, 0x09);
	HR_IS(s, 0x35, E_IMAPI_LOSS_OF_STREAMING);
	s = eng_sense_make(4, 0x44, 0x00);
	HR_IS(s, 0x35, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	HR_IS(s, 0x5B, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	HR_IS(s, 0xAA, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	HR_IS(s, 0x51, IMAPI_HR_FROM_SENSE(4, 0x44, 0));
	/* The public form wengine's pass-through commands use: raw fixed sense. */
	uint8_t raw[18] = { 0x70, 0, 0x03, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x0C, 0x00 };
	CU_ASSERT_EQUAL(imapi_sense_hresult(raw, sizeof(raw), 0x35), E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	raw[2] = 0x05, raw[12] = 0x21;
	CU_ASSERT_EQUAL(imapi_sense_hresult(raw, sizeof(raw), 0x28), IMAPI_HR_FROM_SENSE(5, 0x21, 0));
	raw[0] = 0x00;
	CU_ASSERT_EQUAL(imapi_sense_hresult(raw, sizeof(raw), 0x35),
			E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
	s = eng_sense_make(3, 0x11, 0x00);
	HR_IS(s, 0x35, IMAPI_HR_FROM_SENSE(3, 0x11, 0));
	CU_ASSERT_EQUAL((uint32_t)eng_sense_hresult(&s, 0x28), 0xE0031100u);
	CU_ASSERT(IMAPI_FAILED(eng_sense_hresult(&s, 0x28)));
	s = eng_sense_make(6, 0x29, 0x00);
	CU_ASSERT_EQUAL((uint32_t)eng_sense_hresult(&s, 0x00), 0xE0062900u);
	s = eng_sense_make(0, 0, 0); /* never S_OK */
	CU_ASSERT_EQUAL((uint32_t)eng_sense_hresult(&s, 0x00), 0xE0000000u);
	struct eng_sense none;
	memset(&none, 0, sizeof(none));
	HR_IS(none, 0x00, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
	HR_IS(none, 0x2A, E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
}

static void test_status_hresult(void)
{
	CU_ASSERT_EQUAL(eng_status_hresult(0x00), S_OK);
	CU_ASSERT_EQUAL(eng_status_hresult(0x18), E_IMAPI_RECORDER_LOCKED);
	CU_ASSERT_EQUAL(eng_status_hresult(0x08), E_IMAPI_RECORDER_MEDIA_BUSY);
	CU_ASSERT_EQUAL(eng_status_hresult(0x28), E_IMAPI_RECORDER_MEDIA_BUSY);
	CU_ASSERT_EQUAL(eng_status_hresult(0x02), E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE);
	CU_ASSERT_EQUAL(eng_status_hresult(0x30), E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	CU_ASSERT_EQUAL(eng_status_hresult(0x40), E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
}

/* Contract section 5: names and numbers. */
static void test_hresult_names(void)
{
	static const struct {
		uint32_t v;
		const char *name;
	} want[] = {
		{ 0x00000000u, "S_OK" },
		{ 0x00000001u, "S_FALSE" },
		{ 0x80004001u, "E_NOTIMPL" },
		{ 0x80004002u, "E_NOINTERFACE" },
		{ 0x80004003u, "E_POINTER" },
		{ 0x80004004u, "E_ABORT" },
		{ 0x80004005u, "E_FAIL" },
		{ 0x8000FFFFu, "E_UNEXPECTED" },
		{ 0x8007000Eu, "E_OUTOFMEMORY" },
		{ 0x80070057u, "E_INVALIDARG" },
		{ 0x80070006u, "IMAPI_E_WIN32_INVALID_HANDLE" },
		{ 0x80070037u, "IMAPI_E_WIN32_DEV_NOT_EXIST" },
		{ 0xC0AA0002u, "E_IMAPI_REQUEST_CANCELLED" },
		{ 0xC0AA0003u, "E_IMAPI_RECORDER_REQUIRED" },
		{ 0x00AA0004u, "S_IMAPI_SPEEDADJUSTED" },
		{ 0x00AA0005u, "S_IMAPI_ROTATIONADJUSTED" },
		{ 0x00AA0006u, "S_IMAPI_BOTHADJUSTED" },
		{ 0xC0AA0007u, "E_IMAPI_BURN_VERIFICATION_FAILED" },
		{ 0x00AA0200u, "S_IMAPI_COMMAND_HAS_SENSE_DATA" },
		{ 0xC0AA0201u, "E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE" },
		{ 0xC0AA0202u, "E_IMAPI_RECORDER_MEDIA_NO_MEDIA" },
		{ 0xC0AA0203u, "E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE" },
		{ 0xC0AA0204u, "E_IMAPI_RECORDER_MEDIA_UPSIDE_DOWN" },
		{ 0xC0AA0205u, "E_IMAPI_RECORDER_MEDIA_BECOMING_READY" },
		{ 0xC0AA0206u, "E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS" },
		{ 0xC0AA0207u, "E_IMAPI_RECORDER_MEDIA_BUSY" },
		{ 0xC0AA0208u, "E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS" },
		{ 0xC0AA0209u, "E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED" },
		{ 0xC0AA020Au, "E_IMAPI_RECORDER_NO_SUCH_FEATURE" },
		{ 0xC0AA020Bu, "E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT" },
		{ 0xC0AA020Cu, "E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED" },
		{ 0xC0AA020Du, "E_IMAPI_RECORDER_COMMAND_TIMEOUT" },
		{ 0xC0AA020Eu, "E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT" },
		{ 0xC0AA020Fu, "E_IMAPI_RECORDER_MEDIA_SPEED_MISMATCH" },
		{ 0xC0AA0210u, "E_IMAPI_RECORDER_LOCKED" },
		{ 0xC0AA0211u, "E_IMAPI_RECORDER_CLIENT_NAME_IS_NOT_VALID" },
		{ 0xC0AA0212u, "E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED" },
		{ 0xC0AA02FFu, "E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE" },
		{ 0xC0AA0300u, "E_IMAPI_LOSS_OF_STREAMING" },
		{ 0xC0AA0301u, "E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE" },
		{ 0x00AA0302u, "S_IMAPI_WRITE_NOT_IN_PROGRESS" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *n = imapi_hresult_name(IMAPI_HR(want[i].v));
		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		if (strcmp(n, want[i].name) != 0)
			fprintf(stderr, "%08X: %s, want %s\n", want[i].v, n, want[i].name);
		CU_ASSERT_STRING_EQUAL(n, want[i].name);
		const char *t = imapi_hresult_text(IMAPI_HR(want[i].v));
		CU_ASSERT(t && *t && strcmp(t, "Unknown HRESULT.") != 0);
	}
	CU_ASSERT_PTR_NULL(imapi_hresult_name(IMAPI_HR(0xC0AA0299u)));
	CU_ASSERT_PTR_NULL(imapi_hresult_name(IMAPI_HR(0x12345678u)));
	CU_ASSERT_STRING_EQUAL(imapi_hresult_text(IMAPI_HR(0x12345678u)), "Unknown HRESULT.");
}

static void test_hresult_sense_family(void)
{
	hresult_t hr = IMAPI_HR_FROM_SENSE(3, 0x11, 0x00);
	CU_ASSERT_EQUAL((uint32_t)hr, 0xE0031100u);
	CU_ASSERT(IMAPI_HR_IS_SENSE(hr));
	CU_ASSERT(!IMAPI_HR_IS_SENSE(E_IMAPI_RECORDER_MEDIA_BUSY));
	CU_ASSERT_STRING_EQUAL(imapi_hresult_name(hr), "IMAPI_HR_FROM_SENSE");
	CU_ASSERT_STRING_EQUAL(imapi_hresult_text(hr), "The drive reported SK/ASC/ASCQ 3/11/00.");
	CU_ASSERT_STRING_EQUAL(imapi_hresult_text(IMAPI_HR_FROM_SENSE(5, 0x21, 0x02)),
			       "The drive reported SK/ASC/ASCQ 5/21/02.");
}

static int add_suite(void)
{
	static const struct unit_test tests[] = {
		{ "parse_fixed", test_parse_fixed },
		{ "parse_fixed_short", test_parse_fixed_short },
		{ "parse_descriptor", test_parse_descriptor },
		{ "parse_garbage", test_parse_garbage },
		{ "make", test_make },
		{ "names", test_names },
		{ "format", test_format },
		{ "describe", test_describe },
		{ "action", test_action },
		{ "hresult_opcode_rows", test_hresult_opcode_rows },
		{ "hresult_general_rows", test_hresult_general_rows },
		{ "hresult_fallbacks", test_hresult_fallbacks },
		{ "status_hresult", test_status_hresult },
		{ "hresult_names", test_hresult_names },
		{ "hresult_sense_family", test_hresult_sense_family },
	};
	return UNIT_ADD_SUITE("eng_sense", tests);
}
UNIT_SUITE(add_suite)
