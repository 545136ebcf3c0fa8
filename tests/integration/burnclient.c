/* tests/integration/burnclient.c - burns through simdrive with raw MMC CDBs over
 * libiscsi (not the engine), the way burning programs do (spec/mmc-subset.md §3).
 *
 * usage: burnclient URL SCENARIO [ARGS]
 *   dvdplusr SEED        DVD+R: two tracks in two sessions (close track, close session,
 *                        second session, finalize), every block read back
 *   tgt-sequence SEED    the sequence tgt's DVD+R emulation accepts: READ TRACK
 *                        INFORMATION -> WRITE(10) -> SYNCHRONIZE CACHE -> CLOSE TRACK ->
 *                        READ(10)
 *   state                print READ DISC INFORMATION, READ TRACK INFORMATION of every
 *                        track and READ TOC format 0 as hex (compared across restarts)
 *   refusals             WRITE at a wrong LBA and with a wrong length: refused with the
 *                        right sense, NWA unchanged
 * Exit 0 when every check passed, 1 on the first failed check (with the reason). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

static struct iscsi_context *ctx;
static int lun;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "burnclient: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static void put32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v; }
static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }

struct result {
	int status;
	int key, asc, ascq;
	uint8_t data[4096];
	int len;
};

/* Run one CDB; data-out from `out` (outlen bytes) or data-in of at most inlen bytes. */
static void run(const uint8_t *cdb, int cdblen, const uint8_t *out, int outlen, int inlen,
		struct result *r)
{
	struct scsi_task *t = malloc(sizeof(*t));
	struct iscsi_data d = { .size = (size_t)outlen, .data = (unsigned char *)out };

	memset(t, 0, sizeof(*t));
	memcpy(t->cdb, cdb, (size_t)cdblen);
	t->cdb_size = cdblen;
	t->xfer_dir = outlen ? SCSI_XFER_WRITE : (inlen ? SCSI_XFER_READ : SCSI_XFER_NONE);
	t->expxferlen = outlen ? outlen : inlen;
	if (!iscsi_scsi_command_sync(ctx, lun, t, outlen ? &d : NULL))
		die("transport failure: %s", iscsi_get_error(ctx));
	memset(r, 0, sizeof(*r));
	r->status = t->status;
	if (t->status == SCSI_STATUS_CHECK_CONDITION) {
		r->key = t->sense.key;
		r->asc = t->sense.ascq >> 8;
		r->ascq = t->sense.ascq & 0xff;
	}
	if (t->datain.size > 0) {
		r->len = t->datain.size < (int)sizeof(r->data) ? t->datain.size : (int)sizeof(r->data);
		memcpy(r->data, t->datain.data, (size_t)r->len);
	}
	scsi_free_scsi_task(t);
}

static void expect_good(const char *what, const struct result *r)
{
	if (r->status != SCSI_STATUS_GOOD)
		die("%s: status 0x%02x sense %x/%02x/%02x", what, r->status, r->key, r->asc, r->ascq);
}

static void expect_sense(const char *what, const struct result *r, int key, int asc, int ascq)
{
	if (r->status != SCSI_STATUS_CHECK_CONDITION || r->key != key || r->asc != asc || r->ascq != ascq)
		die("%s: expected %x/%02x/%02x, got status 0x%02x sense %x/%02x/%02x", what, key, asc, ascq,
		    r->status, r->key, r->asc, r->ascq);
}

/* TEST UNIT READY until GOOD, consuming unit attentions (at most 5). */
static void ready(void)
{
	static const uint8_t tur[6] = { 0x00 };
	struct result r;
	for (int i = 0; i < 5; i++) {
		run(tur, 6, NULL, 0, 0, &r);
		if (r.status == SCSI_STATUS_GOOD)
			return;
	}
	die("TEST UNIT READY never GOOD: sense %x/%02x/%02x", r.key, r.asc, r.ascq);
}

static void read_disc_info(struct result *r)
{
	uint8_t cdb[10] = { 0x51 };
	put16(cdb + 7, 34);
	run(cdb, 10, NULL, 0, 34, r);
	expect_good("READ DISC INFORMATION", r);
	if (r->len < 34)
		die("READ DISC INFORMATION: %d bytes", r->len);
}

/* READ TRACK INFORMATION, address type 01b (track number; FFh = invisible track). */
static void read_track_info(unsigned track, struct result *r)
{
	uint8_t cdb[10] = { 0x52, 0x01 };
	put32(cdb + 2, track);
	put16(cdb + 7, 48);
	run(cdb, 10, NULL, 0, 48, r);
}

static uint32_t nwa_of_invisible(void)
{
	struct result r;
	read_track_info(0xff, &r);
	expect_good("READ TRACK INFORMATION (FFh)", &r);
	if (!(r.data[7] & 0x01))
		die("READ TRACK INFORMATION (FFh): NWA_V not set");
	return be32(r.data + 12);
}

