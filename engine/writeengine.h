/* engine/writeengine.h - libwriteengine: IMAPI2's IWriteEngine2 and IDiscRecorder2Ex in C,
 * speaking SCSI MMC over iSCSI through libiscsi.
 *
 * One C function per COM member, same argument order, an hresult_t result, out-params
 * last (doc/engine.md and doc/engine-recorder.md are the manual).
 * Functions that go beyond IMAPI2 are marked "Extension".
 *
 * Common rules
 *  - Every function returns an HRESULT (imapi2_hresult.h).  A NULL object or NULL out
 *    pointer gives E_POINTER and changes nothing.
 *  - Objects are opaque and reference counted: *_create/_open return one reference;
 *    *_release drops one; the last release frees.
 *  - Buffers returned through `uint8_t **` / `int32_t **` are malloc'ed by the library
 *    and freed by the caller with imapi_free() (CoTaskMemFree in IMAPI2).
 *  - Threads: a write_engine or disc_recorder_ex may be used from any thread, one call
 *    at a time per object, except write_engine_cancel_write() and the getters, which
 *    may be called from any thread at any time.  A recorder serialises its commands: a
 *    WriteSection owns the recorder until it returns; recorder methods called from the
 *    Update callback run on the writing thread and are allowed.
 *  - Where Microsoft documents nothing, this project decides (doc/engine.md §2,
 *    "Project decisions"); each decision is restated at the function it concerns.
 */
#ifndef WRITEENGINE_H
#define WRITEENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "imapi2_hresult.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct write_engine write_engine;        /* IWriteEngine2 */
typedef struct disc_recorder_ex disc_recorder_ex; /* IDiscRecorder2Ex */
typedef struct imapi_stream imapi_stream;         /* the IStream WriteSection reads */

/* VARIANT_BOOL values. */
#define IMAPI_VARIANT_TRUE  (-1)
#define IMAPI_VARIANT_FALSE 0

/* Release a buffer returned by this library (CoTaskMemFree). NULL is allowed. */
void imapi_free(void *p);

/* ------------------------------------------------------------------------------------
 * Streams (the IStream a WriteSection reads sequentially from its current position).
 */
typedef struct imapi_stream_ops {
	/* Mandatory.  Read up to len bytes; *got < len only at end of data.  A failed
	 * HRESULT is returned unchanged by WriteSection. */
	hresult_t (*read)(void *ctx, void *buf, uint32_t len, uint32_t *got);
	/* Optional (NULL): called once when the last reference goes. */
	void (*close)(void *ctx);
} imapi_stream_ops;

/* Wrap callbacks; ops is copied, ctx is borrowed until close(). */
hresult_t imapi_stream_from_ops(const imapi_stream_ops *ops, void *ctx, imapi_stream **out);
/* Open a file read-only; reading starts at byte `offset`.  Errors: E_INVALIDARG (cannot
 * open: errno is kept), E_OUTOFMEMORY. */
hresult_t imapi_stream_from_file(const char *path, uint64_t offset, imapi_stream **out);
/* A stream over memory; copy != 0 copies buf, otherwise buf is borrowed for the
 * stream's lifetime. */
hresult_t imapi_stream_from_memory(const void *buf, size_t len, int copy, imapi_stream **out);
/* Extension (IStream::Stat's cbSize): the bytes the stream holds from its starting
 * position.  S_OK with the size; S_FALSE and 0 when unknown (a callback stream nobody
 * sized; a pipe).  File streams know it (regular files), memory streams always. */
hresult_t imapi_stream_get_size(imapi_stream *s, uint64_t *bytes);
/* Extension: state the size of a callback stream (the format layer needs it to check
 * that data fits and to reserve a DAO track).  E_INVALIDARG above INT64_MAX. */
hresult_t imapi_stream_put_size(imapi_stream *s, uint64_t bytes);
void imapi_stream_addref(imapi_stream *s);
void imapi_stream_release(imapi_stream *s);

/* ------------------------------------------------------------------------------------
 * IDiscRecorder2Ex over iSCSI.
 */

