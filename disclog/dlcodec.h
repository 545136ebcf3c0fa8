/* disclog/dlcodec.h - private to libdisclog: the gzip member and record header codec
 * (format.c), used by the writer, the reader and the disclog program's record
 * listing.  The layout is doc/disclog.md; nothing outside disclog/ (and its tests)
 * includes this header. */
#ifndef DL_CODEC_H
#define DL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "disclog.h"

/* Fixed sizes of the gzip framing around a record header (doc/disclog.md §2). */
#define DL_GZ_FIXED   12	/* ID1 ID2 CM FLG MTIME(4) XFL OS XLEN(2) */
#define DL_SUB_HDR    4		/* SI1 SI2 LEN(2) */
#define DL_TRAILER    8		/* CRC32 ISIZE */
#define DL_REC_COMMON 24	/* version..header CRC */
#define DL_DATA_HLEN  52

/* Encode the gzip member header (gzip fixed fields, FEXTRA subfield, record header)
 * into out (at least DL_GZ_FIXED + DL_SUB_HDR + header length bytes).  For STATE
 * records `state` gives the snapshot and h->part/nparts/first_track/part_tracks
 * which slice of its tracks this member carries.  Returns the bytes written, or a
 * negative enum dl_errcode. */
int dl_member_header_encode(uint8_t *out, size_t cap, const struct dl_header *h,
			    const struct dl_state *state);

/* Decode the member header at p (len bytes available).  Fills h; for STATE parts
 * merges the part into *state (allocating on part 0; caller frees with
 * dl_state_free).  Returns the bytes the gzip header occupies (where the deflate
 * data starts), 0 if len is too short to tell, or a negative code with err filled
 * (offset = base_offset). */
int dl_member_header_decode(const uint8_t *p, size_t len, int64_t base_offset,
			    struct dl_header *h, struct dl_state *state, struct dl_error *err);

/* How many STATE parts a snapshot needs (>= 1; 0 if its disc block and sessions
 * alone exceed a header), and the track entries of every part after the first. */
unsigned dl_state_parts(const struct dl_state *s, uint16_t *tracks_per_part);

/* Which track entries part `part` carries: part 0 has less room (doc/disclog.md
 * §3.3).  Returns 0, or DL_EINVAL if there is no such part. */
int dl_state_part_slice(const struct dl_state *s, unsigned part, uint16_t *first, uint16_t *count);

#endif
