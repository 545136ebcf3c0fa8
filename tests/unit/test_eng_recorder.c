/* tests/unit/test_eng_recorder.c - engine/recorder.c against the real simdrive: one
 * daemon with a blank DVD+R on LUN 0 and a blank CD-R on LUN 1 (started on first use,
 * stopped at exit), every IDiscRecorder2Ex method, the pass-through rules, the
 * negotiated limits, unit attentions (raised by a second session's MODE SELECT,
 * SPC-4 / doc/simdrive-scsi.md "Unit attentions") and a lost session. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "recorder-private.h"
#include "simproc.h"
#include "unit.h"
#include "writeengine.h"

#define LUN_DVD 0
#define LUN_CD 1

static struct simproc sim;
static int sim_state; /* 0 not started, 1 running, -1 failed */

static void sim_stop(void)
{
	if (sim_state == 1)
		simproc_stop(&sim);
	sim_state = 0;
}

static int sim_up(void)
{
	if (sim_state == 0) {
		char dvd[512], cd[512], p1[256], p2[256];
		snprintf(dvd, sizeof(dvd), "lun=0,media=dvd+r,image=%s",
			 simproc_path(p1, sizeof(p1), "engrec-dvd.disclog"));
		snprintf(cd, sizeof(cd), "lun=1,media=cd-r,image=%s",
			 simproc_path(p2, sizeof(p2), "engrec-cd.disclog"));
		unlink(p1);
		unlink(p2);
		const char *flags[] = { "--drive", dvd, "--drive", cd, NULL };
		sim_state = simproc_start(&sim, "engrec", flags) == 0 ? 1 : -1;
		if (sim_state == 1)
			atexit(sim_stop);
	}
	return sim_state == 1;
}

static void url_for(char *buf, size_t len, int lun)
{
	snprintf(buf, len, "iscsi://127.0.0.1:%d/%s/%d", sim.port, sim.target, lun);
}

static disc_recorder_ex *open_lun(int lun)
{
	char url[300];
	disc_recorder_ex *r = NULL;
	CU_ASSERT_FATAL(sim_up());
	url_for(url, sizeof(url), lun);
	hresult_t hr = disc_recorder_ex_open_iscsi(url, &r);
	CU_ASSERT_EQUAL_FATAL(hr, S_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	return r;
}

#define SENSE_IS(b, k, a, q) do {                               \
		CU_ASSERT_EQUAL((b)[2] & 0x0F, (k));            \
		CU_ASSERT_EQUAL((b)[12], (a));                  \
		CU_ASSERT_EQUAL((b)[13], (q));                  \
	} while (0)

static void test_open(void)
{
	disc_recorder_ex *r = open_lun(LUN_DVD);
	disc_recorder_ex_session_info info;
	CU_ASSERT_EQUAL(disc_recorder_ex_get_session_info(r, &info), S_OK);
	CU_ASSERT_EQUAL(info.lun, 0);
	CU_ASSERT_STRING_EQUAL(info.target_name, sim.target);
	CU_ASSERT(strstr(info.portal, "127.0.0.1") != NULL);
	CU_ASSERT(info.vendor[0] != '\0');
	CU_ASSERT(info.product[0] != '\0');
	CU_ASSERT(info.vendor[strlen(info.vendor) - 1] != ' ');
	CU_ASSERT_STRING_EQUAL(disc_recorder_ex_get_last_error(r), "");
	disc_recorder_ex_addref(r);
	disc_recorder_ex_release(r);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_session_info(r, &info), S_OK); /* still alive */
	disc_recorder_ex_release(r);
}

