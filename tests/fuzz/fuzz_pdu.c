/* tests/fuzz/fuzz_pdu.c - simdrive's iSCSI target fed from bytes: PDU framing, login
 * with text keys and CHAP, the full feature phase (SCSI commands into a DVD+R and a
 * CD-RW LUN, immediate and unsolicited data, Data-Out answering R2T, NOP-Out, task
 * management, Text/SendTargets, Logout), header and data digests.
 *
 * fuzz-covers: simdrive/iscsi/target.c simdrive/iscsi/pdu.c simdrive/iscsi/login.c simdrive/iscsi/crc32c.c
 *
 * The real target (target.h) runs on a real event loop (loop.h); the initiator side is
 * this harness on the other end of a socketpair given to sim_target_adopt().  After
 * every PDU it writes, the harness turns the loop until nothing is ready, so the
 * target has read it and answered, and the harness has read the answers.
 *
 * Input:
 *   byte 0  options: bits 0-1 the target's CHAP (0 none, 1 one-way, 2 and 3 one-way
 *           and mutual)
 *   then PDUs, each:
 *     ctl   bit 0 a wrong header digest, bit 1 a wrong data digest (when in force);
 *           bit 2 raw: CmdSN, ExpStatSN and the "auto" fields below as given;
 *           bit 3 written in two parts, the target running in between;
 *           bit 4 on connection 1 (else 0); bit 5 the data segment in the input is one
 *           length byte n and n bytes, repeated up to DataSegmentLength; bit 6 the
 *           initiator closes the connection after this PDU; bit 7 before this PDU,
 *           16 s pass on the loop's virtual clock (the target's NOP-In ping, its
 *           unanswered pings and login timeout fire then, and only then)
 *     BHS   48 bytes
 *     AHS   TotalAHSLength * 4 bytes
 *     data  DataSegmentLength bytes (or n + n bytes, bit 5); the padding and the
 *           digests are the harness's.
 *   An input that ends inside a PDU sends what there is (the target sees the
 *   connection close in the middle of a PDU).  A connection that was closed, by either
 *   side, is opened anew by its next PDU (at most MAX_OPENS per input).
 * Unless raw, the harness fills CmdSN (the session's next: the first Login Request's
 * CmdSN starts it, the final Login Response's ExpCmdSN sets it, a raw command moves it
 * on, immediate PDUs do not advance it) and ExpStatSN (last StatSN + 1), and
 * replaces "auto" values: TTT 0xfffffffe of a Data-Out by the TTT of the last R2T for
 * its ITT, of a Text Request by the last Text Response's, of a NOP-Out by the last
 * NOP-In ping's; "CHAP_R=auto" in a
 * Login Request by the right response to the last CHAP challenge.  So mutated seeds
 * stay deep in the state machine (mkcorpus_pdu.c writes the seeds).
 *
 * Oracles (abort): every PDU from the target has a target opcode, no AHS, right
 * digests when they are in force, a data segment within the initiator's
 * MaxRecvDataSegmentLength; a login with CHAP configured reaches the full feature
 * phase only after the initiator sent the right CHAP_R; in mutual CHAP the target's
 * CHAP_R is right.
 * FUZZ_PDU_TRACE=1 prints every PDU both ways on stderr.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chap.h"
#include "crc32c.h"
#include "fuzz.h"
#include "fuzz-simlog.h"
#include "log.h"
#include "loop.h"
#include "pdu.h"
#include "scsi.h"
#include "serial.h"
#include "target.h"
#include "text.h"

#define TARGET_NAME "iqn.2026-01.org.burnlab:fuzz"
#define USER        "fuzz-initiator"
#define SECRET      "initiator-secret-1"
#define MUSER       "fuzz-target"
#define MSECRET     "target-secret-2"
#define AUTO_TAG    0xfffffffeu
#define NCONN       2
#define MAX_OPENS   8
#define MAX_SENT    (2u << 20)	/* bytes written per input */
#define MAX_SEGMENT 262144u	/* the target's MaxRecvDataSegmentLength (target.c) */
#define MAX_TURNS   1000000	/* loop turns per pump: more is a livelock */
#define NR2T        16

enum {
	CTL_BAD_HDIGEST = 0x01, CTL_BAD_DDIGEST = 0x02, CTL_RAW = 0x04, CTL_SPLIT = 0x08,
	CTL_CONN1 = 0x10, CTL_REPEAT = 0x20, CTL_CLOSE = 0x40, CTL_IDLE = 0x80,
};
#define IDLE_MS 16000	/* past the target's NOP-In interval and login timeout (15 s) */

