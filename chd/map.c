/* chd/map.c - the v5 hunk map, compressed (MAME src/lib/util/chd.cpp, compress_v5_map
 * and decompress_v5_map, give the layout) and uncompressed.
 *
 * A compressed map is a 16-byte header (payload length 4, first hunk's file offset 6,
 * CRC-16 of the decoded map 2, lengthbits, selfbits, parentbits, 0) then a bit stream:
 * the type tree (16 codes, 8 bits, RLE-coded), one Huffman-coded type per hunk with runs
 * folded into RLE_SMALL (+4-bit count) and RLE_LARGE (+8-bit count) and SELF references
 * to the previous one (+0/+1) folded into SELF_0/SELF_1; then per hunk in order its
 * fields (codec: length and CRC; NONE: CRC; SELF: the hunk).  Stored hunks lie back to
 * back from the first offset, so their offsets are sums of lengths. */
#include <stdlib.h>
#include <string.h>

#include "chdint.h"
#include "huffman.h"
#include "wire.h"

/* RLE_SMALL covers 3..18 hunks, RLE_LARGE 19..274. */
enum { RUN_SMALL_MIN = 3, RUN_LARGE_MIN = 3 + 16, RUN_LARGE_MAX = 3 + 16 + 255 };

static void raw_entry(uint8_t raw[CHD_MAP_ENTRY_RAW], uint8_t type, uint32_t length, uint64_t offset,
		      uint16_t crc)
{
	raw[0] = type;
	wire_put_be24(raw + 1, length);
	wire_put_be16(raw + 4, (uint16_t)(offset >> 32));
	wire_put_be32(raw + 6, (uint32_t)offset);
	wire_put_be16(raw + 10, crc);
}

static unsigned bits_for(uint64_t v)
{
	unsigned n = 0;
	while (v != 0)
		v >>= 1, n++;
	return n;
}

/* ---- encoding ---------------------------------------------------------------- */

struct tokens {
	uint8_t *t;
	size_t n;
};

static void emit(struct tokens *tk, uint8_t v)
{
	tk->t[tk->n++] = v;
}

/* RUN more hunks of the type LAST, after the one already emitted. */
static void flush_run(struct tokens *tk, uint8_t last, uint32_t run)
{
	while (run > 0) {
		if (run < RUN_SMALL_MIN) {
			emit(tk, last);
			run--;
		} else if (run < RUN_LARGE_MIN) {
			emit(tk, CHD_MAP_RLE_SMALL);
			emit(tk, (uint8_t)(run - RUN_SMALL_MIN));
			run = 0;
		} else {
			uint32_t n = run < RUN_LARGE_MAX ? run : RUN_LARGE_MAX;
			emit(tk, CHD_MAP_RLE_LARGE);
			emit(tk, (uint8_t)((n - RUN_LARGE_MIN) >> 4));
			emit(tk, (uint8_t)((n - RUN_LARGE_MIN) & 15));
			run -= n;
		}
	}
}

void chd_map_put_header(uint8_t *buf, size_t payload, uint64_t first, uint16_t crc,
			unsigned lengthbits, unsigned selfbits)
{
	wire_put_be32(buf, (uint32_t)payload);
	wire_put_be16(buf + 4, (uint16_t)(first >> 32));
	wire_put_be32(buf + 6, (uint32_t)first);
	wire_put_be16(buf + 10, crc);
	buf[12] = (uint8_t)lengthbits;
	buf[13] = (uint8_t)selfbits;
	buf[14] = 0;	/* parentbits: no parent */
	buf[15] = 0;
}

