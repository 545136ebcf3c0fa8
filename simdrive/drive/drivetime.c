/* simdrive/drive/drivetime.c - the drive's clock, speeds, buffer and long operations (see
 * drivetime.h; numbers and decisions in doc/simdrive-time.md). */
#include <time.h>

#include "drivetime.h"

/* simdrive links no libm: the few functions needed, for the non-negative values the
 * model uses. */
static double dt_floor(double x)
{
	return x <= 0.0 ? 0.0 : (double)(uint64_t)x;
}

static uint64_t dt_ceil_u64(double x)
{
	if (x <= 0.0)
		return 0;
	uint64_t i = (uint64_t)x;
	return (double)i < x ? i + 1 : i;
}

static double dt_sqrt(double x)
{
	if (x <= 0.0)
		return 0.0;
	double r = x >= 1.0 ? x : 1.0;
	for (int i = 0; i < 64; i++) {
		double next = 0.5 * (r + x / r);
		if (next >= r)
			break;
		r = next;
	}
	return r;
}

/* ---- the clock ------------------------------------------------------------------ */

uint64_t sim_dt_wall_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void sim_dt_clock_init(struct sim_dt_clock *clk, double scale, uint64_t wall_now_us)
{
	clk->scale = scale > 0.0 ? scale : 0.0;
	clk->wall0_us = wall_now_us;
	clk->vnow_us = 0;
}

uint64_t sim_dt_clock_at(const struct sim_dt_clock *clk, uint64_t wall_now_us)
{
	if (clk->scale <= 0.0)
		return clk->vnow_us;
	if (wall_now_us <= clk->wall0_us)
		return 0;
	return (uint64_t)((double)(wall_now_us - clk->wall0_us) / clk->scale);
}

uint64_t sim_dt_now(const struct sim_dt_clock *clk)
{
	return clk->scale > 0.0 ? sim_dt_clock_at(clk, sim_dt_wall_now_us()) : clk->vnow_us;
}

void sim_dt_clock_advance(struct sim_dt_clock *clk, uint64_t vt)
{
	if (clk->scale <= 0.0 && vt > clk->vnow_us)
		clk->vnow_us = vt;
}

uint64_t sim_dt_clock_wall_of(const struct sim_dt_clock *clk, uint64_t vt)
{
	if (clk->scale <= 0.0)
		return 0;
	return clk->wall0_us + dt_ceil_u64((double)vt * clk->scale);
}

/* ---- speeds ----------------------------------------------------------------------- */

double sim_dt_speed_x10_at(const struct sim_dt_speed *sp, double lba)
{
	double sel = sp->sel_x10 ? sp->sel_x10 : sp->fast_x10;
	if (!sp->cav || sp->capacity == 0 || sp->fast_x10 <= sp->slow_x10)
		return sel;
	double frac = lba / (double)sp->capacity;
	if (frac < 0.0)
		frac = 0.0;
	if (frac > 1.0)
		frac = 1.0;
	double rin2 = SIM_DT_R_IN_MM * SIM_DT_R_IN_MM, rout2 = SIM_DT_R_OUT_MM * SIM_DT_R_OUT_MM;
	double r = dt_sqrt(rin2 + (rout2 - rin2) * frac);
	double v = sp->slow_x10 + (double)(sp->fast_x10 - sp->slow_x10) *
		   (r - SIM_DT_R_IN_MM) / (SIM_DT_R_OUT_MM - SIM_DT_R_IN_MM);
	return v < sel ? v : sel;
}

double sim_dt_blocks_per_s(const struct sim_dt_speed *sp, double lba)
{
	double frame = sp->frame_bytes ? sp->frame_bytes : 2048;
	double x10 = sim_dt_speed_x10_at(sp, lba);
	if (x10 < 1.0)
		x10 = 1.0;	/* never stand still: 0.1x at worst */
	return x10 / 10.0 * sp->kbps_1x * 1000.0 / frame;
}

/* CAV is integrated over segments of the disc with one speed each (the speed at the
 * segment's middle); CLV is one segment.  Both directions below walk the same
 * segments, so "time to record n blocks" and "blocks recorded in t" agree. */
#define SIM_DT_CAV_SEGMENTS 512

static double sim_dt_segment(const struct sim_dt_speed *sp)
{
	if (!sp->cav || sp->capacity == 0)
		return 0.0;	/* one segment */
	double s = (double)sp->capacity / SIM_DT_CAV_SEGMENTS;
	return s < 16.0 ? 16.0 : s;
}

/* Seconds to record nblocks from lba on. */
static double sim_dt_record_s(const struct sim_dt_speed *sp, double lba, double nblocks)
{
	double seg = sim_dt_segment(sp);
	if (nblocks <= 0.0)
		return 0.0;
	if (seg == 0.0)
		return nblocks / sim_dt_blocks_per_s(sp, lba);
	double t = 0.0;
	while (nblocks > 0.0) {
		double idx = dt_floor(lba / seg);
		double end = (idx + 1.0) * seg;
		double k = end - lba;
		if (k > nblocks)
			k = nblocks;
		if (k <= 0.0)	/* rounding at a boundary: step into the next segment */
			k = nblocks < 1e-6 ? nblocks : 1e-6;
		t += k / sim_dt_blocks_per_s(sp, (idx + 0.5) * seg);
		lba += k;
		nblocks -= k;
	}
	return t;
}

