/* harness/scenario.c - the scenario language parser (doc/harness.md sections 1-6). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"

#define HRN_LINE_MAX   4096
#define HRN_ERRORS_MAX 20

enum vtype {
	T_STR, T_INT, T_LBA_NWA, T_INT_NONE, T_ENUM, T_YESNO, T_SIZE, T_DUR, T_SOURCE,
	T_PATH, T_SENSE, T_HEX, T_HEXSTR, T_RANGE, T_HRESULT, T_SCALE, T_EXIT, T_SPEED,
	T_ENUMS, T_NAME, T_REGEX,
};

enum { F_REQ = 1, F_CMP = 2 };

struct keyspec {
	const char *key;	/* NULL ends the list; "" marks a positional word */
	enum vtype t;
	int64_t min, max;
	const char *list;	/* T_ENUM: "a|b|c" */
	unsigned flags;
	const char *what;	/* positional: what is expected, for messages */
};

struct cmdspec {
	const char *word;
	enum hrn_kind kind;
	const char *sub;	/* NULL: no sub-command */
	bool raw;		/* fault, control: words kept as written */
	bool need_one;		/* at least one key */
	bool is_final;
	struct keyspec keys[14];
};

#define KK(k, t, mn, mx, l, f) { k, t, mn, mx, l, f, NULL }
#define PP(t, mn, mx, l, what) { "", t, mn, mx, l, F_REQ, what }
#define K(...) KK(__VA_ARGS__)
#define P(...) PP(__VA_ARGS__)
#define KEND { NULL, T_STR, 0, 0, NULL, 0, NULL }
#define I32 INT32_MIN, INT32_MAX
#define U32 0, INT32_MAX
#define POS 1, INT32_MAX
#define NOL 0, 0, NULL
#define RETRY K("retry", T_YESNO, NOL, 0)

