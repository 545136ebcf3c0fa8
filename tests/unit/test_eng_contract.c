/* tests/unit/test_eng_contract.c - IWriteEngine2 as doc/engine.md §2 and §8 define
 * it: defaults, ranges, E_POINTER for every NULL, the
 * WriteSection checks in their order, CancelWrite, then real writes through libiscsi to
 * the simdrive daemon (tests/unit/simproc.h): events, properties during a write,
 * cancellation (from the handler and from another thread), short and failing streams,
 * a block size the drive refuses, WRITE(12)+Streaming, queue depth 4 and SET STREAMING.
 * Every write is checked against the drive: READ(10) read-back and the track's NWA. */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "simproc.h"
#include "unit.h"
#include "writeengine.h"

#define BS 2048

/* ---- helpers ---------------------------------------------------------------------- */

static uint8_t pat(uint64_t off, unsigned seed)
{
	return (uint8_t)(off * 131 + (off >> 11) * 7 + seed);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* A pattern stream: `total` bytes of pat(offset, seed); optional delay per read call
 * (keeps a write running), optional failure once `fail_at` bytes were served. */
struct pstream {
	uint64_t total, pos, fail_at;
	unsigned seed;
	int delay_ms;
	hresult_t fail_hr;
};

static hresult_t ps_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	struct pstream *p = ctx;
	if (p->delay_ms)
		sleep_ms(p->delay_ms);
	if (p->fail_at && p->pos >= p->fail_at) {
		*got = 0;
		return p->fail_hr;
	}
	uint64_t n = p->total - p->pos;
	if (n > len)
		n = len;
	if (p->fail_at && p->pos + n > p->fail_at)
		n = p->fail_at - p->pos;
	for (uint64_t i = 0; i < n; i++)
		((uint8_t *)buf)[i] = pat(p->pos + i, p->seed);
	p->pos += n;
	*got = (uint32_t)n;
	return S_OK;
}

static imapi_stream *pstream_new(struct pstream *p)
{
	static const imapi_stream_ops ops = { .read = ps_read };
	imapi_stream *s = NULL;
	if (imapi_stream_from_ops(&ops, p, &s) != S_OK)
		return NULL;
	return s;
}

struct drive {
	struct simproc sp;
	disc_recorder_ex *rec;
	int up;
};

/* simdrive with one recorder LUN of the given medium, on a fresh image, with an
 * optional injected fault (simdrive --fault, doc/simdrive-faults.md) and recorder
 * options. */
static int drive_start_with(struct drive *d, const char *name, const char *media,
			    const char *fault, const disc_recorder_ex_options *opts)
{
	char img[512], spec[700], file[128];
	snprintf(file, sizeof(file), "%s.disclog", name);
	simproc_path(img, sizeof(img), file);
	unlink(img);
	snprintf(spec, sizeof(spec), "lun=0,media=%s,image=%s", media, img);
	const char *flags[] = { "--drive", spec, fault ? "--fault" : NULL, fault, NULL };
	memset(d, 0, sizeof(*d));
	if (simproc_start(&d->sp, name, flags) != 0)
		return -1;
	d->up = 1;
	if (disc_recorder_ex_open_iscsi_opts(d->sp.url, opts, &d->rec) != S_OK) {
		fprintf(stderr, "cannot open %s\n", d->sp.url);
		return -1;
	}
	return 0;
}

static int drive_start(struct drive *d, const char *name, const char *media)
{
	return drive_start_with(d, name, media, NULL, NULL);
}

static void drive_stop(struct drive *d)
{
	if (d->rec)
		disc_recorder_ex_release(d->rec);
	if (d->up)
		CU_ASSERT_EQUAL(simproc_stop(&d->sp), 0);
	d->rec = NULL;
	d->up = 0;
}

/* NWA of the track holding `lba` (READ TRACK INFORMATION bytes 12..15), -1 on error. */
static int64_t track_nwa(disc_recorder_ex *rec, int32_t lba)
{
	uint8_t *ti = NULL;
	uint32_t n = 0;
	int64_t v = -1;
	if (disc_recorder_ex_get_track_information(rec, (uint32_t)lba,
						   IMAPI_READ_TRACK_ADDRESS_TYPE_LBA, &ti, &n) == S_OK &&
	    n >= 16)
		v = (int32_t)((uint32_t)ti[12] << 24 | (uint32_t)ti[13] << 16 |
			      (uint32_t)ti[14] << 8 | ti[15]);
	imapi_free(ti);
	return v;
}

/* READ(10) the blocks back and compare with the pattern; 1 when all match. */
static int read_back_equals(disc_recorder_ex *rec, int32_t lba, int32_t n, unsigned seed)
{
	uint8_t buf[16 * BS], sense[IMAPI_SENSE_LEN];
	for (int32_t done = 0; done < n;) {
		int32_t k = n - done > 16 ? 16 : n - done;
		uint8_t cdb[10] = { 0x28 };
		uint32_t a = (uint32_t)(lba + done), got = 0;
		cdb[2] = (uint8_t)(a >> 24);
		cdb[3] = (uint8_t)(a >> 16);
		cdb[4] = (uint8_t)(a >> 8);
		cdb[5] = (uint8_t)a;
		cdb[8] = (uint8_t)k;
		hresult_t hr = disc_recorder_ex_send_command_get_data_from_device(rec, cdb, 10,
				sense, 0, buf, (uint32_t)k * BS, &got);
		if (hr != S_OK || got != (uint32_t)k * BS) {
			fprintf(stderr, "READ(10) at %d: hr %08x got %u sense %x/%02x/%02x\n",
				lba + done, (unsigned)hr, got, sense[2] & 0xF, sense[12], sense[13]);
			return 0;
		}
		for (uint32_t i = 0; i < got; i++)
			if (buf[i] != pat((uint64_t)done * BS + i, seed))
				return 0;
		done += k;
	}
	return 1;
}

/* Update handler bookkeeping: invariants checked on every event. */
struct evlog {
	int n;
	int bad;                 /* invariant violations */
	int32_t start, count;    /* expected StartLba / SectorCount */
	write_engine_event_args first, last;
	int prev_written;
	/* actions */
	int cancel_at;           /* call CancelWrite at this event number (1-based), 0: never */
	hresult_t cancel_hr;
	int probe_setters;       /* every put_ must fail with E_FAIL, values unchanged */
	int setter_failures;     /* put_ calls that did not answer E_FAIL / changed a value */
	int in_progress_seen;    /* WriteInProgress TRUE inside the handler */
	hresult_t nested_hr;     /* WriteSection from inside the handler */
	imapi_stream *nested_stream;
};

