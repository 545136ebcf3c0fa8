/* mmcclient/mmcclient.h - burnlab's MMC command client over libiscsi (prefix mcc_):
 * what the conformance suite (harness/conformance.c), the raw-MMC steps of the harness
 * (harness/run.c), wengine's pass-through commands and the test clients and benchmarks
 * of tests/ share.  mmcclient/README.md says what it may include and why the engine
 * library itself does not use it.
 *
 * The parts:
 *   - byte order of CDB and response fields (big-endian, SPC-4 §4.3.1);
 *   - operation codes and their names, MMC-6 profile numbers and their names;
 *   - CDB builders: one function a command, every field offset in mmccdb.c;
 *   - decoders of what the commands return: sense data, READ DISC INFORMATION, READ TRACK
 *     INFORMATION, mode pages, page 05h fields;
 *   - a session: connect to an iscsi:// URL (CHAP credentials in the URL), run a CDB
 *     synchronously or queue it, the outcome in a struct mcc_result;
 *   - JSON strings (RFC 8259 §7) for the engine side's JSON output;
 *   - for programs whose verdict is their exit status (tests/integration): checks that
 *     print "NAME: MESSAGE" and exit 1 (mcc_die and what builds on it).
 *
 * Conventions.  Nothing here exits except the functions of the last part, each of which
 * says so.  "No answer" means the target did not answer: iscsi_scsi_command_sync failed,
 * or libiscsi completed the task with one of its own statuses (SCSI_STATUS_ERROR,
 * _CANCELLED, _TIMEOUT: the connection went down or the command timed out); a SCSI
 * status other than GOOD is an answer.  Results are copied into the caller's struct
 * mcc_result and data-in buffer; the SCSI tasks are freed inside. */
#ifndef BURNLAB_MMCCLIENT_H
#define BURNLAB_MMCCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct iscsi_context;
struct scsi_task;

#include "mmccdb.h"

/* ---- a session ---------------------------------------------------------------------- */

enum { MCC_STATUS_GOOD = 0x00, MCC_STATUS_CHECK_CONDITION = 0x02 };	/* SAM-5 §5.3 */
enum { MCC_DATA_MAX = 4096 };

/* What one command got.  All zero but `dropped` (and data) when no answer came. */
struct mcc_result {
	bool     dropped;		/* no answer */
	int      status;		/* SCSI status */
	int      key, asc, ascq;	/* of a CHECK CONDITION */
	uint8_t  sense[MCC_SENSE_MAX];	/* of a CHECK CONDITION: the sense bytes as sent */
	int      sense_len;
	uint8_t *data;			/* the data-in: the caller's buffer, else own */
	int      len;			/* data-in bytes stored there */
	uint8_t  own[MCC_DATA_MAX];
};

/* How mcc_connect logs in; NULL means all zero. */
struct mcc_login {
	const char *initiator;	/* the initiator IQN; NULL: iqn.2026-01.org.burnlab:mmcclient */
	bool no_digest;		/* header digest None only; else None or CRC32C, the target picks */
	bool no_reconnect;	/* libiscsi's automatic reconnect off: a drop shows */
	int  timeout_s;		/* iscsi_set_timeout when > 0 */
};

/* A Normal session (RFC 7143 §4.3) logged in to the target of the libiscsi URL url
 * (iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN, CHAP credentials and
 * ?target_user=...&target_password=... for mutual CHAP as libiscsi reads them) by
 * iscsi_full_connect_sync with the URL's LUN.  Returns 0 with
 * *ctx logged in and *lun (when lun is not NULL) the URL's LUN; -1 when the login failed:
 * *ctx is the context (iscsi_get_error says why; the caller destroys it); -2 when the URL
 * does not parse or no context could be made: *ctx is NULL and err says why. */
int mcc_connect(const char *url, const struct mcc_login *how, struct iscsi_context **ctx,
		int *lun, char *err, size_t errlen);

/* Runs one CDB on LUN lun of c: with data-out `out` when outlen > 0, else with data-in of
 * at most inlen bytes (none when 0; the Expected Data Transfer Length is outlen or
 * inlen, whatever the CDB says).  Data-in is stored in `in` (at most inlen bytes) when in
 * is not NULL, else in r->own (at most its size); r->data says where.  The status and,
 * of a CHECK CONDITION, the sense and its key/ASC/ASCQ go to r (no data-in then).
 * Returns false on no answer (r->dropped). */
