/* engine/format-data.c - IDiscFormat2Data (discformat2.h; doc/engine-format.md).
 *
 * A Write runs IMAPI2's stages on top of the write engine: validate the medium
 * (media.c), format an unformatted overwritable disc, set page 05h from the burn policy
 * (mmccdb.h: mcc_data_plan, mcc_p05_for_data), RESERVE TRACK for a DVD-R DAO burn, one
 * WriteSection of the whole stream at the NWA (or LBA 0), SYNCHRONIZE CACHE and the
 * close the policy names (mcc_close_plan), then read back and compare.
 *
 * Verification compares CRC-32s (zlib) of 64 KiB chunks taken while the stream is
 * written with CRC-32s of what READ(10) returns: the stream is read once, so nothing
 * but 4 bytes per chunk is kept (1.5 MB for a full BD-R). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/crc.h>
#endif

#include "discformat2.h"
#include "format-base.h"
#include "media.h"
#include "recorder-private.h"
#include "stream-private.h"

enum {
	SECTOR = 2048,
	CHUNK_SECTORS = 32,		/* verification granularity: 64 KiB */
	CHUNK_BYTES = CHUNK_SECTORS * SECTOR,
	QUICK_SAMPLES = 64,		/* chunks a QUICK verification reads */
	EVENT_INTERVAL_MS = 500,
};

struct disc_format2_data {
	atomic_int refs;
	struct eng_fmt b;		/* recorder, client name, speed, busy/cancel */
	disc_format2_data_update_fn fn;
	void *user;
	int postgap, force_close, disable_compat, force_overwrite;
	imapi_burn_verification_level verify;
	disc_format2_data_result result;
};

static int vb(int v) { return v ? IMAPI_VARIANT_TRUE : IMAPI_VARIANT_FALSE; }

hresult_t disc_format2_data_create(disc_format2_data **out)
{
	if (!out)
		return E_POINTER;
	disc_format2_data *f = calloc(1, sizeof(*f));
	if (!f)
		return E_OUTOFMEMORY;
	atomic_init(&f->refs, 1);
	eng_fmt_init(&f->b);
	f->verify = IMAPI_BURN_VERIFICATION_QUICK;
	f->result.mismatch_lba = -1;
	f->result.write_type = 0xff;	/* no page 05h sent (yet) */
	*out = f;
	return S_OK;
}

void disc_format2_data_addref(disc_format2_data *f)
{
	if (f)
		atomic_fetch_add(&f->refs, 1);
}

