/* tests/unit/test_mmc.c - the MMC command layer of recorder LUNs (simdrive/scsi/mmc.c)
 * driven through sim_dev_execute() with hand-built CDBs, over the recordable disc
 * model (recorder.c). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdsector.h"
#include "log.h"
#include "scsi.h"
#include "unit.h"
#include "devtest.h"
#include "wire.h"

#define DVDR_BLOCKS 2295104u	/* DVD+R default capacity (doc/simdrive-recorder.md §1) */

/* Conditions the tests expect (doc/simdrive-recorder.md §9; SPC-4 annex D). */
static const struct sim_sense mmc_invalid_write_addr = { 0x5, 0x21, 0x02 };
static const struct sim_sense mmc_invalid_field_cdb = { 0x5, 0x24, 0x00 };
static const struct sim_sense mmc_invalid_field_param = { 0x5, 0x26, 0x00 };
static const struct sim_sense mmc_invalid_opcode = { 0x5, 0x20, 0x00 };
static const struct sim_sense mmc_cannot_format = { 0x5, 0x30, 0x06 };

static char tmpdir[PATH_MAX];
static char iso_path[PATH_MAX + 16];

static void mmc_cleanup(void)
{
	unlink(iso_path);
	rmdir(tmpdir);
}

static void mmc_fixtures(void)
{
	if (tmpdir[0])
		return;
	sim_log_level = SIM_LOG_ERROR;
	if (!unit_mkdtemp(tmpdir, sizeof(tmpdir), "simmmc")) {
		perror("mkdtemp");
		abort();
	}
	snprintf(iso_path, sizeof(iso_path), "%s/rom.iso", tmpdir);
	FILE *f = fopen(iso_path, "wb");
	if (!f)
		abort();
	static uint8_t blk[2048];
	for (int i = 0; i < 4; i++)
		fwrite(blk, 1, sizeof(blk), f);
	fclose(f);
	atexit(mmc_cleanup);
}

/* LUN 0: blank DVD+R, LUN 1: blank CD-R, LUN 2: DVD-ROM ISO (read-only drive). */
static struct sim_dev *mmc_new_dev(const char *image)
{
	mmc_fixtures();
	static struct sim_lun_cfg luns[3];
	luns[0] = (struct sim_lun_cfg){ .lun = 0, .media = "dvd+r", .image = image };
	luns[1] = (struct sim_lun_cfg){ .lun = 1, .media = "cd-r" };
	luns[2] = (struct sim_lun_cfg){ .lun = 2, .media = "dvd-rom", .file = iso_path };
	struct sim_dev_cfg cfg = {
		.vendor = "BURNLAB", .product = "SIMDRIVE", .revision = "0.1",
		.serial = "SN", .target_name = "iqn.2026-01.org.burnlab:mmc", .luns = luns, .nluns = 3,
	};
	char err[256];
	struct sim_dev *dev = sim_dev_new(&cfg, err, sizeof(err));
	if (!dev)
		fprintf(stderr, "sim_dev_new: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	return dev;
}

static bool mmc_sense_is(const struct sim_cmd *cmd, struct sim_sense s)
{
	return cmd->status == SIM_STATUS_CHECK_CONDITION && cmd->sense_len >= 14 &&
	       (cmd->sense[2] & 0x0f) == s.key && cmd->sense[12] == s.asc &&
	       cmd->sense[13] == s.ascq;
}

#define MMC_GOOD(cmd) CU_ASSERT_EQUAL((cmd)->status, SIM_STATUS_GOOD)
#define MMC_SENSE(cmd, s) CU_ASSERT(mmc_sense_is((cmd), (s)))

static uint64_t mmc_nexus(struct sim_dev *dev)
{
	static const uint8_t tur[6] = { 0x00 };
	uint64_t n = sim_dev_nexus_open(dev);
	struct sim_cmd cmd;
	for (uint16_t lun = 0; lun < 3; lun++) {
		devtest_run(dev, n, lun, &cmd, tur, 6, 0);	/* consumes 29/00 */
		sim_cmd_release(&cmd);
	}
	return n;
}

/* Commands, each answering into cmd (caller releases). */
static void mmc_rdi(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd)
{
	uint8_t cdb[10] = { 0x51, 0, 0, 0, 0, 0, 0, 0, 255, 0 };
	devtest_run(dev, n, lun, cmd, cdb, 10, 255);
}

static void mmc_rti(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
		    uint8_t type, uint32_t addr)
{
	uint8_t cdb[10] = { 0x52, type };
	wire_put_be32(cdb + 2, addr);
	wire_put_be16(cdb + 7, 48);
	devtest_run(dev, n, lun, cmd, cdb, 10, 48);
}

static void mmc_toc(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
		    uint8_t format)
{
	uint8_t cdb[10] = { 0x43, 0, format, 0, 0, 0, 0, 0x04, 0, 0 };
	devtest_run(dev, n, lun, cmd, cdb, 10, 1024);
}

static void mmc_write10(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
			uint32_t lba, uint16_t blocks, const uint8_t *data, uint32_t len)
{
	uint8_t cdb[10] = { 0x2a };
	wire_put_be32(cdb + 2, lba);
	wire_put_be16(cdb + 7, blocks);
	devtest_run_out(dev, n, lun, cmd, cdb, 10, data, len);
}

static void mmc_simple(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
		       const uint8_t *cdb, size_t len)
{
	devtest_run(dev, n, lun, cmd, cdb, len, 0);
}

static uint8_t mmc_pattern(uint32_t lba, uint32_t off)
{
	return (uint8_t)(lba * 13u + off * 5u + 3u);
}

static uint8_t *mmc_data(uint32_t lba, uint32_t blocks, uint32_t bs)
{
	uint8_t *d = malloc((size_t)blocks * bs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	for (uint32_t b = 0; b < blocks; b++)
		for (uint32_t i = 0; i < bs; i++)
			d[(size_t)b * bs + i] = mmc_pattern(lba + b, i);
	return d;
}

static void test_dvdr_burn(void)
{
	mmc_fixtures();
	char image[PATH_MAX + 32];	/* READ(10) back needs the recorded image */
	snprintf(image, sizeof(image), "%s/burn.disclog", tmpdir);
	unlink(image);
	struct sim_dev *dev = mmc_new_dev(image);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;

	/* Blank: empty disc, empty session, one session. */
	mmc_rdi(dev, n, 0, &cmd);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 34);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in), 32);
	CU_ASSERT_EQUAL(cmd.data_in[2] & 0x03, 0);		/* disc status empty */
	CU_ASSERT_EQUAL((cmd.data_in[2] >> 2) & 0x03, 0);	/* last session empty */
	CU_ASSERT_EQUAL(cmd.data_in[4], 1);			/* sessions */
	sim_cmd_release(&cmd);

	/* The invisible track, by FFh and by number. */
	for (int k = 0; k < 2; k++) {
		mmc_rti(dev, n, 0, &cmd, 0x01, k == 0 ? 0xff : 1);
		MMC_GOOD(&cmd);
		CU_ASSERT_EQUAL(cmd.data_in_len, 48);
		CU_ASSERT_EQUAL(cmd.data_in[2], 1);
		CU_ASSERT_EQUAL(cmd.data_in[3], 1);
		CU_ASSERT(cmd.data_in[6] & 0x40);		/* blank */
		CU_ASSERT(cmd.data_in[7] & 0x01);		/* NWA_V */
		CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8), 0);
		CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 12), 0);	/* NWA */
		CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 16), DVDR_BLOCKS);
		sim_cmd_release(&cmd);
	}

	/* Blank: READ CAPACITY reports 0 [PROJECT DECISION]. */
	uint8_t rc10[10] = { 0x25 };
	devtest_run(dev, n, 0, &cmd, rc10, 10, 8);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), 0);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 4), 2048);
	sim_cmd_release(&cmd);

	uint8_t *data = mmc_data(0, 16, 2048);
	mmc_write10(dev, n, 0, &cmd, 0, 16, data, 16 * 2048);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.spdtl, 16 * 2048);
	sim_cmd_release(&cmd);

	mmc_rti(dev, n, 0, &cmd, 0x01, 0xff);
	MMC_GOOD(&cmd);
	CU_ASSERT(cmd.data_in[7] & 0x01);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 12), 16);
	sim_cmd_release(&cmd);

	/* Not at the NWA; then a transfer one block short of 16 x 2048. */
	mmc_write10(dev, n, 0, &cmd, 0, 16, data, 16 * 2048);
	MMC_SENSE(&cmd, mmc_invalid_write_addr);
	sim_cmd_release(&cmd);
	mmc_write10(dev, n, 0, &cmd, 16, 16, data, 15 * 2048);
	MMC_SENSE(&cmd, mmc_invalid_field_cdb);
	CU_ASSERT_EQUAL(cmd.sense[15] & 0xc0, 0xc0);		/* SKSV, C/D = CDB */
	CU_ASSERT_EQUAL(wire_be16(cmd.sense + 16), 7);		/* transfer length */
	sim_cmd_release(&cmd);
	mmc_rti(dev, n, 0, &cmd, 0x01, 0xff);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 12), 16);	/* nothing recorded */
	sim_cmd_release(&cmd);

	uint8_t sync[10] = { 0x35, 0x02 };			/* IMMED */
	mmc_simple(dev, n, 0, &cmd, sync, 10);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	uint8_t close_track[10] = { 0x5b, 0, 0x01, 0, 0, 1 };
	mmc_simple(dev, n, 0, &cmd, close_track, 10);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	uint8_t close_session[10] = { 0x5b, 0, 0x02 };
	mmc_simple(dev, n, 0, &cmd, close_session, 10);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);

	/* Appendable: a second, empty session. */
	mmc_rdi(dev, n, 0, &cmd);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[2] & 0x03, 1);		/* incomplete */
	CU_ASSERT_EQUAL((cmd.data_in[2] >> 2) & 0x03, 0);	/* last session empty */
	CU_ASSERT_EQUAL(cmd.data_in[4], 2);
	sim_cmd_release(&cmd);

	uint8_t rd10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 16, 0 };
	devtest_run(dev, n, 0, &cmd, rd10, 10, 16 * 2048);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 16 * 2048);
	if (cmd.data_in_len == 16 * 2048)
		CU_ASSERT_EQUAL(memcmp(cmd.data_in, data, 16 * 2048), 0);
	sim_cmd_release(&cmd);

	devtest_run(dev, n, 0, &cmd, rc10, 10, 8);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), 15);
	sim_cmd_release(&cmd);

	/* TOC: track 1 at 0, lead-out after it. */
	mmc_toc(dev, n, 0, &cmd, 0);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 4 + 2 * 8);
	CU_ASSERT_EQUAL(cmd.data_in[2], 1);
	CU_ASSERT_EQUAL(cmd.data_in[3], 1);
	CU_ASSERT_EQUAL(cmd.data_in[4 + 2], 1);
	CU_ASSERT_EQUAL(cmd.data_in[12 + 2], 0xaa);
	CU_ASSERT(wire_be32(cmd.data_in + 12 + 4) >= 16);
	sim_cmd_release(&cmd);

	free(data);
	sim_dev_free(dev);
	unlink(image);
}

/* MODE SENSE(10) page 05h into page[52]. */
static void mmc_page05(struct sim_dev *dev, uint64_t n, uint16_t lun, uint8_t page[52])
{
	struct sim_cmd cmd;
	uint8_t cdb[10] = { 0x5a, 0x08, 0x05, 0, 0, 0, 0, 0, 255, 0 };
	devtest_run(dev, n, lun, &cmd, cdb, 10, 255);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 8 + 52);
	CU_ASSERT_EQUAL(cmd.data_in[8], 0x05);
	CU_ASSERT_EQUAL(cmd.data_in[9], 0x32);
	memcpy(page, cmd.data_in + 8, 52);
	sim_cmd_release(&cmd);
}

