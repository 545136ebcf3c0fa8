/* tests/integration/powerclient.c - the power-loss test's client (issue 6; script
 * tests/integration/powerloss.sh, description doc/simdrive-faults.md "Power loss").
 *
 * usage:
 *   powerclient burn URL MEDIUM SEED JOURNAL [PID K]
 *       Burns a plan drawn from SEED onto the blank MEDIUM (dvd+r, bd-r, cd-r, dvd+rw)
 *       with raw MMC CDBs over libiscsi and writes JOURNAL as it goes.  Exit 0 when the
 *       plan is done, 3 when the drive went away (the daemon was killed), 1 when the
 *       drive answered something unexpected.  With PID K: sends SIGKILL to PID (the
 *       daemon) the moment durable operation K is acknowledged, before anything else
 *       (the worst moment for "acknowledged means durable").
 *   powerclient verify URL JOURNAL REFJOURNAL [IMAGE-BLOCKS]
 *       After the daemon was killed and restarted on the same image: checks that READ
 *       DISC INFORMATION / READ TRACK INFORMATION show the last durable state of
 *       JOURNAL, or that state advanced by a prefix of the writes acknowledged after it,
 *       or the state after a SYNCHRONIZE CACHE / CLOSE that was in flight (taken from
 *       REFJOURNAL, an uninterrupted burn of the same plan); that every durable block
 *       (and every replayed one) reads back as written; that the burn continues at
 *       the reloaded NWA.  IMAGE-BLOCKS, the number of blocks the DATA records of the
 *       killed image held (`disclog info`, before the restart), makes the prefix exact:
 *       every unsynced block the image held is replayed.  Prints "reloaded: ...",
 *       "continued: ...", "layout ..." lines (compared with `disclog info` by the
 *       script) and "checks N".  Exit 0, or 1 on the first failed check.
 *
 * Block content: block LBA written by write number VER (1, 2, ... in plan order) holds
 * at byte i (a multiple of 4) the big-endian word LBA*2654435761 ^ i*40503 ^
 * KEY*2246822519 with KEY = SEED*100003 + VER, so any block tells which write it came
 * from.
 *
 * Journal (one line each; fsync'ed at every A, S, X and E line):
 *   P MEDIUM SEED            the plan
 *   W LBA N VER              a WRITE the drive acknowledged
 *   O K NAME                 durable operation K (SYNCHRONIZE CACHE, CLOSE, FORMAT,
 *                            MODE SELECT + SYNCHRONIZE CACHE) is about to be sent
 *   A K                      operation K was acknowledged: everything before it is durable
 *   S K RDI RTI1 RTI2 ...    the disc as the drive reported it right after operation K
 *                            (hex: READ DISC INFORMATION, 34 bytes; READ TRACK
 *                            INFORMATION of every track, 36 bytes).  K 0 is the blank
 *                            disc, read after login.
 *   X write LBA N VER | X op K | X state K
 *                            the drive went away during that WRITE, during operation K,
 *                            or while the state after the acknowledged operation K was
 *                            read
 *   E                        the plan finished */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <iscsi/iscsi.h>

#include "mmcclient.h"

static struct iscsi_context *ctx;
static int lun;
static FILE *journal;
static char inflight[96];	/* what the command being sent is, for the X line */
static unsigned nchecks;

/* ---- journal -------------------------------------------------------------- */

static void jdurable(void)
{
	if (fflush(journal) != 0 || fsync(fileno(journal)) != 0)
		mcc_die("journal: %s", strerror(errno));
}

