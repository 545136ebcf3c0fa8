/* simdrive/drive/drivetime.h - the drive's time: a virtual clock per device, and per
 * recorder LUN the model of a real burner's mechanics - write speed (CLV or CAV), the
 * drive buffer that WRITE data enters and the laser drains, buffer underruns, and the
 * long operations (SYNCHRONIZE CACHE, CLOSE, BLANK, FORMAT) with their progress.
 * doc/simdrive-time.md has every number and decision; MMC-6's long operations (IMMED,
 * NOT READY with a progress indication, SPC-4 §4.5.2.4.4) are the rules.
 *
 * Everything except sim_dt_wall_now_us() and sim_dt_now() is pure: the caller passes
 * the times in, so the unit tests drive the model with made-up clocks.  Times are
 * microseconds; "virtual" times are on the drive's clock, "wall" times on
 * CLOCK_MONOTONIC.  Nothing here knows CDBs or sense data: the device model (scsi/lun.c,
 * scsi/mmc.c) turns the model's answers into MMC behaviour, and hands the recorder the
 * times its records carry (rec_set_time, rec_write_req.vtime_us).
 *
 * THE CLOCK.  time_scale 0: virtual time stands still except when a drive makes it
 * move (a WRITE waiting for room, a SYNCHRONIZE CACHE draining the buffer, a CLOSE,
 * BLANK or FORMAT taking its time): "as fast as the host can", with the durations a
 * real drive would need reported in virtual time.  time_scale s > 0: virtual time is
 * the wall time since the device was created divided by s (1 = real time, 0.01 = a
 * hundred times faster), and an operation of virtual duration d really takes d * s.
 *
 * THE DRIVE.  The buffer holds the bytes the host sent (block size of the data as it
 * came); the laser drains them at the selected speed, in disc blocks per second (CD:
 * kB/s / 2352 bytes per frame, DVD/BD: kB/s / 2048).  Recording starts when the buffer
 * is half full, when a WRITE finds it full, or when the host flushes it; once started
 * it runs until the buffer is empty.  Emptying before the host asked for a flush is an
 * underrun: with underrun-free recording (BUFE, or media with lossless linking) the
 * drive pauses and counts it; otherwise streaming is lost and the drive refuses
 * further WRITEs (mmc.c: 03/0C/09) until the host ends the track.  Underruns are only
 * detected with time_scale > 0, where the host's slowness is real. */
#ifndef SIM_DRIVETIME_H
#define SIM_DRIVETIME_H

#include <stdbool.h>
#include <stdint.h>

#include "recorder.h"

/* ---- the clock ------------------------------------------------------------------ */

struct sim_dt_clock {
	double   scale;		/* 0, or wall microseconds per virtual microsecond */
	uint64_t wall0_us;	/* CLOCK_MONOTONIC at creation (scale > 0) */
	uint64_t vnow_us;	/* scale 0: the virtual time */
};

/* CLOCK_MONOTONIC in microseconds. */
uint64_t sim_dt_wall_now_us(void);

/* scale < 0 counts as 0. */
void sim_dt_clock_init(struct sim_dt_clock *clk, double scale, uint64_t wall_now_us);
/* Virtual time at wall time wall_now_us (scale 0: the virtual time, whatever the wall
 * clock says).  Never goes backwards for a non-decreasing wall_now_us. */
uint64_t sim_dt_clock_at(const struct sim_dt_clock *clk, uint64_t wall_now_us);
/* The same with the wall clock read only when scale > 0. */
uint64_t sim_dt_now(const struct sim_dt_clock *clk);
/* scale 0: move virtual time forward to vt (never back).  No-op when scale > 0, where
 * time moves by itself. */
void sim_dt_clock_advance(struct sim_dt_clock *clk, uint64_t vt);
/* scale > 0: the wall time (CLOCK_MONOTONIC us) at which virtual time vt is reached;
 * 0 when scale is 0 (nothing is ever waited for in wall time). */
uint64_t sim_dt_clock_wall_of(const struct sim_dt_clock *clk, uint64_t vt);

/* ---- speeds ----------------------------------------------------------------------- */

/* Geometry used for CAV (mm): the radius of an LBA grows as
 * r = sqrt(r_in^2 + (r_out^2 - r_in^2) * lba / capacity). */
#define SIM_DT_R_IN_MM  24.0
#define SIM_DT_R_OUT_MM 58.0

/* How a disc of one family is written on this drive (from the personality and the
 * SET CD SPEED / SET STREAMING selection). */
struct sim_dt_speed {
	uint32_t kbps_1x;	/* kB/s (k = 1000) of 1x: CD 176, DVD 1385, BD 4496 */
	uint32_t frame_bytes;	/* bytes per disc block at 1x: CD 2352, DVD/BD 2048 */
	uint16_t sel_x10;	/* selected speed, tenths of x (CLV: the speed; CAV: the
				 * cap, as P-CAV drives do) */
	uint16_t slow_x10;	/* slowest and fastest entry of the drive's table */
	uint16_t fast_x10;
	bool     cav;
	uint32_t capacity;	/* blocks of the medium (CAV radius) */
};

/* Speed in tenths of x at lba: CLV the selection; CAV grows with the radius from the
 * slowest table entry (inner edge) to the fastest (outer edge), capped at the
 * selection. */
double sim_dt_speed_x10_at(const struct sim_dt_speed *sp, double lba);
/* Disc blocks per second at lba. */
double sim_dt_blocks_per_s(const struct sim_dt_speed *sp, double lba);
/* Virtual microseconds to record nblocks from lba on (rounded up; 0 for 0 blocks). */
uint64_t sim_dt_record_us(const struct sim_dt_speed *sp, double lba, double nblocks);
/* ---- the drive -------------------------------------------------------------------- */