static const struct cmdspec specs[] = {
	{ "drive", HRN_DRIVE, NULL, false, false, false,
	  { K("personality", T_PATH, NOL, F_REQ) } },
	{ "load", HRN_LOAD, NULL, false, false, false,
	  { K("media", T_ENUM, 0, 0, "cd-r|cd-r80|cd-rw|dvd-r|dvd-rw|dvd+r|dvd+r-dl|dvd+rw|bd-r|bd-re|none", F_REQ),
	    K("capacity", T_INT, POS, NULL, 0), K("image", T_PATH, NOL, 0),
	    K("tray", T_ENUM, 0, 0, "open|closed", 0) } },
	{ "time-scale", HRN_TIME_SCALE, NULL, false, false, false,
	  { P(T_SCALE, 0, 0, NULL, "a time scale (a number >= 0)") } },
	{ "fault", HRN_FAULT, NULL, true, false, false, { KEND } },
	{ "control", HRN_CONTROL, NULL, true, false, false, { KEND } },
	{ "engine", HRN_ENGINE, NULL, false, true, false,
	  { K("bytes-per-sector", T_INT, POS, NULL, 0), K("streaming", T_YESNO, NOL, 0),
	    K("queue-depth", T_INT, 1, 64, NULL, 0), K("buffer", T_SIZE, 65536, 1073741824, NULL, 0),
	    K("start-sps", T_INT, -1, INT32_MAX, NULL, 0), K("end-sps", T_INT, -1, INT32_MAX, NULL, 0),
	    K("max-transfer", T_INT, POS, NULL, 0) } },
	{ "mode", HRN_MODE, NULL, false, true, false,
	  { K("write-type", T_ENUM, 0, 0, "packet|tao|sao|raw", 0),
	    K("data-block-type", T_INT, 0, 15, NULL, 0), K("track-mode", T_INT, 0, 15, NULL, 0),
	    K("bufe", T_INT, 0, 1, NULL, 0), K("multisession", T_INT, 0, 3, NULL, 0),
	    K("test-write", T_INT, 0, 1, NULL, 0), K("link-size", T_INT, 0, 255, NULL, 0),
	    K("packet-size", T_INT, U32, NULL, 0), K("fixed-packet", T_INT, 0, 1, NULL, 0),
	    K("session-format", T_INT, 0, 255, NULL, 0), K("audio-pause", T_INT, 0, 65535, NULL, 0) } },
	{ "write", HRN_WRITE, NULL, false, false, false,
	  { K("source", T_SOURCE, NOL, F_REQ), K("lba", T_LBA_NWA, I32, NULL, F_REQ),
	    K("blocks", T_INT, POS, NULL, F_REQ), K("cancel-after", T_INT, POS, NULL, 0) } },
	{ "mmc", HRN_MMC, "close-track", false, false, false,
	  { P(T_INT, 0, 65535, NULL, "a track number"), RETRY } },
	{ "mmc", HRN_MMC, "close-session", false, false, false, { RETRY } },
	{ "mmc", HRN_MMC, "finalize", false, false, false,
	  { K("function", T_INT, 0, 7, NULL, 0), RETRY } },
	{ "mmc", HRN_MMC, "sync", false, false, false, { RETRY } },
	{ "mmc", HRN_MMC, "blank", false, false, false,
	  { P(T_ENUM, 0, 0, "minimal|full", "minimal or full"), RETRY } },
	{ "mmc", HRN_MMC, "format", false, false, false, { K("type", T_HEX, 0, 0x3f, NULL, 0), RETRY } },
	{ "mmc", HRN_MMC, "reserve", false, false, false,
	  { P(T_INT, POS, NULL, "a number of blocks"), RETRY } },
	{ "mmc", HRN_MMC, "set-speed", false, false, false,
	  { P(T_SPEED, 1, 65535, NULL, "a write speed in kB/s or 'max'"), RETRY } },
	{ "mmc", HRN_MMC, "send-cue", false, false, false,
	  { P(T_PATH, NOL, "a cue sheet file"), RETRY } },
	{ "mmc", HRN_MMC, "eject", false, false, false, { RETRY } },
	{ "mmc", HRN_MMC, "load", false, false, false, { RETRY } },
	{ "mmc", HRN_MMC, "cdb", false, false, false,
	  { P(T_HEXSTR, 6, 16, NULL, "a CDB in hex (6..16 bytes)"), K("in", T_INT, 1, 65535, NULL, 0),
	    K("out", T_HEXSTR, 1, 65535, NULL, 0), RETRY } },
	{ "run", HRN_RUN, NULL, false, false, false,
	  { P(T_STR, NOL, "a command (quote it)"), K("timeout", T_DUR, NOL, 0) } },
	{ "guest", HRN_GUEST, NULL, false, false, false,
	  { K("modes", T_ENUMS, 0, 0, "passthrough|iscsi", 0), K("needs", T_STR, NOL, 0),
	    K("memory", T_SIZE, 128 << 20, 4096LL << 20, NULL, 0) } },
	{ "input", HRN_INPUT, NULL, false, false, false,
	  { P(T_NAME, NOL, "a file name"), K("from", T_PATH, NOL, 0), K("iso", T_PATH, NOL, 0),
	    K("volid", T_STR, NOL, 0), K("tone", T_INT, 20, 20000, NULL, 0),
	    K("seconds", T_INT, 1, 4800, NULL, 0), K("source", T_SOURCE, NOL, 0),
	    K("size", T_SIZE, 1, 8LL << 30, NULL, 0) } },
	{ "guest-run", HRN_GUEST_RUN, NULL, false, false, false,
	  { P(T_STR, NOL, "a command (quote it)"), K("timeout", T_DUR, NOL, 0) } },
	{ "expect", HRN_EXPECT, "result", false, false, false,
	  { K("result", T_HRESULT, NOL, F_REQ), K("sense", T_SENSE, NOL, 0) } },
	{ "expect", HRN_EXPECT, "exit", false, false, false, { K("exit", T_EXIT, NOL, F_REQ) } },
	{ "expect", HRN_EXPECT, "output", false, true, false,
	  { K("contains", T_STR, NOL, 0), K("lacks", T_STR, NOL, 0), K("matches", T_REGEX, NOL, 0) } },
	{ "expect", HRN_EXPECT, "disc", false, true, false,
	  { K("status", T_ENUM, 0, 0, "blank|appendable|complete|other", 0),
	    K("sessions", T_INT, U32, NULL, 0), K("tracks", T_INT, U32, NULL, 0),
	    K("nwa", T_INT_NONE, I32, NULL, 0),
	    K("last-session", T_ENUM, 0, 0, "empty|incomplete|damaged|complete", 0),
	    K("erasable", T_YESNO, NOL, 0) } },
	{ "expect", HRN_EXPECT, "track", false, false, false,
	  { P(T_INT, 1, 65535, NULL, "a track number"),
	    K("state", T_ENUM, 0, 0, "blank|incomplete|complete|reserved", 0),
	    K("session", T_INT, 1, 65535, NULL, 0), K("start", T_INT, I32, NULL, 0),
	    K("size", T_INT, U32, NULL, 0), K("nwa", T_INT_NONE, I32, NULL, 0),
	    K("free", T_INT, U32, NULL, 0), K("last-recorded", T_INT_NONE, I32, NULL, 0),
	    K("mode", T_INT, 0, 15, NULL, 0), K("data-mode", T_INT, 0, 15, NULL, 0),
	    K("packet", T_INT, 0, 1, NULL, 0), K("fixed-packet", T_INT, 0, 1, NULL, 0),
	    K("packet-size", T_INT, U32, NULL, 0) } },
	{ "expect", HRN_EXPECT, "blocks", false, false, true,
	  { K("lba", T_RANGE, NOL, F_REQ), K("size", T_INT, 1, 65536, NULL, 0),
	    K("equal", T_SOURCE, NOL, 0), K("recorded", T_ENUM, 0, 0, "no", 0) } },
	{ "expect", HRN_EXPECT, "record", false, false, true,
	  { K("lba", T_INT, I32, NULL, F_REQ), K("block-size", T_INT, 1, 65536, NULL, 0),
	    K("write-type", T_ENUM, 0, 0, "packet|tao|sao|raw|none", 0),
	    K("data-block-type", T_INT_NONE, 0, 15, NULL, 0),
	    K("opcode", T_ENUM, 0, 0, "WRITE(10)|WRITE(12)", 0), K("streaming", T_YESNO, NOL, 0),
	    K("test-write", T_YESNO, NOL, 0), K("pow", T_YESNO, NOL, 0),
	    K("track", T_INT, 0, 65535, NULL, 0), K("session", T_INT, 0, 65535, NULL, 0) } },
	{ "expect", HRN_EXPECT, "sense", false, false, true,
	  { K("command", T_STR, NOL, F_REQ), K("sense", T_SENSE, NOL, 0),
	    K("key", T_HEX, 0, 15, NULL, 0), K("asc", T_HEX, 0, 255, NULL, 0),
	    K("ascq", T_HEX, 0, 255, NULL, 0), K("deferred", T_YESNO, NOL, 0) } },
	{ "expect", HRN_EXPECT, "trace", false, false, true,
	  { K("op", T_STR, NOL, 0), K("count", T_INT, U32, NULL, F_CMP),
	    K("status", T_ENUM, 0, 0, "GOOD|CHECK", 0), K("order", T_STR, NOL, 0) } },
	{ "expect", HRN_EXPECT, "duration", false, true, true,
	  { K("virtual", T_DUR, NOL, F_CMP) } },
};

static const char *const commands =
	"drive load time-scale guest fault control engine mode write mmc run input guest-run expect";
static const char *const mmc_steps = "close-track close-session finalize sync blank format reserve set-speed send-cue eject load cdb";
static const char *const expect_kinds = "result= exit= output disc track blocks record sense trace duration";

/* ---- value helpers --------------------------------------------------------- */

