/* tests/unit/test_device.c - the SCSI device model driven through sim_dev_execute()
 * with hand-built CDBs, on ISO files the test writes into a temporary directory. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "scsi.h"
#include "unit.h"
#include "devtest.h"
#include "wire.h"

#define ISO_BLOCKS  300u	/* DVD-ROM fixture */
#define CD_BLOCKS   40u		/* CD-ROM fixture */
#define TARGET_NAME "iqn.2026-01.org.burnlab:test"

static char tmpdir[PATH_MAX];
static char dvd_iso[PATH_MAX + 16], cd_iso[PATH_MAX + 16], bad_iso[PATH_MAX + 16];

/* Byte off of block lba in the fixtures: depends on both, so misplaced reads show. */
static uint8_t pattern(uint32_t lba, uint32_t off)
{
	return (uint8_t)(lba * 31u + off * 7u + (lba >> 3) + 1u);
}

static void write_iso(const char *path, uint32_t blocks, size_t extra)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		abort();
	}
	uint8_t b[2048];
	for (uint32_t lba = 0; lba < blocks; lba++) {
		for (uint32_t i = 0; i < sizeof(b); i++)
			b[i] = pattern(lba, i);
		fwrite(b, 1, sizeof(b), f);
	}
	for (size_t i = 0; i < extra; i++)
		fputc(0, f);
	fclose(f);
}

static void cleanup_fixtures(void)
{
	unlink(dvd_iso);
	unlink(cd_iso);
	unlink(bad_iso);
	rmdir(tmpdir);
}

static void fixtures(void)
{
	if (tmpdir[0])
		return;
	sim_log_level = SIM_LOG_ERROR;	/* tray messages are noise here */
	if (!unit_mkdtemp(tmpdir, sizeof(tmpdir), "simdev")) {
		perror("mkdtemp");
		abort();
	}
	snprintf(dvd_iso, sizeof(dvd_iso), "%s/dvd.iso", tmpdir);
	snprintf(cd_iso, sizeof(cd_iso), "%s/cd.iso", tmpdir);
	snprintf(bad_iso, sizeof(bad_iso), "%s/bad.iso", tmpdir);
	write_iso(dvd_iso, ISO_BLOCKS, 0);
	write_iso(cd_iso, CD_BLOCKS, 0);
	write_iso(bad_iso, 2, 1000);
	atexit(cleanup_fixtures);
}

/* LUN 0: DVD-ROM, LUN 3: empty tray ("none"), LUN 5: CD-ROM. */
static struct sim_dev *new_dev(void)
{
	fixtures();
	static struct sim_lun_cfg luns[3];
	luns[0] = (struct sim_lun_cfg){ .lun = 0, .media = "dvd-rom", .file = dvd_iso };
	luns[1] = (struct sim_lun_cfg){ .lun = 3, .media = "none" };
	luns[2] = (struct sim_lun_cfg){ .lun = 5, .media = "cd-rom", .file = cd_iso };
	struct sim_dev_cfg cfg = {
		.vendor = "BURNLAB", .product = "SIMDRIVE DVD", .revision = "0.1",
		.serial = "SN", .target_name = TARGET_NAME, .luns = luns, .nluns = 3,
	};
	char err[256];
	struct sim_dev *dev = sim_dev_new(&cfg, err, sizeof(err));
	if (!dev)
		fprintf(stderr, "sim_dev_new: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	return dev;
}

static void sense_of(const struct sim_cmd *cmd, uint8_t *key, uint8_t *asc, uint8_t *ascq)
{
	if ((cmd->sense[0] & 0x7f) == 0x72) {
		*key = cmd->sense[1] & 0x0f;
		*asc = cmd->sense[2];
		*ascq = cmd->sense[3];
	} else {
		*key = cmd->sense[2] & 0x0f;
		*asc = cmd->sense[12];
		*ascq = cmd->sense[13];
	}
}

#define CHECK_GOOD(cmd) CU_ASSERT_EQUAL((cmd)->status, SIM_STATUS_GOOD)

#define CHECK_SENSE(cmd, s)                                                     \
	do {                                                                    \
		uint8_t k_, a_, q_;                                             \
		CU_ASSERT_EQUAL((cmd)->status, SIM_STATUS_CHECK_CONDITION);     \
		CU_ASSERT((cmd)->sense_len >= 8);                               \
		sense_of((cmd), &k_, &a_, &q_);                                 \
		struct sim_sense w_ = (s);                                      \
		CU_ASSERT_EQUAL(k_, w_.key);                                    \
		CU_ASSERT_EQUAL(a_, w_.asc);                                    \
		CU_ASSERT_EQUAL(q_, w_.ascq);                                   \
		CU_ASSERT_EQUAL((cmd)->data_in_len, 0);                         \
	} while (0)

static const uint8_t cdb_tur[6] = { 0x00 };

static void tur(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd)
{
	devtest_run(dev, n, lun, cmd, cdb_tur, 6, 0);
}

/* A nexus whose power-on unit attention has been consumed on every LUN. */
static uint64_t clean_nexus(struct sim_dev *dev)
{
	uint64_t n = sim_dev_nexus_open(dev);
	CU_ASSERT_NOT_EQUAL(n, 0);
	static const uint16_t luns[] = { 0, 3, 5 };
	for (size_t i = 0; i < 3; i++) {
		struct sim_cmd cmd;
		tur(dev, n, luns[i], &cmd);
		CHECK_SENSE(&cmd, SIM_SENSE_POWER_ON_RESET);
		sim_cmd_release(&cmd);
	}
	return n;
}

static void cdb_inquiry(uint8_t *cdb, bool evpd, uint8_t page, uint16_t alloc)
{
	memset(cdb, 0, 6);
	cdb[0] = 0x12;
	cdb[1] = evpd;
	cdb[2] = page;
	wire_put_be16(cdb + 3, alloc);
}

static void cdb_read10(uint8_t *cdb, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 10);
	cdb[0] = 0x28;
	wire_put_be32(cdb + 2, lba);
	wire_put_be16(cdb + 7, blocks);
}

static void cdb_read12(uint8_t *cdb, uint32_t lba, uint32_t blocks)
{
	memset(cdb, 0, 12);
	cdb[0] = 0xa8;
	wire_put_be32(cdb + 2, lba);
	wire_put_be32(cdb + 6, blocks);
}

static void cdb_start_stop(uint8_t *cdb, uint8_t power, bool loej, bool start)
{
	memset(cdb, 0, 6);
	cdb[0] = 0x1b;
	cdb[1] = 0x01;		/* IMMED */
	cdb[4] = (uint8_t)(power << 4 | (loej ? 0x02 : 0) | (start ? 0x01 : 0));
}

static void cdb_prevent(uint8_t *cdb, bool prevent)
{
	memset(cdb, 0, 6);
	cdb[0] = 0x1e;
	cdb[4] = prevent;
}

static void cdb_mode_sense6(uint8_t *cdb, uint8_t pc, uint8_t page, uint8_t sub, uint8_t alloc)
{
	memset(cdb, 0, 6);
	cdb[0] = 0x1a;
	cdb[2] = (uint8_t)(pc << 6 | page);
	cdb[3] = sub;
	cdb[4] = alloc;
}

static bool content_ok(const uint8_t *p, uint32_t lba, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != pattern(lba + i / 2048, i % 2048))
			return false;
	return true;
}

