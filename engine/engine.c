/* engine/engine.c - IWriteEngine2: properties, CancelWrite and WriteSection.
 *
 * Contract: Microsoft's IWriteEngine2 and DWriteEngine2Events as doc/engine.md §2 states
 * them (every project decision is restated where it is implemented); manual:
 * doc/engine.md.
 *
 * Shape of one WriteSection (doc/engine.md §3; doc/design.md §3 follows one WRITE):
 *   reader thread:  stream -> ring chunks (FREE -> FILLED), in order; never touches
 *                   libiscsi.
 *   writer thread:  the caller's.  Holds the recorder lock for the whole section and
 *                   is the only libiscsi user: FILLED chunks go out as WRITE(10) or
 *                   WRITE(12) tasks (zero copy: the Data-Out points into the ring), up
 *                   to queue depth in flight, driven by poll() on the iSCSI fd plus an
 *                   eventfd that the reader and CancelWrite poke.  GOOD -> ACKED ->
 *                   FREE once every earlier chunk is acknowledged too.
 * Task callbacks only record the outcome in their slot; all decisions are taken by the
 * writer loop afterwards, in chunk order, so the policy lives in one place. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "mmccdb.h"
#include "recorder-private.h"
#include "sense.h"
#include "stream-private.h"
#include "timeline-private.h"
#include "writeengine.h"

enum {
	ENG_SYSBUF_MIN = 65536,
	ENG_SYSBUF_MAX = 1 << 30,
	ENG_SYSBUF_DEFAULT = 8 << 20,
	ENG_EVENT_PERIOD_MS = 500,  /* Update: "every 0.5 s while writing" */
	ENG_UA_IN_A_ROW_MAX = 8,    /* more consecutive unit attentions is a broken drive */
	ENG_WATCHDOG_EXTRA_S = 5,   /* stall watchdog: command timeout + this */
	ENG_IDLE_POLL_MS = 100,     /* iscsi_which_events() == 0: "wait >= 100 ms" */
	ENG_BUFFER_POLL_MS = 100,   /* READ BUFFER CAPACITY for a timeline: at most this often */
};

struct write_engine {
	atomic_int refs;
	pthread_mutex_t mu; /* every field below except the atomics */
	disc_recorder_ex *rec;
	int32_t bytes_per_sector;
	int32_t starting_sps, ending_sps;
	int32_t streaming; /* VARIANT_BOOL */
	int32_t queue_depth;
	int32_t sysbuf;
	write_engine_update_fn update;
	void *update_user;
	atomic_int writing;
	atomic_int cancel;
	int wake_fd; /* eventfd of the running section, -1 otherwise (under mu) */
	struct eng_sense last_sense;
	write_engine_stats stats;
	imapi_timeline *tl;  /* the burn timeline, NULL when none (under mu) */
};

/* ---- time ------------------------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- object, properties ------------------------------------------------------------ */

hresult_t write_engine_create(write_engine **out)
{
	if (!out)
		return E_POINTER;
	*out = NULL;
	write_engine *we = calloc(1, sizeof(*we));
	if (!we)
		return E_OUTOFMEMORY;
	if (pthread_mutex_init(&we->mu, NULL) != 0) {
		free(we);
		return E_OUTOFMEMORY;
	}
	atomic_init(&we->refs, 1);
	atomic_init(&we->writing, 0);
	atomic_init(&we->cancel, 0);
	we->bytes_per_sector = -1; /* get_BytesPerSector: -1 until put (seed page) */
	we->starting_sps = -1;
	we->ending_sps = -1;
	we->streaming = IMAPI_VARIANT_FALSE;
	we->queue_depth = 1;
	we->sysbuf = ENG_SYSBUF_DEFAULT;
	we->wake_fd = -1;
	*out = we;
	return S_OK;
}

void write_engine_addref(write_engine *we)
{
	if (we)
		atomic_fetch_add(&we->refs, 1);
}

void write_engine_release(write_engine *we)
{
	if (!we || atomic_fetch_sub(&we->refs, 1) != 1)
		return;
	if (we->rec)
		disc_recorder_ex_release(we->rec);
	imapi_timeline_release(we->tl);
	pthread_mutex_destroy(&we->mu);
	free(we);
}

hresult_t write_engine_advise(write_engine *we, write_engine_update_fn fn, void *user)
{
	if (!we)
		return E_POINTER;
	pthread_mutex_lock(&we->mu);
	we->update = fn;
	we->update_user = fn ? user : NULL;
	pthread_mutex_unlock(&we->mu);
	return S_OK;
}

/* The recorder's per-command limit.  Asked under the recorder lock, never while holding
 * we->mu: a WriteSection of another engine may hold the recorder lock for minutes and
 * this engine's getters must keep working meanwhile. */
static uint32_t rec_limit(disc_recorder_ex *rec)
{
	eng_rec_lock(rec);
	uint32_t v = eng_rec_max_transfer(rec);
	eng_rec_unlock(rec);
	return v;
}

/* Store an int32 property: E_FAIL while writing (a project decision, doc/engine.md §2
 * "Project decisions"). */
static hresult_t put_int(write_engine *we, int32_t *field, int32_t value)
{
	hresult_t hr = S_OK;
	pthread_mutex_lock(&we->mu);
	if (atomic_load(&we->writing))
		hr = E_FAIL;
	else
		*field = value;
	pthread_mutex_unlock(&we->mu);
	return hr;
}

static hresult_t get_int(write_engine *we, const int32_t *field, int32_t *out)
{
	if (!we || !out)
		return E_POINTER;
	pthread_mutex_lock(&we->mu);
	*out = *field;
	pthread_mutex_unlock(&we->mu);
	return S_OK;
}

hresult_t write_engine_put_recorder(write_engine *we, disc_recorder_ex *rec)
{
	if (!we)
		return E_POINTER;
	if (atomic_load(&we->writing))
		return E_FAIL;
	uint32_t limit = rec ? rec_limit(rec) : 0;

	pthread_mutex_lock(&we->mu);
	hresult_t hr = S_OK;
	disc_recorder_ex *old = NULL;
	if (atomic_load(&we->writing)) {
		hr = E_FAIL;
	} else if (rec && we->bytes_per_sector > 0 && (uint32_t)we->bytes_per_sector > limit) {
		/* [PROJECT DECISION] a stored BytesPerSector is re-checked against the new
		 * recorder; the recorder is then not changed. */
		hr = E_INVALIDARG;
	} else {
		if (rec)
			disc_recorder_ex_addref(rec);
		old = we->rec;
		we->rec = rec; /* NULL detaches (the IDL argument is in_opt) */
	}
	pthread_mutex_unlock(&we->mu);
	if (old)
		disc_recorder_ex_release(old);
	return hr;
}

hresult_t write_engine_get_recorder(write_engine *we, disc_recorder_ex **out)
{
	if (!we || !out)
		return E_POINTER;
	pthread_mutex_lock(&we->mu);
	*out = we->rec;
	if (we->rec)
		disc_recorder_ex_addref(we->rec);
	pthread_mutex_unlock(&we->mu);
	return S_OK;
}

hresult_t write_engine_put_use_streaming_write12(write_engine *we, int value)
{
	if (!we)
		return E_POINTER;
	return put_int(we, &we->streaming, value ? IMAPI_VARIANT_TRUE : IMAPI_VARIANT_FALSE);
}

hresult_t write_engine_get_use_streaming_write12(write_engine *we, int *value)
{
	int32_t v;
	hresult_t hr = get_int(we, we ? &we->streaming : NULL, value ? &v : NULL);
	if (IMAPI_SUCCEEDED(hr))
		*value = v;
	return hr;
}

