/* harness/scenario.c - the scenario language parser (doc/harness.md sections 1-6).
 *
 * A line is split into words once, by hrn_scn_tokenize.  The first word (and for mmc
 * and expect the second) selects a line kind of the table `kinds`; its key table drives
 * the generic checks (unknown, duplicate and missing keys, bad values), and a kind's
 * check function adds the rules that tie several keys together. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"

#define HRN_ERRORS_MAX 20

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
	static const struct { const char *prefix; enum hrn_src_kind kind; } seeded[] = {
		{ "pattern:seed=", HRN_SRC_PATTERN },
		{ "cd-mode1:seed=", HRN_SRC_CD_MODE1 },
		{ "stamp:seed=", HRN_SRC_STAMP },
	};
	for (size_t i = 0; i < sizeof(seeded) / sizeof(seeded[0]); i++) {
		size_t n = strlen(seeded[i].prefix);
		int64_t v;
		if (strncmp(s, seeded[i].prefix, n))
			continue;
		if (!hrn_parse_int(s + n, 0, INT64_MAX, &v))
			return false;
		out->kind = seeded[i].kind;
		out->seed = (uint64_t)v;
		return true;
	}
	return false;
}

/* splitmix64's output for the state after n steps of its golden-ratio increment: the
 * steps are independent, so a block's words are computed side by side instead of each
 * waiting for the previous state (4x faster here; doc/harness.md's pattern unchanged). */
static uint64_t splitmix64_at(uint64_t state, uint64_t n)
{
	uint64_t z = state + n * 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Written out, not looped: the compiler merges these into one store (a loop it did not). */
static void put_le64(uint8_t *p, uint64_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
	p[4] = (uint8_t)(v >> 32);
	p[5] = (uint8_t)(v >> 40);
	p[6] = (uint8_t)(v >> 48);
	p[7] = (uint8_t)(v >> 56);
}

void hrn_stamp_block(uint64_t seed, int64_t lba, uint8_t *buf, uint32_t size)
{
	uint8_t g[16];
	put_le64(g, (uint64_t)lba);
	put_le64(g + 8, seed);
	for (uint32_t i = 0; i < size; i += 16)
		memcpy(buf + i, g, size - i < 16 ? size - i : 16);
}

void hrn_pattern_block(uint64_t seed, int64_t lba, uint8_t *buf, uint32_t size)
{
	uint64_t st = seed * 0x9E3779B97F4A7C15ull ^ (uint64_t)lba;
	uint32_t i = 0;
	for (; i + 8 <= size; i += 8)
		put_le64(buf + i, splitmix64_at(st, i / 8 + 1));
	if (i < size) {
		uint8_t last[8];
		put_le64(last, splitmix64_at(st, i / 8 + 1));
		memcpy(buf + i, last, size - i);
	}
}

bool hrn_parse_raw_track(const char *s, char *srcbuf, size_t cap, struct hrn_raw_track *out)
{
	/* IMAPI_CD_SECTOR_TYPE order (rawcdimage.h) and each type's stream bytes per sector */
	static const uint32_t bytes[] = { 2352, 2336, 2048, 2336, 2048, 2336, 2352, 2352, 2352, 2352 };
	memset(out, 0, sizeof(*out));
	const char *c1 = strchr(s, ':'), *c2 = strrchr(s, ':');
	if (!c1 || c2 == c1 || c2 - c1 - 1 <= 0 || (size_t)(c2 - c1 - 1) >= cap)
		return false;
	int type = 0;
	for (const char *w = HRN_RAW_TYPES;; type++) {
		size_t n = strcspn(w, "|");
		if (n == (size_t)(c1 - s) && !strncmp(w, s, n))
			break;
		if (!w[n])
			return false;
		w += n + 1;
	}
	for (const char *d = c2 + 1; *d; d++)
		if (!isdigit((unsigned char)*d))
			return false;
	if (!hrn_parse_int(c2 + 1, 1, INT32_MAX, &out->sectors))
		return false;
	memcpy(srcbuf, c1 + 1, (size_t)(c2 - c1 - 1));
	srcbuf[c2 - c1 - 1] = 0;
	if (!hrn_parse_source(srcbuf, &out->src))
		return false;
	out->type = type;
	out->bytes = bytes[type];
	return true;
}

/* ---- the words of a line -------------------------------------------------------- */

static int tok_error(struct hrn_line *out, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int tok_error(struct hrn_line *out, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->err, sizeof(out->err), fmt, ap);
	va_end(ap);
	out->err_col = col;
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* All the rules of doc/harness.md section 1 about words are here: blanks, quotes and
 * their escapes, comments, line ends and limits.  The words are copied into out->buf
 * without their quotes: each fits in the bytes it had in the line plus the byte (or
 * end) after it. */
int hrn_scn_tokenize(const char *line, size_t len, struct hrn_line *out)
{
	out->n = 0;
	out->end_col = 1;
	out->err_col = 0;
	out->err[0] = 0;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > HRN_LINE_MAX)
		return tok_error(out, HRN_LINE_MAX + 1, "line longer than %d bytes", HRN_LINE_MAX);
	const char *nul = memchr(line, 0, len);
	if (nul)
		return tok_error(out, (int)(nul - line) + 1, "NUL byte in the line (expected text)");
	char *w = out->buf;
	size_t i = 0;
	for (;;) {
		while (i < len && is_blank(line[i]))
			i++;
		if (i == len || line[i] == '#')
			return 0;
		if (out->n == HRN_WORDS_MAX)
			return tok_error(out, (int)i + 1, "too many words on one line (at most %d)", HRN_WORDS_MAX);
		struct hrn_token *t = &out->tok[out->n++];
		*t = (struct hrn_token){ .text = w, .col = (int)i + 1, .eq = -1, .quoted = line[i] == '"' };
		bool had_quote = false;
		while (i < len && !is_blank(line[i]) && line[i] != '#') {
			if (line[i] != '"') {
				/* key="a b" has a key; "x=1 y=2" is one quoted word */
				if (line[i] == '=' && t->eq < 0 && !had_quote)
					t->eq = (int)(w - t->text);
				*w++ = line[i++];
				continue;
			}
			size_t open = i++;
			had_quote = true;
			while (i < len && line[i] != '"') {
				if (line[i] == '\\' && i + 1 < len && (line[i + 1] == '"' || line[i + 1] == '\\'))
					i++;
				*w++ = line[i++];
			}
			if (i == len)
				return tok_error(out, (int)open + 1,
						 "unterminated quoted value (expected a closing '\"' on this line)");
			i++;
		}
		*w++ = 0;
		out->end_col = (int)i + 1;
	}
}

/* ---- value types ------------------------------------------------------------------ */

enum vtype {
	T_STR, T_PATH, T_INT, T_LBA_NWA, T_INT_NONE, T_ENUM, T_YESNO, T_SIZE, T_DUR, T_SOURCE,
	T_SENSE, T_HEX, T_HEXSTR, T_RANGE, T_HRESULT, T_SCALE, T_EXIT, T_SPEED, T_ENUMS, T_NAME,
	T_REGEX, T_RAWTRACK, T_INTS, T_NTYPES
};

/* required; also key>=value and key<=value; a bare word that may be repeated (the last
 * bare word of a kind: one or more) */
enum { K_REQ = 1, K_CMP = 2, K_REPEAT = 4 };

/* A key of a line kind, or (key "") a bare word, which must be given in table order.
 * Every value is kept as written in the step's args (hrn_step_get, hrn_step_word); the
 * runner converts it with the hrn_parse_* helpers. */
struct keyspec {
	const char *key;	/* "" a bare word; NULL ends the list */
	enum vtype t;
	int64_t min, max;	/* the numeric types */
	const char *list;	/* T_ENUM, T_ENUMS: "a|b|c" */
	unsigned flags;		/* K_REQ, K_CMP; a bare word is always required */
	const char *what;	/* a bare word: what it is, for messages */
};

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

static bool ok_nonempty(const struct keyspec *k, const char *v)
{
	return *v;
}

static bool ok_int(const struct keyspec *k, const char *v)
{
	int64_t x;
	return hrn_parse_int(v, k->min, k->max, &x);
}

static bool ok_lba_nwa(const struct keyspec *k, const char *v)
{
	return !strcmp(v, "nwa") || ok_int(k, v);
}

static bool ok_int_none(const struct keyspec *k, const char *v)
{
	return !strcmp(v, "none") || ok_int(k, v);
}

static bool ok_exit(const struct keyspec *k, const char *v)
{
	return !strcmp(v, "signal") || ok_int(k, v);
}

static bool ok_speed(const struct keyspec *k, const char *v)
{
	return !strcmp(v, "max") || ok_int(k, v);
}

static bool ok_enum(const struct keyspec *k, const char *v)
{
	return in_enum(k->list, v);
}

static bool ok_yesno(const struct keyspec *k, const char *v)
{
	return !strcmp(v, "yes") || !strcmp(v, "no");
}

static bool ok_size(const struct keyspec *k, const char *v)
{
	int64_t x;
	return hrn_parse_size(v, &x) && x >= k->min && x <= k->max;
}

static bool ok_duration(const struct keyspec *k, const char *v)
{
	int64_t x;
	return hrn_parse_duration_us(v, &x);
}

static bool ok_source(const struct keyspec *k, const char *v)
{
	struct hrn_source src;
	return hrn_parse_source(v, &src);
}

static bool ok_sense(const struct keyspec *k, const char *v)
{
	int key, asc, ascq;
	bool none;
	return hrn_parse_sense(v, &key, &asc, &ascq, &none);
}

static bool ok_hex(const struct keyspec *k, const char *v)
{
	int x;
	return hex_field(v, strlen(v), (int)k->max, &x) && x >= k->min;
}

/* Pairs of hex digits, min..max bytes. */
static bool ok_hex_bytes(const struct keyspec *k, const char *v)
{
	size_t n = strlen(v);
	if (n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)v[i]))
			return false;
	return (int64_t)(n / 2) >= k->min && (int64_t)(n / 2) <= k->max;
}

