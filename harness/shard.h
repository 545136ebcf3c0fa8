/* harness/shard.h - which part of a suite a run takes (`harness run --shard`), and
 * how a CI system's environment names it (doc/scale.md).
 *
 * A suite of T scenarios in run order is split into N shards: the scenario of 0-based
 * index i belongs to shard K when i % N == K - 1.  Every shard's report names K/N, T
 * and the suite's identity, so `harness merge` can refuse overlaps and gaps.
 */
#ifndef HRN_SHARD_H
#define HRN_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hrn_shard {
	int k, n;		/* shard k of n, 1 <= k <= n */
};

/* "K/N" with 1 <= K <= N <= HRN_SHARD_MAX.  Returns 0, or -1 (err says why). */
#define HRN_SHARD_MAX 100000
int hrn_shard_parse(const char *text, struct hrn_shard *s, char *err, size_t errlen);

/* The shard a CI job is, from its environment; get is getenv in the program and a
 * table in the tests.  In order, the first that is set wins:
 *   HARNESS_SHARD=K/N                            any system, set by hand
 *   HARNESS_SHARD_INDEX=i, HARNESS_SHARD_TOTAL=N  0-based: GitHub Actions' matrix
 *                                                (strategy.job-index/job-total)
 *   CI_NODE_INDEX=K, CI_NODE_TOTAL=N              GitLab CI `parallel:` (1-based)
 *   JOB_COMPLETION_INDEX=i with HARNESS_SHARD_TOTAL=N   a Kubernetes Indexed Job
 *                                                (0-based; the total is the Job's
 *                                                completions, which Kubernetes does
 *                                                not put in the environment)
 * Returns 0, or -1 with err naming the variable that is missing or wrong. */
int hrn_shard_from_env(const char *(*get)(const char *name), struct hrn_shard *s,
		       char *err, size_t errlen);

/* Whether the scenario of 0-based index i is in the shard. */
bool hrn_shard_has(const struct hrn_shard *s, int i);

/* How many of a suite of total scenarios the shard takes. */
int hrn_shard_count(const struct hrn_shard *s, int total);

/* The 0-based suite index of the shard's j-th (0-based) scenario. */
int hrn_shard_index(const struct hrn_shard *s, int j);

/* The suite's identity: CRC-32 of the file names (without directories) of all its
 * scenarios in run order, one per line - equal on every machine that checks out the
 * same suite, different when a shard ran another list. */
uint32_t hrn_shard_suite_id(char *const *paths, int n);

#endif
