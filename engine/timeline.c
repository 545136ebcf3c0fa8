/* engine/timeline.c - the burn timeline (writeengine.h "the burn timeline",
 * timeline-private.h; doc/engine.md §12).
 *
 * Samples hold cumulative figures (time, sectors and bytes acknowledged), so that
 * thinning two to one keeps every speed an exact average over its interval: the speed
 * of a sample is computed from it and the one before when it is read.  Memory is fixed
 * at creation: max_samples samples and IMAPI_TIMELINE_EVENTS_MAX events. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mmccdb.h"
#include "timeline-private.h"

enum { KINDS = 16 };

struct imapi_timeline {
	atomic_int refs;
	pthread_mutex_t mu;
	uint32_t options;
	int32_t profile;
	char label[128];

	imapi_timeline_sample *s;
	uint32_t cap, n;
	imapi_timeline_event ev[IMAPI_TIMELINE_EVENTS_MAX];
	uint32_t nev, dropped;
	int32_t last_of_kind[KINDS];	/* index of the last kept event per kind, -1 */
	uint32_t by_kind[KINDS];

	bool started;
	int64_t t0_us;
	int64_t spacing_us;
	uint32_t thinnings;
	uint32_t sections;

	/* the running section */
	bool in_section;
	int64_t section_t0_us;
	int64_t write_us;		/* time spent in ended sections */
	uint32_t bps;
	int64_t base_sectors, base_bytes;	/* acknowledged before the section */
	int64_t sectors, bytes;		/* acknowledged so far, every section */
	int32_t lba;			/* LastWrittenLba, -1 before anything */
	int32_t drive_buffer;		/* pending reading for the next sample, -1 none */
	int32_t last_drive_buffer;	/* the last reading, -1 none */
	int32_t stage_code;
	char stage_text[96];
};

int64_t eng_tl_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void clear(imapi_timeline *tl)
{
	tl->n = 0;
	tl->nev = 0;
	tl->dropped = 0;
	for (int k = 0; k < KINDS; k++) {
		tl->last_of_kind[k] = -1;
		tl->by_kind[k] = 0;
	}
	tl->started = false;
	tl->t0_us = 0;
	tl->spacing_us = (int64_t)IMAPI_TIMELINE_SPACING_MS * 1000;
	tl->thinnings = 0;
	tl->sections = 0;
	tl->in_section = false;
	tl->write_us = 0;
	tl->bps = 0;
	tl->base_sectors = tl->base_bytes = tl->sectors = tl->bytes = 0;
	tl->lba = -1;
	tl->drive_buffer = tl->last_drive_buffer = -1;
	tl->stage_code = -1;
	tl->stage_text[0] = '\0';
}

hresult_t imapi_timeline_create(uint32_t max_samples, imapi_timeline **out)
{
	if (!out)
		return E_POINTER;
	*out = NULL;
	if (max_samples == 0)
		max_samples = IMAPI_TIMELINE_SAMPLES_DEFAULT;
	if (max_samples < IMAPI_TIMELINE_SAMPLES_MIN || max_samples > (1u << 20))
		return E_INVALIDARG;
	imapi_timeline *tl = calloc(1, sizeof(*tl));
	if (!tl)
		return E_OUTOFMEMORY;
	tl->s = calloc(max_samples, sizeof(*tl->s));
	if (!tl->s || pthread_mutex_init(&tl->mu, NULL) != 0) {
		free(tl->s);
		free(tl);
		return E_OUTOFMEMORY;
	}
	tl->cap = max_samples;
	atomic_init(&tl->refs, 1);
	clear(tl);
	*out = tl;
	return S_OK;
}

void imapi_timeline_addref(imapi_timeline *tl)
{
	if (tl)
		atomic_fetch_add(&tl->refs, 1);
}

