/* tests/unit/test_disclog_writer.c - the disclog writer: zcat equality, merging,
 * stored and zero data, STATE parts, reopen, SYNC, I/O errors, latest wins,
 * non-blocking use, the buffers kept once the queue drains, the zlib and ISA-L deflate
 * engines reading each other.
 * Images go to a temporary directory; the file is walked member by member with the
 * codec (dl_member_header_decode) and, where the test is about reading back, with
 * the reader. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "disclog.h"
#include "dlcodec.h"
#include "dlzip.h"
#include "unit.h"

static char tmpdir[PATH_MAX - 64];

static int suite_init(void)
{
	return unit_mkdtemp(tmpdir, sizeof(tmpdir), "dlwriter") ? 0 : -1;
}

static int suite_clean(void)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void tpath(char *buf, size_t n, const char *name)
{
	if ((size_t)snprintf(buf, n, "%s/%s", tmpdir, name) >= n)
		abort();
	unlink(buf);
}

/* The "ISO": text-like and random-looking stretches, deterministic per offset. */
static uint8_t iso_byte(uint64_t off)
{
	uint64_t x = off / 61;
	if ((off >> 15) % 3 == 2) {	/* a 32 KiB stretch of pseudo-random bytes */
		x = off * 0x9e3779b97f4a7c15ull;
		x ^= x >> 29;
		x *= 0xbf58476d1ce4e5b9ull;
		return (uint8_t)(x >> 32);
	}
	return (uint8_t)("abcdefghij klmnop\nqrstuvwxyz0123456789"[(x * 7 + off % 61) % 38]);
}

static void fill_iso(uint8_t *p, uint64_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = iso_byte(off + i);
}

static struct dl_data_meta meta_at(int32_t lba, uint32_t count, uint32_t bs)
{
	struct dl_data_meta m = {
		.lba = lba, .count = count, .block_size = bs, .data_block_type = 8,
		.write_type = 1, .opcode = 0x2a, .flags = 0, .track = 1, .session = 1,
		.vtime_us = 0,
	};
	return m;
}

static void small_state(struct dl_state *s, struct dl_session *sess, struct dl_track *trk,
			uint16_t ntracks)
{
	memset(s, 0, sizeof(*s));
	s->profile = 0x0011;
	s->capacity = 2298496;
	s->disc_status = 1;
	s->nwa = 4096;
	s->leadin_lba = -1;
	s->last_leadout_lba = -1;
	s->vtime_us = 12345;
	s->page05_len = 4;
	s->page05[0] = 0x05;
	s->page05[1] = 0x32;
	s->nsessions = 1;
	s->sessions = sess;
	memset(sess, 0, sizeof(*sess));
	sess->number = 1;
	sess->leadout_lba = -1;
	sess->first_track = 1;
	sess->last_track = ntracks;
	s->ntracks = ntracks;
	s->tracks = trk;
	for (uint16_t i = 0; i < ntracks; i++) {
		memset(&trk[i], 0, sizeof(trk[i]));
		trk[i].number = (uint16_t)(i + 1);
		trk[i].session = 1;
		trk[i].state = 3;
		trk[i].start_lba = (int32_t)i * 300;
		trk[i].size = 300;
		trk[i].nwa = -1;
		trk[i].last_recorded = (int32_t)i * 300 + 299;
		trk[i].free_blocks = i;
	}
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* Walk the image with the codec: every member decodes, sequence numbers run 0, 1...
 * and the members tile the file.  Counts per type; hdrs gets up to nh headers; the
 * merged snapshot is kept in st (caller frees) only with keep_state. */
struct walk {
	unsigned n, data, state, sync;
	uint64_t max_data_payload;
	bool ok;
	struct dl_state st;	/* the last snapshot merged by the codec */
	struct dl_header last;
};

static struct walk walk_image_st(const char *path, struct dl_header *hdrs, size_t nh, bool keep_state)
{
	struct walk wk;
	size_t len = 0, off = 0;
	uint8_t *p = slurp(path, &len);

	memset(&wk, 0, sizeof(wk));
	wk.ok = p != NULL;
	while (wk.ok && off < len) {
		struct dl_header h;
		struct dl_error e;
		int hl = dl_member_header_decode(p + off, len - off, (int64_t)off, &h, &wk.st, &e);
		if (hl <= 0 || h.seq != wk.n || off + h.member_size > len) {
			wk.ok = false;
			break;
		}
		if (wk.n < nh)
			hdrs[wk.n] = h;
		wk.last = h;
		wk.n++;
		if (h.type == DL_REC_DATA) {
			wk.data++;
			uint64_t pl = (uint64_t)h.data.count * h.data.block_size;
			if (pl > wk.max_data_payload)
				wk.max_data_payload = pl;
		}
		wk.state += h.type == DL_REC_STATE;
		wk.sync += h.type == DL_REC_SYNC;
		off += h.member_size;
	}
	free(p);
	if (!keep_state)
		dl_state_free(&wk.st);
	return wk;
}

static struct walk walk_image(const char *path, struct dl_header *hdrs, size_t nh)
{
	return walk_image_st(path, hdrs, nh, false);
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* `gzip -dc path` equals the generated ISO of iso_len bytes. */
static bool zcat_equals_iso(const char *path, uint64_t iso_len)
{
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	FILE *f = popen(cmd, "r");
	if (!f)
		return false;
	uint8_t buf[65536], want[65536];
	uint64_t off = 0;
	bool same = true;
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (off + n > iso_len) {
			same = false;
			break;
		}
		fill_iso(want, off, n);
		if (memcmp(buf, want, n) != 0)
			same = false;
		off += n;
	}
	int st = pclose(f);
	return same && st == 0 && off == iso_len;
}

#define ISO_BLOCKS 4096u	/* 8 MiB of 2048-byte blocks */

/* Write the ISO from LBA 0 in irregular calls with STATE and SYNC in between. */
static void write_iso_opts(const char *path, const struct dl_writer_opts *o)
{
	static const uint32_t calls[] = { 1, 3, 7, 16, 33, 64, 100, 5, 512, 2, 31, 600, 17 };
	struct dl_error e;
	struct dl_writer *w = dl_writer_open(path, o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	struct dl_session sess;
	struct dl_track trk[2];
	struct dl_state s;
	small_state(&s, &sess, trk, 2);

	uint8_t *buf = malloc(600 * 2048);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	uint32_t lba = 0;
	for (unsigned i = 0; lba < ISO_BLOCKS; i++) {
		uint32_t n = calls[i % (sizeof(calls) / sizeof(calls[0]))];
		if (n > ISO_BLOCKS - lba)
			n = ISO_BLOCKS - lba;
		fill_iso(buf, (uint64_t)lba * 2048, (size_t)n * 2048);
		struct dl_data_meta m = meta_at((int32_t)lba, n, 2048);
		CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, (size_t)n * 2048, &e), 0);
		lba += n;
		if (i % 9 == 4)
			CU_ASSERT_EQUAL(dl_write_state(w, &s, &e), 0);
		if (i % 13 == 7)
			CU_ASSERT_EQUAL(dl_writer_sync(w, &e), 0);
	}
	free(buf);
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
}

static void write_iso(const char *path, unsigned threads, size_t max_inflight)
{
	struct dl_writer_opts o = { .level = 0, .threads = threads, .max_inflight = max_inflight };
	write_iso_opts(path, &o);
}

