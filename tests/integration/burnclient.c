/* tests/integration/burnclient.c - burns through simdrive with raw MMC CDBs over
 * libiscsi (mmcclient, not the engine), the way burning programs do.
 *
 * usage: burnclient URL SCENARIO [ARGS]
 *   dvdplusr SEED        DVD+R: two tracks in two sessions (close track, close session,
 *                        second session, finalize), every block read back
 *   tgt-sequence SEED    the sequence tgt's DVD+R emulation accepts: READ TRACK
 *                        INFORMATION -> WRITE(10) -> SYNCHRONIZE CACHE -> CLOSE TRACK ->
 *                        READ(10)
 *   state                print READ DISC INFORMATION, READ TRACK INFORMATION of every
 *                        track and READ TOC format 0 as hex (compared across restarts)
 *   refusals             WRITE at a wrong LBA and with a wrong length: refused with the
 *                        right sense, NWA unchanged
 *   state-full           state, plus RTI FFh, TOC formats 1 and 2 and READ CAPACITY
 * Media scenarios (tests/integration/burn-media.sh; each prints "extent LBA COUNT BS SEED"
 * lines describing the final content of the disc):
 *   cd-tao SEED          CD-R TAO: Mode 1 data track (DBT 8), two audio tracks (DBT 0)
 *                        at the NWA RTI FFh reports, SYNC ends each, CLOSE SESSION
 *   cd-sao SEED          CD-R SAO: DBT 3, cue sheet, 2448-byte blocks from LBA -150
 *   cd-raw SEED          CD-R RAW: DBT 2, every block from the lead-in start RDI reports
 *                        to the lead-out (2448 bytes), CLOSE SESSION
 *   bdr SEED             BD-R: WRITE(12) streaming in 64 KiB units, finalize 110b
 *   dvdplusrw SEED       DVD+RW: FORMAT UNIT 26h, scattered writes and overwrites
 *   cdrw SEED            CD-RW: burn, close session, BLANK full, burn other data
 * burnclient expected SEED BLOCK-SIZE LBA COUNT [mode1]
 *                        (no URL) the bytes the scenarios write to those blocks with that
 *                        seed, on stdout: block LBA byte i (a multiple of 4) holds the
 *                        big-endian word LBA*2654435761 ^ i*40503 ^ SEED*2246822519;
 *                        with mode1, bytes 0-15 are a Mode 1 sync and header instead
 * Exit 0 when every check passed, 1 on the first failed check (with the reason). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>

#include "mmcclient.h"

static struct iscsi_context *ctx;
static int lun;

/* One CDB on the session's LUN; data-out from `out` (outlen bytes) or data-in of at most
 * inlen bytes into r->data. */
static void run(struct mcc_cdb cdb, const uint8_t *out, int outlen, int inlen,
		struct mcc_result *r)
{
	mcc_run(ctx, lun, cdb, out, outlen, NULL, inlen, r);
}

static void read_disc_info(struct mcc_result *r, struct mcc_disc_info *d)
{
	run(mcc_cdb_read_disc_information(0, 34), NULL, 0, 34, r);
	mcc_expect_good("READ DISC INFORMATION", r);
	if (r->len < 34)
		mcc_die("READ DISC INFORMATION: %d bytes", r->len);
	mcc_disc_info(r->data, r->len, d);
}

/* READ TRACK INFORMATION, address type 01b (track number; FFh = invisible track). */
static void read_track_info(unsigned track, struct mcc_result *r, struct mcc_track_info *t)
{
	run(mcc_cdb_read_track_information(MCC_RTI_TRACK, track, 48), NULL, 0, 48, r);
	mcc_track_info(r->data, r->len, t);
}

static uint32_t nwa_of_invisible(void)
{
	struct mcc_result r;
	struct mcc_track_info t;
	read_track_info(MCC_RTI_INVISIBLE, &r, &t);
	mcc_expect_good("READ TRACK INFORMATION (FFh)", &r);
	if (!t.nwa_v)
		mcc_die("READ TRACK INFORMATION (FFh): NWA_V not set");
	return t.nwa;
}

/* The deterministic content of block `lba` written with `seed`, `bs` bytes a block (a
 * multiple of 4): the same function for every block size, so the first 2048 bytes of a
 * 2352-byte block equal the 2048-byte block of the same LBA and seed. */
static void fillb(uint8_t *buf, int32_t lba, uint32_t n, uint32_t bs, unsigned seed)
{
	for (uint32_t b = 0; b < n; b++)
		for (uint32_t i = 0; i < bs; i += 4)
			mcc_put32(buf + b * bs + i,
			      ((uint32_t)lba + b) * 2654435761u ^ i * 40503u ^ seed * 2246822519u);
}

static void fill(uint8_t *buf, uint32_t lba, uint32_t n, unsigned seed)
{
	fillb(buf, (int32_t)lba, n, 2048, seed);
}

static void write10(uint32_t lba, uint32_t n, const uint8_t *buf)
{
	struct mcc_result r;
	run(mcc_cdb_write10(lba, (uint16_t)n), buf, (int)(n * 2048), 0, &r);
	char what[64];
	snprintf(what, sizeof(what), "WRITE(10) LBA %u x %u", lba, n);
	mcc_expect_good(what, &r);
}

/* Write `n` blocks from lba in 32 KiB units (a DVD ECC block), as DVD burners do. */
static void burn(uint32_t lba, uint32_t n, unsigned seed)
{
	static uint8_t buf[16 * 2048];
	for (uint32_t done = 0; done < n;) {
		uint32_t c = n - done < 16 ? n - done : 16;
		fill(buf, lba + done, c, seed);
		write10(lba + done, c, buf);
		done += c;
	}
}

static void verify(uint32_t lba, uint32_t n, unsigned seed)
{
	mcc_verify10(ctx, lun, lba, n, 16, fill, seed);
}

static void sync_cache(void)
{
	struct mcc_result r;
	run(mcc_cdb_synchronize_cache(false), NULL, 0, 0, &r);
	mcc_expect_good("SYNCHRONIZE CACHE", &r);
}

static void close_ts(uint8_t function, uint16_t number)
{
	struct mcc_result r;
	run(mcc_cdb_close_track_session(false, function, number), NULL, 0, 0, &r);
	char what[64];
	snprintf(what, sizeof(what), "CLOSE TRACK/SESSION function %u number %u", function, number);
	mcc_expect_good(what, &r);
}