static void mmc_select05(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
			 const uint8_t page[52])
{
	uint8_t plist[8 + 52];
	memset(plist, 0, 8);
	memcpy(plist + 8, page, 52);
	uint8_t cdb[10] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0, sizeof(plist), 0 };
	devtest_run_out(dev, n, lun, cmd, cdb, 10, plist, sizeof(plist));
}

static void test_cdr_raw_audio_write(void)
{
	struct sim_dev *dev = mmc_new_dev(NULL);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;
	uint8_t page[52];

	mmc_page05(dev, n, 1, page);
	page[2] = (uint8_t)((page[2] & 0xf0) | 0x01);	/* TAO */
	page[3] = (uint8_t)(page[3] & 0xf0);		/* track mode 0: audio */
	page[4] = 0x00;					/* DBT 0: 2352 raw */
	mmc_select05(dev, n, 1, &cmd, page);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	uint8_t now[52];
	mmc_page05(dev, n, 1, now);
	CU_ASSERT_EQUAL(now[4] & 0x0f, 0);

	mmc_rti(dev, n, 1, &cmd, 0x01, 0xff);
	MMC_GOOD(&cmd);
	uint32_t nwa = wire_be32(cmd.data_in + 12);
	sim_cmd_release(&cmd);

	uint8_t *data = mmc_data(nwa, 1, 2352);
	mmc_write10(dev, n, 1, &cmd, nwa, 1, data, 2048);	/* cooked size: wrong */
	MMC_SENSE(&cmd, mmc_invalid_field_cdb);
	sim_cmd_release(&cmd);
	mmc_write10(dev, n, 1, &cmd, nwa, 1, data, 2352);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.spdtl, 2352);
	sim_cmd_release(&cmd);
	mmc_rti(dev, n, 1, &cmd, 0x01, 0xff);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 12), nwa + 1);
	sim_cmd_release(&cmd);

	/* A reserved data block type: invalid field in the parameter list. */
	page[4] = 0x05;
	mmc_select05(dev, n, 1, &cmd, page);
	MMC_SENSE(&cmd, mmc_invalid_field_param);
	sim_cmd_release(&cmd);

	/* ATIP: CD-R, lead-in 97:26:65. */
	mmc_toc(dev, n, 1, &cmd, 4);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 28);
	CU_ASSERT_EQUAL(cmd.data_in[6] & 0x40, 0);		/* CD-R, not RW */
	CU_ASSERT_EQUAL(cmd.data_in[8], 97);
	CU_ASSERT_EQUAL(cmd.data_in[9], 26);
	CU_ASSERT_EQUAL(cmd.data_in[10], 65);
	sim_cmd_release(&cmd);
	/* ... and not on a DVD. */
	mmc_toc(dev, n, 0, &cmd, 4);
	MMC_SENSE(&cmd, mmc_invalid_field_cdb);
	sim_cmd_release(&cmd);

	free(data);
	sim_dev_free(dev);
}

/* Find feature code in a GET CONFIGURATION response; NULL if absent. */
static const uint8_t *mmc_feature(const uint8_t *d, size_t len, uint16_t code)
{
	size_t pos = 8;
	while (pos + 4 <= len) {
		if (wire_be16(d + pos) == code)
			return d + pos;
		pos += 4 + d[pos + 3];
	}
	return NULL;
}

static void test_get_configuration(void)
{
	struct sim_dev *dev = mmc_new_dev(NULL);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;
	uint8_t cdb[10] = { 0x46, 0x00, 0, 0, 0, 0, 0, 0x10, 0x00, 0 };

	devtest_run(dev, n, 0, &cmd, cdb, 10, 4096);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 6), 0x001b);	/* DVD+R */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in) + 4, cmd.data_in_len);
	const uint8_t *pl = mmc_feature(cmd.data_in, cmd.data_in_len, 0x0000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
	int current = 0, writable = 0;
	for (size_t i = 0; i < pl[3]; i += 4) {
		uint16_t prof = wire_be16(pl + 4 + i);
		if (pl[4 + i + 2] & 0x01) {
			current++;
			CU_ASSERT_EQUAL(prof, 0x001b);
		}
		if (prof == 0x0009 || prof == 0x0041 || prof == 0x001a)
			writable++;
	}
	CU_ASSERT_EQUAL(current, 1);
	CU_ASSERT_EQUAL(writable, 3);
	const uint8_t *f = mmc_feature(cmd.data_in, cmd.data_in_len, 0x002b);
	CU_ASSERT(f && (f[2] & 0x01));				/* DVD+R current */
	f = mmc_feature(cmd.data_in, cmd.data_in_len, 0x002d);
	CU_ASSERT(f && !(f[2] & 0x01));				/* CD TAO not */
	f = mmc_feature(cmd.data_in, cmd.data_in_len, 0x0107);	/* Real Time Streaming */
	CU_ASSERT(f && f[4] == 0x1f);				/* RBCB SCS MP2A WSPD SW */
	f = mmc_feature(cmd.data_in, cmd.data_in_len, 0x0040);	/* BD Read */
	CU_ASSERT(f && f[3] == 28 && (f[2] & 0x3c) >> 2 == 1);
	CU_ASSERT(f && wire_be16(f + 8) == 0x0002 && wire_be16(f + 16) == 0x0002 &&
		  wire_be16(f + 24) == 0x0002);			/* class 0 v1: RE, R, ROM */
	f = mmc_feature(cmd.data_in, cmd.data_in_len, 0x0041);	/* BD Write */
	CU_ASSERT(f && f[3] == 24 && wire_be16(f + 8) == 0x0002 && wire_be16(f + 16) == 0x0002);
	/* Ascending feature codes. */
	uint16_t prev = 0;
	for (size_t pos = 8; pos + 4 <= cmd.data_in_len; pos += 4 + cmd.data_in[pos + 3]) {
		CU_ASSERT(pos == 8 || wire_be16(cmd.data_in + pos) > prev);
		prev = wire_be16(cmd.data_in + pos);
	}
	sim_cmd_release(&cmd);

	/* CD-R: current features only. */
	cdb[1] = 0x01;
	devtest_run(dev, n, 1, &cmd, cdb, 10, 4096);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 6), 0x0009);
	CU_ASSERT_PTR_NOT_NULL(mmc_feature(cmd.data_in, cmd.data_in_len, 0x002d));
	CU_ASSERT_PTR_NOT_NULL(mmc_feature(cmd.data_in, cmd.data_in_len, 0x0021));
	CU_ASSERT_PTR_NULL(mmc_feature(cmd.data_in, cmd.data_in_len, 0x002b));
	sim_cmd_release(&cmd);

	/* Allocation length truncation: 8 bytes asked, header only. */
	cdb[1] = 0x00;
	cdb[8] = 8;
	cdb[7] = 0;
	devtest_run(dev, n, 0, &cmd, cdb, 10, 4096);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 8);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* The read-only drive keeps its opcode set; the recorder lists the writing ones. */
static void test_opcodes_per_lun(void)
{
	struct sim_dev *dev = mmc_new_dev(NULL);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;
	uint8_t data[2048];
	memset(data, 0, sizeof(data));

	mmc_write10(dev, n, 2, &cmd, 0, 1, data, 2048);
	MMC_SENSE(&cmd, mmc_invalid_opcode);
	sim_cmd_release(&cmd);
	mmc_rdi(dev, n, 2, &cmd);
	MMC_SENSE(&cmd, mmc_invalid_opcode);
	sim_cmd_release(&cmd);

	uint8_t rsoc[12] = { 0xa3, 0x0c, 0x01, 0x2a, 0, 0, 0, 0, 0xff, 0xff };
	devtest_run(dev, n, 2, &cmd, rsoc, 12, 65535);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[1] & 0x07, 0x01);		/* not supported */
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, rsoc, 12, 65535);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[1] & 0x07, 0x03);		/* supported, usage data */
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 2), 10);
	CU_ASSERT_EQUAL(cmd.data_in[4], 0x2a);
	sim_cmd_release(&cmd);

	/* All commands: the recorder lists more than the reader. */
	uint8_t all[12] = { 0xa3, 0x0c, 0x00, 0, 0, 0, 0, 0, 0xff, 0xff };
	devtest_run(dev, n, 2, &cmd, all, 12, 65535);
	uint32_t rom = wire_be32(cmd.data_in);
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, all, 12, 65535);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), rom + 20 * 8);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* Responses that describe the disc, concatenated, for comparing two loads. */
static size_t mmc_snapshot(struct sim_dev *dev, uint64_t n, uint8_t *out, size_t cap)
{
	struct sim_cmd cmd;
	size_t pos = 0;
	for (int k = 0; k < 5; k++) {
		switch (k) {
		case 0: mmc_rdi(dev, n, 0, &cmd); break;
		case 1: mmc_rti(dev, n, 0, &cmd, 0x01, 1); break;
		case 2: mmc_rti(dev, n, 0, &cmd, 0x01, 0xff); break;
		case 3: mmc_toc(dev, n, 0, &cmd, 0); break;
		default: mmc_toc(dev, n, 0, &cmd, 2); break;
		}
		MMC_GOOD(&cmd);
		if (pos + cmd.data_in_len <= cap) {
			memcpy(out + pos, cmd.data_in, cmd.data_in_len);
			pos += cmd.data_in_len;
		}
		sim_cmd_release(&cmd);
	}
	return pos;
}

static void test_reload_image(void)
{
	mmc_fixtures();
	char image[PATH_MAX + 32];
	snprintf(image, sizeof(image), "%s/dvdr.disclog", tmpdir);
	unlink(image);

	struct sim_dev *dev = mmc_new_dev(image);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;
	uint8_t *data = mmc_data(0, 32, 2048);
	mmc_write10(dev, n, 0, &cmd, 0, 32, data, 32 * 2048);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	uint8_t close_track[10] = { 0x5b, 0, 0x01, 0, 0, 1 };
	mmc_simple(dev, n, 0, &cmd, close_track, 10);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	uint8_t close_session[10] = { 0x5b, 0, 0x02 };
	mmc_simple(dev, n, 0, &cmd, close_session, 10);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);

	static uint8_t before[4096], after[4096];
	size_t nb = mmc_snapshot(dev, n, before, sizeof(before));
	sim_dev_free(dev);

	dev = mmc_new_dev(image);
	n = mmc_nexus(dev);
	size_t na = mmc_snapshot(dev, n, after, sizeof(after));
	CU_ASSERT(nb > 34 + 48);
	CU_ASSERT_EQUAL(na, nb);
	CU_ASSERT_EQUAL(memcmp(before, after, nb < na ? nb : na), 0);

	uint8_t rd10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 32, 0 };
	devtest_run(dev, n, 0, &cmd, rd10, 10, 32 * 2048);
	MMC_GOOD(&cmd);
	if (cmd.data_in_len == 32 * 2048)
		CU_ASSERT_EQUAL(memcmp(cmd.data_in, data, 32 * 2048), 0);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
	free(data);
	unlink(image);
}

/* ---- READ CD, READ DISC STRUCTURE, speeds, buffer, OPC, mechanism ---------------- */

static const struct sim_sense mmc_illegal_mode = { 0x5, 0x64, 0x00 };
static const struct sim_sense mmc_lba_range = { 0x5, 0x21, 0x00 };
static const struct sim_sense mmc_incompatible = { 0x5, 0x30, 0x00 };
static const struct sim_sense mmc_cannot_read = { 0x5, 0x30, 0x02 };
static const struct sim_sense mmc_param_len = { 0x5, 0x1a, 0x00 };

