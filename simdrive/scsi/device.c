/* simdrive/scsi/device.c - the SCSI device model: logical units, I_T nexus state, the
 * opcode table and the generic checks every command goes through once before its
 * handler (spc.c, mmc.c), and REPORT SUPPORTED OPERATION CODES, which reports that
 * table.  Dispatch calls down into the command sets, cmd.c and lun.c; nothing calls
 * back up into it (device-private.h).
 *
 * Order of the generic checks (SAM-5 §5.14, SPC-4 §5.14 and §4.3.4):
 *   0. a recorder LUN's disc image able to serve an IMAGE op now?  else pending,
 *      before anything else happens (scsi.h sim_cmd.pending; only with a wake-up)
 *   1. logical unit configured?           else 05/25/00 (ANY_LUN ops excepted)
 *   2. unit attention pending?            reported, except for ALLOWED_WITH_UA ops
 *   3. opcode (and service action) known? else 05/20/00 (05/24/00 for the SA)
 *   4. CDB long enough, no bit set outside the command's CDB usage data
 *                                         else 05/24/00 with a field pointer
 *   5. medium present for NEEDS_MEDIUM ops else 02/3A/01 (tray closed) or /02 (open)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "device-private.h"
#include "fault.h"
#include "log.h"
#include "recorder.h"
#include "wire.h"

/* CDB usage data below: byte 0 opcode, then the bits each command uses.  The
 * CONTROL byte (last) is 00h: NACA and LINK are not supported (SPC-4 §4.3.4.1), so
 * setting them is an invalid field. */
static uint8_t sim_report_opcodes(struct sim_ctx *c);

static const struct sim_op sim_maintenance_in_sas[] = {
	{ .name = "REPORT SUPPORTED OPERATION CODES", .cdb_len = 12, .sa = 0x0c,
	  .fn = sim_report_opcodes, .flags = SIM_OP_DATA_IN,
	  .usage = { 0xa3, 0x0c, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00 } },
};

/* Recorder-only commands (SIM_OP_RECORDER, handlers in mmc.c; CDB layouts of MMC-6 §6).
 * A LUN backed by an ISO is a read-only drive: for it these opcodes stay unsupported
 * (doc/simdrive-scsi.md). */
#define SIM_OP_REC (SIM_OP_RECORDER | SIM_OP_NEEDS_MEDIUM)

