/* tests/integration/dlcorrupt.c - the disclog reader against 1000 seeded random
 * corruptions of a valid image (bit flips, truncations, garbage headers, swapped
 * headers, zeroed ranges, appended garbage, duplicated members).
 *
 * Usage: dlcorrupt [SEED [COUNT]]      exit 0 pass, 1 fail
 *
 * The image is built here member by member (dl_member_header_encode, raw deflate,
 * crc32), not by the writer.  Each corrupted file is opened with and without
 * DL_OPEN_NO_CRC, then read whole, block by block, record by record.  The oracle:
 *  - a failed open returns a format error (foreign, version, corrupt) with a
 *    message naming an offset inside the file; without inserted bytes that offset
 *    is a member of the original image, and that member was damaged or cut;
 *  - an image that opens is a prefix of the original records (same offsets, types,
 *    sequence numbers), valid_size is the end of that prefix, and the member after
 *    it (if any) was damaged or cut;
 *  - every block reads as the latest record of the prefix that covers it wrote it,
 *    or DL_ERANGE if none does; the only other answer allowed is DL_ECORRUPT naming
 *    that record, when it was opened with DL_OPEN_NO_CRC and damaged;
 *  - truncations, appended garbage and changes to bytes readers ignore (MTIME, XFL,
 *    OS) must open, with exactly the records that are still whole;
 *  - the snapshot is the last one completed inside the prefix.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "disclog.h"
#include "dlcodec.h"
#include "wire.h"

/* ---- randomness ---------------------------------------------------------------- */

static uint64_t rng = 1;

static uint64_t rnd(void)
{
	uint64_t x = rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }

static void fill_block(uint8_t *p, int32_t lba, uint32_t gen, uint32_t bs)
{
	uint64_t x = ((uint64_t)(uint32_t)lba << 32 | gen) * 0x9e3779b97f4a7c15ull + 1;
	for (uint32_t i = 0; i < bs; i++) {
		if ((i / 64) % 2) {
			p[i] = (uint8_t)(lba * 5 + gen + (i / 64));
		} else {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[i] = (uint8_t)x;
		}
	}
}

/* ---- the original image ------------------------------------------------------------ */

#define MAX_RECS 64
#define MAX_SNAPS 4

struct rec {
	uint64_t off, size;
	size_t hlen;		/* gzip header bytes */
	uint8_t type;
	int32_t lba;
	uint32_t count, bs, gen;
	int completes;		/* snapshot index + 1 when this part completes one */
};

struct image {
	uint8_t *buf;
	size_t len, cap;
	struct rec rec[MAX_RECS];
	size_t n;
	struct dl_state snap[MAX_SNAPS];
	size_t nsnaps;
};

static struct image img;

static void die(const char *what)
{
	fprintf(stderr, "dlcorrupt: %s\n", what);
	exit(1);
}

static void put(const void *p, size_t n)
{
	if (img.len + n > img.cap) {
		size_t cap = img.cap ? img.cap : 65536;
		while (cap < img.len + n)
			cap *= 2;
		img.buf = realloc(img.buf, cap);
		if (!img.buf)
			die("out of memory");
		img.cap = cap;
	}
	memcpy(img.buf + img.len, p, n);
	img.len += n;
}

static struct rec *member(struct dl_header *h, const struct dl_state *st, const void *payload, size_t plen)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2");
	uLong bound = deflateBound(&zs, (uLong)plen) + 16;
	uint8_t *z = malloc(bound);
	size_t hcap = DL_GZ_FIXED + DL_SUB_HDR + DL_HEADER_MAX;
	uint8_t *hdr = malloc(hcap);
	if (!z || !hdr || img.n == MAX_RECS)
		die("out of memory");
	zs.next_in = (Bytef *)(uintptr_t)payload;
	zs.avail_in = (uInt)plen;
	zs.next_out = z;
	zs.avail_out = (uInt)bound;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		die("deflate");
	size_t clen = bound - zs.avail_out;
	deflateEnd(&zs);

	h->version = DL_VERSION;
	h->seq = img.n;
	h->member_size = 0;
	int hl = dl_member_header_encode(hdr, hcap, h, st);
	if (hl <= 0)
		die("dl_member_header_encode");
	h->member_size = (uint64_t)hl + clen + DL_TRAILER;
	hl = dl_member_header_encode(hdr, hcap, h, st);
	if (hl <= 0)
		die("dl_member_header_encode");

	struct rec *r = &img.rec[img.n++];
	memset(r, 0, sizeof(*r));
	r->off = img.len;
	r->size = h->member_size;
	r->hlen = (size_t)hl;
	r->type = h->type;
	uint8_t tr[8];
	wire_put_le32(tr, (uint32_t)crc32(crc32(0, NULL, 0), payload, (uInt)plen));
	wire_put_le32(tr + 4, (uint32_t)plen);
	put(hdr, (size_t)hl);
	put(z, clen);
	put(tr, 8);
	free(hdr);
	free(z);
	return r;
}

