/* engine/sense.c - SCSI sense data parsed into key/ASC/ASCQ, named, and mapped to an
 * HRESULT by the one table of doc/engine-recorder.md §4 ("Sense to HRESULT").
 *
 * Layouts: SPC-4 §4.5, fixed format (response codes 70h current / 71h deferred) and
 * descriptor format (72h / 73h).  Names: SPC-4 annex D (ASC/ASCQ assignments, which
 * include the MMC-6 conditions).  Pure functions, no I/O. */
#include <stdio.h>
#include <string.h>

#include "mmccdb.h"
#include "sense.h"
#include "writeengine.h"

/* Fixed format offsets (SPC-4 §4.5, fixed format sense data). */
enum {
	SNS_RESPONSE = 0, /* b7 VALID, b6-0 response code */
	SNS_KEY = 2,      /* b3-0 sense key */
	SNS_INFO = 3,     /* 4 bytes */
	SNS_ADDLEN = 7,   /* additional length: bytes that follow byte 7 */
	SNS_ASC = 12,
	SNS_ASCQ = 13,
	SNS_SKS = 15,     /* 3 bytes, b7 of the first = SKSV */
	SNS_FIXED_LEN = 18,
};
/* Descriptor format (SPC-4): key at 1, ASC 2, ASCQ 3, additional length 7,
 * descriptors from 8, each [0] type, [1] additional length. */
enum { DSNS_KEY = 1, DSNS_ASC = 2, DSNS_ASCQ = 3, DSNS_ADDLEN = 7, DSNS_DESC = 8 };
enum { DESC_INFORMATION = 0x00, DESC_SKS = 0x02 };

struct eng_sense eng_sense_make(uint8_t key, uint8_t asc, uint8_t ascq)
{
	struct eng_sense s;
	memset(&s, 0, sizeof(s));
	s.key = key & 0x0F;
	s.asc = asc;
	s.ascq = ascq;
	s.valid = 1;
	s.fixed[SNS_RESPONSE] = 0x70;
	s.fixed[SNS_KEY] = s.key;
	s.fixed[SNS_ADDLEN] = SNS_FIXED_LEN - 8;
	s.fixed[SNS_ASC] = asc;
	s.fixed[SNS_ASCQ] = ascq;
	return s;
}

/* Fixed format: the key needs 3 bytes; ASC/ASCQ count only when both the buffer and the
 * additional length reach them (a device may send a short 8-byte sense).  The normalized
 * copy keeps INFORMATION, the command-specific bytes and the sense-key-specific field as
 * sent; the response code stays 71h for a deferred error (a deferred error must not be
 * mistaken for the current command's, SPC-4 §4.5.5). */
static int parse_fixed(const uint8_t *p, size_t len, struct eng_sense *out)
{
	if (len < SNS_KEY + 1)
		return -1;
	size_t avail = len;
	if (len > SNS_ADDLEN && (size_t)SNS_ADDLEN + 1 + p[SNS_ADDLEN] < avail)
		avail = (size_t)SNS_ADDLEN + 1 + p[SNS_ADDLEN];
	uint8_t asc = avail > SNS_ASC ? p[SNS_ASC] : 0;
	uint8_t ascq = avail > SNS_ASCQ ? p[SNS_ASCQ] : 0;
	*out = eng_sense_make(p[SNS_KEY] & 0x0F, asc, ascq);
	size_t n = avail < SNS_FIXED_LEN ? avail : SNS_FIXED_LEN;
	memcpy(out->fixed, p, n);
	out->fixed[SNS_ADDLEN] = SNS_FIXED_LEN - 8;
	out->fixed[SNS_ASC] = asc;
	out->fixed[SNS_ASCQ] = ascq;
	return 0;
}

/* Descriptor format: the triple, plus the INFORMATION (when it fits 32 bits) and the
 * sense-key-specific descriptors carried over into the fixed copy. */
