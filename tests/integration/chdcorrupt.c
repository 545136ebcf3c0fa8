/* tests/integration/chdcorrupt.c - the CHD reader (libchd, chd/) against seeded random
 * and targeted corruptions of valid CHDs.
 *
 * Usage: chdcorrupt [SEED [COUNT]]      exit 0 pass, 1 fail
 *
 * Sources: two CHDs written here by libchd's writer (raw: 4096-byte hunks, 2048-byte
 * units, zlib, with references to earlier hunks, hunks of zeros and incompressible
 * hunks stored as they are, two metadata entries; CD: cdzl over Mode 1 sectors from
 * disclog's cdsector.h, so the ECC is stripped, and audio, CHT2 metadata), and chdman's
 * CHDs of fixtures/chd (lzma, huff, flac, cdlz, cdfl).
 *
 * First every source, and every source rewritten by this test's own layout (both map
 * writers), must open and read back; then every truncation inside the header (0..124)
 * of every source is refused; then COUNT corruptions, one kind after the other in
 * turn, on a source drawn at random among those the kind applies to:
 *  - random ones on the file as it is: bit flips anywhere, several, or restricted to
 *    the header, the hunk map, the hunks' data or the metadata; a truncation at a
 *    random point; a zeroed range; appended garbage; the header's SHA-1s changed;
 *  - targeted ones: the file laid out anew (header, metadata, hunks, map) from the
 *    source's hunks, with a map written by libchd's encoder (chd_map_encode) or, for
 *    what that encoder refuses to write, by this test (every type a 4-bit code, no
 *    runs), and one lie in it (see the T_ kinds below).
 *
 * The oracle, for the damaged file F:
 *  - A refusal by chd_open is CHD_EFORMAT or CHD_EUNSUPPORTED, with a message naming
 *    the file and an err.offset inside F: 0 <= offset <= size of F, where offset ==
 *    size means "F ends here, where more was needed".  err.offset -1 ("no offset") is
 *    never accepted for a damaged file: every format error is about some byte.
 *    CHD_EUNSUPPORTED only when the header or the map was changed.
 *  - A CHD that opens: every hunk reads back equal to the original, or fails with
 *    CHD_EFORMAT and an offset inside F.  A hunk that reads must have the original's
 *    hunk size.  Where the header and the map are intact, a hunk whose data is intact
 *    must read equal, and one whose data was changed must read equal or fail naming
 *    exactly the offset of its data.  Metadata is read entry by entry until
 *    CHD_ENOTFOUND, at most CHD_MAX_META_ENTRIES + 1 reads a tag; where the metadata
 *    and its pointer in the header are intact it must read equal.
 *  - Must open (and read equal): appended garbage, the header's SHA-1s changed, and
 *    any damage that leaves the header (less its SHA-1s), the map and the metadata
 *    headers intact and the file no shorter.  Must be refused: any truncation (the map
 *    is the last thing in every source).
 *  - Targeted corruptions must get the specific answer each one names: code, a part
 *    of the message and err.offset, or which hunk fails and at which offset.  A CHD
 *    that needs a parent is refused with CHD_EUNSUPPORTED and "parent" in the message.
 *  - Nothing crashes or reads out of bounds (make check under --enable-sanitizers),
 *    a hunk read writes nothing past hunk_bytes (a guard checked after every read),
 *    and memory stays bounded: without ASan the address space is limited to 256 MiB
 *    (RLIMIT_AS, AS_LIMIT_MIB), so a reader that believed a lying header and
 *    allocated for it fails; the peak RSS is printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cdsector.h"
#include "chd.h"
#include "chdint.h"
#include "huffman.h"
#include "wire.h"

#ifndef CHD_FIXTURES
#define CHD_FIXTURES "fixtures"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

enum {
	MAX_HUNKS = 64,		/* hunks of any source */
	MAX_META = 8,
	GUARD = 64,		/* bytes after a hunk buffer that a read must not touch */
	HDR = CHD_V5_HEADER_BYTES,
	/* The address space allowed (RLIMIT_AS, not under ASan).  Measured with prlimit: a
	 * run needs 16 to 24 MiB, the most for the CD codecs' context of a header lying 16
	 * MiB hunks.  256 MiB leaves room and still fails a reader that allocates for what
	 * a header claims before the file has shown it (a map of 2^24 hunks: 272 MiB). */
	AS_LIMIT_MIB = 256,
};

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

/* Each corruption from its own state, so that #i is the same whatever COUNT is. */
static void reseed(uint64_t seed, uint64_t i)
{
	uint64_t z = seed + (i + 1) * 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	rng = z ? z : 1;
}

/* ---- small helpers ---------------------------------------------------------------- */

static char tmpdir[512];

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "chdcorrupt: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0)
		die("%s: seek", path);
	long n = ftell(f);
	if (n < 0 || fseek(f, 0, SEEK_SET) != 0)
		die("%s: seek", path);
	uint8_t *b = xmalloc((size_t)n);
	if (fread(b, 1, (size_t)n, f) != (size_t)n)
		die("%s: short read", path);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void spill(const char *path, const uint8_t *b, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || (len && fwrite(b, 1, len, f) != len) || fclose(f) != 0)
		die("%s: cannot write", path);
}

static unsigned bits_for(uint64_t v)
{
	unsigned n = 0;
	while (v)
		v >>= 1, n++;
	return n;
}

/* Raw deflate (as the zlib codec stores a hunk) of P, N bytes, into a malloc'd buffer. */
static uint8_t *deflate_raw(const uint8_t *p, size_t n, size_t *outlen)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2");
	size_t cap = deflateBound(&zs, (uLong)n) + 16;
	uint8_t *out = xmalloc(cap);
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		die("deflate");
	*outlen = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

/* ---- the sources ---------------------------------------------------------------- */

struct meta_item {
	uint64_t off;		/* of its 16-byte header in the source */
	uint32_t tag, len;
	uint8_t flags;
	const uint8_t *data;	/* inside the source's buffer */
};

struct source {
	char name[32];
	uint8_t *buf;
	size_t len;
	struct chd_header h;
	struct chd_map_entry *map;	/* decoded: SELF resolved to the hunk with the data */
	uint64_t map_off, map_len;
	uint8_t *data;			/* every hunk as read: hunk_count * hunk_bytes */
	struct meta_item meta[MAX_META];
	size_t nmeta;
	unsigned census[CHD_MAP_SELF + 1];	/* hunks by map entry type: slots 0-3, none, self */
	bool zlib_based;		/* slot 0 is zlib or cdzl: oversized streams can be made */
	bool cd;
};

static struct source src[8];
static size_t nsrc;

/* The stored span of hunk H's data: the hunk itself, or the one it refers to. */
static uint32_t data_hunk(const struct source *s, uint32_t h)
{
	return s->map[h].type == CHD_MAP_SELF ? (uint32_t)s->map[h].offset : h;
}

static uint32_t span_len(const struct source *s, uint32_t d)
{
	return s->map[d].type == CHD_MAP_NONE ? s->h.hunk_bytes : s->map[d].length;
}

/* Fills S from S->buf: header and hunks through libchd, map and metadata by hand. */
static void load_source(struct source *s, const char *path)
{
	struct chd_reader *r;
	struct chd_err err;

	if (chd_open(path, &r, &err) != CHD_OK)
		die("source %s does not open: %s", s->name, err.msg);
	s->h = *chd_reader_header(r);
	if (s->h.hunk_count > MAX_HUNKS || s->h.compressors[0] == CHD_CODEC_NONE)
		die("source %s: %u hunks or no codec", s->name, s->h.hunk_count);
	s->data = xmalloc((size_t)s->h.hunk_count * s->h.hunk_bytes);
	for (uint32_t h = 0; h < s->h.hunk_count; h++)
		if (chd_read_hunk(r, h, s->data + (size_t)h * s->h.hunk_bytes, &err) != CHD_OK)
			die("source %s: hunk %u: %s", s->name, h, err.msg);
	chd_close(r);

	s->map_off = s->h.map_offset;
	s->map_len = CHD_MAP_HEADER + wire_be32(s->buf + s->map_off);
	if (chd_map_decode(s->buf + s->map_off, s->map_len, s->map_off, s->h.hunk_count, s->h.hunk_bytes,
			   s->h.compressors, s->len, &s->map, s->name, &err) != CHD_OK)
		die("source %s: map: %s", s->name, err.msg);
	for (uint32_t h = 0; h < s->h.hunk_count; h++)
		s->census[s->map[h].type]++;
	if (s->map_off + s->map_len != s->len)
		die("source %s: the map is not the last thing in the file", s->name);
	for (uint64_t off = s->h.meta_offset; off; off = wire_be64(s->buf + off + 8)) {
		if (s->nmeta == MAX_META)
			die("source %s: too much metadata", s->name);
		struct meta_item *m = &s->meta[s->nmeta++];
		m->off = off;
		m->tag = wire_be32(s->buf + off);
		m->flags = s->buf[off + 4];
		m->len = wire_be24(s->buf + off + 5);
		m->data = s->buf + off + CHD_META_HEADER;
	}
	s->zlib_based = s->h.compressors[0] == CHD_CODEC_ZLIB || s->h.compressors[0] == CHD_CODEC_CD_ZLIB;
	s->cd = s->h.compressors[0] == CHD_CODEC_CD_ZLIB || s->h.compressors[0] == CHD_CODEC_CD_LZMA ||
		s->h.compressors[0] == CHD_CODEC_CD_FLAC;
}

