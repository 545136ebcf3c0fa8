/* engine/recorder.c - IDiscRecorder2Ex over iSCSI (the manual is doc/engine-recorder.md).
 *
 * One recorder = one libiscsi context logged in to one MMC logical unit.  Every method
 * takes the recorder's recursive lock, so one thread at a time drives the context (the
 * write engine holds it for a whole WriteSection, recorder-private.h).  Commands run
 * through eng_rec_exec: our own poll loop around iscsi_scsi_command_async, so that a
 * lost session can be given a deadline and the task cancelled cleanly (the sync API of
 * libiscsi 1.19 waits forever while its automatic reconnect keeps retrying).
 *
 * Wire fields go through ewire.h only; CDB and response layouts cite the MMC-6 or SPC-4
 * command they belong to. */
#include <errno.h>
#include <stddef.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <linux/tcp.h>	/* struct tcp_info with tcpi_segs_out, which glibc's lacks */
#include <stdbool.h>
#include <sys/socket.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ewire.h"
#include "mmccdb.h"
#include "recorder-private.h"

#define DEFAULT_INITIATOR "iqn.2026-01.org.burnlab:wengine"
#define DEFAULT_COMMAND_TIMEOUT_S 60
#define DEFAULT_BUSY_DEADLINE_S 300
#define DEFAULT_RECONNECT_DEADLINE_S 30

/* What libiscsi 1.19 offers at login (lib/init.c) and the RFC 7143 section 13 defaults
 * that apply when the target leaves a key unanswered. */
#define LIBISCSI_OFFER_BURST 262144u
#define RFC_MAX_BURST 262144u
#define RFC_FIRST_BURST 65536u
#define RFC_MRDSL 8192u

#define MAX_UA_IN_ROW 8     /* more in a row means the device is broken */
#define BUSY_FIRST_MS 10
#define BUSY_MAX_MS 1000
#define INQUIRY_LEN 96
#define SECTOR 2048u

enum { MODE_HDR10 = 8, FEATURE_HDR = 8, STRUCT_HDR = 4 };

struct disc_recorder_ex {
	atomic_int refs;
	pthread_mutex_t lock; /* recursive */
	struct iscsi_context *iscsi;
	int lun;
	disc_recorder_ex_options opts; /* defaults filled in; initiator_name -> initiator */
	char initiator[224];
	/* negotiated at login */
	uint32_t max_burst, first_burst, target_mrdsl;
	uint32_t transfer_limit; /* from max_burst; put_maximum_transfer_size may go lower */
	uint32_t max_transfer;
	char target_name[224], portal[272];
	uint8_t inquiry[INQUIRY_LEN];
	uint32_t inquiry_len;
	char vendor[9], product[17], revision[5], serial[256];
	/* last outcomes */
	struct eng_sense last_sense; /* valid = 0: the last command did not fail with sense */
	char last_error[512];
	uint32_t unit_attentions;
	int tuned_fd;	/* the socket tune_transport saw last; -1: none */
};

/* The one place the recorder writes to stderr. */
static void rec_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void rec_log(const char *fmt, ...)
{
	char line[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "libwriteengine: %s\n", line);
}

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void imapi_free(void *p)
{
	free(p);
}

/* ------------------------------------------------------------------------------------
 * Private contract (recorder-private.h).
 */

void eng_rec_lock(disc_recorder_ex *r)
{
	pthread_mutex_lock(&r->lock);
}

void eng_rec_unlock(disc_recorder_ex *r)
{
	pthread_mutex_unlock(&r->lock);
}

struct iscsi_context *eng_rec_iscsi(disc_recorder_ex *r)
{
	return r->iscsi;
}

int eng_rec_lun(disc_recorder_ex *r)
{
	return r->lun;
}

uint32_t eng_rec_max_transfer(disc_recorder_ex *r)
{
	eng_rec_lock(r);
	uint32_t v = r->max_transfer;
	eng_rec_unlock(r);
	return v;
}

const disc_recorder_ex_options *eng_rec_options(disc_recorder_ex *r)
{
	return &r->opts;
}

void eng_rec_set_last_sense(disc_recorder_ex *r, const struct eng_sense *s)
{
	eng_rec_lock(r);
	if (s && s->valid)
		r->last_sense = *s;
	else
		memset(&r->last_sense, 0, sizeof(r->last_sense));
	eng_rec_unlock(r);
}

void eng_rec_set_last_error(disc_recorder_ex *r, const char *text)
{
	eng_rec_lock(r);
	copy_str(r->last_error, sizeof(r->last_error), text ? text : "");
	eng_rec_unlock(r);
}

uint32_t eng_rec_unit_attentions(disc_recorder_ex *r)
{
	eng_rec_lock(r);
	uint32_t n = r->unit_attentions;
	eng_rec_unlock(r);
	return n;
}

void eng_rec_note_unit_attention(disc_recorder_ex *r, const struct eng_sense *s)
{
	char text[128];
	eng_rec_lock(r);
	r->unit_attentions++;
	eng_rec_unlock(r);
	rec_log("unit attention: %s", eng_sense_format(s, text, sizeof(text)));
}

hresult_t eng_rec_transport_hresult(disc_recorder_ex *r, int task_status)
{
	const char *err = iscsi_get_error(r->iscsi);
	if (!err || !*err)
		err = task_status == SCSI_STATUS_TIMEOUT ? "no answer within the command timeout"
			: "the iSCSI session was lost and did not come back in time";
	eng_rec_set_last_error(r, err);
	switch (task_status) {
	case SCSI_STATUS_TIMEOUT:
		rec_log("command timed out: %s", err);
		return E_IMAPI_RECORDER_COMMAND_TIMEOUT;
	case SCSI_STATUS_CANCELLED:
	case SCSI_STATUS_ERROR:
	default:
		rec_log("session lost: %s", err);
		return IMAPI_E_WIN32_DEV_NOT_EXIST;
	}
}

/* One task, driven to completion by our own loop.  iscsi_service() runs at least every
 * 100 ms so libiscsi's per-PDU timeout (iscsi_set_timeout) and its automatic reconnect
 * make progress.  When the session stays down longer than reconnect_deadline_s the
 * task is cancelled locally (iscsi_scsi_cancel_task).  While libiscsi is reconnecting
 * it keeps the PDU in its hidden old context, where cancel cannot reach it; the task
 * and its state are then orphaned: the callback frees both when libiscsi finally
 * completes or cancels the PDU (at the latest in iscsi_destroy_context). */
struct run_state {
	int finished;
	int status;
	int orphan;
	struct scsi_task *task;
};

static void run_done(struct iscsi_context *iscsi, int status, void *command_data, void *priv)
{
	(void)iscsi;
	(void)command_data;
	struct run_state *st = priv;
	if (st->orphan) {
		scsi_free_scsi_task(st->task);
		free(st);
		return;
	}
	st->status = status;
	st->finished = 1;
}

