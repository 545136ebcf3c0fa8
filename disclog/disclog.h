/* disclog/disclog.h - the "disclog" disc image store (format version 1).
 *
 * One file per disc: a sequence of gzip members (RFC 1952).  Each member carries a
 * record header in one FEXTRA subfield ('B','L'); DATA records hold written blocks as
 * the member's payload, STATE and SYNC records have an empty payload.  `zcat` of an
 * image prints the DATA payloads in write order.  The byte layout is specified in
 * doc/disclog.md; this header is the C contract.
 *
 * The store knows nothing of iSCSI or MMC: block types, write types and the disc
 * state are opaque numbers it records and returns.
 *
 * Integers in the file are little-endian (as gzip's own fields are).  Functions
 * return 0 (or a count) on success and a negative enum dl_errcode on failure, with
 * details in a struct dl_error when the caller passes one.
 */
#ifndef SIM_DISCLOG_H
#define SIM_DISCLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DL_VERSION          1
#define DL_SI1              'B'
#define DL_SI2              'L'
#define DL_MEMBER_TARGET    (1u << 20)	/* DATA members are merged up to about 1 MiB */
#define DL_DATA_MAX         (16u << 20)	/* largest DATA payload a reader accepts */
#define DL_BLOCK_SIZE_MAX   65536u
#define DL_PAGE05_MAX       64
#define DL_HEADER_MAX       65531u	/* FEXTRA XLEN limit minus the subfield header */

enum dl_errcode {
	DL_OK = 0,
	DL_EIO = -1,		/* read/write/fsync failed (errno in dl_error.sys_errno) */
	DL_ENOMEM = -2,
	DL_EFOREIGN = -3,	/* not a disclog image (not gzip, or no 'BL' subfield) */
	DL_EVERSION = -4,	/* disclog version this build does not read */
	DL_ECORRUPT = -5,	/* damaged member before the tail (CRC, size, sequence...) */
	DL_ERANGE = -6,		/* LBA range not recorded */
	DL_EINVAL = -7,		/* bad argument */
	DL_ECLOSED = -8,	/* writer failed earlier; nothing more is accepted */
};

/* Error details: the file offset of the member at fault when there is one. */
struct dl_error {
	enum dl_errcode code;
	int sys_errno;
	int64_t offset;		/* -1 when not about a place in the file */
	char msg[256];		/* one line, names the file and the offset */
};

const char *dl_strerror(enum dl_errcode code);

/* ---- records --------------------------------------------------------------- */

enum dl_rectype { DL_REC_DATA = 1, DL_REC_STATE = 2, DL_REC_SYNC = 3 };

enum dl_data_flags {
	DL_FLAG_STREAMING  = 1u << 0,	/* WRITE(12) with the streaming bit */
	DL_FLAG_FUA        = 1u << 1,
	DL_FLAG_TEST_WRITE = 1u << 2,	/* page 05h test write (simulation) */
	DL_FLAG_IMPORTED   = 1u << 3,	/* written by `disclog import`, not by a drive */
	DL_FLAG_POW        = 1u << 4,	/* BD-R pseudo-overwrite of recorded blocks */
};

#define DL_NA 0xffu	/* data block type / write type not applicable (DVD, BD) */

/* What a DATA record says about its blocks. */
struct dl_data_meta {
	int32_t  lba;		/* first block; negative for CD lead-in / pregap */
	uint32_t count;		/* blocks */
	uint32_t block_size;	/* bytes per block, 1..DL_BLOCK_SIZE_MAX */
	uint8_t  data_block_type;	/* page 05h data block type, or DL_NA */
	uint8_t  write_type;	/* page 05h write type, or DL_NA */
	uint8_t  opcode;	/* SCSI opcode that wrote them; 0 for import */
	uint8_t  flags;		/* enum dl_data_flags */
	uint16_t track, session;
	uint64_t vtime_us;	/* virtual time of the write, microseconds */
};

/* The disc layout snapshot of a STATE record.  Every field is an opaque number to
 * the store; simdrive fills them from its MMC model (doc/disclog.md gives the
 * meaning simdrive uses). */