void disc_format2_data_release(disc_format2_data *f)
{
	if (!f || atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	eng_fmt_fini(&f->b);
	free(f);
}

hresult_t disc_format2_data_advise(disc_format2_data *f, disc_format2_data_update_fn fn,
				   void *user)
{
	if (!f)
		return E_POINTER;
	pthread_mutex_lock(&f->b.lock);
	f->fn = fn;
	f->user = user;
	pthread_mutex_unlock(&f->b.lock);
	return S_OK;
}

/* ---- properties --------------------------------------------------------------------- */

/* A put_ of a VARIANT_BOOL: refused during a Write. */
static hresult_t put_flag(disc_format2_data *f, int *field, int value)
{
	if (!f)
		return E_POINTER;
	if (atomic_load(&f->b.busy))
		return E_IMAPI_DF2DATA_WRITE_IN_PROGRESS;
	pthread_mutex_lock(&f->b.lock);
	*field = value != 0;
	pthread_mutex_unlock(&f->b.lock);
	return S_OK;
}

static hresult_t get_flag(disc_format2_data *f, const int *field, int *value)
{
	if (!f || !value)
		return E_POINTER;
	*value = vb(*field);
	return S_OK;
}

#define FLAG_PROPERTY(name, field)                                                      \
	hresult_t disc_format2_data_put_##name(disc_format2_data *f, int value)          \
	{                                                                               \
		return put_flag(f, f ? &f->field : NULL, value);                        \
	}                                                                               \
	hresult_t disc_format2_data_get_##name(disc_format2_data *f, int *value)         \
	{                                                                               \
		return get_flag(f, f ? &f->field : NULL, value);                        \
	}

FLAG_PROPERTY(buffer_underrun_free_disabled, b.bufe_disabled)
FLAG_PROPERTY(postgap_already_in_image, postgap)
FLAG_PROPERTY(force_media_to_be_closed, force_close)
FLAG_PROPERTY(disable_consumer_dvd_compatibility_mode, disable_compat)
FLAG_PROPERTY(force_overwrite, force_overwrite)

hresult_t disc_format2_data_put_recorder(disc_format2_data *f, disc_recorder_ex *recorder)
{
	if (!f)
		return E_POINTER;
	if (atomic_load(&f->b.busy))
		return E_IMAPI_DF2DATA_WRITE_IN_PROGRESS;
	return eng_fmt_put_recorder(&f->b, recorder);
}

hresult_t disc_format2_data_put_burn_verification_level(disc_format2_data *f,
		imapi_burn_verification_level value)
{
	if (!f)
		return E_POINTER;
	if ((unsigned)value > IMAPI_BURN_VERIFICATION_FULL)
		return E_INVALIDARG;
	if (atomic_load(&f->b.busy))
		return E_IMAPI_DF2DATA_WRITE_IN_PROGRESS;
	f->verify = value;
	return S_OK;
}

hresult_t disc_format2_data_get_burn_verification_level(disc_format2_data *f,
		imapi_burn_verification_level *value)
{
	if (!f || !value)
		return E_POINTER;
	*value = f->verify;
	return S_OK;
}

hresult_t disc_format2_data_get_result(disc_format2_data *f, disc_format2_data_result *out)
{
	if (!f || !out)
		return E_POINTER;
	pthread_mutex_lock(&f->b.lock);
	*out = f->result;
	pthread_mutex_unlock(&f->b.lock);
	return S_OK;
}

/* The members every format has (format-base.h). */
ENG_FMT_NAME_MEMBERS(disc_format2_data, disc_format2_data,
	E_IMAPI_DF2DATA_WRITE_IN_PROGRESS, E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID)
ENG_FMT_MEDIA_MEMBERS(disc_format2_data, disc_format2_data,
	E_IMAPI_RECORDER_REQUIRED)
ENG_FMT_SPEED_MEMBERS(disc_format2_data, disc_format2_data,
	E_IMAPI_RECORDER_REQUIRED, E_IMAPI_DF2DATA_WRITE_IN_PROGRESS)
ENG_FMT_TIMELINE_MEMBERS(disc_format2_data, disc_format2_data, E_IMAPI_DF2DATA_WRITE_IN_PROGRESS)
ENG_FMT_QUEUE_DEPTH_MEMBERS(disc_format2_data, disc_format2_data, E_IMAPI_DF2DATA_WRITE_IN_PROGRESS)

/* ---- the medium --------------------------------------------------------------------- */

/* Probe through the format's recorder; E_IMAPI_RECORDER_REQUIRED without one. */
static hresult_t probe(disc_format2_data *f, struct eng_media *m, disc_recorder_ex **rec)
{
	return f ? eng_fmt_probe(&f->b, E_IMAPI_RECORDER_REQUIRED, m, rec) : E_POINTER;
}

/* One int32 property of the probed medium. */
static hresult_t media_value(disc_format2_data *f, int32_t *value,
			     int32_t (*pick)(const struct eng_media *m, hresult_t *hr))
{
	if (!f || !value)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = probe(f, &m, NULL);
	if (IMAPI_FAILED(hr))
		return hr;
	*value = pick(&m, &hr);
	return hr;
}

static int32_t pick_state(const struct eng_media *m, hresult_t *hr)
{
	(void)hr;
	return eng_media_state(m);
}

static int32_t pick_protect(const struct eng_media *m, hresult_t *hr)
{
	(void)hr;
	return m->plan.supported ? 0 : IMAPI_WRITEPROTECTED_READ_ONLY_MEDIA;
}

static int32_t pick_total(const struct eng_media *m, hresult_t *hr)
{
	(void)hr;
	return m->total;
}

static int32_t pick_free(const struct eng_media *m, hresult_t *hr)
{
	(void)hr;
	return m->free;
}

static int32_t pick_nwa(const struct eng_media *m, hresult_t *hr)
{
	if (m->nwa < 0)
		*hr = E_IMAPI_DF2DATA_INVALID_MEDIA_STATE;
	return m->nwa;
}

static int32_t pick_prev_start(const struct eng_media *m, hresult_t *hr)
{
	(void)hr;
	return m->prev_start;
}

static int32_t pick_prev_last(const struct eng_media *m, hresult_t *hr)
{
	(void)hr;
	return m->prev_last;
}

hresult_t disc_format2_data_get_current_media_status(disc_format2_data *f, int32_t *value)
{
	return media_value(f, value, pick_state);
}

hresult_t disc_format2_data_get_write_protect_status(disc_format2_data *f, int32_t *value)
{
	return media_value(f, value, pick_protect);
}

hresult_t disc_format2_data_get_total_sectors_on_media(disc_format2_data *f, int32_t *value)
{
	return media_value(f, value, pick_total);
}

hresult_t disc_format2_data_get_free_sectors_on_media(disc_format2_data *f, int32_t *value)
{
	return media_value(f, value, pick_free);
}

hresult_t disc_format2_data_get_next_writable_address(disc_format2_data *f, int32_t *value)
{
	return media_value(f, value, pick_nwa);
}

hresult_t disc_format2_data_get_start_address_of_previous_session(disc_format2_data *f,
		int32_t *value)
{
	return media_value(f, value, pick_prev_start);
}

hresult_t disc_format2_data_get_last_written_address_of_previous_session(disc_format2_data *f,
		int32_t *value)
{
	return media_value(f, value, pick_prev_last);
}

hresult_t disc_format2_data_get_multisession_interfaces(disc_format2_data *f,
		imapi_multisession_sequential *out)
{
	if (!out)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = probe(f, &m, NULL);
	if (IMAPI_FAILED(hr))
		return hr;
	if (!m.plan.supported || !m.plan.sequential || !m.plan.multisession || m.nwa < 0)
		return E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED;
	out->is_first_data_session = vb(m.prev_start < 0);
	out->start_address_of_previous_session = m.prev_start;
	out->last_written_address_of_previous_session = m.prev_last;
	out->next_writable_address = m.nwa;
	out->free_sectors_on_media = m.free;
	return S_OK;
}

/* The profiles IMAPI2's data format writes (and this layer, through mcc_data_plan). */
static const imapi_media_physical_type data_media[] = {
	IMAPI_MEDIA_TYPE_CDR, IMAPI_MEDIA_TYPE_CDRW, IMAPI_MEDIA_TYPE_DVDPLUSR,
	IMAPI_MEDIA_TYPE_DVDPLUSRW, IMAPI_MEDIA_TYPE_DVDPLUSR_DUALLAYER,
	IMAPI_MEDIA_TYPE_DVDDASHR, IMAPI_MEDIA_TYPE_DVDDASHRW,
	IMAPI_MEDIA_TYPE_DVDDASHR_DUALLAYER, IMAPI_MEDIA_TYPE_DVDRAM,
	IMAPI_MEDIA_TYPE_DVDPLUSRW_DUALLAYER, IMAPI_MEDIA_TYPE_BDR, IMAPI_MEDIA_TYPE_BDRE,
};

hresult_t disc_format2_data_get_supported_media_types(disc_format2_data *f,
		imapi_media_physical_type **types, uint32_t *count)
{
	if (!f)
		return E_POINTER;
	return eng_fmt_media_types(data_media, sizeof(data_media) / sizeof(data_media[0]), types,
				   count);
}

/* A recorder can write data when it reports a write feature: Incremental Streaming
 * Writable (0021h), CD Track at Once (002Dh), DVD+R (002Bh), DVD+RW (002Ah), BD-R
 * (0041h), Random Writable (0020h), Restricted Overwrite (0026h) or DVD-R/-RW Write
 * (002Fh) (MMC-6 §5.3). */
hresult_t disc_format2_data_is_recorder_supported(disc_format2_data *f,
		disc_recorder_ex *recorder, int *value)
{
	static const int32_t writers[] = { 0x0020, 0x0021, 0x0026, 0x002A, 0x002B, 0x002D,
					   0x002F, 0x0041 };
	if (!f || !recorder || !value)
		return E_POINTER;
	bool ok = false;
	hresult_t hr = eng_media_recorder_has(recorder, writers,
					      sizeof(writers) / sizeof(writers[0]), &ok);
	*value = vb(ok);
	return hr;
}

hresult_t disc_format2_data_is_current_media_supported(disc_format2_data *f,
		disc_recorder_ex *recorder, int *value)
{
	if (!f || !recorder || !value)
		return E_POINTER;
	struct eng_media m;
	hresult_t hr = eng_media_probe(recorder, &m);
	*value = vb(IMAPI_SUCCEEDED(hr) && m.plan.supported &&
		    !(eng_media_state(&m) & IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MASK));
	return hr;
}

/* ---- Write ---------------------------------------------------------------------------- */

const char *disc_format2_data_write_action_name(imapi_format2_data_write_action a)
{
	static const char *const names[] = {
		[IMAPI_FORMAT2_DATA_WRITE_ACTION_VALIDATING_MEDIA] = "validating media",
		[IMAPI_FORMAT2_DATA_WRITE_ACTION_FORMATTING_MEDIA] = "formatting",
		[IMAPI_FORMAT2_DATA_WRITE_ACTION_INITIALIZING_HARDWARE] = "initializing hardware",
		[IMAPI_FORMAT2_DATA_WRITE_ACTION_CALIBRATING_POWER] = "calibrating power",
		[IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA] = "writing data",
		[IMAPI_FORMAT2_DATA_WRITE_ACTION_FINALIZATION] = "finalizing",
		[IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED] = "completed",
		[IMAPI_FORMAT2_DATA_WRITE_ACTION_VERIFYING] = "verifying",
	};
	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "unknown";
}

static void emit(disc_format2_data *f, imapi_format2_data_write_action action,
		 const write_engine_event_args *engine, int32_t done, int32_t total)
{
	eng_fmt_stage(&f->b, action, disc_format2_data_write_action_name(action));
	pthread_mutex_lock(&f->b.lock);
	disc_format2_data_update_fn fn = f->fn;
	void *user = f->user;
	pthread_mutex_unlock(&f->b.lock);
	if (!fn)
		return;
	disc_format2_data_event_args a;
	memset(&a, 0, sizeof(a));
	if (engine)
		a.engine = *engine;
	double el = eng_media_now() - f->b.t0;
	a.elapsed_time = (int32_t)el;
	/* Remaining: the rate so far applied to what is left of this stage. */
	a.remaining_time = eng_fmt_remaining(el, done, total);
	a.total_time = a.elapsed_time + a.remaining_time;
	a.current_action = action;
	fn(f, &a, user);
}

static void on_engine_update(write_engine *we, const write_engine_event_args *p, void *user)
{
	(void)we;
	disc_format2_data *f = user;
	emit(f, IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA, p,
	     p->last_written_lba - p->start_lba + 1, p->sector_count);
}

/* CRC-32 (the gzip/zlib one) of a chunk: ISA-L's folding code when the build has it,
 * several times zlib's speed; the values are the same (doc/engine-format.md 7). */
static uint32_t chunk_crc(uint32_t crc, const uint8_t *p, uint32_t n)
{
#ifdef HAVE_ISAL
	return crc32_gzip_refl(crc, p, n);
#else
	return (uint32_t)crc32(crc, p, n);
#endif
}

/* The data stream seen through a CRC-32 per 64 KiB chunk. */
struct crc_stream {
	imapi_stream *inner;
	uint32_t *crc;
	uint64_t pos, bytes;
};

static hresult_t crc_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	struct crc_stream *c = ctx;
	hresult_t hr = eng_stream_read_full(c->inner, buf, len, got);
	const uint8_t *p = buf;
	uint32_t left = IMAPI_SUCCEEDED(hr) ? *got : 0;
	while (left > 0) {
		uint64_t chunk = c->pos / CHUNK_BYTES;
		uint32_t room = (uint32_t)((chunk + 1) * CHUNK_BYTES - c->pos);
		uint32_t n = left < room ? left : room;
		if (c->pos < c->bytes)
			c->crc[chunk] = chunk_crc(c->crc[chunk], p, n);
		c->pos += n;
		p += n;
		left -= n;
	}
	return hr;
}

