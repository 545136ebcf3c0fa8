/* tests/integration/timeclient.c - the drive's time over iSCSI (tests/integration/timing.sh,
 * doc/simdrive-time.md): speeds, the drive buffer, underruns and long operations as
 * a burning program meets them, with raw MMC CDBs over libiscsi.
 *
 * usage: timeclient URL SCENARIO [ARGS]      (URL names LUN 0 of the target)
 *   dvd MIB SPEED_X          blank DVD+R: SET STREAMING SPEED_X, check GET PERFORMANCE,
 *                            write MIB MiB in 256 KiB WRITE(10)s, READ BUFFER CAPACITY
 *                            during the burn (the fill) and after SYNCHRONIZE CACHE
 *                            (empty); prints "wall_s W" and "mib_per_s R"
 *   underrun BUFE            CD-R TAO at 52x (SET CD SPEED), BUFE 0 or 1 by MODE SELECT,
 *                            1.5 MiB at once then 64 KiB every 100 ms: BUFE 0 must fail
 *                            with 03/0C/09 (and keep failing), BUFE 1 must not; then
 *                            SYNCHRONIZE CACHE and the track holds exactly the blocks that
 *                            were acknowledged, read back; prints "good_blocks N"
 *   immed                    CD-R at 4x: page 2Ah and GET PERFORMANCE show the SET CD
 *                            SPEED choice; 1 MiB written; IMMED SYNCHRONIZE CACHE then
 *                            IMMED CLOSE SESSION, each polled with TEST UNIT READY and
 *                            REQUEST SENSE: 02/04/08 with rising progress, then GOOD
 *   held                     CD-R at 4x, 1 MiB written, SYNCHRONIZE CACHE and then
 *                            CLOSE SESSION without IMMED, the CLOSE sent
 *                            on one session while a second session works on LUN 1 (and
 *                            sees LUN 0 busy); the CLOSE answers late, LUN 1 at once;
 *                            prints "close_wall_s W" and "other_max_ms M"
 * Exit 0 when every check passed, 1 on the first failed check (with the reason). */
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "mmcclient.h"

static struct iscsi_context *ctx;	/* the main session, LUN 0 */

static void run(struct mcc_cdb cdb, const uint8_t *out, int outlen, int inlen,
		struct mcc_result *r)
{
	mcc_run(ctx, 0, cdb, out, outlen, NULL, inlen, r);
}

/* Block content: the LBA and a seed in the first 8 bytes, then a byte pattern - cheap
 * to make and to compress, different for every block. */
static void fill(uint8_t *buf, uint32_t lba, uint32_t n, unsigned seed)
{
	for (uint32_t b = 0; b < n; b++) {
		uint8_t *p = buf + (size_t)b * 2048;
		memset(p, (int)((lba + b) * 7 + seed), 2048);
		mcc_put32(p, lba + b);
		mcc_put32(p + 4, seed);
	}
}

static void write10_r(uint32_t lba, uint32_t n, const uint8_t *buf, struct mcc_result *r)
{
	run(mcc_cdb_write10(lba, (uint16_t)n), buf, (int)(n * 2048), 0, r);
}

static void write10(uint32_t lba, uint32_t n, const uint8_t *buf)
{
	struct mcc_result r;
	char what[64];
	write10_r(lba, n, buf, &r);
	snprintf(what, sizeof(what), "WRITE(10) LBA %u x %u", lba, n);
	mcc_expect_good(what, &r);
}

static void verify(uint32_t lba, uint32_t n, unsigned seed)
{
	mcc_verify10(ctx, 0, lba, n, 32, fill, seed);
}

static void sync_cache(bool immed, struct mcc_result *r)
{
	run(mcc_cdb_synchronize_cache(immed), NULL, 0, 0, r);
}

static void set_cd_speed(uint16_t write_kbps)
{
	struct mcc_result r;
	run(mcc_cdb_set_cd_speed(0xffff, write_kbps), NULL, 0, 0, &r);
	mcc_expect_good("SET CD SPEED", &r);
}

/* GET PERFORMANCE type 00h, Write: the current write performance (start, end kB/s). */
static void current_write_perf(uint32_t *start, uint32_t *end)
{
	struct mcc_result r;
	run(mcc_cdb_get_performance(0x14, 0, 1, 0x00), NULL, 0, 24, &r);
	mcc_expect_good("GET PERFORMANCE 00h", &r);
	if (r.len < 24)
		mcc_die("GET PERFORMANCE 00h: %d bytes", r.len);
	*start = mcc_be32(r.data + 8 + 4);
	*end = mcc_be32(r.data + 8 + 12);
}

