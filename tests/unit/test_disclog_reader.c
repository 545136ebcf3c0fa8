/* tests/unit/test_disclog_reader.c - the disclog reader (disclog/reader.c)
 * and the record header codec, against images built here member by member
 * (dl_member_header_encode + raw deflate + crc32), without the writer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "unit.h"
#include "disclog.h"
#include "dlexport.h"
#include "dlcodec.h"

/* ---- scratch files ---------------------------------------------------------- */

static char tmp_path[512];

/* A fresh scratch path under $TESTTMP (make check), else $TMPDIR or /tmp: run on its
 * own, the program must not need a writable current directory. */
static const char *scratch(const char *name)
{
	const char *dir = getenv("TESTTMP");
	if (dir && *dir) {
		mkdir(dir, 0777);
	} else {
		dir = getenv("TMPDIR");
		if (!dir || !*dir)
			dir = "/tmp";
	}
	snprintf(tmp_path, sizeof(tmp_path), "%s/dlr-%ld-%s", dir, (long)getpid(), name);
	return tmp_path;
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = n ? fwrite(p, 1, n, f) : 0;
	return fclose(f) == 0 && w == n ? 0 : -1;
}

/* ---- deterministic content ---------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Block lba as written by generation gen: half compressible, half noise. */
static void fill_block(uint8_t *p, int32_t lba, uint32_t gen, uint32_t bs)
{
	uint64_t x = ((uint64_t)(uint32_t)lba << 32 | gen) * 0x9e3779b97f4a7c15ull + 1;
	for (uint32_t i = 0; i < bs; i++) {
		if ((i / 64) % 2) {
			p[i] = (uint8_t)(lba * 3 + gen + (i / 64));
		} else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[i] = (uint8_t)x;
		}
	}
}

/* ---- image builder --------------------------------------------------------------- */

struct tb_rec {
	uint64_t off, size, seq;
	uint8_t type;
	int32_t lba;
	uint32_t count, bs, gen;
};

struct tb {
	uint8_t *buf;
	size_t len, cap;
	uint64_t seq;
	struct tb_rec *recs;
	size_t n, rcap;
};

static void tb_put(struct tb *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		b->buf = realloc(b->buf, cap);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b->buf);
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void tb_free(struct tb *b)
{
	free(b->buf);
	free(b->recs);
	memset(b, 0, sizeof(*b));
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Framing faults tb_member can build (with correct CRC-32 and ISIZE). */
enum { TB_OK, TB_PAD_BEFORE_TRAILER, TB_NO_FINAL_BLOCK };
static int tb_fault;

/* Append one member: h (type and type fields set by the caller; seq, version and
 * member size filled here), the snapshot for STATE, the payload. */
static uint64_t tb_member(struct tb *b, struct dl_header *h, const struct dl_state *st,
			  const void *payload, size_t plen)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	CU_ASSERT_FATAL(deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	uLong bound = deflateBound(&zs, (uLong)plen) + 16;
	uint8_t *z = malloc(bound);
	CU_ASSERT_PTR_NOT_NULL_FATAL(z);
	zs.next_in = (Bytef *)(uintptr_t)payload;
	zs.avail_in = (uInt)plen;
	zs.next_out = z;
	zs.avail_out = (uInt)bound;
	int zrc = deflate(&zs, tb_fault == TB_NO_FINAL_BLOCK ? Z_SYNC_FLUSH : Z_FINISH);
	CU_ASSERT_FATAL(zrc == (tb_fault == TB_NO_FINAL_BLOCK ? Z_OK : Z_STREAM_END));
	size_t clen = bound - zs.avail_out;
	if (tb_fault == TB_PAD_BEFORE_TRAILER && clen < bound)
		z[clen++] = 0;
	deflateEnd(&zs);

	size_t hcap = DL_GZ_FIXED + DL_SUB_HDR + DL_HEADER_MAX;
	uint8_t *hdr = malloc(hcap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hdr);
	h->version = DL_VERSION;
	h->seq = b->seq++;
	h->member_size = 0;
	int hl = dl_member_header_encode(hdr, hcap, h, st);
	CU_ASSERT_FATAL(hl > 0);
	h->member_size = (uint64_t)hl + clen + DL_TRAILER;
	hl = dl_member_header_encode(hdr, hcap, h, st);
	CU_ASSERT_FATAL(hl > 0);

	uint64_t off = b->len;
	uint8_t tr[8];
	put_le32(tr, (uint32_t)crc32(crc32(0, NULL, 0), payload, (uInt)plen));
	put_le32(tr + 4, (uint32_t)plen);
	tb_put(b, hdr, (size_t)hl);
	tb_put(b, z, clen);
	tb_put(b, tr, 8);
	free(hdr);
	free(z);

	if (b->n == b->rcap) {
		b->rcap = b->rcap ? b->rcap * 2 : 32;
		b->recs = realloc(b->recs, b->rcap * sizeof(*b->recs));
		CU_ASSERT_PTR_NOT_NULL_FATAL(b->recs);
	}
	struct tb_rec *r = &b->recs[b->n++];
	memset(r, 0, sizeof(*r));
	r->off = off;
	r->size = h->member_size;
	r->seq = h->seq;
	r->type = h->type;
	if (h->type == DL_REC_DATA) {
		r->lba = h->data.lba;
		r->count = h->data.count;
		r->bs = h->data.block_size;
		r->gen = (uint32_t)h->data.vtime_us;
	}
	return off;
}

/* DATA record of count blocks from lba, content generation gen (also its vtime). */
static uint64_t tb_data(struct tb *b, int32_t lba, uint32_t count, uint32_t bs, uint32_t gen)
{
	struct dl_header h;
	memset(&h, 0, sizeof(h));
	h.type = DL_REC_DATA;
	h.data.lba = lba;
	h.data.count = count;
	h.data.block_size = bs;
	h.data.data_block_type = 8;
	h.data.write_type = 1;
	h.data.opcode = 0x2a;
	h.data.flags = DL_FLAG_FUA;
	h.data.track = 1;
	h.data.session = 1;
	h.data.vtime_us = gen;
	uint8_t *p = malloc((size_t)count * bs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	for (uint32_t i = 0; i < count; i++)
		fill_block(p + (size_t)i * bs, lba + (int32_t)i, gen, bs);
	uint64_t off = tb_member(b, &h, NULL, p, (size_t)count * bs);
	free(p);
	return off;
}

static uint64_t tb_sync(struct tb *b)
{
	struct dl_header h;
	memset(&h, 0, sizeof(h));
	h.type = DL_REC_SYNC;
	h.synced_seq = b->seq ? b->seq - 1 : 0;
	return tb_member(b, &h, NULL, NULL, 0);
}

/* Which tracks STATE part k carries.  Part 0 has less room (disc block, page 05h,
 * sessions: doc/disclog.md §3.3); dl_state_parts gives the count for the other parts. */
static unsigned state_split(const struct dl_state *s, unsigned part, uint16_t *first, uint16_t *cnt)
{
	uint16_t per;
	unsigned parts = dl_state_parts(s, &per);
	size_t fixed0 = 32 + 35 + (size_t)s->page05_len + 16 * (size_t)s->nsessions;
	size_t per0 = (DL_HEADER_MAX - fixed0) / 32;
	if (per0 > s->ntracks)
		per0 = s->ntracks;
	if (part == 0) {
		*first = 0;
		*cnt = (uint16_t)per0;
	} else {
		size_t f = per0 + (size_t)(part - 1) * per;
		*first = (uint16_t)f;
		*cnt = (uint16_t)(s->ntracks - f < per ? s->ntracks - f : per);
	}
	return parts;
}

static uint64_t tb_state_part(struct tb *b, const struct dl_state *s, unsigned part)
{
	struct dl_header h;
	memset(&h, 0, sizeof(h));
	h.type = DL_REC_STATE;
	h.part = (uint16_t)part;
	h.nparts = (uint16_t)state_split(s, part, &h.first_track, &h.part_tracks);
	return tb_member(b, &h, s, NULL, 0);
}

static void tb_state(struct tb *b, const struct dl_state *s)
{
	unsigned parts = dl_state_parts(s, NULL);
	for (unsigned k = 0; k < parts; k++)
		tb_state_part(b, s, k);
}

/* A snapshot with ntracks tracks and nsessions sessions; vtime tags it. */
static void make_state(struct dl_state *s, unsigned nsessions, unsigned ntracks, uint64_t vtime)
{
	memset(s, 0, sizeof(*s));
	s->profile = 0x0009;
	s->capacity = 359845;
	s->disc_status = 1;
	s->last_session_state = 1;
	s->disc_type = 0x20;
	s->flags = 3;
	s->nwa = 12345;
	s->leadin_lba = -150;
	s->last_leadout_lba = 359849;
	s->vtime_us = vtime;
	s->page05_len = 20;
	for (unsigned i = 0; i < s->page05_len; i++)
		s->page05[i] = (uint8_t)(0x05 + i * 7);
	s->nsessions = (uint16_t)nsessions;
	s->ntracks = (uint16_t)ntracks;
	s->sessions = calloc(nsessions ? nsessions : 1, sizeof(*s->sessions));
	s->tracks = calloc(ntracks ? ntracks : 1, sizeof(*s->tracks));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->sessions);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->tracks);
	for (unsigned i = 0; i < nsessions; i++) {
		s->sessions[i] = (struct dl_session){
			.number = (uint16_t)(i + 1), .state = 3, .flags = (uint8_t)i,
			.start_lba = (int32_t)(i * 1000) - 150, .leadout_lba = -1,
			.first_track = (uint16_t)(i + 1), .last_track = (uint16_t)(i + 2),
		};
	}
	for (unsigned i = 0; i < ntracks; i++) {
		s->tracks[i] = (struct dl_track){
			.number = (uint16_t)(i + 1), .session = (uint16_t)(1 + i % 3), .state = (uint8_t)(i % 4),
			.mode = 4, .data_mode = (uint8_t)(i & 0xff), .flags = (uint8_t)(i % 16),
			.start_lba = (int32_t)i * 300 - 150, .size = 300 + i, .nwa = -1 - (int32_t)i,
			.last_recorded = (int32_t)i * 7, .free_blocks = (uint32_t)(vtime + i),
			.packet_size = 16,
		};
	}
}

