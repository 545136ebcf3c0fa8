/* harness/merge.c - `harness merge` (doc/scale.md, harness/merge.h). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "shard.h"

int hrn_merge_check(const struct hrn_report_in *reports, char *const *paths, size_t n,
		    const struct hrn_case ***order, int *total, char *err, size_t errlen)
{
	if (n == 0) {
		snprintf(err, errlen, "no report given");
		return -1;
	}
	const struct hrn_report_shard *s0 = &reports[0].shard;
	for (size_t i = 0; i < n; i++) {
		const struct hrn_report_in *r = &reports[i];
		const struct hrn_report_shard *s = &r->shard;
		if (!r->has_shard) {
			snprintf(err, errlen, "%s: no shard line (not a report of harness run, or of one older than harness merge)", paths[i]);
			return -1;
		}
		if (r->junit != reports[0].junit) {
			snprintf(err, errlen, "%s and %s: one is TAP, the other JUnit; merge one kind",
				 paths[0], paths[i]);
			return -1;
		}
		if (s->n != s0->n || s->total != s0->total || s->suite != s0->suite) {
			snprintf(err, errlen, "%s (shard %d/%d of %d scenarios, suite %08x) and %s "
				 "(shard %d/%d of %d, suite %08x) are not shards of one run",
				 paths[0], s0->k, s0->n, s0->total, (unsigned)s0->suite, paths[i], s->k, s->n,
				 s->total, (unsigned)s->suite);
			return -1;
		}
		struct hrn_shard sh = { .k = s->k, .n = s->n };
		if (s->k < 1 || s->k > s->n || s->total < 0) {
			snprintf(err, errlen, "%s: bad shard %d/%d", paths[i], s->k, s->n);
			return -1;
		}
		int want = hrn_shard_count(&sh, s->total);
		if ((size_t)want != r->ncases) {
			snprintf(err, errlen, "%s: shard %d/%d of %d scenarios has %zu cases, expected %d",
				 paths[i], s->k, s->n, s->total, r->ncases, want);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (reports[j].shard.k == s->k) {
				snprintf(err, errlen, "overlap: %s and %s are both shard %d/%d", paths[j],
					 paths[i], s->k, s->n);
				return -1;
			}
	}
	if ((int)n != s0->n) {
		/* n < N here (n > N would have overlapped): name what is missing. */
		size_t len = (size_t)snprintf(err, errlen, "gap: shard");
		int missing = 0;
		for (int k = 1; k <= s0->n && len < errlen; k++) {
			bool have = false;
			for (size_t i = 0; i < n && !have; i++)
				have = reports[i].shard.k == k;
			if (!have)
				len += (size_t)snprintf(err + len, errlen - len, "%s %d/%d", missing++ ? "," : "",
							k, s0->n);
		}
		if (len < errlen)
			snprintf(err + len, errlen - len, " missing (%zu of %d reports given)", n, s0->n);
		return -1;
	}
	const struct hrn_case **o = calloc((size_t)s0->total + 1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct hrn_shard sh = { .k = reports[i].shard.k, .n = reports[i].shard.n };
		for (size_t j = 0; j < reports[i].ncases; j++)
			o[hrn_shard_index(&sh, (int)j)] = &reports[i].cases[j];
	}
	*order = o;
	*total = s0->total;
	return 0;
}

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "harness merge: %s\n", msg);
	fputs("Usage: harness merge [--junit FILE] REPORT...\n"
	      "Merges the TAP (or the JUnit) reports of `harness run --shard K/N` into one: TAP on\n"
	      "stdout, JUnit in FILE.  doc/scale.md.\n", stderr);
	return 2;
}

int hrn_merge_main(int argc, char **argv)
{
	const char *junit = NULL;
	static const struct option lo[] = {
		{ "junit", required_argument, NULL, 'J' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		switch (ch) {
		case 'J': junit = optarg; break;
		case 'h': usage(NULL); return 0;
		default: return usage(NULL);
		}
	}
	size_t n = (size_t)(argc - optind);
	if (n == 0)
		return usage("no report given");
	char *const *paths = argv + optind;
	struct hrn_report_in *in = calloc(n, sizeof(*in));
	char err[1024];
	int rc = 2;
	size_t nread = 0;
	for (; nread < n; nread++)
		if (hrn_report_read(paths[nread], &in[nread], err, sizeof(err)) != 0) {
			fprintf(stderr, "harness merge: %s\n", err);
			goto out;
		}
	const struct hrn_case **order;
	int total;
	if (hrn_merge_check(in, paths, n, &order, &total, err, sizeof(err)) != 0) {
		fprintf(stderr, "harness merge: %s\n", err);
		goto out;
	}
	struct hrn_report *rep = hrn_report_new(stdout, junit);
	struct hrn_report_shard whole = { .k = 1, .n = 1, .total = total, .suite = in[0].shard.suite };
	hrn_report_set_shard(rep, &whole);
	hrn_report_begin_suite(rep, "harness", total);
	for (int i = 0; i < total; i++) {
		const struct hrn_case *c = order[i];
		hrn_report_case(rep, c->name, c->classname[0] ? c->classname : "harness", c->result,
				c->message, c->seconds);
	}
	int failed = hrn_report_failed(rep);
	printf("# %d scenarios from %zu shards: %d passed, %d failed, %d skipped\n", total, n,
	       hrn_report_count(rep, HRN_PASS), failed, hrn_report_count(rep, HRN_SKIP));
	int jr = hrn_report_end(rep);
	hrn_report_free(rep);
	free(order);
	rc = jr ? 2 : failed ? 1 : 0;
out:
	for (size_t i = 0; i < nread; i++)
		hrn_report_in_free(&in[i]);
	free(in);
	return rc;
}
