/* mmcclient/mmccdb.c - the CDBs the engine side sends and the answers it decodes: every
 * opcode and field offset of mmcclient.h in one place.  Layouts: SPC-4 §6 (INQUIRY,
 * MODE SELECT/SENSE(10), REPORT LUNS, REQUEST SENSE, START STOP UNIT, TEST UNIT READY,
 * PREVENT ALLOW MEDIUM REMOVAL), SBC-3 (READ CAPACITY(10), READ(10), WRITE(10),
 * SYNCHRONIZE CACHE(10), as MMC-6 §6 takes them over), MMC-6 §6 for the rest; sense data
 * SPC-4 §4.5. */
#include "mmccdb.h"

#include <string.h>

static struct mcc_cdb cdb(uint8_t op, int len)
{
	struct mcc_cdb c;
	memset(&c, 0, sizeof(c));
	c.b[0] = op;
	c.len = len;
	return c;
}

/* A 10-byte CDB with an allocation or parameter list length in bytes 7-8. */
static struct mcc_cdb cdb10(uint8_t op, uint8_t byte1, uint16_t len78)
{
	struct mcc_cdb c = cdb(op, 10);
	c.b[1] = byte1;
	mcc_put16(c.b + 7, len78);
	return c;
}

struct mcc_cdb mcc_cdb_test_unit_ready(void) { return cdb(MCC_OP_TEST_UNIT_READY, 6); }
struct mcc_cdb mcc_cdb_rezero_unit(void) { return cdb(MCC_OP_REZERO_UNIT, 6); }
struct mcc_cdb mcc_cdb_read_capacity(void) { return cdb(MCC_OP_READ_CAPACITY, 10); }

struct mcc_cdb mcc_cdb_request_sense(bool desc, uint8_t alloc)
{
	struct mcc_cdb c = cdb(MCC_OP_REQUEST_SENSE, 6);
	c.b[1] = desc ? 0x01 : 0;
	c.b[4] = alloc;
	return c;
}

struct mcc_cdb mcc_cdb_format_unit(void)
{
	struct mcc_cdb c = cdb(MCC_OP_FORMAT_UNIT, 6);
	c.b[1] = 0x10 | 0x01;		/* FmtData, format code 001b */
	return c;
}

struct mcc_cdb mcc_cdb_inquiry(bool evpd, uint8_t page, uint16_t alloc)
{
	struct mcc_cdb c = cdb(MCC_OP_INQUIRY, 6);
	c.b[1] = evpd ? 0x01 : 0;
	c.b[2] = page;
	mcc_put16(c.b + 3, alloc);
	return c;
}

struct mcc_cdb mcc_cdb_start_stop_unit(bool loej, bool start)
{
	struct mcc_cdb c = cdb(MCC_OP_START_STOP_UNIT, 6);
	c.b[4] = (uint8_t)((loej ? 0x02 : 0) | (start ? 0x01 : 0));
	return c;
}

struct mcc_cdb mcc_cdb_prevent_allow(bool prevent)
{
	struct mcc_cdb c = cdb(MCC_OP_PREVENT_ALLOW, 6);
	c.b[4] = prevent ? 0x01 : 0;
	return c;
}

struct mcc_cdb mcc_cdb_read_format_capacities(uint16_t alloc)
{
	return cdb10(MCC_OP_READ_FORMAT_CAPACITIES, 0, alloc);
}

/* READ(10) and WRITE(10): LBA in bytes 2-5, transfer length in blocks in 7-8. */
static struct mcc_cdb rw10(uint8_t op, uint32_t lba, uint16_t blocks)
{
	struct mcc_cdb c = cdb10(op, 0, blocks);
	mcc_put32(c.b + 2, lba);
	return c;
}

struct mcc_cdb mcc_cdb_read10(uint32_t lba, uint16_t blocks)
{
	return rw10(MCC_OP_READ10, lba, blocks);
}

struct mcc_cdb mcc_cdb_write10(uint32_t lba, uint16_t blocks)
{
	return rw10(MCC_OP_WRITE10, lba, blocks);
}

