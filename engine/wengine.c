/* engine/wengine.c - the `wengine` command: what a drive reports, WriteSection burns
 * with progress, CLOSE TRACK/SESSION, SYNCHRONIZE CACHE, read-back and verify, over
 * iSCSI (engine/wengine.1 is its manual).
 *
 * A client of the public API only (writeengine.h, imapi2_hresult.h), as an IMAPI2
 * application is: commands the library has no method for (CLOSE TRACK/SESSION,
 * SYNCHRONIZE CACHE, READ(10), GET PERFORMANCE, READ BUFFER CAPACITY) go through the
 * pass-through methods.  Their CDBs, the page 05h fields, the disc and track
 * information layouts, the profile names and the JSON strings are mmcclient's
 * (mmcclient/README.md: the engine library itself does not use it).
 *
 * Exit status: 0 success, 1 the drive or the engine failed, 2 usage error, 3 FILE
 * cannot be opened, read or written, 4 verify found a difference. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "imapi2_hresult.h"
#include "mmcclient.h"
#include "cuesheet.h"
#include "discformat2.h"
#include "rawcdimage.h"
#include "wav.h"
#include "writeengine.h"

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2, EX_FILE = 3, EX_MISMATCH = 4 };

#define PROG "wengine"

/* CLOSE, SYNCHRONIZE CACHE without IMMED can take minutes on a real drive (fixation;
 * libburn allows 3600 s). */
#define LONG_TIMEOUT_S 3600u
/* How long a pass-through command answered NOT READY "in progress" is re-sent. */
#define BUSY_WAIT_MS 300000

/* ---- Speeds ----------------------------------------------------------------------- */

/* "x" of a medium: mcc_family_1x_bytes and mcc_speed_x (mmccdb.h), the one definition
 * the engine's timeline uses too. */
static double speed_x(enum mcc_family f, double bytes_per_s, int bps)
{
	return mcc_speed_x(f, bytes_per_s, bps);
}

/* ---- Output: one emitter for text and JSON, so each report is written once -------- */

struct out {
	FILE *f;
	bool json;
	int depth;
	int count[16];		/* members written at each depth (JSON commas) */
};

static void out_begin(struct out *o, FILE *f, bool json)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
	if (json)
		fputc('{', f);
}

static void out_end(struct out *o)
{
	if (o->json)
		fputs("}\n", o->f);
	fflush(o->f);
}

/* Starts a member: JSON comma and "key": (no key inside arrays); text indentation and
 * "label:" plus a space before a value (a "- " bullet inside arrays when label is
 * NULL). */
static void out_member(struct out *o, const char *key, const char *label, bool value)
{
	if (o->json) {
		if (o->count[o->depth]++)
			fputc(',', o->f);
		if (key) {
			mcc_json_str(o->f, key);
			fputc(':', o->f);
		}
	} else {
		fprintf(o->f, "%*s", o->depth * 2, "");
		if (label)
			fprintf(o->f, value ? "%s: " : "%s:", label);
		else
			fputs("- ", o->f);
	}
}

static void out_key(struct out *o, const char *key, const char *label)
{
	out_member(o, key, label, true);
}

static void out_push(struct out *o, const char *key, const char *label, char open)
{
	out_member(o, key, label, false);
	if (o->json)
		fputc(open, o->f);
	else
		fputc('\n', o->f);
	if (o->depth < (int)(sizeof(o->count) / sizeof(o->count[0])) - 1)
		o->depth++;
	o->count[o->depth] = 0;
}

static void out_open(struct out *o, const char *key, const char *label)
{
	out_push(o, key, label, '{');
}

static void out_open_array(struct out *o, const char *key, const char *label)
{
	out_push(o, key, label, '[');
}

static void out_pop(struct out *o, char close)
{
	if (o->depth > 0)
		o->depth--;
	if (o->json)
		fputc(close, o->f);
}

static void out_close(struct out *o)
{
	out_pop(o, '}');
}

static void out_close_array(struct out *o)
{
	out_pop(o, ']');
}

static void out_str(struct out *o, const char *key, const char *label, const char *v)
{
	out_key(o, key, label);
	if (o->json)
		mcc_json_str(o->f, v);
	else
		fprintf(o->f, "%s\n", v);
}

static void out_fmt(struct out *o, const char *key, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void out_fmt(struct out *o, const char *key, const char *label, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out_str(o, key, label, buf);
}

/* A number; text mode may add a note in parentheses ("2048 (mode 1)"). */
static void out_num_note(struct out *o, const char *key, const char *label, int64_t v,
			 const char *note)
{
	out_key(o, key, label);
	if (o->json)
		fprintf(o->f, "%" PRId64, v);
	else if (note && *note)
		fprintf(o->f, "%" PRId64 " (%s)\n", v, note);
	else
		fprintf(o->f, "%" PRId64 "\n", v);
}

static void out_num(struct out *o, const char *key, const char *label, int64_t v)
{
	out_num_note(o, key, label, v, NULL);
}

static void out_dbl(struct out *o, const char *key, const char *label, double v, int prec)
{
	out_key(o, key, label);
	if (v != v || v > 1e300 || v < -1e300)	/* JSON has no NaN or infinity */
		v = 0;
	fprintf(o->f, o->json ? "%.*f" : "%.*f\n", prec, v);
}

static void out_bool(struct out *o, const char *key, const char *label, bool v)
{
	out_key(o, key, label);
	if (o->json)
		fputs(v ? "true" : "false", o->f);
	else
		fputs(v ? "yes\n" : "no\n", o->f);
}

static void out_null(struct out *o, const char *key, const char *label, const char *text)
{
	out_key(o, key, label);
	if (o->json)
		fputs("null", o->f);
	else
		fprintf(o->f, "%s\n", text);
}

/* ---- HRESULTs and sense -------------------------------------------------------------- */

static bool sense_present(const uint8_t sense[IMAPI_SENSE_LEN])
{
	uint8_t code = sense[0] & 0x7f;
	return code >= 0x70 && code <= 0x73;
}

static uint8_t sense_key(const uint8_t s[IMAPI_SENSE_LEN])
{
	return s[2] & 0x0f;
}

static const char *hr_name(hresult_t hr)
{
	const char *n = imapi_hresult_name(hr);
	return n ? n : "HRESULT";
}

/* The HRESULT as a string "NAME (0xVALUE)": names are static, the buffer is the
 * caller's. */
static const char *hr_words(hresult_t hr, char *buf, size_t len)
{
	snprintf(buf, len, "%s (0x%08" PRIX32 ")", hr_name(hr), (uint32_t)hr);
	return buf;
}

/* The recorder's last sense (disc_recorder_ex_get_last_sense) into buf, or NULL. */
static const uint8_t *rec_sense(disc_recorder_ex *r, uint8_t buf[IMAPI_SENSE_LEN])
{
	if (!r || disc_recorder_ex_get_last_sense(r, buf) != S_OK || !sense_present(buf))
		return NULL;
	return buf;
}

/* Every failure is reported the same way: the HRESULT's name, value and text, then the
 * sense in words when the drive gave any. */
static int report(const char *cmd, hresult_t hr, const uint8_t *sense)
{
	char words[64];
	fprintf(stderr, PROG ": %s: %s: %s\n", cmd, hr_words(hr, words, sizeof(words)),
		imapi_hresult_text(hr));
	if (sense) {
		char text[192];
		imapi_sense_describe(sense, IMAPI_SENSE_LEN, text, sizeof(text));
		fprintf(stderr, PROG ": sense: %s\n", text);
	}
	return EX_FAIL;
}

static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, PROG ": %s%s", cmd ? cmd : "", cmd ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n" PROG ": try '" PROG " %s%s--help'\n", cmd ? cmd : "", cmd ? " " : "");
	return EX_USAGE;
}

static int file_error(const char *cmd, const char *path, const char *what, int err)
{
	fprintf(stderr, PROG ": %s: cannot %s '%s': %s\n", cmd, what, path, strerror(err));
	return EX_FILE;
}

/* ---- Command line -------------------------------------------------------------------- */

enum cmd_bit {
	C_INFO = 1u << 0, C_WRITE = 1u << 1, C_CLOSE = 1u << 2, C_SYNC = 1u << 3,
	C_READ = 1u << 4, C_VERIFY = 1u << 5, C_BURN = 1u << 6, C_ERASE = 1u << 7,
	C_FORMAT = 1u << 8,
	C_ALL = 0x1ff,
};

enum opt_id {
	O_HELP = 'h', O_QUIET = 'q',
	O_VERSION = 256, O_JSON, O_BPS, O_LBA, O_BLOCKS, O_STREAMING, O_START_SPS, O_END_SPS,
	O_BUFFER, O_QUEUE_DEPTH, O_MAX_TRANSFER, O_WRITE_TYPE, O_DBT, O_TRACK_MODE,
	O_PROGRESS, O_NO_PROGRESS, O_MULTISESSION, O_CLOSE_DISC, O_FINALIZE, O_VERIFY_LEVEL,
	O_SPEED, O_CLIENT, O_FORCE_OVERWRITE, O_FULL, O_AUDIO, O_DAO, O_RAW_TYPE, O_GRAPH,
};

/* Every option once: which commands take it, which require it, and its help line. */
static const struct wopt {
	const char *name;
	int has_arg;
	int id;
	unsigned cmds;		/* commands that accept it */
	unsigned required;	/* commands that require it */
	const char *arg;
	const char *help;
} wopts[] = {
	{ "help", no_argument, O_HELP, C_ALL, 0, NULL, "this help" },
	{ "quiet", no_argument, O_QUIET, C_ALL, 0, NULL,
	  "no progress, no summary; errors are still printed" },
	{ "json", no_argument, O_JSON, C_INFO | C_WRITE | C_BURN, 0, NULL,
	  "JSON on standard output (burn: one object per event, then the result)" },
	{ "bytes-per-sector", required_argument, O_BPS, C_WRITE | C_READ | C_VERIFY, C_WRITE,
	  "N", "block size: 2048, 2352, 2448... (read and verify: 2048)" },
	{ "lba", required_argument, O_LBA, C_WRITE | C_READ | C_VERIFY,
	  C_WRITE | C_READ | C_VERIFY, "L|nwa",
	  "first block, or 'nwa' (write): the next writable address" },
	{ "blocks", required_argument, O_BLOCKS, C_WRITE | C_READ | C_VERIFY, C_READ, "N",
	  "number of blocks (write, verify: FILE size / block size)" },
	{ "streaming", no_argument, O_STREAMING, C_WRITE, 0, NULL,
	  "WRITE(12) with the Streaming bit (UseStreamingWrite12)" },
	{ "start-sps", required_argument, O_START_SPS, C_WRITE, 0, "N",
	  "StartingSectorsPerSecond (-1 = maximum)" },
	{ "end-sps", required_argument, O_END_SPS, C_WRITE, 0, "N",
	  "EndingSectorsPerSecond (-1 = maximum)" },
	{ "buffer", required_argument, O_BUFFER, C_WRITE, 0, "SIZE",
	  "engine system buffer (K, M, G suffixes; default 8M)" },
	{ "queue-depth", required_argument, O_QUEUE_DEPTH, C_WRITE | C_BURN, 0, "N",
	  "WRITE commands in flight (1..64, default 1)" },
	{ "max-transfer", required_argument, O_MAX_TRANSFER, C_WRITE | C_READ | C_VERIFY, 0,
	  "BYTES", "lower the bytes per command (K, M suffixes)" },
	{ "write-type", required_argument, O_WRITE_TYPE, C_WRITE, 0,
	  "tao|sao|raw|packet|incremental", "page 05h write type, set before writing" },
	{ "data-block-type", required_argument, O_DBT, C_WRITE, 0, "N",
	  "page 05h data block type (0 raw 2352, 3 raw+P-W 2448, 8 mode 1 2048...)" },
	{ "track-mode", required_argument, O_TRACK_MODE, C_WRITE, 0, "N",
	  "page 05h track mode (0 audio, 4 data...)" },
	{ "progress", no_argument, O_PROGRESS, C_WRITE | C_BURN | C_ERASE | C_FORMAT, 0, NULL,
	  "show progress even when standard error is not a terminal" },
	{ "no-progress", no_argument, O_NO_PROGRESS, C_WRITE | C_BURN | C_ERASE | C_FORMAT, 0, NULL,
	  "never show progress" },
	{ "multisession", no_argument, O_MULTISESSION, C_BURN, 0, NULL,
	  "leave the disc appendable (DVD+R too: no compatible close)" },
	{ "close", no_argument, O_CLOSE_DISC, C_BURN, 0, NULL,
	  "close the disc: no session may follow (ForceMediaToBeClosed)" },
	{ "finalize", no_argument, O_FINALIZE, C_BURN, 0, NULL, "the same as --close" },
	{ "verify", required_argument, O_VERIFY_LEVEL, C_BURN, 0, "none|quick|full",
	  "read back after the burn (default quick, as IMAPI2)" },
	{ "speed", required_argument, O_SPEED, C_BURN, 0, "X|max",
	  "write speed in x of the medium (CD 1x = 75 sectors/s)" },
	{ "client", required_argument, O_CLIENT, C_BURN | C_ERASE | C_FORMAT, 0, "NAME",
	  "the ClientName of the burn or erase (default wengine)" },
	{ "audio", no_argument, O_AUDIO, C_BURN, 0, NULL,
	  "the files are WAV tracks (44.1 kHz, 16-bit, stereo) burned as CD-DA" },
	{ "dao", no_argument, O_DAO, C_BURN, 0, NULL,
	  "with --audio: Disc-at-Once in raw mode (IDiscFormat2RawCD), 2-second pre-gaps" },
	{ "raw-type", required_argument, O_RAW_TYPE, C_BURN, 0, "pq|cooked|raw",
	  "Disc-at-Once sector type: 2352 + 16 P-Q, or 2352 + 96 P-W packed / raw (default raw)" },
	{ "full", no_argument, O_FULL, C_ERASE, 0, NULL,
	  "blank the whole disc (FullErase), not only its table of contents" },
	{ "force-overwrite", no_argument, O_FORCE_OVERWRITE, C_BURN, 0, NULL,
	  "overwrite a DVD+RW / BD-RE that holds data (ForceOverwrite)" },
	{ "graph", required_argument, O_GRAPH, C_WRITE | C_BURN, 0, "FILE.svg",
	  "draw the burn's timeline (speed, buffers, stages, events) as an SVG picture" },
	{ "version", no_argument, O_VERSION, 0, 0, NULL, "print the version" },
};
#define NOPTS (sizeof(wopts) / sizeof(wopts[0]))

struct args {
	bool json, quiet;
	int progress;		/* -1 automatic (isatty), 0 off, 1 on */
	int32_t bps;		/* 0: not given */
	bool lba_nwa;
	int32_t lba;
	int32_t blocks;		/* 0: not given */
	bool streaming;
	int32_t start_sps, end_sps;	/* -1: default */
	int32_t buffer;		/* 0: not given */
	int32_t queue_depth;	/* 0: not given */
	int32_t max_transfer;	/* 0: not given */
	int write_type, dbt, track_mode;	/* -1: not given */
	int close_disc;		/* burn: -1 IMAPI2's default, 0 --multisession, 1 --close */
	int verify_level;	/* burn: IMAPI_BURN_VERIFICATION_*, -1 the default */
	double speed_x;		/* burn: 0 the fastest */
	const char *client;
	bool force_overwrite;
	bool full;
	bool audio, dao;
	int raw_type;		/* IMAPI_FORMAT2_RAW_CD_SUBCODE_*, 0 the default */
	const char *graph;	/* --graph FILE, NULL: none */
	unsigned given;		/* bit per option index in wopts */
	const char *pos[101];	/* burn --audio: URL and up to 99 tracks */
	int npos;
};