struct p05_arg {
	const struct mcc_data_plan *plan;
	bool dao, next_session, bufe;
};

static void set_p05(uint8_t *page, const void *arg)
{
	const struct p05_arg *a = arg;
	mcc_p05_for_data(page, a->plan, a->dao, a->next_session, a->bufe);
}

/* DVD+R and DVD+R DL: how IMAPI2 closes them (its DisableConsumerDvdCompatibilityMode
 * table): compatible close unless disabled; with it disabled, ForceMediaToBeClosed
 * decides on DVD+R, and a DVD+R DL is always finalized. */
static bool finalize_disc(const disc_format2_data *f, int profile)
{
	if (profile == 0x001B || profile == 0x002B)
		return !f->disable_compat || f->force_close || profile == 0x002B;
	return f->force_close;
}

/* Chunks [c, c + nc) of the track at start in one READ(10), each against its CRC:
 * S_OK; the failure of a lost drive (timeout, session gone); or
 * E_IMAPI_BURN_VERIFICATION_FAILED - a block the drive cannot read back fails like one
 * that reads back wrong. */
static hresult_t check_chunks(disc_recorder_ex *r, int32_t start, int32_t blocks, uint32_t c,
			      uint32_t nc, const uint32_t *crc, uint8_t *buf)
{
	int32_t lba = start + (int32_t)(c * CHUNK_SECTORS);
	int32_t n = blocks - (int32_t)(c * CHUNK_SECTORS);
	if (n > (int32_t)(nc * CHUNK_SECTORS))
		n = (int32_t)(nc * CHUNK_SECTORS);
	uint32_t got = 0;
	hresult_t hr = eng_media_cmd(r, mcc_cdb_read10((uint32_t)lba, (uint16_t)n), ENG_MEDIA_IN,
				     buf, (uint32_t)n * SECTOR, 0, &got);
	if (hr == E_IMAPI_RECORDER_COMMAND_TIMEOUT || hr == IMAPI_E_WIN32_DEV_NOT_EXIST)
		return hr;
	if (IMAPI_FAILED(hr) || got != (uint32_t)n * SECTOR)
		return E_IMAPI_BURN_VERIFICATION_FAILED;
	for (uint32_t i = 0; i < nc; i++) {
		uint32_t off = i * CHUNK_BYTES;
		uint32_t len = got - off < CHUNK_BYTES ? got - off : CHUNK_BYTES;
		if (chunk_crc(0, buf + off, len) != crc[c + i])
			return E_IMAPI_BURN_VERIFICATION_FAILED;
	}
	return S_OK;
}

