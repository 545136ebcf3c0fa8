/* engine/rawcdimage.c - IRawCDImageCreator and IRawCDImageTrackInfo: the raw
 * Disc-at-Once image of a CD, sector by sector (rawcdimage.h; manual:
 * doc/engine-rawimage.md, whose section numbers the comments cite as "image §N").
 *
 * Shape:
 *  - AddTrack, AddSpecialPregap and AddSubcodeRWGenerator copy their stream into one
 *    unlinked spool file per creator; the creator keeps offsets and counts only, so a
 *    700 MB image costs a few kilobytes of memory.
 *  - rci_layout() derives every track's pre-gap, start and post-gap, and the lead-out,
 *    from the track list and DisableGaplessAudio; it runs after every change, so the
 *    properties can change in any order until CreateResultImage.
 *  - The result stream builds each sector when it is read: rci_locate() says what the
 *    address is (lead-in TOC frame, pre-gap, track data, post-gap, lead-out), then the
 *    main channel (ECMA-130 §14, scrambled per Annex B for data) and the Q channel
 *    (§22.3) are made from that, and the sub-channel laid out as ResultingImageType
 *    asks (MMC-6 §7.5.4 data block types 1 to 3).
 * The codes themselves (EDC, parity, scrambler, CRC) are in ecma130.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecma130.h"
#include "rawcdimage.h"
#include "stream-private.h"

enum {
	RCI_MAX_TRACKS = 99,          /* track numbers 01..99 (ECMA-130 §22.3) */
	RCI_MAX_INDEXES = 99,         /* index numbers 01..99 */
	RCI_MIN_TRACK = 300,          /* 4 s: the shortest track (Microsoft's AddTrack) */
	RCI_PREGAP = 150,             /* 2 s of INDEX 00 before a track (image §3) */
	RCI_POSTGAP = 150,            /* 2 s after a data track followed by another mode */
	RCI_MIN_SPECIAL_PREGAP = 150, /* AddSpecialPregap: at least the 2 s pre-gap */
	RCI_INDEX_DISTANCE = 10,      /* index points at least 10 sectors apart */
	RCI_LIMIT_MAX = 398099,       /* Microsoft's maximum StartOfLeadoutLimit */
	RCI_TOC_REPEAT = 3,           /* each lead-in TOC item on 3 sectors in a row */
	RCI_ADR_PERIOD = 100,         /* one MCN and one ISRC frame per 100 sectors */
	RCI_MCN_PHASE = 25,           /* ... at these positions of the period */
	RCI_ISRC_PHASE = 75,
	RCI_SCMS_RUN = 4,             /* SCMS: the copy bit flips every 4 sectors */
	RCI_SPOOL_CHUNK = 32,         /* sectors per read of a caller's stream */
};

#define RCI_FIRST_LBA RAW_CD_IMAGE_FIRST_LBA
#define RCI_LEADIN_END (-150) /* the first sector after the lead-in */

/* ---- sector types ---------------------------------------------------------------- */

enum rci_form {
	RCI_AUDIO,
	RCI_MODE0,  /* Mode 0: 2336 bytes after the header */
	RCI_MODE1,
	RCI_MODE2,  /* Mode 2 without form: 2336 bytes after the header */
	RCI_FORM1,
	RCI_FORM2,
};

struct rci_type {
	uint32_t bytes;     /* per sector in the caller's stream */
	enum rci_form form; /* what the sector is on the disc (also of our filler sectors) */
	bool raw;           /* the stream holds whole scrambled sectors */
	uint8_t mode;       /* header mode byte; 0xFF for audio */
	uint8_t disc_class; /* 0 audio, 1 Mode 0/1 (CD-DA/CD-ROM), 2 Mode 2 (CD-ROM XA) */
};

/* IMAPI_CD_SECTOR_TYPE -> what it is (Microsoft's IMAPI_CD_SECTOR_TYPE sizes). */
static const struct rci_type rci_types[] = {
	[IMAPI_CD_SECTOR_AUDIO] = { 2352, RCI_AUDIO, false, 0xFF, 0 },
	[IMAPI_CD_SECTOR_MODE_ZERO] = { 2336, RCI_MODE0, false, 0, 1 },
	[IMAPI_CD_SECTOR_MODE1] = { 2048, RCI_MODE1, false, 1, 1 },
	[IMAPI_CD_SECTOR_MODE2FORM0] = { 2336, RCI_MODE2, false, 2, 2 },
	[IMAPI_CD_SECTOR_MODE2FORM1] = { 2048, RCI_FORM1, false, 2, 2 },
	[IMAPI_CD_SECTOR_MODE2FORM2] = { 2336, RCI_FORM2, false, 2, 2 },
	[IMAPI_CD_SECTOR_MODE1RAW] = { 2352, RCI_MODE1, true, 1, 1 },
	[IMAPI_CD_SECTOR_MODE2FORM0RAW] = { 2352, RCI_MODE2, true, 2, 2 },
	[IMAPI_CD_SECTOR_MODE2FORM1RAW] = { 2352, RCI_FORM1, true, 2, 2 },
	[IMAPI_CD_SECTOR_MODE2FORM2RAW] = { 2352, RCI_FORM2, true, 2, 2 },
};
#define RCI_NTYPES ((int)(sizeof(rci_types) / sizeof(rci_types[0])))

/* ---- objects ------------------------------------------------------------------------ */

struct rci_track {
	imapi_cd_sector_type type;
	int32_t sectors;    /* SectorCount */
	uint64_t spool_off; /* where its sectors are in the spool */
	char isrc[13];      /* 12 characters, "" for none */
	imapi_cd_track_digital_copy_setting copy;
	bool preemphasis;
	int nidx;
	int32_t idx[RCI_MAX_INDEXES]; /* offsets of INDEX 01, 02, ... ascending; idx[0] = 0 */
	/* rci_layout()'s results */
	int32_t start;   /* StartingLba: INDEX 01 */
	int32_t pregap;  /* INDEX 00 sectors before start */
	bool overlap;    /* gapless: the pre-gap is the previous track's last sectors */
	int32_t postgap; /* filler sectors after its data, still INDEX nn of this track */
};

struct raw_cd_image {
	atomic_int refs;
	atomic_bool read_only;
	int spool;          /* unlinked temporary file, -1 until first needed */
	uint64_t spool_end; /* bytes of the spool in use */
	imapi_format2_raw_cd_data_sector_type image_type;
	int32_t leadout_limit; /* 0: none */
	bool disable_gapless;
	char mcn[14]; /* 13 digits, "" for none */
	int32_t first_track_number;
	int32_t special_sectors; /* AddSpecialPregap, 0 for none */
	uint64_t special_off;
	bool have_rw; /* AddSubcodeRWGenerator */
	uint64_t rw_off, rw_bytes;
	int32_t leadout; /* rci_layout()'s result; meaningful with tracks */
	int ntracks;
	struct rci_track tracks[RCI_MAX_TRACKS];
};

