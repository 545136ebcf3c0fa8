/* mmcclient/mmcclient.c - a session: login from a URL, one CDB run synchronously or
 * queued, its outcome (the contract is in mmcclient.h). */
#include "mmcclient.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

int mcc_connect(const char *url, const struct mcc_login *how, struct iscsi_context **ctx,
		int *lun, char *err, size_t errlen)
{
	static const struct mcc_login none;
	if (!how)
		how = &none;
	*ctx = NULL;
	struct iscsi_context *c =
		iscsi_create_context(how->initiator ? how->initiator : "iqn.2026-01.org.burnlab:mmcclient");
	if (!c) {
		snprintf(err, errlen, "cannot create an iSCSI context");
		return -2;
	}
	struct iscsi_url *u = iscsi_parse_full_url(c, url);
	if (!u) {
		snprintf(err, errlen, "bad URL %s: %s", url, iscsi_get_error(c));
		iscsi_destroy_context(c);
		return -2;
	}
	iscsi_set_targetname(c, u->target);
	iscsi_set_session_type(c, ISCSI_SESSION_NORMAL);
	/* HeaderDigest (RFC 7143 §13.1): offering both lets the target pick. */
	iscsi_set_header_digest(c, how->no_digest ? ISCSI_HEADER_DIGEST_NONE
						  : ISCSI_HEADER_DIGEST_NONE_CRC32C);
	if (how->no_reconnect)
		iscsi_set_noautoreconnect(c, 1);
	if (how->timeout_s > 0)
		iscsi_set_timeout(c, how->timeout_s);
	if (lun)
		*lun = u->lun;
	int rc = iscsi_full_connect_sync(c, u->portal, u->lun);
	iscsi_destroy_url(u);
	*ctx = c;
	return rc == 0 ? 0 : -1;
}

/* libiscsi completes a task with a pseudo status of its own when the connection went
 * down or the command timed out: no answer from the target. */
static bool no_answer(int status)
{
	return status == SCSI_STATUS_ERROR || status == SCSI_STATUS_CANCELLED ||
	       status == SCSI_STATUS_TIMEOUT;
}

void mcc_result_of(struct scsi_task *t, int status, struct mcc_result *r)
{
	r->dropped = !t || no_answer(status);
	if (r->dropped)
		return;
	r->status = status;
	if (status != SCSI_STATUS_CHECK_CONDITION)
		return;
	/* libiscsi leaves the SCSI Response's data segment: SenseLength, then the sense
	 * (RFC 7143 §11.4.7). */
	if (t->datain.size > 2) {
		int n = mcc_be16(t->datain.data);
		if (n > t->datain.size - 2)
			n = t->datain.size - 2;
		if (n > (int)sizeof(r->sense))
			n = (int)sizeof(r->sense);
		memcpy(r->sense, t->datain.data + 2, (size_t)n);
		r->sense_len = n;
	}
	struct mcc_sense s;
	if (mcc_sense_decode(r->sense, r->sense_len, &s)) {
		r->key = s.key;
		r->asc = s.asc;
		r->ascq = s.ascq;
	} else {		/* what libiscsi made of it */
		r->key = t->sense.key;
		r->asc = t->sense.ascq >> 8;
		r->ascq = t->sense.ascq & 0xff;
	}
}

static struct scsi_task *make_task(const struct mcc_cdb *cdb, int outlen, int inlen)
{
	return scsi_create_task(cdb->len, (unsigned char *)cdb->b,
				outlen ? SCSI_XFER_WRITE : (inlen ? SCSI_XFER_READ : SCSI_XFER_NONE),
				outlen ? outlen : inlen);
}

bool mcc_try(struct iscsi_context *c, int lun, struct mcc_cdb cdb, const uint8_t *out,
	     int outlen, uint8_t *in, int inlen, struct mcc_result *r)
{
	struct iscsi_data d = { .size = (size_t)outlen, .data = (unsigned char *)out };

	memset(r, 0, offsetof(struct mcc_result, own));
	r->data = in ? in : r->own;
	struct scsi_task *t = make_task(&cdb, outlen, inlen);
	if (!t || !iscsi_scsi_command_sync(c, lun, t, outlen ? &d : NULL)) {
		if (t)
			scsi_free_scsi_task(t);
		r->dropped = true;
		return false;
	}
	mcc_result_of(t, t->status, r);
	if (!r->dropped && r->status != SCSI_STATUS_CHECK_CONDITION && t->datain.size > 0) {
		int cap = in ? inlen : (int)sizeof(r->own);
		r->len = t->datain.size < cap ? t->datain.size : cap;
		memcpy(r->data, t->datain.data, (size_t)r->len);
	}
	scsi_free_scsi_task(t);
	return !r->dropped;
}

bool mcc_try_ready(struct iscsi_context *c, int lun, int tries, struct mcc_result *r)
{
	for (int i = 0; i < tries; i++) {
		if (!mcc_try(c, lun, mcc_cdb_test_unit_ready(), NULL, 0, NULL, 0, r))
			return false;
		if (r->status == MCC_STATUS_GOOD)
			return true;
	}
	return false;
}

int mcc_queue(struct iscsi_context *c, int lun, struct mcc_cdb cdb, const uint8_t *out,
	      int outlen, uint8_t *in, int inlen, mcc_done_fn cb, void *priv)
{
	struct iscsi_data d = { .size = (size_t)outlen, .data = (unsigned char *)out };
	struct scsi_task *t = make_task(&cdb, outlen, inlen);
	if (!t)
		return -1;
	if ((in && scsi_task_add_data_in_buffer(t, inlen, in) != 0) ||
	    iscsi_scsi_command_async(c, lun, t, cb, outlen ? &d : NULL, priv) != 0) {
		scsi_free_scsi_task(t);
		return -1;
	}
	return 0;
}

const char *mcc_outcome(const struct mcc_result *r, char *buf, size_t n)
{
	if (r->dropped)
		snprintf(buf, n, "no answer");
	else if (r->status == MCC_STATUS_GOOD)
		snprintf(buf, n, "GOOD");
	else if (r->status == MCC_STATUS_CHECK_CONDITION)
		snprintf(buf, n, "%X/%02X/%02X", r->key, r->asc, r->ascq);
	else
		snprintf(buf, n, "status %02Xh", r->status);
	return buf;
}

double mcc_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void mcc_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)	/* a signal: sleep the rest */
		;
}
