/* tests/unit/test_mmcclient.c - mmcclient/: every CDB builder byte by byte (SPC-4 §6 and
 * MMC-6 §6 layouts), the FORMAT UNIT and SET STREAMING parameter lists, mode pages and
 * page 05h fields, READ DISC / TRACK INFORMATION decoding, the sense decoder (fixed,
 * descriptor, deferred, field pointer, short and garbage buffers), a completed task's
 * status and sense, the outcome words, command and profile names, JSON strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "mmcclient.h"
#include "unit.h"

/* c is exactly len bytes, the first ones `want` and the rest zero. */
static int cdb_is(struct mcc_cdb c, int len, const uint8_t *want, size_t nwant)
{
	if (c.len != len)
		return 0;
	for (int i = 0; i < MCC_CDB_MAX; i++)
		if (c.b[i] != ((size_t)i < nwant ? want[i] : 0))
			return 0;
	return 1;
}

#define CDB_IS(c, len, ...)                                                               \
	do {                                                                              \
		static const uint8_t want_[] = { __VA_ARGS__ };                           \
		CU_ASSERT(cdb_is((c), (len), want_, sizeof(want_)));                      \
	} while (0)

static void test_cdb_6(void)
{
	CDB_IS(mcc_cdb_test_unit_ready(), 6, 0x00);
	CDB_IS(mcc_cdb_rezero_unit(), 6, 0x01);
	CDB_IS(mcc_cdb_request_sense(false, 18), 6, 0x03, 0, 0, 0, 18);
	CDB_IS(mcc_cdb_request_sense(true, 252), 6, 0x03, 0x01, 0, 0, 252);
	CDB_IS(mcc_cdb_format_unit(), 6, 0x04, 0x11);
	CDB_IS(mcc_cdb_inquiry(false, 0, 96), 6, 0x12, 0, 0, 0, 96);
	CDB_IS(mcc_cdb_inquiry(true, 0x83, 0x1234), 6, 0x12, 0x01, 0x83, 0x12, 0x34);
	CDB_IS(mcc_cdb_start_stop_unit(true, true), 6, 0x1b, 0, 0, 0, 0x03);
	CDB_IS(mcc_cdb_start_stop_unit(true, false), 6, 0x1b, 0, 0, 0, 0x02);
	CDB_IS(mcc_cdb_start_stop_unit(false, true), 6, 0x1b, 0, 0, 0, 0x01);
	CDB_IS(mcc_cdb_prevent_allow(true), 6, 0x1e, 0, 0, 0, 0x01);
	CDB_IS(mcc_cdb_prevent_allow(false), 6, 0x1e);
}