static void test_zcat_equals_iso(void)
{
	char p0[PATH_MAX], p1[PATH_MAX], p2[PATH_MAX], p3[PATH_MAX];
	tpath(p0, sizeof(p0), "iso-t0.disclog");
	tpath(p1, sizeof(p1), "iso-t1.disclog");
	tpath(p2, sizeof(p2), "iso-t2.disclog");
	tpath(p3, sizeof(p3), "iso-t2-small.disclog");
	write_iso(p0, 0, 0);
	write_iso(p1, 1, 0);
	write_iso(p2, 2, 0);
	write_iso(p3, 2, 1);	/* max_inflight 1 byte: one member at a time */

	CU_ASSERT_TRUE(zcat_equals_iso(p0, (uint64_t)ISO_BLOCKS * 2048));
	CU_ASSERT_TRUE(zcat_equals_iso(p2, (uint64_t)ISO_BLOCKS * 2048));
	struct walk wk = walk_image(p0, NULL, 0);
	CU_ASSERT_TRUE(wk.ok);
	CU_ASSERT_TRUE(wk.state > 0 && wk.sync > 0);
	CU_ASSERT_EQUAL(wk.last.type, DL_REC_SYNC);	/* close syncs */

	/* Compression is deterministic, so the thread count must not change a byte. */
	size_t l0, l1, l2, l3;
	uint8_t *b0 = slurp(p0, &l0), *b1 = slurp(p1, &l1), *b2 = slurp(p2, &l2), *b3 = slurp(p3, &l3);
	CU_ASSERT_TRUE(b0 && b1 && b2 && b3);
	CU_ASSERT_TRUE(b0 && b1 && l0 == l1 && memcmp(b0, b1, l0) == 0);
	CU_ASSERT_TRUE(b0 && b2 && l0 == l2 && memcmp(b0, b2, l0) == 0);
	CU_ASSERT_TRUE(b0 && b3 && l0 == l3 && memcmp(b0, b3, l0) == 0);
	free(b0);
	free(b1);
	free(b2);
	free(b3);
}

/* 8 MiB in 32 KiB calls makes 8 members of exactly 1 MiB; a meta change splits. */
static void test_merging(void)
{
	char path[PATH_MAX];
	tpath(path, sizeof(path), "merge.disclog");
	struct dl_writer_opts o = { .threads = 2 };
	struct dl_error e;
	struct dl_writer *w = dl_writer_open(path, &o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	uint8_t *buf = malloc(32768);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	for (uint32_t lba = 0; lba < 4096; lba += 16) {
		fill_iso(buf, (uint64_t)lba * 2048, 32768);
		struct dl_data_meta m = meta_at((int32_t)lba, 16, 2048);
		CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, 32768, &e), 0);
	}
	/* Then: a different track (new member), a gap (new member), 2352-byte blocks
	 * (445 per member: 1046640 bytes <= 1 MiB), one call larger than a member. */
	struct dl_data_meta m = meta_at(4096, 16, 2048);
	m.track = 2;
	CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, 32768, &e), 0);
	m.lba = 5000;
	CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, 32768, &e), 0);
	uint8_t *big = calloc(1000, 2352);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	struct dl_data_meta c = meta_at(6000, 1000, 2352);
	CU_ASSERT_EQUAL(dl_write_data(w, &c, big, 1000 * 2352, &e), 0);
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
	free(buf);
	free(big);

	struct dl_header h[32];
	struct walk wk = walk_image(path, h, 32);
	CU_ASSERT_TRUE_FATAL(wk.ok);
	CU_ASSERT_EQUAL(wk.data, 8 + 2 + 3);
	CU_ASSERT_EQUAL(wk.sync, 1);
	CU_ASSERT_TRUE(wk.max_data_payload <= DL_MEMBER_TARGET);
	for (unsigned i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(h[i].data.lba, (int32_t)(i * 512));
		CU_ASSERT_EQUAL(h[i].data.count, 512);
	}
	CU_ASSERT_EQUAL(h[8].data.track, 2);
	CU_ASSERT_EQUAL(h[9].data.lba, 5000);
	CU_ASSERT_EQUAL(h[10].data.lba, 6000);
	CU_ASSERT_EQUAL(h[10].data.count, 445);
	CU_ASSERT_EQUAL(h[11].data.lba, 6445);
	CU_ASSERT_EQUAL(h[12].data.count, 1000 - 890);
	CU_ASSERT_EQUAL(h[13].type, DL_REC_SYNC);
	CU_ASSERT_EQUAL(h[13].synced_seq, 12);
}

static uint64_t rnd_state = 88172645463325252ull;
static uint64_t xorshift(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* An image of raw bytes of buf written from LBA 0 in one call, closed. */
static void record_buf(const char *path, const struct dl_writer_opts *o, const uint8_t *buf,
		       size_t raw)
{
	struct dl_error e;
	struct dl_writer *w = dl_writer_open(path, o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	struct dl_data_meta m = meta_at(0, (uint32_t)(raw / 2048), 2048);
	CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, raw, &e), 0);
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
}

/* Random data is stored: the image is barely larger than the data. */
static void test_stored_incompressible(void)
{
	char path[PATH_MAX];
	tpath(path, sizeof(path), "random.disclog");
	const size_t raw = 6u << 20;
	uint8_t *buf = malloc(raw);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	for (size_t i = 0; i < raw; i += 8) {
		uint64_t x = xorshift();
		memcpy(buf + i, &x, 8);
	}
	struct dl_writer_opts o = { .level = 9, .threads = 2 };
	record_buf(path, &o, buf, raw);

	uint64_t sz = file_size(path);
	CU_ASSERT_TRUE(sz > raw);
	CU_ASSERT_TRUE(sz <= raw + raw / 1000 + 1024);

	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	FILE *f = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	uint8_t *back = malloc(raw + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	size_t got = fread(back, 1, raw + 1, f);
	CU_ASSERT_EQUAL(pclose(f), 0);
	CU_ASSERT_EQUAL(got, raw);
	CU_ASSERT_TRUE(got == raw && memcmp(back, buf, raw) == 0);
	free(back);
	free(buf);
}

/* Stored members are written from the payload itself (writer.c set_iov): a small
 * random record (deflate does not shrink it) and a large one (sampled) read back
 * through the reader and gzip, and a write cut short inside the payload leaves exactly
 * the bytes before the cut, a torn tail the reader reports. */
static void test_stored_from_payload(void)
{
	const size_t big = 1u << 20, small = 100 * 2048;
	uint8_t *buf = malloc(big), *back = malloc(big);
	CU_ASSERT_FATAL(buf && back);
	for (size_t i = 0; i < big; i += 8) {
		uint64_t x = xorshift();
		memcpy(buf + i, &x, 8);
	}
	char path[PATH_MAX];
	tpath(path, sizeof(path), "stored-iov.disclog");
	unlink(path);
	struct dl_writer_opts o = { .level = 1, .threads = 2 };
	struct dl_error e;
	struct dl_writer *w = dl_writer_open(path, &o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	struct dl_data_meta m = meta_at(0, (uint32_t)(small / 2048), 2048);
	CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, small, &e), 0);
	CU_ASSERT_EQUAL(dl_writer_sync(w, &e), 0);
	uint64_t synced = file_size(path);
	CU_ASSERT_TRUE(synced > small && synced < small + 1024);

	enum { CUT = 200000 };	/* inside the payload, after a few stored blocks */
	dl_writer_inject(w, &(struct dl_fault){ .err = ENOSPC, .after = CUT });
	m = meta_at(100, (uint32_t)(big / 2048), 2048);
	int rc = dl_write_data(w, &m, buf, big, &e);
	if (rc == 0)
		rc = dl_writer_sync(w, &e);
	CU_ASSERT_EQUAL(rc, DL_EIO);
	CU_ASSERT_EQUAL(e.sys_errno, ENOSPC);
	dl_writer_close(w, &e);
	CU_ASSERT_EQUAL(file_size(path), synced + CUT);

	struct dl_reader *r = dl_reader_open(path, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_report(r)->valid_size, synced);
	CU_ASSERT_EQUAL(dl_reader_report(r)->torn_bytes, CUT);
	CU_ASSERT_EQUAL(dl_reader_read(r, 0, 100, back, small, &e), (long)small);
	CU_ASSERT_EQUAL(memcmp(back, buf, small), 0);
	dl_reader_close(r);

	/* appended again without a fault: the whole megabyte, stored */
	w = dl_writer_open(path, &o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, big, &e), 0);
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
	CU_ASSERT_TRUE(file_size(path) > synced + big && file_size(path) < synced + big + 1024);
	r = dl_reader_open(path, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_read(r, 100, (uint32_t)(big / 2048), back, big, &e), (long)big);
	CU_ASSERT_EQUAL(memcmp(back, buf, big), 0);
	dl_reader_close(r);
	free(back);
	free(buf);
}

