/* harness/main.c - `harness run` (scenarios), `harness merge` (shard reports) and
 * `harness conformance` (MMC checks).
 * doc/harness.md. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conformance.h"
#include "guest.h"
#include "merge.h"
#include "run.h"

static void usage(FILE *f)
{
	fputs("Usage: harness run [-j N] [--shard K/N|auto] [--junit FILE] [--target URL] [--keep DIR] [--keep-passed]\n"
	      "                   [--simdrive PATH] [--fixtures DIR] [--attach passthrough|iscsi]\n"
	      "                   [--accel tcg|kvm] [--kernel FILE] [--guest-cache DIR] FILE|DIR...\n"
	      "       harness merge [--junit FILE] REPORT...   shard reports into one\n"
	      "       harness conformance URL [--dataloss] ...\n"
	      "       harness parse FILE...     check scenario files only\n"
	      "       harness guest [--attach passthrough|iscsi] URL COMMAND...\n"
	      "doc/harness.md describes the scenario language.\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "run"))
		return hrn_run_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "parse"))
		return hrn_parse_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "guest"))
		return hrn_guest_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "merge"))
		return hrn_merge_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "conformance"))
		return hrn_conformance_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "harness: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
