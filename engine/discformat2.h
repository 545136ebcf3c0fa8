/* engine/discformat2.h - libwriteengine's format layer: IMAPI2's IDiscFormat2Data,
 * IDiscFormat2TrackAtOnce, IDiscFormat2RawCD and IDiscFormat2Erase in C, built on the
 * recorder and write engine of writeengine.h.
 *
 * Same conventions as writeengine.h: one C function per COM member, IMAPI2's member
 * names in snake_case, hresult_t results, out-params last, opaque reference-counted
 * objects, VARIANT_BOOL as int (IMAPI_VARIANT_TRUE -1 / FALSE 0; any nonzero input is
 * TRUE), arrays malloc'ed by the library and freed with imapi_free().  "Extension"
 * marks what goes beyond IMAPI2.  The manual is doc/engine-format.md; every decision
 * IMAPI2 leaves open, and every place where iSCSI changes things, is restated there as
 * a [PROJECT DECISION].
 *
 * Threads: the getters and *_cancel_* may be called from any thread at any time
 * (including from the Update callback); everything else one call at a time per object.
 * A burn (Write, EraseMedia) owns the recorder until it returns. */
#ifndef DISCFORMAT2_H
#define DISCFORMAT2_H

#include <stdint.h>

#include "rawcdimage.h"
#include "writeengine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* IMAPI_MEDIA_PHYSICAL_TYPE */
typedef enum {
	IMAPI_MEDIA_TYPE_UNKNOWN = 0,
	IMAPI_MEDIA_TYPE_CDROM = 1,
	IMAPI_MEDIA_TYPE_CDR = 2,
	IMAPI_MEDIA_TYPE_CDRW = 3,
	IMAPI_MEDIA_TYPE_DVDROM = 4,
	IMAPI_MEDIA_TYPE_DVDRAM = 5,
	IMAPI_MEDIA_TYPE_DVDPLUSR = 6,
	IMAPI_MEDIA_TYPE_DVDPLUSRW = 7,
	IMAPI_MEDIA_TYPE_DVDPLUSR_DUALLAYER = 8,
	IMAPI_MEDIA_TYPE_DVDDASHR = 9,
	IMAPI_MEDIA_TYPE_DVDDASHRW = 10,
	IMAPI_MEDIA_TYPE_DVDDASHR_DUALLAYER = 11,
	IMAPI_MEDIA_TYPE_DISK = 12,
	IMAPI_MEDIA_TYPE_DVDPLUSRW_DUALLAYER = 13,
	IMAPI_MEDIA_TYPE_HDDVDROM = 14,
	IMAPI_MEDIA_TYPE_HDDVDR = 15,
	IMAPI_MEDIA_TYPE_HDDVDRAM = 16,
	IMAPI_MEDIA_TYPE_BDROM = 17,
	IMAPI_MEDIA_TYPE_BDR = 18,
	IMAPI_MEDIA_TYPE_BDRE = 19,
	IMAPI_MEDIA_TYPE_MAX = 19,
} imapi_media_physical_type;

/* IMAPI_FORMAT2_DATA_MEDIA_STATE (flags). */
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_UNKNOWN            0x0000
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_INFORMATIONAL_MASK 0x000F
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MASK   0xFC00
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_OVERWRITE_ONLY     0x0001
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_RANDOMLY_WRITABLE  0x0001
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_BLANK              0x0002
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_APPENDABLE         0x0004
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_FINAL_SESSION      0x0008
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_DAMAGED            0x0400
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_ERASE_REQUIRED     0x0800
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_NON_EMPTY_SESSION  0x1000
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_WRITE_PROTECTED    0x2000
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_FINALIZED          0x4000
#define IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MEDIA  0x8000

/* IMAPI_MEDIA_WRITE_PROTECT_STATE (flags). */
#define IMAPI_WRITEPROTECTED_UNTIL_POWERDOWN          0x00001
#define IMAPI_WRITEPROTECTED_BY_CARTRIDGE             0x00002
#define IMAPI_WRITEPROTECTED_BY_MEDIA_SPECIFIC_REASON 0x00004
#define IMAPI_WRITEPROTECTED_BY_SOFTWARE_WRITE_PROTECT 0x00008
#define IMAPI_WRITEPROTECTED_BY_DISC_CONTROL_BLOCK    0x00010
#define IMAPI_WRITEPROTECTED_READ_ONLY_MEDIA          0x04000

