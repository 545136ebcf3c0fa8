/* tests/unit/test_recorder.c - the recordable disc model (simdrive/drive/recorder.c):
 * media table, blank discs, page 05h, write validation (one case per rule), close /
 * reserve / blank / format, cue sheets, reads, and whole recording sequences checked
 * against the state conventions of recorder.h and the image (disclog reader). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdsector.h"
#include "dlexport.h"
#include "recorder.h"
#include "unit.h"

static char tmpdir[PATH_MAX - 64];

static void rm_tmpdir(void)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static const char *tpath(const char *name)
{
	static char buf[PATH_MAX];
	if (!tmpdir[0]) {
		if (!unit_mkdtemp(tmpdir, sizeof(tmpdir), "rectest"))
			abort();
		atexit(rm_tmpdir);
	}
	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
	unlink(buf);
	return buf;
}

/* The drive's virtual time: given to the disc at creation, with every WRITE and before
 * a page 05h change (the disc keeps it for the operations that follow). */
static uint64_t fake_now = 1000;

static struct rec_disc *mk(const char *media, const char *image, uint32_t capacity)
{
	char err[256] = "";
	struct rec_config cfg = { .media = media, .capacity = capacity, .image = image,
				  .vtime_us = fake_now };
	struct rec_disc *d = rec_disc_new(&cfg, err, sizeof(err));
	if (!d)
		fprintf(stderr, "rec_disc_new: %s\n", err);
	return d;
}

#define SENSE_IS(s, k, a, q) do {                                              \
		struct sim_sense s_ = (s);                                      \
		CU_ASSERT_EQUAL(s_.key, (k));                                   \
		CU_ASSERT_EQUAL(s_.asc, (a));                                   \
		CU_ASSERT_EQUAL(s_.ascq, (q));                                  \
	} while (0)
#define GOOD(s) SENSE_IS((s), 0, 0, 0)

/* WRITE nblocks of bs bytes at lba; block i is filled with (fill + i). */
static struct sim_sense wr_ex(struct rec_disc *d, int32_t lba, uint32_t n, uint32_t bs, uint8_t fill,
			      bool streaming)
{
	size_t len = (size_t)n * bs;
	uint8_t *buf = malloc(len ? len : 1);
	for (uint32_t i = 0; i < n; i++)
		memset(buf + (size_t)i * bs, (uint8_t)(fill + i), bs);
	struct rec_write_req w = { .lba = lba, .nblocks = n, .data = buf, .len = len,
				   .opcode = streaming ? 0xaa : 0x2a, .streaming = streaming,
				   .vtime_us = fake_now };
	struct sim_sense s = rec_write(d, &w);
	free(buf);
	return s;
}

static struct sim_sense wr(struct rec_disc *d, int32_t lba, uint32_t n, uint32_t bs, uint8_t fill)
{
	return wr_ex(d, lba, n, bs, fill, false);
}

/* Change page 05h fields: write type, track mode, DBT, multi-session (-1 = keep). */
static struct sim_sense page(struct rec_disc *d, int wt, int tm, int dbt, int ms, int test)
{
	uint8_t p[52];
	rec_page05(d, REC_PC_CURRENT, p);
	if (wt >= 0) p[2] = (uint8_t)((p[2] & 0xf0) | wt);
	if (tm >= 0) p[3] = (uint8_t)((p[3] & 0xf0) | tm);
	if (dbt >= 0) p[4] = (uint8_t)((p[4] & 0xf0) | dbt);
	if (ms >= 0) p[3] = (uint8_t)((p[3] & 0x3f) | ms << 6);
	if (test >= 0) p[2] = (uint8_t)((p[2] & ~0x10) | (test ? 0x10 : 0));
	rec_set_time(d, fake_now);
	return rec_page05_select(d, p, sizeof(p));
}

static void state_equal(const struct dl_state *a, const struct dl_state *b)
{
	CU_ASSERT_EQUAL(a->profile, b->profile);
	CU_ASSERT_EQUAL(a->capacity, b->capacity);
	CU_ASSERT_EQUAL(a->disc_status, b->disc_status);
	CU_ASSERT_EQUAL(a->last_session_state, b->last_session_state);
	CU_ASSERT_EQUAL(a->disc_type, b->disc_type);
	CU_ASSERT_EQUAL(a->flags, b->flags);
	CU_ASSERT_EQUAL(a->nwa, b->nwa);
	CU_ASSERT_EQUAL(a->leadin_lba, b->leadin_lba);
	CU_ASSERT_EQUAL(a->last_leadout_lba, b->last_leadout_lba);
	CU_ASSERT_EQUAL(a->vtime_us, b->vtime_us);
	CU_ASSERT_EQUAL(a->page05_len, b->page05_len);
	CU_ASSERT_EQUAL(memcmp(a->page05, b->page05, a->page05_len), 0);
	CU_ASSERT_EQUAL_FATAL(a->nsessions, b->nsessions);
	CU_ASSERT_EQUAL_FATAL(a->ntracks, b->ntracks);
	for (unsigned i = 0; i < a->nsessions; i++) {
		const struct dl_session *x = &a->sessions[i], *y = &b->sessions[i];
		CU_ASSERT_EQUAL(x->number, y->number);
		CU_ASSERT_EQUAL(x->state, y->state);
		CU_ASSERT_EQUAL(x->flags, y->flags);
		CU_ASSERT_EQUAL(x->start_lba, y->start_lba);
		CU_ASSERT_EQUAL(x->leadout_lba, y->leadout_lba);
		CU_ASSERT_EQUAL(x->first_track, y->first_track);
		CU_ASSERT_EQUAL(x->last_track, y->last_track);
	}
	for (unsigned i = 0; i < a->ntracks; i++) {
		const struct dl_track *x = &a->tracks[i], *y = &b->tracks[i];
		CU_ASSERT_EQUAL(x->number, y->number);
		CU_ASSERT_EQUAL(x->session, y->session);
		CU_ASSERT_EQUAL(x->state, y->state);
		CU_ASSERT_EQUAL(x->mode, y->mode);
		CU_ASSERT_EQUAL(x->data_mode, y->data_mode);
		CU_ASSERT_EQUAL(x->flags, y->flags);
		CU_ASSERT_EQUAL(x->start_lba, y->start_lba);
		CU_ASSERT_EQUAL(x->size, y->size);
		CU_ASSERT_EQUAL(x->nwa, y->nwa);
		CU_ASSERT_EQUAL(x->last_recorded, y->last_recorded);
		CU_ASSERT_EQUAL(x->free_blocks, y->free_blocks);
		CU_ASSERT_EQUAL(x->packet_size, y->packet_size);
	}
}

