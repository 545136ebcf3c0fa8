/* mmcclient/mcccheck.c - for programs whose verdict is their exit status (the clients
 * of tests/integration): a failed check prints "NAME: [DETAIL: ]MESSAGE" and exits 1.
 * Nothing else of the library exits, and the harness links none of this. */
#include "mmcclient.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>

static const char *mcc_name = "mmcclient";
static const char *mcc_detail;
static void (*mcc_no_answer_handler)(struct iscsi_context *c);

void mcc_init(const char *name)
{
	const char *slash = strrchr(name, '/');
	mcc_name = slash ? slash + 1 : name;
}

void mcc_set_detail(const char *detail)
{
	mcc_detail = detail;
}

void mcc_die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: %s%s", mcc_name, mcc_detail ? mcc_detail : "", mcc_detail ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void mcc_on_no_answer(void (*handler)(struct iscsi_context *c))
{
	mcc_no_answer_handler = handler;
}

/* No answer in mcc_run / mcc_ready: the handler, else "transport failure". */
static void no_answer(struct iscsi_context *c) __attribute__((noreturn));
static void no_answer(struct iscsi_context *c)
{
	if (mcc_no_answer_handler)
		mcc_no_answer_handler(c);
	mcc_die("transport failure: %s", iscsi_get_error(c));
}

struct iscsi_context *mcc_open(const char *url, const struct mcc_login *how, int *lun)
{
	struct mcc_login l = { 0 };
	char initiator[256], err[512];
	struct iscsi_context *c;
	if (how)
		l = *how;
	snprintf(initiator, sizeof(initiator), "iqn.2026-01.org.burnlab:%s", mcc_name);
	l.initiator = initiator;
	int rc = mcc_connect(url, &l, &c, lun, err, sizeof(err));
	if (rc == -2)
		mcc_die("%s", err);
	if (rc != 0) {
		if (mcc_no_answer_handler)
			mcc_no_answer_handler(c);
		mcc_die("login to %s: %s", url, iscsi_get_error(c));
	}
	return c;
}

void mcc_run(struct iscsi_context *c, int lun, struct mcc_cdb cdb, const uint8_t *out,
	     int outlen, uint8_t *in, int inlen, struct mcc_result *r)
{
	if (!mcc_try(c, lun, cdb, out, outlen, in, inlen, r))
		no_answer(c);
}

void mcc_expect_good(const char *what, const struct mcc_result *r)
{
	if (r->status != MCC_STATUS_GOOD)
		mcc_die("%s: status 0x%02x sense %x/%02x/%02x", what, r->status, r->key, r->asc,
			r->ascq);
}

void mcc_expect_sense(const char *what, const struct mcc_result *r, int key, int asc, int ascq)
{
	if (r->status != MCC_STATUS_CHECK_CONDITION || r->key != key || r->asc != asc ||
	    r->ascq != ascq)
		mcc_die("%s: expected %x/%02x/%02x, got status 0x%02x sense %x/%02x/%02x", what, key,
			asc, ascq, r->status, r->key, r->asc, r->ascq);
}

void mcc_ready(struct iscsi_context *c, int lun)
{
	struct mcc_result r;
	if (mcc_try_ready(c, lun, 5, &r))
		return;
	if (r.dropped)
		no_answer(c);
	mcc_die("TEST UNIT READY never GOOD: sense %x/%02x/%02x", r.key, r.asc, r.ascq);
}

void mcc_verify10(struct iscsi_context *c, int lun, uint32_t lba, uint32_t n, uint32_t chunk,
		  void (*fill)(uint8_t *buf, uint32_t lba, uint32_t n, unsigned seed),
		  unsigned seed)
{
	static uint8_t got[32 * 2048], want[32 * 2048];
	if (chunk < 1 || chunk > 32)
		mcc_die("mcc_verify10: chunk %u", chunk);
	for (uint32_t done = 0; done < n;) {
		uint32_t k = n - done < chunk ? n - done : chunk;
		struct mcc_result r;
		mcc_run(c, lun, mcc_cdb_read10(lba + done, (uint16_t)k), NULL, 0, got,
			(int)(k * 2048), &r);
		if (r.status != MCC_STATUS_GOOD || r.len != (int)(k * 2048))
			mcc_die("READ(10) LBA %u x %u: status 0x%02x, %d bytes", lba + done, k,
				r.status, r.len);
		fill(want, lba + done, k, seed);
		if (memcmp(got, want, k * 2048) != 0)
			mcc_die("READ(10) LBA %u x %u: data differs from what was written", lba + done,
				k);
		done += k;
	}
}