static bool trace;

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_pdu: %s\n", what);
	abort();
}

/* The CHAP challenge the target sent last on a connection. */
struct challenge {
	bool have;
	unsigned alg, id;
	uint8_t c[SIM_CHAP_CHALLENGE_MAX];
	int len;
};

struct harness;

struct hconn {
	struct harness *h;
	int fd;				/* our end; -1: closed */
	bool ffp;
	bool tx_hd, tx_dd, rx_hd, rx_dd;	/* digests in force, each way */
	bool hd_crc, dd_crc;		/* the target's last HeaderDigest/DataDigest answer */
	bool cmdsn_set;
	uint32_t cmdsn, expstatsn;
	uint32_t mrdsl;			/* declared by us; 0: unknown (no check) */
	unsigned mrdsl_decl;
	bool login_cont;		/* a Login Request with C=1 was sent */
	bool chap_right;		/* we sent the right CHAP_R */
	struct challenge ch;		/* the target's */
	uint8_t our_ci;			/* mutual: our CHAP_I and CHAP_C */
	uint8_t our_cc[SIM_CHAP_CHALLENGE_MAX];
	int our_cc_len;
	uint32_t text_ttt;
	uint32_t ping_ttt;		/* the target's last NOP-In ping */
	struct { uint32_t itt, ttt; } r2t[NR2T];
	unsigned r2t_pos;
	uint8_t *rx;
	size_t rx_len, rx_cap;
};

struct harness {
	struct sim_loop *loop;
	struct sim_target *tgt;
	uint8_t opts;
	struct hconn c[NCONN];
	unsigned opens;
	size_t sent;
	uint64_t now_ms;		/* the loop's virtual clock */
};

static uint64_t virtual_clock(void *arg)
{
	return ((struct harness *)arg)->now_ms;
}

static void fixed_random(void *arg, uint8_t *buf, size_t len)
{
	unsigned *state = arg;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(++*state * 37u);
}

static void pump(struct harness *h)
{
	for (unsigned turns = 0;; turns++) {
		int n = sim_loop_run_once(h->loop);
		if (n < 0)
			fail("event loop failed");
		if (n == 0)
			return;
		if (turns == MAX_TURNS)
			fail("the target never goes idle (livelock)");
	}
}

/* ------------------------------------------------------------------------ */
/* The target's PDUs. */

static void hconn_close(struct hconn *hc)
{
	if (hc->fd < 0)
		return;
	sim_loop_del_fd(hc->h->loop, hc->fd);
	close(hc->fd);
	hc->fd = -1;
	free(hc->rx);
	hc->rx = NULL;
	hc->rx_len = hc->rx_cap = 0;
}

static bool is_target_opcode(uint8_t op)
{
	switch (op) {
	case SIM_OP_NOP_IN: case SIM_OP_SCSI_RSP: case SIM_OP_TMF_RSP: case SIM_OP_LOGIN_RSP:
	case SIM_OP_TEXT_RSP: case SIM_OP_DATA_IN: case SIM_OP_LOGOUT_RSP: case SIM_OP_R2T:
	case SIM_OP_ASYNC: case SIM_OP_REJECT:
		return true;
	default:
		return false;
	}
}

/* Mutual CHAP: the target's CHAP_R must be H(our CHAP_I, mutual secret, our CHAP_C). */
static void check_mutual(const struct hconn *hc, const char *tr)
{
	uint8_t want[SIM_CHAP_DIGEST_MAX], got[SIM_CHAP_DIGEST_MAX];

	if (!hc->ch.have || hc->our_cc_len <= 0 || hc->login_cont)
		return;
	int dl = sim_chap_response((enum sim_chap_alg)hc->ch.alg, hc->our_ci, MSECRET,
				   hc->our_cc, (size_t)hc->our_cc_len, want);
	if (dl <= 0 || sim_text_binary(tr, got, sizeof(got)) != dl ||
	    memcmp(want, got, (size_t)dl) != 0)
		fail("the target's mutual CHAP_R is wrong");
}