static const struct sim_op sim_ops[256] = {
	[0x00] = { .name = "TEST UNIT READY", .cdb_len = 6, .fn = sim_spc_test_unit_ready,
		   .flags = SIM_OP_NEEDS_MEDIUM,
		   .usage = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 } },
	/* REZERO UNIT: the SCSI-2 seek to LBA 0 that MMC drives still take (cdrdao sends
	 * it to clear a unit attention).  Nothing moves here, so it answers as TEST UNIT
	 * READY does: GOOD with a medium, NOT READY without one or while busy. */
	[0x01] = { .name = "REZERO UNIT", .cdb_len = 6, .fn = sim_spc_test_unit_ready,
		   .flags = SIM_OP_NEEDS_MEDIUM,
		   .usage = { 0x01, 0x00, 0x00, 0x00, 0x00, 0x00 } },
	[0x03] = { .name = "REQUEST SENSE", .cdb_len = 6, .fn = sim_spc_request_sense,
		   .flags = SIM_OP_DATA_IN | SIM_OP_ALLOWED_WITH_UA | SIM_OP_ANY_LUN,
		   .usage = { 0x03, 0x01, 0x00, 0x00, 0xff, 0x00 } },
	[0x04] = { .name = "FORMAT UNIT", .cdb_len = 6, .fn = sim_mmc_format_unit,
		   .flags = SIM_OP_REC | SIM_OP_DATA_OUT, .timeout = 3600,
		   .usage = { 0x04, 0x17, 0x00, 0x00, 0x00, 0x00 } },
	[0x12] = { .name = "INQUIRY", .cdb_len = 6, .fn = sim_spc_inquiry,
		   .flags = SIM_OP_DATA_IN | SIM_OP_ALLOWED_WITH_UA | SIM_OP_ANY_LUN,
		   .usage = { 0x12, 0x01, 0xff, 0xff, 0xff, 0x00 } },
	[0x15] = { .name = "MODE SELECT(6)", .cdb_len = 6, .fn = sim_spc_mode_select6,
		   .flags = SIM_OP_DATA_OUT,
		   .usage = { 0x15, 0x11, 0x00, 0x00, 0xff, 0x00 } },
	[0x1a] = { .name = "MODE SENSE(6)", .cdb_len = 6, .fn = sim_spc_mode_sense6,
		   .flags = SIM_OP_DATA_IN,
		   .usage = { 0x1a, 0x08, 0xff, 0xff, 0xff, 0x00 } },
	[0x1b] = { .name = "START STOP UNIT", .cdb_len = 6, .fn = sim_spc_start_stop_unit,
		   .timeout = 60,
		   .usage = { 0x1b, 0x01, 0x00, 0x0f, 0xf7, 0x00 } },
	[0x1e] = { .name = "PREVENT ALLOW MEDIUM REMOVAL", .cdb_len = 6,
		   .fn = sim_spc_prevent_allow,
		   .usage = { 0x1e, 0x00, 0x00, 0x00, 0x03, 0x00 } },
	[0x23] = { .name = "READ FORMAT CAPACITIES", .cdb_len = 10,
		   .fn = sim_mmc_read_format_capacities, .flags = SIM_OP_REC | SIM_OP_DATA_IN,
		   .usage = { 0x23, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00 } },
	[0x25] = { .name = "READ CAPACITY(10)", .cdb_len = 10, .fn = sim_mmc_read_capacity,
		   .flags = SIM_OP_NEEDS_MEDIUM | SIM_OP_DATA_IN,
		   .usage = { 0x25, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00 } },
	[0x28] = { .name = "READ(10)", .cdb_len = 10, .fn = sim_mmc_read10,
		   .flags = SIM_OP_NEEDS_MEDIUM | SIM_OP_DATA_IN | SIM_OP_IMAGE,
		   .usage = { 0x28, 0x18, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0x00 } },
	[0x2a] = { .name = "WRITE(10)", .cdb_len = 10, .fn = sim_mmc_write10,
		   .flags = SIM_OP_REC | SIM_OP_DATA_OUT | SIM_OP_IMAGE,
		   .usage = { 0x2a, 0x08, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0x00 } },
	[0x35] = { .name = "SYNCHRONIZE CACHE(10)", .cdb_len = 10, .fn = sim_mmc_sync_cache,
		   .flags = SIM_OP_REC | SIM_OP_IMAGE, .timeout = 3600,
		   .usage = { 0x35, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0x00 } },
	[0x42] = { .name = "READ SUB-CHANNEL", .cdb_len = 10, .fn = sim_mmc_read_sub_channel,
		   .flags = SIM_OP_REC | SIM_OP_DATA_IN | SIM_OP_IMAGE,
		   .usage = { 0x42, 0x02, 0x40, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff, 0x00 } },
	[0x43] = { .name = "READ TOC/PMA/ATIP", .cdb_len = 10, .fn = sim_mmc_read_toc,
		   .flags = SIM_OP_NEEDS_MEDIUM | SIM_OP_DATA_IN,
		   /* control b7-6: the pre-MMC format field some hosts still send */
		   .usage = { 0x43, 0x02, 0x0f, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xc0 } },
	/* Polled by hosts; answered without reporting a unit attention (MMC
	 * practice for GET CONFIGURATION / GESN, [UNVERIFIED] against MMC-6 text). */
	[0x46] = { .name = "GET CONFIGURATION", .cdb_len = 10, .fn = sim_mmc_get_configuration,
		   .flags = SIM_OP_DATA_IN | SIM_OP_ALLOWED_WITH_UA,
		   .usage = { 0x46, 0x03, 0xff, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00 } },
	[0x4a] = { .name = "GET EVENT STATUS NOTIFICATION", .cdb_len = 10,
		   .fn = sim_mmc_get_event_status,
		   .flags = SIM_OP_DATA_IN | SIM_OP_ALLOWED_WITH_UA,
		   .usage = { 0x4a, 0x01, 0x00, 0x00, 0xff, 0x00, 0x00, 0xff, 0xff, 0x00 } },
	[0x51] = { .name = "READ DISC INFORMATION", .cdb_len = 10, .fn = sim_mmc_read_disc_info,
		   .flags = SIM_OP_REC | SIM_OP_DATA_IN,
		   .usage = { 0x51, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00 } },
	[0x52] = { .name = "READ TRACK INFORMATION", .cdb_len = 10, .fn = sim_mmc_read_track_info,
		   .flags = SIM_OP_REC | SIM_OP_DATA_IN,
		   .usage = { 0x52, 0x07, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0x00 } },
	/* RMZ (byte 1 b1) is not supported: left out of the usage data. */
	[0x53] = { .name = "RESERVE TRACK", .cdb_len = 10, .fn = sim_mmc_reserve_track,
		   .flags = SIM_OP_REC,
		   .usage = { 0x53, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 } },
	/* DoOpc=1 with no table, or an OPC table that is accepted and ignored. */
	[0x54] = { .name = "SEND OPC INFORMATION", .cdb_len = 10, .fn = sim_mmc_send_opc,
		   .flags = SIM_OP_REC | SIM_OP_DATA_OUT, .timeout = 60,
		   .usage = { 0x54, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00 } },
	[0x55] = { .name = "MODE SELECT(10)", .cdb_len = 10, .fn = sim_spc_mode_select10,
		   .flags = SIM_OP_DATA_OUT,
		   .usage = { 0x55, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00 } },
	[0x5a] = { .name = "MODE SENSE(10)", .cdb_len = 10, .fn = sim_spc_mode_sense10,
		   .flags = SIM_OP_DATA_IN,
		   .usage = { 0x5a, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00 } },
	[0x5b] = { .name = "CLOSE TRACK/SESSION", .cdb_len = 10,
		   .fn = sim_mmc_close_track_session, .flags = SIM_OP_REC | SIM_OP_IMAGE,
		   .timeout = 3600,
		   .usage = { 0x5b, 0x01, 0x07, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00 } },
	[0x5c] = { .name = "READ BUFFER CAPACITY", .cdb_len = 10,
		   .fn = sim_mmc_read_buffer_capacity, .flags = SIM_OP_RECORDER | SIM_OP_DATA_IN,
		   .usage = { 0x5c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00 } },
	[0x5d] = { .name = "SEND CUE SHEET", .cdb_len = 10, .fn = sim_mmc_send_cue_sheet,
		   .flags = SIM_OP_REC | SIM_OP_DATA_OUT,
		   .usage = { 0x5d, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x00 } },
	[0xa0] = { .name = "REPORT LUNS", .cdb_len = 12, .fn = sim_spc_report_luns,
		   .flags = SIM_OP_DATA_IN | SIM_OP_ALLOWED_WITH_UA | SIM_OP_ANY_LUN,
		   .usage = { 0xa0, 0x00, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
			      0x00, 0x00 } },
	[0xa3] = { .name = "MAINTENANCE IN", .cdb_len = 12, .flags = SIM_OP_DATA_IN,
		   .sas = sim_maintenance_in_sas,
		   .nsas = sizeof(sim_maintenance_in_sas) / sizeof(sim_maintenance_in_sas[0]) },
	[0xa1] = { .name = "BLANK", .cdb_len = 12, .fn = sim_mmc_blank,
		   .flags = SIM_OP_REC, .timeout = 3600,
		   .usage = { 0xa1, 0x17, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
			      0x00, 0x00 } },
	[0xa8] = { .name = "READ(12)", .cdb_len = 12, .fn = sim_mmc_read12,
		   .flags = SIM_OP_NEEDS_MEDIUM | SIM_OP_DATA_IN | SIM_OP_IMAGE,
		   .usage = { 0xa8, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			      0x80, 0x00 } },
	[0xaa] = { .name = "WRITE(12)", .cdb_len = 12, .fn = sim_mmc_write12,
		   .flags = SIM_OP_REC | SIM_OP_DATA_OUT | SIM_OP_IMAGE,
		   .usage = { 0xaa, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			      0x80, 0x00 } },
	[0xac] = { .name = "GET PERFORMANCE", .cdb_len = 12, .fn = sim_mmc_get_performance,
		   .flags = SIM_OP_REC | SIM_OP_DATA_IN,
		   .usage = { 0xac, 0x1f, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0xff, 0xff,
			      0xff, 0x00 } },
	[0xad] = { .name = "READ DISC STRUCTURE", .cdb_len = 12,
		   .fn = sim_mmc_read_disc_structure, .flags = SIM_OP_REC | SIM_OP_DATA_IN,
		   .usage = { 0xad, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			      0xc0, 0x00 } },
	[0xb6] = { .name = "SET STREAMING", .cdb_len = 12, .fn = sim_mmc_set_streaming,
		   .flags = SIM_OP_REC | SIM_OP_DATA_OUT,
		   .usage = { 0xb6, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
			      0xff, 0x00 } },
	/* Speeds are kept per LUN: no medium needed. */
	[0xbb] = { .name = "SET CD SPEED", .cdb_len = 12, .fn = sim_mmc_set_cd_speed,
		   .flags = SIM_OP_RECORDER,
		   .usage = { 0xbb, 0x03, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
			      0x00, 0x00 } },
	[0xbd] = { .name = "MECHANISM STATUS", .cdb_len = 12, .fn = sim_mmc_mechanism_status,
		   .flags = SIM_OP_RECORDER | SIM_OP_DATA_IN,
		   .usage = { 0xbd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
			      0x00, 0x00 } },
	[0xbe] = { .name = "READ CD", .cdb_len = 12, .fn = sim_mmc_read_cd,
		   .flags = SIM_OP_REC | SIM_OP_DATA_IN | SIM_OP_IMAGE,
		   .usage = { 0xbe, 0x1e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
			      0x07, 0x00 } },
};

