/* tests/unit/test_eng_rawimage.c - IRawCDImageCreator / IRawCDImageTrackInfo
 * (engine/rawcdimage.c) and the ECMA-130 codes under them (engine/ecma130.c).
 *
 * The codes are checked twice: against known answers (CRC check values, the first
 * scrambler bytes, MSF of fixed addresses) and against disclog's CD codec
 * (disclog/cdsector.h), an implementation of its own that the simulated drive uses.
 * Then the contract: defaults, E_POINTER, every error path, read-only after
 * CreateResultImage; and the images themselves, read back sector by sector: the
 * lead-in TOC, pre-gaps, post-gap, INDEX and relative time, MCN and ISRC frames, P,
 * the three sub-channel layouts, the R-W generator, the special pre-gap, gapless
 * audio, Mode 2 and raw sector types, and a 61 MB track that must pass through a
 * temporary file, not memory. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdsector.h"
#include "ecma130.h"
#include "rawcdimage.h"
#include "stream-private.h"
#include "unit.h"
#include "writeengine.h"

#define FIRST RAW_CD_IMAGE_FIRST_LBA

/* ---- helpers ---------------------------------------------------------------------- */

/* Byte i of sector n of a test stream. */
static uint8_t upat(int64_t n, uint32_t i, unsigned seed)
{
	return (uint8_t)(n * 7 + i * 13 + seed + (i >> 8));
}

static imapi_stream *mem_stream(uint32_t bps, int32_t sectors, unsigned seed)
{
	size_t len = (size_t)bps * (size_t)sectors;
	uint8_t *buf = malloc(len ? len : 1);
	imapi_stream *s = NULL;
	for (size_t i = 0; i < len; i++)
		buf[i] = upat((int64_t)(i / bps), (uint32_t)(i % bps), seed);
	CU_ASSERT_EQUAL(imapi_stream_from_memory(buf, len, 1, &s), S_OK);
	free(buf);
	return s;
}

/* A generated stream: `total` bytes of upat, failing with fail_hr once fail_at bytes
 * were served (fail_hr S_OK: never). */
struct gen {
	uint64_t total, pos, fail_at;
	uint32_t bps;
	unsigned seed;
	hresult_t fail_hr;
};

static hresult_t gen_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	struct gen *g = ctx;
	uint8_t *p = buf;
	uint32_t n = 0;
	if (g->fail_hr != S_OK && g->pos >= g->fail_at) {
		*got = 0;
		return g->fail_hr;
	}
	while (n < len && g->pos < g->total) {
		p[n++] = upat((int64_t)(g->pos / g->bps), (uint32_t)(g->pos % g->bps), g->seed);
		g->pos++;
	}
	*got = n;
	return S_OK;
}

static imapi_stream *gen_stream(struct gen *g)
{
	static const imapi_stream_ops ops = { .read = gen_read };
	imapi_stream *s = NULL;
	CU_ASSERT_EQUAL(imapi_stream_from_ops(&ops, g, &s), S_OK);
	return s;
}

/* Add a track of `sectors` upat sectors; returns the HRESULT. */
static hresult_t add(raw_cd_image *cr, imapi_cd_sector_type type, uint32_t bps, int32_t sectors,
		     unsigned seed, int32_t *index)
{
	imapi_stream *s = mem_stream(bps, sectors, seed);
	int32_t dummy;
	hresult_t hr = raw_cd_image_add_track(cr, type, s, index ? index : &dummy);
	imapi_stream_release(s);
	return hr;
}

static raw_cd_track_info *track(raw_cd_image *cr, int32_t index)
{
	raw_cd_track_info *ti = NULL;
	CU_ASSERT_EQUAL(raw_cd_image_get_track_info(cr, index, &ti), S_OK);
	return ti;
}

static int32_t start_of(raw_cd_image *cr, int32_t index)
{
	raw_cd_track_info *ti = track(cr, index);
	int32_t v = -99999;
	CU_ASSERT_EQUAL(raw_cd_track_info_get_starting_lba(ti, &v), S_OK);
	raw_cd_track_info_release(ti);
	return v;
}

static int32_t leadout_of(raw_cd_image *cr)
{
	int32_t v = -99999;
	CU_ASSERT_EQUAL(raw_cd_image_get_start_of_leadout(cr, &v), S_OK);
	return v;
}

/* The result image, read one sector at a time. */
struct img {
	imapi_stream *s;
	int32_t lba; /* of the sector in sec[] */
	uint32_t bps;
	uint8_t sec[ENG_CD_FRAME + ENG_CD_SUB];
};

static void img_open(struct img *im, raw_cd_image *cr)
{
	int32_t first = 0, count = 0, bps = 0;
	memset(im, 0, sizeof(*im));
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_get_result_image_layout(cr, &first, &count, &bps), S_OK);
	CU_ASSERT_EQUAL(first, FIRST);
	CU_ASSERT_EQUAL(count, leadout_of(cr) + RAW_CD_IMAGE_LEADOUT_SECTORS - FIRST);
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create_result_image(cr, &im->s), S_OK);
	/* its size is known, as IDiscFormat2RawCD::WriteMedia needs */
	uint64_t size = 0;
	CU_ASSERT_EQUAL(imapi_stream_get_size(im->s, &size), S_OK);
	CU_ASSERT_EQUAL(size, (uint64_t)count * (uint64_t)bps);
	im->lba = FIRST - 1;
	im->bps = (uint32_t)bps;
}

static int img_next(struct img *im)
{
	uint32_t got = 0;
	if (eng_stream_read_full(im->s, im->sec, im->bps, &got) != S_OK || got != im->bps)
		return 0;
	im->lba++;
	return 1;
}

/* Read up to (and including) lba. */
static int img_seek(struct img *im, int32_t lba)
{
	while (im->lba < lba)
		if (!img_next(im))
			return 0;
	return im->lba == lba;
}

/* Nothing after the last sector. */
static void img_close_at_end(struct img *im)
{
	uint8_t b[16];
	uint32_t got = 99;
	CU_ASSERT_EQUAL(eng_stream_read_full(im->s, b, sizeof(b), &got), S_OK);
	CU_ASSERT_EQUAL(got, 0);
	imapi_stream_release(im->s);
	im->s = NULL;
}

static void q_set_crc(uint8_t q[12])
{
	uint16_t crc = (uint16_t)~cds_crc16(q, 10);
	q[10] = (uint8_t)(crc >> 8);
	q[11] = (uint8_t)crc;
}

static void q_bcd_lba(uint8_t *p, int32_t lba)
{
	struct cds_msf m;
	CU_ASSERT_EQUAL(cds_lba_to_msf(lba, &m), 0);
	p[0] = cds_bcd(m.m);
	p[1] = cds_bcd(m.s);
	p[2] = cds_bcd(m.f);
}

/* Expected Q of a lead-in TOC item: ctl, point, PMIN PSEC PFRAME (BCD as recorded). */
static void q_toc(uint8_t q[12], int32_t lba, uint8_t ctl, uint8_t point, uint8_t pm, uint8_t ps,
		  uint8_t pf)
{
	memset(q, 0, 12);
	q[0] = (uint8_t)(ctl << 4 | 1);
	q[2] = point;
	q_bcd_lba(q + 3, lba);
	q[7] = pm;
	q[8] = ps;
	q[9] = pf;
	q_set_crc(q);
}

/* Expected Q of a lead-out sector. */
static void q_leadout(uint8_t q[12], int32_t lba, int32_t leadout, uint8_t ctl)
{
	int32_t rel = lba - leadout;
	memset(q, 0, 12);
	q[0] = (uint8_t)(ctl << 4 | 1);
	q[1] = 0xAA;
	q[2] = 0x01;
	q[3] = cds_bcd((unsigned)(rel / 4500));
	q[4] = cds_bcd((unsigned)(rel / 75 % 60));
	q[5] = cds_bcd((unsigned)(rel % 75));
	q_bcd_lba(q + 7, lba);
	q_set_crc(q);
}

/* Expected mode 2 (MCN "0123456789012") and mode 3 (ISRC "US-K7Y-98-12345") frames:
 * the code bytes worked out by hand from ECMA-130 §22.3. */
static const uint8_t mcn_bytes[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0x01, 0x20, 0x00 };
static const uint8_t isrc_bytes[8] = { 0x96, 0x36, 0xC7, 0xA4, 0x98, 0x12, 0x34, 0x50 };