static void test_open_errors(void)
{
	disc_recorder_ex *r = (disc_recorder_ex *)&r;
	CU_ASSERT_EQUAL(disc_recorder_ex_open_iscsi(NULL, &r), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_open_iscsi("iscsi://x/y/0", NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_open_iscsi("http://127.0.0.1/iqn.x/0", &r), E_INVALIDARG);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(disc_recorder_ex_open_iscsi("iscsi://127.0.0.1/iqn.x", &r), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_recorder_ex_open_iscsi("iscsi://127.0.0.1/iqn.x/zero", &r),
			E_INVALIDARG);
	/* Port 1 on loopback: connection refused. */
	CU_ASSERT_EQUAL(disc_recorder_ex_open_iscsi("iscsi://127.0.0.1:1/iqn.x/0", &r),
			IMAPI_E_WIN32_DEV_NOT_EXIST);
	CU_ASSERT_PTR_NULL(r);
	/* Wrong target name: login refused. */
	CU_ASSERT_FATAL(sim_up());
	char url[300];
	snprintf(url, sizeof(url), "iscsi://127.0.0.1:%d/iqn.2026-01.org.burnlab:nosuch/0", sim.port);
	CU_ASSERT_EQUAL(disc_recorder_ex_open_iscsi(url, &r), IMAPI_E_WIN32_DEV_NOT_EXIST);
}

/* libiscsi offers 262144 for both bursts; simdrive would take up to 1 MiB / 256 KiB, so
 * the minimum is libiscsi's offer.  simdrive declares MaxRecvDataSegmentLength 262144
 * (doc/iscsi-target.md). */
static void test_negotiated_limits(void)
{
	disc_recorder_ex *r = open_lun(LUN_DVD);
	disc_recorder_ex_session_info info;
	uint32_t v;
	CU_ASSERT_EQUAL(disc_recorder_ex_get_session_info(r, &info), S_OK);
	CU_ASSERT_EQUAL(info.max_burst_length, 262144);
	CU_ASSERT_EQUAL(info.first_burst_length, 262144);
	CU_ASSERT_EQUAL(info.target_max_recv_data_segment_length, 262144);
	CU_ASSERT_EQUAL(info.max_transfer, 262144);
	CU_ASSERT_EQUAL(eng_rec_max_transfer(r), 262144);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_maximum_page_aligned_transfer_size(r, &v), S_OK);
	CU_ASSERT_EQUAL(v, 262144);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_maximum_non_page_aligned_transfer_size(r, &v), S_OK);
	CU_ASSERT_EQUAL(v, 262144);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_byte_alignment_mask(r, &v), S_OK);
	CU_ASSERT_EQUAL(v, 1);
	disc_recorder_ex_release(r);
}

static void test_put_maximum_transfer_size(void)
{
	disc_recorder_ex *r = open_lun(LUN_DVD);
	uint32_t v;
	CU_ASSERT_EQUAL(disc_recorder_ex_put_maximum_transfer_size(r, 65536), S_OK);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_maximum_page_aligned_transfer_size(r, &v), S_OK);
	CU_ASSERT_EQUAL(v, 65536);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_maximum_non_page_aligned_transfer_size(r, &v), S_OK);
	CU_ASSERT_EQUAL(v, 65536);
	CU_ASSERT_EQUAL(disc_recorder_ex_put_maximum_transfer_size(r, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_recorder_ex_put_maximum_transfer_size(r, 262145), E_INVALIDARG);
	CU_ASSERT_EQUAL(eng_rec_max_transfer(r), 65536);
	/* Back up to the negotiated limit is allowed. */
	CU_ASSERT_EQUAL(disc_recorder_ex_put_maximum_transfer_size(r, 262144), S_OK);
	CU_ASSERT_EQUAL(eng_rec_max_transfer(r), 262144);
	CU_ASSERT_EQUAL(disc_recorder_ex_put_maximum_transfer_size(NULL, 1), E_POINTER);
	disc_recorder_ex_release(r);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_descriptors(void)
{
	disc_recorder_ex *r = open_lun(LUN_DVD);
	disc_recorder_ex_session_info info;
	uint8_t *d;
	uint32_t n;
	disc_recorder_ex_get_session_info(r, &info);
	CU_ASSERT_EQUAL(disc_recorder_ex_put_maximum_transfer_size(r, 65536), S_OK);
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_adapter_descriptor(r, &d, &n), S_OK);
	CU_ASSERT_EQUAL(n, 32);
	CU_ASSERT_EQUAL(le32(d + 0), 32);
	CU_ASSERT_EQUAL(le32(d + 4), 32);
	CU_ASSERT_EQUAL(le32(d + 8), 65536);
	CU_ASSERT_EQUAL(le32(d + 12), 17);
	CU_ASSERT_EQUAL(le32(d + 16), 0);
	CU_ASSERT_EQUAL(d[22], 1);
	CU_ASSERT_EQUAL(d[24], 9);
	imapi_free(d);

	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_device_descriptor(r, &d, &n), S_OK);
	CU_ASSERT(n > 40);
	CU_ASSERT_EQUAL(le32(d + 0), 40);
	CU_ASSERT_EQUAL(le32(d + 4), n);
	CU_ASSERT_EQUAL(d[8], 0x05);
	CU_ASSERT_EQUAL(d[10], 1);
	CU_ASSERT_EQUAL(le32(d + 28), 9);
	uint32_t raw = le32(d + 32);
	CU_ASSERT(raw >= 36);
	CU_ASSERT_EQUAL(d[36], 0x05); /* INQUIRY byte 0 */
	uint32_t offs[3] = { le32(d + 12), le32(d + 16), le32(d + 20) };
	const char *want[3] = { info.vendor, info.product, info.revision };
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_FATAL(offs[i] >= 36 + raw && offs[i] < n);
		CU_ASSERT_STRING_EQUAL((const char *)d + offs[i], want[i]);
	}
	uint32_t serial = le32(d + 24); /* simdrive has VPD 80h */
	CU_ASSERT_FATAL(serial > 0 && serial < n);
	CU_ASSERT(strlen((const char *)d + serial) > 0);
	CU_ASSERT_EQUAL(d[n - 1], '\0');
	imapi_free(d);
	disc_recorder_ex_release(r);
}