static unsigned count_records(const char *image, int type)
{
	struct dl_error e;
	struct dl_reader *r = dl_reader_open(image, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	const struct dl_open_report *rep = dl_reader_report(r);
	unsigned n = (unsigned)(type == DL_REC_DATA ? rep->data_records
				: type == DL_REC_STATE ? rep->state_records : rep->records);
	dl_reader_close(r);
	return n;
}

/* ---- tables and blank discs ------------------------------------------------ */

static void test_media_table(void)
{
	static const struct { const char *name; uint16_t profile; uint32_t cap; } want[] = {
		{ "cd-r", 0x09, 332850 }, { "cd-r80", 0x09, 359850 }, { "cd-rw", 0x0a, 332850 },
		{ "dvd-r", 0x11, 2298496 }, { "dvd-rw", 0x14, 2298496 }, { "dvd+r", 0x1b, 2295104 },
		{ "dvd+r-dl", 0x2b, 4173824 }, { "dvd+rw", 0x1a, 2295104 }, { "bd-r", 0x41, 12219392 },
		{ "bd-re", 0x43, 12219392 }, { "cd-rom", 0x08, 332850 }, { "dvd-rom", 0x10, 2295104 },
		{ "bd-rom", 0x40, 12219392 },
	};
	CU_ASSERT_EQUAL(rec_media_count, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct rec_media *m = rec_media_lookup(want[i].name);
		CU_ASSERT_PTR_NOT_NULL_FATAL(m);
		CU_ASSERT_EQUAL(m->profile, want[i].profile);
		CU_ASSERT_EQUAL(m->capacity, want[i].cap);
		CU_ASSERT_EQUAL(m->writable, strstr(want[i].name, "rom") == NULL);
	}
	CU_ASSERT_PTR_NULL(rec_media_lookup("dvd-ram"));
	CU_ASSERT_PTR_NULL(rec_media_lookup(NULL));
	CU_ASSERT_STRING_EQUAL(dlx_profile_name(0x1b), "DVD+R");
	CU_ASSERT_STRING_EQUAL(dlx_profile_name(0x43), "BD-RE");
	static const uint32_t sizes[16] = { 2352, 2368, 2448, 2448, 0, 0, 0, 0,
					    2048, 2336, 2048, 2056, 2324, 2332, 0, 0 };
	for (uint8_t i = 0; i < 16; i++)
		CU_ASSERT_EQUAL(rec_dbt_block_size(i), sizes[i]);
	CU_ASSERT_EQUAL(rec_dbt_block_size(200), 0);
	char err[128];
	struct rec_config cfg = { .media = "floppy" };
	CU_ASSERT_PTR_NULL(rec_disc_new(&cfg, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "floppy"));
}

static void test_blank_sequential(void)
{
	struct rec_disc *d = mk("dvd+r", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	const struct dl_state *s = rec_state(d);
	CU_ASSERT_EQUAL(s->profile, 0x1b);
	CU_ASSERT_EQUAL(s->capacity, 2295104);
	CU_ASSERT_EQUAL(s->disc_status, 0);
	CU_ASSERT_EQUAL(s->last_session_state, 0);
	CU_ASSERT_EQUAL(s->flags, 2);		/* loaded, not erasable */
	CU_ASSERT_EQUAL(s->nwa, 0);
	CU_ASSERT_EQUAL(s->leadin_lba, -1);
	CU_ASSERT_EQUAL(s->last_leadout_lba, -1);
	CU_ASSERT_EQUAL(s->page05_len, 52);
	CU_ASSERT_EQUAL_FATAL(s->nsessions, 1);
	CU_ASSERT_EQUAL_FATAL(s->ntracks, 1);
	CU_ASSERT_EQUAL(s->sessions[0].state, 0);
	CU_ASSERT_EQUAL(s->sessions[0].leadout_lba, -1);
	CU_ASSERT_EQUAL(s->tracks[0].state, 0);
	CU_ASSERT_EQUAL(s->tracks[0].flags, 0x09);
	CU_ASSERT_EQUAL(s->tracks[0].size, 2295104);
	CU_ASSERT_EQUAL(s->tracks[0].free_blocks, 2295104);
	CU_ASSERT_EQUAL(s->tracks[0].nwa, 0);
	CU_ASSERT_EQUAL(s->tracks[0].last_recorded, -1);
	CU_ASSERT_EQUAL(rec_last_readable(d), -1);
	rec_disc_free(d);

	d = mk("cd-rw", NULL, 1000);
	s = rec_state(d);
	CU_ASSERT_EQUAL(s->capacity, 1000);
	CU_ASSERT_EQUAL(s->flags, 3);
	CU_ASSERT_EQUAL(s->leadin_lba, -11635);
	CU_ASSERT_EQUAL(s->last_leadout_lba, 1000);
	CU_ASSERT_EQUAL(s->tracks[0].size, 1000);
	rec_disc_free(d);

	d = mk("dvd+rw", NULL, 0);		/* unformatted */
	s = rec_state(d);
	CU_ASSERT_EQUAL(s->disc_status, 0);
	CU_ASSERT_EQUAL(s->nwa, -1);
	CU_ASSERT_EQUAL(s->tracks[0].flags, 0x01);
	rec_disc_free(d);
}

/* ---- page 05h --------------------------------------------------------------- */

static void test_page05_defaults(void)
{
	uint8_t p[52], m[52];
	struct rec_disc *d = mk("cd-r", NULL, 0);
	CU_ASSERT_EQUAL(rec_page05(d, REC_PC_DEFAULT, p), 52);
	CU_ASSERT_EQUAL(p[0], 0x05);
	CU_ASSERT_EQUAL(p[1], 0x32);
	CU_ASSERT_EQUAL(p[2] & 0x0f, 1);	/* TAO */
	CU_ASSERT_EQUAL(p[3], 0x04);		/* multi-session 00b, track mode 4 */
	CU_ASSERT_EQUAL(p[4], 8);
	CU_ASSERT_EQUAL(p[15], 150);
	rec_page05(d, REC_PC_CURRENT, m);
	CU_ASSERT_EQUAL(memcmp(p, m, 52), 0);
	rec_page05(d, REC_PC_CHANGEABLE, m);
	CU_ASSERT_EQUAL(m[2] & 0x1f, 0x1f);	/* test write + write type */
	CU_ASSERT_EQUAL(m[4], 0x0f);
	CU_ASSERT_EQUAL(rec_write_block_size(d, 0), 2048);
	rec_disc_free(d);

	d = mk("dvd-r", NULL, 0);
	rec_page05(d, REC_PC_DEFAULT, p);
	CU_ASSERT_EQUAL(p[2], 0x20);		/* LS_V, incremental */
	CU_ASSERT_EQUAL(p[3], 0x05);		/* FP 0 (variable packets), track mode 5 */
	CU_ASSERT_EQUAL(p[5], 16);
	CU_ASSERT_EQUAL(p[13], 0);		/* no fixed packet size */
	rec_page05(d, REC_PC_CURRENT, m);
	CU_ASSERT_EQUAL(memcmp(p, m, 52), 0);
	rec_disc_free(d);

	d = mk("dvd+r", NULL, 0);
	rec_page05(d, REC_PC_CHANGEABLE, m);
	for (int i = 2; i < 52; i++)
		CU_ASSERT_EQUAL(m[i], 0);
	rec_page05(d, REC_PC_CURRENT, p);
	p[2] = 0x13;				/* nonsense: accepted and ignored */
	GOOD(rec_page05_select(d, p, 52));
	rec_page05(d, REC_PC_CURRENT, m);
	CU_ASSERT_NOT_EQUAL(m[2], 0x13);
	CU_ASSERT_EQUAL(rec_write_block_size(d, 0), 2048);
	rec_disc_free(d);
}

static void test_page05_select(void)
{
	struct rec_disc *d = mk("cd-r", NULL, 0);
	uint8_t p[52];
	rec_page05(d, REC_PC_CURRENT, p);
	SENSE_IS(rec_page05_select(d, p, 1), 5, 0x1a, 0);
	SENSE_IS(rec_page05_select(d, p, 40), 5, 0x1a, 0);
	p[0] = 0x85;				/* PS set */
	SENSE_IS(rec_page05_select(d, p, 52), 5, 0x26, 0);
	p[0] = 0x05;
	p[9] = 1;				/* reserved byte: not changeable */
	SENSE_IS(rec_page05_select(d, p, 52), 5, 0x26, 0);
	SENSE_IS(page(d, 0, -1, -1, -1, -1), 5, 0x26, 0);	/* packet: not on CD here */
	SENSE_IS(page(d, 4, -1, -1, -1, -1), 5, 0x26, 0);	/* layer jump */
	SENSE_IS(page(d, -1, -1, 5, -1, -1), 5, 0x26, 0);	/* reserved DBT */
	SENSE_IS(page(d, -1, 0, 8, -1, -1), 5, 0x26, 0);	/* audio with DBT 8 */
	SENSE_IS(page(d, -1, 4, 0, -1, -1), 5, 0x26, 0);	/* data with DBT 0 */
	SENSE_IS(page(d, -1, -1, -1, 2, -1), 5, 0x26, 2);	/* multi-session 10b */
	SENSE_IS(page(d, -1, 9, -1, -1, -1), 5, 0x26, 2);	/* track mode 9 */
	GOOD(page(d, -1, 0, 0, -1, -1));			/* audio TAO: 2352 */
	CU_ASSERT_EQUAL(rec_write_block_size(d, 0), 2352);
	GOOD(page(d, -1, 4, 9, -1, -1));
	CU_ASSERT_EQUAL(rec_write_block_size(d, 0), 2336);
	GOOD(page(d, -1, 4, 11, -1, -1));
	CU_ASSERT_EQUAL(rec_write_block_size(d, 0), 2056);
	GOOD(page(d, -1, 4, 12, -1, -1));
	CU_ASSERT_EQUAL(rec_write_block_size(d, 0), 2324);
	GOOD(page(d, -1, 4, 13, -1, -1));
	CU_ASSERT_EQUAL(rec_write_block_size(d, 0), 2332);
	GOOD(page(d, 3, -1, 3, -1, -1));			/* RAW 2448 (raw P-W) */
	CU_ASSERT_EQUAL(rec_write_block_size(d, 0), 2448);
	GOOD(page(d, 3, -1, 1, -1, -1));			/* RAW 2368 (formatted P/Q) */
	CU_ASSERT_EQUAL(rec_write_block_size(d, -11635), 2368);
	GOOD(page(d, 2, -1, 0, -1, -1));			/* SAO: cue sheet decides */
	CU_ASSERT_EQUAL(rec_write_block_size(d, 0), 0);
	rec_disc_free(d);

	d = mk("dvd-r", NULL, 0);
	SENSE_IS(page(d, 1, -1, -1, -1, -1), 5, 0x26, 0);	/* TAO not on DVD */
	SENSE_IS(page(d, -1, -1, 0, -1, -1), 5, 0x26, 0);	/* DBT must be 8 */
	SENSE_IS(page(d, -1, 0, -1, -1, -1), 5, 0x26, 2);	/* audio on DVD */
	rec_page05(d, REC_PC_CURRENT, p);
	p[5] = 7;						/* link size */
	SENSE_IS(rec_page05_select(d, p, 52), 5, 0x26, 2);
	p[5] = 16;
	p[3] |= 0x20;						/* FP */
	p[13] = 32;						/* fixed packet size */
	SENSE_IS(rec_page05_select(d, p, 52), 5, 0x26, 2);
	p[13] = 16;						/* FP, packet 16: accepted */
	GOOD(rec_page05_select(d, p, 52));
	GOOD(page(d, 2, 4, 8, -1, -1));				/* DAO */
	rec_disc_free(d);

	d = mk("dvd-rom", NULL, 0);
	CU_ASSERT_EQUAL(rec_write_block_size(d, 0), 0);
	rec_disc_free(d);
}

/* ---- write validation: one case per rule --------------------------------- */

static void test_write_rules(void)
{
	struct rec_disc *d = mk("dvd-rom", NULL, 0);
	SENSE_IS(wr(d, 0, 1, 2048, 0), 5, 0x30, 5);		/* read-only medium */
	rec_disc_free(d);

	d = mk("dvd+r", NULL, 1000);
	GOOD(wr(d, 0, 0, 2048, 0));				/* 0 blocks: no-op */
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 0);
	SENSE_IS(wr(d, 16, 1, 2048, 0), 5, 0x21, 2);		/* not at the NWA */
	SENSE_IS(wr(d, -5, 1, 2048, 0), 5, 0x21, 0);
	SENSE_IS(wr(d, 1000, 1, 2048, 0), 5, 0x21, 0);		/* beyond capacity */
	SENSE_IS(wr(d, 0, 1001, 2048, 0), 5, 0x21, 0);		/* runs past capacity */
	struct rec_write_req w = { .lba = 0, .nblocks = 2, .data = (const uint8_t *)"x",
				   .len = 4095, .opcode = 0x2a };
	SENSE_IS(rec_write(d, &w), 5, 0x24, 0);			/* length != 2 * 2048 */
	CU_ASSERT_EQUAL(rec_state(d)->nwa, 0);			/* nothing changed */
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].state, 0);
	GOOD(rec_reserve(d, false, 100));			/* rounded up to 112 */
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].size, 112);
	SENSE_IS(wr(d, 0, 113, 2048, 0), 5, 0x63, 0);		/* past the reservation */
	GOOD(wr(d, 0, 112, 2048, 0));
	GOOD(rec_close(d, 1, 1));
	GOOD(rec_close(d, 6, 0));				/* finalize */
	SENSE_IS(wr(d, 112, 1, 2048, 0), 5, 0x21, 2);		/* finalized disc */
	rec_disc_free(d);

	d = mk("dvd+rw", NULL, 0);
	SENSE_IS(wr(d, 0, 1, 2048, 0), 5, 0x30, 0x10);		/* not formatted */
	rec_disc_free(d);

	d = mk("cd-r", NULL, 0);
	GOOD(page(d, 2, -1, 0, -1, -1));
	SENSE_IS(wr(d, 0, 1, 2352, 0), 5, 0x2c, 0);		/* SAO without cue sheet */
	GOOD(page(d, 1, 4, 8, -1, -1));
	GOOD(wr(d, 0, 10, 2048, 0));
	GOOD(page(d, -1, 0, 0, -1, -1));			/* audio under a data track */
	SENSE_IS(wr(d, 10, 1, 2352, 0), 5, 0x64, 0);
	GOOD(page(d, -1, 4, 9, -1, -1));			/* mode 2 under a mode 1 track */
	SENSE_IS(wr(d, 10, 1, 2336, 0), 5, 0x64, 0);
	GOOD(page(d, -1, 4, 8, -1, -1));
	GOOD(wr(d, 10, 1, 2048, 0));
	rec_disc_free(d);

	d = mk("dvd-r", NULL, 0);
	GOOD(page(d, 2, 4, 8, -1, -1));
	SENSE_IS(wr(d, 0, 16, 2048, 0), 5, 0x2c, 0);		/* DAO without reservation */
	GOOD(rec_reserve(d, false, 32));
	GOOD(wr(d, 0, 16, 2048, 0));
	rec_disc_free(d);
}

/* ---- sequences ------------------------------------------------------------- */

