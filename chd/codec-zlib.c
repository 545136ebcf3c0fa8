/* chd/codec-zlib.c - the 'zlib' codec: a hunk as one raw deflate stream (no zlib header,
 * window bits -15), as MAME src/lib/util/chdcodec.cpp writes it. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "chdint.h"
#include "codec.h"

struct zctx {
	z_stream z;
	bool compress;
};

static void *zlib_new(uint32_t hunk_bytes, bool compress)
{
	struct zctx *c = calloc(1, sizeof(*c));
	int zrc;

	if (!c)
		return NULL;
	c->compress = compress;
	if (compress)
		zrc = deflateInit2(&c->z, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	else
		zrc = inflateInit2(&c->z, -MAX_WBITS);
	if (zrc != Z_OK) {
		free(c);
		return NULL;
	}
	return c;
}

static void zlib_free(void *ctx)
{
	struct zctx *c = ctx;

	if (!c)
		return;
	if (c->compress)
		deflateEnd(&c->z);
	else
		inflateEnd(&c->z);
	free(c);
}

static int zlib_decompress(void *ctx, const uint8_t *src, uint32_t srclen, uint8_t *dst, uint32_t dstlen,
			   struct chd_err *err)
{
	struct zctx *c = ctx;
	int zrc;

	if (c->compress || inflateReset(&c->z) != Z_OK)
		return chd_fail(err, CHD_EINVAL, -1, "zlib: no inflate context");
	c->z.next_in = (Bytef *)(uintptr_t)src;
	c->z.avail_in = srclen;
	c->z.next_out = dst;
	c->z.avail_out = dstlen;
	zrc = inflate(&c->z, Z_FINISH);
	if (zrc != Z_STREAM_END || c->z.total_out != dstlen)
		return chd_fail(err, CHD_EFORMAT, -1, "zlib: %s (%lu of %u bytes)",
				zrc == Z_STREAM_END ? "stream ends early"
				: c->z.msg ? c->z.msg : "damaged or short stream",
				(unsigned long)c->z.total_out, dstlen);
	return CHD_OK;
}

static int zlib_compress(void *ctx, const uint8_t *src, uint32_t srclen, uint8_t *dst, uint32_t dstcap,
			 uint32_t *outlen)
{
	struct zctx *c = ctx;

	if (!c->compress || deflateReset(&c->z) != Z_OK)
		return CHD_EINVAL;
	c->z.next_in = (Bytef *)(uintptr_t)src;
	c->z.avail_in = srclen;
	c->z.next_out = dst;
	c->z.avail_out = dstcap;
	/* Anything but the end of the stream means it did not fit. */
	if (deflate(&c->z, Z_FINISH) != Z_STREAM_END)
		return CHD_ENOTFOUND;
	*outlen = (uint32_t)c->z.total_out;
	return CHD_OK;
}

const struct chd_codec_ops chd_codec_zlib = {
	.tag = CHD_CODEC_ZLIB,
	.name = "zlib",
	.new_ctx = zlib_new,
	.free_ctx = zlib_free,
	.decompress = zlib_decompress,
	.compress = zlib_compress,
};
