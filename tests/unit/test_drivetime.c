/* tests/unit/test_drivetime.c - the drive's time alone (simdrive/drive/drivetime.c): the clock
 * and its scales, CLV and CAV speeds, the buffer's fill and room, underruns with and
 * without BUFE, flushes, long operations and their progress, the duration tables.
 * Every rule has a case where it must not fire as well as one where it must. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "devtest.h"
#include "drivetime.h"
#include "unit.h"
#include "wire.h"

#define MIB (1024.0 * 1024.0)

/* A DVD drive at 16x CLV with a 4 MiB buffer, as the default personality has it. */
static void dvd16(struct sim_dt_drive *d, bool detect, bool bufe)
{
	d->clock = NULL;
	d->speed = (struct sim_dt_speed){
		.kbps_1x = 1385, .frame_bytes = 2048, .sel_x10 = 160, .slow_x10 = 24,
		.fast_x10 = 240, .cav = false, .capacity = 2295104,
	};
	d->buffer_bytes = 4u << 20;
	sim_dt_drive_init(d, 1000);
	d->detect_underrun = detect;
	d->underrun_free = bufe;
}

static uint64_t us_for(double bytes, double kbps)
{
	return (uint64_t)(bytes / (kbps * 1000.0) * 1e6);
}

static void test_clock_scale0(void)
{
	struct sim_dt_clock c;
	sim_dt_clock_init(&c, 0.0, 5000000);
	CU_ASSERT_EQUAL(sim_dt_clock_at(&c, 9000000), 0);	/* wall time does not count */
	sim_dt_clock_advance(&c, 250);
	CU_ASSERT_EQUAL(sim_dt_clock_at(&c, 0), 250);
	sim_dt_clock_advance(&c, 100);				/* never backwards */
	CU_ASSERT_EQUAL(sim_dt_now(&c), 250);
	CU_ASSERT_EQUAL(sim_dt_clock_wall_of(&c, 1000000), 0);	/* nothing waits in wall time */
	sim_dt_clock_init(&c, -1.0, 0);				/* negative: 0 */
	CU_ASSERT_EQUAL(c.scale, 0.0);
}

static void test_clock_scaled(void)
{
	struct sim_dt_clock c;
	sim_dt_clock_init(&c, 0.01, 1000000);			/* 100x faster than real */
	CU_ASSERT_EQUAL(sim_dt_clock_at(&c, 1000000), 0);
	CU_ASSERT_EQUAL(sim_dt_clock_at(&c, 500000), 0);	/* before creation */
	CU_ASSERT_EQUAL(sim_dt_clock_at(&c, 1010000), 1000000);	/* 10 ms wall = 1 s */
	CU_ASSERT_EQUAL(sim_dt_clock_wall_of(&c, 2000000), 1020000);
	sim_dt_clock_advance(&c, 99000000);			/* time moves by itself */
	CU_ASSERT_EQUAL(sim_dt_clock_at(&c, 1010000), 1000000);
	sim_dt_clock_init(&c, 1.0, 0);				/* real time */
	CU_ASSERT_EQUAL(sim_dt_clock_at(&c, 1234567), 1234567);
	CU_ASSERT_EQUAL(sim_dt_clock_wall_of(&c, 1234567), 1234567);
}

