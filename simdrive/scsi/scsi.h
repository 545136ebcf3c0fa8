/* simdrive/scsi/scsi.h - the SCSI device model's contract with the transport.
 *
 * The transport (iSCSI, simdrive/iscsi/target.c) knows nothing of MMC; the device model
 * knows nothing of sockets or PDUs.  They meet here: the transport fills a struct
 * sim_cmd with the CDB and any data-out bytes, calls sim_dev_execute(), and reads
 * back status, sense and data-in.  Residual arithmetic (RFC 7143 §11.4.5) is the
 * transport's job: the device reports SPDTL, the number of bytes the CDB itself
 * asked to move after allocation-length truncation (SPC-4 §4.2.5.6).
 *
 * Threading: everything here runs on the event-loop thread, except the wake-up
 * function a transport registers (sim_dev_set_wakeup), which other threads call.
 * sim_dev_execute() returns with the command complete - or, once a wake-up is
 * registered, possibly pending: a recording LUN does not wait for its disc image on
 * this thread (struct sim_cmd.pending; doc/iscsi-target.md "Threads, and who waits
 * for what").
 */
#ifndef SIM_SCSI_H
#define SIM_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scsicodes.h"

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
	bool     pending;		/* the device cannot finish the command now: its
					 * disc image cannot take a WRITE's data yet, a read
					 * needs blocks still on their way to the image, or
					 * the status must wait until the image is durable
					 * (SYNCHRONIZE CACHE, CLOSE, ...).  No other out field
					 * is valid yet.  The transport keeps the command as
					 * it is (data_out too), runs no later command of the
					 * same LUN for this nexus meanwhile, and calls
					 * sim_dev_resume() after each wake-up until pending is
					 * false; commands of other LUNs and nexuses go on.  It
					 * may drop a pending command instead (abort, closed
					 * connection): the device keeps nothing of it.  Only
					 * after sim_dev_set_wakeup(). */
	struct sim_cmd_wait {		/* the device's notes on a pending command; the
					 * transport keeps them with it, unread */
		uint8_t     kind;
		unsigned    fault_id;
		const char *fault_kind;
		uint64_t    ticket;
	} wait;
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
	struct dl_pool *image_pool;	/* the disc images' writers share these workers
					 * and budget (disclog.h dl_pool_new; the daemon's
					 * one pool); NULL: each image has workers of its own */
};

struct sim_dev;
struct sim_fault;
struct dl_pool;

/* Create the device: every LUN, with its medium loaded (ISO opened read-only).
 * Returns NULL and fills err (a message naming the LUN and file) on failure. */
struct sim_dev *sim_dev_new(const struct sim_dev_cfg *cfg, char *err, size_t errlen);
void sim_dev_free(struct sim_dev *dev);

/* An I_T nexus appears (a session reached full feature phase) or ends.  A new nexus
 * starts with a POWER ON RESET unit attention (SAM-5 §5.14); closing releases what the
 * nexus held (PREVENT ALLOW MEDIUM REMOVAL, SPC-4 §6.13). */
uint64_t sim_dev_nexus_open(struct sim_dev *dev);
void sim_dev_nexus_close(struct sim_dev *dev, uint64_t nexus);

/* Execute one command to completion (or to pending, see struct sim_cmd).  Unknown
 * LUNs get 05/25/00 (REPORT LUNS and INQUIRY still answer, SPC-4 §6.4.1), unknown
 * opcodes 05/20/00. */
void sim_dev_execute(struct sim_dev *dev, struct sim_cmd *cmd);

/* Pending commands.  fn(arg) is called - from any thread, the disc images' writer
 * threads - whenever a pending command may be able to go on; it must only wake the
 * transport's thread (an eventfd), which then calls sim_dev_resume() for each of its
 * pending commands, in the order they arrived.  Registering fn switches every
 * recording LUN to non-blocking recording (doc/simdrive-recorder.md §10); fn NULL
 * switches back, once every pending command was resumed to the end or dropped, and
 * returns when no call of the old fn is running any more.  Without a wake-up no
 * command is ever pending. */