/* Speed hints: -1 (maximum speed) or >= 1 (a project decision, doc/engine.md §2). */
static hresult_t put_speed(write_engine *we, int32_t *field, int32_t value)
{
	if (!we)
		return E_POINTER;
	if (value != -1 && value < 1)
		return E_INVALIDARG;
	return put_int(we, field, value);
}

hresult_t write_engine_put_starting_sectors_per_second(write_engine *we, int32_t value)
{
	return put_speed(we, we ? &we->starting_sps : NULL, value);
}

hresult_t write_engine_get_starting_sectors_per_second(write_engine *we, int32_t *value)
{
	return get_int(we, we ? &we->starting_sps : NULL, value);
}

hresult_t write_engine_put_ending_sectors_per_second(write_engine *we, int32_t value)
{
	return put_speed(we, we ? &we->ending_sps : NULL, value);
}

hresult_t write_engine_get_ending_sectors_per_second(write_engine *we, int32_t *value)
{
	return get_int(we, we ? &we->ending_sps : NULL, value);
}

hresult_t write_engine_put_bytes_per_sector(write_engine *we, int32_t value)
{
	if (!we)
		return E_POINTER;
	if (value < 1)
		return E_INVALIDARG; /* documented range 1..MAXLONG */
	if (atomic_load(&we->writing))
		return E_FAIL;

	/* With a recorder attached the value is capped by its maximum page-aligned
	 * transfer size (a project decision, doc/engine.md §2).  The recorder is looked at
	 * outside we->mu (rec_limit) and the check is repeated if it changed meanwhile. */
	for (;;) {
		pthread_mutex_lock(&we->mu);
		disc_recorder_ex *rec = we->rec;
		if (rec)
			disc_recorder_ex_addref(rec);
		pthread_mutex_unlock(&we->mu);

		uint32_t limit = rec ? rec_limit(rec) : UINT32_MAX;

		pthread_mutex_lock(&we->mu);
		hresult_t hr = S_OK;
		bool same = we->rec == rec;
		if (!same)
			;
		else if (atomic_load(&we->writing))
			hr = E_FAIL;
		else if ((uint32_t)value > limit)
			hr = E_INVALIDARG;
		else
			we->bytes_per_sector = value;
		pthread_mutex_unlock(&we->mu);
		if (rec)
			disc_recorder_ex_release(rec);
		if (same)
			return hr;
	}
}

hresult_t write_engine_get_bytes_per_sector(write_engine *we, int32_t *value)
{
	return get_int(we, we ? &we->bytes_per_sector : NULL, value);
}

hresult_t write_engine_get_write_in_progress(write_engine *we, int *value)
{
	if (!we || !value)
		return E_POINTER;
	*value = atomic_load(&we->writing) ? IMAPI_VARIANT_TRUE : IMAPI_VARIANT_FALSE;
	return S_OK;
}

hresult_t write_engine_put_queue_depth(write_engine *we, int32_t value)
{
	if (!we)
		return E_POINTER;
	if (value < 1 || value > WRITE_ENGINE_QUEUE_DEPTH_MAX)
		return E_INVALIDARG;
	return put_int(we, &we->queue_depth, value);
}

hresult_t write_engine_get_queue_depth(write_engine *we, int32_t *value)
{
	return get_int(we, we ? &we->queue_depth : NULL, value);
}

hresult_t write_engine_put_system_buffer_size(write_engine *we, int32_t bytes)
{
	if (!we)
		return E_POINTER;
	if (bytes < ENG_SYSBUF_MIN || bytes > ENG_SYSBUF_MAX)
		return E_INVALIDARG;
	return put_int(we, &we->sysbuf, bytes);
}

hresult_t write_engine_get_system_buffer_size(write_engine *we, int32_t *bytes)
{
	return get_int(we, we ? &we->sysbuf : NULL, bytes);
}

hresult_t write_engine_get_last_sense(write_engine *we, uint8_t sense[IMAPI_SENSE_LEN])
{
	if (!we || !sense)
		return E_POINTER;
	pthread_mutex_lock(&we->mu);
	bool valid = we->last_sense.valid;
	if (valid)
		memcpy(sense, we->last_sense.fixed, IMAPI_SENSE_LEN);
	else
		memset(sense, 0, IMAPI_SENSE_LEN);
	pthread_mutex_unlock(&we->mu);
	return valid ? S_OK : S_FALSE;
}

hresult_t write_engine_get_stats(write_engine *we, write_engine_stats *stats)
{
	if (!we || !stats)
		return E_POINTER;
	pthread_mutex_lock(&we->mu);
	*stats = we->stats;
	pthread_mutex_unlock(&we->mu);
	return S_OK;
}

hresult_t write_engine_put_timeline(write_engine *we, imapi_timeline *tl)
{
	if (!we)
		return E_POINTER;
	pthread_mutex_lock(&we->mu);
	if (atomic_load(&we->writing)) {
		pthread_mutex_unlock(&we->mu);
		return E_FAIL;
	}
	imapi_timeline *old = we->tl;
	imapi_timeline_addref(tl);
	we->tl = tl;
	pthread_mutex_unlock(&we->mu);
	imapi_timeline_release(old);
	return S_OK;
}

hresult_t write_engine_get_timeline(write_engine *we, imapi_timeline **out)
{
	if (!we || !out)
		return E_POINTER;
	pthread_mutex_lock(&we->mu);
	*out = we->tl;
	imapi_timeline_addref(we->tl);
	pthread_mutex_unlock(&we->mu);
	return S_OK;
}

static void wake(int fd)
{
	uint64_t one = 1;
	ssize_t n;
	do
		n = write(fd, &one, sizeof(one));
	while (n < 0 && errno == EINTR);
	/* EAGAIN means the counter is already non-zero: the writer wakes anyway. */
}

hresult_t write_engine_cancel_write(write_engine *we)
{
	if (!we)
		return E_POINTER;
	/* Under we->mu so that the section cannot close its eventfd between our check
	 * and our write (the section clears wake_fd under the same mutex). */
	pthread_mutex_lock(&we->mu);
	hresult_t hr = S_IMAPI_WRITE_NOT_IN_PROGRESS;
	if (atomic_load(&we->writing) && we->wake_fd >= 0) {
		atomic_store(&we->cancel, 1);
		wake(we->wake_fd);
		hr = S_OK;
	}
	pthread_mutex_unlock(&we->mu);
	return hr;
}

/* ---- the section: ring, reader ----------------------------------------------------- */

#define RING_ALIGN (2u << 20)

enum chunk_state { CH_FREE = 0, CH_FILLED, CH_IN_FLIGHT, CH_ACKED };

struct wsec;

struct slot {
	struct wsec *w;
	uint8_t *data;          /* chunk_bytes of the ring */
	enum chunk_state state; /* under w->mu */
	uint32_t seq;           /* chunk number within the section */
	uint32_t blocks;        /* blocks read into it (the last chunk may be shorter) */
	/* writer-only (the task callback runs on the writer thread, inside iscsi_service) */
	struct scsi_task *task; /* non-NULL while libiscsi owns a task for this chunk */
	bool cb_done;           /* callback ran; outcome below not yet processed */
	int cb_status;
	struct eng_sense cb_sense;
	bool maybe_recorded;    /* was in flight when the session dropped (see resume) */
};

struct wsec {
	/* fixed for the section */
	write_engine *we;
	disc_recorder_ex *rec;
	struct iscsi_context *iscsi;
	int lun;
	imapi_stream *stream;
	int32_t lba;
	int32_t nblocks;
	uint32_t bps;
	uint32_t chunk_blocks;
	uint32_t chunk_bytes;
	uint32_t nchunks;       /* chunks needed for the whole section */
	uint32_t ring_n;
	uint8_t *ring;
	struct slot *slots;
	int efd;
	int depth;
	bool write12;
	int32_t start_sps, end_sps;
	const disc_recorder_ex_options *opts;
	imapi_timeline *tl;     /* a reference for the section, or NULL */
	bool poll_buffer;       /* READ BUFFER CAPACITY at each Update (the timeline's option) */

