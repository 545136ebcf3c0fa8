/* engine/format-erase.c - IDiscFormat2Erase (discformat2.h; doc/engine-format.md).
 *
 * BLANK (MMC-6 §6.2) with IMMED on CD-RW and DVD-RW, then TEST UNIT READY every half
 * second until the drive is ready: NOT READY "in progress" answers carry the progress
 * indication (SPC-4 §4.5.2.4.4) that gives the estimate of the Update events.  DVD+RW
 * and BD-RE are formatted anew (media.c, eng_media_format). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "discformat2.h"
#include "format-base.h"
#include "media.h"
#include "recorder-private.h"

enum { POLL_MS = 500, ERASE_LIMIT_S = 3600 };

struct disc_format2_erase {
	atomic_int refs;
	struct eng_fmt b;
	disc_format2_erase_update_fn fn;
	void *user;
	int full;
};

static int vb(int v) { return v ? IMAPI_VARIANT_TRUE : IMAPI_VARIANT_FALSE; }

hresult_t disc_format2_erase_create(disc_format2_erase **out)
{
	if (!out)
		return E_POINTER;
	disc_format2_erase *e = calloc(1, sizeof(*e));
	if (!e)
		return E_OUTOFMEMORY;
	atomic_init(&e->refs, 1);
	eng_fmt_init(&e->b);
	*out = e;
	return S_OK;
}

void disc_format2_erase_addref(disc_format2_erase *e)
{
	if (e)
		atomic_fetch_add(&e->refs, 1);
}

void disc_format2_erase_release(disc_format2_erase *e)
{
	if (!e || atomic_fetch_sub(&e->refs, 1) != 1)
		return;
	eng_fmt_fini(&e->b);
	free(e);
}

hresult_t disc_format2_erase_advise(disc_format2_erase *e, disc_format2_erase_update_fn fn,
				    void *user)
{
	if (!e)
		return E_POINTER;
	pthread_mutex_lock(&e->b.lock);
	e->fn = fn;
	e->user = user;
	pthread_mutex_unlock(&e->b.lock);
	return S_OK;
}

hresult_t disc_format2_erase_put_recorder(disc_format2_erase *e, disc_recorder_ex *recorder)
{
	if (!e)
		return E_POINTER;
	if (atomic_load(&e->b.busy))
		return E_IMAPI_ERASE_RECORDER_IN_USE;
	return eng_fmt_put_recorder(&e->b, recorder);
}

hresult_t disc_format2_erase_put_full_erase(disc_format2_erase *e, int value)
{
	if (!e)
		return E_POINTER;
	if (atomic_load(&e->b.busy))
		return E_IMAPI_ERASE_RECORDER_IN_USE;
	e->full = value != 0;
	return S_OK;
}

hresult_t disc_format2_erase_get_full_erase(disc_format2_erase *e, int *value)
{
	if (!e || !value)
		return E_POINTER;
	*value = vb(e->full);
	return S_OK;
}

/* The members every format has (format-base.h). */
ENG_FMT_NAME_MEMBERS(disc_format2_erase, disc_format2_erase,
	E_IMAPI_ERASE_RECORDER_IN_USE, E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID)
ENG_FMT_MEDIA_MEMBERS(disc_format2_erase, disc_format2_erase,
	E_IMAPI_RECORDER_REQUIRED)

static bool erasable(const struct eng_media *m)
{
	return m->plan.erasable || m->plan.needs_format;
}

static const imapi_media_physical_type erase_media[] = {
	IMAPI_MEDIA_TYPE_CDRW, IMAPI_MEDIA_TYPE_DVDDASHRW, IMAPI_MEDIA_TYPE_DVDPLUSRW,
	IMAPI_MEDIA_TYPE_DVDPLUSRW_DUALLAYER, IMAPI_MEDIA_TYPE_BDRE,
};

hresult_t disc_format2_erase_get_supported_media_types(disc_format2_erase *e,
		imapi_media_physical_type **types, uint32_t *count)
{
	if (!e)
		return E_POINTER;
	return eng_fmt_media_types(erase_media, sizeof(erase_media) / sizeof(erase_media[0]),
				   types, count);
}

/* A recorder with a feature that blanks or formats (MMC-6 §5.3): Formattable (0023h),
 * CD-RW CAV Write (0027h), Rigid Restricted Overwrite (002Ch), DVD-R/-RW Write (002Fh). */