static void test_disc_information(void)
{
	for (int lun = 0; lun <= 1; lun++) {
		disc_recorder_ex *r = open_lun(lun);
		uint8_t *d;
		uint32_t n;
		CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_disc_information(r, &d, &n), S_OK);
		CU_ASSERT(n >= 34);
		CU_ASSERT_EQUAL((uint32_t)(d[0] << 8 | d[1]) + 2, n);
		CU_ASSERT_EQUAL(d[2] & 0x03, 0); /* disc status: empty */
		CU_ASSERT_EQUAL((d[2] >> 2) & 0x03, 0); /* last session: empty */
		imapi_free(d);
		disc_recorder_ex_release(r);
	}
}

static void test_track_information(void)
{
	disc_recorder_ex *r = open_lun(LUN_CD);
	uint8_t *d;
	uint32_t n;
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_track_information(r, 1,
			      IMAPI_READ_TRACK_ADDRESS_TYPE_TRACK, &d, &n), S_OK);
	CU_ASSERT(n >= 36);
	CU_ASSERT_EQUAL(d[2], 1);          /* track 1, the invisible track */
	CU_ASSERT(d[6] & 0x40);            /* blank */
	CU_ASSERT(d[7] & 0x01);            /* NWA valid */
	CU_ASSERT_EQUAL(d[12] | d[13] | d[14] | d[15], 0); /* NWA 0 */
	imapi_free(d);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_track_information(r, 0,
			IMAPI_READ_TRACK_ADDRESS_TYPE_LBA, &d, &n), S_OK);
	imapi_free(d);
	/* No track 5: 05/24/00, unmapped for READ TRACK INFORMATION. */
	CU_ASSERT_EQUAL(disc_recorder_ex_get_track_information(r, 5,
			IMAPI_READ_TRACK_ADDRESS_TYPE_TRACK, &d, &n), IMAPI_HR_FROM_SENSE(5, 0x24, 0));
	CU_ASSERT_PTR_NULL(d);
	uint8_t s[18];
	CU_ASSERT_EQUAL(disc_recorder_ex_get_last_sense(r, s), S_OK);
	SENSE_IS(s, 5, 0x24, 0x00);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_track_information(r, 0,
			(imapi_read_track_address_type)3, &d, &n), E_INVALIDARG);
	disc_recorder_ex_release(r);
}