static bool state_equal(const struct dl_state *a, const struct dl_state *b)
{
	if (a->profile != b->profile || a->capacity != b->capacity || a->disc_status != b->disc_status ||
	    a->last_session_state != b->last_session_state || a->disc_type != b->disc_type ||
	    a->flags != b->flags || a->nwa != b->nwa || a->leadin_lba != b->leadin_lba ||
	    a->last_leadout_lba != b->last_leadout_lba || a->vtime_us != b->vtime_us ||
	    a->page05_len != b->page05_len || memcmp(a->page05, b->page05, a->page05_len) != 0 ||
	    a->nsessions != b->nsessions || a->ntracks != b->ntracks)
		return false;
	for (unsigned i = 0; i < a->nsessions; i++) {
		const struct dl_session *x = &a->sessions[i], *y = &b->sessions[i];
		if (x->number != y->number || x->state != y->state || x->flags != y->flags ||
		    x->start_lba != y->start_lba || x->leadout_lba != y->leadout_lba ||
		    x->first_track != y->first_track || x->last_track != y->last_track)
			return false;
	}
	for (unsigned i = 0; i < a->ntracks; i++) {
		const struct dl_track *x = &a->tracks[i], *y = &b->tracks[i];
		if (x->number != y->number || x->session != y->session || x->state != y->state ||
		    x->mode != y->mode || x->data_mode != y->data_mode || x->flags != y->flags ||
		    x->start_lba != y->start_lba || x->size != y->size || x->nwa != y->nwa ||
		    x->last_recorded != y->last_recorded || x->free_blocks != y->free_blocks ||
		    x->packet_size != y->packet_size)
			return false;
	}
	return true;
}

/* Write the image to a scratch file and open it. */
static struct dl_reader *tb_open(const struct tb *b, const char *name, unsigned flags, struct dl_error *err)
{
	const char *p = scratch(name);
	CU_ASSERT_FATAL(write_file(p, b->buf, b->len) == 0);
	struct dl_reader *r = dl_reader_open(p, flags, err);
	unlink(p);
	return r;
}

static struct dl_reader *open_bytes(const void *buf, size_t len, const char *name, unsigned flags,
				    struct dl_error *err)
{
	const char *p = scratch(name);
	CU_ASSERT_FATAL(write_file(p, buf, len) == 0);
	struct dl_reader *r = dl_reader_open(p, flags, err);
	unlink(p);
	return r;
}

/* err->msg names the offset (as a decimal number) and the file. */
static bool msg_names(const struct dl_error *e, uint64_t off)
{
	char num[32];
	snprintf(num, sizeof(num), "%llu", (unsigned long long)off);
	return e->msg[0] && strstr(e->msg, num) != NULL && strstr(e->msg, "dlr-") != NULL;
}

/* Does block lba read back as generation gen at block size bs? */
static bool block_is(struct dl_reader *r, int32_t lba, uint32_t gen, uint32_t bs)
{
	uint8_t *want = malloc(bs), *got = malloc(bs + 1);
	struct dl_error e;
	bool ok = false;
	if (want && got) {
		fill_block(want, lba, gen, bs);
		long n = dl_reader_read(r, lba, 1, got, bs + 1, &e);
		ok = n == (long)bs && memcmp(want, got, bs) == 0;
	}
	free(want);
	free(got);
	return ok;
}

/* ---- codec ---------------------------------------------------------------------- */

static void test_codec_data(void)
{
	uint8_t buf[256];
	struct dl_header h, d;
	struct dl_error e;
	memset(&h, 0, sizeof(h));
	h.type = DL_REC_DATA;
	h.member_size = 1000;
	h.seq = 0x123456789ull;
	h.data = (struct dl_data_meta){ .lba = -150, .count = 75, .block_size = 2352,
		.data_block_type = 0, .write_type = 2, .opcode = 0xaa, .flags = DL_FLAG_STREAMING | DL_FLAG_TEST_WRITE,
		.track = 1, .session = 1, .vtime_us = 0x1122334455667788ull };
	int n = dl_member_header_encode(buf, sizeof(buf), &h, NULL);
	CU_ASSERT_EQUAL(n, DL_GZ_FIXED + DL_SUB_HDR + DL_DATA_HLEN);
	CU_ASSERT_EQUAL(buf[0], 0x1f);
	CU_ASSERT_EQUAL(buf[1], 0x8b);
	CU_ASSERT_EQUAL(dl_member_header_decode(buf, (size_t)n, 0, &d, NULL, &e), n);
	CU_ASSERT_EQUAL(d.version, 1);
	CU_ASSERT_EQUAL(d.type, DL_REC_DATA);
	CU_ASSERT_EQUAL(d.header_len, DL_DATA_HLEN);
	CU_ASSERT_EQUAL(d.member_size, 1000);
	CU_ASSERT_EQUAL(d.seq, 0x123456789ull);
	CU_ASSERT_EQUAL(d.data.lba, -150);
	CU_ASSERT_EQUAL(d.data.count, 75);
	CU_ASSERT_EQUAL(d.data.block_size, 2352);
	CU_ASSERT_EQUAL(d.data.data_block_type, 0);
	CU_ASSERT_EQUAL(d.data.write_type, 2);
	CU_ASSERT_EQUAL(d.data.opcode, 0xaa);
	CU_ASSERT_EQUAL(d.data.flags, DL_FLAG_STREAMING | DL_FLAG_TEST_WRITE);
	CU_ASSERT_EQUAL(d.data.track, 1);
	CU_ASSERT_EQUAL(d.data.session, 1);
	CU_ASSERT_EQUAL(d.data.vtime_us, 0x1122334455667788ull);
	/* Too short to tell, then every truncation of the header. */
	for (int len = 0; len < n; len++)
		CU_ASSERT_EQUAL(dl_member_header_decode(buf, (size_t)len, 0, &d, NULL, &e), 0);
}

