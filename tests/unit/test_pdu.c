/* tests/unit/test_pdu.c - BHS field helpers, big-endian codec, serial arithmetic. */
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "pdu.h"
#include "serial.h"
#include "wire.h"

static void test_be_round_trip(void)
{
	uint8_t b[8];
	wire_put_be16(b, 0xbeef);
	CU_ASSERT(b[0] == 0xbe && b[1] == 0xef);
	CU_ASSERT_EQUAL(wire_be16(b), 0xbeef);
	wire_put_be24(b, 0x123456);
	CU_ASSERT(b[0] == 0x12 && b[1] == 0x34 && b[2] == 0x56);
	CU_ASSERT_EQUAL(wire_be24(b), 0x123456u);
	wire_put_be32(b, 0xdeadbeef);
	CU_ASSERT(b[0] == 0xde && b[3] == 0xef);
	CU_ASSERT_EQUAL(wire_be32(b), 0xdeadbeefu);
	wire_put_be64(b, 0x0102030405060708ull);
	CU_ASSERT(b[0] == 1 && b[7] == 8);
	CU_ASSERT_EQUAL(wire_be64(b), 0x0102030405060708ull);
}

/* A SCSI Response built field by field reads back the same, at RFC offsets. */
static void test_response_round_trip(void)
{
	uint8_t bhs[SIM_BHS_LEN];

	memset(bhs, 0xa5, sizeof(bhs));
	sim_bhs_init(bhs, SIM_OP_SCSI_RSP, SIM_BHS_FINAL | SIM_RSP_F_UNDERFLOW, 20);
	bhs[SIM_RSP_STATUS] = 0x02;
	wire_put_be32(bhs + SIM_BHS_ITT, 0x11223344);
	wire_put_be32(bhs + SIM_BHS_STATSN, 7);
	wire_put_be32(bhs + SIM_BHS_EXPCMDSN, 8);
	wire_put_be32(bhs + SIM_BHS_MAXCMDSN, 39);
	wire_put_be32(bhs + SIM_RSP_RESID, 2048);

	CU_ASSERT_EQUAL(bhs[0], 0x21);
	CU_ASSERT_EQUAL(bhs[1], 0x82);
	CU_ASSERT_EQUAL(bhs[3], 0x02);
	CU_ASSERT_EQUAL(bhs[4], 0);	/* no AHS */
	CU_ASSERT(bhs[5] == 0 && bhs[6] == 0 && bhs[7] == 20);
	CU_ASSERT_EQUAL(sim_bhs_dsl(bhs), 20u);
	CU_ASSERT_EQUAL(sim_bhs_opcode(bhs), SIM_OP_SCSI_RSP);
	CU_ASSERT_FALSE(sim_bhs_immediate(bhs));
	CU_ASSERT(bhs[16] == 0x11 && bhs[19] == 0x44);
	CU_ASSERT_EQUAL(wire_be32(bhs + 24), 7u);
	CU_ASSERT_EQUAL(wire_be32(bhs + 28), 8u);
	CU_ASSERT_EQUAL(wire_be32(bhs + 32), 39u);
	CU_ASSERT_EQUAL(wire_be32(bhs + 44), 2048u);
	/* Everything not set is zero (reserved bytes, RFC 7143 §11.2). */
	CU_ASSERT_EQUAL(bhs[2], 0);
	CU_ASSERT_EQUAL(wire_be32(bhs + 36), 0u);
	CU_ASSERT_EQUAL(wire_be32(bhs + 8), 0u);
}

/* A Login Request as libiscsi sends it parses into the fields the RFC names. */
static void test_login_request_fields(void)
{
	static const uint8_t bhs[SIM_BHS_LEN] = {
		0x43, 0x87, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
		0x80, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00, 0x00,
		0xca, 0xfe, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00,
	};
	CU_ASSERT_EQUAL(sim_bhs_opcode(bhs), SIM_OP_LOGIN_REQ);
	CU_ASSERT_TRUE(sim_bhs_immediate(bhs));
	CU_ASSERT_TRUE(bhs[SIM_BHS_FLAGS] & SIM_LOGIN_F_TRANSIT);
	CU_ASSERT_FALSE(bhs[SIM_BHS_FLAGS] & SIM_LOGIN_F_CONTINUE);
	CU_ASSERT_EQUAL(SIM_LOGIN_CSG(bhs[SIM_BHS_FLAGS]), 1);
	CU_ASSERT_EQUAL(SIM_LOGIN_NSG(bhs[SIM_BHS_FLAGS]), 3);
	CU_ASSERT_EQUAL(sim_bhs_dsl(bhs), 256u);
	CU_ASSERT_EQUAL(bhs[SIM_LOGIN_ISID], 0x80);
	CU_ASSERT_EQUAL(wire_be16(bhs + SIM_LOGIN_TSIH), 0);
	CU_ASSERT_EQUAL(wire_be32(bhs + SIM_BHS_ITT), 0xcafe0001u);
	CU_ASSERT_EQUAL(wire_be32(bhs + SIM_BHS_CMDSN), 5u);
}

