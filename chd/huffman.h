/* chd/huffman.h - private to chd/: MAME-compatible canonical Huffman codes (module
 * chd_huff_), the code the CHD v5 hunk map (16 codes, at most 8 bits, tree stored
 * RLE-coded) and the 'huff' codec (256 codes, at most 16 bits, tree stored
 * Huffman-coded) use.  The bit-level layout is MAME's (src/lib/util/huffman.cpp of
 * mamedev/mame), written here in our own code.
 *
 * Codes are canonical in MAME's order: lengths are taken from the longest down, so the
 * shortest codes have the highest values.  A tree read from a file is validated before
 * use: lengths over maxbits, an over-full code space or a tree that cannot be canonical
 * are CHD_EFORMAT, never a crash.  A tree may be incomplete only at its top (one 1-bit
 * code); decoding bits that form no code returns -1.
 *
 * Decoding (the 'huff' codec):
 *	struct chd_huff h;
 *	struct chd_bitreader br;
 *	chd_bits_init(&br, src, srclen);
 *	if (chd_huff_init(&h, 256, 16) != CHD_OK) ...;			// allocates
 *	if (chd_huff_import_huffman(&h, &br) != CHD_OK) ...;		// the tree
 *	for (i = 0; i < dstlen; i++) {
 *		int s = chd_huff_decode(&h, &br);
 *		if (s < 0) ...;						// no such code
 *		dst[i] = (uint8_t)s;
 *	}
 *	if (br.overflow) ...;						// ran past srclen
 *	chd_huff_fini(&h);
 * Encoding: chd_huff_histo_reset, chd_huff_histo_add per symbol, chd_huff_build, then
 * chd_huff_export_huffman (or _rle) and chd_huff_encode per symbol into a
 * chd_bitwriter; check its overflow flag at the end. */
#ifndef BURNLAB_CHD_HUFFMAN_H
#define BURNLAB_CHD_HUFFMAN_H

#include <stdint.h>

#include "bits.h"

enum {
	CHD_HUFF_MAX_CODES = 256,
	CHD_HUFF_MAX_BITS = 16,	/* lookup table of 1 << maxbits entries */
};

struct chd_huff {
	unsigned numcodes, maxbits;
	uint8_t len[CHD_HUFF_MAX_CODES];	/* code length of each symbol, 0: unused */
	uint32_t code[CHD_HUFF_MAX_CODES];	/* its canonical code */
	uint32_t histo[CHD_HUFF_MAX_CODES];	/* symbol counts, for building */
	uint16_t *lookup;	/* maxbits-bit prefix -> symbol << 5 | length, 0: none */
};

/* NUMCODES 1..256 symbols, codes of at most MAXBITS 1..16 bits.  CHD_EINVAL, CHD_ENOMEM. */
int chd_huff_init(struct chd_huff *h, unsigned numcodes, unsigned maxbits);
void chd_huff_fini(struct chd_huff *h);

void chd_huff_histo_reset(struct chd_huff *h);
void chd_huff_histo_add(struct chd_huff *h, unsigned sym);
/* Lengths from the histogram (every counted symbol gets a code, none longer than
 * maxbits: MAME's binary search over a weight scale), then the codes and the table. */
int chd_huff_build(struct chd_huff *h);
/* Take LEN[numcodes] as the code lengths: codes and table, or CHD_EFORMAT. */
int chd_huff_set_lengths(struct chd_huff *h, const uint8_t *len);

/* The tree, RLE-coded (3, 4 or 5 bits per length by maxbits; 1 is the escape). */
int chd_huff_import_rle(struct chd_huff *h, struct chd_bitreader *br);
int chd_huff_export_rle(const struct chd_huff *h, struct chd_bitwriter *bw);
/* The tree, its RLE-coded lengths themselves Huffman-coded by a small tree (24 codes,
 * 6 bits) stored first. */
int chd_huff_import_huffman(struct chd_huff *h, struct chd_bitreader *br);
int chd_huff_export_huffman(const struct chd_huff *h, struct chd_bitwriter *bw);

/* One symbol; CHD_EINVAL for a symbol without a code. */
int chd_huff_encode(const struct chd_huff *h, struct chd_bitwriter *bw, unsigned sym);
/* One symbol, or -1 when the next bits are no code of the tree. */
int chd_huff_decode(const struct chd_huff *h, struct chd_bitreader *br);

#endif
