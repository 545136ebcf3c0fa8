/* tests/integration/iclient.c - burnlab's own iSCSI test client, built on libiscsi.
 *
 * Exercises a running simdrive (or any iSCSI target) from outside, one check per
 * subcommand.  Exit status: 0 success, 1 a failed check (reason on stderr), 2 usage.
 *
 *   iclient discover HOST:PORT [--expect IQN] [--expect-portal ADDR:PORT,TPGT]
 *   iclient sendtargets-normal URL [--expect IQN]
 *   iclient nop URL
 *   iclient reportluns URL --expect N
 *   iclient login URL [--expect-fail]
 *   iclient read URL --file ISO [--sessions N] [--mib M] [--blocks B] [--depth D]
 *   iclient same-isid URL1 URL2 [--expect-reinstated]
 *
 * Common options: --timeout SECONDS (whole run, default 300), --initiator IQN.
 * URL is a libiscsi URL: iscsi://[user%secret@]host:port/IQN/LUN[?header_digest=crc32c
 * &target_user=U&target_password=P].  Every context runs with auto-reconnect off, so a
 * connection the target drops shows up as a failure instead of being papered over.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "mmcclient.h"

#define IC_DEFAULT_INITIATOR "iqn.2026-01.org.burnlab:iclient"
#define IC_BLOCK             2048u	/* MMC logical block (data mode 1 / DVD) */
#define IC_PERIPH_MMC        0x05	/* SPC peripheral device type: CD/DVD device */

static const char *ic_initiator = IC_DEFAULT_INITIATOR;
static unsigned ic_timeout = 300;

static void ic_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void ic_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("iclient: FAIL: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void ic_usage(void) __attribute__((noreturn));
static void ic_usage(void)
{
	fputs("usage: iclient [--timeout S] [--initiator IQN] COMMAND ARGS\n"
	      "  discover HOST:PORT [--expect IQN] [--expect-portal ADDR:PORT,TPGT]\n"
	      "  sendtargets-normal URL [--expect IQN]\n"
	      "  nop URL\n"
	      "  reportluns URL --expect N\n"
	      "  login URL [--expect-fail]\n"
	      "  read URL --file ISO [--sessions N] [--mib M] [--blocks B] [--depth D]\n"
	      "  same-isid URL1 URL2 [--expect-reinstated]\n",
	      stderr);
	exit(2);
}

static void ic_on_alarm(int sig)
{
	static const char msg[] = "iclient: FAIL: timed out (--timeout)\n";

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(1);
}

static double ic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long ic_number(const char *opt, const char *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0')
		ic_fail("%s: not a number: '%s'", opt, v);
	return n;
}

/* ----------------------------------------------------------------------------------
 * Contexts */

struct ic_conn {
	struct iscsi_context *ctx;
	struct iscsi_url *url;
	int lun;
};

/* A context for URL with auto-reconnect off.  The URL's user/secret, target_user/
 * target_password and header_digest are applied by iscsi_parse_full_url. */
static void ic_context(struct ic_conn *c, const char *url)
{
	c->ctx = iscsi_create_context(ic_initiator);
	if (c->ctx == NULL)
		ic_fail("iscsi_create_context failed");
	c->url = iscsi_parse_full_url(c->ctx, url);
	if (c->url == NULL)
		ic_fail("bad URL '%s': %s", url, iscsi_get_error(c->ctx));
	c->lun = c->url->lun;
	iscsi_set_session_type(c->ctx, ISCSI_SESSION_NORMAL);
	iscsi_set_noautoreconnect(c->ctx, 1);
}

/* Connect and log in (no SCSI commands).  Returns 0 or -1 with libiscsi's error. */
static int ic_login(struct ic_conn *c)
{
	if (iscsi_connect_sync(c->ctx, c->url->portal) != 0)
		return -1;
	if (iscsi_login_sync(c->ctx) != 0)
		return -1;
	return 0;
}

static void ic_close(struct ic_conn *c)
{
	if (c->ctx == NULL)
		return;
	if (iscsi_is_logged_in(c->ctx))
		(void)iscsi_logout_sync(c->ctx);
	iscsi_destroy_url(c->url);
	iscsi_destroy_context(c->ctx);
	c->ctx = NULL;
}

/* What a command got, for a failure message; the sense in libiscsi's words. */
static const char *ic_result_error(struct iscsi_context *ctx, const struct mcc_result *r)
{
	static char buf[256];

	if (r->dropped)
		return iscsi_get_error(ctx);
	if (r->status == MCC_STATUS_CHECK_CONDITION)
		snprintf(buf, sizeof buf, "CHECK CONDITION %s (%02x) %s (%04x)",
			 scsi_sense_key_str(r->key), (unsigned)r->key,
			 scsi_sense_ascq_str(r->asc << 8 | r->ascq), (unsigned)(r->asc << 8 | r->ascq));
	else
		snprintf(buf, sizeof buf, "status 0x%02x: %s", (unsigned)r->status,
			 iscsi_get_error(ctx));
	return buf;
}

/* TEST UNIT READY, accepting one UNIT ATTENTION (power on / I_T nexus loss). */
static void ic_tur(struct ic_conn *c)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct mcc_result r;

		mcc_try(c->ctx, c->lun, mcc_cdb_test_unit_ready(), NULL, 0, NULL, 0, &r);
		if (!r.dropped && r.status == MCC_STATUS_GOOD)
			return;
		if (attempt == 0 && !r.dropped && r.status == MCC_STATUS_CHECK_CONDITION &&
		    r.key == SCSI_SENSE_UNIT_ATTENTION)
			continue;
		ic_fail("TEST UNIT READY (attempt %d): %s", attempt + 1, ic_result_error(c->ctx, &r));
	}
}

