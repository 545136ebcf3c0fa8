/* harness/run.c - `harness run`: one process per scenario, each with its own simdrive
 * (doc/harness.md sections 3-7). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"
#include "cdsector.h"
#include "disclog.h"
#include "report.h"
#include "guest.h"
#include "guestimage.h"
#include "input.h"
#include "mmcclient.h"
#include "run.h"
#include "shard.h"
#include "scenario.h"
#include "writeengine.h"

/* ---- a growing string --------------------------------------------------------- */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 256) + (size_t)n;
		char *s = realloc(b->s, cap);
		if (!s)
			return;
		b->s = s;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ---- options ------------------------------------------------------------------- */

struct opts {
	int jobs;
	int shard_k, shard_n;
	const char *junit, *target, *keep, *simdrive, *fixtures;
	bool keep_passed;	/* keep the work directories of passing scenarios too */
	/* the guest (doc/real-programs.md) */
	enum hrn_attach attach;
	const char *accel, *kernel, *guest_cache;
};

/* ---- the context of one scenario (in its child process) ------------------------- */

struct ctx {
	const struct opts *o;
	const struct hrn_scenario *s;
	char *wd;
	struct sbuf msg;
	int failed, skipped_expect, checked_expect;
	/* drive */
	pid_t sim_pid;
	char host[64];
	int port;
	char target[256];
	char url[512];
	char image[PATH_MAX], trace[PATH_MAX], sock[PATH_MAX];
	bool embedded, sim_stopped;
	/* engine */
	disc_recorder_ex *rec;
	write_engine *we;
	imapi_timeline *tl;	/* every write and burn of the scenario: burn.svg */
	int bps, streaming, qdepth, buffer, ssps, esps, maxxfer;
	/* the last action */
	int act_line;
	const char *act_what;
	char act_what_buf[128];	/* act_what of a burn, erase or format */
	struct hrn_burn_facts burn;	/* the last burn's, for expect burn */
	hresult_t hr;
	uint8_t sense[IMAPI_SENSE_LEN];
	bool has_sense, act_failed, act_checked;
	int run_status;		/* -1: signal; -2: did not run (reported already) */
	bool run_failed, run_checked;
	int run_line;
	char run_out[PATH_MAX + 32];	/* the last run's output */
	/* the guest */
	struct hrn_guest *guest;
	bool guest_dead;
	char guest_dir[PATH_MAX];
};

static void failf(struct ctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void failf(struct ctx *c, int line, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->failed++;
	if (line > 0)
		sb_add(&c->msg, "%s:%d: %s\n", c->s->path, line, buf);
	else
		sb_add(&c->msg, "%s: %s\n", c->s->path, buf);
}

static const char *hr_name(hresult_t hr, char *buf, size_t len)
{
	const char *n = imapi_hresult_name(hr);
	if (IMAPI_HR_IS_SENSE(hr) || !n)
		snprintf(buf, len, "%s (0x%08X)", n ? n : "unknown HRESULT", (unsigned)hr);
	else
		snprintf(buf, len, "%s", n);
	return buf;
}

static const char *sense_words(const uint8_t *s, char *buf, size_t len)
{
	return imapi_sense_describe(s, IMAPI_SENSE_LEN, buf, len);
}

/* ---- simdrive ---------------------------------------------------------------------- */

/* A program of this tree: $ENV, else next to the harness in a build tree (harness/harness
 * or libtool's harness/.libs/harness: ../DIR/NAME), else installed beside it, else NAME
 * on the PATH. */
static char *find_program(const char *env, const char *dir, const char *name)
{
	const char *v = getenv(env);
	if (v && *v)
		return strdup(v);
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			char cand[PATH_MAX + 64];
			snprintf(cand, sizeof(cand), "%s/../%s/%s", self, dir, name);
			if (access(cand, X_OK) == 0)
				return strdup(cand);
			snprintf(cand, sizeof(cand), "%s/../../%s/%s", self, dir, name);
			if (strstr(self, "/.libs") && access(cand, X_OK) == 0)
				return strdup(cand);
			snprintf(cand, sizeof(cand), "%s/%s", self, name);
			if (access(cand, X_OK) == 0)
				return strdup(cand);
		}
	}
	return strdup(name);
}

static char *find_simdrive(const struct opts *o)
{
	return o->simdrive ? strdup(o->simdrive) : find_program("SIMDRIVE", "simdrive", "simdrive");
}

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = -1, rc = -1;
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out >= 0) {
		char buf[65536];
		ssize_t n;
		rc = 0;
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n) {
				rc = -1;
				break;
			}
		if (n < 0)
			rc = -1;
		close(out);
	}
	close(in);
	return rc;
}

