/* engine/media.c - the medium as the format layer sees it (media.h).  The commands are
 * MMC-6's (clause 6, by name): READ DISC INFORMATION, READ TRACK INFORMATION, READ
 * CAPACITY, READ FORMAT CAPACITIES (§6.24), CLOSE TRACK/SESSION (§6.3), FORMAT UNIT
 * (§6.5), SYNCHRONIZE CACHE and GET PERFORMANCE (§6.8). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "media.h"
#include "recorder-private.h"

enum { SECTOR = 2048, LONG_TIMEOUT_S = 3600 };

double eng_media_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

hresult_t eng_media_cmd(disc_recorder_ex *r, struct mcc_cdb cdb, enum eng_media_dir dir,
			void *buf, uint32_t len, uint32_t timeout_s, uint32_t *got)
{
	static const enum eng_dir dirs[] = { ENG_DIR_NONE, ENG_DIR_IN, ENG_DIR_OUT };
	struct eng_cmd c = { .cdb = cdb.b, .cdb_len = (uint32_t)cdb.len, .dir = dirs[dir],
			     .buf = buf, .len = len, .timeout_s = timeout_s, .retry = 1 };
	hresult_t hr = eng_rec_exec(r, &c);
	if (got)
		*got = c.got;
	return hr;
}

/* IMAPI_MEDIA_PHYSICAL_TYPE of each MMC-6 profile IMAPI2 knows. */
static const struct {
	int profile;
	imapi_media_physical_type type;
} physical[] = {
	{ 0x0008, IMAPI_MEDIA_TYPE_CDROM }, { 0x0009, IMAPI_MEDIA_TYPE_CDR },
	{ 0x000A, IMAPI_MEDIA_TYPE_CDRW }, { 0x0010, IMAPI_MEDIA_TYPE_DVDROM },
	{ 0x0011, IMAPI_MEDIA_TYPE_DVDDASHR }, { 0x0012, IMAPI_MEDIA_TYPE_DVDRAM },
	{ 0x0013, IMAPI_MEDIA_TYPE_DVDDASHRW }, { 0x0014, IMAPI_MEDIA_TYPE_DVDDASHRW },
	{ 0x0015, IMAPI_MEDIA_TYPE_DVDDASHR_DUALLAYER },
	{ 0x0016, IMAPI_MEDIA_TYPE_DVDDASHR_DUALLAYER },
	{ 0x001A, IMAPI_MEDIA_TYPE_DVDPLUSRW }, { 0x001B, IMAPI_MEDIA_TYPE_DVDPLUSR },
	{ 0x002A, IMAPI_MEDIA_TYPE_DVDPLUSRW_DUALLAYER },
	{ 0x002B, IMAPI_MEDIA_TYPE_DVDPLUSR_DUALLAYER },
	{ 0x0040, IMAPI_MEDIA_TYPE_BDROM }, { 0x0041, IMAPI_MEDIA_TYPE_BDR },
	{ 0x0042, IMAPI_MEDIA_TYPE_BDR }, { 0x0043, IMAPI_MEDIA_TYPE_BDRE },
};

imapi_media_physical_type eng_media_physical_type(int profile)
{
	for (size_t i = 0; i < sizeof(physical) / sizeof(physical[0]); i++)
		if (physical[i].profile == profile)
			return physical[i].type;
	return IMAPI_MEDIA_TYPE_UNKNOWN;
}

static hresult_t track_info(disc_recorder_ex *r, uint32_t address,
			    imapi_read_track_address_type type, struct mcc_track_info *t)
{
	uint8_t *d = NULL;
	uint32_t n = 0;
	hresult_t hr = disc_recorder_ex_get_track_information(r, address, type, &d, &n);
	if (IMAPI_SUCCEEDED(hr) && !mcc_track_info(d, (int)n, t))
		hr = E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	imapi_free(d);
	return hr;
}

static int current_profile(disc_recorder_ex *r, hresult_t *hr)
{
	imapi_profile_type *p = NULL;
	uint32_t n = 0;
	int prof = 0;
	*hr = disc_recorder_ex_get_supported_profiles(r, 1, &p, &n);
	if (IMAPI_SUCCEEDED(*hr) && n > 0)
		prof = p[0];
	imapi_free(p);
	return prof;
}

