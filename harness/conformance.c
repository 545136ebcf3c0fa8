/* harness/conformance.c - MMC conformance checks against any iSCSI target (issue 7;
 * the contract is in conformance.h, the checks and their clauses in
 * doc/harness-conformance.md).
 *
 * Each check is a row of hc_checks[]: group, id, one-line description, the clause it
 * checks (doc/harness-conformance.md names the SPC-4/MMC-6 command), what it needs, and
 * a function that leaves pass, fail (expected vs got, sense in words) or skip (with the
 * reason) in a struct hc_out.  The checks build their CDBs and read the answers with
 * mmcclient (mmcclient/README.md), which neither the engine nor simdrive uses: the
 * conformance run must not share a parser with either, or a misreading could hide in
 * both.
 *
 * Order matters in two ways.  The non-destructive groups come first, so with --dataloss
 * the disc/track checks still see the blank medium.  Among the writing groups, the
 * checks most likely to wreck a weak target's state (a WRITE beyond the medium, a
 * 0-block WRITE, CLOSE) come last, so one gap does not hide the others.  Every writing
 * check reads the NWA itself instead of trusting an earlier check, so -t can pick any
 * subset.
 */
#include "conformance.h"
#include "mmcclient.h"
#include "report.h"
#include "writeengine.h"

#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <iscsi/iscsi.h>

/* ---- one command ------------------------------------------------------------------ */

#define HC_BUF (256 * 1024)

struct hc {
	struct iscsi_context *isc;
	const char *url;
	int lun;
	bool dataloss;
	uint8_t *buf;		/* data-in */
	uint8_t *wbuf;		/* data-out */
	/* What the target showed at the start. */
	int profile;		/* current profile, -1 unknown */
	enum mcc_family fam;
	bool blank;		/* READ DISC INFORMATION disc status 00b */
	bool recorder;		/* a writable profile */
	bool sequential;	/* write-once sequential (NWA rules apply) */
	bool p05;		/* MODE SENSE page 05h answered */
	bool p05_changeable;	/* its changeable mask is not all zero */
	uint8_t p05_orig[64];	/* the current page at the start */
	int p05_len;
	bool raw_ok;		/* feature 002Eh current with Raw */
	bool stream_ok;		/* feature 0107h SW */
	unsigned seed;
};

/* Runs one CDB on LUN lun; data-out when outlen > 0 (the Expected Data Transfer Length
 * is outlen, whatever the CDB says: the block-size checks rely on that), else data-in
 * of at most inlen bytes into h->buf.  Returns false on no answer (r->dropped). */
static bool hc_exec_x(struct hc *h, int lun, struct mcc_cdb cdb, const uint8_t *out, int outlen,
		      int inlen, struct mcc_result *r)
{
	return mcc_try(h->isc, lun, cdb, out, outlen, h->buf, inlen, r);
}

static bool hc_exec(struct hc *h, struct mcc_cdb cdb, const uint8_t *out, int outlen, int inlen,
		    struct mcc_result *r)
{
	return hc_exec_x(h, h->lun, cdb, out, outlen, inlen, r);
}

/* A vendor-specific opcode no MMC drive implements (SPC-4 §4.3.4.1: C0h-FFh). */
static struct mcc_cdb hc_vendor_cdb(void)
{
	struct mcc_cdb c = { .b = { 0xc7 }, .len = 10 };
	return c;
}

/* ---- sense in words -------------------------------------------------------------- */

/* "GOOD", "ILLEGAL REQUEST: INVALID FIELD IN CDB (5/24/00)", "no answer", "status 18h".
 * The words come from libwriteengine's one sense table (imapi_sense_describe), as in
 * harness/run.c; the checks themselves compare the numbers. */
static const char *hc_outcome(const struct mcc_result *r, char *s, size_t n)
{
	if (!r->dropped && r->status == MCC_STATUS_CHECK_CONDITION && r->sense_len > 0)
		imapi_sense_describe(r->sense, (size_t)r->sense_len, s, n);
	else
		mcc_outcome(r, s, n);
	return s;
}

/* ---- verdicts -------------------------------------------------------------------- */

enum hc_verdict { HC_PASS, HC_FAIL, HC_SKIP };
static const char *const hc_verdict_str[] = { "pass", "FAIL", "skip" };

struct hc_out {
	enum hc_verdict v;
	char note[400];
};

static void hc_set(struct hc_out *o, enum hc_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void hc_set(struct hc_out *o, enum hc_verdict v, const char *fmt, ...)
{
	va_list ap;
	o->v = v;
	va_start(ap, fmt);
	vsnprintf(o->note, sizeof(o->note), fmt, ap);
	va_end(ap);
}

#define FAIL(...) do { hc_set(o, HC_FAIL, __VA_ARGS__); return; } while (0)
#define SKIP(...) do { hc_set(o, HC_SKIP, __VA_ARGS__); return; } while (0)
#define NOTE(...) hc_set(o, HC_PASS, __VA_ARGS__)

/* The command must have been GOOD; else the verdict is a failure naming what. */
static bool want_good(struct hc_out *o, const char *what, const struct mcc_result *r)
{
	char s[160];
	if (!r->dropped && r->status == MCC_STATUS_GOOD)
		return true;
	hc_set(o, HC_FAIL, "%s: expected GOOD, got %s", what, hc_outcome(r, s, sizeof(s)));
	return false;
}

/* The command must have ended in CHECK CONDITION key/asc/ascq (ascq -1: any). */
static bool want_sense(struct hc_out *o, const char *what, const struct mcc_result *r, int key,
		       int asc, int ascq)
{
	char s[160], want[160];
	if (!r->dropped && r->status == MCC_STATUS_CHECK_CONDITION && r->key == key && r->asc == asc &&
	    (ascq < 0 || r->ascq == ascq))
		return true;
	/* the expected condition in the same words: a fixed-format sense of it */
	uint8_t fixed[18] = { 0x70, 0, (uint8_t)key, 0, 0, 0, 0, 10 };
	fixed[12] = (uint8_t)asc;
	fixed[13] = (uint8_t)(ascq < 0 ? 0 : ascq);
	imapi_sense_describe(fixed, sizeof(fixed), want, sizeof(want));
	hc_set(o, HC_FAIL, "%s: expected %s%s, got %s", what, want, ascq < 0 ? " (any ASCQ)" : "",
	       hc_outcome(r, s, sizeof(s)));
	return false;
}

#define GOOD_OR_RETURN(what, r) do { if (!want_good(o, what, r)) return; } while (0)
#define SENSE_OR_RETURN(what, r, k, a, q) do { if (!want_sense(o, what, r, k, a, q)) return; } while (0)

/* Sense-key specific bytes of an ILLEGAL REQUEST (fixed or descriptor format):
 * true when SKSV is set; *cd = C/D, *field = field pointer, *bit = bit pointer or -1. */
static bool hc_sks(const struct mcc_result *r, bool *cd, int *field, int *bit)
{
	struct mcc_sense s;
	return mcc_sense_decode(r->sense, r->sense_len, &s) && mcc_sense_field(&s, cd, field, bit);
}

/* ---- commands ----------------------------------------------------------------------- */

static bool cmd_inquiry(struct hc *h, bool evpd, int page, int alloc, struct mcc_result *r)
{
	return hc_exec(h, mcc_cdb_inquiry(evpd, (uint8_t)page, (uint16_t)alloc), NULL, 0, alloc, r);
}

static bool cmd_tur(struct hc *h, struct mcc_result *r)
{
	return hc_exec(h, mcc_cdb_test_unit_ready(), NULL, 0, 0, r);
}

static bool cmd_get_config(struct hc *h, int rt, int start, int alloc, struct mcc_result *r)
{
	return hc_exec(h, mcc_cdb_get_configuration((uint8_t)rt, (uint16_t)start, (uint16_t)alloc),
		       NULL, 0, alloc, r);
}

static bool cmd_mode_sense(struct hc *h, int pc, int page, int alloc, struct mcc_result *r)
{
	return hc_exec(h, mcc_cdb_mode_sense10(true, (uint8_t)pc, (uint8_t)page, (uint16_t)alloc),
		       NULL, 0, alloc, r);
}

/* MODE SELECT(10), PF=1: an 8-byte header (bdl block descriptor bytes of zeros) and
 * page[0..plen-1]; listlen >= 0 overrides the parameter list length and the bytes sent. */
static bool cmd_mode_select(struct hc *h, const uint8_t *page, int plen, int bdl, int listlen,
			    struct mcc_result *r)
{
	uint8_t par[MCC_MODE_HDR10 + 8 + 256] = { 0 };
	int n = mcc_mode_list(par, (int)sizeof(par), page, plen, bdl);
	if (listlen >= 0)
		n = listlen;
	return hc_exec(h, mcc_cdb_mode_select10(false, (uint16_t)n), par, n, 0, r);
}

static bool cmd_rdi(struct hc *h, int type, struct mcc_result *r)
{
	return hc_exec(h, mcc_cdb_read_disc_information((uint8_t)type, 34), NULL, 0, 34, r);
}

static bool cmd_rti(struct hc *h, int atype, uint32_t addr, int alloc, struct mcc_result *r)
{
	return hc_exec(h, mcc_cdb_read_track_information((uint8_t)atype, addr, (uint16_t)alloc),
		       NULL, 0, alloc, r);
}

static bool cmd_read10(struct hc *h, uint32_t lba, int n, struct mcc_result *r)
{
	return hc_exec(h, mcc_cdb_read10(lba, (uint16_t)n), NULL, 0, n * 2048, r);
}

/* WRITE(10) of n blocks with bytes of data from h->wbuf (bytes may disagree with n). */
static bool cmd_write10(struct hc *h, uint32_t lba, int n, int bytes, struct mcc_result *r)
{
	return hc_exec(h, mcc_cdb_write10(lba, (uint16_t)n), h->wbuf, bytes, 0, r);
}

static bool cmd_write12(struct hc *h, uint32_t lba, int n, int bytes, bool streaming,
			struct mcc_result *r)
{
	return hc_exec(h, mcc_cdb_write12(lba, (uint32_t)n, streaming), h->wbuf, bytes, 0, r);
}

static bool cmd_sync(struct hc *h, bool immed, struct mcc_result *r)
{
	return hc_exec(h, mcc_cdb_synchronize_cache(immed), NULL, 0, 0, r);
}

static bool cmd_close(struct hc *h, int func, int track, struct mcc_result *r)
{
	return hc_exec(h, mcc_cdb_close_track_session(false, (uint8_t)func, (uint16_t)track), NULL,
		       0, 0, r);
}

static bool cmd_get_perf(struct hc *h, int dtype, int type, int maxdesc, struct mcc_result *r)
{
	int alloc = 8 + 16 * maxdesc;
	return hc_exec(h, mcc_cdb_get_performance((uint8_t)dtype, 0, (uint16_t)maxdesc,
						  (uint8_t)type), NULL, 0, alloc, r);
}

static bool cmd_set_cd_speed(struct hc *h, int read_kbps, int write_kbps, struct mcc_result *r)
{
	return hc_exec(h, mcc_cdb_set_cd_speed((uint16_t)read_kbps, (uint16_t)write_kbps), NULL, 0,
		       0, r);
}

/* SET STREAMING type 00h; rdd restores defaults; rate in kB/s for read and write; plen
 * bytes of the 28-byte descriptor are sent. */
static bool cmd_set_streaming(struct hc *h, bool rdd, uint32_t end_lba, uint32_t kbps, int plen,
			      struct mcc_result *r)
{
	uint8_t par[MCC_STREAMING_LEN];
	mcc_streaming_desc(par, rdd, 0, end_lba, kbps, kbps);
	return hc_exec(h, mcc_cdb_set_streaming(0x00, (uint16_t)plen), par, plen, 0, r);
}

/* ---- what the disc says ----------------------------------------------------------- */

static bool hc_read_disc(struct hc *h, struct mcc_disc_info *d, struct hc_out *o)
{
	struct mcc_result r;
	cmd_rdi(h, 0, &r);
	if (!want_good(o, "READ DISC INFORMATION", &r))
		return false;
	if (!mcc_disc_info(r.data, r.len, d)) {
		hc_set(o, HC_FAIL, "READ DISC INFORMATION: %d bytes, want 34", r.len);
		return false;
	}
	return true;
}

static bool hc_read_track(struct hc *h, int atype, uint32_t addr, struct mcc_track_info *t,
			  struct hc_out *o)
{
	struct mcc_result r;
	char what[64];
	snprintf(what, sizeof(what), "READ TRACK INFORMATION type %d address %u", atype, addr);
	cmd_rti(h, atype, addr, 48, &r);
	if (!want_good(o, what, &r))
		return false;
	if (!mcc_track_info(r.data, r.len, t)) {
		hc_set(o, HC_FAIL, "%s: %d bytes of track information, want >= 32", what, r.len);
		return false;
	}
	return true;
}

/* The open (last) track's information: "last track in last session" from READ DISC
 * INFORMATION, as growisofs and libburn do for every medium. */
static bool hc_open_track(struct hc *h, struct mcc_track_info *t, struct hc_out *o)
{
	struct mcc_disc_info d;
	return hc_read_disc(h, &d, o) && hc_read_track(h, 1, (uint32_t)d.last_in_last, t, o);
}

/* The NWA, or false (with the verdict) when there is none. */
static bool hc_nwa(struct hc *h, uint32_t *nwa, struct hc_out *o)
{
	struct mcc_track_info t;
	if (!hc_open_track(h, &t, o))
		return false;
	if (!t.nwa_v) {
		hc_set(o, HC_FAIL, "READ TRACK INFORMATION of track %d: NWA_V is 0", t.number);
		return false;
	}
	*nwa = t.nwa;
	return true;
}

/* A deterministic pattern: bytes of n blocks of size bs from lba on. */
static void hc_fill(struct hc *h, uint32_t lba, int n, int bs)
{
	for (int b = 0; b < n; b++)
		for (int i = 0; i < bs; i += 4) {
			uint32_t v = (lba + (uint32_t)b) * 2654435761u ^ (uint32_t)i * 40503u ^ h->seed;
			uint8_t *p = h->wbuf + (size_t)b * (size_t)bs + (size_t)i;
			p[0] = (uint8_t)(v >> 24);
			p[1] = (uint8_t)(v >> 16);
			if (i + 2 < bs) {
				p[2] = (uint8_t)(v >> 8);
				p[3] = (uint8_t)v;
			}
		}
}

static int hc_page05(struct hc *h, int pc, uint8_t *page);

/* Page 05h back to the drive's default (CD TAO data DBT 8, DVD-R incremental) before a
 * 2048-byte data write; nothing on media where hosts send no page 05h (DVD+R, BD: the
 * page is not changeable there). */
static bool hc_data_mode(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	uint8_t page[64];
	if (!h->p05_changeable)
		return true;
	int plen = hc_page05(h, 2, page);
	if (plen < 0) {
		hc_set(o, HC_FAIL, "MODE SENSE(10) page 05h default values failed");
		return false;
	}
	cmd_mode_select(h, page, plen, 0, -1, &r);
	return want_good(o, "MODE SELECT(10) of page 05h default values", &r);
}

/* Writes n 2048-byte pattern blocks at the NWA with WRITE(10); *at = the LBA. */
static bool hc_write_data(struct hc *h, int n, uint32_t *at, struct hc_out *o)
{
	struct mcc_result r;
	if (!hc_data_mode(h, o) || !hc_nwa(h, at, o))
		return false;
	hc_fill(h, *at, n, 2048);
	cmd_write10(h, *at, n, n * 2048, &r);
	return want_good(o, "WRITE(10) at the NWA", &r);
}

/* Page 05h of page control pc (header stripped, PS cleared) into page[64]; its length,
 * or -1. */
static int hc_page05(struct hc *h, int pc, uint8_t *page)
{
	struct mcc_result r;
	if (!cmd_mode_sense(h, pc, 0x05, 255, &r) || r.status != MCC_STATUS_GOOD)
		return -1;
	return mcc_mode_page(r.data, r.len, page, 64);
}

/* Feature code's descriptor from GET CONFIGURATION RT=10b, or NULL. */
static const uint8_t *hc_feature(struct hc *h, int code, struct mcc_result *r)
{
	if (!cmd_get_config(h, 2, code, 256, r) || r->status != MCC_STATUS_GOOD || r->len < 12)
		return NULL;
	return mcc_be16(r->data + 8) == code ? r->data + 8 : NULL;
}

/* Descriptors of a GET PERFORMANCE answer: what the header's data length announces,
 * bounded by the bytes received (a target may pad the data to the allocation length). */
static int hc_perf_count(const struct mcc_result *r)
{
	if (r->len < 8)
		return 0;
	uint32_t total = mcc_be32(r->data) + 4;
	if (total > (uint32_t)r->len)
		total = (uint32_t)r->len;
	return total < 8 ? 0 : (int)(total - 8) / 16;
}

/* Write speeds of GET PERFORMANCE type 03h (kB/s), n of them. */
static int hc_write_speeds(struct hc *h, uint32_t *kbps, int max)
{
	struct mcc_result r;
	if (!cmd_get_perf(h, 0, 3, 32, &r) || r.status != MCC_STATUS_GOOD || r.len < 8)
		return 0;
	int n = hc_perf_count(&r);
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++)
		kbps[i] = mcc_be32(r.data + 8 + 16 * i + 12);
	return n;
}