/* The dispatch table: the entry for opcode, or NULL if unsupported. */
static const struct sim_op *sim_dev_op(uint8_t opcode)
{
	return sim_ops[opcode].name ? &sim_ops[opcode] : NULL;
}

/* The same as lun sees it: SIM_OP_RECORDER entries only on a recorder LUN. */
static const struct sim_op *sim_lun_op(const struct sim_lun *lun, uint8_t opcode)
{
	const struct sim_op *op = sim_dev_op(opcode);
	if (op && (op->flags & SIM_OP_RECORDER) && !(lun && lun->recorder))
		return NULL;
	return op;
}

void sim_cmd_release(struct sim_cmd *cmd)
{
	free(cmd->data_in);
	cmd->data_in = NULL;
	cmd->data_in_len = 0;
	cmd->status = SIM_STATUS_GOOD;
	cmd->spdtl = 0;
	cmd->sense_len = 0;
}

/* ---- REPORT SUPPORTED OPERATION CODES (SPC-4 §6.35) -------------------------- */

enum { RSOC_TIMEOUTS_LEN = 12 };

static void sim_put_timeouts(uint8_t *p, const struct sim_op *op)
{
	memset(p, 0, RSOC_TIMEOUTS_LEN);
	wire_put_be16(p, RSOC_TIMEOUTS_LEN - 2);
	wire_put_be32(p + 4, 1);				/* nominal, s */
	wire_put_be32(p + 8, op->timeout ? op->timeout : 30);	/* recommended, s */
}

/* One-command format (SPC-4 §6.35.3): SUPPORT 011b with the CDB usage data, or 001b. */
static uint8_t sim_rsoc_one(struct sim_ctx *c, const struct sim_op *op, bool rctd,
			    uint32_t alloc)
{
	size_t len = op ? 4 + op->cdb_len + (rctd ? RSOC_TIMEOUTS_LEN : 0) : 4;
	uint8_t *b = sim_reply(c, len, alloc);
	if (!b)
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	if (!op) {
		b[1] = 0x01;			/* not supported */
		return SIM_STATUS_GOOD;
	}
	b[1] = (uint8_t)((rctd ? 0x80 : 0) | 0x03);
	wire_put_be16(b + 2, op->cdb_len);
	memcpy(b + 4, op->usage, op->cdb_len);
	if (rctd)
		sim_put_timeouts(b + 4 + op->cdb_len, op);
	return SIM_STATUS_GOOD;
}

static const struct sim_op *sim_find_sa(const struct sim_op *op, uint16_t sa)
{
	for (uint8_t i = 0; i < op->nsas; i++)
		if (op->sas[i].sa == sa)
			return &op->sas[i];
	return NULL;
}

static void sim_rsoc_descriptor(uint8_t *p, uint8_t opcode, const struct sim_op *op,
				bool servactv, bool rctd)
{
	p[0] = opcode;
	wire_put_be16(p + 2, servactv ? op->sa : 0);
	p[5] = (uint8_t)((rctd ? 0x02 : 0) | (servactv ? 0x01 : 0));
	wire_put_be16(p + 6, op->cdb_len);
	if (rctd)
		sim_put_timeouts(p + 8, op);
}

static uint8_t sim_report_opcodes(struct sim_ctx *c)
{
	bool rctd = c->cdb[2] & 0x80;
	uint8_t options = c->cdb[2] & 0x07;
	uint8_t req_op = c->cdb[3];
	uint16_t req_sa = wire_be16(c->cdb + 4);
	uint32_t alloc = wire_be32(c->cdb + 6);
	const struct sim_op *op = sim_lun_op(c->lun, req_op);

	switch (options) {
	case 0x00: {	/* all commands, generated from the dispatch table */
		size_t dlen = 8 + (rctd ? RSOC_TIMEOUTS_LEN : 0), n = 0;
		for (unsigned o = 0; o < 256; o++) {
			const struct sim_op *e = sim_lun_op(c->lun, (uint8_t)o);
			if (e)
				n += e->sas ? e->nsas : 1;
		}
		uint8_t *b = sim_reply(c, 4 + n * dlen, alloc);
		if (!b)
			return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
		wire_put_be32(b, (uint32_t)(n * dlen));
		uint8_t *p = b + 4;
		for (unsigned o = 0; o < 256; o++) {
			const struct sim_op *e = sim_lun_op(c->lun, (uint8_t)o);
			if (!e)
				continue;
			if (!e->sas) {
				sim_rsoc_descriptor(p, (uint8_t)o, e, false, rctd);
				p += dlen;
				continue;
			}
			for (uint8_t i = 0; i < e->nsas; i++) {
				sim_rsoc_descriptor(p, (uint8_t)o, &e->sas[i], true, rctd);
				p += dlen;
			}
		}
		return SIM_STATUS_GOOD;
	}
	case 0x01:	/* by opcode; an opcode with service actions is an error */
		if (op && op->sas)
			return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, 2);
		return sim_rsoc_one(c, op, rctd, alloc);
	case 0x02:	/* by opcode and service action; opcode must have them */
		if (op && !op->sas)
			return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, 2);
		return sim_rsoc_one(c, op ? sim_find_sa(op, req_sa) : NULL, rctd, alloc);
	case 0x03:	/* by opcode, and service action when it has them (SPC-5) */
		if (op && op->sas)
			op = sim_find_sa(op, req_sa);
		else if (op && req_sa != 0)
			op = NULL;
		return sim_rsoc_one(c, op, rctd, alloc);
	default:
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, 2);
	}
}