void imapi_timeline_release(imapi_timeline *tl)
{
	if (!tl || atomic_fetch_sub(&tl->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&tl->mu);
	free(tl->s);
	free(tl);
}

hresult_t imapi_timeline_reset(imapi_timeline *tl)
{
	if (!tl)
		return E_POINTER;
	pthread_mutex_lock(&tl->mu);
	clear(tl);
	pthread_mutex_unlock(&tl->mu);
	return S_OK;
}

hresult_t imapi_timeline_put_options(imapi_timeline *tl, uint32_t options)
{
	if (!tl)
		return E_POINTER;
	if (options & ~IMAPI_TIMELINE_POLL_DRIVE_BUFFER)
		return E_INVALIDARG;
	pthread_mutex_lock(&tl->mu);
	tl->options = options;
	pthread_mutex_unlock(&tl->mu);
	return S_OK;
}

bool eng_tl_option(imapi_timeline *tl, uint32_t option)
{
	if (!tl)
		return false;
	pthread_mutex_lock(&tl->mu);
	bool on = (tl->options & option) != 0;
	pthread_mutex_unlock(&tl->mu);
	return on;
}

hresult_t imapi_timeline_put_profile(imapi_timeline *tl, imapi_profile_type profile)
{
	if (!tl)
		return E_POINTER;
	if (profile < 0 || profile > 0xFFFF)
		return E_INVALIDARG;
	pthread_mutex_lock(&tl->mu);
	tl->profile = profile;
	pthread_mutex_unlock(&tl->mu);
	return S_OK;
}

hresult_t imapi_timeline_put_label(imapi_timeline *tl, const char *label)
{
	if (!tl || !label)
		return E_POINTER;
	pthread_mutex_lock(&tl->mu);
	snprintf(tl->label, sizeof(tl->label), "%s", label);
	pthread_mutex_unlock(&tl->mu);
	return S_OK;
}

const char *imapi_timeline_event_kind_name(imapi_timeline_event_kind kind)
{
	static const char *const names[KINDS] = {
		[IMAPI_TIMELINE_EVENT_STAGE] = "stage",
		[IMAPI_TIMELINE_EVENT_SECTION] = "section",
		[IMAPI_TIMELINE_EVENT_SPEED] = "speed",
		[IMAPI_TIMELINE_EVENT_BUSY] = "busy",
		[IMAPI_TIMELINE_EVENT_UNIT_ATTENTION] = "unit attention",
		[IMAPI_TIMELINE_EVENT_RETRY] = "retry",
		[IMAPI_TIMELINE_EVENT_SESSION_LOST] = "session lost",
		[IMAPI_TIMELINE_EVENT_RECONNECTED] = "reconnected",
		[IMAPI_TIMELINE_EVENT_UNDERRUN] = "underrun",
		[IMAPI_TIMELINE_EVENT_FAULT] = "fault",
		[IMAPI_TIMELINE_EVENT_NOTE] = "note",
	};
	return (unsigned)kind < KINDS && names[kind] ? names[kind] : "?";
}

/* ---- recording (under mu) ---------------------------------------------------------- */

static double secs(const imapi_timeline *tl, int64_t now_us)
{
	return (double)(now_us - tl->t0_us) / 1e6;
}

static void start(imapi_timeline *tl, int64_t now_us)
{
	if (!tl->started) {
		tl->started = true;
		tl->t0_us = now_us;
	}
}

/* The samples thinning keeps: every other one, the first and the last, and the
 * section boundaries when `boundaries`.  Compacts them in place when `write`. */
static uint32_t thin_keep(imapi_timeline *tl, bool boundaries, bool write)
{
	uint32_t w = 0;
	for (uint32_t i = 0; i < tl->n; i++) {
		if (i % 2 == 0 || i == tl->n - 1 || (boundaries && tl->s[i].flags)) {
			if (write)
				tl->s[w] = tl->s[i];
			w++;
		}
	}
	return w;
}

/* Thin two to one and double the spacing.  Section boundaries stay while that still
 * frees a quarter of the room (a burn of many short sections thins them too). */
static void thin(imapi_timeline *tl)
{
	bool boundaries = thin_keep(tl, true, false) <= tl->cap * 3 / 4;
	tl->n = thin_keep(tl, boundaries, true);
	tl->spacing_us *= 2;
	tl->thinnings++;
}

static void add_sample(imapi_timeline *tl, int64_t now_us, int32_t system_buffer,
		       uint32_t flags)
{
	if (tl->n == tl->cap)
		thin(tl);
	imapi_timeline_sample *p = &tl->s[tl->n++];
	memset(p, 0, sizeof(*p));
	p->seconds = secs(tl, now_us);
	p->lba = tl->lba;
	p->sectors = tl->sectors;
	p->bytes = tl->bytes;
	p->drive_buffer = tl->drive_buffer;
	p->system_buffer = system_buffer;
	p->flags = flags;
	tl->drive_buffer = -1;
}

static void set_progress(imapi_timeline *tl, int32_t lba, uint64_t section_bytes)
{
	tl->lba = lba;
	tl->bytes = tl->base_bytes + (int64_t)section_bytes;
	tl->sectors = tl->base_sectors + (tl->bps ? (int64_t)(section_bytes / tl->bps) : 0);
}

void eng_tl_section_begin(imapi_timeline *tl, int64_t now_us, int32_t start_lba,
			  int32_t blocks, uint32_t bytes_per_sector)
{
	if (!tl)
		return;
	pthread_mutex_lock(&tl->mu);
	start(tl, now_us);
	tl->in_section = true;
	tl->section_t0_us = now_us;
	tl->sections++;
	tl->bps = bytes_per_sector;
	tl->base_sectors = tl->sectors;
	tl->base_bytes = tl->bytes;
	tl->lba = start_lba - 1;
	tl->last_drive_buffer = -1;
	pthread_mutex_unlock(&tl->mu);

	char text[96];
	snprintf(text, sizeof(text), "WriteSection LBA %d, %d blocks of %u bytes", (int)start_lba,
		 (int)blocks, (unsigned)bytes_per_sector);
	eng_tl_event(tl, now_us, IMAPI_TIMELINE_EVENT_SECTION, blocks, S_OK, NULL, text);

	pthread_mutex_lock(&tl->mu);
	add_sample(tl, now_us, 0, IMAPI_TIMELINE_SAMPLE_SECTION_START);
	pthread_mutex_unlock(&tl->mu);
}

void eng_tl_progress(imapi_timeline *tl, int64_t now_us, int32_t lba, uint64_t section_bytes,
		     int32_t system_buffer)
{
	if (!tl)
		return;
	pthread_mutex_lock(&tl->mu);
	if (tl->in_section) {
		set_progress(tl, lba, section_bytes);
		double last = tl->n ? tl->s[tl->n - 1].seconds : -1e9;
		if (secs(tl, now_us) - last >= (double)tl->spacing_us / 1e6)
			add_sample(tl, now_us, system_buffer, 0);
	}
	pthread_mutex_unlock(&tl->mu);
}

void eng_tl_section_end(imapi_timeline *tl, int64_t now_us, int32_t lba, uint64_t section_bytes)
{
	if (!tl)
		return;
	pthread_mutex_lock(&tl->mu);
	if (tl->in_section) {
		set_progress(tl, lba, section_bytes);
		/* A last sample a moment after the one before would be a spike of a speed
		 * over a few milliseconds: the one before is moved to the end instead. */
		imapi_timeline_sample *last = tl->n ? &tl->s[tl->n - 1] : NULL;
		if (last && !(last->flags & IMAPI_TIMELINE_SAMPLE_SECTION_START) &&
		    secs(tl, now_us) - last->seconds < (double)tl->spacing_us / 2e6) {
			last->seconds = secs(tl, now_us);
			last->lba = tl->lba;
			last->sectors = tl->sectors;
			last->bytes = tl->bytes;
			last->system_buffer = 0;
			last->flags |= IMAPI_TIMELINE_SAMPLE_SECTION_END;
		} else {
			add_sample(tl, now_us, 0, IMAPI_TIMELINE_SAMPLE_SECTION_END);
		}
		tl->write_us += now_us - tl->section_t0_us;
		tl->in_section = false;
	}
	pthread_mutex_unlock(&tl->mu);
}

void eng_tl_drive_buffer(imapi_timeline *tl, int64_t now_us, uint32_t size, uint32_t free_bytes,
			 bool more_to_come)
{
	if (!tl || size == 0 || free_bytes > size)
		return;
	pthread_mutex_lock(&tl->mu);
	int32_t pct = (int32_t)((uint64_t)(size - free_bytes) * 100 / size);
	bool ran_empty = pct == 0 && tl->last_drive_buffer > 0 && more_to_come && tl->in_section;
	tl->drive_buffer = pct;
	tl->last_drive_buffer = pct;
	pthread_mutex_unlock(&tl->mu);
	if (ran_empty)
		eng_tl_event(tl, now_us, IMAPI_TIMELINE_EVENT_UNDERRUN, 0, S_OK, NULL,
			     "drive buffer ran empty");
}

static bool repeats(imapi_timeline_event_kind kind)
{
	return kind == IMAPI_TIMELINE_EVENT_BUSY || kind == IMAPI_TIMELINE_EVENT_UNIT_ATTENTION ||
	       kind == IMAPI_TIMELINE_EVENT_RETRY;
}

void eng_tl_event(imapi_timeline *tl, int64_t now_us, imapi_timeline_event_kind kind,
		  int32_t code, hresult_t hr, const struct eng_sense *sense, const char *text)
{
	if (!tl || (unsigned)kind >= KINDS)
		return;
	bool has_sense = sense && sense->valid;
	pthread_mutex_lock(&tl->mu);
	start(tl, now_us);
	tl->by_kind[kind]++;
	double t = secs(tl, now_us);
	int32_t li = tl->last_of_kind[kind];
	if (repeats(kind) && li >= 0) {
		imapi_timeline_event *e = &tl->ev[li];
		if (e->code == code && t - e->seconds < (double)tl->spacing_us / 1e6 &&
		    e->sense_key == (has_sense ? sense->key : 0) &&
		    e->asc == (has_sense ? sense->asc : 0) && e->ascq == (has_sense ? sense->ascq : 0)) {
			e->count++;
			pthread_mutex_unlock(&tl->mu);
			return;
		}
	}
	if (tl->nev == IMAPI_TIMELINE_EVENTS_MAX) {
		tl->dropped++;
		pthread_mutex_unlock(&tl->mu);
		return;
	}
	imapi_timeline_event *e = &tl->ev[tl->nev];
	memset(e, 0, sizeof(*e));
	e->seconds = t;
	e->kind = kind;
	e->lba = tl->lba;
	e->code = code;
	e->count = 1;
	e->hr = hr;
	if (has_sense) {
		e->sense_key = sense->key;
		e->asc = sense->asc;
		e->ascq = sense->ascq;
	}
	snprintf(e->text, sizeof(e->text), "%s", text ? text : "");
	tl->last_of_kind[kind] = (int32_t)tl->nev;
	tl->nev++;
	pthread_mutex_unlock(&tl->mu);
}

void eng_tl_stage(imapi_timeline *tl, int64_t now_us, int32_t code, const char *text)
{
	if (!tl)
		return;
	pthread_mutex_lock(&tl->mu);
	bool same = tl->stage_code == code && strcmp(tl->stage_text, text) == 0;
	if (!same) {
		tl->stage_code = code;
		snprintf(tl->stage_text, sizeof(tl->stage_text), "%s", text);
	}
	pthread_mutex_unlock(&tl->mu);
	if (!same)
		eng_tl_event(tl, now_us, IMAPI_TIMELINE_EVENT_STAGE, code, S_OK, NULL, text);
}

hresult_t imapi_timeline_add_note(imapi_timeline *tl, const char *text)
{
	if (!tl || !text)
		return E_POINTER;
	eng_tl_event(tl, eng_tl_now_us(), IMAPI_TIMELINE_EVENT_NOTE, 0, S_OK, NULL, text);
	return S_OK;
}

/* ---- reading --------------------------------------------------------------------------- */

/* Speeds of the copied samples from their cumulative figures. */
static void fill_speeds(imapi_timeline_sample *s, uint32_t n, enum mcc_family fam)
{
	for (uint32_t i = 0; i < n; i++) {
		s[i].bytes_per_second = 0;
		s[i].speed_x = 0;
		if (i == 0)
			continue;
		double dt = s[i].seconds - s[i - 1].seconds;
		int64_t db = s[i].bytes - s[i - 1].bytes;
		int64_t ds = s[i].sectors - s[i - 1].sectors;
		if (dt <= 0 || ds <= 0)
			continue;
		s[i].bytes_per_second = (double)db / dt;
		s[i].speed_x = mcc_speed_x(fam, s[i].bytes_per_second, (int)(db / ds));
	}
}

static void summarize(const imapi_timeline *tl, const imapi_timeline_sample *s, uint32_t n,
		      int64_t now_us, imapi_timeline_summary *sum)
{
	memset(sum, 0, sizeof(*sum));
	sum->profile = tl->profile;
	double end = n ? s[n - 1].seconds : 0;
	if (tl->nev && tl->ev[tl->nev - 1].seconds > end)
		end = tl->ev[tl->nev - 1].seconds;
	sum->seconds = end;
	int64_t wus = tl->write_us + (tl->in_section ? now_us - tl->section_t0_us : 0);
	sum->write_seconds = (double)wus / 1e6;
	sum->sectors = tl->sectors;
	sum->bytes = tl->bytes;
	if (sum->write_seconds > 0) {
		sum->average_bytes_per_second = (double)tl->bytes / sum->write_seconds;
		sum->average_x = tl->sectors ?
			mcc_speed_x(mcc_profile_family(tl->profile), sum->average_bytes_per_second,
				    (int)(tl->bytes / tl->sectors)) : 0;
	}
	for (uint32_t i = 0; i < n; i++)
		if (s[i].speed_x > sum->max_x)
			sum->max_x = s[i].speed_x;
	sum->samples = n;
	sum->events = tl->nev;
	sum->events_dropped = tl->dropped;
	sum->thinnings = tl->thinnings;
	sum->spacing_seconds = (double)tl->spacing_us / 1e6;
	sum->sections = tl->sections;
	memcpy(sum->by_kind, tl->by_kind, sizeof(sum->by_kind));
}

/* A copy of everything under the lock: samples (speeds filled), events, summary. */
static hresult_t snapshot(imapi_timeline *tl, imapi_timeline_sample **samples, uint32_t *ns,
			  imapi_timeline_event **events, uint32_t *nev, imapi_timeline_summary *sum,
			  char *label, size_t label_len)
{
	int64_t now = eng_tl_now_us();
	pthread_mutex_lock(&tl->mu);
	uint32_t n = tl->n, ne = tl->nev;
	imapi_timeline_sample *s = malloc((n ? n : 1) * sizeof(*s));
	imapi_timeline_event *e = malloc((ne ? ne : 1) * sizeof(*e));
	if (!s || !e) {
		pthread_mutex_unlock(&tl->mu);
		free(s);
		free(e);
		return E_OUTOFMEMORY;
	}
	memcpy(s, tl->s, n * sizeof(*s));
	memcpy(e, tl->ev, ne * sizeof(*e));
	fill_speeds(s, n, mcc_profile_family(tl->profile));
	if (sum)
		summarize(tl, s, n, now, sum);
	if (label)
		snprintf(label, label_len, "%s", tl->label);
	pthread_mutex_unlock(&tl->mu);
	if (samples) {
		*samples = s;
		*ns = n;
	} else {
		free(s);
	}
	if (events) {
		*events = e;
		*nev = ne;
	} else {
		free(e);
	}
	return S_OK;
}

hresult_t imapi_timeline_get_samples(imapi_timeline *tl, imapi_timeline_sample **samples,
				     uint32_t *count)
{
	if (!tl || !samples || !count)
		return E_POINTER;
	return snapshot(tl, samples, count, NULL, NULL, NULL, NULL, 0);
}

hresult_t imapi_timeline_get_events(imapi_timeline *tl, imapi_timeline_event **events,
				    uint32_t *count)
{
	if (!tl || !events || !count)
		return E_POINTER;
	return snapshot(tl, NULL, NULL, events, count, NULL, NULL, 0);
}

hresult_t imapi_timeline_get_summary(imapi_timeline *tl, imapi_timeline_summary *summary)
{
	if (!tl || !summary)
		return E_POINTER;
	return snapshot(tl, NULL, NULL, NULL, NULL, summary, NULL, 0);
}

hresult_t imapi_timeline_get_svg(imapi_timeline *tl, char **svg, size_t *len)
{
	if (!tl || !svg)
		return E_POINTER;
	*svg = NULL;
	struct eng_tl_view v;
	char label[128];
	imapi_timeline_sample *s = NULL;
	imapi_timeline_event *e = NULL;
	memset(&v, 0, sizeof(v));
	hresult_t hr = snapshot(tl, &s, &v.nsamples, &e, &v.nevents, &v.sum, label, sizeof(label));
	if (IMAPI_FAILED(hr))
		return hr;
	v.samples = s;
	v.events = e;
	v.label = label;
	size_t n = 0;
	*svg = eng_tl_svg(&v, &n);
	free(s);
	free(e);
	if (!*svg)
		return E_OUTOFMEMORY;
	if (len)
		*len = n;
	return S_OK;
}

hresult_t imapi_timeline_save_svg(imapi_timeline *tl, const char *path)
{
	if (!tl || !path)
		return E_POINTER;
	char *svg = NULL;
	size_t len = 0;
	hresult_t hr = imapi_timeline_get_svg(tl, &svg, &len);
	if (IMAPI_FAILED(hr))
		return hr;
	/* Through a temporary file: a reader never sees half a picture. */
	size_t plen = strlen(path) + 16;
	char *tmp = malloc(plen);
	if (!tmp) {
		free(svg);
		return E_OUTOFMEMORY;
	}
	snprintf(tmp, plen, "%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	bool ok = f && fwrite(svg, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = false;
	if (ok && rename(tmp, path) != 0)
		ok = false;
	int err = errno;
	if (!ok)
		unlink(tmp);
	free(tmp);
	free(svg);
	errno = err;
	return ok ? S_OK : E_FAIL;
}