static void check_disc(int status, int sessions, const char *when)
{
	struct mcc_result r;
	struct mcc_disc_info d;
	read_disc_info(&r, &d);
	if (d.status != status || d.sessions != sessions)
		mcc_die("%s: READ DISC INFORMATION disc status %d sessions %d, expected %d / %d", when,
			d.status, d.sessions, status, sessions);
}

static void scenario_dvdplusr(unsigned seed)
{
	const uint32_t n1 = 1000, n2 = 480;

	check_disc(0, 1, "blank DVD+R");
	uint32_t nwa = nwa_of_invisible();
	if (nwa != 0)
		mcc_die("blank DVD+R: NWA %u, expected 0", nwa);
	burn(0, n1, seed);
	sync_cache();
	check_disc(1, 1, "after track 1");
	close_ts(1, 1);
	close_ts(2, 0);
	check_disc(1, 2, "after closing session 1");
	uint32_t nwa2 = nwa_of_invisible();
	if (nwa2 < n1)
		mcc_die("second session NWA %u is inside the first session (ends at %u)", nwa2, n1);
	burn(nwa2, n2, seed + 1);
	sync_cache();
	close_ts(1, 2);
	close_ts(MCC_CLOSE_FINALIZE_MIN_RADIUS, 0);	/* finalize (DVD+R) */
	check_disc(2, 2, "after finalizing");
	verify(0, n1, seed);
	verify(nwa2, n2, seed + 1);
	/* The TOC lists both tracks and the lead-out. */
	struct mcc_result r;
	run(mcc_cdb_read_toc(false, 0, 1, 804), NULL, 0, 804, &r);
	mcc_expect_good("READ TOC format 0", &r);
	if (r.data[2] != 1 || r.data[3] != 2)
		mcc_die("READ TOC: tracks %u..%u, expected 1..2", r.data[2], r.data[3]);
	if (mcc_be32(r.data + 4 + 4) != 0 || mcc_be32(r.data + 4 + 8 + 4) != nwa2 || r.data[4 + 16 + 2] != 0xaa)
		mcc_die("READ TOC: track starts %u, %u and lead-out entry %02x", mcc_be32(r.data + 8),
			mcc_be32(r.data + 16), r.data[22]);
	printf("dvdplusr: track 1 %u blocks at 0, track 2 %u blocks at %u, finalized, read back\n",
	       n1, n2, nwa2);
}

/* tgt's DVD+R emulation (usr/mmc.c): RTI -> WRITE(10) -> SYNC -> CLOSE TRACK -> READ(10). */
static void scenario_tgt(unsigned seed)
{
	uint32_t nwa = nwa_of_invisible();
	burn(nwa, 64, seed);
	sync_cache();
	close_ts(1, 1);
	verify(nwa, 64, seed);
	printf("tgt-sequence: 64 blocks at %u written, track closed, read back\n", nwa);
}

static void scenario_refusals(void)
{
	static uint8_t buf[17 * 2048];
	uint32_t nwa = nwa_of_invisible();
	struct mcc_result r;

	/* Not at the NWA on sequential media: 05/21/02 (MMC-6 §4.5, Next Writable Address). */
	run(mcc_cdb_write10(nwa + 16, 16), buf, 16 * 2048, 0, &r);
	mcc_expect_sense("WRITE(10) past the NWA", &r, 5, 0x21, 0x02);
	/* Data length not blocks x 2048: 05/24/00. */
	run(mcc_cdb_write10(nwa, 16), buf, 17 * 2048, 0, &r);
	mcc_expect_sense("WRITE(10) with 17 blocks of data for 16", &r, 5, 0x24, 0x00);
	if (nwa_of_invisible() != nwa)
		mcc_die("NWA moved after refused writes");
	printf("refusals: wrong LBA 05/21/02, wrong length 05/24/00, NWA unchanged at %u\n", nwa);
}

/* ---- helpers for the media scenarios (burn-media.sh) -------------------------------- */

static void msf_of(int32_t lba, uint8_t m[3])
{
	int32_t f = lba + 150;
	m[0] = (uint8_t)(f / 4500);
	m[1] = (uint8_t)(f / 75 % 60);
	m[2] = (uint8_t)(f % 75);
}

/* Print an extent of the final content for the script: LBA COUNT BLOCK-SIZE SEED. */
static void extent(int32_t lba, uint32_t n, uint32_t bs, unsigned seed)
{
	printf("extent %d %u %u %u\n", (int)lba, n, bs, seed);
}

/* Bytes 0-15 of a Mode 1 sector at lba (ECMA-130 §14): sync, MSF in BCD, mode 1. */
static void mode1_header(uint8_t *blk, int32_t lba)
{
	uint8_t m[3];
	msf_of(lba, m);
	memset(blk, 0xff, 12);
	blk[0] = blk[11] = 0;
	for (int i = 0; i < 3; i++)
		blk[12 + i] = (uint8_t)(m[i] / 10 << 4 | m[i] % 10);
	blk[15] = 1;
}

/* MODE SENSE(10) page 05h current, change write type / multi-session / track mode /
 * DBT (Test Write off), MODE SELECT(10) with PF; the page as long as MODE SENSE reported
 * it (MMC-6 §7.5: hosts must not assume its length). */
static void set_page05(unsigned wtype, unsigned ms, unsigned tmode, unsigned dbt)
{
	struct mcc_result r;
	uint8_t page[64], par[MCC_MODE_HDR10 + 64];
	run(mcc_cdb_mode_sense10(false, 0, 0x05, 8 + 60), NULL, 0, 8 + 60, &r);
	mcc_expect_good("MODE SENSE(10) page 05h", &r);
	int plen = mcc_mode_page(r.data, r.len, page, (int)sizeof(page));
	if (plen < MCC_P05_MIN || page[0] != 0x05)
		mcc_die("MODE SENSE(10) page 05h: unexpected answer (%d bytes, page %02x)", r.len,
			r.len > 8 ? r.data[8] : 0);
	mcc_p05_set_write_type(page, (uint8_t)wtype);
	mcc_p05_set_test_write(page, false);
	mcc_p05_set_multisession(page, (uint8_t)ms);
	mcc_p05_set_track_mode(page, (uint8_t)tmode);
	mcc_p05_set_dbt(page, (uint8_t)dbt);
	int n = mcc_mode_list(par, (int)sizeof(par), page, plen, 0);
	run(mcc_cdb_mode_select10(false, (uint16_t)n), par, n, 0, &r);
	char what[96];
	snprintf(what, sizeof(what), "MODE SELECT(10) page 05h write type %u ms %u track mode %u DBT %u",
		 wtype, ms, tmode, dbt);
	mcc_expect_good(what, &r);
}