/* Returns the task status; *orphaned = 1 when the task now belongs to run_done. */
static int run_task(disc_recorder_ex *r, struct scsi_task *task, struct iscsi_data *out,
		    int *orphaned)
{
	*orphaned = 0;
	struct run_state *st = calloc(1, sizeof(*st));
	if (!st)
		return SCSI_STATUS_ERROR;
	st->task = task;
	if (iscsi_scsi_command_async(r->iscsi, r->lun, task, run_done, out, st) != 0) {
		free(st);
		return SCSI_STATUS_ERROR;
	}
	double lost_since = -1;
	while (!st->finished) {
		struct pollfd pfd = { .fd = iscsi_get_fd(r->iscsi),
				      .events = (short)iscsi_which_events(r->iscsi) };
		int n = poll(&pfd, 1, 100);
		if (n < 0 && errno != EINTR)
			break;
		int rc = eng_rec_service(r, n > 0 ? pfd.revents : 0);
		if (st->finished)
			break;
		if (rc < 0 || !iscsi_is_logged_in(r->iscsi)) {
			double t = now_s();
			if (lost_since < 0)
				lost_since = t;
			if (t - lost_since >= r->opts.reconnect_deadline_s)
				break;
		} else {
			lost_since = -1;
		}
	}
	if (!st->finished && iscsi_scsi_cancel_task(r->iscsi, task) != 0 && !st->finished) {
		st->orphan = 1;
		*orphaned = 1;
		return SCSI_STATUS_CANCELLED;
	}
	int status = st->finished ? st->status : SCSI_STATUS_CANCELLED;
	free(st);
	return status;
}

/* Send c once: status, sense and data of the attempt into c. */
static void exec_once(disc_recorder_ex *r, struct eng_cmd *c)
{
	static const int xfer[] = { [ENG_DIR_NONE] = SCSI_XFER_NONE, [ENG_DIR_IN] = SCSI_XFER_READ,
				    [ENG_DIR_OUT] = SCSI_XFER_WRITE };
	uint8_t cdb[16];
	memcpy(cdb, c->cdb, c->cdb_len);
	c->got = 0;
	c->status = -1;
	memset(&c->sense, 0, sizeof(c->sense));
	struct scsi_task *task = scsi_create_task((int)c->cdb_len, cdb, xfer[c->dir],
						  c->dir == ENG_DIR_NONE ? 0 : (int)c->len);
	if (!task) {
		eng_rec_set_last_error(r, "out of memory creating a SCSI task");
		return;
	}
	struct iscsi_data out = { .size = c->len, .data = c->buf };
	/* Data-In straight into the caller's buffer: without an iovec libiscsi gathers it in
	 * a buffer of its own, grown PDU by PDU, and we would copy it once more.  The iovec
	 * lives with the task (an orphaned task outlives this call, see run_task). */
	struct scsi_iovec *in = c->dir == ENG_DIR_IN ? scsi_malloc(task, sizeof(*in)) : NULL;
	if (c->dir == ENG_DIR_IN && !in) {
		scsi_free_scsi_task(task);
		eng_rec_set_last_error(r, "out of memory creating a SCSI task");
		return;
	}
	if (in) {
		/* libiscsi does not count the Data-In bytes it places in a caller's buffer, so
		 * got below is the target's word (expected length less residual).  A target
		 * that claims bytes it never sent leaves them zero, not whatever the buffer
		 * held before (a stack header, the previous chunk of a verify). */
		memset(c->buf, 0, c->len);
		in->iov_base = c->buf;
		in->iov_len = c->len;
		scsi_task_set_iov_in(task, in, 1);
	}
	int custom = c->timeout_s && c->timeout_s != (uint32_t)r->opts.command_timeout_s;
	if (custom)
		iscsi_set_timeout(r->iscsi, (int)c->timeout_s);
	int orphaned;
	int status = run_task(r, task, c->dir == ENG_DIR_OUT ? &out : NULL, &orphaned);
	if (custom)
		iscsi_set_timeout(r->iscsi, r->opts.command_timeout_s);

	c->status = status;
	if (orphaned) {
		/* Data that still arrives must not land in c->buf, which the caller frees. */
		void *scratch = in ? scsi_malloc(task, c->len) : NULL;
		if (in) {
			in->iov_base = scratch;
			in->iov_len = scratch ? c->len : 0;
		}
		return;
	}
	if (status == SCSI_STATUS_GOOD && c->dir == ENG_DIR_IN) {
		/* What arrived: the expected length less an underflow residual (RFC 7143
		 * 11.4.5.2); the data itself is in c->buf already. */
		uint32_t short_by = task->residual_status == SCSI_RESIDUAL_UNDERFLOW ? task->residual : 0;
		c->got = short_by < c->len ? c->len - short_by : 0;
	} else if (status == SCSI_STATUS_CHECK_CONDITION && task->datain.size >= 2) {
		/* libiscsi keeps the Response PDU's data segment: a 2-byte SenseLength, then
		 * the sense (RFC 7143 11.4.7.2; lib/iscsi-command.c). */
		uint32_t avail = (uint32_t)task->datain.size - 2;
		uint32_t slen = mcc_be16(task->datain.data);
		eng_sense_parse(task->datain.data + 2, slen < avail ? slen : avail, &c->sense);
	}
	scsi_free_scsi_task(task);
}

hresult_t eng_rec_exec(disc_recorder_ex *r, struct eng_cmd *c)
{
	hresult_t hr;
	if (!c->cdb || c->cdb_len < 6 || c->cdb_len > 16 || (c->dir != ENG_DIR_NONE && !c->buf))
		return E_INVALIDARG;
	eng_rec_lock(r);
	c->busy_retries = 0;
	unsigned ua_in_row = 0;
	uint32_t backoff = BUSY_FIRST_MS;
	double busy_until = now_s() + r->opts.busy_deadline_s;
	for (;;) {
		exec_once(r, c);
		if (!c->retry || c->status != SCSI_STATUS_CHECK_CONDITION)
			break;
		enum eng_sense_action a = eng_sense_action(&c->sense);
		if (a == ENG_SENSE_UNIT_ATTENTION && ua_in_row < MAX_UA_IN_ROW) {
			eng_rec_note_unit_attention(r, &c->sense);
			ua_in_row++;
			continue;
		}
		if (a == ENG_SENSE_BUSY && now_s() + backoff / 1000.0 < busy_until) {
			sleep_ms(backoff);
			backoff = backoff * 2 > BUSY_MAX_MS ? BUSY_MAX_MS : backoff * 2;
			c->busy_retries++;
			ua_in_row = 0;
			continue;
		}
		break;
	}
	if (c->status == SCSI_STATUS_CHECK_CONDITION && c->sense.valid)
		hr = eng_sense_hresult(&c->sense, c->cdb[0]);
	else if (c->status >= 0 && c->status <= 0xFF)
		hr = eng_status_hresult(c->status);
	else
		hr = eng_rec_transport_hresult(r, c->status);
	eng_rec_set_last_sense(r, c->status == SCSI_STATUS_CHECK_CONDITION ? &c->sense : NULL);
	eng_rec_unlock(r);
	return hr;
}

/* ------------------------------------------------------------------------------------
 * Open and release.
 */

/* Login capture: libiscsi 1.19 has no getter for the negotiated MaxBurstLength, but its
 * login code logs each key of the target's reply at level 6 as "TargetLoginReply:
 * Key=Value" (lib/login.c).  Its log callback has no user pointer, hence a thread-local
 * pointer set only around the connect call on this thread. */
struct login_capture {
	int forward_level; /* the user's libiscsi_log_level: lines up to it go to stderr */
	uint32_t max_burst, first_burst, mrdsl;
	int have_max_burst, have_first_burst, have_mrdsl;
};
static __thread struct login_capture *capture;