/* IMAPI_FORMAT2_DATA_WRITE_ACTION: the stages of a Write, in order. */
typedef enum {
	IMAPI_FORMAT2_DATA_WRITE_ACTION_VALIDATING_MEDIA = 0,
	IMAPI_FORMAT2_DATA_WRITE_ACTION_FORMATTING_MEDIA = 1,
	IMAPI_FORMAT2_DATA_WRITE_ACTION_INITIALIZING_HARDWARE = 2,
	IMAPI_FORMAT2_DATA_WRITE_ACTION_CALIBRATING_POWER = 3,
	IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA = 4,
	IMAPI_FORMAT2_DATA_WRITE_ACTION_FINALIZATION = 5,
	IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED = 6,
	IMAPI_FORMAT2_DATA_WRITE_ACTION_VERIFYING = 7,
} imapi_format2_data_write_action;

/* A write action's name for progress lines and the timeline's stage bands
 * ("validating media", "writing data", ...); "unknown" for any other value.  The same
 * for the TAO and raw CD actions below. */
const char *disc_format2_data_write_action_name(imapi_format2_data_write_action a);

/* IMAPI_BURN_VERIFICATION_LEVEL (IBurnVerification). */
typedef enum {
	IMAPI_BURN_VERIFICATION_NONE = 0,
	IMAPI_BURN_VERIFICATION_QUICK = 1,
	IMAPI_BURN_VERIFICATION_FULL = 2,
} imapi_burn_verification_level;

/* IWriteSpeedDescriptor. */
typedef struct imapi_write_speed_descriptor {
	imapi_media_physical_type media_type;	/* MediaType */
	int rotation_type_is_pure_cav;		/* RotationTypeIsPureCAV (VARIANT_BOOL) */
	int32_t write_speed;			/* WriteSpeed, sectors per second */
} imapi_write_speed_descriptor;

/* ------------------------------------------------------------------------------------
 * IDiscFormat2Data.
 */
typedef struct disc_format2_data disc_format2_data;

/* IDiscFormat2DataEventArgs: IWriteEngine2EventArgs plus the times and the stage.
 * The engine fields are zero outside WRITING_DATA (and VERIFYING, where they count
 * the verified sectors: LastWrittenLba is the last one compared). */
typedef struct disc_format2_data_event_args {
	write_engine_event_args engine;	/* StartLba ... FreeSystemBuffer */
	int32_t elapsed_time;		/* ElapsedTime, seconds since Write began */
	int32_t remaining_time;		/* RemainingTime, seconds, estimated */
	int32_t total_time;		/* TotalTime = elapsed + remaining */
	imapi_format2_data_write_action current_action; /* CurrentAction */
} disc_format2_data_event_args;

/* DDiscFormat2DataEvents::Update: once when each stage begins and, while writing or
 * verifying, every 0.5 s; on the thread running Write.  It may call the getters,
 * disc_format2_data_cancel_write and recorder methods (pass-through commands such as
 * READ BUFFER CAPACITY run between WRITEs). */
typedef void (*disc_format2_data_update_fn)(disc_format2_data *object,
		const disc_format2_data_event_args *progress, void *user);

hresult_t disc_format2_data_create(disc_format2_data **out);
void disc_format2_data_addref(disc_format2_data *f);
void disc_format2_data_release(disc_format2_data *f);
hresult_t disc_format2_data_advise(disc_format2_data *f, disc_format2_data_update_fn fn,
				   void *user);

/* IDiscFormat2 (the base interface).  The media queries read the disc now (READ DISC
 * INFORMATION, READ TRACK INFORMATION, GET CONFIGURATION): no cached answer. */
hresult_t disc_format2_data_is_recorder_supported(disc_format2_data *f,
		disc_recorder_ex *recorder, int *value);
hresult_t disc_format2_data_is_current_media_supported(disc_format2_data *f,
		disc_recorder_ex *recorder, int *value);
hresult_t disc_format2_data_get_media_physically_blank(disc_format2_data *f, int *value);
hresult_t disc_format2_data_get_media_heuristically_blank(disc_format2_data *f, int *value);
hresult_t disc_format2_data_get_supported_media_types(disc_format2_data *f,
		imapi_media_physical_type **types, uint32_t *count);

/* Properties.  put_ during a Write: E_IMAPI_DF2DATA_WRITE_IN_PROGRESS, nothing changed.
 * Getters that need the medium: E_IMAPI_RECORDER_REQUIRED without a recorder. */
hresult_t disc_format2_data_put_recorder(disc_format2_data *f, disc_recorder_ex *recorder);
/* Extension: the burn timeline (writeengine.h, doc/engine.md §12): stages, every WriteSection
 * and the failure of a call go to it; the medium's profile is set from the probe. */
hresult_t disc_format2_data_put_timeline(disc_format2_data *f, imapi_timeline *tl);
/* Extension: WRITE commands the burn keeps in flight, 1..WRITE_ENGINE_QUEUE_DEPTH_MAX
 * (write_engine_put_queue_depth); default 1, one at a time as IMAPI2.  E_INVALIDARG out
 * of range; E_IMAPI_DF2DATA_WRITE_IN_PROGRESS during a burn. */
