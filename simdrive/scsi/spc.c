/* simdrive/scsi/spc.c - command handlers of the read-only MMC logical unit: the SPC-4
 * commands every device answers, plus the MMC-6 reading and discovery commands
 * (READ CAPACITY, READ(10)/(12), READ TOC, GET CONFIGURATION, GET EVENT STATUS).
 *
 * Handlers run after the generic checks of device.c (LUN, unit attention, opcode,
 * reserved CDB bits, medium present).  They build the full response with
 * sim_reply(), which applies allocation-length truncation, or fail with a named
 * sense condition. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device-private.h"
#include "log.h"
#include "wire.h"

static uint32_t sim_min32(uint64_t a, uint64_t b)
{
	return (uint32_t)(a < b ? a : b);
}

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
	 * (after IMMED) is not ready, with the progress (spec §1.1, §6 item 1). */
	if (sim_mmc_busy(c, &s, &progress))
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
	else if (sim_mmc_busy(c, &s, &progress.byte))
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

/* MM Capabilities and Mechanical Status page 2Ah (MMC-3; layout per
 * spec/mmc-subset.md §1.3).  A reader: CD-R, CD-RW, DVD-ROM reading, no write bits.  A
 * recorder adds its speeds, buffer and write speed descriptors (mmc.c).  Page length
 * 1Eh + 4n. */
static size_t sim_page_capabilities(const struct sim_lun *lun, enum sim_pc pc, uint8_t *p,
				    bool locked)
{
	memset(p, 0, 32);
	p[0] = 0x2a;
	p[1] = 0x1e;
	if (pc == SIM_PC_CHANGEABLE)
		return lun->rec ? sim_mmc_page2a(lun, pc, p) : 32;
	p[2] = 0x0b;			/* reads CD-R (b0), CD-RW (b1), DVD-ROM (b3) */
	p[3] = 0x00;			/* writes nothing */
	if (lun->rec) {			/* a recorder: what its personality takes */
		const struct sim_personality *pp = &lun->pers;
		p[2] = (uint8_t)((sim_personality_takes_family(pp, REC_CD) ? 0x03 : 0) |
				 (sim_personality_takes_family(pp, REC_DVD) ? 0x18 : 0));
		p[3] = (uint8_t)((sim_personality_has_medium(pp, "cd-r") ? 0x01 : 0) |
				 (sim_personality_has_medium(pp, "cd-rw") ? 0x02 : 0) |
				 (sim_personality_has_medium(pp, "dvd-r") ? 0x10 : 0));
		if (p[3] & 0x11)
			p[3] |= 0x04;	/* Test Write: CD-R/RW and DVD-R/RW (§6 item 8) */
	}
	p[4] = 0x10;			/* mode 2 form 1 */
	p[5] = 0x00;
	p[6] = 0x20 | 0x08 | 0x01;	/* tray loading mechanism, eject, lock */
	if (locked && pc == SIM_PC_CURRENT)
		p[6] |= 0x02;		/* lock state */
	wire_put_be16(p + 8, 8448);	/* max read speed kB/s (obsolete field) */
	wire_put_be16(p + 12, 2048);	/* buffer size KiB */
	wire_put_be16(p + 14, 8448);	/* current read speed (obsolete field) */
	if (lun->rec)	/* the speed SET CD SPEED / SET STREAMING selected, the table */
		return sim_mmc_page2a(lun, pc, p);
	return 32;
}

#define SIM_PAGE_MAX 80		/* page 2Ah with SIM_PERS_MAX_SPEEDS descriptors */

