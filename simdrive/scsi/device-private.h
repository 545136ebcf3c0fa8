/* simdrive/scsi/device-private.h - inside the SCSI device model, shared by its files.
 * Not part of the transport contract (scsi.h).
 *
 * THE RULE: calls go one way, down this list, never up or sideways:
 *
 *   device.c   dispatch: the opcode table, the generic checks, nexuses and LUNs, faults,
 *              REPORT SUPPORTED OPERATION CODES (it reports the table); calls handlers
 *   spc.c      SPC-4 command handlers     } two command sets: neither calls the other,
 *   mmc.c      MMC-6 command handlers     } nor dispatch
 *   lun.c      the logical unit: its disc, tray, unit attentions and events, the drive's
 *              time, speeds and the pages that describe them (05h, 2Ah)
 *   cmd.c      the command in flight: sim_fail*, sim_pending, the data-in buffer
 *              (allocation length and EDTL bounds)
 *   ../drive   the drive model (recorder.h: the one disc model; drivetime.h,
 *              personality.h, fault.h), then the image store (disclog.h)
 *
 * A helper two command sets need goes down to lun.c or cmd.c; nothing below dispatch
 * knows the opcode table.  tests/integration/layers.sh checks the includes between
 * folders and this rule inside this folder (by the symbols each object file uses). */
#ifndef SIM_DEVICE_PRIVATE_H
#define SIM_DEVICE_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "drivetime.h"
#include "personality.h"
#include "scsi.h"

/* Unit attentions queued per I_T_L nexus (SAM-5 §5.14).  When the queue is full the
 * newest condition is dropped; a reset condition replaces everything queued. */
#define SIM_UA_MAX 4

/* GET EVENT STATUS NOTIFICATION media event codes (MMC-6 table 148). */
enum sim_media_event {
	SIM_MEV_NONE        = 0,
	SIM_MEV_EJECT_REQ   = 1,
	SIM_MEV_NEW_MEDIA   = 2,
	SIM_MEV_MEDIA_REMOVAL = 3,
};

/* What one I_T nexus holds on one logical unit. */
struct sim_itl {
	struct sim_sense ua[SIM_UA_MAX];
	unsigned         nua;
	bool             prevent;	/* PREVENT ALLOW MEDIUM REMOVAL, SPC-4 §6.13 */
	bool             persistent;	/* MMC persistent prevent bit, recorded only */
	uint8_t          media_event;	/* enum sim_media_event, cleared when reported */
	/* A deferred error (fault.h write-error ... deferred) waiting for the next
	 * command of this I_T_L nexus (SPC-4 §4.5.5). */
	bool             deferred;
	bool             deferred_has_info;
	struct sim_sense deferred_sense;
	uint64_t         deferred_info;
};

struct sim_nexus {
	uint64_t          id;
	struct sim_nexus *next;
	struct sim_itl   *itl;		/* one per LUN, indexed like dev->luns */
};

/* Mode pages: current values per logical unit (shared by every nexus, so a change
 * raises 2A/01 on the others, SPC-4 §7.5.1). */
struct sim_mode {
	bool d_sense;			/* control page 0Ah byte 2 b2 */
};

enum sim_tray { SIM_TRAY_CLOSED, SIM_TRAY_OPEN };

struct rec_disc;

struct sim_lun {
	uint16_t           lun;
	struct rec_disc   *disc;	/* the disc in the tray (recorder.h), NULL = none:
					 * recordable, a read-only view of an image, or a
					 * read-only disc over an ISO file */
	bool               recorder;	/* the drive records (SIM_OP_RECORDER opcodes, page
					 * 05h, drive time); false: the read-only drive of an
					 * ISO or empty LUN (doc/simdrive-scsi.md) */
	enum sim_tray      tray;
	struct sim_mode    mode;
	uint64_t           ncommands;	/* commands received, for command=N faults */
	struct sim_personality pers;	/* the kind of drive this LUN plays */
	char               serial[64];	/* VPD 80h */
	/* Speeds selected by SET CD SPEED / SET STREAMING (mmc.c), kB/s as the host asked
	 * them, 0 = the drive's maximum; resolved against the medium's speed table when
	 * reported (GET PERFORMANCE, sim_mmc_write_speed) and when the drive paces
	 * itself (dt). */
	uint32_t           write_kbps, read_kbps;
	int32_t            head_lba;	/* the last block READ CD read (READ SUB-CHANNEL) */
	struct sim_dt_drive dt;		/* speed, buffer, long operations (drivetime.h) */
};