static void on_login_rsp(struct hconn *hc, const uint8_t *bhs, const uint8_t *data, uint32_t dlen)
{
	struct sim_kvlist kv = { 0 };
	const char *why, *v;
	uint64_t a, i;

	if (dlen && sim_text_parse(data, dlen, &kv, &why) == 0) {
		if ((v = sim_kvlist_get(&kv, "HeaderDigest")))
			hc->hd_crc = strcmp(v, "CRC32C") == 0;
		if ((v = sim_kvlist_get(&kv, "DataDigest")))
			hc->dd_crc = strcmp(v, "CRC32C") == 0;
		const char *va = sim_kvlist_get(&kv, "CHAP_A");
		const char *vi = sim_kvlist_get(&kv, "CHAP_I");
		const char *vc = sim_kvlist_get(&kv, "CHAP_C");
		if (va && vi && vc && sim_text_number(va, 0, 255, &a) == 0 &&
		    sim_text_number(vi, 0, 255, &i) == 0) {
			hc->ch.len = sim_text_binary(vc, hc->ch.c, sizeof(hc->ch.c));
			hc->ch.have = hc->ch.len > 0;
			hc->ch.alg = (unsigned)a;
			hc->ch.id = (unsigned)i;
		}
		if ((v = sim_kvlist_get(&kv, "CHAP_R")))
			check_mutual(hc, v);
	}
	sim_kvlist_free(&kv);
	uint8_t flags = bhs[SIM_BHS_FLAGS];
	bool ok = bhs[SIM_LOGIN_STATUS_CLASS] == 0 && bhs[SIM_LOGIN_STATUS_DETAIL] == 0;
	if (ok && (flags & SIM_LOGIN_F_TRANSIT) && SIM_LOGIN_NSG(flags) == 3) {
		if ((hc->h->opts & 3) && !hc->chap_right && !hc->login_cont)
			fail("full feature phase under CHAP without the right CHAP_R");
		hc->ffp = true;
		/* The session's CmdSN goes on from here (a reinstated connection continues
		 * its session's). */
		hc->cmdsn = wire_be32(bhs + SIM_BHS_EXPCMDSN);
		/* Digests start after the final Login Response (RFC 7143 §13.1). */
		hc->tx_hd = hc->rx_hd = hc->hd_crc;
		hc->tx_dd = hc->rx_dd = hc->dd_crc;
	}
}

static void on_pdu(struct hconn *hc, const uint8_t *bhs, const uint8_t *data, uint32_t dlen)
{
	uint8_t op = sim_bhs_opcode(bhs);
	uint32_t itt = wire_be32(bhs + SIM_BHS_ITT);

	if (trace)
		fprintf(stderr, "  <- conn %d %s flags %02x ITT %08x StatSN %u DSL %u\n",
			(int)(hc - hc->h->c), sim_opcode_str(op), bhs[1], itt,
			wire_be32(bhs + SIM_BHS_STATSN), dlen);
	switch (op) {
	case SIM_OP_LOGIN_RSP:
		on_login_rsp(hc, bhs, data, dlen);
		break;
	case SIM_OP_R2T:
		hc->r2t[hc->r2t_pos % NR2T].itt = itt;
		hc->r2t[hc->r2t_pos % NR2T].ttt = wire_be32(bhs + SIM_R2T_TTT);
		hc->r2t_pos++;
		return;		/* no StatSN */
	case SIM_OP_TEXT_RSP:
		hc->text_ttt = wire_be32(bhs + SIM_TEXT_TTT);
		break;
	case SIM_OP_DATA_IN:
		if (!(bhs[SIM_BHS_FLAGS] & SIM_DIN_F_STATUS))
			return;
		break;
	case SIM_OP_NOP_IN:
		if (itt == SIM_NO_TAG) {
			hc->ping_ttt = wire_be32(bhs + SIM_NOP_TTT);
			return;
		}
		break;
	case SIM_OP_ASYNC:
		return;
	default:
		break;
	}
	hc->expstatsn = wire_be32(bhs + SIM_BHS_STATSN) + 1;
}

