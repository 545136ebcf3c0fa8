/* engine/cuesheet.h - CUE sheets (CUE+BIN) as wengine burns them Disc-at-Once (prefix
 * cue_).  Part of the wengine program, not of the library: IMAPI2 takes tracks as
 * streams (IRawCDImageCreator); reading a CUE file is the application's job.
 *
 * The commands read: CATALOG, FILE "name" BINARY|MOTOROLA|WAVE, TRACK nn
 * AUDIO|MODE1/2048|MODE1/2352|MODE2/2336|MODE2/2352, INDEX nn mm:ss:ff, PREGAP,
 * POSTGAP, FLAGS (DCP, PRE, 4CH, SCMS), ISRC; REM, TITLE, PERFORMER, SONGWRITER and
 * CDTEXTFILE are passed over (CD-TEXT is not written).  Addresses are MSF of 75 frames a
 * second from the start of the track's FILE, counted in sectors of the tracks before it
 * in that file (CDRWIN's and cdrdao's reading: a MODE1/2048 track after AUDIO ones in
 * one file starts at the byte where their 2352-byte sectors end). */
#ifndef ENG_CUESHEET_H
#define ENG_CUESHEET_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cue_type { CUE_AUDIO, CUE_MODE1_2048, CUE_MODE1_2352, CUE_MODE2_2336, CUE_MODE2_2352 };
enum cue_file_format { CUE_BINARY, CUE_MOTOROLA, CUE_WAVE };

enum { CUE_MAX_TRACKS = 99, CUE_MAX_INDEX = 100 };

struct cue_file {
	char path[PATH_MAX];	/* relative names are taken from the CUE file's folder */
	enum cue_file_format format;
	uint64_t data_offset;	/* where sectors start in it (WAVE: the data chunk) */
	uint64_t bytes;		/* bytes of sectors in it */
};

struct cue_track {
	int number;
	enum cue_type type;
	int file;			/* index into cue_sheet.files */
	int64_t index[CUE_MAX_INDEX];	/* sector offset in the file of INDEX n, -1 absent */
	int32_t pregap, postgap;	/* PREGAP / POSTGAP: sectors not in the file */
	int64_t first;			/* the first INDEX's sector (00, else 01) */
	uint64_t byte_first;		/* its byte offset in the file's sectors */
	int64_t end;			/* where the track's sectors end (exclusive) */
	bool dcp, pre, four_ch, scms;
	char isrc[13];
	int line;			/* the TRACK line */
};

struct cue_sheet {
	char path[PATH_MAX];
	char catalog[14];
	struct cue_file files[CUE_MAX_TRACKS];
	int nfiles;
	struct cue_track tracks[CUE_MAX_TRACKS];
	int ntracks;
};

/* Parses path and checks it: track numbers in order from 1, every track with INDEX 01,
 * indices ascending, each file present and holding whole sectors of its tracks, each
 * track's sector size as its type says.  0, or -1 with err holding "PATH:LINE: WHAT"
 * (or "PATH: WHAT" for the whole sheet). */
int cue_parse(const char *path, struct cue_sheet *cs, char *err, size_t errlen);
/* Bytes per sector in the file of a track type. */
int cue_sector_bytes(enum cue_type t);
/* "AUDIO", "MODE1/2352", ... */
const char *cue_type_name(enum cue_type t);

#endif
