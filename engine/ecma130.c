/* engine/ecma130.c - CD sector and sub-channel codes from ECMA-130 (see ecma130.h). */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "ecma130.h"
#include "ewire.h"
#include "mmccdb.h"

/* ---- tables, built once -------------------------------------------------------- */

/* EDC: the generator 8001801Bh taken bit-reversed, because the register shifts
 * towards the least significant bit (ECMA-130 §14.3). */
#define EDC_POLY_REFLECTED 0xD8018001u
/* GF(2^8) of ECMA-130 Annex A: P(x) = x^8+x^4+x^3+x^2+1, primitive element alpha = 02h. */
#define GF_POLY 0x11D
/* Bytes 12..2351 that Annex B scrambles. */
#define SCRAMBLE_LEN (ENG_CD_FRAME - ENG_CD_OFF_HEADER)

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static uint32_t edc_table[256];
static uint8_t gf_exp[512]; /* alpha^i, doubled so that exp[log a + log b] needs no mod */
static uint8_t gf_log[256]; /* log[0] unused */
static uint8_t scramble_table[SCRAMBLE_LEN];

static void tables_build(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t r = i;
		for (int b = 0; b < 8; b++)
			r = (r & 1u) ? (r >> 1) ^ EDC_POLY_REFLECTED : r >> 1;
		edc_table[i] = r;
	}

	unsigned x = 1;
	for (unsigned i = 0; i < 255; i++) {
		gf_exp[i] = (uint8_t)x;
		gf_exp[i + 255] = (uint8_t)x;
		gf_log[x] = (uint8_t)i;
		x <<= 1;
		if (x & 0x100)
			x ^= GF_POLY;
	}
	gf_exp[510] = gf_exp[0];
	gf_exp[511] = gf_exp[1];

	/* Annex B: the register holds x^14..x^0; each clock outputs its x^0 bit and feeds
	 * x^0 + x^1 back into x^14.  The first output bit is the least significant bit of
	 * byte 12. */
	unsigned reg = 1;
	for (size_t i = 0; i < SCRAMBLE_LEN; i++) {
		unsigned byte = 0;
		for (unsigned b = 0; b < 8; b++) {
			unsigned out = reg & 1u;
			byte |= out << b;
			unsigned fb = (reg ^ (reg >> 1)) & 1u;
			reg = (reg >> 1) | (fb << 14);
		}
		scramble_table[i] = (uint8_t)byte;
	}
}

static void tables(void)
{
	pthread_once(&tables_once, tables_build);
}

/* ---- addresses ----------------------------------------------------------------- */

int eng_cd_lba_to_msf(int32_t lba, uint8_t msf[3])
{
	if (lba < ENG_CD_LBA_MIN || lba > ENG_CD_LBA_MAX)
		return -1;
	/* MMC's LBA to MSF translation: the program area and its pre-gap count from
	 * 00:00:00 = LBA -150; the lead-in is numbered from 90:00:00 = LBA -45150 up to
	 * 99:59:74 = LBA -151. */
	int32_t f = lba >= -150 ? lba + 150 : lba + 450150;
	msf[0] = (uint8_t)(f / (60 * ENG_CD_FPS));
	msf[1] = (uint8_t)(f / ENG_CD_FPS % 60);
	msf[2] = (uint8_t)(f % ENG_CD_FPS);
	return 0;
}

int eng_cd_lba_to_bcd(int32_t lba, uint8_t bcd[3])
{
	uint8_t msf[3];
	if (eng_cd_lba_to_msf(lba, msf) != 0)
		return -1;
	for (int i = 0; i < 3; i++)
		bcd[i] = eng_cd_bcd(msf[i]);
	return 0;
}

void eng_cd_frames_to_bcd(int32_t frames, uint8_t bcd[3])
{
	bcd[0] = eng_cd_bcd((unsigned)(frames / (60 * ENG_CD_FPS)));
	bcd[1] = eng_cd_bcd((unsigned)(frames / ENG_CD_FPS % 60));
	bcd[2] = eng_cd_bcd((unsigned)(frames % ENG_CD_FPS));
}

/* ---- main channel --------------------------------------------------------------- */

uint32_t eng_cd_edc(const uint8_t *p, size_t len)
{
	uint32_t r = 0;
	tables();
	while (len--)
		r = (r >> 8) ^ edc_table[(r ^ *p++) & 0xFFu];
	return r;
}

int eng_cd_header(uint8_t s[ENG_CD_FRAME], int32_t lba, uint8_t mode)
{
	uint8_t bcd[3];
	if (eng_cd_lba_to_bcd(lba, bcd) != 0)
		return -1;
	s[0] = 0x00;
	memset(s + 1, 0xFF, 10);
	s[11] = 0x00;
	memcpy(s + ENG_CD_OFF_HEADER, bcd, 3);
	s[ENG_CD_OFF_MODE] = mode;
	return 0;
}