static void test_feature_page(void)
{
	disc_recorder_ex *cd = open_lun(LUN_CD), *dvd = open_lun(LUN_DVD);
	uint8_t *d;
	uint32_t n;
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_feature_page(cd, 0x002D, 1, &d, &n), S_OK);
	CU_ASSERT(n >= 8);
	CU_ASSERT_EQUAL(d[0] << 8 | d[1], 0x002D);
	CU_ASSERT(d[2] & 0x01);
	CU_ASSERT_EQUAL(n, 4u + d[3]);
	imapi_free(d);
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_feature_page(cd, 0x0021, 1, &d, &n), S_OK);
	CU_ASSERT_EQUAL(d[0] << 8 | d[1], 0x0021);
	imapi_free(d);
	/* On DVD+R the CD TAO feature is reported but not current. */
	CU_ASSERT_EQUAL(disc_recorder_ex_get_feature_page(dvd, 0x002D, 1, &d, &n),
			E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT);
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_feature_page(dvd, 0x002D, 0, &d, &n), S_OK);
	CU_ASSERT_EQUAL(d[2] & 0x01, 0);
	imapi_free(d);
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_feature_page(dvd, 0x002B, 1, &d, &n), S_OK);
	imapi_free(d);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_feature_page(dvd, 0x0FFF, 0, &d, &n),
			E_IMAPI_RECORDER_NO_SUCH_FEATURE);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_feature_page(dvd, 0x10000, 0, &d, &n), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_feature_page(dvd, -1, 0, &d, &n), E_INVALIDARG);
	disc_recorder_ex_release(cd);
	disc_recorder_ex_release(dvd);
}

static int has(const int32_t *list, uint32_t n, int32_t v)
{
	for (uint32_t i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

static void test_profiles_and_features(void)
{
	disc_recorder_ex *r = open_lun(LUN_DVD);
	int32_t *list;
	uint32_t n, ncur;
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_supported_profiles(r, 0, &list, &n), S_OK);
	CU_ASSERT(n >= 2 && n <= IMAPI_MAX_ALL_PROFILES);
	CU_ASSERT(has(list, n, IMAPI_PROFILE_TYPE_DVD_PLUS_R));
	CU_ASSERT(has(list, n, IMAPI_PROFILE_TYPE_CD_RECORDABLE));
	imapi_free(list);
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_supported_profiles(r, 1, &list, &n), S_OK);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(list[0], IMAPI_PROFILE_TYPE_DVD_PLUS_R);
	imapi_free(list);

	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_supported_feature_pages(r, 0, &list, &n), S_OK);
	CU_ASSERT(has(list, n, 0x0000) && has(list, n, 0x0001) && has(list, n, 0x002B) &&
		  has(list, n, 0x002D));
	for (uint32_t i = 1; i < n; i++)
		CU_ASSERT(list[i] > list[i - 1]);
	imapi_free(list);
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_supported_feature_pages(r, 1, &list, &ncur), S_OK);
	CU_ASSERT(ncur < n);
	CU_ASSERT(has(list, ncur, 0x002B));
	CU_ASSERT(!has(list, ncur, 0x002D));
	imapi_free(list);
	disc_recorder_ex_release(r);
}

