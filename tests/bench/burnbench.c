/* tests/bench/burnbench.c - burn throughput client for `make bench`
 * (tests/bench/burn-throughput.sh): a sequential burn onto a blank DVD+R-like LUN
 * with raw MMC CDBs over libiscsi, the same client for simdrive and tgtd.
 *
 *   burnbench URL... [--mib N] [--kib K] [--inflight Q] [--label L] [--close] [--verify]
 *             [--random] [--sessions]
 *
 * Sequence: TEST UNIT READY (until no unit attention), READ TRACK INFORMATION
 * (track 1) for the next writable address, then N MiB of WRITE(10) of K KiB (default
 * 32, i.e. 16 blocks of 2048 bytes) from the NWA, Q commands in flight on the one
 * session (default 4; iSCSI keeps them in CmdSN order, as a sequential medium
 * needs), then SYNCHRONIZE CACHE(10).  The time from the first WRITE to the end of
 * the SYNC is what is reported:  "LABEL: BYTES bytes in S s: X MB/s" (MB = 10^6).
 * Data: a pattern: every 2048-byte block carries its LBA in its first 8 bytes
 * (big-endian) and a fixed pseudo-random fill after it.  --random: the fill differs for
 * every block (cut from an 8 MiB random pool), so the data does not compress.
 * --close: afterwards CLOSE TRACK (track 1) and CLOSE SESSION (function 101b,
 * finalize a DVD+R) - results printed, not timed, a refusal is only reported.
 * --verify: afterwards READ(10) the first, a middle and the last block written and
 * compare them with the pattern (exit 1 on a mismatch).
 * Several URLs: one session each, all logged in and at their NWA first, then every
 * session's WRITEs at once from the one thread (N MiB each); per session the time from
 * the first WRITE to its last completion, and the aggregate: all bytes / the time to
 * the last completion of any ("LABEL: aggregate: ..."); the SYNCHRONIZE CACHEs follow,
 * timed apart (tests/bench/manyluns.sh); --sessions reports one URL so too.
 * Exit: 0 success, 1 a command failed, 2 usage / connection. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "mmcclient.h"

#define BLK 2048u

static uint8_t fill[BLK];

/* --random: blocks are cut from a pool of random bytes larger than deflate's 32 KiB
 * window, so the recorded image cannot shrink them (incompressible data). */
#define POOL_BYTES (8u << 20)
static uint8_t *pool;

static void make_pool(void)
{
	uint64_t x = 0x243f6a8885a308d3ull;
	pool = malloc(POOL_BYTES);
	if (!pool)
		return;
	for (size_t i = 0; i < POOL_BYTES; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(pool + i, &x, 8);
	}
}

/* The content of block lba before its LBA stamp: the pool slice, or the fixed fill. */
static const uint8_t *block_fill(uint32_t lba)
{
	return pool ? pool + (size_t)lba * BLK % POOL_BYTES : fill;
}

static void make_fill(void)
{
	uint32_t x = 0x9e3779b9u;
	for (unsigned i = 0; i < BLK; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		fill[i] = (uint8_t)x;
	}
}

static void stamp(uint8_t *buf, uint32_t lba, uint32_t nblocks)
{
	for (uint32_t i = 0; i < nblocks; i++) {
		uint8_t *b = buf + (size_t)i * BLK;
		uint64_t v = (uint64_t)lba + i;
		for (int k = 0; k < 8; k++)
			b[k] = (uint8_t)(v >> (56 - 8 * k));
	}
}

static const char *label = "burn";

static void report_fail(const char *what, struct iscsi_context *iscsi, const struct mcc_result *r)
{
	if (r->dropped)
		fprintf(stderr, "%s: %s: %s\n", label, what, iscsi_get_error(iscsi));
	else if (r->status == MCC_STATUS_CHECK_CONDITION)
		fprintf(stderr, "%s: %s: CHECK CONDITION %x/%02x/%02x\n", label, what, r->key, r->asc,
			r->ascq);
	else
		fprintf(stderr, "%s: %s: status %d: %s\n", label, what, r->status,
			iscsi_get_error(iscsi));
}

/* A synchronous command with data-in (at most inlen bytes into r->data); false after
 * reporting unless it was GOOD. */