/* Blocks recorded in s seconds from lba on. */
static double sim_dt_blocks_in(const struct sim_dt_speed *sp, double lba, double s)
{
	double seg = sim_dt_segment(sp);
	if (s <= 0.0)
		return 0.0;
	if (seg == 0.0)
		return s * sim_dt_blocks_per_s(sp, lba);
	double n = 0.0;
	while (s > 0.0) {
		double idx = dt_floor(lba / seg);
		double end = (idx + 1.0) * seg;
		double k = end - lba;
		if (k <= 0.0)
			k = 1e-6;
		double bps = sim_dt_blocks_per_s(sp, (idx + 0.5) * seg);
		double ks = k / bps;
		if (ks >= s) {
			n += s * bps;
			break;
		}
		n += k;
		lba += k;
		s -= ks;
	}
	return n;
}

uint64_t sim_dt_record_us(const struct sim_dt_speed *sp, double lba, double nblocks)
{
	if (nblocks <= 0.0)
		return 0;
	return dt_ceil_u64(sim_dt_record_s(sp, lba, nblocks) * 1e6);
}

/* ---- the drive -------------------------------------------------------------------- */

void sim_dt_drive_init(struct sim_dt_drive *d, uint64_t now)
{
	const struct sim_dt_clock *clk = d->clock;
	struct sim_dt_speed sp = d->speed;
	uint32_t size = d->buffer_bytes;

	*d = (struct sim_dt_drive){
		.clock = clk, .speed = sp, .buffer_bytes = size, .t = now, .bs = 2048,
	};
}

static double sim_dt_head(const struct sim_dt_drive *d)
{
	double head = d->end_lba - d->fill / (d->bs ? d->bs : 2048);
	return head < 0.0 ? 0.0 : head;
}

enum sim_dt_event sim_dt_advance(struct sim_dt_drive *d, uint64_t now)
{
	if (now <= d->t)
		return SIM_DT_EV_NONE;
	uint64_t from = d->t;
	d->t = now;
	if (!d->recording)
		return SIM_DT_EV_NONE;
	double bs = d->bs ? d->bs : 2048;
	double head = sim_dt_head(d);
	double blocks = d->fill / bs;
	double empty_s = sim_dt_record_s(&d->speed, head, blocks);
	double dt_s = (double)(now - from) / 1e6;

	if (empty_s > dt_s) {
		d->fill -= sim_dt_blocks_in(&d->speed, head, dt_s) * bs;
		if (d->fill < 0.0)
			d->fill = 0.0;
		return SIM_DT_EV_NONE;
	}
	/* The buffer ran empty at from + empty_s. */
	d->fill = 0.0;
	d->recording = false;
	if (d->flushing) {		/* what the host asked for */
		d->flushing = false;
		return SIM_DT_EV_NONE;
	}
	if (!d->detect_underrun)	/* scale 0: the host is never late */
		return SIM_DT_EV_NONE;
	d->underrun_at = from + dt_ceil_u64(empty_s * 1e6);
	d->underrun_lba = d->end_lba;
	if (d->underrun_free) {
		d->underruns++;
		return SIM_DT_EV_UNDERRUN;
	}
	d->lost_streaming = true;
	return SIM_DT_EV_LOSS_OF_STREAMING;
}

uint32_t sim_dt_free_bytes(const struct sim_dt_drive *d)
{
	uint64_t used = dt_ceil_u64(d->fill - 0.5);	/* float dust below half a byte: empty */
	if (used == 0)
		return d->buffer_bytes;
	if (used >= d->buffer_bytes)
		return 0;
	return d->buffer_bytes - (uint32_t)used;
}

uint64_t sim_dt_room_wait(const struct sim_dt_drive *d, uint64_t bytes)
{
	double excess = d->fill + (double)bytes - (double)d->buffer_bytes;
	if (excess <= 0.5)
		return 0;
	double bs = d->bs ? d->bs : 2048;
	return sim_dt_record_us(&d->speed, sim_dt_head(d), excess / bs);
}

uint64_t sim_dt_write(struct sim_dt_drive *d, uint64_t now, int32_t lba, uint32_t nblocks,
		      uint32_t bs)
{
	if (nblocks == 0 || bs == 0)
		return now;
	if (d->fill <= 0.5) {
		d->fill = 0.0;
		d->bs = bs;
	}
	d->fill += (double)nblocks * bs;
	d->end_lba = (double)lba + nblocks;
	if (!d->recording && (d->fill * 2.0 >= d->buffer_bytes || d->fill > d->buffer_bytes)) {
		d->recording = true;	/* the laser starts at half fill */
		d->t = now;
	}
	return now + sim_dt_room_wait(d, 0);
}

