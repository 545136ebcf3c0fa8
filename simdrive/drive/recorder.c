/* simdrive/drive/recorder.c - the recordable disc model (recorder.h is the contract,
 * MMC-6 the rules - its commands, §6, and the write parameters page, §7.5 - with
 * ECMA-130 for the CD, and doc/simdrive-recorder.md the decisions where MMC leaves
 * room). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backing.h"
#include "cdsector.h"
#include "dlexport.h"
#include "log.h"
#include "recorder.h"

#define REC_PAGE05_LEN   52
#define REC_CD_LEADIN    (-11635)	/* ATIP lead-in start of a blank CD, 97:26:65 (doc/simdrive-recorder.md §2) */
#define REC_CD_TAO_GAP   (2 + 150)	/* run-out/link + pregap after a TAO track (doc/simdrive-recorder.md §5) */
#define REC_CD_LEADOUT1  6750		/* first session's lead-out (doc/simdrive-recorder.md §8) */
#define REC_CD_LEADOUTN  2250		/* later sessions' lead-out */
#define REC_CD_LEADIN_LEN (4500 + 150)	/* lead-in + pregap of the next session */

enum { TF_BLANK = 1u << 0, TF_PACKET = 1u << 1, TF_FP = 1u << 2, TF_NWA = 1u << 3 };
enum { DF_ERASABLE = 1u << 0, DF_LOADED = 1u << 1 };
#define DF_BGF_SHIFT 2
#define DF_BGF_MASK  (3u << DF_BGF_SHIFT)
enum { BGF_NONE = 0, BGF_PARTIAL = 1, BGF_RUNNING = 2, BGF_COMPLETE = 3 };
enum { WT_PACKET = 0, WT_TAO = 1, WT_SAO = 2, WT_RAW = 3 };
/* Opcodes recorded with the blocks the drive writes by itself (reservation padding). */
enum { REC_OP_SYNC = 0x35, REC_OP_CLOSE = 0x5b };
#define REC_DVD_MAX_TRACKS 153
#define REC_CUE_MAX 512		/* cue sheet entries (4 KiB) */

/* ---- tables ---------------------------------------------------------------- */

#define WT(t) (1u << (t))

/* Capacities: doc/simdrive-recorder.md §1; CD user blocks = nominal frames - the 150-block pregap of
 * track 1, so the last possible lead-out is at 74:00:00 / 80:00:00. */
const struct rec_media rec_media_table[] = {
	/* name       profile                  family  capacity  wr  eras  rand  p05   write types                   test  strm */
	{ "cd-r",     REC_PROFILE_CD_R,        REC_CD,   332850, true, false, false, true,  WT(1) | WT(2) | WT(3), true,  false },
	{ "cd-r80",   REC_PROFILE_CD_R,        REC_CD,   359850, true, false, false, true,  WT(1) | WT(2) | WT(3), true,  false },
	{ "cd-rw",    REC_PROFILE_CD_RW,       REC_CD,   332850, true, true,  false, true,  WT(1) | WT(2) | WT(3), true,  false },
	{ "dvd-r",    REC_PROFILE_DVD_R,       REC_DVD, 2298496, true, false, false, true,  WT(0) | WT(2),         true,  false },
	{ "dvd-rw",   REC_PROFILE_DVD_RW_SEQ,  REC_DVD, 2298496, true, true,  false, true,  WT(0) | WT(2),         true,  false },
	{ "dvd+r",    REC_PROFILE_DVD_PLUS_R,  REC_DVD, 2295104, true, false, false, false, 0,                     false, false },
	{ "dvd+r-dl", REC_PROFILE_DVD_PLUS_R_DL, REC_DVD, 4173824, true, false, false, false, 0,                   false, false },
	{ "dvd+rw",   REC_PROFILE_DVD_PLUS_RW, REC_DVD, 2295104, true, true,  true,  false, 0,                     false, false },
	{ "bd-r",     REC_PROFILE_BD_R,        REC_BD, 12219392, true, false, false, false, 0,                     false, true  },
	{ "bd-re",    REC_PROFILE_BD_RE,       REC_BD, 12219392, true, true,  true,  false, 0,                     false, true  },
	{ "cd-rom",   REC_PROFILE_CD_ROM,      REC_CD,   332850, false, false, false, false, 0,                    false, false },
	{ "dvd-rom",  REC_PROFILE_DVD_ROM,     REC_DVD, 2295104, false, false, false, false, 0,                    false, false },
	{ "bd-rom",   REC_PROFILE_BD_ROM,      REC_BD, 12219392, false, false, false, false, 0,                    false, true  },
};
const size_t rec_media_count = sizeof(rec_media_table) / sizeof(rec_media_table[0]);

const struct rec_media *rec_media_lookup(const char *name)
{
	for (size_t i = 0; name && i < rec_media_count; i++)
		if (strcmp(rec_media_table[i].name, name) == 0)
			return &rec_media_table[i];
	return NULL;
}

/* Data block types (MMC-6 §7.5, page 05h byte 4): bytes per block and the data mode a track gets. */
static const struct { uint32_t size; uint8_t data_mode; } rec_dbt[16] = {
	[0] = { 2352, 0x0f }, [1] = { 2368, 0x0f }, [2] = { 2448, 0x0f }, [3] = { 2448, 0x0f },
	[8] = { 2048, 1 }, [9] = { 2336, 2 }, [10] = { 2048, 2 }, [11] = { 2056, 2 },
	[12] = { 2324, 2 }, [13] = { 2332, 2 },
};

uint32_t rec_dbt_block_size(uint8_t dbt)
{
	return dbt < 16 ? rec_dbt[dbt].size : 0;
}

/* Close functions per medium (CLOSE TRACK/SESSION of MMC-6, doc/simdrive-recorder.md §5); index = function 0-7. */
enum rec_close_action {
	RC_NONE = 0,		/* 05/24/00 */
	RC_TRACK,		/* close track */
	RC_SESSION_PAGE05,	/* close session; page 05h multi-session decides */
	RC_SESSION_APPEND,	/* close session, disc stays appendable */
	RC_FINALIZE,		/* close session and finalize the disc */
	RC_BGF_QUICK,		/* DVD+RW quick stop of background format */
	RC_BGF_STOP,		/* DVD+RW stop background format (compatible) */
	RC_NOOP,		/* accepted, nothing to do */
};

static const struct {
	uint16_t profile;
	uint8_t act[8];
} rec_close_table[] = {
	{ REC_PROFILE_CD_R,       { [1] = RC_TRACK, [2] = RC_SESSION_PAGE05 } },
	{ REC_PROFILE_CD_RW,      { [1] = RC_TRACK, [2] = RC_SESSION_PAGE05 } },
	{ REC_PROFILE_DVD_R,      { [1] = RC_TRACK, [2] = RC_SESSION_PAGE05 } },
	{ REC_PROFILE_DVD_RW_SEQ, { [1] = RC_TRACK, [2] = RC_SESSION_PAGE05, [3] = RC_FINALIZE } },
	{ REC_PROFILE_DVD_PLUS_R, { [1] = RC_TRACK, [2] = RC_SESSION_APPEND, [5] = RC_FINALIZE,
				    [6] = RC_FINALIZE } },
	{ REC_PROFILE_DVD_PLUS_R_DL, { [1] = RC_TRACK, [2] = RC_SESSION_APPEND,
				       [4] = RC_SESSION_APPEND, [5] = RC_FINALIZE, [6] = RC_FINALIZE } },
	{ REC_PROFILE_BD_R,       { [1] = RC_TRACK, [2] = RC_SESSION_APPEND, [6] = RC_FINALIZE } },
	{ REC_PROFILE_DVD_PLUS_RW, { [0] = RC_BGF_QUICK, [2] = RC_BGF_STOP, [3] = RC_BGF_STOP } },
	{ REC_PROFILE_BD_RE,      { [2] = RC_NOOP } },
};

/* Per family: track limit (RESERVE TRACK refuses beyond it) and the unit reservations
 * are rounded up to (one ECC block / cluster). */
static const struct { uint16_t max_tracks; uint32_t reserve_unit; } rec_family_rules[] = {
	[REC_CD] = { 99, 1 }, [REC_DVD] = { REC_DVD_MAX_TRACKS, 16 }, [REC_BD] = { 7927, 32 },
};

/* ---- the disc ------------------------------------------------------------- */

struct rec_disc {
	const struct rec_media *m;
	struct dl_state st;
	struct dl_state saved;		/* layout when Test Write was switched on */
	bool have_saved;
	bool dirty;			/* state changed since the last STATE record */
	bool read_stale;		/* writes since the reader was opened */
	char *image;
	struct dl_writer *w;
	struct dl_reader *r;
	struct rec_backing *backing;	/* a read-only disc laid over a file (rec_config.file) */
	uint64_t now_us;		/* the drive's virtual time of the operation under way
					 * (rec_set_time, rec_write_req.vtime_us) */
	unsigned drive_wt;		/* write types the drive offers (rec_config) */
	/* SAO: the program area the accepted cue sheet describes (doc/simdrive-recorder.md §8) */
	struct rec_frag {
		int32_t start, end;	/* [start, end) */
		uint32_t bpb;		/* bytes per block the host sends */
		uint8_t tno, idx, ctl, form;
	} frags[REC_CUE_MAX];
	unsigned nfrags;
	bool sao_armed;			/* cue sheet accepted, program area not done */
	/* SAO index points 02..99 of the cue sheets recorded (ECMA-130 §22.3.3), in
	 * LBA order; kept in memory only (doc/simdrive-recorder.md §8) */
	struct rec_qidx {
		int32_t lba;
		uint8_t idx;
	} qidx[REC_CUE_MAX];
	unsigned nqidx;
	int32_t sao_nwa, sao_end;	/* next block to write, lead-out start */
	/* RAW: the session being written from its lead-in and what Q told so far (doc/simdrive-recorder.md §8) */
	bool raw_active;
	int32_t raw_nwa;		/* next block the host must send */
	int32_t raw_leadout;		/* first block with Q TNO AAh, -1 none yet */
	unsigned raw_ntrk;
	struct rec_rawtrk {
		int32_t first, idx1;	/* first block of the track (pregap), INDEX 01 */
		uint8_t tno, ctl, data_mode;
	} raw_trk[99];
	unsigned raw_diag;		/* content diagnostics logged (doc/simdrive-recorder.md §8) */
	/* DVD reservations: the end LBA the host asked for in RESERVE TRACK, before the
	 * rounding to the ECC block, per track number; 0 = not known (the image was
	 * reloaded): the rounded end then (doc/simdrive-recorder.md §6) */
	int32_t resv_want[REC_DVD_MAX_TRACKS];
	/* BD-R Pseudo-OverWrite (MMC-6 §4.5, feature 0038h): replacement clusters taken
	 * from the spare areas so far, and the LBA after the last overwrite (-1 none);
	 * counted again from the image's DL_FLAG_POW records on reload */
	uint32_t pow_used;
	int32_t pow_end;
	/* Non-blocking recording (rec_set_nonblock): the image is flushed and synced by
	 * its writer's threads; operations that make it durable only start that
	 * (rec_make_durable) and leave the ticket to wait for here. */
	bool nonblock;
	uint64_t durable_ticket;
	/* The image writer stopped on an I/O error: the sense every later recording
	 * command gets (rec_image_failure; doc/simdrive-recorder.md §9), key 0 = none */
	struct sim_sense img_fail;
};

static uint64_t rec_now(const struct rec_disc *d)
{
	return d->now_us;
}

void rec_set_time(struct rec_disc *d, uint64_t vtime_us)
{
	d->now_us = vtime_us;
}

static bool rec_test_mode(const struct rec_disc *d)
{
	return d->m->test_write && (d->st.page05[2] & 0x10);
}

static bool rec_formatted(const struct rec_disc *d)
{
	return d->m->random && d->st.disc_status == 3;
}

/* BD-R spare areas of a single-layer 25 GB disc (12 219 392 blocks) in 32-block
 * clusters: default, largest and smallest, the sizes a real drive lists (libburn
 * mmc.c quotes such a list, type dependent parameter = spare clusters). */
#define REC_BDR_NOMINAL 12219392u
static const uint32_t rec_bdr_spare_clusters[REC_SPARE_KINDS] = {
	[REC_SPARE_DEFAULT] = 12288, [REC_SPARE_MAX] = 20480, [REC_SPARE_MIN] = 4096,
};

uint32_t rec_bdr_spare(const struct rec_disc *d, enum rec_spare which)
{
	uint64_t n = (uint64_t)rec_bdr_spare_clusters[which] * d->st.capacity / REC_BDR_NOMINAL;
	return (uint32_t)(n ? n : 1) * rec_family_rules[REC_BD].reserve_unit;
}

uint32_t rec_user_capacity(const struct rec_disc *d)
{
	return d->st.flags & REC_DF_SPARES ? (uint32_t)d->st.last_leadout_lba : d->st.capacity;
}

/* A BD-R formatted for Pseudo-Overwrite (FORMAT UNIT sub-type 00b, SRM+POW). */
static bool rec_pow(const struct rec_disc *d)
{
	return d->m->profile == REC_PROFILE_BD_R && (d->st.flags & REC_DF_POW);
}

/* Replacement clusters an overwrite of n blocks at lba takes (MMC-6 §4.5 POW: the
 * drive replaces whole clusters): every cluster it touches, less the first when the
 * overwrite continues the previous one (*end) inside the cluster that one was filling.
 * *end becomes the LBA after this overwrite.  The same count on every write and on
 * reload, whether the image merged two such writes into one record or not. */
static uint32_t rec_pow_clusters(int32_t *end, int32_t lba, uint32_t n)
{
	uint32_t cluster = rec_family_rules[REC_BD].reserve_unit;
	uint32_t first = (uint32_t)lba / cluster, last = ((uint32_t)lba + n - 1) / cluster;
	uint32_t count = last - first + 1;
	if (lba == *end && (uint32_t)lba % cluster != 0)
		count--;
	*end = lba + (int32_t)n;
	return count;
}

