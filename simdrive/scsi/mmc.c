/* simdrive/scsi/mmc.c - the MMC-6 commands: reading (READ(10)/(12), READ CD, READ
 * CAPACITY), discovery (READ TOC/PMA/ATIP, READ DISC/TRACK INFORMATION, GET
 * CONFIGURATION, GET EVENT STATUS NOTIFICATION, READ DISC STRUCTURE, ...), writing and
 * erasing, answered from the one disc model (recorder.h) and its state (struct dl_state,
 * conventions in recorder.h) - whether the disc is recordable, a read-only view of an
 * image or a read-only disc over an ISO file.
 *
 * This file parses CDBs and builds responses; every MMC rule about what may be written
 * where, page 05h and the transfer length of a WRITE included, lives in recorder.c.
 * The read-only drive (an ISO LUN, doc/simdrive-scsi.md) reads the same disc model; the
 * recorder-only opcodes carry SIM_OP_RECORDER and are unsupported there.  Handlers call
 * cmd.c, lun.c and the drive model, never spc.c or device.c (device-private.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdsector.h"
#include "device-private.h"
#include "log.h"
#include "recorder.h"
#include "wire.h"

#define MMC_BLOCK 2048u
#define MMC_BD_CLUSTER 32u	/* blocks per BD cluster */

static bool mmc_sense_ok(struct sim_sense s)
{
	return s.key == SIM_KEY_NO_SENSE && s.asc == 0 && s.ascq == 0;
}

/* Conditions of the drive's mechanics (doc/simdrive-time.md). */
#define MMC_SENSE_LONG_WRITE_IN_PROGRESS SIM_SENSE(0x2, 0x04, 0x08)
#define MMC_SENSE_LOSS_OF_STREAMING      SIM_SENSE(0x3, 0x0c, 0x09)

static uint64_t mmc_dt_now(struct sim_ctx *c)
{
	return sim_lun_dt_now(c->dev, c->lun);
}

static bool mmc_speed_exact(const struct sim_lun *lun, uint32_t want_kbps)
{
	const struct sim_speed_table *t = sim_lun_speed_table(lun);
	unsigned n = sim_lun_nspeeds(t);
	for (unsigned i = 0; i < n; i++)
		if (sim_lun_kbps(lun, t->x10[i]) == want_kbps)
			return true;
	return false;
}

static uint32_t mmc_read_speed(const struct sim_lun *lun)
{
	return sim_lun_kbps(lun, sim_lun_speed_select(lun, lun->read_kbps));
}

/* Commands that need the mechanism wait while a long operation runs: NOT READY with
 * the progress, and the host polls (doc/simdrive-time.md). */
static bool mmc_refuse_busy(struct sim_ctx *c, uint8_t *status)
{
	struct sim_sense s;
	uint16_t progress;
	if (!sim_lun_busy(c->dev, c->lun, &s, &progress))
		return false;
	*status = sim_fail_progress(c, s, progress);
	return true;
}

/* The command's work ends at virtual time end.  Scale 0: the clock moves there and the
 * status goes at once.  Scale > 0: unless IMMED, the status waits for it in wall time
 * (the transport holds the task: scsi.h complete_after_us). */
static void mmc_complete_at(struct sim_ctx *c, uint64_t end, bool immed)
{
	struct sim_dt_clock *clk = &c->dev->clock;
	if (clk->scale <= 0.0) {
		sim_dt_clock_advance(clk, end);
		return;
	}
	if (!immed && end > sim_dt_now(clk))
		c->cmd->complete_after_us = sim_dt_clock_wall_of(clk, end);
}

/* A long operation from now to end: the drive is busy meanwhile (TEST UNIT READY and
 * REQUEST SENSE report it with progress, doc/simdrive-time.md). */
static uint8_t mmc_long_op(struct sim_ctx *c, enum sim_dt_op op, uint64_t now, uint64_t end,
			   bool immed)
{
	sim_dt_op_start(&c->lun->dt, op, now, end);
	mmc_complete_at(c, end, immed);
	SIM_DEBUG(SIM_LOGS_SCSI, "lun %u: %s takes %.3f s of drive time%s", c->lun->lun,
		  c->op ? c->op->name : "long operation", (double)(end - now) / 1e6,
		  immed ? " (IMMED)" : "");
	return SIM_STATUS_GOOD;
}

/* ---- addresses ----------------------------------------------------------------- */

/* LBA to binary MSF (ECMA-130 §14.2): LBA 0 is 00:02:00; negative LBAs (lead-in) wrap
 * into minutes 90-99. */
static void mmc_msf(int32_t lba, uint8_t msf[3])
{
	int64_t f = lba >= 0 ? (int64_t)lba + 150 : (int64_t)lba + 450150;
	if (f < 0)
		f = 0;
	int64_t m = f / (75 * 60);
	msf[0] = (uint8_t)(m > 255 ? 255 : m);
	msf[1] = (uint8_t)(f / 75 % 60);
	msf[2] = (uint8_t)(f % 75);
}

/* A 4-byte address field: LBA, or 00 M S F. */
static void mmc_put_addr(uint8_t *p, int32_t lba, bool msf)
{
	if (!msf) {
		wire_put_be32(p, (uint32_t)lba);
		return;
	}
	p[0] = 0;
	mmc_msf(lba, p + 1);
}

static bool mmc_is_cd(const struct rec_disc *d)
{
	return rec_medium(d)->family == REC_CD;
}

/* ---- READ CAPACITY, READ(10)/(12) (MMC-6; SBC-3 for the shared fields) ---------- */

/* The last readable LBA and 2048 (a blank disc: 0, doc/simdrive-recorder.md).  PMI=0
 * with an LBA is invalid (SBC-3). */
uint8_t sim_mmc_read_capacity(struct sim_ctx *c)
{
	if (!(c->cdb[8] & 0x01) && wire_be32(c->cdb + 2) != 0)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, -1);
	int32_t last = rec_last_readable(c->lun->disc);
	uint8_t b[8];
	wire_put_be32(b, last < 0 ? 0 : (uint32_t)last);
	wire_put_be32(b + 4, MMC_BLOCK);
	return sim_reply_copy(c, b, sizeof(b), sizeof(b));
}

/* SPDTL is blocks x 2048, but the drive reads only the blocks that the min(SPDTL, EDTL)
 * bytes the transport will send need, into a buffer of that size (doc/simdrive-scsi.md,
 * "Transfer lengths"): a READ(12) of 262144 blocks with an EDTL of 2048 reads one block.
 * The range is checked first and whole (SBC-3 §4.5: an LBA past the last one, or a range
 * running past it), so the answer does not depend on the EDTL. */
static uint8_t mmc_read(struct sim_ctx *c, uint32_t lba, uint32_t blocks, uint16_t len_byte)
{
	int64_t end = (int64_t)rec_last_readable(c->lun->disc) + 1;
	if ((int64_t)lba >= end || (int64_t)lba + blocks > end)
		return sim_fail(c, SIM_SENSE_LBA_OUT_OF_RANGE);
	uint64_t bytes = (uint64_t)blocks * MMC_BLOCK;
	if (bytes > UINT32_MAX)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, len_byte, -1);
	uint32_t want = sim_data_in_want(c, bytes);
	if (want > SIM_DATA_IN_CAP)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, len_byte, -1);
	c->cmd->spdtl = (uint32_t)bytes;
	if (want == 0)
		return SIM_STATUS_GOOD;
	/* The blocks that hold the first `want` bytes, read into the reply itself unless
	 * the EDTL cuts a block. */
	uint32_t n = (want + MMC_BLOCK - 1) / MMC_BLOCK;
	uint8_t *b = sim_reply_bulk(c, (uint32_t)bytes, want);
	uint8_t *blk = want % MMC_BLOCK ? malloc((size_t)n * MMC_BLOCK) : b;
	if (!b || !blk) {
		if (blk != b)
			free(blk);
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	}
	struct sim_sense s = rec_read(c->lun->disc, (int32_t)lba, n, blk);
	if (blk != b) {
		memcpy(b, blk, want);
		free(blk);
	}
	if (!mmc_sense_ok(s)) {
		if (s.key == SIM_SENSE_UNRECOVERED_READ.key && s.asc == SIM_SENSE_UNRECOVERED_READ.asc) {
			c->has_info = true;	/* INFORMATION: the first LBA of the range */
			c->info = lba;
		}
		return sim_fail(c, s);
	}
	return SIM_STATUS_GOOD;
}

uint8_t sim_mmc_read10(struct sim_ctx *c)
{
	return mmc_read(c, wire_be32(c->cdb + 2), wire_be16(c->cdb + 7), 7);
}

uint8_t sim_mmc_read12(struct sim_ctx *c)
{
	return mmc_read(c, wire_be32(c->cdb + 2), wire_be32(c->cdb + 6), 6);
}

/* ---- READ DISC INFORMATION (51h, MMC-6) ----------------------------------------- */

enum { RDI_LEN = 34 };

#define RDI_URU 0x20	/* unrestricted use: no host application code */

uint8_t sim_mmc_read_disc_info(struct sim_ctx *c)
{
	uint16_t alloc = wire_be16(c->cdb + 7);
	const struct rec_disc *d = c->lun->disc;
	const struct dl_state *st = rec_state(d);
	uint8_t b[RDI_LEN];

	if (c->cdb[1] & 0x07)		/* only the standard disc information type */
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 2);
	memset(b, 0, sizeof(b));
	wire_put_be16(b, RDI_LEN - 2);
	b[2] = (uint8_t)((st->flags & 0x01 ? 0x10 : 0) | (st->last_session_state & 0x03) << 2 |
			 (st->disc_status & 0x03));
	b[3] = (uint8_t)(st->ntracks ? st->tracks[0].number : 1);
	const struct dl_session *last = st->nsessions ? &st->sessions[st->nsessions - 1] : NULL;
	uint16_t first_in_last = last ? last->first_track : 1;
	uint16_t last_in_last = last ? last->last_track : 1;
	b[4] = (uint8_t)st->nsessions;
	b[9] = (uint8_t)(st->nsessions >> 8);
	b[5] = (uint8_t)first_in_last;
	b[10] = (uint8_t)(first_in_last >> 8);
	b[6] = (uint8_t)last_in_last;
	b[11] = (uint8_t)(last_in_last >> 8);
	b[7] = (uint8_t)(RDI_URU | ((st->flags >> 2) & 0x03));	/* BG format status */
	b[8] = st->disc_type;
	if (st->disc_status == 2) {		/* finalized: no next session */
		wire_put_be32(b + 16, 0xffffffffu);
		wire_put_be32(b + 20, 0xffffffffu);
	} else if (mmc_is_cd(d)) {		/* CD: 00 M S F */
		if (st->leadin_lba == -1)
			wire_put_be32(b + 16, 0xffffffffu);
		else
			mmc_put_addr(b + 16, st->leadin_lba, true);
		mmc_put_addr(b + 20, st->last_leadout_lba >= 0 ? st->last_leadout_lba
							       : (int32_t)st->capacity, true);
	} else {				/* DVD/BD: LBA of the last possible lead-out */
		wire_put_be32(b + 20, rec_user_capacity(d));
	}
	return sim_reply_copy(c, b, sizeof(b), alloc);
}

/* ---- READ TRACK INFORMATION (52h, MMC-6) ---------------------------------------- */

enum { RTI_LEN = 48 };

enum {
	TRK_EMPTY = 0, TRK_INCOMPLETE = 1, TRK_RESERVED = 2, TRK_CLOSED = 3,	/* dl_track.state */
};
enum {
	TRKF_BLANK = 0x01, TRKF_PACKET = 0x02, TRKF_FP = 0x04, TRKF_NWA_V = 0x08,	/* .flags */
};

static const struct dl_track *mmc_track_by_number(const struct dl_state *st, uint32_t n)
{
	for (uint16_t i = 0; i < st->ntracks; i++)
		if (st->tracks[i].number == n)
			return &st->tracks[i];
	return NULL;
}

/* The track READ TRACK INFORMATION addresses, or NULL (MMC-6: 00b LBA, 01b track
 * number with FFh = the invisible / incomplete track, 10b session). */
static const struct dl_track *mmc_rti_track(const struct dl_state *st, uint8_t type,
					    uint32_t addr)
{
	switch (type) {
	case 0x00:
		for (uint16_t i = 0; i < st->ntracks; i++) {
			const struct dl_track *t = &st->tracks[i];
			int64_t a = (int32_t)addr;
			if (a >= t->start_lba && a < (int64_t)t->start_lba + t->size)
				return t;
		}
		return NULL;
	case 0x01:
		if (addr == 0xff) {
			const struct dl_track *t = st->ntracks ? &st->tracks[st->ntracks - 1] : NULL;
			if (t && (t->flags & TRKF_NWA_V) && t->state <= TRK_INCOMPLETE)
				return t;
			return NULL;
		}
		return mmc_track_by_number(st, addr);
	case 0x02:
		for (uint16_t i = 0; i < st->nsessions; i++)
			if (st->sessions[i].number == addr)
				return mmc_track_by_number(st, st->sessions[i].first_track);
		return NULL;
	default:
		return NULL;
	}
}