static int sim_start(struct ctx *c)
{
	const struct hrn_scenario *s = c->s;
	char *argv[128];
	int argc = 0;
	char *bin = find_simdrive(c->o);
	char drive[PATH_MAX * 3], scale[64] = "0";
	const char *media = "none", *capacity = NULL, *tray = NULL;
	char *personality = NULL, *image_from = NULL;
	for (int i = 0; i < s->first_action; i++) {
		const struct hrn_step *st = &s->steps[i];
		if (st->kind == HRN_DRIVE)
			personality = hrn_scn_path(s, hrn_step_get(st, "personality"));
		else if (st->kind == HRN_LOAD) {
			media = hrn_step_get(st, "media");
			capacity = hrn_step_get(st, "capacity");
			tray = hrn_step_get(st, "tray");
			if (hrn_step_get(st, "image"))
				image_from = hrn_scn_path(s, hrn_step_get(st, "image"));
		} else if (st->kind == HRN_TIME_SCALE)
			snprintf(scale, sizeof(scale), "%s", hrn_step_word(st, 0));
	}
	if (image_from && copy_file(image_from, c->image) != 0) {
		failf(c, 0, "cannot copy the image %s: %s", image_from, strerror(errno));
		free(image_from);
		free(personality);
		free(bin);
		return -1;
	}
	int n = snprintf(drive, sizeof(drive), "lun=0,media=%s", media);
	if (strcmp(media, "none"))
		n += snprintf(drive + n, sizeof(drive) - (size_t)n, ",image=%s", c->image);
	if (capacity)
		n += snprintf(drive + n, sizeof(drive) - (size_t)n, ",capacity=%s", capacity);
	if (personality)
		n += snprintf(drive + n, sizeof(drive) - (size_t)n, ",personality=%s", personality);
	if (tray && !strcmp(tray, "open"))
		snprintf(drive + n, sizeof(drive) - (size_t)n, ",tray=open");
	argv[argc++] = bin;
	argv[argc++] = "--listen";
	argv[argc++] = "127.0.0.1:0";
	argv[argc++] = "--drive";
	argv[argc++] = drive;
	argv[argc++] = "--time-scale";
	argv[argc++] = scale;
	argv[argc++] = "--trace";
	argv[argc++] = c->trace;
	argv[argc++] = "--control";
	argv[argc++] = c->sock;
	for (int i = 0; i < s->first_action && argc < 120; i++)
		if (s->steps[i].kind == HRN_FAULT) {
			argv[argc++] = "--fault";
			argv[argc++] = s->steps[i].words;
		}
	argv[argc] = NULL;

	char log[PATH_MAX + 32];
	snprintf(log, sizeof(log), "%s/simdrive.log", c->wd);
	int pfd[2];
	if (pipe(pfd) != 0) {
		failf(c, 0, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		failf(c, 0, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(pfd[1], 1);
		if (lfd >= 0)
			dup2(lfd, 2);
		close(pfd[0]);
		close(pfd[1]);
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "harness: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	c->sim_pid = pid;
	/* the ready line: "simdrive: ready on 127.0.0.1:PORT target IQN" */
	char line[512];
	size_t len = 0;
	double deadline = mcc_now_s() + 30;
	bool ok = false;
	while (len < sizeof(line) - 1) {
		struct pollfd pf = { pfd[0], POLLIN, 0 };
		int left = (int)((deadline - mcc_now_s()) * 1000);
		if (left <= 0 || poll(&pf, 1, left) <= 0)
			break;
		ssize_t r = read(pfd[0], line + len, 1);
		if (r <= 0)
			break;
		if (line[len] == '\n') {
			ok = true;
			break;
		}
		len++;
	}
	line[len] = 0;
	/* keep the pipe open: simdrive's later stdout writes must not see EPIPE; it is
	 * closed when this process exits */
	if (!ok || sscanf(line, "simdrive: ready on %63[^:]:%d target %255s", c->host, &c->port,
			  c->target) != 3) {
		int st = 0;
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		c->sim_pid = 0;
		char tail[2048] = "";
		FILE *f = fopen(log, "r");
		if (f) {
			size_t got = fread(tail, 1, sizeof(tail) - 1, f);
			tail[got] = 0;
			fclose(f);
		}
		failf(c, 0, "simdrive did not start (%s): %s", line[0] ? line : "no ready line", tail);
		free(personality);
		free(image_from);
		free(bin);
		return -1;
	}
	c->embedded = true;
	snprintf(c->url, sizeof(c->url), "iscsi://%s:%d/%s/0", c->host, c->port, c->target);
	free(personality);
	free(image_from);
	free(bin);
	return 0;
}

static void sim_stop(struct ctx *c)
{
	if (!c->sim_pid || c->sim_stopped)
		return;
	c->sim_stopped = true;
	if (c->we) {
		write_engine_release(c->we);
		c->we = NULL;
	}
	if (c->rec) {
		disc_recorder_ex_release(c->rec);
		c->rec = NULL;
	}
	kill(c->sim_pid, SIGTERM);
	int st = 0;
	double deadline = mcc_now_s() + 30;
	pid_t r;
	while ((r = waitpid(c->sim_pid, &st, WNOHANG)) == 0 && mcc_now_s() < deadline)
		mcc_sleep_ms(5);
	if (r == 0) {
		kill(c->sim_pid, SIGKILL);
		waitpid(c->sim_pid, &st, 0);
		failf(c, 0, "simdrive did not stop within 30 s of SIGTERM (killed)");
	} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		failf(c, 0, "simdrive exited with %s %d on SIGTERM (see simdrive.log)",
		      WIFEXITED(st) ? "status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	c->sim_pid = 0;
}

/* One control request; reply copied into reply.  Returns 0 when the reply is "ok...". */
static int control(struct ctx *c, const char *req, char *reply, size_t cap)
{
	snprintf(reply, cap, "no reply");
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t sl = strlen(c->sock);
	if (sl >= sizeof(sa.sun_path))
		sl = sizeof(sa.sun_path) - 1;
	memcpy(sa.sun_path, c->sock, sl);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(reply, cap, "cannot connect to the control socket: %s", strerror(errno));
		close(fd);
		return -1;
	}
	char line[1100];
	int n = snprintf(line, sizeof(line), "%s\n", req);
	if (write(fd, line, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	size_t len = 0;
	while (len < cap - 1) {
		ssize_t r = read(fd, reply + len, 1);
		if (r <= 0 || reply[len] == '\n')
			break;
		len++;
	}
	reply[len] = 0;
	close(fd);
	return strncmp(reply, "ok", 2) == 0 ? 0 : -1;
}

/* ---- the engine ---------------------------------------------------------------------- */

static int need_recorder(struct ctx *c, int line)
{
	if (c->rec)
		return 0;
	if (!c->url[0]) {
		failf(c, line, "no drive to connect to");
		return -1;
	}
	hresult_t hr = disc_recorder_ex_open_iscsi(c->url, &c->rec);
	if (IMAPI_FAILED(hr)) {
		char b[128];
		failf(c, line, "cannot open the recorder at %s: %s", c->url, hr_name(hr, b, sizeof(b)));
		c->rec = NULL;
		return -1;
	}
	return 0;
}

static void set_result(struct ctx *c, int line, const char *what, hresult_t hr, const uint8_t *sense)
{
	c->act_line = line;
	c->act_what = what;
	c->hr = hr;
	c->has_sense = sense && (sense[0] & 0x7f) >= 0x70;
	if (c->has_sense)
		memcpy(c->sense, sense, IMAPI_SENSE_LEN);
	else
		memset(c->sense, 0, IMAPI_SENSE_LEN);
	c->act_failed = IMAPI_FAILED(hr) || hr == S_IMAPI_COMMAND_HAS_SENSE_DATA;
	c->act_checked = false;
}

/* An action that failed and no `expect result` looked at it. */
/* The last run's kind and the base name of its output file, for messages. */
static const char *run_kind(const struct ctx *c)
{
	return strstr(c->run_out, "/guest-") ? "guest-run" : "run";
}

static const char *run_log(const struct ctx *c)
{
	const char *b = strrchr(c->run_out, '/');
	return b ? b + 1 : c->run_out;
}

static void check_unchecked(struct ctx *c)
{
	if (c->act_failed && !c->act_checked) {
		char b[128], sw[160] = "";
		if (c->has_sense)
			sense_words(c->sense, sw, sizeof(sw));
		failf(c, c->act_line, "%s failed with %s%s%s and no 'expect result=' checks it", c->act_what,
		      hr_name(c->hr, b, sizeof(b)), c->has_sense ? ", sense " : "", sw);
		c->act_checked = true;
	}
	if (c->run_failed && !c->run_checked) {
		if (c->run_status < 0)
			failf(c, c->run_line, "run was killed by a signal and no 'expect exit=' checks it");
		else
			failf(c, c->run_line, "%s exited with status %d and no 'expect exit=' checks it (see %s)",
			      run_kind(c), c->run_status, run_log(c));
		c->run_checked = true;
	}
}

/* The write source as an IStream. */
struct src_ctx {
	struct hrn_source src;
	FILE *f;
	int64_t lba;		/* LBA of the block being produced */
	uint32_t bps, off;	/* offset within the block */
	uint8_t *block;
	uint64_t read_bytes, cancel_bytes;
	write_engine *we;
	bool cancelled;
};

/* Block lba of a generated source (zero, pattern, stamp, cd-mode1), size bytes.  cd-mode1
 * is a frame as a RAW host sends it (doc/harness.md): a Mode 1 sector of lba over
 * 2048 pattern bytes, scrambled (ECMA-130 Annex B), then in a 2368-byte block the
 * formatted P/Q and in a 2448-byte one the P-W of track 1 (INDEX 00 below LBA 0, else
 * 01; cds_sub_synth); other sizes get the frame cut or zero-filled. */
static void src_block(const struct hrn_source *src, int64_t lba, uint8_t *buf, uint32_t size)
{
	if (src->kind == HRN_SRC_PATTERN) {
		hrn_pattern_block(src->seed, lba, buf, size);
		return;
	}
	if (src->kind == HRN_SRC_STAMP) {
		hrn_stamp_block(src->seed, lba, buf, size);
		return;
	}
	memset(buf, 0, size);
	if (src->kind != HRN_SRC_CD_MODE1 || lba < CDS_LBA_MIN || lba > CDS_LBA_MAX)
		return;
	uint8_t frame[CDS_RAW_SUB_SIZE], user[CDS_USER_SIZE], chan[8][CDS_CHAN_SIZE];
	memset(frame, 0, sizeof(frame));
	hrn_pattern_block(src->seed, lba, user, sizeof(user));
	cds_make_mode1(frame, (int32_t)lba, user);
	cds_scramble(frame + CDS_OFF_HEADER, CDS_RAW_SIZE - CDS_OFF_HEADER);
	if (cds_sub_synth(chan, 4, 1, lba < 0 ? 0 : 1, (int32_t)(lba < 0 ? -lba : lba),
			  (int32_t)lba) == 0) {
		if (size == CDS_RAW_SIZE + 16) {		/* formatted P/Q */
			memcpy(frame + CDS_RAW_SIZE, chan[1], CDS_CHAN_SIZE);
			frame[CDS_RAW_SIZE + 15] = chan[0][0] & 0x80;
		} else {
			cds_sub_interleave(frame + CDS_RAW_SIZE, chan);
		}
	}
	memcpy(buf, frame, size < sizeof(frame) ? size : sizeof(frame));
}

static hresult_t src_read(void *vctx, void *buf, uint32_t len, uint32_t *got)
{
	struct src_ctx *x = vctx;
	uint8_t *out = buf;
	uint32_t done = 0;
	if (x->src.kind == HRN_SRC_FILE) {
		size_t r = fread(buf, 1, len, x->f);
		done = (uint32_t)r;
	} else {
		while (done < len) {
			if (x->off == 0)
				src_block(&x->src, x->lba, x->block, x->bps);
			uint32_t n = x->bps - x->off;
			if (n > len - done)
				n = len - done;
			memcpy(out + done, x->block + x->off, n);
			done += n;
			x->off += n;
			if (x->off == x->bps) {
				x->off = 0;
				x->lba++;
			}
		}
	}
	x->read_bytes += done;
	*got = done;
	if (x->cancel_bytes && !x->cancelled && x->read_bytes >= x->cancel_bytes) {
		x->cancelled = true;
		write_engine_cancel_write(x->we);
	}
	return S_OK;
}

static hresult_t get_nwa(struct ctx *c, int32_t *nwa, bool *valid)
{
	uint8_t *d = NULL;
	uint32_t n = 0;
	*valid = false;
	hresult_t hr = disc_recorder_ex_get_track_information(c->rec, 0xff,
			IMAPI_READ_TRACK_ADDRESS_TYPE_TRACK, &d, &n);
	if (IMAPI_SUCCEEDED(hr) && d && n >= 16 && (d[7] & 1)) {
		*nwa = (int32_t)((uint32_t)d[12] << 24 | (uint32_t)d[13] << 16 | (uint32_t)d[14] << 8 | d[15]);
		*valid = true;
	}
	imapi_free(d);
	return hr;
}

static void do_engine(struct ctx *c, const struct hrn_step *st)
{
	int64_t v;
	const char *s;
	if ((s = hrn_step_get(st, "bytes-per-sector")) && hrn_parse_int(s, 1, INT32_MAX, &v))
		c->bps = (int)v;
	if ((s = hrn_step_get(st, "streaming")))
		c->streaming = !strcmp(s, "yes");
	if ((s = hrn_step_get(st, "queue-depth")) && hrn_parse_int(s, 1, 64, &v))
		c->qdepth = (int)v;
	if ((s = hrn_step_get(st, "buffer")) && hrn_parse_size(s, &v))
		c->buffer = (int)v;
	if ((s = hrn_step_get(st, "start-sps")) && hrn_parse_int(s, -1, INT32_MAX, &v))
		c->ssps = (int)v;
	if ((s = hrn_step_get(st, "end-sps")) && hrn_parse_int(s, -1, INT32_MAX, &v))
		c->esps = (int)v;
	if ((s = hrn_step_get(st, "max-transfer")) && hrn_parse_int(s, 1, INT32_MAX, &v))
		c->maxxfer = (int)v;
}

/* The scenario's timeline, made at its first write or burn (doc/harness.md §7: the
 * burn.svg artefact).  The drive's buffer is not polled: READ BUFFER CAPACITY would
 * add commands to the ones `fault command=N` and `expect trace` count. */
static imapi_timeline *scenario_timeline(struct ctx *c)
{
	if (!c->tl && IMAPI_SUCCEEDED(imapi_timeline_create(0, &c->tl)))
		imapi_timeline_put_label(c->tl, c->s->name);
	return c->tl;
}

/* burn.svg in the work directory when the scenario wrote or burned anything. */
static void save_graph(struct ctx *c)
{
	if (!c->tl)
		return;
	imapi_timeline_summary sum;
	if (imapi_timeline_get_summary(c->tl, &sum) == S_OK && (sum.sections || sum.events)) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/burn.svg", c->wd);
		if (IMAPI_FAILED(imapi_timeline_save_svg(c->tl, path)))
			failf(c, 0, "cannot write %s: %s", path, strerror(errno));
	}
	imapi_timeline_release(c->tl);
	c->tl = NULL;
}

static void do_write(struct ctx *c, const struct hrn_step *st)
{
	if (need_recorder(c, st->line) != 0)
		return;
	hresult_t hr = S_OK;
	const char *what = "write";
	if (!c->we) {
		hr = write_engine_create(&c->we);
		if (IMAPI_SUCCEEDED(hr))
			hr = write_engine_put_recorder(c->we, c->rec);
		if (IMAPI_SUCCEEDED(hr) && scenario_timeline(c))
			hr = write_engine_put_timeline(c->we, c->tl);
		what = "write (engine setup)";
	}
	if (IMAPI_SUCCEEDED(hr) && c->maxxfer > 0) {
		hr = disc_recorder_ex_put_maximum_transfer_size(c->rec, (uint32_t)c->maxxfer);
		what = "write (max-transfer)";
	}
#define PUT(call, name) if (IMAPI_SUCCEEDED(hr)) { hr = call; what = "write (engine " name ")"; }
	PUT(write_engine_put_bytes_per_sector(c->we, c->bps), "bytes-per-sector");
	PUT(write_engine_put_use_streaming_write12(c->we, c->streaming ? IMAPI_VARIANT_TRUE : 0), "streaming");
	PUT(write_engine_put_queue_depth(c->we, c->qdepth), "queue-depth");
	if (c->buffer)
		PUT(write_engine_put_system_buffer_size(c->we, c->buffer), "buffer");
	PUT(write_engine_put_starting_sectors_per_second(c->we, c->ssps), "start-sps");
	PUT(write_engine_put_ending_sectors_per_second(c->we, c->esps), "end-sps");
#undef PUT
	if (IMAPI_FAILED(hr)) {
		set_result(c, st->line, what, hr, NULL);
		return;
	}
	int64_t blocks = 0, lba = 0, cancel = 0;
	hrn_parse_int(hrn_step_get(st, "blocks"), 1, INT32_MAX, &blocks);
	const char *ls = hrn_step_get(st, "lba");
	if (!strcmp(ls, "nwa")) {
		int32_t nwa;
		bool valid;
		hr = get_nwa(c, &nwa, &valid);
		if (!valid) {
			char b[128];
			failf(c, st->line, "write lba=nwa: the drive reports no next writable address (READ TRACK INFORMATION FFh: %s)",
			      hr_name(hr, b, sizeof(b)));
			c->act_failed = false;
			return;
		}
		lba = nwa;
	} else {
		hrn_parse_int(ls, INT32_MIN, INT32_MAX, &lba);
	}
	struct src_ctx x = { .bps = (uint32_t)c->bps, .lba = lba, .we = c->we };
	hrn_parse_source(hrn_step_get(st, "source"), &x.src);
	char *path = NULL;
	if (x.src.kind == HRN_SRC_FILE) {
		path = hrn_scn_path(c->s, x.src.file);
		x.f = path ? fopen(path, "rb") : NULL;
		if (!x.f) {
			failf(c, st->line, "cannot open the source %s: %s", path ? path : x.src.file, strerror(errno));
			free(path);
			return;
		}
	}
	x.block = malloc(x.bps);
	if (hrn_step_get(st, "cancel-after") &&
	    hrn_parse_int(hrn_step_get(st, "cancel-after"), 1, INT32_MAX, &cancel))
		x.cancel_bytes = (uint64_t)cancel * x.bps;
	imapi_stream_ops ops = { .read = src_read };
	imapi_stream *stream = NULL;
	hr = imapi_stream_from_ops(&ops, &x, &stream);
	if (IMAPI_SUCCEEDED(hr))
		hr = write_engine_write_section(c->we, stream, (int32_t)lba, (int32_t)blocks);
	imapi_stream_release(stream);
	uint8_t sense[IMAPI_SENSE_LEN];
	bool has = write_engine_get_last_sense(c->we, sense) == S_OK;
	set_result(c, st->line, "write", hr, has ? sense : NULL);
	if (x.f)
		fclose(x.f);
	free(x.block);
	free(path);
}

/* burn data / audio / raw, erase, format (harness/burn.c). */
static void do_burn(struct ctx *c, const struct hrn_step *st)
{
	if (need_recorder(c, st->line) != 0)
		return;
	if (c->maxxfer > 0) {
		hresult_t hr = disc_recorder_ex_put_maximum_transfer_size(c->rec, (uint32_t)c->maxxfer);
		if (IMAPI_FAILED(hr)) {
			set_result(c, st->line, "burn (max-transfer)", hr, NULL);
			return;
		}
	}
	struct hrn_burn_out out;
	hrn_burn_step(c->rec, c->s, st, src_block, scenario_timeline(c), &out, &c->burn);
	if (out.ran) {
		snprintf(c->act_what_buf, sizeof(c->act_what_buf), "%s", out.what);
		set_result(c, st->line, c->act_what_buf, out.hr, out.has_sense ? out.sense : NULL);
	} else {
		c->act_failed = false;	/* nothing was called: no result to check */
	}
	if (out.error[0])
		failf(c, st->line, "%s", out.error);
}

static void do_mode(struct ctx *c, const struct hrn_step *st)
{
	if (need_recorder(c, st->line) != 0)
		return;
	uint8_t *d = NULL;
	uint32_t n = 0;
	hresult_t hr = disc_recorder_ex_get_mode_page(c->rec, 0x05, IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &d, &n);
	if (IMAPI_FAILED(hr) || n < MCC_P05_MIN) {
		uint8_t sense[IMAPI_SENSE_LEN];
		bool has = disc_recorder_ex_get_last_sense(c->rec, sense) == S_OK;
		set_result(c, st->line, "mode (MODE SENSE page 05h)", IMAPI_FAILED(hr) ? hr : E_FAIL, has ? sense : NULL);
		imapi_free(d);
		return;
	}
	int64_t v;
	const char *s;
	static const char *const write_types[] = { "packet", "tao", "sao", "raw" };
	if ((s = hrn_step_get(st, "write-type"))) {
		uint8_t wt = 3;
		for (uint8_t i = 0; i < 4; i++)
			if (!strcmp(s, write_types[i]))
				wt = i;
		mcc_p05_set_write_type(d, wt);
	}
	if ((s = hrn_step_get(st, "test-write")) && hrn_parse_int(s, 0, 1, &v))
		mcc_p05_set_test_write(d, v != 0);
	if ((s = hrn_step_get(st, "bufe")) && hrn_parse_int(s, 0, 1, &v))
		mcc_p05_set_bufe(d, v != 0);
	if ((s = hrn_step_get(st, "multisession")) && hrn_parse_int(s, 0, 3, &v))
		mcc_p05_set_multisession(d, (uint8_t)v);
	if ((s = hrn_step_get(st, "fixed-packet")) && hrn_parse_int(s, 0, 1, &v))
		mcc_p05_set_fp(d, v != 0);
	if ((s = hrn_step_get(st, "track-mode")) && hrn_parse_int(s, 0, 15, &v))
		mcc_p05_set_track_mode(d, (uint8_t)v);
	if ((s = hrn_step_get(st, "data-block-type")) && hrn_parse_int(s, 0, 15, &v))
		mcc_p05_set_dbt(d, (uint8_t)v);
	if ((s = hrn_step_get(st, "link-size")) && hrn_parse_int(s, 0, 255, &v))
		mcc_p05_set_link_size(d, (uint8_t)v);
	if ((s = hrn_step_get(st, "session-format")) && hrn_parse_int(s, 0, 255, &v))
		mcc_p05_set_session_format(d, (uint8_t)v);
	if ((s = hrn_step_get(st, "packet-size")) && hrn_parse_int(s, 0, INT32_MAX, &v))
		mcc_p05_set_packet_size(d, (uint32_t)v);
	if ((s = hrn_step_get(st, "audio-pause")) && hrn_parse_int(s, 0, 65535, &v))
		mcc_p05_set_audio_pause(d, (uint16_t)v);
	hr = disc_recorder_ex_set_mode_page(c->rec, IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, d, n);
	imapi_free(d);
	uint8_t sense[IMAPI_SENSE_LEN];
	bool has = IMAPI_FAILED(hr) && disc_recorder_ex_get_last_sense(c->rec, sense) == S_OK;
	set_result(c, st->line, "mode (MODE SELECT page 05h)", hr, has ? sense : NULL);
}

enum { DIR_NONE, DIR_IN, DIR_OUT };

/* Send one CDB with the retry policy of doc/harness.md section 4. */
static hresult_t mmc_send(struct ctx *c, struct mcc_cdb cdb, int dir, uint8_t *buf,
			  uint32_t buflen, uint32_t *fetched, bool retry, uint8_t sense[IMAPI_SENSE_LEN])
{
	int ua = 0;
	double deadline = mcc_now_s() + 120;
	const uint32_t len = (uint32_t)cdb.len;
	for (;;) {
		hresult_t hr;
		uint32_t got = 0;
		if (dir == DIR_IN)
			hr = disc_recorder_ex_send_command_get_data_from_device(c->rec, cdb.b, len, sense, 0, buf, buflen, &got);
		else if (dir == DIR_OUT)
			hr = disc_recorder_ex_send_command_send_data_to_device(c->rec, cdb.b, len, sense, 0, buf, buflen);
		else
			hr = disc_recorder_ex_send_command_no_data(c->rec, cdb.b, len, sense, 0);
		if (fetched)
			*fetched = got;
		if (hr != S_IMAPI_COMMAND_HAS_SENSE_DATA || !retry)
			return hr;
		int key = sense[2] & 0x0f, asc = sense[12], ascq = sense[13];
		if (key == 6 && ua < 5) {
			ua++;
			continue;
		}
		if (key == 2 && asc == 0x04 && (ascq == 4 || ascq == 7 || ascq == 8) && mcc_now_s() < deadline) {
			mcc_sleep_ms(10);
			continue;
		}
		return hr;
	}
}

static int current_profile(struct ctx *c)
{
	imapi_profile_type *p = NULL;
	uint32_t n = 0;
	int prof = -1;
	if (IMAPI_SUCCEEDED(disc_recorder_ex_get_supported_profiles(c->rec, 1, &p, &n)) && n > 0)
		prof = p[0];
	imapi_free(p);
	return prof;
}

/* Page 05h multi-session (MODE SENSE, change, MODE SELECT back). */
static hresult_t set_multisession(struct ctx *c, uint8_t ms)
{
	uint8_t *d = NULL;
	uint32_t n = 0;
	hresult_t hr = disc_recorder_ex_get_mode_page(c->rec, IMAPI_MODE_PAGE_TYPE_WRITE_PARAMETERS,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &d, &n);
	if (IMAPI_SUCCEEDED(hr) && n < MCC_P05_MIN)
		hr = E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	if (IMAPI_SUCCEEDED(hr)) {
		mcc_p05_set_multisession(d, ms);
		hr = disc_recorder_ex_set_mode_page(c->rec, IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, d, n);
	}
	imapi_free(d);
	return hr;
}

static int hexbytes(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s) / 2;
	if (n > cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)n;
}

static void do_mmc(struct ctx *c, const struct hrn_step *st)
{
	if (need_recorder(c, st->line) != 0)
		return;
	const char *sub = st->sub;
	bool retry = !hrn_step_get(st, "retry") || !strcmp(hrn_step_get(st, "retry"), "yes");
	struct mcc_cdb cdb = { .len = 10 };
	uint8_t sense[IMAPI_SENSE_LEN] = { 0 };
	int dir = DIR_NONE;
	uint8_t *buf = NULL;
	uint32_t buflen = 0;
	int64_t v = 0;
	char what[64];
	snprintf(what, sizeof(what), "mmc %s", sub);
	hresult_t hr;
	if (!strcmp(sub, "close-track")) {
		hrn_parse_int(hrn_step_word(st, 0), 0, 65535, &v);
		cdb = mcc_cdb_close_track_session(false, MCC_CLOSE_TRACK, (uint16_t)v);
	} else if (!strcmp(sub, "close-session")) {
		cdb = mcc_cdb_close_track_session(false, MCC_CLOSE_SESSION, 0);
	} else if (!strcmp(sub, "finalize")) {
		if (hrn_step_get(st, "function")) {
			hrn_parse_int(hrn_step_get(st, "function"), 0, 7, &v);
		} else {
			/* The one close policy (mmccdb.h), as wengine and the format layer. */
			struct mcc_close_plan plan;
			mcc_close_plan(current_profile(c), true, true, &plan);
			if (plan.set_multisession &&
			    IMAPI_FAILED(hr = set_multisession(c, plan.multisession))) {
				set_result(c, st->line, "mmc finalize (page 05h multi-session)", hr, NULL);
				return;
			}
			v = plan.function;
		}
		cdb = mcc_cdb_close_track_session(false, (uint8_t)v, 0);
	} else if (!strcmp(sub, "sync")) {
		cdb = mcc_cdb_synchronize_cache(false);
	} else if (!strcmp(sub, "blank")) {
		cdb = mcc_cdb_blank(false, !strcmp(hrn_step_word(st, 0), "minimal") ? 1 : 0);
	} else if (!strcmp(sub, "format")) {
		int type;
		if (hrn_step_get(st, "type")) {
			unsigned t;
			sscanf(hrn_step_get(st, "type"), "%x", &t);
			type = (int)t;
		} else {
			struct mcc_data_plan plan;	/* the format type of the burn policy */
			mcc_data_plan(current_profile(c), &plan);
			type = plan.format_type;
		}
		uint8_t caps[252];
		uint32_t got = 0, blocks, fparam;
		hr = mmc_send(c, mcc_cdb_read_format_capacities(sizeof(caps)), DIR_IN, caps, sizeof(caps),
			      &got, retry, sense);
		if (hr != S_OK) {
			set_result(c, st->line, "mmc format (READ FORMAT CAPACITIES)", hr, sense);
			return;
		}
		if (!mcc_format_offer(caps, (int)got, (uint8_t)type, &blocks, &fparam)) {
			failf(c, st->line, "mmc format: the drive offers no format type %02Xh (READ FORMAT CAPACITIES)", type);
			return;
		}
		/* The descriptor as READ FORMAT CAPACITIES offered it: blocks, type parameter. */
		static uint8_t param[MCC_FORMAT_LIST_LEN];
		mcc_format_list(param, 0, blocks, (uint8_t)type, fparam);
		cdb = mcc_cdb_format_unit();
		dir = DIR_OUT;
		buf = param;
		buflen = sizeof(param);
	} else if (!strcmp(sub, "reserve")) {
		hrn_parse_int(hrn_step_word(st, 0), 1, INT32_MAX, &v);
		cdb = mcc_cdb_reserve_track((uint32_t)v);
	} else if (!strcmp(sub, "set-speed")) {
		const char *w = hrn_step_word(st, 0);
		v = 0xffff;
		if (strcmp(w, "max"))
			hrn_parse_int(w, 1, 65535, &v);
		cdb = mcc_cdb_set_cd_speed(0xffff, (uint16_t)v);
	} else if (!strcmp(sub, "send-cue")) {
		char *path = hrn_scn_path(c->s, hrn_step_word(st, 0));
		FILE *f = path ? fopen(path, "rb") : NULL;
		static uint8_t cue[65536];
		size_t n = f ? fread(cue, 1, sizeof(cue), f) : 0;
		if (f)
			fclose(f);
		if (!f || n == 0) {
			failf(c, st->line, "mmc send-cue: cannot read %s", path ? path : "?");
			free(path);
			return;
		}
		free(path);
		cdb = mcc_cdb_send_cue_sheet((uint32_t)n);
		dir = DIR_OUT;
		buf = cue;
		buflen = (uint32_t)n;
	} else if (!strcmp(sub, "eject") || !strcmp(sub, "load")) {
		cdb = mcc_cdb_start_stop_unit(true, strcmp(sub, "eject") != 0);
	} else { /* cdb */
		cdb.len = hexbytes(hrn_step_word(st, 0), cdb.b, sizeof(cdb.b));
		static uint8_t data[65536];
		if (hrn_step_get(st, "in") && hrn_parse_int(hrn_step_get(st, "in"), 1, 65535, &v)) {
			dir = DIR_IN;
			buf = data;
			buflen = (uint32_t)v;
		} else if (hrn_step_get(st, "out")) {
			int m = hexbytes(hrn_step_get(st, "out"), data, sizeof(data));
			dir = DIR_OUT;
			buf = data;
			buflen = (uint32_t)m;
		}
	}
	uint32_t got = 0;
	hr = mmc_send(c, cdb, dir, buf, buflen, &got, retry, sense);
	set_result(c, st->line, strdup(what), hr, hr == S_IMAPI_COMMAND_HAS_SENSE_DATA ? sense : NULL);
}

static void do_run(struct ctx *c, const struct hrn_step *st)
{
	const char *tmpl = hrn_step_word(st, 0);
	struct sbuf cmd = { 0 };
	for (const char *p = tmpl; *p; p++) {
		if (p[0] == '{' && p[1] == '{') {
			sb_add(&cmd, "{");
			p++;
			continue;
		}
		if (*p != '{') {
			sb_add(&cmd, "%c", *p);
			continue;
		}
		const char *e = strchr(p, '}');
		if (!e) {
			sb_add(&cmd, "%s", p);
			break;
		}
		char name[32];
		snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
		if (!strcmp(name, "url")) sb_add(&cmd, "%s", c->url);
		else if (!strcmp(name, "portal")) sb_add(&cmd, "%s:%d", c->host, c->port);
		else if (!strcmp(name, "host")) sb_add(&cmd, "%s", c->host);
		else if (!strcmp(name, "port")) sb_add(&cmd, "%d", c->port);
		else if (!strcmp(name, "target")) sb_add(&cmd, "%s", c->target);
		else if (!strcmp(name, "lun")) sb_add(&cmd, "0");
		else if (!strcmp(name, "image")) sb_add(&cmd, "%s", c->image);
		else if (!strcmp(name, "workdir")) sb_add(&cmd, "%s", c->wd);
		else if (!strcmp(name, "fixtures")) sb_add(&cmd, "%s", c->s->fixtures ? c->s->fixtures : "fixtures");
		else if (!strcmp(name, "scndir")) sb_add(&cmd, "%s", c->s->dir);
		else if (!strcmp(name, "guest-port") || !strcmp(name, "guest-portal")) {
			/* the host's end of the guest line's forward= port (doc/harness.md) */
			int gp = c->guest ? hrn_guest_forwarded_port(c->guest) : 0;
			if (!gp) {
				failf(c, st->line, "run: {%s} needs a guest that is up with a forwarded port "
					"('guest forward=PORT' and a 'guest-run' before this line)", name);
				free(cmd.s);
				c->run_line = st->line;
				c->run_checked = true;
				c->run_status = -2;
				c->run_failed = false;
				c->run_out[0] = 0;
				return;
			}
			if (!strcmp(name, "guest-portal"))
				sb_add(&cmd, "127.0.0.1:%d", gp);
			else
				sb_add(&cmd, "%d", gp);
		} else sb_add(&cmd, "{%s}", name);
		p = e;
	}
	int64_t tmo = 300000000;
	if (hrn_step_get(st, "timeout"))
		hrn_parse_duration_us(hrn_step_get(st, "timeout"), &tmo);
	char log[PATH_MAX + 32];
	snprintf(log, sizeof(log), "%s/run-%d.log", c->wd, st->line);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (chdir(c->wd) != 0)
			_exit(126);
		/* The command may start simdrive itself (a drive that refuses its medium at
		 * start cannot be the scenario's drive): $SIMDRIVE names the one in use. */
		char *bin = find_simdrive(c->o);
		if (bin)
			setenv("SIMDRIVE", bin, 1);
		/* and the build's clients, for a command that drives a target of its own (the
		 * guest's tgtd, doc/real-burners.md) */
		static const char *const tools[][3] = { { "WENGINE", "engine", "wengine" },
							{ "DISCLOG", "disclog", "disclog" },
							{ "HARNESS", "harness", "harness" } };
		for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
			char *t = find_program(tools[i][0], tools[i][1], tools[i][2]);
			if (t)
				setenv(tools[i][0], t, 1);
		}
		execl("/bin/sh", "sh", "-c", cmd.s ? cmd.s : "", (char *)NULL);
		_exit(127);
	}
	free(cmd.s);
	int status = 0;
	double deadline = mcc_now_s() + (double)tmo / 1e6;
	pid_t r;
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && mcc_now_s() < deadline)
		mcc_sleep_ms(5);
	c->run_line = st->line;
	c->run_checked = false;
	snprintf(c->run_out, sizeof(c->run_out), "%s", log);
	if (r == 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		failf(c, st->line, "run: still running after the timeout; killed (see run-%d.log)", st->line);
		c->run_status = -1;
		c->run_failed = false;
		return;
	}
	c->run_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	c->run_failed = c->run_status != 0;
}

