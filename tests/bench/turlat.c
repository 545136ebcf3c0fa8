/* tests/bench/turlat.c - TEST UNIT READY latency of one logical unit, for `make bench`
 * (tests/bench/backpressure.sh): how long a host polling a drive waits for the answer
 * while something else keeps the daemon busy.
 *
 *   turlat URL [--stop-file PATH] [--seconds S] [--interval-us U] [--label L]
 *
 * Logs in (its own session), sends TEST UNIT READY until no unit attention is left,
 * then one TEST UNIT READY at a time, U microseconds apart (default 1000: a host
 * polling every millisecond), until PATH exists or S seconds passed (default 10 when
 * no stop file is given).  Every command's round trip is timed on CLOCK_MONOTONIC;
 * any status counts (an empty drive answers NOT READY just as fast).  Prints
 *   "LABEL: N commands in S s: p50 X ms, p99 Y ms, max Z ms"
 * The commands go through mmcclient (mcc_connect, mcc_try).
 * Exit: 0, 1 a command failed at the transport, 2 usage / connection. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iscsi/iscsi.h>

#include "mmcclient.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The value below which q of the sorted samples lie (nearest rank). */
static double pct(const double *v, size_t n, double q)
{
	size_t k = (size_t)(q * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static int usage(void)
{
	fprintf(stderr, "usage: turlat URL [--stop-file PATH] [--seconds S] [--interval-us U] "
			"[--label L]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *url_s = NULL, *stop_file = NULL, *label = "tur";
	double seconds = 0;
	unsigned interval_us = 1000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--stop-file") && i + 1 < argc)
			stop_file = argv[++i];
		else if (!strcmp(a, "--seconds") && i + 1 < argc)
			seconds = strtod(argv[++i], NULL);
		else if (!strcmp(a, "--interval-us") && i + 1 < argc)
			interval_us = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--label") && i + 1 < argc)
			label = argv[++i];
		else if (a[0] != '-' && !url_s)
			url_s = a;
		else
			return usage();
	}
	if (!url_s || seconds < 0)
		return usage();
	if (!stop_file && seconds == 0)
		seconds = 10;

	struct mcc_login how = { .initiator = "iqn.2026-01.org.burnlab:turlat", .no_digest = true,
				 .timeout_s = 300 };
	struct iscsi_context *iscsi = NULL;
	char err[256];
	int lun, rc = 1;
	int lr = mcc_connect(url_s, &how, &iscsi, &lun, err, sizeof(err));
	if (lr != 0) {
		fprintf(stderr, "%s: login: %s\n", label, lr == -2 ? err : iscsi_get_error(iscsi));
		if (iscsi)
			iscsi_destroy_context(iscsi);
		return 2;
	}

	/* The unit attentions of a new nexus first (power on reset, SAM-5 §5.14); any
	 * status after them counts. */
	struct mcc_result r;
	size_t n = 0, cap = 4096;
	double *lat = NULL;
	if (!mcc_try_ready(iscsi, lun, 10, &r) && r.dropped) {
		fprintf(stderr, "%s: TEST UNIT READY: %s\n", label, iscsi_get_error(iscsi));
		goto out;
	}

	lat = malloc(cap * sizeof(*lat));
	if (!lat)
		goto out;
	double t0 = mcc_now_s();
	for (;;) {
		if (stop_file && access(stop_file, F_OK) == 0)
			break;
		if (seconds > 0 && mcc_now_s() - t0 >= seconds)
			break;
		double a = mcc_now_s();
		bool answered = mcc_try(iscsi, lun, mcc_cdb_test_unit_ready(), NULL, 0, NULL, 0, &r);
		double b = mcc_now_s();
		if (!answered) {
			fprintf(stderr, "%s: TEST UNIT READY: %s\n", label, iscsi_get_error(iscsi));
			goto out;
		}
		if (n == cap) {
			double *m = realloc(lat, 2 * cap * sizeof(*lat));
			if (!m)
				goto out;
			lat = m;
			cap *= 2;
		}
		lat[n++] = (b - a) * 1e3;
		if (interval_us)
			usleep(interval_us);
	}
	double secs = mcc_now_s() - t0;
	if (n == 0) {
		fprintf(stderr, "%s: no command was sent\n", label);
		goto out;
	}
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("%s: %zu commands in %.1f s: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", label, n,
	       secs, pct(lat, n, 0.50), pct(lat, n, 0.99), lat[n - 1]);
	fflush(stdout);
	rc = 0;
out:
	free(lat);
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	return rc;
}
