/* tests/integration/enginetest.c - scenarios of libwriteengine against a real target,
 * driven by tests/integration/engine-lib.sh.  Only the public API (writeengine.h).
 *
 *   enginetest SCENARIO ARGS...       (enginetest --help lists them)
 *
 * Every scenario prints what it observed as "key=value" lines on stdout (the script
 * checks the disc image against them) and checks what only the program can see (the
 * HRESULT, the sense, every progress event).  Exit 0 when the scenario held, 1 with
 * one "enginetest: SCENARIO: why" line on stderr when it did not, 2 on a usage error.
 *
 * Data: files given on the command line, or a pattern that `enginetest dump` writes
 * identically to a file: every block starts with its LBA (8 bytes, big-endian,
 * two's complement) followed by xorshift bytes seeded from the LBA, so a block found
 * at the wrong address or a duplicated/missing block always shows.  Streams can be
 * paced (bytes per second) to make a write last long enough to be cancelled, watched
 * or interrupted; the pace is the only sleeping, no sleep waits for readiness. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "writeengine.h"

static const char *scenario = "enginetest";

/* One line on stderr naming the scenario; returns 1 (the exit status of a failure). */
static int failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int failf(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "enginetest: %s: ", scenario);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static const char *hr_name(hresult_t hr)
{
	const char *n = imapi_hresult_name(hr);
	return n ? n : "unknown";
}

/* A failed library call as a failure line: what, name and value. */
static int fail_hr(const char *what, hresult_t hr)
{
	return failf("%s: %s 0x%08" PRIX32 " (%s)", what, hr_name(hr), (uint32_t)hr,
		     imapi_hresult_text(hr));
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* ------------------------------------------------------------------------------------
 * The block pattern and the data sources behind the callback streams.
 */
static void pattern_block(int32_t lba, uint8_t *b, uint32_t bps)
{
	uint64_t v = (uint64_t)(int64_t)lba;
	uint64_t x = v * 0x9e3779b97f4a7c15ull ^ 0x243f6a8885a308d3ull;
	for (uint32_t i = 0; i < bps; i++) {
		if (i < 8) {
			b[i] = (uint8_t)(v >> (56 - 8 * i));
			continue;
		}
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (uint8_t)(x >> 24);
	}
}

/* A stream source: a file (fd >= 0) or the pattern from start_lba; delivered no
 * faster than `rate` bytes per second when rate > 0. */
struct source {
	int fd;
	int32_t start_lba;
	uint32_t bps;
	double rate;
	uint64_t pos;      /* bytes delivered so far */
	double t0;         /* time of the first read (pacing starts there) */
	uint8_t *block;    /* pattern: the block being cut */
	int64_t block_idx; /* its index from start_lba, -1 none */
};

static hresult_t source_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	struct source *s = ctx;
	uint8_t *out = buf;
	uint32_t n = 0;
	if (s->pos == 0 && s->t0 == 0)
		s->t0 = now();
	if (s->fd >= 0) {
		while (n < len) {
			ssize_t r = read(s->fd, out + n, len - n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return E_FAIL;
			if (r == 0)
				break;
			n += (uint32_t)r;
		}
	} else {
		while (n < len) {
			int64_t idx = (int64_t)(s->pos + n) / s->bps;
			uint32_t off = (uint32_t)((s->pos + n) % s->bps);
			if (idx != s->block_idx) {
				pattern_block((int32_t)(s->start_lba + idx), s->block, s->bps);
				s->block_idx = idx;
			}
			uint32_t take = s->bps - off < len - n ? s->bps - off : len - n;
			memcpy(out + n, s->block + off, take);
			n += take;
		}
	}
	/* Atomic: the canceller thread of `cancel ... thread` watches it. */
	__atomic_store_n(&s->pos, s->pos + n, __ATOMIC_RELEASE);
	/* Pacing: this read may not complete before pos/rate seconds have passed. */
	if (s->rate > 0)
		sleep_s(s->t0 + (double)s->pos / s->rate - now());
	*got = n;
	return S_OK;
}

/* A paced callback stream over the pattern (path NULL) or a file. */
static int open_source(struct source *s, const char *path, int32_t start_lba, uint32_t bps,
		       double rate, imapi_stream **out)
{
	*s = (struct source){ .fd = -1, .start_lba = start_lba, .bps = bps, .rate = rate,
			      .block_idx = -1 };
	if (path) {
		s->fd = open(path, O_RDONLY);
		if (s->fd < 0)
			return failf("%s: %s", path, strerror(errno));
	} else {
		s->block = malloc(bps);
		if (!s->block)
			return failf("out of memory");
	}
	static const imapi_stream_ops ops = { .read = source_read };
	hresult_t hr = imapi_stream_from_ops(&ops, s, out);
	return IMAPI_FAILED(hr) ? fail_hr("imapi_stream_from_ops", hr) : 0;
}

static void close_source(struct source *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->block);
}