/* ---- the guest (doc/real-programs.md) ---------------------------------------------- */

/* Why a scenario with a guest line cannot run here (it is then skipped), or NULL. */
static const char *guest_skip(struct ctx *c, const struct hrn_step *gl, char *buf, size_t len)
{
	const char *modes = hrn_step_get(gl, "modes");
	const char *want = c->o->attach == HRN_ATTACH_ISCSI ? "iscsi" : "passthrough";
	if (!modes)
		modes = "passthrough";
	bool found = false;
	for (const char *m = modes; *m;) {
		size_t n = strcspn(m, ",");
		found |= n == strlen(want) && !strncmp(m, want, n);
		m += n + (m[n] ? 1 : 0);
	}
	if (!found) {
		snprintf(buf, len, "runs with attach %s, not %s", modes, want);
		return buf;
	}
	struct hrn_guest_opts go = { .kernel = c->o->kernel };
	if (hrn_guest_unavailable(&go, buf, len))
		return buf;
	const char *needs = hrn_step_get(gl, "needs");
	char missing[512] = "";
	for (const char *m = needs ? needs : ""; *m;) {
		size_t n = strcspn(m, ",");
		char prog[128];
		snprintf(prog, sizeof(prog), "%.*s", (int)n, m);
		if (n && !hrn_gimg_have_program(prog))
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), " %s", prog);
		m += n + (m[n] ? 1 : 0);
	}
	if (missing[0]) {
		snprintf(buf, len, "not installed on this host:%s", missing);
		return buf;
	}
	return NULL;
}

