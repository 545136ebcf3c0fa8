/* chd/huffman.c - MAME-compatible canonical Huffman codes (see huffman.h).  Layout of
 * the stored trees: MAME src/lib/util/huffman.cpp. */
#include <stdlib.h>
#include <string.h>

#include "chd.h"
#include "huffman.h"

/* The small tree that codes the lengths of a Huffman-coded tree. */
enum { SMALL_CODES = 24, SMALL_BITS = 6 };

int chd_huff_init(struct chd_huff *h, unsigned numcodes, unsigned maxbits)
{
	memset(h, 0, sizeof(*h));
	if (numcodes < 1 || numcodes > CHD_HUFF_MAX_CODES || maxbits < 1 || maxbits > CHD_HUFF_MAX_BITS)
		return CHD_EINVAL;
	h->numcodes = numcodes;
	h->maxbits = maxbits;
	h->lookup = calloc((size_t)1 << maxbits, sizeof(h->lookup[0]));
	return h->lookup ? CHD_OK : CHD_ENOMEM;
}

void chd_huff_fini(struct chd_huff *h)
{
	free(h->lookup);
	h->lookup = NULL;
}

void chd_huff_histo_reset(struct chd_huff *h)
{
	memset(h->histo, 0, sizeof(h->histo));
}

void chd_huff_histo_add(struct chd_huff *h, unsigned sym)
{
	if (sym < h->numcodes)
		h->histo[sym]++;
}

/* Canonical codes in MAME's order (longest lengths first, each length's codes in
 * symbol order), then the decoding table.  Refuses lengths a prefix code cannot have. */
static int assign_codes(struct chd_huff *h)
{
	uint32_t count[CHD_HUFF_MAX_BITS + 1] = { 0 };
	uint32_t start[CHD_HUFF_MAX_BITS + 1] = { 0 };
	uint32_t cur = 0;

	for (unsigned s = 0; s < h->numcodes; s++) {
		if (h->len[s] > h->maxbits)
			return CHD_EFORMAT;
		count[h->len[s]]++;
	}
	for (unsigned l = h->maxbits; l >= 1; l--) {
		uint32_t sum = cur + count[l];
		/* Every level below the top must pair up; the top holds at most two codes. */
		if ((l > 1 && (sum & 1)) || (l == 1 && sum > 2))
			return CHD_EFORMAT;
		start[l] = cur;
		cur = sum >> 1;
	}
	memset(h->lookup, 0, ((size_t)1 << h->maxbits) * sizeof(h->lookup[0]));
	for (unsigned s = 0; s < h->numcodes; s++) {
		unsigned l = h->len[s];
		if (l == 0) {
			h->code[s] = 0;
			continue;
		}
		h->code[s] = start[l]++;
		/* The checks above keep code < 1 << l, so this stays inside the table. */
		unsigned shift = h->maxbits - l;
		size_t first = (size_t)h->code[s] << shift, n = (size_t)1 << shift;
		for (size_t i = 0; i < n; i++)
			h->lookup[first + i] = (uint16_t)(s << 5 | l);
	}
	return CHD_OK;
}

int chd_huff_set_lengths(struct chd_huff *h, const uint8_t *len)
{
	memcpy(h->len, len, h->numcodes);
	return assign_codes(h);
}

/* Huffman lengths for the histogram scaled so that it sums to about WEIGHT (each
 * counted symbol at least 1); returns the longest.  Plain two-smallest merging. */
static unsigned build_lengths(struct chd_huff *h, uint64_t total, uint64_t weight)
{
	uint64_t w[2 * CHD_HUFF_MAX_CODES];
	int parent[2 * CHD_HUFF_MAX_CODES];
	int active[CHD_HUFF_MAX_CODES];
	unsigned nactive = 0, nnodes = h->numcodes, maxlen = 0;

	for (unsigned s = 0; s < h->numcodes; s++) {
		parent[s] = -1;
		w[s] = 0;
		if (h->histo[s] == 0)
			continue;
		w[s] = total ? (uint64_t)h->histo[s] * weight / total : 0;
		if (w[s] == 0)
			w[s] = 1;
		active[nactive++] = (int)s;
	}
	while (nactive > 1) {
		unsigned a = 0, b = 1;	/* positions of the two lightest in active[] */
		if (w[active[b]] < w[active[a]])
			a = 1, b = 0;
		for (unsigned i = 2; i < nactive; i++) {
			if (w[active[i]] < w[active[a]])
				b = a, a = i;
			else if (w[active[i]] < w[active[b]])
				b = i;
		}
		unsigned node = nnodes++;
		w[node] = w[active[a]] + w[active[b]];
		parent[node] = -1;
		parent[active[a]] = parent[active[b]] = (int)node;
		/* Replace a by the new node, drop b. */
		active[a] = (int)node;
		active[b] = active[--nactive];
	}
	for (unsigned s = 0; s < h->numcodes; s++) {
		unsigned l = 0;
		if (h->histo[s] != 0) {
			for (int n = parent[s]; n >= 0; n = parent[n])
				l++;
			if (l == 0)
				l = 1;	/* a lone symbol still needs one bit */
		}
		h->len[s] = (uint8_t)(l > 255 ? 255 : l);
		if (l > maxlen)
			maxlen = l;
	}
	return maxlen;
}