/* ---- creation ------------------------------------------------------------------ */

static void test_new_errors(void)
{
	fixtures();
	char err[256];
	struct sim_lun_cfg lun = { .lun = 0, .media = "dvd-rom", .file = bad_iso };
	struct sim_dev_cfg cfg = { .luns = &lun, .nluns = 1 };

	CU_ASSERT_PTR_NULL(sim_dev_new(&cfg, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, bad_iso));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "2048"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "lun 0"));

	lun.file = "/nonexistent/x.iso";
	CU_ASSERT_PTR_NULL(sim_dev_new(&cfg, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/x.iso"));

	lun.file = dvd_iso;
	lun.media = "bd-rom";
	CU_ASSERT_PTR_NULL(sim_dev_new(&cfg, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bd-rom"));

	struct sim_lun_cfg two[2] = {
		{ .lun = 1, .media = "none" }, { .lun = 1, .media = "none" },
	};
	cfg.luns = two;
	cfg.nluns = 2;
	CU_ASSERT_PTR_NULL(sim_dev_new(&cfg, err, sizeof(err)));

	cfg.nluns = 1;
	cfg.vendor = "MUCHTOOLONGVENDOR";
	CU_ASSERT_PTR_NULL(sim_dev_new(&cfg, err, sizeof(err)));

	cfg.vendor = NULL;
	struct sim_dev *dev = sim_dev_new(&cfg, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(dev);
	CU_ASSERT_TRUE(sim_dev_has_lun(dev, 1));
	CU_ASSERT_FALSE(sim_dev_has_lun(dev, 0));
	sim_dev_free(dev);
}

/* ---- unit attention --------------------------------------------------------- */

static void test_ua_new_nexus(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = sim_dev_nexus_open(dev);
	struct sim_cmd cmd;
	uint8_t cdb[6];

	/* INQUIRY answers and leaves the UA pending (SPC-4 §5.14). */
	cdb_inquiry(cdb, false, 0, 96);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 96);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);

	tur(dev, n, 0, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_POWER_ON_RESET);
	CU_ASSERT_EQUAL(cmd.sense[0], 0x70);
	CU_ASSERT_EQUAL(cmd.sense_len, 18);
	sim_cmd_release(&cmd);

	tur(dev, n, 0, &cmd);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.sense_len, 0);
	sim_cmd_release(&cmd);

	/* Each LUN has its own: LUN 5 still owes one, even for an unknown opcode. */
	static const uint8_t write10[10] = { 0x2a };
	devtest_run(dev, n, 5, &cmd, write10, 10, 0);
	CHECK_SENSE(&cmd, SIM_SENSE_POWER_ON_RESET);
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 5, &cmd, write10, 10, 0);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_OPCODE);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static void test_request_sense(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = sim_dev_nexus_open(dev);
	struct sim_cmd cmd;
	static const uint8_t rs[6] = { 0x03, 0, 0, 0, 18, 0 };
	static const uint8_t rs_desc[6] = { 0x03, 1, 0, 0, 252, 0 };

	devtest_run(dev, n, 0, &cmd, rs, 6, 18);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 18);
	CU_ASSERT_EQUAL(cmd.data_in[0], 0x70);
	CU_ASSERT_EQUAL(cmd.data_in[2], 0x06);
	CU_ASSERT_EQUAL(cmd.data_in[12], 0x29);
	sim_cmd_release(&cmd);

	/* Reported means cleared. */
	devtest_run(dev, n, 0, &cmd, rs, 6, 18);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[2], 0x00);
	CU_ASSERT_EQUAL(cmd.data_in[12], 0x00);
	sim_cmd_release(&cmd);
	tur(dev, n, 0, &cmd);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);

	/* Empty tray: the not-ready condition, in descriptor format when DESC=1. */
	devtest_run(dev, n, 3, &cmd, rs_desc, 6, 252);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 8);
	CU_ASSERT_EQUAL(cmd.data_in[0], 0x72);
	CU_ASSERT_EQUAL(cmd.data_in[1], 0x06);	/* the power-on UA first */
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 3, &cmd, rs_desc, 6, 252);
	CU_ASSERT_EQUAL(cmd.data_in[1], 0x02);
	CU_ASSERT_EQUAL(cmd.data_in[2], 0x3a);
	CU_ASSERT_EQUAL(cmd.data_in[3], 0x01);
	sim_cmd_release(&cmd);

	/* Unknown LUN: GOOD with LOGICAL UNIT NOT SUPPORTED as the data. */
	devtest_run(dev, n, 9, &cmd, rs, 6, 18);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[2], 0x05);
	CU_ASSERT_EQUAL(cmd.data_in[12], 0x25);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* ---- INQUIRY ------------------------------------------------------------------ */

static void test_inquiry_standard(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev);
	struct sim_cmd cmd;
	uint8_t cdb[6];

	cdb_inquiry(cdb, false, 0, 260);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 260);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.spdtl, 96);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 96);
	const uint8_t *d = cmd.data_in;
	CU_ASSERT_EQUAL(d[0], 0x05);
	CU_ASSERT_EQUAL(d[1], 0x80);
	CU_ASSERT_EQUAL(d[2], 0x06);
	CU_ASSERT_EQUAL(d[3] & 0x0f, 0x02);
	CU_ASSERT_EQUAL(d[4], 91);
	CU_ASSERT_EQUAL(memcmp(d + 8, "BURNLAB ", 8), 0);
	CU_ASSERT_EQUAL(memcmp(d + 16, "SIMDRIVE DVD    ", 16), 0);
	CU_ASSERT_EQUAL(memcmp(d + 32, "0.1 ", 4), 0);
	CU_ASSERT_EQUAL(wire_be16(d + 58), 0x00a0);
	CU_ASSERT_EQUAL(wire_be16(d + 60), 0x0460);
	CU_ASSERT_EQUAL(wire_be16(d + 62), 0x04e0);
	CU_ASSERT_EQUAL(wire_be16(d + 64), 0x0960);
	for (int i = 8; i < 36; i++)
		CU_ASSERT(d[i] >= 0x20 && d[i] <= 0x7e);
	sim_cmd_release(&cmd);

	/* Allocation length truncation, and EDTL below it. */
	cdb_inquiry(cdb, false, 0, 5);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 255);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.spdtl, 5);
	CU_ASSERT_EQUAL(cmd.data_in_len, 5);
	CU_ASSERT_EQUAL(cmd.data_in[4], 91);
	sim_cmd_release(&cmd);
	cdb_inquiry(cdb, false, 0, 96);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 36);
	CU_ASSERT_EQUAL(cmd.spdtl, 96);
	CU_ASSERT_EQUAL(cmd.data_in_len, 36);
	sim_cmd_release(&cmd);
	cdb_inquiry(cdb, false, 0, 0);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 0);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.spdtl, 0);
	CU_ASSERT_PTR_NULL(cmd.data_in);
	sim_cmd_release(&cmd);

	/* Unconfigured LUN: qualifier 3, type 1Fh. */
	cdb_inquiry(cdb, false, 0, 96);
	devtest_run(dev, n, 7, &cmd, cdb, 6, 96);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[0], 0x7f);
	sim_cmd_release(&cmd);

	/* CMDDT (obsolete, reserved) and EVPD=0 with a page code. */
	cdb_inquiry(cdb, false, 0, 96);
	cdb[1] = 0x02;
	devtest_run(dev, n, 0, &cmd, cdb, 6, 96);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);
	cdb_inquiry(cdb, false, 0x80, 96);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 96);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	CU_ASSERT_EQUAL(cmd.sense[15], 0xc0);	/* SKSV, C/D: byte 2 of the CDB */
	CU_ASSERT_EQUAL(wire_be16(cmd.sense + 16), 2);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static void test_inquiry_vpd(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev);
	struct sim_cmd cmd;
	uint8_t cdb[6];

	cdb_inquiry(cdb, true, 0x00, 255);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 255);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 7);
	static const uint8_t sup[7] = { 0x05, 0x00, 0x00, 0x03, 0x00, 0x80, 0x83 };
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, sup, 7), 0);
	sim_cmd_release(&cmd);

	cdb_inquiry(cdb, true, 0x80, 255);
	devtest_run(dev, n, 5, &cmd, cdb, 6, 255);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[1], 0x80);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 2), 3);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in + 4, "SN5", 3), 0);
	sim_cmd_release(&cmd);

	cdb_inquiry(cdb, true, 0x83, 255);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 255);
	CHECK_GOOD(&cmd);
	const uint8_t *d = cmd.data_in;
	uint32_t len = cmd.data_in_len;
	CU_ASSERT_EQUAL(d[1], 0x83);
	CU_ASSERT_EQUAL(wire_be16(d + 2) + 4u, len);
	bool t10 = false, name = false;
	for (uint32_t pos = 4; pos + 4 <= len; pos += 4u + d[pos + 3]) {
		uint8_t type = d[pos + 1] & 0x0f;
		if (type == 1 && (d[pos] & 0x0f) == 2 &&
		    memcmp(d + pos + 4, "BURNLAB SN0", 11) == 0)
			t10 = true;
		if (type == 8 && (d[pos] & 0x0f) == 3) {
			CU_ASSERT_EQUAL(d[pos + 3] % 4, 0);
			CU_ASSERT_STRING_EQUAL((const char *)d + pos + 4,
					       TARGET_NAME ",L,0x0000000000000000");
			name = true;
		}
	}
	CU_ASSERT_TRUE(t10);
	CU_ASSERT_TRUE(name);
	sim_cmd_release(&cmd);

	/* Truncation of a VPD page. */
	cdb_inquiry(cdb, true, 0x83, 4);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 255);
	CU_ASSERT_EQUAL(cmd.data_in_len, 4);
	sim_cmd_release(&cmd);

	cdb_inquiry(cdb, true, 0xb0, 255);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 255);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* ---- LUNs and opcodes --------------------------------------------------------- */