static struct source *new_source(const char *name)
{
	if (nsrc == sizeof(src) / sizeof(src[0]))
		die("too many sources");
	struct source *s = &src[nsrc++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	return s;
}

static void from_file(const char *name, const char *path)
{
	struct source *s = new_source(name);
	s->buf = slurp(path, &s->len);
	load_source(s, path);
}

/* Words: compressible, and different for each SALT. */
static void text_fill(uint8_t *p, size_t n, uint32_t salt)
{
	static const char *const words[] = { "burn ", "lab ", "hunk ", "map ", "zlib ", "sector ",
					     "track ", "disc ", "lead-in ", "\n" };
	uint32_t x = salt * 2654435761u + 1;
	size_t i = 0;
	while (i < n) {
		x = x * 1103515245u + 12345u;
		const char *w = words[(x >> 16) % 10];
		for (size_t k = 0; w[k] && i < n; k++)
			p[i++] = (uint8_t)w[k];
	}
}

static void noise_fill(uint8_t *p, size_t n, uint64_t salt)
{
	uint64_t x = salt * 0x9e3779b97f4a7c15ull + 7;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)(x >> 24);
	}
}

/* Writes INPUT (HUNKS hunks) with libchd's writer, loads it as a source and checks it
 * reads back as written. */
static void from_writer(const char *name, const uint8_t *input, uint64_t logical, uint32_t hb, uint32_t ub,
			uint32_t codec, const struct meta_item *meta, size_t nmeta)
{
	const uint32_t codecs[4] = { codec, 0, 0, 0 };
	char path[600];
	struct chd_writer *w;
	struct chd_err err;
	uint32_t hunks = (uint32_t)((logical + hb - 1) / hb);

	snprintf(path, sizeof(path), "%s/chdcorrupt-%ld-%s.chd", tmpdir, (long)getpid(), name);
	if (chd_create(path, true, hb, ub, logical, codecs, &w, &err) != CHD_OK)
		die("chd_create %s: %s", name, err.msg);
	for (size_t i = 0; i < nmeta; i++)
		if (chd_add_meta(w, meta[i].tag, meta[i].flags, meta[i].data, meta[i].len, &err) != CHD_OK)
			die("chd_add_meta %s: %s", name, err.msg);
	for (uint32_t h = 0; h < hunks; h++)
		if (chd_write_hunk(w, input + (size_t)h * hb, &err) != CHD_OK)
			die("chd_write_hunk %s: %s", name, err.msg);
	if (chd_finish(w, &err) != CHD_OK)
		die("chd_finish %s: %s", name, err.msg);
	struct source *s = new_source(name);
	s->buf = slurp(path, &s->len);
	load_source(s, path);
	unlink(path);
	if (memcmp(s->data, input, (size_t)hunks * hb) != 0)
		die("source %s does not read back as written", name);
}

/* The raw CHD: text hunks (zlib), zeros, noise (stored as is), repeats of each. */
static void build_raw(void)
{
	enum { HB = 4096, HUNKS = 32 };
	uint8_t *in = calloc(HUNKS, HB);
	if (!in)
		die("out of memory");
	for (uint32_t h = 0; h < HUNKS; h++) {
		uint8_t *p = in + (size_t)h * HB;
		switch (h) {
		case 6: case 7: case 25:		/* zeros; 7 and 25 refer to 6 */
			break;
		case 8: case 9: case 10: case 24:	/* incompressible: NONE */
			noise_fill(p, HB, h);
			break;
		case 11: case 12: case 13: case 14:	/* hunks 0..3 again: SELF, SELF_1 */
			memcpy(p, in + (size_t)(h - 11) * HB, HB);
			break;
		case 15:				/* a copy of a stored NONE hunk */
			memcpy(p, in + (size_t)8 * HB, HB);
			break;
		case 26: case 27: case 28: case 29:
			memcpy(p, in + (size_t)(h - 10) * HB, HB);
			break;
		case 31:				/* the last, partial: 1000 bytes */
			for (size_t i = 0; i < 1000; i++)
				p[i] = (uint8_t)("chdcorrupt"[i % 10]);
			break;
		default:
			text_fill(p, HB, h);
			break;
		}
	}
	static const char text[] = "chdcorrupt raw source: a text entry";
	uint8_t bin[300];
	noise_fill(bin, sizeof(bin), 99);
	const struct meta_item meta[2] = {
		{ .tag = CHD_TAG('T', 'E', 'X', 'T'), .flags = CHD_META_FLAG_CHECKSUM, .data = (const uint8_t *)text,
		  .len = sizeof(text) },
		{ .tag = CHD_TAG('B', 'I', 'N', ' '), .flags = 0, .data = bin, .len = sizeof(bin) },
	};
	from_writer("raw-zlib", in, (uint64_t)(HUNKS - 1) * HB + 1000, HB, 2048, CHD_CODEC_ZLIB, meta, 2);
	const struct source *s = &src[nsrc - 1];
	if (s->census[0] == 0 || s->census[CHD_MAP_NONE] == 0 || s->census[CHD_MAP_SELF] == 0)
		die("raw-zlib: not every kind of hunk (zlib, none, self) was written");
	free(in);
}

/* The CD: 64 Mode 1 frames (track 1), 32 audio frames (track 2), raw sub-channel. */
static void build_cd(void)
{
	enum { FRAMES = 96, HB = CHD_CD_FRAME * CHD_CD_FRAMES_PER_HUNK, DATA = 64 };
	uint8_t *in = calloc(FRAMES, CHD_CD_FRAME);
	if (!in)
		die("out of memory");
	for (int f = 0; f < FRAMES; f++) {
		uint8_t *fr = in + (size_t)f * CHD_CD_FRAME, chan[8][CDS_CHAN_SIZE];
		if (f < DATA) {
			uint8_t user[CDS_USER_SIZE];
			text_fill(user, sizeof(user), 1000 + (uint32_t)f);
			if (cds_make_mode1(fr, f, user) != 0)
				die("cds_make_mode1");
			if (cds_sub_synth(chan, 4, 1, 1, f, f) != 0)
				die("cds_sub_synth");
		} else {
			if (f < 72) {			/* hunk 8: a tone */
				for (int i = 0; i < CHD_CD_SECTOR / 2; i++)
					wire_put_be16(fr + 2 * i, (uint16_t)((i * 37 + f) % 4096));
			} else if (f >= 80 && f < 88) {	/* hunk 10: noise */
				noise_fill(fr, CHD_CD_SECTOR, (uint64_t)f);
			} else if (f >= 88) {		/* hunk 11: another tone */
				for (int i = 0; i < CHD_CD_SECTOR / 2; i++)
					wire_put_be16(fr + 2 * i, (uint16_t)((i * 11) % 1024));
			}				/* hunk 9: silence */
			if (cds_sub_synth(chan, 0, 2, 1, f - DATA, f) != 0)
				die("cds_sub_synth");
		}
		cds_sub_interleave(fr + CDS_RAW_SIZE, (const uint8_t(*)[CDS_CHAN_SIZE])chan);
	}
	/* Hunk 5 a copy of hunk 4: a reference. */
	memcpy(in + (size_t)5 * HB, in + (size_t)4 * HB, HB);

	static char t1[160], t2[160];
	struct chd_cd_track a = { .number = 1, .type = "MODE1_RAW", .subtype = "RW_RAW", .frames = DATA,
				  .pgtype = "MODE1", .pgsub = "RW_RAW" };
	struct chd_cd_track b = { .number = 2, .type = "AUDIO", .subtype = "RW_RAW", .frames = FRAMES - DATA,
				  .pgtype = "AUDIO", .pgsub = "RW_RAW" };
	int l1 = chd_cd_track_format(&a, t1, sizeof(t1)), l2 = chd_cd_track_format(&b, t2, sizeof(t2));
	if (l1 < 0 || l2 < 0)
		die("chd_cd_track_format");
	const struct meta_item meta[2] = {
		{ .tag = CHD_META_CD_TRACK2, .flags = CHD_META_FLAG_CHECKSUM, .data = (const uint8_t *)t1,
		  .len = (uint32_t)l1 + 1 },
		{ .tag = CHD_META_CD_TRACK2, .flags = CHD_META_FLAG_CHECKSUM, .data = (const uint8_t *)t2,
		  .len = (uint32_t)l2 + 1 },
	};
	from_writer("cd-cdzl", in, (uint64_t)FRAMES * CHD_CD_FRAME, HB, CHD_CD_FRAME, CHD_CODEC_CD_ZLIB, meta, 2);
	/* The ECC was stripped from the data frames: the file is far smaller. */
	if (src[nsrc - 1].len > (size_t)DATA * CHD_CD_FRAME / 2 + (size_t)32 * CHD_CD_FRAME)
		die("cd-cdzl: %zu bytes, the Mode 1 sectors were not stripped", src[nsrc - 1].len);
	free(in);
}