static void capture_key(struct login_capture *c, const char *kv)
{
	static const struct {
		const char *key;
		size_t off_val, off_have;
	} keys[] = {
		{ "MaxBurstLength=", offsetof(struct login_capture, max_burst),
		  offsetof(struct login_capture, have_max_burst) },
		{ "FirstBurstLength=", offsetof(struct login_capture, first_burst),
		  offsetof(struct login_capture, have_first_burst) },
		{ "MaxRecvDataSegmentLength=", offsetof(struct login_capture, mrdsl),
		  offsetof(struct login_capture, have_mrdsl) },
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t n = strlen(keys[i].key);
		if (strncmp(kv, keys[i].key, n) != 0)
			continue;
		char *end;
		unsigned long v = strtoul(kv + n, &end, 10);
		/* libiscsi may append " [target-name]" to the message. */
		if (end == kv + n || (*end != '\0' && *end != ' ') || v == 0 || v > 0xFFFFFFu)
			return;
		*(uint32_t *)((char *)c + keys[i].off_val) = (uint32_t)v;
		*(int *)((char *)c + keys[i].off_have) = 1;
	}
}

static void rec_iscsi_log(int level, const char *message)
{
	static const char tag[] = "TargetLoginReply: ";
	struct login_capture *c = capture;
	if (c && strncmp(message, tag, sizeof(tag) - 1) == 0)
		capture_key(c, message + sizeof(tag) - 1);
	if (!c || level <= c->forward_level)
		fprintf(stderr, "libiscsi: %s\n", message);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* RFC 7143 13.13-13.14: MaxBurstLength and FirstBurstLength are the minimum of offer
 * and answer; FirstBurstLength never exceeds MaxBurstLength. */
static void set_limits(disc_recorder_ex *r, const struct login_capture *c)
{
	r->max_burst = c->have_max_burst ? min_u32(LIBISCSI_OFFER_BURST, c->max_burst) : RFC_MAX_BURST;
	r->first_burst = c->have_first_burst ? min_u32(LIBISCSI_OFFER_BURST, c->first_burst)
					     : RFC_FIRST_BURST;
	r->first_burst = min_u32(r->first_burst, r->max_burst);
	r->target_mrdsl = c->have_mrdsl ? c->mrdsl : RFC_MRDSL;
	/* One burst per command: whole 2048-byte sectors, at least one. */
	uint32_t t = r->max_burst / SECTOR * SECTOR;
	r->transfer_limit = t < SECTOR ? SECTOR : t;
	r->max_transfer = r->transfer_limit;
}

static void trim_copy(char *dst, size_t size, const uint8_t *src, size_t n)
{
	while (n && (src[0] == ' ' || src[0] == '\0')) {
		src++;
		n--;
	}
	while (n && (src[n - 1] == ' ' || src[n - 1] == '\0'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static hresult_t run_in(disc_recorder_ex *r, const struct mcc_cdb *cdb, void *buf,
			uint32_t len, uint32_t *got)
{
	struct eng_cmd c = { .cdb = cdb->b, .cdb_len = (uint32_t)cdb->len, .dir = ENG_DIR_IN, .buf = buf,
			     .len = len, .retry = 1 };
	hresult_t hr = eng_rec_exec(r, &c);
	*got = c.got;
	return hr;
}

/* INQUIRY (SPC-4 INQUIRY; MMC-6 device type 05h): the LU must be a CD/DVD device
 * (type 05h, qualifier 000b); VPD page 80h gives the serial number when the device has
 * one. */
static hresult_t identify(disc_recorder_ex *r)
{
	struct mcc_cdb cdb = mcc_cdb_inquiry(false, 0, INQUIRY_LEN);
	uint32_t got;
	hresult_t hr = run_in(r, &cdb, r->inquiry, INQUIRY_LEN, &got);
	if (IMAPI_FAILED(hr))
		return hr;
	if (got < 36) {
		rec_log("INQUIRY answered %u bytes, fewer than 36", got);
		return E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	}
	r->inquiry_len = got;
	if (r->inquiry[0] != 0x05) {
		char text[128];
		snprintf(text, sizeof(text),
			 "LUN %d is not an MMC device (peripheral qualifier %u, device type %02Xh; "
			 "05h expected)", r->lun, r->inquiry[0] >> 5, r->inquiry[0] & 0x1Fu);
		eng_rec_set_last_error(r, text);
		rec_log("%s", text);
		return E_INVALIDARG;
	}
	trim_copy(r->vendor, sizeof(r->vendor), r->inquiry + 8, 8);
	trim_copy(r->product, sizeof(r->product), r->inquiry + 16, 16);
	trim_copy(r->revision, sizeof(r->revision), r->inquiry + 32, 4);

	uint8_t vpd[255];
	struct mcc_cdb vcdb = mcc_cdb_inquiry(true, 0x80, sizeof(vpd));
	if (run_in(r, &vcdb, vpd, sizeof(vpd), &got) == S_OK && got >= 4 &&
	    vpd[1] == 0x80) {
		uint32_t n = min_u32(vpd[3], got - 4);
		trim_copy(r->serial, sizeof(r->serial), vpd + 4, n);
	}
	return S_OK;
}

static void destroy(disc_recorder_ex *r)
{
	if (r->iscsi) {
		if (iscsi_is_logged_in(r->iscsi))
			iscsi_logout_sync(r->iscsi);
		iscsi_destroy_context(r->iscsi);
	}
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* Can a TCP connection to "host:port" ("[v6]:port") be opened?  0 when it can;
 * otherwise -1 with the reason in why ("connection refused", a resolver error). */
static int probe_portal(const char *portal, char *why, size_t len)
{
	char host[272];
	const char *port = "3260";
	copy_str(host, sizeof(host), portal);
	char *h = host, *colon = strrchr(host, ':');
	if (host[0] == '[') {
		char *close = strchr(host, ']');
		if (close) {
			*close = '\0';
			h = host + 1;
			if (close[1] == ':')
				port = close + 2;
		}
	} else if (colon) {
		*colon = '\0';
		port = colon + 1;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int gai = getaddrinfo(h, port, &hints, &res);
	if (gai != 0) {
		snprintf(why, len, "%.200s: %s", portal, gai_strerror(gai));
		return -1;
	}
	int err = 0;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		int ok = connect(fd, a->ai_addr, a->ai_addrlen);
		err = ok == 0 ? 0 : errno;
		close(fd);
		if (ok == 0)
			break;
	}
	freeaddrinfo(res);
	if (err == 0)
		return 0;
	snprintf(why, len, "TCP connection to %.200s: %s", portal, strerror(err));
	return -1;
}

/* Whether the socket's peer is this host: 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. */
static bool peer_is_loopback(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return false;
	if (ss.ss_family == AF_INET)
		return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss.ss_family != AF_INET6)
		return false;
	const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

/* The socket's TCP congestion control into cc (NUL-terminated), "" when it does not
 * say (tcp(7) TCP_CONGESTION). */
static void socket_cc(int fd, char *cc, size_t size)
{
	socklen_t len = (socklen_t)(size - 1);
	memset(cc, 0, size);
	if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, &len) != 0)
		cc[0] = '\0';
}

/* BBR paces every flow with a high-resolution timer per burst (Linux
 * net/ipv4/tcp_bbr.c): to another process on the same host there is no bottleneck to
 * pace for, and a queue of WRITEs paid 4,800 timer expiries per GiB for it
 * (doc/engine.md §3).  cubic, the kernel's default, does not pace; reno is always
 * allowed (tcp_allowed_congestion_control). */
static void tune_transport(disc_recorder_ex *r)
{
	if (!iscsi_is_logged_in(r->iscsi)) {
		r->tuned_fd = -1; /* a reconnect's socket may get the same number */
		return;
	}
	int fd = iscsi_get_fd(r->iscsi);
	if (fd < 0 || fd == r->tuned_fd)
		return;
	r->tuned_fd = fd;
	char cc[16];
	socket_cc(fd, cc, sizeof(cc));
	if (strncmp(cc, "bbr", 3) != 0 || !peer_is_loopback(fd))
		return;
	static const char *const calm[] = { "cubic", "reno" };
	for (size_t i = 0; i < sizeof(calm) / sizeof(calm[0]); i++)
		if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, calm[i], (socklen_t)strlen(calm[i])) == 0)
			return;
}

/* libiscsi writes a PDU's header and its data with separate calls on a TCP_NODELAY
 * socket (lib/socket.c), so each left as a segment of its own: 64 for a 256 KiB WRITE
 * to a target that takes 8 KiB data segments (tgtd), each a trip through both ends'
 * TCP stacks.  Corked while libiscsi writes what it has queued, they leave in full
 * segments, and uncorking sends the rest at once, so nothing waits (tcp(7) TCP_CORK;
 * doc/engine-recorder.md §2). */
static void set_cork(int fd, int on)
{
	(void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)); /* failing: as before */
}

