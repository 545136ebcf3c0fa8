/* tests/unit/test_control.c - control requests of a daemon of several targets
 * (simdrive/control.h sim_control_exec_targets, doc/simdrive-control.md): target=IQN
 * picks the device, the first target's otherwise; "targets" lists them. */
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "unit.h"

#define TGT_A "iqn.2026-01.org.example:a"
#define TGT_B "iqn.2026-01.org.example:b"

static struct sim_dev *empty_dev(const char *name, const struct sim_lun_cfg *luns, size_t n)
{
	struct sim_dev_cfg cfg = {
		.vendor = "BURNLAB", .product = "SIMDRIVE", .revision = "0.1", .serial = "SN",
		.target_name = name, .luns = luns, .nluns = n,
	};
	char err[256];
	struct sim_dev *dev = sim_dev_new(&cfg, err, sizeof(err));
	if (!dev)
		fprintf(stderr, "sim_dev_new: %s\n", err);
	return dev;
}

static int exec(const struct sim_target_node *t, size_t n, const char *line, char *out, size_t cap)
{
	out[0] = 0;
	return sim_control_exec_targets(t, n, line, out, cap);
}

static void test_targets(void)
{
	static const struct sim_lun_cfg a_luns[] = { { .lun = 0, .media = "none" } };
	static const struct sim_lun_cfg b_luns[] = { { .lun = 0, .media = "none" },
						     { .lun = 3, .media = "none" } };
	struct sim_target_node t[2] = {
		{ .name = TGT_A, .dev = empty_dev(TGT_A, a_luns, 1) },
		{ .name = TGT_B, .dev = empty_dev(TGT_B, b_luns, 2) },
	};
	char out[512];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t[0].dev);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t[1].dev);
	CU_ASSERT_EQUAL(exec(t, 2, "targets", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "ok 2 targets " TGT_A " " TGT_B);
	CU_ASSERT_EQUAL(exec(t, 1, "targets", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "ok 1 target " TGT_A);
	CU_ASSERT_EQUAL(exec(t, 2, "targets x", out, sizeof(out)), -1);
	CU_ASSERT_STRING_EQUAL(out, "error: targets: unexpected word 'x'");

	/* LUN 3 is target B's: without target= the request goes to target A. */
	CU_ASSERT_EQUAL(exec(t, 2, "stats 3", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(exec(t, 2, "target=" TGT_B " stats 3", out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(strncmp(out, "ok lun=3 commands=0 ", 20), 0);
	/* Names compare case-insensitively; blanks around the word are fine. */
	CU_ASSERT_EQUAL(exec(t, 2, "  target=IQN.2026-01.ORG.EXAMPLE:B\tstats 3", out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(exec(t, 2, "target=iqn.2026-01.org.example:c time", out, sizeof(out)), -1);
	CU_ASSERT_STRING_EQUAL(out, "error: unknown target 'iqn.2026-01.org.example:c' (try 'targets')");
	CU_ASSERT_EQUAL(exec(t, 2, "target= time", out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(exec(t, 2, "target=" TGT_B, out, sizeof(out)), -1);
	CU_ASSERT_STRING_EQUAL(out, "error: empty request (try 'help')");

	/* A fault goes to the device named, and only there. */
	CU_ASSERT_EQUAL(exec(t, 2, "target=" TGT_B " fault write-error lba=64 lun=3", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "ok 1");
	CU_ASSERT_EQUAL(exec(t, 2, "faults", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "ok 0 faults");
	CU_ASSERT_EQUAL(exec(t, 2, "target=" TGT_B " faults", out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(strncmp(out, "ok 1 fault | 1 fired=0 ", 23), 0);
	CU_ASSERT_EQUAL(exec(t, 2, "target=" TGT_A " clear", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "ok cleared 0");
	CU_ASSERT_EQUAL(exec(t, 2, "target=" TGT_B " clear", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "ok cleared 1");

	sim_dev_free(t[0].dev);
	sim_dev_free(t[1].dev);
}

static int register_control(void)
{
	static const struct unit_test tests[] = {
		{ "targets", test_targets },
	};
	return UNIT_ADD_SUITE("control", tests);
}
UNIT_SUITE(register_control)
