/* simdrive/iscsi/pdu.h - iSCSI PDU layout: opcodes, flags and the byte offset of every BHS
 * field simdrive reads or writes (RFC 7143 §11).
 *
 * All field access goes through wire.h with these names; nothing is laid over the
 * 48-byte Basic Header Segment. */
#ifndef SIM_PDU_H
#define SIM_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define SIM_BHS_LEN        48
#define SIM_DIGEST_LEN     4
#define SIM_NO_TAG         0xffffffffu	/* "no task tag" (RFC 7143 §11.2.1.8) */
#define SIM_DSL_MAX        0xffffffu	/* 24-bit DataSegmentLength */
#define SIM_LOGIN_MRDSL    8192		/* MRDSL in force during login (RFC 7143 §13.12) */

/* Opcodes, low 6 bits of byte 0 (RFC 7143 §11.2.1.2). */
enum sim_opcode {
	SIM_OP_NOP_OUT    = 0x00,
	SIM_OP_SCSI_CMD   = 0x01,
	SIM_OP_TMF_REQ    = 0x02,
	SIM_OP_LOGIN_REQ  = 0x03,
	SIM_OP_TEXT_REQ   = 0x04,
	SIM_OP_DATA_OUT   = 0x05,
	SIM_OP_LOGOUT_REQ = 0x06,
	SIM_OP_SNACK      = 0x10,
	SIM_OP_NOP_IN     = 0x20,
	SIM_OP_SCSI_RSP   = 0x21,
	SIM_OP_TMF_RSP    = 0x22,
	SIM_OP_LOGIN_RSP  = 0x23,
	SIM_OP_TEXT_RSP   = 0x24,
	SIM_OP_DATA_IN    = 0x25,
	SIM_OP_LOGOUT_RSP = 0x26,
	SIM_OP_R2T        = 0x31,
	SIM_OP_ASYNC      = 0x32,
	SIM_OP_REJECT     = 0x3f,
};

#define SIM_BHS_OPCODE_MASK 0x3f
#define SIM_BHS_IMMEDIATE   0x40	/* byte 0: I bit */
#define SIM_BHS_FINAL       0x80	/* byte 1: F bit */

/* Offsets common to all PDUs (RFC 7143 §11.2.1). */
enum {
	SIM_BHS_OP       = 0,
	SIM_BHS_FLAGS    = 1,
	SIM_BHS_BYTE2    = 2,
	SIM_BHS_BYTE3    = 3,
	SIM_BHS_AHSLEN   = 4,	/* TotalAHSLength, 4-byte words */
	SIM_BHS_DSL      = 5,	/* DataSegmentLength, 24 bits */
	SIM_BHS_LUN      = 8,	/* 8 bytes */
	SIM_BHS_ITT      = 16,
	/* initiator -> target */
	SIM_BHS_CMDSN    = 24,
	SIM_BHS_EXPSTATSN = 28,
	/* target -> initiator */
	SIM_BHS_STATSN   = 24,
	SIM_BHS_EXPCMDSN = 28,
	SIM_BHS_MAXCMDSN = 32,
};

/* SCSI Command (RFC 7143 §11.3) and Response (§11.4). */
enum {
	SIM_CMD_EDTL      = 20,
	SIM_CMD_CDB       = 32,	/* 16 bytes */
	SIM_RSP_RESPONSE  = 2,
	SIM_RSP_STATUS    = 3,
	SIM_RSP_SNACKTAG  = 20,
	SIM_RSP_EXPDATASN = 36,
	SIM_RSP_BIDI_RESID = 40,
	SIM_RSP_RESID     = 44,
};
#define SIM_CMD_F_READ   0x40
#define SIM_CMD_F_WRITE  0x20
#define SIM_CMD_ATTR_MASK 0x07
#define SIM_RSP_F_OVERFLOW  0x04
#define SIM_RSP_F_UNDERFLOW 0x02

/* Data-In / Data-Out (RFC 7143 §11.7) and R2T (§11.8). */
enum {
	SIM_DATA_TTT    = 20,
	SIM_DATA_DATASN = 36,
	SIM_DATA_OFFSET = 40,
	SIM_DATA_RESID  = 44,
	SIM_R2T_TTT     = 20,
	SIM_R2T_R2TSN   = 36,
	SIM_R2T_OFFSET  = 40,
	SIM_R2T_DDTL    = 44,
};
#define SIM_DIN_F_ACK       0x40
#define SIM_DIN_F_OVERFLOW  0x04
#define SIM_DIN_F_UNDERFLOW 0x02
#define SIM_DIN_F_STATUS    0x01

/* NOP-Out / NOP-In (RFC 7143 §11.18, §11.19), Text (§11.10, §11.11). */
enum {
	SIM_NOP_TTT  = 20,
	SIM_TEXT_TTT = 20,
};
#define SIM_TEXT_F_CONTINUE 0x40

