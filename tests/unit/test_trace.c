/* tests/unit/test_trace.c - the command trace's line format (simdrive/trace.h,
 * doc/simdrive-trace.md): synthetic commands formatted and compared byte for byte,
 * escaping, truncation, and the deferred sense encoding the trace reports (71h/73h);
 * the JSON string writer it and disclog share (common/json.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "trace.h"
#include "unit.h"

static void test_good_read(void)
{
	static const uint8_t cdb[10] = { 0x51, 0, 0, 0, 0, 0, 0, 0, 0x22, 0 };
	struct sim_trace_rec r = {
		.seq = 7, .vtime_us = 1500, .wall_us = 1700000000000001, .nexus = 2, .lun = 0,
		.cdb = cdb, .cdb_len = 10, .op = "READ DISC INFORMATION", .dir_in = true,
		.edtl = 34, .spdtl = 34, .data_in = 34, .executed = true, .status = SIM_STATUS_GOOD,
	};
	char buf[1024];
	int n = sim_trace_format(&r, buf, sizeof(buf));
	const char *want =
		"{\"seq\":7,\"vtime_us\":1500,\"wall_us\":1700000000000001,\"nexus\":2,\"lun\":0,"
		"\"cdb\":\"51000000000000002200\",\"op\":\"READ DISC INFORMATION\",\"dir\":\"in\","
		"\"edtl\":34,\"data_out\":0,\"spdtl\":34,\"data_in\":34,\"residual\":0,"
		"\"status\":\"GOOD\",\"sense\":null,\"sense_key\":null,\"sense_asc\":null,"
		"\"deferred\":false,\"fault\":null,\"dropped\":false}\n";
	CU_ASSERT_STRING_EQUAL(buf, want);
	CU_ASSERT_EQUAL(n, (int)strlen(want));
}

static void test_check_condition_fault(void)
{
	static const uint8_t cdb[10] = { 0x2a, 0, 0, 0, 0, 0x20, 0, 0, 0x10, 0 };
	struct sim_trace_rec r = {
		.seq = 1, .nexus = 1, .lun = 3, .cdb = cdb, .cdb_len = 10, .op = "WRITE(10)",
		.dir_out = true, .edtl = 32768, .data_out = 32768, .executed = true,
		.status = SIM_STATUS_CHECK_CONDITION, .has_sense = true,
		.sense = SIM_SENSE(0x3, 0x0c, 0x00), .deferred = true, .fault_id = 4,
		.fault_kind = "write-error",
	};
	char buf[1024];
	sim_trace_format(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf,
		"{\"seq\":1,\"vtime_us\":0,\"wall_us\":0,\"nexus\":1,\"lun\":3,"
		"\"cdb\":\"2a000000002000001000\",\"op\":\"WRITE(10)\",\"dir\":\"out\","
		"\"edtl\":32768,\"data_out\":32768,\"spdtl\":0,\"data_in\":0,\"residual\":32768,"
		"\"status\":\"CHECK CONDITION\",\"sense\":\"3/0C/00\",\"sense_key\":\"MEDIUM ERROR\","
		"\"sense_asc\":\"write error\",\"deferred\":true,"
		"\"fault\":{\"id\":4,\"kind\":\"write-error\"},\"dropped\":false}\n");
}

static void test_dropped_unknown(void)
{
	static const uint8_t cdb[6] = { 0x02 };
	struct sim_trace_rec r = {
		.seq = 9, .cdb = cdb, .cdb_len = 6, .op = NULL, .dir_in = true, .dir_out = true,
		.edtl = 8, .executed = false, .fault_id = 1, .fault_kind = "drop\"x", .dropped = true,
	};
	char buf[1024];
	sim_trace_format(&r, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf,
		"{\"seq\":9,\"vtime_us\":0,\"wall_us\":0,\"nexus\":0,\"lun\":0,\"cdb\":\"020000000000\","
		"\"op\":\"UNKNOWN\",\"dir\":\"bidi\",\"edtl\":8,\"data_out\":0,\"spdtl\":null,"
		"\"data_in\":0,\"residual\":null,\"status\":null,\"sense\":null,\"sense_key\":null,"
		"\"sense_asc\":null,\"deferred\":false,\"fault\":{\"id\":1,\"kind\":\"drop\\\"x\"},"
		"\"dropped\":true}\n");
	/* Overflow: a negative residual (SPDTL > EDTL). */
	r.executed = true;
	r.spdtl = 12;
	r.status = SIM_STATUS_GOOD;
	sim_trace_format(&r, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"residual\":-4,\"status\":\"GOOD\""));
}

static void test_truncation(void)
{
	static const uint8_t cdb[6] = { 0 };
	struct sim_trace_rec r = { .cdb = cdb, .cdb_len = 6, .op = "TEST UNIT READY", .executed = true };
	char full[1024], small[40];
	int n = sim_trace_format(&r, full, sizeof(full));
	CU_ASSERT_EQUAL(sim_trace_format(&r, small, sizeof(small)), n);
	CU_ASSERT_EQUAL(strlen(small), sizeof(small) - 1);
	CU_ASSERT_EQUAL(strncmp(small, full, sizeof(small) - 1), 0);
	CU_ASSERT_STRING_EQUAL(sim_status_str(SIM_STATUS_TASK_SET_FULL), "TASK SET FULL");
}

