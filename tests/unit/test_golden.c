/* tests/unit/test_golden.c - golden answers of simdrive's logical units: a fixed list of
 * CDBs replayed through sim_dev_execute() on every kind of disc the daemon serves, each
 * answer (status, SPDTL, sense, data-in bytes) compared byte for byte with
 * fixtures/golden/<lun>.golden.
 *
 * The read-only discs (an ISO file as dvd-rom and cd-rom, an empty reader, a reader with
 * its tray open, and read-only views of disclog images as dvd-rom, cd-rom and bd-rom)
 * must answer exactly as the files say; so must the recorder LUNs (a blank CD-R, an
 * appendable DVD+R, a formatted BD-RE), whose golden files change only with a fix that
 * the commit changing them names.
 *
 * GOLDEN_UPDATE=1 in the environment writes the files instead of comparing (run
 * tests/unit/test_golden once, review `git diff fixtures/golden`).  The files are found
 * in $FIXTURES/golden (make check sets FIXTURES), else in the source tree's fixtures/. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlexport.h"
#include "log.h"
#include "scsi.h"
#include "unit.h"
#include "devtest.h"
#include "wire.h"

#ifndef GOLDEN_SRCDIR
#define GOLDEN_SRCDIR "."
#endif

#define ISO_BLOCKS 1000u	/* the ISO every read-only disc is made of */

static char tmpdir[PATH_MAX];
static char iso_path[PATH_MAX + 32];
static char img_dvd[PATH_MAX + 32], img_cd[PATH_MAX + 32], img_bd[PATH_MAX + 32];
static char img_dvdr[PATH_MAX + 32], img_bdre[PATH_MAX + 32], img_cdr[PATH_MAX + 32];

/* Byte off of block lba: depends on both, so a misplaced read shows. */
static uint8_t pattern(uint32_t lba, uint32_t off)
{
	return (uint8_t)(lba * 29u + off * 5u + (lba >> 4) + 3u);
}

static void golden_cleanup(void)
{
	const char *files[] = { iso_path, img_dvd, img_cd, img_bd, img_dvdr, img_bdre, img_cdr };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	rmdir(tmpdir);
}

static void golden_import(const char *out, enum dlx_media media)
{
	struct dlx_import_opts o = { .media = media, .force = true };
	struct dlx_error e;
	if (dlx_import(iso_path, out, &o, &e) != 0) {
		fprintf(stderr, "dlx_import %s: %s\n", out, e.msg);
		abort();
	}
}

static void golden_fixtures(void)
{
	if (tmpdir[0])
		return;
	sim_log_level = SIM_LOG_ERROR;
	if (!unit_mkdtemp(tmpdir, sizeof(tmpdir), "simgold")) {
		perror("mkdtemp");
		abort();
	}
	snprintf(iso_path, sizeof(iso_path), "%s/disc.iso", tmpdir);
	snprintf(img_dvd, sizeof(img_dvd), "%s/dvd-rom.dl", tmpdir);
	snprintf(img_cd, sizeof(img_cd), "%s/cd-rom.dl", tmpdir);
	snprintf(img_bd, sizeof(img_bd), "%s/bd-rom.dl", tmpdir);
	snprintf(img_dvdr, sizeof(img_dvdr), "%s/dvd+r.dl", tmpdir);
	snprintf(img_bdre, sizeof(img_bdre), "%s/bd-re.dl", tmpdir);
	snprintf(img_cdr, sizeof(img_cdr), "%s/cd-r.dl", tmpdir);
	atexit(golden_cleanup);
	FILE *f = fopen(iso_path, "wb");
	if (!f)
		abort();
	uint8_t b[2048];
	for (uint32_t lba = 0; lba < ISO_BLOCKS; lba++) {
		for (uint32_t i = 0; i < sizeof(b); i++)
			b[i] = pattern(lba, i);
		fwrite(b, 1, sizeof(b), f);
	}
	fclose(f);
	golden_import(img_dvd, DLX_MEDIA_DVD_ROM);
	golden_import(img_cd, DLX_MEDIA_CD_ROM);
	golden_import(img_bd, DLX_MEDIA_BD_ROM);
}

/* The logical units, one golden file each. */
struct golden_lun {
	const char *name;		/* fixtures/golden/<name>.golden */
	struct sim_lun_cfg cfg;
	void (*setup)(struct sim_dev *dev, uint64_t nexus, uint16_t lun, FILE *out);
};