hresult_t disc_format2_data_put_queue_depth(disc_format2_data *f, int32_t value);
hresult_t disc_format2_data_get_queue_depth(disc_format2_data *f, int32_t *value);
hresult_t disc_format2_data_get_recorder(disc_format2_data *f, disc_recorder_ex **out);
hresult_t disc_format2_data_put_buffer_underrun_free_disabled(disc_format2_data *f, int value);
hresult_t disc_format2_data_get_buffer_underrun_free_disabled(disc_format2_data *f, int *value);
hresult_t disc_format2_data_put_postgap_already_in_image(disc_format2_data *f, int value);
hresult_t disc_format2_data_get_postgap_already_in_image(disc_format2_data *f, int *value);
hresult_t disc_format2_data_get_current_media_status(disc_format2_data *f, int32_t *value);
hresult_t disc_format2_data_get_write_protect_status(disc_format2_data *f, int32_t *value);
hresult_t disc_format2_data_get_total_sectors_on_media(disc_format2_data *f, int32_t *value);
hresult_t disc_format2_data_get_free_sectors_on_media(disc_format2_data *f, int32_t *value);
hresult_t disc_format2_data_get_next_writable_address(disc_format2_data *f, int32_t *value);
hresult_t disc_format2_data_get_start_address_of_previous_session(disc_format2_data *f,
		int32_t *value);
hresult_t disc_format2_data_get_last_written_address_of_previous_session(disc_format2_data *f,
		int32_t *value);
hresult_t disc_format2_data_put_force_media_to_be_closed(disc_format2_data *f, int value);
hresult_t disc_format2_data_get_force_media_to_be_closed(disc_format2_data *f, int *value);
hresult_t disc_format2_data_put_disable_consumer_dvd_compatibility_mode(disc_format2_data *f,
		int value);
hresult_t disc_format2_data_get_disable_consumer_dvd_compatibility_mode(disc_format2_data *f,
		int *value);
hresult_t disc_format2_data_get_current_physical_media_type(disc_format2_data *f,
		imapi_media_physical_type *value);
/* ClientName: 1..255 printable characters, else E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID.
 * Write needs one, as in IMAPI2, where it names the owner of the device's exclusive
 * access ([PROJECT DECISION]: here the exclusive access is the recorder lock held for
 * the whole Write; the name is kept and returned). */
hresult_t disc_format2_data_put_client_name(disc_format2_data *f, const char *value);
hresult_t disc_format2_data_get_client_name(disc_format2_data *f, char **value);
hresult_t disc_format2_data_get_requested_write_speed(disc_format2_data *f, int32_t *value);
hresult_t disc_format2_data_get_requested_rotation_type_is_pure_cav(disc_format2_data *f,
		int *value);
hresult_t disc_format2_data_get_current_write_speed(disc_format2_data *f, int32_t *value);
hresult_t disc_format2_data_get_current_rotation_type_is_pure_cav(disc_format2_data *f,
		int *value);
/* Sectors per second, fastest first (GET PERFORMANCE type 03h, MMC-6 §6.8.5). */
hresult_t disc_format2_data_get_supported_write_speeds(disc_format2_data *f,
		int32_t **speeds, uint32_t *count);
hresult_t disc_format2_data_get_supported_write_speed_descriptors(disc_format2_data *f,
		imapi_write_speed_descriptor **descriptors, uint32_t *count);
hresult_t disc_format2_data_put_force_overwrite(disc_format2_data *f, int value);
hresult_t disc_format2_data_get_force_overwrite(disc_format2_data *f, int *value);

/* MultisessionInterfaces: IMAPI2 returns IMultisessionSequential objects; here the
 * values of the one sequential interface, in a struct. */
typedef struct imapi_multisession_sequential {
	int is_first_data_session;		/* IsFirstDataSession (VARIANT_BOOL) */
	int32_t start_address_of_previous_session;
	int32_t last_written_address_of_previous_session;
	int32_t next_writable_address;
	int32_t free_sectors_on_media;
} imapi_multisession_sequential;
/* S_OK on sequential media (CD-R/RW, DVD±R, DVD-R/RW, BD-R) that can take a session;
 * E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED otherwise. */
hresult_t disc_format2_data_get_multisession_interfaces(disc_format2_data *f,
		imapi_multisession_sequential *out);

