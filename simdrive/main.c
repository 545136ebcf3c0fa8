/* simdrive/main.c - the simulated drive daemon: command line, signals, ready line. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "disclog.h"
#include "fault.h"
#include "log.h"
#include "loop.h"
#include "control.h"
#include "disclog.h"
#include "scsi.h"
#include "target.h"
#include "trace.h"

#define MAX_TARGETS SIM_TARGET_MAX	/* targets on the one portal */
#define MAX_LUNS 64			/* --drive options of one target */
#define MAX_DRIVES 256			/* --drive options in all */
#define DEFAULT_RESERVE_MAX ((size_t)512 << 20)	/* --image-reserve's default at most */
#define MAX_FAULTS 32
#define DEFAULT_TARGET "iqn.2026-01.org.burnlab:simdrive"

/* One target of the command line: its name, alias, and its slice of drives[] and
 * faults[] (the options after its --target; before any, the first target's). */
struct tgt_opts {
	const char *name, *alias;
	size_t first_drive, ndrives;
	uint16_t next_lun;
	size_t first_fault, nfaults;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: simdrive [OPTION]...\n"
"A simulated CD/DVD/BD drive served as an iSCSI target (RFC 7143).\n"
"\n"
"  --listen ADDR:PORT     address to listen on (default 127.0.0.1:3260); port 0\n"
"                         picks a free port. IPv6 as [ADDR]:PORT.\n"
"  --target IQN           target name; repeat for more targets (at most %d) on\n"
"                         the same portal, each followed by its own --drive,\n"
"                         --fault and --alias options (those before the first\n"
"                         --target are the first target's). Default: one target,\n"
"                         " DEFAULT_TARGET "\n"
"  --alias NAME           TargetAlias sent at login (of the target it follows)\n"
"  --drive SPEC           add a logical unit; SPEC is a comma list of\n"
"                           lun=N        LUN number (default: next free)\n"
"                           media=M      dvd-rom, cd-rom (read-only drive, with\n"
"                                        file=), none (empty tray), or a\n"
"                                        recordable disc: cd-r, cd-r80, cd-rw,\n"
"                                        dvd-r, dvd-rw, dvd+r, dvd+r-dl, dvd+rw,\n"
"                                        bd-r, bd-re (a burner LUN)\n"
"                           file=PATH    ISO image (2048-byte sectors) for the disc\n"
"                           capacity=N   recordable: user blocks (default: medium's)\n"
"                           image=PATH   recordable: disclog image recording the\n"
"                                        burns; reloaded with its state if it exists.\n"
"                                        With dvd-rom/cd-rom/bd-rom: a read-only view\n"
"                                        of an image (e.g. from `disclog import`)\n"
"                           personality=FILE  the kind of drive: a personality\n"
"                                        file (fixtures/drives/*.drive): INQUIRY,\n"
"                                        media, write types, buffer, speeds\n"
"                           tray=open    start ejected: the disc sits in the open\n"
"                                        tray until START STOP UNIT loads it\n"
"                                        (default tray=closed, disc loaded)\n"
"                         repeat for more LUNs (at most %d per target, %d in all).\n"
"                         Default: one empty drive.\n"
"  --chap USER:SECRET     require one-way CHAP (MD5) with these credentials\n"
"  --mutual-chap USER:SECRET\n"
"                         credentials the target answers with when the\n"
"                         initiator asks for mutual CHAP; its secret must\n"
"                         differ from --chap's (RFC 7143 §12.1.3)\n"
"  --allow-short-secret   accept CHAP secrets under 12 bytes (96 bits)\n"
"  --nop-interval MS      ping idle connections with NOP-In every MS ms (15000);\n"
"                         3 unanswered pings drop the connection\n"
"  --login-timeout MS     time allowed to complete a login (15000)\n"
"  --fault SPEC           inject a fault, e.g. 'long-write-in-progress lba=1000\n"
"                         count=3', 'unit-attention command=5 sense=6/29/00',\n"
"                         'write-error lba=64 sense=3/0C/09', 'drop-connection\n"
"                         lba=512 [after]', 'write-error lba=64 deferred',\n"
"                         'medium-error lba=10', 'eject lba=100', 'ignore-speed\n"
"                         command=1', 'record-nothing lba=32', seed=S\n"
"                         probability=P; optional lun=N (of the target the\n"
"                         option follows). A full or failing disk under an\n"
"                         image: 'image-enospc lun=N after=BYTES',\n"
"                         'image-eio lun=N after=BYTES [at-sync]'. Repeatable (at most\n"
"                         %d); doc/simdrive-faults.md\n"
"  --time-scale S         the drive's clock: 0 runs as fast as the host can and\n"
"                         reports virtual time (default), 1 paces in real time,\n"
"                         0.01 a hundred times faster than real\n"
"  --trace FILE           write one JSON line per SCSI command to FILE (time,\n"
"                         CDB, status, sense, residual, fault);\n"
"                         doc/simdrive-trace.md\n"
"  --control PATH         listen on a UNIX socket at PATH for control requests\n"
"                         (add/list/clear faults, eject/load, time);\n"
"                         doc/simdrive-control.md\n"
"  --image-threads N      compression threads all disc images share (default 2)\n"
"  --image-memory MIB     bytes all disc images together may have queued for\n"
"                         compression, in MiB (default 32); doc/simdrive-recorder.md\n"
"  --image-reserve MIB    memory for the disc images made ready at start and kept,\n"
"                         in MiB (default: 2 per recording drive, at most\n"
"                         --image-memory + 1 per recording drive and 512; 0: none)\n"
"  --log-level LEVEL      error, warn, info (default), debug or trace; logs go to\n"
"                         stderr\n"
"  --help                 this text\n"
"  --version              version\n"
"\n"
"Once listening, simdrive prints one line on standard output:\n"
"  simdrive: ready on ADDR:PORT target IQN\n"
"naming the first target; with more, the line goes on \"and N more targets\".\n"
"SIGTERM or SIGINT shut it down cleanly (exit status 0).\n"
"Exit status: 0 clean shutdown, 1 runtime error, 2 bad command line.\n",
		MAX_TARGETS, MAX_LUNS, MAX_DRIVES, MAX_FAULTS);
}

