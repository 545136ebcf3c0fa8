/* simdrive/scsi/spc.c - the SPC-4 commands every logical unit answers: TEST UNIT READY,
 * REQUEST SENSE, INQUIRY and its VPD pages, REPORT LUNS, MODE SENSE/SELECT (with the
 * MMC-6 §7 pages), START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL.  (REPORT SUPPORTED
 * OPERATION CODES reports the opcode table: dispatch answers it, device.c.)
 *
 * Handlers run after the generic checks of device.c (LUN, unit attention, opcode,
 * reserved CDB bits, medium present).  They build the full response with sim_reply(),
 * which applies allocation-length truncation, or fail with a named sense condition;
 * they call cmd.c and lun.c, never mmc.c or device.c (device-private.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device-private.h"
#include "log.h"
#include "wire.h"

/* Space-padded ASCII field (SPC-4 §4.4.1). */
static void sim_put_ascii(uint8_t *p, const char *s, size_t width)
{
	size_t n = strlen(s);
	memset(p, ' ', width);
	memcpy(p, s, n < width ? n : width);
}

/* ---- TEST UNIT READY, REQUEST SENSE ------------------------------------------ */

uint8_t sim_spc_test_unit_ready(struct sim_ctx *c)
{
	struct sim_sense s;
	uint16_t progress;

	/* Medium presence was the generic check.  A recorder busy with a long operation
	 * (after IMMED) is not ready, with the progress indication (SPC-4 §4.5.2.4.4;
	 * doc/simdrive-time.md). */
	if (sim_lun_busy(c->dev, c->lun, &s, &progress))
		return sim_fail_progress(c, s, progress);
	return SIM_STATUS_GOOD;
}

/* SPC-4 §6.39: report and clear a pending deferred error (§4.5.5, response code 71h /
 * 73h, fault.h) or unit attention, else the current not-ready condition (a long
 * operation's with its progress indication, §4.5.2.4.4), else NO SENSE.  DESC
 * (CDB[1] b0) picks the format. */
uint8_t sim_spc_request_sense(struct sim_ctx *c)
{
	bool desc = c->cdb[1] & 0x01;
	struct sim_sense s = SIM_SENSE_NONE;
	struct sim_sense_field progress = { .valid = false };
	uint8_t sense[SIM_SENSE_MAX];

	if (c->itl && c->itl->deferred) {
		c->itl->deferred = false;
		size_t n = sim_sense_encode_full(sense, c->itl->deferred_sense, desc, true,
						 c->itl->deferred_has_info, c->itl->deferred_info, NULL);
		return sim_reply_copy(c, sense, n, c->cdb[4]);
	}
	if (!c->lun)
		s = SIM_SENSE_LUN_NOT_SUPPORTED;
	else if (sim_ua_pop(c->itl, &s))
		;
	else if (!sim_lun_ready(c->lun))
		s = sim_lun_not_ready_sense(c->lun);
	else if (sim_lun_busy(c->dev, c->lun, &s, &progress.byte))
		progress.valid = true;

	size_t n = sim_sense_encode_field(sense, s, desc, false, 0, &progress);
	return sim_reply_copy(c, sense, n, c->cdb[4]);
}

/* ---- INQUIRY (SPC-4 §6.6) ----------------------------------------------------- */

enum {
	INQ_STD_LEN    = 96,
	INQ_VENDOR     = 8,
	INQ_PRODUCT    = 16,
	INQ_REVISION   = 32,
	INQ_VERSION_DESCRIPTORS = 58,
};

#define SIM_PERIPHERAL_MMC        0x05	/* qualifier 000b, type 05h CD/DVD */
#define SIM_PERIPHERAL_NO_LUN     0x7f	/* qualifier 011b, type 1Fh (SPC-4 §6.6.2) */
#define SIM_SPC4_VERSION          0x06

/* Version descriptors (SPC-4 table 147). */
static const uint16_t sim_version_descriptors[] = {
	0x00a0,	/* SAM-5 */
	0x0460,	/* SPC-4 */
	0x04e0,	/* MMC-6 */
	0x0960,	/* iSCSI */
};

