/* engine/ecma130.h - the CD frame codes the raw image builder needs (module eng_cd_),
 * written from ECMA-130 (2nd edition, 1996): sector layout and EDC (§14), the P/Q
 * Reed-Solomon product code (Annex A), the scrambler (Annex B), sub-channel Q and its
 * CRC (§22.3).  Private to engine/ (not installed): the simulated drive has its own
 * implementation (disclog/cdsector.c) and the two must stay independent, so that the
 * unit tests can hold one against the other (doc/design.md §2.2).
 *
 * Pure functions over caller-owned buffers; the tables are built once, on first use,
 * under pthread_once. */
#ifndef ENG_ECMA130_H
#define ENG_ECMA130_H

#include <stddef.h>
#include <stdint.h>

#define ENG_CD_FRAME     2352 /* main channel of one sector */
#define ENG_CD_SUB       96   /* P-W sub-channel of one sector */
#define ENG_CD_CHAN      12   /* one sub-channel (P, Q, ... W) of one sector */
#define ENG_CD_FPS       75   /* sectors per second */
/* First and last addresses with an MSF: 90:00:00 (lead-in) and 89:59:74. */
#define ENG_CD_LBA_MIN   (-45150)
#define ENG_CD_LBA_MAX   404849

/* Byte offsets inside a 2352-byte sector (ECMA-130 §14). */
enum {
	ENG_CD_OFF_HEADER = 12,   /* minute, second, frame (BCD), mode */
	ENG_CD_OFF_MODE = 15,
	ENG_CD_OFF_M1_DATA = 16,  /* Mode 1: 2048 user bytes */
	ENG_CD_OFF_M1_EDC = 2064, /* Mode 1: EDC over 0..2063, then 8 zero bytes */
	ENG_CD_OFF_M1_ZERO = 2068,
	ENG_CD_OFF_SUBHDR = 16,   /* Mode 2: sub-header, 4 bytes twice */
	ENG_CD_OFF_M2_DATA = 24,  /* Mode 2 Form 1 / Form 2 user bytes */
	ENG_CD_OFF_F1_EDC = 2072, /* Form 1: EDC over 16..2071 */
	ENG_CD_OFF_F2_EDC = 2348, /* Form 2: EDC over 16..2347 (0: none) */
	ENG_CD_OFF_P = 2076,      /* 172 bytes of P parity */
	ENG_CD_OFF_Q = 2248,      /* 104 bytes of Q parity */
};

/* Sub-header submode bits (ECMA-130 §14.5): form 2, data. */
#define ENG_CD_SUBMODE_FORM2 0x20
#define ENG_CD_SUBMODE_DATA  0x08

static inline uint8_t eng_cd_bcd(unsigned v) { return (uint8_t)((v / 10u) << 4 | (v % 10u)); }

/* LBA -> binary minute, second, frame as MMC counts addresses: LBA -150 is 00:00:00, LBA 0
 * 00:02:00; the lead-in wraps to 90:00:00 and above (LBA -450150 + M*4500 ...).
 * Returns 0, or -1 outside ENG_CD_LBA_MIN..ENG_CD_LBA_MAX. */
int eng_cd_lba_to_msf(int32_t lba, uint8_t msf[3]);
/* The same as three BCD bytes. */
int eng_cd_lba_to_bcd(int32_t lba, uint8_t bcd[3]);
/* A count of sectors (>= 0, < 100 minutes) as BCD minute, second, frame. */
void eng_cd_frames_to_bcd(int32_t frames, uint8_t bcd[3]);

/* EDC (ECMA-130 §14.3): the CRC of generator (x^16+x^15+x^2+1)(x^16+x^2+x+1), bits taken
 * least significant first, register starting at zero, no final inversion.  The sector
 * stores it least significant byte first. */
uint32_t eng_cd_edc(const uint8_t *p, size_t len);

/* Sync pattern and header (ECMA-130 §14.1, §14.2): 00h, 10 x FFh, 00h; BCD address of
 * lba; the mode byte.  Returns 0, or -1 when lba has no MSF. */
int eng_cd_header(uint8_t s[ENG_CD_FRAME], int32_t lba, uint8_t mode);

/* P then Q parity (ECMA-130 Annex A) over bytes 12..2351 of s as they are. */
void eng_cd_ecc(uint8_t s[ENG_CD_FRAME]);

/* Complete a sector whose sync, header and data are in place:
 *   mode 1:  EDC over 0..2063, 8 zero bytes, P and Q parity;
 *   form 1:  EDC over 16..2071, P and Q parity computed with the header taken as zero
 *            (ECMA-130 §14.5: the address is left out of the form 1 parity);
 *   form 2:  EDC over 16..2347 (no parity in form 2). */
void eng_cd_finish_mode1(uint8_t s[ENG_CD_FRAME]);
void eng_cd_finish_form1(uint8_t s[ENG_CD_FRAME]);
void eng_cd_finish_form2(uint8_t s[ENG_CD_FRAME]);

/* Scramble (or descramble: the same XOR) bytes 12..2351 of a data sector (ECMA-130
 * Annex B: 15-bit register x^15+x+1 preset to 1 at byte 12, output bits LSB first). */
void eng_cd_scramble(uint8_t s[ENG_CD_FRAME]);

/* CRC of generator x^16+x^12+x^5+1, register starting at zero, bits MSB first.
 * eng_cd_q_crc stores it inverted, most significant byte first, into q[10..11]
 * (ECMA-130 §22.3.6: the parity bits are recorded inverted). */
uint16_t eng_cd_crc16(const uint8_t *p, size_t len);
void eng_cd_q_crc(uint8_t q[ENG_CD_CHAN]);

/* Interleave P (all ones or all zeros), Q and the R-W bits of rw (b5..b0 of each of
 * its 96 bytes; NULL: zero) into 96 bytes as they are on the disc: byte i holds bit
 * (7 - i mod 8) of each channel's byte i / 8, P in b7, Q in b6, R..W in b5..b0. */
void eng_cd_sub_interleave(uint8_t out[ENG_CD_SUB], int p, const uint8_t q[ENG_CD_CHAN],
			   const uint8_t *rw);

#endif