/* Incompressible payloads are stored without a full deflate (dlzip.c samples eight
 * slices of a large one); a payload with one quarter that compresses is still
 * deflated, whichever engine: random in the first three quarters of every 1 MiB
 * member, zeros in the last. */
static void test_sampled_store(void)
{
	static const enum dl_deflate engines[] = { DL_DEFLATE_ZLIB, DL_DEFLATE_ISAL };
	const size_t raw = 4u << 20, member = 1u << 20;
	uint8_t *buf = calloc(1, raw), *back = malloc(raw + 1);
	CU_ASSERT_FATAL(buf && back);
	for (size_t i = 0; i < raw; i += 8) {
		uint64_t x = xorshift();
		if (i % member < member / 4 * 3)
			memcpy(buf + i, &x, 8);
	}
	for (size_t k = 0; k < 2; k++) {
		if (!dl_deflate_available(engines[k]))
			continue;
		char path[PATH_MAX];
		tpath(path, sizeof(path), k ? "sampled-isal.disclog" : "sampled-zlib.disclog");
		struct dl_writer_opts o = { .level = 1, .threads = 2, .deflate = engines[k] };
		record_buf(path, &o, buf, raw);
		uint64_t sz = file_size(path);
		CU_ASSERT_TRUE(sz < raw / 100 * 80);	/* the zeros went: about 0.75 of raw */
		char cmd[PATH_MAX + 32];
		snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
		FILE *f = popen(cmd, "r");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		size_t got = fread(back, 1, raw + 1, f);
		CU_ASSERT_EQUAL(pclose(f), 0);
		CU_ASSERT_TRUE(got == raw && memcmp(back, buf, raw) == 0);
	}
	free(back);
	free(buf);
}

/* bytes drawn evenly from the first n values of a byte (xorshift, modulo) */
static void fill_alphabet(uint8_t *p, size_t len, unsigned n)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(xorshift() % n);
}

/* deflate's gain on len bytes at level 1, in 1/1000 of their size */
static long deflate_gain_permille(const uint8_t *p, size_t len)
{
	uLongf out_len = compressBound(len);
	uint8_t *out = malloc(out_len);
	CU_ASSERT_FATAL(out != NULL && compress2(out, &out_len, p, len, 1) == Z_OK);
	free(out);
	return ((long)len - (long)out_len) * 1000 / (long)len;
}

/* dlz_incompressible's bound (dlzip.c: chi-square of each slice's bytes): bytes of an
 * alphabet of 200 values (7.64 bits each) are deflated, and deflate does shrink them
 * by more than 1/64; of 250 values (7.97 bits) or of all 256 they are stored, and
 * deflate would not have saved 1/64.  One uneven slice, wherever it is, makes the
 * payload deflated; under 256 KiB nothing is sampled. */
static void test_incompressible_bound(void)
{
	const size_t len = 1u << 20;
	uint8_t *p = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);

	fill_alphabet(p, len, 200);
	CU_ASSERT_FALSE(dlz_incompressible(p, len));
	CU_ASSERT_TRUE(deflate_gain_permille(p, len) > 1000 / 64);

	fill_alphabet(p, len, 250);
	CU_ASSERT_TRUE(dlz_incompressible(p, len));
	CU_ASSERT_TRUE(deflate_gain_permille(p, len) < 1000 / 64);

	fill_alphabet(p, len, 256);
	CU_ASSERT_TRUE(dlz_incompressible(p, len));
	CU_ASSERT_FALSE(dlz_incompressible(p, 256 * 1024 - 1));

	for (size_t k = 0; k < 8; k++) {	/* 8 slices, each at k/8 of the payload */
		fill_alphabet(p, len, 256);
		fill_alphabet(p + k * (len / 8), 8192, 200);
		CU_ASSERT_FALSE(dlz_incompressible(p, len));
		fill_alphabet(p + k * (len / 8), 8192, 256);
		CU_ASSERT_TRUE(dlz_incompressible(p, len));
	}
	free(p);
}

/* 16 MiB of zeros costs almost nothing (< 1 %). */
static void test_zeros(void)
{
	char path[PATH_MAX];
	tpath(path, sizeof(path), "zeros.disclog");
	uint8_t *buf = calloc(1, 1u << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	struct dl_writer_opts o = { .threads = 1 };
	struct dl_error e;
	struct dl_writer *w = dl_writer_open(path, &o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	for (int32_t i = 0; i < 16; i++) {
		struct dl_data_meta m = meta_at(i * 512, 512, 2048);
		CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, 1u << 20, &e), 0);
	}
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
	free(buf);
	uint64_t sz = file_size(path);
	CU_ASSERT_TRUE(sz > 0 && sz < (16u << 20) / 100);
	struct walk wk = walk_image(path, NULL, 0);
	CU_ASSERT_TRUE(wk.ok);
	CU_ASSERT_EQUAL(wk.data, 16);
}

static bool same_track(const struct dl_track *a, const struct dl_track *b)
{
	return a->number == b->number && a->session == b->session && a->state == b->state &&
	       a->start_lba == b->start_lba && a->size == b->size && a->nwa == b->nwa &&
	       a->last_recorded == b->last_recorded && a->free_blocks == b->free_blocks;
}