static uint8_t rec_page_wt(const struct rec_disc *d) { return d->st.page05[2] & 0x0f; }
/* Page 05h write types of this medium in this drive. */
static unsigned rec_write_types(const struct rec_disc *d) { return d->m->write_types & d->drive_wt; }
static uint8_t rec_page_tm(const struct rec_disc *d) { return d->st.page05[3] & 0x0f; }
static uint8_t rec_page_dbt(const struct rec_disc *d) { return d->st.page05[4] & 0x0f; }

/* The sense of an image that cannot take more (doc/simdrive-recorder.md §9,
 * doc/simdrive-faults.md "A full or failing disk").  No room left in the image's file
 * system (ENOSPC, a quota, the file size limit): the disc takes no more data although
 * its state says it has room - MEDIUM ERROR, 0C/00 WRITE ERROR (SPC-4 §4.5.6 sense key
 * 3h, a non-recovered error in recording; annex D).  Anything else, EIO from pwrite or
 * fdatasync above all: the storage under the drive failed, not the disc, and after a
 * failed fdatasync nothing the drive cached can be vouched for - HARDWARE ERROR, 44/00
 * INTERNAL TARGET FAILURE (SPC-4 §4.5.6 sense key 4h, a device failure; annex D). */
static struct sim_sense rec_errno_sense(int sys)
{
	if (sys == ENOSPC || sys == EDQUOT || sys == EFBIG)
		return SIM_SENSE_WRITE_ERROR;
	return SIM_SENSE_INTERNAL_TARGET_FAILURE;
}

struct sim_sense rec_image_failure(struct rec_disc *d)
{
	struct dl_error e;
	if (d->img_fail.key || !d->w || !dl_writer_failed(d->w, &e))
		return d->img_fail;
	d->img_fail = rec_errno_sense(e.sys_errno);
	SIM_ERR(SIM_LOGS_SCSI, "%s; the disc refuses recording from now on (sense %X/%02X/%02X)",
		e.msg, d->img_fail.key, d->img_fail.asc, d->img_fail.ascq);
	return d->img_fail;
}

/* The sense of an operation the image did not take: the image's failure, or 04/44/00
 * for any other internal failure (out of memory). */
static struct sim_sense rec_io_sense(struct rec_disc *d)
{
	struct sim_sense f = rec_image_failure(d);
	return f.key ? f : SIM_SENSE_INTERNAL_TARGET_FAILURE;
}

/* A block the state says is recorded but the image does not hold: after an image
 * failure the acknowledged writes that never reached the file (03/11/00 UNRECOVERED
 * READ ERROR, SPC-4 annex D); otherwise not recorded (05/21/00). */
static struct sim_sense rec_missing_sense(struct rec_disc *d)
{
	return rec_image_failure(d).key ? SIM_SENSE_UNRECOVERED_READ : SIM_SENSE_LBA_OUT_OF_RANGE;
}

/* Append a STATE record (not in test write: nothing is recorded then). */
static int rec_persist(struct rec_disc *d)
{
	d->st.vtime_us = rec_now(d);
	if (rec_test_mode(d) || !d->w) {
		d->dirty = rec_test_mode(d) ? d->dirty : false;
		return 0;
	}
	struct dl_error e;
	if (dl_write_state(d->w, &d->st, &e) < 0)
		return -1;
	d->dirty = false;
	return 0;
}

/* Page 05h: default and changeable mask per medium (doc/simdrive-recorder.md §3).  The default write
 * type is TAO on CD and packet on DVD-R/RW; a drive without it defaults to the next
 * it has (SAO, then RAW).  DVD-R/-RW incremental recording writes variable packets,
 * so its default has FP 0 and packet size 0 (MMC-6 §7.5). */
static void rec_page05_default(const struct rec_disc *d, uint8_t p[REC_PAGE05_LEN])
{
	const struct rec_media *m = d->m;
	unsigned wt = rec_write_types(d);
	memset(p, 0, REC_PAGE05_LEN);
	p[0] = 0x05;
	p[1] = REC_PAGE05_LEN - 2;
	if (m->family == REC_CD) {
		p[2] = WT_TAO;
		p[3] = 0x04;		/* multi-session 00b, track mode 4 */
		p[4] = 8;
		p[14] = 0;
		p[15] = 150;		/* audio pause 2 s */
		if (!(wt & WT(WT_TAO)) && (wt & WT(WT_SAO))) {
			p[2] = WT_SAO;
		} else if (!(wt & WT(WT_TAO)) && (wt & WT(WT_RAW))) {
			p[2] = WT_RAW;
			p[4] = 1;	/* 2352 bytes, raw */
		}
	} else if (m->needs_page05 && !(wt & WT(WT_PACKET)) && (wt & WT(WT_SAO))) {
		p[2] = WT_SAO;		/* DVD-R/-RW DAO */
		p[3] = 0x05;
		p[4] = 8;
	} else if (m->needs_page05) {	/* DVD-R/-RW incremental */
		p[2] = 0x20 | WT_PACKET;	/* LS_V */
		p[3] = 0x05;		/* FP 0 (variable packets), track mode 5 */
		p[4] = 8;
		p[5] = 16;		/* link size; packet size 0 */
	} else {			/* accepted and ignored: DBT 8 for information */
		p[3] = 0x04;
		p[4] = 8;
	}
}

static void rec_page05_mask(const struct rec_media *m, uint8_t p[REC_PAGE05_LEN])
{
	memset(p, 0, REC_PAGE05_LEN);
	if (!m->needs_page05 || !m->writable)
		return;
	p[2] = 0x40 | 0x0f | (m->test_write ? 0x10 : 0);	/* BUFE, test write, write type */
	p[3] = 0xc0 | 0x10 | 0x0f;	/* multi-session, copy, track mode */
	p[4] = 0x0f;
	p[7] = 0x3f;
	p[8] = 0xff;
	if (m->family == REC_DVD) {	/* packet writing: LS_V, FP, link and packet size */
		p[2] |= 0x20;
		p[3] |= 0x20;
		p[5] = 0xff;
		memset(p + 10, 0xff, 4);
	}
	memset(p + 14, 0xff, REC_PAGE05_LEN - 14);
}

size_t rec_page05(const struct rec_disc *d, enum rec_page_control pc, uint8_t out[52])
{
	switch (pc) {
	case REC_PC_CURRENT:
		memcpy(out, d->st.page05, REC_PAGE05_LEN);
		break;
	case REC_PC_CHANGEABLE:
		rec_page05_mask(d->m, out);
		out[0] = 0x05;
		out[1] = REC_PAGE05_LEN - 2;
		break;
	default:
		rec_page05_default(d, out);
		break;
	}
	return REC_PAGE05_LEN;
}

/* Is this data block type valid for the write type and track mode?  (MMC-6 §7.5; doc/simdrive-recorder.md §3) */
static bool rec_dbt_allowed(const struct rec_media *m, uint8_t wt, uint8_t tm, uint8_t dbt)
{
	if (!rec_dbt_block_size(dbt))
		return false;
	if (m->family != REC_CD)
		return dbt == 8;
	bool audio = !(tm & 0x04);
	switch (wt) {
	case WT_TAO:
	case WT_PACKET:
		return audio ? dbt == 0 : dbt >= 8;
	case WT_RAW:
		return dbt <= 3;
	default:			/* SAO: the cue sheet decides the blocks */
		return true;
	}
}

/* ---- state building ------------------------------------------------------- */

static struct dl_session *rec_last_session(struct rec_disc *d)
{
	return d->st.nsessions ? &d->st.sessions[d->st.nsessions - 1] : NULL;
}

static int rec_add_session(struct rec_disc *d, int32_t start)
{
	struct dl_session *s = realloc(d->st.sessions, (d->st.nsessions + 1u) * sizeof(*s));
	if (!s)
		return -1;
	d->st.sessions = s;
	s += d->st.nsessions++;
	*s = (struct dl_session){ .number = d->st.nsessions, .state = 0, .start_lba = start,
				  .leadout_lba = -1, .first_track = (uint16_t)(d->st.ntracks + 1),
				  .last_track = (uint16_t)(d->st.ntracks + 1) };
	return 0;
}

/* The invisible track of the last session, from start to the end of the user area. */
static int rec_add_track(struct rec_disc *d, int32_t start)
{
	uint32_t end = rec_user_capacity(d);
	if (start >= (int32_t)end)
		return 0;		/* disc full: no invisible track */
	struct dl_track *t = realloc(d->st.tracks, (d->st.ntracks + 1u) * sizeof(*t));
	if (!t)
		return -1;
	d->st.tracks = t;
	t += d->st.ntracks++;
	uint32_t size = end - (uint32_t)start;
	*t = (struct dl_track){ .number = d->st.ntracks, .session = d->st.nsessions,
				.state = 0, .mode = 4, .data_mode = 1, .flags = TF_BLANK | TF_NWA,
				.start_lba = start, .size = size, .nwa = start,
				.last_recorded = -1, .free_blocks = size };
	struct dl_session *s = rec_last_session(d);
	s->last_track = t->number;
	return 0;
}

/* The tail track: the last track when it is the invisible or incomplete track of an
 * open session (state 0 or 1). */
static struct dl_track *rec_tail(struct rec_disc *d)
{
	struct dl_session *s = rec_last_session(d);
	if (!s || s->state == 3 || !d->st.ntracks || d->m->random)
		return NULL;
	struct dl_track *t = &d->st.tracks[d->st.ntracks - 1];
	return t->session == s->number && t->state <= 1 ? t : NULL;
}

static void rec_refresh_nwa(struct rec_disc *d)
{
	struct dl_track *t = rec_tail(d);
	d->st.nwa = t && (t->flags & TF_NWA) ? t->nwa : -1;
}

static int rec_build_blank(struct rec_disc *d, uint32_t capacity)
{
	struct dl_state *st = &d->st;
	uint8_t page[REC_PAGE05_LEN];
	if (st->page05_len == REC_PAGE05_LEN)
		memcpy(page, st->page05, sizeof(page));
	else
		rec_page05_default(d, page);
	dl_state_free(st);
	memset(st, 0, sizeof(*st));
	st->profile = d->m->profile;
	st->capacity = capacity;
	st->flags = DF_LOADED | (d->m->erasable ? DF_ERASABLE : 0);
	st->leadin_lba = -1;
	st->last_leadout_lba = -1;
	st->page05_len = REC_PAGE05_LEN;
	memcpy(st->page05, page, sizeof(page));
	if (!d->m->writable) {		/* a ROM view without an image: nothing on it */
		st->disc_status = 2;
		st->last_session_state = 3;
		st->nwa = -1;
		return 0;
	}
	if (d->m->family == REC_CD) {
		st->leadin_lba = REC_CD_LEADIN;
		st->last_leadout_lba = (int32_t)capacity;
	}
	if (rec_add_session(d, 0) < 0 || rec_add_track(d, 0) < 0)
		return -1;
	if (d->m->random) {		/* unformatted until FORMAT UNIT (doc/simdrive-recorder.md §2) */
		st->tracks[0].flags = TF_BLANK;
		st->tracks[0].nwa = -1;
	}
	rec_refresh_nwa(d);
	return 0;
}

/* Snapshot for rollback of a failed operation. */
struct rec_txn {
	struct dl_state bak;
	bool dirty;
};

static int rec_begin(struct rec_disc *d, struct rec_txn *x)
{
	x->dirty = d->dirty;
	return dl_state_copy(&x->bak, &d->st) == DL_OK ? 0 : -1;
}

static struct sim_sense rec_end(struct rec_disc *d, struct rec_txn *x, bool ok)
{
	if (ok) {
		dl_state_free(&x->bak);
		return SIM_SENSE_NONE;
	}
	dl_state_free(&d->st);
	d->st = x->bak;
	d->dirty = x->dirty;
	return rec_io_sense(d);
}

/* ---- lifecycle ------------------------------------------------------------ */

static const struct rec_media *rec_media_by_profile(uint16_t profile, const struct rec_media *want)
{
	if (want && want->profile == profile)
		return want;
	for (size_t i = 0; i < rec_media_count; i++)
		if (rec_media_table[i].profile == profile)
			return &rec_media_table[i];
	return NULL;
}

static struct rec_disc *rec_fail(struct rec_disc *d, char *err, size_t errlen, const char *fmt,
				 const char *a, const char *b)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, a, b);
	if (d) {
		if (d->w)
			dl_writer_close(d->w, NULL);
		rec_backing_close(d->backing);
		dl_state_free(&d->st);
		free(d->image);
		free(d);
	}
	return NULL;
}

/* Writes after the last STATE (a crash before the next sync): the DATA records that
 * follow it are replayed on the state, so continuation writes are not lost. */
struct rec_replay {
	struct rec_disc *d;
	uint64_t state_seq;
	bool after;
};

static int rec_find_last_state(void *arg, const struct dl_header *h, uint64_t offset)
{
	(void)offset;
	struct rec_replay *rp = arg;
	if (h->type == DL_REC_STATE && h->part + 1 == h->nparts)
		rp->state_seq = h->seq;
	return 0;
}

static struct dl_track *rec_open_track_at(struct rec_disc *d, int32_t lba);
static void rec_advance(struct rec_disc *d, struct dl_track *t, uint32_t n);