/* The previous session: the first track of the last closed session and its end. */
static void previous_session(disc_recorder_ex *r, struct eng_media *m)
{
	int closed = m->di.sessions - (m->di.last_state == 3 ? 0 : 1);
	struct mcc_track_info first, end;
	if (closed < 1 || m->di.first_in_last < 2)
		return;
	if (IMAPI_FAILED(track_info(r, (uint32_t)closed, IMAPI_READ_TRACK_ADDRESS_TYPE_SESSION,
				    &first)) ||
	    IMAPI_FAILED(track_info(r, (uint32_t)(m->di.first_in_last - 1),
				    IMAPI_READ_TRACK_ADDRESS_TYPE_TRACK, &end)))
		return;
	m->prev_start = (int32_t)first.start;
	m->prev_last = (int32_t)(end.start + end.size) - 1;
}

hresult_t eng_media_probe(disc_recorder_ex *r, struct eng_media *m)
{
	hresult_t hr;
	memset(m, 0, sizeof(*m));
	m->nwa = m->prev_start = m->prev_last = -1;
	m->profile = current_profile(r, &hr);
	if (hr == E_IMAPI_RECORDER_MEDIA_NO_MEDIA)
		return S_OK;
	if (IMAPI_FAILED(hr))
		return hr;
	mcc_data_plan(m->profile, &m->plan);
	/* No medium, or one nothing can be written to (a ROM drive need not have READ DISC
	 * INFORMATION at all): the profile says all there is. */
	if (m->profile == 0 || !m->plan.supported)
		return S_OK;

	uint8_t *d = NULL;
	uint32_t n = 0;
	hr = disc_recorder_ex_get_disc_information(r, &d, &n);
	if (IMAPI_SUCCEEDED(hr))
		m->have_di = mcc_disc_info(d, (int)n, &m->di);
	imapi_free(d);
	if (hr == E_IMAPI_RECORDER_MEDIA_NO_MEDIA) {
		m->profile = 0;
		return S_OK;
	}
	if (IMAPI_FAILED(hr))
		return hr;
	if (!m->have_di)
		return E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;

	if (m->plan.supported && !m->plan.sequential) {
		/* Overwritable: the whole capacity, from LBA 0 (READ CAPACITY's last LBA + 1). */
		uint8_t cap[8];
		uint32_t got = 0;
		hr = eng_media_cmd(r, mcc_cdb_read_capacity(), ENG_MEDIA_IN, cap, sizeof(cap), 0, &got);
		if (IMAPI_SUCCEEDED(hr) && got == sizeof(cap))
			m->total = (int32_t)(mcc_be32(cap) + 1);
		uint8_t caps[252];
		if (IMAPI_SUCCEEDED(eng_media_cmd(r, mcc_cdb_read_format_capacities(sizeof(caps)),
						  ENG_MEDIA_IN, caps, sizeof(caps), 0, &got)))
			m->format_state = mcc_format_current(caps, (int)got);
		if (m->format_state == 1) {
			uint32_t blocks, param;
			if (mcc_format_offer(caps, (int)got, m->plan.format_type, &blocks, &param))
				m->total = (int32_t)blocks;
		}
		m->free = m->total;
		m->nwa = 0;
		return S_OK;
	}
	if (m->di.last_in_last < 1)
		return S_OK;
	hr = track_info(r, (uint32_t)m->di.last_in_last, IMAPI_READ_TRACK_ADDRESS_TYPE_TRACK, &m->last);
	if (IMAPI_FAILED(hr))
		return hr;
	m->have_last = true;
	m->total = (int32_t)(m->last.start + m->last.size);
	if (m->last.nwa_v && m->di.status != 2) {
		m->nwa = (int32_t)m->last.nwa;
		m->free = (int32_t)m->last.free;
	}
	previous_session(r, m);
	return S_OK;
}