/* ------------------------------------------------------------------------------------
 * Progress events: every Update is recorded with its time, and may cancel the write or
 * announce progress through a file (for the script that interrupts the drive).
 */
struct event {
	write_engine_event_args a;
	double t;
	int in_progress; /* write_engine_get_write_in_progress from inside Update */
};

struct watch {
	struct event *ev;
	size_t nev, cap;
	bool oom;
	int32_t cancel_at;    /* CancelWrite from Update once last_written >= this */
	hresult_t cancel_hr;  /* what that CancelWrite returned (S_FALSE: not called) */
	const char *ready_file; /* created once last_written >= ready_at */
	int32_t ready_at;
	double t_ready;       /* when it was created, 0 before */
};

static void on_update(write_engine *we, const write_engine_event_args *p, void *user)
{
	struct watch *w = user;
	if (w->nev == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		struct event *ev = realloc(w->ev, cap * sizeof(*ev));
		if (!ev) {
			w->oom = true;
			return;
		}
		w->ev = ev;
		w->cap = cap;
	}
	struct event *e = &w->ev[w->nev++];
	e->a = *p;
	e->t = now();
	e->in_progress = 0;
	write_engine_get_write_in_progress(we, &e->in_progress);

	if (w->cancel_hr == S_FALSE && p->last_written_lba >= w->cancel_at)
		w->cancel_hr = write_engine_cancel_write(we);
	if (w->ready_file && !w->t_ready && p->last_written_lba >= w->ready_at) {
		/* Created under another name and renamed, so that it appears complete. */
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.tmp", w->ready_file);
		FILE *f = fopen(tmp, "w");
		if (f) {
			fprintf(f, "%" PRId32 "\n", p->last_written_lba);
			if (fclose(f) == 0 && rename(tmp, w->ready_file) == 0)
				w->t_ready = now();
		}
		if (!w->t_ready) /* the script waits for the file: say why it never comes */
			fprintf(stderr, "enginetest: %s: %s\n", w->ready_file, strerror(errno));
	}
}

/* The invariants of every event sequence (doc/engine.md §8, Update events, and its
 * project decisions), for a section of `count` blocks from `start` that ended with `acked`
 * blocks acknowledged.  Also prints the sequence's facts. */
