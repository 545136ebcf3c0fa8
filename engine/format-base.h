/* engine/format-base.h - what every IMAPI2 format object of the library has in common
 * (prefix eng_fmt_): the recorder, the client name, the requested speed, the
 * write/prepare state, and the one WriteSection a burn runs through a write engine.
 * format-data.c, format-tao.c, format-raw.c and format-erase.c each embed a struct
 * eng_fmt and keep only what is their own.  Not installed. */
#ifndef ENG_FORMAT_BASE_H
#define ENG_FORMAT_BASE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "discformat2.h"

struct eng_fmt {
	pthread_mutex_t lock;		/* the fields below; never held across a command */
	disc_recorder_ex *rec;
	char *client_name;
	int32_t speed;			/* requested sectors per second, -1 the fastest */
	int pure_cav, bufe_disabled;
	int32_t queue_depth;		/* WRITEs in flight in a burn (extension), default 1 */
	atomic_int prepared, busy, cancelled;
	write_engine *we;		/* during a WriteSection, for cancelling */
	double t0;			/* when the running operation began */
	imapi_timeline *tl;		/* the burn timeline, NULL when none */
	bool section_failed;		/* the last WriteSection failed (it told the timeline) */
};

void eng_fmt_init(struct eng_fmt *b);
void eng_fmt_fini(struct eng_fmt *b);

hresult_t eng_fmt_put_recorder(struct eng_fmt *b, disc_recorder_ex *recorder);
hresult_t eng_fmt_get_recorder(struct eng_fmt *b, disc_recorder_ex **out);
/* A new reference to the recorder, or NULL. */
disc_recorder_ex *eng_fmt_recorder(struct eng_fmt *b);
/* ClientName: `invalid` is the format's own HRESULT for a bad name. */
hresult_t eng_fmt_put_client_name(struct eng_fmt *b, const char *value, hresult_t invalid);
hresult_t eng_fmt_get_client_name(struct eng_fmt *b, char **value);
/* SetWriteSpeed: -1 or INT32_MAX the fastest, else >= 1 (E_INVALIDARG). */
hresult_t eng_fmt_set_write_speed(struct eng_fmt *b, int32_t sps, int pure_cav);
/* The speed getters over the recorder (no_recorder: the format's HRESULT without one). */
hresult_t eng_fmt_speeds(struct eng_fmt *b, hresult_t no_recorder, int32_t **speeds,
			 uint32_t *count);
hresult_t eng_fmt_speed_descriptors(struct eng_fmt *b, hresult_t no_recorder,
				    imapi_write_speed_descriptor **d, uint32_t *count);
hresult_t eng_fmt_current_speed(struct eng_fmt *b, hresult_t no_recorder, int32_t *value);

/* A probe of the medium through the format's recorder: `no_recorder` without one,
 * E_IMAPI_RECORDER_MEDIA_NO_MEDIA when the drive is empty; *rec (when not NULL) gets a
 * reference to the recorder on success. */
struct eng_media;
hresult_t eng_fmt_probe(struct eng_fmt *b, hresult_t no_recorder, struct eng_media *m,
			disc_recorder_ex **rec);
/* The IDiscFormat2 media members every format has. */
hresult_t eng_fmt_physical_type(struct eng_fmt *b, hresult_t no_recorder,
				imapi_media_physical_type *value);
hresult_t eng_fmt_physically_blank(struct eng_fmt *b, hresult_t no_recorder, int *value);
hresult_t eng_fmt_heuristically_blank(struct eng_fmt *b, hresult_t no_recorder, int *value);
/* A copy of a constant list of media types (SupportedMediaTypes). */
hresult_t eng_fmt_media_types(const imapi_media_physical_type *list, uint32_t n,
			      imapi_media_physical_type **types, uint32_t *count);

/* Marks the object busy (one burn at a time): S_OK, or `in_progress`.  The cancel flag
 * is cleared and t0 set. */
