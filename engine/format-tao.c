/* engine/format-tao.c - IDiscFormat2TrackAtOnce (discformat2.h; doc/engine-format.md).
 *
 * PrepareMedia sets page 05h for CD-DA track-at-once (mmccdb.h's
 * mcc_p05_for_audio_tao) and locks the tray; each AddAudioTrack is one WriteSection of
 * 2352-byte sectors at the next writable address followed by SYNCHRONIZE CACHE, which
 * ends a TAO track (the drive writes the 2-second pre-gap before it and the run-out
 * after it); ReleaseMedia closes the session the way the shared close plan says
 * (finalized unless DoNotFinalizeMedia) and unlocks the tray. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discformat2.h"
#include "format-base.h"
#include "media.h"
#include "recorder-private.h"

enum {
	CDDA = 2352,
	MIN_TRACK = 300,	/* 4 seconds: the shortest track (ECMA-130 §20) */
	MAX_TRACKS = 99,
	PREGAP = 150,
};

struct disc_format2_tao {
	atomic_int refs;
	struct eng_fmt b;
	disc_format2_tao_update_fn fn;
	void *user;
	int do_not_finalize;
	int profile;			/* of the prepared medium */
	int tracks_added;		/* since PrepareMedia */
	int32_t track;			/* the track being written */
	double t_prepared;
};

static int vb(int v) { return v ? IMAPI_VARIANT_TRUE : IMAPI_VARIANT_FALSE; }

hresult_t disc_format2_tao_create(disc_format2_tao **out)
{
	if (!out)
		return E_POINTER;
	disc_format2_tao *t = calloc(1, sizeof(*t));
	if (!t)
		return E_OUTOFMEMORY;
	atomic_init(&t->refs, 1);
	eng_fmt_init(&t->b);
	*out = t;
	return S_OK;
}

void disc_format2_tao_addref(disc_format2_tao *t)
{
	if (t)
		atomic_fetch_add(&t->refs, 1);
}

void disc_format2_tao_release(disc_format2_tao *t)
{
	if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
		return;
	if (atomic_load(&t->b.prepared))
		disc_format2_tao_release_media(t);	/* never leave the tray locked */
	eng_fmt_fini(&t->b);
	free(t);
}

hresult_t disc_format2_tao_advise(disc_format2_tao *t, disc_format2_tao_update_fn fn, void *user)
{
	if (!t)
		return E_POINTER;
	pthread_mutex_lock(&t->b.lock);
	t->fn = fn;
	t->user = user;
	pthread_mutex_unlock(&t->b.lock);
	return S_OK;
}

/* ---- properties --------------------------------------------------------------------- */

/* Properties that shape the burn cannot change once the medium is prepared. */
static hresult_t changeable(disc_format2_tao *t)
{
	if (!t)
		return E_POINTER;
	if (atomic_load(&t->b.busy))
		return E_IMAPI_DF2TAO_WRITE_IN_PROGRESS;
	return atomic_load(&t->b.prepared) ? E_IMAPI_DF2TAO_MEDIA_IS_PREPARED : S_OK;
}

hresult_t disc_format2_tao_put_recorder(disc_format2_tao *t, disc_recorder_ex *recorder)
{
	hresult_t hr = changeable(t);
	return IMAPI_SUCCEEDED(hr) ? eng_fmt_put_recorder(&t->b, recorder) : hr;
}

hresult_t disc_format2_tao_put_buffer_underrun_free_disabled(disc_format2_tao *t, int value)
{
	hresult_t hr = changeable(t);
	if (IMAPI_SUCCEEDED(hr))
		t->b.bufe_disabled = value != 0;
	return hr;
}

hresult_t disc_format2_tao_get_buffer_underrun_free_disabled(disc_format2_tao *t, int *value)
{
	if (!t || !value)
		return E_POINTER;
	*value = vb(t->b.bufe_disabled);
	return S_OK;
}

/* DoNotFinalizeMedia may change until ReleaseMedia: it is used there. */
hresult_t disc_format2_tao_put_do_not_finalize_media(disc_format2_tao *t, int value)
{
	if (!t)
		return E_POINTER;
	if (atomic_load(&t->b.busy))
		return E_IMAPI_DF2TAO_WRITE_IN_PROGRESS;
	t->do_not_finalize = value != 0;
	return S_OK;
}

hresult_t disc_format2_tao_get_do_not_finalize_media(disc_format2_tao *t, int *value)
{
	if (!t || !value)
		return E_POINTER;
	*value = vb(t->do_not_finalize);
	return S_OK;
}

/* The members every format has (format-base.h). */
ENG_FMT_NAME_MEMBERS(disc_format2_tao, disc_format2_tao,
	E_IMAPI_DF2TAO_WRITE_IN_PROGRESS, E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID)