static void test_dvdplusr_sessions(void)
{
	const char *img = tpath("dvdplusr.dl");
	struct rec_disc *d = mk("dvd+r", img, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	const struct dl_state *s = rec_state(d);

	GOOD(wr(d, 0, 32, 2048, 1));				/* opens session 1, track 1 */
	CU_ASSERT_EQUAL(s->disc_status, 1);
	CU_ASSERT_EQUAL(s->last_session_state, 1);
	CU_ASSERT_EQUAL(s->sessions[0].state, 1);
	CU_ASSERT_EQUAL(s->tracks[0].state, 1);
	CU_ASSERT_EQUAL(s->tracks[0].flags, 0x08);
	CU_ASSERT_EQUAL(s->tracks[0].nwa, 32);
	CU_ASSERT_EQUAL(s->tracks[0].last_recorded, 31);
	CU_ASSERT_EQUAL(s->tracks[0].free_blocks, 2295104 - 32);
	CU_ASSERT_EQUAL(s->nwa, 32);
	GOOD(wr(d, 32, 16, 2048, 33));
	CU_ASSERT_EQUAL(s->nwa, 48);
	SENSE_IS(rec_close(d, 2, 0), 5, 0x72, 3);		/* track still open */
	GOOD(rec_close(d, 1, 1));				/* close track 1 */
	CU_ASSERT_EQUAL_FATAL(s->ntracks, 2);
	CU_ASSERT_EQUAL(s->tracks[0].state, 3);
	CU_ASSERT_EQUAL(s->tracks[0].size, 48);
	CU_ASSERT_EQUAL(s->tracks[0].nwa, -1);
	CU_ASSERT_EQUAL(s->tracks[0].flags & 0x08, 0);
	CU_ASSERT_EQUAL(s->tracks[1].state, 0);
	CU_ASSERT_EQUAL(s->tracks[1].start_lba, 48);
	CU_ASSERT_EQUAL(s->tracks[1].session, 1);
	CU_ASSERT_EQUAL(s->sessions[0].last_track, 2);
	CU_ASSERT_EQUAL(s->nwa, 48);
	SENSE_IS(rec_close(d, 1, 1), 5, 0x2c, 0);		/* already closed */
	SENSE_IS(rec_close(d, 1, 2), 5, 0x2c, 0);		/* nothing written */
	SENSE_IS(rec_close(d, 1, 9), 5, 0x24, 0);		/* no such track */

	GOOD(wr(d, 48, 16, 2048, 2));				/* track 2 */
	GOOD(rec_close(d, 1, 2));
	GOOD(rec_close(d, 2, 0));				/* session 1: stays appendable */
	CU_ASSERT_EQUAL(s->disc_status, 1);
	CU_ASSERT_EQUAL(s->last_session_state, 0);
	CU_ASSERT_EQUAL_FATAL(s->nsessions, 2);
	CU_ASSERT_EQUAL_FATAL(s->ntracks, 3);
	CU_ASSERT_EQUAL(s->sessions[0].state, 3);
	CU_ASSERT_EQUAL(s->sessions[0].first_track, 1);
	CU_ASSERT_EQUAL(s->sessions[0].last_track, 2);
	CU_ASSERT_EQUAL(s->sessions[0].leadout_lba, 64);
	CU_ASSERT_EQUAL(s->sessions[1].state, 0);
	CU_ASSERT_EQUAL(s->sessions[1].start_lba, 64);
	CU_ASSERT_EQUAL(s->sessions[1].first_track, 3);
	CU_ASSERT_EQUAL(s->tracks[2].start_lba, 64);
	CU_ASSERT_EQUAL(s->tracks[2].session, 2);
	CU_ASSERT_EQUAL(s->nwa, 64);
	SENSE_IS(rec_close(d, 2, 0), 5, 0x2c, 0);		/* empty session */
	SENSE_IS(rec_close(d, 3, 0), 5, 0x24, 0);		/* not a DVD+R function */

	GOOD(wr(d, 64, 16, 2048, 3));				/* session 2 */
	CU_ASSERT_EQUAL(s->last_session_state, 1);
	CU_ASSERT_EQUAL(s->sessions[1].state, 1);
	GOOD(rec_close(d, 1, 3));
	GOOD(rec_close(d, 5, 0));				/* finalize */
	CU_ASSERT_EQUAL(s->disc_status, 2);
	CU_ASSERT_EQUAL(s->last_session_state, 3);
	CU_ASSERT_EQUAL(s->nwa, -1);
	CU_ASSERT_EQUAL(s->nsessions, 2);
	CU_ASSERT_EQUAL(s->ntracks, 3);
	CU_ASSERT_EQUAL(s->sessions[1].leadout_lba, 80);
	CU_ASSERT_EQUAL(s->profile, 0x1b);			/* still DVD+R */
	CU_ASSERT_EQUAL(rec_last_readable(d), 79);
	SENSE_IS(rec_close(d, 2, 0), 5, 0x2c, 0);

	uint8_t buf[2048 * 3];
	GOOD(rec_read(d, 47, 3, buf));
	CU_ASSERT_EQUAL(buf[0], 33 + 15);
	CU_ASSERT_EQUAL(buf[2048], 2);
	CU_ASSERT_EQUAL(buf[4096], 3);
	SENSE_IS(rec_read(d, 79, 2, buf), 5, 0x21, 0);
	rec_disc_free(d);
}

static void test_finalize_empty_session(void)
{
	struct rec_disc *d = mk("bd-r", NULL, 0);
	GOOD(wr(d, 0, 32, 2048, 0));
	GOOD(rec_close(d, 1, 1));
	GOOD(rec_close(d, 2, 0));
	CU_ASSERT_EQUAL(rec_state(d)->nsessions, 2);
	SENSE_IS(rec_close(d, 5, 0), 5, 0x24, 0);		/* 101b is DVD+R only */
	GOOD(rec_close(d, 6, 0));				/* finalize drops the empty one */
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 2);
	CU_ASSERT_EQUAL(rec_state(d)->nsessions, 1);
	CU_ASSERT_EQUAL(rec_state(d)->ntracks, 1);
	rec_disc_free(d);
}

static void test_cdr_tao(void)
{
	const char *img = tpath("cdr.dl");
	struct rec_disc *d = mk("cd-r", img, 0);
	const struct dl_state *s = rec_state(d);
	GOOD(wr(d, 0, 300, 2048, 0));				/* data track, DBT 8 */
	CU_ASSERT_EQUAL(s->tracks[0].mode, 4);
	CU_ASSERT_EQUAL(s->tracks[0].data_mode, 1);
	GOOD(rec_sync(d));					/* ends the TAO track */
	CU_ASSERT_EQUAL_FATAL(s->ntracks, 2);
	CU_ASSERT_EQUAL(s->tracks[0].state, 3);
	CU_ASSERT_EQUAL(s->tracks[0].size, 300);
	CU_ASSERT_EQUAL(s->tracks[1].start_lba, 300 + 152);	/* TAO gap, doc/simdrive-recorder.md §5 */
	CU_ASSERT_EQUAL(s->nwa, 452);
	GOOD(page(d, -1, 0, 0, -1, -1));			/* audio, DBT 0 */
	CU_ASSERT_EQUAL(rec_write_block_size(d, 452), 2352);
	SENSE_IS(wr(d, 452, 1, 2048, 0), 5, 0x24, 0);
	GOOD(wr(d, 452, 300, 2352, 7));
	CU_ASSERT_EQUAL(s->tracks[1].mode, 0);
	CU_ASSERT_EQUAL(s->tracks[1].data_mode, 0x0f);
	GOOD(rec_close(d, 1, 0xff));				/* close track FFh = the open one */
	CU_ASSERT_EQUAL(s->tracks[1].state, 3);
	CU_ASSERT_EQUAL(s->nwa, 752 + 152);
	GOOD(rec_close(d, 2, 0));				/* multi-session 00b: finalized */
	CU_ASSERT_EQUAL(s->disc_status, 2);
	CU_ASSERT_EQUAL(s->leadin_lba, -1);
	CU_ASSERT_EQUAL(s->sessions[0].leadout_lba, 752);
	CU_ASSERT_EQUAL(s->sessions[0].last_track, 2);

	uint8_t buf[2448 * 2];
	GOOD(rec_read(d, 299, 1, buf));
	CU_ASSERT_EQUAL(buf[0], (uint8_t)43);			/* 0 + 299 */
	SENSE_IS(rec_read(d, 452, 1, buf), 5, 0x64, 0);		/* audio */
	SENSE_IS(rec_read(d, 300, 1, buf), 5, 0x21, 0);		/* the gap */
	struct sim_sense ss;
	CU_ASSERT_EQUAL(rec_read_raw(d, 452, 2, buf, sizeof(buf), &ss), 2 * 2352);
	CU_ASSERT_EQUAL(buf[0], 7);
	CU_ASSERT_EQUAL(buf[2352], 8);
	rec_disc_free(d);

	struct dl_error e;
	struct dl_reader *r = dl_reader_open(img, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	struct dl_data_meta m;
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, 0, &m, &e), 0);
	CU_ASSERT_EQUAL(m.block_size, 2048);
	CU_ASSERT_EQUAL(m.data_block_type, 8);
	CU_ASSERT_EQUAL(m.write_type, 1);
	CU_ASSERT_EQUAL(m.track, 1);
	CU_ASSERT_EQUAL(m.session, 1);
	CU_ASSERT_EQUAL(m.opcode, 0x2a);
	CU_ASSERT_EQUAL(m.vtime_us, 1000);
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, 500, &m, &e), 0);
	CU_ASSERT_EQUAL(m.block_size, 2352);
	CU_ASSERT_EQUAL(m.data_block_type, 0);
	CU_ASSERT_EQUAL(m.track, 2);
	dl_reader_close(r);
}

static void test_cd_multisession(void)
{
	struct rec_disc *d = mk("cd-r", NULL, 0);
	const struct dl_state *s = rec_state(d);
	GOOD(page(d, -1, -1, -1, 3, -1));			/* next session allowed */
	GOOD(wr(d, 0, 1000, 2048, 0));
	GOOD(rec_sync(d));
	GOOD(rec_close(d, 2, 0));
	CU_ASSERT_EQUAL(s->disc_status, 1);
	CU_ASSERT_EQUAL_FATAL(s->nsessions, 2);
	CU_ASSERT_EQUAL(s->sessions[0].leadout_lba, 1000);
	CU_ASSERT_EQUAL(s->sessions[1].start_lba, 1000 + 11400);
	CU_ASSERT_EQUAL(s->leadin_lba, 1000 + 6750);
	CU_ASSERT_EQUAL(s->nwa, 12400);
	GOOD(wr(d, 12400, 100, 2048, 0));
	GOOD(rec_sync(d));
	GOOD(rec_close(d, 2, 0));
	CU_ASSERT_EQUAL(s->sessions[2].start_lba, 12500 + 6900);
	GOOD(page(d, -1, -1, -1, 0, -1));
	SENSE_IS(rec_close(d, 2, 0), 5, 0x2c, 0);		/* nothing in session 3 */
	rec_disc_free(d);
}

static void test_dvdplusrw_random(void)
{
	const char *img = tpath("dvdplusrw.dl");
	struct rec_disc *d = mk("dvd+rw", img, 0);
	const struct dl_state *s = rec_state(d);
	SENSE_IS(rec_close(d, 2, 0), 5, 0x2c, 0);		/* nothing to stop */
	SENSE_IS(rec_format(d, 0x00, 0, 0xffffffffu, 0), 5, 0x26, 0);
	GOOD(rec_format(d, 0x26, 0, 0xffffffffu, 0));
	CU_ASSERT_EQUAL(s->disc_status, 3);
	CU_ASSERT_EQUAL((s->flags >> 2) & 3, 2);		/* background format running */
	CU_ASSERT_EQUAL(s->tracks[0].state, 3);
	CU_ASSERT_EQUAL(s->tracks[0].size, 2295104);
	GOOD(wr(d, 100, 16, 2048, 1));
	GOOD(wr(d, 0, 16, 2048, 50));
	GOOD(wr(d, 104, 4, 2048, 200));				/* overwrite */
	SENSE_IS(wr(d, 2295100, 16, 2048, 0), 5, 0x21, 0);
	CU_ASSERT_EQUAL(s->tracks[0].last_recorded, 115);
	uint8_t buf[2048 * 8];
	GOOD(rec_read(d, 102, 8, buf));
	CU_ASSERT_EQUAL(buf[0], 3);
	CU_ASSERT_EQUAL(buf[2 * 2048], 200);			/* latest wins */
	CU_ASSERT_EQUAL(buf[5 * 2048], 203);
	CU_ASSERT_EQUAL(buf[6 * 2048], 9);
	GOOD(rec_read(d, 5000, 1, buf));			/* never written: zeros */
	CU_ASSERT_EQUAL(buf[0], 0);
	GOOD(rec_write(d, &(struct rec_write_req){ .lba = 1, .nblocks = 0 }));
	CU_ASSERT_EQUAL(rec_last_readable(d), 2295103);
	GOOD(rec_close(d, 0, 0));				/* quick stop: partial */
	CU_ASSERT_EQUAL((s->flags >> 2) & 3, 1);
	GOOD(rec_close(d, 2, 0));				/* stop: complete */
	CU_ASSERT_EQUAL((s->flags >> 2) & 3, 3);
	SENSE_IS(rec_close(d, 1, 1), 5, 0x24, 0);
	SENSE_IS(rec_reserve(d, false, 16), 5, 0x72, 5);
	SENSE_IS(rec_blank(d, 0, 0), 5, 0x30, 0);
	rec_disc_free(d);

	d = mk("dvd+rw", img, 0);				/* reload */
	GOOD(rec_read(d, 104, 1, buf));
	CU_ASSERT_EQUAL(buf[0], 200);
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].last_recorded, 115);
	rec_disc_free(d);
}

static void test_bdre_format(void)
{
	struct rec_disc *d = mk("bd-re", NULL, 0);
	SENSE_IS(rec_format(d, 0x26, 0, 0, 0), 5, 0x26, 0);
	SENSE_IS(rec_format(d, 0x31, 1, 0, 0), 5, 0x26, 0);
	SENSE_IS(rec_format(d, 0x30, 0, 20000000, 0), 5, 0x26, 0);
	GOOD(rec_format(d, 0x30, 2, 0, 0));
	GOOD(rec_format(d, 0x31, 0, 0, 0));
	GOOD(rec_format(d, 0x00, 0, 100000, 0));
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].size, 100000);
	CU_ASSERT_EQUAL((rec_state(d)->flags >> 2) & 3, 0);
	GOOD(wr_ex(d, 99968, 32, 2048, 0, true));
	SENSE_IS(wr(d, 99999, 2, 2048, 0), 5, 0x21, 0);
	GOOD(rec_close(d, 2, 0));				/* accepted, nothing to do */
	SENSE_IS(rec_close(d, 6, 0), 5, 0x24, 0);
	rec_disc_free(d);

	d = mk("cd-r", NULL, 0);
	SENSE_IS(rec_format(d, 0, 0, 0, 0), 5, 0x30, 6);
	rec_disc_free(d);
	d = mk("dvd+r", NULL, 0);
	SENSE_IS(rec_format(d, 0x26, 0, 0, 0), 5, 0x30, 6);
	rec_disc_free(d);
}

