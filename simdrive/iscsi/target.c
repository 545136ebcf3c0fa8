/* simdrive/iscsi/target.c - the iSCSI target (see target.h).
 *
 * Layout of this file: buffers and the transmit queue; building target PDUs;
 * connection life cycle; the receive state machine; login; the full feature phase
 * (CmdSN ordering, SCSI commands, Data-Out/R2T, Data-In and responses, NOP, Text,
 * task management, logout); the listener. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "crc32c.h"
#include "log.h"
#include "login.h"
#include "pdu.h"
#include "serial.h"
#include "target.h"
#include "text.h"

/* Limits (doc/iscsi-target.md, "our limits" and "write data"). */
#define TGT_MAX_CONNS        128	/* over all targets: 64 targets, two sessions each */
#define TGT_WINDOW           32		/* CmdSN window: non-immediate tasks in flight */
#define TGT_MAX_IMMEDIATE    4		/* immediate SCSI commands in flight */
#define TGT_MRDSL            262144	/* our MaxRecvDataSegmentLength */
#define TGT_MAX_BURST        1048576
#define TGT_FIRST_BURST      262144
#define TGT_EDTL_MAX         (16u << 20)
#define TGT_SESSION_BUFFERED (64u << 20)	/* write data buffered per session */
#define TGT_TXQ_HIGH         (64u << 20)	/* stop reading while this much is queued */
#define TGT_TEXT_MAX         65536
#define TGT_NOP_MISSES       3
#define TGT_ABORTED_RING     16
#define TGT_TPGT             1

/* ------------------------------------------------------------------------ */
/* Reference-counted payload shared by the PDUs that carry slices of it. */

struct blob {
	unsigned refs;
	uint8_t *p;
	size_t len;
};

static struct blob *blob_take(uint8_t *p, size_t len)
{
	struct blob *b = malloc(sizeof(*b));
	if (!b) {
		free(p);
		return NULL;
	}
	b->refs = 1;
	b->p = p;
	b->len = len;
	return b;
}

static struct blob *blob_copy(const uint8_t *p, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);
	if (!c)
		return NULL;
	memcpy(c, p, len);
	return blob_take(c, len);
}

static void blob_put(struct blob *b)
{
	if (b && --b->refs == 0) {
		sim_bulk_put(b->p, b->len);	/* a READ's Data-In: scsi.h transfer buffers */
		free(b);
	}
}

/* One queued PDU: header (+ digest), a slice of a blob, padding (+ digest). */
struct txitem {
	struct txitem *next;
	uint32_t itt;			/* task it belongs to, for purging on abort */
	bool purgeable;			/* R2T: may be dropped if its task is aborted */
	bool close_after;		/* close the connection once this is sent */
	uint8_t hdr[SIM_BHS_LEN + SIM_DIGEST_LEN];
	uint8_t hdr_len;
	struct blob *blob;
	const uint8_t *data;
	uint32_t dlen;
	uint8_t trailer[3 + SIM_DIGEST_LEN];
	uint8_t trailer_len;
	size_t sent;			/* bytes of hdr+data+trailer already written */
};

/* ------------------------------------------------------------------------ */
/* Tasks: SCSI commands between arrival and completion. */

enum task_state {
	TASK_COLLECT,		/* waiting for write data */
	TASK_READY,		/* all data in, waiting for its turn on the LUN */
	TASK_PENDING,		/* the device cannot finish it yet (scsi.h pending): its
				 * LUN waits, it is resumed after the device's wake-up */
	TASK_HELD,		/* executed; the response waits for the drive's time */
};

struct task {
	struct task *next;
	enum task_state state;
	uint32_t itt, cmdsn;
	bool immediate;
	uint8_t bhs[SIM_BHS_LEN];
	uint16_t lun;
	uint32_t edtl;
	bool r, w;
	/* write data */
	uint8_t *wbuf;
	uint32_t wlen;		/* bytes of wbuf in use: min(edtl, TGT_EDTL_MAX) */
	uint32_t wcap;		/* its capacity (a reused buffer may be larger) */
	uint32_t received;	/* contiguous bytes received from offset 0 */
	bool unsol_open;	/* unsolicited Data-Out still expected */
	uint32_t unsol_end;	/* end offset of the unsolicited burst */
	uint32_t unsol_datasn;
	bool r2t_open;
	uint32_t r2t_ttt, r2t_sn, r2t_offset, r2t_len, r2t_datasn;
	uint32_t pdus_sent;	/* Data-In + R2T, for ExpDataSN */
	struct sim_sense fail;	/* non-zero key: answer with this instead of executing */
	bool fail_taskset_full;
	bool counted_buffer;
	/* TASK_PENDING: the command as the device left it; TASK_HELD: the outcome, sent
	 * when hold_timer fires (scsi.h complete_after_us) */
	struct conn *conn;
	struct sim_cmd *held;
	uint64_t hold_timer;
};

/* A non-immediate PDU that arrived ahead of ExpCmdSN, parked until the gap fills. */
struct parked {
	struct parked *next;
	uint32_t cmdsn;
	uint8_t bhs[SIM_BHS_LEN];
	uint8_t *data;
	uint32_t dlen;
};

/* ------------------------------------------------------------------------ */

enum conn_state {
	CONN_LOGIN,		/* before the final Login Response */
	CONN_FFP,
	CONN_CLOSING,		/* flushing the last PDUs, reading nothing */
};

enum rx_state { RX_BHS, RX_AHS, RX_HDIGEST, RX_DATA, RX_DDIGEST };

struct conn {
	struct conn *next, *prev;
	struct sim_target *tgt;
	int fd;
	char peer[64];
	char local[64];			/* "addr:port" of our end, for SendTargets */
	enum conn_state state;
	unsigned id;

	/* login */
	struct sim_login *login;
	bool login_started;
	uint32_t login_itt;
	uint64_t login_timer;

	/* session (MaxConnections=1: the session is this connection) */
	struct sim_params params;
	bool discovery;
	struct sim_dev *dev;		/* normal session: its target's device; else NULL */
	uint8_t isid[6];
	uint16_t tsih, cid;
	uint64_t nexus;
	bool nexus_open;
	uint32_t stat_sn, exp_cmdsn, max_cmdsn;
	bool hdigest, ddigest;
	uint32_t tx_mrdsl;

	/* receive state machine */
	enum rx_state rx;
	uint8_t rx_bhs[SIM_BHS_LEN];
	uint8_t rx_ahs[1020];
	uint8_t rx_dig[SIM_DIGEST_LEN];
	uint8_t *rx_data;
	uint32_t rx_data_cap;
	uint32_t rx_need, rx_got;	/* bytes wanted/received in the current state */
	uint32_t rx_ahs_len, rx_dsl;
	bool rx_data_bad;		/* data digest failed */
	bool rx_activity;

	/* transmit queue */
	struct txitem *tx_head, *tx_tail;
	size_t tx_bytes;
	bool reading;

	/* tasks in delivery (CmdSN) order */
	struct task *tasks;
	unsigned ntasks, nimmediate;
	size_t buffered;
	struct parked *parked;
	unsigned nparked;
	uint32_t aborted_itt[TGT_ABORTED_RING];
	unsigned aborted_pos;
	uint32_t aborted_cmdsn[TGT_ABORTED_RING];
	unsigned aborted_cmdsn_pos, naborted_cmdsn;
	uint32_t next_ttt;

	/* text continuation */
	uint8_t *text_in;
	size_t text_in_len;
	uint32_t text_in_ttt;
	struct sim_textbuf text_out;
	size_t text_out_off;
	uint32_t text_out_ttt;

	/* target NOP-In pings */
	uint64_t nop_timer;
	uint32_t nop_ttt;
	unsigned nop_misses;
};

struct sim_target {
	struct sim_loop *loop;
	struct sim_target_cfg cfg;
	struct sim_login_cfg login_cfg;
	struct sim_target_node nodes[SIM_TARGET_MAX];
	struct sim_login_target names[SIM_TARGET_MAX];	/* the login layer's view of nodes */
	size_t ntargets;
	int listen_fd;
	char address[80];
	struct conn *conns;
	struct conn *dead;		/* closed, freed by reap() once no handler runs */
	unsigned nconns, next_conn_id;
	uint16_t next_tsih;
	uint32_t nop_interval, login_timeout;
	bool shutting_down;
	struct sim_loop_waker *waker;	/* the device's wake-ups for pending commands */
};

static void conn_close(struct conn *c, const char *why);
static void conn_flush(struct conn *c);
static void conn_update_events(struct conn *c);
static void conn_run_tasks(struct conn *c);
static void ffp_deliver(struct conn *c, const uint8_t *bhs, uint8_t *data, uint32_t dlen);

/* ------------------------------------------------------------------------ */
/* Transmit. */

static uint32_t next_tag(uint32_t *counter)
{
	if (++*counter == SIM_NO_TAG)
		*counter = 1;
	return *counter;
}

/* Fill the sequence fields every target PDU carries (RFC 7143 §4.2.2). */
static void put_sn(struct conn *c, uint8_t *bhs, bool advance_statsn)
{
	wire_put_be32(bhs + SIM_BHS_STATSN, c->stat_sn);
	if (advance_statsn)
		c->stat_sn++;
	wire_put_be32(bhs + SIM_BHS_EXPCMDSN, c->exp_cmdsn);
	wire_put_be32(bhs + SIM_BHS_MAXCMDSN, c->max_cmdsn);
}

static struct txitem *tx_build(struct conn *c, const uint8_t *bhs, struct blob *blob,
			       const uint8_t *data, uint32_t dlen)
{
	struct txitem *t = calloc(1, sizeof(*t));
	uint32_t pad = sim_pad4(dlen);

	if (!t)
		return NULL;
	memcpy(t->hdr, bhs, SIM_BHS_LEN);
	wire_put_be24(t->hdr + SIM_BHS_DSL, dlen);
	t->hdr_len = SIM_BHS_LEN;
	if (c->hdigest) {
		wire_put_le32(t->hdr + SIM_BHS_LEN, sim_crc32c(0, t->hdr, SIM_BHS_LEN));
		t->hdr_len += SIM_DIGEST_LEN;
	}
	t->itt = wire_be32(bhs + SIM_BHS_ITT);
	if (dlen) {
		t->blob = blob;
		blob->refs++;
		t->data = data;
		t->dlen = dlen;
		memset(t->trailer, 0, pad);
		t->trailer_len = (uint8_t)pad;
		if (c->ddigest) {
			uint32_t crc = sim_crc32c(0, data, dlen);
			crc = sim_crc32c(crc, t->trailer, pad);
			wire_put_le32(t->trailer + pad, crc);
			t->trailer_len += SIM_DIGEST_LEN;
		}
	}
	return t;
}

static void tx_free_item(struct txitem *t)
{
	blob_put(t->blob);
	free(t);
}

