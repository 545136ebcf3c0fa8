/* harness/merge.h - `harness merge`: the reports of N shards into one (doc/scale.md). */
#ifndef HRN_MERGE_H
#define HRN_MERGE_H

#include <stddef.h>

#include "report.h"

/* Check that reports[0..n) are the N shards of one suite, each once, each whole:
 * the same N, scenario count and suite identity, no shard twice (an overlap), none
 * missing (a gap), each with the number of cases its shard takes.  On success
 * *order gets the suite's cases in run order (pointers into the reports; free() the
 * array) and *total their number; returns 0.  Otherwise -1 and err names the files
 * and shards at fault. */
int hrn_merge_check(const struct hrn_report_in *reports, char *const *paths, size_t n,
		    const struct hrn_case ***order, int *total, char *err, size_t errlen);

int hrn_merge_main(int argc, char **argv);

#endif