static void data(int32_t lba, uint32_t count, uint32_t bs, uint32_t gen)
{
	struct dl_header h;
	memset(&h, 0, sizeof(h));
	h.type = DL_REC_DATA;
	h.data = (struct dl_data_meta){ .lba = lba, .count = count, .block_size = bs, .data_block_type = 8,
		.write_type = 1, .opcode = 0x2a, .track = 1, .session = 1, .vtime_us = gen };
	uint8_t *p = malloc((size_t)count * bs);
	if (!p)
		die("out of memory");
	for (uint32_t i = 0; i < count; i++)
		fill_block(p + (size_t)i * bs, lba + (int32_t)i, gen, bs);
	struct rec *r = member(&h, NULL, p, (size_t)count * bs);
	r->lba = lba;
	r->count = count;
	r->bs = bs;
	r->gen = gen;
	free(p);
}

static void sync_rec(void)
{
	struct dl_header h;
	memset(&h, 0, sizeof(h));
	h.type = DL_REC_SYNC;
	h.synced_seq = img.n - 1;
	member(&h, NULL, NULL, 0);
}

/* A snapshot in as many parts as it needs.  Part 0 has less room than the others
 * (disc block, page 05h and sessions come first: doc/disclog.md §3.3). */
static void state(unsigned nsessions, unsigned ntracks, uint64_t vtime)
{
	if (img.nsnaps == MAX_SNAPS)
		die("too many snapshots");
	struct dl_state *s = &img.snap[img.nsnaps++];
	memset(s, 0, sizeof(*s));
	s->profile = 0x000a;
	s->capacity = 359845;
	s->disc_status = 1;
	s->nwa = (int32_t)vtime;
	s->leadin_lba = -1;
	s->last_leadout_lba = -1;
	s->vtime_us = vtime;
	s->page05_len = 12;
	memset(s->page05, 0x05, 12);
	s->nsessions = (uint16_t)nsessions;
	s->ntracks = (uint16_t)ntracks;
	s->sessions = calloc(nsessions + 1, sizeof(*s->sessions));
	s->tracks = calloc(ntracks + 1, sizeof(*s->tracks));
	if (!s->sessions || !s->tracks)
		die("out of memory");
	for (unsigned i = 0; i < nsessions; i++)
		s->sessions[i] = (struct dl_session){ .number = (uint16_t)(i + 1), .state = 3, .start_lba = (int32_t)i * 100,
			.leadout_lba = -1, .first_track = 1, .last_track = 2 };
	for (unsigned i = 0; i < ntracks; i++)
		s->tracks[i] = (struct dl_track){ .number = (uint16_t)(i + 1), .session = 1, .state = 3, .mode = 4,
			.data_mode = 1, .start_lba = (int32_t)i * 10, .size = 10, .nwa = -1,
			.last_recorded = (int32_t)i * 10 + 9, .free_blocks = (uint32_t)vtime, .packet_size = 0 };

	uint16_t per;
	unsigned parts = dl_state_parts(s, &per);
	size_t per0 = (DL_HEADER_MAX - (32 + 35 + (size_t)s->page05_len + 16 * (size_t)nsessions)) / 32;
	if (per0 > ntracks)
		per0 = ntracks;
	size_t first = 0;
	for (unsigned k = 0; k < parts; k++) {
		struct dl_header h;
		memset(&h, 0, sizeof(h));
		h.type = DL_REC_STATE;
		h.part = (uint16_t)k;
		h.nparts = (uint16_t)parts;
		h.first_track = (uint16_t)first;
		size_t cnt = k == 0 ? per0 : (ntracks - first < per ? ntracks - first : per);
		h.part_tracks = (uint16_t)cnt;
		struct rec *r = member(&h, s, NULL, 0);
		first += cnt;
		if (k + 1 == parts)
			r->completes = (int)img.nsnaps;
	}
	if (first != ntracks)
		die("STATE split does not cover the tracks");
}

