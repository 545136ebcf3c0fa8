/* simdrive/scsi.h - the SCSI device model's contract with the transport.
 *
 * The transport (iSCSI, simdrive/target.c) knows nothing of MMC; the device model
 * knows nothing of sockets or PDUs.  They meet here: the transport fills a struct
 * sim_cmd with the CDB and any data-out bytes, calls sim_dev_execute(), and reads
 * back status, sense and data-in.  Residual arithmetic (RFC 7143 §11.4.5) is the
 * transport's job: the device reports SPDTL, the number of bytes the CDB itself
 * asked to move after allocation-length truncation (SPC-4 §4.2.5.6).
 *
 * Threading: everything here runs on the event-loop thread.  sim_dev_execute()
 * completes synchronously.
 */
#ifndef SIM_SCSI_H
#define SIM_SCSI_H

#include <stdbool.h>
#include <stddef.h>
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
#define SIM_SENSE_INTERNAL_TARGET_FAILURE SIM_SENSE(0x4, 0x44, 0x00)
#define SIM_SENSE_INVALID_MESSAGE       SIM_SENSE(0xb, 0x49, 0x00)
#define SIM_SENSE_UNEXPECTED_UNSOLICITED_DATA SIM_SENSE(0xb, 0x0c, 0x0c)
#define SIM_SENSE_NOT_ENOUGH_UNSOLICITED_DATA SIM_SENSE(0xb, 0x0c, 0x0d)
#define SIM_SENSE_PROTOCOL_CRC_ERROR    SIM_SENSE(0xb, 0x47, 0x05)
#define SIM_SENSE_OVERLAPPED_COMMANDS   SIM_SENSE(0xb, 0x4e, 0x00)
#define SIM_SENSE_SAVING_PARAMS_NOT_SUPPORTED SIM_SENSE(0x5, 0x39, 0x00)

/* MMC conditions of the recordable disc model (simdrive/recorder.c; MMC-6 Annex F,
 * spec/mmc-subset.md §5.2). */
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
/* mmc.c (recordable media; spec/mmc-subset.md §5.2) */

/* Longest sense we emit: fixed format is 18 bytes; descriptor format with an
 * information descriptor is 8 + 12. */
#define SIM_SENSE_MAX 32

/* Encode sense in fixed (70h) or descriptor (72h) format (SPC-4 §4.5).  `info` is
 * put in the INFORMATION field when has_info is set.  Returns the number of bytes
 * written to out (at most SIM_SENSE_MAX). */
size_t sim_sense_encode(uint8_t *out, struct sim_sense s, bool descriptor,
			bool has_info, uint64_t info);

/* Sense-key specific field pointer for ILLEGAL REQUEST (SPC-4 §4.5.2.4.2): the byte
 * (and, when bpv, the bit) of the CDB (cdb = true) or of the parameter list that is
 * in error. */
struct sim_sense_field {
	bool     valid, cdb, bpv;
	uint8_t  bit;
	uint16_t byte;
};

/* sim_sense_encode plus the sense-key specific bytes when field && field->valid:
 * fixed format bytes 15-17, or a descriptor of type 02h.  At most SIM_SENSE_MAX. */
size_t sim_sense_encode_field(uint8_t *out, struct sim_sense s, bool descriptor,
			      bool has_info, uint64_t info,
			      const struct sim_sense_field *field);

/* sim_sense_encode_field for a current error (deferred false: 70h / 72h) or a
 * deferred one (71h / 73h, SPC-4 §4.5.5: the error of a command that already
 * completed with GOOD, e.g. a buffered WRITE, reported on a later command). */
size_t sim_sense_encode_full(uint8_t *out, struct sim_sense s, bool descriptor, bool deferred,
			     bool has_info, uint64_t info, const struct sim_sense_field *field);

/* Name of a sense key, and a short description of an ASC/ASCQ pair, for logs and
 * error messages.  Never NULL. */
const char *sim_sense_key_str(uint8_t key);
const char *sim_sense_asc_str(uint8_t asc, uint8_t ascq);

/* One SCSI command as the device sees it.  The transport owns the struct; the
 * device owns data_in until sim_cmd_release(). */
struct sim_cmd {
	/* in: filled by the transport */
	uint64_t nexus;			/* I_T nexus id, from sim_dev_nexus_open() */
	uint16_t lun;
	uint8_t  cdb[16];
	uint8_t  cdb_len;		/* 6..16 */
	uint8_t  task_attr;		/* 0 untagged, 1 simple, 2 ordered, 3 head, 4 ACA */
	uint32_t edtl;			/* expected data transfer length from the initiator */
	bool     dir_in, dir_out;	/* iSCSI R and W bits */
	const uint8_t *data_out;	/* data-out received, data_out_len bytes (<= edtl) */
	uint32_t data_out_len;

	/* out: filled by the device */
	uint8_t  status;		/* enum sim_scsi_status */
	uint32_t spdtl;			/* bytes the CDB transfers (in either direction) */
	uint8_t *data_in;		/* data-in bytes, data_in_len of them; <= min(spdtl, edtl) */
	uint32_t data_in_len;
	uint8_t  sense[SIM_SENSE_MAX];
	uint8_t  sense_len;		/* 0 unless CHECK CONDITION */
	bool     drop_connection;	/* an injected fault (fault.h): the transport closes
					 * the connection instead of answering */
	uint64_t complete_after_us;	/* a drive that takes its time (drivetime.h,
					 * --time-scale > 0): the response must not leave
					 * before this CLOCK_MONOTONIC time in microseconds;
					 * later commands of the LUN on the same session wait
					 * for it.  0 = answer at once.  The command has been
					 * carried out already: holding it only delays the
					 * status (doc/simdrive-time.md). */
};