struct dl_session {
	uint16_t number;
	uint8_t  state;		/* 0 empty, 1 incomplete, 2 reserved/damaged, 3 complete */
	uint8_t  flags;
	int32_t  start_lba;	/* first LBA of the session's program area */
	int32_t  leadout_lba;	/* start of its lead-out, or -1 while open */
	uint16_t first_track, last_track;
};

struct dl_track {
	uint16_t number, session;
	uint8_t  state;		/* 0 invisible/blank, 1 incomplete, 2 reserved, 3 closed */
	uint8_t  mode;		/* track mode / control nibble (MMC) */
	uint8_t  data_mode;	/* data mode (MMC), or DL_NA */
	uint8_t  flags;		/* bit 0 blank, 1 packet, 2 fixed packet, 3 NWA valid */
	int32_t  start_lba;
	uint32_t size;		/* blocks */
	int32_t  nwa;		/* next writable address, or -1 */
	int32_t  last_recorded;	/* last recorded LBA, or -1 */
	uint32_t free_blocks;
	uint32_t packet_size;	/* fixed packet size in blocks, or 0 */
};

struct dl_state {
	uint16_t profile;	/* MMC profile number (0010h DVD-ROM, 0009h CD-R, ...) */
	uint32_t capacity;	/* blocks */
	uint8_t  disc_status;	/* 0 empty, 1 incomplete, 2 complete/finalized, 3 other */
	uint8_t  last_session_state;
	uint8_t  disc_type;	/* READ DISC INFORMATION disc type (00h, 10h, 20h) */
	uint8_t  flags;		/* bit 0 erasable, bit 1 medium loaded */
	int32_t  nwa;		/* disc-level next writable address, or -1 */
	int32_t  leadin_lba;	/* start of the next lead-in (CD), or -1 */
	int32_t  last_leadout_lba;	/* last possible lead-out start, or -1 */
	uint64_t vtime_us;
	uint8_t  page05_len;	/* bytes of page05 in use, <= DL_PAGE05_MAX */
	uint8_t  page05[DL_PAGE05_MAX];	/* write parameters mode page as last set */
	uint16_t nsessions, ntracks;
	struct dl_session *sessions;	/* nsessions entries */
	struct dl_track *tracks;	/* ntracks entries */
};

/* Deep copy / free of a state (sessions and tracks arrays are owned). */
int dl_state_copy(struct dl_state *dst, const struct dl_state *src);
void dl_state_free(struct dl_state *s);

/* ---- records as the reader reports them (codec: dlcodec.h) ------------------- */

/* A decoded record header. */
struct dl_header {
	uint8_t  version;
	uint8_t  type;			/* enum dl_rectype */
	uint16_t header_len;		/* bytes of the record header */
	uint64_t member_size;		/* bytes of the whole gzip member */
	uint64_t seq;
	struct dl_data_meta data;	/* DATA */
	uint16_t part, nparts;		/* STATE: which part of the snapshot */
	uint16_t first_track, part_tracks;	/* STATE: track entries in this part */
	uint64_t synced_seq;		/* SYNC: every record up to this one is durable */
};

/* ---- deflate engines (dlzip.c) ------------------------------------- */

/* Which deflate compresses (and inflates) members: the format is the same either way
 * (doc/disclog.md §6).  ISA-L's igzip exists when configure found it (HAVE_ISAL). */
enum dl_deflate {
	DL_DEFLATE_DEFAULT = 0,	/* ISA-L when built with it, else zlib */
	DL_DEFLATE_ZLIB = 1,
	DL_DEFLATE_ISAL = 2,
};

/* Whether this build has engine e (DL_DEFLATE_DEFAULT: always). */
bool dl_deflate_available(enum dl_deflate e);
/* "isa-l" or "zlib" (what e resolves to in this build), "unavailable". */
const char *dl_deflate_name(enum dl_deflate e);

/* ---- writer (writer.c) --------------------------------------------- */

struct dl_pool;

