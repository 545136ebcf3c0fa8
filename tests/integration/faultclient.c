/* tests/integration/faultclient.c - drives simdrive's injected faults (doc/simdrive-faults.md)
 * with raw MMC CDBs over libiscsi, one step at a time, and checks every answer exactly.
 *
 * usage: faultclient [--control PATH] URL STEP...
 *        faultclient control PATH REQUEST...
 *
 * The first form logs in once (libiscsi's automatic reconnect off, so a dropped
 * connection shows) and runs each STEP, one argument of blank-separated words:
 *
 *   ready                   TEST UNIT READY until GOOD, consuming unit attentions
 *   tur EXPECT              TEST UNIT READY
 *   request-sense EXPECT    REQUEST SENSE (GOOD); its data, fixed format, checked as
 *                           EXPECT's sense (0/00/00 for none)
 *   write LBA N SEED EXPECT WRITE(10) of N 2048-byte blocks of the pattern SEED
 *                           (burnclient's: `burnclient expected SEED 2048 LBA N`)
 *   read LBA N SEED EXPECT  READ(10); when GOOD the data must be the pattern SEED
 *   sync EXPECT             SYNCHRONIZE CACHE(10)
 *   close-track N [EXPECT]  CLOSE TRACK/SESSION function 1 (default EXPECT GOOD)
 *   nwa N                   READ TRACK INFORMATION FFh: NWA_V set and NWA = N
 *   disc STATUS             READ DISC INFORMATION: disc status (0 blank, 1 incomplete,
 *                           2 complete)
 *   gesn EVENT TRAY         GET EVENT STATUS NOTIFICATION, media class: event code
 *                           (0 none, 1 eject request, 2 new media, 3 removal) and
 *                           tray (open|closed)
 *   load EXPECT             START STOP UNIT LoEj=1 Start=1 (close the tray)
 *   prevent 0|1             PREVENT ALLOW MEDIUM REMOVAL, GOOD
 *   speed KBPS EXPECT       SET CD SPEED, write speed KBPS kB/s
 *   write-speed KBPS        MODE SENSE(10) page 2Ah: current write speed = KBPS
 *   ctl REQUEST             a control socket request (--control): reply "ok ..."
 *   ctl-error REQUEST WORD  a control request whose reply is "error: ..." naming WORD
 *   reconnect               a new session (the old one, if alive, logs out)
 *
 * EXPECT is GOOD, drop (the connection goes down without an answer) or K/AA/QQ in hex,
 * optionally followed by `deferred` (response code 71h, else 70h is required) and
 * `info=N` (VALID set and INFORMATION = N).  Each step prints one line; the first
 * mismatch exits 1 naming the step.
 *
 * The second form sends each REQUEST on one connection to the control socket and
 * prints each reply line; it exits 0 when every reply came (the script checks them). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <iscsi/iscsi.h>

#include "mmcclient.h"

static struct iscsi_context *ctx;
static const char *url_text;
static int lun;
static int ctl_fd = -1;

/* ---- one command ----------------------------------------------------------------- */

static void login(void)
{
	static const struct mcc_login how = { .no_reconnect = true };
	ctx = mcc_open(url_text, &how, &lun);
}

/* One CDB on the session; after no answer (r->dropped) the session is gone until the
 * step `reconnect`, and every command gets no answer. */
static void run(struct mcc_cdb cdb, const uint8_t *out, int outlen, int inlen,
		struct mcc_result *r)
{
	if (!ctx) {
		memset(r, 0, sizeof(*r));
		r->dropped = true;
		return;
	}
	if (!mcc_try(ctx, lun, cdb, out, outlen, NULL, inlen, r)) {
		iscsi_destroy_context(ctx);
		ctx = NULL;
	}
}

/* The sense of r (a CHECK CONDITION with at least 14 bytes of it), decoded. */
static bool sense_of(const struct mcc_result *r, struct mcc_sense *s)
{
	return r->status == MCC_STATUS_CHECK_CONDITION && r->sense_len >= 14 &&
	       mcc_sense_decode(r->sense, r->sense_len, s);
}

static void describe(const struct mcc_result *r, char *buf, size_t cap)
{
	struct mcc_sense s;
	if (r->dropped) {
		snprintf(buf, cap, "drop");
		return;
	}
	if (r->status == MCC_STATUS_GOOD) {
		snprintf(buf, cap, "GOOD");
		return;
	}
	if (!sense_of(r, &s)) {
		snprintf(buf, cap, "status 0x%02x", r->status);
		return;
	}
	int n = snprintf(buf, cap, "%X/%02X/%02X%s", s.key, s.asc, s.ascq,
			 s.deferred ? " deferred" : "");
	if (s.info_valid && n > 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n, " info=%u", s.info);
}