static void q_adr(uint8_t q[12], int32_t lba, uint8_t ctl, unsigned adr, const uint8_t bytes[8])
{
	uint8_t abs[3];
	q[0] = (uint8_t)(ctl << 4 | adr);
	memcpy(q + 1, bytes, 8);
	q_bcd_lba(abs, lba);
	q[9] = abs[2];
	q_set_crc(q);
}

/* The P and Q of a 96-byte interleaved sub-channel; P must be uniform over the sector.
 * Returns P (1/0), -1 when mixed.  rw: R-W bits per byte (b5..b0) copied out. */
static int sub_pq(const uint8_t *sub, uint8_t q[12], uint8_t *rw)
{
	uint8_t ch[8][CDS_CHAN_SIZE];
	cds_sub_deinterleave(ch, sub);
	memcpy(q, ch[1], 12);
	if (rw)
		for (int i = 0; i < 96; i++)
			rw[i] = sub[i] & 0x3F;
	int ones = 0, zeros = 0;
	for (int i = 0; i < 12; i++) {
		ones += ch[0][i] == 0xFF;
		zeros += ch[0][i] == 0x00;
	}
	return ones == 12 ? 1 : zeros == 12 ? 0 : -1;
}

/* A Mode 1 sector as disclog makes it, scrambled as the image carries it. */
static void want_mode1(uint8_t out[2352], int32_t lba, const uint8_t *user)
{
	static const uint8_t zero[2048];
	CU_ASSERT_EQUAL(cds_make_mode1(out, lba, user ? user : zero), 0);
	cds_scramble(out + 12, 2340);
}

static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ---- ECMA-130 codes: known answers and disclog ------------------------------------ */

static void test_edc(void)
{
	/* CRC-32/CD-ROM-EDC (poly 8001801Bh reflected, init 0, no xorout): check value */
	CU_ASSERT_EQUAL(eng_cd_edc((const uint8_t *)"123456789", 9), 0x6EC2EDC4u);
	CU_ASSERT_EQUAL(eng_cd_edc((const uint8_t *)"", 0), 0u);
	uint8_t buf[2352];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = upat(3, (uint32_t)i, 9);
	CU_ASSERT_EQUAL(eng_cd_edc(buf, 2064), cds_edc(0, buf, 2064));
	CU_ASSERT_EQUAL(eng_cd_edc(buf + 16, 2332), cds_edc(0, buf + 16, 2332));
}

static void test_crc16_q(void)
{
	/* CRC-16/XMODEM (x^16+x^12+x^5+1, init 0): check value */
	CU_ASSERT_EQUAL(eng_cd_crc16((const uint8_t *)"123456789", 9), 0x31C3);
	/* Q of track 1 INDEX 01 at LBA 0, copy permitted: the CRC against disclog's */
	uint8_t q[12] = { 0x21, 0x01, 0x01, 0, 0, 0, 0, 0x00, 0x02, 0x00 }, want[12];
	eng_cd_q_crc(q);
	CU_ASSERT_EQUAL(cds_q_position(want, 2, 1, 1, 0, 0), 0);
	CU_ASSERT_EQUAL(memcmp(q, want, 12), 0);
	CU_ASSERT_TRUE(cds_q_crc_ok(q));
	uint16_t inv = (uint16_t)~eng_cd_crc16(q, 10);
	CU_ASSERT_EQUAL(q[10], inv >> 8);
	CU_ASSERT_EQUAL(q[11], inv & 0xFF);
}

static void test_scrambler(void)
{
	/* ECMA-130 Annex B: the sequence's first bytes */
	static const uint8_t head[16] = { 0x01, 0x80, 0x00, 0x60, 0x00, 0x28, 0x00, 0x1E,
					  0x80, 0x08, 0x60, 0x06, 0xA8, 0x02, 0xFE, 0x81 };
	uint8_t s[2352] = { 0 }, d[2352];
	eng_cd_scramble(s);
	for (int i = 0; i < 12; i++)
		CU_ASSERT_EQUAL(s[i], 0); /* the sync is not scrambled */
	CU_ASSERT_EQUAL(memcmp(s + 12, head, sizeof(head)), 0);
	for (size_t i = 0; i < sizeof(s); i++)
		s[i] = upat(1, (uint32_t)i, 4);
	memcpy(d, s, sizeof(d));
	eng_cd_scramble(s);
	cds_scramble(d + 12, 2340);
	CU_ASSERT_EQUAL(memcmp(s, d, sizeof(s)), 0);
	eng_cd_scramble(s); /* the same XOR undoes it */
	for (size_t i = 0; i < sizeof(s); i++)
		CU_ASSERT_EQUAL_FATAL(s[i], upat(1, (uint32_t)i, 4));
}