/* ---- laying a CHD out anew ------------------------------------------------------------ */

/* A CHD to lay out: the source's header, metadata and hunks, any of it changed.
 * Layout: header, metadata chain, stored hunks in order, map (chdman's order). */
struct model {
	const struct source *s;
	uint8_t hdr[HDR];
	struct chd_map_entry e[MAX_HUNKS];	/* offsets of stored hunks are laid out */
	const uint8_t *payload[MAX_HUNKS];	/* a stored hunk's bytes */
	uint32_t payload_len[MAX_HUNKS];	/* how many are stored (the map may lie) */
	struct meta_item meta[MAX_META];
	size_t nmeta;
	bool hand;			/* the map by hand_map, not chd_map_encode */
	int64_t shift;			/* added to every stored hunk's offset in the map */
};

struct layout {
	uint8_t *buf;
	size_t len;
	uint64_t map_off, map_len;
	uint64_t meta_off[MAX_META];
	uint64_t hoff[MAX_HUNKS];	/* where each stored hunk's data is */
};

static void model_init(struct model *m, const struct source *s)
{
	memset(m, 0, sizeof(*m));
	m->s = s;
	memcpy(m->hdr, s->buf, HDR);
	for (uint32_t h = 0; h < s->h.hunk_count; h++) {
		m->e[h] = s->map[h];
		if (m->e[h].type != CHD_MAP_SELF) {
			m->payload[h] = s->buf + s->map[h].offset;
			m->payload_len[h] = span_len(s, h);
		}
	}
	m->nmeta = s->nmeta;
	memcpy(m->meta, s->meta, sizeof(s->meta));
}

/* The map stream as the test writes it: every one of the 16 types a 4-bit code, no
 * runs, fields as given (types 0-3: length and CRC; 4: CRC; 5: the hunk referred to;
 * the others none).  The CRC-16 is computed the way the reader computes it. */
static uint8_t *hand_map(const struct chd_map_entry *e, uint32_t n, uint32_t hb, uint64_t first, size_t *outlen)
{
	struct chd_huff h;
	struct chd_bitwriter w;
	uint8_t len[16];
	uint32_t maxlen = 0, maxself = 0;
	uint16_t crc = 0xffff;
	size_t cap = CHD_MAP_HEADER + 64 + (size_t)n * 8;
	uint8_t *out = xmalloc(cap);

	for (uint32_t i = 0; i < n; i++) {
		if (e[i].type <= 3 && e[i].length > maxlen)
			maxlen = e[i].length;
		if (e[i].type == CHD_MAP_SELF && e[i].offset > maxself)
			maxself = (uint32_t)e[i].offset;
	}
	unsigned lengthbits = bits_for(maxlen), selfbits = bits_for(maxself);
	memset(len, 4, sizeof(len));
	if (chd_huff_init(&h, 16, 8) != CHD_OK || chd_huff_set_lengths(&h, len) != CHD_OK)
		die("chd_huff_init");
	chd_bitw_init(&w, out + CHD_MAP_HEADER, cap - CHD_MAP_HEADER);
	chd_huff_export_rle(&h, &w);
	for (uint32_t i = 0; i < n; i++)
		chd_huff_encode(&h, &w, e[i].type);
	uint64_t cur = first;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t raw[CHD_MAP_ENTRY_RAW] = { 0 };
		uint32_t length = 0;
		uint64_t off = cur;
		uint16_t c = e[i].crc;
		if (e[i].type <= 3) {
			chd_bitw_put(&w, e[i].length, lengthbits);
			chd_bitw_put(&w, e[i].crc, 16);
			length = e[i].length;
		} else if (e[i].type == CHD_MAP_NONE) {
			chd_bitw_put(&w, e[i].crc, 16);
			length = hb;
		} else if (e[i].type == CHD_MAP_SELF) {
			chd_bitw_put(&w, (uint32_t)e[i].offset, selfbits);
			off = e[i].offset;
			c = 0;
		}
		raw[0] = e[i].type;
		wire_put_be24(raw + 1, length);
		wire_put_be16(raw + 4, (uint16_t)(off >> 32));
		wire_put_be32(raw + 6, (uint32_t)off);
		wire_put_be16(raw + 10, c);
		crc = chd_crc16_update(crc, raw, sizeof(raw));
		cur += length;
	}
	chd_huff_fini(&h);
	if (w.overflow)
		die("hand_map: no room");
	size_t payload = chd_bitw_bytes(&w);
	chd_map_put_header(out, payload, first, crc, lengthbits, selfbits);
	*outlen = CHD_MAP_HEADER + payload;
	return out;
}

static void put(struct layout *l, size_t *cap, const void *p, size_t n)
{
	if (l->len + n > *cap) {
		while (l->len + n > *cap)
			*cap = *cap ? *cap * 2 : 65536;
		l->buf = realloc(l->buf, *cap);
		if (!l->buf)
			die("out of memory");
	}
	memcpy(l->buf + l->len, p, n);
	l->len += n;
}

static void lay_out(const struct model *m, struct layout *l)
{
	const struct source *s = m->s;
	uint32_t n = s->h.hunk_count, hb = s->h.hunk_bytes;
	struct chd_map_entry e[MAX_HUNKS];
	size_t cap = 0;

	memset(l, 0, sizeof(*l));
	put(l, &cap, m->hdr, HDR);
	for (size_t i = 0; i < m->nmeta; i++) {
		uint8_t mh[CHD_META_HEADER];
		l->meta_off[i] = l->len;
		wire_put_be32(mh, m->meta[i].tag);
		mh[4] = m->meta[i].flags;
		wire_put_be24(mh + 5, m->meta[i].len);
		wire_put_be64(mh + 8, i + 1 < m->nmeta ? l->len + CHD_META_HEADER + m->meta[i].len : 0);
		put(l, &cap, mh, sizeof(mh));
		put(l, &cap, m->meta[i].data, m->meta[i].len);
	}
	uint64_t first = 0;
	bool have_first = false;
	for (uint32_t h = 0; h < n; h++) {
		e[h] = m->e[h];
		if (e[h].type > CHD_MAP_NONE)
			continue;
		l->hoff[h] = l->len;
		e[h].offset = (uint64_t)((int64_t)l->len + m->shift);
		if (!have_first) {
			first = e[h].offset;
			have_first = true;
		}
		/* The bytes there are; only the last stored hunk may claim another length
		 * (the offsets of the ones after it follow from the lengths). */
		put(l, &cap, m->payload[h], m->payload_len[h]);
	}
	uint8_t *map;
	size_t maplen;
	if (m->hand) {
		map = hand_map(e, n, hb, first, &maplen);
	} else if (chd_map_encode(e, n, hb, &map, &maplen) != CHD_OK) {
		die("chd_map_encode refused the model of %s", s->name);
	}
	l->map_off = l->len;
	l->map_len = maplen;
	put(l, &cap, map, maplen);
	free(map);
	wire_put_be64(l->buf + CHD_HDR_MAP, l->map_off);
	wire_put_be64(l->buf + CHD_HDR_META, m->nmeta ? l->meta_off[0] : 0);
}

/* ---- one corruption ------------------------------------------------------------------ */

struct range { uint64_t lo, hi; };

enum expect {
	X_GENERIC,	/* random damage of the source file: the general oracle */
	X_EQUAL,	/* must open, every hunk and the metadata equal */
	X_HUNK,		/* must open; the hunks whose data is BAD_HUNK fail naming BAD_OFF */
	X_ALL_FAIL,	/* must open with the hunk count; every hunk fails naming its data */
	X_REFUSE,	/* refused: CODE, SUBSTR in the message, err.offset in OFF_LO..OFF_HI */
};

struct damage {
	const char *kind;
	char what[160];			/* the detail: offsets, values */
	const struct source *s;
	uint8_t *buf;
	size_t len;
	struct range mod[40];		/* X_GENERIC: bytes changed (the file's offsets) */
	size_t nmod;
	enum expect x;
	int code;
	const char *substr;
	int64_t off_lo, off_hi;
	uint32_t bad_hunk;
	uint64_t bad_off;
	uint64_t hoff[MAX_HUNKS];	/* targeted: where each stored hunk's data was laid */
	struct meta_item meta[MAX_META];	/* X_EQUAL, X_HUNK: the metadata to read back */
	size_t nmeta;
};

