/* engine/cuesheet.c - CUE sheets (cuesheet.h).  A line-oriented parser: one command a
 * line, table-driven; every error names the file and the line. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cuesheet.h"
#include "wav.h"

static const struct {
	const char *name;
	enum cue_type type;
	int bytes;
} types[] = {
	{ "AUDIO", CUE_AUDIO, 2352 }, { "MODE1/2048", CUE_MODE1_2048, 2048 },
	{ "MODE1/2352", CUE_MODE1_2352, 2352 }, { "MODE2/2336", CUE_MODE2_2336, 2336 },
	{ "MODE2/2352", CUE_MODE2_2352, 2352 },
};

int cue_sector_bytes(enum cue_type t)
{
	return types[t].bytes;
}

const char *cue_type_name(enum cue_type t)
{
	return types[t].name;
}

struct parser {
	struct cue_sheet *cs;
	char *err;
	size_t errlen;
	int line;
	char *words[8];
	int nwords;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *p, const char *fmt, ...)
{
	int n = p->line ? snprintf(p->err, p->errlen, "%s:%d: ", p->cs->path, p->line)
			: snprintf(p->err, p->errlen, "%s: ", p->cs->path);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* mm:ss:ff as sectors (75 a second); -1 when malformed. */
static int64_t msf(const char *s)
{
	unsigned m, sec, f;
	char end;
	if (sscanf(s, "%u:%u:%u%c", &m, &sec, &f, &end) != 3 || sec > 59 || f > 74)
		return -1;
	return ((int64_t)m * 60 + sec) * 75 + f;
}

static struct cue_track *current(struct parser *p)
{
	return p->cs->ntracks ? &p->cs->tracks[p->cs->ntracks - 1] : NULL;
}

static int need_track(struct parser *p, const char *cmd, struct cue_track **t)
{
	*t = current(p);
	return *t ? 0 : fail(p, "%s before the first TRACK", cmd);
}

static int cmd_catalog(struct parser *p)
{
	const char *v = p->words[1];
	if (p->nwords != 2 || strlen(v) != 13 || strspn(v, "0123456789") != 13)
		return fail(p, "CATALOG needs 13 digits (the media catalog number)");
	memcpy(p->cs->catalog, v, 14);
	return 0;
}

static int cmd_file(struct parser *p)
{
	static const char *const formats[] = { "BINARY", "MOTOROLA", "WAVE" };
	struct cue_sheet *cs = p->cs;
	if (p->nwords != 3)
		return fail(p, "FILE needs a name and a type (FILE \"name.bin\" BINARY)");
	if (cs->nfiles == CUE_MAX_TRACKS)
		return fail(p, "more than %d FILE lines", CUE_MAX_TRACKS);
	struct cue_file *f = &cs->files[cs->nfiles];
	int fmt = -1;
	for (int i = 0; i < 3; i++)
		if (strcmp(p->words[2], formats[i]) == 0)
			fmt = i;
	if (fmt < 0)
		return fail(p, "file type %s is not read (BINARY, MOTOROLA or WAVE)", p->words[2]);
	f->format = (enum cue_file_format)fmt;
	/* A relative name is the CUE file's neighbour. */
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", cs->path);
	char *slash = strrchr(dir, '/');
	if (p->words[1][0] != '/' && slash) {
		*slash = '\0';
		if ((size_t)snprintf(f->path, sizeof(f->path), "%.*s/%s", PATH_MAX / 2, dir,
				     p->words[1]) >= sizeof(f->path))
			return fail(p, "the file name is too long");
	} else {
		snprintf(f->path, sizeof(f->path), "%s", p->words[1]);
	}
	if (f->format == CUE_WAVE) {
		struct wav_info wi;
		char werr[512];
		if (wav_open(f->path, &wi, werr, sizeof(werr)) != 0)
			return fail(p, "%s", werr);
		f->data_offset = wi.data_offset;
		f->bytes = wi.data_bytes;
	} else {
		struct stat st;
		if (stat(f->path, &st) != 0)
			return fail(p, "%s: %s", f->path, strerror(errno));
		f->data_offset = 0;
		f->bytes = (uint64_t)st.st_size;
	}
	cs->nfiles++;
	return 0;
}