int eng_rec_service(disc_recorder_ex *r, int revents)
{
	/* libiscsi writes only here, on POLLOUT.  The socket is the one tune_transport
	 * checked; if a reconnect inside the call gives a new one its number, uncorking
	 * it is harmless (off is the default). */
	int fd = (revents & POLLOUT) && r->tuned_fd >= 0 && r->tuned_fd == iscsi_get_fd(r->iscsi) ?
		r->tuned_fd : -1;
	if (fd >= 0)
		set_cork(fd, 1);
	int rc = iscsi_service(r->iscsi, revents);
	if (fd >= 0)
		set_cork(fd, 0);
	tune_transport(r);
	return rc;
}

bool eng_rec_tcp_segments_out(disc_recorder_ex *r, int *fd, uint64_t *segs)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int f = iscsi_get_fd(r->iscsi);
	if (f < 0 || getsockopt(f, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_segs_out) + sizeof(ti.tcpi_segs_out))
		return false; /* kernels before 4.2 do not count */
	*fd = f;
	*segs = ti.tcpi_segs_out;
	return true;
}

static hresult_t connect_lun(disc_recorder_ex *r, const char *url)
{
	struct iscsi_url *u = iscsi_parse_full_url(r->iscsi, url);
	if (!u) {
		eng_rec_set_last_error(r, iscsi_get_error(r->iscsi));
		rec_log("bad iSCSI URL: %s", r->last_error);
		return E_INVALIDARG;
	}
	r->lun = u->lun;
	copy_str(r->target_name, sizeof(r->target_name), u->target);
	copy_str(r->portal, sizeof(r->portal), u->portal);
	iscsi_set_targetname(r->iscsi, u->target);
	iscsi_set_session_type(r->iscsi, ISCSI_SESSION_NORMAL);
	if (u->user[0])
		iscsi_set_initiator_username_pwd(r->iscsi, u->user, u->passwd);
	if (u->target_user[0])
		iscsi_set_target_username_pwd(r->iscsi, u->target_user, u->target_passwd);

	struct login_capture cap = { .forward_level = r->opts.libiscsi_log_level };
	capture = &cap; /* before the level change, which libiscsi itself logs */
	iscsi_set_log_fn(r->iscsi, rec_iscsi_log);
	iscsi_set_log_level(r->iscsi, 6);
	int rc = iscsi_full_connect_sync(r->iscsi, u->portal, u->lun);
	capture = NULL;
	iscsi_set_log_level(r->iscsi, r->opts.libiscsi_log_level);
	iscsi_set_log_fn(r->iscsi, r->opts.libiscsi_log_level > 0 ? rec_iscsi_log : NULL);
	iscsi_destroy_url(u);
	if (rc != 0) {
		/* libiscsi 1.19 words a refused TCP connect as "Can not reconnect right now";
		 * say what the socket said instead. */
		char why[256];
		if (probe_portal(r->portal, why, sizeof(why)) != 0)
			eng_rec_set_last_error(r, why);
		else
			eng_rec_set_last_error(r, iscsi_get_error(r->iscsi));
		rec_log("cannot log in to %s: %s", r->portal, r->last_error);
		return IMAPI_E_WIN32_DEV_NOT_EXIST;
	}
	set_limits(r, &cap);
	tune_transport(r);
	return S_OK;
}

hresult_t disc_recorder_ex_open_iscsi_opts(const char *url, const disc_recorder_ex_options *opts,
					   disc_recorder_ex **out)
{
	if (!url || !out)
		return E_POINTER;
	*out = NULL;
	disc_recorder_ex *r = calloc(1, sizeof(*r));
	if (!r)
		return E_OUTOFMEMORY;
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&r->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	atomic_init(&r->refs, 1);
	r->tuned_fd = -1;

	if (opts)
		r->opts = *opts;
	copy_str(r->initiator, sizeof(r->initiator),
		 r->opts.initiator_name && *r->opts.initiator_name ? r->opts.initiator_name
								   : DEFAULT_INITIATOR);
	r->opts.initiator_name = r->initiator;
	if (r->opts.command_timeout_s <= 0)
		r->opts.command_timeout_s = DEFAULT_COMMAND_TIMEOUT_S;
	if (r->opts.busy_deadline_s <= 0)
		r->opts.busy_deadline_s = DEFAULT_BUSY_DEADLINE_S;
	if (r->opts.reconnect_deadline_s <= 0)
		r->opts.reconnect_deadline_s = DEFAULT_RECONNECT_DEADLINE_S;
	if (r->opts.libiscsi_log_level < 0)
		r->opts.libiscsi_log_level = 0;

	r->iscsi = iscsi_create_context(r->initiator);
	if (!r->iscsi) {
		destroy(r);
		return E_OUTOFMEMORY;
	}
	/* libiscsi's own default, made explicit: the URL's header_digest overrides it. */
	iscsi_set_header_digest(r->iscsi, ISCSI_HEADER_DIGEST_NONE_CRC32C);
	iscsi_set_timeout(r->iscsi, r->opts.command_timeout_s);
	hresult_t hr = connect_lun(r, url);
	if (hr == S_OK)
		hr = identify(r);
	if (hr != S_OK) {
		destroy(r);
		return hr;
	}
	*out = r;
	return S_OK;
}

hresult_t disc_recorder_ex_open_iscsi(const char *url, disc_recorder_ex **out)
{
	return disc_recorder_ex_open_iscsi_opts(url, NULL, out);
}

void disc_recorder_ex_addref(disc_recorder_ex *r)
{
	if (r)
		atomic_fetch_add(&r->refs, 1);
}

void disc_recorder_ex_release(disc_recorder_ex *r)
{
	if (r && atomic_fetch_sub(&r->refs, 1) == 1)
		destroy(r);
}

/* ------------------------------------------------------------------------------------
 * Pass-through (slots 3..5).
 */

/* Contract section 3: 6..16 bytes and, outside the exempt opcodes, the length of the
 * opcode's group (SPC-4 operation code groups).  Groups 3 (60h-7Fh, reserved / variable length) and
 * 6-7 (vendor specific) take any length. */
static int cdb_size_ok(const uint8_t *cdb, uint32_t n)
{
	static const uint8_t exempt[] = { 0x02, 0x05, 0x06, 0x09, 0x0C, 0x0D, 0x0E, 0x0F,
					  0x10, 0x13, 0x14, 0x19, 0x20, 0x21, 0x22, 0x23,
					  0x24, 0x26, 0x27, 0x29, 0x2C, 0x2D };
	if (n < 6 || n > 16)
		return 0;
	if (memchr(exempt, cdb[0], sizeof(exempt)))
		return 1;
	switch (cdb[0] >> 5) {
	case 0:
		return n == 6;
	case 1:
	case 2:
		return n == 10;
	case 4:
		return n == 16;
	case 5:
		return n == 12;
	default:
		return 1;
	}
}

