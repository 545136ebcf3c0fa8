/* harness/burn.c - burn data / audio / raw, erase and format (doc/harness.md section 4),
 * driven as an application drives libwriteengine's format layer (engine/wengine.c
 * cmd_burn, burn_audio, cmd_erase): through discformat2.h and rawcdimage.h only.
 *
 * The sources.  A burn's stream is made of a scenario source (zero, file:, pattern:,
 * cd-mode1:) laid out where the burn puts it: sector i of the stream is the source's
 * block for LBA base + i.  The base of a data or audio stream is the StartLba of the
 * first WRITING Update of its Write or track, which the write engine sends before it
 * starts reading the stream (doc/engine.md, Update contract); the base of a raw track
 * is the StartingLba IRawCDImageCreator gives the track, learnt beforehand from a
 * creator fed with zero streams of the same types and sizes.  So `expect blocks
 * equal=pattern:seed=S` checks the burnt sectors at the LBAs the scenario names.
 *
 * cancel-after=N, without timers: the source holds back its sector N (counted over the
 * burn's streams) until CancelWrite / CancelAddTrack has been called.  The Update
 * handler calls it at the first event that finds the source held back and every sector
 * the engine has read acknowledged: the drive then holds exactly the WRITEs wholly
 * below sector N (all N sectors when N is a multiple of the sectors per WRITE).  A
 * burn that stops without such an event (a failure before sector N) leaves the
 * handler nothing to do; the source then opens after GATE_WATCHDOG_S seconds without
 * an Update and the scenario fails, naming the line. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "burn.h"
#include "discformat2.h"
#include "rawcdimage.h"

#define CLIENT_NAME "harness"
#define GATE_WATCHDOG_S 3.0	/* no Update for this long (they come every 0.5 s): the Write left its loop */
#define BASE_UNKNOWN INT64_MIN

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void errorf(struct hrn_burn_out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void errorf(struct hrn_burn_out *out, const char *fmt, ...)
{
	if (out->error[0])
		return;	/* the first problem is the one reported */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->error, sizeof(out->error), fmt, ap);
	va_end(ap);
}

/* ---- the gate of cancel-after ------------------------------------------------------- */

struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int64_t limit;		/* the burn's sector the source holds back; -1: no gate */
	bool held;		/* the engine's reader waits at it */
	bool open;		/* for good: cancelled, or the watchdog */
	bool timed_out;
	double last_event;	/* mono_now() of the last Update */
};

static void gate_init(struct gate *g, int64_t limit)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cv, &a);
	pthread_condattr_destroy(&a);
	pthread_mutex_init(&g->mu, NULL);
	g->limit = limit;
	g->held = g->open = g->timed_out = false;
	g->last_event = mono_now();
}

static void gate_fini(struct gate *g)
{
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
}

/* On the engine's reader thread: wait until the handler (or the watchdog) opens it. */
static void gate_wait(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->held = true;
	while (!g->open) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&g->cv, &g->mu, &ts);
		if (!g->open && mono_now() - g->last_event > GATE_WATCHDOG_S) {
			g->timed_out = true;
			g->open = true;
		}
	}
	g->held = false;
	pthread_mutex_unlock(&g->mu);
}

/* ---- a burn's stream -------------------------------------------------------------- */