	/* shared with the reader, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* reader waits for a FREE slot */
	uint32_t published;     /* chunks the reader has filled (seq < published) */
	int64_t blocks_read;
	int64_t used_bytes;     /* bytes in FILLED or IN_FLIGHT chunks */
	bool reader_done;
	bool reader_short;      /* the stream ended before nblocks */
	bool reader_waiting;    /* the reader waits on cv for a FREE slot */
	bool writer_starved;    /* the writer found no FILLED chunk to issue */
	hresult_t reader_hr;
	bool stop_reader;
	pthread_t reader;
	bool reader_started;
};

static struct slot *slot_of(struct wsec *w, uint32_t seq)
{
	return &w->slots[seq % w->ring_n];
}

static uint32_t chunk_len_blocks(const struct wsec *w, uint32_t seq)
{
	uint64_t first = (uint64_t)seq * w->chunk_blocks;
	uint64_t left = (uint64_t)w->nblocks - first;
	return left < w->chunk_blocks ? (uint32_t)left : w->chunk_blocks;
}

static void *reader_main(void *arg)
{
	struct wsec *w = arg;
	pthread_setname_np(pthread_self(), "we-reader");	/* top -H, /proc/PID/task */

	for (uint32_t seq = 0; seq < w->nchunks; seq++) {
		struct slot *s = slot_of(w, seq);
		pthread_mutex_lock(&w->mu);
		while (s->state != CH_FREE && !w->stop_reader) {
			w->reader_waiting = true;
			pthread_cond_wait(&w->cv, &w->mu);
		}
		w->reader_waiting = false;
		bool stop = w->stop_reader;
		pthread_mutex_unlock(&w->mu);
		if (stop)
			break;

		uint32_t want = chunk_len_blocks(w, seq) * w->bps;
		uint32_t got = 0;
		hresult_t hr = eng_stream_read_full(w->stream, s->data, want, &got);

		pthread_mutex_lock(&w->mu);
		if (IMAPI_FAILED(hr)) {
			/* Contract 1: a stream error is returned unchanged; nothing more is
			 * written, so what this chunk got is dropped. */
			w->reader_hr = hr;
			pthread_mutex_unlock(&w->mu);
			break;
		}
		uint32_t whole = got / w->bps; /* nothing is padded: a partial block is dropped */
		if (whole) {
			s->seq = seq;
			s->blocks = whole;
			s->state = CH_FILLED;
			w->published = seq + 1;
			w->blocks_read += whole;
			w->used_bytes += (int64_t)whole * w->bps;
		}
		bool short_read = got < want;
		if (short_read)
			w->reader_short = true;
		/* The writer is woken only when it waits for data: with the ring ahead of it,
		 * a wake per chunk cost it a poll round and the reader a write(2) per WRITE. */
		bool starved = w->writer_starved;
		w->writer_starved = false;
		pthread_mutex_unlock(&w->mu);
		if (starved)
			wake(w->efd);
		if (short_read)
			break;
	}
	pthread_mutex_lock(&w->mu);
	w->reader_done = true;
	pthread_mutex_unlock(&w->mu);
	wake(w->efd);
	return NULL;
}

/* ---- the section: writer ----------------------------------------------------------- */

enum wmode {
	WM_RUN,      /* issue FILLED chunks */
	WM_BACKOFF,  /* drive busy: wait for in-flight, sleep, resend */
	WM_LOST,     /* session lost: wait for it to come back */
	WM_DRAIN,    /* result decided: wait for in-flight, then stop */
};

struct writer {
	struct wsec *w;
	enum wmode mode;
	hresult_t result;        /* S_OK while undecided */
	bool result_set;
	struct eng_sense fail_sense;
	uint32_t issue_seq;      /* next chunk to send (may move back for resends) */
	uint32_t ack_base;       /* chunks [0, ack_base) acknowledged and freed */
	int inflight;
	int64_t backoff_until;
	int64_t backoff_ms;      /* current back-off step (doubling when no hint) */
	int64_t busy_since;      /* first BUSY of the current run, -1 when none */
	int64_t lost_since;      /* session loss noticed, -1 when logged in */
	int64_t last_progress;   /* last completion or issue (stall watchdog) */
	int ua_in_a_row;
	int transport_in_a_row;
	int addr_in_a_row;       /* WRITEs resent after 05/21/02 at their own NWA */
	int last_fd;
	bool service_failed;     /* iscsi_service() < 0: skip the fd for one round */
	int64_t first_write_ms, last_done_ms;
	int64_t next_poll_ms;    /* the timeline's next READ BUFFER CAPACITY */
	int seg_fd;              /* the socket of the last segment count, -1: none yet */
	uint64_t seg_prev;       /* its count then */
	write_engine_stats st;
};

/* An event on the section's timeline with the sense in words. */
static void tl_event(struct writer *wr, imapi_timeline_event_kind kind, int32_t code,
		     hresult_t hr, const struct eng_sense *sense, const char *what)
{
	if (!wr->w->tl)
		return;
	char text[96], sn[64] = "";
	if (sense && sense->valid)
		eng_sense_format(sense, sn, sizeof(sn));
	snprintf(text, sizeof(text), "%s%s%s", what, sn[0] ? ": " : "", sn);
	eng_tl_event(wr->w->tl, eng_tl_now_us(), kind, code, hr, sense, text);
}

static void set_result(struct writer *wr, hresult_t hr, const struct eng_sense *sense)
{
	if (wr->result_set)
		return; /* the first failure wins */
	wr->result = hr;
	wr->result_set = true;
	if (sense)
		wr->fail_sense = *sense;
	wr->mode = WM_DRAIN;
	if (hr == E_IMAPI_REQUEST_CANCELLED) {
		tl_event(wr, IMAPI_TIMELINE_EVENT_NOTE, 0, hr, NULL, "cancelled (CancelWrite)");
		return;
	}
	if (hr == E_IMAPI_LOSS_OF_STREAMING)
		tl_event(wr, IMAPI_TIMELINE_EVENT_UNDERRUN, 0, hr, sense, "loss of streaming");
	const char *name = imapi_hresult_name(hr);
	tl_event(wr, IMAPI_TIMELINE_EVENT_FAULT, 0, hr, sense, name ? name : "WriteSection failed");
}

/* Add the TCP segments sent since the last count to the section's figure.  A new
 * socket, or a count that went back (a new socket with the old one's number), is a
 * reconnect: all of its segments are the section's. */
static void count_segments(struct writer *wr)
{
	int fd;
	uint64_t n;
	if (!eng_rec_tcp_segments_out(wr->w->rec, &fd, &n))
		return;
	if (wr->seg_fd >= 0)
		wr->st.tcp_segments_out += fd == wr->seg_fd && n >= wr->seg_prev ? n - wr->seg_prev : n;
	wr->seg_fd = fd;
	wr->seg_prev = n;
}

static void publish_stats(struct writer *wr)
{
	write_engine *we = wr->w->we;
	wr->st.seconds = wr->first_write_ms < 0 ? 0.0 :
		(double)((wr->last_done_ms > wr->first_write_ms ? wr->last_done_ms :
			  wr->first_write_ms) - wr->first_write_ms) / 1000.0;
	pthread_mutex_lock(&we->mu);
	we->stats = wr->st;
	pthread_mutex_unlock(&we->mu);
}

