/* engine/rawcdimage.h - libwriteengine: IMAPI2's IRawCDImageCreator and
 * IRawCDImageTrackInfo in C.  Builds the raw Disc-at-Once image of a CD (lead-in with
 * the table of contents, pre-gaps, tracks, lead-out; every sector's main channel and
 * sub-channel) as a stream that IDiscFormat2RawCD writes.  No SCSI: pure computation
 * over the caller's streams.
 *
 * Conventions as in writeengine.h: one C function per COM member with its name in
 * snake_case, an hresult_t result, out-params last, E_POINTER for a NULL object or out
 * pointer, opaque reference-counted objects, VARIANT_BOOL as int (IMAPI_VARIANT_TRUE
 * -1 / IMAPI_VARIANT_FALSE 0; a put_ takes any nonzero value as TRUE), strings (BSTR)
 * as NUL-terminated ASCII, returned strings and arrays malloc'ed and freed with
 * imapi_free().  The manual is doc/engine-rawimage.md; every [PROJECT DECISION] there is
 * restated at the function it concerns.
 *
 * Threads: one call at a time per creator (and its track info objects).  After
 * CreateResultImage the creator is read-only, so its getters may be called from any
 * thread while the result stream is read. */
#ifndef RAWCDIMAGE_H
#define RAWCDIMAGE_H

#include <stdint.h>

#include "writeengine.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct raw_cd_image raw_cd_image;           /* IRawCDImageCreator */
typedef struct raw_cd_track_info raw_cd_track_info; /* IRawCDImageTrackInfo */

/* IMAPI_CD_SECTOR_TYPE: what a track's stream holds per sector (bytes per sector). */
typedef enum {
	IMAPI_CD_SECTOR_AUDIO = 0,         /* 2352: 588 stereo 16-bit samples, WAV order */
	IMAPI_CD_SECTOR_MODE_ZERO = 1,     /* 2336: Mode 0 (the standard wants zeros) */
	IMAPI_CD_SECTOR_MODE1 = 2,         /* 2048: Mode 1 user data */
	IMAPI_CD_SECTOR_MODE2FORM0 = 3,    /* 2336: Mode 2 without form */
	IMAPI_CD_SECTOR_MODE2FORM1 = 4,    /* 2048: Mode 2 Form 1 user data */
	IMAPI_CD_SECTOR_MODE2FORM2 = 5,    /* 2336: sub-header, 2324 bytes, EDC (0: none) */
	IMAPI_CD_SECTOR_MODE1RAW = 6,      /* 2352: whole Mode 1 sectors, scrambled */
	IMAPI_CD_SECTOR_MODE2FORM0RAW = 7, /* 2352: whole Mode 2 sectors, scrambled */
	IMAPI_CD_SECTOR_MODE2FORM1RAW = 8, /* 2352: whole Form 1 sectors, scrambled */
	IMAPI_CD_SECTOR_MODE2FORM2RAW = 9, /* 2352: whole Form 2 sectors, scrambled */
} imapi_cd_sector_type;

/* IMAPI_FORMAT2_RAW_CD_DATA_SECTOR_TYPE: the sub-channel after each 2352-byte main
 * channel of the result image (MMC-6 §7.5.4, Write Parameters mode page, Data Block
 * Types 1 to 3). */
typedef enum {
	IMAPI_FORMAT2_RAW_CD_SUBCODE_PQ_ONLY = 1,   /* +16: Q (12 bytes), 3 zero, P in b7 */
	IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_COOKED = 2, /* +96: P, Q interleaved; R-W packed */
	IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_RAW = 3,    /* +96: P-W interleaved, as on the disc */
} imapi_format2_raw_cd_data_sector_type;

/* IMAPI_CD_TRACK_DIGITAL_COPY_SETTING: the copy bit of an audio track's control field. */
typedef enum {
	IMAPI_CD_TRACK_DIGITAL_COPY_PERMITTED = 0,  /* copy bit set */
	IMAPI_CD_TRACK_DIGITAL_COPY_PROHIBITED = 1, /* copy bit clear */
	IMAPI_CD_TRACK_DIGITAL_COPY_SCMS = 2,       /* copy bit alternating, 4 sectors each */
} imapi_cd_track_digital_copy_setting;