int chd_huff_build(struct chd_huff *h)
{
	uint64_t total = 0, lo = 0, hi;

	for (unsigned s = 0; s < h->numcodes; s++)
		total += h->histo[s];
	/* Flattening the weights shortens the longest code: search the largest scale whose
	 * tree fits maxbits (scale 0 makes every weight 1, a balanced tree that fits). */
	hi = total * 2;
	for (;;) {
		uint64_t cur = (lo + hi) / 2;
		if (build_lengths(h, total, cur) <= h->maxbits) {
			lo = cur;
			if (cur == total || hi - lo <= 1)
				break;
		} else {
			hi = cur;
		}
	}
	return assign_codes(h);
}

static unsigned rle_bits(unsigned maxbits)
{
	return maxbits >= 16 ? 5 : maxbits >= 8 ? 4 : 3;
}

int chd_huff_import_rle(struct chd_huff *h, struct chd_bitreader *br)
{
	unsigned nb = rle_bits(h->maxbits), cur = 0;

	while (cur < h->numcodes) {
		uint32_t v = chd_bits_read(br, nb);
		if (v != 1) {
			h->len[cur++] = (uint8_t)v;
			continue;
		}
		/* 1 escapes: "1 1" is a literal 1, "1 v n" is v repeated n + 3 times. */
		v = chd_bits_read(br, nb);
		if (v == 1) {
			h->len[cur++] = 1;
			continue;
		}
		uint32_t rep = chd_bits_read(br, nb) + 3;
		if (rep > h->numcodes - cur)
			return CHD_EFORMAT;
		while (rep--)
			h->len[cur++] = (uint8_t)v;
	}
	if (br->overflow)
		return CHD_EFORMAT;
	return assign_codes(h);
}

int chd_huff_export_rle(const struct chd_huff *h, struct chd_bitwriter *bw)
{
	unsigned nb = rle_bits(h->maxbits), s = 0;

	while (s < h->numcodes) {
		unsigned v = h->len[s], run = 1;
		while (s + run < h->numcodes && h->len[s + run] == v)
			run++;
		s += run;
		while (run > 0) {
			if (v == 1) {
				chd_bitw_put(bw, 1, nb);
				chd_bitw_put(bw, 1, nb);
				run--;
			} else if (run <= 2) {
				chd_bitw_put(bw, v, nb);
				run--;
			} else {
				unsigned n = run - 3, most = (1u << nb) - 1;
				if (n > most)
					n = most;
				chd_bitw_put(bw, 1, nb);
				chd_bitw_put(bw, v, nb);
				chd_bitw_put(bw, n, nb);
				run -= n + 3;
			}
		}
	}
	return CHD_OK;
}

/* Bits of a long repeat count in a Huffman-coded tree: enough for numcodes - 9 (as an
 * unsigned 32-bit difference, as MAME computes it). */
static unsigned rle_full_bits(unsigned numcodes)
{
	uint32_t t = (uint32_t)numcodes - 9u;
	unsigned n = 0;
	while (t != 0)
		t >>= 1, n++;
	return n;
}

