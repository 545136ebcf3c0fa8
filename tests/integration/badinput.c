/* tests/integration/badinput.c - hostile-input tests for simdrive over raw sockets.
 *
 * usage: badinput HOST PORT TARGET_IQN [CASE_GLOB]
 *
 * No libiscsi here: every PDU is built by hand (RFC 7143 §11), so the cases can send
 * what no well-behaved initiator would.  Each case runs on a fresh connection/session
 * and checks the answer RFC 7143 and doc/iscsi-target.md ("malformed PDUs" and the
 * other decisions) prescribe:
 * a Reject with the right reason and the rejected BHS as data, a Login Response with
 * the right status, a closed connection, or a silent drop followed by a working
 * command.  After each case the connection is closed and a health check on another
 * fresh connection (login, TEST UNIT READY, INQUIRY = type 05h, logout) proves the
 * daemon still serves.  Output is TAP; exit 0 only if every case passed.
 *
 * Every read is bounded by poll() (BI_WAIT_MS), so a broken target cannot hang us.
 * The timer-* cases need the daemon started with short timers and are skipped unless
 * BADINPUT_TIMERS=NOP_MS,LOGIN_MS gives its --nop-interval and --login-timeout
 * (tests/integration/timers.sh).
 * The LUN under test is LUN 0, which must hold a medium (simdrive media=dvd-rom).
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wire.h"

/* ----------------------------------------------------------------------------------
 * Protocol constants (RFC 7143 §11) */

enum {	/* BHS byte offsets */
	BHS_OPCODE = 0, BHS_FLAGS = 1, BHS_B2 = 2, BHS_B3 = 3, BHS_AHSLEN = 4, BHS_DSL = 5,
	BHS_LUN = 8, BHS_ISID = 8, BHS_TSIH = 14, BHS_ITT = 16, BHS_TTT = 20, BHS_EDTL = 20,
	BHS_CID = 20, BHS_CMDSN = 24, BHS_STATSN = 24, BHS_EXPSTATSN = 28, BHS_EXPCMDSN = 28,
	BHS_MAXCMDSN = 32, BHS_CDB = 32, BHS_DATASN = 36, BHS_STATUS_CLASS = 36,
	BHS_STATUS_DETAIL = 37, BHS_OFFSET = 40, BHS_R2T_LEN = 44, BHS_RESIDUAL = 44,
	BHS_LEN = 48,
};

enum {	/* opcodes */
	ISCSI_OP_NOP_OUT = 0x00, ISCSI_OP_SCSI_CMD = 0x01, ISCSI_OP_TMF_REQ = 0x02,
	ISCSI_OP_LOGIN_REQ = 0x03, ISCSI_OP_TEXT_REQ = 0x04, ISCSI_OP_DATA_OUT = 0x05,
	ISCSI_OP_LOGOUT_REQ = 0x06, ISCSI_OP_SNACK = 0x10, ISCSI_OP_VENDOR1 = 0x1c,
	ISCSI_OP_NOP_IN = 0x20, ISCSI_OP_SCSI_RSP = 0x21, ISCSI_OP_TMF_RSP = 0x22,
	ISCSI_OP_LOGIN_RSP = 0x23, ISCSI_OP_TEXT_RSP = 0x24, ISCSI_OP_DATA_IN = 0x25,
	ISCSI_OP_LOGOUT_RSP = 0x26, ISCSI_OP_R2T = 0x31, ISCSI_OP_ASYNC = 0x32,
	ISCSI_OP_REJECT = 0x3f,
	ISCSI_OP_IMMEDIATE = 0x40,
};

enum {	/* flags */
	ISCSI_F = 0x80, ISCSI_CMD_R = 0x40, ISCSI_CMD_W = 0x20, ISCSI_ATTR_SIMPLE = 0x01,
	ISCSI_LOGIN_T = 0x80, ISCSI_LOGIN_C = 0x40, ISCSI_DATAIN_S = 0x01,
};

enum {	/* Reject reasons (RFC 7143 §11.17.1) */
	ISCSI_REJECT_DIGEST = 0x02, ISCSI_REJECT_SNACK = 0x03, ISCSI_REJECT_PROTOCOL = 0x04,
	ISCSI_REJECT_NOT_SUPPORTED = 0x05, ISCSI_REJECT_IMMEDIATE = 0x06,
	ISCSI_REJECT_TASK_IN_PROGRESS = 0x07, ISCSI_REJECT_INVALID_FIELD = 0x09,
};

enum {	/* login status (class << 8 | detail, RFC 7143 §11.13.5) */
	ISCSI_LOGIN_OK = 0x0000, ISCSI_LOGIN_INITIATOR_ERROR = 0x0200,
	ISCSI_LOGIN_AUTH_FAILURE = 0x0201, ISCSI_LOGIN_NOT_FOUND = 0x0203,
	ISCSI_LOGIN_VERSION = 0x0205, ISCSI_LOGIN_TOO_MANY_CONNS = 0x0206,
	ISCSI_LOGIN_MISSING_PARAM = 0x0207, ISCSI_LOGIN_SESSION_TYPE = 0x0209,
	ISCSI_LOGIN_INVALID_DURING_LOGIN = 0x020b,
};

enum {	/* SCSI */
	SCSI_OP_TUR = 0x00, SCSI_OP_INQUIRY = 0x12, SCSI_OP_READ10 = 0x28,
	SCSI_OP_WRITE10 = 0x2a,
	SCSI_GOOD = 0x00, SCSI_CHECK_CONDITION = 0x02,
	SCSI_KEY_UNIT_ATTENTION = 0x06, SCSI_KEY_ILLEGAL_REQUEST = 0x05,
	SCSI_PERIPH_MMC = 0x05,
};

#define BI_WAIT_MS      5000	/* any expected answer must come within this */
#define BI_SILENCE_MS   1500	/* "no answer" is judged after this */
#define BI_OUR_MRDSL    262144u	/* what we declare (and accept) */
#define BI_BLOCK        2048u
#define BI_INITIATOR    "iqn.2026-01.org.burnlab:badinput"
#define BI_NO_TAG       0xffffffffu

static const char *bi_host, *bi_port, *bi_target;
static uint8_t bi_lun;		/* LUN under test: 0, or $BADINPUT_LUN (other targets) */

/* ----------------------------------------------------------------------------------
 * Failure reasons: each case returns NULL (pass) or a reason built here. */

static char bi_reason[1024];

static const char *bi_why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *bi_why(const char *fmt, ...)
{
	char tmp[sizeof bi_reason];	/* arguments may point into bi_reason */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	memcpy(bi_reason, tmp, sizeof bi_reason);
	return bi_reason;
}

static long bi_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* CRC32C (Castagnoli, reflected 0x82F63B78), RFC 7143 §11.1 / Appendix A.4.  Written
 * here rather than taken from simdrive so a misreading cannot hide in shared code. */
static uint32_t bi_crc32c(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return crc ^ 0xffffffffu;
}

/* ----------------------------------------------------------------------------------
 * Connections and PDUs */

struct bi_conn {
	int fd;
	bool hdigest;		/* CRC32C header digest in force (after login) */
	bool ddigest;		/* CRC32C data digest in force (after login) */
	uint8_t isid[6];
	uint16_t tsih;
	uint32_t itt;		/* next ITT */
	uint32_t cmdsn;		/* next CmdSN */
	uint32_t expstatsn;
	uint32_t expcmdsn, maxcmdsn;	/* last reported by the target */
	uint32_t t_mrdsl;	/* target's declared MaxRecvDataSegmentLength */
	bool initial_r2t, immediate_data;
	uint32_t first_burst;
	char keys[8192];	/* last login response text, NULs turned into spaces */
};

struct bi_pdu {
	uint8_t bhs[BHS_LEN];
	uint8_t *data;
	uint32_t dlen;
};

enum bi_rx { BI_RX_PDU = 1, BI_RX_EOF = 0, BI_RX_TIMEOUT = -1, BI_RX_ERROR = -2 };

static unsigned bi_isid_counter;

static void bi_pdu_free(struct bi_pdu *p)
{
	free(p->data);
	p->data = NULL;
	p->dlen = 0;
}

static uint8_t bi_op(const struct bi_pdu *p)
{
	return p->bhs[BHS_OPCODE] & 0x3f;
}

static const char *bi_op_name(uint8_t op)
{
	switch (op) {
	case ISCSI_OP_NOP_IN: return "NOP-In";
	case ISCSI_OP_SCSI_RSP: return "SCSI Response";
	case ISCSI_OP_TMF_RSP: return "TMF Response";
	case ISCSI_OP_LOGIN_RSP: return "Login Response";
	case ISCSI_OP_TEXT_RSP: return "Text Response";
	case ISCSI_OP_DATA_IN: return "Data-In";
	case ISCSI_OP_LOGOUT_RSP: return "Logout Response";
	case ISCSI_OP_R2T: return "R2T";
	case ISCSI_OP_ASYNC: return "Async Message";
	case ISCSI_OP_REJECT: return "Reject";
	default: return "unknown PDU";
	}
}

/* One-line description of a received PDU for failure messages. */
static const char *bi_describe(const struct bi_pdu *p)
{
	static char s[400];
	int n = snprintf(s, sizeof s, "%s (opcode 0x%02x) flags 0x%02x b2 0x%02x b3 0x%02x "
			 "ITT %08x DSL %u", bi_op_name(bi_op(p)), bi_op(p), p->bhs[BHS_FLAGS],
			 p->bhs[BHS_B2], p->bhs[BHS_B3], wire_be32(p->bhs + BHS_ITT), p->dlen);

	if (bi_op(p) == ISCSI_OP_LOGIN_RSP)
		snprintf(s + n, sizeof s - (size_t)n, " status 0x%02x%02x",
			 p->bhs[BHS_STATUS_CLASS], p->bhs[BHS_STATUS_DETAIL]);
	return s;
}

static int bi_connect(struct bi_conn *c)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
	int one = 1;

	memset(c, 0, sizeof *c);
	c->fd = -1;
	if (getaddrinfo(bi_host, bi_port, &hints, &ai) != 0)
		return -1;
	c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		freeaddrinfo(ai);
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return -1;
	}
	freeaddrinfo(ai);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* A distinct ISID per connection: no case may reinstate another's session. */
	bi_isid_counter++;
	c->isid[0] = 0x80;	/* random format, as libiscsi */
	c->isid[1] = 0xb1;
	c->isid[2] = (uint8_t)(getpid() >> 8);
	c->isid[3] = (uint8_t)getpid();
	c->isid[4] = (uint8_t)(bi_isid_counter >> 8);
	c->isid[5] = (uint8_t)bi_isid_counter;
	c->itt = 0x1000;
	c->cmdsn = 1;
	c->t_mrdsl = 8192;
	return 0;
}

static void bi_close(struct bi_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Write everything; errors are ignored on purpose by callers that expect the target
 * to slam the door mid-PDU.  Returns 0 or -1. */
static int bi_write(struct bi_conn *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
		ssize_t n;

		if (poll(&pfd, 1, BI_WAIT_MS) <= 0)
			return -1;
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send BHS (+ header digest if in force) + data + pad (+ data digest if in force and
 * there is data).  `dsl_override` != UINT32_MAX puts a different DataSegmentLength in
 * the BHS than the bytes actually sent; the corrupt_* flags send a wrong digest. */
static int bi_send_raw(struct bi_conn *c, uint8_t *bhs, const void *data, uint32_t dlen,
		       uint32_t dsl_override, bool corrupt_hdigest, bool corrupt_ddigest)
{
	static const uint8_t zero[4];
	uint8_t dig[4];

	wire_put_be24(bhs + BHS_DSL, dsl_override != UINT32_MAX ? dsl_override : dlen);
	if (bi_write(c, bhs, BHS_LEN) != 0)
		return -1;
	if (c->hdigest) {
		wire_put_le32(dig, bi_crc32c(bhs, BHS_LEN) ^ (corrupt_hdigest ? 0x00010000u : 0));
		if (bi_write(c, dig, 4) != 0)
			return -1;
	}
	if (dlen > 0) {
		if (bi_write(c, data, dlen) != 0)
			return -1;
		if (dlen % 4 && bi_write(c, zero, 4 - dlen % 4) != 0)
			return -1;
		if (c->ddigest) {
			/* CRC32C over data + pad, sent least significant byte first (RFC 7143 §11.1). */
			uint32_t padded = (dlen + 3) & ~3u;
			uint8_t *tmp = calloc(1, padded);

			if (tmp == NULL)
				return -1;
			memcpy(tmp, data, dlen);
			wire_put_le32(dig, bi_crc32c(tmp, padded) ^ (corrupt_ddigest ? 0x00000100u : 0));
			free(tmp);
			if (bi_write(c, dig, 4) != 0)
				return -1;
		}
	}
	return 0;
}

static int bi_send(struct bi_conn *c, uint8_t *bhs, const void *data, uint32_t dlen)
{
	return bi_send_raw(c, bhs, data, dlen, UINT32_MAX, false, false);
}

static enum bi_rx bi_read_exact(struct bi_conn *c, uint8_t *p, size_t len, int timeout_ms)
{
	while (len > 0) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int r = poll(&pfd, 1, timeout_ms);
		ssize_t n;

		if (r == 0)
			return BI_RX_TIMEOUT;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return BI_RX_ERROR;
		}
		n = recv(c->fd, p, len, 0);
		if (n == 0)
			return BI_RX_EOF;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			/* A reset is the target closing the connection on us. */
			return errno == ECONNRESET ? BI_RX_EOF : BI_RX_ERROR;
		}
		p += n;
		len -= (size_t)n;
	}
	return BI_RX_PDU;
}

static const char *bi_rx_err;	/* protocol violation seen by bi_recv (BI_RX_ERROR) */

/* Receive one PDU within timeout_ms.  Validates framing from the target side: no AHS
 * (libiscsi quirk Q1), DSL within our MRDSL, correct header digest. */
static enum bi_rx bi_recv(struct bi_conn *c, struct bi_pdu *p, int timeout_ms)
{
	enum bi_rx r;
	uint32_t padded;

	memset(p, 0, sizeof *p);
	bi_rx_err = "socket error";
	r = bi_read_exact(c, p->bhs, BHS_LEN, timeout_ms);
	if (r != BI_RX_PDU)
		return r;
	if (p->bhs[BHS_AHSLEN] != 0) {
		bi_rx_err = "target sent a PDU with AHS";
		return BI_RX_ERROR;
	}
	if (c->hdigest) {
		uint8_t dig[4];

		r = bi_read_exact(c, dig, 4, BI_WAIT_MS);
		if (r != BI_RX_PDU)
			return r == BI_RX_TIMEOUT ? BI_RX_ERROR : r;
		if (wire_le32(dig) != bi_crc32c(p->bhs, BHS_LEN)) {
			bi_rx_err = "wrong header digest on a target PDU";
			return BI_RX_ERROR;
		}
	}
	p->dlen = wire_be24(p->bhs + BHS_DSL);
	if (p->dlen > BI_OUR_MRDSL) {
		bi_rx_err = "target PDU data segment larger than our MaxRecvDataSegmentLength";
		return BI_RX_ERROR;
	}
	padded = (p->dlen + 3) & ~3u;
	if (padded > 0) {
		p->data = calloc(1, padded + 1);
		if (p->data == NULL)
			return BI_RX_ERROR;
		r = bi_read_exact(c, p->data, padded, BI_WAIT_MS);
		if (r != BI_RX_PDU) {
			bi_pdu_free(p);
			bi_rx_err = "truncated data segment";
			return r == BI_RX_TIMEOUT ? BI_RX_ERROR : r;
		}
		if (c->ddigest) {	/* only when DSL > 0 (RFC 7143 §11.1) */
			uint8_t dig[4];

			r = bi_read_exact(c, dig, 4, BI_WAIT_MS);
			if (r != BI_RX_PDU) {
				bi_pdu_free(p);
				bi_rx_err = "data digest missing after the data segment";
				return r == BI_RX_TIMEOUT ? BI_RX_ERROR : r;
			}
			if (wire_le32(dig) != bi_crc32c(p->data, padded)) {
				static char why[160];

				snprintf(why, sizeof why, "wrong data digest on a target %s: got "
					 "%02x %02x %02x %02x, CRC32C of data + pad is %08x",
					 bi_op_name(bi_op(p)), dig[0], dig[1], dig[2], dig[3],
					 bi_crc32c(p->data, padded));
				bi_pdu_free(p);
				bi_rx_err = why;
				return BI_RX_ERROR;
			}
		}
	}
	/* Track the target's numbering. */
	switch (bi_op(p)) {
	case ISCSI_OP_NOP_IN: case ISCSI_OP_SCSI_RSP: case ISCSI_OP_TMF_RSP:
	case ISCSI_OP_TEXT_RSP: case ISCSI_OP_DATA_IN: case ISCSI_OP_LOGOUT_RSP:
	case ISCSI_OP_R2T: case ISCSI_OP_ASYNC: case ISCSI_OP_REJECT:
		c->expcmdsn = wire_be32(p->bhs + BHS_EXPCMDSN);
		c->maxcmdsn = wire_be32(p->bhs + BHS_MAXCMDSN);
		if (bi_op(p) != ISCSI_OP_R2T && bi_op(p) != ISCSI_OP_DATA_IN &&
		    !(bi_op(p) == ISCSI_OP_NOP_IN && wire_be32(p->bhs + BHS_ITT) == BI_NO_TAG) &&
		    (int32_t)(wire_be32(p->bhs + BHS_STATSN) + 1 - c->expstatsn) > 0)
			c->expstatsn = wire_be32(p->bhs + BHS_STATSN) + 1;
		if (bi_op(p) == ISCSI_OP_DATA_IN && (p->bhs[BHS_FLAGS] & ISCSI_DATAIN_S))
			c->expstatsn = wire_be32(p->bhs + BHS_STATSN) + 1;
		break;
	default:
		break;
	}
	return BI_RX_PDU;
}

static const char *bi_rx_what(enum bi_rx r)
{
	switch (r) {
	case BI_RX_EOF: return "connection closed";
	case BI_RX_TIMEOUT: return "no answer within 5 s";
	case BI_RX_ERROR: return bi_rx_err;
	default: return "a PDU";
	}
}

/* Answer a target NOP-In ping (ITT ffffffff, TTT != ffffffff) as libiscsi does:
 * immediate NOP-Out, ITT ffffffff, the ping's TTT and LUN, no data. */
static void bi_answer_ping(struct bi_conn *c, const struct bi_pdu *p)
{
	uint8_t b[BHS_LEN] = { 0 };

	b[0] = ISCSI_OP_IMMEDIATE | ISCSI_OP_NOP_OUT;
	b[1] = ISCSI_F;
	memcpy(b + BHS_LUN, p->bhs + BHS_LUN, 8);
	wire_put_be32(b + BHS_ITT, BI_NO_TAG);
	wire_put_be32(b + BHS_TTT, wire_be32(p->bhs + BHS_TTT));
	wire_put_be32(b + BHS_CMDSN, c->cmdsn);
	wire_put_be32(b + BHS_EXPSTATSN, c->expstatsn);
	(void)bi_send(c, b, NULL, 0);
}

/* Receive the next PDU that is not unsolicited noise: target NOP-In pings are
 * answered, Async Messages and window-refresh NOP-Ins skipped. */
static enum bi_rx bi_recv_next(struct bi_conn *c, struct bi_pdu *p, int timeout_ms)
{
	for (;;) {
		enum bi_rx r = bi_recv(c, p, timeout_ms);

		if (r != BI_RX_PDU)
			return r;
		if (bi_op(p) == ISCSI_OP_NOP_IN && wire_be32(p->bhs + BHS_ITT) == BI_NO_TAG) {
			uint32_t ttt = wire_be32(p->bhs + BHS_TTT);

			if (ttt != BI_NO_TAG)	/* target ping: answer (RFC 7143 §11.18) */
				bi_answer_ping(c, p);
			bi_pdu_free(p);
			continue;
		}
		if (bi_op(p) == ISCSI_OP_ASYNC) {
			bi_pdu_free(p);
			continue;
		}
		return r;
	}
}

/* ----------------------------------------------------------------------------------
 * Login */

struct bi_text {
	uint8_t buf[70000];
	uint32_t len;
};

static void bi_text_add(struct bi_text *t, const char *kv)
{
	size_t l = strlen(kv) + 1;

	if (t->len + l <= sizeof t->buf) {
		memcpy(t->buf + t->len, kv, l);
		t->len += (uint32_t)l;
	}
}

static void bi_text_raw(struct bi_text *t, const void *p, size_t l)
{
	if (t->len + l <= sizeof t->buf) {
		memcpy(t->buf + t->len, p, l);
		t->len += (uint32_t)l;
	}
}