struct wctx;
typedef int (*cmd_fn)(struct wctx *c);

struct wcmd {
	const char *name;
	unsigned bit;
	cmd_fn fn;
	int min_pos, max_pos;	/* positional arguments after the command name */
	const char *synopsis;
	const char *what;
};

struct wctx {
	const struct wcmd *cmd;
	struct args a;
	disc_recorder_ex *rec;
	imapi_timeline *tl;	/* --graph: the burn's timeline */
};

static int cmd_info(struct wctx *c);
static int cmd_write(struct wctx *c);
static int cmd_close(struct wctx *c);
static int cmd_sync(struct wctx *c);
static int cmd_read(struct wctx *c);
static int cmd_verify(struct wctx *c);
static int cmd_burn(struct wctx *c);
static int cmd_erase(struct wctx *c);

static const struct wcmd wcmds[] = {
	{ "info", C_INFO, cmd_info, 1, 1, "info URL [--json]",
	  "What the drive and the disc report" },
	{ "write", C_WRITE, cmd_write, 2, 2,
	  "write URL FILE --bytes-per-sector N --lba L|nwa [OPTION]...",
	  "Write FILE with the write engine (one WriteSection)" },
	{ "burn", C_BURN, cmd_burn, 2, 100,
	  "burn URL IMAGE [--multisession|--close] [--verify none|quick|full] [--speed X]\n"
	  "  burn URL --audio TRACK.wav... [--multisession | --dao]\n"
	  "  burn URL DISC.cue [--raw-type pq|cooked|raw]",
	  "Burn a 2048-byte-sector image (an ISO) as IMAPI2's IDiscFormat2Data does, WAV "
	  "files as CD-DA tracks (IDiscFormat2TrackAtOnce, or Disc-at-Once with --dao), or a "
	  "CUE sheet Disc-at-Once (IRawCDImageCreator and IDiscFormat2RawCD)" },
	{ "erase", C_ERASE, cmd_erase, 1, 1, "erase URL [--full]",
	  "Erase a CD-RW or DVD-RW (BLANK), or format a DVD+RW or BD-RE anew "
	  "(IDiscFormat2Erase)" },
	{ "format", C_FORMAT, cmd_erase, 1, 1, "format URL",
	  "Format a DVD+RW or BD-RE (FORMAT UNIT, the full format the drive offers)" },
	{ "close", C_CLOSE, cmd_close, 2, 3, "close URL track N|session|finalize",
	  "CLOSE TRACK/SESSION: close a track or a session, or finalize the disc" },
	{ "sync", C_SYNC, cmd_sync, 1, 1, "sync URL", "SYNCHRONIZE CACHE: flush the drive's buffer" },
	{ "read", C_READ, cmd_read, 2, 2,
	  "read URL FILE --lba L --blocks N [--bytes-per-sector 2048]",
	  "READ(10) blocks into FILE" },
	{ "verify", C_VERIFY, cmd_verify, 2, 2,
	  "verify URL FILE --lba L [--blocks N] [--bytes-per-sector 2048]",
	  "READ(10) blocks and compare them with FILE" },
};
#define NCMDS (sizeof(wcmds) / sizeof(wcmds[0]))

static const struct wcmd *cmd_find(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(wcmds[i].name, name) == 0)
			return &wcmds[i];
	return NULL;
}

static void help_general(FILE *f)
{
	fprintf(f, "Usage: " PROG " COMMAND URL [ARGS] [OPTION]...\n"
		"Burn and inspect optical discs over iSCSI with libwriteengine\n"
		"(IMAPI2's IWriteEngine2 and IDiscRecorder2Ex).\n\nCommands:\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  %s\n      %s\n", wcmds[i].synopsis, wcmds[i].what);
	fprintf(f, "  help COMMAND\n      The usage of COMMAND\n\n"
		"URL: iscsi://[user[%%password]@]host[:port]/target-iqn/lun\n"
		"Global options: -h, --help; --version; -q, --quiet.\n"
		"'" PROG " COMMAND --help' lists a command's options; man " PROG " has the rest.\n"
		"Exit status: 0 ok, 1 drive or engine failure, 2 usage, 3 FILE error,\n"
		"4 verify mismatch.\n");
}

static void help_command(FILE *f, const struct wcmd *cmd)
{
	fprintf(f, "Usage: " PROG " %s\n%s.\n\nOptions:\n", cmd->synopsis, cmd->what);
	for (size_t i = 0; i < NOPTS; i++) {
		const struct wopt *w = &wopts[i];
		char left[64];
		if (!(w->cmds & cmd->bit))
			continue;
		snprintf(left, sizeof(left), "%s--%s%s%s", w->id == O_HELP ? "-h, " :
			 w->id == O_QUIET ? "-q, " : "", w->name, w->arg ? " " : "",
			 w->arg ? w->arg : "");
		fprintf(f, "  %s\n      %s%s\n", left, w->help,
			(w->required & cmd->bit) ? " (required)" : "");
	}
}

/* Integers: decimal, optionally negative; with a K/M/G suffix (powers of 1024) when
 * sizes are allowed. */
static bool parse_int(const char *s, bool size, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s)
		return false;
	if (size && *end) {
		long long mul = *end == 'K' || *end == 'k' ? 1024LL :
				*end == 'M' || *end == 'm' ? 1024LL * 1024 :
				*end == 'G' || *end == 'g' ? 1024LL * 1024 * 1024 : 0;
		if (!mul || end[1] || v > LLONG_MAX / mul || v < LLONG_MIN / mul)
			return false;
		v *= mul;
		end++;
	}
	if (*end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static const struct {
	const char *name;
	int code;
} write_types[] = {
	{ "packet", 0 }, { "incremental", 0 }, { "tao", 1 }, { "sao", 2 }, { "dao", 2 },
	{ "raw", 3 },
};

/* One option's value into args; a bad value is a usage error naming option and value. */
static int set_option(struct args *a, const char *cmd, const struct wopt *w, const char *v)
{
	int64_t n;
	struct {
		int id;
		int32_t *dst;
		bool size;
		int64_t min, max;
		const char *expect;
	} const ints[] = {
		{ O_BPS, &a->bps, false, 1, INT32_MAX, "a positive integer" },
		{ O_BLOCKS, &a->blocks, false, 1, INT32_MAX, "a positive integer" },
		{ O_START_SPS, &a->start_sps, false, INT32_MIN, INT32_MAX, "an integer" },
		{ O_END_SPS, &a->end_sps, false, INT32_MIN, INT32_MAX, "an integer" },
		{ O_BUFFER, &a->buffer, true, 1, INT32_MAX, "a size such as 8M" },
		{ O_QUEUE_DEPTH, &a->queue_depth, false, 1, INT32_MAX, "a positive integer" },
		{ O_MAX_TRANSFER, &a->max_transfer, true, 1, INT32_MAX, "a size such as 64K" },
		{ O_DBT, &a->dbt, false, 0, 15, "0..15" },
		{ O_TRACK_MODE, &a->track_mode, false, 0, 15, "0..15" },
	};

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (ints[i].id != w->id)
			continue;
		if (!parse_int(v, ints[i].size, ints[i].min, ints[i].max, &n))
			return usage_error(cmd, "invalid value '%s' for --%s (%s expected)", v,
					   w->name, ints[i].expect);
		*ints[i].dst = (int32_t)n;
		return EX_OK;
	}
	switch (w->id) {
	case O_JSON: a->json = true; break;
	case O_QUIET: a->quiet = true; break;
	case O_STREAMING: a->streaming = true; break;
	case O_PROGRESS: a->progress = 1; break;
	case O_MULTISESSION: a->close_disc = 0; break;
	case O_CLOSE_DISC: case O_FINALIZE: a->close_disc = 1; break;
	case O_CLIENT: a->client = v; break;
	case O_GRAPH: a->graph = v; break;
	case O_FORCE_OVERWRITE: a->force_overwrite = true; break;
	case O_FULL: a->full = true; break;
	case O_AUDIO: a->audio = true; break;
	case O_DAO: a->dao = true; break;
	case O_RAW_TYPE: {
		static const char *const names[] = { "pq", "cooked", "raw" };
		for (int i = 0; i < 3; i++)
			if (strcmp(v, names[i]) == 0) {
				a->raw_type = i + 1;
				return EX_OK;
			}
		return usage_error(cmd, "invalid value '%s' for --raw-type (pq, cooked or raw "
				   "expected)", v);
	}
	case O_VERIFY_LEVEL: {
		static const char *const levels[] = { "none", "quick", "full" };
		for (int i = 0; i < 3; i++)
			if (strcmp(v, levels[i]) == 0) {
				a->verify_level = i;
				return EX_OK;
			}
		return usage_error(cmd, "invalid value '%s' for --verify (none, quick or full "
				   "expected)", v);
	}
	case O_SPEED: {
		char *end;
		if (strcmp(v, "max") == 0) {
			a->speed_x = 0;
			break;
		}
		errno = 0;
		a->speed_x = strtod(v, &end);
		if (errno || end == v || (*end && strcmp(end, "x") != 0) || !(a->speed_x > 0) ||
		    a->speed_x > 1000)
			return usage_error(cmd, "invalid value '%s' for --speed (a speed such as "
					   "4, 8x or max expected)", v);
		break;
	}
	case O_NO_PROGRESS: a->progress = 0; break;
	case O_LBA:
		if (strcmp(v, "nwa") == 0) {
			a->lba_nwa = true;
		} else if (parse_int(v, false, INT32_MIN, INT32_MAX, &n)) {
			a->lba_nwa = false;
			a->lba = (int32_t)n;
		} else {
			return usage_error(cmd, "invalid value '%s' for --lba (an LBA or 'nwa' "
					   "expected)", v);
		}
		break;
	case O_WRITE_TYPE:
		for (size_t i = 0; i < sizeof(write_types) / sizeof(write_types[0]); i++)
			if (strcmp(write_types[i].name, v) == 0) {
				a->write_type = write_types[i].code;
				return EX_OK;
			}
		return usage_error(cmd, "invalid value '%s' for --write-type (tao, sao, raw, "
				   "packet or incremental expected)", v);
	default:
		break;
	}
	return EX_OK;
}

static int opt_index(int id)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (wopts[i].id == id)
			return (int)i;
	return -1;
}

static bool opt_given(const struct args *a, int id)
{
	int i = opt_index(id);
	return i >= 0 && (a->given & (1u << i));
}

/* getopt_long returns OPT_VAL_BASE + the wopts index for long options (1 and the
 * short letters are taken). */
#define OPT_VAL_BASE 1000

