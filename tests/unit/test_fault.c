/* tests/unit/test_fault.c - the fault words of simdrive/fault.h: parsing (every kind,
 * defaults, each bad word named) and firing (LBA ranges of WRITE(10)/(12), command
 * numbers, counts, LUN filter). */
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

static int register_fault(void)
{
	static const struct unit_test tests[] = {
		{ "parse", test_parse },
		{ "fire_by_lba", test_fire_by_lba },
		{ "fire_by_command", test_fire_by_command },
	};
	return UNIT_ADD_SUITE("fault", tests);
}
UNIT_SUITE(register_fault)
