/* disclog/format.c - disclog record headers and the gzip framing around
 * them (doc/disclog.md sections 2-4).  The only place that knows their bytes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dlcodec.h"
#include "wire.h"

/* gzip member header (RFC 1952 §2.3) */
enum {
	GZ_ID1 = 0x1f, GZ_ID2 = 0x8b, GZ_CM_DEFLATE = 8, GZ_FEXTRA = 0x04, GZ_OS_UNKNOWN = 255,
	GZ_XLEN = 10,		/* offset of XLEN; the subfield starts at 12 */
};

/* Record header offsets (doc/disclog.md §3). */
enum {
	RH_VERSION = 0, RH_TYPE = 1, RH_HLEN = 2, RH_MEMBER_SIZE = 4, RH_SEQ = 12, RH_CRC = 20,
	/* DATA */
	RD_LBA = 24, RD_COUNT = 28, RD_BLOCK_SIZE = 32, RD_DBT = 36, RD_WT = 37, RD_OPCODE = 38,
	RD_FLAGS = 39, RD_TRACK = 40, RD_SESSION = 42, RD_VTIME = 44,
	/* SYNC */
	RY_SYNCED = 24, RY_HLEN = 32,
	/* STATE */
	RS_PART = 24, RS_NPARTS = 26, RS_FIRST_TRACK = 28, RS_PART_TRACKS = 30, RS_DISC = 32,
};

/* STATE disc block, relative to RS_DISC, and the entry sizes. */
enum {
	SD_PROFILE = 0, SD_CAPACITY = 2, SD_STATUS = 6, SD_LAST_SESSION = 7, SD_DISC_TYPE = 8,
	SD_FLAGS = 9, SD_NWA = 10, SD_LEADIN = 14, SD_LEADOUT = 18, SD_VTIME = 22,
	SD_NSESSIONS = 30, SD_NTRACKS = 32, SD_PAGE05_LEN = 34, SD_PAGE05 = 35,
	SESSION_ENTRY = 16, TRACK_ENTRY = 32,
};

/* Largest member a reader accepts: the biggest DATA payload stored uncompressed
 * (deflate stored blocks add 5 bytes per 65535) plus the framing. */
#define DL_MEMBER_MAX ((uint64_t)DL_DATA_MAX + DL_DATA_MAX / 65535 * 5 + 1024 + 65536)

const char *dl_strerror(enum dl_errcode code)
{
	switch (code) {
	case DL_OK:       return "success";
	case DL_EIO:      return "input/output error";
	case DL_ENOMEM:   return "out of memory";
	case DL_EFOREIGN: return "not a disclog image";
	case DL_EVERSION: return "unsupported disclog version";
	case DL_ECORRUPT: return "damaged image";
	case DL_ERANGE:   return "blocks not recorded";
	case DL_EINVAL:   return "invalid argument";
	case DL_ECLOSED:  return "writer stopped after an earlier error";
	}
	return "unknown error";
}

static int fail(struct dl_error *err, enum dl_errcode code, int64_t offset, const char *fmt,
		const char *what)
{
	if (err) {
		err->code = code;
		err->sys_errno = 0;
		err->offset = offset;
		snprintf(err->msg, sizeof(err->msg), fmt, (long long)offset, what);
	}
	return code;
}

int dl_state_copy(struct dl_state *dst, const struct dl_state *src)
{
	*dst = *src;
	dst->sessions = NULL;
	dst->tracks = NULL;
	if (src->nsessions) {
		dst->sessions = malloc(src->nsessions * sizeof(*dst->sessions));
		if (!dst->sessions)
			return DL_ENOMEM;
		memcpy(dst->sessions, src->sessions, src->nsessions * sizeof(*dst->sessions));
	}
	if (src->ntracks) {
		dst->tracks = malloc(src->ntracks * sizeof(*dst->tracks));
		if (!dst->tracks) {
			free(dst->sessions);
			dst->sessions = NULL;
			return DL_ENOMEM;
		}
		memcpy(dst->tracks, src->tracks, src->ntracks * sizeof(*dst->tracks));
	}
	return DL_OK;
}

void dl_state_free(struct dl_state *s)
{
	free(s->sessions);
	free(s->tracks);
	s->sessions = NULL;
	s->tracks = NULL;
	s->nsessions = s->ntracks = 0;
}

static size_t part0_fixed(const struct dl_state *s)
{
	return RS_DISC + SD_PAGE05 + (size_t)s->page05_len + (size_t)s->nsessions * SESSION_ENTRY;
}