static int rec_replay_data(void *arg, const struct dl_header *h, uint64_t offset)
{
	(void)offset;
	struct rec_replay *rp = arg;
	struct rec_disc *d = rp->d;
	if (h->type != DL_REC_DATA || h->seq <= rp->state_seq)
		return 0;
	const struct dl_data_meta *m = &h->data;
	if (d->m->random) {
		int32_t last = m->lba + (int32_t)m->count - 1;
		if (d->st.ntracks && last > d->st.tracks[0].last_recorded)
			d->st.tracks[0].last_recorded = last;
		rp->after = true;
		return 0;
	}
	struct dl_track *t = rec_open_track_at(d, m->lba);
	if (t && t->last_recorded >= 0 && m->count <= t->free_blocks) {
		rec_advance(d, t, m->count);
		rp->after = true;
	}
	return 0;
}

/* A BD-R POW disc: the replacement clusters its overwrites took, from every DATA
 * record flagged DL_FLAG_POW, in image order (rec_pow_clusters). */
static int rec_count_pow(void *arg, const struct dl_header *h, uint64_t offset)
{
	(void)offset;
	struct rec_disc *d = arg;
	if (h->type == DL_REC_DATA && (h->data.flags & DL_FLAG_POW) && h->data.count)
		d->pow_used += rec_pow_clusters(&d->pow_end, h->data.lba, h->data.count);
	return 0;
}

/* Reload from the image's last STATE (1 when there was one, 0 if none, -1 error). */
static int rec_reload(struct rec_disc *d, const struct rec_media *want, char *err, size_t errlen)
{
	struct stat sb;
	if (stat(d->image, &sb) != 0 || sb.st_size == 0)
		return 0;
	struct dl_error e;
	struct dl_reader *r = dl_reader_open(d->image, DL_OPEN_NO_CRC, &e);
	if (!r) {
		snprintf(err, errlen, "%s", e.msg);
		return -1;
	}
	const struct dl_state *s = dl_reader_state(r);
	int rc = 0;
	if (s) {
		const struct rec_media *m = rec_media_by_profile(s->profile, want);
		bool rom_view = want && !want->writable && m && m->family == want->family;
		if (!m || (want && want != m && !rom_view)) {
			snprintf(err, errlen, "%s: the image holds a %s disc, not %s", d->image,
				 dlx_profile_name(s->profile), want ? want->name : "?");
			rc = -1;
		} else if (dl_state_copy(&d->st, s) != DL_OK) {
			snprintf(err, errlen, "%s: out of memory", d->image);
			rc = -1;
		} else {
			d->m = rom_view ? want : m;
			struct rec_replay rp = { .d = d };
			dl_reader_foreach(r, rec_find_last_state, &rp);
			dl_reader_foreach(r, rec_replay_data, &rp);
			if (rec_pow(d))
				dl_reader_foreach(r, rec_count_pow, d);
			d->dirty = rp.after;
			if (rom_view)
				d->st.profile = want->profile;
			rc = 1;
		}
	}
	dl_reader_close(r);
	return rc;
}

/* A read-only disc over a file: one complete session holding one closed Mode 1 data
 * track from LBA 0 over every block of the file, the lead-out right after it, the disc
 * finalized - the state `disclog import` writes for an ISO (doc/disclog-tool.md), so that
 * an ISO and its imported image are the same disc. */
static int rec_build_backed(struct rec_disc *d, const char *file, char *err, size_t errlen)
{
	if (d->m->writable) {
		snprintf(err, errlen, "media %s is recordable: it takes image=, not file=", d->m->name);
		return -1;
	}
	if (rec_backing_open(file, &d->backing, err, errlen) < 0)
		return -1;
	uint32_t n = rec_backing_blocks(d->backing);
	if (rec_build_blank(d, n) < 0) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	d->st.sessions = calloc(1, sizeof(*d->st.sessions));
	d->st.tracks = calloc(1, sizeof(*d->st.tracks));
	if (!d->st.sessions || !d->st.tracks) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	d->st.nsessions = 1;
	d->st.sessions[0] = (struct dl_session){ .number = 1, .state = 3, .start_lba = 0,
						 .leadout_lba = (int32_t)n, .first_track = 1,
						 .last_track = 1 };
	d->st.ntracks = 1;
	d->st.tracks[0] = (struct dl_track){ .number = 1, .session = 1, .state = 3, .mode = 4,
					     .data_mode = 1, .start_lba = 0, .size = n, .nwa = -1,
					     .last_recorded = (int32_t)n - 1 };
	return 0;
}

struct rec_disc *rec_disc_new(const struct rec_config *cfg, char *err, size_t errlen)
{
	const struct rec_media *m = cfg->media ? rec_media_lookup(cfg->media) : NULL;
	if (cfg->media && !m)
		return rec_fail(NULL, err, errlen, "unknown medium '%s'%s", cfg->media, "");
	if (!m && !cfg->image)
		return rec_fail(NULL, err, errlen, "no medium given%s%s", "", "");
	struct rec_disc *d = calloc(1, sizeof(*d));
	if (!d)
		return rec_fail(NULL, err, errlen, "out of memory%s%s", "", "");
	d->m = m;
	d->now_us = cfg->vtime_us;
	d->drive_wt = cfg->write_types ? cfg->write_types : ~0u;
	d->pow_end = -1;
	int loaded = 0;
	if (cfg->file) {
		char msg[400];
		if (!m || cfg->image || rec_build_backed(d, cfg->file, msg, sizeof(msg)) < 0)
			return rec_fail(d, err, errlen, "%s%s", m && !cfg->image ? msg
					: "a file backs a read-only disc named by media=, without image=", "");
		return d;
	}
	if (cfg->image) {
		d->image = strdup(cfg->image);
		if (!d->image)
			return rec_fail(d, err, errlen, "out of memory%s%s", "", "");
		char msg[300];
		loaded = rec_reload(d, m, msg, sizeof(msg));
		if (loaded < 0)
			return rec_fail(d, err, errlen, "%s%s", msg, "");
		if (!loaded && !m)
			return rec_fail(d, err, errlen, "%s: no disc state in the image and no medium given%s",
					cfg->image, "");
	}
	if (!loaded && rec_build_blank(d, cfg->capacity ? cfg->capacity : d->m->capacity) < 0)
		return rec_fail(d, err, errlen, "out of memory%s%s", "", "");
	if (cfg->image && d->m->writable) {
		struct dl_error e;
		/* Compression runs on the writer's worker pool, not on the event loop that
		 * serves every initiator: a WRITE only copies its blocks into a job. */
		static const struct dl_writer_opts pool = { .level = 1, .threads = 2 };
		d->w = dl_writer_open(cfg->image, cfg->writer ? cfg->writer : &pool, &e);
		if (!d->w)
			return rec_fail(d, err, errlen, "%s%s", e.msg, "");
		if (!loaded && rec_persist(d) < 0)
			return rec_fail(d, err, errlen, "%s: cannot write the initial state%s", cfg->image, "");
	}
	d->read_stale = true;
	return d;
}

void rec_disc_free(struct rec_disc *d)
{
	if (!d)
		return;
	if (d->w) {
		if (d->dirty)
			rec_persist(d);
		dl_writer_close(d->w, NULL);
	}
	if (d->r)
		dl_reader_close(d->r);
	rec_backing_close(d->backing);
	dl_state_free(&d->st);
	if (d->have_saved)
		dl_state_free(&d->saved);
	free(d->image);
	free(d);
}

const struct rec_media *rec_medium(const struct rec_disc *d) { return d->m; }
const struct dl_state *rec_state(const struct rec_disc *d) { return &d->st; }

/* ---- page 05h select ------------------------------------------------------ */

struct sim_sense rec_page05_select(struct rec_disc *d, const uint8_t *page, size_t len)
{
	if (len < 2)
		return SIM_SENSE_PARAM_LIST_LENGTH;
	if ((page[0] & 0x3f) != 0x05 || (page[0] & 0x80) || page[1] != REC_PAGE05_LEN - 2)
		return SIM_SENSE_INVALID_FIELD_IN_PARAM;
	if (len < REC_PAGE05_LEN)
		return SIM_SENSE_PARAM_LIST_LENGTH;
	if (!d->m->needs_page05)	/* DVD+R, DVD+RW, BD: accept and ignore (doc/simdrive-recorder.md §3) */
		return SIM_SENSE_NONE;
	uint8_t mask[REC_PAGE05_LEN];
	rec_page05_mask(d->m, mask);
	for (size_t i = 2; i < REC_PAGE05_LEN; i++)
		if ((page[i] ^ d->st.page05[i]) & ~mask[i])
			return SIM_SENSE_INVALID_FIELD_IN_PARAM;
	uint8_t wt = page[2] & 0x0f, tm = page[3] & 0x0f, dbt = page[4] & 0x0f;
	if (!(rec_write_types(d) & WT(wt)))	/* the medium's or the drive's */
		return SIM_SENSE_INVALID_FIELD_IN_PARAM;
	if ((page[3] >> 6) == 2 || tm > 7)
		return SIM_SENSE_PARAM_VALUE_INVALID;
	if (d->m->family != REC_CD && !(tm & 0x04))	/* no audio on DVD */
		return SIM_SENSE_PARAM_VALUE_INVALID;
	if (!rec_dbt_allowed(d->m, wt, tm, dbt))	/* doc/simdrive-recorder.md §3 */
		return SIM_SENSE_INVALID_FIELD_IN_PARAM;
	if (wt == WT_PACKET) {			/* DVD-R incremental: link 16, packet 16 */
		if ((page[2] & 0x20) && page[5] != 16)
			return SIM_SENSE_PARAM_VALUE_INVALID;
		uint32_t ps = (uint32_t)page[10] << 24 | page[11] << 16 | page[12] << 8 | page[13];
		if ((page[3] & 0x20) && ps != 16)
			return SIM_SENSE_PARAM_VALUE_INVALID;
	}
	bool was_test = rec_test_mode(d);
	bool is_test = d->m->test_write && (page[2] & 0x10);
	if (memcmp(page + 2, d->st.page05 + 2, REC_PAGE05_LEN - 2) == 0)
		return SIM_SENSE_NONE;
	struct sim_sense failed = rec_image_failure(d);	/* §9: the same cause from then on */
	if (failed.key)
		return failed;
	struct rec_txn x;
	if (rec_begin(d, &x) < 0)
		return SIM_SENSE_INTERNAL_TARGET_FAILURE;
	if (!was_test && is_test) {		/* a simulated run starts from this layout */
		if (d->have_saved)
			dl_state_free(&d->saved);
		d->have_saved = dl_state_copy(&d->saved, &d->st) == DL_OK;
	} else if (was_test && !is_test && d->have_saved) {	/* the run ends: disc as before */
		dl_state_free(&d->st);
		d->st = d->saved;
		d->have_saved = false;
		memset(&d->saved, 0, sizeof(d->saved));
	}
	memcpy(d->st.page05 + 2, page + 2, REC_PAGE05_LEN - 2);
	if (wt != WT_SAO)
		d->sao_armed = false;	/* a cue sheet holds for one SAO recording */
	if (is_test) {
		/* the page itself is recorded even in test write: clear the bit for that */
		d->st.page05[2] &= (uint8_t)~0x10;
		bool ok = rec_persist(d) == 0;
		d->st.page05[2] |= 0x10;
		if (!ok)
			return rec_end(d, &x, false);
		if (d->have_saved)
			memcpy(d->saved.page05, d->st.page05, REC_PAGE05_LEN);
	} else if (rec_persist(d) < 0) {
		return rec_end(d, &x, false);
	}
	return rec_end(d, &x, true);
}

/* The bytes a WRITE of n blocks at lba must carry (MMC-6 §6.44.3 and
 * doc/simdrive-recorder.md: blocks x the block size in force): the block size at each
 * LBA summed, since an SAO write may cross cue-sheet fragments of different sizes; 0
 * blocks are 0 bytes.  Stops counting once above limit.  False when some LBA has no
 * write state. */
static bool rec_write_bytes(const struct rec_disc *d, int32_t lba, uint32_t n, uint64_t limit,
			    uint64_t *out)
{
	*out = 0;
	if (n == 0)
		return true;
	uint32_t bpb = rec_write_block_size(d, lba);
	if (!bpb)
		return false;
	if (!(d->m->family == REC_CD && rec_page_wt(d) == WT_SAO)) {
		*out = (uint64_t)bpb * n;
		return true;
	}
	uint64_t sum = bpb;
	for (uint32_t i = 1; i < n && sum <= limit; i++) {
		uint32_t b = rec_write_block_size(d, (int32_t)((int64_t)lba + i));
		if (!b)
			return false;
		sum += b;
	}
	*out = sum;
	return true;
}

struct sim_sense rec_write_length(const struct rec_disc *d, const struct rec_write_req *w,
				  uint64_t *bytes)
{
	if (!rec_write_bytes(d, w->lba, w->nblocks, w->edtl, bytes))
		return SIM_SENSE_COMMAND_SEQUENCE_ERROR;
	/* The expected and the received data must both be the blocks' bytes: nothing is
	 * recorded otherwise. */
	if (*bytes != w->edtl || *bytes != w->len || (*bytes && !w->data))
		return SIM_SENSE_INVALID_FIELD_IN_CDB;
	return SIM_SENSE_NONE;
}

bool rec_underrun_free(const struct rec_disc *d)
{
	/* CD and DVD-R/-RW survive an underrun only with BUFE (page 05h byte 2 b6, MMC-6
	 * §7.5); DVD+R(W), BD and the random media link losslessly. */
	if (!d->m->needs_page05)
		return true;
	return d->st.page05_len > 2 && (d->st.page05[2] & 0x40);
}

uint32_t rec_write_block_size(const struct rec_disc *d, int32_t lba)
{
	(void)lba;
	if (!d->m->writable)
		return 0;
	if (d->m->family != REC_CD)
		return 2048;
	uint8_t wt = rec_page_wt(d);
	if (wt == WT_SAO) {		/* the cue sheet fragment holding lba */
		for (unsigned i = 0; d->sao_armed && i < d->nfrags; i++)
			if (lba >= d->frags[i].start && lba < d->frags[i].end)
				return d->frags[i].bpb;
		return 0;
	}
	return rec_dbt_block_size(rec_page_dbt(d));	/* TAO, packet, RAW (doc/simdrive-recorder.md §4) */
}

