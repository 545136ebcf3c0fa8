/* disclog/dlexport.h - import into and export from disclog images (module dlx_).
 *
 * Import turns an ISO image or a CUE sheet with its BIN file(s) into a finalized
 * disclog image, recorded as a drive would have recorded the burn.  Export writes the
 * disc as it is now (latest record wins) in formats other tools read: ISO, CUE+BIN,
 * cdrdao TOC+BIN with raw P-W, CloneCD CCD/IMG/SUB.  The format table has a slot for
 * CHD, which the disclog program fills (disclog/dlchd.h: libdisclog does not link libchd);
 * the functions under "for converters" are what it builds on.  The store itself is
 * disclog/disclog.h; sectors come from cdsector.h.
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
 * at out.  Without opts->force an existing out is an error (DLX_EUSAGE).  A CHD (see
 * dlx_is_chd) is refused (DLX_EUSAGE): the disclog program imports it. */
int dlx_import(const char *src, const char *out, const struct dlx_import_opts *opts,
	       struct dlx_error *err);

/* Does path start with a CHD's tag "MComprHD"? */
bool dlx_is_chd(const char *path);

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
	dlx_export_fn fn;	/* NULL: not in libdisclog (chd: the program, dlchd.h) */
};

/* The format table, NULL-name terminated. */
extern const struct dlx_format dlx_formats[];
const struct dlx_format *dlx_format_find(const char *name);

/* Open image, read its layout and run the format's exporter with base (the output
 * path without extension; "iso" writes base itself when it ends in .iso, else
 * base.iso).  Warnings (unrecorded blocks filled with zeros) go to stderr.  A format
 * without fn in the table (chd) is DLX_EUSAGE. */
int dlx_export(const char *image, const char *format, const char *base,
	       const struct dlx_export_opts *opts, struct dlx_error *err);
/* The same with an exporter the caller gives (the program's chd): format names the
 * extension a BASE may carry. */
int dlx_export_run(const char *image, const char *format, dlx_export_fn fn, const char *base,
		   const struct dlx_export_opts *opts, struct dlx_error *err);

/* Remove a half-written output after a failure - only when path names a regular file:
 * an output such as /dev/null or a FIFO must survive a failed run (as root, removing
 * /dev/null breaks the machine). */
void dlx_discard_output(const char *path);

/* ---- for converters (the CHD converter in disclog/chdconv.c) -------------------------- */

/* The LBA range of a CD-style export: track 1's INDEX 01 to the last track's end;
 * DLX_ECONTENT when it does not fit LBA 0..CDS_LBA_MAX. */
int dlx_cd_range(const struct dlx_layout *lay, int32_t *first, int32_t *end, struct dlx_error *err);

/* The 2352-byte sector at lba for a block of bs bytes (2048: Mode 1 or, on a Mode 2
 * track, Mode 2 Form 1 with sync, header, EDC and ECC made; 2056: Form 1 with its
 * sub-header; 2336: Mode 2 with sync and header added; 2352 and more: its first 2352
 * bytes), or, when p is NULL, an empty sector of the kind (silence, Mode 1 of zeros,
 * Mode 2 header only).  Returns 0, or -1 for another size. */
int dlx_cd_sector(const uint8_t *p, uint32_t bs, enum dlx_track_kind kind, int32_t lba, uint8_t *out);

/* The 96 bytes of raw P-W the exports synthesize for lba (ECMA-130 §22: P during a
 * pregap, Q mode 1 position, R-W zero).  Returns 0, or -1 when lba has no MSF. */
int dlx_cd_sub_synth(const struct dlx_layout *lay, int32_t lba, uint8_t *sub);

/* The blocks of a disc as the exports write them, through the exports' run cache. */
struct dlx_blocks;

int dlx_blocks_open(struct dl_reader *r, const struct dlx_layout *lay, const char *image,
		    struct dlx_blocks **out, struct dlx_error *err);
/* 2448 bytes into frame: the sector as the cue export writes it, then the raw P-W the
 * toc export writes (recorded at 2448 with data block type 3, else synthesized).  Reads
 * ahead up to limit (one past the last LBA wanted). */
int dlx_blocks_cd_frame(struct dlx_blocks *b, int32_t lba, int32_t limit, uint8_t *frame,
			struct dlx_error *err);
/* 2048 bytes of user data into out, as the iso export writes them: 1, or 0 when lba
 * was never recorded (zeros in out, *run the unrecorded blocks from lba up to limit,
 * all counted for the warning), or an error. */
int dlx_blocks_user(struct dlx_blocks *b, int32_t lba, int32_t limit, uint8_t *out, int32_t *run,
		    struct dlx_error *err);
/* Free; with what (the format's name), first warn on stderr about the unrecorded blocks
 * that were written empty. */
void dlx_blocks_close(struct dlx_blocks *b, const char *what);

/* A CD recorded as the CUE import records it: session-at-once from LBA -150 at 2352
 * bytes per block; one session, a finalized disc.  A frame the source gives with P-W
 * that differs from what dlx_cd_sub_synth makes is recorded at 2448 bytes with data
 * block type 3 (raw P-W). */
struct dlx_cd_source_track {
	enum dlx_track_kind kind;
	int32_t pregap;		/* frames generated before the track (CUE PREGAP); the first
				 * track's pregap is whatever fills LBA -150 up to src_pregap */
	int32_t src_pregap;	/* source frames before INDEX 01 (CUE INDEX 00) */
	int64_t src_frames;	/* source frames, src_pregap included */
	int32_t postgap;	/* frames generated after the track */
};

struct dlx_cd_source {
	const char *name;	/* the source file, for messages */
	unsigned ntracks;
	const struct dlx_cd_source_track *tracks;
	/* Frame k (from 0) of track i's source frames, recorded at lba: 2352 bytes into
	 * frame, and, when the source has its sub-channel, 96 bytes of raw P-W after them
	 * with *sub true. */
	int (*read)(void *ctx, unsigned i, int32_t k, int32_t lba, uint8_t *frame, bool *sub,
		    struct dlx_error *err);
	void *ctx;
};

int dlx_import_cd(const struct dlx_cd_source *src, const char *out, const struct dlx_import_opts *opts,
		  struct dlx_error *err);

/* 2048-byte blocks from LBA 0 recorded as the ISO import records them (opts->media). */
struct dlx_user_source {
	const char *name;
	int64_t nblocks;
	int (*read)(void *ctx, int32_t lba, uint8_t *blk, struct dlx_error *err);
	void *ctx;
};

int dlx_import_user(const struct dlx_user_source *src, const char *out, const struct dlx_import_opts *opts,
		    struct dlx_error *err);

#endif