static void test_cdb_10(void)
{
	CDB_IS(mcc_cdb_read_format_capacities(252), 10, 0x23, 0, 0, 0, 0, 0, 0, 0, 0xfc);
	CDB_IS(mcc_cdb_read_capacity(), 10, 0x25);
	CDB_IS(mcc_cdb_read10(0x01020304, 0x0506), 10, 0x28, 0, 1, 2, 3, 4, 0, 5, 6);
	CDB_IS(mcc_cdb_write10(0xfffffff6, 16), 10, 0x2a, 0, 0xff, 0xff, 0xff, 0xf6, 0, 0, 16);
	CDB_IS(mcc_cdb_synchronize_cache(false), 10, 0x35);
	CDB_IS(mcc_cdb_synchronize_cache(true), 10, 0x35, 0x02);
	CDB_IS(mcc_cdb_read_toc(false, 0, 1, 804), 10, 0x43, 0, 0, 0, 0, 0, 1, 0x03, 0x24);
	CDB_IS(mcc_cdb_read_toc(true, 2, 1, 4000), 10, 0x43, 0x02, 2, 0, 0, 0, 1, 0x0f, 0xa0);
	CDB_IS(mcc_cdb_get_configuration(2, 0x0107, 256), 10, 0x46, 2, 0x01, 0x07, 0, 0, 0, 1, 0);
	CDB_IS(mcc_cdb_get_event_status(true, 0x10, 8), 10, 0x4a, 0x01, 0, 0, 0x10, 0, 0, 0, 8);
	CDB_IS(mcc_cdb_get_event_status(false, 0x10, 8), 10, 0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8);
	CDB_IS(mcc_cdb_read_disc_information(0, 34), 10, 0x51, 0, 0, 0, 0, 0, 0, 0, 34);
	CDB_IS(mcc_cdb_read_disc_information(7, 34), 10, 0x51, 7, 0, 0, 0, 0, 0, 0, 34);
	CDB_IS(mcc_cdb_read_track_information(MCC_RTI_TRACK, MCC_RTI_INVISIBLE, 48), 10,
	       0x52, 0x01, 0, 0, 0, 0xff, 0, 0, 48);
	CDB_IS(mcc_cdb_read_track_information(MCC_RTI_LBA, 0x00123456, 40), 10,
	       0x52, 0x00, 0x00, 0x12, 0x34, 0x56, 0, 0, 40);
	CDB_IS(mcc_cdb_reserve_track(0x0a0b0c0d), 10, 0x53, 0, 0, 0, 0, 0x0a, 0x0b, 0x0c, 0x0d);
	CDB_IS(mcc_cdb_mode_select10(false, 60), 10, 0x55, 0x10, 0, 0, 0, 0, 0, 0, 60);
	CDB_IS(mcc_cdb_mode_sense10(true, 2, 0x05, 255), 10, 0x5a, 0x08, 0x85, 0, 0, 0, 0, 0, 255);
	CDB_IS(mcc_cdb_mode_sense10(false, 0, 0x2a, 0x1234), 10, 0x5a, 0, 0x2a, 0, 0, 0, 0, 0x12,
	       0x34);
	CDB_IS(mcc_cdb_close_track_session(false, MCC_CLOSE_TRACK, 0x0102), 10,
	       0x5b, 0, 1, 0, 0x01, 0x02);
	CDB_IS(mcc_cdb_close_track_session(true, MCC_CLOSE_SESSION, 0), 10, 0x5b, 0x01, 2);
	CDB_IS(mcc_cdb_read_buffer_capacity(true, 12), 10, 0x5c, 0x01, 0, 0, 0, 0, 0, 0, 12);
	CDB_IS(mcc_cdb_send_cue_sheet(0x010203), 10, 0x5d, 0, 0, 0, 0, 0, 0x01, 0x02, 0x03);
}

static void test_cdb_12(void)
{
	CDB_IS(mcc_cdb_report_luns(4096), 12, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0);
	CDB_IS(mcc_cdb_blank(false, 1), 12, 0xa1, 0x01);
	CDB_IS(mcc_cdb_blank(true, 0), 12, 0xa1, 0x10);
	CDB_IS(mcc_cdb_read12(0x01020304, 0x05060708), 12, 0xa8, 0, 1, 2, 3, 4, 5, 6, 7, 8);
	CDB_IS(mcc_cdb_write12(0x100, 0x20, true), 12, 0xaa, 0, 0, 0, 1, 0, 0, 0, 0, 0x20, 0x80);
	CDB_IS(mcc_cdb_write12(0x100, 0x20, false), 12, 0xaa, 0, 0, 0, 1, 0, 0, 0, 0, 0x20);
	CDB_IS(mcc_cdb_get_performance(0x14, 0, 1, 0x00), 12, 0xac, 0x14, 0, 0, 0, 0, 0, 0, 0, 1);
	CDB_IS(mcc_cdb_get_performance(0, 0, 32, 0x03), 12, 0xac, 0, 0, 0, 0, 0, 0, 0, 0, 32, 3);
	CDB_IS(mcc_cdb_read_disc_structure(0, 0, 0, 0, 2052, 0), 12, 0xad, 0, 0, 0, 0, 0, 0, 0, 0x08,
	       0x04);
	CDB_IS(mcc_cdb_read_disc_structure(1, 0x01020304, 1, 0xff, 0xfffe, 2), 12,
	       0xad, 0x01, 1, 2, 3, 4, 1, 0xff, 0xff, 0xfe, 0x80);
	CDB_IS(mcc_cdb_send_disc_structure(0x05, 0x0102), 12, 0xbf, 0, 0, 0, 0, 0, 0, 5, 1, 2);
	CDB_IS(mcc_cdb_mode_select10(true, 8), 10, 0x55, 0x11, 0, 0, 0, 0, 0, 0, 8);
	CDB_IS(mcc_cdb_set_streaming(0x00, 28), 12, 0xb6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 28);
	CDB_IS(mcc_cdb_set_cd_speed(0xffff, 706), 12, 0xbb, 0, 0xff, 0xff, 0x02, 0xc2);
}

