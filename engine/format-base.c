/* engine/format-base.c - the common part of the format objects (format-base.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format-base.h"
#include "media.h"
#include "timeline-private.h"

static imapi_timeline *eng_fmt_timeline(struct eng_fmt *b);

void eng_fmt_init(struct eng_fmt *b)
{
	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
	b->speed = -1;
	b->queue_depth = 1;
}

void eng_fmt_fini(struct eng_fmt *b)
{
	imapi_timeline_release(b->tl);
	disc_recorder_ex_release(b->rec);
	free(b->client_name);
	pthread_mutex_destroy(&b->lock);
}

hresult_t eng_fmt_put_recorder(struct eng_fmt *b, disc_recorder_ex *recorder)
{
	disc_recorder_ex_addref(recorder);
	pthread_mutex_lock(&b->lock);
	disc_recorder_ex *old = b->rec;
	b->rec = recorder;
	pthread_mutex_unlock(&b->lock);
	disc_recorder_ex_release(old);
	return S_OK;
}

disc_recorder_ex *eng_fmt_recorder(struct eng_fmt *b)
{
	pthread_mutex_lock(&b->lock);
	disc_recorder_ex *r = b->rec;
	disc_recorder_ex_addref(r);
	pthread_mutex_unlock(&b->lock);
	return r;
}

hresult_t eng_fmt_get_recorder(struct eng_fmt *b, disc_recorder_ex **out)
{
	if (!out)
		return E_POINTER;
	*out = eng_fmt_recorder(b);
	return S_OK;
}

hresult_t eng_fmt_put_client_name(struct eng_fmt *b, const char *value, hresult_t invalid)
{
	if (!value)
		return E_POINTER;
	if (!eng_media_client_name_ok(value))
		return invalid;
	char *copy = strdup(value);
	if (!copy)
		return E_OUTOFMEMORY;
	pthread_mutex_lock(&b->lock);
	free(b->client_name);
	b->client_name = copy;
	pthread_mutex_unlock(&b->lock);
	return S_OK;
}

hresult_t eng_fmt_get_client_name(struct eng_fmt *b, char **value)
{
	if (!value)
		return E_POINTER;
	pthread_mutex_lock(&b->lock);
	*value = b->client_name ? strdup(b->client_name) : NULL;
	bool lost = b->client_name && !*value;
	pthread_mutex_unlock(&b->lock);
	return lost ? E_OUTOFMEMORY : S_OK;
}

hresult_t eng_fmt_set_write_speed(struct eng_fmt *b, int32_t sps, int pure_cav)
{
	if (sps < -1 || sps == 0)
		return E_INVALIDARG;
	b->speed = sps == INT32_MAX ? -1 : sps;
	b->pure_cav = pure_cav != 0;
	return S_OK;
}

hresult_t eng_fmt_speeds(struct eng_fmt *b, hresult_t no_recorder, int32_t **speeds,
			 uint32_t *count)
{
	if (!speeds || !count)
		return E_POINTER;
	disc_recorder_ex *r = eng_fmt_recorder(b);
	hresult_t hr = r ? eng_media_speed_list(r, speeds, count) : no_recorder;
	disc_recorder_ex_release(r);
	return hr;
}

hresult_t eng_fmt_speed_descriptors(struct eng_fmt *b, hresult_t no_recorder,
				    imapi_write_speed_descriptor **d, uint32_t *count)
{
	if (!d || !count)
		return E_POINTER;
	disc_recorder_ex *r = eng_fmt_recorder(b);
	hresult_t hr = r ? eng_media_speed_descriptors(r, d, count) : no_recorder;
	disc_recorder_ex_release(r);
	return hr;
}

hresult_t eng_fmt_current_speed(struct eng_fmt *b, hresult_t no_recorder, int32_t *value)
{
	if (!value)
		return E_POINTER;
	disc_recorder_ex *r = eng_fmt_recorder(b);
	hresult_t hr = r ? eng_media_current_speed(r, b->speed, value) : no_recorder;
	disc_recorder_ex_release(r);
	return hr;
}

hresult_t eng_fmt_begin(struct eng_fmt *b, hresult_t in_progress)
{
	int expected = 0;
	if (!atomic_compare_exchange_strong(&b->busy, &expected, 1))
		return in_progress;
	atomic_store(&b->cancelled, 0);
	b->t0 = eng_media_now();
	return S_OK;
}

void eng_fmt_end(struct eng_fmt *b)
{
	atomic_store(&b->busy, 0);
}

hresult_t eng_fmt_cancel(struct eng_fmt *b, hresult_t not_running)
{
	if (!atomic_load(&b->busy))
		return not_running;
	atomic_store(&b->cancelled, 1);
	pthread_mutex_lock(&b->lock);
	if (b->we)
		write_engine_cancel_write(b->we);
	pthread_mutex_unlock(&b->lock);
	return S_OK;
}

hresult_t eng_fmt_check(struct eng_fmt *b)
{
	return atomic_load(&b->cancelled) ? E_IMAPI_REQUEST_CANCELLED : S_OK;
}

hresult_t eng_fmt_write(struct eng_fmt *b, disc_recorder_ex *r, imapi_stream *data,
			int32_t lba, int32_t blocks, int32_t bps, write_engine_update_fn fn,
			void *user, int32_t *written)
{
	write_engine *we = NULL;
	*written = 0;
	hresult_t hr = write_engine_create(&we);
	if (IMAPI_SUCCEEDED(hr))
		hr = write_engine_put_recorder(we, r);
	if (IMAPI_SUCCEEDED(hr))
		hr = write_engine_put_bytes_per_sector(we, bps);
	if (IMAPI_SUCCEEDED(hr))
		hr = write_engine_put_queue_depth(we, b->queue_depth);
	if (IMAPI_SUCCEEDED(hr) && b->speed > 0) {
		write_engine_put_starting_sectors_per_second(we, b->speed);
		write_engine_put_ending_sectors_per_second(we, b->speed);
	}
	if (IMAPI_SUCCEEDED(hr))
		hr = write_engine_advise(we, fn, user);
	imapi_timeline *tl = eng_fmt_timeline(b);
	if (IMAPI_SUCCEEDED(hr) && tl)
		hr = write_engine_put_timeline(we, tl);
	imapi_timeline_release(tl);
	b->section_failed = false;
	if (IMAPI_SUCCEEDED(hr)) {
		pthread_mutex_lock(&b->lock);
		b->we = we;
		pthread_mutex_unlock(&b->lock);
		/* A cancel that came before the engine was visible is seen here. */
		hr = atomic_load(&b->cancelled) ? E_IMAPI_REQUEST_CANCELLED
						: write_engine_write_section(we, data, lba, blocks);
		pthread_mutex_lock(&b->lock);
		b->we = NULL;
		pthread_mutex_unlock(&b->lock);
		b->section_failed = IMAPI_FAILED(hr) && hr != E_IMAPI_REQUEST_CANCELLED;
		write_engine_stats st;
		if (write_engine_get_stats(we, &st) == S_OK)
			*written = (int32_t)(st.bytes_written / (uint32_t)bps);
	}
	write_engine_release(we);
	return hr;
}

