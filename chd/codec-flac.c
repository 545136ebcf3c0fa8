/* chd/codec-flac.c - 'flac' and 'cdfl': 16-bit stereo hunks as FLAC frames, decoded by
 * libFLAC's stream decoder.
 *
 * Both store FLAC frames without the stream header (MAME src/lib/util/chdcodec.cpp,
 * chd_flac_* and chd_cd_flac_*; src/lib/util/flac.cpp strips the "fLaC" marker and every
 * metadata block when encoding).  To decode, MAME puts a STREAMINFO it makes up in front
 * of the frames: 44100 Hz, 2 channels, 16 bits, an unknown length and no MD5, with the
 * minimum and maximum block size both the encoder's block size.  That is done here too,
 * and libFLAC reads the pair through its read callback.
 *
 *   flac:  one byte 'L' or 'B' (the hunk's samples are little- or big-endian, whichever
 *          the encoder found smaller), then the frames of hunk_bytes / 4 stereo samples;
 *          block size hunk_bytes / 4, halved while above 2048.
 *   cdfl:  a hunk of whole CD frames (2352 bytes of sector, 96 of sub-channel each).
 *          The sectors of all frames, one after the other, are FLAC frames of big-endian
 *          samples, block size frames * 588 halved while above 2352; right after the last
 *          FLAC frame the sub-channel bytes of all frames, one after the other, as raw
 *          deflate.  No ECC bitmap: the sectors are stored whole.
 *
 * Where the FLAC data ends comes from libFLAC's decode position after the last frame;
 * for 'flac' nothing may follow, for 'cdfl' the deflate stream must end exactly at the
 * end of the hunk.  A frame with a bad CRC, samples not 16-bit stereo, more or fewer
 * samples than the hunk holds: CHD_EFORMAT.
 */
#include "config.h"

#include "chdint.h"
#include "codec.h"

#include <FLAC/stream_decoder.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define FLAC_HEADER_BYTES 42	/* "fLaC", a metadata block header, STREAMINFO's 34 bytes */

/* One decode: what the callbacks see. */
struct flac_run {
	uint8_t header[FLAC_HEADER_BYTES];
	const uint8_t *src;
	uint32_t srclen;
	uint64_t pos;		/* bytes given to libFLAC: header first, then SRC */
	uint8_t *out;
	uint32_t want;		/* stereo samples the hunk holds */
	uint32_t got;
	bool big_endian;
	bool failed;
	char why[160];
};