static bool cmd(struct iscsi_context *iscsi, int lun, struct mcc_cdb cdb, int inlen,
		const char *what, struct mcc_result *r)
{
	if (mcc_try(iscsi, lun, cdb, NULL, 0, NULL, inlen, r) && r->status == MCC_STATUS_GOOD)
		return true;
	report_fail(what, iscsi, r);
	return false;
}

struct burn {
	struct iscsi_context *iscsi;
	int lun;
	uint32_t nwa, next_lba, end_lba, bpw;
	double t0, t_end;		/* first WRITE issued; last one completed */
	unsigned inflight;
	bool failed;
	uint8_t **bufs;
	unsigned nfree;
	uint8_t **freebufs;
};

struct wctx {
	struct burn *b;
	uint8_t *buf;
};

static void issue(struct burn *b);

static void write_cb(struct iscsi_context *iscsi, int status, void *command_data, void *priv)
{
	struct wctx *w = priv;
	struct scsi_task *t = command_data;
	struct burn *b = w->b;
	struct mcc_result r;
	(void)iscsi;
	mcc_result_of(t, status, &r);
	if (r.dropped || r.status != MCC_STATUS_GOOD) {
		if (!b->failed)
			report_fail("WRITE(10)", b->iscsi, &r);
		b->failed = true;
	}
	if (t)
		scsi_free_scsi_task(t);
	b->inflight--;
	b->freebufs[b->nfree++] = w->buf;
	free(w);
	if (!b->failed)
		issue(b);
}

static void issue(struct burn *b)
{
	while (b->nfree && b->next_lba < b->end_lba && !b->failed) {
		uint32_t n = b->end_lba - b->next_lba < b->bpw ? b->end_lba - b->next_lba : b->bpw;
		uint8_t *buf = b->freebufs[--b->nfree];
		if (pool)
			for (uint32_t k = 0; k < n; k++)
				memcpy(buf + (size_t)k * BLK, block_fill(b->next_lba + k), BLK);
		stamp(buf, b->next_lba, n);
		struct wctx *w = malloc(sizeof(*w));
		if (!w) {
			fprintf(stderr, "%s: out of memory\n", label);
			b->failed = true;
			return;
		}
		*w = (struct wctx){ b, buf };
		if (mcc_queue(b->iscsi, b->lun, mcc_cdb_write10(b->next_lba, (uint16_t)n), buf,
			      (int)(n * BLK), NULL, 0, write_cb, w) != 0) {
			const struct mcc_result none = { .dropped = true };
			report_fail("WRITE(10) queue", b->iscsi, &none);
			free(w);
			b->failed = true;
			return;
		}
		b->inflight++;
		b->next_lba += n;
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: burnbench URL... [--mib N] [--kib K] [--inflight Q] [--label L] "
			"[--close] [--verify] [--random] [--sessions]\n");
	return 2;
}

/* Log in to url and find the NWA of track 1: b ready to issue, or false after a
 * message. */