/* 5000 tracks need 3 parts with consecutive sequence numbers; they read back. */
static void test_state_parts(void)
{
	enum { NT = 5000 };
	char path[PATH_MAX];
	tpath(path, sizeof(path), "state.disclog");
	struct dl_session sess;
	struct dl_track *trk = calloc(NT, sizeof(*trk));
	CU_ASSERT_PTR_NOT_NULL_FATAL(trk);
	struct dl_state s;
	small_state(&s, &sess, trk, NT);
	CU_ASSERT_TRUE_FATAL(dl_state_parts(&s, NULL) >= 2);

	struct dl_writer_opts o = { .threads = 2 };
	struct dl_error e;
	struct dl_writer *w = dl_writer_open(path, &o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	uint8_t blk[2048];
	fill_iso(blk, 0, sizeof(blk));
	struct dl_data_meta m = meta_at(0, 1, 2048);
	CU_ASSERT_EQUAL(dl_write_data(w, &m, blk, sizeof(blk), &e), 0);
	CU_ASSERT_EQUAL(dl_write_state(w, &s, &e), 0);
	s.tracks[NT - 1].free_blocks = 777;	/* the writer took its copy */
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
	s.tracks[NT - 1].free_blocks = NT - 1;

	struct dl_header h[8];
	struct walk wk = walk_image_st(path, h, 8, true);
	if (!wk.ok)
		dl_state_free(&wk.st);
	CU_ASSERT_TRUE_FATAL(wk.ok);
	unsigned nparts = dl_state_parts(&s, NULL);
	CU_ASSERT_EQUAL(wk.state, nparts);
	uint32_t covered = 0;
	for (unsigned k = 0; k < nparts && k + 1 < 8; k++) {
		CU_ASSERT_EQUAL(h[1 + k].type, DL_REC_STATE);
		CU_ASSERT_EQUAL(h[1 + k].part, k);
		CU_ASSERT_EQUAL(h[1 + k].nparts, nparts);
		CU_ASSERT_EQUAL(h[1 + k].first_track, covered);
		covered += h[1 + k].part_tracks;
	}
	CU_ASSERT_EQUAL(covered, NT);
	/* the codec's merge of the parts */
	CU_ASSERT_EQUAL(wk.st.ntracks, NT);
	bool same = wk.st.ntracks == NT && wk.st.nsessions == 1 && wk.st.page05_len == 4;
	for (unsigned i = 0; same && i < NT; i++)
		same = same_track(&wk.st.tracks[i], &trk[i]);
	CU_ASSERT_TRUE(same);
	dl_state_free(&wk.st);

	/* and the reader's */
	struct dl_reader *r = dl_reader_open(path, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	const struct dl_state *rs = dl_reader_state(r);
	CU_ASSERT_PTR_NOT_NULL(rs);
	same = rs && rs->ntracks == NT && rs->profile == s.profile && rs->nwa == s.nwa &&
	       rs->vtime_us == s.vtime_us && rs->nsessions == 1 && rs->page05_len == 4 &&
	       memcmp(rs->page05, s.page05, 4) == 0 && rs->sessions[0].last_track == NT;
	for (unsigned i = 0; same && i < NT; i++)
		same = same_track(&rs->tracks[i], &trk[i]);
	CU_ASSERT_TRUE(same);
	dl_reader_close(r);
	free(trk);
}

/* sync appends a SYNC naming the record before it; a second sync with nothing new
 * appends nothing. */
static void test_sync_record(void)
{
	char path[PATH_MAX];
	tpath(path, sizeof(path), "sync.disclog");
	struct dl_writer_opts o = { .threads = 2 };
	struct dl_error e;
	struct dl_writer *w = dl_writer_open(path, &o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(dl_writer_sync(w, &e), 0);	/* empty: nothing to write */
	CU_ASSERT_EQUAL(dl_writer_next_seq(w), 0);
	uint8_t blk[4 * 2048];
	fill_iso(blk, 0, sizeof(blk));
	struct dl_data_meta m = meta_at(0, 4, 2048);
	CU_ASSERT_EQUAL(dl_write_data(w, &m, blk, sizeof(blk), &e), 0);
	CU_ASSERT_EQUAL(dl_writer_next_seq(w), 0);	/* still being merged */
	CU_ASSERT_EQUAL(dl_writer_sync(w, &e), 0);
	CU_ASSERT_EQUAL(dl_writer_next_seq(w), 2);
	CU_ASSERT_EQUAL(dl_writer_file_size(w), file_size(path));
	CU_ASSERT_EQUAL(dl_writer_sync(w, &e), 0);
	CU_ASSERT_EQUAL(dl_writer_next_seq(w), 2);
	/* Blocking use: sync_start is dl_writer_sync, durable when it returns. */
	uint64_t ticket = 0;
	CU_ASSERT_EQUAL(dl_writer_sync_start(w, &ticket, &e), 0);
	CU_ASSERT_EQUAL(ticket, 2);
	CU_ASSERT_EQUAL(dl_writer_synced(w, ticket, &e), 1);
	struct dl_header h[4];
	struct walk wk = walk_image(path, h, 4);
	CU_ASSERT_TRUE(wk.ok);
	CU_ASSERT_EQUAL(wk.n, 2);
	CU_ASSERT_EQUAL(h[1].type, DL_REC_SYNC);
	CU_ASSERT_EQUAL(h[1].synced_seq, 0);
	m = meta_at(4, 4, 2048);
	CU_ASSERT_EQUAL(dl_write_data(w, &m, blk, sizeof(blk), &e), 0);
	CU_ASSERT_EQUAL(dl_writer_sync_start(w, &ticket, &e), 0);
	CU_ASSERT_EQUAL(ticket, 4);
	CU_ASSERT_EQUAL(dl_writer_synced(w, ticket, &e), 1);
	CU_ASSERT_EQUAL(dl_writer_file_size(w), file_size(path));
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
	CU_ASSERT_EQUAL(walk_image(path, NULL, 0).n, 4);

	/* A second writer on the same file is refused while the first is open. */
	w = dl_writer_open(path, NULL, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	struct dl_writer *w2 = dl_writer_open(path, NULL, &e);
	CU_ASSERT_PTR_NULL(w2);
	CU_ASSERT_EQUAL(e.code, DL_EINVAL);
	if (w2)
		dl_writer_close(w2, NULL);
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
}

/* Reopening continues the sequence; a torn tail is cut and reported. */
static void test_reopen_append(void)
{
	char path[PATH_MAX];
	tpath(path, sizeof(path), "reopen.disclog");
	uint8_t blk[2048];
	struct dl_error e;
	for (int round = 0; round < 3; round++) {
		struct dl_writer_opts o = { .threads = (unsigned)round };
		struct dl_writer *w = dl_writer_open(path, &o, &e);
		CU_ASSERT_PTR_NOT_NULL_FATAL(w);
		CU_ASSERT_EQUAL(e.code, DL_OK);
		CU_ASSERT_EQUAL(dl_writer_next_seq(w), (uint64_t)round * 3);
		CU_ASSERT_EQUAL(dl_writer_file_size(w), file_size(path));
		fill_iso(blk, (uint64_t)round * 2048, sizeof(blk));
		struct dl_data_meta m = meta_at(round, 1, 2048);
		CU_ASSERT_EQUAL(dl_write_data(w, &m, blk, sizeof(blk), &e), 0);
		m.track = 9;	/* a second member */
		CU_ASSERT_EQUAL(dl_write_data(w, &m, blk, sizeof(blk), &e), 0);
		CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);	/* + SYNC */
	}
	struct walk wk = walk_image(path, NULL, 0);
	CU_ASSERT_TRUE(wk.ok);
	CU_ASSERT_EQUAL(wk.n, 9);
	CU_ASSERT_EQUAL(wk.sync, 3);

	/* A torn tail: half a member of garbage after the last SYNC. */
	uint64_t good = file_size(path);
	FILE *f = fopen(path, "ab");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	static const uint8_t torn[] = { 0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 255, 56, 0, 'B', 'L' };
	fwrite(torn, 1, sizeof(torn), f);
	fclose(f);
	struct dl_writer *w = dl_writer_open(path, NULL, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(e.code, DL_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "torn"));
	CU_ASSERT_EQUAL(file_size(path), good);
	CU_ASSERT_EQUAL(dl_writer_next_seq(w), 9);
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);

	/* A crash during the very first append: only part of member 0 is there. */
	char first[PATH_MAX];
	tpath(first, sizeof(first), "first-torn.disclog");
	size_t len;
	uint8_t *img = slurp(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(img);
	for (size_t cut = 40; cut < 200; cut += 150) {
		f = fopen(first, "wb");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fwrite(img, 1, cut, f);
		fclose(f);
		w = dl_writer_open(first, NULL, &e);
		CU_ASSERT_PTR_NOT_NULL(w);
		if (w) {
			CU_ASSERT_EQUAL(dl_writer_next_seq(w), 0);
			CU_ASSERT_EQUAL(dl_writer_file_size(w), 0);
			CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
		}
		CU_ASSERT_EQUAL(file_size(first), 0);
	}
	free(img);

	/* Not a disclog image: refused, left alone. */
	char other[PATH_MAX];
	tpath(other, sizeof(other), "foreign.txt");
	f = fopen(other, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("hello, world\n", f);
	fclose(f);
	CU_ASSERT_PTR_NULL(dl_writer_open(other, NULL, &e));
	CU_ASSERT_EQUAL(e.code, DL_EFOREIGN);
	CU_ASSERT_EQUAL(file_size(other), 13);
}

/* Writes to /dev/full fail, name the file and the offset, then DL_ECLOSED. */
static void test_io_error(void)
{
	for (unsigned threads = 0; threads <= 2; threads += 2) {
		struct dl_writer_opts o = { .threads = threads };
		struct dl_error e;
		struct dl_writer *w = dl_writer_open("/dev/full", &o, &e);
		CU_ASSERT_PTR_NOT_NULL_FATAL(w);
		uint8_t *buf = malloc(1u << 20);
		CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
		fill_iso(buf, 0, 1u << 20);
		int rc = 0;
		for (int32_t i = 0; i < 64 && rc == 0; i++) {
			struct dl_data_meta m = meta_at(i * 512, 512, 2048);
			rc = dl_write_data(w, &m, buf, 1u << 20, &e);
		}
		if (rc == 0)
			rc = dl_writer_sync(w, &e);
		CU_ASSERT_EQUAL(rc, DL_EIO);
		CU_ASSERT_EQUAL(e.code, DL_EIO);
		CU_ASSERT_EQUAL(e.sys_errno, ENOSPC);
		CU_ASSERT_EQUAL(e.offset, 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/dev/full"));
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "offset 0"));
		struct dl_data_meta m = meta_at(0, 1, 2048);
		CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, 2048, &e), DL_ECLOSED);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/dev/full"));
		CU_ASSERT_EQUAL(dl_writer_sync(w, &e), DL_ECLOSED);
		CU_ASSERT_EQUAL(dl_writer_close(w, &e), DL_ECLOSED);
		free(buf);
	}
	struct dl_error e;
	CU_ASSERT_PTR_NULL(dl_writer_open("/nonexistent-dir/x.disclog", NULL, &e));
	CU_ASSERT_EQUAL(e.code, DL_EIO);
	struct dl_writer_opts bad = { .level = 10 };
	CU_ASSERT_PTR_NULL(dl_writer_open("/tmp/never", &bad, &e));
	CU_ASSERT_EQUAL(e.code, DL_EINVAL);
}

/* dl_writer_inject: a full disk (ENOSPC) or a failing one (EIO on pwrite, or on
 * fdatasync) after some bytes.  The writer stops with the errno (sticky, DL_ECLOSED
 * after), dl_writer_failed reports it without consuming it, the synced prefix reads
 * back, a write cut short is a torn tail the next writer cuts. */
static void test_injected_faults(void)
{
	static const struct { int err; bool at_sync; } cases[] = {
		{ ENOSPC, false }, { EIO, false }, { EIO, true }, { ENOSPC, true },
	};
	uint8_t *buf = malloc(1u << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	fill_iso(buf, 0, 1u << 20);
	for (unsigned threads = 0; threads <= 2; threads += 2)
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char path[PATH_MAX];
		tpath(path, sizeof(path), "inject.disclog");
		unlink(path);
		struct dl_writer_opts o = { .threads = threads };
		struct dl_error e;
		struct dl_writer *w = dl_writer_open(path, &o, &e);
		CU_ASSERT_PTR_NOT_NULL_FATAL(w);
		struct dl_data_meta m = meta_at(0, 4, 2048);
		CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, 4 * 2048, &e), 0);
		CU_ASSERT_EQUAL(dl_writer_sync(w, &e), 0);
		uint64_t synced = file_size(path);
		CU_ASSERT_EQUAL(dl_writer_failed(w, &e), 0);

		struct dl_fault f = { .err = cases[k].err, .after = 100, .at_sync = cases[k].at_sync };
		dl_writer_inject(w, &f);
		m = meta_at(4, 512, 2048);
		int rc = dl_write_data(w, &m, buf, 1u << 20, &e);
		if (rc == 0)
			rc = dl_writer_sync(w, &e);
		CU_ASSERT_EQUAL(rc, DL_EIO);
		CU_ASSERT_EQUAL(e.sys_errno, cases[k].err);
		struct dl_error fe;
		CU_ASSERT_EQUAL(dl_writer_failed(w, &fe), DL_EIO);
		CU_ASSERT_EQUAL(fe.sys_errno, cases[k].err);
		CU_ASSERT_PTR_NOT_NULL(strstr(fe.msg, path));
		m = meta_at(516, 1, 2048);
		CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, 2048, &e), DL_ECLOSED);
		CU_ASSERT_EQUAL(e.sys_errno, cases[k].err);
		CU_ASSERT_EQUAL(dl_writer_synced(w, UINT64_MAX, &e), DL_ECLOSED);
		CU_ASSERT_EQUAL(dl_writer_close(w, &e), DL_ECLOSED);
		if (!cases[k].at_sync)	/* the bytes that fitted, then nothing */
			CU_ASSERT_EQUAL(file_size(path), synced + 100);

		/* What was synced reads back; a cut member is a torn tail. */
		struct dl_reader *r = dl_reader_open(path, 0, &e);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		const struct dl_open_report *rep = dl_reader_report(r);
		uint8_t back[4 * 2048];
		CU_ASSERT_EQUAL(dl_reader_read(r, 0, 4, back, sizeof(back), &e), (long)sizeof(back));
		CU_ASSERT_EQUAL(memcmp(back, buf, sizeof(back)), 0);
		if (!cases[k].at_sync) {
			CU_ASSERT_EQUAL(rep->valid_size, synced);
			CU_ASSERT_EQUAL(rep->torn_bytes, 100);
			CU_ASSERT_EQUAL(rep->lba_max, 3);
		}
		dl_reader_close(r);
		w = dl_writer_open(path, &o, &e);	/* the fault is gone: appends again */
		CU_ASSERT_PTR_NOT_NULL_FATAL(w);
		if (!cases[k].at_sync)
			CU_ASSERT_EQUAL(file_size(path), synced);
		CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
	}
	free(buf);
}