/* READ BUFFER CAPACITY (Block=0): size and free bytes. */
static void buffer_capacity(uint32_t *size, uint32_t *avail)
{
	struct mcc_result r;
	run(mcc_cdb_read_buffer_capacity(false, 12), NULL, 0, 12, &r);
	mcc_expect_good("READ BUFFER CAPACITY", &r);
	if (r.len < 12)
		mcc_die("READ BUFFER CAPACITY: %d bytes", r.len);
	*size = mcc_be32(r.data + 4);
	*avail = mcc_be32(r.data + 8);
}

/* ---- dvd: a long DVD+R burn at a chosen speed -------------------------------------- */

static void scenario_dvd(unsigned mib, unsigned speed_x)
{
	enum { CHUNK = 128 };		/* blocks: 256 KiB WRITE(10)s */
	static uint8_t buf[CHUNK * 2048];
	uint32_t kbps = speed_x * 1385, start, end, size, avail;
	struct mcc_result r;

	/* SET STREAMING, libburn style: write size = kB/s, write time = 1000 ms. */
	uint8_t desc[MCC_STREAMING_LEN];
	mcc_streaming_desc(desc, false, 0, 2295104 - 1, kbps, kbps);
	run(mcc_cdb_set_streaming(0x00, sizeof(desc)), desc, sizeof(desc), 0, &r);
	mcc_expect_good("SET STREAMING", &r);
	current_write_perf(&start, &end);
	if (start != kbps || end != kbps)
		mcc_die("GET PERFORMANCE after SET STREAMING %ux: %u..%u kB/s, expected %u", speed_x,
		    start, end, kbps);

	buffer_capacity(&size, &avail);
	if (avail != size || size == 0)
		mcc_die("READ BUFFER CAPACITY before the burn: %u of %u free", avail, size);
	uint32_t total = mib * 512u;
	double t0 = mcc_now_s();
	for (uint32_t lba = 0; lba < total; lba += CHUNK) {
		fill(buf, lba, CHUNK, 5);
		write10(lba, CHUNK, buf);
		if (lba == CHUNK) {	/* two WRITEs in: the fill, nothing recorded yet */
			buffer_capacity(&size, &avail);
			if (avail != size - 2 * CHUNK * 2048)
				mcc_die("READ BUFFER CAPACITY after 512 KiB: %u of %u free, expected %u",
				    avail, size, size - 2 * CHUNK * 2048);
			printf("buffer after 512 KiB: %u of %u bytes free\n", avail, size);
		}
	}
	buffer_capacity(&size, &avail);
	printf("buffer before SYNCHRONIZE CACHE: %u of %u bytes free\n", avail, size);
	if (avail >= size)
		mcc_die("READ BUFFER CAPACITY at the end of the burn: the buffer is empty");
	sync_cache(false, &r);
	mcc_expect_good("SYNCHRONIZE CACHE", &r);
	double wall = mcc_now_s() - t0;
	buffer_capacity(&size, &avail);
	if (avail != size)
		mcc_die("READ BUFFER CAPACITY after SYNCHRONIZE CACHE: %u of %u free", avail, size);
	printf("buffer after SYNCHRONIZE CACHE: empty (%u bytes)\n", size);
	printf("wall_s %.3f\nmib_per_s %.1f\n", wall, mib / wall);
}

/* ---- underrun: a slow writer on a fast CD drive ------------------------------------ */

/* Page 05h BUFE by MODE SENSE(10) + MODE SELECT(10). */
static void set_bufe(bool on)
{
	struct mcc_result r;
	uint8_t page[64], par[MCC_MODE_HDR10 + 64];
	run(mcc_cdb_mode_sense10(true, 0, 0x05, 8 + 52), NULL, 0, 8 + 52, &r);
	mcc_expect_good("MODE SENSE page 05h", &r);
	int plen = mcc_mode_page(r.data, r.len, page, (int)sizeof(page));
	if (plen < MCC_P05_MIN || page[0] != 0x05)
		mcc_die("MODE SENSE page 05h: %d bytes", r.len);
	mcc_p05_set_bufe(page, on);
	int n = mcc_mode_list(par, (int)sizeof(par), page, plen, 0);
	run(mcc_cdb_mode_select10(false, (uint16_t)n), par, n, 0, &r);
	mcc_expect_good("MODE SELECT page 05h", &r);
}