struct raw_cd_track_info {
	atomic_int refs;
	raw_cd_image *cr; /* one reference */
	int k;            /* tracks[k] */
};

static const struct rci_type *rci_type_of(const struct rci_track *t)
{
	return &rci_types[t->type];
}

static bool rci_is_audio(const struct rci_track *t)
{
	return rci_type_of(t)->form == RCI_AUDIO;
}

/* ---- layout (image §3) ----------------------------------------------------------- */

/* Place tracks[0..n-1]; returns the lead-out LBA.
 *  - Track 1: 150 sectors of INDEX 00 from LBA -150 (ECMA-130's 2 s pre-gap before
 *    the first track), or the special pre-gap's sectors when there is one.
 *  - Two audio tracks: DisableGaplessAudio TRUE puts 150 silent INDEX 00 sectors
 *    between them; FALSE makes the last 150 sectors of the first the INDEX 00 of the
 *    second (Microsoft's "gapless": nothing is added).
 *  - Any other pair: 150 sectors of INDEX 00 in the second track's mode.
 *  - A data track followed by a track of another mode or by audio ends with a 150-sector
 *    post-gap in its own mode (ECMA-130's post-gap: a data track keeps 2 s of its mode
 *    after its data when the next track differs). */
static int32_t rci_layout(struct raw_cd_image *cr, int n, bool disable_gapless)
{
	int32_t pos = -150;

	for (int k = 0; k < n; k++) {
		struct rci_track *t = &cr->tracks[k];
		t->postgap = 0;
		t->overlap = false;
		t->pregap = RCI_PREGAP;
		if (k == 0) {
			if (cr->special_sectors)
				t->pregap = cr->special_sectors;
			pos += t->pregap;
		} else {
			struct rci_track *prev = &cr->tracks[k - 1];
			if (!rci_is_audio(prev) && rci_type_of(prev)->mode != rci_type_of(t)->mode) {
				prev->postgap = RCI_POSTGAP;
				pos += RCI_POSTGAP;
			}
			if (rci_is_audio(prev) && rci_is_audio(t) && !disable_gapless)
				t->overlap = true;
			else
				pos += RCI_PREGAP;
		}
		t->start = pos;
		pos += t->sectors;
	}
	return pos;
}

static int32_t rci_leadout_cap(const struct raw_cd_image *cr)
{
	return cr->leadout_limit ? cr->leadout_limit : RAW_CD_IMAGE_MAX_LEADOUT_LBA;
}

/* ---- control field (ECMA-130 §22.3) ---------------------------------------------------- */

enum { CTL_PREEMPHASIS = 0x1, CTL_COPY = 0x2, CTL_DATA = 0x4 };

/* The control nibble of track t in the program area at lba (SCMS alternates). */
static uint8_t rci_ctl(const struct rci_track *t, int32_t lba)
{
	if (!rci_is_audio(t))
		return CTL_DATA;
	uint8_t ctl = t->preemphasis ? CTL_PREEMPHASIS : 0;
	if (t->copy == IMAPI_CD_TRACK_DIGITAL_COPY_PERMITTED ||
	    (t->copy == IMAPI_CD_TRACK_DIGITAL_COPY_SCMS && ((lba + 150) / RCI_SCMS_RUN) % 2))
		ctl |= CTL_COPY;
	return ctl;
}

/* ... and in the table of contents: [PROJECT DECISION] an SCMS track shows copy
 * prohibited there. */
static uint8_t rci_toc_ctl(const struct rci_track *t)
{
	if (!rci_is_audio(t))
		return CTL_DATA;
	return (uint8_t)((t->preemphasis ? CTL_PREEMPHASIS : 0) |
			 (t->copy == IMAPI_CD_TRACK_DIGITAL_COPY_PERMITTED ? CTL_COPY : 0));
}

static int32_t rci_track_number(const struct raw_cd_image *cr, int k)
{
	return cr->first_track_number + k;
}

/* A0h PSEC, the disc type (MMC-6 §6.26, READ TOC format 0010b): CD-ROM XA when a
 * Mode 2 track is present, else CD-DA or CD-ROM. */
static uint8_t rci_disc_type(const struct raw_cd_image *cr)
{
	for (int k = 0; k < cr->ntracks; k++)
		if (rci_type_of(&cr->tracks[k])->disc_class == 2)
			return 0x20;
	return 0x00;
}

/* ---- where an address is ----------------------------------------------------------- */

enum rci_region { RCI_LEADIN, RCI_PROGRAM, RCI_LEADOUT };

struct rci_loc {
	enum rci_region region;
	int k;          /* program: the track the Q channel names */
	unsigned index; /* program: 0 in the pre-gap, 1.. in the track */
	int32_t rel;    /* program, lead-out: relative time in sectors */
	bool boundary;  /* program: first sector of a pre-gap or of an index */
	/* the main channel's source */
	int data_k;        /* track whose stream holds this sector, -1 for none */
	int32_t data_off;  /* its sector number in that stream */
	bool special;      /* AddSpecialPregap's stream, sector data_off */
	const struct rci_type *fill; /* none of those: a filler sector of this type */
};

static void rci_locate(const struct raw_cd_image *cr, int32_t lba, struct rci_loc *loc)
{
	const struct rci_track *last = &cr->tracks[cr->ntracks - 1];

	memset(loc, 0, sizeof(*loc));
	loc->data_k = -1;
	if (lba < RCI_LEADIN_END) {
		loc->region = RCI_LEADIN;
		loc->fill = rci_type_of(&cr->tracks[0]); /* the lead-in in track 1's mode */
		return;
	}
	if (lba >= cr->leadout) {
		loc->region = RCI_LEADOUT;
		loc->rel = lba - cr->leadout;
		loc->fill = rci_type_of(last); /* the lead-out in the last track's mode */
		return;
	}
	loc->region = RCI_PROGRAM;
	int k = 0;
	while (k + 1 < cr->ntracks &&
	       lba >= cr->tracks[k + 1].start - cr->tracks[k + 1].pregap)
		k++;
	const struct rci_track *t = &cr->tracks[k];
	loc->k = k;
	loc->fill = rci_type_of(t);
	if (lba < t->start) {
		/* INDEX 00: relative time counts down to 00:00:00 on the sector before
		 * INDEX 01 (ECMA-130 §22.3.3) */
		loc->index = 0;
		loc->rel = t->start - 1 - lba;
		loc->boundary = lba == t->start - t->pregap;
		if (k == 0 && cr->special_sectors) {
			loc->special = true;
			loc->data_off = lba + 150;
		} else if (t->overlap) {
			loc->data_k = k - 1;
			loc->data_off = lba - cr->tracks[k - 1].start;
		}
		return;
	}
	int32_t off = lba - t->start;
	int j = 0;
	while (j + 1 < t->nidx && off >= t->idx[j + 1])
		j++;
	loc->index = (unsigned)j + 1;
	loc->rel = off;
	loc->boundary = off == t->idx[j];
	if (off < t->sectors) {
		loc->data_k = k;
		loc->data_off = off;
	}
}