static void test_byte_order(void)
{
	uint8_t b[4] = { 0 };
	mcc_put16(b, 0xa1b2);
	CU_ASSERT(b[0] == 0xa1 && b[1] == 0xb2 && mcc_be16(b) == 0xa1b2);
	mcc_put24(b, 0x123456);
	CU_ASSERT(b[0] == 0x12 && b[2] == 0x56 && mcc_be24(b) == 0x123456);
	mcc_put32(b, 0xdeadbeef);
	CU_ASSERT(b[0] == 0xde && b[3] == 0xef && mcc_be32(b) == 0xdeadbeef);
}

static void test_parameter_lists(void)
{
	uint8_t f[MCC_FORMAT_LIST_LEN];
	static const uint8_t dvdrw[] = { 0, 0x82, 0, 8, 0xff, 0xff, 0xff, 0xff, 0x26 << 2, 0, 0, 0 };
	mcc_format_list(f, 0x82, 0xffffffff, 0x26, 0);
	CU_ASSERT_EQUAL(memcmp(f, dvdrw, sizeof(f)), 0);
	mcc_format_list(f, 0, 0x00112233, 0x32, 0x000abc);
	CU_ASSERT(f[1] == 0 && f[3] == 8 && mcc_be32(f + 4) == 0x00112233 && f[8] == 0x32 << 2);
	CU_ASSERT_EQUAL(mcc_be24(f + 9), 0x000abc);

	uint8_t s[MCC_STREAMING_LEN];
	mcc_streaming_desc(s, false, 0, 2295103, 8310, 8310);
	CU_ASSERT(s[0] == 0 && mcc_be32(s + 4) == 0 && mcc_be32(s + 8) == 2295103);
	CU_ASSERT(mcc_be32(s + 12) == 8310 && mcc_be32(s + 16) == 1000);
	CU_ASSERT(mcc_be32(s + 20) == 8310 && mcc_be32(s + 24) == 1000);
	mcc_streaming_desc(s, true, 0, 0, 0, 0);
	CU_ASSERT_EQUAL(s[0], 0x04);
}