uint8_t sim_mmc_read_track_info(struct sim_ctx *c)
{
	uint8_t type = c->cdb[1] & 0x03;
	uint32_t addr = wire_be32(c->cdb + 2);
	uint16_t alloc = wire_be16(c->cdb + 7);
	const struct dl_state *st = rec_state(c->lun->disc);

	if (c->cdb[1] & 0x04)		/* Open: not supported [PROJECT DECISION] */
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 2);
	if (type == 0x03)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 1);
	const struct dl_track *t = mmc_rti_track(st, type, addr);
	if (!t)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, -1);

	uint8_t b[RTI_LEN];
	bool nwa_v = (t->flags & TRKF_NWA_V) && t->nwa >= 0;
	bool lra_v = t->last_recorded >= 0 && t->state != TRK_EMPTY;
	memset(b, 0, sizeof(b));
	wire_put_be16(b, RTI_LEN - 2);
	b[2] = (uint8_t)t->number;
	b[3] = (uint8_t)t->session;
	b[5] = t->mode & 0x0f;
	b[6] = (uint8_t)((t->state == TRK_RESERVED ? 0x80 : 0) |
			 (t->flags & TRKF_BLANK ? 0x40 : 0) |
			 (t->flags & TRKF_PACKET ? 0x20 : 0) |
			 (t->flags & TRKF_FP ? 0x10 : 0) |
			 (t->data_mode == DL_NA ? 0x0f : (t->data_mode & 0x0f)));
	b[7] = (uint8_t)((lra_v ? 0x02 : 0) | (nwa_v ? 0x01 : 0));
	wire_put_be32(b + 8, (uint32_t)t->start_lba);
	wire_put_be32(b + 12, nwa_v ? (uint32_t)t->nwa : 0);
	wire_put_be32(b + 16, t->free_blocks);
	wire_put_be32(b + 20, t->packet_size);
	wire_put_be32(b + 24, t->size);
	wire_put_be32(b + 28, lra_v ? (uint32_t)t->last_recorded : 0);
	b[32] = (uint8_t)(t->number >> 8);
	b[33] = (uint8_t)(t->session >> 8);
	return sim_reply_copy(c, b, sizeof(b), alloc);
}

/* ---- READ TOC/PMA/ATIP (43h, MMC-6) --------------------------------------------- */

#define TOC_ADR_Q        0x10	/* ADR 1: Q sub-channel position */
#define TOC_ADR_MODE5    0x50	/* ADR 5: B0 pointer */
#define TOC_LEADOUT      0xaa
/* ATIP lead-in start of the simulated CD-R/RW: 97:26:65 (doc/simdrive-recorder.md, the blank disc's
 * leadin_lba of recorder.h).  [PROJECT DECISION: one value for every disc] */
#define ATIP_LEADIN_LBA  (-11635)

/* Tracks the TOC lists: closed ones; the open session's invisible or partly
 * written track is not in the TOC yet [PROJECT DECISION]. */
static bool mmc_toc_listed(const struct dl_track *t)
{
	return t->state == TRK_CLOSED;
}

static const struct dl_session *mmc_session(const struct dl_state *st, uint16_t number)
{
	for (uint16_t i = 0; i < st->nsessions; i++)
		if (st->sessions[i].number == number)
			return &st->sessions[i];
	return NULL;
}

/* Lead-out after track t: its session's, or the end of the track while the session
 * is open. */
static int32_t mmc_leadout_after(const struct dl_state *st, const struct dl_track *t)
{
	const struct dl_session *s = mmc_session(st, t->session);
	if (s && s->leadout_lba >= 0 && s->last_track == t->number)
		return s->leadout_lba;
	return (int32_t)((int64_t)t->start_lba + t->size);
}

static uint8_t mmc_toc_formatted(struct sim_ctx *c, const struct dl_state *st, bool msf,
				 uint8_t from, uint16_t alloc)
{
	const struct dl_track *first = NULL, *last = NULL;
	for (uint16_t i = 0; i < st->ntracks; i++) {
		if (!mmc_toc_listed(&st->tracks[i]))
			continue;
		if (!first)
			first = &st->tracks[i];
		last = &st->tracks[i];
	}
	if (!first)			/* nothing recorded and closed: no TOC */
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, 3);
	if (from != TOC_LEADOUT && from > last->number)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 6, -1);

	size_t cap = 4 + 8 * ((size_t)st->ntracks + 1), pos = 4;
	uint8_t *b = calloc(1, cap);
	if (!b)
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	b[2] = (uint8_t)first->number;
	b[3] = (uint8_t)last->number;
	for (uint16_t i = 0; from != TOC_LEADOUT && i < st->ntracks; i++) {
		const struct dl_track *t = &st->tracks[i];
		if (!mmc_toc_listed(t) || t->number < from)
			continue;
		b[pos + 1] = (uint8_t)(TOC_ADR_Q | (t->mode & 0x0f));
		b[pos + 2] = (uint8_t)t->number;
		mmc_put_addr(b + pos + 4, t->start_lba, msf);
		pos += 8;
	}
	b[pos + 1] = (uint8_t)(TOC_ADR_Q | (last->mode & 0x0f));
	b[pos + 2] = TOC_LEADOUT;
	mmc_put_addr(b + pos + 4, mmc_leadout_after(st, last), msf);
	pos += 8;
	wire_put_be16(b, (uint16_t)(pos - 2));
	uint8_t rc = sim_reply_copy(c, b, pos, alloc);
	free(b);
	return rc;
}

/* Last complete session, or NULL. */
static const struct dl_session *mmc_last_complete(const struct dl_state *st)
{
	const struct dl_session *s = NULL;
	for (uint16_t i = 0; i < st->nsessions; i++)
		if (st->sessions[i].state == 3)
			s = &st->sessions[i];
	return s;
}

static uint8_t mmc_toc_session_info(struct sim_ctx *c, const struct dl_state *st, bool msf,
				    uint16_t alloc)
{
	const struct dl_session *s = mmc_last_complete(st);
	const struct dl_track *t = s ? mmc_track_by_number(st, s->first_track) : NULL;
	if (!t)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, 3);
	uint8_t b[12];
	memset(b, 0, sizeof(b));
	wire_put_be16(b, sizeof(b) - 2);
	b[2] = (uint8_t)st->sessions[0].number;
	b[3] = (uint8_t)s->number;
	b[5] = (uint8_t)(TOC_ADR_Q | (t->mode & 0x0f));
	b[6] = (uint8_t)t->number;
	mmc_put_addr(b + 8, t->start_lba, msf);
	return sim_reply_copy(c, b, sizeof(b), alloc);
}

/* One 11-byte raw TOC entry (READ TOC format 0010b, MMC-6). */
static size_t mmc_raw_entry(uint8_t *p, uint16_t session, uint8_t adr_ctl, uint8_t point,
			    const uint8_t msf[3], uint8_t zero, const uint8_t pmsf[3])
{
	static const uint8_t none[3];
	p[0] = (uint8_t)session;
	p[1] = adr_ctl;
	p[2] = 0;
	p[3] = point;
	memcpy(p + 4, msf ? msf : none, 3);
	p[7] = zero;
	memcpy(p + 8, pmsf, 3);
	return 11;
}

static uint8_t mmc_toc_raw(struct sim_ctx *c, const struct rec_disc *d,
			   const struct dl_state *st, uint16_t alloc)
{
	const struct dl_session *lastc = mmc_last_complete(st);
	if (!lastc)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, 3);
	size_t cap = 4 + 11 * ((size_t)st->ntracks + 4 * (size_t)st->nsessions), pos = 4;
	uint8_t *b = calloc(1, cap);
	if (!b)
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	b[2] = (uint8_t)st->sessions[0].number;
	b[3] = (uint8_t)lastc->number;
	for (uint16_t i = 0; i < st->nsessions; i++) {
		const struct dl_session *s = &st->sessions[i];
		const struct dl_track *ft = mmc_track_by_number(st, s->first_track);
		const struct dl_track *lt = mmc_track_by_number(st, s->last_track);
		uint8_t pm[3];
		if (s->state != 3 || !ft || !lt)
			continue;
		/* A0h carries the first track's CONTROL, A1h and A2h (last track, lead-out)
		 * the last track's, as in format 0's lead-out entry (MMC-6 table 489). */
		uint8_t first_ctl = ft->mode & 0x0f, last_ctl = lt->mode & 0x0f;
		pm[0] = (uint8_t)ft->number; pm[1] = st->disc_type; pm[2] = 0;
		pos += mmc_raw_entry(b + pos, s->number, TOC_ADR_Q | first_ctl, 0xa0, NULL, 0, pm);
		pm[0] = (uint8_t)lt->number; pm[1] = 0;
		pos += mmc_raw_entry(b + pos, s->number, TOC_ADR_Q | last_ctl, 0xa1, NULL, 0, pm);
		mmc_msf(mmc_leadout_after(st, lt), pm);
		pos += mmc_raw_entry(b + pos, s->number, TOC_ADR_Q | last_ctl, 0xa2, NULL, 0, pm);
		for (uint16_t n = s->first_track; n <= s->last_track; n++) {
			const struct dl_track *t = mmc_track_by_number(st, n);
			if (!t)
				continue;
			mmc_msf(t->start_lba, pm);
			pos += mmc_raw_entry(b + pos, s->number, (uint8_t)(TOC_ADR_Q | (t->mode & 0x0f)),
					     (uint8_t)n, NULL, 0, pm);
		}
		/* B0: next possible program area and last possible lead-out, while the CD
		 * stays appendable. */
		if (s == lastc && mmc_is_cd(d) && st->disc_status == 1 && st->nwa >= 0) {
			uint8_t m[3];
			mmc_msf(st->nwa, m);
			mmc_msf(st->last_leadout_lba >= 0 ? st->last_leadout_lba
							  : (int32_t)st->capacity, pm);
			pos += mmc_raw_entry(b + pos, s->number, TOC_ADR_MODE5 | last_ctl, 0xb0, m, 1, pm);
		}
	}
	wire_put_be16(b, (uint16_t)(pos - 2));
	uint8_t rc = sim_reply_copy(c, b, pos, alloc);
	free(b);
	return rc;
}

/* ATIP (READ TOC format 0100b, MMC-6): CD-R/RW only. */
static uint8_t mmc_toc_atip(struct sim_ctx *c, const struct rec_disc *d,
			    const struct dl_state *st, uint16_t alloc)
{
	const struct rec_media *m = rec_medium(d);
	if (m->family != REC_CD)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, 3);
	uint8_t b[28];
	memset(b, 0, sizeof(b));
	wire_put_be16(b, sizeof(b) - 2);
	b[4] = 0x80 | 0x50 | 0x01;		/* b7 1, writing power 5, reference speed 1 */
	b[6] = (uint8_t)(0x80 | (m->erasable ? 0x40 : 0));	/* disc type: CD-RW */
	mmc_msf(ATIP_LEADIN_LBA, b + 8);
	mmc_msf(st->last_leadout_lba >= 0 ? st->last_leadout_lba : (int32_t)st->capacity,
		b + 12);
	return sim_reply_copy(c, b, sizeof(b), alloc);
}

uint8_t sim_mmc_read_toc(struct sim_ctx *c)
{
	bool msf = c->cdb[1] & 0x02;
	uint8_t format = c->cdb[2] & 0x0f;
	uint16_t alloc = wire_be16(c->cdb + 7);
	const struct rec_disc *d = c->lun->disc;
	const struct dl_state *st = rec_state(d);

	if (format == 0 && (c->cdb[9] >> 6))	/* SFF-8020 format in the control byte */
		format = c->cdb[9] >> 6;
	/* The read-only drive answers the formatted TOC and the session information only,
	 * as it always has (doc/simdrive-scsi.md); the raw TOC and the ATIP come with the
	 * recorder. */
	if (!c->lun->recorder && format > 0x01)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, 3);
	switch (format) {
	case 0x00: return mmc_toc_formatted(c, st, msf, c->cdb[6] ? c->cdb[6] : 1, alloc);
	case 0x01: return mmc_toc_session_info(c, st, msf, alloc);
	case 0x02: return mmc_toc_raw(c, d, st, alloc);
	case 0x04: return mmc_toc_atip(c, d, st, alloc);
	default:   return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, 3);
	}
}