enum sim_dt_op {
	SIM_DT_OP_NONE,
	SIM_DT_OP_SYNC,		/* SYNCHRONIZE CACHE: 02/04/08 long write in progress */
	SIM_DT_OP_CLOSE,	/* CLOSE TRACK/SESSION: 02/04/08 */
	SIM_DT_OP_BLANK,	/* BLANK: 02/04/04 format in progress */
	SIM_DT_OP_FORMAT,	/* FORMAT UNIT: 02/04/04 */
};

/* What happened while the model caught up with the clock (sim_dt_advance). */
enum sim_dt_event {
	SIM_DT_EV_NONE,
	SIM_DT_EV_UNDERRUN,		/* underrun-free: the drive paused (counted) */
	SIM_DT_EV_LOSS_OF_STREAMING,	/* no BUFE: the burn failed */
};

struct sim_dt_drive {
	const struct sim_dt_clock *clock;	/* the device's (the times the recorder is given) */
	struct sim_dt_speed speed;
	uint32_t buffer_bytes;
	bool     underrun_free;		/* BUFE on, or lossless linking (DVD+R, BD) */
	bool     detect_underrun;	/* time_scale > 0 */

	/* the buffer, as of virtual time t */
	uint64_t t;
	double   fill;			/* bytes waiting for the laser (may exceed the
					 * size while a WRITE is held for room) */
	uint32_t bs;			/* host bytes per block of the buffered data */
	double   end_lba;		/* LBA after the last buffered block; the laser is
					 * at end_lba - fill / bs */
	bool     recording;		/* the laser is writing */
	bool     flushing;		/* the host asked for everything (SYNC, CLOSE) */
	bool     lost_streaming;	/* an underrun without BUFE: WRITEs fail */
	uint64_t underruns;		/* underruns the drive recovered from */
	uint64_t underrun_at;		/* virtual time of the last underrun */
	double   underrun_lba;		/* where it happened */

	/* the long operation in progress, if any: [op_start, op_end) */
	enum sim_dt_op op;
	uint64_t op_start, op_end;
};

/* A drive with an empty buffer at virtual time now.  Keeps d->clock. */
void sim_dt_drive_init(struct sim_dt_drive *d, uint64_t now);

/* Bring the model to virtual time now (never backwards): drain the buffer, notice an
 * underrun, end a flush.  Returns what happened (at most one event per call: after an
 * underrun the laser is stopped until data comes). */
enum sim_dt_event sim_dt_advance(struct sim_dt_drive *d, uint64_t now);

/* Free bytes in the buffer (0 when it is full or over-full). */
uint32_t sim_dt_free_bytes(const struct sim_dt_drive *d);
/* Virtual microseconds until `bytes` more fit (0 = now), assuming the laser runs from
 * now on.  A WRITE larger than the buffer fits once the buffer is empty enough to take
 * its tail: the wait is (fill + bytes - size) / rate. */
uint64_t sim_dt_room_wait(const struct sim_dt_drive *d, uint64_t bytes);

/* A WRITE of nblocks of bs bytes at lba enters the buffer at virtual time now
 * (after sim_dt_advance(d, now)).  Starts the laser at half fill or when the buffer
 * overflows.  Returns the virtual time at which the last byte is in the buffer
 * (now when it fits): the WRITE completes then. */
uint64_t sim_dt_write(struct sim_dt_drive *d, uint64_t now, int32_t lba, uint32_t nblocks,
		      uint32_t bs);

/* Start the laser now if it is not running (a WRITE found no room). */
void sim_dt_start(struct sim_dt_drive *d, uint64_t now);

/* The host wants everything on the disc (SYNCHRONIZE CACHE, CLOSE): the laser runs
 * until the buffer is empty, which is no underrun.  Returns the virtual microseconds
 * that takes (0 with an empty buffer).  Clears a loss of streaming: the host has ended
 * the track (doc/simdrive-time.md). */
uint64_t sim_dt_flush(struct sim_dt_drive *d, uint64_t now);

/* Start a long operation that ends at virtual time end (>= now). */
void sim_dt_op_start(struct sim_dt_drive *d, enum sim_dt_op op, uint64_t now, uint64_t end);
/* The operation still running at now, or SIM_DT_OP_NONE (an ended one is cleared). */
enum sim_dt_op sim_dt_op_busy(struct sim_dt_drive *d, uint64_t now);
/* SPC-4 progress indication of the running operation at now: 0..65535 (65536 *
 * elapsed / duration, never 65536). */
uint16_t sim_dt_progress(const struct sim_dt_drive *d, uint64_t now);

/* ---- durations (virtual microseconds; tables in doc/simdrive-time.md) ------------- */

/* Extra disc blocks CLOSE TRACK/SESSION writes after the buffer is flushed (lead-in,
 * lead-out, border), written at the current speed.  function as CLOSE TRACK/SESSION's (MMC-6);
 * first_session: the session being closed is the disc's first. */
uint32_t sim_dt_close_blocks(enum rec_family f, uint16_t profile, uint8_t function,
			     bool first_session);
/* Disc blocks BLANK of type `type` passes over at the selected speed. */
uint32_t sim_dt_blank_blocks(enum rec_family f, uint8_t type, uint32_t capacity);
/* FORMAT UNIT: a fixed time (quick formats), or 0 and *blocks set when the format
 * passes over the whole medium at the selected speed (full / certified formats). */
uint64_t sim_dt_format_us(uint16_t profile, uint8_t format_type, uint8_t subtype,
			  uint32_t capacity, uint32_t *blocks);

#endif