static void test_msf(void)
{
	static const struct { int32_t lba; uint8_t m, s, f; } k[] = {
		{ -150, 0, 0, 0 },   { 0, 0, 2, 0 },     { -151, 99, 59, 74 },
		{ FIRST, 95, 0, 0 }, { -45150, 90, 0, 0 }, { 404849, 89, 59, 74 },
		{ 398100, 88, 30, 0 }, { 4350, 1, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		uint8_t msf[3] = { 0xEE, 0xEE, 0xEE }, bcd[3];
		CU_ASSERT_EQUAL(eng_cd_lba_to_msf(k[i].lba, msf), 0);
		CU_ASSERT_EQUAL(msf[0], k[i].m);
		CU_ASSERT_EQUAL(msf[1], k[i].s);
		CU_ASSERT_EQUAL(msf[2], k[i].f);
		CU_ASSERT_EQUAL(eng_cd_lba_to_bcd(k[i].lba, bcd), 0);
		CU_ASSERT_EQUAL(bcd[0], cds_bcd(k[i].m));
		CU_ASSERT_EQUAL(bcd[1], cds_bcd(k[i].s));
		CU_ASSERT_EQUAL(bcd[2], cds_bcd(k[i].f));
	}
	uint8_t msf[3];
	CU_ASSERT_EQUAL(eng_cd_lba_to_msf(-45151, msf), -1);
	CU_ASSERT_EQUAL(eng_cd_lba_to_msf(404850, msf), -1);
	CU_ASSERT_EQUAL(eng_cd_bcd(59), 0x59);
	eng_cd_frames_to_bcd(4499, msf);
	CU_ASSERT(msf[0] == 0x00 && msf[1] == 0x59 && msf[2] == 0x74);
	eng_cd_frames_to_bcd(150, msf);
	CU_ASSERT(msf[0] == 0x00 && msf[1] == 0x02 && msf[2] == 0x00);
}

static void test_sectors_vs_disclog(void)
{
	static const int32_t lbas[] = { FIRST, -151, -150, -1, 0, 1234, 300000, 404849 };
	uint8_t user[2048];
	for (size_t i = 0; i < sizeof(lbas) / sizeof(lbas[0]); i++) {
		uint8_t a[2352], b[2352];
		for (size_t j = 0; j < sizeof(user); j++)
			user[j] = upat(lbas[i], (uint32_t)j, 5);
		/* Mode 1: sync, header, EDC, zero, P and Q parity byte for byte */
		CU_ASSERT_EQUAL(eng_cd_header(a, lbas[i], 1), 0);
		memcpy(a + 16, user, 2048);
		eng_cd_finish_mode1(a);
		CU_ASSERT_EQUAL(cds_make_mode1(b, lbas[i], user), 0);
		CU_ASSERT_EQUAL(memcmp(a, b, 2352), 0);
		/* Mode 2 Form 1, sub-header 00 00 08 00 (disclog's default) */
		CU_ASSERT_EQUAL(eng_cd_header(a, lbas[i], 2), 0);
		static const uint8_t sh[8] = { 0, 0, 8, 0, 0, 0, 8, 0 };
		memcpy(a + 16, sh, 8);
		memcpy(a + 24, user, 2048);
		eng_cd_finish_form1(a);
		CU_ASSERT_EQUAL(cds_make_mode2_form1(b, lbas[i], user, NULL), 0);
		CU_ASSERT_EQUAL(memcmp(a, b, 2352), 0);
		/* Form 2: the EDC over 16..2347 */
		a[18] = a[22] = CDS_SUBMODE_FORM2;
		eng_cd_finish_form2(a);
		CU_ASSERT_EQUAL(cds_classify(a), CDS_KIND_MODE2_FORM2);
		CU_ASSERT_TRUE(cds_edc_ok(a, CDS_KIND_MODE2_FORM2));
	}
	/* all-zero Mode 1 user data at LBA 0: still a full sector (header, EDC, parity) */
	uint8_t a[2352], b[2352];
	memset(user, 0, sizeof(user));
	eng_cd_header(a, 0, 1);
	memset(a + 16, 0, 2336);
	eng_cd_finish_mode1(a);
	cds_make_mode1(b, 0, user);
	CU_ASSERT_EQUAL(memcmp(a, b, 2352), 0);
	CU_ASSERT_TRUE(cds_edc_ok(a, CDS_KIND_MODE1));
	CU_ASSERT_EQUAL(eng_cd_header(a, -45151, 1), -1);
}

static void test_sub_interleave(void)
{
	uint8_t q[12], rw[96], sub[96], back[12], rwb[96];
	for (int i = 0; i < 12; i++)
		q[i] = upat(0, (uint32_t)i, 7);
	for (int i = 0; i < 96; i++)
		rw[i] = upat(1, (uint32_t)i, 3);
	eng_cd_sub_interleave(sub, 1, q, rw);
	CU_ASSERT_EQUAL(sub_pq(sub, back, rwb), 1);
	CU_ASSERT_EQUAL(memcmp(back, q, 12), 0);
	for (int i = 0; i < 96; i++)
		CU_ASSERT_EQUAL(rwb[i], rw[i] & 0x3F);
	/* against disclog's interleave of the same channels */
	uint8_t ch[8][CDS_CHAN_SIZE] = { { 0 } }, want[96];
	memcpy(ch[1], q, 12);
	cds_sub_interleave(want, ch);
	eng_cd_sub_interleave(sub, 0, q, NULL);
	CU_ASSERT_EQUAL(memcmp(sub, want, 96), 0);
}

/* ---- the contract ------------------------------------------------------------------ */

static void test_defaults(void)
{
	raw_cd_image *cr = NULL;
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	imapi_format2_raw_cd_data_sector_type type = 0;
	int32_t v = -1;
	int b = 99;
	char *s = NULL;
	CU_ASSERT_EQUAL(raw_cd_image_get_resulting_image_type(cr, &type), S_OK);
	CU_ASSERT_EQUAL(type, IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_RAW);
	CU_ASSERT_EQUAL(raw_cd_image_get_start_of_leadout_limit(cr, &v), S_OK);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(raw_cd_image_get_disable_gapless_audio(cr, &b), S_OK);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_FALSE);
	CU_ASSERT_EQUAL(raw_cd_image_get_media_catalog_number(cr, &s), S_OK);
	CU_ASSERT_STRING_EQUAL(s, "");
	imapi_free(s);
	CU_ASSERT_EQUAL(raw_cd_image_get_starting_track_number(cr, &v), S_OK);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(raw_cd_image_get_number_of_existing_tracks(cr, &v), S_OK);
	CU_ASSERT_EQUAL(v, 0);
	/* nothing that needs a track works without one */
	uint8_t *toc = (uint8_t *)1;
	uint32_t n = 1;
	imapi_stream *res = (imapi_stream *)1;
	raw_cd_track_info *ti = (raw_cd_track_info *)1;
	CU_ASSERT_EQUAL(raw_cd_image_get_start_of_leadout(cr, &v), E_IMAPI_RAW_IMAGE_NO_TRACKS);
	CU_ASSERT_EQUAL(raw_cd_image_get_last_used_user_sector_in_image(cr, &v),
			E_IMAPI_RAW_IMAGE_NO_TRACKS);
	CU_ASSERT_EQUAL(raw_cd_image_get_expected_table_of_contents(cr, &toc, &n),
			E_IMAPI_RAW_IMAGE_NO_TRACKS);
	CU_ASSERT_PTR_NULL(toc);
	CU_ASSERT_EQUAL(raw_cd_image_get_result_image_layout(cr, &v, &v, &v),
			E_IMAPI_RAW_IMAGE_NO_TRACKS);
	CU_ASSERT_EQUAL(raw_cd_image_create_result_image(cr, &res), E_IMAPI_RAW_IMAGE_NO_TRACKS);
	CU_ASSERT_PTR_NULL(res);
	CU_ASSERT_EQUAL(raw_cd_image_get_track_info(cr, 1, &ti), E_INVALIDARG);
	CU_ASSERT_PTR_NULL(ti);
	/* still writable after the failed CreateResultImage */
	CU_ASSERT_EQUAL(raw_cd_image_put_starting_track_number(cr, 2), S_OK);
	raw_cd_image_release(cr);
}