struct bsrc {
	struct hrn_source src;
	hrn_block_fn block;
	FILE *f;
	uint32_t bps;
	uint64_t size;		/* bytes of the stream */
	uint64_t pos;		/* bytes handed out */
	int64_t base;		/* LBA of sector 0, BASE_UNKNOWN until known */
	int64_t first;		/* the burn's sectors before this stream */
	struct gate *gate;	/* NULL: no cancel-after */
	uint8_t *blk;
	int64_t blk_at;		/* the sector blk holds, -1 none */
	bool base_missing;	/* read before its base was known */
	uint64_t made_ns;	/* time spent making generated sectors */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static hresult_t bsrc_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	struct bsrc *b = ctx;
	uint8_t *out = buf;
	uint32_t done = 0;
	uint64_t left = b->size - b->pos;
	uint32_t n = left < len ? (uint32_t)left : len;
	uint64_t t0 = b->src.kind == HRN_SRC_FILE ? 0 : now_ns();
	while (done < n) {
		int64_t sector = (int64_t)(b->pos / b->bps);
		uint32_t off = (uint32_t)(b->pos % b->bps);
		if (off == 0 && b->gate && b->first + sector >= b->gate->limit) {
			uint64_t w = t0 ? now_ns() : 0;
			gate_wait(b->gate);
			if (t0)	/* waiting at the gate is not making data */
				t0 += now_ns() - w;
		}
		uint32_t k = b->bps - off;
		if (k > n - done)
			k = n - done;
		if (b->src.kind == HRN_SRC_FILE) {
			if (fread(out + done, 1, k, b->f) != k)
				return E_FAIL;	/* checked before the burn: the file changed */
		} else {
			if (b->base == BASE_UNKNOWN)
				b->base_missing = true;
			int64_t lba = (b->base == BASE_UNKNOWN ? 0 : b->base) + sector;
			if (k == b->bps) {	/* a whole sector: made in place */
				b->block(&b->src, lba, out + done, b->bps);
			} else {
				if (b->blk_at != sector) {
					b->block(&b->src, lba, b->blk, b->bps);
					b->blk_at = sector;
				}
				memcpy(out + done, b->blk + off, k);
			}
		}
		done += k;
		b->pos += k;
	}
	if (t0)
		b->made_ns += now_ns() - t0;
	*got = done;
	return S_OK;
}

/* The stream of source text w: bytes of it, sectors of bps, the burn's sectors before
 * it; base BASE_UNKNOWN (learnt from an Update) or known.  NULL after errorf. */
static imapi_stream *bsrc_open(struct bsrc *b, const struct hrn_scenario *s, const char *w,
			       const struct hrn_source *parsed, uint64_t bytes, uint32_t bps, int64_t base,
			       int64_t first, struct gate *gate, hrn_block_fn block, struct hrn_burn_out *out)
{
	memset(b, 0, sizeof(*b));
	b->src = *parsed;
	b->block = block;
	b->bps = bps;
	b->size = bytes;
	b->base = base;
	b->first = first;
	b->gate = gate;
	b->blk_at = -1;
	if (b->src.kind == HRN_SRC_FILE) {
		char *path = hrn_scn_path(s, b->src.file);
		b->f = path ? fopen(path, "rb") : NULL;
		struct stat sb;
		if (!b->f) {
			errorf(out, "cannot open the source %s: %s", path ? path : w, strerror(errno));
			free(path);
			return NULL;
		}
		if (fstat(fileno(b->f), &sb) == 0 && (uint64_t)sb.st_size < bytes) {
			errorf(out, "the source %s has %lld bytes, fewer than the %llu the burn takes", path,
			       (long long)sb.st_size, (unsigned long long)bytes);
			free(path);
			return NULL;
		}
		free(path);
	} else {
		b->blk = malloc(bps);
		if (!b->blk) {
			errorf(out, "out of memory");
			return NULL;
		}
	}
	const imapi_stream_ops ops = { .read = bsrc_read };
	imapi_stream *st = NULL;
	if (IMAPI_FAILED(imapi_stream_from_ops(&ops, b, &st)) || IMAPI_FAILED(imapi_stream_put_size(st, bytes))) {
		imapi_stream_release(st);
		errorf(out, "cannot make the source's stream");
		return NULL;
	}
	return st;
}

static void bsrc_close(struct bsrc *b)
{
	if (b->f)
		fclose(b->f);
	free(b->blk);
	b->f = NULL;
	b->blk = NULL;
}

/* Bytes of a file source (its length), or -1 after errorf. */
static int64_t file_bytes(const struct hrn_scenario *s, const struct hrn_source *src, struct hrn_burn_out *out)
{
	char *path = hrn_scn_path(s, src->file);
	struct stat sb;
	int64_t n = -1;
	if (path && stat(path, &sb) == 0)
		n = (int64_t)sb.st_size;
	else
		errorf(out, "cannot open the source %s: %s", path ? path : src->file, strerror(errno));
	free(path);
	return n;
}

/* ---- one burn --------------------------------------------------------------------- */

struct burn {
	struct hrn_burn_out *out;
	struct hrn_burn_facts *facts;
	struct gate gate;
	bool has_gate;
	struct bsrc *cur;		/* the stream being written (data, audio) */
	int32_t cur_acked;		/* its sectors acknowledged, from the Updates */
	int last_action, last_track;
	void (*cancel)(void *obj);
	void *obj;
	bool cancelled;
};