static hresult_t passthrough(disc_recorder_ex *r, const uint8_t *cdb, uint32_t cdb_size,
			     uint8_t sense[IMAPI_SENSE_LEN], uint32_t timeout_s, enum eng_dir dir,
			     void *buf, uint32_t len, uint32_t *fetched)
{
	if (!cdb_size_ok(cdb, cdb_size))
		return E_INVALIDARG;
	memset(sense, 0, IMAPI_SENSE_LEN);
	/* No retries: the caller sees exactly what the drive said. */
	struct eng_cmd c = { .cdb = cdb, .cdb_len = cdb_size, .dir = dir, .buf = buf, .len = len,
			     .timeout_s = timeout_s, .retry = 0 };
	hresult_t hr = eng_rec_exec(r, &c);
	if (fetched)
		*fetched = c.got;
	if (c.status == SCSI_STATUS_CHECK_CONDITION && c.sense.valid) {
		memcpy(sense, c.sense.fixed, IMAPI_SENSE_LEN);
		return S_IMAPI_COMMAND_HAS_SENSE_DATA;
	}
	return hr;
}

hresult_t disc_recorder_ex_send_command_no_data(disc_recorder_ex *r, const uint8_t *cdb,
		uint32_t cdb_size, uint8_t sense[IMAPI_SENSE_LEN], uint32_t timeout_s)
{
	if (!r || !cdb || !sense)
		return E_POINTER;
	return passthrough(r, cdb, cdb_size, sense, timeout_s, ENG_DIR_NONE, NULL, 0, NULL);
}

hresult_t disc_recorder_ex_send_command_send_data_to_device(disc_recorder_ex *r,
		const uint8_t *cdb, uint32_t cdb_size, uint8_t sense[IMAPI_SENSE_LEN],
		uint32_t timeout_s, const uint8_t *buffer, uint32_t buffer_size)
{
	if (!r || !cdb || !sense || !buffer)
		return E_POINTER;
	if (buffer_size == 0 || buffer_size > 0x7FFFFFFFu) /* ULONG_NONZERO */
		return E_INVALIDARG;
	return passthrough(r, cdb, cdb_size, sense, timeout_s, ENG_DIR_OUT, (void *)buffer,
			   buffer_size, NULL);
}

hresult_t disc_recorder_ex_send_command_get_data_from_device(disc_recorder_ex *r,
		const uint8_t *cdb, uint32_t cdb_size, uint8_t sense[IMAPI_SENSE_LEN],
		uint32_t timeout_s, uint8_t *buffer, uint32_t buffer_size, uint32_t *fetched)
{
	if (!r || !cdb || !sense || !buffer || !fetched)
		return E_POINTER;
	*fetched = 0;
	if (buffer_size == 0 || buffer_size > 0x7FFFFFFFu)
		return E_INVALIDARG;
	return passthrough(r, cdb, cdb_size, sense, timeout_s, ENG_DIR_IN, buffer, buffer_size,
			   fetched);
}

/* ------------------------------------------------------------------------------------
 * Query and set methods (slots 6..17).
 */

/* Data-in commands whose answer starts with a big-endian length of the bytes after
 * that field (READ DISC INFORMATION, READ TRACK INFORMATION, READ DISC STRUCTURE, MODE
 * SENSE(10): 2 bytes; GET CONFIGURATION: 4 bytes) and whose allocation length is the
 * 16-bit field at CDB bytes 7-8 (8-9 for READ DISC STRUCTURE).  First the header, to
 * learn the size, then the whole answer (at most 0xFFFF bytes).  *out is malloc'ed. */
/* The CDB of a command that returns a length-prefixed answer, at allocation length
 * alloc (the builders of mmccdb.h behind a common shape, so read_sized can ask twice). */
typedef struct mcc_cdb (*sized_cdb_fn)(const void *arg, uint16_t alloc);

static hresult_t read_sized(disc_recorder_ex *r, sized_cdb_fn build, const void *arg,
			    unsigned len_size, uint8_t **out, uint32_t *got)
{
	uint8_t head[8];
	*out = NULL;
	*got = 0;
	struct mcc_cdb cdb = build(arg, sizeof(head));
	uint32_t n;
	hresult_t hr = run_in(r, &cdb, head, sizeof(head), &n);
	if (IMAPI_FAILED(hr))
		return hr;
	if (n < len_size)
		return E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	uint32_t total = (len_size == 4 ? mcc_be32(head) : mcc_be16(head));
	total = total > 0xFFFFu - len_size ? 0xFFFFu : total + len_size;
	uint8_t *buf = malloc(total);
	if (!buf)
		return E_OUTOFMEMORY;
	cdb = build(arg, (uint16_t)total);
	hr = run_in(r, &cdb, buf, total, &n);
	if (IMAPI_FAILED(hr) || n < len_size) {
		free(buf);
		return IMAPI_FAILED(hr) ? hr : E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	}
	*out = buf;
	*got = n;
	return S_OK;
}

struct rds_arg { uint32_t address; uint8_t layer, format, agid; };
static struct mcc_cdb rds_cdb(const void *arg, uint16_t alloc)
{
	const struct rds_arg *a = arg;
	return mcc_cdb_read_disc_structure(0, a->address, a->layer, a->format, alloc, a->agid);
}

static struct mcc_cdb rdi_cdb(const void *arg, uint16_t alloc)
{
	(void)arg;
	return mcc_cdb_read_disc_information(0, alloc);
}

struct rti_arg { uint8_t type; uint32_t address; };
static struct mcc_cdb rti_cdb(const void *arg, uint16_t alloc)
{
	const struct rti_arg *a = arg;
	return mcc_cdb_read_track_information(a->type, a->address, alloc);
}

struct gc_arg { uint8_t rt; uint16_t start; };
static struct mcc_cdb gc_cdb(const void *arg, uint16_t alloc)
{
	const struct gc_arg *a = arg;
	return mcc_cdb_get_configuration(a->rt, a->start, alloc);
}

/* MODE SENSE(10) with DBD. */
struct ms_arg { uint8_t pc, page; };
static struct mcc_cdb ms_cdb(const void *arg, uint16_t alloc)
{
	const struct ms_arg *a = arg;
	return mcc_cdb_mode_sense10(true, a->pc, a->page, alloc);
}

/* Hand back bytes [off, off + n) of buf as a new allocation (IMAPI2: CoTaskMemAlloc). */
static hresult_t give(const uint8_t *buf, uint32_t off, uint32_t n, uint8_t **data, uint32_t *size)
{
	uint8_t *p = malloc(n ? n : 1);
	if (!p)
		return E_OUTOFMEMORY;
	memcpy(p, buf + off, n);
	*data = p;
	*size = n;
	return S_OK;
}

/* READ DISC STRUCTURE (MMC-6 READ DISC STRUCTURE): media type 0 (DVD), the
 * 4-byte header removed. */
hresult_t disc_recorder_ex_read_dvd_structure(disc_recorder_ex *r, uint32_t format,
		uint32_t address, uint32_t layer, uint32_t agid, uint8_t **data, uint32_t *count)
{
	if (!r || !data || !count)
		return E_POINTER;
	*data = NULL;
	*count = 0;
	if (format > 0xFF || layer > 0xFF || agid > 3)
		return E_INVALIDARG;
	const struct rds_arg a = { address, (uint8_t)layer, (uint8_t)format, (uint8_t)agid };
	uint8_t *buf;
	uint32_t got;
	hresult_t hr = read_sized(r, rds_cdb, &a, 2, &buf, &got);
	if (IMAPI_FAILED(hr))
		return hr;
	if (got < STRUCT_HDR) {
		free(buf);
		return E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	}
	hr = give(buf, STRUCT_HDR, min_u32(got - STRUCT_HDR, IMAPI_MAX_DVD_STRUCTURE), data, count);
	free(buf);
	return hr;
}

