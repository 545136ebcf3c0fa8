/* simdrive/trace.h - the command trace: one JSON Lines record per SCSI command the
 * device completes (--trace FILE, doc/simdrive-trace.md).
 *
 * Every record has the same keys in the same order, and numbers are printed without
 * padding, so a test can compare a trace with a golden file once the time fields
 * (vtime_us, wall_us) are masked.  Each line is written with one write(2) when its
 * command completes (line-buffered stdio), so a daemon killed with SIGKILL leaves every
 * completed command in the file; only the line of a command still executing is lost. */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scsi.h"

/* One command, as the trace shows it.  Strings are borrowed for the call. */
struct sim_trace_rec {
	uint64_t       seq;		/* 1, 2, ... in completion order (filled by the trace) */
	uint64_t       vtime_us;	/* the drives' virtual clock, sim_dev_now_us() */
	uint64_t       wall_us;		/* CLOCK_REALTIME, microseconds since the epoch */
	uint64_t       nexus;
	uint16_t       lun;
	const uint8_t *cdb;
	uint8_t        cdb_len;		/* bytes of cdb shown */
	const char    *op;		/* decoded command name, "UNKNOWN" if none */
	bool           dir_in, dir_out;	/* iSCSI R and W bits */
	uint32_t       edtl, data_out;	/* expected length; data-out bytes received */
	uint32_t       spdtl, data_in;	/* bytes the CDB moves; data-in bytes sent */
	bool           executed;	/* false: dropped before execution (no status) */
	uint8_t        status;		/* enum sim_scsi_status */
	bool           has_sense;
	struct sim_sense sense;
	bool           deferred;	/* the sense is a deferred error (71h / 73h) */
	unsigned       fault_id;	/* 0: no injected fault fired */
	const char    *fault_kind;
	bool           dropped;		/* the connection was dropped instead of answering */
};

struct sim_trace;

/* Open (truncate) path for the trace.  NULL with a message in err on failure. */
struct sim_trace *sim_trace_open(const char *path, char *err, size_t errlen);
/* Flush and close; NULL is a no-op. */
void sim_trace_close(struct sim_trace *t);

/* Number r (r->seq is set) and append its line. */
void sim_trace_write(struct sim_trace *t, struct sim_trace_rec *r);

/* The line of r, with the newline, into buf (NUL-terminated).  Returns the length
 * snprintf would have produced (>= cap: truncated).  Used by sim_trace_write and by
 * the unit tests. */
int sim_trace_format(const struct sim_trace_rec *r, char *buf, size_t cap);

/* SAM-5 name of a status ("GOOD", "CHECK CONDITION", ...). */
const char *sim_status_str(uint8_t status);

#endif
