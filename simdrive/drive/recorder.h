/* simdrive/drive/recorder.h - the recordable disc: media profiles, the disc -> session ->
 * track model of write-once and rewritable media, next writable addresses, write
 * validation, close / reserve / blank / format, the write parameters page (05h), and
 * recording into a disclog image (disclog.h).  MMC-6 (its commands, §6, and the write
 * parameters page, §7.5) and ECMA-130 are the rules; doc/simdrive-recorder.md the
 * decisions.
 *
 * The module knows MMC semantics but nothing of CDBs, iSCSI or sockets: callers
 * (simdrive/scsi/mmc.c) parse commands, call these operations and build responses from
 * the state.  Failures are returned as a named sense condition (scsi.h); on any
 * failure nothing is recorded and the state is unchanged.
 *
 * THE STATE.  The authoritative state of the disc is a struct dl_state (disclog.h),
 * returned by rec_state(); every change is also appended to the image as a STATE
 * record, and reopening an image restores it.  Conventions (shared by the model and
 * the response builders):
 * - profile: enum rec_profile of the medium as it is now (a finalized DVD+R still
 *   reports 001Bh; the ROM "views" are separate media names).
 * - capacity: user blocks of the medium (doc/simdrive-recorder.md §1; overridable).
 * - disc_status (READ DISC INFORMATION byte 2 b1-0): 0 empty, 1 incomplete
 *   (appendable), 2 complete (finalized), 3 random-access / overwritable (DVD+RW,
 *   BD-RE, DVD-RW restricted overwrite once formatted).
 * - last_session_state (byte 2 b3-2): 0 empty, 1 incomplete, 2 damaged/reserved,
 *   3 complete.  An appendable disc always ends with an open session: after CLOSE
 *   SESSION a new empty session exists (sessions[] has it, state 0).
 * - flags: bit 0 erasable (CD-RW, DVD-RW, DVD+RW, BD-RE), bit 1 medium loaded,
 *   bits 2-3 background format status for DVD+RW (0 none, 1 partial, 2 running,
 *   3 complete; READ DISC INFORMATION byte 7 b1-0), bit 4 (REC_DF_SPARES) a BD-R
 *   formatted with spare areas (FORMAT UNIT 00h/32h), bit 5 (REC_DF_POW) formatted
 *   for Pseudo-Overwrite (sub-type 00b, SRM+POW).
 * - sessions[]: in order, numbered from 1; start_lba = first LBA of its first track's
 *   user data (CD: INDEX 01 of the first track; track 1 starts at 0 with its pregap at
 *   -150..-1); leadout_lba = -1 while open.
 * - tracks[]: in order, numbered from 1 across sessions.  On sequential media the
 *   last track of an open session is the "invisible" track (state 0, flags blank |
 *   NWA valid) that starts at the NWA and spans the rest of the disc (size = free
 *   blocks).  A partly written track: state 1, NWA valid, last_recorded valid.  A
 *   reserved track: state 2 (fixed size).  A closed track: state 3, nwa -1.  On
 *   random media one track covers the whole formatted capacity, state 3, and
 *   last_recorded = highest LBA ever written.
 * - track mode / data_mode: MMC READ TRACK INFORMATION byte 5 b3-0 (CTL: 4 data, 0
 *   audio, 5 data incremental...) and byte 6 b3-0 (1 mode 1, 2 mode 2, Fh unknown).
 * - nwa (disc level): the NWA of the invisible/incomplete track, or -1 when none.
 * - leadin_lba / last_leadout_lba: CD (-1 otherwise): start of the next session's
 *   lead-in (ATIP for a blank disc: e.g. -11635 = 97:26:65) and last possible lead-out
 *   start (capacity).  A BD-R with spare areas: last_leadout_lba = the end of its user
 *   data area (capacity - spare blocks, rec_user_capacity), kept when finalized;
 *   capacity stays the medium's unformatted size.
 * - page05: the write parameters page in force, 52 bytes, page code byte first.
 */
#ifndef SIM_RECORDER_H
#define SIM_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "disclog.h"
#include "scsicodes.h"