enum bi_login_flags {
	BI_LOGIN_DISCOVERY = 1 << 0,
	BI_LOGIN_HDIGEST = 1 << 1,	/* offer HeaderDigest=CRC32C only */
	BI_LOGIN_NO_INAME = 1 << 2,
	BI_LOGIN_NO_TNAME = 1 << 3,
	BI_LOGIN_NO_OPKEYS = 1 << 4,
	BI_LOGIN_DDIGEST = 1 << 5,	/* offer DataDigest=CRC32C only */
	BI_LOGIN_SMALL = 1 << 6,	/* MRDSL 4096, MaxBurstLength 16384, FirstBurstLength 8192 */
	BI_LOGIN_INITIAL_R2T = 1 << 7,	/* InitialR2T=Yes: no unsolicited Data-Out */
};

/* The key set of a one-round-trip login (CSG=1 NSG=3), as libiscsi sends it. */
static void bi_login_keys(struct bi_text *t, unsigned flags, const char *target)
{
	char kv[512];

	if (!(flags & BI_LOGIN_NO_INAME))
		bi_text_add(t, "InitiatorName=" BI_INITIATOR);
	if (flags & BI_LOGIN_DISCOVERY) {
		bi_text_add(t, "SessionType=Discovery");
	} else {
		if (!(flags & BI_LOGIN_NO_TNAME)) {
			snprintf(kv, sizeof kv, "TargetName=%s", target ? target : bi_target);
			bi_text_add(t, kv);
		}
		bi_text_add(t, "SessionType=Normal");
	}
	bi_text_add(t, flags & BI_LOGIN_HDIGEST ? "HeaderDigest=CRC32C" : "HeaderDigest=None");
	bi_text_add(t, flags & BI_LOGIN_DDIGEST ? "DataDigest=CRC32C" : "DataDigest=None");
	if (flags & (BI_LOGIN_DISCOVERY | BI_LOGIN_NO_OPKEYS))
		return;
	bi_text_add(t, flags & BI_LOGIN_INITIAL_R2T ? "InitialR2T=Yes" : "InitialR2T=No");
	bi_text_add(t, "ImmediateData=Yes");
	if (flags & BI_LOGIN_SMALL) {
		bi_text_add(t, "MaxBurstLength=16384");
		bi_text_add(t, "FirstBurstLength=8192");
		bi_text_add(t, "MaxRecvDataSegmentLength=4096");
	} else {
		bi_text_add(t, "MaxBurstLength=262144");
		bi_text_add(t, "FirstBurstLength=65536");
		bi_text_add(t, "MaxRecvDataSegmentLength=262144");
	}
	bi_text_add(t, "DefaultTime2Wait=2");
	bi_text_add(t, "DefaultTime2Retain=0");
	bi_text_add(t, "MaxOutstandingR2T=1");
	bi_text_add(t, "ErrorRecoveryLevel=0");
	bi_text_add(t, "MaxConnections=1");
	bi_text_add(t, "DataPDUInOrder=Yes");
	bi_text_add(t, "DataSequenceInOrder=Yes");
}

/* Build and send one Login Request. */
static int bi_login_send(struct bi_conn *c, uint8_t flags1, uint8_t vmax, uint8_t vmin,
			 uint16_t tsih, const struct bi_text *t, uint8_t *sent_bhs)
{
	uint8_t b[BHS_LEN] = { 0 };
	int rc;

	b[0] = ISCSI_OP_IMMEDIATE | ISCSI_OP_LOGIN_REQ;
	b[1] = flags1;
	b[2] = vmax;
	b[3] = vmin;
	memcpy(b + BHS_ISID, c->isid, 6);
	wire_put_be16(b + BHS_TSIH, tsih);
	wire_put_be32(b + BHS_ITT, 0x0a0b0c0d);
	wire_put_be16(b + BHS_CID, 0);
	wire_put_be32(b + BHS_CMDSN, c->cmdsn);
	wire_put_be32(b + BHS_EXPSTATSN, c->expstatsn);
	rc = bi_send(c, b, t ? t->buf : NULL, t ? t->len : 0);
	if (sent_bhs)
		memcpy(sent_bhs, b, BHS_LEN);	/* as sent, DataSegmentLength filled in */
	return rc;
}

static const char *bi_key(const struct bi_conn *c, const char *key)
{
	static char v[300];
	size_t kl = strlen(key);

	for (const char *p = c->keys; (p = strstr(p, key)) != NULL; p++) {
		if ((p == c->keys || p[-1] == ' ') && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, " ");

			if (n >= sizeof v)
				n = sizeof v - 1;
			memcpy(v, p + kl + 1, n);
			v[n] = 0;
			return v;
		}
	}
	return NULL;
}

static void bi_keep_keys(struct bi_conn *c, const struct bi_pdu *p)
{
	uint32_t n = p->dlen < sizeof c->keys - 1 ? p->dlen : (uint32_t)sizeof c->keys - 1;

	memcpy(c->keys, p->data ? (const char *)p->data : "", n);
	c->keys[n] = 0;
	for (uint32_t i = 0; i < n; i++)
		if (c->keys[i] == 0)
			c->keys[i] = ' ';
		else if ((unsigned char)c->keys[i] < 0x20 || (unsigned char)c->keys[i] > 0x7e)
			c->keys[i] = '?';
	while (n > 0 && c->keys[n - 1] == ' ')
		c->keys[--n] = 0;
}

static uint16_t bi_login_status(const struct bi_pdu *p)
{
	return (uint16_t)(p->bhs[BHS_STATUS_CLASS] << 8 | p->bhs[BHS_STATUS_DETAIL]);
}

/* Receive a Login Response; checks the fields every Login Response must have. */
static const char *bi_login_recv(struct bi_conn *c, struct bi_pdu *p)
{
	enum bi_rx r = bi_recv(c, p, BI_WAIT_MS);

	if (r != BI_RX_PDU)
		return bi_why("expected a Login Response: %s", bi_rx_what(r));
	if (bi_op(p) != ISCSI_OP_LOGIN_RSP) {
		const char *d = bi_describe(p);

		bi_pdu_free(p);
		return bi_why("expected a Login Response, got %s", d);
	}
	bi_keep_keys(c, p);
	if (wire_be32(p->bhs + BHS_ITT) != 0x0a0b0c0d || memcmp(p->bhs + BHS_ISID, c->isid, 6)) {
		const uint8_t *i = p->bhs + BHS_ISID;
		uint16_t status = bi_login_status(p);

		bi_pdu_free(p);
		return bi_why("Login Response (status 0x%04x) does not echo the ITT/ISID: ITT %08x "
			      "ISID %02x%02x%02x%02x%02x%02x, sent 0a0b0c0d %02x%02x%02x%02x%02x%02x",
			      status, wire_be32(p->bhs + BHS_ITT), i[0], i[1], i[2], i[3], i[4], i[5],
			      c->isid[0], c->isid[1], c->isid[2], c->isid[3], c->isid[4], c->isid[5]);
	}
	return NULL;
}

/* Full login in one round trip, with TSIH `tsih` (0: a new session).  On success the
 * connection is in FFP. */
static const char *bi_login_tsih(struct bi_conn *c, unsigned flags, uint16_t tsih)
{
	struct bi_text *t = calloc(1, sizeof *t);
	struct bi_pdu p;
	const char *err, *v;

	if (t == NULL)
		return "out of memory";
	bi_login_keys(t, flags, NULL);
	if (bi_login_send(c, ISCSI_LOGIN_T | 1 << 2 | 3, 0, 0, tsih, t, NULL) != 0) {
		free(t);
		return bi_why("sending the Login Request failed");
	}
	free(t);
	err = bi_login_recv(c, &p);
	if (err)
		return err;
	if (bi_login_status(&p) != ISCSI_LOGIN_OK) {
		bi_pdu_free(&p);
		return bi_why("login failed: status 0x%04x, keys '%s'", bi_login_status(&p), c->keys);
	}
	if (!(p.bhs[1] & ISCSI_LOGIN_T) || (p.bhs[1] & 3) != 3 || ((p.bhs[1] >> 2) & 3) != 1) {
		bi_pdu_free(&p);
		return bi_why("login did not complete in one round trip: flags 0x%02x keys '%s'",
			      p.bhs[1], c->keys);
	}
	c->tsih = wire_be16(p.bhs + BHS_TSIH);
	c->expstatsn = wire_be32(p.bhs + BHS_STATSN) + 1;
	c->expcmdsn = wire_be32(p.bhs + BHS_EXPCMDSN);
	c->maxcmdsn = wire_be32(p.bhs + BHS_MAXCMDSN);
	c->cmdsn = c->expcmdsn;
	bi_pdu_free(&p);
	if (c->tsih == 0)
		return bi_why("final Login Response has TSIH 0");
	v = bi_key(c, "MaxRecvDataSegmentLength");
	c->t_mrdsl = v ? (uint32_t)strtoul(v, NULL, 0) : 8192;
	v = bi_key(c, "InitialR2T");
	c->initial_r2t = v == NULL || strcmp(v, "Yes") == 0;
	v = bi_key(c, "ImmediateData");
	c->immediate_data = v != NULL && strcmp(v, "Yes") == 0;
	v = bi_key(c, "FirstBurstLength");
	c->first_burst = v ? (uint32_t)strtoul(v, NULL, 0) : 65536;
	v = bi_key(c, "HeaderDigest");
	if (flags & BI_LOGIN_HDIGEST) {
		if (v == NULL || strcmp(v, "CRC32C") != 0)
			return bi_why("HeaderDigest=CRC32C offered alone, answer '%s'", v ? v : "(none)");
		c->hdigest = true;
	} else if (v != NULL && strcmp(v, "None") != 0) {
		return bi_why("HeaderDigest=None offered, answer '%s'", v);
	}
	v = bi_key(c, "DataDigest");
	if (flags & BI_LOGIN_DDIGEST) {
		if (v == NULL || strcmp(v, "CRC32C") != 0)
			return bi_why("DataDigest=CRC32C offered alone, answer '%s'", v ? v : "(none)");
		c->ddigest = true;
	} else if (v != NULL && strcmp(v, "None") != 0) {
		return bi_why("DataDigest=None offered, answer '%s'", v);
	}
	return NULL;
}

static const char *bi_login(struct bi_conn *c, unsigned flags)
{
	return bi_login_tsih(c, flags, 0);
}

/* ----------------------------------------------------------------------------------
 * Full feature phase helpers */

static void bi_cmd_bhs(struct bi_conn *c, uint8_t *b, uint8_t flags, uint32_t edtl,
		       const uint8_t *cdb, size_t cdblen, uint32_t itt)
{
	memset(b, 0, BHS_LEN);
	b[0] = ISCSI_OP_SCSI_CMD;
	b[1] = flags;
	b[BHS_LUN + 1] = bi_lun;	/* peripheral addressing, as libiscsi */
	wire_put_be32(b + BHS_ITT, itt);
	wire_put_be32(b + BHS_EDTL, edtl);
	wire_put_be32(b + BHS_CMDSN, c->cmdsn);
	wire_put_be32(b + BHS_EXPSTATSN, c->expstatsn);
	memcpy(b + BHS_CDB, cdb, cdblen);
}

static void bi_cdb_rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 16);
	cdb[0] = op;
	wire_put_be32(cdb + 2, lba);
	wire_put_be16(cdb + 7, blocks);
}

/* Send a SCSI Command (non-immediate, consumes a CmdSN).  Returns the ITT used. */
static uint32_t bi_cmd(struct bi_conn *c, uint8_t flags, uint32_t edtl, const uint8_t *cdb,
		       size_t cdblen, const void *data, uint32_t dlen)
{
	uint8_t b[BHS_LEN];
	uint32_t itt = c->itt++;

	bi_cmd_bhs(c, b, flags, edtl, cdb, cdblen, itt);
	c->cmdsn++;
	(void)bi_send(c, b, data, dlen);
	return itt;
}

struct bi_status {
	uint8_t response, status;
	uint8_t sense_key, asc, ascq;
	uint32_t datain;	/* bytes of Data-In received */
};

/* Collect Data-In and the status of task `itt` (phase-collapsed or SCSI Response).
 * Other PDUs are a failure.  Returns NULL or the reason. */
static const char *bi_wait_status(struct bi_conn *c, uint32_t itt, struct bi_status *st)
{
	memset(st, 0, sizeof *st);
	for (;;) {
		struct bi_pdu p;
		enum bi_rx r = bi_recv_next(c, &p, BI_WAIT_MS);

		if (r != BI_RX_PDU)
			return bi_why("waiting for the status of ITT %08x: %s", itt, bi_rx_what(r));
		if (wire_be32(p.bhs + BHS_ITT) != itt ||
		    (bi_op(&p) != ISCSI_OP_DATA_IN && bi_op(&p) != ISCSI_OP_SCSI_RSP)) {
			const char *d = bi_describe(&p);

			bi_pdu_free(&p);
			return bi_why("waiting for the status of ITT %08x, got %s", itt, d);
		}
		if (bi_op(&p) == ISCSI_OP_DATA_IN) {
			st->datain += p.dlen;
			if (p.bhs[BHS_FLAGS] & ISCSI_DATAIN_S) {
				st->status = p.bhs[BHS_B3];
				bi_pdu_free(&p);
				return NULL;
			}
			bi_pdu_free(&p);
			continue;
		}
		st->response = p.bhs[BHS_B2];
		st->status = p.bhs[BHS_B3];
		if (p.dlen >= 2 + 14 && wire_be16(p.data) >= 14) {
			const uint8_t *s = p.data + 2;

			if ((s[0] & 0x7f) == 0x70 || (s[0] & 0x7f) == 0x71) {
				st->sense_key = s[2] & 0x0f;
				st->asc = s[12];
				st->ascq = s[13];
			} else if ((s[0] & 0x7f) == 0x72 || (s[0] & 0x7f) == 0x73) {
				st->sense_key = s[1] & 0x0f;
				st->asc = s[2];
				st->ascq = s[3];
			}
		} else if (p.dlen >= 2 + 8 && wire_be16(p.data) >= 4 &&
			   ((p.data[2] & 0x7f) == 0x72 || (p.data[2] & 0x7f) == 0x73)) {
			st->sense_key = p.data[3] & 0x0f;
			st->asc = p.data[4];
			st->ascq = p.data[5];
		}
		bi_pdu_free(&p);
		return NULL;
	}
}

/* TEST UNIT READY; with `ua_ok` one UNIT ATTENTION is consumed first. */
static const char *bi_tur(struct bi_conn *c, bool ua_ok)
{
	static const uint8_t cdb[6] = { SCSI_OP_TUR };
	struct bi_status st;

	for (int attempt = 0; attempt < 2; attempt++) {
		uint32_t itt = bi_cmd(c, ISCSI_F | ISCSI_ATTR_SIMPLE, 0, cdb, 6, NULL, 0);
		const char *err = bi_wait_status(c, itt, &st);

		if (err)
			return err;
		if (st.response == 0 && st.status == SCSI_GOOD)
			return NULL;
		if (attempt == 0 && ua_ok && st.status == SCSI_CHECK_CONDITION &&
		    st.sense_key == SCSI_KEY_UNIT_ATTENTION)
			continue;
		return bi_why("TEST UNIT READY: response 0x%02x status 0x%02x sense %x/%02x/%02x",
			      st.response, st.status, st.sense_key, st.asc, st.ascq);
	}
	return NULL;
}

static const char *bi_inquiry(struct bi_conn *c)
{
	uint8_t cdb[6] = { SCSI_OP_INQUIRY, 0, 0, 0, 96, 0 };
	uint8_t b[BHS_LEN];
	uint32_t itt = c->itt++;
	uint8_t type = 0xff;

	bi_cmd_bhs(c, b, ISCSI_F | ISCSI_CMD_R | ISCSI_ATTR_SIMPLE, 96, cdb, 6, itt);
	c->cmdsn++;
	if (bi_send(c, b, NULL, 0) != 0)
		return "sending INQUIRY failed";
	for (;;) {
		struct bi_pdu p;
		enum bi_rx r = bi_recv_next(c, &p, BI_WAIT_MS);

		if (r != BI_RX_PDU)
			return bi_why("INQUIRY: %s", bi_rx_what(r));
		if (wire_be32(p.bhs + BHS_ITT) != itt) {
			const char *d = bi_describe(&p);

			bi_pdu_free(&p);
			return bi_why("INQUIRY: unexpected %s", d);
		}
		if (bi_op(&p) == ISCSI_OP_DATA_IN) {
			if (wire_be32(p.bhs + BHS_OFFSET) == 0 && p.dlen > 0)
				type = p.data[0];
			if (p.bhs[1] & ISCSI_DATAIN_S) {
				uint8_t status = p.bhs[3];

				bi_pdu_free(&p);
				if (status != SCSI_GOOD)
					return bi_why("INQUIRY status 0x%02x", status);
				break;
			}
			bi_pdu_free(&p);
			continue;
		}
		if (bi_op(&p) == ISCSI_OP_SCSI_RSP) {
			uint8_t status = p.bhs[3], resp = p.bhs[2];

			bi_pdu_free(&p);
			if (resp != 0 || status != SCSI_GOOD)
				return bi_why("INQUIRY response 0x%02x status 0x%02x", resp, status);
			break;
		}
		{
			const char *d = bi_describe(&p);

			bi_pdu_free(&p);
			return bi_why("INQUIRY: unexpected %s", d);
		}
	}
	if (type != SCSI_PERIPH_MMC)
		return bi_why("INQUIRY: peripheral byte 0x%02x, expected 0x05", type);
	return NULL;
}

/* NOP-Out ping (I=0, consumes a CmdSN) with 8 bytes; the NOP-In must echo them. */
static const char *bi_ping(struct bi_conn *c)
{
	static const uint8_t ping[8] = { 'b', 'u', 'r', 'n', 'l', 'a', 'b', '!' };
	uint8_t b[BHS_LEN] = { 0 };
	uint32_t itt = c->itt++;
	struct bi_pdu p;
	enum bi_rx r;

	b[0] = ISCSI_OP_NOP_OUT;
	b[1] = ISCSI_F;
	wire_put_be32(b + BHS_ITT, itt);
	wire_put_be32(b + BHS_TTT, BI_NO_TAG);
	wire_put_be32(b + BHS_CMDSN, c->cmdsn++);
	wire_put_be32(b + BHS_EXPSTATSN, c->expstatsn);
	if (bi_send(c, b, ping, sizeof ping) != 0)
		return "sending a NOP-Out ping failed";
	r = bi_recv_next(c, &p, BI_WAIT_MS);
	if (r != BI_RX_PDU)
		return bi_why("NOP-Out ping: %s", bi_rx_what(r));
	if (bi_op(&p) != ISCSI_OP_NOP_IN || wire_be32(p.bhs + BHS_ITT) != itt ||
	    wire_be32(p.bhs + BHS_TTT) != BI_NO_TAG || p.dlen != sizeof ping ||
	    memcmp(p.data, ping, sizeof ping) != 0) {
		const char *d = bi_describe(&p);

		bi_pdu_free(&p);
		return bi_why("NOP-Out ping: expected NOP-In ITT %08x with the 8 ping bytes, got %s",
			      itt, d);
	}
	bi_pdu_free(&p);
	return NULL;
}

/* Connect, log in, and consume the initial UNIT ATTENTION. */
static const char *bi_session(struct bi_conn *c, unsigned flags)
{
	const char *err;

	if (bi_connect(c) != 0)
		return bi_why("cannot connect to %s:%s: %s", bi_host, bi_port, strerror(errno));
	err = bi_login(c, flags);
	if (err == NULL && !(flags & BI_LOGIN_DISCOVERY))
		err = bi_tur(c, true);
	return err;
}

/* Expect a Reject whose reason is one of `reasons` (0-terminated) carrying the
 * rejected BHS; afterwards the next CmdSN follows the Reject's ExpCmdSN. */
static const char *bi_expect_reject(struct bi_conn *c, const uint8_t *sent, const uint8_t *reasons,
				    struct bi_pdu *first)
{
	struct bi_pdu p;
	enum bi_rx r;
	bool ok = false;

