/* simdrive/drive/fault.h - injected faults: a drive that misbehaves on demand, always at the
 * same point (by LBA, by command count, or by a seeded pseudo-random draw), so a
 * regression test can count on it.
 *
 * A fault is one line of words, the same words on the command line (--fault), on the
 * control socket (control.h) and in harness scenarios (doc/simdrive-faults.md):
 *
 *   KIND [lun=N] (lba=L | command=N | command=+N | seed=S [probability=P])
 *        [count=N] [sense=K/AA/QQ] [after] [deferred]
 *   image-enospc|image-eio [lun=N] [after=BYTES] [at-sync]
 *
 *   long-write-in-progress  NOT READY, LONG WRITE IN PROGRESS (02/04/08) instead of
 *                           executing, `count` times (the "polls"; default 1)
 *   unit-attention          raise a unit attention (default 29/00 POWER ON RESET)
 *                           before the command, which then reports it (SAM-5 §5.14)
 *   write-error             the command fails with `sense` (default 03/0C/00 WRITE
 *                           ERROR) and nothing is recorded; with `deferred` the WRITE
 *                           answers GOOD, nothing is recorded, the NWA stays, and the
 *                           next command of the I_T_L nexus gets the sense as a
 *                           deferred error (response code 71h/73h, SPC-4 §4.5.5)
 *   medium-error            a READ fails with `sense` (default 03/11/00 UNRECOVERED
 *                           READ ERROR, INFORMATION = the LBA); nothing else changes
 *   drop-connection         the iSCSI connection goes down without a response: before
 *                           the command executes (nothing recorded), or `after` it
 *                           executed (recorded, the response lost)
 *   eject                   the tray opens before the command: it and every later
 *                           medium command get 02/3A/02, GET EVENT STATUS NOTIFICATION
 *                           reports the removal; what was acknowledged stays recorded
 *   ignore-speed            from then on SET CD SPEED / SET STREAMING answer GOOD and
 *                           change nothing (the LUN gains SIM_QUIRK_IGNORE_SPEED)
 *   record-nothing          a WRITE that succeeds (GOOD, the NWA moves on) but records
 *                           no data: a hole in the image
 *   image-enospc            the file system under the LUN's disclog image is full, or
 *   image-eio               the disk under it fails (EIO): once the image file took
 *                           BYTES more (default 0), its writes fail (with at-sync: its
 *                           next fdatasync).  Armed when added, no command trigger: the
 *                           image writer stops (dl_writer_inject) and the recorder
 *                           answers the affected and every later recording command with
 *                           03/0C/00 (ENOSPC) or 04/44/00 (EIO); recorder.h
 *                           rec_image_failure
 *
 * lba=L looks at READ(10)/READ(12)/READ CD for medium-error and at WRITE(10)/WRITE(12)
 * for every other kind, and fires on one whose blocks include L (a host resending it
 * meets the fault again until `count` is used up).  command=N fires on the N-th command
 * the LUN receives (1-based, every opcode counts) and, for count > 1, on the ones after
 * it; command=+N counts from when the fault is added (sim_dev_add_fault).  seed=S fires
 * on each command an lba= trigger would look at with probability P (default 0.01),
 * drawn from a PRNG seeded with S, at most `count` times: the same command sequence
 * gives the same firings.  Words may be separated by blanks or commas. */
#ifndef SIM_FAULT_H
#define SIM_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scsicodes.h"

enum sim_fault_kind {
	SIM_FAULT_LONG_WRITE,
	SIM_FAULT_UNIT_ATTENTION,
	SIM_FAULT_WRITE_ERROR,
	SIM_FAULT_DROP,
	SIM_FAULT_MEDIUM_ERROR,
	SIM_FAULT_EJECT,
	SIM_FAULT_IGNORE_SPEED,
	SIM_FAULT_RECORD_NOTHING,
	SIM_FAULT_IMAGE_ENOSPC,
	SIM_FAULT_IMAGE_EIO,
};

enum sim_fault_trigger {
	SIM_TRIG_LBA,		/* lba=L */
	SIM_TRIG_COMMAND,	/* command=N (command=+N once added to a device) */
	SIM_TRIG_SEED,		/* seed=S probability=P */
	SIM_TRIG_IMAGE,		/* image-*: the image's byte count, not a command */
};

struct sim_fault {
	unsigned         id;		/* given by the device (sim_dev_add_fault), from 1 */
	enum sim_fault_kind kind;
	int              lun;		/* -1: any LUN */
	enum sim_fault_trigger trigger;
	bool             by_lba;	/* trigger == SIM_TRIG_LBA (kept for older callers) */
	int64_t          lba;
	uint64_t         command;	/* 1-based command number for SIM_TRIG_COMMAND */
	bool             relative;	/* command=+N: not yet resolved against a LUN */
	uint64_t         seed;		/* SIM_TRIG_SEED */
	uint32_t         ppm;		/* probability in millionths */
	uint64_t         rng;		/* PRNG state, from seed */
	uint32_t         count;		/* how often it fires */
	uint32_t         fired;
	struct sim_sense sense;
	bool             after;		/* drop-connection after executing */
	bool             deferred;	/* write-error reported as a deferred error */
	uint64_t         bytes;		/* image-*: after=BYTES */
	bool             at_sync;	/* image-*: fail the fdatasync, not the write */
};

/* The errno an image-* kind injects (ENOSPC, EIO), 0 for the other kinds. */
int sim_fault_image_errno(enum sim_fault_kind kind);

/* Parse one fault line.  0, or -1 with a message naming the bad word in err. */
int sim_fault_parse(const char *text, struct sim_fault *out, char *err, size_t errlen);

/* The canonical words of a fault (what sim_fault_parse takes back), without id and
 * fired count.  Returns the length as snprintf does. */
int sim_fault_format(const struct sim_fault *f, char *buf, size_t cap);

/* The kind's word ("long-write-in-progress", ...). */
const char *sim_fault_kind_name(enum sim_fault_kind kind);

/* What a fault does to one command. */
struct sim_fault_effect {
	const struct sim_fault *fault;	/* the one that fired */
	bool             fail;		/* answer CHECK CONDITION with sense, do not execute */
	bool             raise_ua;	/* queue sense as a unit attention first */
	bool             drop;		/* drop the connection (before or after, see after) */
	bool             after;
	bool             deferred;	/* answer GOOD without executing; queue sense as a
					 * deferred error for the nexus's next command */
	bool             eject;		/* open the tray, then go on */
	bool             ignore_speed;	/* set SIM_QUIRK_IGNORE_SPEED, then go on */
	bool             no_record;	/* execute, but record no data */
	bool             has_info;	/* INFORMATION field (the LBA) for sense */
	uint64_t         info;
	struct sim_sense sense;
};

/* Decide for the command_no-th command of LUN lun with this CDB: the first matching
 * fault that has not used up its count fires (its `fired` advances).  Returns true
 * when a fault fired. */
bool sim_fault_check(struct sim_fault *faults, size_t n, uint16_t lun, uint64_t command_no,
		     const uint8_t *cdb, struct sim_fault_effect *eff);

#endif