#define LBA_LO (-20)
#define LBA_HI 87	/* inclusive; the base image covers LO..HI with no gap */

static void build(void)
{
	state(1, 2, 1001);
	data(-20, 20, 2352, 1);
	data(0, 16, 2048, 2);
	data(16, 16, 2048, 3);
	sync_rec();
	data(32, 16, 2448, 4);
	data(8, 12, 2352, 5);		/* rewrites across two members, another size */
	state(2, 2500, 1002);		/* two parts */
	data(48, 16, 2048, 6);
	data(40, 4, 2048, 7);
	sync_rec();
	data(64, 16, 2352, 8);
	data(0, 2, 2048, 9);
	state(1, 5, 1003);
	data(80, 8, 2048, 10);
	data(70, 2, 2448, 11);
	sync_rec();
}

/* ---- one corruption ----------------------------------------------------------------- */

struct range { uint64_t lo, hi; };

struct damage {
	const char *kind;
	uint8_t *buf;
	size_t len;
	struct range mod[16];	/* bytes changed, original offsets */
	size_t nmod;
	bool inserted;		/* bytes inserted at insert_at: later offsets shifted */
	uint64_t insert_at;
	uint64_t trunc;		/* file cut to this length (original offsets) */
	bool must_open;		/* the reader has no reason to refuse it */
};

static void mark(struct damage *d, uint64_t lo, uint64_t hi)
{
	if (d->nmod < sizeof(d->mod) / sizeof(d->mod[0]))
		d->mod[d->nmod++] = (struct range){ lo, hi };
	else
		d->mod[d->nmod - 1].hi = UINT64_MAX;	/* be conservative */
}

/* Was original member k changed (or cut) by the damage? */
static bool touched(const struct damage *d, size_t k)
{
	uint64_t lo = img.rec[k].off, hi = lo + img.rec[k].size;
	if (hi > d->trunc)
		return true;
	if (d->inserted && hi > d->insert_at)
		return true;
	for (size_t i = 0; i < d->nmod; i++)
		if (d->mod[i].lo < hi && d->mod[i].hi > lo)
			return true;
	return false;
}

/* Are the header bytes of original member k still in the file, unchanged? */
static bool header_intact(const struct damage *d, size_t k)
{
	uint64_t lo = img.rec[k].off, hi = lo + img.rec[k].hlen;
	if (hi > d->trunc)
		return false;
	for (size_t i = 0; i < d->nmod; i++)
		if (d->mod[i].lo < hi && d->mod[i].hi > lo)
			return false;
	return true;
}

static void grow(struct damage *d, size_t len)
{
	d->buf = realloc(d->buf, len ? len : 1);
	if (!d->buf)
		die("out of memory");
	d->len = len;
}

