/* disclog/import.c - imports into disclog images (see dlexport.h): an ISO, a CUE sheet
 * with its BIN/WAV files (CUE: FILE, TRACK, INDEX, PREGAP, POSTGAP, FLAGS, CATALOG,
 * ISRC), user data from any source, a CD frame by frame; CHD is chdconv.c's. */
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
			return dlx_fail(err, DLX_EUSAGE, "%s exists (use --force to replace it)", out);
		if (!S_ISREG(sb.st_mode))
			return dlx_fail(err, DLX_EUSAGE, "%s is not a regular file; an image cannot replace it", out);
		if (unlink(out) != 0)
			return dlx_fail(err, DLX_EIO, "%s: %s", out, strerror(errno));
	}
	im->buf = malloc((size_t)IO_BLOCKS * CDS_RAW_SUB_SIZE);
	if (!im->buf)
		return dlx_fail(err, DLX_EIO, "out of memory");
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
		return dlx_fail(err, DLX_ECONTENT, "%s: no blocks", src->name);
	if (cd && nblocks - 1 > CDS_LBA_MAX)
		return dlx_fail(err, DLX_ECONTENT, "%s: %lld blocks do not fit a CD", src->name, (long long)nblocks);
	if (nblocks > INT32_MAX)
		return dlx_fail(err, DLX_ECONTENT, "%s: too large", src->name);
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
		return dlx_fail(err, DLX_EIO, "%s: read failed at block %d", x->path, (int)lba);
	return 0;
}

static int import_iso(const char *src, const char *out, const struct dlx_import_opts *opts,
		      struct dlx_error *err)
{
	struct stat sb;
	struct iso_ctx x = { .path = src };

	x.f = fopen(src, "rb");
	if (!x.f)
		return dlx_fail(err, DLX_EIO, "%s: %s", src, strerror(errno));
	if (fstat(fileno(x.f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(x.f);
		return dlx_fail(err, DLX_EIO, "%s: not a regular file", src);
	}
	if (sb.st_size == 0 || sb.st_size % CDS_USER_SIZE) {
		fclose(x.f);
		return dlx_fail(err, DLX_ECONTENT, "%s: size %lld is not a positive multiple of 2048", src,
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
		rc = dlx_fail(err, DLX_ECONTENT, "%s:%u: %s", c->name, (line), m_); \
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
		return dlx_fail(err, DLX_EIO, "%s: %s", path, strerror(errno));
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
		rc = dlx_fail(err, DLX_EIO, "%s: read error", path);
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
			rc = dlx_fail(err, DLX_EIO, "%s:%u: %s: %s", path, cf->line, cf->path, strerror(errno));
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
		return dlx_fail(err, DLX_EUSAGE, "%s: a CD can only be imported as --media cd-rom", src->name);
	if (n < 1 || n > 99)
		return dlx_fail(err, DLX_ECONTENT, "%s: %u tracks (a CD has 1 to 99)", src->name, n);
	/* Where every track goes: from LBA -150, track 1's pregap generated up to the part
	 * the source holds (ECMA-130 §22.3.2.2: 2 s of pause before track 1). */
	lay.tracks = calloc(n, sizeof(*lay.tracks));
	struct dl_track *tr = calloc(n, sizeof(*tr));
	if (!lay.tracks || !tr) {
		free(lay.tracks);
		free(tr);
		return dlx_fail(err, DLX_EIO, "out of memory");
	}
	lay.ntracks = (uint16_t)n;
	int64_t lba = -CDS_PREGAP;
	bool xa = false;
	for (unsigned i = 0; i < n; i++) {
		const struct dlx_cd_source_track *x = &src->tracks[i];
		struct dlx_track *d = &lay.tracks[i];
		if (x->src_pregap < 0 || x->src_frames <= x->src_pregap || x->pregap < 0 || x->postgap < 0
		    || (i == 0 && x->src_pregap > CDS_PREGAP)) {
			rc = dlx_fail(err, DLX_ECONTENT, "%s: track %02u: %d frames with %d of pregap%s", src->name,
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
			rc = dlx_fail(err, DLX_ECONTENT, "%s: the tracks do not fit a CD (track %02u ends at LBA %lld)",
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
			return dlx_fail(err, DLX_EIO, "%s: %s", path, strerror(errno));
		x->track = ~0u;
	}
	if (x->track != i || x->next != k) {
		if (fseeko(x->f, (off_t)(t->seg_start + k) * t->size, SEEK_SET) != 0)
			return dlx_fail(err, DLX_EIO, "%s: seek failed", path);
	}
	x->track = i;
	x->next = k + 1;
	if (fread(in, 1, t->size, x->f) != t->size)
		return dlx_fail(err, DLX_EIO, "%s: read failed at sector %lld", path, (long long)(t->seg_start + k));
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
		return dlx_fail(err, DLX_EUSAGE, "%s: a CUE sheet can only be imported as --media cd-rom", src);
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
		return dlx_fail(err, DLX_EUSAGE, "%s is a CHD: the disclog program imports it (disclog/dlchd.h), "
			      "libdisclog does not", src);
	if (n > 4 && strcasecmp(src + n - 4, ".cue") == 0)
		return import_cue(src, out, &o, err);
	return import_iso(src, out, &o, err);
}
