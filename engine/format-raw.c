/* engine/format-raw.c - IDiscFormat2RawCD (discformat2.h; doc/engine-format.md).
 *
 * MMC's raw recording (page 05h write type 3, MMC-6 §7.5.4): the host sends every
 * sector of the session with its sub-channel, from the lead-in start READ DISC
 * INFORMATION reports through the program area, and the drive records them as given.
 * The stream (from IRawCDImageCreator, or any DAO-96 image) says where it begins;
 * what lies before the disc's lead-in is skipped. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "discformat2.h"
#include "format-base.h"
#include "media.h"
#include "recorder-private.h"
#include "stream-private.h"

enum {
	MSF_95_00_00 = -22650,	/* WriteMedia's starting address, 95:00:00, as an LBA */
	PREGAP_START = -150,
	LEADOUT_FIRST = 6750,	/* lead-out of a first session: 90 s (ECMA-130 §20) */
};

struct disc_format2_raw_cd {
	atomic_int refs;
	struct eng_fmt b;
	disc_format2_raw_cd_update_fn fn;
	void *user;
	imapi_format2_raw_cd_data_sector_type type;
	int profile;
	bool wrote;		/* a WriteMedia ran since PrepareMedia */
	double t_prepared;
};

static int vb(int v) { return v ? IMAPI_VARIANT_TRUE : IMAPI_VARIANT_FALSE; }

/* Bytes per sector of each type (page 05h data block types 1, 2, 3). */
static int32_t sector_bytes(imapi_format2_raw_cd_data_sector_type t)
{
	return t == IMAPI_FORMAT2_RAW_CD_SUBCODE_PQ_ONLY ? 2368 : 2448;
}

hresult_t disc_format2_raw_cd_create(disc_format2_raw_cd **out)
{
	if (!out)
		return E_POINTER;
	disc_format2_raw_cd *f = calloc(1, sizeof(*f));
	if (!f)
		return E_OUTOFMEMORY;
	atomic_init(&f->refs, 1);
	eng_fmt_init(&f->b);
	f->type = IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_RAW;
	*out = f;
	return S_OK;
}

void disc_format2_raw_cd_addref(disc_format2_raw_cd *f)
{
	if (f)
		atomic_fetch_add(&f->refs, 1);
}