static void fill(uint8_t *buf, uint32_t lba, uint32_t n, unsigned seed)
{
	for (uint32_t b = 0; b < n; b++)
		for (uint32_t i = 0; i < 2048; i += 4)
			put32(buf + b * 2048 + i, (lba + b) * 2654435761u ^ i * 40503u ^ seed * 2246822519u);
}

static void write10(uint32_t lba, uint32_t n, const uint8_t *buf)
{
	uint8_t cdb[10] = { 0x2a };
	struct result r;
	put32(cdb + 2, lba);
	put16(cdb + 7, (uint16_t)n);
	run(cdb, 10, buf, (int)(n * 2048), 0, &r);
	char what[64];
	snprintf(what, sizeof(what), "WRITE(10) LBA %u x %u", lba, n);
	expect_good(what, &r);
}

/* Write `n` blocks from lba in 32 KiB units, as DVD burners do (spec §2.2). */
static void burn(uint32_t lba, uint32_t n, unsigned seed)
{
	static uint8_t buf[16 * 2048];
	for (uint32_t done = 0; done < n;) {
		uint32_t c = n - done < 16 ? n - done : 16;
		fill(buf, lba + done, c, seed);
		write10(lba + done, c, buf);
		done += c;
	}
}

static void verify(uint32_t lba, uint32_t n, unsigned seed)
{
	static uint8_t want[16 * 2048];
	for (uint32_t done = 0; done < n;) {
		uint32_t c = n - done < 16 ? n - done : 16;
		uint8_t cdb[10] = { 0x28 };
		struct scsi_task *t;
		put32(cdb + 2, lba + done);
		put16(cdb + 7, (uint16_t)c);
		t = malloc(sizeof(*t));
		memset(t, 0, sizeof(*t));
		memcpy(t->cdb, cdb, 10);
		t->cdb_size = 10;
		t->xfer_dir = SCSI_XFER_READ;
		t->expxferlen = (int)(c * 2048);
		if (!iscsi_scsi_command_sync(ctx, lun, t, NULL))
			die("READ(10): %s", iscsi_get_error(ctx));
		if (t->status != SCSI_STATUS_GOOD || t->datain.size != (int)(c * 2048))
			die("READ(10) LBA %u x %u: status 0x%02x, %d bytes", lba + done, c, t->status,
			    t->datain.size);
		fill(want, lba + done, c, seed);
		if (memcmp(t->datain.data, want, c * 2048) != 0)
			die("READ(10) LBA %u x %u: data differs from what was written", lba + done, c);
		scsi_free_scsi_task(t);
		done += c;
	}
}

static void sync_cache(void)
{
	static const uint8_t cdb[10] = { 0x35 };
	struct result r;
	run(cdb, 10, NULL, 0, 0, &r);
	expect_good("SYNCHRONIZE CACHE", &r);
}

static void close_ts(uint8_t function, uint16_t number)
{
	uint8_t cdb[10] = { 0x5b, 0, function };
	struct result r;
	put16(cdb + 4, number);
	run(cdb, 10, NULL, 0, 0, &r);
	char what[64];
	snprintf(what, sizeof(what), "CLOSE TRACK/SESSION function %u number %u", function, number);
	expect_good(what, &r);
}

static void check_disc(unsigned status, unsigned sessions, const char *when)
{
	struct result r;
	read_disc_info(&r);
	if ((r.data[2] & 3) != status || r.data[4] != sessions)
		die("%s: READ DISC INFORMATION disc status %u sessions %u, expected %u / %u", when,
		    r.data[2] & 3, r.data[4], status, sessions);
}

static void scenario_dvdplusr(unsigned seed)
{
	const uint32_t n1 = 1000, n2 = 480;

	check_disc(0, 1, "blank DVD+R");
	uint32_t nwa = nwa_of_invisible();
	if (nwa != 0)
		die("blank DVD+R: NWA %u, expected 0", nwa);
	burn(0, n1, seed);
	sync_cache();
	check_disc(1, 1, "after track 1");
	close_ts(1, 1);
	close_ts(2, 0);
	check_disc(1, 2, "after closing session 1");
	uint32_t nwa2 = nwa_of_invisible();
	if (nwa2 < n1)
		die("second session NWA %u is inside the first session (ends at %u)", nwa2, n1);
	burn(nwa2, n2, seed + 1);
	sync_cache();
	close_ts(1, 2);
	close_ts(5, 0);		/* finalize (DVD+R, spec §1.7) */
	check_disc(2, 2, "after finalizing");
	verify(0, n1, seed);
	verify(nwa2, n2, seed + 1);
	/* The TOC lists both tracks and the lead-out. */
	uint8_t cdb[10] = { 0x43, 0, 0, 0, 0, 0, 1 };
	struct result r;
	put16(cdb + 7, 804);
	run(cdb, 10, NULL, 0, 804, &r);
	expect_good("READ TOC format 0", &r);
	if (r.data[2] != 1 || r.data[3] != 2)
		die("READ TOC: tracks %u..%u, expected 1..2", r.data[2], r.data[3]);
	if (be32(r.data + 4 + 4) != 0 || be32(r.data + 4 + 8 + 4) != nwa2 || r.data[4 + 16 + 2] != 0xaa)
		die("READ TOC: track starts %u, %u and lead-out entry %02x", be32(r.data + 8),
		    be32(r.data + 16), r.data[22]);
	printf("dvdplusr: track 1 %u blocks at 0, track 2 %u blocks at %u, finalized, read back\n",
	       n1, n2, nwa2);
}

