/* tests/fuzz/mkcorpus_pdu.c - writes the seed corpus of fuzz_pdu (tests/fuzz/fuzz_pdu.c
 * describes the input): real initiator PDU sequences, one file per scenario, named for
 * what it does.  Usage: mkcorpus_pdu OUTDIR
 *
 * Every PDU carries the CmdSN a real initiator would send (the harness would fill it
 * anyway); ExpStatSN is left 0 for the harness, the TTTs of Data-Out and of Text
 * continuations are "auto" (0xfffffffe) and CHAP_R is "auto": the harness answers the
 * target's R2Ts, continuations and challenges. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdu.h"

#define TARGET    "iqn.2026-01.org.burnlab:fuzz"
#define INITIATOR "iqn.2026-01.org.burnlab:fuzz-init"
#define AUTO      0xfffffffeu

enum { BAD_HD = 1, BAD_DD = 2, RAW = 4, SPLIT = 8, CONN1 = 0x10, REPEAT = 0x20, CLOSE = 0x40,
       IDLE = 0x80 };

struct conn { uint32_t cmdsn, itt; };

struct seed {
	uint8_t buf[1 << 16];
	size_t len;
	struct conn c[2];
	unsigned cur;		/* connection of the next PDU */
	uint8_t isid_last;	/* last byte of the ISID of the next login (0: 0x67) */
};