/* MMC profiles (MMC-6 table 87). */
enum rec_profile {
	REC_PROFILE_NONE       = 0x0000,
	REC_PROFILE_CD_ROM     = 0x0008,
	REC_PROFILE_CD_R       = 0x0009,
	REC_PROFILE_CD_RW      = 0x000a,
	REC_PROFILE_DVD_ROM    = 0x0010,
	REC_PROFILE_DVD_R      = 0x0011,
	REC_PROFILE_DVD_RW_RO  = 0x0013,	/* restricted overwrite (formatted) */
	REC_PROFILE_DVD_RW_SEQ = 0x0014,
	REC_PROFILE_DVD_PLUS_RW = 0x001a,
	REC_PROFILE_DVD_PLUS_R = 0x001b,
	REC_PROFILE_DVD_PLUS_R_DL = 0x002b,
	REC_PROFILE_BD_ROM     = 0x0040,
	REC_PROFILE_BD_R       = 0x0041,	/* sequential recording mode */
	REC_PROFILE_BD_RE      = 0x0043,
};

enum rec_family { REC_CD, REC_DVD, REC_BD };

/* One medium kind, from the table in recorder.c. */
struct rec_media {
	const char *name;		/* "cd-r", "cd-r80", "dvd+r", "dvd+r-dl", "bd-re", ... */
	uint16_t profile;
	enum rec_family family;
	uint32_t capacity;		/* default user blocks (2048-byte) */
	bool writable;			/* false for the -rom views */
	bool erasable;			/* BLANK / rewrite allowed */
	bool random;			/* random writes once formatted (DVD+RW, BD-RE) */
	bool needs_page05;		/* write parameters page governs writes (CD, DVD-R/RW) */
	uint8_t write_types;		/* bit mask of page 05h write types allowed (1 << type) */
	bool test_write;		/* page 05h Test Write supported (CD-R/RW, DVD-R/RW) */
	bool streaming;			/* WRITE(12) streaming meaningful (BD, DVD-RAM) */
};

/* The media table and a lookup by name (NULL if unknown). */
extern const struct rec_media rec_media_table[];
extern const size_t rec_media_count;
const struct rec_media *rec_media_lookup(const char *name);
/* Profile names are libdisclog's one table (dlx_profile_name, dlexport.h). */

/* Bytes per block of a page 05h data block type (MMC-6 §7.5), 0 for reserved types. */
uint32_t rec_dbt_block_size(uint8_t dbt);

struct rec_disc;

struct rec_config {
	const char *media;		/* a rec_media name */
	uint32_t capacity;		/* 0: the medium's default */
	const char *image;		/* disclog image: created blank, or reopened with its
					 * last STATE; NULL = nothing recorded (tests) */
	const char *file;		/* a read-only disc (media a ROM medium: cd-rom, dvd-rom)
					 * laid over this file of 2048-byte blocks (an ISO):
					 * one finalized session with one data track, as
					 * `disclog import` makes of it.  Not with image= */
	const struct dl_writer_opts *writer;	/* NULL = level 1 on 2 worker threads */
	uint64_t vtime_us;		/* the drive's virtual time now (drivetime.h): the
					 * initial STATE record's */
	unsigned write_types;		/* page 05h write types the drive offers (1 << type,
					 * personality.h SIM_WT_*), intersected with the
					 * medium's; 0 = all of the medium's.  MODE SELECT of
					 * another type gets 05/26/00, the default page uses
					 * one the drive has */
};

/* Create a blank disc of cfg->media, or reload cfg->image if it holds a STATE (the
 * medium then comes from the image; a media name that disagrees is an error), or lay a
 * read-only disc over cfg->file.  Returns NULL with a message naming the medium or file
 * in err. */
struct rec_disc *rec_disc_new(const struct rec_config *cfg, char *err, size_t errlen);
/* The drive's virtual time (microseconds, drivetime.h) of the operations that follow:
 * the STATE and DATA records they append carry it.  The drive model pushes it before
 * each operation (a WRITE carries its own, rec_write_req.vtime_us); the disc never asks
 * for it. */