/* IMAPI_READ_TRACK_ADDRESS_TYPE */
typedef enum {
	IMAPI_READ_TRACK_ADDRESS_TYPE_LBA = 0,
	IMAPI_READ_TRACK_ADDRESS_TYPE_TRACK = 1,
	IMAPI_READ_TRACK_ADDRESS_TYPE_SESSION = 2,
} imapi_read_track_address_type;

/* IMAPI_MODE_PAGE_REQUEST_TYPE (MODE SENSE page control) */
typedef enum {
	IMAPI_MODE_PAGE_REQUEST_TYPE_CURRENT_VALUES = 0,
	IMAPI_MODE_PAGE_REQUEST_TYPE_CHANGEABLE_VALUES = 1,
	IMAPI_MODE_PAGE_REQUEST_TYPE_DEFAULT_VALUES = 2,
	IMAPI_MODE_PAGE_REQUEST_TYPE_SAVED_VALUES = 3,
} imapi_mode_page_request_type;

/* IMAPI_MODE_PAGE_TYPE, IMAPI_FEATURE_PAGE_TYPE and IMAPI_PROFILE_TYPE are the MMC page,
 * feature and profile numbers themselves; a few names for convenience. */
typedef int32_t imapi_mode_page_type;
typedef int32_t imapi_feature_page_type;
typedef int32_t imapi_profile_type;
#define IMAPI_MODE_PAGE_TYPE_READ_WRITE_ERROR_RECOVERY 0x01
#define IMAPI_MODE_PAGE_TYPE_MRW                       0x03
#define IMAPI_MODE_PAGE_TYPE_WRITE_PARAMETERS          0x05
#define IMAPI_MODE_PAGE_TYPE_CACHING                   0x08
#define IMAPI_MODE_PAGE_TYPE_POWER_CONDITION           0x1A
#define IMAPI_MODE_PAGE_TYPE_INFORMATIONAL_EXCEPTIONS  0x1C
#define IMAPI_MODE_PAGE_TYPE_TIMEOUT_AND_PROTECT       0x1D
#define IMAPI_MODE_PAGE_TYPE_LEGACY_CAPABILITIES       0x2A
#define IMAPI_FEATURE_PAGE_TYPE_PROFILE_LIST           0x0000
#define IMAPI_FEATURE_PAGE_TYPE_CORE                   0x0001
#define IMAPI_FEATURE_PAGE_TYPE_INCREMENTAL_STREAMING_WRITABLE 0x0021
#define IMAPI_FEATURE_PAGE_TYPE_CD_TRACK_AT_ONCE       0x002D
#define IMAPI_FEATURE_PAGE_TYPE_CD_MASTERING           0x002E
#define IMAPI_FEATURE_PAGE_TYPE_REAL_TIME_STREAMING    0x0107
#define IMAPI_PROFILE_TYPE_CD_RECORDABLE               0x0009
#define IMAPI_PROFILE_TYPE_CD_REWRITABLE               0x000A
#define IMAPI_PROFILE_TYPE_DVD_DASH_RECORDABLE         0x0011
#define IMAPI_PROFILE_TYPE_DVD_PLUS_RW                 0x001A
#define IMAPI_PROFILE_TYPE_DVD_PLUS_R                  0x001B
#define IMAPI_PROFILE_TYPE_BD_R_SEQUENTIAL             0x0041
#define IMAPI_PROFILE_TYPE_BD_REWRITABLE               0x0043
#define IMAPI_PROFILE_TYPE_NON_STANDARD                0xFFFF

/* Size limits of the SDK's MIDL header (__RPC__in_range). */
#define IMAPI_SENSE_LEN                 18
#define IMAPI_MAX_DVD_STRUCTURE         0xFFFFu
#define IMAPI_MAX_DISC_INFORMATION      0x10002u
#define IMAPI_MAX_TRACK_INFORMATION     0x10002u
#define IMAPI_MAX_FEATURE_PAGE          0x100u
#define IMAPI_MAX_MODE_PAGE             0x101u
#define IMAPI_MAX_ALL_FEATURE_PAGES     0x10000u
#define IMAPI_MAX_ALL_PROFILES          0x3Fu
#define IMAPI_MAX_ALL_MODE_PAGES        0x7FFBu
#define IMAPI_MAX_DESCRIPTOR            0x0FFFFFFFu