static void scenario_underrun(bool bufe)
{
	enum { CHUNK = 32, FAST = 24, SLOW = 12, SLOW_MS = 100 };	/* 64 KiB WRITEs */
	static uint8_t buf[CHUNK * 2048];
	uint32_t lba = 0, good = 0;
	bool failed = false;
	struct mcc_result r;

	set_bufe(bufe);
	set_cd_speed(9200);		/* 52x = 9152 kB/s: rounded down to it */
	for (unsigned i = 0; i < FAST + SLOW && !failed; i++) {
		if (i >= FAST)
			mcc_sleep_ms(SLOW_MS);
		fill(buf, lba, CHUNK, 9);
		write10_r(lba, CHUNK, buf, &r);
		if (r.status == MCC_STATUS_GOOD) {
			lba += CHUNK;
			good += CHUNK;
			continue;
		}
		if (bufe)
			mcc_die("WRITE %u with BUFE: status 0x%02x sense %x/%02x/%02x", i, r.status, r.key,
			    r.asc, r.ascq);
		mcc_expect_sense("WRITE after the underrun", &r, 0x3, 0x0c, 0x09);
		printf("write %u (LBA %u) failed: 3/0C/09 loss of streaming\n", i, lba);
		failed = true;
	}
	if (!bufe && !failed)
		mcc_die("no loss of streaming without BUFE");
	if (failed) {		/* and it stays failed: nothing more is recorded */
		fill(buf, lba, CHUNK, 9);
		write10_r(lba, CHUNK, buf, &r);
		mcc_expect_sense("the WRITE after the failed one", &r, 0x3, 0x0c, 0x09);
	}
	sync_cache(false, &r);		/* CD TAO: ends the track as far as it got */
	mcc_expect_good("SYNCHRONIZE CACHE", &r);

	struct mcc_track_info t;
	run(mcc_cdb_read_track_information(MCC_RTI_TRACK, 1, 48), NULL, 0, 48, &r);
	mcc_expect_good("READ TRACK INFORMATION 1", &r);
	mcc_track_info(r.data, r.len, &t);
	uint32_t size = t.size;
	if (size != good)
		mcc_die("track 1 holds %u blocks, %u were acknowledged", size, good);
	verify(0, good, 9);
	printf("good_blocks %u\n", good);
}

/* ---- immed: long operations polled ------------------------------------------------- */

/* The sense of TEST UNIT READY and REQUEST SENSE while polling; returns true once the
 * drive is ready.  progress: SKSV and bytes 16-17 of the REQUEST SENSE data. */
static bool poll_once(int *progress)
{
	struct mcc_result r, s;
	struct mcc_sense sn;

	run(mcc_cdb_test_unit_ready(), NULL, 0, 0, &r);
	if (r.status == MCC_STATUS_GOOD)
		return true;
	mcc_expect_sense("TEST UNIT READY while busy", &r, 0x2, 0x04, 0x08);
	run(mcc_cdb_request_sense(false, 18), NULL, 0, 18, &s);
	mcc_expect_good("REQUEST SENSE", &s);
	if (s.len < 18)
		mcc_die("REQUEST SENSE: %d bytes", s.len);
	mcc_sense_decode(s.data, s.len, &sn);
	if (sn.key == 0x0 && sn.asc == 0 && sn.ascq == 0) {
		*progress = -1;		/* finished between the two commands */
		return false;
	}
	if (sn.key != 0x2 || sn.asc != 0x04 || sn.ascq != 0x08)
		mcc_die("REQUEST SENSE while busy: %x/%02x/%02x", sn.key, sn.asc, sn.ascq);
	/* the progress indication of SPC-4 §4.5.2.4.4 */
	if (!sn.sksv)
		mcc_die("REQUEST SENSE while busy: no progress indication (SKSV clear)");
	*progress = mcc_be16(sn.sks + 1);
	return false;
}