int chd_huff_import_huffman(struct chd_huff *h, struct chd_bitreader *br)
{
	struct chd_huff small;
	unsigned fullbits = rle_full_bits(h->numcodes), cur = 0, last = 0, v = 0;
	int rc = chd_huff_init(&small, SMALL_CODES, SMALL_BITS);

	if (rc != CHD_OK)
		return rc;
	/* The small tree: symbol 0's length, then from START on 3-bit lengths up to a 7. */
	small.len[0] = (uint8_t)chd_bits_read(br, 3);
	unsigned start = chd_bits_read(br, 3) + 1;
	for (unsigned i = 1; i < SMALL_CODES; i++) {
		if (i < start || v == 7) {
			small.len[i] = 0;
		} else {
			v = chd_bits_read(br, 3);
			small.len[i] = (uint8_t)(v == 7 ? 0 : v);
		}
	}
	rc = assign_codes(&small);
	/* Then the big tree's lengths: symbol n + 1 is length n, 0 repeats the last one. */
	while (rc == CHD_OK && cur < h->numcodes) {
		int sym = chd_huff_decode(&small, br);
		if (sym < 0) {
			rc = CHD_EFORMAT;
		} else if (sym != 0) {
			last = (unsigned)sym - 1;
			h->len[cur++] = (uint8_t)last;
		} else {
			uint32_t count = chd_bits_read(br, 3) + 2;
			if (count == 7 + 2)
				count += chd_bits_read(br, fullbits);
			/* A run past the last code is cut, as MAME does. */
			for (; count != 0 && cur < h->numcodes; count--)
				h->len[cur++] = (uint8_t)last;
		}
		if (br->overflow)
			rc = CHD_EFORMAT;
	}
	chd_huff_fini(&small);
	if (rc != CHD_OK)
		return rc;
	return assign_codes(h);
}

int chd_huff_export_huffman(const struct chd_huff *h, struct chd_bitwriter *bw)
{
	uint8_t tokens[CHD_HUFF_MAX_CODES];
	uint16_t counts[CHD_HUFF_MAX_CODES];
	unsigned ntok = 0, ncount = 0, s = 0;
	struct chd_huff small;
	int rc = chd_huff_init(&small, SMALL_CODES, SMALL_BITS);

	if (rc != CHD_OK)
		return rc;
	/* A length is token length + 1; a further run of 2 or more is token 0 + count. */
	while (s < h->numcodes) {
		unsigned v = h->len[s], run = 1;
		while (s + run < h->numcodes && h->len[s + run] == v)
			run++;
		s += run;
		tokens[ntok++] = (uint8_t)(v + 1);
		if (run == 2) {
			tokens[ntok++] = (uint8_t)(v + 1);
		} else if (run > 2) {
			tokens[ntok++] = 0;
			counts[ncount++] = (uint16_t)(run - 3);
		}
	}
	for (unsigned i = 0; i < ntok; i++)
		chd_huff_histo_add(&small, tokens[i]);
	rc = chd_huff_build(&small);
	if (rc != CHD_OK) {
		chd_huff_fini(&small);
		return rc;
	}

	unsigned first = 31, lastnz = 0;
	for (unsigned i = 1; i < SMALL_CODES; i++) {
		if (small.len[i] != 0) {
			if (first == 31)
				first = i;
			lastnz = i;
		}
	}
	if (first > 8)
		first = 8;
	chd_bitw_put(bw, small.len[0], 3);
	chd_bitw_put(bw, first - 1, 3);
	for (unsigned i = first; i <= lastnz; i++)
		chd_bitw_put(bw, small.len[i], 3);
	if (lastnz < SMALL_CODES - 1)
		chd_bitw_put(bw, 7, 3);	/* the reader stops at the last symbol by itself */

	unsigned fullbits = rle_full_bits(h->numcodes), c = 0;
	for (unsigned i = 0; i < ntok; i++) {
		chd_huff_encode(&small, bw, tokens[i]);
		if (tokens[i] != 0)
			continue;
		/* The reader adds 2: n is the run's length less the literal and 2. */
		unsigned n = counts[c++];
		if (n < 7) {
			chd_bitw_put(bw, n, 3);
		} else {
			chd_bitw_put(bw, 7, 3);
			chd_bitw_put(bw, n - 7, fullbits);
		}
	}
	chd_huff_fini(&small);
	return CHD_OK;
}

int chd_huff_encode(const struct chd_huff *h, struct chd_bitwriter *bw, unsigned sym)
{
	if (sym >= h->numcodes || h->len[sym] == 0)
		return CHD_EINVAL;
	chd_bitw_put(bw, h->code[sym], h->len[sym]);
	return CHD_OK;
}

int chd_huff_decode(const struct chd_huff *h, struct chd_bitreader *br)
{
	uint16_t e = h->lookup[chd_bits_peek(br, h->maxbits)];

	if (e == 0)
		return -1;
	chd_bits_skip(br, e & 31);
	return e >> 5;
}