static int check_events(const struct watch *w, int32_t start, int32_t count, int64_t acked,
			uint32_t engine_events)
{
	if (w->oom)
		return failf("out of memory recording events");
	printf("events=%zu\n", w->nev);
	if (w->nev < 2)
		return failf("%zu progress events; at least one before and one after", w->nev);
	if (engine_events != w->nev)
		return failf("stats.events %" PRIu32 " but Update was called %zu times",
			     engine_events, w->nev);
	const write_engine_event_args *first = &w->ev[0].a, *last = &w->ev[w->nev - 1].a;
	printf("first_last_written_lba=%" PRId32 "\nfirst_last_read_lba=%" PRId32 "\n",
	       first->last_written_lba, first->last_read_lba);
	printf("final_last_written_lba=%" PRId32 "\ntotal_system_buffer=%" PRId32 "\n",
	       last->last_written_lba, first->total_system_buffer);
	int32_t end = start + count - 1;
	for (size_t i = 0; i < w->nev; i++) {
		const write_engine_event_args *a = &w->ev[i].a;
		const write_engine_event_args *prev = i ? &w->ev[i - 1].a : NULL;
		const char *bad = NULL;
		if (a->start_lba != start || a->sector_count != count)
			bad = "StartLba/SectorCount differ from WriteSection's arguments";
		else if (a->last_written_lba > a->last_read_lba)
			bad = "LastWrittenLba > LastReadLba (written before read)";
		else if (a->last_read_lba > end)
			bad = "LastReadLba beyond the section";
		else if (a->last_written_lba < start - 1)
			bad = "LastWrittenLba before StartLba - 1";
		else if (a->total_system_buffer <= 0 ||
			 a->used_system_buffer < 0 || a->free_system_buffer < 0 ||
			 (int64_t)a->used_system_buffer + a->free_system_buffer !=
				 a->total_system_buffer)
			bad = "UsedSystemBuffer + FreeSystemBuffer != TotalSystemBuffer";
		else if (a->total_system_buffer != first->total_system_buffer)
			bad = "TotalSystemBuffer changed during the section";
		else if (prev && a->last_written_lba < prev->last_written_lba)
			bad = "LastWrittenLba went backwards";
		else if (prev && a->last_read_lba < prev->last_read_lba)
			bad = "LastReadLba went backwards (the stream is sequential)";
		else if (!w->ev[i].in_progress)
			bad = "WriteInProgress FALSE inside Update";
		if (bad)
			return failf("event %zu of %zu: %s (start %" PRId32 " count %" PRId32
				     " read %" PRId32 " written %" PRId32 " total %" PRId32
				     " used %" PRId32 " free %" PRId32 ")", i, w->nev, bad,
				     a->start_lba, a->sector_count, a->last_read_lba,
				     a->last_written_lba, a->total_system_buffer,
				     a->used_system_buffer, a->free_system_buffer);
	}
	if (first->last_written_lba != start - 1)
		return failf("first event: LastWrittenLba %" PRId32 ", want StartLba - 1 = %" PRId32
			     " (it must come before any WRITE)", first->last_written_lba, start - 1);
	/* The last event comes after the section ended (also on failure and cancel), so it
	 * shows exactly the blocks the drive acknowledged. */
	if ((int64_t)last->last_written_lba != start + acked - 1)
		return failf("last event: LastWrittenLba %" PRId32 ", but %" PRId64
			     " blocks were acknowledged from %" PRId32 " (want %" PRId64 ")",
			     last->last_written_lba, acked, start, start + acked - 1);
	return 0;
}

/* ------------------------------------------------------------------------------------
 * The rig: a recorder, an engine on it, the watch connected.
 */
struct rig {
	disc_recorder_ex *rec;
	write_engine *we;
	struct watch w;
};

static int rig_open(struct rig *g, const char *url, const disc_recorder_ex_options *opts)
{
	*g = (struct rig){ .w = { .cancel_at = INT32_MAX, .cancel_hr = S_FALSE } };
	disc_recorder_ex_options none = { 0 };
	hresult_t hr = disc_recorder_ex_open_iscsi_opts(url, opts ? opts : &none, &g->rec);
	if (IMAPI_FAILED(hr))
		return fail_hr("disc_recorder_ex_open_iscsi_opts", hr);
	if (IMAPI_FAILED(hr = write_engine_create(&g->we)))
		return fail_hr("write_engine_create", hr);
	if (IMAPI_FAILED(hr = write_engine_put_recorder(g->we, g->rec)))
		return fail_hr("write_engine_put_recorder", hr);
	if (IMAPI_FAILED(hr = write_engine_advise(g->we, on_update, &g->w)))
		return fail_hr("write_engine_advise", hr);
	return 0;
}

static void rig_close(struct rig *g)
{
	if (g->we)
		write_engine_release(g->we);
	if (g->rec)
		disc_recorder_ex_release(g->rec);
	free(g->w.ev);
}

