/* disclog/chdconv.c - disclog images to and from MAME CHD v5 (see dlchd.h).
 *
 * How a CD sits in a CHD, as MAME's chdman createcd/extractcd and cdrom.cpp have it
 * (src/tools/chdman.cpp, src/lib/util/cdrom.cpp of mamedev/mame): every frame is 2352
 * bytes of sector and 96 of raw P-W (unit 2448), 8 frames a hunk; each track's frames
 * follow the previous track's, padded with zero frames to a multiple of 4; one CHT2
 * text entry per track gives TYPE, SUBTYPE, FRAMES (a stored pregap included), PREGAP
 * with PGTYPE "V<type>" when the pregap frames are stored, else not stored (generated),
 * PGSUB and POSTGAP (never stored).  Audio samples are stored big-endian: chdman swaps
 * a CUE's little-endian BIN on createcd and back on extractcd.  A DVD (chdman createdvd)
 * is 2048-byte units, a 'DVD ' entry of one NUL byte. */
#include "dlchd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cdsector.h"
#include "chd.h"

#define DVD_HUNK 4096		/* chdman createdvd's default hunk */
#define CD_HUNK (CHD_CD_FRAMES_PER_HUNK * CHD_CD_FRAME)
/* MAME's hard disk (GDDD), GD-ROM (CHGD, CHGT), A/V (AVAV) and old CD (CHCD) tags */
#define META_HARD_DISK CHD_TAG('G', 'D', 'D', 'D')
#define META_GDROM_OLD CHD_TAG('C', 'H', 'G', 'T')
#define META_AV CHD_TAG('A', 'V', 'A', 'V')
#define META_CD_OLD CHD_TAG('C', 'H', 'C', 'D')