static void record(struct burn *b, hresult_t hr, const char *what, disc_recorder_ex *rec)
{
	struct hrn_burn_out *out = b->out;
	out->ran = true;
	out->hr = hr;
	snprintf(out->what, sizeof(out->what), "%s", what);
	out->has_sense = IMAPI_FAILED(hr) && rec && disc_recorder_ex_get_last_sense(rec, out->sense) == S_OK;
}

/* Every Update: the stage, the base of the current stream, the cancel. */
static void progress(struct burn *b, int action, int32_t track, bool writing, const write_engine_event_args *e)
{
	struct hrn_burn_facts *f = b->facts;
	if (action != b->last_action || track != b->last_track) {
		if (f->nstages < HRN_STAGES_MAX)
			f->stages[f->nstages++] = action;
		else
			f->stages_overflow = true;
		b->last_action = action;
		b->last_track = track;
	}
	if (b->has_gate) {
		pthread_mutex_lock(&b->gate.mu);
		b->gate.last_event = mono_now();
		pthread_mutex_unlock(&b->gate.mu);
	}
	if (!writing)
		return;
	if (b->cur && b->cur->base == BASE_UNKNOWN)
		b->cur->base = e->start_lba;	/* before the engine reads the stream */
	if (!f->have_start) {
		f->have_start = true;
		f->start = e->start_lba;
	}
	int64_t acked = (int64_t)e->last_written_lba - e->start_lba + 1;
	int64_t read = (int64_t)e->last_read_lba - e->start_lba + 1;
	b->cur_acked = acked > 0 ? (int32_t)acked : 0;
	if (!b->has_gate)
		return;
	pthread_mutex_lock(&b->gate.mu);
	bool now = !b->gate.open && b->gate.held && acked == read;
	pthread_mutex_unlock(&b->gate.mu);
	if (!now)
		return;
	b->cancel(b->obj);	/* from the Update handler, as the API allows */
	b->cancelled = true;
	pthread_mutex_lock(&b->gate.mu);
	b->gate.open = true;
	pthread_cond_broadcast(&b->gate.cv);
	pthread_mutex_unlock(&b->gate.mu);
}

static void begin(struct burn *b, struct hrn_burn_out *out, struct hrn_burn_facts *facts,
		  const struct hrn_step *st, enum hrn_burn_kind kind)
{
	memset(b, 0, sizeof(*b));
	b->out = out;
	b->facts = facts;
	b->last_action = b->last_track = -1;
	memset(facts, 0, sizeof(*facts));
	facts->kind = kind;
	facts->line = st->line;
	facts->write_type = -1;
	facts->mismatch = -1;
	int64_t c;
	const char *ca = hrn_step_get(st, "cancel-after");
	if (ca && hrn_parse_int(ca, 1, INT32_MAX, &c)) {
		gate_init(&b->gate, c);
		b->has_gate = true;
	}
}

/* After the burn: what the gate says about cancel-after. */
static void end(struct burn *b, const char *name)
{
	if (!b->has_gate)
		return;
	if (b->gate.timed_out)
		errorf(b->out, "burn %s cancel-after=%lld: no Update for %.0f s while the source held back "
		       "sector %lld (the burn stopped before the sectors below it were acknowledged)",
		       name, (long long)b->gate.limit, GATE_WATCHDOG_S, (long long)b->gate.limit);
	else if (!b->cancelled && b->out->ran && IMAPI_SUCCEEDED(b->out->hr))
		errorf(b->out, "burn %s cancel-after=%lld: the burn ended without reaching sector %lld "
		       "(nothing was cancelled)", name, (long long)b->gate.limit, (long long)b->gate.limit);
	gate_fini(&b->gate);
}

static void base_check(struct burn *b, const struct bsrc *s, const char *name)
{
	if (s->base_missing)
		errorf(b->out, "burn %s: the stream was read before the first WRITING Update gave its "
		       "start LBA (the write engine's Update contract)", name);
}

/* ---- burn data: IDiscFormat2Data -------------------------------------------------- */

static void data_update(disc_format2_data *f, const disc_format2_data_event_args *e, void *user)
{
	(void)f;
	progress(user, (int)e->current_action, 0,
		 e->current_action == IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA, &e->engine);
}

static void data_cancel(void *obj)
{
	disc_format2_data_cancel_write(obj);
}

