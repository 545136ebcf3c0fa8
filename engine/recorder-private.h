/* engine/recorder-private.h - what the write engine (engine.c) and wengine need from a
 * recorder beyond the public IDiscRecorder2Ex methods.  Not installed.
 *
 * Locking: every public recorder method takes the recorder's lock (recursive), so one
 * thread at a time drives the libiscsi context.  engine.c holds the lock for a whole
 * WriteSection and drives the context itself (async API) under it. */
#ifndef ENG_RECORDER_PRIVATE_H
#define ENG_RECORDER_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "sense.h"
#include "writeengine.h"

void eng_rec_lock(disc_recorder_ex *r);
void eng_rec_unlock(disc_recorder_ex *r);

/* Borrowed; only under the lock.  The fd may change after a reconnect: ask each time. */
struct iscsi_context *eng_rec_iscsi(disc_recorder_ex *r);
int eng_rec_lun(disc_recorder_ex *r);
/* Bytes per command (the maximum page-aligned transfer size). */
uint32_t eng_rec_max_transfer(disc_recorder_ex *r);
/* Effective options (defaults filled in). */
const disc_recorder_ex_options *eng_rec_options(disc_recorder_ex *r);

/* Record the sense of a failed command for disc_recorder_ex_get_last_sense (NULL
 * clears it), and a transport error text for disc_recorder_ex_get_last_error. */
void eng_rec_set_last_sense(disc_recorder_ex *r, const struct eng_sense *s);
void eng_rec_set_last_error(disc_recorder_ex *r, const char *text);
/* Unit attentions seen since open (each reported once on stderr when they happen). */
uint32_t eng_rec_unit_attentions(disc_recorder_ex *r);
void eng_rec_note_unit_attention(disc_recorder_ex *r, const struct eng_sense *s);

/* iscsi_service() on the recorder's context, its writes corked into full segments, then
 * the connection's transport settings once per socket (libiscsi makes a new one when
 * it reconnects, inside this call; a logged-out moment makes the next socket count as
 * new, whatever its number): on loopback, no pacing congestion control
 * (doc/engine-recorder.md §2).  Every loop that drives the context calls this instead
 * of iscsi_service(). */
int eng_rec_service(disc_recorder_ex *r, int revents);
/* The TCP segments the connection has sent since it was made (TCP_INFO tcpi_segs_out)
 * and its socket; false when the system does not say. */
bool eng_rec_tcp_segments_out(disc_recorder_ex *r, int *fd, uint64_t *segs);

/* One synchronous command with the recorder's retry policy. */
enum eng_dir { ENG_DIR_NONE = 0, ENG_DIR_IN, ENG_DIR_OUT };
struct eng_cmd {
	const uint8_t *cdb;
	uint32_t cdb_len;
	enum eng_dir dir;
	void *buf;          /* IN: filled; OUT: sent */
	uint32_t len;
	uint32_t timeout_s; /* 0: the recorder's command timeout */
	int retry;          /* 1: retry UA once each and BUSY until the busy deadline */
	/* results */
	uint32_t got;       /* IN: bytes received (residual applied) */
	int status;         /* SCSI status, or libiscsi's SCSI_STATUS_ERROR / _CANCELLED /
	                     * _TIMEOUT when the transport failed */
	struct eng_sense sense; /* valid when status was CHECK CONDITION with sense */
	uint32_t busy_retries;
};
/* S_OK when the command ended GOOD; otherwise the mapped HRESULT (eng_sense_hresult for
 * CHECK CONDITION, eng_status_hresult for other statuses, the transport HRESULTs for a
 * timeout or a lost session).  Records last sense / error.  Takes the lock. */
hresult_t eng_rec_exec(disc_recorder_ex *r, struct eng_cmd *c);

/* HRESULT for a libiscsi task that did not end with a SCSI status (timeout, cancelled,
 * session lost), with the context's error text recorded. */
hresult_t eng_rec_transport_hresult(disc_recorder_ex *r, int task_status);

#endif