hresult_t disc_format2_erase_is_recorder_supported(disc_format2_erase *e,
		disc_recorder_ex *recorder, int *value)
{
	static const int32_t erasers[] = { 0x0023, 0x0027, 0x002C, 0x002F };
	if (!e || !recorder || !value)
		return E_POINTER;
	bool ok = false;
	hresult_t hr = eng_media_recorder_has(recorder, erasers,
					      sizeof(erasers) / sizeof(erasers[0]), &ok);
	*value = vb(ok);
	return hr;
}

hresult_t disc_format2_erase_is_current_media_supported(disc_format2_erase *e,
		disc_recorder_ex *recorder, int *value)
{
	if (!e || !recorder || !value)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = eng_media_probe(recorder, &m);
	*value = vb(IMAPI_SUCCEEDED(hr) && erasable(&m));
	return hr;
}

static void emit(disc_format2_erase *e, double t0, int32_t total)
{
	pthread_mutex_lock(&e->b.lock);
	disc_format2_erase_update_fn fn = e->fn;
	void *user = e->user;
	pthread_mutex_unlock(&e->b.lock);
	if (fn)
		fn(e, (int32_t)(eng_media_now() - t0), total, user);
}

struct erase_tick {
	disc_format2_erase *e;
	double t0;
	int32_t estimate;
};

/* One poll of the erase: the estimate from the drive's progress indication. */
static void erase_tick(void *ctx, double elapsed, unsigned progress)
{
	struct erase_tick *t = ctx;
	if (progress >= 65536)
		t->estimate = (int32_t)elapsed;
	else if (progress > 0)
		t->estimate = (int32_t)(elapsed * 65536.0 / progress);
	emit(t->e, t->t0, t->estimate);
}

static hresult_t wait_ready(disc_format2_erase *e, disc_recorder_ex *r, double t0)
{
	struct erase_tick t = { e, t0, 0 };
	hresult_t hr;
	uint8_t sense[IMAPI_SENSE_LEN];
	switch (eng_media_wait_ready(r, ERASE_LIMIT_S, POLL_MS, erase_tick, &t, &hr, sense)) {
	case 0:
		return S_OK;
	case ENG_MEDIA_WAIT_TIMEOUT:
		return E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR;
	case ENG_MEDIA_WAIT_OTHER:
		return E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE;
	default:
		return hr;
	}
}

static hresult_t run_erase(disc_format2_erase *e, disc_recorder_ex *r)
{
	struct eng_media m;
	hresult_t hr = eng_media_probe(r, &m);
	if (IMAPI_FAILED(hr))
		return hr;
	if (m.profile == 0)
		return E_IMAPI_RECORDER_MEDIA_NO_MEDIA;
	if (!erasable(&m))
		return E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED;
	double t0 = eng_media_now();
	emit(e, t0, 0);
	if (m.plan.needs_format) {
		hr = eng_media_format(r, &m);
		return IMAPI_FAILED(hr) ? E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND : S_OK;
	}
	/* Blanking type 000b the whole disc, 001b minimally (MMC-6 §6.2.2). */
	struct mcc_cdb blank = mcc_cdb_blank(true, e->full ? 0 : 1);
	hr = eng_media_cmd(r, blank, ENG_MEDIA_NONE, NULL, 0, 0, NULL);
	if (IMAPI_FAILED(hr))
		return E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND;
	return wait_ready(e, r, t0);
}

hresult_t disc_format2_erase_erase_media(disc_format2_erase *e)
{
	if (!e)
		return E_POINTER;
	hresult_t hr = eng_fmt_begin(&e->b, E_IMAPI_ERASE_RECORDER_IN_USE);
	if (IMAPI_FAILED(hr))
		return hr;
	disc_recorder_ex *r = eng_fmt_recorder(&e->b);
	if (!r)
		hr = E_IMAPI_RECORDER_REQUIRED;
	else if (!e->b.client_name)
		hr = E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID;
	else {
		eng_rec_lock(r);
		hr = run_erase(e, r);
		eng_rec_unlock(r);
	}
	disc_recorder_ex_release(r);
	eng_fmt_end(&e->b);
	return hr;
}