static struct mcc_cdb rw12(uint8_t op, uint32_t lba, uint32_t blocks)
{
	struct mcc_cdb c = cdb(op, 12);
	mcc_put32(c.b + 2, lba);
	mcc_put32(c.b + 6, blocks);
	return c;
}

struct mcc_cdb mcc_cdb_read12(uint32_t lba, uint32_t blocks)
{
	return rw12(MCC_OP_READ12, lba, blocks);
}

struct mcc_cdb mcc_cdb_write12(uint32_t lba, uint32_t blocks, bool streaming)
{
	struct mcc_cdb c = rw12(MCC_OP_WRITE12, lba, blocks);
	c.b[10] = streaming ? 0x80 : 0;
	return c;
}

struct mcc_cdb mcc_cdb_synchronize_cache(bool immed)
{
	struct mcc_cdb c = cdb(MCC_OP_SYNCHRONIZE_CACHE, 10);
	c.b[1] = immed ? 0x02 : 0;
	return c;
}

struct mcc_cdb mcc_cdb_read_toc(bool msf, uint8_t format, uint8_t number, uint16_t alloc)
{
	struct mcc_cdb c = cdb10(MCC_OP_READ_TOC, msf ? 0x02 : 0, alloc);
	c.b[2] = format & 0x0f;
	c.b[6] = number;
	return c;
}

struct mcc_cdb mcc_cdb_get_configuration(uint8_t rt, uint16_t start, uint16_t alloc)
{
	struct mcc_cdb c = cdb10(MCC_OP_GET_CONFIGURATION, rt & 0x03, alloc);
	mcc_put16(c.b + 2, start);
	return c;
}

struct mcc_cdb mcc_cdb_get_event_status(bool polled, uint8_t classes, uint16_t alloc)
{
	struct mcc_cdb c = cdb10(MCC_OP_GET_EVENT_STATUS, polled ? 0x01 : 0, alloc);
	c.b[4] = classes;
	return c;
}

struct mcc_cdb mcc_cdb_read_disc_information(uint8_t type, uint16_t alloc)
{
	return cdb10(MCC_OP_READ_DISC_INFORMATION, type & 0x07, alloc);
}

struct mcc_cdb mcc_cdb_read_track_information(uint8_t type, uint32_t address, uint16_t alloc)
{
	struct mcc_cdb c = cdb10(MCC_OP_READ_TRACK_INFORMATION, type & 0x03, alloc);
	mcc_put32(c.b + 2, address);
	return c;
}

struct mcc_cdb mcc_cdb_reserve_track(uint32_t blocks)
{
	struct mcc_cdb c = cdb(MCC_OP_RESERVE_TRACK, 10);
	mcc_put32(c.b + 5, blocks);	/* ARSV=0: reservation size in bytes 5-8 */
	return c;
}

struct mcc_cdb mcc_cdb_mode_select10(bool sp, uint16_t len)
{
	/* PF: pages are SPC-4 format; SP: save them (SPC-4 §6.11). */
	return cdb10(MCC_OP_MODE_SELECT10, (uint8_t)(0x10 | (sp ? 0x01 : 0)), len);
}

struct mcc_cdb mcc_cdb_mode_sense10(bool dbd, uint8_t pc, uint8_t page, uint16_t alloc)
{
	struct mcc_cdb c = cdb10(MCC_OP_MODE_SENSE10, dbd ? 0x08 : 0, alloc);
	c.b[2] = (uint8_t)((pc & 0x03) << 6 | (page & 0x3f));
	return c;
}

struct mcc_cdb mcc_cdb_close_track_session(bool immed, uint8_t function, uint16_t number)
{
	struct mcc_cdb c = cdb(MCC_OP_CLOSE_TRACK_SESSION, 10);
	c.b[1] = immed ? 0x01 : 0;
	c.b[2] = function & 0x07;
	mcc_put16(c.b + 4, number);
	return c;
}

struct mcc_cdb mcc_cdb_read_buffer_capacity(bool block, uint16_t alloc)
{
	return cdb10(MCC_OP_READ_BUFFER_CAPACITY, block ? 0x01 : 0, alloc);
}