static void tx_queue(struct conn *c, struct txitem *t)
{
	if (c->fd < 0) {
		/* Closed while a handler was still answering: nothing will be sent. */
		if (t)
			tx_free_item(t);
		return;
	}
	if (!t) {
		conn_close(c, "out of memory building a PDU");
		return;
	}
	sim_log_hex(SIM_LOG_TRACE, SIM_LOGS_ISCSI, sim_opcode_str(t->hdr[0]), t->hdr, SIM_BHS_LEN);
	if (c->tx_tail)
		c->tx_tail->next = t;
	else
		c->tx_head = t;
	c->tx_tail = t;
	c->tx_bytes += t->hdr_len + t->dlen + t->trailer_len;
}

/* Queue a PDU whose data (if any) is copied. */
static void tx_send(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t dlen)
{
	struct blob *b = NULL;

	if (dlen) {
		b = blob_copy(data, dlen);
		if (!b) {
			conn_close(c, "out of memory");
			return;
		}
	}
	tx_queue(c, tx_build(c, bhs, b, b ? b->p : NULL, dlen));
	blob_put(b);
}

/* Drop queued, not yet started R2Ts of a task (it was aborted). */
static void tx_purge_itt(struct conn *c, uint32_t itt)
{
	struct txitem **pp = &c->tx_head, *prev = NULL;

	while (*pp) {
		struct txitem *t = *pp;
		if (t->purgeable && t->itt == itt && t->sent == 0) {
			*pp = t->next;
			c->tx_bytes -= t->hdr_len + t->dlen + t->trailer_len;
			if (c->tx_tail == t)
				c->tx_tail = prev;
			tx_free_item(t);
			continue;
		}
		prev = t;
		pp = &t->next;
	}
}

/* Write as much of the queue as the socket takes. */
static void conn_flush(struct conn *c)
{
	if (c->fd < 0)
		return;
	while (c->tx_head) {
		struct iovec iov[IOV_MAX < 96 ? IOV_MAX : 96];
		int n = 0;

		for (struct txitem *t = c->tx_head; t && n + 3 <= (int)(sizeof(iov) / sizeof(iov[0])); t = t->next) {
			size_t skip = t->sent;
			const struct { const void *p; size_t len; } parts[3] = {
				{ t->hdr, t->hdr_len }, { t->data, t->dlen }, { t->trailer, t->trailer_len },
			};
			for (int i = 0; i < 3; i++) {
				if (skip >= parts[i].len) {
					skip -= parts[i].len;
					continue;
				}
				iov[n].iov_base = (uint8_t *)parts[i].p + skip;
				iov[n].iov_len = parts[i].len - skip;
				skip = 0;
				n++;
			}
		}
		ssize_t w = writev(c->fd, iov, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_close(c, strerror(errno));
			return;
		}
		size_t left = (size_t)w;
		c->tx_bytes -= left;
		while (left && c->tx_head) {
			struct txitem *t = c->tx_head;
			size_t total = t->hdr_len + t->dlen + t->trailer_len, rest = total - t->sent;
			if (left < rest) {
				t->sent += left;
				left = 0;
				break;
			}
			left -= rest;
			c->tx_head = t->next;
			if (!c->tx_head)
				c->tx_tail = NULL;
			bool close_after = t->close_after;
			tx_free_item(t);
			if (close_after) {
				conn_close(c, NULL);
				return;
			}
		}
	}
	conn_update_events(c);
}

/* ------------------------------------------------------------------------ */
/* Target PDUs. */

static void send_reject(struct conn *c, uint8_t reason, const uint8_t *bad_bhs)
{
	uint8_t bhs[SIM_BHS_LEN];

	SIM_WARN(SIM_LOGS_ISCSI, "conn %u: Reject (%s) of %s, ITT 0x%08x", c->id,
		 sim_reject_reason_str(reason), sim_opcode_str(bad_bhs[0]),
		 wire_be32(bad_bhs + SIM_BHS_ITT));
	sim_bhs_init(bhs, SIM_OP_REJECT, SIM_BHS_FINAL, 0);
	bhs[SIM_REJECT_REASON] = reason;
	wire_put_be32(bhs + SIM_BHS_ITT, SIM_NO_TAG);
	put_sn(c, bhs, true);
	/* The data segment is the complete header of the rejected PDU (RFC 7143 §11.17). */
	tx_send(c, bhs, bad_bhs, SIM_BHS_LEN);
}

/* MaxCmdSN: the window shrinks with the tasks still held, and never moves back. */
static void update_window(struct conn *c)
{
	unsigned held = c->ntasks - c->nimmediate + c->nparked;
	uint32_t room = held >= TGT_WINDOW ? 0 : TGT_WINDOW - held;
	uint32_t max = c->exp_cmdsn + room - 1;
	if (sim_sn_gt(max, c->max_cmdsn))
		c->max_cmdsn = max;
}

static void send_scsi_response(struct conn *c, struct task *t, const struct sim_cmd *cmd,
			       uint32_t spdtl)
{
	uint8_t bhs[SIM_BHS_LEN];
	uint8_t flags = SIM_BHS_FINAL;
	uint8_t sdata[2 + SIM_SENSE_MAX];
	uint32_t resid = 0, slen = 0;

	if (spdtl > t->edtl) {
		flags |= SIM_RSP_F_OVERFLOW;
		resid = spdtl - t->edtl;
	} else if (spdtl < t->edtl) {
		flags |= SIM_RSP_F_UNDERFLOW;
		resid = t->edtl - spdtl;
	}
	if (cmd->sense_len) {
		/* Sense data: SenseLength then the sense bytes (RFC 7143 §11.4.7). */
		wire_put_be16(sdata, cmd->sense_len);
		memcpy(sdata + 2, cmd->sense, cmd->sense_len);
		slen = 2u + cmd->sense_len;
	}
	sim_bhs_init(bhs, SIM_OP_SCSI_RSP, flags, 0);
	bhs[SIM_RSP_RESPONSE] = 0;	/* command completed at target */
	bhs[SIM_RSP_STATUS] = cmd->status;
	wire_put_be32(bhs + SIM_BHS_ITT, t->itt);
	put_sn(c, bhs, true);
	wire_put_be32(bhs + SIM_RSP_EXPDATASN, t->pdus_sent);
	wire_put_be32(bhs + SIM_RSP_RESID, resid);
	tx_send(c, bhs, sdata, slen);
}

/* Data-In (RFC 7143 §11.7): PDUs of at most the initiator's MRDSL, F at each MaxBurstLength
 * boundary (DataSequenceInOrder), status in the last one when the command ended
 * GOOD (phase collapse, RFC 7143 §11.7.3). */
static void send_data_in(struct conn *c, struct task *t, struct sim_cmd *cmd)
{
	uint32_t len = cmd->data_in_len < t->edtl ? cmd->data_in_len : t->edtl;
	bool collapse = cmd->status == SIM_STATUS_GOOD && cmd->sense_len == 0;
	struct blob *b;

	if (!t->r || len == 0) {
		send_scsi_response(c, t, cmd, cmd->spdtl);
		return;
	}
	b = blob_take(cmd->data_in, cmd->data_in_len);
	cmd->data_in = NULL;
	cmd->data_in_len = 0;
	if (!b) {
		conn_close(c, "out of memory");
		return;
	}
	uint32_t burst = c->params.max_burst ? c->params.max_burst : TGT_MAX_BURST;
	for (uint32_t off = 0, seq = 0; off < len;) {
		uint32_t n = len - off;
		if (n > c->tx_mrdsl)
			n = c->tx_mrdsl;
		if (n > burst - seq)
			n = burst - seq;
		bool last = off + n == len;
		bool final = last || seq + n == burst;
		uint8_t bhs[SIM_BHS_LEN];
		sim_bhs_init(bhs, SIM_OP_DATA_IN, final ? SIM_BHS_FINAL : 0, 0);
		wire_put_be32(bhs + SIM_BHS_ITT, t->itt);
		wire_put_be32(bhs + SIM_DATA_TTT, SIM_NO_TAG);
		wire_put_be32(bhs + SIM_DATA_DATASN, t->pdus_sent++);
		wire_put_be32(bhs + SIM_DATA_OFFSET, off);
		if (last && collapse) {
			uint32_t spdtl = cmd->spdtl;
			bhs[SIM_BHS_FLAGS] |= SIM_DIN_F_STATUS;
			bhs[SIM_RSP_STATUS] = cmd->status;
			if (spdtl > t->edtl) {
				bhs[SIM_BHS_FLAGS] |= SIM_DIN_F_OVERFLOW;
				wire_put_be32(bhs + SIM_DATA_RESID, spdtl - t->edtl);
			} else if (spdtl < t->edtl) {
				bhs[SIM_BHS_FLAGS] |= SIM_DIN_F_UNDERFLOW;
				wire_put_be32(bhs + SIM_DATA_RESID, t->edtl - spdtl);
			}
			put_sn(c, bhs, true);
		} else {
			wire_put_be32(bhs + SIM_BHS_EXPCMDSN, c->exp_cmdsn);
			wire_put_be32(bhs + SIM_BHS_MAXCMDSN, c->max_cmdsn);
		}
		tx_queue(c, tx_build(c, bhs, b, b->p + off, n));
		off += n;
		seq = final ? 0 : seq + n;
	}
	blob_put(b);
	if (!collapse)
		send_scsi_response(c, t, cmd, cmd->spdtl);
}

static void send_r2t(struct conn *c, struct task *t)
{
	uint8_t bhs[SIM_BHS_LEN];
	uint32_t burst = c->params.max_burst;
	uint32_t len = t->edtl - t->received;

	if (len > burst)
		len = burst;
	t->r2t_open = true;
	t->r2t_ttt = next_tag(&c->next_ttt);
	t->r2t_offset = t->received;
	t->r2t_len = len;
	t->r2t_datasn = 0;
	sim_bhs_init(bhs, SIM_OP_R2T, SIM_BHS_FINAL, 0);
	memcpy(bhs + SIM_BHS_LUN, t->bhs + SIM_BHS_LUN, 8);
	wire_put_be32(bhs + SIM_BHS_ITT, t->itt);
	wire_put_be32(bhs + SIM_R2T_TTT, t->r2t_ttt);
	put_sn(c, bhs, false);
	wire_put_be32(bhs + SIM_R2T_R2TSN, t->r2t_sn++);
	wire_put_be32(bhs + SIM_R2T_OFFSET, t->r2t_offset);
	wire_put_be32(bhs + SIM_R2T_DDTL, len);
	t->pdus_sent++;
	struct txitem *it = tx_build(c, bhs, NULL, NULL, 0);
	if (it)
		it->purgeable = true;
	tx_queue(c, it);
}