static void corrupt(struct damage *d, unsigned op)
{
	memset(d, 0, sizeof(*d));
	grow(d, img.len);
	memcpy(d->buf, img.buf, img.len);
	d->trunc = UINT64_MAX;

	switch (op) {
	case 0: {
		d->kind = "bit flip";
		uint64_t p = below(img.len);
		d->buf[p] ^= (uint8_t)(1u << below(8));
		mark(d, p, p + 1);
		break;
	}
	case 1: {
		d->kind = "several flips";
		unsigned n = 2 + (unsigned)below(7);
		for (unsigned i = 0; i < n; i++) {
			uint64_t p = below(img.len);
			d->buf[p] ^= (uint8_t)(1u << below(8));
			mark(d, p, p + 1);
		}
		break;
	}
	case 2: {
		d->kind = "truncation";
		d->trunc = below(img.len);
		d->len = (size_t)d->trunc;
		d->must_open = true;
		break;
	}
	case 3: {
		d->kind = "garbage header bytes";
		const struct rec *r = &img.rec[below(img.n)];
		unsigned n = 1 + (unsigned)below(8);
		for (unsigned i = 0; i < n; i++) {
			uint64_t p = r->off + below(r->hlen);
			uint8_t v = (uint8_t)rnd();
			if (d->buf[p] != v) {
				d->buf[p] = v;
				mark(d, p, p + 1);
			}
		}
		break;
	}
	case 4: {
		d->kind = "header of another member";
		size_t i = below(img.n), j = below(img.n - 1);
		if (j >= i)
			j++;
		const struct rec *a = &img.rec[i], *b = &img.rec[j];
		size_t n = a->hlen;
		if (b->off + n > img.len)
			n = (size_t)(img.len - b->off);
		memcpy(d->buf + b->off, img.buf + a->off, n);
		mark(d, b->off, b->off + n);
		break;
	}
	case 5: {
		d->kind = "zeroed range";
		uint64_t p = below(img.len), n = 1 + below(4096);
		if (p + n > img.len)
			n = img.len - p;
		memset(d->buf + p, 0, (size_t)n);
		mark(d, p, p + n);
		break;
	}
	case 6: {
		d->kind = "appended garbage";
		size_t n = 1 + (size_t)below(4096);
		grow(d, img.len + n);
		for (size_t i = 0; i < n; i++)
			d->buf[img.len + i] = (uint8_t)rnd();
		unsigned style = (unsigned)below(4);
		if (style == 1 && n >= 4) {	/* looks like a member for a few bytes */
			static const uint8_t m[4] = { 0x1f, 0x8b, 8, 4 };
			memcpy(d->buf + img.len, m, 4);
		} else if (style == 2) {	/* junk, then a whole valid (stale) member header */
			const struct rec *r = &img.rec[below(img.n)];
			size_t at = (size_t)below(64);
			if (at < n) {
				size_t k = r->hlen < n - at ? r->hlen : n - at;
				memcpy(d->buf + img.len + at, img.buf + r->off, k);
			}
		} else if (style == 3) {	/* zeros, as after a crash */
			memset(d->buf + img.len, 0, n);
		}
		d->must_open = true;
		break;
	}
	case 7: {
		d->kind = "duplicated member";
		const struct rec *r = &img.rec[below(img.n)];
		size_t at_k = below(img.n + 1);
		uint64_t at = at_k == img.n ? img.len : img.rec[at_k].off;
		grow(d, img.len + r->size);
		memcpy(d->buf, img.buf, at);
		memcpy(d->buf + at, img.buf + r->off, r->size);
		memcpy(d->buf + at + r->size, img.buf + at, img.len - at);
		d->inserted = true;
		d->insert_at = at;
		break;
	}
	case 8: {
		d->kind = "ignored fields";
		const struct rec *r = &img.rec[below(img.n)];
		for (unsigned i = 4; i < 10; i++)	/* MTIME, XFL, OS */
			d->buf[r->off + i] = (uint8_t)rnd();
		d->must_open = true;
		break;
	}
	default: {
		d->kind = "torn, zero filled";
		uint64_t t = below(img.len);
		memset(d->buf + t, 0, (size_t)(img.len - t));
		mark(d, t, img.len);
		break;
	}
	}
}

/* ---- checking --------------------------------------------------------------------- */

enum outcome {
	O_OPEN_WHOLE, O_OPEN_TORN, O_FOREIGN, O_VERSION, O_CORRUPT, O_READ_CORRUPT, O_COUNT
};
static const char *outcome_name[O_COUNT] = {
	"opened whole", "opened, torn tail cut", "refused: foreign", "refused: version",
	"refused: damaged", "read found damage (NO_CRC)",
};
static unsigned outcomes[2][O_COUNT];
static bool counting;		/* false for the undamaged image */

static char failure[512];

__attribute__((format(printf, 1, 2)))
static bool bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
	return false;
}

static bool names_offset(const struct dl_error *e, uint64_t file_size)
{
	char num[32];
	if (!e->msg[0] || e->offset < 0 || (uint64_t)e->offset >= file_size)
		return false;
	snprintf(num, sizeof(num), "%" PRId64, e->offset);
	return strstr(e->msg, num) != NULL;
}

/* Index of the latest record among the first nrec covering lba, or -1. */
static long latest(int32_t lba, size_t nrec)
{
	for (size_t k = nrec; k-- > 0;) {
		const struct rec *r = &img.rec[k];
		if (r->type == DL_REC_DATA && lba >= r->lba && (int64_t)lba < (int64_t)r->lba + r->count)
			return (long)k;
	}
	return -1;
}

/* An allowed read failure: DL_ECORRUPT naming record k, opened without CRCs, k damaged. */
static bool read_damage_ok(const struct damage *d, unsigned flags, long rc, const struct dl_error *e, size_t k)
{
	return rc == DL_ECORRUPT && (flags & DL_OPEN_NO_CRC) && touched(d, k) &&
	       e->offset == (int64_t)img.rec[k].off && names_offset(e, d->len);
}