/* "USER:SECRET" -> two strings (the secret may contain ':'). */
static int split_cred(const char *opt, char *arg, const char **user, const char **secret)
{
	char *colon = strchr(arg, ':');
	if (!colon || colon == arg || colon[1] == 0) {
		fprintf(stderr, "simdrive: %s '%s': expected USER:SECRET\n", opt, arg);
		return -1;
	}
	*colon = 0;
	*user = arg;
	*secret = colon + 1;
	return 0;
}

/* RFC 7143 §12.1.3: a secret that authenticates initiators MUST NOT also authenticate
 * the target (a peer could reflect our own challenge back to us).  Secrets under 96 bits
 * are refused as the Microsoft initiator refuses them without IPsec, which simdrive
 * does not offer (SetIScsiInitiatorCHAPSharedSecret); --allow-short-secret is for
 * initiators that cannot do better. */
enum { CHAP_SECRET_MIN = 12 };

static int check_secrets(const struct sim_target_cfg *c, bool allow_short)
{
	if (c->mutual_secret && strcmp(c->mutual_secret, c->chap_secret) == 0) {
		fprintf(stderr, "simdrive: the --mutual-chap secret of '%s' is the --chap secret of '%s': "
			"a secret that authenticates initiators must not authenticate the target "
			"(RFC 7143 §12.1.3)\n", c->mutual_user, c->chap_user);
		return -1;
	}
	const char *opt[2] = { "--chap", "--mutual-chap" };
	const char *user[2] = { c->chap_user, c->mutual_user };
	const char *secret[2] = { c->chap_secret, c->mutual_secret };
	for (int i = 0; i < 2; i++) {
		if (!secret[i] || allow_short || strlen(secret[i]) >= CHAP_SECRET_MIN)
			continue;
		fprintf(stderr, "simdrive: %s secret of '%s' has %zu bytes, fewer than %d (96 bits); "
			"use a longer one, or --allow-short-secret for an initiator that cannot\n",
			opt[i], user[i], strlen(secret[i]), CHAP_SECRET_MIN);
		return -1;
	}
	return 0;
}