static void test_clv_speed(void)
{
	struct sim_dt_drive d;
	dvd16(&d, false, false);
	CU_ASSERT_DOUBLE_EQUAL(sim_dt_speed_x10_at(&d.speed, 0), 160, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(sim_dt_speed_x10_at(&d.speed, 2000000), 160, 1e-9);
	/* 16x DVD = 22160 kB/s = 10820.3 blocks/s. */
	CU_ASSERT_DOUBLE_EQUAL(sim_dt_blocks_per_s(&d.speed, 0), 22160000.0 / 2048, 1e-6);
	/* 1 GiB at 16x: 48.454 s. */
	uint64_t us = sim_dt_record_us(&d.speed, 0, 524288);
	CU_ASSERT(us >= 48453000 && us <= 48455000);
	CU_ASSERT_EQUAL(sim_dt_record_us(&d.speed, 0, 0), 0);
	/* No selection: the fastest entry. */
	d.speed.sel_x10 = 0;
	CU_ASSERT_DOUBLE_EQUAL(sim_dt_speed_x10_at(&d.speed, 0), 240, 1e-9);
	/* CD: 2352-byte frames, 1x = 176 kB/s = 74.8 blocks/s. */
	struct sim_dt_speed cd = { .kbps_1x = 176, .frame_bytes = 2352, .sel_x10 = 10,
				   .slow_x10 = 40, .fast_x10 = 520 };
	CU_ASSERT_DOUBLE_EQUAL(sim_dt_blocks_per_s(&cd, 0), 176000.0 / 2352, 1e-6);
}

static void test_cav_speed(void)
{
	struct sim_dt_speed sp = { .kbps_1x = 176, .frame_bytes = 2352, .sel_x10 = 480,
				   .slow_x10 = 200, .fast_x10 = 480, .cav = true,
				   .capacity = 359850 };
	/* From the slowest entry at the inner edge to the fastest at the outer edge. */
	CU_ASSERT_DOUBLE_EQUAL(sim_dt_speed_x10_at(&sp, 0), 200, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(sim_dt_speed_x10_at(&sp, 359850), 480, 1e-6);
	/* Radius at half the capacity: sqrt((24^2 + 58^2) / 2) = 44.38 mm. */
	double mid = 200 + 280 * (44.3846820 - 24.0) / 34.0;
	CU_ASSERT_DOUBLE_EQUAL(sim_dt_speed_x10_at(&sp, 179925), mid, 0.01);
	CU_ASSERT(sim_dt_speed_x10_at(&sp, 1000) < sim_dt_speed_x10_at(&sp, 2000));
	/* The selection caps it (P-CAV). */
	sp.sel_x10 = 320;
	CU_ASSERT_DOUBLE_EQUAL(sim_dt_speed_x10_at(&sp, 359850), 320, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(sim_dt_speed_x10_at(&sp, 0), 200, 1e-6);
	/* Beyond the disc: clamped. */
	CU_ASSERT_DOUBLE_EQUAL(sim_dt_speed_x10_at(&sp, 1e9), 320, 1e-6);
	/* The outer blocks record faster than the inner ones. */
	sp.sel_x10 = 480;
	uint64_t inner = sim_dt_record_us(&sp, 0, 10000), outer = sim_dt_record_us(&sp, 340000, 10000);
	CU_ASSERT(outer < inner);
	CU_ASSERT(inner < (uint64_t)(10000 / (20 * 74.83) * 1e6) + 1000);
	/* Time over the whole disc lies between the two speeds' times. */
	uint64_t all = sim_dt_record_us(&sp, 0, 359850);
	CU_ASSERT(all > (uint64_t)(359850 / (48 * 176000.0 / 2352) * 1e6));
	CU_ASSERT(all < (uint64_t)(359850 / (20 * 176000.0 / 2352) * 1e6));
	/* Recording in two halves takes as long as in one go. */
	uint64_t a = sim_dt_record_us(&sp, 0, 100000), b = sim_dt_record_us(&sp, 100000, 259850);
	CU_ASSERT(a + b >= all - 2 && a + b <= all + 2);
}

static void test_buffer_fill_and_room(void)
{
	struct sim_dt_drive d;
	dvd16(&d, false, false);
	CU_ASSERT_EQUAL(sim_dt_free_bytes(&d), 4u << 20);
	/* 1 MiB: fits, no wait, the laser stays off below half. */
	CU_ASSERT_EQUAL(sim_dt_write(&d, 1000, 0, 512, 2048), 1000);
	CU_ASSERT_EQUAL(sim_dt_free_bytes(&d), 3u << 20);
	CU_ASSERT(!d.recording);
	CU_ASSERT_EQUAL(sim_dt_room_wait(&d, 3u << 20), 0);	/* exactly fits */
	CU_ASSERT(sim_dt_room_wait(&d, (3u << 20) + 2048) > 0);
	/* Time passes without recording: nothing drains. */
	CU_ASSERT_EQUAL(sim_dt_advance(&d, 5000000), SIM_DT_EV_NONE);
	CU_ASSERT_EQUAL(sim_dt_free_bytes(&d), 3u << 20);
	/* Half full: the laser starts. */
	CU_ASSERT_EQUAL(sim_dt_write(&d, 5000000, 512, 512, 2048), 5000000);
	CU_ASSERT(d.recording);
	/* After 10 ms, 10 ms x 22160 kB/s = 221600 bytes drained. */
	sim_dt_advance(&d, 5010000);
	CU_ASSERT_EQUAL(sim_dt_free_bytes(&d), (2u << 20) + 221600);
	/* A WRITE that does not fit completes when the excess has drained. */
	uint64_t done = sim_dt_write(&d, 5010000, 1024, 1536, 2048);	/* 3 MiB */
	double excess = (2.0 * MIB - 221600) + 3.0 * MIB - 4.0 * MIB;
	CU_ASSERT(done >= 5010000 + us_for(excess, 22160) && done <= 5010000 + us_for(excess, 22160) + 2);
	CU_ASSERT_EQUAL(sim_dt_free_bytes(&d), 0);
	sim_dt_advance(&d, done);
	CU_ASSERT(sim_dt_free_bytes(&d) < 64);			/* full, give or take a us */
	/* A WRITE larger than the whole buffer waits for its tail. */
	dvd16(&d, false, false);
	done = sim_dt_write(&d, 1000, 0, 4096, 2048);		/* 8 MiB */
	CU_ASSERT(d.recording);
	CU_ASSERT(done >= 1000 + us_for(4.0 * MIB, 22160) && done <= 1000 + us_for(4.0 * MIB, 22160) + 2);
	/* Zero blocks: nothing. */
	dvd16(&d, false, false);
	CU_ASSERT_EQUAL(sim_dt_write(&d, 1000, 0, 0, 2048), 1000);
	CU_ASSERT_EQUAL(sim_dt_free_bytes(&d), 4u << 20);
}

static void test_underrun_without_bufe(void)
{
	struct sim_dt_drive d;
	dvd16(&d, true, false);
	sim_dt_write(&d, 1000, 0, 1024, 2048);			/* 2 MiB: the laser starts */
	uint64_t empty = 1000 + us_for(2.0 * MIB, 22160);
	CU_ASSERT_EQUAL(sim_dt_advance(&d, empty - 1000), SIM_DT_EV_NONE);	/* not yet */
	CU_ASSERT(!d.lost_streaming);
	CU_ASSERT_EQUAL(sim_dt_advance(&d, empty + 1000), SIM_DT_EV_LOSS_OF_STREAMING);
	CU_ASSERT(d.lost_streaming);
	CU_ASSERT(!d.recording);
	CU_ASSERT_EQUAL(d.underruns, 0);
	CU_ASSERT(d.underrun_at >= empty - 1 && d.underrun_at <= empty + 2);
	CU_ASSERT_DOUBLE_EQUAL(d.underrun_lba, 1024, 1e-9);
	CU_ASSERT_EQUAL(sim_dt_advance(&d, empty + 9000000), SIM_DT_EV_NONE);	/* once */
	/* The host ends the track: the condition clears. */
	CU_ASSERT_EQUAL(sim_dt_flush(&d, empty + 9000000), 0);
	CU_ASSERT(!d.lost_streaming);
}

static void test_underrun_with_bufe(void)
{
	struct sim_dt_drive d;
	dvd16(&d, true, true);
	sim_dt_write(&d, 1000, 0, 1024, 2048);
	uint64_t empty = 1000 + us_for(2.0 * MIB, 22160);
	CU_ASSERT_EQUAL(sim_dt_advance(&d, empty + 5000), SIM_DT_EV_UNDERRUN);
	CU_ASSERT(!d.lost_streaming);
	CU_ASSERT_EQUAL(d.underruns, 1);
	CU_ASSERT(!d.recording);				/* paused */
	/* Data comes: the laser waits for half a buffer again, then goes on. */
	sim_dt_write(&d, empty + 10000, 1024, 512, 2048);
	CU_ASSERT(!d.recording);
	sim_dt_write(&d, empty + 10000, 1536, 512, 2048);
	CU_ASSERT(d.recording);
	CU_ASSERT_EQUAL(sim_dt_advance(&d, empty + 9000000), SIM_DT_EV_UNDERRUN);
	CU_ASSERT_EQUAL(d.underruns, 2);
}

static void test_no_underrun(void)
{
	struct sim_dt_drive d;
	/* Scale 0 (no detection): an empty buffer just stops the laser. */
	dvd16(&d, false, false);
	sim_dt_write(&d, 1000, 0, 1024, 2048);
	CU_ASSERT_EQUAL(sim_dt_advance(&d, 60000000), SIM_DT_EV_NONE);
	CU_ASSERT(!d.lost_streaming && !d.recording);
	CU_ASSERT_EQUAL(d.underruns, 0);
	CU_ASSERT_EQUAL(sim_dt_free_bytes(&d), 4u << 20);
	/* A flush that empties the buffer is what the host asked for. */
	dvd16(&d, true, false);
	sim_dt_write(&d, 1000, 0, 1024, 2048);
	uint64_t us = sim_dt_flush(&d, 2000);
	CU_ASSERT(us > 0);
	CU_ASSERT_EQUAL(sim_dt_advance(&d, 2000 + us + 1000000), SIM_DT_EV_NONE);
	CU_ASSERT(!d.lost_streaming && !d.recording && !d.flushing);
	/* The laser never started (below half): time passing is no underrun. */
	dvd16(&d, true, false);
	sim_dt_write(&d, 1000, 0, 16, 2048);
	CU_ASSERT_EQUAL(sim_dt_advance(&d, 90000000), SIM_DT_EV_NONE);
	CU_ASSERT_EQUAL(sim_dt_free_bytes(&d), (4u << 20) - 32768);
}

static void test_flush(void)
{
	struct sim_dt_drive d;
	dvd16(&d, false, false);
	CU_ASSERT_EQUAL(sim_dt_flush(&d, 1000), 0);		/* empty: nothing to do */
	sim_dt_write(&d, 1000, 0, 512, 2048);			/* 1 MiB, laser off */
	uint64_t us = sim_dt_flush(&d, 3000);
	CU_ASSERT(us >= us_for(MIB, 22160) && us <= us_for(MIB, 22160) + 2);
	CU_ASSERT(d.recording && d.flushing);
	sim_dt_advance(&d, 3000 + us / 2);
	CU_ASSERT(sim_dt_free_bytes(&d) > (3u << 20) && sim_dt_free_bytes(&d) < (4u << 20));
	sim_dt_advance(&d, 3000 + us);
	CU_ASSERT_EQUAL(sim_dt_free_bytes(&d), 4u << 20);
	CU_ASSERT(!d.flushing);
	/* Start: only with data, once. */
	dvd16(&d, false, false);
	sim_dt_start(&d, 1000);
	CU_ASSERT(!d.recording);
	sim_dt_write(&d, 1000, 0, 16, 2048);
	sim_dt_start(&d, 1000);
	CU_ASSERT(d.recording);
}

static void test_operations_and_progress(void)
{
	struct sim_dt_drive d;
	dvd16(&d, false, false);
	CU_ASSERT_EQUAL(sim_dt_op_busy(&d, 0), SIM_DT_OP_NONE);
	sim_dt_op_start(&d, SIM_DT_OP_CLOSE, 1000000, 3000000);
	CU_ASSERT_EQUAL(sim_dt_op_busy(&d, 1000000), SIM_DT_OP_CLOSE);
	CU_ASSERT_EQUAL(sim_dt_progress(&d, 1000000), 0);
	CU_ASSERT_EQUAL(sim_dt_progress(&d, 1500000), 16384);
	CU_ASSERT_EQUAL(sim_dt_progress(&d, 2000000), 32768);
	CU_ASSERT_EQUAL(sim_dt_progress(&d, 2999999), 65535);	/* never 65536 */
	CU_ASSERT_EQUAL(sim_dt_op_busy(&d, 2999999), SIM_DT_OP_CLOSE);
	CU_ASSERT_EQUAL(sim_dt_op_busy(&d, 3000000), SIM_DT_OP_NONE);	/* ended: cleared */
	CU_ASSERT_EQUAL(d.op, SIM_DT_OP_NONE);
	sim_dt_op_start(&d, SIM_DT_OP_BLANK, 5, 2);		/* an end before the start */
	CU_ASSERT_EQUAL(sim_dt_op_busy(&d, 5), SIM_DT_OP_NONE);
}

static void test_durations(void)
{
	/* CD: lead-in + lead-out, the first session's lead-out is longer. */
	CU_ASSERT_EQUAL(sim_dt_close_blocks(REC_CD, REC_PROFILE_CD_R, 2, true), 4500 + 6750);
	CU_ASSERT_EQUAL(sim_dt_close_blocks(REC_CD, REC_PROFILE_CD_R, 2, false), 4500 + 2250);
	CU_ASSERT_EQUAL(sim_dt_close_blocks(REC_CD, REC_PROFILE_CD_R, 1, true), 0);
	CU_ASSERT_EQUAL(sim_dt_close_blocks(REC_DVD, REC_PROFILE_DVD_PLUS_R, 2, true), 16384);
	CU_ASSERT_EQUAL(sim_dt_close_blocks(REC_DVD, REC_PROFILE_DVD_PLUS_R, 5, false), 65536);
	CU_ASSERT_EQUAL(sim_dt_close_blocks(REC_DVD, REC_PROFILE_DVD_PLUS_RW, 2, true), 0);
	CU_ASSERT_EQUAL(sim_dt_close_blocks(REC_BD, REC_PROFILE_BD_R, 6, true), 16384);
	CU_ASSERT_EQUAL(sim_dt_close_blocks(REC_BD, REC_PROFILE_BD_R, 2, true), 8192);
	CU_ASSERT_EQUAL(sim_dt_close_blocks(REC_BD, REC_PROFILE_BD_RE, 6, true), 0);
	/* 11250 blocks at 4x CD: 37.6 s. */
	struct sim_dt_speed cd = { .kbps_1x = 176, .frame_bytes = 2352, .sel_x10 = 40,
				   .slow_x10 = 40, .fast_x10 = 520 };
	uint64_t us = sim_dt_record_us(&cd, 0, 11250);
	CU_ASSERT(us > 37580000 && us < 37590000);

	CU_ASSERT_EQUAL(sim_dt_blank_blocks(REC_CD, 0, 332850), 332850);	/* full */
	CU_ASSERT_EQUAL(sim_dt_blank_blocks(REC_CD, 1, 332850), 4650);		/* minimal */
	CU_ASSERT_EQUAL(sim_dt_blank_blocks(REC_DVD, 1, 2298496), 65536);

	uint32_t blocks;
	CU_ASSERT_EQUAL(sim_dt_format_us(REC_PROFILE_DVD_PLUS_RW, 0x26, 0, 2295104, &blocks), 2000000);
	CU_ASSERT_EQUAL(blocks, 0);
	CU_ASSERT_EQUAL(sim_dt_format_us(REC_PROFILE_BD_RE, 0x00, 0, 12219392, &blocks), 20000000);
	CU_ASSERT_EQUAL(sim_dt_format_us(REC_PROFILE_BD_RE, 0x30, 3, 12219392, &blocks), 60000000);
	CU_ASSERT_EQUAL(sim_dt_format_us(REC_PROFILE_BD_RE, 0x30, 2, 12219392, &blocks), 0);
	CU_ASSERT_EQUAL(blocks, 12219392);				/* full: the medium */
	CU_ASSERT_EQUAL(sim_dt_format_us(REC_PROFILE_DVD_RW_SEQ, 0x15, 0, 2298496, &blocks), 30000000);
	CU_ASSERT_EQUAL(blocks, 0);
	CU_ASSERT_EQUAL(sim_dt_format_us(REC_PROFILE_DVD_RW_SEQ, 0x10, 0, 2298496, &blocks), 0);
	CU_ASSERT_EQUAL(blocks, 2298496);
}

/* Through the device: a CD-R at 4x on a clock a thousand times slower than real, so
 * that a long operation is still running when the next command comes. */
static struct sim_dev *slow_dev(double scale)
{
	static struct sim_lun_cfg luns[1];
	luns[0] = (struct sim_lun_cfg){ .lun = 0, .media = "cd-r" };
	struct sim_dev_cfg cfg = { .luns = luns, .nluns = 1, .time_scale = scale };
	char err[256];
	struct sim_dev *dev = sim_dev_new(&cfg, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	return dev;
}

static uint64_t slow_nexus(struct sim_dev *dev)
{
	static const uint8_t tur[6] = { 0x00 };
	struct sim_cmd cmd;
	uint64_t n = sim_dev_nexus_open(dev);
	devtest_run(dev, n, 0, &cmd, tur, 6, 0);		/* 29/00 */
	sim_cmd_release(&cmd);
	return n;
}

static void slow_burn(struct sim_dev *dev, uint64_t n, uint32_t blocks)
{
	static uint8_t data[32 * 2048];
	uint8_t scs[12] = { 0xbb, 0, 0xff, 0xff, 0x02, 0xc2 };	/* 706 kB/s: 4x */
	struct sim_cmd cmd;
	devtest_run(dev, n, 0, &cmd, scs, 12, 0);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	sim_cmd_release(&cmd);
	for (uint32_t lba = 0; lba < blocks; lba += 32) {
		uint8_t w[10] = { 0x2a };
		wire_put_be32(w + 2, lba);
		wire_put_be16(w + 7, 32);
		devtest_run_out(dev, n, 0, &cmd, w, 10, data, sizeof(data));
		CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
		CU_ASSERT_EQUAL(cmd.complete_after_us, 0);	/* room in the buffer */
		sim_cmd_release(&cmd);
	}
}

static void test_device_busy(void)
{
	struct sim_dev *dev = slow_dev(1000.0);
	uint64_t n = slow_nexus(dev);
	struct sim_cmd cmd;
	static const uint8_t tur[6] = { 0x00 };
	static const uint8_t rs[6] = { 0x03, 0, 0, 0, 18, 0 };

	slow_burn(dev, n, 256);
	uint8_t sync[10] = { 0x35, 0x02 };			/* IMMED */
	devtest_run(dev, n, 0, &cmd, sync, 10, 0);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	CU_ASSERT_EQUAL(cmd.complete_after_us, 0);		/* answered at once */
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, tur, 6, 0);		/* long write in progress */
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_CHECK_CONDITION);
	CU_ASSERT_EQUAL(cmd.sense[2] & 0x0f, 0x2);
	CU_ASSERT_EQUAL(cmd.sense[12], 0x04);
	CU_ASSERT_EQUAL(cmd.sense[13], 0x08);
	CU_ASSERT_EQUAL(cmd.sense[15], 0x80);			/* SKSV, progress */
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, rs, 6, 18);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 18);
	CU_ASSERT_EQUAL(cmd.data_in[2] & 0x0f, 0x2);
	CU_ASSERT_EQUAL(cmd.data_in[12], 0x04);
	CU_ASSERT_EQUAL(cmd.data_in[13], 0x08);
	CU_ASSERT_EQUAL(cmd.data_in[15], 0x80);
	CU_ASSERT(wire_be16(cmd.data_in + 16) < 100);		/* barely started */
	sim_cmd_release(&cmd);
	static uint8_t one[2048];
	uint8_t w[10] = { 0x2a, 0, 0, 0, 0x01, 0x00, 0, 0, 1, 0 };
	devtest_run_out(dev, n, 0, &cmd, w, 10, one, sizeof(one));	/* WRITE waits */
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_CHECK_CONDITION);
	CU_ASSERT_EQUAL(cmd.sense[12], 0x04);
	CU_ASSERT_EQUAL(cmd.sense[13], 0x08);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);

	/* Without IMMED the status is held: complete_after_us lies in the future. */
	dev = slow_dev(1000.0);
	n = slow_nexus(dev);
	slow_burn(dev, n, 256);
	sync[1] = 0x00;
	uint64_t before = sim_dt_wall_now_us();
	devtest_run(dev, n, 0, &cmd, sync, 10, 0);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	/* 512 KiB at 4x (613 kB/s of 2048-byte blocks): 0.86 s, x 1000. */
	CU_ASSERT(cmd.complete_after_us > before + 800000000ull);
	CU_ASSERT(cmd.complete_after_us < before + 900000000ull);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);

	/* At scale 0 nothing is ever busy and nothing is held: the clock jumps. */
	dev = slow_dev(0.0);
	n = slow_nexus(dev);
	slow_burn(dev, n, 256);
	devtest_run(dev, n, 0, &cmd, sync, 10, 0);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	CU_ASSERT_EQUAL(cmd.complete_after_us, 0);
	sim_cmd_release(&cmd);
	CU_ASSERT(sim_dev_now_us(dev) > 850000 && sim_dev_now_us(dev) < 870000);
	devtest_run(dev, n, 0, &cmd, tur, 6, 0);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, rs, 6, 18);
	CU_ASSERT_EQUAL(cmd.data_in[2] & 0x0f, 0x0);		/* NO SENSE, no progress */
	CU_ASSERT_EQUAL(cmd.data_in[15], 0x00);
	sim_cmd_release(&cmd);
	CU_ASSERT_EQUAL(sim_dev_underruns(dev, 0), 0);
	sim_dev_free(dev);
}

static const struct unit_test drivetime_tests[] = {
	{ "clock_scale0", test_clock_scale0 },
	{ "clock_scaled", test_clock_scaled },
	{ "clv_speed", test_clv_speed },
	{ "cav_speed", test_cav_speed },
	{ "buffer_fill_and_room", test_buffer_fill_and_room },
	{ "underrun_without_bufe", test_underrun_without_bufe },
	{ "underrun_with_bufe", test_underrun_with_bufe },
	{ "no_underrun", test_no_underrun },
	{ "flush", test_flush },
	{ "operations_and_progress", test_operations_and_progress },
	{ "durations", test_durations },
	{ "device_busy", test_device_busy },
};

static int drivetime_suite(void)
{
	return UNIT_ADD_SUITE("drivetime", drivetime_tests);
}

UNIT_SUITE(drivetime_suite)