static void mark(struct damage *d, uint64_t lo, uint64_t hi)
{
	if (d->nmod < sizeof(d->mod) / sizeof(d->mod[0]))
		d->mod[d->nmod++] = (struct range){ lo, hi };
	else
		d->mod[d->nmod - 1].hi = UINT64_MAX;	/* conservative */
}

static bool touched(const struct damage *d, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < d->nmod; i++)
		if (d->mod[i].lo < hi && d->mod[i].hi > lo)
			return true;
	return false;
}

/* The header bytes the reader uses: all but the raw and overall SHA-1s. */
static bool header_touched(const struct damage *d)
{
	return touched(d, 0, CHD_HDR_RAW_SHA1) || touched(d, CHD_HDR_PARENT_SHA1, HDR);
}

static bool map_touched(const struct damage *d)
{
	return touched(d, d->s->map_off, d->s->map_off + d->s->map_len);
}

static bool meta_headers_touched(const struct damage *d)
{
	for (size_t i = 0; i < d->s->nmeta; i++)
		if (touched(d, d->s->meta[i].off, d->s->meta[i].off + CHD_META_HEADER))
			return true;
	return false;
}

static bool meta_touched(const struct damage *d)
{
	if (touched(d, CHD_HDR_META, CHD_HDR_META + 8))
		return true;
	for (size_t i = 0; i < d->s->nmeta; i++)
		if (touched(d, d->s->meta[i].off, d->s->meta[i].off + CHD_META_HEADER + d->s->meta[i].len))
			return true;
	return false;
}

static void copy_source(struct damage *d, const struct source *s, size_t extra)
{
	d->s = s;
	d->buf = xmalloc(s->len + extra);
	memcpy(d->buf, s->buf, s->len);
	d->len = s->len;
	d->nmeta = s->nmeta;
	memcpy(d->meta, s->meta, sizeof(s->meta));
}

static void flip(struct damage *d, uint64_t lo, uint64_t hi)
{
	uint64_t p = lo + below(hi - lo);
	unsigned bit = (unsigned)below(8);
	d->buf[p] ^= (uint8_t)(1u << bit);
	mark(d, p, p + 1);
	size_t n = strlen(d->what);
	snprintf(d->what + n, sizeof(d->what) - n, "%s%" PRIu64 ".%u", n ? " " : "flip at ", p, bit);
}

/* A random byte range of S: the header, the map, a stored hunk, a metadata entry. */
enum region { R_ANY, R_HEADER, R_MAP, R_HUNK, R_META };

static void region(const struct source *s, enum region r, uint64_t *lo, uint64_t *hi)
{
	switch (r) {
	case R_HEADER:
		*lo = 0, *hi = HDR;
		return;
	case R_MAP:
		*lo = s->map_off, *hi = s->map_off + s->map_len;
		return;
	case R_HUNK: {
		uint32_t d;
		do
			d = (uint32_t)below(s->h.hunk_count);
		while (s->map[d].type == CHD_MAP_SELF);
		*lo = s->map[d].offset, *hi = *lo + span_len(s, d);
		return;
	}
	case R_META: {
		const struct meta_item *m = &s->meta[below(s->nmeta)];
		*lo = m->off, *hi = m->off + CHD_META_HEADER + m->len;
		return;
	}
	default:
		*lo = 0, *hi = s->len;
		return;
	}
}

/* The kinds, in the order they take turns. */
enum kind {
	K_FLIP, K_FLIPS, K_FLIP_HEADER, K_FLIP_MAP, K_FLIP_HUNK, K_FLIP_META, K_TRUNCATE, K_ZERO,
	K_APPEND, K_IGNORED,
	T_OFF_EOF, T_OFF_HEADER, T_LEN_EOF, T_LEN_ZERO, T_SELF_LATER, T_EMPTY_SLOT, T_OVERSIZE,
	T_CRC, T_HUNK_BYTES, T_GEOMETRY, T_LOGICAL, T_UNIT_BYTES, T_MAP_LENGTH, T_MAP_OFFSET,
	T_META_LOOP, T_META_EOF, T_PARENT,
	K_COUNT,
	/* not drawn: the setup's checks */
	K_TRUNC_HEADER = K_COUNT, K_REBUILT, K_ALL,
};

static const char *const kind_name[K_ALL] = {
	"bit flip", "several flips", "flip in header", "flip in map", "flip in hunk data",
	"flip in metadata", "truncation", "zeroed range", "appended garbage", "header SHA-1s changed",
	"map: offset past EOF", "map: offset in header", "map: length past EOF", "map: length 0",
	"map: SELF to itself/later", "map: empty codec slot", "hunk inflates past hunk_bytes",
	"map: wrong CRC-16", "header: lying hunk_bytes", "header: other hunk size, same count",
	"header: lying logical_bytes", "header: lying unit_bytes",
	"map: lying compressed length", "header: map offset past EOF", "metadata: loop",
	"metadata: past EOF", "needs a parent",
	"truncation in header (0..124)", "laid out anew, no lie",
};

static bool applies(enum kind k, const struct source *s)
{
	switch (k) {
	case K_FLIP_META:
		return s->nmeta > 0;
	case T_OVERSIZE:
		return s->zlib_based;
	case T_GEOMETRY:	/* an uncompressed hunk's length is the hunk size: the map's CRC */
		return s->census[CHD_MAP_NONE] == 0;
	default:
		return true;
	}
}

static void expect_refuse(struct damage *d, int code, const char *substr, int64_t lo, int64_t hi)
{
	d->x = X_REFUSE;
	d->code = code;
	d->substr = substr;
	d->off_lo = lo;
	d->off_hi = hi;
}

static void take_layout(struct damage *d, struct layout *l)
{
	d->buf = l->buf;
	d->len = l->len;
	memcpy(d->hoff, l->hoff, sizeof(d->hoff));
	l->buf = NULL;
}

/* The last stored hunk (its data ends where the map begins) and it is compressed. */
static uint32_t last_stored(const struct source *s)
{
	for (uint32_t h = s->h.hunk_count; h-- > 0;)
		if (s->map[h].type != CHD_MAP_SELF) {
			if (s->map[h].type > 3)
				die("%s: the last stored hunk is not compressed", s->name);
			return h;
		}
	die("%s: no stored hunk", s->name);
}

/* A stored hunk compressed with slot 0, at random. */
static uint32_t random_codec_hunk(const struct source *s)
{
	uint32_t h;
	do
		h = (uint32_t)below(s->h.hunk_count);
	while (s->map[h].type != 0);
	return h;
}

/* Hunk H's data re-made so that it inflates to more than hunk_bytes: the hunk followed
 * by EXTRA more bytes, in the codec's own layout (zlib, or the CD wrapper over zlib with
 * no ECC stripped and either the sectors or the sub-channel too long). */
static uint8_t *oversized(const struct source *s, uint32_t h, uint32_t extra, bool in_subs, uint32_t *outlen)
{
	uint32_t hb = s->h.hunk_bytes;
	const uint8_t *orig = s->data + (size_t)h * hb;
	size_t zl;

	if (!s->cd) {
		uint8_t *p = xmalloc(hb + extra);
		memcpy(p, orig, hb);
		text_fill(p + hb, extra, h);
		uint8_t *z = deflate_raw(p, hb + extra, &zl);
		free(p);
		*outlen = (uint32_t)zl;
		return z;
	}
	uint32_t frames = hb / CHD_CD_FRAME, bitmap = (frames + 7) / 8;
	size_t slen = (size_t)frames * CHD_CD_SECTOR, ulen = (size_t)frames * CHD_CD_SUB;
	uint8_t *sec = xmalloc(slen + extra), *sub = xmalloc(ulen + extra);
	for (uint32_t f = 0; f < frames; f++) {
		memcpy(sec + (size_t)f * CHD_CD_SECTOR, orig + (size_t)f * CHD_CD_FRAME, CHD_CD_SECTOR);
		memcpy(sub + (size_t)f * CHD_CD_SUB, orig + (size_t)f * CHD_CD_FRAME + CHD_CD_SECTOR, CHD_CD_SUB);
	}
	memset(sec + slen, 0x55, extra);
	memset(sub + ulen, 0xaa, extra);
	size_t bl, ul;
	uint8_t *bz = deflate_raw(sec, slen + (in_subs ? 0 : extra), &bl);
	uint8_t *uz = deflate_raw(sub, ulen + (in_subs ? extra : 0), &ul);
	size_t hdr = bitmap + (hb < 65536 ? 2 : 3);
	uint8_t *out = xmalloc(hdr + bl + ul);
	memset(out, 0, bitmap);
	if (hb < 65536) {
		out[bitmap] = (uint8_t)(bl >> 8);
		out[bitmap + 1] = (uint8_t)bl;
	} else {
		out[bitmap] = (uint8_t)(bl >> 16);
		out[bitmap + 1] = (uint8_t)(bl >> 8);
		out[bitmap + 2] = (uint8_t)bl;
	}
	memcpy(out + hdr, bz, bl);
	memcpy(out + hdr + bl, uz, ul);
	free(sec);
	free(sub);
	free(bz);
	free(uz);
	*outlen = (uint32_t)(hdr + bl + ul);
	return out;
}