/* The section's figures as an Update reports them. */
static void progress_args(struct writer *wr, write_engine_event_args *a)
{
	struct wsec *w = wr->w;

	pthread_mutex_lock(&w->mu);
	int64_t read = w->blocks_read;
	int64_t used = w->used_bytes;
	pthread_mutex_unlock(&w->mu);

	/* LastWrittenLba: the contiguous acknowledged prefix (only the last chunk can be
	 * short, so the prefix is whole chunks capped by what was read). */
	int64_t written = (int64_t)wr->ack_base * w->chunk_blocks;
	if (written > read)
		written = read;

	a->start_lba = w->lba;
	a->sector_count = w->nblocks;
	a->last_read_lba = (int32_t)(w->lba + read - 1);
	a->last_written_lba = (int32_t)(w->lba + written - 1);
	a->total_system_buffer = (int32_t)((int64_t)w->ring_n * w->chunk_bytes);
	a->used_system_buffer = (int32_t)used;
	a->free_system_buffer = a->total_system_buffer - a->used_system_buffer;
}

/* A timeline sample from the section's figures (kept when its spacing has passed). */
static void tl_sample(struct writer *wr, const write_engine_event_args *a)
{
	int32_t pct = a->total_system_buffer > 0 ?
		(int32_t)((int64_t)a->used_system_buffer * 100 / a->total_system_buffer) : 0;
	eng_tl_progress(wr->w->tl, eng_tl_now_us(), a->last_written_lba, wr->st.bytes_written, pct);
}

/* READ BUFFER CAPACITY (MMC-6 §6.18, Block = 0: [4-7] buffer length, [8-11] blank
 * length) for the timeline.  The answer is the drive's; a CHECK CONDITION that is not
 * busy, a unit attention or ILLEGAL REQUEST may be a deferred error of an earlier WRITE
 * (SPC-4 §4.5.5) and fails the section as that WRITE would; ILLEGAL REQUEST (no such
 * command) stops the polling. */
static void poll_drive_buffer(struct writer *wr, const write_engine_event_args *a)
{
	struct wsec *w = wr->w;
	uint8_t buf[12];
	struct mcc_cdb cdb = mcc_cdb_read_buffer_capacity(false, sizeof(buf));
	struct eng_cmd c = { .cdb = cdb.b, .cdb_len = (uint32_t)cdb.len, .dir = ENG_DIR_IN,
			     .buf = buf, .len = sizeof(buf), .retry = 0 };
	hresult_t hr = eng_rec_exec(w->rec, &c);
	if (IMAPI_SUCCEEDED(hr) && c.got >= sizeof(buf)) {
		eng_tl_drive_buffer(w->tl, eng_tl_now_us(), mcc_be32(buf + 4), mcc_be32(buf + 8),
				    a->last_written_lba < w->lba + w->nblocks - 1);
		return;
	}
	if (c.status != SCSI_STATUS_CHECK_CONDITION || !c.sense.valid)
		return;
	if (c.sense.key == 0x05) {
		w->poll_buffer = false;
		return;
	}
	if (eng_sense_action(&c.sense) == ENG_SENSE_FAIL) {
		uint8_t opcode = w->write12 ? MCC_OP_WRITE12 : MCC_OP_WRITE10;
		set_result(wr, eng_sense_hresult(&c.sense, opcode), &c.sense);
	}
}

/* The drive's buffer for a timeline that asks for it: once WRITEs went out, while the
 * section runs, every ENG_BUFFER_POLL_MS or the timeline's sample spacing, whichever
 * is longer (a thinned timeline of a long burn is asked less often). */
static void maybe_poll(struct writer *wr, const write_engine_event_args *a)
{
	struct wsec *w = wr->w;
	if (!w->poll_buffer || wr->first_write_ms < 0 || wr->result_set || wr->mode == WM_LOST)
		return;
	int64_t now = now_ms();
	if (now < wr->next_poll_ms)
		return;
	imapi_timeline_summary sum;
	int64_t gap = ENG_BUFFER_POLL_MS;
	if (imapi_timeline_get_summary(w->tl, &sum) == S_OK && sum.spacing_seconds * 1000 > gap)
		gap = (int64_t)(sum.spacing_seconds * 1000);
	wr->next_poll_ms = now + gap;
	poll_drive_buffer(wr, a);
}

/* Update (and the timeline's sample).  `poll`: the periodic one, where the drive's
 * buffer may be asked. */
static void fire_update(struct writer *wr, bool poll)
{
	struct wsec *w = wr->w;
	write_engine *we = w->we;
	write_engine_event_args a;

	progress_args(wr, &a);
	if (w->tl) {
		if (poll)
			maybe_poll(wr, &a);
		tl_sample(wr, &a);
	}

	pthread_mutex_lock(&we->mu);
	write_engine_update_fn fn = we->update;
	void *user = we->update_user;
	pthread_mutex_unlock(&we->mu);

	wr->st.events++;
	count_segments(wr); /* a getsockopt: at each Update, not at each completion */
	publish_stats(wr);
	/* The handler runs on this thread with the recorder lock held (recursive): it may
	 * call getters, CancelWrite and recorder methods (writeengine.h). */
	if (fn)
		fn(we, &a, user);
}

static void write_cb(struct iscsi_context *iscsi, int status, void *command_data,
		     void *private_data)
{
	struct slot *s = private_data;
	struct scsi_task *task = command_data ? command_data : s->task;
	(void)iscsi;

	s->cb_status = status;
	memset(&s->cb_sense, 0, sizeof(s->cb_sense));
	/* libiscsi: on CHECK CONDITION datain holds a 2-byte sense length and the sense
	 * (doc/engine-recorder.md §4). */
	if (status == SCSI_STATUS_CHECK_CONDITION && task && task->datain.size > 2) {
		size_t len = mcc_be16(task->datain.data);
		if (len > (size_t)task->datain.size - 2)
			len = (size_t)task->datain.size - 2;
		eng_sense_parse(task->datain.data + 2, len, &s->cb_sense);
	}
	if (task)
		scsi_free_scsi_task(task);
	s->task = NULL;
	s->cb_done = true;
}

/* WRITE(10) or WRITE(12) with Streaming (MMC-6 §6.46, §6.47).  A negative LBA goes out
 * as its two's complement (-150 -> FFFFFF6Ah). */
static struct mcc_cdb write_cdb(bool write12, int32_t lba, uint32_t blocks)
{
	return write12 ? mcc_cdb_write12((uint32_t)lba, blocks, true)
		       : mcc_cdb_write10((uint32_t)lba, (uint16_t)blocks);
}

static void issue(struct writer *wr, struct slot *s)
{
	struct wsec *w = wr->w;
	int32_t lba = w->lba + (int32_t)((int64_t)s->seq * w->chunk_blocks);
	uint32_t bytes = s->blocks * w->bps;

	struct mcc_cdb cdb = write_cdb(w->write12, lba, s->blocks);
	struct scsi_task *task = scsi_create_task(cdb.len, cdb.b, SCSI_XFER_WRITE, (int)bytes);
	if (!task) {
		set_result(wr, E_OUTOFMEMORY, NULL);
		return;
	}
	struct iscsi_data d = { .size = bytes, .data = s->data }; /* zero copy: into the ring */
	s->task = task;
	s->cb_done = false;
	if (iscsi_scsi_command_async(w->iscsi, w->lun, task, write_cb, &d, s) != 0) {
		s->task = NULL;
		scsi_free_scsi_task(task);
		eng_rec_set_last_error(w->rec, iscsi_get_error(w->iscsi));
		if (!iscsi_is_logged_in(w->iscsi)) {
			if (wr->lost_since < 0)
				wr->lost_since = now_ms();
			wr->mode = WM_LOST;
		} else {
			set_result(wr, eng_rec_transport_hresult(w->rec, SCSI_STATUS_ERROR), NULL);
		}
		return;
	}
	pthread_mutex_lock(&w->mu);
	s->state = CH_IN_FLIGHT;
	pthread_mutex_unlock(&w->mu);
	wr->inflight++;
	wr->last_progress = now_ms();
	if (wr->first_write_ms < 0)
		wr->first_write_ms = wr->last_progress;
}