/* ---- GET CONFIGURATION (46h, MMC-6; features of MMC-6 §5) ------------------------ */

/* What the features describe: the recorder's disc when the tray holds it closed. */
struct mmc_view {
	const struct sim_lun   *lun;
	const struct rec_disc  *disc;	/* NULL: no current medium */
	const struct rec_media *media;
	uint16_t                profile;
};

/* The one profile table: every profile a drive can present, highest first (MMC-6
 * table 87).  A drive lists those its personality takes (mmc_profile_supported): all of
 * them for the default recorder, DVD-ROM and CD-ROM for the read-only drive (lun.c). */
static const uint16_t mmc_drive_profiles[] = {
	REC_PROFILE_BD_RE, REC_PROFILE_BD_R, REC_PROFILE_BD_ROM,
	REC_PROFILE_DVD_PLUS_R_DL, REC_PROFILE_DVD_PLUS_R, REC_PROFILE_DVD_PLUS_RW,
	REC_PROFILE_DVD_RW_SEQ, REC_PROFILE_DVD_RW_RO, REC_PROFILE_DVD_R, REC_PROFILE_DVD_ROM,
	REC_PROFILE_CD_RW, REC_PROFILE_CD_R, REC_PROFILE_CD_ROM,
};

/* When a feature is current. */
enum mmc_cur {
	MMC_CUR_ALWAYS,		/* profile-independent */
	MMC_CUR_LOADED,		/* any medium */
	MMC_CUR_WRITABLE,	/* a writable medium */
	MMC_CUR_PROFILES,	/* the current profile is one of .profiles */
	MMC_CUR_BDR_POW,	/* a BD-R formatted for Pseudo-Overwrite (REC_DF_POW) */
};

#define MMC_PROFILES(...) ((const uint16_t[]){ __VA_ARGS__, 0 })

/* The recordable CDs, and every disc a read feature reads: CD Read is current with a
 * CD-ROM as with a CD-R/RW, DVD Read with a DVD-ROM, BD Read with a BD-ROM (MMC-6: a
 * feature is current when the medium in the drive allows its use). */
#define MMC_CD_PROFILES  MMC_PROFILES(REC_PROFILE_CD_R, REC_PROFILE_CD_RW)
#define MMC_CD_READ_PROFILES MMC_PROFILES(REC_PROFILE_CD_ROM, REC_PROFILE_CD_R, REC_PROFILE_CD_RW)
#define MMC_DVD_PROFILES MMC_PROFILES(REC_PROFILE_DVD_ROM, REC_PROFILE_DVD_R,               \
				      REC_PROFILE_DVD_RW_RO, REC_PROFILE_DVD_RW_SEQ,        \
				      REC_PROFILE_DVD_PLUS_RW, REC_PROFILE_DVD_PLUS_R,      \
				      REC_PROFILE_DVD_PLUS_R_DL)
#define MMC_BD_PROFILES  MMC_PROFILES(REC_PROFILE_BD_R, REC_PROFILE_BD_RE)
#define MMC_BD_READ_PROFILES MMC_PROFILES(REC_PROFILE_BD_ROM, REC_PROFILE_BD_R, REC_PROFILE_BD_RE)

struct mmc_feature {
	uint16_t        code;
	uint8_t         version;
	bool            persistent;
	enum mmc_cur    cur;
	const uint16_t *profiles;	/* MMC_CUR_PROFILES: 0-terminated */
	size_t        (*body)(const struct mmc_view *v, uint8_t *p);	/* after the header */
};

/* Does the drive (its personality) take a medium with this profile?  DVD-RW
 * restricted overwrite is the dvd-rw medium once formatted. */
static bool mmc_profile_supported(const struct sim_lun *lun, uint16_t profile)
{
	if (profile == REC_PROFILE_DVD_RW_RO)
		profile = REC_PROFILE_DVD_RW_SEQ;
	for (size_t i = 0; i < rec_media_count; i++)
		if (rec_media_table[i].profile == profile &&
		    sim_personality_has_medium(&lun->pers, rec_media_table[i].name))
			return true;
	return false;
}

static size_t mmc_feat_profiles(const struct mmc_view *v, uint8_t *p)
{
	size_t n = sizeof(mmc_drive_profiles) / sizeof(mmc_drive_profiles[0]), k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!mmc_profile_supported(v->lun, mmc_drive_profiles[i]))
			continue;
		wire_put_be16(p + 4 * k, mmc_drive_profiles[i]);
		p[4 * k + 2] = mmc_drive_profiles[i] == v->profile ? 0x01 : 0x00;	/* CurrentP */
		p[4 * k + 3] = 0;
		k++;
	}
	return 4 * k;
}

static size_t mmc_feat_core(const struct mmc_view *v, uint8_t *p)
{
	wire_put_be32(p, 1);		/* physical interface: SCSI family */
	p[4] = 0x03;			/* INQ2, DBE */
	return 8;
}

static size_t mmc_feat_morphing(const struct mmc_view *v, uint8_t *p)
{
	p[0] = 0x02;			/* OCEvent, no ASYNC */
	return 4;
}

static size_t mmc_feat_removable(const struct mmc_view *v, uint8_t *p)
{
	p[0] = 0x20 | 0x10 | 0x08 | 0x04 | 0x01;	/* tray, load, eject, jumper, lock */
	return 4;
}

static uint16_t mmc_blocking(const struct mmc_view *v)
{
	if (!v->media)
		return 16;
	switch (v->media->family) {
	case REC_CD:  return 1;
	case REC_BD:  return MMC_BD_CLUSTER;
	default:      return 16;
	}
}

static size_t mmc_feat_random_readable(const struct mmc_view *v, uint8_t *p)
{
	wire_put_be32(p, MMC_BLOCK);
	wire_put_be16(p + 4, mmc_blocking(v));
	return 8;
}

static size_t mmc_feat_zero4(const struct mmc_view *v, uint8_t *p)
{
	return 4;
}

static size_t mmc_feat_zero8(const struct mmc_view *v, uint8_t *p)
{
	return 8;
}

static size_t mmc_feat_empty(const struct mmc_view *v, uint8_t *p)
{
	return 0;
}

/* Random Writable 0020h: last LBA, block size, blocking. */
static size_t mmc_feat_random_writable(const struct mmc_view *v, uint8_t *p)
{
	uint32_t cap = v->disc ? rec_state(v->disc)->capacity : 0;
	wire_put_be32(p, cap ? cap - 1 : 0);
	wire_put_be32(p + 4, MMC_BLOCK);
	wire_put_be16(p + 8, mmc_blocking(v));
	return 12;
}

/* Data block types with a size (page 05h, MMC-6 §7.5) as the bitmap of 0021h / 002Dh. */
static uint16_t mmc_dbt_bitmap(void)
{
	uint16_t m = 0;
	for (uint8_t dbt = 0; dbt < 16; dbt++)
		if (rec_dbt_block_size(dbt))
			m = (uint16_t)(m | 1u << dbt);
	return m;
}

/* Incremental Streaming Writable 0021h: the current medium's block types and link
 * size (CD 7, DVD 16, BD none). */
static size_t mmc_feat_incremental(const struct mmc_view *v, uint8_t *p)
{
	bool cd = !v->media || v->media->family == REC_CD;
	wire_put_be16(p, cd ? mmc_dbt_bitmap() : (uint16_t)(1u << 8));
	p[2] = 0x04 | 0x02 | 0x01;	/* TRIO, ARSV, BUF */
	p[3] = 1;			/* one link size */
	p[4] = cd ? 7 : (v->media->family == REC_BD ? 0 : 16);
	return 8;			/* 5 bytes padded to 4n */
}

static size_t mmc_feat_write_bit(const struct mmc_view *v, uint8_t *p)
{
	p[0] = 0x01;			/* DVD+RW / DVD+R: Write */
	return 4;
}

static size_t mmc_feat_cd_tao(const struct mmc_view *v, uint8_t *p)
{
	p[0] = 0x40 | 0x04 | 0x02;	/* BUF, Test Write, CD-RW */
	wire_put_be16(p + 2, mmc_dbt_bitmap());
	return 4;
}

static size_t mmc_feat_cd_mastering(const struct mmc_view *v, uint8_t *p)
{
	const struct rec_media *cd = v->media && v->media->family == REC_CD ? v->media
									  : rec_media_lookup("cd-r");
	uint8_t wt = cd ? (uint8_t)(cd->write_types & v->lun->pers.write_types) : 0;
	p[0] = (uint8_t)(0x40 | (wt & 1u << 2 ? 0x20 : 0) | (wt & 1u << 3 ? 0x08 : 0) |
			 0x04 | 0x02);	/* BUF, SAO, Raw, Test Write, CD-RW */
	wire_put_be24(p + 1, 0x010000);	/* maximum cue sheet length */
	return 4;
}

static size_t mmc_feat_dvd_r_write(const struct mmc_view *v, uint8_t *p)
{
	p[0] = 0x40 | 0x04 | 0x02;	/* BUF, Test Write, DVD-RW SL */
	return 4;
}

/* BD Read 0040h / BD Write 0041h (version 1): 4 reserved bytes, then one 16-bit
 * bitmap per class 0-3 for BD-RE, BD-R (and BD-ROM for reading); bit n = version n of
 * the medium, so 0002h = class 0 version 1.  Checked against cdemu
 * (cdemu-daemon/src/mmc-features.h) and Aaru (SCSI/MMC/Features.cs Decode_0040/41). */
static size_t mmc_feat_bd_read(const struct mmc_view *v, uint8_t *p)
{
	wire_put_be16(p + 4, 0x0002);	/* class 0 BD-RE */
	wire_put_be16(p + 12, 0x0002);	/* class 0 BD-R */
	wire_put_be16(p + 20, 0x0002);	/* class 0 BD-ROM */
	return 28;
}

static size_t mmc_feat_bd_write(const struct mmc_view *v, uint8_t *p)
{
	wire_put_be16(p + 4, 0x0002);	/* class 0 BD-RE */
	wire_put_be16(p + 12, 0x0002);	/* class 0 BD-R */
	return 24;
}

/* Real Time Streaming 0107h (version 3), byte 4: SW b0, WSPD b1, MP2A b2, SCS b3,
 * RBCB b4 (cdemu mmc-features.h, Aaru Features.cs Decode_0107). */
#define RTS_SW   0x01		/* WRITE(12) streaming bit */
#define RTS_WSPD 0x02		/* GET PERFORMANCE type 03h, SET STREAMING write speed */
#define RTS_MP2A 0x04		/* page 2Ah write speed descriptors */
#define RTS_SCS  0x08		/* SET CD SPEED */
#define RTS_RBCB 0x10		/* READ BUFFER CAPACITY Block=1 */

static size_t mmc_feat_streaming(const struct mmc_view *v, uint8_t *p)
{
	p[0] = RTS_SW | RTS_WSPD | RTS_MP2A | RTS_SCS | RTS_RBCB;
	return 4;
}