/* Track entries part 0 has room for beside the disc block and the sessions. */
static size_t part0_tracks(const struct dl_state *s)
{
	size_t fixed = part0_fixed(s);
	return fixed > DL_HEADER_MAX ? 0 : (DL_HEADER_MAX - fixed) / TRACK_ENTRY;
}

unsigned dl_state_parts(const struct dl_state *s, uint16_t *tracks_per_part)
{
	size_t per0 = part0_tracks(s);
	size_t per = (DL_HEADER_MAX - RS_DISC) / TRACK_ENTRY;
	unsigned parts = 1;

	if (tracks_per_part)
		*tracks_per_part = (uint16_t)per;
	if (part0_fixed(s) > DL_HEADER_MAX || s->page05_len > DL_PAGE05_MAX)
		return 0;	/* the disc block and sessions alone do not fit */
	if (s->ntracks > per0)
		parts += (unsigned)((s->ntracks - per0 + per - 1) / per);
	return parts;
}

int dl_state_part_slice(const struct dl_state *s, unsigned part, uint16_t *first, uint16_t *count)
{
	uint16_t per;
	unsigned parts = dl_state_parts(s, &per);
	size_t per0 = part0_tracks(s), f, n;

	if (part >= parts)
		return DL_EINVAL;
	if (per0 > s->ntracks)
		per0 = s->ntracks;
	f = part == 0 ? 0 : per0 + (size_t)(part - 1) * per;
	n = part == 0 ? per0 : (s->ntracks - f < per ? s->ntracks - f : per);
	*first = (uint16_t)f;
	*count = (uint16_t)n;
	return DL_OK;
}

static void put_session(uint8_t *p, const struct dl_session *e)
{
	wire_put_le16(p + 0, e->number);
	p[2] = e->state;
	p[3] = e->flags;
	wire_put_le32(p + 4, (uint32_t)e->start_lba);
	wire_put_le32(p + 8, (uint32_t)e->leadout_lba);
	wire_put_le16(p + 12, e->first_track);
	wire_put_le16(p + 14, e->last_track);
}

static void get_session(const uint8_t *p, struct dl_session *e)
{
	e->number = wire_le16(p + 0);
	e->state = p[2];
	e->flags = p[3];
	e->start_lba = (int32_t)wire_le32(p + 4);
	e->leadout_lba = (int32_t)wire_le32(p + 8);
	e->first_track = wire_le16(p + 12);
	e->last_track = wire_le16(p + 14);
}

static void put_track(uint8_t *p, const struct dl_track *t)
{
	wire_put_le16(p + 0, t->number);
	wire_put_le16(p + 2, t->session);
	p[4] = t->state;
	p[5] = t->mode;
	p[6] = t->data_mode;
	p[7] = t->flags;
	wire_put_le32(p + 8, (uint32_t)t->start_lba);
	wire_put_le32(p + 12, t->size);
	wire_put_le32(p + 16, (uint32_t)t->nwa);
	wire_put_le32(p + 20, (uint32_t)t->last_recorded);
	wire_put_le32(p + 24, t->free_blocks);
	wire_put_le32(p + 28, t->packet_size);
}

static void get_track(const uint8_t *p, struct dl_track *t)
{
	t->number = wire_le16(p + 0);
	t->session = wire_le16(p + 2);
	t->state = p[4];
	t->mode = p[5];
	t->data_mode = p[6];
	t->flags = p[7];
	t->start_lba = (int32_t)wire_le32(p + 8);
	t->size = wire_le32(p + 12);
	t->nwa = (int32_t)wire_le32(p + 16);
	t->last_recorded = (int32_t)wire_le32(p + 20);
	t->free_blocks = wire_le32(p + 24);
	t->packet_size = wire_le32(p + 28);
}

/* Record header length for h (and, for STATE, this part of state). */
static size_t record_len(const struct dl_header *h, const struct dl_state *s)
{
	switch (h->type) {
	case DL_REC_DATA:
		return DL_DATA_HLEN;
	case DL_REC_SYNC:
		return RY_HLEN;
	case DL_REC_STATE:
		return (h->part == 0 ? part0_fixed(s) : RS_DISC) + (size_t)h->part_tracks * TRACK_ENTRY;
	default:
		return 0;
	}
}