/* ---- write ---------------------------------------------------------------- */

/* Status of a track at its first write under write type 0.  On DVD-R/-RW sequential
 * media this is incremental recording: Packet/Inc 1, FP 0, no fixed packet size,
 * whatever page 05h FP says (MMC-6 §6.27 track status: FP 1 on DVD-R/-RW is a
 * Restricted Overwrite track); FP and packet size are validated, not used there
 * (doc/simdrive-recorder.md §3).  Elsewhere FP selects fixed packets (§7.5). */
static void rec_packet_track(const struct rec_disc *d, struct dl_track *t)
{
	const uint8_t *p = d->st.page05;
	t->flags |= TF_PACKET;
	t->packet_size = 0;
	if (d->m->family == REC_DVD)
		return;
	if (p[3] & 0x20) {
		t->flags |= TF_FP;
		t->packet_size = (uint32_t)p[10] << 24 | (uint32_t)p[11] << 16 | (uint32_t)p[12] << 8 | p[13];
	}
}

static struct dl_track *rec_open_track_at(struct rec_disc *d, int32_t lba)
{
	struct dl_session *s = rec_last_session(d);
	if (!s || s->state == 3)
		return NULL;
	for (uint16_t i = 0; i < d->st.ntracks; i++) {
		struct dl_track *t = &d->st.tracks[i];
		if (t->session == s->number && t->state <= 2 && (t->flags & TF_NWA) && t->nwa == lba)
			return t;
	}
	return NULL;
}

static uint8_t rec_track_data_mode(const struct rec_disc *d)
{
	return d->m->family == REC_CD ? rec_dbt[rec_page_dbt(d)].data_mode : 1;
}

/* Append w's blocks as a DATA record; flags adds DL_FLAG_POW to an overwrite. */
static struct sim_sense rec_record(struct rec_disc *d, const struct rec_write_req *w, uint32_t bs,
				   uint16_t track, uint16_t session, uint8_t flags)
{
	if (rec_test_mode(d) || !d->w || w->no_record)
		return SIM_SENSE_NONE;
	struct dl_data_meta meta = {
		.lba = w->lba, .count = w->nblocks, .block_size = bs,
		.data_block_type = d->m->needs_page05 ? rec_page_dbt(d) : DL_NA,
		.write_type = d->m->needs_page05 ? rec_page_wt(d) : DL_NA,
		.opcode = w->opcode,
		.flags = (uint8_t)(flags | (w->streaming ? DL_FLAG_STREAMING : 0) |
				   (w->fua ? DL_FLAG_FUA : 0)),
		.track = track, .session = session, .vtime_us = rec_now(d),
	};
	struct dl_error e;
	if (dl_write_data(d->w, &meta, w->data, w->len, &e) < 0)
		return rec_io_sense(d);
	d->read_stale = true;
	return SIM_SENSE_NONE;
}

static struct sim_sense rec_write_random(struct rec_disc *d, const struct rec_write_req *w)
{
	struct dl_track *t = &d->st.tracks[0];
	if (w->lba < 0 || (uint64_t)w->lba + w->nblocks > t->size)
		return SIM_SENSE_LBA_OUT_OF_RANGE;
	struct sim_sense s = rec_record(d, w, 2048, t->number, t->session, 0);
	if (s.key)
		return s;
	int32_t last = w->lba + (int32_t)w->nblocks - 1;
	if (last > t->last_recorded) {
		t->last_recorded = last;
		d->dirty = true;	/* STATE at the next sync, not per write */
	}
	return SIM_SENSE_NONE;
}

/* n blocks were written at t's NWA: the NWA moves, the session opens. */
static void rec_advance(struct rec_disc *d, struct dl_track *t, uint32_t n)
{
	struct dl_session *ses = &d->st.sessions[t->session - 1];
	t->nwa += (int32_t)n;
	t->last_recorded = t->nwa - 1;
	t->free_blocks -= n;
	if (!t->free_blocks) {
		t->nwa = -1;
		t->flags &= (uint8_t)~TF_NWA;
	}
	if (ses->state == 0) {
		ses->state = 1;
		d->st.last_session_state = 1;
		d->st.disc_status = 1;
	}
	rec_refresh_nwa(d);
}

/* Data mode of a cue sheet DATA FORM (MMC-6 SEND CUE SHEET; doc/simdrive-recorder.md §8): 0xh audio, 1xh mode 1, 2xh/3xh mode 2. */
static uint8_t rec_form_data_mode(uint8_t form)
{
	switch (form & 0x30) {
	case 0x10: return 1;
	case 0x20: case 0x30: return 2;
	default: return 0x0f;
	}
}

/* SAO: the tracks of the cue sheet replace the invisible track at the first WRITE:
 * track n spans from its INDEX 01 to the first entry of track n+1 (or the lead-out);
 * they are fixed-size (state 2) until the SYNC after the last block closes them. */
static int rec_sao_layout(struct rec_disc *d)
{
	struct dl_track *tail = rec_tail(d);
	if (tail && tail->state == 0)
		d->st.ntracks--;
	for (unsigned i = 0; i < d->nfrags; i++) {
		const struct rec_frag *f = &d->frags[i];
		if (f->idx != 1)
			continue;
		int32_t end = d->sao_end;
		for (unsigned k = i + 1; k < d->nfrags; k++)
			if (d->frags[k].tno != f->tno) {
				end = d->frags[k].start;
				break;
			}
		if (rec_add_track(d, f->start) < 0)
			return -1;
		struct dl_track *t = &d->st.tracks[d->st.ntracks - 1];
		t->state = 2;
		t->size = t->free_blocks = (uint32_t)(end - f->start);
		t->mode = f->ctl & 0x0f;
		t->data_mode = rec_form_data_mode(f->form);
	}
	for (unsigned i = 0; i < d->nfrags; i++)	/* INDEX 02..99 for the Q */
		if (d->frags[i].idx >= 2 && d->nqidx < REC_CUE_MAX)
			d->qidx[d->nqidx++] = (struct rec_qidx){ d->frags[i].start, d->frags[i].idx };
	struct dl_session *s = rec_last_session(d);
	s->state = 1;
	d->st.last_session_state = 1;
	d->st.disc_status = 1;
	return 0;
}

static struct sim_sense rec_write_sao(struct rec_disc *d, const struct rec_write_req *w)
{
	if (!d->sao_armed)
		return SIM_SENSE_COMMAND_SEQUENCE_ERROR;	/* no cue sheet (cdemu) */
	if (w->lba != d->sao_nwa)
		return w->lba < d->frags[0].start || w->lba >= d->sao_end
			? SIM_SENSE_LBA_OUT_OF_RANGE : SIM_SENSE_INVALID_ADDRESS_FOR_WRITE;
	if ((int64_t)w->lba + w->nblocks > d->sao_end)
		return SIM_SENSE_LBA_OUT_OF_RANGE;
	uint64_t want;
	if (!rec_write_bytes(d, w->lba, w->nblocks, w->len, &want) || !w->data || want != w->len)
		return SIM_SENSE_INVALID_FIELD_IN_CDB;
	struct rec_txn x;
	if (rec_begin(d, &x) < 0)
		return SIM_SENSE_INTERNAL_TARGET_FAILURE;
	bool first = d->sao_nwa == d->frags[0].start;
	if (first && rec_sao_layout(d) < 0)
		return rec_end(d, &x, false);
	/* one DATA record per run of blocks in one fragment */
	size_t off = 0;
	for (uint32_t i = 0; i < w->nblocks;) {
		int32_t lba = w->lba + (int32_t)i;
		const struct rec_frag *f = d->frags;
		while (lba >= f->end)
			f++;
		uint32_t n = (uint32_t)(f->end - lba);
		if (n > w->nblocks - i)
			n = w->nblocks - i;
		struct rec_write_req part = *w;
		part.lba = lba;
		part.nblocks = n;
		part.data = w->data + off;
		part.len = (size_t)n * f->bpb;
		uint16_t tno = f->tno;
		struct dl_track *t = NULL;
		for (uint16_t k = 0; k < d->st.ntracks; k++)
			if (d->st.tracks[k].session == d->st.nsessions &&
			    lba >= d->st.tracks[k].start_lba &&
			    lba < d->st.tracks[k].start_lba + (int32_t)d->st.tracks[k].size)
				t = &d->st.tracks[k];
		if (!rec_test_mode(d) && d->w && !w->no_record) {
			struct dl_data_meta meta = {
				.lba = lba, .count = n, .block_size = f->bpb,
				.data_block_type = DL_NA, .write_type = WT_SAO, .opcode = w->opcode,
				.flags = (uint8_t)((w->streaming ? DL_FLAG_STREAMING : 0) |
						   (w->fua ? DL_FLAG_FUA : 0)),
				.track = tno, .session = d->st.nsessions, .vtime_us = rec_now(d),
			};
			struct dl_error e;
			if (dl_write_data(d->w, &meta, part.data, part.len, &e) < 0)
				return rec_end(d, &x, false);
			d->read_stale = true;
		}
		if (t) {		/* pregap blocks belong to no track */
			t->flags &= (uint8_t)~TF_BLANK;
			rec_advance(d, t, n);
		}
		off += part.len;
		i += n;
	}
	d->sao_nwa = w->lba + (int32_t)w->nblocks;
	if (first) {
		if (rec_persist(d) < 0)
			return rec_end(d, &x, false);
	} else {
		d->dirty = true;
	}
	return rec_end(d, &x, true);
}

/* ---- RAW (write type 3, CD) -------------------------------------------------- */

static struct dl_reader *rec_reader(struct rec_disc *d);

/* Data mode of a raw main-channel block: 1 or 2 from the header mode byte (plain or
 * scrambled by the host, ECMA-130 Annex B), Fh when there is no sync pattern (audio)
 * or no mode. */
static uint8_t rec_raw_data_mode(const uint8_t *blk)
{
	if (!cds_sync_ok(blk))
		return 0x0f;
	uint8_t hdr[4];
	memcpy(hdr, blk + CDS_OFF_HEADER, sizeof(hdr));
	if (hdr[3] != 1 && hdr[3] != 2)
		cds_scramble(hdr, sizeof(hdr));
	return hdr[3] == 1 || hdr[3] == 2 ? hdr[3] : 0x0f;
}

static void rec_raw_diag(struct rec_disc *d, int32_t lba, const char *what)
{
	if (d->raw_diag++ < 16)
		SIM_WARN(SIM_LOGS_SCSI, "RAW write: block %ld: %s (recorded as given)", (long)lba, what);
}

/* Q of a raw block into q[12]: DBT 1 carries it formatted in bytes 2352..2363, DBT 3
 * interleaved in the 96 P-W bytes; DBT 2 likewise when P/Q bits are there (wodim
 * -raw96p sends P and Q in b7/b6 beside packed R-W), none when only R-W is; DBT 0
 * carries none. */
static bool rec_raw_q(uint8_t dbt, const uint8_t *blk, uint8_t q[CDS_CHAN_SIZE])
{
	if (dbt == 1) {
		memcpy(q, blk + CDS_RAW_SIZE, CDS_CHAN_SIZE);
		return true;
	}
	if (dbt == 3 || (dbt == 2 && cds_sub_has_pq(blk + CDS_RAW_SIZE))) {
		uint8_t ch[8][CDS_CHAN_SIZE];
		cds_sub_deinterleave(ch, blk + CDS_RAW_SIZE);
		memcpy(q, ch[1], CDS_CHAN_SIZE);
		return true;
	}
	return false;
}

/* One block of the RAW session at lba: note track starts, INDEX 01, the lead-out
 * from mode-1 Q; everything odd is a diagnostic.  Returns the Q track number
 * (0 lead-in, AAh lead-out, 0 when unknown). */
static uint16_t rec_raw_scan(struct rec_disc *d, int32_t lba, const uint8_t *blk, int32_t pstart)
{
	uint8_t q[CDS_CHAN_SIZE];
	if (!rec_raw_q(rec_page_dbt(d), blk, q))
		return 0;
	bool crc_ok = cds_q_crc_ok(q) || cds_crc16(q, 10) == (uint16_t)(q[10] << 8 | q[11]);
	if (!crc_ok) {
		rec_raw_diag(d, lba, "Q CRC mismatch, Q ignored");
		return 0;
	}
	if ((q[0] & 0x0f) != 1)		/* MCN / ISRC frames carry no position */
		return 0;
	/* The block's own time: bytes 7-9 (AMIN ASEC AFRAME) in the program area and the
	 * lead-out; in the lead-in bytes 7-9 are the TOC entry's PMIN PSEC PFRAME and the
	 * running time is in bytes 3-5 (ECMA-130 §22.3.4). */
	bool leadin = lba < pstart - CDS_PREGAP;
	const uint8_t *t3 = q + (leadin ? 3 : 7);
	struct cds_msf msf = { (uint8_t)cds_unbcd(t3[0]), (uint8_t)cds_unbcd(t3[1]),
			       (uint8_t)cds_unbcd(t3[2]) };
	int32_t qlba;
	if (cds_msf_to_lba(msf, &qlba) < 0 || qlba != lba)
		rec_raw_diag(d, lba, "Q absolute time is not the block's address");
	if (leadin) {	/* the lead-in: TOC frames */
		if (q[1] != 0)
			rec_raw_diag(d, lba, "Q TNO in the lead-in is not 00");
		return 0;
	}
	if (q[1] == 0xaa) {
		if (d->raw_leadout < 0)
			d->raw_leadout = lba;
		return 0xaa;
	}
	unsigned tno = cds_unbcd(q[1]), idx = cds_unbcd(q[2]);
	if (tno < 1 || tno > 99 || d->raw_leadout >= 0) {
		rec_raw_diag(d, lba, d->raw_leadout >= 0 ? "track after the lead-out, ignored"
							  : "Q TNO out of range");
		return 0;
	}
	struct rec_rawtrk *t = d->raw_ntrk ? &d->raw_trk[d->raw_ntrk - 1] : NULL;
	if (!t || tno != t->tno) {
		unsigned want = t ? t->tno + 1u : 1u;
		if (tno != want || d->raw_ntrk >= 99) {
			rec_raw_diag(d, lba, "track number out of sequence, ignored");
			return (uint16_t)tno;
		}
		t = &d->raw_trk[d->raw_ntrk++];
		*t = (struct rec_rawtrk){ .first = lba, .idx1 = -1, .tno = (uint8_t)tno };
	}
	if (idx >= 1 && t->idx1 < 0) {
		t->idx1 = lba;
		t->ctl = q[0] >> 4;
		t->data_mode = rec_raw_data_mode(blk);
	}
	return (uint16_t)tno;
}

