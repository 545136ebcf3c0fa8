/* simdrive/control.c - see control.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "fault.h"
#include "log.h"

/* A client that does not read its replies is dropped past this much pending output. */
#define CTL_OUT_MAX (1u << 20)
#define CTL_REPLY_MAX 16384

struct ctl_client {
	struct sim_control *ctl;
	struct ctl_client  *next;
	int     fd;
	char    in[SIM_CONTROL_LINE_MAX + 1];
	size_t  inlen;
	bool    discarding;	/* inside an over-long line: skip to its newline */
	bool    closing;	/* quit: close once the output is sent */
	char   *out;
	size_t  outlen, outcap;
};

struct sim_control {
	struct sim_loop   *loop;
	struct sim_target_node targets[SIM_TARGET_MAX];
	size_t             ntargets;
	char              *path;
	int                fd;
	struct ctl_client *clients;
};

/* ---- requests ------------------------------------------------------------------ */

static int reply(char *buf, size_t cap, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int reply(char *buf, size_t cap, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return rc;
}

/* A LUN or fault id word: decimal digits only, at most max. */
static bool parse_uint(const char *w, unsigned long max, unsigned long *out)
{
	if (!w || !*w || strspn(w, "0123456789") != strlen(w) || strlen(w) > 9)
		return false;
	*out = strtoul(w, NULL, 10);
	return *out <= max;
}

static int ctl_tray(struct sim_dev *dev, const char *cmd, const char *arg, const char *extra,
		    char *buf, size_t cap)
{
	unsigned long lun;
	char err[200];

	if (!arg)
		return reply(buf, cap, -1, "error: %s needs a LUN", cmd);
	if (!parse_uint(arg, 0x3FFF, &lun))
		return reply(buf, cap, -1, "error: %s: bad LUN '%s'", cmd, arg);
	if (extra)
		return reply(buf, cap, -1, "error: %s: unexpected word '%s'", cmd, extra);
	if (sim_dev_set_tray(dev, (uint16_t)lun, strcmp(cmd, "eject") == 0, err, sizeof(err)) < 0)
		return reply(buf, cap, -1, "error: %s: %s", cmd, err);
	return reply(buf, cap, 0, "ok tray %s", strcmp(cmd, "eject") == 0 ? "open" : "closed");
}

/* image LUN [hold|release]: the disc image writer's queue; hold stops its workers so
 * that a test fills the queue deterministically (doc/simdrive-control.md). */
static int ctl_image(struct sim_dev *dev, const char *arg, const char *verb, const char *extra,
		     char *buf, size_t cap)
{
	unsigned long lun;
	char err[200];
	struct sim_image_info info;

	if (!arg)
		return reply(buf, cap, -1, "error: image needs a LUN");
	if (!parse_uint(arg, 0x3FFF, &lun))
		return reply(buf, cap, -1, "error: image: bad LUN '%s'", arg);
	if (extra)
		return reply(buf, cap, -1, "error: image: unexpected word '%s'", extra);
	if (verb && strcmp(verb, "hold") != 0 && strcmp(verb, "release") != 0)
		return reply(buf, cap, -1, "error: image: bad word '%s' (hold or release)", verb);
	if (verb && sim_dev_image_hold(dev, (uint16_t)lun, strcmp(verb, "hold") == 0, err,
				       sizeof(err)) < 0)
		return reply(buf, cap, -1, "error: image: %s", err);
	if (!sim_dev_image_info(dev, (uint16_t)lun, &info, err, sizeof(err)))
		return reply(buf, cap, -1, "error: image: %s", err);
	return reply(buf, cap, 0, "ok lun=%lu queued=%zu limit=%zu waiting=%s held=%s", lun,
		     info.queued, info.limit, info.waiting ? "yes" : "no", info.held ? "yes" : "no");
}

static int ctl_faults(struct sim_dev *dev, char *buf, size_t cap)
{
	size_t n = sim_dev_faults(dev, NULL, 0);
	struct sim_fault *all = n ? calloc(n, sizeof(*all)) : NULL;
	if (n && !all)
		return reply(buf, cap, -1, "error: out of memory");
	sim_dev_faults(dev, all, n);
	size_t len = (size_t)snprintf(buf, cap, "ok %zu fault%s", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n && len < cap; i++) {
		char words[256];
		sim_fault_format(&all[i], words, sizeof(words));
		len += (size_t)snprintf(buf + len, cap - len, " | %u fired=%" PRIu32 " %s",
					all[i].id, all[i].fired, words);
	}
	free(all);
	return 0;
}

int sim_control_exec(struct sim_dev *dev, const char *line, char *buf, size_t cap)
{
	char copy[SIM_CONTROL_LINE_MAX + 1], *save = NULL;

	if (strlen(line) > SIM_CONTROL_LINE_MAX)
		return reply(buf, cap, -1, "error: line too long (at most %d bytes)", SIM_CONTROL_LINE_MAX);
	strcpy(copy, line);
	char *cmd = strtok_r(copy, " \t", &save);
	if (!cmd)
		return reply(buf, cap, -1, "error: empty request (try 'help')");
	const char *rest = save ? save + strspn(save, " \t") : "";

	if (strcmp(cmd, "fault") == 0) {
		struct sim_fault f;
		char err[400];
		if (!*rest)
			return reply(buf, cap, -1, "error: fault needs words, e.g. 'fault write-error lba=64'");
		if (sim_fault_parse(rest, &f, err, sizeof(err)) < 0)
			return reply(buf, cap, -1, "error: %s", err);
		int id = sim_dev_add_fault(dev, &f, err, sizeof(err));
		if (id < 0)
			return reply(buf, cap, -1, "error: %s", err);
		return reply(buf, cap, 0, "ok %d", id);
	}
	char *arg = strtok_r(NULL, " \t", &save);
	char *extra = arg ? strtok_r(NULL, " \t", &save) : NULL;
	if (strcmp(cmd, "image") == 0)
		return ctl_image(dev, arg, extra, extra ? strtok_r(NULL, " \t", &save) : NULL, buf, cap);
	if (strcmp(cmd, "faults") == 0) {
		if (arg)
			return reply(buf, cap, -1, "error: faults: unexpected word '%s'", arg);
		return ctl_faults(dev, buf, cap);
	}
	if (strcmp(cmd, "clear") == 0) {
		unsigned long id = 0;
		if (arg && (!parse_uint(arg, UINT32_MAX, &id) || id == 0))
			return reply(buf, cap, -1, "error: clear: bad fault id '%s'", arg);
		if (extra)
			return reply(buf, cap, -1, "error: clear: unexpected word '%s'", extra);
		size_t n = sim_dev_clear_faults(dev, (unsigned)id);
		if (arg && n == 0)
			return reply(buf, cap, -1, "error: clear: no fault %s", arg);
		return reply(buf, cap, 0, "ok cleared %zu", n);
	}
	if (strcmp(cmd, "eject") == 0 || strcmp(cmd, "load") == 0)
		return ctl_tray(dev, cmd, arg, extra, buf, cap);
	if (strcmp(cmd, "time") == 0) {
		if (arg)
			return reply(buf, cap, -1, "error: time: unexpected word '%s'", arg);
		return reply(buf, cap, 0, "ok %" PRIu64, sim_dev_now_us(dev));
	}
	if (strcmp(cmd, "stats") == 0) {
		unsigned long lun;
		if (!arg)
			return reply(buf, cap, -1, "error: stats needs a LUN");
		if (!parse_uint(arg, 0x3FFF, &lun) || !sim_dev_has_lun(dev, (uint16_t)lun))
			return reply(buf, cap, -1, "error: stats: bad LUN '%s'", arg);
		if (extra)
			return reply(buf, cap, -1, "error: stats: unexpected word '%s'", extra);
		return reply(buf, cap, 0, "ok lun=%lu commands=%" PRIu64 " faults=%zu time_us=%" PRIu64
			     " underruns=%" PRIu64,
			     lun, sim_dev_lun_commands(dev, (uint16_t)lun), sim_dev_faults(dev, NULL, 0),
			     sim_dev_now_us(dev), sim_dev_underruns(dev, (uint16_t)lun));
	}
	if (strcmp(cmd, "help") == 0)
		return reply(buf, cap, 0, "ok commands: fault WORDS | faults | clear [ID] | eject LUN | "
			     "load LUN | time | stats LUN | image LUN [hold|release] | targets | "
			     "help | quit; any may start with target=IQN (doc/simdrive-control.md)");
	if (strcmp(cmd, "quit") == 0)
		return reply(buf, cap, 1, "ok bye");
	return reply(buf, cap, -1, "error: unknown command '%s' (try 'help')", cmd);
}

int sim_control_exec_targets(const struct sim_target_node *targets, size_t ntargets,
			     const char *line, char *buf, size_t cap)
{
	size_t skip = strspn(line, " \t");
	const char *word = line + skip;
	size_t wlen = strcspn(word, " \t");
	struct sim_dev *dev = ntargets ? targets[0].dev : NULL;

	if (wlen == 7 && strncmp(word, "targets", 7) == 0) {
		const char *extra = word + wlen + strspn(word + wlen, " \t");
		if (*extra)
			return reply(buf, cap, -1, "error: targets: unexpected word '%.*s'",
				     (int)strcspn(extra, " \t"), extra);
		size_t len = (size_t)snprintf(buf, cap, "ok %zu target%s", ntargets,
					      ntargets == 1 ? "" : "s");
		for (size_t i = 0; i < ntargets && len < cap; i++)
			len += (size_t)snprintf(buf + len, cap - len, " %s", targets[i].name);
		return 0;
	}
	if (wlen > 7 && strncmp(word, "target=", 7) == 0) {
		size_t i;
		for (i = 0; i < ntargets; i++)
			if (strlen(targets[i].name) == wlen - 7 &&
			    strncasecmp(word + 7, targets[i].name, wlen - 7) == 0)
				break;
		if (i == ntargets)
			return reply(buf, cap, -1, "error: unknown target '%.*s' (try 'targets')",
				     (int)(wlen - 7), word + 7);
		dev = targets[i].dev;
		line = word + wlen + strspn(word + wlen, " \t");
	}
	if (!dev)
		return reply(buf, cap, -1, "error: no target");
	return sim_control_exec(dev, line, buf, cap);
}

/* ---- the socket ---------------------------------------------------------------- */

static void client_close(struct ctl_client *cl)
{
	struct sim_control *ctl = cl->ctl;
	for (struct ctl_client **pp = &ctl->clients; *pp; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	sim_loop_del_fd(ctl->loop, cl->fd);
	close(cl->fd);
	free(cl->out);
	free(cl);
}

/* Send what is pending; false when the client is gone. */
static bool client_flush(struct ctl_client *cl)
{
	while (cl->outlen) {
		ssize_t n = send(cl->fd, cl->out, cl->outlen, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			client_close(cl);
			return false;
		}
		memmove(cl->out, cl->out + n, cl->outlen - (size_t)n);
		cl->outlen -= (size_t)n;
	}
	if (cl->outlen == 0 && cl->closing) {
		client_close(cl);
		return false;
	}
	sim_loop_mod_fd(cl->ctl->loop, cl->fd, cl->outlen ? EPOLLIN | EPOLLOUT : EPOLLIN);
	return true;
}

static bool client_queue(struct ctl_client *cl, const char *text)
{
	size_t n = strlen(text);
	if (cl->outlen + n + 1 > CTL_OUT_MAX) {
		SIM_WARN(SIM_LOGS_MAIN, "control client does not read its replies: dropped");
		client_close(cl);
		return false;
	}
	if (cl->outlen + n + 1 > cl->outcap) {
		size_t cap = cl->outcap ? cl->outcap : 4096;
		while (cap < cl->outlen + n + 1)
			cap *= 2;
		char *p = realloc(cl->out, cap);
		if (!p) {
			client_close(cl);
			return false;
		}
		cl->out = p;
		cl->outcap = cap;
	}
	memcpy(cl->out + cl->outlen, text, n);
	cl->out[cl->outlen + n] = '\n';
	cl->outlen += n + 1;
	return true;
}

static bool client_line(struct ctl_client *cl, char *line)
{
	static char out[CTL_REPLY_MAX];
	size_t n = strlen(line);
	if (n && line[n - 1] == '\r')
		line[n - 1] = 0;
	int rc = sim_control_exec_targets(cl->ctl->targets, cl->ctl->ntargets, line, out,
					  sizeof(out));
	SIM_DEBUG(SIM_LOGS_MAIN, "control: '%s' -> '%s'", line, out);
	if (rc == 1)
		cl->closing = true;
	return client_queue(cl, out);
}

static void client_event(struct sim_loop *loop, int fd, uint32_t events, void *arg)
{
	struct ctl_client *cl = arg;
	(void)loop;
	(void)fd;

	if (events & EPOLLOUT && !client_flush(cl))
		return;
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	char buf[4096];
	ssize_t n = recv(cl->fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(cl);
		return;
	}
	for (ssize_t i = 0; i < n && !cl->closing; i++) {
		char ch = buf[i];
		if (ch != '\n') {
			if (cl->discarding)
				continue;
			if (cl->inlen == SIM_CONTROL_LINE_MAX) {
				char msg[80];
				snprintf(msg, sizeof(msg), "error: line too long (at most %d bytes)",
					 SIM_CONTROL_LINE_MAX);
				if (!client_queue(cl, msg))
					return;
				cl->discarding = true;
				cl->inlen = 0;
				continue;
			}
			cl->in[cl->inlen++] = ch;
			continue;
		}
		if (cl->discarding) {
			cl->discarding = false;
			continue;
		}
		cl->in[cl->inlen] = 0;
		cl->inlen = 0;
		if (!client_line(cl, cl->in))
			return;
	}
	client_flush(cl);
}

static void accept_event(struct sim_loop *loop, int fd, uint32_t events, void *arg)
{
	struct sim_control *ctl = arg;
	(void)events;

	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				SIM_WARN(SIM_LOGS_MAIN, "control accept: %s", strerror(errno));
			return;
		}
		struct ctl_client *cl = calloc(1, sizeof(*cl));
		if (!cl || sim_loop_add_fd(loop, c, EPOLLIN, client_event, cl) < 0) {
			free(cl);
			close(c);
			continue;
		}
		cl->ctl = ctl;
		cl->fd = c;
		cl->next = ctl->clients;
		ctl->clients = cl;
		SIM_DEBUG(SIM_LOGS_MAIN, "control client connected");
	}
}