static uint8_t sim_inquiry_standard(struct sim_ctx *c, uint16_t alloc)
{
	uint8_t *b = sim_reply(c, INQ_STD_LEN, alloc);
	if (!b)
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	b[0] = c->lun ? SIM_PERIPHERAL_MMC : SIM_PERIPHERAL_NO_LUN;
	b[1] = 0x80;			/* RMB: removable medium */
	b[2] = SIM_SPC4_VERSION;
	b[3] = 0x02;			/* response data format 2 */
	b[4] = INQ_STD_LEN - 5;		/* additional length */
	b[7] = 0x02;			/* CMDQUE */
	/* A LUN answers as the drive it plays (personality.h); the default drive has the
	 * device's identification.  An unconfigured LUN has the device's. */
	const char *vendor = c->lun ? c->lun->pers.vendor : c->dev->vendor;
	const char *product = c->lun ? c->lun->pers.product : c->dev->product;
	const char *revision = c->lun ? c->lun->pers.revision : c->dev->revision;
	sim_put_ascii(b + INQ_VENDOR, vendor, 8);
	sim_put_ascii(b + INQ_PRODUCT, product, 16);
	sim_put_ascii(b + INQ_REVISION, revision, 4);
	for (size_t i = 0; i < sizeof(sim_version_descriptors) / sizeof(sim_version_descriptors[0]); i++)
		wire_put_be16(b + INQ_VERSION_DESCRIPTORS + 2 * i, sim_version_descriptors[i]);
	return SIM_STATUS_GOOD;
}

/* VPD pages we serve, ascending (SPC-4 §7.8.13 requires the order). */
static const uint8_t sim_vpd_pages[] = { 0x00, 0x80, 0x83 };

static uint8_t sim_vpd_supported(struct sim_ctx *c, uint16_t alloc)
{
	size_t n = sizeof(sim_vpd_pages);
	uint8_t *b = sim_reply(c, 4 + n, alloc);
	if (!b)
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	b[0] = SIM_PERIPHERAL_MMC;
	b[1] = 0x00;
	wire_put_be16(b + 2, (uint16_t)n);
	memcpy(b + 4, sim_vpd_pages, n);
	return SIM_STATUS_GOOD;
}

static uint8_t sim_vpd_serial(struct sim_ctx *c, uint16_t alloc)
{
	size_t n = strlen(c->lun->serial);
	uint8_t *b = sim_reply(c, 4 + n, alloc);
	if (!b)
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	b[0] = SIM_PERIPHERAL_MMC;
	b[1] = 0x80;
	wire_put_be16(b + 2, (uint16_t)n);
	memcpy(b + 4, c->lun->serial, n);
	return SIM_STATUS_GOOD;
}

/* Device Identification (SPC-4 §7.8.6): a T10 vendor ID based designator
 * (vendor + serial) and, with a target name, a SCSI name string designator
 * "<target name>,L,0x<LUN>" (§7.8.6.11: UTF-8, NUL terminated, padded to 4). */
static uint8_t sim_vpd_devid(struct sim_ctx *c, uint16_t alloc)
{
	uint8_t page[4 + 4 + 8 + 64 + 4 + 256 + 32];
	size_t pos = 4;

	size_t sn = strlen(c->lun->serial);
	page[pos + 0] = 0x02;		/* code set 2: ASCII */
	page[pos + 1] = 0x01;		/* association 00b (LU), type 1: T10 vendor ID */
	page[pos + 2] = 0;
	page[pos + 3] = (uint8_t)(8 + sn);
	sim_put_ascii(page + pos + 4, c->lun->pers.vendor, 8);
	memcpy(page + pos + 12, c->lun->serial, sn);
	pos += 4 + 8 + sn;

	if (c->dev->target_name) {
		char name[300];
		uint8_t lun8[8];
		sim_lun_encode(lun8, c->lun->lun);
		int n = snprintf(name, sizeof(name), "%s,L,0x%016" PRIx64, c->dev->target_name,
				 wire_be64(lun8));
		if (n > 0 && (size_t)n < 252) {
			size_t len = ((size_t)n + 1 + 3) & ~(size_t)3;
			page[pos + 0] = 0x03;	/* code set 3: UTF-8 */
			page[pos + 1] = 0x08;	/* association 00b (LU), type 8: SCSI name */
			page[pos + 2] = 0;
			page[pos + 3] = (uint8_t)len;
			memset(page + pos + 4, 0, len);
			memcpy(page + pos + 4, name, (size_t)n);
			pos += 4 + len;
		}
	}

	page[0] = SIM_PERIPHERAL_MMC;
	page[1] = 0x83;
	page[2] = 0;
	wire_put_be16(page + 2, (uint16_t)(pos - 4));
	return sim_reply_copy(c, page, pos, alloc);
}

