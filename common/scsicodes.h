/* common/scsicodes.h - SCSI status codes and sense conditions: the error vocabulary
 * every layer of simdrive speaks.  The drive model (simdrive/drive) reports what went
 * wrong as a sense condition; the SCSI device model (simdrive/scsi) encodes it; the
 * transport only carries it.  Values only, no code. */
#ifndef SIM_SCSICODES_H
#define SIM_SCSICODES_H

#include <stdint.h>

/* SAM-5 status codes. */
enum sim_scsi_status {
	SIM_STATUS_GOOD                 = 0x00,
	SIM_STATUS_CHECK_CONDITION      = 0x02,
	SIM_STATUS_BUSY                 = 0x08,
	SIM_STATUS_RESERVATION_CONFLICT = 0x18,
	SIM_STATUS_TASK_SET_FULL        = 0x28,
	SIM_STATUS_TASK_ABORTED         = 0x40,
};

/* A sense condition: key, ASC and ASCQ always travel together (SPC-4 §4.5.6). */
struct sim_sense {
	uint8_t key, asc, ascq;
};

#define SIM_SENSE(k, a, q) ((struct sim_sense){ (k), (a), (q) })

/* Sense keys (SPC-4 table 48). */
enum sim_sense_key {
	SIM_KEY_NO_SENSE        = 0x0,
	SIM_KEY_RECOVERED_ERROR = 0x1,
	SIM_KEY_NOT_READY       = 0x2,
	SIM_KEY_MEDIUM_ERROR    = 0x3,
	SIM_KEY_HARDWARE_ERROR  = 0x4,
	SIM_KEY_ILLEGAL_REQUEST = 0x5,
	SIM_KEY_UNIT_ATTENTION  = 0x6,
	SIM_KEY_DATA_PROTECT    = 0x7,
	SIM_KEY_ABORTED_COMMAND = 0xb,
};

/* Named conditions used by simdrive (SPC-4 Annex D / MMC-6 Annex F). */
#define SIM_SENSE_NONE                  SIM_SENSE(0x0, 0x00, 0x00)
#define SIM_SENSE_INVALID_OPCODE        SIM_SENSE(0x5, 0x20, 0x00)
#define SIM_SENSE_LBA_OUT_OF_RANGE      SIM_SENSE(0x5, 0x21, 0x00)
#define SIM_SENSE_INVALID_FIELD_IN_CDB  SIM_SENSE(0x5, 0x24, 0x00)
#define SIM_SENSE_LUN_NOT_SUPPORTED     SIM_SENSE(0x5, 0x25, 0x00)
#define SIM_SENSE_INVALID_FIELD_IN_PARAM SIM_SENSE(0x5, 0x26, 0x00)
#define SIM_SENSE_PARAM_LIST_LENGTH     SIM_SENSE(0x5, 0x1a, 0x00)
#define SIM_SENSE_INVALID_RELEASE_OF_PREVENT SIM_SENSE(0x5, 0x2c, 0x00)
#define SIM_SENSE_MEDIUM_REMOVAL_PREVENTED SIM_SENSE(0x5, 0x53, 0x02)
#define SIM_SENSE_MEDIUM_NOT_PRESENT    SIM_SENSE(0x2, 0x3a, 0x00)
#define SIM_SENSE_MEDIUM_NOT_PRESENT_TRAY_CLOSED SIM_SENSE(0x2, 0x3a, 0x01)
#define SIM_SENSE_MEDIUM_NOT_PRESENT_TRAY_OPEN   SIM_SENSE(0x2, 0x3a, 0x02)
#define SIM_SENSE_BECOMING_READY        SIM_SENSE(0x2, 0x04, 0x01)
#define SIM_SENSE_MEDIUM_MAY_HAVE_CHANGED SIM_SENSE(0x6, 0x28, 0x00)
#define SIM_SENSE_POWER_ON_RESET        SIM_SENSE(0x6, 0x29, 0x00)
#define SIM_SENSE_BUS_DEVICE_RESET      SIM_SENSE(0x6, 0x29, 0x03)
#define SIM_SENSE_I_T_NEXUS_LOSS        SIM_SENSE(0x6, 0x29, 0x07)
#define SIM_SENSE_PARAMETERS_CHANGED    SIM_SENSE(0x6, 0x2a, 0x01)
#define SIM_SENSE_UNRECOVERED_READ      SIM_SENSE(0x3, 0x11, 0x00)
#define SIM_SENSE_L_EC_UNCORRECTABLE    SIM_SENSE(0x3, 0x11, 0x05)
#define SIM_SENSE_POSITIONING_ERROR_READ SIM_SENSE(0x3, 0x15, 0x02)
#define SIM_SENSE_WRITE_PROTECTED       SIM_SENSE(0x7, 0x27, 0x00)
#define SIM_SENSE_WRITE_ERROR           SIM_SENSE(0x3, 0x0c, 0x00)
#define SIM_SENSE_INTERNAL_TARGET_FAILURE SIM_SENSE(0x4, 0x44, 0x00)
#define SIM_SENSE_INVALID_MESSAGE       SIM_SENSE(0xb, 0x49, 0x00)
#define SIM_SENSE_UNEXPECTED_UNSOLICITED_DATA SIM_SENSE(0xb, 0x0c, 0x0c)
#define SIM_SENSE_NOT_ENOUGH_UNSOLICITED_DATA SIM_SENSE(0xb, 0x0c, 0x0d)
#define SIM_SENSE_PROTOCOL_CRC_ERROR    SIM_SENSE(0xb, 0x47, 0x05)
#define SIM_SENSE_OVERLAPPED_COMMANDS   SIM_SENSE(0xb, 0x4e, 0x00)
#define SIM_SENSE_SAVING_PARAMS_NOT_SUPPORTED SIM_SENSE(0x5, 0x39, 0x00)

