/* harness/report-read.c - reading TAP and JUnit reports of `harness run` back
 * (harness/report.h; `harness merge`, doc/scale.md).  JUnit is parsed with expat. */
#include "config.h"

#include <errno.h>
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report-line.h"

struct reader {
	struct hrn_report_in *in;
	const char *path;
	char *err;
	size_t errlen;
	bool failed;
	size_t cap;
	/* JUnit */
	XML_Parser xp;
	int depth_failure;		/* inside <failure>: collect its text */
	size_t textlen;
};

static void fail_at(struct reader *rd, long line, const char *fmt, ...)
{
	if (rd->failed)
		return;
	rd->failed = true;
	int n = snprintf(rd->err, rd->errlen, "%s:%ld: ", rd->path, line);
	if (n < 0 || (size_t)n >= rd->errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rd->err + n, rd->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static struct hrn_case *add_case(struct reader *rd, long line)
{
	struct hrn_report_in *in = rd->in;
	if (in->ncases == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 64;
		struct hrn_case *c = realloc(in->cases, cap * sizeof(*c));
		if (!c) {
			fail_at(rd, line, "out of memory");
			return NULL;
		}
		in->cases = c;
		rd->cap = cap;
	}
	struct hrn_case *c = &in->cases[in->ncases++];
	*c = (struct hrn_case){ .name = strdup(""), .classname = strdup(""), .message = strdup("") };
	return c;
}

/* s = s + add (n bytes) + tail. */
static void append(char **s, const char *add, size_t n, const char *tail)
{
	size_t have = strlen(*s), t = strlen(tail);
	char *p = realloc(*s, have + n + t + 1);
	if (!p)
		return;
	memcpy(p + have, add, n);
	memcpy(p + have + n, tail, t + 1);
	*s = p;
}

static void set_str(char **dst, const char *src, size_t n)
{
	char *p = strndup(src, n);
	if (p) {
		free(*dst);
		*dst = p;
	}
}

/* ---- TAP: the lines hrn_report writes (TAP 13 with "#   " diagnostics) ---- */

static void tap_line(struct reader *rd, char *l, long line)
{
	struct hrn_report_in *in = rd->in;
	struct hrn_report_shard sh;
	char extra;
	long num;
	int off = 0;

	if (line == 1) {
		if (strcmp(l, "TAP version 13"))
			fail_at(rd, line, "not a TAP report of harness run (no 'TAP version 13')");
		return;
	}
	if (!strncmp(l, "Bail out!", 9)) {
		fail_at(rd, line, "the run bailed out: %s", l);
		return;
	}
	if (!strncmp(l, "1..", 3)) {
		char *end;
		errno = 0;
		num = strtol(l + 3, &end, 10);
		if (errno || *end || num < 0 || in->planned >= 0)
			fail_at(rd, line, "bad or second plan '%s'", l);
		in->planned = (int)num;
		return;
	}
	if (sscanf(l, HRN_SHARD_SCAN, &sh.k, &sh.n, &sh.total, &sh.suite, &extra) == 4) {
		in->shard = sh;
		in->has_shard = true;
		return;
	}
	if (!strncmp(l, "#   ", 4)) {		/* a diagnostic of the last case */
		if (in->ncases)
			append(&in->cases[in->ncases - 1].message, l + 4, strlen(l + 4), "\n");
		return;
	}
	if (l[0] == '#' || l[0] == '\0')
		return;			/* comments: the run's summary, artefact paths */
	bool ok = !strncmp(l, "ok ", 3);
	if (!ok && strncmp(l, "not ok ", 7)) {
		fail_at(rd, line, "not a TAP line of harness run: '%s'", l);
		return;
	}
	if (sscanf(l + (ok ? 3 : 7), "%ld - %n", &num, &off) != 1 || off == 0) {
		fail_at(rd, line, "test line without number and name: '%s'", l);
		return;
	}
	if (num != (long)in->ncases + 1) {
		fail_at(rd, line, "test %ld out of order (expected %zu)", num, in->ncases + 1);
		return;
	}
	char *name = l + (ok ? 3 : 7) + off;
	struct hrn_case *c = add_case(rd, line);
	if (!c)
		return;
	char *skip = ok ? strstr(name, " # SKIP") : NULL;
	if (skip) {
		const char *why = skip + 7;
		why += *why == ' ';
		c->result = HRN_SKIP;
		append(&c->message, why, strlen(why), "\n");
		*skip = '\0';
	} else {
		c->result = ok ? HRN_PASS : HRN_FAIL;
	}
	set_str(&c->name, name, strlen(name));
}

static void read_tap(struct reader *rd, FILE *f)
{
	char *l = NULL;
	size_t cap = 0;
	ssize_t n;
	long line = 0;
	while (!rd->failed && (n = getline(&l, &cap, f)) >= 0) {
		line++;
		while (n > 0 && (l[n - 1] == '\n' || l[n - 1] == '\r'))
			l[--n] = '\0';
		tap_line(rd, l, line);
	}
	free(l);
	if (!rd->failed && rd->in->planned < 0)
		fail_at(rd, line, "no plan (a report cut short?)");
	else if (!rd->failed && (size_t)rd->in->planned != rd->in->ncases)
		fail_at(rd, line, "plan 1..%d but %zu test lines (a report cut short?)",
			rd->in->planned, rd->in->ncases);
}

/* ---- JUnit: the elements hrn_report_end writes ---- */

static const char *attr(const XML_Char **a, const char *name)
{
	for (; a && a[0]; a += 2)
		if (!strcmp(a[0], name))
			return a[1];
	return NULL;
}

static long xml_line(struct reader *rd)
{
	return (long)XML_GetCurrentLineNumber(rd->xp);
}

static void property(struct reader *rd, const char *name, const char *value)
{
	struct hrn_report_shard *sh = &rd->in->shard;
	char extra;
	int ok = 1;
	if (!name || !value)
		return;
	if (!strcmp(name, "harness.shard"))
		ok = sscanf(value, "%d/%d%c", &sh->k, &sh->n, &extra) == 2;
	else if (!strcmp(name, "harness.scenarios"))
		ok = sscanf(value, "%d%c", &sh->total, &extra) == 1;
	else if (!strcmp(name, "harness.suite"))
		ok = sscanf(value, "%8" SCNx32 "%c", &sh->suite, &extra) == 1;
	else
		return;
	if (!ok)
		fail_at(rd, xml_line(rd), "property %s has a bad value '%s'", name, value);
	rd->in->has_shard = true;
}

static void XMLCALL on_start(void *ud, const XML_Char *el, const XML_Char **a)
{
	struct reader *rd = ud;
	struct hrn_report_in *in = rd->in;
	if (rd->failed)
		return;
	if (!strcmp(el, "testsuite")) {
		const char *t = attr(a, "tests");
		if (in->planned >= 0)
			fail_at(rd, xml_line(rd), "a second <testsuite> (one suite per report)");
		in->planned = t ? atoi(t) : 0;
	} else if (!strcmp(el, "property")) {
		property(rd, attr(a, "name"), attr(a, "value"));
	} else if (!strcmp(el, "testcase")) {
		struct hrn_case *c = add_case(rd, xml_line(rd));
		if (!c)
			return;
		const char *v;
		if ((v = attr(a, "name")))
			set_str(&c->name, v, strlen(v));
		if ((v = attr(a, "classname")))
			set_str(&c->classname, v, strlen(v));
		if ((v = attr(a, "time")))
			c->seconds = strtod(v, NULL);
	} else if (!strcmp(el, "failure") || !strcmp(el, "skipped") || !strcmp(el, "error")) {
		if (!in->ncases) {
			fail_at(rd, xml_line(rd), "<%s> outside a <testcase>", el);
			return;
		}
		struct hrn_case *c = &in->cases[in->ncases - 1];
		const char *m = attr(a, "message");
		c->result = !strcmp(el, "skipped") ? HRN_SKIP : HRN_FAIL;
		set_str(&c->message, m ? m : "", m ? strlen(m) : 0);
		if (c->result == HRN_FAIL) {
			rd->depth_failure = 1;
			rd->textlen = 0;
		}
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *el)
{
	struct reader *rd = ud;
	if (strcmp(el, "failure") && strcmp(el, "error"))
		return;
	rd->depth_failure = 0;
}

/* A failure's text is the whole message (its attribute holds the first line only). */
static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct reader *rd = ud;
	if (!rd->depth_failure || rd->failed || !rd->in->ncases)
		return;
	struct hrn_case *c = &rd->in->cases[rd->in->ncases - 1];
	if (rd->textlen == 0)
		c->message[0] = '\0';
	append(&c->message, s, (size_t)len, "");
	rd->textlen += (size_t)len;
}

static void read_junit(struct reader *rd, FILE *f)
{
	rd->xp = XML_ParserCreate("UTF-8");
	if (!rd->xp) {
		fail_at(rd, 0, "out of memory");
		return;
	}
	XML_SetUserData(rd->xp, rd);
	XML_SetElementHandler(rd->xp, on_start, on_end);
	XML_SetCharacterDataHandler(rd->xp, on_text);
	char buf[65536];
	size_t n;
	do {
		n = fread(buf, 1, sizeof(buf), f);
		if (XML_Parse(rd->xp, buf, (int)n, n == 0) == XML_STATUS_ERROR) {
			fail_at(rd, xml_line(rd), "%s", XML_ErrorString(XML_GetErrorCode(rd->xp)));
			break;
		}
	} while (n > 0 && !rd->failed);
	if (!rd->failed && rd->in->planned < 0)
		fail_at(rd, xml_line(rd), "no <testsuite>");
	else if (!rd->failed && (size_t)rd->in->planned != rd->in->ncases)
		fail_at(rd, xml_line(rd), "tests=\"%d\" but %zu <testcase> elements", rd->in->planned,
			rd->in->ncases);
	XML_ParserFree(rd->xp);
}

int hrn_report_read(const char *path, struct hrn_report_in *in, char *err, size_t errlen)
{
	*in = (struct hrn_report_in){ .planned = -1 };
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct reader rd = { .in = in, .path = path, .err = err, .errlen = errlen };
	int c = fgetc(f);
	in->junit = c == '<';
	if (c != EOF)
		ungetc(c, f);
	if (in->junit)
		read_junit(&rd, f);
	else
		read_tap(&rd, f);
	if (!rd.failed && ferror(f))
		fail_at(&rd, 0, "read error");
	fclose(f);
	if (rd.failed) {
		hrn_report_in_free(in);
		return -1;
	}
	return 0;
}

void hrn_report_in_free(struct hrn_report_in *in)
{
	for (size_t i = 0; i < in->ncases; i++) {
		free(in->cases[i].name);
		free(in->cases[i].classname);
		free(in->cases[i].message);
	}
	free(in->cases);
	*in = (struct hrn_report_in){ .planned = -1 };
}