/* Extension: how a recorder is opened. Zero-initialise, then set what you need. */
typedef struct disc_recorder_ex_options {
	const char *initiator_name; /* NULL: "iqn.2026-01.org.burnlab:wengine" */
	int command_timeout_s;      /* per SCSI command; 0: 60 s */
	int busy_deadline_s;        /* how long NOT READY "in progress" is retried; 0: 300 s */
	int reconnect_deadline_s;   /* how long a lost session may take to come back; 0: 30 s */
	int libiscsi_log_level;     /* 0: quiet; >0: libiscsi's log to stderr at that level */
} disc_recorder_ex_options;

/* Extension: open the MMC logical unit at an iscsi:// URL.  libiscsi's URL syntax:
 *   iscsi://[user[%password]@]host[:port]/target-iqn/lun[?header_digest=crc32c|none
 *           &target_user=U&target_password=P]
 * (CHAP one-way with user%password, mutual with target_user/target_password).  Logs in,
 * checks with INQUIRY that the LU is peripheral device type 05h (MMC) and records the
 * iSCSI limits the session negotiated.  Errors: E_INVALIDARG (bad URL; not an MMC LU),
 * IMAPI_E_WIN32_DEV_NOT_EXIST (connect or login failed; the reason is logged to stderr
 * and available from disc_recorder_ex_get_last_error), E_OUTOFMEMORY. */
hresult_t disc_recorder_ex_open_iscsi(const char *url, disc_recorder_ex **out);
hresult_t disc_recorder_ex_open_iscsi_opts(const char *url, const disc_recorder_ex_options *opts,
					   disc_recorder_ex **out);
void disc_recorder_ex_addref(disc_recorder_ex *r);
void disc_recorder_ex_release(disc_recorder_ex *r); /* logs out on the last release */

/* Pass-through (slots 3..5).  cdb_size 6..16 and consistent with the opcode's group
 * (SPC-4 operation code groups; a violation is E_INVALIDARG and nothing is sent).
 * Returns S_OK, or S_IMAPI_COMMAND_HAS_SENSE_DATA (a success code) when the device
 * answered CHECK CONDITION: sense then holds 18 bytes of fixed-format sense.
 * Transport failures are the device-set HRESULTs (timeout, session lost).  timeout_s
 * 0 means the recorder's default.  No retries: the caller sees exactly what the drive
 * said. */
hresult_t disc_recorder_ex_send_command_no_data(disc_recorder_ex *r, const uint8_t *cdb,
		uint32_t cdb_size, uint8_t sense[IMAPI_SENSE_LEN], uint32_t timeout_s);
hresult_t disc_recorder_ex_send_command_send_data_to_device(disc_recorder_ex *r,
		const uint8_t *cdb, uint32_t cdb_size, uint8_t sense[IMAPI_SENSE_LEN],
		uint32_t timeout_s, const uint8_t *buffer, uint32_t buffer_size);
hresult_t disc_recorder_ex_send_command_get_data_from_device(disc_recorder_ex *r,
		const uint8_t *cdb, uint32_t cdb_size, uint8_t sense[IMAPI_SENSE_LEN],
		uint32_t timeout_s, uint8_t *buffer, uint32_t buffer_size, uint32_t *fetched);

/* Query and set methods (slots 6..20).  They retry unit attentions once and NOT READY
 * "in progress" until the busy deadline; failures are mapped by the one sense table
 * (doc/engine-recorder.md "Sense to HRESULT").  Returned data excludes the response header
 * where IMAPI2 says so. */
hresult_t disc_recorder_ex_read_dvd_structure(disc_recorder_ex *r, uint32_t format,
		uint32_t address, uint32_t layer, uint32_t agid, uint8_t **data, uint32_t *count);
hresult_t disc_recorder_ex_send_dvd_structure(disc_recorder_ex *r, uint32_t format,
		const uint8_t *data, uint32_t count);
/* Synthesized over iSCSI ([PROJECT DECISION]): Windows STORAGE_ADAPTER_DESCRIPTOR and
 * STORAGE_DEVICE_DESCRIPTOR layouts (little-endian), bus type iSCSI (9). */
hresult_t disc_recorder_ex_get_adapter_descriptor(disc_recorder_ex *r, uint8_t **data,
		uint32_t *byte_size);