/* Page 05h (MMC-6 Write Parameters mode page) on CD-R: TAO, audio track mode, DBT 0. */
static void test_mode_page_round_trip(void)
{
	disc_recorder_ex *r = open_lun(LUN_CD);
	uint8_t *d, *back;
	uint32_t n, nb;
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_mode_page(r, 0x05,
			      IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &d, &n), S_OK);
	CU_ASSERT_EQUAL(d[0] & 0x3F, 0x05);
	CU_ASSERT_EQUAL(n, 2u + d[1]);
	d[2] = (uint8_t)((d[2] & 0xF0) | 0x01); /* write type TAO */
	d[3] = (uint8_t)(d[3] & 0xF0);          /* track mode 0: audio */
	d[4] = (uint8_t)(d[4] & 0xF0);          /* data block type 0: raw 2352 */
	CU_ASSERT_EQUAL(disc_recorder_ex_set_mode_page(r,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, d, n), S_OK);
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_mode_page(r, 0x05,
			      IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &back, &nb), S_OK);
	CU_ASSERT_EQUAL(nb, n);
	CU_ASSERT_EQUAL(back[2] & 0x0F, 1);
	CU_ASSERT_EQUAL(back[3] & 0x0F, 0);
	CU_ASSERT_EQUAL(back[4] & 0x0F, 0);
	imapi_free(back);

	/* Write type 4 (layer jump) is never allowed: 05/26/00. */
	d[2] = (uint8_t)((d[2] & 0xF0) | 0x04);
	CU_ASSERT_EQUAL(disc_recorder_ex_set_mode_page(r,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, d, n),
			E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS);
	uint8_t s[18];
	CU_ASSERT_EQUAL(disc_recorder_ex_get_last_sense(r, s), S_OK);
	SENSE_IS(s, 5, 0x26, 0x00);
	CU_ASSERT_EQUAL(disc_recorder_ex_set_mode_page(r,
			IMAPI_MODE_PAGE_REQUEST_TYPE_DEFAULT_VALUES, d, n), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_recorder_ex_set_mode_page(r,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, d, 1), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_recorder_ex_set_mode_page(r,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, d, 0x102), E_INVALIDARG);
	/* Restore the default (TAO, data mode 1, DBT 8). */
	d[2] = (uint8_t)((d[2] & 0xF0) | 0x01);
	d[3] = (uint8_t)((d[3] & 0xF0) | 0x04);
	d[4] = (uint8_t)((d[4] & 0xF0) | 0x08);
	CU_ASSERT_EQUAL(disc_recorder_ex_set_mode_page(r,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, d, n), S_OK);
	/* A successful command clears the last sense. */
	CU_ASSERT_EQUAL(disc_recorder_ex_get_last_sense(r, s), S_FALSE);
	CU_ASSERT_EQUAL(s[2] | s[12], 0);
	imapi_free(d);
	disc_recorder_ex_release(r);
}

static void test_mode_pages(void)
{
	disc_recorder_ex *r = open_lun(LUN_CD);
	uint8_t *d;
	uint32_t n;
	int32_t *list;
	CU_ASSERT_EQUAL(disc_recorder_ex_get_mode_page(r, 0x08,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &d, &n),
			E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_mode_page(r, 0x2A,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CHANGEABLE_VALUES, &d, &n), S_OK);
	CU_ASSERT_EQUAL(d[0] & 0x3F, 0x2A);
	imapi_free(d);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_mode_page(r, 0x3F,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &d, &n), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_mode_page(r, 0x05,
			(imapi_mode_page_request_type)4, &d, &n), E_INVALIDARG);
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_supported_mode_pages(r,
			      IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &list, &n), S_OK);
	CU_ASSERT(has(list, n, 0x01) && has(list, n, 0x05) && has(list, n, 0x2A));
	CU_ASSERT(!has(list, n, 0x08));
	imapi_free(list);
	disc_recorder_ex_release(r);
}