static bool yes(const struct hrn_step *st, const char *key)
{
	const char *v = hrn_step_get(st, key);
	return v && !strcmp(v, "yes");
}

static void burn_data(disc_recorder_ex *rec, const struct hrn_scenario *s, const struct hrn_step *st,
		      hrn_block_fn block, imapi_timeline *tl, struct hrn_burn_out *out,
		      struct hrn_burn_facts *facts)
{
	struct burn b;
	begin(&b, out, facts, st, HRN_BURN_DATA);
	const char *w = hrn_step_word(st, 0);
	struct hrn_source src;
	hrn_parse_source(w, &src);
	int64_t size = -1;
	if (hrn_step_get(st, "size"))
		hrn_parse_size(hrn_step_get(st, "size"), &size);
	else
		size = file_bytes(s, &src, out);
	struct bsrc bs = { 0 };
	imapi_stream *stream = NULL;
	if (size >= 0)
		stream = bsrc_open(&bs, s, w, &src, (uint64_t)size, 2048, BASE_UNKNOWN, 0,
				   b.has_gate ? &b.gate : NULL, block, out);
	if (!stream) {
		bsrc_close(&bs);
		end(&b, "data");
		return;
	}
	disc_format2_data *f = NULL;
	hresult_t hr = disc_format2_data_create(&f);
	const char *what = "burn data (create)";
#define STEP(call, name) if (IMAPI_SUCCEEDED(hr)) { hr = (call); what = "burn data (" name ")"; }
	STEP(disc_format2_data_put_recorder(f, rec), "put_Recorder");
	STEP(disc_format2_data_put_client_name(f, CLIENT_NAME), "put_ClientName");
	if (tl)
		STEP(disc_format2_data_put_timeline(f, tl), "put_Timeline");
	const char *close = hrn_step_get(st, "close");
	if (close && strcmp(close, "default")) {
		STEP(disc_format2_data_put_force_media_to_be_closed(f, !strcmp(close, "yes")),
		     "put_ForceMediaToBeClosed");
		/* close=no keeps a DVD+R appendable, as wengine burn --multisession */
		if (!strcmp(close, "no") && !hrn_step_get(st, "compat"))
			STEP(disc_format2_data_put_disable_consumer_dvd_compatibility_mode(f, 1),
			     "put_DisableConsumerDvdCompatibilityMode");
	}
	if (hrn_step_get(st, "compat"))
		STEP(disc_format2_data_put_disable_consumer_dvd_compatibility_mode(f, !yes(st, "compat")),
		     "put_DisableConsumerDvdCompatibilityMode");
	if (hrn_step_get(st, "force-overwrite"))
		STEP(disc_format2_data_put_force_overwrite(f, yes(st, "force-overwrite")), "put_ForceOverwrite");
	const char *v = hrn_step_get(st, "verify");
	if (v)
		STEP(disc_format2_data_put_burn_verification_level(f,
			!strcmp(v, "none") ? IMAPI_BURN_VERIFICATION_NONE :
			!strcmp(v, "full") ? IMAPI_BURN_VERIFICATION_FULL : IMAPI_BURN_VERIFICATION_QUICK),
		     "put_BurnVerificationLevel");
	int64_t speed;
	if (hrn_step_get(st, "speed") && hrn_parse_int(hrn_step_get(st, "speed"), 1, INT32_MAX, &speed))
		STEP(disc_format2_data_set_write_speed(f, (int32_t)speed, 0), "SetWriteSpeed");
	int64_t qd;
	if (hrn_step_get(st, "queue-depth") && hrn_parse_int(hrn_step_get(st, "queue-depth"), 1, 64, &qd))
		STEP(disc_format2_data_put_queue_depth(f, (int32_t)qd), "put_QueueDepth");
	STEP(disc_format2_data_advise(f, data_update, &b), "advise");
#undef STEP
	b.cur = &bs;
	b.cancel = data_cancel;
	b.obj = f;
	if (IMAPI_SUCCEEDED(hr)) {
		hr = disc_format2_data_write(f, stream);
		what = "burn data (Write)";
	}
	record(&b, hr, what, rec);
	disc_format2_data_result r;
	if (f && disc_format2_data_get_result(f, &r) == S_OK) {
		if (facts->have_start)	/* it got to WRITING_DATA */
			facts->start = r.start_lba;
		facts->sectors = r.sectors;
		facts->verified = r.verified;
		facts->write_type = r.write_type == 0xff ? -1 : r.write_type;
		facts->close_function = r.close_function;
		facts->mismatch = r.mismatch_lba;
	}
	disc_format2_data_advise(f, NULL, NULL);
	disc_format2_data_release(f);
	imapi_stream_release(stream);
	if (tl && bs.made_ns) {	/* what the source cost, on the picture (make bench reads it) */
		char note[160];
		snprintf(note, sizeof(note), "source %s: %.1f MB generated in %.3f s", w,
			 (double)bs.pos / 1e6, (double)bs.made_ns / 1e9);
		imapi_timeline_add_note(tl, note);
	}
	base_check(&b, &bs, "data");
	bsrc_close(&bs);
	end(&b, "data");
}