/* Two metadata entries for sources that have none (the raw fixtures). */
static const uint8_t extra_meta_a[] = "chdcorrupt: metadata added to a fixture";
static const uint8_t extra_meta_b[40] = { 1, 2, 3 };

static void ensure_meta(struct model *m)
{
	if (m->nmeta >= 2)
		return;
	m->nmeta = 2;
	m->meta[0] = (struct meta_item){ .tag = CHD_TAG('T', 'E', 'X', 'T'), .flags = 1, .data = extra_meta_a,
					 .len = sizeof(extra_meta_a) };
	m->meta[1] = (struct meta_item){ .tag = CHD_TAG('B', 'I', 'N', ' '), .flags = 0, .data = extra_meta_b,
					 .len = sizeof(extra_meta_b) };
}

static void want_meta_of(struct damage *d, const struct model *m)
{
	d->nmeta = m->nmeta;
	memcpy(d->meta, m->meta, sizeof(m->meta));
}

#define WHAT(...) snprintf(d->what, sizeof(d->what), __VA_ARGS__)

static void targeted(struct damage *d, enum kind k, const struct source *s)
{
	struct model m;
	struct layout l;
	uint32_t hb = s->h.hunk_bytes, ub = s->h.unit_bytes;

	model_init(&m, s);
	d->s = s;
	switch (k) {
	case T_OFF_EOF: {	/* the first stored hunk's offset (all of them) past the end */
		lay_out(&m, &l);
		uint64_t size = l.len, first = l.hoff[data_hunk(s, 0)];
		free(l.buf);
		m.shift = (int64_t)(size - first + below(1u << 20));
		lay_out(&m, &l);
		WHAT("first hunk offset %" PRIu64 ", file %zu bytes", first + (uint64_t)m.shift, l.len);
		expect_refuse(d, CHD_EFORMAT, "past the end of the file", (int64_t)l.map_off, (int64_t)l.map_off);
		break;
	}
	case T_OFF_HEADER: {	/* the hunks' offsets moved back into the header */
		lay_out(&m, &l);
		uint64_t first = l.hoff[data_hunk(s, 0)];
		free(l.buf);
		uint64_t to = below(HDR);
		m.shift = (int64_t)to - (int64_t)first;
		lay_out(&m, &l);
		WHAT("first hunk offset %" PRIu64, to);
		expect_refuse(d, CHD_EFORMAT, "inside the header", (int64_t)l.map_off, (int64_t)l.map_off);
		break;
	}
	case T_LEN_EOF: {	/* the last stored hunk's length past the end of the file */
		uint32_t h = last_stored(s);
		m.e[h].length = hb;
		lay_out(&m, &l);
		uint64_t off = l.hoff[h], size = l.len;
		free(l.buf);
		if (off + hb <= size)
			die("%s: hunk %u cannot be made to run past the end", s->name, h);
		uint64_t min = size - off + 1;
		m.e[h].length = (uint32_t)(min + below(hb - min + 1));
		lay_out(&m, &l);
		if (off + m.e[h].length <= l.len)
			die("%s: hunk %u does not run past the end", s->name, h);
		WHAT("hunk %u at %" PRIu64 " claims %u bytes, file %zu", h, off, m.e[h].length, l.len);
		expect_refuse(d, CHD_EFORMAT, "past the end of the file", (int64_t)off, (int64_t)off);
		break;
	}
	case T_LEN_ZERO: {	/* the last stored hunk 0 bytes long: that hunk fails, no other */
		uint32_t h = last_stored(s);
		m.e[h].length = 0;
		lay_out(&m, &l);
		WHAT("hunk %u at %" PRIu64 " claims 0 bytes", h, l.hoff[h]);
		d->x = X_HUNK;
		d->bad_hunk = h;
		d->bad_off = l.hoff[h];
		want_meta_of(d, &m);
		break;
	}
	case T_SELF_LATER: {	/* a reference to itself or to a later hunk */
		m.hand = true;
		uint32_t h = (uint32_t)below(s->h.hunk_count);
		uint32_t to = h + (uint32_t)below(s->h.hunk_count - h);
		if (h == 0 && below(2)) {
			m.e[0] = (struct chd_map_entry){ .type = CHD_MAP_SELF_0 };	/* the "previous" 0 */
			to = 0;
		} else {
			m.e[h] = (struct chd_map_entry){ .type = CHD_MAP_SELF, .offset = to };
		}
		lay_out(&m, &l);
		WHAT("hunk %u refers to hunk %u%s", h, to, m.e[0].type == CHD_MAP_SELF_0 ? " (SELF_0)" : "");
		expect_refuse(d, CHD_EFORMAT, "not an earlier one", (int64_t)l.map_off, (int64_t)l.map_off);
		break;
	}
	case T_EMPTY_SLOT: {
		uint32_t h = random_codec_hunk(s), slot;
		do
			slot = 1 + (uint32_t)below(3);
		while (s->h.compressors[slot] != 0);
		m.e[h].type = (uint8_t)slot;
		lay_out(&m, &l);
		WHAT("hunk %u names slot %u", h, slot);
		expect_refuse(d, CHD_EFORMAT, "leaves empty", (int64_t)l.map_off, (int64_t)l.map_off);
		break;
	}
	case T_OVERSIZE: {
		uint32_t h, len;
		uint8_t *p;
		uint32_t extra = 1 + (uint32_t)below(below(2) ? 16 : hb);
		bool in_subs = s->cd && below(2);
		for (int tries = 0;; tries++) {
			h = random_codec_hunk(s);
			p = oversized(s, h, extra, in_subs, &len);
			if (len <= hb)
				break;
			free(p);
			if (tries > 100)
				die("%s: no hunk compresses enough", s->name);
		}
		m.e[h].length = len;
		m.payload[h] = p;
		m.payload_len[h] = len;
		lay_out(&m, &l);
		free(p);
		WHAT("hunk %u (%u bytes at %" PRIu64 ") inflates to %u + %u bytes%s", h, len, l.hoff[h], hb, extra,
		     in_subs ? " (sub-channel)" : "");
		d->x = X_HUNK;
		d->bad_hunk = h;
		d->bad_off = l.hoff[h];
		want_meta_of(d, &m);
		break;
	}
	case T_CRC: {	/* one stored hunk's CRC-16 wrong: that hunk fails when read */
		uint32_t h;
		do
			h = (uint32_t)below(s->h.hunk_count);
		while (s->map[h].type == CHD_MAP_SELF);
		if (s->census[CHD_MAP_NONE] && below(2))	/* often an uncompressed one */
			while (s->map[h].type != CHD_MAP_NONE)
				h = (uint32_t)below(s->h.hunk_count);
		m.e[h].crc ^= (uint16_t)(1 + below(0xffff));
		lay_out(&m, &l);
		WHAT("hunk %u (type %u at %" PRIu64 ") CRC-16 %04x, was %04x", h, m.e[h].type, l.hoff[h], m.e[h].crc,
		     s->map[h].crc);
		d->x = X_HUNK;
		d->bad_hunk = h;
		d->bad_off = l.hoff[h];
		want_meta_of(d, &m);
		break;
	}
	case T_GEOMETRY: {	/* hunk_bytes and logical_bytes changed together, the count kept:
				 * the map still decodes and every codec gets the wrong size */
		lay_out(&m, &l);
		uint32_t n = s->h.hunk_count;
		int64_t sv;
		do {
			int64_t units = 1 + (int64_t)below(3);
			sv = (int64_t)hb + (below(2) ? units : -units) * (int64_t)ub;
		} while (sv <= 0 || sv > CHD_MAX_HUNK_BYTES);
		uint32_t v = (uint32_t)sv;
		uint64_t logical = (uint64_t)(n - 1) * v + 1 + below(v);
		wire_put_be32(l.buf + CHD_HDR_HUNK_BYTES, v);
		wire_put_be64(l.buf + CHD_HDR_LOGICAL, logical);
		WHAT("hunk_bytes %u, logical_bytes %" PRIu64 " (were %u, %" PRIu64 ")", v, logical, hb,
		     s->h.logical_bytes);
		d->x = X_ALL_FAIL;
		for (uint32_t h = 0; h < n; h++)	/* smaller: a hunk may no longer fit */
			if (m.e[h].type <= 3 && m.e[h].length > v) {
				WHAT("hunk_bytes %u, logical_bytes %" PRIu64 ", hunk %u is %u bytes", v, logical, h,
				     m.e[h].length);
				expect_refuse(d, CHD_EFORMAT, "more than a hunk", (int64_t)l.hoff[h], (int64_t)l.hoff[h]);
				break;
			}
		want_meta_of(d, &m);
		break;
	}
	case T_HUNK_BYTES: {
		lay_out(&m, &l);
		uint32_t v;
		switch (below(5)) {
		case 0:
			v = 0;
			expect_refuse(d, CHD_EFORMAT, "hunk size", CHD_HDR_HUNK_BYTES, CHD_HDR_HUNK_BYTES);
			break;
		case 1:
			v = CHD_MAX_HUNK_BYTES + 1 + (uint32_t)below(UINT32_MAX - CHD_MAX_HUNK_BYTES);
			expect_refuse(d, CHD_EFORMAT, "hunk size", CHD_HDR_HUNK_BYTES, CHD_HDR_HUNK_BYTES);
			break;
		case 2:
			if (ub > 1) {
				v = hb + 1 + (uint32_t)below(ub - 1);
				expect_refuse(d, CHD_EFORMAT, "unit", CHD_HDR_UNIT_BYTES, CHD_HDR_UNIT_BYTES);
				break;
			}
			/* fall through */
		case 3:	/* the largest whole number of units: huge, yet plausible */
			v = CHD_MAX_HUNK_BYTES / ub * ub;
			expect_refuse(d, CHD_EFORMAT, "hunk", 0, (int64_t)l.len);
			break;
		default:	/* twice the size: the map no longer fits */
			v = hb * 2;
			expect_refuse(d, CHD_EFORMAT, "hunk", 0, (int64_t)l.len);
			break;
		}
		wire_put_be32(l.buf + CHD_HDR_HUNK_BYTES, v);
		WHAT("hunk_bytes %u (was %u)", v, hb);
		break;
	}
	case T_LOGICAL: {
		lay_out(&m, &l);
		uint64_t v, was = s->h.logical_bytes;
		switch (below(4)) {
		case 0:	/* more hunks than the library reads */
			v = ((uint64_t)CHD_MAX_HUNKS + 1 + below(UINT64_C(1) << 30)) * hb;
			expect_refuse(d, CHD_EUNSUPPORTED, "hunks", CHD_HDR_LOGICAL, CHD_HDR_LOGICAL);
			break;
		case 1:
			v = 0;
			expect_refuse(d, CHD_EFORMAT, "hunk map", (int64_t)l.map_off, (int64_t)l.map_off);
			break;
		case 2:	/* more hunks than the map holds */
			v = was + (1 + below(CHD_MAX_HUNKS - s->h.hunk_count)) * hb;
			expect_refuse(d, CHD_EFORMAT, "hunk", (int64_t)l.map_off, (int64_t)l.len);
			break;
		default:	/* fewer: the fields are read from inside the type stream */
			v = was - (1 + below(s->h.hunk_count - 1)) * hb;
			expect_refuse(d, CHD_EFORMAT, "hunk", 0, (int64_t)l.len);
			break;
		}
		wire_put_be64(l.buf + CHD_HDR_LOGICAL, v);
		WHAT("logical_bytes %" PRIu64 " (was %" PRIu64 ")", v, was);
		break;
	}
	case T_UNIT_BYTES: {
		lay_out(&m, &l);
		uint32_t v;
		switch (below(3)) {
		case 0:
			v = 0;
			break;
		case 1:
			v = hb + 1 + (uint32_t)below(UINT32_MAX - hb);
			break;
		default:	/* no divisor of the hunk */
			do
				v = 1 + (uint32_t)below(hb);
			while (hb % v == 0);
			break;
		}
		expect_refuse(d, CHD_EFORMAT, "unit", CHD_HDR_UNIT_BYTES, CHD_HDR_UNIT_BYTES);
		wire_put_be32(l.buf + CHD_HDR_UNIT_BYTES, v);
		WHAT("unit_bytes %u (was %u)", v, ub);
		break;
	}
	case T_MAP_LENGTH: {
		lay_out(&m, &l);
		uint32_t was = (uint32_t)(l.map_len - CHD_MAP_HEADER), v;
		if (below(2))
			v = was + 1 + (uint32_t)below(below(2) ? 16 : UINT32_MAX - was);
		else
			v = (uint32_t)below(was);
		wire_put_be32(l.buf + l.map_off, v);
		WHAT("map payload %u bytes (was %u)", v, was);
		expect_refuse(d, CHD_EFORMAT, "hunk map", (int64_t)l.map_off, (int64_t)l.map_off);
		break;
	}
	case T_MAP_OFFSET: {
		lay_out(&m, &l);
		uint64_t v = l.len + below(2) * below(UINT64_MAX - l.len);
		wire_put_be64(l.buf + CHD_HDR_MAP, v);
		WHAT("map offset %" PRIu64 ", file %zu", v, l.len);
		expect_refuse(d, CHD_EFORMAT, "past the end", CHD_HDR_MAP, CHD_HDR_MAP);
		break;
	}
	case T_META_LOOP: {
		ensure_meta(&m);
		lay_out(&m, &l);
		size_t last = m.nmeta - 1, to = (size_t)below(m.nmeta);
		wire_put_be64(l.buf + l.meta_off[last] + 8, l.meta_off[to]);
		WHAT("metadata entry %zu's next is entry %zu", last, to);
		expect_refuse(d, CHD_EFORMAT, "loops", (int64_t)l.meta_off[0], (int64_t)l.meta_off[last]);
		break;
	}
	case T_META_EOF: {
		ensure_meta(&m);
		lay_out(&m, &l);
		size_t j = (size_t)below(m.nmeta);
		uint64_t at = l.meta_off[j];
		switch (below(4)) {
		case 0: {	/* a next pointer past the end */
			uint64_t v = l.len + below(2) * below(UINT64_MAX - l.len);
			wire_put_be64(l.buf + at + 8, v);
			WHAT("metadata entry %zu's next %" PRIu64 ", file %zu", j, v, l.len);
			expect_refuse(d, CHD_EFORMAT, "past the end", (int64_t)at + 8, (int64_t)at + 8);
			break;
		}
		case 1: {	/* the header's pointer past the end */
			uint64_t v = l.len + below(2) * below(UINT64_MAX - l.len);
			wire_put_be64(l.buf + CHD_HDR_META, v);
			WHAT("metadata offset %" PRIu64 ", file %zu", v, l.len);
			expect_refuse(d, CHD_EFORMAT, "past the end", CHD_HDR_META, CHD_HDR_META);
			break;
		}
		case 2: {	/* an entry whose header is cut by the end of the file */
			uint64_t v = l.len - 1 - below(CHD_META_HEADER - 1);
			wire_put_be64(l.buf + at + 8, v);
			WHAT("metadata entry %zu's next %" PRIu64 ", file %zu", j, v, l.len);
			expect_refuse(d, CHD_EFORMAT, "past the end", (int64_t)v, (int64_t)v);
			break;
		}
		default: {	/* a length past the end */
			uint32_t v = (uint32_t)(l.len - at - CHD_META_HEADER + 1 +
						below(0xffffff - (l.len - at - CHD_META_HEADER)));
			wire_put_be24(l.buf + at + 5, v);
			WHAT("metadata entry %zu at %" PRIu64 " claims %u bytes, file %zu", j, at, v, l.len);
			expect_refuse(d, CHD_EFORMAT, "past the end", (int64_t)at, (int64_t)at);
			break;
		}
		}
		break;
	}
	case T_PARENT: {
		unsigned how = (unsigned)below(3);
		if (how != 0) {	/* map entries in the parent */
			static const uint8_t ptypes[4] = { CHD_MAP_PARENT, CHD_MAP_PARENT_SELF, CHD_MAP_PARENT_0,
							   CHD_MAP_PARENT_1 };
			uint32_t h = (uint32_t)below(s->h.hunk_count);
			m.hand = true;
			m.e[h] = (struct chd_map_entry){ .type = ptypes[below(4)], .offset = h };
			lay_out(&m, &l);
			WHAT("hunk %u type %u (parent)", h, m.e[h].type);
		} else {
			lay_out(&m, &l);
			WHAT("header names a parent");
		}
		if (how != 1) {	/* the parent's SHA-1 in the header */
			unsigned at = (unsigned)below(CHD_SHA1);
			l.buf[CHD_HDR_PARENT_SHA1 + at] = (uint8_t)(1 + below(255));
			expect_refuse(d, CHD_EUNSUPPORTED, "parent", CHD_HDR_PARENT_SHA1, CHD_HDR_PARENT_SHA1);
		} else {
			expect_refuse(d, CHD_EUNSUPPORTED, "parent", (int64_t)l.map_off, (int64_t)l.map_off);
		}
		break;
	}
	default:
		die("targeted: kind %d", (int)k);
	}
	take_layout(d, &l);
}