void disc_format2_raw_cd_release(disc_format2_raw_cd *f)
{
	if (!f || atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	if (atomic_load(&f->b.prepared))
		disc_format2_raw_cd_release_media(f);	/* never leave the tray locked */
	eng_fmt_fini(&f->b);
	free(f);
}

hresult_t disc_format2_raw_cd_advise(disc_format2_raw_cd *f, disc_format2_raw_cd_update_fn fn,
				     void *user)
{
	if (!f)
		return E_POINTER;
	pthread_mutex_lock(&f->b.lock);
	f->fn = fn;
	f->user = user;
	pthread_mutex_unlock(&f->b.lock);
	return S_OK;
}

/* ---- properties --------------------------------------------------------------------- */

static hresult_t changeable(disc_format2_raw_cd *f)
{
	if (!f)
		return E_POINTER;
	if (atomic_load(&f->b.busy))
		return E_IMAPI_DF2RAW_WRITE_IN_PROGRESS;
	return atomic_load(&f->b.prepared) ? E_IMAPI_DF2RAW_MEDIA_IS_PREPARED : S_OK;
}

hresult_t disc_format2_raw_cd_put_recorder(disc_format2_raw_cd *f, disc_recorder_ex *recorder)
{
	hresult_t hr = changeable(f);
	return IMAPI_SUCCEEDED(hr) ? eng_fmt_put_recorder(&f->b, recorder) : hr;
}

hresult_t disc_format2_raw_cd_put_buffer_underrun_free_disabled(disc_format2_raw_cd *f,
		int value)
{
	hresult_t hr = changeable(f);
	if (IMAPI_SUCCEEDED(hr))
		f->b.bufe_disabled = value != 0;
	return hr;
}

hresult_t disc_format2_raw_cd_get_buffer_underrun_free_disabled(disc_format2_raw_cd *f,
		int *value)
{
	if (!f || !value)
		return E_POINTER;
	*value = vb(f->b.bufe_disabled);
	return S_OK;
}

hresult_t disc_format2_raw_cd_put_requested_sector_type(disc_format2_raw_cd *f,
		imapi_format2_raw_cd_data_sector_type value)
{
	hresult_t hr = changeable(f);
	if (IMAPI_FAILED(hr))
		return hr;
	if (value < IMAPI_FORMAT2_RAW_CD_SUBCODE_PQ_ONLY || value > IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_RAW)
		return E_INVALIDARG;
	f->type = value;
	return S_OK;
}

hresult_t disc_format2_raw_cd_get_requested_sector_type(disc_format2_raw_cd *f,
		imapi_format2_raw_cd_data_sector_type *value)
{
	if (!f || !value)
		return E_POINTER;
	*value = f->type;
	return S_OK;
}

/* The members every format has (format-base.h). */
ENG_FMT_NAME_MEMBERS(disc_format2_raw_cd, disc_format2_raw_cd,
	E_IMAPI_DF2RAW_WRITE_IN_PROGRESS, E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID)
ENG_FMT_MEDIA_MEMBERS(disc_format2_raw_cd, disc_format2_raw_cd,
	E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED)
ENG_FMT_SPEED_MEMBERS(disc_format2_raw_cd, disc_format2_raw_cd,
	E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED, E_IMAPI_DF2RAW_WRITE_IN_PROGRESS)
ENG_FMT_TIMELINE_MEMBERS(disc_format2_raw_cd, disc_format2_raw_cd, E_IMAPI_DF2RAW_WRITE_IN_PROGRESS)
ENG_FMT_QUEUE_DEPTH_MEMBERS(disc_format2_raw_cd, disc_format2_raw_cd, E_IMAPI_DF2RAW_WRITE_IN_PROGRESS)

/* ---- the medium --------------------------------------------------------------------- */

static hresult_t probe(disc_format2_raw_cd *f, struct eng_media *m, disc_recorder_ex **rec)
{
	return f ? eng_fmt_probe(&f->b, E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED, m, rec) : E_POINTER;
}

/* Raw recording starts in an empty session: a blank disc, or an appendable one whose
 * last session holds nothing yet. */
static bool session_empty(const struct eng_media *m)
{
	return m->di.status == 0 || (m->di.status == 1 && m->di.last_state == 0);
}

static const imapi_media_physical_type raw_media[] = { IMAPI_MEDIA_TYPE_CDR,
						       IMAPI_MEDIA_TYPE_CDRW };

hresult_t disc_format2_raw_cd_get_supported_media_types(disc_format2_raw_cd *f,
		imapi_media_physical_type **types, uint32_t *count)
{
	return f ? eng_fmt_media_types(raw_media, 2, types, count) : E_POINTER;
}

/* CD Mastering (002Eh) with its Raw bit, and the data block types CD Track at Once
 * (002Dh) lists (MMC-6 §5.3): which raw sector types the recorder takes. */
static hresult_t raw_types(disc_recorder_ex *r, bool types[4])
{
	uint8_t *d = NULL;
	uint32_t n = 0;
	memset(types, 0, 4 * sizeof(bool));
	hresult_t hr = disc_recorder_ex_get_feature_page(r, 0x002E, 0, &d, &n);
	bool raw = IMAPI_SUCCEEDED(hr) && n >= 5 && (d[4] & 0x08);
	imapi_free(d);
	if (hr == E_IMAPI_RECORDER_NO_SUCH_FEATURE)
		return S_OK;
	if (IMAPI_FAILED(hr) || !raw)
		return hr;
	d = NULL;
	hr = disc_recorder_ex_get_feature_page(r, 0x002D, 0, &d, &n);
	uint16_t dbt = IMAPI_SUCCEEDED(hr) && n >= 8 ? mcc_be16(d + 6) : 0;
	imapi_free(d);
	for (int t = 1; t <= 3; t++)
		types[t] = dbt & (1u << t);
	return hr == E_IMAPI_RECORDER_NO_SUCH_FEATURE ? S_OK : hr;
}

hresult_t disc_format2_raw_cd_get_supported_sector_types(disc_format2_raw_cd *f,
		imapi_format2_raw_cd_data_sector_type **types, uint32_t *count)
{
	if (!f || !types || !count)
		return E_POINTER;
	disc_recorder_ex *r = eng_fmt_recorder(&f->b);
	if (!r)
		return E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED;
	bool have[4];
	hresult_t hr = raw_types(r, have);
	disc_recorder_ex_release(r);
	*types = NULL;
	*count = 0;
	if (IMAPI_FAILED(hr))
		return hr;
	*types = malloc(3 * sizeof(**types));
	if (!*types)
		return E_OUTOFMEMORY;
	for (int t = 1; t <= 3; t++)
		if (have[t])
			(*types)[(*count)++] = (imapi_format2_raw_cd_data_sector_type)t;
	return S_OK;
}

hresult_t disc_format2_raw_cd_is_recorder_supported(disc_format2_raw_cd *f,
		disc_recorder_ex *recorder, int *value)
{
	if (!f || !recorder || !value)
		return E_POINTER;
	bool have[4];
	hresult_t hr = raw_types(recorder, have);
	*value = vb(have[1] || have[2] || have[3]);
	return hr;
}

hresult_t disc_format2_raw_cd_is_current_media_supported(disc_format2_raw_cd *f,
		disc_recorder_ex *recorder, int *value)
{
	if (!f || !recorder || !value)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = eng_media_probe(recorder, &m);
	*value = vb(IMAPI_SUCCEEDED(hr) && eng_media_cd_recordable(&m) && session_empty(&m));
	return hr;
}

hresult_t disc_format2_raw_cd_get_start_of_next_session(disc_format2_raw_cd *f, int32_t *value)
{
	if (!value)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = probe(f, &m, NULL);
	if (IMAPI_SUCCEEDED(hr) && (!m.have_last || !session_empty(&m)))
		hr = E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK;
	*value = IMAPI_SUCCEEDED(hr) ? (int32_t)m.last.start : 0;
	return hr;
}

hresult_t disc_format2_raw_cd_get_last_possible_start_of_leadout(disc_format2_raw_cd *f,
		int32_t *value)
{
	if (!value)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = probe(f, &m, NULL);
	*value = 0;
	if (IMAPI_SUCCEEDED(hr) && !mcc_disc_info_lba(m.di.last_leadout, true, value))
		hr = E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	return hr;
}

/* ---- PrepareMedia, WriteMedia, ReleaseMedia ------------------------------------------- */

const char *disc_format2_raw_cd_write_action_name(imapi_format2_raw_cd_write_action a)
{
	static const char *const names[] = {
		[IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_UNKNOWN] = "unknown",
		[IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_PREPARING] = "preparing",
		[IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_WRITING] = "writing",
		[IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_FINISHING] = "finishing",
	};
	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "unknown";
}

static void emit(disc_format2_raw_cd *f, imapi_format2_raw_cd_write_action action,
		 const write_engine_event_args *engine)
{
	eng_fmt_stage(&f->b, action, disc_format2_raw_cd_write_action_name(action));
	pthread_mutex_lock(&f->b.lock);
	disc_format2_raw_cd_update_fn fn = f->fn;
	void *user = f->user;
	pthread_mutex_unlock(&f->b.lock);
	if (!fn)
		return;
	disc_format2_raw_cd_event_args a;
	memset(&a, 0, sizeof(a));
	if (engine)
		a.engine = *engine;
	a.current_action = action;
	a.elapsed_time = (int32_t)(eng_media_now() - f->t_prepared);
	if (engine)
		a.remaining_time = eng_fmt_remaining(eng_media_now() - f->b.t0,
				(int64_t)engine->last_written_lba - engine->start_lba + 1,
				engine->sector_count);
	fn(f, &a, user);
}

static void on_engine_update(write_engine *we, const write_engine_event_args *p, void *user)
{
	(void)we;
	emit(user, IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_WRITING, p);
}

struct raw_p05 {
	uint8_t dbt;
	bool bufe;
};

/* Page 05h for raw recording: write type 3, the sector type's data block type, no
 * next session (the shared close plan finalizes a CD with multi-session 00b). */
static void set_raw_p05(uint8_t *page, const void *arg)
{
	const struct raw_p05 *a = arg;
	mcc_p05_set_write_type(page, 3);
	mcc_p05_set_dbt(page, a->dbt);
	mcc_p05_set_bufe(page, a->bufe);
	mcc_p05_set_test_write(page, false);
	mcc_p05_set_multisession(page, MCC_MS_NONE);
}

hresult_t disc_format2_raw_cd_prepare_media(disc_format2_raw_cd *f)
{
	if (!f)
		return E_POINTER;
	if (atomic_load(&f->b.prepared))
		return E_IMAPI_DF2RAW_MEDIA_IS_PREPARED;
	if (!f->b.client_name)
		return E_IMAPI_DF2RAW_CLIENT_NAME_IS_NOT_VALID;
	struct eng_media m;
	disc_recorder_ex *r = NULL;
	hresult_t hr = probe(f, &m, &r);
	if (IMAPI_FAILED(hr))
		return hr;
	f->t_prepared = eng_media_now();
	eng_fmt_profile(&f->b, m.profile);
	emit(f, IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_PREPARING, NULL);
	bool have[4] = { false };
	if (!eng_media_cd_recordable(&m))
		hr = E_IMAPI_DF2RAW_MEDIA_IS_NOT_SUPPORTED;
	else if (!session_empty(&m))
		hr = E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK;
	else if (IMAPI_SUCCEEDED(hr = raw_types(r, have)) && !have[f->type])
		hr = E_IMAPI_DF2RAW_DATA_BLOCK_TYPE_NOT_SUPPORTED;
	struct raw_p05 a = { (uint8_t)f->type, !f->b.bufe_disabled };
	if (IMAPI_SUCCEEDED(hr))
		hr = eng_media_edit_page05(r, set_raw_p05, &a);
	if (IMAPI_SUCCEEDED(hr))
		hr = eng_media_cmd(r, mcc_cdb_prevent_allow(true), ENG_MEDIA_NONE, NULL, 0, 0, NULL);
	if (IMAPI_SUCCEEDED(hr)) {
		f->profile = m.profile;
		f->wrote = false;
		atomic_store(&f->b.prepared, 1);
	}
	disc_recorder_ex_release(r);
	return hr;
}

/* The stream from its `skip`-th sector on. */
struct skip_stream {
	imapi_stream *inner;
	uint64_t skip_bytes;
};

static hresult_t skip_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	struct skip_stream *s = ctx;
	while (s->skip_bytes > 0) {
		uint32_t n = s->skip_bytes < len ? (uint32_t)s->skip_bytes : len;
		hresult_t hr = eng_stream_read_full(s->inner, buf, n, got);
		if (IMAPI_FAILED(hr))
			return hr;
		if (*got < n)
			return E_FAIL;	/* the stream is shorter than its size says */
		s->skip_bytes -= n;
	}
	return eng_stream_read_full(s->inner, buf, len, got);
}