static void test_cdrw_blank(void)
{
	const char *img = tpath("cdrw.dl");
	struct rec_disc *d = mk("cd-rw", img, 0);
	const struct dl_state *s = rec_state(d);
	GOOD(wr(d, 0, 500, 2048, 1));
	GOOD(rec_sync(d));
	GOOD(rec_close(d, 2, 0));
	CU_ASSERT_EQUAL(s->disc_status, 2);
	SENSE_IS(rec_blank(d, 2, 1), 5, 0x24, 0);		/* track blanking: not modelled */
	GOOD(rec_blank(d, 0, 0));				/* full */
	CU_ASSERT_EQUAL(s->disc_status, 0);
	CU_ASSERT_EQUAL(s->nsessions, 1);
	CU_ASSERT_EQUAL(s->ntracks, 1);
	CU_ASSERT_EQUAL(s->nwa, 0);
	CU_ASSERT_EQUAL(s->leadin_lba, -11635);
	CU_ASSERT_EQUAL(s->last_leadout_lba, 332850);
	uint8_t buf[2048];
	SENSE_IS(rec_read(d, 0, 1, buf), 5, 0x21, 0);		/* old data is gone */
	GOOD(wr(d, 0, 10, 2048, 100));				/* rewrite */
	GOOD(rec_read(d, 9, 1, buf));
	CU_ASSERT_EQUAL(buf[0], 109);
	SENSE_IS(rec_read(d, 10, 1, buf), 5, 0x21, 0);
	GOOD(rec_sync(d));
	GOOD(rec_close(d, 2, 0));
	GOOD(rec_blank(d, 1, 0));				/* minimal */
	CU_ASSERT_EQUAL(s->disc_status, 0);
	rec_disc_free(d);

	d = mk("cd-r", NULL, 0);
	SENSE_IS(rec_blank(d, 0, 0), 5, 0x30, 0);
	rec_disc_free(d);
}

static void test_bdr_streaming(void)
{
	const char *img = tpath("bdr.dl");
	struct rec_disc *d = mk("bd-r", img, 0);
	GOOD(wr_ex(d, 0, 32, 2048, 0, true));
	struct rec_write_req w = { .lba = 32, .nblocks = 1, .data = (uint8_t[2048]){ 0 },
				   .len = 2048, .opcode = 0x2a, .fua = true };
	GOOD(rec_write(d, &w));
	GOOD(rec_sync(d));
	rec_disc_free(d);
	struct dl_error e;
	struct dl_reader *r = dl_reader_open(img, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	struct dl_data_meta m;
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, 5, &m, &e), 0);
	CU_ASSERT_EQUAL(m.flags, DL_FLAG_STREAMING);
	CU_ASSERT_EQUAL(m.opcode, 0xaa);
	CU_ASSERT_EQUAL(m.data_block_type, DL_NA);
	CU_ASSERT_EQUAL(m.write_type, DL_NA);
	CU_ASSERT_EQUAL(m.lba, 0);
	CU_ASSERT_EQUAL(m.count, 32);
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, 32, &m, &e), 0);
	CU_ASSERT_EQUAL(m.flags, DL_FLAG_FUA);
	dl_reader_close(r);
}

static void test_test_write(void)
{
	const char *img = tpath("testwrite.dl");
	struct rec_disc *d = mk("cd-r", img, 0);
	const struct dl_state *s = rec_state(d);
	GOOD(page(d, -1, -1, -1, -1, 1));
	unsigned states = count_records(img, DL_REC_STATE);
	GOOD(wr(d, 0, 300, 2048, 0));
	CU_ASSERT_EQUAL(s->nwa, 300);				/* NWA progresses */
	GOOD(rec_sync(d));
	CU_ASSERT_EQUAL(s->nwa, 452);
	GOOD(rec_close(d, 2, 0));
	CU_ASSERT_EQUAL(s->disc_status, 2);
	CU_ASSERT_EQUAL(count_records(img, DL_REC_DATA), 0);	/* nothing recorded */
	CU_ASSERT_EQUAL(count_records(img, DL_REC_STATE), states);
	GOOD(page(d, -1, -1, -1, -1, 0));			/* the run ends: still blank */
	CU_ASSERT_EQUAL(s->disc_status, 0);
	CU_ASSERT_EQUAL(s->nwa, 0);
	CU_ASSERT_EQUAL(s->ntracks, 1);
	GOOD(wr(d, 0, 1, 2048, 0));
	rec_disc_free(d);
	CU_ASSERT_EQUAL(count_records(img, DL_REC_DATA), 1);

	d = mk("dvd+r", NULL, 0);				/* no Test Write on DVD+R */
	GOOD(page(d, -1, -1, -1, -1, 1));			/* ignored */
	GOOD(wr(d, 0, 16, 2048, 0));
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 1);
	rec_disc_free(d);
}

static void test_reload(void)
{
	const char *img = tpath("reload.dl");
	fake_now = 5000;
	struct rec_disc *d = mk("dvd-r", img, 0);
	GOOD(page(d, -1, -1, -1, 3, -1));
	GOOD(wr(d, 0, 64, 2048, 10));
	GOOD(rec_close(d, 1, 1));
	GOOD(rec_close(d, 2, 0));				/* appendable (multi-session 11b) */
	GOOD(rec_reserve(d, true, 64 + 40));			/* ARSV: up to LBA 104, rounded 48 */
	CU_ASSERT_EQUAL(rec_state(d)->tracks[1].size, 48);
	GOOD(wr(d, 64, 16, 2048, 20));
	GOOD(wr(d, 112, 16, 2048, 30));				/* the track after the reservation */
	fake_now = 6000;
	struct dl_state before;
	CU_ASSERT_EQUAL_FATAL(dl_state_copy(&before, rec_state(d)), 0);
	SENSE_IS(rec_close(d, 2, 0), 5, 0x72, 3);
	rec_disc_free(d);					/* writes the last STATE */

	d = mk(NULL, img, 0);					/* medium from the image */
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_STRING_EQUAL(rec_medium(d)->name, "dvd-r");
	struct dl_state after = *rec_state(d);
	CU_ASSERT_EQUAL(after.vtime_us, 5000);	/* layout unchanged since: no STATE at free */
	state_equal(&before, &after);
	uint8_t buf[2048];
	GOOD(rec_read(d, 70, 1, buf));
	CU_ASSERT_EQUAL(buf[0], 26);
	GOOD(wr(d, 80, 1, 2048, 0));				/* appends where it left off */
	rec_disc_free(d);
	dl_state_free(&before);

	char err[256];
	struct rec_config cfg = { .media = "bd-r", .image = img };
	CU_ASSERT_PTR_NULL(rec_disc_new(&cfg, err, sizeof(err)));	/* disagrees */
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "DVD-R"));
	d = mk("dvd-rom", img, 0);				/* the ROM view */
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(rec_state(d)->profile, 0x10);
	SENSE_IS(wr(d, 81, 1, 2048, 0), 5, 0x30, 5);
	GOOD(rec_read(d, 0, 1, buf));
	CU_ASSERT_EQUAL(buf[0], 10);
	rec_disc_free(d);

	struct dl_error e;
	struct dl_reader *r = dl_reader_open(img, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	struct dl_data_meta m;
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, 120, &m, &e), 0);
	CU_ASSERT_EQUAL(m.track, 3);
	CU_ASSERT_EQUAL(m.session, 2);
	CU_ASSERT_EQUAL(m.data_block_type, 8);
	CU_ASSERT_EQUAL(m.write_type, 0);
	CU_ASSERT_EQUAL(m.vtime_us, 5000);
	dl_reader_close(r);
}

static void test_reserve_close_rules(void)
{
	struct rec_disc *d = mk("dvd+r", NULL, 1000);
	SENSE_IS(rec_reserve(d, false, 0), 5, 0x24, 0);
	SENSE_IS(rec_reserve(d, true, 0), 5, 0x24, 0);
	SENSE_IS(rec_reserve(d, false, 2000), 5, 0x21, 0);
	GOOD(rec_reserve(d, false, 16));
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 1);
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].state, 2);
	CU_ASSERT_EQUAL(rec_state(d)->nwa, 16);			/* the invisible track */
	GOOD(wr(d, 0, 8, 2048, 0));
	SENSE_IS(rec_close(d, 2, 0), 5, 0x72, 4);		/* reservation partly written */
	GOOD(wr(d, 16, 16, 2048, 0));				/* invisible track now open */
	SENSE_IS(rec_reserve(d, false, 16), 5, 0x72, 5);
	GOOD(rec_close(d, 1, 1));				/* pads the reservation */
	GOOD(rec_close(d, 1, 2));
	GOOD(rec_close(d, 2, 0));
	CU_ASSERT_EQUAL(rec_state(d)->sessions[0].last_track, 2);
	rec_disc_free(d);

	d = mk("bd-rom", NULL, 0);
	SENSE_IS(rec_reserve(d, false, 32), 5, 0x30, 5);
	SENSE_IS(rec_close(d, 1, 1), 5, 0x30, 5);
	rec_disc_free(d);
	d = mk("cd-r", NULL, 0);
	SENSE_IS(rec_close(d, 6, 0), 5, 0x24, 0);
	SENSE_IS(rec_close(d, 1, 0xff), 5, 0x24, 0);		/* no open track */
	SENSE_IS(rec_close(d, 2, 0), 5, 0x2c, 0);
	rec_disc_free(d);
}

/* Track 1 data (mode 1, 2048) with its pregap at -150, track 2 audio with a
 * 150-block pregap at 300, INDEX 01 at 450, lead-out at 750. */
static const uint8_t cue_ok[] = {
	0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0,	/* lead-in */
	0x41, 0x01, 0x00, 0x10, 0, 0, 0, 0,	/* track 1 INDEX 00, 00:00:00 = -150 */
	0x41, 0x01, 0x01, 0x10, 0, 0, 2, 0,	/* track 1 INDEX 01, 00:02:00 = 0 */
	0x02, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,	/* MCN: passed over */
	0x01, 0x02, 0x00, 0x00, 0, 0, 6, 0,	/* track 2 INDEX 00, 00:06:00 = 300 */
	0x01, 0x02, 0x01, 0x00, 0, 0, 8, 0,	/* track 2 INDEX 01, 00:08:00 = 450 */
	0x01, 0xaa, 0x01, 0x01, 0, 0, 12, 0,	/* lead-out, 00:12:00 = 750 */
};

static void test_cue_sheet(void)
{
	struct rec_disc *d = mk("cd-r", NULL, 0);
	SENSE_IS(rec_cue_sheet(d, cue_ok, sizeof(cue_ok)), 5, 0x2c, 0);	/* not SAO */
	GOOD(page(d, 2, -1, 0, -1, -1));
	SENSE_IS(wr(d, -150, 1, 2048, 0), 5, 0x2c, 0);		/* SAO without cue sheet */
	SENSE_IS(rec_cue_sheet(d, cue_ok, 12), 5, 0x26, 0);	/* not 8-byte entries */
	uint8_t bad[sizeof(cue_ok)];
	static const struct { unsigned byte; uint8_t val; } breakers[] = {
		{ 15, 75 },		/* frame */
		{ 14, 60 },		/* second */
		{ 11, 0x90 },		/* sub-channel 10b */
		{ 11, 0x15 },		/* undefined DATA FORM */
		{ 11, 0x14 },		/* generated pause in the program area */
		{ 8, 0x45 },		/* ADR 5 */
		{ 9, 0x02 },		/* track 2 before track 1 */
		{ 18, 0x02 },		/* INDEX 02 right after INDEX 00 */
		{ 54, 7 },		/* lead-out before the last track's INDEX 01 */
		{ 14, 1 },		/* does not start at -150 */
		{ 1, 0x01 },		/* no lead-in entry first */
		{ 53, 80 },		/* lead-out beyond the disc */
	};
	for (size_t i = 0; i < sizeof(breakers) / sizeof(breakers[0]); i++) {
		memcpy(bad, cue_ok, sizeof(cue_ok));
		bad[breakers[i].byte] = breakers[i].val;
		SENSE_IS(rec_cue_sheet(d, bad, sizeof(bad)), 5, 0x26, 0);
	}
	SENSE_IS(rec_cue_sheet(d, cue_ok, sizeof(cue_ok) - 8), 5, 0x26, 0);	/* no lead-out */
	GOOD(rec_cue_sheet(d, cue_ok, sizeof(cue_ok)));
	CU_ASSERT_EQUAL(rec_write_block_size(d, -150), 2048);
	CU_ASSERT_EQUAL(rec_write_block_size(d, 299), 2048);
	CU_ASSERT_EQUAL(rec_write_block_size(d, 300), 2352);
	CU_ASSERT_EQUAL(rec_write_block_size(d, 750), 0);
	rec_disc_free(d);
	d = mk("dvd-r", NULL, 0);
	SENSE_IS(rec_cue_sheet(d, cue_ok, sizeof(cue_ok)), 5, 0x2c, 0);
	rec_disc_free(d);
}