/* LUN 0: media0 (recorded into image0 when given), LUN 1: cd-r, LUN 2: DVD-ROM ISO. */
static struct sim_dev *mmc_new_dev_media(const char *media0, const char *image0)
{
	mmc_fixtures();
	static struct sim_lun_cfg luns[3];
	luns[0] = (struct sim_lun_cfg){ .lun = 0, .media = media0, .image = image0 };
	luns[1] = (struct sim_lun_cfg){ .lun = 1, .media = "cd-r" };
	luns[2] = (struct sim_lun_cfg){ .lun = 2, .media = "dvd-rom", .file = iso_path };
	struct sim_dev_cfg cfg = {
		.vendor = "BURNLAB", .product = "SIMDRIVE", .revision = "0.1",
		.serial = "SN", .target_name = "iqn.2026-01.org.burnlab:mmc", .luns = luns, .nluns = 3,
	};
	char err[256];
	struct sim_dev *dev = sim_dev_new(&cfg, err, sizeof(err));
	if (!dev)
		fprintf(stderr, "sim_dev_new: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	return dev;
}

static void mmc_read_cd(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
			uint8_t expected, int32_t lba, uint32_t blocks, uint8_t mask, uint8_t sub)
{
	uint8_t cdb[12] = { 0xbe, (uint8_t)(expected << 2) };
	wire_put_be32(cdb + 2, (uint32_t)lba);
	wire_put_be24(cdb + 6, blocks);
	cdb[9] = mask;
	cdb[10] = sub;
	devtest_run(dev, n, lun, cmd, cdb, 12, blocks * 2448u);
}

static uint32_t mmc_nwa(struct sim_dev *dev, uint64_t n, uint16_t lun)
{
	struct sim_cmd cmd;
	mmc_rti(dev, n, lun, &cmd, 0x01, 0xff);
	MMC_GOOD(&cmd);
	uint32_t nwa = cmd.data_in_len >= 16 ? wire_be32(cmd.data_in + 12) : 0;
	sim_cmd_release(&cmd);
	return nwa;
}

static char *mmc_image(const char *name)
{
	mmc_fixtures();
	static char image[PATH_MAX + 32];
	snprintf(image, sizeof(image), "%s/%s", tmpdir, name);
	unlink(image);
	return image;
}

/* Mode 1 data written at 2048 (TAO, DBT 8): READ CD synthesizes sync, header, EDC
 * and ECC, and the Q sub-channel. */
static void test_read_cd_mode1(void)
{
	char *image = mmc_image("cd1.disclog");
	struct sim_dev *dev = mmc_new_dev_media("cd-r", image);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;

	uint32_t nwa = mmc_nwa(dev, n, 0);
	CU_ASSERT_EQUAL(nwa, 0);
	uint8_t *data = mmc_data(nwa, 2, 2048);
	mmc_write10(dev, n, 0, &cmd, nwa, 2, data, 2 * 2048);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);

	/* F8h: the full 2352, identical to a locally built Mode 1 sector. */
	mmc_read_cd(dev, n, 0, &cmd, 2, 0, 2, 0xf8, 0);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 2 * 2352);
	for (uint32_t b = 0; b < 2; b++) {
		uint8_t want[CDS_RAW_SIZE];
		CU_ASSERT_EQUAL(cds_make_mode1(want, (int32_t)b, data + b * 2048), 0);
		CU_ASSERT_EQUAL(memcmp(cmd.data_in + b * 2352, want, 2352), 0);
	}
	const uint8_t *r = cmd.data_in;
	CU_ASSERT_EQUAL(r[0], 0x00);
	CU_ASSERT_EQUAL(r[1], 0xff);
	CU_ASSERT_EQUAL(r[11], 0x00);
	CU_ASSERT_EQUAL(r[12], 0x00);			/* 00:02:00, BCD */
	CU_ASSERT_EQUAL(r[13], 0x02);
	CU_ASSERT_EQUAL(r[14], 0x00);
	CU_ASSERT_EQUAL(r[15], 0x01);			/* mode 1 */
	CU_ASSERT_EQUAL(wire_le32(r + 2064), cds_edc(0, r, 2064));
	CU_ASSERT_EQUAL(r[2352 + 14], 0x01);		/* block 1: 00:02:01 */
	CU_ASSERT_EQUAL(cds_classify(r), CDS_KIND_MODE1);
	sim_cmd_release(&cmd);

	/* User data only; header + user; header only. */
	mmc_read_cd(dev, n, 0, &cmd, 0, 0, 2, 0x10, 0);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 2 * 2048);
	if (cmd.data_in_len == 2 * 2048)
		CU_ASSERT_EQUAL(memcmp(cmd.data_in, data, 2 * 2048), 0);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 2, 1, 1, 0x30, 0);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 4 + 2048);
	CU_ASSERT_EQUAL(cmd.data_in[2], 0x01);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 2, 1, 1, 0x20, 0);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 4);
	sim_cmd_release(&cmd);

	/* Sub-channel: formatted Q (16), raw P-W (96), R-W (96). */
	mmc_read_cd(dev, n, 0, &cmd, 0, 0, 2, 0x10, 2);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 2 * (2048 + 16));
	const uint8_t *q = cmd.data_in + 2048;
	CU_ASSERT_EQUAL(q[0], 0x41);			/* data track, ADR 1 */
	CU_ASSERT_EQUAL(q[1], 0x01);			/* track 1 */
	CU_ASSERT_EQUAL(q[2], 0x01);			/* index 1 */
	CU_ASSERT_EQUAL(q[7], 0x00);			/* absolute 00:02:00 */
	CU_ASSERT_EQUAL(q[8], 0x02);
	CU_ASSERT_EQUAL(q[9], 0x00);
	CU_ASSERT(cds_q_crc_ok(q));
	CU_ASSERT_EQUAL(cmd.data_in[2064 + 2048 + 9], 0x01);	/* block 1: 00:02:01 */
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 0, 0, 1, 0xf8, 1);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 2448);
	uint8_t chan[8][CDS_CHAN_SIZE];
	cds_sub_deinterleave(chan, cmd.data_in + 2352);
	CU_ASSERT(cds_q_crc_ok(chan[1]));
	CU_ASSERT_EQUAL(chan[1][1], 0x01);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 0, 0, 1, 0x00, 4);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 96);
	sim_cmd_release(&cmd);

	/* Expected type mismatch, unsupported combinations, probes, ranges. */
	mmc_read_cd(dev, n, 0, &cmd, 1, 0, 1, 0x10, 0);		/* CD-DA */
	MMC_SENSE(&cmd, mmc_illegal_mode);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 4, 0, 1, 0x10, 0);		/* form 1 */
	MMC_SENSE(&cmd, mmc_illegal_mode);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 6, 0, 1, 0x10, 0);		/* reserved type */
	MMC_SENSE(&cmd, mmc_invalid_field_cdb);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 0, 0, 1, 0x12, 0);		/* C2 */
	MMC_SENSE(&cmd, mmc_invalid_field_cdb);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 0, 0, 1, 0x90, 0);		/* sync, no header */
	MMC_SENSE(&cmd, mmc_invalid_field_cdb);
	CU_ASSERT_EQUAL(wire_be16(cmd.sense + 16), 9);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 0, 0, 1, 0x10, 3);		/* sub-channel 011b */
	MMC_SENSE(&cmd, mmc_invalid_field_cdb);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 2, 0, 0, 0xf8, 0);		/* length 0: a probe */
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 0);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 0, 1, 2, 0x10, 0);		/* past the recorded */
	MMC_SENSE(&cmd, mmc_lba_range);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 0, 0, 0xffffff, 0xf8, 1);
	MMC_SENSE(&cmd, mmc_lba_range);
	sim_cmd_release(&cmd);
	/* Not a CD; not a recorder. */
	mmc_read_cd(dev, n, 1, &cmd, 0, 0, 1, 0x10, 0);		/* blank CD-R */
	MMC_SENSE(&cmd, mmc_lba_range);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 2, &cmd, 0, 0, 1, 0x10, 0);
	MMC_SENSE(&cmd, mmc_invalid_opcode);
	sim_cmd_release(&cmd);

	free(data);
	sim_dev_free(dev);
	unlink(image);

	dev = mmc_new_dev(NULL);
	n = mmc_nexus(dev);
	mmc_read_cd(dev, n, 0, &cmd, 0, 0, 1, 0x10, 0);		/* DVD+R */
	MMC_SENSE(&cmd, mmc_cannot_read);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* Raw 2352-byte audio (TAO, DBT 0) read back whole. */
static void test_read_cd_raw2352(void)
{
	char *image = mmc_image("cd2352.disclog");
	struct sim_dev *dev = mmc_new_dev_media("cd-r", image);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;
	uint8_t page[52];

	mmc_page05(dev, n, 0, page);
	page[2] = (uint8_t)((page[2] & 0xf0) | 0x01);	/* TAO */
	page[3] = (uint8_t)(page[3] & 0xf0);		/* audio */
	page[4] = 0x00;					/* DBT 0 */
	mmc_select05(dev, n, 0, &cmd, page);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	uint32_t nwa = mmc_nwa(dev, n, 0);
	uint8_t *data = mmc_data(nwa, 3, 2352);
	mmc_write10(dev, n, 0, &cmd, nwa, 3, data, 3 * 2352);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);

	mmc_read_cd(dev, n, 0, &cmd, 1, (int32_t)nwa, 3, 0xf8, 0);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 3 * 2352);
	if (cmd.data_in_len == 3 * 2352)
		CU_ASSERT_EQUAL(memcmp(cmd.data_in, data, 3 * 2352), 0);
	sim_cmd_release(&cmd);
	/* With raw P-W: 2448 per block, Q synthesized for an audio track (CTL 0). */
	mmc_read_cd(dev, n, 0, &cmd, 0, (int32_t)nwa, 1, 0x10, 1);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 2448);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, data, 2352), 0);
	uint8_t chan[8][CDS_CHAN_SIZE];
	cds_sub_deinterleave(chan, cmd.data_in + 2352);
	CU_ASSERT_EQUAL(chan[1][0], 0x01);
	CU_ASSERT(cds_q_crc_ok(chan[1]));
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 2, (int32_t)nwa, 1, 0x10, 0);	/* Mode 1 expected */
	MMC_SENSE(&cmd, mmc_illegal_mode);
	sim_cmd_release(&cmd);
	free(data);
	sim_dev_free(dev);
	unlink(image);
}

/* Page 05h write type SAO on LUN 0, then SEND CUE SHEET. */
static void mmc_sao_cue(struct sim_dev *dev, uint64_t n, const uint8_t *cue, uint8_t len)
{
	struct sim_cmd cmd;
	uint8_t page[52];
	mmc_page05(dev, n, 0, page);
	page[2] = (uint8_t)((page[2] & 0xf0) | 0x02);	/* SAO */
	mmc_select05(dev, n, 0, &cmd, page);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	uint8_t cdb[10] = { 0x5d, 0, 0, 0, 0, 0, 0, 0, len, 0 };
	devtest_run_out(dev, n, 0, &cmd, cdb, 10, cue, len);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
}

/* Raw 2448 (SAO, cue sheet DATA FORM 51h: Mode 1 2352 + raw P-W 96) read back byte
 * for byte.  (The RAW write type would do as well, but starts in the lead-in.) */