static struct sim_sense rec_write_raw(struct rec_disc *d, const struct rec_write_req *w, uint32_t bs)
{
	struct dl_track *tail = rec_tail(d);
	if (!d->raw_active) {		/* a RAW session starts at the lead-in of an empty one */
		if (!tail || tail->state != 0 || d->st.last_session_state != 0 || d->st.leadin_lba == -1)
			return SIM_SENSE_COMMAND_SEQUENCE_ERROR;
		if (w->lba != d->st.leadin_lba)
			return SIM_SENSE_INVALID_ADDRESS_FOR_WRITE;
	} else if (w->lba != d->raw_nwa) {
		return SIM_SENSE_INVALID_ADDRESS_FOR_WRITE;
	}
	int32_t end = (d->st.last_leadout_lba > 0 ? d->st.last_leadout_lba : (int32_t)d->st.capacity) +
		      (d->st.nsessions == 1 ? REC_CD_LEADOUT1 : REC_CD_LEADOUTN);
	if ((int64_t)w->lba + w->nblocks > end)
		return SIM_SENSE_LBA_OUT_OF_RANGE;
	int32_t pstart = tail ? tail->start_lba : 0;
	bool was_active = d->raw_active;
	unsigned ntrk = d->raw_ntrk;
	int32_t leadout = d->raw_leadout;
	struct rec_rawtrk last = ntrk ? d->raw_trk[ntrk - 1] : (struct rec_rawtrk){ 0 };
	if (!d->raw_active) {
		d->raw_active = true;
		d->raw_ntrk = ntrk = 0;
		d->raw_leadout = leadout = -1;
		d->raw_diag = 0;
	}
	uint16_t tno = 0;
	for (uint32_t i = 0; i < w->nblocks; i++) {
		const uint8_t *blk = w->data + (size_t)i * bs;
		uint16_t n = rec_raw_scan(d, w->lba + (int32_t)i, blk, pstart);
		if (i == 0)
			tno = n;
		if (cds_sync_ok(blk) && (blk[CDS_OFF_MODE] == 1 || blk[CDS_OFF_MODE] == 2))
			rec_raw_diag(d, w->lba + (int32_t)i,
				     "data sector not scrambled (ECMA-130 Annex B): it will not read back");
	}
	struct sim_sense s = rec_record(d, w, bs, tno, d->st.nsessions, 0);
	if (s.key) {			/* what Q told of these blocks is forgotten */
		d->raw_active = was_active;
		d->raw_ntrk = ntrk;
		d->raw_leadout = leadout;
		if (ntrk)
			d->raw_trk[ntrk - 1] = last;
		return s;
	}
	d->raw_nwa = w->lba + (int32_t)w->nblocks;
	return SIM_SENSE_NONE;
}

/* The session a RAW recording wrote, from Q: the invisible track goes, track n spans
 * from its INDEX 01 to the first block of track n+1 (or the lead-out, or the last
 * block written); tracks are filled reservations (state 2) that the session close
 * that follows closes.  No track found: one track over the written program area,
 * its mode from the main channel.  -1 when nothing was written in the program area. */
static int rec_raw_layout(struct rec_disc *d)
{
	struct dl_track *tail = rec_tail(d);
	if (!tail || tail->state != 0)
		return -1;
	int32_t pstart = tail->start_lba;
	int32_t stop = d->raw_leadout >= 0 ? d->raw_leadout : d->raw_nwa;
	struct rec_rawtrk one;
	const struct rec_rawtrk *trk = d->raw_trk;
	unsigned n = d->raw_ntrk;
	if (!n) {
		if (stop <= pstart)
			return -1;
		uint8_t blk[DL_BLOCK_SIZE_MAX];
		struct dl_reader *r = rec_reader(d);
		struct dl_error e;
		uint8_t dm = r && dl_reader_read(r, pstart, 1, blk, sizeof(blk), &e) >= CDS_RAW_SIZE
			? rec_raw_data_mode(blk) : 1;
		one = (struct rec_rawtrk){ .first = pstart, .idx1 = pstart, .tno = 1,
					   .ctl = dm == 0x0f ? 0 : 4, .data_mode = dm };
		trk = &one;
		n = 1;
		rec_raw_diag(d, pstart, "no track in Q: one track over the program area");
	}
	if (d->raw_ntrk && (trk[0].first > pstart - CDS_PREGAP || trk[0].idx1 != pstart))
		rec_raw_diag(d, trk[0].first, "first track not at the session's program start");
	d->st.ntracks--;		/* the invisible track goes */
	unsigned added = 0;
	for (unsigned i = 0; i < n; i++) {
		int32_t start = trk[i].idx1 >= 0 ? trk[i].idx1 : trk[i].first;
		int32_t tend = i + 1 < n ? trk[i + 1].first : stop;
		if (tend > d->raw_nwa)
			tend = d->raw_nwa;
		if (tend <= start || start >= (int32_t)d->st.capacity)
			continue;
		if (rec_add_track(d, start) < 0)
			return -1;
		struct dl_track *t = &d->st.tracks[d->st.ntracks - 1];
		t->state = 2;
		t->size = (uint32_t)(tend - start);
		t->free_blocks = 0;
		t->nwa = -1;
		t->last_recorded = tend - 1;
		t->flags = 0;
		t->mode = trk[i].ctl & 0x0f;
		t->data_mode = trk[i].data_mode;
		added++;
	}
	if (!added)
		return -1;
	struct dl_session *s = rec_last_session(d);
	s->state = 1;
	d->st.last_session_state = 1;
	d->st.disc_status = 1;
	d->raw_active = false;
	return 0;
}

static bool rec_readable(struct rec_disc *d, int32_t lba, const struct dl_track **tp);

/* BD-R Pseudo-OverWrite (MMC-6 §4.5 POW, feature 0038h): a write to blocks already
 * recorded in the user data area logically replaces them.  The drive records the new
 * data in replacement clusters taken from the spare areas and remaps the LBAs to them,
 * so reading those LBAs returns the new data, while the NWA, the tracks, the session
 * and the disc stay as they were.  Here the blocks are recorded at their own LBAs,
 * flagged DL_FLAG_POW: the image's latest-wins rule is the remapping.  Every block must
 * be recorded (an unrecorded block off an NWA is 05/21/02, as on any SRM disc); no
 * replacement cluster left in the spare areas is 03/32/00. */
static struct sim_sense rec_write_pow(struct rec_disc *d, const struct rec_write_req *w)
{
	const struct dl_track *t = NULL, *first = NULL;
	for (int64_t a = w->lba; a < (int64_t)w->lba + w->nblocks; a = t->last_recorded + 1LL) {
		if (!rec_readable(d, (int32_t)a, &t))
			return SIM_SENSE_INVALID_ADDRESS_FOR_WRITE;
		if (!first)
			first = t;
	}
	uint32_t cluster = rec_family_rules[REC_BD].reserve_unit;
	uint32_t spare = (d->st.capacity - rec_user_capacity(d)) / cluster;
	int32_t end = d->pow_end;
	uint32_t need = rec_pow_clusters(&end, w->lba, w->nblocks);
	if ((uint64_t)d->pow_used + need > spare)
		return SIM_SENSE_NO_DEFECT_SPARE;
	struct sim_sense s = rec_record(d, w, 2048, first->number, first->session, DL_FLAG_POW);
	if (s.key)
		return s;
	d->pow_used += need;
	d->pow_end = end;
	return SIM_SENSE_NONE;
}

struct sim_sense rec_write(struct rec_disc *d, const struct rec_write_req *w)
{
	d->now_us = w->vtime_us;
	if (!d->m->writable)
		return SIM_SENSE_CANNOT_WRITE_INCOMPATIBLE_FORMAT;
	if (!(d->st.flags & DF_LOADED))
		return SIM_SENSE_MEDIUM_NOT_PRESENT;
	if (w->nblocks == 0)
		return SIM_SENSE_NONE;
	struct sim_sense failed = rec_image_failure(d);	/* §9: the same cause from then on */
	if (failed.key)
		return failed;
	if (d->st.disc_status == 2)		/* finalized: doc/simdrive-recorder.md §4 */
		return SIM_SENSE_INVALID_ADDRESS_FOR_WRITE;
	if (d->m->random && !rec_formatted(d))
		return SIM_SENSE_MEDIUM_NOT_FORMATTED;
	if (d->m->family == REC_CD && rec_page_wt(d) == WT_SAO)
		return rec_write_sao(d, w);
	uint32_t bs = rec_write_block_size(d, w->lba);
	if (!bs || (d->m->needs_page05 && !(rec_write_types(d) & WT(rec_page_wt(d)))))
		return SIM_SENSE_COMMAND_SEQUENCE_ERROR;
	uint64_t want;
	if (!rec_write_bytes(d, w->lba, w->nblocks, w->len, &want) || !w->data || want != w->len)
		return SIM_SENSE_INVALID_FIELD_IN_CDB;
	if (d->m->family == REC_CD && rec_page_wt(d) == WT_RAW)
		return rec_write_raw(d, w, bs);
	if (d->m->random)
		return rec_write_random(d, w);

	struct dl_track *t = rec_open_track_at(d, w->lba);
	bool in_user_area = w->lba >= 0 && w->lba < (int32_t)rec_user_capacity(d);
	if (!t && in_user_area && rec_pow(d))
		return rec_write_pow(d, w);	/* not at an NWA: an overwrite (MMC-6 POW) */
	if (!t)
		return in_user_area ? SIM_SENSE_INVALID_ADDRESS_FOR_WRITE : SIM_SENSE_LBA_OUT_OF_RANGE;
	if ((uint64_t)w->lba + w->nblocks > (uint64_t)t->start_lba + t->size)
		return t->state == 2 ? SIM_SENSE_END_OF_USER_AREA : SIM_SENSE_LBA_OUT_OF_RANGE;
	bool started = t->last_recorded >= 0;
	if (d->m->needs_page05 && (started || t->state == 2) &&
	    ((t->mode & 0x04) != (rec_page_tm(d) & 0x04) || t->data_mode != rec_track_data_mode(d)))
		return SIM_SENSE_ILLEGAL_MODE_FOR_TRACK;	/* doc/simdrive-recorder.md §3 */
	if (d->m->family == REC_DVD && d->m->needs_page05 && rec_page_wt(d) == WT_SAO && t->state != 2)
		return SIM_SENSE_COMMAND_SEQUENCE_ERROR;	/* DVD-R DAO needs RESERVE TRACK (doc/simdrive-recorder.md §4) */

	struct rec_txn x;
	if (rec_begin(d, &x) < 0)
		return SIM_SENSE_INTERNAL_TARGET_FAILURE;
	struct sim_sense s = rec_record(d, w, bs, t->number, t->session, 0);
	if (s.key) {
		rec_end(d, &x, true);
		return s;
	}
	bool layout = !started || d->st.sessions[t->session - 1].state == 0;
	if (!started) {			/* the track takes its mode from page 05h */
		if (d->m->needs_page05) {
			t->mode = rec_page_tm(d);
			t->data_mode = rec_track_data_mode(d);
			if (rec_page_wt(d) == WT_PACKET)
				rec_packet_track(d, t);
		}
		t->flags &= (uint8_t)~TF_BLANK;
		if (t->state == 0)
			t->state = 1;
	}
	rec_advance(d, t, w->nblocks);
	if (layout) {
		if (rec_persist(d) < 0)
			return rec_end(d, &x, false);
	} else {
		d->dirty = true;
	}
	return rec_end(d, &x, true);
}

/* ---- close / sync --------------------------------------------------------- */

/* The end LBA the host asked for when it reserved t: MMC-6 §6.31 has the drive round
 * a DVD reservation up to whole ECC blocks, and the host then writes only what it
 * asked for.  The rounded end when not known (a reloaded image). */
static int32_t rec_resv_want_end(const struct rec_disc *d, const struct dl_track *t)
{
	int32_t end = t->start_lba + (int32_t)t->size;
	int32_t want = t->number <= REC_DVD_MAX_TRACKS ? d->resv_want[t->number - 1] : 0;
	return want > t->start_lba && want < end ? want : end;
}

/* The drive fills reserved track t from its NWA to its end with zero blocks (a
 * reservation is recorded whole: MMC-6 §6.3 CLOSE TRACK, §4.5 Disc-at-Once), recorded
 * as the host's blocks are, under the opcode of the command that made the drive write
 * them.  CD SAO/RAW tracks have no NWA of their own: they close as they are. */