struct walk {
	size_t n;
	bool ok;
	char why[200];
};

static int on_record(void *arg, const struct dl_header *h, uint64_t offset)
{
	struct walk *w = arg;
	if (w->n >= img.n || offset != img.rec[w->n].off || h->type != img.rec[w->n].type || h->seq != w->n) {
		snprintf(w->why, sizeof(w->why), "foreach record %zu at offset %" PRIu64 " is not the original one",
			 w->n, offset);
		w->ok = false;
		return 1;
	}
	w->n++;
	return 0;
}

static bool state_same(const struct dl_state *a, const struct dl_state *b)
{
	if (a->vtime_us != b->vtime_us || a->ntracks != b->ntracks || a->nsessions != b->nsessions ||
	    a->nwa != b->nwa || a->page05_len != b->page05_len || memcmp(a->page05, b->page05, a->page05_len))
		return false;
	for (unsigned i = 0; i < a->ntracks; i++)
		if (a->tracks[i].number != b->tracks[i].number || a->tracks[i].start_lba != b->tracks[i].start_lba ||
		    a->tracks[i].free_blocks != b->tracks[i].free_blocks)
			return false;
	for (unsigned i = 0; i < a->nsessions; i++)
		if (a->sessions[i].number != b->sessions[i].number || a->sessions[i].start_lba != b->sessions[i].start_lba)
			return false;
	return true;
}

static uint8_t *want_buf, *got_buf;
static size_t io_cap;