void sim_dt_start(struct sim_dt_drive *d, uint64_t now)
{
	if (d->recording || d->fill <= 0.5)
		return;
	d->recording = true;
	d->t = now;
}

uint64_t sim_dt_flush(struct sim_dt_drive *d, uint64_t now)
{
	d->lost_streaming = false;
	if (d->fill <= 0.5) {
		d->fill = 0.0;
		d->recording = false;
		d->flushing = false;
		return 0;
	}
	if (!d->recording)
		d->t = now;
	d->recording = true;
	d->flushing = true;
	return sim_dt_record_us(&d->speed, sim_dt_head(d), d->fill / (d->bs ? d->bs : 2048));
}

void sim_dt_op_start(struct sim_dt_drive *d, enum sim_dt_op op, uint64_t now, uint64_t end)
{
	d->op = op;
	d->op_start = now;
	d->op_end = end > now ? end : now;
}

enum sim_dt_op sim_dt_op_busy(struct sim_dt_drive *d, uint64_t now)
{
	if (d->op != SIM_DT_OP_NONE && now >= d->op_end)
		d->op = SIM_DT_OP_NONE;
	return d->op;
}

uint16_t sim_dt_progress(const struct sim_dt_drive *d, uint64_t now)
{
	if (d->op_end <= d->op_start || now >= d->op_end)
		return 65535;
	if (now <= d->op_start)
		return 0;
	uint64_t p = (now - d->op_start) * 65536u / (d->op_end - d->op_start);
	return p > 65535 ? 65535 : (uint16_t)p;
}

/* ---- durations -------------------------------------------------------------------- */

/* CD: lead-in 4500 blocks (1 min); lead-out 6750 (1:30) after the first session, 2250
 * (0:30) after later ones (Red/Orange Book minimums).  DVD-R/-RW/+R: a session's
 * border or closure 16384 blocks (32 MiB), finalizing 65536 (128 MiB of lead-out
 * towards the minimum radius).  BD-R: session 8192, finalize 16384.  Closing a track
 * writes nothing measurable (run-out and link blocks); rewritable random media
 * (DVD+RW, BD-RE) only stop a background format. */
#define CD_LEADIN        4500u
#define CD_LEADOUT_FIRST 6750u
#define CD_LEADOUT_NEXT  2250u
#define DVD_BORDER       16384u
#define DVD_FINALIZE     65536u
#define BD_SESSION       8192u
#define BD_FINALIZE      16384u

uint32_t sim_dt_close_blocks(enum rec_family f, uint16_t profile, uint8_t function,
			     bool first_session)
{
	if (profile == REC_PROFILE_DVD_PLUS_RW || profile == REC_PROFILE_BD_RE ||
	    profile == REC_PROFILE_DVD_RW_RO)
		return 0;
	switch (f) {
	case REC_CD:
		if (function == 2)
			return CD_LEADIN + (first_session ? CD_LEADOUT_FIRST : CD_LEADOUT_NEXT);
		return 0;
	case REC_DVD:
		if (function == 2)
			return DVD_BORDER;
		if (function >= 3 && function <= 6)
			return DVD_FINALIZE;
		return 0;
	case REC_BD:
		if (function == 2)
			return BD_SESSION;
		if (function == 6)
			return BD_FINALIZE;
		return 0;
	}
	return 0;
}

/* Full blank (type 0) passes over the whole medium; every other type rewrites the
 * lead-in and PMA area: CD 4650 blocks (lead-in + the first pregap), DVD-RW 65536. */
uint32_t sim_dt_blank_blocks(enum rec_family f, uint8_t type, uint32_t capacity)
{
	if (type == 0)
		return capacity;
	return f == REC_CD ? CD_LEADIN + 150u : DVD_FINALIZE;
}

#define SEC(s) ((uint64_t)(s) * 1000000u)

uint64_t sim_dt_format_us(uint16_t profile, uint8_t format_type, uint8_t subtype,
			  uint32_t capacity, uint32_t *blocks)
{
	*blocks = 0;
	switch (profile) {
	case REC_PROFILE_DVD_PLUS_RW:
		return SEC(2);		/* 26h: the drive formats on in the background */
	case REC_PROFILE_BD_RE:
		if (format_type == 0x30 && subtype == 2) {	/* full certification */
			*blocks = capacity;
			return 0;
		}
		if (format_type == 0x30 && subtype == 3)	/* quick certification */
			return SEC(60);
		return SEC(20);		/* quick (re)format, no certification */
	case REC_PROFILE_DVD_RW_SEQ:
	case REC_PROFILE_DVD_RW_RO:
		if (format_type == 0x00 || format_type == 0x10) {	/* full */
			*blocks = capacity;
			return 0;
		}
		if (format_type == 0x13)	/* expand */
			return SEC(10);
		return SEC(30);		/* 15h quick */
	default:
		return SEC(10);
	}
}
