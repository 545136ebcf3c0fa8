/* tests/unit/test_eng_format.c - IDiscFormat2Data (engine/format-data.c, engine/media.c)
 * against the real simdrive: one daemon, one LUN per case so the cases do not share a
 * disc.  Each member's contract: defaults, ranges, E_POINTER, the media queries on
 * blank, appendable and finalized discs, Write on every kind of medium with the write
 * type and close function IMAPI2's rules give, the stages in order, CancelWrite,
 * verification, and the errors IMAPI2 names. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "discformat2.h"
#include "simproc.h"
#include "unit.h"

enum {
	LUN_CDR = 0, LUN_DVDPR = 1, LUN_DVDMR = 2, LUN_DVDPRW = 3, LUN_BDR = 4, LUN_NONE = 5,
	LUN_CD_SMALL = 6, LUN_ROM = 7, LUN_BDRE = 8, LUN_FAULT = 9, LUN_DVDPRDL = 10,
	LUN_CDRW = 11, LUN_AUDIO = 12, LUN_RAW = 13, LUN_MEDERR = 14,
};

static struct simproc sim;
static int sim_state;

static void sim_stop(void)
{
	if (sim_state == 1)
		simproc_stop(&sim);
	sim_state = 0;
}

static int sim_up(void)
{
	static const struct { int lun; const char *media; const char *extra; } luns[] = {
		{ LUN_CDR, "cd-r", "" }, { LUN_DVDPR, "dvd+r", "" }, { LUN_DVDMR, "dvd-r", "" },
		{ LUN_DVDPRW, "dvd+rw", "" }, { LUN_BDR, "bd-r", "" }, { LUN_NONE, "none", NULL },
		{ LUN_CD_SMALL, "cd-r", ",capacity=1000" }, { LUN_ROM, "dvd-rom", NULL },
		{ LUN_BDRE, "bd-re", "" }, { LUN_FAULT, "dvd+r", "" }, { LUN_DVDPRDL, "dvd+r-dl", "" },
		{ LUN_CDRW, "cd-rw", "" }, { LUN_AUDIO, "cd-r", "" }, { LUN_RAW, "cd-r", "" },
		{ LUN_MEDERR, "bd-r", "" },
	};
	if (sim_state != 0)
		return sim_state == 1;
	static char specs[16][512];
	const char *flags[40];
	int n = 0;
	char iso[256], img[256], name[64];
	simproc_path(iso, sizeof(iso), "engfmt-rom.iso");
	FILE *f = fopen(iso, "wb");
	if (f) {
		static const uint8_t zero[2048];
		for (int i = 0; i < 64; i++)
			fwrite(zero, 1, sizeof(zero), f);
		fclose(f);
	}
	for (size_t i = 0; i < sizeof(luns) / sizeof(luns[0]); i++) {
		if (luns[i].extra) {
			snprintf(name, sizeof(name), "engfmt-%d.disclog", luns[i].lun);
			simproc_path(img, sizeof(img), name);
			unlink(img);
			snprintf(specs[i], sizeof(specs[i]), "lun=%d,media=%s,image=%s%s", luns[i].lun,
				 luns[i].media, img, luns[i].extra);
		} else if (luns[i].lun == LUN_ROM) {
			snprintf(specs[i], sizeof(specs[i]), "lun=%d,media=dvd-rom,file=%s",
				 luns[i].lun, iso);
		} else {
			snprintf(specs[i], sizeof(specs[i]), "lun=%d,media=none", luns[i].lun);
		}
		flags[n++] = "--drive";
		flags[n++] = specs[i];
	}
	/* Whatever the drive acknowledges at LBA 64 of this LUN is not recorded. */
	flags[n++] = "--fault";
	flags[n++] = "record-nothing lba=64 lun=9";
	/* ... and LBA 100 of this one cannot be read back (every time: count). */
	flags[n++] = "--fault";
	flags[n++] = "medium-error lba=100 count=8 lun=14";
	flags[n] = NULL;
	sim_state = simproc_start(&sim, "engfmt", flags) == 0 ? 1 : -1;
	if (sim_state == 1)
		atexit(sim_stop);
	return sim_state == 1;
}

static disc_recorder_ex *open_lun(int lun)
{
	char url[300];
	disc_recorder_ex *r = NULL;
	CU_ASSERT_FATAL(sim_up());
	snprintf(url, sizeof(url), "iscsi://127.0.0.1:%d/%s/%d", sim.port, sim.target, lun);
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_open_iscsi(url, &r), S_OK);
	return r;
}

/* A format on LUN lun with a client name. */
static disc_format2_data *format_on(int lun)
{
	disc_recorder_ex *r = open_lun(lun);
	disc_format2_data *f = NULL;
	CU_ASSERT_EQUAL_FATAL(disc_format2_data_create(&f), S_OK);
	CU_ASSERT_EQUAL(disc_format2_data_put_recorder(f, r), S_OK);
	CU_ASSERT_EQUAL(disc_format2_data_put_client_name(f, "test_eng_format"), S_OK);
	disc_recorder_ex_release(r);	/* the format keeps its own reference */
	return f;
}

/* A memory stream of n sectors, each starting with its index. */
static imapi_stream *data_stream(int32_t n, uint8_t **keep)
{
	uint8_t *buf = malloc((size_t)n * 2048);
	for (int32_t i = 0; i < n; i++) {
		memset(buf + (size_t)i * 2048, (int)(i * 7 + 1), 2048);
		memcpy(buf + (size_t)i * 2048, &i, sizeof(i));
	}
	imapi_stream *s = NULL;
	CU_ASSERT_EQUAL(imapi_stream_from_memory(buf, (size_t)n * 2048, 0, &s), S_OK);
	*keep = buf;
	return s;
}

/* Write n sectors; returns the HRESULT. */
static hresult_t write_n(disc_format2_data *f, int32_t n)
{
	uint8_t *buf;
	imapi_stream *s = data_stream(n, &buf);
	hresult_t hr = disc_format2_data_write(f, s);
	imapi_stream_release(s);
	free(buf);
	return hr;
}

