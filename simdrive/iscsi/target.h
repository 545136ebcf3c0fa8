/* simdrive/iscsi/target.h - the iSCSI target: listening socket, connections, sessions,
 * login, and the full feature phase (RFC 7143; doc/iscsi-target.md).
 *
 * Single-threaded on a sim_loop.  SCSI commands go to the device through
 * sim_dev_execute() (scsi.h) and are delivered, per session, in CmdSN order; the
 * commands of one LUN execute in that order even when a write waits for its data or
 * the device leaves it pending (its disc image cannot take it yet): the target
 * registers a wake-up with the device (an eventfd on the loop) and resumes pending
 * commands from it (doc/iscsi-target.md "Threads, and who waits for what").
 *
 * Several targets share the portal (SIM_TARGET_MAX): the TargetName of a Normal
 * session picks its target and so its device; sessions of different targets are
 * independent (a session is named by initiator name, ISID and target).
 *
 * Decisions (doc/iscsi-target.md): MaxConnections=1 and ErrorRecoveryLevel=0, so a
 * session is its one connection; CmdSN window 32; StatSN starts at 1; NOP-In ping
 * after nop_interval_ms idle, connection dropped after 3 unanswered pings. */
#ifndef SIM_TARGET_H
#define SIM_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "scsi.h"

/* At most this many targets on one portal (doc/iscsi-target.md, "several targets"). */
#define SIM_TARGET_MAX 64

/* One iSCSI target: a name a Normal session logs in to, and the device (its LUNs)
 * that session's commands go to. */
struct sim_target_node {
	const char *name;		/* IQN */
	const char *alias;		/* TargetAlias, may be NULL */
	struct sim_dev *dev;		/* borrowed; outlives the target */
};

struct sim_target_cfg {
	const char *listen;		/* "ADDR:PORT": 127.0.0.1:0, [::1]:3260, 0.0.0.0:3260;
					 * NULL: no listener (connections by sim_target_adopt) */
	const struct sim_target_node *targets;	/* copied (the strings borrowed); every
						 * one reached through the one portal */
	size_t ntargets;		/* 1..SIM_TARGET_MAX */
	const char *chap_user, *chap_secret;	/* one-way CHAP required when set */
	const char *mutual_user, *mutual_secret;	/* target credentials for mutual CHAP */
	uint32_t nop_interval_ms;	/* 0: 15000 */
	uint32_t login_timeout_ms;	/* 0: 15000 */
	/* Source of the CHAP challenges; NULL = getrandom() (login.h).  The fuzz target
	 * injects a fixed one so that an input always runs the same way. */
	void (*random)(void *arg, uint8_t *buf, size_t len);
	void *random_arg;
};

struct sim_target;

/* Bind and listen.  Returns NULL with a message in err on failure. */
struct sim_target *sim_target_new(struct sim_loop *loop, const struct sim_target_cfg *cfg,
				  char *err, size_t errlen);

/* Serve fd, a connected stream socket (a socketpair end in the fuzz target), as a
 * connection accepted from peer on local ("ADDR:PORT", the portal SendTargets
 * answers with).  fd is the target's from here on, made non-blocking.  Returns 0, or
 * -1 (fd closed). */
int sim_target_adopt(struct sim_target *t, int fd, const char *peer, const char *local);

/* The bound address as "ADDR:PORT" (the real port when 0 was asked). */
const char *sim_target_address(const struct sim_target *t);

/* Stop listening, tell logged-in initiators (Asynchronous Message, event 3), flush
 * what can be sent without blocking and close every connection. */
void sim_target_shutdown(struct sim_target *t);
void sim_target_free(struct sim_target *t);

#endif