/* ---- Q channel ---------------------------------------------------------------------- */

/* Mode 1 Q (ECMA-130 §22.3.3): CTL/ADR, TNO, INDEX or POINT, MIN SEC FRAME, ZERO, then
 * the absolute time or PMIN PSEC PFRAME; bytes 1..9 as given (BCD). */
static void q_mode1(uint8_t q[ENG_CD_CHAN], uint8_t ctl, uint8_t tno, uint8_t point,
		    const uint8_t msf[3], const uint8_t pmsf[3])
{
	q[0] = (uint8_t)(ctl << 4 | 1);
	q[1] = tno;
	q[2] = point;
	memcpy(q + 3, msf, 3);
	q[6] = 0;
	memcpy(q + 7, pmsf, 3);
	eng_cd_q_crc(q);
}

/* Lead-in (ECMA-130 §22.3, mode 1 in the lead-in): the TOC, A0h, A1h, A2h then one
 * item per track, each on 3 consecutive sectors, repeated from the image's first
 * sector on.  MIN SEC FRAME run with the sector's own address ([PROJECT DECISION]: so
 * any tail of the lead-in, which is where a writer starts on a real medium, is
 * consistent). */
static void q_leadin(const struct raw_cd_image *cr, int32_t lba, uint8_t q[ENG_CD_CHAN])
{
	const struct rci_track *first = &cr->tracks[0], *last = &cr->tracks[cr->ntracks - 1];
	int items = 3 + cr->ntracks;
	int item = (int)(((lba - RCI_FIRST_LBA) / RCI_TOC_REPEAT) % items);
	uint8_t run[3], p[3] = { 0, 0, 0 }, ctl, point;

	eng_cd_lba_to_bcd(lba, run);
	switch (item) {
	case 0: /* A0h: first track number, disc type */
		point = 0xA0;
		ctl = rci_toc_ctl(first);
		p[0] = eng_cd_bcd((unsigned)cr->first_track_number);
		p[1] = rci_disc_type(cr);
		break;
	case 1: /* A1h: last track number */
		point = 0xA1;
		ctl = rci_toc_ctl(last);
		p[0] = eng_cd_bcd((unsigned)rci_track_number(cr, cr->ntracks - 1));
		break;
	case 2: /* A2h: start of the lead-out */
		point = 0xA2;
		ctl = rci_toc_ctl(last);
		eng_cd_lba_to_bcd(cr->leadout, p);
		break;
	default: {
		const struct rci_track *t = &cr->tracks[item - 3];
		point = eng_cd_bcd((unsigned)rci_track_number(cr, item - 3));
		ctl = rci_toc_ctl(t);
		eng_cd_lba_to_bcd(t->start, p);
		break;
	}
	}
	q_mode1(q, ctl, 0, point, run, p);
}

/* Mode 2 Q, the media catalogue number: 13 BCD digits, a zero nibble, a zero byte, the
 * absolute FRAME (ECMA-130 §22.3, mode 2). */
static void q_mcn(const char *mcn, uint8_t ctl, int32_t lba, uint8_t q[ENG_CD_CHAN])
{
	uint8_t abs[3];

	memset(q, 0, ENG_CD_CHAN);
	q[0] = (uint8_t)(ctl << 4 | 2);
	for (int i = 0; i < 13; i++)
		q[1 + i / 2] |= (uint8_t)((mcn[i] - '0') << (i % 2 ? 0 : 4));
	eng_cd_lba_to_bcd(lba, abs);
	q[9] = abs[2];
	eng_cd_q_crc(q);
}

/* Mode 3 Q, the ISRC (ECMA-130 §22.3, mode 3): country and owner as five 6-bit
 * codes ('0'..'9' -> 0..9, 'A'..'Z' -> 17..42), two zero bits, year and serial as
 * seven BCD digits, a zero nibble, the absolute FRAME. */
static void q_isrc(const char *isrc, uint8_t ctl, int32_t lba, uint8_t q[ENG_CD_CHAN])
{
	uint64_t bits = 0; /* the 64 bits of q[1..8], most significant first */
	uint8_t abs[3];

	for (int i = 0; i < 5; i++)
		bits = bits << 6 | (uint64_t)(isrc[i] - '0');
	bits <<= 2;
	for (int i = 5; i < 12; i++)
		bits = bits << 4 | (uint64_t)(isrc[i] - '0');
	bits <<= 4;
	q[0] = (uint8_t)(ctl << 4 | 3);
	for (int i = 0; i < 8; i++)
		q[1 + i] = (uint8_t)(bits >> (56 - 8 * i));
	eng_cd_lba_to_bcd(lba, abs);
	q[9] = abs[2];
	eng_cd_q_crc(q);
}

/* Q and P of one sector (image §4). */
static void rci_subcode(const struct raw_cd_image *cr, int32_t lba, const struct rci_loc *loc,
			uint8_t q[ENG_CD_CHAN], int *p)
{
	uint8_t rel[3], abs[3];

	eng_cd_lba_to_bcd(lba, abs);
	if (loc->region == RCI_LEADIN) {
		*p = 0; /* ECMA-130 §22.2: zero in the lead-in */
		q_leadin(cr, lba, q);
		return;
	}
	if (loc->region == RCI_LEADOUT) {
		/* ECMA-130 §22.2: in the lead-out P alternates at 2 Hz, 50 % duty, starting
		 * with ONE: a half period is 18.75 sectors */
		*p = (loc->rel * 4 / ENG_CD_FPS) % 2 == 0;
		eng_cd_frames_to_bcd(loc->rel, rel);
		q_mode1(q, rci_toc_ctl(&cr->tracks[cr->ntracks - 1]), 0xAA, 0x01, rel, abs);
		return;
	}
	const struct rci_track *t = &cr->tracks[loc->k];
	uint8_t ctl = rci_ctl(t, lba);
	int32_t phase = (lba + 150) % RCI_ADR_PERIOD;
	*p = loc->index == 0; /* ONE in the pause before a track, ZERO in it */
	/* One mode 2 (MCN) and one mode 3 (ISRC) frame per 100 sectors, never on the
	 * first sector of a pre-gap or an index, which a player looks for (image §4). */
	if (cr->mcn[0] && phase == RCI_MCN_PHASE && !loc->boundary) {
		q_mcn(cr->mcn, ctl, lba, q);
		return;
	}
	if (t->isrc[0] && loc->index > 0 && phase == RCI_ISRC_PHASE && !loc->boundary) {
		q_isrc(t->isrc, ctl, lba, q);
		return;
	}
	eng_cd_frames_to_bcd(loc->rel, rel);
	q_mode1(q, ctl, eng_cd_bcd((unsigned)rci_track_number(cr, loc->k)),
		eng_cd_bcd(loc->index), rel, abs);
}

