/* simdrive/drive/personality.c - see personality.h; the file format is in
 * doc/simdrive-personalities.md.
 *
 * The parser reads the whole file into a struct sim_personality that starts as a copy
 * of the caller's (the default drive), so keys not given keep their values.  Every
 * key may appear once.  Rules that involve two keys (a speed table for a family the
 * drive does not take, CD media without a CD write type) are checked after the last
 * line and name the line of the key at fault.  On any error the caller's personality
 * is left unchanged. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "personality.h"

uint32_t sim_family_kbps_1x(enum rec_family f)
{
	switch (f) {
	case REC_CD:  return 176;
	case REC_DVD: return 1385;
	case REC_BD:  return 4496;
	}
	return 176;
}

void sim_personality_default(struct sim_personality *p)
{
	static const struct sim_speed_table speeds[SIM_PERS_FAMILIES] = {
		[REC_CD]  = { { 520, 480, 400, 320, 240, 160, 100, 80, 40 }, SIM_ROT_CLV },
		[REC_DVD] = { { 240, 200, 160, 120, 80, 60, 40, 24 }, SIM_ROT_CLV },
		[REC_BD]  = { { 160, 120, 100, 80, 60, 40, 20 }, SIM_ROT_CLV },
	};
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "default");
	snprintf(p->vendor, sizeof(p->vendor), "BURNLAB");
	snprintf(p->product, sizeof(p->product), "SIMDRIVE");
	snprintf(p->revision, sizeof(p->revision), "0001");
	p->write_types = SIM_WT_PACKET | SIM_WT_TAO | SIM_WT_SAO | SIM_WT_RAW;
	p->buffer_bytes[REC_CD] = 2u << 20;
	p->buffer_bytes[REC_DVD] = 4u << 20;
	p->buffer_bytes[REC_BD] = 4u << 20;
	memcpy(p->speeds, speeds, sizeof(speeds));
}

/* A ROM view (cd-rom, dvd-rom, bd-rom) is read by a drive that lists it, or that
 * takes any medium of its family: a drive that writes CD-R reads CD-ROM. */
bool sim_personality_has_medium(const struct sim_personality *p, const char *media)
{
	if (p->nmedia == 0)
		return true;
	for (size_t i = 0; i < p->nmedia; i++)
		if (strcmp(p->media[i], media) == 0)
			return true;
	const struct rec_media *m = rec_media_lookup(media);
	if (!m || m->writable)
		return false;
	for (size_t i = 0; i < p->nmedia; i++) {
		const struct rec_media *t = rec_media_lookup(p->media[i]);
		if (t && t->family == m->family)
			return true;
	}
	return false;
}

bool sim_personality_takes_family(const struct sim_personality *p, enum rec_family f)
{
	if (p->nmedia == 0)
		return true;
	for (size_t i = 0; i < p->nmedia; i++) {
		const struct rec_media *m = rec_media_lookup(p->media[i]);
		if (m && m->family == f)
			return true;
	}
	return false;
}

/* ---- the parser ---------------------------------------------------------------- */

#define PERS_LINE_MAX 1024
#define PERS_MAX_KEYS 32

/* Highest write speed accepted per family, in tenths of x: the fastest drives sold
 * (CD 52x, DVD 24x, BD 16x) with some room, so that a table typed in kB/s by mistake
 * is caught. */
static const uint16_t pers_speed_max_x10[SIM_PERS_FAMILIES] = {
	[REC_CD] = 560, [REC_DVD] = 240, [REC_BD] = 160,
};

static const char *const pers_family_names[SIM_PERS_FAMILIES] = {
	[REC_CD] = "cd", [REC_DVD] = "dvd", [REC_BD] = "bd",
};

struct pers_parse {
	const char *path;
	unsigned line;
	char *err;
	size_t errlen;
	struct sim_personality p;
	unsigned seen[PERS_MAX_KEYS];	/* line of each key in pers_keys[], 0 = not given */
};

static int pers_error(struct pers_parse *s, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int pers_error(struct pers_parse *s, unsigned line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(s->err, s->errlen, "%s:%u: %s", s->path, line, msg);
	return -1;
}

/* Split v at blanks: the next word into w (NUL-terminated), the rest returned;
 * NULL at the end. */
static char *pers_word(char *v, char **w)
{
	while (*v == ' ' || *v == '\t')
		v++;
	if (!*v)
		return NULL;
	*w = v;
	while (*v && *v != ' ' && *v != '\t')
		v++;
	if (*v)
		*v++ = 0;
	return v;
}

static int pers_name(struct pers_parse *s, int arg, char *v)
{
	(void)arg;
	size_t n = strlen(v);
	if (n >= sizeof(s->p.name))
		return pers_error(s, s->line, "name '%s' is longer than %zu characters", v,
				  sizeof(s->p.name) - 1);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr("._-", v[i]))
			return pers_error(s, s->line, "name '%s': expected letters, digits, "
					  "'.', '_' or '-'", v);
	memcpy(s->p.name, v, n + 1);
	return 0;
}