/* An injection removed (err 0) before its limit is reached does nothing; one whose
 * limit lies beyond what is written does nothing either; at_sync with a limit fails
 * the first fdatasync after the limit, not the one before. */
static void test_inject_disarm(void)
{
	uint8_t *buf = malloc(64 * 2048);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	fill_iso(buf, 0, 64 * 2048);
	char path[PATH_MAX];
	tpath(path, sizeof(path), "disarm.disclog");
	unlink(path);
	struct dl_writer_opts o = { .threads = 2 };
	struct dl_error e;
	struct dl_writer *w = dl_writer_open(path, &o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	struct dl_fault f = { .err = EIO, .after = 10 };
	dl_writer_inject(w, &f);
	dl_writer_inject(w, &(struct dl_fault){ .err = 0 });
	struct dl_data_meta m = meta_at(0, 16, 2048);
	CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, 16 * 2048, &e), 0);
	CU_ASSERT_EQUAL(dl_writer_sync(w, &e), 0);
	uint64_t before = file_size(path);
	f = (struct dl_fault){ .err = ENOSPC, .after = 1u << 30 };
	dl_writer_inject(w, &f);
	m = meta_at(16, 16, 2048);
	CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, 16 * 2048, &e), 0);
	CU_ASSERT_EQUAL(dl_writer_sync(w, &e), 0);
	CU_ASSERT_EQUAL(dl_writer_failed(w, &e), 0);
	/* at_sync, the limit 1.5 times what one such write + sync adds to the (compressed)
	 * file: the next sync passes, the one after fails. */
	uint64_t cycle = file_size(path) - before;
	f = (struct dl_fault){ .err = EIO, .after = cycle + cycle / 2, .at_sync = true };
	dl_writer_inject(w, &f);
	m = meta_at(32, 16, 2048);
	CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, 16 * 2048, &e), 0);
	CU_ASSERT_EQUAL(dl_writer_sync(w, &e), 0);
	uint64_t synced = file_size(path);
	m = meta_at(48, 16, 2048);
	CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, 16 * 2048, &e), 0);
	CU_ASSERT_EQUAL(dl_writer_sync(w, &e), DL_EIO);
	CU_ASSERT_EQUAL(e.sys_errno, EIO);
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), DL_ECLOSED);
	CU_ASSERT(file_size(path) > synced);	/* the writes went through, only the sync failed */
	struct dl_reader *r = dl_reader_open(path, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	uint8_t back[2048];
	CU_ASSERT_EQUAL(dl_reader_read(r, 47, 1, back, sizeof(back), &e), (long)sizeof(back));
	CU_ASSERT_EQUAL(memcmp(back, buf + 15 * 2048, 2048), 0);
	dl_reader_close(r);
	free(buf);
}