static void test_read_cd_raw2448(void)
{
	char *image = mmc_image("cd2448.disclog");
	struct sim_dev *dev = mmc_new_dev_media("cd-r", image);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;

	static const uint8_t cue[4 * 8] = {
		0x41, 0x00, 0x00, 0x51, 0x00, 0, 0, 0,		/* lead-in */
		0x41, 0x01, 0x00, 0x51, 0x00, 0, 0, 0,		/* track 1 pregap 00:00:00 */
		0x41, 0x01, 0x01, 0x51, 0x00, 0, 2, 0,		/* INDEX 01 at 00:02:00 */
		0x41, 0xaa, 0x01, 0x51, 0x00, 0, 2, 2,		/* lead-out at LBA 2 */
	};
	mmc_sao_cue(dev, n, cue, sizeof(cue));

	enum { NB = 152 };				/* pregap + 2 data blocks */
	uint8_t *data = malloc(NB * 2448);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	for (uint32_t b = 0; b < NB; b++) {
		uint8_t user[2048], chan[8][CDS_CHAN_SIZE];
		int32_t lba = (int32_t)b - 150;
		for (int i = 0; i < 2048; i++)
			user[i] = lba < 0 ? 0 : mmc_pattern((uint32_t)lba, (uint32_t)i);
		CU_ASSERT_EQUAL(cds_make_mode1(data + b * 2448, lba, user), 0);
		CU_ASSERT_EQUAL(cds_sub_synth(chan, 4, 1, lba < 0 ? 0 : 1, lba < 0 ? -lba : lba,
					      lba), 0);
		memset(chan[2], 0x5a, CDS_CHAN_SIZE);		/* some R-W content */
		cds_sub_interleave(data + b * 2448 + 2352, chan);
	}
	uint8_t w10[10] = { 0x2a };
	wire_put_be32(w10 + 2, (uint32_t)-150);
	wire_put_be16(w10 + 7, NB);
	devtest_run_out(dev, n, 0, &cmd, w10, 10, data, NB * 2448);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);

	const uint8_t *rec = data + 150 * 2448;		/* LBA 0 */
	mmc_read_cd(dev, n, 0, &cmd, 0, 0, 2, 0xf8, 1);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 2 * 2448);
	if (cmd.data_in_len == 2 * 2448)
		CU_ASSERT_EQUAL(memcmp(cmd.data_in, rec, 2 * 2448), 0);
	sim_cmd_release(&cmd);
	/* 2352 of it; user data and the recorded R-W; formatted Q from the recording. */
	mmc_read_cd(dev, n, 0, &cmd, 2, 1, 1, 0xf8, 0);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 2352);
	if (cmd.data_in_len == 2352)
		CU_ASSERT_EQUAL(memcmp(cmd.data_in, rec + 2448, 2352), 0);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 2, 0, 1, 0x10, 4);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 2048 + 96);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, rec + 16, 2048), 0);
	for (int i = 0; i < 96; i++)
		CU_ASSERT_EQUAL(cmd.data_in[2048 + i], rec[2352 + i] & 0x3f);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 0, 0, 1, 0x00, 2);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 16);
	uint8_t chan[8][CDS_CHAN_SIZE];
	cds_sub_deinterleave(chan, rec + 2352);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, chan[1], 12), 0);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 1, 0, 1, 0xf8, 0);		/* CD-DA expected */
	MMC_SENSE(&cmd, mmc_illegal_mode);
	sim_cmd_release(&cmd);
	free(data);
	sim_dev_free(dev);
	unlink(image);
}

/* One frame as wodim -raw96r sends it (2448 bytes): main channel a Mode 1 sector
 * (user data mmc_pattern) scrambled per ECMA-130 Annex B, except in the lead-in
 * (zeros); sub-channel P-W interleaved with mode-1 Q of track 1 (INDEX 00 in the
 * pregap, 01 from LBA 0), zeros in the lead-in. */
static void mmc_raw96r_frame(uint8_t *out, int32_t lba)
{
	uint8_t user[2048], chan[8][CDS_CHAN_SIZE];
	memset(out, 0, 2448);
	memset(chan, 0, sizeof(chan));
	if (lba >= -150) {
		for (int i = 0; i < 2048; i++)
			user[i] = lba < 0 ? 0 : mmc_pattern((uint32_t)lba, (uint32_t)i);
		CU_ASSERT_EQUAL(cds_make_mode1(out, lba, user), 0);
		cds_scramble(out + CDS_OFF_HEADER, CDS_RAW_SIZE - CDS_OFF_HEADER);
		CU_ASSERT_EQUAL(cds_sub_synth(chan, 4, 1, lba < 0 ? 0 : 1, lba < 0 ? -lba : lba,
					      lba), 0);
	}
	cds_sub_interleave(out + CDS_RAW_SIZE, chan);
}

/* RAW (write type 3, DBT 3) through the CDBs, from the lead-in start: READ(10)
 * returns the user data of the scrambled Mode 1 frames, READ CD the descrambled
 * parts asked for, READ TOC and READ TRACK INFORMATION a data track; a frame sent
 * unscrambled reads back as 03/11/05 (L-EC uncorrectable). */
static void test_read_raw_frames(void)
{
	char *image = mmc_image("cdraw.disclog");
	struct sim_dev *dev = mmc_new_dev_media("cd-r", image);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;
	uint8_t page[52];
	static const struct sim_sense lec = { 0x3, 0x11, 0x05 };

	mmc_page05(dev, n, 0, page);
	page[2] = (uint8_t)((page[2] & 0xf0) | 0x03);	/* RAW */
	page[4] = 0x03;					/* DBT 3: 2352 + raw P-W */
	mmc_select05(dev, n, 0, &cmd, page);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);

	enum { NDATA = 4, CHUNK = 600 };
	uint8_t *data = malloc((size_t)CHUNK * 2448);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	for (int32_t lba = -11635; lba < NDATA;) {
		uint32_t c = NDATA - lba > CHUNK ? CHUNK : (uint32_t)(NDATA - lba);
		for (uint32_t b = 0; b < c; b++)
			mmc_raw96r_frame(data + (size_t)b * 2448, lba + (int32_t)b);
		if (lba + (int32_t)c == NDATA)		/* the last: sent unscrambled */
			cds_scramble(data + (size_t)(c - 1) * 2448 + CDS_OFF_HEADER,
				     CDS_RAW_SIZE - CDS_OFF_HEADER);
		mmc_write10(dev, n, 0, &cmd, (uint32_t)lba, (uint16_t)c, data, c * 2448);
		MMC_GOOD(&cmd);
		sim_cmd_release(&cmd);
		lba += (int32_t)c;
	}
	static const uint8_t close_session[10] = { 0x5b, 0, 0x02 };
	mmc_simple(dev, n, 0, &cmd, close_session, 10);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);

	/* A data track (CTL 4, data mode 1) of NDATA blocks at 0. */
	mmc_rti(dev, n, 0, &cmd, 0x01, 1);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[5] & 0x0f, 4);
	CU_ASSERT_EQUAL(cmd.data_in[6] & 0x0f, 1);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8), 0);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 24), NDATA);
	sim_cmd_release(&cmd);
	mmc_toc(dev, n, 0, &cmd, 0);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[5], 0x14);		/* track 1: ADR 1, CTL data */
	CU_ASSERT_EQUAL(cmd.data_in[6], 1);
	sim_cmd_release(&cmd);

	/* READ(10): the 2048 user bytes of LBA 0..2. */
	uint8_t r10[10] = { 0x28 };
	wire_put_be16(r10 + 7, 3);
	devtest_run(dev, n, 0, &cmd, r10, 10, 3 * 2048);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 3 * 2048);
	for (uint32_t b = 0; b < 3; b++) {
		uint8_t *w = mmc_data(b, 1, 2048);
		CU_ASSERT_EQUAL(memcmp(cmd.data_in + b * 2048, w, 2048), 0);
		free(w);
	}
	sim_cmd_release(&cmd);
	/* The unscrambled frame: uncorrectable, by READ(10) and READ CD. */
	wire_put_be32(r10 + 2, NDATA - 1);
	wire_put_be16(r10 + 7, 1);
	devtest_run(dev, n, 0, &cmd, r10, 10, 2048);
	MMC_SENSE(&cmd, lec);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 0, NDATA - 1, 1, 0xf8, 0);
	MMC_SENSE(&cmd, lec);
	sim_cmd_release(&cmd);

	/* READ CD: the whole descrambled frame with its raw P-W, as a Mode 1 sector. */
	uint8_t frame[2448];
	mmc_raw96r_frame(frame, 1);
	cds_scramble(frame + CDS_OFF_HEADER, CDS_RAW_SIZE - CDS_OFF_HEADER);
	mmc_read_cd(dev, n, 0, &cmd, 2, 1, 1, 0xf8, 1);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 2448);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, frame, 2448), 0);
	sim_cmd_release(&cmd);
	/* header + user data; user data + EDC/ECC; formatted Q */
	mmc_read_cd(dev, n, 0, &cmd, 2, 1, 1, 0x30, 0);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 4 + 2048);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, frame + 12, 4 + 2048), 0);
	CU_ASSERT_EQUAL(cmd.data_in[3], 1);		/* mode byte, descrambled */
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 0, 1, 1, 0x18, 0);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 2048 + 288);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, frame + 16, 2048 + 288), 0);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 0, 1, 1, 0x00, 2);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 16);
	uint8_t chan[8][CDS_CHAN_SIZE];
	cds_sub_deinterleave(chan, frame + CDS_RAW_SIZE);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, chan[1], 12), 0);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 1, 0, 1, 0x10, 0);		/* CD-DA expected */
	MMC_SENSE(&cmd, mmc_illegal_mode);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 4, 0, 1, 0x10, 0);		/* Form 1 expected */
	MMC_SENSE(&cmd, mmc_illegal_mode);
	sim_cmd_release(&cmd);

	free(data);
	sim_dev_free(dev);
	unlink(image);
}

static void mmc_rds(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
		    uint8_t media_type, uint8_t format, uint16_t alloc)
{
	uint8_t cdb[12] = { 0xad, media_type };
	cdb[7] = format;
	wire_put_be16(cdb + 8, alloc);
	devtest_run(dev, n, lun, cmd, cdb, 12, alloc);
}

static void test_read_disc_structure(void)
{
	struct sim_dev *dev = mmc_new_dev(NULL);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;

	mmc_rds(dev, n, 0, &cmd, 0, 0x00, 0xffff);		/* DVD+R physical */
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 4 + 2048);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in), 2050);
	CU_ASSERT_EQUAL(cmd.data_in[4], 0xa1);			/* DVD+R book */
	CU_ASSERT_EQUAL(cmd.data_in[6] & 0x60, 0);		/* one layer */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8), 0x030000);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 12), 0x26053f);	/* = tgt's blank DVD+R */
	CU_ASSERT_EQUAL(cmd.data_in[4 + 1], 0x0f);		/* 120 mm, rate n/s */
	CU_ASSERT_EQUAL(cmd.data_in[4 + 2], 0x02);		/* 1 layer, recordable */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 4 + 12), 0);	/* layer 0 end: PTP */
	sim_cmd_release(&cmd);
	mmc_rds(dev, n, 0, &cmd, 0, 0x00, 8);			/* allocation length */
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 8);
	sim_cmd_release(&cmd);
	mmc_rds(dev, n, 0, &cmd, 0, 0x11, 0xffff);		/* ADIP */
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 4 + 256);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in + 4 + 19, "BURNLAB", 7), 0);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in + 4 + 27, "SIM", 3), 0);	/* media type ID */
	sim_cmd_release(&cmd);
	mmc_rds(dev, n, 0, &cmd, 0, 0xff, 0xffff);		/* list */
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 4 + 5 * 4);
	CU_ASSERT_EQUAL(cmd.data_in[4], 0x00);
	CU_ASSERT_EQUAL(cmd.data_in[5] & 0x40, 0x40);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 6), 2048);
	CU_ASSERT_EQUAL(cmd.data_in[4 + 12], 0x11);
	CU_ASSERT_EQUAL(cmd.data_in[4 + 16], 0xff);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 4 + 18), 20);
	sim_cmd_release(&cmd);
	mmc_rds(dev, n, 0, &cmd, 0, 0x05, 0xffff);		/* not offered */
	MMC_SENSE(&cmd, mmc_invalid_field_cdb);
	CU_ASSERT_EQUAL(wire_be16(cmd.sense + 16), 7);
	sim_cmd_release(&cmd);
	mmc_rds(dev, n, 0, &cmd, 1, 0x00, 0xffff);		/* BD media type on a DVD */
	MMC_SENSE(&cmd, mmc_incompatible);
	sim_cmd_release(&cmd);
	mmc_rds(dev, n, 1, &cmd, 0, 0x00, 0xffff);		/* CD */
	MMC_SENSE(&cmd, mmc_incompatible);
	sim_cmd_release(&cmd);
	mmc_rds(dev, n, 2, &cmd, 0, 0x00, 0xffff);		/* read-only drive */
	MMC_SENSE(&cmd, mmc_invalid_opcode);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);

	dev = mmc_new_dev_media("bd-r", NULL);
	n = mmc_nexus(dev);
	mmc_rds(dev, n, 0, &cmd, 1, 0x00, 0xffff);		/* BD disc information */
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 4 + 4096);
	CU_ASSERT_EQUAL(cmd.data_in[4], 'D');
	CU_ASSERT_EQUAL(cmd.data_in[5], 'I');
	CU_ASSERT_EQUAL(memcmp(cmd.data_in + 4 + 8, "BDR", 3), 0);	/* BDO is BD-ROM */
	CU_ASSERT_EQUAL(cmd.data_in[4 + 3], 0x08);		/* 1 unit/block, layer 0 */
	CU_ASSERT_EQUAL(cmd.data_in[4 + 11], 0x01);		/* 120 mm, class 0, v1 */
	CU_ASSERT_EQUAL(cmd.data_in[4 + 12] >> 4, 1);		/* one layer */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 4 + 24), 0);	/* first AUN: not set */
	sim_cmd_release(&cmd);
	mmc_rds(dev, n, 0, &cmd, 0, 0x00, 0xffff);		/* DVD media type on a BD */
	MMC_SENSE(&cmd, mmc_incompatible);
	sim_cmd_release(&cmd);
	mmc_rds(dev, n, 0, &cmd, 0x02, 0x00, 0xffff);		/* reserved media type */
	MMC_SENSE(&cmd, mmc_invalid_field_cdb);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static void mmc_perf(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
		     uint8_t b1, uint8_t type, uint16_t maxd)
{
	uint8_t cdb[12] = { 0xac, b1 };
	wire_put_be16(cdb + 8, maxd);
	cdb[10] = type;
	devtest_run(dev, n, lun, cmd, cdb, 12, 8 + 16u * maxd);
}