static void jline(bool durable, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jline(bool durable, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(journal, fmt, ap);
	va_end(ap);
	fputc('\n', journal);
	if (durable)
		jdurable();
}

/* ---- commands ------------------------------------------------------------- */

/* The drive went away: say what was in flight and stop (exit 3).  The no-answer
 * handler of every command and of the login. */
static void lost(struct iscsi_context *c) __attribute__((noreturn));
static void lost(struct iscsi_context *c)
{
	if (journal) {
		jline(true, "X %s", inflight);
		fclose(journal);
	}
	fprintf(stderr, "powerclient: drive gone during %s: %s\n", inflight, iscsi_get_error(c));
	exit(3);
}

/* One CDB; data-out from `out` or data-in of at most inlen bytes (copied to r->data
 * when it fits; `big` receives a larger data-in). */
static void run(struct mcc_cdb cdb, const uint8_t *out, int outlen, int inlen,
		struct mcc_result *r, uint8_t *big)
{
	mcc_run(ctx, lun, cdb, out, outlen, big, inlen, r);
}

static void connect_url(const char *urlstr)
{
	static const struct mcc_login how = { .no_reconnect = true,	/* a killed daemon ends the burn */
					      .timeout_s = 30 };
	signal(SIGPIPE, SIG_IGN);		/* a write to its socket fails instead */
	mcc_on_no_answer(lost);
	snprintf(inflight, sizeof(inflight), "op 0");
	ctx = mcc_open(urlstr, &how, &lun);
	/* TEST UNIT READY until GOOD, consuming unit attentions (power on after a restart). */
	mcc_ready(ctx, lun);
}

/* ---- block content -------------------------------------------------------- */

static unsigned g_seed;

static uint32_t key_of(uint32_t ver) { return g_seed * 100003u + ver; }

static uint32_t word_of(uint32_t lba, uint32_t i, uint32_t ver)
{
	return lba * 2654435761u ^ i * 40503u ^ key_of(ver) * 2246822519u;
}

static void fill(uint8_t *buf, uint32_t lba, uint32_t n, uint32_t ver)
{
	for (uint32_t b = 0; b < n; b++)
		for (uint32_t i = 0; i < 2048; i += 4)
			mcc_put32(buf + b * 2048 + i, word_of(lba + b, i, ver));
}

/* 1 when the block holds write ver's content (ver 0: all zeros). */
static bool block_is(const uint8_t *blk, uint32_t lba, uint32_t ver)
{
	for (uint32_t i = 0; i < 2048; i += 4)
		if (mcc_be32(blk + i) != (ver ? word_of(lba, i, ver) : 0))
			return false;
	return true;
}

/* ---- disc state ----------------------------------------------------------- */

enum { RDI_LEN = 34, RTI_LEN = 36, MAXT = 128 };

struct dstate {
	bool valid;
	uint8_t rdi[RDI_LEN];
	unsigned ntr;			/* tracks 1..ntr (last track of the last session) */
	uint8_t rti[MAXT][RTI_LEN];
};

/* The fields of a stored READ DISC INFORMATION / READ TRACK INFORMATION answer. */
static struct mcc_disc_info rdi_of(const struct dstate *s)
{
	struct mcc_disc_info d;
	mcc_disc_info(s->rdi, RDI_LEN, &d);
	return d;
}

static struct mcc_track_info rti_of(const uint8_t *t)
{
	struct mcc_track_info i;
	mcc_track_info(t, RTI_LEN, &i);
	return i;
}

static unsigned rdi_status(const struct dstate *s) { return (unsigned)rdi_of(s).status; }
static unsigned rdi_lss(const struct dstate *s) { return (unsigned)rdi_of(s).last_state; }
static unsigned rdi_sessions(const struct dstate *s) { return (unsigned)rdi_of(s).sessions; }
static bool t_nwa_v(const uint8_t *t) { return rti_of(t).nwa_v; }
static bool t_lra_v(const uint8_t *t) { return rti_of(t).lra_v; }
static bool t_blank(const uint8_t *t) { return rti_of(t).blank; }
static unsigned t_number(const uint8_t *t) { return (unsigned)rti_of(t).number; }
static unsigned t_session(const uint8_t *t) { return (unsigned)rti_of(t).session; }
static int32_t t_start(const uint8_t *t) { return (int32_t)rti_of(t).start; }
static int32_t t_nwa(const uint8_t *t) { return t_nwa_v(t) ? (int32_t)rti_of(t).nwa : -1; }
static uint32_t t_free(const uint8_t *t) { return rti_of(t).free; }
static uint32_t t_size(const uint8_t *t) { return rti_of(t).size; }
static int32_t t_lra(const uint8_t *t) { return t_lra_v(t) ? (int32_t)rti_of(t).lra : -1; }

static void read_track_info(uint32_t addr, struct mcc_result *r)
{
	run(mcc_cdb_read_track_information(MCC_RTI_TRACK, addr, 48), NULL, 0, 48, r, NULL);
}

static void read_state(struct dstate *s)
{
	struct mcc_result r;
	memset(s, 0, sizeof(*s));
	run(mcc_cdb_read_disc_information(0, RDI_LEN), NULL, 0, RDI_LEN, &r, NULL);
	mcc_expect_good("READ DISC INFORMATION", &r);
	if (r.len < RDI_LEN)
		mcc_die("READ DISC INFORMATION: %d bytes", r.len);
	memcpy(s->rdi, r.data, RDI_LEN);
	s->ntr = (unsigned)rdi_of(s).last_in_last;
	if (s->ntr > MAXT)
		mcc_die("READ DISC INFORMATION: %u tracks", s->ntr);
	for (unsigned t = 1; t <= s->ntr; t++) {
		read_track_info(t, &r);
		char what[48];
		snprintf(what, sizeof(what), "READ TRACK INFORMATION track %u", t);
		mcc_expect_good(what, &r);
		if (r.len < RTI_LEN)
			mcc_die("%s: %d bytes", what, r.len);
		memcpy(s->rti[t - 1], r.data, RTI_LEN);
	}
	s->valid = true;
}

static void hex(FILE *f, const uint8_t *p, int n)
{
	for (int i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static void state_line(FILE *f, const struct dstate *s)
{
	fputc(' ', f);
	hex(f, s->rdi, RDI_LEN);
	for (unsigned t = 0; t < s->ntr; t++) {
		fputc(' ', f);
		hex(f, s->rti[t], RTI_LEN);
	}
}

static bool unhex(const char *w, uint8_t *p, int n)
{
	if ((int)strlen(w) != 2 * n)
		return false;
	for (int i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(w + 2 * i, "%2x", &v) != 1)
			return false;
		p[i] = (uint8_t)v;
	}
	return true;
}

/* A state as text for messages: disc status, sessions, and each track. */
static void describe(char *buf, size_t len, const struct dstate *s)
{
	static const char *const status[] = { "empty", "incomplete", "complete", "other" };
	size_t o = (size_t)snprintf(buf, len, "disc %s, %u session(s), last session %u",
				    status[rdi_status(s)], rdi_sessions(s), rdi_lss(s));
	for (unsigned t = 0; t < s->ntr && o < len; t++) {
		const uint8_t *r = s->rti[t];
		o += (size_t)snprintf(buf + o, len - o, "; T%u s%u start %d size %u nwa %d lra %d free %u%s",
				      t_number(r), t_session(r), (int)t_start(r), t_size(r),
				      (int)t_nwa(r), (int)t_lra(r), t_free(r), t_blank(r) ? " blank" : "");
	}
}

/* The first byte where two states differ, for messages. */
static void state_diff(char *buf, size_t len, const struct dstate *a, const struct dstate *b)
{
	if (a->ntr != b->ntr) {
		snprintf(buf, len, "%u tracks vs %u", a->ntr, b->ntr);
		return;
	}
	for (int i = 0; i < RDI_LEN; i++)
		if (a->rdi[i] != b->rdi[i]) {
			snprintf(buf, len, "READ DISC INFORMATION byte %d: %02x vs %02x", i, a->rdi[i], b->rdi[i]);
			return;
		}
	for (unsigned t = 0; t < a->ntr; t++)
		for (int i = 0; i < RTI_LEN; i++)
			if (a->rti[t][i] != b->rti[t][i]) {
				snprintf(buf, len, "READ TRACK INFORMATION track %u byte %d: %02x vs %02x", t + 1,
					 i, a->rti[t][i], b->rti[t][i]);
				return;
			}
	snprintf(buf, len, "equal");
}

static bool state_eq(const struct dstate *a, const struct dstate *b)
{
	return a->ntr == b->ntr && memcmp(a->rdi, b->rdi, RDI_LEN) == 0 &&
	       memcmp(a->rti, b->rti, (size_t)a->ntr * RTI_LEN) == 0;
}

/* ---- the plan ------------------------------------------------------------- */

enum medium { M_DVDPR, M_BDR, M_CDR, M_DVDPRW };
static const char *const medium_names[] = { "dvd+r", "bd-r", "cd-r", "dvd+rw" };

static enum medium medium_of(const char *s)
{
	for (unsigned i = 0; i < sizeof(medium_names) / sizeof(medium_names[0]); i++)
		if (strcmp(s, medium_names[i]) == 0)
			return (enum medium)i;
	mcc_die("unknown medium %s (dvd+r, bd-r, cd-r, dvd+rw)", s);
}

/* Capacity of the formatted DVD+RW (the script passes capacity= to simdrive). */
enum { RW_CAPACITY = 16384 };

static uint64_t rng;
static uint32_t rnd(uint32_t n)		/* 0..n-1, xorshift64* */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ull) >> 32) % n;
}

