/* tests/bench/syncwriter.c - the baseline of tests/bench/engine-throughput.sh: the
 * plainest synchronous libiscsi writer there is, to measure what the write engine
 * adds (or saves) on the same target, file and transfer size.
 *
 *   syncwriter URL FILE --kib K [--lba nwa|L] [--close]
 *
 * Login (one session), NWA from READ TRACK INFORMATION of the last track (or --lba L),
 * then: read K KiB from FILE, WRITE(10) of those 2048-byte blocks (mcc_try: one
 * iscsi_scsi_command_sync), until the end of FILE; then SYNCHRONIZE CACHE(10).  Nothing else
 * happens in the loop (no progress, no checks beyond the status), so the loop is the
 * cost of one round trip per command plus one read() from the page cache.
 *
 * Output (MB = 10^6 bytes):
 *   syncwriter: N bytes in S s: X MB/s           first WRITE .. end of the SYNC
 *   syncwriter: writes: N bytes in W s: Y MB/s   first WRITE .. last WRITE's status
 *   syncwriter: SYNCHRONIZE CACHE: C s
 * The second line covers exactly what `wengine write --json` reports as "seconds"
 * (first WRITE to the last completion), so the two can be compared.
 * --close: afterwards (not timed) CLOSE TRACK of the track written.
 * Exit: 0 success, 1 a command failed, 2 usage / login, 3 the file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>

#include "mmcclient.h"

#define BLK 2048u

/* A command's outcome as one line on stderr; returns false when it was not GOOD. */
static bool cmd(struct iscsi_context *iscsi, int lun, struct mcc_cdb cdb, const uint8_t *out,
		int outlen, int inlen, const char *what, struct mcc_result *r)
{
	if (!mcc_try(iscsi, lun, cdb, out, outlen, NULL, inlen, r)) {
		fprintf(stderr, "syncwriter: %s: %s\n", what, iscsi_get_error(iscsi));
		return false;
	}
	if (r->status == MCC_STATUS_GOOD)
		return true;
	if (r->status == MCC_STATUS_CHECK_CONDITION)
		fprintf(stderr, "syncwriter: %s: CHECK CONDITION %x/%02x/%02x\n", what, r->key, r->asc,
			r->ascq);
	else
		fprintf(stderr, "syncwriter: %s: status %d: %s\n", what, r->status,
			iscsi_get_error(iscsi));
	return false;
}

/* The open track of a blank or appendable disc: READ DISC INFORMATION names the last
 * track of the last session, READ TRACK INFORMATION gives its NWA.  Unit attentions
 * after login (power on, medium changed) are answered by TEST UNIT READY first. */