/* Read back and compare.  QUICK reads QUICK_SAMPLES chunks spread over the track
 * (always the first and the last); FULL every chunk, as many in one READ(10) as the
 * recorder's transfer limit allows, and a group that fails is read again chunk by
 * chunk, so the result names the same chunk either way.  A CRC names the chunk, not
 * the sector: its first LBA is reported. */
static hresult_t verify(disc_format2_data *f, disc_recorder_ex *r, int32_t start,
			int32_t blocks, const uint32_t *crc, bool full)
{
	uint32_t chunks = (uint32_t)((blocks + CHUNK_SECTORS - 1) / CHUNK_SECTORS);
	uint32_t samples = full || chunks <= QUICK_SAMPLES ? chunks : QUICK_SAMPLES;
	uint32_t per = full ? eng_rec_max_transfer(r) / CHUNK_BYTES : 1;
	if (per < 1)
		per = 1;
	uint8_t *buf = malloc((size_t)per * CHUNK_BYTES);
	if (!buf)
		return E_OUTOFMEMORY;
	hresult_t hr = S_OK;
	double last = 0;
	int32_t verified = 0, planned = (int32_t)samples * CHUNK_SECTORS;
	write_engine_event_args ev = { .start_lba = start, .sector_count = blocks };
	for (uint32_t k = 0; k < samples && IMAPI_SUCCEEDED(hr); k += per) {
		/* Sample k of samples, spread evenly from the first chunk to the last. */
		uint32_t c = samples == chunks ? k
			   : (uint32_t)((uint64_t)k * (chunks - 1) / (samples - 1));
		uint32_t nc = samples - k < per ? samples - k : per;
		hr = check_chunks(r, start, blocks, c, nc, crc, buf);
		uint32_t done = nc;	/* chunks read, the failing one included */
		if (hr == E_IMAPI_BURN_VERIFICATION_FAILED && nc > 1) {
			hr = S_OK;
			for (done = 0; done < nc && IMAPI_SUCCEEDED(hr); done++)
				hr = check_chunks(r, start, blocks, c + done, 1, crc, buf);
		}
		if (hr == E_IMAPI_BURN_VERIFICATION_FAILED)
			f->result.mismatch_lba = start + (int32_t)((c + done - 1) * CHUNK_SECTORS);
		if (IMAPI_SUCCEEDED(hr))
			hr = eng_fmt_check(&f->b);
		int32_t end = (int32_t)((c + done) * CHUNK_SECTORS);
		int32_t n = (end < blocks ? end : blocks) - (int32_t)(c * CHUNK_SECTORS);
		verified += n;
		f->result.verified = verified;
		double now = eng_media_now();
		if (now - last >= EVENT_INTERVAL_MS / 1000.0 || k + nc >= samples) {
			last = now;
			ev.last_read_lba = ev.last_written_lba = start + (int32_t)(c * CHUNK_SECTORS) + n - 1;
			emit(f, IMAPI_FORMAT2_DATA_WRITE_ACTION_VERIFYING, &ev, verified, planned);
		}
	}
	free(buf);
	return hr;
}

