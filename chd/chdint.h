/* chd/chdint.h - private to chd/: what the reader, the writer and the hunk map share.
 * Layouts are MAME's (src/lib/util/chd.cpp of mamedev/mame). */
#ifndef BURNLAB_CHD_CHDINT_H
#define BURNLAB_CHD_CHDINT_H

#include <stddef.h>
#include <stdint.h>

#include "chd.h"

/* Header fields (v5, CHD_V5_HEADER_BYTES long). */
enum {
	CHD_HDR_TAG = 0,		/* "MComprHD" */
	CHD_HDR_LENGTH = 8,
	CHD_HDR_VERSION = 12,
	CHD_HDR_COMPRESSORS = 16,	/* 4 x 4 */
	CHD_HDR_LOGICAL = 32,
	CHD_HDR_MAP = 40,
	CHD_HDR_META = 48,
	CHD_HDR_HUNK_BYTES = 56,
	CHD_HDR_UNIT_BYTES = 60,
	CHD_HDR_RAW_SHA1 = 64,
	CHD_HDR_SHA1 = 84,
	CHD_HDR_PARENT_SHA1 = 104,
	CHD_META_HEADER = 16,		/* tag 4, flags 1, length 3, next 8 */
	CHD_MAP_HEADER = 16,		/* compressed map: length 4, first offset 6, crc 2, bits 3, 0 */
	CHD_MAP_ENTRY_RAW = 12,		/* one decoded entry, as the map CRC covers it */
	CHD_SHA1 = 20,
};

/* A hunk's size in a map entry is 24 bits. */
#define CHD_MAX_HUNK_BYTES ((UINT32_C(1) << 24) - 1)
/* The most hunks read or written: 16 bytes of memory each (256 MiB at most, for a
 * 320 GB CD image or a 64 GB DVD in 4 KiB hunks). */
#define CHD_MAX_HUNKS (UINT32_C(1) << 24)
/* Metadata entries are 24-bit long; at most this many are walked. */
#define CHD_MAX_META_ENTRIES 65536

/* Map entry types: 0..6 are stored (the hunk map's CRC covers them); the pseudo-types
 * only appear in the compressed map's type stream. */
enum chd_map_type {
	CHD_MAP_CODEC0 = 0,	/* compressed with compressor slot 0..3 */
	CHD_MAP_CODEC3 = 3,
	CHD_MAP_NONE = 4,	/* stored as is, hunk_bytes long */
	CHD_MAP_SELF = 5,	/* same as an earlier hunk (offset: its number) */
	CHD_MAP_PARENT = 6,	/* in the parent CHD (offset: a unit number) */
	CHD_MAP_RLE_SMALL = 7,
	CHD_MAP_RLE_LARGE = 8,
	CHD_MAP_SELF_0 = 9,	/* SELF, the previous SELF's hunk */
	CHD_MAP_SELF_1 = 10,	/* SELF, the previous SELF's hunk + 1 */
	CHD_MAP_PARENT_SELF = 11,
	CHD_MAP_PARENT_0 = 12,
	CHD_MAP_PARENT_1 = 13,
	CHD_MAP_TYPES = 16,	/* the type tree's alphabet */
	/* Only in memory: an uncompressed CHD's entry 0, a hunk of zeros. */
	CHD_MAP_ZERO = 0xfe,
};

struct chd_map_entry {
	uint64_t offset;	/* file offset, or the hunk a SELF refers to */
	uint32_t length;	/* bytes in the file */
	uint16_t crc;		/* CRC-16 of the decompressed hunk */
	uint8_t type;		/* enum chd_map_type */
	uint8_t nocrc;		/* an uncompressed CHD's hunk: nothing to check */
};

/* The compressed map of COUNT entries (types 0..5; SELF offsets are earlier hunks)
 * into a malloc'd *OUT of *OUTLEN bytes, header included. */
int chd_map_encode(const struct chd_map_entry *e, uint32_t count, uint32_t hunk_bytes, uint8_t **out,
		   size_t *outlen);
/* The 16-byte header of a compressed map (MAME chd.cpp, v5 map): the bit stream's
 * PAYLOAD bytes, the first stored hunk's offset FIRST (48 bits), the CRC-16 of the
 * raw entries and the bit widths of lengths and self references; no parent. */
void chd_map_put_header(uint8_t *buf, size_t payload, uint64_t first, uint16_t crc,
			unsigned lengthbits, unsigned selfbits);
/* Decodes the compressed map MAP (MAPLEN bytes, header included, read at file offset
 * MAPOFF) into a malloc'd *OUT of COUNT entries, allocated only once the type stream
 * has shown that it describes COUNT hunks.  Every stored hunk must lie within
 * FILE_SIZE and a codec type must name a used slot of COMPRESSORS; SELF entries come
 * back resolved to the hunk that holds the data.  PATH names the file in messages. */
int chd_map_decode(const uint8_t *map, size_t maplen, uint64_t mapoff, uint32_t count,
		   uint32_t hunk_bytes, const uint32_t compressors[4], uint64_t file_size,
		   struct chd_map_entry **out, const char *path, struct chd_err *err);
/* An uncompressed CHD's map, read at file offset MAPOFF: COUNT 4-byte entries (hunk
 * offset / hunk_bytes, 0 for a hunk of zeros). */
int chd_map_decode_raw(const uint8_t *map, uint64_t mapoff, uint32_t count, uint32_t hunk_bytes,
		       uint64_t file_size, struct chd_map_entry *e, const char *path, struct chd_err *err);

/* CRC-16/CCITT-FALSE (polynomial 1021h, initial FFFFh, MSB first), MAME's crc16. */
uint16_t chd_crc16(const void *p, size_t len);
uint16_t chd_crc16_update(uint16_t crc, const void *p, size_t len);

/* A tag's four characters (others as '?') into BUF; returns BUF. */
const char *chd_tag_text(uint32_t tag, char buf[5]);

/* Fills ERR (may be NULL): OFFSET and a printf-style message; returns STATUS.  A format
 * error's OFFSET is inside the file (at most its size: "the file ends here"); a pointer
 * to a place at or past the end of the file is named by where the pointer is. */
int chd_fail(struct chd_err *err, int status, int64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