static int rig_setup(struct rig *g, int32_t bps, int32_t queue_depth)
{
	hresult_t hr = write_engine_put_bytes_per_sector(g->we, bps);
	if (IMAPI_FAILED(hr))
		return fail_hr("write_engine_put_bytes_per_sector", hr);
	if (IMAPI_FAILED(hr = write_engine_put_queue_depth(g->we, queue_depth)))
		return fail_hr("write_engine_put_queue_depth", hr);
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The NWA of the last track of the last session (the invisible or incomplete one):
 * READ DISC INFORMATION byte 6/11 names it, READ TRACK INFORMATION bytes 12-15 hold
 * the NWA when byte 7 bit 0 (NWA_V) is set; -1 when it is not. */
static int get_nwa(disc_recorder_ex *rec, int32_t *nwa)
{
	uint8_t *d = NULL;
	uint32_t n = 0;
	hresult_t hr = disc_recorder_ex_get_disc_information(rec, &d, &n);
	if (IMAPI_FAILED(hr))
		return fail_hr("GetDiscInformation", hr);
	if (n < 12) {
		imapi_free(d);
		return failf("GetDiscInformation: %" PRIu32 " bytes", n);
	}
	uint32_t track = (uint32_t)d[11] << 8 | d[6];
	imapi_free(d);
	hr = disc_recorder_ex_get_track_information(rec, track,
			IMAPI_READ_TRACK_ADDRESS_TYPE_TRACK, &d, &n);
	if (IMAPI_FAILED(hr))
		return fail_hr("GetTrackInformation", hr);
	if (n < 16) {
		imapi_free(d);
		return failf("GetTrackInformation: %" PRIu32 " bytes", n);
	}
	*nwa = (d[7] & 0x01) ? (int32_t)be32(d + 12) : -1;
	imapi_free(d);
	return 0;
}

/* Page 05h (write parameters): write type (byte 2 b3-0), track mode (byte 3 b3-0),
 * data block type (byte 4 b3-0); everything else as the drive has it. */
static int set_write_params(disc_recorder_ex *rec, uint8_t write_type, uint8_t track_mode,
			    uint8_t dbt)
{
	uint8_t *p = NULL;
	uint32_t n = 0;
	hresult_t hr = disc_recorder_ex_get_mode_page(rec, IMAPI_MODE_PAGE_TYPE_WRITE_PARAMETERS,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &p, &n);
	if (IMAPI_FAILED(hr))
		return fail_hr("GetModePage(05h)", hr);
	if (n < 5 || (p[0] & 0x3f) != 0x05) {
		imapi_free(p);
		return failf("GetModePage(05h): %" PRIu32 " bytes, page code %02x", n,
			     n ? p[0] : 0);
	}
	p[0] &= 0x3f; /* PS is reserved in MODE SELECT */
	p[2] = (uint8_t)((p[2] & 0xf0) | write_type);
	p[3] = (uint8_t)((p[3] & 0xf0) | track_mode);
	p[4] = (uint8_t)((p[4] & 0xf0) | dbt);
	hr = disc_recorder_ex_set_mode_page(rec, IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, p, n);
	imapi_free(p);
	if (IMAPI_FAILED(hr))
		return fail_hr("SetModePage(05h)", hr);
	return 0;
}

/* The section's outcome as facts: HRESULT, sense, statistics. */
static void print_outcome(write_engine *we, hresult_t hr, int32_t bps,
			  const write_engine_stats *st)
{
	uint8_t sense[IMAPI_SENSE_LEN];
	char text[160] = "none";
	if (write_engine_get_last_sense(we, sense) == S_OK)
		imapi_sense_describe(sense, sizeof(sense), text, sizeof(text));
	printf("hresult=%s\nhresult_value=0x%08" PRIX32 "\nsense=%s\n", hr_name(hr),
	       (uint32_t)hr, text);
	printf("acked_blocks=%" PRIu64 "\ncommands=%" PRIu32 "\nresent=%" PRIu32
	       "\nbusy_retries=%" PRIu32 "\nseconds=%.3f\n", st->bytes_written / (uint32_t)bps,
	       st->commands, st->resent, st->busy_retries, st->seconds);
}

/* Runs one WriteSection and checks its events; *hr_out gets its HRESULT, *acked the
 * blocks acknowledged. */
static int run_section(struct rig *g, imapi_stream *s, int32_t start, int32_t count,
		       int32_t bps, hresult_t *hr_out, int64_t *acked)
{
	printf("start_lba=%" PRId32 "\nsector_count=%" PRId32 "\nbytes_per_sector=%" PRId32 "\n",
	       start, count, bps);
	fflush(stdout); /* the script may act on the output while we write */
	*hr_out = write_engine_write_section(g->we, s, start, count);
	write_engine_stats st;
	hresult_t hr = write_engine_get_stats(g->we, &st);
	if (IMAPI_FAILED(hr))
		return fail_hr("write_engine_get_stats", hr);
	print_outcome(g->we, *hr_out, bps, &st);
	if (st.bytes_written % (uint32_t)bps)
		return failf("stats.bytes_written %" PRIu64 " is not whole blocks of %" PRId32,
			     st.bytes_written, bps);
	*acked = (int64_t)(st.bytes_written / (uint32_t)bps);
	if (*hr_out == S_OK && *acked != count)
		return failf("S_OK but %" PRId64 " of %" PRId32 " blocks acknowledged", *acked,
			     count);
	return check_events(&g->w, start, count, *acked, st.events);
}

static int expect_hr(hresult_t got, hresult_t want, const char *what)
{
	if (got == want)
		return 0;
	return failf("%s: %s 0x%08" PRIX32 ", want %s 0x%08" PRIX32, what, hr_name(got),
		     (uint32_t)got, hr_name(want), (uint32_t)want);
}

/* ------------------------------------------------------------------------------------
 * Scenarios.
 */

/* Block formats for `sizes`: page 05h settings (if any) and where the write starts. */
static const struct format {
	const char *name;
	bool set_page;
	uint8_t write_type, track_mode, dbt;
	int32_t bps;
	bool at_leadin; /* RAW writes the session from its lead-in, else the NWA */
} formats[] = {
	/* CD-R Track-at-Once audio: DBT 0, raw 2352-byte audio blocks. */
	{ "cd-tao-audio", true, 1, 0, 0, 2352, false },
	/* DVD+R: page 05h does not apply (the drive ignores it); 2048-byte blocks. */
	{ "dvd", false, 0, 0, 0, 2048, false },
	/* CD-R RAW: DBT 3, 2352 bytes + 96 bytes of raw P-W sub-channel. */
	{ "cd-raw", true, 3, 4, 3, 2448, true },
};

/* doc/simdrive-recorder.md §8: a blank CD's lead-in starts at 97:26:65 = LBA -11635;
 * RAW must begin there. */
#define BLANK_CD_LEADIN (-11635)

/* sizes URL FORMAT FILE BLOCKS: the first BLOCKS blocks of FILE in FORMAT. */
static int sc_sizes(char **arg)
{
	const struct format *f = NULL;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(arg[1], formats[i].name))
			f = &formats[i];
	long blocks;
	if (!f || !parse_long(arg[3], 1, 1000000, &blocks))
		return failf("FORMAT must be cd-tao-audio, dvd or cd-raw; BLOCKS 1..1000000");
	struct rig g;
	struct source src = { .fd = -1 };
	imapi_stream *s = NULL;
	int rc = rig_open(&g, arg[0], NULL);
	int32_t start = BLANK_CD_LEADIN;
	if (!rc && f->set_page)
		rc = set_write_params(g.rec, f->write_type, f->track_mode, f->dbt);
	if (!rc && !f->at_leadin && !(rc = get_nwa(g.rec, &start)) && start < 0)
		rc = failf("the disc has no next writable address");
	if (!rc)
		rc = rig_setup(&g, f->bps, 1);
	if (!rc)
		rc = open_source(&src, arg[2], start, (uint32_t)f->bps, 0, &s);
	hresult_t hr;
	int64_t acked;
	if (!rc)
		rc = run_section(&g, s, start, (int32_t)blocks, f->bps, &hr, &acked);
	if (!rc)
		rc = expect_hr(hr, S_OK, "WriteSection");
	if (s)
		imapi_stream_release(s);
	close_source(&src);
	rig_close(&g);
	return rc;
}

