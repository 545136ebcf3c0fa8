/* chd/writer.c - writing a CHD v5 (chd.h), the file laid out as chdman lays it out
 * (MAME src/lib/util/chd.cpp): the header, the hunks back to back in order, the
 * metadata chain, then the compressed hunk map.  An uncompressed CHD (no codec) has its
 * 4-byte-per-hunk map after the header and its hunks at multiples of the hunk size.
 * Everything goes to a temporary file beside the target, renamed at the end.
 *
 * The SHA-1s: raw over the logical bytes; overall over the raw one followed by, sorted,
 * the tag and data SHA-1 of every metadata entry flagged CHD_META_FLAG_CHECKSUM.
 *
 * Compression runs on one thread per CPU (at most CHD_WRITER_THREADS): hunks are
 * collected in a batch, each thread compresses every n-th hunk of it with contexts of
 * its own, then the batch is written in order (references to equal hunks decided
 * then), so the file does not depend on the number of threads. */
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha1.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chdint.h"
#include "codec.h"
#include "wire.h"

struct meta_item {
	uint32_t tag, len;
	uint8_t flags;
	uint8_t *data;
};

enum {
	CHD_WRITER_THREADS = 8,
	CHD_BATCH_PER_THREAD = 8,	/* hunks a thread compresses per batch */
};

/* One compressing thread's codec contexts and scratch buffer. */
struct chd_worker {
	void *ctx[4];
	uint8_t *try_buf;		/* hunk_bytes */
};

/* A hunk of the batch, as the threads leave it. */
struct chd_slot {
	uint16_t crc;
	uint8_t type;			/* slot of the codec, or CHD_MAP_NONE */
	uint32_t len;			/* of the stored bytes */
	uint8_t digest[SHA1_DIGEST_SIZE];
};

struct chd_writer {
	int fd;
	char *path, *tmp;
	bool force, compressed;
	struct chd_header hdr;
	const struct chd_codec_ops *codec[4];
	struct chd_worker worker[CHD_WRITER_THREADS];
	unsigned nthreads;
	uint8_t *batch, *out;		/* batch_cap hunks each: the data, the stored bytes */
	struct chd_slot *slot;
	uint32_t nbatch, batch_cap;
	uint32_t next_hunk;		/* hunks handed in (batched ones included) */
	uint32_t done_hunk;		/* hunks written */
	uint64_t pos;			/* where the next stored hunk goes */
	struct chd_map_entry *map;	/* compressed CHDs */
	uint8_t *rawmap;		/* uncompressed ones: 4 bytes a hunk */
	struct sha1_ctx raw_sha1;
	/* Stored hunks by CRC-16, then SHA-1: an equal hunk becomes a reference. */
	int32_t *bucket;		/* 65536 heads, -1 when empty */
	int32_t *chain;			/* per stored hunk */
	uint8_t (*digest)[SHA1_DIGEST_SIZE];
	uint32_t *hunk_of;
	uint32_t nstored, cap_stored;
	struct meta_item *meta;
	size_t nmeta;
};

static int write_at(struct chd_writer *w, uint64_t offset, const void *buf, size_t len,
		    struct chd_err *err)
{
	const uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(w->fd, p + done, len - done, (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return chd_fail(err, CHD_EIO, (int64_t)(offset + done), "%s: writing at offset %llu: %s",
					w->tmp, (unsigned long long)(offset + done),
					n < 0 ? strerror(errno) : "nothing written");
		done += (size_t)n;
	}
	return CHD_OK;
}

static void free_writer(struct chd_writer *w)
{
	for (unsigned t = 0; t < CHD_WRITER_THREADS; t++) {
		for (int i = 0; i < 4; i++)
			if (w->worker[t].ctx[i])
				w->codec[i]->free_ctx(w->worker[t].ctx[i]);
		free(w->worker[t].try_buf);
	}
	if (w->fd >= 0)
		close(w->fd);
	for (size_t i = 0; i < w->nmeta; i++)
		free(w->meta[i].data);
	free(w->meta);
	free(w->batch);
	free(w->out);
	free(w->slot);
	free(w->map);
	free(w->rawmap);
	free(w->bucket);
	free(w->chain);
	free(w->digest);
	free(w->hunk_of);
	free(w->path);
	free(w->tmp);
	free(w);
}

void chd_abort(struct chd_writer *w)
{
	if (!w)
		return;
	if (w->tmp)
		unlink(w->tmp);
	free_writer(w);
}

/* A fresh file beside PATH: ".NAME.XXXXXX.tmp", made with O_EXCL (mode from umask). */
static int make_temp(struct chd_writer *w, struct chd_err *err)
{
	const char *slash = strrchr(w->path, '/');
	size_t dirlen = slash ? (size_t)(slash - w->path) + 1 : 0;
	const char *base = w->path + dirlen;
	size_t cap = strlen(w->path) + 32;
	unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL) ^ (unsigned)(uintptr_t)w;