static void poll_until_ready(const char *what, unsigned every_ms)
{
	int last = -1, polls = 0, progress;
	double t0 = mcc_now_s();

	for (;;) {
		if (poll_once(&progress))
			break;
		if (mcc_now_s() - t0 > 60)
			mcc_die("%s: still busy after 60 s", what);
		if (progress >= 0) {
			if (progress < last)
				mcc_die("%s: progress went back from %d to %d", what, last, progress);
			last = progress;
			polls++;
		}
		mcc_sleep_ms(every_ms);
	}
	printf("%s: %d polls busy (02/04/08), last progress %d/65536, ready after %.3f s\n",
	       what, polls, last, mcc_now_s() - t0);
	if (polls < 3)
		mcc_die("%s: only %d busy polls", what, polls);
	if (last <= 0)
		mcc_die("%s: the progress never rose", what);
}

/* CD-R at 4x, 1 MiB written (the buffer is half full: the laser has just started). */
static void cd_prepare(void)
{
	enum { CHUNK = 32 };
	static uint8_t buf[CHUNK * 2048];
	struct mcc_result r;
	uint32_t start, end;

	set_cd_speed(706);		/* 4x = 704 kB/s */
	current_write_perf(&start, &end);
	if (start != 704 || end != 704)
		mcc_die("GET PERFORMANCE after SET CD SPEED 706: %u..%u kB/s, expected 704", start, end);
	run(mcc_cdb_mode_sense10(false, 0, 0x2a, 255), NULL, 0, 255, &r);
	mcc_expect_good("MODE SENSE page 2Ah", &r);
	const uint8_t *p = r.data + MCC_MODE_HDR10;
	if (r.len < 8 + 32 || (p[0] & 0x3f) != 0x2a)
		mcc_die("MODE SENSE page 2Ah: %d bytes", r.len);
	unsigned n = mcc_be16(p + 30);
	if (mcc_be16(p + 28) != 704 || n == 0 || p[1] != 0x1e + 4 * n || r.len < (int)(8 + 32 + 4 * n))
		mcc_die("page 2Ah: current write speed %u, %u descriptors, page length %u",
		    mcc_be16(p + 28), n, p[1]);
	if (!(p[4] & 0x80))
		mcc_die("page 2Ah: BUF (underrun-free recording) not set");
	printf("page 2Ah: current write speed %u kB/s, maximum %u, %u descriptors (%u..%u kB/s)\n",
	       mcc_be16(p + 28), mcc_be16(p + 18), n, mcc_be16(p + 32 + 2), mcc_be16(p + 32 + 4 * (n - 1) + 2));
	for (uint32_t lba = 0; lba < 512; lba += CHUNK) {
		fill(buf, lba, CHUNK, 3);
		write10(lba, CHUNK, buf);
	}
}

static void scenario_immed(void)
{
	struct mcc_result r;

	cd_prepare();
	sync_cache(true, &r);
	mcc_expect_good("SYNCHRONIZE CACHE IMMED", &r);
	poll_until_ready("SYNCHRONIZE CACHE IMMED", 5);
	run(mcc_cdb_close_track_session(true, MCC_CLOSE_SESSION, 0), NULL, 0, 0, &r);
	mcc_expect_good("CLOSE SESSION IMMED", &r);
	/* A WRITE meanwhile waits: 02/04/08, long write in progress. */
	static uint8_t one[2048];
	write10_r(600, 1, one, &r);
	mcc_expect_sense("WRITE during the IMMED CLOSE", &r, 0x2, 0x04, 0x08);
	poll_until_ready("CLOSE SESSION IMMED", 50);
	struct mcc_disc_info d;
	run(mcc_cdb_read_disc_information(0, 34), NULL, 0, 34, &r);
	mcc_expect_good("READ DISC INFORMATION", &r);
	mcc_disc_info(r.data, r.len, &d);
	if (d.status != 2)	/* page 05h multi-session 00b: the disc is finalized */
		mcc_die("after CLOSE SESSION: disc status %d, %d sessions", d.status, d.sessions);
}

/* ---- held: a slow CLOSE without IMMED, another session meanwhile -------------------- */

struct pending {
	bool done;
	int status;
	double t_end;
};

static void close_done(struct iscsi_context *c, int status, void *command_data, void *private)
{
	struct pending *p = private;
	struct scsi_task *t = command_data;
	(void)c;
	p->done = true;
	p->status = status;
	p->t_end = mcc_now_s();
	scsi_free_scsi_task(t);
}

