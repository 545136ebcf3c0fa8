/* tests/integration/mmcclient.h - what the libiscsi test clients (burnclient, timeclient,
 * faultclient, powerclient) share: dying with the program's name, big-endian fields,
 * one CDB run synchronously, TEST UNIT READY until GOOD, login from a URL, time.
 *
 * The contract:
 *
 * - mc_init(NAME) comes first.  NAME (its last path component) prefixes every message
 *   mc_die prints and names the initiator (iqn.2026-01.org.burnlab:NAME).
 * - mc_die prints "NAME: [DETAIL: ]MESSAGE" and a newline on stderr and exits 1: the
 *   client's verdict "a check failed".  DETAIL is the text last given to mc_set_detail
 *   (none while it is NULL).  Every function below that "dies" does so through mc_die.
 * - "No answer": the target did not answer - iscsi_scsi_command_sync failed, or
 *   libiscsi completed the task with one of its own statuses (SCSI_STATUS_ERROR,
 *   _CANCELLED, _TIMEOUT: the connection went down or the command timed out) - or, in
 *   mc_connect, the login failed; iscsi_get_error(c) says why.  mc_try and
 *   mc_try_ready return false on it and never die of it.  mc_run, mc_ready and
 *   mc_connect call the handler set with mc_on_no_answer (meant not to return; if it
 *   does, or none is set, they die: "transport failure: WHY", "login to URL: WHY").
 * - A SCSI status other than GOOD is an answer: it is returned in the result, never
 *   died of, except by mc_expect_good / mc_expect_sense / mc_ready, which exist to.
 * - Out of memory and a bad URL always die.
 * - Ownership: NAME and DETAIL are kept by pointer and must outlive their use.  The
 *   caller owns the context mc_connect returns (iscsi_logout_sync, then
 *   iscsi_destroy_context).  Nothing else is handed out: the SCSI tasks are freed
 *   inside, results are copied into the caller's struct mc_result and data-in buffer.
 */
#ifndef BURNLAB_MMCCLIENT_H
#define BURNLAB_MMCCLIENT_H

#include <stdbool.h>
#include <stdint.h>

struct iscsi_context;

void mc_init(const char *name);
void mc_set_detail(const char *detail);
void mc_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Called with the context on no answer in mc_run, mc_ready and mc_connect (NULL: die). */
void mc_on_no_answer(void (*handler)(struct iscsi_context *c));

static inline uint16_t mc_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t mc_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void mc_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void mc_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* What one command got.  All zero but `dropped` when no answer came. */
struct mc_result {
	bool    dropped;	/* no answer */
	int     status;		/* SCSI status */
	int     key, asc, ascq;	/* of a CHECK CONDITION (libiscsi's parsed sense) */
	uint8_t sense[64];	/* of a CHECK CONDITION: the raw sense bytes, as far as they fit */
	int     sense_len;
	uint8_t data[4096];	/* data-in when no buffer was given, as far as it fits */
	int     len;		/* data-in bytes stored (in data or in the given buffer) */
};

/* Runs one CDB (cdblen bytes) on LUN lun of c: with data-out `out` when outlen > 0,
 * else with data-in of at most inlen bytes (none when 0).  Data-in is stored in `in`
 * (at most inlen bytes) when in is not NULL, else in r->data (at most its size).
 * Fills *r; returns false on no answer (r->dropped). */
bool mc_try(struct iscsi_context *c, int lun, const uint8_t *cdb, int cdblen,
	    const uint8_t *out, int outlen, uint8_t *in, int inlen, struct mc_result *r);
/* mc_try; no answer goes to the no-answer handler, else dies. */
void mc_run(struct iscsi_context *c, int lun, const uint8_t *cdb, int cdblen,
	    const uint8_t *out, int outlen, uint8_t *in, int inlen, struct mc_result *r);

/* Dies "WHAT: ..." unless r is GOOD / a CHECK CONDITION with exactly key/asc/ascq. */
void mc_expect_good(const char *what, const struct mc_result *r);
void mc_expect_sense(const char *what, const struct mc_result *r, int key, int asc, int ascq);

/* TEST UNIT READY until GOOD, at most 5 times (consuming unit attentions).
 * mc_try_ready returns false on no answer or when the fifth answer is not GOOD, with
 * the last result in *r; mc_ready treats no answer as mc_run does and dies when the
 * drive never became ready. */
bool mc_try_ready(struct iscsi_context *c, int lun, struct mc_result *r);
void mc_ready(struct iscsi_context *c, int lun);

/* Reads n 2048-byte blocks from lba on with READ(10)s of at most `chunk` blocks (1..32)
 * and dies unless each is GOOD, brings all its bytes and they equal what
 * fill(buf, first LBA, count, seed) makes. */
void mc_verify10(struct iscsi_context *c, int lun, uint32_t lba, uint32_t n, uint32_t chunk,
		 void (*fill)(uint8_t *buf, uint32_t lba, uint32_t n, unsigned seed), unsigned seed);

/* How mc_connect logs in; NULL means all zero. */
struct mc_login {
	bool no_reconnect;	/* libiscsi's automatic reconnect off: a drop shows */
	int  timeout_s;		/* iscsi_set_timeout when > 0 */
};

/* A normal session (header digest None or CRC32C, as the target prefers) logged in to
 * the target of the libiscsi URL url; *lun (when lun is not NULL) gets the URL's LUN.
 * Dies on a bad URL; a failed login is "no answer" (above). */
struct iscsi_context *mc_connect(const char *url, const struct mc_login *how, int *lun);

/* CLOCK_MONOTONIC in seconds; sleep for ms milliseconds. */
double mc_now_s(void);
void mc_sleep_ms(unsigned ms);

#endif