static void send_nop_in(struct conn *c, uint32_t itt, uint32_t ttt, const uint8_t *lun,
			const uint8_t *data, uint32_t dlen)
{
	uint8_t bhs[SIM_BHS_LEN];

	sim_bhs_init(bhs, SIM_OP_NOP_IN, SIM_BHS_FINAL, 0);
	if (lun)
		memcpy(bhs + SIM_BHS_LUN, lun, 8);
	wire_put_be32(bhs + SIM_BHS_ITT, itt);
	wire_put_be32(bhs + SIM_NOP_TTT, ttt);
	/* Only a reply to an initiator ping advances StatSN (RFC 7143 §11.19). */
	put_sn(c, bhs, itt != SIM_NO_TAG);
	tx_send(c, bhs, data, dlen);
}

/* ------------------------------------------------------------------------ */
/* Connection life cycle. */

static void conn_update_events(struct conn *c)
{
	uint32_t ev = 0;

	if (c->fd < 0)
		return;
	c->reading = c->state != CONN_CLOSING && c->tx_bytes < TGT_TXQ_HIGH;
	if (c->reading)
		ev |= EPOLLIN;
	if (c->tx_head)
		ev |= EPOLLOUT;
	sim_loop_mod_fd(c->tgt->loop, c->fd, ev);
}

static void task_wbuf_release(struct conn *c, struct task *t)
{
	if (t->counted_buffer)
		c->buffered -= t->wlen;
	t->counted_buffer = false;
	sim_bulk_put(t->wbuf, t->wcap);
	t->wbuf = NULL;
	t->wlen = t->wcap = 0;
}

static void task_free(struct conn *c, struct task *t)
{
	if (t->hold_timer)
		sim_loop_del_timer(c->tgt->loop, t->hold_timer);
	if (t->held) {
		sim_cmd_release(t->held);
		free(t->held);
	}
	task_wbuf_release(c, t);
	free(t);
}

static void task_unlink(struct conn *c, struct task *t)
{
	for (struct task **pp = &c->tasks; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			c->ntasks--;
			if (t->immediate)
				c->nimmediate--;
			return;
		}
	}
}

static void free_parked(struct parked *p)
{
	free(p->data);
	free(p);
}

static void conn_drop_tasks(struct conn *c)
{
	while (c->tasks) {
		struct task *t = c->tasks;
		c->tasks = t->next;
		task_free(c, t);
	}
	c->ntasks = c->nimmediate = 0;
	while (c->parked) {
		struct parked *p = c->parked;
		c->parked = p->next;
		free_parked(p);
	}
	c->nparked = 0;
}