/* Parse what arrived into PDUs. */
static void rx_parse(struct hconn *hc)
{
	size_t pos = 0;

	while (hc->rx_len - pos >= SIM_BHS_LEN) {
		const uint8_t *bhs = hc->rx + pos;
		uint32_t dsl = sim_bhs_dsl(bhs);
		uint32_t limit = hc->ffp ? hc->mrdsl : SIM_LOGIN_MRDSL;

		if (!is_target_opcode(sim_bhs_opcode(bhs)))
			fail("a PDU from the target with an initiator opcode");
		if (bhs[SIM_BHS_AHSLEN])
			fail("a PDU from the target with an AHS");
		if (limit && dsl > limit)
			fail("a data segment longer than the initiator's MaxRecvDataSegmentLength");
		size_t hd = hc->rx_hd ? SIM_DIGEST_LEN : 0;
		size_t dd = hc->rx_dd && dsl ? SIM_DIGEST_LEN : 0;
		size_t total = SIM_BHS_LEN + hd + dsl + sim_pad4(dsl) + dd;
		if (hc->rx_len - pos < total)
			break;
		if (hd && sim_crc32c(0, bhs, SIM_BHS_LEN) != wire_le32(bhs + SIM_BHS_LEN))
			fail("wrong header digest from the target");
		const uint8_t *data = bhs + SIM_BHS_LEN + hd;
		if (dd && sim_crc32c(0, data, dsl + sim_pad4(dsl)) !=
			  wire_le32(data + dsl + sim_pad4(dsl)))
			fail("wrong data digest from the target");
		pos += total;
		on_pdu(hc, bhs, data, dsl);
	}
	memmove(hc->rx, hc->rx + pos, hc->rx_len - pos);
	hc->rx_len -= pos;
}

static void hconn_event(struct sim_loop *loop, int fd, uint32_t events, void *arg)
{
	struct hconn *hc = arg;

	(void)loop;
	(void)fd;
	(void)events;
	for (;;) {
		if (hc->rx_cap - hc->rx_len < 65536) {
			size_t cap = hc->rx_cap ? 2 * hc->rx_cap : 131072;
			uint8_t *n = realloc(hc->rx, cap);
			if (!n)
				fail("out of memory");
			hc->rx = n;
			hc->rx_cap = cap;
		}
		ssize_t r = read(hc->fd, hc->rx + hc->rx_len, hc->rx_cap - hc->rx_len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			/* The target closed (a PDU may be cut short: closing on an error
			 * drops what was still queued: the connection is dead anyway). */
			hconn_close(hc);
			return;
		}
		hc->rx_len += (size_t)r;
		rx_parse(hc);
	}
}

static bool hconn_open(struct harness *h, struct hconn *hc)
{
	int sv[2];

	if (h->opens >= MAX_OPENS)
		return false;
	h->opens++;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		fail("socketpair failed");
	memset(hc, 0, sizeof(*hc));
	hc->h = h;
	hc->fd = sv[1];
	if (sim_target_adopt(h->tgt, sv[0], "127.0.0.1:50000", "127.0.0.1:3260") < 0) {
		close(sv[1]);
		hc->fd = -1;
		return false;
	}
	if (sim_loop_add_fd(h->loop, hc->fd, EPOLLIN, hconn_event, hc) < 0)
		fail("cannot watch the initiator's socket");
	return true;
}

/* ------------------------------------------------------------------------ */
/* The initiator's PDUs. */

/* Write all of p, the target running while the socket is full.  false: the
 * connection is gone (or stuck). */
static bool send_all(struct hconn *hc, const uint8_t *p, size_t n)
{
	unsigned stalls = 0;

	while (n && hc->fd >= 0) {
		ssize_t w = send(hc->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			hc->h->sent += (size_t)w;
			stalls = 0;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && stalls++ < 2) {
			pump(hc->h);
			continue;
		}
		/* EPIPE/ECONNRESET (the target closed) or a target that reads no more. */
		hconn_close(hc);
	}
	return hc->fd >= 0;
}

/* The right CHAP_R for the last challenge, as hex; false without a challenge. */
static bool chap_answer(const struct hconn *hc, char *hex, size_t cap)
{
	uint8_t dig[SIM_CHAP_DIGEST_MAX];

	if (!hc->ch.have)
		return false;
	int dl = sim_chap_response((enum sim_chap_alg)hc->ch.alg, (uint8_t)hc->ch.id, SECRET,
				   hc->ch.c, (size_t)hc->ch.len, dig);
	return dl > 0 && sim_chap_hex(dig, (size_t)dl, hex, cap) == 0;
}

/* Login Request text: "CHAP_R=auto" replaced (unless raw); notes what it declares.
 * Returns the text to send (data, or a new buffer in *owned). */