/* Damage of kind K to source S (random kinds) or a layout of it (targeted ones). */
static void corrupt(struct damage *d, enum kind k, const struct source *s)
{
	memset(d, 0, sizeof(*d));
	d->kind = kind_name[k];
	d->x = X_GENERIC;
	uint64_t lo, hi;

	switch (k) {
	case K_FLIP:
		copy_source(d, s, 0);
		flip(d, 0, d->len);
		break;
	case K_FLIPS: {
		copy_source(d, s, 0);
		unsigned n = 2 + (unsigned)below(15);
		for (unsigned i = 0; i < n; i++)
			flip(d, 0, d->len);
		break;
	}
	case K_FLIP_HEADER:
	case K_FLIP_MAP:
	case K_FLIP_HUNK:
	case K_FLIP_META: {
		copy_source(d, s, 0);
		enum region r = k == K_FLIP_HEADER ? R_HEADER : k == K_FLIP_MAP ? R_MAP : k == K_FLIP_HUNK ? R_HUNK : R_META;
		unsigned n = below(3) ? 1 : 2 + (unsigned)below(4);
		region(s, r, &lo, &hi);
		for (unsigned i = 0; i < n; i++)
			flip(d, lo, hi);
		break;
	}
	case K_TRUNCATE: {
		copy_source(d, s, 0);
		d->len = (size_t)below(s->len);
		WHAT("cut to %zu of %zu bytes", d->len, s->len);
		break;
	}
	case K_ZERO: {
		copy_source(d, s, 0);
		uint64_t p = below(s->len), n = 1 + below(below(2) ? 16 : 4096);
		if (p + n > s->len)
			n = s->len - p;
		memset(d->buf + p, 0, (size_t)n);
		mark(d, p, p + n);
		WHAT("zeros at %" PRIu64 "..%" PRIu64, p, p + n);
		break;
	}
	case K_APPEND: {
		size_t n = 1 + (size_t)below(8192);
		copy_source(d, s, n);
		unsigned style = (unsigned)below(3);
		for (size_t i = 0; i < n; i++)
			d->buf[s->len + i] = style == 0 ? 0 : (uint8_t)rnd();
		if (style == 2 && n >= HDR)	/* a whole header again */
			memcpy(d->buf + s->len, s->buf, HDR);
		d->len = s->len + n;
		WHAT("%zu bytes appended (style %u)", n, style);
		d->x = X_EQUAL;
		break;
	}
	case K_IGNORED: {
		copy_source(d, s, 0);
		unsigned from = (unsigned)below(2 * CHD_SHA1), n = 1 + (unsigned)below(2 * CHD_SHA1 - from);
		for (unsigned i = 0; i < n; i++)
			d->buf[CHD_HDR_RAW_SHA1 + from + i] = (uint8_t)rnd();
		WHAT("SHA-1 bytes %u..%u", CHD_HDR_RAW_SHA1 + from, CHD_HDR_RAW_SHA1 + from + n);
		d->x = X_EQUAL;
		break;
	}
	default:
		targeted(d, k, s);
		break;
	}
}