static size_t sim_mode_page(struct sim_ctx *c, uint8_t code, enum sim_pc pc, uint8_t *p)
{
	switch (code) {
	case 0x01: return sim_page_error_recovery(c->lun, pc, p);
	case 0x05: return sim_mmc_page05(c->lun, pc, p);	/* recorder LUNs only */
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
		if (code == 0x05) {	/* validated by the recorder (spec §1.2) */
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
		size_t n = sim_mmc_page05(c->lun, SIM_PC_CURRENT, old);
		struct sim_sense s = sim_mmc_page05_select(c->lun, page05, n);
		if (s.key != SIM_KEY_NO_SENSE)
			return sim_fail(c, s);
		changed = sim_mmc_page05(c->lun, SIM_PC_CURRENT, now) != n || memcmp(old, now, n);
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
	struct sim_lun *lun = c->lun;

	if (power != 0 || !loej)
		return SIM_STATUS_GOOD;
	if (sim_lun_prevented(c->dev, c->lun_index))
		return sim_fail(c, SIM_SENSE_MEDIUM_REMOVAL_PREVENTED);

	if (!start) {
		if (lun->tray == SIM_TRAY_OPEN)
			return SIM_STATUS_GOOD;
		lun->tray = SIM_TRAY_OPEN;
		if (sim_lun_has_disc(lun))
			sim_media_event_all(c->dev, c->lun_index, SIM_MEV_MEDIA_REMOVAL);
		SIM_INFO(SIM_LOGS_SCSI, "lun %u: tray opened", lun->lun);
		return SIM_STATUS_GOOD;
	}
	if (lun->tray == SIM_TRAY_CLOSED)
		return SIM_STATUS_GOOD;
	lun->tray = SIM_TRAY_CLOSED;
	if (sim_lun_has_disc(lun)) {
		/* The loading nexus saw the load complete; the others learn of it by UA. */
		sim_ua_raise_others(c->dev, c->lun_index, c->nexus,
				    SIM_SENSE_MEDIUM_MAY_HAVE_CHANGED);
		sim_media_event_all(c->dev, c->lun_index, SIM_MEV_NEW_MEDIA);
	}
	SIM_INFO(SIM_LOGS_SCSI, "lun %u: tray closed, %s", lun->lun, sim_lun_disc_name(lun));
	return SIM_STATUS_GOOD;
}

/* SPC-4 §6.13 and MMC-6: per I_T nexus; b1 is MMC's persistent prevent. */
uint8_t sim_spc_prevent_allow(struct sim_ctx *c)
{
	c->itl->prevent = c->cdb[4] & 0x01;
	c->itl->persistent = c->cdb[4] & 0x02;
	return SIM_STATUS_GOOD;
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

/* One-command format (§6.35.3): SUPPORT 011b with the CDB usage data, or 001b. */
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

uint8_t sim_spc_report_opcodes(struct sim_ctx *c)
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

/* ---- READ CAPACITY, READ(10), READ(12) ---------------------------------------- */

/* READ CAPACITY (MMC-6): last readable LBA and 2048.  PMI=0 with an LBA is invalid (SBC-3). */
uint8_t sim_mmc_read_capacity(struct sim_ctx *c)
{
	if (!(c->cdb[8] & 0x01) && wire_be32(c->cdb + 2) != 0)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, -1);
	uint8_t *b = sim_reply(c, 8, 8);
	if (!b)
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	wire_put_be32(b, sim_medium_blocks(c->lun->medium) - 1);
	wire_put_be32(b + 4, SIM_BLOCK_SIZE);
	return SIM_STATUS_GOOD;
}

/* SPDTL is blocks * 2048; the device reads only the min(SPDTL, EDTL) bytes the
 * transport will send, with one pread into one buffer. */
static uint8_t sim_read(struct sim_ctx *c, uint32_t lba, uint32_t blocks, uint16_t len_byte)
{
	const struct sim_medium *m = c->lun->medium;
	uint32_t cap = sim_medium_blocks(m);

	/* SBC-3 §4.5: an LBA past the last one, or a range running past it. */
	if (lba >= cap || (uint64_t)lba + blocks > cap)
		return sim_fail(c, SIM_SENSE_LBA_OUT_OF_RANGE);
	uint64_t bytes = (uint64_t)blocks * SIM_BLOCK_SIZE;
	if (bytes > UINT32_MAX)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, len_byte, -1);
	c->cmd->spdtl = (uint32_t)bytes;

	uint32_t want = c->cmd->dir_in ? sim_min32(bytes, c->cmd->edtl) : 0;
	if (want == 0)
		return SIM_STATUS_GOOD;
	uint8_t *buf = malloc(want);
	if (!buf)
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	int rc = sim_medium_read(m, lba, buf, want);
	if (rc < 0) {
		free(buf);
		SIM_ERR(SIM_LOGS_SCSI, "lun %u: read of %u blocks at %u failed: %s",
			c->lun->lun, blocks, lba, strerror(-rc));
		c->has_info = true;	/* INFORMATION: first LBA of the failed range */
		c->info = lba;
		return sim_fail(c, SIM_SENSE_UNRECOVERED_READ);
	}
	c->buf = buf;
	c->buflen = want;
	return SIM_STATUS_GOOD;
}

uint8_t sim_mmc_read10(struct sim_ctx *c)
{
	return sim_read(c, wire_be32(c->cdb + 2), wire_be16(c->cdb + 7), 7);
}

uint8_t sim_mmc_read12(struct sim_ctx *c)
{
	return sim_read(c, wire_be32(c->cdb + 2), wire_be32(c->cdb + 6), 6);
}

/* ---- READ TOC/PMA/ATIP (MMC-6): one data track in one session ----------- */

static void sim_put_addr(uint8_t *p, uint32_t lba, bool msf)
{
	if (!msf) {
		wire_put_be32(p, lba);
		return;
	}
	uint32_t f = lba + 150;		/* MSF 00:02:00 is LBA 0 */
	uint32_t m = f / (75 * 60);
	p[0] = 0;
	p[1] = (uint8_t)(m > 255 ? 255 : m);
	p[2] = (uint8_t)(f / 75 % 60);
	p[3] = (uint8_t)(f % 75);
}

#define TOC_ADR_CTL_DATA 0x14	/* ADR 1 (Q position), CONTROL 4 (data, uninterrupted) */
#define TOC_LEADOUT      0xaa

uint8_t sim_mmc_read_toc(struct sim_ctx *c)
{
	bool msf = c->cdb[1] & 0x02;
	uint8_t format = c->cdb[2] & 0x0f;
	uint8_t track = c->cdb[6];
	uint16_t alloc = wire_be16(c->cdb + 7);
	uint32_t leadout = sim_medium_blocks(c->lun->medium);
	uint8_t data[4 + 2 * 8];
	size_t pos = 4;

	if (format == 0 && (c->cdb[9] >> 6))	/* SFF-8020 format in the control byte */
		format = c->cdb[9] >> 6;
	memset(data, 0, sizeof(data));
	data[2] = 1;				/* first track / session */
	data[3] = 1;				/* last track / session */
	switch (format) {
	case 0x00:	/* formatted TOC from track `track` on, then the lead-out */
		if (track > 1 && track != TOC_LEADOUT)
			return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 6, -1);
		if (track <= 1) {
			data[pos + 1] = TOC_ADR_CTL_DATA;
			data[pos + 2] = 1;
			sim_put_addr(data + pos + 4, 0, msf);
			pos += 8;
		}
		data[pos + 1] = TOC_ADR_CTL_DATA;
		data[pos + 2] = TOC_LEADOUT;
		sim_put_addr(data + pos + 4, leadout, msf);
		pos += 8;
		break;
	case 0x01:	/* session information: first track of the last session */
		data[pos + 1] = TOC_ADR_CTL_DATA;
		data[pos + 2] = 1;
		sim_put_addr(data + pos + 4, 0, msf);
		pos += 8;
		break;
	default:
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 2, 3);
	}
	wire_put_be16(data, (uint16_t)(pos - 2));
	return sim_reply_copy(c, data, pos, alloc);
}