static void test_mode_pages(void)
{
	/* MODE SENSE(10) answer: 8-byte header with an 8-byte block descriptor, then page 05h
	 * (PS set) of length 0x32. */
	uint8_t ans[8 + 8 + 52] = { 0 };
	mcc_put16(ans, sizeof(ans) - 2);
	mcc_put16(ans + 6, 8);
	ans[16] = 0x80 | 0x05;
	ans[17] = 0x32;
	ans[16 + 2] = 0x51;	/* BUFE, Test Write, write type 1 */
	ans[16 + 3] = 0xc4;	/* multi-session 11b, track mode 4 */
	ans[16 + 4] = 0x08;
	CU_ASSERT_EQUAL(mcc_mode_page_offset(ans, sizeof(ans)), 16);
	CU_ASSERT_EQUAL(mcc_mode_page_offset(ans, 17), -1);
	CU_ASSERT_EQUAL(mcc_mode_page_offset(ans, 7), -1);

	uint8_t page[64];
	int n = mcc_mode_page(ans, sizeof(ans), page, sizeof(page));
	CU_ASSERT_EQUAL(n, 52);
	CU_ASSERT_EQUAL(page[0], 0x05);		/* PS cleared */
	CU_ASSERT_EQUAL(page[2], 0x51);
	CU_ASSERT_EQUAL(mcc_mode_page(ans, sizeof(ans) - 1, page, sizeof(page)), -1);	/* cut */
	CU_ASSERT_EQUAL(mcc_mode_page(ans, sizeof(ans), page, 51), -1);	/* does not fit */

	mcc_p05_set_write_type(page, 2);
	CU_ASSERT_EQUAL(page[MCC_P05_FLAGS] & 0x7f, 0x52);
	mcc_p05_set_test_write(page, false);
	CU_ASSERT_EQUAL(page[MCC_P05_FLAGS] & 0x7f, 0x42);
	mcc_p05_set_bufe(page, false);
	CU_ASSERT_EQUAL(page[MCC_P05_FLAGS] & 0x7f, 0x02);
	mcc_p05_set_bufe(page, true);
	mcc_p05_set_test_write(page, true);
	CU_ASSERT_EQUAL(page[MCC_P05_FLAGS] & 0x7f, 0x52);
	mcc_p05_set_multisession(page, MCC_MS_NONE);
	CU_ASSERT_EQUAL(page[MCC_P05_TRACK] & 0xef, 0x04);
	mcc_p05_set_track_mode(page, 0);
	mcc_p05_set_multisession(page, MCC_MS_NEXT_ALLOWED);
	CU_ASSERT_EQUAL(page[MCC_P05_TRACK] & 0xef, 0xc0);
	mcc_p05_set_dbt(page, 3);
	CU_ASSERT_EQUAL(page[MCC_P05_DBT], 0x03);

	uint8_t par[8 + 8 + 64];
	memset(par, 0xee, sizeof(par));
	CU_ASSERT_EQUAL(mcc_mode_list(par, sizeof(par), page, n, 0), 8 + 52);
	CU_ASSERT(mcc_be16(par) == 0 && mcc_be16(par + 6) == 0 && par[8] == 0x05);
	CU_ASSERT_EQUAL(memcmp(par + 8, page, (size_t)n), 0);
	CU_ASSERT_EQUAL(mcc_mode_list(par, sizeof(par), page, n, 8), 8 + 8 + 52);
	CU_ASSERT(mcc_be16(par + 6) == 8 && par[8] == 0 && par[15] == 0 && par[16] == 0x05);
	CU_ASSERT_EQUAL(mcc_mode_list(par, 8 + 51, page, n, 0), -1);
}

static void test_disc_info(void)
{
	uint8_t p[34] = { 0, 32, 0x10 | 1 << 2 | 1, 1, 2, 3, 4, 0x02, 0x20, 0, 0, 1 };
	mcc_put32(p + 16, 0x00611a41);	/* 97:26:65 */
	mcc_put32(p + 20, 2295104);
	struct mcc_disc_info d;
	CU_ASSERT(mcc_disc_info(p, sizeof(p), &d));
	CU_ASSERT(d.status == 1 && d.last_state == 1 && d.erasable);
	CU_ASSERT(d.first_track == 1 && d.sessions == 2 && d.first_in_last == 3);
	CU_ASSERT_EQUAL(d.last_in_last, 0x104);	/* MSB in byte 11 */
	CU_ASSERT(d.bg_format == 2 && d.disc_type == 0x20);
	CU_ASSERT(d.leadin == 0x00611a41 && d.last_leadout == 2295104);
	CU_ASSERT_FALSE(mcc_disc_info(p, 23, &d));
	CU_ASSERT_EQUAL(d.sessions, 0);
}

