/* tests/unit/test_fault.c - the fault words of simdrive/drive/fault.h: parsing (every kind,
 * defaults, each bad word named) and firing (LBA ranges of WRITE(10)/(12), command
 * numbers, counts, LUN filter), the kinds of issue 6 (medium-error, deferred
 * write-error, eject, ignore-speed, record-nothing), seeded firing and the canonical
 * words of sim_fault_format; the image-enospc / image-eio kinds (issue 15). */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "fault.h"
#include "unit.h"

static void test_parse(void)
{
	struct sim_fault f;
	char err[300];

	CU_ASSERT_EQUAL(sim_fault_parse("long-write-in-progress lba=100 polls=3", &f, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(f.kind, SIM_FAULT_LONG_WRITE);
	CU_ASSERT(f.by_lba);
	CU_ASSERT_EQUAL(f.lba, 100);
	CU_ASSERT_EQUAL(f.count, 3);
	CU_ASSERT_EQUAL(f.lun, -1);
	CU_ASSERT(f.sense.key == 2 && f.sense.asc == 4 && f.sense.ascq == 8);

	CU_ASSERT_EQUAL(sim_fault_parse("unit-attention,command=5,lun=1", &f, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(f.kind, SIM_FAULT_UNIT_ATTENTION);
	CU_ASSERT(!f.by_lba);
	CU_ASSERT_EQUAL(f.command, 5);
	CU_ASSERT_EQUAL(f.lun, 1);
	CU_ASSERT(f.sense.key == 6 && f.sense.asc == 0x29 && f.sense.ascq == 0);

	CU_ASSERT_EQUAL(sim_fault_parse("write-error lba=-150 sense=3/0C/09", &f, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(f.lba, -150);
	CU_ASSERT(f.sense.key == 3 && f.sense.asc == 0x0C && f.sense.ascq == 9);

	CU_ASSERT_EQUAL(sim_fault_parse("drop-connection lba=7 after", &f, err, sizeof(err)), 0);
	CU_ASSERT(f.after);

	static const struct { const char *text, *word; } bad[] = {
		{ "bogus lba=1", "bogus" },
		{ "write-error", "lba=L or command=N" },
		{ "write-error lba=x", "lba=x" },
		{ "write-error lba=1 sense=9", "sense=9" },
		{ "write-error lba=1 sense=10/00/00", "sense=10/00/00" },
		{ "write-error lba=1 after", "after" },
		{ "drop-connection lba=1 sense=3/0C/00", "takes no sense" },
		{ "long-write-in-progress command=0", "command=0" },
		{ "long-write-in-progress lba=1 count=0", "count=0" },
		{ "unit-attention lba=1 color=red", "color=red" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CU_ASSERT_EQUAL(sim_fault_parse(bad[i].text, &f, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].word));
	}
}

static void write10(uint8_t *cdb, uint32_t lba, uint16_t n)
{
	memset(cdb, 0, 16);
	cdb[0] = 0x2A;
	cdb[2] = (uint8_t)(lba >> 24);
	cdb[3] = (uint8_t)(lba >> 16);
	cdb[4] = (uint8_t)(lba >> 8);
	cdb[5] = (uint8_t)lba;
	cdb[7] = (uint8_t)(n >> 8);
	cdb[8] = (uint8_t)n;
}

static void test_fire_by_lba(void)
{
	struct sim_fault f[1];
	struct sim_fault_effect e;
	uint8_t cdb[16];
	char err[300];

	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("long-write-in-progress lba=300 count=2", f, err, sizeof(err)), 0);
	write10(cdb, 0, 128);
	CU_ASSERT(!sim_fault_check(f, 1, 0, 1, cdb, &e));	/* 0..127 */
	write10(cdb, 256, 128);
	CU_ASSERT(sim_fault_check(f, 1, 0, 2, cdb, &e));	/* 256..383 holds 300 */
	CU_ASSERT(e.fail && e.sense.asc == 0x04);
	CU_ASSERT(sim_fault_check(f, 1, 0, 3, cdb, &e));	/* resent: second poll */
	CU_ASSERT(!sim_fault_check(f, 1, 0, 4, cdb, &e));	/* used up */
	CU_ASSERT_EQUAL(f[0].fired, 2);

	/* WRITE(12) with a negative LBA (two's complement, MMC lead-in) */
	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("write-error lba=-100", f, err, sizeof(err)), 0);
	memset(cdb, 0, 16);
	cdb[0] = 0xAA;
	uint32_t lba = (uint32_t)-150;
	cdb[2] = (uint8_t)(lba >> 24);
	cdb[3] = (uint8_t)(lba >> 16);
	cdb[4] = (uint8_t)(lba >> 8);
	cdb[5] = (uint8_t)lba;
	cdb[9] = 100;
	CU_ASSERT(sim_fault_check(f, 1, 0, 1, cdb, &e));
	CU_ASSERT(e.fail && e.sense.key == 3);
	/* not a WRITE: LBA faults ignore it */
	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("write-error lba=0", f, err, sizeof(err)), 0);
	memset(cdb, 0, 16);
	cdb[0] = 0x28;
	CU_ASSERT(!sim_fault_check(f, 1, 0, 1, cdb, &e));
}

static void test_fire_by_command(void)
{
	struct sim_fault f[2];
	struct sim_fault_effect e;
	uint8_t cdb[16] = { 0x00 };
	char err[300];

	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("unit-attention command=3 lun=1", &f[0], err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("drop-connection command=5 after", &f[1], err, sizeof(err)), 0);
	CU_ASSERT(!sim_fault_check(f, 2, 1, 2, cdb, &e));
	CU_ASSERT(!sim_fault_check(f, 2, 0, 3, cdb, &e));	/* other LUN */
	CU_ASSERT(sim_fault_check(f, 2, 1, 3, cdb, &e));
	CU_ASSERT(e.raise_ua && !e.fail && !e.drop);
	CU_ASSERT(!sim_fault_check(f, 2, 1, 4, cdb, &e));
	CU_ASSERT(sim_fault_check(f, 2, 0, 5, cdb, &e));
	CU_ASSERT(e.drop && e.after && !e.fail);
	CU_ASSERT(!sim_fault_check(f, 2, 0, 5, cdb, &e));	/* fires once */
}

static void test_parse_new_kinds(void)
{
	struct sim_fault f;
	char err[300];

	CU_ASSERT_EQUAL(sim_fault_parse("medium-error lba=10", &f, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(f.kind, SIM_FAULT_MEDIUM_ERROR);
	CU_ASSERT(f.sense.key == 3 && f.sense.asc == 0x11 && f.sense.ascq == 0);
	CU_ASSERT_EQUAL(sim_fault_parse("write-error lba=64 deferred", &f, err, sizeof(err)), 0);
	CU_ASSERT(f.deferred && f.trigger == SIM_TRIG_LBA);
	CU_ASSERT_EQUAL(sim_fault_parse("eject command=12", &f, err, sizeof(err)), 0);
	CU_ASSERT(f.kind == SIM_FAULT_EJECT && f.trigger == SIM_TRIG_COMMAND && f.command == 12);
	CU_ASSERT_EQUAL(sim_fault_parse("ignore-speed command=+1", &f, err, sizeof(err)), 0);
	CU_ASSERT(f.kind == SIM_FAULT_IGNORE_SPEED && f.relative && f.command == 1);
	CU_ASSERT_EQUAL(sim_fault_parse("record-nothing,lba=-150,count=4", &f, err, sizeof(err)), 0);
	CU_ASSERT(f.kind == SIM_FAULT_RECORD_NOTHING && f.lba == -150 && f.count == 4);
	CU_ASSERT_EQUAL(sim_fault_parse("write-error seed=7 probability=0.25 count=3", &f, err,
					sizeof(err)), 0);
	CU_ASSERT(f.trigger == SIM_TRIG_SEED && f.seed == 7 && f.ppm == 250000 && f.count == 3);

	static const struct { const char *text, *word; } bad[] = {
		{ "medium-error lba=1 deferred", "deferred" },
		{ "eject lba=1 sense=2/3A/00", "takes no sense" },
		{ "record-nothing lba=1 after", "after" },
		{ "write-error lba=1 probability=0.5", "probability= goes with seed=" },
		{ "write-error seed=1 probability=2", "probability=2" },
		{ "write-error seed=1 probability=0", "probability=0" },
		{ "write-error lba=1 command=3", "command=3" },
		{ "eject command=+x", "command=+x" },
		{ "eject command=+", "command=+" },
		{ "ignore-speed", "seed=S" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CU_ASSERT_EQUAL(sim_fault_parse(bad[i].text, &f, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].word));
	}
}

/* sim_fault_format gives words sim_fault_parse takes back to the same fault. */
static void test_format_round_trip(void)
{
	static const char *const lines[] = {
		"long-write-in-progress lba=100 polls=3",
		"unit-attention lun=2 command=5 sense=6/28/00",
		"write-error lba=-150 sense=3/0C/09 deferred",
		"drop-connection command=+4 after count=2",
		"medium-error lba=17",
		"eject lba=300",
		"ignore-speed command=1",
		"record-nothing lba=32 count=2",
		"write-error seed=99 probability=0.125",
		"image-enospc lun=1 after=1048576",
		"image-eio after=0 at-sync",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct sim_fault a, b;
		char err[300], words[256];
		CU_ASSERT_EQUAL_FATAL(sim_fault_parse(lines[i], &a, err, sizeof(err)), 0);
		sim_fault_format(&a, words, sizeof(words));
		CU_ASSERT_EQUAL_FATAL(sim_fault_parse(words, &b, err, sizeof(err)), 0);
		CU_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
	}
	struct sim_fault f;
	char err[300], words[256];
	sim_fault_parse("write-error lba=64 deferred", &f, err, sizeof(err));
	sim_fault_format(&f, words, sizeof(words));
	CU_ASSERT_STRING_EQUAL(words, "write-error lba=64 count=1 sense=3/0C/00 deferred");
}

static void read10(uint8_t *cdb, uint32_t lba, uint16_t n)
{
	write10(cdb, lba, n);
	cdb[0] = 0x28;
}

static void test_fire_new_kinds(void)
{
	struct sim_fault f[1];
	struct sim_fault_effect e;
	uint8_t cdb[16];
	char err[300];

	/* medium-error looks at READs only and names the LBA. */
	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("medium-error lba=10", f, err, sizeof(err)), 0);
	write10(cdb, 0, 16);
	CU_ASSERT(!sim_fault_check(f, 1, 0, 1, cdb, &e));
	read10(cdb, 8, 4);
	CU_ASSERT(sim_fault_check(f, 1, 0, 2, cdb, &e));
	CU_ASSERT(e.fail && e.has_info && e.info == 10 && e.sense.asc == 0x11);
	CU_ASSERT(e.fault == &f[0]);
	/* READ CD: 24-bit transfer length in bytes 6-8. */
	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("medium-error lba=300", f, err, sizeof(err)), 0);
	memset(cdb, 0, 16);
	cdb[0] = 0xBE;
	cdb[4] = 0x01;			/* LBA 256 */
	cdb[8] = 0x80;			/* 128 blocks */
	CU_ASSERT(sim_fault_check(f, 1, 0, 1, cdb, &e));

	/* deferred write-error: no fail, the sense to queue, INFORMATION = the LBA. */
	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("write-error lba=-100 deferred", f, err, sizeof(err)), 0);
	write10(cdb, (uint32_t)-150, 100);
	CU_ASSERT(sim_fault_check(f, 1, 0, 1, cdb, &e));
	CU_ASSERT(e.deferred && !e.fail && e.has_info && e.info == 0xFFFFFF9Cu);

	static const struct { const char *text; size_t off; } flag[] = {
		{ "eject lba=5", offsetof(struct sim_fault_effect, eject) },
		{ "ignore-speed lba=5", offsetof(struct sim_fault_effect, ignore_speed) },
		{ "record-nothing lba=5", offsetof(struct sim_fault_effect, no_record) },
	};
	for (size_t i = 0; i < sizeof(flag) / sizeof(flag[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(sim_fault_parse(flag[i].text, f, err, sizeof(err)), 0);
		write10(cdb, 0, 16);
		CU_ASSERT_FATAL(sim_fault_check(f, 1, 0, 1, cdb, &e));
		CU_ASSERT(*(const bool *)((const char *)&e + flag[i].off));
		CU_ASSERT(!e.fail && !e.drop && !e.deferred);
	}

	/* command=+N is resolved by the device, never fired as it stands. */
	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("eject command=+1", f, err, sizeof(err)), 0);
	CU_ASSERT(!sim_fault_check(f, 1, 0, 1, cdb, &e));
}

/* The same seed over the same commands fires at the same commands; another seed
 * differently; the count caps the firings. */
static void test_fire_by_seed(void)
{
	struct sim_fault a[1], b[1], c[1];
	struct sim_fault_effect e;
	uint8_t cdb[16];
	char err[300];
	char ha[201] = "", hb[201] = "", hc[201] = "";

	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("write-error seed=5 probability=0.2 count=1000", a, err,
					      sizeof(err)), 0);
	*b = *a;
	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("write-error seed=6 probability=0.2 count=1000", c, err,
					      sizeof(err)), 0);
	for (int i = 0; i < 200; i++) {
		write10(cdb, (uint32_t)i * 16, 16);
		ha[i] = sim_fault_check(a, 1, 0, (uint64_t)i, cdb, &e) ? 'E' : '.';
		hb[i] = sim_fault_check(b, 1, 0, (uint64_t)i, cdb, &e) ? 'E' : '.';
		hc[i] = sim_fault_check(c, 1, 0, (uint64_t)i, cdb, &e) ? 'E' : '.';
		/* not a candidate: no draw, so it changes nothing */
		memset(cdb, 0, 16);
		CU_ASSERT(!sim_fault_check(a, 1, 0, (uint64_t)i, cdb, &e));
		CU_ASSERT(!sim_fault_check(b, 1, 0, (uint64_t)i, cdb, &e));
	}
	CU_ASSERT_STRING_EQUAL(ha, hb);
	CU_ASSERT(strcmp(ha, hc) != 0);
	CU_ASSERT(a[0].fired > 20 && a[0].fired < 60);	/* about 40 */

	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("write-error seed=5 probability=1 count=2", a, err,
					      sizeof(err)), 0);
	write10(cdb, 0, 1);
	CU_ASSERT(sim_fault_check(a, 1, 0, 1, cdb, &e));
	CU_ASSERT(sim_fault_check(a, 1, 0, 2, cdb, &e));
	CU_ASSERT(!sim_fault_check(a, 1, 0, 3, cdb, &e));
}