/* mismatch URL: a CD-R set to TAO audio (2352-byte blocks) written with BytesPerSector
 * 2048: the drive refuses the first WRITE (05/24/00: transfer length does not match),
 * the engine reports it and nothing is recorded. */
static int sc_mismatch(char **arg)
{
	enum { BLOCKS = 64 };
	static uint8_t zeros[BLOCKS * 2048];
	struct rig g;
	imapi_stream *s = NULL;
	int32_t before = -1, after = -1;
	hresult_t hr = S_OK;
	int64_t acked = 0;
	int rc = rig_open(&g, arg[0], NULL);
	if (!rc)
		rc = set_write_params(g.rec, 1, 0, 0);
	if (!rc)
		rc = get_nwa(g.rec, &before);
	if (!rc)
		rc = rig_setup(&g, 2048, 1);
	if (!rc && IMAPI_FAILED(hr = imapi_stream_from_memory(zeros, sizeof(zeros), 0, &s)))
		rc = fail_hr("imapi_stream_from_memory", hr);
	if (!rc)
		rc = run_section(&g, s, before, BLOCKS, 2048, &hr, &acked);
	if (!rc)
		rc = get_nwa(g.rec, &after);
	if (!rc) {
		printf("nwa_before=%" PRId32 "\nnwa_after=%" PRId32 "\n", before, after);
		rc = expect_hr(hr, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE, "WriteSection");
	}
	uint8_t sense[IMAPI_SENSE_LEN];
	if (!rc && write_engine_get_last_sense(g.we, sense) != S_OK)
		rc = failf("write_engine_get_last_sense: no sense after a CHECK CONDITION");
	if (!rc && ((sense[2] & 0x0f) != 0x05 || sense[12] != 0x24 || sense[13] != 0x00))
		rc = failf("sense %x/%02x/%02x, want 5/24/00", sense[2] & 0x0f, sense[12],
			   sense[13]);
	if (!rc && (acked != 0 || after != before))
		rc = failf("something was recorded: %" PRId64 " blocks acknowledged, NWA %" PRId32
			   " -> %" PRId32, acked, before, after);
	if (s)
		imapi_stream_release(s);
	rig_close(&g);
	return rc;
}