bool hrn_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!s || !*s)
		return false;
	errno = 0;
	char *end;
	long long v;
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ||
	    (s[0] == '-' && s[1] == '0' && (s[2] == 'x' || s[2] == 'X')))
		v = strtoll(s, &end, 16);
	else
		v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool hrn_parse_size(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	if (!s || !isdigit((unsigned char)*s))
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return false;
	uint64_t mul = 1;
	if (!strcmp(end, "K") || !strcmp(end, "KiB") || !strcmp(end, "k"))
		mul = 1024;
	else if (!strcmp(end, "M") || !strcmp(end, "MiB"))
		mul = 1024 * 1024;
	else if (*end)
		return false;
	if (v > (uint64_t)INT64_MAX / mul)
		return false;
	*out = (int64_t)(v * mul);
	return true;
}

bool hrn_parse_duration_us(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return false;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return false;
	double mul;
	if (!*end || !strcmp(end, "s"))
		mul = 1e6;
	else if (!strcmp(end, "ms"))
		mul = 1e3;
	else if (!strcmp(end, "us"))
		mul = 1;
	else if (!strcmp(end, "min"))
		mul = 60e6;
	else
		return false;
	if (v * mul > 9e18)
		return false;
	*out = (int64_t)(v * mul + 0.5);
	return true;
}

bool hrn_parse_range(const char *s, int64_t *a, int64_t *b)
{
	const char *dots = strstr(s, "..");
	if (!dots || dots == s)
		return false;
	char first[64];
	size_t n = (size_t)(dots - s);
	if (n >= sizeof(first))
		return false;
	memcpy(first, s, n);
	first[n] = 0;
	if (!strcmp(dots + 2, "end")) {
		*b = HRN_RANGE_END;
		return hrn_parse_int(first, INT32_MIN, INT32_MAX, a);
	}
	return hrn_parse_int(first, INT32_MIN, INT32_MAX, a) &&
	       hrn_parse_int(dots + 2, INT32_MIN, INT32_MAX, b) && *a <= *b;
}