/* ---- logical units, nexuses, unit attentions -------------------------------- */

static ssize_t sim_lun_index(const struct sim_dev *dev, uint16_t lun)
{
	for (size_t i = 0; i < dev->nluns; i++)
		if (dev->luns[i].lun == lun)
			return (ssize_t)i;
	return -1;
}

static struct sim_nexus *sim_nexus_find(struct sim_dev *dev, uint64_t id)
{
	for (struct sim_nexus *n = dev->nexuses; n; n = n->next)
		if (n->id == id)
			return n;
	return NULL;
}

uint64_t sim_dev_underruns(const struct sim_dev *dev, uint16_t lun)
{
	for (size_t i = 0; i < dev->nluns; i++)
		if (dev->luns[i].lun == lun && dev->luns[i].recorder)
			return dev->luns[i].dt.underruns;
	return 0;
}

uint64_t sim_dev_now_us(const struct sim_dev *dev)
{
	return sim_dt_now(&dev->clock);
}

bool sim_dev_has_lun(const struct sim_dev *dev, uint16_t lun)
{
	return sim_lun_index(dev, lun) >= 0;
}

uint64_t sim_dev_nexus_open(struct sim_dev *dev)
{
	struct sim_nexus *n = calloc(1, sizeof(*n));
	if (!n)
		return 0;
	n->itl = calloc(dev->nluns ? dev->nluns : 1, sizeof(*n->itl));
	if (!n->itl) {
		free(n);
		return 0;
	}
	n->id = ++dev->next_nexus;
	for (size_t i = 0; i < dev->nluns; i++)
		sim_ua_raise(&n->itl[i], SIM_SENSE_POWER_ON_RESET);
	n->next = dev->nexuses;
	dev->nexuses = n;
	SIM_DEBUG(SIM_LOGS_SCSI, "nexus %" PRIu64 " opened", n->id);
	return n->id;
}

void sim_dev_nexus_close(struct sim_dev *dev, uint64_t id)
{
	for (struct sim_nexus **pp = &dev->nexuses; *pp; pp = &(*pp)->next) {
		struct sim_nexus *n = *pp;
		if (n->id != id)
			continue;
		/* Its PREVENT state goes with it (SPC-4 §6.13). */
		*pp = n->next;
		free(n->itl);
		free(n);
		SIM_DEBUG(SIM_LOGS_SCSI, "nexus %" PRIu64 " closed", id);
		return;
	}
}

static void sim_lun_reset_index(struct sim_dev *dev, size_t li)
{
	for (struct sim_nexus *n = dev->nexuses; n; n = n->next) {
		n->itl[li].prevent = false;
		n->itl[li].persistent = false;
		sim_ua_raise(&n->itl[li], SIM_SENSE_BUS_DEVICE_RESET);
	}
}

void sim_dev_lun_reset(struct sim_dev *dev, uint16_t lun)
{
	ssize_t li = sim_lun_index(dev, lun);
	if (li >= 0)
		sim_lun_reset_index(dev, (size_t)li);
}

void sim_dev_target_reset(struct sim_dev *dev)
{
	for (size_t i = 0; i < dev->nluns; i++)
		sim_lun_reset_index(dev, i);
}

/* ---- creation ---------------------------------------------------------------- */

/* Copy an INQUIRY identification string: printable ASCII only (SPC-4 §4.4.1). */
static int sim_ident(char *dst, size_t cap, const char *src, const char *dflt,
		     const char *what, char *err, size_t errlen)
{
	if (!src)
		src = dflt;
	size_t n = strlen(src);
	if (n == 0 || n >= cap) {
		snprintf(err, errlen, "%s '%s' must be 1 to %zu characters", what, src, cap - 1);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (src[i] < 0x20 || src[i] > 0x7e) {
			snprintf(err, errlen, "%s '%s' is not printable ASCII", what, src);
			return -1;
		}
	}
	memcpy(dst, src, n + 1);
	return 0;
}