static void test_unknown_lun(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev);
	struct sim_cmd cmd;

	tur(dev, n, 1, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_LUN_NOT_SUPPORTED);
	sim_cmd_release(&cmd);
	static const uint8_t bogus[6] = { 0xc5 };
	devtest_run(dev, n, 1, &cmd, bogus, 6, 0);
	CHECK_SENSE(&cmd, SIM_SENSE_LUN_NOT_SUPPORTED);
	sim_cmd_release(&cmd);
	uint8_t cdb[6];
	cdb_inquiry(cdb, true, 0, 255);
	devtest_run(dev, n, 1, &cmd, cdb, 6, 255);
	CHECK_SENSE(&cmd, SIM_SENSE_LUN_NOT_SUPPORTED);
	sim_cmd_release(&cmd);

	/* Commands on a nexus that was never opened are refused. */
	tur(dev, 999, 0, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static void test_report_luns(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = sim_dev_nexus_open(dev);	/* UA pending: REPORT LUNS still answers */
	struct sim_cmd cmd;
	uint8_t cdb[12] = { 0xa0 };

	wire_put_be32(cdb + 6, 256);
	devtest_run(dev, n, 2, &cmd, cdb, 12, 256);	/* any LUN, even an unconfigured one */
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 32);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), 24);
	static const uint8_t l0[8] = { 0 }, l3[8] = { 0, 3 }, l5[8] = { 0, 5 };
	CU_ASSERT_EQUAL(memcmp(cmd.data_in + 8, l0, 8), 0);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in + 16, l3, 8), 0);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in + 24, l5, 8), 0);
	sim_cmd_release(&cmd);

	wire_put_be32(cdb + 6, 16);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 16);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.spdtl, 16);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), 24);	/* the full list length */
	sim_cmd_release(&cmd);

	cdb[2] = 0x01;		/* well-known LUNs only: none */
	devtest_run(dev, n, 0, &cmd, cdb, 12, 16);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.spdtl, 8);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), 0);
	sim_cmd_release(&cmd);

	cdb[2] = 0x00;
	wire_put_be32(cdb + 6, 15);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 15);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);

	/* The UA was left for the first ordinary command. */
	tur(dev, n, 0, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_POWER_ON_RESET);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static void test_unknown_opcode_and_cdb_checks(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev);
	struct sim_cmd cmd;

	static const uint8_t write10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	devtest_run(dev, n, 0, &cmd, write10, 10, 0);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_OPCODE);
	sim_cmd_release(&cmd);
	static const uint8_t rc16[16] = { 0x9e, 0x10 };
	devtest_run(dev, n, 0, &cmd, rc16, 16, 32);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_OPCODE);
	sim_cmd_release(&cmd);

	/* Reserved bit in TEST UNIT READY byte 1; NACA in the control byte. */
	uint8_t cdb[10] = { 0x00, 0x20 };
	devtest_run(dev, n, 0, &cmd, cdb, 6, 0);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	CU_ASSERT_EQUAL(cmd.sense[15], 0xc8 | 5);	/* SKSV, C/D, BPV, bit 5 */
	CU_ASSERT_EQUAL(wire_be16(cmd.sense + 16), 1);
	sim_cmd_release(&cmd);
	uint8_t naca[6] = { 0x00, 0, 0, 0, 0, 0x04 };
	devtest_run(dev, n, 0, &cmd, naca, 6, 0);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);

	/* A READ(10) arriving as a 6-byte CDB is too short. */
	cdb_read10(cdb, 0, 1);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 2048);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);

	/* MAINTENANCE IN with a service action we do not implement. */
	uint8_t mi[12] = { 0xa3, 0x0a };
	devtest_run(dev, n, 0, &cmd, mi, 12, 0);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	CU_ASSERT_EQUAL(wire_be16(cmd.sense + 16), 1);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* ---- MODE SENSE / MODE SELECT -------------------------------------------------- */

/* Find page `code` in mode data (header hl bytes), NULL if absent. */
static const uint8_t *find_page(const uint8_t *d, size_t len, size_t hl, uint8_t code)
{
	for (size_t pos = hl; pos + 2 <= len; pos += 2u + d[pos + 1])
		if ((d[pos] & 0x3f) == code)
			return d + pos;
	return NULL;
}