/* The stages of a Write, with the recorder held by the caller. */
static hresult_t run_write(disc_format2_data *f, disc_recorder_ex *r, imapi_stream *data,
			   int32_t blocks)
{
	struct eng_media m;
	emit(f, IMAPI_FORMAT2_DATA_WRITE_ACTION_VALIDATING_MEDIA, NULL, 0, 0);
	hresult_t hr = eng_media_probe(r, &m);
	if (IMAPI_FAILED(hr))
		return hr;
	if (m.profile == 0)
		return E_IMAPI_RECORDER_MEDIA_NO_MEDIA;
	eng_fmt_profile(&f->b, m.profile);
	if (!m.plan.supported)
		return E_IMAPI_DF2DATA_MEDIA_IS_NOT_SUPPORTED;
	int32_t state = eng_media_state(&m);
	if (state & IMAPI_FORMAT2_DATA_MEDIA_STATE_UNSUPPORTED_MASK)
		return E_IMAPI_DF2DATA_INVALID_MEDIA_STATE;
	if (!m.plan.sequential && !f->force_overwrite && m.format_state != 1 &&
	    !eng_media_heuristically_blank(r, &m))
		return E_IMAPI_DF2DATA_MEDIA_NOT_BLANK;
	if (m.nwa < 0)
		return E_IMAPI_DF2DATA_INVALID_MEDIA_STATE;
	if (blocks > m.free)
		return E_IMAPI_DF2DATA_STREAM_TOO_LARGE_FOR_CURRENT_MEDIA;
	if (IMAPI_FAILED(hr = eng_fmt_check(&f->b)))
		return hr;

	if (m.plan.needs_format && m.format_state == 1) {
		emit(f, IMAPI_FORMAT2_DATA_WRITE_ACTION_FORMATTING_MEDIA, NULL, 0, 0);
		if (IMAPI_FAILED(hr = eng_media_format(r, &m)))
			return hr;
	}

	emit(f, IMAPI_FORMAT2_DATA_WRITE_ACTION_INITIALIZING_HARDWARE, NULL, 0, 0);
	bool finalize = finalize_disc(f, m.profile);
	/* DVD-R/-RW: a blank disc burned in one closed session goes Disc-at-Once (the
	 * most compatible layout; MMC-6 §4.5.3); everything else incrementally. */
	bool dao = m.plan.dao_write_type != 0xff && m.di.status == 0 && finalize;
	f->result.write_type = 0xff;
	if (m.plan.page05) {
		struct p05_arg a = { &m.plan, dao, !finalize, !f->b.bufe_disabled };
		if (IMAPI_FAILED(hr = eng_media_edit_page05(r, set_p05, &a)))
			return hr;
		f->result.write_type = dao ? m.plan.dao_write_type : m.plan.write_type;
	}
	if (dao && IMAPI_FAILED(hr = eng_media_cmd(r, mcc_cdb_reserve_track((uint32_t)blocks),
						   ENG_MEDIA_NONE, NULL, 0, 0, NULL)))
		return hr;
	if (IMAPI_FAILED(hr = eng_fmt_check(&f->b)))
		return hr;

	/* Drives calibrate the laser (OPC) by themselves before the first WRITE; no
	 * command is sent for it ([PROJECT DECISION], doc/engine-format.md). */
	emit(f, IMAPI_FORMAT2_DATA_WRITE_ACTION_CALIBRATING_POWER, NULL, 0, 0);

	uint32_t chunks = (uint32_t)((blocks + CHUNK_SECTORS - 1) / CHUNK_SECTORS);
	struct crc_stream cs = { data, calloc(chunks, sizeof(uint32_t)), 0, (uint64_t)blocks * SECTOR };
	if (!cs.crc)
		return E_OUTOFMEMORY;
	for (uint32_t i = 0; i < chunks; i++)
		cs.crc[i] = 0;	/* the CRC-32 of nothing */
	const imapi_stream_ops ops = { .read = crc_read };
	imapi_stream *wrapped = NULL;
	hr = imapi_stream_from_ops(&ops, &cs, &wrapped);
	f->result.start_lba = m.nwa;
	if (IMAPI_SUCCEEDED(hr))
		hr = eng_fmt_write(&f->b, r, wrapped, m.nwa, blocks, SECTOR, on_engine_update, f,
				   &f->result.sectors);
	imapi_stream_release(wrapped);
	if (IMAPI_SUCCEEDED(hr))
		hr = eng_fmt_check(&f->b);

	if (IMAPI_SUCCEEDED(hr)) {
		emit(f, IMAPI_FORMAT2_DATA_WRITE_ACTION_FINALIZATION, NULL, 0, 0);
		/* A DAO burn is closed by the drive at SYNCHRONIZE CACHE (MMC-6 §4.5.3);
		 * an incremental or TAO track is closed, then the session. */
		int track = m.plan.sequential && !dao && m.have_last ? m.last.number : 0;
		if (dao)
			hr = eng_media_sync(r);
		else
			hr = eng_media_close(r, m.profile, track, finalize, !f->disable_compat,
					     &f->result.close_function);
	}
	if (IMAPI_SUCCEEDED(hr) && f->verify != IMAPI_BURN_VERIFICATION_NONE) {
		emit(f, IMAPI_FORMAT2_DATA_WRITE_ACTION_VERIFYING, NULL, 0, 0);
		hr = verify(f, r, m.nwa, blocks, cs.crc, f->verify == IMAPI_BURN_VERIFICATION_FULL);
	}
	free(cs.crc);
	return hr;
}