/* A new reference to the timeline, or NULL. */
static imapi_timeline *eng_fmt_timeline(struct eng_fmt *b)
{
	pthread_mutex_lock(&b->lock);
	imapi_timeline *tl = b->tl;
	imapi_timeline_addref(tl);
	pthread_mutex_unlock(&b->lock);
	return tl;
}

hresult_t eng_fmt_put_timeline(struct eng_fmt *b, imapi_timeline *tl)
{
	imapi_timeline_addref(tl);
	pthread_mutex_lock(&b->lock);
	imapi_timeline *old = b->tl;
	b->tl = tl;
	pthread_mutex_unlock(&b->lock);
	imapi_timeline_release(old);
	return S_OK;
}

void eng_fmt_stage(struct eng_fmt *b, int32_t code, const char *name)
{
	imapi_timeline *tl = eng_fmt_timeline(b);
	eng_tl_stage(tl, eng_tl_now_us(), code, name);
	imapi_timeline_release(tl);
}

void eng_fmt_profile(struct eng_fmt *b, int profile)
{
	imapi_timeline *tl = eng_fmt_timeline(b);
	if (tl && profile > 0)
		imapi_timeline_put_profile(tl, profile);
	imapi_timeline_release(tl);
}

void eng_fmt_outcome(struct eng_fmt *b, hresult_t hr, disc_recorder_ex *r)
{
	if (IMAPI_SUCCEEDED(hr) || b->section_failed)
		return;
	imapi_timeline *tl = eng_fmt_timeline(b);
	if (!tl)
		return;
	int64_t now = eng_tl_now_us();
	if (hr == E_IMAPI_REQUEST_CANCELLED) {
		eng_tl_event(tl, now, IMAPI_TIMELINE_EVENT_NOTE, 0, hr, NULL, "cancelled");
	} else {
		uint8_t raw[IMAPI_SENSE_LEN];
		struct eng_sense sn;
		memset(&sn, 0, sizeof(sn));
		if (r && disc_recorder_ex_get_last_sense(r, raw) == S_OK)
			eng_sense_parse(raw, sizeof(raw), &sn);
		const char *name = imapi_hresult_name(hr);
		char text[96], words[64] = "";
		if (sn.valid)
			eng_sense_format(&sn, words, sizeof(words));
		snprintf(text, sizeof(text), "%s%s%s", name ? name : "failed", words[0] ? ": " : "",
			 words);
		eng_tl_event(tl, now, IMAPI_TIMELINE_EVENT_FAULT, 0, hr, &sn, text);
	}
	imapi_timeline_release(tl);
}