hresult_t disc_recorder_ex_get_device_descriptor(disc_recorder_ex *r, uint8_t **data,
		uint32_t *byte_size);
hresult_t disc_recorder_ex_get_disc_information(disc_recorder_ex *r, uint8_t **data,
		uint32_t *byte_size);
hresult_t disc_recorder_ex_get_track_information(disc_recorder_ex *r, uint32_t address,
		imapi_read_track_address_type address_type, uint8_t **data, uint32_t *byte_size);
hresult_t disc_recorder_ex_get_feature_page(disc_recorder_ex *r,
		imapi_feature_page_type requested_feature, int current_feature_only,
		uint8_t **data, uint32_t *byte_size);
hresult_t disc_recorder_ex_get_mode_page(disc_recorder_ex *r,
		imapi_mode_page_type requested_mode_page, imapi_mode_page_request_type request_type,
		uint8_t **data, uint32_t *byte_size);
hresult_t disc_recorder_ex_set_mode_page(disc_recorder_ex *r,
		imapi_mode_page_request_type request_type, const uint8_t *data, uint32_t byte_size);
hresult_t disc_recorder_ex_get_supported_feature_pages(disc_recorder_ex *r,
		int current_feature_only, imapi_feature_page_type **feature_data,
		uint32_t *byte_size);
hresult_t disc_recorder_ex_get_supported_profiles(disc_recorder_ex *r, int current_only,
		imapi_profile_type **profile_types, uint32_t *valid_profiles);
hresult_t disc_recorder_ex_get_supported_mode_pages(disc_recorder_ex *r,
		imapi_mode_page_request_type request_type, imapi_mode_page_type **mode_page_types,
		uint32_t *valid_pages);
hresult_t disc_recorder_ex_get_byte_alignment_mask(disc_recorder_ex *r, uint32_t *value);
hresult_t disc_recorder_ex_get_maximum_non_page_aligned_transfer_size(disc_recorder_ex *r,
		uint32_t *value);
hresult_t disc_recorder_ex_get_maximum_page_aligned_transfer_size(disc_recorder_ex *r,
		uint32_t *value);

/* Extension: what the iSCSI session negotiated and what the recorder derives from it. */
typedef struct disc_recorder_ex_session_info {
	uint32_t max_burst_length;        /* MaxBurstLength in force */
	uint32_t first_burst_length;      /* FirstBurstLength in force */
	uint32_t target_max_recv_data_segment_length;
	uint32_t max_transfer;            /* bytes per command: the transfer-size answer */
	int lun;
	char target_name[224];
	char portal[272];
	char vendor[9], product[17], revision[5]; /* INQUIRY, trailing blanks removed */
	/* The connection's TCP congestion control (TCP_CONGESTION, tcp(7)); "" when the
	 * socket does not say.  On a loopback connection the recorder replaces a pacing
	 * one (BBR) with cubic, or reno where cubic is not allowed: doc/engine-recorder.md
	 * §2. */
	char tcp_congestion[16];
} disc_recorder_ex_session_info;
hresult_t disc_recorder_ex_get_session_info(disc_recorder_ex *r,
		disc_recorder_ex_session_info *info);
/* Extension: lower the per-command transfer limit (e.g. 65536 as on Windows); 1..the
 * negotiated limit, else E_INVALIDARG. */
hresult_t disc_recorder_ex_put_maximum_transfer_size(disc_recorder_ex *r, uint32_t bytes);
/* Extension: the fixed-format sense of the last command this recorder saw fail with
 * CHECK CONDITION (through any method or a WriteSection).  S_OK and the sense, or
 * S_FALSE and zeros when the last command did not fail with sense. */
hresult_t disc_recorder_ex_get_last_sense(disc_recorder_ex *r, uint8_t sense[IMAPI_SENSE_LEN]);
/* Extension: the last transport error text (libiscsi's), "" when none.  Borrowed, valid
 * until the next call on r. */
const char *disc_recorder_ex_get_last_error(disc_recorder_ex *r);

/* Extension: sense in words, e.g. "NOT READY: LONG WRITE IN PROGRESS (2/04/08)".
 * Fixed (70h/71h) and descriptor (72h/73h) formats; writes at most len bytes including
 * the NUL; returns buf. */