/* ---- identification -------------------------------------------------------------- */

static void ck_inq_type(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_inquiry(h, false, 0, 96, &r);
	GOOD_OR_RETURN("INQUIRY", &r);
	if (r.len < 36)
		FAIL("INQUIRY: %d bytes, want >= 36", r.len);
	if (r.data[0] != 0x05)
		FAIL("byte 0: expected 05h (qualifier 000b, type 05h CD/DVD), got %02Xh", r.data[0]);
	NOTE("peripheral type 05h");
}

static void ck_inq_rmb(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_inquiry(h, false, 0, 96, &r);
	GOOD_OR_RETURN("INQUIRY", &r);
	if (r.len < 2 || !(r.data[1] & 0x80))
		FAIL("byte 1 b7 RMB: expected 1 (removable medium), got 0");
}

static void ck_inq_format(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_inquiry(h, false, 0, 96, &r);
	GOOD_OR_RETURN("INQUIRY", &r);
	if ((r.data[3] & 15) != 2)
		FAIL("response data format: expected 2, got %d", r.data[3] & 15);
	if (r.data[4] < 31)
		FAIL("additional length: expected >= 31, got %d", r.data[4]);
	NOTE("format 2, additional length %d", r.data[4]);
}

static void ck_inq_ascii(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_inquiry(h, false, 0, 96, &r);
	GOOD_OR_RETURN("INQUIRY", &r);
	if (r.len < 36)
		FAIL("INQUIRY: %d bytes, want >= 36", r.len);
	for (int i = 8; i < 36; i++)
		if (r.data[i] < 0x20 || r.data[i] > 0x7e)
			FAIL("byte %d of vendor/product/revision is %02Xh, not printable ASCII", i,
			     r.data[i]);
	NOTE("'%.8s' '%.16s' '%.4s'", r.data + 8, r.data + 16, r.data + 32);
}

static void ck_inq_mmc_version(struct hc *h, struct hc_out *o)
{
	/* Version descriptor families (32 codes each): MMC 0140h, MMC-2 0240h, MMC-3 02A0h,
	 * MMC-4 0360h, MMC-5 0420h, MMC-6 04E0h. */
	static const uint16_t mmc[] = { 0x0140, 0x0240, 0x02a0, 0x0360, 0x0420, 0x04e0 };
	struct mcc_result r;
	cmd_inquiry(h, false, 0, 96, &r);
	GOOD_OR_RETURN("INQUIRY", &r);
	for (int i = 58; i + 1 < r.len && i < 74; i += 2) {
		uint16_t v = mcc_be16(r.data + i);
		for (size_t k = 0; k < sizeof(mmc) / sizeof(mmc[0]); k++)
			if ((v & 0xffe0) == mmc[k]) {
				NOTE("version descriptor %04Xh", v);
				return;
			}
	}
	FAIL("no MMC version descriptor (0140h/0240h/02A0h/0360h/0420h/04E0h families) in bytes 58-73");
}

static void ck_inq_alloc(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_inquiry(h, false, 0, 5, &r);
	GOOD_OR_RETURN("INQUIRY allocation length 5", &r);
	if (r.len != 5)
		FAIL("allocation length 5: expected 5 bytes, got %d", r.len);
	cmd_inquiry(h, false, 0, 0, &r);
	GOOD_OR_RETURN("INQUIRY allocation length 0", &r);
	if (r.len != 0)
		FAIL("allocation length 0: expected no data, got %d bytes", r.len);
}

static void ck_vpd00(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_inquiry(h, true, 0x00, 255, &r);
	GOOD_OR_RETURN("INQUIRY VPD 00h", &r);
	if (r.len < 4 || r.data[1] != 0x00)
		FAIL("VPD 00h: page code %02Xh, %d bytes", r.len > 1 ? r.data[1] : 0, r.len);
	int n = mcc_be16(r.data + 2);
	bool has80 = false, has83 = false, has00 = false;
	for (int i = 0; i < n && 4 + i < r.len; i++) {
		if (i > 0 && r.data[4 + i] <= r.data[3 + i])
			FAIL("VPD 00h: page list not ascending at entry %d", i);
		has00 |= r.data[4 + i] == 0x00;
		has80 |= r.data[4 + i] == 0x80;
		has83 |= r.data[4 + i] == 0x83;
	}
	if (!has00 || !has80 || !has83)
		FAIL("VPD 00h: expected 00h, 80h and 83h listed; 00h %s, 80h %s, 83h %s",
		     has00 ? "yes" : "no", has80 ? "yes" : "no", has83 ? "yes" : "no");
}

static void ck_vpd80(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_inquiry(h, true, 0x80, 255, &r);
	GOOD_OR_RETURN("INQUIRY VPD 80h", &r);
	if (r.len < 4 || r.data[1] != 0x80)
		FAIL("VPD 80h: page code %02Xh", r.len > 1 ? r.data[1] : 0);
	if (r.data[3] == 0 || 4 + r.data[3] > r.len)
		FAIL("VPD 80h: page length %d with %d bytes", r.data[3], r.len);
	NOTE("serial '%.*s'", r.data[3] > 40 ? 40 : r.data[3], r.data + 4);
}

static void ck_vpd83(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_inquiry(h, true, 0x83, 255, &r);
	GOOD_OR_RETURN("INQUIRY VPD 83h", &r);
	if (r.len < 4 || r.data[1] != 0x83)
		FAIL("VPD 83h: page code %02Xh", r.len > 1 ? r.data[1] : 0);
	int n = mcc_be16(r.data + 2), i = 4, count = 0;
	if (4 + n > r.len)
		FAIL("VPD 83h: page length %d beyond the %d bytes returned", n, r.len);
	while (i + 4 <= 4 + n) {
		i += 4 + r.data[i + 3];
		count++;
	}
	if (i != 4 + n)
		FAIL("VPD 83h: designator lengths add up to %d, page length says %d", i - 4, n);
	if (count == 0)
		FAIL("VPD 83h: no designator");
	NOTE("%d designator(s)", count);
}

static void ck_vpd_bad_page(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_inquiry(h, false, 0x80, 96, &r);
	SENSE_OR_RETURN("INQUIRY EVPD=0 with page code 80h", &r, 5, 0x24, 0x00);
}

/* A second session (another I_T nexus) to the same URL, for the unit-attention checks;
 * NULL with the verdict set when the login fails.  The caller logs out and destroys it. */
static struct iscsi_context *hc_second_session(struct hc *h, const char *name, struct hc_out *o)
{
	char initiator[128], err[256];
	snprintf(initiator, sizeof(initiator), "iqn.2026-01.org.burnlab:%s", name);
	const struct mcc_login how = { .initiator = initiator, .timeout_s = 30 };
	struct iscsi_context *c;
	int rc = mcc_connect(h->url, &how, &c, NULL, err, sizeof(err));
	if (rc == -2) {
		hc_set(o, HC_FAIL, "second session: cannot parse the URL");
		return NULL;
	}
	if (rc != 0) {
		hc_set(o, HC_FAIL, "second session: login failed: %s", iscsi_get_error(c));
		iscsi_destroy_context(c);
		return NULL;
	}
	return c;
}

/* TEST UNIT READY on another session's context. */
static bool cmd_tur_on(struct hc *h, struct iscsi_context *c, struct mcc_result *r)
{
	return mcc_try(c, h->lun, mcc_cdb_test_unit_ready(), NULL, 0, h->buf, 0, r);
}

/* A new session's first TEST UNIT READY: GOOD or the power-on unit attention; the
 * next one GOOD. */
static void ck_tur_ua(struct hc *h, struct hc_out *o)
{
	struct iscsi_context *c = hc_second_session(h, "conformance-ua", o);
	if (!c)
		return;
	struct mcc_result r1, r2;
	cmd_tur_on(h, c, &r1);
	cmd_tur_on(h, c, &r2);
	iscsi_logout_sync(c);
	iscsi_destroy_context(c);
	char s[160];
	if (!(r1.status == MCC_STATUS_GOOD || (r1.status == MCC_STATUS_CHECK_CONDITION && r1.key == 6 && r1.asc == 0x29)))
		FAIL("first TEST UNIT READY of a new session: expected GOOD or 06/29/xx, got %s",
		     hc_outcome(&r1, s, sizeof(s)));
	if (!want_good(o, "second TEST UNIT READY", &r2))
		return;
	NOTE("first: %s", hc_outcome(&r1, s, sizeof(s)));
}

static void ck_request_sense(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	hc_exec(h, mcc_cdb_request_sense(false, 18), NULL, 0, 18, &r);
	GOOD_OR_RETURN("REQUEST SENSE", &r);
	if (r.len < 8 || (r.data[0] & 0x7f) != 0x70)
		FAIL("REQUEST SENSE: response code %02Xh, want 70h (fixed, current)", r.len ? r.data[0] : 0);
	if (r.len < 14 || r.data[7] < 10)
		FAIL("REQUEST SENSE: additional length %d, want >= 10", r.len >= 8 ? r.data[7] : -1);
	if ((r.data[2] & 15) != 0 || r.data[12] != 0)
		FAIL("REQUEST SENSE with nothing pending: expected 00/00/00, got %02X/%02X/%02X",
		     r.data[2] & 15, r.data[12], r.data[13]);
}

static void ck_report_luns(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	hc_exec(h, mcc_cdb_report_luns(4096), NULL, 0, 4096, &r);
	GOOD_OR_RETURN("REPORT LUNS", &r);
	if (r.len < 8)
		FAIL("REPORT LUNS: %d bytes, want >= 8", r.len);
	uint32_t n = mcc_be32(r.data) / 8;
	for (uint32_t i = 0; i < n && 8 + 8 * i + 8 <= (uint32_t)r.len; i++) {
		const uint8_t *l = r.data + 8 + 8 * i;
		int v = (l[0] & 0xc0) == 0x40 ? ((l[0] & 0x3f) << 8 | l[1]) : l[1];
		if (v == h->lun)
			return;
	}
	FAIL("REPORT LUNS: LUN %d not among the %u listed", h->lun, n);
}

/* ---- configuration and profiles ------------------------------------------------ */

struct hc_feat { uint16_t code; uint8_t flags; uint8_t len; int off; };

/* The descriptors of a GET CONFIGURATION answer; n, or -1 with the verdict. */
static int hc_features(const struct mcc_result *r, struct hc_feat *f, int max, struct hc_out *o)
{
	if (r->len < 8) {
		hc_set(o, HC_FAIL, "GET CONFIGURATION: %d bytes, want >= 8", r->len);
		return -1;
	}
	int total = (int)mcc_be32(r->data) + 4, end = total < r->len ? total : r->len, n = 0;
	for (int i = 8; i + 4 <= end && n < max; i += 4 + r->data[i + 3]) {
		f[n].code = mcc_be16(r->data + i);
		f[n].flags = r->data[i + 2];
		f[n].len = r->data[i + 3];
		f[n].off = i;
		n++;
	}
	return n;
}

static void ck_cfg_header(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	struct hc_feat f[128];
	cmd_get_config(h, 0, 0, 65530, &r);
	GOOD_OR_RETURN("GET CONFIGURATION RT=00b", &r);
	uint32_t dl = mcc_be32(r.data);
	if (dl + 4 != (uint32_t)r.len)
		FAIL("data length %u + 4 != %d bytes returned", dl, r.len);
	int n = hc_features(&r, f, 128, o);
	if (n < 0)
		return;
	int end = 8;
	for (int i = 0; i < n; i++)
		end = f[i].off + 4 + f[i].len;
	if (end != r.len)
		FAIL("descriptors end at byte %d, the data at %d", end, r.len);
	NOTE("%d features, current profile %04Xh", n, mcc_be16(r.data + 6));
}

static void ck_cfg_ascending(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	struct hc_feat f[128];
	cmd_get_config(h, 0, 0, 65530, &r);
	GOOD_OR_RETURN("GET CONFIGURATION RT=00b", &r);
	int n = hc_features(&r, f, 128, o);
	for (int i = 1; i < n; i++)
		if (f[i].code <= f[i - 1].code)
			FAIL("feature %04Xh follows %04Xh", f[i].code, f[i - 1].code);
	for (int i = 0; i < n; i++)
		if (f[i].len % 4)
			FAIL("feature %04Xh additional length %d is not a multiple of 4", f[i].code,
			     f[i].len);
}

static void ck_cfg_profile_list(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	struct hc_feat f[128];
	cmd_get_config(h, 0, 0, 65530, &r);
	GOOD_OR_RETURN("GET CONFIGURATION RT=00b", &r);
	int n = hc_features(&r, f, 128, o);
	if (n < 1 || f[0].code != 0x0000)
		FAIL("first feature: expected 0000h Profile List, got %04Xh", n ? f[0].code : 0xffff);
	if ((f[0].flags & 3) != 3)
		FAIL("Profile List: expected persistent and current, flags %02Xh", f[0].flags);
	int cur = mcc_be16(r.data + 6), found = 0, flagged = 0;
	for (int i = 0; i < f[0].len / 4; i++) {
		const uint8_t *p = r.data + f[0].off + 4 + 4 * i;
		if (p[2] & 1) {
			flagged++;
			if (mcc_be16(p) != cur)
				FAIL("profile %04Xh flagged current, the header says %04Xh", mcc_be16(p), cur);
		}
		found |= mcc_be16(p) == cur;
	}
	if (cur != 0 && (!found || flagged != 1))
		FAIL("current profile %04Xh: in list %s, %d flagged current", cur, found ? "yes" : "no",
		     flagged);
	NOTE("%d profiles, current %04Xh", f[0].len / 4, cur);
}

static void ck_cfg_base_features(struct hc *h, struct hc_out *o)
{
	static const uint16_t want[] = { 0x0001, 0x0002, 0x0003 };
	struct mcc_result r;
	for (size_t k = 0; k < 3; k++) {
		const uint8_t *d = hc_feature(h, want[k], &r);
		if (!d)
			FAIL("feature %04Xh (Core / Morphing / Removable Medium) missing", want[k]);
		if ((d[2] & 3) != 3)
			FAIL("feature %04Xh: expected persistent and current, flags %02Xh", want[k], d[2]);
	}
}

static void ck_cfg_core(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	const uint8_t *d = hc_feature(h, 0x0001, &r);
	if (!d)
		FAIL("feature 0001h Core missing");
	if (d[3] < 4)
		FAIL("Core: additional length %d, want >= 4", d[3]);
	uint32_t pi = mcc_be32(d + 4);
	if (pi == 0)
		FAIL("Core: physical interface standard 0 (unspecified)");
	NOTE("physical interface %u%s", pi, pi == 1 ? " (SCSI)" : pi == 2 ? " (ATAPI)" : "");
}

static void ck_cfg_removable(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	const uint8_t *d = hc_feature(h, 0x0003, &r);
	if (!d)
		FAIL("feature 0003h Removable Medium missing");
	if (d[3] < 4)
		FAIL("Removable Medium: additional length %d, want >= 4", d[3]);
	if ((d[4] >> 5) == 0 && !(d[4] & 0x08))
		FAIL("Removable Medium: no loading mechanism and no eject (byte 4 = %02Xh)", d[4]);
}