static int find_nwa(struct iscsi_context *iscsi, int lun, uint32_t *nwa, uint32_t *track)
{
	struct mcc_result r;
	struct mcc_disc_info d;
	struct mcc_track_info t;
	mcc_try_ready(iscsi, lun, 5, &r);
	if (!cmd(iscsi, lun, mcc_cdb_read_disc_information(0, 34), NULL, 0, 34,
		 "READ DISC INFORMATION", &r))
		return -1;
	if (!mcc_disc_info(r.data, r.len, &d)) {
		fprintf(stderr, "syncwriter: READ DISC INFORMATION: %d bytes\n", r.len);
		return -1;
	}
	*track = (uint32_t)d.last_in_last;

	if (!cmd(iscsi, lun, mcc_cdb_read_track_information(MCC_RTI_TRACK, *track, 36), NULL, 0,
		 36, "READ TRACK INFORMATION", &r))
		return -1;
	bool valid = mcc_track_info(r.data, r.len, &t) && t.nwa_v;
	if (valid)
		*nwa = t.nwa;
	else {
		fprintf(stderr, "syncwriter: track %" PRIu32 " has no valid NWA\n", *track);
		return -1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: syncwriter URL FILE --kib K [--lba nwa|L] [--close]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *url_s = NULL, *path = NULL, *lba_s = "nwa";
	unsigned long kib = 0;
	bool do_close = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--kib") && i + 1 < argc)
			kib = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--lba") && i + 1 < argc)
			lba_s = argv[++i];
		else if (!strcmp(a, "--close"))
			do_close = true;
		else if (a[0] != '-' && !url_s)
			url_s = a;
		else if (a[0] != '-' && !path)
			path = a;
		else
			return usage();
	}
	/* K KiB must be whole 2048-byte blocks and fit the WRITE(10) block count. */
	if (!url_s || !path || !kib || kib % 2 || kib > 65535)
		return usage();
	/* --close needs the track number, which only the NWA lookup provides. */
	if (do_close && strcmp(lba_s, "nwa") != 0)
		return usage();
	size_t chunk = kib * 1024;

	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "syncwriter: %s: %s\n", path, strerror(errno));
		return 3;
	}
	uint8_t *buf = malloc(chunk);
	if (!buf) {
		fprintf(stderr, "syncwriter: out of memory\n");
		return 1;
	}

	static const struct mcc_login how = {
		.initiator = "iqn.2026-01.org.burnlab:syncwriter", .no_digest = true, .timeout_s = 300,
	};
	struct iscsi_context *iscsi;
	char err[512];
	int lun, rc = 1, crc = mcc_connect(url_s, &how, &iscsi, &lun, err, sizeof(err));
	if (crc == -2) {
		fprintf(stderr, "syncwriter: %s\n", err);
		return 2;
	}
	if (crc != 0) {
		fprintf(stderr, "syncwriter: login: %s\n", iscsi_get_error(iscsi));
		return 2;
	}
	struct mcc_result r;

	uint32_t lba = 0, track = 0;
	if (strcmp(lba_s, "nwa") != 0) {
		char *end;
		lba = (uint32_t)strtol(lba_s, &end, 0);
		if (*end) {
			rc = usage();
			goto out;
		}
	} else if (find_nwa(iscsi, lun, &lba, &track) != 0) {
		goto out;
	}
	uint32_t first = lba;

	uint64_t bytes = 0;
	double t0 = mcc_now_s();
	for (;;) {
		ssize_t got = read(fd, buf, chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fprintf(stderr, "syncwriter: %s: %s\n", path, strerror(errno));
			rc = 3;
			goto out;
		}
		if (got == 0)
			break;
		/* A short read can only be the end of the file (regular file, page cache). */
		if (got % BLK) {
			fprintf(stderr, "syncwriter: %s: size is not a multiple of %u\n", path, BLK);
			rc = 3;
			goto out;
		}
		if (!cmd(iscsi, lun, mcc_cdb_write10(lba, (uint16_t)(got / BLK)), buf, (int)got, 0,
			 "WRITE(10)", &r))
			goto out;
		lba += (uint32_t)got / BLK;
		bytes += (uint64_t)got;
	}
	double t_writes = mcc_now_s();
	if (!cmd(iscsi, lun, mcc_cdb_synchronize_cache(false), NULL, 0, 0, "SYNCHRONIZE CACHE", &r))
		goto out;
	double t_end = mcc_now_s();
	printf("syncwriter: %" PRIu64 " bytes in %.3f s: %.1f MB/s\n", bytes, t_end - t0,
	       (double)bytes / (t_end - t0) / 1e6);
	printf("syncwriter: writes: %" PRIu64 " bytes in %.3f s: %.1f MB/s "
	       "(WRITE(10) %lu KiB, LBA %" PRIu32 "..%" PRIu32 ")\n", bytes, t_writes - t0,
	       (double)bytes / (t_writes - t0) / 1e6, kib, first, lba - 1);
	printf("syncwriter: SYNCHRONIZE CACHE: %.3f s\n", t_end - t_writes);
	fflush(stdout);

	if (do_close) {
		if (!cmd(iscsi, lun, mcc_cdb_close_track_session(false, MCC_CLOSE_TRACK, (uint16_t)track),
			 NULL, 0, 0, "CLOSE TRACK", &r))
			goto out;
		printf("syncwriter: CLOSE TRACK %" PRIu32 ": GOOD\n", track);
	}
	rc = 0;
out:
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	free(buf);
	close(fd);
	return rc;
}