/* Task management (RFC 7143 §11.5, §11.6). */
enum {
	SIM_TMF_RTT       = 20,
	SIM_TMF_REFCMDSN  = 32,
	SIM_TMF_EXPDATASN = 36,
	SIM_TMF_RESPONSE  = 2,
};
enum sim_tmf_function {
	SIM_TMF_ABORT_TASK = 1, SIM_TMF_ABORT_TASK_SET = 2, SIM_TMF_CLEAR_ACA = 3,
	SIM_TMF_CLEAR_TASK_SET = 4, SIM_TMF_LUN_RESET = 5, SIM_TMF_TARGET_WARM_RESET = 6,
	SIM_TMF_TARGET_COLD_RESET = 7, SIM_TMF_TASK_REASSIGN = 8,
};
enum sim_tmf_response {
	SIM_TMF_COMPLETE = 0, SIM_TMF_NO_TASK = 1, SIM_TMF_NO_LUN = 2,
	SIM_TMF_STILL_ALLEGIANT = 3, SIM_TMF_REASSIGN_UNSUPPORTED = 4,
	SIM_TMF_NOT_SUPPORTED = 5, SIM_TMF_AUTH_FAILED = 6, SIM_TMF_REJECTED = 255,
};

/* Login (RFC 7143 §11.12, §11.13). */
enum {
	SIM_LOGIN_VMAX    = 2,
	SIM_LOGIN_VMIN    = 3,	/* Version-active in responses */
	SIM_LOGIN_ISID    = 8,	/* 6 bytes */
	SIM_LOGIN_TSIH    = 14,
	SIM_LOGIN_CID     = 20,
	SIM_LOGIN_STATUS_CLASS  = 36,
	SIM_LOGIN_STATUS_DETAIL = 37,
};
#define SIM_LOGIN_F_TRANSIT  0x80
#define SIM_LOGIN_F_CONTINUE 0x40
#define SIM_LOGIN_CSG(f)     (((f) >> 2) & 3)
#define SIM_LOGIN_NSG(f)     ((f) & 3)

/* Logout (RFC 7143 §11.14, §11.15). */
enum {
	SIM_LOGOUT_CID      = 20,
	SIM_LOGOUT_RESPONSE = 2,
	SIM_LOGOUT_T2WAIT   = 40,
	SIM_LOGOUT_T2RETAIN = 42,
};
#define SIM_LOGOUT_REASON(f) ((f) & 0x7f)

/* Reject (RFC 7143 §11.17). */
enum { SIM_REJECT_REASON = 2, SIM_REJECT_DATASN = 36 };
enum sim_reject_reason {
	SIM_REJECT_DATA_DIGEST = 0x02,
	SIM_REJECT_SNACK = 0x03,
	SIM_REJECT_PROTOCOL_ERROR = 0x04,
	SIM_REJECT_CMD_NOT_SUPPORTED = 0x05,
	SIM_REJECT_IMMEDIATE = 0x06,
	SIM_REJECT_TASK_IN_PROGRESS = 0x07,
	SIM_REJECT_INVALID_DATA_ACK = 0x08,
	SIM_REJECT_INVALID_FIELD = 0x09,
	SIM_REJECT_LONG_OP = 0x0a,
	SIM_REJECT_WAITING_FOR_LOGOUT = 0x0c,
};

/* Asynchronous Message (RFC 7143 §11.9). */
enum {
	SIM_ASYNC_EVENT = 36, SIM_ASYNC_VCODE = 37,
	SIM_ASYNC_PARAM1 = 38, SIM_ASYNC_PARAM2 = 40, SIM_ASYNC_PARAM3 = 42,
};
enum sim_async_event {
	SIM_ASYNC_SCSI = 0, SIM_ASYNC_REQUEST_LOGOUT = 1, SIM_ASYNC_DROP_CONN = 2,
	SIM_ASYNC_DROP_ALL = 3, SIM_ASYNC_RENEGOTIATE = 4,
};

static inline uint8_t sim_bhs_opcode(const uint8_t *bhs)
{
	return bhs[SIM_BHS_OP] & SIM_BHS_OPCODE_MASK;
}

static inline bool sim_bhs_immediate(const uint8_t *bhs)
{
	return (bhs[SIM_BHS_OP] & SIM_BHS_IMMEDIATE) != 0;
}

static inline uint32_t sim_bhs_dsl(const uint8_t *bhs)
{
	return wire_be24(bhs + SIM_BHS_DSL);
}

static inline uint32_t sim_bhs_ahs_bytes(const uint8_t *bhs)
{
	return 4u * bhs[SIM_BHS_AHSLEN];
}

/* Bytes of padding after a data segment of n bytes (RFC 7143 §11.1). */
static inline uint32_t sim_pad4(uint32_t n)
{
	return (4 - (n & 3)) & 3;
}

/* Start an outgoing BHS: zeroed, opcode and flags set, DSL = dsl. */
void sim_bhs_init(uint8_t *bhs, uint8_t opcode, uint8_t flags, uint32_t dsl);

/* Name of an opcode for logs ("SCSI Command", ...); never NULL. */
const char *sim_opcode_str(uint8_t opcode);
const char *sim_reject_reason_str(uint8_t reason);

/* Is this an opcode an initiator may send (RFC 7143 §11.2.1.2)? */
bool sim_opcode_from_initiator(uint8_t opcode);

#endif