struct dl_writer_opts {
	int      level;		/* 1..9 on zlib's scale (0 = default 1, fast); ISA-L
				 * compresses at its level min(level, 3) */
	enum dl_deflate deflate;	/* engine (0 = default); an engine this build
					 * lacks is DL_EINVAL */
	unsigned threads;	/* compression workers of its own (0 = compress on the
				 * caller's thread); 0 with a pool */
	size_t   max_inflight;	/* raw bytes queued or compressing before dl_write_* block;
				 * 0 = default 8 MiB */
	struct dl_pool *pool;	/* NULL, or the shared workers and budget (dl_pool_new) */
};

struct dl_writer;

/* Open path for appending; create it if missing.  An existing image is validated
 * first (as dl_reader_open does); a torn tail is cut off (ftruncate) and reported in
 * err->msg with code DL_OK.  Returns NULL with err filled on failure. */
struct dl_writer *dl_writer_open(const char *path, const struct dl_writer_opts *opts,
				 struct dl_error *err);

/* Append blocks.  len must be meta->count * meta->block_size.  Consecutive calls
 * whose meta is equal except for an adjacent LBA (and vtime_us: a member keeps its
 * first write's time) are merged into one member of up to about DL_MEMBER_TARGET
 * bytes.  May block while max_inflight bytes are queued (back-pressure), unless the
 * writer is non-blocking (dl_writer_set_nonblock).  The data is copied. */
int dl_write_data(struct dl_writer *w, const struct dl_data_meta *meta, const void *data,
		  size_t len, struct dl_error *err);

/* Append a STATE record (a copy of s is taken). */
int dl_write_state(struct dl_writer *w, const struct dl_state *s, struct dl_error *err);

/* Make everything appended so far durable: flush merged blocks, queue a SYNC record
 * (none when nothing was appended since the last one), wait until it is written and
 * fdatasync'ed.  Returns when it is on disk.  Waits in non-blocking use too. */
int dl_writer_sync(struct dl_writer *w, struct dl_error *err);

/* The first half of dl_writer_sync: flush merged blocks and queue the SYNC record (or
 * none, as above); *ticket names the point that must become durable.  Non-blocking
 * use: returns at once, the worker that writes the SYNC fdatasyncs and then calls the
 * notify function.  Otherwise it is dl_writer_sync. */
int dl_writer_sync_start(struct dl_writer *w, uint64_t *ticket, struct dl_error *err);
/* 1: every record up to ticket is durable; 0: not yet; < 0: the writer failed (the
 * sticky error, as every call reports it).  Never waits. */
int dl_writer_synced(struct dl_writer *w, uint64_t ticket, struct dl_error *err);

/* Sync and close (releases a dl_writer_hold first).  Always frees w. */
int dl_writer_close(struct dl_writer *w, struct dl_error *err);

/* ---- a pool shared by writers (writer.c) ------------------------------------ */

/* Many images recorded at once (simdrive's drives) share one pool: its threads
 * compress and write for every writer opened with opts->pool, one job of each writer
 * with work in turn (round-robin, so none starves), and its budget bounds the bytes
 * all of them have queued together.  A writer also stays within its own max_inflight;
 * one with nothing queued may always queue one job (or its call could never go in),
 * so the total may pass the budget by one job per writer.  Writers refused for the
 * budget's sake get room first come, first served.  The spare jobs (doc/disclog.md
 * §6) are the pool's too, and freed when nothing is queued at the end of a burn, all
 * but the reserve: spare jobs with a whole member's payload buffer, made and faulted
 * in by dl_pool_new (DL_ENOMEM when they cannot be) and kept while the pool lives, so
 * the first burn does not fault its buffers in. */
struct dl_pool_opts {
	unsigned threads;	/* compression workers (0 = 2) */
	size_t   max_inflight;	/* raw bytes all its writers may have queued or compressing
				 * (0 = 32 MiB) */
	size_t   reserve;	/* bytes of payload buffers made at once and kept, rounded
				 * up to whole DL_MEMBER_TARGETs (0 = none; at most 64 GiB) */
};

struct dl_pool *dl_pool_new(const struct dl_pool_opts *opts, struct dl_error *err);
/* Stops the workers and frees the pool.  Every writer that uses it must be closed
 * first: DL_EINVAL (nothing freed) otherwise. */