/* Current write speed as GET PERFORMANCE type 00h (Write) reports it. */
static uint32_t mmc_cur_write(struct sim_dev *dev, uint64_t n, uint16_t lun)
{
	struct sim_cmd cmd;
	mmc_perf(dev, n, lun, &cmd, 0x14, 0x00, 1);
	MMC_GOOD(&cmd);
	uint32_t v = 0;
	CU_ASSERT_EQUAL(cmd.data_in_len, 24);
	if (cmd.data_in_len == 24) {
		CU_ASSERT_EQUAL(cmd.data_in[4] & 0x02, 0x02);
		CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8 + 12), wire_be32(cmd.data_in + 8 + 4));
		v = wire_be32(cmd.data_in + 8 + 4);
	}
	sim_cmd_release(&cmd);
	return v;
}

static void mmc_streaming(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
			  uint8_t flags, uint32_t wsize, uint32_t wtime)
{
	static uint8_t d[28];
	memset(d, 0, sizeof(d));
	d[0] = flags;
	wire_put_be32(d + 8, DVDR_BLOCKS - 1);
	wire_put_be32(d + 12, 1000);
	wire_put_be32(d + 16, 1000);
	wire_put_be32(d + 20, wsize);
	wire_put_be32(d + 24, wtime);
	uint8_t cdb[12] = { 0xb6, 0, 0, 0, 0, 0, 0, 0, 0x00, 0, 28, 0 };
	devtest_run_out(dev, n, lun, cmd, cdb, 12, d, sizeof(d));
}

static void test_performance_speeds(void)
{
	struct sim_dev *dev = mmc_new_dev(NULL);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;

	/* Type 03h on DVD+R: asked with 0 descriptors, the length tells the count. */
	mmc_perf(dev, n, 0, &cmd, 0x00, 0x03, 0);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 8);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), 4 + 8 * 16);
	sim_cmd_release(&cmd);
	mmc_perf(dev, n, 0, &cmd, 0x00, 0x03, 100);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 8 + 8 * 16);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8 + 4), DVDR_BLOCKS);	/* end LBA */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8 + 12), 24 * 1385);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8 + 7 * 16 + 12), 24 * 1385 / 10);	/* 2.4x */
	for (int i = 1; i < 8; i++)
		CU_ASSERT(wire_be32(cmd.data_in + 8 + i * 16 + 12) <
			  wire_be32(cmd.data_in + 8 + (i - 1) * 16 + 12));
	sim_cmd_release(&cmd);
	mmc_perf(dev, n, 0, &cmd, 0x00, 0x03, 2);		/* at most 2 sent */
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 8 + 2 * 16);
	sim_cmd_release(&cmd);
	mmc_perf(dev, n, 0, &cmd, 0x00, 0x01, 10);		/* unusable area: no */
	MMC_SENSE(&cmd, mmc_invalid_field_cdb);
	sim_cmd_release(&cmd);
	mmc_perf(dev, n, 0, &cmd, 0x10, 0x00, 1);		/* nominal read */
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 24);
	CU_ASSERT_EQUAL(cmd.data_in[4] & 0x02, 0);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8 + 8), DVDR_BLOCKS - 1);
	sim_cmd_release(&cmd);

	/* Selection: maximum by default; SET CD SPEED rounds down; SET STREAMING. */
	CU_ASSERT_EQUAL(mmc_cur_write(dev, n, 0), 24 * 1385);
	uint8_t scs[12] = { 0xbb, 0, 0xff, 0xff };
	wire_put_be16(scs + 4, 8000);				/* 5.7x: 4x */
	mmc_simple(dev, n, 0, &cmd, scs, 12);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	CU_ASSERT_EQUAL(mmc_cur_write(dev, n, 0), 4 * 1385);
	wire_put_be16(scs + 4, 0xffff);
	mmc_simple(dev, n, 0, &cmd, scs, 12);
	sim_cmd_release(&cmd);
	CU_ASSERT_EQUAL(mmc_cur_write(dev, n, 0), 24 * 1385);
	scs[1] = 0x02;						/* reserved rotation control */
	mmc_simple(dev, n, 0, &cmd, scs, 12);
	MMC_SENSE(&cmd, mmc_invalid_field_cdb);
	sim_cmd_release(&cmd);

	mmc_streaming(dev, n, 0, &cmd, 0x00, 8 * 1385, 1000);	/* libburn style: 8x */
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	CU_ASSERT_EQUAL(mmc_cur_write(dev, n, 0), 8 * 1385);
	mmc_streaming(dev, n, 0, &cmd, 0x02, 11000, 1000);	/* Exact, not a step */
	MMC_SENSE(&cmd, mmc_invalid_field_param);
	sim_cmd_release(&cmd);
	mmc_streaming(dev, n, 0, &cmd, 0x00, 11000, 0);		/* no time */
	MMC_SENSE(&cmd, mmc_invalid_field_param);
	sim_cmd_release(&cmd);
	CU_ASSERT_EQUAL(mmc_cur_write(dev, n, 0), 8 * 1385);
	mmc_streaming(dev, n, 0, &cmd, 0x04, 0, 0);		/* RDD */
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	CU_ASSERT_EQUAL(mmc_cur_write(dev, n, 0), 24 * 1385);
	uint8_t short_cdb[12] = { 0xb6, 0, 0, 0, 0, 0, 0, 0, 0x00, 0, 28, 0 };
	uint8_t few[10] = { 0 };
	devtest_run_out(dev, n, 0, &cmd, short_cdb, 12, few, sizeof(few));
	MMC_SENSE(&cmd, mmc_param_len);
	sim_cmd_release(&cmd);

	/* CD and BD tables. */
	mmc_perf(dev, n, 1, &cmd, 0x00, 0x03, 100);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 8 + 9 * 16);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8 + 12), 52 * 176);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8 + 8 * 16 + 12), 4 * 176);
	sim_cmd_release(&cmd);
	mmc_perf(dev, n, 2, &cmd, 0x00, 0x03, 100);
	MMC_SENSE(&cmd, mmc_invalid_opcode);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);

	dev = mmc_new_dev_media("bd-re", NULL);
	n = mmc_nexus(dev);
	mmc_perf(dev, n, 0, &cmd, 0x00, 0x03, 100);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 8 + 7 * 16);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8 + 12), 16 * 4496);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8 + 6 * 16 + 12), 2 * 4496);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static void test_buffer_opc_mechanism(void)
{
	struct sim_dev *dev = mmc_new_dev(NULL);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;

	uint8_t rbc[10] = { 0x5c, 0x00, 0, 0, 0, 0, 0, 0, 12, 0 };
	devtest_run(dev, n, 1, &cmd, rbc, 10, 12);			/* CD: 2 MiB, all free */
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 12);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in), 10);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 4), 2u << 20);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8), 2u << 20);
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, rbc, 10, 12);			/* DVD: 4 MiB */
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 4), 4u << 20);
	sim_cmd_release(&cmd);
	rbc[1] = 0x01;						/* Block */
	devtest_run(dev, n, 0, &cmd, rbc, 10, 12);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[3] & 0x01, 0x01);		/* Block bit: byte 3 b0 */
	CU_ASSERT_EQUAL(cmd.data_in[5], 0x00);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 4), 0);		/* reserved */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8), (4u << 20) / 2048);
	sim_cmd_release(&cmd);
	rbc[8] = 4;						/* allocation length */
	devtest_run(dev, n, 0, &cmd, rbc, 10, 4);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 4);
	sim_cmd_release(&cmd);

	uint8_t opc[10] = { 0x54, 0x01 };			/* DoOpc */
	mmc_simple(dev, n, 0, &cmd, opc, 10);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	mmc_simple(dev, n, 2, &cmd, opc, 10);
	MMC_SENSE(&cmd, mmc_invalid_opcode);
	sim_cmd_release(&cmd);

	uint8_t mech[12] = { 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0 };
	devtest_run(dev, n, 0, &cmd, mech, 12, 8);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 8);
	CU_ASSERT_EQUAL(cmd.data_in[1] & 0x10, 0);		/* door closed */
	CU_ASSERT_EQUAL(cmd.data_in[0], 0);
	CU_ASSERT_EQUAL(cmd.data_in[5], 0);
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 6), 0);
	sim_cmd_release(&cmd);
	uint8_t eject[6] = { 0x1b, 0, 0, 0, 0x02, 0 };
	mmc_simple(dev, n, 0, &cmd, eject, 6);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, mech, 12, 8);			/* no medium needed */
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 8);
	CU_ASSERT_EQUAL(cmd.data_in[1] & 0x10, 0x10);		/* door open */
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, rbc, 10, 4);			/* not a medium command */
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	mmc_perf(dev, n, 0, &cmd, 0x00, 0x03, 1);		/* needs the medium */
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_CHECK_CONDITION);
	CU_ASSERT_EQUAL(cmd.sense[12], 0x3a);
	sim_cmd_release(&cmd);
	uint8_t load[6] = { 0x1b, 0, 0, 0, 0x03, 0 };
	mmc_simple(dev, n, 0, &cmd, load, 6);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 2, &cmd, mech, 12, 8);
	MMC_SENSE(&cmd, mmc_invalid_opcode);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* READ FORMAT CAPACITIES, FORMAT UNIT, RESERVE TRACK and BLANK through their CDBs
 * (doc/simdrive-recorder.md §6): LUN 0 DVD+RW, LUN 1 CD-RW, LUN 2 DVD-R. */
