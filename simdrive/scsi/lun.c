/* simdrive/scsi/lun.c - the logical unit as the command sets see it: its disc (one
 * model for every disc, recorder.h: recordable, a read-only view of an image, or a
 * read-only disc over an ISO file), tray, unit attentions and events, and the drive
 * around the disc - its virtual time (drivetime.h), speeds and the mode pages that
 * describe them.  It calls the drive model below and nothing of the command sets or of
 * dispatch (device-private.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "device-private.h"
#include "log.h"
#include "recorder.h"
#include "wire.h"

/* ---- medium state, unit attentions, events ------------------------------------- */

static bool sim_lun_has_disc(const struct sim_lun *lun)
{
	return lun && lun->disc;
}

bool sim_lun_ready(const struct sim_lun *lun)
{
	return sim_lun_has_disc(lun) && lun->tray == SIM_TRAY_CLOSED;
}

static const char *sim_lun_disc_name(const struct sim_lun *lun)
{
	return lun->disc ? rec_medium(lun->disc)->name : "empty";
}

struct sim_sense sim_lun_not_ready_sense(const struct sim_lun *lun)
{
	return lun->tray == SIM_TRAY_OPEN ? SIM_SENSE_MEDIUM_NOT_PRESENT_TRAY_OPEN
					  : SIM_SENSE_MEDIUM_NOT_PRESENT_TRAY_CLOSED;
}

bool sim_lun_prevented(const struct sim_dev *dev, size_t lun_index)
{
	for (const struct sim_nexus *n = dev->nexuses; n; n = n->next)
		if (n->itl[lun_index].prevent)
			return true;
	return false;
}

void sim_ua_raise(struct sim_itl *itl, struct sim_sense s)
{
	/* A reset supersedes whatever was queued (SAM-5 §5.14: the initiator has to
	 * rediscover everything anyway). */
	if (s.asc == 0x29) {
		itl->ua[0] = s;
		itl->nua = 1;
		return;
	}
	for (unsigned i = 0; i < itl->nua; i++)
		if (itl->ua[i].asc == s.asc && itl->ua[i].ascq == s.ascq)
			return;
	if (itl->nua < SIM_UA_MAX)
		itl->ua[itl->nua++] = s;
}

bool sim_ua_pop(struct sim_itl *itl, struct sim_sense *out)
{
	if (itl->nua == 0)
		return false;
	*out = itl->ua[0];
	memmove(itl->ua, itl->ua + 1, (itl->nua - 1) * sizeof(itl->ua[0]));
	itl->nua--;
	return true;
}

void sim_ua_raise_others(struct sim_dev *dev, size_t lun_index,
			 const struct sim_nexus *except, struct sim_sense s)
{
	for (struct sim_nexus *n = dev->nexuses; n; n = n->next)
		if (n != except)
			sim_ua_raise(&n->itl[lun_index], s);
}

void sim_media_event_all(struct sim_dev *dev, size_t lun_index, enum sim_media_event ev)
{
	for (struct sim_nexus *n = dev->nexuses; n; n = n->next)
		n->itl[lun_index].media_event = (uint8_t)ev;
}

void sim_lun_encode(uint8_t out[8], uint16_t lun)
{
	memset(out, 0, 8);
	if (lun < 256) {
		out[1] = (uint8_t)lun;			/* peripheral device addressing */
	} else {
		out[0] = (uint8_t)(0x40 | (lun >> 8));	/* flat space addressing */
		out[1] = (uint8_t)lun;
	}
}

/* The tray moves (START STOP UNIT, the operator, an eject fault).  Opening reports a
 * media removal event; closing over a disc raises 06/28/00 for every nexus but `by`
 * (the loading nexus saw the load complete) and a new-media event (MMC-6 §6.7). */