bool mcc_try(struct iscsi_context *c, int lun, struct mcc_cdb cdb, const uint8_t *out,
	     int outlen, uint8_t *in, int inlen, struct mcc_result *r);
/* TEST UNIT READY until GOOD, at most `tries` times (consuming unit attentions): false
 * on no answer or when the last answer is not GOOD, with it in *r. */
bool mcc_try_ready(struct iscsi_context *c, int lun, int tries, struct mcc_result *r);

/* Queues one CDB as mcc_try runs it (data-in straight into `in`); cb gets the task
 * (command_data) and frees it with scsi_free_scsi_task.  0, or -1 when it could not be
 * queued (iscsi_get_error says why). */
typedef void (*mcc_done_fn)(struct iscsi_context *c, int status, void *command_data,
			    void *priv);
int mcc_queue(struct iscsi_context *c, int lun, struct mcc_cdb cdb, const uint8_t *out,
	      int outlen, uint8_t *in, int inlen, mcc_done_fn cb, void *priv);
/* A completed task's status and sense in r, as mcc_try leaves them (no data). */
void mcc_result_of(struct scsi_task *t, int status, struct mcc_result *r);

/* "no answer", "GOOD", "K/AA/QQ" (hex) or "status NNh". */
const char *mcc_outcome(const struct mcc_result *r, char *buf, size_t n);

/* CLOCK_MONOTONIC in seconds (command timings, polling deadlines); sleep for ms
 * milliseconds. */
double mcc_now_s(void);
void mcc_sleep_ms(unsigned ms);

/* ---- JSON (RFC 8259 §7) -------------------------------------------------------------- */

/* s as a JSON string with its quotes: quotation mark and backslash escaped, control
 * characters as \u00XX, everything else as it is.  The engine side's one JSON string
 * writer (the simulator side's is common/json.c). */
void mcc_json_str(FILE *f, const char *s);

/* ---- checks for test clients: these print and exit(1) -------------------------------- */

/* Names the program (its last path component): the prefix of every message mcc_die
 * prints and the initiator name iqn.2026-01.org.burnlab:NAME of mcc_open. */
void mcc_init(const char *name);
/* Text mcc_die puts before its message (none while NULL); kept by pointer. */
void mcc_set_detail(const char *detail);
/* "NAME: [DETAIL: ]MESSAGE" and a newline on stderr, exit 1. */
void mcc_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Called with the context on no answer in mcc_run, mcc_ready and mcc_open; meant not to
 * return (if it does, or none is set, they die: "transport failure: WHY",
 * "login to URL: WHY"). */
void mcc_on_no_answer(void (*handler)(struct iscsi_context *c));
/* mcc_connect (initiator named by mcc_init) or die; a failed login goes to the handler. */
struct iscsi_context *mcc_open(const char *url, const struct mcc_login *how, int *lun);
/* mcc_try; no answer goes to the handler. */
void mcc_run(struct iscsi_context *c, int lun, struct mcc_cdb cdb, const uint8_t *out,
	     int outlen, uint8_t *in, int inlen, struct mcc_result *r);
/* Dies "WHAT: ..." unless r is GOOD / a CHECK CONDITION with exactly key/asc/ascq. */
void mcc_expect_good(const char *what, const struct mcc_result *r);
void mcc_expect_sense(const char *what, const struct mcc_result *r, int key, int asc, int ascq);
/* TEST UNIT READY until GOOD (5 tries); no answer as mcc_run; dies when never ready. */
void mcc_ready(struct iscsi_context *c, int lun);
/* Reads n 2048-byte blocks from lba on with READ(10)s of at most `chunk` blocks (1..32)
 * and dies unless each is GOOD, brings all its bytes and they equal what
 * fill(buf, first LBA, count, seed) makes. */
void mcc_verify10(struct iscsi_context *c, int lun, uint32_t lba, uint32_t n, uint32_t chunk,
		  void (*fill)(uint8_t *buf, uint32_t lba, uint32_t n, unsigned seed),
		  unsigned seed);

#endif