/* ---- GET CONFIGURATION (MMC-6; features per spec/mmc-subset.md §1.4) --------- */

struct sim_feature {
	uint16_t code;
	uint8_t  version;
	bool     persistent;
	bool     (*current)(const struct sim_lun *lun);
	size_t   (*body)(const struct sim_lun *lun, uint8_t *p);	/* after the 4-byte header */
};

static bool sim_always(const struct sim_lun *lun)
{
	return true;
}

static bool sim_has_medium(const struct sim_lun *lun)
{
	return sim_lun_ready(lun);
}

static bool sim_has_cd(const struct sim_lun *lun)
{
	return sim_lun_ready(lun) && sim_medium_is_cd(lun->medium);
}

static bool sim_has_dvd(const struct sim_lun *lun)
{
	return sim_lun_ready(lun) && !sim_medium_is_cd(lun->medium);
}

static uint16_t sim_current_profile(const struct sim_lun *lun)
{
	return sim_lun_ready(lun) ? (uint16_t)sim_medium_profile(lun->medium) : SIM_PROFILE_NONE;
}

/* Profiles the drive can present, most preferred first. */
static const uint16_t sim_profiles[] = { SIM_PROFILE_DVD_ROM, SIM_PROFILE_CD_ROM };

static size_t sim_feat_profiles(const struct sim_lun *lun, uint8_t *p)
{
	uint16_t cur = sim_current_profile(lun);
	for (size_t i = 0; i < sizeof(sim_profiles) / sizeof(sim_profiles[0]); i++) {
		wire_put_be16(p + 4 * i, sim_profiles[i]);
		p[4 * i + 2] = sim_profiles[i] == cur ? 0x01 : 0x00;	/* CurrentP */
		p[4 * i + 3] = 0;
	}
	return 4 * (sizeof(sim_profiles) / sizeof(sim_profiles[0]));
}