static void conn_close(struct conn *c, const char *why)
{
	struct sim_target *tgt = c->tgt;

	if (c->fd < 0)
		return;
	if (why)
		SIM_INFO(SIM_LOGS_ISCSI, "conn %u (%s): closed: %s", c->id, c->peer, why);
	else
		SIM_DEBUG(SIM_LOGS_ISCSI, "conn %u (%s): closed", c->id, c->peer);
	sim_loop_del_fd(tgt->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	if (c->login_timer)
		sim_loop_del_timer(tgt->loop, c->login_timer);
	if (c->nop_timer)
		sim_loop_del_timer(tgt->loop, c->nop_timer);
	/* ERL 0: the session ends with its only connection; its tasks are aborted and
	 * nexus-scoped state (prevent/allow) is released. */
	conn_drop_tasks(c);
	if (c->nexus_open)
		sim_dev_nexus_close(c->dev, c->nexus);
	while (c->tx_head) {
		struct txitem *t = c->tx_head;
		c->tx_head = t->next;
		tx_free_item(t);
	}
	sim_login_free(c->login);
	sim_textbuf_free(&c->text_out);
	free(c->text_in);
	sim_bulk_put(c->rx_data, c->rx_data_cap);
	if (c->prev)
		c->prev->next = c->next;
	else
		tgt->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	tgt->nconns--;
	/* Handlers up the stack may still hold c: it is freed by reap() when the
	 * event callback returns (fd < 0 marks it dead meanwhile). */
	c->next = tgt->dead;
	tgt->dead = c;
}

static void reap(struct sim_target *tgt)
{
	while (tgt->dead) {
		struct conn *c = tgt->dead;
		tgt->dead = c->next;
		free(c);
	}
}

/* ------------------------------------------------------------------------ */
/* Login phase. */

/* The live normal session named by initiator name, ISID and target (the session
 * identifier, RFC 7143 §4.4.3) and, when non-zero, TSIH: a TSIH alone never names a
 * session, or any initiator could take over another's by guessing it. */
static struct conn *find_session(struct sim_target *tgt, const uint8_t isid[6], uint16_t tsih,
				 const char *initiator_name, size_t target)
{
	for (struct conn *o = tgt->conns; o; o = o->next) {
		if (o->state != CONN_FFP || o->discovery || o->params.target != target)
			continue;
		if ((tsih == 0 || o->tsih == tsih) && memcmp(o->isid, isid, 6) == 0 &&
		    strcasecmp(o->params.initiator_name, initiator_name) == 0)
			return o;
	}
	return NULL;
}

static uint16_t session_check(void *arg, const uint8_t isid[6], uint16_t tsih, uint16_t cid,
			      const char *initiator_name, size_t target)
{
	struct sim_target *tgt = arg;
	struct conn *o;

	if (tsih == 0)
		return SIM_LOGIN_SUCCESS;
	o = find_session(tgt, isid, tsih, initiator_name, target);
	if (!o)
		return SIM_LOGIN_NO_SESSION;
	/* MaxConnections=1: only reinstatement of the same CID (RFC 7143 §6.3.4). */
	return o->cid == cid ? SIM_LOGIN_SUCCESS : SIM_LOGIN_TOO_MANY_CONNS;
}

static void nop_tick(struct sim_loop *loop, void *arg);

static void arm_nop(struct conn *c)
{
	c->nop_timer = sim_loop_add_timer(c->tgt->loop, c->tgt->nop_interval, nop_tick, c);
}

/* Target-initiated pings on idle connections (RFC 7143 §11.19; doc/iscsi-target.md,
 * NOP): a connection that stays silent through TGT_NOP_MISSES pings in a row is
 * dropped. */
static void nop_tick(struct sim_loop *loop, void *arg)
{
	struct conn *c = arg;

	(void)loop;
	c->nop_timer = 0;
	if (c->rx_activity) {
		c->rx_activity = false;
		c->nop_misses = 0;
		c->nop_ttt = 0;
		arm_nop(c);
		return;
	}
	if (c->nop_ttt && ++c->nop_misses >= TGT_NOP_MISSES) {
		conn_close(c, "no answer to NOP-In pings");
		reap(c->tgt);
		return;
	}
	c->nop_ttt = next_tag(&c->next_ttt);
	send_nop_in(c, SIM_NO_TAG, c->nop_ttt, NULL, NULL, 0);
	conn_flush(c);
	if (c->fd >= 0)
		arm_nop(c);
	reap(c->tgt);
}

static void login_timeout(struct sim_loop *loop, void *arg)
{
	struct conn *c = arg;

	(void)loop;
	c->login_timer = 0;
	conn_close(c, "login did not complete in time");
	reap(c->tgt);
}

/* Leading login of a normal session whose initiator name and ISID match a live
 * session: session reinstatement (RFC 7143 §6.3.5) - the old one is closed first. */
static void reinstate(struct conn *c, uint16_t req_tsih)
{
	struct conn *o = find_session(c->tgt, c->isid, req_tsih, c->params.initiator_name,
				      c->params.target);

	if (!o || o == c)
		return;
	SIM_INFO(SIM_LOGS_ISCSI, "conn %u: reinstating session TSIH %u of conn %u", c->id, o->tsih, o->id);
	if (req_tsih) {
		/* Connection reinstatement keeps the session: its nexus, CmdSN and
		 * session-wide parameters; digests and MRDSL are per connection. */
		struct sim_params conn_params = c->params;
		c->params = o->params;
		c->params.header_digest = conn_params.header_digest;
		c->params.data_digest = conn_params.data_digest;
		c->params.mrdsl_target = conn_params.mrdsl_target;
		c->params.mrdsl_initiator = conn_params.mrdsl_initiator;
		c->tsih = o->tsih;
		c->nexus = o->nexus;
		c->nexus_open = o->nexus_open;
		o->nexus_open = false;
		c->exp_cmdsn = o->exp_cmdsn;
		c->max_cmdsn = o->max_cmdsn;
	}
	conn_close(o, "session reinstated by a new login");
}

static void handle_login(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t dlen)
{
	struct sim_target *tgt = c->tgt;
	struct sim_login_req req;
	struct sim_login_rsp rsp;
	uint8_t out[SIM_BHS_LEN];
	uint8_t flags = bhs[SIM_BHS_FLAGS];

	if (!c->login_started) {
		c->login_started = true;
		c->login_itt = wire_be32(bhs + SIM_BHS_ITT);
		memcpy(c->isid, bhs + SIM_LOGIN_ISID, 6);
		c->cid = wire_be16(bhs + SIM_LOGIN_CID);
		c->exp_cmdsn = wire_be32(bhs + SIM_BHS_CMDSN);
	}
	memset(&req, 0, sizeof(req));
	req.transit = flags & SIM_LOGIN_F_TRANSIT;
	req.cont = flags & SIM_LOGIN_F_CONTINUE;
	req.csg = SIM_LOGIN_CSG(flags);
	req.nsg = SIM_LOGIN_NSG(flags);
	req.version_max = bhs[SIM_LOGIN_VMAX];
	req.version_min = bhs[SIM_LOGIN_VMIN];
	memcpy(req.isid, bhs + SIM_LOGIN_ISID, 6);
	req.tsih = wire_be16(bhs + SIM_LOGIN_TSIH);
	req.itt = wire_be32(bhs + SIM_BHS_ITT);
	req.cid = wire_be16(bhs + SIM_LOGIN_CID);
	req.cmdsn = wire_be32(bhs + SIM_BHS_CMDSN);
	req.expstatsn = wire_be32(bhs + SIM_BHS_EXPSTATSN);
	req.data = data;
	req.dlen = dlen;

	enum sim_login_action act = sim_login_step(c->login, &req, &rsp);
	if (act == SIM_LOGIN_DROP) {
		conn_close(c, sim_login_why(c->login));
		return;
	}
	/* The Login Request is immediate: it does not advance CmdSN (RFC 7143 §6.3). */
	c->exp_cmdsn = req.cmdsn;
	c->max_cmdsn = req.cmdsn + TGT_WINDOW - 1;

	sim_bhs_init(out, SIM_OP_LOGIN_RSP, 0, 0);
	out[SIM_BHS_FLAGS] = (uint8_t)((rsp.transit ? SIM_LOGIN_F_TRANSIT : 0) |
				       (rsp.cont ? SIM_LOGIN_F_CONTINUE : 0) |
				       (rsp.csg & 3) << 2 | (rsp.nsg & 3));
	out[SIM_LOGIN_VMAX] = 0;
	out[SIM_LOGIN_VMIN] = 0;
	memcpy(out + SIM_LOGIN_ISID, req.isid, 6);
	wire_put_be32(out + SIM_BHS_ITT, req.itt);
	out[SIM_LOGIN_STATUS_CLASS] = (uint8_t)(rsp.status >> 8);
	out[SIM_LOGIN_STATUS_DETAIL] = (uint8_t)rsp.status;

	if (act == SIM_LOGIN_REJECT) {
		SIM_WARN(SIM_LOGS_ISCSI, "conn %u (%s): login failed: status 0x%04x (%s): %s",
			 c->id, c->peer, rsp.status, sim_login_status_str(rsp.status),
			 sim_login_why(c->login));
		tx_send(c, out, rsp.data, rsp.dlen);
		if (c->tx_tail)
			c->tx_tail->close_after = true;
		c->state = CONN_CLOSING;
		conn_flush(c);
		return;
	}
	if (act == SIM_LOGIN_FINAL) {
		const struct sim_params *p = sim_login_params(c->login);
		c->params = *p;
		c->discovery = p->session_type == SIM_SESSION_DISCOVERY;
		c->dev = c->discovery ? NULL : tgt->nodes[p->target].dev;
		reinstate(c, req.tsih);
		if (!c->tsih) {
			if (++tgt->next_tsih == 0)
				tgt->next_tsih = 1;
			c->tsih = tgt->next_tsih;
		}
		wire_put_be16(out + SIM_LOGIN_TSIH, c->tsih);
	}
	put_sn(c, out, true);
	tx_send(c, out, rsp.data, rsp.dlen);

	if (act == SIM_LOGIN_FINAL) {
		/* Digests start with the first PDU after the final Login Response (RFC 7143 §13.1). */
		c->hdigest = c->params.header_digest;
		c->ddigest = c->params.data_digest;
		c->tx_mrdsl = c->params.mrdsl_initiator;
		c->state = CONN_FFP;
		if (c->login_timer) {
			sim_loop_del_timer(tgt->loop, c->login_timer);
			c->login_timer = 0;
		}
		if (!c->discovery && !c->nexus_open) {
			c->nexus = sim_dev_nexus_open(c->dev);
			c->nexus_open = true;
		}
		update_window(c);
		arm_nop(c);
		SIM_INFO(SIM_LOGS_ISCSI, "conn %u (%s): %s session TSIH %u for %s, digests %s/%s, "
			 "MRDSL %u/%u, burst %u/%u, InitialR2T %s, ImmediateData %s",
			 c->id, c->peer, c->discovery ? "discovery" : "normal", c->tsih,
			 c->params.initiator_name, c->hdigest ? "CRC32C" : "None",
			 c->ddigest ? "CRC32C" : "None", c->params.mrdsl_target,
			 c->params.mrdsl_initiator, c->params.first_burst, c->params.max_burst,
			 c->params.initial_r2t ? "Yes" : "No", c->params.immediate_data ? "Yes" : "No");
	}
}

/* ------------------------------------------------------------------------ */
/* Full feature phase: SCSI commands. */

/* LUN field (SAM-5 §4.7): peripheral (00b) and flat (01b) addressing both give
 * (byte8 & 0x3f) << 8 | byte9 for the LUNs simdrive serves. */
static uint16_t bhs_lun(const uint8_t *bhs)
{
	return (uint16_t)(((bhs[SIM_BHS_LUN] & 0x3f) << 8) | bhs[SIM_BHS_LUN + 1]);
}

static struct task *find_task(struct conn *c, uint32_t itt)
{
	for (struct task *t = c->tasks; t; t = t->next)
		if (t->itt == itt)
			return t;
	return NULL;
}

static bool recently_aborted(struct conn *c, uint32_t itt)
{
	for (unsigned i = 0; i < TGT_ABORTED_RING; i++)
		if (c->aborted_itt[i] == itt && itt != SIM_NO_TAG)
			return true;
	return false;
}

static void abort_task(struct conn *c, struct task *t)
{
	SIM_DEBUG(SIM_LOGS_ISCSI, "conn %u: task ITT 0x%08x CmdSN %u aborted", c->id, t->itt, t->cmdsn);
	c->aborted_itt[c->aborted_pos++ % TGT_ABORTED_RING] = t->itt;
	tx_purge_itt(c, t->itt);
	task_unlink(c, t);
	task_free(c, t);
}

/* Send the outcome of an executed task and forget it. */
static void task_respond(struct conn *c, struct task *t, struct sim_cmd *cmd)
{
	task_unlink(c, t);
	update_window(c);
	send_data_in(c, t, cmd);
	sim_cmd_release(cmd);
	task_free(c, t);
}

static uint64_t tgt_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void task_hold_timer(struct sim_loop *loop, void *arg);

static bool task_hold_arm(struct conn *c, struct task *t, uint64_t until)
{
	uint64_t now = tgt_now_us();
	uint64_t ms = until > now ? (until - now + 999) / 1000 : 0;
	t->hold_timer = sim_loop_add_timer(c->tgt->loop, ms, task_hold_timer, t);
	return t->hold_timer != 0;
}

/* A drive that takes its time (scsi.h complete_after_us; doc/simdrive-time.md): the
 * executed task stays in the list, so later commands of its LUN on this session wait
 * their turn, and its response leaves from a timer.  Other LUNs and sessions go on.
 * The write data has been consumed: its buffer is released now.  Returns false to
 * answer at once (the time is already up, or no memory for holding). */
static bool task_hold(struct conn *c, struct task *t, struct sim_cmd *cmd)
{
	/* Never early: once the status is out the drive must be ready (a host that polls
	 * TEST UNIT READY right after a held CLOSE must not see it still busy). */
	if (cmd->complete_after_us <= tgt_now_us())
		return false;
	bool copy = t->held != cmd;	/* a resumed command is already there */
	if (copy && !(t->held = malloc(sizeof(*t->held))))
		return false;
	if (!task_hold_arm(c, t, cmd->complete_after_us)) {
		if (copy) {
			free(t->held);
			t->held = NULL;
		}
		return false;
	}
	if (copy)
		*t->held = *cmd;	/* data_in moves with it */
	t->held->data_out = NULL;
	t->held->data_out_len = 0;
	task_wbuf_release(c, t);
	t->state = TASK_HELD;
	t->conn = c;
	SIM_DEBUG(SIM_LOGS_SCSI, "conn %u: ITT 0x%08x held %" PRIu64 " us", c->id, t->itt,
		  cmd->complete_after_us - tgt_now_us());
	return true;
}

static void task_hold_timer(struct sim_loop *loop, void *arg)
{
	struct task *t = arg;
	struct conn *c = t->conn;

	(void)loop;
	t->hold_timer = 0;
	if (t->held->complete_after_us > tgt_now_us() &&
	    task_hold_arm(c, t, t->held->complete_after_us))
		return;		/* woke early: the timer's millisecond rounding */
	task_respond(c, t, t->held);
	conn_run_tasks(c);
	conn_flush(c);
	reap(c->tgt);
}

/* What the device made of t's command (cmd, or t->held when it was resumed): keep it
 * pending, drop the link, hold the response for the drive's time, or answer. */
static void task_outcome(struct conn *c, struct task *t, struct sim_cmd *cmd)
{
	if (cmd->pending) {
		/* The device could not finish it without waiting for its disc image
		 * (doc/iscsi-target.md "Threads, and who waits for what"): the task keeps
		 * its data and its place, so later commands of its LUN wait; other LUNs and
		 * sessions go on.  tgt_resume resumes it after the device's wake-up. */
		if (!t->held && !(t->held = malloc(sizeof(*t->held)))) {
			task_unlink(c, t);
			task_free(c, t);
			conn_close(c, "out of memory keeping a pending command");
			return;
		}
		if (t->held != cmd)
			*t->held = *cmd;
		t->state = TASK_PENDING;
		return;
	}
	if (cmd->drop_connection) {
		/* An injected fault (fault.h): the link dies before the response leaves. */
		task_unlink(c, t);
		sim_cmd_release(cmd);
		task_free(c, t);
		conn_close(c, "injected fault: drop-connection");
		return;
	}
	SIM_DEBUG(SIM_LOGS_SCSI, "conn %u: ITT 0x%08x LUN %u CDB %02x: status 0x%02x spdtl %u",
		  c->id, t->itt, t->lun, cmd->cdb[0], cmd->status, cmd->spdtl);
	if (cmd->complete_after_us && task_hold(c, t, cmd))
		return;
	task_respond(c, t, cmd);
}

/* The device's wake-up, on the loop (scsi.h sim_dev_set_wakeup): resume every pending
 * task, in delivery order per connection, then run what their completion unblocked. */
static void tgt_resume(struct sim_loop *loop, void *arg)
{
	struct sim_target *tgt = arg;

	(void)loop;
	for (struct conn *c = tgt->conns, *next; c; c = next) {
		next = c->next;		/* c may close (an injected drop-connection) */
		bool any = false;
		for (struct task *t = c->tasks, *tn; t && c->fd >= 0; t = tn) {
			tn = t->next;	/* t may be answered and freed */
			if (t->state != TASK_PENDING)
				continue;
			any = true;
			sim_dev_resume(c->dev, t->held);
			task_outcome(c, t, t->held);
		}
		if (any && c->fd >= 0) {
			conn_run_tasks(c);
			conn_flush(c);
		}
	}
	reap(tgt);
}

/* Called by the device from its image writers' threads: only wake the loop. */
static void tgt_wakeup(void *arg)
{
	sim_loop_wake(arg);
}

/* Execute a task whose data is complete and whose turn it is. */
static void task_execute(struct conn *c, struct task *t)
{
	struct sim_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.nexus = c->nexus;
	cmd.lun = t->lun;
	memcpy(cmd.cdb, t->bhs + SIM_CMD_CDB, 16);
	cmd.cdb_len = 16;
	cmd.task_attr = t->bhs[SIM_BHS_FLAGS] & SIM_CMD_ATTR_MASK;
	cmd.edtl = t->edtl;
	cmd.dir_in = t->r;
	cmd.dir_out = t->w;
	cmd.data_out = t->wbuf;
	cmd.data_out_len = t->received;

	if (t->fail_taskset_full) {
		cmd.status = SIM_STATUS_TASK_SET_FULL;
	} else if (t->fail.key) {
		cmd.status = SIM_STATUS_CHECK_CONDITION;
		cmd.sense_len = (uint8_t)sim_sense_encode(cmd.sense, t->fail, false, false, 0);
	} else {
		sim_dev_execute(c->dev, &cmd);
	}
	task_outcome(c, t, &cmd);
}

/* Run, in delivery order, every ready task with no earlier unfinished task on the
 * same LUN: commands of one LUN execute in CmdSN order (doc/iscsi-target.md,
 * "execution order"). */
static void conn_run_tasks(struct conn *c)
{
	bool progress = true;

	while (progress && c->fd >= 0) {
		progress = false;
		uint64_t busy_lo = 0;	/* LUNs < 64 blocked by an earlier task */
		struct task *t;
		for (t = c->tasks; t; t = t->next) {
			bool blocked = t->lun < 64 ? (busy_lo >> t->lun) & 1 : false;
			if (!blocked && t->lun >= 64) {
				for (struct task *e = c->tasks; e != t; e = e->next)
					if (e->lun == t->lun)
						blocked = true;
			}
			if (t->state == TASK_READY && !blocked)
				break;
			if (t->lun < 64)
				busy_lo |= 1ull << t->lun;
		}
		if (t) {
			task_execute(c, t);
			progress = true;
		}
	}
}

/* Unsolicited part done: ask for the rest, or mark the task ready. */
static void task_data_progress(struct conn *c, struct task *t)
{
	if (t->unsol_open || t->r2t_open)
		return;
	/* A failed task drains what was announced but is never asked for more. */
	if (t->fail.key || t->fail_taskset_full || t->received >= t->edtl) {
		t->state = TASK_READY;
		return;
	}
	send_r2t(c, t);
}

/* A WRITE whose whole transfer came as immediate data in the PDU just received keeps
 * the connection's receive buffer as its Data-Out buffer, and the connection gets a
 * spare one (bulk.c): the data is not copied once more, a copy that cost a tenth of
 * this thread at 2 GB/s.  NULL when data is not the receive buffer (a parked PDU). */
static uint8_t *take_rx_data(struct conn *c, const uint8_t *data, uint32_t *cap)
{
	size_t ncap;
	if (data != c->rx_data)
		return NULL;
	uint8_t *fresh = sim_bulk_get(c->rx_data_cap, &ncap);
	if (!fresh)
		return NULL;
	uint8_t *taken = c->rx_data;
	*cap = c->rx_data_cap;
	c->rx_data = fresh;
	c->rx_data_cap = (uint32_t)ncap;
	return taken;
}

static void handle_scsi_cmd(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t dlen)
{
	uint8_t flags = bhs[SIM_BHS_FLAGS];
	uint32_t itt = wire_be32(bhs + SIM_BHS_ITT);
	struct task *t;

	if (c->discovery) {
		send_reject(c, SIM_REJECT_CMD_NOT_SUPPORTED, bhs);
		return;
	}
	if (itt == SIM_NO_TAG || find_task(c, itt)) {
		send_reject(c, SIM_REJECT_INVALID_FIELD, bhs);
		return;
	}
	/* F=0 announces unsolicited Data-Out, which only a write can have (RFC 7143 §11.3.1). */
	if ((!(flags & SIM_BHS_FINAL) || dlen) && !(flags & SIM_CMD_F_WRITE)) {
		send_reject(c, SIM_REJECT_PROTOCOL_ERROR, bhs);
		return;
	}
	if (sim_bhs_immediate(bhs) && c->nimmediate >= TGT_MAX_IMMEDIATE) {
		send_reject(c, SIM_REJECT_IMMEDIATE, bhs);
		return;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		conn_close(c, "out of memory");
		return;
	}
	memcpy(t->bhs, bhs, SIM_BHS_LEN);
	t->itt = itt;
	t->cmdsn = wire_be32(bhs + SIM_BHS_CMDSN);
	t->immediate = sim_bhs_immediate(bhs);
	t->lun = bhs_lun(bhs);
	t->edtl = wire_be32(bhs + SIM_CMD_EDTL);
	t->r = flags & SIM_CMD_F_READ;
	t->w = flags & SIM_CMD_F_WRITE;
	t->state = TASK_READY;

	/* Append in delivery order. */
	struct task **pp = &c->tasks;
	while (*pp)
		pp = &(*pp)->next;
	*pp = t;
	c->ntasks++;
	if (t->immediate)
		c->nimmediate++;

	/* A read's data is held until sent: the same bound as for writes. */
	if (t->r && t->edtl > TGT_EDTL_MAX)
		t->fail = SIM_SENSE_INVALID_FIELD_IN_CDB;
	if (t->w) {
		uint32_t fb = c->params.first_burst < t->edtl ? c->params.first_burst : t->edtl;
		t->wlen = t->edtl < TGT_EDTL_MAX ? t->edtl : TGT_EDTL_MAX;
		if (t->edtl > TGT_EDTL_MAX) {
			t->fail = SIM_SENSE_INVALID_FIELD_IN_CDB;
			t->wlen = 0;
		} else if (c->buffered + t->wlen > TGT_SESSION_BUFFERED) {
			t->fail_taskset_full = true;
			t->wlen = 0;
		}
		/* Immediate data (RFC 7143 §4.2.4.2): only when negotiated, at most FirstBurstLength. */
		bool imm_ok = c->params.immediate_data && dlen <= fb;
		if (t->wlen) {
			size_t cap;
			t->wbuf = imm_ok && dlen == t->wlen ? take_rx_data(c, data, &t->wcap) : NULL;
			if (!t->wbuf) {
				t->wbuf = sim_bulk_get(t->wlen, &cap);	/* scsi.h: reused, not refaulted */
				t->wcap = (uint32_t)cap;
			}
			if (!t->wbuf) {
				t->fail_taskset_full = true;
				t->wlen = 0;
			} else {
				c->buffered += t->wlen;
				t->counted_buffer = true;
			}
		}
		if (dlen) {
			if (!imm_ok) {
				t->fail = SIM_SENSE_UNEXPECTED_UNSOLICITED_DATA;
			} else if (t->wbuf && t->wbuf != data) {
				memcpy(t->wbuf, data, dlen);
			}
			t->received = dlen;
		}
		if (!(flags & SIM_BHS_FINAL)) {
			if (c->params.initial_r2t) {
				t->fail = SIM_SENSE_UNEXPECTED_UNSOLICITED_DATA;
			}
			t->unsol_open = true;
			t->unsol_end = fb > t->received ? fb : t->received;
		}
		t->state = TASK_COLLECT;
		task_data_progress(c, t);
	}
	update_window(c);
	conn_run_tasks(c);
}

/* A Data-Out that breaks the sequence rules (RFC 7143 §11.7): Reject 0x04, and the
 * task ends without a response - libiscsi fails the command by the rejected ITT and
 * would treat a later response for it as a protocol error.  Data-Out still in flight
 * for it is then discarded silently. */
static void reject_data_out(struct conn *c, struct task *t, const uint8_t *bhs, const char *why)
{
	SIM_WARN(SIM_LOGS_ISCSI, "conn %u: ITT 0x%08x: %s", c->id, t->itt, why);
	send_reject(c, SIM_REJECT_PROTOCOL_ERROR, bhs);
	abort_task(c, t);
	update_window(c);
	conn_run_tasks(c);
}

static void handle_data_out(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t dlen)
{
	uint32_t itt = wire_be32(bhs + SIM_BHS_ITT);
	uint32_t ttt = wire_be32(bhs + SIM_DATA_TTT);
	uint32_t datasn = wire_be32(bhs + SIM_DATA_DATASN);
	uint32_t off = wire_be32(bhs + SIM_DATA_OFFSET);
	bool final = bhs[SIM_BHS_FLAGS] & SIM_BHS_FINAL;
	struct task *t = find_task(c, itt);

	if (!t || t->state != TASK_COLLECT) {
		if (recently_aborted(c, itt))
			return;		/* data still in flight for an aborted task */
		send_reject(c, SIM_REJECT_INVALID_FIELD, bhs);
		return;
	}
	if (ttt == SIM_NO_TAG) {
		if (!t->unsol_open) {
			reject_data_out(c, t, bhs, "unsolicited Data-Out not allowed");
			return;
		}
		if (datasn != t->unsol_datasn || off != t->received || (uint64_t)off + dlen > t->unsol_end) {
			reject_data_out(c, t, bhs, "unsolicited Data-Out out of sequence (DataSN, offset or length)");
			return;
		}
		t->unsol_datasn++;
	} else {
		if (!t->r2t_open || ttt != t->r2t_ttt) {
			send_reject(c, SIM_REJECT_INVALID_FIELD, bhs);
			return;
		}
		if (datasn != t->r2t_datasn || off != t->received ||
		    (uint64_t)off + dlen > (uint64_t)t->r2t_offset + t->r2t_len) {
			reject_data_out(c, t, bhs, "Data-Out out of sequence (DataSN, offset or length)");
			return;
		}
		t->r2t_datasn++;
	}
	if (t->wbuf && dlen && off + dlen <= t->wlen)
		memcpy(t->wbuf + off, data, dlen);
	t->received = off + dlen;
	if (ttt == SIM_NO_TAG) {
		if (final || t->received >= t->unsol_end)
			t->unsol_open = false;
	} else if (t->received >= t->r2t_offset + t->r2t_len) {
		if (!final) {
			reject_data_out(c, t, bhs, "R2T burst complete without F bit");
			return;
		}
		t->r2t_open = false;
	} else if (final) {
		reject_data_out(c, t, bhs, "F bit before the end of the R2T burst");
		return;
	}
	task_data_progress(c, t);
	conn_run_tasks(c);
}

/* ------------------------------------------------------------------------ */
/* NOP, Text, task management, logout. */

static void handle_nop_out(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t dlen)
{
	uint32_t itt = wire_be32(bhs + SIM_BHS_ITT);
	uint32_t ttt = wire_be32(bhs + SIM_NOP_TTT);

	if (itt == SIM_NO_TAG) {
		/* Answer to our ping, or an ExpStatSN update: never answered (RFC 7143 §11.18). */
		if (ttt != SIM_NO_TAG && ttt == c->nop_ttt) {
			c->nop_ttt = 0;
			c->nop_misses = 0;
		}
		return;
	}
	if (ttt != SIM_NO_TAG) {
		send_reject(c, SIM_REJECT_PROTOCOL_ERROR, bhs);
		return;
	}
	/* The echo cannot exceed what the initiator accepts (MaxRecvDataSegmentLength,
	 * RFC 7143 §13.12). */
	if (dlen > c->tx_mrdsl)
		dlen = c->tx_mrdsl;
	send_nop_in(c, itt, SIM_NO_TAG, bhs + SIM_BHS_LUN, data, dlen);
}

static void send_text_chunk(struct conn *c, uint32_t itt)
{
	uint8_t bhs[SIM_BHS_LEN];
	size_t left = c->text_out.len - c->text_out_off;
	uint32_t n = left > c->tx_mrdsl ? c->tx_mrdsl : (uint32_t)left;
	bool more = n < left;

	sim_bhs_init(bhs, SIM_OP_TEXT_RSP, more ? SIM_TEXT_F_CONTINUE : SIM_BHS_FINAL, 0);
	wire_put_be32(bhs + SIM_BHS_ITT, itt);
	c->text_out_ttt = more ? next_tag(&c->next_ttt) : SIM_NO_TAG;
	wire_put_be32(bhs + SIM_TEXT_TTT, c->text_out_ttt);
	put_sn(c, bhs, true);
	/* An empty answer (SendTargets naming no target of ours) has no buffer at all. */
	tx_send(c, bhs, n ? c->text_out.p + c->text_out_off : NULL, n);
	c->text_out_off += n;
	if (!more) {
		sim_textbuf_free(&c->text_out);
		c->text_out_off = 0;
	}
}

static void handle_text(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t dlen)
{
	uint32_t itt = wire_be32(bhs + SIM_BHS_ITT);
	uint32_t ttt = wire_be32(bhs + SIM_TEXT_TTT);
	bool cont = bhs[SIM_BHS_FLAGS] & SIM_TEXT_F_CONTINUE;
	struct sim_kvlist kv = { 0 };
	const char *why = NULL;

	/* The initiator asks for the next part of a long answer (RFC 7143 §11.11). */
	if (ttt != SIM_NO_TAG) {
		if (ttt == c->text_out_ttt && c->text_out.len && dlen == 0) {
			send_text_chunk(c, itt);
			return;
		}
		if (ttt != c->text_in_ttt) {
			send_reject(c, SIM_REJECT_PROTOCOL_ERROR, bhs);
			return;
		}
	}
	if (c->text_in_len + dlen > TGT_TEXT_MAX) {
		free(c->text_in);
		c->text_in = NULL;
		c->text_in_len = 0;
		send_reject(c, SIM_REJECT_PROTOCOL_ERROR, bhs);
		return;
	}
	if (dlen) {
		uint8_t *n = realloc(c->text_in, c->text_in_len + dlen);
		if (!n) {
			conn_close(c, "out of memory");
			return;
		}
		memcpy(n + c->text_in_len, data, dlen);
		c->text_in = n;
		c->text_in_len += dlen;
	}
	if (cont) {
		/* More request text follows: answer empty, hand out a tag to continue. */
		uint8_t out[SIM_BHS_LEN];
		sim_bhs_init(out, SIM_OP_TEXT_RSP, 0, 0);
		wire_put_be32(out + SIM_BHS_ITT, itt);
		c->text_in_ttt = next_tag(&c->next_ttt);
		wire_put_be32(out + SIM_TEXT_TTT, c->text_in_ttt);
		put_sn(c, out, true);
		tx_send(c, out, NULL, 0);
		return;
	}
	c->text_in_ttt = 0;
	int rc = sim_text_parse(c->text_in, c->text_in_len, &kv, &why);
	free(c->text_in);
	c->text_in = NULL;
	c->text_in_len = 0;
	if (rc < 0) {
		SIM_WARN(SIM_LOGS_ISCSI, "conn %u: malformed Text Request: %s", c->id, why);
		send_reject(c, SIM_REJECT_PROTOCOL_ERROR, bhs);
		sim_kvlist_free(&kv);
		return;
	}
	sim_textbuf_free(&c->text_out);
	c->text_out_off = 0;
	if (sim_kvlist_get(&kv, "SendTargets") || kv.n == 0 ||
	    (kv.n && strcasecmp(kv.v[0].key, "SendTargets") == 0)) {
		char portal[128];
		const char *portals[1] = { portal };
		snprintf(portal, sizeof(portal), "%s,%u", c->local, TGT_TPGT);
		if (sim_sendtargets(&kv, c->tgt->names, c->tgt->ntargets,
				    c->discovery ? NULL : c->params.target_name,
				    portals, 1, &c->text_out) < 0) {
			sim_kvlist_free(&kv);
			sim_textbuf_free(&c->text_out);
			send_reject(c, SIM_REJECT_PROTOCOL_ERROR, bhs);
			return;
		}
	} else {
		/* No key is renegotiable in full feature phase here (RFC 7143 §6.4). */
		for (size_t i = 0; i < kv.n; i++)
			sim_text_add(&c->text_out, kv.v[i].key, "NotUnderstood");
	}
	sim_kvlist_free(&kv);
	send_text_chunk(c, itt);
}

static void conn_abort_matching(struct conn *c, bool all_luns, uint16_t lun)
{
	struct task *t = c->tasks;
	while (t) {
		struct task *next = t->next;
		if (all_luns || t->lun == lun)
			abort_task(c, t);
		t = next;
	}
	update_window(c);
}

static void handle_tmf(struct conn *c, const uint8_t *bhs)
{
	uint8_t fn = bhs[SIM_BHS_FLAGS] & 0x7f;
	uint32_t rtt = wire_be32(bhs + SIM_TMF_RTT);
	uint32_t refcmdsn = wire_be32(bhs + SIM_TMF_REFCMDSN);
	uint32_t cmdsn = wire_be32(bhs + SIM_BHS_CMDSN);
	uint16_t lun = bhs_lun(bhs);
	struct sim_dev *dev = c->dev;
	uint8_t response = SIM_TMF_COMPLETE;
	bool cold = false;

	if (c->discovery) {
		send_reject(c, SIM_REJECT_CMD_NOT_SUPPORTED, bhs);
		return;
	}
	switch (fn) {
	case SIM_TMF_ABORT_TASK: {
		struct task *t = find_task(c, rtt);
		struct parked *p;
		if (t) {
			abort_task(c, t);
			update_window(c);
			break;
		}
		for (p = c->parked; p; p = p->next)
			if (wire_be32(p->bhs + SIM_BHS_ITT) == rtt)
				break;
		if (p || (sim_sn_in_window(refcmdsn, c->exp_cmdsn, c->max_cmdsn) &&
			  sim_sn_lt(refcmdsn, cmdsn))) {
			/* Not arrived yet (or parked): consider it received and drop it (RFC 7143 §11.5.1). */
			c->aborted_cmdsn[c->aborted_cmdsn_pos++ % TGT_ABORTED_RING] = refcmdsn;
			if (c->naborted_cmdsn < TGT_ABORTED_RING)
				c->naborted_cmdsn++;
			c->aborted_itt[c->aborted_pos++ % TGT_ABORTED_RING] = rtt;
			break;
		}
		response = SIM_TMF_NO_TASK;
		break;
	}
	case SIM_TMF_ABORT_TASK_SET:
	case SIM_TMF_CLEAR_TASK_SET:
		if (!sim_dev_has_lun(dev, lun)) {
			response = SIM_TMF_NO_LUN;
			break;
		}
		if (fn == SIM_TMF_ABORT_TASK_SET) {
			conn_abort_matching(c, false, lun);
		} else {
			for (struct conn *o = c->tgt->conns; o; o = o->next)
				if (o->state == CONN_FFP && o->dev == dev)
					conn_abort_matching(o, false, lun);
		}
		break;
	case SIM_TMF_LUN_RESET:
		if (!sim_dev_has_lun(dev, lun)) {
			response = SIM_TMF_NO_LUN;
			break;
		}
		for (struct conn *o = c->tgt->conns; o; o = o->next)
			if (o->state == CONN_FFP && o->dev == dev)
				conn_abort_matching(o, false, lun);
		sim_dev_lun_reset(dev, lun);
		break;
	case SIM_TMF_TARGET_WARM_RESET:
	case SIM_TMF_TARGET_COLD_RESET:
		/* The reset is of this session's target: other targets' sessions go on. */
		for (struct conn *o = c->tgt->conns; o; o = o->next)
			if (o->state == CONN_FFP && o->dev == dev)
				conn_abort_matching(o, true, 0);
		sim_dev_target_reset(dev);
		cold = fn == SIM_TMF_TARGET_COLD_RESET;
		break;
	case SIM_TMF_CLEAR_ACA:
		response = SIM_TMF_NOT_SUPPORTED;	/* NACA is not advertised */
		break;
	case SIM_TMF_TASK_REASSIGN:
		response = SIM_TMF_REASSIGN_UNSUPPORTED;	/* ERL 0 */
		break;
	default:
		response = SIM_TMF_REJECTED;
		break;
	}
	SIM_INFO(SIM_LOGS_ISCSI, "conn %u: task management function %u LUN %u RTT 0x%08x: response %u",
		 c->id, fn, lun, rtt, response);

	uint8_t out[SIM_BHS_LEN];
	sim_bhs_init(out, SIM_OP_TMF_RSP, SIM_BHS_FINAL, 0);
	out[SIM_TMF_RESPONSE] = response;
	wire_put_be32(out + SIM_BHS_ITT, wire_be32(bhs + SIM_BHS_ITT));
	put_sn(c, out, true);
	tx_send(c, out, NULL, 0);
	if (cold) {
		/* A cold reset ends every connection of the target once the response is out
		 * (RFC 7143 §11.5.1); discovery sessions and other targets' are not its. */
		struct conn *o = c->tgt->conns;
		while (o) {
			struct conn *next = o->next;
			if (o != c && o->dev == dev)
				conn_close(o, "target cold reset");
			o = next;
		}
		if (c->tx_tail)
			c->tx_tail->close_after = true;
		c->state = CONN_CLOSING;
	}
	conn_run_tasks(c);
}

static void handle_logout(struct conn *c, const uint8_t *bhs)
{
	uint8_t reason = SIM_LOGOUT_REASON(bhs[SIM_BHS_FLAGS]);
	uint16_t cid = wire_be16(bhs + SIM_LOGOUT_CID);
	uint8_t response = 0;
	uint8_t out[SIM_BHS_LEN];

	if (reason == 2)
		response = 2;		/* connection recovery: not at ERL 0 */
	else if (reason == 1 && cid != c->cid)
		response = 1;		/* CID not found */
	else if (reason > 2) {
		send_reject(c, SIM_REJECT_PROTOCOL_ERROR, bhs);
		return;
	}
	sim_bhs_init(out, SIM_OP_LOGOUT_RSP, SIM_BHS_FINAL, 0);
	out[SIM_LOGOUT_RESPONSE] = response;
	wire_put_be32(out + SIM_BHS_ITT, wire_be32(bhs + SIM_BHS_ITT));
	put_sn(c, out, true);
	if (response == 0) {
		/* Tasks still waiting for Data-Out will never get it (RFC 7143 §11.14). */
		conn_drop_tasks(c);
		tx_send(c, out, NULL, 0);
		if (c->tx_tail)
			c->tx_tail->close_after = true;
		c->state = CONN_CLOSING;
		SIM_INFO(SIM_LOGS_ISCSI, "conn %u (%s): logout", c->id, c->peer);
	} else {
		tx_send(c, out, NULL, 0);
	}
}

/* ------------------------------------------------------------------------ */
/* Full feature phase: dispatch and CmdSN ordering (RFC 7143 §4.2.2.1). */

typedef void (*ffp_fn)(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t dlen);

static void ffp_tmf(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t dlen)
{
	(void)data;
	(void)dlen;
	handle_tmf(c, bhs);
}

static void ffp_logout(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t dlen)
{
	(void)data;
	(void)dlen;
	handle_logout(c, bhs);
}

/* Handlers of the PDUs that carry a CmdSN. */
static const ffp_fn ffp_ordered[64] = {
	[SIM_OP_NOP_OUT]    = handle_nop_out,
	[SIM_OP_SCSI_CMD]   = handle_scsi_cmd,
	[SIM_OP_TMF_REQ]    = ffp_tmf,
	[SIM_OP_TEXT_REQ]   = handle_text,
	[SIM_OP_LOGOUT_REQ] = ffp_logout,
};

static bool cmdsn_aborted(struct conn *c, uint32_t cmdsn)
{
	for (unsigned i = 0; i < c->naborted_cmdsn; i++)
		if (c->aborted_cmdsn[i] == cmdsn)
			return true;
	return false;
}

/* Deliver a PDU whose turn has come; then any parked successors. */
static void ffp_deliver(struct conn *c, const uint8_t *bhs, uint8_t *data, uint32_t dlen)
{
	uint32_t cmdsn = wire_be32(bhs + SIM_BHS_CMDSN);

	if (cmdsn_aborted(c, cmdsn))
		SIM_DEBUG(SIM_LOGS_ISCSI, "conn %u: CmdSN %u was aborted before it arrived", c->id, cmdsn);
	else
		ffp_ordered[sim_bhs_opcode(bhs)](c, bhs, data, dlen);
	for (;;) {
		struct parked **pp, *p;
		if (c->fd < 0 || c->state != CONN_FFP)
			return;
		for (pp = &c->parked; *pp && (*pp)->cmdsn != c->exp_cmdsn; pp = &(*pp)->next)
			;
		if (!*pp)
			break;
		p = *pp;
		*pp = p->next;
		c->nparked--;
		c->exp_cmdsn++;
		if (cmdsn_aborted(c, p->cmdsn))
			SIM_DEBUG(SIM_LOGS_ISCSI, "conn %u: parked CmdSN %u was aborted", c->id, p->cmdsn);
		else
			ffp_ordered[sim_bhs_opcode(p->bhs)](c, p->bhs, p->data, p->dlen);
		free_parked(p);
	}
	update_window(c);
}

static void handle_ffp(struct conn *c, const uint8_t *bhs, uint8_t *data, uint32_t dlen)
{
	uint8_t op = sim_bhs_opcode(bhs);

	switch (op) {
	case SIM_OP_DATA_OUT:
		if (c->discovery)
			send_reject(c, SIM_REJECT_CMD_NOT_SUPPORTED, bhs);
		else
			handle_data_out(c, bhs, data, dlen);
		return;
	case SIM_OP_SNACK:
		send_reject(c, SIM_REJECT_PROTOCOL_ERROR, bhs);	/* no SNACK at ERL 0 */
		return;
	case SIM_OP_LOGIN_REQ:
		send_reject(c, SIM_REJECT_PROTOCOL_ERROR, bhs);
		return;
	default:
		break;
	}
	if (!ffp_ordered[op]) {
		send_reject(c, SIM_REJECT_CMD_NOT_SUPPORTED, bhs);
		return;
	}
	if (op == SIM_OP_NOP_OUT && wire_be32(bhs + SIM_BHS_ITT) == SIM_NO_TAG) {
		handle_nop_out(c, bhs, data, dlen);	/* never takes a CmdSN (RFC 7143 §11.18) */
		return;
	}
	if (sim_bhs_immediate(bhs)) {
		ffp_ordered[op](c, bhs, data, dlen);
		return;
	}
	uint32_t cmdsn = wire_be32(bhs + SIM_BHS_CMDSN);
	if (cmdsn == c->exp_cmdsn) {
		c->exp_cmdsn++;
		ffp_deliver(c, bhs, data, dlen);
		return;
	}
	/* Outside [ExpCmdSN, MaxCmdSN], or a duplicate: silently ignored (RFC 7143 §4.2.2.1). */
	if (!sim_sn_in_window(cmdsn, c->exp_cmdsn, c->max_cmdsn)) {
		SIM_INFO(SIM_LOGS_ISCSI, "conn %u: %s CmdSN %u outside window [%u, %u]: dropped",
			 c->id, sim_opcode_str(op), cmdsn, c->exp_cmdsn, c->max_cmdsn);
		return;
	}
	for (struct parked *p = c->parked; p; p = p->next) {
		if (p->cmdsn == cmdsn) {
			SIM_INFO(SIM_LOGS_ISCSI, "conn %u: duplicate CmdSN %u dropped", c->id, cmdsn);
			return;
		}
	}
	struct parked *p = calloc(1, sizeof(*p));
	if (!p) {
		conn_close(c, "out of memory");
		return;
	}
	p->cmdsn = cmdsn;
	memcpy(p->bhs, bhs, SIM_BHS_LEN);
	if (dlen) {
		p->data = malloc(dlen);
		if (!p->data) {
			free(p);
			conn_close(c, "out of memory");
			return;
		}
		memcpy(p->data, data, dlen);
		p->dlen = dlen;
	}
	p->next = c->parked;
	c->parked = p;
	c->nparked++;
	update_window(c);
}

/* ------------------------------------------------------------------------ */
/* Receive. */

static void rx_reset(struct conn *c)
{
	c->rx = RX_BHS;
	c->rx_got = 0;
	c->rx_need = SIM_BHS_LEN;
	c->rx_data_bad = false;
}

/* One complete PDU has arrived. */
static void rx_dispatch(struct conn *c)
{
	const uint8_t *bhs = c->rx_bhs;
	uint8_t op = sim_bhs_opcode(bhs);
	uint32_t dlen = c->rx_dsl;

	sim_log_hex(SIM_LOG_TRACE, SIM_LOGS_ISCSI, sim_opcode_str(op), bhs, SIM_BHS_LEN);
	c->rx_activity = true;
	if (c->rx_data_bad) {
		/* Payload digest error (RFC 7143 §7.8): Reject 0x02 and discard the PDU.  A Data-Out
		 * still counts for its sequence but its task ends in 0B/47/05.  Any other PDU
		 * is dropped as if never received: its CmdSN is not consumed, so the Reject's
		 * ExpCmdSN tells the initiator to send it again. */
		send_reject(c, SIM_REJECT_DATA_DIGEST, bhs);
		if (c->state == CONN_FFP && op == SIM_OP_DATA_OUT) {
			struct task *t = find_task(c, wire_be32(bhs + SIM_BHS_ITT));
			if (t && t->state == TASK_COLLECT) {
				t->fail = SIM_SENSE_PROTOCOL_CRC_ERROR;
				handle_data_out(c, bhs, c->rx_data, dlen);
			}
		}
		return;
	}
	if (c->state == CONN_LOGIN) {
		if (op != SIM_OP_LOGIN_REQ) {
			if (!c->login_started) {
				/* Nothing before the first Login Request (RFC 7143 §6.3). */
				conn_close(c, "first PDU is not a Login Request");
				return;
			}
			uint8_t out[SIM_BHS_LEN];
			sim_bhs_init(out, SIM_OP_LOGIN_RSP, 0, 0);
			wire_put_be32(out + SIM_BHS_ITT, c->login_itt);
			memcpy(out + SIM_LOGIN_ISID, c->isid, 6);
			out[SIM_LOGIN_STATUS_CLASS] = SIM_LOGIN_INVALID_DURING_LOGIN >> 8;
			out[SIM_LOGIN_STATUS_DETAIL] = SIM_LOGIN_INVALID_DURING_LOGIN & 0xff;
			put_sn(c, out, true);
			tx_send(c, out, NULL, 0);
			if (c->tx_tail)
				c->tx_tail->close_after = true;
			SIM_WARN(SIM_LOGS_ISCSI, "conn %u: %s during login: status 0x020b",
				 c->id, sim_opcode_str(op));
			c->state = CONN_CLOSING;
			return;
		}
		if (c->login_started && wire_be32(bhs + SIM_BHS_ITT) != c->login_itt) {
			conn_close(c, "Login Request with a different ITT");
			return;
		}
		handle_login(c, bhs, c->rx_data, dlen);
		return;
	}
	handle_ffp(c, bhs, c->rx_data, dlen);
}

/* Validate a BHS before reading anything it announces (RFC 7143 §11.2; our limits in
 * doc/iscsi-target.md). */
static bool rx_check_bhs(struct conn *c)
{
	uint8_t op = sim_bhs_opcode(c->rx_bhs);
	uint32_t limit = c->state == CONN_LOGIN ? SIM_LOGIN_MRDSL : c->params.mrdsl_target;

	c->rx_ahs_len = sim_bhs_ahs_bytes(c->rx_bhs);
	c->rx_dsl = sim_bhs_dsl(c->rx_bhs);
	if (c->rx_dsl > limit) {
		SIM_WARN(SIM_LOGS_ISCSI, "conn %u: %s with DataSegmentLength %u > %u", c->id,
			 sim_opcode_str(op), c->rx_dsl, limit);
		conn_close(c, "data segment longer than MaxRecvDataSegmentLength");
		return false;
	}
	if (c->rx_data_cap < limit + 3 + SIM_DIGEST_LEN) {
		/* from the transfer buffers (bulk.c): a WRITE may take it (take_rx_data) */
		size_t cap;
		sim_bulk_put(c->rx_data, c->rx_data_cap);
		c->rx_data = sim_bulk_get(limit + 3 + SIM_DIGEST_LEN, &cap);
		c->rx_data_cap = c->rx_data ? (uint32_t)cap : 0;
		if (!c->rx_data) {
			conn_close(c, "out of memory");
			return false;
		}
	}
	return true;
}

static void rx_advance(struct conn *c)
{
	switch (c->rx) {
	case RX_BHS:
		if (!rx_check_bhs(c))
			return;
		if (c->rx_ahs_len) {
			c->rx = RX_AHS;
			c->rx_need = c->rx_ahs_len;
			break;
		}
		__attribute__((fallthrough));	/* no AHS */
	case RX_AHS:
		if (c->hdigest) {
			c->rx = RX_HDIGEST;
			c->rx_need = SIM_DIGEST_LEN;
			break;
		}
		goto data;
	case RX_HDIGEST: {
		uint32_t crc = sim_crc32c(0, c->rx_bhs, SIM_BHS_LEN);
		crc = sim_crc32c(crc, c->rx_ahs, c->rx_ahs_len);
		if (crc != wire_le32(c->rx_dig)) {
			/* The header cannot be trusted, so neither can the framing (RFC 7143 §7.8). */
			conn_close(c, "header digest error");
			return;
		}
	}
	data:
		if (c->rx_dsl) {
			c->rx = RX_DATA;
			c->rx_need = c->rx_dsl + sim_pad4(c->rx_dsl);
			break;
		}
		rx_dispatch(c);
		rx_reset(c);
		return;
	case RX_DATA:
		if (c->ddigest) {
			c->rx = RX_DDIGEST;
			c->rx_need = SIM_DIGEST_LEN;
			break;
		}
		rx_dispatch(c);
		rx_reset(c);
		return;
	case RX_DDIGEST: {
		uint32_t n = c->rx_dsl + sim_pad4(c->rx_dsl);
		c->rx_data_bad = sim_crc32c(0, c->rx_data, n) != wire_le32(c->rx_dig);
		rx_dispatch(c);
		rx_reset(c);
		return;
	}
	}
	c->rx_got = 0;
}

static uint8_t *rx_target(struct conn *c)
{
	switch (c->rx) {
	case RX_BHS:     return c->rx_bhs;
	case RX_AHS:     return c->rx_ahs;
	case RX_DATA:    return c->rx_data;
	case RX_HDIGEST:
	case RX_DDIGEST: return c->rx_dig;
	}
	return NULL;
}

static void conn_read(struct conn *c)
{
	/* Bounded work per wake-up so one busy initiator cannot starve the others. */
	for (int rounds = 0; rounds < 64 && c->fd >= 0 && c->reading; rounds++) {
		ssize_t r = read(c->fd, rx_target(c) + c->rx_got, c->rx_need - c->rx_got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			conn_close(c, strerror(errno));
			return;
		}
		if (r == 0) {
			if (c->rx != RX_BHS || c->rx_got)
				conn_close(c, "connection closed in the middle of a PDU");
			else
				conn_close(c, c->state == CONN_FFP ? "connection closed by initiator" : NULL);
			return;
		}
		c->rx_got += (uint32_t)r;
		if (c->rx_got == c->rx_need) {
			rx_advance(c);
			if (c->fd < 0)
				return;
			if (c->tx_head)
				conn_flush(c);
			if (c->fd < 0)
				return;
			conn_update_events(c);
		}
	}
}

static void conn_event(struct sim_loop *loop, int fd, uint32_t events, void *arg)
{
	struct conn *c = arg;
	struct sim_target *tgt = c->tgt;

	(void)loop;
	(void)fd;
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN))
		conn_close(c, "socket error");
	if (c->fd >= 0 && (events & EPOLLOUT))
		conn_flush(c);
	if (c->fd >= 0 && (events & EPOLLIN))
		conn_read(c);
	reap(tgt);
}