/* Parses "COMMAND ARGS... OPTIONS..." (options anywhere after the command). */
static int parse_command(struct wctx *c, int argc, char **argv)
{
	struct option lopts[NOPTS + 1];
	struct args *a = &c->a;
	const char *cmd = c->cmd->name;

	for (size_t i = 0; i < NOPTS; i++)
		lopts[i] = (struct option){ wopts[i].name, wopts[i].has_arg, NULL,
					    OPT_VAL_BASE + (int)i };
	memset(&lopts[NOPTS], 0, sizeof(lopts[NOPTS]));

	opterr = 0;
	optind = 1;
	for (;;) {
		/* "-": positional arguments come back as 1, in order; ":": a missing value
		 * is ':' rather than '?'. */
		int ch = getopt_long(argc, argv, "-:hq", lopts, NULL);
		int idx;
		if (ch == -1)
			break;
		if (ch == 1) {
			if (a->npos >= c->cmd->max_pos)
				return usage_error(cmd, "unexpected argument '%s'", optarg);
			a->pos[a->npos++] = optarg;
			continue;
		}
		if (ch == ':')
			return usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		if (ch == '?') {
			if (optopt > 0 && optopt < OPT_VAL_BASE)
				return usage_error(cmd, "unknown option '-%c'", optopt);
			return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
		idx = ch == 'h' ? opt_index(O_HELP) : ch == 'q' ? opt_index(O_QUIET)
								  : ch - OPT_VAL_BASE;
		const struct wopt *w = &wopts[idx];
		if (w->id == O_HELP) {
			help_command(stdout, c->cmd);
			return -1;	/* done, exit 0 */
		}
		if (!(w->cmds & c->cmd->bit))
			return usage_error(cmd, "option --%s does not apply to %s", w->name, cmd);
		a->given |= 1u << idx;
		int rc = set_option(a, cmd, w, optarg);
		if (rc != EX_OK)
			return rc;
	}
	if (a->npos < c->cmd->min_pos)
		return usage_error(cmd, "missing argument: %s", c->cmd->synopsis);
	for (size_t i = 0; i < NOPTS; i++)
		if ((wopts[i].required & c->cmd->bit) && !(a->given & (1u << i)))
			return usage_error(cmd, "--%s is required", wopts[i].name);
	return EX_OK;
}

/* ---- Talking to the drive ----------------------------------------------------------- */

static int connect_recorder(struct wctx *c, hresult_t *hr_out)
{
	disc_recorder_ex_options opts;
	memset(&opts, 0, sizeof(opts));
	hresult_t hr = disc_recorder_ex_open_iscsi_opts(c->a.pos[0], &opts, &c->rec);
	if (hr_out)
		*hr_out = hr;
	if (IMAPI_FAILED(hr)) {
		c->rec = NULL;
		return report(c->cmd->name, hr, NULL);
	}
	if (c->a.max_transfer) {
		hr = disc_recorder_ex_put_maximum_transfer_size(c->rec,
								(uint32_t)c->a.max_transfer);
		if (hr_out)
			*hr_out = hr;
		if (IMAPI_FAILED(hr)) {
			fprintf(stderr, PROG ": %s: --max-transfer %" PRId32 " was refused\n",
				c->cmd->name, c->a.max_transfer);
			report(c->cmd->name, hr, NULL);
			return EX_USAGE;
		}
	}
	return EX_OK;
}

enum xdir { X_NONE, X_IN, X_OUT };

/* One pass-through command. */
struct xfer {
	struct mcc_cdb cdb;
	enum xdir dir;
	uint8_t *buf;
	uint32_t len;
	uint32_t got;
	uint32_t timeout_s;
	uint8_t sense[IMAPI_SENSE_LEN];
};

/* Sends x, returning S_OK or a failed HRESULT: CHECK CONDITION becomes the HRESULT of
 * the engine's sense table for its opcode (imapi_sense_hresult, doc/engine-recorder.md
 * §4: a write error on SYNCHRONIZE CACHE is the failed write's HRESULT, an unnamed
 * sense IMAPI_HR_FROM_SENSE) with the sense kept in x->sense.  The
 * pass-through methods never retry (doc/engine-recorder.md §5), so the two transient answers a
 * caller is expected to handle are handled here: a unit attention (owed once after
 * login or a medium change) is re-sent, and NOT READY "becoming ready / in progress"
 * (a previous IMMED operation still running) is re-sent for up to BUSY_WAIT_MS. */
static hresult_t xfer_run(disc_recorder_ex *r, struct xfer *x)
{
	int unit_attentions = 0;
	long waited = 0;

	for (;;) {
		hresult_t hr;
		memset(x->sense, 0, sizeof(x->sense));
		x->got = 0;
		switch (x->dir) {
		case X_IN:
			hr = disc_recorder_ex_send_command_get_data_from_device(r, x->cdb.b,
				(uint32_t)x->cdb.len, x->sense, x->timeout_s, x->buf, x->len, &x->got);
			break;
		case X_OUT:
			hr = disc_recorder_ex_send_command_send_data_to_device(r, x->cdb.b,
				(uint32_t)x->cdb.len, x->sense, x->timeout_s, x->buf, x->len);
			break;
		default:
			hr = disc_recorder_ex_send_command_no_data(r, x->cdb.b, (uint32_t)x->cdb.len,
				x->sense, x->timeout_s);
			break;
		}
		if (hr != S_IMAPI_COMMAND_HAS_SENSE_DATA)
			return hr;
		uint8_t key = sense_key(x->sense), asc = x->sense[12], ascq = x->sense[13];
		if (key == 0x6 && unit_attentions++ < 3)
			continue;
		if (key == 0x2 && asc == 0x04 && (ascq == 0x01 || ascq == 0x07 || ascq == 0x08) &&
		    waited < BUSY_WAIT_MS) {
			mcc_sleep_ms(100);
			waited += 100;
			continue;
		}
		return imapi_sense_hresult(x->sense, sizeof(x->sense), x->cdb.b[0]);
	}
}

static const uint8_t *xfer_sense(const struct xfer *x)
{
	return sense_present(x->sense) ? x->sense : NULL;
}

/* The current profile (GET CONFIGURATION through the library), 0 when unknown. */
static int32_t current_profile(disc_recorder_ex *r)
{
	imapi_profile_type *p = NULL;
	uint32_t n = 0;
	int32_t cur = 0;
	if (IMAPI_SUCCEEDED(disc_recorder_ex_get_supported_profiles(r, 1, &p, &n)) && n > 0)
		cur = p[0];
	imapi_free(p);
	return cur;
}

/* ---- Disc and track information ----------------------------------------------------- */

struct disc_info {
	struct mcc_disc_info f;
	bool leadin_valid, leadout_valid;
	int32_t leadin, leadout;	/* as LBAs */
};

static hresult_t read_disc_info(disc_recorder_ex *r, enum mcc_family fam, struct disc_info *di)
{
	uint8_t *d = NULL;
	uint32_t n = 0;
	hresult_t hr = disc_recorder_ex_get_disc_information(r, &d, &n);
	if (IMAPI_FAILED(hr))
		return hr;
	memset(di, 0, sizeof(*di));
	bool ok = mcc_disc_info(d, (int)n, &di->f);
	imapi_free(d);
	if (!ok)
		return E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	di->leadin_valid = mcc_disc_info_lba(di->f.leadin, fam == MCC_FAM_CD, &di->leadin);
	di->leadout_valid = mcc_disc_info_lba(di->f.last_leadout, fam == MCC_FAM_CD, &di->leadout);
	return S_OK;
}

static hresult_t read_track_info(disc_recorder_ex *r, unsigned number, struct mcc_track_info *ti)
{
	uint8_t *d = NULL;
	uint32_t n = 0;
	hresult_t hr = disc_recorder_ex_get_track_information(r, number,
			IMAPI_READ_TRACK_ADDRESS_TYPE_TRACK, &d, &n);
	if (IMAPI_FAILED(hr))
		return hr;
	bool ok = mcc_track_info(d, (int)n, ti);
	imapi_free(d);
	return ok ? S_OK : E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
}

/* The next writable address as the format layer finds it (IDiscFormat2Data's
 * NextWritableAddress, engine/media.c: the last track of the last session on sequential
 * media, 0 on overwritable ones): the one place of that rule.  No writable address
 * (finalized disc, closed track, a medium that takes no data): *why set. */
static hresult_t find_nwa(disc_recorder_ex *r, int32_t *nwa, const char **why)
{
	disc_format2_data *f = NULL;
	hresult_t hr = disc_format2_data_create(&f);
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_data_put_recorder(f, r);
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_data_get_next_writable_address(f, nwa);
	*why = NULL;
	int32_t state = 0;
	if (hr == E_IMAPI_DF2DATA_INVALID_MEDIA_STATE)
		*why = disc_format2_data_get_current_media_status(f, &state) == S_OK &&
		       (state & IMAPI_FORMAT2_DATA_MEDIA_STATE_FINALIZED)
			       ? "the disc is finalized"
			       : "the last track has no valid next writable address";
	disc_format2_data_release(f);
	return hr;
}

/* ---- Write parameters page 05h ----------------------------------------------------- */

static const char *const write_type_names[16] = {
	[0] = "packet/incremental", [1] = "TAO", [2] = "SAO/DAO", [3] = "RAW", [4] = "layer jump",
};

/* Data block types (page 05h, MMC-6 §7.5): block size and content. */
static const struct {
	int bytes;
	const char *name;
} dbt_rows[16] = {
	[0] = { 2352, "raw" }, [1] = { 2368, "raw + P-Q sub-channel" },
	[2] = { 2448, "raw + packed R-W" }, [3] = { 2448, "raw + raw P-W" },
	[8] = { 2048, "mode 1" }, [9] = { 2336, "mode 2" }, [10] = { 2048, "mode 2 form 1" },
	[11] = { 2056, "mode 2 form 1 + sub-header" }, [12] = { 2324, "mode 2 form 2" },
	[13] = { 2332, "mode 2 mixed + sub-header" },
};

static const char *const multisession_names[4] = {
	"no next session", "no next session, B0 = FF:FF:FF", "reserved",
	"next session allowed",
};

static void track_mode_words(uint8_t m, char *buf, size_t len)
{
	if (m > 7) {
		snprintf(buf, len, "reserved");
		return;
	}
	snprintf(buf, len, "%s%s%s", m & 4 ? "data" : "audio",
		 m & 4 ? (m & 1 ? ", incremental" : ", uninterrupted")
		       : (m & 1 ? ", pre-emphasis" : ""),
		 m & 2 ? ", copy permitted" : "");
}

/* MODE SENSE page 05h (current), let edit() change it, MODE SELECT it back.  The page
 * length is the drive's (hosts must not assume 32h); PS is cleared because
 * MODE SELECT requires it zero. */
static hresult_t edit_page05(disc_recorder_ex *r, void (*edit)(uint8_t *page, const void *arg),
			     const void *arg)
{
	uint8_t *p = NULL;
	uint32_t n = 0;
	hresult_t hr = disc_recorder_ex_get_mode_page(r, IMAPI_MODE_PAGE_TYPE_WRITE_PARAMETERS,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &p, &n);
	if (IMAPI_FAILED(hr))
		return hr;
	if (n < MCC_P05_MIN) {
		imapi_free(p);
		return E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	}
	p[0] &= 0x3f;
	edit(p, arg);
	hr = disc_recorder_ex_set_mode_page(r, IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, p, n);
	imapi_free(p);
	return hr;
}

static void edit_write_params(uint8_t *p, const void *arg)
{
	const struct args *a = arg;
	if (a->write_type >= 0)
		mcc_p05_set_write_type(p, (uint8_t)a->write_type);
	if (a->track_mode >= 0)
		mcc_p05_set_track_mode(p, (uint8_t)a->track_mode);
	if (a->dbt >= 0)
		mcc_p05_set_dbt(p, (uint8_t)a->dbt);
}

static void edit_multisession(uint8_t *p, const void *arg)
{
	mcc_p05_set_multisession(p, *(const uint8_t *)arg);
}

/* ---- info ----------------------------------------------------------------------------- */

struct info {
	disc_recorder_ex *rec;
	int32_t profile;
	enum mcc_family fam;
	bool have_disc;
	struct disc_info di;
};

/* "not supported (sense in words)" for anything optional the drive refused. */
static void out_unsupported(struct out *o, const char *key, const char *label,
			    disc_recorder_ex *r, hresult_t hr, const uint8_t *sense_in)
{
	uint8_t buf[IMAPI_SENSE_LEN];
	const uint8_t *sense = sense_in ? sense_in : rec_sense(r, buf);
	char why[192];
	if (sense)
		imapi_sense_describe(sense, IMAPI_SENSE_LEN, why, sizeof(why));
	else
		hr_words(hr, why, sizeof(why));
	if (o->json) {
		out_open(o, key, label);
		out_bool(o, "supported", NULL, false);
		out_str(o, "reason", NULL, why);
		out_close(o);
	} else {
		out_fmt(o, key, label, "not supported (%s)", why);
	}
}

static void info_drive(struct info *in, struct out *o)
{
	disc_recorder_ex_session_info si;
	hresult_t hr = disc_recorder_ex_get_session_info(in->rec, &si);
	if (IMAPI_FAILED(hr)) {
		out_unsupported(o, "drive", "drive", in->rec, hr, NULL);
		return;
	}
	out_open(o, "drive", "drive");
	out_str(o, "vendor", "vendor", si.vendor);
	out_str(o, "product", "product", si.product);
	out_str(o, "revision", "revision", si.revision);
	out_close(o);
	out_open(o, "iscsi", "iSCSI session");
	out_str(o, "target", "target", si.target_name);
	out_str(o, "portal", "portal", si.portal);
	out_num(o, "lun", "LUN", si.lun);
	out_num(o, "max_burst_length", "MaxBurstLength", si.max_burst_length);
	out_num(o, "first_burst_length", "FirstBurstLength", si.first_burst_length);
	out_num(o, "max_recv_data_segment_length", "target MaxRecvDataSegmentLength",
		si.target_max_recv_data_segment_length);
	out_num(o, "max_transfer", "bytes per command", si.max_transfer);
	out_str(o, "tcp_congestion", "TCP congestion control", si.tcp_congestion);
	out_close(o);
}

static void info_profiles(struct info *in, struct out *o)
{
	imapi_profile_type *p = NULL;
	uint32_t n = 0;
	hresult_t hr = disc_recorder_ex_get_supported_profiles(in->rec, 0, &p, &n);
	if (IMAPI_FAILED(hr)) {
		out_unsupported(o, "profiles", "profiles", in->rec, hr, NULL);
	} else {
		out_open_array(o, "profiles", "profiles");
		for (uint32_t i = 0; i < n; i++)
			out_fmt(o, NULL, NULL, "%s (%04" PRIX32 "h%s)", mcc_profile_name(p[i]),
				(uint32_t)p[i], p[i] == in->profile ? ", current" : "");
		out_close_array(o);
	}
	imapi_free(p);
	if (o->json) {
		out_str(o, "current_profile", NULL, mcc_profile_name(in->profile));
		out_num(o, "current_profile_number", NULL, in->profile);
	} else {
		out_fmt(o, NULL, "current profile", "%s (%04" PRIX32 "h)",
			mcc_profile_name(in->profile), (uint32_t)in->profile);
	}
	out_str(o, "medium", "medium", in->profile ? mcc_profile_name(in->profile) : "none");
}

static const char *const disc_status_names[4] = {
	"blank", "appendable", "finalized", "random-access" };
static const char *const session_state_names[4] = {
	"empty", "incomplete", "damaged", "complete" };

static void info_disc(struct info *in, struct out *o)
{
	hresult_t hr = read_disc_info(in->rec, in->fam, &in->di);
	if (IMAPI_FAILED(hr)) {
		out_unsupported(o, "disc", "disc information", in->rec, hr, NULL);
		return;
	}
	const struct disc_info *di = &in->di;
	in->have_disc = true;
	out_open(o, "disc", "disc information");
	out_str(o, "status", "disc status", disc_status_names[di->f.status]);
	out_str(o, "last_session_state", "last session", session_state_names[di->f.last_state]);
	out_bool(o, "erasable", "erasable", di->f.erasable);
	out_num(o, "first_track", "first track", di->f.first_track);
	out_num(o, "sessions", "sessions", di->f.sessions);
	out_num(o, "first_track_in_last_session", "first track in last session",
		di->f.first_in_last);
	out_num(o, "last_track_in_last_session", "last track in last session",
		di->f.last_in_last);
	out_fmt(o, "disc_type", "disc type", "%02Xh", (unsigned)di->f.disc_type);
	if (di->leadin_valid)
		out_num(o, "last_session_leadin_lba", "last session lead-in start", di->leadin);
	else
		out_null(o, "last_session_leadin_lba", "last session lead-in start", "none");
	if (di->leadout_valid) {
		char note[64];
		snprintf(note, sizeof(note), "capacity %.1f MB in 2048-byte blocks",
			 (double)di->leadout * 2048 / 1e6);
		out_num_note(o, "last_possible_leadout_lba", "last possible lead-out start",
			     di->leadout, in->fam == MCC_FAM_CD ? NULL : note);
	} else {
		out_null(o, "last_possible_leadout_lba", "last possible lead-out start", "none");
	}
	out_close(o);

	int32_t nwa;
	const char *why;
	hr = find_nwa(in->rec, &nwa, &why);
	if (IMAPI_SUCCEEDED(hr))
		out_num(o, "nwa", "next writable address", nwa);
	else
		out_null(o, "nwa", "next writable address", why ? why : "unknown");
}

static void info_tracks(struct info *in, struct out *o)
{
	if (!in->have_disc)
		return;
	out_open_array(o, "tracks", "tracks of the last session");
	for (unsigned t = (unsigned)in->di.f.first_in_last; t && t <= (unsigned)in->di.f.last_in_last;
	     t++) {
		struct mcc_track_info ti;
		char label[32], words[64];
		snprintf(label, sizeof(label), "track %u", t);
		hresult_t hr = read_track_info(in->rec, t, &ti);
		if (IMAPI_FAILED(hr)) {
			out_unsupported(o, NULL, label, in->rec, hr, NULL);
			continue;
		}
		out_open(o, NULL, label);
		out_num(o, "number", "number", ti.number);
		out_num(o, "session", "session", ti.session);
		out_num(o, "start", "start", (int32_t)ti.start);
		out_num(o, "size", "size", ti.size);
		out_num(o, "free", "free blocks", ti.free);
		if (ti.nwa_v)
			out_num(o, "nwa", "NWA", (int32_t)ti.nwa);
		else
			out_null(o, "nwa", "NWA", "not valid");
		out_bool(o, "nwa_valid", "NWA valid", ti.nwa_v);
		if (ti.lra_v)
			out_num(o, "last_recorded", "last recorded", (int32_t)ti.lra);
		track_mode_words((uint8_t)ti.mode, words, sizeof(words));
		out_num_note(o, "track_mode", "track mode", ti.mode, words);
		out_num_note(o, "data_mode", "data mode", ti.data_mode,
			     ti.data_mode == 1 ? "mode 1" : ti.data_mode == 2 ? "mode 2" :
			     ti.data_mode == 15 ? "unknown/audio" : "reserved");
		out_bool(o, "blank", "blank", ti.blank);
		out_bool(o, "reserved", "reserved", ti.rt);
		out_bool(o, "packet", "packet/incremental", ti.packet);
		out_bool(o, "fixed_packet", "fixed packets", ti.fp);
		if (ti.fp)
			out_num(o, "packet_size", "packet size", ti.packet_size);
		out_bool(o, "damage", "damage", ti.damage);
		out_close(o);
	}
	out_close_array(o);
}

static void info_page05(struct info *in, struct out *o)
{
	uint8_t *p = NULL;
	uint32_t n = 0;
	char words[64];
	hresult_t hr = disc_recorder_ex_get_mode_page(in->rec, IMAPI_MODE_PAGE_TYPE_WRITE_PARAMETERS,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &p, &n);
	if (IMAPI_SUCCEEDED(hr) && n < MCC_P05_MIN)
		hr = E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	if (IMAPI_FAILED(hr)) {
		out_unsupported(o, "write_parameters", "write parameters (page 05h)", in->rec, hr,
				NULL);
		imapi_free(p);
		return;
	}
	uint8_t wt = p[MCC_P05_FLAGS] & 0x0f, dbt = p[MCC_P05_DBT] & 0x0f, tm = p[MCC_P05_TRACK] & 0x0f;
	out_open(o, "write_parameters", "write parameters (page 05h)");
	out_str(o, "write_type", "write type", write_type_names[wt] ? write_type_names[wt]
							   : "reserved");
	out_num(o, "write_type_code", "write type code", wt);
	out_num_note(o, "data_block_type", "data block type", dbt,
		     dbt_rows[dbt].name ? dbt_rows[dbt].name : "reserved");
	out_num(o, "block_size", "block size", dbt_rows[dbt].bytes);
	track_mode_words(tm, words, sizeof(words));
	out_num_note(o, "track_mode", "track mode", tm, words);
	out_bool(o, "bufe", "BUFE", p[MCC_P05_FLAGS] & 0x40);
	out_bool(o, "test_write", "test write", p[MCC_P05_FLAGS] & 0x10);
	out_str(o, "multi_session", "multi-session", multisession_names[p[MCC_P05_TRACK] >> 6]);
	out_bool(o, "fixed_packet", "fixed packets", p[MCC_P05_TRACK] & 0x20);
	if (p[MCC_P05_FLAGS] & 0x20)
		out_num(o, "link_size", "link size", p[MCC_P05_LINK]);
	out_fmt(o, "session_format", "session format", "%02Xh", p[MCC_P05_SESSION_FORMAT]);
	out_num(o, "packet_size", "packet size", mcc_be32(p + MCC_P05_PACKET));
	out_num(o, "audio_pause", "audio pause length", mcc_be16(p + MCC_P05_PAUSE));
	out_close(o);
	imapi_free(p);
}

/* kB/s (k = 1000) as "x" of the current medium. */
static double kbps_x(enum mcc_family f, uint32_t kbps)
{
	double one = mcc_family_1x_bytes(f);
	return one > 0 ? kbps * 1000.0 / one : 0;
}

static void out_speed(struct out *o, const char *key, const char *label, enum mcc_family f,
		      uint32_t kbps)
{
	char note[32];
	snprintf(note, sizeof(note), "kB/s, %.1fx", kbps_x(f, kbps));
	out_num_note(o, key, label, kbps, note);
}

/* Page 2Ah: [18-19] maximum write speed and [20-21] current write speed (both
 * obsolete but still filled by drives), [28-29] current write speed selected,
 * [30-31] number of write speed descriptors, 4 bytes each from [32]. */
static void info_page2a(struct info *in, struct out *o)
{
	uint8_t *p = NULL;
	uint32_t n = 0;
	hresult_t hr = disc_recorder_ex_get_mode_page(in->rec,
			IMAPI_MODE_PAGE_TYPE_LEGACY_CAPABILITIES,
			IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES, &p, &n);
	if (IMAPI_SUCCEEDED(hr) && n < 22)
		hr = E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	if (IMAPI_FAILED(hr)) {
		out_unsupported(o, "capabilities", "capabilities (page 2Ah)", in->rec, hr, NULL);
		imapi_free(p);
		return;
	}
	out_open(o, "capabilities", "capabilities (page 2Ah)");
	if (mcc_be16(p + 18))
		out_speed(o, "max_write_kbps", "maximum write speed", in->fam, mcc_be16(p + 18));
	uint32_t cur = n >= 30 && mcc_be16(p + 28) ? mcc_be16(p + 28) : mcc_be16(p + 20);
	if (cur)
		out_speed(o, "current_write_kbps", "current write speed", in->fam, cur);
	out_num(o, "buffer_kib", "buffer size KiB", mcc_be16(p + 12));
	if (n >= 32 && mcc_be16(p + 30) > 0) {
		uint32_t nd = mcc_be16(p + 30);
		out_open_array(o, "write_speeds", "write speed descriptors");
		for (uint32_t i = 0; i < nd && 32 + 4 * i + 4 <= n; i++)
			out_fmt(o, NULL, NULL, "%u kB/s", mcc_be16(p + 32 + 4 * i + 2));
		out_close_array(o);
	}
	out_close(o);
	imapi_free(p);
}

enum { PERF_MAX = 32, PERF_HDR = 8, PERF_DESC = 16 };

/* GET PERFORMANCE type 03h (MMC-6 GET PERFORMANCE, Write Speed descriptors): 8-byte
 * header, 16-byte descriptors: [0] b4-3 WRC, b1 Exact, b0 MRW; [4-7] end LBA; [8-11]
 * read kB/s; [12-15] write kB/s. */
static void info_performance(struct info *in, struct out *o)
{
	uint8_t buf[PERF_HDR + PERF_DESC * PERF_MAX];
	struct xfer x = { .cdb = mcc_cdb_get_performance(0, 0, PERF_MAX, 0x03), .dir = X_IN,
			  .buf = buf, .len = sizeof(buf) };
	hresult_t hr = xfer_run(in->rec, &x);
	if (IMAPI_SUCCEEDED(hr) && x.got < PERF_HDR)
		hr = E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	if (IMAPI_FAILED(hr)) {
		out_unsupported(o, "write_speeds", "write speeds (GET PERFORMANCE 03h)", in->rec,
				hr, xfer_sense(&x));
		return;
	}
	uint32_t avail = (mcc_be32(buf) + 4 - PERF_HDR) / PERF_DESC;
	out_open_array(o, "write_speeds", "write speeds (GET PERFORMANCE 03h)");
	for (uint32_t i = 0; i < avail && PERF_HDR + PERF_DESC * (i + 1) <= x.got; i++) {
		const uint8_t *d = buf + PERF_HDR + PERF_DESC * i;
		char label[32];
		snprintf(label, sizeof(label), "speed %" PRIu32, i + 1);
		out_open(o, NULL, label);
		out_speed(o, "write_kbps", "write", in->fam, mcc_be32(d + 12));
		out_speed(o, "read_kbps", "read", in->fam, mcc_be32(d + 8));
		out_num(o, "end_lba", "end LBA", mcc_be32(d + 4));
		out_str(o, "rotation", "rotation", (d[0] >> 3 & 3) == 1 ? "CAV" : "CLV");
		out_close(o);
	}
	out_close_array(o);
}

/* READ BUFFER CAPACITY, Block = 0: [4-7] buffer size, [8-11] free bytes. */
static void info_buffer(struct info *in, struct out *o)
{
	uint8_t buf[12];
	struct xfer x = { .cdb = mcc_cdb_read_buffer_capacity(false, sizeof(buf)), .dir = X_IN,
			  .buf = buf, .len = sizeof(buf) };
	hresult_t hr = xfer_run(in->rec, &x);
	if (IMAPI_SUCCEEDED(hr) && x.got < sizeof(buf))
		hr = E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
	if (IMAPI_FAILED(hr)) {
		out_unsupported(o, "buffer", "drive buffer (READ BUFFER CAPACITY)", in->rec, hr,
				xfer_sense(&x));
		return;
	}
	uint32_t size = mcc_be32(buf + 4), free_bytes = mcc_be32(buf + 8);
	out_open(o, "buffer", "drive buffer (READ BUFFER CAPACITY)");
	out_num(o, "size", "size", size);
	out_num(o, "free", "free", free_bytes);
	out_num(o, "used_percent", "used %",
		size && free_bytes <= size ? (int64_t)(size - free_bytes) * 100 / size : 0);
	out_close(o);
}

static void info_speeds(struct info *in, struct out *o)
{
	out_open(o, "speeds", "speeds");
	info_page2a(in, o);
	info_performance(in, o);
	out_close(o);
}

/* The sections in output order; each prints "not supported" for what the drive lacks. */
static void (*const info_sections[])(struct info *, struct out *) = {
	info_drive, info_profiles, info_disc, info_tracks, info_page05, info_speeds, info_buffer,
};

static int cmd_info(struct wctx *c)
{
	int ex = connect_recorder(c, NULL);
	if (ex != EX_OK)
		return ex;
	struct info in = { .rec = c->rec };
	in.profile = current_profile(c->rec);
	in.fam = mcc_profile_family(in.profile);

	struct out o;
	out_begin(&o, stdout, c->a.json);
	if (o.json) {
		out_str(&o, "command", NULL, "info");
		out_str(&o, "url", NULL, c->a.pos[0]);
	}
	for (size_t i = 0; i < sizeof(info_sections) / sizeof(info_sections[0]); i++)
		info_sections[i](&in, &o);
	out_end(&o);
	return EX_OK;
}

/* ---- write ----------------------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;	/* CancelWrite is called from the Update callback */
}