static void test_codec_sync(void)
{
	uint8_t buf[128];
	struct dl_header h, d;
	struct dl_error e;
	memset(&h, 0, sizeof(h));
	h.type = DL_REC_SYNC;
	h.member_size = 60;
	h.seq = 8;
	h.synced_seq = 7;
	int n = dl_member_header_encode(buf, sizeof(buf), &h, NULL);
	CU_ASSERT_EQUAL(n, DL_GZ_FIXED + DL_SUB_HDR + 32);
	CU_ASSERT_EQUAL(dl_member_header_decode(buf, (size_t)n, 0, &d, NULL, &e), n);
	CU_ASSERT_EQUAL(d.type, DL_REC_SYNC);
	CU_ASSERT_EQUAL(d.seq, 8);
	CU_ASSERT_EQUAL(d.synced_seq, 7);
	/* A flipped header bit is caught by the header CRC. */
	buf[DL_GZ_FIXED + DL_SUB_HDR + 24] ^= 1;
	CU_ASSERT_EQUAL(dl_member_header_decode(buf, (size_t)n, 77, &d, NULL, &e), DL_ECORRUPT);
	CU_ASSERT_EQUAL(e.offset, 77);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "CRC"));
}

static void test_codec_state_parts(void)
{
	struct dl_state s, got;
	make_state(&s, 3, 5000, 42);
	uint16_t per;
	unsigned parts = dl_state_parts(&s, &per);
	CU_ASSERT(parts >= 3);
	size_t cap = DL_GZ_FIXED + DL_SUB_HDR + DL_HEADER_MAX;
	uint8_t *buf = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memset(&got, 0, sizeof(got));
	unsigned covered = 0;
	for (unsigned k = 0; k < parts; k++) {
		struct dl_header h, d;
		struct dl_error e;
		memset(&h, 0, sizeof(h));
		h.type = DL_REC_STATE;
		h.member_size = 70000;
		h.seq = k;
		h.part = (uint16_t)k;
		h.nparts = (uint16_t)state_split(&s, k, &h.first_track, &h.part_tracks);
		CU_ASSERT_EQUAL(h.nparts, parts);
		int n = dl_member_header_encode(buf, cap, &h, &s);
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT(n <= (int)cap);
		/* standalone check, then merge */
		CU_ASSERT_EQUAL(dl_member_header_decode(buf, (size_t)n, 0, &d, NULL, &e), n);
		CU_ASSERT_EQUAL(dl_member_header_decode(buf, (size_t)n, 0, &d, &got, &e), n);
		CU_ASSERT_EQUAL(d.part, k);
		CU_ASSERT_EQUAL(d.nparts, parts);
		CU_ASSERT_EQUAL(d.first_track, h.first_track);
		CU_ASSERT_EQUAL(d.part_tracks, h.part_tracks);
		covered += d.part_tracks;
	}
	CU_ASSERT_EQUAL(covered, 5000);
	CU_ASSERT(state_equal(&s, &got));
	free(buf);
	dl_state_free(&got);
	dl_state_free(&s);
}

/* ---- opening --------------------------------------------------------------------- */

static void test_empty_file(void)
{
	struct dl_error e;
	struct dl_reader *r = open_bytes("", 0, "empty", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	const struct dl_open_report *rep = dl_reader_report(r);
	CU_ASSERT_EQUAL(rep->file_size, 0);
	CU_ASSERT_EQUAL(rep->valid_size, 0);
	CU_ASSERT_EQUAL(rep->torn_bytes, 0);
	CU_ASSERT_EQUAL(rep->records, 0);
	CU_ASSERT(rep->lba_min > rep->lba_max);
	CU_ASSERT_PTR_NULL(dl_reader_state(r));
	uint8_t b[2048];
	CU_ASSERT_EQUAL(dl_reader_read(r, 0, 1, b, sizeof(b), &e), DL_ERANGE);
	struct dl_data_meta m;
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, 0, &m, &e), DL_ERANGE);
	dl_reader_close(r);
}