/* Write: the whole stream, in 2048-byte sectors, as one track (one session on CD and
 * DVD-R/-RW; at the next writable address of an appendable disc; from LBA 0 on
 * overwritable media).  The stream's size must be known (imapi_stream_get_size) and a
 * multiple of 2048.  Stages in order: VALIDATING_MEDIA, FORMATTING_MEDIA (an
 * unformatted DVD+RW / BD-RE only), INITIALIZING_HARDWARE, CALIBRATING_POWER,
 * WRITING_DATA, FINALIZATION, VERIFYING (unless the verification level is NONE),
 * COMPLETED.  Errors: E_IMAPI_RECORDER_REQUIRED, E_IMAPI_DF2DATA_WRITE_IN_PROGRESS,
 * E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED, E_IMAPI_DF2DATA_INVALID_MEDIA_STATE
 * (finalized, damaged), E_IMAPI_DF2DATA_MEDIA_NOT_BLANK (written overwritable medium
 * without ForceOverwrite), E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED (size unknown or not
 * whole sectors), E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA,
 * E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID (no client name), E_IMAPI_REQUEST_CANCELLED,
 * E_IMAPI_BURN_VERIFICATION_FAILED, and the recorder's and write engine's HRESULTs. */
hresult_t disc_format2_data_write(disc_format2_data *f, imapi_stream *data);
/* CancelWrite: S_OK, or E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS.  The running Write stops
 * at the next command boundary and returns E_IMAPI_REQUEST_CANCELLED; blocks the drive
 * acknowledged stay on the disc, the open track is left as it is (no close). */
hresult_t disc_format2_data_cancel_write(disc_format2_data *f);
/* SetWriteSpeed: sectors per second (-1 or 0x7FFFFFFF: the fastest) and CAV; sent as
 * SET STREAMING before the first WRITE. */
hresult_t disc_format2_data_set_write_speed(disc_format2_data *f,
		int32_t requested_sectors_per_second, int rotation_type_is_pure_cav);
/* IBurnVerification::BurnVerificationLevel (default QUICK, as IMAPI2). */
hresult_t disc_format2_data_put_burn_verification_level(disc_format2_data *f,
		imapi_burn_verification_level value);
hresult_t disc_format2_data_get_burn_verification_level(disc_format2_data *f,
		imapi_burn_verification_level *value);
/* Extension: what the last Write did. */
typedef struct disc_format2_data_result {
	int32_t start_lba;		/* where the track began */
	int32_t sectors;		/* sectors written */
	int32_t verified;		/* sectors read back and compared */
	uint8_t write_type;		/* page 05h write type used (0xff: none sent) */
	uint8_t close_function;		/* CLOSE function used (0: none) */
	int32_t mismatch_lba;		/* first sector that did not verify, -1 none */
	double seconds;			/* the whole Write */
} disc_format2_data_result;
hresult_t disc_format2_data_get_result(disc_format2_data *f, disc_format2_data_result *out);

/* ------------------------------------------------------------------------------------
 * IDiscFormat2TrackAtOnce: audio tracks (CD-DA, 2352-byte sectors) written one at a
 * time in track-at-once mode on a CD-R or CD-RW.
 */
typedef struct disc_format2_tao disc_format2_tao;

/* IMAPI_FORMAT2_TAO_WRITE_ACTION */
typedef enum {
	IMAPI_FORMAT2_TAO_WRITE_ACTION_UNKNOWN = 0,
	IMAPI_FORMAT2_TAO_WRITE_ACTION_PREPARING = 1,
	IMAPI_FORMAT2_TAO_WRITE_ACTION_WRITING = 2,
	IMAPI_FORMAT2_TAO_WRITE_ACTION_FINISHING = 3,
	IMAPI_FORMAT2_TAO_WRITE_ACTION_VERIFYING = 4,
} imapi_format2_tao_write_action;

const char *disc_format2_tao_write_action_name(imapi_format2_tao_write_action a);

/* IDiscFormat2TrackAtOnceEventArgs: IWriteEngine2EventArgs plus the track, the action
 * and the times (seconds). */
typedef struct disc_format2_tao_event_args {
	write_engine_event_args engine;
	int32_t current_track_number;		/* CurrentTrackNumber */
	imapi_format2_tao_write_action current_action; /* CurrentAction */
	int32_t elapsed_time;			/* ElapsedTime */
	int32_t remaining_time;			/* RemainingTime */
} disc_format2_tao_event_args;

/* DDiscFormat2TrackAtOnceEvents::Update: when an action begins and every 0.5 s while
 * a track is written, on the thread running AddAudioTrack / ReleaseMedia. */
typedef void (*disc_format2_tao_update_fn)(disc_format2_tao *object,
		const disc_format2_tao_event_args *progress, void *user);

hresult_t disc_format2_tao_create(disc_format2_tao **out);
void disc_format2_tao_addref(disc_format2_tao *t);
void disc_format2_tao_release(disc_format2_tao *t);
hresult_t disc_format2_tao_advise(disc_format2_tao *t, disc_format2_tao_update_fn fn,
				  void *user);
/* IDiscFormat2 members. */
hresult_t disc_format2_tao_is_recorder_supported(disc_format2_tao *t,
		disc_recorder_ex *recorder, int *value);