/* Standard INQUIRY (SPC-4 §6.4.2); the LUN must be an MMC device (type 05h) with RMB=1. */
static void ic_inquiry(struct ic_conn *c)
{
	struct mcc_result r;

	mcc_try(c->ctx, c->lun, mcc_cdb_inquiry(false, 0, 96), NULL, 0, NULL, 96, &r);
	if (r.dropped || r.status != MCC_STATUS_GOOD)
		ic_fail("INQUIRY: %s", ic_result_error(c->ctx, &r));
	if (r.len < 36)
		ic_fail("INQUIRY: cannot unmarshall %d bytes", r.len);
	if (r.data[0] >> 5 != 0 || (r.data[0] & 0x1f) != IC_PERIPH_MMC)
		ic_fail("INQUIRY: qualifier %d, peripheral device type %02xh, expected 0 / 05h",
			r.data[0] >> 5, (unsigned)(r.data[0] & 0x1f));
	if (!(r.data[1] & 0x80))
		ic_fail("INQUIRY: RMB=0, a CD/DVD drive has removable media");
	printf("inquiry: type 05h rmb=1 vendor '%.8s' product '%.16s' revision '%.4s'\n",
	       (const char *)r.data + 8, (const char *)r.data + 16, (const char *)r.data + 32);
}

/* ----------------------------------------------------------------------------------
 * discover */

static int ic_print_targets(const struct iscsi_discovery_address *da, const char *expect,
			    const char *expect_portal)
{
	bool found = expect == NULL, portal_ok = expect_portal == NULL;

	for (; da != NULL; da = da->next) {
		bool match = expect != NULL && strcmp(da->target_name, expect) == 0;

		if (match)
			found = true;
		if (da->portals == NULL)
			printf("%s (no TargetAddress)\n", da->target_name);
		for (const struct iscsi_target_portal *p = da->portals; p != NULL; p = p->next) {
			printf("%s %s\n", da->target_name, p->portal);
			if (expect_portal != NULL && (expect == NULL || match) &&
			    strcmp(p->portal, expect_portal) == 0)
				portal_ok = true;
		}
	}
	if (!found) {
		fprintf(stderr, "iclient: FAIL: target %s not in the SendTargets answer\n", expect);
		return -1;
	}
	if (!portal_ok) {
		fprintf(stderr, "iclient: FAIL: TargetAddress %s not in the SendTargets answer\n",
			expect_portal);
		return -1;
	}
	return 0;
}

static int ic_cmd_discover(int argc, char **argv)
{
	const char *portal = NULL, *expect = NULL, *expect_portal = NULL;
	struct iscsi_context *ctx;
	struct iscsi_discovery_address *da;
	int rc;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc)
			expect = argv[++i];
		else if (strcmp(argv[i], "--expect-portal") == 0 && i + 1 < argc)
			expect_portal = argv[++i];
		else if (portal == NULL && argv[i][0] != '-')
			portal = argv[i];
		else
			ic_usage();
	}
	if (portal == NULL)
		ic_usage();
	if (strncmp(portal, "iscsi://", 8) == 0)
		portal += 8;

	ctx = iscsi_create_context(ic_initiator);
	if (ctx == NULL)
		ic_fail("iscsi_create_context failed");
	iscsi_set_session_type(ctx, ISCSI_SESSION_DISCOVERY);
	iscsi_set_noautoreconnect(ctx, 1);
	if (iscsi_connect_sync(ctx, portal) != 0)
		ic_fail("connect to %s: %s", portal, iscsi_get_error(ctx));
	if (iscsi_login_sync(ctx) != 0)
		ic_fail("discovery login to %s: %s", portal, iscsi_get_error(ctx));
	da = iscsi_discovery_sync(ctx);
	if (da == NULL)
		ic_fail("SendTargets=All in a discovery session: %s", iscsi_get_error(ctx));
	rc = ic_print_targets(da, expect, expect_portal);
	iscsi_free_discovery_data(ctx, da);
	if (iscsi_logout_sync(ctx) != 0)
		ic_fail("logout of the discovery session: %s", iscsi_get_error(ctx));
	iscsi_destroy_context(ctx);
	return rc == 0 ? 0 : 1;
}