static int cmd_track(struct parser *p)
{
	struct cue_sheet *cs = p->cs;
	if (p->nwords != 3)
		return fail(p, "TRACK needs a number and a type (TRACK 01 AUDIO)");
	if (!cs->nfiles)
		return fail(p, "TRACK before the first FILE");
	char *end;
	long n = strtol(p->words[1], &end, 10);
	if (*end || n < 1 || n > 99)
		return fail(p, "track number %s is not 1..99", p->words[1]);
	if (n != cs->ntracks + 1)
		return fail(p, "track %ld follows track %d (tracks are numbered 1, 2, ... in order)",
			    n, cs->ntracks);
	int type = -1;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(p->words[2], types[i].name) == 0)
			type = (int)i;
	if (type < 0)
		return fail(p, "track type %s is not written (AUDIO, MODE1/2048, MODE1/2352, "
			    "MODE2/2336 or MODE2/2352)", p->words[2]);
	struct cue_track *t = &cs->tracks[cs->ntracks++];
	memset(t, 0, sizeof(*t));
	t->number = (int)n;
	t->type = (enum cue_type)type;
	t->file = cs->nfiles - 1;
	t->line = p->line;
	for (int i = 0; i < CUE_MAX_INDEX; i++)
		t->index[i] = -1;
	if (cs->files[t->file].format == CUE_WAVE && t->type != CUE_AUDIO)
		return fail(p, "a WAVE file holds audio tracks only");
	return 0;
}

static int cmd_index(struct parser *p)
{
	struct cue_track *t;
	if (need_track(p, "INDEX", &t))
		return -1;
	char *end;
	long n = strtol(p->nwords == 3 ? p->words[1] : "", &end, 10);
	int64_t at = p->nwords == 3 ? msf(p->words[2]) : -1;
	if (p->nwords != 3 || *end || n < 0 || n > 99 || at < 0)
		return fail(p, "INDEX needs a number 00..99 and an address mm:ss:ff");
	if (t->index[n] >= 0)
		return fail(p, "INDEX %02ld given twice", n);
	for (long k = n + 1; k < CUE_MAX_INDEX; k++)
		if (t->index[k] >= 0)
			return fail(p, "INDEX %02ld after INDEX %02ld (indices ascend)", n, k);
	for (long k = n - 1; k >= 0; k--)
		if (t->index[k] >= 0 && t->index[k] > at)
			return fail(p, "INDEX %02ld at %s lies before INDEX %02ld", n, p->words[2], k);
	if (n >= 2 && t->index[n - 1] < 0)
		return fail(p, "INDEX %02ld without INDEX %02ld", n, n - 1);
	t->index[n] = at;
	return 0;
}

static int cmd_gap(struct parser *p)
{
	struct cue_track *t;
	if (need_track(p, p->words[0], &t))
		return -1;
	int64_t v = p->nwords == 2 ? msf(p->words[1]) : -1;
	if (v < 0 || v > 75 * 60)
		return fail(p, "%s needs a length mm:ss:ff", p->words[0]);
	if (strcmp(p->words[0], "PREGAP") == 0) {
		if (t->index[1] >= 0)
			return fail(p, "PREGAP after INDEX 01 (it comes before the track's indices)");
		t->pregap = (int32_t)v;
	} else {
		t->postgap = (int32_t)v;
	}
	return 0;
}

static int cmd_flags(struct parser *p)
{
	struct cue_track *t;
	if (need_track(p, "FLAGS", &t))
		return -1;
	for (int i = 1; i < p->nwords; i++) {
		const char *w = p->words[i];
		if (!strcmp(w, "DCP"))
			t->dcp = true;
		else if (!strcmp(w, "PRE"))
			t->pre = true;
		else if (!strcmp(w, "4CH"))
			t->four_ch = true;
		else if (!strcmp(w, "SCMS"))
			t->scms = true;
		else
			return fail(p, "FLAGS %s is unknown (DCP, PRE, 4CH, SCMS)", w);
	}
	return 0;
}

static int cmd_isrc(struct parser *p)
{
	struct cue_track *t;
	if (need_track(p, "ISRC", &t))
		return -1;
	if (p->nwords != 2 || strlen(p->words[1]) != 12)
		return fail(p, "ISRC needs 12 characters (CCOOOYYSSSSS)");
	memcpy(t->isrc, p->words[1], 13);
	return 0;
}

static int cmd_ignored(struct parser *p)
{
	(void)p;
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct parser *p);
} cmds[] = {
	{ "CATALOG", cmd_catalog }, { "FILE", cmd_file }, { "TRACK", cmd_track },
	{ "INDEX", cmd_index }, { "PREGAP", cmd_gap }, { "POSTGAP", cmd_gap },
	{ "FLAGS", cmd_flags }, { "ISRC", cmd_isrc }, { "REM", cmd_ignored },
	{ "TITLE", cmd_ignored }, { "PERFORMER", cmd_ignored }, { "SONGWRITER", cmd_ignored },
	{ "CDTEXTFILE", cmd_ignored },
};

