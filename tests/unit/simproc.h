/* tests/unit/simproc.h - start the real simdrive daemon from a C test: 127.0.0.1 with
 * an ephemeral port, wait for its ready line (no sleeps), stop it with SIGTERM.
 * The binary is $SIMDRIVE (set by make check). */
#ifndef SIMPROC_H
#define SIMPROC_H

#include <sys/types.h>

struct simproc {
	pid_t pid;
	int port;
	char target[128];
	char url[256];      /* "iscsi://127.0.0.1:PORT/TARGET/0" (LUN 0) */
	char log[512];      /* the daemon's stderr file */
};

/* Start simdrive with the given extra flags (NULL-terminated), e.g.
 * { "--drive", "lun=0,media=dvd+r,image=/tmp/x.disclog", NULL }.  Stderr goes to
 * $TESTTMP/<name>.log.  0 on success, -1 (with a message on stderr) otherwise. */
int simproc_start(struct simproc *sp, const char *name, const char *const *flags);
/* SIGTERM and wait; returns the exit status (0 = clean) or -1. */
int simproc_stop(struct simproc *sp);
/* SIGKILL and wait (power loss). */
void simproc_kill(struct simproc *sp);
/* "$TESTTMP/name" (created); static buffer per call site is not used: writes into buf. */
const char *simproc_path(char *buf, size_t len, const char *name);

#endif