/* The words of EXPECT from words[0] on: GOOD | drop | K/AA/QQ [deferred] [info=N]. */
static void expect(const struct mcc_result *r, char **words, int nwords)
{
	char got[64];
	describe(r, got, sizeof(got));
	if (nwords < 1)
		mcc_die("no expectation given");
	if (strcmp(words[0], "GOOD") == 0 || strcmp(words[0], "drop") == 0) {
		if (strcmp(got, words[0]) != 0)
			mcc_die("expected %s, got %s", words[0], got);
		return;
	}
	unsigned k, a, q;
	if (sscanf(words[0], "%x/%x/%x", &k, &a, &q) != 3)
		mcc_die("bad expectation '%s'", words[0]);
	bool deferred = false;
	long info = -1;
	for (int i = 1; i < nwords; i++) {
		if (strcmp(words[i], "deferred") == 0)
			deferred = true;
		else if (strncmp(words[i], "info=", 5) == 0)
			info = strtol(words[i] + 5, NULL, 0);
		else
			mcc_die("bad expectation word '%s'", words[i]);
	}
	struct mcc_sense s;
	if (r->dropped || !sense_of(r, &s))
		mcc_die("expected %s, got %s", words[0], got);
	if ((unsigned)s.key != k || (unsigned)s.asc != a || (unsigned)s.ascq != q)
		mcc_die("expected %X/%02X/%02X, got %s", k, a, q, got);
	if (s.code != (deferred ? 0x71 : 0x70))
		mcc_die("expected response code %02Xh, got %02Xh (%s)", deferred ? 0x71 : 0x70, s.code,
			got);
	if (info >= 0 && (!s.info_valid || s.info != (uint32_t)info))
		mcc_die("expected INFORMATION %ld, got %s", info, got);
}

/* ---- steps ------------------------------------------------------------------------- */

static void fill(uint8_t *buf, uint32_t lba, uint32_t n, unsigned seed)
{
	for (uint32_t b = 0; b < n; b++)
		for (uint32_t i = 0; i < 2048; i += 4)
			mcc_put32(buf + b * 2048 + i, (lba + b) * 2654435761u ^ i * 40503u ^ seed * 2246822519u);
}

static uint32_t arg_u32(char **w, int nw, int i, const char *what)
{
	if (i >= nw)
		mcc_die("missing %s", what);
	char *end;
	errno = 0;
	unsigned long v = strtoul(w[i], &end, 0);
	if (errno || *end || end == w[i] || v > UINT32_MAX)
		mcc_die("bad %s '%s'", what, w[i]);
	return (uint32_t)v;
}

static void step_write(char **w, int nw)
{
	static uint8_t buf[32 * 2048];
	uint32_t lba = arg_u32(w, nw, 1, "LBA"), n = arg_u32(w, nw, 2, "block count");
	unsigned seed = arg_u32(w, nw, 3, "seed");
	struct mcc_result r;
	if (n == 0 || n > 32)
		mcc_die("block count %u: 1..32", n);
	fill(buf, lba, n, seed);
	run(mcc_cdb_write10(lba, (uint16_t)n), buf, (int)(n * 2048), 0, &r);
	expect(&r, w + 4, nw - 4);
}

static void step_read(char **w, int nw)
{
	static uint8_t want[2 * 2048];
	uint32_t lba = arg_u32(w, nw, 1, "LBA"), n = arg_u32(w, nw, 2, "block count");
	unsigned seed = arg_u32(w, nw, 3, "seed");
	struct mcc_result r;
	if (n == 0 || n > 2)
		mcc_die("block count %u: 1..2", n);
	run(mcc_cdb_read10(lba, (uint16_t)n), NULL, 0, (int)(n * 2048), &r);
	expect(&r, w + 4, nw - 4);
	if (!r.dropped && r.status == MCC_STATUS_GOOD) {
		fill(want, lba, n, seed);
		if (r.len != (int)(n * 2048) || memcmp(r.data, want, n * 2048) != 0)
			mcc_die("data read differs from the pattern of seed %u (%d bytes)", seed, r.len);
	}
}

static void simple(struct mcc_cdb cdb, char **w, int nw, int from)
{
	struct mcc_result r;
	run(cdb, NULL, 0, 0, &r);
	expect(&r, w + from, nw - from);
}

/* REQUEST SENSE returns the sense as data (SPC-4 §6.39): checked as if it had come
 * with a CHECK CONDITION, so EXPECT reads the same as for the other steps. */