static void test_null_pointers(void)
{
	raw_cd_image *cr = NULL;
	imapi_stream *s = mem_stream(2352, 300, 1);
	int32_t v;
	int b;
	char *str;
	uint8_t *p;
	uint32_t n;
	imapi_format2_raw_cd_data_sector_type type;

	CU_ASSERT_EQUAL(raw_cd_image_create(NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_create_result_image(NULL, &s), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_add_track(NULL, IMAPI_CD_SECTOR_AUDIO, s, &v), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_add_special_pregap(NULL, s), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_add_subcode_rw_generator(NULL, s), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_put_resulting_image_type(NULL, 3), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_resulting_image_type(NULL, &type), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_start_of_leadout(NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_put_start_of_leadout_limit(NULL, 0), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_start_of_leadout_limit(NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_put_disable_gapless_audio(NULL, 0), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_disable_gapless_audio(NULL, &b), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_put_media_catalog_number(NULL, ""), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_media_catalog_number(NULL, &str), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_put_starting_track_number(NULL, 1), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_starting_track_number(NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_number_of_existing_tracks(NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_last_used_user_sector_in_image(NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_expected_table_of_contents(NULL, &p, &n), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_result_image_layout(NULL, &v, &v, &v), E_POINTER);

	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_create_result_image(cr, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_add_track(cr, IMAPI_CD_SECTOR_AUDIO, NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_add_track(cr, IMAPI_CD_SECTOR_AUDIO, s, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_add_special_pregap(cr, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_add_subcode_rw_generator(cr, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_resulting_image_type(cr, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_start_of_leadout(cr, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_start_of_leadout_limit(cr, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_disable_gapless_audio(cr, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_media_catalog_number(cr, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_starting_track_number(cr, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_track_info(cr, 1, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_number_of_existing_tracks(cr, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_last_used_user_sector_in_image(cr, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_expected_table_of_contents(cr, NULL, &n), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_image_get_expected_table_of_contents(cr, &p, NULL), E_POINTER);

	CU_ASSERT_EQUAL(raw_cd_image_add_track(cr, IMAPI_CD_SECTOR_AUDIO, s, &v), S_OK);
	raw_cd_track_info *ti = track(cr, 1);
	imapi_cd_sector_type st;
	imapi_cd_track_digital_copy_setting cs;
	int32_t *idx;
	CU_ASSERT_EQUAL(raw_cd_track_info_get_starting_lba(NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_sector_count(NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_track_number(NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_sector_type(NULL, &st), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_isrc(NULL, ""), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_isrc(NULL, &str), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_digital_audio_copy_setting(NULL, 0), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_digital_audio_copy_setting(NULL, &cs), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_audio_has_preemphasis(NULL, 0), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_audio_has_preemphasis(NULL, &b), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_track_indexes(NULL, &idx, &n), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(NULL, 10), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_clear_track_index(NULL, 10), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_starting_lba(ti, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_sector_count(ti, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_track_number(ti, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_sector_type(ti, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_isrc(ti, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_digital_audio_copy_setting(ti, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_audio_has_preemphasis(ti, NULL), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_track_indexes(ti, NULL, &n), E_POINTER);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_track_indexes(ti, &idx, NULL), E_POINTER);
	raw_cd_track_info_addref(NULL);
	raw_cd_track_info_release(NULL);
	raw_cd_image_addref(NULL);
	raw_cd_image_release(NULL);
	raw_cd_track_info_release(ti);
	raw_cd_image_release(cr);
	imapi_stream_release(s);
}

static void test_add_track_errors(void)
{
	raw_cd_image *cr = NULL;
	int32_t v = 0;
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	imapi_stream *s = mem_stream(2352, 300, 1);
	CU_ASSERT_EQUAL(raw_cd_image_add_track(cr, (imapi_cd_sector_type)10, s, &v), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_image_add_track(cr, (imapi_cd_sector_type)-1, s, &v), E_INVALIDARG);
	imapi_stream_release(s);
	/* not whole sectors, too short */
	uint8_t *odd = calloc(1, 2048 * 300 + 1);
	CU_ASSERT_EQUAL(imapi_stream_from_memory(odd, 2048 * 300 + 1, 1, &s), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_add_track(cr, IMAPI_CD_SECTOR_MODE1, s, &v), E_INVALIDARG);
	imapi_stream_release(s);
	free(odd);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 299, 1, &v), E_INVALIDARG);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 0, 1, &v), E_INVALIDARG);
	/* a failing stream: its HRESULT, nothing added; the next track is right */
	struct gen g = { .total = 2352 * 400, .fail_at = 2352 * 100, .bps = 2352, .seed = 66,
			 .fail_hr = E_ABORT };
	s = gen_stream(&g);
	CU_ASSERT_EQUAL(raw_cd_image_add_track(cr, IMAPI_CD_SECTOR_AUDIO, s, &v), E_ABORT);
	imapi_stream_release(s);
	CU_ASSERT_EQUAL(raw_cd_image_get_number_of_existing_tracks(cr, &v), S_OK);
	CU_ASSERT_EQUAL(v, 0);
	/* a Mode 1 track, then Mode 2 beside it: one disc type per image */
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_MODE1, 2048, 300, 2, &v), S_OK);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_MODE2FORM1, 2048, 300, 2, &v),
			E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_MODE2FORM2RAW, 2352, 300, 2, &v),
			E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_MODE1RAW, 2352, 300, 2, &v), S_OK);
	CU_ASSERT_EQUAL(v, 2);
	/* StartingTrackNumber only before tracks */
	CU_ASSERT_EQUAL(raw_cd_image_put_starting_track_number(cr, 5),
			E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED);
	/* the lead-out limit: room for 300 more sectors, not 301 */
	int32_t lo = leadout_of(cr);
	CU_ASSERT_EQUAL(lo, 300 + 150 + 300); /* a pre-gap between the data tracks, no post-gap */
	CU_ASSERT_EQUAL(raw_cd_image_put_start_of_leadout_limit(cr, lo - 1),
			E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE);
	CU_ASSERT_EQUAL(raw_cd_image_put_start_of_leadout_limit(cr, lo + 150 + 150 + 300), S_OK);
	/* audio after data: post-gap 150 + pre-gap 150 + 301 sectors is one too many */
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 301, 3, &v),
			E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE);
	CU_ASSERT_EQUAL(leadout_of(cr), lo); /* nothing changed, no post-gap left behind */
	CU_ASSERT_EQUAL(raw_cd_image_get_number_of_existing_tracks(cr, &v), S_OK);
	CU_ASSERT_EQUAL(v, 2);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 3, &v), S_OK);
	CU_ASSERT_EQUAL(v, 3);
	CU_ASSERT_EQUAL(leadout_of(cr), lo + 600);
	raw_cd_image_release(cr);

	/* StartingTrackNumber 98: audio only, two tracks, the third would be track 100 */
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_put_starting_track_number(cr, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_image_put_starting_track_number(cr, 100), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_image_put_starting_track_number(cr, 98), S_OK);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_MODE1, 2048, 300, 1, &v),
			E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 1, &v), S_OK);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 1, &v), S_OK);
	CU_ASSERT_EQUAL(v, 2);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 1, &v),
			E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS);
	raw_cd_track_info *ti = track(cr, 2);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_track_number(ti, &v), S_OK);
	CU_ASSERT_EQUAL(v, 99);
	raw_cd_track_info_release(ti);
	raw_cd_image_release(cr);

	/* special pre-gap: before tracks only, >= 150 sectors, then track 1 audio */
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	s = mem_stream(2352, 149, 1);
	CU_ASSERT_EQUAL(raw_cd_image_add_special_pregap(cr, s), E_INVALIDARG);
	imapi_stream_release(s);
	s = mem_stream(2352, 150, 1);
	CU_ASSERT_EQUAL(raw_cd_image_add_special_pregap(cr, s), S_OK);
	imapi_stream_release(s);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_MODE1, 2048, 300, 1, &v),
			E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 1, &v), S_OK);
	s = mem_stream(2352, 150, 1);
	CU_ASSERT_EQUAL(raw_cd_image_add_special_pregap(cr, s), E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED);
	imapi_stream_release(s);
	raw_cd_image_release(cr);
}

static void test_properties(void)
{
	raw_cd_image *cr = NULL;
	char *s = NULL;
	int32_t v;
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	/* MCN: 13 digits with the EAN-13 check digit, leading zeros optional */
	CU_ASSERT_EQUAL(raw_cd_image_put_media_catalog_number(cr, "123456789012"), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_get_media_catalog_number(cr, &s), S_OK);
	CU_ASSERT_STRING_EQUAL(s, "0123456789012");
	imapi_free(s);
	CU_ASSERT_EQUAL(raw_cd_image_put_media_catalog_number(cr, "0123456789013"), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_image_put_media_catalog_number(cr, "01234567890120"), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_image_put_media_catalog_number(cr, "012345678901A"), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_image_put_media_catalog_number(cr, "4006381333931"), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_get_media_catalog_number(cr, &s), S_OK);
	CU_ASSERT_STRING_EQUAL(s, "4006381333931"); /* a rejected value changed nothing */
	imapi_free(s);
	CU_ASSERT_EQUAL(raw_cd_image_put_media_catalog_number(cr, NULL), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_get_media_catalog_number(cr, &s), S_OK);
	CU_ASSERT_STRING_EQUAL(s, "");
	imapi_free(s);
	/* image type */
	CU_ASSERT_EQUAL(raw_cd_image_put_resulting_image_type(cr, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_image_put_resulting_image_type(cr, 4), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_image_put_resulting_image_type(cr, IMAPI_FORMAT2_RAW_CD_SUBCODE_PQ_ONLY),
			S_OK);
	imapi_stream *rw = mem_stream(96, 10, 1);
	CU_ASSERT_EQUAL(raw_cd_image_add_subcode_rw_generator(cr, rw), E_INVALIDARG);
	imapi_stream_release(rw);
	CU_ASSERT_EQUAL(raw_cd_image_put_resulting_image_type(cr, IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_COOKED),
			S_OK);
	rw = mem_stream(96, 10, 1);
	CU_ASSERT_EQUAL(raw_cd_image_add_subcode_rw_generator(cr, rw), S_OK);
	imapi_stream_release(rw);
	CU_ASSERT_EQUAL(raw_cd_image_put_resulting_image_type(cr, IMAPI_FORMAT2_RAW_CD_SUBCODE_PQ_ONLY),
			E_INVALIDARG);
	/* a generator whose size does not match the image: refused at CreateResultImage */
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 1, NULL), S_OK);
	imapi_stream *res = NULL;
	CU_ASSERT_EQUAL(raw_cd_image_create_result_image(cr, &res), E_INVALIDARG);
	CU_ASSERT_PTR_NULL(res);
	/* the limit */
	CU_ASSERT_EQUAL(raw_cd_image_put_start_of_leadout_limit(cr, -1), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_image_put_start_of_leadout_limit(cr, 398100), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_image_put_start_of_leadout_limit(cr, 398099), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_get_start_of_leadout_limit(cr, &v), S_OK);
	CU_ASSERT_EQUAL(v, 398099);
	CU_ASSERT_EQUAL(raw_cd_image_put_start_of_leadout_limit(cr, 299),
			E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE);
	CU_ASSERT_EQUAL(raw_cd_image_put_start_of_leadout_limit(cr, 300), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_put_start_of_leadout_limit(cr, 0), S_OK);
	/* gapless: the second audio track starts right after the first, or 150 later */
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 2, NULL), S_OK);
	CU_ASSERT_EQUAL(start_of(cr, 2), 300);
	CU_ASSERT_EQUAL(leadout_of(cr), 600);
	CU_ASSERT_EQUAL(raw_cd_image_put_disable_gapless_audio(cr, 1), S_OK);
	int b = 0;
	CU_ASSERT_EQUAL(raw_cd_image_get_disable_gapless_audio(cr, &b), S_OK);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_TRUE);
	CU_ASSERT_EQUAL(start_of(cr, 2), 450);
	CU_ASSERT_EQUAL(leadout_of(cr), 750);
	CU_ASSERT_EQUAL(raw_cd_image_get_last_used_user_sector_in_image(cr, &v), S_OK);
	CU_ASSERT_EQUAL(v, 749);
	/* a change of the gap that would pass the limit is refused and undone */
	CU_ASSERT_EQUAL(raw_cd_image_put_disable_gapless_audio(cr, 0), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_put_start_of_leadout_limit(cr, 600), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_put_disable_gapless_audio(cr, 1),
			E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE);
	CU_ASSERT_EQUAL(start_of(cr, 2), 300);
	CU_ASSERT_EQUAL(leadout_of(cr), 600);
	raw_cd_image_release(cr);
}