static int parse_drive(char *spec, struct sim_lun_cfg *d, uint16_t next_lun)
{
	char *save = NULL;

	d->lun = next_lun;
	d->media = "none";
	d->file = NULL;
	d->capacity = 0;
	d->image = NULL;
	d->tray_open = false;
	d->personality = NULL;
	for (char *kv = strtok_r(spec, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq) {
			fprintf(stderr, "simdrive: --drive: '%s' is not KEY=VALUE\n", kv);
			return -1;
		}
		*eq = 0;
		const char *v = eq + 1;
		if (strcmp(kv, "lun") == 0) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);
			if (*v == 0 || *end || n > 16383) {
				fprintf(stderr, "simdrive: --drive: lun '%s' is not a number 0..16383\n", v);
				return -1;
			}
			d->lun = (uint16_t)n;
		} else if (strcmp(kv, "media") == 0) {
			d->media = v;
		} else if (strcmp(kv, "file") == 0) {
			d->file = v;
		} else if (strcmp(kv, "capacity") == 0) {
			char *end;
			unsigned long long n = strtoull(v, &end, 10);
			if (*v == 0 || *end || n == 0 || n > UINT32_MAX) {
				fprintf(stderr, "simdrive: --drive: capacity '%s' is not a block count 1..%u\n",
					v, UINT32_MAX);
				return -1;
			}
			d->capacity = (uint32_t)n;
		} else if (strcmp(kv, "image") == 0) {
			d->image = v;
		} else if (strcmp(kv, "tray") == 0) {
			if (strcmp(v, "open") != 0 && strcmp(v, "closed") != 0) {
				fprintf(stderr, "simdrive: --drive: tray '%s' is not open or closed\n", v);
				return -1;
			}
			d->tray_open = strcmp(v, "open") == 0;
		} else if (strcmp(kv, "personality") == 0) {
			d->personality = v;
		} else {
			fprintf(stderr, "simdrive: --drive: unknown key '%s' (lun, media, file, capacity, image, tray, personality)\n", kv);
			return -1;
		}
	}
	return 0;
}

