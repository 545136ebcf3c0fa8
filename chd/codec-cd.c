/* chd/codec-cd.c - the CD wrapper shared by cdzl and cdlz (layout in codec.h, after MAME
 * src/lib/util/chdcodec.cpp), and cdzl itself: zlib for sectors and sub-channel.
 *
 * A frame whose sync, P and Q parity regenerate byte for byte from the rest of the
 * sector is stored with those 288 bytes zeroed and its bitmap bit set; the parity is
 * disclog's ECMA-130 codec (cdsector.h), with the header taken as zero in Mode 2 as
 * MAME does. */
#include <stdlib.h>
#include <string.h>

#include "cdsector.h"
#include "chdint.h"
#include "codec.h"

enum { PARITY_OFF = CDS_OFF_P_PARITY, PARITY_LEN = CDS_RAW_SIZE - CDS_OFF_P_PARITY };

static const uint8_t cd_sync[12] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };

struct cdctx {
	const struct chd_codec_ops *base;
	void *base_ctx;		/* for frames * 2352 bytes */
	void *sub_ctx;		/* zlib, for frames * 96 bytes */
	uint32_t hunk_bytes, frames;
	uint8_t *sectors;	/* frames * 2352 */
	uint8_t *subs;		/* frames * 96 */
	bool compress;
};

void chd_cd_split(const uint8_t *hunk, uint32_t frames, uint8_t *sectors, uint8_t *subs)
{
	for (uint32_t f = 0; f < frames; f++) {
		memcpy(sectors + (size_t)f * CHD_CD_SECTOR, hunk + (size_t)f * CHD_CD_FRAME, CHD_CD_SECTOR);
		memcpy(subs + (size_t)f * CHD_CD_SUB, hunk + (size_t)f * CHD_CD_FRAME + CHD_CD_SECTOR,
		       CHD_CD_SUB);
	}
}

void chd_cd_join(uint8_t *hunk, uint32_t frames, const uint8_t *sectors, const uint8_t *subs)
{
	for (uint32_t f = 0; f < frames; f++) {
		memcpy(hunk + (size_t)f * CHD_CD_FRAME, sectors + (size_t)f * CHD_CD_SECTOR, CHD_CD_SECTOR);
		memcpy(hunk + (size_t)f * CHD_CD_FRAME + CHD_CD_SECTOR, subs + (size_t)f * CHD_CD_SUB,
		       CHD_CD_SUB);
	}
}

void chd_cd_free_ctx(void *ctx)
{
	struct cdctx *c = ctx;

	if (!c)
		return;
	if (c->base_ctx)
		c->base->free_ctx(c->base_ctx);
	if (c->sub_ctx)
		chd_codec_zlib.free_ctx(c->sub_ctx);
	free(c->sectors);
	free(c->subs);
	free(c);
}

void *chd_cd_new_ctx(const struct chd_codec_ops *base, uint32_t hunk_bytes, bool compress)
{
	struct cdctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->base = base;
	c->hunk_bytes = hunk_bytes;
	c->frames = hunk_bytes / CHD_CD_FRAME;
	c->compress = compress;
	/* A hunk size that fits no whole frames is refused per hunk (the contexts stay
	 * small: one frame's worth). */
	uint32_t frames = c->frames ? c->frames : 1;
	c->sectors = malloc((size_t)frames * CHD_CD_SECTOR);
	c->subs = malloc((size_t)frames * CHD_CD_SUB);
	c->base_ctx = base->new_ctx(frames * CHD_CD_SECTOR, compress);
	c->sub_ctx = chd_codec_zlib.new_ctx(frames * CHD_CD_SUB, compress);
	if (!c->sectors || !c->subs || !c->base_ctx || !c->sub_ctx) {
		chd_cd_free_ctx(c);
		return NULL;
	}
	return c;
}

static uint32_t length_bytes(uint32_t hunk_bytes)
{
	return hunk_bytes < 65536 ? 2 : 3;
}

/* Would sync and parity come back exactly from the rest of the sector? */
static bool regenerates(const uint8_t *sector)
{
	uint8_t copy[CDS_RAW_SIZE];

	if (memcmp(sector, cd_sync, sizeof(cd_sync)) != 0)
		return false;
	memcpy(copy, sector, sizeof(copy));
	memset(copy + PARITY_OFF, 0, PARITY_LEN);
	cds_ecc(copy, copy[CDS_OFF_MODE] == 2);
	return memcmp(copy + PARITY_OFF, sector + PARITY_OFF, PARITY_LEN) == 0;
}