static struct sim_sense rec_pad(struct rec_disc *d, struct dl_track *t, uint8_t opcode)
{
	enum { CHUNK = 512 };		/* blocks per DATA record */
	uint32_t bs = d->m->family == REC_CD && rec_page_wt(d) != WT_TAO
		      ? 0 : rec_write_block_size(d, t->nwa);
	if (t->state != 2 || !(t->flags & TF_NWA) || !t->free_blocks || !bs)
		return SIM_SENSE_NONE;
	uint8_t *zero = calloc(CHUNK, bs);
	if (!zero)
		return SIM_SENSE_INTERNAL_TARGET_FAILURE;
	struct sim_sense s = SIM_SENSE_NONE;
	while (t->free_blocks && !s.key) {
		uint32_t n = t->free_blocks < CHUNK ? t->free_blocks : CHUNK;
		if (!rec_can_record(d, (size_t)n * bs)) {
			s = REC_SENSE_AGAIN;	/* the rest once the image has room */
			break;
		}
		struct rec_write_req w = { .lba = t->nwa, .nblocks = n, .data = zero,
					   .len = (size_t)n * bs, .opcode = opcode };
		s = rec_record(d, &w, bs, t->number, t->session, 0);
		if (!s.key) {
			t->flags &= (uint8_t)~TF_BLANK;
			rec_advance(d, t, n);
		}
	}
	free(zero);
	return s;
}

/* Close track t (state 1 or 2); a new invisible track follows a closed incomplete
 * one: right after it on DVD/BD, after the TAO gap on CD (doc/simdrive-recorder.md §5). */
static int rec_close_track(struct rec_disc *d, struct dl_track *t)
{
	if (t->state == 2) {
		t->state = 3;
		t->nwa = -1;
		t->free_blocks = 0;
		t->flags &= (uint8_t)~(TF_NWA | TF_BLANK);
		return 0;
	}
	if (t->flags & TF_NWA)
		t->size = (uint32_t)(t->nwa - t->start_lba);
	int32_t end = t->start_lba + (int32_t)t->size;
	t->state = 3;
	t->nwa = -1;
	t->free_blocks = 0;
	t->flags &= (uint8_t)~(TF_NWA | TF_BLANK);
	bool is_last = t == &d->st.tracks[d->st.ntracks - 1];
	int rc = is_last ? rec_add_track(d, end + (d->m->family == REC_CD ? REC_CD_TAO_GAP : 0)) : 0;
	rec_refresh_nwa(d);
	return rc;
}

static struct dl_track *rec_track_by_number(struct rec_disc *d, uint16_t number)
{
	if (d->m->family == REC_CD && number == 0xff) {
		struct dl_track *t = rec_tail(d);
		return t && t->state == 1 ? t : NULL;
	}
	return number >= 1 && number <= d->st.ntracks ? &d->st.tracks[number - 1] : NULL;
}

static void rec_finalize(struct rec_disc *d)
{
	d->st.disc_status = 2;
	d->st.last_session_state = 3;
	d->st.nwa = -1;
	if (d->m->family == REC_CD) {	/* a BD-R keeps the end of its user area */
		d->st.leadin_lba = -1;
		d->st.last_leadout_lba = -1;
	}
}

static struct sim_sense rec_close_session(struct rec_disc *d, enum rec_close_action act)
{
	struct dl_session *s = rec_last_session(d);
	if (!s || d->st.disc_status == 2)
		return SIM_SENSE_COMMAND_SEQUENCE_ERROR;
	if (s->state == 0) {		/* empty trailing session of an appendable disc */
		if (act != RC_FINALIZE || d->st.nsessions < 2)
			return SIM_SENSE_COMMAND_SEQUENCE_ERROR;
		while (d->st.ntracks && d->st.tracks[d->st.ntracks - 1].session == s->number)
			d->st.ntracks--;
		d->st.nsessions--;
		rec_finalize(d);
		return SIM_SENSE_NONE;
	}
	for (uint16_t i = 0; i < d->st.ntracks; i++)	/* an open track first, then */
		if (d->st.tracks[i].session == s->number && d->st.tracks[i].state == 1)
			return SIM_SENSE_INCOMPLETE_TRACK_IN_SESSION;
	for (uint16_t i = 0; i < d->st.ntracks; i++)	/* an unfilled reservation */
		if (d->st.tracks[i].session == s->number && d->st.tracks[i].state == 2 &&
		    d->st.tracks[i].free_blocks)
			return SIM_SENSE_EMPTY_RESERVED_TRACK;
	for (uint16_t i = 0; i < d->st.ntracks; i++)	/* filled reservations close */
		if (d->st.tracks[i].session == s->number && d->st.tracks[i].state == 2)
			rec_close_track(d, &d->st.tracks[i]);
	if (d->st.ntracks && d->st.tracks[d->st.ntracks - 1].session == s->number &&
	    d->st.tracks[d->st.ntracks - 1].state == 0)
		d->st.ntracks--;	/* the invisible track goes */
	const struct dl_track *last = &d->st.tracks[d->st.ntracks - 1];
	s->state = 3;
	s->last_track = last->number;
	s->leadout_lba = last->start_lba + (int32_t)last->size;
	bool append = act == RC_SESSION_APPEND ||
		      (act == RC_SESSION_PAGE05 && (d->st.page05[3] >> 6) == 3);
	int32_t leadin = s->leadout_lba, start = s->leadout_lba;
	if (d->m->family == REC_CD) {
		leadin = s->leadout_lba + (d->st.nsessions == 1 ? REC_CD_LEADOUT1 : REC_CD_LEADOUTN);
		start = leadin + REC_CD_LEADIN_LEN;
	}
	if (!append || start >= (int32_t)rec_user_capacity(d)) {
		rec_finalize(d);
		return SIM_SENSE_NONE;
	}
	d->st.disc_status = 1;
	d->st.last_session_state = 0;
	if (d->m->family == REC_CD)
		d->st.leadin_lba = leadin;
	if (rec_add_session(d, start) < 0 || rec_add_track(d, start) < 0)
		return SIM_SENSE_INTERNAL_TARGET_FAILURE;
	rec_refresh_nwa(d);
	return SIM_SENSE_NONE;
}

/* DVD-R/-RW Disc-at-Once is written: every reservation of the open session holds
 * what the host asked for (MMC-6 §4.5: the drive ends the disc once the reserved
 * track is written and its cache synchronised), and no other track was started. */
static bool rec_dao_done(struct rec_disc *d)
{
	struct dl_session *s = rec_last_session(d);
	if (d->m->family != REC_DVD || !d->m->needs_page05 || rec_page_wt(d) != WT_SAO ||
	    !s || s->state != 1)
		return false;
	bool any = false;
	for (uint16_t i = 0; i < d->st.ntracks; i++) {
		const struct dl_track *t = &d->st.tracks[i];
		if (t->session != s->number)
			continue;
		if (t->state == 1 ||
		    (t->state == 2 && t->free_blocks && t->nwa < rec_resv_want_end(d, t)))
			return false;
		any |= t->state == 2;
	}
	return any;
}

/* The end of a DAO recording: the drive pads every reservation of the session to its
 * end and closes the session, the disc finalized whatever page 05h multi-session
 * says: a Disc-at-Once disc takes no further session (MMC-6 §4.5). */
static struct sim_sense rec_dao_close(struct rec_disc *d, uint8_t opcode)
{
	struct dl_session *s = rec_last_session(d);
	for (uint16_t i = 0; i < d->st.ntracks; i++) {
		struct dl_track *t = &d->st.tracks[i];
		struct sim_sense ps = t->session == s->number ? rec_pad(d, t, opcode) : SIM_SENSE_NONE;
		if (ps.key)
			return ps;
	}
	return rec_close_session(d, RC_FINALIZE);
}

static struct sim_sense rec_close_apply(struct rec_disc *d, enum rec_close_action act, uint16_t number)
{
	switch (act) {
	case RC_TRACK: {
		struct dl_track *t = rec_track_by_number(d, number);
		if (!t)
			return SIM_SENSE_INVALID_FIELD_IN_CDB;
		if (t->state == 0 || t->state == 3 || d->st.disc_status == 2)
			return SIM_SENSE_COMMAND_SEQUENCE_ERROR;
		struct sim_sense ps = rec_pad(d, t, REC_OP_CLOSE);	/* a reservation */
		if (ps.key)
			return ps;
		return rec_close_track(d, t) < 0 ? rec_io_sense(d) : SIM_SENSE_NONE;
	}
	case RC_SESSION_PAGE05:
	case RC_SESSION_APPEND:
	case RC_FINALIZE:
		if (rec_dao_done(d))		/* DVD-R/-RW DAO: as at SYNC */
			return rec_dao_close(d, REC_OP_CLOSE);
		if (d->raw_active && rec_raw_layout(d) < 0)	/* RAW: layout from Q first */
			return SIM_SENSE_COMMAND_SEQUENCE_ERROR;
		return rec_close_session(d, act);
	case RC_BGF_QUICK:
	case RC_BGF_STOP: {
		unsigned bgf = (d->st.flags & DF_BGF_MASK) >> DF_BGF_SHIFT;
		if (!rec_formatted(d))
			return SIM_SENSE_COMMAND_SEQUENCE_ERROR;
		if (bgf == BGF_RUNNING || bgf == BGF_PARTIAL)
			bgf = act == RC_BGF_QUICK ? BGF_PARTIAL : BGF_COMPLETE;
		d->st.flags = (uint8_t)((d->st.flags & ~DF_BGF_MASK) | (bgf << DF_BGF_SHIFT));
		return SIM_SENSE_NONE;
	}
	case RC_NOOP:
		return SIM_SENSE_NONE;
	default:
		return SIM_SENSE_INVALID_FIELD_IN_CDB;
	}
}

/* Make everything acknowledged so far durable: the STATE when it changed, then a SYNC
 * record (doc/disclog.md §3.4).  CLOSE, RESERVE, BLANK and FORMAT are answered only
 * once the image holds their result and every WRITE before them, as SYNCHRONIZE CACHE
 * is: a drive flushes its buffer before it closes, and a daemon killed right after the
 * answer must reload what the host was told (tests/integration/powerloss.sh). */
static int rec_make_durable(struct rec_disc *d, bool state_changed)
{
	if (state_changed && rec_persist(d) < 0)
		return -1;
	if (d->w && !rec_test_mode(d)) {
		struct dl_error e;
		/* Blocking use: returns once it is on disk.  Non-blocking: queued; the
		 * caller holds its answer until rec_durable() says so. */
		if (dl_writer_sync_start(d->w, &d->durable_ticket, &e) < 0)
			return -1;
	}
	return 0;
}

struct sim_sense rec_close(struct rec_disc *d, uint8_t function, uint16_t number)
{
	if (!d->m->writable)
		return SIM_SENSE_CANNOT_WRITE_INCOMPATIBLE_FORMAT;
	enum rec_close_action act = RC_NONE;
	for (size_t i = 0; i < sizeof(rec_close_table) / sizeof(rec_close_table[0]); i++)
		if (rec_close_table[i].profile == d->m->profile && function < 8)
			act = rec_close_table[i].act[function];
	if (act == RC_NONE)
		return SIM_SENSE_INVALID_FIELD_IN_CDB;
	struct sim_sense failed = rec_image_failure(d);	/* §9: the same cause from then on */
	if (failed.key)
		return failed;
	struct rec_txn x;
	if (rec_begin(d, &x) < 0)
		return SIM_SENSE_INTERNAL_TARGET_FAILURE;
	bool raw = d->raw_active;
	struct sim_sense s = rec_close_apply(d, act, number);
	if (rec_again(s)) {		/* padding so far stays: the next call goes on */
		d->dirty = true;
		rec_end(d, &x, true);
		return s;
	}
	if (s.key) {
		rec_end(d, &x, false);
		d->raw_active = raw;
		return s;
	}
	if (rec_make_durable(d, act != RC_NOOP) < 0) {
		d->raw_active = raw;
		return rec_end(d, &x, false);
	}
	d->sao_armed = false;
	return rec_end(d, &x, true);
}

struct sim_sense rec_sync(struct rec_disc *d)
{
	if (!d->m->writable)
		return SIM_SENSE_NONE;
	struct sim_sense failed = rec_image_failure(d);	/* §9: the same cause from then on */
	if (failed.key)
		return failed;
	struct rec_txn x;
	if (rec_begin(d, &x) < 0)
		return SIM_SENSE_INTERNAL_TARGET_FAILURE;
	struct dl_track *t = rec_tail(d);
	bool layout = false;
	if (d->m->family == REC_CD && rec_page_wt(d) == WT_TAO && t && t->state == 1) {
		if (rec_close_track(d, t) < 0)	/* SYNC ends a CD TAO track (doc/simdrive-recorder.md §5) */
			return rec_end(d, &x, false);
		layout = true;
	}
	if (d->sao_armed && d->sao_nwa == d->sao_end && d->m->family == REC_CD) {
		/* SAO: the program area is complete: tracks and session close (doc/simdrive-recorder.md §8) */
		for (uint16_t i = 0; i < d->st.ntracks; i++)
			if (d->st.tracks[i].session == d->st.nsessions && d->st.tracks[i].state == 2)
				rec_close_track(d, &d->st.tracks[i]);
		struct sim_sense cs = rec_close_session(d, RC_SESSION_PAGE05);
		if (cs.key) {
			rec_end(d, &x, false);
			return cs;
		}
		d->sao_armed = false;
		layout = true;
	}
	if (d->raw_active && d->raw_leadout >= 0) {
		/* RAW: the lead-out was written: the session ends, its layout from Q (doc/simdrive-recorder.md §8) */
		bool ok = rec_raw_layout(d) == 0;
		struct sim_sense cs = ok ? rec_close_session(d, RC_SESSION_PAGE05)
					 : SIM_SENSE_COMMAND_SEQUENCE_ERROR;
		if (cs.key) {
			rec_end(d, &x, false);
			d->raw_active = true;
			return cs;
		}
		layout = true;
	}
	if (rec_dao_done(d)) {		/* DVD-R DAO: the disc closes at SYNC (doc/simdrive-recorder.md §5) */
		struct sim_sense cs = rec_dao_close(d, REC_OP_SYNC);
		if (rec_again(cs)) {	/* as in rec_close */
			d->dirty = true;
			rec_end(d, &x, true);
			return cs;
		}
		if (cs.key) {
			rec_end(d, &x, false);
			return cs;
		}
		layout = true;
	}
	if (rec_make_durable(d, layout || d->dirty) < 0)
		return rec_end(d, &x, false);
	return rec_end(d, &x, true);
}