static void check_event(struct evlog *e, const write_engine_event_args *a)
{
	if (a->start_lba != e->start || a->sector_count != e->count)
		e->bad++;
	if (a->last_written_lba > a->last_read_lba)
		e->bad++;
	if (a->used_system_buffer < 0 || a->free_system_buffer < 0 ||
	    a->used_system_buffer + a->free_system_buffer != a->total_system_buffer)
		e->bad++;
	if (a->last_read_lba < e->start - 1 || a->last_read_lba > e->start + e->count - 1)
		e->bad++;
	if (e->n > 1 && a->last_written_lba < e->prev_written)
		e->bad++; /* never goes backwards */
	e->prev_written = a->last_written_lba;
}

static void probe_setters(write_engine *we, struct evlog *e)
{
	int32_t bps, s1, s2, qd, sb, v;
	int st;
	disc_recorder_ex *rec = NULL;

	write_engine_get_bytes_per_sector(we, &bps);
	write_engine_get_starting_sectors_per_second(we, &s1);
	write_engine_get_ending_sectors_per_second(we, &s2);
	write_engine_get_queue_depth(we, &qd);
	write_engine_get_system_buffer_size(we, &sb);
	write_engine_get_use_streaming_write12(we, &st);
	write_engine_get_recorder(we, &rec);

	e->setter_failures += write_engine_put_bytes_per_sector(we, 2352) != E_FAIL;
	e->setter_failures += write_engine_put_starting_sectors_per_second(we, 100) != E_FAIL;
	e->setter_failures += write_engine_put_ending_sectors_per_second(we, 100) != E_FAIL;
	e->setter_failures += write_engine_put_use_streaming_write12(we, !st) != E_FAIL;
	e->setter_failures += write_engine_put_queue_depth(we, qd == 1 ? 2 : 1) != E_FAIL;
	e->setter_failures += write_engine_put_system_buffer_size(we, 1 << 20) != E_FAIL;
	e->setter_failures += write_engine_put_recorder(we, NULL) != E_FAIL;

	write_engine_get_bytes_per_sector(we, &v);
	e->setter_failures += v != bps;
	write_engine_get_starting_sectors_per_second(we, &v);
	e->setter_failures += v != s1;
	write_engine_get_ending_sectors_per_second(we, &v);
	e->setter_failures += v != s2;
	write_engine_get_queue_depth(we, &v);
	e->setter_failures += v != qd;
	write_engine_get_system_buffer_size(we, &v);
	e->setter_failures += v != sb;
	int st2;
	write_engine_get_use_streaming_write12(we, &st2);
	e->setter_failures += st2 != st;
	disc_recorder_ex *rec2 = NULL;
	write_engine_get_recorder(we, &rec2);
	e->setter_failures += rec2 != rec || rec == NULL;
	if (rec)
		disc_recorder_ex_release(rec);
	if (rec2)
		disc_recorder_ex_release(rec2);
}

static void on_update(write_engine *we, const write_engine_event_args *a, void *user)
{
	struct evlog *e = user;
	e->n++;
	if (e->n == 1)
		e->first = *a;
	e->last = *a;
	check_event(e, a);
	int wip = 0;
	write_engine_get_write_in_progress(we, &wip);
	e->in_progress_seen += wip == IMAPI_VARIANT_TRUE;
	if (e->probe_setters)
		probe_setters(we, e);
	if (e->nested_stream && e->n == 1)
		e->nested_hr = write_engine_write_section(we, e->nested_stream, 0, 1);
	if (e->cancel_at && e->n == e->cancel_at)
		e->cancel_hr = write_engine_cancel_write(we);
}

/* An engine on rec with 2048-byte sectors and the event log attached. */
static write_engine *engine_on(disc_recorder_ex *rec, struct evlog *e)
{
	write_engine *we = NULL;
	CU_ASSERT_EQUAL_FATAL(write_engine_create(&we), S_OK);
	CU_ASSERT_EQUAL(write_engine_put_recorder(we, rec), S_OK);
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, BS), S_OK);
	if (e)
		CU_ASSERT_EQUAL(write_engine_advise(we, on_update, e), S_OK);
	return we;
}

/* ---- properties without a drive ------------------------------------------------------ */

static void test_defaults(void)
{
	write_engine *we = NULL;
	int32_t v = 0;
	int b = 1;
	disc_recorder_ex *rec = (disc_recorder_ex *)&v;
	uint8_t sense[IMAPI_SENSE_LEN];
	write_engine_stats st;

	CU_ASSERT_EQUAL_FATAL(write_engine_create(&we), S_OK);
	CU_ASSERT_EQUAL(write_engine_get_bytes_per_sector(we, &v), S_OK);
	CU_ASSERT_EQUAL(v, -1); /* seed page: -1 until put_BytesPerSector */
	CU_ASSERT_EQUAL(write_engine_get_starting_sectors_per_second(we, &v), S_OK);
	CU_ASSERT_EQUAL(v, -1);
	CU_ASSERT_EQUAL(write_engine_get_ending_sectors_per_second(we, &v), S_OK);
	CU_ASSERT_EQUAL(v, -1);
	CU_ASSERT_EQUAL(write_engine_get_use_streaming_write12(we, &b), S_OK);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_FALSE);
	b = 1;
	CU_ASSERT_EQUAL(write_engine_get_write_in_progress(we, &b), S_OK);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_FALSE);
	CU_ASSERT_EQUAL(write_engine_get_recorder(we, &rec), S_OK);
	CU_ASSERT_PTR_NULL(rec);
	CU_ASSERT_EQUAL(write_engine_get_queue_depth(we, &v), S_OK);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(write_engine_get_system_buffer_size(we, &v), S_OK);
	CU_ASSERT_EQUAL(v, 8 << 20);
	memset(sense, 0xEE, sizeof(sense));
	CU_ASSERT_EQUAL(write_engine_get_last_sense(we, sense), S_FALSE);
	CU_ASSERT_EQUAL(sense[0], 0);
	CU_ASSERT_EQUAL(sense[17], 0);
	memset(&st, 0xEE, sizeof(st));
	CU_ASSERT_EQUAL(write_engine_get_stats(we, &st), S_OK);
	CU_ASSERT_EQUAL(st.bytes_written, 0);
	CU_ASSERT_EQUAL(st.events, 0);
	CU_ASSERT_EQUAL(st.tcp_segments_out, 0);
	write_engine_release(we);
}

