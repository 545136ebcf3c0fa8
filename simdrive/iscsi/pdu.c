/* simdrive/iscsi/pdu.c - PDU helpers and names (see pdu.h). */
#include "config.h"

#include <string.h>

#include "pdu.h"

void sim_bhs_init(uint8_t *bhs, uint8_t opcode, uint8_t flags, uint32_t dsl)
{
	memset(bhs, 0, SIM_BHS_LEN);
	bhs[SIM_BHS_OP] = opcode;
	bhs[SIM_BHS_FLAGS] = flags;
	wire_put_be24(bhs + SIM_BHS_DSL, dsl);
}

static const char *const opcode_names[64] = {
	[SIM_OP_NOP_OUT]    = "NOP-Out",
	[SIM_OP_SCSI_CMD]   = "SCSI Command",
	[SIM_OP_TMF_REQ]    = "Task Management Request",
	[SIM_OP_LOGIN_REQ]  = "Login Request",
	[SIM_OP_TEXT_REQ]   = "Text Request",
	[SIM_OP_DATA_OUT]   = "SCSI Data-Out",
	[SIM_OP_LOGOUT_REQ] = "Logout Request",
	[SIM_OP_SNACK]      = "SNACK Request",
	[0x1c] = "vendor (initiator)", [0x1d] = "vendor (initiator)", [0x1e] = "vendor (initiator)",
	[SIM_OP_NOP_IN]     = "NOP-In",
	[SIM_OP_SCSI_RSP]   = "SCSI Response",
	[SIM_OP_TMF_RSP]    = "Task Management Response",
	[SIM_OP_LOGIN_RSP]  = "Login Response",
	[SIM_OP_TEXT_RSP]   = "Text Response",
	[SIM_OP_DATA_IN]    = "SCSI Data-In",
	[SIM_OP_LOGOUT_RSP] = "Logout Response",
	[SIM_OP_R2T]        = "Ready To Transfer",
	[SIM_OP_ASYNC]      = "Asynchronous Message",
	[0x3c] = "vendor (target)", [0x3d] = "vendor (target)", [0x3e] = "vendor (target)",
	[SIM_OP_REJECT]     = "Reject",
};

const char *sim_opcode_str(uint8_t opcode)
{
	const char *s = opcode_names[opcode & SIM_BHS_OPCODE_MASK];
	return s ? s : "reserved opcode";
}

bool sim_opcode_from_initiator(uint8_t opcode)
{
	switch (opcode) {
	case SIM_OP_NOP_OUT: case SIM_OP_SCSI_CMD: case SIM_OP_TMF_REQ:
	case SIM_OP_LOGIN_REQ: case SIM_OP_TEXT_REQ: case SIM_OP_DATA_OUT:
	case SIM_OP_LOGOUT_REQ: case SIM_OP_SNACK:
		return true;
	default:
		return false;
	}
}

const char *sim_reject_reason_str(uint8_t reason)
{
	switch (reason) {
	case SIM_REJECT_DATA_DIGEST:        return "data digest error";
	case SIM_REJECT_SNACK:              return "SNACK reject";
	case SIM_REJECT_PROTOCOL_ERROR:     return "protocol error";
	case SIM_REJECT_CMD_NOT_SUPPORTED:  return "command not supported";
	case SIM_REJECT_IMMEDIATE:          return "immediate command reject";
	case SIM_REJECT_TASK_IN_PROGRESS:   return "task in progress";
	case SIM_REJECT_INVALID_DATA_ACK:   return "invalid data ack";
	case SIM_REJECT_INVALID_FIELD:      return "invalid PDU field";
	case SIM_REJECT_LONG_OP:            return "long operation reject";
	case SIM_REJECT_WAITING_FOR_LOGOUT: return "waiting for logout";
	default:                            return "reserved reason";
	}
}