/* Ascending code order (MMC-6: GET CONFIGURATION returns features by code). */
static const struct mmc_feature mmc_features[] = {
	{ 0x0000, 0, true,  MMC_CUR_ALWAYS,   NULL, mmc_feat_profiles },	/* Profile List */
	{ 0x0001, 2, true,  MMC_CUR_ALWAYS,   NULL, mmc_feat_core },		/* Core */
	{ 0x0002, 1, true,  MMC_CUR_ALWAYS,   NULL, mmc_feat_morphing },	/* Morphing */
	{ 0x0003, 2, true,  MMC_CUR_ALWAYS,   NULL, mmc_feat_removable },	/* Removable Medium */
	{ 0x0010, 0, false, MMC_CUR_LOADED,   NULL, mmc_feat_random_readable },	/* Random Readable */
	{ 0x001d, 0, false, MMC_CUR_PROFILES, MMC_CD_PROFILES, mmc_feat_empty },	/* Multi-Read */
	{ 0x001e, 2, false, MMC_CUR_PROFILES, MMC_CD_READ_PROFILES, mmc_feat_zero4 },	/* CD Read */
	{ 0x001f, 1, false, MMC_CUR_PROFILES, MMC_DVD_PROFILES, mmc_feat_zero4 },	/* DVD Read */
	{ 0x0020, 0, false, MMC_CUR_PROFILES, MMC_PROFILES(REC_PROFILE_BD_RE),
	  mmc_feat_random_writable },						/* Random Writable */
	{ 0x0021, 1, false, MMC_CUR_PROFILES,
	  MMC_PROFILES(REC_PROFILE_CD_R, REC_PROFILE_CD_RW, REC_PROFILE_DVD_R,
		       REC_PROFILE_DVD_RW_SEQ, REC_PROFILE_BD_R),
	  mmc_feat_incremental },						/* Incremental Streaming */
	{ 0x0023, 0, false, MMC_CUR_PROFILES,
	  MMC_PROFILES(REC_PROFILE_DVD_RW_RO, REC_PROFILE_DVD_RW_SEQ, REC_PROFILE_DVD_PLUS_RW,
		       REC_PROFILE_BD_R, REC_PROFILE_BD_RE),
	  mmc_feat_zero8 },							/* Formattable */
	{ 0x0026, 0, false, MMC_CUR_PROFILES, MMC_PROFILES(REC_PROFILE_DVD_RW_RO),
	  mmc_feat_zero4 },							/* Restricted Overwrite */
	{ 0x002a, 1, false, MMC_CUR_PROFILES, MMC_PROFILES(REC_PROFILE_DVD_PLUS_RW),
	  mmc_feat_write_bit },							/* DVD+RW */
	{ 0x002b, 0, false, MMC_CUR_PROFILES,
	  MMC_PROFILES(REC_PROFILE_DVD_PLUS_R, REC_PROFILE_DVD_PLUS_R_DL),
	  mmc_feat_write_bit },							/* DVD+R */
	{ 0x002d, 2, false, MMC_CUR_PROFILES, MMC_CD_PROFILES, mmc_feat_cd_tao },	/* CD TAO */
	{ 0x002e, 1, false, MMC_CUR_PROFILES, MMC_CD_PROFILES, mmc_feat_cd_mastering },	/* SAO/raw */
	{ 0x002f, 1, false, MMC_CUR_PROFILES,
	  MMC_PROFILES(REC_PROFILE_DVD_R, REC_PROFILE_DVD_RW_SEQ), mmc_feat_dvd_r_write },	/* DVD-R/-RW */
	{ 0x0038, 0, false, MMC_CUR_BDR_POW,  NULL, mmc_feat_zero4 },	/* BD-R Pseudo-Overwrite */
	{ 0x0040, 1, false, MMC_CUR_PROFILES, MMC_BD_READ_PROFILES, mmc_feat_bd_read },	/* BD Read */
	{ 0x0041, 1, false, MMC_CUR_PROFILES, MMC_BD_PROFILES, mmc_feat_bd_write },	/* BD Write */
	{ 0x0100, 0, true,  MMC_CUR_ALWAYS,   NULL, mmc_feat_empty },		/* Power Management */
	{ 0x0107, 3, false, MMC_CUR_WRITABLE, NULL, mmc_feat_streaming },	/* Real Time Streaming */
};

#define MMC_NFEATURES (sizeof(mmc_features) / sizeof(mmc_features[0]))

/* Does the drive write any medium (the read-only drive does not)? */
static bool mmc_drive_writes(const struct sim_lun *lun)
{
	for (size_t i = 0; i < rec_media_count; i++)
		if (rec_media_table[i].writable &&
		    sim_personality_has_medium(&lun->pers, rec_media_table[i].name))
			return true;
	return false;
}

/* Is the feature part of this drive at all (personality.h)?  Media features need a
 * profile the drive takes (Multi-Read a recordable CD's), the read features a family
 * it reads; CD TAO needs the TAO write type, CD Mastering SAO or RAW; Real Time
 * Streaming a drive that writes. */
static bool mmc_feature_present(const struct mmc_feature *f, const struct mmc_view *v)
{
	const struct sim_personality *pers = &v->lun->pers;
	switch (f->code) {
	case 0x001e: return sim_personality_takes_family(pers, REC_CD);
	case 0x001f: return sim_personality_takes_family(pers, REC_DVD);
	case 0x0040: return sim_personality_takes_family(pers, REC_BD);
	case 0x0038: return mmc_profile_supported(v->lun, REC_PROFILE_BD_R);
	case 0x0107: return mmc_drive_writes(v->lun);
	case 0x002d:
		if (!(pers->write_types & SIM_WT_TAO))
			return false;
		break;
	case 0x002e:
		if (!(pers->write_types & (SIM_WT_SAO | SIM_WT_RAW)))
			return false;
		break;
	default:
		break;
	}
	if (f->cur != MMC_CUR_PROFILES)
		return true;
	for (const uint16_t *p = f->profiles; *p; p++)
		if (mmc_profile_supported(v->lun, *p))
			return true;
	return false;
}

static bool mmc_feature_current(const struct mmc_feature *f, const struct mmc_view *v)
{
	switch (f->cur) {
	case MMC_CUR_ALWAYS:   return true;
	case MMC_CUR_LOADED:   return v->disc != NULL;
	case MMC_CUR_WRITABLE: return v->disc && v->media->writable;
	case MMC_CUR_BDR_POW:
		return v->disc && v->profile == REC_PROFILE_BD_R &&
		       (rec_state(v->disc)->flags & REC_DF_POW);
	case MMC_CUR_PROFILES:
		for (const uint16_t *p = f->profiles; v->disc && *p; p++)
			if (*p == v->profile)
				return true;
		return false;
	}
	return false;
}

/* RT 00b: every feature from start on; 01b: only current ones; 10b: just start. */
static bool mmc_feature_selected(uint8_t rt, uint16_t start, uint16_t code, bool current)
{
	if (rt == 0x02 ? code != start : code < start)
		return false;
	return rt != 0x01 || current;
}

/* The 4-byte feature header before a body of body_len bytes; returns 4 + body_len. */
static size_t mmc_feature_header(uint8_t *p, uint16_t code, uint8_t version, bool persistent,
				 bool current, size_t body_len)
{
	wire_put_be16(p, code);
	p[2] = (uint8_t)(version << 2 | (persistent ? 0x02 : 0) | (current ? 0x01 : 0));
	p[3] = (uint8_t)body_len;
	return 4 + body_len;
}

uint8_t sim_mmc_get_configuration(struct sim_ctx *c)
{
	uint8_t rt = c->cdb[1] & 0x03;
	uint16_t start = wire_be16(c->cdb + 2);
	uint16_t alloc = wire_be16(c->cdb + 7);
	struct mmc_view v = { .lun = c->lun };
	uint8_t data[8 + MMC_NFEATURES * 32 + sizeof(mmc_drive_profiles) * 2];
	size_t pos = 8;

	if (rt == 0x03)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 1);
	if (sim_lun_ready(c->lun)) {
		v.disc = c->lun->disc;
		v.media = rec_medium(v.disc);
		v.profile = rec_state(v.disc)->profile;
	}
	memset(data, 0, sizeof(data));
	for (size_t i = 0; i < MMC_NFEATURES; i++) {
		const struct mmc_feature *f = &mmc_features[i];
		if (!mmc_feature_present(f, &v))
			continue;
		bool cur = mmc_feature_current(f, &v);

		if (!mmc_feature_selected(rt, start, f->code, cur))
			continue;
		uint8_t *p = data + pos;
		pos += mmc_feature_header(p, f->code, f->version, f->persistent, cur, f->body(&v, p + 4));
	}
	wire_put_be32(data, (uint32_t)(pos - 4));
	wire_put_be16(data + 6, v.profile);
	return sim_reply_copy(c, data, pos, alloc);
}

/* ---- WRITE(10)/(12) ---------------------------------------------------------------- */

static uint8_t mmc_write(struct sim_ctx *c, uint32_t lba, uint32_t n, uint16_t len_byte,
			 bool streaming)
{
	struct rec_disc *d = c->lun->disc;
	const struct sim_cmd *cmd = c->cmd;
	uint64_t expected;
	uint8_t status;

	if (mmc_refuse_busy(c, &status))	/* after IMMED SYNC/CLOSE: 02/04/08 */
		return status;
	struct rec_write_req w = {
		.lba = (int32_t)lba, .nblocks = n, .data = cmd->data_out, .len = cmd->data_out_len,
		.edtl = cmd->edtl, .opcode = c->cdb[0], .streaming = streaming,
		.fua = c->cdb[1] & 0x08, .no_record = c->fault_no_record,
	};
	/* The transfer length rule is the drive model's (recorder.c); a wrong length points
	 * at the CDB's transfer length field. */
	struct sim_sense s = rec_write_length(d, &w, &expected);
	if (s.key == SIM_SENSE_INVALID_FIELD_IN_CDB.key && s.asc == SIM_SENSE_INVALID_FIELD_IN_CDB.asc)
		return sim_fail_cdb(c, s, len_byte, -1);
	if (!mmc_sense_ok(s))
		return sim_fail(c, s);
	c->cmd->spdtl = (uint32_t)expected;
	if (n == 0)
		return SIM_STATUS_GOOD;

	/* The drive's time (drivetime.h, doc/simdrive-time.md): a WRITE waits for room in
	 * the buffer; after an underrun without BUFE the burn is lost. */
	struct sim_lun *lun = c->lun;
	uint64_t now = mmc_dt_now(c);
	if (lun->dt.lost_streaming)
		return sim_fail(c, MMC_SENSE_LOSS_OF_STREAMING);
	uint64_t need = expected < lun->dt.buffer_bytes ? expected : lun->dt.buffer_bytes;
	if ((lun->pers.quirks & SIM_QUIRK_BUSY_WHEN_FULL) && sim_dt_free_bytes(&lun->dt) < need) {
		/* The host retries; at scale 0 its wait is the drain time. */
		sim_dt_start(&lun->dt, now);
		sim_dt_clock_advance(&c->dev->clock, now + sim_dt_room_wait(&lun->dt, need));
		return sim_fail(c, MMC_SENSE_LONG_WRITE_IN_PROGRESS);
	}
	struct sim_dt_drive next = lun->dt;
	uint64_t done = sim_dt_write(&next, now, (int32_t)lba, n, (uint32_t)(expected / n));

	w.vtime_us = done;		/* the DATA record: when the data is in the buffer */
	s = rec_write(d, &w);
	if (!mmc_sense_ok(s))
		return sim_fail(c, s);
	lun->dt = next;
	mmc_complete_at(c, done, false);
	return SIM_STATUS_GOOD;
}

uint8_t sim_mmc_write10(struct sim_ctx *c)
{
	return mmc_write(c, wire_be32(c->cdb + 2), wire_be16(c->cdb + 7), 7, false);
}

uint8_t sim_mmc_write12(struct sim_ctx *c)
{
	return mmc_write(c, wire_be32(c->cdb + 2), wire_be32(c->cdb + 6), 6, c->cdb[10] & 0x80);
}

/* ---- the disc image without waiting (doc/simdrive-recorder.md §10) ------------- */

bool sim_mmc_image_ready(struct sim_ctx *c)
{
	struct rec_disc *d = c->lun->disc;
	switch (c->cdb[0]) {
	case 0x2a:
	case 0xaa:			/* WRITE(10)/(12): room for its blocks */
		return rec_can_record(d, c->cmd->data_out_len);
	case 0x35:
	case 0x5b:			/* the end of a RAW session reads its Q back */
		return rec_settled(d, REC_SETTLE_CLOSE);
	default:			/* READ(10)/(12), READ CD, READ SUB-CHANNEL */
		return rec_settled(d, REC_SETTLE_READ);
	}
}

uint8_t sim_mmc_durable(struct sim_ctx *c, uint64_t ticket)
{
	if (!c->dev->wake)
		return SIM_STATUS_GOOD;		/* blocking use: it is on disk already */
	switch (rec_durable(c->lun->disc, ticket)) {
	case 1:
		return SIM_STATUS_GOOD;
	case 0:
		return sim_pending(c, SIM_WAIT_DURABLE, ticket);
	default: {			/* image I/O failure (doc/simdrive-recorder.md §9) */
		struct sim_sense f = rec_image_failure(c->lun->disc);
		return sim_fail(c, f.key ? f : SIM_SENSE_INTERNAL_TARGET_FAILURE);
	}
	}
}

/* ---- SYNCHRONIZE CACHE, CLOSE, RESERVE, BLANK (MMC-6; doc/simdrive-recorder.md) --- */

static uint8_t mmc_result(struct sim_ctx *c, struct sim_sense s)
{
	return mmc_sense_ok(s) ? SIM_STATUS_GOOD : sim_fail(c, s);
}

/* These commands answer once the image holds their result and every WRITE before them
 * (the recorder's rec_make_durable): without waiting on the loop, the status waits
 * (doc/simdrive-recorder.md §5, §10). */
static uint8_t mmc_when_durable(struct sim_ctx *c, uint8_t status)
{
	if (status != SIM_STATUS_GOOD)
		return status;
	return sim_mmc_durable(c, rec_durable_ticket(c->lun->disc));
}

/* The long operations flush the buffer first, then take their own time
 * (drivetime.h durations); the disc model changes at once, the drive stays busy until
 * the end.  Nothing changes - no time either - when the recorder refuses. */