char *imapi_sense_describe(const uint8_t *sense, size_t sense_len, char *buf, size_t len);

/* Extension: the HRESULT the engine's sense table gives this sense for a command with
 * this opcode (doc/engine-recorder.md §4): what a pass-through caller reports after
 * S_IMAPI_COMMAND_HAS_SENSE_DATA, so that it says what a WriteSection would.
 * E_IMAPI_RECORDER_INVALID_RESPONSE_FROM_DEVICE for bytes that are not sense data. */
hresult_t imapi_sense_hresult(const uint8_t *sense, size_t sense_len, uint8_t opcode);

/* ------------------------------------------------------------------------------------
 * IWriteEngine2.
 */

/* IWriteEngine2EventArgs (DWriteEngine2Events::Update's `progress`). */
typedef struct write_engine_event_args {
	int32_t start_lba;           /* StartLba: WriteSection's startingBlockAddress */
	int32_t sector_count;        /* SectorCount: WriteSection's numberOfBlocks */
	int32_t last_read_lba;       /* LastReadLba: last sector read from the stream */
	int32_t last_written_lba;    /* LastWrittenLba: last sector the drive acknowledged */
	int32_t total_system_buffer; /* TotalSystemBuffer: bytes of the engine's ring */
	int32_t used_system_buffer;  /* UsedSystemBuffer: read but not yet acknowledged */
	int32_t free_system_buffer;  /* FreeSystemBuffer: Total - Used */
} write_engine_event_args;

/* DWriteEngine2Events::Update.  Called on the thread running WriteSection: once before
 * the first WRITE, every 0.5 s while writing, once after the last.  It may call any
 * getter and write_engine_cancel_write(); the return value of Update is ignored in
 * IMAPI2, hence void. */
typedef void (*write_engine_update_fn)(write_engine *object,
				       const write_engine_event_args *progress, void *user);

hresult_t write_engine_create(write_engine **out);
void write_engine_addref(write_engine *we);
void write_engine_release(write_engine *we);
/* Connect (fn != NULL) or disconnect (fn == NULL) the Update handler; one handler. */
hresult_t write_engine_advise(write_engine *we, write_engine_update_fn fn, void *user);

/* WriteSection.  Synchronous.  Writes number_of_blocks blocks of BytesPerSector bytes
 * from data (read sequentially from its current position) starting at
 * starting_block_address (negative LBAs allowed: lead-in and pre-gap).  Each WRITE
 * carries max(1, floor(max transfer / BytesPerSector)) blocks.  Errors:
 *   E_POINTER (data NULL), E_IMAPI_RECORDER_REQUIRED (no recorder), E_FAIL
 *   (BytesPerSector not set; another WriteSection running; stream ended early - nothing
 *   is padded), E_INVALIDARG (number_of_blocks <= 0; BytesPerSector above the
 *   recorder's limit), E_IMAPI_REQUEST_CANCELLED (CancelWrite), the stream's own
 *   failure, or the device's failure mapped by the sense table (for a WRITE: any sense
 *   without a specific IMAPI2 code is E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE; the sense
 *   itself is in write_engine_get_last_sense).
 * NOT READY in progress (02/04/07, 02/04/08) on a WRITE is "buffer full": the engine
 * backs off and retries until the recorder's busy deadline.  The section is not
 * followed by SYNCHRONIZE CACHE or CLOSE TRACK (the caller's step). */
hresult_t write_engine_write_section(write_engine *we, imapi_stream *data,
		int32_t starting_block_address, int32_t number_of_blocks);
/* CancelWrite: S_OK (accepted: the running WriteSection stops issuing WRITEs, waits
 * for those in flight, and returns E_IMAPI_REQUEST_CANCELLED) or
 * S_IMAPI_WRITE_NOT_IN_PROGRESS (nothing to cancel).  Any thread. */
hresult_t write_engine_cancel_write(write_engine *we);

/* Properties.  Every put_ during a WriteSection fails with E_FAIL and changes nothing
 * ([PROJECT DECISION]); getters always work. */
hresult_t write_engine_put_recorder(write_engine *we, disc_recorder_ex *rec); /* NULL detaches;
				     E_INVALIDARG if BytesPerSector exceeds rec's limit */