/* SEND DISC STRUCTURE (IDiscRecorder2Ex::SendDvdStructure): the method prepends the
 * 4-byte header (data length = count + 2) and sends media type 0. */
hresult_t disc_recorder_ex_send_dvd_structure(disc_recorder_ex *r, uint32_t format,
		const uint8_t *data, uint32_t count)
{
	if (!r || !data)
		return E_POINTER;
	if (format > 0xFF || count > IMAPI_MAX_DVD_STRUCTURE - STRUCT_HDR)
		return E_INVALIDARG;
	uint32_t total = count + STRUCT_HDR;
	uint8_t *buf = calloc(1, total);
	if (!buf)
		return E_OUTOFMEMORY;
	mcc_put16(buf, (uint16_t)(count + 2));
	memcpy(buf + STRUCT_HDR, data, count);
	struct mcc_cdb cdb = mcc_cdb_send_disc_structure((uint8_t)format, (uint16_t)total);
	struct eng_cmd c = { .cdb = cdb.b, .cdb_len = (uint32_t)cdb.len, .dir = ENG_DIR_OUT, .buf = buf,
			     .len = total, .retry = 1 };
	hresult_t hr = eng_rec_exec(r, &c);
	free(buf);
	return hr;
}

/* Windows STORAGE_ADAPTER_DESCRIPTOR (ntddstor.h), little-endian; the layout is in
 * doc/engine-recorder.md.  Bus type 9 = BusTypeiScsi. */
enum {
	AD_VERSION = 0, AD_SIZE = 4, AD_MAX_TRANSFER = 8, AD_MAX_PAGES = 12, AD_ALIGNMENT = 16,
	AD_USES_PIO = 20, AD_SCANS_DOWN = 21, AD_QUEUEING = 22, AD_ACCELERATED = 23,
	AD_BUS_TYPE = 24, AD_BUS_MAJOR = 26, AD_BUS_MINOR = 28, AD_SRB_TYPE = 30,
	AD_ADDRESS_TYPE = 31, AD_LEN = 32,
};
/* STORAGE_DEVICE_DESCRIPTOR: fixed part of 36 bytes + RawDeviceProperties[1], padded
 * to 40 (its sizeof, the Version field). */
enum {
	DD_VERSION = 0, DD_SIZE = 4, DD_TYPE = 8, DD_TYPE_MODIFIER = 9, DD_REMOVABLE = 10,
	DD_QUEUEING = 11, DD_VENDOR_OFF = 12, DD_PRODUCT_OFF = 16, DD_REVISION_OFF = 20,
	DD_SERIAL_OFF = 24, DD_BUS_TYPE = 28, DD_RAW_LEN = 32, DD_RAW = 36, DD_SIZEOF = 40,
};
#define BUS_TYPE_ISCSI 9

hresult_t disc_recorder_ex_get_adapter_descriptor(disc_recorder_ex *r, uint8_t **data,
		uint32_t *byte_size)
{
	if (!r || !data || !byte_size)
		return E_POINTER;
	uint8_t *p = calloc(1, AD_LEN);
	if (!p)
		return E_OUTOFMEMORY;
	eng_rec_lock(r);
	uint32_t max = r->max_transfer;
	eng_rec_unlock(r);
	eng_put_le32(p + AD_VERSION, AD_LEN);
	eng_put_le32(p + AD_SIZE, AD_LEN);
	eng_put_le32(p + AD_MAX_TRANSFER, max);
	/* A buffer of max bytes that does not start on a page spans one page more. */
	eng_put_le32(p + AD_MAX_PAGES, max / 4096 + 1);
	eng_put_le32(p + AD_ALIGNMENT, 0); /* byte aligned: no DMA behind iSCSI */
	p[AD_USES_PIO] = 0;
	p[AD_SCANS_DOWN] = 0;
	p[AD_QUEUEING] = 1; /* iSCSI carries tagged commands (RFC 7143 task attributes) */
	p[AD_ACCELERATED] = 0;
	p[AD_BUS_TYPE] = BUS_TYPE_ISCSI;
	eng_put_le16(p + AD_BUS_MAJOR, 0); /* iSCSI Version-active 00h (RFC 7143 login response) */
	eng_put_le16(p + AD_BUS_MINOR, 0);
	p[AD_SRB_TYPE] = 0;     /* SRB_TYPE_SCSI_REQUEST_BLOCK */
	p[AD_ADDRESS_TYPE] = 0; /* STORAGE_ADDRESS_TYPE_BTL8 */
	*data = p;
	*byte_size = AD_LEN;
	return S_OK;
}

hresult_t disc_recorder_ex_get_device_descriptor(disc_recorder_ex *r, uint8_t **data,
		uint32_t *byte_size)
{
	if (!r || !data || !byte_size)
		return E_POINTER;
	eng_rec_lock(r);
	const char *str[4] = { r->vendor, r->product, r->revision, r->serial };
	static const unsigned off_field[4] = { DD_VENDOR_OFF, DD_PRODUCT_OFF, DD_REVISION_OFF,
					       DD_SERIAL_OFF };
	uint32_t raw = r->inquiry_len;
	uint32_t size = DD_RAW + raw;
	for (int i = 0; i < 4; i++)
		size += (uint32_t)strlen(str[i]) + 1;
	if (size < DD_SIZEOF)
		size = DD_SIZEOF;
	uint8_t *p = calloc(1, size);
	if (!p) {
		eng_rec_unlock(r);
		return E_OUTOFMEMORY;
	}
	eng_put_le32(p + DD_VERSION, DD_SIZEOF);
	eng_put_le32(p + DD_SIZE, size);
	p[DD_TYPE] = 0x05;
	p[DD_TYPE_MODIFIER] = 0;
	p[DD_REMOVABLE] = 1;
	p[DD_QUEUEING] = 1;
	eng_put_le32(p + DD_BUS_TYPE, BUS_TYPE_ISCSI);
	/* RawDeviceProperties: the standard INQUIRY data, as Windows' SCSI port fills it. */
	eng_put_le32(p + DD_RAW_LEN, raw);
	memcpy(p + DD_RAW, r->inquiry, raw);
	uint32_t at = DD_RAW + raw;
	for (int i = 0; i < 4; i++) {
		/* No serial number: offset 0, as Windows reports it. */
		if (i == 3 && !str[i][0])
			continue;
		size_t n = strlen(str[i]) + 1;
		eng_put_le32(p + off_field[i], at);
		memcpy(p + at, str[i], n);
		at += (uint32_t)n;
	}
	eng_rec_unlock(r);
	*data = p;
	*byte_size = size;
	return S_OK;
}

/* READ DISC INFORMATION (MMC-6), standard data type, whole answer. */
hresult_t disc_recorder_ex_get_disc_information(disc_recorder_ex *r, uint8_t **data,
		uint32_t *byte_size)
{
	if (!r || !data || !byte_size)
		return E_POINTER;
	*data = NULL;
	*byte_size = 0;
	return read_sized(r, rdi_cdb, NULL, 2, data, byte_size);
}