typedef void (*sim_wakeup_fn)(void *arg);
void sim_dev_set_wakeup(struct sim_dev *dev, sim_wakeup_fn fn, void *arg);

/* Go on with a pending command, on the transport's thread: on return it is complete,
 * with its out fields as sim_dev_execute() fills them, or still pending.  A command
 * that had not started yet (its WRITE data did not fit) runs from the beginning; one
 * that had is not counted, checked or reported to the observer twice. */
void sim_dev_resume(struct sim_dev *dev, struct sim_cmd *cmd);

/* The disc image of lun as the control socket shows it: the writer's queue
 * (disclog.h dl_writer_get_stats).  false (err filled) for a LUN without an image. */
struct sim_image_info {
	size_t   queued, limit;		/* bytes charged to the queue, its limit */
	bool     waiting;		/* a command waits for room */
	bool     held;
};
bool sim_dev_image_info(struct sim_dev *dev, uint16_t lun, struct sim_image_info *out,
			char *err, size_t errlen);
/* Hold (or release) the workers of lun's image writer, so that tests can fill its
 * queue deterministically (a slow disk): WRITEs then wait as pending commands.
 * 0, or -1 with a message in err. */
int sim_dev_image_hold(struct sim_dev *dev, uint16_t lun, bool hold, char *err, size_t errlen);

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

/* One completed command, as the device reports it to an observer (the daemon's
 * command trace, simdrive/trace.h).  Strings are borrowed for the call. */
struct sim_trace_rec {
	uint64_t       seq;		/* 1, 2, ... in completion order (filled by the trace) */
	uint64_t       vtime_us;	/* the drives' virtual clock, sim_dev_now_us() */
	uint64_t       wall_us;		/* CLOCK_REALTIME, microseconds since the epoch */
	const char    *target;		/* NULL (the device leaves it); a daemon of several
					 * targets names the device's (trace.h tap) */
	uint64_t       nexus;
	uint16_t       lun;
	const uint8_t *cdb;
	uint8_t        cdb_len;		/* bytes of cdb shown */
	const char    *op;		/* decoded command name, "UNKNOWN" if none */
	bool           dir_in, dir_out;	/* iSCSI R and W bits */
	uint32_t       edtl, data_out;	/* expected length; data-out bytes received */
	uint32_t       spdtl, data_in;	/* bytes the CDB moves; data-in bytes sent */
	bool           executed;	/* false: dropped before execution (no status) */
	uint8_t        status;		/* enum sim_scsi_status */
	bool           has_sense;
	struct sim_sense sense;
	bool           deferred;	/* the sense is a deferred error (71h / 73h) */
	unsigned       fault_id;	/* 0: no injected fault fired */
	const char    *fault_kind;
	bool           dropped;		/* the connection was dropped instead of answering */
};

/* Call fn(arg, record) for every command the device completes (or drops); fn NULL
 * turns it off.  The device fills every field but seq. */
typedef void (*sim_cmd_observer_fn)(void *arg, struct sim_trace_rec *r);
void sim_dev_set_observer(struct sim_dev *dev, sim_cmd_observer_fn fn, void *arg);

/* Transfer buffers (bulk.c): Data-Out and Data-In buffers of 128 KiB and more are
 * kept for reuse when freed (at most 64 of them, 32 MiB), process-wide.  get returns
 * a malloc'd buffer of at least n bytes and its capacity in *cap; put takes a
 * malloc'd buffer of at least cap bytes and keeps or frees it (NULL is ignored);
 * drain frees every kept one.  A buffer from get may also go to free(). */
void *sim_bulk_get(size_t n, size_t *cap);
void sim_bulk_put(void *p, size_t cap);
void sim_bulk_drain(void);

#endif
