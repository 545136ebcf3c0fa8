/* tests/integration/bpclient.c - back-pressure of the disc image without stalling the
 * daemon (tests/integration/backpressure.sh; doc/iscsi-target.md "Threads, and who
 * waits for what").
 *
 *   bpclient CONTROL URL0 URL1 DATA
 *
 * URL0 and URL1 name LUN 0 and LUN 1 of one simdrive, both blank DVD+R recording into
 * images; CONTROL is its control socket; DATA a file of random bytes (a multiple of
 * 2048, at least 32 MiB), so that the image writer cannot shrink them.
 *
 * 1. "image 0 hold" stops LUN 0's image writer: its queue fills and stays full, a slow
 *    disk made deterministic.
 * 2. Session A sends DATA to LUN 0 as WRITE(10)s of 512 KiB from the NWA, up to 28 in
 *    flight, until "image 0" reports a WRITE waiting for room.  The control socket
 *    answering at all shows the event loop is not stuck in the writer.
 * 3. Meanwhile, on session B: TEST UNIT READY, INQUIRY, READ CAPACITY and READ DISC
 *    INFORMATION of LUN 0 (another session: only image commands of session A wait),
 *    then on LUN 1 TEST UNIT READY, READ TRACK INFORMATION, 2 MiB of WRITE(10) and
 *    SYNCHRONIZE CACHE: all GOOD, while a WRITE of A is still unanswered and "image 0"
 *    still reports it waiting.
 * 4. "image 0 release"; the rest of DATA goes to LUN 0, every WRITE answered GOOD, in
 *    LBA order as sent; then SYNCHRONIZE CACHE and READ(10) of the first, a middle and
 *    the last block, compared with DATA.
 * No step depends on timing: every wait is for a reply or a state, and the script
 * bounds the whole run with timeout(1).  Exit 0, or 1 with the failed check. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "mmcclient.h"

#define BLK        2048u
#define WRITE_KIB  512u
#define WRITE_BLKS (WRITE_KIB * 1024u / BLK)
#define MAX_QUEUED 28u		/* below the target's CmdSN window of 32 */

/* ---- the control socket ---------------------------------------------------------- */

static int ctl_fd = -1;