static uint64_t mmc_flush(struct sim_ctx *c, uint64_t now, struct sim_dt_drive *next)
{
	*next = c->lun->dt;
	return now + sim_dt_flush(next, now);
}

/* SYNCHRONIZE CACHE: drain the buffer (fill / speed); IMMED = byte 1 b1. */
uint8_t sim_mmc_sync_cache(struct sim_ctx *c)
{
	struct sim_lun *lun = c->lun;
	struct sim_dt_drive next;
	uint8_t status;

	if (mmc_refuse_busy(c, &status))
		return status;
	uint64_t now = mmc_dt_now(c);
	uint64_t end = mmc_flush(c, now, &next);
	rec_set_time(lun->disc, end);	/* the STATE record: when the data is on the disc */
	struct sim_sense s = rec_sync(lun->disc);
	if (rec_again(s))		/* DAO padding, as the image takes it */
		return sim_pending(c, SIM_WAIT_AGAIN, 0);
	if (!mmc_sense_ok(s))
		return sim_fail(c, s);
	lun->dt = next;
	return mmc_when_durable(c, mmc_long_op(c, SIM_DT_OP_SYNC, now, end, c->cdb[1] & 0x02));
}

/* CLOSE TRACK/SESSION: the flush, then the lead-in/lead-out/border blocks of the
 * function at the current speed; IMMED = byte 1 b0. */
uint8_t sim_mmc_close_track_session(struct sim_ctx *c)
{
	struct sim_lun *lun = c->lun;
	struct sim_dt_drive next;
	uint8_t fn = c->cdb[2] & 0x07, status;

	if (mmc_refuse_busy(c, &status))
		return status;
	const struct dl_state *st = rec_state(lun->disc);
	uint32_t extra = sim_dt_close_blocks(rec_medium(lun->disc)->family, st->profile, fn,
					     st->nsessions <= 1);
	uint64_t now = mmc_dt_now(c);
	uint64_t end = mmc_flush(c, now, &next);
	end += sim_dt_record_us(&next.speed, next.end_lba, extra);
	rec_set_time(lun->disc, end);
	struct sim_sense s = rec_close(lun->disc, fn, wire_be16(c->cdb + 4));
	if (rec_again(s))		/* padding of a reservation, as the image takes it */
		return sim_pending(c, SIM_WAIT_AGAIN, 0);
	if (!mmc_sense_ok(s))
		return sim_fail(c, s);
	lun->dt = next;
	return mmc_when_durable(c, mmc_long_op(c, SIM_DT_OP_CLOSE, now, end, c->cdb[1] & 0x01));
}

/* ARSV=1: LBA in bytes 2-5; ARSV=0: size in bytes 5-8. */
uint8_t sim_mmc_reserve_track(struct sim_ctx *c)
{
	uint8_t status;
	if (mmc_refuse_busy(c, &status))
		return status;
	bool arsv = c->cdb[1] & 0x01;
	uint32_t v = arsv ? wire_be32(c->cdb + 2) : wire_be32(c->cdb + 5);
	rec_set_time(c->lun->disc, sim_dt_now(&c->dev->clock));
	return mmc_when_durable(c, mmc_result(c, rec_reserve(c->lun->disc, arsv, v)));
}

/* BLANK: the blocks of the blanking type at the selected speed; IMMED = byte 1 b4. */
uint8_t sim_mmc_blank(struct sim_ctx *c)
{
	struct sim_lun *lun = c->lun;
	struct sim_dt_drive next;
	uint8_t type = c->cdb[1] & 0x07, status;

	if (mmc_refuse_busy(c, &status))
		return status;
	uint32_t blocks = sim_dt_blank_blocks(rec_medium(lun->disc)->family, type,
					      rec_state(lun->disc)->capacity);
	uint64_t now = mmc_dt_now(c);
	uint64_t end = mmc_flush(c, now, &next) + sim_dt_record_us(&next.speed, 0, blocks);
	rec_set_time(lun->disc, end);
	struct sim_sense s = rec_blank(lun->disc, type, wire_be32(c->cdb + 2));
	if (!mmc_sense_ok(s))
		return sim_fail(c, s);
	lun->dt = next;
	return mmc_when_durable(c, mmc_long_op(c, SIM_DT_OP_BLANK, now, end, c->cdb[1] & 0x10));
}

/* ---- FORMAT UNIT (04h, MMC-6) ----------------------------------------------------- */

enum { FMT_HDR = 4, FMT_DESC = 8 };

uint8_t sim_mmc_format_unit(struct sim_ctx *c)
{
	const struct sim_cmd *cmd = c->cmd;

	if (!(c->cdb[1] & 0x10))	/* FmtData=0: no defaults [PROJECT DECISION] */
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 4);
	if ((c->cdb[1] & 0x07) != 0x01)	/* format code 001b */
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 2);
	if (!cmd->data_out || cmd->data_out_len < FMT_HDR)
		return sim_fail(c, SIM_SENSE_PARAM_LIST_LENGTH);
	const uint8_t *p = cmd->data_out;
	if (wire_be16(p + 2) != FMT_DESC)	/* one descriptor */
		return sim_fail_param(c, SIM_SENSE_INVALID_FIELD_IN_PARAM, 2, -1);
	if (cmd->data_out_len < FMT_HDR + FMT_DESC)
		return sim_fail(c, SIM_SENSE_PARAM_LIST_LENGTH);
	c->cmd->spdtl = FMT_HDR + FMT_DESC;
	const uint8_t *desc = p + FMT_HDR;
	/* The drive's time: a fixed time for quick formats, the whole medium at the
	 * selected speed for full ones; IMMED = list header byte 1 b1 (with FOV). */
	struct sim_lun *lun = c->lun;
	struct sim_dt_drive next;
	uint8_t status;
	if (mmc_refuse_busy(c, &status))
		return status;
	const struct dl_state *st = rec_state(lun->disc);
	uint32_t blocks;
	uint64_t us = sim_dt_format_us(st->profile, desc[4] >> 2, desc[4] & 0x03, st->capacity,
				       &blocks);
	uint64_t now = mmc_dt_now(c);
	uint64_t end = mmc_flush(c, now, &next);
	end += blocks ? sim_dt_record_us(&next.speed, 0, blocks) : us;
	rec_set_time(lun->disc, end);
	struct sim_sense s = rec_format(lun->disc, desc[4] >> 2, desc[4] & 0x03, wire_be32(desc),
					wire_be24(desc + 5));
	if (!mmc_sense_ok(s))
		return sim_fail(c, s);
	lun->dt = next;
	return mmc_when_durable(c, mmc_long_op(c, SIM_DT_OP_FORMAT, now, end, p[1] & 0x02));
}

/* ---- SEND CUE SHEET (5Dh, MMC-6) -------------------------------------------------- */

uint8_t sim_mmc_send_cue_sheet(struct sim_ctx *c)
{
	uint32_t len = wire_be24(c->cdb + 6);
	const struct sim_cmd *cmd = c->cmd;
	uint8_t status;

	if (mmc_refuse_busy(c, &status))
		return status;

	if (len && (!cmd->data_out || cmd->data_out_len < len))
		return sim_fail(c, SIM_SENSE_PARAM_LIST_LENGTH);
	c->cmd->spdtl = len;
	rec_set_time(c->lun->disc, sim_dt_now(&c->dev->clock));
	return mmc_result(c, rec_cue_sheet(c->lun->disc, cmd->data_out, len));
}

/* ---- READ FORMAT CAPACITIES (23h, MMC-6) ----------------------------------------- */

enum { FCAP_UNFORMATTED = 1, FCAP_FORMATTED = 2 };

/* Format types offered per profile (taken by FORMAT UNIT, doc/simdrive-recorder.md). */
static const struct {
	uint16_t profile;
	uint8_t  types[4];	/* format type << 2 | sub-type; 0xff ends */
} mmc_format_types[] = {
	{ REC_PROFILE_DVD_PLUS_RW, { 0x26 << 2, 0xff } },
	{ REC_PROFILE_BD_RE,       { 0x00 << 2, 0x30 << 2 | 1, 0x31 << 2, 0xff } },
	{ REC_PROFILE_DVD_RW_SEQ,  { 0x10 << 2, 0x15 << 2, 0xff } },
	{ REC_PROFILE_DVD_RW_RO,   { 0x10 << 2, 0x13 << 2, 0xff } },
};

/* A blank BD-R (MMC-6 §6.24.3.3, §6.5.4.2): 00h with the default spare areas, then 32h
 * with the default, the largest and the smallest; the type dependent parameter is the
 * spare size in clusters.  libburn wants 00h first, growisofs takes the 32h with the
 * largest capacity and refuses a list shorter than two descriptors. */
static const struct {
	uint8_t type;
	enum rec_spare spare;
} mmc_bdr_formats[] = {
	{ 0x00, REC_SPARE_DEFAULT }, { 0x32, REC_SPARE_DEFAULT },
	{ 0x32, REC_SPARE_MAX },     { 0x32, REC_SPARE_MIN },
};

/* One 8-byte capacity descriptor (MMC-6 §6.24.3.2-3): blocks, type byte, 24-bit parameter. */
static size_t mmc_put_fcap(uint8_t *p, uint32_t blocks, uint8_t type, uint32_t param)
{
	wire_put_be32(p, blocks);
	p[4] = type;
	wire_put_be24(p + 5, param);
	return 8;
}

uint8_t sim_mmc_read_format_capacities(struct sim_ctx *c)
{
	uint16_t alloc = wire_be16(c->cdb + 7);
	const struct rec_disc *d = c->lun->disc;
	const struct dl_state *st = rec_state(d);
	uint8_t b[4 + 8 * 5];
	size_t pos = 4;

	memset(b, 0, sizeof(b));
	/* Current/maximum capacity descriptor. */
	bool formatted = st->disc_status != 0 || (st->flags & REC_DF_SPARES);
	pos += mmc_put_fcap(b + pos, rec_user_capacity(d),
			    formatted ? FCAP_FORMATTED : FCAP_UNFORMATTED, MMC_BLOCK);
	for (size_t i = 0; i < sizeof(mmc_format_types) / sizeof(mmc_format_types[0]); i++) {
		if (mmc_format_types[i].profile != st->profile)
			continue;
		for (size_t k = 0; k < 4 && mmc_format_types[i].types[k] != 0xff; k++) {
			uint8_t t = mmc_format_types[i].types[k];
			pos += mmc_put_fcap(b + pos, st->capacity, t, (t >> 2) == 0x10 ? 16 : 0);
		}
	}
	for (size_t i = 0; st->profile == REC_PROFILE_BD_R && st->disc_status == 0 &&
			   i < sizeof(mmc_bdr_formats) / sizeof(mmc_bdr_formats[0]); i++) {
		uint32_t spare = rec_bdr_spare(d, mmc_bdr_formats[i].spare);
		pos += mmc_put_fcap(b + pos, st->capacity - spare, (uint8_t)(mmc_bdr_formats[i].type << 2),
				    spare / MMC_BD_CLUSTER);
	}
	b[3] = (uint8_t)(pos - 4);	/* capacity list length */
	return sim_reply_copy(c, b, pos, alloc);
}

/* ---- Speeds: GET PERFORMANCE, SET CD SPEED, SET STREAMING (MMC-6) ---------------- */

/* The tables are the personality's (personality.h), one per medium family; the
 * fastest entry is also the read speed reported.  The selection paces the drive
 * (drivetime.h, doc/simdrive-time.md). */

enum { PERF_HDR = 8, PERF_DESC = 16 };

/* GET PERFORMANCE: type 00h nominal performance (one descriptor over the whole
 * medium: the speed at its first and last LBA, which differ on a CAV drive), type 03h
 * write speed descriptors (the table).  The header's length counts every descriptor
 * available; at most "maximum number of descriptors" are sent. */