/* Let ctx's event loop run for up to ms milliseconds. */
static void service(struct iscsi_context *c, int ms)
{
	struct pollfd pfd = { .fd = iscsi_get_fd(c), .events = (short)iscsi_which_events(c) };
	if (poll(&pfd, 1, ms) < 0)
		mcc_die("poll failed");
	if (iscsi_service(c, pfd.revents) < 0)
		mcc_die("iscsi_service: %s", iscsi_get_error(c));
}

static void scenario_held(const char *url)
{
	struct pending p = { 0 };
	struct mcc_result r;

	cd_prepare();
	double s0 = mcc_now_s();
	sync_cache(false, &r);		/* CD TAO: ends the track; answered when drained */
	mcc_expect_good("SYNCHRONIZE CACHE", &r);
	printf("sync_wall_s %.3f\n", mcc_now_s() - s0);
	struct iscsi_context *other = mcc_open(url, NULL, NULL);
	mcc_ready(other, 1);
	mcc_ready(other, 0);		/* the unit attention of the new session on LUN 0 */

	double t0 = mcc_now_s();
	if (mcc_queue(ctx, 0, mcc_cdb_close_track_session(false, MCC_CLOSE_SESSION, 0), NULL, 0,
		      NULL, 0, close_done, &p) != 0)
		mcc_die("CLOSE SESSION: %s", iscsi_get_error(ctx));
	service(ctx, 0);		/* on the wire */

	/* The other session: LUN 1 answers at once; LUN 0 is busy with progress. */
	double worst = 0;
	unsigned served = 0, busy_seen = 0;
	while (!p.done) {
		double a = mcc_now_s();
		mcc_run(other, 1, mcc_cdb_inquiry(false, 0, 96), NULL, 0, NULL, 96, &r);
		mcc_expect_good("INQUIRY on LUN 1 meanwhile", &r);
		mcc_run(other, 1, mcc_cdb_test_unit_ready(), NULL, 0, NULL, 0, &r);
		mcc_expect_good("TEST UNIT READY on LUN 1 meanwhile", &r);
		double b = mcc_now_s() - a;
		if (b > worst)
			worst = b;
		served += 2;
		mcc_run(other, 0, mcc_cdb_test_unit_ready(), NULL, 0, NULL, 0, &r);
		if (!p.done && r.status != MCC_STATUS_GOOD) {
			mcc_expect_sense("TEST UNIT READY on LUN 0 from the other session", &r, 0x2, 0x04, 0x08);
			busy_seen++;
		}
		service(ctx, 20);
		if (mcc_now_s() - t0 > 60)
			mcc_die("CLOSE SESSION without IMMED: no answer after 60 s");
	}
	if (p.status != MCC_STATUS_GOOD)
		mcc_die("CLOSE SESSION without IMMED: status 0x%02x", p.status);
	double took = p.t_end - t0;
	printf("close_wall_s %.3f\nother_commands %u\nother_max_ms %.1f\nlun0_busy_seen %u\n",
	       took, served, worst * 1000, busy_seen);
	if (served < 10 || busy_seen == 0)
		mcc_die("the other session was not served while the CLOSE was held (%u commands, "
		    "%u busy answers)", served, busy_seen);
	mcc_ready(ctx, 0);
	iscsi_logout_sync(other);
	iscsi_destroy_context(other);
}

int main(int argc, char **argv)
{
	mcc_init("timeclient");
	if (argc < 3) {
		fprintf(stderr, "usage: timeclient URL dvd MIB SPEED_X | underrun BUFE | immed | held\n");
		return 2;
	}
	ctx = mcc_open(argv[1], NULL, NULL);
	mcc_ready(ctx, 0);

	if (strcmp(argv[2], "dvd") == 0 && argc >= 5)
		scenario_dvd((unsigned)strtoul(argv[3], NULL, 0), (unsigned)strtoul(argv[4], NULL, 0));
	else if (strcmp(argv[2], "underrun") == 0 && argc >= 4)
		scenario_underrun(strtoul(argv[3], NULL, 0) != 0);
	else if (strcmp(argv[2], "immed") == 0)
		scenario_immed();
	else if (strcmp(argv[2], "held") == 0)
		scenario_held(argv[1]);
	else
		mcc_die("unknown scenario or missing arguments: %s", argv[2]);
	iscsi_logout_sync(ctx);
	iscsi_destroy_context(ctx);
	return 0;
}