int32_t eng_media_state(const struct eng_media *m)
{
	if (m->profile == 0)
		return IMAPI_FORMAT2_DATA_MEDIA_STATE_UNKNOWN;
	if (!m->plan.supported)
		return IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MEDIA |
		       IMAPI_FORMAT2_DATA_MEDIA_STATE_WRITE_PROTECTED;
	if (!m->plan.sequential)
		return IMAPI_FORMAT2_DATA_MEDIA_STATE_OVERWRITE_ONLY |
		       (m->di.status == 0 ? IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK : 0);
	int32_t s = 0;
	switch (m->di.status) {
	case 0:
		s |= IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK;
		break;
	case 1:
		s |= IMAPI_FORMAT2_DATA_MEDIA_STATE_APPENDABLE;
		break;
	case 2:
		s |= IMAPI_FORMAT2_DATA_MEDIA_STATE_FINALIZED;
		if (m->plan.erasable)
			s |= IMAPI_FORMAT2_DATA_MEDIA_STATE_ERASE_REQUIRED;
		break;
	default:
		s |= IMAPI_FORMAT2_DATA_MEDIA_STATE_DAMAGED;
		break;
	}
	/* An open session that holds data (a burn that was never closed, a cancelled
	 * one): IMAPI2 cannot add to it, and neither does this layer.  Data is in the
	 * last track (its NWA past its start; the first track of a disc starts at LBA 0
	 * too) or in an earlier track of the session. */
	if (m->di.last_state == 1 && m->have_last &&
	    (m->nwa > (int32_t)m->last.start || m->di.first_in_last < m->di.last_in_last))
		s |= IMAPI_FORMAT2_DATA_MEDIA_STATE_NON_EMPTY_SESSION;
	if (m->have_last && m->last.damage && !m->last.nwa_v && m->di.status != 2)
		s |= IMAPI_FORMAT2_DATA_MEDIA_STATE_DAMAGED;
	return s;
}

bool eng_media_cd_recordable(const struct eng_media *m)
{
	return m->plan.supported && mcc_profile_family(m->profile) == MCC_FAM_CD;
}

bool eng_media_heuristically_blank(disc_recorder_ex *r, const struct eng_media *m)
{
	if (!m->plan.supported)		/* pressed media are never blank */
		return false;
	if (m->plan.sequential)
		return m->di.status == 0;
	static const uint32_t probe[] = { 16, 256 };
	uint8_t *buf = malloc(SECTOR);
	bool blank = true;
	for (size_t i = 0; buf && blank && i < sizeof(probe) / sizeof(probe[0]); i++) {
		uint32_t got = 0;
		if ((int32_t)probe[i] >= m->total)
			break;
		if (IMAPI_FAILED(eng_media_cmd(r, mcc_cdb_read10(probe[i], 1), ENG_MEDIA_IN, buf,
					       SECTOR, 0, &got)) || got != SECTOR)
			continue;	/* unreadable: nothing was written there */
		for (uint32_t k = 0; k < SECTOR && blank; k++)
			blank = buf[k] == 0;
	}
	free(buf);
	return blank;
}

struct ms_arg {
	uint8_t ms;
};

static void set_ms(uint8_t *page, const void *arg)
{
	mcc_p05_set_multisession(page, ((const struct ms_arg *)arg)->ms);
}

hresult_t eng_media_edit_page05(disc_recorder_ex *r, void (*edit)(uint8_t *page, const void *arg),
				const void *arg)
{
	uint8_t *p = NULL;
	uint32_t n = 0;
	hresult_t hr = disc_recorder_ex_get_mode_page(r, IMAPI_MODE_PAGE_TYPE_WRITE_PARAMETERS,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &p, &n);
	if (IMAPI_SUCCEEDED(hr) && n < MCC_P05_MIN)
		hr = E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	if (IMAPI_SUCCEEDED(hr)) {
		edit(p, arg);
		hr = disc_recorder_ex_set_mode_page(r, IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES,
						    p, n);
	}
	imapi_free(p);
	return hr;
}