/* INQUIRY identification: printable ASCII (SPC-4 §4.4.1), at most cap - 1 bytes. */
static int pers_ident(struct pers_parse *s, const char *key, char *dst, size_t cap, char *v)
{
	size_t n = strlen(v);
	if (n >= cap)
		return pers_error(s, s->line, "%s '%s' is %zu characters, at most %zu fit the "
				  "INQUIRY field", key, v, n, cap - 1);
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return pers_error(s, s->line, "%s '%s': expected printable ASCII", key, v);
	memcpy(dst, v, n + 1);
	return 0;
}

static int pers_vendor(struct pers_parse *s, int arg, char *v)
{
	(void)arg;
	return pers_ident(s, "vendor", s->p.vendor, sizeof(s->p.vendor), v);
}

static int pers_product(struct pers_parse *s, int arg, char *v)
{
	(void)arg;
	return pers_ident(s, "product", s->p.product, sizeof(s->p.product), v);
}

static int pers_revision(struct pers_parse *s, int arg, char *v)
{
	(void)arg;
	return pers_ident(s, "revision", s->p.revision, sizeof(s->p.revision), v);
}

static int pers_media(struct pers_parse *s, int arg, char *v)
{
	(void)arg;
	char *w;
	s->p.nmedia = 0;
	while ((v = pers_word(v, &w)) != NULL) {
		if (!rec_media_lookup(w)) {
			char names[256] = "";
			size_t len = 0;
			for (size_t i = 0; i < rec_media_count && len < sizeof(names); i++)
				len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
							i ? " " : "", rec_media_table[i].name);
			return pers_error(s, s->line, "unknown medium '%s' (expected some of: %s)",
					  w, names);
		}
		for (size_t i = 0; i < s->p.nmedia; i++)
			if (strcmp(s->p.media[i], w) == 0)
				return pers_error(s, s->line, "medium '%s' is listed twice", w);
		if (s->p.nmedia == SIM_PERS_MAX_MEDIA)
			return pers_error(s, s->line, "more than %d media", SIM_PERS_MAX_MEDIA);
		snprintf(s->p.media[s->p.nmedia++], sizeof(s->p.media[0]), "%s", w);
	}
	return 0;
}

/* A list of words, each naming one bit; "none" alone is the empty set. */
struct pers_bit {
	const char *word;
	unsigned bit;
};

static int pers_bits(struct pers_parse *s, const char *key, const struct pers_bit *names,
		     size_t n, bool none_ok, char *v, unsigned *out)
{
	unsigned bits = 0;
	bool none = false;
	char *w;
	while ((v = pers_word(v, &w)) != NULL) {
		size_t i = 0;
		if (none_ok && strcmp(w, "none") == 0) {
			none = true;
			continue;
		}
		while (i < n && strcmp(names[i].word, w) != 0)
			i++;
		if (i == n) {
			char list[128] = "";
			size_t len = 0;
			for (size_t j = 0; j < n; j++)
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
							j ? ", " : "", names[j].word);
			return pers_error(s, s->line, "unknown %s '%s' (expected %s%s)", key, w,
					  list, none_ok ? " or none" : "");
		}
		if (bits & names[i].bit)
			return pers_error(s, s->line, "%s '%s' is listed twice", key, w);
		bits |= names[i].bit;
	}
	if (none && bits)
		return pers_error(s, s->line, "'none' goes alone");
	*out = bits;
	return 0;
}

static int pers_write_types(struct pers_parse *s, int arg, char *v)
{
	static const struct pers_bit names[] = {
		{ "packet", SIM_WT_PACKET }, { "tao", SIM_WT_TAO },
		{ "sao", SIM_WT_SAO }, { "raw", SIM_WT_RAW },
	};
	(void)arg;
	return pers_bits(s, "write type", names, sizeof(names) / sizeof(names[0]), false, v,
			 &s->p.write_types);
}

static int pers_quirks(struct pers_parse *s, int arg, char *v)
{
	static const struct pers_bit names[] = {
		{ "ignore-speed", SIM_QUIRK_IGNORE_SPEED },
		{ "busy-when-full", SIM_QUIRK_BUSY_WHEN_FULL },
	};
	(void)arg;
	return pers_bits(s, "quirk", names, sizeof(names) / sizeof(names[0]), true, v,
			 &s->p.quirks);
}