void rec_set_time(struct rec_disc *d, uint64_t vtime_us);
/* Sync the image and free everything. */
void rec_disc_free(struct rec_disc *d);

const struct rec_media *rec_medium(const struct rec_disc *d);
/* The state (see the conventions above).  Borrowed; changes with every operation. */
const struct dl_state *rec_state(const struct rec_disc *d);

/* Write parameters page 05h (52 bytes): current, changeable mask, default. */
enum rec_page_control { REC_PC_CURRENT = 0, REC_PC_CHANGEABLE = 1, REC_PC_DEFAULT = 2 };
size_t rec_page05(const struct rec_disc *d, enum rec_page_control pc, uint8_t out[52]);
/* MODE SELECT of page 05h: every field validated against the medium and the changeable
 * mask (05/26/00 invalid field in parameter list; 05/26/02 value invalid).  DVD+R,
 * DVD+RW and BD accept and ignore it (doc/simdrive-recorder.md §3). */
struct sim_sense rec_page05_select(struct rec_disc *d, const uint8_t *page, size_t len);

/* Bytes per block a WRITE at lba must carry now: 2048 on DVD/BD; on CD decided by the
 * data block type in force (TAO/packet/RAW) or the cue sheet (SAO).  0 = no valid
 * write state (then a WRITE gets 05/2C/00). */
uint32_t rec_write_block_size(const struct rec_disc *d, int32_t lba);

/* WRITE(10)/(12): validate (medium writable, loaded, write type allowed, block size
 * = len / nblocks, LBA = NWA on sequential media or inside the formatted area on random
 * media, capacity, track/disc not closed, reservation end) and record.  On a BD-R
 * formatted SRM+POW a write of recorded blocks off the NWA is a pseudo-overwrite
 * (MMC-6 §4.5 POW): recorded flagged DL_FLAG_POW, layout unchanged, 03/32/00 once the
 * spare areas have no replacement cluster left.  Test write:
 * validated, NWA advances as a real drive's does, nothing recorded.  nblocks 0 = no-op. */
struct rec_write_req {
	int32_t lba;
	uint32_t nblocks;
	const uint8_t *data;
	size_t len;			/* data-out bytes received */
	uint32_t edtl;			/* bytes the initiator said it would send (for
					 * rec_write_length; rec_write checks len) */
	uint64_t vtime_us;		/* the drive's virtual time when the data is in its
					 * buffer: the DATA record's time, and the disc's from
					 * then on (rec_set_time) */
	uint8_t opcode;			/* 0x2a, 0xaa */
	bool streaming, fua;
	bool no_record;			/* an injected fault (fault.h record-nothing): validate
					 * and move the state on as a real drive does, but record
					 * no data - the failure users see with some SAO burns */
};
struct sim_sense rec_write(struct rec_disc *d, const struct rec_write_req *w);
/* The transfer rule of a WRITE, checked here only (MMC-6 §6.44.3; doc/simdrive-recorder.md):
 * *bytes = the bytes w->nblocks blocks at w->lba carry with the write parameters (page
 * 05h) or the cue sheet in force.  05/2C/00 when some block has no write state; 05/24/00
 * when w->edtl or w->len differ from it (the caller points at the CDB's transfer length
 * field).  Changes nothing; rec_write applies the same rule to w->len. */
struct sim_sense rec_write_length(const struct rec_disc *d, const struct rec_write_req *w,
				  uint64_t *bytes);
/* Does a recording survive a buffer underrun (the drive model's BUFE, page 05h byte 2
 * b6 on CD and DVD-R/-RW; DVD+R(W), BD and random media link losslessly)? */
bool rec_underrun_free(const struct rec_disc *d);

/* READ(10)/(12): 2048-byte user data of recorded blocks (Mode 1 / Mode 2 Form 1 raw
 * blocks are cut to their user data), or of the backing file.  05/21/00 beyond the
 * recorded area, 05/64/00 on an audio track, 03/11/00 when the image or file cannot be
 * read.  out must hold nblocks * 2048: callers read only the blocks the initiator takes
 * (doc/simdrive-scsi.md, "Transfer lengths"). */