hresult_t disc_format2_tao_is_current_media_supported(disc_format2_tao *t,
		disc_recorder_ex *recorder, int *value);
hresult_t disc_format2_tao_get_media_physically_blank(disc_format2_tao *t, int *value);
hresult_t disc_format2_tao_get_media_heuristically_blank(disc_format2_tao *t, int *value);
hresult_t disc_format2_tao_get_supported_media_types(disc_format2_tao *t,
		imapi_media_physical_type **types, uint32_t *count);
/* PrepareMedia: checks the medium (a blank or appendable CD-R/RW, else
 * E_IMAPI_DF2TAO_MEDIA_IS_NOT_SUPPORTED or _MEDIA_IS_NOT_BLANK), sets page 05h for
 * audio track-at-once (write type 1, track mode 0 or 1 with pre-emphasis, data block
 * type 0: 2352 bytes, audio pause 150) and locks the tray (PREVENT ALLOW MEDIUM
 * REMOVAL).  E_IMAPI_DF2TAO_NO_RECORDER_SPECIFIED, E_IMAPI_DF2TAO_CLIENT_NAME_IS_NOT_VALID,
 * E_IMAPI_DF2TAO_MEDIA_IS_PREPARED. */
hresult_t disc_format2_tao_prepare_media(disc_format2_tao *t);
/* AddAudioTrack: the whole stream, 2352-byte CD-DA sectors (44.1 kHz, 16-bit stereo,
 * little-endian samples as MMC-6 §4.2.3 carries them), at least 4 seconds (300
 * sectors: Red Book's shortest track, ECMA-130 §20), written at the next writable
 * address; the drive writes the 2-second pre-gap before it (audio pause 150) and
 * SYNCHRONIZE CACHE closes the track.  E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED,
 * E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED (size unknown, not whole sectors, too short),
 * E_IMAPI_DF2TAO_TRACK_LIMIT_REACHED (99), E_IMAPI_DF2TAO_NOT_ENOUGH_SPACE,
 * E_IMAPI_DF2TAO_WRITE_IN_PROGRESS, E_IMAPI_REQUEST_CANCELLED. */
hresult_t disc_format2_tao_add_audio_track(disc_format2_tao *t, imapi_stream *data);
/* CancelAddTrack: S_OK, or E_IMAPI_DF2TAO_WRITE_NOT_IN_PROGRESS. */
hresult_t disc_format2_tao_cancel_add_track(disc_format2_tao *t);
/* ReleaseMedia: closes the session (finalized unless DoNotFinalizeMedia) and unlocks
 * the tray.  E_IMAPI_DF2TAO_MEDIA_IS_NOT_PREPARED. */
hresult_t disc_format2_tao_release_media(disc_format2_tao *t);
hresult_t disc_format2_tao_set_write_speed(disc_format2_tao *t,
		int32_t requested_sectors_per_second, int rotation_type_is_pure_cav);
hresult_t disc_format2_tao_put_recorder(disc_format2_tao *t, disc_recorder_ex *recorder);
/* Extension: the burn timeline (writeengine.h, doc/engine.md §12): stages, every WriteSection
 * and the failure of a call go to it; the medium's profile is set from the probe. */
hresult_t disc_format2_tao_put_timeline(disc_format2_tao *t, imapi_timeline *tl);
/* Extension: WRITE commands the burn keeps in flight, 1..WRITE_ENGINE_QUEUE_DEPTH_MAX
 * (write_engine_put_queue_depth); default 1, one at a time as IMAPI2.  E_INVALIDARG out
 * of range; E_IMAPI_DF2TAO_WRITE_IN_PROGRESS during a burn. */
hresult_t disc_format2_tao_put_queue_depth(disc_format2_tao *t, int32_t value);
hresult_t disc_format2_tao_get_queue_depth(disc_format2_tao *t, int32_t *value);
hresult_t disc_format2_tao_get_recorder(disc_format2_tao *t, disc_recorder_ex **out);
hresult_t disc_format2_tao_put_buffer_underrun_free_disabled(disc_format2_tao *t, int value);
hresult_t disc_format2_tao_get_buffer_underrun_free_disabled(disc_format2_tao *t, int *value);
/* DoNotFinalizeMedia (default FALSE: ReleaseMedia finalizes). */
hresult_t disc_format2_tao_put_do_not_finalize_media(disc_format2_tao *t, int value);
hresult_t disc_format2_tao_get_do_not_finalize_media(disc_format2_tao *t, int *value);
hresult_t disc_format2_tao_put_client_name(disc_format2_tao *t, const char *value);
hresult_t disc_format2_tao_get_client_name(disc_format2_tao *t, char **value);
/* Tracks on the disc (closed ones), and its sectors: total, free (from the NWA), used. */
hresult_t disc_format2_tao_get_number_of_existing_tracks(disc_format2_tao *t, int32_t *value);
hresult_t disc_format2_tao_get_total_sectors_on_media(disc_format2_tao *t, int32_t *value);
hresult_t disc_format2_tao_get_free_sectors_on_media(disc_format2_tao *t, int32_t *value);
hresult_t disc_format2_tao_get_used_sectors_on_media(disc_format2_tao *t, int32_t *value);
/* ExpectedTableOfContents: the table the disc will have once released, in the layout of
 * READ TOC/PMA/ATIP format 0000b with LBA addresses (MMC-6 §6.26.2.3: a 4-byte header,
 * one 8-byte descriptor per track and the lead-out AAh), malloc'ed (imapi_free).
 * E_IMAPI_DF2TAO_TABLE_OF_CONTENTS_EMPTY_DISC without tracks. */