hresult_t eng_fmt_begin(struct eng_fmt *b, hresult_t in_progress);
void eng_fmt_end(struct eng_fmt *b);
/* Cancel: S_OK (the running WriteSection is cancelled, later steps see the flag), or
 * `not_running`. */
hresult_t eng_fmt_cancel(struct eng_fmt *b, hresult_t not_running);
/* E_IMAPI_REQUEST_CANCELLED once a cancel came, else S_OK. */
hresult_t eng_fmt_check(struct eng_fmt *b);

/* One WriteSection of `blocks` blocks of `bps` bytes from lba through a new write
 * engine on r, with the requested speed and the Update handler fn(user); *written gets
 * the blocks the drive acknowledged. */
hresult_t eng_fmt_write(struct eng_fmt *b, disc_recorder_ex *r, imapi_stream *data,
			int32_t lba, int32_t blocks, int32_t bps, write_engine_update_fn fn,
			void *user, int32_t *written);

/* The members every format has, defined once for each (`disc_format2_data`,
 * `disc_format2_tao`, ...): PREFIX is the function prefix, T the object type (holding
 * `struct eng_fmt b`), NOREC the format's HRESULT without a recorder, BUSY its HRESULT
 * while it burns, INVALID its HRESULT for a bad ClientName. */
#define ENG_FMT_NAME_MEMBERS(PREFIX, T, BUSY, INVALID)                                   \
	hresult_t PREFIX##_get_recorder(T *f, disc_recorder_ex **out)                    \
	{                                                                               \
		return f ? eng_fmt_get_recorder(&f->b, out) : E_POINTER;                \
	}                                                                               \
	hresult_t PREFIX##_put_client_name(T *f, const char *value)                      \
	{                                                                               \
		if (!f)                                                                 \
			return E_POINTER;                                               \
		if (atomic_load(&f->b.busy))                                            \
			return BUSY;                                                    \
		return eng_fmt_put_client_name(&f->b, value, INVALID);                  \
	}                                                                               \
	hresult_t PREFIX##_get_client_name(T *f, char **value)                           \
	{                                                                               \
		return f ? eng_fmt_get_client_name(&f->b, value) : E_POINTER;           \
	}

#define ENG_FMT_MEDIA_MEMBERS(PREFIX, T, NOREC)                                          \
	hresult_t PREFIX##_get_current_physical_media_type(T *f,                         \
			imapi_media_physical_type *value)                               \
	{                                                                               \
		return f ? eng_fmt_physical_type(&f->b, NOREC, value) : E_POINTER;      \
	}                                                                               \
	hresult_t PREFIX##_get_media_physically_blank(T *f, int *value)                  \
	{                                                                               \
		return f ? eng_fmt_physically_blank(&f->b, NOREC, value) : E_POINTER;   \
	}                                                                               \
	hresult_t PREFIX##_get_media_heuristically_blank(T *f, int *value)               \
	{                                                                               \
		return f ? eng_fmt_heuristically_blank(&f->b, NOREC, value) : E_POINTER; \
	}