ENG_FMT_MEDIA_MEMBERS(disc_format2_tao, disc_format2_tao,
	E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED)
ENG_FMT_SPEED_MEMBERS(disc_format2_tao, disc_format2_tao,
	E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED, E_IMAPI_DF2TAO_WRITE_IN_PROGRESS)
ENG_FMT_TIMELINE_MEMBERS(disc_format2_tao, disc_format2_tao, E_IMAPI_DF2TAO_WRITE_IN_PROGRESS)
ENG_FMT_QUEUE_DEPTH_MEMBERS(disc_format2_tao, disc_format2_tao, E_IMAPI_DF2TAO_WRITE_IN_PROGRESS)

/* ---- the medium --------------------------------------------------------------------- */

static hresult_t probe(disc_format2_tao *t, struct eng_media *m, disc_recorder_ex **rec)
{
	return t ? eng_fmt_probe(&t->b, E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED, m, rec) : E_POINTER;
}

/* Closed tracks: the last track is the blank invisible one while the disc is open. */
static int32_t closed_tracks(const struct eng_media *m)
{
	if (!m->have_last || m->di.status == 0)
		return 0;
	return m->last.blank ? m->last.number - 1 : m->last.number;
}

hresult_t disc_format2_tao_get_number_of_existing_tracks(disc_format2_tao *t, int32_t *value)
{
	if (!value)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = probe(t, &m, NULL);
	*value = IMAPI_SUCCEEDED(hr) ? closed_tracks(&m) : 0;
	return hr;
}

hresult_t disc_format2_tao_get_total_sectors_on_media(disc_format2_tao *t, int32_t *value)
{
	if (!value)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = probe(t, &m, NULL);
	*value = IMAPI_SUCCEEDED(hr) ? m.total : 0;
	return hr;
}

hresult_t disc_format2_tao_get_free_sectors_on_media(disc_format2_tao *t, int32_t *value)
{
	if (!value)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = probe(t, &m, NULL);
	*value = IMAPI_SUCCEEDED(hr) ? m.free : 0;
	return hr;
}

hresult_t disc_format2_tao_get_used_sectors_on_media(disc_format2_tao *t, int32_t *value)
{
	if (!value)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = probe(t, &m, NULL);
	*value = IMAPI_SUCCEEDED(hr) ? m.total - m.free : 0;
	return hr;
}

static const imapi_media_physical_type tao_media[] = { IMAPI_MEDIA_TYPE_CDR,
						       IMAPI_MEDIA_TYPE_CDRW };

hresult_t disc_format2_tao_get_supported_media_types(disc_format2_tao *t,
		imapi_media_physical_type **types, uint32_t *count)
{
	return t ? eng_fmt_media_types(tao_media, 2, types, count) : E_POINTER;
}

/* CD Track at Once (002Dh, MMC-6 §5.3). */
hresult_t disc_format2_tao_is_recorder_supported(disc_format2_tao *t,
		disc_recorder_ex *recorder, int *value)
{
	static const int32_t tao[] = { 0x002D };
	if (!t || !recorder || !value)
		return E_POINTER;
	bool ok = false;
	hresult_t hr = eng_media_recorder_has(recorder, tao, 1, &ok);
	*value = vb(ok);
	return hr;
}

hresult_t disc_format2_tao_is_current_media_supported(disc_format2_tao *t,
		disc_recorder_ex *recorder, int *value)
{
	if (!t || !recorder || !value)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = eng_media_probe(recorder, &m);
	*value = vb(IMAPI_SUCCEEDED(hr) && eng_media_cd_recordable(&m) && m.di.status != 2);
	return hr;
}

/* READ TOC format 0000b's layout, LBA addresses (MMC-6 READ TOC/PMA/ATIP): every closed
 * track from READ TRACK INFORMATION, the lead-out where the last one ends. */