int chd_map_encode(const struct chd_map_entry *e, uint32_t count, uint32_t hunk_bytes, uint8_t **out,
		   size_t *outlen)
{
	uint8_t raw[CHD_MAP_ENTRY_RAW];
	uint16_t crc = 0xffff;
	uint32_t max_len = 0, max_self = 0, last_self = 0, run = 0;
	uint64_t first = 0, next = 0;
	bool have_first = false;
	struct tokens tk = { NULL, 0 };
	uint8_t *types = malloc(count ? count : 1), last = 0;
	struct chd_huff h;
	int rc;

	*out = NULL;
	*outlen = 0;
	/* Each hunk adds at most one token and a flush at most three. */
	tk.t = malloc((size_t)count * 2 + 4);
	rc = chd_huff_init(&h, CHD_MAP_TYPES, 8);
	if (!types || !tk.t || rc != CHD_OK) {
		free(types);
		free(tk.t);
		chd_huff_fini(&h);
		return rc != CHD_OK ? rc : CHD_ENOMEM;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint8_t t = e[i].type;
		switch (t) {
		case CHD_MAP_SELF:
			raw_entry(raw, t, 0, e[i].offset, 0);
			if (e[i].offset >= i) {
				rc = CHD_EINVAL;	/* only earlier hunks */
				break;
			}
			if (e[i].offset == last_self)
				t = CHD_MAP_SELF_0;
			else if (e[i].offset == (uint64_t)last_self + 1)
				t = CHD_MAP_SELF_1;
			else if (e[i].offset > max_self)
				max_self = (uint32_t)e[i].offset;
			last_self = (uint32_t)e[i].offset;
			break;
		case CHD_MAP_NONE:
		default:
			if (t > CHD_MAP_NONE || (t == CHD_MAP_NONE && e[i].length != hunk_bytes) ||
			    e[i].length > hunk_bytes) {
				rc = CHD_EINVAL;
				break;
			}
			raw_entry(raw, t, e[i].length, e[i].offset, e[i].crc);
			/* Stored hunks must follow each other: offsets are implied. */
			if (!have_first) {
				first = next = e[i].offset;
				have_first = true;
			}
			if (e[i].offset != next) {
				rc = CHD_EINVAL;
				break;
			}
			next += e[i].length;
			if (t != CHD_MAP_NONE && e[i].length > max_len)
				max_len = e[i].length;
			break;
		}
		if (rc != CHD_OK)
			break;
		crc = chd_crc16_update(crc, raw, sizeof(raw));
		types[i] = t;
		if (t == last) {
			run++;
		} else {
			flush_run(&tk, last, run);
			emit(&tk, t);
			last = t;
			run = 0;
		}
	}
	flush_run(&tk, last, run);

	unsigned lengthbits = bits_for(max_len), selfbits = bits_for(max_self);
	/* Tree: at most 16 x 3 fields of 4 bits; per hunk a token of up to 8 bits (twice
	 * with a flush) and up to 24 + 16 or 32 bits of fields. */
	size_t cap = CHD_MAP_HEADER + 64 + (size_t)count * 8 + tk.n;
	uint8_t *buf = rc == CHD_OK ? malloc(cap) : NULL;
	if (rc == CHD_OK && !buf)
		rc = CHD_ENOMEM;
	if (rc == CHD_OK) {
		struct chd_bitwriter bw;

		chd_bitw_init(&bw, buf + CHD_MAP_HEADER, cap - CHD_MAP_HEADER);
		for (size_t i = 0; i < tk.n; i++)
			chd_huff_histo_add(&h, tk.t[i]);
		rc = chd_huff_build(&h);
		if (rc == CHD_OK)
			rc = chd_huff_export_rle(&h, &bw);
		for (size_t i = 0; rc == CHD_OK && i < tk.n; i++)
			rc = chd_huff_encode(&h, &bw, tk.t[i]);
		for (uint32_t i = 0; rc == CHD_OK && i < count; i++) {
			switch (types[i]) {
			case CHD_MAP_NONE:
				chd_bitw_put(&bw, e[i].crc, 16);
				break;
			case CHD_MAP_SELF:
				chd_bitw_put(&bw, (uint32_t)e[i].offset, selfbits);
				break;
			case CHD_MAP_SELF_0:
			case CHD_MAP_SELF_1:
				break;
			default:
				chd_bitw_put(&bw, e[i].length, lengthbits);
				chd_bitw_put(&bw, e[i].crc, 16);
				break;
			}
		}
		if (rc == CHD_OK && bw.overflow)
			rc = CHD_ENOMEM;	/* the bound above is wrong: never */
		if (rc == CHD_OK) {
			size_t payload = chd_bitw_bytes(&bw);
			chd_map_put_header(buf, payload, first, crc, lengthbits, selfbits);
			*out = buf;
			*outlen = CHD_MAP_HEADER + payload;
			buf = NULL;
		}
	}
	free(buf);
	free(types);
	free(tk.t);
	chd_huff_fini(&h);
	return rc;
}

/* ---- decoding ---------------------------------------------------------------- */

/* A stored hunk must lie inside the file, after the header.  The error names the hunk's
 * offset or, when the hunk starts at or past the end of the file or inside the header,
 * POINTER: where the map says so, so that the offset named is always inside the file. */
static int check_span(const char *path, uint32_t hunk, uint64_t offset, uint32_t length,
		      uint64_t file_size, uint64_t pointer, struct chd_err *err)
{
	if (offset < CHD_V5_HEADER_BYTES)
		return chd_fail(err, CHD_EFORMAT, (int64_t)pointer,
				"%s: hunk %u at offset %llu lies inside the header (%u bytes)", path, hunk,
				(unsigned long long)offset, CHD_V5_HEADER_BYTES);
	if (offset > file_size || length > file_size - offset)
		return chd_fail(err, CHD_EFORMAT, (int64_t)(offset < file_size ? offset : pointer),
				"%s: hunk %u at offset %llu (%u bytes) lies past the end of the file (%llu bytes)",
				path, hunk, (unsigned long long)offset, length,
				(unsigned long long)file_size);
	return CHD_OK;
}

