/* simdrive/scsi/sense.c - sense data encoding (SPC-4 §4.5) and names for logs.
 *
 * One encoder emits both formats: fixed (response code 70h, 18 bytes) and
 * descriptor (72h, 8-byte header plus descriptors), for current errors and for
 * deferred ones (71h / 73h, SPC-4 §4.5.5).  Key, ASC and ASCQ always come
 * in as one struct sim_sense so they cannot drift apart. */
#include <string.h>

#include "scsi.h"
#include "wire.h"

/* Fixed format layout (SPC-4 §4.5.3, table 45). */
enum {
	FIX_RESPONSE = 0,	/* b7 VALID, b6-0 response code 70h */
	FIX_KEY      = 2,	/* b3-0 sense key */
	FIX_INFO     = 3,	/* 4 bytes INFORMATION */
	FIX_ADDLEN   = 7,	/* additional sense length: 10 */
	FIX_ASC      = 12,
	FIX_ASCQ     = 13,
	FIX_SKS      = 15,	/* 3 bytes sense-key specific */
	FIX_LEN      = 18,
};

/* Descriptor format layout (SPC-4 §4.5.2, table 28). */
enum {
	DESC_RESPONSE = 0,	/* 72h */
	DESC_KEY      = 1,
	DESC_ASC      = 2,
	DESC_ASCQ     = 3,
	DESC_ADDLEN   = 7,
	DESC_HDR_LEN  = 8,
	DESC_INFO_LEN = 12,	/* information descriptor (§4.5.2.2): type 00h, length 0Ah */
	DESC_SKS_LEN  = 8,	/* sense key specific descriptor (§4.5.2.4): type 02h, length 06h */
};

#define SENSE_FIXED_CURRENT      0x70
#define SENSE_DESCRIPTOR_CURRENT 0x72
#define SENSE_FIXED_DEFERRED     0x71	/* SPC-4 §4.5.5: an error of a command that */
#define SENSE_DESCRIPTOR_DEFERRED 0x73	/* already completed GOOD */
#define SENSE_VALID              0x80
#define SKS_SKSV                 0x80
#define SKS_CD                   0x40
#define SKS_BPV                  0x08

static void put_sks(uint8_t *p, const struct sim_sense_field *f)
{
	p[0] = (uint8_t)(SKS_SKSV | (f->cdb ? SKS_CD : 0) |
			 (f->bpv ? SKS_BPV | (f->bit & 0x07) : 0));
	wire_put_be16(p + 1, f->byte);
}

size_t sim_sense_encode_full(uint8_t *out, struct sim_sense s, bool descriptor, bool deferred,
			     bool has_info, uint64_t info, const struct sim_sense_field *field)
{
	bool sks = field && field->valid;

	if (!descriptor) {
		memset(out, 0, FIX_LEN);
		out[FIX_RESPONSE] = deferred ? SENSE_FIXED_DEFERRED : SENSE_FIXED_CURRENT;
		/* INFORMATION is 4 bytes here; a larger value cannot be VALID (§4.5.3). */
		if (has_info && info <= UINT32_MAX) {
			out[FIX_RESPONSE] |= SENSE_VALID;
			wire_put_be32(out + FIX_INFO, (uint32_t)info);
		}
		out[FIX_KEY] = s.key & 0x0f;
		out[FIX_ADDLEN] = FIX_LEN - 8;
		out[FIX_ASC] = s.asc;
		out[FIX_ASCQ] = s.ascq;
		if (sks)
			put_sks(out + FIX_SKS, field);
		return FIX_LEN;
	}

	size_t n = DESC_HDR_LEN;
	memset(out, 0, DESC_HDR_LEN);
	out[DESC_RESPONSE] = deferred ? SENSE_DESCRIPTOR_DEFERRED : SENSE_DESCRIPTOR_CURRENT;
	out[DESC_KEY] = s.key & 0x0f;
	out[DESC_ASC] = s.asc;
	out[DESC_ASCQ] = s.ascq;
	if (has_info) {
		uint8_t *d = out + n;
		memset(d, 0, DESC_INFO_LEN);
		d[0] = 0x00;			/* information descriptor */
		d[1] = DESC_INFO_LEN - 2;
		d[2] = SENSE_VALID;
		wire_put_be64(d + 4, info);
		n += DESC_INFO_LEN;
	}
	if (sks) {
		uint8_t *d = out + n;
		memset(d, 0, DESC_SKS_LEN);
		d[0] = 0x02;			/* sense key specific descriptor */
		d[1] = DESC_SKS_LEN - 2;
		put_sks(d + 4, field);
		n += DESC_SKS_LEN;
	}
	out[DESC_ADDLEN] = (uint8_t)(n - DESC_HDR_LEN);
	return n;
}

size_t sim_sense_encode_field(uint8_t *out, struct sim_sense s, bool descriptor,
			      bool has_info, uint64_t info,
			      const struct sim_sense_field *field)
{
	return sim_sense_encode_full(out, s, descriptor, false, has_info, info, field);
}

size_t sim_sense_encode(uint8_t *out, struct sim_sense s, bool descriptor,
			bool has_info, uint64_t info)
{
	return sim_sense_encode_field(out, s, descriptor, has_info, info, NULL);
}