static void test_null_pointers(void)
{
	write_engine *we = NULL;
	int32_t v;
	int b;
	disc_recorder_ex *rec;
	uint8_t sense[IMAPI_SENSE_LEN];
	write_engine_stats st;
	imapi_stream *s = NULL;

	CU_ASSERT_EQUAL(write_engine_create(NULL), E_POINTER);
	CU_ASSERT_EQUAL_FATAL(write_engine_create(&we), S_OK);
	CU_ASSERT_EQUAL(imapi_stream_from_memory("x", 1, 0, &s), S_OK);

	/* NULL object */
	CU_ASSERT_EQUAL(write_engine_advise(NULL, on_update, NULL), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_write_section(NULL, s, 0, 1), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_cancel_write(NULL), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_put_recorder(NULL, NULL), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_recorder(NULL, &rec), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_put_use_streaming_write12(NULL, 1), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_use_streaming_write12(NULL, &b), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_put_starting_sectors_per_second(NULL, 1), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_starting_sectors_per_second(NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_put_ending_sectors_per_second(NULL, 1), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_ending_sectors_per_second(NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(NULL, 2048), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_bytes_per_sector(NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_write_in_progress(NULL, &b), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_put_queue_depth(NULL, 1), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_queue_depth(NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_put_system_buffer_size(NULL, 65536), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_system_buffer_size(NULL, &v), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_last_sense(NULL, sense), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_stats(NULL, &st), E_POINTER);

	/* NULL out-parameters and stream */
	CU_ASSERT_EQUAL(write_engine_write_section(we, NULL, 0, 1), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_recorder(we, NULL), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_use_streaming_write12(we, NULL), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_starting_sectors_per_second(we, NULL), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_ending_sectors_per_second(we, NULL), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_bytes_per_sector(we, NULL), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_write_in_progress(we, NULL), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_queue_depth(we, NULL), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_system_buffer_size(we, NULL), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_last_sense(we, NULL), E_POINTER);
	CU_ASSERT_EQUAL(write_engine_get_stats(we, NULL), E_POINTER);

	/* E_POINTER (NULL stream) comes before every other WriteSection check */
	CU_ASSERT_EQUAL(write_engine_write_section(we, NULL, 0, 0), E_POINTER);
	imapi_stream_release(s);
	write_engine_release(we);
	write_engine_addref(NULL);
	write_engine_release(NULL);
}

static void test_ranges(void)
{
	write_engine *we = NULL;
	int32_t v;
	int b;

	CU_ASSERT_EQUAL_FATAL(write_engine_create(&we), S_OK);
	/* BytesPerSector: 1..MAXLONG ([PROJECT DECISION] < 1 -> E_INVALIDARG, unchanged) */
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, -1), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, -2), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, INT32_MIN), E_INVALIDARG);
	write_engine_get_bytes_per_sector(we, &v);
	CU_ASSERT_EQUAL(v, -1);
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, 1), S_OK);
	write_engine_get_bytes_per_sector(we, &v);
	CU_ASSERT_EQUAL(v, 1);
	/* no recorder yet: any size is stored, re-checked at put_Recorder/WriteSection */
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, INT32_MAX), S_OK);
	write_engine_get_bytes_per_sector(we, &v);
	CU_ASSERT_EQUAL(v, INT32_MAX);
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, 2352), S_OK);

	/* speed hints: -1 or >= 1 */
	CU_ASSERT_EQUAL(write_engine_put_starting_sectors_per_second(we, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_put_starting_sectors_per_second(we, -2), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_put_starting_sectors_per_second(we, INT32_MIN), E_INVALIDARG);
	write_engine_get_starting_sectors_per_second(we, &v);
	CU_ASSERT_EQUAL(v, -1);
	CU_ASSERT_EQUAL(write_engine_put_starting_sectors_per_second(we, 1), S_OK);
	write_engine_get_starting_sectors_per_second(we, &v);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(write_engine_put_starting_sectors_per_second(we, INT32_MAX), S_OK);
	CU_ASSERT_EQUAL(write_engine_put_starting_sectors_per_second(we, -1), S_OK);
	write_engine_get_starting_sectors_per_second(we, &v);
	CU_ASSERT_EQUAL(v, -1);
	CU_ASSERT_EQUAL(write_engine_put_ending_sectors_per_second(we, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_put_ending_sectors_per_second(we, -2), E_INVALIDARG);
	write_engine_get_ending_sectors_per_second(we, &v);
	CU_ASSERT_EQUAL(v, -1);
	CU_ASSERT_EQUAL(write_engine_put_ending_sectors_per_second(we, INT32_MAX), S_OK);
	write_engine_get_ending_sectors_per_second(we, &v);
	CU_ASSERT_EQUAL(v, INT32_MAX);

	/* UseStreamingWrite12: any nonzero is TRUE, the getter answers VARIANT_BOOL */
	CU_ASSERT_EQUAL(write_engine_put_use_streaming_write12(we, 1), S_OK);
	write_engine_get_use_streaming_write12(we, &b);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_TRUE);
	CU_ASSERT_EQUAL(write_engine_put_use_streaming_write12(we, 0), S_OK);
	write_engine_get_use_streaming_write12(we, &b);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_FALSE);
	CU_ASSERT_EQUAL(write_engine_put_use_streaming_write12(we, IMAPI_VARIANT_TRUE), S_OK);
	write_engine_get_use_streaming_write12(we, &b);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_TRUE);

	/* queue depth 1..64, system buffer 64 KiB..1 GiB */
	CU_ASSERT_EQUAL(write_engine_put_queue_depth(we, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_put_queue_depth(we, 65), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_put_queue_depth(we, -1), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_put_queue_depth(we, 64), S_OK);
	write_engine_get_queue_depth(we, &v);
	CU_ASSERT_EQUAL(v, 64);
	CU_ASSERT_EQUAL(write_engine_put_system_buffer_size(we, 65535), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_put_system_buffer_size(we, (1 << 30) + 1), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_put_system_buffer_size(we, 65536), S_OK);
	CU_ASSERT_EQUAL(write_engine_put_system_buffer_size(we, 1 << 30), S_OK);
	write_engine_get_system_buffer_size(we, &v);
	CU_ASSERT_EQUAL(v, 1 << 30);

	/* detaching when nothing is attached is fine */
	CU_ASSERT_EQUAL(write_engine_put_recorder(we, NULL), S_OK);
	write_engine_release(we);
}

static void test_write_section_checks_without_drive(void)
{
	write_engine *we = NULL;
	imapi_stream *s = NULL;

	CU_ASSERT_EQUAL_FATAL(write_engine_create(&we), S_OK);
	CU_ASSERT_EQUAL(imapi_stream_from_memory("abcd", 4, 0, &s), S_OK);
	/* no recorder comes before "BytesPerSector not set" and before n <= 0 */
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, 1), E_IMAPI_RECORDER_REQUIRED);
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, 0), E_IMAPI_RECORDER_REQUIRED);
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, 2048), S_OK);
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, -5), E_IMAPI_RECORDER_REQUIRED);
	int b = 1;
	write_engine_get_write_in_progress(we, &b);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_FALSE);
	/* CancelWrite with nothing running: the success code, twice */
	CU_ASSERT_EQUAL(write_engine_cancel_write(we), S_IMAPI_WRITE_NOT_IN_PROGRESS);
	CU_ASSERT_EQUAL(write_engine_cancel_write(we), S_IMAPI_WRITE_NOT_IN_PROGRESS);
	imapi_stream_release(s);
	write_engine_release(we);
}

/* ---- with simdrive ------------------------------------------------------------------ */