int dl_pool_free(struct dl_pool *p);

struct dl_pool_stats {
	unsigned threads, writers;	/* workers; writers open on the pool */
	size_t   queued, limit;		/* charges of every writer's queued jobs; the budget */
	unsigned waiting;		/* writers waiting for room in the budget */
	unsigned spare_jobs;		/* finished jobs kept for reuse by any writer */
	size_t   spare_bytes;		/* capacity of their buffers */
	unsigned reserve_jobs;		/* spares kept however idle (dl_pool_opts.reserve) */
};
void dl_pool_get_stats(struct dl_pool *p, struct dl_pool_stats *st);

/* ---- non-blocking use (writer.c) ------------------------------------------ */

/* For a caller that must never wait on the image: an event loop serving other images
 * and sockets too (simdrive; doc/disclog.md §6).  From
 * dl_writer_set_nonblock(w, fn, arg) on:
 * - dl_write_data and dl_write_state never wait for room.  The caller asks
 *   dl_writer_room(w, bytes) before it commits to a write of `bytes` (all the calls
 *   one command makes); when it says no, nothing was taken and fn will be called once
 *   that much room is free.  The writer never refuses a write itself, so a command
 *   recorded in several calls is never cut in two.
 * - the caller's thread does no file I/O: STATE and SYNC members it builds are written
 *   by a worker; dl_writer_sync_start returns at once and fn is called when the SYNC
 *   is durable (dl_writer_synced).
 * - fn(arg) runs on a worker thread, without the writer's lock, when room refused by
 *   dl_writer_room is free, when a SYNC became durable, and when the writer failed.  It
 *   must only signal the caller's thread (write an eventfd) and not call the writer.
 * dl_writer_sync and dl_writer_close still wait.  Needs threads >= 1 (DL_EINVAL
 * otherwise).  fn NULL returns to blocking use; the call returns once no call of the
 * previous fn is running. */
typedef void (*dl_notify_fn)(void *arg);
int dl_writer_set_nonblock(struct dl_writer *w, dl_notify_fn fn, void *arg);

/* Could `bytes` more payload be appended now without the queued jobs' charges passing
 * max_inflight?  Counts the pending job and every member at DL_MEMBER_TARGET, so it
 * holds for the calls of one command however they merge (up to 16 MiB; doc/disclog.md
 * §6).  An empty queue takes any size.  True after a failure (the write then reports
 * it).  A refusal arranges the notification above. */
bool dl_writer_room(struct dl_writer *w, size_t bytes);

/* For tests of non-blocking callers: while held, workers start no job and write
 * nothing, so the queue fills and stays full (a slow disk, made deterministic). */
void dl_writer_hold(struct dl_writer *w, bool hold);

/* Test hook: a failing disk under the image, without root or a small file system.
 * Once `after` more bytes have been written to the file, the writes fail with err
 * (ENOSPC: the write that crosses the limit writes the bytes that fit, as pwrite(2) on
 * a full file system does; EIO likewise), or with at_sync the next fdatasync after
 * that point fails with err instead.  The writer then stops as on any I/O error (the
 * sticky error, doc/disclog.md §6).  err 0 removes the hook. */
struct dl_fault {
	int      err;		/* errno to inject: ENOSPC, EIO, ...; 0 = none */
	uint64_t after;		/* bytes the file still takes first */
	bool     at_sync;	/* fail fdatasync rather than pwrite */
};
void dl_writer_inject(struct dl_writer *w, const struct dl_fault *f);

/* The sticky error, if the writer stopped: its code, with *err filled as the failing
 * call reported it (sys_errno says why: ENOSPC, EIO...); 0 while it works.  Does not
 * count as the caller having been told (the next call still reports it first). */
int dl_writer_failed(struct dl_writer *w, struct dl_error *err);