static size_t sim_feat_core(const struct sim_lun *lun, uint8_t *p)
{
	wire_put_be32(p, 1);		/* physical interface: SCSI family */
	p[4] = 0x03;			/* INQ2, DBE */
	p[5] = p[6] = p[7] = 0;
	return 8;
}

static size_t sim_feat_morphing(const struct sim_lun *lun, uint8_t *p)
{
	memset(p, 0, 4);
	p[0] = 0x02;			/* OCEvent: GESN operational change, no ASYNC */
	return 4;
}

static size_t sim_feat_removable(const struct sim_lun *lun, uint8_t *p)
{
	memset(p, 0, 4);
	p[0] = 0x20 | 0x10 | 0x08 | 0x04 | 0x01;	/* tray, load, eject, no prevent jumper, lock */
	return 4;
}

static size_t sim_feat_random_readable(const struct sim_lun *lun, uint8_t *p)
{
	memset(p, 0, 8);
	wire_put_be32(p, SIM_BLOCK_SIZE);
	wire_put_be16(p + 4, sim_has_cd(lun) ? 1 : 16);	/* blocking: CD 1, DVD 16 */
	return 8;
}

static size_t sim_feat_zero4(const struct sim_lun *lun, uint8_t *p)
{
	memset(p, 0, 4);
	return 4;
}

static size_t sim_feat_empty(const struct sim_lun *lun, uint8_t *p)
{
	return 0;
}

static const struct sim_feature sim_features[] = {
	{ 0x0000, 0, true,  sim_always,     sim_feat_profiles },	/* Profile List */
	{ 0x0001, 2, true,  sim_always,     sim_feat_core },		/* Core */
	{ 0x0002, 1, true,  sim_always,     sim_feat_morphing },	/* Morphing */
	{ 0x0003, 2, true,  sim_always,     sim_feat_removable },	/* Removable Medium */
	{ 0x0010, 0, false, sim_has_medium, sim_feat_random_readable },	/* Random Readable */
	{ 0x001e, 2, false, sim_has_cd,     sim_feat_zero4 },		/* CD Read */
	{ 0x001f, 1, false, sim_has_dvd,    sim_feat_zero4 },		/* DVD Read */
	{ 0x0100, 0, true,  sim_always,     sim_feat_empty },		/* Power Management */
};