static void test_checks_with_drive(void)
{
	struct drive d;
	write_engine *we = NULL;
	imapi_stream *s = NULL;
	uint32_t max = 0;
	int32_t v;

	CU_ASSERT_EQUAL_FATAL(drive_start(&d, "engchecks", "dvd+r"), 0);
	CU_ASSERT_EQUAL(disc_recorder_ex_get_maximum_page_aligned_transfer_size(d.rec, &max), S_OK);
	CU_ASSERT_FATAL(max >= BS);
	CU_ASSERT_EQUAL_FATAL(write_engine_create(&we), S_OK);
	CU_ASSERT_EQUAL(imapi_stream_from_memory("abcd", 4, 0, &s), S_OK);

	/* a stored BytesPerSector above the limit blocks put_Recorder (unchanged) */
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, (int32_t)max + 1), S_OK);
	CU_ASSERT_EQUAL(write_engine_put_recorder(we, d.rec), E_INVALIDARG);
	disc_recorder_ex *r = (disc_recorder_ex *)&v;
	write_engine_get_recorder(we, &r);
	CU_ASSERT_PTR_NULL(r);
	/* at the limit it is fine */
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, (int32_t)max), S_OK);
	CU_ASSERT_EQUAL(write_engine_put_recorder(we, d.rec), S_OK);
	write_engine_get_recorder(we, &r);
	CU_ASSERT_PTR_EQUAL(r, d.rec); /* a reference was added */
	disc_recorder_ex_release(r);
	/* with a recorder: above its limit is refused, the value stays */
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, (int32_t)max + 1), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, INT32_MAX), E_INVALIDARG);
	write_engine_get_bytes_per_sector(we, &v);
	CU_ASSERT_EQUAL(v, (int32_t)max);

	/* WriteSection order: BytesPerSector -1 is E_FAIL (needs a fresh engine) */
	write_engine *we2 = NULL;
	CU_ASSERT_EQUAL_FATAL(write_engine_create(&we2), S_OK);
	CU_ASSERT_EQUAL(write_engine_put_recorder(we2, d.rec), S_OK);
	CU_ASSERT_EQUAL(write_engine_write_section(we2, s, 0, 1), E_FAIL);
	CU_ASSERT_EQUAL(write_engine_write_section(we2, s, 0, 0), E_FAIL);
	/* then n <= 0 */
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we2, BS), S_OK);
	CU_ASSERT_EQUAL(write_engine_write_section(we2, s, 0, 0), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_write_section(we2, s, 0, -1), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_write_section(we2, s, 0, INT32_MIN), E_INVALIDARG);
	/* then the address range must fit in 32 bits */
	CU_ASSERT_EQUAL(write_engine_write_section(we2, s, INT32_MAX, 1), E_INVALIDARG);
	CU_ASSERT_EQUAL(write_engine_write_section(we2, s, INT32_MAX - 10, 20), E_INVALIDARG);
	/* BytesPerSector above a limit lowered after it was stored */
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we2, 4096), S_OK);
	CU_ASSERT_EQUAL(disc_recorder_ex_put_maximum_transfer_size(d.rec, 2048), S_OK);
	CU_ASSERT_EQUAL(write_engine_write_section(we2, s, 0, 1), E_INVALIDARG);
	CU_ASSERT_EQUAL(disc_recorder_ex_put_maximum_transfer_size(d.rec, max), S_OK);
	/* detach */
	CU_ASSERT_EQUAL(write_engine_put_recorder(we2, NULL), S_OK);
	CU_ASSERT_EQUAL(write_engine_write_section(we2, s, 0, 1), E_IMAPI_RECORDER_REQUIRED);
	/* nothing reached the medium, nothing is in progress */
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), 0);
	int b = 1;
	write_engine_get_write_in_progress(we2, &b);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_FALSE);

	imapi_stream_release(s);
	write_engine_release(we2);
	write_engine_release(we);
	drive_stop(&d);
}

static void test_small_write(void)
{
	struct drive d;
	struct evlog e = { .start = 0, .count = 100 };
	struct pstream p = { .total = 100 * BS, .seed = 1 };
	write_engine_stats st;
	uint8_t sense[IMAPI_SENSE_LEN];

	CU_ASSERT_EQUAL_FATAL(drive_start(&d, "engsmall", "dvd+r"), 0);
	write_engine *we = engine_on(d.rec, &e);
	imapi_stream *s = pstream_new(&p);
	/* 100 blocks: with 64 KiB per command 3 full WRITEs of 32 and one of 4 */
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, 100), S_OK);
	CU_ASSERT(e.n >= 2);
	CU_ASSERT_EQUAL(e.bad, 0);
	CU_ASSERT_EQUAL(e.in_progress_seen, e.n);
	/* before: nothing read nor written */
	CU_ASSERT_EQUAL(e.first.last_read_lba, -1);
	CU_ASSERT_EQUAL(e.first.last_written_lba, -1);
	CU_ASSERT_EQUAL(e.first.used_system_buffer + e.first.free_system_buffer,
			e.first.total_system_buffer);
	CU_ASSERT(e.first.total_system_buffer >= BS);
	/* after: everything */
	CU_ASSERT_EQUAL(e.last.last_written_lba, 99);
	CU_ASSERT_EQUAL(e.last.last_read_lba, 99);
	CU_ASSERT_EQUAL(e.last.used_system_buffer, 0);
	CU_ASSERT_EQUAL(e.last.free_system_buffer, e.last.total_system_buffer);
	CU_ASSERT_EQUAL(write_engine_get_stats(we, &st), S_OK);
	CU_ASSERT_EQUAL(st.bytes_written, 100u * BS);
	uint32_t max = 0;
	disc_recorder_ex_get_maximum_page_aligned_transfer_size(d.rec, &max);
	uint32_t per = max / BS ? max / BS : 1;
	CU_ASSERT_EQUAL(st.commands, (100 + per - 1) / per);
	CU_ASSERT_EQUAL(st.events, (uint32_t)e.n);
	/* one at a time, each WRITE leaves in a segment of its own at least */
	CU_ASSERT(st.tcp_segments_out >= st.commands);
	CU_ASSERT_EQUAL(write_engine_get_last_sense(we, sense), S_FALSE);
	int b = 1;
	write_engine_get_write_in_progress(we, &b);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_FALSE);
	CU_ASSERT_EQUAL(write_engine_cancel_write(we), S_IMAPI_WRITE_NOT_IN_PROGRESS);
	/* the drive holds exactly that */
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), 100);
	CU_ASSERT(read_back_equals(d.rec, 0, 100, 1));

	/* a second section continues at the NWA, with a file stream this time */
	char path[512];
	simproc_path(path, sizeof(path), "engsmall.bin");
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (uint64_t i = 0; i < 5u * BS; i++)
		fputc(pat(i, 9), f);
	fclose(f);
	imapi_stream *fs = NULL;
	CU_ASSERT_EQUAL(imapi_stream_from_file(path, 0, &fs), S_OK);
	e = (struct evlog){ .start = 100, .count = 5 };
	CU_ASSERT_EQUAL(write_engine_write_section(we, fs, 100, 5), S_OK);
	CU_ASSERT_EQUAL(e.bad, 0);
	CU_ASSERT_EQUAL(e.last.last_written_lba, 104);
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), 105);
	CU_ASSERT(read_back_equals(d.rec, 100, 5, 9));
	imapi_stream_release(fs);
	unlink(path);

	imapi_stream_release(s);
	write_engine_release(we);
	drive_stop(&d);
}