struct sim_dev *sim_dev_new(const struct sim_dev_cfg *cfg, char *err, size_t errlen)
{
	char sub[400];
	struct sim_dev *dev = calloc(1, sizeof(*dev));
	if (!dev) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sim_ident(dev->vendor, sizeof(dev->vendor), cfg->vendor, "BURNLAB",
		      "vendor id", err, errlen) ||
	    sim_ident(dev->product, sizeof(dev->product), cfg->product, "SIMDRIVE",
		      "product id", err, errlen) ||
	    sim_ident(dev->revision, sizeof(dev->revision), cfg->revision, "0001",
		      "revision", err, errlen))
		goto fail;
	const char *serial = cfg->serial ? cfg->serial : "SIMDRIVE";
	if (cfg->target_name && !(dev->target_name = strdup(cfg->target_name))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (cfg->nluns == 0) {
		snprintf(err, errlen, "no logical unit configured");
		goto fail;
	}
	dev->time_scale = cfg->time_scale;
	sim_dt_clock_init(&dev->clock, cfg->time_scale, sim_dt_wall_now_us());
	dev->luns = calloc(cfg->nluns, sizeof(*dev->luns));
	if (!dev->luns) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < cfg->nluns; i++)
		dev->luns[i].dt.clock = &dev->clock;	/* the recorders stamp with it */
	for (size_t i = 0; i < cfg->nluns; i++) {
		const struct sim_lun_cfg *lc = &cfg->luns[i];
		struct sim_lun *lun = &dev->luns[i];

		if (lc->lun > 0x3fff) {
			snprintf(err, errlen, "lun %u: above 16383", lc->lun);
			goto fail;
		}
		if (sim_lun_index(dev, lc->lun) >= 0) {
			snprintf(err, errlen, "lun %u: configured twice", lc->lun);
			goto fail;
		}
		/* The personality first: it decides which media the drive takes.  The
		 * default drive answers INQUIRY with the device's identification. */
		sim_personality_default(&lun->pers);
		memcpy(lun->pers.vendor, dev->vendor, sizeof(lun->pers.vendor));
		memcpy(lun->pers.product, dev->product, sizeof(lun->pers.product));
		memcpy(lun->pers.revision, dev->revision, sizeof(lun->pers.revision));
		int rc;
		if (lc->personality &&
		    sim_personality_load(lc->personality, &lun->pers, sub, sizeof(sub)) < 0)
			rc = -1;
		else
			rc = sim_lun_open(lun, lc, cfg->image_pool, sub, sizeof(sub));
		if (rc != 0) {
			snprintf(err, errlen, "lun %u: %s", lc->lun, sub);
			dev->nluns = i + 1;
			goto fail;
		}
		lun->lun = lc->lun;
		lun->tray = lc->tray_open ? SIM_TRAY_OPEN : SIM_TRAY_CLOSED;
		if ((size_t)snprintf(lun->serial, sizeof(lun->serial), "%s%u", serial,
				     lc->lun) >= sizeof(lun->serial)) {
			snprintf(err, errlen, "serial '%s' is too long", serial);
			dev->nluns = i + 1;
			goto fail;
		}
		for (const char *p = lun->serial; *p; p++) {
			if (*p < 0x20 || *p > 0x7e) {
				snprintf(err, errlen, "serial '%s' is not printable ASCII", serial);
				dev->nluns = i + 1;
				goto fail;
			}
		}
		dev->nluns = i + 1;
	}
	for (size_t i = 0; i < cfg->nfaults; i++)
		if (sim_dev_add_fault(dev, &cfg->faults[i], err, errlen) < 0)
			goto fail;
	return dev;
fail:
	sim_dev_free(dev);
	return NULL;
}

void sim_dev_free(struct sim_dev *dev)
{
	if (!dev)
		return;
	while (dev->nexuses) {
		struct sim_nexus *n = dev->nexuses;
		dev->nexuses = n->next;
		free(n->itl);
		free(n);
	}
	for (size_t i = 0; dev->luns && i < dev->nluns; i++)
		sim_lun_close(&dev->luns[i]);
	free(dev->luns);
	free(dev->faults);
	free(dev->target_name);
	free(dev);
}

/* ---- injected faults at run time ----------------------------------------------- */

static struct rec_disc *sim_image_rec(struct sim_dev *dev, uint16_t lun, char *err, size_t errlen);

int sim_dev_add_fault(struct sim_dev *dev, const struct sim_fault *f, char *err, size_t errlen)
{
	struct sim_fault nf = *f;

	if (nf.lun >= 0 && sim_lun_index(dev, (uint16_t)nf.lun) < 0) {
		snprintf(err, errlen, "fault: no LUN %d", nf.lun);
		return -1;
	}
	if (nf.trigger == SIM_TRIG_IMAGE) {
		/* image-enospc / image-eio: armed in the LUN's image writer now; the
		 * recorder reports what it does (doc/simdrive-faults.md "A full or failing
		 * disk"). */
		if (nf.lun < 0 && dev->nluns != 1) {
			snprintf(err, errlen, "fault: %s needs lun=N (%zu LUNs)",
				 sim_fault_kind_name(nf.kind), dev->nluns);
			return -1;
		}
		if (nf.lun < 0)
			nf.lun = dev->luns[0].lun;
		struct rec_disc *d = sim_image_rec(dev, (uint16_t)nf.lun, err, errlen);
		struct dl_fault df = { .err = sim_fault_image_errno(nf.kind), .after = nf.bytes,
				       .at_sync = nf.at_sync };
		if (!d || !rec_image_inject(d, &df)) {
			if (d)
				snprintf(err, errlen, "LUN %d records no image", nf.lun);
			return -1;
		}
	}
	if (nf.trigger == SIM_TRIG_COMMAND && nf.relative) {
		/* command=+N: the N-th command from now on the fault's LUN. */
		if (nf.lun < 0 && dev->nluns != 1) {
			snprintf(err, errlen, "fault: command=+%" PRIu64 " needs lun=N (%zu LUNs)",
				 nf.command, dev->nluns);
			return -1;
		}
		const struct sim_lun *l = nf.lun < 0 ? &dev->luns[0]
			: &dev->luns[sim_lun_index(dev, (uint16_t)nf.lun)];
		nf.command += l->ncommands;
		nf.relative = false;
	}
	if (dev->nfaults == dev->faults_cap) {
		size_t cap = dev->faults_cap ? 2 * dev->faults_cap : 8;
		struct sim_fault *nv = realloc(dev->faults, cap * sizeof(*nv));
		if (!nv) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		dev->faults = nv;
		dev->faults_cap = cap;
	}
	nf.id = ++dev->next_fault_id;
	nf.fired = 0;
	nf.rng = nf.seed;
	nf.by_lba = nf.trigger == SIM_TRIG_LBA;
	dev->faults[dev->nfaults++] = nf;
	char words[200];
	sim_fault_format(&nf, words, sizeof(words));
	SIM_INFO(SIM_LOGS_SCSI, "fault %u added: %s", nf.id, words);
	return (int)nf.id;
}

/* The disc an image-* fault is armed in, or NULL. */
static struct rec_disc *sim_fault_disc(const struct sim_dev *dev, const struct sim_fault *f)
{
	ssize_t li = f->trigger == SIM_TRIG_IMAGE ? sim_lun_index(dev, (uint16_t)f->lun) : -1;
	return li < 0 ? NULL : dev->luns[li].disc;
}

