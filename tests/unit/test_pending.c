/* tests/unit/test_pending.c - pending commands (scsi.h struct sim_cmd.pending,
 * sim_dev_set_wakeup, sim_dev_resume) over a recorder whose image writer is held:
 * a WRITE that does not fit waits before it starts (not counted, no fault, no trace
 * line), resumes from the start; SYNCHRONIZE CACHE answers once its SYNC is durable;
 * a READ after writes waits for the image; CLOSE TRACK pads a reservation as the
 * image takes it.  Every wait ends through the wake-up, from the writer's threads. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"
#include "scsi.h"
#include "unit.h"
#include "devtest.h"
#include "wire.h"

static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static unsigned wakes;

/* The wake-up a transport registers: called from the image writer's threads. */
static void on_wake(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wake_mu);
	wakes++;
	pthread_cond_broadcast(&wake_cv);
	pthread_mutex_unlock(&wake_mu);
}

static unsigned wakes_now(void)
{
	pthread_mutex_lock(&wake_mu);
	unsigned n = wakes;
	pthread_mutex_unlock(&wake_mu);
	return n;
}

/* Resume cmd after each wake-up until it is complete, as the transport does. */
static void finish(struct sim_dev *dev, struct sim_cmd *cmd)
{
	while (cmd->pending) {
		unsigned seen = wakes_now();
		sim_dev_resume(dev, cmd);
		if (!cmd->pending)
			break;
		pthread_mutex_lock(&wake_mu);
		while (wakes == seen)
			pthread_cond_wait(&wake_cv, &wake_mu);
		pthread_mutex_unlock(&wake_mu);
	}
}

static unsigned traced;

static void count_trace(void *arg, struct sim_trace_rec *r)
{
	(void)arg;
	(void)r;
	traced++;
}

static void pend_write(struct sim_dev *dev, uint64_t n, struct sim_cmd *cmd, uint32_t lba,
		       uint16_t blocks, const uint8_t *data)
{
	uint8_t cdb[10] = { 0x2a };
	wire_put_be32(cdb + 2, lba);
	wire_put_be16(cdb + 7, blocks);
	devtest_run_out(dev, n, 0, cmd, cdb, 10, data, (uint32_t)blocks * 2048);
}