static void test_mode_sense(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev);
	struct sim_cmd cmd;
	uint8_t cdb[10];

	cdb_mode_sense6(cdb, 0, 0x3f, 0, 255);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 255);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 4 + 12 + 12 + 40 + 32);
	const uint8_t *d = cmd.data_in;
	CU_ASSERT_EQUAL(d[0], cmd.data_in_len - 1);
	CU_ASSERT_EQUAL(d[3], 0);		/* no block descriptors */
	CU_ASSERT_EQUAL(d[4], 0x01);
	CU_ASSERT_EQUAL(d[16], 0x0a);
	CU_ASSERT_EQUAL(d[28], 0x1a);
	CU_ASSERT_EQUAL(d[29], 0x26);
	const uint8_t *cap = find_page(d, cmd.data_in_len, 4, 0x2a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
	CU_ASSERT_EQUAL(cap[2], 0x0b);	/* reads CD-R, CD-RW, DVD-ROM */
	CU_ASSERT_EQUAL(cap[3], 0x00);	/* writes nothing */
	CU_ASSERT_EQUAL(cap[6] & 0xe0, 0x20);	/* tray */
	CU_ASSERT_EQUAL(cap[6] & 0x02, 0);	/* not locked */
	const uint8_t *ctl = find_page(d, cmd.data_in_len, 4, 0x0a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctl);
	CU_ASSERT_EQUAL(ctl[2] & 0x04, 0);	/* D_SENSE off */
	sim_cmd_release(&cmd);

	/* Truncated to 4 bytes: the mode data length still counts everything. */
	cdb_mode_sense6(cdb, 0, 0x3f, 0, 4);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 4);
	CU_ASSERT_EQUAL(cmd.data_in_len, 4);
	CU_ASSERT_EQUAL(cmd.data_in[0], 99);
	sim_cmd_release(&cmd);

	/* Control page: changeable mask is D_SENSE only; default is off. */
	cdb_mode_sense6(cdb, 1, 0x0a, 0, 255);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 255);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 16);
	CU_ASSERT_EQUAL(cmd.data_in[4], 0x0a);
	CU_ASSERT_EQUAL(cmd.data_in[6], 0x04);
	for (int i = 7; i < 16; i++)
		CU_ASSERT_EQUAL(cmd.data_in[i], 0);
	sim_cmd_release(&cmd);
	cdb_mode_sense6(cdb, 2, 0x0a, 0xff, 255);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 255);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[6] & 0x04, 0);
	sim_cmd_release(&cmd);

	/* Saved values are not supported; unknown page and subpage are invalid. */
	cdb_mode_sense6(cdb, 3, 0x3f, 0, 255);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 255);
	CHECK_SENSE(&cmd, SIM_SENSE_SAVING_PARAMS_NOT_SUPPORTED);
	sim_cmd_release(&cmd);
	cdb_mode_sense6(cdb, 0, 0x05, 0, 255);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 255);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);
	cdb_mode_sense6(cdb, 0, 0x0a, 0x01, 255);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 255);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);

	/* MODE SENSE(10) with DBD: 8-byte header. */
	memset(cdb, 0, 10);
	cdb[0] = 0x5a;
	cdb[1] = 0x08;
	cdb[2] = 0x2a;
	wire_put_be16(cdb + 7, 512);
	devtest_run(dev, n, 0, &cmd, cdb, 10, 512);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 40);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in), 38);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 6), 0);
	CU_ASSERT_EQUAL(cmd.data_in[8], 0x2a);
	CU_ASSERT_EQUAL(cmd.data_in[9], 0x1e);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static void test_mode_select_d_sense(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev), other = clean_nexus(dev);
	struct sim_cmd cmd;
	uint8_t cdb[10], ms[6], param[4 + 12];

	/* Read the current control page back as the parameter list. */
	cdb_mode_sense6(ms, 0, 0x0a, 0, sizeof(param));
	devtest_run(dev, n, 0, &cmd, ms, 6, sizeof(param));
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, sizeof(param));
	memcpy(param, cmd.data_in, sizeof(param));
	sim_cmd_release(&cmd);
	param[0] = 0;			/* mode data length is reserved in SELECT */

	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x15;
	cdb[1] = 0x10;			/* PF */
	cdb[4] = sizeof(param);

	/* Not changeable: GLTSD. */
	param[4 + 2] ^= 0x02;
	devtest_run_out(dev, n, 0, &cmd, cdb, 6, param, sizeof(param));
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_PARAM);
	CU_ASSERT_EQUAL(cmd.sense[15], 0x80 | 0x08 | 1);	/* parameter list, bit 1 */
	CU_ASSERT_EQUAL(wire_be16(cmd.sense + 16), 6);
	sim_cmd_release(&cmd);
	param[4 + 2] ^= 0x02;

	/* A block descriptor, a truncated list, SP=1. */
	param[3] = 8;
	devtest_run_out(dev, n, 0, &cmd, cdb, 6, param, sizeof(param));
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_PARAM);
	sim_cmd_release(&cmd);
	param[3] = 0;
	devtest_run_out(dev, n, 0, &cmd, cdb, 6, param, 10);
	CHECK_SENSE(&cmd, SIM_SENSE_PARAM_LIST_LENGTH);
	sim_cmd_release(&cmd);
	cdb[1] = 0x11;
	devtest_run_out(dev, n, 0, &cmd, cdb, 6, param, sizeof(param));
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);
	cdb[1] = 0x10;

	/* D_SENSE on. */
	param[4 + 2] |= 0x04;
	devtest_run_out(dev, n, 0, &cmd, cdb, 6, param, sizeof(param));
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.spdtl, sizeof(param));
	sim_cmd_release(&cmd);

	devtest_run(dev, n, 0, &cmd, ms, 6, sizeof(param));
	CU_ASSERT_EQUAL(cmd.data_in[4 + 2] & 0x04, 0x04);
	sim_cmd_release(&cmd);

	/* The other nexus learns of it by UA, in descriptor format now. */
	tur(dev, other, 0, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_PARAMETERS_CHANGED);
	CU_ASSERT_EQUAL(cmd.sense[0], 0x72);
	sim_cmd_release(&cmd);
	tur(dev, n, 0, &cmd);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);

	cdb_read10(cdb, ISO_BLOCKS, 1);
	devtest_run(dev, n, 0, &cmd, cdb, 10, 2048);
	CHECK_SENSE(&cmd, SIM_SENSE_LBA_OUT_OF_RANGE);
	CU_ASSERT_EQUAL(cmd.sense[0], 0x72);
	CU_ASSERT_EQUAL(cmd.sense_len, 8);
	sim_cmd_release(&cmd);

	/* Other LUNs keep fixed format. */
	cdb_read10(cdb, CD_BLOCKS, 1);
	devtest_run(dev, n, 5, &cmd, cdb, 10, 2048);
	CHECK_SENSE(&cmd, SIM_SENSE_LBA_OUT_OF_RANGE);
	CU_ASSERT_EQUAL(cmd.sense[0], 0x70);
	sim_cmd_release(&cmd);

	/* MODE SELECT(10) turns it off again. */
	uint8_t p10[8 + 12] = { 0 };
	memcpy(p10 + 8, param + 4, 12);
	p10[8 + 2] &= (uint8_t)~0x04;
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x55;
	cdb[1] = 0x10;
	wire_put_be16(cdb + 7, sizeof(p10));
	devtest_run_out(dev, n, 0, &cmd, cdb, 10, p10, sizeof(p10));
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	cdb_read10(cdb, ISO_BLOCKS, 1);
	devtest_run(dev, n, 0, &cmd, cdb, 10, 2048);
	CU_ASSERT_EQUAL(cmd.sense[0], 0x70);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* ---- REPORT SUPPORTED OPERATION CODES ---------------------------------------- */