static void test_report(void)
{
	struct tb b = {0};
	struct dl_state s;
	make_state(&s, 1, 2, 5);
	tb_state(&b, &s);
	tb_data(&b, -150, 150, 2352, 1);
	tb_data(&b, 0, 100, 2352, 2);
	tb_sync(&b);
	tb_data(&b, 50, 10, 2048, 3);
	struct dl_error e;
	struct dl_reader *r = tb_open(&b, "report", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	const struct dl_open_report *rep = dl_reader_report(r);
	CU_ASSERT_EQUAL(rep->file_size, b.len);
	CU_ASSERT_EQUAL(rep->valid_size, b.len);
	CU_ASSERT_EQUAL(rep->torn_bytes, 0);
	CU_ASSERT_EQUAL(rep->records, 5);
	CU_ASSERT_EQUAL(rep->data_records, 3);
	CU_ASSERT_EQUAL(rep->state_records, 1);
	CU_ASSERT_EQUAL(rep->sync_records, 1);
	CU_ASSERT_EQUAL(rep->last_seq, 4);
	CU_ASSERT_EQUAL(rep->last_synced_seq, 2);
	CU_ASSERT_EQUAL(rep->payload_bytes, 250ull * 2352 + 10 * 2048);
	CU_ASSERT_EQUAL(rep->lba_min, -150);
	CU_ASSERT_EQUAL(rep->lba_max, 99);
	CU_ASSERT_EQUAL(e.code, DL_OK);
	const struct dl_state *got = dl_reader_state(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT(state_equal(got, &s));
	/* Negative LBAs read back. */
	CU_ASSERT(block_is(r, -150, 1, 2352));
	CU_ASSERT(block_is(r, -1, 1, 2352));
	CU_ASSERT(block_is(r, 49, 2, 2352));
	CU_ASSERT(block_is(r, 50, 3, 2048));
	CU_ASSERT(block_is(r, 60, 2, 2352));
	dl_reader_close(r);
	/* The same image opens the same way without the CRC pass. */
	r = tb_open(&b, "report", DL_OPEN_NO_CRC, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_report(r)->records, 5);
	CU_ASSERT(block_is(r, 55, 3, 2048));
	dl_reader_close(r);
	dl_state_free(&s);
	tb_free(&b);
}

/* ---- latest wins ----------------------------------------------------------------- */

#define WIN_LO (-200)
#define WIN_N  1400

/* Reference model: generation and block size of each LBA in the window. */
struct model {
	uint32_t gen[WIN_N];
	uint32_t bs[WIN_N];
};

static void model_data(struct tb *b, struct model *m, int32_t lba, uint32_t count, uint32_t bs, uint32_t gen)
{
	tb_data(b, lba, count, bs, gen);
	for (uint32_t i = 0; i < count; i++) {
		m->gen[lba + (int32_t)i - WIN_LO] = gen;
		m->bs[lba + (int32_t)i - WIN_LO] = bs;
	}
}

/* Every LBA of the window, and every maximal written stretch in one read. */
static void model_check(struct dl_reader *r, const struct model *m)
{
	struct dl_error e;
	unsigned bad_meta = 0, bad_data = 0, bad_range = 0;

	for (int i = 0; i < WIN_N; i++) {
		int32_t lba = WIN_LO + i;
		struct dl_data_meta meta;
		int rc = dl_reader_block_meta(r, lba, &meta, &e);
		if (m->gen[i] == 0) {
			if (rc != DL_ERANGE)
				bad_meta++;
			uint8_t tiny[4];
			if (dl_reader_read(r, lba, 1, tiny, 0, &e) != DL_ERANGE)
				bad_range++;
			continue;
		}
		if (rc != 0 || meta.vtime_us != m->gen[i] || meta.block_size != m->bs[i] ||
		    lba < meta.lba || lba >= meta.lba + (int64_t)meta.count)
			bad_meta++;
		if (!block_is(r, lba, m->gen[i], m->bs[i]))
			bad_data++;
	}
	for (int i = 0; i < WIN_N;) {
		if (m->gen[i] == 0) {
			i++;
			continue;
		}
		int j = i;
		size_t bytes = 0;
		while (j < WIN_N && m->gen[j]) {
			bytes += m->bs[j];
			j++;
		}
		uint8_t *got = malloc(bytes), *want = malloc(bytes);
		CU_ASSERT_PTR_NOT_NULL_FATAL(got);
		CU_ASSERT_PTR_NOT_NULL_FATAL(want);
		size_t o = 0;
		for (int k = i; k < j; k++) {
			fill_block(want + o, WIN_LO + k, m->gen[k], m->bs[k]);
			o += m->bs[k];
		}
		long n = dl_reader_read(r, WIN_LO + i, (uint32_t)(j - i), got, bytes, &e);
		if (n != (long)bytes || memcmp(got, want, bytes) != 0)
			bad_data++;
		/* one block more on each side is a gap */
		if (i > 0 && dl_reader_read(r, WIN_LO + i - 1, (uint32_t)(j - i + 1), got, bytes, &e) != DL_ERANGE)
			bad_range++;
		if (j < WIN_N && dl_reader_read(r, WIN_LO + i, (uint32_t)(j - i + 1), got, bytes, &e) != DL_ERANGE)
			bad_range++;
		free(got);
		free(want);
		i = j;
	}
	CU_ASSERT_EQUAL(bad_meta, 0);
	CU_ASSERT_EQUAL(bad_data, 0);
	CU_ASSERT_EQUAL(bad_range, 0);
}

static void test_latest_wins(void)
{
	struct tb b = {0};
	static struct model m;
	memset(&m, 0, sizeof(m));
	uint32_t g = 1;
	model_data(&b, &m, 0, 100, 2048, g++);	/* base */
	model_data(&b, &m, 0, 10, 2048, g++);	/* overlap at the start */
	model_data(&b, &m, 40, 10, 2048, g++);	/* in the middle: splits */
	model_data(&b, &m, 95, 10, 2048, g++);	/* over the end and beyond */
	model_data(&b, &m, 200, 20, 2048, g++);	/* a separate extent */
	model_data(&b, &m, 190, 40, 2048, g++);	/* covers it fully */
	model_data(&b, &m, 45, 1, 2048, g++);	/* inside the earlier split */
	for (int k = 0; k < 50; k++)		/* many rewrites of one place */
		model_data(&b, &m, 60 + k % 3, 2, 2048, g++);
	model_data(&b, &m, -150, 300, 2048, g++);	/* covers several extents */
	model_data(&b, &m, 300, 5, 2048, g++);
	struct dl_error e;
	struct dl_reader *r = tb_open(&b, "latest", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	model_check(r, &m);
	dl_reader_close(r);
	tb_free(&b);
}

/* Many random rewrites with mixed block sizes, against the model. */
static void test_latest_wins_random(void)
{
	struct tb b = {0};
	static struct model m;
	memset(&m, 0, sizeof(m));
	static const uint32_t sizes[] = { 16, 24, 40 };
	rng_state = 12345;
	for (uint32_t g = 1; g <= 700; g++) {
		uint32_t count = 1 + (uint32_t)(rnd() % 40);
		int32_t lba;
		if (g % 7 == 0)		/* a sequential burst now and then */
			lba = WIN_LO + (int32_t)((g * 13) % (WIN_N - 40));
		else
			lba = WIN_LO + (int32_t)(rnd() % (WIN_N - count));
		model_data(&b, &m, lba, count, sizes[rnd() % 3], g);
		if (g % 50 == 0)
			tb_sync(&b);
	}
	struct dl_error e;
	struct dl_reader *r = tb_open(&b, "random", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	model_check(r, &m);
	dl_reader_close(r);
	tb_free(&b);
}

/* ---- reading ----------------------------------------------------------------------- */

static void test_mixed_block_sizes(void)
{
	struct tb b = {0};
	static struct model m;
	memset(&m, 0, sizeof(m));
	model_data(&b, &m, 0, 10, 2352, 1);
	model_data(&b, &m, 10, 10, 2448, 2);
	model_data(&b, &m, 20, 10, 2048, 3);
	struct dl_error e;
	struct dl_reader *r = tb_open(&b, "mixed", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	size_t want = 10 * (2352 + 2448 + 2048);
	uint8_t *buf = malloc(want);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL(dl_reader_read(r, 0, 30, buf, want, &e), (long)want);
	CU_ASSERT_EQUAL(dl_reader_read(r, 0, 30, buf, want - 1, &e), DL_EINVAL);
	model_check(r, &m);
	dl_reader_close(r);
	/* A rewrite at another size across the boundary. */
	model_data(&b, &m, 5, 10, 2048, 4);
	r = tb_open(&b, "mixed", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_read(r, 0, 30, buf, want, &e), 5 * 2352 + 10 * 2048 + 5 * 2448 + 10 * 2048);
	model_check(r, &m);
	dl_reader_close(r);
	free(buf);
	tb_free(&b);
}

static void test_read_spanning(void)
{
	struct tb b = {0};
	static struct model m;
	memset(&m, 0, sizeof(m));
	for (int k = 0; k < 10; k++)
		model_data(&b, &m, k * 8, 8, 2048, (uint32_t)(k + 1));
	/* A large member of noise (outside the model's window): stored blocks, several read and inflate chunks. */
	struct dl_header h;
	memset(&h, 0, sizeof(h));
	h.type = DL_REC_DATA;
	h.data = (struct dl_data_meta){ .lba = 5000, .count = 600, .block_size = 2048, .vtime_us = 99 };
	uint8_t *big = malloc(600 * 2048);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	rng_state = 777;
	for (size_t i = 0; i < 600 * 2048; i++)
		big[i] = (uint8_t)rnd();
	tb_member(&b, &h, NULL, big, 600 * 2048);
	struct dl_error e;
	struct dl_reader *r = tb_open(&b, "span", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	model_check(r, &m);
	uint8_t *buf = malloc(600 * 2048);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL(dl_reader_read(r, 3, 73, buf, 600 * 2048, &e), 73 * 2048);
	CU_ASSERT_EQUAL(dl_reader_read(r, 5000, 600, buf, 600 * 2048, &e), 600 * 2048);
	CU_ASSERT(memcmp(buf, big, 600 * 2048) == 0);
	CU_ASSERT_EQUAL(dl_reader_read(r, 5500, 50, buf, 50 * 2048, &e), 50 * 2048);
	CU_ASSERT(memcmp(buf, big + 500 * 2048, 50 * 2048) == 0);
	dl_reader_close(r);
	free(buf);
	free(big);
	tb_free(&b);
}

static void test_read_errors(void)
{
	struct tb b = {0};
	tb_data(&b, 0, 10, 2048, 1);
	tb_data(&b, 20, 10, 2048, 2);
	tb_data(&b, INT32_MAX - 4, 5, 2048, 3);
	struct dl_error e;
	struct dl_reader *r = tb_open(&b, "errs", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	uint8_t buf[40 * 2048];
	CU_ASSERT_EQUAL(dl_reader_read(r, 5, 20, buf, sizeof(buf), &e), DL_ERANGE);	/* gap 10..19 */
	CU_ASSERT_EQUAL(e.code, DL_ERANGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "10"));
	CU_ASSERT_EQUAL(dl_reader_read(r, -1, 2, buf, sizeof(buf), &e), DL_ERANGE);	/* before */
	CU_ASSERT_EQUAL(dl_reader_read(r, 25, 6, buf, sizeof(buf), &e), DL_ERANGE);	/* after */
	CU_ASSERT_EQUAL(dl_reader_read(r, 10, 1, buf, sizeof(buf), &e), DL_ERANGE);
	CU_ASSERT_EQUAL(dl_reader_read(r, 0, 10, buf, sizeof(buf), &e), 10 * 2048);
	CU_ASSERT_EQUAL(dl_reader_read(r, 0, 0, buf, sizeof(buf), &e), 0);
	CU_ASSERT_EQUAL(dl_reader_read(r, 0, 2, buf, 2047, &e), DL_EINVAL);
	CU_ASSERT_EQUAL(dl_reader_read(r, 0, 1, NULL, 10, &e), DL_EINVAL);
	CU_ASSERT_EQUAL(dl_reader_read(r, INT32_MAX - 4, 5, buf, sizeof(buf), &e), 5 * 2048);
	CU_ASSERT_EQUAL(dl_reader_read(r, INT32_MAX - 4, 6, buf, sizeof(buf), &e), DL_ERANGE);
	CU_ASSERT_EQUAL(dl_reader_read(r, INT32_MAX, UINT32_MAX, buf, sizeof(buf), &e), DL_ERANGE);
	CU_ASSERT_EQUAL(dl_reader_read(r, INT32_MIN, UINT32_MAX, buf, sizeof(buf), &e), DL_ERANGE);
	struct dl_data_meta m;
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, 15, &m, &e), DL_ERANGE);
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, 21, &m, &e), 0);
	CU_ASSERT_EQUAL(m.lba, 20);
	CU_ASSERT_EQUAL(m.count, 10);
	CU_ASSERT_EQUAL(m.vtime_us, 2);
	CU_ASSERT_EQUAL(m.opcode, 0x2a);
	CU_ASSERT_EQUAL(m.flags, DL_FLAG_FUA);
	CU_ASSERT_EQUAL(m.write_type, 1);
	CU_ASSERT_EQUAL(m.data_block_type, 8);
	/* the next recorded LBA: in a hole, inside an extent, after the last, at INT32 limits */
	int32_t next = 0;
	CU_ASSERT_EQUAL(dl_reader_next_recorded(r, INT32_MIN, &next), 0);
	CU_ASSERT_EQUAL(next, 0);
	CU_ASSERT_EQUAL(dl_reader_next_recorded(r, 5, &next), 0);
	CU_ASSERT_EQUAL(next, 5);
	CU_ASSERT_EQUAL(dl_reader_next_recorded(r, 10, &next), 0);
	CU_ASSERT_EQUAL(next, 20);
	CU_ASSERT_EQUAL(dl_reader_next_recorded(r, 30, &next), 0);
	CU_ASSERT_EQUAL(next, INT32_MAX - 4);
	CU_ASSERT_EQUAL(dl_reader_next_recorded(r, INT32_MAX, &next), 0);
	CU_ASSERT_EQUAL(next, INT32_MAX);
	CU_ASSERT_EQUAL(dl_reader_next_recorded(r, 0, NULL), DL_EINVAL);
	/* an export's layout cannot end past INT32_MAX: refused, not wrapped */
	struct dlx_layout lay;
	struct dlx_error xe;
	CU_ASSERT_EQUAL(dlx_layout_get(r, &lay, &xe), DLX_ECONTENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(xe.msg, "2147483647"));
	CU_ASSERT_PTR_NULL(lay.tracks);
	dl_reader_close(r);
	tb_free(&b);
	struct tb b2 = {0};
	tb_data(&b2, 0, 10, 2048, 1);
	r = tb_open(&b2, "next", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_next_recorded(r, 10, &next), DL_ERANGE);
	CU_ASSERT_EQUAL(dl_reader_next_recorded(r, INT32_MAX, &next), DL_ERANGE);
	CU_ASSERT_EQUAL(dlx_layout_get(r, &lay, &xe), 0);
	CU_ASSERT_EQUAL(lay.ntracks, 1);
	CU_ASSERT_EQUAL(lay.tracks[0].end, 10);
	dlx_layout_free(&lay);
	dl_reader_close(r);
	tb_free(&b2);
}

/* ---- foreach and payload ------------------------------------------------------------- */

struct seen {
	uint64_t off[64];
	uint8_t type[64];
	uint64_t seq[64];
	unsigned n, stop_at;
};

static int collect(void *arg, const struct dl_header *h, uint64_t offset)
{
	struct seen *s = arg;
	if (s->n < 64) {
		s->off[s->n] = offset;
		s->type[s->n] = h->type;
		s->seq[s->n] = h->seq;
	}
	s->n++;
	return s->stop_at && s->n == s->stop_at ? 42 : 0;
}

static void test_foreach_payload(void)
{
	struct tb b = {0};
	struct dl_state st;
	make_state(&st, 2, 3000, 9);	/* two parts */
	tb_data(&b, 0, 16, 2048, 1);
	tb_state(&b, &st);
	tb_data(&b, 8, 16, 2352, 2);
	tb_sync(&b);
	tb_data(&b, 100, 3, 2448, 3);
	struct dl_error e;
	struct dl_reader *r = tb_open(&b, "foreach", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	struct seen s;
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(dl_reader_foreach(r, collect, &s), 0);
	CU_ASSERT_EQUAL_FATAL(s.n, b.n);
	for (unsigned i = 0; i < s.n; i++) {
		CU_ASSERT_EQUAL(s.off[i], b.recs[i].off);
		CU_ASSERT_EQUAL(s.type[i], b.recs[i].type);
		CU_ASSERT_EQUAL(s.seq[i], i);
	}
	memset(&s, 0, sizeof(s));
	s.stop_at = 3;
	CU_ASSERT_EQUAL(dl_reader_foreach(r, collect, &s), 42);
	CU_ASSERT_EQUAL(s.n, 3);

	uint8_t *buf = malloc(16 * 2352), *want = malloc(16 * 2352);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	for (size_t i = 0; i < b.n; i++) {
		const struct tb_rec *t = &b.recs[i];
		long n = dl_reader_payload(r, t->off, buf, 16 * 2352, &e);
		if (t->type != DL_REC_DATA) {
			CU_ASSERT_EQUAL(n, 0);
			continue;
		}
		CU_ASSERT_EQUAL(n, (long)t->count * t->bs);
		for (uint32_t k = 0; k < t->count; k++)
			fill_block(want + (size_t)k * t->bs, t->lba + (int32_t)k, t->gen, t->bs);
		CU_ASSERT(n > 0 && memcmp(buf, want, (size_t)n) == 0);
	}
	CU_ASSERT_EQUAL(dl_reader_payload(r, b.recs[0].off + 1, buf, 16 * 2352, &e), DL_EINVAL);
	CU_ASSERT_EQUAL(dl_reader_payload(r, b.len, buf, 16 * 2352, &e), DL_EINVAL);
	CU_ASSERT_EQUAL(dl_reader_payload(r, b.recs[0].off, buf, 100, &e), DL_EINVAL);
	/* The payload of the first record, although its blocks 8..15 were rewritten. */
	CU_ASSERT_EQUAL(dl_reader_payload(r, 0, buf, 16 * 2352, &e), 16 * 2048);
	CU_ASSERT(block_is(r, 7, 1, 2048));
	CU_ASSERT(block_is(r, 8, 2, 2352));
	free(buf);
	free(want);
	dl_reader_close(r);
	dl_state_free(&st);
	tb_free(&b);
}

/* ---- torn tails ------------------------------------------------------------------------ */

static struct tb torn_base(void)
{
	struct tb b = {0};
	tb_data(&b, 0, 8, 2048, 1);
	tb_sync(&b);
	tb_data(&b, 8, 8, 2352, 2);
	tb_data(&b, 4, 3, 2048, 3);	/* the last member; rewrites 4..6 */
	return b;
}

static void test_torn_every_offset(void)
{
	struct tb b = torn_base();
	uint64_t last = b.recs[b.n - 1].off;
	const char *p = scratch("torn");
	unsigned bad = 0, bad_data = 0, bad_msg = 0;

	for (unsigned fl = 0; fl < 2; fl++) {
		unsigned flags = fl ? DL_OPEN_NO_CRC : 0;
		for (uint64_t len = last; len < b.len; len++) {
			struct dl_error e;
			CU_ASSERT_FATAL(write_file(p, b.buf, (size_t)len) == 0);
			struct dl_reader *r = dl_reader_open(p, flags, &e);
			if (!r) {
				bad++;
				continue;
			}
			const struct dl_open_report *rep = dl_reader_report(r);
			if (rep->valid_size != last || rep->torn_bytes != len - last || rep->records != b.n - 1 ||
			    rep->file_size != len || rep->last_seq != b.n - 2)
				bad++;
			if (len > last && (e.code != DL_OK || !strstr(e.msg, "torn") || e.offset != (int64_t)last))
				bad_msg++;
			/* the torn record's rewrite is not there: 4 is still generation 1 */
			if (!block_is(r, 4, 1, 2048) || !block_is(r, 15, 2, 2352))
				bad_data++;
			dl_reader_close(r);
		}
	}
	unlink(p);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(bad_msg, 0);
	CU_ASSERT_EQUAL(bad_data, 0);
	tb_free(&b);
}

static void test_torn_zero_tail(void)
{
	struct tb b = torn_base();
	uint64_t last = b.recs[b.n - 1].off, full = b.len;
	struct dl_error e;

	/* zeros after a complete image */
	uint8_t zeros[4096] = {0};
	tb_put(&b, zeros, sizeof(zeros));
	struct dl_reader *r = tb_open(&b, "zeros", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_report(r)->valid_size, full);
	CU_ASSERT_EQUAL(dl_reader_report(r)->torn_bytes, 4096);
	CU_ASSERT_EQUAL(dl_reader_report(r)->records, b.n);
	CU_ASSERT(block_is(r, 4, 3, 2048));
	dl_reader_close(r);

	/* the last member half written, the rest of its place zero */
	memset(b.buf + last + (full - last) / 2, 0, (size_t)(b.len - last - (full - last) / 2));
	r = tb_open(&b, "zeros", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_report(r)->valid_size, last);
	CU_ASSERT_EQUAL(dl_reader_report(r)->torn_bytes, b.len - last);
	CU_ASSERT(block_is(r, 4, 1, 2048));
	dl_reader_close(r);
	tb_free(&b);
}

static void test_garbage_after_last(void)
{
	struct tb b = torn_base();
	uint64_t full = b.len;
	uint8_t junk[3000];
	rng_state = 99;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rnd();
	junk[0] = 0x1f;		/* looks like a member for two bytes */
	junk[1] = 0x8b;
	junk[100] = 0x1f;
	junk[101] = 0x8b;
	junk[102] = 8;
	junk[103] = 4;
	tb_put(&b, junk, sizeof(junk));
	struct dl_error e;
	struct dl_reader *r = tb_open(&b, "garbage", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_report(r)->valid_size, full);
	CU_ASSERT_EQUAL(dl_reader_report(r)->torn_bytes, sizeof(junk));
	CU_ASSERT_EQUAL(e.offset, (int64_t)full);
	dl_reader_close(r);

	/* A copy of the last member appended: its sequence number is stale. */
	struct tb c = torn_base();
	const struct tb_rec *t = &c.recs[c.n - 1];
	uint8_t *copy = malloc(t->size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	memcpy(copy, c.buf + t->off, t->size);
	tb_put(&c, copy, t->size);
	r = tb_open(&c, "garbage", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_report(r)->valid_size, full);
	CU_ASSERT_EQUAL(dl_reader_report(r)->torn_bytes, t->size);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "sequence"));
	dl_reader_close(r);
	free(copy);
	tb_free(&c);

	/* Junk, then the header of an old member (as a torn member's payload may hold
	 * one): its sequence number cannot continue the image, so still a torn tail. */
	c = torn_base();
	tb_put(&c, junk + 200, 37);
	uint8_t sync_copy[256];			/* a copy of the SYNC member */
	CU_ASSERT_FATAL(c.recs[1].size <= sizeof(sync_copy));
	memcpy(sync_copy, c.buf + c.recs[1].off, (size_t)c.recs[1].size);
	tb_put(&c, sync_copy, (size_t)c.recs[1].size);
	r = tb_open(&c, "garbage", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_report(r)->valid_size, full);
	dl_reader_close(r);
	tb_free(&c);
	tb_free(&b);
}

/* ---- damage ------------------------------------------------------------------------------ */

static struct tb five(void)
{
	struct tb b = {0};
	for (int k = 0; k < 5; k++)
		tb_data(&b, k * 10, 10, 2048, (uint32_t)(k + 1));
	return b;
}

static void test_damaged_middle(void)
{
	struct dl_error e;
	/* payload byte */
	struct tb b = five();
	const struct tb_rec *t = &b.recs[2];
	b.buf[t->off + t->size / 2] ^= 0x40;
	struct dl_reader *r = tb_open(&b, "middle", 0, &e);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(e.code, DL_ECORRUPT);
	CU_ASSERT_EQUAL(e.offset, (int64_t)t->off);
	CU_ASSERT(msg_names(&e, t->off));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "damaged"));
	dl_reader_close(r);
	/* header CRC: a flipped LBA bit */
	tb_free(&b);
	b = five();
	t = &b.recs[1];
	b.buf[t->off + DL_GZ_FIXED + DL_SUB_HDR + 24] ^= 0x01;
	r = tb_open(&b, "middle", 0, &e);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(e.code, DL_ECORRUPT);
	CU_ASSERT_EQUAL(e.offset, (int64_t)t->off);
	CU_ASSERT(msg_names(&e, t->off));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "header CRC"));
	/* the same damage in the last member is a torn tail */
	tb_free(&b);
	b = five();
	t = &b.recs[4];
	b.buf[t->off + DL_GZ_FIXED + DL_SUB_HDR + 24] ^= 0x01;
	r = tb_open(&b, "middle", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_report(r)->valid_size, t->off);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "header CRC"));
	dl_reader_close(r);
	/* the first member damaged, the rest fine */
	tb_free(&b);
	b = five();
	b.buf[b.recs[0].off + b.recs[0].size - 3] ^= 0x10;	/* ISIZE */
	r = tb_open(&b, "middle", DL_OPEN_NO_CRC, &e);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(e.code, DL_ECORRUPT);
	CU_ASSERT_EQUAL(e.offset, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ISIZE"));
	tb_free(&b);
}