static bool hex_field(const char *s, size_t n, int max, int *out)
{
	if (n == 0 || n > 2)
		return false;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		v = v * 16 + (isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

bool hrn_parse_sense(const char *s, int *key, int *asc, int *ascq, bool *none)
{
	*none = false;
	if (!strcmp(s, "none")) {
		*none = true;
		return true;
	}
	const char *a = strchr(s, '/');
	const char *b = a ? strchr(a + 1, '/') : NULL;
	if (!a || !b)
		return false;
	return hex_field(s, (size_t)(a - s), 15, key) &&
	       hex_field(a + 1, (size_t)(b - a - 1), 255, asc) &&
	       hex_field(b + 1, strlen(b + 1), 255, ascq);
}

bool hrn_parse_source(const char *s, struct hrn_source *out)
{
	memset(out, 0, sizeof(*out));
	if (!strcmp(s, "zero")) {
		out->kind = HRN_SRC_ZERO;
		return true;
	}
	if (!strncmp(s, "file:", 5) && s[5]) {
		out->kind = HRN_SRC_FILE;
		out->file = s + 5;
		return true;
	}
	if (!strncmp(s, "pattern:seed=", 13) || !strncmp(s, "cd-mode1:seed=", 14)) {
		bool cd = s[0] == 'c';
		int64_t v;
		if (!hrn_parse_int(s + (cd ? 14 : 13), 0, INT64_MAX, &v))
			return false;
		out->kind = cd ? HRN_SRC_CD_MODE1 : HRN_SRC_PATTERN;
		out->seed = (uint64_t)v;
		return true;
	}
	return false;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void hrn_pattern_block(uint64_t seed, int64_t lba, uint8_t *buf, uint32_t size)
{
	uint64_t st = seed * 0x9E3779B97F4A7C15ull ^ (uint64_t)lba;
	for (uint32_t i = 0; i < size; i += 8) {
		uint64_t v = splitmix64(&st);
		for (uint32_t j = 0; j < 8 && i + j < size; j++)
			buf[i + j] = (uint8_t)(v >> (8 * j));
	}
}

/* ---- parser ----------------------------------------------------------------- */

struct parser {
	struct hrn_scenario *s;
	size_t errlen;
	int line;
	const char *line_start;
};

static void perr(struct parser *p, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void perr(struct parser *p, int col, const char *fmt, ...)
{
	struct hrn_scenario *s = p->s;
	s->nerrors++;
	if (s->nerrors > HRN_ERRORS_MAX)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char head[1400];
	int n;
	if (s->nerrors == HRN_ERRORS_MAX)
		n = snprintf(head, sizeof(head), "%s:%d:%d: %s\n%s: too many errors, giving up\n",
			     s->path, p->line, col, msg, s->path);
	else
		n = snprintf(head, sizeof(head), "%s:%d:%d: %s\n", s->path, p->line, col, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(head))
		n = (int)sizeof(head) - 1;
	char *e = realloc(s->errors, p->errlen + (size_t)n + 1);
	if (!e)
		return;
	memcpy(e + p->errlen, head, (size_t)n + 1);
	s->errors = e;
	p->errlen += (size_t)n;
}

/* One token of a line. */
struct token {
	char *text;	/* unquoted */
	int col;
	bool quoted;	/* the whole token was one quoted string */
	int eq;		/* offset of '=' in text (before unquoting values), -1 none */
};

/* Split line into tokens.  Quotes may start anywhere in a token (key="a b").
 * Returns the count, or -1 after reporting an error. */
static void free_tokens(struct token *t, int n)
{
	for (int i = 0; i < n; i++)
		free(t[i].text);
}

static int tokenize(struct parser *p, const char *line, struct token *tok, int max, int *end_col)
{
	int n = 0;
	const char *c = line;
	*end_col = 1;
	for (;;) {
		while (*c == ' ' || *c == '\t')
			c++;
		if (!*c || *c == '#')
			break;
		if (n == max) {
			perr(p, (int)(c - line) + 1, "too many words on one line (at most %d)", max);
			free_tokens(tok, n);
			return -1;
		}
		int col = (int)(c - line) + 1;
		char *buf = malloc(strlen(c) + 1);
		if (!buf) {
			free_tokens(tok, n);
			return -1;
		}
		size_t bl = 0;
		bool quoted_start = *c == '"', any_quote = false;
		int eq = -1;
		while (*c && *c != ' ' && *c != '\t') {
			if (*c == '"') {
				any_quote = true;
				const char *qstart = c;
				c++;
				while (*c && *c != '"') {
					if (*c == '\\' && (c[1] == '"' || c[1] == '\\'))
						c++;
					buf[bl++] = *c++;
				}
				if (!*c) {
					perr(p, (int)(qstart - line) + 1,
					     "unterminated quoted value (expected a closing '\"' on this line)");
					free(buf);
					free_tokens(tok, n);
					return -1;
				}
				c++;
				continue;
			}
			if (*c == '#')
				break;
			if (*c == '=' && eq < 0 && !any_quote)
				eq = (int)bl;
			buf[bl++] = *c++;
		}
		buf[bl] = 0;
		tok[n].text = buf;
		tok[n].col = col;
		tok[n].quoted = quoted_start;
		tok[n].eq = eq;
		n++;
		if (*c == '#')
			break;
	}
	*end_col = (int)strlen(line) + 1;
	/* trailing comment or blanks: point past the last token */
	return n;
}

static void enum_list_words(const char *list, char *out, size_t cap)
{
	size_t i = 0;
	for (const char *c = list; *c && i + 1 < cap; c++)
		out[i++] = *c == '|' ? ' ' : *c;
	out[i] = 0;
}

static bool in_enum(const char *list, const char *v)
{
	size_t n = strlen(v);
	const char *c = list;
	while (*c) {
		const char *bar = strchr(c, '|');
		size_t l = bar ? (size_t)(bar - c) : strlen(c);
		if (l == n && !strncmp(c, v, n))
			return true;
		if (!bar)
			break;
		c = bar + 1;
	}
	return false;
}

static bool hex_string(const char *v, int64_t min, int64_t max)
{
	size_t n = strlen(v);
	if (n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)v[i]))
			return false;
	return (int64_t)(n / 2) >= min && (int64_t)(n / 2) <= max;
}

static bool hresult_word(const char *v)
{
	if (!strncmp(v, "0x", 2) || !strncmp(v, "0X", 2)) {
		size_t n = strlen(v + 2);
		if (n == 0 || n > 8)
			return false;
		for (const char *c = v + 2; *c; c++)
			if (!isxdigit((unsigned char)*c))
				return false;
		return true;
	}
	if (!isupper((unsigned char)*v))
		return false;
	for (const char *c = v; *c; c++)
		if (!isupper((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '_')
			return false;
	return true;
}

/* Check a value; report and return false when bad. */
static bool check_value(struct parser *p, const char *cmd, const struct keyspec *k,
			const char *name, const char *v, int col)
{
	int64_t a, b;
	char words[256];
	switch (k->t) {
	case T_STR:
		if (!*v) {
			perr(p, col, "empty value for '%s' (expected %s)", name, k->what ? k->what : "a string");
			return false;
		}
		return true;
	case T_PATH:
		if (!*v) {
			perr(p, col, "empty path for '%s'", name);
			return false;
		}
		return true;
	case T_INT:
		if (hrn_parse_int(v, k->min, k->max, &a))
			return true;
		perr(p, col, "bad number '%s' for '%s' (expected an integer %lld..%lld)", v, name,
		     (long long)k->min, (long long)k->max);
		return false;
	case T_LBA_NWA:
		if (!strcmp(v, "nwa") || hrn_parse_int(v, k->min, k->max, &a))
			return true;
		perr(p, col, "bad LBA '%s' for '%s' (expected an integer or 'nwa')", v, name);
		return false;
	case T_INT_NONE:
		if (!strcmp(v, "none") || hrn_parse_int(v, k->min, k->max, &a))
			return true;
		perr(p, col, "bad value '%s' for '%s' (expected an integer %lld..%lld or 'none')", v,
		     name, (long long)k->min, (long long)k->max);
		return false;
	case T_ENUM:
		if (in_enum(k->list, v))
			return true;
		enum_list_words(k->list, words, sizeof(words));
		perr(p, col, "bad value '%s' for '%s' (expected one of: %s)", v, name, words);
		return false;
	case T_YESNO:
		if (!strcmp(v, "yes") || !strcmp(v, "no"))
			return true;
		perr(p, col, "bad value '%s' for '%s' (expected yes or no)", v, name);
		return false;
	case T_SIZE:
		if (hrn_parse_size(v, &a) && a >= k->min && a <= k->max)
			return true;
		perr(p, col, "bad size '%s' for '%s' (expected bytes, or with K or M, %lld..%lld)", v,
		     name, (long long)k->min, (long long)k->max);
		return false;
	case T_DUR:
		if (hrn_parse_duration_us(v, &a))
			return true;
		perr(p, col, "bad duration '%s' for '%s' (expected a number with us, ms, s or min)", v, name);
		return false;
	case T_SOURCE: {
		struct hrn_source src;
		if (hrn_parse_source(v, &src))
			return true;
		perr(p, col, "bad source '%s' for '%s' (expected zero, file:PATH, pattern:seed=N or cd-mode1:seed=N)", v, name);
		return false;
	}
	case T_SENSE: {
		int x, y, z;
		bool none;
		if (hrn_parse_sense(v, &x, &y, &z, &none))
			return true;
		perr(p, col, "bad sense '%s' for '%s' (expected K/AA/QQ in hex, e.g. 5/21/00, or none)", v, name);
		return false;
	}
	case T_HEX: {
		int x;
		if (hex_field(v, strlen(v), (int)k->max, &x) && x >= k->min)
			return true;
		perr(p, col, "bad value '%s' for '%s' (expected hex %llX..%llX)", v, name,
		     (unsigned long long)k->min, (unsigned long long)k->max);
		return false;
	}
	case T_HEXSTR:
		if (hex_string(v, k->min, k->max))
			return true;
		perr(p, col, "bad hex bytes '%s' for '%s' (expected %lld..%lld bytes as pairs of hex digits)",
		     v, name, (long long)k->min, (long long)k->max);
		return false;
	case T_RANGE:
		if (hrn_parse_range(v, &a, &b))
			return true;
		perr(p, col, "bad range '%s' for '%s' (expected A..B with A <= B, e.g. 0..99, or A..end)", v, name);
		return false;
	case T_HRESULT:
		if (hresult_word(v))
			return true;
		perr(p, col, "bad HRESULT '%s' (expected a name such as S_OK or E_IMAPI_LOSS_OF_STREAMING, or 0x + hex)", v);
		return false;
	case T_SCALE: {
		char *end;
		errno = 0;
		double d = strtod(v, &end);
		if (!errno && end != v && !*end && d >= 0 && d <= 1000)
			return true;
		perr(p, col, "bad time scale '%s' (expected a number 0..1000: 0 = virtual time, 1 = real time)", v);
		return false;
	}
	case T_EXIT:
		if (!strcmp(v, "signal") || hrn_parse_int(v, 0, 255, &a))
			return true;
		perr(p, col, "bad exit status '%s' (expected 0..255 or 'signal')", v);
		return false;
	case T_SPEED:
		if (!strcmp(v, "max") || hrn_parse_int(v, k->min, k->max, &a))
			return true;
		perr(p, col, "bad speed '%s' (expected kB/s 1..65535 or 'max')", v);
		return false;
	case T_ENUMS: {
		/* a comma-separated list of enum words */
		char item[64];
		for (const char *w = v; ; ) {
			size_t n = strcspn(w, ",");
			snprintf(item, sizeof(item), "%.*s", (int)n, w);
			if (n == 0 || n >= sizeof(item) || !in_enum(k->list, item)) {
				enum_list_words(k->list, words, sizeof(words));
				perr(p, col, "bad value '%s' for '%s' (expected a comma-separated list of: %s)", v, name,
				     words);
				return false;
			}
			if (!w[n])
				return true;
			w += n + 1;
		}
	}
	case T_NAME:
		if (*v && !strchr(v, '/') && strcmp(v, ".") && strcmp(v, "..") && v[0] != '.')
			return true;
		perr(p, col, "bad file name '%s' (expected a name without '/' that does not start with '.')", v);
		return false;
	case T_REGEX: {
		regex_t re;
		int rc = regcomp(&re, v, REG_EXTENDED | REG_NOSUB);
		if (rc == 0) {
			regfree(&re);
			return true;
		}
		char why[128];
		regerror(rc, &re, why, sizeof(why));
		perr(p, col, "bad regular expression '%s' for '%s': %s", v, name, why);
		return false;
	}
	}
	(void)cmd;
	return false;
}

static void key_list(const struct cmdspec *c, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = 0;
	for (const struct keyspec *k = c->keys; k->key; k++) {
		if (!*k->key)
			continue;
		int w = snprintf(out + n, cap - n, "%s%s", n ? " " : "", k->key);
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
}

static const struct cmdspec *find_spec(const char *word, const char *sub)
{
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (!strcmp(specs[i].word, word) &&
		    (!sub ? !specs[i].sub : (specs[i].sub && !strcmp(specs[i].sub, sub))))
			return &specs[i];
	return NULL;
}

static bool has_sub(const char *word)
{
	return !strcmp(word, "mmc") || !strcmp(word, "expect");
}

static bool is_action(enum hrn_kind k)
{
	return k == HRN_MODE || k == HRN_WRITE || k == HRN_MMC || k == HRN_RUN || k == HRN_INPUT ||
	       k == HRN_GUEST_RUN;
}

struct state {
	int first_action_line;
	int drive_line, load_line, scale_line, guest_line;
	bool have_engine_action;	/* write, mode, mmc seen */
	bool have_run;
};

static void parse_line(struct parser *p, struct state *ps, const char *line)
{
	struct token tok[64];
	int end_col;
	int n = tokenize(p, line, tok, 64, &end_col);
	if (n <= 0)
		return;
	/* strip trailing blanks for end_col */
	size_t ll = strlen(line);
	const char *hash = NULL;
	for (const char *c = line; *c; c++) {
		if (*c == '"') {	/* skip the quoted value, its \" and \\ escapes too */
			for (c++; *c && *c != '"'; c++)
				if (*c == '\\' && (c[1] == '"' || c[1] == '\\'))
					c++;
			if (!*c)
				break;
		} else if (*c == '#') {
			hash = c;
			break;
		}
	}
	if (hash)
		ll = (size_t)(hash - line);
	while (ll > 0 && (line[ll - 1] == ' ' || line[ll - 1] == '\t'))
		ll--;
	end_col = (int)ll + 1;

	const char *word = tok[0].text;
	int first_arg = 1;
	const char *sub = NULL;
	const struct cmdspec *spec = NULL;
	if (tok[0].quoted || tok[0].eq >= 0 || !find_spec(word, NULL)) {
		if (!has_sub(word) || tok[0].quoted) {
			perr(p, tok[0].col, "unknown command '%s' (expected one of: %s)", word, commands);
			goto out;
		}
	}
	if (!strcmp(word, "mmc")) {
		if (n < 2 || tok[1].eq >= 0 || tok[1].quoted) {
			perr(p, n < 2 ? end_col : tok[1].col, "'mmc' needs a step (expected one of: %s)", mmc_steps);
			goto out;
		}
		sub = tok[1].text;
		first_arg = 2;
		spec = find_spec(word, sub);
		if (!spec) {
			perr(p, tok[1].col, "unknown mmc step '%s' (expected one of: %s)", sub, mmc_steps);
			goto out;
		}
	} else if (!strcmp(word, "expect")) {
		if (n < 2) {
			perr(p, end_col, "'expect' needs what to check (expected one of: %s)", expect_kinds);
			goto out;
		}
		if (tok[1].eq >= 0) {
			char k[32];
			snprintf(k, sizeof(k), "%.*s", tok[1].eq, tok[1].text);
			sub = k;
			spec = (!strcmp(k, "result") || !strcmp(k, "exit")) ? find_spec(word, k) : NULL;
			first_arg = 1;
		} else {
			sub = tok[1].text;
			spec = strcmp(sub, "result") && strcmp(sub, "exit") ? find_spec(word, sub) : NULL;
			first_arg = 2;
		}
		if (!spec) {
			perr(p, tok[1].col, "unknown expectation '%s' (expected one of: %s)", tok[1].text, expect_kinds);
			goto out;
		}
		sub = spec->sub;
	} else {
		spec = find_spec(word, NULL);
	}

	/* ordering rules */
	if (spec->kind == HRN_DRIVE || spec->kind == HRN_LOAD || spec->kind == HRN_TIME_SCALE ||
	    spec->kind == HRN_GUEST) {
		int *seen = spec->kind == HRN_DRIVE ? &ps->drive_line :
			    spec->kind == HRN_LOAD ? &ps->load_line :
			    spec->kind == HRN_GUEST ? &ps->guest_line : &ps->scale_line;
		if (ps->first_action_line) {
			perr(p, tok[0].col, "'%s' must come before the first action (line %d)", word,
			     ps->first_action_line);
			goto out;
		}
		if (*seen) {
			perr(p, tok[0].col, "'%s' given twice (first on line %d)", word, *seen);
			goto out;
		}
		*seen = p->line;
		if (spec->kind == HRN_GUEST)
			p->s->needs_guest = true;
	}
	if (spec->kind == HRN_EXPECT && !strcmp(sub, "result") && !ps->have_engine_action) {
		perr(p, tok[0].col, "'expect result' needs an action (write, mode, mmc) before it");
		goto out;
	}
	if (spec->kind == HRN_EXPECT && (!strcmp(sub, "exit") || !strcmp(sub, "output")) && !ps->have_run) {
		perr(p, tok[0].col, "'expect %s' needs a 'run' or 'guest-run' before it", sub);
		goto out;
	}
	if (spec->kind == HRN_GUEST_RUN && !ps->guest_line) {
		perr(p, tok[0].col, "'guest-run' needs a 'guest' line before the first action");
		goto out;
	}

	struct hrn_scenario *s = p->s;
	struct hrn_step *steps = realloc(s->steps, (size_t)(s->nsteps + 1) * sizeof(*steps));
	if (!steps)
		goto out;
	s->steps = steps;
	struct hrn_step *st = &steps[s->nsteps];
	memset(st, 0, sizeof(*st));
	st->kind = spec->kind;
	st->sub = spec->sub;
	st->line = p->line;
	st->is_final = spec->is_final;
	int errs_before = s->nerrors;

	if (spec->raw) {
		if (n < 2) {
			perr(p, end_col, "'%s' needs %s", word,
			     spec->kind == HRN_FAULT ? "fault words (doc/simdrive-faults.md), e.g. write-error lba=64"
						     : "a control request, e.g. \"eject 0\"");
			goto out;
		}
		size_t len = 0;
		for (int i = 1; i < n; i++)
			len += strlen(tok[i].text) + 1;
		st->words = malloc(len + 1);
		if (!st->words)
			goto out;
		st->words[0] = 0;
		for (int i = 1; i < n; i++) {
			if (i > 1)
				strcat(st->words, " ");
			strcat(st->words, tok[i].text);
		}
		if (spec->kind == HRN_FAULT || spec->kind == HRN_CONTROL)
			s->needs_embedded = true;
		s->nsteps++;
		goto out;
	}

	st->args = calloc((size_t)n, sizeof(*st->args));
	if (!st->args)
		goto out;
	int npos = 0;
	for (const struct keyspec *k = spec->keys; k->key; k++)
		if (!*k->key)
			npos++;
	int pos_seen = 0;
	char cmdname[64];
	snprintf(cmdname, sizeof(cmdname), "%s%s%s", word, spec->sub && strcmp(word, "expect") ? " " : "",
		 spec->sub && strcmp(word, "expect") ? spec->sub : "");
	if (!strcmp(word, "expect"))
		snprintf(cmdname, sizeof(cmdname), "expect %s", spec->sub);
	for (int i = first_arg; i < n; i++) {
		struct token *t = &tok[i];
		struct hrn_arg *a = &st->args[st->nargs];
		a->col = t->col;
		if (t->eq < 0) {
			/* a bare word: a positional argument */
			const struct keyspec *k = NULL;
			int idx = 0;
			for (const struct keyspec *kk = spec->keys; kk->key; kk++)
				if (!*kk->key && idx++ == pos_seen) {
					k = kk;
					break;
				}
			if (!k) {
				char keys[256];
				key_list(spec, keys, sizeof(keys));
				if (*keys)
					perr(p, t->col, "unexpected word '%s' for '%s' (expected key=value with a key of: %s)",
					     t->text, cmdname, keys);
				else
					perr(p, t->col, "unexpected word '%s' ('%s' takes no arguments)", t->text, cmdname);
				continue;
			}
			pos_seen++;
			if (!check_value(p, word, k, k->what, t->text, t->col))
				continue;
			a->key = NULL;
			a->op = 0;
			a->value = strdup(t->text);
			st->nargs++;
			continue;
		}
		/* key=value, key>=value, key<=value */
		char key[64];
		char op = '=';
		int klen = t->eq;
		if (klen > 0 && (t->text[klen - 1] == '>' || t->text[klen - 1] == '<')) {
			op = t->text[klen - 1];
			klen--;
		}
		if (klen <= 0 || klen >= (int)sizeof(key)) {
			perr(p, t->col, "expected key=value, found '%s'", t->text);
			continue;
		}
		memcpy(key, t->text, (size_t)klen);
		key[klen] = 0;
		const struct keyspec *k = NULL;
		for (const struct keyspec *kk = spec->keys; kk->key; kk++)
			if (*kk->key && !strcmp(kk->key, key)) {
				k = kk;
				break;
			}
		if (!k) {
			char keys[256];
			key_list(spec, keys, sizeof(keys));
			if (*keys)
				perr(p, t->col, "unknown key '%s' for '%s' (expected one of: %s)", key, cmdname, keys);
			else
				perr(p, t->col, "unknown key '%s' ('%s' takes no keys)", key, cmdname);
			continue;
		}
		if (op != '=' && !(k->flags & F_CMP)) {
			perr(p, t->col, "'%s' takes '=' only (>= and <= are for count and virtual)", key);
			continue;
		}
		bool dup = false;
		for (int j = 0; j < st->nargs; j++)
			if (st->args[j].key && !strcmp(st->args[j].key, key) &&
			    (st->args[j].op == op || op == '=' || st->args[j].op == '=')) {
				perr(p, t->col, "key '%s' given twice", key);
				dup = true;
				break;
			}
		if (dup)
			continue;
		const char *v = t->text + t->eq + 1;
		if (!check_value(p, word, k, key, v, t->col + t->eq + 1))
			continue;
		a->key = strdup(key);
		a->op = op;
		a->value = strdup(v);
		st->nargs++;
	}
	if (s->nerrors != errs_before) {
		/* keep what was parsed but do not check completeness on a broken line */
		s->nsteps++;
		goto out;
	}
	if (pos_seen < npos) {
		int idx = 0;
		for (const struct keyspec *kk = spec->keys; kk->key; kk++)
			if (!*kk->key && idx++ == pos_seen) {
				perr(p, end_col, "'%s' needs %s", cmdname, kk->what);
				break;
			}
	}
	for (const struct keyspec *k = spec->keys; k->key; k++)
		if (*k->key && (k->flags & F_REQ) && !hrn_step_arg(st, k->key)) {
			const char *hint = k->t == T_INT ? "N" : k->t == T_RANGE ? "A..B" :
					   k->t == T_SOURCE ? "SOURCE" : k->t == T_LBA_NWA ? "L|nwa" :
					   k->t == T_PATH ? "PATH" : k->t == T_ENUM ? "..." : "VALUE";
			perr(p, end_col, "'%s' needs '%s=%s'", cmdname, k->key, hint);
		}
	if (spec->need_one && st->nargs == 0)
		perr(p, end_col, "'%s' needs at least one key", cmdname);
	if (spec->kind == HRN_EXPECT && !strcmp(sub, "blocks")) {
		bool eq = hrn_step_arg(st, "equal"), rec = hrn_step_arg(st, "recorded");
		int64_t a, b;
		if (eq == rec)
			perr(p, end_col, "'expect blocks' needs exactly one of 'equal=SOURCE' and 'recorded=no'");
		else if (hrn_step_get(st, "lba") && hrn_parse_range(hrn_step_get(st, "lba"), &a, &b) && b == HRN_RANGE_END &&
			 (!eq || strncmp(hrn_step_get(st, "equal"), "file:", 5)))
			perr(p, hrn_step_arg(st, "lba")->col, "'lba=A..end' needs 'equal=file:PATH' (the file's length ends the range)");
	}
	if (spec->kind == HRN_EXPECT && !strcmp(sub, "sense")) {
		bool sn = hrn_step_arg(st, "sense");
		bool k3 = hrn_step_arg(st, "key") || hrn_step_arg(st, "asc") || hrn_step_arg(st, "ascq");
		if (sn && k3)
			perr(p, end_col, "'expect sense' takes 'sense=K/AA/QQ' or 'key= asc= ascq=', not both");
		else if (!sn && !(hrn_step_arg(st, "key") && hrn_step_arg(st, "asc")))
			perr(p, end_col, "'expect sense' needs 'sense=K/AA/QQ' or 'key=K asc=AA [ascq=QQ]'");
	}
	if (spec->kind == HRN_EXPECT && !strcmp(sub, "trace")) {
		bool op = hrn_step_arg(st, "op"), ord = hrn_step_arg(st, "order");
		if (op == ord)
			perr(p, end_col, "'expect trace' needs exactly one of 'op=NAME' and 'order=A,B,...'");
		else if (op && !hrn_step_arg(st, "count"))
			perr(p, end_col, "'expect trace op=' needs 'count=N', 'count>=N' or 'count<=N'");
		else if (ord && (hrn_step_arg(st, "count") || hrn_step_arg(st, "status")))
			perr(p, end_col, "'expect trace order=' takes no count or status");
	}
	if (spec->kind == HRN_INPUT) {
		static const char *const makers[] = { "from", "iso", "tone", "source" };
		int nm = 0;
		for (size_t i = 0; i < sizeof(makers) / sizeof(makers[0]); i++)
			nm += hrn_step_arg(st, makers[i]) != NULL;
		if (nm != 1)
			perr(p, end_col, "'input' needs exactly one of 'from=PATH', 'iso=DIR', 'tone=HZ' and 'source=SOURCE'");
		else if (hrn_step_arg(st, "volid") && !hrn_step_arg(st, "iso"))
			perr(p, hrn_step_arg(st, "volid")->col, "'volid' is for 'iso=DIR'");
		else if (hrn_step_arg(st, "seconds") && !hrn_step_arg(st, "tone"))
			perr(p, hrn_step_arg(st, "seconds")->col, "'seconds' is for 'tone=HZ'");
		else if (hrn_step_arg(st, "tone") && !hrn_step_arg(st, "seconds"))
			perr(p, end_col, "'input tone=' needs 'seconds=N'");
		else if (hrn_step_arg(st, "source") && !hrn_step_arg(st, "size"))
			perr(p, end_col, "'input source=' needs 'size=BYTES'");
		else if (hrn_step_arg(st, "size") && !hrn_step_arg(st, "source"))
			perr(p, hrn_step_arg(st, "size")->col, "'size' is for 'source=SOURCE'");
	}
	if (spec->kind == HRN_WRITE) {
		const struct hrn_arg *ca = hrn_step_arg(st, "cancel-after");
		int64_t c, b;
		if (ca && hrn_parse_int(ca->value, 1, INT32_MAX, &c) &&
		    hrn_parse_int(hrn_step_get(st, "blocks"), 1, INT32_MAX, &b) && c >= b)
			perr(p, ca->col, "cancel-after=%lld is not below blocks=%lld", (long long)c, (long long)b);
	}
	s->nsteps++;
	if (is_action(spec->kind)) {
		if (!ps->first_action_line)
			ps->first_action_line = p->line;
		if (spec->kind == HRN_RUN || spec->kind == HRN_GUEST_RUN)
			ps->have_run = true;
		else if (spec->kind != HRN_INPUT)
			ps->have_engine_action = true;
	}
out:
	free_tokens(tok, n);
}

static char *dirname_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static char *name_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *b = slash ? slash + 1 : path;
	size_t n = strlen(b);
	if (n > 4 && !strcmp(b + n - 4, ".scn"))
		n -= 4;
	return strndup(b, n);
}

/* The nearest directory named "fixtures" at or above dir, or NULL. */
static char *find_fixtures(const char *dir)
{
	char *abs = realpath(dir, NULL);
	if (!abs)
		return NULL;
	for (;;) {
		const char *slash = strrchr(abs, '/');
		if (slash && !strcmp(slash + 1, "fixtures"))
			return abs;
		if (!slash || slash == abs)
			break;
		abs[slash - abs] = 0;
	}
	free(abs);
	return NULL;
}

struct hrn_scenario *hrn_scn_parse_text(const char *path, const char *text, const char *fixtures)
{
	struct hrn_scenario *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->path = strdup(path);
	s->dir = dirname_of(path);
	s->name = name_of(path);
	if (fixtures)
		s->fixtures = strdup(fixtures);
	else if (getenv("FIXTURES") && *getenv("FIXTURES"))
		s->fixtures = strdup(getenv("FIXTURES"));
	else
		s->fixtures = find_fixtures(s->dir);
	struct parser p = { .s = s };
	struct state ps = { 0 };
	const char *c = text;
	char line[HRN_LINE_MAX + 2];
	while (*c) {
		p.line++;
		const char *nl = strchr(c, '\n');
		size_t n = nl ? (size_t)(nl - c) : strlen(c);
		if (n > 0 && c[n - 1] == '\r')
			n--;
		if (n > HRN_LINE_MAX) {
			perr(&p, HRN_LINE_MAX + 1, "line longer than %d bytes", HRN_LINE_MAX);
		} else {
			memcpy(line, c, n);
			line[n] = 0;
			if (memchr(line, 0, n))
				perr(&p, (int)strlen(line) + 1, "NUL byte in the line (expected text)");
			else
				parse_line(&p, &ps, line);
		}
		if (!nl)
			break;
		c = nl + 1;
	}
	s->first_action = s->nsteps;
	for (int i = 0; i < s->nsteps; i++)
		if (is_action(s->steps[i].kind)) {
			s->first_action = i;
			break;
		}
	return s;
}

struct hrn_scenario *hrn_scn_parse(const char *path, const char *fixtures)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		struct hrn_scenario *s = hrn_scn_parse_text(path, "", fixtures);
		if (s) {
			char msg[600];
			int n = snprintf(msg, sizeof(msg), "%s:0:0: cannot read the file: %s\n", path, strerror(errno));
			free(s->errors);
			s->errors = strndup(msg, (size_t)n);
			s->nerrors = 1;
		}
		return s;
	}
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf)
		return NULL;
	buf[len] = 0;
	struct hrn_scenario *s;
	if (strlen(buf) != len) {
		/* a NUL inside: find its line */
		s = hrn_scn_parse_text(path, "", fixtures);
		if (s) {
			int line = 1, col = 1;
			for (size_t i = 0; i < len && buf[i]; i++) {
				if (buf[i] == '\n') {
					line++;
					col = 1;
				} else {
					col++;
				}
			}
			char msg[600];
			int n = snprintf(msg, sizeof(msg), "%s:%d:%d: NUL byte in the file (expected text)\n", path, line, col);
			free(s->errors);
			s->errors = strndup(msg, (size_t)n);
			s->nerrors = 1;
		}
	} else {
		s = hrn_scn_parse_text(path, buf, fixtures);
	}
	free(buf);
	return s;
}

void hrn_scn_free(struct hrn_scenario *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nsteps; i++) {
		for (int j = 0; j < s->steps[i].nargs; j++) {
			free(s->steps[i].args[j].key);
			free(s->steps[i].args[j].value);
		}
		free(s->steps[i].args);
		free(s->steps[i].words);
	}
	free(s->steps);
	free(s->errors);
	free(s->path);
	free(s->dir);
	free(s->name);
	free(s->fixtures);
	free(s);
}