static const uint8_t *login_text(struct hconn *hc, const uint8_t *data, uint32_t *dlen,
				 bool raw, uint8_t **owned)
{
	static const char pat[] = "CHAP_R=auto";
	const size_t pl = sizeof(pat) - 1;
	char hex[2 * SIM_CHAP_DIGEST_MAX + 3];
	size_t len = *dlen, at;

	*owned = NULL;
	for (at = 0; !raw && at + pl <= len; at++)
		if (memcmp(data + at, pat, pl) == 0)
			break;
	if (!raw && at + pl <= len && chap_answer(hc, hex, sizeof(hex))) {
		size_t hl = strlen(hex);
		uint8_t *out = malloc(len - 4 + hl);
		if (!out)
			fail("out of memory");
		memcpy(out, data, at + 7);
		memcpy(out + at + 7, hex, hl);
		memcpy(out + at + 7 + hl, data + at + pl, len - at - pl);
		*owned = out;
		data = out;
		len = len - 4 + hl;
		*dlen = (uint32_t)len;
	}

	/* What the target will hold us to: MaxRecvDataSegmentLength, CHAP_R, CHAP_I/C. */
	struct sim_kvlist kv = { 0 };
	const char *why;
	if (sim_text_parse(data, len, &kv, &why) == 0) {
		for (size_t i = 0; i < kv.n; i++) {
			const char *k = kv.v[i].key, *v = kv.v[i].value;
			uint64_t n;
			if (strcmp(k, "MaxRecvDataSegmentLength") == 0) {
				hc->mrdsl_decl++;
				hc->mrdsl = sim_text_number(v, 512, 16777215, &n) == 0 ? (uint32_t)n : 0;
			} else if (strcmp(k, "CHAP_R") == 0 && chap_answer(hc, hex, sizeof(hex))) {
				uint8_t want[SIM_CHAP_DIGEST_MAX], got[SIM_CHAP_DIGEST_MAX];
				int wl = sim_text_binary(hex, want, sizeof(want));
				if (wl > 0 && sim_text_binary(v, got, sizeof(got)) == wl &&
				    memcmp(want, got, (size_t)wl) == 0)
					hc->chap_right = true;
			} else if (strcmp(k, "CHAP_I") == 0 && sim_text_number(v, 0, 255, &n) == 0) {
				hc->our_ci = (uint8_t)n;
			} else if (strcmp(k, "CHAP_C") == 0) {
				hc->our_cc_len = sim_text_binary(v, hc->our_cc, sizeof(hc->our_cc));
			}
		}
	}
	sim_kvlist_free(&kv);
	return data;
}

/* Fill the sequence numbers and auto tags of an outgoing BHS (not raw). */
static void fix_bhs(struct hconn *hc, uint8_t *bhs)
{
	uint8_t op = sim_bhs_opcode(bhs);
	uint32_t itt = wire_be32(bhs + SIM_BHS_ITT);

	wire_put_be32(bhs + SIM_BHS_EXPSTATSN, hc->expstatsn);
	switch (op) {
	case SIM_OP_LOGIN_REQ:
		if (!hc->cmdsn_set) {
			hc->cmdsn = wire_be32(bhs + SIM_BHS_CMDSN);
			hc->cmdsn_set = true;
		}
		wire_put_be32(bhs + SIM_BHS_CMDSN, hc->cmdsn);
		return;
	case SIM_OP_DATA_OUT:
		if (wire_be32(bhs + SIM_DATA_TTT) == AUTO_TAG) {
			for (unsigned i = hc->r2t_pos; i-- > 0 && i + NR2T >= hc->r2t_pos;) {
				if (hc->r2t[i % NR2T].itt == itt) {
					wire_put_be32(bhs + SIM_DATA_TTT, hc->r2t[i % NR2T].ttt);
					break;
				}
			}
		}
		return;
	case SIM_OP_TEXT_REQ:
		if (wire_be32(bhs + SIM_TEXT_TTT) == AUTO_TAG)
			wire_put_be32(bhs + SIM_TEXT_TTT, hc->text_ttt);
		break;
	case SIM_OP_NOP_OUT:
		if (wire_be32(bhs + SIM_NOP_TTT) == AUTO_TAG)
			wire_put_be32(bhs + SIM_NOP_TTT, hc->ping_ttt);
		break;
	case SIM_OP_SNACK:
		return;
	default:
		break;
	}
	wire_put_be32(bhs + SIM_BHS_CMDSN, hc->cmdsn);
	if (!sim_bhs_immediate(bhs))
		hc->cmdsn++;
}