	if (first != NULL) {
		p = *first;
	} else {
		r = bi_recv_next(c, &p, BI_WAIT_MS);
		if (r != BI_RX_PDU)
			return bi_why("expected a Reject, got: %s", bi_rx_what(r));
	}
	if (bi_op(&p) != ISCSI_OP_REJECT) {
		const char *d = bi_describe(&p);

		bi_pdu_free(&p);
		return bi_why("expected a Reject, got %s", d);
	}
	for (const uint8_t *q = reasons; *q; q++)
		if (p.bhs[BHS_B2] == *q)
			ok = true;
	if (!ok) {
		char want[64] = "";

		for (const uint8_t *q = reasons; *q; q++)
			snprintf(want + strlen(want), sizeof want - strlen(want), "%s0x%02x",
				 q == reasons ? "" : "/", *q);
		bi_pdu_free(&p);
		return bi_why("Reject reason 0x%02x, expected %s", p.bhs[BHS_B2], want);
	}
	if (p.bhs[BHS_FLAGS] != ISCSI_F || wire_be32(p.bhs + BHS_ITT) != BI_NO_TAG) {
		bi_pdu_free(&p);
		return bi_why("Reject: flags 0x%02x ITT %08x, expected 0x80 / ffffffff",
			      p.bhs[BHS_FLAGS], wire_be32(p.bhs + BHS_ITT));
	}
	if (p.dlen < BHS_LEN || memcmp(p.data, sent, BHS_LEN) != 0) {
		char hex[3 * 48 + 1] = "", want[3 * 48 + 1] = "";
		uint32_t dlen = p.dlen;

		for (uint32_t i = 0; i < dlen && i < 48; i++)
			snprintf(hex + 3 * i, 4, "%02x ", p.data[i]);
		for (uint32_t i = 0; i < 48; i++)
			snprintf(want + 3 * i, 4, "%02x ", sent[i]);
		bi_pdu_free(&p);
		return bi_why("Reject data is not the rejected BHS (DSL %u): got %s; sent %s", dlen,
			      hex, want);
	}
	bi_pdu_free(&p);
	/* Whether a rejected command consumed its CmdSN is the target's call; follow it. */
	c->cmdsn = c->expcmdsn;
	return NULL;
}

/* Expect the connection to be closed within BI_WAIT_MS.  PDUs that arrive first are
 * a failure unless `allow_op` (e.g. a Reject or Login Response) says otherwise; the
 * first such PDU is described in *seen (may be NULL). */
static const char *bi_expect_close(struct bi_conn *c, int allow_op, char *seen, size_t seenlen)
{
	for (int n = 0; n < 64; n++) {
		struct bi_pdu p;
		enum bi_rx r = bi_recv(c, &p, BI_WAIT_MS);

		if (r == BI_RX_EOF)
			return NULL;
		if (r == BI_RX_TIMEOUT)
			return "the connection stayed open (no close within 5 s)";
		if (r == BI_RX_ERROR)
			return bi_why("while waiting for the close: %s", bi_rx_err);
		if (seen && seen[0] == 0)
			snprintf(seen, seenlen, "%s", bi_describe(&p));
		if (bi_op(&p) != allow_op) {
			const char *d = bi_describe(&p);

			bi_pdu_free(&p);
			return bi_why("expected the connection to close, got %s", d);
		}
		bi_pdu_free(&p);
	}
	return "endless PDUs instead of a close";
}

/* Expect no PDU at all for BI_SILENCE_MS. */
static const char *bi_expect_silence(struct bi_conn *c)
{
	struct bi_pdu p;
	enum bi_rx r = bi_recv_next(c, &p, BI_SILENCE_MS);

	if (r == BI_RX_TIMEOUT)
		return NULL;
	if (r == BI_RX_PDU) {
		const char *d = bi_describe(&p);

		bi_pdu_free(&p);
		return bi_why("expected no answer (silent drop), got %s", d);
	}
	return bi_why("expected no answer (silent drop), got: %s", bi_rx_what(r));
}

/* After a Reject the connection must still be in step: a ping works. */
static const char *bi_then_ping(struct bi_conn *c, const char *err)
{
	if (err)
		return err;
	err = bi_ping(c);
	return err ? bi_why("after the answer the connection is out of step: %s", err) : NULL;
}

/* Start a write-direction task of `edtl` bytes without data (W=1, F=1) and wait for
 * its first R2T.  The task then stays active until we send its Data-Out. */
struct bi_wtask {
	uint32_t itt, ttt, offset, len;
	uint8_t lun[8];
};

static const char *bi_open_write(struct bi_conn *c, uint8_t op, uint32_t edtl, struct bi_wtask *w)
{
	uint8_t cdb[16];
	struct bi_pdu p;
	enum bi_rx r;

	bi_cdb_rw10(cdb, op, 0, (uint16_t)(edtl / BI_BLOCK));
	w->itt = bi_cmd(c, ISCSI_F | ISCSI_CMD_W | ISCSI_ATTR_SIMPLE, edtl, cdb, 10, NULL, 0);
	r = bi_recv_next(c, &p, BI_WAIT_MS);
	if (r != BI_RX_PDU)
		return bi_why("%s with W=1 and no immediate data: expected an R2T: %s",
			      op == SCSI_OP_WRITE10 ? "WRITE(10)" : "READ(10)", bi_rx_what(r));
	if (bi_op(&p) != ISCSI_OP_R2T || wire_be32(p.bhs + BHS_ITT) != w->itt) {
		const char *d = bi_describe(&p);

		bi_pdu_free(&p);
		return bi_why("%s with W=1 and no immediate data: expected an R2T, got %s "
			      "(the case needs a task waiting for data)",
			      op == SCSI_OP_WRITE10 ? "WRITE(10)" : "READ(10)", d);
	}
	w->ttt = wire_be32(p.bhs + BHS_TTT);
	w->offset = wire_be32(p.bhs + BHS_OFFSET);
	w->len = wire_be32(p.bhs + BHS_R2T_LEN);
	memcpy(w->lun, p.bhs + BHS_LUN, 8);
	bi_pdu_free(&p);
	if (w->ttt == BI_NO_TAG || wire_be32(p.bhs + BHS_DATASN) != 0 || w->offset != 0 ||
	    w->len == 0 || w->len > edtl)
		return bi_why("R2T fields: TTT %08x R2TSN %u offset %u length %u (EDTL %u)",
			      w->ttt, wire_be32(p.bhs + BHS_DATASN), w->offset, w->len, edtl);
	return NULL;
}

static int bi_data_out(struct bi_conn *c, uint32_t itt, uint32_t ttt, const uint8_t *lun,
		       uint32_t datasn, uint32_t offset, const void *data, uint32_t len,
		       bool final, uint8_t *sent)
{
	uint8_t b[BHS_LEN] = { 0 };
	int rc;

	b[0] = ISCSI_OP_DATA_OUT;
	b[1] = final ? ISCSI_F : 0;
	if (lun)
		memcpy(b + BHS_LUN, lun, 8);
	wire_put_be32(b + BHS_ITT, itt);
	wire_put_be32(b + BHS_TTT, ttt);
	wire_put_be32(b + BHS_EXPSTATSN, c->expstatsn);
	wire_put_be32(b + BHS_DATASN, datasn);
	wire_put_be32(b + BHS_OFFSET, offset);
	rc = bi_send(c, b, data, len);
	if (sent)
		memcpy(sent, b, BHS_LEN);	/* as sent, DataSegmentLength filled in */
	return rc;
}

/* Answer an R2T correctly and collect the task's status. */
static const char *bi_finish_write(struct bi_conn *c, const struct bi_wtask *w, struct bi_status *st)
{
	uint8_t *buf = calloc(1, w->len);
	const char *err;

	if (buf == NULL)
		return "out of memory";
	(void)bi_data_out(c, w->itt, w->ttt, w->lun, 0, w->offset, buf, w->len, true, NULL);
	free(buf);
	err = bi_wait_status(c, w->itt, st);
	return err;
}

/* ----------------------------------------------------------------------------------
 * The cases.  Each returns NULL on pass or the reason. */

static const char *bc_truncated_bhs(void)
{
	struct bi_conn c;
	uint8_t b[BHS_LEN] = { ISCSI_OP_IMMEDIATE | ISCSI_OP_LOGIN_REQ, 0x87 };
	struct bi_pdu p;
	enum bi_rx r;

	if (bi_connect(&c) != 0)
		return "cannot connect";
	(void)bi_write(&c, b, 20);	/* 20 of 48 bytes, then nothing */
	r = bi_recv(&c, &p, 500);
	bi_close(&c);
	if (r == BI_RX_PDU) {
		bi_pdu_free(&p);
		return "the target answered a 20-byte fragment of a BHS";
	}
	return NULL;	/* a close or silence are both right; the health check does the rest */
}

static const char *bc_login_dsl_over_8192(void)
{
	struct bi_conn c;
	struct bi_text *t = calloc(1, sizeof *t);
	const char *err;
	char filler[256];

	if (t == NULL || bi_connect(&c) != 0) {
		free(t);
		return "cannot connect";
	}
	bi_login_keys(t, 0, NULL);
	memset(filler, 'a', sizeof filler - 1);
	filler[sizeof filler - 1] = 0;
	memcpy(filler, "X-org.burnlab.pad=", 18);
	while (t->len <= 8192)
		bi_text_add(t, filler);
	(void)bi_login_send(&c, ISCSI_LOGIN_T | 1 << 2 | 3, 0, 0, 0, t, NULL);
	free(t);
	/* Spec section 8: DSL > 8192 during login -> close the connection, no buffering. */
	err = bi_expect_close(&c, -1, NULL, 0);
	bi_close(&c);
	return err;
}

static const char *bc_ffp_dsl_over_mrdsl(void)
{
	struct bi_conn c;
	uint8_t b[BHS_LEN] = { 0 };
	const char *err = bi_session(&c, 0);
	uint8_t *data;
	uint32_t len;

	if (err)
		return err;
	if (c.t_mrdsl != 262144) {
		bi_close(&c);
		return bi_why("target declared MaxRecvDataSegmentLength=%u, want 262144", c.t_mrdsl);
	}
	len = c.t_mrdsl + 4;
	data = calloc(1, len);
	b[0] = ISCSI_OP_NOP_OUT;
	b[1] = ISCSI_F;
	wire_put_be32(b + BHS_ITT, c.itt++);
	wire_put_be32(b + BHS_TTT, BI_NO_TAG);
	wire_put_be32(b + BHS_CMDSN, c.cmdsn++);
	wire_put_be32(b + BHS_EXPSTATSN, c.expstatsn);
	(void)bi_send(&c, b, data, len);
	free(data);
	err = bi_expect_close(&c, -1, NULL, 0);
	bi_close(&c);
	return err;
}

static const char *bc_ffp_dsl_at_mrdsl(void)
{
	struct bi_conn c;
	uint8_t b[BHS_LEN] = { 0 };
	const char *err = bi_session(&c, 0);
	uint8_t *data;
	uint32_t len, itt;
	struct bi_pdu p;
	enum bi_rx r;

	if (err)
		return err;
	len = c.t_mrdsl;	/* exactly the declared limit: must be accepted */
	data = malloc(len);
	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 13 + (i >> 9));
	itt = c.itt++;
	b[0] = ISCSI_OP_NOP_OUT;
	b[1] = ISCSI_F;
	wire_put_be32(b + BHS_ITT, itt);
	wire_put_be32(b + BHS_TTT, BI_NO_TAG);
	wire_put_be32(b + BHS_CMDSN, c.cmdsn++);
	wire_put_be32(b + BHS_EXPSTATSN, c.expstatsn);
	(void)bi_send(&c, b, data, len);
	r = bi_recv_next(&c, &p, BI_WAIT_MS);
	if (r != BI_RX_PDU)
		err = bi_why("NOP-Out with %u bytes (= MRDSL): %s", len, bi_rx_what(r));
	else if (bi_op(&p) != ISCSI_OP_NOP_IN || wire_be32(p.bhs + BHS_ITT) != itt ||
		 p.dlen != len || memcmp(p.data, data, len) != 0)
		err = bi_why("NOP-Out with %u bytes (= MRDSL): expected the echo, got %s", len,
			     bi_describe(&p));
	if (r == BI_RX_PDU)
		bi_pdu_free(&p);
	free(data);
	bi_close(&c);
	return err;
}

static const char *bc_ahs_skip(void)
{
	struct bi_conn c;
	uint8_t pdu[BHS_LEN + 8];
	static const uint8_t cdb[6] = { SCSI_OP_TUR };
	const char *err = bi_session(&c, 0);
	struct bi_pdu p;
	enum bi_rx r;
	uint32_t itt;

	if (err)
		return err;
	/* TUR with a well-formed Bidirectional Read EDTL AHS (AHSLength 5, type 2). */
	itt = c.itt++;
	bi_cmd_bhs(&c, pdu, ISCSI_F | ISCSI_ATTR_SIMPLE, 0, cdb, 6, itt);
	c.cmdsn++;
	pdu[BHS_AHSLEN] = 2;
	memset(pdu + BHS_LEN, 0, 8);
	wire_put_be16(pdu + BHS_LEN, 5);
	pdu[BHS_LEN + 2] = 2;
	(void)bi_write(&c, pdu, sizeof pdu);
	/* Any answer for the TUR is fine (GOOD, CHECK CONDITION, Reject); the framing must
	 * stay intact: 8 AHS bytes skipped, then the next PDU parsed. */
	r = bi_recv_next(&c, &p, BI_WAIT_MS);
	if (r != BI_RX_PDU)
		err = bi_why("TUR with an 8-byte AHS: %s", bi_rx_what(r));
	else if (bi_op(&p) == ISCSI_OP_REJECT)
		err = bi_expect_reject(&c, pdu, (const uint8_t[]){ 0x04, 0x05, 0x09, 0 }, &p);
	else if (bi_op(&p) != ISCSI_OP_SCSI_RSP || wire_be32(p.bhs + BHS_ITT) != itt) {
		err = bi_why("TUR with an 8-byte AHS: got %s", bi_describe(&p));
		bi_pdu_free(&p);
	} else
		bi_pdu_free(&p);
	err = bi_then_ping(&c, err);
	bi_close(&c);
	return err;
}

static const char *bc_ahs_length_garbage(void)
{
	struct bi_conn c;
	uint8_t pdu[BHS_LEN + 1020];
	static const uint8_t cdb[6] = { SCSI_OP_TUR };
	const char *err = bi_session(&c, 0);
	struct bi_pdu p;
	enum bi_rx r;
	uint32_t itt;

	if (err)
		return err;
	/* TotalAHSLength 255 words; the first AHS claims 65535 bytes (far past the AHS
	 * area) with a reserved type.  The target must not read past the 1020 bytes. */
	itt = c.itt++;
	bi_cmd_bhs(&c, pdu, ISCSI_F | ISCSI_ATTR_SIMPLE, 0, cdb, 6, itt);
	c.cmdsn++;
	pdu[BHS_AHSLEN] = 255;
	for (size_t i = 0; i < 1020; i++)
		pdu[BHS_LEN + i] = (uint8_t)(0xa5 ^ i);
	wire_put_be16(pdu + BHS_LEN, 0xffff);
	pdu[BHS_LEN + 2] = 0x3f;
	(void)bi_write(&c, pdu, sizeof pdu);
	/* Right answers: Reject 0x04/0x09 (or 0x05), a close, or (a target that only skips
	 * AHS) the TUR's status; never silence, and the stream must stay in step. */
	r = bi_recv_next(&c, &p, BI_WAIT_MS);
	if (r == BI_RX_EOF) {
		bi_close(&c);
		return NULL;
	}
	if (r != BI_RX_PDU)
		err = bi_why("TUR with 1020 bytes of garbage AHS: %s", bi_rx_what(r));
	else if (bi_op(&p) == ISCSI_OP_REJECT)
		err = bi_expect_reject(&c, pdu, (const uint8_t[]){ 0x04, 0x05, 0x09, 0 }, &p);
	else if (bi_op(&p) != ISCSI_OP_SCSI_RSP || wire_be32(p.bhs + BHS_ITT) != itt) {
		err = bi_why("TUR with garbage AHS: got %s", bi_describe(&p));
		bi_pdu_free(&p);
	} else
		bi_pdu_free(&p);
	if (err == NULL) {
		err = bi_ping(&c);
		if (err && strstr(err, "connection closed"))
			err = NULL;	/* closing after the answer is acceptable */
		else if (err)
			err = bi_why("after the answer the connection is out of step: %s", err);
	}
	bi_close(&c);
	return err;
}

static const char *bi_reject_case(uint8_t opcode_byte, uint8_t flags, uint32_t dsl,
				  const uint8_t *reasons, bool close_ok, unsigned login_flags)
{
	struct bi_conn c;
	uint8_t b[BHS_LEN] = { 0 };
	const char *err = bi_session(&c, login_flags);
	uint8_t *data = NULL;
	struct bi_pdu p;
	enum bi_rx r;

	if (err)
		return err;
	b[0] = opcode_byte;
	b[1] = flags;
	wire_put_be32(b + BHS_ITT, c.itt++);
	wire_put_be32(b + BHS_TTT, BI_NO_TAG);
	wire_put_be32(b + BHS_CMDSN, c.cmdsn);
	wire_put_be32(b + BHS_EXPSTATSN, c.expstatsn);
	if (!(opcode_byte & ISCSI_OP_IMMEDIATE))
		c.cmdsn++;
	if (dsl) {
		data = malloc(dsl);
		for (uint32_t i = 0; i < dsl; i++)
			data[i] = (uint8_t)(0x5a + i);
	}
	wire_put_be24(b + BHS_DSL, dsl);
	(void)bi_send(&c, b, data, dsl);
	free(data);
	r = bi_recv_next(&c, &p, BI_WAIT_MS);
	if (r == BI_RX_EOF && close_ok) {
		bi_close(&c);
		return NULL;
	}
	if (r != BI_RX_PDU)
		err = bi_why("expected a Reject: %s", bi_rx_what(r));
	else
		err = bi_expect_reject(&c, b, reasons, &p);
	err = bi_then_ping(&c, err);
	bi_close(&c);
	return err;
}

static const char *bc_unknown_opcode(void)
{
	/* 0x0b is no initiator opcode; immediate, with a sane 100-byte data segment the
	 * target must consume (RFC 7143 §11.17: Reject 0x05, command not supported). */
	return bi_reject_case(ISCSI_OP_IMMEDIATE | 0x0b, ISCSI_F, 100,
			      (const uint8_t[]){ ISCSI_REJECT_NOT_SUPPORTED, 0 }, false, 0);
}

static const char *bc_vendor_opcode(void)
{
	return bi_reject_case(ISCSI_OP_IMMEDIATE | ISCSI_OP_VENDOR1, ISCSI_F, 16,
			      (const uint8_t[]){ ISCSI_REJECT_NOT_SUPPORTED, 0 }, false, 0);
}

static const char *bc_snack_erl0(void)
{
	/* Data/R2T SNACK (type 0) at ERL 0: Reject 0x04 (doc/iscsi-target.md, malformed PDUs). */
	return bi_reject_case(ISCSI_OP_SNACK, ISCSI_F | 0x00, 0,
			      (const uint8_t[]){ ISCSI_REJECT_PROTOCOL, 0 }, false, 0);
}

static const char *bc_non_login_before_login(void)
{
	struct bi_conn c;
	uint8_t b[BHS_LEN] = { 0 };
	const char *err;

	if (bi_connect(&c) != 0)
		return "cannot connect";
	b[0] = ISCSI_OP_IMMEDIATE | ISCSI_OP_NOP_OUT;
	b[1] = ISCSI_F;
	wire_put_be32(b + BHS_ITT, 1);
	wire_put_be32(b + BHS_TTT, BI_NO_TAG);
	(void)bi_send(&c, b, NULL, 0);
	/* Section 4: a non-Login PDU before login starts -> close immediately. */
	err = bi_expect_close(&c, -1, NULL, 0);
	bi_close(&c);
	return err;
}

static const char *bc_non_login_during_login(void)
{
	struct bi_conn c;
	struct bi_text t0 = { .len = 0 };
	struct bi_text *t = calloc(1, sizeof *t);
	uint8_t b[BHS_LEN] = { 0 };
	struct bi_pdu p;
	const char *err;

	if (t == NULL || bi_connect(&c) != 0) {
		free(t);
		return "cannot connect";
	}
	(void)t0;
	/* Security stage, T=0: the target must answer and stay in login. */
	bi_login_keys(t, BI_LOGIN_NO_OPKEYS, NULL);
	bi_text_add(t, "AuthMethod=None");
	(void)bi_login_send(&c, 0 << 2 | 1, 0, 0, 0, t, NULL);
	free(t);
	err = bi_login_recv(&c, &p);
	if (err) {
		bi_close(&c);
		return err;
	}
	if (bi_login_status(&p) != 0 || (p.bhs[1] & ISCSI_LOGIN_T)) {
		err = bi_why("CSG=0 T=0 login step: expected status 0 T=0, got %s keys '%s'",
			     bi_describe(&p), c.keys);
		bi_pdu_free(&p);
		bi_close(&c);
		return err;
	}
	bi_pdu_free(&p);
	/* Now a NOP-Out in the middle of the login. */
	b[0] = ISCSI_OP_IMMEDIATE | ISCSI_OP_NOP_OUT;
	b[1] = ISCSI_F;
	wire_put_be32(b + BHS_ITT, 0x0a0b0c0d);
	wire_put_be32(b + BHS_TTT, BI_NO_TAG);
	(void)bi_send(&c, b, NULL, 0);
	err = bi_login_recv(&c, &p);
	if (err) {
		bi_close(&c);
		return err;
	}
	if (bi_login_status(&p) != ISCSI_LOGIN_INVALID_DURING_LOGIN)
		err = bi_why("non-Login PDU during login: Login Response status 0x%04x, expected "
			     "0x020b", bi_login_status(&p));
	bi_pdu_free(&p);
	if (err == NULL)
		err = bi_expect_close(&c, -1, NULL, 0);
	bi_close(&c);
	return err;
}