static void test_sequence_gap(void)
{
	struct tb b = {0};
	tb_data(&b, 0, 4, 2048, 1);
	tb_data(&b, 4, 4, 2048, 2);
	b.seq += 3;
	uint64_t bad = tb_data(&b, 8, 4, 2048, 3);
	tb_data(&b, 12, 4, 2048, 4);
	struct dl_error e;
	struct dl_reader *r = tb_open(&b, "seq", 0, &e);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(e.code, DL_ECORRUPT);
	CU_ASSERT_EQUAL(e.offset, (int64_t)bad);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "sequence"));
	tb_free(&b);
}

static void test_no_crc_then_read(void)
{
	struct tb b = five();
	const struct tb_rec *t = &b.recs[2];
	b.buf[t->off + t->size - 8] ^= 0xff;	/* the trailer's CRC-32 */
	struct dl_error e;
	struct dl_reader *r = tb_open(&b, "nocrc", 0, &e);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(e.code, DL_ECORRUPT);
	CU_ASSERT_EQUAL(e.offset, (int64_t)t->off);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "CRC"));

	r = tb_open(&b, "nocrc", DL_OPEN_NO_CRC, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_report(r)->records, 5);
	uint8_t buf[10 * 2048];
	CU_ASSERT(block_is(r, 19, 2, 2048));
	CU_ASSERT_EQUAL(dl_reader_read(r, 20, 1, buf, sizeof(buf), &e), DL_ECORRUPT);
	CU_ASSERT_EQUAL(e.offset, (int64_t)t->off);
	CU_ASSERT(msg_names(&e, t->off));
	CU_ASSERT_EQUAL(dl_reader_read(r, 15, 10, buf, sizeof(buf), &e), DL_ECORRUPT);
	CU_ASSERT_EQUAL(dl_reader_payload(r, t->off, buf, sizeof(buf), &e), DL_ECORRUPT);
	CU_ASSERT_EQUAL(e.offset, (int64_t)t->off);
	struct dl_data_meta m;
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, 25, &m, &e), 0);	/* headers are fine */
	CU_ASSERT(block_is(r, 30, 4, 2048));
	dl_reader_close(r);
	tb_free(&b);
}

