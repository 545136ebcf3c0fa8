/* tests/unit/test_mmc.c - the MMC command layer of recorder LUNs (simdrive/mmc.c)
 * driven through sim_dev_execute() with hand-built CDBs, over the recordable disc
 * model (recorder.c). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "scsi.h"
#include "unit.h"
#include "wire.h"

#define DVDR_BLOCKS 2295104u	/* DVD+R default capacity (spec §2) */

/* Conditions the tests expect (spec §5.2). */
static const struct sim_sense mmc_invalid_write_addr = { 0x5, 0x21, 0x02 };
static const struct sim_sense mmc_invalid_field_cdb = { 0x5, 0x24, 0x00 };
static const struct sim_sense mmc_invalid_field_param = { 0x5, 0x26, 0x00 };
static const struct sim_sense mmc_invalid_opcode = { 0x5, 0x20, 0x00 };

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
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/simmmc.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
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

static void mmc_run(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
		    const uint8_t *cdb, size_t cdb_len, uint32_t edtl)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->nexus = n;
	cmd->lun = lun;
	memcpy(cmd->cdb, cdb, cdb_len);
	cmd->cdb_len = (uint8_t)cdb_len;
	cmd->edtl = edtl;
	cmd->dir_in = edtl > 0;
	sim_dev_execute(dev, cmd);
}

static void mmc_run_out(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
			const uint8_t *cdb, size_t cdb_len, const uint8_t *data, uint32_t len)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->nexus = n;
	cmd->lun = lun;
	memcpy(cmd->cdb, cdb, cdb_len);
	cmd->cdb_len = (uint8_t)cdb_len;
	cmd->edtl = len;
	cmd->dir_out = len > 0;
	cmd->data_out = data;
	cmd->data_out_len = len;
	sim_dev_execute(dev, cmd);
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
		mmc_run(dev, n, lun, &cmd, tur, 6, 0);	/* consumes 29/00 */
		sim_cmd_release(&cmd);
	}
	return n;
}

/* Commands, each answering into cmd (caller releases). */
static void mmc_rdi(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd)
{
	uint8_t cdb[10] = { 0x51, 0, 0, 0, 0, 0, 0, 0, 255, 0 };
	mmc_run(dev, n, lun, cmd, cdb, 10, 255);
}

static void mmc_rti(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
		    uint8_t type, uint32_t addr)
{
	uint8_t cdb[10] = { 0x52, type };
	wire_put_be32(cdb + 2, addr);
	wire_put_be16(cdb + 7, 48);
	mmc_run(dev, n, lun, cmd, cdb, 10, 48);
}

static void mmc_toc(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
		    uint8_t format)
{
	uint8_t cdb[10] = { 0x43, 0, format, 0, 0, 0, 0, 0x04, 0, 0 };
	mmc_run(dev, n, lun, cmd, cdb, 10, 1024);
}

static void mmc_write10(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
			uint32_t lba, uint16_t blocks, const uint8_t *data, uint32_t len)
{
	uint8_t cdb[10] = { 0x2a };
	wire_put_be32(cdb + 2, lba);
	wire_put_be16(cdb + 7, blocks);
	mmc_run_out(dev, n, lun, cmd, cdb, 10, data, len);
}

static void mmc_simple(struct sim_dev *dev, uint64_t n, uint16_t lun, struct sim_cmd *cmd,
		       const uint8_t *cdb, size_t len)
{
	mmc_run(dev, n, lun, cmd, cdb, len, 0);
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
	mmc_run(dev, n, 0, &cmd, rc10, 10, 8);
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
	mmc_run(dev, n, 0, &cmd, rd10, 10, 16 * 2048);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in_len, 16 * 2048);
	if (cmd.data_in_len == 16 * 2048)
		CU_ASSERT_EQUAL(memcmp(cmd.data_in, data, 16 * 2048), 0);
	sim_cmd_release(&cmd);

	mmc_run(dev, n, 0, &cmd, rc10, 10, 8);
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
	mmc_run(dev, n, lun, &cmd, cdb, 10, 255);
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
	mmc_run_out(dev, n, lun, cmd, cdb, 10, plist, sizeof(plist));
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

	mmc_run(dev, n, 0, &cmd, cdb, 10, 4096);
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
	/* Ascending feature codes. */
	uint16_t prev = 0;
	for (size_t pos = 8; pos + 4 <= cmd.data_in_len; pos += 4 + cmd.data_in[pos + 3]) {
		CU_ASSERT(pos == 8 || wire_be16(cmd.data_in + pos) > prev);
		prev = wire_be16(cmd.data_in + pos);
	}
	sim_cmd_release(&cmd);

	/* CD-R: current features only. */
	cdb[1] = 0x01;
	mmc_run(dev, n, 1, &cmd, cdb, 10, 4096);
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
	mmc_run(dev, n, 0, &cmd, cdb, 10, 4096);
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
	mmc_run(dev, n, 2, &cmd, rsoc, 12, 65535);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[1] & 0x07, 0x01);		/* not supported */
	sim_cmd_release(&cmd);
	mmc_run(dev, n, 0, &cmd, rsoc, 12, 65535);
	MMC_GOOD(&cmd);
	CU_ASSERT_EQUAL(cmd.data_in[1] & 0x07, 0x03);		/* supported, usage data */
	CU_ASSERT_EQUAL(wire_be16(cmd.data_in + 2), 10);
	CU_ASSERT_EQUAL(cmd.data_in[4], 0x2a);
	sim_cmd_release(&cmd);

	/* All commands: the recorder lists more than the reader. */
	uint8_t all[12] = { 0xa3, 0x0c, 0x00, 0, 0, 0, 0, 0, 0xff, 0xff };
	mmc_run(dev, n, 2, &cmd, all, 12, 65535);
	uint32_t rom = wire_be32(cmd.data_in);
	sim_cmd_release(&cmd);
	mmc_run(dev, n, 0, &cmd, all, 12, 65535);
	CU_ASSERT_EQUAL(wire_be32(cmd.data_in), rom + 11 * 8);
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
	mmc_run(dev, n, 0, &cmd, rd10, 10, 32 * 2048);
	MMC_GOOD(&cmd);
	if (cmd.data_in_len == 32 * 2048)
		CU_ASSERT_EQUAL(memcmp(cmd.data_in, data, 32 * 2048), 0);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
	free(data);
	unlink(image);
}

static const struct unit_test mmc_tests[] = {
	{ "dvdr_burn", test_dvdr_burn },
	{ "cdr_raw_audio_write", test_cdr_raw_audio_write },
	{ "get_configuration", test_get_configuration },
	{ "opcodes_per_lun", test_opcodes_per_lun },
	{ "reload_image", test_reload_image },
};

static int mmc_suite(void)
{
	return UNIT_ADD_SUITE("mmc", mmc_tests);
}

UNIT_SUITE(mmc_suite)
