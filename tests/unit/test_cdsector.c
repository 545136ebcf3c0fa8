/* tests/unit/test_cdsector.c - CUnit suite "cdsector" for disclog/cdsector.c.
 *
 * EDC and ECC are checked by code written here from ECMA-130, not by calling back
 * into the module: a bitwise EDC, and the Annex A parity-check syndromes evaluated
 * with log/exp tables over the byte positions of the sector. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "cdsector.h"

/* ---- independent references --------------------------------------------------- */

/* Bitwise CRC with generator 8001801Bh, LSB first (ECMA-130 §14.3). */
static uint32_t ref_edc(const uint8_t *p, size_t len)
{
	uint32_t crc = 0;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xd8018001u : crc >> 1;
	}
	return crc;
}

static uint8_t gexp[512], glog[256];

static void gf_tables(void)
{
	unsigned x = 1;
	for (unsigned i = 0; i < 255; i++) {
		gexp[i] = gexp[i + 255] = (uint8_t)x;
		glog[x] = (uint8_t)i;
		x <<= 1;
		if (x & 0x100)
			x ^= 0x11d;	/* x^8+x^4+x^3+x^2+1 */
	}
}

/* alpha^e * v */
static uint8_t gf_scale(uint8_t v, unsigned e)
{
	return v ? gexp[(glog[v] + e) % 255] : 0;
}

/* Evaluate both syndromes of every P and Q vector of bytes 12..2351.  Returns the
 * number of vectors with a non-zero syndrome. */
