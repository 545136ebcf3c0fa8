/* tests/bench/syncwriter.c - the baseline of tests/bench/engine-throughput.sh: the
 * plainest synchronous libiscsi writer there is, to measure what the write engine
 * adds (or saves) on the same target, file and transfer size.
 *
 *   syncwriter URL FILE --kib K [--lba nwa|L] [--close]
 *
 * Login (one session), NWA from READ TRACK INFORMATION of the last track (or --lba L),
 * then: read K KiB from FILE, WRITE(10) of those 2048-byte blocks with
 * iscsi_write10_sync, until the end of FILE; then SYNCHRONIZE CACHE(10).  Nothing else
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
#include <iscsi/scsi-lowlevel.h>

#define BLK 2048u

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A task's outcome as one line on stderr; returns false when it was not GOOD. */
static bool task_ok(struct iscsi_context *iscsi, struct scsi_task *t, const char *what)
{
	if (!t) {
		fprintf(stderr, "syncwriter: %s: %s\n", what, iscsi_get_error(iscsi));
		return false;
	}
	if (t->status == SCSI_STATUS_GOOD)
		return true;
	if (t->status == SCSI_STATUS_CHECK_CONDITION)
		fprintf(stderr, "syncwriter: %s: CHECK CONDITION %x/%02x/%02x\n", what,
			t->sense.key, t->sense.ascq >> 8, t->sense.ascq & 0xff);
	else
		fprintf(stderr, "syncwriter: %s: status %d: %s\n", what, t->status,
			iscsi_get_error(iscsi));
	return false;
}

/* A command with data-in; returns the task (caller frees) or NULL after reporting. */
static struct scsi_task *cmd_in(struct iscsi_context *iscsi, int lun, uint8_t *cdb, int cdblen,
				int xfer, const char *what)
{
	struct scsi_task *t = scsi_create_task(cdblen, cdb, SCSI_XFER_READ, xfer);
	if (!t) {
		fprintf(stderr, "syncwriter: out of memory\n");
		return NULL;
	}
	/* iscsi_scsi_command_sync returns NULL on a transport failure, task_ok says so. */
	if (!task_ok(iscsi, iscsi_scsi_command_sync(iscsi, lun, t, NULL), what)) {
		scsi_free_scsi_task(t);
		return NULL;
	}
	return t;
}

/* A command without data; false after reporting. */
static bool cmd_none(struct iscsi_context *iscsi, int lun, uint8_t *cdb, int cdblen,
		     const char *what)
{
	struct scsi_task *t = scsi_create_task(cdblen, cdb, SCSI_XFER_NONE, 0);
	if (!t) {
		fprintf(stderr, "syncwriter: out of memory\n");
		return false;
	}
	bool good = task_ok(iscsi, iscsi_scsi_command_sync(iscsi, lun, t, NULL), what);
	scsi_free_scsi_task(t);
	return good;
}

/* The open track of a blank or appendable disc: READ DISC INFORMATION names the last
 * track of the last session, READ TRACK INFORMATION gives its NWA.  Unit attentions
 * after login (power on, medium changed) are answered by TEST UNIT READY first. */
static int find_nwa(struct iscsi_context *iscsi, int lun, uint32_t *nwa, uint32_t *track)
{
	for (int i = 0; i < 5; i++) {
		struct scsi_task *t = iscsi_testunitready_sync(iscsi, lun);
		bool good = t && t->status == SCSI_STATUS_GOOD;
		if (t)
			scsi_free_scsi_task(t);
		if (good)
			break;
	}
	uint8_t rdi[10] = { 0x51 };
	rdi[8] = 34;
	struct scsi_task *t = cmd_in(iscsi, lun, rdi, 10, 34, "READ DISC INFORMATION");
	if (!t)
		return -1;
	if (t->datain.size < 12) {
		fprintf(stderr, "syncwriter: READ DISC INFORMATION: %d bytes\n", t->datain.size);
		scsi_free_scsi_task(t);
		return -1;
	}
	*track = (uint32_t)t->datain.data[11] << 8 | t->datain.data[6];
	scsi_free_scsi_task(t);

	uint8_t rti[10] = { 0x52, 0x01 };	/* address type 01b: track number */
	put32(rti + 2, *track);
	rti[8] = 36;
	t = cmd_in(iscsi, lun, rti, 10, 36, "READ TRACK INFORMATION");
	if (!t)
		return -1;
	bool valid = t->datain.size >= 16 && (t->datain.data[7] & 0x01);
	if (valid)
		*nwa = be32(t->datain.data + 12);
	scsi_free_scsi_task(t);
	if (!valid) {
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

	struct iscsi_context *iscsi = iscsi_create_context("iqn.2026-01.org.burnlab:syncwriter");
	if (!iscsi)
		return 2;
	struct iscsi_url *url = iscsi_parse_full_url(iscsi, url_s);
	if (!url) {
		fprintf(stderr, "syncwriter: bad URL: %s\n", iscsi_get_error(iscsi));
		return 2;
	}
	iscsi_set_targetname(iscsi, url->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
	iscsi_set_timeout(iscsi, 300);
	if (iscsi_full_connect_sync(iscsi, url->portal, url->lun) != 0) {
		fprintf(stderr, "syncwriter: login: %s\n", iscsi_get_error(iscsi));
		return 2;
	}
	int lun = url->lun, rc = 1;

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
	double t0 = now();
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
		struct scsi_task *t = iscsi_write10_sync(iscsi, lun, lba, buf, (uint32_t)got,
							 BLK, 0, 0, 0, 0, 0);
		bool good = task_ok(iscsi, t, "WRITE(10)");
		if (t)
			scsi_free_scsi_task(t);
		if (!good)
			goto out;
		lba += (uint32_t)got / BLK;
		bytes += (uint64_t)got;
	}
	double t_writes = now();
	struct scsi_task *t = iscsi_synchronizecache10_sync(iscsi, lun, 0, 0, 0, 0);
	bool good = task_ok(iscsi, t, "SYNCHRONIZE CACHE");
	if (t)
		scsi_free_scsi_task(t);
	if (!good)
		goto out;
	double t_end = now();
	printf("syncwriter: %" PRIu64 " bytes in %.3f s: %.1f MB/s\n", bytes, t_end - t0,
	       (double)bytes / (t_end - t0) / 1e6);
	printf("syncwriter: writes: %" PRIu64 " bytes in %.3f s: %.1f MB/s "
	       "(WRITE(10) %lu KiB, LBA %" PRIu32 "..%" PRIu32 ")\n", bytes, t_writes - t0,
	       (double)bytes / (t_writes - t0) / 1e6, kib, first, lba - 1);
	printf("syncwriter: SYNCHRONIZE CACHE: %.3f s\n", t_end - t_writes);
	fflush(stdout);

	if (do_close) {
		uint8_t ct[10] = { 0x5b, 0, 0x01 };	/* function 001b: close track */
		ct[4] = (uint8_t)(track >> 8);
		ct[5] = (uint8_t)track;
		if (!cmd_none(iscsi, lun, ct, 10, "CLOSE TRACK"))
			goto out;
		printf("syncwriter: CLOSE TRACK %" PRIu32 ": GOOD\n", track);
	}
	rc = 0;
out:
	iscsi_logout_sync(iscsi);
	iscsi_destroy_url(url);
	iscsi_destroy_context(iscsi);
	free(buf);
	close(fd);
	return rc;
}