size_t sim_dev_faults(const struct sim_dev *dev, struct sim_fault *out, size_t max)
{
	for (size_t i = 0; i < dev->nfaults && i < max; i++) {
		out[i] = dev->faults[i];
		struct rec_disc *d = sim_fault_disc(dev, &out[i]);
		if (d)			/* fired: the writer stopped */
			out[i].fired = rec_image_failure(d).key ? 1 : 0;
	}
	return dev->nfaults;
}

size_t sim_dev_clear_faults(struct sim_dev *dev, unsigned id)
{
	size_t kept = 0, n = dev->nfaults;
	for (size_t i = 0; i < n; i++) {
		if (id != 0 && dev->faults[i].id != id) {
			dev->faults[kept++] = dev->faults[i];
			continue;
		}
		/* An image fault that has not fired yet is disarmed; once fired the writer
		 * stays stopped (a failed disk does not heal; a restart reloads). */
		struct rec_disc *d = sim_fault_disc(dev, &dev->faults[i]);
		if (d && !rec_image_failure(d).key)
			rec_image_inject(d, &(struct dl_fault){ .err = 0 });
	}
	dev->nfaults = kept;
	if (n != kept)
		SIM_INFO(SIM_LOGS_SCSI, "%zu fault(s) cleared", n - kept);
	return n - kept;
}

uint64_t sim_dev_lun_commands(const struct sim_dev *dev, uint16_t lun)
{
	ssize_t li = sim_lun_index(dev, lun);
	return li < 0 ? 0 : dev->luns[li].ncommands;
}

void sim_dev_set_observer(struct sim_dev *dev, sim_cmd_observer_fn fn, void *arg)
{
	dev->observer = fn;
	dev->observer_arg = arg;
}

int sim_dev_set_tray(struct sim_dev *dev, uint16_t lun, bool open, char *err, size_t errlen)
{
	ssize_t li = sim_lun_index(dev, lun);
	if (li < 0) {
		snprintf(err, errlen, "no LUN %u", lun);
		return -1;
	}
	struct sim_lun *l = &dev->luns[li];
	if (open) {
		if (l->tray == SIM_TRAY_CLOSED && sim_lun_prevented(dev, (size_t)li)) {
			/* The button of a locked drive: the host hears of the request only. */
			sim_media_event_all(dev, (size_t)li, SIM_MEV_EJECT_REQ);
			snprintf(err, errlen, "LUN %u: medium removal prevented", lun);
			return -1;
		}
		sim_lun_move_tray(dev, (size_t)li, true, NULL);
		return 0;
	}
	sim_lun_move_tray(dev, (size_t)li, false, NULL);
	return 0;
}

/* ---- execution --------------------------------------------------------------- */

static int sim_highest_bit(uint8_t v)
{
	int b = 7;
	while (b > 0 && !(v & (1u << b)))
		b--;
	return b;
}

/* What sim_dispatch tells sim_dev_execute besides the status (for sense and trace). */
struct sim_exec {
	const struct sim_op    *op;
	unsigned    fault_id;		/* the injected fault that fired, or 0 */
	const char *fault_kind;
	bool deferred;			/* the sense is a deferred error */
	bool dropped_before;		/* never executed: the connection goes down */
};

static uint8_t sim_dispatch(struct sim_ctx *c, struct sim_exec *x)
{
	struct sim_cmd *cmd = c->cmd;
	ssize_t li = sim_lun_index(c->dev, cmd->lun);
	const struct sim_op *op = sim_lun_op(li >= 0 ? &c->dev->luns[li] : NULL, c->cdb[0]);

	x->op = op;
	c->nexus = sim_nexus_find(c->dev, cmd->nexus);
	if (!c->nexus) {
		SIM_ERR(SIM_LOGS_SCSI, "command on unknown nexus %" PRIu64, cmd->nexus);
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	}
	if (li >= 0) {
		c->lun = &c->dev->luns[li];
		c->lun_index = (size_t)li;
		c->itl = &c->nexus->itl[li];
	} else if (!op || !(op->flags & SIM_OP_ANY_LUN)) {
		return sim_fail(c, SIM_SENSE_LUN_NOT_SUPPORTED);
	}

	/* The event loop serves every LUN and session: a command the disc image cannot
	 * serve yet waits as a pending command rather than the loop waiting for the image
	 * (doc/iscsi-target.md "Threads, and who waits for what").  Nothing of it happens
	 * before: it is counted, meets its faults and its unit attentions when it starts. */
	if (c->dev->wake && c->lun && c->lun->recorder && c->lun->disc && op &&
	    (op->flags & SIM_OP_IMAGE) && !sim_mmc_image_ready(c))
		return sim_pending(c, SIM_WAIT_START, 0);

	/* Injected faults (fault.h) act before anything else the drive checks, as the
	 * condition they model (a busy drive, a reset, a failing write, a dead link)
	 * would. */
	if (c->lun) {
		struct sim_fault_effect eff;
		c->lun->ncommands++;
		if (sim_fault_check(c->dev->faults, c->dev->nfaults, cmd->lun, c->lun->ncommands,
				    c->cdb, &eff)) {
			x->fault_id = eff.fault->id;
			x->fault_kind = sim_fault_kind_name(eff.fault->kind);
			if (eff.raise_ua)
				sim_ua_raise(c->itl, eff.sense);
			if (eff.eject)	/* whatever the host holds: a hand, a power glitch */
				sim_lun_move_tray(c->dev, c->lun_index, true, NULL);
			if (eff.ignore_speed)
				c->lun->pers.quirks |= SIM_QUIRK_IGNORE_SPEED;
			if (eff.no_record)
				c->fault_no_record = true;
			if (eff.drop) {
				cmd->drop_connection = true;
				if (!eff.after) {	/* never answered: the status goes nowhere */
					x->dropped_before = true;
					return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
				}
			}
			if (eff.deferred) {
				/* The drive took the data into its buffer and said GOOD; writing
				 * it fails later, and the next command hears of it. */
				c->itl->deferred = true;
				c->itl->deferred_sense = eff.sense;
				c->itl->deferred_has_info = eff.has_info;
				c->itl->deferred_info = eff.info;
				cmd->spdtl = cmd->edtl;
				return SIM_STATUS_GOOD;
			}
			if (eff.fail) {
				c->has_info = eff.has_info;
				c->info = eff.info;
				return sim_fail(c, eff.sense);
			}
		}
	}

	/* A deferred error goes to the next command of the I_T_L nexus, which is not
	 * executed (SPC-4 §4.5.5); INQUIRY and REPORT LUNS (the ANY_LUN commands) leave it
	 * waiting, REQUEST SENSE returns it as its data (spc.c). */
	if (c->itl && c->itl->deferred && !(op && (op->flags & SIM_OP_ANY_LUN))) {
		c->itl->deferred = false;
		c->has_info = c->itl->deferred_has_info;
		c->info = c->itl->deferred_info;
		x->deferred = true;
		return sim_fail(c, c->itl->deferred_sense);
	}

	struct sim_sense ua;
	if (c->itl && !(op && (op->flags & SIM_OP_ALLOWED_WITH_UA)) && sim_ua_pop(c->itl, &ua))
		return sim_fail(c, ua);

	if (!op)
		return sim_fail(c, SIM_SENSE_INVALID_OPCODE);
	if (cmd->cdb_len < 6 || cmd->cdb_len > 16 || cmd->cdb_len < op->cdb_len)
		return sim_fail(c, SIM_SENSE_INVALID_FIELD_IN_CDB);

	uint8_t sa_bits = 0;
	if (op->sas) {
		uint8_t sa = c->cdb[1] & 0x1f;
		const struct sim_op *found = NULL;
		for (uint8_t i = 0; i < op->nsas; i++)
			if (op->sas[i].sa == sa)
				found = &op->sas[i];
		if (!found)	/* SPC-4 §4.3.4.1: invalid service action */
			return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 4);
		op = found;
		x->op = op;
		sa_bits = 0x1f;
	}

	/* Reserved bits (SPC-4 §4.3.4.1): anything outside the CDB usage data. */
	for (uint8_t i = 1; i < op->cdb_len; i++) {
		uint8_t bad = c->cdb[i] & (uint8_t)~op->usage[i];
		if (i == 1)
			bad &= (uint8_t)~sa_bits;
		if (bad)
			return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, i,
					    sim_highest_bit(bad));
	}

	if ((op->flags & SIM_OP_NEEDS_MEDIUM) && !sim_lun_ready(c->lun))
		return sim_fail(c, sim_lun_not_ready_sense(c->lun));

	c->op = op;
	return op->fn(c);
}