static void cdb_rsoc(uint8_t *cdb, bool rctd, uint8_t options, uint8_t op, uint16_t sa,
		     uint32_t alloc)
{
	memset(cdb, 0, 12);
	cdb[0] = 0xa3;
	cdb[1] = 0x0c;
	cdb[2] = (uint8_t)((rctd ? 0x80 : 0) | options);
	cdb[3] = op;
	wire_put_be16(cdb + 4, sa);
	wire_put_be32(cdb + 6, alloc);
}

static void test_rsoc(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev);
	struct sim_cmd cmd;
	uint8_t cdb[12];

	cdb_rsoc(cdb, false, 0, 0, 0, 65535);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 65535);
	CHECK_GOOD(&cmd);
	uint32_t len = wire_be32(cmd.data_in);
	CU_ASSERT_EQUAL(len % 8, 0);
	CU_ASSERT_EQUAL(cmd.data_in_len, 4 + len);
	size_t ndesc = len / 8;
	CU_ASSERT_EQUAL(ndesc, 18);	/* 17 opcodes + RSOC as a service action */
	bool saw_read10 = false, saw_rsoc = false;
	for (size_t i = 0; i < ndesc; i++) {
		const uint8_t *d = cmd.data_in + 4 + 8 * i;
		CU_ASSERT_EQUAL(d[5] & 0x02, 0);		/* no CTDP without RCTD */
		if (d[0] == 0x28) {
			saw_read10 = true;
			CU_ASSERT_EQUAL(wire_be16(d + 6), 10);
			CU_ASSERT_EQUAL(d[5] & 0x01, 0);
		}
		if (d[0] == 0xa3) {
			saw_rsoc = true;
			CU_ASSERT_EQUAL(d[5] & 0x01, 0x01);	/* SERVACTV */
			CU_ASSERT_EQUAL(wire_be16(d + 2), 0x0c);
		}
		if (!(d[5] & 0x01))
			CU_ASSERT_EQUAL(wire_be16(d + 2), 0);
	}
	CU_ASSERT_TRUE(saw_read10);
	CU_ASSERT_TRUE(saw_rsoc);
	sim_cmd_release(&cmd);

	/* RCTD: 20-byte descriptors with a command timeouts descriptor each. */
	cdb_rsoc(cdb, true, 0, 0, 0, 65535);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 65535);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), ndesc * 20);
	for (size_t i = 0; i < ndesc; i++) {
		const uint8_t *d = cmd.data_in + 4 + 20 * i;
		CU_ASSERT_EQUAL(d[5] & 0x02, 0x02);
		CU_ASSERT_EQUAL(wire_be16(d + 8), 0x0a);
	}
	sim_cmd_release(&cmd);

	/* One command: READ(10)'s CDB usage data. */
	static const uint8_t read10_usage[10] = {
		0x28, 0x18, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0x00,
	};
	cdb_rsoc(cdb, false, 1, 0x28, 0, 65535);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 65535);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 14);
	CU_ASSERT_EQUAL(cmd.data_in[1], 0x03);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 2), 10);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in + 4, read10_usage, 10), 0);
	sim_cmd_release(&cmd);

	cdb_rsoc(cdb, true, 1, 0x00, 0, 65535);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 65535);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 4 + 6 + 12);
	CU_ASSERT_EQUAL(cmd.data_in[1], 0x83);
	sim_cmd_release(&cmd);

	/* Unsupported opcode: SUPPORT 001b. */
	cdb_rsoc(cdb, false, 1, 0x2a, 0, 65535);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 65535);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[1], 0x01);
	sim_cmd_release(&cmd);

	/* Options 1 on an opcode with service actions, 2 on one without. */
	cdb_rsoc(cdb, false, 1, 0xa3, 0x0c, 65535);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 65535);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	CU_ASSERT_EQUAL(wire_be16(cmd.sense + 16), 2);		/* not byte 1: see libiscsi */
	sim_cmd_release(&cmd);
	cdb_rsoc(cdb, false, 2, 0x28, 0, 65535);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 65535);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);
	cdb_rsoc(cdb, false, 2, 0xa3, 0x0c, 65535);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 65535);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[1], 0x03);
	CU_ASSERT_EQUAL(cmd.data_in[4], 0xa3);
	CU_ASSERT_EQUAL(cmd.data_in[5], 0x0c);
	sim_cmd_release(&cmd);
	cdb_rsoc(cdb, false, 3, 0x28, 0, 65535);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 65535);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[1], 0x03);
	sim_cmd_release(&cmd);
	cdb_rsoc(cdb, false, 5, 0x28, 0, 65535);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 65535);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);

	/* Every reported command answers its own one-command query. */
	cdb_rsoc(cdb, false, 0, 0, 0, 65535);
	struct sim_cmd all;
	devtest_run(dev, n, 0, &all, cdb, 12, 65535);
	for (size_t i = 0; i < ndesc; i++) {
		const uint8_t *d = all.data_in + 4 + 8 * i;
		cdb_rsoc(cdb, false, (d[5] & 1) ? 2 : 1, d[0], wire_be16(d + 2), 65535);
		devtest_run(dev, n, 0, &cmd, cdb, 12, 65535);
		CHECK_GOOD(&cmd);
		CU_ASSERT_EQUAL(cmd.data_in[4], d[0]);
		CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 2), wire_be16(d + 6));
		sim_cmd_release(&cmd);
	}
	sim_cmd_release(&all);
	sim_dev_free(dev);
}

/* ---- START STOP UNIT, PREVENT ALLOW --------------------------------------------- */

static void test_start_stop(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev), other = clean_nexus(dev);
	struct sim_cmd cmd;
	uint8_t cdb[6];

	/* Power conditions and LOEJ=0 leave the medium alone. */
	for (uint8_t pc = 1; pc < 16; pc++) {
		cdb_start_stop(cdb, pc, true, false);
		devtest_run(dev, n, 0, &cmd, cdb, 6, 0);
		CHECK_GOOD(&cmd);
		sim_cmd_release(&cmd);
		tur(dev, n, 0, &cmd);
		CHECK_GOOD(&cmd);
		sim_cmd_release(&cmd);
	}
	cdb_start_stop(cdb, 0, false, false);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 0);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	tur(dev, n, 0, &cmd);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);

	/* Eject: tray open. */
	cdb_start_stop(cdb, 0, true, false);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 0);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	tur(dev, n, 0, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_MEDIUM_NOT_PRESENT_TRAY_OPEN);
	sim_cmd_release(&cmd);
	uint8_t rc[10] = { 0x25 };
	devtest_run(dev, other, 0, &cmd, rc, 10, 8);
	CHECK_SENSE(&cmd, SIM_SENSE_MEDIUM_NOT_PRESENT_TRAY_OPEN);
	sim_cmd_release(&cmd);

	/* Load: ready at once for the loader, 28/00 once for the other nexus. */
	cdb_start_stop(cdb, 0, true, true);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 0);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	tur(dev, n, 0, &cmd);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	tur(dev, other, 0, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_MEDIUM_MAY_HAVE_CHANGED);
	sim_cmd_release(&cmd);
	tur(dev, other, 0, &cmd);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);

	/* Loading again changes nothing and raises nothing. */
	devtest_run(dev, n, 0, &cmd, cdb, 6, 0);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	tur(dev, other, 0, &cmd);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static void eject(struct sim_dev *dev, uint64_t n, struct sim_cmd *cmd)
{
	uint8_t cdb[6];
	cdb_start_stop(cdb, 0, true, false);
	devtest_run(dev, n, 0, cmd, cdb, 6, 0);
}