uint8_t sim_mmc_get_performance(struct sim_ctx *c)
{
	uint8_t type = c->cdb[10];
	uint16_t maxd = wire_be16(c->cdb + 8);
	struct sim_lun *lun = c->lun;
	const struct sim_speed_table *t = sim_lun_speed_table(lun);
	uint32_t cap = rec_state(lun->disc)->capacity;
	unsigned n = sim_lun_nspeeds(t);
	uint8_t b[PERF_HDR + PERF_DESC * SIM_PERS_MAX_SPEEDS];
	size_t avail;

	memset(b, 0, sizeof(b));
	switch (type) {
	case 0x00: {
		uint8_t except = c->cdb[1] & 0x03;
		bool write = c->cdb[1] & 0x04;
		if (except == 0x03)
			return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 1);
		b[4] = write ? 0x02 : 0x00;
		avail = except == 0x01 ? 0 : 1;	/* no exceptions: nothing for 01b */
		if (avail) {
			uint32_t last = cap ? cap - 1 : 0;
			uint32_t start = mmc_read_speed(lun), end = start;
			if (write) {
				sim_lun_dt_config(lun);
				start = sim_lun_kbps(lun, sim_dt_speed_x10_at(&lun->dt.speed, 0));
				end = sim_lun_kbps(lun, sim_dt_speed_x10_at(&lun->dt.speed, last));
			}
			uint8_t *p = b + PERF_HDR;
			wire_put_be32(p, 0);
			wire_put_be32(p + 4, start);
			wire_put_be32(p + 8, last);	/* last LBA covered */
			wire_put_be32(p + 12, end);
		}
		break;
	}
	case 0x03:
		avail = n;
		for (unsigned i = 0; i < n; i++) {
			uint8_t *p = b + PERF_HDR + PERF_DESC * i;
			/* WRC (b4-3): 00b CLV, 01b CAV; RDD, Exact, MRW 0 */
			p[0] = t->rotation == SIM_ROT_CAV ? 0x08 : 0x00;
			wire_put_be32(p + 4, cap);	/* end LBA: the capacity (doc/simdrive-time.md) */
			wire_put_be32(p + 8, sim_lun_kbps(lun, t->x10[0]));
			wire_put_be32(p + 12, sim_lun_kbps(lun, t->x10[i]));
		}
		break;
	default:
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 10, -1);
	}
	wire_put_be32(b, (uint32_t)(PERF_HDR - 4 + PERF_DESC * avail));
	size_t sent = avail < maxd ? avail : maxd;
	size_t len = PERF_HDR + PERF_DESC * sent;
	return sim_reply_copy(c, b, len, (uint32_t)len);
}

/* A speed selection takes effect now: the buffer drains at the old speed up to here.
 * A drive with SIM_QUIRK_IGNORE_SPEED answers GOOD and changes nothing. */
static bool mmc_speed_change(struct sim_ctx *c)
{
	if (c->lun->pers.quirks & SIM_QUIRK_IGNORE_SPEED) {
		SIM_DEBUG(SIM_LOGS_SCSI, "lun %u: speed request ignored (drive %s)", c->lun->lun,
			  c->lun->pers.name);
		return false;
	}
	mmc_dt_now(c);
	return true;
}

/* SET CD SPEED: rotation control 00b CLV / 01b CAV (the drive keeps its own, the
 * personality's); read and write kB/s, FFFFh = maximum.  The selection is recorded as
 * asked and rounded down to the table when used. */
uint8_t sim_mmc_set_cd_speed(struct sim_ctx *c)
{
	if ((c->cdb[1] & 0x03) > 0x01)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 1);
	uint16_t rd = wire_be16(c->cdb + 2), wr = wire_be16(c->cdb + 4);
	if (!mmc_speed_change(c))
		return SIM_STATUS_GOOD;
	c->lun->read_kbps = rd == 0xffff ? 0 : (rd ? rd : 1);
	c->lun->write_kbps = wr == 0xffff ? 0 : (wr ? wr : 1);
	sim_lun_dt_config(c->lun);
	return SIM_STATUS_GOOD;
}

enum { STREAM_DESC = 28 };

/* SET STREAMING type 00h: the 28-byte performance descriptor; rate = size (kB) x 1000
 * / time (ms).  RDD restores the defaults; Exact asks for a speed of the table. */
uint8_t sim_mmc_set_streaming(struct sim_ctx *c)
{
	const struct sim_cmd *cmd = c->cmd;
	uint16_t len = wire_be16(c->cdb + 9);

	if (c->cdb[8] != 0x00)		/* only the performance descriptor */
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 8, -1);
	if (len == 0) {
		c->cmd->spdtl = 0;
		return SIM_STATUS_GOOD;
	}
	if (len < STREAM_DESC || !cmd->data_out || cmd->data_out_len < STREAM_DESC)
		return sim_fail(c, SIM_SENSE_PARAM_LIST_LENGTH);
	c->cmd->spdtl = len < cmd->data_out_len ? len : (uint32_t)cmd->data_out_len;
	const uint8_t *p = cmd->data_out;
	if (p[0] & 0x04) {		/* RDD */
		if (mmc_speed_change(c)) {
			c->lun->write_kbps = c->lun->read_kbps = 0;
			sim_lun_dt_config(c->lun);
		}
		return SIM_STATUS_GOOD;
	}
	if (wire_be32(p + 4) > wire_be32(p + 8))	/* start LBA after end LBA */
		return sim_fail_param(c, SIM_SENSE_INVALID_FIELD_IN_PARAM, 4, -1);
	uint32_t rsize = wire_be32(p + 12), rtime = wire_be32(p + 16);
	uint32_t wsize = wire_be32(p + 20), wtime = wire_be32(p + 24);
	if (rsize && !rtime)
		return sim_fail_param(c, SIM_SENSE_INVALID_FIELD_IN_PARAM, 16, -1);
	if (wsize && !wtime)
		return sim_fail_param(c, SIM_SENSE_INVALID_FIELD_IN_PARAM, 24, -1);
	uint64_t rk = rtime ? (uint64_t)rsize * 1000 / rtime : 0;
	uint64_t wk = wtime ? (uint64_t)wsize * 1000 / wtime : 0;
	if (rk > UINT32_MAX)
		rk = UINT32_MAX;
	if (wk > UINT32_MAX)
		wk = UINT32_MAX;
	if ((p[0] & 0x02) && wk && !mmc_speed_exact(c->lun, (uint32_t)wk))	/* Exact */
		return sim_fail_param(c, SIM_SENSE_INVALID_FIELD_IN_PARAM, 20, -1);
	if (!mmc_speed_change(c))
		return SIM_STATUS_GOOD;
	c->lun->read_kbps = (uint32_t)rk;	/* 0 (no rate given): the maximum */
	c->lun->write_kbps = (uint32_t)wk;
	sim_lun_dt_config(c->lun);
	return SIM_STATUS_GOOD;
}

/* ---- READ BUFFER CAPACITY (5Ch), SEND OPC (54h), MECHANISM STATUS (BDh) -------- */

/* The drive buffer as it is now (drivetime.h): size from the personality, free bytes
 * what the laser has not yet taken. */
uint8_t sim_mmc_read_buffer_capacity(struct sim_ctx *c)
{
	uint16_t alloc = wire_be16(c->cdb + 7);
	struct sim_dt_drive *dt = &c->lun->dt;
	uint8_t b[12];

	mmc_dt_now(c);
	uint32_t size = dt->buffer_bytes, avail = sim_dt_free_bytes(dt);
	memset(b, 0, sizeof(b));
	wire_put_be16(b, sizeof(b) - 2);
	/* Block=1: byte 3 b0 set, 4-7 reserved, available length in blocks (of the data
	 * in the buffer, 2048 bytes when it is empty) at 8-11 (cdemu
	 * mmc-packet-commands.h READ_BUFFER_CAPACITY_Data). */
	if (c->cdb[1] & 0x01) {
		b[3] = 0x01;
		wire_put_be32(b + 8, avail / (dt->bs ? dt->bs : MMC_BLOCK));
	} else {			/* length of buffer, blank (free) length, bytes */
		wire_put_be32(b + 4, size);
		wire_put_be32(b + 8, avail);
	}
	return sim_reply_copy(c, b, sizeof(b), alloc);
}

/* SEND OPC INFORMATION: DoOpc=1 "performs" OPC at once; DoOpc=0 with an OPC table is
 * accepted and ignored (8-byte entries).  Nothing is calibrated. */
uint8_t sim_mmc_send_opc(struct sim_ctx *c)
{
	const struct sim_cmd *cmd = c->cmd;
	uint16_t len = wire_be16(c->cdb + 7);

	if (len && (!cmd->data_out || cmd->data_out_len < len))
		return sim_fail(c, SIM_SENSE_PARAM_LIST_LENGTH);
	c->cmd->spdtl = len;
	return SIM_STATUS_GOOD;
}

/* MECHANISM STATUS: the 8-byte header, no changer (no slot table): fault, changer
 * state, slot 0; mechanism idle; door open = tray open. */
uint8_t sim_mmc_mechanism_status(struct sim_ctx *c)
{
	uint16_t alloc = wire_be16(c->cdb + 8);
	uint8_t b[8];

	memset(b, 0, sizeof(b));
	b[1] = c->lun->tray == SIM_TRAY_OPEN ? 0x10 : 0x00;
	return sim_reply_copy(c, b, sizeof(b), alloc);
}

/* ---- READ DISC STRUCTURE (ADh, MMC-6) --------------------------------------------- */

#define DVD_FIRST_PSN 0x030000u

/* Physical format byte 0 (book type << 4 | part version) and byte 2 (layer type) per
 * profile; a ROM view keeps its recordable book type. */
static const struct {
	uint16_t profile;
	uint8_t  book, layer_type;
} mmc_dvd_books[] = {
	{ REC_PROFILE_DVD_ROM,       0x01, 0x01 },	/* DVD-ROM, embossed */
	{ REC_PROFILE_DVD_R,         0x25, 0x02 },	/* DVD-R, recordable */
	{ REC_PROFILE_DVD_RW_RO,     0x32, 0x04 },	/* DVD-RW, rewritable */
	{ REC_PROFILE_DVD_RW_SEQ,    0x32, 0x04 },
	{ REC_PROFILE_DVD_PLUS_RW,   0x92, 0x04 },	/* DVD+RW */
	{ REC_PROFILE_DVD_PLUS_R,    0xa1, 0x02 },	/* DVD+R: tgt usr/mmc.c's A1h */
	{ REC_PROFILE_DVD_PLUS_R_DL, 0xe1, 0x02 },	/* DVD+R DL */
};

static bool mmc_dual_layer(const struct dl_state *st)
{
	return st->profile == REC_PROFILE_DVD_PLUS_R_DL;
}

/* 00h physical format information (2048 bytes): book type/part version 0, size/rate 1,
 * layers b6-5 / track path b4 / layer type b3-0 at 2, densities 3, first PSN 5-7, last
 * PSN 9-11, layer 0 end 13-15, BCA 16 b7 (cdemu device-disc-structures.c, tgt usr/mmc.c). */
static size_t mmc_ds_physical(const struct rec_disc *d, uint8_t *p)
{
	const struct dl_state *st = rec_state(d);
	uint8_t book = 0xa1, lt = 0x02;
	for (size_t i = 0; i < sizeof(mmc_dvd_books) / sizeof(mmc_dvd_books[0]); i++)
		if (mmc_dvd_books[i].profile == st->profile) {
			book = mmc_dvd_books[i].book;
			lt = mmc_dvd_books[i].layer_type;
		}
	p[0] = book;
	p[1] = 0x0f;			/* 120 mm, no maximum rate specified */
	p[2] = (uint8_t)((mmc_dual_layer(st) ? 0x20 : 0x00) | lt);	/* layers - 1, type */
	p[3] = 0x00;			/* densities */
	wire_put_be32(p + 4, DVD_FIRST_PSN);
	wire_put_be32(p + 8, DVD_FIRST_PSN + st->capacity - 1);
	wire_put_be32(p + 12, mmc_dual_layer(st) ? DVD_FIRST_PSN + st->capacity / 2 - 1 : 0);
	return 2048;
}

/* 01h copyright: no protection, all regions. */
static size_t mmc_ds_copyright(const struct rec_disc *d, uint8_t *p)
{
	return 4;
}

/* 04h disc manufacturing information: 2048 bytes of zeros. */
static size_t mmc_ds_manufacturing(const struct rec_disc *d, uint8_t *p)
{
	return 2048;
}

/* 11h ADIP information (DVD+R/+RW): the disc category and layout as in 00h, then the
 * media identifier: manufacturer ID at 19-26, media type ID 27-29 (where
 * dvd+rw-mediainfo.cpp of dvd+rw-tools reads them: 23 and 31 counting the 4-byte
 * header), revision 30 [PROJECT DECISION: the DVD+R book itself not checked]. */
static size_t mmc_ds_adip(const struct rec_disc *d, uint8_t *p)
{
	uint8_t phys[2048];
	memset(phys, 0, sizeof(phys));
	mmc_ds_physical(d, phys);
	memcpy(p, phys, 16);
	memcpy(p + 19, "BURNLAB\0", 8);
	memcpy(p + 27, "SIM", 3);
	p[30] = 1;
	return 256;
}

/* BD 00h disc information (4096 bytes): one DI unit, laid out as Aaru's decoder reads
 * it (Bluray/DI.cs): "DI" at 0-1, DI format 2, units per block b7-3 / layer b2-0 at 3,
 * disc type ID 8-10 ("BDO" BD-ROM, "BDW" BD-RE, "BDR" BD-R), size b7-6 / class b5-4 /
 * version b3-0 at 11, layers b7-4 at 12.  Unit length (6), PSN/AUN fields (20-31) and
 * the BD-R/RE manufacturer/media IDs (100-108) are left zero [UNVERIFIED values]. */