/* ----------------------------------------------------------------------------------
 * sendtargets-normal
 *
 * libiscsi 1.19 (Debian 12) refuses iscsi_discovery_async on a Normal session on the
 * client side ("Trying to do discovery on non-discovery session"; lifted upstream by
 * "discovery: permit SendTargets on normal sessions").  With such a library the
 * Text Request is sent by hand on the libiscsi-owned socket while libiscsi is idle;
 * the session is then checked to still work through libiscsi. */

struct ic_wait {
	bool done;
	int status;
	char *text;		/* discovery: "name addr\n" lines */
	uint8_t *data;		/* nop: echoed data */
	size_t len;
};

static void ic_discovery_cb(struct iscsi_context *ctx, int status, void *command_data,
			    void *private_data)
{
	struct ic_wait *w = private_data;
	size_t cap = 0;
	FILE *f;

	w->done = true;
	w->status = status;
	if (status != SCSI_STATUS_GOOD)
		return;
	f = open_memstream(&w->text, &cap);
	if (f == NULL)
		return;
	for (const struct iscsi_discovery_address *da = command_data; da; da = da->next)
		for (const struct iscsi_target_portal *p = da->portals; p; p = p->next)
			fprintf(f, "%s %s\n", da->target_name, p->portal);
	fclose(f);
}

/* Drive one context until *done or failure; returns 0 or -1. */
static int ic_run_until(struct iscsi_context *ctx, const bool *done)
{
	while (!*done) {
		struct pollfd pfd = { .fd = iscsi_get_fd(ctx), .events = (short)iscsi_which_events(ctx) };
		int n = poll(&pfd, 1, 1000);

		if (n < 0 && errno != EINTR)
			return -1;
		if (iscsi_service(ctx, n > 0 ? pfd.revents : 0) < 0)
			return -1;
	}
	return 0;
}

static void ic_nop_cb(struct iscsi_context *ctx, int status, void *command_data,
		      void *private_data);

/* libiscsi's log lines carry the CmdSN it used; catch the one of our NOP-Out. */
static uint32_t ic_logged_cmdsn;
static bool ic_logged_cmdsn_valid;

static void ic_log_catch_cmdsn(int level, const char *msg)
{
	const char *p = strstr(msg, "NOP Out Send");
	unsigned v;

	(void)level;
	if (p != NULL && (p = strstr(p, "pdu->cmdsn ")) != NULL &&
	    sscanf(p + 11, "%x", &v) == 1) {
		ic_logged_cmdsn = v;
		ic_logged_cmdsn_valid = true;
	}
}

