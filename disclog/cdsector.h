/* disclog/cdsector.h - CD sector and sub-channel synthesis (module cds_).
 *
 * Pure functions over caller-owned buffers: no allocation, no I/O, no global state
 * beyond constant tables.  References: ECMA-130 (2nd ed.) §14 (sector layout, EDC),
 * Annex A (CIRC-independent P/Q Reed-Solomon product code, "ECC"), §22 (sub-channel
 * P and Q); MSF addresses as ECMA-130 counts them (00:02:00 = LBA 0; the lead-in
 * from 90:00:00 on, as MMC-6's LBA-to-MSF mapping has it).
 *
 * Scrambling (ECMA-130 Annex B) is only for frames as they are on the disc: .bin/.img
 * files and WRITE data in non-raw modes carry unscrambled sectors; RAW (write type 3)
 * hosts send data sectors scrambled, and the drive descrambles what it reads.
 */
#ifndef SIM_CDSECTOR_H
#define SIM_CDSECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CDS_RAW_SIZE      2352	/* one CD frame's main channel */
#define CDS_USER_SIZE     2048	/* Mode 1 / Mode 2 Form 1 user data */
#define CDS_SUB_SIZE      96	/* P-W sub-channel of one frame */
#define CDS_CHAN_SIZE     12	/* one sub-channel (P, Q, ... W) of one frame */
#define CDS_RAW_SUB_SIZE  (CDS_RAW_SIZE + CDS_SUB_SIZE)	/* 2448 */
#define CDS_FRAMES_PER_SEC 75
#define CDS_PREGAP        150	/* MSF 00:02:00 is LBA 0 */
#define CDS_LBA_MIN       (-450150 + 4500 * 90)	/* MSF 90:00:00, first lead-in address */
#define CDS_LBA_MAX       (90 * 60 * 75 - 150 - 1)	/* MSF 89:59:74, last program-area address */

/* Byte offsets inside a raw 2352-byte sector (ECMA-130 §14). */
enum {
	CDS_OFF_SYNC = 0,		/* 12 bytes: 00 FF*10 00 */
	CDS_OFF_HEADER = 12,		/* M S F (BCD), mode */
	CDS_OFF_MODE = 15,
	CDS_OFF_M1_DATA = 16,		/* Mode 1 user data */
	CDS_OFF_M1_EDC = 2064,		/* Mode 1 EDC over bytes 0..2063 */
	CDS_OFF_M1_ZERO = 2068,		/* 8 zero bytes */
	CDS_OFF_SUBHEADER = 16,		/* Mode 2: 8-byte sub-header */
	CDS_OFF_M2F1_DATA = 24,		/* Mode 2 Form 1 user data */
	CDS_OFF_M2F1_EDC = 2072,	/* Form 1 EDC over bytes 16..2071 */
	CDS_OFF_P_PARITY = 2076,	/* 172 bytes of P parity */
	CDS_OFF_Q_PARITY = 2248,	/* 104 bytes of Q parity */
};

/* Sub-header submode bits (ECMA-130 §14.5 / CD-ROM XA): form 2 flag, data flag. */
#define CDS_SUBMODE_FORM2 0x20
#define CDS_SUBMODE_DATA  0x08

/* ---- addresses --------------------------------------------------------------- */

struct cds_msf { uint8_t m, s, f; };	/* binary, not BCD */

/* LBA -> MSF (MMC-6 LBA to MSF translation): -150..CDS_LBA_MAX map to 00:00:00..89:59:74, lower
 * LBAs to the lead-in area 90:00:00..99:59:74.  Returns 0, or -1 outside
 * CDS_LBA_MIN..CDS_LBA_MAX (so that every MSF converts back to the same LBA). */
int cds_lba_to_msf(int32_t lba, struct cds_msf *msf);
/* MSF -> LBA: (M*60+S)*75+F-150 for M < 90, -450150 for M >= 90.  Returns 0, or -1 if
 * S >= 60, F >= 75 or M > 99. */
int cds_msf_to_lba(struct cds_msf msf, int32_t *lba);

static inline uint8_t cds_bcd(unsigned v) { return (uint8_t)(((v / 10) << 4) | (v % 10)); }
static inline unsigned cds_unbcd(uint8_t b) { return (b >> 4) * 10u + (b & 0x0f); }

/* ---- main channel ------------------------------------------------------------ */

/* EDC: CRC-32 with generator (x^16+x^15+x^2+1)(x^16+x^2+x+1) = 8001801Bh, processed
 * LSB first, initial value 0, no final inversion (ECMA-130 §14.3).  Stored in the
 * sector least significant byte first.  crc is the running value (0 to start). */
uint32_t cds_edc(uint32_t crc, const uint8_t *p, size_t len);

/* Compute the P (86 x RS(26,24)) then Q (52 x RS(45,43)) parity of a raw sector in
 * place (ECMA-130 Annex A) over bytes 12..2351.  zero_header: treat the 4 header
 * bytes as zero (Mode 2 Form 1, so that the parity survives header rewriting). */
void cds_ecc(uint8_t sector[CDS_RAW_SIZE], bool zero_header);

