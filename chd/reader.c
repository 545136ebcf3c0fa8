/* chd/reader.c - reading a CHD v5 (chd.h): header, hunk map, hunks, metadata.  Layout
 * from MAME src/lib/util/chd.cpp.  Everything read is checked against the file before
 * it is used: offsets and lengths against the file size, memory against what the file
 * can describe. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chdint.h"
#include "codec.h"
#include "wire.h"

struct meta_entry {
	uint64_t offset;	/* of its 16-byte header */
	uint32_t tag, length;
	uint8_t flags;
};

struct chd_reader {
	int fd;
	char *path;
	uint64_t file_size;
	struct chd_header hdr;
	struct chd_map_entry *map;
	const struct chd_codec_ops *codec[4];
	void *ctx[4];
	uint8_t *cbuf;		/* one compressed hunk */
	struct meta_entry *meta;
	size_t nmeta;
};

/* LEN bytes at OFFSET, all of them. */
static int read_at(struct chd_reader *r, uint64_t offset, void *buf, size_t len, const char *what,
		   struct chd_err *err)
{
	uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(r->fd, p + done, len - done, (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return chd_fail(err, CHD_EIO, (int64_t)offset, "%s: reading %s at offset %llu: %s",
					r->path, what, (unsigned long long)offset, strerror(errno));
		if (n == 0)
			return chd_fail(err, CHD_EFORMAT, (int64_t)(offset + done),
					"%s: the file ends at offset %llu, inside %s", r->path,
					(unsigned long long)(offset + done), what);
		done += (size_t)n;
	}
	return CHD_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static int parse_header(struct chd_reader *r, struct chd_err *err)
{
	uint8_t h[CHD_V5_HEADER_BYTES];
	struct chd_header *hd = &r->hdr;

	if (r->file_size < 16)
		return chd_fail(err, CHD_EFORMAT, 0, "%s: not a CHD (%llu bytes, no header)", r->path,
				(unsigned long long)r->file_size);
	int rc = read_at(r, 0, h, 16, "the header", err);
	if (rc != CHD_OK)
		return rc;
	if (memcmp(h, "MComprHD", 8) != 0)
		return chd_fail(err, CHD_EFORMAT, 0, "%s: not a CHD (no MComprHD tag)", r->path);
	hd->version = wire_be32(h + CHD_HDR_VERSION);
	if (hd->version != 5)
		return chd_fail(err, CHD_EUNSUPPORTED, CHD_HDR_VERSION,
				"%s: CHD version %u is not supported (only version 5)", r->path, hd->version);
	if (wire_be32(h + CHD_HDR_LENGTH) != CHD_V5_HEADER_BYTES)
		return chd_fail(err, CHD_EFORMAT, CHD_HDR_LENGTH, "%s: the v5 header is %u bytes long, not %u",
				r->path, wire_be32(h + CHD_HDR_LENGTH), CHD_V5_HEADER_BYTES);
	if (r->file_size < CHD_V5_HEADER_BYTES)
		return chd_fail(err, CHD_EFORMAT, (int64_t)r->file_size,
				"%s: the file (%llu bytes) ends inside the header", r->path,
				(unsigned long long)r->file_size);
	rc = read_at(r, 0, h, sizeof(h), "the header", err);
	if (rc != CHD_OK)
		return rc;
	for (int i = 0; i < 4; i++)
		hd->compressors[i] = wire_be32(h + CHD_HDR_COMPRESSORS + 4 * i);
	hd->logical_bytes = wire_be64(h + CHD_HDR_LOGICAL);
	hd->map_offset = wire_be64(h + CHD_HDR_MAP);
	hd->meta_offset = wire_be64(h + CHD_HDR_META);
	hd->hunk_bytes = wire_be32(h + CHD_HDR_HUNK_BYTES);
	hd->unit_bytes = wire_be32(h + CHD_HDR_UNIT_BYTES);
	memcpy(hd->raw_sha1, h + CHD_HDR_RAW_SHA1, CHD_SHA1);
	memcpy(hd->sha1, h + CHD_HDR_SHA1, CHD_SHA1);
	memcpy(hd->parent_sha1, h + CHD_HDR_PARENT_SHA1, CHD_SHA1);

	if (hd->hunk_bytes == 0 || hd->hunk_bytes > CHD_MAX_HUNK_BYTES)
		return chd_fail(err, CHD_EFORMAT, CHD_HDR_HUNK_BYTES,
				"%s: hunk size %u is out of range (1..%u)", r->path, hd->hunk_bytes,
				CHD_MAX_HUNK_BYTES);
	if (hd->unit_bytes == 0)
		return chd_fail(err, CHD_EFORMAT, CHD_HDR_UNIT_BYTES, "%s: unit size 0", r->path);
	/* chdman refuses such sizes ("Unit size is not an even divisor of the hunk size"),
	 * and so does chd_create: a header that has them lies about one of the two. */
	if (hd->hunk_bytes % hd->unit_bytes != 0)
		return chd_fail(err, CHD_EFORMAT, CHD_HDR_UNIT_BYTES,
				"%s: hunk size %u is not a multiple of the unit size %u", r->path, hd->hunk_bytes,
				hd->unit_bytes);
	uint64_t hunks = hd->logical_bytes / hd->hunk_bytes + (hd->logical_bytes % hd->hunk_bytes != 0);
	if (hunks > CHD_MAX_HUNKS)
		return chd_fail(err, CHD_EUNSUPPORTED, CHD_HDR_LOGICAL,
				"%s: %llu bytes in %llu hunks: more hunks than this library reads (%u)", r->path,
				(unsigned long long)hd->logical_bytes, (unsigned long long)hunks,
				CHD_MAX_HUNKS);
	hd->hunk_count = (uint32_t)hunks;
	if (!all_zero(hd->parent_sha1, CHD_SHA1))
		return chd_fail(err, CHD_EUNSUPPORTED, CHD_HDR_PARENT_SHA1,
				"%s: a CHD that needs a parent is not supported", r->path);
	return CHD_OK;
}

static int open_codecs(struct chd_reader *r, struct chd_err *err)
{
	for (int i = 0; i < 4; i++) {
		uint32_t tag = r->hdr.compressors[i];
		char name[5];

		if (tag == CHD_CODEC_NONE)
			continue;
		r->codec[i] = chd_codec_find(tag);
		if (!r->codec[i])
			return chd_fail(err, CHD_EUNSUPPORTED, CHD_HDR_COMPRESSORS + 4 * i,
					"%s: codec '%s' is not supported", r->path, chd_codec_name(tag, name));
		r->ctx[i] = r->codec[i]->new_ctx(r->hdr.hunk_bytes, false);
		if (!r->ctx[i])
			return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory for codec '%s'", r->path,
					r->codec[i]->name);
	}
	return CHD_OK;
}

static int read_map(struct chd_reader *r, struct chd_err *err)
{
	const struct chd_header *hd = &r->hdr;
	uint64_t off = hd->map_offset;
	uint8_t *buf;
	int rc;

	if (hd->compressors[0] == CHD_CODEC_NONE) {
		/* Uncompressed: 4 bytes a hunk, so the file bounds the memory. */
		uint64_t len = (uint64_t)hd->hunk_count * 4;
		if (off > r->file_size || len > r->file_size - off)
			return chd_fail(err, CHD_EFORMAT, off < r->file_size ? (int64_t)off : CHD_HDR_MAP,
					"%s: the hunk map at offset %llu (%llu bytes) lies past the end of the file",
					r->path, (unsigned long long)off, (unsigned long long)len);
		buf = malloc(len ? len : 1);
		r->map = malloc((size_t)(hd->hunk_count ? hd->hunk_count : 1) * sizeof(*r->map));
		if (!buf || !r->map) {
			free(buf);
			return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory for the hunk map", r->path);
		}
		rc = read_at(r, off, buf, len, "the hunk map", err);
		if (rc == CHD_OK)
			rc = chd_map_decode_raw(buf, off, hd->hunk_count, hd->hunk_bytes, r->file_size, r->map,
						r->path, err);
		free(buf);
		return rc;
	}

	uint8_t mh[CHD_MAP_HEADER];
	if (off > r->file_size || CHD_MAP_HEADER > r->file_size - off)
		return chd_fail(err, CHD_EFORMAT, off < r->file_size ? (int64_t)off : CHD_HDR_MAP,
				"%s: the hunk map offset %llu lies past the end of the file (%llu bytes)", r->path,
				(unsigned long long)off, (unsigned long long)r->file_size);
	rc = read_at(r, off, mh, sizeof(mh), "the hunk map header", err);
	if (rc != CHD_OK)
		return rc;
	uint64_t len = CHD_MAP_HEADER + (uint64_t)wire_be32(mh);
	if (len > r->file_size - off)
		return chd_fail(err, CHD_EFORMAT, (int64_t)off,
				"%s: the hunk map at offset %llu claims %llu bytes, past the end of the file",
				r->path, (unsigned long long)off, (unsigned long long)len);
	buf = malloc(len);
	if (!buf)
		return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory for the hunk map", r->path);
	rc = read_at(r, off, buf, len, "the hunk map", err);
	if (rc == CHD_OK)
		rc = chd_map_decode(buf, len, off, hd->hunk_count, hd->hunk_bytes, hd->compressors, r->file_size,
				    &r->map, r->path, err);
	free(buf);
	return rc;
}

/* The metadata chain, walked once: every entry inside the file, at most
 * CHD_MAX_META_ENTRIES of them (a loop ends there).  An entry that starts at or past
 * the end of the file is named by the pointer to it (the header's, or the previous
 * entry's next field). */
static int read_meta_chain(struct chd_reader *r, struct chd_err *err)
{
	uint64_t off = r->hdr.meta_offset, ptr = CHD_HDR_META;
	size_t cap = 0;

	while (off != 0) {
		uint8_t mh[CHD_META_HEADER];

		if (r->nmeta >= CHD_MAX_META_ENTRIES)
			return chd_fail(err, CHD_EFORMAT, (int64_t)off,
					"%s: more than %u metadata entries (the chain loops?)", r->path,
					CHD_MAX_META_ENTRIES);
		if (off > r->file_size || CHD_META_HEADER > r->file_size - off)
			return chd_fail(err, CHD_EFORMAT, off < r->file_size ? (int64_t)off : (int64_t)ptr,
					"%s: metadata entry %zu at offset %llu lies past the end of the file",
					r->path, r->nmeta, (unsigned long long)off);
		int rc = read_at(r, off, mh, sizeof(mh), "a metadata entry", err);
		if (rc != CHD_OK)
			return rc;
		uint32_t len = wire_be24(mh + 5);
		if (len > r->file_size - off - CHD_META_HEADER)
			return chd_fail(err, CHD_EFORMAT, (int64_t)off,
					"%s: metadata entry %zu at offset %llu (%u bytes) runs past the end of the file",
					r->path, r->nmeta, (unsigned long long)off, len);
		if (r->nmeta == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct meta_entry *m = realloc(r->meta, ncap * sizeof(*m));
			if (!m)
				return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory", r->path);
			r->meta = m;
			cap = ncap;
		}
		r->meta[r->nmeta++] = (struct meta_entry){
			.offset = off, .tag = wire_be32(mh), .length = len, .flags = mh[4],
		};
		ptr = off + 8;
		off = wire_be64(mh + 8);
	}
	return CHD_OK;
}

int chd_open(const char *path, struct chd_reader **out, struct chd_err *err)
{
	struct chd_reader *r = calloc(1, sizeof(*r));
	struct stat st;
	int rc;

	*out = NULL;
	if (err) {
		err->offset = -1;
		err->msg[0] = '\0';
	}
	if (!r)
		return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory", path);
	r->fd = -1;
	r->path = strdup(path);
	if (!r->path) {
		chd_close(r);
		return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory", path);
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) != 0) {
		rc = chd_fail(err, CHD_EIO, -1, "%s: %s", path, strerror(errno));
		chd_close(r);
		return rc;
	}
	r->file_size = (uint64_t)st.st_size;
	rc = parse_header(r, err);
	if (rc == CHD_OK)
		rc = open_codecs(r, err);
	if (rc == CHD_OK)
		rc = read_map(r, err);
	if (rc == CHD_OK)
		rc = read_meta_chain(r, err);
	if (rc == CHD_OK) {
		r->cbuf = malloc(r->hdr.hunk_bytes);
		if (!r->cbuf)
			rc = chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory", path);
	}
	if (rc != CHD_OK) {
		chd_close(r);
		return rc;
	}
	*out = r;
	return CHD_OK;
}