static int ic_fd_write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		if (poll(&pfd, 1, 5000) <= 0)
			return -1;
		n = write(fd, p, len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int ic_fd_read_all(int fd, uint8_t *p, size_t len)
{
	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 5000) <= 0)
			return -1;
		n = read(fd, p, len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send "SendTargets=All" as an immediate Text Request on ctx's socket and parse the
 * Text Response (RFC 7143 §11.10, §11.11).  Returns 0 with *out = "name addr\n" lines. */
static int ic_raw_sendtargets(struct ic_conn *c, char **out)
{
	static const char kv[] = "SendTargets=All";	/* sizeof includes the NUL */
	const uint32_t itt = 0x5e4d0001;
	uint8_t req[48 + ((sizeof kv + 3) & ~3u)];
	uint8_t bhs[48];
	uint8_t *data = NULL;
	uint32_t dsl;
	struct ic_wait w = { 0 };
	size_t cap = 0;
	FILE *f;
	char *name = NULL;
	int fd = iscsi_get_fd(c->ctx);

	/* Learn the next CmdSN: libiscsi logs the one it gives its NOP-Out, and the NOP
	 * consumes it (libiscsi sends NOP-Out with I=0). */
	iscsi_set_log_fn(c->ctx, ic_log_catch_cmdsn);
	iscsi_set_log_level(c->ctx, 10);
	ic_logged_cmdsn_valid = false;
	if (iscsi_nop_out_async(c->ctx, ic_nop_cb, NULL, 0, &w) != 0)
		return -1;
	iscsi_set_log_level(c->ctx, 0);
	if (!ic_logged_cmdsn_valid) {
		fprintf(stderr, "iclient: cannot learn libiscsi's CmdSN from its log\n");
		return -1;
	}
	/* Let libiscsi finish that NOP (its NOP-In) before taking the socket over. */
	if (ic_run_until(c->ctx, &w.done) != 0 || w.status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "iclient: NOP-Out before SendTargets failed: %s\n",
			iscsi_get_error(c->ctx));
		return -1;
	}
	free(w.data);

	memset(req, 0, sizeof req);
	req[0] = 0x40 | 0x04;			/* I + Text Request */
	req[1] = 0x80;				/* F */
	mcc_put24(req + 5, sizeof kv);
	mcc_put32(req + 16, itt);
	mcc_put32(req + 20, 0xffffffff);	/* TTT: new request */
	mcc_put32(req + 24, ic_logged_cmdsn + 1);	/* the NOP consumed its CmdSN */
	memcpy(req + 48, kv, sizeof kv);
	if (ic_fd_write_all(fd, req, sizeof req) != 0) {
		fprintf(stderr, "iclient: writing the Text Request failed\n");
		return -1;
	}
	for (;;) {
		uint32_t padded;

		if (ic_fd_read_all(fd, bhs, sizeof bhs) != 0) {
			fprintf(stderr, "iclient: no Text Response within 5 s (or connection closed)\n");
			return -1;
		}
		dsl = mcc_be24(bhs + 5);
		padded = (dsl + 3) & ~3u;
		if (bhs[4] != 0 || dsl > 262144) {
			fprintf(stderr, "iclient: response with AHS %u / DSL %u\n", bhs[4], dsl);
			return -1;
		}
		free(data);
		data = malloc(padded + 1);
		if (data == NULL || ic_fd_read_all(fd, data, padded) != 0)
			return -1;
		data[dsl] = 0;
		if ((bhs[0] & 0x3f) == 0x24 && mcc_be32(bhs + 16) == itt)
			break;
		if ((bhs[0] & 0x3f) == 0x3f) {
			fprintf(stderr, "iclient: target sent Reject reason 0x%02x to SendTargets\n",
				bhs[2]);
			free(data);
			return -1;
		}
		fprintf(stderr, "iclient: skipping PDU opcode 0x%02x ITT %08x\n", bhs[0] & 0x3f,
			mcc_be32(bhs + 16));
	}
	if (bhs[1] != 0x80) {
		fprintf(stderr, "iclient: Text Response flags 0x%02x, libiscsi needs 0x80\n", bhs[1]);
		free(data);
		return -1;
	}
	if (mcc_be32(bhs + 20) != 0xffffffff) {
		fprintf(stderr, "iclient: final Text Response TTT %08x, expected ffffffff\n",
			mcc_be32(bhs + 20));
		free(data);
		return -1;
	}
	f = open_memstream(out, &cap);
	if (f == NULL)
		return -1;
	for (uint32_t off = 0; off < dsl;) {
		const char *kvp = (const char *)data + off;
		size_t l = strnlen(kvp, dsl - off);

		if (strncmp(kvp, "TargetName=", 11) == 0)
			name = strdup(kvp + 11);
		else if (strncmp(kvp, "TargetAddress=", 14) == 0)
			fprintf(f, "%s %s\n", name ? name : "(none)", kvp + 14);
		else if (l > 0) {
			fprintf(stderr, "iclient: unexpected key in SendTargets answer: '%s'\n", kvp);
			fclose(f);
			free(name);
			free(data);
			return -1;
		}
		off += (uint32_t)l + 1;
	}
	fclose(f);
	free(name);
	free(data);
	return 0;
}

static int ic_cmd_sendtargets_normal(int argc, char **argv)
{
	const char *url = NULL, *expect = NULL;
	struct ic_conn c;
	struct ic_wait w = { 0 };
	char *text = NULL;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc)
			expect = argv[++i];
		else if (url == NULL && argv[i][0] != '-')
			url = argv[i];
		else
			ic_usage();
	}
	if (url == NULL)
		ic_usage();
	ic_context(&c, url);
	if (ic_login(&c) != 0)
		ic_fail("login: %s", iscsi_get_error(c.ctx));
	if (iscsi_discovery_async(c.ctx, ic_discovery_cb, &w) == 0) {
		if (ic_run_until(c.ctx, &w.done) != 0)
			ic_fail("SendTargets in a normal session: %s", iscsi_get_error(c.ctx));
		if (w.status != SCSI_STATUS_GOOD)
			ic_fail("SendTargets in a normal session failed: status 0x%x: %s",
				(unsigned)w.status, iscsi_get_error(c.ctx));
		text = w.text;
	} else {
		if (strstr(iscsi_get_error(c.ctx), "non-discovery") == NULL)
			ic_fail("iscsi_discovery_async: %s", iscsi_get_error(c.ctx));
		fprintf(stderr, "iclient: note: this libiscsi refuses SendTargets in a normal "
			"session; sending the Text Request by hand\n");
		if (strstr(url, "digest=crc32c") != NULL)
			ic_fail("the hand-made SendTargets does not do digests");
		if (ic_raw_sendtargets(&c, &text) != 0)
			ic_fail("SendTargets=All in a normal session");
	}
	fputs(text ? text : "", stdout);
	if (text == NULL || text[0] == '\0')
		ic_fail("empty SendTargets answer in a normal session");
	if (expect != NULL) {
		size_t l = strlen(expect);
		bool found = false;

		for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
			if (strncmp(p, expect, l) == 0 && p[l] == ' ')
				found = true;
		if (!found)
			ic_fail("target %s not in the SendTargets answer", expect);
	}
	free(text);
	/* The session must still work after the Text exchange. */
	ic_tur(&c);
	ic_close(&c);
	return 0;
}