/* WRITE(10) (MCC_OP_WRITE10) or WRITE(12) (MCC_OP_WRITE12, with the streaming bit) of
 * n blocks of bs bytes from lba, `unit` blocks per command. */
static void burn_bs(uint8_t opcode, int32_t lba, uint32_t n, uint32_t bs, unsigned seed,
		    uint32_t unit, bool streaming)
{
	static uint8_t buf[32 * 2448];
	if (unit * bs > sizeof(buf))
		mcc_die("burn_bs: unit too large");
	for (uint32_t done = 0; done < n;) {
		uint32_t c = n - done < unit ? n - done : unit;
		int32_t at = (int32_t)((uint32_t)lba + done);
		struct mcc_result r;
		fillb(buf, at, c, bs, seed);
		run(opcode == MCC_OP_WRITE10 ? mcc_cdb_write10((uint32_t)at, (uint16_t)c)
					     : mcc_cdb_write12((uint32_t)at, c, streaming),
		    buf, (int)(c * bs), 0, &r);
		char what[96];
		snprintf(what, sizeof(what), "WRITE(%s) LBA %d x %u at %u bytes%s",
			 opcode == MCC_OP_WRITE10 ? "10" : "12", (int)at, c, bs,
			 streaming ? " streaming" : "");
		mcc_expect_good(what, &r);
		done += c;
	}
}

/* READ(10) n blocks from lba and compare with bytes off..off+2047 of the blocks as they
 * were written at bs bytes with seed. */
static void verify_bs(int32_t lba, uint32_t n, uint32_t bs, uint32_t off, unsigned seed)
{
	static uint8_t got[16 * 2048], full[16 * 2448];
	for (uint32_t done = 0; done < n;) {
		uint32_t c = n - done < 16 ? n - done : 16;
		int32_t at = (int32_t)((uint32_t)lba + done);
		struct mcc_result r;
		mcc_run(ctx, lun, mcc_cdb_read10((uint32_t)at, (uint16_t)c), NULL, 0, got,
			(int)(c * 2048), &r);
		if (r.status != MCC_STATUS_GOOD || r.len != (int)(c * 2048))
			mcc_die("READ(10) LBA %d x %u: status 0x%02x sense %x/%02x/%02x, %d bytes", (int)at,
				c, r.status, r.key, r.asc, r.ascq, r.len);
		fillb(full, at, c, bs, seed);
		for (uint32_t b = 0; b < c; b++)
			if (memcmp(got + b * 2048, full + b * bs + off, 2048) != 0)
				mcc_die("READ(10) LBA %d: data differs from what was written (seed %u)",
					(int)(at + (int32_t)b), seed);
		done += c;
	}
}

static void read10_sense(int32_t lba, int key, int asc, int ascq, const char *what)
{
	struct mcc_result r;
	run(mcc_cdb_read10((uint32_t)lba, 1), NULL, 0, 2048, &r);
	mcc_expect_sense(what, &r, key, asc, ascq);
}

static void read_toc(unsigned format, struct mcc_result *r)
{
	run(mcc_cdb_read_toc(false, (uint8_t)format, format == 2 ? 1 : 0, 4000), NULL, 0, 4000, r);
}

static void check_rdi(int status, int last_session_state, int sessions, int first_last,
		      int last_last, const char *when)
{
	struct mcc_result r;
	struct mcc_disc_info d;
	read_disc_info(&r, &d);
	if (d.status != status || d.last_state != last_session_state || d.sessions != sessions ||
	    d.first_in_last != first_last || d.last_in_last != last_last)
		mcc_die("%s: READ DISC INFORMATION disc status %d, last session state %d, sessions %d, "
			"tracks in last session %d..%d; expected %d, %d, %d, %d..%d", when, d.status,
			d.last_state, d.sessions, d.first_in_last, d.last_in_last, status,
			last_session_state, sessions, first_last, last_last);
}

/* READ TRACK INFORMATION of track n: start, size, track mode, data mode, and whether
 * the NWA is valid (then nwa). */
static void check_rti(unsigned n, int32_t start, uint32_t size, unsigned tmode, unsigned dmode,
		      bool nwa_v, uint32_t nwa, const char *when)
{
	struct mcc_result r;
	struct mcc_track_info t;
	read_track_info(n, &r, &t);
	char what[96];
	snprintf(what, sizeof(what), "%s: READ TRACK INFORMATION track %u", when, n);
	mcc_expect_good(what, &r);
	if (t.number != (int)n || (int32_t)t.start != start || t.size != size ||
	    t.mode != (int)tmode || t.data_mode != (int)dmode || t.nwa_v != nwa_v ||
	    (nwa_v && t.nwa != nwa))
		mcc_die("%s: track %d start %d size %u mode %d data mode %x NWA_V %d NWA %u; expected "
			"start %d size %u mode %u data mode %x NWA_V %d NWA %u", what, t.number,
			(int)t.start, t.size, t.mode, (unsigned)t.data_mode, t.nwa_v, t.nwa, (int)start,
			size, tmode, dmode, nwa_v, nwa);
}

struct tocent {
	unsigned track, ctl;
	int32_t start;
};

/* READ TOC format 0: exactly these tracks, then the lead-out (its CONTROL is the last
 * track's). */
