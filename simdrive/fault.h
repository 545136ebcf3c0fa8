/* simdrive/fault.h - injected faults: a drive that misbehaves on demand, always at the
 * same point (by LBA or by command count), so a regression test can count on it.
 *
 * A fault is one line of words, the same words on the command line (--fault) and,
 * later, on the control socket and in harness scenarios (doc/simdrive-faults.md):
 *
 *   KIND [lun=N] (lba=L | command=N) [count=N] [sense=K/AA/QQ] [after]
 *
 *   long-write-in-progress  NOT READY, LONG WRITE IN PROGRESS (02/04/08) instead of
 *                           executing, `count` times (the "polls"; default 1)
 *   unit-attention          raise a unit attention (default 29/00 POWER ON RESET)
 *                           before the command, which then reports it (SAM-5 §5.14)
 *   write-error             the command fails with `sense` (default 03/0C/00 WRITE
 *                           ERROR) and nothing is recorded
 *   drop-connection         the iSCSI connection goes down without a response: before
 *                           the command executes (nothing recorded), or `after` it
 *                           executed (recorded, the response lost)
 *
 * lba=L fires on a WRITE(10)/WRITE(12) whose blocks include L; command=N on the N-th
 * command the LUN receives (1-based, every opcode counts) and, for count > 1, on the
 * ones after it.  Words may be separated by blanks or commas. */
#ifndef SIM_FAULT_H
#define SIM_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scsi.h"

enum sim_fault_kind {
	SIM_FAULT_LONG_WRITE,
	SIM_FAULT_UNIT_ATTENTION,
	SIM_FAULT_WRITE_ERROR,
	SIM_FAULT_DROP,
};

struct sim_fault {
	enum sim_fault_kind kind;
	int              lun;		/* -1: any LUN */
	bool             by_lba;
	int64_t          lba;
	uint64_t         command;	/* 1-based command number when !by_lba */
	uint32_t         count;		/* how often it fires */
	uint32_t         fired;
	struct sim_sense sense;
	bool             after;		/* drop-connection after executing */
};

/* Parse one fault line.  0, or -1 with a message naming the bad word in err. */
int sim_fault_parse(const char *text, struct sim_fault *out, char *err, size_t errlen);

/* The kind's word ("long-write-in-progress", ...). */
const char *sim_fault_kind_name(enum sim_fault_kind kind);

/* What a fault does to one command. */
struct sim_fault_effect {
	bool             fail;		/* answer CHECK CONDITION with sense, do not execute */
	bool             raise_ua;	/* queue sense as a unit attention first */
	bool             drop;		/* drop the connection (before or after, see after) */
	bool             after;
	struct sim_sense sense;
};

/* Decide for the command_no-th command of LUN lun with this CDB: the first matching
 * fault that has not used up its count fires (its `fired` advances).  Returns true
 * when a fault fired. */
bool sim_fault_check(struct sim_fault *faults, size_t n, uint16_t lun, uint64_t command_no,
		     const uint8_t *cdb, struct sim_fault_effect *eff);

#endif