int dl_member_header_encode(uint8_t *out, size_t cap, const struct dl_header *h,
			    const struct dl_state *s)
{
	uint8_t *r = out + DL_GZ_FIXED + DL_SUB_HDR;

	if (h->type == DL_REC_STATE &&
	    (!s || s->page05_len > DL_PAGE05_MAX || h->part >= h->nparts ||
	     (uint32_t)h->first_track + h->part_tracks > s->ntracks))
		return DL_EINVAL;
	size_t hlen = record_len(h, s);
	if (hlen == 0 || hlen > DL_HEADER_MAX || cap < DL_GZ_FIXED + DL_SUB_HDR + hlen)
		return DL_EINVAL;
	memset(out, 0, DL_GZ_FIXED + DL_SUB_HDR + hlen);
	out[0] = GZ_ID1;
	out[1] = GZ_ID2;
	out[2] = GZ_CM_DEFLATE;
	out[3] = GZ_FEXTRA;
	/* MTIME 0 (no time stamp), XFL 0 */
	out[9] = GZ_OS_UNKNOWN;
	wire_put_le16(out + GZ_XLEN, (uint16_t)(DL_SUB_HDR + hlen));
	out[12] = DL_SI1;
	out[13] = DL_SI2;
	wire_put_le16(out + 14, (uint16_t)hlen);

	r[RH_VERSION] = DL_VERSION;
	r[RH_TYPE] = h->type;
	wire_put_le16(r + RH_HLEN, (uint16_t)hlen);
	wire_put_le64(r + RH_MEMBER_SIZE, h->member_size);
	wire_put_le64(r + RH_SEQ, h->seq);
	switch (h->type) {
	case DL_REC_DATA: {
		const struct dl_data_meta *m = &h->data;
		wire_put_le32(r + RD_LBA, (uint32_t)m->lba);
		wire_put_le32(r + RD_COUNT, m->count);
		wire_put_le32(r + RD_BLOCK_SIZE, m->block_size);
		r[RD_DBT] = m->data_block_type;
		r[RD_WT] = m->write_type;
		r[RD_OPCODE] = m->opcode;
		r[RD_FLAGS] = m->flags;
		wire_put_le16(r + RD_TRACK, m->track);
		wire_put_le16(r + RD_SESSION, m->session);
		wire_put_le64(r + RD_VTIME, m->vtime_us);
		break;
	}
	case DL_REC_SYNC:
		wire_put_le64(r + RY_SYNCED, h->synced_seq);
		break;
	case DL_REC_STATE: {
		uint8_t *p = r + RS_DISC;
		wire_put_le16(r + RS_PART, h->part);
		wire_put_le16(r + RS_NPARTS, h->nparts);
		wire_put_le16(r + RS_FIRST_TRACK, h->first_track);
		wire_put_le16(r + RS_PART_TRACKS, h->part_tracks);
		if (h->part == 0) {
			wire_put_le16(p + SD_PROFILE, s->profile);
			wire_put_le32(p + SD_CAPACITY, s->capacity);
			p[SD_STATUS] = s->disc_status;
			p[SD_LAST_SESSION] = s->last_session_state;
			p[SD_DISC_TYPE] = s->disc_type;
			p[SD_FLAGS] = s->flags;
			wire_put_le32(p + SD_NWA, (uint32_t)s->nwa);
			wire_put_le32(p + SD_LEADIN, (uint32_t)s->leadin_lba);
			wire_put_le32(p + SD_LEADOUT, (uint32_t)s->last_leadout_lba);
			wire_put_le64(p + SD_VTIME, s->vtime_us);
			wire_put_le16(p + SD_NSESSIONS, s->nsessions);
			wire_put_le16(p + SD_NTRACKS, s->ntracks);
			p[SD_PAGE05_LEN] = s->page05_len;
			memcpy(p + SD_PAGE05, s->page05, s->page05_len);
			p += SD_PAGE05 + s->page05_len;
			for (unsigned i = 0; i < s->nsessions; i++, p += SESSION_ENTRY)
				put_session(p, &s->sessions[i]);
		}
		for (unsigned i = 0; i < h->part_tracks; i++, p += TRACK_ENTRY)
			put_track(p, &s->tracks[h->first_track + i]);
		break;
	}
	default:
		return DL_EINVAL;
	}
	/* The header CRC (zlib's CRC-32) covers the record header with this field 0. */
	wire_put_le32(r + RH_CRC, (uint32_t)crc32(0, r, (uInt)hlen));
	return (int)(DL_GZ_FIXED + DL_SUB_HDR + hlen);
}

static int decode_state(const uint8_t *r, size_t hlen, int64_t off, struct dl_header *h,
			struct dl_state *s, bool standalone, struct dl_error *err)
{
	const uint8_t *p = r + RS_DISC, *end = r + hlen;