static int parse_descriptor(const uint8_t *p, size_t len, struct eng_sense *out)
{
	if (len < DSNS_ASCQ + 1)
		return -1;
	*out = eng_sense_make(p[DSNS_KEY] & 0x0F, p[DSNS_ASC], p[DSNS_ASCQ]);
	if ((p[0] & 0x7F) == 0x73)
		out->fixed[SNS_RESPONSE] = 0x71;
	if (len <= DSNS_ADDLEN)
		return 0;
	size_t end = (size_t)DSNS_DESC + p[DSNS_ADDLEN];
	if (end > len)
		end = len;
	for (size_t i = DSNS_DESC; i + 2 <= end;) {
		const uint8_t *d = p + i;
		size_t dlen = (size_t)2 + d[1];
		if (i + dlen > end)
			break;
		if (d[0] == DESC_INFORMATION && dlen >= 12 && mcc_be32(d + 4) == 0) {
			memcpy(out->fixed + SNS_INFO, d + 8, 4);
			if (d[2] & 0x80)
				out->fixed[SNS_RESPONSE] |= 0x80;
		} else if (d[0] == DESC_SKS && dlen >= 7) {
			memcpy(out->fixed + SNS_SKS, d + 4, 3);
		}
		i += dlen;
	}
	return 0;
}