static void ck_cfg_rt1(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	struct hc_feat all[128], cur[128];
	cmd_get_config(h, 0, 0, 65530, &r);
	GOOD_OR_RETURN("GET CONFIGURATION RT=00b", &r);
	int na = hc_features(&r, all, 128, o);
	cmd_get_config(h, 1, 0, 65530, &r);
	GOOD_OR_RETURN("GET CONFIGURATION RT=01b", &r);
	int nc = hc_features(&r, cur, 128, o);
	if (na < 0 || nc < 0)
		return;
	int k = 0;
	for (int i = 0; i < na; i++) {
		if (!(all[i].flags & 1))
			continue;
		if (k >= nc || cur[k].code != all[i].code)
			FAIL("RT=01b: current feature %04Xh of RT=00b missing", all[i].code);
		k++;
	}
	if (k != nc)
		FAIL("RT=01b returned %d features, RT=00b flags %d current", nc, k);
	NOTE("%d current of %d", nc, na);
}

static void ck_cfg_rt2(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	struct hc_feat f[8];
	cmd_get_config(h, 2, 0x0001, 1024, &r);
	GOOD_OR_RETURN("GET CONFIGURATION RT=10b 0001h", &r);
	int n = hc_features(&r, f, 8, o);
	if (n != 1 || f[0].code != 0x0001)
		FAIL("RT=10b start 0001h: expected exactly feature 0001h, got %d feature(s)%s", n,
		     n > 0 && f[0].code != 1 ? " (another first)" : "");
}

static void ck_cfg_rt2_absent(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_get_config(h, 2, 0xfff0, 1024, &r);
	GOOD_OR_RETURN("GET CONFIGURATION RT=10b FFF0h", &r);
	if (r.len < 8 || mcc_be32(r.data) != 4)
		FAIL("RT=10b for an absent feature: expected the 8-byte header alone (data length 4), "
		     "got %d bytes, data length %u", r.len, r.len >= 4 ? mcc_be32(r.data) : 0);
}

static void ck_cfg_start(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	struct hc_feat f[128];
	cmd_get_config(h, 0, 0x0010, 65530, &r);
	GOOD_OR_RETURN("GET CONFIGURATION RT=00b start 0010h", &r);
	int n = hc_features(&r, f, 128, o);
	for (int i = 0; i < n; i++)
		if (f[i].code < 0x0010)
			FAIL("starting feature 0010h: feature %04Xh returned", f[i].code);
}

static void ck_cfg_alloc(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_get_config(h, 0, 0, 65530, &r);
	GOOD_OR_RETURN("GET CONFIGURATION", &r);
	uint32_t full = mcc_be32(r.data);
	cmd_get_config(h, 0, 0, 16, &r);
	GOOD_OR_RETURN("GET CONFIGURATION allocation length 16", &r);
	if (r.len != 16)
		FAIL("allocation length 16: expected 16 bytes, got %d", r.len);
	if (mcc_be32(r.data) != full)
		FAIL("allocation length 16: data length %u, the full answer says %u", mcc_be32(r.data), full);
}

static void ck_cfg_rt3(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_get_config(h, 3, 0, 1024, &r);
	SENSE_OR_RETURN("GET CONFIGURATION RT=11b (reserved)", &r, 5, 0x24, 0x00);
}

/* The write feature of the current recordable profile is current (MMC-6 features and
 * profiles). */
static void ck_cfg_write_feature(struct hc *h, struct hc_out *o)
{
	int want;
	switch (h->profile) {
	case 0x09: case 0x0a: want = 0x002d; break;
	case 0x11: case 0x14: case 0x15: want = 0x002f; break;
	case 0x1b: want = 0x002b; break;
	case 0x2b: want = 0x003b; break;
	case 0x1a: want = 0x002a; break;
	case 0x41: case 0x42: case 0x43: want = 0x0041; break;
	default: SKIP("profile %04Xh is not a recordable profile", h->profile);
	}
	struct mcc_result r;
	const uint8_t *d = hc_feature(h, want, &r);
	if (!d)
		FAIL("profile %04Xh: feature %04Xh missing", h->profile, want);
	if (!(d[2] & 1))
		FAIL("profile %04Xh: feature %04Xh not current", h->profile, want);
	NOTE("feature %04Xh current", want);
}

static void ck_cfg_rts(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	const uint8_t *d = hc_feature(h, 0x0107, &r);
	if (!d)
		FAIL("feature 0107h Real Time Streaming missing");
	if (!(d[2] & 1))
		FAIL("feature 0107h Real Time Streaming not current");
	NOTE("byte 4 = %02Xh (SW %d, WSPD %d, MP2A %d, SCS %d)", d[4], d[4] & 1, d[4] >> 1 & 1,
	     d[4] >> 2 & 1, d[4] >> 3 & 1);
}

/* ---- mode page 05h ----------------------------------------------------------------- */

static void ck_mode_header(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_mode_sense(h, 0, 0x05, 255, &r);
	GOOD_OR_RETURN("MODE SENSE(10) page 05h", &r);
	if (r.len < 8)
		FAIL("MODE SENSE(10): %d bytes", r.len);
	if (mcc_be16(r.data) + 2 != r.len)
		FAIL("mode data length %d + 2 != %d bytes returned", mcc_be16(r.data), r.len);
	if (mcc_be16(r.data + 6) != 0)
		FAIL("block descriptor length %d, want 0 (MMC has no block descriptors)", mcc_be16(r.data + 6));
}

static void ck_mode_p05_len(struct hc *h, struct hc_out *o)
{
	uint8_t p[64];
	int n = hc_page05(h, 0, p);
	if (n < 0)
		FAIL("MODE SENSE(10) page 05h failed or returned no page");
	if (p[0] != 0x05)
		FAIL("page code %02Xh, want 05h", p[0]);
	if (p[1] != 0x32)
		FAIL("page length %02Xh, want 32h", p[1]);
}

static void ck_mode_p05_changeable(struct hc *h, struct hc_out *o)
{
	uint8_t cur[64], mask[64], def[64];
	int nc = hc_page05(h, 0, cur), nm = hc_page05(h, 1, mask), nd = hc_page05(h, 2, def);
	if (nc < 0 || nm < 0 || nd < 0)
		FAIL("MODE SENSE(10) page 05h: current %s, changeable %s, default %s",
		     nc < 0 ? "failed" : "ok", nm < 0 ? "failed" : "ok", nd < 0 ? "failed" : "ok");
	if (nm != nc || nd != nc)
		FAIL("page lengths differ: current %d, changeable %d, default %d", nc, nm, nd);
	bool cd_like = h->fam == MCC_FAM_CD || h->profile == 0x11 || h->profile == 0x14;
	if (cd_like && (mask[2] & 0x0f) != 0x0f)
		FAIL("write type (byte 2 b3-0) not changeable on profile %04Xh: mask %02Xh", h->profile,
		     mask[2]);
	NOTE("write type mask %02Xh, DBT mask %02Xh", mask[2] & 15, mask[4] & 15);
}

static void ck_mode_saved(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_mode_sense(h, 3, 0x05, 255, &r);
	SENSE_OR_RETURN("MODE SENSE(10) PC=11b (saved)", &r, 5, 0x39, 0x00);
}

static void ck_mode_alloc(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_mode_sense(h, 0, 0x05, 255, &r);
	GOOD_OR_RETURN("MODE SENSE(10) page 05h", &r);
	int full = mcc_be16(r.data);
	cmd_mode_sense(h, 0, 0x05, 12, &r);
	GOOD_OR_RETURN("MODE SENSE(10) allocation length 12", &r);
	if (r.len != 12)
		FAIL("allocation length 12: expected 12 bytes, got %d", r.len);
	if (mcc_be16(r.data) != full)
		FAIL("allocation length 12: mode data length %d, full answer %d", mcc_be16(r.data), full);
}

static void ck_mode_unknown_page(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_mode_sense(h, 0, 0x3e, 255, &r);
	SENSE_OR_RETURN("MODE SENSE(10) of page 3Eh (not implemented)", &r, 5, 0x24, 0x00);
}

static void ck_mode_roundtrip(struct hc *h, struct hc_out *o)
{
	uint8_t p[64], q[64];
	struct mcc_result r;
	int n = hc_page05(h, 0, p);
	if (n < 0)
		FAIL("MODE SENSE(10) page 05h failed");
	cmd_mode_select(h, p, n, 0, -1, &r);
	GOOD_OR_RETURN("MODE SELECT(10) of the current page 05h", &r);
	if (hc_page05(h, 0, q) != n || memcmp(p, q, (size_t)n) != 0)
		FAIL("page 05h differs after selecting it unchanged");
}

/* A changeable field changes and reads back; pages hosts do not send (DVD+R, BD) must
 * be accepted and ignored. */
static void ck_mode_change(struct hc *h, struct hc_out *o)
{
	uint8_t p[64], m[64], q[64];
	struct mcc_result r;
	int n = hc_page05(h, 0, p);
	if (n < 0 || hc_page05(h, 1, m) != n)
		FAIL("MODE SENSE(10) page 05h current/changeable failed");
	uint8_t want[64];
	memcpy(want, p, (size_t)n);
	bool changeable = (m[3] & 0xc0) == 0xc0;
	want[3] = (uint8_t)((want[3] & 0x3f) | ((want[3] & 0xc0) == 0xc0 ? 0x00 : 0xc0));
	cmd_mode_select(h, want, n, 0, -1, &r);
	GOOD_OR_RETURN("MODE SELECT(10) page 05h with another multi-session value", &r);
	int nq = hc_page05(h, 0, q);
	cmd_mode_select(h, p, n, 0, -1, &r);	/* restore */
	if (nq != n)
		FAIL("MODE SENSE(10) after the change failed");
	if (changeable && memcmp(q, want, (size_t)n) != 0)
		FAIL("multi-session is changeable, but after MODE SELECT byte 3 is %02Xh, want %02Xh",
		     q[3], want[3]);
	if (!changeable && memcmp(q, p, (size_t)n) != 0)
		FAIL("multi-session is not changeable, yet the page changed (byte 3 %02Xh -> %02Xh)",
		     p[3], q[3]);
	if (!want_good(o, "MODE SELECT(10) restoring page 05h", &r))
		return;
	NOTE(changeable ? "changed and read back" : "not changeable: accepted and ignored");
}

static void ck_mode_bad_length(struct hc *h, struct hc_out *o)
{
	uint8_t p[64];
	struct mcc_result r;
	int n = hc_page05(h, 0, p);
	if (n < 0)
		FAIL("MODE SENSE(10) page 05h failed");
	p[1] = 0x30;
	cmd_mode_select(h, p, n, 0, -1, &r);
	SENSE_OR_RETURN("MODE SELECT(10) page 05h with page length 30h", &r, 5, 0x26, 0x00);
}

static void ck_mode_ps(struct hc *h, struct hc_out *o)
{
	uint8_t p[64];
	struct mcc_result r;
	int n = hc_page05(h, 0, p);
	if (n < 0)
		FAIL("MODE SENSE(10) page 05h failed");
	p[0] |= 0x80;
	cmd_mode_select(h, p, n, 0, -1, &r);
	SENSE_OR_RETURN("MODE SELECT(10) page 05h with PS=1", &r, 5, 0x26, 0x00);
}

static void ck_mode_block_desc(struct hc *h, struct hc_out *o)
{
	uint8_t p[64];
	struct mcc_result r;
	int n = hc_page05(h, 0, p);
	if (n < 0)
		FAIL("MODE SENSE(10) page 05h failed");
	cmd_mode_select(h, p, n, 8, -1, &r);
	SENSE_OR_RETURN("MODE SELECT(10) with an 8-byte block descriptor", &r, 5, 0x26, 0x00);
}

static void ck_mode_short_list(struct hc *h, struct hc_out *o)
{
	uint8_t p[64];
	struct mcc_result r;
	int n = hc_page05(h, 0, p);
	if (n < 0)
		FAIL("MODE SENSE(10) page 05h failed");
	cmd_mode_select(h, p, n, 0, 8 + 20, &r);
	SENSE_OR_RETURN("MODE SELECT(10) of page 05h cut to 20 bytes", &r, 5, 0x1a, 0x00);
}

/* Page 05h is validated where it is changeable; DVD+R/BD accept and ignore it. */
static bool hc_page_validated(const struct hc *h)
{
	return h->p05_changeable;
}

static void ck_mode_bad_write_type(struct hc *h, struct hc_out *o)
{
	uint8_t p[64];
	struct mcc_result r;
	if (!hc_page_validated(h))
		SKIP("page 05h is accepted and ignored on profile %04Xh (MMC-6 page 05h)", h->profile);
	if (h->fam != MCC_FAM_CD && h->profile != 0x11 && h->profile != 0x14)
		SKIP("layer jump (4) is a valid write type on profile %04Xh", h->profile);
	int n = hc_page05(h, 0, p);
	if (n < 0)
		FAIL("MODE SENSE(10) page 05h failed");
	p[2] = (uint8_t)((p[2] & 0xf0) | 4);
	cmd_mode_select(h, p, n, 0, -1, &r);
	SENSE_OR_RETURN("MODE SELECT(10) page 05h write type 4 (layer jump) on a single-layer medium",
			&r, 5, 0x26, -1);
}

static void ck_mode_bad_dbt(struct hc *h, struct hc_out *o)
{
	uint8_t p[64];
	struct mcc_result r;
	if (!hc_page_validated(h))
		SKIP("page 05h is accepted and ignored on profile %04Xh (MMC-6 page 05h)", h->profile);
	int n = hc_page05(h, 0, p);
	if (n < 0)
		FAIL("MODE SENSE(10) page 05h failed");
	p[4] = (uint8_t)((p[4] & 0xf0) | 7);
	cmd_mode_select(h, p, n, 0, -1, &r);
	SENSE_OR_RETURN("MODE SELECT(10) page 05h data block type 7 (reserved)", &r, 5, 0x26, -1);
}

static void ck_mode_nonchangeable(struct hc *h, struct hc_out *o)
{
	uint8_t p[64], m[64];
	struct mcc_result r;
	if (!hc_page_validated(h))
		SKIP("page 05h is accepted and ignored on profile %04Xh (MMC-6 page 05h)", h->profile);
	int n = hc_page05(h, 0, p);
	if (n < 0 || hc_page05(h, 1, m) != n)
		FAIL("MODE SENSE(10) page 05h failed");
	int at = -1;
	for (int i = 2; i < n && at < 0; i++)
		if (m[i] != 0xff)
			at = i;
	if (at < 0)
		SKIP("every bit of page 05h is changeable");
	uint8_t bit = 1;
	while (m[at] & bit)
		bit = (uint8_t)(bit << 1);
	p[at] ^= bit;
	cmd_mode_select(h, p, n, 0, -1, &r);
	if (!want_sense(o, "MODE SELECT(10) page 05h changing a bit outside the changeable mask", &r,
			5, 0x26, -1))
		return;
	NOTE("byte %d bit %02Xh", at, bit);
}

/* After a MODE SELECT that changes page 05h another I_T nexus sees 06/2A/01. */
static void ck_mode_ua_other(struct hc *h, struct hc_out *o)
{
	uint8_t p[64], m[64], w[64];
	struct mcc_result r, r1;
	if (!hc_page_validated(h))
		SKIP("page 05h is accepted and ignored on profile %04Xh: nothing changes", h->profile);
	int n = hc_page05(h, 0, p);
	if (n < 0 || hc_page05(h, 1, m) != n || (m[3] & 0xc0) != 0xc0)
		SKIP("multi-session is not changeable");
	struct iscsi_context *c = hc_second_session(h, "conformance-ua2", o);
	if (!c)
		return;
	mcc_try_ready(c, h->lun, 5, &r1);	/* consume the new session's power-on UA */
	memcpy(w, p, (size_t)n);
	w[3] ^= 0xc0;
	cmd_mode_select(h, w, n, 0, -1, &r);
	cmd_tur_on(h, c, &r1);
	iscsi_logout_sync(c);
	iscsi_destroy_context(c);
	struct mcc_result rr;
	cmd_mode_select(h, p, n, 0, -1, &rr);
	if (!want_good(o, "MODE SELECT(10) changing multi-session", &r))
		return;
	want_sense(o, "the other session's next TEST UNIT READY", &r1, 6, 0x2a, 0x01);
}

/* ---- disc / track information --------------------------------------------------- */

static void ck_disc_rdi_len(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_rdi(h, 0, &r);
	GOOD_OR_RETURN("READ DISC INFORMATION", &r);
	if (r.len < 34 || mcc_be16(r.data) < 32)
		FAIL("expected 34 bytes with length field >= 32, got %d bytes, length %d", r.len,
		     r.len >= 2 ? mcc_be16(r.data) : -1);
}