struct sim_sense rec_read(struct rec_disc *d, int32_t lba, uint32_t nblocks, uint8_t *out);

/* Where a CD block lies as its mode-1 Q sub-channel tells it (ECMA-130 §22.3.3): the
 * track the Q names, its INDEX (00 in a pregap, 01 from the track start, 02..99 from
 * the index points of an SAO cue sheet) and the relative time in frames (from INDEX
 * 01; in a pregap counting down to 0 at its last block).  A pregap is the gap before
 * a recorded track: from the end of the track before it in its session (SAO and RAW:
 * the cue sheet's / Q's INDEX 00 blocks, recorded), or the 150 blocks the drive writes
 * before a TAO track and before a session's first track; the 2 unrecorded run-out
 * blocks of a TAO track still carry its own Q (doc/simdrive-recorder.md §8).
 * recorded: the block has a DATA record (else a pregap the drive wrote itself: its
 * main channel is zeros).  False when lba is in no track or pregap, or not a CD. */
struct rec_qpos {
	const struct dl_track *track;
	uint8_t index;
	int32_t rel;
	bool recorded;
};
bool rec_q_position(struct rec_disc *d, int32_t lba, struct rec_qpos *q);
/* Raw read of what was recorded (READ CD / tests): the recorded bytes per block.  Also
 * the recorded blocks of a CD pregap (SAO, RAW), which belong to no track. */
long rec_read_raw(struct rec_disc *d, int32_t lba, uint32_t nblocks, uint8_t *out, size_t cap,
		  struct sim_sense *sense);

/* SYNCHRONIZE CACHE: flush the image (dl_writer_sync).  On CD TAO it also ends the
 * open track (doc/simdrive-recorder.md §5); on DVD-R/-RW DAO, once the reservations hold what RESERVE
 * TRACK asked for, the drive pads them (recorded zeros) and finalizes (MMC-6 §4.5). */
struct sim_sense rec_sync(struct rec_disc *d);
/* CLOSE TRACK/SESSION (function 0-7, doc/simdrive-recorder.md §5), number = track number. */
struct sim_sense rec_close(struct rec_disc *d, uint8_t function, uint16_t number);
/* RESERVE TRACK: arsv ? an LBA : a size in blocks, rounded up to the ECC block
 * (MMC-6 §6.31); DVD keeps the end asked for (the end of a DAO recording). */
struct sim_sense rec_reserve(struct rec_disc *d, bool arsv, uint32_t value);
/* BLANK type 0-6 (doc/simdrive-recorder.md §6); number = track/LBA for the track types. */
struct sim_sense rec_blank(struct rec_disc *d, uint8_t type, uint32_t number);
/* FORMAT UNIT: format type and sub-type, number of blocks (0xffffffff = maximum) and
 * the type dependent parameter (descriptor bytes 5-7; BD-R 00h/32h: spare clusters). */
struct sim_sense rec_format(struct rec_disc *d, uint8_t format_type, uint8_t subtype,
			    uint32_t nblocks, uint32_t tdp);

/* dl_state.flags bits of a formatted BD-R (see THE STATE above). */
#define REC_DF_SPARES 0x10
#define REC_DF_POW    0x20

/* BD-R spare areas (MMC-6 §6.5.4.2, format types 00h and 32h): the sizes in blocks the
 * drive offers in READ FORMAT CAPACITIES, scaled to the disc's capacity. */
enum rec_spare { REC_SPARE_DEFAULT, REC_SPARE_MAX, REC_SPARE_MIN, REC_SPARE_KINDS };
uint32_t rec_bdr_spare(const struct rec_disc *d, enum rec_spare which);
/* Blocks a host can record: the capacity, less the spare areas of a formatted BD-R. */
uint32_t rec_user_capacity(const struct rec_disc *d);
/* SEND CUE SHEET (SAO, CD only): 8-byte entries (doc/simdrive-recorder.md §8). */
struct sim_sense rec_cue_sheet(struct rec_disc *d, const uint8_t *sheet, size_t len);