int eng_sense_parse(const uint8_t *p, size_t len, struct eng_sense *out)
{
	int rc = -1;
	if (!out)
		return -1;
	memset(out, 0, sizeof(*out));
	if (!p || len == 0)
		return -1;
	switch (p[SNS_RESPONSE] & 0x7F) {
	case 0x70:
	case 0x71:
		rc = parse_fixed(p, len, out);
		break;
	case 0x72:
	case 0x73:
		rc = parse_descriptor(p, len, out);
		break;
	}
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* SPC-4 sense keys. */
static const char *const key_names[16] = {
	"NO SENSE", "RECOVERED ERROR", "NOT READY", "MEDIUM ERROR",
	"HARDWARE ERROR", "ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT",
	"BLANK CHECK", "VENDOR SPECIFIC", "COPY ABORTED", "ABORTED COMMAND",
	"RESERVED", "VOLUME OVERFLOW", "MISCOMPARE", "COMPLETED",
};

const char *eng_sense_key_name(uint8_t key)
{
	return key < 16 ? key_names[key] : "RESERVED";
}

/* ASC/ASCQ names (SPC-4 annex D, which lists the MMC-6 conditions too).
 * The NOT READY family drops the "LOGICAL UNIT NOT READY," prefix because the key
 * name already says it: "NOT READY: LONG WRITE IN PROGRESS".  Sorted by ASC, ASCQ. */
struct asc_row {
	uint8_t asc, ascq;
	const char *name;
};
static const struct asc_row asc_rows[] = {
	{ 0x00, 0x00, "NO ADDITIONAL SENSE INFORMATION" },
	{ 0x04, 0x00, "CAUSE NOT REPORTABLE" },
	{ 0x04, 0x01, "BECOMING READY" },
	{ 0x04, 0x02, "INITIALIZING COMMAND REQUIRED" },
	{ 0x04, 0x03, "MANUAL INTERVENTION REQUIRED" },
	{ 0x04, 0x04, "FORMAT IN PROGRESS" },
	{ 0x04, 0x07, "OPERATION IN PROGRESS" },
	{ 0x04, 0x08, "LONG WRITE IN PROGRESS" },
	{ 0x06, 0x00, "NO REFERENCE POSITION FOUND" },
	{ 0x0C, 0x00, "WRITE ERROR" },
	{ 0x0C, 0x07, "WRITE ERROR - RECOVERY NEEDED" },
	{ 0x0C, 0x09, "WRITE ERROR - LOSS OF STREAMING" },
	{ 0x0C, 0x0A, "WRITE ERROR - PADDING BLOCKS ADDED" },
	{ 0x11, 0x00, "UNRECOVERED READ ERROR" },
	{ 0x11, 0x05, "L-EC UNCORRECTABLE ERROR" },
	{ 0x11, 0x06, "CIRC UNRECOVERED ERROR" },
	{ 0x15, 0x00, "RANDOM POSITIONING ERROR" },
	{ 0x1A, 0x00, "PARAMETER LIST LENGTH ERROR" },
	{ 0x20, 0x00, "INVALID COMMAND OPERATION CODE" },
	{ 0x21, 0x00, "LOGICAL BLOCK ADDRESS OUT OF RANGE" },
	{ 0x21, 0x01, "INVALID ELEMENT ADDRESS" },
	{ 0x21, 0x02, "INVALID ADDRESS FOR WRITE" },
	{ 0x24, 0x00, "INVALID FIELD IN CDB" },
	{ 0x25, 0x00, "LOGICAL UNIT NOT SUPPORTED" },
	{ 0x26, 0x00, "INVALID FIELD IN PARAMETER LIST" },
	{ 0x26, 0x01, "PARAMETER NOT SUPPORTED" },
	{ 0x26, 0x02, "PARAMETER VALUE INVALID" },
	{ 0x27, 0x00, "WRITE PROTECTED" },
	{ 0x28, 0x00, "NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED" },
	{ 0x29, 0x00, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED" },
	{ 0x29, 0x01, "POWER ON OCCURRED" },
	{ 0x29, 0x02, "SCSI BUS RESET OCCURRED" },
	{ 0x29, 0x03, "BUS DEVICE RESET FUNCTION OCCURRED" },
	{ 0x29, 0x04, "DEVICE INTERNAL RESET" },
	{ 0x29, 0x07, "I_T NEXUS LOSS OCCURRED" },
	{ 0x2A, 0x01, "MODE PARAMETERS CHANGED" },
	{ 0x2A, 0x02, "LOG PARAMETERS CHANGED" },
	{ 0x2A, 0x03, "RESERVATIONS PREEMPTED" },
	{ 0x2C, 0x00, "COMMAND SEQUENCE ERROR" },
	{ 0x2E, 0x00, "INSUFFICIENT TIME FOR OPERATION" },
	{ 0x30, 0x00, "INCOMPATIBLE MEDIUM INSTALLED" },
	{ 0x30, 0x01, "CANNOT READ MEDIUM - UNKNOWN FORMAT" },
	{ 0x30, 0x02, "CANNOT READ MEDIUM - INCOMPATIBLE FORMAT" },
	{ 0x30, 0x03, "CLEANING CARTRIDGE INSTALLED" },
	{ 0x30, 0x04, "CANNOT WRITE MEDIUM - UNKNOWN FORMAT" },
	{ 0x30, 0x05, "CANNOT WRITE MEDIUM - INCOMPATIBLE FORMAT" },
	{ 0x30, 0x06, "CANNOT FORMAT MEDIUM - INCOMPATIBLE MEDIUM" },
	{ 0x30, 0x07, "CLEANING FAILURE" },
	{ 0x30, 0x08, "CANNOT WRITE - APPLICATION CODE MISMATCH" },
	{ 0x30, 0x09, "CURRENT SESSION NOT FIXATED FOR APPEND" },
	{ 0x30, 0x10, "MEDIUM NOT FORMATTED" },
	{ 0x31, 0x00, "MEDIUM FORMAT CORRUPTED" },
	{ 0x31, 0x01, "FORMAT COMMAND FAILED" },
	{ 0x32, 0x00, "NO DEFECT SPARE LOCATION AVAILABLE" },
	{ 0x39, 0x00, "SAVING PARAMETERS NOT SUPPORTED" },
	{ 0x3A, 0x00, "MEDIUM NOT PRESENT" },
	{ 0x3A, 0x01, "MEDIUM NOT PRESENT - TRAY CLOSED" },
	{ 0x3A, 0x02, "MEDIUM NOT PRESENT - TRAY OPEN" },
	{ 0x3E, 0x00, "LOGICAL UNIT HAS NOT SELF-CONFIGURED YET" },
	{ 0x44, 0x00, "INTERNAL TARGET FAILURE" },
	{ 0x53, 0x00, "MEDIA LOAD OR EJECT FAILED" },
	{ 0x53, 0x02, "MEDIUM REMOVAL PREVENTED" },
	{ 0x57, 0x00, "UNABLE TO RECOVER TABLE-OF-CONTENTS" },
	{ 0x5A, 0x01, "OPERATOR MEDIUM REMOVAL REQUEST" },
	{ 0x5A, 0x03, "OPERATOR SELECTED WRITE PERMIT" },
	{ 0x5D, 0x00, "FAILURE PREDICTION THRESHOLD EXCEEDED" },
	{ 0x63, 0x00, "END OF USER AREA ENCOUNTERED ON THIS TRACK" },
	{ 0x63, 0x01, "PACKET DOES NOT FIT IN AVAILABLE SPACE" },
	{ 0x64, 0x00, "ILLEGAL MODE FOR THIS TRACK" },
	{ 0x64, 0x01, "INVALID PACKET SIZE" },
	{ 0x6F, 0x00, "COPY PROTECTION KEY EXCHANGE FAILURE - AUTHENTICATION FAILURE" },
	{ 0x6F, 0x01, "COPY PROTECTION KEY EXCHANGE FAILURE - KEY NOT PRESENT" },
	{ 0x6F, 0x02, "COPY PROTECTION KEY EXCHANGE FAILURE - KEY NOT ESTABLISHED" },
	{ 0x6F, 0x03, "READ OF SCRAMBLED SECTOR WITHOUT AUTHENTICATION" },
	{ 0x6F, 0x04, "MEDIA REGION CODE IS MISMATCHED TO LOGICAL UNIT REGION" },
	{ 0x6F, 0x05, "DRIVE REGION MUST BE PERMANENT/REGION RESET COUNT ERROR" },
	{ 0x6F, 0x06, "INSUFFICIENT BLOCK COUNT FOR BINDING NONCE RECORDING" },
	{ 0x6F, 0x07, "CONFLICT IN BINDING NONCE RECORDING" },
	{ 0x72, 0x00, "SESSION FIXATION ERROR" },
	{ 0x72, 0x01, "SESSION FIXATION ERROR WRITING LEAD-IN" },
	{ 0x72, 0x02, "SESSION FIXATION ERROR WRITING LEAD-OUT" },
	{ 0x72, 0x03, "SESSION FIXATION ERROR - INCOMPLETE TRACK IN SESSION" },
	{ 0x72, 0x04, "EMPTY OR PARTIALLY WRITTEN RESERVED TRACK" },
	{ 0x72, 0x05, "NO MORE TRACK RESERVATIONS ALLOWED" },
	{ 0x73, 0x00, "CD CONTROL ERROR" },
	{ 0x73, 0x01, "POWER CALIBRATION AREA ALMOST FULL" },
	{ 0x73, 0x02, "POWER CALIBRATION AREA IS FULL" },
	{ 0x73, 0x03, "POWER CALIBRATION AREA ERROR" },
	{ 0x73, 0x04, "PROGRAM MEMORY AREA UPDATE FAILURE" },
	{ 0x73, 0x05, "PROGRAM MEMORY AREA IS FULL" },
	{ 0x73, 0x06, "RMA/PMA IS ALMOST FULL" },
};

const char *eng_sense_asc_name(uint8_t asc, uint8_t ascq)
{
	unsigned want = (unsigned)asc << 8 | ascq;
	size_t lo = 0, hi = sizeof(asc_rows) / sizeof(asc_rows[0]);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		unsigned have = (unsigned)asc_rows[mid].asc << 8 | asc_rows[mid].ascq;
		if (have == want)
			return asc_rows[mid].name;
		if (have < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

char *eng_sense_format(const struct eng_sense *s, char *buf, size_t len)
{
	if (!buf || len == 0)
		return buf;
	if (!s) {
		snprintf(buf, len, "no sense data");
		return buf;
	}
	const char *asc = eng_sense_asc_name(s->asc, s->ascq);
	if (asc)
		snprintf(buf, len, "%s: %s (%X/%02X/%02X)", eng_sense_key_name(s->key), asc,
			 s->key, s->asc, s->ascq);
	else
		snprintf(buf, len, "%s: ASC %02Xh ASCQ %02Xh (%X/%02X/%02X)",
			 eng_sense_key_name(s->key), s->asc, s->ascq, s->key, s->asc, s->ascq);
	return buf;
}

char *imapi_sense_describe(const uint8_t *sense, size_t sense_len, char *buf, size_t len)
{
	struct eng_sense s;
	if (!buf || len == 0)
		return buf;
	if (eng_sense_parse(sense, sense_len, &s) != 0) {
		snprintf(buf, len, "not sense data");
		return buf;
	}
	return eng_sense_format(&s, buf, len);
}

/* As burning programs do (doc/engine-recorder.md §3): a unit attention is reported and
 * the command sent again; "becoming ready" and the two "in progress" conditions clear
 * by themselves. */
enum eng_sense_action eng_sense_action(const struct eng_sense *s)
{
	if (!s || !s->valid)
		return ENG_SENSE_FAIL;
	if (s->key == 0x06)
		return ENG_SENSE_UNIT_ATTENTION;
	if (s->key == 0x02 && s->asc == 0x04 &&
	    (s->ascq == 0x01 || s->ascq == 0x07 || s->ascq == 0x08))
		return ENG_SENSE_BUSY;
	return ENG_SENSE_FAIL;
}

/* The one sense -> HRESULT table (doc/engine-recorder.md §4).  Rows are
 * matched in order, the first match wins: opcode-specific rows, then general rows, then
 * the WRITE fallback; no match gives IMAPI_HR_FROM_SENSE.  ANY in key matches every
 * key; ops[] lists the opcodes a row is restricted to (n_ops 0 = every opcode). */
#define ANY 0xFF
struct hr_map_row {
	uint8_t ops[2], n_ops;
	uint8_t key, asc, ascq_lo, ascq_hi; /* key or asc ANY: any value */
	hresult_t hr;
};
static const struct hr_map_row hr_map[] = {
	/* MODE SENSE(6)/(10): the page is not supported. */
	{ { 0x1A, 0x5A }, 2, 0x05, 0x24, 0x00, 0x00, E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE },
	/* MODE SELECT(6)/(10): length error, bad CDB field, bad parameter. */
	{ { 0x15, 0x55 }, 2, 0x05, 0x1A, 0x00, 0xFF, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS },
	{ { 0x15, 0x55 }, 2, 0x05, 0x24, 0x00, 0xFF, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS },
	{ { 0x15, 0x55 }, 2, 0x05, 0x26, 0x00, 0xFF, E_IMAPI_RECORDER_INVALID_MODE_PARAMETERS },
	/* GET CONFIGURATION unknown: an MMC-1 drive (GET CONFIGURATION came with MMC-2). */
	{ { 0x46 }, 1, 0x05, 0x20, 0x00, 0x00, E_IMAPI_RECORDER_GET_CONFIGURATION_NOT_SUPPORTED },
	/* READ DISC STRUCTURE: format not offered, or a medium without that structure.
	 * 30/00 is beyond the two rows one would expect: it is what a drive answers for a
	 * DVD structure on a CD (qemu, simdrive; doc/engine-recorder.md §4, row 7). */
	{ { 0xAD }, 1, 0x05, 0x24, 0x00, 0x00, E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT },
	{ { 0xAD }, 1, 0x05, 0x30, 0x00, 0x00, E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT },
	{ { 0xAD }, 1, 0x05, 0x30, 0x02, 0x02, E_IMAPI_RECORDER_DVD_STRUCTURE_NOT_PRESENT },
	/* General rows. */
	{ { 0 }, 0, 0x02, 0x3A, 0x00, 0xFF, E_IMAPI_RECORDER_MEDIA_NO_MEDIA },
	{ { 0 }, 0, 0x02, 0x04, 0x01, 0x01, E_IMAPI_RECORDER_MEDIA_BECOMING_READY },
	{ { 0 }, 0, 0x02, 0x04, 0x04, 0x04, E_IMAPI_RECORDER_MEDIA_FORMAT_IN_PROGRESS },
	{ { 0 }, 0, 0x02, 0x04, 0x07, 0x08, E_IMAPI_RECORDER_MEDIA_BUSY },
	{ { 0 }, 0, 0x07, 0x27, 0x00, 0xFF, E_IMAPI_RECORDER_MEDIA_WRITE_PROTECTED },
	/* 30/10 "medium not formatted" names exactly what IMAPI2's NOT_FORMATTED code
	 * says; it is matched before the generic incompatible-medium row. */
	{ { 0 }, 0, ANY, 0x30, 0x10, 0x10, E_IMAPI_RECORDER_MEDIA_NOT_FORMATTED },
	{ { 0 }, 0, ANY, 0x30, 0x00, 0xFF, E_IMAPI_RECORDER_MEDIA_INCOMPATIBLE },
	{ { 0 }, 0, ANY, 0x0C, 0x09, 0x09, E_IMAPI_LOSS_OF_STREAMING },
	/* SYNCHRONIZE CACHE, CLOSE TRACK/SESSION: the data the drive acknowledged was not
	 * recorded - a write error (medium error 0C/xx: a full disk under simdrive's image)
	 * or a hardware error (4h, e.g. 44/00 when that disk fails; SPC-4 §4.5.6).  The burn
	 * failed as a failed WRITE fails it (rows 17-18 in doc/engine-recorder.md §4). */
	{ { MCC_OP_SYNCHRONIZE_CACHE, MCC_OP_CLOSE_TRACK_SESSION }, 2, 0x03, 0x0C, 0x00, 0xFF,
	  E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE },
	{ { MCC_OP_SYNCHRONIZE_CACHE, MCC_OP_CLOSE_TRACK_SESSION }, 2, 0x04, ANY, 0x00, 0xFF,
	  E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE },
	/* WRITE(10)/(12): anything else ends the section (doc/engine.md §4). */
	{ { MCC_OP_WRITE10, MCC_OP_WRITE12 }, 2, ANY, ANY, 0x00, 0xFF, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE },
};

static int row_matches(const struct hr_map_row *r, const struct eng_sense *s, uint8_t opcode)
{
	if (r->n_ops) {
		int hit = 0;
		for (unsigned i = 0; i < r->n_ops; i++)
			hit |= r->ops[i] == opcode;
		if (!hit)
			return 0;
	}
	if (r->key != ANY && r->key != s->key)
		return 0;
	if (r->asc != ANY && r->asc != s->asc)
		return 0;
	return s->ascq >= r->ascq_lo && s->ascq <= r->ascq_hi;
}

hresult_t eng_sense_hresult(const struct eng_sense *s, uint8_t opcode)
{
	if (!s || !s->valid)
		return E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	for (size_t i = 0; i < sizeof(hr_map) / sizeof(hr_map[0]); i++)
		if (row_matches(&hr_map[i], s, opcode))
			return hr_map[i].hr;
	return IMAPI_HR_FROM_SENSE(s->key, s->asc, s->ascq);
}

hresult_t imapi_sense_hresult(const uint8_t *sense, size_t sense_len, uint8_t opcode)
{
	struct eng_sense s;
	if (eng_sense_parse(sense, sense_len, &s) != 0)
		return E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	return eng_sense_hresult(&s, opcode);
}

/* SAM-5 5.3 status codes. */
hresult_t eng_status_hresult(int scsi_status)
{
	switch (scsi_status) {
	case 0x00: /* GOOD */
		return S_OK;
	case 0x18: /* RESERVATION CONFLICT */
		return E_IMAPI_RECORDER_LOCKED;
	case 0x08: /* BUSY */
	case 0x28: /* TASK SET FULL */
		return E_IMAPI_RECORDER_MEDIA_BUSY;
	case 0x02: /* CHECK CONDITION without usable sense */
		return E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	default:
		return E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE;
	}
}