static void test_track_info(void)
{
	raw_cd_image *cr = NULL;
	char *s = NULL;
	int32_t v;
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_MODE1, 2048, 400, 1, NULL), S_OK);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 2000, 1, NULL), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_get_track_info(cr, 0, &(raw_cd_track_info *){ NULL }),
			E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_image_get_track_info(cr, 3, &(raw_cd_track_info *){ NULL }),
			E_INVALIDARG);
	raw_cd_track_info *data = track(cr, 1), *audio = track(cr, 2);
	imapi_cd_sector_type st;
	CU_ASSERT_EQUAL(raw_cd_track_info_get_sector_type(data, &st), S_OK);
	CU_ASSERT_EQUAL(st, IMAPI_CD_SECTOR_MODE1);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_sector_count(data, &v), S_OK);
	CU_ASSERT_EQUAL(v, 400);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_starting_lba(audio, &v), S_OK);
	CU_ASSERT_EQUAL(v, 400 + 150 + 150); /* post-gap of the data track, pre-gap */
	/* audio-only properties on a data track */
	CU_ASSERT_EQUAL(raw_cd_track_info_put_isrc(data, "USK7Y9812345"),
			E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_digital_audio_copy_setting(data, 1),
			E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_audio_has_preemphasis(data, 1),
			E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED);
	/* ISRC */
	CU_ASSERT_EQUAL(raw_cd_track_info_get_isrc(audio, &s), S_OK);
	CU_ASSERT_STRING_EQUAL(s, "");
	imapi_free(s);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_isrc(audio, "usk7y9812345"), S_OK);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_isrc(audio, &s), S_OK);
	CU_ASSERT_STRING_EQUAL(s, "US-K7Y-98-12345");
	imapi_free(s);
	static const char *bad[] = { "U1K7Y9812345", "USK7Y98123A5", "US-K7Y9812345", "USK7Y981234",
				     "USK_Y9812345", "US-K7Y-98-1234", "US:K7Y-98-12345" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(raw_cd_track_info_put_isrc(audio, bad[i]), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_isrc(audio, "GB-AAA-01-00001"), S_OK);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_isrc(audio, &s), S_OK);
	CU_ASSERT_STRING_EQUAL(s, "GB-AAA-01-00001");
	imapi_free(s);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_isrc(audio, ""), S_OK);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_isrc(audio, &s), S_OK);
	CU_ASSERT_STRING_EQUAL(s, "");
	imapi_free(s);
	/* copy setting, pre-emphasis */
	imapi_cd_track_digital_copy_setting cs = 9;
	CU_ASSERT_EQUAL(raw_cd_track_info_get_digital_audio_copy_setting(audio, &cs), S_OK);
	CU_ASSERT_EQUAL(cs, IMAPI_CD_TRACK_DIGITAL_COPY_PERMITTED);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_digital_audio_copy_setting(audio, 3), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_digital_audio_copy_setting(audio, -1), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_digital_audio_copy_setting(audio, 2), S_OK);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_digital_audio_copy_setting(audio, &cs), S_OK);
	CU_ASSERT_EQUAL(cs, IMAPI_CD_TRACK_DIGITAL_COPY_SCMS);
	int b = 5;
	CU_ASSERT_EQUAL(raw_cd_track_info_get_audio_has_preemphasis(audio, &b), S_OK);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_FALSE);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_audio_has_preemphasis(audio, 7), S_OK);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_audio_has_preemphasis(audio, &b), S_OK);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_TRUE);

	/* index points: >= 10 apart, 0 fixed, at most 99 */
	int32_t *idx = NULL;
	uint32_t n = 0;
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(audio, 0),
			S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS);
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(audio, 9),
			E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX);
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(audio, 30), S_OK);
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(audio, 10), S_OK);
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(audio, 21),
			E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX);
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(audio, 19),
			E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX);
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(audio, 20), S_OK);
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(audio, 30),
			S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS);
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(audio, -1), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(audio, 2000), E_INVALIDARG);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_track_indexes(audio, &idx, &n), S_OK);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT(idx[0] == 0 && idx[1] == 10 && idx[2] == 20 && idx[3] == 30);
	imapi_free(idx);
	CU_ASSERT_EQUAL(raw_cd_track_info_clear_track_index(audio, 0),
			E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED);
	CU_ASSERT_EQUAL(raw_cd_track_info_clear_track_index(audio, 11),
			E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND);
	CU_ASSERT_EQUAL(raw_cd_track_info_clear_track_index(audio, 20), S_OK);
	CU_ASSERT_EQUAL(raw_cd_track_info_clear_track_index(audio, 20),
			E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_track_indexes(audio, &idx, &n), S_OK);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT(idx[0] == 0 && idx[1] == 10 && idx[2] == 30);
	imapi_free(idx);
	for (int32_t off = 40; off <= 990; off += 10) /* 96 more: 99 in all */
		CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(audio, off), S_OK);
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(audio, 1000),
			E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_track_indexes(audio, &idx, &n), S_OK);
	CU_ASSERT_EQUAL(n, 99);
	imapi_free(idx);
	/* a track info keeps its creator alive */
	raw_cd_image_release(cr);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_sector_count(audio, &v), S_OK);
	CU_ASSERT_EQUAL(v, 2000);
	raw_cd_track_info_release(data);
	raw_cd_track_info_release(audio);
}