/* ------------------------------------------------------------------------ */
/* Listener. */

static void format_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		port = ntohs(s->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		port = ntohs(s->sin6_port);
		snprintf(buf, len, "[%s]:%u", host, port);
	} else {
		snprintf(buf, len, "?");
	}
}

/* A new connection on fd (connected, non-blocking; owned from here on): login state,
 * registration, login timer.  Returns 0, or -1 (fd closed). */
static int conn_new(struct sim_target *tgt, int fd, const char *peer, const char *local)
{
	if (tgt->nconns >= TGT_MAX_CONNS || tgt->shutting_down) {
		SIM_WARN(SIM_LOGS_NET, "refusing connection: %u connections open", tgt->nconns);
		close(fd);
		return -1;
	}
	struct conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -1;
	}
	c->tgt = tgt;
	c->fd = fd;
	c->id = ++tgt->next_conn_id;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	snprintf(c->local, sizeof(c->local), "%s", local);
	c->state = CONN_LOGIN;
	c->stat_sn = 1;		/* start small: doc/iscsi-target.md, StatSN */
	c->tx_mrdsl = SIM_LOGIN_MRDSL;
	c->params.mrdsl_target = SIM_LOGIN_MRDSL;
	c->params.max_burst = TGT_MAX_BURST;
	c->reading = true;
	c->login = sim_login_new(&tgt->login_cfg);
	if (!c->login || sim_loop_add_fd(tgt->loop, fd, EPOLLIN, conn_event, c) < 0) {
		sim_login_free(c->login);
		free(c);
		close(fd);
		return -1;
	}
	rx_reset(c);
	c->next = tgt->conns;
	if (tgt->conns)
		tgt->conns->prev = c;
	tgt->conns = c;
	tgt->nconns++;
	c->login_timer = sim_loop_add_timer(tgt->loop, tgt->login_timeout, login_timeout, c);
	SIM_DEBUG(SIM_LOGS_NET, "conn %u: accepted from %s", c->id, c->peer);
	return 0;
}