static void test_track_info(void)
{
	uint8_t p[48] = { 0, 46, 2, 1, 0, 0x20 | 0x10 | 4, 0x80 | 0x40 | 0x20 | 0x10 | 1, 0x03 };
	mcc_put32(p + 8, 0xffffff6a);	/* -150 */
	mcc_put32(p + 12, 100);
	mcc_put32(p + 16, 200);
	mcc_put32(p + 20, 16);
	mcc_put32(p + 24, 300);
	mcc_put32(p + 28, 99);
	p[32] = 1;
	p[33] = 2;
	struct mcc_track_info t;
	CU_ASSERT(mcc_track_info(p, sizeof(p), &t));
	CU_ASSERT(t.number == 0x102 && t.session == 0x201);
	CU_ASSERT(t.damage && t.copy && t.mode == 4);
	CU_ASSERT(t.rt && t.blank && t.packet && t.fp && t.data_mode == 1);
	CU_ASSERT(t.nwa_v && t.lra_v);
	CU_ASSERT((int32_t)t.start == -150 && t.nwa == 100 && t.free == 200);
	CU_ASSERT(t.packet_size == 16 && t.size == 300 && t.lra == 99);
	/* 32 bytes: the MSBs did not come. */
	CU_ASSERT(mcc_track_info(p, 32, &t));
	CU_ASSERT(t.number == 2 && t.session == 1);
	CU_ASSERT(mcc_track_info(p, 33, &t));
	CU_ASSERT(t.number == 0x102 && t.session == 1);
	CU_ASSERT_FALSE(mcc_track_info(p, 31, &t));
	CU_ASSERT_FALSE(t.nwa_v);
}

static void test_sense_fixed(void)
{
	/* VALID, deferred 71h, 3/0C/09, INFORMATION 40, progress in the SKS bytes. */
	uint8_t s[18] = { 0x80 | 0x71, 0, 0x03, 0, 0, 0, 40, 10, 0, 0, 0, 0, 0x0c, 0x09,
			  0, 0x80, 0x12, 0x34 };
	struct mcc_sense d;
	CU_ASSERT(mcc_sense_decode(s, sizeof(s), &d));
	CU_ASSERT(d.code == 0x71 && d.deferred);
	CU_ASSERT(d.key == 3 && d.asc == 0x0c && d.ascq == 0x09);
	CU_ASSERT(d.info_valid && d.info == 40);
	CU_ASSERT(d.sksv && mcc_be16(d.sks + 1) == 0x1234);

	/* Current 70h, 5/24/00, field pointer: CDB byte 7, no bit pointer. */
	uint8_t f[18] = { 0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0x00, 0, 0xc0, 0, 7 };
	bool cd;
	int field, bit;
	CU_ASSERT(mcc_sense_decode(f, sizeof(f), &d));
	CU_ASSERT(d.code == 0x70 && !d.deferred && !d.info_valid);
	CU_ASSERT(mcc_sense_field(&d, &cd, &field, &bit));
	CU_ASSERT(cd && field == 7 && bit == -1);
	/* Parameter list byte 2, bit 5. */
	f[15] = 0x80 | 0x08 | 5;
	f[16] = 0;
	f[17] = 2;
	CU_ASSERT(mcc_sense_decode(f, sizeof(f), &d) && mcc_sense_field(&d, &cd, &field, &bit));
	CU_ASSERT(!cd && field == 2 && bit == 5);
	/* SKSV clear; 14 bytes: no sense-key specific bytes at all. */
	f[15] = 0;
	CU_ASSERT(mcc_sense_decode(f, sizeof(f), &d));
	CU_ASSERT_FALSE(mcc_sense_field(&d, &cd, &field, &bit));
	f[15] = 0xc0;
	CU_ASSERT(mcc_sense_decode(f, 14, &d));
	CU_ASSERT(d.key == 5 && d.asc == 0x24 && !d.sksv);
	/* 13 bytes are not fixed-format sense. */
	CU_ASSERT_FALSE(mcc_sense_decode(f, 13, &d));
	CU_ASSERT_EQUAL(d.key, 0);
}