static void test_passthrough(void)
{
	disc_recorder_ex *r = open_lun(LUN_DVD);
	uint8_t sense[18], buf[64];
	uint32_t got = 99;
	const uint8_t tur[6] = { 0 };
	memset(sense, 0xAA, sizeof(sense));
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_no_data(r, tur, 6, sense, 0), S_OK);
	CU_ASSERT_EQUAL(sense[0] | sense[2] | sense[12], 0);
	/* Group 0 needs 6 bytes; 0x2A (group 1) needs 10; vendor C0h takes any. */
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_no_data(r, tur, 10, sense, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_no_data(r, tur, 5, sense, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_no_data(r, tur, 17, sense, 0), E_INVALIDARG);
	const uint8_t rd12[12] = { 0x28 };
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_get_data_from_device(r, rd12, 12, sense, 0,
			buf, sizeof(buf), &got), E_INVALIDARG);

	/* READ(10) of one block of a blank disc: CHECK CONDITION with sense, raw. */
	uint8_t blk[2048];
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_get_data_from_device(r, rd, 10, sense, 0,
			blk, sizeof(blk), &got), S_IMAPI_COMMAND_HAS_SENSE_DATA);
	CU_ASSERT_EQUAL(sense[0] & 0x7F, 0x70);
	CU_ASSERT_EQUAL(sense[7], 10);
	CU_ASSERT_EQUAL(sense[2] & 0x0F, 5);
	CU_ASSERT_EQUAL(sense[12], 0x21);
	uint8_t last[18];
	CU_ASSERT_EQUAL(disc_recorder_ex_get_last_sense(r, last), S_OK);
	CU_ASSERT_EQUAL(memcmp(last, sense, 18), 0);

	/* GET CONFIGURATION through get-data: current profile DVD+R. */
	const uint8_t gc[10] = { 0x46, 0x02, 0, 0, 0, 0, 0, 0, sizeof(buf), 0 };
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_get_data_from_device(r, gc, 10, sense, 0,
			buf, sizeof(buf), &got), S_OK);
	CU_ASSERT(got >= 8 && got <= sizeof(buf));
	CU_ASSERT_EQUAL(buf[6] << 8 | buf[7], 0x001B);

	/* Send data: MODE SELECT(10) of page 05h on DVD+R is accepted and ignored. */
	uint8_t *page;
	uint32_t plen;
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_mode_page(r, 0x05,
			      IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &page, &plen), S_OK);
	uint8_t param[8 + 0x101] = { 0 };
	memcpy(param + 8, page, plen);
	uint8_t ms[10] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0, (uint8_t)(8 + plen), 0 };
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_send_data_to_device(r, ms, 10, sense, 0,
			param, 8 + plen), S_OK);
	imapi_free(page);
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_send_data_to_device(r, ms, 10, sense, 0,
			param, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_get_data_from_device(r, gc, 10, sense, 0,
			buf, 0, &got), E_INVALIDARG);
	disc_recorder_ex_release(r);
}

static void test_dvd_structure(void)
{
	disc_recorder_ex *dvd = open_lun(LUN_DVD), *cd = open_lun(LUN_CD);
	uint8_t *d = NULL;
	uint32_t n;
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_read_dvd_structure(dvd, 0, 0, 0, 0, &d, &n), S_OK);
	CU_ASSERT_EQUAL(n, 2048);
	CU_ASSERT_EQUAL(d[4] | d[5] | d[6], 0x03); /* first PSN 030000h at 5-7 */
	imapi_free(d);
	/* Copyright information: 4 bytes. */
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_read_dvd_structure(dvd, 1, 0, 0, 0, &d, &n), S_OK);
	CU_ASSERT_EQUAL(n, 4);
	imapi_free(d);
	CU_ASSERT_EQUAL(disc_recorder_ex_read_dvd_structure(dvd, 0x30, 0, 0, 0, &d, &n),
			E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT);
	CU_ASSERT_EQUAL(disc_recorder_ex_read_dvd_structure(cd, 0, 0, 0, 0, &d, &n),
			E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT);
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT_EQUAL(disc_recorder_ex_read_dvd_structure(dvd, 0x100, 0, 0, 0, &d, &n), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_recorder_ex_read_dvd_structure(dvd, 0, 0, 0x100, 0, &d, &n), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_recorder_ex_read_dvd_structure(dvd, 0, 0, 0, 4, &d, &n), E_INVALIDARG);
	/* SEND DISC STRUCTURE is not a simdrive command: 05/20/00, unmapped. */
	uint8_t payload[4] = { 0 };
	CU_ASSERT_EQUAL(disc_recorder_ex_send_dvd_structure(dvd, 0x04, payload, sizeof(payload)),
			IMAPI_HR_FROM_SENSE(5, 0x20, 0));
	CU_ASSERT_EQUAL(disc_recorder_ex_send_dvd_structure(dvd, 0x100, payload, 4), E_INVALIDARG);
	disc_recorder_ex_release(dvd);
	disc_recorder_ex_release(cd);
}