/* The result image starts at MSF 95:00:00 (LBA -22650): 22 500 lead-in sectors, the
 * 150-sector pre-gap of track 1 from LBA -150, the program area, and 6750 lead-out
 * sectors from StartOfLeadout.  A writer that starts at a later lead-in address skips
 * the image's first (that LBA - RAW_CD_IMAGE_FIRST_LBA) sectors. */
#define RAW_CD_IMAGE_FIRST_LBA        (-22650)
#define RAW_CD_IMAGE_LEADIN_SECTORS   22500
#define RAW_CD_IMAGE_LEADOUT_SECTORS  6750
/* The latest StartOfLeadout: 6750 lead-out sectors then end at MSF 89:59:74. */
#define RAW_CD_IMAGE_MAX_LEADOUT_LBA  398100

/* ------------------------------------------------------------------------------------
 * IRawCDImageCreator.
 */
hresult_t raw_cd_image_create(raw_cd_image **out);
void raw_cd_image_addref(raw_cd_image *cr);
void raw_cd_image_release(raw_cd_image *cr);

/* CreateResultImage.  Checks, then returns the image stream (one reference) and makes
 * the creator read-only: every later put_, Add... and track info change answers
 * E_IMAPI_RAW_IMAGE_IS_READ_ONLY, as does a second CreateResultImage.  The stream
 * keeps the creator alive; its size is known (imapi_stream_get_size: the sectors and
 * bytes per sector of ResultImageLayout), as IDiscFormat2RawCD's WriteMedia needs.  Errors: E_IMAPI_RAW_IMAGE_NO_TRACKS; E_INVALIDARG (an R-W
 * generator whose size is not 96 bytes per image sector); E_OUTOFMEMORY.  Reading the
 * stream fails with E_FAIL when the spool file cannot be read (errno kept). */
hresult_t raw_cd_image_create_result_image(raw_cd_image *cr, imapi_stream **result_stream);

/* AddTrack.  Reads `data` to its end now, into the creator's spool file (an unlinked
 * file in $TMPDIR, else /tmp: [PROJECT DECISION] the image is never held in memory),
 * and appends the track; *track_index is its position in the image, 1 for the first
 * track ([PROJECT DECISION]; its TrackNumber is StartingTrackNumber + index - 1).
 * Every IMAPI_CD_SECTOR_TYPE is accepted ([PROJECT DECISION]: beyond Microsoft's, which
 * takes audio only).  Errors, in this order:
 *   E_POINTER; E_IMAPI_RAW_IMAGE_IS_READ_ONLY; E_INVALIDARG (unknown type);
 *   E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED (a data track when StartingTrackNumber
 *   is not 1 or after AddSpecialPregap, or Mode 2 beside Mode 0/1 tracks: one disc
 *   type per image); E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS (the track number would pass 99);
 *   the stream's own failed HRESULT; E_FAIL (the spool file cannot be written; errno
 *   kept); E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE (the lead-out would start after
 *   RAW_CD_IMAGE_MAX_LEADOUT_LBA or StartOfLeadoutLimit: the stream is read no further
 *   than that); E_INVALIDARG (not whole sectors of the type, or fewer than 300: 4 s).
 *   On failure nothing changes. */
hresult_t raw_cd_image_add_track(raw_cd_image *cr, imapi_cd_sector_type data_type,
				 imapi_stream *data, int32_t *track_index);

/* AddSpecialPregap.  Audio sectors (2352 bytes each, at least 150) that become the
 * pre-gap of track 1: they start at LBA -150 and track 1 starts after them ("hidden
 * track").  Only before any track (E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED); track 1 must
 * then be audio.  A second call replaces the first.  Other errors as AddTrack's. */
hresult_t raw_cd_image_add_special_pregap(raw_cd_image *cr, imapi_stream *data);

/* AddSubcodeRWGenerator.  96 bytes per sector of the whole result image, read now into
 * the spool; CreateResultImage checks the size.  [PROJECT DECISION] the low six bits
 * (b5..b0) of each byte are the sector's R-W sub-channel exactly as the result's
 * 96-byte sub-channel carries it (interleaved for IS_RAW, packed for IS_COOKED); b7 and
 * b6 are ignored, P and Q are always the creator's.  Not allowed while
 * ResultingImageType is PQ_ONLY (E_INVALIDARG).  A second call replaces the first. */