/* READ TRACK INFORMATION (MMC-6): address type in byte 1 b1-0, whole answer. */
hresult_t disc_recorder_ex_get_track_information(disc_recorder_ex *r, uint32_t address,
		imapi_read_track_address_type address_type, uint8_t **data, uint32_t *byte_size)
{
	if (!r || !data || !byte_size)
		return E_POINTER;
	*data = NULL;
	*byte_size = 0;
	if ((unsigned)address_type > IMAPI_READ_TRACK_ADDRESS_TYPE_SESSION)
		return E_INVALIDARG;
	const struct rti_arg a = { (uint8_t)address_type, address };
	return read_sized(r, rti_cdb, &a, 2, data, byte_size);
}

/* GET CONFIGURATION (MMC-6) with the given RT and starting feature. */
static hresult_t get_configuration(disc_recorder_ex *r, uint8_t rt, uint16_t start,
				   uint8_t **buf, uint32_t *got)
{
	const struct gc_arg a = { rt, start };
	hresult_t hr = read_sized(r, gc_cdb, &a, 4, buf, got);
	if (hr == S_OK && *got < FEATURE_HDR) {
		free(*buf);
		*buf = NULL;
		return E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	}
	return hr;
}

/* The one feature descriptor `code` (RT 10b), or NULL; *len its length within buf. */
static const uint8_t *find_feature(const uint8_t *buf, uint32_t got, uint16_t code, uint32_t *len)
{
	uint32_t end = min_u32(got, mcc_be32(buf) > got - 4 ? got : mcc_be32(buf) + 4);
	for (uint32_t i = FEATURE_HDR; i + 4 <= end; i += 4u + buf[i + 3]) {
		if (mcc_be16(buf + i) == code) {
			*len = min_u32(4u + buf[i + 3], end - i);
			return buf + i;
		}
	}
	return NULL;
}

hresult_t disc_recorder_ex_get_feature_page(disc_recorder_ex *r,
		imapi_feature_page_type requested_feature, int current_feature_only,
		uint8_t **data, uint32_t *byte_size)
{
	if (!r || !data || !byte_size)
		return E_POINTER;
	*data = NULL;
	*byte_size = 0;
	if (requested_feature < 0 || requested_feature > 0xFFFF)
		return E_INVALIDARG;
	uint8_t *buf;
	uint32_t got, len;
	hresult_t hr = get_configuration(r, 0x02, (uint16_t)requested_feature, &buf, &got);
	if (IMAPI_FAILED(hr))
		return hr;
	const uint8_t *d = find_feature(buf, got, (uint16_t)requested_feature, &len);
	if (!d)
		hr = E_IMAPI_RECORDER_NO_SUCH_FEATURE;
	else if (current_feature_only && !(d[2] & 0x01))
		hr = E_IMAPI_RECORDER_FEATURE_IS_NOT_CURRENT;
	else
		hr = give(d, 0, min_u32(len, IMAPI_MAX_FEATURE_PAGE), data, byte_size);
	free(buf);
	return hr;
}

/* MODE SENSE(10) with DBD (SPC-4 MODE SENSE(10)): the page(s) after the 8-byte header and any
 * block descriptors; *off is where the pages start. */
static hresult_t mode_sense(disc_recorder_ex *r, uint8_t page, imapi_mode_page_request_type pc,
			    uint8_t **buf, uint32_t *got, uint32_t *off)
{
	const struct ms_arg a = { (uint8_t)pc, page };
	hresult_t hr = read_sized(r, ms_cdb, &a, 2, buf, got);
	if (IMAPI_FAILED(hr))
		return hr;
	uint32_t end = min_u32(*got, mcc_be16(*buf) + 2u);
	*off = *got >= MODE_HDR10 ? (uint32_t)MODE_HDR10 + mcc_be16(*buf + 6) : end + 1;
	if (*off > end) {
		free(*buf);
		*buf = NULL;
		return E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	}
	*got = end;
	return S_OK;
}

/* Length of the mode page at p (SPC-4 mode page format: SPF pages have a 2-byte length at 2-3). */
static uint32_t mode_page_len(const uint8_t *p, uint32_t avail)
{
	if (avail < 2)
		return avail + 1;
	if (p[0] & 0x40)
		return avail < 4 ? avail + 1 : 4u + mcc_be16(p + 2);
	return 2u + p[1];
}

hresult_t disc_recorder_ex_get_mode_page(disc_recorder_ex *r,
		imapi_mode_page_type requested_mode_page, imapi_mode_page_request_type request_type,
		uint8_t **data, uint32_t *byte_size)
{
	if (!r || !data || !byte_size)
		return E_POINTER;
	*data = NULL;
	*byte_size = 0;
	/* 3Fh means "all pages": that is GetSupportedModePages. */
	if (requested_mode_page < 0 || requested_mode_page >= 0x3F ||
	    (unsigned)request_type > IMAPI_MODE_PAGE_REQUEST_TYPE_SAVED_VALUES)
		return E_INVALIDARG;
	uint8_t *buf;
	uint32_t got, off;
	hresult_t hr = mode_sense(r, (uint8_t)requested_mode_page, request_type, &buf, &got, &off);
	if (IMAPI_FAILED(hr))
		return hr;
	uint32_t len = mode_page_len(buf + off, got - off);
	if (off == got || (buf[off] & 0x3F) != requested_mode_page)
		hr = E_IMAPI_RECORDER_NO_SUCH_MODE_PAGE;
	else if (len > got - off)
		hr = E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	else
		hr = give(buf, off, min_u32(len, IMAPI_MAX_MODE_PAGE), data, byte_size);
	free(buf);
	return hr;
}

/* MODE SELECT(10), PF=1 (SPC-4 MODE SELECT(10)): an 8-byte header of zeros (mode data length is
 * reserved in MODE SELECT, no block descriptors) and the page with PS cleared. */
hresult_t disc_recorder_ex_set_mode_page(disc_recorder_ex *r,
		imapi_mode_page_request_type request_type, const uint8_t *data, uint32_t byte_size)
{
	if (!r || !data)
		return E_POINTER;
	/* Only current values are set, or saved ones with SP=1; changeable and default
	 * values cannot be written (SPC-4 MODE SELECT has only SP). */
	if (byte_size < 2 || byte_size > IMAPI_MAX_MODE_PAGE ||
	    (request_type != IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES &&
	     request_type != IMAPI_MODE_PAGE_REQUEST_TYPE_SAVED_VALUES))
		return E_INVALIDARG;
	uint32_t total = MODE_HDR10 + byte_size;
	uint8_t buf[MODE_HDR10 + IMAPI_MAX_MODE_PAGE];
	memset(buf, 0, MODE_HDR10);
	memcpy(buf + MODE_HDR10, data, byte_size);
	buf[MODE_HDR10] &= 0x7F;
	struct mcc_cdb cdb = mcc_cdb_mode_select10(
		request_type == IMAPI_MODE_PAGE_REQUEST_TYPE_SAVED_VALUES, (uint16_t)total);
	struct eng_cmd c = { .cdb = cdb.b, .cdb_len = (uint32_t)cdb.len, .dir = ENG_DIR_OUT, .buf = buf,
			     .len = total, .retry = 1 };
	return eng_rec_exec(r, &c);
}

/* GET CONFIGURATION RT 00b/01b lists every (current) feature from `start` on.  An
 * answer longer than one 16-bit allocation is continued from the last feature code + 1
 * (a drive returns at most 65530 bytes of descriptors per command: the
 * allocation length is 16 bits and the header takes 8). */