static void do_input(struct ctx *c, const struct hrn_step *st)
{
	char err[1024] = "";
	if (hrn_input_make(c->s, st, c->guest_dir, err, sizeof(err)) != 0)
		failf(c, st->line, "input %s: %s", hrn_step_word(st, 0), err);
}

static int guest_boot(struct ctx *c, int line)
{
	if (c->guest)
		return 0;
	if (c->guest_dead) {
		failf(c, line, "guest-run: the guest is gone (see console.log)");
		return -1;
	}
	const struct hrn_step *gl = NULL;
	for (int i = 0; i < c->s->first_action; i++)
		if (c->s->steps[i].kind == HRN_GUEST)
			gl = &c->s->steps[i];
	int64_t mem = 512 << 20;
	if (gl && hrn_step_get(gl, "memory"))
		hrn_parse_size(hrn_step_get(gl, "memory"), &mem);
	char console[PATH_MAX + 32];
	snprintf(console, sizeof(console), "%s/console.log", c->wd);
	struct hrn_guest_opts go = {
		.attach = c->o->attach, .accel = c->o->accel, .kernel = c->o->kernel,
		.cache_dir = c->o->guest_cache, .shared_dir = c->guest_dir, .console = console,
		.host = c->host, .port = c->port, .target = c->target, .lun = 0,
		.memory_mb = (int)(mem >> 20),
	};
	int64_t fwd = 0;
	if (gl && hrn_step_get(gl, "forward") && hrn_parse_int(hrn_step_get(gl, "forward"), 1, 65535, &fwd))
		go.forward_port = (int)fwd;
	char err[4096];
	if (hrn_guest_start(&go, &c->guest, err, sizeof(err)) != 0) {
		c->guest_dead = true;
		/* QEMU's iSCSI block driver opens a LUN only when READ CAPACITY answers GOOD
		 * (it retries unit attentions only): no empty or open drive at boot */
		failf(c, line, "guest: %s%s", err,
		      strstr(err, "readcapacity") ? " (passthrough needs a disc in the closed tray when the guest "
						    "boots: eject it later with control \"eject 0\", or use --attach iscsi)" : "");
		return -1;
	}
	sb_add(&c->msg, "guest: ready in %.2f s (%s, %s, initramfs %s)\n", hrn_guest_boot_seconds(c->guest),
	       hrn_guest_accel(c->guest), c->o->attach == HRN_ATTACH_ISCSI ? "iscsi" : "passthrough",
	       hrn_guest_image_cached(c->guest) ? "cached" : "built");
	if (go.forward_port > 0)
		sb_add(&c->msg, "guest: its port %d is 127.0.0.1:%d\n", go.forward_port,
		       hrn_guest_forwarded_port(c->guest));
	return 0;
}

static void guest_stop(struct ctx *c)
{
	if (!c->guest)
		return;
	char err[512];
	if (hrn_guest_stop(c->guest, err, sizeof(err)) != 0)
		failf(c, 0, "guest: %s (see console.log)", err);
	c->guest = NULL;
}