static void ck_disc_rdi_blank(struct hc *h, struct hc_out *o)
{
	struct mcc_disc_info d;
	if (!hc_read_disc(h, &d, o))
		return;
	if (d.status != 0 || d.last_state != 0)
		FAIL("blank medium: expected disc status 00b and last session 00b, got %d and %d",
		     d.status, d.last_state);
}

static void ck_disc_rdi_tracks(struct hc *h, struct hc_out *o)
{
	struct mcc_disc_info d;
	if (!hc_read_disc(h, &d, o))
		return;
	if (d.first_track != 1 || d.sessions != 1 || d.first_in_last != 1 || d.last_in_last != 1)
		FAIL("blank medium: expected first track 1, 1 session, tracks 1..1 in it; got first "
		     "track %d, %d sessions, tracks %d..%d", d.first_track, d.sessions,
		     d.first_in_last, d.last_in_last);
}

static void ck_disc_rdi_bad_type(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_rdi(h, 7, &r);
	SENSE_OR_RETURN("READ DISC INFORMATION data type 111b", &r, 5, 0x24, 0x00);
}

static void ck_disc_rti_invisible(struct hc *h, struct hc_out *o)
{
	struct mcc_track_info t;
	if (!hc_open_track(h, &t, o))
		return;
	if (!t.blank || !t.nwa_v || t.nwa != t.start || t.free == 0)
		FAIL("invisible track %d: expected Blank=1, NWA_V=1, NWA = start, free > 0; got "
		     "Blank=%d NWA_V=%d start %u NWA %u free %u", t.number, t.blank, t.nwa_v,
		     t.start, t.nwa, t.free);
	NOTE("track %d, NWA %u, %u free", t.number, t.nwa, t.free);
}

static void ck_disc_nwa_consistent(struct hc *h, struct hc_out *o)
{
	struct mcc_disc_info d;
	struct mcc_track_info a, b;
	if (!hc_read_disc(h, &d, o) || !hc_read_track(h, 1, (uint32_t)d.last_in_last, &a, o))
		return;
	if (h->fam != MCC_FAM_CD && h->profile != 0x1b && h->profile != 0x2b)
		SKIP("track FFh (invisible) is defined for CD and DVD+R only (MMC-6 READ TRACK INFORMATION)");
	if (!hc_read_track(h, 1, 0xff, &b, o))
		return;
	if (a.number != b.number || a.nwa != b.nwa || a.start != b.start || a.free != b.free)
		FAIL("track %d vs track FFh: number %d/%d, start %u/%u, NWA %u/%u, free %u/%u",
		     d.last_in_last, a.number, b.number, a.start, b.start, a.nwa, b.nwa, a.free, b.free);
}

static void ck_disc_rti_lba(struct hc *h, struct hc_out *o)
{
	struct mcc_track_info a, b;
	if (!hc_read_track(h, 1, 1, &a, o) || !hc_read_track(h, 0, a.start, &b, o))
		return;
	if (b.number != 1 || b.start != a.start)
		FAIL("address type 00b LBA %u: expected track 1, got track %d starting at %u", a.start,
		     b.number, b.start);
}

static void ck_disc_rti_session(struct hc *h, struct hc_out *o)
{
	struct mcc_track_info b;
	if (!hc_read_track(h, 2, 1, &b, o))
		return;
	if (b.number != 1 || b.session != 1)
		FAIL("address type 10b session 1: expected track 1 of session 1, got track %d session %d",
		     b.number, b.session);
}

static void ck_disc_rti_bad_track(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_rti(h, 1, 99, 48, &r);
	SENSE_OR_RETURN("READ TRACK INFORMATION of track 99 (absent)", &r, 5, 0x24, 0x00);
}

static void ck_disc_rti_alloc(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_rti(h, 1, 1, 8, &r);
	GOOD_OR_RETURN("READ TRACK INFORMATION allocation length 8", &r);
	if (r.len != 8)
		FAIL("allocation length 8: expected 8 bytes, got %d", r.len);
}

static void ck_disc_capacity(struct hc *h, struct hc_out *o)
{
	struct mcc_disc_info d;
	struct mcc_track_info t;
	if (!hc_read_disc(h, &d, o) || !hc_read_track(h, 1, (uint32_t)d.last_in_last, &t, o))
		return;
	if (h->fam == MCC_FAM_CD)
		SKIP("on CD the last possible lead-out is an MSF address (00 M S F)");
	if (d.last_leadout != t.nwa + t.free)
		FAIL("last possible lead-out %u != NWA %u + free blocks %u", d.last_leadout, t.nwa,
		     t.free);
	NOTE("last possible lead-out %u", d.last_leadout);
}

static void ck_disc_structure(struct hc *h, struct hc_out *o)
{
	struct mcc_track_info t;
	struct mcc_result r;
	if (h->fam != MCC_FAM_DVD)
		SKIP("READ DISC STRUCTURE format 00h is DVD physical format information");
	if (!hc_read_track(h, 1, 1, &t, o))
		return;
	hc_exec(h, mcc_cdb_read_disc_structure(0, 0, 0, 0x00, 2052, 0), NULL, 0, 2052, &r);
	GOOD_OR_RETURN("READ DISC STRUCTURE format 00h", &r);
	if (r.len < 20)
		FAIL("READ DISC STRUCTURE: %d bytes", r.len);
	uint32_t first = mcc_be32(r.data + 8) & 0xffffff, last = mcc_be32(r.data + 12) & 0xffffff;
	if (first != 0x030000)
		FAIL("first data PSN %06Xh, want 030000h", first);
	if ((h->profile == 0x1b || h->profile == 0x11) && last - first + 1 != t.free + t.nwa)
		FAIL("PSN range %06Xh..%06Xh is %u blocks, the blank track has %u", first, last,
		     last - first + 1, t.free + t.nwa);
	NOTE("book type %02Xh, PSN %06Xh..%06Xh", r.data[4], first, last);
}

static void ck_disc_toc_blank(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	char s[160];
	hc_exec(h, mcc_cdb_read_toc(false, 0, 1, 1024), NULL, 0, 1024, &r);
	if (r.status == MCC_STATUS_CHECK_CONDITION && r.key == 5 && r.asc == 0x24)
		return;
	if (r.status == MCC_STATUS_GOOD && r.len >= 4 && mcc_be16(r.data) <= 2)
		return;
	if (r.status == MCC_STATUS_GOOD)
		FAIL("READ TOC format 0 on a blank medium lists %d bytes of descriptors",
		     r.len >= 2 ? mcc_be16(r.data) - 2 : 0);
	FAIL("READ TOC format 0 on a blank medium: expected 05/24/00 or an empty TOC, got %s",
	     hc_outcome(&r, s, sizeof(s)));
}

static void ck_disc_read_blank(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_read10(h, 0, 1, &r);
	SENSE_OR_RETURN("READ(10) of LBA 0 on a blank medium", &r, 5, 0x21, 0x00);
}

static void ck_disc_readcap_blank(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	hc_exec(h, mcc_cdb_read_capacity(), NULL, 0, 8, &r);
	GOOD_OR_RETURN("READ CAPACITY", &r);
	if (r.len < 8 || mcc_be32(r.data) != 0 || mcc_be32(r.data + 4) != 2048)
		FAIL("blank medium: expected last LBA 0 and block length 2048, got %u and %u",
		     r.len >= 4 ? mcc_be32(r.data) : 0, r.len >= 8 ? mcc_be32(r.data + 4) : 0);
}

/* READ FORMAT CAPACITIES: a capacity list of 8-byte descriptors, the current/maximum
 * one first (type 01b-11b).  A blank BD-R lists the formats FORMAT UNIT takes: growisofs
 * refuses a list shorter than two descriptors, libburn wants 00h first, growisofs then
 * picks a 32h descriptor.  Without feature 0023h (Formattable) current the command may
 * be absent. */
static void ck_disc_rfc(struct hc *h, struct hc_out *o)
{
	struct mcc_result r, f;
	hc_exec(h, mcc_cdb_read_format_capacities(252), NULL, 0, 252, &r);
	if (r.status == MCC_STATUS_CHECK_CONDITION && r.key == 5 && r.asc == 0x20) {
		const uint8_t *d = hc_feature(h, 0x0023, &f);
		if (!d || !(d[2] & 1))
			SKIP("READ FORMAT CAPACITIES absent and feature 0023h (Formattable) not current");
	}
	GOOD_OR_RETURN("READ FORMAT CAPACITIES", &r);
	int len = r.len >= 4 ? r.data[3] : 0;
	if (len < 8 || len % 8 || 4 + len > r.len)
		FAIL("capacity list length %d: want a non-zero multiple of 8 within the %d bytes sent",
		     len, r.len);
	if ((r.data[8] & 3) == 0)
		FAIL("current/maximum descriptor type 00b (reserved)");
	if (h->profile != 0x41)
		NOTE("%d descriptors, current/maximum %u blocks", len / 8, mcc_be32(r.data + 4));
	else if (len < 16)
		FAIL("blank BD-R: only the current/maximum descriptor (growisofs wants a format list)");
	else if (r.data[12 + 4] >> 2 != 0x00)
		FAIL("blank BD-R: first formattable descriptor type %02Xh, want 00h", r.data[12 + 4] >> 2);
	else {
		int n32 = 0;
		for (int i = 20; i + 8 <= 4 + len; i += 8)
			n32 += r.data[i + 4] >> 2 == 0x32;
		if (!n32)
			FAIL("blank BD-R: no format type 32h descriptor");
		NOTE("blank BD-R: 00h and %d x 32h", n32);
	}
}

/* REZERO UNIT (01h): the SCSI-2 seek to LBA 0 cdrdao still sends; GOOD with a medium. */
static void ck_rezero(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	hc_exec(h, mcc_cdb_rezero_unit(), NULL, 0, 0, &r);
	GOOD_OR_RETURN("REZERO UNIT", &r);
}

static void ck_disc_gesn(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	hc_exec(h, mcc_cdb_get_event_status(true, 0x10, 8), NULL, 0, 8, &r);
	GOOD_OR_RETURN("GET EVENT STATUS NOTIFICATION polled, media class", &r);
	if (r.len < 8)
		FAIL("GET EVENT STATUS NOTIFICATION: %d bytes, want 8", r.len);
	if ((r.data[2] & 7) != 4 || !(r.data[5] & 0x02))
		FAIL("expected a media class event with Media Present; class %d, byte 5 = %02Xh",
		     r.data[2] & 7, r.data[5]);
}

/* ---- NWA enforcement (dataloss) ------------------------------------------------ */

static void ck_nwa_write(struct hc *h, struct hc_out *o)
{
	uint32_t at;
	if (hc_write_data(h, 16, &at, o))
		NOTE("16 blocks at LBA %u", at);
}

static void ck_nwa_advances(struct hc *h, struct hc_out *o)
{
	uint32_t at;
	struct mcc_track_info t;
	if (!hc_write_data(h, 16, &at, o) || !hc_open_track(h, &t, o))
		return;
	if (!t.nwa_v || t.nwa != at + 16)
		FAIL("after 16 blocks at %u: expected NWA %u, got %u (NWA_V %d)", at, at + 16, t.nwa,
		     t.nwa_v);
	if (t.blank || !t.lra_v || t.lra != at + 15)
		FAIL("after 16 blocks at %u: expected Blank=0, LRA_V=1, LRA %u; got Blank=%d LRA_V=%d "
		     "LRA %u", at, at + 15, t.blank, t.lra_v, t.lra);
}

static void ck_nwa_rdi_incomplete(struct hc *h, struct hc_out *o)
{
	uint32_t at;
	struct mcc_disc_info d;
	if (!hc_write_data(h, 16, &at, o) || !hc_read_disc(h, &d, o))
		return;
	if (d.status != 1 || d.last_state != 1)
		FAIL("after a write: expected disc status 01b and last session 01b (incomplete), got %d "
		     "and %d", d.status, d.last_state);
}

static void ck_nwa_past(struct hc *h, struct hc_out *o)
{
	uint32_t nwa, after;
	struct mcc_result r;
	if (!hc_data_mode(h, o) || !hc_nwa(h, &nwa, o))
		return;
	hc_fill(h, nwa + 32, 16, 2048);
	cmd_write10(h, nwa + 32, 16, 16 * 2048, &r);
	if (!want_sense(o, "WRITE(10) at NWA + 32", &r, 5, 0x21, 0x02) || !hc_nwa(h, &after, o))
		return;
	if (after != nwa)
		FAIL("the refused write moved the NWA from %u to %u", nwa, after);
}

static void ck_nwa_before(struct hc *h, struct hc_out *o)
{
	uint32_t nwa, at;
	struct mcc_result r;
	if (!hc_write_data(h, 16, &at, o) || !hc_nwa(h, &nwa, o))
		return;
	cmd_write10(h, at, 16, 16 * 2048, &r);
	if (!want_sense(o, "WRITE(10) over the blocks just written (NWA - 16)", &r, 5, 0x21, 0x02))
		return;
	uint32_t after;
	if (hc_nwa(h, &after, o) && after != nwa)
		FAIL("the refused write moved the NWA from %u to %u", nwa, after);
}

static void ck_nwa_beyond(struct hc *h, struct hc_out *o)
{
	struct mcc_track_info t;
	struct mcc_result r;
	if (!hc_data_mode(h, o) || !hc_open_track(h, &t, o))
		return;
	uint32_t lba = t.nwa + t.free + 1000;
	hc_fill(h, lba, 1, 2048);
	cmd_write10(h, lba, 1, 2048, &r);
	SENSE_OR_RETURN("WRITE(10) beyond the end of the medium", &r, 5, 0x21, 0x00);
}

static void ck_nwa_zero(struct hc *h, struct hc_out *o)
{
	uint32_t nwa;
	struct mcc_result r;
	if (!hc_data_mode(h, o) || !hc_nwa(h, &nwa, o))
		return;
	cmd_write10(h, nwa, 0, 0, &r);
	GOOD_OR_RETURN("WRITE(10) of 0 blocks at the NWA", &r);
	struct mcc_track_info t;
	if (!hc_open_track(h, &t, o))
		return;
	if (!t.nwa_v || t.nwa != nwa)
		FAIL("after a 0-block WRITE at %u: track %d NWA_V %d NWA %u, want the same NWA", nwa,
		     t.number, t.nwa_v, t.nwa);
}

static void ck_nwa_write12(struct hc *h, struct hc_out *o)
{
	uint32_t nwa, after;
	struct mcc_result r;
	if (!hc_data_mode(h, o) || !hc_nwa(h, &nwa, o))
		return;
	hc_fill(h, nwa, 16, 2048);
	cmd_write12(h, nwa, 16, 16 * 2048, false, &r);
	GOOD_OR_RETURN("WRITE(12) of 16 blocks at the NWA", &r);
	if (hc_nwa(h, &after, o) && after != nwa + 16)
		FAIL("after WRITE(12) of 16 blocks at %u: NWA %u", nwa, after);
}

static void ck_nwa_streaming(struct hc *h, struct hc_out *o)
{
	uint32_t nwa, after;
	struct mcc_result r;
	if (!h->stream_ok)
		SKIP("feature 0107h SW (streaming writes) is not set");
	if (!hc_data_mode(h, o) || !hc_nwa(h, &nwa, o))
		return;
	hc_fill(h, nwa, 32, 2048);
	cmd_write12(h, nwa, 32, 32 * 2048, true, &r);
	GOOD_OR_RETURN("WRITE(12) Streaming=1 of 32 blocks at the NWA", &r);
	if (hc_nwa(h, &after, o) && after != nwa + 32)
		FAIL("after a streaming WRITE(12) of 32 blocks at %u: NWA %u", nwa, after);
}

static void ck_nwa_readcap(struct hc *h, struct hc_out *o)
{
	uint32_t at;
	struct mcc_result r;
	if (!hc_write_data(h, 16, &at, o))
		return;
	hc_exec(h, mcc_cdb_read_capacity(), NULL, 0, 8, &r);
	GOOD_OR_RETURN("READ CAPACITY", &r);
	if (mcc_be32(r.data) != at + 15)
		FAIL("after writing up to LBA %u: READ CAPACITY last LBA %u", at + 15, mcc_be32(r.data));
}

/* ---- block-size enforcement (dataloss) -------------------------------------------- */