static bool ok_range(const struct keyspec *k, const char *v)
{
	int64_t a, b;
	return hrn_parse_range(v, &a, &b);
}

/* An HRESULT name as imapi_hresult_name spells it, or 0x and up to 8 hex digits. */
static bool ok_hresult(const struct keyspec *k, const char *v)
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

/* A real number min..max. */
static bool ok_scale(const struct keyspec *k, const char *v)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	return !errno && end != v && !*end && d >= (double)k->min && d <= (double)k->max;
}

/* A comma-separated list of words of k->list. */
static bool ok_enums(const struct keyspec *k, const char *v)
{
	char item[64];
	for (const char *w = v;; w++) {
		size_t n = strcspn(w, ",");
		if (n == 0 || n >= sizeof(item))
			return false;
		memcpy(item, w, n);
		item[n] = 0;
		if (!in_enum(k->list, item))
			return false;
		w += n;
		if (!*w)
			return true;
	}
}

/* A file name of the guest directory: no '/', not hidden (nor . and ..). */
static bool ok_name(const struct keyspec *k, const char *v)
{
	return *v && !strchr(v, '/') && v[0] != '.';
}

/* The repetition that glibc's regcomp expands by copying the expression: an ERE that
 * asks for more would take gigabytes to compile (fuzz_scenario found "R+++...+" with
 * 40 '+': each one doubles the tree).  Adjacent duplication symbols are undefined in
 * POSIX EREs (XBD 9.4.6) and refused; the bounds of all intervals multiplied must stay
 * under HRN_REGEX_REPEAT_MAX.  Returns the reason, or NULL. */
#define HRN_REGEX_REPEAT_MAX 1000

static const char *regex_too_complex(const char *v)
{
	uint64_t product = 1;
	bool after_dup = false;		/* the last token was a duplication symbol */
	for (const char *c = v; *c; c++) {
		if (*c == '\\') {
			after_dup = false;
			if (c[1])
				c++;
			continue;
		}
		if (*c == '[') {		/* a bracket expression: ']' first is literal */
			const char *e = c + 1;
			if (*e == '^')
				e++;
			if (*e == ']')
				e++;
			while (*e && *e != ']')
				e++;
			after_dup = false;
			c = *e ? e : e - 1;
			continue;
		}
		bool dup = *c == '*' || *c == '+' || *c == '?' || *c == '{';
		if (dup && after_dup)
			return "adjacent repetition operators (undefined in POSIX EREs)";
		if (*c == '{') {
			char *end;
			unsigned long lo = strtoul(c + 1, &end, 10), hi = lo;
			if (*end == ',')
				hi = end[1] == '}' ? lo + 1 : strtoul(end + 1, &end, 10);
			else if (*end != '}')
				hi = lo;
			if (hi > 1 && (product *= hi) > HRN_REGEX_REPEAT_MAX)
				return "its interval bounds multiply past 1000";
			const char *close = strchr(c, '}');
			if (close)
				c = close;
		}
		after_dup = dup;
	}
	return NULL;
}

static bool regex_error(const char *v, char *why, size_t cap)
{
	const char *complex = regex_too_complex(v);
	if (complex) {
		snprintf(why, cap, "too complex to compile: %s", complex);
		return true;
	}
	regex_t re;
	int rc = regcomp(&re, v, REG_EXTENDED | REG_NOSUB);
	if (rc == 0) {
		regfree(&re);
		return false;
	}
	regerror(rc, &re, why, cap);
	return true;
}

static bool ok_regex(const struct keyspec *k, const char *v)
{
	char why[8];
	return !regex_error(v, why, sizeof(why));
}

static bool ok_raw_track(const struct keyspec *k, const char *v)
{
	char buf[HRN_LINE_MAX + 1];
	struct hrn_raw_track t;
	return hrn_parse_raw_track(v, buf, sizeof(buf), &t);
}