void sim_lun_move_tray(struct sim_dev *dev, size_t li, bool open, const struct sim_nexus *by)
{
	struct sim_lun *lun = &dev->luns[li];
	if (open) {
		if (lun->tray == SIM_TRAY_OPEN)
			return;
		lun->tray = SIM_TRAY_OPEN;
		if (sim_lun_has_disc(lun))
			sim_media_event_all(dev, li, SIM_MEV_MEDIA_REMOVAL);
		SIM_INFO(SIM_LOGS_SCSI, "lun %u: tray opened", lun->lun);
		return;
	}
	if (lun->tray == SIM_TRAY_CLOSED)
		return;
	lun->tray = SIM_TRAY_CLOSED;
	if (sim_lun_has_disc(lun)) {
		sim_ua_raise_others(dev, li, by, SIM_SENSE_MEDIUM_MAY_HAVE_CHANGED);
		sim_media_event_all(dev, li, SIM_MEV_NEW_MEDIA);
	}
	SIM_INFO(SIM_LOGS_SCSI, "lun %u: tray closed, %s", lun->lun, sim_lun_disc_name(lun));
}

/* ---- the drive's speeds (personality.h) ------------------------------------------ */

const struct sim_speed_table *sim_lun_speed_table(const struct sim_lun *lun)
{
	return &lun->pers.speeds[rec_medium(lun->disc)->family];
}

unsigned sim_lun_nspeeds(const struct sim_speed_table *t)
{
	unsigned n = 0;
	while (n < SIM_PERS_MAX_SPEEDS && t->x10[n])
		n++;
	return n;
}

uint32_t sim_lun_kbps(const struct sim_lun *lun, double x10)
{
	return (uint32_t)(x10 * sim_family_kbps_1x(rec_medium(lun->disc)->family) / 10.0);
}

uint16_t sim_lun_speed_select(const struct sim_lun *lun, uint32_t want_kbps)
{
	const struct sim_speed_table *t = sim_lun_speed_table(lun);
	unsigned n = sim_lun_nspeeds(t);

	if (n == 0)
		return 10;
	if (want_kbps == 0)
		return t->x10[0];
	for (unsigned i = 0; i < n; i++)
		if (sim_lun_kbps(lun, t->x10[i]) <= want_kbps)
			return t->x10[i];
	return t->x10[n - 1];
}

/* Current write speed of a recorder LUN in kB/s (the SET CD SPEED / SET STREAMING
 * selection rounded down to the medium's table, or its maximum); 0 on other LUNs. */
static uint32_t sim_lun_write_speed(const struct sim_lun *lun)
{
	if (!lun->recorder)
		return 0;
	return sim_lun_kbps(lun, sim_lun_speed_select(lun, lun->write_kbps));
}

/* ---- the drive's time (drivetime.h, doc/simdrive-time.md) ------------------------- */

/* Conditions of the drive's mechanics (doc/simdrive-time.md). */
#define LUN_SENSE_LONG_WRITE_IN_PROGRESS SIM_SENSE(0x2, 0x04, 0x08)
#define LUN_SENSE_FORMAT_IN_PROGRESS     SIM_SENSE(0x2, 0x04, 0x04)

void sim_lun_dt_config(struct sim_lun *lun)
{
	struct sim_dt_drive *dt = &lun->dt;
	const struct rec_media *m = rec_medium(lun->disc);
	const struct sim_speed_table *t = sim_lun_speed_table(lun);
	unsigned n = sim_lun_nspeeds(t);

	dt->speed.kbps_1x = sim_family_kbps_1x(m->family);
	dt->speed.frame_bytes = m->family == REC_CD ? 2352 : 2048;
	dt->speed.fast_x10 = n ? t->x10[0] : 10;
	dt->speed.slow_x10 = n ? t->x10[n - 1] : 10;
	dt->speed.cav = t->rotation == SIM_ROT_CAV;
	dt->speed.capacity = rec_state(lun->disc)->capacity;
	dt->speed.sel_x10 = sim_lun_speed_select(lun, lun->write_kbps);
	dt->buffer_bytes = lun->pers.buffer_bytes[m->family];
	dt->underrun_free = rec_underrun_free(lun->disc);
	dt->detect_underrun = dt->clock && dt->clock->scale > 0.0;
}

