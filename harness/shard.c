/* harness/shard.c - shard selection and CI environments (doc/scale.md). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "shard.h"

/* A whole decimal number in [lo, hi]; false for anything else ("", "3x", "-0"...). */
static bool parse_num(const char *t, long lo, long hi, long *out)
{
	if (!t || *t < '0' || *t > '9')
		return false;
	char *end;
	errno = 0;
	long v = strtol(t, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

int hrn_shard_parse(const char *text, struct hrn_shard *s, char *err, size_t errlen)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	long k, n;
	char kbuf[16];
	if (slash && (size_t)(slash - text) < sizeof(kbuf)) {
		memcpy(kbuf, text, (size_t)(slash - text));
		kbuf[slash - text] = '\0';
		if (parse_num(slash + 1, 1, HRN_SHARD_MAX, &n) && parse_num(kbuf, 1, n, &k)) {
			*s = (struct hrn_shard){ .k = (int)k, .n = (int)n };
			return 0;
		}
	}
	snprintf(err, errlen, "'%s' is not K/N with 1 <= K <= N <= %d", text ? text : "", HRN_SHARD_MAX);
	return -1;
}

/* Shard from a 0- or 1-based index variable and a total variable. */
static int from_pair(const char *(*get)(const char *), const char *ivar, const char *nvar,
		     int base, struct hrn_shard *s, char *err, size_t errlen)
{
	const char *it = get(ivar), *nt = get(nvar);
	long i, n;
	if (!nt || !*nt) {
		snprintf(err, errlen, "%s=%s is set but %s is not (the number of shards)", ivar, it, nvar);
		return -1;
	}
	if (!parse_num(nt, 1, HRN_SHARD_MAX, &n)) {
		snprintf(err, errlen, "%s='%s' is not a number of shards 1..%d", nvar, nt, HRN_SHARD_MAX);
		return -1;
	}
	if (!parse_num(it, base, n - 1 + base, &i)) {
		snprintf(err, errlen, "%s='%s' is not an index %d..%ld (%s=%ld)", ivar, it, base,
			 n - 1 + base, nvar, n);
		return -1;
	}
	*s = (struct hrn_shard){ .k = (int)(i - base + 1), .n = (int)n };
	return 0;
}

static bool set(const char *(*get)(const char *), const char *var)
{
	const char *v = get(var);
	return v && *v;
}

int hrn_shard_from_env(const char *(*get)(const char *name), struct hrn_shard *s,
		       char *err, size_t errlen)
{
	if (set(get, "HARNESS_SHARD")) {
		char why[128];
		if (hrn_shard_parse(get("HARNESS_SHARD"), s, why, sizeof(why)) == 0)
			return 0;
		snprintf(err, errlen, "HARNESS_SHARD: %s", why);
		return -1;
	}
	if (set(get, "HARNESS_SHARD_INDEX"))
		return from_pair(get, "HARNESS_SHARD_INDEX", "HARNESS_SHARD_TOTAL", 0, s, err, errlen);
	if (set(get, "CI_NODE_INDEX"))
		return from_pair(get, "CI_NODE_INDEX", "CI_NODE_TOTAL", 1, s, err, errlen);
	if (set(get, "JOB_COMPLETION_INDEX"))
		return from_pair(get, "JOB_COMPLETION_INDEX", "HARNESS_SHARD_TOTAL", 0, s, err, errlen);
	snprintf(err, errlen, "no shard in the environment: set HARNESS_SHARD=K/N, "
		 "HARNESS_SHARD_INDEX and HARNESS_SHARD_TOTAL, GitLab's CI_NODE_INDEX and "
		 "CI_NODE_TOTAL, or a Kubernetes JOB_COMPLETION_INDEX with HARNESS_SHARD_TOTAL");
	return -1;
}

bool hrn_shard_has(const struct hrn_shard *s, int i)
{
	return i % s->n == s->k - 1;
}

int hrn_shard_count(const struct hrn_shard *s, int total)
{
	return total >= s->k ? (total - s->k) / s->n + 1 : 0;
}

int hrn_shard_index(const struct hrn_shard *s, int j)
{
	return s->k - 1 + j * s->n;
}

uint32_t hrn_shard_suite_id(char *const *paths, int n)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	for (int i = 0; i < n; i++) {
		const char *b = strrchr(paths[i], '/');
		b = b ? b + 1 : paths[i];
		crc = crc32(crc, (const Bytef *)b, (uInt)strlen(b));
		crc = crc32(crc, (const Bytef *)"\n", 1);
	}
	return (uint32_t)crc;
}