struct mcc_cdb mcc_cdb_send_cue_sheet(uint32_t len)
{
	struct mcc_cdb c = cdb(MCC_OP_SEND_CUE_SHEET, 10);
	mcc_put24(c.b + 6, len);
	return c;
}

struct mcc_cdb mcc_cdb_report_luns(uint32_t alloc)
{
	struct mcc_cdb c = cdb(MCC_OP_REPORT_LUNS, 12);
	mcc_put32(c.b + 6, alloc);
	return c;
}

struct mcc_cdb mcc_cdb_blank(bool immed, uint8_t type)
{
	struct mcc_cdb c = cdb(MCC_OP_BLANK, 12);
	c.b[1] = (uint8_t)((immed ? 0x10 : 0) | (type & 0x07));
	return c;
}

struct mcc_cdb mcc_cdb_get_performance(uint8_t data_type, uint32_t lba, uint16_t max,
				       uint8_t type)
{
	struct mcc_cdb c = cdb(MCC_OP_GET_PERFORMANCE, 12);
	c.b[1] = data_type;
	mcc_put32(c.b + 2, lba);
	mcc_put16(c.b + 8, max);
	c.b[10] = type;
	return c;
}

struct mcc_cdb mcc_cdb_read_disc_structure(uint8_t media, uint32_t address, uint8_t layer,
					   uint8_t format, uint16_t alloc, uint8_t agid)
{
	struct mcc_cdb c = cdb(MCC_OP_READ_DISC_STRUCTURE, 12);
	c.b[1] = media & 0x0f;
	mcc_put32(c.b + 2, address);
	c.b[6] = layer;
	c.b[7] = format;
	mcc_put16(c.b + 8, alloc);
	c.b[10] = (uint8_t)(agid << 6);
	return c;
}

/* MMC-6 §6.44: format in byte 7, parameter list length in bytes 8-9. */
struct mcc_cdb mcc_cdb_send_disc_structure(uint8_t format, uint16_t len)
{
	struct mcc_cdb c = cdb(MCC_OP_SEND_DISC_STRUCTURE, 12);
	c.b[7] = format;
	mcc_put16(c.b + 8, len);
	return c;
}

struct mcc_cdb mcc_cdb_set_streaming(uint8_t type, uint16_t len)
{
	struct mcc_cdb c = cdb(MCC_OP_SET_STREAMING, 12);
	c.b[8] = type;
	mcc_put16(c.b + 9, len);
	return c;
}

struct mcc_cdb mcc_cdb_set_cd_speed(uint16_t read_kbps, uint16_t write_kbps)
{
	struct mcc_cdb c = cdb(MCC_OP_SET_CD_SPEED, 12);
	mcc_put16(c.b + 2, read_kbps);
	mcc_put16(c.b + 4, write_kbps);
	return c;
}

/* ---- parameter lists ---------------------------------------------------------------- */

void mcc_format_list(uint8_t par[MCC_FORMAT_LIST_LEN], uint8_t flags, uint32_t blocks,
		     uint8_t type, uint32_t param)
{
	memset(par, 0, MCC_FORMAT_LIST_LEN);
	par[1] = flags;
	mcc_put16(par + 2, 8);		/* format descriptor length */
	mcc_put32(par + 4, blocks);
	par[8] = (uint8_t)(type << 2);
	mcc_put24(par + 9, param);
}

void mcc_streaming_desc(uint8_t par[MCC_STREAMING_LEN], bool rdd, uint32_t start_lba,
			uint32_t end_lba, uint32_t read_kbps, uint32_t write_kbps)
{
	memset(par, 0, MCC_STREAMING_LEN);
	par[0] = rdd ? 0x04 : 0;
	mcc_put32(par + 4, start_lba);
	mcc_put32(par + 8, end_lba);
	mcc_put32(par + 12, read_kbps);
	mcc_put32(par + 16, 1000);
	mcc_put32(par + 20, write_kbps);
	mcc_put32(par + 24, 1000);
}

/* ---- READ FORMAT CAPACITIES ---------------------------------------------------------- */

int mcc_format_current(const uint8_t *p, int len)
{
	return len >= 12 ? p[8] & 0x03 : 0;
}