static void test_null_pointers(void)
{
	disc_recorder_ex *r = open_lun(LUN_DVD);
	uint8_t cdb[6] = { 0 }, sense[18], buf[8], *d;
	uint32_t n;
	int32_t *l;
	disc_recorder_ex_session_info info;
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_no_data(NULL, cdb, 6, sense, 0), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_no_data(r, NULL, 6, sense, 0), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_no_data(r, cdb, 6, NULL, 0), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_send_data_to_device(r, cdb, 6, sense, 0,
			NULL, 8), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_get_data_from_device(r, cdb, 6, sense, 0,
			NULL, 8, &n), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_get_data_from_device(r, cdb, 6, sense, 0,
			buf, 8, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_read_dvd_structure(r, 0, 0, 0, 0, NULL, &n), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_read_dvd_structure(r, 0, 0, 0, 0, &d, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_send_dvd_structure(r, 0, NULL, 0), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_adapter_descriptor(r, NULL, &n), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_adapter_descriptor(r, &d, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_device_descriptor(r, NULL, &n), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_device_descriptor(NULL, &d, &n), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_disc_information(r, NULL, &n), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_disc_information(r, &d, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_track_information(r, 0, 0, NULL, &n), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_track_information(r, 0, 0, &d, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_feature_page(r, 0, 0, NULL, &n), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_feature_page(r, 0, 0, &d, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_mode_page(r, 5, 0, NULL, &n), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_mode_page(r, 5, 0, &d, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_set_mode_page(r, 0, NULL, 8), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_supported_feature_pages(r, 0, NULL, &n), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_supported_feature_pages(r, 0, &l, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_supported_profiles(r, 0, NULL, &n), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_supported_profiles(r, 0, &l, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_supported_mode_pages(r, 0, NULL, &n), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_supported_mode_pages(r, 0, &l, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_byte_alignment_mask(r, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_maximum_non_page_aligned_transfer_size(r, NULL),
			E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_maximum_page_aligned_transfer_size(r, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_session_info(r, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_session_info(NULL, &info), E_POINTER);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_last_sense(r, NULL), E_POINTER);
	CU_ASSERT_STRING_EQUAL(disc_recorder_ex_get_last_error(NULL), "");
	disc_recorder_ex_release(NULL);
	disc_recorder_ex_addref(NULL);
	imapi_free(NULL);
	disc_recorder_ex_release(r);
}

/* Toggle page 05h's write type between TAO and SAO through r: a real change, so
 * simdrive raises 06/2A/01 on every other nexus of the LUN. */
static void change_page05(disc_recorder_ex *r)
{
	uint8_t *d;
	uint32_t n;
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_mode_page(r, 0x05,
			      IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &d, &n), S_OK);
	d[2] = (uint8_t)((d[2] & 0xF0) | ((d[2] & 0x0F) == 1 ? 2 : 1));
	CU_ASSERT_EQUAL(disc_recorder_ex_set_mode_page(r,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, d, n), S_OK);
	imapi_free(d);
}

static void test_unit_attention(void)
{
	disc_recorder_ex *a = open_lun(LUN_CD), *b = open_lun(LUN_CD);
	uint8_t *d, sense[18];
	uint32_t n;
	/* libiscsi's login swallows the 29/00 of the new nexus with TEST UNIT READYs. */
	CU_ASSERT_EQUAL(eng_rec_unit_attentions(a), 0);

	change_page05(b);
	uint32_t before = eng_rec_unit_attentions(a);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_disc_information(a, &d, &n), S_OK);
	imapi_free(d);
	CU_ASSERT_EQUAL(eng_rec_unit_attentions(a), before + 1);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_last_sense(a, sense), S_FALSE);

	/* Pass-through sees the unit attention raw, and it is not counted. */
	change_page05(b);
	const uint8_t tur[6] = { 0 };
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_no_data(a, tur, 6, sense, 0),
			S_IMAPI_COMMAND_HAS_SENSE_DATA);
	SENSE_IS(sense, 6, 0x2A, 0x01);
	CU_ASSERT_EQUAL(eng_rec_unit_attentions(a), before + 1);
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_no_data(a, tur, 6, sense, 0), S_OK);
	change_page05(b); /* back to the default write type */
	disc_recorder_ex_release(a);
	disc_recorder_ex_release(b);
}

/* eng_rec_exec directly: a command without retry returns the mapped sense and leaves
 * it in c.sense; an invalid command is refused before anything is sent. */
static void test_exec(void)
{
	disc_recorder_ex *r = open_lun(LUN_DVD);
	uint8_t blk[2048];
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	struct eng_cmd c = { .cdb = rd, .cdb_len = 10, .dir = ENG_DIR_IN, .buf = blk,
			     .len = sizeof(blk), .retry = 1 };
	CU_ASSERT_EQUAL(eng_rec_exec(r, &c), IMAPI_HR_FROM_SENSE(5, 0x21, 0));
	CU_ASSERT_EQUAL(c.status, 2);
	CU_ASSERT_EQUAL(c.sense.valid, 1);
	CU_ASSERT_EQUAL(c.sense.asc, 0x21);
	CU_ASSERT_EQUAL(c.got, 0);
	struct eng_cmd bad = { .cdb = rd, .cdb_len = 10, .dir = ENG_DIR_IN, .buf = NULL, .len = 8 };
	CU_ASSERT_EQUAL(eng_rec_exec(r, &bad), E_INVALIDARG);
	CU_ASSERT_PTR_NOT_NULL(eng_rec_iscsi(r));
	CU_ASSERT_EQUAL(eng_rec_lun(r), 0);
	CU_ASSERT_EQUAL(eng_rec_options(r)->command_timeout_s, 60);
	CU_ASSERT_EQUAL(eng_rec_options(r)->busy_deadline_s, 300);
	CU_ASSERT_EQUAL(eng_rec_options(r)->reconnect_deadline_s, 30);
	CU_ASSERT_STRING_EQUAL(eng_rec_options(r)->initiator_name, "iqn.2026-01.org.burnlab:wengine");
	eng_rec_set_last_error(r, "test");
	CU_ASSERT_STRING_EQUAL(disc_recorder_ex_get_last_error(r), "test");
	disc_recorder_ex_release(r);
}

/* The daemon dies: the next command fails with DEV_NOT_EXIST once the reconnect
 * deadline (1 s here) has passed. */
static void test_session_lost(void)
{
	struct simproc sp;
	char img[256];
	simproc_path(img, sizeof(img), "engrec-lost.disclog");
	unlink(img);
	char drive[400];
	snprintf(drive, sizeof(drive), "lun=0,media=dvd+r,image=%s", img);
	const char *flags[] = { "--drive", drive, NULL };
	CU_ASSERT_FATAL(simproc_start(&sp, "engrec-lost", flags) == 0);
	disc_recorder_ex_options o = { .reconnect_deadline_s = 1, .command_timeout_s = 5 };
	disc_recorder_ex *r = NULL;
	CU_ASSERT_EQUAL(disc_recorder_ex_open_iscsi_opts(sp.url, &o, &r), S_OK);
	if (!r) {
		simproc_kill(&sp);
		return;
	}
	CU_ASSERT_EQUAL(eng_rec_options(r)->reconnect_deadline_s, 1);
	simproc_kill(&sp);
	uint8_t *d;
	uint32_t n;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_disc_information(r, &d, &n), IMAPI_E_WIN32_DEV_NOT_EXIST);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CU_ASSERT(s >= 0.9 && s < 5.0);
	CU_ASSERT(disc_recorder_ex_get_last_error(r)[0] != '\0');
	disc_recorder_ex_release(r);
}

static int add_suite(void)
{
	static const struct unit_test tests[] = {
		{ "open", test_open },
		{ "open_errors", test_open_errors },
		{ "negotiated_limits", test_negotiated_limits },
		{ "put_maximum_transfer_size", test_put_maximum_transfer_size },
		{ "descriptors", test_descriptors },
		{ "disc_information", test_disc_information },
		{ "track_information", test_track_information },
		{ "feature_page", test_feature_page },
		{ "profiles_and_features", test_profiles_and_features },
		{ "mode_page_round_trip", test_mode_page_round_trip },
		{ "mode_pages", test_mode_pages },
		{ "passthrough", test_passthrough },
		{ "dvd_structure", test_dvd_structure },
		{ "null_pointers", test_null_pointers },
		{ "unit_attention", test_unit_attention },
		{ "exec", test_exec },
		{ "session_lost", test_session_lost },
	};
	return UNIT_ADD_SUITE("eng_recorder", tests);
}
UNIT_SUITE(add_suite)