/* The reader opened the damaged image: check everything it says. */
static bool check_opened(struct dl_reader *r, const struct damage *d, unsigned flags, const struct dl_error *oe)
{
	const struct dl_open_report *rep = dl_reader_report(r);
	struct dl_error e;
	size_t nrec = (size_t)rep->records;

	if (rep->file_size != d->len || rep->valid_size + rep->torn_bytes != rep->file_size)
		return bad("report sizes inconsistent");
	if (nrec > img.n)
		return bad("%zu records, the original has %zu", nrec, img.n);
	uint64_t end = nrec ? img.rec[nrec - 1].off + img.rec[nrec - 1].size : 0;
	if (rep->valid_size != end)
		return bad("valid_size %" PRIu64 ", the %zu-record prefix ends at %" PRIu64, rep->valid_size, nrec, end);
	if (nrec < img.n && !touched(d, nrec))
		return bad("stopped at intact member %zu", nrec);
	/* A torn tail has no intact member after it (that would be damage in the middle). */
	for (size_t j = nrec + 1; j < img.n; j++)
		if (!touched(d, j))
			return bad("torn tail at member %zu although member %zu is intact", nrec, j);
	if (nrec == img.n && d->len == img.len && !d->inserted && rep->torn_bytes)
		return bad("torn tail on an image of the original length");
	if (rep->torn_bytes && (oe->code != DL_OK || !names_offset(oe, d->len) || oe->offset != (int64_t)rep->valid_size))
		return bad("torn tail not reported in the error message: %s", oe->msg);
	if (d->trunc != UINT64_MAX) {
		size_t whole = 0;
		while (whole < img.n && img.rec[whole].off + img.rec[whole].size <= d->trunc)
			whole++;
		if (nrec != whole)
			return bad("truncated at %" PRIu64 ": %zu records, %zu are whole", d->trunc, nrec, whole);
	}
	if (d->must_open && d->trunc == UINT64_MAX && nrec != img.n)
		return bad("%zu of %zu records after a harmless change", nrec, img.n);

	struct walk w = { .ok = true };
	int rc = dl_reader_foreach(r, on_record, &w);
	if (!w.ok)
		return bad("%s", w.why);
	if (rc != 0 || w.n != nrec)
		return bad("foreach returned %d after %zu of %zu records", rc, w.n, nrec);

	/* the snapshot */
	const struct dl_state *st = dl_reader_state(r);
	int want_snap = 0;
	for (size_t k = 0; k < nrec; k++)
		if (img.rec[k].completes)
			want_snap = img.rec[k].completes;
	if (!want_snap != !st)
		return bad("snapshot %s, expected %s", st ? "present" : "absent", want_snap ? "one" : "none");
	if (st && !state_same(st, &img.snap[want_snap - 1]))
		return bad("snapshot is not snapshot %d", want_snap);

	/* block by block, metadata and data */
	bool damage_seen = false;
	for (int32_t lba = LBA_LO - 2; lba <= LBA_HI + 2; lba++) {
		long k = latest(lba, nrec);
		struct dl_data_meta m;
		long n;
		memset(&e, 0, sizeof(e));
		rc = dl_reader_block_meta(r, lba, &m, &e);
		if (k < 0) {
			if (rc != DL_ERANGE || !e.msg[0])
				return bad("LBA %d: meta %d for a block never written", lba, rc);
			n = dl_reader_read(r, lba, 1, got_buf, io_cap, &e);
			if (n != DL_ERANGE || !e.msg[0])
				return bad("LBA %d: read %ld for a block never written", lba, n);
			continue;
		}
		const struct rec *L = &img.rec[k];
		if (rc != 0 || m.vtime_us != L->gen || m.lba != L->lba || m.count != L->count || m.block_size != L->bs)
			return bad("LBA %d: meta %d (gen %" PRIu64 "), expected record %ld", lba, rc, m.vtime_us, k);
		n = dl_reader_read(r, lba, 1, got_buf, io_cap, &e);
		if (n < 0) {
			if (!read_damage_ok(d, flags, n, &e, (size_t)k))
				return bad("LBA %d: read failed %ld (%s)", lba, n, e.msg);
			damage_seen = true;
			continue;
		}
		fill_block(want_buf, lba, L->gen, L->bs);
		if (n != (long)L->bs || memcmp(got_buf, want_buf, L->bs) != 0)
			return bad("LBA %d: read returned other data than record %ld wrote", lba, k);
	}

	/* the whole range at once */
	size_t bytes = 0;
	bool gap = false;
	for (int32_t lba = LBA_LO; lba <= LBA_HI; lba++) {
		long k = latest(lba, nrec);
		if (k < 0) {
			gap = true;
			break;
		}
		fill_block(want_buf + bytes, lba, img.rec[k].gen, img.rec[k].bs);
		bytes += img.rec[k].bs;
	}
	memset(&e, 0, sizeof(e));
	long n = dl_reader_read(r, LBA_LO, LBA_HI - LBA_LO + 1, got_buf, io_cap, &e);
	if (gap) {
		if (n != DL_ERANGE || !e.msg[0])
			return bad("whole range with a gap: %ld", n);
	} else if (n < 0) {
		if (n != DL_ECORRUPT || !(flags & DL_OPEN_NO_CRC) || !names_offset(&e, d->len))
			return bad("whole range: %ld (%s)", n, e.msg);
	} else if ((size_t)n != bytes || memcmp(got_buf, want_buf, bytes) != 0) {
		return bad("whole range read returned other data");
	}

	/* record by record */
	for (size_t k = 0; k < nrec; k++) {
		const struct rec *R = &img.rec[k];
		memset(&e, 0, sizeof(e));
		n = dl_reader_payload(r, R->off, got_buf, io_cap, &e);
		if (R->type != DL_REC_DATA) {
			if (n != 0 && !read_damage_ok(d, flags, n, &e, k))
				return bad("payload of non-DATA record %zu: %ld (%s)", k, n, e.msg);
			continue;
		}
		if (n < 0) {
			if (!read_damage_ok(d, flags, n, &e, k))
				return bad("payload of record %zu: %ld (%s)", k, n, e.msg);
			damage_seen = true;
			continue;
		}
		for (uint32_t b = 0; b < R->count; b++)
			fill_block(want_buf + (size_t)b * R->bs, R->lba + (int32_t)b, R->gen, R->bs);
		if ((size_t)n != (size_t)R->count * R->bs || memcmp(got_buf, want_buf, (size_t)n) != 0)
			return bad("payload of record %zu differs from the original", k);
	}
	if (counting) {
		outcomes[flags ? 1 : 0][rep->torn_bytes ? O_OPEN_TORN : O_OPEN_WHOLE]++;
		if (damage_seen)
			outcomes[flags ? 1 : 0][O_READ_CORRUPT]++;
	}
	return true;
}