static int seterr(struct dlx_error *err, enum dlx_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int seterr(struct dlx_error *err, enum dlx_errcode code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

/* A libchd error as a dlx one: I/O and memory -> DLX_EIO; a damaged CHD, a codec or
 * parent it lacks -> DLX_ECONTENT (the source does not allow the import). */
static int from_chd(struct dlx_error *err, int rc, const struct chd_err *ce)
{
	enum dlx_errcode code = rc == CHD_EIO || rc == CHD_ENOMEM ? DLX_EIO
				: rc == CHD_EINVAL ? DLX_EUSAGE : DLX_ECONTENT;

	if (ce->offset >= 0 && !strstr(ce->msg, "offset"))
		return seterr(err, code, "%s (offset %lld)", ce->msg, (long long)ce->offset);
	return seterr(err, code, "%s", ce->msg);
}

/* ---- CHT2 track types ------------------------------------------------------------------ */

/* MAME's track types (cdrom.cpp) with the bytes of a frame they use. */
static const struct cd_type {
	const char *name;
	enum dlx_track_kind kind;
	uint32_t size;
} cd_types[] = {
	{ "MODE1", DLX_MODE1, 2048 },
	{ "MODE1_RAW", DLX_MODE1, 2352 },
	{ "MODE2", DLX_MODE2, 2336 },
	{ "MODE2_FORM1", DLX_MODE2, 2048 },
	{ "MODE2_FORM_MIX", DLX_MODE2, 2336 },
	{ "MODE2_RAW", DLX_MODE2, 2352 },
	{ "AUDIO", DLX_AUDIO, 2352 },
};

static const struct cd_type *cd_type_find(const char *name)
{
	for (size_t i = 0; i < sizeof(cd_types) / sizeof(cd_types[0]); i++)
		if (strcmp(cd_types[i].name, name) == 0)
			return &cd_types[i];
	return NULL;
}

static const char *cd_type_name(enum dlx_track_kind k)
{
	return k == DLX_AUDIO ? "AUDIO" : k == DLX_MODE2 ? "MODE2_RAW" : "MODE1_RAW";
}

/* ---- export ------------------------------------------------------------------------------ */

/* An existing output that is not a regular file is refused: the writer seeks, and a
 * failed run removes its output (dlx_discard_output's rule). */
static int out_check(const char *path, struct dlx_error *err)
{
	struct stat sb;

	if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return seterr(err, DLX_EUSAGE, "%s exists and is not a regular file", path);
	return 0;
}

static int finish(struct chd_writer *w, int rc, struct dlx_error *err)
{
	struct chd_err ce = { .offset = -1 };

	if (rc < 0) {
		chd_abort(w);
		return rc;
	}
	int cr = chd_finish(w, &ce);
	return cr < 0 ? from_chd(err, cr, &ce) : 0;
}

static int export_cd(struct dl_reader *r, const struct dlx_layout *lay, const char *path,
		     const struct dlx_export_opts *opts, struct dlx_error *err)
{
	struct chd_err ce = { .offset = -1 };
	int32_t first, end, from[100];
	uint64_t frames = 0;
	unsigned n = lay->ntracks;
	int rc = dlx_cd_range(lay, &first, &end, err);

	if (rc < 0)
		return rc;
	if (n > 99)
		return seterr(err, DLX_ECONTENT, "%u tracks do not fit a CD", n);
	/* Track i's frames: from its INDEX 00 (track 1: INDEX 01, as the cue export) to the
	 * next track's; what lies between sessions stays with the track before. */
	for (unsigned i = 0; i < n; i++) {
		const struct dlx_track *t = &lay->tracks[i];
		from[i] = i == 0 || t->pregap < first ? t->start : t->pregap;
	}
	from[n] = end;
	for (unsigned i = 0; i < n; i++) {
		uint32_t f = (uint32_t)(from[i + 1] - from[i]);
		frames += f + (CHD_CD_TRACK_PADDING - f % CHD_CD_TRACK_PADDING) % CHD_CD_TRACK_PADDING;
	}

	static const uint32_t codecs[4] = { CHD_CODEC_CD_ZLIB };
	struct chd_writer *w;
	rc = chd_create(path, true, CD_HUNK, CHD_CD_FRAME, frames * CHD_CD_FRAME, codecs, &w, &ce);
	if (rc < 0)
		return from_chd(err, rc, &ce);
	for (unsigned i = 0; i < n && rc == 0; i++) {
		const struct dlx_track *t = &lay->tracks[i];
		struct chd_cd_track ct = {
			.number = (int)i + 1,
			.frames = (uint32_t)(from[i + 1] - from[i]),
			.pregap = (uint32_t)(t->start - from[i]),
		};
		char text[256];
		snprintf(ct.type, sizeof(ct.type), "%s", cd_type_name(t->kind));
		snprintf(ct.subtype, sizeof(ct.subtype), "RW_RAW");
		/* chdman writes PGTYPE MODE1, PGSUB NONE when there is no pregap */
		snprintf(ct.pgtype, sizeof(ct.pgtype), "%s%s", ct.pregap ? "V" : "", ct.pregap ? ct.type : "MODE1");
		snprintf(ct.pgsub, sizeof(ct.pgsub), "%s", ct.pregap ? "RW_RAW" : "NONE");
		int len = chd_cd_track_format(&ct, text, sizeof(text));
		if (len < 0) {
			rc = seterr(err, DLX_EIO, "%s: track %u: CHT2 text too long", path, i + 1);
			break;
		}
		/* chdman stores the text with its NUL */
		rc = chd_add_meta(w, CHD_META_CD_TRACK2, CHD_META_FLAG_CHECKSUM, text, (uint32_t)len + 1, &ce);
		if (rc < 0)
			rc = from_chd(err, rc, &ce);
	}

	struct dlx_blocks *b = NULL;
	uint8_t *hunk = malloc(CD_HUNK);
	unsigned nf = 0;
	if (rc == 0 && !hunk)
		rc = seterr(err, DLX_EIO, "out of memory");
	if (rc == 0)
		rc = dlx_blocks_open(r, lay, opts->image_name, &b, err);
	for (unsigned i = 0; i < n && rc == 0; i++) {
		int32_t f = from[i + 1] - from[i];
		int32_t padded = f + (CHD_CD_TRACK_PADDING - f % CHD_CD_TRACK_PADDING) % CHD_CD_TRACK_PADDING;
		for (int32_t k = 0; k < padded && rc == 0; k++) {
			uint8_t *p = hunk + (size_t)nf * CHD_CD_FRAME;
			if (k < f) {
				rc = dlx_blocks_cd_frame(b, from[i] + k, end, p, err);
				if (lay->tracks[i].kind == DLX_AUDIO)
					cds_swap_samples(p, CHD_CD_SECTOR);
			} else {
				memset(p, 0, CHD_CD_FRAME);	/* track padding */
			}
			if (rc == 0 && ++nf == CHD_CD_FRAMES_PER_HUNK) {
				nf = 0;
				if ((rc = chd_write_hunk(w, hunk, &ce)) < 0)
					rc = from_chd(err, rc, &ce);
			}
		}
	}
	if (rc == 0 && nf) {
		memset(hunk + (size_t)nf * CHD_CD_FRAME, 0, (size_t)(CHD_CD_FRAMES_PER_HUNK - nf) * CHD_CD_FRAME);
		if ((rc = chd_write_hunk(w, hunk, &ce)) < 0)
			rc = from_chd(err, rc, &ce);
	}
	dlx_blocks_close(b, rc == 0 ? "chd" : NULL);
	free(hunk);
	return finish(w, rc, err);
}

static int export_dvd(struct dl_reader *r, const struct dlx_layout *lay, const char *path,
		      const struct dlx_export_opts *opts, struct dlx_error *err)
{
	struct chd_err ce = { .offset = -1 };
	int32_t end = lay->tracks[lay->ntracks - 1].end;
	static const uint32_t codecs[4] = { CHD_CODEC_ZLIB };
	static const char dvd_meta[1] = "";	/* chdman: write_metadata(DVD_METADATA_TAG, 0, "") */
	struct chd_writer *w;

	if (lay->tracks[0].start < 0)
		return seterr(err, DLX_ECONTENT, "the disc starts at LBA %d; a DVD CHD starts at 0",
			      (int)lay->tracks[0].start);
	int rc = chd_create(path, true, DVD_HUNK, CDS_USER_SIZE, (uint64_t)end * CDS_USER_SIZE, codecs, &w, &ce);
	if (rc < 0)
		return from_chd(err, rc, &ce);
	if ((rc = chd_add_meta(w, CHD_META_DVD, CHD_META_FLAG_CHECKSUM, dvd_meta, 1, &ce)) < 0)
		rc = from_chd(err, rc, &ce);

	struct dlx_blocks *b = NULL;
	uint8_t hunk[DVD_HUNK];
	unsigned per = DVD_HUNK / CDS_USER_SIZE, nb = 0;
	if (rc == 0)
		rc = dlx_blocks_open(r, lay, opts->image_name, &b, err);
	int32_t zeros = 0;	/* blocks left of an unrecorded run */
	for (int32_t lba = 0; lba < end && rc == 0; lba++) {
		uint8_t *p = hunk + (size_t)nb * CDS_USER_SIZE;
		if (zeros > 0) {
			memset(p, 0, CDS_USER_SIZE);
			zeros--;
		} else {
			int32_t run;
			rc = dlx_blocks_user(b, lba, end, p, &run, err);
			if (rc < 0)
				break;
			rc = 0;
			zeros = run - 1;
		}
		if (++nb == per) {
			nb = 0;
			if ((rc = chd_write_hunk(w, hunk, &ce)) < 0)
				rc = from_chd(err, rc, &ce);
		}
	}
	if (rc == 0 && nb) {
		memset(hunk + (size_t)nb * CDS_USER_SIZE, 0, (size_t)(per - nb) * CDS_USER_SIZE);
		if ((rc = chd_write_hunk(w, hunk, &ce)) < 0)
			rc = from_chd(err, rc, &ce);
	}
	dlx_blocks_close(b, rc == 0 ? "chd" : NULL);
	return finish(w, rc, err);
}

int dlchd_export(struct dl_reader *r, const struct dlx_layout *lay, const char *base,
		 const struct dlx_export_opts *opts, struct dlx_error *err)
{
	size_t n = strlen(base) + 5;
	char *path = malloc(n);

	if (!path)
		return seterr(err, DLX_EIO, "out of memory");
	snprintf(path, n, "%s.chd", base);
	int rc = out_check(path, err);
	if (rc == 0)
		rc = lay->cd ? export_cd(r, lay, path, opts, err) : export_dvd(r, lay, path, opts, err);
	free(path);
	return rc;
}

/* ---- import -------------------------------------------------------------------------------- */

struct chd_src {
	const char *path;
	struct chd_reader *r;
	const struct chd_header *h;
	uint8_t *hunk;
	int64_t cur;		/* hunk in hunk[], -1 */
	/* CD */
	unsigned ntracks;
	struct chd_cd_track ct[99];
	const struct cd_type *type[99], *pgtype[99];	/* pgtype NULL: the pregap is not stored */
	uint64_t chdofs[99];	/* first CHD frame of each track */
};

static int load_hunk(struct chd_src *s, uint32_t hunk, struct dlx_error *err)
{
	struct chd_err ce = { .offset = -1 };

	if (s->cur == hunk)
		return 0;
	int rc = chd_read_hunk(s->r, hunk, s->hunk, &ce);
	if (rc < 0) {
		s->cur = -1;
		return from_chd(err, rc, &ce);
	}
	s->cur = hunk;
	return 0;
}

static int cd_read(void *ctx, unsigned i, int32_t k, int32_t lba, uint8_t *frame, bool *sub,
		   struct dlx_error *err)
{
	struct chd_src *s = ctx;
	uint32_t per = s->h->hunk_bytes / CHD_CD_FRAME;
	uint64_t f = s->chdofs[i] + (uint64_t)k;
	bool gap = (uint32_t)k < (s->pgtype[i] ? s->ct[i].pregap : 0);
	const struct cd_type *t = gap ? s->pgtype[i] : s->type[i];
	const char *subtype = gap ? s->ct[i].pgsub : s->ct[i].subtype;

	int rc = load_hunk(s, (uint32_t)(f / per), err);
	if (rc < 0)
		return rc;
	const uint8_t *p = s->hunk + (size_t)(f % per) * CHD_CD_FRAME;
	dlx_cd_sector(p, t->size, t->kind, lba, frame);	/* sizes of cd_types[] all convert */
	if (t->kind == DLX_AUDIO)
		cds_swap_samples(frame, CHD_CD_SECTOR);
	*sub = strcmp(subtype, "RW_RAW") == 0;
	if (*sub)
		memcpy(frame + CHD_CD_SECTOR, p + CHD_CD_SECTOR, CHD_CD_SUB);
	return 0;
}

/* The CHT2 (else CHTR) entries: tracks 1..n in order, types this import records. */
static int cd_tracks(struct chd_src *s, uint32_t tag, struct dlx_error *err)
{
	struct chd_err ce = { .offset = -1 };
	char text[512];
	uint32_t len;
	uint64_t ofs = 0;

	for (uint32_t idx = 0;; idx++) {
		int rc = chd_read_meta(s->r, tag, idx, text, sizeof(text) - 1, &len, &ce);
		if (rc == CHD_ENOTFOUND)
			break;
		if (rc < 0)
			return from_chd(err, rc, &ce);
		if (idx == 99)
			return seterr(err, DLX_ECONTENT, "%s: more than 99 CD tracks", s->path);
		if (len > sizeof(text) - 1)
			return seterr(err, DLX_ECONTENT, "%s: CD track entry %u is %u bytes long", s->path, idx, len);
		struct chd_cd_track *t = &s->ct[idx];
		if ((rc = chd_cd_track_parse(text, len, t, &ce)) < 0)
			return from_chd(err, rc, &ce);
		if (t->number != (int)idx + 1)
			return seterr(err, DLX_ECONTENT, "%s: CD track entry %u is track %d, not %u", s->path, idx,
				      t->number, idx + 1);
		s->type[idx] = cd_type_find(t->type);
		if (!s->type[idx])
			return seterr(err, DLX_ECONTENT, "%s: track %d: type %s is not imported (%s)", s->path,
				      t->number, t->type,
				      "AUDIO, MODE1, MODE1_RAW, MODE2, MODE2_FORM1, MODE2_FORM_MIX, MODE2_RAW");
		s->pgtype[idx] = NULL;
		if (t->pgtype[0] == 'V' && t->pregap) {
			s->pgtype[idx] = cd_type_find(t->pgtype + 1);
			if (!s->pgtype[idx])
				return seterr(err, DLX_ECONTENT, "%s: track %d: pregap type %s is not imported",
					      s->path, t->number, t->pgtype);
		}
		if (t->frames == 0 || (s->pgtype[idx] && t->pregap >= t->frames))
			return seterr(err, DLX_ECONTENT, "%s: track %d: %u frames with a stored pregap of %u",
				      s->path, t->number, t->frames, t->pregap);
		if (strcmp(t->subtype, "RW") == 0)
			fprintf(stderr, "disclog: warning: %s: track %d: packed R-W sub-channel (SUBTYPE RW) "
				"is not kept\n", s->path, t->number);
		s->chdofs[idx] = ofs;
		ofs += t->frames + (CHD_CD_TRACK_PADDING - t->frames % CHD_CD_TRACK_PADDING) % CHD_CD_TRACK_PADDING;
		s->ntracks = idx + 1;
	}
	/* the last track's padding may be missing */
	uint64_t need = (s->ntracks ? s->chdofs[s->ntracks - 1] + s->ct[s->ntracks - 1].frames : 0) * CHD_CD_FRAME;
	if (need > s->h->logical_bytes)
		return seterr(err, DLX_ECONTENT, "%s: the tracks need %llu bytes, the CHD holds %llu", s->path,
			      (unsigned long long)need, (unsigned long long)s->h->logical_bytes);
	return 0;
}

static int import_cd(struct chd_src *s, uint32_t tag, const char *out, const struct dlx_import_opts *opts,
		     struct dlx_error *err)
{
	struct dlx_cd_source_track tr[99];

	if (s->h->unit_bytes != CHD_CD_FRAME || s->h->hunk_bytes % CHD_CD_FRAME)
		return seterr(err, DLX_ECONTENT, "%s: a CD CHD with units of %u bytes and hunks of %u "
			      "(MAME's cdrom.cpp takes units of 2448 and hunks of whole frames)",
			      s->path, s->h->unit_bytes, s->h->hunk_bytes);
	int rc = cd_tracks(s, tag, err);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < s->ntracks; i++) {
		const struct chd_cd_track *t = &s->ct[i];
		bool stored = s->pgtype[i] != NULL;
		tr[i] = (struct dlx_cd_source_track){
			.kind = s->type[i]->kind,
			.pregap = stored ? 0 : (int32_t)t->pregap,
			.src_pregap = stored ? (int32_t)t->pregap : 0,
			.src_frames = t->frames,
			.postgap = (int32_t)t->postgap,
		};
	}
	struct dlx_cd_source cs = { .name = s->path, .ntracks = s->ntracks, .tracks = tr, .read = cd_read, .ctx = s };
	return dlx_import_cd(&cs, out, opts, err);
}

static int user_read(void *ctx, int32_t lba, uint8_t *blk, struct dlx_error *err)
{
	struct chd_src *s = ctx;
	uint64_t off = (uint64_t)lba * CDS_USER_SIZE;
	int rc = load_hunk(s, (uint32_t)(off / s->h->hunk_bytes), err);

	if (rc == 0)
		memcpy(blk, s->hunk + off % s->h->hunk_bytes, CDS_USER_SIZE);
	return rc;
}

static bool has_meta(struct chd_src *s, uint32_t tag)
{
	struct chd_err ce = { .offset = -1 };
	uint32_t len;
	char c[1];

	return chd_read_meta(s->r, tag, 0, c, sizeof(c), &len, &ce) == 0;
}

int dlchd_import(const char *src, const char *out, const struct dlx_import_opts *opts,
		 struct dlx_error *err)
{
	struct chd_err ce = { .offset = -1 };
	struct chd_src *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return seterr(err, DLX_EIO, "out of memory");
	s->path = src;
	s->cur = -1;
	rc = chd_open(src, &s->r, &ce);
	if (rc < 0) {
		free(s);
		return from_chd(err, rc, &ce);
	}
	s->h = chd_reader_header(s->r);
	s->hunk = malloc(s->h->hunk_bytes ? s->h->hunk_bytes : 1);
	if (!s->hunk) {
		rc = seterr(err, DLX_EIO, "out of memory");
	} else if (has_meta(s, CHD_META_CD_TRACK2) || has_meta(s, CHD_META_CD_TRACK)) {
		rc = import_cd(s, has_meta(s, CHD_META_CD_TRACK2) ? CHD_META_CD_TRACK2 : CHD_META_CD_TRACK, out, opts,
			       err);
	} else if (has_meta(s, CHD_META_GDROM) || has_meta(s, META_GDROM_OLD)) {
		rc = seterr(err, DLX_ECONTENT, "%s: a GD-ROM CHD is not imported (CD and DVD only)", src);
	} else if (has_meta(s, META_HARD_DISK)) {
		rc = seterr(err, DLX_ECONTENT, "%s: a hard disk CHD (metadata GDDD) is not imported (CD and DVD only)",
			    src);
	} else if (has_meta(s, META_AV)) {
		rc = seterr(err, DLX_ECONTENT, "%s: a laserdisc (A/V) CHD is not imported (CD and DVD only)", src);
	} else if (has_meta(s, META_CD_OLD)) {
		rc = seterr(err, DLX_ECONTENT, "%s: a CD CHD with the old binary CHCD metadata is not imported "
			    "(chdman copy makes CHT2 of it)", src);
	} else if (s->h->unit_bytes != CDS_USER_SIZE) {
		rc = seterr(err, DLX_ECONTENT, "%s: units of %u bytes, neither 2048 (DVD) nor a CD's 2448 with "
			    "CD track metadata", src, s->h->unit_bytes);
	} else if (s->h->hunk_bytes % CDS_USER_SIZE || s->h->logical_bytes % CDS_USER_SIZE) {
		rc = seterr(err, DLX_ECONTENT, "%s: %llu bytes in hunks of %u are not whole 2048-byte sectors", src,
			    (unsigned long long)s->h->logical_bytes, s->h->hunk_bytes);
	} else {
		struct dlx_user_source us = { .name = src, .nblocks = (int64_t)(s->h->logical_bytes / CDS_USER_SIZE),
					      .read = user_read, .ctx = s };
		rc = dlx_import_user(&us, out, opts, err);
	}
	free(s->hunk);
	chd_close(s->r);
	free(s);
	return rc;
}