static void check_toc0(const struct tocent *e, unsigned n, int32_t leadout, const char *when)
{
	struct mcc_result r;
	read_toc(0, &r);
	char what[96];
	snprintf(what, sizeof(what), "%s: READ TOC format 0", when);
	mcc_expect_good(what, &r);
	unsigned len = (unsigned)(r.data[0] << 8 | r.data[1]) + 2;
	if (len != 4 + 8 * (n + 1) || r.data[2] != e[0].track || r.data[3] != e[n - 1].track)
		mcc_die("%s: %u bytes, tracks %u..%u; expected %u bytes, tracks %u..%u", what, len,
		    r.data[2], r.data[3], 4 + 8 * (n + 1), e[0].track, e[n - 1].track);
	for (unsigned i = 0; i <= n; i++) {
		const uint8_t *d = r.data + 4 + 8 * i;
		unsigned track = i < n ? e[i].track : 0xaa, ctl = i < n ? e[i].ctl : e[n - 1].ctl;
		int32_t start = i < n ? e[i].start : leadout;
		if (d[1] != (0x10 | ctl) || d[2] != track || (int32_t)mcc_be32(d + 4) != start)
			mcc_die("%s: entry %u: ADR|CTL %02x track %02x start %d; expected %02x %02x %d", what,
			    i, d[1], d[2], (int)mcc_be32(d + 4), 0x10 | ctl, track, (int)start);
	}
}

/* READ TOC format 2 (raw TOC) of a one-session disc: A0 (first track, disc type), A1
 * (last track), A2 (lead-out MSF), one entry per track with its start MSF, and B0 only
 * when `b0` (appendable CD). */
static void check_toc2(const struct tocent *e, unsigned n, int32_t leadout, bool b0,
		       const char *when)
{
	struct mcc_result r;
	read_toc(2, &r);
	char what[96];
	snprintf(what, sizeof(what), "%s: READ TOC format 2", when);
	mcc_expect_good(what, &r);
	unsigned len = (unsigned)(r.data[0] << 8 | r.data[1]) + 2;
	unsigned want = 4 + 11 * (3 + n + (b0 ? 1 : 0));
	if (len != want || r.data[2] != 1 || r.data[3] != 1)
		mcc_die("%s: %u bytes, sessions %u..%u; expected %u bytes, sessions 1..1", what, len,
		    r.data[2], r.data[3], want);
	bool seen_a0 = false, seen_a1 = false, seen_a2 = false, seen_b0 = false;
	unsigned tracks = 0;
	for (unsigned pos = 4; pos + 11 <= len; pos += 11) {
		const uint8_t *d = r.data + pos;
		uint8_t m[3];
		if (d[0] != 1 || d[2] != 0)
			mcc_die("%s: entry at %u: session %u TNO %u", what, pos, d[0], d[2]);
		switch (d[3]) {
		case 0xa0:
			seen_a0 = true;
			/* A0 carries the first track's CONTROL, A1/A2 the last track's. */
			if (d[1] != (0x10 | e[0].ctl) || d[8] != e[0].track || d[9] != 0x00 || d[10] != 0)
				mcc_die("%s: A0 %02x P %02x %02x %02x, expected %02x, first track %u, disc type 00",
				    what, d[1], d[8], d[9], d[10], 0x10 | e[0].ctl, e[0].track);
			break;
		case 0xa1:
			seen_a1 = true;
			if (d[1] != (0x10 | e[n - 1].ctl) || d[8] != e[n - 1].track || d[9] || d[10])
				mcc_die("%s: A1 %02x P %02x %02x %02x, expected %02x, last track %u", what, d[1],
				    d[8], d[9], d[10], 0x10 | e[n - 1].ctl, e[n - 1].track);
			break;
		case 0xa2:
			seen_a2 = true;
			msf_of(leadout, m);
			if (d[1] != (0x10 | e[n - 1].ctl) || memcmp(d + 8, m, 3) != 0)
				mcc_die("%s: A2 %02x P-MSF %u:%u:%u, expected %02x lead-out %u:%u:%u (LBA %d)", what,
				    d[1], d[8], d[9], d[10], 0x10 | e[n - 1].ctl, m[0], m[1], m[2], (int)leadout);
			break;
		case 0xb0:
			seen_b0 = true;
			if ((d[1] >> 4) != 5)
				mcc_die("%s: B0 with ADR %u", what, d[1] >> 4);
			break;
		default:
			if (d[3] < 1 || d[3] > 99)
				mcc_die("%s: unexpected POINT %02x", what, d[3]);
			for (unsigned i = 0; i < n; i++) {
				if (e[i].track != d[3])
					continue;
				msf_of(e[i].start, m);
				if (d[1] != (0x10 | e[i].ctl) || memcmp(d + 8, m, 3) != 0)
					mcc_die("%s: track %u ADR|CTL %02x P-MSF %u:%u:%u, expected %02x %u:%u:%u",
					    what, d[3], d[1], d[8], d[9], d[10], 0x10 | e[i].ctl, m[0], m[1],
					    m[2]);
				tracks++;
			}
		}
	}
	if (!seen_a0 || !seen_a1 || !seen_a2 || tracks != n || seen_b0 != b0)
		mcc_die("%s: A0 %d A1 %d A2 %d, %u of %u tracks, B0 %d (expected %d)", what, seen_a0,
		    seen_a1, seen_a2, tracks, n, seen_b0, b0);
}

static void close_expect(uint8_t function, uint16_t number, int key, int asc, int ascq)
{
	struct mcc_result r;
	run(mcc_cdb_close_track_session(false, function, number), NULL, 0, 0, &r);
	char what[64];
	snprintf(what, sizeof(what), "CLOSE TRACK/SESSION function %u number %u", function, number);
	mcc_expect_sense(what, &r, key, asc, ascq);
}

/* (b) CD-R TAO: a Mode 1 data track, then two audio tracks, each at the NWA RTI(FFh)
 * reports; SYNCHRONIZE CACHE ends each track; CLOSE SESSION with multi-session 00b
 * finalizes. */