int chd_cd_decompress(void *ctx, const uint8_t *src, uint32_t srclen, uint8_t *dst, uint32_t dstlen,
		      struct chd_err *err)
{
	struct cdctx *c = ctx;
	uint32_t frames = dstlen / CHD_CD_FRAME;
	uint32_t bitmap = (frames + 7) / 8, header = bitmap + length_bytes(dstlen);
	int rc;

	if (dstlen % CHD_CD_FRAME != 0 || frames == 0 || dstlen != c->hunk_bytes)
		return chd_fail(err, CHD_EFORMAT, -1, "cd: hunk size %u is not a multiple of %u-byte frames",
				dstlen, CHD_CD_FRAME);
	if (srclen < header)
		return chd_fail(err, CHD_EFORMAT, -1, "cd: %u bytes, shorter than the %u-byte header", srclen,
				header);
	uint32_t baselen = (uint32_t)src[bitmap] << 8 | src[bitmap + 1];
	if (header - bitmap == 3)
		baselen = baselen << 8 | src[bitmap + 2];
	if (baselen > srclen - header)
		return chd_fail(err, CHD_EFORMAT, -1, "cd: sector data of %u bytes in a %u-byte hunk", baselen,
				srclen);
	rc = c->base->decompress(c->base_ctx, src + header, baselen, c->sectors, frames * CHD_CD_SECTOR, err);
	if (rc != CHD_OK)
		return rc;
	rc = chd_codec_zlib.decompress(c->sub_ctx, src + header + baselen, srclen - header - baselen, c->subs,
				       frames * CHD_CD_SUB, err);
	if (rc != CHD_OK)
		return rc;
	chd_cd_join(dst, frames, c->sectors, c->subs);
	for (uint32_t f = 0; f < frames; f++) {
		if (!(src[f / 8] & (1u << (f % 8))))
			continue;
		uint8_t *sector = dst + (size_t)f * CHD_CD_FRAME;
		memcpy(sector, cd_sync, sizeof(cd_sync));
		memset(sector + PARITY_OFF, 0, PARITY_LEN);
		cds_ecc(sector, sector[CDS_OFF_MODE] == 2);
	}
	return CHD_OK;
}

int chd_cd_compress(void *ctx, const uint8_t *src, uint32_t srclen, uint8_t *dst, uint32_t dstcap,
		    uint32_t *outlen)
{
	struct cdctx *c = ctx;
	uint32_t frames = srclen / CHD_CD_FRAME;
	uint32_t bitmap = (frames + 7) / 8, header = bitmap + length_bytes(srclen);
	uint32_t baselen, sublen;

	if (!c->base->compress || srclen % CHD_CD_FRAME != 0 || frames == 0 || srclen != c->hunk_bytes ||
	    dstcap < header)
		return CHD_ENOTFOUND;
	memset(dst, 0, header);
	chd_cd_split(src, frames, c->sectors, c->subs);
	for (uint32_t f = 0; f < frames; f++) {
		uint8_t *sector = c->sectors + (size_t)f * CHD_CD_SECTOR;
		if (!regenerates(sector))
			continue;
		dst[f / 8] |= (uint8_t)(1u << (f % 8));
		memset(sector, 0, sizeof(cd_sync));
		memset(sector + PARITY_OFF, 0, PARITY_LEN);
	}
	if (c->base->compress(c->base_ctx, c->sectors, frames * CHD_CD_SECTOR, dst + header, dstcap - header,
			      &baselen) != CHD_OK)
		return CHD_ENOTFOUND;
	if (header - bitmap == 2 && baselen > 0xffff)
		return CHD_ENOTFOUND;
	if (chd_codec_zlib.compress(c->sub_ctx, c->subs, frames * CHD_CD_SUB, dst + header + baselen,
				    dstcap - header - baselen, &sublen) != CHD_OK)
		return CHD_ENOTFOUND;
	if (header - bitmap == 3) {
		dst[bitmap] = (uint8_t)(baselen >> 16);
		dst[bitmap + 1] = (uint8_t)(baselen >> 8);
		dst[bitmap + 2] = (uint8_t)baselen;
	} else {
		dst[bitmap] = (uint8_t)(baselen >> 8);
		dst[bitmap + 1] = (uint8_t)baselen;
	}
	*outlen = header + baselen + sublen;
	return CHD_OK;
}

static void *cdzl_new(uint32_t hunk_bytes, bool compress)
{
	return chd_cd_new_ctx(&chd_codec_zlib, hunk_bytes, compress);
}

const struct chd_codec_ops chd_codec_cdzl = {
	.tag = CHD_CODEC_CD_ZLIB,
	.name = "cdzl",
	.new_ctx = cdzl_new,
	.free_ctx = chd_cd_free_ctx,
	.decompress = chd_cd_decompress,
	.compress = chd_cd_compress,
};