hresult_t disc_format2_tao_get_expected_table_of_contents(disc_format2_tao *t,
		uint8_t **toc, uint32_t *size)
{
	if (!toc || !size)
		return E_POINTER;
	*toc = NULL;
	*size = 0;
	struct eng_media m;
	disc_recorder_ex *r = NULL;
	hresult_t hr = probe(t, &m, &r);
	if (IMAPI_FAILED(hr))
		return hr;
	int32_t n = closed_tracks(&m);
	if (n == 0) {
		disc_recorder_ex_release(r);
		return E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC;
	}
	uint32_t len = 4 + 8 * (uint32_t)(n + 1);
	uint8_t *p = calloc(1, len);
	if (!p) {
		disc_recorder_ex_release(r);
		return E_OUTOFMEMORY;
	}
	mcc_put16(p, (uint16_t)(len - 2));
	p[2] = 1;
	p[3] = (uint8_t)n;
	uint32_t leadout = 0;
	for (int32_t k = 1; k <= n && IMAPI_SUCCEEDED(hr); k++) {
		uint8_t *d = NULL;
		uint32_t got = 0;
		struct mcc_track_info ti;
		hr = disc_recorder_ex_get_track_information(r, (uint32_t)k,
				IMAPI_READ_TRACK_ADDRESS_TYPE_TRACK, &d, &got);
		if (IMAPI_SUCCEEDED(hr) && !mcc_track_info(d, (int)got, &ti))
			hr = E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
		imapi_free(d);
		if (IMAPI_FAILED(hr))
			break;
		uint8_t *e = p + 4 + 8 * (k - 1);
		e[1] = (uint8_t)(0x10 | (ti.mode & 0x0f));	/* ADR 1, CONTROL = track mode */
		e[2] = (uint8_t)k;
		mcc_put32(e + 4, ti.start);
		leadout = ti.start + ti.size;
		if (k == n) {
			uint8_t *lo = e + 8;
			lo[1] = e[1];
			lo[2] = 0xAA;
			mcc_put32(lo + 4, leadout);
		}
	}
	disc_recorder_ex_release(r);
	if (IMAPI_FAILED(hr)) {
		free(p);
		return hr;
	}
	*toc = p;
	*size = len;
	return S_OK;
}

/* ---- PrepareMedia, AddAudioTrack, ReleaseMedia ---------------------------------------- */

const char *disc_format2_tao_write_action_name(imapi_format2_tao_write_action a)
{
	static const char *const names[] = {
		[IMAPI_FORMAT2_TAO_WRITE_ACTION_UNKNOWN] = "unknown",
		[IMAPI_FORMAT2_TAO_WRITE_ACTION_PREPARING] = "preparing",
		[IMAPI_FORMAT2_TAO_WRITE_ACTION_WRITING] = "writing",
		[IMAPI_FORMAT2_TAO_WRITE_ACTION_FINISHING] = "finishing",
		[IMAPI_FORMAT2_TAO_WRITE_ACTION_VERIFYING] = "verifying",
	};
	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "unknown";
}

static void emit(disc_format2_tao *t, imapi_format2_tao_write_action action,
		 const write_engine_event_args *engine)
{
	/* The timeline's stage: the action's name and the track. */
	const char *name = disc_format2_tao_write_action_name(action);
	char stage[48];
	if (t->track)
		snprintf(stage, sizeof(stage), "track %d %s", (int)t->track, name);
	else
		snprintf(stage, sizeof(stage), "%s", name);
	eng_fmt_stage(&t->b, action, stage);
	pthread_mutex_lock(&t->b.lock);
	disc_format2_tao_update_fn fn = t->fn;
	void *user = t->user;
	pthread_mutex_unlock(&t->b.lock);
	if (!fn)
		return;
	disc_format2_tao_event_args a;
	memset(&a, 0, sizeof(a));
	if (engine)
		a.engine = *engine;
	a.current_track_number = t->track;
	a.current_action = action;
	double el = eng_media_now() - t->t_prepared;
	a.elapsed_time = (int32_t)el;
	if (engine)
		a.remaining_time = eng_fmt_remaining(eng_media_now() - t->b.t0,
				(int64_t)engine->last_written_lba - engine->start_lba + 1,
				engine->sector_count);
	fn(t, &a, user);
}

static void on_engine_update(write_engine *we, const write_engine_event_args *p, void *user)
{
	(void)we;
	emit(user, IMAPI_FORMAT2_TAO_WRITE_ACTION_WRITING, p);
}

struct audio_p05 {
	bool next_session, bufe;
};

static void set_audio_p05(uint8_t *page, const void *arg)
{
	const struct audio_p05 *a = arg;
	mcc_p05_for_audio_tao(page, false, a->next_session, a->bufe);
}