	w->tmp = malloc(cap);
	if (!w->tmp)
		return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory", w->path);
	for (int attempt = 0; attempt < 100; attempt++) {
		seed = seed * 1103515245u + 12345u;
		snprintf(w->tmp, cap, "%.*s.%s.%06x.tmp", (int)dirlen, w->path, base, seed & 0xffffff);
		w->fd = open(w->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (w->fd >= 0)
			return CHD_OK;
		if (errno != EEXIST)
			break;
	}
	int rc = chd_fail(err, CHD_EIO, -1, "%s: cannot create a temporary file beside it: %s", w->path,
			  strerror(errno));
	free(w->tmp);
	w->tmp = NULL;
	return rc;
}

static int check_codecs(struct chd_writer *w, const uint32_t codecs[4], struct chd_err *err)
{
	bool ended = false;

	for (int i = 0; i < 4; i++) {
		char name[5];
		uint32_t tag = codecs ? codecs[i] : 0;

		w->hdr.compressors[i] = tag;
		if (tag == CHD_CODEC_NONE) {
			ended = true;
			continue;
		}
		if (ended)
			return chd_fail(err, CHD_EINVAL, -1, "%s: codec slot %d follows an empty one", w->path, i);
		w->codec[i] = chd_codec_find(tag);
		if (!w->codec[i])
			return chd_fail(err, CHD_EUNSUPPORTED, -1, "%s: codec '%s' is not supported", w->path,
					chd_codec_name(tag, name));
		if (!w->codec[i]->compress)
			return chd_fail(err, CHD_EUNSUPPORTED, -1, "%s: codec '%s' can be read but not written",
					w->path, w->codec[i]->name);
		for (unsigned t = 0; t < w->nthreads; t++) {
			w->worker[t].ctx[i] = w->codec[i]->new_ctx(w->hdr.hunk_bytes, true);
			if (!w->worker[t].ctx[i])
				return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory for codec '%s'", w->path,
						w->codec[i]->name);
		}
	}
	w->compressed = w->hdr.compressors[0] != CHD_CODEC_NONE;
	return CHD_OK;
}

int chd_create(const char *path, bool force, uint32_t hunk_bytes, uint32_t unit_bytes,
	       uint64_t logical_bytes, const uint32_t codecs[4], struct chd_writer **out,
	       struct chd_err *err)
{
	struct chd_writer *w;
	int rc;

	*out = NULL;
	if (err) {
		err->offset = -1;
		err->msg[0] = '\0';
	}
	if (hunk_bytes == 0 || hunk_bytes > CHD_MAX_HUNK_BYTES || unit_bytes == 0 || hunk_bytes % unit_bytes)
		return chd_fail(err, CHD_EINVAL, -1,
				"%s: hunk size %u and unit size %u: the hunk must be 1..%u bytes, whole units",
				path, hunk_bytes, unit_bytes, CHD_MAX_HUNK_BYTES);
	uint64_t hunks = logical_bytes / hunk_bytes + (logical_bytes % hunk_bytes != 0);
	if (hunks > CHD_MAX_HUNKS)
		return chd_fail(err, CHD_EINVAL, -1, "%s: %llu hunks, more than %u", path,
				(unsigned long long)hunks, CHD_MAX_HUNKS);
	if (!force && access(path, F_OK) == 0)
		return chd_fail(err, CHD_EIO, -1, "%s: exists (not overwritten without force)", path);