/* SPC-4 table 48. */
static const char *const sim_key_names[16] = {
	[0x0] = "NO SENSE",
	[0x1] = "RECOVERED ERROR",
	[0x2] = "NOT READY",
	[0x3] = "MEDIUM ERROR",
	[0x4] = "HARDWARE ERROR",
	[0x5] = "ILLEGAL REQUEST",
	[0x6] = "UNIT ATTENTION",
	[0x7] = "DATA PROTECT",
	[0x8] = "BLANK CHECK",
	[0x9] = "VENDOR SPECIFIC",
	[0xa] = "COPY ABORTED",
	[0xb] = "ABORTED COMMAND",
	[0xc] = "RESERVED (0CH)",
	[0xd] = "VOLUME OVERFLOW",
	[0xe] = "MISCOMPARE",
	[0xf] = "COMPLETED",
};

const char *sim_sense_key_str(uint8_t key)
{
	return key < 16 ? sim_key_names[key] : "INVALID SENSE KEY";
}

/* The ASC/ASCQ pairs simdrive raises plus the common MMC ones (SPC-4 Annex D,
 * MMC-6 Annex F).  Sorted by ASC, ASCQ. */
static const struct {
	uint8_t asc, ascq;
	const char *text;
} sim_asc_names[] = {
	{ 0x00, 0x00, "no additional sense information" },
	{ 0x04, 0x00, "logical unit not ready, cause not reportable" },
	{ 0x04, 0x01, "logical unit is in process of becoming ready" },
	{ 0x04, 0x02, "logical unit not ready, initializing command required" },
	{ 0x04, 0x04, "logical unit not ready, format in progress" },
	{ 0x04, 0x07, "logical unit not ready, operation in progress" },
	{ 0x04, 0x08, "logical unit not ready, long write in progress" },
	{ 0x0c, 0x00, "write error" },
	{ 0x0c, 0x09, "write error - loss of streaming" },
	{ 0x0c, 0x0a, "write error - padding blocks added" },
	{ 0x0c, 0x0c, "write error: unexpected unsolicited data" },
	{ 0x0c, 0x0d, "write error: not enough unsolicited data" },
	{ 0x11, 0x00, "unrecovered read error" },
	{ 0x11, 0x05, "l-ec uncorrectable error" },
	{ 0x11, 0x06, "circ unrecovered error" },
	{ 0x1a, 0x00, "parameter list length error" },
	{ 0x20, 0x00, "invalid command operation code" },
	{ 0x21, 0x00, "logical block address out of range" },
	{ 0x21, 0x02, "invalid address for write" },
	{ 0x24, 0x00, "invalid field in cdb" },
	{ 0x25, 0x00, "logical unit not supported" },
	{ 0x26, 0x00, "invalid field in parameter list" },
	{ 0x26, 0x01, "parameter not supported" },
	{ 0x26, 0x02, "parameter value invalid" },
	{ 0x27, 0x00, "write protected" },
	{ 0x28, 0x00, "not ready to ready change, medium may have changed" },
	{ 0x29, 0x00, "power on, reset, or bus device reset occurred" },
	{ 0x29, 0x01, "power on occurred" },
	{ 0x29, 0x02, "scsi bus reset occurred" },
	{ 0x29, 0x03, "bus device reset function occurred" },
	{ 0x29, 0x07, "i_t nexus loss occurred" },
	{ 0x2a, 0x01, "mode parameters changed" },
	{ 0x2c, 0x00, "command sequence error" },
	{ 0x2e, 0x00, "insufficient time for operation" },
	{ 0x30, 0x00, "incompatible medium installed" },
	{ 0x30, 0x02, "cannot read medium - incompatible format" },
	{ 0x30, 0x05, "cannot write medium - incompatible format" },
	{ 0x30, 0x06, "cannot format medium - incompatible medium" },
	{ 0x32, 0x00, "no defect spare location available" },
	{ 0x39, 0x00, "saving parameters not supported" },
	{ 0x3a, 0x00, "medium not present" },
	{ 0x3a, 0x01, "medium not present - tray closed" },
	{ 0x3a, 0x02, "medium not present - tray open" },
	{ 0x44, 0x00, "internal target failure" },
	{ 0x47, 0x05, "protocol service crc error" },
	{ 0x49, 0x00, "invalid message error" },
	{ 0x4e, 0x00, "overlapped commands attempted" },
	{ 0x53, 0x02, "medium removal prevented" },
	{ 0x5a, 0x01, "operator medium removal request" },
	{ 0x63, 0x00, "end of user area encountered on this track" },
	{ 0x64, 0x00, "illegal mode for this track" },
	{ 0x72, 0x03, "session fixation error - incomplete track in session" },
	{ 0x73, 0x03, "power calibration area error" },
};

const char *sim_sense_asc_str(uint8_t asc, uint8_t ascq)
{
	for (size_t i = 0; i < sizeof(sim_asc_names) / sizeof(sim_asc_names[0]); i++)
		if (sim_asc_names[i].asc == asc && sim_asc_names[i].ascq == ascq)
			return sim_asc_names[i].text;
	return "unknown additional sense code";
}