const struct chd_header *chd_reader_header(const struct chd_reader *r)
{
	return &r->hdr;
}

int chd_read_hunk(struct chd_reader *r, uint32_t hunk, void *buf, struct chd_err *err)
{
	const struct chd_map_entry *e;
	uint32_t hb = r->hdr.hunk_bytes;
	int rc;

	if (hunk >= r->hdr.hunk_count)
		return chd_fail(err, CHD_EINVAL, -1, "%s: no hunk %u (%u hunks)", r->path, hunk,
				r->hdr.hunk_count);
	e = &r->map[hunk];
	if (e->type == CHD_MAP_SELF)
		e = &r->map[e->offset];	/* resolved when the map was read: holds data */
	switch (e->type) {
	case CHD_MAP_ZERO:
		memset(buf, 0, hb);
		return CHD_OK;
	case CHD_MAP_NONE:
		rc = read_at(r, e->offset, buf, hb, "a hunk", err);
		if (rc != CHD_OK)
			return rc;
		break;
	default: {
		const struct chd_codec_ops *c = r->codec[e->type];
		struct chd_err why = { -1, "" };

		rc = read_at(r, e->offset, r->cbuf, e->length, "a hunk", err);
		if (rc != CHD_OK)
			return rc;
		rc = c->decompress(r->ctx[e->type], r->cbuf, e->length, buf, hb, &why);
		if (rc != CHD_OK)
			return chd_fail(err, CHD_EFORMAT, (int64_t)e->offset,
					"%s: hunk %u at offset %llu (%s, %u bytes): %s", r->path, hunk,
					(unsigned long long)e->offset, c->name, e->length, why.msg);
		break;
	}
	}
	if (!e->nocrc && chd_crc16(buf, hb) != e->crc)
		return chd_fail(err, CHD_EFORMAT, (int64_t)e->offset,
				"%s: hunk %u at offset %llu is damaged (CRC-16 mismatch)", r->path, hunk,
				(unsigned long long)e->offset);
	return CHD_OK;
}

int chd_read_meta(struct chd_reader *r, uint32_t tag, uint32_t index, void *buf, uint32_t size,
		  uint32_t *len, struct chd_err *err)
{
	uint32_t seen = 0;

	for (size_t i = 0; i < r->nmeta; i++) {
		const struct meta_entry *m = &r->meta[i];
		if (m->tag != tag || seen++ != index)
			continue;
		*len = m->length;
		return read_at(r, m->offset + CHD_META_HEADER, buf, size < m->length ? size : m->length,
			       "a metadata entry", err);
	}
	char name[5];
	return chd_fail(err, CHD_ENOTFOUND, -1, "%s: no metadata '%s' #%u", r->path, chd_tag_text(tag, name),
			index);
}

void chd_close(struct chd_reader *r)
{
	if (!r)
		return;
	for (int i = 0; i < 4; i++)
		if (r->ctx[i])
			r->codec[i]->free_ctx(r->ctx[i]);
	if (r->fd >= 0)
		close(r->fd);
	free(r->map);
	free(r->meta);
	free(r->cbuf);
	free(r->path);
	free(r);
}