static void accept_event(struct sim_loop *loop, int lfd, uint32_t events, void *arg)
{
	struct sim_target *tgt = arg;

	(void)loop;
	(void)events;
	for (;;) {
		struct sockaddr_storage peer, local;
		socklen_t plen = sizeof(peer), llen = sizeof(local);
		char pbuf[64], lbuf[64] = "";
		int fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				SIM_WARN(SIM_LOGS_NET, "accept: %s", strerror(errno));
			return;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		format_addr(&peer, pbuf, sizeof(pbuf));
		if (getsockname(fd, (struct sockaddr *)&local, &llen) == 0)
			format_addr(&local, lbuf, sizeof(lbuf));
		conn_new(tgt, fd, pbuf, lbuf);
	}
}

int sim_target_adopt(struct sim_target *tgt, int fd, const char *peer, const char *local)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
	return conn_new(tgt, fd, peer ? peer : "?", local ? local : "");
}

/* Split "host:port" / "[v6]:port". */
static int parse_listen(const char *s, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':' || (size_t)(end - s - 1) >= hostlen)
			return -1;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = 0;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= hostlen)
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = 0;
	}
	if (strlen(colon + 1) == 0 || strlen(colon + 1) >= portlen)
		return -1;
	strcpy(port, colon + 1);
	return 0;
}