/* ---- burn audio: IDiscFormat2TrackAtOnce ------------------------------------------ */

static void tao_update(disc_format2_tao *t, const disc_format2_tao_event_args *e, void *user)
{
	(void)t;
	progress(user, (int)e->current_action, e->current_track_number,
		 e->current_action == IMAPI_FORMAT2_TAO_WRITE_ACTION_WRITING, &e->engine);
}

static void tao_cancel(void *obj)
{
	disc_format2_tao_cancel_add_track(obj);
}

static void burn_audio(disc_recorder_ex *rec, const struct hrn_scenario *s, const struct hrn_step *st,
		       hrn_block_fn block, imapi_timeline *tl, struct hrn_burn_out *out,
		       struct hrn_burn_facts *facts)
{
	struct burn b;
	begin(&b, out, facts, st, HRN_BURN_AUDIO);
	int n = 0;
	while (hrn_step_word(st, n))
		n++;
	int64_t each = -1;
	if (hrn_step_get(st, "sectors"))
		hrn_parse_int(hrn_step_get(st, "sectors"), 1, INT32_MAX, &each);
	/* Every source is checked before the drive is touched. */
	struct hrn_source *src = calloc((size_t)n, sizeof(*src));
	int64_t *bytes = calloc((size_t)n, sizeof(*bytes));
	for (int i = 0; src && bytes && i < n && !out->error[0]; i++) {
		hrn_parse_source(hrn_step_word(st, i), &src[i]);
		bytes[i] = each > 0 ? each * 2352 : file_bytes(s, &src[i], out);
	}
	if (!src || !bytes)
		errorf(out, "out of memory");
	if (out->error[0]) {
		free(src);
		free(bytes);
		end(&b, "audio");
		return;
	}
	disc_format2_tao *t = NULL;
	hresult_t hr = disc_format2_tao_create(&t);
	const char *what = "burn audio (create)";
	char whatbuf[64];
	bool recorded = IMAPI_FAILED(hr);
	if (recorded)
		record(&b, hr, what, NULL);
	/* The first failure is the result, its sense taken at once (before ReleaseMedia). */
#define STEP(call, name) if (IMAPI_SUCCEEDED(hr)) { hr = (call); what = "burn audio (" name ")"; \
		if (IMAPI_FAILED(hr)) { record(&b, hr, what, rec); recorded = true; } }
	STEP(disc_format2_tao_put_recorder(t, rec), "put_Recorder");
	STEP(disc_format2_tao_put_client_name(t, CLIENT_NAME), "put_ClientName");
	if (tl)
		STEP(disc_format2_tao_put_timeline(t, tl), "put_Timeline");
	if (hrn_step_get(st, "finalize"))
		STEP(disc_format2_tao_put_do_not_finalize_media(t, !yes(st, "finalize")), "put_DoNotFinalizeMedia");
	STEP(disc_format2_tao_advise(t, tao_update, &b), "advise");
	STEP(disc_format2_tao_prepare_media(t), "PrepareMedia");
	b.cancel = tao_cancel;
	b.obj = t;
	int64_t first = 0;
	for (int i = 0; i < n && IMAPI_SUCCEEDED(hr); i++) {
		struct bsrc bs;
		imapi_stream *stream = bsrc_open(&bs, s, hrn_step_word(st, i), &src[i], (uint64_t)bytes[i], 2352,
						 BASE_UNKNOWN, first, b.has_gate ? &b.gate : NULL, block, out);
		if (!stream) {
			bsrc_close(&bs);
			break;
		}
		b.cur = &bs;
		b.cur_acked = 0;
		snprintf(whatbuf, sizeof(whatbuf), "AddAudioTrack, track %d of %d", i + 1, n);
		STEP(disc_format2_tao_add_audio_track(t, stream), "AddAudioTrack");
		if (IMAPI_FAILED(hr))
			snprintf(out->what, sizeof(out->what), "burn audio (%s)", whatbuf);
		else
			facts->tracks++;
		facts->sectors += b.cur_acked;
		b.cur = NULL;
		imapi_stream_release(stream);
		base_check(&b, &bs, "audio");
		bsrc_close(&bs);
		first += bytes[i] / 2352;
	}
	/* ReleaseMedia always, also after a failure or a cancel (as wengine burn --audio): the
	 * tracks written are closed into the session and the tray is unlocked. */
	hresult_t rel = disc_format2_tao_release_media(t);
	if (!recorded && !out->error[0]) {
		hr = rel;
		record(&b, hr, "burn audio (ReleaseMedia)", rec);
	}