static void ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	ctl_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ctl_fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		mcc_die("control socket %s: %s", path, strerror(errno));
	strcpy(sa.sun_path, path);
	if (connect(ctl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		mcc_die("control socket %s: %s", path, strerror(errno));
}

/* One request, one reply line; dies unless it is "ok ...". */
static void ctl(const char *req, char *reply, size_t cap)
{
	size_t n = strlen(req), len = 0;
	if (write(ctl_fd, req, n) != (ssize_t)n || write(ctl_fd, "\n", 1) != 1)
		mcc_die("control '%s': %s", req, strerror(errno));
	for (;;) {
		char ch;
		ssize_t k = read(ctl_fd, &ch, 1);
		if (k <= 0)
			mcc_die("control '%s': no reply", req);
		if (ch == '\n')
			break;
		if (len + 1 < cap)
			reply[len++] = ch;
	}
	reply[len] = 0;
	if (strncmp(reply, "ok", 2) != 0)
		mcc_die("control '%s': %s", req, reply);
}

static bool image_waiting(void)
{
	char r[256];
	ctl("image 0", r, sizeof(r));
	return strstr(r, " waiting=yes") != NULL;
}

/* ---- session A: the writes to LUN 0 ----------------------------------------------- */

struct writer {
	struct iscsi_context *iscsi;
	int lun;
	const uint8_t *data;
	uint32_t nblocks;		/* of DATA */
	uint32_t nwa;			/* LBA of DATA's first block */
	uint32_t next;			/* next block of DATA to send */
	uint32_t done;			/* blocks answered GOOD, in order */
	unsigned queued;		/* WRITEs sent, not answered */
};

struct wreq {
	struct writer *w;
	uint32_t first, n;
};

static void write_cb(struct iscsi_context *iscsi, int status, void *command_data, void *priv)
{
	struct wreq *q = priv;
	struct scsi_task *t = command_data;
	struct mcc_result r;
	char how[32];
	(void)iscsi;
	mcc_result_of(t, status, &r);
	if (r.dropped || r.status != MCC_STATUS_GOOD)
		mcc_die("WRITE(10) of LBA %u: %s%s%s", q->w->nwa + q->first, mcc_outcome(&r, how, sizeof(how)),
			r.dropped ? ": " : "", r.dropped ? iscsi_get_error(q->w->iscsi) : "");
	/* One session, one LUN: answered in the order sent (doc/iscsi-target.md). */
	if (q->first != q->w->done)
		mcc_die("WRITE(10) of LBA %u answered before the one of LBA %u", q->w->nwa + q->first,
		       q->w->nwa + q->w->done);
	q->w->done += q->n;
	q->w->queued--;
	scsi_free_scsi_task(t);
	free(q);
}

/* Send WRITEs until `until` blocks of DATA are on their way or MAX_QUEUED are. */
static void send_writes(struct writer *w, uint32_t until)
{
	while (w->next < until && w->queued < MAX_QUEUED) {
		uint32_t n = until - w->next < WRITE_BLKS ? until - w->next : WRITE_BLKS;
		struct wreq *q = malloc(sizeof(*q));
		if (!q)
			mcc_die("out of memory");
		*q = (struct wreq){ w, w->next, n };
		if (mcc_queue(w->iscsi, w->lun, mcc_cdb_write10(w->nwa + w->next, (uint16_t)n),
			      w->data + (size_t)w->next * BLK, (int)(n * BLK), NULL, 0, write_cb, q) != 0)
			mcc_die("WRITE(10) not queued: %s", iscsi_get_error(w->iscsi));
		w->next += n;
		w->queued++;
	}
}

/* Let libiscsi move data and read answers for at most ms milliseconds. */
static void service(struct writer *w, int ms)
{
	struct pollfd pfd = { .fd = iscsi_get_fd(w->iscsi), .events = (short)iscsi_which_events(w->iscsi) };
	int n = poll(&pfd, 1, ms);
	if (n < 0 && errno != EINTR)
		mcc_die("poll: %s", strerror(errno));
	if (iscsi_service(w->iscsi, n > 0 ? pfd.revents : 0) < 0)
		mcc_die("session A: %s", iscsi_get_error(w->iscsi));
}

/* ---- helpers ---------------------------------------------------------------------- */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f || fstat(fileno(f), &st) < 0)
		mcc_die("%s: %s", path, strerror(errno));
	uint8_t *p = malloc((size_t)st.st_size);
	if (!p || fread(p, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		mcc_die("%s: cannot read it", path);
	fclose(f);
	*len = (size_t)st.st_size;
	return p;
}

static uint32_t track1_nwa(struct iscsi_context *c, int lun)
{
	struct mcc_result r;
	struct mcc_track_info ti;
	mcc_run(c, lun, mcc_cdb_read_track_information(MCC_RTI_TRACK, 1, 40), NULL, 0, NULL, 40, &r);
	mcc_expect_good("READ TRACK INFORMATION", &r);
	if (!mcc_track_info(r.data, r.len, &ti) || !ti.nwa_v)
		mcc_die("READ TRACK INFORMATION: no valid NWA");
	return ti.nwa;
}

static void good(struct iscsi_context *c, int lun, const char *what, struct mcc_cdb cdb,
		 const uint8_t *out, int outlen, int inlen)
{
	struct mcc_result r;
	mcc_run(c, lun, cdb, out, outlen, NULL, inlen, &r);
	mcc_expect_good(what, &r);
	printf("  session B, LUN %d: %s: GOOD\n", lun, what);
}

int main(int argc, char **argv)
{
	mcc_init(argv[0]);
	if (argc != 5) {
		fprintf(stderr, "usage: bpclient CONTROL URL0 URL1 DATA\n");
		return 2;
	}
	size_t len;
	uint8_t *data = slurp(argv[4], &len);
	if (len % BLK || len < (32u << 20))
		mcc_die("%s: want a multiple of 2048 bytes, at least 32 MiB", argv[4]);
	ctl_connect(argv[1]);
	char reply[256];

	int lun0, lun1;
	struct mcc_login how = { .timeout_s = 600 };
	struct iscsi_context *a = mcc_open(argv[2], &how, &lun0);
	mcc_ready(a, lun0);
	struct writer w = { .iscsi = a, .lun = lun0, .data = data, .nblocks = (uint32_t)(len / BLK),
			    .nwa = track1_nwa(a, lun0) };

	/* 1-2: hold the image, write until a WRITE waits for room. */
	ctl("image 0 hold", reply, sizeof(reply));
	printf("  control 'image 0 hold' -> '%s'\n", reply);
	mcc_set_detail("LUN 0 held");
	while (!image_waiting()) {
		if (w.next == w.nblocks && w.queued == 0)
			mcc_die("all of DATA was taken: the held image never filled up");
		send_writes(&w, w.nblocks);
		service(&w, 20);
	}
	ctl("image 0", reply, sizeof(reply));
	printf("  LUN 0: %u of %u blocks sent, %u answered; control 'image 0' -> '%s'\n", w.next,
	       w.nblocks, w.done, reply);
	uint32_t sent_held = w.next;

	/* 3: session B gets answers while LUN 0's image stays full. */
	mcc_set_detail("session B while LUN 0 waits");
	struct iscsi_context *b = mcc_open(argv[3], &how, &lun1);
	mcc_ready(b, lun0);
	good(b, lun0, "TEST UNIT READY", mcc_cdb_test_unit_ready(), NULL, 0, 0);
	good(b, lun0, "INQUIRY", mcc_cdb_inquiry(false, 0, 96), NULL, 0, 96);
	good(b, lun0, "READ CAPACITY", mcc_cdb_read_capacity(), NULL, 0, 8);
	good(b, lun0, "READ DISC INFORMATION", mcc_cdb_read_disc_information(0, 34), NULL, 0, 34);
	mcc_ready(b, lun1);
	good(b, lun1, "TEST UNIT READY", mcc_cdb_test_unit_ready(), NULL, 0, 0);
	uint32_t nwa1 = track1_nwa(b, lun1);
	printf("  session B, LUN %d: READ TRACK INFORMATION: GOOD, NWA %u\n", lun1, nwa1);
	for (uint32_t k = 0; k < 4; k++) {	/* 2 MiB to LUN 1: its own image is not held */
		good(b, lun1, "WRITE(10) 512 KiB", mcc_cdb_write10(nwa1 + k * WRITE_BLKS, WRITE_BLKS),
		     data + (size_t)k * WRITE_KIB * 1024, (int)(WRITE_KIB * 1024), 0);
	}
	good(b, lun1, "SYNCHRONIZE CACHE", mcc_cdb_synchronize_cache(false), NULL, 0, 0);

	/* Still held: what session A had answered cannot have grown past the room. */
	service(&w, 0);
	if (!image_waiting())
		mcc_die("LUN 0's image no longer reports a WRITE waiting for room");
	if (w.done >= sent_held)
		mcc_die("every WRITE of LUN 0 was answered while its image was held");
	printf("  LUN 0 still waits: %u of %u blocks sent answered\n", w.done, sent_held);

	/* 4: release; everything goes in, in order. */
	mcc_set_detail("LUN 0 released");
	ctl("image 0 release", reply, sizeof(reply));
	printf("  control 'image 0 release' -> '%s'\n", reply);
	while (w.done < w.nblocks) {
		send_writes(&w, w.nblocks);
		service(&w, 100);
	}
	struct mcc_result r;
	mcc_run(a, lun0, mcc_cdb_synchronize_cache(false), NULL, 0, NULL, 0, &r);
	mcc_expect_good("LUN 0 SYNCHRONIZE CACHE", &r);
	printf("  LUN 0: %u blocks written from LBA %u, SYNCHRONIZE CACHE: GOOD\n", w.nblocks, w.nwa);
	uint32_t probe[3] = { 0, w.nblocks / 2, w.nblocks - 1 };
	for (int i = 0; i < 3; i++) {
		uint8_t got[BLK];
		mcc_run(a, lun0, mcc_cdb_read10(w.nwa + probe[i], 1), NULL, 0, got, BLK, &r);
		mcc_expect_good("LUN 0 READ(10)", &r);
		if (r.len != BLK || memcmp(got, data + (size_t)probe[i] * BLK, BLK) != 0)
			mcc_die("LUN 0 block %u reads back different", w.nwa + probe[i]);
	}
	printf("  LUN 0: blocks %u, %u, %u read back as written\n", w.nwa + probe[0],
	       w.nwa + probe[1], w.nwa + probe[2]);

	iscsi_logout_sync(b);
	iscsi_destroy_context(b);
	iscsi_logout_sync(a);
	iscsi_destroy_context(a);
	free(data);
	close(ctl_fd);
	return 0;
}