static void test_sense_descriptor(void)
{
	/* 72h 5/24/00 with an information descriptor (00h) and a sense-key specific one. */
	uint8_t s[8 + 12 + 8] = { 0x72, 0x05, 0x24, 0x00, 0, 0, 0, 20,
				  0x00, 0x0a, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 9,
				  0x02, 0x06, 0, 0, 0xc8 | 3, 0x00, 0x04, 0 };
	struct mcc_sense d;
	bool cd;
	int field, bit;
	CU_ASSERT(mcc_sense_decode(s, sizeof(s), &d));
	CU_ASSERT(d.code == 0x72 && !d.deferred && d.key == 5 && d.asc == 0x24 && d.ascq == 0);
	CU_ASSERT_FALSE(d.info_valid);		/* INFORMATION is read from fixed format only */
	CU_ASSERT(mcc_sense_field(&d, &cd, &field, &bit));
	CU_ASSERT(cd && field == 4 && bit == 3);
	/* The descriptor cut off: no field pointer. */
	CU_ASSERT(mcc_sense_decode(s, sizeof(s) - 2, &d));
	CU_ASSERT_FALSE(d.sksv);
	/* 73h deferred; the 4-byte minimum. */
	s[0] = 0x73;
	CU_ASSERT(mcc_sense_decode(s, 4, &d));
	CU_ASSERT(d.deferred && d.key == 5);
	CU_ASSERT_FALSE(mcc_sense_decode(s, 3, &d));
}

static void test_sense_garbage(void)
{
	static const uint8_t junk[18] = { 0x7f, 0x05, 0x24, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24 };
	struct mcc_sense d;
	CU_ASSERT_FALSE(mcc_sense_decode(junk, sizeof(junk), &d));
	CU_ASSERT(d.code == 0 && d.key == 0 && d.asc == 0);
	CU_ASSERT_FALSE(mcc_sense_decode(junk, 0, &d));
	static const uint8_t zero[18];
	CU_ASSERT_FALSE(mcc_sense_decode(zero, sizeof(zero), &d));
}

/* A task as libiscsi completes it: a CHECK CONDITION leaves the response's data segment
 * (SenseLength, then the sense) in datain. */
