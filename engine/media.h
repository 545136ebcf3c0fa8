/* engine/media.h - what the format layer knows of the medium in the drive, and the
 * few commands every format sends (prefix eng_media_).  Not installed.
 *
 * A probe reads the disc now: GET CONFIGURATION (current profile), READ DISC
 * INFORMATION, READ TRACK INFORMATION of the last track of the last session and, on
 * overwritable media, READ CAPACITY and READ FORMAT CAPACITIES.  The policy a profile
 * implies comes from mmccdb.h (mcc_data_plan), the one table of the initiator side. */
#ifndef ENG_MEDIA_H
#define ENG_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "discformat2.h"
#include "mmccdb.h"

struct eng_media {
	int profile;			/* current profile, 0 none */
	struct mcc_data_plan plan;
	bool have_di;
	struct mcc_disc_info di;
	bool have_last;			/* the last track of the last session */
	struct mcc_track_info last;
	int format_state;		/* READ FORMAT CAPACITIES: 1 unformatted, 2 formatted */
	int32_t total;			/* sectors the medium holds */
	int32_t free;			/* sectors still writable */
	int32_t nwa;			/* where a Write starts; -1 when nowhere */
	int32_t prev_start, prev_last;	/* previous (closed) session, -1 when none */
};

/* Probe the medium.  S_OK with *m filled (profile 0 when the drive has no medium);
 * the recorder's HRESULT when a command failed for another reason. */
hresult_t eng_media_probe(disc_recorder_ex *r, struct eng_media *m);
imapi_media_physical_type eng_media_physical_type(int profile);
/* IMAPI_FORMAT2_DATA_MEDIA_STATE flags of a probed medium. */
int32_t eng_media_state(const struct eng_media *m);
/* A CD-R or CD-RW (what track-at-once and raw writing take). */
bool eng_media_cd_recordable(const struct eng_media *m);
/* Sectors 16 and 256 read as zeros (nothing an ISO 9660 or UDF reader would find). */
bool eng_media_heuristically_blank(disc_recorder_ex *r, const struct eng_media *m);

/* One command through the recorder's retry policy (unit attentions, NOT READY in
 * progress until the busy deadline); timeout_s 0: the recorder's default. */
enum eng_media_dir { ENG_MEDIA_NONE, ENG_MEDIA_IN, ENG_MEDIA_OUT };
hresult_t eng_media_cmd(disc_recorder_ex *r, struct mcc_cdb cdb, enum eng_media_dir dir,
			void *buf, uint32_t len, uint32_t timeout_s, uint32_t *got);
/* Page 05h: MODE SENSE, edit(page, arg), MODE SELECT. */
hresult_t eng_media_edit_page05(disc_recorder_ex *r, void (*edit)(uint8_t *page, const void *arg),
				const void *arg);
/* SYNCHRONIZE CACHE with IMMED, then TEST UNIT READY until ready (long_op in media.c). */
hresult_t eng_media_sync(disc_recorder_ex *r);
/* SYNCHRONIZE CACHE, then close as the policy says (mcc_close_plan): CLOSE TRACK of
 * track `track` (0: none), then the session function.  *function gets the session
 * function sent (0 when none was). */
hresult_t eng_media_close(disc_recorder_ex *r, int profile, int track, bool finalize,
			  bool dvd_compat, uint8_t *function);
/* FORMAT UNIT (IMMED) with the full format of the profile's plan (mcc_data_plan's
 * format type, blocks and parameter as READ FORMAT CAPACITIES offers them); waits until
 * the drive is ready again.  CLOSE TRACK/SESSION go with IMMED the same way. */
hresult_t eng_media_format(disc_recorder_ex *r, const struct eng_media *m);

/* TEST UNIT READY every poll_ms until GOOD, after a long operation sent with IMMED.
 * NOT READY "becoming ready / format / operation / long write in progress" (02/04/01,
 * 04, 07, 08) goes on, a unit attention is consumed; tick(ctx, elapsed, progress) is
 * called at each answer (progress: the sense-key specific progress indication of
 * 65536ths, SPC-4 §4.5.2.4.4, 0 when none).  S_OK; ENG_MEDIA_WAIT_TIMEOUT past
 * limit_s; ENG_MEDIA_WAIT_OTHER for any other sense (*sense holds it); a transport
 * failure's HRESULT. */
enum { ENG_MEDIA_WAIT_TIMEOUT = 1, ENG_MEDIA_WAIT_OTHER = 2 };
int eng_media_wait_ready(disc_recorder_ex *r, double limit_s, unsigned poll_ms,
			 void (*tick)(void *ctx, double elapsed, unsigned progress), void *ctx,
			 hresult_t *hr, uint8_t sense[IMAPI_SENSE_LEN]);

/* ClientName (IMAPI2's formats): 1..255 printable characters. */
bool eng_media_client_name_ok(const char *name);
/* *has: the recorder reports one of the n features (current or not). */
hresult_t eng_media_recorder_has(disc_recorder_ex *r, const int32_t *features, size_t n,
				 bool *has);

/* Write speeds of the current medium (GET PERFORMANCE type 03h), sectors per second,
 * fastest first: as descriptors (malloc'ed, imapi_free), as a list, and the current
 * one ([PROJECT DECISION]: MMC has no "current write speed" outside the legacy page
 * 2Ah; the requested speed when one was set, else the first descriptor, which is what
 * a drive uses by default). */
enum { ENG_MEDIA_SPEEDS_MAX = 32 };
hresult_t eng_media_speed_descriptors(disc_recorder_ex *r, imapi_write_speed_descriptor **out,
				      uint32_t *count);
hresult_t eng_media_speed_list(disc_recorder_ex *r, int32_t **speeds, uint32_t *count);
hresult_t eng_media_current_speed(disc_recorder_ex *r, int32_t requested, int32_t *value);

/* Seconds on CLOCK_MONOTONIC. */
double eng_media_now(void);

#endif