hresult_t raw_cd_image_add_subcode_rw_generator(raw_cd_image *cr, imapi_stream *subcode);

/* ResultingImageType: default IS_RAW ([PROJECT DECISION]: IDiscFormat2RawCD writes
 * "DAO-96" images).  1..3, else E_INVALIDARG; PQ_ONLY with an R-W generator: E_INVALIDARG
 * (Microsoft: the R-W could not be carried). */
hresult_t raw_cd_image_put_resulting_image_type(raw_cd_image *cr,
		imapi_format2_raw_cd_data_sector_type value);
hresult_t raw_cd_image_get_resulting_image_type(raw_cd_image *cr,
		imapi_format2_raw_cd_data_sector_type *value);

/* StartOfLeadout: the LBA where the lead-out starts.  E_IMAPI_RAW_IMAGE_NO_TRACKS
 * without tracks. */
hresult_t raw_cd_image_get_start_of_leadout(raw_cd_image *cr, int32_t *value);

/* StartOfLeadoutLimit: the image must fit a medium whose lead-out can start at this LBA,
 * i.e. StartOfLeadout <= value.  Default 0 = no limit beyond
 * RAW_CD_IMAGE_MAX_LEADOUT_LBA ([PROJECT DECISION]).  0..398099 (Microsoft's maximum),
 * else E_INVALIDARG; a limit below the current StartOfLeadout:
 * E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE. */
hresult_t raw_cd_image_put_start_of_leadout_limit(raw_cd_image *cr, int32_t value);
hresult_t raw_cd_image_get_start_of_leadout_limit(raw_cd_image *cr, int32_t *value);

/* DisableGaplessAudio, default FALSE.  [PROJECT DECISION] (Microsoft's texts contradict
 * the name; the name wins): TRUE puts a 150-sector silent pre-gap between two
 * consecutive audio tracks; FALSE is "gapless": the pre-gap (INDEX 00) of the second
 * track is the last 150 sectors of the first one's audio, no sector is added.  Any time
 * before CreateResultImage; a change that would move the lead-out past its limit:
 * E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE. */
hresult_t raw_cd_image_put_disable_gapless_audio(raw_cd_image *cr, int value);
hresult_t raw_cd_image_get_disable_gapless_audio(raw_cd_image *cr, int *value);

/* MediaCatalogNumber: 13 decimal digits whose last is the EAN-13 check digit; leading
 * zeros may be left out on put.  "" or NULL removes it (the default).  The getter
 * answers the 13 digits or "".  Bad digits, length or check digit: E_INVALIDARG. */
hresult_t raw_cd_image_put_media_catalog_number(raw_cd_image *cr, const char *value);
hresult_t raw_cd_image_get_media_catalog_number(raw_cd_image *cr, char **value);

/* StartingTrackNumber: 1..99 (E_INVALIDARG), default 1; only before tracks are added
 * (E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED).  Not 1: audio tracks only. */
hresult_t raw_cd_image_put_starting_track_number(raw_cd_image *cr, int32_t value);
hresult_t raw_cd_image_get_starting_track_number(raw_cd_image *cr, int32_t *value);

/* TrackInfo: a new track info object (one reference; it keeps the creator alive) for
 * the track of this index (1..NumberOfExistingTracks, else E_INVALIDARG). */
hresult_t raw_cd_image_get_track_info(raw_cd_image *cr, int32_t track_index,
				      raw_cd_track_info **value);
hresult_t raw_cd_image_get_number_of_existing_tracks(raw_cd_image *cr, int32_t *value);
/* LastUsedUserSectorInImage: StartOfLeadout - 1 (the last sector of the last track,
 * post-gap included).  E_IMAPI_RAW_IMAGE_NO_TRACKS without tracks. */
hresult_t raw_cd_image_get_last_used_user_sector_in_image(raw_cd_image *cr, int32_t *value);