/* ---- one command, one record --------------------------------------------------- */

struct golden_cmd {
	uint8_t  cdb[16];
	uint8_t  len;
	uint32_t edtl;
	bool     out;			/* data-out: edtl bytes of data (data_out) */
	const uint8_t *data;
};

static void golden_hex(FILE *out, const char *tag, const uint8_t *p, size_t n)
{
	fprintf(out, "%s", tag);
	if (n == 0) {
		fprintf(out, " -\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i && i % 32 == 0)
			fprintf(out, "\n %*s", (int)strlen(tag) - 1, "");
		fprintf(out, " %02x", p[i]);
	}
	fprintf(out, "\n");
}

/* Execute one command and write its record: the CDB and EDTL, then what came back. */
static void golden_run(struct sim_dev *dev, uint64_t nexus, uint16_t lun,
		       const struct golden_cmd *g, FILE *out)
{
	struct sim_cmd cmd;
	if (g->out)
		devtest_run_out(dev, nexus, lun, &cmd, g->cdb, g->len, g->data, g->edtl);
	else
		devtest_run(dev, nexus, lun, &cmd, g->cdb, g->len, g->edtl);
	golden_hex(out, ">", g->cdb, g->len);
	fprintf(out, "  edtl %u %s\n", g->edtl, g->out ? "out" : g->edtl ? "in" : "none");
	fprintf(out, "  status %02x spdtl %u\n", cmd.status, cmd.spdtl);
	golden_hex(out, "  sense", cmd.sense, cmd.sense_len);
	golden_hex(out, "  data", cmd.data_in, cmd.data_in_len);
	/* The data-in never exceeds what the initiator takes, nor does the buffer that
	 * holds it (malloc rounds up by at most a chunk header). */
	CU_ASSERT(cmd.data_in_len <= g->edtl);
	if (cmd.data_in)
		CU_ASSERT(malloc_usable_size(cmd.data_in) <= (size_t)g->edtl + 48);
	sim_cmd_release(&cmd);
}

#define CDB(...) { __VA_ARGS__ }
#define G(edtl_, ...) { .cdb = CDB(__VA_ARGS__), .len = sizeof((uint8_t[]){ __VA_ARGS__ }), \
			.edtl = (edtl_) }

/* ---- the CDBs ---------------------------------------------------------------------- */

/* Every LUN gets these, in this order (the first TEST UNIT READY reports the power-on
 * unit attention). */