int32_t eng_fmt_remaining(double elapsed, int64_t done, int64_t total)
{
	return done > 0 && total > done ? (int32_t)(elapsed * (double)(total - done) / (double)done)
					: 0;
}

hresult_t eng_fmt_probe(struct eng_fmt *b, hresult_t no_recorder, struct eng_media *m,
			disc_recorder_ex **rec)
{
	disc_recorder_ex *r = eng_fmt_recorder(b);
	if (!r)
		return no_recorder;
	hresult_t hr = eng_media_probe(r, m);
	if (IMAPI_SUCCEEDED(hr) && m->profile == 0)
		hr = E_IMAPI_RECORDER_MEDIA_NO_MEDIA;
	if (rec && IMAPI_SUCCEEDED(hr))
		*rec = r;
	else
		disc_recorder_ex_release(r);
	return hr;
}

hresult_t eng_fmt_physical_type(struct eng_fmt *b, hresult_t no_recorder,
				imapi_media_physical_type *value)
{
	if (!value)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = eng_fmt_probe(b, no_recorder, &m, NULL);
	*value = IMAPI_SUCCEEDED(hr) ? eng_media_physical_type(m.profile) : IMAPI_MEDIA_TYPE_UNKNOWN;
	return hr;
}

hresult_t eng_fmt_physically_blank(struct eng_fmt *b, hresult_t no_recorder, int *value)
{
	if (!value)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = eng_fmt_probe(b, no_recorder, &m, NULL);
	/* Only disc information says "empty": a medium without a plan (pressed) has none
	 * (the probe stops at its profile) and is never blank. */
	*value = IMAPI_SUCCEEDED(hr) && m.have_di && m.di.status == 0 ? IMAPI_VARIANT_TRUE
								       : IMAPI_VARIANT_FALSE;
	return hr;
}

hresult_t eng_fmt_heuristically_blank(struct eng_fmt *b, hresult_t no_recorder, int *value)
{
	if (!value)
		return E_POINTER;
	struct eng_media m;
	disc_recorder_ex *r = NULL;
	hresult_t hr = eng_fmt_probe(b, no_recorder, &m, &r);
	*value = IMAPI_SUCCEEDED(hr) && eng_media_heuristically_blank(r, &m) ? IMAPI_VARIANT_TRUE
									     : IMAPI_VARIANT_FALSE;
	disc_recorder_ex_release(r);
	return hr;
}

hresult_t eng_fmt_media_types(const imapi_media_physical_type *list, uint32_t n,
			      imapi_media_physical_type **types, uint32_t *count)
{
	if (!types || !count)
		return E_POINTER;
	*types = malloc(n * sizeof(*list));
	if (!*types)
		return E_OUTOFMEMORY;
	memcpy(*types, list, n * sizeof(*list));
	*count = n;
	return S_OK;
}