static void load(struct sim_dev *dev, uint64_t n, struct sim_cmd *cmd)
{
	uint8_t cdb[6];
	cdb_start_stop(cdb, 0, true, true);
	devtest_run(dev, n, 0, cmd, cdb, 6, 0);
}

static void test_prevent(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev), other = clean_nexus(dev);
	struct sim_cmd cmd;
	uint8_t cdb[6];

	cdb_prevent(cdb, true);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 0);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);

	eject(dev, n, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_MEDIUM_REMOVAL_PREVENTED);
	sim_cmd_release(&cmd);
	eject(dev, other, &cmd);	/* prevention holds for every nexus */
	CHECK_SENSE(&cmd, SIM_SENSE_MEDIUM_REMOVAL_PREVENTED);
	sim_cmd_release(&cmd);
	tur(dev, n, 0, &cmd);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);

	/* Page 2Ah shows the lock. */
	uint8_t ms[6];
	cdb_mode_sense6(ms, 0, 0x2a, 0, 255);
	devtest_run(dev, other, 0, &cmd, ms, 6, 255);
	CU_ASSERT_EQUAL(cmd.data_in[4 + 6] & 0x02, 0x02);
	sim_cmd_release(&cmd);

	/* Closing the nexus releases its prevention. */
	sim_dev_nexus_close(dev, n);
	eject(dev, other, &cmd);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);

	/* Prevent also blocks loading; ALLOW lifts it. */
	cdb_prevent(cdb, true);
	devtest_run(dev, other, 0, &cmd, cdb, 6, 0);
	sim_cmd_release(&cmd);
	load(dev, other, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_MEDIUM_REMOVAL_PREVENTED);
	sim_cmd_release(&cmd);
	cdb_prevent(cdb, false);
	devtest_run(dev, other, 0, &cmd, cdb, 6, 0);
	sim_cmd_release(&cmd);
	load(dev, other, &cmd);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);

	/* A LUN reset releases it too, with 29/03 for every nexus. */
	uint64_t third = clean_nexus(dev);
	cdb_prevent(cdb, true);
	devtest_run(dev, other, 0, &cmd, cdb, 6, 0);
	sim_cmd_release(&cmd);
	sim_dev_lun_reset(dev, 0);
	tur(dev, other, 0, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_BUS_DEVICE_RESET);
	sim_cmd_release(&cmd);
	tur(dev, third, 0, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_BUS_DEVICE_RESET);
	sim_cmd_release(&cmd);
	tur(dev, third, 5, &cmd);	/* other LUNs untouched */
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	eject(dev, third, &cmd);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);

	/* Target reset: every LUN. */
	sim_dev_target_reset(dev);
	tur(dev, third, 5, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_BUS_DEVICE_RESET);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* ---- READ CAPACITY, READ ----------------------------------------------------- */

static void test_read_capacity(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev);
	struct sim_cmd cmd;
	uint8_t cdb[10] = { 0x25 };

	devtest_run(dev, n, 0, &cmd, cdb, 10, 8);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 8);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), ISO_BLOCKS - 1);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 4), 2048);
	sim_cmd_release(&cmd);

	devtest_run(dev, n, 5, &cmd, cdb, 10, 8);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), CD_BLOCKS - 1);
	sim_cmd_release(&cmd);

	devtest_run(dev, n, 3, &cmd, cdb, 10, 8);
	CHECK_SENSE(&cmd, SIM_SENSE_MEDIUM_NOT_PRESENT_TRAY_CLOSED);
	sim_cmd_release(&cmd);

	wire_put_be32(cdb + 2, 5);	/* LBA without PMI */
	devtest_run(dev, n, 0, &cmd, cdb, 10, 8);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static void test_read(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev);
	struct sim_cmd cmd;
	uint8_t cdb[12];

	cdb_read10(cdb, 0, 1);
	devtest_run(dev, n, 0, &cmd, cdb, 10, 2048);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.spdtl, 2048);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 2048);
	CU_ASSERT_TRUE(content_ok(cmd.data_in, 0, 2048));
	sim_cmd_release(&cmd);

	/* The last 17 blocks, by READ(10) and READ(12). */
	cdb_read10(cdb, ISO_BLOCKS - 17, 17);
	devtest_run(dev, n, 0, &cmd, cdb, 10, 17 * 2048);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 17 * 2048);
	CU_ASSERT_TRUE(content_ok(cmd.data_in, ISO_BLOCKS - 17, 17 * 2048));
	sim_cmd_release(&cmd);
	cdb_read12(cdb, ISO_BLOCKS - 17, 17);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 17 * 2048);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 17 * 2048);
	CU_ASSERT_TRUE(content_ok(cmd.data_in, ISO_BLOCKS - 17, 17 * 2048));
	sim_cmd_release(&cmd);

	/* Compare with the file itself as well. */
	cdb_read12(cdb, 123, 2);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 4096);
	FILE *f = fopen(dvd_iso, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	uint8_t file[4096];
	fseek(f, 123L * 2048, SEEK_SET);
	CU_ASSERT_EQUAL(fread(file, 1, sizeof(file), f), sizeof(file));
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 4096);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, file, 4096), 0);
	sim_cmd_release(&cmd);

	/* EDTL short of SPDTL (overflow), 0, and a non-read direction. */
	cdb_read10(cdb, 2, 2);
	devtest_run(dev, n, 0, &cmd, cdb, 10, 200);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.spdtl, 4096);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 200);
	CU_ASSERT_TRUE(content_ok(cmd.data_in, 2, 200));
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, cdb, 10, 0);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.spdtl, 4096);
	CU_ASSERT_EQUAL(cmd.data_in_len, 0);
	sim_cmd_release(&cmd);
	memset(&cmd, 0, sizeof(cmd));
	cmd.nexus = n;
	memcpy(cmd.cdb, cdb, 10);
	cmd.cdb_len = 10;
	cmd.edtl = 4096;
	cmd.dir_out = true;
	sim_dev_execute(dev, &cmd);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 0);
	sim_cmd_release(&cmd);
	/* EDTL above SPDTL (underflow): only SPDTL bytes. */
	devtest_run(dev, n, 0, &cmd, cdb, 10, 10000);
	CU_ASSERT_EQUAL(cmd.data_in_len, 4096);
	sim_cmd_release(&cmd);

	/* Zero blocks: GOOD, nothing moved. */
	cdb_read10(cdb, 0, 0);
	devtest_run(dev, n, 0, &cmd, cdb, 10, 2048);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.spdtl, 0);
	CU_ASSERT_EQUAL(cmd.data_in_len, 0);
	sim_cmd_release(&cmd);
	cdb_read12(cdb, 5, 0);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 0);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);

	/* Beyond the end (the iscsi-test-cu BeyondEol and ZeroBlocks cases). */
	static const struct { uint32_t lba, blocks; } oob[] = {
		{ ISO_BLOCKS, 1 }, { ISO_BLOCKS - 1, 2 }, { ISO_BLOCKS - 255, 256 },
		{ 0x80000000u, 1 }, { 0xffffffffu, 1 }, { 0xffffffffu, 256 },
		{ ISO_BLOCKS + 1, 0 }, { 0x80000000u, 0 }, { 0xffffffffu, 0 },
	};
	for (size_t i = 0; i < sizeof(oob) / sizeof(oob[0]); i++) {
		cdb_read10(cdb, oob[i].lba, (uint16_t)oob[i].blocks);
		devtest_run(dev, n, 0, &cmd, cdb, 10, oob[i].blocks * 2048);
		CHECK_SENSE(&cmd, SIM_SENSE_LBA_OUT_OF_RANGE);
		sim_cmd_release(&cmd);
		cdb_read12(cdb, oob[i].lba, oob[i].blocks);
		devtest_run(dev, n, 0, &cmd, cdb, 12, oob[i].blocks * 2048);
		CHECK_SENSE(&cmd, SIM_SENSE_LBA_OUT_OF_RANGE);
		CU_ASSERT_EQUAL(cmd.spdtl, 0);
		sim_cmd_release(&cmd);
	}
	cdb_read12(cdb, 0, 0xffffffffu);
	devtest_run(dev, n, 0, &cmd, cdb, 12, 2048);
	CHECK_SENSE(&cmd, SIM_SENSE_LBA_OUT_OF_RANGE);
	sim_cmd_release(&cmd);

	/* Reserved bits: RDPROTECT is not MMC. */
	cdb_read10(cdb, 0, 1);
	cdb[1] = 0x20;
	devtest_run(dev, n, 0, &cmd, cdb, 10, 2048);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);
	cdb[1] = 0x18;		/* DPO, FUA: accepted */
	devtest_run(dev, n, 0, &cmd, cdb, 10, 2048);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);

	/* CD-ROM LUN. */
	cdb_read12(cdb, CD_BLOCKS - 1, 1);
	cdb[10] = 0x80;		/* Streaming */
	devtest_run(dev, n, 5, &cmd, cdb, 12, 2048);
	CHECK_GOOD(&cmd);
	CU_ASSERT_TRUE(content_ok(cmd.data_in, CD_BLOCKS - 1, 2048));
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* ---- empty tray, GET CONFIGURATION, GESN, READ TOC ---------------------------- */