/* ---- checking ------------------------------------------------------------------------ */

enum outcome { O_REFUSED, O_EQUAL, O_HUNK_ERRORS, O_COUNT };
static unsigned counts[K_ALL][O_COUNT];
static char failure[600];

__attribute__((format(printf, 1, 2)))
static bool bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
	return false;
}

/* err.offset inside the file: 0..LEN, LEN meaning "the file ends here". */
static bool offset_ok(const struct chd_err *e, size_t len)
{
	return e->offset >= 0 && (uint64_t)e->offset <= len;
}

static const char *path_now;
static char answer[300];	/* what chd_open said, for CHDCORRUPT_VERBOSE */

/* The metadata: each tag of WANT (or of the source) read entry by entry; bounded. */
static bool check_meta(struct chd_reader *r, const struct damage *d, bool must_equal)
{
	static uint8_t buf[1 << 16];
	const struct meta_item *want = d->meta;
	size_t nwant = d->nmeta;

	for (size_t t = 0; t < nwant; t++) {
		uint32_t tag = want[t].tag;
		bool seen_before = false;
		for (size_t u = 0; u < t; u++)
			seen_before |= want[u].tag == tag;
		if (seen_before)
			continue;
		uint32_t idx = 0;
		size_t w = 0;	/* the next entry of WANT with this tag */
		for (;; idx++) {
			struct chd_err e;
			uint32_t len = 0;
			if (idx > CHD_MAX_META_ENTRIES)
				return bad("metadata tag %08x: more than %u entries read", tag, CHD_MAX_META_ENTRIES);
			int rc = chd_read_meta(r, tag, idx, buf, sizeof(buf), &len, &e);
			while (w < nwant && want[w].tag != tag)
				w++;
			if (rc == CHD_ENOTFOUND) {
				if (must_equal && w < nwant)
					return bad("metadata tag %08x #%u missing", tag, idx);
				break;
			}
			if (rc == CHD_EFORMAT && offset_ok(&e, d->len)) {
				if (must_equal)
					return bad("metadata tag %08x #%u: %s", tag, idx, e.msg);
				continue;
			}
			if (rc != CHD_OK)
				return bad("metadata tag %08x #%u: code %d: %s", tag, idx, rc, e.msg);
			if (must_equal) {
				if (w == nwant || len != want[w].len || memcmp(buf, want[w].data, len) != 0)
					return bad("metadata tag %08x #%u differs", tag, idx);
				w++;
			}
		}
	}
	return true;
}

/* Every hunk of an opened CHD.  *ERRORS: how many failed. */
static bool check_hunks(struct chd_reader *r, const struct damage *d, unsigned *errors)
{
	const struct source *s = d->s;
	const struct chd_header *h = chd_reader_header(r);
	uint32_t hb = h->hunk_bytes;
	bool same_geometry = hb == s->h.hunk_bytes;
	bool strict = d->x == X_GENERIC && !header_touched(d) && !map_touched(d);
	uint32_t n = h->hunk_count < s->h.hunk_count + 64 ? h->hunk_count : s->h.hunk_count + 64;
	uint8_t *buf = xmalloc((size_t)hb + GUARD);
	bool ok = true;

	*errors = 0;
	if ((d->x == X_EQUAL || d->x == X_HUNK || d->x == X_ALL_FAIL) &&
	    (h->hunk_count != s->h.hunk_count || (!same_geometry && d->x != X_ALL_FAIL)))
		return free(buf), bad("opened with %u hunks of %u bytes", h->hunk_count, hb);
	for (uint32_t k = 0; k < n && ok; k++) {
		struct chd_err e = { -1, "" };
		memset(buf + hb, 0xa5, GUARD);
		int rc = chd_read_hunk(r, k, buf, &e);
		for (unsigned g = 0; g < GUARD; g++)
			if (buf[hb + g] != 0xa5) {
				ok = bad("hunk %u: the read wrote past hunk_bytes", k);
				break;
			}
		if (!ok)
			break;
		bool known = k < s->h.hunk_count;
		uint32_t dh = known ? data_hunk(s, k) : 0;
		uint64_t lo = known ? s->map[dh].offset : 0, hi = known ? lo + span_len(s, dh) : 0;
		if (rc == CHD_OK) {
			if (!known) {
				if (strict)
					ok = bad("hunk %u read, the original has %u", k, s->h.hunk_count);
				continue;
			}
			if (!same_geometry)
				ok = bad("hunk %u read as %u bytes, the original's are %u", k, hb, s->h.hunk_bytes);
			else if (memcmp(buf, s->data + (size_t)k * hb, hb) != 0)
				ok = bad("hunk %u read back other data than the original", k);
			continue;
		}
		(*errors)++;
		if (rc != CHD_EFORMAT || !offset_ok(&e, d->len) || !strstr(e.msg, path_now)) {
			ok = bad("hunk %u: code %d, offset %" PRId64 ": %s", k, rc, e.offset, e.msg);
			continue;
		}
		switch (d->x) {
		case X_EQUAL:
			ok = bad("hunk %u refused: %s", k, e.msg);
			break;
		case X_HUNK:
			if (dh != d->bad_hunk || (uint64_t)e.offset != d->bad_off)
				ok = bad("hunk %u refused, only hunk %u at %" PRIu64 " should be: %s", k, d->bad_hunk,
					 d->bad_off, e.msg);
			break;
		case X_ALL_FAIL:
			if ((uint64_t)e.offset != d->hoff[dh])
				ok = bad("hunk %u refused naming %" PRId64 ", its data is at %" PRIu64 ": %s", k,
					 e.offset, d->hoff[dh], e.msg);
			break;
		default:
			if (strict && !touched(d, lo, hi))
				ok = bad("intact hunk %u refused: %s", k, e.msg);
			else if (strict && (uint64_t)e.offset != lo)
				ok = bad("hunk %u (data at %" PRIu64 ") refused naming offset %" PRId64 ": %s", k, lo,
					 e.offset, e.msg);
			break;
		}
	}
	if (ok && d->x == X_HUNK && *errors == 0)
		ok = bad("hunk %u read without error", d->bad_hunk);
	if (ok && d->x == X_ALL_FAIL && *errors != n)
		ok = bad("%u of %u hunks read with the wrong hunk size", n - *errors, n);
	free(buf);
	return ok;
}