hresult_t disc_format2_tao_get_expected_table_of_contents(disc_format2_tao *t,
		uint8_t **toc, uint32_t *size);
hresult_t disc_format2_tao_get_current_physical_media_type(disc_format2_tao *t,
		imapi_media_physical_type *value);
hresult_t disc_format2_tao_get_requested_write_speed(disc_format2_tao *t, int32_t *value);
hresult_t disc_format2_tao_get_requested_rotation_type_is_pure_cav(disc_format2_tao *t,
		int *value);
hresult_t disc_format2_tao_get_current_write_speed(disc_format2_tao *t, int32_t *value);
hresult_t disc_format2_tao_get_current_rotation_type_is_pure_cav(disc_format2_tao *t,
		int *value);
hresult_t disc_format2_tao_get_supported_write_speeds(disc_format2_tao *t,
		int32_t **speeds, uint32_t *count);
hresult_t disc_format2_tao_get_supported_write_speed_descriptors(disc_format2_tao *t,
		imapi_write_speed_descriptor **descriptors, uint32_t *count);

/* ------------------------------------------------------------------------------------
 * IDiscFormat2RawCD: a whole session written Disc-at-Once in MMC's raw mode (page 05h
 * write type 3), every sector with its sub-channel, from the lead-in on.
 */
typedef struct disc_format2_raw_cd disc_format2_raw_cd;

/* IMAPI_FORMAT2_RAW_CD_DATA_SECTOR_TYPE (rawcdimage.h): the page 05h data block type
 * of the sectors (MMC-6 §7.5.4): type 1 is 2368 bytes (2352 + 16 of P-Q), types 2 and
 * 3 are 2448 (2352 + 96 of P-W, packed or raw). */

/* IMAPI_FORMAT2_RAW_CD_WRITE_ACTION */
typedef enum {
	IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_UNKNOWN = 0,
	IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_PREPARING = 1,
	IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_WRITING = 2,
	IMAPI_FORMAT2_RAW_CD_WRITE_ACTION_FINISHING = 3,
} imapi_format2_raw_cd_write_action;

const char *disc_format2_raw_cd_write_action_name(imapi_format2_raw_cd_write_action a);

/* IDiscFormat2RawCDEventArgs. */
typedef struct disc_format2_raw_cd_event_args {
	write_engine_event_args engine;
	imapi_format2_raw_cd_write_action current_action;	/* CurrentAction */
	int32_t elapsed_time;					/* ElapsedTime */
	int32_t remaining_time;					/* RemainingTime */
} disc_format2_raw_cd_event_args;

typedef void (*disc_format2_raw_cd_update_fn)(disc_format2_raw_cd *object,
		const disc_format2_raw_cd_event_args *progress, void *user);

hresult_t disc_format2_raw_cd_create(disc_format2_raw_cd **out);
void disc_format2_raw_cd_addref(disc_format2_raw_cd *f);
void disc_format2_raw_cd_release(disc_format2_raw_cd *f);
hresult_t disc_format2_raw_cd_advise(disc_format2_raw_cd *f, disc_format2_raw_cd_update_fn fn,
				     void *user);
/* IDiscFormat2 members. */
hresult_t disc_format2_raw_cd_is_recorder_supported(disc_format2_raw_cd *f,
		disc_recorder_ex *recorder, int *value);
hresult_t disc_format2_raw_cd_is_current_media_supported(disc_format2_raw_cd *f,
		disc_recorder_ex *recorder, int *value);
hresult_t disc_format2_raw_cd_get_media_physically_blank(disc_format2_raw_cd *f, int *value);
hresult_t disc_format2_raw_cd_get_media_heuristically_blank(disc_format2_raw_cd *f, int *value);
hresult_t disc_format2_raw_cd_get_supported_media_types(disc_format2_raw_cd *f,
		imapi_media_physical_type **types, uint32_t *count);