static void scenario_cd_tao(unsigned seed)
{
	const uint32_t n1 = 300, n2 = 200, n3 = 150;
	const int32_t s2 = (int32_t)n1 + 152, s3 = s2 + (int32_t)n2 + 152;	/* gap 2 + 150 */

	check_rdi(0, 0, 1, 1, 1, "blank CD-R");
	check_rti(1, 0, 332850, 4, 1, true, 0, "blank CD-R");
	set_page05(1, 0, 4, 8);
	uint32_t nwa = nwa_of_invisible();
	if (nwa != 0)
		mcc_die("blank CD-R: NWA %u, expected 0", nwa);
	burn_bs(MCC_OP_WRITE10, 0, n1, 2048, seed, 16, false);
	check_rdi(1, 1, 1, 1, 1, "CD-R while track 1 is written");
	sync_cache();
	check_rti(1, 0, n1, 4, 1, false, 0, "after SYNC of track 1");
	check_rti(2, s2, 332850 - (uint32_t)s2, 4, 1, true, (uint32_t)s2, "invisible track 2");

	set_page05(1, 0, 0, 0);
	nwa = nwa_of_invisible();
	if (nwa != (uint32_t)s2)
		mcc_die("audio track 2: NWA %u, expected %d (track 1 end + 2 + 150)", nwa, (int)s2);
	burn_bs(MCC_OP_WRITE10, (int32_t)nwa, n2, 2352, seed + 1, 16, false);
	sync_cache();
	nwa = nwa_of_invisible();
	if (nwa != (uint32_t)s3)
		mcc_die("audio track 3: NWA %u, expected %d", nwa, (int)s3);
	burn_bs(MCC_OP_WRITE10, (int32_t)nwa, n3, 2352, seed + 2, 16, false);
	sync_cache();
	close_ts(2, 0);

	const struct tocent toc[] = { { 1, 4, 0 }, { 2, 0, s2 }, { 3, 0, s3 } };
	const int32_t leadout = s3 + (int32_t)n3;
	check_rdi(2, 3, 1, 1, 3, "CD-R TAO closed");
	check_rti(1, 0, n1, 4, 1, false, 0, "CD-R TAO closed");
	check_rti(2, s2, n2, 0, 0xf, false, 0, "CD-R TAO closed");
	check_rti(3, s3, n3, 0, 0xf, false, 0, "CD-R TAO closed");
	check_toc0(toc, 3, leadout, "CD-R TAO closed");
	check_toc2(toc, 3, leadout, false, "CD-R TAO closed");
	verify_bs(0, n1, 2048, 0, seed);
	read10_sense(s2, 5, 0x64, 0x00, "READ(10) of the audio track 2");
	read10_sense((int32_t)n1, 5, 0x21, 0x00, "READ(10) in the TAO gap after track 1");
	extent(0, n1, 2048, seed);
	extent(s2, n2, 2352, seed + 1);
	extent(s3, n3, 2352, seed + 2);
	printf("cd-tao: data track 1 (%u x 2048) at 0, audio tracks 2 (%u x 2352) at %d and 3 "
	       "(%u x 2352) at %d, session closed, disc finalized\n", n1, n2, (int)s2, n3, (int)s3);
}

/* (c) CD-R SAO: page 05h write type 2 DBT 3, a cue sheet with one Mode 1 track written
 * raw (2352) with raw P-W (+96), 150 pregap blocks from LBA -150, SYNCHRONIZE CACHE. */
static void scenario_cd_sao(unsigned seed)
{
	const uint32_t n = 300;
	uint8_t lo[3];
	msf_of((int32_t)n, lo);
	const uint8_t cue[] = {
		0x41, 0x00, 0x00, 0x14, 0, 0, 0, 0,		/* lead-in */
		0x41, 0x01, 0x00, 0x51, 0, 0, 0, 0,		/* track 1 INDEX 0 00:00:00 */
		0x41, 0x01, 0x01, 0x51, 0, 0, 2, 0,		/* track 1 INDEX 1 00:02:00 */
		0x41, 0xaa, 0x01, 0x14, 0, lo[0], lo[1], lo[2],	/* lead-out */
	};
	struct mcc_result r;
	struct mcc_track_info t;

	check_rdi(0, 0, 1, 1, 1, "blank CD-R");
	set_page05(2, 0, 4, 3);
	read_track_info(MCC_RTI_INVISIBLE, &r, &t);	/* as cdrdao does; the answer is ignored */
	run(mcc_cdb_send_cue_sheet(sizeof(cue)), cue, sizeof(cue), 0, &r);
	mcc_expect_good("SEND CUE SHEET", &r);
	burn_bs(MCC_OP_WRITE10, -150, 150 + n, 2448, seed, 16, false);
	sync_cache();

	const struct tocent toc[] = { { 1, 4, 0 } };
	check_rdi(2, 3, 1, 1, 1, "CD-R SAO");
	check_rti(1, 0, n, 4, 1, false, 0, "CD-R SAO");
	check_toc0(toc, 1, (int32_t)n, "CD-R SAO");
	check_toc2(toc, 1, (int32_t)n, false, "CD-R SAO");
	verify_bs(0, n, 2448, 16, seed);		/* Mode 1 user data at 16 (DATA FORM 11h) */
	extent(-150, 150 + n, 2448, seed);
	printf("cd-sao: cue sheet accepted, %u blocks x 2448 from LBA -150, track 1 (%u blocks) at 0, "
	       "finalized\n", 150 + n, n);
}

/* WRITE(10) of n generator blocks of bs bytes at lba, expecting a sense (nothing
 * recorded). */
static void write10_sense(int32_t lba, uint32_t n, uint32_t bs, unsigned seed, int key, int asc,
			  int ascq, const char *what)
{
	static uint8_t buf[16 * 2448];
	struct mcc_result r;
	if (n > 16)
		mcc_die("write10_sense: too many blocks");
	fillb(buf, lba, n, bs, seed);
	run(mcc_cdb_write10((uint32_t)lba, (uint16_t)n), buf, (int)(n * bs), 0, &r);
	mcc_expect_sense(what, &r, key, asc, ascq);
}

/* (c2) CD-R RAW: page 05h write type 3 DBT 2 (2352 + 96 packed R-W: no Q, so the drive
 * sees no track boundaries), every block of the session written contiguously in 16-block
 * WRITE(10)s from the lead-in start READ DISC INFORMATION reports: lead-in, 150 pregap
 * blocks from -150, a Mode 1 data track of 300 blocks (sync and header, generator data,
 * not scrambled: READ(10) finds no valid sector there), 150 lead-out blocks.  SYNC
 * leaves the state unchanged (no Q: no lead-out seen), CLOSE SESSION lays out one track
 * over the program area written and finalizes. */