static void run_fail(struct flac_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void run_fail(struct flac_run *run, const char *fmt, ...)
{
	va_list ap;

	if (run->failed)	/* keep the first reason */
		return;
	run->failed = true;
	va_start(ap, fmt);
	vsnprintf(run->why, sizeof(run->why), fmt, ap);
	va_end(ap);
}

/* The STREAMINFO MAME's flac_decoder::reset puts in front of the frames. */
static void make_header(uint8_t h[FLAC_HEADER_BYTES], uint32_t block_size)
{
	const uint32_t rate = 44100, channels = 2, bits = 16;

	memset(h, 0, FLAC_HEADER_BYTES);
	memcpy(h, "fLaC", 4);
	h[4] = 0x80;			/* last metadata block, type 0 STREAMINFO */
	h[7] = 34;			/* its length */
	h[8] = h[10] = (uint8_t)(block_size >> 8);	/* minimum and maximum block size */
	h[9] = h[11] = (uint8_t)block_size;
	/* bytes 12..17: minimum and maximum frame size, 0 = unknown */
	h[18] = (uint8_t)(rate >> 12);	/* 20 bits of rate, 3 of channels - 1, 5 of bits - 1 */
	h[19] = (uint8_t)(rate >> 4);
	h[20] = (uint8_t)((rate << 4) | ((channels - 1) << 1) | ((bits - 1) >> 4));
	h[21] = (uint8_t)(((bits - 1) & 0x0f) << 4);	/* then 36 bits of length: unknown */
	/* bytes 26..41: no MD5 */
}

static FLAC__StreamDecoderReadStatus read_cb(const FLAC__StreamDecoder *dec, FLAC__byte buffer[],
					     size_t *bytes, void *data)
{
	struct flac_run *run = data;
	size_t room = *bytes, n = 0;

	(void)dec;
	while (n < room && run->pos < (uint64_t)FLAC_HEADER_BYTES + run->srclen) {
		if (run->pos < FLAC_HEADER_BYTES) {
			size_t k = FLAC_HEADER_BYTES - (size_t)run->pos;

			if (k > room - n)
				k = room - n;
			memcpy(buffer + n, run->header + run->pos, k);
			n += k;
			run->pos += k;
		} else {
			size_t at = (size_t)(run->pos - FLAC_HEADER_BYTES);
			size_t k = run->srclen - at;

			if (k > room - n)
				k = room - n;
			memcpy(buffer + n, run->src + at, k);
			n += k;
			run->pos += k;
		}
	}
	*bytes = n;
	return n == 0 ? FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM
		      : FLAC__STREAM_DECODER_READ_STATUS_CONTINUE;
}

static FLAC__StreamDecoderTellStatus tell_cb(const FLAC__StreamDecoder *dec, FLAC__uint64 *offset,
					     void *data)
{
	struct flac_run *run = data;

	(void)dec;
	*offset = run->pos;
	return FLAC__STREAM_DECODER_TELL_STATUS_OK;
}

static FLAC__StreamDecoderWriteStatus write_cb(const FLAC__StreamDecoder *dec, const FLAC__Frame *frame,
					       const FLAC__int32 *const buffer[], void *data)
{
	struct flac_run *run = data;
	uint32_t n = frame->header.blocksize;

	(void)dec;
	if (frame->header.channels != 2 || frame->header.bits_per_sample != 16) {
		run_fail(run, "a FLAC frame of %u channels, %u bits (2 and 16 expected)",
			 frame->header.channels, frame->header.bits_per_sample);
		return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
	}
	if (n > run->want - run->got) {
		run_fail(run, "the FLAC frames hold more than the hunk's %u stereo samples", run->want);
		return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *p = run->out + ((size_t)run->got + i) * 4;

		for (unsigned ch = 0; ch < 2; ch++, p += 2) {
			FLAC__int32 v = buffer[ch][i];
			uint16_t u;

			if (v < -32768 || v > 32767) {
				run_fail(run, "a FLAC sample %ld outside 16 bits", (long)v);
				return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
			}
			u = (uint16_t)v;
			if (run->big_endian) {
				p[0] = (uint8_t)(u >> 8);
				p[1] = (uint8_t)u;
			} else {
				p[0] = (uint8_t)u;
				p[1] = (uint8_t)(u >> 8);
			}
		}
	}
	run->got += n;
	return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE;
}

static void error_cb(const FLAC__StreamDecoder *dec, FLAC__StreamDecoderErrorStatus status, void *data)
{
	(void)dec;
	/* lost sync, a bad header, a frame CRC mismatch (libFLAC then writes silence) */
	run_fail(data, "FLAC: %s", FLAC__StreamDecoderErrorStatusString[status]);
}

/* Decode SAMPLES stereo samples from the FLAC frames at SRC (SRCLEN bytes, made with
 * BLOCK_SIZE) into OUT, big- or little-endian; *USED: the bytes of SRC the frames took. */
static int flac_frames(FLAC__StreamDecoder *dec, uint32_t block_size, const uint8_t *src,
		       uint32_t srclen, uint8_t *out, uint32_t samples, bool big_endian,
		       uint32_t *used, const char *codec, struct chd_err *err)
{
	struct flac_run run;
	FLAC__uint64 pos = 0;
	int rc = CHD_OK;

	memset(&run, 0, sizeof(run));
	make_header(run.header, block_size);
	run.src = src;
	run.srclen = srclen;
	run.out = out;
	run.want = samples;
	run.big_endian = big_endian;

	if (FLAC__stream_decoder_init_stream(dec, read_cb, NULL, tell_cb, NULL, NULL, write_cb, NULL,
					     error_cb, &run) != FLAC__STREAM_DECODER_INIT_STATUS_OK)
		return chd_fail(err, CHD_ENOMEM, -1, "%s: libFLAC decoder setup failed", codec);
	if (!FLAC__stream_decoder_process_until_end_of_metadata(dec) || run.failed) {
		rc = chd_fail(err, CHD_EFORMAT, -1, "%s: libFLAC refused the stream header: %s", codec,
			      run.failed ? run.why : "no reason given");
		goto out;
	}
	/* each round decodes a frame, or ends at the end of the input; frames are at
	 * least a byte, so SRCLEN rounds bound it */
	for (uint32_t round = 0; run.got < run.want; round++) {
		bool ok = FLAC__stream_decoder_process_single(dec);

		if (run.failed) {
			rc = chd_fail(err, CHD_EFORMAT, -1, "%s: %s, after %u of %u stereo samples", codec,
				      run.why, run.got, run.want);
			goto out;
		}
		if (!ok || FLAC__stream_decoder_get_state(dec) == FLAC__STREAM_DECODER_END_OF_STREAM ||
		    round > srclen) {
			rc = chd_fail(err, CHD_EFORMAT, -1,
				      "%s: the FLAC frames end after %u of the hunk's %u stereo samples",
				      codec, run.got, run.want);
			goto out;
		}
	}
	if (!FLAC__stream_decoder_get_decode_position(dec, &pos) || pos < FLAC_HEADER_BYTES ||
	    pos - FLAC_HEADER_BYTES > srclen) {
		rc = chd_fail(err, CHD_EFORMAT, -1, "%s: no decode position from libFLAC", codec);
		goto out;
	}
	*used = (uint32_t)(pos - FLAC_HEADER_BYTES);
out:
	FLAC__stream_decoder_finish(dec);
	return rc;
}

/* ---- flac ------------------------------------------------------------------------ */

/* MAME's chd_flac_compressor::blocksize: a quarter of the hunk, halved while above 2048. */
static uint32_t flac_block_size(uint32_t bytes)
{
	uint32_t n = bytes / 4;

	while (n > 2048)
		n /= 2;
	return n;
}

struct chd_flac {
	FLAC__StreamDecoder *dec;
};

static void *flac_new_ctx(uint32_t hunk_bytes, bool compress)
{
	struct chd_flac *c;

	(void)hunk_bytes;
	(void)compress;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->dec = FLAC__stream_decoder_new();
	if (c->dec == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

static void flac_free_ctx(void *ctx)
{
	struct chd_flac *c = ctx;

	if (c == NULL)
		return;
	FLAC__stream_decoder_delete(c->dec);
	free(c);
}

static int flac_decompress(void *ctx, const uint8_t *src, uint32_t srclen, uint8_t *dst,
			   uint32_t dstlen, struct chd_err *err)
{
	struct chd_flac *c = ctx;
	uint32_t used = 0;
	bool big_endian;
	int rc;

	if (dstlen == 0 || dstlen % 4 != 0 || flac_block_size(dstlen) < 16)
		return chd_fail(err, CHD_EFORMAT, -1,
				"flac: a %u-byte hunk is not whole 16-bit stereo samples of a FLAC block",
				dstlen);
	if (srclen < 2)
		return chd_fail(err, CHD_EFORMAT, -1, "flac: a %u-byte hunk has no FLAC frames", srclen);
	if (src[0] == 'L')
		big_endian = false;
	else if (src[0] == 'B')
		big_endian = true;
	else
		return chd_fail(err, CHD_EFORMAT, -1, "flac: the sample order byte is 0x%02x, not 'L' or 'B'",
				src[0]);
	rc = flac_frames(c->dec, flac_block_size(dstlen), src + 1, srclen - 1, dst, dstlen / 4,
			 big_endian, &used, "flac", err);
	if (rc != CHD_OK)
		return rc;
	if (used != srclen - 1)
		return chd_fail(err, CHD_EFORMAT, -1, "flac: %u bytes after the FLAC frames of the %u-byte hunk",
				srclen - 1 - used, srclen);
	return CHD_OK;
}

const struct chd_codec_ops chd_codec_flac = {
	.tag = CHD_CODEC_FLAC,
	.name = "flac",
	.new_ctx = flac_new_ctx,
	.free_ctx = flac_free_ctx,
	.decompress = flac_decompress,
	.compress = NULL,
};

/* ---- cdfl ------------------------------------------------------------------------ */

/* MAME's chd_cd_flac_compressor::blocksize: a quarter of the sector bytes, halved
 * while above one sector (2352). */
static uint32_t cdfl_block_size(uint32_t bytes)
{
	uint32_t n = bytes / 4;

	while (n > CHD_CD_SECTOR)
		n /= 2;
	return n;
}

struct chd_cdfl {
	FLAC__StreamDecoder *dec;
	z_stream zs;
	bool zs_ready;
	uint8_t *buf;		/* the sectors, then the sub-channel, of one hunk */
	uint32_t cap;
};

static void cdfl_free_ctx(void *ctx)
{
	struct chd_cdfl *c = ctx;

	if (c == NULL)
		return;
	if (c->dec != NULL)
		FLAC__stream_decoder_delete(c->dec);
	if (c->zs_ready)
		inflateEnd(&c->zs);
	free(c->buf);
	free(c);
}

static void *cdfl_new_ctx(uint32_t hunk_bytes, bool compress)
{
	struct chd_cdfl *c;

	(void)compress;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->cap = hunk_bytes;
	c->buf = malloc(hunk_bytes ? hunk_bytes : 1);
	c->dec = FLAC__stream_decoder_new();
	if (c->buf == NULL || c->dec == NULL) {
		cdfl_free_ctx(c);
		return NULL;
	}
	if (inflateInit2(&c->zs, -MAX_WBITS) != Z_OK) {
		cdfl_free_ctx(c);
		return NULL;
	}
	c->zs_ready = true;
	return c;
}

static int cdfl_decompress(void *ctx, const uint8_t *src, uint32_t srclen, uint8_t *dst,
			   uint32_t dstlen, struct chd_err *err)
{
	struct chd_cdfl *c = ctx;
	uint32_t frames = dstlen / CHD_CD_FRAME;
	uint32_t sector_bytes = frames * CHD_CD_SECTOR, sub_bytes = frames * CHD_CD_SUB;
	uint32_t used = 0;
	int rc, zrc;

	if (frames == 0 || dstlen % CHD_CD_FRAME != 0)
		return chd_fail(err, CHD_EFORMAT, -1, "cdfl: a %u-byte hunk is not whole %u-byte CD frames",
				dstlen, (unsigned)CHD_CD_FRAME);
	if (dstlen > c->cap)
		return chd_fail(err, CHD_EFORMAT, -1, "cdfl: a %u-byte hunk in a codec set up for %u bytes",
				dstlen, c->cap);
	rc = flac_frames(c->dec, cdfl_block_size(sector_bytes), src, srclen, c->buf,
			 sector_bytes / 4, true, &used, "cdfl", err);
	if (rc != CHD_OK)
		return rc;

	/* the sub-channel: raw deflate from the end of the FLAC frames to the hunk's end */
	if (inflateReset(&c->zs) != Z_OK)
		return chd_fail(err, CHD_EFORMAT, -1, "cdfl: zlib reset failed");
	c->zs.next_in = (Bytef *)(uintptr_t)(src + used);
	c->zs.avail_in = srclen - used;
	c->zs.next_out = c->buf + sector_bytes;
	c->zs.avail_out = sub_bytes;
	zrc = inflate(&c->zs, Z_FINISH);
	if (zrc != Z_STREAM_END) {
		if (zrc == Z_MEM_ERROR)
			return chd_fail(err, CHD_ENOMEM, -1, "cdfl: out of memory in zlib");
		if (zrc == Z_BUF_ERROR && c->zs.avail_out == 0)
			return chd_fail(err, CHD_EFORMAT, -1,
					"cdfl: the sub-channel inflates to more than %u bytes", sub_bytes);
		return chd_fail(err, CHD_EFORMAT, -1,
				"cdfl: the sub-channel's deflate data (%u bytes from offset %u) is %s",
				srclen - used, used, zrc == Z_BUF_ERROR ? "truncated" : "corrupt");
	}
	if (c->zs.avail_out != 0)
		return chd_fail(err, CHD_EFORMAT, -1, "cdfl: the sub-channel inflates to %u bytes, not %u",
				sub_bytes - (uint32_t)c->zs.avail_out, sub_bytes);
	if (c->zs.avail_in != 0)
		return chd_fail(err, CHD_EFORMAT, -1, "cdfl: %u bytes after the sub-channel's deflate data",
				(uint32_t)c->zs.avail_in);

	chd_cd_join(dst, frames, c->buf, c->buf + sector_bytes);
	return CHD_OK;
}

const struct chd_codec_ops chd_codec_cdfl = {
	.tag = CHD_CODEC_CD_FLAC,
	.name = "cdfl",
	.new_ctx = cdfl_new_ctx,
	.free_ctx = cdfl_free_ctx,
	.decompress = cdfl_decompress,
	.compress = NULL,
};