static void do_guest_run(struct ctx *c, const struct hrn_step *st)
{
	c->run_line = st->line;
	c->run_checked = false;
	c->run_status = -1;
	c->run_failed = false;
	c->run_out[0] = 0;
	if (guest_boot(c, st->line) != 0)
		return;
	int64_t tmo = 300000000;
	if (hrn_step_get(st, "timeout"))
		hrn_parse_duration_us(hrn_step_get(st, "timeout"), &tmo);
	char out[PATH_MAX + 32], err[1024];
	int status;
	double t0 = mcc_now_s();
	if (hrn_guest_exec(c->guest, hrn_step_word(st, 0), tmo, &status, out, sizeof(out), err, sizeof(err)) != 0) {
		failf(c, st->line, "guest-run: %s (see console.log)", err);
		hrn_guest_stop(c->guest, err, sizeof(err));
		c->guest = NULL;
		c->guest_dead = true;
		return;
	}
	/* the output under a name that says which line made it */
	snprintf(c->run_out, sizeof(c->run_out), "%s/guest-%d.log", c->wd, st->line);
	if (rename(out, c->run_out) != 0)
		snprintf(c->run_out, sizeof(c->run_out), "%s", out);
	if (status == 137 && mcc_now_s() - t0 >= (double)tmo / 1e6) {
		failf(c, st->line, "guest-run: still running after the timeout; killed (see guest-%d.log)", st->line);
		c->run_checked = true;
		return;
	}
	c->run_status = status;
	c->run_failed = status != 0;
}

static void expect_output(struct ctx *c, const struct hrn_step *st)
{
	if (c->run_status == -2)
		return;		/* the command did not run: its line failed already */
	FILE *f = c->run_out[0] ? fopen(c->run_out, "r") : NULL;
	struct sbuf text = { 0 };
	char buf[8192];
	size_t n;
	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		for (size_t i = 0; i < n; i++)	/* binary output: a NUL byte counts as a blank */
			if (!buf[i])
				buf[i] = ' ';
		sb_add(&text, "%.*s", (int)n, buf);
	}
	if (f)
		fclose(f);
	const char *t = text.s ? text.s : "";
	const char *base = strrchr(c->run_out, '/');
	base = base ? base + 1 : "no output";
	const char *v;
	if ((v = hrn_step_get(st, "contains")) && !strstr(t, v))
		failf(c, st->line, "expect output contains=\"%s\": not in the output of line %d (%s)", v, c->run_line,
		      base);
	if ((v = hrn_step_get(st, "lacks")) && strstr(t, v))
		failf(c, st->line, "expect output lacks=\"%s\": found in the output of line %d (%s)", v, c->run_line,
		      base);
	if ((v = hrn_step_get(st, "matches"))) {
		regex_t re;
		if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) == 0) {
			if (regexec(&re, t, 0, NULL, 0) != 0)
				failf(c, st->line, "expect output matches=\"%s\": no line of the output of line %d (%s) matches",
				      v, c->run_line, base);
			regfree(&re);
		}
	}
	free(text.s);
}

/* ---- in-place expectations -------------------------------------------------------- */

static void expect_result(struct ctx *c, const struct hrn_step *st)
{
	c->act_checked = true;
	const char *want = hrn_step_get(st, "result");
	char b[128];
	const char *name = imapi_hresult_name(c->hr);
	bool ok;
	if (!strncmp(want, "0x", 2) || !strncmp(want, "0X", 2))
		ok = (uint32_t)strtoul(want + 2, NULL, 16) == (uint32_t)c->hr;
	else
		ok = name && !IMAPI_HR_IS_SENSE(c->hr) && !strcmp(name, want);
	if (!ok) {
		char sw[160] = "";
		if (c->has_sense)
			sense_words(c->sense, sw, sizeof(sw));
		failf(c, st->line, "expect result=%s: %s (line %d) gave %s%s%s", want, c->act_what, c->act_line,
		      hr_name(c->hr, b, sizeof(b)), c->has_sense ? ", sense " : "", sw);
		return;
	}
	const char *ws = hrn_step_get(st, "sense");
	if (ws) {
		int k, a, q;
		bool none;
		hrn_parse_sense(ws, &k, &a, &q, &none);
		if (none && c->has_sense) {
			char sw[160];
			failf(c, st->line, "expect result sense=none: %s (line %d) came with sense %s", c->act_what,
			      c->act_line, sense_words(c->sense, sw, sizeof(sw)));
		} else if (!none && (!c->has_sense || (c->sense[2] & 0xf) != k || c->sense[12] != a ||
				     c->sense[13] != q)) {
			char sw[160] = "no sense";
			if (c->has_sense)
				sense_words(c->sense, sw, sizeof(sw));
			failf(c, st->line, "expect result sense=%X/%02X/%02X: %s (line %d) gave %s", k, a, q,
			      c->act_what, c->act_line, sw);
		}
	}
}