/* A device with three blank recorder LUNs 0-2 of these media. */
static struct sim_dev *mmc_media_dev(const char *m0, const char *m1, const char *m2)
{
	mmc_fixtures();
	struct sim_lun_cfg luns[3] = {
		{ .lun = 0, .media = m0 }, { .lun = 1, .media = m1 }, { .lun = 2, .media = m2 },
	};
	struct sim_dev_cfg cfg = {
		.vendor = "BURNLAB", .product = "SIMDRIVE", .revision = "0.1",
		.serial = "SN", .target_name = "iqn.2026-01.org.burnlab:mmc", .luns = luns, .nluns = 3,
	};
	char err[256];
	struct sim_dev *dev = sim_dev_new(&cfg, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	return dev;
}

static void test_format_reserve_blank(void)
{
	struct sim_dev *dev = mmc_media_dev("dvd+rw", "cd-rw", "dvd-r");
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;
	static const struct sim_sense incompatible = { 0x5, 0x30, 0x00 };

	/* READ FORMAT CAPACITIES of a blank DVD+RW: unformatted, and format type 26h. */
	uint8_t rfc[10] = { 0x23, 0, 0, 0, 0, 0, 0, 0, 252, 0 };
	devtest_run(dev, n, 0, &cmd, rfc, 10, 252);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[3], 16);			/* two descriptors */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 4), DVDR_BLOCKS);
	CU_ASSERT_EQUAL(cmd.data_in[8] & 0x03, 0x01);		/* unformatted media */
	CU_ASSERT_EQUAL(cmd.data_in[12 + 4], 0x26 << 2);	/* format type 26h */
	sim_cmd_release(&cmd);

	/* FORMAT UNIT: FmtData=0 refused; a CD-RW cannot be formatted; DVD+RW 26h works. */
	uint8_t fmt[6] = { 0x04, 0x01 };
	devtest_run(dev, n, 0, &cmd, fmt, 6, 0);
	MMC_SENSE(&cmd, mmc_invalid_field_cdb);
	sim_cmd_release(&cmd);
	uint8_t list[12] = { 0, 0x02, 0, 8, 0xff, 0xff, 0xff, 0xff, 0x26 << 2, 0, 0, 0 };
	fmt[1] = 0x11;
	devtest_run_out(dev, n, 1, &cmd, fmt, 6, list, sizeof(list));
	MMC_SENSE(&cmd, mmc_cannot_format);
	sim_cmd_release(&cmd);
	devtest_run_out(dev, n, 0, &cmd, fmt, 6, list, sizeof(list));
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, rfc, 10, 252);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[8] & 0x03, 0x02);		/* formatted media */
	sim_cmd_release(&cmd);

	/* RESERVE TRACK on DVD-R: track 1 becomes a reserved track of at least the size. */
	uint8_t rsv[10] = { 0x53 };
	wire_put_be32(rsv + 5, 1000);
	devtest_run(dev, n, 2, &cmd, rsv, 10, 0);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	mmc_rti(dev, n, 2, &cmd, 0x01, 1);
	MMC_GOOD(&cmd);
	CU_ASSERT(cmd.data_in[6] & 0x80);			/* RT: reserved track */
	CU_ASSERT(wire_be32(cmd.data_in + 24) >= 1000);		/* track size */
	sim_cmd_release(&cmd);

	/* BLANK: a DVD-R is not erasable; a written CD-RW blanks (minimal) to empty. */
	uint8_t blank[12] = { 0xa1, 0x01 };
	devtest_run(dev, n, 2, &cmd, blank, 12, 0);
	MMC_SENSE(&cmd, incompatible);
	sim_cmd_release(&cmd);
	static uint8_t data[16 * 2048];
	uint8_t w10[10] = { 0x2a };
	wire_put_be16(w10 + 7, 16);
	devtest_run_out(dev, n, 1, &cmd, w10, 10, data, sizeof(data));
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	mmc_rdi(dev, n, 1, &cmd);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[2] & 0x03, 1);		/* incomplete */
	CU_ASSERT(cmd.data_in[2] & 0x10);			/* erasable */
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 1, &cmd, blank, 12, 0);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	mmc_rdi(dev, n, 1, &cmd);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[2] & 0x03, 0);		/* empty again */
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* DVD-R Disc-at-Once through the CDBs libburn (xorriso -dao, cdrskin -dao) sends,
 * libburn/write.c burn_disc_open_track_dvd_minus_r and burn_dvd_write_track: page 05h
 * write type 2, RESERVE TRACK of the exact size (1001 blocks; the drive rounds to the
 * ECC block, 1008), 32 KiB WRITEs of exactly 1001 blocks, SYNCHRONIZE CACHE with IMMED
 * and no CLOSE.  The drive pads the reservation and closes the disc: READ DISC
 * INFORMATION complete, track 1 closed with 1008 blocks, a TOC, the padding zeros. */
static void test_dvdr_dao_libburn(void)
{
	mmc_fixtures();
	char image[PATH_MAX + 32];
	snprintf(image, sizeof(image), "%s/dao.disclog", tmpdir);
	unlink(image);
	struct sim_dev *dev = mmc_new_dev_media("dvd-r", image);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;
	static const uint8_t tur[6] = { 0x00 };
	static const struct sim_sense seq_error = { 0x5, 0x2c, 0x00 };
	static const struct sim_sense no_toc = { 0x5, 0x24, 0x00 };

	uint8_t page[52];
	mmc_page05(dev, n, 0, page);
	page[2] = 0x02;						/* DAO, LS_V 0, no test */
	page[3] = 0x05;						/* multi-session 00b, mode 5 */
	page[4] = 0x08;
	page[5] = 0;
	page[3] &= (uint8_t)~0x20;				/* FP 0 */
	memset(page + 10, 0, 4);				/* packet size */
	mmc_select05(dev, n, 0, &cmd, page);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);

	uint8_t rsv[10] = { 0x53 };
	wire_put_be32(rsv + 5, 1001);
	mmc_simple(dev, n, 0, &cmd, rsv, 10);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	mmc_toc(dev, n, 0, &cmd, 0);				/* nothing closed yet */
	MMC_SENSE(&cmd, no_toc);
	sim_cmd_release(&cmd);

	uint8_t *data = mmc_data(0, 1001, 2048);
	for (uint32_t lba = 0; lba < 1001; lba += 16) {
		uint16_t k = (uint16_t)(1001 - lba < 16 ? 1001 - lba : 16);
		mmc_write10(dev, n, 0, &cmd, lba, k, data + (size_t)lba * 2048, k * 2048u);
		MMC_GOOD(&cmd);
		sim_cmd_release(&cmd);
	}
	uint8_t sync[10] = { 0x35, 0x02 };			/* IMMED */
	mmc_simple(dev, n, 0, &cmd, sync, 10);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	for (int i = 0; i < 2000; i++) {			/* poll as libburn does */
		devtest_run(dev, n, 0, &cmd, tur, 6, 0);
		bool ready = cmd.status == SIM_STATUS_GOOD;
		sim_cmd_release(&cmd);
		if (ready)
			break;
	}

	mmc_rdi(dev, n, 0, &cmd);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[2] & 0x03, 2);		/* complete */
	CU_ASSERT_EQUAL((cmd.data_in[2] >> 2) & 0x03, 3);	/* last session complete */
	CU_ASSERT_EQUAL(cmd.data_in[4], 1);
	CU_ASSERT_EQUAL(cmd.data_in[6], 1);			/* last track in last session */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 16), 0xffffffffu);
	sim_cmd_release(&cmd);
	mmc_rti(dev, n, 0, &cmd, 0x01, 1);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[6] & 0xc0, 0);		/* not reserved, not blank */
	CU_ASSERT_EQUAL(cmd.data_in[7], 0x02);			/* LRA_V, no NWA_V */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8), 0);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 16), 0);	/* free blocks */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 24), 1008);	/* track size */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 28), 1007);	/* last recorded */
	sim_cmd_release(&cmd);
	mmc_toc(dev, n, 0, &cmd, 0);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 4 + 2 * 8);
	CU_ASSERT_EQUAL(cmd.data_in[2], 1);
	CU_ASSERT_EQUAL(cmd.data_in[3], 1);
	CU_ASSERT_EQUAL(cmd.data_in[12 + 2], 0xaa);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 12 + 4), 1008);	/* lead-out */
	sim_cmd_release(&cmd);

	uint8_t rc10[10] = { 0x25 };
	devtest_run(dev, n, 0, &cmd, rc10, 10, 8);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), 1007);
	sim_cmd_release(&cmd);
	uint8_t rd10[10] = { 0x28, 0, 0, 0, 0x03, 0xe0, 0, 0, 8, 0 };	/* LBA 992 */
	devtest_run(dev, n, 0, &cmd, rd10, 10, 8 * 2048);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 8 * 2048);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, data + 992 * 2048, 8 * 2048), 0);
	sim_cmd_release(&cmd);
	rd10[5] = 0xe9;						/* LBA 1001..1008 */
	devtest_run(dev, n, 0, &cmd, rd10, 10, 8 * 2048);
	MMC_SENSE(&cmd, mmc_lba_range);				/* 1008 is the lead-out */
	sim_cmd_release(&cmd);
	rd10[8] = 7;						/* LBA 1001..1007: zeros */
	devtest_run(dev, n, 0, &cmd, rd10, 10, 7 * 2048);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 7 * 2048);
	bool zero = true;
	for (uint32_t i = 0; i < 7 * 2048; i++)
		zero &= cmd.data_in[i] == 0;
	CU_ASSERT(zero);
	sim_cmd_release(&cmd);

	/* A CLOSE after the drive closed the disc: nothing is open. */
	uint8_t close_session[10] = { 0x5b, 0, 0x02 };
	mmc_simple(dev, n, 0, &cmd, close_session, 10);
	MMC_SENSE(&cmd, seq_error);
	sim_cmd_release(&cmd);

	free(data);
	sim_dev_free(dev);
	unlink(image);
}

/* Blank BD-R (MMC-6 §6.24, §6.5.4.2): READ FORMAT CAPACITIES lists, after the current /
 * maximum descriptor, 00h and 32h (default, largest, smallest spare; parameter = spare
 * clusters).  FORMAT UNIT 32h sub-type 00b (SRM+POW, what growisofs sends: the largest
 * 32h capacity, parameter 0) and 00h sub-type 01b (SRM-POW, libburn's default) shrink
 * the user area; the disc stays a blank SRM BD-R that writes and closes as before. */
#define BDR_BLOCKS 12219392u
static void mmc_rfc(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd)
{
	uint8_t cdb[10] = { 0x23, 0, 0, 0, 0, 0, 0, 0, 252, 0 };
	devtest_run(dev, n, lun, cmd, cdb, 10, 252);
}

static void mmc_format(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
		       uint32_t blocks, uint8_t type_byte, uint32_t param)
{
	static uint8_t list[12];
	uint8_t cdb[6] = { 0x04, 0x11 };
	memset(list, 0, sizeof(list));
	list[1] = 0x02;					/* IMMED */
	list[3] = 8;
	wire_put_be32(list + 4, blocks);
	list[8] = type_byte;
	wire_put_be24(list + 9, param);
	devtest_run_out(dev, n, lun, cmd, cdb, 6, list, sizeof(list));
}

/* Feature 0038h (BD-R Pseudo-Overwrite) as growisofs asks: RT=10b, 16 bytes. */
static int mmc_pow_current(struct sim_dev *dev, uint64_t n, uint16_t lun)
{
	uint8_t cdb[10] = { 0x46, 0x02, 0x00, 0x38, 0, 0, 0, 0, 16, 0 };
	struct sim_cmd cmd;
	devtest_run(dev, n, lun, &cmd, cdb, 10, 16);
	int cur = cmd.status == SIM_STATUS_GOOD && wire_be32(cmd.data_in) >= 12 &&
		  wire_be16(cmd.data_in + 8) == 0x0038 ? cmd.data_in[10] & 0x01 : -1;
	sim_cmd_release(&cmd);
	return cur;
}