/* ---- reserve / blank / format / cue sheet ---------------------------------- */

struct sim_sense rec_reserve(struct rec_disc *d, bool arsv, uint32_t value)
{
	if (!d->m->writable)
		return SIM_SENSE_CANNOT_WRITE_INCOMPATIBLE_FORMAT;
	struct sim_sense failed = rec_image_failure(d);	/* §9: the same cause from then on */
	if (failed.key)
		return failed;
	struct dl_track *t = rec_tail(d);
	if (d->m->random || !t || t->state != 0 ||
	    d->st.ntracks >= rec_family_rules[d->m->family].max_tracks)
		return SIM_SENSE_NO_MORE_RESERVATIONS;
	uint64_t size = value;
	if (arsv) {
		if ((int32_t)value <= t->start_lba)
			return SIM_SENSE_INVALID_FIELD_IN_CDB;
		size = (uint64_t)((int64_t)(int32_t)value - t->start_lba);
	}
	if (!size)
		return SIM_SENSE_INVALID_FIELD_IN_CDB;
	uint64_t asked = size;
	uint32_t unit = rec_family_rules[d->m->family].reserve_unit;
	size = (size + unit - 1) / unit * unit;
	if (size > t->free_blocks)
		return SIM_SENSE_LBA_OUT_OF_RANGE;
	uint16_t number = t->number;
	int32_t want = t->start_lba + (int32_t)asked;	/* before the rounding (MMC-6 §6.31) */
	struct rec_txn x;
	if (rec_begin(d, &x) < 0)
		return SIM_SENSE_INTERNAL_TARGET_FAILURE;
	t->state = 2;
	t->size = (uint32_t)size;
	t->free_blocks = (uint32_t)size;
	if (d->m->needs_page05) {
		t->mode = rec_page_tm(d);
		t->data_mode = rec_track_data_mode(d);
	}
	int32_t end = t->start_lba + (int32_t)size;
	struct dl_session *s = rec_last_session(d);
	s->state = 1;
	d->st.last_session_state = 1;
	d->st.disc_status = 1;
	if (rec_add_track(d, end + (d->m->family == REC_CD ? REC_CD_TAO_GAP : 0)) < 0)
		return rec_end(d, &x, false);
	rec_refresh_nwa(d);
	if (rec_make_durable(d, true) < 0)
		return rec_end(d, &x, false);
	if (d->m->family == REC_DVD && number <= REC_DVD_MAX_TRACKS)
		d->resv_want[number - 1] = want;
	return rec_end(d, &x, true);
}

struct sim_sense rec_blank(struct rec_disc *d, uint8_t type, uint32_t number)
{
	(void)number;
	if (!d->m->erasable || d->m->random)	/* doc/simdrive-recorder.md §6 */
		return SIM_SENSE_INCOMPATIBLE_MEDIUM;
	if (type > 1)			/* only full and minimal blanking are modelled */
		return SIM_SENSE_INVALID_FIELD_IN_CDB;
	struct sim_sense failed = rec_image_failure(d);	/* §9: the same cause from then on */
	if (failed.key)
		return failed;
	struct rec_txn x;
	if (rec_begin(d, &x) < 0)
		return SIM_SENSE_INTERNAL_TARGET_FAILURE;
	if (rec_build_blank(d, d->st.capacity) < 0 || rec_make_durable(d, true) < 0)
		return rec_end(d, &x, false);
	d->read_stale = true;
	d->sao_armed = false;
	d->raw_active = false;
	d->nqidx = 0;
	memset(d->resv_want, 0, sizeof(d->resv_want));
	return rec_end(d, &x, true);
}

/* BD-R (MMC-6 §6.5.4.2, format types 00h and 32h), only while the disc is blank: the
 * spare size is the type dependent parameter (clusters) when set; else 00h takes the
 * default and 32h what the number of blocks leaves (rounded down to a cluster).  It
 * must lie between the smallest and largest spare offered.  Sub-type 00b SRM+POW, 01b
 * SRM-POW; 10b (RRM, profile 0042h) is not modelled.  The disc stays blank SRM: only
 * its user area shrinks. */
static struct sim_sense rec_format_bdr(struct rec_disc *d, uint8_t format_type, uint8_t subtype,
				       uint32_t nblocks, uint32_t tdp)
{
	uint32_t cap = d->st.capacity, cluster = rec_family_rules[REC_BD].reserve_unit;
	if (d->st.disc_status != 0)
		return SIM_SENSE_CANNOT_FORMAT_INCOMPATIBLE_MEDIUM;
	if ((format_type != 0x00 && format_type != 0x32) || subtype > 1)
		return SIM_SENSE_INVALID_FIELD_IN_PARAM;
	uint64_t spare = rec_bdr_spare(d, REC_SPARE_DEFAULT);
	if (tdp)
		spare = (uint64_t)tdp * cluster;
	else if (format_type == 0x32 && nblocks && nblocks != 0xffffffffu)
		spare = nblocks >= cap ? 0 : cap - nblocks / cluster * cluster;
	if (spare < rec_bdr_spare(d, REC_SPARE_MIN) || spare > rec_bdr_spare(d, REC_SPARE_MAX) ||
	    spare >= cap)
		return SIM_SENSE_INVALID_FIELD_IN_PARAM;
	struct rec_txn x;
	if (rec_begin(d, &x) < 0)
		return SIM_SENSE_INTERNAL_TARGET_FAILURE;
	struct dl_state *st = &d->st;
	st->flags &= (uint8_t)~(REC_DF_SPARES | REC_DF_POW);
	st->flags |= (uint8_t)(REC_DF_SPARES | (subtype == 0 ? REC_DF_POW : 0));
	st->last_leadout_lba = (int32_t)(cap - spare);
	st->tracks[0].size = st->tracks[0].free_blocks = (uint32_t)(cap - spare);
	if (rec_make_durable(d, true) < 0)
		return rec_end(d, &x, false);
	return rec_end(d, &x, true);
}

struct sim_sense rec_format(struct rec_disc *d, uint8_t format_type, uint8_t subtype,
			    uint32_t nblocks, uint32_t tdp)
{
	struct sim_sense failed = rec_image_failure(d);	/* §9: the same cause from then on */
	if (failed.key)
		return failed;
	if (d->m->profile == REC_PROFILE_BD_R)
		return rec_format_bdr(d, format_type, subtype, nblocks, tdp);
	if (!d->m->random)
		return SIM_SENSE_CANNOT_FORMAT_INCOMPATIBLE_MEDIUM;
	bool ok = d->m->profile == REC_PROFILE_DVD_PLUS_RW
		? format_type == 0x26 && subtype == 0
		: (format_type == 0x00 && subtype == 0) || format_type == 0x30 ||
		  (format_type == 0x31 && subtype == 0);
	if (!ok || (nblocks != 0xffffffffu && nblocks > d->st.capacity))
		return SIM_SENSE_INVALID_FIELD_IN_PARAM;
	uint32_t size = d->st.capacity;
	if (d->m->profile == REC_PROFILE_BD_RE && nblocks && nblocks != 0xffffffffu)
		size = nblocks;
	struct rec_txn x;
	if (rec_begin(d, &x) < 0)
		return SIM_SENSE_INTERNAL_TARGET_FAILURE;
	struct dl_state *st = &d->st;
	st->nsessions = 1;
	st->ntracks = 1;
	st->disc_status = 3;
	st->last_session_state = 3;
	st->nwa = -1;
	st->sessions[0] = (struct dl_session){ .number = 1, .state = 3, .start_lba = 0,
					       .leadout_lba = (int32_t)size, .first_track = 1,
					       .last_track = 1 };
	st->tracks[0] = (struct dl_track){ .number = 1, .session = 1, .state = 3, .mode = 4,
					   .data_mode = 1, .start_lba = 0, .size = size,
					   .nwa = -1, .last_recorded = -1 };
	st->flags &= (uint8_t)~DF_BGF_MASK;
	if (d->m->profile == REC_PROFILE_DVD_PLUS_RW)
		st->flags |= BGF_RUNNING << DF_BGF_SHIFT;
	if (rec_make_durable(d, true) < 0)
		return rec_end(d, &x, false);
	return rec_end(d, &x, true);
}

/* SEND CUE SHEET (MMC-6; doc/simdrive-recorder.md §8): bytes per block of a DATA FORM, 0 for forms whose
 * blocks the drive generates (01h, x4h) and for undefined ones (-1). */
static int rec_cue_form_bpb(uint8_t form)
{
	static const int16_t sizes[0x35] = {
		[0x00] = 2352, [0x01] = 0,
		[0x10] = 2048, [0x11] = 2352, [0x12] = 2048, [0x13] = 2352, [0x14] = 0,
		[0x20] = 2336, [0x21] = 2352, [0x22] = 2336, [0x23] = 2352, [0x24] = 0,
		[0x30] = 2336, [0x31] = 2352, [0x32] = 2336, [0x33] = 2352, [0x34] = 0,
	};
	uint8_t sub = form >> 6, main = form & 0x3f;
	bool ok = main <= 0x01 || (main >= 0x10 && main <= 0x34 && (main & 0x0f) <= 4);
	if (sub == 2 || !ok)
		return -1;
	return sizes[main] + (sub ? 96 : 0);
}

/* Blocks of this DATA FORM are generated by the drive (no main data sent). */
static bool rec_cue_form_generated(uint8_t form)
{
	return (form & 0x3f) == 0x01 || ((form & 0x3f) >= 0x10 && (form & 0x0f) == 4);
}

static int32_t rec_msf_lba(const uint8_t *msf)
{
	int32_t f = (msf[0] * 60 + msf[1]) * 75 + msf[2];
	return msf[0] < 90 ? f - 150 : f - 450150;
}

struct sim_sense rec_cue_sheet(struct rec_disc *d, const uint8_t *sheet, size_t len)
{
	struct dl_track *tail = rec_tail(d);
	if (d->m->family != REC_CD || !d->m->writable || rec_page_wt(d) != WT_SAO)
		return SIM_SENSE_COMMAND_SEQUENCE_ERROR;	/* cdemu */
	if (!tail || tail->state != 0 || d->st.last_session_state != 0)
		return SIM_SENSE_COMMAND_SEQUENCE_ERROR;	/* SAO needs an empty session */
	if (!len || len % 8 || len / 8 > REC_CUE_MAX)
		return SIM_SENSE_INVALID_FIELD_IN_PARAM;
	struct rec_frag fr[REC_CUE_MAX];
	unsigned n = 0;
	bool leadin = false, leadout = false;
	int32_t end = 0;
	uint8_t track = 0;
	for (size_t i = 0; i < len; i += 8) {
		const uint8_t *e = sheet + i;
		uint8_t adr = e[0] & 0x0f;
		if (adr == 2 || adr == 3)	/* MCN / ISRC payload */
			continue;
		if (adr != 1 || leadout)
			return SIM_SENSE_INVALID_FIELD_IN_PARAM;
		uint8_t tno = e[1], idx = e[2];
		int bpb = rec_cue_form_bpb(e[3]);
		if (!(tno <= 99 || tno == 0xaa) || idx > 99 || bpb < 0 || e[6] >= 60 || e[7] >= 75)
			return SIM_SENSE_INVALID_FIELD_IN_PARAM;
		if (!leadin) {		/* the first entry is the lead-in */
			if (tno != 0)
				return SIM_SENSE_INVALID_FIELD_IN_PARAM;
			leadin = true;
			continue;
		}
		int32_t lba = rec_msf_lba(e + 5);
		if (tno == 0xaa) {
			leadout = true;
			end = lba;
			continue;
		}
		/* tracks 1, 2, ... in order; INDEX 00 only first; addresses ascending; the
		 * blocks the drive would generate (0 bytes) are not modelled */
		if ((tno != track && tno != track + 1) || (tno == track + 1 && idx > 1) ||
		    (tno == track && idx == 0) || (n && lba < fr[n - 1].start) ||
		    rec_cue_form_generated(e[3]) ||
		    e[5] >= 90)
			return SIM_SENSE_INVALID_FIELD_IN_PARAM;
		if (n && tno == track && idx != fr[n - 1].idx + 1)
			return SIM_SENSE_INVALID_FIELD_IN_PARAM;
		if (n && tno == track + 1 && fr[n - 1].idx == 0)	/* track without INDEX 01 */
			return SIM_SENSE_INVALID_FIELD_IN_PARAM;
		track = tno;
		fr[n++] = (struct rec_frag){ .start = lba, .bpb = (uint32_t)bpb, .tno = tno,
					     .idx = idx, .ctl = e[0] >> 4, .form = e[3] };
	}
	if (!leadout || !n || fr[n - 1].idx == 0 || end < fr[n - 1].start ||
	    end > (int32_t)d->st.capacity || fr[0].start != tail->start_lba - 150)
		return SIM_SENSE_INVALID_FIELD_IN_PARAM;
	for (unsigned i = 0; i < n; i++)
		fr[i].end = i + 1 < n ? fr[i + 1].start : end;
	/* drop empty fragments */
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++)
		if (fr[i].end > fr[i].start || fr[i].idx == 1)
			fr[k++] = fr[i];
	memcpy(d->frags, fr, k * sizeof(fr[0]));
	d->nfrags = k;
	d->sao_nwa = fr[0].start;
	d->sao_end = end;
	d->sao_armed = true;
	return SIM_SENSE_NONE;
}

/* ---- reads ---------------------------------------------------------------- */