hresult_t write_engine_get_recorder(write_engine *we, disc_recorder_ex **out); /* adds a
				     reference; *out NULL when none */
/* VARIANT_BOOL: nonzero = TRUE.  TRUE sends WRITE(12) with the Streaming bit (MMC-5
 * 6.45; beyond Microsoft's engine, which answers E_NOTIMPL). */
hresult_t write_engine_put_use_streaming_write12(write_engine *we, int value);
hresult_t write_engine_get_use_streaming_write12(write_engine *we, int *value); /* -1 / 0 */
/* -1 (default: maximum speed) or >= 1; else E_INVALIDARG.  When either is not -1,
 * WriteSection sends SET STREAMING (MMC-5 6.39) with them before the first WRITE. */
hresult_t write_engine_put_starting_sectors_per_second(write_engine *we, int32_t value);
hresult_t write_engine_get_starting_sectors_per_second(write_engine *we, int32_t *value);
hresult_t write_engine_put_ending_sectors_per_second(write_engine *we, int32_t value);
hresult_t write_engine_get_ending_sectors_per_second(write_engine *we, int32_t *value);
/* 1..MAXLONG and, with a recorder attached, <= its maximum page-aligned transfer size;
 * else E_INVALIDARG.  The getter returns -1 until set. */
hresult_t write_engine_put_bytes_per_sector(write_engine *we, int32_t value);
hresult_t write_engine_get_bytes_per_sector(write_engine *we, int32_t *value);
hresult_t write_engine_get_write_in_progress(write_engine *we, int *value); /* -1 / 0 */

/* Extensions. */
#define WRITE_ENGINE_QUEUE_DEPTH_MAX 64
/* WRITE commands in flight: 1..WRITE_ENGINE_QUEUE_DEPTH_MAX (64), default 1.  SCSI does not promise that SIMPLE tasks
 * run in order and real recorders take one command at a time; deeper queues are for
 * targets that execute a LUN's commands in order (simdrive does). doc/engine.md. */
hresult_t write_engine_put_queue_depth(write_engine *we, int32_t value);
hresult_t write_engine_get_queue_depth(write_engine *we, int32_t *value);
/* Size of the system buffer (the ring between stream reader and writer) in bytes:
 * 65536..1 GiB, default 8 MiB; rounded up to whole commands at WriteSection. */
hresult_t write_engine_put_system_buffer_size(write_engine *we, int32_t bytes);
hresult_t write_engine_get_system_buffer_size(write_engine *we, int32_t *bytes);
/* The sense of the command that ended the last WriteSection: S_OK and the sense, or
 * S_FALSE and zeros when it did not end on CHECK CONDITION. */
hresult_t write_engine_get_last_sense(write_engine *we, uint8_t sense[IMAPI_SENSE_LEN]);

typedef struct write_engine_stats {
	uint64_t bytes_written;    /* acknowledged by the drive */
	uint32_t commands;         /* WRITE commands completed GOOD */
	uint32_t busy_retries;     /* NOT READY in-progress answers retried */
	uint32_t unit_attentions;  /* unit attentions reported and retried */
	uint32_t resent;           /* WRITEs sent again after a lost session */
	uint32_t events;           /* Update callbacks made */
	uint32_t set_streaming_refused; /* 1 when the drive refused SET STREAMING (the
				    * write went on at the drive's own speed) */
	double seconds;            /* from the first WRITE to the last completion */
	/* TCP segments the session's connection sent during the section: its commands
	 * and the iSCSI PDUs around them (TCP_INFO tcpi_segs_out, tcp(7)), counted at
	 * each Update.  A connection remade after a drop counts from its start, the
	 * dropped one up to the last Update before the drop.  0 when the system does not
	 * say (Linux before 4.2). */
	uint64_t tcp_segments_out;
} write_engine_stats;
/* Figures of the last (or running) WriteSection. */
hresult_t write_engine_get_stats(write_engine *we, write_engine_stats *stats);