static void test_result_of(void)
{
	struct scsi_task *t = calloc(1, sizeof(*t));
	uint8_t seg[2 + 18] = { 0, 18, 0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x21, 0x02 };
	struct mcc_result r;
	char w[64];
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	t->datain.data = seg;
	t->datain.size = sizeof(seg);
	memset(&r, 0, sizeof(r));
	mcc_result_of(t, SCSI_STATUS_CHECK_CONDITION, &r);
	CU_ASSERT(!r.dropped && r.status == MCC_STATUS_CHECK_CONDITION);
	CU_ASSERT(r.sense_len == 18 && r.sense[0] == 0x70);
	CU_ASSERT(r.key == 5 && r.asc == 0x21 && r.ascq == 0x02);
	CU_ASSERT_STRING_EQUAL(mcc_outcome(&r, w, sizeof(w)), "5/21/02");
	/* A SenseLength beyond the segment is cut to it; sense libiscsi parsed is the
	 * fallback when the bytes are no sense data. */
	seg[1] = 200;
	seg[2] = 0x00;
	t->sense.key = 6;
	t->sense.ascq = 0x2900;
	memset(&r, 0, sizeof(r));
	mcc_result_of(t, SCSI_STATUS_CHECK_CONDITION, &r);
	CU_ASSERT_EQUAL(r.sense_len, 18);
	CU_ASSERT(r.key == 6 && r.asc == 0x29 && r.ascq == 0);
	/* GOOD, libiscsi's own statuses (no answer), another status. */
	memset(&r, 0, sizeof(r));
	mcc_result_of(t, SCSI_STATUS_GOOD, &r);
	CU_ASSERT(!r.dropped && r.status == MCC_STATUS_GOOD && r.sense_len == 0);
	CU_ASSERT_STRING_EQUAL(mcc_outcome(&r, w, sizeof(w)), "GOOD");
	mcc_result_of(t, SCSI_STATUS_TIMEOUT, &r);
	CU_ASSERT(r.dropped);
	CU_ASSERT_STRING_EQUAL(mcc_outcome(&r, w, sizeof(w)), "no answer");
	memset(&r, 0, sizeof(r));
	mcc_result_of(t, 0x18, &r);
	CU_ASSERT_STRING_EQUAL(mcc_outcome(&r, w, sizeof(w)), "status 18h");
	mcc_result_of(NULL, SCSI_STATUS_GOOD, &r);
	CU_ASSERT(r.dropped);
	free(t);
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(mcc_op_name(MCC_OP_WRITE10), "WRITE(10)");
	CU_ASSERT_STRING_EQUAL(mcc_op_name(MCC_OP_WRITE12), "WRITE(12)");
	CU_ASSERT_STRING_EQUAL(mcc_op_name(MCC_OP_SYNCHRONIZE_CACHE), "SYNCHRONIZE CACHE");
	CU_ASSERT_STRING_EQUAL(mcc_op_name(MCC_OP_CLOSE_TRACK_SESSION), "CLOSE TRACK/SESSION");
	CU_ASSERT_PTR_NULL(mcc_op_name(0xc7));

	CU_ASSERT_STRING_EQUAL(mcc_profile_name(0x001a), "DVD+RW");
	CU_ASSERT_STRING_EQUAL(mcc_profile_name(0x0041), "BD-R");
	CU_ASSERT_STRING_EQUAL(mcc_profile_name(0x0013), "DVD-RW restricted overwrite");
	CU_ASSERT_STRING_EQUAL(mcc_profile_name(0), "none");
	CU_ASSERT_STRING_EQUAL(mcc_profile_name(0x0050), "unknown");
	CU_ASSERT_EQUAL(mcc_profile_family(0x0009), MCC_FAM_CD);
	CU_ASSERT_EQUAL(mcc_profile_family(0x002b), MCC_FAM_DVD);
	CU_ASSERT_EQUAL(mcc_profile_family(0x0043), MCC_FAM_BD);
	CU_ASSERT_EQUAL(mcc_profile_family(0), MCC_FAM_UNKNOWN);
	CU_ASSERT_EQUAL(mcc_profile_family(0x0002), MCC_FAM_UNKNOWN);

}