/* CDB length by group code (SPC-4 §4.3.2), for opcodes the table does not know. */
static uint8_t sim_cdb_group_len(uint8_t opcode)
{
	switch (opcode >> 5) {
	case 0:  return 6;
	case 1:
	case 2:  return 10;
	case 5:  return 12;
	default: return 16;
	}
}

static void sim_trace_cmd(struct sim_dev *dev, const struct sim_cmd *cmd,
			  const struct sim_exec *x, const struct sim_sense *sense)
{
	const struct sim_op *named = x->op ? x->op : sim_dev_op(cmd->cdb[0]);
	uint8_t len = named ? named->cdb_len : sim_cdb_group_len(cmd->cdb[0]);
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	struct sim_trace_rec r = {
		.vtime_us = sim_dev_now_us(dev),
		.wall_us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u,
		.nexus = cmd->nexus, .lun = cmd->lun,
		.cdb = cmd->cdb, .cdb_len = len < cmd->cdb_len ? len : cmd->cdb_len,
		.op = named ? named->name : NULL,
		.dir_in = cmd->dir_in, .dir_out = cmd->dir_out,
		.edtl = cmd->edtl, .data_out = cmd->data_out_len,
		.spdtl = cmd->spdtl, .data_in = cmd->data_in_len,
		.executed = !x->dropped_before, .status = cmd->status,
		.has_sense = !x->dropped_before && cmd->status == SIM_STATUS_CHECK_CONDITION,
		.sense = *sense, .deferred = x->deferred,
		.fault_id = x->fault_id,
		.fault_kind = x->fault_kind,
		.dropped = cmd->drop_connection,
	};
	dev->observer(dev->observer_arg, &r);
}

/* Fill cmd's out fields from the handler's outcome, report it to the observer and log
 * it; or leave it pending (sim_pending) with what sim_dev_resume needs. */
static void sim_finish(struct sim_dev *dev, struct sim_cmd *cmd, struct sim_ctx *c,
		       const struct sim_exec *x, uint8_t status)
{
	const struct sim_op *op = x->op;

	if (status == SIM_STATUS_PENDING) {
		free(c->buf);
		cmd->pending = true;
		cmd->wait = (struct sim_cmd_wait){
			.kind = (uint8_t)c->wait, .ticket = c->wait_ticket,
			.fault_id = x->fault_id, .fault_kind = x->fault_kind,
		};
		SIM_DEBUG(SIM_LOGS_SCSI, "nexus %" PRIu64 " lun %u %02x %s: pending (%s)", cmd->nexus,
			  cmd->lun, cmd->cdb[0], op ? op->name : "(unsupported)",
			  c->wait == SIM_WAIT_START ? "the image cannot take it yet" :
			  c->wait == SIM_WAIT_AGAIN ? "more to record" : "until the image is durable");
		return;
	}
	cmd->status = status;
	if (status == SIM_STATUS_GOOD) {
		/* The device moves min(SPDTL, EDTL) bytes, and only on a read (R bit);
		 * residuals are the transport's (RFC 7143 §11.4.5). */
		uint32_t n = cmd->spdtl;
		if (n > cmd->edtl)
			n = cmd->edtl;
		if (n > c->buflen)
			n = c->buflen;
		if (!cmd->dir_in)
			n = 0;
		if (n) {
			/* The buffer handed to the transport holds what it sends and no more
			 * (doc/simdrive-scsi.md, "Transfer lengths"). */
			if (c->buflen > n) {
				uint8_t *shrunk = realloc(c->buf, n);
				if (shrunk)
					c->buf = shrunk;
			}
			cmd->data_in = c->buf;
			cmd->data_in_len = n;
		} else {
			free(c->buf);
		}
	} else {
		free(c->buf);
		cmd->spdtl = 0;
		bool desc = c->lun && c->lun->mode.d_sense;
		cmd->sense_len = (uint8_t)sim_sense_encode_full(cmd->sense, c->sense, desc, x->deferred,
								c->has_info, c->info, &c->field);
	}
	if (dev->observer)
		sim_trace_cmd(dev, cmd, x, &c->sense);

	if (status == SIM_STATUS_GOOD)
		SIM_DEBUG(SIM_LOGS_SCSI, "nexus %" PRIu64 " lun %u %02x %s: GOOD, spdtl %u, %u bytes in",
			  cmd->nexus, cmd->lun, cmd->cdb[0], op ? op->name : "(unsupported)",
			  cmd->spdtl, cmd->data_in_len);
	else
		SIM_DEBUG(SIM_LOGS_SCSI, "nexus %" PRIu64 " lun %u %02x %s: CHECK CONDITION %x/%02x/%02x%s %s",
			  cmd->nexus, cmd->lun, cmd->cdb[0], op ? op->name : "(unsupported)",
			  c->sense.key, c->sense.asc, c->sense.ascq, x->deferred ? " (deferred)" : "",
			  sim_sense_asc_str(c->sense.asc, c->sense.ascq));
}