int eng_media_wait_ready(disc_recorder_ex *r, double limit_s, unsigned poll_ms,
			 void (*tick)(void *ctx, double elapsed, unsigned progress), void *ctx,
			 hresult_t *hr, uint8_t sense[IMAPI_SENSE_LEN])
{
	struct mcc_cdb tur = mcc_cdb_test_unit_ready();
	double t0 = eng_media_now();
	*hr = S_OK;
	for (;;) {
		*hr = disc_recorder_ex_send_command_no_data(r, tur.b, (uint32_t)tur.len, sense, 0);
		double el = eng_media_now() - t0;
		if (*hr == S_OK) {
			if (tick)
				tick(ctx, el, 65536);
			return 0;
		}
		if (*hr != S_IMAPI_COMMAND_HAS_SENSE_DATA)
			return -1;
		*hr = S_OK;
		struct mcc_sense s;
		if (!mcc_sense_decode(sense, IMAPI_SENSE_LEN, &s))
			return ENG_MEDIA_WAIT_OTHER;
		if (s.key == 0x6)
			continue;	/* a unit attention owed to this session */
		bool busy = s.key == 0x2 && s.asc == 0x04 &&
			    (s.ascq == 0x01 || s.ascq == 0x04 || s.ascq == 0x07 || s.ascq == 0x08);
		if (!busy)
			return ENG_MEDIA_WAIT_OTHER;
		if (el > limit_s)
			return ENG_MEDIA_WAIT_TIMEOUT;
		if (tick)
			tick(ctx, el, s.sksv ? mcc_be16(s.sks + 1) : 0);
		usleep(poll_ms * 1000);
	}
}

/* A long operation (SYNCHRONIZE CACHE, CLOSE TRACK/SESSION, FORMAT UNIT) with IMMED,
 * then TEST UNIT READY until the drive is ready: what libburn and growisofs do, and
 * what keeps a target between the host and the drive from ending the command early
 * (tgt's sg backing store gives every command 30 s and then reports GOOD,
 * doc/real-burners.md).  Anything but ready is the sense's HRESULT (the recorder's
 * mapping, by asking once more with its retry policy). */
static hresult_t long_op(disc_recorder_ex *r, struct mcc_cdb cdb, enum eng_media_dir dir,
			 void *buf, uint32_t len)
{
	hresult_t hr = eng_media_cmd(r, cdb, dir, buf, len, 0, NULL);
	if (IMAPI_FAILED(hr))
		return hr;
	uint8_t sense[IMAPI_SENSE_LEN];
	int w = eng_media_wait_ready(r, LONG_TIMEOUT_S, 100, NULL, NULL, &hr, sense);
	if (w == ENG_MEDIA_WAIT_TIMEOUT)
		return E_IMAPI_RECORDER_COMMAND_TIMEOUT;
	if (w == ENG_MEDIA_WAIT_OTHER)
		return eng_media_cmd(r, mcc_cdb_test_unit_ready(), ENG_MEDIA_NONE, NULL, 0, 0, NULL);
	return hr;
}

hresult_t eng_media_sync(disc_recorder_ex *r)
{
	return long_op(r, mcc_cdb_synchronize_cache(true), ENG_MEDIA_NONE, NULL, 0);
}

hresult_t eng_media_close(disc_recorder_ex *r, int profile, int track, bool finalize,
			  bool dvd_compat, uint8_t *function)
{
	*function = 0;
	hresult_t hr = eng_media_sync(r);
	if (IMAPI_FAILED(hr))
		return hr;
	struct mcc_close_plan plan;
	mcc_close_plan(profile, finalize, dvd_compat, &plan);
	if (plan.none)
		return S_OK;
	if (track > 0 && plan.close_track) {
		hr = long_op(r, mcc_cdb_close_track_session(true, MCC_CLOSE_TRACK, (uint16_t)track),
			     ENG_MEDIA_NONE, NULL, 0);
		if (IMAPI_FAILED(hr))
			return hr;
	}
	if (plan.set_multisession) {
		struct ms_arg a = { plan.multisession };
		hr = eng_media_edit_page05(r, set_ms, &a);
		if (IMAPI_FAILED(hr))
			return hr;
	}
	hr = long_op(r, mcc_cdb_close_track_session(true, plan.function, 0), ENG_MEDIA_NONE, NULL,
		     0);
	if (IMAPI_SUCCEEDED(hr))
		*function = plan.function;
	return hr;
}

hresult_t eng_media_format(disc_recorder_ex *r, const struct eng_media *m)
{
	uint8_t caps[252];
	uint32_t got = 0, blocks, param;
	hresult_t hr = eng_media_cmd(r, mcc_cdb_read_format_capacities(sizeof(caps)), ENG_MEDIA_IN,
				     caps, sizeof(caps), 0, &got);
	if (IMAPI_FAILED(hr))
		return hr;
	if (!mcc_format_offer(caps, (int)got, m->plan.format_type, &blocks, &param))
		return E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE;
	uint8_t list[MCC_FORMAT_LIST_LEN];
	mcc_format_list(list, 0x02 /* IMMED */, blocks, m->plan.format_type, param);
	return long_op(r, mcc_cdb_format_unit(), ENG_MEDIA_OUT, list, sizeof(list));
}

