/* disclog/dlzip.c - the deflate engines of libdisclog (dlzip.h): zlib, and ISA-L's
 * igzip when built with it.  Both produce and accept raw deflate (RFC 1951); the
 * headers of stored blocks (§3.2.4) and the empty stream are written here, the same
 * bytes for either engine. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_ISAL
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#endif

#include "dlzip.h"
#include "wire.h"

#define DLZ_MEM_LEVEL   8	/* zlib's default: ~262 KiB per deflate state */

int dlz_resolve(enum dl_deflate asked, enum dl_deflate *engine)
{
	switch (asked) {
	case DL_DEFLATE_DEFAULT:
#ifdef HAVE_ISAL
		*engine = DL_DEFLATE_ISAL;
#else
		*engine = DL_DEFLATE_ZLIB;
#endif
		return 0;
	case DL_DEFLATE_ZLIB:
		*engine = asked;
		return 0;
	case DL_DEFLATE_ISAL:
#ifdef HAVE_ISAL
		*engine = asked;
		return 0;
#else
		return DL_EINVAL;
#endif
	}
	return DL_EINVAL;
}

bool dl_deflate_available(enum dl_deflate e)
{
	enum dl_deflate r;
	return dlz_resolve(e, &r) == 0;
}

const char *dl_deflate_name(enum dl_deflate e)
{
	enum dl_deflate r;
	if (dlz_resolve(e, &r) < 0)
		return "unavailable";
	return r == DL_DEFLATE_ISAL ? "isa-l" : "zlib";
}

uint32_t dlz_crc32(uint32_t crc, const void *p, size_t n)
{
#ifdef HAVE_ISAL
	return crc32_gzip_refl(crc, p, (uint64_t)n);
#else
	const uint8_t *b = p;
	while (n > 0) {	/* zlib's length is a uInt */
		uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
		crc = (uint32_t)crc32(crc, b, k);
		b += k;
		n -= k;
	}
	return crc;
#endif
}

/* ---- deflate ------------------------------------------------------------------ */

size_t dlz_stored_blocks(size_t in_len)
{
	return in_len == 0 ? 0 : (in_len + DLZ_STORED_MAX - 1) / DLZ_STORED_MAX;
}

/* Stored blocks (RFC 1951 §3.2.4): at the start of a stream the 3 header bits pad to
 * one byte, then LEN and NLEN, little-endian, then the bytes. */
void dlz_stored_headers(size_t in_len, uint8_t *hdr)
{
	while (in_len > 0) {
		size_t n = in_len < DLZ_STORED_MAX ? in_len : DLZ_STORED_MAX;
		in_len -= n;
		hdr[0] = in_len == 0 ? 1 : 0;	/* BFINAL on the last block, BTYPE 00 */
		wire_put_le16(hdr + 1, (uint16_t)n);
		wire_put_le16(hdr + 3, (uint16_t)~n);
		hdr += DLZ_STORED_HDR;
	}
}

static int zlib_deflate(struct dlz_deflater *z, int level, const uint8_t *in, size_t in_len,
			uint8_t *out, size_t out_cap, size_t *out_len, char *msg, size_t msgsz)
{
	int zr;

	if (!z->ready) {
		memset(&z->zs, 0, sizeof(z->zs));
		zr = deflateInit2(&z->zs, level, Z_DEFLATED, -15, DLZ_MEM_LEVEL, Z_DEFAULT_STRATEGY);
		if (zr != Z_OK) {
			snprintf(msg, msgsz, "deflateInit2: %s", z->zs.msg ? z->zs.msg : zError(zr));
			return zr == Z_MEM_ERROR ? DL_ENOMEM : DL_EINVAL;
		}
		z->ready = true;
		z->level = level;
	} else {
		deflateReset(&z->zs);
	}
	if (z->level != level) {
		/* Right after deflateReset nothing is pending, so this flushes nothing. */
		zr = deflateParams(&z->zs, level, Z_DEFAULT_STRATEGY);
		if (zr != Z_OK) {
			snprintf(msg, msgsz, "deflateParams: %s", z->zs.msg ? z->zs.msg : zError(zr));
			return DL_EINVAL;
		}
		z->level = level;
	}
	z->zs.next_in = (Bytef *)(uintptr_t)in;
	z->zs.avail_in = (uInt)in_len;
	z->zs.next_out = out;
	z->zs.avail_out = (uInt)out_cap;
	zr = deflate(&z->zs, Z_FINISH);
	if (zr == Z_STREAM_END) {
		*out_len = out_cap - z->zs.avail_out;
		return 1;
	}
	if (zr == Z_OK || zr == Z_BUF_ERROR)	/* out of room: not an error */
		return 0;
	snprintf(msg, msgsz, "deflate: %s", z->zs.msg ? z->zs.msg : zError(zr));
	return DL_EINVAL;
}