static void scenario_cd_raw(unsigned seed)
{
	const uint32_t n = 300, nlo = 150, bs = 2448;
	static uint8_t buf[16 * 2448];
	struct mcc_result r;
	struct mcc_disc_info d;
	struct mcc_track_info t;

	check_rdi(0, 0, 1, 1, 1, "blank CD-R");
	read_disc_info(&r, &d);
	/* The lead-in start of a CD is 00 M S F (MMC-6 §6.21.3). */
	const unsigned lz = d.leadin >> 24, lm = d.leadin >> 16 & 0xff, ls = d.leadin >> 8 & 0xff,
		       lf = d.leadin & 0xff;
	if (lz != 0 || lm < 90 || ls >= 60 || lf >= 75)
		mcc_die("blank CD-R: READ DISC INFORMATION lead-in start %02x %02x %02x %02x, expected 00 M S F "
		    "with M >= 90", lz, lm, ls, lf);
	const int32_t leadin = (int32_t)((lm * 60 + ls) * 75 + lf) - 450150;
	if (leadin != -11635)
		mcc_die("blank CD-R: lead-in start %u:%u:%u = LBA %d, expected 97:26:65 = -11635", lm,
		    ls, lf, (int)leadin);
	set_page05(3, 0, 4, 2);
	check_rdi(0, 0, 1, 1, 1, "CD-R after MODE SELECT RAW");

	/* The first WRITE must be at the lead-in start: anything else is 05/21/02. */
	write10_sense(leadin + 16, 16, bs, seed, 5, 0x21, 0x02, "RAW: first WRITE(10) after the lead-in start");
	write10_sense(-150, 16, bs, seed, 5, 0x21, 0x02, "RAW: first WRITE(10) at the pregap");
	write10_sense(0, 16, bs, seed, 5, 0x21, 0x02, "RAW: first WRITE(10) at LBA 0");
	check_rdi(0, 0, 1, 1, 1, "CD-R after refused RAW writes");

	/* Lead-in and pregap; a WRITE that skips a block is refused on the way. */
	burn_bs(MCC_OP_WRITE10, leadin, (uint32_t)(-leadin - 150), bs, seed, 16, false);
	write10_sense(-149, 16, bs, seed, 5, 0x21, 0x02, "RAW: WRITE(10) one block past the next");
	write10_sense(-166, 16, bs, seed, 5, 0x21, 0x02, "RAW: WRITE(10) overlapping the last one");
	burn_bs(MCC_OP_WRITE10, -150, 150, bs, seed, 16, false);
	/* The data track: Mode 1 sync and header over the generator's bytes. */
	for (uint32_t done = 0; done < n;) {
		uint32_t c = n - done < 16 ? n - done : 16;
		fillb(buf, (int32_t)done, c, bs, seed);
		for (uint32_t b = 0; b < c; b++)
			mode1_header(buf + b * bs, (int32_t)(done + b));
		run(mcc_cdb_write10(done, (uint16_t)c), buf, (int)(c * bs), 0, &r);
		char what[64];
		snprintf(what, sizeof(what), "WRITE(10) LBA %u x %u at %u bytes (Mode 1)", done, c, bs);
		mcc_expect_good(what, &r);
		done += c;
	}
	burn_bs(MCC_OP_WRITE10, (int32_t)n, nlo, bs, seed, 16, false);
	sync_cache();
	/* DBT 2 carries no Q: the drive saw no lead-out, the session is still being written. */
	check_rdi(0, 0, 1, 1, 1, "CD-R RAW after SYNCHRONIZE CACHE");
	close_ts(2, 0);

	/* One track over the program area written: 0 to the last block (the lead-out blocks
	 * are indistinguishable without Q), Mode 1 from the first block's header. */
	const int32_t end = (int32_t)(n + nlo);
	const struct tocent toc[] = { { 1, 4, 0 } };
	check_rdi(2, 3, 1, 1, 1, "CD-R RAW");
	check_rti(1, 0, (uint32_t)end, 4, 1, false, 0, "CD-R RAW");
	read_track_info(2, &r, &t);
	if (r.status == MCC_STATUS_GOOD)
		mcc_die("CD-R RAW: READ TRACK INFORMATION track 2 GOOD, expected no track 2");
	check_toc0(toc, 1, end, "CD-R RAW");
	check_toc2(toc, 1, end, false, "CD-R RAW");
	/* These frames are neither scrambled (ECMA-130 Annex B) nor EDC-protected: the
	 * drive reads them back as uncorrectable. */
	read10_sense(0, 3, 0x11, 0x05, "READ(10) of an unscrambled RAW-recorded block");
	write10_sense(end, 16, bs, seed, 5, 0x21, 0x02, "RAW: WRITE(10) after finalizing");
	extent(leadin, (uint32_t)-leadin, bs, seed);
	printf("extent %d %u %u %u mode1\n", 0, n, bs, seed);
	extent((int32_t)n, nlo, bs, seed);
	printf("cd-raw: lead-in start %d from RDI, %u blocks x %u (DBT 2) from %d to %d contiguous, "
	       "wrong first/next LBA refused 05/21/02, one track (%d blocks) at 0, finalized\n",
	       (int)leadin, (uint32_t)(end - leadin), bs, (int)leadin, (int)end - 1, (int)end);
}

/* (d) BD-R: WRITE(12) with the streaming bit in 64 KiB units, a second track without it,
 * finalize with CLOSE 110b. */
static void scenario_bdr(unsigned seed)
{
	const uint32_t n1 = 640, n2 = 96;

	check_rdi(0, 0, 1, 1, 1, "blank BD-R");
	if (nwa_of_invisible() != 0)
		mcc_die("blank BD-R: NWA not 0");
	burn_bs(MCC_OP_WRITE12, 0, n1, 2048, seed, 32, true);
	sync_cache();
	close_ts(1, 1);
	uint32_t nwa = nwa_of_invisible();
	if (nwa != n1)
		mcc_die("BD-R track 2: NWA %u, expected %u", nwa, n1);
	burn_bs(MCC_OP_WRITE12, (int32_t)nwa, n2, 2048, seed + 1, 32, false);
	sync_cache();
	close_ts(1, 2);
	close_expect(MCC_CLOSE_FINALIZE_MIN_RADIUS, 0, 5, 0x24, 0x00);	/* 101b is DVD+R only */
	close_ts(6, 0);

	const struct tocent toc[] = { { 1, 4, 0 }, { 2, 4, (int32_t)n1 } };
	check_rdi(2, 3, 1, 1, 2, "BD-R finalized");
	check_rti(1, 0, n1, 4, 1, false, 0, "BD-R finalized");
	check_rti(2, (int32_t)n1, n2, 4, 1, false, 0, "BD-R finalized");
	check_toc0(toc, 2, (int32_t)(n1 + n2), "BD-R finalized");
	verify_bs(0, n1, 2048, 0, seed);
	verify_bs((int32_t)n1, n2, 2048, 0, seed + 1);
	extent(0, n1, 2048, seed);
	extent((int32_t)n1, n2, 2048, seed + 1);
	printf("bdr: track 1 %u blocks streaming, track 2 %u blocks, finalized with 110b\n", n1, n2);
}