bool eng_media_client_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

hresult_t eng_media_recorder_has(disc_recorder_ex *r, const int32_t *features, size_t n,
				 bool *has)
{
	imapi_feature_page_type *feat = NULL;
	uint32_t count = 0;
	hresult_t hr = disc_recorder_ex_get_supported_feature_pages(r, 0, &feat, &count);
	*has = false;
	for (uint32_t i = 0; IMAPI_SUCCEEDED(hr) && i < count && !*has; i++)
		for (size_t k = 0; k < n; k++)
			*has |= feat[i] == features[k];
	imapi_free(feat);
	return hr;
}

/* ---- write speeds (GET PERFORMANCE type 03h, MMC-6 §6.8.5) ---------------------------- */

enum { PERF_DESC = 16 };

/* The drive's write speed descriptors for the current medium: kB/s converted to
 * 2048-byte sectors per second, fastest first (the drive's order), CAV from the
 * rotation control bits (WRC 01b). */
static hresult_t write_speeds(disc_recorder_ex *r, imapi_write_speed_descriptor *d,
			      uint32_t *count)
{
	hresult_t hr;
	int profile = current_profile(r, &hr);
	*count = 0;
	if (IMAPI_FAILED(hr))
		return hr;
	uint8_t buf[8 + ENG_MEDIA_SPEEDS_MAX * PERF_DESC];
	uint32_t got = 0;
	hr = eng_media_cmd(r, mcc_cdb_get_performance(0, 0, ENG_MEDIA_SPEEDS_MAX, 0x03),
			   ENG_MEDIA_IN, buf, sizeof(buf), 0, &got);
	if (IMAPI_FAILED(hr))
		return hr;
	for (uint32_t off = 8; off + PERF_DESC <= got && *count < ENG_MEDIA_SPEEDS_MAX;
	     off += PERF_DESC) {
		uint32_t kbps = mcc_be32(buf + off + 12);	/* write speed */
		d[*count].media_type = eng_media_physical_type(profile);
		d[*count].rotation_type_is_pure_cav = (buf[off] >> 3 & 3) == 1 ? IMAPI_VARIANT_TRUE
									  : IMAPI_VARIANT_FALSE;
		d[*count].write_speed = (int32_t)((uint64_t)kbps * 1000 / SECTOR);
		(*count)++;
	}
	return S_OK;
}

hresult_t eng_media_speed_descriptors(disc_recorder_ex *r, imapi_write_speed_descriptor **out,
				      uint32_t *count)
{
	*out = calloc(ENG_MEDIA_SPEEDS_MAX, sizeof(**out));
	if (!*out)
		return E_OUTOFMEMORY;
	hresult_t hr = write_speeds(r, *out, count);
	if (IMAPI_FAILED(hr)) {
		free(*out);
		*out = NULL;
	}
	return hr;
}

hresult_t eng_media_speed_list(disc_recorder_ex *r, int32_t **speeds, uint32_t *count)
{
	imapi_write_speed_descriptor d[ENG_MEDIA_SPEEDS_MAX];
	hresult_t hr = write_speeds(r, d, count);
	*speeds = NULL;
	if (IMAPI_FAILED(hr))
		return hr;
	*speeds = malloc((*count ? *count : 1) * sizeof(**speeds));
	if (!*speeds)
		return E_OUTOFMEMORY;
	for (uint32_t i = 0; i < *count; i++)
		(*speeds)[i] = d[i].write_speed;
	return S_OK;
}

hresult_t eng_media_current_speed(disc_recorder_ex *r, int32_t requested, int32_t *value)
{
	imapi_write_speed_descriptor d[ENG_MEDIA_SPEEDS_MAX];
	uint32_t n = 0;
	hresult_t hr = write_speeds(r, d, &n);
	if (IMAPI_FAILED(hr))
		return hr;
	*value = requested > 0 ? requested : n ? d[0].write_speed : 0;
	return S_OK;
}