#ifdef HAVE_ISAL
/* igzip's buffer for its levels 1-3: hash tables plus the tokens of one deflate block.
 * The _SMALL size (16 K tokens) ends a block, with Huffman codes fitted to it, every
 * 16 K tokens: on data that changes character every few dozen KiB (text next to
 * random stretches, files in a tar) that came out 1-7 % smaller than the _LARGE default
 * at the same speed, within 1.05 x `gzip -1` (make bench). */
static size_t isal_level_buf(int level)
{
	switch (level) {
	case 1: return ISAL_DEF_LVL1_SMALL;
	case 2: return ISAL_DEF_LVL2_SMALL;
	default: return ISAL_DEF_LVL3_SMALL;
	}
}

/* One-shot igzip deflate: the whole payload is in memory, so the stateless call (no
 * copy into the stream's history buffer) is the fast one. */
static int isal_deflate_one(struct dlz_deflater *z, int level, const uint8_t *in, size_t in_len,
			    uint8_t *out, size_t out_cap, size_t *out_len, char *msg, size_t msgsz)
{
	int ilevel = level > 3 ? 3 : level;
	size_t need = isal_level_buf(ilevel);
	struct isal_zstream *s;
	int rc;

	if (!z->is) {
		z->is = malloc(sizeof(struct isal_zstream));
		if (!z->is) {
			snprintf(msg, msgsz, "out of memory for an igzip stream");
			return DL_ENOMEM;
		}
	}
	if (z->level_buf_size < need) {
		free(z->level_buf);
		z->level_buf = malloc(need);
		z->level_buf_size = z->level_buf ? need : 0;
		if (!z->level_buf) {
			snprintf(msg, msgsz, "out of memory for igzip's level %d tables", ilevel);
			return DL_ENOMEM;
		}
	}
	s = z->is;
	isal_deflate_stateless_init(s);
	/* stateless_init leaves hist_bits as it was: in a stream fresh from malloc, any
	 * value, and 1..14 shrink the match window - output that varied with the heap. */
	s->hist_bits = 0;	/* igzip_lib.h: 0 is the default, the full 32 KiB */
	s->level = (uint32_t)ilevel;
	s->level_buf = z->level_buf;
	s->level_buf_size = (uint32_t)need;
	s->gzip_flag = IGZIP_DEFLATE;
	s->flush = NO_FLUSH;
	s->end_of_stream = 1;
	s->next_in = (uint8_t *)(uintptr_t)in;
	s->avail_in = (uint32_t)in_len;
	s->next_out = out;
	s->avail_out = out_cap > UINT32_MAX ? UINT32_MAX : (uint32_t)out_cap;
	rc = isal_deflate_stateless(s);
	if (rc == COMP_OK) {
		*out_len = s->total_out;
		return 1;
	}
	if (rc == STATELESS_OVERFLOW)
		return 0;
	snprintf(msg, msgsz, "isal_deflate_stateless: error %d at level %d", rc, ilevel);
	return DL_EINVAL;
}
#endif

static int engine_deflate(struct dlz_deflater *z, int level, const uint8_t *in, size_t in_len,
			  uint8_t *out, size_t out_cap, size_t *out_len, char *msg, size_t msgsz)
{
#ifdef HAVE_ISAL
	if (z->engine == DL_DEFLATE_ISAL)
		return isal_deflate_one(z, level, in, in_len, out, out_cap, out_len, msg, msgsz);
#endif
	return zlib_deflate(z, level, in, in_len, out, out_cap, out_len, msg, msgsz);
}

