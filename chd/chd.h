/* chd/chd.h - MAME's Compressed Hunks of Data, version 5: a reader and a writer
 * (prefix chd_).  libchd knows the container (header, hunk map, metadata, SHA-1s) and
 * the codecs chdman uses; it knows nothing of disclog images.  The layout is MAME's
 * (src/lib/util/chd.cpp, chdcodec.cpp, huffman.cpp, cdrom.h of mamedev/mame), written
 * here in our own code; doc/chd.md says what is supported.  Every field is big-endian.
 */
#ifndef BURNLAB_CHD_H
#define BURNLAB_CHD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHD_TAG(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/* Codecs by their four-character tag, as the header's compressor slots name them. */
enum {
	CHD_CODEC_NONE = 0,
	CHD_CODEC_ZLIB = CHD_TAG('z', 'l', 'i', 'b'),
	CHD_CODEC_LZMA = CHD_TAG('l', 'z', 'm', 'a'),
	CHD_CODEC_HUFF = CHD_TAG('h', 'u', 'f', 'f'),
	CHD_CODEC_FLAC = CHD_TAG('f', 'l', 'a', 'c'),
	CHD_CODEC_CD_ZLIB = CHD_TAG('c', 'd', 'z', 'l'),
	CHD_CODEC_CD_LZMA = CHD_TAG('c', 'd', 'l', 'z'),
	CHD_CODEC_CD_FLAC = CHD_TAG('c', 'd', 'f', 'l'),
};

/* Metadata tags. */
enum {
	CHD_META_CD_TRACK2 = CHD_TAG('C', 'H', 'T', '2'),	/* one per track, text */
	CHD_META_CD_TRACK = CHD_TAG('C', 'H', 'T', 'R'),	/* older form, no pregap fields */
	CHD_META_GDROM = CHD_TAG('C', 'H', 'G', 'D'),
	CHD_META_DVD = CHD_TAG('D', 'V', 'D', ' '),
	CHD_META_FLAG_CHECKSUM = 0x01,	/* the entry is part of the overall SHA-1 */
};

/* CD layout: every frame is 2352 bytes of sector and 96 of raw P-W sub-channel; a hunk
 * holds 8 frames; every track is padded to a multiple of 4 frames.  AUDIO sectors hold
 * big-endian 16-bit samples (chdman swaps a .bin's little-endian ones both ways). */
enum {
	CHD_CD_SECTOR = 2352,
	CHD_CD_SUB = 96,
	CHD_CD_FRAME = CHD_CD_SECTOR + CHD_CD_SUB,
	CHD_CD_FRAMES_PER_HUNK = 8,
	CHD_CD_TRACK_PADDING = 4,
	CHD_V5_HEADER_BYTES = 124,
};

/* Results: 0, or one of these. */
enum chd_status {
	CHD_OK = 0,
	CHD_EIO = -1,		/* open, read, write or seek failed (errno in the message) */
	CHD_EFORMAT = -2,	/* not a CHD, or damaged: the message names the file offset */
	CHD_EUNSUPPORTED = -3,	/* version, codec (named) or a required parent */
	CHD_ENOMEM = -4,
	CHD_ENOTFOUND = -5,	/* no such metadata entry */
	CHD_EINVAL = -6,	/* a caller's argument */
};

struct chd_err {
	/* The file offset the error is about.  A CHD_EFORMAT or CHD_EUNSUPPORTED about the
	 * file names one inside it, 0 .. its size (the size: "the file ends here"; a
	 * pointer to a place past the end is named where the pointer is).  -1 where no byte
	 * of the file is concerned: open(2) failing, out of memory, a caller's argument, no
	 * such metadata, the writer's errors, CHT2 text. */
	int64_t offset;
	char msg[256];		/* one line, names the file */
};

struct chd_header {
	uint32_t version;
	uint32_t compressors[4];	/* CHD_CODEC_*, unused slots 0 */
	uint64_t logical_bytes;
	uint64_t map_offset, meta_offset;
	uint32_t hunk_bytes, unit_bytes;
	uint32_t hunk_count;		/* ceil(logical_bytes / hunk_bytes) */
	uint8_t raw_sha1[20], sha1[20], parent_sha1[20];
};

/* ---- reading ---- */

struct chd_reader;

/* Opens PATH, checks the header and decodes the whole hunk map (each entry's offset and
 * length checked against the file).  A CHD that needs a parent, a version other than 5
 * and codecs this library does not decode are refused (CHD_EUNSUPPORTED naming them). */
int chd_open(const char *path, struct chd_reader **out, struct chd_err *err);
const struct chd_header *chd_reader_header(const struct chd_reader *r);
/* Hunk HUNK, decompressed and CRC-16 checked, into BUF (hunk_bytes). */
int chd_read_hunk(struct chd_reader *r, uint32_t hunk, void *buf, struct chd_err *err);
/* The INDEX-th (from 0) metadata entry with TAG: up to SIZE bytes into BUF, its whole
 * length in *LEN.  CHD_ENOTFOUND after the last. */
int chd_read_meta(struct chd_reader *r, uint32_t tag, uint32_t index, void *buf, uint32_t size,
		  uint32_t *len, struct chd_err *err);
void chd_close(struct chd_reader *r);

/* ---- writing ---- */

struct chd_writer;

/* Creates PATH (O_EXCL unless FORCE) for LOGICAL_BYTES in hunks of HUNK_BYTES.  Each hunk
 * is stored with whichever of CODECS (up to 4, 0-terminated or full; CHD_CODEC_ZLIB and
 * CHD_CODEC_CD_ZLIB are written) gives the smallest result, or uncompressed when none
 * helps; a hunk equal to an earlier one is stored as a reference to it. */
int chd_create(const char *path, bool force, uint32_t hunk_bytes, uint32_t unit_bytes,
	       uint64_t logical_bytes, const uint32_t codecs[4], struct chd_writer **out,
	       struct chd_err *err);
/* The next hunk, in order (hunk_bytes; the last one zero-padded by the caller). */
int chd_write_hunk(struct chd_writer *w, const void *buf, struct chd_err *err);
int chd_add_meta(struct chd_writer *w, uint32_t tag, uint8_t flags, const void *data,
		 uint32_t len, struct chd_err *err);
/* After the last hunk: writes the compressed map, the metadata and both SHA-1s, closes
 * and renames the temporary file (beside PATH) to PATH.  W is freed whatever the result;
 * on failure nothing is left at PATH.  After a failed chd_write_hunk or chd_add_meta, W
 * is still usable, and chd_abort must end it. */
int chd_finish(struct chd_writer *w, struct chd_err *err);
/* Gives up: closes and removes the file. */
void chd_abort(struct chd_writer *w);

/* ---- CD track metadata (CHT2 text) ---- */

struct chd_cd_track {
	int number;			/* 1.. */
	char type[16];			/* MODE1, MODE1_RAW, MODE2_RAW, AUDIO, ... */
	char subtype[8];		/* NONE, RW, RW_RAW */
	uint32_t frames;		/* including a pregap stored in the CHD */
	uint32_t pregap;
	char pgtype[1 + 16];		/* "V" + type when the pregap is stored, else a type */
	char pgsub[8];
	uint32_t postgap;
};

int chd_cd_track_parse(const char *text, size_t len, struct chd_cd_track *t, struct chd_err *err);
/* The text written for T (NUL-terminated); its length, or -1 when SIZE is too small. */
int chd_cd_track_format(const struct chd_cd_track *t, char *buf, size_t size);

#endif