/* Ctrl-C during a long operation: the handler only sets `interrupted` (the Update
 * callbacks cancel from there; a signal handler may not call into the library).  With
 * `once`, a second Ctrl-C kills at once (SA_RESETHAND).  *old is restored by
 * sigint_disarm. */
static void sigint_arm(struct sigaction *old, bool once)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sa.sa_flags = once ? SA_RESETHAND : 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, old);
}

static void sigint_disarm(const struct sigaction *old)
{
	sigaction(SIGINT, old, NULL);
}

/* Shown when asked (--progress), never with --no-progress, else on a terminal. */
static bool progress_shown(const struct args *a)
{
	return !a->quiet && (a->progress == 1 || (a->progress == -1 && isatty(2)));
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct progress {
	bool show;
	bool printed;
	bool cancelled;
	enum mcc_family fam;
	int32_t bps;
	double t_last;
	int64_t done_last;	/* blocks acknowledged at t_last */
	double rate;		/* bytes/s over the last interval */
	write_engine_event_args last;
	bool have_last;
};

/* DWriteEngine2Events::Update: runs on the writing thread every 0.5 s; cancels after
 * Ctrl-C (a signal handler may not call into the engine) and redraws the line. */
static void on_update(write_engine *we, const write_engine_event_args *ev, void *user)
{
	struct progress *p = user;

	if (interrupted && !p->cancelled) {
		p->cancelled = true;
		write_engine_cancel_write(we);
	}
	p->last = *ev;
	p->have_last = true;
	if (!p->show)
		return;

	int64_t done = (int64_t)ev->last_written_lba - ev->start_lba + 1;
	double t = now_s();
	if (done < 0)
		done = 0;
	/* The rate over at least 0.1 s, and always at the end (a fast section may see
	 * only the first and the last event). */
	if (p->t_last > 0 && t > p->t_last && (t - p->t_last >= 0.1 || done >= ev->sector_count)) {
		p->rate = (double)(done - p->done_last) * p->bps / (t - p->t_last);
		p->t_last = t;
		p->done_last = done;
	} else if (p->t_last == 0) {
		p->t_last = t;
		p->done_last = done;
	}
	int pct = ev->sector_count > 0 ? (int)(done * 100 / ev->sector_count) : 0;
	int buf_pct = ev->total_system_buffer > 0 ?
		(int)((int64_t)ev->used_system_buffer * 100 / ev->total_system_buffer) : 0;
	char bar[21];
	int fill = pct / 5;
	for (int i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : ' ';
	bar[20] = '\0';
	fprintf(stderr, "\rLBA %" PRId32 "/%" PRId64 "  %6.1f MB/s  %5.1fx  buffer %3d%%  [%s] %3d%%",
		ev->last_written_lba, (int64_t)ev->start_lba + ev->sector_count - 1,
		p->rate / 1e6, speed_x(p->fam, p->rate, p->bps), buf_pct, bar, pct);
	fflush(stderr);
	p->printed = true;
}

/* Engine properties set from options, in the order IMAPI2 applications set them
 * (BytesPerSector after the recorder so its limit is checked at once). */
static const struct eng_prop {
	int id;
	hresult_t (*put)(write_engine *, int32_t);
	size_t offset;		/* the int32_t in struct args */
} eng_props[] = {
	{ O_BPS, write_engine_put_bytes_per_sector, offsetof(struct args, bps) },
	{ O_START_SPS, write_engine_put_starting_sectors_per_second,
	  offsetof(struct args, start_sps) },
	{ O_END_SPS, write_engine_put_ending_sectors_per_second, offsetof(struct args, end_sps) },
	{ O_QUEUE_DEPTH, write_engine_put_queue_depth, offsetof(struct args, queue_depth) },
	{ O_BUFFER, write_engine_put_system_buffer_size, offsetof(struct args, buffer) },
};

/* What one write did, for the summary and --json. */
struct wresult {
	hresult_t hr;
	bool have_sense;
	uint8_t sense[IMAPI_SENSE_LEN];
	int32_t lba, blocks, queue_depth;
	uint32_t max_transfer;
	int32_t last_written_lba;
	write_engine_stats st;
	enum mcc_family fam;
	bool ran;		/* WriteSection was called */
};

static void write_summary(const struct wctx *c, const struct wresult *r)
{
	struct out o;
	bool json = c->a.json;
	if (!json && c->a.quiet)
		return;
	double mbps = r->st.seconds > 0 ? r->st.bytes_written / r->st.seconds / 1e6 : 0;
	double x = r->st.seconds > 0 ?
		speed_x(r->fam, r->st.bytes_written / r->st.seconds, c->a.bps) : 0;
	char hex[16];
	snprintf(hex, sizeof(hex), "0x%08" PRIX32, (uint32_t)r->hr);

	out_begin(&o, json ? stdout : stderr, json);
	if (!json)
		fprintf(stderr, PROG ": write summary:\n");
	o.depth = json ? 0 : 1;
	out_str(&o, "command", "command", "write");
	out_str(&o, "result", "result", hr_name(r->hr));
	out_str(&o, "hresult", "HRESULT", hex);
	out_num(&o, "lba", "LBA", r->lba);
	out_num(&o, "blocks", "blocks", r->blocks);
	out_num(&o, "bytes_per_sector", "bytes per sector", c->a.bps);
	out_num(&o, "bytes", "bytes", (int64_t)r->st.bytes_written);
	out_dbl(&o, "seconds", "seconds", r->st.seconds, 3);
	out_dbl(&o, "mb_per_s", "MB/s", mbps, 2);
	out_dbl(&o, "speed_x", "average speed x", x, 1);
	out_num(&o, "commands", "commands", r->st.commands);
	out_num(&o, "busy_retries", "busy retries", r->st.busy_retries);
	out_num(&o, "unit_attentions", "unit attentions", r->st.unit_attentions);
	out_num(&o, "events", "events", r->st.events);
	out_num(&o, "tcp_segments_out", "TCP segments sent", (int64_t)r->st.tcp_segments_out);
	out_num(&o, "queue_depth", "queue depth", r->queue_depth);
	out_num(&o, "max_transfer", "bytes per command", r->max_transfer);
	out_num(&o, "last_written_lba", "last written LBA", r->last_written_lba);
	if (r->have_sense) {
		char text[192];
		imapi_sense_describe(r->sense, IMAPI_SENSE_LEN, text, sizeof(text));
		if (json) {
			out_open(&o, "sense", NULL);
			out_num(&o, "key", NULL, sense_key(r->sense));
			out_num(&o, "asc", NULL, r->sense[12]);
			out_num(&o, "ascq", NULL, r->sense[13]);
			out_str(&o, "text", NULL, text);
			out_close(&o);
		} else {
			out_str(&o, "sense", "sense", text);
		}
	} else {
		out_null(&o, "sense", "sense", "none");
	}
	out_end(&o);
}

/* The size of FILE, or an exit status (3) with the reason printed. */
static int file_size(const char *cmd, const char *path, int64_t *size)
{
	struct stat sb;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return file_error(cmd, path, "open", errno);
	if (fstat(fd, &sb) != 0) {
		int err = errno;
		close(fd);
		return file_error(cmd, path, "stat", err);
	}
	close(fd);
	*size = sb.st_size;
	return EX_OK;
}

/* Blocks to transfer: --blocks, else the whole FILE, which must then be whole blocks;
 * FILE must hold at least that many. */
static int count_blocks(const struct wctx *c, int64_t fsize, int32_t bps, int32_t *blocks)
{
	const char *cmd = c->cmd->name;
	if (c->a.blocks) {
		if ((int64_t)c->a.blocks * bps > fsize)
			return usage_error(cmd, "--blocks %" PRId32 " needs %" PRId64 " bytes but "
					   "'%s' has %" PRId64, c->a.blocks,
					   (int64_t)c->a.blocks * bps, c->a.pos[1], fsize);
		*blocks = c->a.blocks;
		return EX_OK;
	}
	if (fsize == 0 || fsize % bps)
		return usage_error(cmd, "'%s' has %" PRId64 " bytes, not a whole number of "
				   "%" PRId32 "-byte blocks (--bytes-per-sector %" PRId32
				   "; or give --blocks)", c->a.pos[1], fsize, bps, bps);
	if (fsize / bps > INT32_MAX)
		return usage_error(cmd, "'%s' is too large", c->a.pos[1]);
	*blocks = (int32_t)(fsize / bps);
	return EX_OK;
}

/* Engine setup and the WriteSection; fills r, returns an exit status. */
static int run_write(struct wctx *c, struct wresult *r, struct progress *prog)
{
	const char *cmd = c->cmd->name;
	write_engine *we = NULL;
	imapi_stream *s = NULL;
	hresult_t hr;
	int ex = EX_FAIL;
	uint8_t sbuf[IMAPI_SENSE_LEN];

	hr = write_engine_create(&we);
	if (IMAPI_SUCCEEDED(hr))
		hr = write_engine_put_recorder(we, c->rec);
	if (IMAPI_FAILED(hr)) {
		r->hr = hr;
		report(cmd, hr, NULL);
		goto out;
	}
	for (size_t i = 0; i < sizeof(eng_props) / sizeof(eng_props[0]); i++) {
		const struct eng_prop *p = &eng_props[i];
		int32_t v = *(const int32_t *)((const char *)&c->a + p->offset);
		if (!opt_given(&c->a, p->id))
			continue;
		hr = p->put(we, v);
		if (IMAPI_FAILED(hr)) {
			/* The engine is the authority on ranges: its refusal is a usage error. */
			r->hr = hr;
			fprintf(stderr, PROG ": %s: --%s %" PRId32 " was refused\n", cmd,
				wopts[opt_index(p->id)].name, v);
			report(cmd, hr, NULL);
			ex = hr == E_INVALIDARG ? EX_USAGE : EX_FAIL;
			goto out;
		}
	}
	if (c->a.streaming) {
		hr = write_engine_put_use_streaming_write12(we, IMAPI_VARIANT_TRUE);
		if (IMAPI_FAILED(hr)) {
			r->hr = hr;
			report(cmd, hr, NULL);
			goto out;
		}
	}
	if (c->tl) {
		hr = write_engine_put_timeline(we, c->tl);
		if (IMAPI_FAILED(hr)) {
			r->hr = hr;
			report(cmd, hr, NULL);
			goto out;
		}
	}
	write_engine_get_queue_depth(we, &r->queue_depth);
	disc_recorder_ex_get_maximum_page_aligned_transfer_size(c->rec, &r->max_transfer);

	hr = imapi_stream_from_file(c->a.pos[1], 0, &s);
	if (IMAPI_FAILED(hr)) {
		r->hr = hr;
		ex = hr == E_INVALIDARG ? file_error(cmd, c->a.pos[1], "open", errno)
					: report(cmd, hr, NULL);
		goto out;
	}

	struct sigaction old;
	sigint_arm(&old, true);
	write_engine_advise(we, on_update, prog);
	r->ran = true;
	hr = write_engine_write_section(we, s, r->lba, r->blocks);
	write_engine_advise(we, NULL, NULL);
	sigint_disarm(&old);
	if (prog->printed)
		fputc('\n', stderr);

	r->hr = hr;
	write_engine_get_stats(we, &r->st);
	if (prog->have_last)
		r->last_written_lba = prog->last.last_written_lba;
	if (write_engine_get_last_sense(we, sbuf) == S_OK && sense_present(sbuf)) {
		memcpy(r->sense, sbuf, sizeof(sbuf));
		r->have_sense = true;
	}
	if (IMAPI_FAILED(hr)) {
		report(cmd, hr, r->have_sense ? r->sense : NULL);
		goto out;
	}
	ex = EX_OK;
out:
	if (s)
		imapi_stream_release(s);
	if (we)
		write_engine_release(we);
	return ex;
}

/* --graph: a timeline for the command's burn, drawn to FILE when it ends (also when the
 * burn failed: the picture shows where).  The engine polls the drive's buffer for it. */
static int graph_begin(struct wctx *c)
{
	if (!c->a.graph)
		return EX_OK;
	hresult_t hr = imapi_timeline_create(0, &c->tl);
	if (IMAPI_SUCCEEDED(hr))
		hr = imapi_timeline_put_options(c->tl, IMAPI_TIMELINE_POLL_DRIVE_BUFFER);
	if (IMAPI_SUCCEEDED(hr)) {
		const char *img = c->a.pos[1], *slash = strrchr(img, '/');
		char label[128];
		snprintf(label, sizeof(label), "wengine %s %s", c->cmd->name, slash ? slash + 1 : img);
		hr = imapi_timeline_put_label(c->tl, label);
	}
	return IMAPI_FAILED(hr) ? report(c->cmd->name, hr, NULL) : EX_OK;
}

static int graph_end(struct wctx *c, int ex)
{
	if (!c->tl)
		return ex;
	imapi_timeline_summary sum;
	if (imapi_timeline_get_summary(c->tl, &sum) == S_OK && sum.sections == 0 && sum.events == 0 && ex != EX_OK) {
		/* Nothing was recorded (a usage error, no drive): no picture. */
		imapi_timeline_release(c->tl);
		c->tl = NULL;
		return ex;
	}
	hresult_t hr = imapi_timeline_save_svg(c->tl, c->a.graph);
	int err = errno;
	imapi_timeline_release(c->tl);
	c->tl = NULL;
	if (IMAPI_FAILED(hr)) {
		int fex = file_error(c->cmd->name, c->a.graph, "write", err);
		return ex == EX_OK ? fex : ex;
	}
	if (!c->a.quiet && !c->a.json)
		fprintf(stderr, PROG ": %s: burn graph: %s\n", c->cmd->name, c->a.graph);
	return ex;
}

static int cmd_write_run(struct wctx *c);

static int cmd_write(struct wctx *c)
{
	int ex = graph_begin(c);
	return ex == EX_OK ? graph_end(c, cmd_write_run(c)) : ex;
}

static int cmd_write_run(struct wctx *c)
{
	const char *cmd = c->cmd->name;
	struct args *a = &c->a;
	struct wresult r;
	struct progress prog;
	int64_t fsize;
	hresult_t hr;
	uint8_t sbuf[IMAPI_SENSE_LEN];

	memset(&r, 0, sizeof(r));
	r.hr = S_OK;
	int ex = file_size(cmd, a->pos[1], &fsize);
	if (ex == EX_OK)
		ex = count_blocks(c, fsize, a->bps, &r.blocks);
	if (ex != EX_OK)
		return ex;

	ex = connect_recorder(c, &r.hr);
	if (ex != EX_OK)
		goto done;
	int32_t profile = current_profile(c->rec);
	r.fam = mcc_profile_family(profile);
	if (c->tl)
		imapi_timeline_put_profile(c->tl, profile);

	/* Page 05h before anything else: it decides the block size the drive expects. */
	if (a->write_type >= 0 || a->dbt >= 0 || a->track_mode >= 0) {
		hr = edit_page05(c->rec, edit_write_params, a);
		if (IMAPI_FAILED(hr)) {
			const uint8_t *sense = rec_sense(c->rec, sbuf);
			fprintf(stderr, PROG ": %s: setting the write parameters (page 05h) failed\n",
				cmd);
			r.hr = hr;
			if (sense) {
				memcpy(r.sense, sense, sizeof(r.sense));
				r.have_sense = true;
			}
			ex = report(cmd, hr, sense);
			goto done;
		}
	}

	r.lba = a->lba;
	if (a->lba_nwa) {
		const char *why;
		hr = find_nwa(c->rec, &r.lba, &why);
		if (IMAPI_FAILED(hr)) {
			r.hr = hr;
			if (why)
				fprintf(stderr, PROG ": %s: --lba nwa: %s\n", cmd, why);
			ex = report(cmd, hr, rec_sense(c->rec, sbuf));
			goto done;
		}
	}
	r.last_written_lba = r.lba - 1;

	memset(&prog, 0, sizeof(prog));
	prog.fam = r.fam;
	prog.bps = a->bps;
	prog.show = progress_shown(a);
	ex = run_write(c, &r, &prog);
done:
	/* JSON always (scripts parse "result"); the text summary only when something was
	 * attempted, so that an early failure ends with its error lines. */
	if (a->json || r.ran)
		write_summary(c, &r);
	return ex;
}

/* ---- burn (IDiscFormat2Data) -------------------------------------------------------- */

struct burn_progress {
	disc_recorder_ex *rec;
	bool show, json, printed, cancelled;
	enum mcc_family fam;
	int last_action;
	int32_t last_track;
	double t_last;
	int64_t done_last;
	double rate;		/* bytes/s over the last interval */
	int drive_buffer;	/* percent, -1 unknown */
	imapi_timeline *tl;	/* --graph: the engine polls the drive's buffer into it */
};

/* The drive's buffer fill (READ BUFFER CAPACITY, MMC-6 §6.18), -1 when it does not say. */
static int drive_buffer_fill(disc_recorder_ex *r)
{
	uint8_t buf[12];
	struct xfer x = { .cdb = mcc_cdb_read_buffer_capacity(false, sizeof(buf)), .dir = X_IN,
			  .buf = buf, .len = sizeof(buf) };
	if (IMAPI_FAILED(xfer_run(r, &x)) || x.got < 12)
		return -1;
	uint32_t size = mcc_be32(buf + 4), avail = mcc_be32(buf + 8);
	return size ? (int)(100 - (uint64_t)avail * 100 / size) : -1;
}

/* With --graph the engine asks the drive's buffer itself (IMAPI_TIMELINE_POLL_DRIVE_BUFFER):
 * the last reading it kept, so that the drive is not asked twice. */
static int timeline_drive_buffer(imapi_timeline *tl)
{
	imapi_timeline_sample *s = NULL;
	uint32_t n = 0;
	int pct = -1;
	if (imapi_timeline_get_samples(tl, &s, &n) == S_OK)
		for (uint32_t i = n; i-- > 0 && pct < 0;)
			pct = s[i].drive_buffer;
	imapi_free(s);
	return pct;
}

/* True once, at the first Update after Ctrl-C: the caller cancels then. */
static bool cancel_due(struct burn_progress *p)
{
	if (!interrupted || p->cancelled)
		return false;
	p->cancelled = true;
	return true;
}

/* The progress state of a burn on a medium of family fam. */
static struct burn_progress progress_for(const struct wctx *c, enum mcc_family fam)
{
	struct burn_progress p = { .rec = c->rec, .json = c->a.json, .fam = fam,
				   .last_action = -1, .drive_buffer = -1, .tl = c->tl };
	p.show = progress_shown(&c->a);
	return p;
}

/* One progress report of any format: the line on stderr and/or one JSON event.
 * `writing` says the engine fields are live (the drive's buffer is asked then);
 * `track` is 0 outside track-at-once; bps the block size of the rate. */
static void show_progress(struct burn_progress *p, int action, const char *stage, int32_t track,
			  const write_engine_event_args *e, bool writing, int32_t elapsed,
			  int32_t remaining, int bps)
{
	int64_t done = e->sector_count ? (int64_t)e->last_written_lba - e->start_lba + 1 : 0;
	if (done < 0)
		done = 0;
	double t = now_s();
	if (action != p->last_action || track != p->last_track) {
		p->last_action = action;
		p->last_track = track;
		p->t_last = t;
		p->done_last = done;
		p->rate = 0;
	} else if (t - p->t_last >= 0.1) {
		p->rate = (double)(done - p->done_last) * bps / (t - p->t_last);
		p->t_last = t;
		p->done_last = done;
	}
	if (writing && e->sector_count)
		p->drive_buffer = p->tl ? timeline_drive_buffer(p->tl) : drive_buffer_fill(p->rec);
	int pct = e->sector_count ? (int)(done * 100 / e->sector_count) : 0;
	double x = speed_x(p->fam, p->rate, bps);
	if (p->json) {
		printf("{\"event\":\"update\",\"action\":%d,\"stage\":", action);
		mcc_json_str(stdout, stage);
		if (track)
			printf(",\"track\":%" PRId32, track);
		printf(",\"start_lba\":%" PRId32 ",\"sector_count\":%" PRId32
		       ",\"last_written_lba\":%" PRId32 ",\"percent\":%d,\"speed_x\":%.2f"
		       ",\"elapsed_s\":%" PRId32 ",\"remaining_s\":%" PRId32
		       ",\"system_buffer_used\":%" PRId32 ",\"drive_buffer_percent\":%d}\n",
		       e->start_lba, e->sector_count, e->last_written_lba, pct, x, elapsed,
		       remaining, e->used_system_buffer, p->drive_buffer);
		fflush(stdout);
	}
	if (!p->show)
		return;
	char what[40];
	if (track)
		snprintf(what, sizeof(what), "track %" PRId32 " %s", track, stage);
	else
		snprintf(what, sizeof(what), "%s", stage);
	if (e->sector_count)
		fprintf(stderr, "\r%-22s %3d%%  %5.1fx  ETA %d:%02d  drive buffer %3d%%   ", what,
			pct, x, remaining / 60, remaining % 60,
			p->drive_buffer < 0 ? 0 : p->drive_buffer);
	else
		fprintf(stderr, "\r%-22s%40s", what, "");
	fflush(stderr);
	p->printed = true;
}

/* DDiscFormat2DataEvents::Update: cancels after Ctrl-C (a signal handler may not call
 * into the library), then reports. */
static void on_burn_update(disc_format2_data *f, const disc_format2_data_event_args *ev,
			   void *user)
{
	struct burn_progress *p = user;
	if (cancel_due(p))
		disc_format2_data_cancel_write(f);
	show_progress(p, ev->current_action, disc_format2_data_write_action_name(ev->current_action), 0, &ev->engine,
		      ev->current_action == IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA,
		      ev->elapsed_time, ev->remaining_time, 2048);
}

/* Sectors per second of "X" on the current medium (2048-byte sectors). */
static int32_t speed_sps(enum mcc_family fam, double x)
{
	double one = fam == MCC_FAM_CD ? 75.0 * 2048 : mcc_family_1x_bytes(fam);
	double sps = x * one / 2048;
	return sps < 1 ? 1 : sps > INT32_MAX ? INT32_MAX : (int32_t)sps;
}

/* ---- burn --audio (IDiscFormat2TrackAtOnce) ------------------------------------------ */

static int burn_audio_dao(struct wctx *c, const struct wav_info *wi, int ntracks);

static void on_tao_update(disc_format2_tao *t, const disc_format2_tao_event_args *ev, void *user)
{
	struct burn_progress *p = user;
	if (cancel_due(p))
		disc_format2_tao_cancel_add_track(t);
	show_progress(p, ev->current_action, disc_format2_tao_write_action_name(ev->current_action),
		      ev->current_track_number, &ev->engine,
		      ev->current_action == IMAPI_FORMAT2_TAO_WRITE_ACTION_WRITING, ev->elapsed_time,
		      ev->remaining_time, 2352);
}

/* A WAV file's samples as a stream of whole CD-DA sectors: the data chunk, then
 * silence up to the sector boundary. */
struct wav_stream {
	int fd;
	uint64_t pos, data_end, end;
};

static hresult_t wav_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	struct wav_stream *w = ctx;
	uint32_t n = 0;
	if (w->pos < w->data_end) {
		uint64_t want = w->data_end - w->pos < len ? w->data_end - w->pos : len;
		ssize_t r;
		do
			r = pread(w->fd, buf, (size_t)want, (off_t)w->pos);
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			return E_FAIL;	/* the file shrank or failed: errno says why */
		n = (uint32_t)r;
	} else {
		uint64_t left = w->end - w->pos;
		n = left < len ? (uint32_t)left : len;
		memset(buf, 0, n);
	}
	w->pos += n;
	*got = n;
	return S_OK;
}

static void wav_close(void *ctx)
{
	struct wav_stream *w = ctx;
	close(w->fd);
	free(w);
}

static hresult_t wav_stream_open(const char *path, const struct wav_info *wi, imapi_stream **out)
{
	static const imapi_stream_ops ops = { .read = wav_read, .close = wav_close };
	struct wav_stream *w = calloc(1, sizeof(*w));
	if (!w)
		return E_OUTOFMEMORY;
	w->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (w->fd < 0) {
		free(w);
		return E_INVALIDARG;
	}
	w->pos = wi->data_offset;
	w->data_end = wi->data_offset + wi->data_bytes;
	w->end = wi->data_offset + wav_sectors(wi) * 2352;
	hresult_t hr = imapi_stream_from_ops(&ops, w, out);
	if (IMAPI_FAILED(hr)) {
		wav_close(w);
		return hr;
	}
	return imapi_stream_put_size(*out, wav_sectors(wi) * 2352);
}

static int burn_audio(struct wctx *c)
{
	const char *cmd = c->cmd->name;
	struct args *a = &c->a;
	int ntracks = a->npos - 1;
	struct wav_info wi[99];
	char err[512];
	if (ntracks > 99)
		return usage_error(cmd, "%d tracks: a CD holds at most 99", ntracks);
	uint64_t sectors = 0;
	/* Every file is checked before the drive is touched. */
	for (int i = 0; i < ntracks; i++) {
		if (wav_open(a->pos[1 + i], &wi[i], err, sizeof(err)) != 0) {
			fprintf(stderr, PROG ": %s: %s\n", cmd, err);
			return EX_FILE;
		}
		if (wav_sectors(&wi[i]) < 300) {
			fprintf(stderr, PROG ": %s: %s: %.2f s; a CD track lasts at least 4 s\n", cmd,
				a->pos[1 + i], (double)wi[i].data_bytes / 176400);
			return EX_FILE;
		}
		sectors += wav_sectors(&wi[i]);
	}
	if (a->dao) {
		if (a->close_disc == 0)
			return usage_error(cmd, "--multisession and --dao: a Disc-at-Once disc is "
					   "finalized");
		return burn_audio_dao(c, wi, ntracks);
	}
	int ex = connect_recorder(c, NULL);
	if (ex != EX_OK)
		return ex;
	disc_format2_tao *t = NULL;
	hresult_t hr = disc_format2_tao_create(&t);
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_tao_put_recorder(t, c->rec);
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_tao_put_client_name(t, a->client ? a->client : PROG);
	if (hr == E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID) {
		disc_format2_tao_release(t);
		return usage_error(cmd, "invalid --client '%s' (1 to 255 printable characters)",
				   a->client);
	}
	if (IMAPI_SUCCEEDED(hr) && a->close_disc == 0)
		hr = disc_format2_tao_put_do_not_finalize_media(t, 1);
	if (IMAPI_SUCCEEDED(hr) && c->tl)
		hr = disc_format2_tao_put_timeline(t, c->tl);
	if (IMAPI_SUCCEEDED(hr) && a->queue_depth)
		hr = disc_format2_tao_put_queue_depth(t, a->queue_depth);
	if (IMAPI_SUCCEEDED(hr) && a->speed_x > 0)
		hr = disc_format2_tao_set_write_speed(t, speed_sps(MCC_FAM_CD, a->speed_x), 0);
	struct burn_progress prog = progress_for(c, MCC_FAM_CD);
	struct sigaction old;
	sigint_arm(&old, true);
	disc_format2_tao_advise(t, on_tao_update, &prog);
	double t0 = now_s();
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_tao_prepare_media(t);
	int written = 0;
	for (int i = 0; IMAPI_SUCCEEDED(hr) && i < ntracks; i++) {
		imapi_stream *s = NULL;
		hr = wav_stream_open(a->pos[1 + i], &wi[i], &s);
		if (hr == E_INVALIDARG) {
			ex = file_error(cmd, a->pos[1 + i], "open", errno);
			hr = E_FAIL;
			imapi_stream_release(s);
			break;
		}
		if (IMAPI_SUCCEEDED(hr))
			hr = disc_format2_tao_add_audio_track(t, s);
		imapi_stream_release(s);
		if (IMAPI_SUCCEEDED(hr))
			written++;
	}
	/* ReleaseMedia also after a failure or a cancel: the tracks written are closed
	 * into the session and the tray is unlocked. */
	hresult_t rel = disc_format2_tao_release_media(t);
	if (IMAPI_SUCCEEDED(hr) && rel != E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED)
		hr = rel;
	disc_format2_tao_advise(t, NULL, NULL);
	sigint_disarm(&old);
	if (prog.printed)
		fputc('\n', stderr);
	int32_t existing = 0;
	disc_format2_tao_get_number_of_existing_tracks(t, &existing);
	disc_format2_tao_release(t);
	if (a->json) {
		char words[160];
		printf("{\"event\":\"result\",\"result\":");
		mcc_json_str(stdout, IMAPI_SUCCEEDED(hr) ? "ok" : hr_name(hr));
		printf(",\"hresult\":\"0x%08" PRIX32 "\",\"text\":", (uint32_t)hr);
		mcc_json_str(stdout, hr_words(hr, words, sizeof(words)));
		printf(",\"tracks_written\":%d,\"tracks_on_disc\":%" PRId32 ",\"sectors\":%" PRIu64
		       ",\"seconds\":%.3f}\n", written, existing, sectors, now_s() - t0);
	}
	if (IMAPI_FAILED(hr)) {
		uint8_t sbuf[IMAPI_SENSE_LEN];
		if (ex != EX_OK)
			return ex;
		if (written < ntracks)
			fprintf(stderr, PROG ": %s: %d of %d tracks written\n", cmd, written, ntracks);
		return report(cmd, hr, rec_sense(c->rec, sbuf));
	}
	if (!a->quiet && !a->json)
		fprintf(stderr, PROG ": %s: %d audio track%s (%" PRIu64 ":%02" PRIu64 ") in %.1f s, "
			"disc %s\n", cmd, written, written == 1 ? "" : "s", sectors / 75 / 60,
			sectors / 75 % 60, now_s() - t0, a->close_disc == 0 ? "left appendable"
									    : "finalized");
	return EX_OK;
}

/* ---- burn DISC.cue, burn --audio --dao (IRawCDImageCreator, IDiscFormat2RawCD) ------ */

/* A range of a track file's sectors as the stream AddTrack reads: `skip` bytes of each
 * sector dropped and `keep` kept (a MODE1/2352 sector gives its 2048 user bytes: the
 * image creator makes the header, EDC and parity itself), 16-bit samples swapped for
 * a MOTOROLA (big-endian) file. */
struct range_stream {
	int fd;
	uint64_t pos, end;		/* byte positions in the file */
	uint32_t src, skip, keep;	/* bytes per sector in the file, dropped, kept */
	bool swap;
};

static hresult_t range_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	struct range_stream *r = ctx;
	uint8_t *out = buf, sector[2352];
	uint32_t n = 0;
	while (n + r->keep <= len && r->pos < r->end) {
		ssize_t k;
		do
			k = pread(r->fd, sector, r->src, (off_t)r->pos);
		while (k < 0 && errno == EINTR);
		if (k != (ssize_t)r->src)
			return E_FAIL;	/* the file shrank or failed: errno says why */
		memcpy(out + n, sector + r->skip, r->keep);
		if (r->swap)
			for (uint32_t i = 0; i + 1 < r->keep; i += 2) {
				uint8_t t = out[n + i];
				out[n + i] = out[n + i + 1];
				out[n + i + 1] = t;
			}
		n += r->keep;
		r->pos += r->src;
	}
	*got = n;
	return S_OK;
}