/* image-enospc / image-eio: no command trigger, after=BYTES and at-sync; never fired by
 * sim_fault_check (the image writer fails instead); the errno each injects. */
static void test_image_kinds(void)
{
	struct sim_fault f;
	char err[300], words[256];

	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("image-enospc lun=1 after=4096", &f, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(f.kind, SIM_FAULT_IMAGE_ENOSPC);
	CU_ASSERT_EQUAL(f.trigger, SIM_TRIG_IMAGE);
	CU_ASSERT_EQUAL(f.bytes, 4096);
	CU_ASSERT(!f.at_sync);
	CU_ASSERT_EQUAL(f.lun, 1);
	CU_ASSERT_EQUAL(sim_fault_image_errno(f.kind), ENOSPC);
	sim_fault_format(&f, words, sizeof(words));
	CU_ASSERT_STRING_EQUAL(words, "image-enospc lun=1 after=4096");

	CU_ASSERT_EQUAL_FATAL(sim_fault_parse("image-eio,at-sync", &f, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(f.kind, SIM_FAULT_IMAGE_EIO);
	CU_ASSERT_EQUAL(f.bytes, 0);
	CU_ASSERT(f.at_sync);
	CU_ASSERT_EQUAL(f.lun, -1);
	CU_ASSERT_EQUAL(sim_fault_image_errno(f.kind), EIO);
	CU_ASSERT_EQUAL(sim_fault_image_errno(SIM_FAULT_WRITE_ERROR), 0);

	/* Armed in the writer, so a WRITE at LBA 0 (what a zero lba would match) or any
	 * command number never fires it here. */
	uint8_t cdb[16];
	struct sim_fault_effect e;
	write10(cdb, 0, 16);
	for (uint64_t n = 1; n <= 4; n++)
		CU_ASSERT(!sim_fault_check(&f, 1, 0, n, cdb, &e));
	CU_ASSERT_EQUAL(f.fired, 0);

	static const struct { const char *text, *word; } bad[] = {
		{ "image-eio lba=5", "takes lun=, after=BYTES and at-sync only" },
		{ "image-eio command=1", "takes lun=, after=BYTES and at-sync only" },
		{ "image-enospc after=10 sense=3/0C/00", "takes lun=, after=BYTES and at-sync only" },
		{ "image-enospc count=2", "takes lun=, after=BYTES and at-sync only" },
		{ "image-enospc after", "'after'" },
		{ "image-enospc after=-1", "after=-1" },
		{ "image-eio after=1k", "after=1k" },
		{ "write-error lba=1 at-sync", "at-sync" },
		{ "drop-connection lba=1 after=5", "after=5" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CU_ASSERT_EQUAL(sim_fault_parse(bad[i].text, &f, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].word));
	}
}

static int register_fault(void)
{
	static const struct unit_test tests[] = {
		{ "parse", test_parse },
		{ "fire_by_lba", test_fire_by_lba },
		{ "fire_by_command", test_fire_by_command },
		{ "parse_new_kinds", test_parse_new_kinds },
		{ "format_round_trip", test_format_round_trip },
		{ "fire_new_kinds", test_fire_new_kinds },
		{ "fire_by_seed", test_fire_by_seed },
		{ "image_kinds", test_image_kinds },
	};
	return UNIT_ADD_SUITE("fault", tests);
}
UNIT_SUITE(register_fault)
