/* disclog/export.c - import into and export from disclog images (see dlexport.h).
 *
 * File formats written here, from their public descriptions: CUE sheet (FILE, TRACK,
 * INDEX, PREGAP, POSTGAP), cdrdao TOC file (cdrdao(1) "TOC FILES"), CloneCD control
 * file (INI-style [CloneCD]/[Disc]/[Session n]/[Entry n]/[TRACK n]). */
#include "dlexport.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdsector.h"

#define MMC_PROFILE_CD_ROM  0x0008
#define MMC_PROFILE_DVD_ROM 0x0010
#define MMC_PROFILE_BD_ROM  0x0040
#define MMC_WT_TAO 1		/* page 05h write types */
#define MMC_WT_SAO 2
#define MMC_WT_RAW 3
#define MMC_DBT_RAW 0		/* page 05h data block types */
#define MMC_DBT_RAW_PW 3
#define MMC_DBT_MODE1 8
#define MMC_CTL_DATA 0x4	/* Q control / track mode: data track */

#define IO_BLOCKS 256		/* blocks per write/read batch */

static int seterr(struct dlx_error *err, enum dlx_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int seterr(struct dlx_error *err, enum dlx_errcode code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

int dlx_from_dl(struct dlx_error *err, const struct dl_error *dle)
{
	enum dlx_errcode code;

	switch (dle->code) {
	case DL_EFOREIGN:
	case DL_EVERSION:
	case DL_ECORRUPT: code = DLX_EIMAGE; break;
	case DL_ERANGE: code = DLX_ECONTENT; break;
	case DL_EINVAL: code = DLX_EUSAGE; break;
	default: code = DLX_EIO; break;
	}
	return seterr(err, code, "%s", dle->msg[0] ? dle->msg : dl_strerror(dle->code));
}

/* ---- names -------------------------------------------------------------------------- */

static const struct { uint16_t profile; const char *name; } profile_names[] = {
	{ 0x0008, "CD-ROM" }, { 0x0009, "CD-R" }, { 0x000a, "CD-RW" },
	{ 0x0010, "DVD-ROM" }, { 0x0011, "DVD-R" }, { 0x0012, "DVD-RAM" },
	{ 0x0013, "DVD-RW restricted overwrite" }, { 0x0014, "DVD-RW sequential" },
	{ 0x0015, "DVD-R DL" }, { 0x0016, "DVD-R DL layer jump" }, { 0x001a, "DVD+RW" },
	{ 0x001b, "DVD+R" }, { 0x002a, "DVD+RW DL" }, { 0x002b, "DVD+R DL" },
	{ 0x0040, "BD-ROM" }, { 0x0041, "BD-R SRM" }, { 0x0042, "BD-R RRM" }, { 0x0043, "BD-RE" },
};

const char *dlx_profile_name(uint16_t profile)
{
	for (size_t i = 0; i < sizeof(profile_names) / sizeof(profile_names[0]); i++)
		if (profile_names[i].profile == profile)
			return profile_names[i].name;
	return "unknown";
}

bool dlx_profile_is_cd(uint16_t profile)
{
	return profile >= 0x0008 && profile <= 0x000a;
}

static const char *name4(const char *const names[4], uint8_t v)
{
	return v < 4 ? names[v] : "?";
}

const char *dlx_disc_status_name(uint8_t st)
{
	static const char *const n[4] = { "empty", "incomplete", "complete", "other" };
	return name4(n, st);
}

const char *dlx_session_state_name(uint8_t st)
{
	static const char *const n[4] = { "empty", "incomplete", "damaged", "complete" };
	return name4(n, st);
}

const char *dlx_track_state_name(uint8_t st)
{
	static const char *const n[4] = { "blank", "incomplete", "reserved", "closed" };
	return name4(n, st);
}

int dlx_media_parse(const char *s, enum dlx_media *m)
{
	if (strcmp(s, "dvd-rom") == 0)
		*m = DLX_MEDIA_DVD_ROM;
	else if (strcmp(s, "cd-rom") == 0)
		*m = DLX_MEDIA_CD_ROM;
	else if (strcmp(s, "bd-rom") == 0)
		*m = DLX_MEDIA_BD_ROM;
	else
		return -1;
	return 0;
}

/* ---- blocks of an image --------------------------------------------------------------
 * A run cache: consecutive recorded blocks of one size and block type read with one
 * dl_reader_read, so that a member is inflated once per run, not once per block. */

struct blkcache {
	struct dl_reader *r;
	const char *image;
	int32_t first;
	uint32_t n, bs;
	uint8_t dbt;
	bool raw;		/* the cached blocks were written in raw mode (write type 3) */
	uint8_t *buf;		/* IO_BLOCKS * DL_BLOCK_SIZE_MAX */
	uint64_t missing;	/* unrecorded blocks asked for */
};

static int cache_init(struct blkcache *c, struct dl_reader *r, const char *image, struct dlx_error *err)
{
	memset(c, 0, sizeof(*c));
	c->r = r;
	c->image = image ? image : "image";
	c->buf = malloc((size_t)IO_BLOCKS * DL_BLOCK_SIZE_MAX);
	if (!c->buf)
		return seterr(err, DLX_EIO, "out of memory");
	return 0;
}

static void cache_free(struct blkcache *c)
{
	free(c->buf);
	c->buf = NULL;
}

/* Point *p at block lba (size *bs, data block type *dbt).  Returns 1, 0 when the
 * block was never recorded, or an error.  The pointer lives until the next call. */
static int cache_get(struct blkcache *c, int32_t lba, const uint8_t **p, uint32_t *bs, uint8_t *dbt,
		     int32_t limit, struct dlx_error *err)
{
	struct dl_data_meta m;
	struct dl_error de = { 0 };

	if (c->n && lba >= c->first && lba < c->first + (int32_t)c->n) {
		*p = c->buf + (size_t)(lba - c->first) * c->bs;
		*bs = c->bs;
		*dbt = c->dbt;
		return 1;
	}
	int rc = dl_reader_block_meta(c->r, lba, &m, &de);
	if (rc == DL_ERANGE)
		return 0;
	if (rc < 0)
		return dlx_from_dl(err, &de);
	uint32_t n = 1;
	while (n < IO_BLOCKS && lba + (int32_t)n < limit) {
		struct dl_data_meta m2;
		if (dl_reader_block_meta(c->r, lba + (int32_t)n, &m2, &de) != 0 || m2.block_size != m.block_size
		    || m2.data_block_type != m.data_block_type || m2.write_type != m.write_type)
			break;
		n++;
	}
	long got = dl_reader_read(c->r, lba, n, c->buf, (size_t)IO_BLOCKS * DL_BLOCK_SIZE_MAX, &de);
	if (got < 0)
		return dlx_from_dl(err, &de);
	if ((uint64_t)got != (uint64_t)n * m.block_size)
		return seterr(err, DLX_EIMAGE, "%s: LBA %d: read %ld bytes, expected %u x %u", c->image,
			      (int)lba, got, n, m.block_size);
	c->first = lba;
	c->n = n;
	c->bs = m.block_size;
	c->dbt = m.data_block_type;
	c->raw = m.write_type == MMC_WT_RAW;
	*p = c->buf;
	*bs = c->bs;
	*dbt = c->dbt;
	return 1;
}

/* ---- layout -------------------------------------------------------------------------- */

void dlx_layout_free(struct dlx_layout *lay)
{
	free(lay->tracks);
	lay->tracks = NULL;
	lay->ntracks = 0;
}

static int cmp_track(const void *a, const void *b)
{
	const struct dlx_track *x = a, *y = b;
	return (x->start > y->start) - (x->start < y->start);
}

int dlx_layout_get(struct dl_reader *r, struct dlx_layout *lay, struct dlx_error *err)
{
	const struct dl_state *st = dl_reader_state(r);
	const struct dl_open_report *rep = dl_reader_report(r);
	struct dl_error de = { 0 };
	struct dl_data_meta m;

	memset(lay, 0, sizeof(*lay));
	if (st && st->ntracks) {
		lay->profile = st->profile;
		lay->cd = dlx_profile_is_cd(st->profile);
		lay->nsessions = st->nsessions;
		lay->tracks = calloc(st->ntracks, sizeof(*lay->tracks));
		if (!lay->tracks)
			return seterr(err, DLX_EIO, "out of memory");
		for (unsigned i = 0; i < st->ntracks; i++) {
			const struct dl_track *t = &st->tracks[i];
			int64_t end = (int64_t)t->start_lba + t->size;
			if (t->size == 0 && t->last_recorded >= t->start_lba)
				end = (int64_t)t->last_recorded + 1;
			if (end <= t->start_lba)
				continue;	/* blank or invisible track */
			if (end - 1 > INT32_MAX) {
				dlx_layout_free(lay);
				return seterr(err, DLX_ECONTENT, "track %u: LBA %d..%lld runs past the largest LBA (%d)",
					      (unsigned)t->number, (int)t->start_lba, (long long)end - 1, INT32_MAX);
			}
			struct dlx_track *d = &lay->tracks[lay->ntracks++];
			d->number = t->number;
			d->session = t->session;
			d->ctl = t->mode & 0x0f;
			d->kind = !(t->mode & MMC_CTL_DATA) ? DLX_AUDIO : t->data_mode == 2 ? DLX_MODE2 : DLX_MODE1;
			d->start = d->pregap = t->start_lba;
			d->end = (int32_t)end;
		}
		qsort(lay->tracks, lay->ntracks, sizeof(*lay->tracks), cmp_track);
	} else if (rep->lba_min <= rep->lba_max) {
		/* no STATE: one track over what was recorded */
		lay->tracks = calloc(1, sizeof(*lay->tracks));
		if (!lay->tracks)
			return seterr(err, DLX_EIO, "out of memory");
		struct dlx_track *d = &lay->tracks[0];
		lay->ntracks = lay->nsessions = 1;
		d->number = d->session = 1;
		d->start = d->pregap = rep->lba_min < 0 ? 0 : rep->lba_min;
		if (rep->lba_max == INT32_MAX) {
			dlx_layout_free(lay);
			return seterr(err, DLX_ECONTENT, "LBA %d is recorded: past the largest LBA an export can hold",
				      INT32_MAX);
		}
		d->end = rep->lba_max + 1;
		d->kind = DLX_MODE1;
		d->ctl = MMC_CTL_DATA;
		if (dl_reader_block_meta(r, d->start, &m, &de) == 0 && m.block_size >= CDS_RAW_SIZE) {
			uint8_t *buf = malloc(m.block_size);
			lay->cd = true;
			if (buf && dl_reader_read(r, d->start, 1, buf, m.block_size, &de) == (long)m.block_size) {
				enum cds_kind k = cds_classify(buf);
				if (k == CDS_KIND_UNKNOWN) {
					d->kind = DLX_AUDIO;
					d->ctl = 0;
				} else if (k == CDS_KIND_MODE2_FORM1 || k == CDS_KIND_MODE2_FORM2) {
					d->kind = DLX_MODE2;
				}
			}
			free(buf);
		}
	}
	if (lay->ntracks == 0) {
		dlx_layout_free(lay);
		return seterr(err, DLX_ECONTENT, "the image has no recorded track");
	}
	/* Pregaps: the blocks between a track and the one before it in its session, at
	 * most 150 before the first track of a later session; track 1 from -150 when
	 * those blocks were recorded (SAO). */
	for (unsigned i = 0; i < lay->ntracks; i++) {
		struct dlx_track *d = &lay->tracks[i];
		if (i == 0) {
			if (lay->cd && d->start == 0 && dl_reader_block_meta(r, -1, &m, &de) == 0)
				d->pregap = -CDS_PREGAP;
			continue;
		}
		const struct dlx_track *p = &lay->tracks[i - 1];
		if (p->end > d->start)
			return seterr(err, DLX_ECONTENT, "tracks %u and %u overlap", p->number, d->number);
		d->pregap = p->session == d->session ? p->end
			    : (p->end > d->start - CDS_PREGAP ? p->end : d->start - CDS_PREGAP);
	}
	if (!lay->nsessions)
		lay->nsessions = 1;
	return 0;
}

/* ---- output files -------------------------------------------------------------------- */

/* An output file.  On a regular file a run of zero bytes becomes a hole (seeked over,
 * the size set at close), so the ISO of a formatted BD-RE holding 700 KB takes 700 KB
 * of disk, not 25 GB; standard output or a pipe gets the zeros written. */
struct outfile {
	FILE *f;
	char *path;
	bool sparse;		/* a regular file: holes allowed */
	uint64_t hole;		/* zero bytes owed at the current position */
};

static int out_open(struct outfile *o, const char *base, const char *ext, struct dlx_error *err)
{
	size_t n = strlen(base) + strlen(ext) + 1;
	struct stat sb;

	o->path = malloc(n);
	if (!o->path)
		return seterr(err, DLX_EIO, "out of memory");
	snprintf(o->path, n, "%s%s", base, ext);
	o->f = strcmp(o->path, "-") == 0 ? stdout : fopen(o->path, "wb");
	if (!o->f) {
		int e = errno;
		int rc = seterr(err, DLX_EIO, "%s: %s", o->path, strerror(e));
		free(o->path);
		o->path = NULL;
		return rc;
	}
	o->sparse = o->f != stdout && fstat(fileno(o->f), &sb) == 0 && S_ISREG(sb.st_mode);
	o->hole = 0;
	setvbuf(o->f, NULL, _IOFBF, 1 << 20);
	return 0;
}

static const char *out_name(const struct outfile *o)
{
	return o->f == stdout ? "standard output" : o->path;
}

static int out_fail(struct outfile *o, struct dlx_error *err)
{
	return seterr(err, DLX_EIO, "%s: write failed: %s", out_name(o), strerror(errno));
}

/* N zero bytes: a hole on a regular file, written zeros elsewhere. */
static int out_zeros(struct outfile *o, uint64_t n, struct dlx_error *err)
{
	static const uint8_t zero[64 << 10];

	if (o->sparse) {
		o->hole += n;
		return 0;
	}
	for (; n; ) {
		size_t k = n < sizeof(zero) ? (size_t)n : sizeof(zero);
		if (fwrite(zero, 1, k, o->f) != k)
			return out_fail(o, err);
		n -= k;
	}
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static int out_write(struct outfile *o, const void *p, size_t n, struct dlx_error *err)
{
	if (o->sparse && all_zero(p, n))
		return out_zeros(o, n, err);
	if (o->hole) {
		if (fseeko(o->f, (off_t)o->hole, SEEK_CUR) != 0)
			return out_fail(o, err);
		o->hole = 0;
	}
	if (fwrite(p, 1, n, o->f) != n)
		return out_fail(o, err);
	return 0;
}

void dlx_discard_output(const char *path)
{
	struct stat sb;
	if (path && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		unlink(path);
}

/* Close: a trailing hole sets the file's size; on failure (rc < 0 on entry or a close
 * error) remove the file.  Standard output is flushed, not closed. */
static int out_close(struct outfile *o, int rc, struct dlx_error *err)
{
	if (!o->f)
		return rc;
	if (rc == 0 && o->hole) {
		off_t end = 0;
		if (fflush(o->f) != 0 || (end = ftello(o->f)) < 0 ||
		    ftruncate(fileno(o->f), end + (off_t)o->hole) != 0)
			rc = out_fail(o, err);
	}
	if (o->f == stdout) {
		if (fflush(stdout) != 0 && rc == 0)
			rc = out_fail(o, err);
	} else {
		if (fclose(o->f) != 0 && rc == 0)
			rc = seterr(err, DLX_EIO, "%s: %s", o->path, strerror(errno));
		if (rc < 0)
			dlx_discard_output(o->path);
	}
	o->f = NULL;
	free(o->path);
	o->path = NULL;
	return rc;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* ---- raw 2352 (+96) frames for CD exports ---------------------------------------------- */

static const struct dlx_track *track_of(const struct dlx_layout *lay, int32_t lba)
{
	for (unsigned i = 0; i < lay->ntracks; i++)
		if (lba >= lay->tracks[i].pregap && lba < lay->tracks[i].end)
			return &lay->tracks[i];
	return NULL;
}

int dlx_cd_sector(const uint8_t *p, uint32_t bs, enum dlx_track_kind kind, int32_t lba, uint8_t *out)
{
	static const uint8_t zero[CDS_USER_SIZE];

	if (!p) {		/* an empty sector of the track's kind */
		if (kind == DLX_AUDIO) {
			memset(out, 0, CDS_RAW_SIZE);
		} else if (kind == DLX_MODE2) {
			memset(out, 0, CDS_RAW_SIZE);
			cds_make_header(out, lba, 2);
		} else {
			cds_make_mode1(out, lba, zero);
		}
	} else if (bs == CDS_USER_SIZE) {
		if (kind == DLX_MODE2)
			cds_make_mode2_form1(out, lba, p, NULL);
		else
			cds_make_mode1(out, lba, p);
	} else if (bs == 2056) {	/* Form 1 with its 8-byte sub-header */
		cds_make_mode2_form1(out, lba, p + 8, p);
	} else if (bs == 2336) {	/* Mode 2 formless user data */
		memset(out, 0, CDS_RAW_SIZE);
		cds_make_header(out, lba, 2);
		memcpy(out + 16, p, 2336);
	} else if (bs >= CDS_RAW_SIZE) {	/* 2352, 2368 (+PQ), 2448 (+P-W) */
		memcpy(out, p, CDS_RAW_SIZE);
	} else {
		return -1;
	}
	return 0;
}

int dlx_cd_sub_synth(const struct dlx_layout *lay, int32_t lba, uint8_t *sub)
{
	uint8_t chan[8][CDS_CHAN_SIZE];
	const struct dlx_track *t = track_of(lay, lba);
	unsigned number = t ? t->number : 1;
	int32_t start = t ? t->start : 0;
	bool gap = lba < start;

	if (cds_sub_synth(chan, t ? t->ctl : MMC_CTL_DATA, number, gap ? 0 : 1,
			  gap ? start - lba - 1 : lba - start, lba) != 0)
		return -1;
	cds_sub_interleave(sub, (const uint8_t (*)[CDS_CHAN_SIZE])chan);
	return 0;
}

/* The main channel of lba (and, when sub is given, its raw interleaved P-W). */
static int cd_frame(struct blkcache *c, const struct dlx_layout *lay, int32_t lba, int32_t limit,
		    uint8_t out[CDS_RAW_SIZE], uint8_t *sub, struct dlx_error *err)
{
	const struct dlx_track *t = track_of(lay, lba);
	const uint8_t *p;
	uint32_t bs = 0;
	uint8_t dbt = 0;
	bool have_sub = false;

	int rc = cache_get(c, lba, &p, &bs, &dbt, limit, err);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		c->missing++;
		p = NULL;
	}
	if (dlx_cd_sector(p, bs, t ? t->kind : DLX_MODE1, lba, out) != 0)
		return seterr(err, DLX_ECONTENT, "%s: LBA %d: a %u-byte block cannot be exported as a CD sector",
			      c->image, (int)lba, bs);
	if (p && bs >= CDS_RAW_SIZE) {
		/* Raw-mode hosts send data sectors scrambled as they go onto the disc
		 * (ECMA-130 Annex B); an image file holds them as a drive reads them back. */
		if (c->raw && cds_sync_ok(out))
			cds_scramble(out + CDS_OFF_HEADER, CDS_RAW_SIZE - CDS_OFF_HEADER);
		if (bs == CDS_RAW_SUB_SIZE && dbt == MMC_DBT_RAW_PW && sub) {
			memcpy(sub, p + CDS_RAW_SIZE, CDS_SUB_SIZE);
			have_sub = true;
		}
	}
	if (sub && !have_sub && dlx_cd_sub_synth(lay, lba, sub) != 0)
		return seterr(err, DLX_ECONTENT, "LBA %d has no CD address", (int)lba);
	return 0;
}

int dlx_cd_range(const struct dlx_layout *lay, int32_t *first, int32_t *end, struct dlx_error *err)
{
	*first = lay->tracks[0].start;
	*end = lay->tracks[lay->ntracks - 1].end;
	if (*first < 0 || *end - 1 > CDS_LBA_MAX)
		return seterr(err, DLX_ECONTENT,
			      "the disc spans LBA %d..%d, which does not fit a CD image (0..%d)",
			      (int)*first, (int)*end - 1, CDS_LBA_MAX);
	return 0;
}

static void warn_missing(const struct blkcache *c, const char *what)
{
	if (c->missing)
		fprintf(stderr, "disclog: warning: %s: %llu unrecorded block(s) written as empty sectors\n",
			what, (unsigned long long)c->missing);
}

static void msf_str(char out[16], int32_t frames)
{
	snprintf(out, 16, "%02d:%02d:%02d", (int)(frames / 4500), (int)(frames / 75 % 60), (int)(frames % 75));
}

/* Write frames first..end-1 to bin (2352 each, or 2448 with P-W when with_sub) and,
 * when subf is given, the deinterleaved 96 bytes to subf. */
static int write_frames(struct blkcache *c, const struct dlx_layout *lay, int32_t first, int32_t end,
			struct outfile *bin, bool with_sub, struct outfile *subf, bool audio_be,
			struct dlx_error *err)
{
	uint8_t frame[CDS_RAW_SUB_SIZE];
	uint8_t chan[8][CDS_CHAN_SIZE];
	int rc = 0;

	for (int32_t lba = first; lba < end && rc == 0; lba++) {
		bool need_sub = with_sub || subf;
		rc = cd_frame(c, lay, lba, end, frame, need_sub ? frame + CDS_RAW_SIZE : NULL, err);
		const struct dlx_track *t = audio_be ? track_of(lay, lba) : NULL;
		if (rc == 0 && t && t->kind == DLX_AUDIO)
			cds_swap_samples(frame, CDS_RAW_SIZE);
		if (rc == 0)
			rc = out_write(bin, frame, with_sub ? CDS_RAW_SUB_SIZE : CDS_RAW_SIZE, err);
		if (rc == 0 && subf) {
			cds_sub_deinterleave(chan, frame + CDS_RAW_SIZE);
			rc = out_write(subf, chan, sizeof(chan), err);
		}
	}
	return rc;
}

/* Point *p at the 2048 bytes of user data of lba: a 2048-byte block as it is, the user
 * data of a Mode 1 or Mode 2 Form 1 sector.  Returns 1, 0 when lba was never recorded,
 * or an error. */
static int user_block(struct blkcache *c, const struct dlx_layout *lay, int32_t lba, int32_t limit,
		      const uint8_t **p, struct dlx_error *err)
{
	uint32_t bs;
	uint8_t dbt;
	int off = -1;
	int got = cache_get(c, lba, p, &bs, &dbt, limit, err);

	if (got <= 0)
		return got;
	if (bs == CDS_USER_SIZE)
		off = 0;
	else if (bs == 2056 || (bs == 2336 && !((*p)[2] & CDS_SUBMODE_FORM2)))
		off = 8;
	else if (bs >= CDS_RAW_SIZE)
		off = cds_user_offset(cds_classify(*p));
	if (off < 0)
		return seterr(err, DLX_ECONTENT, "LBA %d (track %u) is not a Mode 1 or Mode 2 Form 1 sector",
			      (int)lba, track_of(lay, lba) ? track_of(lay, lba)->number : 0);
	*p += off;
	return 1;
}

/* ---- export: iso --------------------------------------------------------------------- */

static int export_iso(struct dl_reader *r, const struct dlx_layout *lay, const char *base,
		      const struct dlx_export_opts *opts, struct dlx_error *err)
{
	const struct dlx_track *from = NULL, *to = NULL;
	struct blkcache c;
	struct outfile o = { 0 };

	for (unsigned i = 0; i < lay->ntracks; i++) {
		const struct dlx_track *t = &lay->tracks[i];
		if (opts && opts->track) {
			if (t->number == opts->track)
				from = to = t;
			continue;
		}
		if (t->kind == DLX_AUDIO)
			continue;
		if (!from)
			from = t;
		if (!lay->cd || to == NULL)
			to = t;	/* DVD/BD: through the last data track */
	}
	if (opts && opts->track && !from)
		return seterr(err, DLX_ECONTENT, "the disc has no track %d", opts->track);
	if (!from)
		return seterr(err, DLX_ECONTENT, "the disc has no data track");
	if (from->kind == DLX_AUDIO)
		return seterr(err, DLX_ECONTENT, "track %u is an audio track", from->number);

	int rc = cache_init(&c, r, opts ? opts->image_name : NULL, err);
	if (rc < 0)
		return rc;
	size_t bl = strlen(base);
	bool as_is = strcmp(base, "-") == 0 || (bl > 4 && strcmp(base + bl - 4, ".iso") == 0);
	rc = out_open(&o, base, as_is ? "" : ".iso", err);
	for (int32_t lba = from->start; rc == 0 && lba < to->end; lba++) {
		const uint8_t *p;
		int got = user_block(&c, lay, lba, to->end, &p, err);
		if (got < 0) {
			rc = got;
			break;
		}
		if (got == 0) {
			/* the whole unrecorded run at once: a hole, not 12 million lookups */
			int32_t next = to->end;
			if (dl_reader_next_recorded(r, lba, &next) != 0 || next > to->end)
				next = to->end;
			c.missing += (uint64_t)(next - lba);
			rc = out_zeros(&o, (uint64_t)(next - lba) * CDS_USER_SIZE, err);
			lba = next - 1;
			continue;
		}
		rc = out_write(&o, p, CDS_USER_SIZE, err);
	}
	if (rc == 0)
		warn_missing(&c, "iso");
	cache_free(&c);
	return out_close(&o, rc, err);
}

/* ---- blocks for exporters outside this file --------------------------------------------- */

struct dlx_blocks {
	struct blkcache c;
	const struct dlx_layout *lay;
};

int dlx_blocks_open(struct dl_reader *r, const struct dlx_layout *lay, const char *image,
		    struct dlx_blocks **out, struct dlx_error *err)
{
	struct dlx_blocks *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b)
		return seterr(err, DLX_EIO, "out of memory");
	int rc = cache_init(&b->c, r, image, err);
	if (rc < 0) {
		free(b);
		return rc;
	}
	b->lay = lay;
	*out = b;
	return 0;
}

int dlx_blocks_cd_frame(struct dlx_blocks *b, int32_t lba, int32_t limit, uint8_t *frame,
			struct dlx_error *err)
{
	return cd_frame(&b->c, b->lay, lba, limit, frame, frame + CDS_RAW_SIZE, err);
}

int dlx_blocks_user(struct dlx_blocks *b, int32_t lba, int32_t limit, uint8_t *out, int32_t *run,
		    struct dlx_error *err)
{
	const uint8_t *p;
	int rc = user_block(&b->c, b->lay, lba, limit, &p, err);

	*run = 1;
	if (rc == 0) {		/* the unrecorded run from lba, in one step */
		int32_t next = limit;
		if (dl_reader_next_recorded(b->c.r, lba, &next) != 0 || next > limit)
			next = limit;
		*run = next - lba;
		b->c.missing += (uint64_t)*run;
		memset(out, 0, CDS_USER_SIZE);
	} else if (rc == 1) {
		memcpy(out, p, CDS_USER_SIZE);
	}
	return rc;
}

void dlx_blocks_close(struct dlx_blocks *b, const char *what)
{
	if (!b)
		return;
	if (what)
		warn_missing(&b->c, what);
	cache_free(&b->c);
	free(b);
}

/* ---- export: cue ---------------------------------------------------------------------- */

static const char *cue_type(enum dlx_track_kind k)
{
	return k == DLX_AUDIO ? "AUDIO" : k == DLX_MODE2 ? "MODE2/2352" : "MODE1/2352";
}

static int export_cue(struct dl_reader *r, const struct dlx_layout *lay, const char *base,
		      const struct dlx_export_opts *opts, struct dlx_error *err)
{
	struct blkcache c;
	struct outfile bin = { 0 }, cue = { 0 };
	int32_t first, end;
	char m0[16], m1[16];

	int rc = dlx_cd_range(lay, &first, &end, err);
	if (rc < 0)
		return rc;
	rc = cache_init(&c, r, opts ? opts->image_name : NULL, err);
	if (rc < 0)
		return rc;
	rc = out_open(&bin, base, ".bin", err);
	if (rc == 0)
		rc = out_open(&cue, base, ".cue", err);
	if (rc == 0) {
		fprintf(cue.f, "REM written by disclog export%s%s\n", opts && opts->image_name ? " from " : "",
			opts && opts->image_name ? base_name(opts->image_name) : "");
		fprintf(cue.f, "FILE \"%s.bin\" BINARY\n", base_name(base));
		for (unsigned i = 0; i < lay->ntracks; i++) {
			const struct dlx_track *t = &lay->tracks[i];
			fprintf(cue.f, "  TRACK %02u %s\n", i + 1, cue_type(t->kind));
			msf_str(m1, t->start - first);
			if (t->pregap < t->start && t->pregap >= first) {
				msf_str(m0, t->pregap - first);
				fprintf(cue.f, "    INDEX 00 %s\n", m0);
			}
			fprintf(cue.f, "    INDEX 01 %s\n", m1);
		}
		rc = write_frames(&c, lay, first, end, &bin, false, NULL, false, err);
	}
	if (rc == 0)
		warn_missing(&c, "cue");
	cache_free(&c);
	rc = out_close(&cue, rc, err);
	return out_close(&bin, rc, err);
}

/* ---- export: cdrdao toc --------------------------------------------------------------- */

static int export_toc(struct dl_reader *r, const struct dlx_layout *lay, const char *base,
		      const struct dlx_export_opts *opts, struct dlx_error *err)
{
	struct blkcache c;
	struct outfile bin = { 0 }, toc = { 0 };
	int32_t first, end;
	bool audio_only = true, xa = false;
	char len[16], gap[16];

	int rc = dlx_cd_range(lay, &first, &end, err);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < lay->ntracks; i++) {
		audio_only &= lay->tracks[i].kind == DLX_AUDIO;
		xa |= lay->tracks[i].kind == DLX_MODE2;
	}
	rc = cache_init(&c, r, opts ? opts->image_name : NULL, err);
	if (rc < 0)
		return rc;
	rc = out_open(&bin, base, ".bin", err);
	if (rc == 0)
		rc = out_open(&toc, base, ".toc", err);
	if (rc == 0) {
		fprintf(toc.f, "// written by disclog export: 2352 + 96 (raw P-W) bytes per sector, audio big-endian\n");
		fprintf(toc.f, "%s\n", audio_only ? "CD_DA" : xa ? "CD_ROM_XA" : "CD_ROM");
		for (unsigned i = 0; i < lay->ntracks; i++) {
			const struct dlx_track *t = &lay->tracks[i];
			int32_t from = t->pregap < first ? first : t->pregap;
			msf_str(len, t->end - from);
			fprintf(toc.f, "\n// track %u\nTRACK %s RW_RAW\n", i + 1,
				t->kind == DLX_AUDIO ? "AUDIO" : t->kind == DLX_MODE2 ? "MODE2_RAW" : "MODE1_RAW");
			fprintf(toc.f, "DATAFILE \"%s.bin\" #%lld %s // %lld bytes\n", base_name(base),
				(long long)(from - first) * CDS_RAW_SUB_SIZE, len,
				(long long)(t->end - from) * CDS_RAW_SUB_SIZE);
			if (from < t->start) {
				msf_str(gap, t->start - from);
				fprintf(toc.f, "START %s\n", gap);
			}
		}
		/* cdrdao reads raw audio big-endian (cdrdao(1), "Raw files must have the
		 * layout 'MSBLeft LSBLeft ...'") */
		rc = write_frames(&c, lay, first, end, &bin, true, NULL, true, err);
	}
	if (rc == 0)
		warn_missing(&c, "toc");
	cache_free(&c);
	rc = out_close(&toc, rc, err);
	return out_close(&bin, rc, err);
}

/* ---- export: CloneCD ------------------------------------------------------------------- */

static void ccd_entry(FILE *f, unsigned *n, unsigned session, unsigned point, unsigned ctl,
		      int32_t plba, unsigned pmin, unsigned psec, unsigned pframe)
{
	fprintf(f, "[Entry %u]\nSession=%u\nPoint=0x%02x\nADR=0x01\nControl=0x%02x\nTrackNo=0\n"
		"AMin=0\nASec=0\nAFrame=0\nALBA=-150\nZero=0\nPMin=%u\nPSec=%u\nPFrame=%u\nPLBA=%d\n",
		*n, session, point, ctl, pmin, psec, pframe, (int)plba);
	(*n)++;
}

static int export_ccd(struct dl_reader *r, const struct dlx_layout *lay, const char *base,
		      const struct dlx_export_opts *opts, struct dlx_error *err)
{
	struct blkcache c;
	struct outfile img = { 0 }, sub = { 0 }, ccd = { 0 };
	int32_t first, end;

	int rc = dlx_cd_range(lay, &first, &end, err);
	if (rc < 0)
		return rc;
	if (first != 0)
		return seterr(err, DLX_ECONTENT, "track 1 starts at LBA %d; CloneCD images start at 0", (int)first);
	rc = cache_init(&c, r, opts ? opts->image_name : NULL, err);
	if (rc < 0)
		return rc;
	rc = out_open(&img, base, ".img", err);
	if (rc == 0)
		rc = out_open(&sub, base, ".sub", err);
	if (rc == 0)
		rc = out_open(&ccd, base, ".ccd", err);
	if (rc == 0) {
		/* sessions present, in order */
		unsigned nsess = 0, entries = 0, n = 0;
		uint16_t sess[256];
		for (unsigned i = 0; i < lay->ntracks; i++)
			if (!nsess || sess[nsess - 1] != lay->tracks[i].session)
				if (nsess < 256)
					sess[nsess++] = lay->tracks[i].session;
		entries = 3 * nsess + lay->ntracks;
		bool xa = false;
		for (unsigned i = 0; i < lay->ntracks; i++)
			xa |= lay->tracks[i].kind == DLX_MODE2;
		fprintf(ccd.f, "[CloneCD]\nVersion=3\n[Disc]\nTocEntries=%u\nSessions=%u\nDataTracksScrambled=0\n"
			"CDTextLength=0\n", entries, nsess);
		for (unsigned s = 0; s < nsess; s++) {
			const struct dlx_track *ft = NULL;
			for (unsigned i = 0; i < lay->ntracks && !ft; i++)
				if (lay->tracks[i].session == sess[s])
					ft = &lay->tracks[i];
			fprintf(ccd.f, "[Session %u]\nPreGapMode=%d\nPreGapSubC=0\n", s + 1,
				ft->kind == DLX_AUDIO ? 0 : ft->kind == DLX_MODE2 ? 2 : 1);
		}
		for (unsigned s = 0; s < nsess; s++) {
			const struct dlx_track *ft = NULL, *lt = NULL;
			unsigned fnum = 0, lnum = 0;
			for (unsigned i = 0; i < lay->ntracks; i++)
				if (lay->tracks[i].session == sess[s]) {
					if (!ft) {
						ft = &lay->tracks[i];
						fnum = i + 1;
					}
					lt = &lay->tracks[i];
					lnum = i + 1;
				}
			struct cds_msf lo;
			cds_lba_to_msf(lt->end, &lo);
			/* A0: first track, disc type; A1: last track; A2: lead-out start */
			ccd_entry(ccd.f, &n, s + 1, 0xa0, ft->ctl, (int32_t)fnum * 4500 + (xa ? 20 * 75 : 0) - 150,
				  fnum, xa ? 0x20 : 0, 0);
			ccd_entry(ccd.f, &n, s + 1, 0xa1, lt->ctl, (int32_t)lnum * 4500 - 150, lnum, 0, 0);
			ccd_entry(ccd.f, &n, s + 1, 0xa2, lt->ctl, lt->end, lo.m, lo.s, lo.f);
			for (unsigned i = 0; i < lay->ntracks; i++) {
				const struct dlx_track *t = &lay->tracks[i];
				struct cds_msf ms;
				if (t->session != sess[s])
					continue;
				cds_lba_to_msf(t->start, &ms);
				ccd_entry(ccd.f, &n, s + 1, i + 1, t->ctl, t->start, ms.m, ms.s, ms.f);
			}
		}
		for (unsigned i = 0; i < lay->ntracks; i++) {
			const struct dlx_track *t = &lay->tracks[i];
			fprintf(ccd.f, "[TRACK %u]\nMODE=%d\n", i + 1,
				t->kind == DLX_AUDIO ? 0 : t->kind == DLX_MODE2 ? 2 : 1);
			if (t->pregap < t->start && t->pregap >= first)
				fprintf(ccd.f, "INDEX 0=%d\n", (int)t->pregap);
			fprintf(ccd.f, "INDEX 1=%d\n", (int)t->start);
		}
		rc = write_frames(&c, lay, first, end, &img, false, &sub, false, err);
	}
	if (rc == 0)
		warn_missing(&c, "ccd");
	cache_free(&c);
	rc = out_close(&ccd, rc, err);
	rc = out_close(&sub, rc, err);
	return out_close(&img, rc, err);
}

/* ---- the format table ------------------------------------------------------------------ */

const struct dlx_format dlx_formats[] = {
	{ "iso", "BASE.iso: 2048-byte user data of the data track(s)", export_iso },
	{ "cue", "BASE.cue + BASE.bin (2352 bytes/sector)", export_cue },
	{ "toc", "BASE.toc + BASE.bin (cdrdao, 2352+96 raw P-W bytes/sector)", export_toc },
	{ "ccd", "BASE.ccd + BASE.img (2352) + BASE.sub (96) (CloneCD)", export_ccd },
	/* written by the disclog program (disclog/dlchd.h): libdisclog does not link libchd */
	{ "chd", "BASE.chd (MAME CHD v5; the disclog program writes it)", NULL },
	{ NULL, NULL, NULL },
};

const struct dlx_format *dlx_format_find(const char *name)
{
	for (const struct dlx_format *f = dlx_formats; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

int dlx_export(const char *image, const char *format, const char *base,
	       const struct dlx_export_opts *opts, struct dlx_error *err)
{
	const struct dlx_format *f = dlx_format_find(format);

	if (!f)
		return seterr(err, DLX_EUSAGE, "unknown export format '%s' (iso, cue, toc, ccd, chd)", format);
	if (!f->fn)
		return seterr(err, DLX_EUSAGE, "export format '%s' is not built into this library (%s)", format,
			      f->files);
	return dlx_export_run(image, f->name, f->fn, base, opts, err);
}

int dlx_export_run(const char *image, const char *format, dlx_export_fn fn, const char *base,
		   const struct dlx_export_opts *opts, struct dlx_error *err)
{
	struct dl_error de = { 0 };
	struct dlx_layout lay;
	struct dlx_export_opts o = { 0 };
	char *b;

	if (strcmp(base, "-") == 0 && strcmp(format, "iso") != 0)
		return seterr(err, DLX_EUSAGE, "only the iso format can be written to standard output (-o -)");
	if (opts)
		o = *opts;
	o.image_name = image;
	/* BASE may carry the format's own extension: strip it */
	b = strdup(base);
	if (!b)
		return seterr(err, DLX_EIO, "out of memory");
	size_t bl = strlen(b), fl = strlen(format);
	if (strcmp(format, "iso") != 0 && bl > fl + 1 && b[bl - fl - 1] == '.' && strcmp(b + bl - fl, format) == 0)
		b[bl - fl - 1] = '\0';
	struct dl_reader *r = dl_reader_open(image, DL_OPEN_NO_CRC, &de);
	if (!r) {
		free(b);
		return dlx_from_dl(err, &de);
	}
	int rc = dlx_layout_get(r, &lay, err);
	if (rc == 0) {
		rc = fn(r, &lay, b, &o, err);
		dlx_layout_free(&lay);
	}
	dl_reader_close(r);
	free(b);
	return rc;
}

/* ---- import ----------------------------------------------------------------------------- */

struct importer {
	struct dl_writer *w;
	const char *out;
	struct dl_data_meta meta;	/* of the blocks in buf */
	uint8_t *buf;
	uint32_t nbuf;
};

static int imp_flush(struct importer *im, struct dlx_error *err)
{
	struct dl_error de = { 0 };

	if (!im->nbuf)
		return 0;
	im->meta.count = im->nbuf;
	if (dl_write_data(im->w, &im->meta, im->buf, (size_t)im->nbuf * im->meta.block_size, &de) < 0)
		return dlx_from_dl(err, &de);
	im->meta.lba += (int32_t)im->nbuf;
	im->nbuf = 0;
	return 0;
}

/* Append one block at lba with the given meta fields (lba must follow on unless a
 * flush happens first). */
static int imp_block(struct importer *im, const struct dl_data_meta *m, int32_t lba, const uint8_t *p,
		     struct dlx_error *err)
{
	int rc;

	if (im->nbuf && (m->track != im->meta.track || m->block_size != im->meta.block_size
			 || lba != im->meta.lba + (int32_t)im->nbuf || im->nbuf == IO_BLOCKS)) {
		rc = imp_flush(im, err);
		if (rc < 0)
			return rc;
	}
	if (!im->nbuf) {
		im->meta = *m;
		im->meta.lba = lba;
	}
	memcpy(im->buf + (size_t)im->nbuf * m->block_size, p, m->block_size);
	im->nbuf++;
	return 0;
}

static int imp_open(struct importer *im, const char *out, bool force, struct dlx_error *err)
{
	struct dl_writer_opts wo = { 0 };
	struct dl_error de = { 0 };
	struct stat sb;

	memset(im, 0, sizeof(*im));
	im->out = out;
	if (stat(out, &sb) == 0) {
		if (!force)
			return seterr(err, DLX_EUSAGE, "%s exists (use --force to replace it)", out);
		if (!S_ISREG(sb.st_mode))
			return seterr(err, DLX_EUSAGE, "%s is not a regular file; an image cannot replace it", out);
		if (unlink(out) != 0)
			return seterr(err, DLX_EIO, "%s: %s", out, strerror(errno));
	}
	im->buf = malloc((size_t)IO_BLOCKS * CDS_RAW_SUB_SIZE);
	if (!im->buf)
		return seterr(err, DLX_EIO, "out of memory");
	im->w = dl_writer_open(out, &wo, &de);
	if (!im->w) {
		free(im->buf);
		im->buf = NULL;
		return dlx_from_dl(err, &de);
	}
	return 0;
}

/* Write the final STATE, close; on error remove the half-written image. */
static int imp_close(struct importer *im, int rc, const struct dl_state *st, struct dlx_error *err)
{
	struct dl_error de = { 0 };

	if (rc == 0)
		rc = imp_flush(im, err);
	if (rc == 0 && st && dl_write_state(im->w, st, &de) < 0)
		rc = dlx_from_dl(err, &de);
	if (dl_writer_close(im->w, &de) < 0 && rc == 0)
		rc = dlx_from_dl(err, &de);
	free(im->buf);
	if (rc < 0)
		dlx_discard_output(im->out);
	return rc;
}

/* page 05h as the burn left it (MMC-6 Write Parameters mode page) */
static uint8_t page05_fill(uint8_t p[DL_PAGE05_MAX], uint8_t wt, uint8_t track_mode, uint8_t dbt)
{
	memset(p, 0, DL_PAGE05_MAX);
	p[0] = 0x05;
	p[1] = 0x32;
	p[2] = wt;
	p[3] = track_mode;	/* multi-session 00b: no next session (finalized) */
	p[4] = dbt;
	p[14] = 0;
	p[15] = 150;		/* audio pause length */
	return 52;
}

static void state_finalized(struct dl_state *st, uint16_t profile, int32_t leadout, bool xa)
{
	memset(st, 0, sizeof(*st));
	st->profile = profile;
	st->capacity = (uint32_t)leadout;
	st->disc_status = 2;		/* complete */
	st->last_session_state = 3;	/* complete */
	st->disc_type = xa ? 0x20 : 0x00;
	st->flags = 1u << 1;		/* medium loaded */
	st->nwa = -1;
	st->leadin_lba = -1;
	st->last_leadout_lba = -1;
}

int dlx_import_user(const struct dlx_user_source *src, const char *out, const struct dlx_import_opts *opts,
		    struct dlx_error *err)
{
	struct importer im;
	enum dlx_media media = opts && opts->media ? opts->media : DLX_MEDIA_DVD_ROM;
	bool cd = media == DLX_MEDIA_CD_ROM;
	int64_t nblocks = src->nblocks;

	if (nblocks <= 0)
		return seterr(err, DLX_ECONTENT, "%s: no blocks", src->name);
	if (cd && nblocks - 1 > CDS_LBA_MAX)
		return seterr(err, DLX_ECONTENT, "%s: %lld blocks do not fit a CD", src->name, (long long)nblocks);
	if (nblocks > INT32_MAX)
		return seterr(err, DLX_ECONTENT, "%s: too large", src->name);
	int rc = imp_open(&im, out, opts && opts->force, err);
	if (rc < 0)
		return rc;
	struct dl_data_meta m = {
		.block_size = CDS_USER_SIZE,
		/* a CD data track burned TAO with Mode 1 blocks; page 05h n/a on DVD/BD ROM */
		.data_block_type = cd ? MMC_DBT_MODE1 : DL_NA,
		.write_type = cd ? MMC_WT_TAO : DL_NA,
		.opcode = 0,
		.flags = DL_FLAG_IMPORTED,
		.track = 1,
		.session = 1,
	};
	uint8_t blk[CDS_USER_SIZE];
	for (int32_t lba = 0; rc == 0 && lba < nblocks; lba++) {
		rc = src->read(src->ctx, lba, blk, err);
		if (rc == 0)
			rc = imp_block(&im, &m, lba, blk, err);
	}

	struct dl_state st;
	struct dl_session ses = { .number = 1, .state = 3, .start_lba = 0, .leadout_lba = (int32_t)nblocks,
				  .first_track = 1, .last_track = 1 };
	struct dl_track tr = { .number = 1, .session = 1, .state = 3, .mode = MMC_CTL_DATA, .data_mode = 1,
			       .start_lba = 0, .size = (uint32_t)nblocks, .nwa = -1,
			       .last_recorded = (int32_t)nblocks - 1 };
	uint16_t prof = media == DLX_MEDIA_CD_ROM ? MMC_PROFILE_CD_ROM
			: media == DLX_MEDIA_BD_ROM ? MMC_PROFILE_BD_ROM : MMC_PROFILE_DVD_ROM;
	state_finalized(&st, prof, (int32_t)nblocks, false);
	if (cd)
		st.page05_len = page05_fill(st.page05, MMC_WT_TAO, MMC_CTL_DATA, MMC_DBT_MODE1);
	st.nsessions = 1;
	st.sessions = &ses;
	st.ntracks = 1;
	st.tracks = &tr;
	return imp_close(&im, rc, &st, err);
}

/* ---- ISO files ---------------------------------------------------------------------------- */

struct iso_ctx {
	FILE *f;
	const char *path;
};

static int iso_read(void *ctx, int32_t lba, uint8_t *blk, struct dlx_error *err)
{
	struct iso_ctx *x = ctx;

	if (fread(blk, 1, CDS_USER_SIZE, x->f) != CDS_USER_SIZE)
		return seterr(err, DLX_EIO, "%s: read failed at block %d", x->path, (int)lba);
	return 0;
}

static int import_iso(const char *src, const char *out, const struct dlx_import_opts *opts,
		      struct dlx_error *err)
{
	struct stat sb;
	struct iso_ctx x = { .path = src };

	x.f = fopen(src, "rb");
	if (!x.f)
		return seterr(err, DLX_EIO, "%s: %s", src, strerror(errno));
	if (fstat(fileno(x.f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(x.f);
		return seterr(err, DLX_EIO, "%s: not a regular file", src);
	}
	if (sb.st_size == 0 || sb.st_size % CDS_USER_SIZE) {
		fclose(x.f);
		return seterr(err, DLX_ECONTENT, "%s: size %lld is not a positive multiple of 2048", src,
			      (long long)sb.st_size);
	}
	struct dlx_user_source us = { .name = src, .nblocks = sb.st_size / CDS_USER_SIZE, .read = iso_read,
				      .ctx = &x };
	int rc = dlx_import_user(&us, out, opts, err);
	fclose(x.f);
	return rc;
}

/* ---- CUE sheets ------------------------------------------------------------------------- */

enum cue_type { CUE_AUDIO, CUE_MODE1_2352, CUE_MODE2_2352, CUE_MODE1_2048 };

static const struct { const char *name; enum cue_type type; uint32_t size; } cue_types[] = {
	{ "AUDIO", CUE_AUDIO, 2352 },
	{ "MODE1/2352", CUE_MODE1_2352, 2352 },
	{ "MODE2/2352", CUE_MODE2_2352, 2352 },
	{ "MODE1/2048", CUE_MODE1_2048, 2048 },
};

struct cue_track {
	unsigned number, line;
	unsigned file;		/* index into files */
	enum cue_type type;
	uint32_t size;		/* bytes per sector in the file */
	int32_t idx0, idx1;	/* frames from the file start; -1 when absent */
	int32_t pregap, postgap;	/* generated frames */
	int64_t seg_start, seg_end;	/* frames of this track's data in the file */
};

struct cue_file {
	char *path;
	unsigned line;
	int64_t bytes;
};

struct cue {
	const char *name;
	struct cue_file files[99];
	unsigned nfiles;
	struct cue_track tracks[99];
	unsigned ntracks;
};

static void cue_free(struct cue *c)
{
	for (unsigned i = 0; i < c->nfiles; i++)
		free(c->files[i].path);
}

/* Next token of a line: a "quoted string" or a run of non-blanks. */
static char *cue_token(char **s)
{
	char *p = *s, *t;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	if (*p == '"') {
		t = ++p;
		while (*p && *p != '"')
			p++;
	} else {
		t = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (*p)
		*p++ = '\0';
	*s = p;
	return t;
}

static int cue_msf(const char *s, int32_t *frames)
{
	unsigned m, sec, f;
	char extra;

	if (!s || sscanf(s, "%u:%u:%u%c", &m, &sec, &f, &extra) != 3 || sec >= 60 || f >= 75 || m > 99)
		return -1;
	*frames = (int32_t)((m * 60 + sec) * 75 + f);
	return 0;
}

#define CUE_ERR(line, ...) \
	do { \
		char m_[300]; \
		snprintf(m_, sizeof(m_), __VA_ARGS__); \
		rc = seterr(err, DLX_ECONTENT, "%s:%u: %s", c->name, (line), m_); \
		goto out; \
	} while (0)

static int cue_parse(struct cue *c, const char *path, struct dlx_error *err)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned ln = 0;
	int rc = 0;
	struct cue_track *t = NULL;
	const char *dir_end = strrchr(path, '/');
	int dirlen = dir_end ? (int)(dir_end - path + 1) : 0;

	memset(c, 0, sizeof(*c));
	c->name = path;
	if (!f)
		return seterr(err, DLX_EIO, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *kw;
		ln++;
		s[strcspn(s, "\r\n")] = '\0';
		if (ln == 1 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb && (unsigned char)s[2] == 0xbf)
			s += 3;	/* UTF-8 BOM */
		kw = cue_token(&s);
		if (!kw)
			continue;
		for (char *k = kw; *k; k++)
			*k = (char)toupper((unsigned char)*k);
		if (strcmp(kw, "FILE") == 0) {
			char *name = cue_token(&s), *type = cue_token(&s);
			if (!name || !type)
				CUE_ERR(ln, "FILE needs a file name and a type");
			if (strcasecmp(type, "BINARY") != 0)
				CUE_ERR(ln, "FILE type %s is not supported (only BINARY)", type);
			if (c->nfiles == 99)
				CUE_ERR(ln, "too many FILE lines");
			size_t n = strlen(name) + (size_t)dirlen + 1;
			struct cue_file *cf = &c->files[c->nfiles];
			cf->path = malloc(n);
			if (!cf->path)
				CUE_ERR(ln, "out of memory");
			if (name[0] == '/')
				snprintf(cf->path, n, "%s", name);
			else
				snprintf(cf->path, n, "%.*s%s", dirlen, path, name);
			cf->line = ln;
			c->nfiles++;
			if (t && t->idx1 < 0)
				CUE_ERR(ln, "track %02u has no INDEX 01 before the next FILE", t->number);
		} else if (strcmp(kw, "TRACK") == 0) {
			char *num = cue_token(&s), *type = cue_token(&s), *e;
			if (!num || !type)
				CUE_ERR(ln, "TRACK needs a number and a type");
			if (!c->nfiles)
				CUE_ERR(ln, "TRACK before any FILE");
			if (t && t->idx1 < 0)
				CUE_ERR(t->line, "track %02u has no INDEX 01", t->number);
			long n = strtol(num, &e, 10);
			if (*e || n < 1 || n > 99)
				CUE_ERR(ln, "bad track number '%s'", num);
			if (c->ntracks && (unsigned)n != c->tracks[c->ntracks - 1].number + 1)
				CUE_ERR(ln, "track %02ld does not follow track %02u", n, c->tracks[c->ntracks - 1].number);
			if (c->ntracks == 99)
				CUE_ERR(ln, "too many tracks");
			t = &c->tracks[c->ntracks++];
			t->number = (unsigned)n;
			t->line = ln;
			t->file = c->nfiles - 1;
			t->idx0 = t->idx1 = -1;
			size_t k;
			for (k = 0; k < sizeof(cue_types) / sizeof(cue_types[0]); k++)
				if (strcasecmp(type, cue_types[k].name) == 0)
					break;
			if (k == sizeof(cue_types) / sizeof(cue_types[0]))
				CUE_ERR(ln, "track type %s is not supported (AUDIO, MODE1/2352, MODE2/2352, MODE1/2048)",
					type);
			t->type = cue_types[k].type;
			t->size = cue_types[k].size;
		} else if (strcmp(kw, "INDEX") == 0) {
			char *num = cue_token(&s), *pos = cue_token(&s), *e;
			int32_t fr;
			if (!t)
				CUE_ERR(ln, "INDEX outside a TRACK");
			long n = num ? strtol(num, &e, 10) : -1;
			if (!num || *e || n < 0 || n > 99)
				CUE_ERR(ln, "bad index number");
			if (cue_msf(pos, &fr) != 0)
				CUE_ERR(ln, "bad INDEX position '%s' (mm:ss:ff)", pos ? pos : "");
			if (t->file != c->nfiles - 1 && n <= 1)
				CUE_ERR(ln, "INDEX %02ld of track %02u is in another FILE than its TRACK line", n,
					t->number);
			if (n == 0) {
				if (t->idx1 >= 0)
					CUE_ERR(ln, "INDEX 00 after INDEX 01");
				t->idx0 = fr;
			} else if (n == 1) {
				if (t->idx0 >= 0 && fr < t->idx0)
					CUE_ERR(ln, "INDEX 01 before INDEX 00");
				t->idx1 = fr;
			} else if (t->idx1 < 0 || fr < t->idx1) {
				CUE_ERR(ln, "INDEX %02ld before INDEX 01", n);
			}	/* indexes 02..99 are accepted and not kept */
		} else if (strcmp(kw, "PREGAP") == 0 || strcmp(kw, "POSTGAP") == 0) {
			int32_t fr;
			if (!t)
				CUE_ERR(ln, "%s outside a TRACK", kw);
			if (cue_msf(cue_token(&s), &fr) != 0)
				CUE_ERR(ln, "bad %s length (mm:ss:ff)", kw);
			if (kw[1] == 'R') {
				if (t->idx0 >= 0 || t->idx1 >= 0)
					CUE_ERR(ln, "PREGAP after INDEX");
				t->pregap = fr;
			} else {
				t->postgap = fr;
			}
		} else if (strcmp(kw, "REM") == 0 || strcmp(kw, "CATALOG") == 0 || strcmp(kw, "TITLE") == 0
			   || strcmp(kw, "PERFORMER") == 0 || strcmp(kw, "SONGWRITER") == 0
			   || strcmp(kw, "ISRC") == 0 || strcmp(kw, "FLAGS") == 0 || strcmp(kw, "CDTEXTFILE") == 0) {
			continue;	/* not recorded in a disclog image */
		} else {
			CUE_ERR(ln, "unknown command '%s'", kw);
		}
	}
	if (ferror(f)) {
		rc = seterr(err, DLX_EIO, "%s: read error", path);
		goto out;
	}
	if (!c->ntracks)
		CUE_ERR(ln, "no TRACK in the CUE sheet");
	if (t->idx1 < 0)
		CUE_ERR(t->line, "track %02u has no INDEX 01", t->number);
	/* files: sizes and the frames each track takes */
	for (unsigned i = 0; i < c->nfiles; i++) {
		struct stat sb;
		struct cue_file *cf = &c->files[i];
		if (stat(cf->path, &sb) != 0) {
			rc = seterr(err, DLX_EIO, "%s:%u: %s: %s", path, cf->line, cf->path, strerror(errno));
			goto out;
		}
		cf->bytes = sb.st_size;
	}
	for (unsigned i = 0; i < c->ntracks; i++) {
		struct cue_track *x = &c->tracks[i];
		struct cue_file *cf = &c->files[x->file];
		bool last_in_file = i + 1 == c->ntracks || c->tracks[i + 1].file != x->file;
		bool first_in_file = i == 0 || c->tracks[i - 1].file != x->file;
		x->seg_start = x->idx0 >= 0 ? x->idx0 : x->idx1;
		if (first_in_file && x->seg_start != 0)
			CUE_ERR(x->line, "track %02u: the first track of a FILE must start at 00:00:00", x->number);
		if (!first_in_file && c->tracks[i - 1].size != x->size)
			CUE_ERR(x->line, "track %02u: tracks with different sector sizes in one FILE", x->number);
		if (cf->bytes % x->size)
			CUE_ERR(cf->line, "%s: size %lld is not a multiple of %u bytes", cf->path,
				(long long)cf->bytes, x->size);
		if (last_in_file) {
			x->seg_end = cf->bytes / x->size;
		} else {
			const struct cue_track *nx = &c->tracks[i + 1];
			x->seg_end = nx->idx0 >= 0 ? nx->idx0 : nx->idx1;
		}
		if (x->idx1 >= x->seg_end)
			CUE_ERR(x->line, "track %02u: INDEX 01 at or beyond the end of its data (%s has %lld sectors)",
				x->number, cf->path, (long long)(cf->bytes / x->size));
	}
	if (c->tracks[0].idx1 - c->tracks[0].seg_start > CDS_PREGAP)
		CUE_ERR(c->tracks[0].line, "track %02u: a pregap longer than 00:02:00 before the first track",
			c->tracks[0].number);
out:
	fclose(f);
	if (rc < 0)
		cue_free(c);
	return rc;
}

/* ---- a CD from its tracks' frames (the CUE import's recording, shared with the CHD
 * import) ---------------------------------------------------------------------------------- */

int dlx_import_cd(const struct dlx_cd_source *src, const char *out, const struct dlx_import_opts *opts,
		  struct dlx_error *err)
{
	struct importer im;
	struct dlx_layout lay = { .profile = MMC_PROFILE_CD_ROM, .cd = true, .nsessions = 1 };
	unsigned n = src->ntracks;
	int rc;

	if (opts && opts->media && opts->media != DLX_MEDIA_CD_ROM)
		return seterr(err, DLX_EUSAGE, "%s: a CD can only be imported as --media cd-rom", src->name);
	if (n < 1 || n > 99)
		return seterr(err, DLX_ECONTENT, "%s: %u tracks (a CD has 1 to 99)", src->name, n);
	/* Where every track goes: from LBA -150, track 1's pregap generated up to the part
	 * the source holds (ECMA-130 §22.3.2.2: 2 s of pause before track 1). */
	lay.tracks = calloc(n, sizeof(*lay.tracks));
	struct dl_track *tr = calloc(n, sizeof(*tr));
	if (!lay.tracks || !tr) {
		free(lay.tracks);
		free(tr);
		return seterr(err, DLX_EIO, "out of memory");
	}
	lay.ntracks = (uint16_t)n;
	int64_t lba = -CDS_PREGAP;
	bool xa = false;
	for (unsigned i = 0; i < n; i++) {
		const struct dlx_cd_source_track *x = &src->tracks[i];
		struct dlx_track *d = &lay.tracks[i];
		if (x->src_pregap < 0 || x->src_frames <= x->src_pregap || x->pregap < 0 || x->postgap < 0
		    || (i == 0 && x->src_pregap > CDS_PREGAP)) {
			rc = seterr(err, DLX_ECONTENT, "%s: track %02u: %d frames with %d of pregap%s", src->name,
				    i + 1, (int)x->src_frames, (int)x->src_pregap,
				    i == 0 ? " (track 1 has at most 150)" : "");
			goto out;
		}
		d->number = (uint16_t)(i + 1);
		d->session = 1;
		d->kind = x->kind;
		d->ctl = x->kind == DLX_AUDIO ? 0 : MMC_CTL_DATA;
		d->pregap = (int32_t)lba;
		lba += i == 0 ? CDS_PREGAP - x->src_pregap : x->pregap;
		d->start = (int32_t)(lba + x->src_pregap);
		lba += (int64_t)x->src_frames + x->postgap;
		if (lba - 1 > CDS_LBA_MAX) {
			rc = seterr(err, DLX_ECONTENT, "%s: the tracks do not fit a CD (track %02u ends at LBA %lld)",
				    src->name, i + 1, (long long)lba - 1);
			goto out;
		}
		d->end = (int32_t)lba;
		xa |= x->kind == DLX_MODE2;
		tr[i] = (struct dl_track){
			.number = d->number, .session = 1, .state = 3, .mode = d->ctl,
			.data_mode = x->kind == DLX_AUDIO ? DL_NA : x->kind == DLX_MODE2 ? 2 : 1,
			.start_lba = d->start, .size = (uint32_t)(d->end - d->start), .nwa = -1,
			.last_recorded = d->end - 1,
		};
	}
	rc = imp_open(&im, out, opts && opts->force, err);
	if (rc < 0)
		goto out;

	/* Session-at-once at 2352 bytes (data block type 0); a frame whose P-W the source
	 * gives and that differs from what the exports synthesize is recorded at 2448 with
	 * data block type 3 (raw P-W), so that nothing is lost and nothing is invented. */
	uint8_t frame[CDS_RAW_SUB_SIZE], synth[CDS_SUB_SIZE];
	struct dl_data_meta m = {
		.write_type = MMC_WT_SAO,	/* a cue sheet is burned session-at-once */
		.opcode = 0,
		.flags = DL_FLAG_IMPORTED,
		.session = 1,
	};
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		const struct dlx_cd_source_track *x = &src->tracks[i];
		const struct dlx_track *d = &lay.tracks[i];
		int32_t first_src = d->start - x->src_pregap, end_src = first_src + x->src_frames;
		m.track = d->number;
		for (int32_t l = d->pregap; rc == 0 && l < d->end; l++) {
			bool sub = false;
			if (l >= first_src && l < end_src)
				rc = src->read(src->ctx, i, l - first_src, l, frame, &sub, err);
			else
				dlx_cd_sector(NULL, 0, x->kind, l, frame);	/* generated pregap, postgap */
			if (rc == 0 && sub && dlx_cd_sub_synth(&lay, l, synth) == 0
			    && memcmp(synth, frame + CDS_RAW_SIZE, CDS_SUB_SIZE) == 0)
				sub = false;
			m.block_size = sub ? CDS_RAW_SUB_SIZE : CDS_RAW_SIZE;
			m.data_block_type = sub ? MMC_DBT_RAW_PW : MMC_DBT_RAW;
			if (rc == 0)
				rc = imp_block(&im, &m, l, frame, err);
		}
	}

	struct dl_state st;
	struct dl_session ses = { .number = 1, .state = 3, .start_lba = 0, .leadout_lba = (int32_t)lba,
				  .first_track = 1, .last_track = (uint16_t)n };
	state_finalized(&st, MMC_PROFILE_CD_ROM, (int32_t)lba, xa);
	st.page05_len = page05_fill(st.page05, MMC_WT_SAO, tr[n - 1].mode, MMC_DBT_RAW);
	st.nsessions = 1;
	st.sessions = &ses;
	st.ntracks = (uint16_t)n;
	st.tracks = tr;
	rc = imp_close(&im, rc, &st, err);
out:
	free(tr);
	dlx_layout_free(&lay);
	return rc;
}

/* The frames of a parsed CUE sheet, file by file. */
struct cue_src {
	struct cue *c;
	FILE *f;
	unsigned file;		/* open FILE index, ~0u when none */
	unsigned track;		/* the track the file position follows */
	int64_t next;		/* frame of that track the file position is at */
};

static int cue_read(void *ctx, unsigned i, int32_t k, int32_t lba, uint8_t *frame, bool *sub,
		    struct dlx_error *err)
{
	struct cue_src *x = ctx;
	const struct cue_track *t = &x->c->tracks[i];
	const char *path = x->c->files[t->file].path;
	uint8_t in[CDS_RAW_SIZE];

	*sub = false;
	if (t->file != x->file) {
		if (x->f)
			fclose(x->f);
		x->file = t->file;
		x->f = fopen(path, "rb");
		if (!x->f)
			return seterr(err, DLX_EIO, "%s: %s", path, strerror(errno));
		x->track = ~0u;
	}
	if (x->track != i || x->next != k) {
		if (fseeko(x->f, (off_t)(t->seg_start + k) * t->size, SEEK_SET) != 0)
			return seterr(err, DLX_EIO, "%s: seek failed", path);
	}
	x->track = i;
	x->next = k + 1;
	if (fread(in, 1, t->size, x->f) != t->size)
		return seterr(err, DLX_EIO, "%s: read failed at sector %lld", path, (long long)(t->seg_start + k));
	dlx_cd_sector(in, t->size, t->type == CUE_AUDIO ? DLX_AUDIO : t->type == CUE_MODE2_2352 ? DLX_MODE2
			: DLX_MODE1, lba, frame);
	return 0;
}

static int import_cue(const char *src, const char *out, const struct dlx_import_opts *opts,
		      struct dlx_error *err)
{
	struct cue c;
	struct dlx_cd_source_track tr[99];
	int rc;

	if (opts->media && opts->media != DLX_MEDIA_CD_ROM)
		return seterr(err, DLX_EUSAGE, "%s: a CUE sheet can only be imported as --media cd-rom", src);
	rc = cue_parse(&c, src, err);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < c.ntracks; i++) {
		const struct cue_track *x = &c.tracks[i];
		tr[i] = (struct dlx_cd_source_track){
			.kind = x->type == CUE_AUDIO ? DLX_AUDIO : x->type == CUE_MODE2_2352 ? DLX_MODE2 : DLX_MODE1,
			.pregap = x->pregap,
			.src_pregap = x->idx1 - (int32_t)x->seg_start,
			.src_frames = x->seg_end - x->seg_start,
			.postgap = x->postgap,
		};
	}
	struct cue_src cs = { .c = &c, .file = ~0u, .track = ~0u };
	struct dlx_cd_source s = { .name = src, .ntracks = c.ntracks, .tracks = tr, .read = cue_read, .ctx = &cs };
	rc = dlx_import_cd(&s, out, opts, err);
	if (cs.f)
		fclose(cs.f);
	cue_free(&c);
	return rc;
}

bool dlx_is_chd(const char *path)
{
	char tag[8];
	FILE *f = fopen(path, "rb");
	bool yes = f && fread(tag, 1, sizeof(tag), f) == sizeof(tag) && memcmp(tag, "MComprHD", 8) == 0;

	if (f)
		fclose(f);
	return yes;
}

int dlx_import(const char *src, const char *out, const struct dlx_import_opts *opts,
	       struct dlx_error *err)
{
	struct dlx_import_opts o = { 0 };
	size_t n = strlen(src);

	if (opts)
		o = *opts;
	if (dlx_is_chd(src))
		return seterr(err, DLX_EUSAGE, "%s is a CHD: the disclog program imports it (disclog/dlchd.h), "
			      "libdisclog does not", src);
	if (n > 4 && strcasecmp(src + n - 4, ".cue") == 0)
		return import_cue(src, out, &o, err);
	return import_iso(src, out, &o, err);
}