const struct hrn_arg *hrn_step_arg(const struct hrn_step *st, const char *key)
{
	for (int i = 0; i < st->nargs; i++)
		if (st->args[i].key && !strcmp(st->args[i].key, key))
			return &st->args[i];
	return NULL;
}

const char *hrn_step_get(const struct hrn_step *st, const char *key)
{
	const struct hrn_arg *a = hrn_step_arg(st, key);
	return a ? a->value : NULL;
}

const char *hrn_step_word(const struct hrn_step *st, int n)
{
	for (int i = 0; i < st->nargs; i++)
		if (!st->args[i].key && n-- == 0)
			return st->args[i].value;
	return NULL;
}

char *hrn_scn_path(const struct hrn_scenario *s, const char *p)
{
	char *out = NULL;
	if (!strncmp(p, "fixtures:", 9)) {
		const char *fx = s->fixtures ? s->fixtures : "fixtures";
		if (asprintf(&out, "%s/%s", fx, p + 9) < 0)
			return NULL;
	} else if (p[0] == '/') {
		out = strdup(p);
	} else if (asprintf(&out, "%s/%s", s->dir, p) < 0) {
		return NULL;
	}
	/* make it absolute: the runner works in another directory */
	if (out && out[0] != '/') {
		char cwd[PATH_MAX];
		char *abs = NULL;
		if (getcwd(cwd, sizeof(cwd)) && asprintf(&abs, "%s/%s", cwd, out) >= 0) {
			free(out);
			out = abs;
		}
	}
	return out;
}