static void test_read_only(void)
{
	raw_cd_image *cr = NULL;
	imapi_stream *res = NULL, *s = mem_stream(2352, 300, 1), *again = NULL;
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 1, NULL), S_OK);
	raw_cd_track_info *ti = track(cr, 1);
	CU_ASSERT_EQUAL(raw_cd_image_create_result_image(cr, &res), S_OK);
	CU_ASSERT_PTR_NOT_NULL(res);
	int32_t v;
	CU_ASSERT_EQUAL(raw_cd_image_create_result_image(cr, &again), E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	CU_ASSERT_PTR_NULL(again);
	CU_ASSERT_EQUAL(raw_cd_image_add_track(cr, IMAPI_CD_SECTOR_AUDIO, s, &v),
			E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	CU_ASSERT_EQUAL(raw_cd_image_add_special_pregap(cr, s), E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	CU_ASSERT_EQUAL(raw_cd_image_add_subcode_rw_generator(cr, s), E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	CU_ASSERT_EQUAL(raw_cd_image_put_resulting_image_type(cr, 2), E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	CU_ASSERT_EQUAL(raw_cd_image_put_start_of_leadout_limit(cr, 0), E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	CU_ASSERT_EQUAL(raw_cd_image_put_disable_gapless_audio(cr, 1), E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	CU_ASSERT_EQUAL(raw_cd_image_put_media_catalog_number(cr, ""), E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	CU_ASSERT_EQUAL(raw_cd_image_put_starting_track_number(cr, 1), E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_isrc(ti, ""), E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_digital_audio_copy_setting(ti, 0),
			E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_audio_has_preemphasis(ti, 0),
			E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(ti, 100), E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	CU_ASSERT_EQUAL(raw_cd_track_info_clear_track_index(ti, 0), E_IMAPI_RAW_IMAGE_IS_READ_ONLY);
	/* the getters still answer */
	CU_ASSERT_EQUAL(raw_cd_image_get_number_of_existing_tracks(cr, &v), S_OK);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_starting_lba(ti, &v), S_OK);
	CU_ASSERT_EQUAL(v, 0);
	/* the stream keeps the creator alive */
	raw_cd_track_info_release(ti);
	raw_cd_image_release(cr);
	uint8_t sec[2448];
	uint32_t got = 0;
	CU_ASSERT_EQUAL(eng_stream_read_full(res, sec, sizeof(sec), &got), S_OK);
	CU_ASSERT_EQUAL(got, sizeof(sec));
	imapi_stream_release(res);
	imapi_stream_release(s);
}

/* ---- images ------------------------------------------------------------------------ */

static void test_toc(void)
{
	raw_cd_image *cr = NULL;
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_MODE1, 2048, 300, 1, NULL), S_OK);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 2, NULL), S_OK);
	uint8_t *toc = NULL;
	uint32_t n = 0;
	CU_ASSERT_EQUAL(raw_cd_image_get_expected_table_of_contents(cr, &toc, &n), S_OK);
	static const uint8_t want[] = {
		0x00, 0x39, 0x01, 0x01,
		0x01, 0x14, 0x00, 0xA0, 0, 0, 0, 0, 0x01, 0x00, 0x00, /* first track 1, CD-ROM */
		0x01, 0x12, 0x00, 0xA1, 0, 0, 0, 0, 0x02, 0x00, 0x00, /* last track 2 */
		0x01, 0x12, 0x00, 0xA2, 0, 0, 0, 0, 0x00, 0x0E, 0x00, /* lead-out 900 = 00:14:00 */
		0x01, 0x14, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x02, 0x00, /* track 1 at 0 */
		0x01, 0x12, 0x00, 0x02, 0, 0, 0, 0, 0x00, 0x0A, 0x00, /* track 2 at 600 */
	};
	CU_ASSERT_EQUAL_FATAL(n, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(toc, want, sizeof(want)), 0);
	imapi_free(toc);
	raw_cd_image_release(cr);
}

/* A Mode 1 data track and an audio track, MCN and ISRC, IS_RAW: every sector of the
 * image against what ECMA-130 and the layout say it is. */
static void test_two_track_image(void)
{
	raw_cd_image *cr = NULL;
	struct img im;
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_put_media_catalog_number(cr, "0123456789012"), S_OK);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_MODE1, 2048, 300, 11, NULL), S_OK);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 22, NULL), S_OK);
	raw_cd_track_info *t2 = track(cr, 2);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_isrc(t2, "US-K7Y-98-12345"), S_OK);
	raw_cd_track_info_release(t2);
	CU_ASSERT_EQUAL(start_of(cr, 1), 0);
	CU_ASSERT_EQUAL(start_of(cr, 2), 600); /* 300 data, 150 post-gap, 150 pre-gap */
	CU_ASSERT_EQUAL(leadout_of(cr), 900);
	img_open(&im, cr);
	CU_ASSERT_EQUAL_FATAL(im.bps, 2448);

	int bad_main = 0, bad_q = 0, bad_p = 0, bad_rw = 0, mcn = 0, isrc = 0, sectors = 0;
	int32_t first_bad_q = 0;
	while (img_next(&im)) {
		int32_t lba = im.lba;
		uint8_t want[2352], q[12], wq[12], rw[96], user[2352];
		int p = sub_pq(im.sec + 2352, q, rw), wp;
		bool audio = lba >= 450 && lba < 900 + 6750;
		uint8_t ctl = lba >= 450 ? 2 : 4; /* audio copy permitted / data */
		sectors++;
		/* main channel */
		if (lba >= 0 && lba < 300) {
			for (uint32_t i = 0; i < 2048; i++)
				user[i] = upat(lba, i, 11);
			want_mode1(want, lba, user);
		} else if (lba >= 600 && lba < 900) {
			for (uint32_t i = 0; i < 2352; i++)
				want[i] = upat(lba - 600, i, 22);
		} else if (audio) {
			memset(want, 0, sizeof(want));
		} else { /* lead-in, pre-gap and post-gap of track 1: Mode 1 zeros */
			want_mode1(want, lba, NULL);
		}
		bad_main += memcmp(im.sec, want, 2352) != 0;
		/* Q and P */
		int32_t phase = ((lba + 150) % 100 + 100) % 100;
		if (lba < -150) {
			static const uint8_t items[5][4] = {
				{ 4, 0xA0, 0x01, 0x00 }, { 2, 0xA1, 0x02, 0x00 }, { 2, 0xA2, 0x00, 0x14 },
				{ 4, 0x01, 0x00, 0x02 }, { 2, 0x02, 0x00, 0x10 },
			};
			const uint8_t *it = items[((lba - FIRST) / 3) % 5];
			q_toc(wq, lba, it[0], it[1], it[2], it[3], 0);
			wp = 0;
		} else if (lba >= 900) {
			q_leadout(wq, lba, 900, 2);
			wp = (lba - 900) * 4 / 75 % 2 == 0;
		} else if (phase == 25) {
			q_adr(wq, lba, ctl, 2, mcn_bytes);
			wp = lba < 0 || (lba >= 450 && lba < 600);
			mcn++;
		} else if (phase == 75 && lba >= 600) {
			q_adr(wq, lba, ctl, 3, isrc_bytes);
			wp = 0;
			isrc++;
		} else if (lba < 0) {
			CU_ASSERT_EQUAL(cds_q_position(wq, 4, 1, 0, -1 - lba, lba), 0);
			wp = 1;
		} else if (lba < 450) { /* track 1 and its post-gap */
			CU_ASSERT_EQUAL(cds_q_position(wq, 4, 1, 1, lba, lba), 0);
			wp = 0;
		} else if (lba < 600) {
			CU_ASSERT_EQUAL(cds_q_position(wq, 2, 2, 0, 599 - lba, lba), 0);
			wp = 1;
		} else {
			CU_ASSERT_EQUAL(cds_q_position(wq, 2, 2, 1, lba - 600, lba), 0);
			wp = 0;
		}
		if (memcmp(q, wq, 12) != 0 && bad_q++ == 0)
			first_bad_q = lba;
		CU_ASSERT_TRUE(cds_q_crc_ok(q));
		bad_p += p != wp;
		for (int i = 0; i < 96; i++)
			bad_rw += rw[i] != 0;
	}
	CU_ASSERT_EQUAL(sectors, 900 + 6750 - FIRST);
	CU_ASSERT_EQUAL(bad_main, 0);
	CU_ASSERT_EQUAL(bad_q, 0);
	if (bad_q)
		fprintf(stderr, "[first wrong Q at LBA %d] ", (int)first_bad_q);
	CU_ASSERT_EQUAL(bad_p, 0);
	CU_ASSERT_EQUAL(bad_rw, 0);
	/* MCN at LBA -125, -25, 75, ..., 575 (pre-gaps too), 675, 775, 875; ISRC at 625,
	 * 725, 825 (INDEX 01 of track 2 only) */
	CU_ASSERT_EQUAL(mcn, 11);
	CU_ASSERT_EQUAL(isrc, 3);
	img_close_at_end(&im);
	raw_cd_image_release(cr);
}

/* Q frames of a PQ_ONLY image are those of IS_RAW; P is b7 of byte 15. */
static void test_pq_only(void)
{
	raw_cd_image *raw = NULL, *pq = NULL;
	struct img a, b;
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&raw), S_OK);
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&pq), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_put_resulting_image_type(pq, IMAPI_FORMAT2_RAW_CD_SUBCODE_PQ_ONLY),
			S_OK);
	CU_ASSERT_EQUAL(add(raw, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 3, NULL), S_OK);
	CU_ASSERT_EQUAL(add(pq, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 3, NULL), S_OK);
	img_open(&a, raw);
	img_open(&b, pq);
	CU_ASSERT_EQUAL_FATAL(b.bps, 2368);
	int bad = 0, n = 0;
	while (img_next(&a)) {
		CU_ASSERT_FATAL(img_next(&b));
		uint8_t q[12];
		int p = sub_pq(a.sec + 2352, q, NULL);
		bad += memcmp(a.sec, b.sec, 2352) != 0;
		bad += memcmp(b.sec + 2352, q, 12) != 0;
		bad += b.sec[2364] || b.sec[2365] || b.sec[2366];
		bad += b.sec[2367] != (p ? 0x80 : 0x00);
		if (a.lba == -150) {
			CU_ASSERT_EQUAL(b.sec[2367], 0x80);
			CU_ASSERT_EQUAL(b.sec[2352], 0x21); /* copy permitted, ADR 1 */
			CU_ASSERT_EQUAL(b.sec[2354], 0x00); /* INDEX 00 */
		}
		if (a.lba == 0)
			CU_ASSERT_EQUAL(b.sec[2367], 0x00);
		n++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(n, 300 + 6750 - FIRST);
	img_close_at_end(&a);
	img_close_at_end(&b);
	raw_cd_image_release(raw);
	raw_cd_image_release(pq);
}