void sim_dev_execute(struct sim_dev *dev, struct sim_cmd *cmd)
{
	struct sim_ctx c = { .dev = dev, .cmd = cmd, .cdb = cmd->cdb };
	struct sim_exec x = { 0 };

	cmd->status = SIM_STATUS_GOOD;
	cmd->spdtl = 0;
	cmd->data_in = NULL;
	cmd->data_in_len = 0;
	cmd->sense_len = 0;
	cmd->drop_connection = false;
	cmd->complete_after_us = 0;
	cmd->pending = false;
	cmd->wait = (struct sim_cmd_wait){ 0 };

	sim_finish(dev, cmd, &c, &x, sim_dispatch(&c, &x));
}

void sim_dev_resume(struct sim_dev *dev, struct sim_cmd *cmd)
{
	if (!cmd->pending)
		return;
	if (cmd->wait.kind == SIM_WAIT_START) {	/* nothing happened yet: from the start */
		sim_dev_execute(dev, cmd);
		return;
	}
	/* It started: counted, faults and unit attentions done.  The same LUN, nexus and
	 * command table entry as then (nothing of them goes away while the transport
	 * keeps the command: a closed nexus drops its commands first). */
	struct sim_ctx c = { .dev = dev, .cmd = cmd, .cdb = cmd->cdb };
	struct sim_exec x = { .fault_id = cmd->wait.fault_id, .fault_kind = cmd->wait.fault_kind };
	ssize_t li = sim_lun_index(dev, cmd->lun);
	const struct sim_op *op = li >= 0 ? sim_lun_op(&dev->luns[li], cmd->cdb[0]) : NULL;
	for (uint8_t i = 0; op && op->sas && i < op->nsas; i++)
		if (op->sas[i].sa == (cmd->cdb[1] & 0x1f))
			op = &op->sas[i];
	enum sim_wait why = (enum sim_wait)cmd->wait.kind;
	uint64_t ticket = cmd->wait.ticket;
	uint8_t status;

	x.op = op;
	cmd->pending = false;
	cmd->wait = (struct sim_cmd_wait){ 0 };
	c.nexus = sim_nexus_find(dev, cmd->nexus);
	if (li < 0 || !op || !c.nexus) {
		SIM_ERR(SIM_LOGS_SCSI, "resumed command lost its LUN or nexus");
		status = sim_fail(&c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	} else {
		c.lun = &dev->luns[li];
		c.lun_index = (size_t)li;
		c.itl = &c.nexus->itl[li];
		if (why == SIM_WAIT_DURABLE)
			status = sim_mmc_durable(&c, ticket);
		else if ((op->flags & SIM_OP_NEEDS_MEDIUM) && !sim_lun_ready(c.lun))
			status = sim_fail(&c, sim_lun_not_ready_sense(c.lun));	/* ejected meanwhile */
		else {
			c.op = op;
			status = op->fn(&c);
		}
	}
	sim_finish(dev, cmd, &c, &x, status);
}

void sim_dev_set_wakeup(struct sim_dev *dev, sim_wakeup_fn fn, void *arg)
{
	dev->wake = fn;
	dev->wake_arg = arg;
	for (size_t i = 0; i < dev->nluns; i++)
		if (dev->luns[i].recorder && dev->luns[i].disc &&
		    rec_set_nonblock(dev->luns[i].disc, fn, arg) < 0)
			SIM_WARN(SIM_LOGS_SCSI, "lun %u: its image writer has no thread: recording "
				 "waits on the event loop", dev->luns[i].lun);
}

/* The disc of a LUN that records an image, for the control socket. */
static struct rec_disc *sim_image_rec(struct sim_dev *dev, uint16_t lun, char *err, size_t errlen)
{
	ssize_t li = sim_lun_index(dev, lun);
	if (li < 0) {
		snprintf(err, errlen, "no LUN %u", lun);
		return NULL;
	}
	if (!dev->luns[li].recorder || !dev->luns[li].disc) {
		snprintf(err, errlen, "LUN %u records no image", lun);
		return NULL;
	}
	return dev->luns[li].disc;
}

bool sim_dev_image_info(struct sim_dev *dev, uint16_t lun, struct sim_image_info *out,
			char *err, size_t errlen)
{
	struct rec_disc *d = sim_image_rec(dev, lun, err, errlen);
	struct dl_writer_stats st;
	if (!d || !rec_image_stats(d, &st)) {
		if (d)
			snprintf(err, errlen, "LUN %u records no image", lun);
		return false;
	}
	*out = (struct sim_image_info){ .queued = st.queued, .limit = st.limit,
					.waiting = st.waiting, .held = st.held };
	return true;
}

int sim_dev_image_hold(struct sim_dev *dev, uint16_t lun, bool hold, char *err, size_t errlen)
{
	struct rec_disc *d = sim_image_rec(dev, lun, err, errlen);
	if (!d || !rec_image_hold(d, hold)) {
		if (d)
			snprintf(err, errlen, "LUN %u records no image", lun);
		return -1;
	}
	SIM_INFO(SIM_LOGS_SCSI, "lun %u: image writer %s", lun, hold ? "held" : "released");
	return 0;
}