static void put(struct seed *s, const void *p, size_t n)
{
	if (s->len + n > sizeof(s->buf)) {
		fprintf(stderr, "mkcorpus_pdu: seed too long\n");
		exit(1);
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static struct conn *cc(struct seed *s)
{
	return &s->c[s->cur];
}

/* One PDU; ctl's CONN1 comes from s->cur. */
static void pdu(struct seed *s, uint8_t ctl, uint8_t *bhs, const void *data, uint32_t dlen)
{
	ctl |= s->cur ? CONN1 : 0;
	wire_put_be24(bhs + SIM_BHS_DSL, dlen);
	put(s, &ctl, 1);
	put(s, bhs, SIM_BHS_LEN);
	put(s, data, dlen);
}

/* A data segment of dlen bytes: lit repeated (ctl REPEAT). */
static void pdu_rep(struct seed *s, uint8_t ctl, uint8_t *bhs, uint32_t dlen, const char *lit)
{
	uint8_t n = (uint8_t)strlen(lit);
	ctl |= REPEAT | (s->cur ? CONN1 : 0);
	wire_put_be24(bhs + SIM_BHS_DSL, dlen);
	put(s, &ctl, 1);
	put(s, bhs, SIM_BHS_LEN);
	put(s, &n, 1);
	put(s, lit, n);
}

/* "k=v\n..." -> "k=v\0...". */
static uint32_t text(uint8_t *out, const char *kv)
{
	size_t n = strlen(kv);
	memcpy(out, kv, n + 1);
	for (size_t i = 0; i < n; i++)
		if (out[i] == '\n')
			out[i] = 0;
	if (n && out[n - 1] != 0)
		out[n++] = 0;
	return (uint32_t)n;
}

static void login(struct seed *s, uint8_t ctl, uint8_t flags, uint16_t tsih, const char *kv)
{
	uint8_t bhs[SIM_BHS_LEN] = { 0 }, t[4096];
	const uint8_t isid[6] = { 0x80, 0, 0, 0x23, 0x45, s->isid_last ? s->isid_last : 0x67 };

	bhs[0] = SIM_OP_LOGIN_REQ | SIM_BHS_IMMEDIATE;
	bhs[1] = flags;
	memcpy(bhs + SIM_LOGIN_ISID, isid, 6);
	wire_put_be16(bhs + SIM_LOGIN_TSIH, tsih);
	wire_put_be32(bhs + SIM_BHS_ITT, 0x1000 + s->cur);
	wire_put_be16(bhs + SIM_LOGIN_CID, 1);
	wire_put_be32(bhs + SIM_BHS_CMDSN, cc(s)->cmdsn);
	pdu(s, ctl, bhs, t, text(t, kv));
}

#define NAMES "InitiatorName=" INITIATOR "\nSessionType=Normal\nTargetName=" TARGET "\n"
#define OPS_FMT "HeaderDigest=%s\nDataDigest=%s\nMaxRecvDataSegmentLength=%u\n" \
	"InitialR2T=%s\nImmediateData=%s\nFirstBurstLength=65536\nMaxBurstLength=%u\n" \
	"MaxConnections=1\nErrorRecoveryLevel=0\nDefaultTime2Wait=2\nDefaultTime2Retain=0\n" \
	"MaxOutstandingR2T=1\nDataPDUInOrder=Yes\nDataSequenceInOrder=Yes"

struct ops { const char *hd, *dd; unsigned mrdsl; const char *r2t, *imm; unsigned mbl; };
static const struct ops plain = { "None", "None", 262144, "Yes", "Yes", 262144 };

/* Security (None) then operational stage, into full feature phase. */
static void login_none(struct seed *s, const struct ops *o, uint16_t tsih)
{
	char kv[1024];

	login(s, 0, SIM_LOGIN_F_TRANSIT | (0 << 2) | 1, tsih, NAMES "AuthMethod=None");
	snprintf(kv, sizeof(kv), OPS_FMT, o->hd, o->dd, o->mrdsl, o->r2t, o->imm, o->mbl);
	login(s, 0, SIM_LOGIN_F_TRANSIT | (1 << 2) | 3, tsih, kv);
}

/* CHAP: AuthMethod, CHAP_A, CHAP_N/CHAP_R (and our challenge when mutual). */
static void login_chap(struct seed *s, const struct ops *o, bool mutual)
{
	char kv[1024];

	login(s, 0, SIM_LOGIN_F_TRANSIT | 1, 0, NAMES "AuthMethod=CHAP,None");
	login(s, 0, 0, 0, "CHAP_A=7,5");
	login(s, 0, SIM_LOGIN_F_TRANSIT | 1, 0, mutual ?
	      "CHAP_N=fuzz-initiator\nCHAP_R=auto\nCHAP_I=77\nCHAP_C=0x00112233445566778899aabbccddeeff" :
	      "CHAP_N=fuzz-initiator\nCHAP_R=auto");
	snprintf(kv, sizeof(kv), OPS_FMT, o->hd, o->dd, o->mrdsl, o->r2t, o->imm, o->mbl);
	login(s, 0, SIM_LOGIN_F_TRANSIT | (1 << 2) | 3, 0, kv);
}

/* SCSI Command; returns its ITT.  flags: F, R, W; imm: the I bit. */
static uint32_t scsi(struct seed *s, uint8_t ctl, uint8_t flags, bool imm, uint16_t lun,
		     const uint8_t *cdb, size_t cdblen, uint32_t edtl, const void *data, uint32_t dlen)
{
	uint8_t bhs[SIM_BHS_LEN] = { 0 };
	uint32_t itt = ++cc(s)->itt;

	bhs[0] = SIM_OP_SCSI_CMD | (imm ? SIM_BHS_IMMEDIATE : 0);
	bhs[1] = flags | 1;	/* SIMPLE */
	bhs[SIM_BHS_LUN + 1] = (uint8_t)lun;
	wire_put_be32(bhs + SIM_BHS_ITT, itt);
	wire_put_be32(bhs + SIM_CMD_EDTL, edtl);
	wire_put_be32(bhs + SIM_BHS_CMDSN, cc(s)->cmdsn);
	if (!imm)
		cc(s)->cmdsn++;
	memcpy(bhs + SIM_CMD_CDB, cdb, cdblen);
	pdu(s, ctl, bhs, data, dlen);
	return itt;
}

#define CDB(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define F SIM_BHS_FINAL
#define R SIM_CMD_F_READ
#define W SIM_CMD_F_WRITE

static void in(struct seed *s, uint16_t lun, const uint8_t *cdb, size_t n, uint32_t edtl)
{
	scsi(s, 0, F | (edtl ? R : 0), false, lun, cdb, n, edtl, NULL, 0);
}

/* Data-Out of a burst: DataSN datasn at offset, dlen bytes of lit repeated. */
static void data_out(struct seed *s, uint8_t ctl, uint32_t itt, uint32_t ttt, uint32_t datasn,
		     uint32_t off, uint32_t dlen, bool final, const char *lit)
{
	uint8_t bhs[SIM_BHS_LEN] = { 0 };

	bhs[0] = SIM_OP_DATA_OUT;
	bhs[1] = final ? F : 0;
	wire_put_be32(bhs + SIM_BHS_ITT, itt);
	wire_put_be32(bhs + SIM_DATA_TTT, ttt);
	wire_put_be32(bhs + SIM_DATA_DATASN, datasn);
	wire_put_be32(bhs + SIM_DATA_OFFSET, off);
	pdu_rep(s, ctl, bhs, dlen, lit);
}

/* Answer an R2T for [off, off+len) in PDUs of at most pdu bytes. */
static void answer_r2t(struct seed *s, uint32_t itt, uint32_t off, uint32_t len, uint32_t pdusz)
{
	for (uint32_t done = 0, sn = 0; done < len; sn++) {
		uint32_t n = len - done < pdusz ? len - done : pdusz;
		data_out(s, 0, itt, AUTO, sn, off + done, n, done + n == len, "burnlab!");
		done += n;
	}
}

static void nop(struct seed *s, uint8_t ctl, uint32_t itt, uint32_t ttt, const char *ping)
{
	uint8_t bhs[SIM_BHS_LEN] = { 0 };

	bhs[0] = SIM_OP_NOP_OUT | SIM_BHS_IMMEDIATE;
	bhs[1] = F;
	wire_put_be32(bhs + SIM_BHS_ITT, itt);
	wire_put_be32(bhs + SIM_NOP_TTT, ttt);
	wire_put_be32(bhs + SIM_BHS_CMDSN, cc(s)->cmdsn);
	pdu(s, ctl, bhs, ping, ping ? (uint32_t)strlen(ping) : 0);
}

static void text_req(struct seed *s, uint8_t ctl, bool cont, uint32_t ttt, const char *kv)
{
	uint8_t bhs[SIM_BHS_LEN] = { 0 }, t[1024];
	uint32_t n = kv ? text(t, kv) : 0;

	bhs[0] = SIM_OP_TEXT_REQ;
	bhs[1] = cont ? SIM_TEXT_F_CONTINUE : F;
	wire_put_be32(bhs + SIM_BHS_ITT, 0x2000 + cc(s)->cmdsn);
	wire_put_be32(bhs + SIM_TEXT_TTT, ttt);
	wire_put_be32(bhs + SIM_BHS_CMDSN, cc(s)->cmdsn++);
	if (cont && n && t[n - 1] == 0)
		n--;		/* the key continues in the next PDU */
	pdu(s, ctl, bhs, t, n);
}

static void tmf(struct seed *s, uint8_t ctl, uint8_t fn, uint16_t lun, uint32_t rtt, uint32_t refcmdsn)
{
	uint8_t bhs[SIM_BHS_LEN] = { 0 };

	bhs[0] = SIM_OP_TMF_REQ | SIM_BHS_IMMEDIATE;
	bhs[1] = F | fn;
	bhs[SIM_BHS_LUN + 1] = (uint8_t)lun;
	wire_put_be32(bhs + SIM_BHS_ITT, ++cc(s)->itt);
	wire_put_be32(bhs + SIM_TMF_RTT, rtt);
	wire_put_be32(bhs + SIM_BHS_CMDSN, cc(s)->cmdsn);
	wire_put_be32(bhs + SIM_TMF_REFCMDSN, refcmdsn);
	pdu(s, ctl, bhs, NULL, 0);
}

static void logout(struct seed *s, uint8_t ctl, uint8_t reason)
{
	uint8_t bhs[SIM_BHS_LEN] = { 0 };

	bhs[0] = SIM_OP_LOGOUT_REQ | SIM_BHS_IMMEDIATE;
	bhs[1] = F | reason;
	wire_put_be32(bhs + SIM_BHS_ITT, ++cc(s)->itt);
	wire_put_be16(bhs + SIM_LOGOUT_CID, 1);
	wire_put_be32(bhs + SIM_BHS_CMDSN, cc(s)->cmdsn);
	pdu(s, ctl, bhs, NULL, 0);
}

/* The usual first commands: TEST UNIT READY takes the power-on unit attention. */
static void head(struct seed *s, uint16_t lun)
{
	in(s, lun, CDB(0x00), 0);
	in(s, lun, CDB(0x00), 0);
	in(s, lun, CDB(0x12, 0, 0, 0, 96, 0), 96);
}

static uint8_t page05[60];

static void mode_select_05(struct seed *s, uint16_t lun, uint8_t wt, uint8_t tm, uint8_t dbt)
{
	memset(page05, 0, sizeof(page05));
	page05[8] = 0x05;
	page05[9] = 0x32;
	page05[10] = 0x40 | wt;
	page05[11] = tm;
	page05[12] = dbt;
	scsi(s, 0, F | W, false, lun, CDB(0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0), 60, page05, 60);
}

static FILE *open_out(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(1);
	}
	return f;
}

static void emit(const char *dir, const char *name, struct seed *s)
{
	FILE *f = open_out(dir, name);
	fwrite(s->buf, 1, s->len, f);
	fclose(f);
	memset(s, 0, sizeof(*s));
}

static void start(struct seed *s, uint8_t opts)
{
	memset(s, 0, sizeof(*s));
	s->buf[0] = opts;
	s->len = 1;
	s->c[0].cmdsn = s->c[1].cmdsn = 1;
}

int main(int argc, char **argv)
{
	static struct seed s;
	const char *dir = argc > 1 ? argv[1] : ".";
	struct ops o;
	uint32_t itt;

	/* Login without CHAP, the read-only commands of both LUNs, a ping, logout. */
	start(&s, 0);
	login_none(&s, &plain, 0);
	head(&s, 0);
	in(&s, 0, CDB(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0), 8);
	in(&s, 0, CDB(0x46, 0, 0, 0, 0, 0, 0, 0x04, 0, 0), 1024);
	in(&s, 0, CDB(0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0), 34);
	in(&s, 0, CDB(0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 255, 0), 255);
	in(&s, 0, CDB(0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0), 256);
	head(&s, 1);
	in(&s, 1, CDB(0x43, 0x02, 0, 0, 0, 0, 0, 0x10, 0, 0), 4096);
	in(&s, 7, CDB(0x00), 0);	/* a LUN that does not exist */
	nop(&s, 0, 0x500, SIM_NO_TAG, "ping data");
	nop(&s, 0, SIM_NO_TAG, SIM_NO_TAG, NULL);
	logout(&s, 0, 0);
	emit(dir, "login-none-inquiry-logout", &s);

	/* One-way and mutual CHAP. */
	for (int mutual = 0; mutual < 2; mutual++) {
		start(&s, mutual ? 2 : 1);
		login_chap(&s, &plain, mutual);
		head(&s, 0);
		logout(&s, 0, 0);
		emit(dir, mutual ? "login-chap-mutual" : "login-chap-oneway", &s);
	}

	/* A burn on the DVD+R through R2Ts with both digests: write, sync, close, read. */
	start(&s, 0);
	o = plain;
	o.hd = o.dd = "CRC32C";
	o.imm = "No";
	o.mbl = 65536;
	login_none(&s, &o, 0);
	head(&s, 0);
	itt = scsi(&s, 0, F | W, false, 0, CDB(0x2a, 0, 0, 0, 0, 0, 0, 0, 64, 0), 131072, NULL, 0);
	answer_r2t(&s, itt, 0, 65536, 32768);
	answer_r2t(&s, itt, 65536, 65536, 65536);
	in(&s, 0, CDB(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0);
	in(&s, 0, CDB(0x52, 1, 0, 0, 0, 1, 0, 0, 48, 0), 48);
	in(&s, 0, CDB(0x5b, 0, 1, 0, 0, 1, 0, 0, 0, 0), 0);
	in(&s, 0, CDB(0x5b, 0, 2, 0, 0, 0, 0, 0, 0, 0), 0);
	in(&s, 0, CDB(0x28, 0, 0, 0, 0, 0, 0, 0, 64, 0), 131072);
	in(&s, 0, CDB(0x43, 0, 0, 0, 0, 0, 0, 0x10, 0, 0), 4096);
	logout(&s, 0, 0);
	emit(dir, "digests-dvdr-write-r2t-close-read", &s);

	/* Immediate and unsolicited data (InitialR2T=No), then an R2T for the rest;
	 * a small MaxRecvDataSegmentLength splits the Data-In. */
	start(&s, 0);
	o = plain;
	o.r2t = "No";
	o.mrdsl = 8192;
	login_none(&s, &o, 0);
	head(&s, 0);
	{
		static uint8_t imm[16384];
		memset(imm, 0x5a, sizeof(imm));
		itt = scsi(&s, 0, W, false, 0, CDB(0x2a, 0, 0, 0, 0, 0, 0, 0, 48, 0), 98304, imm, 16384);
		data_out(&s, 0, itt, SIM_NO_TAG, 0, 16384, 24576, false, "unsolicited");
		data_out(&s, 0, itt, SIM_NO_TAG, 1, 40960, 24576, true, "unsolicited");
		answer_r2t(&s, itt, 65536, 32768, 16384);
	}
	in(&s, 0, CDB(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0);
	in(&s, 0, CDB(0x28, 0, 0, 0, 0, 0, 0, 0, 16, 0), 32768);
	in(&s, 0, CDB(0x28, 0, 0, 0, 0, 0, 0, 0, 16, 0), 4096);	/* overflow */
	in(&s, 0, CDB(0x12, 0, 0, 0, 96, 0), 200);			/* underflow */
	logout(&s, 0, 0);
	emit(dir, "unsolicited-immediate-data", &s);

	/* The CD-RW on LUN 1: blank, write parameters, a TAO track, close. */
	start(&s, 0);
	o = plain;
	o.r2t = "No";
	login_none(&s, &o, 0);
	head(&s, 1);
	in(&s, 1, CDB(0xa1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0);
	mode_select_05(&s, 1, 1, 4, 8);
	{
		static uint8_t blocks[16384];
		memset(blocks, 0xc3, sizeof(blocks));
		scsi(&s, 0, F | W, false, 1, CDB(0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0), 16384, blocks, 16384);
	}
	in(&s, 1, CDB(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0);
	in(&s, 1, CDB(0x5b, 0, 1, 0, 0, 1, 0, 0, 0, 0), 0);
	in(&s, 1, CDB(0x5b, 0, 2, 0, 0, 0, 0, 0, 0, 0), 0);
	in(&s, 1, CDB(0xbe, 0, 0, 0, 0, 0, 0, 0, 2, 0x10, 0, 0), 4704);
	logout(&s, 0, 0);
	emit(dir, "cdrw-blank-tao-write", &s);

	/* Discovery: SendTargets answered in pieces of a 512-byte MRDSL. */
	start(&s, 0);
	login(&s, 0, SIM_LOGIN_F_TRANSIT | 1, 0,
	      "InitiatorName=" INITIATOR "\nSessionType=Discovery\nAuthMethod=None");
	login(&s, 0, SIM_LOGIN_F_TRANSIT | (1 << 2) | 3, 0,
	      "HeaderDigest=None\nDataDigest=None\nMaxRecvDataSegmentLength=512");
	text_req(&s, 0, false, SIM_NO_TAG, "SendTargets=All");
	{
		char kv[1024] = "";
		for (int i = 0; i < 24; i++)
			snprintf(kv + strlen(kv), sizeof(kv) - strlen(kv), "X-org.burnlab.key%02d=%d\n", i, i);
		text_req(&s, 0, false, SIM_NO_TAG, kv);
	}
	text_req(&s, 0, false, AUTO, NULL);
	text_req(&s, 0, false, AUTO, NULL);
	in(&s, 0, CDB(0x00), 0);	/* no SCSI in discovery */
	logout(&s, 0, 0);
	emit(dir, "discovery-sendtargets", &s);

	/* Text in full feature phase: a request continued over two PDUs, unknown keys. */
	start(&s, 0);
	login_none(&s, &plain, 0);
	text_req(&s, 0, true, SIM_NO_TAG, "SendTar");
	text_req(&s, 0, false, AUTO, "gets=All");
	text_req(&s, 0, false, SIM_NO_TAG, "X-org.burnlab.fuzz=1\nMaxBurstLength=4096");
	text_req(&s, 0, false, SIM_NO_TAG, "SendTargets=" TARGET);
	logout(&s, 0, 0);
	emit(dir, "text-continue-ffp", &s);

	/* Task management: a write waiting for its R2T data is aborted; a command ahead
	 * of ExpCmdSN is parked and aborted; every other function. */
	start(&s, 0);
	login_none(&s, &plain, 0);
	head(&s, 0);
	itt = scsi(&s, 0, F | W, false, 0, CDB(0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0), 16384, NULL, 0);
	tmf(&s, 0, SIM_TMF_ABORT_TASK, 0, itt, s.c[0].cmdsn - 1);
	data_out(&s, 0, itt, AUTO, 0, 0, 16384, true, "late");
	{
		/* CmdSN + 1 arrives first (raw: the harness keeps it). */
		uint32_t gap = s.c[0].cmdsn;
		s.c[0].cmdsn++;
		uint32_t parked = scsi(&s, RAW, F, false, 0, CDB(0x00), 0, NULL, 0);
		tmf(&s, 0, SIM_TMF_ABORT_TASK, 0, parked, gap + 1);
		s.c[0].cmdsn = gap;
		scsi(&s, RAW, F, false, 0, CDB(0x00), 0, NULL, 0);
		s.c[0].cmdsn = gap + 2;
	}
	tmf(&s, 0, SIM_TMF_ABORT_TASK, 0, 0x7777, s.c[0].cmdsn);
	tmf(&s, 0, SIM_TMF_ABORT_TASK_SET, 0, SIM_NO_TAG, 0);
	tmf(&s, 0, SIM_TMF_CLEAR_TASK_SET, 1, SIM_NO_TAG, 0);
	tmf(&s, 0, SIM_TMF_LUN_RESET, 1, SIM_NO_TAG, 0);
	tmf(&s, 0, SIM_TMF_LUN_RESET, 9, SIM_NO_TAG, 0);
	tmf(&s, 0, SIM_TMF_TARGET_WARM_RESET, 0, SIM_NO_TAG, 0);
	tmf(&s, 0, SIM_TMF_CLEAR_ACA, 0, SIM_NO_TAG, 0);
	tmf(&s, 0, SIM_TMF_TASK_REASSIGN, 0, SIM_NO_TAG, 0);
	tmf(&s, 0, 0x20, 0, SIM_NO_TAG, 0);
	in(&s, 0, CDB(0x00), 0);
	tmf(&s, 0, SIM_TMF_TARGET_COLD_RESET, 0, SIM_NO_TAG, 0);
	emit(dir, "tmf-abort-reset", &s);

	/* Session reinstatement (same ISID, TSIH 0) and connection reinstatement (TSIH 1,
	 * the same CID) from a second connection. */
	start(&s, 0);
	login_none(&s, &plain, 0);
	head(&s, 0);
	s.cur = 1;
	login_none(&s, &plain, 0);
	in(&s, 0, CDB(0x00), 0);
	s.cur = 0;
	login_none(&s, &plain, 2);
	in(&s, 0, CDB(0x00), 0);
	logout(&s, 0, 1);
	emit(dir, "reinstatement-two-connections", &s);

	/* Digest errors: a data digest on a NOP-Out and on a Data-Out (Reject, the task
	 * fails), then a header digest (the connection drops) and a new login. */
	start(&s, 0);
	o = plain;
	o.hd = o.dd = "CRC32C";
	login_none(&s, &o, 0);
	head(&s, 0);
	nop(&s, BAD_DD, 0x600, SIM_NO_TAG, "bad digest");
	itt = scsi(&s, 0, F | W, false, 0, CDB(0x2a, 0, 0, 0, 0, 0, 0, 0, 4, 0), 8192, NULL, 0);
	data_out(&s, BAD_DD, itt, AUTO, 0, 0, 8192, true, "x");
	in(&s, 0, CDB(0x03, 0, 0, 0, 18, 0), 18);
	nop(&s, BAD_HD, 0x601, SIM_NO_TAG, NULL);
	s.c[0].cmdsn = 1;
	s.c[0].itt = 0;
	login_none(&s, &plain, 0);
	in(&s, 0, CDB(0x00), 0);
	logout(&s, 0, 0);
	emit(dir, "digest-errors-relogin", &s);

	/* Framing: PDUs written in two parts, a protocol error, the initiator closing in
	 * the middle of a PDU. */
	start(&s, 0);
	login_none(&s, &plain, 0);
	{
		uint8_t bhs[SIM_BHS_LEN] = { 0 };
		scsi(&s, SPLIT, F, false, 0, CDB(0x00), 0, NULL, 0);
		scsi(&s, SPLIT, F | R, false, 0, CDB(0x12, 0, 0, 0, 96, 0), 96, NULL, 0);
		/* a read with data: a protocol error */
		scsi(&s, 0, F | R, false, 0, CDB(0x12, 0, 0, 0, 96, 0), 96, "data", 4);
		/* SNACK and an unknown opcode */
		bhs[0] = SIM_OP_SNACK;
		bhs[1] = F;
		pdu(&s, 0, bhs, NULL, 0);
		bhs[0] = 0x1c;
		pdu(&s, 0, bhs, NULL, 0);
		/* an AHS on a command */
		uint8_t ahs[8] = { 0, 5, 1, 0, 0, 0, 0, 0 };
		memset(bhs, 0, sizeof(bhs));
		bhs[0] = SIM_OP_SCSI_CMD;
		bhs[1] = F;
		bhs[SIM_BHS_AHSLEN] = 2;
		wire_put_be32(bhs + SIM_BHS_ITT, 0x700);
		wire_put_be32(bhs + SIM_BHS_CMDSN, s.c[0].cmdsn++);
		uint8_t c = 0;
		put(&s, &c, 1);
		put(&s, bhs, SIM_BHS_LEN);
		put(&s, ahs, sizeof(ahs));
		/* cut short: DataSegmentLength 100, 10 bytes follow */
		memset(bhs, 0, sizeof(bhs));
		bhs[0] = SIM_OP_NOP_OUT | SIM_BHS_IMMEDIATE;
		bhs[1] = F;
		wire_put_be32(bhs + SIM_BHS_ITT, 0x701);
		wire_put_be32(bhs + SIM_NOP_TTT, SIM_NO_TAG);
		wire_put_be24(bhs + SIM_BHS_DSL, 100);
		put(&s, &c, 1);
		put(&s, bhs, SIM_BHS_LEN);
		put(&s, "0123456789", 10);
	}
	emit(dir, "framing-split-errors-cut", &s);

	/* Login errors: a first PDU that is not a Login, a non-Login during login, an
	 * unknown target, the wrong CHAP_R, each on a new connection. */
	start(&s, 1);
	in(&s, 0, CDB(0x00), 0);
	s.c[0].cmdsn = 1;
	login(&s, 0, 1, 0, NAMES "AuthMethod=CHAP");
	nop(&s, 0, 0x800, SIM_NO_TAG, NULL);
	login(&s, 0, SIM_LOGIN_F_TRANSIT | 1, 0,
	      "InitiatorName=" INITIATOR "\nTargetName=iqn.2026-01.org.example:none\nAuthMethod=None");
	login(&s, 0, SIM_LOGIN_F_TRANSIT | 1, 0, NAMES "AuthMethod=CHAP");
	login(&s, 0, 0, 0, "CHAP_A=5");
	login(&s, 0, SIM_LOGIN_F_TRANSIT | 1, 0, "CHAP_N=fuzz-initiator\nCHAP_R=0x00112233445566778899aabbccddeeff");
	emit(dir, "login-errors", &s);

	/* Logout reasons: close the connection, remove it for recovery, then an immediate
	 * ping with the reserved ITT and a second logout. */
	start(&s, 0);
	login_none(&s, &plain, 0);
	in(&s, 0, CDB(0x00), 0);
	logout(&s, CLOSE, 2);
	login_none(&s, &plain, 0);
	in(&s, 0, CDB(0x00), 0);
	logout(&s, 0, 1);
	emit(dir, "logout-reasons", &s);

	/* Idle time on the virtual clock: the target's NOP-In pings, one answered, then
	 * three missed (the connection drops), and a login that times out; the PDUs
	 * that carry the idle time go to a second session. */
	start(&s, 0);
	login_none(&s, &plain, 0);
	head(&s, 0);
	s.cur = 1;
	s.isid_last = 0x68;
	login_none(&s, &plain, 0);
	nop(&s, IDLE, 0x901, SIM_NO_TAG, NULL);
	nop(&s, IDLE, 0x902, SIM_NO_TAG, NULL);
	s.cur = 0;
	nop(&s, 0, SIM_NO_TAG, AUTO, NULL);
	s.cur = 1;
	for (uint32_t i = 0x903; i <= 0x907; i++)
		nop(&s, IDLE, i, SIM_NO_TAG, NULL);
	s.cur = 0;
	s.c[0].cmdsn = 1;
	s.isid_last = 0;
	login(&s, 0, 0, 0, NAMES "AuthMethod=None");
	s.cur = 1;
	nop(&s, IDLE, 0x908, SIM_NO_TAG, NULL);
	logout(&s, 0, 0);
	emit(dir, "idle-nop-pings-login-timeout", &s);
	return 0;
}