/* ---- main channel -------------------------------------------------------------------- */

/* The main channel at lba of a sector of type ty: user is what the caller's stream
 * holds for it, NULL for a filler sector (zero user data: pre-gap, post-gap, lead-in,
 * lead-out).  Data sectors come out scrambled (ECMA-130 Annex B), as a raw-mode writer
 * sends them and as Microsoft's *RAW sector types already are. */
static void rci_main(uint8_t s[ENG_CD_FRAME], int32_t lba, const struct rci_type *ty,
		     const uint8_t *user)
{
	static const uint8_t sub_form1[4] = { 0, 0, ENG_CD_SUBMODE_DATA, 0 };
	static const uint8_t sub_form2[4] = { 0, 0, ENG_CD_SUBMODE_FORM2, 0 };

	if (ty->form == RCI_AUDIO || (ty->raw && user)) {
		if (user)
			memcpy(s, user, ENG_CD_FRAME);
		else
			memset(s, 0, ENG_CD_FRAME); /* digital silence */
		return;
	}
	eng_cd_header(s, lba, ty->mode);
	memset(s + 16, 0, ENG_CD_FRAME - 16);
	switch (ty->form) {
	case RCI_MODE0:
	case RCI_MODE2:
		if (user)
			memcpy(s + 16, user, 2336);
		break;
	case RCI_MODE1:
		if (user)
			memcpy(s + ENG_CD_OFF_M1_DATA, user, 2048);
		eng_cd_finish_mode1(s);
		break;
	case RCI_FORM1:
		memcpy(s + ENG_CD_OFF_SUBHDR, sub_form1, 4);
		memcpy(s + ENG_CD_OFF_SUBHDR + 4, sub_form1, 4);
		if (user)
			memcpy(s + ENG_CD_OFF_M2_DATA, user, 2048);
		eng_cd_finish_form1(s);
		break;
	case RCI_FORM2:
		if (user) { /* sub-header, data and EDC as the caller gave them */
			memcpy(s + ENG_CD_OFF_SUBHDR, user, 2336);
		} else {
			memcpy(s + ENG_CD_OFF_SUBHDR, sub_form2, 4);
			memcpy(s + ENG_CD_OFF_SUBHDR + 4, sub_form2, 4);
			eng_cd_finish_form2(s);
		}
		break;
	case RCI_AUDIO:
		break;
	}
	eng_cd_scramble(s);
}

/* ---- spool ------------------------------------------------------------------------------ */

