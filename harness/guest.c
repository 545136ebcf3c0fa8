/* harness/guest.c - a Linux guest under QEMU that runs commands against a drive
 * (guest.h; the guest's side is harness/guest-init.sh). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errbuf.h"
#include "guest.h"
#include "guestimage.h"

/* A KVM boot that shows no ready line in this time is taken as hung (nested
 * virtualisation can leave a vCPU spinning) and the guest is booted again with TCG. */
#define KVM_BOOT_LIMIT_S 30

struct hrn_guest {
	pid_t pid;
	int fd;			/* the agent connection (the virtio-serial port) */
	char buf[1024];
	size_t len;
	unsigned seq;
	char shared[4096];
	char sock[108];
	char accel[8];
	char programs[1024];
	double boot_s;
	bool cached;
	int fwd_port;		/* the host's end of the forwarded port, or 0 */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *qemu_bin(const struct hrn_guest_opts *o)
{
	const char *q = o->qemu ? o->qemu : getenv("BURNLAB_QEMU");
	return q && *q ? q : "qemu-system-x86_64";
}

static bool in_path(const char *bin)
{
	if (strchr(bin, '/'))
		return access(bin, X_OK) == 0;
	return hrn_gimg_have_program(bin);
}

const char *hrn_guest_unavailable(const struct hrn_guest_opts *o, char *buf, size_t len)
{
	if (!in_path(qemu_bin(o))) {
		hrn_errf(buf, len, "no %s (install qemu-system-x86)", qemu_bin(o));
		return buf;
	}
	struct hrn_gimg img;
	if (hrn_gimg_kernel(o->kernel, &img, buf, len) != 0)
		return buf;
	if (!hrn_gimg_have_program("busybox")) {
		hrn_errf(buf, len, "no busybox (install busybox-static)");
		return buf;
	}
	return NULL;
}

/* The last bytes of a file, for messages. */
static void file_tail(const char *path, char *out, size_t cap)
{
	out[0] = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	long from = sz > (long)cap - 1 ? sz - (long)cap + 1 : 0;
	fseek(f, from, SEEK_SET);
	size_t n = fread(out, 1, cap - 1, f);
	out[n] = 0;
	fclose(f);
	for (char *p = out; *p; p++)	/* the console's CRs and escapes make poor messages */
		if (*p == '\r' || *p == '\033')
			*p = ' ';
}

/* Read one line from the agent before the deadline: 1 a line, 0 timeout, -1 closed. */
static int agent_line(struct hrn_guest *g, char *line, size_t cap, double deadline)
{
	for (;;) {
		char *nl = memchr(g->buf, '\n', g->len);
		if (nl) {
			size_t n = (size_t)(nl - g->buf);
			snprintf(line, cap, "%.*s", (int)n, g->buf);
			line[strcspn(line, "\r")] = 0;
			memmove(g->buf, nl + 1, g->len - n - 1);
			g->len -= n + 1;
			return 1;
		}
		if (g->len == sizeof(g->buf))
			g->len = 0;	/* a runaway line: drop it */
		int left = (int)((deadline - now_s()) * 1000);
		if (left <= 0)
			return 0;
		struct pollfd pf = { g->fd, POLLIN, 0 };
		int r = poll(&pf, 1, left > 1000 ? 1000 : left);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r <= 0) {
			int st;
			if (waitpid(g->pid, &st, WNOHANG) == g->pid) {
				g->pid = 0;
				return -1;
			}
			continue;
		}
		ssize_t got = read(g->fd, g->buf + g->len, sizeof(g->buf) - g->len);
		if (got <= 0)
			return -1;
		g->len += (size_t)got;
	}
}

static void kill_qemu(struct hrn_guest *g)
{
	if (g->pid > 0) {
		int st;
		kill(g->pid, SIGKILL);
		waitpid(g->pid, &st, 0);
	}
	g->pid = 0;
}