/* The R-W generator's low six bits in IS_COOKED and IS_RAW images; P and Q as always. */
static void test_rw_generator(void)
{
	for (int type = IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_COOKED; type <= IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_RAW;
	     type++) {
		raw_cd_image *cr = NULL;
		struct img im;
		CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
		CU_ASSERT_EQUAL(raw_cd_image_put_resulting_image_type(cr, type), S_OK);
		int32_t total = 300 + 6750 - FIRST;
		imapi_stream *rw = mem_stream(96, total, 77);
		CU_ASSERT_EQUAL(raw_cd_image_add_subcode_rw_generator(cr, rw), S_OK);
		imapi_stream_release(rw);
		CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 3, NULL), S_OK);
		img_open(&im, cr);
		int bad = 0;
		while (img_next(&im)) {
			uint8_t q[12], wq[12], bits[96];
			int p = sub_pq(im.sec + 2352, q, bits);
			for (uint32_t i = 0; i < 96; i++)
				bad += bits[i] != (upat(im.lba - FIRST, i, 77) & 0x3F);
			if (im.lba >= 0 && im.lba < 300) {
				CU_ASSERT_EQUAL(cds_q_position(wq, 2, 1, 1, im.lba, im.lba), 0);
				bad += memcmp(q, wq, 12) != 0 || p != 0;
			}
		}
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT_EQUAL(im.lba, 300 + 6749);
		img_close_at_end(&im);
		raw_cd_image_release(cr);
	}
}

/* Hidden track: the special pre-gap's audio from LBA -150, track 1 after it. */
static void test_special_pregap(void)
{
	raw_cd_image *cr = NULL;
	struct img im;
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	imapi_stream *s = mem_stream(2352, 200, 44);
	CU_ASSERT_EQUAL(raw_cd_image_add_special_pregap(cr, s), S_OK);
	imapi_stream_release(s);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 55, NULL), S_OK);
	CU_ASSERT_EQUAL(start_of(cr, 1), 50);
	CU_ASSERT_EQUAL(leadout_of(cr), 350);
	img_open(&im, cr);
	int bad = 0;
	CU_ASSERT_FATAL(img_seek(&im, -150));
	for (int32_t lba = -150; lba < 350; lba++) {
		if (lba > -150)
			CU_ASSERT_FATAL(img_next(&im));
		uint8_t q[12], wq[12];
		int p = sub_pq(im.sec + 2352, q, NULL);
		bool gap = lba < 50;
		for (uint32_t i = 0; i < 2352; i++)
			bad += im.sec[i] != (gap ? upat(lba + 150, i, 44) : upat(lba - 50, i, 55));
		CU_ASSERT_EQUAL(cds_q_position(wq, 2, 1, gap ? 0 : 1, gap ? 49 - lba : lba - 50, lba), 0);
		bad += memcmp(q, wq, 12) != 0;
		bad += p != gap;
	}
	CU_ASSERT_EQUAL(bad, 0);
	imapi_stream_release(im.s);
	raw_cd_image_release(cr);
}

/* Gapless (the default) and DisableGaplessAudio, index points, pre-emphasis and SCMS
 * in the control field. */
static void test_audio_gaps_and_indexes(void)
{
	for (int disable = 0; disable <= 1; disable++) {
		raw_cd_image *cr = NULL;
		struct img im;
		CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
		CU_ASSERT_EQUAL(raw_cd_image_put_disable_gapless_audio(cr, disable), S_OK);
		CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 400, 1, NULL), S_OK);
		CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 2, NULL), S_OK);
		raw_cd_track_info *t1 = track(cr, 1), *t2 = track(cr, 2);
		CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(t1, 100), S_OK);
		CU_ASSERT_EQUAL(raw_cd_track_info_put_audio_has_preemphasis(t1, 1), S_OK);
		CU_ASSERT_EQUAL(raw_cd_track_info_put_digital_audio_copy_setting(t1, 1), S_OK);
		CU_ASSERT_EQUAL(raw_cd_track_info_put_digital_audio_copy_setting(t2, 2), S_OK);
		raw_cd_track_info_release(t1);
		raw_cd_track_info_release(t2);
		int32_t s2 = disable ? 550 : 400;
		CU_ASSERT_EQUAL(start_of(cr, 2), s2);
		img_open(&im, cr);
		CU_ASSERT_FATAL(img_seek(&im, -1));
		int bad = 0;
		for (int32_t lba = 0; lba < s2 + 300; lba++) {
			CU_ASSERT_FATAL(img_next(&im));
			uint8_t q[12], wq[12];
			int p = sub_pq(im.sec + 2352, q, NULL), wp;
			if (lba < s2 - 150) { /* track 1: INDEX 01 then 02 from offset 100 */
				CU_ASSERT_EQUAL(cds_q_position(wq, 1, 1, lba < 100 ? 1 : 2, lba, lba), 0);
				wp = 0;
			} else if (lba < s2) { /* track 2's pre-gap: SCMS alternates every 4 */
				uint8_t ctl = ((lba + 150) / 4) % 2 ? 2 : 0;
				CU_ASSERT_EQUAL(cds_q_position(wq, ctl, 2, 0, s2 - 1 - lba, lba), 0);
				wp = 1;
			} else {
				uint8_t ctl = ((lba + 150) / 4) % 2 ? 2 : 0;
				CU_ASSERT_EQUAL(cds_q_position(wq, ctl, 2, 1, lba - s2, lba), 0);
				wp = 0;
			}
			bad += memcmp(q, wq, 12) != 0;
			bad += p != wp;
			/* the main channel: track 1's audio runs to 399 in both cases; the
			 * added pre-gap is silence */
			for (uint32_t i = 0; i < 2352; i += 97) {
				uint8_t w = lba < 400 ? upat(lba, i, 1) : lba < s2 ? 0 : upat(lba - s2, i, 2);
				bad += im.sec[i] != w;
			}
		}
		CU_ASSERT_EQUAL(bad, 0);
		imapi_stream_release(im.s);
		raw_cd_image_release(cr);
	}
}

/* MCN and ISRC frames take their slot (LBA + 150 = 25 and 75 mod 100) except on the
 * first sector of an index, which keeps its mode 1 Q. */
static void test_adr_frames_skip_boundaries(void)
{
	raw_cd_image *cr = NULL;
	struct img im;
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_put_media_catalog_number(cr, "0123456789012"), S_OK);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_AUDIO, 2352, 300, 1, NULL), S_OK);
	raw_cd_track_info *ti = track(cr, 1);
	CU_ASSERT_EQUAL(raw_cd_track_info_put_isrc(ti, "USK7Y9812345"), S_OK);
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(ti, 125), S_OK); /* an ISRC slot */
	CU_ASSERT_EQUAL(raw_cd_track_info_add_track_index(ti, 175), S_OK); /* an MCN slot */
	raw_cd_track_info_release(ti);
	img_open(&im, cr);
	static const struct { int32_t lba; int adr; unsigned index; } want[] = {
		{ 25, 3, 1 }, { 75, 2, 1 }, { 125, 1, 2 }, { 175, 1, 3 }, { 225, 3, 3 }, { 275, 2, 3 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint8_t q[12], wq[12];
		CU_ASSERT_FATAL(img_seek(&im, want[i].lba));
		sub_pq(im.sec + 2352, q, NULL);
		if (want[i].adr == 1)
			cds_q_position(wq, 2, 1, want[i].index, want[i].lba, want[i].lba);
		else
			q_adr(wq, want[i].lba, 2, (unsigned)want[i].adr,
			      want[i].adr == 2 ? mcn_bytes : isrc_bytes);
		CU_ASSERT_EQUAL(memcmp(q, wq, 12), 0);
	}
	imapi_stream_release(im.s);
	raw_cd_image_release(cr);
}

