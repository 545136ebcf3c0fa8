/* harness/report-line.h - the TAP shard line, shared by the writer (report.c) and the
 * reader (report-read.c) of harness/report.h so the two cannot drift apart. */
#ifndef HRN_REPORT_LINE_H
#define HRN_REPORT_LINE_H

#include <inttypes.h>

#define HRN_SHARD_LINE "# harness shard %d/%d of %d scenarios, suite %08" PRIx32
#define HRN_SHARD_SCAN "# harness shard %d/%d of %d scenarios, suite %8" SCNx32 "%c"

#endif
