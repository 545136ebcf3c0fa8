/* tests/fuzz/fuzz_cdb.c - SCSI CDBs with parameter lists against every medium type,
 * through the device model's one entry point (simdrive/scsi/scsi.h sim_dev_execute).
 *
 * Input (structure-aware; every byte past the end reads as 0):
 *   byte 0  medium: index into media[] below (mod its size)
 *   byte 1  flags: bit 0 record into a disclog image (recordable media: a fresh file in
 *           a temp dir, so STATE/DATA/SYNC records are written and a "reload" step
 *           re-opens it); bit 1 start with the tray open; bits 2-3 capacity
 *           (default, 2000, 20000, 300000 blocks; at most 20000 with an image)
 *   then commands, at most MAX_CMDS, until the input ends:
 *     sel      sel % (NOPS + NSPECIAL): an opcode the device supports (ops[]), or one of
 *              the specials: a raw opcode (next bytes: opcode, CDB length), LUN reset,
 *              tray open/close, a new I_T nexus, target reset, reload the device from
 *              its image (the drive restarting on the same disc)
 *     cdb[1..len-1]  the CDB after the opcode (len from the opcode's group)
 *     xfer     bits 0-1 direction (0 the opcode's own, 1 in, 2 out, 3 none); bits 2-3
 *              unit (1, 2048, 2352, 2448 bytes); bit 4 address LUN 1 (not configured)
 *     len      u16 little-endian: EDTL in units (at most 256 KiB; data-out 1 MiB per input)
 *     data-out only: n, then n literal bytes starting the parameter list / data;
 *              the rest of the EDTL repeats them (zeros without any)
 * The device runs with the virtual clock (time_scale 0) and no wake-up, so nothing is
 * pending and every command completes in sim_dev_execute.
 */
/* fuzz-covers: simdrive/scsi/device.c simdrive/scsi/spc.c simdrive/scsi/mmc.c simdrive/scsi/lun.c simdrive/scsi/cmd.c simdrive/scsi/sense.c simdrive/drive/recorder.c simdrive/drive/drivetime.c simdrive/drive/backing.c */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disclog.h"
#include "dlexport.h"
#include "fuzz-simlog.h"
#include "fuzz.h"
#include "log.h"
#include "scsi.h"

#define MAX_CMDS      64
#define MAX_XFER      (256u << 10)	/* per command */
#define MAX_OUT_TOTAL (1u << 20)	/* data-out per input */

static const uint8_t ops[] = {
	0x00, 0x01, 0x03, 0x04, 0x12, 0x15, 0x1a, 0x1b, 0x1e, 0x23, 0x25, 0x28, 0x2a,
	0x35, 0x42, 0x43, 0x46, 0x4a, 0x51, 0x52, 0x53, 0x54, 0x55, 0x5a, 0x5b, 0x5c,
	0x5d, 0xa0, 0xa1, 0xa3, 0xa8, 0xaa, 0xac, 0xad, 0xb6, 0xbb, 0xbd, 0xbe,
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))
enum { SP_RAW, SP_LUN_RESET, SP_TRAY_OPEN, SP_TRAY_CLOSE, SP_NEXUS, SP_TARGET_RESET,
       SP_RELOAD, NSPECIAL };

/* Opcodes whose parameter list or data goes out. */
static bool op_is_out(uint8_t op)
{
	switch (op) {
	case 0x04: case 0x15: case 0x55: case 0x2a: case 0xaa: case 0x5d: case 0x54:
	case 0xb6:
		return true;
	default:
		return false;
	}
}

static uint8_t op_cdb_len(uint8_t op)
{
	switch (op >> 5) {
	case 0: return 6;
	case 1: case 2: return 10;
	case 4: return 16;
	case 5: return 12;
	default: return 10;
	}
}

struct medium { const char *media; int kind; };	/* kind 0 recordable, 1 ISO file, 2 image */
static const struct medium media[] = {
	{ "cd-r", 0 }, { "cd-r80", 0 }, { "cd-rw", 0 }, { "dvd-r", 0 }, { "dvd-rw", 0 },
	{ "dvd+r", 0 }, { "dvd+r-dl", 0 }, { "dvd+rw", 0 }, { "bd-r", 0 }, { "bd-re", 0 },
	{ "cd-rom", 1 }, { "dvd-rom", 1 }, { "cd-rom", 2 }, { "dvd-rom", 2 }, { "bd-rom", 2 },
	{ "none", 3 },
};
#define NMEDIA (sizeof(media) / sizeof(media[0]))
static const uint32_t capacities[4] = { 0, 2000, 20000, 300000 };
#define IMAGE_CAPACITY_MAX 20000	/* blocks, when recording into an image */