/* Mode 2: a Form 1 and a Form 2 track (CD-ROM XA), no post-gap between them. */
static void test_mode2_tracks(void)
{
	raw_cd_image *cr = NULL;
	struct img im;
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	CU_ASSERT_EQUAL(add(cr, IMAPI_CD_SECTOR_MODE2FORM1, 2048, 300, 5, NULL), S_OK);
	/* Form 2 sectors as the caller gives them: sub-header, 2324 bytes, EDC 0 */
	uint8_t *f2 = malloc(2336 * 300);
	for (int n = 0; n < 300; n++) {
		uint8_t *p = f2 + 2336 * n;
		static const uint8_t sh[8] = { 1, 2, 0x20, 0, 1, 2, 0x20, 0 };
		memcpy(p, sh, 8);
		for (uint32_t i = 8; i < 2332; i++)
			p[i] = upat(n, i, 6);
		memset(p + 2332, 0, 4);
	}
	imapi_stream *s = NULL;
	int32_t v;
	CU_ASSERT_EQUAL(imapi_stream_from_memory(f2, 2336 * 300, 0, &s), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_add_track(cr, IMAPI_CD_SECTOR_MODE2FORM2, s, &v), S_OK);
	imapi_stream_release(s);
	CU_ASSERT_EQUAL(start_of(cr, 2), 450);
	CU_ASSERT_EQUAL(leadout_of(cr), 750);
	uint8_t *toc = NULL;
	uint32_t n = 0;
	CU_ASSERT_EQUAL(raw_cd_image_get_expected_table_of_contents(cr, &toc, &n), S_OK);
	CU_ASSERT_EQUAL(toc[4 + 9], 0x20); /* A0h PSEC: CD-ROM XA */
	imapi_free(toc);
	img_open(&im, cr);
	int bad = 0;
	while (img_next(&im)) {
		int32_t lba = im.lba;
		uint8_t d[2352], hdr[16];
		if (lba < -450 && lba > FIRST + 2)
			continue; /* the lead-in's ends suffice here */
		memcpy(d, im.sec, 2352);
		cds_scramble(d + 12, 2340);
		cds_make_header(hdr, lba, 2);
		bad += memcmp(d, hdr, 16) != 0;
		enum cds_kind k = cds_classify(d);
		if (lba >= 0 && lba < 300) {
			uint8_t user[2048], want[2352];
			for (uint32_t i = 0; i < 2048; i++)
				user[i] = upat(lba, i, 5);
			cds_make_mode2_form1(want, lba, user, NULL);
			bad += memcmp(d, want, 2352) != 0;
		} else if (lba >= 450 && lba < 750) {
			bad += k != CDS_KIND_MODE2_FORM2;
			bad += memcmp(d + 16, f2 + 2336 * (lba - 450), 2336) != 0;
		} else if (lba >= 300 && lba < 750) { /* track 2's pre-gap: Form 2 fillers */
			bad += k != CDS_KIND_MODE2_FORM2 || !cds_edc_ok(d, k) || d[24] != 0;
		} else { /* lead-in: Form 1 zeros (track 1's), lead-out: Form 2 (track 2's) */
			bad += k != (lba < 0 ? CDS_KIND_MODE2_FORM1 : CDS_KIND_MODE2_FORM2);
			bad += !cds_edc_ok(d, k);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	img_close_at_end(&im);
	free(f2);
	raw_cd_image_release(cr);
}

/* MODE1RAW: the caller's scrambled sectors go through as they are; our pre-gap and
 * lead-in sectors around them are built and scrambled. */
static void test_raw_sector_type(void)
{
	raw_cd_image *cr = NULL;
	struct img im;
	uint8_t *raw = malloc(2352 * 300);
	for (int n = 0; n < 300; n++) {
		uint8_t user[2048];
		for (uint32_t i = 0; i < 2048; i++)
			user[i] = upat(n, i, 8);
		want_mode1(raw + 2352 * n, n, user);
	}
	imapi_stream *s = NULL;
	int32_t v;
	CU_ASSERT_EQUAL(imapi_stream_from_memory(raw, 2352 * 300, 0, &s), S_OK);
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	CU_ASSERT_EQUAL(raw_cd_image_add_track(cr, IMAPI_CD_SECTOR_MODE1RAW, s, &v), S_OK);
	imapi_stream_release(s);
	img_open(&im, cr);
	int bad = 0;
	while (img_next(&im)) {
		uint8_t want[2352];
		if (im.lba < -450 && im.lba > FIRST + 2)
			continue; /* two_track_image checks every lead-in sector */
		if (im.lba >= 0 && im.lba < 300)
			memcpy(want, raw + 2352 * im.lba, 2352);
		else
			want_mode1(want, im.lba, NULL);
		bad += memcmp(im.sec, want, 2352) != 0;
	}
	CU_ASSERT_EQUAL(bad, 0);
	img_close_at_end(&im);
	free(raw);
	raw_cd_image_release(cr);
}

/* 30 000 Mode 1 sectors (61 MB) from a generated stream: AddTrack spools them, the
 * result streams them; the process's resident memory stays far below the track. */
static void test_large_track_streamed(void)
{
	enum { N = 30000 };
	raw_cd_image *cr = NULL;
	struct img im;
	struct gen g = { .total = (uint64_t)2048 * N, .bps = 2048, .seed = 99 };
	long base = rss_kib();
	CU_ASSERT_EQUAL_FATAL(raw_cd_image_create(&cr), S_OK);
	imapi_stream *s = gen_stream(&g);
	int32_t v;
	CU_ASSERT_EQUAL(raw_cd_image_add_track(cr, IMAPI_CD_SECTOR_MODE1, s, &v), S_OK);
	imapi_stream_release(s);
	CU_ASSERT_EQUAL(g.pos, g.total);
	CU_ASSERT(rss_kib() - base < 16 * 1024);
	raw_cd_track_info *ti = track(cr, 1);
	CU_ASSERT_EQUAL(raw_cd_track_info_get_sector_count(ti, &v), S_OK);
	CU_ASSERT_EQUAL(v, N);
	raw_cd_track_info_release(ti);
	img_open(&im, cr);
	int bad = 0;
	long peak = 0;
	uint64_t bytes = 0;
	while (img_next(&im)) {
		bytes += im.bps;
		if (im.lba < 0 || im.lba >= N)
			continue;
		uint8_t d[2352];
		memcpy(d, im.sec, 2352);
		cds_scramble(d + 12, 2340);
		bad += !cds_edc_ok(d, CDS_KIND_MODE1);
		if (im.lba % 997 == 0) {
			for (uint32_t i = 0; i < 2048; i++)
				bad += d[16 + i] != upat(im.lba, i, 99);
			long r = rss_kib() - base;
			if (r > peak)
				peak = r;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(bytes, (uint64_t)(N + 6750 - FIRST) * 2448);
	CU_ASSERT(peak < 16 * 1024);
	img_close_at_end(&im);
	raw_cd_image_release(cr);
}

static int register_eng_rawimage(void)
{
	static const struct unit_test tests[] = {
		{ "edc", test_edc },
		{ "crc16_q", test_crc16_q },
		{ "scrambler", test_scrambler },
		{ "msf", test_msf },
		{ "sectors_vs_disclog", test_sectors_vs_disclog },
		{ "sub_interleave", test_sub_interleave },
		{ "defaults", test_defaults },
		{ "null_pointers", test_null_pointers },
		{ "add_track_errors", test_add_track_errors },
		{ "properties", test_properties },
		{ "track_info", test_track_info },
		{ "read_only", test_read_only },
		{ "toc", test_toc },
		{ "two_track_image", test_two_track_image },
		{ "pq_only", test_pq_only },
		{ "rw_generator", test_rw_generator },
		{ "special_pregap", test_special_pregap },
		{ "audio_gaps_and_indexes", test_audio_gaps_and_indexes },
		{ "adr_frames_skip_boundaries", test_adr_frames_skip_boundaries },
		{ "mode2_tracks", test_mode2_tracks },
		{ "raw_sector_type", test_raw_sector_type },
		{ "large_track_streamed", test_large_track_streamed },
	};
	return UNIT_ADD_SUITE("eng_rawimage", tests);
}
UNIT_SUITE(register_eng_rawimage)