/* Members whose CRC-32 and ISIZE are right but whose framing is not (doc/disclog.md §4
 * item 4). */
static void expect_member_fault(struct tb *b, uint64_t bad_off, const char *words, bool isize_wrong)
{
	struct dl_error e;
	tb_data(b, 900, 1, 2048, 9);	/* a valid member follows: damage in the middle */
	struct dl_reader *r = tb_open(b, "framing", 0, &e);
	CU_ASSERT_PTR_NULL(r);
	dl_reader_close(r);
	CU_ASSERT_EQUAL(e.code, DL_ECORRUPT);
	CU_ASSERT_EQUAL(e.offset, (int64_t)bad_off);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, words));
	/* Without the CRC pass the open succeeds (unless ISIZE already disagrees with
	 * the record), and reading finds it. */
	r = tb_open(b, "framing", DL_OPEN_NO_CRC, &e);
	if (isize_wrong) {
		CU_ASSERT_PTR_NULL(r);
		dl_reader_close(r);
		CU_ASSERT_EQUAL(e.code, DL_ECORRUPT);
		CU_ASSERT_EQUAL(e.offset, (int64_t)bad_off);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ISIZE"));
		return;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	uint8_t buf[4 * 2048];
	CU_ASSERT_EQUAL(dl_reader_payload(r, bad_off, buf, sizeof(buf), &e), DL_ECORRUPT);
	CU_ASSERT_EQUAL(e.offset, (int64_t)bad_off);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, words));
	dl_reader_close(r);
}