static void test_setters_during_write(void)
{
	struct drive d;
	struct evlog e = { .start = 0, .count = 40, .probe_setters = 1 };
	struct pstream p = { .total = 40 * BS, .seed = 2 };
	struct pstream p2 = { .total = BS, .seed = 3 };

	CU_ASSERT_EQUAL_FATAL(drive_start(&d, "engsetters", "dvd+r"), 0);
	write_engine *we = engine_on(d.rec, &e);
	imapi_stream *s = pstream_new(&p);
	e.nested_stream = pstream_new(&p2);
	e.nested_hr = S_OK;
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, 40), S_OK);
	CU_ASSERT(e.n >= 2);
	CU_ASSERT_EQUAL(e.setter_failures, 0);
	CU_ASSERT_EQUAL(e.in_progress_seen, e.n);
	CU_ASSERT_EQUAL(e.nested_hr, E_FAIL); /* WriteSection while one runs */
	CU_ASSERT_EQUAL(p2.pos, 0);           /* and it read nothing */
	/* after the write the setters work again */
	int b = 1;
	write_engine_get_write_in_progress(we, &b);
	CU_ASSERT_EQUAL(b, IMAPI_VARIANT_FALSE);
	CU_ASSERT_EQUAL(write_engine_put_queue_depth(we, 2), S_OK);
	CU_ASSERT_EQUAL(write_engine_put_ending_sectors_per_second(we, 100), S_OK);
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), 40);
	imapi_stream_release(e.nested_stream);
	imapi_stream_release(s);
	write_engine_release(we);
	drive_stop(&d);
}

struct second_writer {
	write_engine *we;
	imapi_stream *s;
	hresult_t hr;
	int started;
};

static void *second_main(void *arg)
{
	struct second_writer *sw = arg;
	int b = 0;
	/* wait until the first WriteSection runs */
	for (int i = 0; i < 400 && b != IMAPI_VARIANT_TRUE; i++) {
		write_engine_get_write_in_progress(sw->we, &b);
		if (b != IMAPI_VARIANT_TRUE)
			sleep_ms(5);
	}
	sw->started = b == IMAPI_VARIANT_TRUE;
	sw->hr = write_engine_write_section(sw->we, sw->s, 0, 1);
	/* getters work from another thread during the write */
	int32_t v = 0;
	if (write_engine_get_bytes_per_sector(sw->we, &v) != S_OK || v != BS)
		sw->started = 0;
	return NULL;
}

static void test_second_write_from_thread(void)
{
	struct drive d;
	struct pstream p = { .total = 64 * BS, .seed = 4, .delay_ms = 40 };
	struct pstream p2 = { .total = BS, .seed = 5 };

	CU_ASSERT_EQUAL_FATAL(drive_start(&d, "engsecond", "dvd+r"), 0);
	/* 8 blocks per command so the slow stream keeps the section going a while */
	CU_ASSERT_EQUAL(disc_recorder_ex_put_maximum_transfer_size(d.rec, 8 * BS), S_OK);
	write_engine *we = engine_on(d.rec, NULL);
	imapi_stream *s = pstream_new(&p);
	struct second_writer sw = { .we = we, .s = pstream_new(&p2), .hr = S_OK };
	pthread_t t;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, second_main, &sw), 0);
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, 64), S_OK);
	pthread_join(t, NULL);
	CU_ASSERT(sw.started);
	CU_ASSERT_EQUAL(sw.hr, E_FAIL);
	CU_ASSERT_EQUAL(p2.pos, 0);
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), 64);
	CU_ASSERT(read_back_equals(d.rec, 0, 64, 4));
	imapi_stream_release(sw.s);
	imapi_stream_release(s);
	write_engine_release(we);
	drive_stop(&d);
}

static void test_cancel_from_handler(void)
{
	struct drive d;
	/* a slow stream: the first periodic event (0.5 s) comes mid-write */
	struct evlog e = { .start = 0, .count = 5000, .cancel_at = 2 };
	struct pstream p = { .total = 5000ull * BS, .seed = 6, .delay_ms = 10 };
	write_engine_stats st;

	CU_ASSERT_EQUAL_FATAL(drive_start(&d, "engcancel", "dvd+r"), 0);
	/* 8 blocks per command: 625 reads of 10 ms, far longer than 0.5 s */
	CU_ASSERT_EQUAL(disc_recorder_ex_put_maximum_transfer_size(d.rec, 8 * BS), S_OK);
	write_engine *we = engine_on(d.rec, &e);
	imapi_stream *s = pstream_new(&p);
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, 5000), E_IMAPI_REQUEST_CANCELLED);
	CU_ASSERT_EQUAL(e.cancel_hr, S_OK);
	CU_ASSERT_EQUAL(e.n, 3); /* before, the one that cancelled, after */
	CU_ASSERT_EQUAL(e.bad, 0);
	CU_ASSERT_EQUAL(write_engine_get_stats(we, &st), S_OK);
	CU_ASSERT(st.bytes_written > 0);
	CU_ASSERT(st.bytes_written < 5000ull * BS);
	CU_ASSERT_EQUAL(st.bytes_written % BS, 0);
	int64_t acked = (int64_t)(st.bytes_written / BS);
	/* the medium holds exactly the acknowledged blocks */
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), acked);
	CU_ASSERT_EQUAL(e.last.last_written_lba, acked - 1);
	CU_ASSERT(read_back_equals(d.rec, 0, (int32_t)acked, 6));
	CU_ASSERT_EQUAL(write_engine_cancel_write(we), S_IMAPI_WRITE_NOT_IN_PROGRESS);
	/* cancelled before the first WRITE: nothing at all is written */
	struct evlog e2 = { .start = (int32_t)acked, .count = 10, .cancel_at = 1 };
	struct pstream p2 = { .total = 10 * BS, .seed = 7 };
	imapi_stream *s2 = pstream_new(&p2);
	CU_ASSERT_EQUAL(write_engine_advise(we, on_update, &e2), S_OK);
	CU_ASSERT_EQUAL(write_engine_write_section(we, s2, (int32_t)acked, 10),
			E_IMAPI_REQUEST_CANCELLED);
	CU_ASSERT_EQUAL(e2.n, 2);
	CU_ASSERT_EQUAL(e2.last.last_written_lba, acked - 1);
	CU_ASSERT_EQUAL(write_engine_get_stats(we, &st), S_OK);
	CU_ASSERT_EQUAL(st.bytes_written, 0);
	CU_ASSERT_EQUAL(st.commands, 0);
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), acked);
	imapi_stream_release(s2);
	imapi_stream_release(s);
	write_engine_release(we);
	drive_stop(&d);
}

