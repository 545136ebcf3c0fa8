/* simdrive/trace.h - the command trace: one JSON Lines record per SCSI command the
 * device completes (the record is struct sim_trace_rec of scsi/scsi.h) (--trace FILE, doc/simdrive-trace.md).
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


struct sim_trace;

/* Open (truncate) path for the trace.  NULL with a message in err on failure. */
struct sim_trace *sim_trace_open(const char *path, char *err, size_t errlen);
/* Flush and close; NULL is a no-op. */
void sim_trace_close(struct sim_trace *t);

/* The device's observer (sim_dev_set_observer, arg = the trace): number r (r->seq is
 * set) and append its line. */
void sim_trace_observe(void *arg, struct sim_trace_rec *r);

/* The daemon traces every target's device into one file through one tap per target
 * (sim_dev_set_observer(dev, sim_trace_observe_tap, &tap)): with several targets each
 * line names its target ("target", after "wall_us"), as LUN and nexus numbers repeat;
 * a NULL target leaves the key out (one target: the lines sim_trace_observe writes). */
struct sim_trace_tap {
	struct sim_trace *trace;
	const char *target;
};
void sim_trace_observe_tap(void *arg, struct sim_trace_rec *r);

/* The line of r, with the newline, into buf (NUL-terminated).  Returns the length
 * snprintf would have produced (>= cap: truncated).  Used by sim_trace_observe and by
 * the unit tests. */
int sim_trace_format(const struct sim_trace_rec *r, char *buf, size_t cap);

/* SAM-5 name of a status ("GOOD", "CHECK CONDITION", ...). */
const char *sim_status_str(uint8_t status);

#endif