static size_t mmc_ds_bd_di(const struct rec_disc *d, uint8_t *p)
{
	const struct dl_state *st = rec_state(d);
	p[0] = 'D';
	p[1] = 'I';
	p[2] = 0x01;			/* DI format */
	p[3] = 1u << 3;			/* one unit per block, this is layer 0 */
	memcpy(p + 8, st->profile == REC_PROFILE_BD_RE ? "BDW" :
		      st->profile == REC_PROFILE_BD_R ? "BDR" : "BDO", 3);
	p[11] = 0x01;			/* 120 mm, class 0, version 1 */
	p[12] = 1u << 4;		/* one layer */
	return 4096;
}

struct mmc_structure {
	uint8_t media_type;		/* CDB byte 1: 0 DVD, 1 BD */
	uint8_t format;
	const uint16_t *profiles;	/* NULL = every disc of the media type */
	size_t (*fn)(const struct rec_disc *d, uint8_t *p);	/* NULL: FFh list */
	size_t len;
};

static const uint16_t mmc_plus_profiles[] = {
	REC_PROFILE_DVD_PLUS_RW, REC_PROFILE_DVD_PLUS_R, REC_PROFILE_DVD_PLUS_R_DL, 0
};

/* The structures burners ask for (growisofs, libburn, dvd+rw-mediainfo). */
static const struct mmc_structure mmc_structures[] = {
	{ 0, 0x00, NULL, mmc_ds_physical, 2048 },
	{ 0, 0x01, NULL, mmc_ds_copyright, 4 },
	{ 0, 0x04, NULL, mmc_ds_manufacturing, 2048 },
	{ 0, 0x11, mmc_plus_profiles, mmc_ds_adip, 256 },
	{ 0, 0xff, NULL, NULL, 0 },
	{ 1, 0x00, NULL, mmc_ds_bd_di, 4096 },
	{ 1, 0xff, NULL, NULL, 0 },
};

#define MMC_NSTRUCTURES (sizeof(mmc_structures) / sizeof(mmc_structures[0]))

static bool mmc_structure_applies(const struct mmc_structure *s, uint8_t media_type,
				  uint16_t profile)
{
	if (s->media_type != media_type)
		return false;
	for (const uint16_t *p = s->profiles; p && *p; p++)
		if (*p == profile)
			return true;
	return !s->profiles;
}

uint8_t sim_mmc_read_disc_structure(struct sim_ctx *c)
{
	uint8_t media_type = c->cdb[1] & 0x0f, format = c->cdb[7];
	uint16_t alloc = wire_be16(c->cdb + 8);
	const struct rec_disc *d = c->lun->disc;
	const struct dl_state *st = rec_state(d);
	enum rec_family fam = rec_medium(d)->family;

	if (media_type > 1)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 3);
	/* CD, or a media type that is not the disc's: incompatible medium (05/30/02). */
	if (fam == REC_CD || (media_type == 1) != (fam == REC_BD))
		return sim_fail(c, SIM_SENSE_INCOMPATIBLE_MEDIUM);
	if (c->cdb[6] > (mmc_dual_layer(st) ? 1 : 0) && format < 0xc0)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 6, -1);

	const struct mmc_structure *s = NULL;
	for (size_t i = 0; i < MMC_NSTRUCTURES; i++)
		if (mmc_structures[i].format == format &&
		    mmc_structure_applies(&mmc_structures[i], media_type, st->profile))
			s = &mmc_structures[i];
	if (!s)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 7, -1);

	uint8_t *b = calloc(1, 4 + 4096);
	if (!b)
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	size_t len = 0;
	if (s->fn) {
		len = s->fn(d, b + 4);
	} else {			/* FFh: every structure readable here, FFh included */
		for (size_t i = 0; i < MMC_NSTRUCTURES; i++) {
			const struct mmc_structure *e = &mmc_structures[i];
			if (!mmc_structure_applies(e, media_type, st->profile))
				continue;
			b[4 + len] = e->format;
			b[4 + len + 1] = 0x40;	/* RDS: readable by this command */
			len += 4;
		}
		for (size_t k = 0; k < len; k += 4) {	/* lengths, FFh's own last */
			const struct mmc_structure *e = NULL;
			for (size_t i = 0; i < MMC_NSTRUCTURES; i++)
				if (mmc_structures[i].format == b[4 + k] &&
				    mmc_structure_applies(&mmc_structures[i], media_type, st->profile))
					e = &mmc_structures[i];
			wire_put_be16(b + 4 + k + 2, (uint16_t)(e && e->fn ? e->len : len));
		}
	}
	wire_put_be16(b, (uint16_t)(len + 2));
	uint8_t rc = sim_reply_copy(c, b, 4 + len, alloc);
	free(b);
	return rc;
}

/* ---- READ CD (BEh, MMC-6; sector formats ECMA-130 §14, sub-channel §22) ---------- */

/* Expected sector type codes (CDB byte 1 b4-2). */
enum { SEC_ANY = 0, SEC_CDDA = 1, SEC_MODE1 = 2, SEC_MODE2 = 3, SEC_FORM1 = 4, SEC_FORM2 = 5 };

/* Field selection (CDB byte 9) and sub-channel selection (byte 10 b2-0). */
#define RCD_SYNC   0x80
#define RCD_HEADER 0x20		/* header codes b6-5: 01b header, 10b sub-header */
#define RCD_SUBHDR 0x40
#define RCD_USER   0x10
#define RCD_EDC    0x08
#define RCD_C2     0x06
enum { RCD_SUB_NONE = 0, RCD_SUB_RAW = 1, RCD_SUB_Q = 2, RCD_SUB_RW = 4 };

/* One block as the drive sees it: the 2352-byte main channel, its 96 raw P-W bytes,
 * and its sector type. */
struct mmc_frame {
	uint8_t raw[CDS_RAW_SIZE];
	uint8_t sub[CDS_SUB_SIZE];
	uint8_t type;
};

/* Mode 2 Form 2 sector: sync, header, sub-header (8 bytes), 2324 data, EDC over
 * 16..2347 (no ECC in form 2). */
static int mmc_make_form2(uint8_t raw[CDS_RAW_SIZE], int32_t lba, const uint8_t subhdr[8],
			  const uint8_t *data)
{
	if (cds_make_header(raw, lba, 2) < 0)
		return -1;
	memcpy(raw + CDS_OFF_SUBHEADER, subhdr, 8);
	memcpy(raw + CDS_OFF_M2F1_DATA, data, 2324);
	wire_put_le32(raw + 2348, cds_edc(0, raw + CDS_OFF_SUBHEADER, 2348 - CDS_OFF_SUBHEADER));
	return 0;
}

/* Sector type of a raw main channel on a track. */
static uint8_t mmc_raw_type(const uint8_t raw[CDS_RAW_SIZE], const struct dl_track *t)
{
	if (!(t->mode & 0x04))
		return SEC_CDDA;
	switch (cds_classify(raw)) {
	case CDS_KIND_MODE1:        return SEC_MODE1;
	case CDS_KIND_MODE2_FORM1:  return SEC_FORM1;
	case CDS_KIND_MODE2_FORM2:  return SEC_FORM2;
	case CDS_KIND_MODE0:        return SEC_MODE2;	/* header + 2336 bytes of zeros */
	default:                    return SEC_CDDA;	/* no sync: as audio */
	}
}

/* A block the drive wrote itself (a TAO or first-track pregap, TAO run-out): zero
 * samples on an audio track, a sector of zeros in the track's data mode. */
static int mmc_make_gap(struct mmc_frame *f, int32_t lba, const struct dl_track *t)
{
	static const uint8_t zero[CDS_USER_SIZE];
	memset(f->raw, 0, sizeof(f->raw));
	if (!(t->mode & 0x04)) {
		f->type = SEC_CDDA;
		return 0;
	}
	if (t->data_mode == 2) {
		f->type = SEC_FORM1;
		return cds_make_mode2_form1(f->raw, lba, zero, NULL);
	}
	f->type = SEC_MODE1;
	return cds_make_mode1(f->raw, lba, zero);
}

/* Rebuild block lba from what was recorded (rec_read_raw): cooked blocks get their
 * sync, header, EDC and ECC synthesized (cdsector.h); raw blocks are returned as
 * written, RAW-mode data frames descrambled and checked by rec_read_raw (ECMA-130
 * Annex B).  Sub-channel: the recorded one (2448: raw P-W, or packed R-W with P and Q
 * regenerated; 2368: formatted P/Q), else P and Q synthesized from the position the
 * drive recorded (rec_q_position: pregaps INDEX 00, index points, R-W zero). */
static struct sim_sense mmc_frame_read(struct rec_disc *d, int32_t lba, uint8_t *blk,
				       struct mmc_frame *f)
{
	struct rec_qpos q;
	struct sim_sense s;
	if (!rec_q_position(d, lba, &q))
		return SIM_SENSE_LBA_OUT_OF_RANGE;
	const struct dl_track *t = q.track;
	long n;
	if (q.recorded) {
		n = rec_read_raw(d, lba, 1, blk, DL_BLOCK_SIZE_MAX, &s);
		if (n < 0)
			return s;
	} else if (lba < t->start_lba || lba >= t->start_lba + (int32_t)t->size) {
		n = 0;			/* a gap the drive wrote */
	} else {
		return SIM_SENSE_LBA_OUT_OF_RANGE;
	}
	static const uint8_t form1_sub[8] = { 0, 0, CDS_SUBMODE_DATA, 0, 0, 0, CDS_SUBMODE_DATA, 0 };
	static const uint8_t form2_sub[8] = { 0, 0, CDS_SUBMODE_DATA | CDS_SUBMODE_FORM2, 0,
					      0, 0, CDS_SUBMODE_DATA | CDS_SUBMODE_FORM2, 0 };
	int rc = 0;
	bool have_sub = false;
	uint8_t chan[8][CDS_CHAN_SIZE];

	memset(f, 0, sizeof(*f));
	switch (n) {
	case 0:
		rc = mmc_make_gap(f, lba, t);
		break;
	case 2048:
		if (t->data_mode == 2) {
			rc = cds_make_mode2_form1(f->raw, lba, blk, form1_sub);
			f->type = SEC_FORM1;
		} else {
			rc = cds_make_mode1(f->raw, lba, blk);
			f->type = SEC_MODE1;
		}
		break;
	case 2056:			/* form 1 with its sub-header */
		rc = cds_make_mode2_form1(f->raw, lba, blk + 8, blk);
		f->type = SEC_FORM1;
		break;
	case 2324:
		rc = mmc_make_form2(f->raw, lba, form2_sub, blk);
		f->type = SEC_FORM2;
		break;
	case 2332:			/* form 1 or 2 by the sub-header's submode */
		if (blk[2] & CDS_SUBMODE_FORM2) {
			rc = mmc_make_form2(f->raw, lba, blk, blk + 8);
			f->type = SEC_FORM2;
		} else {
			rc = cds_make_mode2_form1(f->raw, lba, blk + 8, blk);
			f->type = SEC_FORM1;
		}
		break;
	case 2336:			/* mode 2 formless */
		rc = cds_make_header(f->raw, lba, 2);
		memcpy(f->raw + 16, blk, 2336);
		f->type = SEC_MODE2;
		break;
	case CDS_RAW_SIZE:
	case CDS_RAW_SIZE + 16:
	case CDS_RAW_SUB_SIZE:
		memcpy(f->raw, blk, CDS_RAW_SIZE);
		f->type = mmc_raw_type(f->raw, t);
		if (n == CDS_RAW_SIZE + 16) {		/* formatted P/Q (MMC-6 READ CD sub-channel) */
			memset(chan, 0, sizeof(chan));
			memset(chan[0], blk[CDS_RAW_SIZE + 15] & 0x80 ? 0xff : 0x00, CDS_CHAN_SIZE);
			memcpy(chan[1], blk + CDS_RAW_SIZE, CDS_CHAN_SIZE);
			cds_sub_interleave(f->sub, chan);
			have_sub = true;
		} else if (n == CDS_RAW_SUB_SIZE) {
			memcpy(f->sub, blk + CDS_RAW_SIZE, CDS_SUB_SIZE);
			have_sub = true;
			if (!cds_sub_has_pq(f->sub)) {	/* packed R-W only: P and Q regenerated */
				uint8_t rw[8][CDS_CHAN_SIZE];
				cds_sub_deinterleave(rw, f->sub);
				if (cds_sub_synth(chan, t->mode & 0x0f, t->number, q.index,
						  q.rel, lba) == 0) {
					memcpy(chan[2], rw[2], 6 * CDS_CHAN_SIZE);
					cds_sub_interleave(f->sub, chan);
				}
			}
		}
		break;
	default:
		return SIM_SENSE_ILLEGAL_MODE_FOR_TRACK;
	}
	if (rc < 0)
		return SIM_SENSE_LBA_OUT_OF_RANGE;
	if (!have_sub) {
		if (cds_sub_synth(chan, t->mode & 0x0f, t->number, q.index, q.rel, lba) < 0)
			return SIM_SENSE_LBA_OUT_OF_RANGE;
		cds_sub_interleave(f->sub, chan);
	}
	return SIM_SENSE_NONE;
}

