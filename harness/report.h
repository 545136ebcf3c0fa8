/* harness/report.h - TAP 13 and JUnit XML reports (doc/harness.md section 8).
 *
 * One report collects the cases of one suite: TAP lines are written to the stream as
 * each case is added (cases must be added in plan order), the JUnit file is written by
 * hrn_report_end.  Used by `harness run` and `harness conformance`.  hrn_report_read
 * reads both kinds back (`harness merge`, doc/scale.md).
 */
#ifndef HRN_REPORT_H
#define HRN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum hrn_result { HRN_PASS = 0, HRN_FAIL = 1, HRN_SKIP = 2 };

struct hrn_case {
	char *name, *classname, *message;
	enum hrn_result result;
	double seconds;
};

/* Which shard of which suite a report covers (harness/shard.h): TAP has it as the
 * comment line "# harness shard K/N of T scenarios, suite S" after the plan (S: the
 * suite's CRC-32 in 8 hex digits), JUnit as the testsuite's properties harness.shard,
 * harness.scenarios and harness.suite. */
struct hrn_report_shard {
	int k, n, total;
	uint32_t suite;
};

struct hrn_report;

/* tap: stream for TAP output (borrowed; NULL: no TAP).  junit_path: file written by
 * hrn_report_end (copied; NULL: no JUnit).  Returns NULL on allocation failure. */
struct hrn_report *hrn_report_new(FILE *tap, const char *junit_path);

/* Name the shard the report covers; before hrn_report_begin_suite. */
void hrn_report_set_shard(struct hrn_report *r, const struct hrn_report_shard *sh);

/* Start the suite: prints "TAP version 13", the plan "1..planned" and the shard line. */
void hrn_report_begin_suite(struct hrn_report *r, const char *suite, int planned);

/* Add one case.  message: diagnostics, several lines allowed (NULL or "" for none);
 * for HRN_SKIP the reason.  name, classname, message are copied. */
void hrn_report_case(struct hrn_report *r, const char *name, const char *classname,
		     enum hrn_result result, const char *message, double seconds);

/* Counts so far. */
int hrn_report_failed(const struct hrn_report *r);
int hrn_report_count(const struct hrn_report *r, enum hrn_result result);

/* End the suite: writes the JUnit file if one was asked for.  Returns 0, or -1 if the
 * file could not be written (a message is printed on stderr). */
int hrn_report_end(struct hrn_report *r);

void hrn_report_free(struct hrn_report *r);

/* A report read back: a TAP stream `harness run` printed, or a JUnit file it wrote
 * (told apart by the first byte, '<').  Cases in file order. */
struct hrn_report_in {
	bool junit;
	bool has_shard;
	struct hrn_report_shard shard;
	int planned;			/* TAP plan, or JUnit's tests= */
	struct hrn_case *cases;
	size_t ncases;
};

/* Returns 0, or -1 with err as "FILE:LINE: why" (a plan the test lines do not fill,
 * tests out of order, a bail-out, malformed XML...). */
int hrn_report_read(const char *path, struct hrn_report_in *in, char *err, size_t errlen);
void hrn_report_in_free(struct hrn_report_in *in);

#endif