static void step_request_sense(char **w, int nw)
{
	struct mcc_result r;
	run(mcc_cdb_request_sense(false, 252), NULL, 0, 252, &r);
	if (r.dropped || r.status != MCC_STATUS_GOOD || r.len < 14)
		mcc_die("REQUEST SENSE: not GOOD with sense data (status 0x%02x, %d bytes)", r.status,
			r.len);
	r.status = MCC_STATUS_CHECK_CONDITION;
	r.sense_len = r.len < (int)sizeof(r.sense) ? r.len : (int)sizeof(r.sense);
	memcpy(r.sense, r.data, (size_t)r.sense_len);
	expect(&r, w + 1, nw - 1);
}

static void step_nwa(char **w, int nw)
{
	uint32_t want = arg_u32(w, nw, 1, "NWA");
	struct mcc_result r;
	struct mcc_track_info t;
	run(mcc_cdb_read_track_information(MCC_RTI_TRACK, MCC_RTI_INVISIBLE, 48), NULL, 0, 48, &r);
	if (r.dropped || r.status != MCC_STATUS_GOOD || !mcc_track_info(r.data, r.len, &t))
		mcc_die("READ TRACK INFORMATION failed");
	if (!t.nwa_v || t.nwa != want)
		mcc_die("NWA_V %d NWA %u, expected NWA %u", t.nwa_v, t.nwa, want);
}

static void step_disc(char **w, int nw)
{
	uint32_t want = arg_u32(w, nw, 1, "disc status");
	struct mcc_result r;
	struct mcc_disc_info d;
	run(mcc_cdb_read_disc_information(0, 34), NULL, 0, 34, &r);
	if (r.dropped || r.status != MCC_STATUS_GOOD || r.len < 34)
		mcc_die("READ DISC INFORMATION failed");
	mcc_disc_info(r.data, r.len, &d);
	if ((uint32_t)d.status != want)
		mcc_die("disc status %d, expected %u", d.status, want);
}

static void step_gesn(char **w, int nw)
{
	uint32_t ev = arg_u32(w, nw, 1, "event");
	if (nw < 3 || (strcmp(w[2], "open") != 0 && strcmp(w[2], "closed") != 0))
		mcc_die("tray must be open or closed");
	struct mcc_result r;
	run(mcc_cdb_get_event_status(true, 0x10, 8), NULL, 0, 8, &r);	/* media class */
	if (r.dropped || r.status != MCC_STATUS_GOOD || r.len < 8)
		mcc_die("GET EVENT STATUS NOTIFICATION failed");
	bool open = r.data[5] & 1;
	if ((r.data[4] & 0x0f) != ev || open != (strcmp(w[2], "open") == 0))
		mcc_die("media event %u tray %s, expected %u %s", r.data[4] & 0x0f, open ? "open" : "closed",
		    ev, w[2]);
}

static void step_write_speed(char **w, int nw)
{
	uint32_t want = arg_u32(w, nw, 1, "kB/s");
	struct mcc_result r;
	run(mcc_cdb_mode_sense10(true, 0, 0x2a, 8 + 32), NULL, 0, 8 + 32, &r);
	if (r.dropped || r.status != MCC_STATUS_GOOD || r.len < 8 + 30)
		mcc_die("MODE SENSE(10) page 2Ah failed");
	if (mcc_be16(r.data + 8 + 28) != want)
		mcc_die("current write speed %u kB/s, expected %u", mcc_be16(r.data + 8 + 28), want);
}

/* ---- the control socket ---------------------------------------------------------- */

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		mcc_die("control socket %s: %s", path, strerror(errno));
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		mcc_die("control socket %s: %s", path, strerror(errno));
	return fd;
}

/* Send one request line and read its one reply line (without the newline). */
static void ctl_request(int fd, const char *req, char *reply, size_t cap)
{
	size_t n = strlen(req), len = 0;
	if (write(fd, req, n) != (ssize_t)n || write(fd, "\n", 1) != 1)
		mcc_die("control request '%s': %s", req, strerror(errno));
	for (;;) {
		char ch;
		ssize_t k = read(fd, &ch, 1);
		if (k <= 0)
			mcc_die("control request '%s': no reply", req);
		if (ch == '\n')
			break;
		if (len + 1 < cap)
			reply[len++] = ch;
	}
	reply[len] = 0;
}

static void step_ctl(char **w, int nw, bool want_error)
{
	char req[1100] = "", reply[16384];
	int last = want_error ? nw - 1 : nw;
	if (ctl_fd < 0)
		mcc_die("ctl needs --control PATH");
	if (last < 2)
		mcc_die("ctl needs a request");
	for (int i = 1; i < last; i++) {
		strncat(req, w[i], sizeof(req) - strlen(req) - 2);
		if (i + 1 < last)
			strcat(req, " ");
	}
	ctl_request(ctl_fd, req, reply, sizeof(reply));
	printf("  control '%s' -> '%s'\n", req, reply);
	if (!want_error && strncmp(reply, "ok", 2) != 0)
		mcc_die("control '%s': %s", req, reply);
	if (want_error && (strncmp(reply, "error: ", 7) != 0 || !strstr(reply, w[nw - 1])))
		mcc_die("control '%s': expected an error naming '%s', got '%s'", req, w[nw - 1], reply);
}