static unsigned ref_ecc_bad(const uint8_t *sector, int zero_header)
{
	uint8_t s[2340];
	unsigned bad = 0;

	memcpy(s, sector + 12, sizeof(s));
	if (zero_header)
		memset(s, 0, 4);
	gf_tables();
	for (unsigned b = 0; b < 2; b++) {
		for (unsigned n = 0; n < 43; n++) {	/* P: 26 symbols */
			uint8_t s0 = 0, s1 = 0;
			for (unsigned m = 0; m < 26; m++) {
				uint8_t v = s[(43 * m + n) * 2 + b];
				s0 ^= v;
				s1 ^= gf_scale(v, 25 - m);
			}
			bad += (s0 || s1);
		}
		for (unsigned n = 0; n < 26; n++) {	/* Q: 45 symbols */
			uint8_t s0 = 0, s1 = 0;
			for (unsigned m = 0; m < 45; m++) {
				unsigned w = m < 43 ? (44 * m + 43 * n) % 1118 : (m == 43 ? 1118 + n : 1144 + n);
				uint8_t v = s[w * 2 + b];
				s0 ^= v;
				s1 ^= gf_scale(v, 44 - m);
			}
			bad += (s0 || s1);
		}
	}
	return bad;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rand();
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_msf_examples(void)
{
	struct cds_msf m;
	int32_t lba;

	CU_ASSERT_EQUAL(cds_lba_to_msf(0, &m), 0);
	CU_ASSERT(m.m == 0 && m.s == 2 && m.f == 0);
	CU_ASSERT_EQUAL(cds_lba_to_msf(-150, &m), 0);
	CU_ASSERT(m.m == 0 && m.s == 0 && m.f == 0);
	/* lead-in examples: cdemu's -11077, and 97:26:65 = -11635 of blank CD-Rs */
	CU_ASSERT_EQUAL(cds_lba_to_msf(-11077, &m), 0);
	CU_ASSERT(m.m == 97 && m.s == 34 && m.f == 23);
	CU_ASSERT_EQUAL(cds_msf_to_lba((struct cds_msf){ 97, 26, 65 }, &lba), 0);
	CU_ASSERT_EQUAL(lba, -11635);
	CU_ASSERT_EQUAL(cds_msf_to_lba((struct cds_msf){ 79, 59, 74 }, &lba), 0);
	CU_ASSERT_EQUAL(lba, 359849);
	CU_ASSERT_EQUAL(cds_msf_to_lba((struct cds_msf){ 0, 60, 0 }, &lba), -1);
	CU_ASSERT_EQUAL(cds_msf_to_lba((struct cds_msf){ 0, 0, 75 }, &lba), -1);
	CU_ASSERT_EQUAL(cds_lba_to_msf(CDS_LBA_MAX + 1, &m), -1);
	CU_ASSERT_EQUAL(cds_lba_to_msf(CDS_LBA_MIN - 1, &m), -1);
	CU_ASSERT_EQUAL(cds_bcd(59), 0x59);
	CU_ASSERT_EQUAL(cds_unbcd(0x74), 74);
}

static void test_msf_round_trip(void)
{
	struct cds_msf m;
	int32_t back;
	unsigned bad = 0;

	for (int32_t lba = CDS_LBA_MIN; lba <= CDS_LBA_MAX; lba++) {
		if (cds_lba_to_msf(lba, &m) != 0 || cds_msf_to_lba(m, &back) != 0 || back != lba)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_edc_reference(void)
{
	uint8_t buf[2064];

	fill(buf, sizeof(buf), 1);
	CU_ASSERT_EQUAL(cds_edc(0, buf, sizeof(buf)), ref_edc(buf, sizeof(buf)));
	/* running value: two halves give the same CRC */
	CU_ASSERT_EQUAL(cds_edc(cds_edc(0, buf, 1000), buf + 1000, 1064), ref_edc(buf, sizeof(buf)));
	CU_ASSERT_EQUAL(cds_edc(0, buf, 0), 0);
}

static void test_mode1_sector(void)
{
	uint8_t user[2048], sec[2352];
	static const uint8_t sync[12] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	static const uint8_t zero8[8];

	for (unsigned seed = 0; seed < 4; seed++) {
		int32_t lba = seed == 3 ? -150 : (int32_t)(seed * 12345);
		fill(user, sizeof(user), seed + 7);
		CU_ASSERT_EQUAL_FATAL(cds_make_mode1(sec, lba, user), 0);
		CU_ASSERT_EQUAL(memcmp(sec, sync, 12), 0);
		struct cds_msf m;
		cds_lba_to_msf(lba, &m);
		CU_ASSERT(sec[12] == cds_bcd(m.m) && sec[13] == cds_bcd(m.s) && sec[14] == cds_bcd(m.f));
		CU_ASSERT_EQUAL(sec[15], 1);
		CU_ASSERT_EQUAL(memcmp(sec + 16, user, 2048), 0);
		CU_ASSERT_EQUAL(le32(sec + 2064), ref_edc(sec, 2064));
		CU_ASSERT_EQUAL(memcmp(sec + 2068, zero8, 8), 0);
		CU_ASSERT_EQUAL(ref_ecc_bad(sec, 0), 0);
		CU_ASSERT_EQUAL(cds_classify(sec), CDS_KIND_MODE1);
		CU_ASSERT_EQUAL(cds_user_offset(CDS_KIND_MODE1), 16);
	}
	/* all-zero user data still gets non-trivial parity (header is non-zero) */
	memset(user, 0, sizeof(user));
	cds_make_mode1(sec, 0, user);
	CU_ASSERT_EQUAL(ref_ecc_bad(sec, 0), 0);
	/* the checker must see a single flipped byte */
	sec[1000] ^= 0x40;
	CU_ASSERT(ref_ecc_bad(sec, 0) > 0);
	CU_ASSERT_EQUAL(cds_make_mode1(sec, CDS_LBA_MAX + 1, user), -1);
}

static void test_mode2_form1_sector(void)
{
	uint8_t user[2048], sec[2352];
	const uint8_t sub[4] = { 1, 2, 0x28, 0 };	/* form 2 bit set: must be cleared */

	fill(user, sizeof(user), 99);
	CU_ASSERT_EQUAL_FATAL(cds_make_mode2_form1(sec, 4500, user, sub), 0);
	CU_ASSERT_EQUAL(sec[15], 2);
	CU_ASSERT(sec[16] == 1 && sec[17] == 2 && sec[18] == 0x08 && sec[19] == 0);
	CU_ASSERT_EQUAL(memcmp(sec + 16, sec + 20, 4), 0);
	CU_ASSERT_EQUAL(memcmp(sec + 24, user, 2048), 0);
	CU_ASSERT_EQUAL(le32(sec + 2072), ref_edc(sec + 16, 2056));
	CU_ASSERT_EQUAL(ref_ecc_bad(sec, 1), 0);	/* parity computed with a zero header */
	CU_ASSERT(ref_ecc_bad(sec, 0) > 0);
	CU_ASSERT_EQUAL(cds_classify(sec), CDS_KIND_MODE2_FORM1);
	sec[18] |= CDS_SUBMODE_FORM2;
	CU_ASSERT_EQUAL(cds_classify(sec), CDS_KIND_MODE2_FORM2);
	memset(sec, 0, 12);
	CU_ASSERT_EQUAL(cds_classify(sec), CDS_KIND_UNKNOWN);
	CU_ASSERT_EQUAL(cds_make_mode2_form1(sec, 0, user, NULL), 0);
	CU_ASSERT_EQUAL(sec[18], CDS_SUBMODE_DATA);
}

/* Bitwise CRC-16-CCITT, MSB first. */
static uint16_t ref_crc16(const uint8_t *p, size_t n)
{
	uint32_t r = 0;
	for (size_t i = 0; i < n; i++)
		for (int b = 7; b >= 0; b--) {
			unsigned in = (p[i] >> b) & 1, top = (r >> 15) & 1;
			r = (r << 1) & 0xffff;
			if (in ^ top)
				r ^= 0x1021;
		}
	return (uint16_t)r;
}

static void test_q_crc(void)
{
	uint8_t q[12];
	/* "123456789" check value of CRC-16/XMODEM (poly 1021h, init 0) is 31C3h */
	CU_ASSERT_EQUAL(cds_crc16((const uint8_t *)"123456789", 9), 0x31c3);

	CU_ASSERT_EQUAL_FATAL(cds_q_position(q, 4, 1, 1, 0, 0), 0);
	CU_ASSERT_EQUAL(q[0], 0x41);
	CU_ASSERT(q[1] == 0x01 && q[2] == 0x01);
	CU_ASSERT(q[3] == 0 && q[4] == 0 && q[5] == 0 && q[6] == 0);
	CU_ASSERT(q[7] == 0x00 && q[8] == 0x02 && q[9] == 0x00);
	uint16_t inv = (uint16_t)~ref_crc16(q, 10);
	CU_ASSERT(q[10] == inv >> 8 && q[11] == (inv & 0xff));
	CU_ASSERT(cds_q_crc_ok(q));
	/* the CRC over data plus the (non-inverted) CRC gives zero */
	uint8_t t[12];
	memcpy(t, q, 12);
	t[10] ^= 0xff;
	t[11] ^= 0xff;
	CU_ASSERT_EQUAL(ref_crc16(t, 12), 0);

	/* pregap of track 2, audio, 10 frames before index 1 at 1:00:00 */
	CU_ASSERT_EQUAL(cds_q_position(q, 0, 12, 0, 9, 4350 - 10), 0);
	CU_ASSERT(q[0] == 0x01 && q[1] == 0x12 && q[2] == 0x00 && q[5] == 0x09);
	CU_ASSERT(q[7] == 0x00 && q[8] == 0x59 && q[9] == 0x65);
	CU_ASSERT(cds_q_crc_ok(q));
	q[4] ^= 1;
	CU_ASSERT(!cds_q_crc_ok(q));
	CU_ASSERT_EQUAL(cds_q_position(q, 0, 1, 1, -1, 0), -1);
	CU_ASSERT_EQUAL(cds_q_position(q, 0, 100, 1, 0, 0), -1);
}

static void test_subchannel(void)
{
	uint8_t chan[8][12], back[8][12], raw[96];

	fill(&chan[0][0], sizeof(chan), 5);
	cds_sub_interleave(raw, (const uint8_t (*)[12])chan);
	/* byte i: bit 7-c is bit (7 - i%8) of channel c's byte i/8 */
	unsigned bad = 0;
	for (unsigned i = 0; i < 96; i++)
		for (unsigned c = 0; c < 8; c++)
			bad += ((raw[i] >> (7 - c)) & 1) != ((chan[c][i / 8] >> (7 - i % 8)) & 1);
	CU_ASSERT_EQUAL(bad, 0);
	cds_sub_deinterleave(back, raw);
	CU_ASSERT_EQUAL(memcmp(back, chan, sizeof(chan)), 0);

	CU_ASSERT_EQUAL(cds_sub_synth(chan, 4, 1, 0, 149, -150), 0);
	cds_sub_interleave(raw, (const uint8_t (*)[12])chan);
	for (unsigned i = 0; i < 96; i++)
		bad += !(raw[i] & 0x80) || (raw[i] & 0x3f);	/* P set, R-W clear */
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(cds_q_crc_ok(chan[1]));
	CU_ASSERT_EQUAL(chan[1][5], 0x74);	/* 149 frames = 00:01:74 */
	CU_ASSERT_EQUAL(cds_sub_synth(chan, 0, 1, 1, 0, 0), 0);
	CU_ASSERT_EQUAL(chan[0][0], 0);
}

static const struct unit_test cdsector_tests[] = {
	{ "msf_examples", test_msf_examples },
	{ "msf_round_trip", test_msf_round_trip },
	{ "edc_reference", test_edc_reference },
	{ "mode1_sector", test_mode1_sector },
	{ "mode2_form1_sector", test_mode2_form1_sector },
	{ "q_crc", test_q_crc },
	{ "subchannel", test_subchannel },
};

static int cdsector_register(void)
{
	return UNIT_ADD_SUITE("cdsector", cdsector_tests);
}
UNIT_SUITE(cdsector_register)