/* A raw PDU keeps its CmdSN; later ones go on after it (RFC 7143 §4.2.2.1). */
static void note_raw_cmdsn(struct hconn *hc, const uint8_t *bhs)
{
	uint8_t op = sim_bhs_opcode(bhs);
	uint32_t next = wire_be32(bhs + SIM_BHS_CMDSN) + 1;

	if (op == SIM_OP_LOGIN_REQ && !hc->cmdsn_set) {
		hc->cmdsn = next - 1;
		hc->cmdsn_set = true;
	} else if (hc->ffp && op != SIM_OP_DATA_OUT && op != SIM_OP_SNACK &&
		   op != SIM_OP_LOGIN_REQ && !sim_bhs_immediate(bhs) && sim_sn_gt(next, hc->cmdsn)) {
		hc->cmdsn = next;
	}
}

struct in { const uint8_t *p; size_t n, i; };

/* One PDU of the input to the target.  false: the input is used up. */
static bool send_pdu(struct harness *h, struct in *in)
{
	if (in->i >= in->n)
		return false;
	uint8_t ctl = in->p[in->i++];
	uint8_t bhs[SIM_BHS_LEN] = { 0 };
	size_t have = in->n - in->i < SIM_BHS_LEN ? in->n - in->i : SIM_BHS_LEN;
	memcpy(bhs, in->p + in->i, have);
	in->i += have;
	bool whole = have == SIM_BHS_LEN;

	if (ctl & CTL_IDLE) {
		/* The initiator is silent for a while: the target's timers fire. */
		h->now_ms += IDLE_MS;
		pump(h);
	}
	struct hconn *hc = &h->c[(ctl & CTL_CONN1) ? 1 : 0];
	if (hc->fd < 0 && !hconn_open(h, hc))
		return false;
	if (h->sent >= MAX_SENT)
		return false;

	uint32_t ahs_len = sim_bhs_ahs_bytes(bhs);
	uint32_t dsl = sim_bhs_dsl(bhs);
	const uint8_t *ahs = in->p + in->i;
	if (ahs_len > in->n - in->i) {
		ahs_len = (uint32_t)(in->n - in->i);
		whole = false;
	}
	in->i += ahs_len;

	/* The data segment: literal, or n bytes repeated. */
	uint8_t *seg = NULL, *owned = NULL;
	uint32_t have_data = 0;
	const uint8_t *data = NULL;
	if (whole && dsl) {
		if (ctl & CTL_REPEAT) {
			size_t lit = in->i < in->n ? in->p[in->i++] : 0;
			if (lit > in->n - in->i)
				lit = in->n - in->i;
			/* Past the target's MaxRecvDataSegmentLength it reads nothing more. */
			uint32_t want = dsl < MAX_SEGMENT ? dsl : MAX_SEGMENT + 1;
			if (want > MAX_SENT - h->sent)
				want = (uint32_t)(MAX_SENT - h->sent);
			if (!(seg = malloc(want ? want : 1)))
				fail("out of memory");
			uint32_t have_lit = lit < want ? (uint32_t)lit : want;
			memcpy(seg, in->p + in->i, have_lit);
			if (!have_lit)
				memset(seg, 0, want);
			for (uint32_t k = have_lit; have_lit && k < want;) {
				uint32_t n = k < want - k ? k : want - k;
				memcpy(seg + k, seg, n);
				k += n;
			}
			in->i += lit;
			data = seg;
			have_data = want;
		} else {
			have_data = in->n - in->i < dsl ? (uint32_t)(in->n - in->i) : dsl;
			data = in->p + in->i;
			in->i += have_data;
		}
		whole = have_data == dsl;
	}

	bool raw = ctl & CTL_RAW;
	uint8_t op = sim_bhs_opcode(bhs);
	if (whole && op == SIM_OP_LOGIN_REQ) {
		if (bhs[SIM_BHS_FLAGS] & SIM_LOGIN_F_CONTINUE)
			hc->login_cont = true;
		uint32_t n = dsl;
		data = login_text(hc, data, &n, raw, &owned);
		dsl = have_data = n;
		wire_put_be24(bhs + SIM_BHS_DSL, dsl);
	}
	if (!raw && whole)
		fix_bhs(hc, bhs);
	else if (whole)
		note_raw_cmdsn(hc, bhs);
	if (hc->login_cont || hc->mrdsl_decl > 1)
		hc->mrdsl = 0;		/* a key split over PDUs, or declared twice: unknown */
	if (!hc->ffp && hc->mrdsl_decl == 0)
		hc->mrdsl = 8192;	/* the default (RFC 7143 §13.12) */
	if (trace)
		fprintf(stderr, "-> conn %d %s flags %02x ITT %08x CmdSN %u DSL %u%s\n",
			(int)(hc - h->c), sim_opcode_str(op), bhs[1], wire_be32(bhs + SIM_BHS_ITT),
			wire_be32(bhs + SIM_BHS_CMDSN), dsl, whole ? "" : " (cut short)");

	/* The wire image: BHS, AHS, header digest, data, padding, data digest. */
	size_t pad = sim_pad4(have_data);
	size_t cap = SIM_BHS_LEN + ahs_len + 4 + have_data + pad + 4;
	uint8_t *wire = malloc(cap), *w = wire;
	if (!wire)
		fail("out of memory");
	memcpy(w, bhs, SIM_BHS_LEN);
	w += SIM_BHS_LEN;
	memcpy(w, ahs, ahs_len);
	w += ahs_len;
	if (hc->tx_hd && whole) {
		uint32_t crc = sim_crc32c(sim_crc32c(0, bhs, SIM_BHS_LEN), ahs, ahs_len);
		wire_put_le32(w, crc ^ ((ctl & CTL_BAD_HDIGEST) ? 1u : 0u));
		w += 4;
	}
	if (have_data) {
		memcpy(w, data, have_data);
		memset(w + have_data, 0, pad);
		if (hc->tx_dd && whole) {
			uint32_t crc = sim_crc32c(0, w, have_data + pad);
			wire_put_le32(w + have_data + pad, crc ^ ((ctl & CTL_BAD_DDIGEST) ? 1u : 0u));
			w += 4;
		}
		w += have_data + pad;
	}
	size_t len = (size_t)(w - wire);
	size_t first = (ctl & CTL_SPLIT) ? len / 2 : len;
	if (send_all(hc, wire, first)) {
		pump(h);
		if (first < len && send_all(hc, wire + first, len - first))
			pump(h);
	}
	free(wire);
	free(seg);
	free(owned);
	if (ctl & CTL_CLOSE) {
		hconn_close(hc);
		pump(h);
	}
	return whole;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);	/* as simdrive: a vanished peer is EPIPE */
	fuzz_simlog_to_null();
	trace = getenv("FUZZ_PDU_TRACE") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct harness h;
	unsigned rnd = 0;
	char err[256];

	if (size < 1)
		return 0;
	memset(&h, 0, sizeof(h));
	h.opts = data[0];
	for (int i = 0; i < NCONN; i++)
		h.c[i].fd = -1;
	struct sim_lun_cfg luns[2] = {
		{ .lun = 0, .media = "dvd+r", .capacity = 2000 },
		{ .lun = 1, .media = "cd-rw", .capacity = 2000 },
	};
	struct sim_dev_cfg dcfg = {
		.vendor = "BURNLAB", .product = "SIMDRIVE", .revision = "0.1", .serial = "SN",
		.target_name = TARGET_NAME, .luns = luns, .nluns = 2,
	};
	struct sim_dev *dev = sim_dev_new(&dcfg, err, sizeof(err));
	if (!dev)
		fail(err);
	if (!(h.loop = sim_loop_new()))
		fail("sim_loop_new failed");
	h.now_ms = 1000000;
	sim_loop_set_clock(h.loop, virtual_clock, &h);
	struct sim_target_node node = { .name = TARGET_NAME, .alias = "fuzz", .dev = dev };
	struct sim_target_cfg tcfg = {
		.targets = &node,
		.ntargets = 1,
		.random = fixed_random,
		.random_arg = &rnd,
	};
	if (h.opts & 3) {
		tcfg.chap_user = USER;
		tcfg.chap_secret = SECRET;
	}
	if ((h.opts & 3) >= 2) {
		tcfg.mutual_user = MUSER;
		tcfg.mutual_secret = MSECRET;
	}
	if (!(h.tgt = sim_target_new(h.loop, &tcfg, err, sizeof(err))))
		fail(err);

	struct in in = { data, size, 1 };
	while (send_pdu(&h, &in))
		;
	/* The initiator goes away; the target closes what is left. */
	for (int i = 0; i < NCONN; i++)
		hconn_close(&h.c[i]);
	pump(&h);
	sim_target_free(h.tgt);
	sim_loop_free(h.loop);
	sim_dev_free(dev);
	return 0;
}
