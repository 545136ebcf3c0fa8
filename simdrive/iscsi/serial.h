/* simdrive/iscsi/serial.h - 32-bit serial number arithmetic (RFC 1982) for CmdSN, StatSN,
 * DataSN and R2TSN (RFC 7143 §4.2.2.1). */
#ifndef SIM_SERIAL_H
#define SIM_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

/* a < b in serial arithmetic.  Undefined by RFC 1982 when the distance is exactly
 * 2^31; we answer false both ways, which rejects such a number as out of window. */
static inline bool sim_sn_lt(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(a - b) < 0 && (a - b) != 0x80000000u;
}

static inline bool sim_sn_gt(uint32_t a, uint32_t b)
{
	return a != b && (int32_t)(a - b) > 0;
}

static inline bool sim_sn_le(uint32_t a, uint32_t b)
{
	return a == b || sim_sn_lt(a, b);
}

/* lo <= sn <= hi, serially. */
static inline bool sim_sn_in_window(uint32_t sn, uint32_t lo, uint32_t hi)
{
	return sim_sn_le(lo, sn) && sim_sn_le(sn, hi);
}

#endif