static void expect_exit(struct ctx *c, const struct hrn_step *st)
{
	c->run_checked = true;
	if (c->run_status == -2)
		return;		/* the command did not run: its line failed already */
	const char *want = hrn_step_get(st, "exit");
	if (!strcmp(want, "signal")) {
		if (c->run_status != -1)
			failf(c, st->line, "expect exit=signal: run (line %d) exited with status %d", c->run_line,
			      c->run_status);
		return;
	}
	int64_t w;
	hrn_parse_int(want, 0, 255, &w);
	if (c->run_status != w) {
		if (c->run_status < 0)
			failf(c, st->line, "expect exit=%lld: %s (line %d) was killed by a signal (see %s)", (long long)w,
			      run_kind(c), c->run_line, run_log(c));
		else
			failf(c, st->line, "expect exit=%lld: %s (line %d) exited with status %d (see %s)", (long long)w,
			      run_kind(c), c->run_line, c->run_status, run_log(c));
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Compare an integer key: returns false (and reports) on mismatch. */
static void cmp_int(struct ctx *c, const struct hrn_step *st, const char *what, const char *key,
		    int64_t found, bool found_valid)
{
	const char *w = hrn_step_get(st, key);
	if (!w)
		return;
	if (!strcmp(w, "none")) {
		if (found_valid)
			failf(c, st->line, "%s %s=none: found %lld", what, key, (long long)found);
		return;
	}
	int64_t v;
	hrn_parse_int(w, INT64_MIN, INT64_MAX, &v);
	if (!found_valid)
		failf(c, st->line, "%s %s=%lld: found none", what, key, (long long)v);
	else if (v != found)
		failf(c, st->line, "%s %s=%lld: found %lld", what, key, (long long)v, (long long)found);
}

static void cmp_word(struct ctx *c, const struct hrn_step *st, const char *what, const char *key,
		     const char *found)
{
	const char *w = hrn_step_get(st, key);
	if (w && strcmp(w, found))
		failf(c, st->line, "%s %s=%s: found %s", what, key, w, found);
}

static void expect_disc(struct ctx *c, const struct hrn_step *st)
{
	if (need_recorder(c, st->line) != 0)
		return;
	uint8_t *d = NULL;
	uint32_t n = 0;
	hresult_t hr = disc_recorder_ex_get_disc_information(c->rec, &d, &n);
	if (IMAPI_FAILED(hr) || n < 12) {
		char b[128];
		failf(c, st->line, "expect disc: READ DISC INFORMATION failed: %s", hr_name(hr, b, sizeof(b)));
		imapi_free(d);
		return;
	}
	static const char *const status[] = { "blank", "appendable", "complete", "other" };
	static const char *const ls[] = { "empty", "incomplete", "damaged", "complete" };
	cmp_word(c, st, "expect disc", "status", status[d[2] & 3]);
	cmp_word(c, st, "expect disc", "last-session", ls[(d[2] >> 2) & 3]);
	cmp_word(c, st, "expect disc", "erasable", d[2] & 0x10 ? "yes" : "no");
	cmp_int(c, st, "expect disc", "sessions", d[4] | d[9] << 8, true);
	cmp_int(c, st, "expect disc", "tracks", d[6] | d[11] << 8, true);
	imapi_free(d);
	if (hrn_step_get(st, "nwa")) {
		int32_t nwa = 0;
		bool valid;
		get_nwa(c, &nwa, &valid);
		cmp_int(c, st, "expect disc", "nwa", nwa, valid);
	}
}

static void expect_track(struct ctx *c, const struct hrn_step *st)
{
	if (need_recorder(c, st->line) != 0)
		return;
	int64_t num;
	hrn_parse_int(hrn_step_word(st, 0), 1, 65535, &num);
	uint8_t *d = NULL;
	uint32_t n = 0;
	hresult_t hr = disc_recorder_ex_get_track_information(c->rec, (uint32_t)num,
			IMAPI_READ_TRACK_ADDRESS_TYPE_TRACK, &d, &n);
	char what[64];
	snprintf(what, sizeof(what), "expect track %lld", (long long)num);
	if (IMAPI_FAILED(hr) || n < 32) {
		char b[128], sw[160] = "";
		uint8_t sense[IMAPI_SENSE_LEN];
		if (disc_recorder_ex_get_last_sense(c->rec, sense) == S_OK)
			sense_words(sense, sw, sizeof(sw));
		failf(c, st->line, "%s: READ TRACK INFORMATION failed: %s %s", what, hr_name(hr, b, sizeof(b)), sw);
		imapi_free(d);
		return;
	}
	const char *state = (d[6] & 0x80) ? "reserved" : (d[6] & 0x40) ? "blank" : (d[7] & 1) ? "incomplete" : "complete";
	cmp_word(c, st, what, "state", state);
	cmp_int(c, st, what, "session", d[3] | (n > 33 ? d[33] << 8 : 0), true);
	cmp_int(c, st, what, "start", (int32_t)be32(d + 8), true);
	cmp_int(c, st, what, "size", be32(d + 24), true);
	cmp_int(c, st, what, "nwa", (int32_t)be32(d + 12), d[7] & 1);
	cmp_int(c, st, what, "free", be32(d + 16), true);
	cmp_int(c, st, what, "last-recorded", (int32_t)be32(d + 28), d[7] & 2);
	cmp_int(c, st, what, "mode", d[5] & 0x0f, true);
	cmp_int(c, st, what, "data-mode", d[6] & 0x0f, true);
	cmp_int(c, st, what, "packet", (d[6] >> 5) & 1, true);
	cmp_int(c, st, what, "fixed-packet", (d[6] >> 4) & 1, true);
	cmp_int(c, st, what, "packet-size", be32(d + 20), true);
	imapi_free(d);
}

/* The last burn's facts (harness/burn.c). */
static void expect_burn(struct ctx *c, const struct hrn_step *st)
{
	static const char *const kinds[] = { "none", "data", "audio", "raw" };
	const struct hrn_burn_facts *f = &c->burn;
	char what[64];
	if (f->kind == HRN_BURN_NONE) {
		failf(c, st->line, "expect burn: no burn has run");
		return;
	}
	snprintf(what, sizeof(what), "expect burn (burn %s, line %d)", kinds[f->kind], f->line);
	/* the keys each kind knows: data all but tracks and leadout; audio start sectors
	 * tracks stages; raw start sectors tracks leadout stages */
	static const char *const data_only[] = { "verified", "write-type", "close-function", "mismatch" };
	for (size_t i = 0; i < sizeof(data_only) / sizeof(data_only[0]); i++)
		if (f->kind != HRN_BURN_DATA && hrn_step_get(st, data_only[i]))
			failf(c, st->line, "%s %s=%s: a burn %s does not report it (burn data does)", what,
			      data_only[i], hrn_step_get(st, data_only[i]), kinds[f->kind]);
	if (f->kind == HRN_BURN_DATA && hrn_step_get(st, "tracks"))
		failf(c, st->line, "%s tracks=%s: a burn data writes one track (burn audio and burn raw report tracks)",
		      what, hrn_step_get(st, "tracks"));
	if (f->kind != HRN_BURN_RAW && hrn_step_get(st, "leadout"))
		failf(c, st->line, "%s leadout=%s: only a burn raw has one (StartOfLeadout)", what,
		      hrn_step_get(st, "leadout"));
	cmp_int(c, st, what, "start", f->start, f->have_start);
	cmp_int(c, st, what, "sectors", f->sectors, true);
	if (f->kind == HRN_BURN_DATA) {
		static const char *const wt[] = { "packet", "tao", "sao", "raw" };
		cmp_int(c, st, what, "verified", f->verified, true);
		cmp_word(c, st, what, "write-type", f->write_type >= 0 && f->write_type < 4 ? wt[f->write_type] : "none");
		cmp_int(c, st, what, "close-function", f->close_function, true);
		cmp_int(c, st, what, "mismatch", f->mismatch, f->mismatch >= 0);
	} else {
		cmp_int(c, st, what, "tracks", f->tracks, true);
	}
	if (f->kind == HRN_BURN_RAW)
		cmp_int(c, st, what, "leadout", f->leadout, f->have_leadout);
	const char *want = hrn_step_get(st, "stages");
	if (want) {
		struct sbuf got = { 0 };
		for (int i = 0; i < f->nstages; i++)
			sb_add(&got, "%s%d", i ? "," : "", f->stages[i]);
		if (f->stages_overflow)
			sb_add(&got, ",...");
		/* as numbers: "04" is 4 */
		bool same = !f->stages_overflow;
		int i = 0;
		for (const char *w = want; same && *w; i++) {
			int64_t v;
			char item[32];
			size_t n = strcspn(w, ",");
			snprintf(item, sizeof(item), "%.*s", (int)n, w);
			same = hrn_parse_int(item, 0, 7, &v) && i < f->nstages && v == f->stages[i];
			w += n + (w[n] ? 1 : 0);
		}
		if (!same || i != f->nstages)
			failf(c, st->line, "%s stages=%s: the Update handler saw %s", what, want,
			      got.s ? got.s : "no stage");
		free(got.s);
	}
}

/* ---- final expectations: image ------------------------------------------------------ */

/* A scenario's file: "guest:NAME" is NAME in the guest directory (an input, or what a
 * guest command wrote to /host); anything else as hrn_scn_path. */
static char *scn_file(const struct ctx *c, const char *p)
{
	char *out = NULL;
	if (!strncmp(p, "guest:", 6))
		return asprintf(&out, "%s/%s", c->guest_dir, p + 6) < 0 ? NULL : out;
	return hrn_scn_path(c->s, p);
}

static void expect_blocks(struct ctx *c, const struct hrn_step *st)
{
	int64_t a, b, size = 0;
	hrn_parse_range(hrn_step_get(st, "lba"), &a, &b);
	if (hrn_step_get(st, "size"))
		hrn_parse_int(hrn_step_get(st, "size"), 1, 65536, &size);
	struct dl_error err;
	struct dl_reader *r = dl_reader_open(c->image, 0, &err);
	if (!r) {
		failf(c, st->line, "expect blocks: cannot open the image: %s", err.msg);
		return;
	}
	bool want_absent = hrn_step_get(st, "recorded") != NULL;
	int64_t bytes = 0;	/* compare only the first bytes of each block (0: all) */
	if (hrn_step_get(st, "bytes"))
		hrn_parse_int(hrn_step_get(st, "bytes"), 1, 65536, &bytes);
	struct hrn_source src;
	if (!want_absent)
		hrn_parse_source(hrn_step_get(st, "equal"), &src);
	FILE *f = NULL;
	char *path = NULL;
	if (!want_absent && src.kind == HRN_SRC_FILE) {
		path = scn_file(c, src.file);
		f = path ? fopen(path, "rb") : NULL;
		if (!f) {
			failf(c, st->line, "expect blocks: cannot open %s: %s", path ? path : src.file, strerror(errno));
			free(path);
			dl_reader_close(r);
			return;
		}
		if (b == HRN_RANGE_END) {
			/* the file's length ends the range */
			struct stat sb;
			int64_t bs = bytes ? bytes : size ? size : 2048;
			fstat(fileno(f), &sb);
			b = a + (sb.st_size + bs - 1) / bs - 1;
			if (b < a) {
				failf(c, st->line, "expect blocks lba=%lld..end: %s is empty", (long long)a, path);
				b = a;
			}
		}
	}
	uint8_t *got = malloc(65536), *exp = malloc(65536);
	for (int64_t lba = a; lba <= b; lba++) {
		if (want_absent) {
			struct dl_data_meta m;
			if (dl_reader_block_meta(r, (int32_t)lba, &m, &err) == 0) {
				failf(c, st->line, "expect blocks lba=%lld..%lld recorded=no: LBA %lld is recorded (record of %u blocks from LBA %d, block size %u)",
				      (long long)a, (long long)b, (long long)lba, m.count, m.lba, m.block_size);
				break;
			}
			continue;
		}
		long n = dl_reader_read(r, (int32_t)lba, 1, got, 65536, &err);
		if (n < 0) {
			if (n == DL_ERANGE)
				failf(c, st->line, "expect blocks lba=%lld..%lld: LBA %lld is not recorded (first missing block)",
				      (long long)a, (long long)b, (long long)lba);
			else
				failf(c, st->line, "expect blocks: reading LBA %lld: %s", (long long)lba, err.msg);
			break;
		}
		if (size && n != size) {
			failf(c, st->line, "expect blocks lba=%lld..%lld size=%lld: LBA %lld has %ld bytes",
			      (long long)a, (long long)b, (long long)size, (long long)lba, n);
			break;
		}
		if (bytes > n) {
			failf(c, st->line, "expect blocks lba=%lld..%lld bytes=%lld: LBA %lld has %ld bytes",
			      (long long)a, (long long)b, (long long)bytes, (long long)lba, n);
			break;
		}
		if (bytes)
			n = (long)bytes;
		if (src.kind != HRN_SRC_FILE)
			src_block(&src, lba, exp, (uint32_t)n);
		else {
			memset(exp, 0, (size_t)n);
			ssize_t rd = pread(fileno(f), exp, (size_t)n, (off_t)((lba - a) * n));
			if (rd != n) {
				failf(c, st->line, "expect blocks: %s ends before LBA %lld (block %lld of the file)",
				      path, (long long)lba, (long long)(lba - a));
				break;
			}
		}
		if (memcmp(got, exp, (size_t)n)) {
			long i = 0;
			while (got[i] == exp[i])
				i++;
			failf(c, st->line, "expect blocks lba=%lld..%lld equal=%s: first difference at LBA %lld byte %ld (of %ld): expected 0x%02x, found 0x%02x",
			      (long long)a, (long long)b, hrn_step_get(st, "equal"), (long long)lba, i, n, exp[i], got[i]);
			break;
		}
	}
	free(got);
	free(exp);
	if (f)
		fclose(f);
	free(path);
	dl_reader_close(r);
}

static void expect_record(struct ctx *c, const struct hrn_step *st)
{
	int64_t lba;
	hrn_parse_int(hrn_step_get(st, "lba"), INT32_MIN, INT32_MAX, &lba);
	struct dl_error err;
	struct dl_reader *r = dl_reader_open(c->image, 0, &err);
	if (!r) {
		failf(c, st->line, "expect record: cannot open the image: %s", err.msg);
		return;
	}
	struct dl_data_meta m;
	char what[64];
	snprintf(what, sizeof(what), "expect record lba=%lld", (long long)lba);
	if (dl_reader_block_meta(r, (int32_t)lba, &m, &err) != 0) {
		failf(c, st->line, "%s: LBA %lld is not recorded", what, (long long)lba);
		dl_reader_close(r);
		return;
	}
	static const char *const wt[] = { "packet", "tao", "sao", "raw" };
	char op[32];
	if (m.opcode == MCC_OP_WRITE10 || m.opcode == MCC_OP_WRITE12)
		snprintf(op, sizeof(op), "%s", mcc_op_name(m.opcode));
	else
		snprintf(op, sizeof(op), "opcode %02Xh", m.opcode);
	cmp_int(c, st, what, "block-size", m.block_size, true);
	cmp_word(c, st, what, "write-type", m.write_type < 4 ? wt[m.write_type] : "none");
	cmp_int(c, st, what, "data-block-type", m.data_block_type, m.data_block_type != DL_NA);
	cmp_word(c, st, what, "opcode", op);
	cmp_word(c, st, what, "streaming", m.flags & DL_FLAG_STREAMING ? "yes" : "no");
	cmp_word(c, st, what, "test-write", m.flags & DL_FLAG_TEST_WRITE ? "yes" : "no");
	cmp_word(c, st, what, "pow", m.flags & DL_FLAG_POW ? "yes" : "no");
	cmp_int(c, st, what, "track", m.track, true);
	cmp_int(c, st, what, "session", m.session, true);
	dl_reader_close(r);
}

/* ---- final expectations: trace ------------------------------------------------------ */

struct trec {
	char *line;
	char op[64], status[32], sense[16];
	int64_t vtime;
	bool deferred;
};

struct trace {
	struct trec *r;
	size_t n;
	bool loaded, ok;
};

/* The JSON value of "key": strings unescaped (\" and \\ only; the trace has no others
 * in the fields used here), numbers and literals as text. */
static bool json_get(const char *line, const char *key, char *out, size_t cap)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	size_t n = 0;
	if (*p == '"') {
		p++;
		while (*p && *p != '"' && n + 1 < cap) {
			if (*p == '\\' && p[1])
				p++;
			out[n++] = *p++;
		}
	} else {
		while (*p && *p != ',' && *p != '}' && n + 1 < cap)
			out[n++] = *p++;
	}
	out[n] = 0;
	return true;
}

static void trace_load(struct ctx *c, struct trace *t)
{
	if (t->loaded)
		return;
	t->loaded = true;
	FILE *f = fopen(c->trace, "r");
	if (!f)
		return;
	t->ok = true;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = 0;
		struct trec *nr = realloc(t->r, (t->n + 1) * sizeof(*nr));
		if (!nr)
			break;
		t->r = nr;
		struct trec *e = &t->r[t->n++];
		memset(e, 0, sizeof(*e));
		e->line = strdup(line);
		char num[32];
		json_get(line, "op", e->op, sizeof(e->op));
		json_get(line, "status", e->status, sizeof(e->status));
		json_get(line, "sense", e->sense, sizeof(e->sense));
		if (json_get(line, "vtime_us", num, sizeof(num)))
			e->vtime = strtoll(num, NULL, 10);
		if (json_get(line, "deferred", num, sizeof(num)))
			e->deferred = !strcmp(num, "true");
	}
	free(line);
	fclose(f);
}

static void trace_free(struct trace *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->r[i].line);
	free(t->r);
}

/* Up to 3 trace lines either side of index i (i may be t->n: the end). */
static void trace_context(struct ctx *c, const struct trace *t, size_t i)
{
	size_t from = i >= 3 ? i - 3 : 0, to = i + 4 < t->n ? i + 4 : t->n;
	sb_add(&c->msg, "  trace lines %zu..%zu of %zu:\n", from + 1, to, t->n);
	for (size_t k = from; k < to; k++) {
		const char *l = t->r[k].line;
		const char *s = strstr(l, "\"nexus\"");
		char seq[24];
		json_get(l, "seq", seq, sizeof(seq));
		sb_add(&c->msg, "  %s {\"seq\":%s,%s\n", k == i ? ">" : " ", seq, s ? s : l);
	}
}

static bool trace_need(struct ctx *c, const struct hrn_step *st, struct trace *t)
{
	trace_load(c, t);
	if (!t->ok)
		failf(c, st->line, "the trace %s cannot be read", c->trace);
	return t->ok;
}