/* PrepareMedia: a CD-R/RW whose last session is empty (else
 * E_IMAPI_DF2RAW_MEDIA_IS_NOT_BLANK / _NOT_SUPPORTED), page 05h for raw writing (write
 * type 3, the requested sector type, multi-session 00b: the session is the disc's
 * last, [PROJECT DECISION]), the tray locked. */
hresult_t disc_format2_raw_cd_prepare_media(disc_format2_raw_cd *f);
/* WriteMedia: the stream's first sector is MSF 95:00:00 (LBA -22650); WriteMedia2: it
 * is stream_lead_in_sectors before LBA -150.  Sectors before the disc's lead-in start
 * (READ DISC INFORMATION) are skipped; a stream that starts after it is refused
 * (E_IMAPI_DF2RAW_STREAM_LEADIN_TOO_SHORT).  The rest is written from the lead-in
 * start, then SYNCHRONIZE CACHE (which ends the session when the stream held the
 * lead-out).  E_IMAPI_DF2RAW_MEDIA_IS_NOT_PREPARED, E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED
 * (size unknown or not whole sectors of the type), E_IMAPI_DF2RAW_NOT_ENOUGH_SPACE,
 * E_IMAPI_DF2RAW_WRITE_IN_PROGRESS, E_IMAPI_REQUEST_CANCELLED. */
hresult_t disc_format2_raw_cd_write_media(disc_format2_raw_cd *f, imapi_stream *data);
hresult_t disc_format2_raw_cd_write_media2(disc_format2_raw_cd *f, imapi_stream *data,
		int32_t stream_lead_in_sectors);
hresult_t disc_format2_raw_cd_cancel_write(disc_format2_raw_cd *f);
/* ReleaseMedia: closes the session if the drive has not (no lead-out in the stream)
 * and unlocks the tray. */
hresult_t disc_format2_raw_cd_release_media(disc_format2_raw_cd *f);
hresult_t disc_format2_raw_cd_set_write_speed(disc_format2_raw_cd *f,
		int32_t requested_sectors_per_second, int rotation_type_is_pure_cav);
hresult_t disc_format2_raw_cd_put_recorder(disc_format2_raw_cd *f, disc_recorder_ex *recorder);
/* Extension: the burn timeline (writeengine.h, doc/engine.md §12): stages, every WriteSection
 * and the failure of a call go to it; the medium's profile is set from the probe. */
hresult_t disc_format2_raw_cd_put_timeline(disc_format2_raw_cd *f, imapi_timeline *tl);
/* Extension: WRITE commands the burn keeps in flight, 1..WRITE_ENGINE_QUEUE_DEPTH_MAX
 * (write_engine_put_queue_depth); default 1, one at a time as IMAPI2.  E_INVALIDARG out
 * of range; E_IMAPI_DF2RAW_WRITE_IN_PROGRESS during a burn. */
hresult_t disc_format2_raw_cd_put_queue_depth(disc_format2_raw_cd *f, int32_t value);
hresult_t disc_format2_raw_cd_get_queue_depth(disc_format2_raw_cd *f, int32_t *value);
hresult_t disc_format2_raw_cd_get_recorder(disc_format2_raw_cd *f, disc_recorder_ex **out);
hresult_t disc_format2_raw_cd_put_buffer_underrun_free_disabled(disc_format2_raw_cd *f,
		int value);
hresult_t disc_format2_raw_cd_get_buffer_underrun_free_disabled(disc_format2_raw_cd *f,
		int *value);
/* StartOfNextSession: the first LBA of the next session's program area (0 on a blank
 * disc); LastPossibleStartOfLeadout: READ DISC INFORMATION's, as an LBA. */
hresult_t disc_format2_raw_cd_get_start_of_next_session(disc_format2_raw_cd *f, int32_t *value);
hresult_t disc_format2_raw_cd_get_last_possible_start_of_leadout(disc_format2_raw_cd *f,
		int32_t *value);
hresult_t disc_format2_raw_cd_get_current_physical_media_type(disc_format2_raw_cd *f,
		imapi_media_physical_type *value);
/* SupportedSectorTypes: the types the recorder reports (GET CONFIGURATION: CD
 * Mastering's Raw bit, and the data block types of CD Track at Once). */
hresult_t disc_format2_raw_cd_get_supported_sector_types(disc_format2_raw_cd *f,
		imapi_format2_raw_cd_data_sector_type **types, uint32_t *count);
/* RequestedSectorType (default IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_RAW); E_INVALIDARG
 * outside 1..3, E_IMAPI_DF2RAW_MEDIA_IS_PREPARED once prepared. */
hresult_t disc_format2_raw_cd_put_requested_sector_type(disc_format2_raw_cd *f,
		imapi_format2_raw_cd_data_sector_type value);
hresult_t disc_format2_raw_cd_get_requested_sector_type(disc_format2_raw_cd *f,
		imapi_format2_raw_cd_data_sector_type *value);