/* ----------------------------------------------------------------------------------
 * nop */

static void ic_nop_cb(struct iscsi_context *ctx, int status, void *command_data,
		      void *private_data)
{
	struct ic_wait *w = private_data;
	struct iscsi_data *d = command_data;

	w->done = true;
	w->status = status;
	if (status == SCSI_STATUS_GOOD && d != NULL && d->size > 0) {
		w->data = malloc(d->size);
		if (w->data != NULL) {
			memcpy(w->data, d->data, d->size);
			w->len = d->size;
		}
	}
}

static int ic_cmd_nop(int argc, char **argv)
{
	static const int sizes[] = { 0, 8, 4096 };
	struct ic_conn c;

	if (argc != 1)
		ic_usage();
	ic_context(&c, argv[0]);
	if (ic_login(&c) != 0)
		ic_fail("login: %s", iscsi_get_error(c.ctx));
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		int len = sizes[i];
		unsigned char *ping = malloc(len ? (size_t)len : 1);
		struct ic_wait w = { 0 };

		for (int j = 0; j < len; j++)
			ping[j] = (unsigned char)(j * 7 + 3 + (j >> 8));
		if (iscsi_nop_out_async(c.ctx, ic_nop_cb, len ? ping : NULL, len, &w) != 0)
			ic_fail("NOP-Out %d bytes: %s", len, iscsi_get_error(c.ctx));
		if (ic_run_until(c.ctx, &w.done) != 0)
			ic_fail("NOP-Out %d bytes: %s", len, iscsi_get_error(c.ctx));
		if (w.status != SCSI_STATUS_GOOD)
			ic_fail("NOP-Out %d bytes: status 0x%x", len, (unsigned)w.status);
		if (w.len != (size_t)len)
			ic_fail("NOP-Out %d bytes: NOP-In echoed %zu bytes", len, w.len);
		if (len > 0 && memcmp(w.data, ping, (size_t)len) != 0) {
			size_t k = 0;

			while (w.data[k] == ping[k])
				k++;
			ic_fail("NOP-Out %d bytes: echoed data differs at byte %zu (%02x, sent %02x)",
				len, k, w.data[k], ping[k]);
		}
		printf("nop: %d bytes echoed\n", len);
		free(w.data);
		free(ping);
	}
	ic_tur(&c);
	ic_close(&c);
	return 0;
}

/* ----------------------------------------------------------------------------------
 * reportluns */

static int ic_cmd_reportluns(int argc, char **argv)
{
	const char *url = NULL;
	long expect = -1;
	struct ic_conn c;
	static uint8_t data[16384];
	struct mcc_result r;
	uint32_t num;
	uint16_t luns[sizeof(data) / 8];

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc)
			expect = (long)ic_number("--expect", argv[++i]);
		else if (url == NULL && argv[i][0] != '-')
			url = argv[i];
		else
			ic_usage();
	}
	if (url == NULL || expect < 0)
		ic_usage();
	ic_context(&c, url);
	if (ic_login(&c) != 0)
		ic_fail("login: %s", iscsi_get_error(c.ctx));
	/* REPORT LUNS is answered by LUN 0 (SPC-4 §6.33): the LUN list length, then 8 bytes
	 * a LUN, its first two bytes the LUN of a single level structure. */
	mcc_try(c.ctx, 0, mcc_cdb_report_luns(sizeof(data)), NULL, 0, data, sizeof(data), &r);
	if (r.dropped || r.status != MCC_STATUS_GOOD)
		ic_fail("REPORT LUNS: %s", ic_result_error(c.ctx, &r));
	if (r.len < 4 || mcc_be32(data) + 8 < (uint32_t)r.len)
		ic_fail("REPORT LUNS: cannot unmarshall %d bytes", r.len);
	num = mcc_be32(data) / 8;
	for (uint32_t i = 0; i < num; i++)
		luns[i] = 8 + 8 * i + 2 <= (uint32_t)r.len ? mcc_be16(data + 8 + 8 * i) : 0;
	for (uint32_t i = 0; i < num; i++)
		printf("lun %u\n", (unsigned)luns[i]);
	if (num != (uint32_t)expect)
		ic_fail("REPORT LUNS lists %u LUNs, expected %ld", (unsigned)num, expect);
	for (uint32_t i = 0; i < num; i++)
		for (uint32_t j = i + 1; j < num; j++)
			if (luns[i] == luns[j])
				ic_fail("REPORT LUNS lists LUN %u twice", (unsigned)luns[i]);
	ic_close(&c);
	return 0;
}

/* ----------------------------------------------------------------------------------
 * login */