static void test_cd_sao(void)
{
	char img[PATH_MAX];
	snprintf(img, sizeof(img), "%s", tpath("sao.dl"));
	struct rec_disc *d = mk("cd-r", img, 0);
	const struct dl_state *s = rec_state(d);
	GOOD(page(d, 2, -1, 0, -1, -1));
	GOOD(rec_cue_sheet(d, cue_ok, sizeof(cue_ok)));
	SENSE_IS(wr(d, 0, 1, 2048, 0), 5, 0x21, 2);		/* must start at -150 */
	SENSE_IS(wr(d, -150, 1, 2352, 0), 5, 0x24, 0);
	GOOD(wr(d, -150, 150, 2048, 0));			/* pregap */
	CU_ASSERT_EQUAL_FATAL(s->ntracks, 2);			/* tracks from the cue sheet */
	CU_ASSERT_EQUAL(s->disc_status, 1);
	CU_ASSERT_EQUAL(s->tracks[0].start_lba, 0);
	CU_ASSERT_EQUAL(s->tracks[0].size, 300);
	CU_ASSERT_EQUAL(s->tracks[0].mode, 4);
	CU_ASSERT_EQUAL(s->tracks[0].data_mode, 1);
	CU_ASSERT_EQUAL(s->tracks[1].start_lba, 450);
	CU_ASSERT_EQUAL(s->tracks[1].size, 300);
	CU_ASSERT_EQUAL(s->tracks[1].mode, 0);
	CU_ASSERT_EQUAL(s->tracks[1].state, 2);
	GOOD(wr(d, 0, 299, 2048, 1));
	/* one WRITE across the fragment border: 1 x 2048 + 2 x 2352 */
	size_t len = 2048 + 2 * 2352;
	uint8_t *buf = calloc(1, len);
	memset(buf, 0x5a, 2048);
	struct rec_write_req w = { .lba = 299, .nblocks = 3, .data = buf, .len = len - 1,
				   .opcode = 0x2a };
	SENSE_IS(rec_write(d, &w), 5, 0x24, 0);
	w.len = len;
	GOOD(rec_write(d, &w));
	free(buf);
	GOOD(wr(d, 302, 148, 2352, 0));
	SENSE_IS(wr(d, 450, 301, 2352, 0), 5, 0x21, 0);		/* past the lead-out */
	GOOD(wr(d, 450, 300, 2352, 9));
	CU_ASSERT_EQUAL(s->tracks[1].last_recorded, 749);
	GOOD(rec_sync(d));					/* closes: multi-session 00b */
	CU_ASSERT_EQUAL(s->disc_status, 2);
	CU_ASSERT_EQUAL(s->tracks[0].state, 3);
	CU_ASSERT_EQUAL(s->tracks[1].state, 3);
	CU_ASSERT_EQUAL(s->sessions[0].leadout_lba, 750);
	CU_ASSERT_EQUAL(s->sessions[0].last_track, 2);
	uint8_t out[2048];
	GOOD(rec_read(d, 299, 1, out));
	CU_ASSERT_EQUAL(out[0], 0x5a);
	SENSE_IS(rec_read(d, 450, 1, out), 5, 0x64, 0);
	rec_disc_free(d);

	/* a raw Mode 1 track (DATA FORM 11h, 2352): READ(10) returns bytes 16..2063 */
	uint8_t cue2[sizeof(cue_ok)];
	memcpy(cue2, cue_ok, sizeof(cue_ok));
	cue2[11] = cue2[19] = 0x11;
	d = mk("cd-r", tpath("sao2.dl"), 0);
	GOOD(page(d, 2, -1, 0, -1, -1));
	GOOD(rec_cue_sheet(d, cue2, sizeof(cue2)));
	GOOD(wr(d, -150, 150, 2352, 0));
	uint8_t raw[2352];
	memset(raw, 0xff, sizeof(raw));
	memset(raw + 16, 0x77, 2048);
	w = (struct rec_write_req){ .lba = 0, .nblocks = 1, .data = raw, .len = 2352, .opcode = 0x2a };
	GOOD(rec_write(d, &w));
	uint8_t o2[2048];
	GOOD(rec_read(d, 0, 1, o2));
	CU_ASSERT_EQUAL(o2[0], 0x77);
	CU_ASSERT_EQUAL(o2[2047], 0x77);
	rec_disc_free(d);

	struct dl_error e;
	struct dl_reader *r = dl_reader_open(img, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	struct dl_data_meta m;
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, -150, &m, &e), 0);
	CU_ASSERT_EQUAL(m.block_size, 2048);
	CU_ASSERT_EQUAL(m.write_type, 2);
	CU_ASSERT_EQUAL(m.track, 1);
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, 300, &m, &e), 0);
	CU_ASSERT_EQUAL(m.block_size, 2352);
	CU_ASSERT_EQUAL(m.track, 2);
	CU_ASSERT_EQUAL(m.lba, 300);
	dl_reader_close(r);
}

static void test_dvdr_incremental(void)
{
	struct rec_disc *d = mk("dvd-r", NULL, 0);
	const struct dl_state *s = rec_state(d);
	GOOD(wr(d, 0, 16, 2048, 0));
	CU_ASSERT_EQUAL(s->tracks[0].mode, 5);
	CU_ASSERT_EQUAL(s->tracks[0].flags, 0x08 | 0x02);	/* NWA, packet; no FP */
	CU_ASSERT_EQUAL(s->tracks[0].packet_size, 0);
	GOOD(rec_sync(d));					/* not a track end on DVD */
	CU_ASSERT_EQUAL(s->tracks[0].state, 1);
	GOOD(rec_close(d, 1, 1));
	GOOD(rec_close(d, 2, 0));				/* multi-session 00b: finalized */
	CU_ASSERT_EQUAL(s->disc_status, 2);
	SENSE_IS(rec_close(d, 3, 0), 5, 0x24, 0);		/* DVD-RW only */
	rec_disc_free(d);
	d = mk("dvd-rw", NULL, 0);
	GOOD(wr(d, 0, 16, 2048, 0));
	GOOD(rec_close(d, 1, 1));
	GOOD(rec_close(d, 3, 0));
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 2);
	GOOD(rec_blank(d, 1, 0));
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 0);
	rec_disc_free(d);
}

/* DVD-R/-RW incremental with the page growisofs and libburn send: FP 1, packet size
 * 16.  The page keeps what the host selected, the track is still a variable-packet
 * incremental track (MMC-6 §6.27: FP 1 there is Restricted Overwrite), so a later
 * growisofs -M does not find "track is formatted for fixed packet size". */
static void test_dvdr_incremental_fp_page(void)
{
	static const char *media[] = { "dvd-r", "dvd-rw" };
	for (size_t i = 0; i < 2; i++) {
		struct rec_disc *d = mk(media[i], NULL, 0);
		const struct dl_state *s = rec_state(d);
		uint8_t p[52];
		rec_page05(d, REC_PC_CURRENT, p);
		p[2] = 0x40 | 0x20;			/* BUFE, LS_V, incremental */
		p[3] = 0xc0 | 0x20 | 0x05;		/* multi-session 11b, FP, mode 5 */
		p[5] = 16;
		p[13] = 16;				/* packet size */
		GOOD(rec_page05_select(d, p, 52));
		rec_page05(d, REC_PC_CURRENT, p);
		CU_ASSERT_EQUAL(p[3] & 0x20, 0x20);	/* the page says what was selected */
		CU_ASSERT_EQUAL(p[13], 16);
		GOOD(wr(d, 0, 32, 2048, 0));
		CU_ASSERT_EQUAL(s->tracks[0].flags & (0x02 | 0x04), 0x02);	/* packet, not FP */
		CU_ASSERT_EQUAL(s->tracks[0].packet_size, 0);
		GOOD(rec_close(d, 1, 1));
		GOOD(rec_close(d, 2, 0));		/* appendable: multi-session 11b */
		CU_ASSERT_EQUAL(s->disc_status, 1);
		CU_ASSERT_EQUAL(s->tracks[0].flags & 0x04, 0);
		GOOD(wr(d, s->tracks[1].start_lba, 16, 2048, 0));	/* the next session */
		CU_ASSERT_EQUAL(s->tracks[1].flags & (0x02 | 0x04), 0x02);
		rec_disc_free(d);
	}
}

static void copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), a)) > 0)
		CU_ASSERT_EQUAL(fwrite(buf, 1, n, b), n);
	fclose(a);
	fclose(b);
}

/* A crash after writes that did not change the layout: the DATA records after the
 * last STATE are replayed on reload. */
static void test_reload_replay(void)
{
	char img[PATH_MAX];
	snprintf(img, sizeof(img), "%s", tpath("live.dl"));
	struct rec_disc *d = mk("dvd+r", img, 0);
	GOOD(wr(d, 0, 32, 2048, 1));				/* opens: STATE */
	GOOD(wr(d, 32, 16, 2048, 2));				/* no STATE */
	GOOD(wr(d, 48, 16, 2048, 3));
	uint8_t buf[2048];
	GOOD(rec_read(d, 50, 1, buf));				/* syncs the writer */
	CU_ASSERT_EQUAL(buf[0], 5);
	char crash[PATH_MAX];
	snprintf(crash, sizeof(crash), "%s", tpath("crash.dl"));
	copy_file(img, crash);
	struct rec_disc *c = mk("dvd+r", crash, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	struct dl_state live = *rec_state(d), got = *rec_state(c);
	got.vtime_us = live.vtime_us;
	state_equal(&live, &got);
	CU_ASSERT_EQUAL(rec_state(c)->nwa, 64);
	GOOD(wr(c, 64, 16, 2048, 4));
	rec_disc_free(c);
	rec_disc_free(d);

	snprintf(img, sizeof(img), "%s", tpath("rw.dl"));	/* random media: last recorded */
	d = mk("bd-re", img, 0);
	GOOD(rec_format(d, 0, 0, 0, 0));
	GOOD(wr(d, 640, 32, 2048, 1));
	GOOD(rec_read(d, 640, 1, buf));
	snprintf(crash, sizeof(crash), "%s", tpath("crash2.dl"));
	copy_file(img, crash);
	c = mk("bd-re", crash, 0);
	CU_ASSERT_EQUAL(rec_state(c)->tracks[0].last_recorded, 671);
	rec_disc_free(c);
	rec_disc_free(d);
}

static void test_dvdr_dao(void)
{
	struct rec_disc *d = mk("dvd-r", NULL, 0);
	GOOD(page(d, 2, 4, 8, -1, -1));
	GOOD(rec_reserve(d, false, 40));			/* rounded to 48 */
	GOOD(wr(d, 0, 32, 2048, 0));
	GOOD(rec_sync(d));					/* not full yet */
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 1);
	GOOD(wr(d, 32, 16, 2048, 0));
	GOOD(rec_sync(d));					/* full: the disc closes */
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 2);
	CU_ASSERT_EQUAL(rec_state(d)->ntracks, 1);
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].state, 3);
	CU_ASSERT_EQUAL(rec_state(d)->sessions[0].leadout_lba, 48);
	rec_disc_free(d);
}

/* DAO writes of n blocks from lba in 16-block chunks (32 KiB, as libburn, growisofs
 * and wodim send them), block i filled with (fill + i). */
static void wr_chunks(struct rec_disc *d, int32_t lba, uint32_t n, uint8_t fill)
{
	for (uint32_t done = 0; done < n; done += 16) {
		uint32_t k = n - done < 16 ? n - done : 16;
		GOOD(wr(d, lba + (int32_t)done, k, 2048, (uint8_t)(fill + done)));
	}
}