struct sim_control *sim_control_new(struct sim_loop *loop, const struct sim_target_node *targets,
				    size_t ntargets, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (ntargets == 0 || ntargets > SIM_TARGET_MAX) {
		snprintf(err, errlen, "control socket %s: %zu targets (1..%d)", path, ntargets,
			 SIM_TARGET_MAX);
		return NULL;
	}

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket %s: path longer than %zu bytes", path,
			 sizeof(sa.sun_path) - 1);
		return NULL;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "control socket %s: exists and is not a socket", path);
			return NULL;
		}
		unlink(path);	/* a stale socket of an earlier run */
	}
	struct sim_control *ctl = calloc(1, sizeof(*ctl));
	if (!ctl || !(ctl->path = strdup(path))) {
		free(ctl);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctl->loop = loop;
	memcpy(ctl->targets, targets, ntargets * sizeof(*targets));
	ctl->ntargets = ntargets;
	strcpy(sa.sun_path, path);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0 || bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(ctl->fd, 16) < 0) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		if (ctl->fd >= 0)
			close(ctl->fd);
		free(ctl->path);
		free(ctl);
		return NULL;
	}
	int rc = sim_loop_add_fd(loop, ctl->fd, EPOLLIN, accept_event, ctl);
	if (rc < 0) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(-rc));
		close(ctl->fd);
		unlink(path);
		free(ctl->path);
		free(ctl);
		return NULL;
	}
	SIM_INFO(SIM_LOGS_MAIN, "control socket %s", path);
	return ctl;
}

void sim_control_free(struct sim_control *ctl)
{
	if (!ctl)
		return;
	while (ctl->clients)
		client_close(ctl->clients);
	sim_loop_del_fd(ctl->loop, ctl->fd);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}