static void test_ahs_and_pad(void)
{
	uint8_t bhs[SIM_BHS_LEN] = { 0 };
	bhs[SIM_BHS_AHSLEN] = 255;
	CU_ASSERT_EQUAL(sim_bhs_ahs_bytes(bhs), 1020u);
	CU_ASSERT_EQUAL(sim_pad4(0), 0u);
	CU_ASSERT_EQUAL(sim_pad4(1), 3u);
	CU_ASSERT_EQUAL(sim_pad4(2), 2u);
	CU_ASSERT_EQUAL(sim_pad4(3), 1u);
	CU_ASSERT_EQUAL(sim_pad4(4), 0u);
	CU_ASSERT_EQUAL(sim_pad4(SIM_DSL_MAX), 1u);
}

static void test_opcode_names(void)
{
	CU_ASSERT_STRING_EQUAL(sim_opcode_str(SIM_OP_SCSI_CMD), "SCSI Command");
	CU_ASSERT_STRING_EQUAL(sim_opcode_str(SIM_OP_REJECT), "Reject");
	CU_ASSERT_STRING_EQUAL(sim_opcode_str(0x3b), "reserved opcode");
	CU_ASSERT_TRUE(sim_opcode_from_initiator(SIM_OP_DATA_OUT));
	CU_ASSERT_FALSE(sim_opcode_from_initiator(SIM_OP_DATA_IN));
	CU_ASSERT_FALSE(sim_opcode_from_initiator(0x1c));
	CU_ASSERT_STRING_EQUAL(sim_reject_reason_str(SIM_REJECT_PROTOCOL_ERROR), "protocol error");
}

/* RFC 1982 with SERIAL_BITS = 32, as CmdSN uses it (RFC 7143 §4.2.2.1). */
static void test_serial(void)
{
	CU_ASSERT_TRUE(sim_sn_lt(1, 2));
	CU_ASSERT_FALSE(sim_sn_lt(2, 1));
	CU_ASSERT_FALSE(sim_sn_lt(5, 5));
	CU_ASSERT_TRUE(sim_sn_lt(0xffffffffu, 0));		/* wrap */
	CU_ASSERT_TRUE(sim_sn_gt(0, 0xffffffffu));
	CU_ASSERT_TRUE(sim_sn_lt(0xfffffff0u, 0x10));
	CU_ASSERT_TRUE(sim_sn_lt(0, 0x7fffffffu));
	/* Distance 2^31 is undefined: neither smaller nor greater. */
	CU_ASSERT_FALSE(sim_sn_lt(0, 0x80000000u));
	CU_ASSERT_FALSE(sim_sn_gt(0, 0x80000000u));
	CU_ASSERT_FALSE(sim_sn_lt(0x80000000u, 0));
	CU_ASSERT_TRUE(sim_sn_le(7, 7));
	CU_ASSERT_TRUE(sim_sn_le(0xffffffffu, 3));
}

static void test_window(void)
{
	/* Window [ExpCmdSN, MaxCmdSN] across the wrap. */
	CU_ASSERT_TRUE(sim_sn_in_window(0xfffffffeu, 0xfffffff0u, 0x0f));
	CU_ASSERT_TRUE(sim_sn_in_window(3, 0xfffffff0u, 0x0f));
	CU_ASSERT_TRUE(sim_sn_in_window(0x0f, 0xfffffff0u, 0x0f));
	CU_ASSERT_FALSE(sim_sn_in_window(0x10, 0xfffffff0u, 0x0f));
	CU_ASSERT_FALSE(sim_sn_in_window(0xffffffefu, 0xfffffff0u, 0x0f));
	/* iscsi-test-cu's too low / too high probes. */
	CU_ASSERT_FALSE(sim_sn_in_window(99, 100, 131));
	CU_ASSERT_FALSE(sim_sn_in_window(132, 100, 131));
	/* A closed window (MaxCmdSN = ExpCmdSN - 1) admits nothing. */
	CU_ASSERT_FALSE(sim_sn_in_window(100, 100, 99));
}

static int reg(void)
{
	static const struct unit_test tests[] = {
		{ "BigEndianRoundTrip", test_be_round_trip },
		{ "ResponseRoundTrip", test_response_round_trip },
		{ "LoginRequestFields", test_login_request_fields },
		{ "AhsAndPad", test_ahs_and_pad },
		{ "OpcodeNames", test_opcode_names },
		{ "Serial", test_serial },
		{ "Window", test_window },
	};
	return UNIT_ADD_SUITE("pdu", tests);
}
UNIT_SUITE(reg)