/* A comma-separated list of integers min..max. */
static bool ok_ints(const struct keyspec *k, const char *v)
{
	char item[32];
	for (const char *w = v;; w++) {
		size_t n = strcspn(w, ",");
		int64_t x;
		if (n == 0 || n >= sizeof(item))
			return false;
		memcpy(item, w, n);
		item[n] = 0;
		if (!hrn_parse_int(item, k->min, k->max, &x))
			return false;
		w += n;
		if (!*w)
			return true;
	}
}

/* How a value of a type is checked and described.  A bad value is reported as
 * "bad NOUN 'VALUE' for 'KEY' (expected PRE LIMITS POST)" (bad_value; T_STR, T_PATH and
 * T_REGEX say it their own way). */
enum limits { LIM_NONE, LIM_RANGE, LIM_HEX_RANGE, LIM_WORDS };

struct vtype_info {
	bool (*ok)(const struct keyspec *k, const char *v);
	const char *hint;	/* for "'write' needs 'lba=HINT'" */
	const char *noun;
	bool for_key;		/* "for 'KEY'": the noun alone does not name the key */
	const char *pre;
	enum limits limits;	/* the keyspec's min..max (decimal or hex), or its list */
	const char *post;
};

static const struct vtype_info vtypes[] = {
	[T_STR] = { ok_nonempty, "VALUE", "value", true, "a string", LIM_NONE, "" },
	[T_PATH] = { ok_nonempty, "PATH", "path", true, "", LIM_NONE, "" },
	[T_INT] = { ok_int, "N", "number", true, "an integer ", LIM_RANGE, "" },
	[T_LBA_NWA] = { ok_lba_nwa, "L|nwa", "LBA", true, "an integer or 'nwa'", LIM_NONE, "" },
	[T_INT_NONE] = { ok_int_none, "VALUE", "value", true, "an integer ", LIM_RANGE, " or 'none'" },
	[T_ENUM] = { ok_enum, "...", "value", true, "one of: ", LIM_WORDS, "" },
	[T_YESNO] = { ok_yesno, "VALUE", "value", true, "yes or no", LIM_NONE, "" },
	[T_SIZE] = { ok_size, "VALUE", "size", true, "bytes, or with K or M, ", LIM_RANGE, "" },
	[T_DUR] = { ok_duration, "VALUE", "duration", true, "a number with us, ms, s or min", LIM_NONE, "" },
	[T_SOURCE] = { ok_source, "SOURCE", "source", true,
		       "zero, file:PATH, pattern:seed=N, stamp:seed=N or cd-mode1:seed=N", LIM_NONE, "" },
	[T_SENSE] = { ok_sense, "VALUE", "sense", true, "K/AA/QQ in hex, e.g. 5/21/00, or none", LIM_NONE, "" },
	[T_HEX] = { ok_hex, "VALUE", "value", true, "hex ", LIM_HEX_RANGE, "" },
	[T_HEXSTR] = { ok_hex_bytes, "VALUE", "hex bytes", true, "", LIM_RANGE, " bytes as pairs of hex digits" },
	[T_RANGE] = { ok_range, "A..B", "range", true, "A..B with A <= B, e.g. 0..99, or A..end", LIM_NONE, "" },
	[T_HRESULT] = { ok_hresult, "VALUE", "HRESULT", false,
			"a name such as S_OK or E_IMAPI_LOSS_OF_STREAMING, or 0x + hex", LIM_NONE, "" },
	[T_SCALE] = { ok_scale, "VALUE", "time scale", false, "a number ", LIM_RANGE,
		      ": 0 = virtual time, 1 = real time" },
	[T_EXIT] = { ok_exit, "VALUE", "exit status", false, "", LIM_RANGE, " or 'signal'" },
	[T_SPEED] = { ok_speed, "VALUE", "speed", false, "kB/s ", LIM_RANGE, " or 'max'" },
	[T_ENUMS] = { ok_enums, "VALUE", "value", true, "a comma-separated list of: ", LIM_WORDS, "" },
	[T_NAME] = { ok_name, "VALUE", "file name", false,
		     "a name without '/' that does not start with '.'", LIM_NONE, "" },
	[T_REGEX] = { ok_regex, "VALUE", "regular expression", true, "", LIM_NONE, "" },
	[T_RAWTRACK] = { ok_raw_track, "TYPE:SOURCE:SECTORS", "track", true,
			 "TYPE:SOURCE:SECTORS, e.g. mode1:pattern:seed=1:300, with TYPE one of: ", LIM_WORDS, "" },
	[T_INTS] = { ok_ints, "N,N,...", "list", true, "a comma-separated list of integers ", LIM_RANGE, "" },
};
_Static_assert(sizeof(vtypes) / sizeof(vtypes[0]) == T_NTYPES, "a vtypes entry for each type");

/* "a|b|c" -> "a b c" */
static void enum_words(const char *list, char *out, size_t cap)
{
	size_t i = 0;
	for (const char *c = list; *c && i + 1 < cap; c++)
		out[i++] = *c == '|' ? ' ' : *c;
	out[i] = 0;
}

/* What a value of k should have been: the text after "expected ". */
static void expected(const struct keyspec *k, char *out, size_t cap)
{
	const struct vtype_info *ti = &vtypes[k->t];
	char lim[256] = "";
	if (ti->limits == LIM_RANGE)
		snprintf(lim, sizeof(lim), "%lld..%lld", (long long)k->min, (long long)k->max);
	else if (ti->limits == LIM_HEX_RANGE)
		snprintf(lim, sizeof(lim), "%llX..%llX", (unsigned long long)k->min, (unsigned long long)k->max);
	else if (ti->limits == LIM_WORDS)
		enum_words(k->list, lim, sizeof(lim));
	snprintf(out, cap, "%s%s%s", ti->pre, lim, ti->post);
}

/* ---- errors --------------------------------------------------------------------- */