struct sim_dev {
	char              vendor[9], product[17], revision[5];
	char             *target_name;
	struct sim_lun   *luns;
	size_t            nluns;
	struct sim_nexus *nexuses;
	uint64_t          next_nexus;
	struct sim_fault *faults;	/* injected faults (fault.h) */
	size_t            nfaults, faults_cap;
	unsigned          next_fault_id;	/* ids of sim_dev_add_fault, from 1 */
	sim_cmd_observer_fn observer;	/* sim_dev_set_observer; NULL = off */
	void             *observer_arg;
	double            time_scale;	/* sim_dev_cfg.time_scale */
	struct sim_dt_clock clock;	/* the drives' virtual clock (drivetime.h) */
	sim_wakeup_fn     wake;		/* sim_dev_set_wakeup: commands may be pending */
	void             *wake_arg;
};

/* Why a command is pending (struct sim_cmd.pending, wait.kind). */
enum sim_wait {
	SIM_WAIT_NONE,
	SIM_WAIT_START,		/* not started: the disc image cannot serve it yet
				 * (sim_mmc_image_ready); resumed from the beginning */
	SIM_WAIT_AGAIN,		/* its handler made progress and must run again (the
				 * recorder's padding, REC_SENSE_AGAIN) */
	SIM_WAIT_DURABLE,	/* done; the status waits for the image's ticket */
};

/* Not a SAM-5 status: what a handler returns (through sim_pending) when its command
 * cannot finish now; never sent. */
#define SIM_STATUS_PENDING 0xffu

/* One command in flight, as the handlers see it. */
struct sim_ctx {
	struct sim_dev   *dev;
	struct sim_lun   *lun;		/* NULL: LUN not configured (ANY_LUN ops only) */
	size_t            lun_index;
	struct sim_nexus *nexus;
	struct sim_itl   *itl;		/* NULL with lun */
	struct sim_cmd   *cmd;
	const uint8_t    *cdb;
	const struct sim_op *op;	/* the opcode table entry being run (its name for logs) */

	/* response: buf holds buflen bytes, the first spdtl of which the CDB moves */
	uint8_t          *buf;
	uint32_t          buflen;

	/* injected faults (fault.h) that the handlers carry out */
	bool              fault_no_record;	/* record-nothing: WRITE validates, the state
						 * moves on, no data is recorded */

	/* pending (sim_pending): why, and the image ticket for SIM_WAIT_DURABLE */
	enum sim_wait     wait;
	uint64_t          wait_ticket;

	/* failure: filled by sim_fail*() */
	struct sim_sense       sense;
	bool                   has_info;
	uint64_t               info;
	struct sim_sense_field field;
};

typedef uint8_t (*sim_handler_fn)(struct sim_ctx *c);

/* Opcode table flags: generic checks that sim_dev_execute() runs once, before the
 * handler. */
enum sim_op_flags {
	SIM_OP_NEEDS_MEDIUM    = 1u << 0,	/* 02/3A/xx without a medium */
	SIM_OP_DATA_IN         = 1u << 1,	/* moves data to the initiator */
	SIM_OP_DATA_OUT        = 1u << 2,	/* takes a parameter list */
	SIM_OP_ALLOWED_WITH_UA = 1u << 3,	/* no UA reported (SAM-5 §5.14, SPC-4 §5.14) */
	SIM_OP_ANY_LUN         = 1u << 4,	/* answered for unconfigured LUNs (SPC-4 §6.4.1) */
	SIM_OP_RECORDER        = 1u << 5,	/* recorder LUNs only: on a read-only drive the
						 * opcode is unsupported (05/20/00), as on a
						 * DVD-ROM reader, and RSOC does not list it */
	SIM_OP_IMAGE           = 1u << 6,	/* on a recorder LUN that does not wait for its
						 * image (sim_dev_set_wakeup), pending before
						 * anything else while sim_mmc_image_ready()
						 * says no: not counted, no fault, no UA yet */
};