hresult_t disc_format2_tao_prepare_media(disc_format2_tao *t)
{
	if (!t)
		return E_POINTER;
	if (atomic_load(&t->b.prepared))
		return E_IMAPI_DF2TAO_MEDIA_IS_PREPARED;
	if (!t->b.client_name)
		return E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID;
	struct eng_media m;
	disc_recorder_ex *r = NULL;
	hresult_t hr = probe(t, &m, &r);
	if (IMAPI_FAILED(hr))
		return hr;
	t->t_prepared = eng_media_now();
	t->track = 0;
	eng_fmt_profile(&t->b, m.profile);
	emit(t, IMAPI_FORMAT2_TAO_WRITE_ACTION_PREPARING, NULL);
	if (!eng_media_cd_recordable(&m))
		hr = E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED;
	else if (m.di.status == 2 || m.nwa < 0)
		hr = E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK;
	struct audio_p05 a = { !!t->do_not_finalize, !t->b.bufe_disabled };
	if (IMAPI_SUCCEEDED(hr))
		hr = eng_media_edit_page05(r, set_audio_p05, &a);
	if (IMAPI_SUCCEEDED(hr))
		hr = eng_media_cmd(r, mcc_cdb_prevent_allow(true), ENG_MEDIA_NONE, NULL, 0, 0, NULL);
	if (IMAPI_SUCCEEDED(hr)) {
		t->profile = m.profile;
		t->tracks_added = 0;
		atomic_store(&t->b.prepared, 1);
	}
	disc_recorder_ex_release(r);
	return hr;
}

static hresult_t write_track(disc_format2_tao *t, disc_recorder_ex *r, imapi_stream *data,
			     int32_t blocks)
{
	struct eng_media m;
	hresult_t hr = eng_media_probe(r, &m);
	if (IMAPI_FAILED(hr))
		return hr;
	if (m.nwa < 0 || !m.have_last)
		return E_IMAPI_DF2TAO_MEDIA_IS_NOT_BLANK;
	if (m.last.number > MAX_TRACKS)
		return E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED;
	if (blocks > m.free)
		return E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE;
	t->track = m.last.number;
	int32_t written;
	hr = eng_fmt_write(&t->b, r, data, m.nwa, blocks, CDDA, on_engine_update, t, &written);
	if (IMAPI_SUCCEEDED(hr)) {
		/* SYNCHRONIZE CACHE ends a TAO track (the close plan of a CD has no CLOSE
		 * TRACK, mcc_close_plan). */
		emit(t, IMAPI_FORMAT2_TAO_WRITE_ACTION_FINISHING, NULL);
		hr = eng_media_sync(r);
	}
	if (IMAPI_SUCCEEDED(hr))
		t->tracks_added++;
	return hr;
}

hresult_t disc_format2_tao_add_audio_track(disc_format2_tao *t, imapi_stream *data)
{
	if (!t || !data)
		return E_POINTER;
	if (!atomic_load(&t->b.prepared))
		return E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED;
	uint64_t bytes = 0;
	if (imapi_stream_get_size(data, &bytes) != S_OK || bytes % CDDA ||
	    bytes / CDDA < MIN_TRACK || bytes / CDDA > INT32_MAX)
		return E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED;
	hresult_t hr = eng_fmt_begin(&t->b, E_IMAPI_DF2TAO_WRITE_IN_PROGRESS);
	if (IMAPI_FAILED(hr))
		return hr;
	disc_recorder_ex *r = eng_fmt_recorder(&t->b);
	hr = E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED;
	if (r) {
		eng_rec_lock(r);
		hr = write_track(t, r, data, (int32_t)(bytes / CDDA));
		eng_fmt_outcome(&t->b, hr, r);
		eng_rec_unlock(r);
	}
	disc_recorder_ex_release(r);
	eng_fmt_end(&t->b);
	return hr;
}

hresult_t disc_format2_tao_cancel_add_track(disc_format2_tao *t)
{
	return t ? eng_fmt_cancel(&t->b, E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS) : E_POINTER;
}

hresult_t disc_format2_tao_release_media(disc_format2_tao *t)
{
	if (!t)
		return E_POINTER;
	if (atomic_load(&t->b.busy))
		return E_IMAPI_DF2TAO_WRITE_IN_PROGRESS;
	if (!atomic_load(&t->b.prepared))
		return E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED;
	disc_recorder_ex *r = eng_fmt_recorder(&t->b);
	hresult_t hr = S_OK;
	if (r) {
		t->track = 0;
		emit(t, IMAPI_FORMAT2_TAO_WRITE_ACTION_FINISHING, NULL);
		eng_rec_lock(r);
		/* An empty session is not closed: nothing was written since PrepareMedia. */
		if (t->tracks_added > 0) {
			uint8_t fn;
			hr = eng_media_close(r, t->profile, 0, !t->do_not_finalize, true, &fn);
		}
		hresult_t unlock = eng_media_cmd(r, mcc_cdb_prevent_allow(false), ENG_MEDIA_NONE,
						 NULL, 0, 0, NULL);
		if (IMAPI_SUCCEEDED(hr))
			hr = unlock;
		eng_rec_unlock(r);
	}
	disc_recorder_ex_release(r);
	atomic_store(&t->b.prepared, 0);
	return hr;
}