/* Last LBA READ CAPACITY reports: the last recorded user block (-1 when blank: the
 * command reports 0, doc/simdrive-recorder.md §7). */
int32_t rec_last_readable(const struct rec_disc *d);

/* ---- non-blocking recording (doc/simdrive-recorder.md §10) ------------------ */

/* simdrive's event loop serves every drive and session, so it must never wait for one
 * disc image (doc/iscsi-target.md "Threads, and who waits for what").  After
 * rec_set_nonblock(d, fn, arg) the recorder uses its image writer without waiting
 * (disclog.h "non-blocking use"):
 * - a WRITE is recorded only when rec_can_record() says the image can take it; the
 *   caller asks before it changes anything and holds the command otherwise;
 * - reads (and the end of a RAW session, which reads its Q back) need every block
 *   written: rec_settled() starts what they need and says when they can go;
 * - rec_sync, rec_close, rec_reserve, rec_blank and rec_format only start making the
 *   image durable: the answer waits until rec_durable(rec_durable_ticket()) is 1;
 *   -1 means the image failed: the operation stays applied in memory, the image
 *   writer is stopped, the command gets 04/44/00;
 * - padding (CLOSE TRACK of a reservation, the end of a DVD-R DAO recording) goes
 *   in as the image has room: rec_close / rec_sync return REC_SENSE_AGAIN with the
 *   padding so far kept, and are called again.
 * fn(arg) runs on a writer thread when any of these may have changed; it must only
 * signal the caller's thread.  fn NULL: blocking again.  Without an image all of this
 * is a no-op.  Returns 0, or -1 if the image writer has no worker thread. */
int rec_set_nonblock(struct rec_disc *d, void (*fn)(void *), void *arg);

/* Not a sense condition: the operation made progress, kept it, and must be called
 * again once the image has room (non-blocking use only). */
#define REC_SENSE_AGAIN SIM_SENSE(0xff, 0xff, 0xff)
static inline bool rec_again(struct sim_sense s)
{
	return s.key == 0xff && s.asc == 0xff && s.ascq == 0xff;
}

/* Could a WRITE of `bytes` be recorded now without the image writer's queue passing
 * its limit?  True in blocking use and in Test Write (nothing is recorded). */
bool rec_can_record(struct rec_disc *d, size_t bytes);

/* Would a read back of the image find every block written so far?  When not, start
 * flushing it - the SYNC record a read after writes appends anyway
 * (doc/simdrive-recorder.md §7) - and return false.  REC_SETTLE_CLOSE: only while a
 * RAW session is written (its close reads the Q back). */
enum rec_settle { REC_SETTLE_READ, REC_SETTLE_CLOSE };
bool rec_settled(struct rec_disc *d, enum rec_settle why);

/* What the last rec_sync / rec_close / rec_reserve / rec_blank / rec_format that made
 * the image durable waits for, and whether it is there: 1 durable, 0 not yet, -1 the
 * image failed. */
uint64_t rec_durable_ticket(const struct rec_disc *d);
int rec_durable(struct rec_disc *d, uint64_t ticket);

/* The image writer's queue (disclog.h dl_writer_get_stats), and holding its workers
 * for tests (dl_writer_hold).  false without an image. */
bool rec_image_stats(struct rec_disc *d, struct dl_writer_stats *st);
bool rec_image_hold(struct rec_disc *d, bool hold);

/* A failing disk under the image, for tests (the image-enospc / image-eio faults,
 * doc/simdrive-faults.md): dl_writer_inject on the image's writer.  false without an
 * image. */
bool rec_image_inject(struct rec_disc *d, const struct dl_fault *f);

/* The sense every recording command of this disc gets once its image writer stopped
 * on an I/O error (03/0C/00 for a full file system, 04/44/00 otherwise;
 * doc/simdrive-recorder.md §9), key 0 while the image works.  WRITE, SYNCHRONIZE
 * CACHE, CLOSE, RESERVE, BLANK, FORMAT and a page 05h change are refused with it;
 * reads go on from what the image file holds. */
struct sim_sense rec_image_failure(struct rec_disc *d);

#endif