static char iso_path[96], rom_img[3][96], rec_img[96];

/* Once per process: a small ISO (16 blocks, a volume descriptor at 16 would need more;
 * the drive does not look inside) and its imports as CD-ROM, DVD-ROM and BD-ROM images
 * for the read-only views of a recorder LUN. */
static void setup(void)
{
	if (iso_path[0])
		return;
	fuzz_simlog_to_null();
	const char *tmpdir = fuzz_tmp_dir();
	snprintf(iso_path, sizeof(iso_path), "%s/rom.iso", tmpdir);
	snprintf(rec_img, sizeof(rec_img), "%s/rec.dl", tmpdir);
	FILE *f = fopen(iso_path, "wb");
	if (!f)
		abort();
	uint8_t blk[2048];
	for (int i = 0; i < 32; i++) {
		memset(blk, i, sizeof(blk));
		fwrite(blk, 1, sizeof(blk), f);
	}
	fclose(f);
	static const enum dlx_media rm[3] = { DLX_MEDIA_CD_ROM, DLX_MEDIA_DVD_ROM, DLX_MEDIA_BD_ROM };
	for (int i = 0; i < 3; i++) {
		snprintf(rom_img[i], sizeof(rom_img[i]), "%s/rom%d.dl", tmpdir, i);
		struct dlx_import_opts o = { .media = rm[i], .force = true };
		struct dlx_error e;
		if (dlx_import(iso_path, rom_img[i], &o, &e) != 0)
			abort();
	}
}

struct in { const uint8_t *p; size_t n, i; };
static uint8_t get8(struct in *in) { return in->i < in->n ? in->p[in->i++] : 0; }

static struct sim_dev *dev_open(const struct medium *m, uint8_t flags, struct sim_lun_cfg *lc)
{
	memset(lc, 0, sizeof(*lc));
	lc->lun = 0;
	lc->media = m->media;
	lc->tray_open = flags & 2;
	if (m->kind == 0) {
		lc->capacity = capacities[(flags >> 2) & 3];
		if (flags & 1) {
			lc->image = rec_img;
			/* Closing a reserved track pads it into the image: at a medium's
			 * full capacity that is seconds of writing per input. */
			if (lc->capacity == 0 || lc->capacity > IMAGE_CAPACITY_MAX)
				lc->capacity = IMAGE_CAPACITY_MAX;
		}
	} else if (m->kind == 1) {
		lc->file = iso_path;
	} else if (m->kind == 2) {
		lc->image = strcmp(m->media, "cd-rom") == 0 ? rom_img[0]
			  : strcmp(m->media, "dvd-rom") == 0 ? rom_img[1] : rom_img[2];
	}
	struct sim_dev_cfg cfg = {
		.vendor = "BURNLAB", .product = "SIMDRIVE", .revision = "0.1", .serial = "SN",
		.target_name = "iqn.2026-01.org.burnlab:fuzz", .luns = lc, .nluns = 1,
	};
	char err[512];
	return sim_dev_new(&cfg, err, sizeof(err));
}