/* Incompressible input (already compressed files, encrypted or random data) costs a
 * deflater its full effort for stored blocks in the end.  So a large payload is
 * sampled first: DLZ_PROBES slices spread over it; when the bytes of every slice are
 * spread so evenly that coding them one by one cannot save 1/64, it is stored.  The
 * test is Pearson's chi-square against the uniform distribution: the Kullback-Leibler
 * divergence from uniform (what the entropy falls short of 8 bits a byte, in nats) is
 * at most chi2/N, so chi2 <= N ln2/8 caps that shortfall at 1/8 bit.  Random data
 * scores about 255 (N = 8 KiB: bound 709).  It costs a fourth of the trial deflates
 * it replaced and misses one gain of deflate's, repeats within its window in evenly
 * spread bytes (doc/disclog.md section 6 has both figures). */
enum { DLZ_PROBE_MIN = 256 * 1024, DLZ_PROBES = 8, DLZ_PROBE_LEN = 8 * 1024 };
#define DLZ_EVEN_BOUND 22.180709777918249	/* 32 ln 2: chi2 <= n ln2/8 times 256 n */

static bool bytes_even(const uint8_t *p, size_t n)
{
	uint32_t h[4][256] = { { 0 } };	/* four tables: no stall on a repeated byte */
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i + 4 <= n; i += 4) {
		h[0][p[i]]++;
		h[1][p[i + 1]]++;
		h[2][p[i + 2]]++;
		h[3][p[i + 3]]++;
	}
	for (; i < n; i++)
		h[0][p[i]]++;
	/* chi2 = sum (c - n/256)^2 / (n/256) = sum (256 c - n)^2 / (256 n) */
	for (int b = 0; b < 256; b++) {
		int64_t d = 256 * (int64_t)(h[0][b] + h[1][b] + h[2][b] + h[3][b]) - (int64_t)n;
		sum += (uint64_t)(d * d);
	}
	return (double)sum <= DLZ_EVEN_BOUND * (double)n * (double)n;
}

bool dlz_incompressible(const uint8_t *in, size_t in_len)
{
	if (in_len < DLZ_PROBE_MIN)
		return false;
	for (size_t k = 0; k < DLZ_PROBES; k++)
		if (!bytes_even(in + k * (in_len / DLZ_PROBES), DLZ_PROBE_LEN))
			return false;
	return true;
}

int dlz_deflate(struct dlz_deflater *z, int level, const uint8_t *in, size_t in_len,
		uint8_t *out, size_t out_cap, size_t *out_len, char *msg, size_t msgsz)
{
	if (in_len == 0) {
		/* A final fixed-Huffman block holding only end-of-block (§3.2.6), as zlib
		 * writes it: STATE and SYNC members are byte-identical across engines. */
		if (out_cap < 2)
			return 0;
		out[0] = 0x03;
		out[1] = 0x00;
		*out_len = 2;
		return 1;
	}
	return engine_deflate(z, level, in, in_len, out, out_cap, out_len, msg, msgsz);
}

void dlz_deflate_end(struct dlz_deflater *z)
{
	if (z->ready)
		deflateEnd(&z->zs);
	z->ready = false;
	free(z->is);
	z->is = NULL;
	free(z->level_buf);
	z->level_buf = NULL;
	z->level_buf_size = 0;
}

/* ---- inflate ------------------------------------------------------------------ */

int dlz_inflate_init(struct dlz_inflater *z, enum dl_deflate engine)
{
	memset(z, 0, sizeof(*z));
	if (dlz_resolve(engine, &z->engine) < 0)
		return DL_EINVAL;
#ifdef HAVE_ISAL
	if (z->engine == DL_DEFLATE_ISAL) {
		z->is = malloc(sizeof(struct inflate_state));
		if (!z->is)
			return DL_ENOMEM;
		isal_inflate_init(z->is);
		z->ready = true;
		return 0;
	}
#endif
	if (inflateInit2(&z->zs, -MAX_WBITS) != Z_OK)
		return DL_ENOMEM;
	z->ready = true;
	return 0;
}