uint8_t sim_spc_inquiry(struct sim_ctx *c)
{
	bool evpd = c->cdb[1] & 0x01;
	uint8_t page = c->cdb[2];
	uint16_t alloc = wire_be16(c->cdb + 3);

	if (!evpd) {
		if (page != 0)	/* SPC-4 §6.6.1: PAGE CODE without EVPD */
			return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, -1);
		return sim_inquiry_standard(c, alloc);
	}
	if (!c->lun)
		return sim_fail(c, SIM_SENSE_LUN_NOT_SUPPORTED);
	switch (page) {
	case 0x00: return sim_vpd_supported(c, alloc);
	case 0x80: return sim_vpd_serial(c, alloc);
	case 0x83: return sim_vpd_devid(c, alloc);
	default:   return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, -1);
	}
}

/* ---- REPORT LUNS (SPC-4 §6.33) ----------------------------------------------- */

uint8_t sim_spc_report_luns(struct sim_ctx *c)
{
	uint8_t select = c->cdb[2];
	uint32_t alloc = wire_be32(c->cdb + 6);

	if (alloc < 16)		/* §6.33: allocation length below 16 */
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 6, -1);
	if (select > 0x02)	/* 00h all, 01h well known only, 02h all of both */
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, -1);

	size_t n = select == 0x01 ? 0 : c->dev->nluns;	/* no well-known LUNs */
	uint8_t *b = sim_reply(c, 8 + 8 * n, alloc);
	if (!b)
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	wire_put_be32(b, (uint32_t)(8 * n));
	/* Ascending LUN order: pick the next larger each time (nluns is small). */
	int prev = -1;
	for (size_t i = 0; i < n; i++) {
		int best = 0x10000;
		for (size_t j = 0; j < c->dev->nluns; j++)
			if (c->dev->luns[j].lun > prev && c->dev->luns[j].lun < best)
				best = c->dev->luns[j].lun;
		sim_lun_encode(b + 8 + 8 * i, (uint16_t)best);
		prev = best;
	}
	return SIM_STATUS_GOOD;
}

/* ---- Mode pages (SPC-4 §7.5, MMC-6 §7) --------------------------------------- */

enum sim_pc { SIM_PC_CURRENT = 0, SIM_PC_CHANGEABLE = 1, SIM_PC_DEFAULT = 2, SIM_PC_SAVED = 3 };

/* Each builder writes the whole page (code, length, body) for one PC value and
 * returns its size.  Changeable values are masks: 1 = the host may change the bit. */

/* Read/Write Error Recovery page 01h, MMC variant (length 0Ah). */
static size_t sim_page_error_recovery(const struct sim_lun *lun, enum sim_pc pc, uint8_t *p)
{
	memset(p, 0, 12);
	p[0] = 0x01;
	p[1] = 0x0a;
	if (pc != SIM_PC_CHANGEABLE) {
		p[3] = 0x10;		/* read retry count */
		p[8] = 0x10;		/* write retry count */
	}
	return 12;
}