static int32_t state_of(disc_format2_data *f)
{
	int32_t v = -1;
	CU_ASSERT_EQUAL(disc_format2_data_get_current_media_status(f, &v), S_OK);
	return v;
}

static void test_contract(void)
{
	disc_format2_data *f = NULL;
	int v;
	int32_t i32;
	CU_ASSERT_EQUAL(disc_format2_data_create(NULL), E_POINTER);
	CU_ASSERT_EQUAL_FATAL(disc_format2_data_create(&f), S_OK);
	/* IMAPI2's defaults. */
	imapi_burn_verification_level lvl;
	CU_ASSERT_EQUAL(disc_format2_data_get_burn_verification_level(f, &lvl), S_OK);
	CU_ASSERT_EQUAL(lvl, IMAPI_BURN_VERIFICATION_QUICK);
	CU_ASSERT_EQUAL(disc_format2_data_get_force_media_to_be_closed(f, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_FALSE);
	CU_ASSERT_EQUAL(disc_format2_data_get_disable_consumer_dvd_compatibility_mode(f, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_FALSE);
	CU_ASSERT_EQUAL(disc_format2_data_get_force_overwrite(f, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_FALSE);
	CU_ASSERT_EQUAL(disc_format2_data_get_requested_write_speed(f, &i32), S_OK);
	CU_ASSERT_EQUAL(i32, -1);
	char *name = (char *)1;
	CU_ASSERT_EQUAL(disc_format2_data_get_client_name(f, &name), S_OK);
	CU_ASSERT_PTR_NULL(name);
	/* No Write yet: nothing sent, nothing closed, nothing mismatched. */
	disc_format2_data_result res;
	CU_ASSERT_EQUAL(disc_format2_data_get_result(f, &res), S_OK);
	CU_ASSERT_EQUAL(res.write_type, 0xff);
	CU_ASSERT_EQUAL(res.close_function, 0);
	CU_ASSERT_EQUAL(res.mismatch_lba, -1);
	CU_ASSERT_EQUAL(res.sectors, 0);
	/* VARIANT_BOOL in, VARIANT_TRUE out. */
	CU_ASSERT_EQUAL(disc_format2_data_put_postgap_already_in_image(f, 1), S_OK);
	CU_ASSERT_EQUAL(disc_format2_data_get_postgap_already_in_image(f, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_TRUE);
	CU_ASSERT_EQUAL(disc_format2_data_put_buffer_underrun_free_disabled(f, IMAPI_VARIANT_TRUE), S_OK);
	CU_ASSERT_EQUAL(disc_format2_data_get_buffer_underrun_free_disabled(f, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_TRUE);
	/* Ranges. */
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CU_ASSERT_EQUAL(disc_format2_data_put_client_name(f, ""), E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID);
	CU_ASSERT_EQUAL(disc_format2_data_put_client_name(f, "a\nb"), E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID);
	CU_ASSERT_EQUAL(disc_format2_data_put_client_name(f, longname), E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID);
	CU_ASSERT_EQUAL(disc_format2_data_put_client_name(f, "burnlab"), S_OK);
	CU_ASSERT_EQUAL(disc_format2_data_get_client_name(f, &name), S_OK);
	CU_ASSERT_STRING_EQUAL(name, "burnlab");
	imapi_free(name);
	CU_ASSERT_EQUAL(disc_format2_data_put_burn_verification_level(f, 3), E_INVALIDARG);
	/* Extension: the burn's queue depth, 1 (IMAPI2's one at a time) to 64. */
	CU_ASSERT_EQUAL(disc_format2_data_get_queue_depth(f, &i32), S_OK);
	CU_ASSERT_EQUAL(i32, 1);
	CU_ASSERT_EQUAL(disc_format2_data_put_queue_depth(f, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_format2_data_put_queue_depth(f, WRITE_ENGINE_QUEUE_DEPTH_MAX + 1), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_format2_data_get_queue_depth(NULL, &i32), E_POINTER);
	CU_ASSERT_EQUAL(disc_format2_data_put_queue_depth(f, 4), S_OK);
	CU_ASSERT_EQUAL(disc_format2_data_get_queue_depth(f, &i32), S_OK);
	CU_ASSERT_EQUAL(i32, 4);
	CU_ASSERT_EQUAL(disc_format2_data_set_write_speed(f, 0, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_format2_data_set_write_speed(f, -2, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_format2_data_set_write_speed(f, 0x7FFFFFFF, 0), S_OK);
	CU_ASSERT_EQUAL(disc_format2_data_get_requested_write_speed(f, &i32), S_OK);
	CU_ASSERT_EQUAL(i32, -1);
	/* Media types: the writable ones, no ROM. */
	imapi_media_physical_type *types = NULL;
	uint32_t n = 0;
	CU_ASSERT_EQUAL(disc_format2_data_get_supported_media_types(f, &types, &n), S_OK);
	int seen_cdr = 0, seen_bdre = 0, seen_rom = 0;
	for (uint32_t k = 0; k < n; k++) {
		seen_cdr |= types[k] == IMAPI_MEDIA_TYPE_CDR;
		seen_bdre |= types[k] == IMAPI_MEDIA_TYPE_BDRE;
		seen_rom |= types[k] == IMAPI_MEDIA_TYPE_CDROM || types[k] == IMAPI_MEDIA_TYPE_DVDROM;
	}
	CU_ASSERT(seen_cdr && seen_bdre && !seen_rom);
	imapi_free(types);
	/* Without a recorder. */
	CU_ASSERT_EQUAL(disc_format2_data_get_next_writable_address(f, &i32), E_IMAPI_RECORDER_REQUIRED);
	CU_ASSERT_EQUAL(disc_format2_data_get_current_media_status(f, &i32), E_IMAPI_RECORDER_REQUIRED);
	uint8_t *keep;
	imapi_stream *s = data_stream(4, &keep);
	CU_ASSERT_EQUAL(disc_format2_data_write(f, s), E_IMAPI_RECORDER_REQUIRED);
	CU_ASSERT_EQUAL(disc_format2_data_cancel_write(f), E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS);
	CU_ASSERT_EQUAL(disc_format2_data_write(f, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_format2_data_get_force_overwrite(f, NULL), E_POINTER);
	CU_ASSERT_EQUAL(disc_format2_data_put_force_overwrite(NULL, 1), E_POINTER);
	imapi_stream_release(s);
	free(keep);
	disc_format2_data_release(f);
}

static void test_blank_media(void)
{
	disc_format2_data *f = format_on(LUN_CDR);
	int v;
	int32_t total = 0, free_ = 0, nwa = -1, prev = 0;
	imapi_media_physical_type t;
	CU_ASSERT_EQUAL(state_of(f), IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK);
	CU_ASSERT_EQUAL(disc_format2_data_get_current_physical_media_type(f, &t), S_OK);
	CU_ASSERT_EQUAL(t, IMAPI_MEDIA_TYPE_CDR);
	CU_ASSERT_EQUAL(disc_format2_data_get_media_physically_blank(f, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_TRUE);
	CU_ASSERT_EQUAL(disc_format2_data_get_media_heuristically_blank(f, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_TRUE);
	CU_ASSERT_EQUAL(disc_format2_data_get_next_writable_address(f, &nwa), S_OK);
	CU_ASSERT_EQUAL(nwa, 0);
	CU_ASSERT_EQUAL(disc_format2_data_get_total_sectors_on_media(f, &total), S_OK);
	CU_ASSERT_EQUAL(disc_format2_data_get_free_sectors_on_media(f, &free_), S_OK);
	CU_ASSERT(total > 300000 && free_ == total);
	CU_ASSERT_EQUAL(disc_format2_data_get_start_address_of_previous_session(f, &prev), S_OK);
	CU_ASSERT_EQUAL(prev, -1);
	imapi_multisession_sequential ms;
	CU_ASSERT_EQUAL(disc_format2_data_get_multisession_interfaces(f, &ms), S_OK);
	CU_ASSERT_EQUAL(ms.is_first_data_session, IMAPI_VARIANT_TRUE);
	CU_ASSERT_EQUAL(ms.next_writable_address, 0);
	disc_recorder_ex *r = NULL;
	CU_ASSERT_EQUAL(disc_format2_data_get_recorder(f, &r), S_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(disc_format2_data_is_recorder_supported(f, r, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_TRUE);
	CU_ASSERT_EQUAL(disc_format2_data_is_current_media_supported(f, r, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_TRUE);
	disc_recorder_ex_release(r);
	/* Write speeds: GET PERFORMANCE's descriptors, fastest first. */
	int32_t *speeds = NULL;
	uint32_t n = 0;
	CU_ASSERT_EQUAL(disc_format2_data_get_supported_write_speeds(f, &speeds, &n), S_OK);
	CU_ASSERT(n >= 1);
	for (uint32_t k = 1; k < n; k++)
		CU_ASSERT(speeds[k] <= speeds[k - 1]);
	int32_t cur = 0;
	CU_ASSERT_EQUAL(disc_format2_data_get_current_write_speed(f, &cur), S_OK);
	CU_ASSERT(n == 0 || cur == speeds[0]);
	imapi_free(speeds);
	disc_format2_data_release(f);
}

/* Stages seen by the Update handler. */
struct seen {
	int actions[32];
	int n;
	int last;
	hresult_t put_during_write, write_during_write;
	int cancel_at_writing;
	int32_t max_written;
};

static void on_update(disc_format2_data *f, const disc_format2_data_event_args *ev, void *user)
{
	struct seen *s = user;
	if ((int)ev->current_action != s->last && s->n < 32) {
		s->actions[s->n++] = (int)ev->current_action;
		s->last = (int)ev->current_action;
	}
	if (ev->current_action == IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA) {
		s->put_during_write = disc_format2_data_put_force_overwrite(f, 1);
		s->write_during_write = disc_format2_data_write(f, NULL) == E_POINTER ?
			write_n(f, 1) : E_FAIL;
		if (ev->engine.last_written_lba > s->max_written)
			s->max_written = ev->engine.last_written_lba;
		if (s->cancel_at_writing == 1) {
			/* The first WRITING_DATA event comes before the first WRITE. */
			s->cancel_at_writing = 2;
			CU_ASSERT_EQUAL(disc_format2_data_cancel_write(f), S_OK);
		}
	}
	CU_ASSERT(ev->total_time == ev->elapsed_time + ev->remaining_time);
}

static void test_cdr_multisession(void)
{
	disc_format2_data *f = format_on(LUN_CDR);
	struct seen s = { .last = -1 };
	disc_format2_data_result res;
	CU_ASSERT_EQUAL(disc_format2_data_advise(f, on_update, &s), S_OK);
	CU_ASSERT_EQUAL_FATAL(write_n(f, 300), S_OK);
	static const int order[] = { 0, 2, 3, 4, 5, 7, 6 };	/* no formatting on a CD-R */
	CU_ASSERT_EQUAL(s.n, 7);
	for (int i = 0; i < 7 && i < s.n; i++)
		CU_ASSERT_EQUAL(s.actions[i], order[i]);
	CU_ASSERT_EQUAL(s.put_during_write, E_IMAPI_DF2DATA_WRITE_IN_PROGRESS);
	CU_ASSERT_EQUAL(s.write_during_write, E_IMAPI_DF2DATA_WRITE_IN_PROGRESS);
	CU_ASSERT_EQUAL(disc_format2_data_get_result(f, &res), S_OK);
	CU_ASSERT_EQUAL(res.start_lba, 0);
	CU_ASSERT_EQUAL(res.sectors, 300);
	CU_ASSERT_EQUAL(res.write_type, 1);		/* CD: TAO */
	CU_ASSERT_EQUAL(res.close_function, 2);		/* CLOSE SESSION, appendable */
	CU_ASSERT_EQUAL(res.verified, 300);		/* QUICK: all 10 chunks of a small track */
	CU_ASSERT_EQUAL(res.mismatch_lba, -1);
	/* IMAPI2's default leaves a CD appendable; the next session follows. */
	CU_ASSERT_EQUAL(state_of(f), IMAPI_FORMAT2_DATA_MEDIA_STATE_APPENDABLE);
	int32_t nwa = 0, prev = -1, prev_last = -1;
	CU_ASSERT_EQUAL(disc_format2_data_get_next_writable_address(f, &nwa), S_OK);
	CU_ASSERT(nwa > 300);
	CU_ASSERT_EQUAL(disc_format2_data_get_start_address_of_previous_session(f, &prev), S_OK);
	CU_ASSERT_EQUAL(prev, 0);
	CU_ASSERT_EQUAL(disc_format2_data_get_last_written_address_of_previous_session(f, &prev_last), S_OK);
	CU_ASSERT_EQUAL(prev_last, 299);
	imapi_multisession_sequential ms;
	CU_ASSERT_EQUAL(disc_format2_data_get_multisession_interfaces(f, &ms), S_OK);
	CU_ASSERT_EQUAL(ms.is_first_data_session, IMAPI_VARIANT_FALSE);
	disc_format2_data_advise(f, NULL, NULL);
	/* The second session, closing the disc. */
	CU_ASSERT_EQUAL(disc_format2_data_put_force_media_to_be_closed(f, 1), S_OK);
	CU_ASSERT_EQUAL(disc_format2_data_put_burn_verification_level(f, IMAPI_BURN_VERIFICATION_FULL), S_OK);
	/* Four WRITEs in flight; FULL then reads the 4 chunks (the last one short) in
	 * one READ(10). */
	CU_ASSERT_EQUAL(disc_format2_data_put_queue_depth(f, 4), S_OK);
	CU_ASSERT_EQUAL_FATAL(write_n(f, 100), S_OK);
	CU_ASSERT_EQUAL(disc_format2_data_get_result(f, &res), S_OK);
	CU_ASSERT_EQUAL(res.start_lba, nwa);
	CU_ASSERT_EQUAL(res.verified, 100);
	CU_ASSERT_EQUAL(state_of(f), IMAPI_FORMAT2_DATA_MEDIA_STATE_FINALIZED);
	CU_ASSERT_EQUAL(write_n(f, 1), E_IMAPI_DF2DATA_INVALID_MEDIA_STATE);
	CU_ASSERT_EQUAL(disc_format2_data_get_next_writable_address(f, &nwa),
			E_IMAPI_DF2DATA_INVALID_MEDIA_STATE);
	disc_format2_data_release(f);
}

/* DVD+R: IMAPI2 closes it in the compatible way (101b) unless compatibility is off;
 * then ForceMediaToBeClosed decides.  DVD+R DL is always finalized. */
static void test_dvdplusr_close(void)
{
	disc_format2_data *f = format_on(LUN_DVDPR);
	disc_format2_data_result res;
	CU_ASSERT_EQUAL(disc_format2_data_put_disable_consumer_dvd_compatibility_mode(f, 1), S_OK);
	CU_ASSERT_EQUAL_FATAL(write_n(f, 64), S_OK);
	disc_format2_data_get_result(f, &res);
	CU_ASSERT_EQUAL(res.close_function, 2);
	CU_ASSERT_EQUAL(state_of(f), IMAPI_FORMAT2_DATA_MEDIA_STATE_APPENDABLE);
	CU_ASSERT_EQUAL(disc_format2_data_put_disable_consumer_dvd_compatibility_mode(f, 0), S_OK);
	CU_ASSERT_EQUAL_FATAL(write_n(f, 64), S_OK);
	disc_format2_data_get_result(f, &res);
	CU_ASSERT_EQUAL(res.close_function, 5);
	CU_ASSERT_EQUAL(res.write_type, 0xff);		/* DVD+R takes no page 05h */
	CU_ASSERT_EQUAL(state_of(f), IMAPI_FORMAT2_DATA_MEDIA_STATE_FINALIZED);
	disc_format2_data_release(f);

	f = format_on(LUN_DVDPRDL);
	CU_ASSERT_EQUAL(disc_format2_data_put_disable_consumer_dvd_compatibility_mode(f, 1), S_OK);
	CU_ASSERT_EQUAL_FATAL(write_n(f, 64), S_OK);
	disc_format2_data_get_result(f, &res);
	CU_ASSERT_EQUAL(res.close_function, 6);
	disc_format2_data_release(f);
}

/* DVD-R closed on a blank disc: Disc-at-Once (RESERVE TRACK, SYNCHRONIZE CACHE closes). */
static void test_dvdminusr_dao(void)
{
	disc_format2_data *f = format_on(LUN_DVDMR);
	disc_format2_data_result res;
	CU_ASSERT_EQUAL(disc_format2_data_put_force_media_to_be_closed(f, 1), S_OK);
	CU_ASSERT_EQUAL_FATAL(write_n(f, 200), S_OK);
	disc_format2_data_get_result(f, &res);
	CU_ASSERT_EQUAL(res.write_type, 2);
	CU_ASSERT_EQUAL(res.close_function, 0);
	CU_ASSERT_EQUAL(state_of(f), IMAPI_FORMAT2_DATA_MEDIA_STATE_FINALIZED);
	disc_format2_data_release(f);
}

/* Overwritable media: from LBA 0; a disc holding data needs ForceOverwrite. */
static void test_overwrite(void)
{
	disc_format2_data *f = format_on(LUN_DVDPRW);
	disc_format2_data_result res;
	int v;
	CU_ASSERT(state_of(f) & IMAPI_FORMAT2_DATA_MEDIA_STATE_OVERWRITE_ONLY);
	CU_ASSERT_EQUAL_FATAL(write_n(f, 300), S_OK);
	disc_format2_data_get_result(f, &res);
	CU_ASSERT_EQUAL(res.start_lba, 0);
	CU_ASSERT_EQUAL(disc_format2_data_get_media_heuristically_blank(f, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_FALSE);
	CU_ASSERT_EQUAL(write_n(f, 300), E_IMAPI_DF2DATA_MEDIA_NOT_BLANK);
	CU_ASSERT_EQUAL(disc_format2_data_put_force_overwrite(f, 1), S_OK);
	CU_ASSERT_EQUAL(write_n(f, 300), S_OK);
	imapi_multisession_sequential ms;
	CU_ASSERT_EQUAL(disc_format2_data_get_multisession_interfaces(f, &ms),
			E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED);
	disc_format2_data_release(f);

	f = format_on(LUN_BDRE);
	CU_ASSERT_EQUAL(write_n(f, 100), S_OK);
	disc_format2_data_release(f);
}

static hresult_t sized_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	(void)ctx;
	memset(buf, 0, len);
	*got = len;
	return S_OK;
}

static void test_errors(void)
{
	disc_format2_data *f = format_on(LUN_CD_SMALL);
	/* A stream without a size; one that is not whole sectors; one too large. */
	const imapi_stream_ops ops = { .read = sized_read };
	imapi_stream *s = NULL;
	CU_ASSERT_EQUAL(imapi_stream_from_ops(&ops, NULL, &s), S_OK);
	uint64_t size = 1;
	CU_ASSERT_EQUAL(imapi_stream_get_size(s, &size), S_FALSE);
	CU_ASSERT_EQUAL(size, 0);
	CU_ASSERT_EQUAL(disc_format2_data_write(f, s), E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED);
	CU_ASSERT_EQUAL(imapi_stream_put_size(s, 2048 * 10 + 1), S_OK);
	CU_ASSERT_EQUAL(disc_format2_data_write(f, s), E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED);
	CU_ASSERT_EQUAL(imapi_stream_put_size(s, 2048 * 2000), S_OK);
	CU_ASSERT_EQUAL(disc_format2_data_write(f, s), E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA);
	CU_ASSERT_EQUAL(state_of(f), IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK);	/* untouched */
	imapi_stream_release(s);
	disc_format2_data_release(f);

	/* No client name. */
	disc_recorder_ex *r = open_lun(LUN_CD_SMALL);
	CU_ASSERT_EQUAL(disc_format2_data_create(&f), S_OK);
	CU_ASSERT_EQUAL(disc_format2_data_put_recorder(f, r), S_OK);
	CU_ASSERT_EQUAL(write_n(f, 1), E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID);
	disc_format2_data_release(f);
	disc_recorder_ex_release(r);

	/* No medium; a read-only disc. */
	int32_t v;
	f = format_on(LUN_NONE);
	CU_ASSERT_EQUAL(disc_format2_data_get_current_media_status(f, &v), E_IMAPI_RECORDER_MEDIA_NO_MEDIA);
	CU_ASSERT_EQUAL(write_n(f, 1), E_IMAPI_RECORDER_MEDIA_NO_MEDIA);
	disc_format2_data_release(f);
	f = format_on(LUN_ROM);
	CU_ASSERT_EQUAL(state_of(f) & IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MEDIA,
			IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MEDIA);
	CU_ASSERT_EQUAL(disc_format2_data_get_write_protect_status(f, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_WRITEPROTECTED_READ_ONLY_MEDIA);
	CU_ASSERT_EQUAL(write_n(f, 1), E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED);
	disc_format2_data_release(f);
}

static void test_cancel(void)
{
	disc_format2_data *f = format_on(LUN_BDR);
	struct seen s = { .last = -1, .cancel_at_writing = 1 };
	disc_format2_data_result res;
	CU_ASSERT_EQUAL(disc_format2_data_advise(f, on_update, &s), S_OK);
	/* Large enough for more than one Update while writing. */
	CU_ASSERT_EQUAL(write_n(f, 40000), E_IMAPI_REQUEST_CANCELLED);
	disc_format2_data_get_result(f, &res);
	CU_ASSERT(res.sectors < 40000);
	CU_ASSERT_EQUAL(res.close_function, 0);		/* nothing closed after a cancel */
	CU_ASSERT_EQUAL(disc_format2_data_cancel_write(f), E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS);
	disc_format2_data_release(f);
}

/* Blocks the drive acknowledged but did not record fail FULL verification: the WRITE
 * of LBAs 0-127 that covers LBA 64 left a hole, so the first chunk fails.  A block the
 * drive cannot read (LBA 100 of LUN_MEDERR) fails it too: chunks 0-3 are read in one
 * READ(10) of 256 KiB, which fails; read again one by one, the fourth is named. */
static void test_verify_mismatch(void)
{
	disc_format2_data *f = format_on(LUN_FAULT);
	disc_format2_data_result res;
	CU_ASSERT_EQUAL(disc_format2_data_put_burn_verification_level(f, IMAPI_BURN_VERIFICATION_FULL), S_OK);
	CU_ASSERT_EQUAL(write_n(f, 512), E_IMAPI_BURN_VERIFICATION_FAILED);
	disc_format2_data_get_result(f, &res);
	CU_ASSERT_EQUAL(res.mismatch_lba, 0);	/* a chunk's first LBA */
	CU_ASSERT_EQUAL(res.verified, 32);	/* the failing chunk included */
	disc_format2_data_release(f);

	f = format_on(LUN_MEDERR);
	CU_ASSERT_EQUAL(disc_format2_data_put_burn_verification_level(f, IMAPI_BURN_VERIFICATION_FULL), S_OK);
	CU_ASSERT_EQUAL(write_n(f, 512), E_IMAPI_BURN_VERIFICATION_FAILED);
	disc_format2_data_get_result(f, &res);
	CU_ASSERT_EQUAL(res.mismatch_lba, 96);
	CU_ASSERT_EQUAL(res.verified, 128);
	disc_format2_data_release(f);
}

struct erase_seen {
	int events;
	int32_t last_elapsed;
};

static void on_erase(disc_format2_erase *e, int32_t elapsed, int32_t total, void *user)
{
	(void)e;
	struct erase_seen *s = user;
	CU_ASSERT(elapsed >= s->last_elapsed);
	CU_ASSERT(total >= 0);
	s->last_elapsed = elapsed;
	s->events++;
}

/* IDiscFormat2Erase: a finalized CD-RW blanked back to blank, minimally then fully;
 * what cannot be erased is refused by name. */
static void test_erase(void)
{
	disc_format2_data *f = format_on(LUN_CDRW);
	CU_ASSERT_EQUAL(disc_format2_data_put_force_media_to_be_closed(f, 1), S_OK);
	CU_ASSERT_EQUAL_FATAL(write_n(f, 100), S_OK);
	CU_ASSERT_EQUAL(state_of(f), IMAPI_FORMAT2_DATA_MEDIA_STATE_FINALIZED |
				     IMAPI_FORMAT2_DATA_MEDIA_STATE_ERASE_REQUIRED);

	disc_format2_erase *e = NULL;
	disc_recorder_ex *r = open_lun(LUN_CDRW);
	int v;
	CU_ASSERT_EQUAL(disc_format2_erase_create(NULL), E_POINTER);
	CU_ASSERT_EQUAL_FATAL(disc_format2_erase_create(&e), S_OK);
	CU_ASSERT_EQUAL(disc_format2_erase_erase_media(e), E_IMAPI_RECORDER_REQUIRED);
	CU_ASSERT_EQUAL(disc_format2_erase_put_recorder(e, r), S_OK);
	CU_ASSERT_EQUAL(disc_format2_erase_erase_media(e), E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID);
	CU_ASSERT_EQUAL(disc_format2_erase_put_client_name(e, ""), E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID);
	CU_ASSERT_EQUAL(disc_format2_erase_put_client_name(e, "test_eng_format"), S_OK);
	CU_ASSERT_EQUAL(disc_format2_erase_get_full_erase(e, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_FALSE);
	CU_ASSERT_EQUAL(disc_format2_erase_is_current_media_supported(e, r, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_TRUE);
	CU_ASSERT_EQUAL(disc_format2_erase_is_recorder_supported(e, r, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_TRUE);
	imapi_media_physical_type t;
	CU_ASSERT_EQUAL(disc_format2_erase_get_current_physical_media_type(e, &t), S_OK);
	CU_ASSERT_EQUAL(t, IMAPI_MEDIA_TYPE_CDRW);
	struct erase_seen seen = { 0, 0 };
	CU_ASSERT_EQUAL(disc_format2_erase_advise(e, on_erase, &seen), S_OK);
	CU_ASSERT_EQUAL(disc_format2_erase_erase_media(e), S_OK);
	CU_ASSERT(seen.events >= 2);	/* at the start and when the drive is ready */
	CU_ASSERT_EQUAL(state_of(f), IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK);
	CU_ASSERT_EQUAL(disc_format2_erase_get_media_physically_blank(e, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_TRUE);
	/* The disc takes a burn again, then a full erase. */
	CU_ASSERT_EQUAL(write_n(f, 50), S_OK);
	CU_ASSERT_EQUAL(disc_format2_erase_put_full_erase(e, 1), S_OK);
	CU_ASSERT_EQUAL(disc_format2_erase_erase_media(e), S_OK);
	CU_ASSERT_EQUAL(state_of(f), IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK);
	disc_format2_erase_release(e);
	disc_recorder_ex_release(r);
	disc_format2_data_release(f);

	/* A CD-R cannot be erased; a BD-RE is formatted anew. */
	CU_ASSERT_EQUAL(disc_format2_erase_create(&e), S_OK);
	disc_format2_erase_put_client_name(e, "test_eng_format");
	r = open_lun(LUN_CD_SMALL);
	disc_format2_erase_put_recorder(e, r);
	CU_ASSERT_EQUAL(disc_format2_erase_is_current_media_supported(e, r, &v), S_OK);
	CU_ASSERT_EQUAL(v, IMAPI_VARIANT_FALSE);
	CU_ASSERT_EQUAL(disc_format2_erase_erase_media(e), E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED);
	disc_recorder_ex_release(r);
	r = open_lun(LUN_BDRE);
	CU_ASSERT_EQUAL(disc_format2_erase_put_recorder(e, r), S_OK);
	CU_ASSERT_EQUAL(disc_format2_erase_erase_media(e), S_OK);
	disc_recorder_ex_release(r);
	disc_format2_erase_release(e);
}

/* n CD-DA sectors of a tone-like pattern. */
static imapi_stream *audio_stream(int32_t n, uint8_t **keep)
{
	uint8_t *buf = malloc((size_t)n * 2352);
	for (size_t i = 0; i < (size_t)n * 2352; i++)
		buf[i] = (uint8_t)(i * 31 + i / 2352);
	imapi_stream *s = NULL;
	CU_ASSERT_EQUAL(imapi_stream_from_memory(buf, (size_t)n * 2352, 0, &s), S_OK);
	*keep = buf;
	return s;
}

static hresult_t add_track(disc_format2_tao *t, int32_t n)
{
	uint8_t *buf;
	imapi_stream *s = audio_stream(n, &buf);
	hresult_t hr = disc_format2_tao_add_audio_track(t, s);
	imapi_stream_release(s);
	free(buf);
	return hr;
}

struct tao_seen {
	int actions[16];
	int n, last;
	int32_t tracks[16];
};

static void on_tao(disc_format2_tao *t, const disc_format2_tao_event_args *ev, void *user)
{
	(void)t;
	struct tao_seen *s = user;
	if ((int)ev->current_action != s->last && s->n < 16) {
		s->tracks[s->n] = ev->current_track_number;
		s->actions[s->n++] = (int)ev->current_action;
		s->last = (int)ev->current_action;
	}
}

/* IDiscFormat2TrackAtOnce: two audio tracks with their 2-second pre-gaps, the expected
 * TOC equal to what the drive reports after ReleaseMedia, and the errors IMAPI2 names. */
static void test_tao(void)
{
	disc_recorder_ex *r = open_lun(LUN_AUDIO);
	disc_format2_tao *t = NULL;
	int32_t v;
	int b;
	CU_ASSERT_EQUAL(disc_format2_tao_create(NULL), E_POINTER);
	CU_ASSERT_EQUAL_FATAL(disc_format2_tao_create(&t), S_OK);
	CU_ASSERT_EQUAL(disc_format2_tao_prepare_media(t), E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID);
	CU_ASSERT_EQUAL(disc_format2_tao_put_client_name(t, "test_eng_format"), S_OK);
	CU_ASSERT_EQUAL(disc_format2_tao_prepare_media(t), E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED);
	CU_ASSERT_EQUAL(disc_format2_tao_put_recorder(t, r), S_OK);
	CU_ASSERT_EQUAL(disc_format2_tao_get_do_not_finalize_media(t, &b), S_OK);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_FALSE);
	CU_ASSERT_EQUAL(add_track(t, 300), E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED);
	CU_ASSERT_EQUAL(disc_format2_tao_release_media(t), E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED);
	CU_ASSERT_EQUAL(disc_format2_tao_get_number_of_existing_tracks(t, &v), S_OK);
	CU_ASSERT_EQUAL(v, 0);
	uint8_t *toc = NULL;
	uint32_t len = 0;
	CU_ASSERT_EQUAL(disc_format2_tao_get_expected_table_of_contents(t, &toc, &len),
			E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC);

	struct tao_seen seen = { .last = -1 };
	disc_format2_tao_advise(t, on_tao, &seen);
	CU_ASSERT_EQUAL_FATAL(disc_format2_tao_prepare_media(t), S_OK);
	CU_ASSERT_EQUAL(disc_format2_tao_prepare_media(t), E_IMAPI_DF2TAO_MEDIA_IS_PREPARED);
	CU_ASSERT_EQUAL(disc_format2_tao_put_buffer_underrun_free_disabled(t, 1),
			E_IMAPI_DF2TAO_MEDIA_IS_PREPARED);
	CU_ASSERT_EQUAL(add_track(t, 299), E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED);	/* < 4 s */
	CU_ASSERT_EQUAL(add_track(t, 300), S_OK);
	CU_ASSERT_EQUAL(add_track(t, 450), S_OK);
	CU_ASSERT_EQUAL(disc_format2_tao_get_number_of_existing_tracks(t, &v), S_OK);
	CU_ASSERT_EQUAL(v, 2);
	CU_ASSERT_EQUAL(disc_format2_tao_get_expected_table_of_contents(t, &toc, &len), S_OK);
	CU_ASSERT_EQUAL_FATAL(len, 4 + 3 * 8);
	CU_ASSERT_EQUAL(toc[2], 1);
	CU_ASSERT_EQUAL(toc[3], 2);
	CU_ASSERT_EQUAL(toc[4 + 1], 0x10);		/* ADR 1, audio */
	CU_ASSERT_EQUAL(toc[4 + 2], 1);
	uint32_t t1 = (uint32_t)toc[8] << 24 | toc[9] << 16 | toc[10] << 8 | toc[11];
	uint32_t t2 = (uint32_t)toc[16] << 24 | toc[17] << 16 | toc[18] << 8 | toc[19];
	CU_ASSERT_EQUAL(t1, 0);
	/* Track 2 begins after track 1, its run-out and its own 2-second pre-gap. */
	CU_ASSERT(t2 >= 300 + 150);
	CU_ASSERT_EQUAL(toc[20 + 2], 0xAA);
	CU_ASSERT_EQUAL(disc_format2_tao_release_media(t), S_OK);
	/* What the drive reports once the disc is finalized: READ TOC format 0, LBA. */
	uint8_t cdb[10] = { 0x43, 0, 0, 0, 0, 0, 0, 0x03, 0x24, 0 }, real[804], sense[18];
	uint32_t got = 0;
	CU_ASSERT_EQUAL(disc_recorder_ex_send_command_get_data_from_device(r, cdb, 10, sense, 0,
			real, sizeof(real), &got), S_OK);
	CU_ASSERT_EQUAL(got, len);
	CU_ASSERT(got == len && memcmp(real + 2, toc + 2, len - 2) == 0);
	imapi_free(toc);
	/* Stages: preparing, then writing and finishing per track. */
	CU_ASSERT_EQUAL(seen.n, 5);	/* release adds FINISHING after FINISHING */
	CU_ASSERT_EQUAL(seen.actions[0], IMAPI_FORMAT2_TAO_WRITE_ACTION_PREPARING);
	CU_ASSERT_EQUAL(seen.actions[1], IMAPI_FORMAT2_TAO_WRITE_ACTION_WRITING);
	CU_ASSERT_EQUAL(seen.tracks[1], 1);
	CU_ASSERT_EQUAL(seen.actions[3], IMAPI_FORMAT2_TAO_WRITE_ACTION_WRITING);
	CU_ASSERT_EQUAL(seen.tracks[3], 2);
	/* Finalized: no more tracks. */
	CU_ASSERT_EQUAL(disc_format2_tao_prepare_media(t), E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK);
	disc_format2_tao_release(t);
	disc_recorder_ex_release(r);

	/* Not a CD. */
	CU_ASSERT_EQUAL(disc_format2_tao_create(&t), S_OK);
	disc_format2_tao_put_client_name(t, "test_eng_format");
	r = open_lun(LUN_BDRE);
	disc_format2_tao_put_recorder(t, r);
	CU_ASSERT_EQUAL(disc_format2_tao_prepare_media(t), E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED);
	disc_format2_tao_release(t);
	disc_recorder_ex_release(r);
}

/* A raw stream of zero sectors: main channel and sub-channel all zero (no usable Q,
 * so the drive makes one track of the program area written). */
static hresult_t zero_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	(void)ctx;
	memset(buf, 0, len);
	*got = len;
	return S_OK;
}

static imapi_stream *zero_stream(uint64_t sectors, uint32_t bps)
{
	const imapi_stream_ops ops = { .read = zero_read };
	imapi_stream *s = NULL;
	CU_ASSERT_EQUAL(imapi_stream_from_ops(&ops, NULL, &s), S_OK);
	CU_ASSERT_EQUAL(imapi_stream_put_size(s, sectors * bps), S_OK);
	return s;
}

/* IDiscFormat2RawCD: page 05h raw writing from the disc's lead-in start, a stream
 * that starts too late refused, the session closed by ReleaseMedia. */
static void test_raw(void)
{
	disc_recorder_ex *r = open_lun(LUN_RAW);
	disc_format2_raw_cd *f = NULL;
	CU_ASSERT_EQUAL(disc_format2_raw_cd_create(NULL), E_POINTER);
	CU_ASSERT_EQUAL_FATAL(disc_format2_raw_cd_create(&f), S_OK);
	imapi_format2_raw_cd_data_sector_type t;
	CU_ASSERT_EQUAL(disc_format2_raw_cd_get_requested_sector_type(f, &t), S_OK);
	CU_ASSERT_EQUAL(t, IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_RAW);
	CU_ASSERT_EQUAL(disc_format2_raw_cd_put_requested_sector_type(f, 4), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_format2_raw_cd_prepare_media(f), E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID);
	CU_ASSERT_EQUAL(disc_format2_raw_cd_put_client_name(f, "test_eng_format"), S_OK);
	CU_ASSERT_EQUAL(disc_format2_raw_cd_prepare_media(f), E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED);
	CU_ASSERT_EQUAL(disc_format2_raw_cd_put_recorder(f, r), S_OK);
	imapi_format2_raw_cd_data_sector_type *types = NULL;
	uint32_t n = 0;
	CU_ASSERT_EQUAL(disc_format2_raw_cd_get_supported_sector_types(f, &types, &n), S_OK);
	CU_ASSERT_EQUAL(n, 3);		/* simdrive: Raw, data block types 1-3 */
	imapi_free(types);
	int32_t v = -1;
	CU_ASSERT_EQUAL(disc_format2_raw_cd_get_start_of_next_session(f, &v), S_OK);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(disc_format2_raw_cd_get_last_possible_start_of_leadout(f, &v), S_OK);
	CU_ASSERT(v > 300000);
	imapi_stream *s = zero_stream(22650 + 300, 2448);	/* 95:00:00 to LBA 299 */
	CU_ASSERT_EQUAL(disc_format2_raw_cd_write_media(f, s), E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED);
	CU_ASSERT_EQUAL_FATAL(disc_format2_raw_cd_prepare_media(f), S_OK);
	CU_ASSERT_EQUAL(disc_format2_raw_cd_put_requested_sector_type(f, 1),
			E_IMAPI_DF2RAW_MEDIA_IS_PREPARED);
	/* 100 lead-in sectors: the disc's lead-in starts much earlier. */
	imapi_stream *late = zero_stream(250 + 300, 2448);
	CU_ASSERT_EQUAL(disc_format2_raw_cd_write_media2(f, late, 100),
			E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT);
	imapi_stream_release(late);
	imapi_stream *odd = zero_stream(10, 2352);
	CU_ASSERT_EQUAL(disc_format2_raw_cd_write_media(f, odd), E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED);
	imapi_stream_release(odd);
	/* From MSF 95:00:00: the lead-in, the 2-second pre-gap and 300 program sectors. */
	CU_ASSERT_EQUAL(disc_format2_raw_cd_write_media(f, s), S_OK);
	imapi_stream_release(s);
	CU_ASSERT_EQUAL(disc_format2_raw_cd_release_media(f), S_OK);
	CU_ASSERT_EQUAL(disc_format2_raw_cd_release_media(f), E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED);
	/* The drive made one closed track of the 300 sectors and finalized the disc. */
	uint8_t *d = NULL;
	uint32_t len = 0;
	CU_ASSERT_EQUAL(disc_recorder_ex_get_disc_information(r, &d, &len), S_OK);
	CU_ASSERT(len > 2 && (d[2] & 0x03) == 2);
	imapi_free(d);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_track_information(r, 1, IMAPI_READ_TRACK_ADDRESS_TYPE_TRACK,
							       &d, &len), S_OK);
	CU_ASSERT(len >= 28 && d[8] == 0 && d[9] == 0 && d[10] == 0 && d[11] == 0);	/* start 0 */
	CU_ASSERT(len >= 28 && (d[24] << 24 | d[25] << 16 | d[26] << 8 | d[27]) == 300);
	imapi_free(d);
	CU_ASSERT_EQUAL(disc_format2_raw_cd_prepare_media(f), E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK);
	disc_format2_raw_cd_release(f);
	disc_recorder_ex_release(r);
}

static int add_suite(void)
{
	static const struct unit_test tests[] = {
		{ "contract", test_contract },
		{ "blank_media", test_blank_media },
		{ "cdr_multisession", test_cdr_multisession },
		{ "dvdplusr_close", test_dvdplusr_close },
		{ "dvdminusr_dao", test_dvdminusr_dao },
		{ "overwrite", test_overwrite },
		{ "errors", test_errors },
		{ "cancel", test_cancel },
		{ "verify_mismatch", test_verify_mismatch },
		{ "erase", test_erase },
		{ "tao", test_tao },
		{ "raw", test_raw },
	};
	return UNIT_ADD_SUITE("eng_format", tests);
}
UNIT_SUITE(add_suite)