#define ENG_FMT_SPEED_MEMBERS(PREFIX, T, NOREC, BUSY)                                    \
	hresult_t PREFIX##_set_write_speed(T *f, int32_t requested_sectors_per_second,   \
					   int rotation_type_is_pure_cav)                \
	{                                                                               \
		if (!f)                                                                 \
			return E_POINTER;                                               \
		if (atomic_load(&f->b.busy))                                            \
			return BUSY;                                                    \
		return eng_fmt_set_write_speed(&f->b, requested_sectors_per_second,     \
					       rotation_type_is_pure_cav);              \
	}                                                                               \
	hresult_t PREFIX##_get_requested_write_speed(T *f, int32_t *value)               \
	{                                                                               \
		if (!f || !value)                                                       \
			return E_POINTER;                                               \
		*value = f->b.speed;                                                    \
		return S_OK;                                                            \
	}                                                                               \
	hresult_t PREFIX##_get_requested_rotation_type_is_pure_cav(T *f, int *value)     \
	{                                                                               \
		if (!f || !value)                                                       \
			return E_POINTER;                                               \
		*value = f->b.pure_cav ? IMAPI_VARIANT_TRUE : IMAPI_VARIANT_FALSE;      \
		return S_OK;                                                            \
	}                                                                               \
	/* SET STREAMING carries no rotation: the requested one is what there is. */    \
	hresult_t PREFIX##_get_current_rotation_type_is_pure_cav(T *f, int *value)       \
	{                                                                               \
		return PREFIX##_get_requested_rotation_type_is_pure_cav(f, value);      \
	}                                                                               \
	hresult_t PREFIX##_get_current_write_speed(T *f, int32_t *value)                 \
	{                                                                               \
		return f ? eng_fmt_current_speed(&f->b, NOREC, value) : E_POINTER;      \
	}                                                                               \
	hresult_t PREFIX##_get_supported_write_speeds(T *f, int32_t **speeds,            \
						      uint32_t *count)                   \
	{                                                                               \
		return f ? eng_fmt_speeds(&f->b, NOREC, speeds, count) : E_POINTER;     \
	}                                                                               \
	hresult_t PREFIX##_get_supported_write_speed_descriptors(T *f,                   \
			imapi_write_speed_descriptor **descriptors, uint32_t *count)    \
	{                                                                               \
		return f ? eng_fmt_speed_descriptors(&f->b, NOREC, descriptors, count)  \
			 : E_POINTER;                                                   \
	}

/* The timeline (writeengine.h): put_ attaches it (a reference) or detaches it (NULL);
 * the write engine of each WriteSection gets it.  eng_fmt_stage: a stage began (an
 * event when it differs from the last), eng_fmt_profile: the probed medium;
 * eng_fmt_outcome: the result of a Write, PrepareMedia, AddAudioTrack, ... : a failure
 * outside a WriteSection (which records its own) is a FAULT event with the recorder's
 * last sense, a cancel a note. */
hresult_t eng_fmt_put_timeline(struct eng_fmt *b, imapi_timeline *tl);
void eng_fmt_stage(struct eng_fmt *b, int32_t code, const char *name);
void eng_fmt_profile(struct eng_fmt *b, int profile);
void eng_fmt_outcome(struct eng_fmt *b, hresult_t hr, disc_recorder_ex *r);

#define ENG_FMT_TIMELINE_MEMBERS(PREFIX, T, BUSY)                                        \
	hresult_t PREFIX##_put_timeline(T *f, imapi_timeline *tl)                        \
	{                                                                               \
		if (!f)                                                                 \
			return E_POINTER;                                               \
		if (atomic_load(&f->b.busy))                                            \
			return BUSY;                                                    \
		return eng_fmt_put_timeline(&f->b, tl);                                 \
	}

/* Extension: WRITEs a burn keeps in flight (write_engine_put_queue_depth; 1 as
 * IMAPI2, which sends one at a time). */
#define ENG_FMT_QUEUE_DEPTH_MEMBERS(PREFIX, T, BUSY)                                     \
	hresult_t PREFIX##_put_queue_depth(T *f, int32_t value)                          \
	{                                                                               \
		if (!f)                                                                 \
			return E_POINTER;                                               \
		if (value < 1 || value > WRITE_ENGINE_QUEUE_DEPTH_MAX)                  \
			return E_INVALIDARG;                                            \
		if (atomic_load(&f->b.busy))                                            \
			return BUSY;                                                    \
		f->b.queue_depth = value;                                               \
		return S_OK;                                                            \
	}                                                                               \
	hresult_t PREFIX##_get_queue_depth(T *f, int32_t *value)                         \
	{                                                                               \
		if (!f || !value)                                                       \
			return E_POINTER;                                               \
		*value = f->b.queue_depth;                                              \
		return S_OK;                                                            \
	}

/* Remaining seconds of a stage from what is done of it so far at elapsed seconds. */
int32_t eng_fmt_remaining(double elapsed, int64_t done, int64_t total);

#endif