/* buf[0..len) = src repeated (zeros without src), by doubling copies. */
static void fill(uint8_t *buf, size_t len, const uint8_t *src, size_t lit)
{
	if (!lit) {
		memset(buf, 0, len);
		return;
	}
	size_t have = lit < len ? lit : len;
	memcpy(buf, src, have);
	while (have < len) {
		size_t n = have < len - have ? have : len - have;
		memcpy(buf + have, buf, n);
		have += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	struct in in = { data, size, 0 };
	const struct medium *m = &media[get8(&in) % NMEDIA];
	uint8_t flags = get8(&in);
	unlink(rec_img);
	struct sim_lun_cfg lc;
	struct sim_dev *dev = dev_open(m, flags, &lc);
	if (!dev)
		return 0;
	uint64_t nexus = sim_dev_nexus_open(dev);
	static uint8_t buf[MAX_XFER];
	uint32_t out_total = 0;
	char err[256];

	for (int n = 0; n < MAX_CMDS && in.i < in.n; n++) {
		unsigned sel = get8(&in) % (NOPS + NSPECIAL);
		uint8_t op, len;
		if (sel < NOPS) {
			op = ops[sel];
			len = op_cdb_len(op);
		} else {
			switch (sel - NOPS) {
			case SP_RAW:
				op = get8(&in);
				len = get8(&in);
				len = len < 6 ? 6 : len > 16 ? 16 : len;
				break;
			case SP_LUN_RESET:
				sim_dev_lun_reset(dev, 0);
				continue;
			case SP_TRAY_OPEN:
			case SP_TRAY_CLOSE:
				sim_dev_set_tray(dev, 0, sel - NOPS == SP_TRAY_OPEN, err, sizeof(err));
				continue;
			case SP_NEXUS:
				sim_dev_nexus_close(dev, nexus);
				nexus = sim_dev_nexus_open(dev);
				continue;
			case SP_TARGET_RESET:
				sim_dev_target_reset(dev);
				continue;
			case SP_RELOAD:
				/* The drive restarts on the same disc: with an image, the disc
				 * comes back from its last STATE record and the DATA after it. */
				sim_dev_free(dev);
				dev = dev_open(m, flags & ~2u, &lc);
				if (!dev)
					return 0;
				nexus = sim_dev_nexus_open(dev);
				continue;
			default:
				continue;
			}
		}
		struct sim_cmd cmd;
		memset(&cmd, 0, sizeof(cmd));
		cmd.nexus = nexus;
		cmd.cdb[0] = op;
		for (unsigned k = 1; k < len; k++)
			cmd.cdb[k] = get8(&in);
		cmd.cdb_len = len;
		uint8_t xfer = get8(&in);
		uint32_t units = get8(&in);
		units |= (uint32_t)get8(&in) << 8;
		static const uint32_t unit[4] = { 1, 2048, 2352, 2448 };
		uint64_t edtl = (uint64_t)units * unit[(xfer >> 2) & 3];
		if (edtl > MAX_XFER)
			edtl = MAX_XFER;
		unsigned dir = xfer & 3;
		bool out = dir == 2 || (dir == 0 && op_is_out(op));
		bool din = dir == 1 || (dir == 0 && !op_is_out(op));
		cmd.lun = (xfer & 0x10) ? 1 : 0;
		if (out) {
			if (out_total + edtl > MAX_OUT_TOTAL)
				edtl = MAX_OUT_TOTAL - out_total;
			out_total += (uint32_t)edtl;
			size_t lit = get8(&in);
			if (lit > in.n - in.i)
				lit = in.n - in.i;
			const uint8_t *src = in.p + in.i;
			in.i += lit;
			fill(buf, (size_t)edtl, src, lit);
			cmd.data_out = buf;
			cmd.data_out_len = (uint32_t)edtl;
		}
		cmd.edtl = (uint32_t)edtl;
		cmd.dir_in = din && edtl > 0;
		cmd.dir_out = out && edtl > 0;
		sim_dev_execute(dev, &cmd);
#ifdef FUZZ_TRACE
		fprintf(stderr, "%02x edtl %u out %u -> status %02x in %u sense %02x/%02x/%02x\n",
			op, cmd.edtl, cmd.data_out_len, cmd.status, cmd.data_in_len,
			cmd.sense_len ? cmd.sense[2] & 0x0f : 0, cmd.sense_len > 13 ? cmd.sense[12] : 0,
			cmd.sense_len > 13 ? cmd.sense[13] : 0);
#endif
		/* What a transport relies on (scsi.h): data-in within the EDTL, sense only
		 * with CHECK CONDITION and within its buffer. */
		if (cmd.data_in_len > cmd.edtl || cmd.sense_len > SIM_SENSE_MAX ||
		    (cmd.data_in_len && !cmd.data_in) || cmd.pending)
			abort();
		if (cmd.status == SIM_STATUS_GOOD && cmd.sense_len)
			abort();
		sim_cmd_release(&cmd);
	}
	sim_dev_nexus_close(dev, nexus);
	sim_dev_free(dev);
	/* FUZZ_CDB_KEEP=PATH keeps the image an input recorded (seeds for fuzz_disclog). */
	if (getenv("FUZZ_CDB_KEEP"))
		rename(rec_img, getenv("FUZZ_CDB_KEEP"));
	unlink(rec_img);
	return 0;
}
