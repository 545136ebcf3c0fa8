/* tests/unit/simproc.c - see simproc.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "simproc.h"
#include "unit.h"

/* Every program that starts a simdrive needs to know which one. */
static const char *need_simdrive(void)
{
	return unit_need_env("SIMDRIVE", "path/to/simdrive");
}
UNIT_NEED(need_simdrive)

static const char *tmpdir(void)
{
	const char *t = getenv("TESTTMP");
	if (!t || !*t)
		t = "/tmp/burnlab-tests";
	mkdir(t, 0777);
	return t;
}

const char *simproc_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir(), name);
	return buf;
}

int simproc_start(struct simproc *sp, const char *name, const char *const *flags)
{
	const char *bin = getenv("SIMDRIVE");
	const char *argv[64];
	int n = 0, fds[2];

	memset(sp, 0, sizeof(*sp));
	sp->pid = -1;
	if (!bin || !*bin) {
		fprintf(stderr, "simproc: SIMDRIVE is not set\n");
		return -1;
	}
	snprintf(sp->target, sizeof(sp->target), "iqn.2026-01.org.burnlab:%s", name);
	snprintf(sp->log, sizeof(sp->log), "%s/%s.log", tmpdir(), name);
	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--target";
	argv[n++] = sp->target;
	for (; flags && *flags && n < 62; flags++)
		argv[n++] = *flags;
	argv[n] = NULL;
	if (pipe(fds) != 0)
		return -1;
	sp->pid = fork();
	if (sp->pid < 0)
		return -1;
	if (sp->pid == 0) {
		int log = open(sp->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fds[1], 1);
		if (log >= 0)
			dup2(log, 2);
		close(fds[0]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	/* The ready line: "simdrive: ready on 127.0.0.1:PORT target IQN". */
	char line[512];
	size_t got = 0;
	while (got < sizeof(line) - 1) {
		ssize_t r = read(fds[0], line + got, 1);
		if (r <= 0)
			break;
		if (line[got] == '\n')
			break;
		got++;
	}
	line[got] = 0;
	/* Keep stdout's pipe open for the daemon's lifetime would need the fd; the daemon
	 * prints nothing after the ready line, so closing the read end is harmless. */
	close(fds[0]);
	if (sscanf(line, "simdrive: ready on 127.0.0.1:%d", &sp->port) != 1) {
		fprintf(stderr, "simproc: no ready line from %s (got '%s'); log %s\n", bin, line,
			sp->log);
		simproc_kill(sp);
		return -1;
	}
	snprintf(sp->url, sizeof(sp->url), "iscsi://127.0.0.1:%d/%s/0", sp->port, sp->target);
	return 0;
}

int simproc_stop(struct simproc *sp)
{
	int st;
	if (sp->pid <= 0)
		return -1;
	kill(sp->pid, SIGTERM);
	while (waitpid(sp->pid, &st, 0) < 0 && errno == EINTR)
		;
	sp->pid = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void simproc_kill(struct simproc *sp)
{
	int st;
	if (sp->pid <= 0)
		return;
	kill(sp->pid, SIGKILL);
	while (waitpid(sp->pid, &st, 0) < 0 && errno == EINTR)
		;
	sp->pid = -1;
}