/* Annex A sees bytes 12..2351 as 1170 two-byte words; word n is bytes 12+2n and 13+2n
 * and each of the two byte planes is coded on its own.  A codeword of length n puts
 * its data symbols d(0..n-3) and its parity p, q in positions n-2, n-1 under the
 * check matrix
 *     | 1         1         ...  1      1 |
 *     | alpha^(n-1) alpha^(n-2) ... alpha  1 |
 * so with A = sum d(i) and B = sum alpha^(n-1-i) d(i):
 *     p + q = A,  alpha p + q = B   =>   p = (A + B) / (alpha + 1),  q = A + p. */
static void ecc_codeword(uint8_t *w, const unsigned *words, unsigned n, unsigned plane)
{
	unsigned a = 0, b = 0;
	for (unsigned i = 0; i + 2 < n; i++) {
		unsigned d = w[2 * words[i] + plane];
		a ^= d;
		if (d)
			b ^= gf_exp[gf_log[d] + (n - 1 - i)];
	}
	unsigned ab = a ^ b, p = 0;
	if (ab) /* divide by alpha + 1 = 03h: subtract its logarithm */
		p = gf_exp[(gf_log[ab] + 255u - gf_log[3]) % 255u];
	w[2 * words[n - 2] + plane] = (uint8_t)p;
	w[2 * words[n - 1] + plane] = (uint8_t)(a ^ p);
}

void eng_cd_ecc(uint8_t s[ENG_CD_FRAME])
{
	uint8_t *w = s + ENG_CD_OFF_HEADER;
	unsigned words[45];

	tables();
	for (unsigned plane = 0; plane < 2; plane++) {
		/* P: 43 columns N of 26 words S(43 M + N), M = 0..25; the parity is M = 24, 25,
		 * i.e. words 1032..1117 (bytes 2076..2247). */
		for (unsigned col = 0; col < 43; col++) {
			for (unsigned m = 0; m < 26; m++)
				words[m] = 43 * m + col;
			ecc_codeword(w, words, 26, plane);
		}
		/* Q: 26 diagonals N of 43 words S((44 M + 43 N) mod 1118), M = 0..42, then the
		 * parity words 1118 + N and 1144 + N (bytes 2248..2351).  Q covers P. */
		for (unsigned diag = 0; diag < 26; diag++) {
			for (unsigned m = 0; m < 43; m++)
				words[m] = (44 * m + 43 * diag) % 1118;
			words[43] = 1118 + diag;
			words[44] = 1144 + diag;
			ecc_codeword(w, words, 45, plane);
		}
	}
}

void eng_cd_finish_mode1(uint8_t s[ENG_CD_FRAME])
{
	eng_put_le32(s + ENG_CD_OFF_M1_EDC, eng_cd_edc(s, ENG_CD_OFF_M1_EDC));
	memset(s + ENG_CD_OFF_M1_ZERO, 0, 8);
	eng_cd_ecc(s);
}

void eng_cd_finish_form1(uint8_t s[ENG_CD_FRAME])
{
	uint8_t header[4];

	eng_put_le32(s + ENG_CD_OFF_F1_EDC,
		     eng_cd_edc(s + ENG_CD_OFF_SUBHDR, ENG_CD_OFF_F1_EDC - ENG_CD_OFF_SUBHDR));
	memcpy(header, s + ENG_CD_OFF_HEADER, 4);
	memset(s + ENG_CD_OFF_HEADER, 0, 4);
	eng_cd_ecc(s);
	memcpy(s + ENG_CD_OFF_HEADER, header, 4);
}

void eng_cd_finish_form2(uint8_t s[ENG_CD_FRAME])
{
	eng_put_le32(s + ENG_CD_OFF_F2_EDC,
		     eng_cd_edc(s + ENG_CD_OFF_SUBHDR, ENG_CD_OFF_F2_EDC - ENG_CD_OFF_SUBHDR));
}

void eng_cd_scramble(uint8_t s[ENG_CD_FRAME])
{
	tables();
	for (size_t i = 0; i < SCRAMBLE_LEN; i++)
		s[ENG_CD_OFF_HEADER + i] ^= scramble_table[i];
}

/* ---- sub-channel ---------------------------------------------------------------- */

uint16_t eng_cd_crc16(const uint8_t *p, size_t len)
{
	unsigned r = 0;
	while (len--) {
		r ^= (unsigned)*p++ << 8;
		for (int b = 0; b < 8; b++)
			r = (r & 0x8000u) ? (r << 1) ^ 0x1021u : r << 1;
		r &= 0xFFFFu;
	}
	return (uint16_t)r;
}

void eng_cd_q_crc(uint8_t q[ENG_CD_CHAN])
{
	mcc_put16(q + 10, (uint16_t)~eng_cd_crc16(q, 10));
}

void eng_cd_sub_interleave(uint8_t out[ENG_CD_SUB], int p, const uint8_t q[ENG_CD_CHAN],
			   const uint8_t *rw)
{
	for (unsigned i = 0; i < ENG_CD_SUB; i++) {
		unsigned qbit = (q[i / 8] >> (7 - i % 8)) & 1u;
		out[i] = (uint8_t)((p ? 0x80u : 0u) | qbit << 6 | (rw ? rw[i] & 0x3Fu : 0u));
	}
}