/* MMC conditions of the recordable disc model (simdrive/drive/recorder.c; MMC-6
 * Annex F). */
#define SIM_SENSE_INVALID_ADDRESS_FOR_WRITE SIM_SENSE(0x5, 0x21, 0x02)
#define SIM_SENSE_PARAM_VALUE_INVALID   SIM_SENSE(0x5, 0x26, 0x02)
#define SIM_SENSE_COMMAND_SEQUENCE_ERROR SIM_SENSE(0x5, 0x2c, 0x00)
#define SIM_SENSE_INCOMPATIBLE_MEDIUM   SIM_SENSE(0x5, 0x30, 0x00)
#define SIM_SENSE_CANNOT_WRITE_INCOMPATIBLE_FORMAT SIM_SENSE(0x5, 0x30, 0x05)
#define SIM_SENSE_CANNOT_FORMAT_INCOMPATIBLE_MEDIUM SIM_SENSE(0x5, 0x30, 0x06)
#define SIM_SENSE_MEDIUM_NOT_FORMATTED  SIM_SENSE(0x5, 0x30, 0x10)
#define SIM_SENSE_END_OF_USER_AREA      SIM_SENSE(0x5, 0x63, 0x00)
#define SIM_SENSE_ILLEGAL_MODE_FOR_TRACK SIM_SENSE(0x5, 0x64, 0x00)
#define SIM_SENSE_INCOMPLETE_TRACK_IN_SESSION SIM_SENSE(0x5, 0x72, 0x03)
#define SIM_SENSE_EMPTY_RESERVED_TRACK  SIM_SENSE(0x5, 0x72, 0x04)
#define SIM_SENSE_NO_MORE_RESERVATIONS  SIM_SENSE(0x5, 0x72, 0x05)
/* BD-R Pseudo-Overwrite with no replacement cluster left in the spare areas. */
#define SIM_SENSE_NO_DEFECT_SPARE       SIM_SENSE(0x3, 0x32, 0x00)

#endif