uint64_t sim_lun_dt_now(struct sim_dev *dev, struct sim_lun *lun)
{
	struct sim_dt_drive *dt = &lun->dt;
	uint64_t now = sim_dt_now(&dev->clock);

	switch (sim_dt_advance(dt, now)) {
	case SIM_DT_EV_UNDERRUN:
		SIM_INFO(SIM_LOGS_SCSI, "lun %u: buffer underrun at LBA %.0f (%.3f s): recording "
			 "paused, underrun-free (%" PRIu64 " so far)", lun->lun, dt->underrun_lba,
			 (double)dt->underrun_at / 1e6, dt->underruns);
		break;
	case SIM_DT_EV_LOSS_OF_STREAMING:
		SIM_INFO(SIM_LOGS_SCSI, "lun %u: buffer underrun at LBA %.0f (%.3f s) without BUFE: "
			 "loss of streaming, WRITEs fail until the track is ended", lun->lun,
			 dt->underrun_lba, (double)dt->underrun_at / 1e6);
		break;
	case SIM_DT_EV_NONE:
		break;
	}
	sim_lun_dt_config(lun);
	return now;
}

static struct sim_sense sim_lun_op_sense(enum sim_dt_op op)
{
	return op == SIM_DT_OP_BLANK || op == SIM_DT_OP_FORMAT ? LUN_SENSE_FORMAT_IN_PROGRESS
							       : LUN_SENSE_LONG_WRITE_IN_PROGRESS;
}

bool sim_lun_busy(struct sim_dev *dev, struct sim_lun *lun, struct sim_sense *s,
		  uint16_t *progress)
{
	if (!lun || !lun->recorder)
		return false;
	uint64_t now = sim_lun_dt_now(dev, lun);
	enum sim_dt_op op = sim_dt_op_busy(&lun->dt, now);
	if (op == SIM_DT_OP_NONE)
		return false;
	*s = sim_lun_op_sense(op);
	*progress = sim_dt_progress(&lun->dt, now);
	return true;
}

/* ---- mode pages of the drive ----------------------------------------------------- */

size_t sim_lun_page2a(const struct sim_lun *lun, int pc, uint8_t *p)
{
	const struct sim_speed_table *t = sim_lun_speed_table(lun);
	unsigned n = sim_lun_nspeeds(t);
	uint8_t rot = t->rotation == SIM_ROT_CAV ? 0x01 : 0x00;

	memset(p + 32, 0, 4 * n);
	p[1] = (uint8_t)(0x1e + 4 * n);
	if (pc == 1)			/* changeable: nothing */
		return 32 + 4 * n;
	p[4] |= 0x80;			/* BUF: underrun-free recording (BUFE) */
	uint32_t kib = lun->pers.buffer_bytes[rec_medium(lun->disc)->family] / 1024;
	wire_put_be16(p + 12, kib > 0xffff ? 0xffff : (uint16_t)kib);
	/* 16-bit kB/s fields: BD speeds saturate. */
	uint32_t max = n ? sim_lun_kbps(lun, t->x10[0]) : 0, cur = sim_lun_write_speed(lun);
	wire_put_be16(p + 18, max > 0xffff ? 0xffff : (uint16_t)max);	/* obsolete */
	wire_put_be16(p + 20, cur > 0xffff ? 0xffff : (uint16_t)cur);	/* obsolete */
	p[27] = rot;			/* rotation control selected */
	wire_put_be16(p + 28, cur > 0xffff ? 0xffff : (uint16_t)cur);
	wire_put_be16(p + 30, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		uint32_t k = sim_lun_kbps(lun, t->x10[i]);
		p[32 + 4 * i + 1] = rot;
		wire_put_be16(p + 32 + 4 * i + 2, k > 0xffff ? 0xffff : (uint16_t)k);
	}
	return 32 + 4 * n;
}

size_t sim_lun_page05(const struct sim_lun *lun, int pc, uint8_t *p)
{
	if (!lun->recorder || pc < 0 || pc > 2)
		return 0;
	return rec_page05(lun->disc, (enum rec_page_control)pc, p);
}

struct sim_sense sim_lun_page05_select(struct sim_dev *dev, struct sim_lun *lun,
				       const uint8_t *page, size_t len)
{
	rec_set_time(lun->disc, sim_dt_now(&dev->clock));
	return rec_page05_select(lun->disc, page, len);
}

/* ---- the disc in the drive ------------------------------------------------------- */

