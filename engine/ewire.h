/* engine/ewire.h - little-endian fields of the Windows descriptor layouts the recorder
 * synthesizes.  Big-endian CDB and response fields go through mmccdb.h's helpers, the
 * initiator side's one module for MMC's wire (simdrive has its own: the two sides share
 * no code, doc/design.md §2.2). */
#ifndef ENG_EWIRE_H
#define ENG_EWIRE_H

#include <stdint.h>

static inline void eng_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void eng_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}
static inline uint32_t eng_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