static hresult_t write_raw(disc_format2_raw_cd *f, disc_recorder_ex *r, imapi_stream *data,
			   int32_t first, int32_t sectors, int32_t bps)
{
	struct eng_media m;
	hresult_t hr = eng_media_probe(r, &m);
	if (IMAPI_FAILED(hr))
		return hr;
	int32_t leadin, leadout;
	if (!mcc_disc_info_lba(m.di.leadin, true, &leadin) ||
	    !mcc_disc_info_lba(m.di.last_leadout, true, &leadout))
		return E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	if (first > leadin)
		return E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT;
	int32_t skip = leadin - first;
	if (sectors <= skip)
		return E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED;
	int32_t count = sectors - skip;
	/* The lead-out may follow the last possible lead-out start (MMC-6 §6.21.3). */
	if ((int64_t)leadin + count > (int64_t)leadout + LEADOUT_FIRST)
		return E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE;
	struct skip_stream ss = { data, (uint64_t)skip * (uint32_t)bps };
	const imapi_stream_ops ops = { .read = skip_read };
	imapi_stream *s = NULL;
	hr = imapi_stream_from_ops(&ops, &ss, &s);
	int32_t written = 0;
	if (IMAPI_SUCCEEDED(hr))
		hr = eng_fmt_write(&f->b, r, s, leadin, count, bps, on_engine_update, f, &written);
	imapi_stream_release(s);
	f->wrote |= written > 0;
	if (IMAPI_SUCCEEDED(hr)) {
		/* A SYNCHRONIZE CACHE after the lead-out ends the raw session. */
		emit(f, IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_FINISHING, NULL);
		hr = eng_media_sync(r);
	}
	return hr;
}