static unsigned opk;			/* number of the last durable operation */
static pid_t kill_pid;			/* SIGKILL it when operation kill_op is acknowledged */
static unsigned kill_op;
static uint32_t nextver = 1;

/* A durable operation: journal O, send, journal A, read the state, journal S. */
static void op_begin(const char *name)
{
	opk++;
	jline(false, "O %u %s", opk, name);
	snprintf(inflight, sizeof(inflight), "op %u", opk);
}

static void op_end(void)
{
	struct dstate s;
	jline(true, "A %u", opk);
	if (kill_pid > 0 && opk == kill_op && kill(kill_pid, SIGKILL) != 0)
		mcc_die("kill %ld: %s", (long)kill_pid, strerror(errno));
	snprintf(inflight, sizeof(inflight), "state %u", opk);
	read_state(&s);
	fprintf(journal, "S %u", opk);
	state_line(journal, &s);
	jline(true, "%s", "");
}

static void cdb_op(struct mcc_cdb cdb, const char *what)
{
	struct mcc_result r;
	run(cdb, NULL, 0, 0, &r, NULL);
	mcc_expect_good(what, &r);
}

static void sync_cache(void)
{
	op_begin("sync");
	cdb_op(mcc_cdb_synchronize_cache(false), "SYNCHRONIZE CACHE");
	op_end();
}

static void close_ts(uint8_t function, uint16_t number)
{
	char name[32];
	snprintf(name, sizeof(name), "close-%u-%u", function, number);
	op_begin(name);
	cdb_op(mcc_cdb_close_track_session(false, function, number), name);
	op_end();
}

/* One WRITE(10) (WRITE(12) with the streaming bit on BD-R) of n blocks at lba. */
static void write_blocks(enum medium m, uint32_t lba, uint32_t n)
{
	static uint8_t buf[64 * 2048];
	struct mcc_result r;
	uint32_t ver = nextver++;
	fill(buf, lba, n, ver);
	snprintf(inflight, sizeof(inflight), "write %u %u %u", lba, n, ver);
	run(m == M_BDR ? mcc_cdb_write12(lba, n, true) : mcc_cdb_write10(lba, (uint16_t)n), buf,
	    (int)(n * 2048), 0, &r, NULL);
	char what[64];
	snprintf(what, sizeof(what), "WRITE LBA %u x %u", lba, n);
	mcc_expect_good(what, &r);
	jline(false, "W %u %u %u", lba, n, ver);
}

/* The NWA of the invisible or incomplete track (READ TRACK INFORMATION FFh), and its
 * number. */
static uint32_t invisible_nwa(unsigned *track)
{
	struct mcc_result r;
	snprintf(inflight, sizeof(inflight), "state %u", opk);
	struct mcc_track_info t;
	read_track_info(MCC_RTI_INVISIBLE, &r);
	mcc_expect_good("READ TRACK INFORMATION FFh", &r);
	mcc_track_info(r.data, r.len, &t);
	if (!t.nwa_v)
		mcc_die("READ TRACK INFORMATION FFh: NWA not valid");
	if (track)
		*track = (unsigned)t.number;
	return t.nwa;
}

/* Page 05h for CD-R TAO: write type 1, multi-session 11b (appendable), track mode 4,
 * DBT 8 (Mode 1, 2048 bytes); then SYNCHRONIZE CACHE so that the page is durable. */
static void cd_page05(void)
{
	struct mcc_result r;
	uint8_t page[60], par[MCC_MODE_HDR10 + 60];
	op_begin("modeselect");
	run(mcc_cdb_mode_sense10(false, 0, 0x05, 8 + 60), NULL, 0, 8 + 60, &r, NULL);
	mcc_expect_good("MODE SENSE(10) page 05h", &r);
	int plen = mcc_mode_page(r.data, r.len, page, (int)sizeof(page));
	if (plen < MCC_P05_MIN || page[0] != 5)
		mcc_die("MODE SENSE(10) page 05h: unexpected answer");
	mcc_p05_set_write_type(page, 1);		/* TAO, Test Write off */
	mcc_p05_set_test_write(page, false);
	mcc_p05_set_multisession(page, MCC_MS_NEXT_ALLOWED);
	mcc_p05_set_track_mode(page, 4);
	mcc_p05_set_dbt(page, 8);			/* Mode 1 */
	int n = mcc_mode_list(par, (int)sizeof(par), page, plen, 0);
	run(mcc_cdb_mode_select10(false, (uint16_t)n), par, n, 0, &r, NULL);
	mcc_expect_good("MODE SELECT(10) page 05h", &r);
	cdb_op(mcc_cdb_synchronize_cache(false), "SYNCHRONIZE CACHE after MODE SELECT");
	op_end();
}


/* Sequential media: 2-3 sessions of tracks; WRITE runs of 1..32 blocks (BD-R: WRITE(12)
 * streaming in 32-block units, as streaming writers send), SYNCHRONIZE CACHE every
 * 1-3 MiB and at the end of each track, CLOSE TRACK, CLOSE SESSION; the last session
 * is finalized, closed, or left open with its last track closed or open.  CD-R TAO
 * (page 05h TAO, multi-session 11b, Mode 1): the SYNCHRONIZE CACHE at the end of a
 * track closes it (doc/simdrive-recorder.md §5), so there is no SYNC inside a track
 * and no CLOSE TRACK. */
