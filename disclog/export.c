/* disclog/export.c - export from disclog images (see dlexport.h); imports are in
 * import.c.
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
#include "dlxpriv.h"

/* The error reporter of exports and imports (dlxpriv.h). */
int dlx_fail(struct dlx_error *err, enum dlx_errcode code, const char *fmt, ...)
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
	return dlx_fail(err, code, "%s", dle->msg[0] ? dle->msg : dl_strerror(dle->code));
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
		return dlx_fail(err, DLX_EIO, "out of memory");
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
		return dlx_fail(err, DLX_EIMAGE, "%s: LBA %d: read %ld bytes, expected %u x %u", c->image,
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
			return dlx_fail(err, DLX_EIO, "out of memory");
		for (unsigned i = 0; i < st->ntracks; i++) {
			const struct dl_track *t = &st->tracks[i];
			int64_t end = (int64_t)t->start_lba + t->size;
			if (t->size == 0 && t->last_recorded >= t->start_lba)
				end = (int64_t)t->last_recorded + 1;
			if (end <= t->start_lba)
				continue;	/* blank or invisible track */
			if (end - 1 > INT32_MAX) {
				dlx_layout_free(lay);
				return dlx_fail(err, DLX_ECONTENT, "track %u: LBA %d..%lld runs past the largest LBA (%d)",
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
			return dlx_fail(err, DLX_EIO, "out of memory");
		struct dlx_track *d = &lay->tracks[0];
		lay->ntracks = lay->nsessions = 1;
		d->number = d->session = 1;
		d->start = d->pregap = rep->lba_min < 0 ? 0 : rep->lba_min;
		if (rep->lba_max == INT32_MAX) {
			dlx_layout_free(lay);
			return dlx_fail(err, DLX_ECONTENT, "LBA %d is recorded: past the largest LBA an export can hold",
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
		return dlx_fail(err, DLX_ECONTENT, "the image has no recorded track");
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
			return dlx_fail(err, DLX_ECONTENT, "tracks %u and %u overlap", p->number, d->number);
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
		return dlx_fail(err, DLX_EIO, "out of memory");
	snprintf(o->path, n, "%s%s", base, ext);
	o->f = strcmp(o->path, "-") == 0 ? stdout : fopen(o->path, "wb");
	if (!o->f) {
		int e = errno;
		int rc = dlx_fail(err, DLX_EIO, "%s: %s", o->path, strerror(e));
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
	return dlx_fail(err, DLX_EIO, "%s: write failed: %s", out_name(o), strerror(errno));
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
			rc = dlx_fail(err, DLX_EIO, "%s: %s", o->path, strerror(errno));
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
		return dlx_fail(err, DLX_ECONTENT, "%s: LBA %d: a %u-byte block cannot be exported as a CD sector",
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
		return dlx_fail(err, DLX_ECONTENT, "LBA %d has no CD address", (int)lba);
	return 0;
}

int dlx_cd_range(const struct dlx_layout *lay, int32_t *first, int32_t *end, struct dlx_error *err)
{
	*first = lay->tracks[0].start;
	*end = lay->tracks[lay->ntracks - 1].end;
	if (*first < 0 || *end - 1 > CDS_LBA_MAX)
		return dlx_fail(err, DLX_ECONTENT,
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
		return dlx_fail(err, DLX_ECONTENT, "LBA %d (track %u) is not a Mode 1 or Mode 2 Form 1 sector",
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
		return dlx_fail(err, DLX_ECONTENT, "the disc has no track %d", opts->track);
	if (!from)
		return dlx_fail(err, DLX_ECONTENT, "the disc has no data track");
	if (from->kind == DLX_AUDIO)
		return dlx_fail(err, DLX_ECONTENT, "track %u is an audio track", from->number);

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
		return dlx_fail(err, DLX_EIO, "out of memory");
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
		return dlx_fail(err, DLX_ECONTENT, "track 1 starts at LBA %d; CloneCD images start at 0", (int)first);
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
		return dlx_fail(err, DLX_EUSAGE, "unknown export format '%s' (iso, cue, toc, ccd, chd)", format);
	if (!f->fn)
		return dlx_fail(err, DLX_EUSAGE, "export format '%s' is not built into this library (%s)", format,
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
		return dlx_fail(err, DLX_EUSAGE, "only the iso format can be written to standard output (-o -)");
	if (opts)
		o = *opts;
	o.image_name = image;
	/* BASE may carry the format's own extension: strip it */
	b = strdup(base);
	if (!b)
		return dlx_fail(err, DLX_EIO, "out of memory");
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