static const char *bc_login_in_ffp(void)
{
	struct bi_conn c;
	struct bi_text *t = calloc(1, sizeof *t);
	const char *err = bi_session(&c, 0);
	uint8_t sent[BHS_LEN];
	struct bi_pdu p;
	enum bi_rx r;

	if (err || t == NULL) {
		free(t);
		return err ? err : "out of memory";
	}
	bi_login_keys(t, 0, NULL);
	(void)bi_login_send(&c, ISCSI_LOGIN_T | 1 << 2 | 3, 0, 0, 0, t, sent);
	free(t);
	/* Section 8: Reject 0x04 or 0x09, or close. */
	r = bi_recv_next(&c, &p, BI_WAIT_MS);
	if (r == BI_RX_EOF)
		err = NULL;
	else if (r != BI_RX_PDU)
		err = bi_why("Login Request in FFP: %s", bi_rx_what(r));
	else
		err = bi_then_ping(&c, bi_expect_reject(&c, sent,
				   (const uint8_t[]){ ISCSI_REJECT_PROTOCOL, ISCSI_REJECT_INVALID_FIELD, 0 },
				   &p));
	bi_close(&c);
	return err;
}

static const char *bc_itt_reuse(void)
{
	struct bi_conn c;
	static const uint8_t cdb[6] = { SCSI_OP_TUR };
	uint8_t b[BHS_LEN];
	struct bi_wtask w;
	struct bi_status st;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	err = bi_open_write(&c, SCSI_OP_WRITE10, BI_BLOCK, &w);
	if (err == NULL) {
		/* A TUR reusing the ITT of the WRITE that waits for its data. */
		bi_cmd_bhs(&c, b, ISCSI_F | ISCSI_ATTR_SIMPLE, 0, cdb, 6, w.itt);
		c.cmdsn++;
		(void)bi_send(&c, b, NULL, 0);
		err = bi_expect_reject(&c, b, (const uint8_t[]){ ISCSI_REJECT_INVALID_FIELD, 0 }, NULL);
	}
	if (err == NULL) {
		/* The original task must be unharmed: answer its R2T, get its status. */
		err = bi_finish_write(&c, &w, &st);
		if (err)
			err = bi_why("after the Reject, the WRITE with that ITT: %s", err);
	}
	bi_close(&c);
	return err;
}

static const char *bc_dataout_unknown_ttt(void)
{
	struct bi_conn c;
	uint8_t sent[BHS_LEN], buf[BI_BLOCK] = { 0 };
	struct bi_wtask w;
	struct bi_pdu p;
	enum bi_rx r;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	err = bi_open_write(&c, SCSI_OP_WRITE10, BI_BLOCK, &w);
	if (err) {
		bi_close(&c);
		return err;
	}
	(void)bi_data_out(&c, w.itt, w.ttt ^ 0x5a5a0000u, w.lun, 0, 0, buf, w.len, true, sent);
	r = bi_recv_next(&c, &p, BI_WAIT_MS);
	if (r == BI_RX_EOF) {
		bi_close(&c);
		return NULL;	/* close is allowed */
	}
	if (r != BI_RX_PDU) {
		bi_close(&c);
		return bi_why("Data-Out with an unknown TTT: %s", bi_rx_what(r));
	}
	err = bi_expect_reject(&c, sent, (const uint8_t[]){ ISCSI_REJECT_PROTOCOL,
			       ISCSI_REJECT_INVALID_FIELD, 0 }, &p);
	if (err == NULL) {
		/* Bring the task to an end with the right TTT; a target that failed it
		 * instead may answer that Data-Out with another Reject: skip those. */
		struct bi_status st;

		(void)bi_data_out(&c, w.itt, w.ttt, w.lun, 0, 0, buf, w.len, true, NULL);
		for (;;) {
			r = bi_recv_next(&c, &p, BI_WAIT_MS);
			if (r != BI_RX_PDU) {
				err = bi_why("after the Reject, the task never ended: %s", bi_rx_what(r));
				break;
			}
			if (bi_op(&p) == ISCSI_OP_REJECT) {
				bi_pdu_free(&p);
				continue;
			}
			if (bi_op(&p) != ISCSI_OP_SCSI_RSP || wire_be32(p.bhs + BHS_ITT) != w.itt)
				err = bi_why("after the Reject, expected the WRITE's SCSI Response, got %s",
					     bi_describe(&p));
			bi_pdu_free(&p);
			break;
		}
		(void)st;
	}
	bi_close(&c);
	return err;
}

static const char *bc_dataout_unknown_itt(void)
{
	struct bi_conn c;
	uint8_t sent[BHS_LEN], buf[512] = { 0 };
	struct bi_pdu p;
	enum bi_rx r;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	(void)bi_data_out(&c, 0x7777aaaa, 0x00001234, NULL, 0, 0, buf, sizeof buf, true, sent);
	r = bi_recv_next(&c, &p, BI_WAIT_MS);
	if (r == BI_RX_EOF)
		err = NULL;
	else if (r != BI_RX_PDU)
		err = bi_why("Data-Out for an unknown ITT: %s", bi_rx_what(r));
	else
		err = bi_then_ping(&c, bi_expect_reject(&c, sent,
				   (const uint8_t[]){ ISCSI_REJECT_PROTOCOL, ISCSI_REJECT_INVALID_FIELD, 0 },
				   &p));
	bi_close(&c);
	return err;
}

/* A Data-Out sequence fault (offset, DataSN, length) on a task that would otherwise
 * end GOOD: READ(10) with W=1 (the transport moves data per the W flag and the command
 * must end GOOD, as iscsi-test-cu iSCSIResiduals.Read10Invalid expects;
 * RFC 7143 §11.4.5).  Right answers (RFC 7143 §7 at ERL 0): close the connection, or
 * Reject 0x04 (0x09 taken too) carrying the BHS, which fails the command at the
 * initiator (libiscsi fails the task named by the rejected header, and treats a later
 * response for that ITT as fatal, so the target ends the task without one; doc/
 * iscsi-target.md "Data-Out errors").  Never: the task ending GOOD.  Afterwards the
 * correct Data-Out is sent anyway; it must not revive the task (no GOOD), and the
 * connection must stay in step. */
static const char *bi_dataout_fault(uint32_t datasn, uint32_t offset, uint32_t len)
{
	struct bi_conn c;
	uint8_t sent[BHS_LEN], *buf;
	struct bi_wtask w;
	struct bi_pdu p;
	enum bi_rx r;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	err = bi_open_write(&c, SCSI_OP_READ10, BI_BLOCK, &w);
	if (err) {
		bi_close(&c);
		return err;
	}
	buf = calloc(1, len + BI_BLOCK);
	(void)bi_data_out(&c, w.itt, w.ttt, w.lun, datasn, offset, buf, len, true, sent);
	r = bi_recv_next(&c, &p, BI_WAIT_MS);
	if (r == BI_RX_EOF) {
		free(buf);
		bi_close(&c);
		return NULL;	/* connection dropped: right */
	}
	if (r != BI_RX_PDU) {
		err = bi_why("after the faulty Data-Out: %s", bi_rx_what(r));
	} else if (bi_op(&p) == ISCSI_OP_SCSI_RSP && wire_be32(p.bhs + BHS_ITT) == w.itt) {
		/* Failing the command outright is also a failed write. */
		if (p.bhs[BHS_B2] == 0 && p.bhs[BHS_B3] == SCSI_GOOD)
			err = "the command ended GOOD despite the faulty Data-Out";
		bi_pdu_free(&p);
	} else if (bi_op(&p) == ISCSI_OP_REJECT) {
		err = bi_expect_reject(&c, sent, (const uint8_t[]){ ISCSI_REJECT_PROTOCOL,
				       ISCSI_REJECT_INVALID_FIELD, 0 }, &p);
		if (err == NULL) {
			/* The task is failed; late data for it must not complete it. */
			(void)bi_data_out(&c, w.itt, w.ttt, w.lun, 0, 0, buf, w.len, true, NULL);
			for (;;) {
				r = bi_recv_next(&c, &p, BI_SILENCE_MS);
				if (r == BI_RX_TIMEOUT)
					break;
				if (r == BI_RX_EOF) {
					free(buf);
					bi_close(&c);
					return NULL;
				}
				if (r != BI_RX_PDU) {
					err = bi_why("after the Reject: %s", bi_rx_what(r));
					break;
				}
				if (bi_op(&p) == ISCSI_OP_SCSI_RSP && wire_be32(p.bhs + BHS_ITT) == w.itt &&
				    p.bhs[BHS_B2] == 0 && p.bhs[BHS_B3] == SCSI_GOOD) {
					err = "the rejected task ended GOOD after the correct Data-Out was sent";
					bi_pdu_free(&p);
					break;
				}
				if (bi_op(&p) != ISCSI_OP_REJECT && bi_op(&p) != ISCSI_OP_SCSI_RSP) {
					err = bi_why("after the Reject: unexpected %s", bi_describe(&p));
					bi_pdu_free(&p);
					break;
				}
				bi_pdu_free(&p);
			}
		}
	} else {
		err = bi_why("after the faulty Data-Out: expected close or Reject, got %s",
			     bi_describe(&p));
		bi_pdu_free(&p);
	}
	free(buf);
	err = bi_then_ping(&c, err);
	bi_close(&c);
	return err;
}

static const char *bc_read10_w_bit(void)
{
	/* Positive control for the Data-Out fault cases (RFC 7143 §11.4.5): READ(10) with W=1,
	 * EDTL 2048, data solicited by R2T, must end GOOD. */
	struct bi_conn c;
	struct bi_wtask w;
	struct bi_status st;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	err = bi_open_write(&c, SCSI_OP_READ10, BI_BLOCK, &w);
	if (err == NULL && w.len != BI_BLOCK)
		err = bi_why("R2T desired length %u, expected %u", w.len, BI_BLOCK);
	if (err == NULL)
		err = bi_finish_write(&c, &w, &st);
	if (err == NULL && (st.response != 0 || st.status != SCSI_GOOD))
		err = bi_why("READ(10) with W=1: response 0x%02x status 0x%02x sense %x/%02x/%02x, "
			     "want GOOD (RFC 7143 §11.4.5)", st.response, st.status, st.sense_key, st.asc, st.ascq);
	if (err == NULL && st.datain != 0)
		err = bi_why("READ(10) with R=0: %u bytes of Data-In sent", st.datain);
	bi_close(&c);
	return err;
}

static const char *bc_dataout_bad_offset(void)
{
	return bi_dataout_fault(0, 4096, BI_BLOCK);
}

static const char *bc_dataout_bad_datasn(void)
{
	return bi_dataout_fault(5, 0, BI_BLOCK);
}

static const char *bc_dataout_too_long(void)
{
	return bi_dataout_fault(0, 0, 2 * BI_BLOCK);	/* more than the R2T asked for */
}

/* Login with one extra raw piece of text; expects a Login Response with a status in
 * [lo, hi] and then a close. */
static const char *bi_login_expect(const void *extra, size_t extra_len, unsigned flags,
				   uint8_t vmin, const char *target, uint16_t lo, uint16_t hi)
{
	struct bi_conn c;
	struct bi_text *t = calloc(1, sizeof *t);
	struct bi_pdu p;
	const char *err;
	uint16_t status;

	if (t == NULL || bi_connect(&c) != 0) {
		free(t);
		return "cannot connect";
	}
	bi_login_keys(t, flags, target);
	if (extra)
		bi_text_raw(t, extra, extra_len);
	(void)bi_login_send(&c, ISCSI_LOGIN_T | 1 << 2 | 3, vmin, vmin, 0, t, NULL);
	free(t);
	err = bi_login_recv(&c, &p);
	if (err) {
		bi_close(&c);
		return err;
	}
	status = bi_login_status(&p);
	bi_pdu_free(&p);
	if (status < lo || status > hi) {
		bi_close(&c);
		if (lo == hi)
			return bi_why("Login Response status 0x%04x, expected 0x%04x (keys '%s')",
				      status, lo, c.keys);
		return bi_why("Login Response status 0x%04x, expected 0x%04x-0x%04x (keys '%s')",
			      status, lo, hi, c.keys);
	}
	/* Any non-zero status ends the login and the target closes (section 4). */
	err = bi_expect_close(&c, -1, NULL, 0);
	bi_close(&c);
	return err;
}

#define BI_KV(s) s, sizeof(s)	/* with its NUL */

static const char *bc_text_no_equals(void)
{
	return bi_login_expect(BI_KV("ThisKeyHasNoEqualsSign"), 0, 0, NULL, 0x0200, 0x02ff);
}

static const char *bc_text_key_too_long(void)
{
	char kv[80];

	memset(kv, 'K', 64);	/* 64-byte key: one over the limit */
	memcpy(kv, "X-", 2);
	strcpy(kv + 64, "=1");
	return bi_login_expect(kv, strlen(kv) + 1, 0, 0, NULL, 0x0200, 0x02ff);
}

static const char *bc_text_value_too_long(void)
{
	char kv[300];

	strcpy(kv, "InitiatorAlias=");
	memset(kv + 15, 'v', 256);	/* 256-byte value: one over the limit */
	kv[15 + 256] = 0;
	return bi_login_expect(kv, strlen(kv) + 1, 0, 0, NULL, 0x0200, 0x02ff);
}

static const char *bc_text_unterminated(void)
{
	static const char kv[] = "InitiatorAlias=no-terminating-nul";

	return bi_login_expect(kv, sizeof kv - 1, 0, 0, NULL, 0x0200, 0x02ff);
}

static const char *bc_text_binary_junk(void)
{
	uint8_t junk[200];
	uint32_t x = 0x12345678;

	for (size_t i = 0; i < sizeof junk; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (uint8_t)(x >> 16) | 0x80;	/* high bytes, no NUL, no '=' */
	}
	junk[60] = '=';
	junk[sizeof junk - 1] = 0;
	return bi_login_expect(junk, sizeof junk, 0, 0, NULL, 0x0200, 0x02ff);
}

/* Out-of-range numeric value: a login failure 0x02xx, or success with `key=Reject`. */
static const char *bi_numeric_case(const char *kv)
{
	struct bi_conn c;
	struct bi_text *t = calloc(1, sizeof *t);
	struct bi_pdu p;
	const char *err, *v;
	char key[64];
	uint16_t status;

	if (t == NULL || bi_connect(&c) != 0) {
		free(t);
		return "cannot connect";
	}
	snprintf(key, sizeof key, "%.*s", (int)strcspn(kv, "="), kv);
	bi_login_keys(t, BI_LOGIN_NO_OPKEYS, NULL);
	bi_text_add(t, kv);
	(void)bi_login_send(&c, ISCSI_LOGIN_T | 1 << 2 | 3, 0, 0, 0, t, NULL);
	free(t);
	err = bi_login_recv(&c, &p);
	if (err) {
		bi_close(&c);
		return err;
	}
	status = bi_login_status(&p);
	bi_pdu_free(&p);
	if ((status >> 8) == 0x02) {
		err = bi_expect_close(&c, -1, NULL, 0);
	} else if (status != 0) {
		err = bi_why("%s: Login Response status 0x%04x, expected 0x02xx or %s=Reject",
			     kv, status, key);
	} else {
		v = bi_key(&c, key);
		if (v == NULL || strcmp(v, "Reject") != 0)
			err = bi_why("%s accepted: answer %s=%s, expected %s=Reject or status 0x0200",
				     kv, key, v ? v : "(none)", key);
	}
	bi_close(&c);
	return err;
}

static const char *bc_maxburst_zero(void)
{
	return bi_numeric_case("MaxBurstLength=0");
}

static const char *bc_maxburst_huge(void)
{
	return bi_numeric_case("MaxBurstLength=99999999999");
}

static const char *bc_mrdsl_garbage(void)
{
	return bi_numeric_case("MaxRecvDataSegmentLength=12abc");
}

static const char *bc_version_min(void)
{
	return bi_login_expect(NULL, 0, 0, 1, NULL, ISCSI_LOGIN_VERSION, ISCSI_LOGIN_VERSION);
}

static const char *bc_missing_initiator_name(void)
{
	return bi_login_expect(NULL, 0, BI_LOGIN_NO_INAME, 0, NULL, ISCSI_LOGIN_MISSING_PARAM,
			       ISCSI_LOGIN_MISSING_PARAM);
}

static const char *bc_missing_target_name(void)
{
	return bi_login_expect(NULL, 0, BI_LOGIN_NO_TNAME, 0, NULL, ISCSI_LOGIN_MISSING_PARAM,
			       ISCSI_LOGIN_MISSING_PARAM);
}

static const char *bc_unknown_target(void)
{
	return bi_login_expect(NULL, 0, 0, 0, "iqn.2026-01.org.burnlab:no-such-target",
			       ISCSI_LOGIN_NOT_FOUND, ISCSI_LOGIN_NOT_FOUND);
}

static const char *bc_session_type_bogus(void)
{
	struct bi_conn c;
	struct bi_text *t = calloc(1, sizeof *t);
	char kv[300];
	struct bi_pdu p;
	const char *err;

	if (t == NULL || bi_connect(&c) != 0) {
		free(t);
		return "cannot connect";
	}
	bi_text_add(t, "InitiatorName=" BI_INITIATOR);
	snprintf(kv, sizeof kv, "TargetName=%s", bi_target);
	bi_text_add(t, kv);
	bi_text_add(t, "SessionType=Bogus");
	(void)bi_login_send(&c, ISCSI_LOGIN_T | 1 << 2 | 3, 0, 0, 0, t, NULL);
	free(t);
	err = bi_login_recv(&c, &p);
	if (err) {
		bi_close(&c);
		return err;
	}
	if (bi_login_status(&p) != ISCSI_LOGIN_SESSION_TYPE)
		err = bi_why("SessionType=Bogus: status 0x%04x, expected 0x0209", bi_login_status(&p));
	bi_pdu_free(&p);
	if (err == NULL)
		err = bi_expect_close(&c, -1, NULL, 0);
	bi_close(&c);
	return err;
}

static const char *bc_login_continuation_flood(void)
{
	/* C=1 Login PDUs of 4 KiB each: the target caps login at 16 PDUs / 64 KiB text
	 * (section 4), so it must fail the login (status class 2 or 3) or close before
	 * we have sent 40 of them. */
	struct bi_conn c;
	struct bi_text *t = calloc(1, sizeof *t);
	struct bi_pdu p;
	const char *err = NULL;
	int i;

	if (t == NULL || bi_connect(&c) != 0) {
		free(t);
		return "cannot connect";
	}
	memset(t->buf, 'x', 4096);
	memcpy(t->buf, "X-org.burnlab.pad", 17);	/* one pair spanning the PDUs */
	t->len = 4096;
	for (i = 0; i < 40; i++) {
		enum bi_rx r;

		if (bi_login_send(&c, ISCSI_LOGIN_C | 1 << 2 | 3, 0, 0, 0, t, NULL) != 0)
			break;	/* the target closed on us: fine */
		r = bi_recv(&c, &p, BI_WAIT_MS);
		if (r == BI_RX_EOF)
			break;
		if (r != BI_RX_PDU) {
			err = bi_why("login PDU %d with C=1: %s", i + 1, bi_rx_what(r));
			break;
		}
		if (bi_op(&p) != ISCSI_OP_LOGIN_RSP) {
			err = bi_why("login PDU %d with C=1: got %s", i + 1, bi_describe(&p));
			bi_pdu_free(&p);
			break;
		}
		if (bi_login_status(&p) != 0) {
			uint16_t s = bi_login_status(&p);

			bi_pdu_free(&p);
			if ((s >> 8) != 2 && (s >> 8) != 3)
				err = bi_why("login flood: status 0x%04x", s);
			else
				err = bi_expect_close(&c, -1, NULL, 0);
			break;
		}
		bi_pdu_free(&p);
	}
	if (err == NULL && i == 40)
		err = "40 Login PDUs (160 KiB of text) with C=1 accepted: no cap";
	free(t);
	bi_close(&c);
	return err;
}