/* WRITE of n blocks with `bytes` bytes at the NWA must fail 05/24/00 with the field
 * pointer at the transfer length and leave the NWA alone. */
static void hc_expect_length_refused(struct hc *h, struct hc_out *o, bool w12, int n, int bytes,
				     const char *what)
{
	uint32_t nwa, after;
	struct mcc_result r;
	if (!hc_nwa(h, &nwa, o))
		return;
	hc_fill(h, nwa, n + 1, 2448);
	if (w12)
		cmd_write12(h, nwa, n, bytes, false, &r);
	else
		cmd_write10(h, nwa, n, bytes, &r);
	if (!want_sense(o, what, &r, 5, 0x24, 0x00) || !hc_nwa(h, &after, o))
		return;
	if (after != nwa)
		FAIL("the refused write moved the NWA from %u to %u", nwa, after);
	bool cd;
	int field, bit;
	if (!hc_sks(&r, &cd, &field, &bit))
		FAIL("%s: 05/24/00 without a sense-key specific field pointer (SKSV=0)", what);
	if (!cd || field != (w12 ? 6 : 7))
		FAIL("%s: field pointer %s byte %d, want CDB byte %d (transfer length)", what,
		     cd ? "CDB" : "parameter", field, w12 ? 6 : 7);
	NOTE("refused, field pointer CDB byte %d", field);
}

static void ck_bs_short(struct hc *h, struct hc_out *o)
{
	if (!hc_data_mode(h, o))
		return;
	hc_expect_length_refused(h, o, false, 2, 2048 + 1024, "WRITE(10) 2 blocks with 3072 bytes");
}

static void ck_bs_long(struct hc *h, struct hc_out *o)
{
	if (!hc_data_mode(h, o))
		return;
	hc_expect_length_refused(h, o, false, 1, 2352, "WRITE(10) 1 block of 2048 with 2352 bytes");
}

static void ck_bs_w12(struct hc *h, struct hc_out *o)
{
	if (!hc_data_mode(h, o))
		return;
	hc_expect_length_refused(h, o, true, 4, 4 * 2048 - 512, "WRITE(12) 4 blocks with 7680 bytes");
}

/* Page 05h for CD TAO audio (write type 1, track mode 0, DBT 0: 2352 bytes). */
static bool hc_cd_mode(struct hc *h, struct hc_out *o, int wtype, int tmode, int dbt)
{
	uint8_t p[64];
	struct mcc_result r;
	int n = hc_page05(h, 0, p);
	if (n < 0) {
		hc_set(o, HC_FAIL, "MODE SENSE(10) page 05h failed");
		return false;
	}
	p[2] = (uint8_t)((p[2] & 0xf0) | wtype);
	p[3] = (uint8_t)((p[3] & 0xf0) | tmode);
	p[4] = (uint8_t)((p[4] & 0xf0) | dbt);
	cmd_mode_select(h, p, n, 0, -1, &r);
	char what[96];
	snprintf(what, sizeof(what), "MODE SELECT(10) page 05h write type %d, track mode %d, DBT %d",
		 wtype, tmode, dbt);
	return want_good(o, what, &r);
}

static void ck_bs_2352_ok(struct hc *h, struct hc_out *o)
{
	uint32_t nwa, after;
	struct mcc_result r;
	if (h->fam != MCC_FAM_CD)
		SKIP("2352-byte blocks exist on CD only (MMC-6 Data Block Type)");
	cmd_sync(h, false, &r);		/* CD TAO: SYNC ends an open data track */
	if (!hc_cd_mode(h, o, 1, 0, 0) || !hc_nwa(h, &nwa, o))
		return;
	hc_fill(h, nwa, 8, 2352);
	cmd_write10(h, nwa, 8, 8 * 2352, &r);
	GOOD_OR_RETURN("WRITE(10) of 8 audio blocks of 2352 bytes at the NWA (DBT 0)", &r);
	if (!hc_nwa(h, &after, o))
		return;
	if (after != nwa + 8)
		FAIL("after 8 blocks at %u: NWA %u", nwa, after);
	cmd_sync(h, false, &r);		/* end the audio track so data tracks may follow */
	GOOD_OR_RETURN("SYNCHRONIZE CACHE ending the audio track", &r);
}

static void ck_bs_2352_refuses_2048(struct hc *h, struct hc_out *o)
{
	if (h->fam != MCC_FAM_CD)
		SKIP("2352-byte blocks exist on CD only (MMC-6 Data Block Type)");
	if (!hc_cd_mode(h, o, 1, 0, 0))
		return;
	hc_expect_length_refused(h, o, false, 2, 2 * 2048,
				 "WRITE(10) 2 blocks of 2048 bytes with DBT 0 (2352)");
}

static void ck_bs_2448_select(struct hc *h, struct hc_out *o)
{
	uint8_t p[64];
	if (h->fam != MCC_FAM_CD)
		SKIP("raw 2448-byte blocks (DBT 3) exist on CD only (MMC-6 Data Block Type)");
	if (!h->raw_ok)
		SKIP("the drive offers no RAW writing (feature 002Eh Raw bit clear)");
	if (!hc_cd_mode(h, o, 3, 0, 3))
		return;
	if (hc_page05(h, 0, p) < 0 || (p[2] & 15) != 3 || (p[4] & 15) != 3)
		FAIL("page 05h after selecting RAW/DBT 3: write type %d, DBT %d", p[2] & 15, p[4] & 15);
}

static void ck_bs_2448_refuses_2352(struct hc *h, struct hc_out *o)
{
	if (h->fam != MCC_FAM_CD)
		SKIP("raw 2448-byte blocks (DBT 3) exist on CD only (MMC-6 Data Block Type)");
	if (!h->raw_ok)
		SKIP("the drive offers no RAW writing (feature 002Eh Raw bit clear)");
	if (!hc_cd_mode(h, o, 3, 0, 3))
		return;
	/* RAW writes start at the lead-in; the length check comes first. */
	struct mcc_result r;
	cmd_rdi(h, 0, &r);
	GOOD_OR_RETURN("READ DISC INFORMATION", &r);
	int32_t leadin = (int32_t)((r.data[17] * 60 + r.data[18]) * 75 + r.data[19]) - 450150;
	hc_fill(h, 0, 3, 2352);
	cmd_write10(h, (uint32_t)leadin, 2, 2 * 2352, &r);
	SENSE_OR_RETURN("WRITE(10) RAW DBT 3, 2 blocks with 2 x 2352 bytes", &r, 5, 0x24, 0x00);
	bool cd;
	int field, bit;
	if (!hc_sks(&r, &cd, &field, &bit) || !cd || field != 7)
		FAIL("05/24/00 without a field pointer at CDB byte 7");
}

static void ck_bs_2448_ok(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	struct mcc_disc_info d;
	if (h->fam != MCC_FAM_CD)
		SKIP("raw 2448-byte blocks (DBT 3) exist on CD only (MMC-6 Data Block Type)");
	if (!h->raw_ok)
		SKIP("the drive offers no RAW writing (feature 002Eh Raw bit clear)");
	if (!hc_read_disc(h, &d, o))
		return;
	if (d.last_state != 0)
		SKIP("RAW starts only in an empty session and earlier checks wrote to this one "
		     "(MMC-6 raw recording); run it alone on a blank CD: -t 'blocksize.raw*'");
	if (!hc_cd_mode(h, o, 3, 0, 3))
		return;
	cmd_rdi(h, 0, &r);
	GOOD_OR_RETURN("READ DISC INFORMATION", &r);
	int32_t leadin = (int32_t)((r.data[17] * 60 + r.data[18]) * 75 + r.data[19]) - 450150;
	hc_fill(h, 0, 4, 2448);
	cmd_write10(h, (uint32_t)leadin, 4, 4 * 2448, &r);
	GOOD_OR_RETURN("WRITE(10) of 4 RAW blocks of 2448 bytes at the lead-in start", &r);
	NOTE("at LBA %d", leadin);
}

/* ---- sync / close (dataloss) ----------------------------------------------------- */

static void ck_sync_good(struct hc *h, struct hc_out *o)
{
	uint32_t at;
	struct mcc_result r;
	if (!hc_write_data(h, 16, &at, o))
		return;
	cmd_sync(h, false, &r);
	GOOD_OR_RETURN("SYNCHRONIZE CACHE", &r);
}

static void ck_sync_immed(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	char s[160];
	cmd_sync(h, true, &r);
	GOOD_OR_RETURN("SYNCHRONIZE CACHE IMMED=1", &r);
	for (int i = 0; i < 100; i++) {		/* poll every 50 ms as libburn does */
		cmd_tur(h, &r);
		if (r.status == MCC_STATUS_GOOD)
			return;
		if (!(r.status == MCC_STATUS_CHECK_CONDITION && r.key == 2 && r.asc == 0x04))
			FAIL("TEST UNIT READY after SYNCHRONIZE CACHE IMMED: %s",
			     hc_outcome(&r, s, sizeof(s)));
		mcc_sleep_ms(50);
	}
	FAIL("still not ready 5 s after SYNCHRONIZE CACHE IMMED: %s", hc_outcome(&r, s, sizeof(s)));
}

static void ck_close_nothing_open(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	struct mcc_track_info t;
	if (!hc_data_mode(h, o))
		return;
	cmd_sync(h, false, &r);
	if (!hc_open_track(h, &t, o))
		return;
	if (!t.blank) {		/* close what is open, then its blank successor is the test */
		cmd_close(h, 1, t.number, &r);
		GOOD_OR_RETURN("CLOSE TRACK of the incomplete track", &r);
		if (!hc_open_track(h, &t, o))
			return;
	}
	if (!t.blank)
		FAIL("after CLOSE TRACK the last track %d is not blank", t.number);
	cmd_close(h, 1, t.number, &r);
	SENSE_OR_RETURN("CLOSE TRACK of the blank invisible track", &r, 5, 0x2c, 0x00);
}

static void ck_close_track(struct hc *h, struct hc_out *o)
{
	uint32_t at;
	struct mcc_track_info t, c;
	struct mcc_result r;
	if (!hc_write_data(h, 32, &at, o) || !hc_open_track(h, &t, o))
		return;
	cmd_close(h, 1, t.number, &r);
	GOOD_OR_RETURN("CLOSE TRACK of the written track", &r);
	if (!hc_read_track(h, 1, (uint32_t)t.number, &c, o))
		return;
	if (c.nwa_v || c.blank)
		FAIL("closed track %d: expected NWA_V=0 and Blank=0, got NWA_V=%d Blank=%d", c.number,
		     c.nwa_v, c.blank);
	if (c.start + c.size != at + 32)
		FAIL("closed track %d: start %u + size %u != end of the data %u", c.number, c.start,
		     c.size, at + 32);
	NOTE("track %d: %u..%u", c.number, c.start, c.start + c.size - 1);
}

static void ck_close_next_track(struct hc *h, struct hc_out *o)
{
	uint32_t at;
	struct mcc_track_info t, n;
	struct mcc_disc_info d;
	struct mcc_result r;
	if (!hc_write_data(h, 16, &at, o) || !hc_open_track(h, &t, o))
		return;
	cmd_close(h, 1, t.number, &r);
	GOOD_OR_RETURN("CLOSE TRACK", &r);
	if (!hc_read_disc(h, &d, o))
		return;
	if (d.last_in_last != t.number + 1)
		FAIL("after closing track %d: last track in last session %d, want %d", t.number,
		     d.last_in_last, t.number + 1);
	if (!hc_read_track(h, 1, (uint32_t)d.last_in_last, &n, o))
		return;
	if (!n.blank || !n.nwa_v || n.start < at + 16)
		FAIL("new invisible track %d: Blank %d NWA_V %d start %u (closed track ends at %u)",
		     n.number, n.blank, n.nwa_v, n.start, at + 15);
}

static void ck_close_bad_function(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_close(h, 7, 1, &r);
	SENSE_OR_RETURN("CLOSE TRACK/SESSION close function 111b", &r, 5, 0x24, 0x00);
}

static void ck_readback(struct hc *h, struct hc_out *o)
{
	uint32_t at;
	struct mcc_result r;
	if (!hc_write_data(h, 16, &at, o))
		return;
	cmd_sync(h, false, &r);
	GOOD_OR_RETURN("SYNCHRONIZE CACHE", &r);
	cmd_read10(h, at, 16, &r);
	GOOD_OR_RETURN("READ(10) of the 16 blocks written", &r);
	if (r.len != 16 * 2048)
		FAIL("READ(10) of 16 blocks: %d bytes", r.len);
	hc_fill(h, at, 16, 2048);
	for (int i = 0; i < 16 * 2048; i++)
		if (r.data[i] != h->wbuf[i])
			FAIL("LBA %u byte %d: read %02Xh, wrote %02Xh", at + (uint32_t)i / 2048, i % 2048,
			     r.data[i], h->wbuf[i]);
}

static void ck_read_beyond(struct hc *h, struct hc_out *o)
{
	uint32_t nwa;
	struct mcc_result r;
	if (!hc_nwa(h, &nwa, o))
		return;
	cmd_read10(h, nwa, 1, &r);
	SENSE_OR_RETURN("READ(10) of the unwritten NWA block", &r, 5, 0x21, 0x00);
}

static void ck_close_session(struct hc *h, struct hc_out *o)
{
	uint32_t at;
	struct mcc_track_info t;
	struct mcc_disc_info d;
	struct mcc_result r;
	if (!hc_write_data(h, 16, &at, o) || !hc_open_track(h, &t, o))
		return;
	cmd_close(h, 1, t.number, &r);
	GOOD_OR_RETURN("CLOSE TRACK", &r);
	cmd_close(h, 2, 0, &r);
	GOOD_OR_RETURN("CLOSE SESSION (010b)", &r);
	if (!hc_read_disc(h, &d, o))
		return;
	bool appendable = d.status == 1 && d.last_state == 0;
	bool finalized = d.status == 2 && d.last_state == 3;
	if (!appendable && !finalized)
		FAIL("after CLOSE SESSION: disc status %d, last session %d; want 01b/00b (appendable) "
		     "or 10b/11b (finalized)", d.status, d.last_state);
	if (h->profile == 0x1b || h->profile == 0x2b || h->profile == 0x41)
		if (!appendable)
			FAIL("profile %04Xh: CLOSE SESSION 010b must leave the disc appendable; disc "
			     "status %d", h->profile, d.status);
	NOTE(appendable ? "appendable, %d sessions" : "finalized, %d sessions", d.sessions);
}

static void ck_toc_after_close(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	struct mcc_track_info t1;
	hc_exec(h, mcc_cdb_read_toc(false, 0, 1, 2048), NULL, 0, 2048, &r);
	GOOD_OR_RETURN("READ TOC format 0 after closing tracks", &r);
	int n = (mcc_be16(r.data) - 2) / 8;
	if (n < 2)
		FAIL("READ TOC: %d descriptors, want the closed track(s) and the lead-out", n);
	const uint8_t *last = r.data + 4 + 8 * (n - 1);
	if (last[2] != 0xaa)
		FAIL("last TOC descriptor is track %02Xh, want AAh (lead-out)", last[2]);
	if (r.data[2] != 1)
		FAIL("READ TOC: first track %d, want 1", r.data[2]);
	if (!hc_read_track(h, 1, 1, &t1, o))
		return;
	if (mcc_be32(r.data + 8) != t1.start)
		FAIL("TOC track 1 start %u, READ TRACK INFORMATION says %u", mcc_be32(r.data + 8), t1.start);
	NOTE("tracks %d..%d", r.data[2], r.data[3]);
}

/* ---- speed and buffer ------------------------------------------------------------- */

static void ck_gp03(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_get_perf(h, 0, 3, 32, &r);
	GOOD_OR_RETURN("GET PERFORMANCE type 03h", &r);
	if (r.len < 8 || (mcc_be32(r.data) + 4) % 16 != 8 % 16)
		FAIL("GET PERFORMANCE type 03h: %d bytes, data length %u (want 4 + 16n)", r.len,
		     r.len >= 4 ? mcc_be32(r.data) : 0);
	int n = hc_perf_count(&r);
	if (n < 1)
		FAIL("no write speed descriptor");
	for (int i = 0; i < n; i++) {
		const uint8_t *d = r.data + 8 + 16 * i;
		if (mcc_be32(d + 12) == 0 || mcc_be32(d + 4) == 0)
			FAIL("descriptor %d: end LBA %u, write speed %u kB/s", i, mcc_be32(d + 4), mcc_be32(d + 12));
	}
	NOTE("%d write speeds, fastest %u kB/s", n, mcc_be32(r.data + 8 + 12));
}