/* ------------------------------------------------------------------------------------
 * Extension: the burn timeline (doc/engine.md §12).  A timeline records what a burn did
 * over time: samples of the acknowledged LBA, the speed, the engine's ring and the
 * drive's buffer, and events (stages, busy retries, unit attentions, lost sessions,
 * underruns, failures).  Attach one to a write engine (write_engine_put_timeline) or
 * to a format object (disc_format2_*_put_timeline, discformat2.h); every WriteSection
 * and stage while it is attached adds to it, so one timeline can hold a whole burn of
 * several sections (tracks).  Memory is bounded: at most max_samples samples (older
 * ones are thinned two to one and the sample spacing doubles when it is full) and
 * IMAPI_TIMELINE_EVENTS_MAX events (repeats of one kind within a sample spacing are
 * counted in one event; past the limit events are counted, not kept).  Thread-safe:
 * the getters may be called at any time, from any thread.
 */
typedef struct imapi_timeline imapi_timeline;

#define IMAPI_TIMELINE_SAMPLES_DEFAULT 1024u
#define IMAPI_TIMELINE_SAMPLES_MIN     16u
#define IMAPI_TIMELINE_EVENTS_MAX      512u
#define IMAPI_TIMELINE_SPACING_MS      10  /* first sample spacing; doubles on thinning */

/* Options (imapi_timeline_put_options). */
#define IMAPI_TIMELINE_POLL_DRIVE_BUFFER 0x1u /* the engine sends READ BUFFER CAPACITY
					     * (MMC-6 §6.18) at each Update while writing;
					     * off by default: it adds commands */

typedef enum {
	IMAPI_TIMELINE_EVENT_STAGE = 1,       /* a format layer stage began: code = its
					       * CurrentAction, text = its name */
	IMAPI_TIMELINE_EVENT_SECTION = 2,     /* a WriteSection began: code = blocks */
	IMAPI_TIMELINE_EVENT_SPEED = 3,       /* SET STREAMING sent: code = sectors/s,
					       * hr S_FALSE when the drive refused it */
	IMAPI_TIMELINE_EVENT_BUSY = 4,        /* NOT READY in progress on a WRITE (drive
					       * buffer full): backed off and resent */
	IMAPI_TIMELINE_EVENT_UNIT_ATTENTION = 5, /* reported and the WRITE resent */
	IMAPI_TIMELINE_EVENT_RETRY = 6,       /* a WRITE resent for another reason (its
					       * transport failed, an address error after
					       * an earlier retry) */
	IMAPI_TIMELINE_EVENT_SESSION_LOST = 7,/* the iSCSI session dropped */
	IMAPI_TIMELINE_EVENT_RECONNECTED = 8, /* and came back: code = milliseconds away */
	IMAPI_TIMELINE_EVENT_UNDERRUN = 9,    /* the drive's buffer ran empty while data
					       * was still to come, or loss of streaming */
	IMAPI_TIMELINE_EVENT_FAULT = 10,      /* a failure: hr and, when the drive said
					       * so, the sense */
	IMAPI_TIMELINE_EVENT_NOTE = 11,       /* the application's own (imapi_timeline_add_note) */
} imapi_timeline_event_kind;

typedef struct imapi_timeline_sample {
	double seconds;           /* since the timeline's first record */
	int32_t lba;              /* LastWrittenLba of the section at that moment */
	int64_t sectors;          /* acknowledged since the timeline began, every section */
	int64_t bytes;            /* the same in bytes */
	double bytes_per_second;  /* average since the previous sample (0 for the first) */
	double speed_x;           /* the same in x of the medium (imapi_timeline_put_profile;
				   * mcc 1x: CD 75 sectors/s, DVD 1 385 000 B/s, BD 4 495 500
				   * B/s); 0 when the medium is unknown */
	int32_t drive_buffer;     /* percent of the drive's buffer in use, -1 not polled */
	int32_t system_buffer;    /* percent of the engine's ring in use, -1 not writing */
	uint32_t flags;           /* IMAPI_TIMELINE_SAMPLE_* */
} imapi_timeline_sample;
#define IMAPI_TIMELINE_SAMPLE_SECTION_START 0x1u /* first sample of a WriteSection */
#define IMAPI_TIMELINE_SAMPLE_SECTION_END   0x2u /* its last */