	h->part = wire_le16(r + RS_PART);
	h->nparts = wire_le16(r + RS_NPARTS);
	h->first_track = wire_le16(r + RS_FIRST_TRACK);
	h->part_tracks = wire_le16(r + RS_PART_TRACKS);
	if (h->nparts == 0 || h->part >= h->nparts)
		return fail(err, DL_ECORRUPT, off, "member at offset %lld: %s", "STATE part number out of range");
	if (h->part == 0) {
		if (hlen < RS_DISC + SD_PAGE05)
			return fail(err, DL_ECORRUPT, off, "member at offset %lld: %s", "STATE header too short");
		struct dl_state n;
		memset(&n, 0, sizeof(n));
		n.profile = wire_le16(p + SD_PROFILE);
		n.capacity = wire_le32(p + SD_CAPACITY);
		n.disc_status = p[SD_STATUS];
		n.last_session_state = p[SD_LAST_SESSION];
		n.disc_type = p[SD_DISC_TYPE];
		n.flags = p[SD_FLAGS];
		n.nwa = (int32_t)wire_le32(p + SD_NWA);
		n.leadin_lba = (int32_t)wire_le32(p + SD_LEADIN);
		n.last_leadout_lba = (int32_t)wire_le32(p + SD_LEADOUT);
		n.vtime_us = wire_le64(p + SD_VTIME);
		n.nsessions = wire_le16(p + SD_NSESSIONS);
		n.ntracks = wire_le16(p + SD_NTRACKS);
		n.page05_len = p[SD_PAGE05_LEN];
		if (n.page05_len > DL_PAGE05_MAX ||
		    (size_t)(end - p) < SD_PAGE05 + (size_t)n.page05_len + (size_t)n.nsessions * SESSION_ENTRY)
			return fail(err, DL_ECORRUPT, off, "member at offset %lld: %s", "STATE disc block overruns its header");
		memcpy(n.page05, p + SD_PAGE05, n.page05_len);
		p += SD_PAGE05 + n.page05_len;
		if ((uint32_t)h->first_track + h->part_tracks > n.ntracks ||
		    (size_t)(end - p) != (size_t)n.nsessions * SESSION_ENTRY + (size_t)h->part_tracks * TRACK_ENTRY)
			return fail(err, DL_ECORRUPT, off, "member at offset %lld: %s", "STATE track entries do not match the header");
		if (n.nsessions) {
			n.sessions = calloc(n.nsessions, sizeof(*n.sessions));
			if (!n.sessions)
				return fail(err, DL_ENOMEM, off, "member at offset %lld: %s", "out of memory");
			for (unsigned i = 0; i < n.nsessions; i++, p += SESSION_ENTRY)
				get_session(p, &n.sessions[i]);
		}
		if (n.ntracks) {
			n.tracks = calloc(n.ntracks, sizeof(*n.tracks));
			if (!n.tracks) {
				dl_state_free(&n);
				return fail(err, DL_ENOMEM, off, "member at offset %lld: %s", "out of memory");
			}
		}
		dl_state_free(s);
		*s = n;
	} else if (standalone) {
		if ((size_t)(end - p) != (size_t)h->part_tracks * TRACK_ENTRY)
			return fail(err, DL_ECORRUPT, off, "member at offset %lld: %s", "STATE track entries do not match the header");
		return DL_OK;
	} else if (s->ntracks == 0 && h->part_tracks) {
		return fail(err, DL_ECORRUPT, off, "member at offset %lld: %s", "STATE part without its first part");
	}
	if ((uint32_t)h->first_track + h->part_tracks > s->ntracks ||
	    (size_t)(end - p) != (size_t)h->part_tracks * TRACK_ENTRY)
		return fail(err, DL_ECORRUPT, off, "member at offset %lld: %s", "STATE track entries do not match the header");
	for (unsigned i = 0; i < h->part_tracks; i++, p += TRACK_ENTRY)
		get_track(p, &s->tracks[h->first_track + i]);
	return DL_OK;
}

int dl_member_header_decode(const uint8_t *p, size_t len, int64_t off, struct dl_header *h,
			    struct dl_state *state, struct dl_error *err)
{
	const char *fmt = "member at offset %lld: %s";