	w = calloc(1, sizeof(*w));
	if (!w)
		return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory", path);
	w->fd = -1;
	w->force = force;
	w->hdr.version = 5;
	w->hdr.logical_bytes = logical_bytes;
	w->hdr.hunk_bytes = hunk_bytes;
	w->hdr.unit_bytes = unit_bytes;
	w->hdr.hunk_count = (uint32_t)hunks;
	sha1_init(&w->raw_sha1);
	w->path = strdup(path);
	if (!w->path) {
		free_writer(w);
		return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory", path);
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	w->nthreads = cpus < 1 ? 1 : cpus > CHD_WRITER_THREADS ? CHD_WRITER_THREADS : (unsigned)cpus;
	rc = check_codecs(w, codecs, err);
	if (rc != CHD_OK) {
		free_writer(w);
		return rc;
	}
	size_t n = hunks ? (size_t)hunks : 1;
	bool ok = true;
	if (w->compressed) {
		w->batch_cap = w->nthreads * CHD_BATCH_PER_THREAD;
		w->batch = malloc((size_t)w->batch_cap * hunk_bytes);
		w->out = malloc((size_t)w->batch_cap * hunk_bytes);
		w->slot = calloc(w->batch_cap, sizeof(*w->slot));
		for (unsigned t = 0; t < w->nthreads; t++)
			ok &= (w->worker[t].try_buf = malloc(hunk_bytes)) != NULL;
		w->map = calloc(n, sizeof(*w->map));
		w->bucket = malloc(65536 * sizeof(*w->bucket));
		ok &= w->batch && w->out && w->slot && w->map && w->bucket;
	} else {
		w->rawmap = calloc(n, 4);
		ok &= w->rawmap != NULL;
	}
	if (!ok) {
		free_writer(w);
		return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory", path);
	}
	if (w->bucket)
		for (int i = 0; i < 65536; i++)
			w->bucket[i] = -1;
	if (w->compressed) {
		w->pos = CHD_V5_HEADER_BYTES;
	} else {
		/* Map after the header; hunks aligned, so an entry is offset / hunk_bytes. */
		uint64_t start = CHD_V5_HEADER_BYTES + hunks * 4;
		w->pos = (start + hunk_bytes - 1) / hunk_bytes * hunk_bytes;
		if ((w->pos / hunk_bytes + hunks) > UINT32_MAX) {
			free_writer(w);
			return chd_fail(err, CHD_EINVAL, -1, "%s: too large for an uncompressed CHD", path);
		}
	}
	rc = make_temp(w, err);
	if (rc != CHD_OK) {
		free_writer(w);
		return rc;
	}
	/* The header's place, filled in at the end. */
	uint8_t zero[CHD_V5_HEADER_BYTES] = { 0 };
	rc = write_at(w, 0, zero, sizeof(zero), err);
	if (rc != CHD_OK) {
		chd_abort(w);
		return rc;
	}
	*out = w;
	return CHD_OK;
}

/* The stored hunk equal to BUF (same CRC-16 and SHA-1), or -1. */
static int32_t find_stored(const struct chd_writer *w, uint16_t crc, const uint8_t *digest)
{
	for (int32_t s = w->bucket[crc]; s >= 0; s = w->chain[s])
		if (memcmp(w->digest[s], digest, SHA1_DIGEST_SIZE) == 0)
			return (int32_t)w->hunk_of[s];
	return -1;
}

static int remember(struct chd_writer *w, uint16_t crc, const uint8_t *digest, uint32_t hunk)
{
	if (w->nstored == w->cap_stored) {
		uint32_t ncap = w->cap_stored ? w->cap_stored * 2 : 256;
		int32_t *chain = realloc(w->chain, ncap * sizeof(*chain));
		if (chain)
			w->chain = chain;
		uint8_t (*dg)[SHA1_DIGEST_SIZE] = realloc(w->digest, ncap * sizeof(*dg));
		if (dg)
			w->digest = dg;
		uint32_t *ho = realloc(w->hunk_of, ncap * sizeof(*ho));
		if (ho)
			w->hunk_of = ho;
		if (!chain || !dg || !ho)
			return CHD_ENOMEM;
		w->cap_stored = ncap;
	}
	memcpy(w->digest[w->nstored], digest, SHA1_DIGEST_SIZE);
	w->hunk_of[w->nstored] = hunk;
	w->chain[w->nstored] = w->bucket[crc];
	w->bucket[crc] = (int32_t)w->nstored;
	w->nstored++;
	return CHD_OK;
}

/* Hunk K of the batch on thread T: CRC-16, SHA-1, and the smallest result of any codec
 * slot into the batch's output, or the hunk as it is when none is smaller. */
static void compress_one(struct chd_writer *w, unsigned t, uint32_t k)
{
	uint32_t hb = w->hdr.hunk_bytes;
	const uint8_t *data = w->batch + (size_t)k * hb;
	uint8_t *out = w->out + (size_t)k * hb;
	struct chd_slot *sl = &w->slot[k];
	struct chd_worker *wk = &w->worker[t];
	struct sha1_ctx sc;

	sl->crc = chd_crc16(data, hb);
	sha1_init(&sc);
	sha1_update(&sc, hb, data);
	sha1_digest(&sc, SHA1_DIGEST_SIZE, sl->digest);
	sl->type = CHD_MAP_NONE;
	sl->len = hb;
	for (int i = 0; i < 4 && w->codec[i]; i++) {
		uint32_t len;
		if (w->codec[i]->compress(wk->ctx[i], data, hb, wk->try_buf, sl->len - 1, &len) != CHD_OK ||
		    len >= sl->len)
			continue;
		memcpy(out, wk->try_buf, len);
		sl->type = (uint8_t)i;
		sl->len = len;
	}
	if (sl->type == CHD_MAP_NONE)
		memcpy(out, data, hb);
}

struct chd_share {
	struct chd_writer *w;
	unsigned t;
};

static void *compress_share(void *arg)
{
	struct chd_share *sh = arg;
	for (uint32_t k = sh->t; k < sh->w->nbatch; k += sh->w->nthreads)
		compress_one(sh->w, sh->t, k);
	return NULL;
}

/* Compress the batch on every thread, then write it in order. */
static int flush_batch(struct chd_writer *w, struct chd_err *err)
{
	struct chd_share share[CHD_WRITER_THREADS];
	pthread_t tid[CHD_WRITER_THREADS];
	bool started[CHD_WRITER_THREADS] = { false };
	unsigned n = w->nthreads < w->nbatch ? w->nthreads : w->nbatch;

	if (n == 0)
		return CHD_OK;
	for (unsigned t = 0; t < CHD_WRITER_THREADS; t++)
		share[t] = (struct chd_share){ .w = w, .t = t };
	/* Thread 0's share runs here; a thread that cannot start leaves its share to us. */
	for (unsigned t = 1; t < n; t++)
		started[t] = pthread_create(&tid[t], NULL, compress_share, &share[t]) == 0;
	compress_share(&share[0]);
	for (unsigned t = 1; t < n; t++) {
		if (started[t])
			pthread_join(tid[t], NULL);
		else
			compress_share(&share[t]);
	}

	uint32_t hb = w->hdr.hunk_bytes;
	for (uint32_t k = 0; k < w->nbatch; k++) {
		const struct chd_slot *sl = &w->slot[k];
		uint32_t hunk = w->done_hunk;
		struct chd_map_entry *e = &w->map[hunk];
		int32_t same = find_stored(w, sl->crc, sl->digest);
		if (same >= 0) {
			*e = (struct chd_map_entry){ .type = CHD_MAP_SELF, .offset = (uint64_t)same };
		} else {
			int rc = write_at(w, w->pos, w->out + (size_t)k * hb, sl->len, err);
			if (rc != CHD_OK)
				return rc;
			*e = (struct chd_map_entry){ .type = sl->type, .offset = w->pos, .length = sl->len,
						     .crc = sl->crc };
			w->pos += sl->len;
			if (remember(w, sl->crc, sl->digest, hunk) != CHD_OK)
				return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory", w->path);
		}
		w->done_hunk++;
	}
	w->nbatch = 0;
	return CHD_OK;
}

static int write_uncompressed(struct chd_writer *w, const uint8_t *data, struct chd_err *err)
{
	uint32_t hb = w->hdr.hunk_bytes;

	/* A hunk of zeros takes no room: entry 0. */
	bool zero = true;
	for (uint32_t i = 0; i < hb && zero; i++)
		zero = data[i] == 0;
	if (zero) {
		w->done_hunk++;
		return CHD_OK;
	}
	int rc = write_at(w, w->pos, data, hb, err);
	if (rc != CHD_OK)
		return rc;
	wire_put_be32(w->rawmap + (size_t)w->next_hunk * 4, (uint32_t)(w->pos / hb));
	w->pos += hb;
	w->done_hunk++;
	return CHD_OK;
}

int chd_write_hunk(struct chd_writer *w, const void *buf, struct chd_err *err)
{
	const struct chd_header *hd = &w->hdr;
	int rc;

	if (w->next_hunk >= hd->hunk_count)
		return chd_fail(err, CHD_EINVAL, -1, "%s: more hunks than the %u of %llu bytes", w->path,
				hd->hunk_count, (unsigned long long)hd->logical_bytes);
	/* The raw SHA-1 covers the logical bytes only, not the last hunk's padding. */
	uint64_t at = (uint64_t)w->next_hunk * hd->hunk_bytes;
	uint64_t n = hd->logical_bytes - at < hd->hunk_bytes ? hd->logical_bytes - at : hd->hunk_bytes;
	sha1_update(&w->raw_sha1, (size_t)n, buf);
	if (!w->compressed) {
		rc = write_uncompressed(w, buf, err);
	} else {
		memcpy(w->batch + (size_t)w->nbatch * hd->hunk_bytes, buf, hd->hunk_bytes);
		w->nbatch++;
		rc = w->nbatch == w->batch_cap ? flush_batch(w, err) : CHD_OK;
	}
	if (rc == CHD_OK)
		w->next_hunk++;
	return rc;
}

int chd_add_meta(struct chd_writer *w, uint32_t tag, uint8_t flags, const void *data, uint32_t len,
		 struct chd_err *err)
{
	if (len == 0 || len > 0xffffff)
		return chd_fail(err, CHD_EINVAL, -1, "%s: metadata of %u bytes (1..16777215)", w->path, len);
	struct meta_item *m = realloc(w->meta, (w->nmeta + 1) * sizeof(*m));
	if (!m)
		return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory", w->path);
	w->meta = m;
	m = &w->meta[w->nmeta];
	m->data = malloc(len);
	if (!m->data)
		return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory", w->path);
	memcpy(m->data, data, len);
	m->tag = tag;
	m->flags = flags;
	m->len = len;
	w->nmeta++;
	return CHD_OK;
}

/* The chain at W->pos, in the order the entries were added. */
static int write_meta(struct chd_writer *w, struct chd_err *err)
{
	w->hdr.meta_offset = w->nmeta ? w->pos : 0;
	for (size_t i = 0; i < w->nmeta; i++) {
		const struct meta_item *m = &w->meta[i];
		uint8_t mh[CHD_META_HEADER];
		uint64_t next = i + 1 < w->nmeta ? w->pos + CHD_META_HEADER + m->len : 0;

		wire_put_be32(mh, m->tag);
		mh[4] = m->flags;
		wire_put_be24(mh + 5, m->len);
		wire_put_be64(mh + 8, next);
		int rc = write_at(w, w->pos, mh, sizeof(mh), err);
		if (rc == CHD_OK)
			rc = write_at(w, w->pos + CHD_META_HEADER, m->data, m->len, err);
		if (rc != CHD_OK)
			return rc;
		w->pos += CHD_META_HEADER + m->len;
	}
	return CHD_OK;
}

static int cmp_meta_hash(const void *a, const void *b)
{
	return memcmp(a, b, 4 + SHA1_DIGEST_SIZE);
}

/* SHA-1 of the raw SHA-1, then the sorted tag + SHA-1 of each checksummed entry. */
static int overall_sha1(struct chd_writer *w, struct chd_err *err)
{
	uint8_t (*h)[4 + SHA1_DIGEST_SIZE] = malloc((w->nmeta ? w->nmeta : 1) * sizeof(*h));
	size_t n = 0;
	struct sha1_ctx sc;

	if (!h)
		return chd_fail(err, CHD_ENOMEM, -1, "%s: out of memory", w->path);
	for (size_t i = 0; i < w->nmeta; i++) {
		if (!(w->meta[i].flags & CHD_META_FLAG_CHECKSUM))
			continue;
		wire_put_be32(h[n], w->meta[i].tag);
		sha1_init(&sc);
		sha1_update(&sc, w->meta[i].len, w->meta[i].data);
		sha1_digest(&sc, SHA1_DIGEST_SIZE, h[n] + 4);
		n++;
	}
	qsort(h, n, sizeof(*h), cmp_meta_hash);
	sha1_init(&sc);
	sha1_update(&sc, CHD_SHA1, w->hdr.raw_sha1);
	sha1_update(&sc, n * sizeof(*h), (const uint8_t *)h);
	sha1_digest(&sc, SHA1_DIGEST_SIZE, w->hdr.sha1);
	free(h);
	return CHD_OK;
}

static int write_header(struct chd_writer *w, struct chd_err *err)
{
	const struct chd_header *hd = &w->hdr;
	uint8_t h[CHD_V5_HEADER_BYTES] = { 0 };

	memcpy(h, "MComprHD", 8);
	wire_put_be32(h + CHD_HDR_LENGTH, CHD_V5_HEADER_BYTES);
	wire_put_be32(h + CHD_HDR_VERSION, 5);
	for (int i = 0; i < 4; i++)
		wire_put_be32(h + CHD_HDR_COMPRESSORS + 4 * i, hd->compressors[i]);
	wire_put_be64(h + CHD_HDR_LOGICAL, hd->logical_bytes);
	wire_put_be64(h + CHD_HDR_MAP, hd->map_offset);
	wire_put_be64(h + CHD_HDR_META, hd->meta_offset);
	wire_put_be32(h + CHD_HDR_HUNK_BYTES, hd->hunk_bytes);
	wire_put_be32(h + CHD_HDR_UNIT_BYTES, hd->unit_bytes);
	memcpy(h + CHD_HDR_RAW_SHA1, hd->raw_sha1, CHD_SHA1);
	memcpy(h + CHD_HDR_SHA1, hd->sha1, CHD_SHA1);
	return write_at(w, 0, h, sizeof(h), err);
}

static int finish(struct chd_writer *w, struct chd_err *err)
{
	struct chd_header *hd = &w->hdr;
	int rc;

	if (w->next_hunk != hd->hunk_count)
		return chd_fail(err, CHD_EINVAL, -1, "%s: %u of %u hunks written", w->path, w->next_hunk,
				hd->hunk_count);
	if (w->compressed && w->nbatch) {
		rc = flush_batch(w, err);
		if (rc != CHD_OK)
			return rc;
	}
	rc = write_meta(w, err);
	if (rc != CHD_OK)
		return rc;
	if (w->compressed) {
		uint8_t *map;
		size_t len;

		rc = chd_map_encode(w->map, hd->hunk_count, hd->hunk_bytes, &map, &len);
		if (rc != CHD_OK)
			return chd_fail(err, rc, -1, "%s: cannot encode the hunk map", w->path);
		hd->map_offset = w->pos;
		rc = write_at(w, w->pos, map, len, err);
		free(map);
		if (rc != CHD_OK)
			return rc;
		w->pos += len;
	} else {
		hd->map_offset = CHD_V5_HEADER_BYTES;
		rc = write_at(w, CHD_V5_HEADER_BYTES, w->rawmap, (size_t)hd->hunk_count * 4, err);
		if (rc != CHD_OK)
			return rc;
	}
	sha1_digest(&w->raw_sha1, SHA1_DIGEST_SIZE, hd->raw_sha1);
	rc = overall_sha1(w, err);
	if (rc == CHD_OK)
		rc = write_header(w, err);
	if (rc != CHD_OK)
		return rc;
	if (fsync(w->fd) != 0 || close(w->fd) != 0) {
		w->fd = -1;
		return chd_fail(err, CHD_EIO, -1, "%s: %s", w->tmp, strerror(errno));
	}
	w->fd = -1;
	/* Without force, link refuses an existing target as O_EXCL would. */
	if (w->force ? rename(w->tmp, w->path) != 0 : link(w->tmp, w->path) != 0)
		return chd_fail(err, CHD_EIO, -1, "%s: %s", w->path, strerror(errno));
	if (!w->force)
		unlink(w->tmp);
	free(w->tmp);
	w->tmp = NULL;
	return CHD_OK;
}

int chd_finish(struct chd_writer *w, struct chd_err *err)
{
	int rc = finish(w, err);

	chd_abort(w);	/* the temporary file is gone when finish renamed it */
	return rc;
}