static void ck_gp03_count(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_get_perf(h, 0, 3, 1, &r);
	GOOD_OR_RETURN("GET PERFORMANCE type 03h, at most 1 descriptor", &r);
	if (r.len > 8 + 16)
		FAIL("asked for at most 1 descriptor, got %d bytes", r.len);
}

static void ck_gp00(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_get_perf(h, 0x14, 0, 8, &r);
	GOOD_OR_RETURN("GET PERFORMANCE type 00h, write, tolerance 10b", &r);
	if (hc_perf_count(&r) < 1)
		FAIL("no nominal performance descriptor (%d bytes)", r.len);
	const uint8_t *d = r.data + 8;
	if (mcc_be32(d + 8) < mcc_be32(d) || mcc_be32(d + 4) == 0)
		FAIL("descriptor: LBA %u..%u, start performance %u", mcc_be32(d), mcc_be32(d + 8), mcc_be32(d + 4));
	NOTE("%u kB/s at LBA %u", mcc_be32(d + 4), mcc_be32(d));
}

static void ck_gp_bad_type(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_get_perf(h, 0, 0x7f, 8, &r);
	SENSE_OR_RETURN("GET PERFORMANCE type 7Fh (reserved)", &r, 5, 0x24, 0x00);
}

static void ck_setcd_max(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_set_cd_speed(h, 0xffff, 0xffff, &r);
	GOOD_OR_RETURN("SET CD SPEED FFFFh/FFFFh (maximum)", &r);
}

/* Current write speed of page 2Ah bytes 28-29, or -1. */
static int hc_p2a_speed(struct hc *h)
{
	struct mcc_result r;
	if (!cmd_mode_sense(h, 0, 0x2a, 255, &r) || r.status != MCC_STATUS_GOOD || r.len < 8)
		return -1;
	int off = 8 + mcc_be16(r.data + 6);
	return r.len < off + 30 ? -1 : mcc_be16(r.data + off + 28);
}

static void ck_setcd_reflect(struct hc *h, struct hc_out *o)
{
	uint32_t sp[32];
	struct mcc_result r;
	int n = hc_write_speeds(h, sp, 32);
	if (n < 1)
		FAIL("GET PERFORMANCE type 03h lists no write speed to select");
	uint32_t slow = sp[0];
	for (int i = 1; i < n; i++)
		if (sp[i] < slow)
			slow = sp[i];
	if (slow > 0xfff0)
		SKIP("the slowest write speed %u kB/s does not fit SET CD SPEED's 16 bits", slow);
	cmd_set_cd_speed(h, 0xffff, (int)slow + 2, &r);
	GOOD_OR_RETURN("SET CD SPEED to the slowest write speed + 2 kB/s", &r);
	int got = hc_p2a_speed(h);
	cmd_set_cd_speed(h, 0xffff, 0xffff, &r);
	if (got != (int)slow)
		FAIL("page 2Ah current write speed (bytes 28-29): expected %u kB/s (rounded down), "
		     "got %d", slow, got);
	NOTE("%u kB/s", slow);
}

static void ck_p2a(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_mode_sense(h, 0, 0x2a, 255, &r);
	GOOD_OR_RETURN("MODE SENSE(10) page 2Ah", &r);
	if (r.len < 8)
		FAIL("MODE SENSE(10) page 2Ah: %d bytes", r.len);
	int off = 8 + mcc_be16(r.data + 6);
	if (r.len < off + 2 || (r.data[off] & 0x3f) != 0x2a)
		FAIL("page 2Ah missing from the answer");
	const uint8_t *p = r.data + off;
	int plen = p[1];
	if (plen < 0x1e || r.len < off + 2 + plen)
		FAIL("page 2Ah length %02Xh (want >= 1Eh) with %d bytes", plen, r.len - off);
	int n = mcc_be16(p + 30);
	if (plen != 0x1e + 4 * n)
		FAIL("page 2Ah length %02Xh with %d write speed descriptors (want 1Eh + 4n)", plen, n);
	if (h->profile == 0x09 && !(p[3] & 0x01))
		FAIL("CD-R loaded but page 2Ah byte 3 b0 (CD-R write) is clear");
	if (h->profile == 0x11 && !(p[3] & 0x10))
		FAIL("DVD-R loaded but page 2Ah byte 3 b4 (DVD-R write) is clear");
	NOTE("%d write speed descriptors, buffer %u KiB", n, mcc_be16(p + 12));
}

static void ck_set_streaming(struct hc *h, struct hc_out *o)
{
	uint32_t sp[32];
	struct mcc_result r;
	int n = hc_write_speeds(h, sp, 32);
	if (n < 1)
		SKIP("GET PERFORMANCE type 03h lists no write speed");
	uint32_t slow = sp[0];
	for (int i = 1; i < n; i++)
		if (sp[i] < slow)
			slow = sp[i];
	cmd_set_streaming(h, false, 0, slow, 28, &r);
	GOOD_OR_RETURN("SET STREAMING to the slowest write speed", &r);
	cmd_get_perf(h, 0x14, 0, 8, &r);
	uint32_t got = r.status == MCC_STATUS_GOOD && r.len >= 24 ? mcc_be32(r.data + 8 + 4) : 0;
	cmd_set_streaming(h, true, 0, 0, 28, &r);
	if (got != slow)
		FAIL("GET PERFORMANCE type 00h after SET STREAMING %u kB/s reports %u kB/s", slow, got);
	if (!want_good(o, "SET STREAMING RDD=1 (restore defaults)", &r))
		return;
	NOTE("%u kB/s", slow);
}

static void ck_set_streaming_short(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_set_streaming(h, false, 0, 1385, 12, &r);
	SENSE_OR_RETURN("SET STREAMING with a 12-byte parameter list", &r, 5, 0x1a, 0x00);
}

static void ck_rbc_bytes(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	hc_exec(h, mcc_cdb_read_buffer_capacity(false, 12), NULL, 0, 12, &r);
	GOOD_OR_RETURN("READ BUFFER CAPACITY Block=0", &r);
	if (r.len < 12 || mcc_be16(r.data) != 10)
		FAIL("expected 12 bytes with length 10, got %d bytes, length %d", r.len,
		     r.len >= 2 ? mcc_be16(r.data) : -1);
	uint32_t size = mcc_be32(r.data + 4), free = mcc_be32(r.data + 8);
	if (size == 0 || free > size)
		FAIL("buffer %u bytes, %u free", size, free);
	NOTE("%u bytes, %u free", size, free);
}

static void ck_rbc_blocks(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	hc_exec(h, mcc_cdb_read_buffer_capacity(false, 12), NULL, 0, 12, &r);
	GOOD_OR_RETURN("READ BUFFER CAPACITY Block=0", &r);
	uint32_t size = r.len >= 8 ? mcc_be32(r.data + 4) : 0;
	hc_exec(h, mcc_cdb_read_buffer_capacity(true, 12), NULL, 0, 12, &r);
	GOOD_OR_RETURN("READ BUFFER CAPACITY Block=1", &r);
	if (r.len < 12 || !(r.data[3] & 1))
		FAIL("Block=1: byte 3 b0 (Block) not echoed (%d bytes)", r.len);
	uint32_t blocks = mcc_be32(r.data + 8);
	if ((uint64_t)blocks * 2048 > size)
		FAIL("Block=1: %u blocks free exceed the %u-byte buffer", blocks, size);
}

/* ---- sense correctness ---------------------------------------------------------- */

static void ck_sense_opcode(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	hc_exec(h, hc_vendor_cdb(), NULL, 0, 0, &r);
	SENSE_OR_RETURN("vendor opcode C7h", &r, 5, 0x20, 0x00);
}

static void ck_sense_fixed(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	hc_exec(h, hc_vendor_cdb(), NULL, 0, 0, &r);
	SENSE_OR_RETURN("vendor opcode C7h", &r, 5, 0x20, 0x00);
	if (r.sense_len < 18 || (r.sense[0] & 0x7f) != 0x70 || r.sense[7] < 10)
		FAIL("sense: %d bytes, response code %02Xh, additional length %d; want fixed format "
		     "70h, >= 18 bytes, additional length >= 10", r.sense_len, r.sense[0],
		     r.sense_len > 7 ? r.sense[7] : -1);
}

static void ck_sense_sksv(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	bool cd;
	int field, bit;
	cmd_inquiry(h, false, 0x83, 96, &r);
	SENSE_OR_RETURN("INQUIRY EVPD=0 with page code 83h", &r, 5, 0x24, 0x00);
	if (!hc_sks(&r, &cd, &field, &bit))
		FAIL("05/24/00 with SKSV=0: no field pointer");
	if (!cd || field != 2)
		FAIL("field pointer: %s byte %d, want CDB byte 2 (page code)", cd ? "CDB" : "parameter",
		     field);
	if (bit >= 0)
		NOTE("CDB byte %d bit %d", field, bit);
	else
		NOTE("CDB byte %d", field);
}

static void ck_sense_reserved(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	struct mcc_cdb cdb = mcc_cdb_test_unit_ready();
	cdb.b[4] = 0x01;		/* reserved */
	hc_exec(h, cdb, NULL, 0, 0, &r);
	SENSE_OR_RETURN("TEST UNIT READY with reserved byte 4 = 01h", &r, 5, 0x24, 0x00);
	bool cd;
	int field, bit;
	if (!hc_sks(&r, &cd, &field, &bit) || !cd || field != 4)
		FAIL("05/24/00 without a field pointer at CDB byte 4");
}

static void ck_sense_naca(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	struct mcc_cdb cdb = mcc_cdb_inquiry(false, 0, 36);
	cdb.b[5] = 0x04;		/* CONTROL: NACA */
	hc_exec(h, cdb, NULL, 0, 36, &r);
	SENSE_OR_RETURN("INQUIRY with NACA=1 in the CONTROL byte", &r, 5, 0x24, 0x00);
}

static void ck_sense_lun(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	int lun = h->lun == 200 ? 201 : 200;
	hc_exec_x(h, lun, mcc_cdb_test_unit_ready(), NULL, 0, 0, &r);
	SENSE_OR_RETURN("TEST UNIT READY to LUN 200 (absent)", &r, 5, 0x25, 0x00);
}

static void ck_sense_lun_inquiry(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	int lun = h->lun == 200 ? 201 : 200;
	hc_exec_x(h, lun, mcc_cdb_inquiry(false, 0, 36), NULL, 0, 36, &r);
	GOOD_OR_RETURN("INQUIRY to LUN 200 (absent)", &r);
	if (r.len < 1 || r.data[0] != 0x7f)
		FAIL("absent LUN: expected byte 0 = 7Fh (qualifier 011b, type 1Fh), got %02Xh",
		     r.len ? r.data[0] : 0);
}

static void ck_sense_desc(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	char s[160];
	hc_exec(h, mcc_cdb_request_sense(true, 252), NULL, 0, 252, &r);
	if (r.status == MCC_STATUS_CHECK_CONDITION && r.key == 5 && r.asc == 0x24) {
		NOTE("descriptor format not supported: 05/24/00");
		return;
	}
	GOOD_OR_RETURN("REQUEST SENSE DESC=1", &r);
	if (r.len < 8 || (r.data[0] & 0x7f) != 0x72)
		FAIL("DESC=1: response code %02Xh, want 72h (descriptor) or 05/24/00 refusing DESC; %s",
		     r.len ? r.data[0] : 0, hc_outcome(&r, s, sizeof(s)));
	NOTE("descriptor format 72h");
}

/* Control page D_SENSE=1 turns autosense into descriptor format (SPC-4 control page). */
static void ck_sense_d_sense(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_mode_sense(h, 1, 0x0a, 255, &r);
	if (r.status != MCC_STATUS_GOOD || r.len < 8 + 12)
		SKIP("MODE SENSE(10) control page 0Ah changeable values not available");
	int off = 8 + mcc_be16(r.data + 6);
	if (!(r.data[off + 2] & 0x04))
		SKIP("D_SENSE is not changeable");
	cmd_mode_sense(h, 0, 0x0a, 255, &r);
	GOOD_OR_RETURN("MODE SENSE(10) control page", &r);
	uint8_t page[16];
	memcpy(page, r.data + off, 12);
	page[0] &= 0x3f;
	page[2] |= 0x04;
	cmd_mode_select(h, page, 12, 0, -1, &r);
	GOOD_OR_RETURN("MODE SELECT(10) control page D_SENSE=1", &r);
	struct mcc_result e;
	hc_exec(h, hc_vendor_cdb(), NULL, 0, 0, &e);
	page[2] &= (uint8_t)~0x04;
	cmd_mode_select(h, page, 12, 0, -1, &r);
	if (!want_sense(o, "vendor opcode C7h with D_SENSE=1", &e, 5, 0x20, 0x00))
		return;
	if ((e.sense[0] & 0x7f) != 0x72)
		FAIL("D_SENSE=1: response code %02Xh, want 72h", e.sense[0]);
	GOOD_OR_RETURN("MODE SELECT(10) control page D_SENSE=0", &r);
}

static void ck_sense_gesn_async(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	hc_exec(h, mcc_cdb_get_event_status(false, 0x10, 8), NULL, 0, 8, &r);
	SENSE_OR_RETURN("GET EVENT STATUS NOTIFICATION Polled=0", &r, 5, 0x24, 0x00);
}

static void ck_sense_read_range(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	cmd_read10(h, 0x7ffffff0, 1, &r);
	SENSE_OR_RETURN("READ(10) of LBA 7FFFFFF0h", &r, 5, 0x21, 0x00);
}

static void ck_sense_cleared(struct hc *h, struct hc_out *o)
{
	struct mcc_result r;
	hc_exec(h, hc_vendor_cdb(), NULL, 0, 0, &r);
	cmd_tur(h, &r);
	GOOD_OR_RETURN("TEST UNIT READY after a failed command", &r);
}

/* ---- the table -------------------------------------------------------------------- */

enum {
	N_MEDIUM = 1,		/* a medium loaded */
	N_BLANK = 2,		/* a blank medium (disc status 00b at the start) */
	N_DATALOSS = 4,		/* --dataloss: writes to the medium */
	N_RECORDER = 8,		/* a writable profile */
	N_SEQ = 16,		/* a sequential write-once profile: NWA rules */
	N_PAGE05 = 32,		/* page 05h exists */
};

struct hc_check {
	const char *group, *id, *desc, *clause;
	unsigned needs;
	void (*fn)(struct hc *h, struct hc_out *o);
};

#define DL (N_DATALOSS | N_BLANK | N_SEQ | N_MEDIUM)