static int ic_cmd_login(int argc, char **argv)
{
	const char *url = NULL;
	bool expect_fail = false;
	struct ic_conn c;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--expect-fail") == 0)
			expect_fail = true;
		else if (url == NULL && argv[i][0] != '-')
			url = argv[i];
		else
			ic_usage();
	}
	if (url == NULL)
		ic_usage();
	ic_context(&c, url);
	if (ic_login(&c) != 0) {
		const char *err = iscsi_get_error(c.ctx);

		if (expect_fail) {
			printf("login refused as expected: %s\n", err);
			iscsi_destroy_url(c.url);
			iscsi_destroy_context(c.ctx);
			return 0;
		}
		ic_fail("login: %s", err);
	}
	if (expect_fail)
		ic_fail("login succeeded but was expected to fail");
	printf("login: ok\n");
	ic_tur(&c);
	ic_inquiry(&c);
	ic_close(&c);
	return 0;
}

/* ----------------------------------------------------------------------------------
 * same-isid: two sessions of one initiator name with one ISID, to URL1 then URL2.  A
 * session is named by initiator, ISID and target (RFC 7143 §4.4.3): to two targets
 * both live on; to the same target the second login reinstates the session and the
 * first connection is closed (§6.3.5), which --expect-reinstated checks. */

static int ic_cmd_same_isid(int argc, char **argv)
{
	const char *url[2] = { NULL, NULL };
	bool reinstated = false;
	struct ic_conn c[2];
	struct mcc_result r;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--expect-reinstated") == 0)
			reinstated = true;
		else if (argv[i][0] != '-' && !url[0])
			url[0] = argv[i];
		else if (argv[i][0] != '-' && !url[1])
			url[1] = argv[i];
		else
			ic_usage();
	}
	if (!url[1])
		ic_usage();
	for (int i = 0; i < 2; i++) {
		ic_context(&c[i], url[i]);
		/* ISID type 2 (IANA enterprise number, RFC 7143 §11.12.5), fixed qualifier. */
		if (iscsi_set_isid_en(c[i].ctx, 0x1234, 0x42) != 0)
			ic_fail("iscsi_set_isid_en: %s", iscsi_get_error(c[i].ctx));
		if (ic_login(&c[i]) != 0)
			ic_fail("login %d to %s: %s", i + 1, url[i], iscsi_get_error(c[i].ctx));
		ic_tur(&c[i]);
	}
	mcc_try(c[0].ctx, c[0].lun, mcc_cdb_test_unit_ready(), NULL, 0, NULL, 0, &r);
	if (reinstated && !r.dropped)
		ic_fail("the first session still answers after a login with its ISID to its target");
	if (!reinstated && (r.dropped || r.status != MCC_STATUS_GOOD))
		ic_fail("the first session after a login with its ISID to another target: %s",
			ic_result_error(c[0].ctx, &r));
	printf("same-isid: first session %s\n", r.dropped ? "reinstated" : "still live");
	ic_tur(&c[1]);
	if (reinstated) {
		iscsi_destroy_url(c[0].url);
		iscsi_destroy_context(c[0].ctx);
	} else {
		ic_close(&c[0]);
	}
	ic_close(&c[1]);
	return 0;
}

/* ----------------------------------------------------------------------------------
 * read: N sessions, one poll() loop, several READ(10) in flight per session,
 * every byte compared with the image file. */

struct ic_session;

struct ic_slot {
	struct ic_session *s;
	uint8_t *buf;
	uint32_t lba, blocks;
	bool busy;
};

struct ic_session {
	int idx;
	struct ic_conn c;
	bool connected, failed;
	uint64_t issued, done;	/* blocks */
	uint64_t start_lba;
	struct ic_slot *slots;
};

struct ic_read {
	const uint8_t *image;
	uint64_t nblocks;	/* of the image */
	uint64_t per_session;	/* blocks each session reads */
	uint32_t blocks;	/* per READ(10) */
	unsigned depth;
	unsigned connected;
};

static struct ic_read ic_rd;

static void ic_read_issue(struct ic_session *s);

static void ic_read_cb(struct iscsi_context *ctx, int status, void *command_data,
		       void *private_data)
{
	struct ic_slot *sl = private_data;
	struct ic_session *s = sl->s;
	struct scsi_task *t = command_data;
	size_t want = (size_t)sl->blocks * IC_BLOCK;
	struct mcc_result r;

	mcc_result_of(t, status, &r);
	if (r.dropped || r.status != MCC_STATUS_GOOD)
		ic_fail("session %d: READ(10) lba %u blocks %u: %s", s->idx, sl->lba, sl->blocks,
			ic_result_error(ctx, &r));
	if (t->residual_status != SCSI_RESIDUAL_NO_RESIDUAL || t->residual != 0)
		ic_fail("session %d: READ(10) lba %u blocks %u: residual %s %zu", s->idx, sl->lba,
			sl->blocks, t->residual_status == SCSI_RESIDUAL_UNDERFLOW ? "under" : "over",
			t->residual);
	if (memcmp(sl->buf, ic_rd.image + (size_t)sl->lba * IC_BLOCK, want) != 0) {
		size_t k = 0;

		while (sl->buf[k] == ic_rd.image[(size_t)sl->lba * IC_BLOCK + k])
			k++;
		ic_fail("session %d: READ(10) lba %u blocks %u: data differs from the image at "
			"byte %zu of the transfer (lba %zu offset %zu): got %02x, image has %02x",
			s->idx, sl->lba, sl->blocks, k, sl->lba + k / IC_BLOCK, k % IC_BLOCK,
			sl->buf[k], ic_rd.image[(size_t)sl->lba * IC_BLOCK + k]);
	}
	scsi_free_scsi_task(t);
	sl->busy = false;
	s->done += sl->blocks;
	ic_read_issue(s);
}

