/* engine/timeline-private.h - how the write engine and the format layer feed a burn
 * timeline (prefix eng_tl_), and the SVG writer's entry.  Not installed; the public
 * side is in writeengine.h (imapi_timeline_*).
 *
 * Every function takes the time as microseconds on CLOCK_MONOTONIC (eng_tl_now_us) so
 * that a test can feed a timeline a made-up clock.  A NULL timeline is allowed
 * everywhere and does nothing: the callers need no test of their own. */
#ifndef ENG_TIMELINE_PRIVATE_H
#define ENG_TIMELINE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sense.h"
#include "writeengine.h"

int64_t eng_tl_now_us(void);
bool eng_tl_option(imapi_timeline *tl, uint32_t option);

/* A WriteSection begins: a SECTION event and a sample that starts it. */
void eng_tl_section_begin(imapi_timeline *tl, int64_t now_us, int32_t start_lba,
			  int32_t blocks, uint32_t bytes_per_sector);
/* Progress of the running section: its LastWrittenLba, the bytes the drive acknowledged
 * in it, the engine's ring in use (percent).  A sample is kept when the spacing has
 * passed since the last one. */
void eng_tl_progress(imapi_timeline *tl, int64_t now_us, int32_t lba, uint64_t section_bytes,
		     int32_t system_buffer);
/* A READ BUFFER CAPACITY answer: the next sample carries it.  An empty buffer after a
 * reading that was not, while data is still to come, is an UNDERRUN event. */
void eng_tl_drive_buffer(imapi_timeline *tl, int64_t now_us, uint32_t size, uint32_t free_bytes,
			 bool more_to_come);
/* The section ended: its last sample. */
void eng_tl_section_end(imapi_timeline *tl, int64_t now_us, int32_t lba, uint64_t section_bytes);
/* An event at the current LBA.  BUSY, UNIT_ATTENTION and RETRY repeat: one of the same
 * kind, code and sense within the sample spacing of the last is counted in it. */
void eng_tl_event(imapi_timeline *tl, int64_t now_us, imapi_timeline_event_kind kind,
		  int32_t code, hresult_t hr, const struct eng_sense *sense, const char *text);
/* A stage of the format layer: an event when (code, text) differs from the last stage. */
void eng_tl_stage(imapi_timeline *tl, int64_t now_us, int32_t code, const char *text);

/* What the SVG writer draws: a consistent copy taken under the timeline's lock. */
struct eng_tl_view {
	imapi_timeline_summary sum;
	const imapi_timeline_sample *samples;
	uint32_t nsamples;
	const imapi_timeline_event *events;
	uint32_t nevents;
	const char *label;
};
/* The SVG document (timeline-svg.c), malloc'ed and NUL-terminated; NULL when out of
 * memory. */
char *eng_tl_svg(const struct eng_tl_view *v, size_t *len);

#endif