static void range_close(void *ctx)
{
	struct range_stream *r = ctx;
	close(r->fd);
	free(r);
}

/* Sectors [first, end) of a track whose sector `base` is at byte `base_byte`. */
static hresult_t range_stream_open(const char *path, uint64_t base_byte, int64_t base,
				   int64_t first, int64_t end, uint32_t src, uint32_t skip,
				   uint32_t keep, bool swap, imapi_stream **out)
{
	static const imapi_stream_ops ops = { .read = range_read, .close = range_close };
	struct range_stream *r = calloc(1, sizeof(*r));
	if (!r)
		return E_OUTOFMEMORY;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		free(r);
		return E_INVALIDARG;
	}
	r->pos = base_byte + (uint64_t)(first - base) * src;
	r->end = base_byte + (uint64_t)(end - base) * src;
	r->src = src;
	r->skip = skip;
	r->keep = keep;
	r->swap = swap;
	hresult_t hr = imapi_stream_from_ops(&ops, r, out);
	if (IMAPI_FAILED(hr)) {
		range_close(r);
		return hr;
	}
	return imapi_stream_put_size(*out, (uint64_t)(end - first) * keep);
}

/* How a CUE track type goes into the image creator: its sector type and which bytes
 * of the file's sectors it takes. */
static const struct {
	imapi_cd_sector_type type;
	uint32_t skip, keep;
} cue_map[] = {
	[CUE_AUDIO] = { IMAPI_CD_SECTOR_AUDIO, 0, 2352 },
	[CUE_MODE1_2048] = { IMAPI_CD_SECTOR_MODE1, 0, 2048 },
	[CUE_MODE1_2352] = { IMAPI_CD_SECTOR_MODE1, 16, 2048 },		/* sync, header */
	[CUE_MODE2_2336] = { IMAPI_CD_SECTOR_MODE2FORM0, 0, 2336 },
	[CUE_MODE2_2352] = { IMAPI_CD_SECTOR_MODE2FORM0, 16, 2336 },
};