static void test_empty_tray(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev);
	struct sim_cmd cmd;
	uint8_t cdb[12];

	tur(dev, n, 3, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_MEDIUM_NOT_PRESENT_TRAY_CLOSED);
	sim_cmd_release(&cmd);
	cdb_read10(cdb, 0, 1);
	devtest_run(dev, n, 3, &cmd, cdb, 10, 2048);
	CHECK_SENSE(&cmd, SIM_SENSE_MEDIUM_NOT_PRESENT_TRAY_CLOSED);
	sim_cmd_release(&cmd);

	/* INQUIRY, MODE SENSE, GET CONFIGURATION work without a medium. */
	uint8_t gc[10] = { 0x46, 0x00, 0, 0, 0, 0, 0, 0x01, 0x00, 0 };
	devtest_run(dev, n, 3, &cmd, gc, 10, 256);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 6), 0x0000);
	sim_cmd_release(&cmd);

	/* Opening the empty tray: 3A/02; closing it: 3A/01 again, and no UA. */
	uint64_t other = clean_nexus(dev);
	cdb_start_stop(cdb, 0, true, false);
	devtest_run(dev, n, 3, &cmd, cdb, 6, 0);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	tur(dev, n, 3, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_MEDIUM_NOT_PRESENT_TRAY_OPEN);
	sim_cmd_release(&cmd);
	cdb_start_stop(cdb, 0, true, true);
	devtest_run(dev, n, 3, &cmd, cdb, 6, 0);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	tur(dev, other, 3, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_MEDIUM_NOT_PRESENT_TRAY_CLOSED);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* REZERO UNIT (01h), the SCSI-2 seek cdrdao sends: a pending unit attention first (cdrdao
 * uses it to clear one), then GOOD with a medium, 02/3A/01 on the empty tray. */
static void test_rezero_unit(void)
{
	struct sim_dev *dev = new_dev();
	static const uint8_t rezero[6] = { 0x01 };
	uint64_t n = sim_dev_nexus_open(dev);
	struct sim_cmd cmd;

	devtest_run(dev, n, 0, &cmd, rezero, 6, 0);
	CHECK_SENSE(&cmd, SIM_SENSE_POWER_ON_RESET);
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, rezero, 6, 0);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	n = clean_nexus(dev);
	devtest_run(dev, n, 3, &cmd, rezero, 6, 0);
	CHECK_SENSE(&cmd, SIM_SENSE_MEDIUM_NOT_PRESENT_TRAY_CLOSED);
	sim_cmd_release(&cmd);
	uint8_t reserved[6] = { 0x01, 0x00, 0x00, 0x00, 0x01 };	/* byte 4 reserved */
	devtest_run(dev, n, 5, &cmd, reserved, 6, 0);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* --drive ...,tray=open: the disc sits in the open tray (02/3A/02) until START STOP
 * UNIT loads it; then it reads like any loaded disc. */
