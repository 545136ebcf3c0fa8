/* chd/cdmeta.c - CD track metadata: the CHT2 text chdman writes (MAME
 * src/lib/util/chd.cpp, CDROM_TRACK_METADATA2_FORMAT) and the older CHTR form without
 * the pregap fields.  Parsing is strict: every field in its place, names from MAME's
 * lists, numbers in range; trailing NULs (chdman stores one) are allowed. */
#include <stdio.h>
#include <string.h>

#include "chdint.h"

static const char *const track_types[] = {
	"MODE1", "MODE1_RAW", "MODE2", "MODE2_FORM1", "MODE2_FORM2", "MODE2_FORM_MIX", "MODE2_RAW", "AUDIO",
};
static const char *const sub_types[] = { "RW", "RW_RAW", "NONE" };

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

struct cursor {
	const char *p, *end;
};

/* "NAME:" at the cursor. */
static bool key(struct cursor *c, const char *name)
{
	size_t n = strlen(name);

	if ((size_t)(c->end - c->p) < n + 1 || memcmp(c->p, name, n) != 0 || c->p[n] != ':')
		return false;
	c->p += n + 1;
	return true;
}

/* A decimal number up to MAX. */
static bool number(struct cursor *c, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	const char *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		v = v * 10 + (uint64_t)(*c->p - '0');
		if (v > max)
			return false;
		c->p++;
	}
	*out = (uint32_t)v;
	return c->p != start;
}

/* A word (no space, no NUL) into BUF of SIZE. */
static bool word(struct cursor *c, char *buf, size_t size)
{
	size_t n = 0;

	while (c->p + n < c->end && c->p[n] != ' ' && c->p[n] != '\0')
		n++;
	if (n == 0 || n >= size)
		return false;
	memcpy(buf, c->p, n);
	buf[n] = '\0';
	c->p += n;
	return true;
}

static bool space(struct cursor *c)
{
	if (c->p < c->end && *c->p == ' ') {
		c->p++;
		return true;
	}
	return false;
}

static bool at_end(struct cursor *c)
{
	while (c->p < c->end && *c->p == '\0')
		c->p++;
	return c->p == c->end;
}

int chd_cd_track_parse(const char *text, size_t len, struct chd_cd_track *t, struct chd_err *err)
{
	struct cursor c = { text, text + len };
	uint32_t number_v = 0, frames = 0;
	const char *what;

	memset(t, 0, sizeof(*t));
	what = "TRACK:n";
	if (!key(&c, "TRACK") || !number(&c, 99, &number_v) || number_v < 1)
		goto bad;
	t->number = (int)number_v;
	what = "TYPE:";
	if (!space(&c) || !key(&c, "TYPE") || !word(&c, t->type, sizeof(t->type)) ||
	    !in_list(t->type, track_types, sizeof(track_types) / sizeof(track_types[0])))
		goto bad;
	what = "SUBTYPE:";
	if (!space(&c) || !key(&c, "SUBTYPE") || !word(&c, t->subtype, sizeof(t->subtype)) ||
	    !in_list(t->subtype, sub_types, sizeof(sub_types) / sizeof(sub_types[0])))
		goto bad;
	what = "FRAMES:n";
	/* 100 minutes of frames is more than any CD. */
	if (!space(&c) || !key(&c, "FRAMES") || !number(&c, 100 * 60 * 75, &frames))
		goto bad;
	t->frames = frames;
	/* The older CHTR text ends here: no pregap stored. */
	snprintf(t->pgtype, sizeof(t->pgtype), "MODE1");
	snprintf(t->pgsub, sizeof(t->pgsub), "NONE");
	if (at_end(&c))
		return CHD_OK;
	what = "PREGAP:n";
	if (!space(&c) || !key(&c, "PREGAP") || !number(&c, 100 * 60 * 75, &t->pregap))
		goto bad;
	what = "PGTYPE:";
	if (!space(&c) || !key(&c, "PGTYPE") || !word(&c, t->pgtype, sizeof(t->pgtype)) ||
	    !in_list(t->pgtype[0] == 'V' ? t->pgtype + 1 : t->pgtype, track_types,
		     sizeof(track_types) / sizeof(track_types[0])))
		goto bad;
	what = "PGSUB:";
	if (!space(&c) || !key(&c, "PGSUB") || !word(&c, t->pgsub, sizeof(t->pgsub)) ||
	    !in_list(t->pgsub, sub_types, sizeof(sub_types) / sizeof(sub_types[0])))
		goto bad;
	what = "POSTGAP:n";
	if (!space(&c) || !key(&c, "POSTGAP") || !number(&c, 100 * 60 * 75, &t->postgap))
		goto bad;
	what = "the end of the text";
	if (!at_end(&c))
		goto bad;
	return CHD_OK;
bad:
	return chd_fail(err, CHD_EFORMAT, -1, "CD track metadata: expected %s at character %zu of \"%.*s\"",
			what, (size_t)(c.p - text), (int)(len > 120 ? 120 : len), text);
}

int chd_cd_track_format(const struct chd_cd_track *t, char *buf, size_t size)
{
	int n = snprintf(buf, size, "TRACK:%d TYPE:%s SUBTYPE:%s FRAMES:%u PREGAP:%u PGTYPE:%s PGSUB:%s POSTGAP:%u",
			 t->number, t->type, t->subtype, t->frames, t->pregap, t->pgtype, t->pgsub, t->postgap);

	return n < 0 || (size_t)n >= size ? -1 : n;
}
