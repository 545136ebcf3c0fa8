/* simdrive/control.h - the control socket (--control PATH, doc/simdrive-control.md):
 * a UNIX stream socket on the event loop through which a test or the harness changes
 * the running drive - adds and clears injected faults, opens and closes trays, reads
 * the virtual clock.
 *
 * Protocol: text lines.  Each request line gets exactly one reply line, "ok ..." or
 * "error: ..." (naming the bad word), in order.  Any number of clients; a bad request
 * leaves the connection usable.  The fault words are those of --fault (fault.h).
 * With several targets a request may start with "target=IQN" to address that
 * target's device; without it, it goes to the first target. */
#ifndef SIM_CONTROL_H
#define SIM_CONTROL_H

#include <stddef.h>

#include "loop.h"
#include "scsi.h"
#include "target.h"

/* Longest request line, without its newline. */
#define SIM_CONTROL_LINE_MAX 1023

struct sim_control;

/* Listen on path (a stale socket there is replaced; any other file is an error).
 * targets[0..ntargets) (copied; names and devices borrowed) and loop must outlive the
 * control.  NULL with a message in err. */
struct sim_control *sim_control_new(struct sim_loop *loop, const struct sim_target_node *targets,
				    size_t ntargets, const char *path, char *err, size_t errlen);
/* Close every client and the socket, and remove path.  NULL is a no-op. */
void sim_control_free(struct sim_control *ctl);

/* Execute one request line (no newline) against dev and write the reply line (no
 * newline, NUL-terminated, truncated to cap) to reply.  Returns 0 for "ok", -1 for
 * "error: ...", 1 for "ok" to a quit request (the server then closes that client). */
int sim_control_exec(struct sim_dev *dev, const char *line, char *reply, size_t cap);

/* The same for a daemon of several targets: a leading "target=IQN" word picks the
 * device (iSCSI names compare case-insensitively), the first target's otherwise;
 * "targets" lists every target's name.  Then sim_control_exec on that device. */
int sim_control_exec_targets(const struct sim_target_node *targets, size_t ntargets,
			     const char *line, char *reply, size_t cap);

#endif