static const char *bc_scsi_in_discovery(void)
{
	struct bi_conn c;
	static const uint8_t cdb[6] = { SCSI_OP_TUR };
	uint8_t b[BHS_LEN];
	const char *err = bi_session(&c, BI_LOGIN_DISCOVERY);

	if (err)
		return err;
	bi_cmd_bhs(&c, b, ISCSI_F | ISCSI_ATTR_SIMPLE, 0, cdb, 6, c.itt++);
	c.cmdsn++;
	(void)bi_send(&c, b, NULL, 0);
	err = bi_then_ping(&c, bi_expect_reject(&c, b,
			   (const uint8_t[]){ ISCSI_REJECT_NOT_SUPPORTED, 0 }, NULL));
	bi_close(&c);
	return err;
}

static const char *bi_cmdsn_case(int32_t delta)
{
	struct bi_conn c;
	static const uint8_t cdb[6] = { SCSI_OP_TUR };
	uint8_t b[BHS_LEN];
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	bi_cmd_bhs(&c, b, ISCSI_F | ISCSI_ATTR_SIMPLE, 0, cdb, 6, c.itt++);
	wire_put_be32(b + BHS_CMDSN, c.cmdsn + (uint32_t)delta);
	(void)bi_send(&c, b, NULL, 0);
	/* Section 7.1: silently dropped; the next correct command works. */
	err = bi_expect_silence(&c);
	if (err == NULL) {
		err = bi_tur(&c, false);
		if (err)
			err = bi_why("after the dropped command: %s", err);
	}
	bi_close(&c);
	return err;
}

static const char *bc_cmdsn_far_above(void)
{
	return bi_cmdsn_case(0x40000000);
}

static const char *bc_cmdsn_above_window(void)
{
	return bi_cmdsn_case(32);	/* MaxCmdSN + 1 for a window of 32 */
}

static const char *bc_cmdsn_below(void)
{
	return bi_cmdsn_case(-1);	/* ExpCmdSN - 1: an old duplicate */
}

static const char *bc_edtl_over_16mib(void)
{
	struct bi_conn c;
	uint8_t cdb[16];
	struct bi_status st;
	uint32_t itt;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	/* READ(10) of 1 block, EDTL 16 MiB + 2048: section 8 says CHECK CONDITION
	 * ILLEGAL REQUEST 24/00. */
	bi_cdb_rw10(cdb, SCSI_OP_READ10, 0, 1);
	itt = bi_cmd(&c, ISCSI_F | ISCSI_CMD_R | ISCSI_ATTR_SIMPLE, 16 * 1048576 + BI_BLOCK,
		     cdb, 10, NULL, 0);
	err = bi_wait_status(&c, itt, &st);
	if (err == NULL && (st.response != 0 || st.status != SCSI_CHECK_CONDITION ||
			    st.sense_key != SCSI_KEY_ILLEGAL_REQUEST || st.asc != 0x24 || st.ascq != 0))
		err = bi_why("EDTL 16 MiB + 2 KiB: response 0x%02x status 0x%02x sense %x/%02x/%02x, "
			     "expected CHECK CONDITION 5/24/00", st.response, st.status,
			     st.sense_key, st.asc, st.ascq);
	if (err == NULL)
		err = bi_tur(&c, false);
	bi_close(&c);
	return err;
}

static const char *bc_edtl_over_16mib_write(void)
{
	struct bi_conn c;
	uint8_t cdb[16];
	struct bi_status st;
	uint32_t itt;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	/* WRITE(10) W=1 F=1 without data, EDTL 64 MiB: no R2T, CHECK CONDITION 5/24/00. */
	bi_cdb_rw10(cdb, SCSI_OP_WRITE10, 0, 32768);
	itt = bi_cmd(&c, ISCSI_F | ISCSI_CMD_W | ISCSI_ATTR_SIMPLE, 64u * 1048576, cdb, 10, NULL, 0);
	err = bi_wait_status(&c, itt, &st);
	if (err == NULL && (st.response != 0 || st.status != SCSI_CHECK_CONDITION ||
			    st.sense_key != SCSI_KEY_ILLEGAL_REQUEST || st.asc != 0x24 || st.ascq != 0))
		err = bi_why("write EDTL 64 MiB: response 0x%02x status 0x%02x sense %x/%02x/%02x, "
			     "expected CHECK CONDITION 5/24/00", st.response, st.status,
			     st.sense_key, st.asc, st.ascq);
	if (err == NULL)
		err = bi_tur(&c, false);
	bi_close(&c);
	return err;
}

static const char *bc_w_f0_no_data(void)
{
	struct bi_conn c;
	static const uint8_t tur[6] = { SCSI_OP_TUR };
	uint8_t cdb[16], b[BHS_LEN];
	uint32_t itt, witt;
	bool sent_data = false, blocked = false;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	/* WRITE(10) 1 block, W=1, F=0 (unsolicited Data-Out announced) ... and nothing. */
	bi_cdb_rw10(cdb, SCSI_OP_WRITE10, 0, 1);
	witt = c.itt++;
	bi_cmd_bhs(&c, b, ISCSI_CMD_W | ISCSI_ATTR_SIMPLE, BI_BLOCK, cdb, 10, witt);
	c.cmdsn++;
	(void)bi_send(&c, b, NULL, 0);
	/* Then a good command: it must be answered (the half-sent write may not block
	 * the session), unless the target refused the F=0 command outright. */
	itt = bi_cmd(&c, ISCSI_F | ISCSI_ATTR_SIMPLE, 0, tur, 6, NULL, 0);
	for (;;) {
		struct bi_pdu p;
		enum bi_rx r = bi_recv_next(&c, &p, BI_WAIT_MS);

		if (r == BI_RX_EOF) {
			err = NULL;	/* closed on the bad command: acceptable */
			break;
		}
		if (r == BI_RX_TIMEOUT && !sent_data) {
			/* Diagnose: does the TUR complete once the write has its data? */
			uint8_t buf[BI_BLOCK] = { 0 };

			(void)bi_data_out(&c, witt, BI_NO_TAG, NULL, 0, 0, buf, BI_BLOCK, true, NULL);
			sent_data = true;
			blocked = true;
			continue;
		}
		if (r != BI_RX_PDU) {
			err = bi_why("TUR after a W=1 F=0 command without data: %s%s", bi_rx_what(r),
				     blocked ? " (not even after the write's Data-Out was sent)" : "");
			break;
		}
		if (bi_op(&p) == ISCSI_OP_REJECT || bi_op(&p) == ISCSI_OP_R2T ||
		    (bi_op(&p) == ISCSI_OP_SCSI_RSP && wire_be32(p.bhs + BHS_ITT) != itt)) {
			bi_pdu_free(&p);	/* answers about the write */
			continue;
		}
		if (bi_op(&p) == ISCSI_OP_SCSI_RSP) {
			/* Any status will do (GOOD, or NOT READY while busy); the
			 * point is that the session is not stuck behind the write. */
			if (p.bhs[BHS_B2] != 0)
				err = bi_why("TUR: response 0x%02x", p.bhs[BHS_B2]);
			else if (blocked)
				/* Accepted: doc/iscsi-target.md "execution order" runs a LUN's
				 * tasks in CmdSN order once their data is complete, so the TUR
				 * waits for the write; it must then complete at once. */
				fprintf(stderr, "# w-f0-no-data: the TUR waited for the WRITE's "
					"unsolicited data (CmdSN-ordered execution), answered once it came\n");
			bi_pdu_free(&p);
			break;
		}
		err = bi_why("TUR after a W=1 F=0 command: got %s", bi_describe(&p));
		bi_pdu_free(&p);
		break;
	}
	bi_close(&c);
	return err;
}

static const char *bc_f0_without_w(void)
{
	/* Section 8: F=0 with W=0 is impossible -> Reject 0x04/0x09 or close. */
	struct bi_conn c;
	static const uint8_t cdb[6] = { SCSI_OP_TUR };
	uint8_t b[BHS_LEN];
	struct bi_pdu p;
	enum bi_rx r;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	bi_cmd_bhs(&c, b, ISCSI_ATTR_SIMPLE, 0, cdb, 6, c.itt++);
	c.cmdsn++;
	(void)bi_send(&c, b, NULL, 0);
	r = bi_recv_next(&c, &p, BI_WAIT_MS);
	if (r == BI_RX_EOF)
		err = NULL;
	else if (r != BI_RX_PDU)
		err = bi_why("SCSI Command F=0 W=0: %s", bi_rx_what(r));
	else
		err = bi_then_ping(&c, bi_expect_reject(&c, b,
				   (const uint8_t[]){ ISCSI_REJECT_PROTOCOL, ISCSI_REJECT_INVALID_FIELD, 0 },
				   &p));
	bi_close(&c);
	return err;
}

static const char *bc_data_without_w(void)
{
	/* Section 8: immediate data with W=0 -> Reject 0x04/0x09 or close. */
	struct bi_conn c;
	static const uint8_t cdb[6] = { SCSI_OP_TUR };
	uint8_t b[BHS_LEN], data[512] = { 1, 2, 3 };
	struct bi_pdu p;
	enum bi_rx r;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	bi_cmd_bhs(&c, b, ISCSI_F | ISCSI_ATTR_SIMPLE, 0, cdb, 6, c.itt++);
	c.cmdsn++;
	(void)bi_send(&c, b, data, sizeof data);
	r = bi_recv_next(&c, &p, BI_WAIT_MS);
	if (r == BI_RX_EOF)
		err = NULL;
	else if (r != BI_RX_PDU)
		err = bi_why("TUR with 512 bytes of data and W=0: %s", bi_rx_what(r));
	else
		err = bi_then_ping(&c, bi_expect_reject(&c, b,
				   (const uint8_t[]){ ISCSI_REJECT_PROTOCOL, ISCSI_REJECT_INVALID_FIELD, 0 },
				   &p));
	bi_close(&c);
	return err;
}

static const char *bc_nop_ffff_immediate(void)
{
	/* NOP-Out with ITT ffffffff, I=1: never answered (7.7); the connection goes on. */
	struct bi_conn c;
	uint8_t b[BHS_LEN] = { 0 };
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	b[0] = ISCSI_OP_IMMEDIATE | ISCSI_OP_NOP_OUT;
	b[1] = ISCSI_F;
	wire_put_be32(b + BHS_ITT, BI_NO_TAG);
	wire_put_be32(b + BHS_TTT, BI_NO_TAG);
	wire_put_be32(b + BHS_CMDSN, c.cmdsn);
	wire_put_be32(b + BHS_EXPSTATSN, c.expstatsn);
	(void)bi_send(&c, b, NULL, 0);
	err = bi_expect_silence(&c);
	if (err == NULL)
		err = bi_ping(&c);
	bi_close(&c);
	return err;
}

static const char *bc_command_flood(void)
{
	/* 1000 TURs back to back, far beyond the window of 32.  Commands above MaxCmdSN
	 * are dropped silently; every answer must be well-formed (StatSN contiguous,
	 * MaxCmdSN never going back, window <= 32) and the session must go on. */
	enum { N = 1000 };
	struct bi_conn c;
	static const uint8_t cdb[6] = { SCSI_OP_TUR };
	uint8_t *all = malloc(N * BHS_LEN);
	uint32_t first_itt, statsn_prev = 0, maxcmdsn_prev;
	unsigned answered = 0;
	bool have_statsn = false;
	const char *err = bi_session(&c, 0);

	if (err || all == NULL) {
		free(all);
		return err ? err : "out of memory";
	}
	first_itt = c.itt;
	maxcmdsn_prev = c.maxcmdsn;
	for (int i = 0; i < N; i++)
		bi_cmd_bhs(&c, all + i * BHS_LEN, ISCSI_F | ISCSI_ATTR_SIMPLE, 0, cdb, 6, c.itt++),
		wire_put_be32(all + i * BHS_LEN + BHS_CMDSN, c.cmdsn++);
	if (bi_write(&c, all, N * BHS_LEN) != 0) {
		free(all);
		bi_close(&c);
		return "the target stopped reading during the flood";
	}
	free(all);
	for (;;) {
		struct bi_pdu p;
		enum bi_rx r = bi_recv_next(&c, &p, BI_SILENCE_MS);
		uint32_t itt;

		if (r == BI_RX_TIMEOUT)
			break;
		if (r != BI_RX_PDU) {
			bi_close(&c);
			return bi_why("during the flood (after %u answers): %s", answered, bi_rx_what(r));
		}
		itt = wire_be32(p.bhs + BHS_ITT);
		if (bi_op(&p) == ISCSI_OP_NOP_IN && itt == BI_NO_TAG) {
			bi_pdu_free(&p);	/* window refresh */
			continue;
		}
		if (bi_op(&p) != ISCSI_OP_SCSI_RSP || itt - first_itt >= N) {
			err = bi_why("during the flood: unexpected %s", bi_describe(&p));
			bi_pdu_free(&p);
			break;
		}
		if (p.bhs[BHS_B3] != SCSI_GOOD && p.bhs[BHS_B3] != 0x08 && p.bhs[BHS_B3] != 0x28) {
			err = bi_why("flood TUR ITT %08x: status 0x%02x", itt, p.bhs[BHS_B3]);
			bi_pdu_free(&p);
			break;
		}
		if (have_statsn && wire_be32(p.bhs + BHS_STATSN) != statsn_prev + 1) {
			err = bi_why("StatSN jumped from %u to %u", statsn_prev,
				     wire_be32(p.bhs + BHS_STATSN));
			bi_pdu_free(&p);
			break;
		}
		statsn_prev = wire_be32(p.bhs + BHS_STATSN);
		have_statsn = true;
		if ((int32_t)(c.maxcmdsn - maxcmdsn_prev) < 0) {
			err = bi_why("MaxCmdSN went back from %u to %u", maxcmdsn_prev, c.maxcmdsn);
			bi_pdu_free(&p);
			break;
		}
		maxcmdsn_prev = c.maxcmdsn;
		if ((int32_t)(c.maxcmdsn - c.expcmdsn) + 1 > 32) {
			err = bi_why("window %d > 32 (ExpCmdSN %u MaxCmdSN %u)",
				     (int32_t)(c.maxcmdsn - c.expcmdsn) + 1, c.expcmdsn, c.maxcmdsn);
			bi_pdu_free(&p);
			break;
		}
		answered++;
		bi_pdu_free(&p);
	}
	if (err == NULL && answered < 32)
		err = bi_why("only %u of the first 32 (in-window) commands answered", answered);
	if (err == NULL) {
		/* Carry on from where the target says it is. */
		c.cmdsn = c.expcmdsn;
		err = bi_tur(&c, false);
		if (err)
			err = bi_why("after the flood (%u answered): %s", answered, err);
	}
	bi_close(&c);
	return err;
}

static const char *bc_connection_flood(void)
{
	/* 70 connections at once, each sending a leading Login Request.  Limits (64
	 * connections, 8 per initiator address) must kick in: every connection gets a
	 * Login Response (success, or a 0x02xx/0x03xx refusal) or is closed, within 5 s. */
	enum { N = 70 };
	struct bi_conn *cs = calloc(N, sizeof *cs);
	struct bi_text *t = calloc(1, sizeof *t);
	unsigned ok = 0, refused = 0, closed = 0, connfail = 0;
	const char *err = NULL;

	if (cs == NULL || t == NULL) {
		free(cs);
		free(t);
		return "out of memory";
	}
	bi_login_keys(t, 0, NULL);
	for (int i = 0; i < N; i++)
		if (bi_connect(&cs[i]) != 0)
			connfail++;
	for (int i = 0; i < N; i++)
		if (cs[i].fd >= 0)
			(void)bi_login_send(&cs[i], ISCSI_LOGIN_T | 1 << 2 | 3, 0, 0, 0, t, NULL);
	for (int i = 0; i < N && err == NULL; i++) {
		struct bi_pdu p;
		enum bi_rx r;

		if (cs[i].fd < 0)
			continue;
		r = bi_recv(&cs[i], &p, BI_WAIT_MS);
		if (r == BI_RX_EOF) {
			closed++;
		} else if (r != BI_RX_PDU) {
			err = bi_why("connection %d of %d: %s (a connection over the limit must be "
				     "refused or closed, not left hanging)", i + 1, N, bi_rx_what(r));
		} else if (bi_op(&p) != ISCSI_OP_LOGIN_RSP) {
			err = bi_why("connection %d: got %s", i + 1, bi_describe(&p));
		} else if (bi_login_status(&p) == 0) {
			ok++;
		} else if ((bi_login_status(&p) >> 8) == 2 || (bi_login_status(&p) >> 8) == 3) {
			refused++;
		} else {
			err = bi_why("connection %d: login status 0x%04x", i + 1, bi_login_status(&p));
		}
		if (r == BI_RX_PDU)
			bi_pdu_free(&p);
	}
	for (int i = 0; i < N; i++)
		bi_close(&cs[i]);
	free(cs);
	free(t);
	fprintf(stderr, "# connection flood: %u logged in, %u refused, %u closed, %u connect() "
		"failures\n", ok, refused, closed, connfail);
	if (err == NULL && ok == 0)
		err = "no connection of the flood could log in";
	return err;
}

static const char *bc_text_oversize_dsl(void)
{
	/* Text Request whose data segment exceeds the target's MRDSL: close (section 8). */
	struct bi_conn c;
	uint8_t b[BHS_LEN] = { 0 };
	const char *err = bi_session(&c, 0);
	uint8_t *data;
	uint32_t len;

	if (err)
		return err;
	len = c.t_mrdsl + 1024;
	data = malloc(len);
	memset(data, 'A', len);
	memcpy(data, "SendTargets=", 12);
	data[len - 1] = 0;
	b[0] = ISCSI_OP_IMMEDIATE | ISCSI_OP_TEXT_REQ;
	b[1] = ISCSI_F;
	wire_put_be32(b + BHS_ITT, c.itt++);
	wire_put_be32(b + BHS_TTT, BI_NO_TAG);
	wire_put_be32(b + BHS_CMDSN, c.cmdsn);
	wire_put_be32(b + BHS_EXPSTATSN, c.expstatsn);
	(void)bi_send(&c, b, data, len);
	free(data);
	err = bi_expect_close(&c, -1, NULL, 0);
	bi_close(&c);
	return err;
}

static const char *bc_text_long_value(void)
{
	/* SendTargets with a 4000-byte value (within MRDSL, over the 255-byte value
	 * limit, not a valid name): section 6 -> Reject 0x04; an answer of
	 * SendTargets=Reject is also taken. */
	struct bi_conn c;
	uint8_t b[BHS_LEN] = { 0 };
	char data[4013];
	struct bi_pdu p;
	enum bi_rx r;
	uint32_t itt;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	memset(data, 'A', sizeof data);
	memcpy(data, "SendTargets=", 12);
	data[sizeof data - 1] = 0;
	itt = c.itt++;
	b[0] = ISCSI_OP_IMMEDIATE | ISCSI_OP_TEXT_REQ;
	b[1] = ISCSI_F;
	wire_put_be32(b + BHS_ITT, itt);
	wire_put_be32(b + BHS_TTT, BI_NO_TAG);
	wire_put_be32(b + BHS_CMDSN, c.cmdsn);
	wire_put_be32(b + BHS_EXPSTATSN, c.expstatsn);
	wire_put_be24(b + BHS_DSL, sizeof data);
	(void)bi_send(&c, b, data, sizeof data);
	r = bi_recv_next(&c, &p, BI_WAIT_MS);
	if (r != BI_RX_PDU) {
		err = bi_why("Text Request with a 4000-byte value: %s", bi_rx_what(r));
	} else if (bi_op(&p) == ISCSI_OP_REJECT) {
		err = bi_expect_reject(&c, b, (const uint8_t[]){ ISCSI_REJECT_PROTOCOL,
				       ISCSI_REJECT_INVALID_FIELD, 0 }, &p);
	} else if (bi_op(&p) == ISCSI_OP_TEXT_RSP && wire_be32(p.bhs + BHS_ITT) == itt &&
		   p.dlen > 0 && memmem(p.data, p.dlen, "=Reject", 7) != NULL) {
		bi_pdu_free(&p);
	} else {
		err = bi_why("Text Request with a 4000-byte value: expected Reject 0x04, got %s%s%.*s",
			     bi_describe(&p), p.dlen ? " text " : "", (int)(p.dlen < 80 ? p.dlen : 80),
			     p.data ? (const char *)p.data : "");
		bi_pdu_free(&p);
	}
	err = bi_then_ping(&c, err);
	bi_close(&c);
	return err;
}