/* The read-only drive: what an ISO LUN (or an empty one) has always been, a DVD-ROM /
 * CD-ROM reader (doc/simdrive-scsi.md).  Its profiles and features come from the same
 * tables as a recorder's, through this list of media it reads. */
static void sim_lun_reader(struct sim_personality *p)
{
	static const char *const rom[] = { "dvd-rom", "cd-rom" };
	memset(p->media, 0, sizeof(p->media));
	for (size_t i = 0; i < sizeof(rom) / sizeof(rom[0]); i++)
		snprintf(p->media[i], sizeof(p->media[i]), "%s", rom[i]);
	p->nmedia = sizeof(rom) / sizeof(rom[0]);
	p->write_types = 0;
}

static bool sim_lun_recordable(const char *media)
{
	const struct rec_media *m = media ? rec_media_lookup(media) : NULL;
	return m && m->writable;
}

int sim_lun_open(struct sim_lun *lun, const struct sim_lun_cfg *lc, struct dl_pool *pool,
		 char *err, size_t errlen)
{
	const char *media = lc->media ? lc->media : (lc->file ? "dvd-rom" : "none");
	/* Level 1 as rec_disc_new's default, its workers those of the shared pool. */
	const struct dl_writer_opts shared = { .level = 1, .pool = pool };
	struct rec_config cfg = {
		.media = media, .capacity = lc->capacity, .image = lc->image,
		.writer = pool ? &shared : NULL,
		.write_types = lun->pers.write_types,
		.vtime_us = lun->dt.clock ? sim_dt_now(lun->dt.clock) : 0,
	};

	if (rec_media_lookup(media) && !sim_personality_has_medium(&lun->pers, media)) {
		snprintf(err, errlen, "drive %s (%s %s) does not take %s media",
			 lun->pers.name, lun->pers.vendor, lun->pers.product, media);
		return -1;
	}
	if (sim_lun_recordable(media) && lc->file) {
		snprintf(err, errlen, "media %s is recordable: it takes image=, not file=", media);
		return -1;
	}
	if (!sim_lun_recordable(media) && !(lc->image && !lc->file)) {
		/* The read-only drive: an ISO file (dvd-rom, cd-rom) or an empty tray. */
		if (lc->capacity || lc->image) {
			snprintf(err, errlen, "capacity= needs recordable media, and image= "
				 "does not go with file= (got %s)", media);
			return -1;
		}
		if (strcmp(media, "none") == 0) {
			if (lc->file) {
				snprintf(err, errlen, "media none takes no file (got %s)", lc->file);
				return -1;
			}
		} else if (strcmp(media, "dvd-rom") != 0 && strcmp(media, "cd-rom") != 0) {
			snprintf(err, errlen, "unknown media '%s' (dvd-rom, cd-rom, none, or "
				 "recordable: cd-r, cd-r80, cd-rw, dvd-r, dvd-rw, dvd+r, dvd+r-dl, "
				 "dvd+rw, bd-r, bd-re)", media);
			return -1;
		} else if (!lc->file) {
			snprintf(err, errlen, "media %s needs a file", media);
			return -1;
		}
		sim_lun_reader(&lun->pers);
		lun->recorder = false;
		if (!lc->file)
			return 0;
		cfg.file = lc->file;
		lun->disc = rec_disc_new(&cfg, err, errlen);
		return lun->disc ? 0 : -1;
	}
	/* A recordable disc, or a read-only view (cd-rom, dvd-rom, bd-rom) of a disclog
	 * image - e.g. one made by `disclog import` from an ISO: a recorder LUN. */
	sim_dt_drive_init(&lun->dt, cfg.vtime_us);
	lun->disc = rec_disc_new(&cfg, err, errlen);
	if (!lun->disc)
		return -1;
	lun->recorder = true;
	sim_lun_dt_config(lun);
	return 0;
}

void sim_lun_close(struct sim_lun *lun)
{
	if (lun->disc) {
		if (lun->dt.clock)
			rec_set_time(lun->disc, sim_dt_now(lun->dt.clock));
		rec_disc_free(lun->disc);
	}
	lun->disc = NULL;
}