struct parser {
	struct hrn_scenario *s;
	size_t errlen;
	int line;
	int first_action_line;	/* the first action without errors, 0 none yet */
	unsigned seen;		/* L_RESULT, L_EXIT, L_BURN: a line without errors had it; L_GUEST */
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

/* A value that its type refuses; name is the key, or what a bare word is. */
static void bad_value(struct parser *p, int col, const struct keyspec *k, const char *name, const char *v)
{
	const struct vtype_info *ti = &vtypes[k->t];
	char exp[512];
	if (k->t == T_STR) {	/* T_STR and T_PATH refuse only the empty string */
		perr(p, col, "empty value for '%s' (expected %s)", name, k->what ? k->what : ti->pre);
	} else if (k->t == T_PATH) {
		perr(p, col, "empty path for '%s'", name);
	} else if (k->t == T_REGEX) {
		regex_error(v, exp, sizeof(exp));
		perr(p, col, "bad %s '%s' for '%s': %s", ti->noun, v, name, exp);
	} else {
		expected(k, exp, sizeof(exp));
		if (ti->for_key)
			perr(p, col, "bad %s '%s' for '%s' (expected %s)", ti->noun, v, name, exp);
		else
			perr(p, col, "bad %s '%s' (expected %s)", ti->noun, v, exp);
	}
}

/* ---- line kinds (doc/harness.md sections 3-5) --------------------------------------- */

enum {
	L_SETUP = 1 << 0,	/* at most one, before the first action */
	L_ACTION = 1 << 1,	/* an action: ends the setup part */
	L_RESULT = 1 << 2,	/* records an HRESULT for 'expect result' */
	L_EXIT = 1 << 3,	/* records an exit status for 'expect exit' and 'expect output' */
	L_GUEST = 1 << 4,	/* the scenario boots a guest */
	L_EMBEDDED = 1 << 5,	/* needs the embedded drive */
	L_FINAL = 1 << 6,	/* checked after the drive stopped */
	L_ONE_KEY = 1 << 7,	/* needs at least one key */
	L_SUBKEY = 1 << 8,	/* the second keyword is the first key: expect result=, exit= */
	L_BURN = 1 << 9,	/* records the facts of a burn for 'expect burn' */
};

struct kind {
	const char *word;	/* the command */
	const char *sub;	/* the second keyword (mmc step, expectation), or NULL */
	enum hrn_kind kind;
	unsigned flags;
	unsigned need;		/* L_RESULT, L_EXIT or L_GUEST: an earlier line must have had it */
	/* the rules that tie keys together, after the generic checks passed; or NULL */
	void (*check)(struct parser *p, const struct hrn_step *st, int end_col);
	const char *words;	/* fault, control: what the words are; kept as written in st->words */
	const struct keyspec *keys;
};

/* Sub-commands: "mmc STEP", "expect WHAT". */
struct family {
	const char *word;
	const char *noun;	/* "unknown NOUN 'x'" */
	const char *need;	/* "'word' needs NEED" */
	bool key_form;		/* the second word may be key=value and may be quoted (expect) */
};

static const struct family families[] = {
	{ "mmc", "mmc step", "a step", false },
	{ "burn", "burn kind", "what to burn", false },
	{ "expect", "expectation", "what to check", true },
};

static const char *need_text(unsigned need)
{
	if (need == L_RESULT)
		return "an action (write, mode, mmc, burn, erase, format) before it";
	if (need == L_EXIT)
		return "a 'run' or 'guest-run' before it";
	if (need == L_BURN)
		return "a 'burn' before it";
	return "a 'guest' line before the first action";
}

static void check_write(struct parser *p, const struct hrn_step *st, int end_col)
{
	const struct hrn_arg *ca = hrn_step_arg(st, "cancel-after");
	int64_t c, b;
	if (ca && hrn_parse_int(ca->value, 1, INT32_MAX, &c) &&
	    hrn_parse_int(hrn_step_get(st, "blocks"), 1, INT32_MAX, &b) && c >= b)
		perr(p, ca->col, "cancel-after=%lld is not below blocks=%lld", (long long)c, (long long)b);
}

/* The words of a burn's sources; generated ones (zero, pattern, stamp, cd-mode1) have no
 * length of their own. */
static bool generated_source(const char *w)
{
	struct hrn_source src;
	return w && hrn_parse_source(w, &src) && src.kind != HRN_SRC_FILE;
}

static int count_words(const struct hrn_step *st)
{
	int n = 0;
	while (hrn_step_word(st, n))
		n++;
	return n;
}


static void check_burn_data(struct parser *p, const struct hrn_step *st, int end_col)
{
	const struct hrn_arg *ca = hrn_step_arg(st, "cancel-after");
	int64_t size, c;
	bool have_size = hrn_step_get(st, "size") && hrn_parse_size(hrn_step_get(st, "size"), &size);
	if (generated_source(hrn_step_word(st, 0)) && !have_size)
		perr(p, end_col, "'burn data %s' needs 'size=BYTES' (a generated source has no length)",
		     hrn_step_word(st, 0));
	else if (ca && have_size && hrn_parse_int(ca->value, 1, INT32_MAX, &c) && c >= (size + 2047) / 2048)
		perr(p, ca->col, "cancel-after=%lld is not below the burn's %lld sectors", (long long)c,
		     (long long)((size + 2047) / 2048));
}

static void check_burn_audio(struct parser *p, const struct hrn_step *st, int end_col)
{
	int n = count_words(st);
	int64_t each = 0, c;
	bool have = hrn_step_get(st, "sectors") && hrn_parse_int(hrn_step_get(st, "sectors"), 1, INT32_MAX, &each);
	bool all_known = have;
	for (int i = 0; i < n && !have; i++)
		if (generated_source(hrn_step_word(st, i))) {
			perr(p, end_col, "'burn audio' needs 'sectors=N' (the generated source '%s' has no length)",
			     hrn_step_word(st, i));
			return;
		}
	const struct hrn_arg *ca = hrn_step_arg(st, "cancel-after");
	if (ca && all_known && hrn_parse_int(ca->value, 1, INT32_MAX, &c) && c >= each * n)
		perr(p, ca->col, "cancel-after=%lld is not below the burn's %lld sectors", (long long)c,
		     (long long)(each * n));
}

static void check_input(struct parser *p, const struct hrn_step *st, int end_col)
{
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

static void check_blocks(struct parser *p, const struct hrn_step *st, int end_col)
{
	const char *eq = hrn_step_get(st, "equal"), *lba = hrn_step_get(st, "lba");
	bool rec = hrn_step_arg(st, "recorded");
	int64_t a, b;
	if (!eq == !rec)
		perr(p, end_col, "'expect blocks' needs exactly one of 'equal=SOURCE' and 'recorded=no'");
	else if (rec && hrn_step_arg(st, "bytes"))
		perr(p, hrn_step_arg(st, "bytes")->col, "'bytes' is for 'equal=SOURCE'");
	else if (lba && hrn_parse_range(lba, &a, &b) && b == HRN_RANGE_END && (!eq || strncmp(eq, "file:", 5)))
		perr(p, hrn_step_arg(st, "lba")->col,
		     "'lba=A..end' needs 'equal=file:PATH' (the file's length ends the range)");
}

static void check_sense(struct parser *p, const struct hrn_step *st, int end_col)
{
	bool sense = hrn_step_arg(st, "sense"), key = hrn_step_arg(st, "key"), asc = hrn_step_arg(st, "asc");
	if (sense && (key || asc || hrn_step_arg(st, "ascq")))
		perr(p, end_col, "'expect sense' takes 'sense=K/AA/QQ' or 'key= asc= ascq=', not both");
	else if (!sense && !(key && asc))
		perr(p, end_col, "'expect sense' needs 'sense=K/AA/QQ' or 'key=K asc=AA [ascq=QQ]'");
}

static void check_trace(struct parser *p, const struct hrn_step *st, int end_col)
{
	bool op = hrn_step_arg(st, "op"), order = hrn_step_arg(st, "order");
	if (op == order)
		perr(p, end_col, "'expect trace' needs exactly one of 'op=NAME' and 'order=A,B,...'");
	else if (op && !hrn_step_arg(st, "count"))
		perr(p, end_col, "'expect trace op=' needs 'count=N', 'count>=N' or 'count<=N'");
	else if (order && (hrn_step_arg(st, "count") || hrn_step_arg(st, "status")))
		perr(p, end_col, "'expect trace order=' takes no count or status");
}

/* K: a key, W: a bare word (through KK and WW so that I32, NOL... expand first) */
#define KK(k, t, mn, mx, l, f) { k, t, mn, mx, l, f, NULL }
#define WW(t, mn, mx, l, what) { "", t, mn, mx, l, 0, what }
#define WWR(t, mn, mx, l, what) { "", t, mn, mx, l, K_REPEAT, what }
#define K(...) KK(__VA_ARGS__)
#define W(...) WW(__VA_ARGS__)
#define WR(...) WWR(__VA_ARGS__)
#define KEYS(...) (const struct keyspec[]){ __VA_ARGS__, { NULL, T_STR, 0, 0, NULL, 0, NULL } }
#define NOKEYS (const struct keyspec[]){ { NULL, T_STR, 0, 0, NULL, 0, NULL } }
#define I32 INT32_MIN, INT32_MAX
#define U32 0, INT32_MAX
#define POS 1, INT32_MAX
#define NOL 0, 0, NULL
#define RETRY K("retry", T_YESNO, NOL, 0)
#define MMC(step, ...) { "mmc", step, HRN_MMC, L_ACTION | L_RESULT, 0, NULL, NULL, KEYS(__VA_ARGS__) }
#define BURN(what, check, ...) { "burn", what, HRN_BURN, L_ACTION | L_RESULT | L_BURN, 0, check, NULL, KEYS(__VA_ARGS__) }
#define SOURCES "a source (zero, file:PATH, pattern:seed=N, stamp:seed=N)"
#define EXPECT(what, fl, need, check, ...) { "expect", what, HRN_EXPECT, fl, need, check, NULL, KEYS(__VA_ARGS__) }

/* In the order of the "expected one of" lists of the messages. */
static const struct kind kinds[] = {
	/* word, sub, kind, flags, need, check, words, keys */
	{ "drive", NULL, HRN_DRIVE, L_SETUP, 0, NULL, NULL, KEYS(K("personality", T_PATH, NOL, K_REQ)) },
	{ "load", NULL, HRN_LOAD, L_SETUP, 0, NULL, NULL, KEYS(
	  K("media", T_ENUM, 0, 0, "cd-r|cd-r80|cd-rw|dvd-r|dvd-rw|dvd+r|dvd+r-dl|dvd+rw|bd-r|bd-re|none", K_REQ),
	  K("capacity", T_INT, POS, NULL, 0), K("image", T_PATH, NOL, 0),
	  K("tray", T_ENUM, 0, 0, "open|closed", 0)) },
	{ "time-scale", NULL, HRN_TIME_SCALE, L_SETUP, 0, NULL, NULL, KEYS(
	  W(T_SCALE, 0, 1000, NULL, "a time scale (a number >= 0)")) },
	{ "guest", NULL, HRN_GUEST, L_SETUP | L_GUEST, 0, NULL, NULL, KEYS(
	  K("modes", T_ENUMS, 0, 0, "passthrough|iscsi", 0), K("needs", T_STR, NOL, 0),
	  K("memory", T_SIZE, 128 << 20, 4096LL << 20, NULL, 0), K("forward", T_INT, 1, 65535, NULL, 0)) },
	{ "fault", NULL, HRN_FAULT, L_EMBEDDED, 0, NULL,
	  "fault words (doc/simdrive-faults.md), e.g. write-error lba=64", NOKEYS },
	{ "control", NULL, HRN_CONTROL, L_EMBEDDED, 0, NULL, "a control request, e.g. \"eject 0\"", NOKEYS },
	{ "engine", NULL, HRN_ENGINE, L_ONE_KEY, 0, NULL, NULL, KEYS(
	  K("bytes-per-sector", T_INT, POS, NULL, 0), K("streaming", T_YESNO, NOL, 0),
	  K("queue-depth", T_INT, 1, 64, NULL, 0), K("buffer", T_SIZE, 65536, 1073741824, NULL, 0),
	  K("start-sps", T_INT, -1, INT32_MAX, NULL, 0), K("end-sps", T_INT, -1, INT32_MAX, NULL, 0),
	  K("max-transfer", T_INT, POS, NULL, 0)) },
	{ "mode", NULL, HRN_MODE, L_ACTION | L_RESULT | L_ONE_KEY, 0, NULL, NULL, KEYS(
	  K("write-type", T_ENUM, 0, 0, "packet|tao|sao|raw", 0),
	  K("data-block-type", T_INT, 0, 15, NULL, 0), K("track-mode", T_INT, 0, 15, NULL, 0),
	  K("bufe", T_INT, 0, 1, NULL, 0), K("multisession", T_INT, 0, 3, NULL, 0),
	  K("test-write", T_INT, 0, 1, NULL, 0), K("link-size", T_INT, 0, 255, NULL, 0),
	  K("packet-size", T_INT, U32, NULL, 0), K("fixed-packet", T_INT, 0, 1, NULL, 0),
	  K("session-format", T_INT, 0, 255, NULL, 0), K("audio-pause", T_INT, 0, 65535, NULL, 0)) },
	{ "write", NULL, HRN_WRITE, L_ACTION | L_RESULT, 0, check_write, NULL, KEYS(
	  K("source", T_SOURCE, NOL, K_REQ), K("lba", T_LBA_NWA, I32, NULL, K_REQ),
	  K("blocks", T_INT, POS, NULL, K_REQ), K("cancel-after", T_INT, POS, NULL, 0)) },
	MMC("close-track", W(T_INT, 0, 65535, NULL, "a track number"), RETRY),
	MMC("close-session", RETRY),
	MMC("finalize", K("function", T_INT, 0, 7, NULL, 0), RETRY),
	MMC("sync", RETRY),
	MMC("blank", W(T_ENUM, 0, 0, "minimal|full", "minimal or full"), RETRY),
	MMC("format", K("type", T_HEX, 0, 0x3f, NULL, 0), RETRY),
	MMC("reserve", W(T_INT, POS, NULL, "a number of blocks"), RETRY),
	MMC("set-speed", W(T_SPEED, 1, 65535, NULL, "a write speed in kB/s or 'max'"), RETRY),
	MMC("send-cue", W(T_PATH, NOL, "a cue sheet file"), RETRY),
	MMC("eject", RETRY),
	MMC("load", RETRY),
	MMC("cdb", W(T_HEXSTR, 6, 16, NULL, "a CDB in hex (6..16 bytes)"), K("in", T_INT, 1, 65535, NULL, 0),
	    K("out", T_HEXSTR, 1, 65535, NULL, 0), RETRY),
	BURN("data", check_burn_data, W(T_SOURCE, NOL, SOURCES), K("size", T_SIZE, 1, INT64_MAX, NULL, 0),
	     K("close", T_ENUM, 0, 0, "yes|no|default", 0), K("compat", T_YESNO, NOL, 0),
	     K("force-overwrite", T_YESNO, NOL, 0), K("verify", T_ENUM, 0, 0, "none|quick|full", 0),
	     K("speed", T_INT, POS, NULL, 0), K("cancel-after", T_INT, POS, NULL, 0),
	     K("queue-depth", T_INT, 1, 64, NULL, 0)),
	BURN("audio", check_burn_audio, WR(T_SOURCE, NOL, SOURCES), K("sectors", T_INT, POS, NULL, 0),
	     K("finalize", T_YESNO, NOL, 0), K("cancel-after", T_INT, POS, NULL, 0)),
	BURN("raw", NULL, WR(T_RAWTRACK, 0, 0, HRN_RAW_TYPES, "a track (TYPE:SOURCE:SECTORS)"),
	     K("type", T_ENUM, 0, 0, "pq|cooked|raw", 0), K("mcn", T_STR, NOL, 0)),
	{ "erase", NULL, HRN_ERASE, L_ACTION | L_RESULT, 0, NULL, NULL, KEYS(K("full", T_YESNO, NOL, 0)) },
	{ "format", NULL, HRN_FORMAT, L_ACTION | L_RESULT, 0, NULL, NULL, NOKEYS },
	{ "run", NULL, HRN_RUN, L_ACTION | L_EXIT, 0, NULL, NULL, KEYS(
	  W(T_STR, NOL, "a command (quote it)"), K("timeout", T_DUR, NOL, 0)) },
	{ "input", NULL, HRN_INPUT, L_ACTION, 0, check_input, NULL, KEYS(
	  W(T_NAME, NOL, "a file name"), K("from", T_PATH, NOL, 0), K("iso", T_PATH, NOL, 0),
	  K("volid", T_STR, NOL, 0), K("tone", T_INT, 20, 20000, NULL, 0),
	  K("seconds", T_INT, 1, 4800, NULL, 0), K("source", T_SOURCE, NOL, 0),
	  K("size", T_SIZE, 1, 8LL << 30, NULL, 0)) },
	{ "guest-run", NULL, HRN_GUEST_RUN, L_ACTION | L_EXIT, L_GUEST, NULL, NULL, KEYS(
	  W(T_STR, NOL, "a command (quote it)"), K("timeout", T_DUR, NOL, 0)) },
	EXPECT("result", L_SUBKEY, L_RESULT, NULL, K("result", T_HRESULT, NOL, K_REQ), K("sense", T_SENSE, NOL, 0)),
	EXPECT("exit", L_SUBKEY, L_EXIT, NULL, K("exit", T_EXIT, 0, 255, NULL, K_REQ)),
	EXPECT("output", L_ONE_KEY, L_EXIT, NULL,
	       K("contains", T_STR, NOL, 0), K("lacks", T_STR, NOL, 0), K("matches", T_REGEX, NOL, 0)),
	EXPECT("disc", L_ONE_KEY, 0, NULL,
	       K("status", T_ENUM, 0, 0, "blank|appendable|complete|other", 0),
	       K("sessions", T_INT, U32, NULL, 0), K("tracks", T_INT, U32, NULL, 0),
	       K("nwa", T_INT_NONE, I32, NULL, 0),
	       K("last-session", T_ENUM, 0, 0, "empty|incomplete|damaged|complete", 0),
	       K("erasable", T_YESNO, NOL, 0)),
	EXPECT("track", 0, 0, NULL, W(T_INT, 1, 65535, NULL, "a track number"),
	       K("state", T_ENUM, 0, 0, "blank|incomplete|complete|reserved", 0),
	       K("session", T_INT, 1, 65535, NULL, 0), K("start", T_INT, I32, NULL, 0),
	       K("size", T_INT, U32, NULL, 0), K("nwa", T_INT_NONE, I32, NULL, 0),
	       K("free", T_INT, U32, NULL, 0), K("last-recorded", T_INT_NONE, I32, NULL, 0),
	       K("mode", T_INT, 0, 15, NULL, 0), K("data-mode", T_INT, 0, 15, NULL, 0),
	       K("packet", T_INT, 0, 1, NULL, 0), K("fixed-packet", T_INT, 0, 1, NULL, 0),
	       K("packet-size", T_INT, U32, NULL, 0)),
	EXPECT("burn", L_ONE_KEY, L_BURN, NULL,
	       K("start", T_INT, I32, NULL, 0), K("sectors", T_INT, U32, NULL, 0),
	       K("verified", T_INT, U32, NULL, 0),
	       K("write-type", T_ENUM, 0, 0, "packet|tao|sao|raw|none", 0),
	       K("close-function", T_INT, 0, 7, NULL, 0), K("mismatch", T_INT_NONE, I32, NULL, 0),
	       K("tracks", T_INT, 0, 99, NULL, 0), K("leadout", T_INT, I32, NULL, 0),
	       K("stages", T_INTS, 0, 7, NULL, 0)),
	EXPECT("blocks", L_FINAL, 0, check_blocks,
	       K("lba", T_RANGE, NOL, K_REQ), K("size", T_INT, 1, 65536, NULL, 0),
	       K("equal", T_SOURCE, NOL, 0), K("recorded", T_ENUM, 0, 0, "no", 0),
	       K("bytes", T_INT, 1, 65536, NULL, 0)),
	EXPECT("record", L_FINAL, 0, NULL,
	       K("lba", T_INT, I32, NULL, K_REQ), K("block-size", T_INT, 1, 65536, NULL, 0),
	       K("write-type", T_ENUM, 0, 0, "packet|tao|sao|raw|none", 0),
	       K("data-block-type", T_INT_NONE, 0, 15, NULL, 0),
	       K("opcode", T_ENUM, 0, 0, "WRITE(10)|WRITE(12)", 0), K("streaming", T_YESNO, NOL, 0),
	       K("test-write", T_YESNO, NOL, 0), K("pow", T_YESNO, NOL, 0),
	       K("track", T_INT, 0, 65535, NULL, 0), K("session", T_INT, 0, 65535, NULL, 0)),
	EXPECT("sense", L_FINAL, 0, check_sense,
	       K("command", T_STR, NOL, K_REQ), K("sense", T_SENSE, NOL, 0),
	       K("key", T_HEX, 0, 15, NULL, 0), K("asc", T_HEX, 0, 255, NULL, 0),
	       K("ascq", T_HEX, 0, 255, NULL, 0), K("deferred", T_YESNO, NOL, 0)),
	EXPECT("trace", L_FINAL, 0, check_trace,
	       K("op", T_STR, NOL, 0), K("count", T_INT, U32, NULL, K_CMP),
	       K("status", T_ENUM, 0, 0, "GOOD|CHECK", 0), K("order", T_STR, NOL, 0)),
	EXPECT("duration", L_FINAL | L_ONE_KEY, 0, NULL, K("virtual", T_DUR, NOL, K_CMP)),
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* ---- the parser ------------------------------------------------------------------ */

/* The line being parsed. */
struct line {
	const struct hrn_line *lx;
	const struct kind *k;
	int first;		/* the word of the first argument */
	char name[64];		/* "write", "mmc close-track", "expect blocks": for messages */
};

/* The commands (family NULL) or the sub-commands of one family, in table order, for
 * "expected one of" (a family's entries are adjacent in the table). */
static void keyword_list(const char *family, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = 0;
	for (size_t i = 0; i < NKINDS; i++) {
		const struct kind *k = &kinds[i];
		if (family ? strcmp(k->word, family) != 0 : i > 0 && !strcmp(k->word, kinds[i - 1].word))
			continue;
		int w = snprintf(out + n, cap - n, "%s%s%s", n ? " " : "", family ? k->sub : k->word,
				 family && (k->flags & L_SUBKEY) ? "=" : "");
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
}

/* The keys of a kind, for "expected one of". */
static void key_list(const struct kind *k, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = 0;
	for (const struct keyspec *ks = k->keys; ks->key; ks++) {
		if (!*ks->key)
			continue;
		int w = snprintf(out + n, cap - n, "%s%s", n ? " " : "", ks->key);
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
}

/* The kind of word (sub NULL: any, sub-command or not), or of word and sub: its first
 * sublen bytes, a key (subkey) or a word. */
static const struct kind *find_kind(const char *word, const char *sub, size_t sublen, bool subkey)
{
	for (size_t i = 0; i < NKINDS; i++) {
		const struct kind *k = &kinds[i];
		if (strcmp(k->word, word))
			continue;
		if (!sub)
			return k;
		if (k->sub && strlen(k->sub) == sublen && !strncmp(k->sub, sub, sublen) &&
		    !(k->flags & L_SUBKEY) == !subkey)
			return k;
	}
	return NULL;
}

static const struct family *family_of(const char *word)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (!strcmp(families[i].word, word))
			return &families[i];
	return NULL;
}

/* The sub-command of family f from the line's second word. */
static const struct kind *select_sub(struct parser *p, struct line *ln, const struct family *f)
{
	const struct hrn_line *lx = ln->lx;
	const struct hrn_token *t = lx->n > 1 ? &lx->tok[1] : NULL;
	char list[256];
	keyword_list(f->word, list, sizeof(list));
	if (!t || (!f->key_form && (t->eq >= 0 || t->quoted))) {
		perr(p, t ? t->col : lx->end_col, "'%s' needs %s (expected one of: %s)", f->word, f->need, list);
		return NULL;
	}
	bool subkey = t->eq >= 0;
	const struct kind *k = find_kind(f->word, t->text, subkey ? (size_t)t->eq : strlen(t->text), subkey);
	if (!k)
		perr(p, t->col, "unknown %s '%s' (expected one of: %s)", f->noun, t->text, list);
	ln->first = subkey ? 1 : 2;	/* result=NAME is also the first argument */
	return k;
}

/* The kind of the line from its first words; false after reporting. */
static bool select_kind(struct parser *p, struct line *ln)
{
	const struct hrn_token *t = &ln->lx->tok[0];
	const struct kind *k = t->quoted || t->eq >= 0 ? NULL : find_kind(t->text, NULL, 0, false);
	if (!k) {
		char list[256];
		keyword_list(NULL, list, sizeof(list));
		perr(p, t->col, "unknown command '%s' (expected one of: %s)", t->text, list);
		return false;
	}
	ln->first = 1;
	if (k->sub)
		k = select_sub(p, ln, family_of(k->word));
	if (!k)
		return false;
	ln->k = k;
	snprintf(ln->name, sizeof(ln->name), "%s%s%s", k->word, k->sub ? " " : "", k->sub ? k->sub : "");
	return true;
}

/* Where the line may stand (doc/harness.md sections 3-5); false after reporting. */
static bool check_order(struct parser *p, const struct line *ln)
{
	const struct kind *k = ln->k;
	const struct hrn_scenario *s = p->s;
	int col = ln->lx->tok[0].col;
	if (k->flags & L_SETUP) {
		if (p->first_action_line) {
			perr(p, col, "'%s' must come before the first action (line %d)", ln->name, p->first_action_line);
			return false;
		}
		for (int i = 0; i < s->nsteps; i++)
			if (s->steps[i].kind == k->kind) {
				perr(p, col, "'%s' given twice (first on line %d)", ln->name, s->steps[i].line);
				return false;
			}
	}
	if (k->need && !(p->seen & k->need)) {
		perr(p, col, "'%s' needs %s", ln->name, need_text(k->need));
		return false;
	}
	return true;
}

/* A new step for the line, kept even if the rest of the line has errors; NULL when out
 * of memory (reported). */
static struct hrn_step *new_step(struct parser *p, const struct line *ln)
{
	struct hrn_scenario *s = p->s;
	const struct kind *k = ln->k;
	struct hrn_step *steps = realloc(s->steps, (size_t)(s->nsteps + 1) * sizeof(*steps));
	if (!steps) {
		perr(p, ln->lx->tok[0].col, "out of memory");
		return NULL;
	}
	s->steps = steps;
	struct hrn_step *st = &steps[s->nsteps++];
	*st = (struct hrn_step){ .kind = k->kind, .sub = k->sub, .line = p->line,
				 .is_final = (k->flags & L_FINAL) != 0 };
	if ((k->flags & L_ACTION) && s->first_action < 0)
		s->first_action = s->nsteps - 1;
	if (k->flags & L_EMBEDDED)
		s->needs_embedded = true;
	if (k->flags & L_GUEST) {
		s->needs_guest = true;
		p->seen |= L_GUEST;
	}
	return st;
}

static void store_arg(struct parser *p, struct hrn_step *st, const char *key, char op, const char *value, int col)
{
	struct hrn_arg *a = &st->args[st->nargs];
	*a = (struct hrn_arg){ .key = key ? strdup(key) : NULL, .op = op, .value = strdup(value), .col = col };
	if ((key && !a->key) || !a->value) {
		free(a->key);
		free(a->value);
		*a = (struct hrn_arg){ 0 };
		perr(p, col, "out of memory");
		return;
	}
	st->nargs++;
}

/* A bare word: the n-th (0-based) of the kind's table. */
static void add_word(struct parser *p, const struct line *ln, struct hrn_step *st, const struct hrn_token *t,
		     int n)
{
	const struct keyspec *k, *last = NULL;
	for (k = ln->k->keys; k->key; k++)
		if (!*k->key && (last = k, n-- == 0))
			break;
	if (!k->key && last && (last->flags & K_REPEAT))
		k = last;	/* one more of a repeated word */
	if (!k->key) {
		char keys[256];
		key_list(ln->k, keys, sizeof(keys));
		if (*keys)
			perr(p, t->col, "unexpected word '%s' for '%s' (expected key=value with a key of: %s)",
			     t->text, ln->name, keys);
		else
			perr(p, t->col, "unexpected word '%s' ('%s' takes no arguments)", t->text, ln->name);
	} else if (!vtypes[k->t].ok(k, t->text)) {
		bad_value(p, t->col, k, k->what, t->text);
	} else {
		store_arg(p, st, NULL, 0, t->text, t->col);
	}
}

/* key is on the line already with an operator that clashes with op (count>=1 count<=5
 * is a range). */
static bool given(const struct hrn_step *st, const char *key, char op)
{
	for (int i = 0; i < st->nargs; i++) {
		const struct hrn_arg *a = &st->args[i];
		if (a->key && !strcmp(a->key, key) && (a->op == op || op == '=' || a->op == '='))
			return true;
	}
	return false;
}

static const struct keyspec *find_key(const struct kind *k, const char *key)
{
	for (const struct keyspec *ks = k->keys; ks->key; ks++)
		if (*ks->key && !strcmp(ks->key, key))
			return ks;
	return NULL;
}

/* key=value, key>=value or key<=value. */
static void add_keyed(struct parser *p, const struct line *ln, struct hrn_step *st, const struct hrn_token *t)
{
	char key[64];
	char op = '=';
	int klen = t->eq;
	if (klen > 0 && (t->text[klen - 1] == '>' || t->text[klen - 1] == '<'))
		op = t->text[--klen];
	if (klen <= 0 || klen >= (int)sizeof(key)) {
		perr(p, t->col, "expected key=value, found '%s'", t->text);
		return;
	}
	memcpy(key, t->text, (size_t)klen);
	key[klen] = 0;
	const struct keyspec *k = find_key(ln->k, key);
	const char *v = t->text + t->eq + 1;
	char keys[256];
	if (!k) {
		key_list(ln->k, keys, sizeof(keys));
		if (*keys)
			perr(p, t->col, "unknown key '%s' for '%s' (expected one of: %s)", key, ln->name, keys);
		else
			perr(p, t->col, "unknown key '%s' ('%s' takes no keys)", key, ln->name);
	} else if (op != '=' && !(k->flags & K_CMP)) {
		perr(p, t->col, "'%s' takes '=' only (>= and <= are for count and virtual)", key);
	} else if (given(st, key, op)) {
		perr(p, t->col, "key '%s' given twice for '%s'", key, ln->name);
	} else if (!vtypes[k->t].ok(k, v)) {
		bad_value(p, t->col + t->eq + 1, k, key, v);
	} else {
		store_arg(p, st, key, op, v, t->col);
	}
}

/* The bare words and required keys the line lacks (reported just past its end). */
static void check_complete(struct parser *p, const struct line *ln, const struct hrn_step *st, int nwords)
{
	int col = ln->lx->end_col;
	int word = 0;
	for (const struct keyspec *k = ln->k->keys; k->key; k++) {
		if (!*k->key) {
			if (word++ == nwords)	/* the first one missing */
				perr(p, col, "'%s' needs %s", ln->name, k->what);
		} else if ((k->flags & K_REQ) && !hrn_step_arg(st, k->key)) {
			perr(p, col, "'%s' needs '%s=%s'", ln->name, k->key, vtypes[k->t].hint);
		}
	}
	if ((ln->k->flags & L_ONE_KEY) && st->nargs == 0)
		perr(p, col, "'%s' needs at least one key", ln->name);
}

static void parse_args(struct parser *p, const struct line *ln)
{
	const struct hrn_line *lx = ln->lx;
	struct hrn_step *st = new_step(p, ln);
	if (!st)
		return;
	st->args = calloc((size_t)lx->n, sizeof(*st->args));
	if (!st->args) {
		perr(p, lx->tok[0].col, "out of memory");
		return;
	}
	int errors = p->s->nerrors, nwords = 0;
	for (int i = ln->first; i < lx->n; i++) {
		/* key=value, unless what comes before the '=' holds a ':': a bare word such as
		 * the source pattern:seed=7 (no key has a ':') */
		const struct hrn_token *t = &lx->tok[i];
		if (t->eq < 0 || memchr(t->text, ':', (size_t)t->eq))
			add_word(p, ln, st, &lx->tok[i], nwords++);
		else
			add_keyed(p, ln, st, &lx->tok[i]);
	}
	if (p->s->nerrors != errors)
		return;	/* a broken line is not also reported for what it lacks */
	check_complete(p, ln, st, nwords);
	if (ln->k->check)
		ln->k->check(p, st, lx->end_col);
	if ((ln->k->flags & L_ACTION) && !p->first_action_line)
		p->first_action_line = p->line;
	p->seen |= ln->k->flags & (L_RESULT | L_EXIT | L_BURN);
}

/* fault, control: the words after the command, joined by one blank; simdrive checks them. */
static void parse_words(struct parser *p, const struct line *ln)
{
	const struct hrn_line *lx = ln->lx;
	if (lx->n < 2) {
		perr(p, lx->end_col, "'%s' needs %s", ln->name, ln->k->words);
		return;
	}
	size_t len = 0;
	for (int i = 1; i < lx->n; i++)
		len += strlen(lx->tok[i].text) + 1;
	char *words = malloc(len);
	if (!words) {
		perr(p, lx->tok[0].col, "out of memory");
		return;
	}
	char *w = words;
	for (int i = 1; i < lx->n; i++)
		w += sprintf(w, "%s%s", i > 1 ? " " : "", lx->tok[i].text);
	struct hrn_step *st = new_step(p, ln);
	if (st)
		st->words = words;
	else
		free(words);
}

static void parse_line(struct parser *p, const char *text, size_t len)
{
	struct hrn_line lx;
	if (hrn_scn_tokenize(text, len, &lx) < 0) {
		perr(p, lx.err_col, "%s", lx.err);
		return;
	}
	struct line ln = { .lx = &lx };
	if (lx.n == 0 || !select_kind(p, &ln) || !check_order(p, &ln))
		return;
	if (ln.k->words)
		parse_words(p, &ln);
	else
		parse_args(p, &ln);
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
	s->first_action = -1;
	struct parser p = { .s = s };
	for (const char *c = text; *c;) {
		const char *nl = strchr(c, '\n');
		p.line++;
		parse_line(&p, c, nl ? (size_t)(nl - c) : strlen(c));
		if (!nl)
			break;
		c = nl + 1;
	}
	if (s->first_action < 0)
		s->first_action = s->nsteps;
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