/* Free the device-owned parts of cmd (data_in) and reset the out fields. */
void sim_cmd_release(struct sim_cmd *cmd);

/* What one LUN of the device presents; filled from the command line. */
struct sim_lun_cfg {
	uint16_t    lun;
	const char *media;	/* "dvd-rom", "cd-rom", "none" (empty tray) */
	const char *file;	/* ISO backing a read-only disc, or NULL */
	uint32_t    capacity;	/* recordable media: user blocks, 0 = the medium's default */
	const char *image;	/* recordable media: disclog image to create or reload, or
				 * NULL (nothing recorded beyond memory) */
	bool        tray_open;	/* start with the tray open (the disc in it, not loaded):
				 * START STOP UNIT LoEj=1 Start=1 loads it */
	const char *personality;	/* drive personality file (personality.h), or NULL
					 * for the default drive */
};

struct sim_dev_cfg {
	const char *vendor;		/* INQUIRY vendor id, <= 8 chars */
	const char *product;		/* INQUIRY product id, <= 16 chars */
	const char *revision;		/* <= 4 chars */
	const char *serial;		/* VPD 80h base; the LUN number is appended */
	const char *target_name;	/* for VPD 83h's SCSI name string designator */
	const struct sim_lun_cfg *luns;
	size_t      nluns;
	const struct sim_fault *faults;	/* injected faults (fault.h), copied */
	size_t      nfaults;
	double      time_scale;		/* the drives' virtual clock (drivetime.h): 0 = as
					 * fast as the host can, virtual time reported; 1 =
					 * real time; 0.01 = a hundred times faster than real */
};

struct sim_dev;
struct sim_fault;

/* Create the device: every LUN, with its medium loaded (ISO opened read-only).
 * Returns NULL and fills err (a message naming the LUN and file) on failure. */
struct sim_dev *sim_dev_new(const struct sim_dev_cfg *cfg, char *err, size_t errlen);
void sim_dev_free(struct sim_dev *dev);

/* An I_T nexus appears (a session reached full feature phase) or ends.  A new nexus
 * starts with a POWER ON RESET unit attention (SAM-5 §5.14); closing releases what the
 * nexus held (PREVENT ALLOW MEDIUM REMOVAL, SPC-4 §6.13). */
uint64_t sim_dev_nexus_open(struct sim_dev *dev);
void sim_dev_nexus_close(struct sim_dev *dev, uint64_t nexus);

/* Execute one command to completion.  Unknown LUNs get 05/25/00 (REPORT LUNS and
 * INQUIRY still answer, SPC-4 §6.4.1), unknown opcodes 05/20/00. */
void sim_dev_execute(struct sim_dev *dev, struct sim_cmd *cmd);

/* Task management effects (SAM-5 §7): LOGICAL UNIT RESET on lun (or every LUN for
 * a target reset) - clears prevent state and raises 29/03 for every nexus. */
void sim_dev_lun_reset(struct sim_dev *dev, uint16_t lun);
void sim_dev_target_reset(struct sim_dev *dev);

/* The drives' virtual clock in microseconds (drivetime.h; --time-scale): what the
 * command trace and the image records carry. */
uint64_t sim_dev_now_us(const struct sim_dev *dev);

/* Buffer underruns lun's drive recovered from (BUFE or lossless linking,
 * doc/simdrive-time.md) since the device started; 0 for other LUNs. */
uint64_t sim_dev_underruns(const struct sim_dev *dev, uint16_t lun);

/* Is lun configured?  (TMF answers "LUN does not exist" otherwise.) */
bool sim_dev_has_lun(const struct sim_dev *dev, uint16_t lun);

/* Injected faults at run time (fault.h), for the control socket (control.h) and the
 * harness; they act exactly like the ones of sim_dev_cfg.  sim_dev_add_fault copies f,
 * gives it the next id (from 1, never reused) and returns the id; command=+N counts
 * from the LUN's commands so far (it needs lun= when the device has several LUNs).
 * -1 with a message in err. */
int sim_dev_add_fault(struct sim_dev *dev, const struct sim_fault *f, char *err, size_t errlen);
/* Copy up to max of the device's faults, with id and fired count, to out (may be NULL
 * with max 0).  Returns how many there are. */
size_t sim_dev_faults(const struct sim_dev *dev, struct sim_fault *out, size_t max);
/* Remove the fault with this id, or every fault for id 0.  Returns how many went. */
size_t sim_dev_clear_faults(struct sim_dev *dev, unsigned id);

/* The tray of lun, moved by an operator (the eject button, a hand pushing it in).
 * Opening is refused while a nexus prevents medium removal (the drive then reports an
 * eject request event, MMC-6 §6.7); closing with a disc raises 06/28/00 for every
 * nexus and a new-media event.  0, or -1 with a message in err. */
int sim_dev_set_tray(struct sim_dev *dev, uint16_t lun, bool open, char *err, size_t errlen);

/* Commands lun received so far (what command=N counts); 0 for an unknown LUN. */
uint64_t sim_dev_lun_commands(const struct sim_dev *dev, uint16_t lun);

/* The command trace (trace.h): borrowed, NULL turns it off. */
struct sim_trace;
void sim_dev_set_trace(struct sim_dev *dev, struct sim_trace *trace);

#endif