static const char *bc_header_digest_ok(void)
{
	/* Positive control: CRC32C header digest negotiated, a ping and a TUR work and
	 * every target PDU carries a correct digest (bi_recv checks it). */
	struct bi_conn c;
	const char *err = bi_session(&c, BI_LOGIN_HDIGEST);

	if (err == NULL)
		err = bi_ping(&c);
	bi_close(&c);
	return err;
}

static const char *bc_header_digest_corrupt(void)
{
	struct bi_conn c;
	uint8_t b[BHS_LEN] = { 0 };
	static const uint8_t ping[8] = "digest!";
	const char *err = bi_session(&c, BI_LOGIN_HDIGEST);

	if (err)
		return err;
	b[0] = ISCSI_OP_NOP_OUT;
	b[1] = ISCSI_F;
	wire_put_be32(b + BHS_ITT, c.itt++);
	wire_put_be32(b + BHS_TTT, BI_NO_TAG);
	wire_put_be32(b + BHS_CMDSN, c.cmdsn++);
	wire_put_be32(b + BHS_EXPSTATSN, c.expstatsn);
	(void)bi_send_raw(&c, b, ping, sizeof ping, UINT32_MAX, true, false);
	/* Section 8: header digest mismatch -> framing unknown -> close. */
	err = bi_expect_close(&c, -1, NULL, 0);
	bi_close(&c);
	return err;
}

static const char *bc_logout_then_command(void)
{
	/* After a Logout Response the target closes; a command sent right behind the
	 * Logout Request must not be executed (section 7.9: stop reading commands). */
	struct bi_conn c;
	static const uint8_t cdb[6] = { SCSI_OP_TUR };
	uint8_t b[BHS_LEN] = { 0 }, t[BHS_LEN];
	struct bi_pdu p;
	enum bi_rx r;
	uint32_t itt = 0;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	b[0] = ISCSI_OP_IMMEDIATE | ISCSI_OP_LOGOUT_REQ;
	b[1] = ISCSI_F | 0;	/* close the session */
	itt = c.itt++;
	wire_put_be32(b + BHS_ITT, itt);
	wire_put_be32(b + BHS_CMDSN, c.cmdsn);
	wire_put_be32(b + BHS_EXPSTATSN, c.expstatsn);
	bi_cmd_bhs(&c, t, ISCSI_F | ISCSI_ATTR_SIMPLE, 0, cdb, 6, c.itt++);
	(void)bi_send(&c, b, NULL, 0);
	(void)bi_send(&c, t, NULL, 0);
	r = bi_recv_next(&c, &p, BI_WAIT_MS);
	if (r != BI_RX_PDU) {
		err = bi_why("Logout: %s", bi_rx_what(r));
	} else if (bi_op(&p) != ISCSI_OP_LOGOUT_RSP || wire_be32(p.bhs + BHS_ITT) != itt ||
		   p.bhs[BHS_B2] != 0) {
		err = bi_why("Logout: expected Logout Response 0, got %s", bi_describe(&p));
		bi_pdu_free(&p);
	} else {
		bi_pdu_free(&p);
		err = bi_expect_close(&c, -1, NULL, 0);
	}
	bi_close(&c);
	return err;
}

/* ----------------------------------------------------------------------------------
 * Task management (RFC 7143 §11.5, §11.6; doc/iscsi-target.md "task management") */

/* Send an immediate TMF Request; returns its ITT.  RefCmdSN and RTT as given. */
static uint32_t bi_tmf_send(struct bi_conn *c, uint8_t function, uint8_t lun, uint32_t rtt,
			    uint32_t refcmdsn, uint8_t *sent)
{
	uint8_t b[BHS_LEN] = { 0 };
	uint32_t itt = c->itt++;

	b[0] = ISCSI_OP_IMMEDIATE | ISCSI_OP_TMF_REQ;
	b[1] = ISCSI_F | function;
	b[BHS_LUN + 1] = lun;
	wire_put_be32(b + BHS_ITT, itt);
	wire_put_be32(b + BHS_TTT, rtt);	/* Referenced Task Tag */
	wire_put_be32(b + BHS_CMDSN, c->cmdsn);
	wire_put_be32(b + BHS_EXPSTATSN, c->expstatsn);
	wire_put_be32(b + BHS_CDB, refcmdsn);
	(void)bi_send(c, b, NULL, 0);
	if (sent)
		memcpy(sent, b, BHS_LEN);
	return itt;
}

/* The next PDU must be the TMF Response for `itt` with Response `want`; anything
 * else first (a SCSI Response of an aborted task, say) is a failure. */
static const char *bi_tmf_expect(struct bi_conn *c, uint32_t itt, uint8_t function, uint8_t want)
{
	struct bi_pdu p;
	enum bi_rx r = bi_recv_next(c, &p, BI_WAIT_MS);
	const char *err = NULL;

	if (r != BI_RX_PDU)
		return bi_why("TMF function %u: expected a TMF Response: %s", function, bi_rx_what(r));
	if (bi_op(&p) != ISCSI_OP_TMF_RSP || wire_be32(p.bhs + BHS_ITT) != itt)
		err = bi_why("TMF function %u (ITT %08x): expected a TMF Response, got %s", function,
			     itt, bi_describe(&p));
	else if (p.bhs[BHS_B2] != want)
		err = bi_why("TMF function %u: Response %u, expected %u", function, p.bhs[BHS_B2], want);
	else if (!(p.bhs[BHS_FLAGS] & ISCSI_F))
		err = bi_why("TMF Response: flags 0x%02x without F", p.bhs[BHS_FLAGS]);
	bi_pdu_free(&p);
	return err;
}

static const char *bc_tmf_abort_task(void)
{
	/* ABORT TASK of a task waiting for Data-Out: Response 0, no SCSI Response for the
	 * task ever, late Data-Out for it discarded silently (no Reject). */
	struct bi_conn c;
	struct bi_wtask w;
	uint8_t buf[BI_BLOCK] = { 0 };
	uint32_t refcmdsn, itt;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	refcmdsn = c.cmdsn;
	err = bi_open_write(&c, SCSI_OP_READ10, BI_BLOCK, &w);
	if (err == NULL) {
		itt = bi_tmf_send(&c, 1, bi_lun, w.itt, refcmdsn, NULL);
		err = bi_tmf_expect(&c, itt, 1, 0);
	}
	if (err == NULL) {
		err = bi_expect_silence(&c);
		if (err)
			err = bi_why("after ABORT TASK: %s (an aborted task gets no response)", err);
	}
	if (err == NULL) {
		(void)bi_data_out(&c, w.itt, w.ttt, w.lun, 0, 0, buf, w.len, true, NULL);
		err = bi_expect_silence(&c);
		if (err)
			err = bi_why("late Data-Out for the aborted ITT: %s (must be discarded silently)",
				     err);
	}
	err = bi_then_ping(&c, err);
	bi_close(&c);
	return err;
}

static const char *bc_tmf_abort_task_unknown(void)
{
	/* RTT not in use, RefCmdSN below ExpCmdSN (so not "not arrived yet"): 1. */
	struct bi_conn c;
	uint32_t itt;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	itt = bi_tmf_send(&c, 1, bi_lun, 0x6666abcd, c.expcmdsn - 1, NULL);
	err = bi_then_ping(&c, bi_tmf_expect(&c, itt, 1, 1));
	bi_close(&c);
	return err;
}

static const char *bc_tmf_abort_task_set(void)
{
	struct bi_conn c;
	struct bi_wtask w1, w2;
	uint8_t buf[BI_BLOCK] = { 0 };
	uint32_t itt;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	err = bi_open_write(&c, SCSI_OP_READ10, BI_BLOCK, &w1);
	if (err == NULL)
		err = bi_open_write(&c, SCSI_OP_READ10, BI_BLOCK, &w2);
	if (err == NULL) {
		itt = bi_tmf_send(&c, 2, bi_lun, BI_NO_TAG, c.cmdsn, NULL);
		err = bi_tmf_expect(&c, itt, 2, 0);
	}
	if (err == NULL) {
		err = bi_expect_silence(&c);
		if (err)
			err = bi_why("after ABORT TASK SET: %s (aborted tasks get no response)", err);
	}
	if (err == NULL) {
		/* Data still in flight for either task: discarded silently. */
		(void)bi_data_out(&c, w1.itt, w1.ttt, w1.lun, 0, 0, buf, w1.len, true, NULL);
		(void)bi_data_out(&c, w2.itt, w2.ttt, w2.lun, 0, 0, buf, w2.len, true, NULL);
		err = bi_expect_silence(&c);
		if (err)
			err = bi_why("late Data-Out for the aborted tasks: %s", err);
	}
	err = bi_then_ping(&c, err);
	bi_close(&c);
	return err;
}

/* After a reset: the next TUR gets CHECK CONDITION UNIT ATTENTION 29/03, the one after
 * that GOOD. */
static const char *bi_expect_reset_ua(struct bi_conn *c, const char *what)
{
	static const uint8_t cdb[6] = { SCSI_OP_TUR };
	struct bi_status st;
	uint32_t itt = bi_cmd(c, ISCSI_F | ISCSI_ATTR_SIMPLE, 0, cdb, 6, NULL, 0);
	const char *err = bi_wait_status(c, itt, &st);

	if (err)
		return bi_why("TUR after %s: %s", what, err);
	if (st.response != 0 || st.status != SCSI_CHECK_CONDITION ||
	    st.sense_key != SCSI_KEY_UNIT_ATTENTION || st.asc != 0x29 || st.ascq != 0x03)
		return bi_why("TUR after %s: response 0x%02x status 0x%02x sense %x/%02x/%02x, expected "
			      "CHECK CONDITION 6/29/03", what, st.response, st.status, st.sense_key,
			      st.asc, st.ascq);
	err = bi_tur(c, false);
	return err ? bi_why("second TUR after %s: %s", what, err) : NULL;
}

static const char *bc_tmf_lun_reset(void)
{
	/* LOGICAL UNIT RESET with a task waiting for data: 0, the task gets no
	 * response, then UNIT ATTENTION 29/03 once. */
	struct bi_conn c;
	struct bi_wtask w;
	uint32_t itt;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	err = bi_open_write(&c, SCSI_OP_READ10, BI_BLOCK, &w);
	if (err == NULL) {
		itt = bi_tmf_send(&c, 5, bi_lun, BI_NO_TAG, c.cmdsn, NULL);
		err = bi_tmf_expect(&c, itt, 5, 0);
	}
	if (err == NULL)
		err = bi_expect_reset_ua(&c, "LOGICAL UNIT RESET");
	bi_close(&c);
	return err;
}

static const char *bc_tmf_unknown_lun(void)
{
	struct bi_conn c;
	uint32_t itt;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	itt = bi_tmf_send(&c, 2, 9, BI_NO_TAG, c.cmdsn, NULL);
	err = bi_tmf_expect(&c, itt, 2, 2);
	if (err == NULL) {
		itt = bi_tmf_send(&c, 5, 9, BI_NO_TAG, c.cmdsn, NULL);
		err = bi_tmf_expect(&c, itt, 5, 2);
	}
	err = bi_then_ping(&c, err);
	bi_close(&c);
	return err;
}

static const char *bc_tmf_warm_reset(void)
{
	struct bi_conn c;
	uint32_t itt;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	itt = bi_tmf_send(&c, 6, 0, BI_NO_TAG, c.cmdsn, NULL);
	err = bi_tmf_expect(&c, itt, 6, 0);
	if (err == NULL)
		err = bi_expect_reset_ua(&c, "TARGET WARM RESET");
	bi_close(&c);
	return err;
}

static const char *bc_tmf_cold_reset(void)
{
	/* Answered, then every connection is closed (ours included). */
	struct bi_conn c;
	uint32_t itt;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	itt = bi_tmf_send(&c, 7, 0, BI_NO_TAG, c.cmdsn, NULL);
	err = bi_tmf_expect(&c, itt, 7, 0);
	if (err == NULL) {
		err = bi_expect_close(&c, -1, NULL, 0);
		if (err)
			err = bi_why("after the TARGET COLD RESET response: %s", err);
	}
	bi_close(&c);
	return err;
}

/* One TMF with a fixed answer, then the connection goes on. */
static const char *bi_tmf_case(uint8_t function, uint32_t rtt, uint8_t want)
{
	struct bi_conn c;
	uint32_t itt;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	itt = bi_tmf_send(&c, function, bi_lun, rtt, c.cmdsn, NULL);
	err = bi_then_ping(&c, bi_tmf_expect(&c, itt, function, want));
	bi_close(&c);
	return err;
}

static const char *bc_tmf_clear_aca(void)
{
	return bi_tmf_case(3, BI_NO_TAG, 5);	/* NACA not advertised: not supported */
}

static const char *bc_tmf_task_reassign(void)
{
	return bi_tmf_case(8, 0x1000, 4);	/* ERL 0: reassignment not supported */
}

static const char *bc_tmf_bad_function(void)
{
	return bi_tmf_case(0x0f, BI_NO_TAG, 255);	/* function rejected */
}

static const char *bc_tmf_in_discovery(void)
{
	struct bi_conn c;
	uint8_t sent[BHS_LEN];
	const char *err = bi_session(&c, BI_LOGIN_DISCOVERY);

	if (err)
		return err;
	(void)bi_tmf_send(&c, 2, 0, BI_NO_TAG, c.cmdsn, sent);
	err = bi_then_ping(&c, bi_expect_reject(&c, sent,
			   (const uint8_t[]){ ISCSI_REJECT_NOT_SUPPORTED, 0 }, NULL));
	bi_close(&c);
	return err;
}

static const char *bc_immediate_limit(void)
{
	/* Five immediate READ(10) W=1 commands left waiting for data: four get their
	 * R2T, the fifth Reject 0x06 (at most 4 immediate commands). */
	struct bi_conn c;
	uint8_t cdb[16], b[BHS_LEN];
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	bi_cdb_rw10(cdb, SCSI_OP_READ10, 0, 1);
	for (int i = 0; i < 5 && err == NULL; i++) {
		uint32_t itt = c.itt++;
		struct bi_pdu p;
		enum bi_rx r;

		bi_cmd_bhs(&c, b, ISCSI_F | ISCSI_CMD_W | ISCSI_ATTR_SIMPLE, BI_BLOCK, cdb, 10, itt);
		b[0] |= ISCSI_OP_IMMEDIATE;
		(void)bi_send(&c, b, NULL, 0);
		if (i == 4) {
			err = bi_expect_reject(&c, b, (const uint8_t[]){ ISCSI_REJECT_IMMEDIATE, 0 }, NULL);
			if (err)
				err = bi_why("fifth immediate command: %s", err);
			break;
		}
		r = bi_recv_next(&c, &p, BI_WAIT_MS);
		if (r != BI_RX_PDU) {
			err = bi_why("immediate command %d: expected an R2T: %s", i + 1, bi_rx_what(r));
		} else {
			if (bi_op(&p) != ISCSI_OP_R2T || wire_be32(p.bhs + BHS_ITT) != itt)
				err = bi_why("immediate command %d: expected an R2T, got %s", i + 1,
					     bi_describe(&p));
			bi_pdu_free(&p);
		}
	}
	err = bi_then_ping(&c, err);
	bi_close(&c);
	return err;
}

/* ----------------------------------------------------------------------------------
 * Data digests (doc/iscsi-target.md "digests") */

static const char *bc_data_digest_ok(void)
{
	/* CRC32C data digest negotiated: the TUR's UNIT ATTENTION sense and the ping's
	 * echo carry correct data digests (bi_recv checks them), and ours are accepted. */
	struct bi_conn c;
	const char *err = bi_session(&c, BI_LOGIN_DDIGEST);

	if (err == NULL)
		err = bi_ping(&c);
	if (err == NULL)
		err = bi_inquiry(&c);
	bi_close(&c);
	return err;
}

static const char *bc_data_digest_corrupt_nop(void)
{
	/* NOP-Out ping (I=0, as libiscsi) with a wrong data digest: Reject 0x02 carrying
	 * the BHS; then the connection goes on, numbered as the Reject says. */
	struct bi_conn c;
	uint8_t b[BHS_LEN] = { 0 };
	static const uint8_t ping[8] = "corrupt";
	const char *err = bi_session(&c, BI_LOGIN_DDIGEST);
	uint32_t cmdsn;

	if (err)
		return err;
	cmdsn = c.cmdsn;
	b[0] = ISCSI_OP_NOP_OUT;
	b[1] = ISCSI_F;
	wire_put_be32(b + BHS_ITT, c.itt++);
	wire_put_be32(b + BHS_TTT, BI_NO_TAG);
	wire_put_be32(b + BHS_CMDSN, c.cmdsn++);
	wire_put_be32(b + BHS_EXPSTATSN, c.expstatsn);
	(void)bi_send_raw(&c, b, ping, sizeof ping, UINT32_MAX, false, true);
	err = bi_expect_reject(&c, b, (const uint8_t[]){ ISCSI_REJECT_DIGEST, 0 }, NULL);
	if (err == NULL) {
		/* bi_expect_reject took the Reject's ExpCmdSN as our next CmdSN. */
		uint32_t told = c.cmdsn;

		err = bi_ping(&c);
		if (err) {
			/* Diagnose: which CmdSN does the target really expect? */
			c.cmdsn = told + 1;
			err = bi_ping(&c) == NULL ?
				bi_why("the Reject 0x02 of the NOP-Out with CmdSN %u said ExpCmdSN %u, "
				       "but a ping with CmdSN %u was dropped and one with %u answered: "
				       "the target counted the discarded PDU without saying so", cmdsn,
				       told, told, told + 1) :
				bi_why("after the Reject 0x02 (ExpCmdSN %u) no ping is answered", told);
		}
	}
	bi_close(&c);
	return err;
}

static int bi_data_out_corrupt(struct bi_conn *c, const struct bi_wtask *w, const void *data,
			       uint32_t len, uint8_t *sent)
{
	uint8_t b[BHS_LEN] = { 0 };
	int rc;

	b[0] = ISCSI_OP_DATA_OUT;
	b[1] = ISCSI_F;
	memcpy(b + BHS_LUN, w->lun, 8);
	wire_put_be32(b + BHS_ITT, w->itt);
	wire_put_be32(b + BHS_TTT, w->ttt);
	wire_put_be32(b + BHS_EXPSTATSN, c->expstatsn);
	wire_put_be32(b + BHS_DATASN, 0);
	wire_put_be32(b + BHS_OFFSET, w->offset);
	rc = bi_send_raw(c, b, data, len, UINT32_MAX, false, true);
	memcpy(sent, b, BHS_LEN);
	return rc;
}

static const char *bc_data_digest_corrupt_dataout(void)
{
	/* The Data-Out a task waits for carries a wrong data digest: Reject 0x02 with the
	 * BHS, then the task ends in CHECK CONDITION ABORTED COMMAND 47/05. */
	struct bi_conn c;
	struct bi_wtask w;
	struct bi_status st;
	uint8_t buf[BI_BLOCK], sent[BHS_LEN];
	const char *err = bi_session(&c, BI_LOGIN_DDIGEST);

	if (err)
		return err;
	err = bi_open_write(&c, SCSI_OP_READ10, BI_BLOCK, &w);
	if (err) {
		bi_close(&c);
		return err;
	}
	memset(buf, 0x3c, sizeof buf);
	(void)bi_data_out_corrupt(&c, &w, buf, w.len, sent);
	err = bi_expect_reject(&c, sent, (const uint8_t[]){ ISCSI_REJECT_DIGEST, 0 }, NULL);
	if (err == NULL) {
		err = bi_wait_status(&c, w.itt, &st);
		if (err == NULL && (st.response != 0 || st.status != SCSI_CHECK_CONDITION ||
				    st.sense_key != 0x0b || st.asc != 0x47 || st.ascq != 0x05))
			err = bi_why("task after the Data-Out digest error: response 0x%02x status 0x%02x "
				     "sense %x/%02x/%02x, expected CHECK CONDITION B/47/05", st.response,
				     st.status, st.sense_key, st.asc, st.ascq);
	}
	err = bi_then_ping(&c, err);
	bi_close(&c);
	return err;
}

/* ----------------------------------------------------------------------------------
 * Session and connection reinstatement, TSIH (doc/iscsi-target.md) */