/* The reserved track 1 of a DAO disc was padded and closed: 1008 blocks, lead-out at
 * 1008, the disc finalized; blocks 1001..1007 read as zeros recorded under opcode. */
static void dao_closed(struct rec_disc *d, const char *img, uint8_t opcode)
{
	const struct dl_state *s = rec_state(d);
	CU_ASSERT_EQUAL(s->disc_status, 2);
	CU_ASSERT_EQUAL(s->last_session_state, 3);
	CU_ASSERT_EQUAL(s->nsessions, 1);
	CU_ASSERT_EQUAL(s->sessions[0].state, 3);
	CU_ASSERT_EQUAL(s->sessions[0].leadout_lba, 1008);
	CU_ASSERT_EQUAL(s->nwa, -1);
	CU_ASSERT_EQUAL_FATAL(s->ntracks, 1);
	CU_ASSERT_EQUAL(s->tracks[0].state, 3);
	CU_ASSERT_EQUAL(s->tracks[0].size, 1008);
	CU_ASSERT_EQUAL(s->tracks[0].last_recorded, 1007);
	CU_ASSERT_EQUAL(s->tracks[0].free_blocks, 0);
	CU_ASSERT_EQUAL(s->tracks[0].flags & 0x09, 0);		/* not blank, no NWA */
	uint8_t buf[8 * 2048], zero[7 * 2048];
	memset(zero, 0, sizeof(zero));
	GOOD(rec_read(d, 1000, 8, buf));
	CU_ASSERT_EQUAL(buf[0], (uint8_t)(1 + 1000));		/* the host's last block */
	CU_ASSERT_EQUAL(memcmp(buf + 2048, zero, sizeof(zero)), 0);	/* the drive's */
	SENSE_IS(rec_read(d, 1008, 1, buf), 5, 0x21, 0);
	struct dl_error e;
	struct dl_reader *r = dl_reader_open(img, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	struct dl_data_meta m;
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, 1000, &m, &e), 0);
	CU_ASSERT_EQUAL(m.opcode, 0x2a);
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, 1007, &m, &e), 0);
	CU_ASSERT_EQUAL(m.lba, 1001);
	CU_ASSERT_EQUAL(m.count, 7);
	CU_ASSERT_EQUAL(m.opcode, opcode);
	CU_ASSERT_EQUAL(m.write_type, 2);
	CU_ASSERT_EQUAL(m.track, 1);
	dl_reader_close(r);
}

/* A blank DVD-R with page 05h DAO as libburn sends it (track mode 5, multi-session
 * 00b), RESERVE TRACK 1001 (the drive makes it 1008) and the first n blocks written. */
static struct rec_disc *dao_written(const char *img, uint32_t n)
{
	struct rec_disc *d = mk("dvd-r", img, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	GOOD(page(d, 2, 5, 8, 0, -1));
	GOOD(rec_reserve(d, false, 1001));
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].size, 1008);
	wr_chunks(d, 0, n, 1);
	return d;
}

/* DVD-R/-RW Disc-at-Once as libburn (xorriso, cdrskin), growisofs and wodim do it:
 * RESERVE TRACK of the exact image size (1001, rounded to 1008 by the drive), exactly
 * 1001 blocks written, then SYNCHRONIZE CACHE (wodim: twice), no CLOSE. */
static void test_dvdr_dao_short_reservation(void)
{
	const char *img = tpath("dao-libburn.dl");
	struct rec_disc *d = dao_written(img, 992);
	GOOD(rec_sync(d));					/* short of 1001: a flush only */
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 1);
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].state, 2);
	wr_chunks(d, 992, 9, (uint8_t)(1 + 992));
	GOOD(rec_sync(d));					/* the drive pads and closes */
	dao_closed(d, img, 0x35);
	GOOD(rec_sync(d));					/* wodim's second flush */
	SENSE_IS(rec_close(d, 2, 0), 5, 0x2c, 0);		/* nothing open any more */
	SENSE_IS(rec_close(d, 1, 1), 5, 0x2c, 0);
	SENSE_IS(wr(d, 1008, 16, 2048, 0), 5, 0x21, 2);		/* finalized */
	SENSE_IS(rec_reserve(d, false, 16), 5, 0x72, 5);
	rec_disc_free(d);

	/* wodim -multi on a blanked DVD-RW: page 05h multi-session 11b, LS_V and FP left
	 * on from the incremental default; a DAO disc is finalized all the same. */
	img = tpath("dao-wodim.dl");
	d = mk("dvd-rw", img, 0);
	GOOD(wr(d, 0, 16, 2048, 0));
	GOOD(rec_blank(d, 0, 0));
	GOOD(page(d, 2, -1, -1, 3, -1));
	GOOD(rec_reserve(d, false, 1001));
	wr_chunks(d, 0, 1001, 1);
	GOOD(rec_sync(d));
	dao_closed(d, img, 0x35);
	GOOD(rec_sync(d));
	rec_disc_free(d);

	/* CLOSE SESSION instead of SYNCHRONIZE CACHE: the same end. */
	img = tpath("dao-close-session.dl");
	d = dao_written(img, 1001);
	GOOD(rec_close(d, 2, 0));
	dao_closed(d, img, 0x5b);
	rec_disc_free(d);

	/* CLOSE TRACK, then CLOSE SESSION (libburn closing a damaged DVD-R): the track is
	 * padded at CLOSE TRACK, the session closes as page 05h says. */
	img = tpath("dao-close-track.dl");
	d = dao_written(img, 1001);
	GOOD(rec_close(d, 1, 1));
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].state, 3);
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].last_recorded, 1007);
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 1);
	GOOD(rec_close(d, 2, 0));
	dao_closed(d, img, 0x5b);
	rec_disc_free(d);
}

/* What stays wrong: a DAO recording short of what was reserved is not closed by a
 * SYNC, and CLOSE SESSION refuses it; after a reload the requested size is unknown,
 * so the whole rounded reservation must be written. */
static void test_dvdr_dao_refusals(void)
{
	const char *img = tpath("dao-short.dl");
	struct rec_disc *d = dao_written(img, 500);
	GOOD(rec_sync(d));
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 1);
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].state, 2);
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].nwa, 500);
	SENSE_IS(rec_close(d, 2, 0), 5, 0x72, 4);		/* reservation not filled */
	SENSE_IS(wr(d, 500, 509, 2048, 0), 5, 0x63, 0);	/* past the 1008 */
	rec_disc_free(d);

	d = mk(NULL, img, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].nwa, 500);
	wr_chunks(d, 500, 501, (uint8_t)(1 + 500));
	GOOD(rec_sync(d));					/* 1001 of an unknown request */
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 1);
	GOOD(wr(d, 1001, 7, 2048, 0));
	GOOD(rec_sync(d));
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 2);
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].size, 1008);
	rec_disc_free(d);
}

static void test_track_full_and_modes(void)
{
	const char *img = tpath("modes.dl");
	struct rec_disc *d = mk("cd-r", img, 1000);
	const struct dl_state *s = rec_state(d);
	GOOD(page(d, -1, 4, 11, -1, -1));			/* XA form 1 with sub-header */
	uint8_t blk[2056 * 2];
	memset(blk, 0xee, sizeof(blk));
	memset(blk + 8, 0x11, 2048);
	memset(blk + 2056 + 8, 0x22, 2048);
	struct rec_write_req w = { .lba = 0, .nblocks = 2, .data = blk, .len = sizeof(blk),
				   .opcode = 0x2a };
	GOOD(rec_write(d, &w));
	CU_ASSERT_EQUAL(s->tracks[0].data_mode, 2);
	uint8_t out[4096];
	GOOD(rec_read(d, 0, 2, out));
	CU_ASSERT_EQUAL(out[0], 0x11);
	CU_ASSERT_EQUAL(out[2047], 0x11);
	CU_ASSERT_EQUAL(out[2048], 0x22);
	GOOD(rec_sync(d));
	GOOD(page(d, -1, 4, 9, -1, -1));			/* mode 2 formless: no READ(10) */
	GOOD(wr(d, 154, 10, 2336, 0));
	SENSE_IS(rec_read(d, 154, 1, out), 5, 0x64, 0);
	GOOD(rec_sync(d));
	GOOD(page(d, -1, 4, 8, -1, -1));
	uint32_t left = s->tracks[2].free_blocks;
	CU_ASSERT_EQUAL(left, 1000 - 316);
	GOOD(wr(d, 316, left, 2048, 0));			/* fills the disc */
	CU_ASSERT_EQUAL(s->tracks[2].nwa, -1);
	CU_ASSERT_EQUAL(s->tracks[2].flags & 0x08, 0);
	CU_ASSERT_EQUAL(s->nwa, -1);
	SENSE_IS(wr(d, 1000, 1, 2048, 0), 5, 0x21, 0);
	GOOD(rec_sync(d));
	CU_ASSERT_EQUAL(s->ntracks, 3);				/* no room for another track */
	CU_ASSERT_EQUAL(s->tracks[2].state, 3);
	w = (struct rec_write_req){ .lba = 0, .nblocks = 1, .len = 2048, .opcode = 0x2a };
	SENSE_IS(rec_write(d, &w), 5, 0x24, 0);			/* no data */
	w.data = blk;
	SENSE_IS(rec_write(d, &w), 5, 0x21, 2);			/* closed track: not an NWA */
	rec_disc_free(d);

	d = mk("dvd+r-dl", NULL, 0);
	GOOD(wr(d, 0, 16, 2048, 0));
	GOOD(rec_close(d, 1, 1));
	GOOD(rec_close(d, 4, 0));				/* extended lead-out: appendable */
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 1);
	CU_ASSERT_EQUAL(rec_state(d)->nsessions, 2);
	rec_disc_free(d);
}

/* ---- RAW ------------------------------------------------------------------ */

enum raw_area { RAW_LEADIN, RAW_PREGAP, RAW_DATA, RAW_LEADOUT };

/* One raw block at lba of the small disc: lead-in (Q TNO 00), track 1 pregap at
 * -150..-1 (INDEX 00, P on), Mode 1 data from 0 (INDEX 01), lead-out (TNO AAh); data
 * sectors scrambled as RAW hosts send them (ECMA-130 Annex B); the sub-channel as DBT
 * 1 (16 formatted P/Q bytes), DBT 2 and 3 (96 P-W bytes, P and Q in b7/b6 as wodim
 * sends them for -raw96p and -raw96r) or none (DBT 0). */
static void raw_block(uint8_t *out, int32_t lba, enum raw_area a, int dbt, int32_t leadout)
{
	uint8_t user[CDS_USER_SIZE];
	memset(out, 0, CDS_RAW_SUB_SIZE);
	if (a == RAW_DATA) {
		memset(user, (uint8_t)lba, sizeof(user));
		CU_ASSERT_EQUAL(cds_make_mode1(out, lba, user), 0);
	} else if (a == RAW_PREGAP) {
		memset(user, 0, sizeof(user));
		CU_ASSERT_EQUAL(cds_make_mode1(out, lba, user), 0);
	}
	uint8_t ch[8][CDS_CHAN_SIZE];
	memset(ch, 0, sizeof(ch));
	switch (a) {
	case RAW_LEADIN:
		CU_ASSERT_EQUAL(cds_q_position(ch[1], 4, 0, 0xa0 % 100, 0, lba), 0);
		break;
	case RAW_PREGAP:
		CU_ASSERT_EQUAL(cds_sub_synth(ch, 4, 1, 0, -lba, lba), 0);
		break;
	case RAW_DATA:
		CU_ASSERT_EQUAL(cds_sub_synth(ch, 4, 1, 1, lba, lba), 0);
		break;
	case RAW_LEADOUT: {
		CU_ASSERT_EQUAL(cds_q_position(ch[1], 4, 1, 1, lba - leadout, lba), 0);
		ch[1][1] = 0xaa;
		uint16_t crc = (uint16_t)~cds_crc16(ch[1], 10);
		ch[1][10] = (uint8_t)(crc >> 8);
		ch[1][11] = (uint8_t)crc;
		break;
	}
	}
	if (a == RAW_DATA || a == RAW_PREGAP)
		cds_scramble(out + CDS_OFF_HEADER, CDS_RAW_SIZE - CDS_OFF_HEADER);
	if (dbt == 3 || dbt == 2) {
		cds_sub_interleave(out + CDS_RAW_SIZE, ch);
	} else if (dbt == 1) {
		memcpy(out + CDS_RAW_SIZE, ch[1], CDS_CHAN_SIZE);
		out[CDS_RAW_SIZE + 15] = a == RAW_PREGAP ? 0x80 : 0;
	}
}