/* Rewrites and mixed block sizes read back through the reader (latest wins). */
static void test_latest_wins_mixed_sizes(void)
{
	char path[PATH_MAX];
	tpath(path, sizeof(path), "mixed.disclog");
	struct dl_writer_opts o = { .threads = 2 };
	struct dl_error e;
	struct dl_writer *w = dl_writer_open(path, &o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	static const uint32_t sizes[] = { 2048, 2352, 2448 };
	uint8_t *buf = malloc(64 * 2448);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	/* LBA 0..99 at 2048; 100..199 at 2352; 200..299 at 2448; content = seed(pass) */
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned k = 0; k < 3; k++) {
			uint32_t bs = sizes[(k + pass) % 3];
			for (uint32_t lba = k * 100; lba < k * 100 + 100; lba += 20) {
				if (pass == 1 && (lba / 20) % 2)
					continue;	/* rewrite every other stretch */
				fill_iso(buf, (uint64_t)lba * 4096 + pass * 777, (size_t)20 * bs);
				struct dl_data_meta m = meta_at((int32_t)lba, 20, bs);
				CU_ASSERT_EQUAL(dl_write_data(w, &m, buf, (size_t)20 * bs, &e), 0);
			}
		}
	}
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);

	struct dl_reader *r = dl_reader_open(path, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	uint8_t *want = malloc(20 * 2448), *got = malloc(300 * 2448);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	size_t expect_total = 0;
	bool same = true;
	for (uint32_t lba = 0; lba < 300; lba += 20) {
		unsigned k = lba / 100, pass = (lba / 20) % 2 ? 0 : 1;
		uint32_t bs = sizes[(k + pass) % 3];
		fill_iso(want, (uint64_t)lba * 4096 + pass * 777, (size_t)20 * bs);
		long n = dl_reader_read(r, (int32_t)lba, 20, got, 300 * 2448, &e);
		same = same && n == (long)(20 * bs) && memcmp(got, want, (size_t)20 * bs) == 0;
		struct dl_data_meta bm;
		CU_ASSERT_EQUAL(dl_reader_block_meta(r, (int32_t)lba + 3, &bm, &e), 0);
		CU_ASSERT_EQUAL(bm.block_size, bs);
		expect_total += (size_t)20 * bs;
	}
	CU_ASSERT_TRUE(same);
	/* One read across all three sizes returns the blocks as recorded. */
	CU_ASSERT_EQUAL(dl_reader_read(r, 0, 300, got, 300 * 2448, &e), (long)expect_total);
	CU_ASSERT_EQUAL(dl_reader_read(r, 299, 2, got, 300 * 2448, &e), DL_ERANGE);
	dl_reader_close(r);
	free(want);
	free(got);
	free(buf);
}

/* Non-blocking use (dl_writer_set_nonblock): held workers let the queue fill; the
 * caller is refused room instead of waiting, its STATE and SYNC calls return at once,
 * and the notify function reports free room and the durable SYNC once released.  The
 * image is then the same as a blocking writer's. */
struct nb_notes {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned calls;
};

static void nb_notify(void *arg)
{
	struct nb_notes *n = arg;
	pthread_mutex_lock(&n->mu);
	n->calls++;
	pthread_cond_broadcast(&n->cv);
	pthread_mutex_unlock(&n->mu);
}

/* Wait for a notification after `seen` of them. */
static unsigned nb_wait(struct nb_notes *n, unsigned seen)
{
	pthread_mutex_lock(&n->mu);
	while (n->calls == seen)
		pthread_cond_wait(&n->cv, &n->mu);
	unsigned c = n->calls;
	pthread_mutex_unlock(&n->mu);
	return c;
}