/* Append the selected fields of one frame to out; returns the bytes written. */
static size_t mmc_cd_fields(const struct mmc_frame *f, uint8_t mask, uint8_t subsel,
			    uint8_t *out)
{
	size_t pos = 0;
#define RCD_PUT(off, len) do { memcpy(out + pos, f->raw + (off), (len)); pos += (len); } while (0)
	if (f->type == SEC_CDDA) {
		if (mask & (RCD_SYNC | RCD_HEADER | RCD_SUBHDR | RCD_USER | RCD_EDC))
			RCD_PUT(0, CDS_RAW_SIZE);
	} else {
		bool m2 = f->type == SEC_FORM1 || f->type == SEC_FORM2;
		if (mask & RCD_SYNC)
			RCD_PUT(CDS_OFF_SYNC, 12);
		if (mask & RCD_HEADER)
			RCD_PUT(CDS_OFF_HEADER, 4);
		if ((mask & RCD_SUBHDR) && m2)
			RCD_PUT(CDS_OFF_SUBHEADER, 8);
		if (mask & RCD_USER) {
			switch (f->type) {
			case SEC_MODE1: RCD_PUT(CDS_OFF_M1_DATA, CDS_USER_SIZE); break;
			case SEC_MODE2: RCD_PUT(16, 2336); break;
			case SEC_FORM1: RCD_PUT(CDS_OFF_M2F1_DATA, CDS_USER_SIZE); break;
			default:        RCD_PUT(CDS_OFF_M2F1_DATA, 2324); break;
			}
		}
		if (mask & RCD_EDC) {
			switch (f->type) {
			case SEC_MODE1: RCD_PUT(CDS_OFF_M1_EDC, CDS_RAW_SIZE - CDS_OFF_M1_EDC); break;
			case SEC_FORM1: RCD_PUT(CDS_OFF_M2F1_EDC, CDS_RAW_SIZE - CDS_OFF_M2F1_EDC); break;
			case SEC_FORM2: RCD_PUT(2348, 4); break;
			default:        break;	/* formless: none */
			}
		}
	}
#undef RCD_PUT
	switch (subsel) {
	case RCD_SUB_RAW:
		memcpy(out + pos, f->sub, CDS_SUB_SIZE);
		pos += CDS_SUB_SIZE;
		break;
	case RCD_SUB_Q: {		/* Q 12 bytes (with its CRC), 4 zero bytes */
		uint8_t chan[8][CDS_CHAN_SIZE];
		cds_sub_deinterleave(chan, f->sub);
		memcpy(out + pos, chan[1], CDS_CHAN_SIZE);
		memset(out + pos + CDS_CHAN_SIZE, 0, 4);
		pos += 16;
		break;
	}
	case RCD_SUB_RW:		/* R-W bits of the raw P-W, P and Q masked */
		for (size_t i = 0; i < CDS_SUB_SIZE; i++)
			out[pos + i] = f->sub[i] & 0x3f;
		pos += CDS_SUB_SIZE;
		break;
	default:
		break;
	}
	return pos;
}

uint8_t sim_mmc_read_cd(struct sim_ctx *c)
{
	uint8_t expected = (c->cdb[1] >> 2) & 0x07;
	int32_t lba = (int32_t)wire_be32(c->cdb + 2);
	uint32_t n = wire_be24(c->cdb + 6);
	uint8_t mask = c->cdb[9], subsel = c->cdb[10] & 0x07;
	struct rec_disc *d = c->lun->disc;

	if (expected > SEC_FORM2)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 4);
	if (mask & RCD_C2)		/* C2 error pointers: not supported */
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 9, 2);
	/* Unsupported combinations: sync without the header, or EDC/ECC after a sync or
	 * header without the user data in between (a gap in the sector). */
	if ((mask & RCD_SYNC) && !(mask & RCD_HEADER) && (mask & ~RCD_SYNC))
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 9, 7);
	if ((mask & RCD_EDC) && !(mask & RCD_USER) && (mask & (RCD_SYNC | RCD_HEADER | RCD_SUBHDR)))
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 9, 3);
	if (subsel != RCD_SUB_NONE && subsel != RCD_SUB_RAW && subsel != RCD_SUB_Q &&
	    subsel != RCD_SUB_RW)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 10, 2);
	if (!mmc_is_cd(d))		/* no CD sectors on a DVD/BD [PROJECT DECISION] */
		return sim_fail(c, SIM_SENSE(0x5, 0x30, 0x02));
	if (n == 0) {			/* a legal probe */
		c->cmd->spdtl = 0;
		return SIM_STATUS_GOOD;
	}
	/* Range first, so that a huge request fails as such and not as no memory. */
	const struct dl_state *st = rec_state(d);
	int32_t last_rec = -1;
	for (uint16_t i = 0; i < st->ntracks; i++)
		if (st->tracks[i].last_recorded > last_rec)
			last_rec = st->tracks[i].last_recorded;
	if (lba < -CDS_PREGAP || (int64_t)lba + n - 1 > last_rec)
		return sim_fail(c, SIM_SENSE_LBA_OUT_OF_RANGE);

	uint64_t most = (uint64_t)n * CDS_RAW_SUB_SIZE;
	if (most > UINT32_MAX)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 6, -1);
	/* Every block is read (its sector type decides its fields and so SPDTL, and must
	 * match the expected one), but only the bytes the initiator takes are kept
	 * (doc/simdrive-scsi.md, "Transfer lengths"). */
	uint32_t keep = sim_data_in_want(c, most);
	if (keep > SIM_DATA_IN_CAP)
		keep = SIM_DATA_IN_CAP + 1;	/* enough to tell that the answer is too big */
	uint8_t *out = malloc(keep ? keep : 1);
	uint8_t *blk = malloc(DL_BLOCK_SIZE_MAX);
	uint8_t *one = malloc(CDS_RAW_SUB_SIZE);
	struct mmc_frame *f = malloc(sizeof(*f));
	if (!out || !blk || !one || !f) {
		free(out);
		free(blk);
		free(one);
		free(f);
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	}
	uint64_t pos = 0;
	struct sim_sense s = SIM_SENSE_NONE;
	for (uint32_t i = 0; i < n; i++) {
		s = mmc_frame_read(d, lba + (int32_t)i, blk, f);
		if (!mmc_sense_ok(s))
			break;
		if (expected != SEC_ANY && expected != f->type) {
			s = SIM_SENSE_ILLEGAL_MODE_FOR_TRACK;
			break;
		}
		size_t len = mmc_cd_fields(f, mask, subsel, one);
		if (pos < keep)
			memcpy(out + pos, one, keep - pos < len ? keep - pos : len);
		pos += len;
	}
	free(blk);
	free(one);
	free(f);
	if (mmc_sense_ok(s) && sim_data_in_want(c, pos) > SIM_DATA_IN_CAP)
		s = SIM_SENSE_INVALID_FIELD_IN_CDB;
	if (!mmc_sense_ok(s)) {
		free(out);
		if (s.key == SIM_SENSE_INVALID_FIELD_IN_CDB.key &&
		    s.asc == SIM_SENSE_INVALID_FIELD_IN_CDB.asc)
			return sim_fail_cdb(c, s, 6, -1);
		return sim_fail(c, s);
	}
	free(c->buf);
	c->buf = out;
	c->buflen = sim_data_in_want(c, pos);
	c->cmd->spdtl = (uint32_t)pos;
	c->lun->head_lba = lba + (int32_t)n - 1;
	return SIM_STATUS_GOOD;
}

/* ---- READ SUB-CHANNEL (42h, MMC-6 §6.25) ------------------------------------------ */

enum { RSC_POSITION = 1, RSC_MCN = 2, RSC_ISRC = 3 };

/* A track relative address: 00 M S F of the Q relative time (MSF bit), else the
 * signed LBA offset from the track start. */
static void mmc_put_rel(uint8_t *b, bool msf, int32_t lba, int32_t frames)
{
	if (msf) {
		b[0] = 0;
		b[1] = (uint8_t)(frames / 4500);
		b[2] = (uint8_t)(frames / 75 % 60);
		b[3] = (uint8_t)(frames % 75);
	} else {
		wire_put_be32(b, (uint32_t)lba);
	}
}

/* Header (audio status 15h: no current audio status, nothing is played), then with
 * SubQ: the CD current position of the head (the last block READ CD read: its Q as
 * rec_q_position gives it, ECMA-130 §22.3.3), or the MCN / a track's ISRC, reported
 * not valid (MCVal / TCVal 0: neither is recorded, doc/simdrive-recorder.md). */
uint8_t sim_mmc_read_sub_channel(struct sim_ctx *c)
{
	bool msf = c->cdb[1] & 0x02, subq = c->cdb[2] & 0x40;
	uint8_t format = c->cdb[3], track = c->cdb[6];
	uint16_t alloc = wire_be16(c->cdb + 7);
	struct rec_disc *d = c->lun->disc;
	uint8_t b[24];
	size_t len = 4;

	if (format < RSC_POSITION || format > RSC_ISRC)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 3, -1);
	if (!mmc_is_cd(d))		/* CD sub-channels only, as READ CD */
		return sim_fail(c, SIM_SENSE(0x5, 0x30, 0x02));
	memset(b, 0, sizeof(b));
	b[1] = 0x15;
	if (subq && format == RSC_POSITION) {
		int32_t lba = c->lun->head_lba;
		struct rec_qpos q;
		b[4] = RSC_POSITION;
		if (rec_q_position(d, lba, &q)) {
			b[5] = (uint8_t)(0x10 | (q.track->mode & 0x0f));	/* ADR 1 */
			b[6] = (uint8_t)q.track->number;
			b[7] = q.index;
			mmc_put_rel(b + 12, msf, lba - q.track->start_lba, q.rel);
		}
		mmc_put_addr(b + 8, lba, msf);
		len = 16;
	} else if (subq) {
		const struct dl_state *st = rec_state(d);
		if (format == RSC_ISRC) {
			const struct dl_track *t = NULL;
			for (uint16_t i = 0; i < st->ntracks; i++)
				if (st->tracks[i].number == track && st->tracks[i].state == 3)
					t = &st->tracks[i];
			if (!t)
				return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 6, -1);
			b[5] = (uint8_t)(0x30 | (t->mode & 0x0f));	/* ADR 3 */
			b[6] = track;
		}
		b[4] = format;
		len = 24;
	}
	wire_put_be16(b + 2, (uint16_t)(len - 4));
	return sim_reply_copy(c, b, len, alloc);
}

/* ---- GET EVENT STATUS NOTIFICATION (MMC-6): polled, media class --------------- */

#define GESN_CLASS_MEDIA  4
#define GESN_MEDIA_MASK   (1u << GESN_CLASS_MEDIA)
#define GESN_NEA          0x80

uint8_t sim_mmc_get_event_status(struct sim_ctx *c)
{
	uint8_t request = c->cdb[4];
	uint16_t alloc = wire_be16(c->cdb + 7);

	if (!(c->cdb[1] & 0x01))	/* asynchronous mode is not supported */
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 0);

	if (!(request & GESN_MEDIA_MASK)) {
		uint8_t *b = sim_reply(c, 4, alloc);
		if (!b)
			return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
		wire_put_be16(b, 2);	/* event data length: total - 2 [PROJECT DECISION] */
		b[2] = GESN_NEA;
		b[3] = GESN_MEDIA_MASK;
		return SIM_STATUS_GOOD;
	}
	uint8_t *b = sim_reply(c, 8, alloc);
	if (!b)
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	wire_put_be16(b, 6);
	b[2] = GESN_CLASS_MEDIA;
	b[3] = GESN_MEDIA_MASK;
	b[4] = c->itl->media_event & 0x0f;
	b[5] = (uint8_t)((sim_lun_ready(c->lun) ? 0x02 : 0) |
			 (c->lun->tray == SIM_TRAY_OPEN ? 0x01 : 0));
	if (alloc >= 8)			/* reported, so consumed */
		c->itl->media_event = SIM_MEV_NONE;
	return SIM_STATUS_GOOD;
}
