/* disclog/dlzip.h - private to libdisclog: the deflate engines behind every member's
 * payload (doc/disclog.md §2 and §6).  Two engines write and read the same format,
 * raw deflate (RFC 1951) whose CRC-32 (RFC 1952 §8) goes into the gzip trailer:
 * zlib, always built, and Intel ISA-L's igzip when configure found it (HAVE_ISAL).
 * The writer and the reader call only these functions, so the engine is a choice of
 * speed, never of format. */
#ifndef DL_ZIP_H
#define DL_ZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "disclog.h"

/* The engine a caller asked for, resolved: DL_DEFLATE_DEFAULT becomes ISA-L when
 * built with it, zlib otherwise.  DL_EINVAL for an engine this build lacks. */
int dlz_resolve(enum dl_deflate asked, enum dl_deflate *engine);

/* CRC-32 of the gzip trailer (ISO 3309, as zlib's crc32), continuing from crc (0 to
 * start): ISA-L's crc32_gzip_refl when built with it (several times faster, same
 * values), zlib's otherwise. */
uint32_t dlz_crc32(uint32_t crc, const void *p, size_t n);

/* A raw-deflate compressor reused for many members; zero-initialised before first use
 * with .engine set. */
struct dlz_deflater {
	enum dl_deflate engine;		/* DL_DEFLATE_ZLIB or DL_DEFLATE_ISAL */
	bool ready;
	int level;			/* level set on zs (zlib) */
	z_stream zs;
	void *is;			/* struct isal_zstream (ISA-L) */
	uint8_t *level_buf;		/* ISA-L's hash tables for its levels 1-3 */
	size_t level_buf_size;
};

/* Deflate in into out at level (zlib's scale, 1..9; ISA-L uses its level
 * min(level, 3)); an empty input is the two bytes 03 00 (doc/disclog.md §2), whatever
 * the engine.  Returns 1 when done (*out_len set),
 * 0 when the output did not fit in out_cap, or a negative enum dl_errcode with msg
 * filled. */
int dlz_deflate(struct dlz_deflater *z, int level, const uint8_t *in, size_t in_len,
		uint8_t *out, size_t out_cap, size_t *out_len, char *msg, size_t msgsz);
void dlz_deflate_end(struct dlz_deflater *z);

/* Should a payload be stored rather than deflated?  True when it is 256 KiB or more
 * and the bytes of each of eight 8 KiB slices spread over it are spread so evenly
 * that coding them one by one cannot save 1/64 (chi-square bound, dlzip.c): random,
 * encrypted or compressed data, not worth a whole deflate pass. */
bool dlz_incompressible(const uint8_t *in, size_t in_len);

/* Stored blocks without their bytes, for writing a member straight from its payload:
 * dlz_stored_blocks(in_len) blocks; dlz_stored_headers puts their DLZ_STORED_HDR-byte
 * headers one after another in hdr.  Block k holds payload bytes from
 * k * DLZ_STORED_MAX on; the stream is the headers and blocks interleaved. */
#define DLZ_STORED_MAX  65535u	/* RFC 1951 §3.2.4: LEN is 16 bits */
#define DLZ_STORED_HDR  5	/* one byte of block header bits, LEN, NLEN */
size_t dlz_stored_blocks(size_t in_len);
void dlz_stored_headers(size_t in_len, uint8_t *hdr);

/* A raw-deflate decompressor reused for many members. */
struct dlz_inflater {
	enum dl_deflate engine;
	bool ready;
	z_stream zs;
	void *is;			/* struct inflate_state (ISA-L) */
};

/* Set up for engine (DL_DEFLATE_DEFAULT resolves as above).  0 or DL_ENOMEM /
 * DL_EINVAL. */
int dlz_inflate_init(struct dlz_inflater *z, enum dl_deflate engine);
/* Start a new stream.  0 or DL_ENOMEM. */
int dlz_inflate_reset(struct dlz_inflater *z);
/* One step: inflate from *in (*in_len bytes) into out (room bytes); *in and *in_len
 * advance past the bytes consumed, *got is the output.  Returns 1 when the final
 * block ended (*in_len then counts every byte after the stream's last one), 0 when it
 * needs more input or more output room, DL_ECORRUPT with why filled, or DL_ENOMEM. */
int dlz_inflate(struct dlz_inflater *z, const uint8_t **in, size_t *in_len, uint8_t *out,
		size_t room, size_t *got, char *why, size_t whysz);
void dlz_inflate_end(struct dlz_inflater *z);

#endif