static void test_nonblock(void)
{
	char path[PATH_MAX];
	tpath(path, sizeof(path), "nonblock.disclog");
	struct dl_error e;
	struct dl_writer_opts o0 = { .threads = 0 };
	struct dl_writer *w = dl_writer_open(path, &o0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(dl_writer_set_nonblock(w, nb_notify, NULL), DL_EINVAL);	/* no worker */
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
	tpath(path, sizeof(path), "nonblock.disclog");

	struct nb_notes notes = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
	const size_t limit = 4u << 20;
	struct dl_writer_opts o = { .level = 1, .threads = 2, .max_inflight = limit };
	w = dl_writer_open(path, &o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(dl_writer_set_nonblock(w, nb_notify, &notes), 0);
	dl_writer_hold(w, true);

	enum { CALL = 32 };		/* blocks per call: 64 KiB, as a host's WRITE */
	uint8_t *buf = malloc(CALL * 2048);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	struct dl_session sess;
	struct dl_track trk[1];
	struct dl_state st;
	small_state(&st, &sess, trk, 1);
	uint32_t lba = 0;
	/* Held: the queue fills up to the limit and is then refused, never passed. */
	while (dl_writer_room(w, CALL * 2048)) {
		fill_iso(buf, (uint64_t)lba * 2048, CALL * 2048);
		struct dl_data_meta m = meta_at((int32_t)lba, CALL, 2048);
		CU_ASSERT_EQUAL_FATAL(dl_write_data(w, &m, buf, CALL * 2048, &e), 0);
		lba += CALL;
		CU_ASSERT_FATAL(lba < 16 * 1024);	/* 32 MiB: the hold did not hold */
	}
	struct dl_writer_stats ws;
	dl_writer_get_stats(w, &ws);
	CU_ASSERT_TRUE(ws.waiting);
	CU_ASSERT_TRUE(ws.held);
	CU_ASSERT_EQUAL(ws.limit, limit);
	CU_ASSERT_TRUE(ws.queued > 0 && ws.queued <= limit);
	/* These flush the pending job past the room check: they must not wait either. */
	CU_ASSERT_EQUAL(dl_write_state(w, &st, &e), 0);
	uint64_t ticket = 0;
	CU_ASSERT_EQUAL(dl_writer_sync_start(w, &ticket, &e), 0);
	CU_ASSERT_EQUAL(ticket, dl_writer_next_seq(w));
	CU_ASSERT_EQUAL(dl_writer_synced(w, ticket, &e), 0);
	dl_writer_get_stats(w, &ws);
	CU_ASSERT_TRUE(ws.queued <= limit);
	CU_ASSERT_EQUAL(file_size(path), 0);	/* nothing was written by this thread */

	/* Released: room comes back, then the SYNC is durable - each one notified. */
	unsigned seen = notes.calls;
	CU_ASSERT_EQUAL(seen, 0);
	dl_writer_hold(w, false);
	int synced = 0;
	while ((synced = dl_writer_synced(w, ticket, &e)) == 0)
		seen = nb_wait(&notes, seen);
	CU_ASSERT_EQUAL(synced, 1);
	CU_ASSERT_TRUE(notes.calls >= 1);
	CU_ASSERT_TRUE(dl_writer_room(w, CALL * 2048));
	dl_writer_get_stats(w, &ws);
	CU_ASSERT_EQUAL(ws.queued, 0);
	CU_ASSERT_FALSE(ws.waiting);
	CU_ASSERT_EQUAL(ws.durable, ticket);
	/* A sync with nothing new names the same point. */
	uint64_t again = 0;
	CU_ASSERT_EQUAL(dl_writer_sync_start(w, &again, &e), 0);
	CU_ASSERT_EQUAL(again, ticket);
	CU_ASSERT_EQUAL(dl_writer_set_nonblock(w, NULL, NULL), 0);
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
	free(buf);

	struct dl_header last;
	struct walk wk = walk_image(path, NULL, 0);
	CU_ASSERT_TRUE(wk.ok);
	CU_ASSERT_EQUAL(wk.n, ticket);		/* nothing after the SYNC: close had nothing new */
	CU_ASSERT_EQUAL(wk.sync, 1);
	CU_ASSERT_EQUAL(wk.state, 1);
	last = wk.last;
	CU_ASSERT_EQUAL(last.type, DL_REC_SYNC);
	CU_ASSERT_EQUAL(last.synced_seq, ticket - 2);
	CU_ASSERT_TRUE(zcat_equals_iso(path, (uint64_t)lba * 2048));
}


/* A writer whose queue was full keeps only workers + 2 of its jobs once it drains,
 * and none once a SYNC ends the stream: a daemon with many images must not hold each
 * one's busiest moment (make soak, doc/soak.md).  On a shared pool the spares are the
 * pool's, bounded for the whole daemon: it keeps a full queue's worth (within twice
 * its budget in bytes), so a queue that fills again takes them instead of faulting in
 * new buffers (doc/disclog.md section 6), and none after the SYNC either. */
static void spare_jobs_case(bool shared)
{
	char path[PATH_MAX];
	tpath(path, sizeof(path), shared ? "spare-pool.disclog" : "spare.disclog");
	struct dl_error e;
	const size_t limit = 8u << 20;
	struct dl_pool_opts po = { .threads = 2, .max_inflight = limit };
	struct dl_pool *pool = shared ? dl_pool_new(&po, &e) : NULL;
	CU_ASSERT_FATAL(!shared || pool);
	struct dl_writer_opts o = { .level = 1, .threads = shared ? 0 : 2,
				    .max_inflight = limit, .pool = pool };
	struct dl_writer *w = dl_writer_open(path, &o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	struct nb_notes notes = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
	CU_ASSERT_EQUAL(dl_writer_set_nonblock(w, nb_notify, &notes), 0);
	dl_writer_hold(w, true);

	enum { CALL = 32 };
	uint8_t *buf = malloc(CALL * 2048);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	uint32_t lba = 0;
	while (dl_writer_room(w, CALL * 2048)) {	/* held: the queue fills to the limit */
		fill_iso(buf, (uint64_t)lba * 2048, CALL * 2048);
		struct dl_data_meta m = meta_at((int32_t)lba, CALL, 2048);
		CU_ASSERT_EQUAL_FATAL(dl_write_data(w, &m, buf, CALL * 2048, &e), 0);
		lba += CALL;
		CU_ASSERT_FATAL(lba < 16 * 1024);
	}
	struct dl_writer_stats ws;
	dl_writer_get_stats(w, &ws);
	const size_t job = DL_MEMBER_TARGET + DL_MEMBER_TARGET / 500 + 64 * 1024;	/* in + out */
	CU_ASSERT_TRUE(ws.queued >= limit / 2 && ws.buffers >= ws.queued);	/* a full queue */

	/* Released and drained, no SYNC yet. */
	dl_writer_hold(w, false);
	for (int i = 0; i < 2000; i++) {
		dl_writer_get_stats(w, &ws);
		if (ws.queued == 0)
			break;
		usleep(5000);
	}
	CU_ASSERT_EQUAL(ws.queued, 0);
	if (shared) {
		/* The full queue's jobs, not just workers + 2 + one writer's (5). */
		struct dl_pool_stats ps;
		dl_pool_get_stats(pool, &ps);
		CU_ASSERT_TRUE(ps.spare_jobs > 5);
		CU_ASSERT_TRUE(ps.spare_bytes <= 2 * limit);
		if (ps.spare_jobs <= 5 || ps.spare_bytes > 2 * limit)
			fprintf(stderr, "spare_jobs (pool): drained, %u jobs, %zu bytes kept\n",
				ps.spare_jobs, ps.spare_bytes);
	} else {
		/* Two workers + 2 spare jobs, and the pending one (at most one member's input). */
		CU_ASSERT_TRUE(ws.spare_jobs <= 4);
		CU_ASSERT_TRUE(ws.buffers <= 4 * 2 * job + DL_MEMBER_TARGET);
		if (ws.buffers > 4 * 2 * job + DL_MEMBER_TARGET)
			fprintf(stderr, "spare_jobs: drained, %u jobs, %zu bytes of buffers kept\n",
				ws.spare_jobs, ws.buffers);
	}

	/* A SYNC with nothing behind it: idle, nothing kept. */
	uint64_t ticket = 0;
	CU_ASSERT_EQUAL(dl_writer_sync_start(w, &ticket, &e), 0);
	unsigned seen = notes.calls;
	int synced;
	while ((synced = dl_writer_synced(w, ticket, &e)) == 0)
		seen = nb_wait(&notes, seen);
	CU_ASSERT_EQUAL(synced, 1);
	dl_writer_get_stats(w, &ws);
	CU_ASSERT_EQUAL(ws.queued, 0);
	CU_ASSERT_EQUAL(ws.spare_jobs, 0);
	CU_ASSERT_EQUAL(ws.buffers, 0);
	if (shared) {
		struct dl_pool_stats ps;
		dl_pool_get_stats(pool, &ps);
		CU_ASSERT_EQUAL(ps.spare_jobs, 0);
		CU_ASSERT_EQUAL(ps.spare_bytes, 0);
	}
	CU_ASSERT_EQUAL(dl_writer_set_nonblock(w, NULL, NULL), 0);
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
	if (pool)
		CU_ASSERT_EQUAL(dl_pool_free(pool), 0);
	free(buf);
	CU_ASSERT_TRUE(zcat_equals_iso(path, (uint64_t)lba * 2048));
}

static void test_spare_jobs(void)
{
	spare_jobs_case(false);
}

static void test_spare_jobs_pool(void)
{
	spare_jobs_case(true);
}

/* A pool made with a reserve (dl_pool_opts.reserve, rounded up to whole members) holds
 * it as spare jobs from the start, its writers burn from them, and the SYNC that ends
 * the burn frees only the spares beyond it: the next burn starts from buffers already
 * faulted in (doc/disclog.md section 6).  The reserve is larger than the spares the
 * budget alone keeps (workers + 2 + one writer + 2 members, in twice the budget), so
 * those limits must not free it either.  A reserve over 64 GiB is refused. */
static void test_pool_reserve(void)
{
	char path[PATH_MAX];
	tpath(path, sizeof(path), "reserve.disclog");
	struct dl_error e;
	struct dl_pool_opts po = { .threads = 2, .max_inflight = 2u << 20,
				   .reserve = 8 * (size_t)DL_MEMBER_TARGET + 1 };
	struct dl_pool *pool = dl_pool_new(&po, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
	struct dl_pool_stats ps;
	dl_pool_get_stats(pool, &ps);
	CU_ASSERT_EQUAL(ps.reserve_jobs, 9);
	CU_ASSERT_EQUAL(ps.spare_jobs, 9);
	CU_ASSERT_EQUAL(ps.spare_bytes, 9 * (size_t)DL_MEMBER_TARGET);

	struct dl_writer_opts o = { .level = 1, .pool = pool };
	struct dl_writer *w = dl_writer_open(path, &o, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	enum { CALL = 128 };	/* 256 KiB, a WRITE's worth */
	uint8_t *buf = malloc(CALL * 2048);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	uint32_t lba = 0;
	for (int i = 0; i < 40; i++, lba += CALL) {	/* 10 MiB: more than the reserve */
		fill_iso(buf, (uint64_t)lba * 2048, CALL * 2048);
		struct dl_data_meta m = meta_at((int32_t)lba, CALL, 2048);
		CU_ASSERT_EQUAL_FATAL(dl_write_data(w, &m, buf, CALL * 2048, &e), 0);
	}
	CU_ASSERT_EQUAL(dl_writer_sync(w, &e), 0);
	dl_pool_get_stats(pool, &ps);
	CU_ASSERT_EQUAL(ps.queued, 0);
	CU_ASSERT_EQUAL(ps.spare_jobs, 9);	/* the reserve, and not one more */
	CU_ASSERT_TRUE(ps.spare_bytes >= 9 * (size_t)DL_MEMBER_TARGET);
	if (ps.spare_jobs != 9)
		fprintf(stderr, "pool_reserve: %u spare jobs after the SYNC\n", ps.spare_jobs);
	CU_ASSERT_EQUAL(dl_writer_close(w, &e), 0);
	CU_ASSERT_EQUAL(dl_pool_free(pool), 0);
	free(buf);
	CU_ASSERT_TRUE(zcat_equals_iso(path, (uint64_t)lba * 2048));

	po.reserve = ((size_t)64 << 30) + 1;
	CU_ASSERT_PTR_NULL(dl_pool_new(&po, &e));
	CU_ASSERT_EQUAL(e.code, DL_EINVAL);
}

/* Plain zlib, as a gzip reader (windowBits 31: it checks each member's CRC-32 and
 * ISIZE itself), inflates every member of path in turn; the payloads together equal
 * the ISO of iso_len bytes.  Independent of libdisclog's reader and engines. */
static bool zlib_gunzip_equals_iso(const char *path, uint64_t iso_len)
{
	size_t len = 0;
	uint8_t *p = slurp(path, &len);
	uint8_t out[65536], want[65536];
	uint64_t off = 0;
	unsigned members = 0;
	bool ok = p != NULL;
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	if (!ok || inflateInit2(&zs, 15 + 16) != Z_OK) {
		free(p);
		return false;
	}
	zs.next_in = p;
	zs.avail_in = (uInt)len;
	while (ok && zs.avail_in > 0) {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		int zr = inflate(&zs, Z_NO_FLUSH);
		size_t n = sizeof(out) - zs.avail_out;
		if (off + n > iso_len)
			ok = false;
		if (ok && n) {
			fill_iso(want, off, n);
			ok = memcmp(out, want, n) == 0;
			off += n;
		}
		if (zr == Z_STREAM_END) {	/* one member done: the next starts here */
			members++;
			ok = ok && inflateReset(&zs) == Z_OK;
		} else if (zr != Z_OK) {
			ok = false;
		}
	}
	inflateEnd(&zs);
	free(p);
	return ok && members > 0 && off == iso_len;
}

/* Every block of the ISO reads back through dl_reader with these open flags. */
static bool reader_equals_iso(const char *path, unsigned flags, uint32_t blocks)
{
	struct dl_error e;
	struct dl_reader *r = dl_reader_open(path, flags, &e);
	uint8_t *got = malloc(512 * 2048), *want = malloc(512 * 2048);
	bool ok = r && got && want && dl_reader_report(r)->payload_bytes == (uint64_t)blocks * 2048;

	for (uint32_t lba = 0; ok && lba < blocks; lba += 512) {
		uint32_t n = blocks - lba < 512 ? blocks - lba : 512;
		fill_iso(want, (uint64_t)lba * 2048, (size_t)n * 2048);
		ok = dl_reader_read(r, (int32_t)lba, n, got, 512 * 2048, &e) == (long)n * 2048 &&
		     memcmp(got, want, (size_t)n * 2048) == 0;
	}
	dl_reader_close(r);
	free(got);
	free(want);
	return ok;
}

/* The deflate engines (doc/disclog.md §6) write one format.  The image each available
 * engine writes (level 1, 2 workers, STATE and SYNC records in between) inflates with plain zlib, with `gzip -dc`, and through the reader
 * with either inflate engine (default, and DL_OPEN_ZLIB).  With ISA-L built in, its
 * image differs in bytes from zlib's (it really is another compressor) and is within
 * 5 % of zlib's size; without it, asking for ISA-L is refused. */
static void test_engines_interoperate(void)
{
	static const enum dl_deflate engines[] = { DL_DEFLATE_ZLIB, DL_DEFLATE_ISAL };
	char path[2][PATH_MAX];
	uint64_t size[2] = { 0, 0 };

#ifdef HAVE_ISAL
	CU_ASSERT_TRUE(dl_deflate_available(DL_DEFLATE_ISAL));
	CU_ASSERT_STRING_EQUAL(dl_deflate_name(DL_DEFLATE_DEFAULT), "isa-l");
#else
	CU_ASSERT_FALSE(dl_deflate_available(DL_DEFLATE_ISAL));
	CU_ASSERT_STRING_EQUAL(dl_deflate_name(DL_DEFLATE_DEFAULT), "zlib");
	struct dl_writer_opts no = { .deflate = DL_DEFLATE_ISAL };
	struct dl_error e;
	tpath(path[1], sizeof(path[1]), "engine-none.disclog");
	CU_ASSERT_PTR_NULL(dl_writer_open(path[1], &no, &e));
	CU_ASSERT_EQUAL(e.code, DL_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ISA-L"));
#endif
	for (unsigned i = 0; i < 2; i++) {
		if (!dl_deflate_available(engines[i]))
			continue;
		struct dl_writer_opts o = { .level = 1, .threads = 2, .deflate = engines[i] };
		tpath(path[i], sizeof(path[i]), i ? "engine-isal.disclog" : "engine-zlib.disclog");
		write_iso_opts(path[i], &o);
		size[i] = file_size(path[i]);
		CU_ASSERT_TRUE(walk_image(path[i], NULL, 0).ok);
		CU_ASSERT_TRUE(zlib_gunzip_equals_iso(path[i], (uint64_t)ISO_BLOCKS * 2048));
		CU_ASSERT_TRUE(zcat_equals_iso(path[i], (uint64_t)ISO_BLOCKS * 2048));
		CU_ASSERT_TRUE(reader_equals_iso(path[i], 0, ISO_BLOCKS));
		CU_ASSERT_TRUE(reader_equals_iso(path[i], DL_OPEN_ZLIB, ISO_BLOCKS));
	}
	if (size[0] && size[1]) {
		size_t l0, l1;
		uint8_t *b0 = slurp(path[0], &l0), *b1 = slurp(path[1], &l1);
		CU_ASSERT_TRUE(b0 && b1 && (l0 != l1 || memcmp(b0, b1, l0) != 0));
		CU_ASSERT_TRUE(size[1] <= size[0] + size[0] / 20);
		free(b0);
		free(b1);
	}
}

static const struct unit_test writer_tests[] = {
	{ "zcat_equals_iso", test_zcat_equals_iso },
	{ "merging", test_merging },
	{ "stored_incompressible", test_stored_incompressible },
	{ "zeros", test_zeros },
	{ "state_parts", test_state_parts },
	{ "sync_record", test_sync_record },
	{ "reopen_append", test_reopen_append },
	{ "io_error", test_io_error },
	{ "injected_faults", test_injected_faults },
	{ "inject_disarm", test_inject_disarm },
	{ "latest_wins_mixed_sizes", test_latest_wins_mixed_sizes },
	{ "nonblock", test_nonblock },
	{ "spare_jobs", test_spare_jobs },
	{ "spare_jobs_pool", test_spare_jobs_pool },
	{ "pool_reserve", test_pool_reserve },
	{ "engines_interoperate", test_engines_interoperate },
	{ "sampled_store", test_sampled_store },
	{ "incompressible_bound", test_incompressible_bound },
	{ "stored_from_payload", test_stored_from_payload },
};

static int register_writer(void)
{
	if (unit_add_suite("disclog_writer", writer_tests,
			   sizeof(writer_tests) / sizeof(writer_tests[0])) != 0)
		return -1;
	/* unit_add_suite has no init/cleanup hooks: set them on the suite just added. */
	CU_pSuite s = CU_get_suite("disclog_writer");
	if (!s)
		return -1;
	s->pInitializeFunc = suite_init;
	s->pCleanupFunc = suite_clean;
	return 0;
}
UNIT_SUITE(register_writer)