static void ic_read_issue(struct ic_session *s)
{
	for (unsigned i = 0; i < ic_rd.depth && s->issued < ic_rd.per_session; i++) {
		struct ic_slot *sl = &s->slots[i];
		uint64_t lba;
		uint64_t n;

		if (sl->busy)
			continue;
		lba = (s->start_lba + s->issued) % ic_rd.nblocks;
		n = ic_rd.blocks;
		if (n > ic_rd.nblocks - lba)
			n = ic_rd.nblocks - lba;	/* wrap around the end of the disc */
		if (n > ic_rd.per_session - s->issued)
			n = ic_rd.per_session - s->issued;
		sl->lba = (uint32_t)lba;
		sl->blocks = (uint32_t)n;
		/* data-in straight into the slot's buffer */
		if (mcc_queue(s->c.ctx, s->c.lun, mcc_cdb_read10(sl->lba, (uint16_t)sl->blocks), NULL,
			      0, sl->buf, (int)(sl->blocks * IC_BLOCK), ic_read_cb, sl) != 0)
			ic_fail("session %d: READ(10) not queued: %s", s->idx,
				iscsi_get_error(s->c.ctx));
		sl->busy = true;
		s->issued += n;
	}
}

static void ic_read_connected(struct iscsi_context *ctx, int status, void *command_data,
			      void *private_data)
{
	struct ic_session *s = private_data;

	if (s->connected) {
		/* libiscsi calls this a second time when an established connection fails. */
		ic_fail("session %d: connection failed: %s", s->idx, iscsi_get_error(ctx));
	}
	if (status != SCSI_STATUS_GOOD)
		ic_fail("session %d: connect/login: %s", s->idx, iscsi_get_error(ctx));
	s->connected = true;
	ic_rd.connected++;
}

static void ic_read_capacity_check(struct ic_session *s)
{
	struct mcc_result r;

	mcc_try(s->c.ctx, s->c.lun, mcc_cdb_read_capacity(), NULL, 0, NULL, 8, &r);
	if (r.dropped || r.status != MCC_STATUS_GOOD)
		ic_fail("READ CAPACITY(10): %s", ic_result_error(s->c.ctx, &r));
	if (r.len < 8)
		ic_fail("READ CAPACITY(10): cannot unmarshall");
	/* the last LBA, then the block length */
	uint32_t lba = mcc_be32(r.data), block_size = mcc_be32(r.data + 4);
	if (block_size != IC_BLOCK)
		ic_fail("READ CAPACITY(10): block length %u, expected %u", block_size, IC_BLOCK);
	if ((uint64_t)lba + 1 != ic_rd.nblocks)
		ic_fail("READ CAPACITY(10): last LBA %u, the image has %" PRIu64 " blocks",
			lba, ic_rd.nblocks);
}