struct canceller {
	write_engine *we;
	int delay_ms;
	hresult_t hr;
};

static void *cancel_main(void *arg)
{
	struct canceller *c = arg;
	sleep_ms(c->delay_ms);
	c->hr = write_engine_cancel_write(c->we);
	return NULL;
}

static void test_cancel_from_thread(void)
{
	struct drive d;
	struct evlog e = { .start = 0, .count = 5000 };
	struct pstream p = { .total = 5000ull * BS, .seed = 8, .delay_ms = 10 };
	write_engine_stats st;

	CU_ASSERT_EQUAL_FATAL(drive_start(&d, "engcancelt", "dvd+r"), 0);
	CU_ASSERT_EQUAL(disc_recorder_ex_put_maximum_transfer_size(d.rec, 8 * BS), S_OK);
	write_engine *we = engine_on(d.rec, &e);
	CU_ASSERT_EQUAL(write_engine_put_queue_depth(we, 2), S_OK);
	imapi_stream *s = pstream_new(&p);
	struct canceller c = { .we = we, .delay_ms = 200, .hr = E_FAIL };
	pthread_t t;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, cancel_main, &c), 0);
	int64_t t0 = time(NULL);
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, 5000), E_IMAPI_REQUEST_CANCELLED);
	pthread_join(t, NULL);
	CU_ASSERT(time(NULL) - t0 <= 2); /* the cancel woke the writer promptly */
	CU_ASSERT_EQUAL(c.hr, S_OK);
	CU_ASSERT_EQUAL(e.bad, 0);
	CU_ASSERT(e.n >= 2);
	CU_ASSERT_EQUAL(write_engine_get_stats(we, &st), S_OK);
	int64_t acked = (int64_t)(st.bytes_written / BS);
	CU_ASSERT(acked > 0 && acked < 5000);
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), acked);
	CU_ASSERT_EQUAL(e.last.last_written_lba, acked - 1);
	CU_ASSERT(read_back_equals(d.rec, 0, (int32_t)acked, 8));
	imapi_stream_release(s);
	write_engine_release(we);
	drive_stop(&d);
}

static void test_stream_ends_early(void)
{
	struct drive d;
	/* 70.5 blocks for a 100-block section: 70 whole blocks go out, the half is dropped */
	struct evlog e = { .start = 0, .count = 100 };
	struct pstream p = { .total = 70 * BS + BS / 2, .seed = 10 };
	write_engine_stats st;

	CU_ASSERT_EQUAL_FATAL(drive_start(&d, "engshort", "dvd+r"), 0);
	write_engine *we = engine_on(d.rec, &e);
	imapi_stream *s = pstream_new(&p);
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, 100), E_FAIL);
	CU_ASSERT_EQUAL(e.bad, 0);
	CU_ASSERT_EQUAL(e.last.last_read_lba, 69);
	CU_ASSERT_EQUAL(e.last.last_written_lba, 69);
	CU_ASSERT_EQUAL(write_engine_get_stats(we, &st), S_OK);
	CU_ASSERT_EQUAL(st.bytes_written, 70u * BS);
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), 70); /* nothing padded */
	CU_ASSERT(read_back_equals(d.rec, 0, 70, 10));
	imapi_stream_release(s);
	write_engine_release(we);
	drive_stop(&d);
}

static void test_stream_error(void)
{
	struct drive d;
	const hresult_t custom = IMAPI_HR(0x8003001Eu); /* STG_E_READFAULT */
	struct evlog e = { .start = 0, .count = 200 };
	struct pstream p = { .total = 200 * BS, .seed = 11, .fail_at = 100 * BS,
			     .fail_hr = custom };
	write_engine_stats st;

	CU_ASSERT_EQUAL_FATAL(drive_start(&d, "engstreamerr", "dvd+r"), 0);
	write_engine *we = engine_on(d.rec, &e);
	imapi_stream *s = pstream_new(&p);
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, 200), custom);
	CU_ASSERT_EQUAL(e.bad, 0);
	CU_ASSERT(e.n >= 2);
	CU_ASSERT_EQUAL(write_engine_get_stats(we, &st), S_OK);
	int64_t acked = (int64_t)(st.bytes_written / BS);
	CU_ASSERT(acked <= 100); /* never past what the stream gave */
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), acked);
	CU_ASSERT_EQUAL(e.last.last_written_lba, acked - 1);
	imapi_stream_release(s);
	write_engine_release(we);
	drive_stop(&d);
}

static void test_block_size_refused(void)
{
	struct drive d;
	struct evlog e = { .start = 0, .count = 10 };
	struct pstream p = { .total = 10 * BS, .seed = 12 };
	uint8_t *page = NULL, sense[IMAPI_SENSE_LEN];
	uint32_t n = 0;

	CU_ASSERT_EQUAL_FATAL(drive_start(&d, "engcdr", "cd-r"), 0);
	/* page 05h: TAO (write type 1), audio track mode 0, DBT 0 -> 2352-byte blocks
	 * (doc/simdrive-recorder.md section 3) */
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_get_mode_page(d.rec, IMAPI_MODE_PAGE_TYPE_WRITE_PARAMETERS,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &page, &n), S_OK);
	CU_ASSERT_FATAL(n >= 5);
	page[2] = (uint8_t)((page[2] & 0xF0) | 0x01);
	page[3] = (uint8_t)(page[3] & 0xF0);
	page[4] = (uint8_t)(page[4] & 0xF0);
	CU_ASSERT_EQUAL_FATAL(disc_recorder_ex_set_mode_page(d.rec,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, page, n), S_OK);
	imapi_free(page);

	write_engine *we = engine_on(d.rec, &e);
	imapi_stream *s = pstream_new(&p);
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, 10),
			E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	CU_ASSERT_EQUAL(write_engine_get_last_sense(we, sense), S_OK);
	CU_ASSERT_EQUAL(sense[2] & 0x0F, 0x05);
	CU_ASSERT_EQUAL(sense[12], 0x24);
	CU_ASSERT_EQUAL(sense[13], 0x00);
	memset(sense, 0, sizeof(sense));
	CU_ASSERT_EQUAL(disc_recorder_ex_get_last_sense(d.rec, sense), S_OK);
	CU_ASSERT_EQUAL(sense[12], 0x24);
	CU_ASSERT(e.n >= 2);
	CU_ASSERT_EQUAL(e.last.last_written_lba, -1);
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), 0); /* nothing recorded */

	/* the right size for that page goes through */
	struct pstream p2 = { .total = 10 * 2352, .seed = 13 };
	imapi_stream *s2 = pstream_new(&p2);
	CU_ASSERT_EQUAL(write_engine_put_bytes_per_sector(we, 2352), S_OK);
	e = (struct evlog){ .start = 0, .count = 10 };
	CU_ASSERT_EQUAL(write_engine_write_section(we, s2, 0, 10), S_OK);
	CU_ASSERT_EQUAL(write_engine_get_last_sense(we, sense), S_FALSE);
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), 10);
	imapi_stream_release(s2);
	imapi_stream_release(s);
	write_engine_release(we);
	drive_stop(&d);
}

