/* chd/bits.h - private to chd/: MSB-first bit streams over caller-owned buffers, as the
 * CHD hunk map and the Huffman codes pack them (the first bit is bit 7 of byte 0).
 *
 * Neither side ever touches memory outside its buffer: a reader asked for bits past the
 * end gets zeros and its overflow flag set; a writer asked to store past its capacity
 * drops the bits and sets its overflow flag.  Callers check the flag once at the end. */
#ifndef BURNLAB_CHD_BITS_H
#define BURNLAB_CHD_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chd_bitreader {
	const uint8_t *buf;
	size_t len;		/* bytes */
	uint64_t pos;		/* bits consumed */
	bool overflow;		/* more bits consumed than the buffer holds */
};

void chd_bits_init(struct chd_bitreader *r, const uint8_t *buf, size_t len);
/* The next N (0..32) bits without consuming them; zeros past the end. */
uint32_t chd_bits_peek(const struct chd_bitreader *r, unsigned n);
/* Consume N (0..32) bits. */
void chd_bits_skip(struct chd_bitreader *r, unsigned n);
/* Peek, then skip. */
uint32_t chd_bits_read(struct chd_bitreader *r, unsigned n);
/* Bytes consumed so far, a partial byte counted whole. */
size_t chd_bits_used(const struct chd_bitreader *r);

struct chd_bitwriter {
	uint8_t *buf;
	size_t cap;		/* bytes */
	uint64_t pos;		/* bits written (or that would have been) */
	bool overflow;		/* some bits did not fit */
};

void chd_bitw_init(struct chd_bitwriter *w, uint8_t *buf, size_t cap);
/* The low N (0..32) bits of V, most significant first. */
void chd_bitw_put(struct chd_bitwriter *w, uint32_t v, unsigned n);
/* Bytes written, the last one zero-padded; meaningful only without overflow. */
size_t chd_bitw_bytes(const struct chd_bitwriter *w);

#endif