/* Write blocks [from, to) of the area in WRITEs of up to 500 blocks. */
static struct sim_sense raw_write(struct rec_disc *d, int32_t from, int32_t to, enum raw_area a,
				  int dbt, int32_t leadout)
{
	uint32_t bs = rec_dbt_block_size((uint8_t)dbt);
	uint8_t *buf = malloc((size_t)500 * bs);
	struct sim_sense s = SIM_SENSE_NONE;
	uint8_t blk[CDS_RAW_SUB_SIZE];
	while (from < to && !s.key) {
		uint32_t n = to - from > 500 ? 500 : (uint32_t)(to - from);
		for (uint32_t i = 0; i < n; i++) {
			raw_block(blk, from + (int32_t)i, a, dbt, leadout);
			memcpy(buf + (size_t)i * bs, blk, bs);
		}
		struct rec_write_req w = { .lba = from, .nblocks = n, .data = buf,
					   .len = (size_t)n * bs, .opcode = 0x2a };
		s = rec_write(d, &w);
		from += (int32_t)n;
	}
	free(buf);
	return s;
}

static void test_cd_raw(void)
{
	char img[PATH_MAX];
	snprintf(img, sizeof(img), "%s", tpath("raw.dl"));
	struct rec_disc *d = mk("cd-r", img, 0);
	const struct dl_state *s = rec_state(d);
	CU_ASSERT_EQUAL(s->leadin_lba, -11635);
	SENSE_IS(page(d, 3, 4, 8, -1, -1), 5, 0x26, 0);		/* RAW needs DBT 0-3 */
	SENSE_IS(page(d, 3, 4, 9, -1, -1), 5, 0x26, 0);
	GOOD(page(d, 3, 4, 3, -1, -1));
	CU_ASSERT_EQUAL(rec_write_block_size(d, -11635), 2448);
	SENSE_IS(wr(d, 0, 1, 2448, 0), 5, 0x21, 2);		/* must start at the lead-in */
	SENSE_IS(wr(d, -11635, 1, 2352, 0), 5, 0x24, 0);	/* 2448 per block */
	GOOD(raw_write(d, -11635, -1000, RAW_LEADIN, 3, 300));
	SENSE_IS(raw_write(d, -999, -151, RAW_LEADIN, 3, 300), 5, 0x21, 2);	/* a gap */
	SENSE_IS(raw_write(d, -1001, -151, RAW_LEADIN, 3, 300), 5, 0x21, 2);	/* overlap */
	GOOD(raw_write(d, -1000, -150, RAW_LEADIN, 3, 300));
	GOOD(raw_write(d, -150, 0, RAW_PREGAP, 3, 300));
	GOOD(raw_write(d, 0, 300, RAW_DATA, 3, 300));
	CU_ASSERT_EQUAL(s->ntracks, 1);				/* layout not yet derived */
	CU_ASSERT_EQUAL(s->tracks[0].state, 0);
	GOOD(rec_sync(d));					/* no lead-out yet: only flushes */
	CU_ASSERT_EQUAL(s->tracks[0].state, 0);
	GOOD(raw_write(d, 300, 400, RAW_LEADOUT, 3, 300));
	GOOD(rec_sync(d));					/* after the lead-out: session ends */
	CU_ASSERT_EQUAL_FATAL(s->ntracks, 1);
	CU_ASSERT_EQUAL(s->tracks[0].state, 3);
	CU_ASSERT_EQUAL(s->tracks[0].start_lba, 0);
	CU_ASSERT_EQUAL(s->tracks[0].size, 300);
	CU_ASSERT_EQUAL(s->tracks[0].mode, 4);
	CU_ASSERT_EQUAL(s->tracks[0].data_mode, 1);
	CU_ASSERT_EQUAL(s->tracks[0].last_recorded, 299);
	CU_ASSERT_EQUAL(s->sessions[0].leadout_lba, 300);
	CU_ASSERT_EQUAL(s->sessions[0].state, 3);
	CU_ASSERT_EQUAL(s->disc_status, 2);			/* multi-session 00b */
	CU_ASSERT_EQUAL(rec_last_readable(d), 299);
	uint8_t got[CDS_RAW_SUB_SIZE], want[CDS_RAW_SUB_SIZE];
	struct sim_sense se;
	CU_ASSERT_EQUAL(rec_read_raw(d, 17, 1, got, sizeof(got), &se), CDS_RAW_SUB_SIZE);
	raw_block(want, 17, RAW_DATA, 3, 300);
	cds_scramble(want + CDS_OFF_HEADER, CDS_RAW_SIZE - CDS_OFF_HEADER);
	CU_ASSERT_EQUAL(memcmp(got, want, sizeof(got)), 0);	/* read back descrambled */
	SENSE_IS(wr(d, 400, 1, 2448, 0), 5, 0x21, 2);		/* finalized */
	rec_disc_free(d);

	struct dl_error e;
	struct dl_reader *r = dl_reader_open(img, 0, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	struct dl_data_meta m;
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, -11635, &m, &e), 0);
	CU_ASSERT_EQUAL(m.block_size, 2448);
	CU_ASSERT_EQUAL(m.data_block_type, 3);
	CU_ASSERT_EQUAL(m.write_type, 3);
	CU_ASSERT_EQUAL(m.track, 0);
	CU_ASSERT_EQUAL(dl_reader_block_meta(r, 0, &m, &e), 0);
	CU_ASSERT_EQUAL(m.track, 1);
	CU_ASSERT_EQUAL(m.write_type, 3);
	raw_block(want, 17, RAW_DATA, 3, 300);			/* recorded as given */
	CU_ASSERT_EQUAL(dl_reader_read(r, 17, 1, got, sizeof(got), &e), CDS_RAW_SUB_SIZE);
	CU_ASSERT_EQUAL(memcmp(got, want, sizeof(got)), 0);
	const struct dl_state *rs = dl_reader_state(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->disc_status, 2);
	CU_ASSERT_EQUAL(rs->ntracks, 1);
	dl_reader_close(r);

	/* DBT 1 (16-byte P/Q), multi-session 11b, CLOSE SESSION without a lead-out; the
	 * next session's RAW recording starts at its lead-in */
	d = mk("cd-rw", NULL, 0);
	s = rec_state(d);
	GOOD(page(d, 3, 4, 1, 3, -1));
	SENSE_IS(rec_close(d, 2, 0), 5, 0x2c, 0);		/* nothing written */
	GOOD(raw_write(d, -11635, -150, RAW_LEADIN, 1, 200));
	GOOD(raw_write(d, -150, 0, RAW_PREGAP, 1, 200));
	GOOD(raw_write(d, 0, 200, RAW_DATA, 1, 200));
	GOOD(rec_close(d, 2, 0));
	CU_ASSERT_EQUAL(s->disc_status, 1);
	CU_ASSERT_EQUAL(s->tracks[0].size, 200);
	CU_ASSERT_EQUAL(s->sessions[0].leadout_lba, 200);
	CU_ASSERT_EQUAL(s->leadin_lba, 200 + 6750);
	CU_ASSERT_EQUAL_FATAL(s->ntracks, 2);
	CU_ASSERT_EQUAL(s->tracks[1].start_lba, 200 + 6750 + 4650);
	SENSE_IS(raw_write(d, 11600, 11601, RAW_LEADIN, 1, 0), 5, 0x21, 2);
	GOOD(raw_write(d, 6950, 6951, RAW_LEADIN, 1, 0));
	rec_disc_free(d);

	/* RAW cannot start in a session a TAO track was written in */
	d = mk("cd-r", NULL, 0);
	GOOD(wr(d, 0, 10, 2048, 0));
	GOOD(page(d, 3, 4, 3, -1, -1));
	SENSE_IS(raw_write(d, -11635, -11634, RAW_LEADIN, 3, 0), 5, 0x2c, 0);
	rec_disc_free(d);
}

/* Write one block of RAW data (bs bytes) at lba. */
static struct sim_sense raw_one(struct rec_disc *d, int32_t lba, const uint8_t *blk, uint32_t bs)
{
	struct rec_write_req w = { .lba = lba, .nblocks = 1, .data = blk, .len = bs,
				   .opcode = 0x2a };
	return rec_write(d, &w);
}

/* RAW frames read back as a drive reads a disc (ECMA-130 Annex B descrambling,
 * §14.3 EDC, §14.2 header address): for every DBT RAW accepts (0 bare, 1 -raw16,
 * 2 -raw96p, 3 -raw96r), READ(10) returns the 2048 user bytes of the scrambled Mode 1
 * sectors and rec_read_raw the descrambled frame with its sub-channel as sent. */
static void test_cd_raw_readback(void)
{
	char img[PATH_MAX];
	for (int dbt = 0; dbt <= 3; dbt++) {
		snprintf(img, sizeof(img), "%s", tpath("rawread.dl"));
		unlink(img);
		struct rec_disc *d = mk("cd-r", img, 0);
		const struct dl_state *s = rec_state(d);
		GOOD(page(d, 3, 4, dbt, -1, -1));
		uint32_t bs = rec_dbt_block_size((uint8_t)dbt);
		GOOD(raw_write(d, -11635, -150, RAW_LEADIN, dbt, 20));
		GOOD(raw_write(d, -150, 0, RAW_PREGAP, dbt, 20));
		GOOD(raw_write(d, 0, 20, RAW_DATA, dbt, 20));
		SENSE_IS(rec_read(d, 0, 1, (uint8_t[2048]){ 0 }), 5, 0x21, 0);	/* still open */
		if (dbt == 0) {				/* no Q: CLOSE SESSION ends it */
			GOOD(rec_close(d, 2, 0));
		} else {				/* Q (DBT 2 too): the lead-out does */
			GOOD(raw_write(d, 20, 30, RAW_LEADOUT, dbt, 20));
			GOOD(rec_sync(d));
			CU_ASSERT_EQUAL(s->sessions[0].leadout_lba, 20);
		}
		CU_ASSERT_EQUAL_FATAL(s->ntracks, 1);
		CU_ASSERT_EQUAL(s->tracks[0].start_lba, 0);
		CU_ASSERT_EQUAL(s->tracks[0].size, 20);
		CU_ASSERT_EQUAL(s->tracks[0].mode, 4);		/* a data track */
		CU_ASSERT_EQUAL(s->tracks[0].data_mode, 1);
		uint8_t out[3 * CDS_USER_SIZE];
		GOOD(rec_read(d, 5, 3, out));
		for (int b = 0; b < 3; b++)
			for (int i = 0; i < CDS_USER_SIZE; i += 511)
				CU_ASSERT_EQUAL(out[b * CDS_USER_SIZE + i], (uint8_t)(5 + b));
		uint8_t got[CDS_RAW_SUB_SIZE], want[CDS_RAW_SUB_SIZE];
		struct sim_sense se;
		CU_ASSERT_EQUAL(rec_read_raw(d, 19, 1, got, sizeof(got), &se), (long)bs);
		raw_block(want, 19, RAW_DATA, dbt, 20);
		cds_scramble(want + CDS_OFF_HEADER, CDS_RAW_SIZE - CDS_OFF_HEADER);
		CU_ASSERT_EQUAL(memcmp(got, want, bs), 0);
		CU_ASSERT_EQUAL(cds_classify(got), CDS_KIND_MODE1);
		SENSE_IS(rec_read(d, 20, 1, out), 5, 0x21, 0);	/* past the track */
		rec_disc_free(d);
	}

	/* Frames a drive cannot use as Mode 1 data (DBT 3, one track of 12 blocks). */
	snprintf(img, sizeof(img), "%s", tpath("rawbad.dl"));
	unlink(img);
	struct rec_disc *d = mk("cd-r", img, 0);
	GOOD(page(d, 3, 4, 3, -1, -1));
	GOOD(raw_write(d, -11635, -150, RAW_LEADIN, 3, 12));
	GOOD(raw_write(d, -150, 0, RAW_PREGAP, 3, 12));
	GOOD(raw_write(d, 0, 4, RAW_DATA, 3, 12));
	uint8_t blk[CDS_RAW_SUB_SIZE], user[CDS_USER_SIZE];
	raw_block(blk, 4, RAW_DATA, 3, 12);			/* 4: not scrambled */
	cds_scramble(blk + CDS_OFF_HEADER, CDS_RAW_SIZE - CDS_OFF_HEADER);
	GOOD(raw_one(d, 4, blk, CDS_RAW_SUB_SIZE));
	raw_block(blk, 5, RAW_DATA, 3, 12);			/* 5: one byte damaged */
	blk[CDS_OFF_M1_DATA + 100] ^= 0x01;
	GOOD(raw_one(d, 5, blk, CDS_RAW_SUB_SIZE));
	raw_block(blk, 6, RAW_DATA, 3, 12);			/* 6: header says LBA 60 */
	memset(user, 6, sizeof(user));
	CU_ASSERT_EQUAL(cds_make_mode1(blk, 60, user), 0);
	cds_scramble(blk + CDS_OFF_HEADER, CDS_RAW_SIZE - CDS_OFF_HEADER);
	GOOD(raw_one(d, 6, blk, CDS_RAW_SUB_SIZE));
	raw_block(blk, 7, RAW_DATA, 3, 12);			/* 7: no sync, audio */
	memset(blk, 0x11, CDS_RAW_SIZE);
	GOOD(raw_one(d, 7, blk, CDS_RAW_SUB_SIZE));
	raw_block(blk, 8, RAW_DATA, 3, 12);			/* 8: Mode 2 Form 1 */
	memset(user, 0x88, sizeof(user));
	CU_ASSERT_EQUAL(cds_make_mode2_form1(blk, 8, user, NULL), 0);
	cds_scramble(blk + CDS_OFF_HEADER, CDS_RAW_SIZE - CDS_OFF_HEADER);
	GOOD(raw_one(d, 8, blk, CDS_RAW_SUB_SIZE));
	GOOD(raw_write(d, 9, 12, RAW_DATA, 3, 12));
	GOOD(raw_write(d, 12, 20, RAW_LEADOUT, 3, 12));
	GOOD(rec_sync(d));					/* the lead-out ends it */
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].size, 12);
	uint8_t out[2 * CDS_USER_SIZE];
	GOOD(rec_read(d, 3, 1, out));
	SENSE_IS(rec_read(d, 3, 2, out), 3, 0x11, 5);		/* L-EC uncorrectable */
	SENSE_IS(rec_read(d, 5, 1, out), 3, 0x11, 5);
	SENSE_IS(rec_read(d, 6, 1, out), 3, 0x15, 2);		/* not where it should be */
	SENSE_IS(rec_read(d, 7, 1, out), 5, 0x64, 0);		/* no user data */
	GOOD(rec_read(d, 8, 1, out));
	CU_ASSERT_EQUAL(out[0], 0x88);
	CU_ASSERT_EQUAL(out[CDS_USER_SIZE - 1], 0x88);
	uint8_t got[CDS_RAW_SUB_SIZE];
	struct sim_sense se;
	CU_ASSERT_EQUAL(rec_read_raw(d, 4, 1, got, sizeof(got), &se), -1);
	SENSE_IS(se, 3, 0x11, 5);
	CU_ASSERT_EQUAL(rec_read_raw(d, 7, 1, got, sizeof(got), &se), CDS_RAW_SUB_SIZE);
	CU_ASSERT_EQUAL(got[0], 0x11);				/* audio as written */
	rec_disc_free(d);
}