static void test_write12_streaming(void)
{
	struct drive d;
	struct evlog e = { .start = 0, .count = 90 };
	struct pstream p = { .total = 90 * BS, .seed = 14 };

	CU_ASSERT_EQUAL_FATAL(drive_start(&d, "engw12", "bd-r"), 0);
	write_engine *we = engine_on(d.rec, &e);
	CU_ASSERT_EQUAL(write_engine_put_use_streaming_write12(we, 1), S_OK);
	imapi_stream *s = pstream_new(&p);
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, 90), S_OK);
	CU_ASSERT_EQUAL(e.bad, 0);
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), 90);
	CU_ASSERT(read_back_equals(d.rec, 0, 90, 14));
	imapi_stream_release(s);
	write_engine_release(we);
	drive_stop(&d);
}

static void test_queue_depth_4(void)
{
	struct drive d;
	struct evlog e = { .start = 0, .count = 1000 };
	struct pstream p = { .total = 1000 * BS, .seed = 15 };
	write_engine_stats st;

	CU_ASSERT_EQUAL_FATAL(drive_start(&d, "engqd4", "dvd+r"), 0);
	write_engine *we = engine_on(d.rec, &e);
	CU_ASSERT_EQUAL(write_engine_put_queue_depth(we, 4), S_OK);
	/* a small ring (4 chunks... rounded up to depth + 1) to make the reader wrap */
	CU_ASSERT_EQUAL(write_engine_put_system_buffer_size(we, 65536), S_OK);
	imapi_stream *s = pstream_new(&p);
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, 1000), S_OK);
	CU_ASSERT_EQUAL(e.bad, 0);
	CU_ASSERT_EQUAL(e.last.last_written_lba, 999);
	CU_ASSERT_EQUAL(write_engine_get_stats(we, &st), S_OK);
	CU_ASSERT_EQUAL(st.bytes_written, 1000u * BS);
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), 1000);
	CU_ASSERT(read_back_equals(d.rec, 0, 1000, 15));
	imapi_stream_release(s);
	write_engine_release(we);
	drive_stop(&d);
}

/* Current write speed of page 2Ah (bytes 28-29), -1 on error. */
static int write_speed(disc_recorder_ex *rec)
{
	uint8_t *pg = NULL;
	uint32_t n = 0;
	int v = -1;
	if (disc_recorder_ex_get_mode_page(rec, IMAPI_MODE_PAGE_TYPE_LEGACY_CAPABILITIES,
					   IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &pg, &n) == S_OK &&
	    n >= 30)
		v = pg[28] << 8 | pg[29];
	imapi_free(pg);
	return v;
}

static void test_set_streaming(void)
{
	struct drive d;
	struct evlog e = { .start = 0, .count = 50 };
	struct pstream p = { .total = 50 * BS, .seed = 16 };

	CU_ASSERT_EQUAL_FATAL(drive_start(&d, "engstreaming", "dvd+r"), 0);
	int before = write_speed(d.rec);
	CU_ASSERT(before > 0);
	write_engine *we = engine_on(d.rec, &e);
	/* 700 sectors/s x 2048 = 1433 kB/s: about DVD 1x, far below the default maximum */
	CU_ASSERT_EQUAL(write_engine_put_starting_sectors_per_second(we, 700), S_OK);
	CU_ASSERT_EQUAL(write_engine_put_ending_sectors_per_second(we, 700), S_OK);
	imapi_stream *s = pstream_new(&p);
	CU_ASSERT_EQUAL(write_engine_write_section(we, s, 0, 50), S_OK);
	CU_ASSERT_EQUAL(e.bad, 0);
	int after = write_speed(d.rec);
	CU_ASSERT(after > 0 && after < before); /* the drive took the SET STREAMING */
	CU_ASSERT_EQUAL(track_nwa(d.rec, 0), 50);
	CU_ASSERT(read_back_equals(d.rec, 0, 50, 16));
	imapi_stream_release(s);
	write_engine_release(we);
	drive_stop(&d);
}


/* ---- real-drive behaviour: faults injected into simdrive ----------------------------
 * 1000 blocks of 2048 bytes go out as WRITEs of 128 blocks (262144 bytes, the
 * negotiated MaxBurstLength), so LBA 300 sits in the third command (256..383). */

struct faulty_write {
	const char *fault;
	int depth;
	int busy_deadline_s;
	hresult_t hr;                /* WriteSection's result */
	write_engine_stats st;
	uint8_t sense[IMAPI_SENSE_LEN];
	hresult_t sense_hr;          /* write_engine_get_last_sense */
	int64_t nwa;
	int intact;                  /* read-back of [0, nwa) equals the stream */
	int events_bad;
};

static void faulty_write(const char *name, struct faulty_write *f)
{
	struct drive d;
	struct evlog e = { .start = 0, .count = 1000 };
	struct pstream p = { .total = 1000 * BS, .seed = 21 };
	disc_recorder_ex_options o = { .busy_deadline_s = f->busy_deadline_s,
				       .reconnect_deadline_s = 5, .command_timeout_s = 10 };

	CU_ASSERT_EQUAL_FATAL(drive_start_with(&d, name, "dvd+r", f->fault, &o), 0);
	write_engine *we = engine_on(d.rec, &e);
	CU_ASSERT_EQUAL(write_engine_put_queue_depth(we, f->depth ? f->depth : 1), S_OK);
	imapi_stream *s = pstream_new(&p);
	f->hr = write_engine_write_section(we, s, 0, 1000);
	CU_ASSERT_EQUAL(write_engine_get_stats(we, &f->st), S_OK);
	f->sense_hr = write_engine_get_last_sense(we, f->sense);
	f->nwa = track_nwa(d.rec, 0);
	f->intact = f->nwa >= 0 && (f->nwa == 0 || read_back_equals(d.rec, 0, (int32_t)f->nwa, 21));
	f->events_bad = e.bad;
	/* what the engine reports written is what the drive has: nothing more, nothing less */
	CU_ASSERT_EQUAL((int64_t)(f->st.bytes_written / BS), f->nwa);
	if (f->hr == S_OK)
		CU_ASSERT_EQUAL(e.last.last_written_lba, 999);
	imapi_stream_release(s);
	write_engine_release(we);
	drive_stop(&d);
}

/* LONG WRITE IN PROGRESS three times on one WRITE: "buffer full", backed off and resent
 * (a project decision, doc/engine.md §4); the section succeeds with every block in place. */