static int ic_cmd_read(int argc, char **argv)
{
	const char *url = NULL, *file = NULL;
	unsigned long nsess = 1, mib = 16;
	struct ic_session *ss;
	struct pollfd *pfds;
	struct stat st;
	double t0, t1;
	uint64_t total = 0;
	int fd;

	ic_rd.blocks = 32;	/* 64 KiB per READ(10) */
	ic_rd.depth = 4;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (strcmp(argv[i], "--sessions") == 0 && i + 1 < argc)
			nsess = ic_number("--sessions", argv[++i]);
		else if (strcmp(argv[i], "--mib") == 0 && i + 1 < argc)
			mib = ic_number("--mib", argv[++i]);
		else if (strcmp(argv[i], "--blocks") == 0 && i + 1 < argc)
			ic_rd.blocks = (uint32_t)ic_number("--blocks", argv[++i]);
		else if (strcmp(argv[i], "--depth") == 0 && i + 1 < argc)
			ic_rd.depth = (unsigned)ic_number("--depth", argv[++i]);
		else if (url == NULL && argv[i][0] != '-')
			url = argv[i];
		else
			ic_usage();
	}
	if (url == NULL || file == NULL || nsess == 0 || nsess > 1024 || ic_rd.blocks == 0 ||
	    ic_rd.blocks > 65535 || ic_rd.depth == 0 || ic_rd.depth > 128 || mib == 0)
		ic_usage();

	fd = open(file, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0)
		ic_fail("%s: %s", file, strerror(errno));
	if (st.st_size < (off_t)IC_BLOCK || st.st_size % IC_BLOCK != 0)
		ic_fail("%s: size %jd is not a positive multiple of %u", file,
			(intmax_t)st.st_size, IC_BLOCK);
	ic_rd.image = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (ic_rd.image == MAP_FAILED)
		ic_fail("mmap %s: %s", file, strerror(errno));
	close(fd);
	ic_rd.nblocks = (uint64_t)st.st_size / IC_BLOCK;
	ic_rd.per_session = (uint64_t)mib * (1048576 / IC_BLOCK);

	ss = calloc(nsess, sizeof *ss);
	pfds = calloc(nsess, sizeof *pfds);
	if (ss == NULL || pfds == NULL)
		ic_fail("out of memory");
	for (unsigned long i = 0; i < nsess; i++) {
		struct ic_session *s = &ss[i];

		s->idx = (int)i;
		/* Spread the sessions over the disc so they do not all read the same blocks. */
		s->start_lba = (ic_rd.nblocks / nsess) * i;
		s->slots = calloc(ic_rd.depth, sizeof *s->slots);
		if (s->slots == NULL)
			ic_fail("out of memory");
		for (unsigned j = 0; j < ic_rd.depth; j++) {
			s->slots[j].s = s;
			s->slots[j].buf = malloc((size_t)ic_rd.blocks * IC_BLOCK);
			if (s->slots[j].buf == NULL)
				ic_fail("out of memory");
		}
		ic_context(&s->c, url);
		if (iscsi_full_connect_async(s->c.ctx, s->c.url->portal, s->c.lun,
					     ic_read_connected, s) != 0)
			ic_fail("session %lu: connect: %s", i, iscsi_get_error(s->c.ctx));
	}

	/* Phase 1: all sessions log in concurrently; phase 2: all read concurrently. */
	t0 = 0;
	for (;;) {
		bool all_done = true;
		int n;

		if (t0 == 0 && ic_rd.connected == nsess) {
			ic_read_capacity_check(&ss[0]);
			t0 = ic_now();
			for (unsigned long i = 0; i < nsess; i++)
				ic_read_issue(&ss[i]);
		}
		for (unsigned long i = 0; i < nsess; i++)
			if (!ss[i].connected || ss[i].done < ic_rd.per_session)
				all_done = false;
		if (all_done)
			break;
		for (unsigned long i = 0; i < nsess; i++) {
			pfds[i].fd = iscsi_get_fd(ss[i].c.ctx);
			pfds[i].events = (short)iscsi_which_events(ss[i].c.ctx);
			pfds[i].revents = 0;
		}
		n = poll(pfds, nsess, 1000);
		if (n < 0 && errno != EINTR)
			ic_fail("poll: %s", strerror(errno));
		for (unsigned long i = 0; i < nsess; i++)
			if (iscsi_service(ss[i].c.ctx, n > 0 ? pfds[i].revents : 0) < 0)
				ic_fail("session %lu: %s", i, iscsi_get_error(ss[i].c.ctx));
	}
	t1 = ic_now();

	for (unsigned long i = 0; i < nsess; i++) {
		total += ss[i].done * IC_BLOCK;
		ss[i].connected = false;	/* the teardown callback is not a failure */
		ic_close(&ss[i].c);
		for (unsigned j = 0; j < ic_rd.depth; j++)
			free(ss[i].slots[j].buf);
		free(ss[i].slots);
	}
	printf("read: %lu session(s) x %lu MiB, %u blocks/READ(10), depth %u: %.1f MB/s total "
	       "(%" PRIu64 " bytes in %.3f s), data correct\n", nsess, mib, ic_rd.blocks,
	       ic_rd.depth, (double)total / 1e6 / (t1 - t0), total, t1 - t0);
	free(ss);
	free(pfds);
	return 0;
}

/* ---------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			ic_timeout = (unsigned)ic_number("--timeout", argv[i + 1]);
		else if (strcmp(argv[i], "--initiator") == 0 && i + 1 < argc)
			ic_initiator = argv[i + 1];
		else
			ic_usage();
		i += 2;
	}
	if (i >= argc)
		ic_usage();
	signal(SIGALRM, ic_on_alarm);
	signal(SIGPIPE, SIG_IGN);
	alarm(ic_timeout);

	if (strcmp(argv[i], "discover") == 0)
		return ic_cmd_discover(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "sendtargets-normal") == 0)
		return ic_cmd_sendtargets_normal(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "nop") == 0)
		return ic_cmd_nop(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "reportluns") == 0)
		return ic_cmd_reportluns(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "login") == 0)
		return ic_cmd_login(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "read") == 0)
		return ic_cmd_read(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "same-isid") == 0)
		return ic_cmd_same_isid(argc - i - 1, argv + i + 1);
	ic_usage();
}