/* The type of each of COUNT hunks, runs expanded, into TYPES (NULL: only check that
 * the stream holds them all).  Returns the first hunk it could not read, or COUNT. */
static uint32_t read_types(const struct chd_huff *h, struct chd_bitreader *br, uint32_t count,
			   uint8_t *types)
{
	uint8_t last = 0;
	uint32_t rep = 0;

	for (uint32_t i = 0; i < count; i++) {
		if (rep > 0) {
			if (types)
				types[i] = last;
			rep--;
			continue;
		}
		int s = chd_huff_decode(h, br), a = 0, b = 0;
		if (s == CHD_MAP_RLE_SMALL) {
			a = chd_huff_decode(h, br);
			rep = 2 + (uint32_t)a;
		} else if (s == CHD_MAP_RLE_LARGE) {
			a = chd_huff_decode(h, br);
			b = chd_huff_decode(h, br);
			rep = 2 + 16 + ((uint32_t)a << 4) + (uint32_t)b;
		} else {
			last = (uint8_t)s;
		}
		if (s < 0 || a < 0 || b < 0 || br->overflow)
			return i;
		if (types)
			types[i] = last;
	}
	return count;
}

/* Pass 2: hunk I's fields (its type in E->type) into E; CUR is the next stored
 * hunk's offset, LAST_SELF the previous reference. */
static int read_fields(struct chd_bitreader *br, uint32_t i, struct chd_map_entry *e, uint64_t *cur,
		       uint32_t *last_self, unsigned lengthbits, unsigned selfbits, uint32_t hunk_bytes,
		       const uint32_t compressors[4], uint64_t file_size, uint64_t mapoff, const char *path,
		       struct chd_err *err)
{
	uint8_t t = e->type;

	e->nocrc = 0;
	switch (t) {
	case 0: case 1: case 2: case 3:
	case CHD_MAP_NONE:
		if (t != CHD_MAP_NONE && compressors[t] == 0)
			return chd_fail(err, CHD_EFORMAT, (int64_t)mapoff,
					"%s: hunk %u uses compressor slot %u, which the header leaves empty", path,
					i, t);
		e->length = t == CHD_MAP_NONE ? hunk_bytes : chd_bits_read(br, lengthbits);
		e->crc = (uint16_t)chd_bits_read(br, 16);
		e->offset = *cur;
		if (e->length > hunk_bytes)
			return chd_fail(err, CHD_EFORMAT, (int64_t)*cur,
					"%s: hunk %u at offset %llu claims %u compressed bytes, more than a hunk (%u)",
					path, i, (unsigned long long)*cur, e->length, hunk_bytes);
		int rc = check_span(path, i, *cur, e->length, file_size, mapoff, err);
		if (rc != CHD_OK)
			return rc;
		*cur += e->length;
		return CHD_OK;
	case CHD_MAP_SELF:
	case CHD_MAP_SELF_0:
	case CHD_MAP_SELF_1:
		if (t == CHD_MAP_SELF)
			*last_self = chd_bits_read(br, selfbits);
		else if (t == CHD_MAP_SELF_1)
			(*last_self)++;
		e->type = CHD_MAP_SELF;
		e->offset = *last_self;
		e->length = 0;
		e->crc = 0;
		if (*last_self >= i)
			return chd_fail(err, CHD_EFORMAT, (int64_t)mapoff,
					"%s: hunk %u refers to hunk %u, not an earlier one", path, i, *last_self);
		return CHD_OK;
	case CHD_MAP_PARENT:
	case CHD_MAP_PARENT_SELF:
	case CHD_MAP_PARENT_0:
	case CHD_MAP_PARENT_1:
		return chd_fail(err, CHD_EUNSUPPORTED, (int64_t)mapoff,
				"%s: hunk %u is stored in a parent CHD: it needs a parent, which is not supported",
				path, i);
	default:
		return chd_fail(err, CHD_EFORMAT, (int64_t)mapoff, "%s: hunk %u has unknown map entry type %u",
				path, i, t);
	}
}

int chd_map_decode(const uint8_t *map, size_t maplen, uint64_t mapoff, uint32_t count,
		   uint32_t hunk_bytes, const uint32_t compressors[4], uint64_t file_size,
		   struct chd_map_entry **out, const char *path, struct chd_err *err)
{
	struct chd_bitreader br, start;
	struct chd_huff h;
	struct chd_map_entry *e = NULL;
	uint8_t *types = NULL;
	int rc;

	*out = NULL;
	if (maplen < CHD_MAP_HEADER)
		return chd_fail(err, CHD_EFORMAT, (int64_t)mapoff, "%s: the hunk map at offset %llu is cut short",
				path, (unsigned long long)mapoff);
	uint32_t mapbytes = wire_be32(map);
	uint64_t cur = (uint64_t)wire_be16(map + 4) << 32 | wire_be32(map + 6);
	uint16_t want_crc = wire_be16(map + 10);
	unsigned lengthbits = map[12], selfbits = map[13], parentbits = map[14];