static bool check_refused(const struct damage *d, unsigned flags, const struct dl_error *e)
{
	if (d->must_open)
		return bad("refused a harmless change: %s", e->msg);
	switch (e->code) {
	case DL_EFOREIGN:
	case DL_EVERSION:
		if (e->offset != 0 || !names_offset(e, d->len) || !touched(d, 0))
			return bad("code %d at offset %" PRId64 ": %s", e->code, e->offset, e->msg);
		outcomes[flags ? 1 : 0][e->code == DL_EFOREIGN ? O_FOREIGN : O_VERSION] += counting;
		return true;
	case DL_ECORRUPT: {
		if (!names_offset(e, d->len))
			return bad("damage message without an offset in the file: %s", e->msg);
		size_t k = 0;
		while (k < img.n && img.rec[k].off != (uint64_t)e->offset)
			k++;
		if (!d->inserted || (uint64_t)e->offset < d->insert_at) {
			if (k == img.n)
				return bad("damage reported at %" PRId64 ", not a member of the image", e->offset);
			if (!touched(d, k))
				return bad("damage reported at intact member %zu: %s", k, e->msg);
		}
		/* Damage in the middle: some member header must follow (an original one,
		 * or one copied over another or inserted). */
		bool follows = d->inserted || d->kind[0] == 'h';
		for (size_t j = k + 1; j < img.n && !follows; j++)
			follows = header_intact(d, j);
		if (!follows)
			return bad("damage reported at %" PRId64 " but no member header follows", e->offset);
		outcomes[flags ? 1 : 0][O_CORRUPT] += counting;
		return true;
	}
	default:
		return bad("unexpected code %d: %s", e->code, e->msg);
	}
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 20240611;
	unsigned count = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 1000;
	unsigned passed = 0, failed = 0;
	char path[512];
	const char *dir = getenv("TESTTMP");

	if (dir && *dir) {
		mkdir(dir, 0777);
		snprintf(path, sizeof(path), "%s/dlcorrupt-%ld.disclog", dir, (long)getpid());
	} else {
		snprintf(path, sizeof(path), "dlcorrupt-%ld.disclog", (long)getpid());
	}
	build();
	io_cap = img.len * 8 + (1 << 20);
	want_buf = malloc(io_cap);
	got_buf = malloc(io_cap);
	if (!want_buf || !got_buf)
		die("out of memory");

	rng = seed ? seed : 1;
	/* i == 0 is the undamaged image: it must open whole both ways. */
	struct damage d;
	for (unsigned i = 0; i <= count; i++) {
		unsigned op = (unsigned)(i % 10);
		counting = i > 0;
		if (i == 0) {
			memset(&d, 0, sizeof(d));
			grow(&d, img.len);
			memcpy(d.buf, img.buf, img.len);
			d.trunc = UINT64_MAX;
			d.kind = "none";
			d.must_open = true;
		} else {
			corrupt(&d, op);
		}
		FILE *f = fopen(path, "wb");
		if (!f || (d.len && fwrite(d.buf, 1, d.len, f) != d.len) || fclose(f) != 0)
			die("cannot write the scratch image");
		bool ok = true;
		for (unsigned fl = 0; fl < 2 && ok; fl++) {
			unsigned flags = fl ? DL_OPEN_NO_CRC : 0;
			struct dl_error e;
			memset(&e, 0, sizeof(e));
			struct dl_reader *r = dl_reader_open(path, flags, &e);
			failure[0] = '\0';
			if (r) {
				ok = check_opened(r, &d, flags, &e);
				dl_reader_close(r);
			} else {
				ok = check_refused(&d, flags, &e);
			}
			if (!ok)
				fprintf(stderr, "FAIL #%u (%s, %s): %s\n", i, d.kind, fl ? "NO_CRC" : "CRC", failure);
		}
		if (!ok)
			failed++;
		else if (i > 0)		/* the undamaged image is not one of the count */
			passed++;
		free(d.buf);
	}
	unlink(path);

	printf("image: %zu members, %zu bytes; seed %" PRIu64 "\n", img.n, img.len, seed);
	for (unsigned fl = 0; fl < 2; fl++) {
		printf("%s:", fl ? "NO_CRC" : "CRC   ");
		for (unsigned o = 0; o < O_COUNT; o++)
			printf("  %s %u%s", outcome_name[o], outcomes[fl][o], o + 1 < O_COUNT ? "," : "\n");
	}
	printf("%u passed, %u failed\n", passed, failed);
	for (size_t i = 0; i < img.nsnaps; i++)
		dl_state_free(&img.snap[i]);
	free(img.buf);
	free(want_buf);
	free(got_buf);
	return failed ? 1 : 0;
}
