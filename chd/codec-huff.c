/* chd/codec-huff.c - 'huff': one hunk as static 8-bit Huffman codes.
 *
 * Layout (MAME src/lib/util/chdcodec.cpp, chd_huffman_decompressor, and
 * src/lib/util/huffman.cpp, huffman_8bit_decoder): an MSB-first bit stream holding the
 * tree of 256 symbols with codes of at most 16 bits, stored Huffman-coded
 * (chd_huff_import_huffman), then one code per byte of the hunk, the last byte
 * zero-padded.  The codes must fill the hunk exactly: running out of bits, bits that
 * form no code, or whole bytes left over after the last code are CHD_EFORMAT.
 */
#include "config.h"

#include "chdint.h"
#include "codec.h"
#include "huffman.h"

#include <stdlib.h>

struct chd_huffc {
	struct chd_huff h;	/* its 64K-entry table, allocated once */
};

static void *huff_new_ctx(uint32_t hunk_bytes, bool compress)
{
	struct chd_huffc *c;

	(void)hunk_bytes;
	(void)compress;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (chd_huff_init(&c->h, 256, 16) != CHD_OK) {
		free(c);
		return NULL;
	}
	return c;
}

static void huff_free_ctx(void *ctx)
{
	struct chd_huffc *c = ctx;

	if (c == NULL)
		return;
	chd_huff_fini(&c->h);
	free(c);
}

static int huff_decompress(void *ctx, const uint8_t *src, uint32_t srclen, uint8_t *dst,
			   uint32_t dstlen, struct chd_err *err)
{
	struct chd_huffc *c = ctx;
	struct chd_bitreader br;
	size_t used;
	int rc;

	chd_bits_init(&br, src, srclen);
	rc = chd_huff_import_huffman(&c->h, &br);
	if (rc == CHD_ENOMEM)
		return chd_fail(err, rc, -1, "huff: out of memory");
	if (rc != CHD_OK && br.overflow)
		return chd_fail(err, CHD_EFORMAT, -1,
				"huff: the Huffman tree runs past the end of the %u-byte hunk", srclen);
	if (rc != CHD_OK)
		return chd_fail(err, CHD_EFORMAT, -1,
				"huff: the Huffman tree is invalid (%zu of the hunk's %u bytes read)",
				chd_bits_used(&br), srclen);
	for (uint32_t i = 0; i < dstlen; i++) {
		int sym = chd_huff_decode(&c->h, &br);

		if (sym < 0)
			return chd_fail(err, CHD_EFORMAT, -1,
					"huff: no code of the tree at bit %llu (byte %u of %u)",
					(unsigned long long)br.pos, i, dstlen);
		if (br.overflow)
			return chd_fail(err, CHD_EFORMAT, -1,
					"huff: the %u-byte hunk ends after %u of its %u bytes", srclen, i,
					dstlen);
		dst[i] = (uint8_t)sym;
	}
	used = chd_bits_used(&br);
	if (used != srclen)
		return chd_fail(err, CHD_EFORMAT, -1, "huff: %zu bytes after the codes of the %u-byte hunk",
				(size_t)srclen - used, srclen);
	return CHD_OK;
}

const struct chd_codec_ops chd_codec_huff = {
	.tag = CHD_CODEC_HUFF,
	.name = "huff",
	.new_ctx = huff_new_ctx,
	.free_ctx = huff_free_ctx,
	.decompress = huff_decompress,
	.compress = NULL,
};