/* Control page 0Ah, SPC-4 §7.5.8 (length 0Ah).  Only D_SENSE is changeable. */
static size_t sim_page_control(const struct sim_lun *lun, enum sim_pc pc, uint8_t *p)
{
	memset(p, 0, 12);
	p[0] = 0x0a;
	p[1] = 0x0a;
	switch (pc) {
	case SIM_PC_CHANGEABLE:
		p[2] = 0x04;				/* D_SENSE */
		break;
	case SIM_PC_CURRENT:
		p[2] = (uint8_t)(0x02 | (lun->mode.d_sense ? 0x04 : 0));
		wire_put_be16(p + 8, 0xffff);		/* busy timeout: unlimited */
		break;
	default:
		p[2] = 0x02;				/* GLTSD: no log parameters saved */
		wire_put_be16(p + 8, 0xffff);
		break;
	}
	return 12;
}

/* Power Condition page 1Ah, SPC-4 §7.5.13 (length 26h): no timers enabled. */
static size_t sim_page_power_condition(const struct sim_lun *lun, enum sim_pc pc, uint8_t *p)
{
	memset(p, 0, 40);
	p[0] = 0x1a;
	p[1] = 0x26;
	return 40;
}

/* MM Capabilities and Mechanical Status page 2Ah (MMC-3's; hosts such as cdrecord
 * still read it).  A reader: CD-R, CD-RW, DVD-ROM reading, no write bits.  A recorder adds
 * its speeds, buffer and write speed descriptors (lun.c).  Page length 1Eh + 4n. */
static size_t sim_page_capabilities(const struct sim_lun *lun, enum sim_pc pc, uint8_t *p,
				    bool locked)
{
	memset(p, 0, 32);
	p[0] = 0x2a;
	p[1] = 0x1e;
	if (pc == SIM_PC_CHANGEABLE)
		return lun->recorder ? sim_lun_page2a(lun, pc, p) : 32;
	p[2] = 0x0b;			/* reads CD-R (b0), CD-RW (b1), DVD-ROM (b3) */
	p[3] = 0x00;			/* writes nothing */
	if (lun->recorder) {		/* a recorder: what its personality takes */
		const struct sim_personality *pp = &lun->pers;
		p[2] = (uint8_t)((sim_personality_takes_family(pp, REC_CD) ? 0x03 : 0) |
				 (sim_personality_takes_family(pp, REC_DVD) ? 0x18 : 0));
		p[3] = (uint8_t)((sim_personality_has_medium(pp, "cd-r") ? 0x01 : 0) |
				 (sim_personality_has_medium(pp, "cd-rw") ? 0x02 : 0) |
				 (sim_personality_has_medium(pp, "dvd-r") ? 0x10 : 0));
		if (p[3] & 0x11)
			p[3] |= 0x04;	/* Test Write: CD-R/RW and DVD-R/RW (doc/simdrive-recorder.md) */
	}
	p[4] = 0x10;			/* mode 2 form 1 */
	p[5] = 0x00;
	p[6] = 0x20 | 0x08 | 0x01;	/* tray loading mechanism, eject, lock */
	if (locked && pc == SIM_PC_CURRENT)
		p[6] |= 0x02;		/* lock state */
	wire_put_be16(p + 8, 8448);	/* max read speed kB/s (obsolete field) */
	wire_put_be16(p + 12, 2048);	/* buffer size KiB */
	wire_put_be16(p + 14, 8448);	/* current read speed (obsolete field) */
	if (lun->recorder)	/* the speed SET CD SPEED / SET STREAMING selected, the table */
		return sim_lun_page2a(lun, pc, p);
	return 32;
}

#define SIM_PAGE_MAX 80		/* page 2Ah with SIM_PERS_MAX_SPEEDS descriptors */

static size_t sim_mode_page(struct sim_ctx *c, uint8_t code, enum sim_pc pc, uint8_t *p)
{
	switch (code) {
	case 0x01: return sim_page_error_recovery(c->lun, pc, p);
	case 0x05: return sim_lun_page05(c->lun, pc, p);	/* recorder LUNs only */
	case 0x0a: return sim_page_control(c->lun, pc, p);
	case 0x1a: return sim_page_power_condition(c->lun, pc, p);
	case 0x2a: return sim_page_capabilities(c->lun, pc, p,
						sim_lun_prevented(c->dev, c->lun_index));
	default:   return 0;
	}
}