/* nblocks blocks of the backing file from lba, or 05/21/00 when they run past it,
 * 03/11/00 when the file cannot be read (it shrank, an I/O error). */
static struct sim_sense rec_backing_blocks_read(struct rec_disc *d, int32_t lba, uint32_t nblocks,
						uint8_t *out)
{
	if (lba < 0 || (uint64_t)lba + nblocks > rec_backing_blocks(d->backing))
		return SIM_SENSE_LBA_OUT_OF_RANGE;
	int rc = rec_backing_read(d->backing, (uint32_t)lba, out, (size_t)nblocks * 2048u);
	if (rc < 0) {
		SIM_ERR(SIM_LOGS_SCSI, "read of %u blocks at %d from the disc's file failed: %s",
			nblocks, lba, strerror(-rc));
		return SIM_SENSE_UNRECOVERED_READ;
	}
	return SIM_SENSE_NONE;
}

/* The reader over the image being written: reopened after writes (sync first). */
static struct dl_reader *rec_reader(struct rec_disc *d)
{
	if (!d->image)
		return NULL;
	if (d->r && !d->read_stale)
		return d->r;
	struct dl_error e;
	/* After an image failure the file is read as it is: what reached it before
	 * (a block cut short is a torn tail the reader leaves out; doc/disclog.md §4). */
	if (d->w && !rec_image_failure(d).key && dl_writer_sync(d->w, &e) < 0 &&
	    !rec_image_failure(d).key)
		return NULL;
	if (d->r)
		dl_reader_close(d->r);
	d->r = dl_reader_open(d->image, DL_OPEN_NO_CRC, &e);
	d->read_stale = d->r == NULL;
	return d->r;
}

/* Is lba recorded user data by the state?  Sets *t to its track. */
static bool rec_readable(struct rec_disc *d, int32_t lba, const struct dl_track **tp)
{
	for (uint16_t i = 0; i < d->st.ntracks; i++) {
		const struct dl_track *t = &d->st.tracks[i];
		if (lba < t->start_lba || lba >= t->start_lba + (int32_t)t->size)
			continue;
		*tp = t;
		if (d->m->random)
			return rec_formatted(d);
		return t->last_recorded >= 0 && lba <= t->last_recorded;
	}
	return false;
}

/* A frame of a RAW recording as the drive reads it back.  RAW hosts send the main
 * channel as it goes onto the disc, data sectors scrambled (ECMA-130 Annex B; wodim,
 * cdrdao and libburn scramble in raw mode), so a frame with the sync pattern is
 * descrambled in place; then its EDC must be right (ECMA-130 §14.3: no L-EC
 * correction is modelled, an unscrambled or damaged sector fails here) and its header
 * must name lba (the drive finds a data sector by its header address, ECMA-130
 * §14.2).  Frames without sync (audio, ECMA-130 §16) are returned as they are. */
static struct sim_sense rec_raw_readback(int32_t lba, uint8_t blk[CDS_RAW_SIZE])
{
	if (!cds_sync_ok(blk))
		return SIM_SENSE_NONE;
	cds_scramble(blk + CDS_OFF_HEADER, CDS_RAW_SIZE - CDS_OFF_HEADER);
	enum cds_kind kind = cds_classify(blk);
	if (kind == CDS_KIND_UNKNOWN || blk[CDS_OFF_MODE] > 2 || !cds_edc_ok(blk, kind))
		return SIM_SENSE_L_EC_UNCORRECTABLE;
	struct cds_msf msf = { (uint8_t)cds_unbcd(blk[CDS_OFF_HEADER]),
			       (uint8_t)cds_unbcd(blk[CDS_OFF_HEADER + 1]),
			       (uint8_t)cds_unbcd(blk[CDS_OFF_HEADER + 2]) };
	int32_t hlba;
	if (cds_msf_to_lba(msf, &hlba) < 0 || hlba != lba)
		return SIM_SENSE_POSITIONING_ERROR_READ;
	return SIM_SENSE_NONE;
}

/* Does lba have a DATA record (or a block of the backing file)? */
static bool rec_recorded(struct rec_disc *d, int32_t lba)
{
	if (d->backing)
		return lba >= 0 && (uint32_t)lba < rec_backing_blocks(d->backing);
	struct dl_reader *r = rec_reader(d);
	struct dl_data_meta m;
	struct dl_error e;
	return r && dl_reader_block_meta(r, lba, &m, &e) == 0;
}

/* INDEX of lba inside track t: 01, or the last SAO index point at or before it. */
static uint8_t rec_q_index(const struct rec_disc *d, const struct dl_track *t, int32_t lba)
{
	uint8_t idx = 1;
	for (unsigned i = 0; i < d->nqidx; i++)
		if (d->qidx[i].lba > t->start_lba && d->qidx[i].lba <= lba)
			idx = d->qidx[i].idx;
	return idx;
}

bool rec_q_position(struct rec_disc *d, int32_t lba, struct rec_qpos *q)
{
	if (d->m->family != REC_CD)
		return false;
	for (uint16_t i = 0; i < d->st.ntracks; i++) {
		const struct dl_track *t = &d->st.tracks[i];
		if (t->last_recorded < t->start_lba)
			continue;		/* nothing recorded: no pregap either */
		if (lba >= t->start_lba && lba < t->start_lba + (int32_t)t->size) {
			q->track = t;
			q->index = rec_q_index(d, t, lba);
			q->rel = lba - t->start_lba;
			q->recorded = rec_recorded(d, lba);
			return true;
		}
		if (lba >= t->start_lba)
			continue;
		/* the gap before t: from the end of the track before it in its session,
		 * else the 150 blocks before a session's first track */
		const struct dl_track *p = i > 0 && d->st.tracks[i - 1].session == t->session
					   ? &d->st.tracks[i - 1] : NULL;
		int32_t from = p ? p->start_lba + (int32_t)p->size : t->start_lba - CDS_PREGAP;
		if (lba < from)
			return false;
		q->recorded = rec_recorded(d, lba);
		if (!q->recorded && p && lba < t->start_lba - CDS_PREGAP) {
			/* TAO: the run-out blocks end the track before (doc/simdrive-recorder.md §8) */
			q->track = p;
			q->index = rec_q_index(d, p, lba);
			q->rel = lba - p->start_lba;
		} else {		/* INDEX 00, relative time counting down */
			q->track = t;
			q->index = 0;
			q->rel = t->start_lba - lba - 1;
		}
		return true;
	}
	return false;
}

long rec_read_raw(struct rec_disc *d, int32_t lba, uint32_t nblocks, uint8_t *out, size_t cap,
		  struct sim_sense *sense)
{
	*sense = SIM_SENSE_NONE;
	if (d->backing) {		/* cooked 2048-byte blocks */
		if ((uint64_t)nblocks * 2048u > cap) {
			*sense = SIM_SENSE_INTERNAL_TARGET_FAILURE;
			return -1;
		}
		*sense = rec_backing_blocks_read(d, lba, nblocks, out);
		return sense->key ? -1 : (long)nblocks * 2048;
	}
	const struct dl_track *t;
	for (uint32_t i = 0; i < nblocks; i++) {
		struct rec_qpos q;
		int32_t a = lba + (int32_t)i;
		if (!rec_readable(d, a, &t) &&
		    !(rec_q_position(d, a, &q) && q.index == 0 && q.recorded)) {
			*sense = SIM_SENSE_LBA_OUT_OF_RANGE;
			return -1;
		}
	}
	struct dl_reader *r = rec_reader(d);
	struct dl_error e;
	long n = r ? dl_reader_read(r, lba, nblocks, out, cap, &e) : DL_ERANGE;
	if (n < 0) {
		*sense = n == DL_ERANGE ? rec_missing_sense(d) : SIM_SENSE_UNRECOVERED_READ;
		return -1;
	}
	size_t pos = 0;
	for (uint32_t i = 0; i < nblocks; i++) {	/* RAW frames: what the drive reads */
		struct dl_data_meta m;
		if (dl_reader_block_meta(r, lba + (int32_t)i, &m, &e) < 0) {
			*sense = SIM_SENSE_UNRECOVERED_READ;
			return -1;
		}
		if (m.write_type == WT_RAW && m.block_size >= CDS_RAW_SIZE) {
			*sense = rec_raw_readback(lba + (int32_t)i, out + pos);
			if (sense->key)
				return -1;
		}
		pos += m.block_size;
	}
	return n;
}

/* Offset of the 2048 user bytes in a recorded block, -1 if it has none (ECMA-130 §14; doc/simdrive-recorder.md §7):
 * cooked 2048-byte types at 0, form 1 with sub-header (DBT 11, 13) at 8, a raw
 * 2352 (+96) Mode 1 block written in SAO at 16 (after sync and header), and a RAW
 * frame (read back descrambled) or a whole sector sent as raw data (DBT 0-3: 2352,
 * + P-Q, + P-W; what a CUE or CHD import records) by its header: Mode 1 at 16, Mode 2
 * Form 1 at 24. */
static int rec_user_offset(const struct dl_data_meta *m, const struct dl_track *t,
			   const uint8_t *blk)
{
	if (m->block_size == 2048)
		return 0;
	if ((m->write_type == WT_RAW || m->data_block_type <= 3) && m->block_size >= CDS_RAW_SIZE)
		return cds_user_offset(cds_classify(blk));
	if (m->data_block_type == DL_NA)
		return (m->block_size == 2352 || m->block_size == 2448) && t->data_mode == 1 ? 16 : -1;
	switch (m->data_block_type) {
	case 11: case 13: return 8;
	default: return -1;			/* audio, mode 2 formless / form 2 */
	}
}

struct sim_sense rec_read(struct rec_disc *d, int32_t lba, uint32_t nblocks, uint8_t *out)
{
	if (d->backing)
		return rec_backing_blocks_read(d, lba, nblocks, out);
	uint8_t blk[DL_BLOCK_SIZE_MAX];
	for (uint32_t i = 0; i < nblocks; i++) {
		int32_t a = lba + (int32_t)i;
		const struct dl_track *t;
		if (!rec_readable(d, a, &t))
			return SIM_SENSE_LBA_OUT_OF_RANGE;
		if (d->m->family == REC_CD && !(t->mode & 0x04))
			return SIM_SENSE_ILLEGAL_MODE_FOR_TRACK;
		struct dl_reader *r = rec_reader(d);
		struct dl_data_meta meta;
		struct dl_error e;
		int rc = r ? dl_reader_block_meta(r, a, &meta, &e) : DL_ERANGE;
		if (rc == DL_ERANGE && d->m->random) {	/* never written: reads as zeros */
			memset(out + (size_t)i * 2048, 0, 2048);
			continue;
		}
		if (rc < 0)
			return rc == DL_ERANGE ? rec_missing_sense(d) : SIM_SENSE_UNRECOVERED_READ;
		struct sim_sense s;
		long n = rec_read_raw(d, a, 1, blk, sizeof(blk), &s);
		if (n < 0)
			return s;
		int off = rec_user_offset(&meta, t, blk);
		if (off < 0)
			return SIM_SENSE_ILLEGAL_MODE_FOR_TRACK;
		if (n < off + 2048)
			return SIM_SENSE_UNRECOVERED_READ;
		memcpy(out + (size_t)i * 2048, blk + off, 2048);
	}
	return SIM_SENSE_NONE;
}

int32_t rec_last_readable(const struct rec_disc *d)
{
	if (d->m->random)	/* every formatted block reads (zeros if never written) */
		return rec_formatted(d) ? (int32_t)d->st.tracks[0].size - 1 : -1;
	int32_t last = -1;
	for (uint16_t i = 0; i < d->st.ntracks; i++)
		if (d->st.tracks[i].last_recorded > last)
			last = d->st.tracks[i].last_recorded;
	return last;
}

/* ---- non-blocking recording ------------------------------------------------ */

int rec_set_nonblock(struct rec_disc *d, void (*fn)(void *), void *arg)
{
	d->nonblock = false;
	if (d->w && dl_writer_set_nonblock(d->w, fn, arg) < 0)
		return -1;
	d->nonblock = d->w && fn;
	return 0;
}

bool rec_can_record(struct rec_disc *d, size_t bytes)
{
	if (!d->nonblock || rec_test_mode(d))
		return true;		/* blocking use waits in the writer; test write records nothing */
	return dl_writer_room(d->w, bytes);
}

bool rec_settled(struct rec_disc *d, enum rec_settle why)
{
	if (!d->nonblock || !d->read_stale || (why == REC_SETTLE_CLOSE && !d->raw_active) ||
	    rec_image_failure(d).key)
		return true;		/* after a failure reads take the file as it is */
	/* The SYNC record a read after writes appends anyway (rec_reader;
	 * doc/simdrive-recorder.md §7), queued now: once it is durable the reader has
	 * nothing to wait for. */
	struct dl_error e;
	uint64_t ticket;
	if (dl_writer_sync_start(d->w, &ticket, &e) < 0)
		return true;		/* the read reports the failure */
	return dl_writer_synced(d->w, ticket, &e) != 0;
}

uint64_t rec_durable_ticket(const struct rec_disc *d)
{
	return d->durable_ticket;
}

int rec_durable(struct rec_disc *d, uint64_t ticket)
{
	if (!d->w)
		return 1;
	struct dl_error e;
	int r = dl_writer_synced(d->w, ticket, &e);
	return r < 0 ? -1 : r;
}

bool rec_image_stats(struct rec_disc *d, struct dl_writer_stats *st)
{
	if (!d->w)
		return false;
	dl_writer_get_stats(d->w, st);
	return true;
}

bool rec_image_inject(struct rec_disc *d, const struct dl_fault *f)
{
	if (!d->w)
		return false;
	dl_writer_inject(d->w, f);
	return true;
}

bool rec_image_hold(struct rec_disc *d, bool hold)
{
	if (!d->w)
		return false;
	dl_writer_hold(d->w, hold);
	return true;
}