#undef STEP
	disc_format2_tao_advise(t, NULL, NULL);
	disc_format2_tao_release(t);
	free(src);
	free(bytes);
	end(&b, "audio");
}

/* ---- burn raw: IRawCDImageCreator, IDiscFormat2RawCD -------------------------------- */

static void raw_update(disc_format2_raw_cd *f, const disc_format2_raw_cd_event_args *e, void *user)
{
	(void)f;
	progress(user, (int)e->current_action, 0,
		 e->current_action == IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_WRITING, &e->engine);
}

/* Zero bytes, *ctx of them (AddTrack reads a stream to its end, whatever its size). */
static hresult_t zero_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	uint64_t *left = ctx;
	uint32_t n = *left < len ? (uint32_t)*left : len;
	memset(buf, 0, n);
	*left -= n;
	*got = n;
	return S_OK;
}

/* Where the creator puts each track (StartingLba), from a creator fed with zero streams
 * of the same types and sizes: start[k] stays BASE_UNKNOWN from a track it refuses on. */
static void raw_layout(const struct hrn_raw_track *tr, int n, int64_t *start)
{
	raw_cd_image *cr = NULL;
	for (int k = 0; k < n; k++)
		start[k] = BASE_UNKNOWN;
	if (IMAPI_FAILED(raw_cd_image_create(&cr)))
		return;
	for (int k = 0; k < n; k++) {
		const imapi_stream_ops ops = { .read = zero_read };
		imapi_stream *z = NULL;
		int32_t index = 0, lba = 0;
		raw_cd_track_info *ti = NULL;
		uint64_t left = (uint64_t)tr[k].sectors * tr[k].bytes;
		bool ok = IMAPI_SUCCEEDED(imapi_stream_from_ops(&ops, &left, &z)) &&
			  IMAPI_SUCCEEDED(imapi_stream_put_size(z, left)) &&
			  IMAPI_SUCCEEDED(raw_cd_image_add_track(cr, (imapi_cd_sector_type)tr[k].type, z, &index)) &&
			  IMAPI_SUCCEEDED(raw_cd_image_get_track_info(cr, index, &ti)) &&
			  IMAPI_SUCCEEDED(raw_cd_track_info_get_starting_lba(ti, &lba));
		raw_cd_track_info_release(ti);
		imapi_stream_release(z);
		if (!ok)
			break;
		start[k] = lba;
	}
	raw_cd_image_release(cr);
}

static void burn_raw(disc_recorder_ex *rec, const struct hrn_scenario *s, const struct hrn_step *st,
		     hrn_block_fn block, imapi_timeline *tl, struct hrn_burn_out *out,
		     struct hrn_burn_facts *facts)
{
	struct burn b;
	begin(&b, out, facts, st, HRN_BURN_RAW);
	int n = 0;
	while (hrn_step_word(st, n))
		n++;
	struct hrn_raw_track *tr = calloc((size_t)n, sizeof(*tr));
	char (*srcbuf)[HRN_LINE_MAX + 1] = calloc((size_t)n, sizeof(*srcbuf));
	int64_t *start = calloc((size_t)n, sizeof(*start));
	if (!tr || !srcbuf || !start) {
		errorf(out, "out of memory");
		goto free_all;
	}
	bool generated = false;
	for (int k = 0; k < n; k++) {
		hrn_parse_raw_track(hrn_step_word(st, k), srcbuf[k], sizeof(srcbuf[k]), &tr[k]);
		generated |= tr[k].src.kind != HRN_SRC_FILE && tr[k].src.kind != HRN_SRC_ZERO;
	}
	if (generated)
		raw_layout(tr, n, start);
	else
		for (int k = 0; k < n; k++)
			start[k] = 0;	/* zero and file sources do not depend on it */