static void plan_sequential(enum medium m)
{
	const bool cd = m == M_CDR;
	const unsigned nsess = 2 + rnd(2);
	if (cd)
		cd_page05();
	for (unsigned s = 1; s <= nsess; s++) {
		const unsigned ntr = cd ? 2 + rnd(2) : 1 + rnd(2);
		const bool last_session = s == nsess;
		const uint32_t ending = rnd(4);	/* last session: 0 finalize, 1 close, 2/3 open */
		for (unsigned t = 1; t <= ntr; t++) {
			unsigned tno;
			const uint32_t total = cd ? 384 + rnd(768) : 768 + rnd(1536);
			const uint32_t lba = invisible_nwa(&tno);
			uint32_t since = 0, every = 512 + rnd(1024);
			if (s == 1 && t == 1)	/* the first track: written whole, then closed */
				every = UINT32_MAX;
			for (uint32_t done = 0; done < total;) {
				uint32_t n = m == M_BDR ? 32 : 1 + rnd(32);
				if (n > total - done)
					n = total - done;
				write_blocks(m, lba + done, n);
				done += n;
				since += n;
				if (!cd && since >= every && done < total) {
					sync_cache();
					since = 0;
					every = 512 + rnd(1024);
				}
			}
			/* CD: the SYNC ends the track.  DVD+R/BD-R: SYNC then CLOSE TRACK as the
			 * recipes do, or CLOSE TRACK alone (the first track, then one time in
			 * three): the drive flushes its cache before it closes. */
			bool keep_open = last_session && t == ntr && ending == 3;
			bool no_sync = !cd && !keep_open && ((s == 1 && t == 1) || !rnd(3));
			if (!no_sync)
				sync_cache();
			if (!cd && !keep_open)
				close_ts(1, (uint16_t)tno);
		}
		if (!last_session || ending == 1 || (cd && ending == 0))
			close_ts(2, 0);
		else if (ending == 0)
			close_ts(m == M_BDR ? MCC_CLOSE_FINALIZE : MCC_CLOSE_FINALIZE_MIN_RADIUS, 0);
	}
}

/* DVD+RW: FORMAT UNIT 26h, then 6000-9000 blocks of WRITEs of 1..64 blocks at random
 * LBAs of the 16384-block disc (many overwrite earlier ones), SYNCHRONIZE CACHE every
 * 1-3 MiB and at the end, sometimes CLOSE 010b (stop the background format). */
static void plan_random(void)
{
	uint8_t fpar[MCC_FORMAT_LIST_LEN];
	struct mcc_result r;
	mcc_format_list(fpar, 0x82, 0xffffffff, 0x26, 0);	/* FOV, IMMED; DVD+RW full format */
	op_begin("format");
	run(mcc_cdb_format_unit(), fpar, sizeof(fpar), 0, &r, NULL);
	mcc_expect_good("FORMAT UNIT type 26h", &r);
	op_end();
	const uint32_t total = 6000 + rnd(3000);
	uint32_t since = 0, every = 512 + rnd(1024);
	for (uint32_t done = 0; done < total;) {
		uint32_t n = 1 + rnd(64);
		write_blocks(M_DVDPRW, rnd(RW_CAPACITY - n + 1), n);
		done += n;
		since += n;
		if (since >= every) {
			sync_cache();
			since = 0;
			every = 512 + rnd(1024);
		}
	}
	sync_cache();
	if (rnd(2))
		close_ts(2, 0);
}

static int cmd_burn(int argc, char **argv)
{
	if (argc != 6 && argc != 8)
		mcc_die("usage: powerclient burn URL MEDIUM SEED JOURNAL [PID K]");
	if (argc == 8) {
		kill_pid = (pid_t)strtol(argv[6], NULL, 10);
		kill_op = (unsigned)strtoul(argv[7], NULL, 10);
	}
	enum medium m = medium_of(argv[3]);
	g_seed = (unsigned)strtoul(argv[4], NULL, 0);
	rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)g_seed << 8 | (uint64_t)m);
	journal = fopen(argv[5], "w");
	if (!journal)
		mcc_die("%s: %s", argv[5], strerror(errno));
	jline(false, "P %s %u", medium_names[m], g_seed);
	jline(true, "O 0 login");
	connect_url(argv[2]);
	op_end();		/* A 0, S 0: the blank disc */
	if (m == M_DVDPRW)
		plan_random();
	else
		plan_sequential(m);
	jline(true, "E");
	fclose(journal);
	journal = NULL;
	printf("burn: %s seed %u: %u durable operations, %u writes\n", medium_names[m], g_seed, opk,
	       nextver - 1);
	iscsi_logout_sync(ctx);
	iscsi_destroy_context(ctx);
	return 0;
}

/* ---- verify --------------------------------------------------------------- */

struct jwrite {
	uint32_t lba, n, ver;
};

struct jop {
	char name[32];
	bool begun, acked;
	struct dstate st;		/* from the journal (valid when it was read) */
};

struct journal_data {
	enum medium m;
	unsigned seed;
	struct jop *ops;		/* indexed by K */
	unsigned nops;			/* ops[0..nops-1] were begun */
	struct jwrite *w;		/* every WRITE, in order (+ the one in flight) */
	unsigned nw;
	unsigned acked_at;		/* w[0..acked_at-1] precede the last acknowledged op */
	int last_acked;			/* -1: none */
	bool x_write, x_op, x_state, ended;
};

static void jd_op(struct journal_data *jd, unsigned k)
{
	if (k >= jd->nops) {
		jd->ops = realloc(jd->ops, (k + 1) * sizeof(*jd->ops));
		if (!jd->ops)
			mcc_die("out of memory");
		memset(jd->ops + jd->nops, 0, (k + 1 - jd->nops) * sizeof(*jd->ops));
		jd->nops = k + 1;
	}
}

static void jd_free(struct journal_data *jd)
{
	free(jd->ops);
	free(jd->w);
}