int dlz_inflate_reset(struct dlz_inflater *z)
{
#ifdef HAVE_ISAL
	if (z->engine == DL_DEFLATE_ISAL) {
		struct inflate_state *s = z->is;
		isal_inflate_reset(s);
		s->crc_flag = ISAL_DEFLATE;	/* raw: the gzip framing is disclog's */
		return 0;
	}
#endif
	return inflateReset(&z->zs) == Z_OK ? 0 : DL_ENOMEM;
}

#ifdef HAVE_ISAL
static int isal_step(struct inflate_state *s, const uint8_t **in, size_t *in_len, uint8_t *out,
		     size_t room, size_t *got, char *why, size_t whysz)
{
	static const char *const names[] = {
		[1] = "invalid block", [2] = "invalid symbol", [3] = "invalid distance too far back",
		[4] = "invalid wrapper", [5] = "unsupported method", [6] = "incorrect checksum",
	};
	uint32_t in_n = *in_len > UINT32_MAX ? UINT32_MAX : (uint32_t)*in_len;
	uint32_t out_n = room > UINT32_MAX ? UINT32_MAX : (uint32_t)room;
	int rc;

	s->next_in = (uint8_t *)(uintptr_t)*in;
	s->avail_in = in_n;
	s->next_out = out;
	s->avail_out = out_n;
	rc = isal_inflate(s);
	*got = out_n - s->avail_out;
	*in += in_n - s->avail_in;
	*in_len -= in_n - s->avail_in;
	if (rc < 0) {
		snprintf(why, whysz, "bad deflate data (%s)",
			 -rc < (int)(sizeof(names) / sizeof(names[0])) && names[-rc] ? names[-rc] : "inflate error");
		return DL_ECORRUPT;
	}
	if (s->block_state != ISAL_BLOCK_FINISH) {
		if (in_n > 0 && s->avail_in == in_n && *got == 0 && out_n > 0) {
			/* neither input taken nor output given: never loop on it */
			snprintf(why, whysz, "bad deflate data (inflate makes no progress)");
			return DL_ECORRUPT;
		}
		return 0;
	}
	/* igzip reads ahead up to 8 bytes into its bit buffer and keeps them there at the
	 * end of the stream: count the whole ones as not consumed. */
	*in_len += (size_t)s->read_in_length / 8;
	return 1;
}
#endif

int dlz_inflate(struct dlz_inflater *z, const uint8_t **in, size_t *in_len, uint8_t *out,
		size_t room, size_t *got, char *why, size_t whysz)
{
#ifdef HAVE_ISAL
	if (z->engine == DL_DEFLATE_ISAL)
		return isal_step(z->is, in, in_len, out, room, got, why, whysz);
#endif
	uInt in_n = *in_len > UINT32_MAX ? UINT32_MAX : (uInt)*in_len;
	uInt out_n = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
	int zrc;

	z->zs.next_in = (Bytef *)(uintptr_t)*in;
	z->zs.avail_in = in_n;
	z->zs.next_out = out;
	z->zs.avail_out = out_n;
	zrc = inflate(&z->zs, Z_NO_FLUSH);
	*got = out_n - z->zs.avail_out;
	*in += in_n - z->zs.avail_in;
	*in_len -= in_n - z->zs.avail_in;
	if (zrc == Z_STREAM_END)
		return 1;
	if (zrc == Z_MEM_ERROR)
		return DL_ENOMEM;
	if ((zrc != Z_OK && zrc != Z_BUF_ERROR) ||
	    (zrc == Z_BUF_ERROR && z->zs.avail_in && z->zs.avail_out)) {
		snprintf(why, whysz, "bad deflate data (%s)", z->zs.msg ? z->zs.msg : "inflate error");
		return DL_ECORRUPT;
	}
	return 0;
}

void dlz_inflate_end(struct dlz_inflater *z)
{
	if (z->ready && z->engine == DL_DEFLATE_ZLIB)
		inflateEnd(&z->zs);
	free(z->is);
	z->is = NULL;
	z->ready = false;
}
