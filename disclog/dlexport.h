/* disclog/dlexport.h - import into and export from disclog images (module dlx_).
 *
 * Import turns an ISO image or a CUE sheet with its BIN file(s) into a finalized
 * disclog image, recorded as a drive would have recorded the burn.  Export writes the
 * disc as it is now (latest record wins) in formats other tools read: ISO, CUE+BIN,
 * cdrdao TOC+BIN with raw P-W, CloneCD CCD/IMG/SUB; the format table has a slot for
 * CHD.  The store itself is disclog/disclog.h; sectors come from cdsector.h.
 *
 * Every function returns 0 or a negative enum dlx_errcode and fills a struct
 * dlx_error.  The magnitude of the code is the exit status the `disclog` tool uses
 * (doc/disclog-tool.md). */
#ifndef SIM_DLEXPORT_H
#define SIM_DLEXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "disclog.h"

enum dlx_errcode {
	DLX_OK = 0,
	DLX_EDIFF = -1,		/* comparison found differences / verification failed */
	DLX_EUSAGE = -2,	/* bad argument, unknown or unimplemented format */
	DLX_EIO = -3,		/* a file could not be opened, read or written */
	DLX_EIMAGE = -4,	/* not a disclog image, or damaged */
	DLX_ECONTENT = -5,	/* input or disc content does not allow it: bad CUE sheet,
				 * no data track, range not recorded, too large for a CD */
};

struct dlx_error {
	enum dlx_errcode code;
	char msg[512];		/* one line, names the file (and line or LBA) */
};

/* Map a store error to a dlx code (EFOREIGN/EVERSION/ECORRUPT -> EIMAGE, EIO -> EIO,
 * ERANGE -> ECONTENT, others -> EIO) and copy its message. */
int dlx_from_dl(struct dlx_error *err, const struct dl_error *dle);

/* ---- MMC names ------------------------------------------------------------------- */

/* "CD-ROM", "DVD+R", ... or "unknown". */
const char *dlx_profile_name(uint16_t profile);
/* true for the CD profiles (0008h..000Ah). */
bool dlx_profile_is_cd(uint16_t profile);
const char *dlx_disc_status_name(uint8_t st);	/* empty, incomplete, complete, other */
const char *dlx_session_state_name(uint8_t st);	/* empty, incomplete, damaged, complete */
const char *dlx_track_state_name(uint8_t st);	/* blank, incomplete, reserved, closed */

/* ---- the disc as the exports see it ------------------------------------------------ */

enum dlx_track_kind { DLX_AUDIO, DLX_MODE1, DLX_MODE2 };

struct dlx_track {
	uint16_t number, session;
	enum dlx_track_kind kind;
	uint8_t  ctl;		/* Q control nibble: 4 data, 0 audio */
	int32_t  pregap;	/* first LBA of index 0 (== start when no pregap) */
	int32_t  start;		/* INDEX 01 */
	int32_t  end;		/* one past the last block */
};

struct dlx_layout {
	uint16_t profile;	/* 0 when the image has no STATE */
	bool     cd;
	uint16_t ntracks, nsessions;
	struct dlx_track *tracks;	/* owned; free with dlx_layout_free */
};

/* Tracks of the last STATE snapshot (pregaps: the gap between a track's start and the
 * end of the one before; track 1's pregap from -150 when those blocks are recorded).
 * Without a STATE: one data track over the recorded range.  Returns 0 or an error. */
int dlx_layout_get(struct dl_reader *r, struct dlx_layout *lay, struct dlx_error *err);
void dlx_layout_free(struct dlx_layout *lay);

/* ---- import ----------------------------------------------------------------------- */

enum dlx_media { DLX_MEDIA_DEFAULT = 0, DLX_MEDIA_DVD_ROM, DLX_MEDIA_CD_ROM, DLX_MEDIA_BD_ROM };

struct dlx_import_opts {
	enum dlx_media media;	/* ISO: default DVD-ROM; CUE: CD-ROM only */
	bool force;		/* replace an existing OUT */
};

/* Parse "dvd-rom", "cd-rom", "bd-rom".  Returns 0 or -1. */
int dlx_media_parse(const char *s, enum dlx_media *m);

/* Import src (a CUE sheet when its name ends in .cue, else an ISO) into a new image
 * at out.  Without opts->force an existing out is an error (DLX_EUSAGE). */
int dlx_import(const char *src, const char *out, const struct dlx_import_opts *opts,
	       struct dlx_error *err);

/* ---- export ----------------------------------------------------------------------- */

struct dlx_export_opts {
	int track;		/* iso: track number, 0 = default (doc/disclog-tool.md) */
	const char *image_name;	/* for comments in the written files; may be NULL */
};

typedef int (*dlx_export_fn)(struct dl_reader *r, const struct dlx_layout *lay, const char *base,
			     const struct dlx_export_opts *opts, struct dlx_error *err);

struct dlx_format {
	const char *name;	/* --format value */
	const char *files;	/* what it writes, for --help */
	dlx_export_fn fn;	/* NULL: not implemented yet (DLX_EUSAGE) */
};

/* The format table, NULL-name terminated. */
extern const struct dlx_format dlx_formats[];
const struct dlx_format *dlx_format_find(const char *name);

/* Open image, read its layout and run the format's exporter with base (the output
 * path without extension; "iso" writes base itself when it ends in .iso, else
 * base.iso).  Warnings (unrecorded blocks filled with zeros) go to stderr. */
int dlx_export(const char *image, const char *format, const char *base,
	       const struct dlx_export_opts *opts, struct dlx_error *err);

/* Remove a half-written output after a failure - only when path names a regular file:
 * an output such as /dev/null or a FIFO must survive a failed run (as root, removing
 * /dev/null breaks the machine). */
void dlx_discard_output(const char *path);

#endif