/* The other thread of `cancel ... thread`: waits until the stream has delivered
 * `threshold` blocks, then cancels - at a moment that has nothing to do with the
 * Update timer.  (write_engine_get_stats would do, but the engine refreshes it only
 * at each Update.) */
struct canceller {
	write_engine *we;
	const struct source *src;
	uint64_t threshold_bytes;
	int section_over; /* set (atomically) when WriteSection returned: give up */
	hresult_t hr;
};

static void *cancel_thread(void *p)
{
	struct canceller *c = p;
	c->hr = S_FALSE;
	while (__atomic_load_n(&c->src->pos, __ATOMIC_ACQUIRE) < c->threshold_bytes) {
		if (__atomic_load_n(&c->section_over, __ATOMIC_ACQUIRE))
			return NULL;
		sleep_s(0.001);
	}
	/* S_IMAPI_WRITE_NOT_IN_PROGRESS can only mean "not begun yet" here: the write is
	 * far from its end.  Microsoft: repeat until another success code. */
	for (int i = 0; i < 1000; i++) {
		c->hr = write_engine_cancel_write(c->we);
		if (c->hr != S_IMAPI_WRITE_NOT_IN_PROGRESS)
			break;
		sleep_s(0.001);
	}
	return NULL;
}

/* cancel URL BLOCKS THRESHOLD update|thread: a pattern write of BLOCKS 2048-byte
 * blocks at the NWA of a DVD+R, paced to 64 MB/s, four WRITEs in flight, cancelled
 * from Update at the first event with THRESHOLD blocks acknowledged, or from another
 * thread once the stream has delivered THRESHOLD blocks.  The engine may not have
 * read more than its system buffer beyond what was acknowledged, hence the bound
 * checked for the thread. */
static int sc_cancel(char **arg)
{
	long blocks, threshold;
	bool from_thread = !strcmp(arg[3], "thread");
	if (!parse_long(arg[1], 1, INT32_MAX, &blocks) ||
	    !parse_long(arg[2], 1, blocks - 1, &threshold) ||
	    (!from_thread && strcmp(arg[3], "update")))
		return failf("BLOCKS >= 2, 1 <= THRESHOLD < BLOCKS, update or thread");
	struct rig g;
	struct source src = { .fd = -1 };
	imapi_stream *s = NULL;
	int32_t start = -1;
	hresult_t hr = S_OK;
	int64_t acked = 0;
	pthread_t tid;
	bool started = false;
	struct canceller c = { .threshold_bytes = (uint64_t)threshold * 2048, .hr = S_FALSE };
	int rc = rig_open(&g, arg[0], NULL);
	if (!rc)
		rc = get_nwa(g.rec, &start);
	if (!rc)
		rc = rig_setup(&g, 2048, 4);
	if (!rc)
		rc = open_source(&src, NULL, start, 2048, 64e6, &s);
	if (!rc && !from_thread)
		g.w.cancel_at = start + (int32_t)threshold - 1;
	if (!rc && from_thread) {
		c.we = g.we;
		c.src = &src;
		if (pthread_create(&tid, NULL, cancel_thread, &c) != 0)
			rc = failf("pthread_create failed");
		started = !rc;
	}
	if (!rc)
		rc = run_section(&g, s, start, (int32_t)blocks, 2048, &hr, &acked);
	if (started) {
		__atomic_store_n(&c.section_over, 1, __ATOMIC_RELEASE);
		pthread_join(tid, NULL);
	}
	hresult_t cancel_hr = from_thread ? c.hr : g.w.cancel_hr;
	if (!rc) {
		printf("cancel_hr=%s\n", hr_name(cancel_hr));
		rc = expect_hr(hr, E_IMAPI_REQUEST_CANCELLED, "WriteSection");
	}
	if (!rc)
		rc = expect_hr(cancel_hr, S_OK, "CancelWrite");
	/* At least: the threshold (Update), the threshold less the system buffer (thread). */
	int64_t least = threshold;
	if (!rc && from_thread)
		least -= g.w.ev[0].a.total_system_buffer / 2048;
	if (!rc && (acked < least || acked >= blocks))
		rc = failf("%" PRId64 " blocks acknowledged: want at least %" PRId64
			   " and fewer than the %ld asked for", acked, least, blocks);
	if (s)
		imapi_stream_release(s);
	close_source(&src);
	rig_close(&g);
	return rc;
}

