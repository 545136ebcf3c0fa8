/* chd/codec-lzma.c - 'lzma': one hunk as a raw LZMA stream, decoded by liblzma.
 *
 * Layout (MAME src/lib/util/chdcodec.cpp, chd_lzma_compressor/decompressor): the hunk is
 * LZMA-encoded with no header and no end marker; the decoder is not told the properties,
 * it derives them the way the encoder chose them: LzmaEncProps at level 9 with
 * reduceSize = hunk bytes, normalized.  That gives lc 3, lp 0, pb 2 (the defaults, which
 * level 9 keeps) and a dictionary cut down from level 9's 64 MiB to fit the hunk: the
 * smallest 2 << i or 3 << i (i from 11) not below it in the 2015 LZMA SDK of MAME's
 * 3rdparty/lzma (the 2011 one started i at 15; other SDKs round differently).  Any
 * dictionary at least as big as the hunk decodes the same stream, since no match
 * reaches further back than the hunk's start, so that value is used, raised to the
 * hunk size (and liblzma's 4 KiB minimum) when smaller.  The stream ends when the hunk is full, and all of it
 * must have been consumed (MAME's decoder checks both).
 *
 * liblzma >= 5.4's LZMA_FILTER_LZMA1EXT takes the uncompressed size and, without
 * LZMA_LZMA1EXT_ALLOW_EOPM, refuses an end marker; it also checks that the range
 * decoder finished cleanly at that size.
 *
 * 'cdlz' is the CD wrapper of codec-cd.c (ECC bitmap, base length, sectors, deflated
 * sub-channels) with this codec as the base, set up for the hunk's N * 2352 bytes of
 * sectors (MAME: chd_cd_decompressor<chd_lzma_decompressor, chd_zlib_decompressor>).
 */
#include "config.h"

#include "chdint.h"
#include "codec.h"

#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chd_lzma {
	uint32_t dict_size;
	lzma_stream strm;
	bool strm_used;		/* lzma_end needed */
};

/* The dictionary MAME's encoder uses for hunks of HUNK_BYTES: level 9's 64 MiB, cut
 * down to the smallest 2 << i or 3 << i (i = 11..30) that holds reduceSize. */
static uint32_t lzma_dict_size(uint32_t hunk_bytes)
{
	uint32_t dict = UINT32_C(1) << 26;

	if (dict > hunk_bytes) {
		for (unsigned i = 11; i <= 30; i++) {
			if (hunk_bytes <= (UINT32_C(2) << i)) {
				dict = UINT32_C(2) << i;
				break;
			}
			if (hunk_bytes <= (UINT32_C(3) << i)) {
				dict = UINT32_C(3) << i;
				break;
			}
		}
	}
	return dict;
}

static void *lzma_new_ctx(uint32_t hunk_bytes, bool compress)
{
	struct chd_lzma *c;

	(void)compress;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->dict_size = lzma_dict_size(hunk_bytes);
	if (c->dict_size < LZMA_DICT_SIZE_MIN)
		c->dict_size = LZMA_DICT_SIZE_MIN;
	c->strm = (lzma_stream)LZMA_STREAM_INIT;
	return c;
}

static void lzma_free_ctx(void *ctx)
{
	struct chd_lzma *c = ctx;

	if (c == NULL)
		return;
	if (c->strm_used)
		lzma_end(&c->strm);
	free(c);
}

static int lzma_decompress(void *ctx, const uint8_t *src, uint32_t srclen, uint8_t *dst,
			   uint32_t dstlen, struct chd_err *err)
{
	struct chd_lzma *c = ctx;
	lzma_options_lzma opt;
	lzma_filter filters[2];
	lzma_ret ret;

	if (srclen == 0)
		return chd_fail(err, CHD_EFORMAT, -1, "lzma: empty hunk");
	memset(&opt, 0, sizeof(opt));
	opt.dict_size = c->dict_size;
	if (opt.dict_size < dstlen)	/* a caller's longer hunk: still decodable */
		opt.dict_size = dstlen;
	opt.lc = 3;
	opt.lp = 0;
	opt.pb = 2;
	opt.ext_flags = 0;		/* no end marker allowed */
	opt.ext_size_low = dstlen;
	opt.ext_size_high = 0;
	filters[0].id = LZMA_FILTER_LZMA1EXT;
	filters[0].options = &opt;
	filters[1].id = LZMA_VLI_UNKNOWN;
	filters[1].options = NULL;

	/* lzma_raw_decoder on a used stream reuses its memory when the sizes match */
	ret = lzma_raw_decoder(&c->strm, filters);
	if (ret == LZMA_MEM_ERROR)
		return chd_fail(err, CHD_ENOMEM, -1, "lzma: out of memory for a %u-byte dictionary",
				opt.dict_size);
	if (ret != LZMA_OK)
		return chd_fail(err, CHD_EFORMAT, -1, "lzma: decoder setup failed (liblzma %d)", (int)ret);
	c->strm_used = true;

	c->strm.next_in = src;
	c->strm.avail_in = srclen;
	c->strm.next_out = dst;
	c->strm.avail_out = dstlen;
	ret = lzma_code(&c->strm, LZMA_FINISH);
	switch (ret) {
	case LZMA_STREAM_END:
		if (c->strm.avail_out != 0)	/* liblzma stops only at the size it was given */
			return chd_fail(err, CHD_EFORMAT, -1, "lzma: stream ended after %u of %u bytes",
					dstlen - (uint32_t)c->strm.avail_out, dstlen);
		if (c->strm.avail_in != 0)
			return chd_fail(err, CHD_EFORMAT, -1,
					"lzma: %u bytes of the %u-byte hunk left after its %u bytes of data",
					(uint32_t)c->strm.avail_in, srclen, dstlen);
		return CHD_OK;
	case LZMA_OK:
	case LZMA_BUF_ERROR:
		return chd_fail(err, CHD_EFORMAT, -1,
				"lzma: the %u-byte hunk is truncated: %u of %u bytes decoded",
				srclen, dstlen - (uint32_t)c->strm.avail_out, dstlen);
	case LZMA_MEM_ERROR:
		return chd_fail(err, CHD_ENOMEM, -1, "lzma: out of memory");
	case LZMA_DATA_ERROR:
		return chd_fail(err, CHD_EFORMAT, -1,
				"lzma: corrupt data after %u of %u bytes decoded (%u of %u input bytes read)",
				dstlen - (uint32_t)c->strm.avail_out, dstlen,
				srclen - (uint32_t)c->strm.avail_in, srclen);
	default:
		return chd_fail(err, CHD_EFORMAT, -1, "lzma: decoder failed (liblzma %d)", (int)ret);
	}
}

const struct chd_codec_ops chd_codec_lzma = {
	.tag = CHD_CODEC_LZMA,
	.name = "lzma",
	.new_ctx = lzma_new_ctx,
	.free_ctx = lzma_free_ctx,
	.decompress = lzma_decompress,
	.compress = NULL,
};

static void *cdlz_new_ctx(uint32_t hunk_bytes, bool compress)
{
	return chd_cd_new_ctx(&chd_codec_lzma, hunk_bytes, compress);
}

const struct chd_codec_ops chd_codec_cdlz = {
	.tag = CHD_CODEC_CD_LZMA,
	.name = "cdlz",
	.new_ctx = cdlz_new_ctx,
	.free_ctx = chd_cd_free_ctx,
	.decompress = chd_cd_decompress,
	.compress = NULL,
};