hresult_t disc_format2_raw_cd_write_media2(disc_format2_raw_cd *f, imapi_stream *data,
		int32_t stream_lead_in_sectors)
{
	if (!f || !data)
		return E_POINTER;
	if (!atomic_load(&f->b.prepared))
		return E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED;
	if (stream_lead_in_sectors < 0 || stream_lead_in_sectors > -MSF_95_00_00)
		return E_INVALIDARG;
	int32_t bps = sector_bytes(f->type);
	uint64_t bytes = 0;
	if (imapi_stream_get_size(data, &bytes) != S_OK || bytes == 0 || bytes % (uint32_t)bps ||
	    bytes / (uint32_t)bps > INT32_MAX)
		return E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED;
	hresult_t hr = eng_fmt_begin(&f->b, E_IMAPI_DF2RAW_WRITE_IN_PROGRESS);
	if (IMAPI_FAILED(hr))
		return hr;
	disc_recorder_ex *r = eng_fmt_recorder(&f->b);
	hr = E_IMAPI_DF2RAW_NO_RECORDER_SPECIFIED;
	if (r) {
		eng_rec_lock(r);
		hr = write_raw(f, r, data, PREGAP_START - stream_lead_in_sectors,
			       (int32_t)(bytes / (uint32_t)bps), bps);
		eng_fmt_outcome(&f->b, hr, r);
		eng_rec_unlock(r);
	}
	disc_recorder_ex_release(r);
	eng_fmt_end(&f->b);
	return hr;
}