/* A buffer size: decimal bytes, or with a K or M suffix (KiB, MiB); 64K to 64M. */
static int pers_buffer(struct pers_parse *s, int family, char *v)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	unsigned long long unit = 1;
	if (*end == 'K' || *end == 'k')
		unit = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		unit = 1024 * 1024, end++;
	if (unit > 1 && (*end == 'i' || *end == 'I') && (end[1] == 'B' || end[1] == 'b'))
		end += 2;
	if (!isdigit((unsigned char)v[0]) || *end || errno || n > (64ull << 20))
		return pers_error(s, s->line, "buffer size '%s': expected a number of bytes, "
				  "optionally with K or M (e.g. 2M, 512K)", v);
	n *= unit;
	if (n < (64u << 10) || n > (64u << 20))
		return pers_error(s, s->line, "buffer size '%s' is out of range (64K to 64M)", v);
	s->p.buffer_bytes[family] = (uint32_t)n;
	return 0;
}

/* One speed in x with at most one decimal ("48", "2.4", "16x") into tenths. */
static bool pers_speed(const char *w, uint32_t *x10)
{
	uint32_t v = 0, digits = 0;
	const char *q = w;
	while (isdigit((unsigned char)*q) && digits < 5)
		v = v * 10 + (unsigned)(*q++ - '0'), digits++;
	if (!digits)
		return false;
	v *= 10;
	if (*q == '.') {
		q++;
		if (!isdigit((unsigned char)*q))
			return false;
		v += (unsigned)(*q++ - '0');
	}
	if (*q == 'x' || *q == 'X')
		q++;
	if (*q)
		return false;
	*x10 = v;
	return true;
}

static int pers_speeds(struct pers_parse *s, int family, char *v)
{
	struct sim_speed_table *t = &s->p.speeds[family];
	uint16_t x10[SIM_PERS_MAX_SPEEDS];
	size_t n = 0;
	char *w;
	while ((v = pers_word(v, &w)) != NULL) {
		uint32_t x;
		if (!pers_speed(w, &x))
			return pers_error(s, s->line, "speed '%s': expected a number of x with at "
					  "most one decimal (e.g. 48, 2.4)", w);
		if (x == 0)
			return pers_error(s, s->line, "speed '%s': expected more than 0", w);
		if (x > pers_speed_max_x10[family])
			return pers_error(s, s->line, "speed '%s' is above %u.%ux, the fastest %s "
					  "drives (speeds are in x, not kB/s)", w,
					  pers_speed_max_x10[family] / 10,
					  pers_speed_max_x10[family] % 10,
					  family == REC_CD ? "CD" : family == REC_DVD ? "DVD" : "BD");
		if (n == SIM_PERS_MAX_SPEEDS)
			return pers_error(s, s->line, "too many speeds (at most %d)",
					  SIM_PERS_MAX_SPEEDS);
		if (n > 0 && x >= x10[n - 1])
			return pers_error(s, s->line, "speeds not descending: '%s' after %u.%u "
					  "(expected the fastest first)", w, x10[n - 1] / 10,
					  x10[n - 1] % 10);
		x10[n++] = (uint16_t)x;	/* at most pers_speed_max_x10 */
	}
	memset(t->x10, 0, sizeof(t->x10));
	memcpy(t->x10, x10, n * sizeof(x10[0]));
	return 0;
}

static int pers_rotation(struct pers_parse *s, int family, char *v)
{
	if (strcmp(v, "clv") == 0)
		s->p.speeds[family].rotation = SIM_ROT_CLV;
	else if (strcmp(v, "cav") == 0)
		s->p.speeds[family].rotation = SIM_ROT_CAV;
	else
		return pers_error(s, s->line, "rotation '%s': expected clv or cav", v);
	return 0;
}

static const struct pers_key {
	const char *key;
	int (*fn)(struct pers_parse *s, int arg, char *v);
	int arg;			/* the family for the -cd/-dvd/-bd keys */
} pers_keys[] = {
	{ "name",        pers_name,        0 },
	{ "vendor",      pers_vendor,      0 },
	{ "product",     pers_product,     0 },
	{ "revision",    pers_revision,    0 },
	{ "media",       pers_media,       0 },
	{ "write-types", pers_write_types, 0 },
	{ "buffer-cd",   pers_buffer,      REC_CD },
	{ "buffer-dvd",  pers_buffer,      REC_DVD },
	{ "buffer-bd",   pers_buffer,      REC_BD },
	{ "speeds-cd",   pers_speeds,      REC_CD },
	{ "speeds-dvd",  pers_speeds,      REC_DVD },
	{ "speeds-bd",   pers_speeds,      REC_BD },
	{ "rotation-cd", pers_rotation,    REC_CD },
	{ "rotation-dvd", pers_rotation,   REC_DVD },
	{ "rotation-bd", pers_rotation,    REC_BD },
	{ "quirks",      pers_quirks,      0 },
};
#define PERS_NKEYS (sizeof(pers_keys) / sizeof(pers_keys[0]))
_Static_assert(PERS_NKEYS <= PERS_MAX_KEYS, "pers_parse.seen is too small");