static void expect_sense(struct ctx *c, const struct hrn_step *st, struct trace *t)
{
	if (!trace_need(c, st, t))
		return;
	const char *cmd = hrn_step_get(st, "command");
	int k, a, q = -1;
	bool none = false;
	if (hrn_step_get(st, "sense")) {
		hrn_parse_sense(hrn_step_get(st, "sense"), &k, &a, &q, &none);
	} else {
		unsigned x;
		sscanf(hrn_step_get(st, "key"), "%x", &x);
		k = (int)x;
		sscanf(hrn_step_get(st, "asc"), "%x", &x);
		a = (int)x;
		if (hrn_step_get(st, "ascq")) {
			sscanf(hrn_step_get(st, "ascq"), "%x", &x);
			q = (int)x;
		}
	}
	size_t seen = 0, idx = t->n;
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->r[i].op, cmd)) {
			seen++;
			if (!strcmp(t->r[i].status, "CHECK CONDITION"))
				idx = i;
		}
	if (idx == t->n) {
		failf(c, st->line, "expect sense command=%s: no CHECK CONDITION of %s in the trace (%zu commands of it)",
		      cmd, cmd, seen);
		if (t->n)
			trace_context(c, t, t->n - 1);
		return;
	}
	unsigned gk = 0, ga = 0, gq = 0;
	sscanf(t->r[idx].sense, "%x/%x/%x", &gk, &ga, &gq);
	bool bad = (int)gk != k || (int)ga != a || (q >= 0 && (int)gq != q);
	const char *d = hrn_step_get(st, "deferred");
	bool bad_def = d && (!strcmp(d, "yes") != t->r[idx].deferred);
	if (bad || bad_def) {
		char want[16];
		if (q >= 0)
			snprintf(want, sizeof(want), "%X/%02X/%02X", k, a, q);
		else
			snprintf(want, sizeof(want), "%X/%02X/xx", k, a);
		failf(c, st->line, "expect sense command=%s: expected %s%s, the last CHECK CONDITION (trace line %zu) has %s%s",
		      cmd, want, d ? (strcmp(d, "yes") ? " not deferred" : " deferred") : "",
		      idx + 1, t->r[idx].sense, t->r[idx].deferred ? " (deferred)" : "");
		trace_context(c, t, idx);
	}
}

static int count_cmp(const struct hrn_arg *a, int64_t found, int64_t want)
{
	return a->op == '>' ? found >= want : a->op == '<' ? found <= want : found == want;
}

static void expect_trace(struct ctx *c, const struct hrn_step *st, struct trace *t)
{
	if (!trace_need(c, st, t))
		return;
	const char *op = hrn_step_get(st, "op");
	if (op) {
		const char *status = hrn_step_get(st, "status");
		const char *want_status = status && !strcmp(status, "CHECK") ? "CHECK CONDITION" : status;
		int64_t n = 0;
		size_t last = t->n;
		for (size_t i = 0; i < t->n; i++)
			if (!strcmp(t->r[i].op, op) && (!want_status || !strcmp(t->r[i].status, want_status))) {
				n++;
				last = i;
			}
		for (int i = 0; i < st->nargs; i++) {
			const struct hrn_arg *a = &st->args[i];
			if (!a->key || strcmp(a->key, "count"))
				continue;
			int64_t want;
			hrn_parse_int(a->value, 0, INT32_MAX, &want);
			if (!count_cmp(a, n, want)) {
				failf(c, st->line, "expect trace op=%s%s%s count%s%lld: found %lld of %zu commands",
				      op, status ? " status=" : "", status ? status : "",
				      a->op == '>' ? ">=" : a->op == '<' ? "<=" : "=", (long long)want,
				      (long long)n, t->n);
				if (t->n)
					trace_context(c, t, last < t->n ? last : t->n - 1);
			}
		}
		return;
	}
	/* order: a subsequence */
	char *list = strdup(hrn_step_get(st, "order"));
	size_t pos = 0, matched_at = t->n;
	int k = 0;
	char *save = NULL;
	for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save), k++) {
		while (*name == ' ')
			name++;
		size_t i = pos;
		while (i < t->n && strcmp(t->r[i].op, name))
			i++;
		if (i == t->n) {
			failf(c, st->line, "expect trace order=%s: %s (name %d) not found after %s",
			      hrn_step_get(st, "order"), name, k + 1,
			      pos ? "the earlier names" : "the start of the trace");
			if (t->n)
				trace_context(c, t, matched_at < t->n ? matched_at : (pos ? pos - 1 : 0));
			break;
		}
		matched_at = i;
		pos = i + 1;
	}
	free(list);
}

static void expect_duration(struct ctx *c, const struct hrn_step *st, struct trace *t)
{
	if (!trace_need(c, st, t))
		return;
	int64_t v = t->n ? t->r[t->n - 1].vtime : 0;
	for (int i = 0; i < st->nargs; i++) {
		const struct hrn_arg *a = &st->args[i];
		int64_t want;
		hrn_parse_duration_us(a->value, &want);
		bool ok = a->op == '>' ? v >= want : a->op == '<' ? v <= want : v == want;
		if (!ok)
			failf(c, st->line, "expect duration virtual%s%s: the virtual time at the last command is %.6f s",
			      a->op == '>' ? ">=" : a->op == '<' ? "<=" : "=", a->value, (double)v / 1e6);
	}
}

/* ---- one scenario --------------------------------------------------------------------- */

static const char *step_words(const struct hrn_step *st)
{
	return st->sub ? st->sub : "";
}

static enum hrn_result run_scenario(struct ctx *c)
{
	const struct hrn_scenario *s = c->s;
	c->bps = 2048;
	c->qdepth = 1;
	c->ssps = c->esps = -1;
	snprintf(c->image, sizeof(c->image), "%s/image.disclog", c->wd);
	snprintf(c->trace, sizeof(c->trace), "%s/trace.jsonl", c->wd);
	snprintf(c->sock, sizeof(c->sock), "%s/control.sock", c->wd);
	if (strlen(c->sock) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		snprintf(c->sock, sizeof(c->sock), "%s/hrn-%d.sock",
			 getenv("TMPDIR") && strlen(getenv("TMPDIR")) < 64 ? getenv("TMPDIR") : "/tmp", (int)getpid());
	if (c->o->target) {
		if (s->needs_embedded) {
			sb_add(&c->msg, "needs the embedded drive (fault or control lines), not run against %s\n",
			       c->o->target);
			return HRN_SKIP;
		}
		snprintf(c->url, sizeof(c->url), "%s", c->o->target);
	} else {
		for (int i = 0; i < s->first_action; i++) {
			char why[1024];
			if (s->steps[i].kind == HRN_GUEST && guest_skip(c, &s->steps[i], why, sizeof(why))) {
				sb_add(&c->msg, "%s\n", why);
				return HRN_SKIP;
			}
		}
		if (sim_start(c) != 0)
			return HRN_FAIL;
	}
	snprintf(c->guest_dir, sizeof(c->guest_dir), "%s/guest", c->wd);
	if (s->needs_guest && mkdir(c->guest_dir, 0755) != 0 && errno != EEXIST) {
		failf(c, 0, "cannot create %s: %s", c->guest_dir, strerror(errno));
		return HRN_FAIL;
	}
	bool started_controls = false;
	for (int i = 0; i < s->nsteps; i++) {
		const struct hrn_step *st = &s->steps[i];
		if (!started_controls && i >= s->first_action && c->embedded) {
			started_controls = true;
		}
		switch (st->kind) {
		case HRN_DRIVE: case HRN_LOAD: case HRN_TIME_SCALE: case HRN_GUEST:
			break;
		case HRN_INPUT:
			do_input(c, st);
			break;
		case HRN_GUEST_RUN:
			check_unchecked(c);
			do_guest_run(c, st);
			break;
		case HRN_FAULT:
			if (i < s->first_action)
				break;	/* given as --fault */
			/* fall through: sent on the control socket */
			{
				char req[1100], reply[1100];
				snprintf(req, sizeof(req), "fault %s", st->words);
				if (control(c, req, reply, sizeof(reply)) != 0)
					failf(c, st->line, "fault %s: simdrive answered: %s", st->words, reply);
			}
			break;
		case HRN_CONTROL: {
			char reply[1100];
			if (control(c, st->words, reply, sizeof(reply)) != 0)
				failf(c, st->line, "control %s: simdrive answered: %s", st->words, reply);
			break;
		}
		case HRN_ENGINE:
			do_engine(c, st);
			break;
		case HRN_MODE:
			check_unchecked(c);
			do_mode(c, st);
			break;
		case HRN_WRITE:
			check_unchecked(c);
			do_write(c, st);
			break;
		case HRN_MMC:
			check_unchecked(c);
			do_mmc(c, st);
			break;
		case HRN_BURN: case HRN_ERASE: case HRN_FORMAT:
			check_unchecked(c);
			do_burn(c, st);
			break;
		case HRN_RUN:
			check_unchecked(c);
			do_run(c, st);
			break;
		case HRN_EXPECT:
			if (st->is_final)
				break;
			c->checked_expect++;
			if (!strcmp(st->sub, "result"))
				expect_result(c, st);
			else if (!strcmp(st->sub, "exit"))
				expect_exit(c, st);
			else if (!strcmp(st->sub, "output"))
				expect_output(c, st);
			else if (!strcmp(st->sub, "disc"))
				expect_disc(c, st);
			else if (!strcmp(st->sub, "track"))
				expect_track(c, st);
			else if (!strcmp(st->sub, "burn"))
				expect_burn(c, st);
			break;
		}
		(void)step_words;
	}
	check_unchecked(c);
	guest_stop(c);
	sim_stop(c);
	save_graph(c);
	struct trace t = { 0 };
	for (int i = 0; i < s->nsteps; i++) {
		const struct hrn_step *st = &s->steps[i];
		if (st->kind != HRN_EXPECT || !st->is_final)
			continue;
		if (!c->embedded) {
			c->skipped_expect++;
			sb_add(&c->msg, "%s:%d: skipped: expect %s needs the embedded drive's %s (--target)\n",
			       s->path, st->line, st->sub,
			       !strcmp(st->sub, "blocks") || !strcmp(st->sub, "record") ? "image" : "trace");
			continue;
		}
		c->checked_expect++;
		if (!strcmp(st->sub, "blocks"))
			expect_blocks(c, st);
		else if (!strcmp(st->sub, "record"))
			expect_record(c, st);
		else if (!strcmp(st->sub, "sense"))
			expect_sense(c, st, &t);
		else if (!strcmp(st->sub, "trace"))
			expect_trace(c, st, &t);
		else if (!strcmp(st->sub, "duration"))
			expect_duration(c, st, &t);
	}
	trace_free(&t);
	if (c->failed)
		return HRN_FAIL;
	if (c->skipped_expect && !c->checked_expect)
		return HRN_SKIP;
	return HRN_PASS;
}

/* ---- the pool ------------------------------------------------------------------------ */

struct job {
	char *path;
	struct hrn_scenario *s;
	char *wd;
	pid_t pid;
	double start, seconds;
	bool done;
	enum hrn_result result;
	char *message;
};

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expand FILE|DIR arguments into a list of scenario paths. */
static int collect(char **args, int nargs, char ***out, int *n)
{
	char **list = NULL;
	int cnt = 0;
	for (int i = 0; i < nargs; i++) {
		struct stat sb;
		if (stat(args[i], &sb) != 0) {
			fprintf(stderr, "harness: %s: %s\n", args[i], strerror(errno));
			return -1;
		}
		if (!S_ISDIR(sb.st_mode)) {
			list = realloc(list, (size_t)(cnt + 1) * sizeof(*list));
			list[cnt++] = strdup(args[i]);
			continue;
		}
		DIR *d = opendir(args[i]);
		if (!d) {
			fprintf(stderr, "harness: %s: %s\n", args[i], strerror(errno));
			return -1;
		}
		char **sub = NULL;
		int ns = 0;
		struct dirent *e;
		while ((e = readdir(d))) {
			size_t l = strlen(e->d_name);
			if (l > 4 && !strcmp(e->d_name + l - 4, ".scn") && e->d_name[0] != '.') {
				sub = realloc(sub, (size_t)(ns + 1) * sizeof(*sub));
				const char *sep = args[i][strlen(args[i]) - 1] == '/' ? "" : "/";
				if (asprintf(&sub[ns], "%s%s%s", args[i], sep, e->d_name) < 0)
					return -1;
				ns++;
			}
		}
		closedir(d);
		qsort(sub, (size_t)ns, sizeof(*sub), cmp_str);
		list = realloc(list, (size_t)(cnt + ns + 1) * sizeof(*list));
		for (int k = 0; k < ns; k++)
			list[cnt++] = sub[k];
		free(sub);
	}
	*out = list;
	*n = cnt;
	return 0;
}

static char *classname_of(const char *path)
{
	char *copy = strdup(path);
	char *slash = strrchr(copy, '/');
	const char *dir = "scenarios";
	if (slash) {
		*slash = 0;
		char *prev = strrchr(copy, '/');
		dir = prev ? prev + 1 : copy;
		if (!*dir)
			dir = "scenarios";
	}
	char *out = NULL;
	if (asprintf(&out, "scenarios.%s", dir) < 0)
		out = NULL;
	free(copy);
	return out;
}

static void child_main(struct job *j, const struct opts *o)
{
	char logp[PATH_MAX + 32];
	snprintf(logp, sizeof(logp), "%s/engine.log", j->wd);
	int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	signal(SIGPIPE, SIG_IGN);
	struct ctx c = { .o = o, .s = j->s, .wd = j->wd };
	enum hrn_result r = run_scenario(&c);
	if (c.sim_pid) {
		kill(c.sim_pid, SIGKILL);
		waitpid(c.sim_pid, NULL, 0);
	}
	char resp[PATH_MAX + 32];
	snprintf(resp, sizeof(resp), "%s/result", j->wd);
	FILE *f = fopen(resp, "w");
	if (f) {
		fprintf(f, "%d\n%s", (int)r, c.msg.s ? c.msg.s : "");
		fclose(f);
	}
	_exit(0);
}

static void reap(struct job *j)
{
	char resp[PATH_MAX + 32];
	snprintf(resp, sizeof(resp), "%s/result", j->wd);
	FILE *f = fopen(resp, "r");
	struct sbuf m = { 0 };
	j->result = HRN_FAIL;
	if (f) {
		int r;
		if (fscanf(f, "%d\n", &r) == 1)
			j->result = (enum hrn_result)r;
		char buf[4096];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			sb_add(&m, "%.*s", (int)n, buf);
		fclose(f);
	} else {
		sb_add(&m, "%s: the scenario's process ended without a result\n", j->path);
	}
	j->message = m.s ? m.s : strdup("");
}

static const char *getenv_c(const char *name)
{
	return getenv(name);
}

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "harness run: %s\n", msg);
	fprintf(stderr, "Usage: harness run [-j N] [--shard K/N|auto] [--junit FILE] [--target URL] [--keep DIR]\n"
			"                   [--keep-passed] [--simdrive PATH] [--fixtures DIR]\n"
			"                   [--attach passthrough|iscsi] [--accel tcg|kvm] [--kernel FILE]\n"
			"                   [--guest-cache DIR] FILE|DIR...\n"
			"doc/harness.md describes the scenario language.\n");
	return 2;
}

