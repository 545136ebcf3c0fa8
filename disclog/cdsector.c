/* disclog/cdsector.c - CD sector and sub-channel synthesis (see cdsector.h). */
#include "cdsector.h"
#include "wire.h"

#include <pthread.h>
#include <string.h>

/* ---- addresses --------------------------------------------------------------- */

int cds_lba_to_msf(int32_t lba, struct cds_msf *msf)
{
	int32_t f;

	if (lba < CDS_LBA_MIN || lba > CDS_LBA_MAX)
		return -1;
	/* MMC-6 LBA to MSF: lead-in addresses wrap to 90:00:00 and above */
	f = lba >= -CDS_PREGAP ? lba + CDS_PREGAP : lba + 450150;
	msf->m = (uint8_t)(f / (60 * CDS_FRAMES_PER_SEC));
	msf->s = (uint8_t)((f / CDS_FRAMES_PER_SEC) % 60);
	msf->f = (uint8_t)(f % CDS_FRAMES_PER_SEC);
	return 0;
}

int cds_msf_to_lba(struct cds_msf msf, int32_t *lba)
{
	int32_t f;

	if (msf.m > 99 || msf.s >= 60 || msf.f >= CDS_FRAMES_PER_SEC)
		return -1;
	f = ((int32_t)msf.m * 60 + msf.s) * CDS_FRAMES_PER_SEC + msf.f;
	*lba = msf.m < 90 ? f - CDS_PREGAP : f - 450150;
	return 0;
}

/* ---- EDC (ECMA-130 §14.3) ------------------------------------------------------ */

/* 8001801Bh bit-reversed, because the EDC is computed LSB first. */
#define CDS_EDC_POLY_REV 0xd8018001u

static uint32_t edc_table[256];
static pthread_once_t edc_once = PTHREAD_ONCE_INIT;	/* CHD's writer threads share it */

static void edc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ ((c & 1) ? CDS_EDC_POLY_REV : 0);
		edc_table[i] = c;
	}
}

uint32_t cds_edc(uint32_t crc, const uint8_t *p, size_t len)
{
	pthread_once(&edc_once, edc_init);
	for (size_t i = 0; i < len; i++)
		crc = edc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc;
}

/* ---- ECC (ECMA-130 Annex A) ------------------------------------------------------
 * GF(2^8) with the primitive polynomial x^8+x^4+x^3+x^2+1 (11Dh), alpha = 02h.
 * Bytes 12..2351 are 1170 16-bit words S(0..1169); the MSB and LSB planes are coded
 * separately with the same vectors:
 *   P: 43 columns N, V = S(43*M + N), M = 0..25 (24 data + 2 parity), RS(26,24)
 *   Q: 26 diagonals N, V = S((44*M + 43*N) mod 1118), M = 0..42, then S(1118+N),
 *      S(1144+N), RS(45,43)
 * Parity check rows: sum V(i) = 0 and sum alpha^(n-1-i) V(i) = 0.  With data sums
 * A = sum d(i), B = sum alpha^(n-1-i) d(i) the two parity symbols p0 (weight alpha)
 * and p1 (weight 1) solve p0 + p1 = A, alpha p0 + p1 = B, so p0 = (A + B) / (alpha + 1),
 * p1 = A + p0. */

#define GF_POLY 0x11d
#define GF_INV_ALPHA_PLUS_1 0xf4	/* 1 / 03h in this field */

static uint8_t gf_xtime(uint8_t a)
{
	return (uint8_t)((a << 1) ^ ((a & 0x80) ? (GF_POLY & 0xff) : 0));
}

static uint8_t gf_mul(uint8_t a, uint8_t b)
{
	uint8_t r = 0;
	while (b) {
		if (b & 1)
			r ^= a;
		a = gf_xtime(a);
		b >>= 1;
	}
	return r;
}

#define ECC_WORDS_PQ 1118	/* words covered by Q: data + P parity */

/* One codeword: n symbols at word indices idx[0..n-3] (data) plus two parity words. */
static void ecc_codeword(uint8_t *s, const uint16_t *idx, unsigned ndata, unsigned par0,
			 unsigned par1, unsigned plane)
{
	uint8_t a = 0, b = 0;

	for (unsigned i = 0; i < ndata; i++) {
		uint8_t d = s[2 * idx[i] + plane];
		a ^= d;
		b = gf_xtime(b) ^ d;	/* Horner: ends with weights alpha^(ndata-1-i) */
	}
	b = gf_xtime(gf_xtime(b));	/* data weights are alpha^(n-1-i): two more places */
	uint8_t p0 = gf_mul(a ^ b, GF_INV_ALPHA_PLUS_1);
	s[2 * par0 + plane] = p0;
	s[2 * par1 + plane] = a ^ p0;
}

