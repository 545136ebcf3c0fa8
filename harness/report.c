/* harness/report.c - TAP 13 and JUnit XML writers (doc/harness.md section 8). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report-line.h"

struct hrn_report {
	FILE *tap;
	char *junit_path;
	char *suite;
	struct hrn_case *cases;
	size_t ncases, cap;
	int counts[3];
	bool has_shard;
	struct hrn_report_shard shard;
};

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

struct hrn_report *hrn_report_new(FILE *tap, const char *junit_path)
{
	struct hrn_report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->tap = tap;
	if (junit_path && !(r->junit_path = strdup(junit_path))) {
		free(r);
		return NULL;
	}
	return r;
}

void hrn_report_set_shard(struct hrn_report *r, const struct hrn_report_shard *sh)
{
	r->shard = *sh;
	r->has_shard = true;
}

void hrn_report_begin_suite(struct hrn_report *r, const char *suite, int planned)
{
	free(r->suite);
	r->suite = xstrdup(suite);
	if (r->tap) {
		fprintf(r->tap, "TAP version 13\n1..%d\n", planned);
		if (r->has_shard)
			fprintf(r->tap, HRN_SHARD_LINE "\n", r->shard.k, r->shard.n, r->shard.total,
				r->shard.suite);
		fflush(r->tap);
	}
}

/* Each line of a message as a TAP diagnostic line. */
static void tap_diag(FILE *f, const char *msg)
{
	const char *p = msg;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(f, "#   %.*s\n", (int)n, p);
		p = nl ? nl + 1 : NULL;
	}
}

void hrn_report_case(struct hrn_report *r, const char *name, const char *classname,
		     enum hrn_result result, const char *message, double seconds)
{
	if (r->ncases == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct hrn_case *c = realloc(r->cases, cap * sizeof(*c));
		if (!c)
			return;
		r->cases = c;
		r->cap = cap;
	}
	struct hrn_case *c = &r->cases[r->ncases++];
	c->name = xstrdup(name);
	c->classname = xstrdup(classname);
	c->message = xstrdup(message);
	c->result = result;
	c->seconds = seconds;
	r->counts[result]++;
	if (!r->tap)
		return;
	if (result == HRN_SKIP) {
		/* the reason's first line goes on the test line */
		const char *nl = c->message ? strchr(c->message, '\n') : NULL;
		int n = nl ? (int)(nl - c->message) : (int)strlen(c->message);
		fprintf(r->tap, "ok %zu - %s # SKIP %.*s\n", r->ncases, c->name, n, c->message);
		if (nl)
			tap_diag(r->tap, nl + 1);
	} else {
		fprintf(r->tap, "%s %zu - %s\n", result == HRN_PASS ? "ok" : "not ok", r->ncases,
			c->name);
		if (c->message[0])
			tap_diag(r->tap, c->message);
	}
	fflush(r->tap);
}

int hrn_report_failed(const struct hrn_report *r)
{
	return r->counts[HRN_FAIL];
}

int hrn_report_count(const struct hrn_report *r, enum hrn_result result)
{
	return r->counts[result];
}

/* XML-escape s for attribute values and text; control characters other than tab and
 * newline are dropped (XML 1.0 does not allow them). */
static void xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '\n': fputs("&#10;", f); break;
		case '\t': fputs("&#9;", f); break;
		default:
			if (ch >= 0x20)
				fputc(ch, f);
		}
	}
}

int hrn_report_end(struct hrn_report *r)
{
	if (!r->junit_path)
		return 0;
	FILE *f = fopen(r->junit_path, "w");
	if (!f) {
		fprintf(stderr, "harness: cannot write %s: %s\n", r->junit_path, strerror(errno));
		return -1;
	}
	double total = 0;
	for (size_t i = 0; i < r->ncases; i++)
		total += r->cases[i].seconds;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", f);
	fputs("  <testsuite name=\"", f);
	xml_escape(f, r->suite ? r->suite : "harness");
	fprintf(f, "\" tests=\"%zu\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n",
		r->ncases, r->counts[HRN_FAIL], r->counts[HRN_SKIP], total);
	if (r->has_shard)
		fprintf(f, "    <properties>\n"
			"      <property name=\"harness.shard\" value=\"%d/%d\"/>\n"
			"      <property name=\"harness.scenarios\" value=\"%d\"/>\n"
			"      <property name=\"harness.suite\" value=\"%08" PRIx32 "\"/>\n"
			"    </properties>\n", r->shard.k, r->shard.n, r->shard.total, r->shard.suite);
	for (size_t i = 0; i < r->ncases; i++) {
		const struct hrn_case *c = &r->cases[i];
		fputs("    <testcase name=\"", f);
		xml_escape(f, c->name);
		fputs("\" classname=\"", f);
		xml_escape(f, c->classname);
		fprintf(f, "\" time=\"%.3f\"", c->seconds);
		if (c->result == HRN_PASS) {
			fputs("/>\n", f);
			continue;
		}
		fputs(">\n", f);
		const char *nl = strchr(c->message, '\n');
		int n = nl ? (int)(nl - c->message) : (int)strlen(c->message);
		char *first = strndup(c->message, (size_t)n);
		fputs(c->result == HRN_FAIL ? "      <failure message=\"" : "      <skipped message=\"", f);
		xml_escape(f, first ? first : "");
		free(first);
		if (c->result == HRN_FAIL) {
			fputs("\">", f);
			xml_escape(f, c->message);
			fputs("</failure>\n", f);
		} else {
			fputs("\"/>\n", f);
		}
		fputs("    </testcase>\n", f);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		fprintf(stderr, "harness: cannot write %s\n", r->junit_path);
		return -1;
	}
	return 0;
}

void hrn_report_free(struct hrn_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ncases; i++) {
		free(r->cases[i].name);
		free(r->cases[i].classname);
		free(r->cases[i].message);
	}
	free(r->cases);
	free(r->suite);
	free(r->junit_path);
	free(r);
}