static void test_tray_open_at_start(void)
{
	fixtures();
	struct sim_lun_cfg lun = { .lun = 0, .media = "dvd-rom", .file = dvd_iso, .tray_open = true };
	struct sim_dev_cfg cfg = {
		.vendor = "BURNLAB", .product = "SIMDRIVE", .revision = "0.1",
		.serial = "SN", .target_name = TARGET_NAME, .luns = &lun, .nluns = 1,
	};
	char err[256];
	struct sim_dev *dev = sim_dev_new(&cfg, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	uint64_t n = sim_dev_nexus_open(dev);
	struct sim_cmd cmd;
	uint8_t cdb[12];

	tur(dev, n, 0, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_POWER_ON_RESET);
	sim_cmd_release(&cmd);
	tur(dev, n, 0, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_MEDIUM_NOT_PRESENT_TRAY_OPEN);
	sim_cmd_release(&cmd);
	cdb_start_stop(cdb, 0, true, true);
	devtest_run(dev, n, 0, &cmd, cdb, 6, 0);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	tur(dev, n, 0, &cmd);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	cdb_read10(cdb, 0, 1);
	devtest_run(dev, n, 0, &cmd, cdb, 10, 2048);
	CHECK_GOOD(&cmd);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* Walk GET CONFIGURATION data: returns the descriptor of `code` or NULL. */
static const uint8_t *find_feature(const uint8_t *d, uint32_t len, uint16_t code)
{
	for (uint32_t pos = 8; pos + 4 <= len; pos += 4u + d[pos + 3])
		if (wire_be16(d + pos) == code)
			return d + pos;
	return NULL;
}

static void test_get_configuration(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev);
	struct sim_cmd cmd;
	uint8_t gc[10] = { 0x46, 0x00, 0, 0, 0, 0, 0, 0x04, 0x00, 0 };

	devtest_run(dev, n, 0, &cmd, gc, 10, 1024);
	CHECK_GOOD(&cmd);
	const uint8_t *d = cmd.data_in;
	uint32_t len = cmd.data_in_len;
	CU_ASSERT_EQUAL(wire_be32(d) + 4, len);
	CU_ASSERT_EQUAL(wire_be16(d + 6), 0x0010);		/* DVD-ROM */
	const uint8_t *pl = find_feature(d, len, 0x0000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
	CU_ASSERT_EQUAL(pl[3], 8);
	CU_ASSERT_EQUAL(wire_be16(pl + 4), 0x0010);
	CU_ASSERT_EQUAL(pl[6] & 1, 1);
	CU_ASSERT_EQUAL(wire_be16(pl + 8), 0x0008);
	CU_ASSERT_EQUAL(pl[10] & 1, 0);
	const uint8_t *rr = find_feature(d, len, 0x0010);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rr);
	CU_ASSERT_EQUAL(rr[2] & 1, 1);
	CU_ASSERT_EQUAL(wire_be32(rr + 4), 2048);
	CU_ASSERT_EQUAL(wire_be16(rr + 8), 16);
	CU_ASSERT_EQUAL(find_feature(d, len, 0x001f)[2] & 1, 1);
	CU_ASSERT_EQUAL(find_feature(d, len, 0x001e)[2] & 1, 0);
	CU_ASSERT_PTR_NOT_NULL(find_feature(d, len, 0x0001));
	CU_ASSERT_PTR_NOT_NULL(find_feature(d, len, 0x0002));
	CU_ASSERT_PTR_NOT_NULL(find_feature(d, len, 0x0003));
	uint16_t prev = 0;
	for (uint32_t pos = 8; pos + 4 <= len; pos += 4u + d[pos + 3]) {
		CU_ASSERT(pos == 8 || wire_be16(d + pos) > prev);	/* ascending */
		prev = wire_be16(d + pos);
	}
	sim_cmd_release(&cmd);

	/* RT=2: exactly one feature; CD medium on LUN 5. */
	gc[1] = 0x02;
	wire_put_be16(gc + 2, 0x001e);
	devtest_run(dev, n, 5, &cmd, gc, 10, 1024);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 8 + 8);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 6), 0x0008);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 8), 0x001e);
	CU_ASSERT_EQUAL(cmd.data_in[10] & 1, 1);
	sim_cmd_release(&cmd);

	/* RT=1: current features only; no DVD Read on a CD. */
	gc[1] = 0x01;
	wire_put_be16(gc + 2, 0);
	devtest_run(dev, n, 5, &cmd, gc, 10, 1024);
	CU_ASSERT_PTR_NULL(find_feature(cmd.data_in, cmd.data_in_len, 0x001f));
	CU_ASSERT_PTR_NOT_NULL(find_feature(cmd.data_in, cmd.data_in_len, 0x001e));
	sim_cmd_release(&cmd);

	gc[1] = 0x03;
	devtest_run(dev, n, 5, &cmd, gc, 10, 1024);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static void test_gesn(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = sim_dev_nexus_open(dev);
	struct sim_cmd cmd;
	uint8_t ge[10] = { 0x4a, 0x01, 0, 0, 0x10, 0, 0, 0x00, 0x08, 0 };

	/* No UA gets in the way of polling. */
	devtest_run(dev, n, 0, &cmd, ge, 10, 8);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 8);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in), 6);
	CU_ASSERT_EQUAL(cmd.data_in[2], 0x04);
	CU_ASSERT_EQUAL(cmd.data_in[3], 0x10);
	CU_ASSERT_EQUAL(cmd.data_in[4], 0);	/* no event */
	CU_ASSERT_EQUAL(cmd.data_in[5], 0x02);	/* medium present, tray closed */
	sim_cmd_release(&cmd);

	tur(dev, n, 0, &cmd);
	CHECK_SENSE(&cmd, SIM_SENSE_POWER_ON_RESET);
	sim_cmd_release(&cmd);
	eject(dev, n, &cmd);
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, ge, 10, 8);
	CU_ASSERT_EQUAL(cmd.data_in[4], 3);	/* media removal */
	CU_ASSERT_EQUAL(cmd.data_in[5], 0x01);	/* tray open, no medium */
	sim_cmd_release(&cmd);
	load(dev, n, &cmd);
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, ge, 10, 8);
	CU_ASSERT_EQUAL(cmd.data_in[4], 2);	/* new media */
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, ge, 10, 8);
	CU_ASSERT_EQUAL(cmd.data_in[4], 0);	/* reported once */
	sim_cmd_release(&cmd);

	ge[4] = 0x02;		/* a class we do not have */
	devtest_run(dev, n, 0, &cmd, ge, 10, 8);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 4);
	CU_ASSERT_EQUAL(cmd.data_in[2], 0x80);	/* NEA */
	sim_cmd_release(&cmd);

	ge[1] = 0x00;		/* asynchronous */
	devtest_run(dev, n, 0, &cmd, ge, 10, 8);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static void test_read_toc(void)
{
	struct sim_dev *dev = new_dev();
	uint64_t n = clean_nexus(dev);
	struct sim_cmd cmd;
	uint8_t toc[10] = { 0x43, 0x00, 0x00, 0, 0, 0, 0, 0x03, 0x24, 0 };

	devtest_run(dev, n, 0, &cmd, toc, 10, 804);
	CHECK_GOOD(&cmd);
	static const uint8_t want[20] = {
		0x00, 0x12, 0x01, 0x01,
		0x00, 0x14, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x14, 0xaa, 0x00, 0x00, 0x00, 0x01, 0x2c,	/* lead-out at 300 */
	};
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 20);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, want, 20), 0);
	sim_cmd_release(&cmd);

	/* MSF: CD lead-out at 40 + 150 = 190 frames = 00:02:40. */
	toc[1] = 0x02;
	toc[6] = 0xaa;
	devtest_run(dev, n, 5, &cmd, toc, 10, 804);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 12);
	CU_ASSERT_EQUAL(cmd.data_in[6], 0xaa);
	CU_ASSERT_EQUAL(cmd.data_in[9], 0);
	CU_ASSERT_EQUAL(cmd.data_in[10], 2);
	CU_ASSERT_EQUAL(cmd.data_in[11], 40);
	sim_cmd_release(&cmd);

	toc[6] = 2;
	devtest_run(dev, n, 0, &cmd, toc, 10, 804);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);
	toc[6] = 0;
	toc[2] = 0x04;		/* ATIP: not on a pressed disc */
	devtest_run(dev, n, 0, &cmd, toc, 10, 804);
	CHECK_SENSE(&cmd, SIM_SENSE_INVALID_FIELD_IN_CDB);
	sim_cmd_release(&cmd);
	toc[2] = 0x01;		/* session info */
	devtest_run(dev, n, 0, &cmd, toc, 10, 804);
	CHECK_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 12);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static const struct unit_test device_tests[] = {
	{ "NewErrors", test_new_errors },
	{ "UANewNexus", test_ua_new_nexus },
	{ "RequestSense", test_request_sense },
	{ "InquiryStandard", test_inquiry_standard },
	{ "InquiryVPD", test_inquiry_vpd },
	{ "UnknownLUN", test_unknown_lun },
	{ "ReportLUNs", test_report_luns },
	{ "UnknownOpcodeAndCDBChecks", test_unknown_opcode_and_cdb_checks },
	{ "ModeSense", test_mode_sense },
	{ "ModeSelectDSense", test_mode_select_d_sense },
	{ "ReportSupportedOpcodes", test_rsoc },
	{ "StartStopUnit", test_start_stop },
	{ "PreventAllow", test_prevent },
	{ "ReadCapacity", test_read_capacity },
	{ "Read", test_read },
	{ "EmptyTray", test_empty_tray },
	{ "RezeroUnit", test_rezero_unit },
	{ "TrayOpenAtStart", test_tray_open_at_start },
	{ "GetConfiguration", test_get_configuration },
	{ "GetEventStatus", test_gesn },
	{ "ReadTOC", test_read_toc },
};

static int device_suite(void)
{
	return UNIT_ADD_SUITE("Device", device_tests);
}
UNIT_SUITE(device_suite)
