/* simdrive/iscsi/crc32c.h - CRC32C (Castagnoli) for iSCSI header and data digests
 * (RFC 7143 §11.1, Appendix A.4; RFC 3385).
 *
 * zlib's crc32() is the IEEE polynomial, and Debian ships no C library for the
 * Castagnoli one, so this module computes it: reflected polynomial 0x82F63B78,
 * initial value and final XOR 0xFFFFFFFF, slicing-by-8 tables built at first use. */
#ifndef SIM_CRC32C_H
#define SIM_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: pass 0 to start, feed the result back for the next piece.
 * sim_crc32c(0, "123456789", 9) == 0xE3069283. */
uint32_t sim_crc32c(uint32_t crc, const void *buf, size_t len);

#endif