/* A TCP port on 127.0.0.1 that nothing listens on now: the kernel picks it for a socket
 * bound to port 0, which is then closed for QEMU to bind.  Another process may take it
 * in between; QEMU then cannot set up the forwarding and the boot is tried again with
 * another port (hrn_guest_start).  0 when none could be had. */
static int free_loopback_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int port = 0;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* One boot with the given accelerator.  0 ready; -1 failed (err); -2 no ready line in
 * limit_s (err). */
static int boot(struct hrn_guest *g, const struct hrn_guest_opts *o, const struct hrn_gimg *img,
		const char *accel, double limit_s, char *err, size_t errlen)
{
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", g->sock);
	unlink(g->sock);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 1) != 0) {
		hrn_errf(err, errlen, "agent socket %s: %s", g->sock, strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	char mem[16], append[1024], agent[160], console[4200], fsdev[4300], drive[1024], netdev[512], fwd[96] = "";
	snprintf(mem, sizeof(mem), "%d", o->memory_mb > 0 ? o->memory_mb : 512);
	const char *extra = getenv("BURNLAB_GUEST_APPEND");
	/* no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can
	 * miss its ticks and panic ("IO-APIC + timer doesn't work"); QEMU's timer is
	 * known to be wired, so the check only adds a load-dependent failure. */
	snprintf(append, sizeof(append),
		 "console=ttyS0 quiet loglevel=4 panic=-1 mitigations=off no_timer_check "
		 "burnlab.attach=%s burnlab.target=%s%s%s%s",
		 o->attach == HRN_ATTACH_ISCSI ? "iscsi" : "passthrough", o->target,
		 o->forward_port > 0 ? " burnlab.net=1" : "", extra ? " " : "", extra ? extra : "");
	if (o->forward_port > 0)	/* the guest's address is the first of 10.0.2.0/24's DHCP range */
		snprintf(fwd, sizeof(fwd), ",hostfwd=tcp:127.0.0.1:%d-10.0.2.15:%d", g->fwd_port, o->forward_port);
	snprintf(agent, sizeof(agent), "socket,id=agent,path=%s", g->sock);
	snprintf(console, sizeof(console), "file,id=con,path=%s", o->console);
	snprintf(fsdev, sizeof(fsdev), "local,id=fs0,path=%s,security_model=none", o->shared_dir);
	const char *argv[64];
	int argc = 0;
	argv[argc++] = qemu_bin(o);
	argv[argc++] = "-nodefaults";
	argv[argc++] = "-no-user-config";
	argv[argc++] = "-display";
	argv[argc++] = "none";
	argv[argc++] = "-no-reboot";
	argv[argc++] = "-accel";
	argv[argc++] = accel;
	argv[argc++] = "-m";
	argv[argc++] = mem;
	argv[argc++] = "-kernel";
	argv[argc++] = img->vmlinux[0] ? img->vmlinux : img->kernel;
	argv[argc++] = "-initrd";
	argv[argc++] = img->initramfs;
	argv[argc++] = "-append";
	argv[argc++] = append;
	argv[argc++] = "-chardev";
	argv[argc++] = console;
	argv[argc++] = "-serial";
	argv[argc++] = "chardev:con";
	/* the command channel: a virtio-serial port.  On the second 8250 UART a command line
	 * from the host now and then never reached the guest's shell (the guest kept
	 * answering iSCSI pings, the command never started, nothing timed it out). */
	argv[argc++] = "-chardev";
	argv[argc++] = agent;
	argv[argc++] = "-device";
	argv[argc++] = "virtio-serial-pci,id=vser0";
	argv[argc++] = "-device";
	argv[argc++] = "virtserialport,bus=vser0.0,chardev=agent,name=org.burnlab.agent";
	argv[argc++] = "-fsdev";
	argv[argc++] = fsdev;
	argv[argc++] = "-device";
	argv[argc++] = "virtio-9p-pci,fsdev=fs0,mount_tag=host";
	if (o->attach == HRN_ATTACH_PASSTHROUGH) {
		/* every CDB the guest sends reaches the drive unchanged (scsi-generic) */
		snprintf(drive, sizeof(drive), "file=iscsi://%s:%d/%s/%d,if=none,id=cd0,format=raw,cache=none",
			 o->host, o->port, o->target, o->lun);
		argv[argc++] = "-device";
		argv[argc++] = "virtio-scsi-pci,id=scsi0";
		argv[argc++] = "-drive";
		argv[argc++] = drive;
		argv[argc++] = "-device";
		argv[argc++] = "scsi-generic,drive=cd0";
		if (fwd[0]) {
			/* a network card for the forwarded port only: restrict=on keeps the guest
			 * from reaching anything, the hostfwd listens on the host's loopback */
			snprintf(netdev, sizeof(netdev), "user,id=net0,restrict=on,net=10.0.2.0/24%s", fwd);
			argv[argc++] = "-netdev";
			argv[argc++] = netdev;
			argv[argc++] = "-device";
			argv[argc++] = "virtio-net-pci,netdev=net0";
		}
	} else {
		/* guestfwd's cmd: form connects for each connection the guest opens (its tcp:
		 * form connects once, when QEMU starts, long before the guest logs in, and
		 * cannot reconnect) */
		snprintf(netdev, sizeof(netdev),
			 "user,id=net0,restrict=on,net=10.0.2.0/24,guestfwd=tcp:10.0.2.100:3260-cmd:busybox nc %s %d%s",
			 o->host, o->port, fwd);
		argv[argc++] = "-netdev";
		argv[argc++] = netdev;
		argv[argc++] = "-device";
		argv[argc++] = "virtio-net-pci,netdev=net0";
	}
	argv[argc] = NULL;

	char qlog[4200];
	snprintf(qlog, sizeof(qlog), "%s.qemu", o->console);
	double t0 = now_s();
	pid_t pid = fork();
	if (pid < 0) {
		close(lfd);
		hrn_errf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		int fd = open(qlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
		}
		if (fd >= 0)
			dup2(fd, 2);
		close(lfd);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	g->pid = pid;
	double deadline = t0 + limit_s;
	int rc = -2;
	/* QEMU connects to the agent socket while it starts */
	for (;;) {
		struct pollfd pf = { lfd, POLLIN, 0 };
		int left = (int)((deadline - now_s()) * 1000);
		if (left <= 0)
			break;
		if (poll(&pf, 1, left > 200 ? 200 : left) > 0) {
			g->fd = accept(lfd, NULL, NULL);
			break;
		}
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			g->pid = 0;
			rc = -1;
			break;
		}
	}
	close(lfd);
	unlink(g->sock);
	char line[512] = "";
	if (g->fd >= 0) {
		int r;
		while ((r = agent_line(g, line, sizeof(line), deadline)) == 1)
			if (!strncmp(line, "ready", 5) || !strncmp(line, "fail", 4))
				break;
		if (r == 1 && !strncmp(line, "ready", 5)) {
			g->boot_s = now_s() - t0;
			snprintf(g->accel, sizeof(g->accel), "%s", accel);
			return 0;
		}
		rc = r == 0 ? -2 : -1;
	}
	char tail[1500], qtail[600];
	file_tail(o->console, tail, sizeof(tail));
	file_tail(qlog, qtail, sizeof(qtail));
	if (!strncmp(line, "fail", 4))
		hrn_errf(err, errlen, "the guest could not start: %s; console: ...%s", line + 5, tail);
	else if (rc == -2)
		hrn_errf(err, errlen, "no ready line from the guest within %.0f s (%s); console: ...%s", limit_s, accel,
		       tail);
	else
		hrn_errf(err, errlen, "QEMU ended before the guest was ready: %s; console: ...%s", qtail, tail);
	kill_qemu(g);
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	g->len = 0;
	return rc;
}

int hrn_guest_start(const struct hrn_guest_opts *o, struct hrn_guest **out, char *err, size_t errlen)
{
	*out = NULL;
	struct hrn_gimg img;
	if (hrn_gimg_kernel(o->kernel, &img, err, errlen) != 0 || hrn_gimg_initramfs(o->cache_dir, o->attach == HRN_ATTACH_ISCSI, &img, err, errlen) != 0)
		return -1;
	char why[512];
	if (hrn_gimg_vmlinux(o->cache_dir, &img, why, sizeof(why)) != 0)
		fprintf(stderr, "harness: booting the compressed kernel (slower): %s\n", why);
	struct hrn_guest *g = calloc(1, sizeof(*g));
	if (!g) {
		hrn_errf(err, errlen, "out of memory");
		return -1;
	}
	g->fd = -1;
	g->cached = img.cached;
	snprintf(g->shared, sizeof(g->shared), "%s", o->shared_dir);
	snprintf(g->programs, sizeof(g->programs), "%s", img.programs);
	const char *tmp = getenv("TMPDIR");
	static unsigned seq;
	snprintf(g->sock, sizeof(g->sock), "%s/hrn-guest-%d-%u.sock", tmp && strlen(tmp) < 60 ? tmp : "/tmp",
		 (int)getpid(), seq++);
	double limit = o->boot_timeout_us > 0 ? (double)o->boot_timeout_us / 1e6 : 120;
	int rc = -1;
	if (o->forward_port > 0 && !(g->fwd_port = free_loopback_port())) {
		hrn_errf(err, errlen, "no free TCP port on 127.0.0.1 to forward to the guest's port %d", o->forward_port);
		free(g);
		return -1;
	}
	if (o->accel && !strcmp(o->accel, "kvm")) {
		int kfd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		if (kfd < 0) {
			fprintf(stderr, "harness: /dev/kvm: %s; the guest runs under TCG\n", strerror(errno));
		} else {
			close(kfd);
			rc = boot(g, o, &img, "kvm", limit < KVM_BOOT_LIMIT_S ? limit : KVM_BOOT_LIMIT_S, err, errlen);
			if (rc == -2)
				fprintf(stderr, "harness: the KVM guest showed no ready line within %d s (nested "
					"virtualisation?); booting it again under TCG\n", KVM_BOOT_LIMIT_S);
		}
	}
	if (rc != 0)
		rc = boot(g, o, &img, "tcg", limit, err, errlen);
	/* another process took the forwarded port between free_loopback_port and QEMU's
	 * bind: QEMU then stops at once ("Could not set up host forwarding rule") */
	for (int tries = 0; rc == -1 && o->forward_port > 0 && tries < 3 && strstr(err, "host forwarding"); tries++) {
		if (!(g->fwd_port = free_loopback_port()))
			break;
		rc = boot(g, o, &img, "tcg", limit, err, errlen);
	}
	if (rc != 0) {
		free(g);
		return -1;
	}
	*out = g;
	return 0;
}

int hrn_guest_exec(struct hrn_guest *g, const char *cmd, int64_t timeout_us, int *status,
		   char *out, size_t outlen, char *err, size_t errlen)
{
	unsigned n = ++g->seq;
	char path[4200];
	snprintf(path, sizeof(path), "%s/.cmd-%u", g->shared, n);
	FILE *f = fopen(path, "w");
	if (!f || fprintf(f, "%s\n", cmd) < 0 || fclose(f) != 0) {
		hrn_errf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	long secs = (long)((timeout_us + 999999) / 1000000);
	if (secs < 1)
		secs = 1;
	char req[64];
	int rl = snprintf(req, sizeof(req), "run %u %ld\n", n, secs);
	if (g->fd < 0 || write(g->fd, req, (size_t)rl) != rl) {
		hrn_errf(err, errlen, "the guest is gone (%s)", strerror(errno));
		return -1;
	}
	if (out)
		snprintf(out, outlen, "%s/.out-%u", g->shared, n);
	/* the guest kills the command at secs; allow it time to say so */
	double deadline = now_s() + (double)secs + 30;
	char line[256];
	int r;
	while ((r = agent_line(g, line, sizeof(line), deadline)) == 1) {
		unsigned dn;
		int st;
		if (sscanf(line, "done %u %d", &dn, &st) == 2 && dn == n) {
			*status = st;
			return 0;
		}
		if (sscanf(line, "stuck %u", &dn) == 1 && dn == n) {
			/* give the guest a moment to write its diagnostics to the console */
			agent_line(g, line, sizeof(line), now_s() + 2);
			hrn_errf(err, errlen, "the command outlived its %ld s limit in the guest's kernel (not killable); "
				 "the console log shows the stuck processes' stacks and the kernel's messages", secs);
			kill_qemu(g);
			return -1;
		}
	}
	hrn_errf(err, errlen, r == 0 ? "the guest did not answer within %ld s of the command's time limit"
				   : "the guest went away while the command ran (limit %ld s)", secs);
	kill_qemu(g);
	return -1;
}

int hrn_guest_stop(struct hrn_guest *g, char *err, size_t errlen)
{
	int rc = 0;
	if (g->pid > 0 && g->fd >= 0 && write(g->fd, "off\n", 4) == 4) {
		double deadline = now_s() + 20;
		int st = 0;
		pid_t r;
		while ((r = waitpid(g->pid, &st, WNOHANG)) == 0 && now_s() < deadline) {
			struct timespec ts = { 0, 5000000 };
			nanosleep(&ts, NULL);
		}
		if (r == g->pid) {
			g->pid = 0;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				hrn_errf(err, errlen, "QEMU exited with %s %d", WIFEXITED(st) ? "status" : "signal",
				       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
				rc = -1;
			}
		} else {
			hrn_errf(err, errlen, "the guest did not power off within 20 s (killed)");
			rc = -1;
		}
	}
	kill_qemu(g);
	if (g->fd >= 0)
		close(g->fd);
	free(g);
	return rc;
}

double hrn_guest_boot_seconds(const struct hrn_guest *g)
{
	return g->boot_s;
}

bool hrn_guest_image_cached(const struct hrn_guest *g)
{
	return g->cached;
}

const char *hrn_guest_accel(const struct hrn_guest *g)
{
	return g->accel;
}

int hrn_guest_forwarded_port(const struct hrn_guest *g)
{
	return g->fwd_port;
}

const char *hrn_guest_programs(const struct hrn_guest *g)
{
	return g->programs;
}

/* ---- `harness guest`: commands in a guest against any target ----------------------- */

static void guest_help(FILE *f)
{
	fputs("Usage: harness guest [--attach passthrough|iscsi] [--accel tcg|kvm] [--kernel FILE]\n"
	      "                     [--dir DIR] [--memory MB] [--timeout SECONDS] [--forward PORT]\n"
	      "                     URL COMMAND...\n"
	      "       harness guest --check     whether a guest can run here (exit 0, or 77 and why)\n"
	      "URL: iscsi://HOST:PORT/TARGET/LUN.  Each COMMAND runs with sh in the guest's /host (DIR,\n"
	      "default the current directory); its output is printed.  --forward PORT: the guest's TCP\n"
	      "PORT is reachable on a free port of the host's 127.0.0.1, printed once the guest is\n"
	      "ready and written to DIR/forwarded-port.  doc/real-programs.md.\n", f);
}

static int guest_usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "harness guest: %s\n", msg);
	guest_help(stderr);
	return 2;
}