/* Send FILLED chunks in order while the window allows it. */
static void issue_ready(struct writer *wr)
{
	struct wsec *w = wr->w;

	while (wr->mode == WM_RUN && wr->inflight < w->depth) {
		struct slot *s = slot_of(w, wr->issue_seq);
		pthread_mutex_lock(&w->mu);
		bool starved = wr->issue_seq >= w->published;
		if (starved)
			w->writer_starved = true;	/* the reader wakes us when it publishes */
		enum chunk_state st = s->state;
		pthread_mutex_unlock(&w->mu);
		if (starved)
			return;
		/* Only FILLED chunks go out; ACKED ones were acknowledged out of order and are
		 * skipped on a resend pass; IN_FLIGHT ones are still pending. */
		if (st == CH_FILLED) {
			issue(wr, s);
			if (wr->mode != WM_RUN)
				return;
		}
		wr->issue_seq++;
	}
}

/* Put a chunk back in the queue: it goes out again, in order, when the writer runs. */
static void requeue(struct writer *wr, struct slot *s)
{
	struct wsec *w = wr->w;
	pthread_mutex_lock(&w->mu);
	s->state = CH_FILLED;
	pthread_mutex_unlock(&w->mu);
	if (s->seq < wr->issue_seq)
		wr->issue_seq = s->seq;
}

/* Free the acknowledged prefix so the reader can refill it.  A waiting reader is
 * woken once a quarter of the ring is free, to fill it in one go, not at every chunk:
 * the other three quarters are still filled, so the writer does not run dry, and a
 * ring whose chunks are all acknowledged is all free. */