static size_t pers_key_index(const char *key)
{
	for (size_t i = 0; i < PERS_NKEYS; i++)
		if (strcmp(pers_keys[i].key, key) == 0)
			return i;
	return PERS_NKEYS;
}

static char *pers_trim(char *b, char *e)
{
	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*e = 0;
	return b;
}

static int pers_line(struct pers_parse *s, char *line)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = 0;
	char *eq = strchr(line, '=');
	char *all = pers_trim(line, line + strlen(line));
	if (!*all)
		return 0;
	if (!eq)
		return pers_error(s, s->line, "expected 'key = value', got '%s'", all);
	char *key = pers_trim(line, eq);
	char *val = pers_trim(eq + 1, eq + 1 + strlen(eq + 1));
	size_t k = pers_key_index(key);
	if (!*key)
		return pers_error(s, s->line, "expected a key before '='");
	if (k == PERS_NKEYS) {
		char list[384] = "";
		size_t len = 0;
		for (size_t i = 0; i < PERS_NKEYS; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
						i ? " " : "", pers_keys[i].key);
		return pers_error(s, s->line, "unknown key '%s' (expected one of: %s)", key, list);
	}
	if (s->seen[k])
		return pers_error(s, s->line, "duplicate key '%s' (first given on line %u)", key,
				  s->seen[k]);
	s->seen[k] = s->line;
	if (!*val)
		return pers_error(s, s->line, "key '%s' has no value", key);
	return pers_keys[k].fn(s, pers_keys[k].arg, val);
}

/* Rules between keys, once the whole file is read. */
static int pers_check(struct pers_parse *s)
{
	const struct sim_personality *p = &s->p;
	static const char *const fam_keys[][3] = {
		{ "buffer-cd", "speeds-cd", "rotation-cd" },
		{ "buffer-dvd", "speeds-dvd", "rotation-dvd" },
		{ "buffer-bd", "speeds-bd", "rotation-bd" },
	};
	for (int f = 0; f < SIM_PERS_FAMILIES; f++) {
		if (sim_personality_takes_family(p, (enum rec_family)f))
			continue;
		for (size_t j = 0; j < 3; j++) {
			unsigned line = s->seen[pers_key_index(fam_keys[f][j])];
			if (line)
				return pers_error(s, line, "%s is given but media lists no %s medium",
						  fam_keys[f][j], pers_family_names[f]);
		}
	}
	/* Each writable medium needs a write type it can use (recorder.c's table):
	 * CD-R/RW TAO, SAO or RAW; DVD-R/RW packet or SAO. */
	unsigned wt_line = s->seen[pers_key_index("write-types")];
	unsigned media_line = s->seen[pers_key_index("media")];
	for (size_t i = 0; i < rec_media_count; i++) {
		const struct rec_media *m = &rec_media_table[i];
		if (!m->needs_page05 || !m->writable || !sim_personality_has_medium(p, m->name))
			continue;
		if (!(m->write_types & p->write_types))
			return pers_error(s, wt_line ? wt_line : media_line,
					  "the drive takes %s but write-types has none of its "
					  "write types (%s)", m->name,
					  m->family == REC_CD ? "tao, sao, raw" : "packet, sao");
	}
	return 0;
}

/* The base name of path without ".drive". */
static void pers_default_name(const char *path, char *name, size_t cap)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	size_t n = strlen(b);
	if (n > 6 && strcmp(b + n - 6, ".drive") == 0)
		n -= 6;
	if (n >= cap)
		n = cap - 1;
	memcpy(name, b, n);
	name[n] = 0;
}

int sim_personality_load(const char *path, struct sim_personality *p, char *err,
			 size_t errlen)
{
	struct pers_parse s = { .path = path, .err = err, .errlen = errlen, .p = *p };
	int rc = 0;

	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open the drive personality: %s", path,
			 strerror(errno));
		return -1;
	}
	pers_default_name(path, s.p.name, sizeof(s.p.name));
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	while (rc == 0 && (n = getline(&buf, &cap, f)) >= 0) {
		s.line++;
		if (n && buf[n - 1] == '\n')
			buf[--n] = 0;
		if (n && buf[n - 1] == '\r')
			buf[--n] = 0;
		if (n > PERS_LINE_MAX)
			rc = pers_error(&s, s.line, "line longer than %d characters", PERS_LINE_MAX);
		else if (strlen(buf) != (size_t)n)
			rc = pers_error(&s, s.line, "expected text, found a NUL byte");
		else
			rc = pers_line(&s, buf);
	}
	free(buf);
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	if (rc == 0)
		rc = pers_check(&s);
	if (rc == 0)
		*p = s.p;
	return rc;
}