hresult_t disc_format2_raw_cd_write_media(disc_format2_raw_cd *f, imapi_stream *data)
{
	return disc_format2_raw_cd_write_media2(f, data, PREGAP_START - MSF_95_00_00);
}

hresult_t disc_format2_raw_cd_cancel_write(disc_format2_raw_cd *f)
{
	return f ? eng_fmt_cancel(&f->b, E_IMAPI_DF2RAW_WRITE_NOT_IN_PROGRESS) : E_POINTER;
}

hresult_t disc_format2_raw_cd_release_media(disc_format2_raw_cd *f)
{
	if (!f)
		return E_POINTER;
	if (atomic_load(&f->b.busy))
		return E_IMAPI_DF2RAW_WRITE_IN_PROGRESS;
	if (!atomic_load(&f->b.prepared))
		return E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED;
	disc_recorder_ex *r = eng_fmt_recorder(&f->b);
	hresult_t hr = S_OK;
	if (r) {
		emit(f, IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_FINISHING, NULL);
		eng_rec_lock(r);
		/* A stream without a lead-out leaves the session open (the drive still
		 * shows it empty until it ends): close it as the policy says (finalized).
		 * Nothing written: nothing to close. */
		struct eng_media m;
		hr = eng_media_probe(r, &m);
		if (IMAPI_SUCCEEDED(hr) && f->wrote && (session_empty(&m) || m.di.last_state == 1)) {
			uint8_t fn;
			hr = eng_media_close(r, f->profile, 0, true, true, &fn);
		}
		hresult_t unlock = eng_media_cmd(r, mcc_cdb_prevent_allow(false), ENG_MEDIA_NONE,
						 NULL, 0, 0, NULL);
		if (IMAPI_SUCCEEDED(hr))
			hr = unlock;
		eng_rec_unlock(r);
	}
	disc_recorder_ex_release(r);
	atomic_store(&f->b.prepared, 0);
	return hr;
}