static void test_member_framing(void)
{
	struct tb b = {0};
	uint64_t off;

	tb_data(&b, 0, 2, 2048, 1);
	tb_fault = TB_PAD_BEFORE_TRAILER;
	off = tb_data(&b, 2, 2, 2048, 2);
	tb_fault = TB_OK;
	expect_member_fault(&b, off, "before the trailer", false);
	tb_free(&b);

	tb_data(&b, 0, 2, 2048, 1);
	tb_fault = TB_NO_FINAL_BLOCK;
	off = tb_data(&b, 2, 2, 2048, 2);
	tb_fault = TB_OK;
	expect_member_fault(&b, off, "final block", false);
	tb_free(&b);

	/* three blocks of payload, the header says two */
	uint8_t three[3 * 2048];
	for (int k = 0; k < 3; k++)
		fill_block(three + k * 2048, k, 1, 2048);
	struct dl_header h;
	memset(&h, 0, sizeof(h));
	h.type = DL_REC_DATA;
	h.data = (struct dl_data_meta){ .lba = 0, .count = 2, .block_size = 2048 };
	off = tb_member(&b, &h, NULL, three, sizeof(three));
	expect_member_fault(&b, off, "longer", true);
	tb_free(&b);

	/* one block short */
	h.data.count = 4;
	off = tb_member(&b, &h, NULL, three, sizeof(three));
	expect_member_fault(&b, off, "announces", true);
	tb_free(&b);

	/* a SYNC with a payload */
	tb_data(&b, 0, 2, 2048, 1);
	memset(&h, 0, sizeof(h));
	h.type = DL_REC_SYNC;
	off = tb_member(&b, &h, NULL, three, 10);
	struct dl_error e;
	tb_data(&b, 900, 1, 2048, 9);
	struct dl_reader *r = tb_open(&b, "framing", 0, &e);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(e.code, DL_ECORRUPT);
	CU_ASSERT_EQUAL(e.offset, (int64_t)off);
	/* ISIZE disagrees with the record: caught even without the CRC pass */
	r = tb_open(&b, "framing", DL_OPEN_NO_CRC, &e);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(e.code, DL_ECORRUPT);
	CU_ASSERT_EQUAL(e.offset, (int64_t)off);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ISIZE"));
	tb_free(&b);
}

/* ---- foreign files ----------------------------------------------------------------------- */