static int parse_ms(const char *opt, const char *v, uint32_t *out)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	if (*v == 0 || *end || n == 0 || n > 3600000) {
		fprintf(stderr, "simdrive: %s '%s': expected milliseconds 1..3600000\n", opt, v);
		return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

static void on_signal(struct sim_loop *loop, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		SIM_INFO(SIM_LOGS_MAIN, "signal %u: shutting down", si.ssi_signo);
	sim_loop_stop(loop);
}

int main(int argc, char **argv)
{
	enum { O_LISTEN = 256, O_TARGET, O_ALIAS, O_DRIVE, O_CHAP, O_MUTUAL, O_SHORT_SECRET, O_NOP,
	       O_LOGIN_TO, O_LOG, O_FAULT, O_TIME_SCALE, O_TRACE, O_CONTROL, O_IMG_THREADS,
	       O_IMG_MEMORY, O_IMG_RESERVE, O_HELP, O_VERSION };
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "target", required_argument, NULL, O_TARGET },
		{ "alias", required_argument, NULL, O_ALIAS },
		{ "drive", required_argument, NULL, O_DRIVE },
		{ "chap", required_argument, NULL, O_CHAP },
		{ "mutual-chap", required_argument, NULL, O_MUTUAL },
		{ "allow-short-secret", no_argument, NULL, O_SHORT_SECRET },
		{ "nop-interval", required_argument, NULL, O_NOP },
		{ "login-timeout", required_argument, NULL, O_LOGIN_TO },
		{ "log-level", required_argument, NULL, O_LOG },
		{ "fault", required_argument, NULL, O_FAULT },
		{ "time-scale", required_argument, NULL, O_TIME_SCALE },
		{ "trace", required_argument, NULL, O_TRACE },
		{ "control", required_argument, NULL, O_CONTROL },
		{ "image-threads", required_argument, NULL, O_IMG_THREADS },
		{ "image-memory", required_argument, NULL, O_IMG_MEMORY },
		{ "image-reserve", required_argument, NULL, O_IMG_RESERVE },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct sim_target_cfg tcfg = { .listen = "127.0.0.1:3260" };
	static struct tgt_opts tgts[MAX_TARGETS];
	size_t ntgts = 1;
	bool first_named = false;
	static struct sim_lun_cfg drives[MAX_DRIVES];
	size_t ndrives = 0;
	struct sim_fault faults[MAX_FAULTS];
	size_t nfaults = 0;
	double time_scale = 0.0;
	bool allow_short_secret = false;
	const char *trace_path = NULL, *control_path = NULL;
	struct dl_pool_opts popts = { .threads = 2, .max_inflight = 32u << 20 };
	long reserve_mib = -1;	/* --image-reserve; -1: the default, set below */
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case O_LISTEN: tcfg.listen = optarg; break;
		case O_TARGET:
			/* The first --target names the target the options before it built. */
			if (first_named && ntgts == MAX_TARGETS) {
				fprintf(stderr, "simdrive: at most %d --target options\n", MAX_TARGETS);
				return 2;
			}
			if (first_named)
				tgts[ntgts++] = (struct tgt_opts){ .first_drive = ndrives,
								   .first_fault = nfaults };
			first_named = true;
			tgts[ntgts - 1].name = optarg;
			for (size_t i = 0; i + 1 < ntgts; i++) {
				if (strcasecmp(tgts[i].name, optarg) == 0) {
					fprintf(stderr, "simdrive: --target '%s' given twice (iSCSI names "
						"compare case-insensitively)\n", optarg);
					return 2;
				}
			}
			break;
		case O_ALIAS: tgts[ntgts - 1].alias = optarg; break;
		case O_DRIVE: {
			struct tgt_opts *t = &tgts[ntgts - 1];
			if (t->ndrives == MAX_LUNS || ndrives == MAX_DRIVES) {
				fprintf(stderr, "simdrive: at most %d --drive options per target, %d in all\n",
					MAX_LUNS, MAX_DRIVES);
				return 2;
			}
			if (parse_drive(optarg, &drives[ndrives], t->next_lun) < 0)
				return 2;
			for (size_t i = t->first_drive; i < ndrives; i++) {
				if (drives[i].lun == drives[ndrives].lun) {
					fprintf(stderr, "simdrive: --drive: LUN %u given twice\n", drives[i].lun);
					return 2;
				}
			}
			t->next_lun = (uint16_t)(drives[ndrives].lun + 1);
			t->ndrives++;
			ndrives++;
			break;
		}
		case O_CHAP:
			if (split_cred("--chap", optarg, &tcfg.chap_user, &tcfg.chap_secret) < 0)
				return 2;
			break;
		case O_MUTUAL:
			if (split_cred("--mutual-chap", optarg, &tcfg.mutual_user, &tcfg.mutual_secret) < 0)
				return 2;
			break;
		case O_SHORT_SECRET: allow_short_secret = true; break;
		case O_NOP:
			if (parse_ms("--nop-interval", optarg, &tcfg.nop_interval_ms) < 0)
				return 2;
			break;
		case O_LOGIN_TO:
			if (parse_ms("--login-timeout", optarg, &tcfg.login_timeout_ms) < 0)
				return 2;
			break;
		case O_LOG:
			if (sim_log_parse_level(optarg, &sim_log_level) < 0) {
				fprintf(stderr, "simdrive: --log-level '%s': use error, warn, info, debug or trace\n", optarg);
				return 2;
			}
			break;
		case O_FAULT: {
			char ferr[300];
			if (nfaults == MAX_FAULTS) {
				fprintf(stderr, "simdrive: at most %d --fault options\n", MAX_FAULTS);
				return 2;
			}
			if (sim_fault_parse(optarg, &faults[nfaults], ferr, sizeof(ferr)) < 0) {
				fprintf(stderr, "simdrive: --fault: %s\n", ferr);
				return 2;
			}
			nfaults++;
			tgts[ntgts - 1].nfaults++;
			break;
		}
		case O_TIME_SCALE: {
			char *end;
			errno = 0;
			time_scale = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(time_scale >= 0.0 && time_scale <= 1000.0)) {
				fprintf(stderr, "simdrive: --time-scale '%s': expected a number 0..1000\n", optarg);
				return 2;
			}
			break;
		}
		case O_TRACE: trace_path = optarg; break;
		case O_CONTROL: control_path = optarg; break;
		case O_IMG_THREADS:
		case O_IMG_MEMORY:
		case O_IMG_RESERVE: {
			static const struct { const char *name; unsigned long min, max; } lim[] = {
				[O_IMG_THREADS - O_IMG_THREADS] = { "image-threads", 1, 64 },
				[O_IMG_MEMORY - O_IMG_THREADS] = { "image-memory", 1, 65536 },
				[O_IMG_RESERVE - O_IMG_THREADS] = { "image-reserve", 0, 65536 },
			};
			const int k = opt - O_IMG_THREADS;
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (*optarg == 0 || *optarg == '-' || *end || n < lim[k].min || n > lim[k].max) {
				fprintf(stderr, "simdrive: --%s '%s': expected a number %lu..%lu\n",
					lim[k].name, optarg, lim[k].min, lim[k].max);
				return 2;
			}
			if (opt == O_IMG_THREADS)
				popts.threads = (unsigned)n;
			else if (opt == O_IMG_MEMORY)
				popts.max_inflight = (size_t)n << 20;
			else
				reserve_mib = (long)n;
			break;
		}
		case O_HELP: usage(stdout); return 0;
		case O_VERSION:
			printf("simdrive (burnlab) %s\nimage deflate: %s\n", PACKAGE_VERSION,
			       dl_deflate_name(DL_DEFLATE_DEFAULT));
			return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "simdrive: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (tcfg.mutual_user && !tcfg.chap_user) {
		fprintf(stderr, "simdrive: --mutual-chap needs --chap (RFC 7143 §12.1.3)\n");
		return 2;
	}
	if (check_secrets(&tcfg, allow_short_secret) < 0)
		return 2;
	if (!first_named)
		tgts[0].name = DEFAULT_TARGET;

	/* Block the shutdown signals before anything starts a thread (the image writers'
	 * workers inherit the mask): they must reach the signalfd, not kill the process. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a peer that vanished shows up as EPIPE */
	/* Big buffers (image writer jobs of 1 MiB, Data-Out, drive buffers) are mmapped
	 * and given back when freed.  Setting the threshold turns glibc's dynamic one off
	 * (mallopt(3)): it rose to 1 MiB at the first such free, and later ones came from
	 * the heaps, which sixteen LUNs' threads fragmented until RSS grew 50 % in ten
	 * minutes of make soak (doc/soak.md). */
