/* chd/bits.c - MSB-first bit reader and writer (see bits.h). */
#include "bits.h"

void chd_bits_init(struct chd_bitreader *r, const uint8_t *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->pos = 0;
	r->overflow = false;
}

uint32_t chd_bits_peek(const struct chd_bitreader *r, unsigned n)
{
	uint64_t acc = 0;
	uint64_t byte = r->pos >> 3;
	unsigned off = (unsigned)(r->pos & 7);

	if (n == 0)
		return 0;
	/* 40 bits from the current byte cover any 32 bits starting within it. */
	for (unsigned i = 0; i < 5; i++)
		acc = acc << 8 | (byte + i < r->len ? r->buf[byte + i] : 0);
	return (uint32_t)((acc >> (40 - off - n)) & ((UINT64_C(1) << n) - 1));
}

void chd_bits_skip(struct chd_bitreader *r, unsigned n)
{
	r->pos += n;
	if (r->pos > (uint64_t)r->len * 8)
		r->overflow = true;
}

uint32_t chd_bits_read(struct chd_bitreader *r, unsigned n)
{
	uint32_t v = chd_bits_peek(r, n);
	chd_bits_skip(r, n);
	return v;
}

size_t chd_bits_used(const struct chd_bitreader *r)
{
	return (size_t)((r->pos + 7) >> 3);
}

void chd_bitw_init(struct chd_bitwriter *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->pos = 0;
	w->overflow = false;
}

void chd_bitw_put(struct chd_bitwriter *w, uint32_t v, unsigned n)
{
	while (n > 0) {
		uint64_t byte = w->pos >> 3;
		unsigned off = (unsigned)(w->pos & 7);
		unsigned take = 8 - off < n ? 8 - off : n;
		uint32_t bits = (v >> (n - take)) & ((1u << take) - 1);

		if (byte >= w->cap) {
			w->overflow = true;
			w->pos += n;
			return;
		}
		if (off == 0)
			w->buf[byte] = 0;
		w->buf[byte] |= (uint8_t)(bits << (8 - off - take));
		w->pos += take;
		n -= take;
	}
}

size_t chd_bitw_bytes(const struct chd_bitwriter *w)
{
	return (size_t)((w->pos + 7) >> 3);
}