/* BD-R with spare areas (FORMAT UNIT 00h/32h): the user area shrinks by the spare, the
 * format survives a reload, and a written disc can no longer be formatted. */
static void test_bdr_spares(void)
{
	const char *img = tpath("bdr-spares.dl");
	struct rec_disc *d = mk("bd-r", img, 0);
	CU_ASSERT_EQUAL(rec_bdr_spare(d, REC_SPARE_DEFAULT), 393216);
	CU_ASSERT_EQUAL(rec_bdr_spare(d, REC_SPARE_MAX), 655360);
	CU_ASSERT_EQUAL(rec_bdr_spare(d, REC_SPARE_MIN), 131072);
	CU_ASSERT_EQUAL(rec_user_capacity(d), 12219392);
	SENSE_IS(rec_format(d, 0x32, 3, 0, 0), 5, 0x26, 0);
	SENSE_IS(rec_format(d, 0x32, 0, 12219392, 0), 5, 0x26, 0);	/* no spare */
	GOOD(rec_format(d, 0x32, 0, 12088320 + 31, 0));	/* rounded down to a cluster */
	CU_ASSERT_EQUAL(rec_user_capacity(d), 12088320);
	CU_ASSERT_EQUAL(rec_state(d)->flags & (REC_DF_SPARES | REC_DF_POW), REC_DF_SPARES | REC_DF_POW);
	GOOD(rec_format(d, 0x00, 1, 0, 0));		/* blank: again, default spare */
	CU_ASSERT_EQUAL(rec_user_capacity(d), 11826176);
	CU_ASSERT_EQUAL(rec_state(d)->flags & (REC_DF_SPARES | REC_DF_POW), REC_DF_SPARES);
	CU_ASSERT_EQUAL(rec_state(d)->tracks[0].free_blocks, 11826176);
	CU_ASSERT_EQUAL(rec_state(d)->disc_status, 0);
	rec_disc_free(d);

	d = mk("bd-r", img, 0);				/* reload */
	CU_ASSERT_EQUAL(rec_user_capacity(d), 11826176);
	CU_ASSERT_EQUAL(rec_state(d)->capacity, 12219392);
	SENSE_IS(wr(d, 11826176 - 16, 32, 2048, 0), 5, 0x21, 2);	/* not at the NWA */
	GOOD(wr(d, 0, 64, 2048, 1));
	SENSE_IS(rec_format(d, 0x00, 1, 0, 0), 5, 0x30, 6);
	GOOD(rec_close(d, 1, 1));
	GOOD(rec_close(d, 6, 0));
	CU_ASSERT_EQUAL(rec_user_capacity(d), 11826176);	/* kept when finalized */
	rec_disc_free(d);
}

/* BD-R Pseudo-OverWrite (MMC-6 §4.5 POW): on an SRM+POW disc a write to recorded
 * blocks replaces them through the spare areas - reads return the new data, the NWA
 * and the track stay - until no replacement cluster is left (03/32/00); the spare used
 * is counted again on reload.  Unrecorded blocks off the NWA stay 05/21/02, and
 * unformatted and SRM-POW discs refuse the overwrite as before. */
static void test_bdr_pow(void)
{
	const char *img = tpath("bdr-pow.dl");
	struct rec_disc *d = mk("bd-r", img, 32768);
	GOOD(rec_format(d, 0x32, 0, 0, 10));		/* 10 spare clusters, SRM+POW */
	CU_ASSERT_EQUAL(rec_user_capacity(d), 32768 - 320);
	GOOD(wr(d, 0, 384, 2048, 1));
	const struct dl_state *st = rec_state(d);
	GOOD(wr(d, 16, 16, 2048, 0x80));		/* cluster 0 */
	CU_ASSERT_EQUAL(st->nwa, 384);
	CU_ASSERT_EQUAL(st->tracks[0].nwa, 384);
	CU_ASSERT_EQUAL(st->tracks[0].last_recorded, 383);
	CU_ASSERT_EQUAL(st->tracks[0].free_blocks, 32448 - 384);
	CU_ASSERT_EQUAL(st->disc_status, 1);
	uint8_t buf[3 * 2048];
	GOOD(rec_read(d, 15, 3, buf));
	CU_ASSERT_EQUAL(buf[0], 16);			/* 1 + 15: as first written */
	CU_ASSERT_EQUAL(buf[2048], 0x80);
	CU_ASSERT_EQUAL(buf[2 * 2048], 0x81);
	SENSE_IS(wr(d, 400, 32, 2048, 0), 5, 0x21, 2);	/* unrecorded, past the NWA */
	SENSE_IS(wr(d, 380, 8, 2048, 0), 5, 0x21, 2);	/* runs past the NWA */
	SENSE_IS(wr(d, 32448, 1, 2048, 0), 5, 0x21, 0);	/* in the spare areas */
	GOOD(wr(d, 32, 16, 2048, 0x90));		/* cluster 1 */
	GOOD(wr(d, 48, 16, 2048, 0xa0));		/* continues cluster 1: no new one */
	GOOD(wr(d, 40, 32, 2048, 0xb0));		/* clusters 1 and 2 again */
	for (int32_t lba = 96; lba <= 256; lba += 32)	/* clusters 3..8: 10 in all */
		GOOD(wr(d, lba, 16, 2048, 0xc0));
	SENSE_IS(wr(d, 288, 1, 2048, 0), 3, 0x32, 0);	/* spare exhausted */
	GOOD(wr(d, 272, 16, 2048, 0xd0));		/* continues cluster 8 */
	GOOD(wr(d, 384, 32, 2048, 2));			/* at the NWA: sequential as ever */
	CU_ASSERT_EQUAL(st->nwa, 416);
	GOOD(rec_close(d, 1, 1));
	SENSE_IS(wr(d, 0, 1, 2048, 0), 3, 0x32, 0);
	rec_disc_free(d);

	d = mk("bd-r", img, 0);				/* reload: 10 clusters used */
	GOOD(rec_read(d, 16, 1, buf));
	CU_ASSERT_EQUAL(buf[0], 0x80);
	GOOD(rec_read(d, 48, 1, buf));
	CU_ASSERT_EQUAL(buf[0], 0xb8);			/* latest wins: 0xb0 + 8 */
	SENSE_IS(wr(d, 0, 1, 2048, 0), 3, 0x32, 0);
	CU_ASSERT_EQUAL(rec_state(d)->nwa, 416);
	GOOD(rec_close(d, 6, 0));
	SENSE_IS(wr(d, 0, 1, 2048, 0), 5, 0x21, 2);	/* finalized */
	rec_disc_free(d);

	d = mk("bd-r", NULL, 32768);			/* unformatted: no overwrite */
	GOOD(wr(d, 0, 64, 2048, 1));
	SENSE_IS(wr(d, 16, 16, 2048, 0), 5, 0x21, 2);
	rec_disc_free(d);
	d = mk("bd-r", NULL, 32768);			/* SRM-POW: none either */
	GOOD(rec_format(d, 0x32, 1, 0, 10));
	GOOD(wr(d, 0, 64, 2048, 1));
	SENSE_IS(wr(d, 16, 16, 2048, 0), 5, 0x21, 2);
	rec_disc_free(d);
}

static int recorder_suite(void)
{
	static const struct unit_test tests[] = {
		{ "media_table", test_media_table },
		{ "blank_sequential", test_blank_sequential },
		{ "page05_defaults", test_page05_defaults },
		{ "page05_select", test_page05_select },
		{ "write_rules", test_write_rules },
		{ "dvdplusr_sessions", test_dvdplusr_sessions },
		{ "finalize_empty_session", test_finalize_empty_session },
		{ "cdr_tao", test_cdr_tao },
		{ "cd_multisession", test_cd_multisession },
		{ "dvdplusrw_random", test_dvdplusrw_random },
		{ "bdre_format", test_bdre_format },
		{ "bdr_spares", test_bdr_spares },
		{ "bdr_pow", test_bdr_pow },
		{ "cdrw_blank", test_cdrw_blank },
		{ "bdr_streaming", test_bdr_streaming },
		{ "test_write", test_test_write },
		{ "reload", test_reload },
		{ "reserve_close_rules", test_reserve_close_rules },
		{ "cue_sheet", test_cue_sheet },
		{ "cd_sao", test_cd_sao },
		{ "dvdr_incremental", test_dvdr_incremental },
		{ "dvdr_incremental_fp_page", test_dvdr_incremental_fp_page },
		{ "reload_replay", test_reload_replay },
		{ "dvdr_dao", test_dvdr_dao },
		{ "dvdr_dao_short_reservation", test_dvdr_dao_short_reservation },
		{ "dvdr_dao_refusals", test_dvdr_dao_refusals },
		{ "track_full_and_modes", test_track_full_and_modes },
		{ "cd_raw", test_cd_raw },
		{ "cd_raw_readback", test_cd_raw_readback },
	};
	return UNIT_ADD_SUITE("recorder", tests);
}
UNIT_SUITE(recorder_suite)