static int cue_err(const char *cmd, const struct cue_track *t, const struct cue_sheet *cs,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int cue_err(const char *cmd, const struct cue_track *t, const struct cue_sheet *cs,
		   const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, PROG ": %s: %s:%d: track %d: ", cmd, cs->path, t->line, t->number);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EX_FILE;
}

/* The layout IRawCDImageCreator makes (doc/engine-rawimage.md): 150 sectors of pre-gap
 * before every track but between audio tracks, where the pre-gap is either the last 150
 * sectors of the track before (gapless, INDEX 00 in the file) or 150 added silent ones
 * (DisableGaplessAudio, PREGAP 00:02:00 in the sheet); a 150-sector post-gap after a
 * data track that a track of another kind follows.  A sheet that asks for another
 * layout is refused with its line, rather than burned differently.  Fills the sector
 * ranges each track takes from its file and the gapless choice. */
static int cue_layout(const char *cmd, struct cue_sheet *cs, int64_t first[], int64_t end[],
		      int *disable_gapless)
{
	*disable_gapless = -1;
	for (int i = 0; i < cs->ntracks; i++) {
		struct cue_track *t = &cs->tracks[i], *prev = i ? &cs->tracks[i - 1] : NULL;
		int64_t in_file = t->index[0] >= 0 ? t->index[1] - t->index[0] : 0;
		first[i] = t->index[1];
		end[i] = t->end;
		if (t->four_ch)
			return cue_err(cmd, t, cs, "FLAGS 4CH (four-channel audio) is not written");
		bool audio = t->type == CUE_AUDIO;
		if (prev && audio && prev->type == CUE_AUDIO) {
			int gapless = in_file + t->pregap == 0 || (in_file == 150 && !t->pregap) ? 1
				    : (!in_file && t->pregap == 150) ? 0 : -1;
			if (gapless < 0)
				return cue_err(cmd, t, cs, "a pre-gap of %" PRId64 " sectors in the "
					       "file and %" PRId32 " added: between audio tracks the "
					       "image has either INDEX 00 150 sectors before INDEX 01, "
					       "or PREGAP 00:02:00, or none", in_file, t->pregap);
			if (*disable_gapless >= 0 && *disable_gapless != !gapless)
				return cue_err(cmd, t, cs, "mixes pre-gaps in the file and PREGAP "
					       "between audio tracks; the image has one kind");
			*disable_gapless = !gapless;
			/* Gapless: the track before runs up to INDEX 01, its last 150 sectors
			 * are this track's INDEX 00. */
			if (gapless && prev->file == t->file)
				end[i - 1] = t->index[1];
		} else if (!prev && in_file + t->pregap == 0) {
			/* Track 1's pre-gap (LBA -150..-1) is implied when the sheet gives
			 * none: the file starts at LBA 0. */
		} else if (in_file + t->pregap != 150) {
			return cue_err(cmd, t, cs, "the first track and every track after a change "
				       "of mode get 150 sectors of pre-gap (INDEX 00 in the file, or "
				       "PREGAP 00:02:00), not %" PRId64, in_file + t->pregap);
		}
		bool change = i + 1 < cs->ntracks && cs->tracks[i + 1].type != t->type;
		int32_t want_post = !audio && change ? 150 : 0;
		if (t->postgap != want_post)
			return cue_err(cmd, t, cs, "POSTGAP %s: the image puts 150 sectors after a "
				       "data track that another kind of track follows, and none "
				       "elsewhere", t->postgap ? "given" : "missing");
	}
	if (*disable_gapless < 0)
		*disable_gapless = 0;
	return EX_OK;
}

