/* tests/unit/test_chd_codecs.c - libchd's decode-only codecs (lzma, huff, flac, cdlz,
 * cdfl) against CHDs made by chdman 0.251 (fixtures/chd/, fixtures/chd/make.sh).
 *
 * Every hunk of every fixture is read through chd_open / chd_read_hunk and compared with
 * the source it was made from; the SHA-1 of all the hunks must be the raw SHA-1 chdman
 * stored, and the hunk map must show every hunk stored with the fixture's codec.  Then
 * each codec's decompress is given damaged copies of a real hunk (cut short, one more
 * byte, a byte flipped, the wrong hunk size, flac's sample order byte changed): it must
 * refuse with CHD_EFORMAT and a reason, or (no codec checksums all of its input) give
 * other bytes than the hunk's, which chd_read_hunk's CRC-16 then refuses; a damaged
 * file is checked that way.  No call may write outside its output.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <nettle/sha1.h>

#include "cdsector.h"
#include "chd.h"
#include "chdint.h"
#include "codec.h"
#include "unit.h"
#include "wire.h"

enum {
	RAW_HUNK = 1024,
	CD_HUNK = 2 * CHD_CD_FRAME,	/* the CD fixtures: 2 frames a hunk */
	DATA_FRAMES = 4,		/* data.bin: Mode 1 sectors */
	AUDIO_FRAMES = 20,		/* cdaudio.bin */
	GUARD = 64,			/* bytes after an output buffer that must stay untouched */
};

static const char *need_fixtures(void)
{
	return unit_need_env("FIXTURES", "$PWD/fixtures");
}
UNIT_NEED(need_fixtures)

static char *fixture(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/chd/%s", getenv("FIXTURES"), name);
	return path;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = buf ? (size_t)n : 0;
	}
	fclose(f);
	return buf;
}

/* The logical bytes of the CD fixtures: the Mode 1 sectors, then the audio frames, each
 * with 96 bytes of sub-channel (zero: WITH_SUBS false leaves them zero, and the caller
 * then compares sectors only).  SWAP: the audio as chdman stores a CUE's (big-endian). */
static uint8_t *cd_expect(bool swap, size_t *len)
{
	size_t dlen, alen;
	uint8_t *data = slurp(fixture("data.bin"), &dlen);
	uint8_t *audio = slurp(fixture("cdaudio.bin"), &alen);
	uint8_t *out = NULL;

	*len = 0;
	if (data && audio && dlen == DATA_FRAMES * CHD_CD_SECTOR && alen == AUDIO_FRAMES * CHD_CD_SECTOR) {
		*len = (size_t)(DATA_FRAMES + AUDIO_FRAMES) * CHD_CD_FRAME;
		out = calloc(1, *len);
	}
	if (out) {
		for (unsigned f = 0; f < DATA_FRAMES; f++)
			memcpy(out + (size_t)f * CHD_CD_FRAME, data + (size_t)f * CHD_CD_SECTOR, CHD_CD_SECTOR);
		for (unsigned f = 0; f < AUDIO_FRAMES; f++) {
			uint8_t *s = out + (size_t)(DATA_FRAMES + f) * CHD_CD_FRAME;
			memcpy(s, audio + (size_t)f * CHD_CD_SECTOR, CHD_CD_SECTOR);
			for (unsigned i = 0; swap && i < CHD_CD_SECTOR; i += 2) {
				uint8_t t = s[i];
				s[i] = s[i + 1];
				s[i + 1] = t;
			}
		}
	}
	free(data);
	free(audio);
	return out;
}

/* The hunk map of CHD, decoded by libchd's own map code (*N entries). */
static struct chd_map_entry *map_of(const char *path, const struct chd_header *h)
{
	size_t flen;
	uint8_t *file = slurp(path, &flen);
	struct chd_map_entry *map = NULL;
	struct chd_err err;