static void test_bdr_format(void)
{
	struct sim_dev *dev = mmc_media_dev("bd-r", "bd-r", "bd-r");
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;
	static const struct sim_sense out_of_range = { 0x5, 0x21, 0x00 };

	/* The list: 4-byte header + 5 descriptors. */
	static const uint8_t want[4 + 40] = {
		0, 0, 0, 40,
		0x00, 0xba, 0x74, 0x00, 0x01, 0x00, 0x08, 0x00,	/* unformatted, 12219392 x 2048 */
		0x00, 0xb4, 0x74, 0x00, 0x00, 0x00, 0x30, 0x00,	/* 00h, 11826176, 3000h clusters */
		0x00, 0xb4, 0x74, 0x00, 0xc8, 0x00, 0x30, 0x00,	/* 32h, default spare */
		0x00, 0xb0, 0x74, 0x00, 0xc8, 0x00, 0x50, 0x00,	/* 32h, largest spare */
		0x00, 0xb8, 0x74, 0x00, 0xc8, 0x00, 0x10, 0x00,	/* 32h, smallest spare */
	};
	mmc_rfc(dev, n, 0, &cmd);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, want, sizeof(want)), 0);
	sim_cmd_release(&cmd);
	CU_ASSERT_EQUAL(mmc_pow_current(dev, n, 0), 0);		/* listed, not current */

	/* Refusals: RRM sub-type, a spare outside the offered range, a BD-RE type. */
	mmc_format(dev, n, 0, &cmd, 11826176, 0x32 << 2 | 2, 0);
	MMC_SENSE(&cmd, mmc_invalid_field_param);
	sim_cmd_release(&cmd);
	mmc_format(dev, n, 0, &cmd, 12200000, 0x32 << 2, 0);
	MMC_SENSE(&cmd, mmc_invalid_field_param);
	sim_cmd_release(&cmd);
	mmc_format(dev, n, 0, &cmd, 0, 0x32 << 2, 0x8000);
	MMC_SENSE(&cmd, mmc_invalid_field_param);
	sim_cmd_release(&cmd);
	mmc_format(dev, n, 0, &cmd, 0, 0x30 << 2, 0);
	MMC_SENSE(&cmd, mmc_invalid_field_param);
	sim_cmd_release(&cmd);

	/* growisofs: 32h with the largest capacity, sub-type 00b, parameter 0. */
	mmc_format(dev, n, 0, &cmd, 12088320, 0x32 << 2, 0);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	mmc_rfc(dev, n, 0, &cmd);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[3], 40);			/* still blank: formats listed */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 4), 12088320);
	CU_ASSERT_EQUAL(cmd.data_in[8] & 0x03, 0x02);		/* formatted */
	sim_cmd_release(&cmd);
	CU_ASSERT_EQUAL(mmc_pow_current(dev, n, 0), 1);
	mmc_rdi(dev, n, 0, &cmd);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[2] & 0x03, 0);		/* blank */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 20), 12088320);	/* last possible lead-out */
	sim_cmd_release(&cmd);
	mmc_rti(dev, n, 0, &cmd, 0x01, 1);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 16), 12088320);	/* free blocks */
	sim_cmd_release(&cmd);

	/* Write, close the track and the session, finalize: as an unformatted BD-R. */
	static uint8_t data[32 * 2048];
	mmc_write10(dev, n, 0, &cmd, 0, 32, data, sizeof(data));
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	mmc_format(dev, n, 0, &cmd, 12088320, 0x32 << 2, 0);	/* no longer blank */
	MMC_SENSE(&cmd, mmc_cannot_format);
	sim_cmd_release(&cmd);
	mmc_rfc(dev, n, 0, &cmd);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[3], 8);			/* current/maximum only */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 4), 12088320);
	sim_cmd_release(&cmd);
	uint8_t close[10] = { 0x5b, 0, 1, 0, 0, 1 };
	devtest_run(dev, n, 0, &cmd, close, 10, 0);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	close[2] = 2;
	devtest_run(dev, n, 0, &cmd, close, 10, 0);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	mmc_rti(dev, n, 0, &cmd, 0x01, 2);			/* the next session's track */
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8), 32);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 16), 12088320 - 32);
	sim_cmd_release(&cmd);
	close[2] = 6;
	devtest_run(dev, n, 0, &cmd, close, 10, 0);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	mmc_rdi(dev, n, 0, &cmd);
	CU_ASSERT_EQUAL(cmd.data_in[2] & 0x03, 2);		/* finalized */
	sim_cmd_release(&cmd);
	mmc_rfc(dev, n, 0, &cmd);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 4), 12088320);	/* the user area stays */
	sim_cmd_release(&cmd);
	uint8_t rcap[10] = { 0x25 };
	devtest_run(dev, n, 0, &cmd, rcap, 10, 8);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), 31);
	sim_cmd_release(&cmd);

	/* libburn's default: 00h with its descriptor's size and parameter, sub-type 01b. */
	mmc_format(dev, n, 1, &cmd, 11826176, 0x00 << 2 | 1, 0x3000);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	CU_ASSERT_EQUAL(mmc_pow_current(dev, n, 1), 0);
	mmc_rdi(dev, n, 1, &cmd);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 20), 11826176);
	sim_cmd_release(&cmd);
	/* Blank still: formatting again takes the new spare (32h by its parameter). */
	mmc_format(dev, n, 1, &cmd, 0, 0x32 << 2 | 1, 0x5000);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	mmc_write10(dev, n, 1, &cmd, 11564032, 1, data, 2048);	/* in the spare area */
	MMC_SENSE(&cmd, out_of_range);
	sim_cmd_release(&cmd);

	/* Unformatted: written as before, over the full capacity. */
	mmc_write10(dev, n, 2, &cmd, 0, 32, data, sizeof(data));
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	mmc_rti(dev, n, 2, &cmd, 0x01, 1);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 16), BDR_BLOCKS - 32);
	sim_cmd_release(&cmd);
	mmc_rfc(dev, n, 2, &cmd);
	CU_ASSERT_EQUAL(cmd.data_in[3], 8);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 4), BDR_BLOCKS);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

/* growisofs -Z then -M on DVD-R and DVD-RW sequential, as dvd+rw-tools page05_setup
 * sends it: MODE SENSE page 05h (default FP 0), MODE SELECT with BUFE, LS_V, link
 * size 16, multi-session 11b, track mode 5, DBT 8 and, on DVD-R, FP 1 with packet size
 * 16; WRITE, SYNCHRONIZE CACHE, CLOSE track and session.  After a reload READ TRACK
 * INFORMATION of track 1 reports an incremental track, Packet/Inc 1 and FP 0 (MMC-6
 * §6.27), which -M requires on profiles 0011h and 0014h. */
static void test_dvdr_incremental_growisofs(void)
{
	static const char *media[] = { "dvd-r", "dvd-rw" };
	for (size_t i = 0; i < 2; i++) {
		char *image = mmc_image("inc.disclog");
		struct sim_dev *dev = mmc_new_dev_media(media[i], image);
		uint64_t n = mmc_nexus(dev);
		struct sim_cmd cmd;
		uint8_t page[52];
		mmc_page05(dev, n, 0, page);
		CU_ASSERT_EQUAL(page[2] & 0x2f, 0x20);		/* LS_V, incremental */
		CU_ASSERT_EQUAL(page[3] & 0x20, 0);		/* FP 0 */
		CU_ASSERT_EQUAL(page[5], 16);
		CU_ASSERT_EQUAL(wire_be32(page + 10), 0);
		page[2] = 0x40 | 0x20;
		page[3] = 0xc0 | 0x05;
		if (i == 0) {					/* DVD-R: FP 1, packet 16 */
			page[3] |= 0x20;
			wire_put_be32(page + 10, 16);
		}
		page[4] = 8;
		page[5] = 16;
		mmc_select05(dev, n, 0, &cmd, page);
		MMC_GOOD(&cmd);
		sim_cmd_release(&cmd);

		uint8_t *data = mmc_data(0, 32, 2048);
		mmc_write10(dev, n, 0, &cmd, 0, 32, data, 32 * 2048);
		MMC_GOOD(&cmd);
		sim_cmd_release(&cmd);
		free(data);
		uint8_t sync[10] = { 0x35 };
		uint8_t close_track[10] = { 0x5b, 0, 0x01, 0, 0, 1 };
		uint8_t close_session[10] = { 0x5b, 0, 0x02 };
		mmc_simple(dev, n, 0, &cmd, sync, 10);
		MMC_GOOD(&cmd);
		sim_cmd_release(&cmd);
		mmc_simple(dev, n, 0, &cmd, close_track, 10);
		MMC_GOOD(&cmd);
		sim_cmd_release(&cmd);
		mmc_simple(dev, n, 0, &cmd, close_session, 10);
		MMC_GOOD(&cmd);
		sim_cmd_release(&cmd);
		sim_dev_free(dev);

		dev = mmc_new_dev_media(media[i], image);	/* the tray reload */
		n = mmc_nexus(dev);
		mmc_rti(dev, n, 0, &cmd, 0x01, 1);
		MMC_GOOD(&cmd);
		CU_ASSERT_EQUAL(cmd.data_in[5] & 0x0f, 5);		/* track mode */
		CU_ASSERT_EQUAL(cmd.data_in[6], 0x20 | 0x01);		/* Packet/Inc, data mode 1 */
		CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 20), 0);	/* no fixed packet size */
		CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 24), 32);
		sim_cmd_release(&cmd);
		mmc_rti(dev, n, 0, &cmd, 0x01, 2);			/* the next session's track */
		MMC_GOOD(&cmd);
		CU_ASSERT_EQUAL(cmd.data_in[6] & 0x70, 0x40);		/* blank, no FP */
		CU_ASSERT(cmd.data_in[7] & 0x01);
		sim_cmd_release(&cmd);
		sim_dev_free(dev);
		unlink(image);
	}
}

/* READ CD formatted Q (sub-channel 010b) of one block into q[16]. */
static void mmc_read_q(struct sim_dev *dev, uint64_t n, int32_t lba, uint8_t q[16])
{
	struct sim_cmd cmd;
	mmc_read_cd(dev, n, 0, &cmd, 0, lba, 1, 0x00, 2);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 16);
	memset(q, 0xee, 16);
	if (cmd.data_in_len == 16)
		memcpy(q, cmd.data_in, 16);
	sim_cmd_release(&cmd);
}

/* Is q track tno, INDEX idx, relative time rel frames, at lba (all BCD, CRC good)? */
static bool mmc_q_is(const uint8_t q[16], uint8_t ctl, unsigned tno, unsigned idx, int32_t rel,
		     int32_t lba)
{
	uint8_t want[CDS_CHAN_SIZE];
	if (cds_q_position(want, ctl, tno, idx, rel, lba) < 0)
		return false;
	if (memcmp(q, want, CDS_CHAN_SIZE) != 0)
		fprintf(stderr, "LBA %d: Q %02x %02x %02x %02x:%02x:%02x, want %02x %02x %02x %02x:%02x:%02x\n",
			(int)lba, q[0], q[1], q[2], q[3], q[4], q[5],
			want[0], want[1], want[2], want[3], want[4], want[5]);
	return memcmp(q, want, CDS_CHAN_SIZE) == 0;
}

/* SAO audio from a cue sheet with INDEX 00 pregaps and an INDEX 02: the Q READ CD
 * returns is the one the drive generated from the cue sheet (ECMA-130 §22.3.3;
 * MMC-6 §6.33): INDEX 00 and the relative time counting down in the pregaps, INDEX
 * 01 from the track start, INDEX 02 from its point; READ SUB-CHANNEL reports the
 * position of the block last read. */