static bool open_burn(const char *url_s, unsigned mib, unsigned kib, unsigned q, struct burn *b)
{
	static const struct mcc_login how = {
		.initiator = "iqn.2026-01.org.burnlab:burnbench", .no_digest = true, .timeout_s = 300,
	};
	char err[512];
	struct mcc_result r;
	int lun, crc = mcc_connect(url_s, &how, &b->iscsi, &lun, err, sizeof(err));
	if (crc == -2) {
		fprintf(stderr, "%s: %s\n", label, err);
		return false;
	}
	if (crc != 0) {
		fprintf(stderr, "%s: login: %s\n", label, iscsi_get_error(b->iscsi));
		return false;
	}
	/* unit attentions (power on, medium changed) until ready */
	if (!mcc_try_ready(b->iscsi, lun, 10, &r)) {
		report_fail("TEST UNIT READY", b->iscsi, &r);
		return false;
	}
	/* READ TRACK INFORMATION, address type 01b, track 1: NWA */
	struct mcc_track_info ti;
	if (!cmd(b->iscsi, lun, mcc_cdb_read_track_information(MCC_RTI_TRACK, 1, 40), 40,
		 "READ TRACK INFORMATION", &r))
		return false;
	if (!mcc_track_info(r.data, r.len, &ti) || !ti.nwa_v) {
		fprintf(stderr, "%s: READ TRACK INFORMATION: no valid NWA\n", label);
		return false;
	}
	uint32_t nblocks = (uint32_t)((uint64_t)mib * 1048576 / BLK);
	if (ti.free && nblocks > ti.free) {
		fprintf(stderr, "%s: %u blocks do not fit (%u free)\n", label, nblocks, ti.free);
		return false;
	}
	b->lun = lun;
	b->nwa = b->next_lba = ti.nwa;
	b->end_lba = ti.nwa + nblocks;
	b->bpw = kib * 1024 / BLK;
	b->bufs = calloc(q, sizeof(*b->bufs));
	b->freebufs = calloc(q, sizeof(*b->freebufs));
	if (!b->bufs || !b->freebufs)
		return false;
	for (unsigned i = 0; i < q; i++) {
		b->bufs[i] = malloc((size_t)b->bpw * BLK);
		if (!b->bufs[i])
			return false;
		for (uint32_t k = 0; k < b->bpw; k++)
			memcpy(b->bufs[i] + (size_t)k * BLK, fill, BLK);
		b->freebufs[b->nfree++] = b->bufs[i];
	}
	return true;
}

/* Every session's WRITEs at once, from one thread, until all are done: each one's
 * end time in b[i].t_end.  False on an error. */
static bool run_burns(struct burn *b, unsigned n)
{
	struct pollfd *pfd = calloc(n, sizeof(*pfd));
	if (!pfd)
		return false;
	double t0 = mcc_now_s();
	for (unsigned i = 0; i < n; i++) {
		b[i].t0 = t0;
		issue(&b[i]);
	}
	bool ok = true;
	for (;;) {
		unsigned busy = 0;
		for (unsigned i = 0; i < n; i++) {
			if (b[i].failed) {
				ok = false;
				goto out;
			}
			if (!b[i].inflight && !b[i].t_end)
				b[i].t_end = mcc_now_s();
			pfd[i] = (struct pollfd){ .fd = iscsi_get_fd(b[i].iscsi),
						  .events = (short)iscsi_which_events(b[i].iscsi) };
			busy += b[i].inflight > 0;
		}
		if (!busy)
			break;
		int k = poll(pfd, n, 1000);
		if (k < 0 && errno != EINTR) {
			perror("poll");
			ok = false;
			goto out;
		}
		for (unsigned i = 0; i < n; i++) {
			if (iscsi_service(b[i].iscsi, k > 0 ? pfd[i].revents : 0) < 0) {
				fprintf(stderr, "%s: iscsi_service: %s\n", label, iscsi_get_error(b[i].iscsi));
				ok = false;
				goto out;
			}
		}
	}
out:
	free(pfd);
	return ok;
}