static void test_fault_busy_retried(void)
{
	struct faulty_write f = { .fault = "long-write-in-progress lba=300 count=3" };
	faulty_write("engbusy", &f);
	CU_ASSERT_EQUAL(f.hr, S_OK);
	CU_ASSERT_EQUAL(f.st.busy_retries, 3);
	CU_ASSERT_EQUAL(f.nwa, 1000);
	CU_ASSERT(f.intact);
	CU_ASSERT_EQUAL(f.events_bad, 0);
}

/* The same with four WRITEs in flight: the ones after the busy one are refused as out
 * of order (05/21/02) and must be resent in order, not reported. */
static void test_fault_busy_retried_depth4(void)
{
	struct faulty_write f = { .fault = "long-write-in-progress lba=300 count=2", .depth = 4 };
	faulty_write("engbusy4", &f);
	CU_ASSERT_EQUAL(f.hr, S_OK);
	CU_ASSERT(f.st.busy_retries >= 2);
	CU_ASSERT_EQUAL(f.nwa, 1000);
	CU_ASSERT(f.intact);
}

/* A drive that stays busy past the deadline: E_IMAPI_RECORDER_MEDIA_BUSY with the sense,
 * and exactly the two commands before it written. */
static void test_fault_busy_deadline(void)
{
	struct faulty_write f = { .fault = "long-write-in-progress lba=300 count=1000000",
				  .busy_deadline_s = 1 };
	faulty_write("engbusydl", &f);
	CU_ASSERT_EQUAL(f.hr, E_IMAPI_RECORDER_MEDIA_BUSY);
	CU_ASSERT_EQUAL(f.sense_hr, S_OK);
	CU_ASSERT_EQUAL(f.sense[2] & 0x0F, 0x02);
	CU_ASSERT_EQUAL(f.sense[12], 0x04);
	CU_ASSERT_EQUAL(f.sense[13], 0x08);
	CU_ASSERT_EQUAL(f.nwa, 256);
	CU_ASSERT(f.intact);
}

/* A unit attention on a WRITE is reported once (counted) and the WRITE resent. */
static void test_fault_unit_attention(void)
{
	struct faulty_write f = { .fault = "unit-attention lba=300 sense=6/29/00" };
	faulty_write("engua", &f);
	CU_ASSERT_EQUAL(f.hr, S_OK);
	CU_ASSERT_EQUAL(f.st.unit_attentions, 1);
	CU_ASSERT_EQUAL(f.nwa, 1000);
	CU_ASSERT(f.intact);
}

/* Loss of streaming has its own IMAPI2 code; blocks acknowledged before stay. */
static void test_fault_loss_of_streaming(void)
{
	struct faulty_write f = { .fault = "write-error lba=300 sense=3/0C/09" };
	faulty_write("englos", &f);
	CU_ASSERT_EQUAL(f.hr, E_IMAPI_LOSS_OF_STREAMING);
	CU_ASSERT_EQUAL(f.sense[2] & 0x0F, 0x03);
	CU_ASSERT_EQUAL(f.sense[12], 0x0C);
	CU_ASSERT_EQUAL(f.sense[13], 0x09);
	CU_ASSERT_EQUAL(f.nwa, 256);
	CU_ASSERT(f.intact);
}

/* Any other write error: E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE with the drive's sense;
 * with four in flight the commands after it are refused by the drive, not recorded. */
static void test_fault_write_error_depth4(void)
{
	struct faulty_write f = { .fault = "write-error lba=300", .depth = 4 };
	faulty_write("engwerr", &f);
	CU_ASSERT_EQUAL(f.hr, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	CU_ASSERT_EQUAL(f.sense[2] & 0x0F, 0x03);
	CU_ASSERT_EQUAL(f.sense[12], 0x0C);
	CU_ASSERT_EQUAL(f.sense[13], 0x00);
	CU_ASSERT_EQUAL(f.nwa, 256);
	CU_ASSERT(f.intact);
}

/* The connection drops before the drive executes a WRITE: libiscsi logs in again and
 * the write resumes; every block lands once. */
static void test_fault_drop_before(void)
{
	struct faulty_write f = { .fault = "drop-connection lba=300" };
	faulty_write("engdrop", &f);
	CU_ASSERT_EQUAL(f.hr, S_OK);
	CU_ASSERT_EQUAL(f.nwa, 1000);
	CU_ASSERT(f.intact);
}

/* The connection drops after the drive recorded a WRITE (the response is lost): the
 * resent WRITE is refused (05/21/02, the NWA moved on) and the engine sees from the
 * track's NWA that the blocks are already there ("resume", doc/engine.md). */
static void test_fault_drop_after(void)
{
	struct faulty_write f = { .fault = "drop-connection lba=300 after" };
	faulty_write("engdropa", &f);
	CU_ASSERT_EQUAL(f.hr, S_OK);
	CU_ASSERT_EQUAL(f.nwa, 1000);
	CU_ASSERT(f.intact);
}

static void test_fault_drop_after_depth4(void)
{
	struct faulty_write f = { .fault = "drop-connection lba=300 after", .depth = 4 };
	faulty_write("engdropa4", &f);
	CU_ASSERT_EQUAL(f.hr, S_OK);
	CU_ASSERT_EQUAL(f.nwa, 1000);
	CU_ASSERT(f.intact);
}

static int register_eng_contract(void)
{
	static const struct unit_test tests[] = {
		{ "defaults", test_defaults },
		{ "null_pointers", test_null_pointers },
		{ "ranges", test_ranges },
		{ "write_section_checks_without_drive", test_write_section_checks_without_drive },
		{ "checks_with_drive", test_checks_with_drive },
		{ "small_write", test_small_write },
		{ "setters_during_write", test_setters_during_write },
		{ "second_write_from_thread", test_second_write_from_thread },
		{ "cancel_from_handler", test_cancel_from_handler },
		{ "cancel_from_thread", test_cancel_from_thread },
		{ "stream_ends_early", test_stream_ends_early },
		{ "stream_error", test_stream_error },
		{ "block_size_refused", test_block_size_refused },
		{ "write12_streaming", test_write12_streaming },
		{ "queue_depth_4", test_queue_depth_4 },
		{ "set_streaming", test_set_streaming },
		{ "fault_busy_retried", test_fault_busy_retried },
		{ "fault_busy_retried_depth4", test_fault_busy_retried_depth4 },
		{ "fault_busy_deadline", test_fault_busy_deadline },
		{ "fault_unit_attention", test_fault_unit_attention },
		{ "fault_loss_of_streaming", test_fault_loss_of_streaming },
		{ "fault_write_error_depth4", test_fault_write_error_depth4 },
		{ "fault_drop_before", test_fault_drop_before },
		{ "fault_drop_after", test_fault_drop_after },
		{ "fault_drop_after_depth4", test_fault_drop_after_depth4 },
	};
	return UNIT_ADD_SUITE("eng_contract", tests);
}
UNIT_SUITE(register_eng_contract)