static void test_read_cd_sao_pregap_q(void)
{
	char *image = mmc_image("cdsaoq.disclog");
	struct sim_dev *dev = mmc_new_dev_media("cd-r", image);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;
	uint8_t q[16];

	static const uint8_t cue[7 * 8] = {
		0x01, 0x00, 0x00, 0x00, 0x00, 0, 0, 0,		/* lead-in */
		0x01, 0x01, 0x00, 0x00, 0x00, 0, 0, 0,		/* track 1 INDEX 00 at LBA -150 */
		0x01, 0x01, 0x01, 0x00, 0x00, 0, 2, 0,		/* INDEX 01 at LBA 0 */
		0x01, 0x01, 0x02, 0x00, 0x00, 0, 2, 5,		/* INDEX 02 at LBA 5 */
		0x01, 0x02, 0x00, 0x00, 0x00, 0, 2, 10,		/* track 2 INDEX 00 at LBA 10 */
		0x01, 0x02, 0x01, 0x00, 0x00, 0, 2, 20,		/* INDEX 01 at LBA 20 */
		0x01, 0xaa, 0x01, 0x00, 0x00, 0, 2, 30,		/* lead-out at LBA 30 */
	};
	mmc_sao_cue(dev, n, cue, sizeof(cue));
	enum { NB = 180 };
	uint8_t *data = mmc_data(0, NB, 2352);
	uint8_t w10[10] = { 0x2a };
	wire_put_be32(w10 + 2, (uint32_t)-150);
	wire_put_be16(w10 + 7, NB);
	devtest_run_out(dev, n, 0, &cmd, w10, 10, data, NB * 2352);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	uint8_t sync[10] = { 0x35 };
	mmc_simple(dev, n, 0, &cmd, sync, 10);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);

	mmc_read_q(dev, n, -150, q);
	CU_ASSERT(mmc_q_is(q, 0, 1, 0, 149, -150));
	mmc_read_q(dev, n, -1, q);
	CU_ASSERT(mmc_q_is(q, 0, 1, 0, 0, -1));
	mmc_read_q(dev, n, 0, q);
	CU_ASSERT(mmc_q_is(q, 0, 1, 1, 0, 0));
	mmc_read_q(dev, n, 5, q);
	CU_ASSERT(mmc_q_is(q, 0, 1, 2, 5, 5));
	mmc_read_q(dev, n, 9, q);
	CU_ASSERT(mmc_q_is(q, 0, 1, 2, 9, 9));
	mmc_read_q(dev, n, 10, q);			/* the pregap of track 2 */
	CU_ASSERT(mmc_q_is(q, 0, 2, 0, 9, 10));
	mmc_read_q(dev, n, 19, q);
	CU_ASSERT(mmc_q_is(q, 0, 2, 0, 0, 19));
	mmc_read_q(dev, n, 20, q);
	CU_ASSERT(mmc_q_is(q, 0, 2, 1, 0, 20));

	/* the pregap's samples come back as written; P is set in the pause (ECMA-130 §22.2) */
	mmc_read_cd(dev, n, 0, &cmd, 1, 12, 1, 0x10, 1);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 2448);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, data + (150 + 12) * 2352, 2352), 0);
	CU_ASSERT(cmd.data_in[2352] & 0x80);
	sim_cmd_release(&cmd);

	/* READ SUB-CHANNEL current position after that read: track 2 INDEX 00 */
	uint8_t rsc[10] = { 0x42, 0x02, 0x40, 0x01, 0, 0, 0, 0, 16, 0 };
	devtest_run(dev, n, 0, &cmd, rsc, 10, 16);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 16);
	static const uint8_t pos[16] = { 0, 0x15, 0, 12, 0x01, 0x10, 2, 0,
					 0, 0, 2, 12, 0, 0, 0, 7 };
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, pos, 16), 0);
	sim_cmd_release(&cmd);
	rsc[1] = 0;					/* LBA form */
	devtest_run(dev, n, 0, &cmd, rsc, 10, 16);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 16);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 8), 12);
	CU_ASSERT_EQUAL((int32_t)wire_be32(cmd.data_in + 12), -8);
	sim_cmd_release(&cmd);
	rsc[3] = 0x02;					/* MCN: not valid */
	rsc[8] = 24;
	devtest_run(dev, n, 0, &cmd, rsc, 10, 24);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 24);
	CU_ASSERT_EQUAL(cmd.data_in[3], 20);
	CU_ASSERT_EQUAL(cmd.data_in[4], 0x02);
	CU_ASSERT_EQUAL(cmd.data_in[8] & 0x80, 0);
	sim_cmd_release(&cmd);
	rsc[3] = 0x04;					/* reserved format */
	devtest_run(dev, n, 0, &cmd, rsc, 10, 24);
	MMC_SENSE(&cmd, mmc_invalid_field_cdb);
	sim_cmd_release(&cmd);

	free(data);
	sim_dev_free(dev);
	unlink(image);
}

/* TAO audio: the drive writes a 150-block pregap (INDEX 00) before each track and
 * the 2 run-out blocks of the track before it (doc/simdrive-recorder.md §5); READ CD
 * reads them as digital silence with that Q. */
static void test_read_cd_tao_pregap_q(void)
{
	char *image = mmc_image("cdtaoq.disclog");
	struct sim_dev *dev = mmc_new_dev_media("cd-r", image);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;
	uint8_t page[52], q[16];

	mmc_page05(dev, n, 0, page);
	page[3] = (uint8_t)(page[3] & 0xf0);		/* track mode 0: audio */
	page[4] = 0;					/* DBT 0: 2352 */
	mmc_select05(dev, n, 0, &cmd, page);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	uint8_t *data = mmc_data(0, 10, 2352);
	uint8_t sync[10] = { 0x35 };
	for (int t = 0; t < 2; t++) {
		uint32_t nwa = mmc_nwa(dev, n, 0);
		CU_ASSERT_EQUAL(nwa, t == 0 ? 0 : 10 + 2 + 150);
		mmc_write10(dev, n, 0, &cmd, nwa, 10, data, 10 * 2352);
		MMC_GOOD(&cmd);
		sim_cmd_release(&cmd);
		mmc_simple(dev, n, 0, &cmd, sync, 10);
		MMC_GOOD(&cmd);
		sim_cmd_release(&cmd);
	}

	mmc_read_q(dev, n, -150, q);			/* track 1's pregap */
	CU_ASSERT(mmc_q_is(q, 0, 1, 0, 149, -150));
	mmc_read_q(dev, n, 9, q);
	CU_ASSERT(mmc_q_is(q, 0, 1, 1, 9, 9));
	mmc_read_q(dev, n, 11, q);			/* run-out of track 1 */
	CU_ASSERT(mmc_q_is(q, 0, 1, 1, 11, 11));
	mmc_read_q(dev, n, 12, q);			/* track 2's pregap */
	CU_ASSERT(mmc_q_is(q, 0, 2, 0, 149, 12));
	mmc_read_q(dev, n, 161, q);
	CU_ASSERT(mmc_q_is(q, 0, 2, 0, 0, 161));
	mmc_read_q(dev, n, 162, q);
	CU_ASSERT(mmc_q_is(q, 0, 2, 1, 0, 162));

	static const uint8_t silence[2352];
	mmc_read_cd(dev, n, 0, &cmd, 1, 100, 1, 0x10, 0);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL_FATAL(cmd.data_in_len, 2352);
	CU_ASSERT_EQUAL(memcmp(cmd.data_in, silence, 2352), 0);
	sim_cmd_release(&cmd);
	mmc_read_cd(dev, n, 0, &cmd, 0, -151, 1, 0x10, 2);	/* before any pregap */
	MMC_SENSE(&cmd, mmc_lba_range);
	sim_cmd_release(&cmd);

	free(data);
	sim_dev_free(dev);
	unlink(image);
}

/* BD-R Pseudo-OverWrite (MMC-6 §4.5 POW) through the CDBs growisofs sends on an SRM+POW
 * disc (growisofs_mmc.cpp bd_r_format, bd_r_finalize, plusminus_r_C_parm and
 * poor_man_rewritable): -Z writes and closes the track only; -M takes the NWA of the
 * last track of READ DISC INFORMATION, writes there, reads the volume descriptors at
 * LBA 16 and rewrites them.  The WRITE at 16 is GOOD, READ(10) returns the new blocks,
 * and the NWA, the free blocks, the disc and READ CAPACITY are as the sequential
 * writes left them. */
static void test_bdr_pow(void)
{
	mmc_fixtures();
	char image[PATH_MAX + 32];
	snprintf(image, sizeof(image), "%s/pow.disclog", tmpdir);
	unlink(image);
	struct sim_dev *dev = mmc_new_dev_media("bd-r", image);
	uint64_t n = mmc_nexus(dev);
	struct sim_cmd cmd;
	static uint8_t data[64 * 2048];

	mmc_format(dev, n, 0, &cmd, 12088320, 0x32 << 2, 0);	/* SRM+POW */
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	CU_ASSERT_EQUAL(mmc_pow_current(dev, n, 0), 1);
	memset(data, 0x11, sizeof(data));
	mmc_write10(dev, n, 0, &cmd, 0, 64, data, sizeof(data));	/* -Z */
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	uint8_t close[10] = { 0x5b, 0, 1, 0, 0, 1 };		/* close track only */
	devtest_run(dev, n, 0, &cmd, close, 10, 0);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);

	mmc_rdi(dev, n, 0, &cmd);				/* -M */
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[2] & 0x0f, 0x05);		/* appendable, session incomplete */
	CU_ASSERT_EQUAL(cmd.data_in[6], 2);			/* last track in last session */
	sim_cmd_release(&cmd);
	mmc_rti(dev, n, 0, &cmd, 0x01, 2);
	CU_ASSERT(cmd.data_in[7] & 0x01);			/* NWA_V */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 12), 64);
	sim_cmd_release(&cmd);
	memset(data, 0x22, sizeof(data));
	mmc_write10(dev, n, 0, &cmd, 64, 32, data, 32 * 2048);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	uint8_t sync[10] = { 0x35 };
	mmc_simple(dev, n, 0, &cmd, sync, 10);
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 16, 0, 0, 16, 0 };
	devtest_run(dev, n, 0, &cmd, rd, 10, 16 * 2048);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[0], 0x11);
	sim_cmd_release(&cmd);
	memset(data, 0x33, sizeof(data));
	mmc_write10(dev, n, 0, &cmd, 16, 16, data, 16 * 2048);	/* the volume descriptors */
	MMC_GOOD(&cmd);
	sim_cmd_release(&cmd);
	devtest_run(dev, n, 0, &cmd, rd, 10, 16 * 2048);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[0], 0x33);
	CU_ASSERT_EQUAL(cmd.data_in[16 * 2048 - 1], 0x33);
	sim_cmd_release(&cmd);
	rd[5] = 15;						/* LBA 15 unchanged */
	devtest_run(dev, n, 0, &cmd, rd, 10, 16 * 2048);
	CU_ASSERT_EQUAL(cmd.data_in[0], 0x11);
	CU_ASSERT_EQUAL(cmd.data_in[2048], 0x33);
	sim_cmd_release(&cmd);

	mmc_rti(dev, n, 0, &cmd, 0x01, 2);			/* NWA and free blocks kept */
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 12), 96);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in + 16), 12088320 - 96);
	sim_cmd_release(&cmd);
	uint8_t rcap[10] = { 0x25 };
	devtest_run(dev, n, 0, &cmd, rcap, 10, 8);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), 95);
	sim_cmd_release(&cmd);
	mmc_write10(dev, n, 0, &cmd, 128, 16, data, 16 * 2048);	/* unrecorded, off the NWA */
	MMC_SENSE(&cmd, mmc_invalid_write_addr);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
	unlink(image);
}

static const struct unit_test mmc_tests[] = {
	{ "dvdr_burn", test_dvdr_burn },
	{ "cdr_raw_audio_write", test_cdr_raw_audio_write },
	{ "get_configuration", test_get_configuration },
	{ "opcodes_per_lun", test_opcodes_per_lun },
	{ "reload_image", test_reload_image },
	{ "read_cd_mode1", test_read_cd_mode1 },
	{ "read_cd_raw2352", test_read_cd_raw2352 },
	{ "read_cd_raw2448", test_read_cd_raw2448 },
	{ "read_cd_sao_pregap_q", test_read_cd_sao_pregap_q },
	{ "read_cd_tao_pregap_q", test_read_cd_tao_pregap_q },
	{ "read_raw_frames", test_read_raw_frames },
	{ "read_disc_structure", test_read_disc_structure },
	{ "performance_speeds", test_performance_speeds },
	{ "buffer_opc_mechanism", test_buffer_opc_mechanism },
	{ "format_reserve_blank", test_format_reserve_blank },
	{ "dvdr_dao_libburn", test_dvdr_dao_libburn },
	{ "bdr_format", test_bdr_format },
	{ "dvdr_incremental_growisofs", test_dvdr_incremental_growisofs },
	{ "bdr_pow", test_bdr_pow },
};

static int mmc_suite(void)
{
	return UNIT_ADD_SUITE("mmc", mmc_tests);
}

UNIT_SUITE(mmc_suite)