static void on_raw_update(disc_format2_raw_cd *f, const disc_format2_raw_cd_event_args *ev,
			  void *user)
{
	struct burn_progress *p = user;
	if (cancel_due(p))
		disc_format2_raw_cd_cancel_write(f);
	show_progress(p, ev->current_action, disc_format2_raw_cd_write_action_name(ev->current_action), 0, &ev->engine,
		      ev->current_action == IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_WRITING,
		      ev->elapsed_time, ev->remaining_time, 2352);
}

/* The image creator's stream written Disc-at-Once; reports and returns the exit status. */
static int burn_raw_image(struct wctx *c, raw_cd_image *img, int ntracks)
{
	const char *cmd = c->cmd->name;
	struct args *a = &c->a;
	imapi_format2_raw_cd_data_sector_type type = a->raw_type ? a->raw_type
								 : IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_RAW;
	imapi_stream *s = NULL;
	disc_format2_raw_cd *f = NULL;
	hresult_t hr = raw_cd_image_put_resulting_image_type(img, type);
	if (IMAPI_SUCCEEDED(hr))
		hr = raw_cd_image_create_result_image(img, &s);
	int32_t leadout = 0;
	raw_cd_image_get_start_of_leadout(img, &leadout);
	if (IMAPI_FAILED(hr))
		return report(cmd, hr, NULL);
	int ex = connect_recorder(c, NULL);
	if (ex != EX_OK) {
		imapi_stream_release(s);
		return ex;
	}
	hr = disc_format2_raw_cd_create(&f);
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_raw_cd_put_recorder(f, c->rec);
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_raw_cd_put_client_name(f, a->client ? a->client : PROG);
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_raw_cd_put_requested_sector_type(f, type);
	if (IMAPI_SUCCEEDED(hr) && c->tl)
		hr = disc_format2_raw_cd_put_timeline(f, c->tl);
	if (IMAPI_SUCCEEDED(hr) && a->queue_depth)
		hr = disc_format2_raw_cd_put_queue_depth(f, a->queue_depth);
	if (IMAPI_SUCCEEDED(hr) && a->speed_x > 0)
		hr = disc_format2_raw_cd_set_write_speed(f, speed_sps(MCC_FAM_CD, a->speed_x), 0);
	struct burn_progress prog = progress_for(c, MCC_FAM_CD);
	struct sigaction old;
	sigint_arm(&old, true);
	disc_format2_raw_cd_advise(f, on_raw_update, &prog);
	double t0 = now_s();
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_raw_cd_prepare_media(f);
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_raw_cd_write_media(f, s);
	hresult_t rel = disc_format2_raw_cd_release_media(f);
	if (IMAPI_SUCCEEDED(hr) && rel != E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED)
		hr = rel;
	disc_format2_raw_cd_advise(f, NULL, NULL);
	sigint_disarm(&old);
	if (prog.printed)
		fputc('\n', stderr);
	disc_format2_raw_cd_release(f);
	imapi_stream_release(s);
	if (a->json) {
		char words[160];
		printf("{\"event\":\"result\",\"result\":");
		mcc_json_str(stdout, IMAPI_SUCCEEDED(hr) ? "ok" : hr_name(hr));
		printf(",\"hresult\":\"0x%08" PRIX32 "\",\"text\":", (uint32_t)hr);
		mcc_json_str(stdout, hr_words(hr, words, sizeof(words)));
		printf(",\"tracks\":%d,\"leadout\":%" PRId32 ",\"sector_type\":%d,\"seconds\":%.3f}\n",
		       ntracks, leadout, (int)type, now_s() - t0);
	}
	if (IMAPI_FAILED(hr)) {
		uint8_t sbuf[IMAPI_SENSE_LEN];
		return report(cmd, hr, rec_sense(c->rec, sbuf));
	}
	if (!a->quiet && !a->json)
		fprintf(stderr, PROG ": %s: %d track%s Disc-at-Once, lead-out at LBA %" PRId32
			" (%d:%02d), in %.1f s, disc finalized\n", cmd, ntracks,
			ntracks == 1 ? "" : "s", leadout, leadout / 75 / 60, leadout / 75 % 60,
			now_s() - t0);
	return EX_OK;
}

/* One track into the image, with its track info settings. */
static int add_image_track(const char *cmd, raw_cd_image *img, imapi_cd_sector_type type,
			   imapi_stream *s, const struct cue_track *t, int64_t index1)
{
	int32_t idx = 0;
	raw_cd_track_info *ti = NULL;
	hresult_t hr = raw_cd_image_add_track(img, type, s, &idx);
	if (IMAPI_SUCCEEDED(hr) && t)
		hr = raw_cd_image_get_track_info(img, idx, &ti);
	if (IMAPI_SUCCEEDED(hr) && t && type == IMAPI_CD_SECTOR_AUDIO) {
		hr = raw_cd_track_info_put_digital_audio_copy_setting(ti,
			t->scms ? IMAPI_CD_TRACK_DIGITAL_COPY_SCMS :
			t->dcp ? IMAPI_CD_TRACK_DIGITAL_COPY_PERMITTED :
				 IMAPI_CD_TRACK_DIGITAL_COPY_PROHIBITED);
		if (IMAPI_SUCCEEDED(hr))
			hr = raw_cd_track_info_put_audio_has_preemphasis(ti, t->pre);
	}
	if (IMAPI_SUCCEEDED(hr) && t && t->isrc[0])
		hr = raw_cd_track_info_put_isrc(ti, t->isrc);
	for (int k = 2; t && IMAPI_SUCCEEDED(hr) && k < CUE_MAX_INDEX && t->index[k] >= 0; k++)
		hr = raw_cd_track_info_add_track_index(ti, (int32_t)(t->index[k] - index1));
	raw_cd_track_info_release(ti);
	if (IMAPI_FAILED(hr)) {
		if (t)
			fprintf(stderr, PROG ": %s: track %d (line %d) was refused\n", cmd, t->number,
				t->line);
		return report(cmd, hr, NULL);
	}
	return EX_OK;
}