/* Write the sync pattern and the header (BCD MSF of lba, mode byte) into out[0..15].
 * Returns 0, or -1 if lba has no MSF. */
int cds_make_header(uint8_t out[16], int32_t lba, uint8_t mode);

/* Build a complete Mode 1 sector for lba from 2048 bytes of user data: sync, header
 * (BCD MSF, mode 1), data, EDC, 8 zero bytes, P and Q parity.  Returns 0, or -1 if lba
 * has no MSF. */
int cds_make_mode1(uint8_t out[CDS_RAW_SIZE], int32_t lba, const uint8_t user[CDS_USER_SIZE]);

/* Build a Mode 2 Form 1 sector: sub-header (given 4 bytes: file, channel, submode,
 * coding; repeated twice; submode's form-2 bit is cleared), data, EDC, P and Q parity
 * with the header taken as zero.  sub may be NULL (0, 0, 08h data, 0). */
int cds_make_mode2_form1(uint8_t out[CDS_RAW_SIZE], int32_t lba, const uint8_t user[CDS_USER_SIZE],
			 const uint8_t sub[4]);

/* What a raw sector looks like. */
enum cds_kind {
	CDS_KIND_UNKNOWN = 0,	/* no sync pattern: audio or garbage */
	CDS_KIND_MODE0,
	CDS_KIND_MODE1,
	CDS_KIND_MODE2_FORM1,
	CDS_KIND_MODE2_FORM2,
};
enum cds_kind cds_classify(const uint8_t sector[CDS_RAW_SIZE]);

/* Offset of the 2048 user data bytes for a kind, or -1 when it has none. */
int cds_user_offset(enum cds_kind kind);

/* Does the sector start with the sync pattern (00h, 10 x FFh, 00h; ECMA-130 §14.1)? */
bool cds_sync_ok(const uint8_t *sector);

/* XOR len bytes (at most CDS_RAW_SIZE - 12) with the ECMA-130 Annex B scrambler
 * sequence (15-bit LFSR x^15+x+1, preset 0001h, LSB first): p is byte 12 of a sector,
 * the first byte the sequence covers.  Scrambling and descrambling are the same. */
void cds_scramble(uint8_t *p, size_t len);

/* Swap the bytes of every 16-bit sample: CD-DA as a drive reads it (and a CUE BIN, and
 * a disclog image) is little-endian; cdrdao's raw audio files and CHD store it
 * big-endian. */
void cds_swap_samples(uint8_t *p, size_t len);

/* Is the EDC of a sector of this kind right (ECMA-130 §14.3)?  Mode 1: bytes 0..2063;
 * Mode 2 Form 1: 16..2071; Form 2: 16..2347, where a zero EDC means none
 * (ECMA-130 §14.5).
 * Kinds without an EDC (Mode 0, unknown) have nothing to check: true. */
bool cds_edc_ok(const uint8_t sector[CDS_RAW_SIZE], enum cds_kind kind);

/* ---- sub-channel ------------------------------------------------------------- */

/* CRC-16-CCITT (x^16+x^12+x^5+1, initial 0) over len bytes, MSB first. */
uint16_t cds_crc16(const uint8_t *p, size_t len);

/* Fill q[12] with Q mode-1 position data (ECMA-130 §22.3.3): CTL/ADR, TNO, INDEX,
 * relative MSF (rel_frames, counting down in the pregap), zero, absolute MSF of
 * lba, all BCD, then the CRC-16 stored inverted (ECMA-130 §22.3.6), MSB first.
 * ctl is the control nibble (4 data, 0 audio).  Returns 0, or -1 if lba has no MSF
 * or rel_frames is negative or too large. */
int cds_q_position(uint8_t q[CDS_CHAN_SIZE], uint8_t ctl, unsigned track, unsigned index,
		   int32_t rel_frames, int32_t lba);

/* Check the (inverted) CRC of a Q channel. */
bool cds_q_crc_ok(const uint8_t q[CDS_CHAN_SIZE]);

/* Interleave 8 channels of 12 bytes (P, Q, R .. W; the "deinterleaved" .sub layout of
 * CloneCD) into 96 raw P-W bytes: raw byte i carries bit (7 - i%8) of every channel's
 * byte i/8, channel P in b7 down to W in b0. */
void cds_sub_interleave(uint8_t raw[CDS_SUB_SIZE], const uint8_t chan[8][CDS_CHAN_SIZE]);
/* The inverse. */
void cds_sub_deinterleave(uint8_t chan[8][CDS_CHAN_SIZE], const uint8_t raw[CDS_SUB_SIZE]);

/* Does any of the 96 bytes carry a P or Q bit (b7, b6)?  False for packed R-W only. */
bool cds_sub_has_pq(const uint8_t raw[CDS_SUB_SIZE]);

/* Synthesize the 8 channels of one frame: P all ones when pause (index 0) else all
 * zero; Q from cds_q_position; R-W zero.  Returns 0 or -1 as cds_q_position. */
int cds_sub_synth(uint8_t chan[8][CDS_CHAN_SIZE], uint8_t ctl, unsigned track, unsigned index,
		  int32_t rel_frames, int32_t lba);

#endif