void cds_ecc(uint8_t sector[CDS_RAW_SIZE], bool zero_header)
{
	uint8_t saved[4] = { 0, 0, 0, 0 };
	uint8_t *s = sector + CDS_OFF_HEADER;
	uint16_t idx[43];

	if (zero_header) {
		memcpy(saved, s, 4);
		memset(s, 0, 4);
	}
	for (unsigned plane = 0; plane < 2; plane++) {
		for (unsigned n = 0; n < 43; n++) {
			for (unsigned m = 0; m < 24; m++)
				idx[m] = (uint16_t)(43 * m + n);
			ecc_codeword(s, idx, 24, 43 * 24 + n, 43 * 25 + n, plane);
		}
		for (unsigned n = 0; n < 26; n++) {
			for (unsigned m = 0; m < 43; m++)
				idx[m] = (uint16_t)((44 * m + 43 * n) % ECC_WORDS_PQ);
			ecc_codeword(s, idx, 43, 43 * 26 + n, 44 * 26 + n, plane);
		}
	}
	if (zero_header)
		memcpy(s, saved, 4);
}

/* ---- sectors ------------------------------------------------------------------ */

static const uint8_t cds_sync[12] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff,
				      0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };

int cds_make_header(uint8_t out[16], int32_t lba, uint8_t mode)
{
	struct cds_msf msf;

	if (cds_lba_to_msf(lba, &msf) != 0)
		return -1;
	memcpy(out + CDS_OFF_SYNC, cds_sync, sizeof(cds_sync));
	out[CDS_OFF_HEADER + 0] = cds_bcd(msf.m);
	out[CDS_OFF_HEADER + 1] = cds_bcd(msf.s);
	out[CDS_OFF_HEADER + 2] = cds_bcd(msf.f);
	out[CDS_OFF_MODE] = mode;
	return 0;
}

int cds_make_mode1(uint8_t out[CDS_RAW_SIZE], int32_t lba, const uint8_t user[CDS_USER_SIZE])
{
	if (cds_make_header(out, lba, 1) != 0)
		return -1;
	memcpy(out + CDS_OFF_M1_DATA, user, CDS_USER_SIZE);
	wire_put_le32(out + CDS_OFF_M1_EDC, cds_edc(0, out, CDS_OFF_M1_EDC));
	memset(out + CDS_OFF_M1_ZERO, 0, 8);
	cds_ecc(out, false);
	return 0;
}

int cds_make_mode2_form1(uint8_t out[CDS_RAW_SIZE], int32_t lba, const uint8_t user[CDS_USER_SIZE],
			 const uint8_t sub[4])
{
	static const uint8_t def_sub[4] = { 0, 0, CDS_SUBMODE_DATA, 0 };

	if (cds_make_header(out, lba, 2) != 0)
		return -1;
	if (!sub)
		sub = def_sub;
	for (int k = 0; k < 2; k++) {
		memcpy(out + CDS_OFF_SUBHEADER + 4 * k, sub, 4);
		out[CDS_OFF_SUBHEADER + 4 * k + 2] &= (uint8_t)~CDS_SUBMODE_FORM2;
	}
	memcpy(out + CDS_OFF_M2F1_DATA, user, CDS_USER_SIZE);
	wire_put_le32(out + CDS_OFF_M2F1_EDC,
		 cds_edc(0, out + CDS_OFF_SUBHEADER, CDS_OFF_M2F1_EDC - CDS_OFF_SUBHEADER));
	cds_ecc(out, true);
	return 0;
}

enum cds_kind cds_classify(const uint8_t sector[CDS_RAW_SIZE])
{
	if (!cds_sync_ok(sector))
		return CDS_KIND_UNKNOWN;
	switch (sector[CDS_OFF_MODE] & 0x03) {
	case 0: return CDS_KIND_MODE0;
	case 1: return CDS_KIND_MODE1;
	case 2:
		return (sector[CDS_OFF_SUBHEADER + 2] & CDS_SUBMODE_FORM2) ? CDS_KIND_MODE2_FORM2
									 : CDS_KIND_MODE2_FORM1;
	default: return CDS_KIND_UNKNOWN;
	}
}

int cds_user_offset(enum cds_kind kind)
{
	switch (kind) {
	case CDS_KIND_MODE1: return CDS_OFF_M1_DATA;
	case CDS_KIND_MODE2_FORM1: return CDS_OFF_M2F1_DATA;
	default: return -1;
	}
}

bool cds_sync_ok(const uint8_t *sector)
{
	return memcmp(sector, cds_sync, sizeof(cds_sync)) == 0;
}

void cds_swap_samples(uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2) {
		uint8_t t = p[i];
		p[i] = p[i + 1];
		p[i + 1] = t;
	}
}

