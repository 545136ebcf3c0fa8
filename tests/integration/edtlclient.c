/* tests/integration/edtlclient.c - one command whose transfer the initiator bounds: the
 * data-in a target may send is at most the Expected Data Transfer Length (RFC 7143
 * §11.4.5, SPC-4 §4.2.5.6), whatever the CDB asks for.
 *
 *   edtlclient URL format
 *       TEST UNIT READY until GOOD, then FORMAT UNIT (FmtData, format code 001b) with
 *       one descriptor of type 00h over the whole disc: a BD-RE or DVD+RW becomes a
 *       large readable range.
 *   edtlclient URL read12 LBA BLOCKS EDTL
 *       TEST UNIT READY until GOOD, then one READ(12) of BLOCKS blocks at LBA with an
 *       EDTL of EDTL bytes.  Prints "status S data N ms T" (T: the command's round
 *       trip in milliseconds) and fails unless it is GOOD with exactly
 *       min(EDTL, BLOCKS x 2048) bytes.
 *
 * Exit status 0, 1 a failed check, 2 usage. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>

#include "mmcclient.h"

static int usage(void)
{
	fprintf(stderr, "usage: edtlclient URL format\n"
			"       edtlclient URL read12 LBA BLOCKS EDTL\n");
	return 2;
}

int main(int argc, char **argv)
{
	mcc_init("edtlclient");
	if (argc < 3)
		return usage();
	int lun;
	struct mcc_login how = { .no_reconnect = true, .timeout_s = 60 };
	struct iscsi_context *c = mcc_open(argv[1], &how, &lun);
	struct mcc_result r;

	mcc_ready(c, lun);
	if (strcmp(argv[2], "format") == 0 && argc == 3) {
		uint8_t list[MCC_FORMAT_LIST_LEN];
		mcc_format_list(list, 0, 0xffffffffu, 0, 0);	/* full format, the largest size */
		mcc_run(c, lun, mcc_cdb_format_unit(), list, sizeof(list), NULL, 0, &r);
		mcc_expect_good("FORMAT UNIT", &r);
		mcc_ready(c, lun);
	} else if (strcmp(argv[2], "read12") == 0 && argc == 6) {
		uint32_t lba = (uint32_t)strtoul(argv[3], NULL, 0);
		uint32_t blocks = (uint32_t)strtoul(argv[4], NULL, 0);
		uint32_t edtl = (uint32_t)strtoul(argv[5], NULL, 0);
		uint8_t *buf = malloc(edtl ? edtl : 1);
		if (!buf)
			mcc_die("out of memory");
		double t0 = mcc_now_s();
		mcc_run(c, lun, mcc_cdb_read12(lba, blocks), NULL, 0, buf, (int)edtl, &r);
		double ms = (mcc_now_s() - t0) * 1000.0;
		printf("status %d data %d ms %.1f\n", r.status, r.len, ms);
		mcc_expect_good("READ(12)", &r);
		uint64_t want = (uint64_t)blocks * 2048u;
		if (want > edtl)
			want = edtl;
		if ((uint64_t)r.len != want)
			mcc_die("READ(12): %d bytes of data-in, expected %llu", r.len,
			       (unsigned long long)want);
		free(buf);
	} else {
		return usage();
	}
	iscsi_logout_sync(c);
	iscsi_destroy_context(c);
	return 0;
}