bool sim_feature_selected(uint8_t rt, uint16_t start, uint16_t code, bool current)
{
	/* RT 00b: every feature from start on; 01b: only current ones; 10b: just start
	 * (MMC-6 §6.6.2). */
	if (rt == 0x02 ? code != start : code < start)
		return false;
	return rt != 0x01 || current;
}

size_t sim_feature_header(uint8_t *p, uint16_t code, uint8_t version, bool persistent,
			  bool current, size_t body_len)
{
	wire_put_be16(p, code);
	p[2] = (uint8_t)(version << 2 | (persistent ? 0x02 : 0) | (current ? 0x01 : 0));
	p[3] = (uint8_t)body_len;
	return 4 + body_len;
}

uint8_t sim_mmc_get_configuration(struct sim_ctx *c)
{
	uint8_t rt = c->cdb[1] & 0x03;
	uint16_t start = wire_be16(c->cdb + 2);
	uint16_t alloc = wire_be16(c->cdb + 7);
	uint8_t data[8 + sizeof(sim_features) / sizeof(sim_features[0]) * 16];
	size_t pos = 8;

	if (rt == 0x03)
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 1);
	memset(data, 0, sizeof(data));
	for (size_t i = 0; i < sizeof(sim_features) / sizeof(sim_features[0]); i++) {
		const struct sim_feature *f = &sim_features[i];
		bool cur = f->current(c->lun);

		if (!sim_feature_selected(rt, start, f->code, cur))
			continue;
		uint8_t *p = data + pos;
		pos += sim_feature_header(p, f->code, f->version, f->persistent, cur,
					  f->body(c->lun, p + 4));
	}
	wire_put_be32(data, (uint32_t)(pos - 4));
	wire_put_be16(data + 6, sim_current_profile(c->lun));

	return sim_reply_copy(c, data, pos, alloc);
}

/* ---- GET EVENT STATUS NOTIFICATION (MMC-6): polled, media class --------------- */

#define GESN_CLASS_MEDIA  4
#define GESN_MEDIA_MASK   (1u << GESN_CLASS_MEDIA)
#define GESN_NEA          0x80

uint8_t sim_mmc_get_event_status(struct sim_ctx *c)
{
	uint8_t request = c->cdb[4];
	uint16_t alloc = wire_be16(c->cdb + 7);

	if (!(c->cdb[1] & 0x01))	/* asynchronous mode is not supported */
		return sim_fail_cdb(c, SIM_SENSE_INVALID_FIELD_IN_CDB, 1, 0);

	if (!(request & GESN_MEDIA_MASK)) {
		uint8_t *b = sim_reply(c, 4, alloc);
		if (!b)
			return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
		wire_put_be16(b, 2);	/* event data length: total - 2 [PROJECT DECISION] */
		b[2] = GESN_NEA;
		b[3] = GESN_MEDIA_MASK;
		return SIM_STATUS_GOOD;
	}
	uint8_t *b = sim_reply(c, 8, alloc);
	if (!b)
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	wire_put_be16(b, 6);
	b[2] = GESN_CLASS_MEDIA;
	b[3] = GESN_MEDIA_MASK;
	b[4] = c->itl->media_event & 0x0f;
	b[5] = (uint8_t)((sim_lun_ready(c->lun) ? 0x02 : 0) |
			 (c->lun->tray == SIM_TRAY_OPEN ? 0x01 : 0));
	if (alloc >= 8)			/* reported, so consumed */
		c->itl->media_event = SIM_MEV_NONE;
	return SIM_STATUS_GOOD;
}