	if (file && h->map_offset + CHD_MAP_HEADER <= flen) {
		uint32_t maplen = wire_be32(file + h->map_offset) + CHD_MAP_HEADER;
		if (h->map_offset + maplen <= flen &&
		    chd_map_decode(file + h->map_offset, maplen, h->map_offset, h->hunk_count, h->hunk_bytes,
				   h->compressors, flen, &map, path, &err) != CHD_OK) {
			fprintf(stderr, "%s\n", err.msg);
			map = NULL;
		}
	}
	free(file);
	return map;
}

/* Reads every hunk of fixture NAME (its one codec TAG) and holds it against WANT;
 * SECTORS_ONLY: compare only the 2352 sector bytes of each CD frame. */
static void check_fixture(const char *name, uint32_t tag, uint32_t hunk_bytes, const uint8_t *want,
			  size_t wantlen, bool sectors_only)
{
	struct chd_reader *r = NULL;
	struct chd_err err;
	struct sha1_ctx sha;
	uint8_t digest[SHA1_DIGEST_SIZE];
	const char *path = fixture(name);
	unsigned bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_EQUAL_FATAL(chd_open(path, &r, &err), CHD_OK);
	const struct chd_header *h = chd_reader_header(r);
	CU_ASSERT_EQUAL(h->compressors[0], tag);
	CU_ASSERT_EQUAL(h->compressors[1], 0);
	CU_ASSERT_EQUAL(h->hunk_bytes, hunk_bytes);
	CU_ASSERT_EQUAL(h->logical_bytes, wantlen);
	CU_ASSERT_FATAL(h->logical_bytes == wantlen && wantlen % hunk_bytes == 0 &&
			h->hunk_count == wantlen / hunk_bytes && h->hunk_count >= 12);

	/* every hunk is stored with slot 0, none as is or as a copy */
	struct chd_map_entry *map = map_of(path, h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	for (uint32_t i = 0; i < h->hunk_count; i++)
		bad += map[i].type != CHD_MAP_CODEC0;
	CU_ASSERT_EQUAL(bad, 0);
	free(map);

	uint8_t *buf = malloc(hunk_bytes);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	sha1_init(&sha);
	bad = 0;
	for (uint32_t i = 0; i < h->hunk_count; i++) {
		const uint8_t *w = want + (size_t)i * hunk_bytes;
		memset(buf, 0xa5, hunk_bytes);
		if (chd_read_hunk(r, i, buf, &err) != CHD_OK) {
			fprintf(stderr, "%s hunk %u: %s\n", name, i, err.msg);
			bad++;
			continue;
		}
		sha1_update(&sha, hunk_bytes, buf);
		if (!sectors_only) {
			bad += memcmp(buf, w, hunk_bytes) != 0;
			continue;
		}
		for (uint32_t f = 0; f < hunk_bytes / CHD_CD_FRAME; f++)
			bad += memcmp(buf + (size_t)f * CHD_CD_FRAME, w + (size_t)f * CHD_CD_FRAME, CHD_CD_SECTOR) != 0;
	}
	CU_ASSERT_EQUAL(bad, 0);
	sha1_digest(&sha, sizeof(digest), digest);
	CU_ASSERT_EQUAL(memcmp(digest, h->raw_sha1, sizeof(digest)), 0);
	free(buf);
	chd_close(r);
}

static uint8_t *raw_source(const char *name, size_t *len)
{
	return slurp(fixture(name), len);
}

static void test_lzma_fixture(void)
{
	size_t len;
	uint8_t *want = raw_source("text.bin", &len);
	check_fixture("raw-lzma.chd", CHD_CODEC_LZMA, RAW_HUNK, want, len, false);
	free(want);
}

static void test_huff_fixture(void)
{
	size_t len;
	uint8_t *want = raw_source("text.bin", &len);
	check_fixture("raw-huff.chd", CHD_CODEC_HUFF, RAW_HUNK, want, len, false);
	free(want);
}

static void test_flac_fixture(void)
{
	size_t len;
	uint8_t *want = raw_source("audio.bin", &len);
	check_fixture("raw-flac.chd", CHD_CODEC_FLAC, RAW_HUNK, want, len, false);
	free(want);
}

static void test_cdlz_fixture(void)
{
	size_t len;
	uint8_t *want = cd_expect(true, &len);
	check_fixture("cd-cdlz.chd", CHD_CODEC_CD_LZMA, CD_HUNK, want, len, false);
	free(want);
}

static void test_cdfl_fixture(void)
{
	size_t len;
	uint8_t *want = cd_expect(true, &len);
	check_fixture("cd-cdfl.chd", CHD_CODEC_CD_FLAC, CD_HUNK, want, len, false);
	free(want);
}

/* The TOC with raw P-W: the sectors as in the TOC's file (audio not swapped), and every
 * frame's Q channel a position with a good CRC, as disclog made it. */
static void test_cdlz_subchannel_fixture(void)
{
	size_t len;
	uint8_t *want = cd_expect(false, &len);
	struct chd_reader *r = NULL;
	struct chd_err err;
	uint8_t hunk[CD_HUNK], chan[8][CDS_CHAN_SIZE];
	unsigned good = 0;

	check_fixture("cdsub-cdlz.chd", CHD_CODEC_CD_LZMA, CD_HUNK, want, len, true);
	free(want);
	CU_ASSERT_EQUAL_FATAL(chd_open(fixture("cdsub-cdlz.chd"), &r, &err), CHD_OK);
	for (uint32_t i = 0; i < chd_reader_header(r)->hunk_count; i++) {
		if (chd_read_hunk(r, i, hunk, &err) != CHD_OK)
			continue;
		for (unsigned f = 0; f < 2; f++) {
			cds_sub_deinterleave(chan, hunk + f * CHD_CD_FRAME + CHD_CD_SECTOR);
			good += cds_q_crc_ok(chan[1]);
		}
	}
	CU_ASSERT_EQUAL(good, DATA_FRAMES + AUDIO_FRAMES);
	chd_close(r);
}

/* ---- damaged hunks ----------------------------------------------------------------- */

struct damage {
	const char *chd;
	uint32_t tag, hunk_bytes, hunk;	/* the hunk whose copies are damaged */
	const uint8_t *want;		/* its decoded bytes */
	bool checks_tail;		/* refuses bytes after its data */
};

/* Hunk D->hunk's stored bytes (*LEN). */
static uint8_t *stored_hunk(const struct damage *d, size_t *len)
{
	struct chd_reader *r = NULL;
	struct chd_err err;
	struct chd_map_entry *map = NULL;
	uint8_t *file = NULL, *out = NULL;
	size_t flen;

	*len = 0;
	if (chd_open(fixture(d->chd), &r, &err) != CHD_OK)
		return NULL;
	map = map_of(fixture(d->chd), chd_reader_header(r));
	file = slurp(fixture(d->chd), &flen);
	if (map && file && map[d->hunk].type == CHD_MAP_CODEC0 && map[d->hunk].offset + map[d->hunk].length <= flen) {
		*len = map[d->hunk].length;
		out = malloc(*len + 1);
		if (out)
			memcpy(out, file + map[d->hunk].offset, *len);
	}
	free(map);
	free(file);
	chd_close(r);
	return out;
}

/* Decompress SRC into a buffer of DSTLEN + GUARD bytes; the guard must survive. */
static int decode(const struct chd_codec_ops *ops, void *ctx, const uint8_t *src, size_t srclen,
		  uint8_t *dst, uint32_t dstlen, struct chd_err *err, unsigned *guard_broken)
{
	memset(dst, 0xa5, (size_t)dstlen + GUARD);
	err->msg[0] = '\0';
	int rc = ops->decompress(ctx, src, (uint32_t)srclen, dst, dstlen, err);
	for (unsigned i = 0; i < GUARD; i++)
		*guard_broken += dst[dstlen + i] != 0xa5;
	return rc;
}

static void check_damage(const struct damage *d)
{
	const struct chd_codec_ops *ops = chd_codec_find(d->tag);
	struct chd_err err;
	size_t len;
	uint8_t *good = stored_hunk(d, &len);
	uint32_t hb = d->hunk_bytes;
	unsigned guard = 0, refused = 0, silent = 0, wrong_status = 0, no_reason = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
	CU_ASSERT_PTR_NOT_NULL_FATAL(good);
	CU_ASSERT_FATAL(len > 8);
	void *ctx = ops->new_ctx(hb, false);
	uint8_t *dst = malloc((size_t)hb * 2 + GUARD);
	uint8_t *bad = malloc(len + 16);
	CU_ASSERT_FATAL(ctx != NULL && dst != NULL && bad != NULL);

	/* the hunk itself */
	CU_ASSERT_EQUAL(decode(ops, ctx, good, len, dst, hb, &err, &guard), CHD_OK);
	CU_ASSERT_EQUAL(memcmp(dst, d->want, hb), 0);

	/* cut short anywhere: always refused with a reason */
	const size_t cuts[] = { 0, 1, 2, 3, 5, len / 4, len / 2, len - 2, len - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		int rc = decode(ops, ctx, good, cuts[i], dst, hb, &err, &guard);
		refused += rc == CHD_EFORMAT;
		no_reason += rc == CHD_EFORMAT && err.msg[0] == '\0';
		if (rc != CHD_EFORMAT)
			fprintf(stderr, "%s: hunk cut to %zu of %zu bytes: status %d\n", d->chd, cuts[i], len, rc);
	}
	CU_ASSERT_EQUAL(refused, sizeof(cuts) / sizeof(cuts[0]));

	/* one byte more */
	memcpy(bad, good, len);
	bad[len] = 0x5a;
	if (d->checks_tail) {
		CU_ASSERT_EQUAL(decode(ops, ctx, bad, len + 1, dst, hb, &err, &guard), CHD_EFORMAT);
		CU_ASSERT_NOT_EQUAL(err.msg[0], '\0');
	}

	/* the wrong hunk size, shorter and longer (whole CD frames for the CD codecs) */
	uint32_t step = hb % CHD_CD_FRAME == 0 ? CHD_CD_FRAME : 64;
	CU_ASSERT_EQUAL(decode(ops, ctx, good, len, dst, hb - step, &err, &guard), CHD_EFORMAT);
	CU_ASSERT_EQUAL(decode(ops, ctx, good, len, dst, hb + step, &err, &guard), CHD_EFORMAT);
	if (step == CHD_CD_FRAME)	/* and no whole frames at all */
		CU_ASSERT_EQUAL(decode(ops, ctx, good, len, dst, hb - 1, &err, &guard), CHD_EFORMAT);

	/* a byte flipped, at 16 places or at every byte of a short hunk: refused, or other
	 * bytes than the hunk's (never the hunk, never another status) */
	refused = 0;
	size_t stride = len / 16 ? len / 16 : 1;
	for (size_t at = 0; at < len; at += stride) {
		memcpy(bad, good, len);
		bad[at] ^= 0xff;
		int rc = decode(ops, ctx, bad, len, dst, hb, &err, &guard);
		refused += rc == CHD_EFORMAT;
		no_reason += rc == CHD_EFORMAT && err.msg[0] == '\0';
		silent += rc == CHD_OK && memcmp(dst, d->want, hb) == 0;
		wrong_status += rc != CHD_OK && rc != CHD_EFORMAT;
	}
	CU_ASSERT_EQUAL(silent, 0);
	CU_ASSERT_EQUAL(wrong_status, 0);
	CU_ASSERT(refused > 0);
	CU_ASSERT_EQUAL(no_reason, 0);
	CU_ASSERT_EQUAL(guard, 0);

	/* still good after all that */
	CU_ASSERT_EQUAL(decode(ops, ctx, good, len, dst, hb, &err, &guard), CHD_OK);
	CU_ASSERT_EQUAL(memcmp(dst, d->want, hb), 0);
	ops->free_ctx(ctx);
	free(dst);
	free(bad);
	free(good);
}

static void test_lzma_damage(void)
{
	size_t len;
	uint8_t *want = raw_source("text.bin", &len);
	CU_ASSERT_FATAL(want != NULL && len >= 4 * RAW_HUNK);
	struct damage d = { "raw-lzma.chd", CHD_CODEC_LZMA, RAW_HUNK, 3, want + 3 * RAW_HUNK, true };
	check_damage(&d);
	free(want);
}

static void test_huff_damage(void)
{
	size_t len;
	uint8_t *want = raw_source("text.bin", &len);
	CU_ASSERT_FATAL(want != NULL && len >= 6 * RAW_HUNK);
	struct damage d = { "raw-huff.chd", CHD_CODEC_HUFF, RAW_HUNK, 5, want + 5 * RAW_HUNK, true };
	check_damage(&d);
	free(want);
}

static void test_flac_damage(void)
{
	size_t len;
	uint8_t *want = raw_source("audio.bin", &len);
	CU_ASSERT_FATAL(want != NULL && len >= 16 * RAW_HUNK);
	struct damage le = { "raw-flac.chd", CHD_CODEC_FLAC, RAW_HUNK, 2, want + 2 * RAW_HUNK, true };
	struct damage be = { "raw-flac.chd", CHD_CODEC_FLAC, RAW_HUNK, 12, want + 12 * RAW_HUNK, true };
	check_damage(&le);
	check_damage(&be);
	free(want);
}

static void test_cdlz_damage(void)
{
	size_t len;
	uint8_t *want = cd_expect(true, &len);
	CU_ASSERT_FATAL(want != NULL);
	/* hunk 1: two Mode 1 frames (bitmap bits 0 and 1); hunk 6: audio.  The wrapper's
	 * deflated sub-channels may be followed by anything, as in MAME. */
	struct damage data = { "cd-cdlz.chd", CHD_CODEC_CD_LZMA, CD_HUNK, 1, want + CD_HUNK, false };
	struct damage audio = { "cd-cdlz.chd", CHD_CODEC_CD_LZMA, CD_HUNK, 6, want + 6 * CD_HUNK, false };
	check_damage(&data);
	check_damage(&audio);
	free(want);
}

static void test_cdfl_damage(void)
{
	size_t len;
	uint8_t *want = cd_expect(true, &len);
	CU_ASSERT_FATAL(want != NULL);
	struct damage data = { "cd-cdfl.chd", CHD_CODEC_CD_FLAC, CD_HUNK, 0, want, true };
	struct damage audio = { "cd-cdfl.chd", CHD_CODEC_CD_FLAC, CD_HUNK, 9, want + 9 * CD_HUNK, true };
	check_damage(&data);
	check_damage(&audio);
	free(want);
}

/* flac's first byte: not 'L' or 'B' is refused; the other one of the two decodes (the
 * codec cannot tell) to the samples byte-swapped, which the hunk's CRC-16 refuses. */
static void test_flac_sample_order(void)
{
	size_t len, slen;
	uint8_t *want = raw_source("audio.bin", &len);
	struct damage d = { "raw-flac.chd", CHD_CODEC_FLAC, RAW_HUNK, 4, NULL, true };
	uint8_t *good = stored_hunk(&d, &slen);
	const struct chd_codec_ops *ops = chd_codec_find(CHD_CODEC_FLAC);
	uint8_t dst[RAW_HUNK + GUARD];
	struct chd_err err;
	unsigned guard = 0, swapped = 0;

	CU_ASSERT_FATAL(want != NULL && good != NULL && ops != NULL && slen > 1);
	CU_ASSERT_EQUAL(good[0], 'L');
	void *ctx = ops->new_ctx(RAW_HUNK, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	const uint8_t others[] = { 0, 'l', 'b', 'X', 0xff };
	for (size_t i = 0; i < sizeof(others); i++) {
		good[0] = others[i];
		CU_ASSERT_EQUAL(decode(ops, ctx, good, slen, dst, RAW_HUNK, &err, &guard), CHD_EFORMAT);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'L' or 'B'"));
	}
	good[0] = 'B';
	CU_ASSERT_EQUAL(decode(ops, ctx, good, slen, dst, RAW_HUNK, &err, &guard), CHD_OK);
	for (unsigned i = 0; i < RAW_HUNK; i += 2)
		swapped += dst[i] == want[4 * RAW_HUNK + i + 1] && dst[i + 1] == want[4 * RAW_HUNK + i];
	CU_ASSERT_EQUAL(swapped, RAW_HUNK / 2);
	CU_ASSERT_EQUAL(guard, 0);
	ops->free_ctx(ctx);
	free(good);
	free(want);
}

/* A copy of fixture NAME with byte AT of hunk HUNK's stored data XORed with X: reading
 * that hunk is CHD_EFORMAT with a message, the hunks around it still read. */
static void check_damaged_file(const char *name, uint32_t hunk, uint32_t at, uint8_t x)
{
	char dir[4096], path[4200];
	size_t flen;
	uint8_t *file = slurp(fixture(name), &flen);
	struct chd_reader *r = NULL;
	struct chd_err err;
	struct chd_map_entry *map = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(file);
	CU_ASSERT_PTR_NOT_NULL_FATAL(unit_mkdtemp(dir, sizeof(dir), "chdcodecs"));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CU_ASSERT_EQUAL_FATAL(chd_open(fixture(name), &r, &err), CHD_OK);
	map = map_of(fixture(name), chd_reader_header(r));
	uint32_t hb = chd_reader_header(r)->hunk_bytes;
	chd_close(r);
	CU_ASSERT_FATAL(map != NULL && at < map[hunk].length);
	file[map[hunk].offset + at] ^= x;
	FILE *f = fopen(path, "wb");
	CU_ASSERT_FATAL(f != NULL && fwrite(file, 1, flen, f) == flen && fclose(f) == 0);

	uint8_t *buf = malloc(hb);
	CU_ASSERT_EQUAL_FATAL(chd_open(path, &r, &err), CHD_OK);
	err.msg[0] = '\0';
	CU_ASSERT_EQUAL(chd_read_hunk(r, hunk, buf, &err), CHD_EFORMAT);
	CU_ASSERT_NOT_EQUAL(err.msg[0], '\0');
	CU_ASSERT_EQUAL(chd_read_hunk(r, hunk - 1, buf, &err), CHD_OK);
	CU_ASSERT_EQUAL(chd_read_hunk(r, hunk + 1, buf, &err), CHD_OK);
	chd_close(r);
	free(buf);
	free(map);
	free(file);
	unlink(path);
	rmdir(dir);
}

static void test_damaged_files(void)
{
	check_damaged_file("raw-lzma.chd", 2, 40, 0x01);
	check_damaged_file("raw-huff.chd", 2, 200, 0x10);
	check_damaged_file("raw-flac.chd", 3, 60, 0x04);
	check_damaged_file("raw-flac.chd", 5, 0, 'L' ^ 'B');	/* 'L' made 'B' */
	check_damaged_file("raw-flac.chd", 9, 0, 'B' ^ 'L');	/* 'B' made 'L' */
	check_damaged_file("cd-cdlz.chd", 1, 30, 0x80);
	check_damaged_file("cd-cdfl.chd", 8, 100, 0x02);
	check_damaged_file("cdsub-cdlz.chd", 7, 10, 0x08);
}

static const struct unit_test chd_codec_tests[] = {
	{ "lzma_fixture", test_lzma_fixture },
	{ "huff_fixture", test_huff_fixture },
	{ "flac_fixture", test_flac_fixture },
	{ "cdlz_fixture", test_cdlz_fixture },
	{ "cdfl_fixture", test_cdfl_fixture },
	{ "cdlz_subchannel_fixture", test_cdlz_subchannel_fixture },
	{ "lzma_damage", test_lzma_damage },
	{ "huff_damage", test_huff_damage },
	{ "flac_damage", test_flac_damage },
	{ "cdlz_damage", test_cdlz_damage },
	{ "cdfl_damage", test_cdfl_damage },
	{ "flac_sample_order", test_flac_sample_order },
	{ "damaged_files", test_damaged_files },
};

static int chd_codecs_register(void)
{
	return UNIT_ADD_SUITE("chd_codecs", chd_codec_tests);
}
UNIT_SUITE(chd_codecs_register)