static void test_pending_image(void)
{
	char dir[PATH_MAX - 64], image[PATH_MAX];
	CU_ASSERT_PTR_NOT_NULL_FATAL(unit_mkdtemp(dir, sizeof(dir), "simpend"));
	snprintf(image, sizeof(image), "%s/lun0.disclog", dir);
	sim_log_level = SIM_LOG_ERROR;

	struct sim_lun_cfg luns[2] = {
		{ .lun = 0, .media = "dvd+r", .image = image },
		{ .lun = 1, .media = "dvd+r" },
	};
	struct sim_dev_cfg cfg = {
		.vendor = "BURNLAB", .product = "SIMDRIVE", .revision = "0.1", .serial = "SN",
		.target_name = "iqn.2026-01.org.burnlab:pending", .luns = luns, .nluns = 2,
	};
	char err[256];
	struct sim_dev *dev = sim_dev_new(&cfg, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	sim_dev_set_observer(dev, count_trace, NULL);
	sim_dev_set_wakeup(dev, on_wake, NULL);
	uint64_t n = sim_dev_nexus_open(dev);
	struct sim_cmd cmd;
	static const uint8_t tur[6] = { 0x00 };
	for (uint16_t lun = 0; lun < 2; lun++) {
		devtest_run(dev, n, lun, &cmd, tur, 6, 0);	/* 29/00 */
		CU_ASSERT_FALSE(cmd.pending);
		sim_cmd_release(&cmd);
	}

	enum { BLOCKS = 128 };		/* 256 KiB per WRITE */
	uint8_t *data = malloc((size_t)BLOCKS * 2048);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	for (size_t i = 0; i < (size_t)BLOCKS * 2048; i++)
		data[i] = (uint8_t)(i * 2654435761u >> 13);

	/* A held image: WRITEs are taken until the queue is full, then one is pending. */
	CU_ASSERT_EQUAL(sim_dev_image_hold(dev, 0, true, err, sizeof(err)), 0);
	uint32_t lba = 0;
	for (;;) {
		pend_write(dev, n, &cmd, lba, BLOCKS, data);
		if (cmd.pending)
			break;
		CU_ASSERT_EQUAL_FATAL(cmd.status, SIM_STATUS_GOOD);
		sim_cmd_release(&cmd);
		lba += BLOCKS;
		CU_ASSERT_FATAL(lba < 64u << 9);	/* 64 MiB: the hold did not hold */
	}
	struct sim_image_info info;
	CU_ASSERT_TRUE(sim_dev_image_info(dev, 0, &info, err, sizeof(err)));
	CU_ASSERT_TRUE(info.waiting && info.held && info.queued <= info.limit);
	uint64_t counted = sim_dev_lun_commands(dev, 0);
	unsigned lines = traced;

	/* The next command of the LUN fails by fault: a pending pass is not counted. */
	struct sim_fault f;
	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("write-error lun=0 command=+2", &f, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(sim_dev_add_fault(dev, &f, err, sizeof(err)) > 0);
	sim_dev_resume(dev, &cmd);		/* still held */
	CU_ASSERT_TRUE(cmd.pending);
	CU_ASSERT_EQUAL(sim_dev_lun_commands(dev, 0), counted);
	CU_ASSERT_EQUAL(traced, lines);
	struct sim_cmd other;			/* the other LUN is served meanwhile */
	devtest_run(dev, n, 1, &other, tur, 6, 0);
	CU_ASSERT_FALSE(other.pending);
	CU_ASSERT_EQUAL(other.status, SIM_STATUS_GOOD);
	sim_cmd_release(&other);

	CU_ASSERT_EQUAL(sim_dev_image_hold(dev, 0, false, err, sizeof(err)), 0);
	finish(dev, &cmd);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);	/* command +1: no fault */
	CU_ASSERT_EQUAL(sim_dev_lun_commands(dev, 0), counted + 1);
	CU_ASSERT_EQUAL(traced, lines + 2);		/* the TUR of LUN 1 and this WRITE */
	sim_cmd_release(&cmd);
	lba += BLOCKS;
	pend_write(dev, n, &cmd, lba, BLOCKS, data);	/* command +2: the fault */
	finish(dev, &cmd);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_CHECK_CONDITION);
	sim_cmd_release(&cmd);

	/* A READ after writes waits for them to be in the image, then reads them. */
	CU_ASSERT_EQUAL(sim_dev_image_hold(dev, 0, true, err, sizeof(err)), 0);
	uint8_t rd[10] = { 0x28 };
	wire_put_be32(rd + 2, lba - 1);
	wire_put_be16(rd + 7, 1);
	devtest_run(dev, n, 0, &cmd, rd, 10, 2048);
	CU_ASSERT_TRUE(cmd.pending);
	CU_ASSERT_EQUAL(sim_dev_image_hold(dev, 0, false, err, sizeof(err)), 0);
	finish(dev, &cmd);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	CU_ASSERT_TRUE(cmd.data_in_len == 2048 &&
		       memcmp(cmd.data_in, data + (size_t)(BLOCKS - 1) * 2048, 2048) == 0);
	sim_cmd_release(&cmd);

	/* SYNCHRONIZE CACHE: done at once, the answer waits for the SYNC on disk. */
	CU_ASSERT_EQUAL(sim_dev_image_hold(dev, 0, true, err, sizeof(err)), 0);
	static const uint8_t sync[10] = { 0x35 };
	lines = traced;
	devtest_run(dev, n, 0, &cmd, sync, 10, 0);
	CU_ASSERT_TRUE(cmd.pending);
	CU_ASSERT_EQUAL(traced, lines);
	CU_ASSERT_EQUAL(sim_dev_image_hold(dev, 0, false, err, sizeof(err)), 0);
	finish(dev, &cmd);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	CU_ASSERT_EQUAL(traced, lines + 1);
	sim_cmd_release(&cmd);

	/* CLOSE TRACK of a 48 MiB reservation pads it as the held image takes it.  Track 1
	 * is closed first: a reservation is made of the blank invisible track. */
	uint8_t close1[10] = { 0x5b, 0, 0x01 };
	wire_put_be16(close1 + 4, 1);
	devtest_run(dev, n, 0, &cmd, close1, 10, 0);
	finish(dev, &cmd);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	sim_cmd_release(&cmd);
	uint8_t resv[10] = { 0x53 };
	wire_put_be32(resv + 5, 24576);
	devtest_run(dev, n, 0, &cmd, resv, 10, 0);
	finish(dev, &cmd);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	sim_cmd_release(&cmd);
	CU_ASSERT_EQUAL(sim_dev_image_hold(dev, 0, true, err, sizeof(err)), 0);
	uint8_t close[10] = { 0x5b, 0, 0x01 };
	wire_put_be16(close + 4, 2);		/* track 2: the reservation */
	counted = sim_dev_lun_commands(dev, 0);
	devtest_run(dev, n, 0, &cmd, close, 10, 0);
	CU_ASSERT_TRUE(cmd.pending);
	CU_ASSERT_TRUE(sim_dev_image_info(dev, 0, &info, err, sizeof(err)));
	CU_ASSERT_TRUE(info.queued <= info.limit);
	CU_ASSERT_EQUAL(sim_dev_image_hold(dev, 0, false, err, sizeof(err)), 0);
	finish(dev, &cmd);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	CU_ASSERT_EQUAL(sim_dev_lun_commands(dev, 0), counted + 1);
	sim_cmd_release(&cmd);
	uint8_t rti[10] = { 0x52, 0x01 };		/* track 2 is closed and full */
	wire_put_be32(rti + 2, 2);
	wire_put_be16(rti + 7, 48);
	devtest_run(dev, n, 0, &cmd, rti, 10, 48);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	CU_ASSERT_TRUE(cmd.data_in_len >= 28 && !(cmd.data_in[7] & 0x01) &&
		       wire_be32(cmd.data_in + 24) == 24576 && wire_be32(cmd.data_in + 16) == 0);
	sim_cmd_release(&cmd);

	sim_dev_nexus_close(dev, n);
	sim_dev_set_wakeup(dev, NULL, NULL);
	sim_dev_free(dev);
	free(data);
	unlink(image);
	rmdir(dir);
}

static const struct unit_test pending_tests[] = {
	{ "pending_image", test_pending_image },
};

static int pending_suite(void)
{
	return UNIT_ADD_SUITE("pending", pending_tests);
}

UNIT_SUITE(pending_suite)