	const char *tv = hrn_step_get(st, "type");
	imapi_format2_raw_cd_data_sector_type type =
		!tv || !strcmp(tv, "raw") ? IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_RAW :
		!strcmp(tv, "cooked") ? IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_COOKED : IMAPI_FORMAT2_RAW_CD_SUBCODE_PQ_ONLY;
	raw_cd_image *cr = NULL;
	imapi_stream *image = NULL;
	char whatbuf[96];
	const char *what = "burn raw (IRawCDImageCreator create)";
	hresult_t hr = raw_cd_image_create(&cr);
#define STEP(call, name) if (IMAPI_SUCCEEDED(hr)) { hr = (call); what = "burn raw (" name ")"; }
	STEP(raw_cd_image_put_resulting_image_type(cr, type), "put_ResultingImageType");
	if (hrn_step_get(st, "mcn"))
		STEP(raw_cd_image_put_media_catalog_number(cr, hrn_step_get(st, "mcn")), "put_MediaCatalogNumber");
	for (int k = 0; k < n && IMAPI_SUCCEEDED(hr); k++) {
		struct bsrc bs;
		imapi_stream *ts = bsrc_open(&bs, s, hrn_step_word(st, k), &tr[k].src,
					     (uint64_t)tr[k].sectors * tr[k].bytes, tr[k].bytes,
					     start[k] == BASE_UNKNOWN ? 0 : start[k], 0, NULL, block, out);
		if (!ts) {
			bsrc_close(&bs);
			break;
		}
		int32_t index;
		hr = raw_cd_image_add_track(cr, (imapi_cd_sector_type)tr[k].type, ts, &index);
		snprintf(whatbuf, sizeof(whatbuf), "burn raw (AddTrack, track %d of %d)", k + 1, n);
		what = whatbuf;
		imapi_stream_release(ts);
		bsrc_close(&bs);
		/* The layout the sources were laid out for must be the creator's. */
		raw_cd_track_info *ti = NULL;
		int32_t lba;
		if (IMAPI_SUCCEEDED(hr) && IMAPI_SUCCEEDED(raw_cd_image_get_track_info(cr, index, &ti)) &&
		    IMAPI_SUCCEEDED(raw_cd_track_info_get_starting_lba(ti, &lba)) && generated && lba != start[k])
			errorf(out, "burn raw: track %d starts at LBA %d, not at %lld as with zero streams", k + 1,
			       lba, (long long)start[k]);
		raw_cd_track_info_release(ti);
	}
	if (out->error[0])
		goto done;
	STEP(raw_cd_image_create_result_image(cr, &image), "CreateResultImage");
	int32_t v;
	if (IMAPI_SUCCEEDED(hr) && raw_cd_image_get_start_of_leadout(cr, &v) == S_OK) {
		facts->have_leadout = true;
		facts->leadout = v;
	}
	if (IMAPI_SUCCEEDED(hr) && raw_cd_image_get_number_of_existing_tracks(cr, &v) == S_OK)
		facts->tracks = v;
#undef STEP
	if (IMAPI_FAILED(hr)) {
		record(&b, hr, what, NULL);	/* no command was sent */
		goto done;
	}
	disc_format2_raw_cd *f = NULL;
	hr = disc_format2_raw_cd_create(&f);
	what = "burn raw (create)";
#define STEP(call, name) if (IMAPI_SUCCEEDED(hr)) { hr = (call); what = "burn raw (" name ")"; }
	STEP(disc_format2_raw_cd_put_recorder(f, rec), "put_Recorder");
	STEP(disc_format2_raw_cd_put_client_name(f, CLIENT_NAME), "put_ClientName");
	if (tl)
		STEP(disc_format2_raw_cd_put_timeline(f, tl), "put_Timeline");
	STEP(disc_format2_raw_cd_put_requested_sector_type(f, type), "put_RequestedSectorType");
	STEP(disc_format2_raw_cd_advise(f, raw_update, &b), "advise");
	STEP(disc_format2_raw_cd_prepare_media(f), "PrepareMedia");
	bool prepared = IMAPI_SUCCEEDED(hr);
	STEP(disc_format2_raw_cd_write_media(f, image), "WriteMedia");
#undef STEP
	bool failed = IMAPI_FAILED(hr);
	if (failed)
		record(&b, hr, what, rec);	/* the sense now, before ReleaseMedia */
	if (prepared) {
		hresult_t rel = disc_format2_raw_cd_release_media(f);
		if (!failed) {
			hr = rel;
			what = "burn raw (ReleaseMedia)";
		}
	}
	if (!failed)
		record(&b, hr, what, rec);
	disc_format2_raw_cd_advise(f, NULL, NULL);
	disc_format2_raw_cd_release(f);
	facts->sectors = b.cur_acked;
done:
	imapi_stream_release(image);
	raw_cd_image_release(cr);
free_all:
	free(tr);
	free(srcbuf);
	free(start);
	end(&b, "raw");
}