int main(int argc, char **argv)
{
	const char *urls[256];
	unsigned nurls = 0;
	unsigned mib = 1024, kib = 32, q = 4;
	bool do_close = false, do_verify = false, each = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--mib") && i + 1 < argc)
			mib = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--kib") && i + 1 < argc)
			kib = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--inflight") && i + 1 < argc)
			q = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(a, "--label") && i + 1 < argc)
			label = argv[++i];
		else if (!strcmp(a, "--close"))
			do_close = true;
		else if (!strcmp(a, "--random"))
			make_pool();
		else if (!strcmp(a, "--verify"))
			do_verify = true;
		else if (!strcmp(a, "--sessions"))
			each = true;
		else if (a[0] != '-' && nurls < sizeof(urls) / sizeof(urls[0]))
			urls[nurls++] = a;
		else
			return usage();
	}
	if (!nurls || !mib || !kib || kib % 2 || kib > 1024 || !q || q > 64)
		return usage();
	make_fill();

	int rc = 1;
	struct mcc_result r;
	struct burn *b = calloc(nurls, sizeof(*b));
	if (!b)
		return 1;
	for (unsigned i = 0; i < nurls; i++)
		if (!open_burn(urls[i], mib, kib, q, &b[i]))
			goto out;
	if (!run_burns(b, nurls))
		goto out;
	uint64_t bytes = (uint64_t)(b[0].end_lba - b[0].nwa) * BLK;
	if (nurls == 1 && !each) {
		/* One session: the SYNC is part of the burn's time, as it always was. */
		if (!cmd(b[0].iscsi, b[0].lun, mcc_cdb_synchronize_cache(false), 0, "SYNCHRONIZE CACHE", &r))
			goto out;
		double secs = mcc_now_s() - b[0].t0;
		printf("%s: %" PRIu64 " bytes in %.3f s: %.1f MB/s (WRITE(10) %u KiB, %u in flight, NWA %u)\n",
		       label, bytes, secs, bytes / secs / 1e6, kib, q, b[0].nwa);
	} else {
		/* Several: each session's first WRITE to its last completion, all started
		 * together; the SYNCs after, timed apart. */
		double last = 0;
		for (unsigned i = 0; i < nurls; i++) {
			double secs = b[i].t_end - b[i].t0;
			if (b[i].t_end > last)
				last = b[i].t_end;
			printf("%s: session %u (%s): %" PRIu64 " bytes in %.3f s: %.1f MB/s\n", label, i,
			       urls[i], bytes, secs, bytes / secs / 1e6);
		}
		double secs = last - b[0].t0;
		printf("%s: aggregate: %u sessions, %" PRIu64 " bytes in %.3f s: %.1f MB/s "
		       "(WRITE(10) %u KiB, %u in flight each)\n", label, nurls, bytes * nurls, secs,
		       bytes * nurls / secs / 1e6, kib, q);
		double t1 = mcc_now_s();
		for (unsigned i = 0; i < nurls; i++)
			if (!cmd(b[i].iscsi, b[i].lun, mcc_cdb_synchronize_cache(false), 0,
				 "SYNCHRONIZE CACHE", &r))
				goto out;
		printf("%s: SYNCHRONIZE CACHE of %u sessions: %.3f s\n", label, nurls, mcc_now_s() - t1);
	}
	fflush(stdout);

	for (unsigned i = 0; i < nurls; i++) {
		struct iscsi_context *iscsi = b[i].iscsi;
		int lun = b[i].lun;
		uint32_t nwa = b[i].nwa, nblocks = b[i].end_lba - b[i].nwa;
		if (do_close) {
			bool good = cmd(iscsi, lun, mcc_cdb_close_track_session(false, MCC_CLOSE_TRACK, 1), 0,
					"CLOSE TRACK", &r);
			printf("%s: CLOSE TRACK 1: %s\n", label, good ? "GOOD" : "refused");
			good = cmd(iscsi, lun, mcc_cdb_close_track_session(false, MCC_CLOSE_FINALIZE_MIN_RADIUS,
									    0), 0, "CLOSE SESSION (finalize)", &r);
			printf("%s: CLOSE SESSION 101b: %s\n", label, good ? "GOOD" : "refused");
		}
		if (do_verify) {
			uint32_t probe[3] = { nwa, nwa + nblocks / 2, nwa + nblocks - 1 };
			uint8_t want[BLK];
			for (int k = 0; k < 3; k++) {
				if (!cmd(iscsi, lun, mcc_cdb_read10(probe[k], 1), BLK, "READ(10)", &r))
					goto out;
				memcpy(want, block_fill(probe[k]), BLK);
				stamp(want, probe[k], 1);
				if (r.len != BLK || memcmp(r.data, want, BLK)) {
					fprintf(stderr, "%s: %s: block %u read back differs\n", label, urls[i],
						probe[k]);
					goto out;
				}
			}
			printf("%s: verify: blocks %u, %u, %u read back as written\n", label, probe[0],
			       probe[1], probe[2]);
		}
	}
	rc = 0;
out:
	for (unsigned i = 0; i < nurls; i++) {
		if (b[i].iscsi) {
			iscsi_logout_sync(b[i].iscsi);
			iscsi_destroy_context(b[i].iscsi);
		}
		for (unsigned k = 0; b[i].bufs && k < q; k++)
			free(b[i].bufs[k]);
		free(b[i].bufs);
		free(b[i].freebufs);
	}
	free(b);
	return rc;
}