static bool check_one(const struct damage *d, const char *path, enum kind k)
{
	struct chd_reader *r = NULL;
	struct chd_err e;
	int rc = chd_open(path, &r, &e);
	bool shorter = d->len < d->s->len && d->x == X_GENERIC;

	path_now = path;
	failure[0] = '\0';
	snprintf(answer, sizeof(answer), "%d at %" PRId64 ": %s", rc, e.offset, rc == CHD_OK ? "opened" : e.msg);
	if (rc != CHD_OK) {
		if (r)
			return bad("chd_open failed (%d) but gave a reader", rc);
		if (!offset_ok(&e, d->len) || !e.msg[0] || !strstr(e.msg, path))
			return bad("refused (%d) with offset %" PRId64 " outside the file (%zu bytes): %s", rc, e.offset,
				   d->len, e.msg);
		switch (d->x) {
		case X_EQUAL:
		case X_HUNK:
		case X_ALL_FAIL:
			return bad("refused (%d): %s", rc, e.msg);
		case X_REFUSE:
			if (rc != d->code || !strstr(e.msg, d->substr) || e.offset < d->off_lo || e.offset > d->off_hi)
				return bad("refused with %d at offset %" PRId64 ", expected %d with \"%s\" at %" PRId64
					   "..%" PRId64 ": %s", rc, e.offset, d->code, d->substr, d->off_lo, d->off_hi,
					   e.msg);
			break;
		default:
			if (rc != CHD_EFORMAT && rc != CHD_EUNSUPPORTED)
				return bad("refused with code %d: %s", rc, e.msg);
			if (rc == CHD_EUNSUPPORTED && !header_touched(d) && !map_touched(d))
				return bad("unsupported, though the header and map are intact: %s", e.msg);
			if (!shorter && !header_touched(d) && !map_touched(d) && !meta_headers_touched(d))
				return bad("refused, though header, map and metadata headers are intact: %s", e.msg);
			break;
		}
		counts[k][O_REFUSED]++;
		return true;
	}
	bool ok = true;
	unsigned errors = 0;
	if (d->x == X_REFUSE)
		ok = bad("opened; expected code %d with \"%s\"", d->code, d->substr);
	else if (shorter)
		ok = bad("opened although cut to %zu of %zu bytes", d->len, d->s->len);
	if (ok)
		ok = check_hunks(r, d, &errors);
	if (ok) {
		bool meta_equal = d->x != X_GENERIC || (!meta_touched(d) && !header_touched(d));
		ok = check_meta(r, d, meta_equal);
	}
	chd_close(r);
	if (ok)
		counts[k][errors ? O_HUNK_ERRORS : O_EQUAL]++;
	return ok;
}

/* ---- main ------------------------------------------------------------------------------ */

/* RLIMIT_AS at AS_LIMIT_MIB (a lower limit already set is kept); its value in MiB. */
static long limit_memory(void)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)AS_LIMIT_MIB << 20;

	if (UNDER_ASAN)
		return -1;
	if (getrlimit(RLIMIT_AS, &rl) != 0)
		die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > want) {
		rl.rlim_cur = want;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
			rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_AS, &rl) != 0)
			die("setrlimit: %s", strerror(errno));
	}
	return (long)(rl.rlim_cur >> 20);
}

static bool verbose;	/* CHDCORRUPT_VERBOSE set: every case and its answer */

static bool run(const struct damage *d, const char *path, enum kind k, const char *label)
{
	spill(path, d->buf, d->len);
	bool ok = check_one(d, path, k);
	if (verbose)
		printf("%s %s (%s, %s: %s): %s\n", ok ? "ok" : "FAIL", label, d->kind, d->s->name, d->what, answer);
	if (ok)
		return true;
	fprintf(stderr, "FAIL %s (%s, %s: %s): %s\n", label, d->kind, d->s->name, d->what, failure);
	return false;
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 20240614;
	unsigned count = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 1000;
	const char *dir = getenv("TESTTMP"), *fx = getenv("FIXTURES");
	unsigned passed = 0, failed = 0;
	char path[700], label[64];

	if (argc > 3) {
		fprintf(stderr, "usage: chdcorrupt [SEED [COUNT]]\n");
		return 2;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s", dir && *dir ? dir : ".");
	mkdir(tmpdir, 0777);
	snprintf(path, sizeof(path), "%s/chdcorrupt-%ld.chd", tmpdir, (long)getpid());
	if (!fx || !*fx)
		fx = CHD_FIXTURES;
	verbose = getenv("CHDCORRUPT_VERBOSE") != NULL;
	long as_mib = limit_memory();

	build_raw();
	build_cd();
	static const char *const fixtures[] = { "raw-lzma", "raw-huff", "raw-flac", "cd-cdlz", "cd-cdfl", "cdsub-cdlz" };
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		char fp[600];
		snprintf(fp, sizeof(fp), "%s/chd/%s.chd", fx, fixtures[i]);
		from_file(fixtures[i], fp);
	}

	/* Every source laid out anew by both map writers, no lie: must read equal.  This
	 * holds the layout code the targeted kinds use. */
	for (size_t i = 0; i < nsrc; i++)
		for (int hand = 0; hand < 2; hand++) {
			struct damage d;
			struct model m;
			struct layout l;
			memset(&d, 0, sizeof(d));
			model_init(&m, &src[i]);
			m.hand = hand;
			lay_out(&m, &l);
			d.kind = kind_name[K_REBUILT];
			d.s = &src[i];
			snprintf(d.what, sizeof(d.what), "%s map", hand ? "hand" : "chd_map_encode");
			d.x = X_EQUAL;
			want_meta_of(&d, &m);
			take_layout(&d, &l);
			snprintf(label, sizeof(label), "setup");
			if (run(&d, path, K_REBUILT, label))
				passed++;
			else
				failed++;
			free(d.buf);
		}
	/* Every truncation inside the header, of every source. */
	for (size_t i = 0; i < nsrc; i++)
		for (size_t t = 0; t <= HDR; t++) {
			struct damage d;
			memset(&d, 0, sizeof(d));
			copy_source(&d, &src[i], 0);
			d.kind = kind_name[K_TRUNC_HEADER];
			d.len = t;
			snprintf(d.what, sizeof(d.what), "cut to %zu bytes", t);
			if (t < 16)
				expect_refuse(&d, CHD_EFORMAT, "not a CHD", 0, 0);
			else if (t < HDR)
				expect_refuse(&d, CHD_EFORMAT, "inside the header", (int64_t)t, (int64_t)t);
			else
				expect_refuse(&d, CHD_EFORMAT, "past the end", CHD_HDR_MAP, CHD_HDR_MAP);
			snprintf(label, sizeof(label), "header cut %zu", t);
			if (run(&d, path, K_TRUNC_HEADER, label))
				passed++;
			else
				failed++;
			free(d.buf);
		}

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 1; i <= count; i++) {
		enum kind k = (enum kind)((i - 1) % K_COUNT);
		const struct source *s;
		struct damage d;

		reseed(seed, i);
		do
			s = &src[below(nsrc)];
		while (!applies(k, s));
		corrupt(&d, k, s);
		snprintf(label, sizeof(label), "#%u", i);
		if (run(&d, path, k, label))
			passed++;
		else
			failed++;
		free(d.buf);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unlink(path);

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	for (size_t i = 0; i < nsrc; i++) {
		char name[5];
		const unsigned *c = src[i].census;
		printf("source %-10s %6zu bytes, %2u hunks: %s %u, none %u, self %u; %zu metadata\n", src[i].name,
		       src[i].len, src[i].h.hunk_count, chd_tag_text(src[i].h.compressors[0], name), c[0],
		       c[CHD_MAP_NONE], c[CHD_MAP_SELF], src[i].nmeta);
	}
	printf("seed %" PRIu64 ", %u corruptions in %.1f s\n", seed, count,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	printf("%-34s %6s %8s %6s %12s\n", "kind", "total", "refused", "equal", "hunk errors");
	for (unsigned k = 0; k < K_ALL; k++) {
		unsigned tot = counts[k][O_REFUSED] + counts[k][O_EQUAL] + counts[k][O_HUNK_ERRORS];
		printf("%-34s %6u %8u %6u %12u\n", kind_name[k], tot, counts[k][O_REFUSED], counts[k][O_EQUAL],
		       counts[k][O_HUNK_ERRORS]);
	}
	if (as_mib < 0)
		printf("peak RSS %ld KiB (AddressSanitizer: no RLIMIT_AS)\n", ru.ru_maxrss);
	else
		printf("peak RSS %ld KiB (RLIMIT_AS %ld MiB)\n", ru.ru_maxrss, as_mib);
	printf("%u passed, %u failed\n", passed, failed);
	for (size_t i = 0; i < nsrc; i++) {
		free(src[i].buf);
		free(src[i].map);
		free(src[i].data);
	}
	return failed ? 1 : 0;
}