static const char *bc_session_reinstatement(void)
{
	/* A leading login (TSIH 0) with A's InitiatorName and ISID: succeeds, and the
	 * target closes A. */
	struct bi_conn a, b;
	const char *err = bi_session(&a, 0);

	if (err)
		return bi_why("session A: %s", err);
	if (bi_connect(&b) != 0) {
		bi_close(&a);
		return "cannot connect";
	}
	memcpy(b.isid, a.isid, 6);
	err = bi_login(&b, 0);
	if (err)
		err = bi_why("login with the ISID of a live session: %s", err);
	if (err == NULL) {
		err = bi_expect_close(&a, -1, NULL, 0);
		if (err)
			err = bi_why("the old session's connection: %s", err);
	}
	if (err == NULL) {
		err = bi_tur(&b, true);	/* a new nexus: its power-on UA first */
		if (err == NULL)
			err = bi_ping(&b);
		if (err)
			err = bi_why("the new session: %s", err);
	}
	bi_close(&a);
	bi_close(&b);
	return err;
}

static const char *bc_connection_reinstatement(void)
{
	/* A login with A's ISID, TSIH and CID: succeeds with the same TSIH, A is closed,
	 * and the session (nexus, CmdSN) goes on: no new UNIT ATTENTION. */
	struct bi_conn a, b;
	const char *err = bi_session(&a, 0);

	if (err)
		return bi_why("session A: %s", err);
	if (bi_connect(&b) != 0) {
		bi_close(&a);
		return "cannot connect";
	}
	memcpy(b.isid, a.isid, 6);
	b.cmdsn = a.cmdsn;
	b.itt = a.itt + 0x100;
	err = bi_login_tsih(&b, 0, a.tsih);
	if (err)
		err = bi_why("login with TSIH %u and CID 0 of a live session: %s", a.tsih, err);
	else if (b.tsih != a.tsih)
		err = bi_why("connection reinstatement answered TSIH %u, expected %u", b.tsih, a.tsih);
	else if (b.expcmdsn != a.cmdsn)
		err = bi_why("connection reinstatement: ExpCmdSN %u, the session's next CmdSN is %u",
			     b.expcmdsn, a.cmdsn);
	if (err == NULL) {
		err = bi_expect_close(&a, -1, NULL, 0);
		if (err)
			err = bi_why("the replaced connection: %s", err);
	}
	if (err == NULL) {
		err = bi_tur(&b, false);
		if (err == NULL)
			err = bi_ping(&b);
		if (err)
			err = bi_why("the reinstated connection (same nexus): %s", err);
	}
	bi_close(&a);
	bi_close(&b);
	return err;
}

/* A non-leading login naming TSIH `tsih`: Login Response 0x020a, then a close. */
static const char *bi_tsih_refused(struct bi_conn *c, uint16_t tsih, const char *what)
{
	struct bi_text *t = calloc(1, sizeof *t);
	struct bi_pdu p;
	const char *err;
	uint16_t status;

	if (t == NULL)
		return "out of memory";
	bi_login_keys(t, 0, NULL);
	(void)bi_login_send(c, ISCSI_LOGIN_T | 1 << 2 | 3, 0, 0, tsih, t, NULL);
	free(t);
	err = bi_login_recv(c, &p);
	if (err)
		return bi_why("%s: %s", what, err);
	status = bi_login_status(&p);
	bi_pdu_free(&p);
	if (status != 0x020a)
		return bi_why("%s: Login Response status 0x%04x, expected 0x020a (session does not "
			      "exist)", what, status);
	err = bi_expect_close(c, -1, NULL, 0);
	return err ? bi_why("%s: %s", what, err) : NULL;
}

static const char *bc_tsih_unknown(void)
{
	struct bi_conn c;
	const char *err;

	if (bi_connect(&c) != 0)
		return "cannot connect";
	err = bi_tsih_refused(&c, 0x7777, "login with TSIH 0x7777 (no such session)");
	bi_close(&c);
	return err;
}

static const char *bc_tsih_foreign_isid(void)
{
	/* A session is named by ISID and TSIH together (RFC 7143 §11.12: a login joining a
	 * session gives its ISID and TSIH): a live TSIH under another ISID names no
	 * existing session, so 0x020a, and the live session must survive the attempt. */
	struct bi_conn a, b;
	const char *err = bi_session(&a, 0);

	if (err)
		return bi_why("session A: %s", err);
	if (bi_connect(&b) != 0) {
		bi_close(&a);
		return "cannot connect";
	}
	b.isid[5] ^= 0x55;	/* not A's ISID */
	err = bi_tsih_refused(&b, a.tsih, "login with a live TSIH and a different ISID");
	{
		const char *aerr = bi_ping(&a);

		if (err && aerr)
			err = bi_why("%s; and session A (ISID %02x%02x%02x%02x%02x%02x, TSIH %u) is "
				     "gone: %s", err, a.isid[0], a.isid[1], a.isid[2], a.isid[3],
				     a.isid[4], a.isid[5], a.tsih, aerr);
		else if (aerr)
			err = bi_why("session A after the foreign login: %s", aerr);
	}
	bi_close(&a);
	bi_close(&b);
	return err;
}

/* ----------------------------------------------------------------------------------
 * Logout (RFC 7143 §11.14, §11.15) */

static const char *bi_logout_case(uint8_t reason, uint16_t cid, uint8_t want)
{
	struct bi_conn c;
	uint8_t b[BHS_LEN] = { 0 };
	struct bi_pdu p;
	enum bi_rx r;
	uint32_t itt;
	const char *err = bi_session(&c, 0);

	if (err)
		return err;
	itt = c.itt++;
	b[0] = ISCSI_OP_IMMEDIATE | ISCSI_OP_LOGOUT_REQ;
	b[1] = ISCSI_F | reason;
	wire_put_be32(b + BHS_ITT, itt);
	wire_put_be16(b + BHS_CID, cid);
	wire_put_be32(b + BHS_CMDSN, c.cmdsn);
	wire_put_be32(b + BHS_EXPSTATSN, c.expstatsn);
	(void)bi_send(&c, b, NULL, 0);
	r = bi_recv_next(&c, &p, BI_WAIT_MS);
	if (r != BI_RX_PDU) {
		err = bi_why("Logout reason %u CID %u: %s", reason, cid, bi_rx_what(r));
	} else {
		if (bi_op(&p) != ISCSI_OP_LOGOUT_RSP || wire_be32(p.bhs + BHS_ITT) != itt)
			err = bi_why("Logout reason %u CID %u: expected a Logout Response, got %s",
				     reason, cid, bi_describe(&p));
		else if (p.bhs[BHS_B2] != want)
			err = bi_why("Logout reason %u CID %u: Response %u, expected %u", reason, cid,
				     p.bhs[BHS_B2], want);
		bi_pdu_free(&p);
	}
	/* A refused logout leaves the connection as it was. */
	err = bi_then_ping(&c, err);
	bi_close(&c);
	return err;
}

static const char *bc_logout_recovery(void)
{
	return bi_logout_case(2, 0, 2);	/* remove for recovery: not at ERL 0 */
}

static const char *bc_logout_unknown_cid(void)
{
	return bi_logout_case(1, 5, 1);	/* close connection CID 5: CID not found */
}

/* ----------------------------------------------------------------------------------
 * Timers (doc/iscsi-target.md "NOP"; the login time limit, --login-timeout).  Run only with
 * BADINPUT_TIMERS=NOP_MS,LOGIN_MS naming the daemon's --nop-interval/--login-timeout. */

static long bi_nop_ms, bi_login_ms;	/* 0: timer cases skipped */

static const char *bi_login_timeout_variant(const void *bytes, size_t len, const char *what)
{
	struct bi_conn c;
	struct timespec t0;
	struct bi_pdu p;
	enum bi_rx r;
	long ms;

	if (bi_connect(&c) != 0)
		return "cannot connect";
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (len)
		(void)bi_write(&c, bytes, len);
	r = bi_recv(&c, &p, (int)(bi_login_ms + 2000));
	ms = bi_ms_since(&t0);
	bi_close(&c);
	if (r == BI_RX_PDU) {
		const char *d = bi_describe(&p);

		bi_pdu_free(&p);
		return bi_why("%s: the target answered with %s", what, d);
	}
	if (r == BI_RX_TIMEOUT)
		return bi_why("%s: still open after %ld ms (login timeout %ld ms)", what, ms,
			      bi_login_ms);
	if (r != BI_RX_EOF)
		return bi_why("%s: %s", what, bi_rx_what(r));
	if (ms < bi_login_ms / 2)
		return bi_why("%s: closed after %ld ms, long before the login timeout of %ld ms",
			      what, ms, bi_login_ms);
	fprintf(stderr, "# timer-login-timeout: %s: closed after %ld ms\n", what, ms);
	return NULL;
}

static const char *bc_timer_login_timeout(void)
{
	struct bi_text *t = calloc(1, sizeof *t);
	uint8_t *pdu;
	const char *err;

	err = bi_login_timeout_variant(NULL, 0, "nothing sent");
	if (err || t == NULL) {
		free(t);
		return err ? err : "out of memory";
	}
	/* Half a Login PDU: the whole BHS, half of its data segment. */
	bi_login_keys(t, 0, NULL);
	pdu = calloc(1, BHS_LEN + t->len);
	if (pdu == NULL) {
		free(t);
		return "out of memory";
	}
	pdu[0] = ISCSI_OP_IMMEDIATE | ISCSI_OP_LOGIN_REQ;
	pdu[1] = ISCSI_LOGIN_T | 1 << 2 | 3;
	pdu[8] = 0x80;
	pdu[13] = 0x42;
	wire_put_be32(pdu + BHS_ITT, 0x0a0b0c0d);
	wire_put_be32(pdu + BHS_CMDSN, 1);
	wire_put_be24(pdu + BHS_DSL, t->len);
	memcpy(pdu + BHS_LEN, t->buf, t->len);
	err = bi_login_timeout_variant(pdu, BHS_LEN + t->len / 2, "half a Login PDU sent");
	free(pdu);
	free(t);
	return err;
}

static const char *bc_timer_nop_ping(void)
{
	/* Never answer: NOP-In pings (ITT ffffffff, fresh TTT, StatSN not advanced),
	 * and after the third unanswered one the connection is closed. */
	struct bi_conn c;
	struct timespec t0;
	uint32_t ttts[8];
	unsigned pings = 0;
	const char *err = bi_session(&c, 0);
	long limit = 7 * bi_nop_ms + 3000;

	if (err)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct bi_pdu p;
		long left = limit - bi_ms_since(&t0);
		uint32_t expstatsn = c.expstatsn;
		enum bi_rx r = left > 0 ? bi_recv(&c, &p, (int)left) : BI_RX_TIMEOUT;

		if (r == BI_RX_EOF) {
			if (pings < 3)
				err = bi_why("closed after %u unanswered ping(s) (%ld ms), expected 3",
					     pings, bi_ms_since(&t0));
			else
				fprintf(stderr, "# timer-nop-ping: 3 pings, closed after %ld ms "
					"(interval %ld ms)\n", bi_ms_since(&t0), bi_nop_ms);
			break;
		}
		if (r == BI_RX_TIMEOUT) {
			err = bi_why("after %u unanswered ping(s) the connection is still open after "
				     "%ld ms (interval %ld ms)", pings, bi_ms_since(&t0), bi_nop_ms);
			break;
		}
		if (r != BI_RX_PDU) {
			err = bi_why("waiting for pings: %s", bi_rx_what(r));
			break;
		}
		if (bi_op(&p) != ISCSI_OP_NOP_IN || wire_be32(p.bhs + BHS_ITT) != BI_NO_TAG ||
		    wire_be32(p.bhs + BHS_TTT) == BI_NO_TAG) {
			err = bi_why("expected a NOP-In ping (ITT ffffffff, TTT != ffffffff), got %s TTT "
				     "%08x", bi_describe(&p), wire_be32(p.bhs + BHS_TTT));
			bi_pdu_free(&p);
			break;
		}
		if (wire_be32(p.bhs + BHS_STATSN) != expstatsn) {
			err = bi_why("ping %u: StatSN %u, expected %u (the next StatSN, not advanced)",
				     pings + 1, wire_be32(p.bhs + BHS_STATSN), expstatsn);
			bi_pdu_free(&p);
			break;
		}
		ttts[pings % 8] = wire_be32(p.bhs + BHS_TTT);
		for (unsigned i = 0; i < pings && i < 8; i++)
			if (ttts[i] == ttts[pings % 8] && i != pings % 8)
				err = bi_why("ping %u reuses TTT %08x", pings + 1, ttts[i]);
		bi_pdu_free(&p);
		if (err)
			break;
		if (++pings > 3) {
			err = bi_why("a fourth ping came instead of the close (%ld ms)",
				     bi_ms_since(&t0));
			break;
		}
	}
	bi_close(&c);
	return err;
}

static const char *bc_timer_nop_answered(void)
{
	/* Answer every ping for ~5 intervals: the connection stays, and works. */
	struct bi_conn c;
	struct timespec t0;
	unsigned pings = 0;
	const char *err = bi_session(&c, 0);
	long span = 5 * bi_nop_ms + bi_nop_ms / 2;

	if (err)
		return err;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct bi_pdu p;
		long left = span - bi_ms_since(&t0);
		enum bi_rx r;

		if (left <= 0)
			break;
		r = bi_recv(&c, &p, (int)left);
		if (r == BI_RX_TIMEOUT)
			break;
		if (r != BI_RX_PDU) {
			err = bi_why("answering pings, after %u: %s (%ld ms)", pings, bi_rx_what(r),
				     bi_ms_since(&t0));
			break;
		}
		if (bi_op(&p) == ISCSI_OP_NOP_IN && wire_be32(p.bhs + BHS_ITT) == BI_NO_TAG &&
		    wire_be32(p.bhs + BHS_TTT) != BI_NO_TAG) {
			bi_answer_ping(&c, &p);
			pings++;
			bi_pdu_free(&p);
			continue;
		}
		err = bi_why("answering pings: unexpected %s", bi_describe(&p));
		bi_pdu_free(&p);
		break;
	}
	if (err == NULL && pings < 2)
		err = bi_why("only %u ping(s) in %ld ms with an interval of %ld ms", pings, span,
			     bi_nop_ms);
	if (err == NULL)
		err = bi_ping(&c);
	if (err == NULL)
		err = bi_tur(&c, false);
	bi_close(&c);
	return err;
}

/* ----------------------------------------------------------------------------------
 * Transfer shaping: the negotiated lengths in both directions (Data-In, R2T and
 * Data-Out: RFC 7143 §4.2.4.2, §11.7, §11.8). */

#define BI_SMALL_MRDSL 4096u
#define BI_SMALL_BURST 16384u
#define BI_SMALL_FIRST 8192u

static const char *bc_datain_small_mrdsl(void)
{
	/* We declared MRDSL 4096 and MaxBurstLength 16384: a 64 KiB READ(10) comes as
	 * 16 Data-In of 4096 bytes, DataSN 0..15, contiguous offsets, F at every 16 KiB
	 * boundary (end of a sequence), S with GOOD only on the last. */
	struct bi_conn c;
	uint8_t cdb[16];
	uint32_t next = 0, datasn = 0;
	bool done = false;
	const char *err = bi_session(&c, BI_LOGIN_SMALL);

	if (err)
		return err;
	bi_cdb_rw10(cdb, SCSI_OP_READ10, 0, 32);
	uint32_t itt = bi_cmd(&c, ISCSI_F | ISCSI_CMD_R | ISCSI_ATTR_SIMPLE, 65536, cdb, 10, NULL, 0);
	while (!done && err == NULL) {
		struct bi_pdu p;
		enum bi_rx r = bi_recv_next(&c, &p, BI_WAIT_MS);

		if (r != BI_RX_PDU) {
			err = bi_why("READ(10) of 64 KiB: %s", bi_rx_what(r));
			break;
		}
		if (bi_op(&p) != ISCSI_OP_DATA_IN || wire_be32(p.bhs + BHS_ITT) != itt) {
			err = bi_why("READ(10) of 64 KiB: expected Data-In, got %s", bi_describe(&p));
			bi_pdu_free(&p);
			break;
		}
		uint32_t off = wire_be32(p.bhs + BHS_OFFSET), end = off + p.dlen;
		bool f = p.bhs[BHS_FLAGS] & ISCSI_F, st = p.bhs[BHS_FLAGS] & ISCSI_DATAIN_S;
		if (p.dlen == 0 || p.dlen > BI_SMALL_MRDSL)
			err = bi_why("Data-In of %u bytes with our MRDSL %u", p.dlen, BI_SMALL_MRDSL);
		else if (off != next || wire_be32(p.bhs + BHS_DATASN) != datasn)
			err = bi_why("Data-In offset %u DataSN %u, expected %u / %u", off,
				     wire_be32(p.bhs + BHS_DATASN), next, datasn);
		else if (f != (end % BI_SMALL_BURST == 0 || end == 65536))
			err = bi_why("Data-In ending at %u has F=%d (MaxBurstLength %u)", end, f, BI_SMALL_BURST);
		else if (st != (end == 65536) || (st && p.bhs[BHS_B3] != SCSI_GOOD))
			err = bi_why("Data-In ending at %u: S=%d status 0x%02x", end, st, p.bhs[BHS_B3]);
		next = end;
		datasn++;
		done = st;
		bi_pdu_free(&p);
	}
	if (err == NULL && datasn != 65536 / BI_SMALL_MRDSL)
		err = bi_why("%u Data-In PDUs, expected %u", datasn, 65536 / BI_SMALL_MRDSL);
	if (err == NULL)
		err = bi_ping(&c);
	bi_close(&c);
	return err;
}

/* Expect an R2T for itt with the given R2TSN, offset and length. */
static const char *bi_expect_r2t(struct bi_conn *c, uint32_t itt, uint32_t r2tsn, uint32_t offset,
				 uint32_t len, uint32_t *ttt)
{
	struct bi_pdu p;
	enum bi_rx r = bi_recv_next(c, &p, BI_WAIT_MS);
	const char *err = NULL;

	if (r != BI_RX_PDU)
		return bi_why("waiting for R2T %u: %s", r2tsn, bi_rx_what(r));
	if (bi_op(&p) != ISCSI_OP_R2T || wire_be32(p.bhs + BHS_ITT) != itt)
		err = bi_why("expected R2T %u, got %s", r2tsn, bi_describe(&p));
	else if (wire_be32(p.bhs + BHS_DATASN) != r2tsn || wire_be32(p.bhs + BHS_OFFSET) != offset ||
		 wire_be32(p.bhs + BHS_R2T_LEN) != len)
		err = bi_why("R2T: R2TSN %u offset %u length %u, expected %u / %u / %u",
			     wire_be32(p.bhs + BHS_DATASN), wire_be32(p.bhs + BHS_OFFSET),
			     wire_be32(p.bhs + BHS_R2T_LEN), r2tsn, offset, len);
	*ttt = wire_be32(p.bhs + BHS_TTT);
	bi_pdu_free(&p);
	return err;
}

/* Answer one R2T with Data-Out PDUs of the target's MRDSL at most. */
static void bi_answer_r2t(struct bi_conn *c, uint32_t itt, uint32_t ttt, uint32_t offset,
			  uint32_t len, uint32_t pdu)
{
	static uint8_t zeros[BI_SMALL_BURST];

	for (uint32_t done = 0, sn = 0; done < len; sn++) {
		uint32_t n = len - done < pdu ? len - done : pdu;
		(void)bi_data_out(c, itt, ttt, NULL, sn, offset + done, zeros, n, done + n == len, NULL);
		done += n;
	}
}