hresult_t disc_format2_data_write(disc_format2_data *f, imapi_stream *data)
{
	if (!f || !data)
		return E_POINTER;
	uint64_t bytes = 0;
	if (imapi_stream_get_size(data, &bytes) != S_OK || bytes == 0 || bytes % SECTOR ||
	    bytes / SECTOR > INT32_MAX)
		return E_IMAPI_DF2DATA_STREAM_NOT_SUPPORTED;
	hresult_t hr = eng_fmt_begin(&f->b, E_IMAPI_DF2DATA_WRITE_IN_PROGRESS);
	if (IMAPI_FAILED(hr))
		return hr;
	disc_recorder_ex *r = eng_fmt_recorder(&f->b);
	if (!r)
		hr = E_IMAPI_RECORDER_REQUIRED;
	else if (!f->b.client_name)
		hr = E_IMAPI_DF2DATA_CLIENT_NAME_IS_NOT_VALID;
	if (IMAPI_SUCCEEDED(hr)) {
		pthread_mutex_lock(&f->b.lock);
		memset(&f->result, 0, sizeof(f->result));
		f->result.mismatch_lba = -1;
		f->result.write_type = 0xff;
		pthread_mutex_unlock(&f->b.lock);
		eng_rec_lock(r);
		hr = run_write(f, r, data, (int32_t)(bytes / SECTOR));
		eng_fmt_outcome(&f->b, hr, r);
		eng_rec_unlock(r);
		f->result.seconds = eng_media_now() - f->b.t0;
		if (IMAPI_SUCCEEDED(hr))
			emit(f, IMAPI_FORMAT2_DATA_WRITE_ACTION_COMPLETED, NULL, 0, 0);
	}
	disc_recorder_ex_release(r);
	eng_fmt_end(&f->b);
	return hr;
}

hresult_t disc_format2_data_cancel_write(disc_format2_data *f)
{
	return f ? eng_fmt_cancel(&f->b, E_IMAPI_DF2DATA_WRITE_NOT_IN_PROGRESS) : E_POINTER;
}