static void test_deferred_sense(void)
{
	uint8_t s[SIM_SENSE_MAX];
	/* Fixed format: 71h, VALID with the INFORMATION (SPC-4 §4.5.3, §4.5.5). */
	size_t n = sim_sense_encode_full(s, SIM_SENSE(0x3, 0x0c, 0x00), false, true, true, 40, NULL);
	CU_ASSERT_EQUAL(n, 18);
	CU_ASSERT_EQUAL(s[0], 0x80 | 0x71);
	CU_ASSERT_EQUAL(s[2], 0x03);
	CU_ASSERT(s[3] == 0 && s[4] == 0 && s[5] == 0 && s[6] == 40);
	CU_ASSERT_EQUAL(s[7], 10);
	CU_ASSERT(s[12] == 0x0c && s[13] == 0x00);
	/* Descriptor format: 73h. */
	n = sim_sense_encode_full(s, SIM_SENSE(0x3, 0x0c, 0x00), true, true, false, 0, NULL);
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT(s[0] == 0x73 && s[1] == 0x03 && s[2] == 0x0c && s[3] == 0x00 && s[7] == 0);
	/* Current errors keep 70h / 72h. */
	sim_sense_encode_full(s, SIM_SENSE(0x3, 0x11, 0x00), false, false, false, 0, NULL);
	CU_ASSERT_EQUAL(s[0], 0x70);
	sim_sense_encode(s, SIM_SENSE(0x3, 0x11, 0x00), true, false, 0);
	CU_ASSERT_EQUAL(s[0], 0x72);
}

/* common/json.h: escapes, truncation as snprintf, the stream form writes the same. */
static void test_json_str(void)
{
	const char *in = "a\"b\\c\n\x1f\x7f\xc3\xa9";
	const char *want = "\"a\\\"b\\\\c\\u000a\\u001f\x7f\xc3\xa9\"";
	char buf[64], small[6];
	CU_ASSERT_EQUAL(sim_json_str(buf, sizeof(buf), in), strlen(want));
	CU_ASSERT_STRING_EQUAL(buf, want);
	CU_ASSERT_EQUAL(sim_json_str(small, sizeof(small), in), strlen(want));
	CU_ASSERT_STRING_EQUAL(small, "\"a\\\"b");
	CU_ASSERT_EQUAL(sim_json_str(NULL, 0, ""), 2);

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	sim_json_fputs(f, in);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(text, want);
	free(text);
}

/* A daemon of several targets: each device's tap names its target in the line. */
static void test_target_taps(void)
{
	char path[] = "/tmp/burnlab-trace-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	char err[256];
	struct sim_trace *t = sim_trace_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	struct sim_trace_tap a = { t, "iqn.2026-01.org.example:a" };
	struct sim_trace_tap b = { t, "iqn.2026-01.org.example:b" };
	static const uint8_t cdb[6] = { 0 };
	struct sim_trace_rec r = {
		.nexus = 1, .cdb = cdb, .cdb_len = 6, .op = "TEST UNIT READY", .executed = true,
	};
	sim_trace_observe_tap(&b, &r);
	r.target = NULL;
	sim_trace_observe_tap(&a, &r);
	sim_trace_close(t);

	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char line[2][1024] = { "", "" };
	CU_ASSERT_PTR_NOT_NULL(fgets(line[0], sizeof(line[0]), f));
	CU_ASSERT_PTR_NOT_NULL(fgets(line[1], sizeof(line[1]), f));
	fclose(f);
	unlink(path);
	const char *tail = ",\"nexus\":1,\"lun\":0,\"cdb\":\"000000000000\",\"op\":\"TEST UNIT READY\"";
	char want[512];
	snprintf(want, sizeof(want), "{\"seq\":1,\"vtime_us\":0,\"wall_us\":0,"
		 "\"target\":\"iqn.2026-01.org.example:b\"%s", tail);
	CU_ASSERT_EQUAL(strncmp(line[0], want, strlen(want)), 0);
	snprintf(want, sizeof(want), "{\"seq\":2,\"vtime_us\":0,\"wall_us\":0,"
		 "\"target\":\"iqn.2026-01.org.example:a\"%s", tail);
	CU_ASSERT_EQUAL(strncmp(line[1], want, strlen(want)), 0);
}

static int register_trace(void)
{
	static const struct unit_test tests[] = {
		{ "json_str", test_json_str },
		{ "good_read", test_good_read },
		{ "check_condition_fault", test_check_condition_fault },
		{ "dropped_unknown", test_dropped_unknown },
		{ "truncation", test_truncation },
		{ "deferred_sense", test_deferred_sense },
		{ "target_taps", test_target_taps },
	};
	return UNIT_ADD_SUITE("trace", tests);
}
UNIT_SUITE(register_trace)