hresult_t disc_recorder_ex_get_supported_feature_pages(disc_recorder_ex *r,
		int current_feature_only, imapi_feature_page_type **feature_data,
		uint32_t *byte_size)
{
	if (!r || !feature_data || !byte_size)
		return E_POINTER;
	*feature_data = NULL;
	*byte_size = 0;
	int32_t *list = malloc(IMAPI_MAX_ALL_FEATURE_PAGES * sizeof(*list));
	if (!list)
		return E_OUTOFMEMORY;
	uint32_t n = 0, start = 0;
	hresult_t hr = S_OK;
	for (;;) {
		uint8_t *buf;
		uint32_t got;
		hr = get_configuration(r, current_feature_only ? 0x01 : 0x00, (uint16_t)start,
				       &buf, &got);
		if (IMAPI_FAILED(hr))
			break;
		uint32_t total = mcc_be32(buf) > 0xFFFFFFFBu ? 0xFFFFFFFFu : mcc_be32(buf) + 4;
		uint32_t end = min_u32(total, got), last = 0x10000, i;
		for (i = FEATURE_HDR; i + 4 <= end && i + 4u + buf[i + 3] <= end;
		     i += 4u + buf[i + 3]) {
			uint16_t code = mcc_be16(buf + i);
			if (code < start || n >= IMAPI_MAX_ALL_FEATURE_PAGES)
				continue;
			list[n++] = code;
			last = code;
		}
		free(buf);
		/* Truncated and progressing: ask again after the last complete descriptor. */
		if (total <= got || last == 0x10000 || last >= 0xFFFF ||
		    n >= IMAPI_MAX_ALL_FEATURE_PAGES)
			break;
		start = last + 1;
	}
	if (IMAPI_FAILED(hr)) {
		free(list);
		return hr;
	}
	*feature_data = list;
	*byte_size = n;
	return S_OK;
}

/* Profile List feature 0000h (MMC-6 Profile List): 4-byte profile descriptors,
 * [0-1] profile number, [2] b0 CurrentP. */
hresult_t disc_recorder_ex_get_supported_profiles(disc_recorder_ex *r, int current_only,
		imapi_profile_type **profile_types, uint32_t *valid_profiles)
{
	if (!r || !profile_types || !valid_profiles)
		return E_POINTER;
	*profile_types = NULL;
	*valid_profiles = 0;
	uint8_t *buf;
	uint32_t got, len;
	hresult_t hr = get_configuration(r, 0x02, 0x0000, &buf, &got);
	if (IMAPI_FAILED(hr))
		return hr;
	const uint8_t *d = find_feature(buf, got, 0x0000, &len);
	if (!d) {
		free(buf);
		return E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	}
	int32_t *list = malloc(IMAPI_MAX_ALL_PROFILES * sizeof(*list));
	uint32_t n = 0;
	for (uint32_t i = 4; list && i + 4 <= len && n < IMAPI_MAX_ALL_PROFILES; i += 4) {
		if (current_only && !(d[i + 2] & 0x01))
			continue;
		list[n++] = mcc_be16(d + i);
	}
	free(buf);
	if (!list)
		return E_OUTOFMEMORY;
	*profile_types = list;
	*valid_profiles = n;
	return S_OK;
}

/* MODE SENSE(10) page 3Fh: the page codes of every page returned, each once. */
hresult_t disc_recorder_ex_get_supported_mode_pages(disc_recorder_ex *r,
		imapi_mode_page_request_type request_type, imapi_mode_page_type **mode_page_types,
		uint32_t *valid_pages)
{
	if (!r || !mode_page_types || !valid_pages)
		return E_POINTER;
	*mode_page_types = NULL;
	*valid_pages = 0;
	if ((unsigned)request_type > IMAPI_MODE_PAGE_REQUEST_TYPE_SAVED_VALUES)
		return E_INVALIDARG;
	uint8_t *buf;
	uint32_t got, off;
	hresult_t hr = mode_sense(r, 0x3F, request_type, &buf, &got, &off);
	if (IMAPI_FAILED(hr))
		return hr;
	int32_t *list = malloc(64 * sizeof(*list));
	uint32_t n = 0;
	uint8_t seen[64] = { 0 };
	for (uint32_t i = off; list && i < got;) {
		uint32_t len = mode_page_len(buf + i, got - i);
		if (len > got - i)
			break;
		uint8_t code = buf[i] & 0x3F;
		if (!seen[code]) {
			seen[code] = 1;
			list[n++] = code;
		}
		i += len;
	}
	free(buf);
	if (!list)
		return E_OUTOFMEMORY;
	*mode_page_types = list;
	*valid_pages = n;
	return S_OK;
}

/* ------------------------------------------------------------------------------------
 * Transfer geometry (slots 18..20) and extensions.
 */

/* Contract 3 slot 18: the value is the alignment itself (1 = any byte address). */
hresult_t disc_recorder_ex_get_byte_alignment_mask(disc_recorder_ex *r, uint32_t *value)
{
	if (!r || !value)
		return E_POINTER;
	*value = 1;
	return S_OK;
}

/* iSCSI has no page-alignment requirement: both sizes are the same. */
hresult_t disc_recorder_ex_get_maximum_non_page_aligned_transfer_size(disc_recorder_ex *r,
		uint32_t *value)
{
	if (!r || !value)
		return E_POINTER;
	*value = eng_rec_max_transfer(r);
	return S_OK;
}

hresult_t disc_recorder_ex_get_maximum_page_aligned_transfer_size(disc_recorder_ex *r,
		uint32_t *value)
{
	if (!r || !value)
		return E_POINTER;
	*value = eng_rec_max_transfer(r);
	return S_OK;
}

hresult_t disc_recorder_ex_get_session_info(disc_recorder_ex *r,
		disc_recorder_ex_session_info *info)
{
	if (!r || !info)
		return E_POINTER;
	memset(info, 0, sizeof(*info));
	eng_rec_lock(r);
	info->max_burst_length = r->max_burst;
	info->first_burst_length = r->first_burst;
	info->target_max_recv_data_segment_length = r->target_mrdsl;
	info->max_transfer = r->max_transfer;
	info->lun = r->lun;
	copy_str(info->target_name, sizeof(info->target_name), r->target_name);
	copy_str(info->portal, sizeof(info->portal), r->portal);
	copy_str(info->vendor, sizeof(info->vendor), r->vendor);
	copy_str(info->product, sizeof(info->product), r->product);
	copy_str(info->revision, sizeof(info->revision), r->revision);
	socket_cc(iscsi_get_fd(r->iscsi), info->tcp_congestion, sizeof(info->tcp_congestion));
	eng_rec_unlock(r);
	return S_OK;
}

hresult_t disc_recorder_ex_put_maximum_transfer_size(disc_recorder_ex *r, uint32_t bytes)
{
	if (!r)
		return E_POINTER;
	eng_rec_lock(r);
	hresult_t hr = E_INVALIDARG;
	if (bytes >= 1 && bytes <= r->transfer_limit) {
		r->max_transfer = bytes;
		hr = S_OK;
	}
	eng_rec_unlock(r);
	return hr;
}

hresult_t disc_recorder_ex_get_last_sense(disc_recorder_ex *r, uint8_t sense[IMAPI_SENSE_LEN])
{
	if (!r || !sense)
		return E_POINTER;
	eng_rec_lock(r);
	int have = r->last_sense.valid;
	if (have)
		memcpy(sense, r->last_sense.fixed, IMAPI_SENSE_LEN);
	else
		memset(sense, 0, IMAPI_SENSE_LEN);
	eng_rec_unlock(r);
	return have ? S_OK : S_FALSE;
}

const char *disc_recorder_ex_get_last_error(disc_recorder_ex *r)
{
	return r ? r->last_error : "";
}