bool mcc_format_offer(const uint8_t *p, int len, uint8_t type, uint32_t *blocks,
		      uint32_t *param)
{
	/* A 4-byte header (list length in byte 3), the current/maximum descriptor, then
	 * the formattable descriptors: blocks, format type in byte 4 b7-2, parameter. */
	int list = len >= 4 ? p[3] : 0;
	for (int off = 4 + 8; off + 8 <= 4 + list && off + 8 <= len; off += 8)
		if ((p[off + 4] >> 2) == type) {
			*blocks = mcc_be32(p + off);
			*param = mcc_be24(p + off + 5);
			return true;
		}
	return false;
}

/* ---- mode pages ----------------------------------------------------------------------- */

int mcc_mode_page_offset(const uint8_t *data, int len)
{
	if (len < MCC_MODE_HDR10)
		return -1;
	int off = MCC_MODE_HDR10 + mcc_be16(data + 6);	/* block descriptor length */
	return len < off + 2 ? -1 : off;
}

int mcc_mode_page(const uint8_t *data, int len, uint8_t *page, int cap)
{
	int off = mcc_mode_page_offset(data, len);
	if (off < 0)
		return -1;
	int plen = 2 + data[off + 1];
	if (plen > cap || len < off + plen)
		return -1;
	memcpy(page, data + off, (size_t)plen);
	page[0] &= 0x3f;		/* PS is reserved in MODE SELECT (SPC-4 §7.5.7) */
	return plen;
}

int mcc_mode_list(uint8_t *par, int cap, const uint8_t *page, int plen, int bdl)
{
	int n = MCC_MODE_HDR10 + bdl + plen;
	if (bdl < 0 || plen < 0 || n > cap)
		return -1;
	memset(par, 0, (size_t)(MCC_MODE_HDR10 + bdl));	/* mode data length reserved */
	mcc_put16(par + 6, (uint16_t)bdl);
	memcpy(par + MCC_MODE_HDR10 + bdl, page, (size_t)plen);
	return n;
}

static void set_bits(uint8_t *b, uint8_t mask, uint8_t v)
{
	*b = (uint8_t)((*b & ~mask) | (v & mask));
}

void mcc_p05_set_write_type(uint8_t *page, uint8_t type)
{
	set_bits(page + MCC_P05_FLAGS, 0x0f, type);
}

void mcc_p05_set_test_write(uint8_t *page, bool on)
{
	set_bits(page + MCC_P05_FLAGS, 0x10, on ? 0x10 : 0);
}

void mcc_p05_set_bufe(uint8_t *page, bool on)
{
	set_bits(page + MCC_P05_FLAGS, 0x40, on ? 0x40 : 0);
}

void mcc_p05_set_multisession(uint8_t *page, uint8_t ms)
{
	set_bits(page + MCC_P05_TRACK, 0xc0, (uint8_t)(ms << 6));
}

void mcc_p05_set_track_mode(uint8_t *page, uint8_t mode)
{
	set_bits(page + MCC_P05_TRACK, 0x0f, mode);
}

void mcc_p05_set_fp(uint8_t *page, bool on)
{
	set_bits(page + MCC_P05_TRACK, 0x20, on ? 0x20 : 0);
}

void mcc_p05_set_ls_v(uint8_t *page, bool on)
{
	set_bits(page + MCC_P05_FLAGS, 0x20, on ? 0x20 : 0);
}

void mcc_p05_set_link_size(uint8_t *page, uint8_t size)
{
	page[MCC_P05_LINK] = size;
}

void mcc_p05_set_session_format(uint8_t *page, uint8_t format)
{
	page[MCC_P05_SESSION_FORMAT] = format;
}

void mcc_p05_set_packet_size(uint8_t *page, uint32_t blocks)
{
	mcc_put32(page + MCC_P05_PACKET, blocks);
}

void mcc_p05_set_audio_pause(uint8_t *page, uint16_t blocks)
{
	mcc_put16(page + MCC_P05_PAUSE, blocks);
}

void mcc_p05_set_dbt(uint8_t *page, uint8_t dbt)
{
	set_bits(page + MCC_P05_DBT, 0x0f, dbt);
}