static const struct hc_check hc_checks[] = {
	{ "identification", "ident.inquiry_type", "INQUIRY peripheral qualifier 0, device type 05h",
	  "SPC-4 INQUIRY (standard data); MMC-6 device type 05h", 0, ck_inq_type },
	{ "identification", "ident.inquiry_rmb", "INQUIRY RMB=1 (removable medium)",
	  "SPC-4 INQUIRY (RMB)", 0, ck_inq_rmb },
	{ "identification", "ident.inquiry_format", "INQUIRY response format 2, additional length >= 31",
	  "SPC-4 INQUIRY (standard data)", 0, ck_inq_format },
	{ "identification", "ident.inquiry_ascii", "vendor, product, revision are printable ASCII",
	  "SPC-4 INQUIRY (vendor, product, revision)", 0, ck_inq_ascii },
	{ "identification", "ident.inquiry_mmc_version", "a version descriptor names an MMC standard",
	  "SPC-4 INQUIRY (version descriptors)", 0, ck_inq_mmc_version },
	{ "identification", "ident.inquiry_alloc", "INQUIRY allocation length 5 and 0 truncate",
	  "SPC-4 allocation length", 0, ck_inq_alloc },
	{ "identification", "ident.vpd00", "VPD 00h lists 00h, 80h and 83h in ascending order",
	  "SPC-4 Supported VPD Pages VPD", 0, ck_vpd00 },
	{ "identification", "ident.vpd80", "VPD 80h unit serial number is well formed",
	  "SPC-4 Unit Serial Number VPD", 0, ck_vpd80 },
	{ "identification", "ident.vpd83", "VPD 83h designators add up to the page length",
	  "SPC-4 Device Identification VPD", 0, ck_vpd83 },
	{ "identification", "ident.vpd_bad_page", "INQUIRY EVPD=0 with a page code -> 05/24/00",
	  "SPC-4 INQUIRY (page code with EVPD=0)", 0, ck_vpd_bad_page },
	{ "identification", "ident.tur_after_ua", "new session: TUR GOOD or 06/29/xx, then GOOD",
	  "SPC-4 TEST UNIT READY; SAM-5 unit attention", N_MEDIUM, ck_tur_ua },
	{ "identification", "ident.request_sense", "REQUEST SENSE idle: fixed format 00/00/00",
	  "SPC-4 REQUEST SENSE; SPC-4 fixed format sense data", N_MEDIUM, ck_request_sense },
	{ "identification", "ident.report_luns", "REPORT LUNS lists the LUN under test",
	  "SPC-4 REPORT LUNS", 0, ck_report_luns },
	{ "identification", "ident.rezero_unit", "REZERO UNIT with a medium -> GOOD",
	  "SCSI-2 REZERO UNIT (cdrdao CdrDriver::rezeroUnit)", N_MEDIUM, ck_rezero },

	{ "configuration", "config.header", "GET CONFIGURATION data length matches the descriptors",
	  "MMC-6 GET CONFIGURATION (feature header)", N_MEDIUM, ck_cfg_header },
	{ "configuration", "config.ascending", "features ascending, additional lengths multiple of 4",
	  "MMC-6 GET CONFIGURATION (feature descriptors)", N_MEDIUM, ck_cfg_ascending },
	{ "configuration", "config.profile_list", "0000h first; current profile listed and flagged",
	  "MMC-6 Profile List feature (0000h)", N_MEDIUM, ck_cfg_profile_list },
	{ "configuration", "config.base_features", "0001h, 0002h, 0003h present, persistent, current",
	  "MMC-6 Core, Morphing, Removable Medium features", N_MEDIUM, ck_cfg_base_features },
	{ "configuration", "config.core", "Core feature names a physical interface",
	  "MMC-6 Core feature (0001h)", N_MEDIUM, ck_cfg_core },
	{ "configuration", "config.removable", "Removable Medium names a loading mechanism or eject",
	  "MMC-6 Removable Medium feature (0003h)", N_MEDIUM, ck_cfg_removable },
	{ "configuration", "config.rt01_current", "RT=01b returns exactly the current features",
	  "MMC-6 GET CONFIGURATION (RT field)", N_MEDIUM, ck_cfg_rt1 },
	{ "configuration", "config.rt10_one", "RT=10b returns exactly the starting feature",
	  "MMC-6 GET CONFIGURATION (RT field)", N_MEDIUM, ck_cfg_rt2 },
	{ "configuration", "config.rt10_absent", "RT=10b of an absent feature returns the header alone",
	  "MMC-6 GET CONFIGURATION (RT field)", N_MEDIUM, ck_cfg_rt2_absent },
	{ "configuration", "config.start_feature", "RT=00b from 0010h returns no lower feature",
	  "MMC-6 GET CONFIGURATION (Starting Feature Number)", N_MEDIUM, ck_cfg_start },
	{ "configuration", "config.alloc_trunc", "allocation length 16 truncates, length field intact",
	  "MMC-6 GET CONFIGURATION; SPC-4 allocation length", N_MEDIUM, ck_cfg_alloc },
	{ "configuration", "config.rt11_invalid", "RT=11b -> 05/24/00",
	  "MMC-6 GET CONFIGURATION (RT field); SPC-4 invalid field in CDB", N_MEDIUM, ck_cfg_rt3 },
	{ "configuration", "config.write_feature", "the current profile's write feature is current",
	  "MMC-6 features and profiles (current features)", N_MEDIUM | N_RECORDER, ck_cfg_write_feature },
	{ "configuration", "config.real_time_streaming", "feature 0107h present and current",
	  "MMC-6 Real Time Streaming feature (0107h)", N_MEDIUM | N_RECORDER, ck_cfg_rts },

	{ "modepage05", "mode.header", "MODE SENSE(10) header: length, no block descriptor",
	  "SPC-4 MODE SENSE(10) (mode parameter header)", N_PAGE05, ck_mode_header },
	{ "modepage05", "mode.page05_length", "page 05h code 05h, page length 32h",
	  "MMC-6 Write Parameters page (05h)", N_PAGE05, ck_mode_p05_len },
	{ "modepage05", "mode.changeable", "current/changeable/default same length; write type changeable on CD/DVD-R",
	  "SPC-4 MODE SENSE(10) (PC); MMC-6 Write Parameters page", N_PAGE05, ck_mode_p05_changeable },
	{ "modepage05", "mode.saved_values", "PC=11b (saved) -> 05/39/00",
	  "SPC-4 MODE SENSE(10) (saved values)", N_PAGE05, ck_mode_saved },
	{ "modepage05", "mode.alloc_trunc", "allocation length 12 truncates, length field intact",
	  "SPC-4 allocation length", N_PAGE05, ck_mode_alloc },
	{ "modepage05", "mode.unknown_page", "MODE SENSE of page 3Eh -> 05/24/00",
	  "SPC-4 MODE SENSE(10)", N_PAGE05, ck_mode_unknown_page },
	{ "modepage05", "mode.roundtrip", "MODE SELECT of the current page, read back identical",
	  "SPC-4 MODE SELECT(10); MMC-6 Write Parameters page", N_PAGE05, ck_mode_roundtrip },
	{ "modepage05", "mode.change_readback", "multi-session changed and read back (or ignored where not changeable)",
	  "MMC-6 Write Parameters page (media that use it)", N_PAGE05, ck_mode_change },
	{ "modepage05", "mode.bad_page_length", "page length 30h -> 05/26/00",
	  "MMC-6 Write Parameters page (page length)", N_PAGE05, ck_mode_bad_length },
	{ "modepage05", "mode.ps_bit", "PS=1 in MODE SELECT -> 05/26/00",
	  "SPC-4 MODE SELECT(10) (PS bit)", N_PAGE05, ck_mode_ps },
	{ "modepage05", "mode.block_descriptor", "a block descriptor in MODE SELECT -> 05/26/00",
	  "SPC-4 MODE SELECT(10) (block descriptors)", N_PAGE05, ck_mode_block_desc },
	{ "modepage05", "mode.truncated_list", "parameter list cut inside the page -> 05/1A/00",
	  "SPC-4 MODE SELECT(10); SPC-4 parameter list length error", N_PAGE05, ck_mode_short_list },
	{ "modepage05", "mode.bad_write_type", "write type 4 on a single-layer CD/DVD-R -> 05/26/xx",
	  "MMC-6 Write Parameters page (Write Type)", N_PAGE05, ck_mode_bad_write_type },
	{ "modepage05", "mode.bad_dbt", "data block type 7 (reserved) -> 05/26/xx",
	  "MMC-6 Write Parameters page (Data Block Type)", N_PAGE05, ck_mode_bad_dbt },
	{ "modepage05", "mode.not_changeable", "a bit outside the changeable mask -> 05/26/xx",
	  "SPC-4 MODE SELECT(10) (changeable values)", N_PAGE05, ck_mode_nonchangeable },
	{ "modepage05", "mode.ua_other_nexus", "a page change raises 06/2A/01 on another session",
	  "SPC-4 MODE SELECT(10); SAM-5 unit attention", N_PAGE05, ck_mode_ua_other },

	{ "discinfo", "disc.rdi_length", "READ DISC INFORMATION: 34 bytes, length >= 32",
	  "MMC-6 READ DISC INFORMATION", N_MEDIUM, ck_disc_rdi_len },
	{ "discinfo", "disc.rdi_blank", "blank medium: disc status 00b, last session 00b",
	  "MMC-6 READ DISC INFORMATION (disc, session status)", N_MEDIUM | N_BLANK, ck_disc_rdi_blank },
	{ "discinfo", "disc.rdi_tracks", "blank medium: first track 1, one session, tracks 1..1",
	  "MMC-6 READ DISC INFORMATION (sessions, tracks)", N_MEDIUM | N_BLANK, ck_disc_rdi_tracks },
	{ "discinfo", "disc.rdi_bad_type", "READ DISC INFORMATION data type 111b -> 05/24/00",
	  "MMC-6 READ DISC INFORMATION (data type)", N_MEDIUM, ck_disc_rdi_bad_type },
	{ "discinfo", "disc.rti_invisible", "invisible track: Blank, NWA_V, NWA = start, free > 0",
	  "MMC-6 READ TRACK INFORMATION (invisible track)", N_MEDIUM | N_BLANK, ck_disc_rti_invisible },
	{ "discinfo", "disc.rti_ff_consistent", "track FFh equals the last track in the last session",
	  "MMC-6 READ TRACK INFORMATION (address type 01b)", N_MEDIUM | N_BLANK, ck_disc_nwa_consistent },
	{ "discinfo", "disc.rti_lba", "address type 00b (LBA) finds track 1",
	  "MMC-6 READ TRACK INFORMATION (address types)", N_MEDIUM | N_BLANK, ck_disc_rti_lba },
	{ "discinfo", "disc.rti_session", "address type 10b (session 1) finds track 1",
	  "MMC-6 READ TRACK INFORMATION (address types)", N_MEDIUM | N_BLANK, ck_disc_rti_session },
	{ "discinfo", "disc.rti_absent_track", "READ TRACK INFORMATION of track 99 -> 05/24/00",
	  "MMC-6 READ TRACK INFORMATION; SPC-4 invalid field in CDB", N_MEDIUM, ck_disc_rti_bad_track },
	{ "discinfo", "disc.rti_alloc", "READ TRACK INFORMATION allocation length 8 truncates",
	  "SPC-4 allocation length", N_MEDIUM, ck_disc_rti_alloc },
	{ "discinfo", "disc.capacity", "last possible lead-out = NWA + free blocks (DVD/BD)",
	  "MMC-6 READ DISC/TRACK INFORMATION", N_MEDIUM | N_BLANK, ck_disc_capacity },
	{ "discinfo", "disc.structure", "DVD physical format: PSN 030000h, range = capacity",
	  "MMC-6 READ DISC STRUCTURE (DVD physical format)", N_MEDIUM | N_BLANK, ck_disc_structure },
	{ "discinfo", "disc.toc_blank", "READ TOC on a blank medium: 05/24/00 or empty",
	  "MMC-6 READ TOC/PMA/ATIP", N_MEDIUM | N_BLANK, ck_disc_toc_blank },
	{ "discinfo", "disc.read_blank", "READ(10) of LBA 0 on a blank medium -> 05/21/00",
	  "MMC-6 READ(10); SPC-4 LBA out of range", N_MEDIUM | N_BLANK, ck_disc_read_blank },
	{ "discinfo", "disc.readcap_blank", "READ CAPACITY on a blank medium: 0 and 2048",
	  "MMC-6 READ CAPACITY", N_MEDIUM | N_BLANK, ck_disc_readcap_blank },
	{ "discinfo", "disc.format_capacities", "READ FORMAT CAPACITIES list; blank BD-R: 00h, then 32h",
	  "MMC-6 §6.24 READ FORMAT CAPACITIES, §6.5 FORMAT UNIT (BD-R 00h/32h)",
	  N_MEDIUM | N_BLANK | N_RECORDER, ck_disc_rfc },
	{ "discinfo", "disc.gesn_media", "GET EVENT STATUS NOTIFICATION: media class, medium present",
	  "MMC-6 GET EVENT STATUS NOTIFICATION (media class)", N_MEDIUM, ck_disc_gesn },

	{ "blocksize", "blocksize.2048_short", "2 blocks with 3072 bytes -> 05/24/00, field pointer 7",
	  "MMC-6 WRITE(10) (transfer length); doc/harness-conformance.md", DL, ck_bs_short },
	{ "blocksize", "blocksize.2048_long", "1 block of 2048 with 2352 bytes -> 05/24/00",
	  "MMC-6 WRITE(10) (transfer length); doc/harness-conformance.md", DL, ck_bs_long },
	{ "blocksize", "blocksize.write12_len", "WRITE(12) length mismatch -> 05/24/00, field pointer 6",
	  "MMC-6 WRITE(12) (transfer length); doc/harness-conformance.md", DL, ck_bs_w12 },
	{ "blocksize", "blocksize.2352_accepted", "CD TAO DBT 0: 2352-byte blocks at the NWA -> GOOD",
	  "MMC-6 Write Parameters page (TAO, Data Block Type 0)", DL, ck_bs_2352_ok },
	{ "blocksize", "blocksize.2352_refuses_2048", "CD DBT 0: 2048-byte blocks -> 05/24/00",
	  "MMC-6 Data Block Type 0; doc/harness-conformance.md", DL, ck_bs_2352_refuses_2048 },
	{ "blocksize", "blocksize.raw2448_select", "CD RAW (write type 3) DBT 3 accepted by MODE SELECT",
	  "MMC-6 Write Parameters page (raw, Data Block Type 3)", DL, ck_bs_2448_select },
	{ "blocksize", "blocksize.raw2448_refuses_2352", "CD RAW DBT 3: 2352-byte blocks -> 05/24/00",
	  "MMC-6 Data Block Type 3; doc/harness-conformance.md", DL, ck_bs_2448_refuses_2352 },
	{ "blocksize", "blocksize.raw2448_accepted", "CD RAW DBT 3: 2448-byte blocks at the lead-in -> GOOD",
	  "MMC-6 raw recording from the lead-in; ECMA-130 sub-channel P-W", DL, ck_bs_2448_ok },

	{ "nwa", "nwa.write_at_nwa", "WRITE(10) of 16 blocks at the NWA -> GOOD",
	  "MMC-6 WRITE(10); READ TRACK INFORMATION (NWA)", DL, ck_nwa_write },
	{ "nwa", "nwa.advances", "NWA advances by the blocks written; LRA = NWA - 1",
	  "MMC-6 READ TRACK INFORMATION (NWA, last recorded address)", DL, ck_nwa_advances },
	{ "nwa", "nwa.disc_incomplete", "after a write: disc and last session incomplete",
	  "MMC-6 READ DISC INFORMATION (disc status)", DL, ck_nwa_rdi_incomplete },
	{ "nwa", "nwa.write_past_nwa", "WRITE past the NWA -> 05/21/02, NWA unchanged",
	  "MMC-6 WRITE(10) on sequential media; SPC-4 invalid address for write", DL, ck_nwa_past },
	{ "nwa", "nwa.write_before_nwa", "WRITE over written blocks -> 05/21/02, NWA unchanged",
	  "MMC-6 WRITE(10) on sequential media; SPC-4 invalid address for write", DL, ck_nwa_before },
	{ "nwa", "nwa.write12", "WRITE(12) at the NWA -> GOOD, NWA advances",
	  "MMC-6 WRITE(12)", DL, ck_nwa_write12 },
	{ "nwa", "nwa.write12_streaming", "WRITE(12) Streaming=1 at the NWA -> GOOD (0107h SW)",
	  "MMC-6 WRITE(12) (Streaming); Real Time Streaming feature", DL, ck_nwa_streaming },
	{ "nwa", "nwa.read_capacity", "READ CAPACITY = last written LBA",
	  "MMC-6 READ CAPACITY", DL, ck_nwa_readcap },
	{ "nwa", "nwa.write_beyond_end", "WRITE beyond the medium's end -> 05/21/00",
	  "MMC-6 WRITE(10); SPC-4 LBA out of range", DL, ck_nwa_beyond },
	{ "nwa", "nwa.write_zero", "WRITE of 0 blocks -> GOOD, NWA unchanged",
	  "MMC-6 WRITE(10) (transfer length 0)", DL, ck_nwa_zero },

	{ "syncclose", "sync.synchronize_cache", "SYNCHRONIZE CACHE after a write -> GOOD",
	  "MMC-6 SYNCHRONIZE CACHE", DL, ck_sync_good },
	{ "syncclose", "sync.immed", "SYNCHRONIZE CACHE IMMED=1 -> GOOD; TUR ready within 5 s",
	  "MMC-6 SYNCHRONIZE CACHE (IMMED); SPC-4 TEST UNIT READY", DL, ck_sync_immed },
	{ "syncclose", "sync.close_nothing_open", "CLOSE TRACK of a blank track -> 05/2C/00",
	  "MMC-6 CLOSE TRACK/SESSION; SPC-4 command sequence error", DL, ck_close_nothing_open },
	{ "syncclose", "sync.close_track", "CLOSE TRACK: NWA_V=0, size = blocks written",
	  "MMC-6 CLOSE TRACK/SESSION (001b); READ TRACK INFORMATION", DL, ck_close_track },
	{ "syncclose", "sync.next_track", "after CLOSE TRACK a new blank track follows",
	  "MMC-6 READ TRACK INFORMATION (invisible track)", DL, ck_close_next_track },
	{ "syncclose", "sync.close_bad_function", "close function 111b -> 05/24/00",
	  "MMC-6 CLOSE TRACK/SESSION (close function)", DL, ck_close_bad_function },
	{ "syncclose", "sync.readback", "READ(10) of written blocks returns what was written",
	  "MMC-6 READ(10)", DL, ck_readback },
	{ "syncclose", "sync.read_unwritten", "READ(10) at the NWA (unwritten) -> 05/21/00",
	  "MMC-6 READ(10); SPC-4 LBA out of range", DL, ck_read_beyond },
	{ "syncclose", "sync.close_session", "CLOSE SESSION: appendable (DVD+R/BD-R) or finalized",
	  "MMC-6 CLOSE TRACK/SESSION (010b); READ DISC INFORMATION", DL, ck_close_session },
	{ "syncclose", "sync.toc_after_close", "READ TOC lists the closed tracks and the lead-out",
	  "MMC-6 READ TOC/PMA/ATIP (format 0)", DL, ck_toc_after_close },

	{ "speed", "speed.get_performance_03", "GET PERFORMANCE type 03h: write speed descriptors",
	  "MMC-6 GET PERFORMANCE (type 03h)", N_MEDIUM | N_RECORDER, ck_gp03 },
	{ "speed", "speed.get_performance_max", "at most the number of descriptors asked for",
	  "MMC-6 GET PERFORMANCE (maximum number of descriptors)", N_MEDIUM | N_RECORDER, ck_gp03_count },
	{ "speed", "speed.get_performance_00", "GET PERFORMANCE type 00h: a nominal write descriptor",
	  "MMC-6 GET PERFORMANCE (type 00h)", N_MEDIUM | N_RECORDER, ck_gp00 },
	{ "speed", "speed.get_performance_bad", "GET PERFORMANCE type 7Fh -> 05/24/00",
	  "MMC-6 GET PERFORMANCE (type)", N_MEDIUM | N_RECORDER, ck_gp_bad_type },
	{ "speed", "speed.set_cd_speed_max", "SET CD SPEED FFFFh (maximum) -> GOOD",
	  "MMC-6 SET CD SPEED", N_MEDIUM | N_RECORDER, ck_setcd_max },
	{ "speed", "speed.set_cd_speed_reflect", "SET CD SPEED rounds down; page 2Ah bytes 28-29 show it",
	  "MMC-6 SET CD SPEED; MMC-3 page 2Ah", N_MEDIUM | N_RECORDER, ck_setcd_reflect },
	{ "speed", "speed.page2a", "page 2Ah length 1Eh + 4n; write bits match the profile",
	  "MMC-3 CD/DVD Capabilities and Mechanical Status page (2Ah)", N_MEDIUM | N_RECORDER, ck_p2a },
	{ "speed", "speed.set_streaming", "SET STREAMING speed shows in GET PERFORMANCE 00h; RDD",
	  "MMC-6 SET STREAMING; GET PERFORMANCE (type 00h)", N_MEDIUM | N_RECORDER, ck_set_streaming },
	{ "speed", "speed.set_streaming_short", "SET STREAMING with 12 parameter bytes -> 05/1A/00",
	  "MMC-6 SET STREAMING (parameter list)", N_MEDIUM | N_RECORDER, ck_set_streaming_short },
	{ "speed", "speed.buffer_capacity", "READ BUFFER CAPACITY Block=0: length 10, free <= size",
	  "MMC-6 READ BUFFER CAPACITY", N_MEDIUM | N_RECORDER, ck_rbc_bytes },
	{ "speed", "speed.buffer_capacity_blocks", "Block=1 echoed, free blocks fit the buffer",
	  "MMC-6 READ BUFFER CAPACITY (Block bit)", N_MEDIUM | N_RECORDER, ck_rbc_blocks },

	{ "sense", "sense.unknown_opcode", "unknown opcode -> 05/20/00",
	  "SPC-4 invalid command operation code", 0, ck_sense_opcode },
	{ "sense", "sense.fixed_format", "autosense is fixed format 70h, >= 18 bytes",
	  "SPC-4 fixed format sense data; SAM-5 autosense", 0, ck_sense_fixed },
	{ "sense", "sense.field_pointer", "05/24/00 carries SKSV, C/D=1 and the field pointer",
	  "SPC-4 sense key specific field pointer", 0, ck_sense_sksv },
	{ "sense", "sense.reserved_bits", "a reserved CDB byte set -> 05/24/00 with field pointer",
	  "SPC-4 reserved fields; SPC-4 invalid field in CDB", 0, ck_sense_reserved },
	{ "sense", "sense.naca", "NACA=1 in the CONTROL byte -> 05/24/00",
	  "SAM-5 CONTROL byte (NACA)", 0, ck_sense_naca },
	{ "sense", "sense.lun_not_supported", "a command to an absent LUN -> 05/25/00",
	  "SPC-4 (logical unit not supported)", 0, ck_sense_lun },
	{ "sense", "sense.lun_inquiry", "INQUIRY to an absent LUN: qualifier 011b, type 1Fh",
	  "SPC-4 INQUIRY peripheral qualifier", 0, ck_sense_lun_inquiry },
	{ "sense", "sense.descriptor_request", "REQUEST SENSE DESC=1: 72h, or 05/24/00 if unsupported",
	  "SPC-4 REQUEST SENSE (DESC); SPC-4 descriptor format sense data", 0, ck_sense_desc },
	{ "sense", "sense.d_sense", "control page D_SENSE=1 gives descriptor-format sense",
	  "SPC-4 Control mode page (D_SENSE)", 0, ck_sense_d_sense },
	{ "sense", "sense.gesn_not_polled", "GET EVENT STATUS NOTIFICATION Polled=0 -> 05/24/00",
	  "MMC-6 GET EVENT STATUS NOTIFICATION (Polled)", N_MEDIUM, ck_sense_gesn_async },
	{ "sense", "sense.lba_out_of_range", "READ(10) of LBA 7FFFFFF0h -> 05/21/00",
	  "MMC-6 READ(10); SPC-4 LBA out of range", N_MEDIUM, ck_sense_read_range },
	{ "sense", "sense.not_sticky", "after a failed command the next TUR is GOOD",
	  "SAM-5 autosense", N_MEDIUM, ck_sense_cleared },
};