typedef struct imapi_timeline_event {
	double seconds;
	imapi_timeline_event_kind kind;
	int32_t lba;              /* LastWrittenLba when it happened (-1 outside a section
				   * before anything was written) */
	int32_t code;             /* per kind, above */
	uint32_t count;           /* repeats counted in this event (>= 1) */
	hresult_t hr;             /* S_OK when none */
	uint8_t sense_key, asc, ascq; /* all 0 when no sense */
	char text[96];            /* in words: "drive buffer full", "WRITING_DATA", ... */
} imapi_timeline_event;

typedef struct imapi_timeline_summary {
	int32_t profile;          /* imapi_timeline_put_profile, 0 unknown */
	double seconds;           /* first record to last */
	double write_seconds;     /* time inside WriteSections */
	int64_t sectors, bytes;   /* acknowledged */
	double average_x;         /* over write_seconds; 0 when the medium is unknown */
	double max_x;             /* the fastest sample */
	double average_bytes_per_second;
	uint32_t samples, events; /* kept */
	uint32_t events_dropped;  /* past IMAPI_TIMELINE_EVENTS_MAX */
	uint32_t thinnings;       /* times the samples were thinned two to one */
	double spacing_seconds;   /* the sample spacing in force */
	uint32_t sections;
	uint32_t by_kind[16];     /* repeats per imapi_timeline_event_kind (counts included) */
} imapi_timeline_summary;

/* max_samples 0: IMAPI_TIMELINE_SAMPLES_DEFAULT; else at least IMAPI_TIMELINE_SAMPLES_MIN
 * (E_INVALIDARG below it or above 1 << 20). */
hresult_t imapi_timeline_create(uint32_t max_samples, imapi_timeline **out);
void imapi_timeline_addref(imapi_timeline *tl);
void imapi_timeline_release(imapi_timeline *tl);
/* Forget everything recorded; options, profile and label stay. */
hresult_t imapi_timeline_reset(imapi_timeline *tl);
hresult_t imapi_timeline_put_options(imapi_timeline *tl, uint32_t options);
/* The medium (MMC profile number): what "x" means.  The format layer sets it from its
 * probe; a write_engine user sets it (wengine does from GET CONFIGURATION). */
hresult_t imapi_timeline_put_profile(imapi_timeline *tl, imapi_profile_type profile);
/* A caption for the picture (copied; at most 127 bytes kept), e.g. the scenario name. */
hresult_t imapi_timeline_put_label(imapi_timeline *tl, const char *label);
/* An event of the application's own (IMAPI_TIMELINE_EVENT_NOTE) at the current time. */
hresult_t imapi_timeline_add_note(imapi_timeline *tl, const char *text);
/* Copies (imapi_free): *count may be 0 with a non-NULL array. */
hresult_t imapi_timeline_get_samples(imapi_timeline *tl, imapi_timeline_sample **samples,
				     uint32_t *count);
hresult_t imapi_timeline_get_events(imapi_timeline *tl, imapi_timeline_event **events,
				    uint32_t *count);
hresult_t imapi_timeline_get_summary(imapi_timeline *tl, imapi_timeline_summary *summary);
/* "stage", "busy", "unit attention", ...; "?" for other numbers.  Static. */
const char *imapi_timeline_event_kind_name(imapi_timeline_event_kind kind);

/* The picture: a standalone SVG 1.1 document (doc/engine.md §12.3): speed and buffer
 * fill over time on two labelled axes with a grid, stage bands, a marker per event, a
 * title with the medium, size, duration and average speed.  _get_svg returns it as a
 * NUL-terminated string (imapi_free) with its length; _save_svg writes it to path
 * (replacing the file through a temporary one in the same directory).  E_FAIL with
 * errno kept when the file cannot be written. */
#define IMAPI_TIMELINE_SVG_WIDTH  960
#define IMAPI_TIMELINE_SVG_HEIGHT 540
hresult_t imapi_timeline_get_svg(imapi_timeline *tl, char **svg, size_t *len);
hresult_t imapi_timeline_save_svg(imapi_timeline *tl, const char *path);

/* Attach (a reference is kept) or detach (NULL).  E_FAIL during a WriteSection. */
hresult_t write_engine_put_timeline(write_engine *we, imapi_timeline *tl);
hresult_t write_engine_get_timeline(write_engine *we, imapi_timeline **out); /* adds a
				     reference; *out NULL when none */

#ifdef __cplusplus
}
#endif
#endif