/* ---- disc and track information -------------------------------------------------------- */

bool mcc_disc_info_lba(uint32_t field, bool cd, int32_t *lba)
{
	if (field == 0xffffffffu)
		return false;
	if (!cd) {
		*lba = (int32_t)field;
		return true;
	}
	uint8_t m = (uint8_t)(field >> 16), sec = (uint8_t)(field >> 8), f = (uint8_t)field;
	int32_t v = ((int32_t)m * 60 + sec) * 75 + f;
	*lba = m >= 90 ? v - 450150 : v - 150;
	return true;
}

bool mcc_disc_info(const uint8_t *p, int len, struct mcc_disc_info *d)
{
	memset(d, 0, sizeof(*d));
	if (len < 24)
		return false;
	d->status = p[2] & 3;
	d->last_state = p[2] >> 2 & 3;
	d->erasable = p[2] & 0x10;
	d->first_track = p[3];
	d->sessions = p[4] | p[9] << 8;
	d->first_in_last = p[5] | p[10] << 8;
	d->last_in_last = p[6] | p[11] << 8;
	d->bg_format = p[7] & 3;
	d->disc_type = p[8];
	d->leadin = mcc_be32(p + 16);
	d->last_leadout = mcc_be32(p + 20);
	return true;
}

bool mcc_track_info(const uint8_t *p, int len, struct mcc_track_info *t)
{
	memset(t, 0, sizeof(*t));
	if (len < 32)
		return false;
	t->number = p[2] | (len > 32 ? p[32] << 8 : 0);
	t->session = p[3] | (len > 33 ? p[33] << 8 : 0);
	t->damage = p[5] & 0x20;
	t->copy = p[5] & 0x10;
	t->mode = p[5] & 0x0f;
	t->rt = p[6] & 0x80;
	t->blank = p[6] & 0x40;
	t->packet = p[6] & 0x20;
	t->fp = p[6] & 0x10;
	t->data_mode = p[6] & 0x0f;
	t->lra_v = p[7] & 0x02;
	t->nwa_v = p[7] & 0x01;
	t->start = mcc_be32(p + 8);
	t->nwa = mcc_be32(p + 12);
	t->free = mcc_be32(p + 16);
	t->packet_size = mcc_be32(p + 20);
	t->size = mcc_be32(p + 24);
	t->lra = mcc_be32(p + 28);
	return true;
}

/* ---- sense ----------------------------------------------------------------------------- */

bool mcc_sense_decode(const uint8_t *s, int len, struct mcc_sense *out)
{
	memset(out, 0, sizeof(*out));
	int code = len > 0 ? s[0] & 0x7f : 0;
	if (len >= 14 && (code == 0x70 || code == 0x71)) {	/* fixed, SPC-4 §4.5.3 */
		out->key = s[2] & 0x0f;
		out->asc = s[12];
		out->ascq = s[13];
		out->info_valid = s[0] & 0x80;
		out->info = mcc_be32(s + 3);
		if (len >= 18) {
			out->sksv = s[15] & 0x80;
			memcpy(out->sks, s + 15, 3);
		}
	} else if (len >= 4 && (code == 0x72 || code == 0x73)) {	/* descriptor, §4.5.2 */
		out->key = s[1] & 0x0f;
		out->asc = s[2];
		out->ascq = s[3];
		/* the sense-key specific descriptor (type 02h, §4.5.2.4) */
		for (int i = 8; i + 1 < len; i += 2 + s[i + 1])
			if (s[i] == 0x02 && i + 7 <= len) {
				out->sksv = s[i + 4] & 0x80;
				memcpy(out->sks, s + i + 4, 3);
				break;
			}
	} else {
		return false;
	}
	out->code = code;
	out->deferred = code == 0x71 || code == 0x73;
	return true;
}

bool mcc_sense_field(const struct mcc_sense *s, bool *cd, int *field, int *bit)
{
	if (!s->sksv)
		return false;
	*cd = s->sks[0] & 0x40;
	*bit = (s->sks[0] & 0x08) ? (s->sks[0] & 7) : -1;
	*field = mcc_be16(s->sks + 1);
	return true;
}