/* ExpectedTableOfContents: [PROJECT DECISION] the answer READ TOC format 0010b (full
 * TOC, MMC-6 §6.26) would give for the disc: 4-byte header (length, first and last
 * session 1) and 11-byte descriptors A0h, A1h, A2h, then one per track, addresses in
 * binary.  malloc'ed; E_IMAPI_RAW_IMAGE_NO_TRACKS without tracks. */
hresult_t raw_cd_image_get_expected_table_of_contents(raw_cd_image *cr, uint8_t **data,
						      uint32_t *byte_size);

/* Extension: the result image's shape: its first LBA (RAW_CD_IMAGE_FIRST_LBA), its
 * number of sectors (to the end of the lead-out) and bytes per sector (2368 for
 * PQ_ONLY, 2448 otherwise).  Any of the out pointers may be NULL.
 * E_IMAPI_RAW_IMAGE_NO_TRACKS without tracks. */
hresult_t raw_cd_image_get_result_image_layout(raw_cd_image *cr, int32_t *first_lba,
					       int32_t *sector_count, int32_t *bytes_per_sector);

/* ------------------------------------------------------------------------------------
 * IRawCDImageTrackInfo.  Getters work at any time; changes answer
 * E_IMAPI_RAW_IMAGE_IS_READ_ONLY after CreateResultImage.
 */
void raw_cd_track_info_addref(raw_cd_track_info *ti);
void raw_cd_track_info_release(raw_cd_track_info *ti);

/* StartingLba: the track's first user sector (INDEX 01); SectorCount: the sectors its
 * stream gave (a post-gap the layout adds is not counted); TrackNumber; SectorType. */
hresult_t raw_cd_track_info_get_starting_lba(raw_cd_track_info *ti, int32_t *value);
hresult_t raw_cd_track_info_get_sector_count(raw_cd_track_info *ti, int32_t *value);
hresult_t raw_cd_track_info_get_track_number(raw_cd_track_info *ti, int32_t *value);
hresult_t raw_cd_track_info_get_sector_type(raw_cd_track_info *ti, imapi_cd_sector_type *value);

/* ISRC: "CC-OOO-YY-SSSSS" (country: letters, owner: letters or digits, year and serial:
 * digits; lower case accepted), dashes optional on put.  "" or NULL removes it (the
 * default); the getter answers the dashed form or "".  Audio tracks only
 * (E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED); a bad code: E_INVALIDARG. */
hresult_t raw_cd_track_info_put_isrc(raw_cd_track_info *ti, const char *value);
hresult_t raw_cd_track_info_get_isrc(raw_cd_track_info *ti, char **value);

/* DigitalAudioCopySetting: default PERMITTED ([PROJECT DECISION]); 0..2, else
 * E_INVALIDARG.  AudioHasPreemphasis: default FALSE.  Audio tracks only
 * (E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED). */
hresult_t raw_cd_track_info_put_digital_audio_copy_setting(raw_cd_track_info *ti,
		imapi_cd_track_digital_copy_setting value);
hresult_t raw_cd_track_info_get_digital_audio_copy_setting(raw_cd_track_info *ti,
		imapi_cd_track_digital_copy_setting *value);
hresult_t raw_cd_track_info_put_audio_has_preemphasis(raw_cd_track_info *ti, int value);
hresult_t raw_cd_track_info_get_audio_has_preemphasis(raw_cd_track_info *ti, int *value);

/* TrackIndexes: the sector offsets (from StartingLba) where INDEX 01, 02, ... start, in
 * order; the first is always 0.  *indexes is malloc'ed, *count entries. */
hresult_t raw_cd_track_info_get_track_indexes(raw_cd_track_info *ti, int32_t **indexes,
					      uint32_t *count);
/* AddTrackIndex: a new index point at this offset; the points are renumbered in offset
 * order.  Errors: E_INVALIDARG (offset < 0 or >= SectorCount);
 * S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS (a success code: nothing changes);
 * E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES (already 99);
 * E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX (less than 10 sectors from
 * another index point). */
hresult_t raw_cd_track_info_add_track_index(raw_cd_track_info *ti, int32_t lba_offset);
/* ClearTrackIndex: E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED (offset 0),
 * E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND. */
hresult_t raw_cd_track_info_clear_track_index(raw_cd_track_info *ti, int32_t lba_offset);

#ifdef __cplusplus
}
#endif
#endif