	if (mapbytes > maplen - CHD_MAP_HEADER || lengthbits > 24 || selfbits > 32 || parentbits > 48)
		return chd_fail(err, CHD_EFORMAT, (int64_t)mapoff,
				"%s: the hunk map header at offset %llu is invalid (%u bytes, field widths %u/%u/%u)",
				path, (unsigned long long)mapoff, mapbytes, lengthbits, selfbits, parentbits);
	rc = chd_huff_init(&h, CHD_MAP_TYPES, 8);
	if (rc != CHD_OK)
		return chd_fail(err, rc, -1, "%s: out of memory", path);
	chd_bits_init(&br, map + CHD_MAP_HEADER, mapbytes);
	if (chd_huff_import_rle(&h, &br) != CHD_OK) {
		chd_huff_fini(&h);
		return chd_fail(err, CHD_EFORMAT, (int64_t)mapoff,
				"%s: the hunk map at offset %llu has an invalid type tree", path,
				(unsigned long long)mapoff);
	}
	/* Pass 1, first only counting: memory comes once the stream has shown that it holds
	 * every hunk, so a header lying about the size costs nothing. */
	start = br;
	uint32_t got = read_types(&h, &br, count, NULL);
	if (got != count) {
		chd_huff_fini(&h);
		return chd_fail(err, CHD_EFORMAT, (int64_t)mapoff,
				"%s: the hunk map at offset %llu is damaged or too short (hunk %u of %u)", path,
				(unsigned long long)mapoff, got, count);
	}
	types = malloc(count ? count : 1);
	e = malloc((size_t)(count ? count : 1) * sizeof(*e));
	if (!types || !e) {
		chd_huff_fini(&h);
		free(types);
		free(e);
		return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory for a map of %u hunks", path, count);
	}
	br = start;
	read_types(&h, &br, count, types);
	chd_huff_fini(&h);

	/* Pass 2: each hunk's fields; offsets follow from the lengths.  The CRC covers the
	 * entries as stored, before references are followed. */
	uint16_t crc = 0xffff;
	uint32_t last_self = 0;
	for (uint32_t i = 0; i < count && rc == CHD_OK; i++) {
		uint8_t raw[CHD_MAP_ENTRY_RAW];

		e[i].type = types[i];
		rc = read_fields(&br, i, &e[i], &cur, &last_self, lengthbits, selfbits, hunk_bytes,
				 compressors, file_size, mapoff, path, err);
		if (rc != CHD_OK)
			break;
		raw_entry(raw, e[i].type, e[i].length, e[i].offset, e[i].crc);
		crc = chd_crc16_update(crc, raw, sizeof(raw));
		if (e[i].type == CHD_MAP_SELF && e[e[i].offset].type == CHD_MAP_SELF)
			e[i].offset = e[e[i].offset].offset;	/* earlier ones point at data */
	}
	if (rc == CHD_OK && br.overflow)
		rc = chd_fail(err, CHD_EFORMAT, (int64_t)mapoff,
			      "%s: the hunk map at offset %llu is cut short (%u bytes for %u hunks)", path,
			      (unsigned long long)mapoff, mapbytes, count);
	if (rc == CHD_OK && crc != want_crc)
		rc = chd_fail(err, CHD_EFORMAT, (int64_t)mapoff,
			      "%s: the hunk map at offset %llu is damaged (CRC-16 %04x, expected %04x)", path,
			      (unsigned long long)mapoff, crc, want_crc);
	free(types);
	if (rc != CHD_OK) {
		free(e);
		return rc;
	}
	*out = e;
	return CHD_OK;
}

int chd_map_decode_raw(const uint8_t *map, uint64_t mapoff, uint32_t count, uint32_t hunk_bytes,
		       uint64_t file_size, struct chd_map_entry *e, const char *path, struct chd_err *err)
{
	for (uint32_t i = 0; i < count; i++) {
		uint32_t v = wire_be32(map + (size_t)i * 4);
		e[i].nocrc = 1;
		e[i].crc = 0;
		if (v == 0) {
			e[i].type = CHD_MAP_ZERO;
			e[i].offset = 0;
			e[i].length = 0;
			continue;
		}
		e[i].type = CHD_MAP_NONE;
		e[i].offset = (uint64_t)v * hunk_bytes;
		e[i].length = hunk_bytes;
		int rc = check_span(path, i, e[i].offset, hunk_bytes, file_size, mapoff + (uint64_t)i * 4, err);
		if (rc != CHD_OK)
			return rc;
	}
	return CHD_OK;
}