/* ---- erase, format: IDiscFormat2Erase --------------------------------------------- */

static const char *media_name(imapi_media_physical_type t)
{
	static const char *const names[] = {
		"unknown medium", "CD-ROM", "CD-R", "CD-RW", "DVD-ROM", "DVD-RAM", "DVD+R", "DVD+RW",
		"DVD+R DL", "DVD-R", "DVD-RW", "DVD-R DL", "disk", "DVD+RW DL", "HD DVD-ROM", "HD DVD-R",
		"HD DVD-RAM", "BD-ROM", "BD-R", "BD-RE",
	};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown medium";
}

static void erase(disc_recorder_ex *rec, const struct hrn_step *st, bool format, struct hrn_burn_out *out)
{
	const char *name = format ? "format" : "erase";
	char what[96];
	disc_format2_erase *e = NULL;
	hresult_t hr = disc_format2_erase_create(&e);
	snprintf(what, sizeof(what), "%s (create)", name);
#define STEP(call, call_name) if (IMAPI_SUCCEEDED(hr)) { hr = (call); snprintf(what, sizeof(what), "%s (%s)", name, call_name); }
	STEP(disc_format2_erase_put_recorder(e, rec), "put_Recorder");
	STEP(disc_format2_erase_put_client_name(e, CLIENT_NAME), "put_ClientName");
	if (hrn_step_get(st, "full"))
		STEP(disc_format2_erase_put_full_erase(e, yes(st, "full")), "put_FullErase");
	imapi_media_physical_type t = IMAPI_MEDIA_TYPE_UNKNOWN;
	if (format)
		STEP(disc_format2_erase_get_current_physical_media_type(e, &t), "CurrentPhysicalMediaType");
	if (IMAPI_SUCCEEDED(hr) && format && t != IMAPI_MEDIA_TYPE_DVDPLUSRW &&
	    t != IMAPI_MEDIA_TYPE_DVDPLUSRW_DUALLAYER && t != IMAPI_MEDIA_TYPE_BDRE) {
		errorf(out, "format: the disc is a %s; only a DVD+RW, DVD+RW DL or BD-RE is formatted "
		       "(erase blanks a CD-RW or DVD-RW)", media_name(t));
		disc_format2_erase_release(e);
		return;
	}
	STEP(disc_format2_erase_erase_media(e), "EraseMedia");
#undef STEP
	out->ran = true;
	out->hr = hr;
	snprintf(out->what, sizeof(out->what), "%s", what);
	out->has_sense = IMAPI_FAILED(hr) && disc_recorder_ex_get_last_sense(rec, out->sense) == S_OK;
	disc_format2_erase_release(e);
}

void hrn_burn_step(disc_recorder_ex *rec, const struct hrn_scenario *s, const struct hrn_step *st,
		   hrn_block_fn block, imapi_timeline *tl, struct hrn_burn_out *out,
		   struct hrn_burn_facts *facts)
{
	memset(out, 0, sizeof(*out));
	if (st->kind == HRN_ERASE || st->kind == HRN_FORMAT)
		erase(rec, st, st->kind == HRN_FORMAT, out);
	else if (!strcmp(st->sub, "data"))
		burn_data(rec, s, st, block, tl, out, facts);
	else if (!strcmp(st->sub, "audio"))
		burn_audio(rec, s, st, block, tl, out, facts);
	else
		burn_raw(rec, s, st, block, tl, out, facts);
}