/* Splits a line into words; "quoted strings" are one word. */
static int split(struct parser *p, char *s)
{
	p->nwords = 0;
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		if (p->nwords == 8)
			return fail(p, "too many words");
		if (*s == '"') {
			char *q = strchr(s + 1, '"');
			if (!q)
				return fail(p, "a quoted name is not closed");
			*q = '\0';
			p->words[p->nwords++] = s + 1;
			s = q + 1;
		} else {
			p->words[p->nwords++] = s;
			while (*s && !isspace((unsigned char)*s))
				s++;
			if (*s)
				*s++ = '\0';
		}
	}
	return 0;
}

/* Where each track's sectors start and end in its file, and that the file holds them:
 * a track's bytes begin where the sectors of the track before it in the same file end. */
static int finish(struct parser *p)
{
	struct cue_sheet *cs = p->cs;
	p->line = 0;
	if (cs->ntracks == 0)
		return fail(p, "no TRACK");
	for (int i = 0; i < cs->ntracks; i++) {
		struct cue_track *t = &cs->tracks[i];
		const struct cue_track *prev = i ? &cs->tracks[i - 1] : NULL;
		p->line = t->line;
		if (t->index[1] < 0)
			return fail(p, "track %d has no INDEX 01", t->number);
		t->first = t->index[0] >= 0 ? t->index[0] : t->index[1];
		if (prev && prev->file == t->file) {
			if (t->first < prev->first)
				return fail(p, "track %d starts before track %d in the file",
					    t->number, prev->number);
			t->byte_first = prev->byte_first + (uint64_t)(t->first - prev->first) *
					(uint64_t)cue_sector_bytes(prev->type);
		} else {
			t->byte_first = (uint64_t)t->first * (uint64_t)cue_sector_bytes(t->type);
		}
	}
	for (int i = 0; i < cs->ntracks; i++) {
		struct cue_track *t = &cs->tracks[i];
		const struct cue_file *f = &cs->files[t->file];
		const struct cue_track *next = i + 1 < cs->ntracks ? &cs->tracks[i + 1] : NULL;
		uint64_t bps = (uint64_t)cue_sector_bytes(t->type);
		p->line = t->line;
		if (t->byte_first > f->bytes)
			return fail(p, "track %d starts past the end of %s", t->number, f->path);
		if (next && next->file == t->file) {
			t->end = next->first;
		} else {
			uint64_t left = f->bytes - t->byte_first;
			if (left % bps)
				return fail(p, "%s holds %llu bytes from track %d on, not whole %llu-byte "
					    "sectors (%s)", f->path, (unsigned long long)left, t->number,
					    (unsigned long long)bps, cue_type_name(t->type));
			t->end = t->first + (int64_t)(left / bps);
		}
		if (t->end <= t->index[1])
			return fail(p, "track %d has no sectors (INDEX 01 at or after its end)",
				    t->number);
		if (t->byte_first + (uint64_t)(t->end - t->first) * bps > f->bytes)
			return fail(p, "track %d ends past the end of %s", t->number, f->path);
	}
	return 0;
}

int cue_parse(const char *path, struct cue_sheet *cs, char *err, size_t errlen)
{
	memset(cs, 0, sizeof(*cs));
	snprintf(cs->path, sizeof(cs->path), "%s", path);
	struct parser p = { cs, err, errlen, 0, { NULL }, 0 };
	FILE *fp = fopen(path, "r");
	if (!fp)
		return fail(&p, "%s", strerror(errno));
	char line[1024];
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), fp)) {
		p.line++;
		line[strcspn(line, "\r\n")] = '\0';
		if (p.line == 1 && (unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB &&
		    (unsigned char)line[2] == 0xBF)
			memmove(line, line + 3, strlen(line + 3) + 1);	/* UTF-8 BOM */
		if ((rc = split(&p, line)) != 0 || p.nwords == 0)
			continue;
		size_t k = 0;
		while (k < sizeof(cmds) / sizeof(cmds[0]) && strcmp(cmds[k].name, p.words[0]))
			k++;
		rc = k < sizeof(cmds) / sizeof(cmds[0]) ? cmds[k].fn(&p)
							: fail(&p, "unknown command %s", p.words[0]);
	}
	fclose(fp);
	return rc ? rc : finish(&p);
}