/* events URL: 3072 pattern blocks (6 MiB) at the NWA of a DVD+R, the stream paced to
 * 2.5 MB/s (about 2.5 s): besides the invariants checked for every section, at least
 * 4 events, and the periodic ones about 0.5 s apart. */
static int sc_events(char **arg)
{
	enum { BLOCKS = 3072 };
	struct rig g;
	struct source src = { .fd = -1 };
	imapi_stream *s = NULL;
	int32_t start = -1;
	hresult_t hr = S_OK;
	int64_t acked = 0;
	int rc = rig_open(&g, arg[0], NULL);
	if (!rc)
		rc = get_nwa(g.rec, &start);
	if (!rc)
		rc = rig_setup(&g, 2048, 1);
	if (!rc)
		rc = open_source(&src, NULL, start, 2048, 2.5e6, &s);
	if (!rc)
		rc = run_section(&g, s, start, BLOCKS, 2048, &hr, &acked);
	if (!rc)
		rc = expect_hr(hr, S_OK, "WriteSection");
	if (!rc && g.w.nev < 4)
		rc = failf("%zu events for a write of %.1f s; want at least 4", g.w.nev,
			   g.w.ev[g.w.nev - 1].t - g.w.ev[0].t);
	if (!rc) {
		/* The periodic events are those between the first and the last; their
		 * spacing is the timer's.  Loose bound: this is no timing benchmark. */
		double lo = 1e9, hi = 0;
		for (size_t i = 2; i + 1 < g.w.nev; i++) {
			double d = g.w.ev[i].t - g.w.ev[i - 1].t;
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		printf("spacing_min=%.3f\nspacing_max=%.3f\n", lo, hi);
		if (lo < 0.3)
			rc = failf("periodic events %.3f s apart; the period is 0.5 s", lo);
	}
	if (s)
		imapi_stream_release(s);
	close_source(&src);
	rig_close(&g);
	return rc;
}

/* reconnect variants: how the recorder is opened, how fast the file is streamed,
 * and what the write must end with while the script interrupts the drive. */
static const struct reconnect_variant {
	const char *name;
	int reconnect_deadline_s, command_timeout_s;
	double rate;        /* bytes per second */
	bool expect_ok;
} reconnect_variants[] = {
	/* SIGKILL, no restart: the write must give up within the deadlines. */
	{ "lost", 3, 5, 1e6, false },
	/* SIGTERM and a restart on the same port: libiscsi reconnects, the write ends. */
	{ "resume", 20, 20, 4e6, true },
};

/* reconnect URL FILE READYFILE VARIANT: FILE (whole 2048-byte blocks) at the NWA of a
 * DVD+R; READYFILE is created at the first event with >= 1024 blocks acknowledged. */
static int sc_reconnect(char **arg)
{
	const struct reconnect_variant *v = NULL;
	for (size_t i = 0; i < sizeof(reconnect_variants) / sizeof(reconnect_variants[0]); i++)
		if (!strcmp(arg[3], reconnect_variants[i].name))
			v = &reconnect_variants[i];
	if (!v)
		return failf("VARIANT must be lost or resume");
	int fd = open(arg[1], O_RDONLY);
	off_t size = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;
	if (fd >= 0)
		close(fd);
	if (size <= 0 || size % 2048 || size / 2048 <= 2048)
		return failf("%s: want a file of more than 2048 whole 2048-byte blocks", arg[1]);
	int32_t blocks = (int32_t)(size / 2048);

	disc_recorder_ex_options o = { .reconnect_deadline_s = v->reconnect_deadline_s,
				       .command_timeout_s = v->command_timeout_s };
	struct rig g;
	struct source src = { .fd = -1 };
	imapi_stream *s = NULL;
	int32_t start = -1;
	hresult_t hr = S_OK;
	int64_t acked = 0;
	unlink(arg[2]);
	int rc = rig_open(&g, arg[0], &o);
	if (!rc)
		rc = get_nwa(g.rec, &start);
	if (!rc)
		rc = rig_setup(&g, 2048, 1);
	if (!rc)
		rc = open_source(&src, arg[1], start, 2048, v->rate, &s);
	g.w.ready_file = arg[2];
	g.w.ready_at = start + 1023;
	if (!rc)
		rc = run_section(&g, s, start, blocks, 2048, &hr, &acked);
	double t_end = now();
	if (!rc && !g.w.t_ready)
		rc = failf("the write ended (%s) before %s was created", hr_name(hr), arg[2]);
	if (!rc) {
		double after = t_end - g.w.t_ready;
		printf("seconds_after_ready=%.3f\n", after);
		if (v->expect_ok) {
			rc = expect_hr(hr, S_OK, "WriteSection");
		} else if (hr != IMAPI_E_WIN32_DEV_NOT_EXIST &&
			   hr != E_IMAPI_RECORDER_COMMAND_TIMEOUT) {
			rc = failf("WriteSection: %s 0x%08" PRIX32 ", want "
				   "IMAPI_E_WIN32_DEV_NOT_EXIST or E_IMAPI_RECORDER_COMMAND_TIMEOUT",
				   hr_name(hr), (uint32_t)hr);
		} else if (after > v->reconnect_deadline_s + v->command_timeout_s + 5) {
			/* Both deadlines plus the script's reaction and some slack. */
			rc = failf("the write took %.1f s to give up; deadlines %d s + %d s",
				   after, v->reconnect_deadline_s, v->command_timeout_s);
		}
	}
	if (!rc && !v->expect_ok)
		printf("last_error=%s\n", disc_recorder_ex_get_last_error(g.rec));
	if (s)
		imapi_stream_release(s);
	close_source(&src);
	rig_close(&g);
	return rc;
}

/* dump FILE START BLOCKS BPS: the pattern a paced stream delivers from LBA START. */
static int sc_dump(char **arg)
{
	long start, blocks, bps;
	if (!parse_long(arg[1], INT32_MIN, INT32_MAX, &start) ||
	    !parse_long(arg[2], 0, INT32_MAX, &blocks) || !parse_long(arg[3], 8, 65536, &bps))
		return failf("START, BLOCKS >= 0, BPS 8..65536");
	FILE *f = fopen(arg[0], "wb");
	uint8_t *b = malloc((size_t)bps);
	int rc = 0;
	if (!f || !b)
		rc = failf("%s: %s", arg[0], f ? "out of memory" : strerror(errno));
	for (long i = 0; !rc && i < blocks; i++) {
		pattern_block((int32_t)(start + i), b, (uint32_t)bps);
		if (fwrite(b, 1, (size_t)bps, f) != (size_t)bps)
			rc = failf("%s: %s", arg[0], strerror(errno));
	}
	if (f && fclose(f) != 0 && !rc)
		rc = failf("%s: %s", arg[0], strerror(errno));
	free(b);
	return rc;
}

static const struct scenario {
	const char *name;
	int nargs;
	int (*run)(char **arg);
	const char *usage;
} scenarios[] = {
	{ "sizes", 4, sc_sizes, "URL cd-tao-audio|dvd|cd-raw FILE BLOCKS" },
	{ "mismatch", 1, sc_mismatch, "URL   (a blank CD-R)" },
	{ "cancel", 4, sc_cancel, "URL BLOCKS THRESHOLD update|thread   (a DVD+R)" },
	{ "events", 1, sc_events, "URL   (a DVD+R)" },
	{ "reconnect", 4, sc_reconnect, "URL FILE READYFILE lost|resume   (a DVD+R)" },
	{ "dump", 4, sc_dump, "FILE START BLOCKS BPS" },
};

static int usage(void)
{
	fprintf(stderr, "usage:\n");
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(stderr, "  enginetest %s %s\n", scenarios[i].name, scenarios[i].usage);
	return 2;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; argc >= 2 && i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (strcmp(argv[1], scenarios[i].name) != 0)
			continue;
		if (argc - 2 != scenarios[i].nargs)
			return usage();
		scenario = scenarios[i].name;
		return scenarios[i].run(argv + 2);
	}
	return usage();
}