void cds_scramble(uint8_t *p, size_t len)
{
	uint16_t reg = 1;			/* ECMA-130 Annex B: preset 0000 0000 0000 001 */

	for (size_t i = 0; i < len && i < CDS_RAW_SIZE - CDS_OFF_HEADER; i++) {
		uint8_t b = 0;
		for (unsigned bit = 0; bit < 8; bit++) {
			b |= (uint8_t)((reg & 1) << bit);
			unsigned fb = (reg ^ (reg >> 1)) & 1;
			reg = (uint16_t)((reg >> 1) | (fb << 14));
		}
		p[i] ^= b;
	}
}

bool cds_edc_ok(const uint8_t sector[CDS_RAW_SIZE], enum cds_kind kind)
{
	size_t from, at;

	switch (kind) {
	case CDS_KIND_MODE1:       from = 0; at = CDS_OFF_M1_EDC; break;
	case CDS_KIND_MODE2_FORM1: from = CDS_OFF_SUBHEADER; at = CDS_OFF_M2F1_EDC; break;
	case CDS_KIND_MODE2_FORM2: from = CDS_OFF_SUBHEADER; at = CDS_RAW_SIZE - 4; break;
	default:                   return true;
	}
	uint32_t stored = wire_le32(sector + at);
	if (kind == CDS_KIND_MODE2_FORM2 && stored == 0)
		return true;
	return cds_edc(0, sector + from, at - from) == stored;
}

/* ---- sub-channel (ECMA-130 §22) ------------------------------------------------ */

uint16_t cds_crc16(const uint8_t *p, size_t len)
{
	uint16_t crc = 0;

	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int k = 0; k < 8; k++)
			crc = (uint16_t)((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
	}
	return crc;
}

int cds_q_position(uint8_t q[CDS_CHAN_SIZE], uint8_t ctl, unsigned track, unsigned index,
		   int32_t rel_frames, int32_t lba)
{
	struct cds_msf abs, rel;

	if (cds_lba_to_msf(lba, &abs) != 0 || rel_frames < 0 || rel_frames >= 100 * 60 * 75
	    || track > 99 || index > 99)
		return -1;
	rel.m = (uint8_t)(rel_frames / 4500);
	rel.s = (uint8_t)((rel_frames / 75) % 60);
	rel.f = (uint8_t)(rel_frames % 75);
	q[0] = (uint8_t)((ctl & 0x0f) << 4 | 0x01);	/* ADR 1: position */
	q[1] = cds_bcd(track);
	q[2] = cds_bcd(index);
	q[3] = cds_bcd(rel.m);
	q[4] = cds_bcd(rel.s);
	q[5] = cds_bcd(rel.f);
	q[6] = 0;
	q[7] = cds_bcd(abs.m);
	q[8] = cds_bcd(abs.s);
	q[9] = cds_bcd(abs.f);
	uint16_t crc = (uint16_t)~cds_crc16(q, 10);	/* ECMA-130 §22.3.6: parity bits inverted */
	q[10] = (uint8_t)(crc >> 8);
	q[11] = (uint8_t)crc;
	return 0;
}

bool cds_q_crc_ok(const uint8_t q[CDS_CHAN_SIZE])
{
	uint16_t crc = (uint16_t)~cds_crc16(q, 10);
	return q[10] == (uint8_t)(crc >> 8) && q[11] == (uint8_t)crc;
}

void cds_sub_interleave(uint8_t raw[CDS_SUB_SIZE], const uint8_t chan[8][CDS_CHAN_SIZE])
{
	for (unsigned i = 0; i < CDS_SUB_SIZE; i++) {
		uint8_t v = 0;
		unsigned bit = 7 - (i % 8);
		for (unsigned c = 0; c < 8; c++)
			v |= (uint8_t)(((chan[c][i / 8] >> bit) & 1) << (7 - c));
		raw[i] = v;
	}
}

void cds_sub_deinterleave(uint8_t chan[8][CDS_CHAN_SIZE], const uint8_t raw[CDS_SUB_SIZE])
{
	memset(chan, 0, 8 * CDS_CHAN_SIZE);
	for (unsigned i = 0; i < CDS_SUB_SIZE; i++) {
		unsigned bit = 7 - (i % 8);
		for (unsigned c = 0; c < 8; c++)
			chan[c][i / 8] |= (uint8_t)(((raw[i] >> (7 - c)) & 1) << bit);
	}
}

bool cds_sub_has_pq(const uint8_t raw[CDS_SUB_SIZE])
{
	for (size_t i = 0; i < CDS_SUB_SIZE; i++)
		if (raw[i] & 0xc0)
			return true;
	return false;
}

int cds_sub_synth(uint8_t chan[8][CDS_CHAN_SIZE], uint8_t ctl, unsigned track, unsigned index,
		  int32_t rel_frames, int32_t lba)
{
	memset(chan, 0, 8 * CDS_CHAN_SIZE);
	/* ECMA-130 §22.2: the P flag is one during a pause (index 0), zero in the track */
	memset(chan[0], index == 0 ? 0xff : 0x00, CDS_CHAN_SIZE);
	return cds_q_position(chan[1], ctl, track, index, rel_frames, lba);
}