/* One command (or one service action of a command).  usage is the CDB usage data
 * of REPORT SUPPORTED OPERATION CODES (SPC-4 §6.35.3): byte 0 the opcode, then
 * every bit the command uses; a CDB bit outside it is a reserved bit set, 05/24/00. */
struct sim_op {
	const char          *name;
	uint8_t              cdb_len;
	sim_handler_fn       fn;
	uint32_t             flags;
	uint8_t              usage[16];
	uint16_t             sa;		/* service action, in a service-action table */
	const struct sim_op *sas;		/* service actions (CDB byte 1 b4-0), or NULL */
	uint8_t              nsas;
	uint16_t             timeout;		/* recommended timeout, s (0 = default 30) */
};

/* ---- device.c: dispatch --------------------------------------------------------- */


/* ---- cmd.c: the command in flight ---------------------------------------------- */

/* Failing a command: record the sense (with an optional field pointer into the CDB or
 * the parameter list) and return CHECK CONDITION for the handler to return. */
uint8_t sim_fail(struct sim_ctx *c, struct sim_sense s);
uint8_t sim_fail_cdb(struct sim_ctx *c, struct sim_sense s, uint16_t byte, int bit);
uint8_t sim_fail_param(struct sim_ctx *c, struct sim_sense s, uint16_t byte, int bit);
/* sim_fail() with the progress indication in the sense-key specific bytes (SKSV, bytes
 * 16-17 of fixed sense; SPC-4 §4.5.2.4.4). */
uint8_t sim_fail_progress(struct sim_ctx *c, struct sim_sense s, uint16_t progress);

/* The command cannot finish now (struct sim_cmd.pending): record why and return
 * SIM_STATUS_PENDING for the handler to return.  Only with a wake-up registered. */
uint8_t sim_pending(struct sim_ctx *c, enum sim_wait why, uint64_t ticket);

/* The most data-in bytes one command holds in memory: 16 MiB (8192 blocks of 2048).
 * What a command moves is min(SPDTL, EDTL) (SPC-4 §4.2.5.6, RFC 7143 §11.4.5); a READ or
 * READ CD that would move more than this fails with 05/24/00 at its transfer length
 * field, as SBC-3 has a drive answer a transfer length above its maximum
 * (doc/simdrive-scsi.md, "Transfer lengths").  Hosts read 32-64 KiB at a time. */
#define SIM_DATA_IN_CAP (16u << 20)

/* Allocate the response: len bytes zeroed, of which the CDB moves min(len, alloc)
 * (allocation length truncation, SPC-4 §4.2.5.6); sets cmd->spdtl.  NULL on out of
 * memory.  For the small answers a handler builds in place; dispatch hands the
 * transport only the bytes it sends. */
uint8_t *sim_reply(struct sim_ctx *c, size_t len, uint32_t alloc);
/* sim_reply() filled from a buffer the handler built, keeping only the bytes the
 * initiator takes: returns GOOD, or CHECK CONDITION 04/44/00 if memory ran out. */
uint8_t sim_reply_copy(struct sim_ctx *c, const uint8_t *data, size_t len, uint32_t alloc);
/* The data-in bytes of a command whose CDB moves spdtl bytes: min(spdtl, EDTL), 0
 * without the R bit.  Bulk handlers read only these (and check SIM_DATA_IN_CAP). */
uint32_t sim_data_in_want(const struct sim_ctx *c, uint64_t spdtl);
/* A bulk response: a buffer of n bytes (n = sim_data_in_want(spdtl)), not zeroed, for
 * the handler to fill; sets cmd->spdtl.  NULL on out of memory. */
uint8_t *sim_reply_bulk(struct sim_ctx *c, uint32_t spdtl, uint32_t n);

/* ---- lun.c: the logical unit ----------------------------------------------------- */

/* Medium state of a logical unit: a disc in the closed tray, else the NOT READY
 * condition (02/3A/01 tray closed, 02/3A/02 open). */