static const struct golden_cmd golden_cmds[] = {
	G(0, 0x00, 0, 0, 0, 0, 0),
	G(0, 0x00, 0, 0, 0, 0, 0),
	G(18, 0x03, 0, 0, 0, 18, 0),
	G(32, 0x03, 1, 0, 0, 32, 0),
	G(3, 0x03, 0, 0, 0, 3, 0),
	G(0, 0x03, 0, 0, 0, 0, 0),
	/* INQUIRY: standard data at several allocation lengths, VPD pages */
	G(96, 0x12, 0, 0, 0, 96, 0),
	G(36, 0x12, 0, 0, 0, 36, 0),
	G(255, 0x12, 0, 0, 0, 255, 0),
	G(5, 0x12, 0, 0, 0, 5, 0),
	G(1, 0x12, 0, 0, 0, 1, 0),
	G(0, 0x12, 0, 0, 0, 0, 0),
	G(3, 0x12, 0, 0, 0, 3, 0),
	G(20, 0x12, 0, 0, 0, 96, 0),		/* EDTL below the allocation length */
	G(255, 0x12, 1, 0x00, 0, 255, 0),
	G(255, 0x12, 1, 0x80, 0, 255, 0),
	G(255, 0x12, 1, 0x83, 0, 255, 0),
	G(7, 0x12, 1, 0x83, 0, 7, 0),
	G(255, 0x12, 1, 0xb0, 0, 255, 0),	/* no such VPD page */
	G(255, 0x12, 0, 0x80, 0, 255, 0),	/* page code without EVPD */
	G(255, 0x12, 2, 0, 0, 255, 0),		/* reserved bit */
	/* READ CAPACITY */
	G(8, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0),
	G(8, 0x25, 0, 0, 0, 0, 5, 0, 0, 0, 0),	/* PMI 0 with an LBA */
	G(8, 0x25, 0, 0, 0, 0, 5, 0, 0, 1, 0),
	G(4, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0),
	G(0, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0),
	/* READ(10) */
	G(2048, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0),
	G(4096, 0x28, 0, 0, 0, 0, 1, 0, 0, 2, 0),
	G(2048, 0x28, 0, 0, 0, 0x03, 0xe7, 0, 0, 1, 0),	/* block 999, the ISO's last */
	G(2048, 0x28, 0, 0, 0, 0x03, 0xe8, 0, 0, 1, 0),	/* block 1000, past it */
	G(4096, 0x28, 0, 0, 0, 0x03, 0xe7, 0, 0, 2, 0),	/* running past the end */
	G(2048, 0x28, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 1, 0),
	G(0, 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0),		/* zero blocks */
	G(0, 0x28, 0, 0, 0, 0x03, 0xe8, 0, 0, 0, 0),	/* zero blocks past the end */
	G(1000, 0x28, 0, 0, 0, 0, 3, 0, 0, 1, 0),	/* EDTL below one block */
	G(8192, 0x28, 0, 0, 0, 0, 4, 0, 0, 1, 0),	/* EDTL above the transfer */
	G(0, 0x28, 0, 0, 0, 0, 5, 0, 0, 1, 0),		/* no R bit */
	G(2048, 0x28, 0x18, 0, 0, 0, 6, 0, 0, 1, 0),	/* DPO FUA */
	G(2048, 0x28, 0x01, 0, 0, 0, 6, 0, 0, 1, 0),	/* reserved bit */
	G(2048, 0x28, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0),	/* 65535 blocks, EDTL one block */
	/* READ(12) */
	G(2048, 0xa8, 0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0),
	G(6144, 0xa8, 0, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0),
	G(2048, 0xa8, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0),	/* 262144 blocks, EDTL one block */
	G(2048, 0xa8, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0),	/* too many to count */
	G(2048, 0xa8, 0, 0, 0, 0x03, 0xe8, 0, 0, 0, 1, 0, 0),
	G(2048, 0xa8, 0, 0, 0, 0, 9, 0, 0, 0, 1, 0x80, 0),	/* streaming */
	/* READ CD: sector types, header codes, sub-channels */
	G(2048, 0xbe, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0, 0),
	G(4704, 0xbe, 0, 0, 0, 0, 1, 0, 0, 2, 0xf8, 0, 0),
	G(2352, 0xbe, 0x08, 0, 0, 0, 2, 0, 0, 1, 0xf8, 0, 0),	/* expected mode 1 */
	G(2352, 0xbe, 0x04, 0, 0, 0, 2, 0, 0, 1, 0xf8, 0, 0),	/* expected CD-DA */
	G(2352, 0xbe, 0x10, 0, 0, 0, 2, 0, 0, 1, 0xf8, 0, 0),	/* expected form 1 */
	G(4, 0xbe, 0, 0, 0, 0, 3, 0, 0, 1, 0x20, 0, 0),	/* header only */
	G(8, 0xbe, 0, 0, 0, 0, 3, 0, 0, 1, 0x40, 0, 0),	/* sub-header only */
	G(2064, 0xbe, 0, 0, 0, 0, 3, 0, 0, 1, 0x30, 0, 0),	/* header + user data */
	G(2448, 0xbe, 0, 0, 0, 0, 4, 0, 0, 1, 0xf8, 1, 0),	/* raw P-W */
	G(2368, 0xbe, 0, 0, 0, 0, 4, 0, 0, 1, 0xf8, 2, 0),	/* Q */
	G(2448, 0xbe, 0, 0, 0, 0, 4, 0, 0, 1, 0xf8, 4, 0),	/* R-W */
	G(96, 0xbe, 0, 0, 0, 0, 4, 0, 0, 1, 0x00, 1, 0),	/* sub-channel only */
	G(2448, 0xbe, 0, 0, 0, 0, 4, 0, 0, 1, 0xf8, 3, 0),	/* reserved sub-channel */
	G(2352, 0xbe, 0, 0, 0, 0, 4, 0, 0, 1, 0xfe, 0, 0),	/* C2 */
	G(2352, 0xbe, 0, 0, 0, 0, 4, 0, 0, 1, 0x90, 0, 0),	/* sync without header */
	G(2352, 0xbe, 0, 0, 0, 0, 4, 0, 0, 1, 0x28, 0, 0),	/* header and EDC, no data */
	G(2352, 0xbe, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 1, 0xf8, 0, 0),	/* pregap */
	G(2352, 0xbe, 0, 0, 0, 0x03, 0xe8, 0, 0, 1, 0xf8, 0, 0),	/* past the end */
	G(0, 0xbe, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0),	/* zero blocks */
	G(2048, 0xbe, 0, 0, 0, 0, 0, 0, 0x10, 0, 0x10, 0, 0),	/* 4096 blocks, EDTL one */
	G(2048, 0xbe, 0x1c, 0, 0, 0, 0, 0, 0, 1, 0x10, 0, 0),	/* sector type 7 */
	/* READ TOC/PMA/ATIP: formats 0-5, MSF, track numbers, allocation lengths */
	G(1024, 0x43, 0, 0, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x43, 2, 0, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x43, 0, 0, 0, 0, 0, 1, 0x04, 0, 0),
	G(1024, 0x43, 2, 0, 0, 0, 0, 2, 0x04, 0, 0),
	G(1024, 0x43, 0, 0, 0, 0, 0, 0xaa, 0x04, 0, 0),
	G(1024, 0x43, 2, 0, 0, 0, 0, 0xaa, 0x04, 0, 0),
	G(1024, 0x43, 0, 0, 0, 0, 0, 0xab, 0x04, 0, 0),
	G(4, 0x43, 0, 0, 0, 0, 0, 0, 0, 4, 0),
	G(3, 0x43, 0, 0, 0, 0, 0, 0, 0, 3, 0),
	G(1, 0x43, 0, 0, 0, 0, 0, 0, 0, 1, 0),
	G(0, 0x43, 0, 0, 0, 0, 0, 0, 0, 0, 0),
	G(13, 0x43, 0, 0, 0, 0, 0, 0, 0, 13, 0),
	G(1024, 0x43, 0, 1, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x43, 2, 1, 0, 0, 0, 0, 0x04, 0, 0),
	G(7, 0x43, 0, 1, 0, 0, 0, 0, 0, 7, 0),
	G(1024, 0x43, 0, 2, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x43, 2, 2, 0, 0, 0, 1, 0x04, 0, 0),
	G(1024, 0x43, 0, 3, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x43, 0, 4, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x43, 2, 4, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x43, 0, 5, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x43, 0, 0, 0, 0, 0, 0, 0x04, 0, 0x40),	/* SFF-8020 format 1 */
	G(1024, 0x43, 0, 0, 0, 0, 0, 0, 0x04, 0, 0x80),	/* SFF-8020 format 2 */
	G(1024, 0x43, 0x01, 0, 0, 0, 0, 0, 0x04, 0, 0),	/* reserved bit */
	/* READ DISC INFORMATION, READ TRACK INFORMATION */
	G(34, 0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0),
	G(255, 0x51, 0, 0, 0, 0, 0, 0, 0, 255, 0),
	G(2, 0x51, 0, 0, 0, 0, 0, 0, 0, 2, 0),
	G(0, 0x51, 0, 0, 0, 0, 0, 0, 0, 0, 0),
	G(34, 0x51, 1, 0, 0, 0, 0, 0, 0, 34, 0),
	G(48, 0x52, 1, 0, 0, 0, 1, 0, 0, 48, 0),
	G(48, 0x52, 1, 0, 0, 0, 2, 0, 0, 48, 0),
	G(48, 0x52, 1, 0, 0, 0, 0xff, 0, 0, 48, 0),
	G(48, 0x52, 0, 0, 0, 0, 0, 0, 0, 48, 0),
	G(48, 0x52, 0, 0, 0, 0x03, 0xe7, 0, 0, 48, 0),
	G(48, 0x52, 0, 0, 0, 0x03, 0xe8, 0, 0, 48, 0),
	G(48, 0x52, 2, 0, 0, 0, 1, 0, 0, 48, 0),
	G(48, 0x52, 2, 0, 0, 0, 2, 0, 0, 48, 0),
	G(48, 0x52, 5, 0, 0, 0, 1, 0, 0, 48, 0),	/* Open */
	G(48, 0x52, 3, 0, 0, 0, 1, 0, 0, 48, 0),	/* type 3 */
	G(5, 0x52, 1, 0, 0, 0, 1, 0, 0, 5, 0),
	/* GET CONFIGURATION: RT 0/1/2, starting features, allocation lengths */
	G(65535, 0x46, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 1, 0, 0, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 2, 0, 0, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 2, 0, 1, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 2, 0, 0x10, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 2, 0, 0x1e, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 2, 0, 0x1f, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 2, 0, 0x20, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 2, 0, 0x2b, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 2, 0, 0x40, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 2, 1, 0x07, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 0, 0, 0x1f, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 1, 0, 0x1f, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 0, 1, 0x00, 0, 0, 0, 0xff, 0xff, 0),
	G(65535, 0x46, 0, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0),
	G(8, 0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0),
	G(3, 0x46, 0, 0, 0, 0, 0, 0, 0, 3, 0),
	G(0, 0x46, 0, 0, 0, 0, 0, 0, 0, 0, 0),
	G(21, 0x46, 0, 0, 0, 0, 0, 0, 0, 21, 0),
	G(65535, 0x46, 3, 0, 0, 0, 0, 0, 0xff, 0xff, 0),	/* RT 3 */
	/* MODE SENSE(10)/(6): pages, page controls, subpages, allocation lengths */
	G(1024, 0x5a, 0, 0x3f, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x5a, 0, 0x7f, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x5a, 0, 0xbf, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x5a, 0, 0xff, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x5a, 0, 0x01, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x5a, 0, 0x05, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x5a, 0, 0x45, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x5a, 0, 0x0a, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x5a, 0, 0x1a, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x5a, 0, 0x2a, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x5a, 0, 0x6a, 0, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x5a, 0, 0x0e, 0, 0, 0, 0, 0x04, 0, 0),	/* no such page */
	G(1024, 0x5a, 0, 0x2a, 0xff, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x5a, 0, 0x2a, 0x01, 0, 0, 0, 0x04, 0, 0),
	G(1024, 0x5a, 0x08, 0x2a, 0, 0, 0, 0, 0x04, 0, 0),	/* DBD */
	G(8, 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 8, 0),
	G(1, 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 1, 0),
	G(255, 0x1a, 0, 0x3f, 0, 255, 0),
	G(255, 0x1a, 0, 0x2a, 0, 255, 0),
	G(3, 0x1a, 0, 0x2a, 0, 3, 0),
	/* GET EVENT STATUS NOTIFICATION */
	G(8, 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0),
	G(8, 0x4a, 1, 0, 0, 0x02, 0, 0, 0, 8, 0),
	G(4, 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 4, 0),
	G(0, 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 0, 0),
	G(8, 0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8, 0),	/* asynchronous */
	/* REPORT SUPPORTED OPERATION CODES, REPORT LUNS */
	G(4096, 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0),
	G(4096, 0xa3, 0x0c, 0x80, 0, 0, 0, 0, 0, 0x10, 0, 0, 0),
	G(64, 0xa3, 0x0c, 1, 0x28, 0, 0, 0, 0, 0, 64, 0, 0),
	G(64, 0xa3, 0x0c, 0x81, 0xbe, 0, 0, 0, 0, 0, 64, 0, 0),
	G(64, 0xa3, 0x0c, 1, 0x51, 0, 0, 0, 0, 0, 64, 0, 0),
	G(64, 0xa3, 0x0c, 1, 0xa3, 0, 0, 0, 0, 0, 64, 0, 0),
	G(64, 0xa3, 0x0c, 2, 0xa3, 0, 0x0c, 0, 0, 0, 64, 0, 0),
	G(64, 0xa3, 0x0c, 3, 0x43, 0, 0, 0, 0, 0, 64, 0, 0),
	G(64, 0xa3, 0x0c, 4, 0x43, 0, 0, 0, 0, 0, 64, 0, 0),
	G(4, 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0),
	G(64, 0xa3, 0x05, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0),	/* unknown service action */
	G(256, 0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0),
	G(16, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0),
	G(8, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0),
	G(256, 0xa0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0),
	/* recorder commands, unsupported on the read-only drive */
	G(4096, 0xad, 0, 0, 0, 0, 0, 0, 0x00, 0x10, 0x04, 0, 0),
	G(4096, 0xad, 0, 0, 0, 0, 0, 0, 0x01, 0x10, 0x04, 0, 0),
	G(4096, 0xad, 0, 0, 0, 0, 0, 0, 0xff, 0x10, 0x04, 0, 0),
	G(4096, 0xad, 1, 0, 0, 0, 0, 0, 0x00, 0x10, 0x04, 0, 0),
	G(4096, 0xad, 1, 0, 0, 0, 0, 0, 0xff, 0x10, 0x04, 0, 0),
	G(252, 0x23, 0, 0, 0, 0, 0, 0, 0, 252, 0),
	G(8, 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0),
	G(1024, 0xac, 0, 0, 0, 0, 0, 0, 0, 0, 10, 3, 0),
	G(1024, 0xac, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0),
	G(24, 0x42, 0x02, 0x40, 1, 0, 0, 0, 0, 24, 0),
	G(24, 0x42, 0x00, 0x40, 2, 0, 0, 0, 0, 24, 0),
	G(0, 0xbb, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0),
	/* opcodes nobody supports, a NACA control byte */
	G(0, 0x02, 0, 0, 0, 0, 0),
	G(64, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
	G(0, 0x00, 0, 0, 0, 0, 0x04),
	G(2048, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0x04),
	/* PREVENT shows in page 2Ah's lock state, ALLOW clears it */
	G(0, 0x1e, 0, 0, 0, 1, 0),
	G(1024, 0x5a, 0, 0x2a, 0, 0, 0, 0, 0x04, 0, 0),
	G(0, 0x1e, 0, 0, 0, 0, 0),
	G(0, 0x00, 0, 0, 0, 0, 0),
};

#define NGOLDEN (sizeof(golden_cmds) / sizeof(golden_cmds[0]))

/* ---- recorder states --------------------------------------------------------------- */

static void golden_write(struct sim_dev *dev, uint64_t nexus, uint16_t lun, uint32_t lba,
			 uint16_t n, FILE *out)
{
	uint8_t *data = malloc((size_t)n * 2048);
	for (uint32_t b = 0; b < n; b++)
		for (uint32_t i = 0; i < 2048; i++)
			data[(size_t)b * 2048 + i] = pattern(lba + b, i);
	struct golden_cmd w = { .cdb = { 0x2a }, .len = 10, .edtl = (uint32_t)n * 2048,
				.out = true, .data = data };
	wire_put_be32(w.cdb + 2, lba);
	wire_put_be16(w.cdb + 7, n);
	golden_run(dev, nexus, lun, &w, out);
	free(data);
}

/* DVD+R: a 48-block track, closed; the session closed, the disc left appendable. */
static void setup_dvdr(struct sim_dev *dev, uint64_t nexus, uint16_t lun, FILE *out)
{
	static const struct golden_cmd cmds[] = {
		G(0, 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0),
		G(0, 0x5b, 0, 1, 0, 0, 1, 0, 0, 0, 0),
		G(0, 0x5b, 0, 2, 0, 0, 0, 0, 0, 0, 0),
	};
	golden_write(dev, nexus, lun, 0, 32, out);
	golden_write(dev, nexus, lun, 32, 16, out);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		golden_run(dev, nexus, lun, &cmds[i], out);
}

/* BD-RE: FORMAT UNIT (type 00h, the whole disc), then blocks written at 0 and 500. */
static void setup_bdre(struct sim_dev *dev, uint64_t nexus, uint16_t lun, FILE *out)
{
	static const uint8_t fmt[12] = { 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 };
	struct golden_cmd f = { .cdb = { 0x04, 0x11 }, .len = 6, .edtl = sizeof(fmt), .out = true,
				.data = fmt };
	static const struct golden_cmd sync = G(0, 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	golden_run(dev, nexus, lun, &f, out);
	golden_write(dev, nexus, lun, 0, 32, out);
	golden_write(dev, nexus, lun, 500, 4, out);
	golden_run(dev, nexus, lun, &sync, out);
}

/* ---- the LUNs ---------------------------------------------------------------------- */

static struct golden_lun golden_luns[] = {
	{ "dvd-rom-iso",    { .lun = 0, .media = "dvd-rom" } , NULL },
	{ "cd-rom-iso",     { .lun = 1, .media = "cd-rom" } , NULL },
	{ "empty-reader",   { .lun = 2, .media = "none" } , NULL },
	{ "tray-open-reader", { .lun = 3, .media = "dvd-rom", .tray_open = true } , NULL },
	{ "dvd-rom-image",  { .lun = 4, .media = "dvd-rom" } , NULL },
	{ "cd-rom-image",   { .lun = 5, .media = "cd-rom" } , NULL },
	{ "bd-rom-image",   { .lun = 6, .media = "bd-rom" } , NULL },
	{ "blank-cd-r",     { .lun = 7, .media = "cd-r" } , NULL },
	{ "appendable-dvd+r", { .lun = 8, .media = "dvd+r" }, setup_dvdr },
	{ "formatted-bd-re",  { .lun = 9, .media = "bd-re" }, setup_bdre },
};

#define NLUNS (sizeof(golden_luns) / sizeof(golden_luns[0]))

static struct sim_dev *golden_dev(void)
{
	golden_fixtures();
	static struct sim_lun_cfg cfgs[NLUNS];
	for (size_t i = 0; i < NLUNS; i++)
		cfgs[i] = golden_luns[i].cfg;
	cfgs[0].file = cfgs[1].file = cfgs[3].file = iso_path;
	cfgs[4].image = img_dvd;
	cfgs[5].image = img_cd;
	cfgs[6].image = img_bd;
	cfgs[7].image = img_cdr;
	cfgs[8].image = img_dvdr;
	cfgs[9].image = img_bdre;
	unlink(img_cdr);
	unlink(img_dvdr);
	unlink(img_bdre);
	struct sim_dev_cfg cfg = {
		.vendor = "BURNLAB", .product = "SIMDRIVE", .revision = "0.1", .serial = "GOLD",
		.target_name = "iqn.2026-01.org.burnlab:golden", .luns = cfgs, .nluns = NLUNS,
	};
	char err[256];
	struct sim_dev *dev = sim_dev_new(&cfg, err, sizeof(err));
	if (!dev)
		fprintf(stderr, "sim_dev_new: %s\n", err);
	return dev;
}

static char *golden_path(const char *name)
{
	const char *fx = getenv("FIXTURES");
	char *p = NULL;
	if (asprintf(&p, "%s/golden/%s.golden", fx && *fx ? fx : GOLDEN_SRCDIR "/fixtures",
		     name) < 0)
		abort();
	return p;
}

static char *golden_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	size_t k;
	while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	*len = n;
	return buf;
}

/* The record (from its "> " line) around offset off of text. */
static void golden_show(const char *what, const char *text, size_t len, size_t off)
{
	size_t a = off;
	while (a > 0 && !(text[a] == '>' && text[a - 1] == '\n'))
		a--;
	size_t b = off + 1;
	while (b < len && !(text[b] == '>' && text[b - 1] == '\n'))
		b++;
	fprintf(stderr, "  %s:\n%.*s", what, (int)(b - a), text + a);
}

static void test_golden_answers(void)
{
	struct sim_dev *dev = golden_dev();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	uint64_t nexus = sim_dev_nexus_open(dev);
	bool update = getenv("GOLDEN_UPDATE") && *getenv("GOLDEN_UPDATE");

	for (size_t l = 0; l < NLUNS; l++) {
		const struct golden_lun *gl = &golden_luns[l];
		char *text = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&text, &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(out);
		fprintf(out, "# %s: lun %u, media %s%s - the answers of tests/unit/test_golden.c\n",
			gl->name, gl->cfg.lun, gl->cfg.media,
			gl->cfg.tray_open ? ", tray open" : "");
		for (size_t i = 0; i < NGOLDEN; i++) {
			/* the recorder's disc is brought to its state once the unit attention
			 * has been reported */
			if (i == 2 && gl->setup)
				gl->setup(dev, nexus, gl->cfg.lun, out);
			golden_run(dev, nexus, gl->cfg.lun, &golden_cmds[i], out);
		}
		fclose(out);

		char *path = golden_path(gl->name);
		if (update) {
			FILE *f = fopen(path, "wb");
			CU_ASSERT_PTR_NOT_NULL_FATAL(f);
			fwrite(text, 1, len, f);
			fclose(f);
		} else {
			size_t glen = 0;
			char *want = golden_slurp(path, &glen);
			if (!want)
				fprintf(stderr, "%s: %s\n", path, strerror(errno));
			CU_ASSERT_PTR_NOT_NULL(want);
			if (want) {
				size_t i = 0;
				while (i < len && i < glen && text[i] == want[i])
					i++;
				if (i != len || i != glen) {
					fprintf(stderr, "%s: the answer differs at byte %zu\n", path, i);
					golden_show("golden", want, glen, i < glen ? i : glen - 1);
					golden_show("now", text, len, i < len ? i : len - 1);
				}
				CU_ASSERT(i == len && i == glen);
				free(want);
			}
		}
		free(path);
		free(text);
	}
	sim_dev_free(dev);
}

/* What one command allocates for its data-in is bounded by the EDTL (doc/simdrive-scsi.md,
 * "Transfer lengths"): a READ(12) of 262144 blocks (512 MiB) on a formatted BD-RE with an
 * EDTL of 2048 gets one block in a buffer of about that size, and the process's heap does
 * not grow by the transfer length; above SIM_DATA_IN_CAP (16 MiB) the READ is refused. */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static void test_edtl_bounds(void)
{
	struct sim_dev *dev = golden_dev();
	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	uint64_t nexus = sim_dev_nexus_open(dev);
	FILE *sink = fopen("/dev/null", "w");
	static const struct golden_cmd tur = G(0, 0x00, 0, 0, 0, 0, 0);
	for (int i = 0; i < 2; i++)
		golden_run(dev, nexus, 9, &tur, sink);
	setup_bdre(dev, nexus, 9, sink);
	fclose(sink);

	struct sim_cmd cmd;
	static const uint8_t big[12] = { 0xa8, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0 };
	size_t before = heap_in_use();
	devtest_run(dev, nexus, 9, &cmd, big, sizeof(big), 2048);
	size_t after = heap_in_use();
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	CU_ASSERT_EQUAL(cmd.spdtl, 262144u * 2048u);
	CU_ASSERT_EQUAL(cmd.data_in_len, 2048);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cmd.data_in);
	CU_ASSERT(malloc_usable_size(cmd.data_in) <= 2048 + 48);
	CU_ASSERT(after < before + (1u << 20));
	CU_ASSERT_EQUAL(cmd.data_in[0], pattern(0, 0));
	sim_cmd_release(&cmd);

	/* EDTL 16 MiB + 2048 in range: more than one command may hold. */
	static const uint8_t over[12] = { 0xa8, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x01, 0, 0 };
	devtest_run(dev, nexus, 9, &cmd, over, sizeof(over), (16u << 20) + 2048);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_CHECK_CONDITION);
	CU_ASSERT(cmd.sense_len >= 18 && cmd.sense[12] == 0x24 && cmd.sense[17] == 6);
	CU_ASSERT_EQUAL(cmd.data_in_len, 0);
	sim_cmd_release(&cmd);

	/* Exactly 16 MiB is answered. */
	static const uint8_t cap[12] = { 0xa8, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x00, 0, 0 };
	devtest_run(dev, nexus, 9, &cmd, cap, sizeof(cap), 16u << 20);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	CU_ASSERT_EQUAL(cmd.data_in_len, 16u << 20);
	sim_cmd_release(&cmd);

	/* READ CD of 4096 blocks of the CD-ROM view with an EDTL of one sector: one sector
	 * sent, SPDTL all of them. */
	static const struct golden_cmd t = G(0, 0x00, 0, 0, 0, 0, 0);
	devtest_run(dev, nexus, 5, &cmd, t.cdb, t.len, 0);	/* the unit attention */
	sim_cmd_release(&cmd);
	static const uint8_t rcd[12] = { 0xbe, 0, 0, 0, 0, 0, 0, 0x03, 0xe8, 0xf8, 0, 0 };
	devtest_run(dev, nexus, 5, &cmd, rcd, sizeof(rcd), 2352);
	CU_ASSERT_EQUAL(cmd.status, SIM_STATUS_GOOD);
	CU_ASSERT_EQUAL(cmd.spdtl, 1000u * 2352u);
	CU_ASSERT_EQUAL(cmd.data_in_len, 2352);
	CU_ASSERT(cmd.data_in && malloc_usable_size(cmd.data_in) <= 2352 + 48);
	sim_cmd_release(&cmd);
	sim_dev_free(dev);
}

static int golden_suite(void)
{
	static const struct unit_test tests[] = {
		{ "answers", test_golden_answers },
		{ "edtl_bounds", test_edtl_bounds },
	};
	return UNIT_ADD_SUITE("golden", tests);
}

UNIT_SUITE(golden_suite)