#ifdef M_MMAP_THRESHOLD
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif

	char err[512] = "";
	/* One pool of compression workers and one budget of queued bytes for every disc
	 * image of the daemon, however many drives of however many targets record
	 * (doc/simdrive-recorder.md §10).  Its reserve, by default, is what the recording
	 * drives burning at once hold, faulted in before the ready line rather than by
	 * the first burn: each drive's member being filled and one queued (2 MiB a drive),
	 * but no more than the budget queued and a member each.  So one drive costs a
	 * daemon started for a short test 2 MiB, not the whole budget; at most
	 * DEFAULT_RESERVE_MAX, which only a budget raised far above its default reaches. */
	if (reserve_mib < 0) {
		size_t recording = 0;
		for (size_t i = 0; i < ndrives; i++)
			recording += drives[i].image != NULL;
		size_t streaming = 2 * recording * DL_MEMBER_TARGET;
		size_t all_queued = popts.max_inflight + recording * DL_MEMBER_TARGET;
		popts.reserve = streaming < all_queued ? streaming : all_queued;
		if (popts.reserve > DEFAULT_RESERVE_MAX)
			popts.reserve = DEFAULT_RESERVE_MAX;
	} else {
		popts.reserve = (size_t)reserve_mib << 20;
	}
	struct dl_error derr;
	struct dl_pool *pool = dl_pool_new(&popts, &derr);
	if (!pool) {
		fprintf(stderr, "simdrive: image workers: %s\n", derr.msg);
		return 1;
	}
	struct sim_trace *trace = NULL;
	if (trace_path && !(trace = sim_trace_open(trace_path, err, sizeof(err)))) {
		fprintf(stderr, "simdrive: --trace: %s\n", err);
		dl_pool_free(pool);
		return 1;
	}
	/* Each target is a device of its own: its LUNs, faults, clock, nexus ids. */
	static struct sim_target_node nodes[MAX_TARGETS];
	static struct sim_trace_tap taps[MAX_TARGETS];
	static const struct sim_lun_cfg empty_drive = { .lun = 0, .media = "none" };
	size_t ndevs = 0;
	int rc = 1;
	struct sim_loop *loop = NULL;
	struct sim_control *ctl = NULL;
	struct sim_target *tgt = NULL;
	int sfd = -1;
	for (; ndevs < ntgts; ndevs++) {
		const struct tgt_opts *o = &tgts[ndevs];
		char serial[24];	/* "SIMT" + a 32-bit number + "-" */
		/* VPD 80h serials stay unique across targets: SIM0, SIM1, ... for the first
		 * target as before, SIMT2-0 for LUN 0 of the third. */
		if (ndevs == 0)
			snprintf(serial, sizeof(serial), "SIM");
		else
			snprintf(serial, sizeof(serial), "SIMT%u-", (unsigned)ndevs);
		struct sim_dev_cfg dcfg = {
			.vendor = "BURNLAB",
			.product = "SIMDRIVE",
			.revision = "0001",
			.serial = serial,
			.target_name = o->name,
			.luns = o->ndrives ? &drives[o->first_drive] : &empty_drive,
			.nluns = o->ndrives ? o->ndrives : 1,
			.faults = &faults[o->first_fault],
			.nfaults = o->nfaults,
			.time_scale = time_scale,
			.image_pool = pool,
		};
		struct sim_dev *dev = sim_dev_new(&dcfg, err, sizeof(err));
		if (!dev) {
			if (ntgts > 1)
				fprintf(stderr, "simdrive: target %s: %s\n", o->name, err);
			else
				fprintf(stderr, "simdrive: %s\n", err);
			goto out;
		}
		nodes[ndevs] = (struct sim_target_node){ .name = o->name, .alias = o->alias, .dev = dev };
		if (trace) {	/* lines name their target only when there are several */
			taps[ndevs] = (struct sim_trace_tap){ .trace = trace,
							      .target = ntgts > 1 ? o->name : NULL };
			sim_dev_set_observer(dev, sim_trace_observe_tap, &taps[ndevs]);
		}
	}
	tcfg.targets = nodes;
	tcfg.ntargets = ntgts;

	loop = sim_loop_new();
	if (!loop) {
		fprintf(stderr, "simdrive: event loop: %s\n", strerror(errno));
		goto out;
	}
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || sim_loop_add_fd(loop, sfd, EPOLLIN, on_signal, NULL) < 0) {
		fprintf(stderr, "simdrive: signalfd: %s\n", strerror(errno));
		goto out;
	}
	if (control_path && !(ctl = sim_control_new(loop, nodes, ntgts, control_path, err, sizeof(err)))) {
		fprintf(stderr, "simdrive: --control: %s\n", err);
		goto out;
	}
	tgt = sim_target_new(loop, &tcfg, err, sizeof(err));
	if (!tgt) {
		fprintf(stderr, "simdrive: %s\n", err);
		goto out;
	}
	for (size_t i = 0; i < ntgts; i++)
		SIM_INFO(SIM_LOGS_MAIN, "listening on %s, target %s, %zu LUN(s)", sim_target_address(tgt),
			 nodes[i].name, tgts[i].ndrives ? tgts[i].ndrives : 1);
	if (ntgts > 1)
		printf("simdrive: ready on %s target %s and %zu more target%s\n",
		       sim_target_address(tgt), nodes[0].name, ntgts - 1, ntgts == 2 ? "" : "s");
	else
		printf("simdrive: ready on %s target %s\n", sim_target_address(tgt), nodes[0].name);
	fflush(stdout);

	rc = sim_loop_run(loop);
	if (rc < 0)
		fprintf(stderr, "simdrive: event loop: %s\n", strerror(-rc));
	rc = rc < 0 ? 1 : 0;
	SIM_INFO(SIM_LOGS_MAIN, "stopped");
out:
	sim_target_free(tgt);
	sim_control_free(ctl);
	if (sfd >= 0) {
		sim_loop_del_fd(loop, sfd);
		close(sfd);
	}
	if (loop)
		sim_loop_free(loop);
	for (size_t i = 0; i < ndevs; i++)
		sim_dev_free(nodes[i].dev);
	dl_pool_free(pool);	/* after every image was closed */
	sim_bulk_drain();
	sim_trace_close(trace);
	return rc;
}