bool sim_lun_ready(const struct sim_lun *lun);
struct sim_sense sim_lun_not_ready_sense(const struct sim_lun *lun);
bool sim_lun_prevented(const struct sim_dev *dev, size_t lun_index);

/* Unit attentions and events. */
void sim_ua_raise(struct sim_itl *itl, struct sim_sense s);
bool sim_ua_pop(struct sim_itl *itl, struct sim_sense *out);
/* Raise s for every nexus on lun_index except `except` (NULL = all). */
void sim_ua_raise_others(struct sim_dev *dev, size_t lun_index,
			 const struct sim_nexus *except, struct sim_sense s);
void sim_media_event_all(struct sim_dev *dev, size_t lun_index, enum sim_media_event ev);
/* Open or close the tray of LUN li (START STOP UNIT, the operator, an eject fault):
 * events, and on closing over a disc 06/28/00 for every nexus but `by` (NULL: all). */
void sim_lun_move_tray(struct sim_dev *dev, size_t li, bool open, const struct sim_nexus *by);

/* LUN encoding of REPORT LUNS (SAM-5 §4.7): peripheral device addressing below
 * 256, flat space addressing above. */
void sim_lun_encode(uint8_t out[8], uint16_t lun);

/* The disc of a LUN from its configuration: a recordable disc or a read-only view of an
 * image (a recorder LUN), a read-only disc over an ISO file or an empty tray (the
 * read-only drive, whose personality then reads DVD-ROM and CD-ROM only).  lun->pers
 * is loaded.  0, or -1 with err filled. */
/* pool: the disc image's writer runs on these shared workers and budget (disclog.h
 * dl_pool), or NULL for workers of its own. */
int sim_lun_open(struct sim_lun *lun, const struct sim_lun_cfg *lc, struct dl_pool *pool,
		 char *err, size_t errlen);
void sim_lun_close(struct sim_lun *lun);

/* The drive's time (drivetime.h, doc/simdrive-time.md) of a recorder LUN.  dt_now brings
 * the drive up to the clock (what happened meanwhile is logged), takes the parameters in
 * force (dt_config: personality, medium, speed, BUFE) and returns the virtual now. */
void sim_lun_dt_config(struct sim_lun *lun);
uint64_t sim_lun_dt_now(struct sim_dev *dev, struct sim_lun *lun);
/* A recorder LUN busy with a long operation (SYNCHRONIZE CACHE, CLOSE, BLANK, FORMAT
 * running after IMMED, or for another nexus): the NOT READY condition to report
 * (02/04/04 format in progress for BLANK and FORMAT, else 02/04/08 long write in
 * progress) and the progress indication 0..65535.  false when ready (and on other
 * LUNs). */
bool sim_lun_busy(struct sim_dev *dev, struct sim_lun *lun, struct sim_sense *s,
		  uint16_t *progress);

/* The drive's write speeds for the disc in the tray (the personality's table for its
 * family, tenths of x, fastest first), their count, tenths of x in kB/s, and a
 * requested kB/s rounded down to a step of the table (the slowest when below it; 0 =
 * the fastest). */
const struct sim_speed_table *sim_lun_speed_table(const struct sim_lun *lun);
unsigned sim_lun_nspeeds(const struct sim_speed_table *t);
uint32_t sim_lun_kbps(const struct sim_lun *lun, double x10);
uint16_t sim_lun_speed_select(const struct sim_lun *lun, uint32_t want_kbps);

/* MM Capabilities page 2Ah of a recorder LUN, after spc.c filled bytes 0-31: the buffer
 * size, BUF, the maximum and current write speed, the rotation and the write speed
 * descriptors from byte 32; updates the page length.  pc 1 (changeable) gives the same
 * length, zeroed.  Returns the page's length. */
size_t sim_lun_page2a(const struct sim_lun *lun, int pc, uint8_t *p);
/* Write parameters page 05h of a recorder LUN for MODE SENSE (0 on other LUNs: the page
 * does not exist there), pc as enum sim_pc of spc.c; and MODE SELECT of it, validated by
 * the drive model (recorder.c) alone. */