#define HC_NCHECKS (sizeof(hc_checks) / sizeof(hc_checks[0]))

/* ---- needs --------------------------------------------------------------------- */

static const char *hc_needs_str(unsigned needs)
{
	if (needs & N_DATALOSS)
		return "dataloss";
	if (needs & N_PAGE05)
		return "recorder";
	if (needs & N_BLANK)
		return "blank";
	if (needs & N_RECORDER)
		return "recorder";
	if (needs & N_MEDIUM)
		return "medium";
	return "none";
}

/* Why a check cannot run here, or NULL. */
static const char *hc_unmet(const struct hc *h, unsigned needs, char *s, size_t n)
{
	if ((needs & N_MEDIUM) && h->profile <= 0)
		return "no medium loaded (current profile 0000h)";
	if ((needs & N_DATALOSS) && !h->dataloss)
		return "writes to the medium: needs --dataloss";
	if ((needs & N_BLANK) && !h->blank) {
		snprintf(s, n, "needs a blank medium (profile %04Xh is not blank)", h->profile);
		return s;
	}
	if ((needs & N_RECORDER) && !h->recorder) {
		snprintf(s, n, "profile %04Xh is not recordable", h->profile);
		return s;
	}
	if ((needs & N_SEQ) && !h->sequential) {
		snprintf(s, n, "profile %04Xh is not sequential write-once: no NWA rules", h->profile);
		return s;
	}
	if ((needs & N_PAGE05) && !h->p05)
		return "the drive has no write parameters page 05h";
	return NULL;
}

/* ---- discovery ----------------------------------------------------------------- */

static void hc_discover(struct hc *h)
{
	struct mcc_result r;
	mcc_try_ready(h->isc, h->lun, 5, &r);	/* unit attentions of the new session */
	h->profile = -1;
	if (cmd_get_config(h, 0, 0, 8, &r) && r.status == MCC_STATUS_GOOD && r.len >= 8)
		h->profile = mcc_be16(r.data + 6);
	int p = h->profile;
	h->fam = mcc_profile_family(p);
	h->recorder = p == 0x09 || p == 0x0a || (p >= 0x11 && p <= 0x16) || p == 0x1a ||
		      p == 0x1b || p == 0x2a || p == 0x2b || (p >= 0x41 && p <= 0x43);
	h->sequential = p == 0x09 || p == 0x0a || p == 0x11 || p == 0x14 || p == 0x15 ||
			p == 0x1b || p == 0x2b || p == 0x41;
	struct hc_out o;
	struct mcc_disc_info d;
	h->blank = p > 0 && hc_read_disc(h, &d, &o) && d.status == 0;
	uint8_t m[64];
	h->p05_len = hc_page05(h, 0, h->p05_orig);
	h->p05 = h->p05_len > 0;
	h->p05_changeable = false;
	if (h->p05 && hc_page05(h, 1, m) == h->p05_len)
		for (int i = 2; i < h->p05_len; i++)
			h->p05_changeable |= m[i] != 0;
	const uint8_t *f = hc_feature(h, 0x002e, &r);
	h->raw_ok = f && (f[2] & 1) && (f[4] & 0x08);
	f = hc_feature(h, 0x0107, &r);
	h->stream_ok = f && (f[2] & 1) && (f[4] & 0x01);
}

struct hc_row { const struct hc_check *c; struct hc_out o; double secs; };

/* JUnit through the harness's report writer (report.h): one case per check run,
 * classname conformance.GROUP, the note as the message.  0, or -1 if not written. */
static int hc_write_junit(const char *path, const struct hc_row *rows, int n)
{
	static const enum hrn_result map[] = { HRN_PASS, HRN_FAIL, HRN_SKIP };
	struct hrn_report *rep = hrn_report_new(NULL, path);
	if (!rep) {
		fprintf(stderr, "conformance: out of memory\n");
		return -1;
	}
	hrn_report_begin_suite(rep, "conformance", n);
	for (int i = 0; i < n; i++) {
		char cls[64], msg[sizeof(rows[i].o.note) + 256];
		snprintf(cls, sizeof(cls), "conformance.%s", rows[i].c->group);
		snprintf(msg, sizeof(msg), "%s%s%s [%s]", rows[i].o.note, rows[i].o.note[0] ? "\n" : "",
			 rows[i].c->desc, rows[i].c->clause);
		hrn_report_case(rep, rows[i].c->id, cls, map[rows[i].o.v],
				rows[i].o.v == HC_PASS ? "" : msg, rows[i].secs);
	}
	int rc = hrn_report_end(rep);
	hrn_report_free(rep);
	return rc;
}

/* ---- main ------------------------------------------------------------------------ */

static void hc_usage(FILE *f)
{
	fprintf(f, "usage: harness conformance URL [--dataloss] [--junit FILE] [-t GLOB]...\n"
		   "       harness conformance --list\n"
		   "  URL        iscsi://HOST[:PORT]/IQN/LUN\n"
		   "  --dataloss also run the checks that write (the medium must be blank)\n"
		   "  --junit F  write JUnit XML to F\n"
		   "  -t GLOB    run only checks whose id matches GLOB (repeatable)\n"
		   "  --list     print the checks and exit\n");
}

static bool hc_selected(const struct hc_check *c, char **globs, int nglobs)
{
	if (nglobs == 0)
		return true;
	for (int i = 0; i < nglobs; i++)
		if (fnmatch(globs[i], c->id, 0) == 0)
			return true;
	return false;
}

int hrn_conformance_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dataloss", no_argument, NULL, 'd' },
		{ "junit", required_argument, NULL, 'j' },
		{ "list", no_argument, NULL, 'l' },
		{ "test", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool list = false, dataloss = false;
	const char *junit = NULL;
	char *globs[64];
	int nglobs = 0, ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dataloss = true; break;
		case 'j': junit = optarg; break;
		case 'l': list = true; break;
		case 't':
			if (nglobs == 64) {
				fprintf(stderr, "conformance: at most 64 -t options\n");
				return 2;
			}
			globs[nglobs++] = optarg;
			break;
		case 'h': hc_usage(stdout); return 0;
		default: hc_usage(stderr); return 2;
		}
	}
	if (list) {
		printf("%-15s %-38s %-9s %s\n", "GROUP", "ID", "NEEDS", "DESCRIPTION [CLAUSE]");
		for (size_t i = 0; i < HC_NCHECKS; i++)
			if (hc_selected(&hc_checks[i], globs, nglobs))
				printf("%-15s %-38s %-9s %s [%s]\n", hc_checks[i].group, hc_checks[i].id,
				       hc_needs_str(hc_checks[i].needs), hc_checks[i].desc,
				       hc_checks[i].clause);
		return 0;
	}
	if (optind != argc - 1) {
		hc_usage(stderr);
		return 2;
	}

	struct hc h = { .url = argv[optind], .dataloss = dataloss, .seed = (unsigned)time(NULL) };
	h.buf = malloc(HC_BUF);
	h.wbuf = calloc(1, HC_BUF);
	if (!h.buf || !h.wbuf) {
		fprintf(stderr, "conformance: out of memory\n");
		return 1;
	}
	int rc = 1;
	struct hc_row *rows = calloc(HC_NCHECKS, sizeof(*rows));
	static const struct mcc_login how = {
		.initiator = "iqn.2026-01.org.burnlab:conformance", .timeout_s = 30,
	};
	char err[512];
	int crc = mcc_connect(h.url, &how, &h.isc, &h.lun, err, sizeof(err));
	if (crc == -2) {
		fprintf(stderr, "conformance: %s\n", err);
		rc = 2;
		goto out;
	}
	if (crc != 0) {
		fprintf(stderr, "conformance: login to %s: %s\n", h.url, iscsi_get_error(h.isc));
		goto out;
	}
	hc_discover(&h);
	printf("conformance: %s: profile %04Xh%s%s%s\n", h.url, h.profile < 0 ? 0 : h.profile,
	       h.blank ? ", blank" : "", h.recorder ? ", recorder" : "",
	       dataloss ? ", --dataloss" : ", non-destructive");
	if (dataloss && !h.blank) {
		printf("conformance: --dataloss refused: the medium is not blank (profile %04Xh); "
		       "load a blank write-once medium or run without --dataloss\n",
		       h.profile < 0 ? 0 : h.profile);
		rc = 2;
		goto logout;
	}

	int n = 0, passed = 0, failed = 0, skipped = 0;
	printf("%-15s %-38s %-6s %s\n", "GROUP", "ID", "RESULT", "NOTE");
	for (size_t i = 0; i < HC_NCHECKS; i++) {
		const struct hc_check *c = &hc_checks[i];
		if (!hc_selected(c, globs, nglobs))
			continue;
		struct hc_row *w = &rows[n++];
		char why[160];
		const char *unmet = hc_unmet(&h, c->needs, why, sizeof(why));
		double s = mcc_now_s();
		w->c = c;
		if (unmet)
			hc_set(&w->o, HC_SKIP, "%s", unmet);
		else
			c->fn(&h, &w->o);
		w->secs = mcc_now_s() - s;
		passed += w->o.v == HC_PASS;
		failed += w->o.v == HC_FAIL;
		skipped += w->o.v == HC_SKIP;
		printf("%-15s %-38s %-6s %s\n", c->group, c->id, hc_verdict_str[w->o.v], w->o.note);
		fflush(stdout);
	}
	/* Leave page 05h as it was found. */
	if (h.p05_changeable) {
		struct mcc_result r;
		cmd_mode_select(&h, h.p05_orig, h.p05_len, 0, -1, &r);
	}
	printf("conformance: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	rc = failed ? 1 : 0;
	if (junit && hc_write_junit(junit, rows, n) != 0)
		rc = 1;
logout:
	iscsi_logout_sync(h.isc);
out:
	if (h.isc)
		iscsi_destroy_context(h.isc);
	free(rows);
	free(h.buf);
	free(h.wbuf);
	return rc;
}