/* One plan per medium: the table of mmcpolicy.c read back through its three entries. */
static void test_policy(void)
{
	struct mcc_data_plan p;
	struct mcc_close_plan c;

	mcc_data_plan(0x0009, &p);	/* CD-R: TAO, mode 1 data, page 05h */
	CU_ASSERT(p.supported && p.sequential && p.page05 && !p.erasable);
	CU_ASSERT_EQUAL(p.write_type, 1);
	CU_ASSERT_EQUAL(p.dao_write_type, 0xff);
	mcc_data_plan(0x0014, &p);	/* DVD-RW sequential: incremental, DAO possible */
	CU_ASSERT(p.erasable && p.page05);
	CU_ASSERT_EQUAL(p.write_type, 0);
	CU_ASSERT_EQUAL(p.dao_write_type, 2);
	CU_ASSERT_EQUAL(p.track_mode, 5);
	mcc_data_plan(0x001a, &p);	/* DVD+RW: random, needs a format */
	CU_ASSERT(p.supported && !p.sequential && p.needs_format && !p.page05);
	mcc_data_plan(0x0008, &p);	/* CD-ROM: nothing */
	CU_ASSERT(!p.supported);
	mcc_data_plan(0, &p);
	CU_ASSERT(!p.supported);

	uint8_t page[MCC_P05_MIN + 4];
	memset(page, 0xff, sizeof(page));	/* bits the plan does not own stay set */
	mcc_data_plan(0x0011, &p);	/* DVD-R incremental: LS_V, link 16, variable packets */
	mcc_p05_for_data(page, &p, false, true, true);
	CU_ASSERT_EQUAL(page[MCC_P05_FLAGS] & 0x7f, 0x60);	/* BUFE, LS_V, type 0 */
	CU_ASSERT_EQUAL(page[MCC_P05_TRACK] & 0xef, 0xc5);	/* MS 11b, FP 0, mode 5 */
	CU_ASSERT_EQUAL(page[MCC_P05_DBT] & 0x0f, 8);
	CU_ASSERT_EQUAL(page[MCC_P05_LINK], 16);
	CU_ASSERT_EQUAL(mcc_be32(page + MCC_P05_PACKET), 0);
	mcc_p05_for_data(page, &p, true, false, false);	/* DVD-R DAO */
	CU_ASSERT_EQUAL(page[MCC_P05_FLAGS] & 0x7f, 0x02);
	CU_ASSERT_EQUAL(page[MCC_P05_TRACK] & 0xef, 0x04);
	CU_ASSERT_EQUAL(page[MCC_P05_LINK], 0);
	mcc_data_plan(0x0009, &p);	/* CD: dao asked, none there: TAO stays */
	mcc_p05_for_data(page, &p, true, false, false);
	CU_ASSERT_EQUAL(page[MCC_P05_FLAGS] & 0x7f, 0x01);

	mcc_close_plan(0x0009, true, true, &c);		/* CD: page 05h decides */
	CU_ASSERT(c.set_multisession && !c.none && !c.close_track);
	CU_ASSERT_EQUAL(c.multisession, MCC_MS_NONE);
	CU_ASSERT_EQUAL(c.function, MCC_CLOSE_SESSION);
	mcc_close_plan(0x0011, false, true, &c);
	CU_ASSERT(c.set_multisession && c.close_track);
	CU_ASSERT_EQUAL(c.multisession, MCC_MS_NEXT_ALLOWED);
	mcc_close_plan(0x001b, true, true, &c);		/* DVD+R compatible: 101b */
	CU_ASSERT(!c.set_multisession);
	CU_ASSERT_EQUAL(c.function, MCC_CLOSE_FINALIZE_MIN_RADIUS);
	mcc_close_plan(0x002b, true, false, &c);	/* DVD+R DL plain: 110b */
	CU_ASSERT_EQUAL(c.function, MCC_CLOSE_FINALIZE);
	mcc_close_plan(0x001b, false, true, &c);	/* DVD+R session: 010b */
	CU_ASSERT_EQUAL(c.function, MCC_CLOSE_SESSION);
	mcc_close_plan(0x0041, true, true, &c);		/* BD-R: 110b */
	CU_ASSERT_EQUAL(c.function, MCC_CLOSE_FINALIZE);
	mcc_close_plan(0x0043, true, true, &c);		/* BD-RE: nothing to close */
	CU_ASSERT(c.none);
}

static void test_json(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	mcc_json_str(f, "a\"b\\c\n\x01\x7f\xc3\xa9");
	mcc_json_str(f, "");
	fclose(f);
	CU_ASSERT_STRING_EQUAL(text, "\"a\\\"b\\\\c\\u000a\\u0001\x7f\xc3\xa9\"\"\"");
	free(text);
}

static int register_mmcclient(void)
{
	static const struct unit_test tests[] = {
		{ "cdb_6", test_cdb_6 },
		{ "cdb_10", test_cdb_10 },
		{ "cdb_12", test_cdb_12 },
		{ "byte_order", test_byte_order },
		{ "parameter_lists", test_parameter_lists },
		{ "mode_pages", test_mode_pages },
		{ "disc_info", test_disc_info },
		{ "track_info", test_track_info },
		{ "sense_fixed", test_sense_fixed },
		{ "sense_descriptor", test_sense_descriptor },
		{ "sense_garbage", test_sense_garbage },
		{ "result_of", test_result_of },
		{ "names", test_names },
		{ "policy", test_policy },
		{ "json", test_json },
	};
	return UNIT_ADD_SUITE("mmcclient", tests);
}
UNIT_SUITE(register_mmcclient)