static void expect_foreign(const void *buf, size_t len, const char *name)
{
	struct dl_error e;
	struct dl_reader *r = open_bytes(buf, len, name, 0, &e);
	CU_ASSERT_PTR_NULL(r);
	dl_reader_close(r);
	CU_ASSERT_EQUAL(e.code, DL_EFOREIGN);
	CU_ASSERT_EQUAL(e.offset, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a disclog image"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, name));
	r = open_bytes(buf, len, name, DL_OPEN_NO_CRC, &e);
	CU_ASSERT_PTR_NULL(r);
	dl_reader_close(r);
	CU_ASSERT_EQUAL(e.code, DL_EFOREIGN);
}

static void test_foreign_gzip(void)
{
	const char *p = scratch("plain.gz");
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "gzip -c > '%s'", p);
	FILE *f = popen(cmd, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (int i = 0; i < 1000; i++)
		fprintf(f, "line %d of a plain text file\n", i);
	CU_ASSERT_EQUAL_FATAL(pclose(f), 0);
	struct dl_error e;
	struct dl_reader *r = dl_reader_open(p, 0, &e);
	unlink(p);
	CU_ASSERT_PTR_NULL(r);
	dl_reader_close(r);
	CU_ASSERT_EQUAL(e.code, DL_EFOREIGN);
	CU_ASSERT_EQUAL(e.offset, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a disclog image"));
}

static void test_foreign_bytes(void)
{
	uint8_t buf[5000];
	rng_state = 4242;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd();
	buf[0] = 0x42;
	expect_foreign(buf, sizeof(buf), "random");
	/* 2048 bytes that look like an ISO 9660 volume descriptor */
	uint8_t iso[2048];
	memset(iso, 0, sizeof(iso));
	memcpy(iso, "\001CD001\001", 7);
	memcpy(iso + 40, "BURNLAB", 7);
	expect_foreign(iso, sizeof(iso), "iso");
	/* a gzip header without the disclog subfield */
	static const uint8_t gz[] = { 0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 255, 6, 0, 'A', 'p', 2, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	expect_foreign(gz, sizeof(gz), "otherextra");
}

static void test_unsupported_version(void)
{
	struct tb b = five();
	b.buf[DL_GZ_FIXED + DL_SUB_HDR] = 2;	/* record version of the first member */
	struct dl_error e;
	struct dl_reader *r = tb_open(&b, "version", 0, &e);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(e.code, DL_EVERSION);
	CU_ASSERT_EQUAL(e.offset, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "version"));
	tb_free(&b);
}

/* ---- STATE ---------------------------------------------------------------------------------- */

static void test_state_last_complete(void)
{
	struct tb b = {0};
	struct dl_state a, big, c;
	make_state(&a, 1, 3, 100);
	make_state(&big, 4, 5000, 200);
	make_state(&c, 2, 6000, 300);
	CU_ASSERT(dl_state_parts(&big, NULL) >= 3);
	CU_ASSERT(dl_state_parts(&c, NULL) >= 3);
	tb_state(&b, &a);
	tb_data(&b, 0, 4, 2048, 1);
	tb_state(&b, &big);
	tb_sync(&b);
	tb_state_part(&b, &c, 0);	/* an incomplete snapshot at the tail */
	tb_state_part(&b, &c, 1);
	struct dl_error e;
	struct dl_reader *r = tb_open(&b, "state", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_report(r)->torn_bytes, 0);
	const struct dl_state *got = dl_reader_state(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(got->vtime_us, 200);
	CU_ASSERT(state_equal(got, &big));
	struct dl_state copy;
	CU_ASSERT_EQUAL(dl_state_copy(&copy, got), 0);
	dl_reader_close(r);
	CU_ASSERT(state_equal(&copy, &big));	/* the copy outlives the reader */
	dl_state_free(&copy);

	/* Completing c makes it the disc. */
	for (unsigned k = 2; k < dl_state_parts(&c, NULL); k++)
		tb_state_part(&b, &c, k);
	r = tb_open(&b, "state", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	got = dl_reader_state(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT(state_equal(got, &c));
	dl_reader_close(r);
	dl_state_free(&a);
	dl_state_free(&big);
	dl_state_free(&c);
	tb_free(&b);
}

static void test_state_interrupted(void)
{
	struct tb b = {0};
	struct dl_state a, c;
	make_state(&a, 1, 3, 100);
	make_state(&c, 2, 5000, 300);
	unsigned parts = dl_state_parts(&c, NULL);
	tb_state(&b, &a);
	tb_state_part(&b, &c, 0);
	tb_data(&b, 0, 4, 2048, 1);	/* not consecutive any more */
	for (unsigned k = 1; k < parts; k++)
		tb_state_part(&b, &c, k);
	tb_state_part(&b, &c, 1);	/* orphan part */
	tb_state_part(&b, &c, 0);	/* parts out of order */
	tb_state_part(&b, &c, 2);
	tb_state_part(&b, &c, 1);
	struct dl_error e;
	struct dl_reader *r = tb_open(&b, "stint", 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(dl_reader_report(r)->records, b.n);
	const struct dl_state *got = dl_reader_state(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT(state_equal(got, &a));
	dl_reader_close(r);
	dl_state_free(&a);
	dl_state_free(&c);
	tb_free(&b);
}

static void test_bad_args(void)
{
	struct dl_error e;
	CU_ASSERT_PTR_NULL(dl_reader_open(NULL, 0, &e));
	CU_ASSERT_EQUAL(e.code, DL_EINVAL);
	CU_ASSERT_PTR_NULL(dl_reader_open("/nonexistent/dir/x.disclog", 0, &e));
	CU_ASSERT_EQUAL(e.code, DL_EIO);
	CU_ASSERT_EQUAL(e.sys_errno, ENOENT);
	CU_ASSERT(e.msg[0] != '\0');
	CU_ASSERT_PTR_NULL(dl_reader_open(".", 0, &e));
	CU_ASSERT_EQUAL(e.code, DL_EINVAL);
	CU_ASSERT_PTR_NULL(dl_reader_open("x", 0x80, &e));
	CU_ASSERT_EQUAL(e.code, DL_EINVAL);
	CU_ASSERT_PTR_NULL(dl_reader_state(NULL));
	CU_ASSERT_EQUAL(dl_reader_foreach(NULL, collect, NULL), DL_EINVAL);
	dl_reader_close(NULL);
}

/* dl_state_part_slice agrees with doc/disclog.md §3.3, covers every track
 * once, and the codec refuses what cannot be encoded instead of crashing. */
static void test_codec_part_slice(void)
{
	static struct dl_track tracks[6000];
	static struct dl_session sessions[5000];
	struct dl_state s;
	uint8_t buf[DL_GZ_FIXED + DL_SUB_HDR + DL_HEADER_MAX];

	memset(&s, 0, sizeof(s));
	s.tracks = tracks;
	s.sessions = sessions;
	for (unsigned nt = 0; nt <= 6000; nt += 1500) {
		for (unsigned ns = 1; ns <= 100; ns += 99) {
			s.ntracks = (uint16_t)nt;
			s.nsessions = (uint16_t)ns;
			s.page05_len = 52;
			uint16_t per;
			unsigned parts = dl_state_parts(&s, &per);
			size_t per0 = (DL_HEADER_MAX - (32 + 35 + 52 + 16 * (size_t)ns)) / 32;
			CU_ASSERT_TRUE_FATAL(parts >= 1);
			uint32_t next = 0;
			for (unsigned k = 0; k < parts; k++) {
				uint16_t first, cnt;
				CU_ASSERT_EQUAL(dl_state_part_slice(&s, k, &first, &cnt), DL_OK);
				CU_ASSERT_EQUAL(first, next);
				if (k == 0) {
					CU_ASSERT_EQUAL(cnt, nt < per0 ? nt : per0);
				} else {
					CU_ASSERT(cnt >= 1 && cnt <= per);
				}
				next += cnt;
			}
			CU_ASSERT_EQUAL(next, nt);
			uint16_t f, c;
			CU_ASSERT_EQUAL(dl_state_part_slice(&s, parts, &f, &c), DL_EINVAL);
		}
	}
	/* A STATE header without its snapshot, and sessions that cannot fit part 0. */
	struct dl_header h;
	memset(&h, 0, sizeof(h));
	h.type = DL_REC_STATE;
	h.nparts = 1;
	h.member_size = 100;
	CU_ASSERT_EQUAL(dl_member_header_encode(buf, sizeof(buf), &h, NULL), DL_EINVAL);
	s.ntracks = 0;
	s.nsessions = 5000;
	CU_ASSERT_EQUAL(dl_state_parts(&s, NULL), 0u);
	CU_ASSERT_EQUAL(dl_member_header_encode(buf, sizeof(buf), &h, &s), DL_EINVAL);
}

static const struct unit_test reader_tests[] = {
	{ "codec_data", test_codec_data },
	{ "codec_sync", test_codec_sync },
	{ "codec_state_parts", test_codec_state_parts },
	{ "codec_part_slice", test_codec_part_slice },
	{ "empty_file", test_empty_file },
	{ "report", test_report },
	{ "latest_wins", test_latest_wins },
	{ "latest_wins_random", test_latest_wins_random },
	{ "mixed_block_sizes", test_mixed_block_sizes },
	{ "read_spanning", test_read_spanning },
	{ "read_errors", test_read_errors },
	{ "foreach_payload", test_foreach_payload },
	{ "torn_every_offset", test_torn_every_offset },
	{ "torn_zero_tail", test_torn_zero_tail },
	{ "garbage_after_last", test_garbage_after_last },
	{ "damaged_middle", test_damaged_middle },
	{ "sequence_gap", test_sequence_gap },
	{ "no_crc_then_read", test_no_crc_then_read },
	{ "member_framing", test_member_framing },
	{ "foreign_gzip", test_foreign_gzip },
	{ "foreign_bytes", test_foreign_bytes },
	{ "unsupported_version", test_unsupported_version },
	{ "state_last_complete", test_state_last_complete },
	{ "state_interrupted", test_state_interrupted },
	{ "bad_args", test_bad_args },
};

static int reader_suite(void)
{
	return UNIT_ADD_SUITE("disclog_reader", reader_tests);
}
UNIT_SUITE(reader_suite)
