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

/* NULL for a tag no codec file provides. */
const struct chd_codec_ops *chd_codec_find(uint32_t tag);
/* "zlib", "cdlz", or the tag's four characters (into BUF of 5) when unknown. */
const char *chd_codec_name(uint32_t tag, char buf[5]);

#endif