/* tgt's DVD+R emulation (usr/mmc.c): RTI -> WRITE(10) -> SYNC -> CLOSE TRACK -> READ(10). */
static void scenario_tgt(unsigned seed)
{
	uint32_t nwa = nwa_of_invisible();
	burn(nwa, 64, seed);
	sync_cache();
	close_ts(1, 1);
	verify(nwa, 64, seed);
	printf("tgt-sequence: 64 blocks at %u written, track closed, read back\n", nwa);
}

static void scenario_refusals(void)
{
	static uint8_t buf[17 * 2048];
	uint32_t nwa = nwa_of_invisible();
	uint8_t cdb[10] = { 0x2a };
	struct result r;

	/* Not at the NWA on sequential media: 05/21/02 (spec §2.3). */
	put32(cdb + 2, nwa + 16);
	put16(cdb + 7, 16);
	run(cdb, 10, buf, 16 * 2048, 0, &r);
	expect_sense("WRITE(10) past the NWA", &r, 5, 0x21, 0x02);
	/* Data length not blocks x 2048: 05/24/00 (spec §4.6). */
	put32(cdb + 2, nwa);
	put16(cdb + 7, 16);
	run(cdb, 10, buf, 17 * 2048, 0, &r);
	expect_sense("WRITE(10) with 17 blocks of data for 16", &r, 5, 0x24, 0x00);
	if (nwa_of_invisible() != nwa)
		die("NWA moved after refused writes");
	printf("refusals: wrong LBA 05/21/02, wrong length 05/24/00, NWA unchanged at %u\n", nwa);
}

static void hexline(const char *name, const uint8_t *p, int n)
{
	printf("%s", name);
	for (int i = 0; i < n; i++)
		printf(" %02x", p[i]);
	printf("\n");
}

static void scenario_state(void)
{
	struct result r;
	read_disc_info(&r);
	hexline("RDI", r.data, 34);
	unsigned last = r.data[6] | r.data[11] << 8;
	for (unsigned t = 1; t <= last; t++) {
		char name[16];
		read_track_info(t, &r);
		expect_good("READ TRACK INFORMATION", &r);
		snprintf(name, sizeof(name), "RTI%u", t);
		hexline(name, r.data, r.len < 36 ? r.len : 36);
	}
	uint8_t cdb[10] = { 0x43, 0, 0, 0, 0, 0, 1 };
	put16(cdb + 7, 804);
	run(cdb, 10, NULL, 0, 804, &r);
	if (r.status == SCSI_STATUS_GOOD)
		hexline("TOC", r.data, r.len);
	else
		printf("TOC sense %x/%02x/%02x\n", r.key, r.asc, r.ascq);
}

int main(int argc, char **argv)
{
	struct iscsi_url *url;

	if (argc < 3) {
		fprintf(stderr, "usage: burnclient URL dvdplusr|tgt-sequence SEED | state | refusals\n");
		return 2;
	}
	ctx = iscsi_create_context("iqn.2026-01.org.burnlab:burnclient");
	if (!ctx)
		die("cannot create an iSCSI context");
	url = iscsi_parse_full_url(ctx, argv[1]);
	if (!url)
		die("bad URL %s: %s", argv[1], iscsi_get_error(ctx));
	iscsi_set_targetname(ctx, url->target);
	iscsi_set_session_type(ctx, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(ctx, ISCSI_HEADER_DIGEST_NONE_CRC32C);
	lun = url->lun;
	if (iscsi_full_connect_sync(ctx, url->portal, url->lun) != 0)
		die("login to %s: %s", argv[1], iscsi_get_error(ctx));
	iscsi_destroy_url(url);
	ready();

	unsigned seed = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 1;
	if (strcmp(argv[2], "dvdplusr") == 0)
		scenario_dvdplusr(seed);
	else if (strcmp(argv[2], "tgt-sequence") == 0)
		scenario_tgt(seed);
	else if (strcmp(argv[2], "state") == 0)
		scenario_state();
	else if (strcmp(argv[2], "refusals") == 0)
		scenario_refusals();
	else
		die("unknown scenario %s", argv[2]);
	iscsi_logout_sync(ctx);
	iscsi_destroy_context(ctx);
	return 0;
}