struct sim_target *sim_target_new(struct sim_loop *loop, const struct sim_target_cfg *cfg,
				  char *err, size_t errlen)
{
	struct sim_target *tgt;
	char host[256], port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	int rc, fd = -1;

	if (!cfg->targets || cfg->ntargets == 0 || cfg->ntargets > SIM_TARGET_MAX) {
		snprintf(err, errlen, "%zu targets: 1..%d can be served", cfg->targets ? cfg->ntargets : 0,
			 SIM_TARGET_MAX);
		return NULL;
	}
	for (size_t i = 0; i < cfg->ntargets; i++) {
		if (!cfg->targets[i].name || !cfg->targets[i].dev) {
			snprintf(err, errlen, "target %zu has no name or no device", i);
			return NULL;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcasecmp(cfg->targets[i].name, cfg->targets[j].name) == 0) {
				snprintf(err, errlen, "target '%s' given twice (names compare "
					 "case-insensitively)", cfg->targets[i].name);
				return NULL;
			}
		}
	}
	if (!cfg->listen)
		goto no_listener;
	if (parse_listen(cfg->listen, host, sizeof(host), port, sizeof(port)) < 0) {
		snprintf(err, errlen, "--listen '%s': expected ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)", cfg->listen);
		return NULL;
	}
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "--listen '%s': %s", cfg->listen, gai_strerror(rc));
		return NULL;
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int one = 1;
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0)
			break;
		snprintf(err, errlen, "--listen '%s': %s", cfg->listen, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return NULL;
no_listener:
	tgt = calloc(1, sizeof(*tgt));
	if (!tgt) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	tgt->loop = loop;
	tgt->cfg = *cfg;
	tgt->ntargets = cfg->ntargets;
	for (size_t i = 0; i < cfg->ntargets; i++) {
		tgt->nodes[i] = cfg->targets[i];
		tgt->names[i] = (struct sim_login_target){ cfg->targets[i].name, cfg->targets[i].alias };
	}
	tgt->cfg.targets = tgt->nodes;
	tgt->listen_fd = fd;
	tgt->nop_interval = cfg->nop_interval_ms ? cfg->nop_interval_ms : 15000;
	tgt->login_timeout = cfg->login_timeout_ms ? cfg->login_timeout_ms : 15000;
	tgt->login_cfg = (struct sim_login_cfg){
		.targets = tgt->names,
		.ntargets = tgt->ntargets,
		.tpgt = TGT_TPGT,
		.chap_user = cfg->chap_user,
		.chap_secret = cfg->chap_secret,
		.mutual_user = cfg->mutual_user,
		.mutual_secret = cfg->mutual_secret,
		.mrdsl = TGT_MRDSL,
		.max_burst = TGT_MAX_BURST,
		.first_burst = TGT_FIRST_BURST,
		.session_check = session_check,
		.session_check_arg = tgt,
		.random = cfg->random,
		.random_arg = cfg->random_arg,
	};
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (fd >= 0 && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		format_addr(&ss, tgt->address, sizeof(tgt->address));
	if (fd >= 0 && sim_loop_add_fd(loop, fd, EPOLLIN, accept_event, tgt) < 0) {
		snprintf(err, errlen, "event loop: cannot watch the listening socket");
		close(fd);
		free(tgt);
		return NULL;
	}
	tgt->waker = sim_loop_waker_new(loop, tgt_resume, tgt);
	if (!tgt->waker) {
		snprintf(err, errlen, "event loop: eventfd: %s", strerror(errno));
		if (fd >= 0) {
			sim_loop_del_fd(loop, fd);
			close(fd);
		}
		free(tgt);
		return NULL;
	}
	/* From here on a recording LUN never waits for its disc image on this thread:
	 * its commands go pending and the image's writer threads wake us. */
	for (size_t i = 0; i < tgt->ntargets; i++)
		sim_dev_set_wakeup(tgt->nodes[i].dev, tgt_wakeup, tgt->waker);
	return tgt;
}

const char *sim_target_address(const struct sim_target *t)
{
	return t->address;
}

void sim_target_shutdown(struct sim_target *tgt)
{
	if (tgt->listen_fd >= 0) {
		sim_loop_del_fd(tgt->loop, tgt->listen_fd);
		close(tgt->listen_fd);
		tgt->listen_fd = -1;
	}
	tgt->shutting_down = true;
	while (tgt->conns) {
		struct conn *c = tgt->conns;
		if (c->state == CONN_FFP) {
			/* Asynchronous Message: the target will drop all connections (RFC 7143 §11.9.1). */
			uint8_t bhs[SIM_BHS_LEN];
			sim_bhs_init(bhs, SIM_OP_ASYNC, SIM_BHS_FINAL, 0);
			memset(bhs + SIM_BHS_LUN, 0, 8);
			wire_put_be32(bhs + SIM_BHS_ITT, SIM_NO_TAG);
			put_sn(c, bhs, false);
			bhs[SIM_ASYNC_EVENT] = SIM_ASYNC_DROP_ALL;
			wire_put_be16(bhs + SIM_ASYNC_PARAM2, 2);	/* Time2Wait */
			wire_put_be16(bhs + SIM_ASYNC_PARAM3, 0);	/* Time2Retain */
			tx_send(c, bhs, NULL, 0);
			if (c->fd >= 0)
				conn_flush(c);
		}
		if (tgt->conns == c)
			conn_close(c, "target shutting down");
	}
	reap(tgt);
}

void sim_target_free(struct sim_target *tgt)
{
	if (!tgt)
		return;
	sim_target_shutdown(tgt);	/* every connection closed: nothing is pending */
	for (size_t i = 0; i < tgt->ntargets; i++)
		sim_dev_set_wakeup(tgt->nodes[i].dev, NULL, NULL);
	sim_loop_waker_free(tgt->waker);
	free(tgt);
}