int hrn_run_main(int argc, char **argv)
{
	struct opts o = { .jobs = 1, .shard_k = 1, .shard_n = 1 };
	static const struct option lo[] = {
		{ "jobs", required_argument, NULL, 'j' }, { "shard", required_argument, NULL, 's' },
		{ "junit", required_argument, NULL, 'J' }, { "target", required_argument, NULL, 't' },
		{ "keep", required_argument, NULL, 'k' }, { "simdrive", required_argument, NULL, 'S' },
		{ "fixtures", required_argument, NULL, 'F' }, { "help", no_argument, NULL, 'h' },
		{ "keep-passed", no_argument, NULL, 'P' }, { "attach", required_argument, NULL, 'A' },
		{ "accel", required_argument, NULL, 'a' }, { "kernel", required_argument, NULL, 'K' },
		{ "guest-cache", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+j:h", lo, NULL)) != -1) {
		int64_t v;
		switch (ch) {
		case 'j':
			if (!hrn_parse_int(optarg, 1, 256, &v))
				return usage("-j needs a number 1..256");
			o.jobs = (int)v;
			break;
		case 's': {
			/* K/N, or auto: from the CI system's environment (doc/scale.md) */
			struct hrn_shard sh;
			char why[512], msg[600];
			int r = !strcmp(optarg, "auto") ? hrn_shard_from_env(getenv_c, &sh, why, sizeof(why))
							 : hrn_shard_parse(optarg, &sh, why, sizeof(why));
			if (r != 0) {
				snprintf(msg, sizeof(msg), "--shard %s", why);
				return usage(msg);
			}
			o.shard_k = sh.k;
			o.shard_n = sh.n;
			break;
		}
		case 'J': o.junit = optarg; break;
		case 't': o.target = optarg; break;
		case 'k': o.keep = optarg; break;
		case 'S': o.simdrive = optarg; break;
		case 'F': o.fixtures = optarg; break;
		case 'P': o.keep_passed = true; break;
		case 'A':
			if (strcmp(optarg, "passthrough") && strcmp(optarg, "iscsi"))
				return usage("--attach takes passthrough or iscsi");
			o.attach = !strcmp(optarg, "iscsi") ? HRN_ATTACH_ISCSI : HRN_ATTACH_PASSTHROUGH;
			break;
		case 'a':
			if (strcmp(optarg, "tcg") && strcmp(optarg, "kvm"))
				return usage("--accel takes tcg or kvm");
			o.accel = optarg;
			break;
		case 'K': o.kernel = optarg; break;
		case 'C': o.guest_cache = optarg; break;
		case 'h': usage(NULL); return 0;
		default: return usage(NULL);
		}
	}
	if (optind >= argc)
		return usage("no scenario given");
	char **all;
	int nall;
	if (collect(argv + optind, argc - optind, &all, &nall) != 0)
		return 2;
	if (nall == 0) {
		fprintf(stderr, "harness run: no *.scn scenario found\n");
		return 2;
	}
	/* the shard */
	struct hrn_shard shard = { .k = o.shard_k, .n = o.shard_n };
	struct hrn_report_shard rshard = { .k = o.shard_k, .n = o.shard_n, .total = nall,
					   .suite = hrn_shard_suite_id(all, nall) };
	int n = 0;
	struct job *jobs = calloc((size_t)nall, sizeof(*jobs));
	for (int i = 0; i < nall; i++) {
		if (hrn_shard_has(&shard, i))
			jobs[n++].path = all[i];
		else
			free(all[i]);
	}
	free(all);
	/* the work directory */
	char base[PATH_MAX];
	bool default_base = !o.keep;
	if (o.keep) {
		mkdir(o.keep, 0755);
		if (!realpath(o.keep, base)) {
			fprintf(stderr, "harness run: --keep %s: %s\n", o.keep, strerror(errno));
			return 2;
		}
	} else {
		const char *tmp = getenv("TMPDIR");
		snprintf(base, sizeof(base), "%s/harness-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(base)) {
			fprintf(stderr, "harness run: cannot create %s: %s\n", base, strerror(errno));
			return 2;
		}
	}
	for (int i = 0; i < n; i++) {
		jobs[i].s = hrn_scn_parse(jobs[i].path, o.fixtures);
		if (asprintf(&jobs[i].wd, "%s/%03d-%s", base, i + 1, jobs[i].s->name) < 0)
			return 2;
	}
	fflush(stdout);
	struct hrn_report *rep = hrn_report_new(stdout, o.junit);
	hrn_report_set_shard(rep, &rshard);
	hrn_report_begin_suite(rep, "harness", n);
	int next_start = 0, next_report = 0, running = 0, kept = 0;
	while (next_report < n) {
		while (running < o.jobs && next_start < n) {
			struct job *j = &jobs[next_start++];
			j->start = mcc_now_s();
			if (j->s->nerrors) {
				j->done = true;
				j->result = HRN_FAIL;
				j->message = strdup(j->s->errors);
				continue;
			}
			rm_rf(j->wd);
			mkdir(j->wd, 0755);
			fflush(NULL);
			pid_t pid = fork();
			if (pid == 0)
				child_main(j, &o);
			if (pid < 0) {
				j->done = true;
				j->result = HRN_FAIL;
				j->message = strdup("fork failed\n");
				continue;
			}
			j->pid = pid;
			running++;
		}
		/* report what is done, in order */
		while (next_report < n && jobs[next_report].done) {
			struct job *j = &jobs[next_report++];
			struct sbuf m = { 0 };
			sb_add(&m, "%s", j->message);
			if (j->result == HRN_FAIL && !j->s->nerrors) {
				sb_add(&m, "artefacts: %s\n", j->wd);
				kept++;
			} else if (j->wd && !j->s->nerrors && !o.keep_passed) {
				rm_rf(j->wd);
			}
			char *cls = classname_of(j->path);
			hrn_report_case(rep, j->s->name, cls, j->result, m.s ? m.s : "", j->seconds);
			free(cls);
			free(m.s);
		}
		if (next_report >= n)
			break;
		if (running == 0)
			continue;
		int st;
		pid_t pid = waitpid(-1, &st, 0);
		if (pid < 0)
			break;
		for (int i = 0; i < n; i++)
			if (jobs[i].pid == pid && !jobs[i].done) {
				jobs[i].done = true;
				jobs[i].seconds = mcc_now_s() - jobs[i].start;
				reap(&jobs[i]);
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
					jobs[i].result = HRN_FAIL;
					char *m = NULL;
					if (asprintf(&m, "%sthe scenario's process died (%s %d)\n", jobs[i].message,
						     WIFSIGNALED(st) ? "signal" : "status",
						     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st)) >= 0) {
						free(jobs[i].message);
						jobs[i].message = m;
					}
				}
				running--;
				break;
			}
	}
	int failed = hrn_report_failed(rep);
	printf("# %d scenarios: %d passed, %d failed, %d skipped\n", n, hrn_report_count(rep, HRN_PASS),
	       failed, hrn_report_count(rep, HRN_SKIP));
	if (kept)
		printf("# artefacts of failed scenarios: %s\n", base);
	else if (default_base)
		rmdir(base);
	int jr = hrn_report_end(rep);
	hrn_report_free(rep);
	for (int i = 0; i < n; i++) {
		hrn_scn_free(jobs[i].s);
		free(jobs[i].path);
		free(jobs[i].wd);
		free(jobs[i].message);
	}
	free(jobs);
	return failed || jr ? 1 : 0;
}

int hrn_parse_main(int argc, char **argv)
{
	int bad = 0;
	for (int i = 1; i < argc; i++) {
		struct hrn_scenario *s = hrn_scn_parse(argv[i], NULL);
		if (!s)
			return 2;
		if (s->nerrors) {
			fputs(s->errors, stdout);
			bad = 1;
		}
		hrn_scn_free(s);
	}
	return bad;
}
