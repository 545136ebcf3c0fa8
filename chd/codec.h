/* chd/codec.h - private to chd/: one codec's work on one hunk.  The reader and the
 * writer find codecs by tag in one table (codec.c); each codec lives in its own file. */
#ifndef BURNLAB_CHD_CODEC_H
#define BURNLAB_CHD_CODEC_H

#include "chd.h"

struct chd_codec_ops {
	uint32_t tag;
	const char *name;	/* as chdman prints it: "zlib", "cdlz", ... */
	/* A context for hunks of HUNK_BYTES; NULL when out of memory. */
	void *(*new_ctx)(uint32_t hunk_bytes, bool compress);
	void (*free_ctx)(void *ctx);
	/* SRC (SRCLEN bytes) into exactly DSTLEN bytes of DST.  CHD_EFORMAT with the reason
	 * in err->msg (the caller adds the file and offset). */
	int (*decompress)(void *ctx, const uint8_t *src, uint32_t srclen, uint8_t *dst,
			  uint32_t dstlen, struct chd_err *err);
	/* NULL for codecs this library only reads.  CHD_OK with *OUTLEN, or CHD_ENOTFOUND
	 * when the result would not fit DSTCAP (the hunk is then stored another way). */
	int (*compress)(void *ctx, const uint8_t *src, uint32_t srclen, uint8_t *dst,
			uint32_t dstcap, uint32_t *outlen);
};

/* The codecs, one file each (codec.c lists them). */
extern const struct chd_codec_ops chd_codec_zlib, chd_codec_cdzl;
extern const struct chd_codec_ops chd_codec_lzma, chd_codec_huff, chd_codec_flac, chd_codec_cdlz,
	chd_codec_cdfl;

/* ---- the CD wrapper (codec-cd.c), MAME chdcodec.cpp's cd_compressor layout ----
 * A CD hunk is N frames of CHD_CD_FRAME bytes (2352 of sector, 96 of sub-channel).
 * cdzl and cdlz store: a bitmap of (N + 7) / 8 bytes (bit F % 8 of byte F / 8 set: frame
 * F's sync and P/Q parity were stripped and are regenerated), the base data's
 * compressed length (2 bytes, 3 when the hunk is 65536 bytes or more), the N sectors
 * compressed by the base codec, then the N sub-channels deflated (zlib).  A codec file
 * builds its ops from these, its new_ctx calling chd_cd_new_ctx with its base codec:
 *	static void *cdlz_new(uint32_t hunk_bytes, bool compress)
 *	{ return chd_cd_new_ctx(&chd_codec_lzma, hunk_bytes, compress); }
 *	.free_ctx = chd_cd_free_ctx, .decompress = chd_cd_decompress,
 *	.compress = chd_cd_compress (or NULL)
 * The base codec's context is made for N * 2352 bytes, the sub-channel's for N * 96.
 * A hunk size that is no multiple of CHD_CD_FRAME is refused when a hunk is
 * (de)compressed, not by new_ctx. */
void *chd_cd_new_ctx(const struct chd_codec_ops *base, uint32_t hunk_bytes, bool compress);
void chd_cd_free_ctx(void *ctx);
int chd_cd_decompress(void *ctx, const uint8_t *src, uint32_t srclen, uint8_t *dst, uint32_t dstlen,
		      struct chd_err *err);
/* Strips sync and parity only from frames whose sector regenerates byte for byte. */
int chd_cd_compress(void *ctx, const uint8_t *src, uint32_t srclen, uint8_t *dst, uint32_t dstcap,
		    uint32_t *outlen);
/* For layouts of their own (cdfl: FLAC over the N sectors as big-endian 16-bit stereo
 * samples, no bitmap, then the deflated sub-channels): a hunk of FRAMES frames to and
 * from FRAMES * 2352 bytes of sectors followed by FRAMES * 96 of sub-channel. */
void chd_cd_split(const uint8_t *hunk, uint32_t frames, uint8_t *sectors, uint8_t *subs);
void chd_cd_join(uint8_t *hunk, uint32_t frames, const uint8_t *sectors, const uint8_t *subs);

/* NULL for a tag no codec file provides. */
const struct chd_codec_ops *chd_codec_find(uint32_t tag);
/* "zlib", "cdlz", or the tag's four characters (into BUF of 5) when unknown. */
const char *chd_codec_name(uint32_t tag, char buf[5]);

#endif