static int control_mode(int argc, char **argv)
{
	int fd = ctl_connect(argv[2]);
	char reply[16384];
	for (int i = 3; i < argc; i++) {
		ctl_request(fd, argv[i], reply, sizeof(reply));
		printf("%s\n", reply);
	}
	close(fd);
	return 0;
}

/* ---- main --------------------------------------------------------------------------- */

static void step(char *text)
{
	char copy[1100], *w[40], *save = NULL;
	int nw = 0;
	snprintf(copy, sizeof(copy), "%s", text);
	for (char *t = strtok_r(copy, " ", &save); t && nw < 40; t = strtok_r(NULL, " ", &save))
		w[nw++] = t;
	if (nw == 0)
		mcc_die("empty step");
	mcc_set_detail(text);
	if (strcmp(w[0], "ready") == 0) {
		struct mcc_result r;
		if (!ctx || !mcc_try_ready(ctx, lun, 5, &r))
			mcc_die("TEST UNIT READY never GOOD");
	} else if (strcmp(w[0], "tur") == 0) {
		simple(mcc_cdb_test_unit_ready(), w, nw, 1);
	} else if (strcmp(w[0], "request-sense") == 0) {
		step_request_sense(w, nw);
	} else if (strcmp(w[0], "write") == 0) {
		step_write(w, nw);
	} else if (strcmp(w[0], "read") == 0) {
		step_read(w, nw);
	} else if (strcmp(w[0], "sync") == 0) {
		simple(mcc_cdb_synchronize_cache(false), w, nw, 1);
	} else if (strcmp(w[0], "close-track") == 0) {
		char *good[] = { "GOOD" };
		struct mcc_cdb cdb = mcc_cdb_close_track_session(false, MCC_CLOSE_TRACK,
								 (uint16_t)arg_u32(w, nw, 1, "track"));
		if (nw > 2)
			simple(cdb, w, nw, 2);
		else
			simple(cdb, good, 1, 0);
	} else if (strcmp(w[0], "nwa") == 0) {
		step_nwa(w, nw);
	} else if (strcmp(w[0], "disc") == 0) {
		step_disc(w, nw);
	} else if (strcmp(w[0], "gesn") == 0) {
		step_gesn(w, nw);
	} else if (strcmp(w[0], "load") == 0) {
		simple(mcc_cdb_start_stop_unit(true, true), w, nw, 1);
	} else if (strcmp(w[0], "prevent") == 0) {
		char *good[] = { "GOOD" };
		simple(mcc_cdb_prevent_allow(arg_u32(w, nw, 1, "prevent") & 1), good, 1, 0);
	} else if (strcmp(w[0], "speed") == 0) {
		simple(mcc_cdb_set_cd_speed(0xffff, (uint16_t)arg_u32(w, nw, 1, "kB/s")), w, nw, 2);
	} else if (strcmp(w[0], "write-speed") == 0) {
		step_write_speed(w, nw);
	} else if (strcmp(w[0], "ctl") == 0) {
		step_ctl(w, nw, false);
	} else if (strcmp(w[0], "ctl-error") == 0) {
		step_ctl(w, nw, true);
	} else if (strcmp(w[0], "reconnect") == 0) {
		if (ctx) {
			iscsi_logout_sync(ctx);
			iscsi_destroy_context(ctx);
			ctx = NULL;
		}
		login();
	} else {
		mcc_die("unknown step '%s'", w[0]);
	}
	printf("ok: %s\n", text);
	fflush(stdout);
	mcc_set_detail(NULL);
}

int main(int argc, char **argv)
{
	int i = 1;

	mcc_init("faultclient");
	if (argc >= 3 && strcmp(argv[1], "control") == 0)
		return control_mode(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "--control") == 0) {
		ctl_fd = ctl_connect(argv[2]);
		i = 3;
	}
	if (argc - i < 1) {
		fprintf(stderr, "usage: faultclient [--control PATH] URL STEP...\n"
			"       faultclient control PATH REQUEST...\n");
		return 2;
	}
	url_text = argv[i++];
	login();
	for (; i < argc; i++)
		step(argv[i]);
	if (ctx) {
		iscsi_logout_sync(ctx);
		iscsi_destroy_context(ctx);
	}
	if (ctl_fd >= 0)
		close(ctl_fd);
	return 0;
}