/* Pages in the order 3Fh returns them. */
static const uint8_t sim_mode_pages[] = { 0x01, 0x05, 0x0a, 0x1a, 0x2a };

static uint8_t sim_mode_sense(struct sim_ctx *c, bool ten)
{
	enum sim_pc pc = (enum sim_pc)(c->cdb[2] >> 6);
	uint8_t page = c->cdb[2] & 0x3f;
	uint8_t subpage = c->cdb[3];
	uint32_t alloc = ten ? wire_be16(c->cdb + 7) : c->cdb[4];
	size_t hl = ten ? 8 : 4;
	uint8_t data[8 + sizeof(sim_mode_pages) * SIM_PAGE_MAX];
	size_t pos = hl;

	if (pc == SIM_PC_SAVED)		/* SPC-4 §6.11.1: no saved values */
		return sim_fail_cdb(c, SIM_SENSE_SAVING_PARAMS_NOT_SUPPORTED, 2, 7);
	/* Subpage 00h is the page itself; FFh asks for it and all its subpages, of
	 * which we have none (§6.11.1 table 95). */
	if (subpage != 0x00 && subpage != 0xff)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 3, -1);

	memset(data, 0, sizeof(data));
	for (size_t i = 0; i < sizeof(sim_mode_pages); i++)
		if (page == 0x3f || page == sim_mode_pages[i])
			pos += sim_mode_page(c, sim_mode_pages[i], pc, data + pos);
	if (pos == hl)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, 5);

	/* Header: medium type 0, device-specific 0, no block descriptors (MMC
	 * devices return none, whatever DBD says). */
	if (ten)
		wire_put_be16(data, (uint16_t)(pos - 2));
	else
		data[0] = (uint8_t)(pos - 1);

	return sim_reply_copy(c, data, pos, alloc);
}

uint8_t sim_spc_mode_sense6(struct sim_ctx *c)
{
	return sim_mode_sense(c, false);
}

uint8_t sim_spc_mode_sense10(struct sim_ctx *c)
{
	return sim_mode_sense(c, true);
}

static int sim_high_bit(uint8_t v)
{
	int b = 7;
	while (b > 0 && !(v & (1u << b)))
		b--;
	return b;
}

/* MODE SELECT (SPC-4 §6.9/§6.10): every page is checked against the changeable
 * mask before anything is applied; a change raises 2A/01 on the other nexuses. */
