/* engine/sense.h - SCSI sense decoded into named key/ASC/ASCQ, and the one table that
 * maps a failed command to an HRESULT (doc/engine-recorder.md §4, "Sense to HRESULT").
 * Pure functions, no I/O. */
#ifndef ENG_SENSE_H
#define ENG_SENSE_H

#include <stddef.h>
#include <stdint.h>

#include "imapi2_hresult.h"

struct eng_sense {
	uint8_t key, asc, ascq;
	uint8_t valid;      /* 1 when parsed from real sense data */
	uint8_t fixed[18];  /* the same sense in fixed format (70h), what IMAPI2 hands out */
};

/* Parse fixed (70h/71h) or descriptor (72h/73h) sense of len bytes.  0 on success,
 * -1 when p is not sense data (out is then zeroed, valid = 0). */
int eng_sense_parse(const uint8_t *p, size_t len, struct eng_sense *out);
/* Build a sense value from its triple (valid = 1, fixed[] filled). */
struct eng_sense eng_sense_make(uint8_t key, uint8_t asc, uint8_t ascq);

/* "NOT READY", "ILLEGAL REQUEST", ...; "KEY 0Fh"-style text never: unknown keys give
 * "RESERVED".  Static. */
const char *eng_sense_key_name(uint8_t key);
/* "LONG WRITE IN PROGRESS", "INVALID ADDRESS FOR WRITE", ...; NULL when unknown.  The
 * table covers SPC-4 and MMC-6 codes an optical drive reports.  Static. */
const char *eng_sense_asc_name(uint8_t asc, uint8_t ascq);
/* "NOT READY: LONG WRITE IN PROGRESS (2/04/08)"; unknown ASC as "ASC 5Dh ASCQ 01h". */
char *eng_sense_format(const struct eng_sense *s, char *buf, size_t len);

/* What a caller does with a CHECK CONDITION. */
enum eng_sense_action {
	ENG_SENSE_FAIL = 0,   /* map with eng_sense_hresult and stop */
	ENG_SENSE_BUSY,       /* 2/04/01, 2/04/07, 2/04/08: wait and send again */
	ENG_SENSE_UNIT_ATTENTION, /* key 6: report once, send again */
};
enum eng_sense_action eng_sense_action(const struct eng_sense *s);

/* The HRESULT for a command with this opcode that ended with this sense (the table in
 * doc/engine-recorder.md; the opcode selects the per-command rows: MODE SENSE, MODE SELECT,
 * GET CONFIGURATION, READ DISC STRUCTURE, WRITE).  Never S_OK. */
hresult_t eng_sense_hresult(const struct eng_sense *s, uint8_t opcode);
/* The HRESULT for a SCSI status without usable sense (RESERVATION CONFLICT -> LOCKED,
 * BUSY/TASK SET FULL -> MEDIA_BUSY, CHECK CONDITION without sense -> INVALID_RESPONSE,
 * anything else -> UNEXPECTED_RESPONSE).  0 (GOOD) gives S_OK. */
hresult_t eng_status_hresult(int scsi_status);

#endif