hresult_t disc_format2_raw_cd_put_client_name(disc_format2_raw_cd *f, const char *value);
hresult_t disc_format2_raw_cd_get_client_name(disc_format2_raw_cd *f, char **value);
hresult_t disc_format2_raw_cd_get_requested_write_speed(disc_format2_raw_cd *f, int32_t *value);
hresult_t disc_format2_raw_cd_get_requested_rotation_type_is_pure_cav(disc_format2_raw_cd *f,
		int *value);
hresult_t disc_format2_raw_cd_get_current_write_speed(disc_format2_raw_cd *f, int32_t *value);
hresult_t disc_format2_raw_cd_get_current_rotation_type_is_pure_cav(disc_format2_raw_cd *f,
		int *value);
hresult_t disc_format2_raw_cd_get_supported_write_speeds(disc_format2_raw_cd *f,
		int32_t **speeds, uint32_t *count);
hresult_t disc_format2_raw_cd_get_supported_write_speed_descriptors(disc_format2_raw_cd *f,
		imapi_write_speed_descriptor **descriptors, uint32_t *count);

/* ------------------------------------------------------------------------------------
 * IDiscFormat2Erase.
 */
typedef struct disc_format2_erase disc_format2_erase;

/* DDiscFormat2EraseEvents::Update: every 0.5 s while erasing, on the thread running
 * EraseMedia; estimated_total_seconds from the drive's progress indication (sense-key
 * specific bytes of NOT READY "in progress", SPC-4 §4.5.2.4.4) when it gives one. */
typedef void (*disc_format2_erase_update_fn)(disc_format2_erase *object,
		int32_t elapsed_seconds, int32_t estimated_total_seconds, void *user);

hresult_t disc_format2_erase_create(disc_format2_erase **out);
void disc_format2_erase_addref(disc_format2_erase *e);
void disc_format2_erase_release(disc_format2_erase *e);
hresult_t disc_format2_erase_advise(disc_format2_erase *e, disc_format2_erase_update_fn fn,
				    void *user);
/* Recorder: E_IMAPI_ERASE_RECORDER_IN_USE while erasing. */
hresult_t disc_format2_erase_put_recorder(disc_format2_erase *e, disc_recorder_ex *recorder);
hresult_t disc_format2_erase_get_recorder(disc_format2_erase *e, disc_recorder_ex **out);
/* FullErase (default FALSE: a minimal blank, which leaves the old data unreadable). */
hresult_t disc_format2_erase_put_full_erase(disc_format2_erase *e, int value);
hresult_t disc_format2_erase_get_full_erase(disc_format2_erase *e, int *value);
hresult_t disc_format2_erase_get_current_physical_media_type(disc_format2_erase *e,
		imapi_media_physical_type *value);
hresult_t disc_format2_erase_put_client_name(disc_format2_erase *e, const char *value);
hresult_t disc_format2_erase_get_client_name(disc_format2_erase *e, char **value);
/* IDiscFormat2 members. */
hresult_t disc_format2_erase_is_recorder_supported(disc_format2_erase *e,
		disc_recorder_ex *recorder, int *value);
hresult_t disc_format2_erase_is_current_media_supported(disc_format2_erase *e,
		disc_recorder_ex *recorder, int *value);
hresult_t disc_format2_erase_get_media_physically_blank(disc_format2_erase *e, int *value);
hresult_t disc_format2_erase_get_media_heuristically_blank(disc_format2_erase *e, int *value);
hresult_t disc_format2_erase_get_supported_media_types(disc_format2_erase *e,
		imapi_media_physical_type **types, uint32_t *count);
/* EraseMedia: CD-RW and DVD-RW get BLANK (minimal, or the whole disc with FullErase)
 * with IMMED, polled until the drive is ready; DVD+RW and BD-RE get their full FORMAT
 * UNIT ([PROJECT DECISION]: erasing an overwritable disc means formatting it anew).
 * Errors: E_IMAPI_RECORDER_REQUIRED, E_IMAPI_ERASE_CLIENT_NAME_IS_NOT_VALID (no client
 * name), E_IMAPI_RECORDER_MEDIA_NO_MEDIA, E_IMAPI_ERASE_MEDIA_IS_NOT_SUPPORTED (CD-R,
 * DVD±R, BD-R, ROM), E_IMAPI_ERASE_DRIVE_FAILED_ERASE_COMMAND (BLANK or FORMAT UNIT
 * refused; the sense is the recorder's last sense),
 * E_IMAPI_ERASE_UNEXPECTED_DRIVE_RESPONSE_DURING_ERASE (an error while polling),
 * E_IMAPI_ERASE_TOOK_LONGER_THAN_ONE_HOUR. */
hresult_t disc_format2_erase_erase_media(disc_format2_erase *e);

#ifdef __cplusplus
}
#endif
#endif