static uint8_t sim_mode_select(struct sim_ctx *c, bool ten)
{
	const struct sim_cmd *cmd = c->cmd;
	uint32_t plen = ten ? wire_be16(c->cdb + 7) : c->cdb[4];
	size_t hl = ten ? 8 : 4;

	if (c->cdb[1] & 0x01)		/* SP: we save nothing */
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 0);
	c->cmd->spdtl = plen;
	if (plen == 0)
		return SIM_STATUS_GOOD;
	if (cmd->data_out_len < plen || !cmd->data_out || plen < hl)
		return sim_fail(c, SIM_SENSE_PARAM_LIST_LENGTH);

	const uint8_t *p = cmd->data_out;
	uint16_t bdl = ten ? wire_be16(p + 6) : p[3];
	if (bdl != 0)			/* MMC: no block descriptors */
		return sim_fail_param(c, SIM_SENSE_INVALID_FIELD_IN_PARAM, ten ? 6 : 3, -1);

	struct sim_mode next = c->lun->mode;
	const uint8_t *page05 = NULL;
	for (size_t pos = hl; pos < plen;) {
		uint8_t cur[SIM_PAGE_MAX], mask[SIM_PAGE_MAX];
		uint8_t code = p[pos] & 0x3f;

		if (pos + 2 > plen)
			return sim_fail(c, SIM_SENSE_PARAM_LIST_LENGTH);
		if (p[pos] & 0x40)	/* SPF: we have no subpages */
			return sim_fail_param(c, SIM_SENSE_INVALID_FIELD_IN_PARAM, (uint16_t)pos, 6);
		size_t len = sim_mode_page(c, code, SIM_PC_CURRENT, cur);
		if (len == 0)
			return sim_fail_param(c, SIM_SENSE_INVALID_FIELD_IN_PARAM, (uint16_t)pos, 5);
		sim_mode_page(c, code, SIM_PC_CHANGEABLE, mask);
		if (p[pos + 1] != cur[1])
			return sim_fail_param(c, SIM_SENSE_INVALID_FIELD_IN_PARAM,
					      (uint16_t)(pos + 1), -1);
		if (pos + len > plen)
			return sim_fail(c, SIM_SENSE_PARAM_LIST_LENGTH);
		if (code == 0x05) {	/* validated by the drive model (recorder.c) only */
			page05 = p + pos;
			pos += len;
			continue;
		}
		for (size_t i = 2; i < len; i++) {
			uint8_t bad = (uint8_t)((p[pos + i] ^ cur[i]) & ~mask[i]);
			if (bad)
				return sim_fail_param(c, SIM_SENSE_INVALID_FIELD_IN_PARAM,
						      (uint16_t)(pos + i), sim_high_bit(bad));
		}
		if (code == 0x0a)
			next.d_sense = p[pos + 2] & 0x04;
		pos += len;
	}

	bool changed = false;
	if (page05) {
		uint8_t old[SIM_PAGE_MAX], now[SIM_PAGE_MAX];
		size_t n = sim_lun_page05(c->lun, SIM_PC_CURRENT, old);
		struct sim_sense s = sim_lun_page05_select(c->dev, c->lun, page05, n);
		if (s.key != SIM_KEY_NO_SENSE)
			return sim_fail(c, s);
		changed = sim_lun_page05(c->lun, SIM_PC_CURRENT, now) != n || memcmp(old, now, n);
	}
	if (memcmp(&next, &c->lun->mode, sizeof(next)) != 0 || changed) {
		c->lun->mode = next;
		sim_ua_raise_others(c->dev, c->lun_index, c->nexus, SIM_SENSE_PARAMETERS_CHANGED);
	}
	return SIM_STATUS_GOOD;
}

uint8_t sim_spc_mode_select6(struct sim_ctx *c)
{
	return sim_mode_select(c, false);
}

uint8_t sim_spc_mode_select10(struct sim_ctx *c)
{
	return sim_mode_select(c, true);
}

/* ---- START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL --------------------------- */

/* START STOP UNIT (SBC-3, MMC-6): a POWER CONDITION other than 0 ignores LOEJ and START;
 * LOEJ=0 changes nothing we model; LOEJ=1 ejects (START=0) or loads (START=1)
 * unless some nexus prevents medium removal.  IMMED changes nothing: we complete
 * synchronously. */
uint8_t sim_spc_start_stop_unit(struct sim_ctx *c)
{
	uint8_t power = c->cdb[4] >> 4;
	bool loej = c->cdb[4] & 0x02;
	bool start = c->cdb[4] & 0x01;

	if (power != 0 || !loej)
		return SIM_STATUS_GOOD;
	if (sim_lun_prevented(c->dev, c->lun_index))
		return sim_fail(c, SIM_SENSE_MEDIUM_REMOVAL_PREVENTED);

	/* The loading nexus sees the load complete; the others learn of it by UA. */
	sim_lun_move_tray(c->dev, c->lun_index, !start, c->nexus);
	return SIM_STATUS_GOOD;
}

/* SPC-4 §6.13 and MMC-6: per I_T nexus; b1 is MMC's persistent prevent. */
uint8_t sim_spc_prevent_allow(struct sim_ctx *c)
{
	c->itl->prevent = c->cdb[4] & 0x01;
	c->itl->persistent = c->cdb[4] & 0x02;
	return SIM_STATUS_GOOD;
}