static hresult_t rci_spool_open(struct raw_cd_image *cr)
{
	if (cr->spool >= 0)
		return S_OK;
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	if (!dir || !*dir)
		dir = "/tmp";
	if (snprintf(path, sizeof(path), "%s/rawcdimage.XXXXXX", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return E_FAIL;
	}
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return E_FAIL; /* errno kept */
	unlink(path);
	cr->spool = fd;
	return S_OK;
}

static hresult_t rci_pwrite(int fd, const uint8_t *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return E_FAIL; /* errno kept (ENOSPC, EIO ...) */
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return S_OK;
}

static hresult_t rci_pread(int fd, uint8_t *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO; /* the spool is shorter than we wrote: cannot happen */
			return E_FAIL;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return S_OK;
}

/* Copy stream s to the end of the spool in units of `unit` bytes, a chunk at a time.
 * Stops after the chunk that passes max_units: *units > max_units means "too long"
 * and the rest is left unread.  *partial: the stream ended inside a unit.  The spool's
 * end is not moved; the caller commits *off .. *off + *units * unit. */
static hresult_t rci_spool_stream(struct raw_cd_image *cr, imapi_stream *s, uint32_t unit,
				  int64_t max_units, uint64_t *off, int64_t *units, bool *partial)
{
	hresult_t hr = rci_spool_open(cr);
	uint8_t *buf = NULL;
	uint64_t at = cr->spool_end;

	*off = at;
	*units = 0;
	*partial = false;
	if (IMAPI_FAILED(hr))
		return hr;
	buf = malloc((size_t)unit * RCI_SPOOL_CHUNK);
	if (!buf)
		return E_OUTOFMEMORY;
	while (*units <= max_units) {
		uint32_t got = 0;
		hr = eng_stream_read_full(s, buf, unit * RCI_SPOOL_CHUNK, &got);
		if (IMAPI_FAILED(hr))
			break;
		hr = rci_pwrite(cr->spool, buf, got, at);
		if (IMAPI_FAILED(hr))
			break;
		at += got;
		*units += got / unit;
		if (got % unit)
			*partial = true;
		if (got < unit * RCI_SPOOL_CHUNK)
			break; /* end of data */
	}
	free(buf);
	return hr;
}

/* ---- creator ------------------------------------------------------------------------------ */

hresult_t raw_cd_image_create(raw_cd_image **out)
{
	if (!out)
		return E_POINTER;
	raw_cd_image *cr = calloc(1, sizeof(*cr));
	*out = NULL;
	if (!cr)
		return E_OUTOFMEMORY;
	atomic_init(&cr->refs, 1);
	atomic_init(&cr->read_only, false);
	cr->spool = -1;
	cr->image_type = IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_RAW;
	cr->first_track_number = 1;
	*out = cr;
	return S_OK;
}

void raw_cd_image_addref(raw_cd_image *cr)
{
	if (cr)
		atomic_fetch_add(&cr->refs, 1);
}

void raw_cd_image_release(raw_cd_image *cr)
{
	if (!cr || atomic_fetch_sub(&cr->refs, 1) != 1)
		return;
	if (cr->spool >= 0)
		close(cr->spool);
	free(cr);
}

/* The first checks of every change: E_POINTER, then read-only. */
static hresult_t rci_writable(const raw_cd_image *cr)
{
	if (!cr)
		return E_POINTER;
	return atomic_load(&cr->read_only) ? E_IMAPI_RAW_IMAGE_IS_READ_ONLY : S_OK;
}

hresult_t raw_cd_image_add_track(raw_cd_image *cr, imapi_cd_sector_type data_type,
				 imapi_stream *data, int32_t *track_index)
{
	hresult_t hr = rci_writable(cr);
	if (hr == E_POINTER || !data || !track_index)
		return E_POINTER;
	if (IMAPI_FAILED(hr))
		return hr;
	if ((int)data_type < 0 || (int)data_type >= RCI_NTYPES)
		return E_INVALIDARG;
	const struct rci_type *ty = &rci_types[data_type];
	if (ty->form != RCI_AUDIO) {
		/* Microsoft: a StartingTrackNumber other than 1 is for audio tracks only; the
		 * special pre-gap is audio, so track 1 is too; one disc type per session
		 * (MMC-6 §6.26 A0h: CD-DA/CD-ROM or CD-ROM XA, not both) */
		if (cr->first_track_number != 1 || (cr->ntracks == 0 && cr->special_sectors))
			return E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED;
		for (int k = 0; k < cr->ntracks; k++) {
			const struct rci_type *o = rci_type_of(&cr->tracks[k]);
			if (o->form != RCI_AUDIO && o->disc_class != ty->disc_class)
				return E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED;
		}
	}
	if (cr->ntracks >= RCI_MAX_TRACKS ||
	    rci_track_number(cr, cr->ntracks) > RCI_MAX_TRACKS)
		return E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS;

	/* The room left: place the new track with no sectors, see where its data begins */
	int k = cr->ntracks;
	struct rci_track *t = &cr->tracks[k];
	memset(t, 0, sizeof(*t));
	t->type = data_type;
	t->copy = IMAPI_CD_TRACK_DIGITAL_COPY_PERMITTED;
	t->nidx = 1;
	int32_t room = rci_leadout_cap(cr) - rci_layout(cr, k + 1, cr->disable_gapless);
	rci_layout(cr, k, cr->disable_gapless); /* undo the post-gap it may have given */

	uint64_t off;
	int64_t units;
	bool partial;
	hr = rci_spool_stream(cr, data, ty->bytes, room < 0 ? 0 : room, &off, &units, &partial);
	if (IMAPI_FAILED(hr))
		return hr;
	if (units > room)
		return E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE;
	if (partial || units < RCI_MIN_TRACK)
		return E_INVALIDARG;
	t->sectors = (int32_t)units;
	t->spool_off = off;
	cr->spool_end = off + (uint64_t)units * ty->bytes;
	cr->ntracks = k + 1;
	cr->leadout = rci_layout(cr, cr->ntracks, cr->disable_gapless);
	*track_index = k + 1;
	return S_OK;
}

hresult_t raw_cd_image_add_special_pregap(raw_cd_image *cr, imapi_stream *data)
{
	hresult_t hr = rci_writable(cr);
	if (hr == E_POINTER || !data)
		return E_POINTER;
	if (IMAPI_FAILED(hr))
		return hr;
	if (cr->ntracks)
		return E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED;
	/* room: the pre-gap starts at -150 and a shortest track must still fit after it */
	int64_t room = (int64_t)rci_leadout_cap(cr) + 150 - RCI_MIN_TRACK;
	uint64_t off;
	int64_t units;
	bool partial;
	hr = rci_spool_stream(cr, data, ENG_CD_FRAME, room, &off, &units, &partial);
	if (IMAPI_FAILED(hr))
		return hr;
	if (units > room)
		return E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE;
	if (partial || units < RCI_MIN_SPECIAL_PREGAP)
		return E_INVALIDARG;
	cr->special_sectors = (int32_t)units;
	cr->special_off = off;
	cr->spool_end = off + (uint64_t)units * ENG_CD_FRAME;
	return S_OK;
}

hresult_t raw_cd_image_add_subcode_rw_generator(raw_cd_image *cr, imapi_stream *subcode)
{
	hresult_t hr = rci_writable(cr);
	if (hr == E_POINTER || !subcode)
		return E_POINTER;
	if (IMAPI_FAILED(hr))
		return hr;
	if (cr->image_type == IMAPI_FORMAT2_RAW_CD_SUBCODE_PQ_ONLY)
		return E_INVALIDARG;
	/* the largest image: from the first LBA to the end of the latest lead-out */
	int64_t room = RAW_CD_IMAGE_MAX_LEADOUT_LBA + RAW_CD_IMAGE_LEADOUT_SECTORS - RCI_FIRST_LBA;
	uint64_t off;
	int64_t units;
	bool partial;
	hr = rci_spool_stream(cr, subcode, ENG_CD_SUB, room, &off, &units, &partial);
	if (IMAPI_FAILED(hr))
		return hr;
	if (units > room || partial)
		return E_INVALIDARG;
	cr->have_rw = true;
	cr->rw_off = off;
	cr->rw_bytes = (uint64_t)units * ENG_CD_SUB;
	cr->spool_end = off + cr->rw_bytes;
	return S_OK;
}

hresult_t raw_cd_image_put_resulting_image_type(raw_cd_image *cr,
		imapi_format2_raw_cd_data_sector_type value)
{
	hresult_t hr = rci_writable(cr);
	if (IMAPI_FAILED(hr))
		return hr;
	if ((int)value < IMAPI_FORMAT2_RAW_CD_SUBCODE_PQ_ONLY || (int)value > IMAPI_FORMAT2_RAW_CD_SUBCODE_IS_RAW)
		return E_INVALIDARG;
	if (value == IMAPI_FORMAT2_RAW_CD_SUBCODE_PQ_ONLY && cr->have_rw)
		return E_INVALIDARG;
	cr->image_type = value;
	return S_OK;
}

hresult_t raw_cd_image_get_resulting_image_type(raw_cd_image *cr,
		imapi_format2_raw_cd_data_sector_type *value)
{
	if (!cr || !value)
		return E_POINTER;
	*value = cr->image_type;
	return S_OK;
}

hresult_t raw_cd_image_get_start_of_leadout(raw_cd_image *cr, int32_t *value)
{
	if (!cr || !value)
		return E_POINTER;
	if (!cr->ntracks)
		return E_IMAPI_RAW_IMAGE_NO_TRACKS;
	*value = cr->leadout;
	return S_OK;
}

hresult_t raw_cd_image_put_start_of_leadout_limit(raw_cd_image *cr, int32_t value)
{
	hresult_t hr = rci_writable(cr);
	if (IMAPI_FAILED(hr))
		return hr;
	if (value < 0 || value > RCI_LIMIT_MAX)
		return E_INVALIDARG;
	if (value && cr->ntracks && cr->leadout > value)
		return E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE;
	cr->leadout_limit = value;
	return S_OK;
}

hresult_t raw_cd_image_get_start_of_leadout_limit(raw_cd_image *cr, int32_t *value)
{
	if (!cr || !value)
		return E_POINTER;
	*value = cr->leadout_limit;
	return S_OK;
}

hresult_t raw_cd_image_put_disable_gapless_audio(raw_cd_image *cr, int value)
{
	hresult_t hr = rci_writable(cr);
	if (IMAPI_FAILED(hr))
		return hr;
	bool v = value != 0;
	int32_t leadout = rci_layout(cr, cr->ntracks, v);
	if (cr->ntracks && leadout > rci_leadout_cap(cr)) {
		rci_layout(cr, cr->ntracks, cr->disable_gapless);
		return E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE;
	}
	cr->disable_gapless = v;
	cr->leadout = leadout;
	return S_OK;
}

hresult_t raw_cd_image_get_disable_gapless_audio(raw_cd_image *cr, int *value)
{
	if (!cr || !value)
		return E_POINTER;
	*value = cr->disable_gapless ? IMAPI_VARIANT_TRUE : IMAPI_VARIANT_FALSE;
	return S_OK;
}

/* A malloc'ed copy of s for a getter. */
static hresult_t rci_strdup_out(const char *s, char **out)
{
	*out = strdup(s);
	return *out ? S_OK : E_OUTOFMEMORY;
}

/* 13 digits, leading zeros optional, the last the EAN-13 check digit: weights 1, 3,
 * 1, 3 ... on the first 12 digits from the left, the check digit brings the sum to a
 * multiple of 10 (the MCN is a UPC/EAN number). */
static bool mcn_parse(const char *s, char out[14])
{
	size_t n = strlen(s);
	unsigned sum = 0;

	if (n > 13)
		return false;
	memset(out, '0', 13 - n);
	memcpy(out + 13 - n, s, n);
	out[13] = '\0';
	for (int i = 0; i < 13; i++)
		if (out[i] < '0' || out[i] > '9')
			return false;
	for (int i = 0; i < 12; i++)
		sum += (unsigned)(out[i] - '0') * (i % 2 ? 3u : 1u);
	return (unsigned)(out[12] - '0') == (10u - sum % 10u) % 10u;
}

hresult_t raw_cd_image_put_media_catalog_number(raw_cd_image *cr, const char *value)
{
	hresult_t hr = rci_writable(cr);
	char mcn[14];
	if (IMAPI_FAILED(hr))
		return hr;
	if (!value || !*value) {
		cr->mcn[0] = '\0';
		return S_OK;
	}
	if (!mcn_parse(value, mcn))
		return E_INVALIDARG;
	memcpy(cr->mcn, mcn, sizeof(mcn));
	return S_OK;
}

hresult_t raw_cd_image_get_media_catalog_number(raw_cd_image *cr, char **value)
{
	if (!cr || !value)
		return E_POINTER;
	return rci_strdup_out(cr->mcn, value);
}

hresult_t raw_cd_image_put_starting_track_number(raw_cd_image *cr, int32_t value)
{
	hresult_t hr = rci_writable(cr);
	if (IMAPI_FAILED(hr))
		return hr;
	if (cr->ntracks)
		return E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED;
	if (value < 1 || value > RCI_MAX_TRACKS)
		return E_INVALIDARG;
	cr->first_track_number = value;
	return S_OK;
}

hresult_t raw_cd_image_get_starting_track_number(raw_cd_image *cr, int32_t *value)
{
	if (!cr || !value)
		return E_POINTER;
	*value = cr->first_track_number;
	return S_OK;
}

hresult_t raw_cd_image_get_track_info(raw_cd_image *cr, int32_t track_index,
				      raw_cd_track_info **value)
{
	if (!cr || !value)
		return E_POINTER;
	*value = NULL;
	if (track_index < 1 || track_index > cr->ntracks)
		return E_INVALIDARG;
	raw_cd_track_info *ti = calloc(1, sizeof(*ti));
	if (!ti)
		return E_OUTOFMEMORY;
	atomic_init(&ti->refs, 1);
	raw_cd_image_addref(cr);
	ti->cr = cr;
	ti->k = track_index - 1;
	*value = ti;
	return S_OK;
}

hresult_t raw_cd_image_get_number_of_existing_tracks(raw_cd_image *cr, int32_t *value)
{
	if (!cr || !value)
		return E_POINTER;
	*value = cr->ntracks;
	return S_OK;
}

hresult_t raw_cd_image_get_last_used_user_sector_in_image(raw_cd_image *cr, int32_t *value)
{
	if (!cr || !value)
		return E_POINTER;
	if (!cr->ntracks)
		return E_IMAPI_RAW_IMAGE_NO_TRACKS;
	*value = cr->leadout - 1;
	return S_OK;
}

/* One 11-byte descriptor of READ TOC format 0010b (MMC-6 §6.26): session, ADR and
 * CONTROL (ADR in the high nibble there, unlike Q), TNO, POINT, MIN SEC FRAME (0 here),
 * ZERO, PMIN PSEC PFRAME in binary. */
static uint8_t *toc_desc(uint8_t *d, uint8_t ctl, uint8_t point, uint8_t pm, uint8_t ps,
			 uint8_t pf)
{
	memset(d, 0, 11);
	d[0] = 1;
	d[1] = (uint8_t)(1u << 4 | ctl);
	d[3] = point;
	d[8] = pm;
	d[9] = ps;
	d[10] = pf;
	return d + 11;
}

hresult_t raw_cd_image_get_expected_table_of_contents(raw_cd_image *cr, uint8_t **data,
						      uint32_t *byte_size)
{
	if (!cr || !data || !byte_size)
		return E_POINTER;
	*data = NULL;
	*byte_size = 0;
	if (!cr->ntracks)
		return E_IMAPI_RAW_IMAGE_NO_TRACKS;
	uint32_t len = 4 + 11u * (3u + (uint32_t)cr->ntracks);
	uint8_t *buf = malloc(len), *d = buf + 4, msf[3];
	if (!buf)
		return E_OUTOFMEMORY;
	const struct rci_track *first = &cr->tracks[0], *last = &cr->tracks[cr->ntracks - 1];
	buf[0] = (uint8_t)((len - 2) >> 8);
	buf[1] = (uint8_t)(len - 2);
	buf[2] = 1;
	buf[3] = 1;
	d = toc_desc(d, rci_toc_ctl(first), 0xA0, (uint8_t)cr->first_track_number,
		     rci_disc_type(cr), 0);
	d = toc_desc(d, rci_toc_ctl(last), 0xA1,
		     (uint8_t)rci_track_number(cr, cr->ntracks - 1), 0, 0);
	eng_cd_lba_to_msf(cr->leadout, msf);
	d = toc_desc(d, rci_toc_ctl(last), 0xA2, msf[0], msf[1], msf[2]);
	for (int k = 0; k < cr->ntracks; k++) {
		eng_cd_lba_to_msf(cr->tracks[k].start, msf);
		d = toc_desc(d, rci_toc_ctl(&cr->tracks[k]), (uint8_t)rci_track_number(cr, k),
			     msf[0], msf[1], msf[2]);
	}
	*data = buf;
	*byte_size = len;
	return S_OK;
}

static int32_t rci_bytes_per_sector(const raw_cd_image *cr)
{
	return ENG_CD_FRAME + (cr->image_type == IMAPI_FORMAT2_RAW_CD_SUBCODE_PQ_ONLY ? 16 : ENG_CD_SUB);
}

static int32_t rci_image_sectors(const raw_cd_image *cr)
{
	return cr->leadout + RAW_CD_IMAGE_LEADOUT_SECTORS - RCI_FIRST_LBA;
}

hresult_t raw_cd_image_get_result_image_layout(raw_cd_image *cr, int32_t *first_lba,
					       int32_t *sector_count, int32_t *bytes_per_sector)
{
	if (!cr)
		return E_POINTER;
	if (!cr->ntracks)
		return E_IMAPI_RAW_IMAGE_NO_TRACKS;
	if (first_lba)
		*first_lba = RCI_FIRST_LBA;
	if (sector_count)
		*sector_count = rci_image_sectors(cr);
	if (bytes_per_sector)
		*bytes_per_sector = rci_bytes_per_sector(cr);
	return S_OK;
}

/* ---- the result stream ---------------------------------------------------------------- */

struct rci_reader {
	raw_cd_image *cr; /* one reference, read-only from now on */
	int32_t next, end;  /* next LBA to build; the first LBA after the lead-out */
	uint32_t bps;       /* bytes per result sector */
	uint32_t have, pos; /* bytes of sector[] built, bytes of it already read */
	uint8_t sector[ENG_CD_FRAME + ENG_CD_SUB];
	uint8_t user[ENG_CD_FRAME];
	uint8_t rw[ENG_CD_SUB];
};

/* Build the sector at r->next into r->sector. */
static hresult_t rci_build(struct rci_reader *r)
{
	const raw_cd_image *cr = r->cr;
	int32_t lba = r->next;
	struct rci_loc loc;
	const struct rci_type *ty = NULL;
	const uint8_t *user = NULL;
	uint8_t q[ENG_CD_CHAN];
	int p;
	hresult_t hr = S_OK;

	rci_locate(cr, lba, &loc);
	if (loc.special) {
		ty = &rci_types[IMAPI_CD_SECTOR_AUDIO];
		hr = rci_pread(cr->spool, r->user, ENG_CD_FRAME,
			       cr->special_off + (uint64_t)loc.data_off * ENG_CD_FRAME);
		user = r->user;
	} else if (loc.data_k >= 0) {
		const struct rci_track *t = &cr->tracks[loc.data_k];
		ty = rci_type_of(t);
		hr = rci_pread(cr->spool, r->user, ty->bytes,
			       t->spool_off + (uint64_t)loc.data_off * ty->bytes);
		user = r->user;
	} else {
		ty = loc.fill;
	}
	if (IMAPI_FAILED(hr))
		return hr;
	rci_main(r->sector, lba, ty, user);
	rci_subcode(cr, lba, &loc, q, &p);
	uint8_t *sub = r->sector + ENG_CD_FRAME;
	if (cr->image_type == IMAPI_FORMAT2_RAW_CD_SUBCODE_PQ_ONLY) {
		/* MMC-6 §7.5.4 data block type 1: the 12 Q bytes, 3 zero bytes, P in b7 of
		 * the last byte ([PROJECT DECISION]: the Q CRC stored inverted, as on the
		 * disc) */
		memcpy(sub, q, ENG_CD_CHAN);
		memset(sub + ENG_CD_CHAN, 0, 3);
		sub[15] = p ? 0x80 : 0x00;
	} else {
		const uint8_t *rw = NULL;
		if (cr->have_rw) {
			hr = rci_pread(cr->spool, r->rw, ENG_CD_SUB,
				       cr->rw_off + (uint64_t)(lba - RCI_FIRST_LBA) * ENG_CD_SUB);
			if (IMAPI_FAILED(hr))
				return hr;
			rw = r->rw;
		}
		eng_cd_sub_interleave(sub, p, q, rw);
	}
	r->have = r->bps;
	r->pos = 0;
	r->next++;
	return S_OK;
}

static hresult_t rci_read(void *ctx, void *buf, uint32_t len, uint32_t *got)
{
	struct rci_reader *r = ctx;
	uint8_t *out = buf;
	uint32_t done = 0;

	while (done < len) {
		if (r->pos == r->have) {
			if (r->next >= r->end)
				break; /* end of the image */
			hresult_t hr = rci_build(r);
			if (IMAPI_FAILED(hr)) {
				*got = done;
				return hr;
			}
		}
		uint32_t n = r->have - r->pos;
		if (n > len - done)
			n = len - done;
		memcpy(out + done, r->sector + r->pos, n);
		r->pos += n;
		done += n;
	}
	*got = done;
	return S_OK;
}

static void rci_close(void *ctx)
{
	struct rci_reader *r = ctx;
	raw_cd_image_release(r->cr);
	free(r);
}

hresult_t raw_cd_image_create_result_image(raw_cd_image *cr, imapi_stream **result_stream)
{
	static const imapi_stream_ops ops = { .read = rci_read, .close = rci_close };
	hresult_t hr = rci_writable(cr);

	if (hr == E_POINTER || !result_stream)
		return E_POINTER;
	*result_stream = NULL;
	if (IMAPI_FAILED(hr))
		return hr;
	if (!cr->ntracks)
		return E_IMAPI_RAW_IMAGE_NO_TRACKS;
	/* Microsoft: the generator gives 96 bytes for every sector of the image */
	if (cr->have_rw && cr->rw_bytes != (uint64_t)rci_image_sectors(cr) * ENG_CD_SUB)
		return E_INVALIDARG;
	struct rci_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return E_OUTOFMEMORY;
	raw_cd_image_addref(cr);
	r->cr = cr;
	r->next = RCI_FIRST_LBA;
	r->end = cr->leadout + RAW_CD_IMAGE_LEADOUT_SECTORS;
	r->bps = (uint32_t)rci_bytes_per_sector(cr);
	hr = imapi_stream_from_ops(&ops, r, result_stream);
	if (IMAPI_FAILED(hr)) {
		rci_close(r);
		return hr;
	}
	/* The size is known, as IStream::Stat gives it: IDiscFormat2RawCD::WriteMedia needs
	 * it (E_IMAPI_DF2RAW_STREAM_NOT_SUPPORTED without one). */
	hr = imapi_stream_put_size(*result_stream, (uint64_t)(r->end - r->next) * r->bps);
	if (IMAPI_FAILED(hr)) {
		imapi_stream_release(*result_stream);
		*result_stream = NULL;
		return hr;
	}
	atomic_store(&cr->read_only, true);
	return S_OK;
}

/* ---- track info ------------------------------------------------------------------------ */

void raw_cd_track_info_addref(raw_cd_track_info *ti)
{
	if (ti)
		atomic_fetch_add(&ti->refs, 1);
}

void raw_cd_track_info_release(raw_cd_track_info *ti)
{
	if (!ti || atomic_fetch_sub(&ti->refs, 1) != 1)
		return;
	raw_cd_image_release(ti->cr);
	free(ti);
}

static struct rci_track *ti_track(raw_cd_track_info *ti)
{
	return &ti->cr->tracks[ti->k];
}

/* The first checks of a change: E_POINTER, read-only, then audio only when asked. */
static hresult_t ti_writable(raw_cd_track_info *ti, bool audio_only)
{
	if (!ti)
		return E_POINTER;
	hresult_t hr = rci_writable(ti->cr);
	if (IMAPI_FAILED(hr))
		return hr;
	if (audio_only && !rci_is_audio(ti_track(ti)))
		return E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED;
	return S_OK;
}

hresult_t raw_cd_track_info_get_starting_lba(raw_cd_track_info *ti, int32_t *value)
{
	if (!ti || !value)
		return E_POINTER;
	*value = ti_track(ti)->start;
	return S_OK;
}

hresult_t raw_cd_track_info_get_sector_count(raw_cd_track_info *ti, int32_t *value)
{
	if (!ti || !value)
		return E_POINTER;
	*value = ti_track(ti)->sectors;
	return S_OK;
}

hresult_t raw_cd_track_info_get_track_number(raw_cd_track_info *ti, int32_t *value)
{
	if (!ti || !value)
		return E_POINTER;
	*value = rci_track_number(ti->cr, ti->k);
	return S_OK;
}

hresult_t raw_cd_track_info_get_sector_type(raw_cd_track_info *ti, imapi_cd_sector_type *value)
{
	if (!ti || !value)
		return E_POINTER;
	*value = ti_track(ti)->type;
	return S_OK;
}

/* "CC-OOO-YY-SSSSS" or the same without dashes: country (letters), owner (letters or
 * digits), year and serial (digits); lower case letters are taken as upper case. */
static bool isrc_parse(const char *s, char out[13])
{
	static const int dash_at[] = { 2, 6, 9 };
	size_t n = strlen(s), o = 0;

	if (n != 12 && n != 15)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (n == 15 && (i == (size_t)dash_at[0] || i == (size_t)dash_at[1] ||
				i == (size_t)dash_at[2])) {
			if (s[i] != '-')
				return false;
			continue;
		}
		char c = s[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		bool digit = c >= '0' && c <= '9', letter = c >= 'A' && c <= 'Z';
		if ((o < 2 && !letter) || (o >= 2 && o < 5 && !digit && !letter) ||
		    (o >= 5 && !digit))
			return false;
		out[o++] = c;
	}
	out[12] = '\0';
	return o == 12;
}

hresult_t raw_cd_track_info_put_isrc(raw_cd_track_info *ti, const char *value)
{
	hresult_t hr = ti_writable(ti, true);
	char isrc[13];
	if (IMAPI_FAILED(hr))
		return hr;
	if (!value || !*value) {
		ti_track(ti)->isrc[0] = '\0';
		return S_OK;
	}
	if (!isrc_parse(value, isrc))
		return E_INVALIDARG;
	memcpy(ti_track(ti)->isrc, isrc, sizeof(isrc));
	return S_OK;
}

hresult_t raw_cd_track_info_get_isrc(raw_cd_track_info *ti, char **value)
{
	if (!ti || !value)
		return E_POINTER;
	const char *s = ti_track(ti)->isrc;
	char dashed[16] = "";
	if (s[0])
		snprintf(dashed, sizeof(dashed), "%.2s-%.3s-%.2s-%.5s", s, s + 2, s + 5, s + 7);
	return rci_strdup_out(dashed, value);
}

hresult_t raw_cd_track_info_put_digital_audio_copy_setting(raw_cd_track_info *ti,
		imapi_cd_track_digital_copy_setting value)
{
	hresult_t hr = ti_writable(ti, true);
	if (IMAPI_FAILED(hr))
		return hr;
	if ((int)value < IMAPI_CD_TRACK_DIGITAL_COPY_PERMITTED || (int)value > IMAPI_CD_TRACK_DIGITAL_COPY_SCMS)
		return E_INVALIDARG;
	ti_track(ti)->copy = value;
	return S_OK;
}

hresult_t raw_cd_track_info_get_digital_audio_copy_setting(raw_cd_track_info *ti,
		imapi_cd_track_digital_copy_setting *value)
{
	if (!ti || !value)
		return E_POINTER;
	*value = ti_track(ti)->copy;
	return S_OK;
}

hresult_t raw_cd_track_info_put_audio_has_preemphasis(raw_cd_track_info *ti, int value)
{
	hresult_t hr = ti_writable(ti, true);
	if (IMAPI_FAILED(hr))
		return hr;
	ti_track(ti)->preemphasis = value != 0;
	return S_OK;
}

hresult_t raw_cd_track_info_get_audio_has_preemphasis(raw_cd_track_info *ti, int *value)
{
	if (!ti || !value)
		return E_POINTER;
	*value = ti_track(ti)->preemphasis ? IMAPI_VARIANT_TRUE : IMAPI_VARIANT_FALSE;
	return S_OK;
}

hresult_t raw_cd_track_info_get_track_indexes(raw_cd_track_info *ti, int32_t **indexes,
					      uint32_t *count)
{
	if (!ti || !indexes || !count)
		return E_POINTER;
	const struct rci_track *t = ti_track(ti);
	*indexes = malloc(sizeof(int32_t) * (size_t)t->nidx);
	*count = 0;
	if (!*indexes)
		return E_OUTOFMEMORY;
	memcpy(*indexes, t->idx, sizeof(int32_t) * (size_t)t->nidx);
	*count = (uint32_t)t->nidx;
	return S_OK;
}

hresult_t raw_cd_track_info_add_track_index(raw_cd_track_info *ti, int32_t lba_offset)
{
	hresult_t hr = ti_writable(ti, false);
	if (IMAPI_FAILED(hr))
		return hr;
	struct rci_track *t = ti_track(ti);
	if (lba_offset < 0 || lba_offset >= t->sectors)
		return E_INVALIDARG;
	int at = 0; /* where it goes: after every smaller offset */
	while (at < t->nidx && t->idx[at] < lba_offset)
		at++;
	if (at < t->nidx && t->idx[at] == lba_offset)
		return S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS;
	if (t->nidx >= RCI_MAX_INDEXES)
		return E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES;
	if ((at > 0 && lba_offset - t->idx[at - 1] < RCI_INDEX_DISTANCE) ||
	    (at < t->nidx && t->idx[at] - lba_offset < RCI_INDEX_DISTANCE))
		return E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX;
	memmove(&t->idx[at + 1], &t->idx[at], sizeof(int32_t) * (size_t)(t->nidx - at));
	t->idx[at] = lba_offset;
	t->nidx++;
	return S_OK;
}

hresult_t raw_cd_track_info_clear_track_index(raw_cd_track_info *ti, int32_t lba_offset)
{
	hresult_t hr = ti_writable(ti, false);
	if (IMAPI_FAILED(hr))
		return hr;
	if (lba_offset == 0)
		return E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED;
	struct rci_track *t = ti_track(ti);
	for (int j = 1; j < t->nidx; j++) {
		if (t->idx[j] == lba_offset) {
			memmove(&t->idx[j], &t->idx[j + 1], sizeof(int32_t) * (size_t)(t->nidx - j - 1));
			t->nidx--;
			return S_OK;
		}
	}
	return E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND;
}