size_t sim_lun_page05(const struct sim_lun *lun, int pc, uint8_t *p);
struct sim_sense sim_lun_page05_select(struct sim_dev *dev, struct sim_lun *lun,
				       const uint8_t *page, size_t len);

/* ---- spc.c: SPC-4 command handlers ------------------------------------------------ */

uint8_t sim_spc_test_unit_ready(struct sim_ctx *c);
uint8_t sim_spc_request_sense(struct sim_ctx *c);
uint8_t sim_spc_inquiry(struct sim_ctx *c);
uint8_t sim_spc_mode_select6(struct sim_ctx *c);
uint8_t sim_spc_mode_select10(struct sim_ctx *c);
uint8_t sim_spc_mode_sense6(struct sim_ctx *c);
uint8_t sim_spc_mode_sense10(struct sim_ctx *c);
uint8_t sim_spc_start_stop_unit(struct sim_ctx *c);
uint8_t sim_spc_prevent_allow(struct sim_ctx *c);
uint8_t sim_spc_report_luns(struct sim_ctx *c);

/* ---- mmc.c: MMC-6 command handlers ------------------------------------------------ */

/* The read path, one for every disc (recorder.h). */
uint8_t sim_mmc_read_capacity(struct sim_ctx *c);
uint8_t sim_mmc_read10(struct sim_ctx *c);
uint8_t sim_mmc_read12(struct sim_ctx *c);
uint8_t sim_mmc_read_cd(struct sim_ctx *c);
uint8_t sim_mmc_read_toc(struct sim_ctx *c);
uint8_t sim_mmc_read_disc_info(struct sim_ctx *c);
uint8_t sim_mmc_read_track_info(struct sim_ctx *c);
uint8_t sim_mmc_get_configuration(struct sim_ctx *c);
uint8_t sim_mmc_get_event_status(struct sim_ctx *c);
/* Recorder-only commands (SIM_OP_RECORDER). */
uint8_t sim_mmc_format_unit(struct sim_ctx *c);
uint8_t sim_mmc_read_format_capacities(struct sim_ctx *c);
uint8_t sim_mmc_write10(struct sim_ctx *c);
uint8_t sim_mmc_write12(struct sim_ctx *c);
uint8_t sim_mmc_sync_cache(struct sim_ctx *c);
uint8_t sim_mmc_reserve_track(struct sim_ctx *c);
uint8_t sim_mmc_close_track_session(struct sim_ctx *c);
uint8_t sim_mmc_send_cue_sheet(struct sim_ctx *c);
uint8_t sim_mmc_blank(struct sim_ctx *c);
uint8_t sim_mmc_read_sub_channel(struct sim_ctx *c);
uint8_t sim_mmc_read_disc_structure(struct sim_ctx *c);
uint8_t sim_mmc_get_performance(struct sim_ctx *c);
uint8_t sim_mmc_set_cd_speed(struct sim_ctx *c);
uint8_t sim_mmc_set_streaming(struct sim_ctx *c);
uint8_t sim_mmc_read_buffer_capacity(struct sim_ctx *c);
uint8_t sim_mmc_send_opc(struct sim_ctx *c);
uint8_t sim_mmc_mechanism_status(struct sim_ctx *c);

/* The disc image without waiting (doc/simdrive-recorder.md §10), for dispatch.  Can the
 * disc image of a recorder LUN serve this SIM_OP_IMAGE command now?  A WRITE needs room
 * for its data in the image writer's queue; a read (and the end of a RAW session, which
 * reads its Q back) needs every block written so far in the image: if not, this starts
 * flushing it.  Non-blocking use only (dev->wake). */
bool sim_mmc_image_ready(struct sim_ctx *c);
/* A command that made the image durable (SYNCHRONIZE CACHE, CLOSE, RESERVE, BLANK,
 * FORMAT) answers once the image's ticket is on disk: GOOD, pending (SIM_WAIT_DURABLE,
 * non-blocking use) or CHECK CONDITION 04/44/00 if the image failed. */
uint8_t sim_mmc_durable(struct sim_ctx *c, uint64_t ticket);

#endif
