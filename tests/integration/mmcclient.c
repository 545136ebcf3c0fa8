/* tests/integration/mmcclient.c - the libiscsi test clients' common part (the contract
 * is in mmcclient.h). */
#include "mmcclient.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

static const char *mc_name = "mmcclient";
static const char *mc_detail;
static void (*mc_no_answer_handler)(struct iscsi_context *c);

void mc_init(const char *name)
{
	const char *slash = strrchr(name, '/');
	mc_name = slash ? slash + 1 : name;
}

void mc_set_detail(const char *detail)
{
	mc_detail = detail;
}

void mc_die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: %s%s", mc_name, mc_detail ? mc_detail : "", mc_detail ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void mc_on_no_answer(void (*handler)(struct iscsi_context *c))
{
	mc_no_answer_handler = handler;
}

/* No answer in mc_run / mc_ready: the handler, else "transport failure". */
static void no_answer(struct iscsi_context *c) __attribute__((noreturn));
static void no_answer(struct iscsi_context *c)
{
	if (mc_no_answer_handler)
		mc_no_answer_handler(c);
	mc_die("transport failure: %s", iscsi_get_error(c));
}

bool mc_try(struct iscsi_context *c, int lun, const uint8_t *cdb, int cdblen,
	    const uint8_t *out, int outlen, uint8_t *in, int inlen, struct mc_result *r)
{
	struct scsi_task *t = calloc(1, sizeof(*t));
	struct iscsi_data d = { .size = (size_t)outlen, .data = (unsigned char *)out };

	memset(r, 0, sizeof(*r));
	if (!t)
		mc_die("out of memory");
	memcpy(t->cdb, cdb, (size_t)cdblen);
	t->cdb_size = cdblen;
	t->xfer_dir = outlen ? SCSI_XFER_WRITE : (inlen ? SCSI_XFER_READ : SCSI_XFER_NONE);
	t->expxferlen = outlen ? outlen : inlen;
	/* A dropped connection completes the task with a libiscsi pseudo status. */
	if (!iscsi_scsi_command_sync(c, lun, t, outlen ? &d : NULL) ||
	    t->status == SCSI_STATUS_ERROR || t->status == SCSI_STATUS_CANCELLED ||
	    t->status == SCSI_STATUS_TIMEOUT) {
		scsi_free_scsi_task(t);
		r->dropped = true;
		return false;
	}
	r->status = t->status;
	if (t->status == SCSI_STATUS_CHECK_CONDITION) {
		r->key = t->sense.key;
		r->asc = t->sense.ascq >> 8;
		r->ascq = t->sense.ascq & 0xff;
		if (t->datain.size > 2) {
			/* libiscsi leaves the response's data segment: SenseLength, then sense. */
			int n = mc_be16(t->datain.data);
			if (n > t->datain.size - 2)
				n = t->datain.size - 2;
			if (n > (int)sizeof(r->sense))
				n = (int)sizeof(r->sense);
			memcpy(r->sense, t->datain.data + 2, (size_t)n);
			r->sense_len = n;
		}
	}
	if (t->datain.size > 0) {
		uint8_t *to = in ? in : r->data;
		int cap = in ? inlen : (int)sizeof(r->data);
		r->len = t->datain.size < cap ? t->datain.size : cap;
		memcpy(to, t->datain.data, (size_t)r->len);
	}
	scsi_free_scsi_task(t);
	return true;
}

void mc_run(struct iscsi_context *c, int lun, const uint8_t *cdb, int cdblen,
	    const uint8_t *out, int outlen, uint8_t *in, int inlen, struct mc_result *r)
{
	if (!mc_try(c, lun, cdb, cdblen, out, outlen, in, inlen, r))
		no_answer(c);
}

void mc_expect_good(const char *what, const struct mc_result *r)
{
	if (r->status != SCSI_STATUS_GOOD)
		mc_die("%s: status 0x%02x sense %x/%02x/%02x", what, r->status, r->key, r->asc, r->ascq);
}

void mc_expect_sense(const char *what, const struct mc_result *r, int key, int asc, int ascq)
{
	if (r->status != SCSI_STATUS_CHECK_CONDITION || r->key != key || r->asc != asc || r->ascq != ascq)
		mc_die("%s: expected %x/%02x/%02x, got status 0x%02x sense %x/%02x/%02x", what, key,
		       asc, ascq, r->status, r->key, r->asc, r->ascq);
}

bool mc_try_ready(struct iscsi_context *c, int lun, struct mc_result *r)
{
	static const uint8_t tur[6] = { 0x00 };
	for (int i = 0; i < 5; i++) {
		if (!mc_try(c, lun, tur, 6, NULL, 0, NULL, 0, r))
			return false;
		if (r->status == SCSI_STATUS_GOOD)
			return true;
	}
	return false;
}

void mc_ready(struct iscsi_context *c, int lun)
{
	struct mc_result r;
	if (mc_try_ready(c, lun, &r))
		return;
	if (r.dropped)
		no_answer(c);
	mc_die("TEST UNIT READY never GOOD: sense %x/%02x/%02x", r.key, r.asc, r.ascq);
}

void mc_verify10(struct iscsi_context *c, int lun, uint32_t lba, uint32_t n, uint32_t chunk,
		 void (*fill)(uint8_t *buf, uint32_t lba, uint32_t n, unsigned seed), unsigned seed)
{
	static uint8_t got[32 * 2048], want[32 * 2048];
	if (chunk < 1 || chunk > 32)
		mc_die("mc_verify10: chunk %u", chunk);
	for (uint32_t done = 0; done < n;) {
		uint32_t k = n - done < chunk ? n - done : chunk;
		uint8_t cdb[10] = { 0x28 };
		struct mc_result r;
		mc_put32(cdb + 2, lba + done);
		mc_put16(cdb + 7, (uint16_t)k);
		mc_run(c, lun, cdb, 10, NULL, 0, got, (int)(k * 2048), &r);
		if (r.status != SCSI_STATUS_GOOD || r.len != (int)(k * 2048))
			mc_die("READ(10) LBA %u x %u: status 0x%02x, %d bytes", lba + done, k, r.status,
			       r.len);
		fill(want, lba + done, k, seed);
		if (memcmp(got, want, k * 2048) != 0)
			mc_die("READ(10) LBA %u x %u: data differs from what was written", lba + done, k);
		done += k;
	}
}

struct iscsi_context *mc_connect(const char *u, const struct mc_login *how, int *lun)
{
	char initiator[256];
	snprintf(initiator, sizeof(initiator), "iqn.2026-01.org.burnlab:%s", mc_name);
	struct iscsi_context *c = iscsi_create_context(initiator);
	if (!c)
		mc_die("cannot create an iSCSI context");
	struct iscsi_url *url = iscsi_parse_full_url(c, u);
	if (!url)
		mc_die("bad URL %s: %s", u, iscsi_get_error(c));
	iscsi_set_targetname(c, url->target);
	iscsi_set_session_type(c, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(c, ISCSI_HEADER_DIGEST_NONE_CRC32C);
	if (how && how->no_reconnect)
		iscsi_set_noautoreconnect(c, 1);
	if (how && how->timeout_s > 0)
		iscsi_set_timeout(c, how->timeout_s);
	if (lun)
		*lun = url->lun;
	int rc = iscsi_full_connect_sync(c, url->portal, url->lun);
	iscsi_destroy_url(url);
	if (rc != 0) {
		if (mc_no_answer_handler)
			mc_no_answer_handler(c);
		mc_die("login to %s: %s", u, iscsi_get_error(c));
	}
	return c;
}

double mc_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void mc_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}