/* (e) DVD+RW: FORMAT UNIT 26h, scattered writes and overwrites, latest wins; CLOSE 010b
 * stops the background format. */
static void scenario_dvdplusrw(unsigned seed)
{
	struct mcc_result r;
	struct mcc_disc_info d;
	struct mcc_track_info t;
	uint8_t buf[2048];

	check_rdi(0, 0, 1, 1, 1, "unformatted DVD+RW");
	fill(buf, 0, 1, seed);
	run(mcc_cdb_write10(0, 1), buf, 2048, 0, &r);
	mcc_expect_sense("WRITE(10) on the unformatted DVD+RW", &r, 5, 0x30, 0x10);

	/* FOV and IMMED, every block, format type 26h (DVD+RW full format). */
	uint8_t fpar[MCC_FORMAT_LIST_LEN];
	mcc_format_list(fpar, 0x82, 0xffffffff, 0x26, 0);
	run(mcc_cdb_format_unit(), fpar, sizeof(fpar), 0, &r);
	mcc_expect_good("FORMAT UNIT type 26h", &r);
	read_disc_info(&r, &d);
	if (d.status != 3 || d.bg_format != 2)
		mcc_die("formatted DVD+RW: disc status %d, BG format status %d; expected 3, 2 (running)",
			d.status, d.bg_format);

	burn_bs(MCC_OP_WRITE10, 1000, 64, 2048, seed, 16, false);
	burn_bs(MCC_OP_WRITE10, 300000, 32, 2048, seed, 16, false);
	burn_bs(MCC_OP_WRITE10, 0, 16, 2048, seed, 16, false);
	burn_bs(MCC_OP_WRITE10, 1016, 16, 2048, seed + 1, 16, false);	/* overwrites */
	burn_bs(MCC_OP_WRITE10, 300008, 8, 2048, seed + 1, 16, false);
	burn_bs(MCC_OP_WRITE10, 1000, 4, 2048, seed + 2, 16, false);
	burn_bs(MCC_OP_WRITE10, 2295103, 1, 2048, seed, 16, false);	/* the last block */
	run(mcc_cdb_write10(2295104, 1), buf, 2048, 0, &r);
	mcc_expect_sense("WRITE(10) beyond the formatted size", &r, 5, 0x21, 0x00);

	static const struct { int32_t lba; uint32_t n; unsigned ds; } fin[] = {
		{ 0, 16, 0 }, { 1000, 4, 2 }, { 1004, 12, 0 }, { 1016, 16, 1 }, { 1032, 32, 0 },
		{ 300000, 8, 0 }, { 300008, 8, 1 }, { 300016, 16, 0 }, { 2295103, 1, 0 },
	};
	for (size_t i = 0; i < sizeof(fin) / sizeof(fin[0]); i++)
		verify_bs(fin[i].lba, fin[i].n, 2048, 0, seed + fin[i].ds);
	/* A block never written reads as zeros. */
	run(mcc_cdb_read10(5000, 1), NULL, 0, 2048, &r);
	mcc_expect_good("READ(10) of a never written block", &r);
	for (int i = 0; i < 2048; i++)
		if (r.data[i])
			mcc_die("READ(10) of a never written block: byte %d is %02x", i, r.data[i]);
	sync_cache();
	close_ts(2, 0);
	read_disc_info(&r, &d);
	if (d.status != 3 || d.bg_format != 3)
		mcc_die("DVD+RW after CLOSE 010b: disc status %d, BG format status %d; expected 3, 3",
			d.status, d.bg_format);
	read_track_info(1, &r, &t);
	mcc_expect_good("READ TRACK INFORMATION 1 (DVD+RW)", &r);
	if (t.start != 0 || t.size != 2295104 || t.mode != 4 || !t.lra_v || t.lra != 2295103)
		mcc_die("DVD+RW track 1: start %u size %u mode %d LRA_V %d LRA %u; expected 0, 2295104, 4, "
			"1, 2295103", t.start, t.size, t.mode, t.lra_v, t.lra);
	for (size_t i = 0; i < sizeof(fin) / sizeof(fin[0]); i++)
		extent(fin[i].lba, fin[i].n, 2048, seed + fin[i].ds);
	printf("dvdplusrw: formatted, 9 writes incl. 3 overwrites, latest wins, BG format stopped\n");
}

static void blank(uint8_t type)
{
	struct mcc_result r;
	run(mcc_cdb_blank(false, type), NULL, 0, 0, &r);
	char what[32];
	snprintf(what, sizeof(what), "BLANK type %u", type);
	mcc_expect_good(what, &r);
}

/* (f) CD-RW: a TAO data track, session closed (appendable), BLANK full, blank again,
 * burned again with other data, read back. */
static void scenario_cdrw(unsigned seed)
{
	const uint32_t n1 = 300, n2 = 400;
	struct mcc_result r;
	struct mcc_disc_info d;

	read_disc_info(&r, &d);
	if (!d.erasable)
		mcc_die("CD-RW: READ DISC INFORMATION Erasable not set");
	check_rdi(0, 0, 1, 1, 1, "blank CD-RW");
	set_page05(1, 3, 4, 8);				/* multi-session 11b: stays appendable */
	burn_bs(MCC_OP_WRITE10, (int32_t)nwa_of_invisible(), n1, 2048, seed, 16, false);
	sync_cache();
	close_ts(2, 0);
	const struct tocent toc1[] = { { 1, 4, 0 } };
	check_rdi(1, 0, 2, 2, 2, "CD-RW after the first session");
	check_toc0(toc1, 1, (int32_t)n1, "CD-RW after the first session");
	check_toc2(toc1, 1, (int32_t)n1, true, "CD-RW after the first session");
	verify_bs(0, n1, 2048, 0, seed);

	blank(0);
	check_rdi(0, 0, 1, 1, 1, "CD-RW after BLANK");
	check_rti(1, 0, 332850, 4, 1, true, 0, "CD-RW after BLANK");
	read_toc(0, &r);
	mcc_expect_sense("READ TOC format 0 after BLANK", &r, 5, 0x24, 0x00);
	read10_sense(0, 5, 0x21, 0x00, "READ(10) of LBA 0 after BLANK");

	set_page05(1, 0, 4, 8);
	if (nwa_of_invisible() != 0)
		mcc_die("CD-RW after BLANK: NWA not 0");
	burn_bs(MCC_OP_WRITE10, 0, n2, 2048, seed + 1, 16, false);
	sync_cache();
	close_ts(2, 0);
	check_rdi(2, 3, 1, 1, 1, "CD-RW burned again");
	check_rti(1, 0, n2, 4, 1, false, 0, "CD-RW burned again");
	check_toc0(toc1, 1, (int32_t)n2, "CD-RW burned again");
	check_toc2(toc1, 1, (int32_t)n2, false, "CD-RW burned again");
	verify_bs(0, n2, 2048, 0, seed + 1);
	extent(0, n2, 2048, seed + 1);
	printf("cdrw: %u blocks, session closed, blanked, %u other blocks burned and read back\n",
	       n1, n2);
}