static int burn_cue(struct wctx *c)
{
	const char *cmd = c->cmd->name;
	static struct cue_sheet cs;
	char err[1024];
	if (cue_parse(c->a.pos[1], &cs, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", cmd, err);
		return EX_FILE;
	}
	int64_t first[CUE_MAX_TRACKS], end[CUE_MAX_TRACKS];
	int disable_gapless;
	int ex = cue_layout(cmd, &cs, first, end, &disable_gapless);
	if (ex != EX_OK)
		return ex;
	raw_cd_image *img = NULL;
	hresult_t hr = raw_cd_image_create(&img);
	if (IMAPI_SUCCEEDED(hr))
		hr = raw_cd_image_put_disable_gapless_audio(img, disable_gapless);
	if (IMAPI_SUCCEEDED(hr) && cs.catalog[0])
		hr = raw_cd_image_put_media_catalog_number(img, cs.catalog);
	if (IMAPI_FAILED(hr)) {
		raw_cd_image_release(img);
		return report(cmd, hr, NULL);
	}
	for (int i = 0; i < cs.ntracks && ex == EX_OK; i++) {
		const struct cue_track *t = &cs.tracks[i];
		const struct cue_file *file = &cs.files[t->file];
		imapi_stream *s = NULL;
		hr = range_stream_open(file->path, file->data_offset + t->byte_first, t->first,
				       first[i], end[i],
				       (uint32_t)cue_sector_bytes(t->type), cue_map[t->type].skip,
				       cue_map[t->type].keep,
				       file->format == CUE_MOTOROLA && t->type == CUE_AUDIO, &s);
		if (hr == E_INVALIDARG)
			ex = file_error(cmd, file->path, "open", errno);
		else if (IMAPI_FAILED(hr))
			ex = report(cmd, hr, NULL);
		else
			ex = add_image_track(cmd, img, cue_map[t->type].type, s, t, t->index[1]);
		imapi_stream_release(s);
	}
	if (ex == EX_OK)
		ex = burn_raw_image(c, img, cs.ntracks);
	raw_cd_image_release(img);
	return ex;
}

/* --audio --dao: the WAV files as audio tracks of one Disc-at-Once image, 2 seconds of
 * silence before each (DisableGaplessAudio). */
static int burn_audio_dao(struct wctx *c, const struct wav_info *wi, int ntracks)
{
	const char *cmd = c->cmd->name;
	raw_cd_image *img = NULL;
	hresult_t hr = raw_cd_image_create(&img);
	if (IMAPI_SUCCEEDED(hr))
		hr = raw_cd_image_put_disable_gapless_audio(img, 1);
	if (IMAPI_FAILED(hr)) {
		raw_cd_image_release(img);
		return report(cmd, hr, NULL);
	}
	int ex = EX_OK;
	for (int i = 0; i < ntracks && ex == EX_OK; i++) {
		imapi_stream *s = NULL;
		hr = wav_stream_open(c->a.pos[1 + i], &wi[i], &s);
		if (hr == E_INVALIDARG)
			ex = file_error(cmd, c->a.pos[1 + i], "open", errno);
		else if (IMAPI_FAILED(hr))
			ex = report(cmd, hr, NULL);
		else
			ex = add_image_track(cmd, img, IMAPI_CD_SECTOR_AUDIO, s, NULL, 0);
		imapi_stream_release(s);
	}
	if (ex == EX_OK)
		ex = burn_raw_image(c, img, ntracks);
	raw_cd_image_release(img);
	return ex;
}

static int cmd_burn_run(struct wctx *c);

static int cmd_burn(struct wctx *c)
{
	int ex = graph_begin(c);
	return ex == EX_OK ? graph_end(c, cmd_burn_run(c)) : ex;
}

static int cmd_burn_run(struct wctx *c)
{
	const char *cmd = c->cmd->name;
	struct args *a = &c->a;
	imapi_stream *s = NULL;
	disc_format2_data *f = NULL;
	if (a->audio)
		return burn_audio(c);
	if (a->dao)
		return usage_error(cmd, "--dao goes with --audio (a CUE sheet is always burned "
				   "Disc-at-Once)");
	size_t plen = strlen(a->pos[1]);
	if (a->npos == 2 && plen > 4 && strcasecmp(a->pos[1] + plen - 4, ".cue") == 0)
		return burn_cue(c);
	if (a->npos > 2)
		return usage_error(cmd, "one IMAGE expected, got %d files (WAV tracks need --audio)",
				   a->npos - 1);
	int ex = connect_recorder(c, NULL);
	if (ex != EX_OK)
		return ex;
	hresult_t hr = imapi_stream_from_file(a->pos[1], 0, &s);
	if (IMAPI_FAILED(hr))
		return hr == E_INVALIDARG ? file_error(cmd, a->pos[1], "open", errno)
					  : report(cmd, hr, NULL);
	uint64_t size = 0;
	if (imapi_stream_get_size(s, &size) != S_OK || size == 0 || size % 2048) {
		imapi_stream_release(s);
		return usage_error(cmd, "'%s' has %" PRIu64 " bytes, not a whole number of "
				   "2048-byte sectors", a->pos[1], size);
	}
	enum mcc_family fam = mcc_profile_family(current_profile(c->rec));
	hr = disc_format2_data_create(&f);
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_data_put_recorder(f, c->rec);
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_data_put_client_name(f, a->client ? a->client : PROG);
	if (hr == E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID) {
		ex = usage_error(cmd, "invalid --client '%s' (1 to 255 printable characters)",
				 a->client);
		goto out;
	}
	if (IMAPI_SUCCEEDED(hr) && a->close_disc >= 0) {
		hr = disc_format2_data_put_force_media_to_be_closed(f, a->close_disc);
		/* --multisession keeps a DVD+R appendable: no compatible close. */
		if (IMAPI_SUCCEEDED(hr) && a->close_disc == 0)
			hr = disc_format2_data_put_disable_consumer_dvd_compatibility_mode(f, 1);
	}
	if (IMAPI_SUCCEEDED(hr) && a->verify_level >= 0)
		hr = disc_format2_data_put_burn_verification_level(f,
				(imapi_burn_verification_level)a->verify_level);
	if (IMAPI_SUCCEEDED(hr) && a->force_overwrite)
		hr = disc_format2_data_put_force_overwrite(f, 1);
	if (IMAPI_SUCCEEDED(hr) && c->tl)
		hr = disc_format2_data_put_timeline(f, c->tl);
	if (IMAPI_SUCCEEDED(hr) && a->queue_depth)
		hr = disc_format2_data_put_queue_depth(f, a->queue_depth);
	if (IMAPI_SUCCEEDED(hr) && a->speed_x > 0)
		hr = disc_format2_data_set_write_speed(f, speed_sps(fam, a->speed_x), 0);
	if (IMAPI_FAILED(hr)) {
		ex = report(cmd, hr, NULL);
		goto out;
	}

	struct burn_progress prog = progress_for(c, fam);
	struct sigaction old;
	sigint_arm(&old, true);
	disc_format2_data_advise(f, on_burn_update, &prog);
	hr = disc_format2_data_write(f, s);
	disc_format2_data_advise(f, NULL, NULL);
	sigint_disarm(&old);
	if (prog.printed)
		fputc('\n', stderr);

	disc_format2_data_result r;
	disc_format2_data_get_result(f, &r);
	uint8_t sbuf[IMAPI_SENSE_LEN];
	const uint8_t *sense = IMAPI_FAILED(hr) ? rec_sense(c->rec, sbuf) : NULL;
	if (a->json) {
		char words[160];
		printf("{\"event\":\"result\",\"result\":");
		mcc_json_str(stdout, IMAPI_SUCCEEDED(hr) ? "ok" : hr_name(hr));
		printf(",\"hresult\":\"0x%08" PRIX32 "\",\"text\":", (uint32_t)hr);
		mcc_json_str(stdout, hr_words(hr, words, sizeof(words)));
		printf(",\"profile\":");
		mcc_json_str(stdout, mcc_profile_name(current_profile(c->rec)));
		printf(",\"start_lba\":%" PRId32 ",\"sectors\":%" PRId32 ",\"verified\":%" PRId32
		       ",\"write_type\":%d,\"close_function\":%d,\"mismatch_lba\":%" PRId32
		       ",\"seconds\":%.3f}\n", r.start_lba, r.sectors, r.verified,
		       r.write_type == 0xff ? -1 : r.write_type, r.close_function, r.mismatch_lba,
		       r.seconds);
	}
	if (IMAPI_FAILED(hr)) {
		if (hr == E_IMAPI_BURN_VERIFICATION_FAILED)
			fprintf(stderr, PROG ": %s: the disc differs from '%s' in the 64 KiB from "
				"LBA %" PRId32 "\n", cmd, a->pos[1], r.mismatch_lba);
		ex = report(cmd, hr, sense);
		if (hr == E_IMAPI_BURN_VERIFICATION_FAILED)
			ex = EX_MISMATCH;
		goto out;
	}
	if (!a->quiet && !a->json)
		fprintf(stderr, PROG ": %s: %" PRId32 " sectors at LBA %" PRId32 " in %.1f s"
			"%s%s; %" PRId32 " verified\n", cmd, r.sectors, r.start_lba, r.seconds,
			r.close_function ? ", closed with function " : "",
			r.close_function == 0 ? "" : r.close_function == 2 ? "010b" :
			r.close_function == 5 ? "101b" : "110b", r.verified);
	ex = EX_OK;
out:
	disc_format2_data_release(f);
	imapi_stream_release(s);
	return ex;
}

/* ---- erase, format (IDiscFormat2Erase) ---------------------------------------------- */

struct erase_progress {
	bool show, printed;
	bool cancelled_note;
};

/* DDiscFormat2EraseEvents::Update.  An erase cannot be cancelled (the drive blanks on
 * its own once BLANK is accepted); Ctrl-C is reported and waited for. */
static void on_erase_update(disc_format2_erase *e, int32_t elapsed, int32_t total, void *user)
{
	(void)e;
	struct erase_progress *p = user;
	if (!p->show)
		return;
	if (interrupted && !p->cancelled_note) {
		p->cancelled_note = true;
		fprintf(stderr, "\n" PROG ": the drive is erasing and cannot be stopped; waiting\n");
	}
	if (total > 0)
		fprintf(stderr, "\rerasing  %d:%02d of about %d:%02d   ", elapsed / 60, elapsed % 60,
			total / 60, total % 60);
	else
		fprintf(stderr, "\rerasing  %d:%02d   ", elapsed / 60, elapsed % 60);
	fflush(stderr);
	p->printed = true;
}

static int cmd_erase(struct wctx *c)
{
	const char *cmd = c->cmd->name;
	disc_format2_erase *e = NULL;
	int ex = connect_recorder(c, NULL);
	if (ex != EX_OK)
		return ex;
	int32_t profile = current_profile(c->rec);
	struct mcc_data_plan plan;
	mcc_data_plan(profile, &plan);
	if (c->cmd->bit == C_FORMAT && !plan.needs_format) {
		fprintf(stderr, PROG ": %s: a %s is not formatted by FORMAT UNIT here (DVD+RW and "
			"BD-RE are; 'erase' blanks a CD-RW or DVD-RW)\n", cmd, mcc_profile_name(profile));
		return EX_FAIL;
	}
	hresult_t hr = disc_format2_erase_create(&e);
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_erase_put_recorder(e, c->rec);
	if (IMAPI_SUCCEEDED(hr))
		hr = disc_format2_erase_put_client_name(e, c->a.client ? c->a.client : PROG);
	if (IMAPI_SUCCEEDED(hr) && c->a.full)
		hr = disc_format2_erase_put_full_erase(e, 1);
	if (hr == E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID) {
		disc_format2_erase_release(e);
		return usage_error(cmd, "invalid --client '%s' (1 to 255 printable characters)",
				   c->a.client);
	}
	struct erase_progress prog = { 0 };
	prog.show = progress_shown(&c->a);
	struct sigaction old;
	sigint_arm(&old, false);
	double t0 = now_s();
	if (IMAPI_SUCCEEDED(hr)) {
		disc_format2_erase_advise(e, on_erase_update, &prog);
		hr = disc_format2_erase_erase_media(e);
	}
	sigint_disarm(&old);
	if (prog.printed)
		fputc('\n', stderr);
	disc_format2_erase_release(e);
	if (IMAPI_FAILED(hr)) {
		uint8_t sbuf[IMAPI_SENSE_LEN];
		if (hr == E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED)
			fprintf(stderr, PROG ": %s: a %s cannot be erased (CD-RW, DVD-RW, DVD+RW and "
				"BD-RE can)\n", cmd, mcc_profile_name(profile));
		return report(cmd, hr, rec_sense(c->rec, sbuf));
	}
	if (!c->a.quiet)
		fprintf(stderr, PROG ": %s: %s %s in %.1f s\n", cmd, mcc_profile_name(profile),
			plan.needs_format ? "formatted" : c->a.full ? "fully blanked" :
			"minimally blanked", now_s() - t0);
	return EX_OK;
}

/* ---- close, sync ---------------------------------------------------------------------- */

/* One no-data command with the long timeout; reports failures. */
static int simple_command(struct wctx *c, struct mcc_cdb cdb, const char *what)
{
	struct xfer x = { .cdb = cdb, .dir = X_NONE, .timeout_s = LONG_TIMEOUT_S };
	hresult_t hr = xfer_run(c->rec, &x);
	if (IMAPI_FAILED(hr)) {
		fprintf(stderr, PROG ": %s: %s failed\n", c->cmd->name, what);
		return report(c->cmd->name, hr, xfer_sense(&x));
	}
	if (!c->a.quiet)
		fprintf(stderr, PROG ": %s: %s done\n", c->cmd->name, what);
	return EX_OK;
}

static int cmd_close(struct wctx *c)
{
	const char *cmd = c->cmd->name, *what = c->a.pos[1];
	int64_t track = 0;
	char desc[64];

	if (strcmp(what, "track") == 0) {
		if (c->a.npos != 3 || !parse_int(c->a.pos[2], false, 0, 0xffff, &track))
			return usage_error(cmd, "track needs a track number 0..65535%s%s%s",
					   c->a.npos == 3 ? " (got '" : "",
					   c->a.npos == 3 ? c->a.pos[2] : "",
					   c->a.npos == 3 ? "')" : "");
	} else if (strcmp(what, "session") != 0 && strcmp(what, "finalize") != 0) {
		return usage_error(cmd, "invalid value '%s' (track N, session or finalize "
				   "expected)", what);
	} else if (c->a.npos != 2) {
		return usage_error(cmd, "unexpected argument '%s'", c->a.pos[2]);
	}

	int ex = connect_recorder(c, NULL);
	if (ex != EX_OK)
		return ex;
	if (strcmp(what, "track") == 0) {
		snprintf(desc, sizeof(desc), "CLOSE TRACK %" PRId64, track);
		return simple_command(c, mcc_cdb_close_track_session(false, MCC_CLOSE_TRACK,
								     (uint16_t)track), desc);
	}

	/* The one close policy (mmccdb.h, mcc_close_plan), as the harness and the format
	 * layer: CD and DVD-R/-RW set page 05h multi-session and CLOSE SESSION; DVD+R and
	 * BD-R have their own finalize functions (DVD+R closes in the compatible way,
	 * IMAPI2's default). */
	bool finalize = strcmp(what, "finalize") == 0;
	int32_t profile = current_profile(c->rec);
	struct mcc_close_plan plan;
	mcc_close_plan(profile, finalize, true, &plan);
	if (plan.set_multisession) {
		uint8_t ms = plan.multisession;
		hresult_t hr = edit_page05(c->rec, edit_multisession, &ms);
		if (IMAPI_FAILED(hr)) {
			uint8_t sbuf[IMAPI_SENSE_LEN];
			fprintf(stderr, PROG ": %s: setting page 05h multi-session failed\n", cmd);
			return report(cmd, hr, rec_sense(c->rec, sbuf));
		}
	}
	uint8_t fn = plan.function;
	snprintf(desc, sizeof(desc), "%s (CLOSE function %d%d%db on %s)",
		 finalize ? "finalize" : "CLOSE SESSION", fn >> 2 & 1, fn >> 1 & 1, fn & 1,
		 mcc_profile_name(profile));
	return simple_command(c, mcc_cdb_close_track_session(false, fn, 0), desc);
}

static int cmd_sync(struct wctx *c)
{
	int ex = connect_recorder(c, NULL);
	if (ex != EX_OK)
		return ex;
	/* IMMED = 0: wait for the flush */
	return simple_command(c, mcc_cdb_synchronize_cache(false),
			      mcc_op_name(MCC_OP_SYNCHRONIZE_CACHE));
}

/* ---- read, verify ---------------------------------------------------------------------- */

/* Called with each chunk read; returns an exit status (EX_OK to go on). */
typedef int (*chunk_fn)(void *ctx, int32_t lba, const uint8_t *data, size_t len);

/* READ(10) of blocks from lba in chunks of the recorder's transfer limit. */
static int read_blocks(struct wctx *c, int32_t lba, int32_t blocks, int32_t bps, chunk_fn fn,
		       void *ctx)
{
	uint32_t max = 0;
	disc_recorder_ex_get_maximum_page_aligned_transfer_size(c->rec, &max);
	uint32_t per = max / (uint32_t)bps;
	if (per == 0)
		per = 1;
	if (per > 0xffff)		/* READ(10) transfer length is 16 bits */
		per = 0xffff;
	uint8_t *buf = malloc((size_t)per * bps);
	if (!buf)
		return report(c->cmd->name, E_OUTOFMEMORY, NULL);

	int ex = EX_OK;
	for (int64_t done = 0; done < blocks && ex == EX_OK;) {
		uint32_t n = blocks - done < per ? (uint32_t)(blocks - done) : per;
		int32_t at = (int32_t)(lba + done);
		struct xfer x = { .cdb = mcc_cdb_read10((uint32_t)at, (uint16_t)n), .dir = X_IN,
				  .buf = buf, .len = n * (uint32_t)bps };
		hresult_t hr = xfer_run(c->rec, &x);
		if (IMAPI_SUCCEEDED(hr) && x.got != x.len)
			hr = E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE;
		if (IMAPI_FAILED(hr)) {
			fprintf(stderr, PROG ": %s: %s of %" PRIu32 " blocks at LBA %" PRId32
				" failed\n", c->cmd->name, mcc_op_name(MCC_OP_READ10), n, at);
			ex = report(c->cmd->name, hr, xfer_sense(&x));
			break;
		}
		ex = fn(ctx, at, buf, x.len);
		done += n;
	}
	free(buf);
	return ex;
}

struct sink {
	const char *cmd, *path;
	int fd;
	int32_t bps;
	int64_t offset;		/* bytes of FILE handled so far */
};

static int sink_write(void *ctx, int32_t lba, const uint8_t *data, size_t len)
{
	struct sink *s = ctx;
	(void)lba;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(s->fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return file_error(s->cmd, s->path, "write", w < 0 ? errno : EIO);
		off += (size_t)w;
	}
	s->offset += (int64_t)len;
	return EX_OK;
}

static int sink_compare(void *ctx, int32_t lba, const uint8_t *data, size_t len)
{
	struct sink *s = ctx;
	uint8_t buf[65536];
	for (size_t off = 0; off < len;) {
		size_t want = len - off < sizeof(buf) ? len - off : sizeof(buf);
		ssize_t got = read(s->fd, buf, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return file_error(s->cmd, s->path, "read", got < 0 ? errno : EIO);
		for (ssize_t i = 0; i < got; i++) {
			if (buf[i] == data[off + (size_t)i])
				continue;
			size_t at = off + (size_t)i;
			fprintf(stderr, PROG ": %s: first difference at LBA %" PRId64 ", byte offset "
				"%zu within the block (file offset %" PRId64 ": disc %02x, file "
				"%02x)\n", s->cmd, (int64_t)lba + (int64_t)(at / (size_t)s->bps),
				at % (size_t)s->bps, s->offset + (int64_t)at, data[at], buf[i]);
			return EX_MISMATCH;
		}
		off += (size_t)got;
	}
	s->offset += (int64_t)len;
	return EX_OK;
}

static int read_or_verify(struct wctx *c, bool verify)
{
	const char *cmd = c->cmd->name, *path = c->a.pos[1];
	int32_t bps = c->a.bps ? c->a.bps : 2048, blocks = c->a.blocks;
	struct sink s = { .cmd = cmd, .path = path, .bps = bps };
	int ex;

	if (c->a.lba_nwa)
		return usage_error(cmd, "--lba needs an LBA ('nwa' is for write)");
	if (verify) {
		int64_t fsize;
		ex = file_size(cmd, path, &fsize);
		if (ex == EX_OK)
			ex = count_blocks(c, fsize, bps, &blocks);
		if (ex != EX_OK)
			return ex;
		s.fd = open(path, O_RDONLY);
	} else {
		s.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	}
	if (s.fd < 0)
		return file_error(cmd, path, "open", errno);
	ex = connect_recorder(c, NULL);
	if (ex == EX_OK)
		ex = read_blocks(c, c->a.lba, blocks, bps, verify ? sink_compare : sink_write, &s);
	if (close(s.fd) != 0 && ex == EX_OK)
		ex = file_error(cmd, path, "close", errno);
	if (ex == EX_OK && !c->a.quiet)
		fprintf(stderr, PROG ": %s: %" PRId32 " blocks of %" PRId32 " bytes from LBA %"
			PRId32 " %s '%s'\n", cmd, blocks, bps, c->a.lba,
			verify ? "equal to" : "written to", path);
	return ex;
}

static int cmd_read(struct wctx *c)
{
	return read_or_verify(c, false);
}

static int cmd_verify(struct wctx *c)
{
	return read_or_verify(c, true);
}

/* ---- main --------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	int i = 1;
	bool quiet = false;

	/* Global options before the command. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];
		if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
			help_general(stdout);
			return EX_OK;
		} else if (strcmp(o, "--version") == 0) {
			printf(PROG " (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return EX_OK;
		} else if (strcmp(o, "-q") == 0 || strcmp(o, "--quiet") == 0) {
			quiet = true;
		} else {
			return usage_error(NULL, "unknown option '%s'", o);
		}
	}
	if (i >= argc) {
		help_general(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		const struct wcmd *hc = i + 1 < argc ? cmd_find(argv[i + 1]) : NULL;
		if (i + 1 < argc && !hc)
			return usage_error(NULL, "unknown command '%s'", argv[i + 1]);
		if (hc)
			help_command(stdout, hc);
		else
			help_general(stdout);
		return EX_OK;
	}

	struct wctx c;
	memset(&c, 0, sizeof(c));
	c.cmd = cmd_find(argv[i]);
	if (!c.cmd)
		return usage_error(NULL, "unknown command '%s'", argv[i]);
	c.a.quiet = quiet;
	c.a.progress = -1;
	c.a.start_sps = c.a.end_sps = -1;
	c.a.write_type = c.a.dbt = c.a.track_mode = -1;
	c.a.close_disc = c.a.verify_level = -1;

	/* getopt sees the command name as argv[0]. */
	int rc = parse_command(&c, argc - i, argv + i);
	if (rc < 0)
		return EX_OK;	/* --help */
	if (rc != EX_OK)
		return rc;
	rc = c.cmd->fn(&c);
	if (c.rec)
		disc_recorder_ex_release(c.rec);
	return rc;
}