	memset(h, 0, sizeof(*h));
	if (len < 2)
		return 0;
	if (p[0] != GZ_ID1 || p[1] != GZ_ID2)
		return fail(err, DL_EFOREIGN, off, fmt, "no gzip magic (1f 8b)");
	if (len < DL_GZ_FIXED)
		return 0;
	if (p[2] != GZ_CM_DEFLATE)
		return fail(err, DL_EFOREIGN, off, fmt, "gzip compression method is not deflate");
	if (p[3] != GZ_FEXTRA)
		return fail(err, DL_EFOREIGN, off, fmt, "gzip member without the disclog extra field (FLG must be FEXTRA only)");
	size_t xlen = wire_le16(p + GZ_XLEN);
	if (xlen < DL_SUB_HDR + DL_REC_COMMON)
		return fail(err, DL_EFOREIGN, off, fmt, "gzip extra field too short for a disclog record");
	if (len < DL_GZ_FIXED + xlen)
		return 0;
	const uint8_t *sub = p + DL_GZ_FIXED, *r = sub + DL_SUB_HDR;
	size_t hlen = wire_le16(sub + 2);
	if (sub[0] != DL_SI1 || sub[1] != DL_SI2 || hlen != xlen - DL_SUB_HDR)
		return fail(err, DL_EFOREIGN, off, fmt, "gzip extra field is not a single 'BL' subfield");
	if (r[RH_VERSION] != DL_VERSION)
		return fail(err, DL_EVERSION, off, fmt, "record version is not 1");
	h->version = r[RH_VERSION];
	h->type = r[RH_TYPE];
	h->header_len = wire_le16(r + RH_HLEN);
	h->member_size = wire_le64(r + RH_MEMBER_SIZE);
	h->seq = wire_le64(r + RH_SEQ);
	if (h->header_len != hlen)
		return fail(err, DL_ECORRUPT, off, fmt, "record header length disagrees with the subfield length");
	/* CRC of the header with its CRC field taken as zero. */
	uint32_t want = wire_le32(r + RH_CRC);
	static const uint8_t zero4[4];
	uint32_t crc = (uint32_t)crc32(0, r, RH_CRC);
	crc = (uint32_t)crc32(crc, zero4, 4);
	crc = (uint32_t)crc32(crc, r + RH_CRC + 4, (uInt)(hlen - RH_CRC - 4));
	if (crc != want)
		return fail(err, DL_ECORRUPT, off, fmt, "record header CRC mismatch");
	uint64_t min_size = DL_GZ_FIXED + xlen + 2 + DL_TRAILER;
	if (h->member_size < min_size || h->member_size > DL_MEMBER_MAX)
		return fail(err, DL_ECORRUPT, off, fmt, "member size out of range");

	switch (h->type) {
	case DL_REC_DATA: {
		struct dl_data_meta *m = &h->data;
		if (hlen < DL_DATA_HLEN)
			return fail(err, DL_ECORRUPT, off, fmt, "DATA header too short");
		m->lba = (int32_t)wire_le32(r + RD_LBA);
		m->count = wire_le32(r + RD_COUNT);
		m->block_size = wire_le32(r + RD_BLOCK_SIZE);
		m->data_block_type = r[RD_DBT];
		m->write_type = r[RD_WT];
		m->opcode = r[RD_OPCODE];
		m->flags = r[RD_FLAGS];
		m->track = wire_le16(r + RD_TRACK);
		m->session = wire_le16(r + RD_SESSION);
		m->vtime_us = wire_le64(r + RD_VTIME);
		if (m->count == 0 || m->block_size == 0 || m->block_size > DL_BLOCK_SIZE_MAX ||
		    (uint64_t)m->count * m->block_size > DL_DATA_MAX)
			return fail(err, DL_ECORRUPT, off, fmt, "DATA block count or size out of range");
		if ((int64_t)m->lba + m->count - 1 > INT32_MAX)
			return fail(err, DL_ECORRUPT, off, fmt, "DATA LBA range overflows");
		break;
	}
	case DL_REC_SYNC:
		if (hlen < RY_HLEN)
			return fail(err, DL_ECORRUPT, off, fmt, "SYNC header too short");
		h->synced_seq = wire_le64(r + RY_SYNCED);
		break;
	case DL_REC_STATE: {
		if (hlen < RS_DISC)
			return fail(err, DL_ECORRUPT, off, fmt, "STATE header too short");
		/* Without a snapshot to merge into, a part is checked on its own. */
		struct dl_state scratch;
		memset(&scratch, 0, sizeof(scratch));
		int rc = decode_state(r, hlen, off, h, state ? state : &scratch, !state, err);
		dl_state_free(&scratch);
		if (rc < 0)
			return rc;
		break;
	}
	default:
		return fail(err, DL_ECORRUPT, off, fmt, "unknown record type");
	}
	return (int)(DL_GZ_FIXED + xlen);
}