struct dl_writer_stats {
	size_t   queued;	/* charges of the jobs queued, compressing or being written */
	size_t   limit;		/* max_inflight */
	bool     waiting;	/* dl_writer_room refused and its room is not free yet */
	bool     held;		/* dl_writer_hold */
	uint64_t durable;	/* records [0, durable) are on disk */
	size_t   buffers;	/* capacity of the job buffers held, queued or spare (a
				 * shared pool's spares are its own, dl_pool_get_stats) */
	unsigned spare_jobs;	/* finished jobs kept for reuse (0 on a shared pool) */
	bool     waiting_pool;	/* waiting is for the pool's budget */
};
void dl_writer_get_stats(struct dl_writer *w, struct dl_writer_stats *st);

/* Sequence number the next record will get; bytes written to the file so far. */
uint64_t dl_writer_next_seq(const struct dl_writer *w);
uint64_t dl_writer_file_size(const struct dl_writer *w);

/* ---- reader (reader.c) --------------------------------------------- */

struct dl_reader;

enum dl_open_flags {
	DL_OPEN_NO_CRC = 1u << 0,	/* check headers and sizes only (fast open); CRCs
					 * are then checked when a member is read */
	DL_OPEN_ZLIB = 1u << 1,		/* inflate with zlib even when built with ISA-L */
};

/* What opening found. */
struct dl_open_report {
	uint64_t file_size;
	uint64_t valid_size;		/* end of the last valid member */
	uint64_t torn_bytes;		/* bytes after valid_size (a torn tail), 0 if none */
	uint64_t records, data_records, state_records, sync_records;
	uint64_t last_seq, last_synced_seq;	/* last_synced_seq: from the last SYNC */
	uint64_t payload_bytes;		/* uncompressed DATA bytes */
	int32_t  lba_min, lba_max;	/* recorded LBA range (lba_min > lba_max if none) */
};

/* Open and validate member by member (gzip header, record header and its CRC, member
 * size, sequence, and - unless DL_OPEN_NO_CRC - the deflate stream, CRC-32 and
 * ISIZE).  A damaged or incomplete last member is a torn tail: it is left out and
 * reported, the open succeeds.  A damaged member followed by valid ones is
 * DL_ECORRUPT.  Memory: the LBA map (one extent per DATA record) and one inflated
 * member; never the whole file. */
struct dl_reader *dl_reader_open(const char *path, unsigned flags, struct dl_error *err);
void dl_reader_close(struct dl_reader *r);

const struct dl_open_report *dl_reader_report(const struct dl_reader *r);

/* The last complete STATE snapshot, or NULL if the image has none.  Borrowed:
 * valid until dl_reader_close. */
const struct dl_state *dl_reader_state(const struct dl_reader *r);

/* Metadata of the latest record covering lba (latest wins).  Returns 0, or DL_ERANGE
 * if lba was never written. */
int dl_reader_block_meta(struct dl_reader *r, int32_t lba, struct dl_data_meta *meta,
			 struct dl_error *err);

/* The first recorded LBA at or after lba in *next: 0, or DL_ERANGE when nothing is
 * recorded there or later.  Lets a reader skip an unrecorded range in one step. */
int dl_reader_next_recorded(const struct dl_reader *r, int32_t lba, int32_t *next);

/* Read count blocks from lba into buf (cap bytes).  Blocks may differ in size (a CD
 * written at 2352 and 2448): the bytes of each block are appended as recorded.
 * Returns the number of bytes written, or DL_ERANGE if any block in the range was
 * never written, or another error. */
long dl_reader_read(struct dl_reader *r, int32_t lba, uint32_t count, void *buf, size_t cap,
		    struct dl_error *err);

/* Call fn for every valid record in file order, with its header and file offset.
 * fn returns 0 to go on, non-zero to stop (that value is returned). */
typedef int (*dl_record_fn)(void *arg, const struct dl_header *h, uint64_t offset);
int dl_reader_foreach(struct dl_reader *r, dl_record_fn fn, void *arg);

/* Inflate the DATA payload of the record at offset (as given to a dl_record_fn) into
 * buf; returns the payload length or an error (checks CRC-32 and ISIZE). */
long dl_reader_payload(struct dl_reader *r, uint64_t offset, void *buf, size_t cap,
		       struct dl_error *err);

#endif