static void advance_acks(struct writer *wr)
{
	struct wsec *w = wr->w;
	bool freed = false;
	const uint32_t batch = (w->ring_n + 3) / 4;

	pthread_mutex_lock(&w->mu);
	while (wr->ack_base < w->published && slot_of(w, wr->ack_base)->state == CH_ACKED) {
		slot_of(w, wr->ack_base)->state = CH_FREE;
		slot_of(w, wr->ack_base)->maybe_recorded = false;
		wr->ack_base++;
		freed = true;
	}
	if (freed && w->reader_waiting && w->ring_n - (w->published - wr->ack_base) >= batch)
		pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Back-off sleep for "drive buffer full" (~ buffer / EndingSectorsPerSecond).
 * With a hint: one chunk's worth of drive time, 5 ms..1 s; without: 10 ms doubling to
 * 500 ms. */
static int64_t next_backoff_ms(struct writer *wr)
{
	struct wsec *w = wr->w;
	int32_t sps = w->end_sps != -1 ? w->end_sps : w->start_sps;

	if (sps != -1) {
		int64_t ms = (int64_t)w->chunk_blocks * 1000 / sps;
		return ms < 5 ? 5 : ms > 1000 ? 1000 : ms;
	}
	wr->backoff_ms = wr->backoff_ms ? wr->backoff_ms * 2 : 10;
	if (wr->backoff_ms > 500)
		wr->backoff_ms = 500;
	return wr->backoff_ms;
}

/* True when some chunk before seq is not acknowledged and waiting to be resent: an
 * address error on seq is then a consequence of that chunk, not a failure. */
static bool earlier_pending(struct writer *wr, uint32_t seq)
{
	struct wsec *w = wr->w;
	bool pending = false;

	pthread_mutex_lock(&w->mu);
	for (uint32_t q = wr->ack_base; q < seq; q++) {
		if (slot_of(w, q)->state == CH_FILLED) {
			pending = true;
			break;
		}
	}
	pthread_mutex_unlock(&w->mu);
	return pending;
}

/* The NWA of the track holding a chunk's first block (READ TRACK INFORMATION, LBA
 * address type), or -1 when the drive does not say.  Used to decide what an address
 * error (05/21/02) on a WRITE means when more than one command was in flight or the
 * session dropped: see address_error(). */
static int64_t chunk_track_nwa(struct writer *wr, const struct slot *s)
{
	struct wsec *w = wr->w;
	int32_t lba = w->lba + (int32_t)((int64_t)s->seq * w->chunk_blocks);
	uint8_t buf[48];
	struct mcc_cdb cdb = mcc_cdb_read_track_information(MCC_RTI_LBA, (uint32_t)lba, sizeof(buf));
	struct eng_cmd c = { .cdb = cdb.b, .cdb_len = (uint32_t)cdb.len, .dir = ENG_DIR_IN,
			     .buf = buf, .len = sizeof(buf), .retry = 1 };
	struct mcc_track_info ti;
	if (IMAPI_FAILED(eng_rec_exec(w->rec, &c)) || !mcc_track_info(buf, (int)c.got, &ti) ||
	    !ti.nwa_v)
		return -1;
	return (int32_t)ti.nwa;
}

static void note_lost(struct writer *wr)
{
	struct wsec *w = wr->w;

	if (wr->lost_since < 0) {
		wr->lost_since = now_ms();
		/* libiscsi re-sends its outstanding tasks after the re-login; any of them may
		 * have reached the medium before the drop. */
		int n = 0;
		for (uint32_t i = 0; i < w->ring_n; i++) {
			if (w->slots[i].task) {
				w->slots[i].maybe_recorded = true;
				wr->st.resent++;
				n++;
			}
		}
		char what[64];
		snprintf(what, sizeof(what), "iSCSI session lost, %d WRITE(s) in flight", n);
		tl_event(wr, IMAPI_TIMELINE_EVENT_SESSION_LOST, n, S_OK, NULL, what);
	}
	if (wr->mode == WM_RUN || wr->mode == WM_BACKOFF)
		wr->mode = WM_LOST;
}

static void on_good(struct writer *wr, struct slot *s)
{
	struct wsec *w = wr->w;

	pthread_mutex_lock(&w->mu);
	s->state = CH_ACKED;
	w->used_bytes -= (int64_t)s->blocks * w->bps;
	pthread_mutex_unlock(&w->mu);
	wr->st.bytes_written += (uint64_t)s->blocks * w->bps;
	wr->ua_in_a_row = 0;
	wr->transport_in_a_row = 0;
	wr->addr_in_a_row = 0;
	wr->busy_since = -1;
	wr->backoff_ms = 0;
}

/* Act on one completed WRITE (doc/engine.md §4, "Results of a WRITE"). */
static void complete(struct writer *wr, struct slot *s)
{
	struct wsec *w = wr->w;
	int64_t t = now_ms();
	uint8_t opcode = w->write12 ? MCC_OP_WRITE12 : MCC_OP_WRITE10;

	s->cb_done = false;
	wr->inflight--;
	wr->last_progress = t;
	wr->last_done_ms = t;

	switch (s->cb_status) {
	case SCSI_STATUS_GOOD:
		wr->st.commands++;
		on_good(wr, s);
		return;
	case SCSI_STATUS_CHECK_CONDITION:
		break;
	case SCSI_STATUS_CANCELLED:
	case SCSI_STATUS_ERROR:
		/* The transport gave up on the task: wait for the session (if it is down),
		 * then resend.  Bounded like unit attentions so that a transport failing
		 * every command with the session up cannot loop forever. */
		requeue(wr, s);
		if (wr->mode == WM_DRAIN)
			return;
		s->maybe_recorded = true;
		wr->st.resent++;
		tl_event(wr, IMAPI_TIMELINE_EVENT_RETRY, 1, S_OK, NULL,
			 "WRITE resent: its transport failed");
		if (++wr->transport_in_a_row > ENG_UA_IN_A_ROW_MAX) {
			set_result(wr, eng_rec_transport_hresult(w->rec, s->cb_status), NULL);
			return;
		}
		if (!iscsi_is_logged_in(w->iscsi))
			note_lost(wr);
		return;
	case SCSI_STATUS_TIMEOUT:
		requeue(wr, s);
		if (!iscsi_is_logged_in(w->iscsi) && wr->mode != WM_DRAIN) {
			s->maybe_recorded = true;
			note_lost(wr);
		} else {
			/* Session up but the drive did not answer in time: do not resend a
			 * command that may still be executing. */
			set_result(wr, eng_rec_transport_hresult(w->rec, s->cb_status), NULL);
		}
		return;
	default: /* BUSY, TASK SET FULL, RESERVATION CONFLICT, ... */
		requeue(wr, s);
		set_result(wr, eng_status_hresult(s->cb_status), NULL);
		return;
	}

	/* CHECK CONDITION */
	if (!s->cb_sense.valid) {
		requeue(wr, s);
		set_result(wr, eng_status_hresult(SCSI_STATUS_CHECK_CONDITION), NULL);
		return;
	}
	const struct eng_sense *sn = &s->cb_sense;
	bool addr_error = sn->key == 0x05 && ((sn->asc == 0x21 && sn->ascq == 0x02) ||
					      (sn->asc == 0x2C && sn->ascq == 0x00));

	if (wr->mode == WM_DRAIN) {
		/* Failing or cancelled: nothing more is sent; a late failure is ignored
		 * (the first one is the answer) and the chunk is simply not written. */
		requeue(wr, s);
		return;
	}
	if (addr_error && earlier_pending(wr, s->seq)) {
		/* With queue depth > 1 the drive saw this WRITE before an earlier one that is
		 * being retried: a consequence, resent in order. */
		requeue(wr, s);
		tl_event(wr, IMAPI_TIMELINE_EVENT_RETRY, 2, S_OK, sn,
			 "WRITE resent after an earlier one");
		return;
	}
	if (addr_error && sn->asc == 0x21 && (s->maybe_recorded || w->depth > 1)) {
		/* Where is the drive now?  The earlier chunk may have been resent and
		 * acknowledged before this answer was processed, or the session dropped after
		 * the drive recorded this chunk. */
		int32_t lba = w->lba + (int32_t)((int64_t)s->seq * w->chunk_blocks);
		int64_t nwa = chunk_track_nwa(wr, s);
		if (s->maybe_recorded && nwa >= (int64_t)lba + s->blocks) {
			wr->st.commands++;
			on_good(wr, s); /* "resume": recorded before the session dropped */
			tl_event(wr, IMAPI_TIMELINE_EVENT_RETRY, 3, S_OK, NULL,
				 "WRITE found recorded before the session dropped");
			return;
		}
		if (nwa == lba && ++wr->addr_in_a_row <= ENG_UA_IN_A_ROW_MAX) {
			requeue(wr, s); /* refused only because it came too early: send it again */
			tl_event(wr, IMAPI_TIMELINE_EVENT_RETRY, 2, S_OK, sn,
				 "WRITE resent after an earlier one");
			return;
		}
	}
	switch (eng_sense_action(sn)) {
	case ENG_SENSE_BUSY:
		/* Contract 1: NOT READY "in progress" on a WRITE = drive buffer full. */
		requeue(wr, s);
		wr->st.busy_retries++;
		tl_event(wr, IMAPI_TIMELINE_EVENT_BUSY, 0, S_OK, sn, "drive buffer full, resent");
		if (wr->busy_since < 0)
			wr->busy_since = t;
		if (t - wr->busy_since >= (int64_t)w->opts->busy_deadline_s * 1000) {
			set_result(wr, E_IMAPI_RECORDER_MEDIA_BUSY, sn);
			return;
		}
		if (wr->mode != WM_BACKOFF) {
			wr->mode = WM_BACKOFF;
			wr->backoff_until = t + next_backoff_ms(wr);
		}
		return;
	case ENG_SENSE_UNIT_ATTENTION:
		eng_rec_note_unit_attention(w->rec, sn);
		wr->st.unit_attentions++;
		tl_event(wr, IMAPI_TIMELINE_EVENT_UNIT_ATTENTION, 0, S_OK, sn, "WRITE resent");
		requeue(wr, s);
		if (++wr->ua_in_a_row > ENG_UA_IN_A_ROW_MAX)
			set_result(wr, eng_sense_hresult(sn, opcode), sn);
		return;
	case ENG_SENSE_FAIL:
	default:
		requeue(wr, s);
		if (s->maybe_recorded && addr_error)
			/* Resent after a lost session and the medium does not hold it. */
			set_result(wr, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE, sn);
		else
			set_result(wr, eng_sense_hresult(sn, opcode), sn);
		return;
	}
}

/* Process finished tasks in chunk order (the callbacks only recorded them). */
static void process_completions(struct writer *wr)
{
	struct wsec *w = wr->w;
	uint32_t hi = wr->ack_base + w->ring_n;
	bool any = false;

	for (uint32_t q = wr->ack_base; q < hi && wr->inflight > 0; q++) {
		struct slot *s = slot_of(w, q);
		if (s->cb_done && s->seq == q) {
			complete(wr, s);
			any = true;
		}
	}
	if (!any)
		return;	/* called every loop round: no lock taken when nothing finished */
	advance_acks(wr);
	publish_stats(wr); /* write_engine_get_stats is live during a section */
	if (w->tl) {
		write_engine_event_args a;
		progress_args(wr, &a);
		maybe_poll(wr, &a);
		tl_sample(wr, &a);
	}
}

/* Give up on every task libiscsi still holds (lost session past its deadline, or a
 * stalled drive).  Returns true when all callbacks ran, i.e. the ring may be freed. */
static bool abandon_tasks(struct writer *wr)
{
	struct wsec *w = wr->w;

	iscsi_scsi_cancel_all_tasks(w->iscsi);
	process_completions(wr);
	for (uint32_t i = 0; i < w->ring_n; i++)
		if (w->slots[i].task)
			return false;
	return true;
}

/* SET STREAMING (MMC-5 6.39) with a type 00h performance descriptor
 * built from the speed hints.  A drive without the command or the feature refuses it
 * (05/20/00, 05/24/00): the hints only tune the engine, so that is not a failure. */
static hresult_t send_set_streaming(struct writer *wr)
{
	struct wsec *w = wr->w;
	uint8_t pd[MCC_STREAMING_LEN];
	int32_t sps = w->start_sps > w->end_sps ? w->start_sps : w->end_sps;
	uint64_t kb = (uint64_t)sps * w->bps / 1000; /* kB = 1000 bytes per second */

	if (kb == 0)
		kb = 1;
	if (kb > UINT32_MAX)
		kb = UINT32_MAX;
	mcc_streaming_desc(pd, false, (uint32_t)w->lba, (uint32_t)(w->lba + w->nblocks - 1),
			   (uint32_t)kb, (uint32_t)kb);
	struct mcc_cdb cdb = mcc_cdb_set_streaming(0x00 /* performance descriptor */, sizeof(pd));
	struct eng_cmd c = { .cdb = cdb.b, .cdb_len = (uint32_t)cdb.len, .dir = ENG_DIR_OUT, .buf = pd,
			     .len = sizeof(pd), .retry = 1 };
	hresult_t hr = eng_rec_exec(w->rec, &c);
	if (IMAPI_SUCCEEDED(hr))
		return S_OK;
	if (c.status >= 0 && c.status <= 0xFF) {
		wr->st.set_streaming_refused = 1; /* refused by the drive: carry on */
		return S_OK;
	}
	return hr;           /* transport failure: the WRITEs would fail the same way */
}

static int poll_timeout(struct writer *wr, int64_t now, int64_t next_event, int ev)
{
	struct wsec *w = wr->w;
	int64_t until = next_event;

	if (wr->mode == WM_BACKOFF && wr->inflight == 0 && wr->backoff_until < until)
		until = wr->backoff_until;
	if (wr->inflight > 0) {
		int64_t wd = wr->last_progress +
			((int64_t)w->opts->command_timeout_s + ENG_WATCHDOG_EXTRA_S) * 1000;
		if (wd < until)
			until = wd;
	}
	if (wr->mode == WM_LOST) {
		int64_t dl = wr->lost_since + (int64_t)w->opts->reconnect_deadline_s * 1000;
		if (dl < until)
			until = dl;
	}
	/* libiscsi checks its own timeouts and reconnect timers inside iscsi_service:
	 * call it at least every 100 ms while anything is outstanding. */
	if ((ev == 0 || wr->inflight > 0 || wr->mode == WM_LOST) && now + ENG_IDLE_POLL_MS < until)
		until = now + ENG_IDLE_POLL_MS;
	int64_t d = until - now;
	return d < 0 ? 0 : d > 1000 ? 1000 : (int)d;
}

/* The writer loop: returns the section's HRESULT with the ring quiescent (no task in
 * flight) unless tasks had to be abandoned (*orphans set). */
static hresult_t run_writer(struct wsec *w, bool *orphans)
{
	write_engine *we = w->we;
	struct writer wr = {
		.w = w, .mode = WM_RUN, .result = S_OK, .busy_since = -1, .lost_since = -1,
		.first_write_ms = -1, .last_done_ms = -1, .seg_fd = -1,
	};

	*orphans = false;
	wr.last_fd = iscsi_get_fd(w->iscsi);
	count_segments(&wr);
	publish_stats(&wr);

	eng_tl_section_begin(w->tl, eng_tl_now_us(), w->lba, w->nblocks, w->bps);
	if (w->start_sps != -1 || w->end_sps != -1) {
		hresult_t hr = send_set_streaming(&wr);
		if (IMAPI_FAILED(hr))
			set_result(&wr, hr, NULL);
		int32_t sps = w->start_sps > w->end_sps ? w->start_sps : w->end_sps;
		char what[64];
		snprintf(what, sizeof(what), "SET STREAMING %d sectors/s%s", (int)sps,
			 wr.st.set_streaming_refused ? " refused" : "");
		tl_event(&wr, IMAPI_TIMELINE_EVENT_SPEED, sps,
			 wr.st.set_streaming_refused ? S_FALSE : S_OK, NULL, what);
	}

	/* Contract 2: once before the write starts.  The reader starts after it, so this
	 * event reports LastReadLba = StartLba - 1 and an empty buffer, as promised. */
	fire_update(&wr, false);
	int64_t next_event = now_ms() + ENG_EVENT_PERIOD_MS;
	if (!wr.result_set && !atomic_load(&we->cancel)) {
		if (pthread_create(&w->reader, NULL, reader_main, w) == 0)
			w->reader_started = true;
		else
			set_result(&wr, E_OUTOFMEMORY, NULL);
	}
	if (!w->reader_started) {
		pthread_mutex_lock(&w->mu);
		w->reader_done = true;
		pthread_mutex_unlock(&w->mu);
	}

	for (;;) {
		int64_t now = now_ms();

		if (atomic_load(&we->cancel))
			set_result(&wr, E_IMAPI_REQUEST_CANCELLED, NULL);

		pthread_mutex_lock(&w->mu);
		hresult_t rhr = w->reader_hr;
		bool rdone = w->reader_done;
		bool rshort = w->reader_short;
		uint32_t published = w->published;
		pthread_mutex_unlock(&w->mu);
		if (IMAPI_FAILED(rhr))
			set_result(&wr, rhr, NULL);

		/* Session state: a drop is seen as "not logged in" (or a new fd once libiscsi
		 * has already reconnected). */
		int fd = iscsi_get_fd(w->iscsi);
		bool logged_in = iscsi_is_logged_in(w->iscsi);
		if (!logged_in || fd != wr.last_fd) {
			if (wr.mode != WM_DRAIN)
				note_lost(&wr);
			else if (wr.lost_since < 0)
				wr.lost_since = now;
		}
		wr.last_fd = fd;
		if (wr.lost_since >= 0) {
			if (logged_in) {
				char what[64];
				snprintf(what, sizeof(what), "iSCSI session back after %lld ms",
					 (long long)(now - wr.lost_since));
				tl_event(&wr, IMAPI_TIMELINE_EVENT_RECONNECTED,
					 (int32_t)(now - wr.lost_since), S_OK, NULL, what);
				wr.lost_since = -1;
				if (wr.mode == WM_LOST)
					wr.mode = WM_RUN;
			} else if (now - wr.lost_since >=
				   (int64_t)w->opts->reconnect_deadline_s * 1000) {
				set_result(&wr, eng_rec_transport_hresult(w->rec, SCSI_STATUS_ERROR),
					   NULL);
				if (wr.inflight > 0 && !abandon_tasks(&wr))
					*orphans = true;
				break;
			}
		}

		if (wr.mode == WM_BACKOFF && wr.inflight == 0 && now >= wr.backoff_until)
			wr.mode = WM_RUN;
		issue_ready(&wr);

		/* Done? */
		if (wr.inflight == 0) {
			if (wr.mode == WM_DRAIN)
				break;
			if (rdone && wr.ack_base >= published && wr.mode == WM_RUN) {
				if (rshort)
					set_result(&wr, E_FAIL, NULL); /* doc/engine.md §2: ended early */
				break;
			}
		}

		/* Stall watchdog: never hang on a drive that stopped answering. */
		if (wr.inflight > 0 && wr.mode != WM_LOST &&
		    now - wr.last_progress >=
			    ((int64_t)w->opts->command_timeout_s + ENG_WATCHDOG_EXTRA_S) * 1000) {
			set_result(&wr, E_IMAPI_RECORDER_COMMAND_TIMEOUT, NULL);
			if (!abandon_tasks(&wr))
				*orphans = true;
			break;
		}

		if (now >= next_event) {
			fire_update(&wr, true);
			next_event += ENG_EVENT_PERIOD_MS;
			if (next_event <= now)
				next_event = now + ENG_EVENT_PERIOD_MS;
			continue; /* the handler may have cancelled */
		}

		int ev = iscsi_which_events(w->iscsi);
		struct pollfd pfd[2] = {
			{ .fd = (ev && !wr.service_failed) ? fd : -1, .events = (short)ev },
			{ .fd = w->efd, .events = POLLIN },
		};
		int timeout = poll_timeout(&wr, now, next_event, ev);
		if (wr.service_failed && timeout > ENG_IDLE_POLL_MS)
			timeout = ENG_IDLE_POLL_MS;
		/* After a failed iscsi_service() the fd may be dead and always readable:
		 * leave it out for one round (a 100 ms pause) instead of spinning; libiscsi
		 * needs it back afterwards to complete its reconnect. */
		wr.service_failed = false;
		int n = poll(pfd, 2, timeout);
		if (n < 0 && errno != EINTR) {
			set_result(&wr, E_FAIL, NULL);
			if (wr.inflight > 0 && !abandon_tasks(&wr))
				*orphans = true;
			break;
		}
		if (n > 0 && (pfd[1].revents & POLLIN)) {
			uint64_t v;
			if (read(w->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				set_result(&wr, E_FAIL, NULL);
		}
		if (eng_rec_service(w->rec, n > 0 ? pfd[0].revents : 0) < 0) {
			eng_rec_set_last_error(w->rec, iscsi_get_error(w->iscsi));
			wr.service_failed = true;
			if (wr.mode != WM_DRAIN)
				note_lost(&wr);
			else if (wr.lost_since < 0)
				wr.lost_since = now_ms();
		}
		process_completions(&wr);
	}

	/* Stop and join the reader before the final Update so its figures are final. */
	pthread_mutex_lock(&w->mu);
	w->stop_reader = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->reader_started)
		pthread_join(w->reader, NULL);

	/* Contract 1: CancelWrite accepted (S_OK) means WriteSection ends cancelled, even
	 * when the last block was acknowledged just before the flag was seen. */
	if (!wr.result_set && atomic_load(&we->cancel))
		set_result(&wr, E_IMAPI_REQUEST_CANCELLED, NULL);

	pthread_mutex_lock(&we->mu);
	we->last_sense = wr.fail_sense;
	pthread_mutex_unlock(&we->mu);
	eng_rec_set_last_sense(w->rec, wr.fail_sense.valid ? &wr.fail_sense : NULL);

	fire_update(&wr, false); /* Update: once after it completes (also on failure) */
	publish_stats(&wr);
	if (w->tl) {
		write_engine_event_args a;
		progress_args(&wr, &a);
		eng_tl_section_end(w->tl, eng_tl_now_us(), a.last_written_lba, wr.st.bytes_written);
	}
	if (!wr.result_set && atomic_load(&we->cancel))
		wr.result = E_IMAPI_REQUEST_CANCELLED; /* cancelled from the final Update */
	return wr.result;
}

static void wsec_free(struct wsec *w)
{
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	if (w->efd >= 0)
		close(w->efd);
	free(w->slots);
	free(w->ring);
	free(w);
}

/* WriteSection's checks in the order of doc/engine.md §2, with the engine's properties
 * snapshotted. */
static hresult_t begin_section(write_engine *we, struct wsec *w, int32_t lba, int32_t n)
{
	pthread_mutex_lock(&we->mu);
	if (atomic_load(&we->writing)) {
		pthread_mutex_unlock(&we->mu);
		return E_FAIL;
	}
	if (!we->rec) {
		pthread_mutex_unlock(&we->mu);
		return E_IMAPI_RECORDER_REQUIRED; /* a project decision, doc/engine.md §2 */
	}
	if (we->bytes_per_sector == -1) {
		pthread_mutex_unlock(&we->mu);
		return E_FAIL;
	}
	if (n <= 0) {
		pthread_mutex_unlock(&we->mu);
		return E_INVALIDARG;
	}
	/* Claim the engine now: from here every put_ fails and CancelWrite is accepted. */
	atomic_store(&we->writing, 1);
	atomic_store(&we->cancel, 0);
	w->rec = we->rec;
	disc_recorder_ex_addref(w->rec);
	w->bps = (uint32_t)we->bytes_per_sector;
	w->depth = we->queue_depth;
	w->write12 = we->streaming != IMAPI_VARIANT_FALSE;
	w->start_sps = we->starting_sps;
	w->end_sps = we->ending_sps;
	w->tl = we->tl;
	imapi_timeline_addref(w->tl);
	w->poll_buffer = eng_tl_option(w->tl, IMAPI_TIMELINE_POLL_DRIVE_BUFFER);
	uint32_t sysbuf = (uint32_t)we->sysbuf;
	memset(&we->stats, 0, sizeof(we->stats));
	memset(&we->last_sense, 0, sizeof(we->last_sense));
	pthread_mutex_unlock(&we->mu);

	eng_rec_lock(w->rec); /* held until the section ends (recorder-private.h) */
	uint32_t max = eng_rec_max_transfer(w->rec);
	if (w->bps > max)
		return E_INVALIDARG;
	if ((int64_t)lba + n > INT32_MAX)
		return E_INVALIDARG; /* the address after the section must be representable */

	w->we = we;
	w->lba = lba;
	w->nblocks = n;
	w->iscsi = eng_rec_iscsi(w->rec);
	if (!w->iscsi)
		return IMAPI_E_WIN32_DEV_NOT_EXIST;
	w->lun = eng_rec_lun(w->rec);
	w->opts = eng_rec_options(w->rec);
	/* Contract 1: max(1, floor(max transfer / BytesPerSector)) blocks per WRITE; WRITE(10)
	 * can only say 65535. */
	w->chunk_blocks = max / w->bps ? max / w->bps : 1;
	if (!w->write12 && w->chunk_blocks > 0xFFFF)
		w->chunk_blocks = 0xFFFF;
	w->chunk_bytes = w->chunk_blocks * w->bps;
	w->nchunks = (uint32_t)(((uint64_t)n + w->chunk_blocks - 1) / w->chunk_blocks);
	/* Ring: the system buffer in whole chunks, at least 2 and more than the queue
	 * depth, but never more chunks than the section has. */
	uint64_t ring_n = ((uint64_t)sysbuf + w->chunk_bytes - 1) / w->chunk_bytes;
	if (ring_n < 2)
		ring_n = 2;
	if (ring_n < (uint64_t)w->depth + 1)
		ring_n = (uint64_t)w->depth + 1;
	if (ring_n > w->nchunks)
		ring_n = w->nchunks;
	w->ring_n = (uint32_t)ring_n;
	if (w->depth > (int)w->ring_n)
		w->depth = (int)w->ring_n;
	size_t ring_bytes = (size_t)w->ring_n * w->chunk_bytes;
	if (posix_memalign((void **)&w->ring, RING_ALIGN, ring_bytes) != 0) {
		w->ring = NULL;
		return E_OUTOFMEMORY;
	}
	madvise(w->ring, ring_bytes, MADV_HUGEPAGE);
	/* Touch every page now, before the first WRITE: otherwise the reader faults the
	 * ring in during the burn, one page at a time. */
	memset(w->ring, 0, ring_bytes);
	w->slots = calloc(w->ring_n, sizeof(*w->slots));
	if (!w->slots)
		return E_OUTOFMEMORY;
	for (uint32_t i = 0; i < w->ring_n; i++) {
		w->slots[i].w = w;
		w->slots[i].data = w->ring + (size_t)i * w->chunk_bytes;
	}
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd < 0)
		return E_OUTOFMEMORY;
	pthread_mutex_lock(&we->mu);
	we->wake_fd = w->efd;
	pthread_mutex_unlock(&we->mu);
	return S_OK;
}

static void end_section(write_engine *we, struct wsec *w)
{
	pthread_mutex_lock(&we->mu);
	we->wake_fd = -1;
	atomic_store(&we->writing, 0);
	pthread_mutex_unlock(&we->mu);
	imapi_timeline_release(w->tl);
	w->tl = NULL;
	if (w->rec) {
		eng_rec_unlock(w->rec);
		disc_recorder_ex_release(w->rec);
	}
}

hresult_t write_engine_write_section(write_engine *we, imapi_stream *data,
				     int32_t starting_block_address, int32_t number_of_blocks)
{
	if (!we || !data)
		return E_POINTER;
	struct wsec *w = calloc(1, sizeof(*w));
	if (!w)
		return E_OUTOFMEMORY;
	w->efd = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);

	hresult_t hr = begin_section(we, w, starting_block_address, number_of_blocks);
	if (IMAPI_FAILED(hr)) {
		if (w->rec) /* the engine was claimed */
			end_section(we, w);
		wsec_free(w);
		return hr;
	}

	w->stream = data;
	imapi_stream_addref(data);
	bool orphans = false;
	hr = run_writer(w, &orphans);
	imapi_stream_release(data);
	end_section(we, w);
	/* Tasks that libiscsi still holds point into the ring and at the slots: their
	 * memory must outlive them, so an abandoned section leaks it on purpose
	 * (doc/engine.md "Lost session"). */
	if (!orphans)
		wsec_free(w);
	return hr;
}