static const char *bc_r2t_burst_split(void)
{
	/* FirstBurstLength 8192, MaxBurstLength 16384, InitialR2T=No, ImmediateData=Yes:
	 * a 40 KiB write-direction command with 4 KiB immediate data and 4 KiB unsolicited
	 * Data-Out gets exactly two R2Ts (R2TSN 0 at 8192 and 1 at 24576, 16 KiB each),
	 * one at a time (MaxOutstandingR2T=1), then GOOD.  READ(10) with W=1 is the
	 * write-direction command a read-only disc accepts. */
	struct bi_conn c;
	uint8_t cdb[16], b[BHS_LEN], imm[4096];
	struct bi_status st;
	uint32_t ttt = 0;
	const char *err = bi_session(&c, BI_LOGIN_SMALL);

	if (err)
		return err;
	if (c.first_burst != BI_SMALL_FIRST || c.initial_r2t || !c.immediate_data) {
		bi_close(&c);
		return bi_why("negotiated FirstBurstLength %u InitialR2T %d ImmediateData %d",
			      c.first_burst, c.initial_r2t, c.immediate_data);
	}
	memset(imm, 0x5a, sizeof imm);
	bi_cdb_rw10(cdb, SCSI_OP_READ10, 0, 20);
	uint32_t itt = c.itt++;
	bi_cmd_bhs(&c, b, ISCSI_CMD_W | ISCSI_ATTR_SIMPLE, 40960, cdb, 10, itt);	/* F=0 */
	c.cmdsn++;
	(void)bi_send(&c, b, imm, sizeof imm);
	(void)bi_data_out(&c, itt, BI_NO_TAG, b + BHS_LUN, 0, 4096, imm, 4096, true, NULL);
	err = bi_expect_r2t(&c, itt, 0, 8192, BI_SMALL_BURST, &ttt);
	if (err == NULL) {
		/* MaxOutstandingR2T=1: nothing more until this burst is answered. */
		struct bi_pdu p;
		enum bi_rx r = bi_recv(&c, &p, 500);
		if (r == BI_RX_PDU) {
			err = bi_why("second PDU before the first R2T was answered: %s", bi_describe(&p));
			bi_pdu_free(&p);
		}
	}
	if (err == NULL) {
		bi_answer_r2t(&c, itt, ttt, 8192, BI_SMALL_BURST, c.t_mrdsl < 4096 ? c.t_mrdsl : 4096);
		err = bi_expect_r2t(&c, itt, 1, 24576, BI_SMALL_BURST, &ttt);
	}
	if (err == NULL) {
		bi_answer_r2t(&c, itt, ttt, 24576, BI_SMALL_BURST, BI_SMALL_BURST);
		err = bi_wait_status(&c, itt, &st);
	}
	if (err == NULL && (st.response != 0 || st.status != SCSI_GOOD || st.datain != 0))
		err = bi_why("after 40 KiB of data: response 0x%02x status 0x%02x data-in %u",
			     st.response, st.status, st.datain);
	bi_close(&c);
	return err;
}

/* A write-direction command whose unsolicited data breaks the negotiated rules must
 * end in CHECK CONDITION ABORTED COMMAND 0C/0C (RFC 7143 §11.4.7.2). */
static const char *bi_unsolicited_case(unsigned login_flags, uint32_t edtl, uint32_t imm_len,
				       bool more_unsolicited)
{
	struct bi_conn c;
	uint8_t cdb[16], b[BHS_LEN], data[12288];
	struct bi_status st;
	const char *err = bi_session(&c, login_flags);

	if (err)
		return err;
	memset(data, 0xa5, sizeof data);
	bi_cdb_rw10(cdb, SCSI_OP_READ10, 0, (uint16_t)(edtl / BI_BLOCK));
	uint32_t itt = c.itt++;
	bi_cmd_bhs(&c, b, (more_unsolicited ? 0 : ISCSI_F) | ISCSI_CMD_W | ISCSI_ATTR_SIMPLE, edtl,
		   cdb, 10, itt);
	c.cmdsn++;
	(void)bi_send(&c, b, data, imm_len);
	if (more_unsolicited)
		(void)bi_data_out(&c, itt, BI_NO_TAG, b + BHS_LUN, 0, imm_len, data, 4096, true, NULL);
	err = bi_wait_status(&c, itt, &st);
	if (err == NULL && (st.status != SCSI_CHECK_CONDITION || st.sense_key != 0x0b ||
			    st.asc != 0x0c || st.ascq != 0x0c))
		err = bi_why("status 0x%02x sense %x/%02x/%02x, expected CHECK CONDITION 0B/0C/0C",
			     st.status, st.sense_key, st.asc, st.ascq);
	if (err == NULL)
		err = bi_ping(&c);
	bi_close(&c);
	return err;
}

static const char *bc_immediate_over_first_burst(void)
{
	/* 12 KiB of immediate data with FirstBurstLength 8192. */
	return bi_unsolicited_case(BI_LOGIN_SMALL, 16384, 12288, false);
}

static const char *bc_unsolicited_with_initial_r2t(void)
{
	/* InitialR2T=Yes, yet F=0 and an unsolicited Data-Out follows. */
	return bi_unsolicited_case(BI_LOGIN_SMALL | BI_LOGIN_INITIAL_R2T, 8192, 0, true);
}

/* ----------------------------------------------------------------------------------
 * Runner */

struct bi_case {
	const char *name;
	const char *(*run)(void);
	const char *expect;	/* the right answer, for the listing (-l) */
	bool timer;		/* needs BADINPUT_TIMERS (short daemon timers) */
	bool drops_all;		/* ends every connection, the bystander's too */
};

static const struct bi_case bi_cases[] = {
	{ "truncated-bhs", bc_truncated_bhs, "no answer; daemon serves", false, false },
	{ "login-dsl-over-8192", bc_login_dsl_over_8192, "close", false, false },
	{ "ffp-dsl-over-mrdsl", bc_ffp_dsl_over_mrdsl, "close (MRDSL 262144 declared)", false, false },
	{ "ffp-dsl-at-mrdsl", bc_ffp_dsl_at_mrdsl, "NOP-In echoes 262144 bytes", false, false },
	{ "ahs-skip", bc_ahs_skip, "TUR answered or Reject; stream in step", false, false },
	{ "ahs-length-garbage", bc_ahs_length_garbage, "Reject 0x04/0x05/0x09, close, or status; in step", false, false },
	{ "unknown-opcode", bc_unknown_opcode, "Reject 0x05 + BHS; in step", false, false },
	{ "vendor-opcode", bc_vendor_opcode, "Reject 0x05 + BHS; in step", false, false },
	{ "snack-erl0", bc_snack_erl0, "Reject 0x04 + BHS; in step", false, false },
	{ "non-login-before-login", bc_non_login_before_login, "close, no answer", false, false },
	{ "non-login-during-login", bc_non_login_during_login, "Login Response 0x020b, close", false, false },
	{ "login-in-ffp", bc_login_in_ffp, "Reject 0x04/0x09 or close", false, false },
	{ "itt-reuse", bc_itt_reuse, "Reject 0x09; original task completes", false, false },
	{ "dataout-unknown-ttt", bc_dataout_unknown_ttt, "Reject 0x04/0x09 or close", false, false },
	{ "dataout-unknown-itt", bc_dataout_unknown_itt, "Reject 0x04/0x09 or close", false, false },
	{ "read10-w-bit", bc_read10_w_bit, "R2T, then GOOD (RFC 7143 §11.4.5)", false, false },
	{ "dataout-bad-offset", bc_dataout_bad_offset, "close, or Reject 0x04/0x09 + BHS; task never GOOD; in step", false, false },
	{ "dataout-bad-datasn", bc_dataout_bad_datasn, "close, or Reject 0x04/0x09 + BHS; task never GOOD; in step", false, false },
	{ "dataout-too-long", bc_dataout_too_long, "close, or Reject 0x04/0x09 + BHS; task never GOOD; in step", false, false },
	{ "text-no-equals", bc_text_no_equals, "login 0x02xx, close", false, false },
	{ "text-key-too-long", bc_text_key_too_long, "login 0x02xx, close", false, false },
	{ "text-value-too-long", bc_text_value_too_long, "login 0x02xx, close", false, false },
	{ "text-unterminated", bc_text_unterminated, "login 0x02xx, close", false, false },
	{ "text-binary-junk", bc_text_binary_junk, "login 0x02xx, close", false, false },
	{ "maxburst-zero", bc_maxburst_zero, "login 0x02xx or MaxBurstLength=Reject", false, false },
	{ "maxburst-huge", bc_maxburst_huge, "login 0x02xx or MaxBurstLength=Reject", false, false },
	{ "mrdsl-garbage", bc_mrdsl_garbage, "login 0x02xx or MaxRecvDataSegmentLength=Reject", false, false },
	{ "version-min", bc_version_min, "login 0x0205, close", false, false },
	{ "missing-initiator-name", bc_missing_initiator_name, "login 0x0207, close", false, false },
	{ "missing-target-name", bc_missing_target_name, "login 0x0207, close", false, false },
	{ "unknown-target", bc_unknown_target, "login 0x0203, close", false, false },
	{ "session-type-bogus", bc_session_type_bogus, "login 0x0209, close", false, false },
	{ "login-continuation-flood", bc_login_continuation_flood, "login 0x02xx/0x03xx or close before 40 PDUs", false, false },
	{ "scsi-in-discovery", bc_scsi_in_discovery, "Reject 0x05 + BHS; in step", false, false },
	{ "cmdsn-far-above", bc_cmdsn_far_above, "silent drop; next command GOOD", false, false },
	{ "cmdsn-above-window", bc_cmdsn_above_window, "silent drop; next command GOOD", false, false },
	{ "cmdsn-below", bc_cmdsn_below, "silent drop; next command GOOD", false, false },
	{ "edtl-over-16mib", bc_edtl_over_16mib, "CHECK CONDITION 5/24/00", false, false },
	{ "edtl-over-16mib-write", bc_edtl_over_16mib_write, "CHECK CONDITION 5/24/00, no R2T", false, false },
	{ "w-f0-no-data", bc_w_f0_no_data, "next command answered, or (CmdSN order) right after the write's data", false, false },
	{ "f0-without-w", bc_f0_without_w, "Reject 0x04/0x09 or close", false, false },
	{ "data-without-w", bc_data_without_w, "Reject 0x04/0x09 or close", false, false },
	{ "nop-ffffffff-immediate", bc_nop_ffff_immediate, "no answer; ping works", false, false },
	{ "command-flood", bc_command_flood, "window respected, StatSN contiguous, session goes on", false, false },
	{ "connection-flood", bc_connection_flood, "each answered or closed; daemon survives", false, false },
	{ "text-oversize-dsl", bc_text_oversize_dsl, "close", false, false },
	{ "text-long-value", bc_text_long_value, "Reject 0x04 (or SendTargets=Reject); in step", false, false },
	{ "header-digest-ok", bc_header_digest_ok, "CRC32C digests both ways", false, false },
	{ "header-digest-corrupt", bc_header_digest_corrupt, "close", false, false },
	{ "logout-then-command", bc_logout_then_command, "Logout Response 0, close", false, false },
	{ "tmf-abort-task", bc_tmf_abort_task, "TMF 0; no SCSI Response; late Data-Out silent; in step", false, false },
	{ "tmf-abort-task-unknown", bc_tmf_abort_task_unknown, "TMF 1 (no such task); in step", false, false },
	{ "tmf-abort-task-set", bc_tmf_abort_task_set, "TMF 0; no response for either task; in step", false, false },
	{ "tmf-lun-reset", bc_tmf_lun_reset, "TMF 0; next TUR 6/29/03, then GOOD", false, false },
	{ "tmf-unknown-lun", bc_tmf_unknown_lun, "TMF 2 (ABORT TASK SET, LU RESET on LUN 9)", false, false },
	{ "tmf-warm-reset", bc_tmf_warm_reset, "TMF 0; next TUR 6/29/03, then GOOD", false, false },
	{ "tmf-cold-reset", bc_tmf_cold_reset, "TMF 0, then close (every connection)", false, true },
	{ "tmf-clear-aca", bc_tmf_clear_aca, "TMF 5 (not supported); in step", false, false },
	{ "tmf-task-reassign", bc_tmf_task_reassign, "TMF 4 (reassignment not supported); in step", false, false },
	{ "tmf-bad-function", bc_tmf_bad_function, "TMF 255 (function rejected); in step", false, false },
	{ "tmf-in-discovery", bc_tmf_in_discovery, "Reject 0x05 + BHS; in step", false, false },
	{ "immediate-limit", bc_immediate_limit, "4 immediate tasks get R2Ts, the 5th Reject 0x06", false, false },
	{ "data-digest-ok", bc_data_digest_ok, "CRC32C data digests both ways", false, false },
	{ "data-digest-corrupt-nop", bc_data_digest_corrupt_nop, "Reject 0x02 + BHS; in step", false, false },
	{ "data-digest-corrupt-dataout", bc_data_digest_corrupt_dataout, "Reject 0x02 + BHS; task CHECK CONDITION B/47/05", false, false },
	{ "session-reinstatement", bc_session_reinstatement, "same ISID, TSIH 0: login OK, old connection closed", false, false },
	{ "connection-reinstatement", bc_connection_reinstatement, "same TSIH+CID: login OK, same TSIH, old closed, no UA", false, false },
	{ "tsih-unknown", bc_tsih_unknown, "login 0x020a, close", false, false },
	{ "tsih-foreign-isid", bc_tsih_foreign_isid, "login 0x020a, close; live session unharmed", false, false },
	{ "logout-recovery", bc_logout_recovery, "Logout Response 2; in step", false, false },
	{ "logout-unknown-cid", bc_logout_unknown_cid, "Logout Response 1; in step", false, false },
	{ "datain-small-mrdsl", bc_datain_small_mrdsl, "Data-In <= our MRDSL 4096, F at each 16 KiB burst, S last", false, false },
	{ "r2t-burst-split", bc_r2t_burst_split, "R2T 0 @8192 and 1 @24576 of 16 KiB, one at a time, GOOD", false, false },
	{ "immediate-over-first-burst", bc_immediate_over_first_burst, "CHECK CONDITION 0B/0C/0C", false, false },
	{ "unsolicited-with-initial-r2t", bc_unsolicited_with_initial_r2t, "CHECK CONDITION 0B/0C/0C", false, false },
	{ "timer-login-timeout", bc_timer_login_timeout, "close within login timeout + 2 s (silent, half PDU)", true, false },
	{ "timer-nop-ping", bc_timer_nop_ping, "3 NOP-In pings (StatSN not advanced), then close", true, false },
	{ "timer-nop-answered", bc_timer_nop_answered, "pings answered: connection stays, works", true, false },
};

/* A bystander: one session that stays logged in through every case and must be
 * served at the end - hostile input on one connection never costs another. */
static struct bi_conn bi_bystander;

/* Between cases: answer the target's pings on the bystander, nothing else may come. */
static const char *bi_bystander_service(void)
{
	for (;;) {
		struct bi_pdu p;
		enum bi_rx r = bi_recv(&bi_bystander, &p, 0);

		if (r == BI_RX_TIMEOUT)
			return NULL;
		if (r != BI_RX_PDU)
			return bi_why("bystander session: %s", bi_rx_what(r));
		if (bi_op(&p) == ISCSI_OP_NOP_IN && wire_be32(p.bhs + BHS_ITT) == BI_NO_TAG) {
			if (wire_be32(p.bhs + BHS_TTT) != BI_NO_TAG)
				bi_answer_ping(&bi_bystander, &p);
		} else if (bi_op(&p) != ISCSI_OP_ASYNC) {
			const char *d = bi_describe(&p);
			bi_pdu_free(&p);
			return bi_why("bystander session got an unexpected %s", d);
		}
		bi_pdu_free(&p);
	}
}

/* At the end: the bystander still answers a ping and TEST UNIT READY (resets on
 * other connections may have left it unit attentions to consume). */
static const char *bi_bystander_check(void)
{
	const char *err = bi_bystander_service();

	if (err == NULL)
		err = bi_ping(&bi_bystander);
	for (int i = 0; err == NULL && i < 8; i++) {
		err = bi_tur(&bi_bystander, true);
		if (err == NULL)
			break;
		if (strstr(err, "sense 6/") == NULL)
			break;
		err = NULL;
	}
	return err;
}

/* The daemon still serves: fresh connection, login, TUR (one UA allowed), INQUIRY
 * type 05h, logout. */
static const char *bi_health(void)
{
	struct bi_conn c;
	uint8_t b[BHS_LEN] = { 0 };
	struct bi_pdu p;
	enum bi_rx r;
	const char *err = bi_session(&c, 0);

	if (err == NULL)
		err = bi_inquiry(&c);
	if (err == NULL) {
		uint32_t itt = c.itt++;

		b[0] = ISCSI_OP_IMMEDIATE | ISCSI_OP_LOGOUT_REQ;
		b[1] = ISCSI_F;
		wire_put_be32(b + BHS_ITT, itt);
		wire_put_be32(b + BHS_CMDSN, c.cmdsn);
		wire_put_be32(b + BHS_EXPSTATSN, c.expstatsn);
		(void)bi_send(&c, b, NULL, 0);
		r = bi_recv_next(&c, &p, BI_WAIT_MS);
		if (r != BI_RX_PDU)
			err = bi_why("logout: %s", bi_rx_what(r));
		else {
			if (bi_op(&p) != ISCSI_OP_LOGOUT_RSP || wire_be32(p.bhs + BHS_ITT) != itt)
				err = bi_why("logout: got %s", bi_describe(&p));
			bi_pdu_free(&p);
		}
	}
	bi_close(&c);
	return err;
}

int main(int argc, char **argv)
{
	const char *glob = NULL, *timers = getenv("BADINPUT_TIMERS");
	unsigned passed = 0, failed = 0, skipped = 0, n = 0;

	if (argc == 2 && strcmp(argv[1], "-l") == 0) {
		for (size_t i = 0; i < sizeof bi_cases / sizeof bi_cases[0]; i++)
			printf("%-28s %s%s\n", bi_cases[i].name, bi_cases[i].expect,
			       bi_cases[i].timer ? " [BADINPUT_TIMERS]" : "");
		return 0;
	}
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: badinput HOST PORT TARGET_IQN [CASE_GLOB]\n"
			"       badinput -l    (list the cases and their expected answers)\n");
		return 2;
	}
	bi_host = argv[1];
	bi_port = argv[2];
	bi_target = argv[3];
	glob = argc == 5 ? argv[4] : "*";
	if (getenv("BADINPUT_LUN") != NULL)
		bi_lun = (uint8_t)atoi(getenv("BADINPUT_LUN"));
	if (timers != NULL && *timers) {
		/* "NOP_MS,LOGIN_MS": the daemon's --nop-interval and --login-timeout. */
		char *end;

		bi_nop_ms = strtol(timers, &end, 10);
		bi_login_ms = *end == ',' ? strtol(end + 1, &end, 10) : 0;
		if (*end != 0 || bi_nop_ms < 50 || bi_nop_ms > 5000 || bi_login_ms < 100 ||
		    bi_login_ms > 20000) {
			fprintf(stderr, "badinput: BADINPUT_TIMERS=%s: expected NOP_MS,LOGIN_MS "
				"(50-5000, 100-20000)\n", timers);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (size_t i = 0; i < sizeof bi_cases / sizeof bi_cases[0]; i++)
		if (fnmatch(glob, bi_cases[i].name, 0) == 0)
			n++;
	/* With short daemon timers (BADINPUT_TIMERS) an idle bystander would be dropped
	 * for missing pings while a case runs, so it only takes part with normal timers. */
	bool bystander = bi_nop_ms == 0;
	printf("1..%u\n", n + (bystander ? 1 : 0));
	n = 0;
	if (bystander) {
		const char *berr = bi_session(&bi_bystander, 0);
		if (berr) {
			printf("Bail out! bystander session: %s\n", berr);
			return 1;
		}
	}
	for (size_t i = 0; i < sizeof bi_cases / sizeof bi_cases[0]; i++) {
		const struct bi_case *bc = &bi_cases[i];
		struct timespec t0;
		const char *err;

		if (fnmatch(glob, bc->name, 0) != 0)
			continue;
		n++;
		if (bc->timer && bi_nop_ms == 0) {
			printf("ok %u - %s # SKIP needs BADINPUT_TIMERS\n", n, bc->name);
			skipped++;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		err = bc->run();
		if (err == NULL) {
			err = bi_health();
			if (err)
				err = bi_why("daemon not serving after the case: %s", err);
		}
		if (err == NULL && bystander && bc->drops_all) {
			/* The bystander must have been dropped too; start a new one. */
			struct bi_pdu p;
			enum bi_rx r;
			while ((r = bi_recv(&bi_bystander, &p, BI_WAIT_MS)) == BI_RX_PDU)
				bi_pdu_free(&p);
			if (r != BI_RX_EOF)
				err = bi_why("the bystander session was not closed: %s", bi_rx_what(r));
			bi_close(&bi_bystander);
			const char *e2 = bi_session(&bi_bystander, 0);
			if (err == NULL && e2)
				err = bi_why("new bystander session: %s", e2);
		} else if (err == NULL && bystander) {
			err = bi_bystander_service();
		}
		if (err == NULL) {
			printf("ok %u - %s (%ld ms)\n", n, bc->name, bi_ms_since(&t0));
			passed++;
		} else {
			printf("not ok %u - %s: %s\n", n, bc->name, err);
			failed++;
		}
	}
	if (bystander) {
		const char *err = bi_bystander_check();
		n++;
		if (err == NULL) {
			printf("ok %u - bystander-session (logged in through every case, still served)\n", n);
			passed++;
		} else {
			printf("not ok %u - bystander-session: %s\n", n, err);
			failed++;
		}
		bi_close(&bi_bystander);
	}
	printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