static void jd_load(const char *path, struct journal_data *jd)
{
	FILE *f = fopen(path, "r");
	if (!f)
		mcc_die("%s: %s", path, strerror(errno));
	memset(jd, 0, sizeof(*jd));
	jd->last_acked = -1;
	size_t cap = 0;
	char *line = NULL;
	unsigned lineno = 0;
	bool header = false;
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		line[strcspn(line, "\n")] = 0;
		char *save = NULL, *w0 = strtok_r(line, " ", &save);
		unsigned a, b, c;
		if (!w0)
			continue;
		if (!strcmp(w0, "P")) {
			char *med = strtok_r(NULL, " ", &save), *sd = strtok_r(NULL, " ", &save);
			if (!med || !sd)
				mcc_die("%s:%u: bad P line", path, lineno);
			jd->m = medium_of(med);
			jd->seed = (unsigned)strtoul(sd, NULL, 0);
			header = true;
		} else if (!strcmp(w0, "W") || (!strcmp(w0, "X") && save && !strncmp(save, "write ", 6))) {
			char *rest = save;
			if (w0[0] == 'X') {
				rest += 6;
				jd->x_write = true;
			}
			if (sscanf(rest, "%u %u %u", &a, &b, &c) != 3)
				mcc_die("%s:%u: bad write line", path, lineno);
			jd->w = realloc(jd->w, (jd->nw + 1) * sizeof(*jd->w));
			if (!jd->w)
				mcc_die("out of memory");
			jd->w[jd->nw++] = (struct jwrite){ a, b, c };
		} else if (!strcmp(w0, "O")) {
			char *k = strtok_r(NULL, " ", &save), *name = strtok_r(NULL, " ", &save);
			if (!k || !name)
				mcc_die("%s:%u: bad O line", path, lineno);
			a = (unsigned)strtoul(k, NULL, 10);
			jd_op(jd, a);
			jd->ops[a].begun = true;
			snprintf(jd->ops[a].name, sizeof(jd->ops[a].name), "%s", name);
		} else if (!strcmp(w0, "A")) {
			if (sscanf(save, "%u", &a) != 1 || a >= jd->nops || !jd->ops[a].begun)
				mcc_die("%s:%u: bad A line", path, lineno);
			jd->ops[a].acked = true;
			jd->last_acked = (int)a;
			jd->acked_at = jd->nw;
		} else if (!strcmp(w0, "S")) {
			char *k = strtok_r(NULL, " ", &save), *rdi = strtok_r(NULL, " ", &save);
			if (!k || !rdi)
				mcc_die("%s:%u: bad S line", path, lineno);
			a = (unsigned)strtoul(k, NULL, 10);
			if (a >= jd->nops || !jd->ops[a].acked)
				mcc_die("%s:%u: S without A", path, lineno);
			struct dstate *st = &jd->ops[a].st;
			if (!unhex(rdi, st->rdi, RDI_LEN))
				mcc_die("%s:%u: bad READ DISC INFORMATION", path, lineno);
			st->ntr = 0;
			for (char *t; (t = strtok_r(NULL, " ", &save)) != NULL;) {
				if (st->ntr >= MAXT || !unhex(t, st->rti[st->ntr], RTI_LEN))
					mcc_die("%s:%u: bad READ TRACK INFORMATION", path, lineno);
				st->ntr++;
			}
			st->valid = true;
		} else if (!strcmp(w0, "X")) {
			char *what = strtok_r(NULL, " ", &save);
			if (what && !strcmp(what, "op"))
				jd->x_op = true;
			else if (what && !strcmp(what, "state"))
				jd->x_state = true;
			else
				mcc_die("%s:%u: bad X line", path, lineno);
		} else if (!strcmp(w0, "E")) {
			jd->ended = true;
		} else {
			mcc_die("%s:%u: unknown line", path, lineno);
		}
	}
	free(line);
	fclose(f);
	if (!header)
		mcc_die("%s: no P line", path);
}

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	nchecks++;
	if (ok)
		return;
	va_list ap;
	fprintf(stderr, "powerclient: FAILED: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* READ(10) of n <= 64 blocks into buf; the sense when not GOOD. */
static void read_blocks(uint32_t lba, uint32_t n, uint8_t *buf, struct mcc_result *r)
{
	run(mcc_cdb_read10(lba, (uint16_t)n), NULL, 0, (int)(n * 2048), r, buf);
}

/* Blocks as (lba, ver) in stream order: read in runs of consecutive LBAs and compare
 * each block with what its write put there. */
struct blk {
	uint32_t lba, ver;
};

static void verify_blocks(const struct blk *b, size_t n, const char *what)
{
	static uint8_t buf[64 * 2048];
	for (size_t i = 0; i < n;) {
		size_t k = 1;
		while (i + k < n && k < 64 && b[i + k].lba == b[i].lba + k)
			k++;
		struct mcc_result r;
		read_blocks(b[i].lba, (uint32_t)k, buf, &r);
		check(r.status == MCC_STATUS_GOOD && r.len == (int)(k * 2048),
		      "%s: READ(10) LBA %u x %zu: status 0x%02x sense %x/%02x/%02x, %d bytes", what,
		      b[i].lba, k, r.status, r.key, r.asc, r.ascq, r.len);
		for (size_t j = 0; j < k; j++)
			check(block_is(buf + j * 2048, b[i + j].lba, b[i + j].ver),
			      "%s: LBA %u does not hold what write %u put there", what, b[i + j].lba,
			      b[i + j].ver);
		i += k;
	}
}

static struct blk *blocks_of(const struct jwrite *w, unsigned nw, size_t *count)
{
	size_t n = 0;
	for (unsigned i = 0; i < nw; i++)
		n += w[i].n;
	struct blk *b = malloc((n ? n : 1) * sizeof(*b));
	if (!b)
		mcc_die("out of memory");
	n = 0;
	for (unsigned i = 0; i < nw; i++)
		for (uint32_t k = 0; k < w[i].n; k++)
			b[n++] = (struct blk){ w[i].lba + k, w[i].ver };
	*count = n;
	return b;
}

/* Sequential media: D advanced by n blocks written at the NWA of its track `tno`, as the
 * drive's replay does it (doc/simdrive-recorder.md "STATE record policy"). */
static void advance(struct dstate *s, unsigned tno, uint32_t n, bool cd)
{
	uint8_t *t = s->rti[tno - 1];
	if (n == 0)
		return;
	if (cd && (t[6] & 0x40)) {	/* first write: mode from page 05h (TAO Mode 1) */
		t[5] = (uint8_t)((t[5] & 0xf0) | 4);
		t[6] = (uint8_t)((t[6] & 0xf0) | 1);
	}
	t[6] &= (uint8_t)~0x40;
	uint32_t nwa = mcc_be32(t + 12) + n, fr = t_free(t) - n;
	mcc_put32(t + 16, fr);
	mcc_put32(t + 28, nwa - 1);
	t[7] |= 2;
	if (fr == 0) {
		t[7] &= (uint8_t)~1;
		mcc_put32(t + 12, 0);
	} else {
		mcc_put32(t + 12, nwa);
	}
	if (rdi_lss(s) == 0)
		s->rdi[2] = (uint8_t)((s->rdi[2] & 0xf0) | 1 << 2 | 1);
}

static void read10_expect_blank(uint32_t lba, const char *what)
{
	static uint8_t buf[2048];
	struct mcc_result r;
	read_blocks(lba, 1, buf, &r);
	check(r.status == MCC_STATUS_CHECK_CONDITION && r.key == 5 && r.asc == 0x21 && r.ascq == 0,
	      "%s: READ(10) of LBA %u: status 0x%02x sense %x/%02x/%02x, expected 5/21/00 (not "
	      "recorded)", what, lba, r.status, r.key, r.asc, r.ascq);
}

static void print_layout(const struct dstate *s)
{
	printf("layout sessions %u\n", rdi_sessions(s));
	for (unsigned t = 0; t < s->ntr; t++) {
		const uint8_t *r = s->rti[t];
		printf("layout track %u %u %d %u %d %d\n", t_number(r), t_session(r),
		       (int)t_start(r), t_size(r), (int)t_nwa(r), (int)t_lra(r));
	}
}

/* Continue the burn after the reload: 16 blocks at the NWA (random media: at LBA 100),
 * SYNCHRONIZE CACHE, read back; a finalized disc refuses the WRITE (05/21/02) and
 * keeps its state. */
static void continue_burn(const struct journal_data *jd, const struct dstate *now)
{
	const uint32_t ver = 0xfffff;	/* no plan writes as many */
	static uint8_t buf[16 * 2048];
	struct mcc_result r;
	uint32_t lba;

	if (jd->m != M_DVDPRW && rdi_status(now) == 2) {
		const uint8_t *t = now->rti[now->ntr - 1];
		lba = (uint32_t)t_start(t) + t_size(t);
		fill(buf, lba, 1, ver);
		run(mcc_cdb_write10(lba, 1), buf, 2048, 0, &r, NULL);
		check(r.status == MCC_STATUS_CHECK_CONDITION && r.key == 5 && r.asc == 0x21 &&
		      r.ascq == 2, "finalized disc: WRITE(10) at %u: status 0x%02x sense %x/%02x/%02x, "
		      "expected 5/21/02", lba, r.status, r.key, r.asc, r.ascq);
		struct dstate after;
		read_state(&after);
		check(state_eq(&after, now), "finalized disc: state changed by a refused WRITE");
		printf("continued: finalized disc refuses WRITE at %u (5/21/02)\n", lba);
		return;
	}
	if (jd->m == M_DVDPRW) {
		if (rdi_status(now) != 3) {
			printf("continued: disc not formatted, nothing to continue\n");
			return;
		}
		lba = 100;
	} else {
		struct mcc_result tr;
		struct mcc_track_info ti;
		read_track_info(MCC_RTI_INVISIBLE, &tr);
		mcc_track_info(tr.data, tr.len, &ti);
		check(tr.status == MCC_STATUS_GOOD && ti.nwa_v,
		      "READ TRACK INFORMATION FFh after the reload: status 0x%02x, NWA_V %d", tr.status,
		      ti.nwa_v);
		lba = ti.nwa;
		if (jd->m == M_CDR) {		/* the page may be the default one if MODE SELECT was lost */
			uint8_t p[64];
			run(mcc_cdb_mode_sense10(false, 0, 0x05, 68), NULL, 0, 68, &r, NULL);
			int plen = r.status == MCC_STATUS_GOOD ? mcc_mode_page(r.data, r.len, p, 64) : -1;
			check(plen >= MCC_P05_MIN && (p[MCC_P05_FLAGS] & 0x0f) == 1 &&
			      (p[MCC_P05_DBT] & 0x0f) == 8, "CD-R page 05h after the reload: not TAO / DBT 8");
			if (jd->last_acked >= 1)	/* op 1 is MODE SELECT + SYNC: durable */
				check((p[MCC_P05_TRACK] >> 6) == 3, "CD-R page 05h after the reload: "
				      "multi-session %u, the durable MODE SELECT set 11b", p[MCC_P05_TRACK] >> 6);
		}
	}
	fill(buf, lba, 16, ver);
	run(mcc_cdb_write10(lba, 16), buf, 16 * 2048, 0, &r, NULL);
	check(r.status == MCC_STATUS_GOOD, "continuing at %u: WRITE(10) status 0x%02x sense %x/%02x/%02x",
	      lba, r.status, r.key, r.asc, r.ascq);
	run(mcc_cdb_synchronize_cache(false), NULL, 0, 0, &r, NULL);
	check(r.status == MCC_STATUS_GOOD, "continuing: SYNCHRONIZE CACHE status 0x%02x sense %x/%02x/%02x",
	      r.status, r.key, r.asc, r.ascq);
	struct blk b[16];
	for (uint32_t i = 0; i < 16; i++)
		b[i] = (struct blk){ lba + i, ver };
	verify_blocks(b, 16, "continued burn");
	struct mcc_track_info tl;
	run(mcc_cdb_read_track_information(MCC_RTI_LBA, lba, 48), NULL, 0, 48, &r, NULL);
	mcc_track_info(r.data, r.len, &tl);
	check(r.status == MCC_STATUS_GOOD && tl.lra_v && tl.lra >= lba + 15,
	      "continued burn: READ TRACK INFORMATION of LBA %u: LRA %u", lba, tl.lra);
	if (jd->m == M_DVDPR || jd->m == M_BDR)
		check(invisible_nwa(NULL) == lba + 16, "continued burn: NWA did not move to %u", lba + 16);
	printf("continued: 16 blocks at %u written, synced and read back\n", lba);
}

/* Sequential media.  Returns a description of what was reloaded. */
/* The unsynced blocks the killed image held (IMAGE-BLOCKS minus the durable ones), or
 * -1 when not given. */
static long image_unsynced(long image_blocks, size_t ndur, size_t nun)
{
	if (image_blocks < 0)
		return -1;
	long n = image_blocks - (long)ndur;
	check(n >= 0 && n <= (long)nun, "the killed image holds %ld blocks: not the %zu durable ones "
	      "plus at most the %zu unsynced ones", image_blocks, ndur, nun);
	return n;
}

static void verify_sequential(const struct journal_data *jd, const struct journal_data *ref,
			      const struct dstate *now, const struct dstate *dj, long image_blocks,
			      char *how, size_t howlen)
{
	const int j = jd->last_acked;
	const struct jwrite *post = jd->w + jd->acked_at;
	const unsigned npost = jd->nw - jd->acked_at;
	size_t ndur, nun;
	struct blk *dur = blocks_of(jd->w, jd->acked_at, &ndur);
	struct blk *un = blocks_of(post, npost, &nun);
	for (size_t i = 1; i < nun; i++)
		check(un[i].lba == un[i - 1].lba + 1, "journal: unsynced writes are not contiguous");
	const long nimg = image_unsynced(image_blocks, ndur, nun);

	/* (a) the durable state advanced by the first n unsynced blocks */
	bool matched = false;
	size_t n = 0;
	struct dstate pred = *dj;
	unsigned tno = 0;
	if (nun) {
		for (unsigned t = 0; t < dj->ntr; t++)
			if (t_nwa_v(dj->rti[t]) && (uint32_t)t_nwa(dj->rti[t]) == un[0].lba)
				tno = t + 1;
		check(tno != 0, "journal: the unsynced writes do not start at a NWA of the durable state");
		if (tno <= now->ntr) {
			int32_t nw = t_nwa(now->rti[tno - 1]);
			const uint8_t *t = now->rti[tno - 1];
			if (nw >= 0 && (uint32_t)nw >= un[0].lba)
				n = (uint32_t)nw - un[0].lba;
			else if (!t_nwa_v(t) && t_lra_v(t) && (uint32_t)t_lra(t) + 1 >= un[0].lba)
				n = (uint32_t)t_lra(t) + 1 - un[0].lba;	/* track full */
		}
		if (n <= nun) {
			advance(&pred, tno, (uint32_t)n, jd->m == M_CDR);
			matched = state_eq(now, &pred);
		}
	} else {
		matched = state_eq(now, dj);
	}
	if (matched) {
		/* Replay: every unsynced block the image held, or none when the track was blank
		 * in the durable state and the STATE its first WRITE wrote did not reach the
		 * file (doc/simdrive-recorder.md "STATE record policy"). */
		bool blank = tno && t_blank(dj->rti[tno - 1]);
		check(nimg < 0 || (long)n == nimg || (n == 0 && blank), "the killed image held %ld unsynced "
		      "blocks after op %d, the reloaded drive replayed %zu", nimg, j, n);
		verify_blocks(dur, ndur, "durable blocks");
		verify_blocks(un, n, "replayed unsynced blocks");
		if (n < nun)
			read10_expect_blank(un[n].lba, "first block not replayed");
		snprintf(how, howlen, "op %d (%s) durable, %zu of %zu unsynced blocks replayed", j,
			 jd->ops[j].name, n, nun);
	} else if (jd->x_op && (unsigned)j + 1 < ref->nops && ref->ops[j + 1].st.valid &&
		   state_eq(now, &ref->ops[j + 1].st)) {
		/* (b) the operation in flight completed */
		check(nimg < 0 || nimg == (long)nun, "op %d completed, but the killed image held only %ld "
		      "of the %zu blocks before it", j + 1, nimg, nun);
		verify_blocks(dur, ndur, "durable blocks");
		verify_blocks(un, nun, "blocks before the completed operation");
		snprintf(how, howlen, "op %d (%s) in flight completed, %zu unsynced blocks with it", j + 1,
			 ref->ops[j + 1].name, nun);
	} else {
		char d1[2048], d2[2048], d3[256];
		describe(d1, sizeof(d1), now);
		describe(d2, sizeof(d2), nun ? &pred : dj);
		state_diff(d3, sizeof(d3), now, nun ? &pred : dj);
		check(false, "reloaded state is neither the durable state of op %d advanced by at most "
		      "%zu blocks%s\n  reloaded:  %s\n  predicted: %s (n=%zu; %s)", j, nun,
		      jd->x_op ? " nor the state after the operation in flight" : "", d1, d2, n, d3);
	}
	free(dur);
	free(un);
	/* Nothing past the drive's NWA is readable. */
	struct mcc_result r;
	struct mcc_track_info t;
	read_track_info(MCC_RTI_INVISIBLE, &r);
	if (r.status == MCC_STATUS_GOOD && mcc_track_info(r.data, r.len, &t) && t.nwa_v)
		read10_expect_blank(t.nwa, "the NWA after the reload");
}

/* DVD+RW: the state is the durable one except the last recorded LBA; every block holds
 * the content of a cut c of the unsynced block stream: for each LBA the last write to
 * it among the durable writes and the first c unsynced blocks (zeros when none). */
static void verify_random(const struct journal_data *jd, const struct journal_data *ref,
			  const struct dstate *now, const struct dstate *dj, long image_blocks,
			  char *how, size_t howlen)
{
	const int j = jd->last_acked;
	size_t nun, ndur = 0;
	struct blk *un = blocks_of(jd->w + jd->acked_at, jd->nw - jd->acked_at, &nun);
	for (unsigned i = 0; i < jd->acked_at; i++)
		ndur += jd->w[i].n;
	const long nimg = image_unsynced(image_blocks, ndur, nun);
	uint32_t *durver = calloc(RW_CAPACITY, sizeof(*durver));
	if (!durver)
		mcc_die("out of memory");
	for (unsigned i = 0; i < jd->acked_at; i++)
		for (uint32_t k = 0; k < jd->w[i].n; k++)
			durver[jd->w[i].lba + k] = jd->w[i].ver;

	/* Layout: equal to the durable state but for LRA_V/LRA of track 1, or (op in flight)
	 * the state after it. */
	struct dstate a = *now, b = *dj;
	bool layout = a.ntr == 1 && b.ntr == 1;
	if (layout) {
		a.rti[0][7] &= (uint8_t)~2;
		b.rti[0][7] &= (uint8_t)~2;
		memset(a.rti[0] + 28, 0, 4);
		memset(b.rti[0] + 28, 0, 4);
		layout = state_eq(&a, &b);
	}
	bool completed = false;
	if (!layout && jd->x_op && (unsigned)j + 1 < ref->nops && ref->ops[j + 1].st.valid &&
	    state_eq(now, &ref->ops[j + 1].st))
		completed = true;
	if (!layout && !completed) {
		char d1[1024], d2[1024], d3[256];
		describe(d1, sizeof(d1), now);
		describe(d2, sizeof(d2), dj);
		state_diff(d3, sizeof(d3), now, dj);
		check(false, "reloaded DVD+RW state is not the durable state of op %d\n  reloaded: %s\n"
		      "  durable:  %s (%s)", j, d1, d2, d3);
	}
	nchecks++;

	/* Per LBA, the interval of cuts its content allows; intersect them. */
	size_t lo = 0, hi = nun;
	if (completed)
		lo = nun;
	size_t *first = malloc(RW_CAPACITY * sizeof(*first));	/* first unsynced position */
	size_t *next = malloc((nun ? nun : 1) * sizeof(*next));	/* next position, same LBA */
	if (!first || !next)
		mcc_die("out of memory");
	for (uint32_t l = 0; l < RW_CAPACITY; l++)
		first[l] = SIZE_MAX;
	for (size_t p = nun; p-- > 0;) {
		next[p] = first[un[p].lba];
		first[un[p].lba] = p;
	}
	if (rdi_status(now) == 3) {
		static uint8_t buf[64 * 2048];
		for (uint32_t l0 = 0; l0 < RW_CAPACITY; l0 += 64) {
			struct mcc_result r;
			read_blocks(l0, 64, buf, &r);
			check(r.status == MCC_STATUS_GOOD && r.len == 64 * 2048,
			      "READ(10) LBA %u x 64: status 0x%02x sense %x/%02x/%02x", l0, r.status, r.key,
			      r.asc, r.ascq);
			for (uint32_t k = 0; k < 64; k++) {
				uint32_t l = l0 + k;
				const uint8_t *blk = buf + k * 2048;
				size_t from, to;
				if (block_is(blk, l, durver[l])) {
					from = 0;
					to = first[l] == SIZE_MAX ? nun : first[l];
				} else {
					size_t p = first[l];
					while (p != SIZE_MAX && !block_is(blk, l, un[p].ver))
						p = next[p];
					check(p != SIZE_MAX, "LBA %u holds neither its durable content (write %u) "
					      "nor an unsynced write's", l, durver[l]);
					from = p + 1;
					to = next[p] == SIZE_MAX ? nun : next[p];
				}
				if (from > lo)
					lo = from;
				if (to < hi)
					hi = to;
				check(lo <= hi, "LBA %u: its content does not fit a prefix of the unsynced writes "
				      "together with the blocks before it (cuts %zu..%zu)", l, lo, hi);
			}
		}
	}
	/* The cut is where the image ended: every unsynced block it held is replayed. */
	check(nimg < 0 || ((size_t)nimg >= lo && (size_t)nimg <= hi), "the killed image held %ld "
	      "unsynced blocks, the content read back fits only the first %zu..%zu", nimg, lo, hi);
	/* The last recorded LBA: the highest LBA of the durable state and of the cut. */
	int32_t lra = t_lra(now->rti[0]), base = t_lra(dj->rti[0]), m = base;
	bool lra_ok = false;
	for (size_t c = 0; c <= hi; c++) {
		if (c >= lo && m == lra && (nimg < 0 || c == (size_t)nimg))
			lra_ok = true;
		if (c < nun && (int32_t)un[c].lba > m)
			m = (int32_t)un[c].lba;
	}
	check(lra_ok || completed, "DVD+RW last recorded LBA %d does not match the content (cuts %zu..%zu)",
	      (int)lra, lo, hi);
	if (nimg >= 0) {
		lo = hi = (size_t)nimg;
	}
	if (completed)
		snprintf(how, howlen, "op %d (%s) in flight completed, %zu unsynced blocks with it", j + 1,
			 ref->ops[j + 1].name, nun);
	else if (lo == hi)
		snprintf(how, howlen, "op %d (%s) durable, %zu of %zu unsynced blocks replayed", j,
			 jd->ops[j].name, lo, nun);
	else
		snprintf(how, howlen, "op %d (%s) durable, %zu..%zu of %zu unsynced blocks replayed", j,
			 jd->ops[j].name, lo, hi, nun);
	free(first);
	free(next);
	free(durver);
	free(un);
}

static int cmd_verify(int argc, char **argv)
{
	if (argc != 5 && argc != 6)
		mcc_die("usage: powerclient verify URL JOURNAL REFJOURNAL [IMAGE-BLOCKS]");
	const long image_blocks = argc == 6 ? strtol(argv[5], NULL, 10) : -1;
	struct journal_data jd, ref;
	jd_load(argv[3], &jd);
	jd_load(argv[4], &ref);
	g_seed = jd.seed;
	check(ref.m == jd.m && ref.seed == jd.seed && ref.ended, "the reference journal %s is not a "
	      "finished burn of the same plan", argv[4]);
	/* The plan is deterministic: every state the killed run saw is the reference's. */
	for (unsigned k = 0; k < jd.nops; k++)
		if (jd.ops[k].st.valid)
			check(k < ref.nops && ref.ops[k].st.valid && state_eq(&jd.ops[k].st, &ref.ops[k].st),
			      "op %u: the state differs from the uninterrupted run's", k);

	connect_url(argv[2]);
	struct dstate now;
	read_state(&now);
	char how[256];
	const int j = jd.last_acked;
	if (j < 0) {
		/* Killed before the first state was read: the blank disc. */
		check(ref.nops > 0 && state_eq(&now, &ref.ops[0].st), "killed before login: the disc is "
		      "not blank");
		snprintf(how, sizeof(how), "killed before the burn started: blank disc");
	} else {
		const struct dstate *dj = jd.ops[j].st.valid ? &jd.ops[j].st
			: (unsigned)j < ref.nops && ref.ops[j].st.valid ? &ref.ops[j].st : NULL;
		check(dj != NULL, "no state known for the acknowledged op %d", j);
		if (jd.m == M_DVDPRW)
			verify_random(&jd, &ref, &now, dj, image_blocks, how, sizeof(how));
		else
			verify_sequential(&jd, &ref, &now, dj, image_blocks, how, sizeof(how));
	}
	char d[2048];
	describe(d, sizeof(d), &now);
	printf("reloaded: %s; %s\n", how, d);
	continue_burn(&jd, &now);
	struct dstate fin;
	read_state(&fin);
	print_layout(&fin);
	printf("checks %u\n", nchecks);
	iscsi_logout_sync(ctx);
	iscsi_destroy_context(ctx);
	jd_free(&jd);
	jd_free(&ref);
	return 0;
}

int main(int argc, char **argv)
{
	mcc_init("powerclient");
	if (argc >= 2 && strcmp(argv[1], "burn") == 0)
		return cmd_burn(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc, argv);
	fprintf(stderr, "usage: powerclient burn URL MEDIUM SEED JOURNAL [PID K]\n"
		"       powerclient verify URL JOURNAL REFJOURNAL [IMAGE-BLOCKS]\n");
	return 2;
}