int hrn_guest_main(int argc, char **argv)
{
	struct hrn_guest_opts o = { .attach = HRN_ATTACH_PASSTHROUGH, .accel = "tcg", .lun = 0 };
	const char *dir = ".";
	long timeout = 600;
	int i = 1;
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		guest_help(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--check")) {
		/* whether a guest can run here: for tests that skip (exit 77) otherwise */
		char why[1024];
		if (hrn_guest_unavailable(&o, why, sizeof(why))) {
			printf("no guest: %s\n", why);
			return 77;
		}
		struct hrn_gimg img;
		hrn_gimg_kernel(NULL, &img, why, sizeof(why));
		printf("guest: kernel %s\n", img.kernel);
		return 0;
	}
	/* options come in pairs: OPTION VALUE */
	for (; i < argc && argv[i][0] == '-'; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			return guest_usage("an option needs a value");
		if (!strcmp(a, "--attach")) {
			if (strcmp(v, "passthrough") && strcmp(v, "iscsi"))
				return guest_usage("--attach takes passthrough or iscsi");
			o.attach = !strcmp(v, "iscsi") ? HRN_ATTACH_ISCSI : HRN_ATTACH_PASSTHROUGH;
		} else if (!strcmp(a, "--accel")) {
			if (strcmp(v, "tcg") && strcmp(v, "kvm"))
				return guest_usage("--accel takes tcg or kvm");
			o.accel = v;
		} else if (!strcmp(a, "--kernel")) {
			o.kernel = v;
		} else if (!strcmp(a, "--dir")) {
			dir = v;
		} else if (!strcmp(a, "--memory")) {
			o.memory_mb = atoi(v);
		} else if (!strcmp(a, "--timeout")) {
			timeout = atol(v);
		} else if (!strcmp(a, "--forward")) {
			o.forward_port = atoi(v);
			if (o.forward_port < 1 || o.forward_port > 65535)
				return guest_usage("--forward takes a TCP port 1..65535");
		} else {
			return guest_usage("unknown option");
		}
	}
	if (argc - i < 2)
		return guest_usage("needs a URL and a command");
	static char host[256], target[256];
	int port = 0, lun = 0;
	if (sscanf(argv[i], "iscsi://%255[^:/]:%d/%255[^/]/%d", host, &port, target, &lun) != 4)
		return guest_usage("the URL must be iscsi://HOST:PORT/TARGET/LUN");
	o.host = host;
	o.port = port;
	o.target = target;
	o.lun = lun;
	static char shared[4096], console[4200];
	if (!realpath(dir, shared)) {
		fprintf(stderr, "harness guest: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	o.shared_dir = shared;
	snprintf(console, sizeof(console), "%s/console.log", shared);
	o.console = console;
	char err[4096];
	if (hrn_guest_unavailable(&o, err, sizeof(err))) {
		fprintf(stderr, "harness guest: %s\n", err);
		return 77;
	}
	struct hrn_guest *g;
	if (hrn_guest_start(&o, &g, err, sizeof(err)) != 0) {
		fprintf(stderr, "harness guest: %s\n", err);
		return 3;
	}
	fprintf(stderr, "harness guest: ready in %.2f s (%s, initramfs %s)\n", hrn_guest_boot_seconds(g),
		hrn_guest_accel(g), hrn_guest_image_cached(g) ? "cached" : "built");
	if (o.forward_port > 0) {
		/* for a host program started beside: the port, in a file of the shared directory */
		char pf[4200];
		snprintf(pf, sizeof(pf), "%s/forwarded-port", shared);
		FILE *f = fopen(pf, "w");
		if (f) {
			fprintf(f, "%d\n", hrn_guest_forwarded_port(g));
			fclose(f);
		}
		fprintf(stderr, "harness guest: the guest's port %d is 127.0.0.1:%d\n", o.forward_port,
			hrn_guest_forwarded_port(g));
	}
	int status = 0, rc = 0;
	for (i++; i < argc; i++) {
		char out[4200];
		double t0 = now_s();
		if (hrn_guest_exec(g, argv[i], (int64_t)timeout * 1000000, &status, out, sizeof(out), err,
				   sizeof(err)) != 0) {
			fprintf(stderr, "harness guest: %s\n", err);
			rc = 3;
			break;
		}
		FILE *f = fopen(out, "r");
		char buf[8192];
		size_t n;
		while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, stdout);
		if (f)
			fclose(f);
		fflush(stdout);
		fprintf(stderr, "harness guest: exit %d in %.2f s: %s\n", status, now_s() - t0, argv[i]);
		rc = status;
	}
	if (hrn_guest_stop(g, err, sizeof(err)) != 0) {
		fprintf(stderr, "harness guest: %s\n", err);
		if (!rc)
			rc = 3;
	}
	return rc;
}