static void hexline(const char *name, const uint8_t *p, int n)
{
	printf("%s", name);
	for (int i = 0; i < n; i++)
		printf(" %02x", p[i]);
	printf("\n");
}

static void scenario_state(bool full)
{
	struct mcc_result r;
	struct mcc_disc_info d;
	struct mcc_track_info ti;
	read_disc_info(&r, &d);
	hexline("RDI", r.data, 34);
	for (int t = 1; t <= d.last_in_last; t++) {
		char name[16];
		read_track_info((unsigned)t, &r, &ti);
		mcc_expect_good("READ TRACK INFORMATION", &r);
		snprintf(name, sizeof(name), "RTI%d", t);
		hexline(name, r.data, r.len < 36 ? r.len : 36);
	}
	run(mcc_cdb_read_toc(false, 0, 1, 804), NULL, 0, 804, &r);
	if (r.status == MCC_STATUS_GOOD)
		hexline("TOC", r.data, r.len);
	else
		printf("TOC sense %x/%02x/%02x\n", r.key, r.asc, r.ascq);
	if (!full)
		return;
	/* Also the invisible track, TOC formats 1 and 2, READ CAPACITY. */
	read_track_info(MCC_RTI_INVISIBLE, &r, &ti);
	if (r.status == MCC_STATUS_GOOD)
		hexline("RTIFF", r.data, r.len < 36 ? r.len : 36);
	else
		printf("RTIFF sense %x/%02x/%02x\n", r.key, r.asc, r.ascq);
	for (unsigned f = 1; f <= 2; f++) {
		char name[8];
		snprintf(name, sizeof(name), "TOC%u", f);
		read_toc(f, &r);
		if (r.status == MCC_STATUS_GOOD)
			hexline(name, r.data, r.len);
		else
			printf("%s sense %x/%02x/%02x\n", name, r.key, r.asc, r.ascq);
	}
	run(mcc_cdb_read_capacity(), NULL, 0, 8, &r);
	mcc_expect_good("READ CAPACITY", &r);
	hexline("CAP", r.data, r.len);
}

/* burnclient expected SEED BLOCK-SIZE LBA COUNT: the bytes a scenario writes to those
 * blocks, on stdout (no connection). */
static int expected(int argc, char **argv)
{
	if (argc != 6 && !(argc == 7 && strcmp(argv[6], "mode1") == 0))
		mcc_die("usage: burnclient expected SEED BLOCK-SIZE LBA COUNT [mode1]");
	unsigned seed = (unsigned)strtoul(argv[2], NULL, 0);
	uint32_t bs = (uint32_t)strtoul(argv[3], NULL, 0);
	int32_t lba = (int32_t)strtol(argv[4], NULL, 0);
	uint32_t n = (uint32_t)strtoul(argv[5], NULL, 0);
	if (bs == 0 || bs % 4 || bs > 65536 || (argc == 7 && bs < 16))
		mcc_die("expected: block size %u is not a multiple of 4 up to 65536", bs);
	uint8_t *buf = malloc(bs);
	if (!buf)
		mcc_die("out of memory");
	for (uint32_t i = 0; i < n; i++) {
		fillb(buf, (int32_t)((uint32_t)lba + i), 1, bs, seed);
		if (argc == 7)
			mode1_header(buf, (int32_t)((uint32_t)lba + i));
		if (fwrite(buf, 1, bs, stdout) != bs)
			mcc_die("expected: write to stdout failed");
	}
	free(buf);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	mcc_init("burnclient");
	if (argc >= 2 && strcmp(argv[1], "expected") == 0)
		return expected(argc, argv);
	if (argc < 3) {
		fprintf(stderr, "usage: burnclient URL dvdplusr|tgt-sequence|cd-tao|cd-sao|cd-raw|bdr|dvdplusrw|"
			"cdrw SEED | state | state-full | refusals\n"
			"       burnclient expected SEED BLOCK-SIZE LBA COUNT\n");
		return 2;
	}
	ctx = mcc_open(argv[1], NULL, &lun);
	mcc_ready(ctx, lun);

	unsigned seed = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 1;
	if (strcmp(argv[2], "dvdplusr") == 0)
		scenario_dvdplusr(seed);
	else if (strcmp(argv[2], "tgt-sequence") == 0)
		scenario_tgt(seed);
	else if (strcmp(argv[2], "cd-tao") == 0)
		scenario_cd_tao(seed);
	else if (strcmp(argv[2], "cd-sao") == 0)
		scenario_cd_sao(seed);
	else if (strcmp(argv[2], "cd-raw") == 0)
		scenario_cd_raw(seed);
	else if (strcmp(argv[2], "bdr") == 0)
		scenario_bdr(seed);
	else if (strcmp(argv[2], "dvdplusrw") == 0)
		scenario_dvdplusrw(seed);
	else if (strcmp(argv[2], "cdrw") == 0)
		scenario_cdrw(seed);
	else if (strcmp(argv[2], "state") == 0)
		scenario_state(false);
	else if (strcmp(argv[2], "state-full") == 0)
		scenario_state(true);
	else if (strcmp(argv[2], "refusals") == 0)
		scenario_refusals();
	else
		mcc_die("unknown scenario %s", argv[2]);
	iscsi_logout_sync(ctx);
	iscsi_destroy_context(ctx);
	return 0;
}
