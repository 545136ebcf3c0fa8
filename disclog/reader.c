/* disclog/reader.c - open, validate and read a disclog image
 * (doc/disclog.md section 4; contract in disclog.h).
 *
 * Opening walks the members from offset 0.  Every member header goes through the
 * codec (dl_member_header_decode); this file only reads bytes and judges what the
 * codec says.  The payload of each member is inflated in bounded chunks (unless
 * DL_OPEN_NO_CRC) and checked against the gzip trailer, then the record is applied:
 * a DATA record adds one extent to the LBA map, STATE parts are assembled into a
 * snapshot, a SYNC is counted.
 *
 * LBA map.  During the walk each DATA record appends one extent (lba, count, block
 * size, member offset, first block within the member, seq) to an array: O(1)
 * amortised.  While records only move forward (the usual sequential burn) the array
 * is already the map.  Otherwise it is rebuilt once, at the end of the open, by a
 * natural bottom-up merge: the array is cut into runs of records that are sorted and
 * disjoint, and adjacent runs are merged pairwise, the later run winning on overlap
 * (older extents are trimmed or split).  That is O(n log r) for n DATA records in r
 * runs, O(n) for a sequential image.  The result is sorted and disjoint, at most
 * 2n - 1 extents (a record can split one older extent in two), and lookups are a
 * binary search.
 *
 * Reads inflate only the members they need, into a one-member cache, and always
 * check the member's CRC-32 and ISIZE (that is where DL_OPEN_NO_CRC pays).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dlcodec.h"
#include "dlzip.h"
#include "wire.h"

enum {
	DL_HDR_PROBE = 512,			/* first read of a member header */
	DL_HDR_FULL = DL_GZ_FIXED + 65535,	/* largest gzip header with FEXTRA */
	DL_IO_CHUNK = 64 << 10,			/* pread / inflate chunk */
	DL_WHY_MAX = 160,
};

/* One piece of the LBA map: blocks [lba, lba + count) are blocks first.. of the
 * DATA member at offset. */
struct dl_extent {
	int32_t  lba;
	uint32_t count;
	uint32_t block_size;
	uint32_t first;
	uint64_t offset;
	uint64_t seq;
};

struct dl_reader {
	int fd;
	char *path;
	unsigned flags;
	struct dl_open_report rep;

	struct dl_state state;		/* last complete snapshot */
	bool have_state;

	struct dl_extent *map;		/* sorted and disjoint once the open is done */
	size_t nmap, map_cap;
	bool map_sorted;		/* records so far arrived in LBA order */

	uint64_t *recs;			/* offsets of the valid records, file order */
	size_t nrecs, recs_cap;

	uint8_t *hdr;			/* member header buffer (grows to DL_HDR_FULL) */
	size_t hdr_cap;
	uint8_t *in, *scratch;		/* DL_IO_CHUNK each */
	struct dlz_inflater zs;		/* zlib or ISA-L (dlzip.h; DL_OPEN_ZLIB) */
	bool zs_ready;

	/* the one-member cache */
	bool c_valid;
	uint64_t c_off;
	struct dl_header c_h;
	int c_hl;			/* its gzip header length */
	uint8_t *c_buf;
	size_t c_len, c_cap;
};

static int64_t ext_end(const struct dl_extent *e) { return (int64_t)e->lba + e->count; }

/* ---- errors ----------------------------------------------------------------- */

__attribute__((format(printf, 6, 7)))
static int rfail(const struct dl_reader *r, struct dl_error *err, enum dl_errcode code,
		 int sys_errno, int64_t offset, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		int n;

		err->code = code;
		err->sys_errno = sys_errno;
		err->offset = offset;
		n = snprintf(err->msg, sizeof(err->msg), "%s: ", r && r->path ? r->path : "disclog");
		if (n < 0 || (size_t)n >= sizeof(err->msg))
			n = 0;
		va_start(ap, fmt);
		vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* The codec says "member at offset N: why"; keep the why. */
static const char *codec_why(const struct dl_error *e)
{
	const char *p = strstr(e->msg, ": ");
	return p ? p + 2 : e->msg;
}

/* ---- file access ------------------------------------------------------------ */

static int read_at(struct dl_reader *r, uint64_t off, void *buf, size_t len, struct dl_error *err)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(r->fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			return rfail(r, err, DL_EIO, e, (int64_t)off, "read at offset %llu: %s",
				     (unsigned long long)off, strerror(e));
		}
		if (n == 0)
			return rfail(r, err, DL_EIO, 0, (int64_t)off,
				     "unexpected end of file at offset %llu (the file shrank?)",
				     (unsigned long long)off);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return DL_OK;
}

/* Read and decode the member header at off (< file size).  Returns the bytes of the
 * gzip header (> 0), 0 when the file ends inside the header, or a negative code:
 * DL_EIO / DL_ENOMEM with err filled by this file, or the codec's verdict with
 * *cerr filled by the codec. */
static int read_header(struct dl_reader *r, uint64_t off, struct dl_header *h,
		       struct dl_state *st, struct dl_error *cerr, struct dl_error *err)
{
	uint64_t avail = r->rep.file_size - off;
	size_t want = avail < DL_HDR_PROBE ? (size_t)avail : DL_HDR_PROBE;

	for (;;) {
		if (want > r->hdr_cap) {
			uint8_t *n = realloc(r->hdr, want);
			if (!n)
				return rfail(r, err, DL_ENOMEM, 0, (int64_t)off, "out of memory");
			r->hdr = n;
			r->hdr_cap = want;
		}
		int rc = read_at(r, off, r->hdr, want, err);
		if (rc < 0)
			return rc;
		memset(cerr, 0, sizeof(*cerr));
		rc = dl_member_header_decode(r->hdr, want, (int64_t)off, h, st, cerr);
		if (rc == DL_ENOMEM)
			return rfail(r, err, DL_ENOMEM, 0, (int64_t)off, "out of memory");
		if (rc != 0)
			return rc;
		/* Too short to tell: try once more with the largest possible header. */
		if (want == avail || want >= DL_HDR_FULL)
			return 0;
		want = avail < DL_HDR_FULL ? (size_t)avail : DL_HDR_FULL;
	}
}

/* Inflate the deflate data of the member at off (gzip header hlen bytes, record
 * header h) and check it against the trailer (doc/disclog.md §4 item 4).  The payload goes to
 * out (which has room for the size the record announces) or, with out NULL, is only
 * checked.  Returns 0; DL_ECORRUPT with the reason in why; or DL_EIO / DL_ENOMEM with
 * err filled. */
static int check_payload(struct dl_reader *r, uint64_t off, const struct dl_header *h, size_t hlen,
			 uint8_t *out, char *why, struct dl_error *err)
{
	uint64_t expect = h->type == DL_REC_DATA ? (uint64_t)h->data.count * h->data.block_size : 0;
	uint64_t pos = off + hlen, end = off + h->member_size - DL_TRAILER, total = 0;
	uint32_t crc = 0;
	uint8_t trailer[DL_TRAILER];
	const uint8_t *in = r->in;
	size_t avail = 0;
	int zrc = 0, rc;
	bool full = false;	/* the last step filled its output: it may hold more */

	if (pos > end) {
		snprintf(why, DL_WHY_MAX, "member too small for its header");
		return DL_ECORRUPT;
	}
	if (dlz_inflate_reset(&r->zs) < 0)
		return rfail(r, err, DL_ENOMEM, 0, (int64_t)off, "inflate reset failed");
	while (zrc != 1) {
		if (avail == 0 && !full) {
			if (pos == end) {
				snprintf(why, DL_WHY_MAX, "deflate data runs into the trailer (no final block)");
				return DL_ECORRUPT;
			}
			size_t n = end - pos < DL_IO_CHUNK ? (size_t)(end - pos) : DL_IO_CHUNK;
			rc = read_at(r, pos, r->in, n, err);
			if (rc < 0)
				return rc;
			pos += n;
			in = r->in;
			avail = n;
		}
		uint8_t *dst = r->scratch;
		size_t room = DL_IO_CHUNK, got = 0;
		if (out && total < expect) {
			dst = out + total;
			room = expect - total < DL_IO_CHUNK ? (size_t)(expect - total) : DL_IO_CHUNK;
		}
		zrc = dlz_inflate(&r->zs, &in, &avail, dst, room, &got, why, DL_WHY_MAX);
		full = got == room;
		crc = dlz_crc32(crc, dst, got);
		total += got;
		if (total > expect) {
			snprintf(why, DL_WHY_MAX, "payload longer than the %llu bytes the record announces",
				 (unsigned long long)expect);
			return DL_ECORRUPT;
		}
		if (zrc == DL_ENOMEM)
			return rfail(r, err, DL_ENOMEM, 0, (int64_t)off, "out of memory inflating member at offset %llu",
				     (unsigned long long)off);
		if (zrc < 0)
			return zrc;
	}
	if (avail != 0 || pos != end) {
		snprintf(why, DL_WHY_MAX, "deflate data ends %llu bytes before the trailer",
			 (unsigned long long)(end - pos + avail));
		return DL_ECORRUPT;
	}
	if (total != expect) {
		snprintf(why, DL_WHY_MAX, "payload is %llu bytes, the record announces %llu",
			 (unsigned long long)total, (unsigned long long)expect);
		return DL_ECORRUPT;
	}
	rc = read_at(r, end, trailer, sizeof(trailer), err);
	if (rc < 0)
		return rc;
	if (wire_le32(trailer) != (uint32_t)crc) {
		snprintf(why, DL_WHY_MAX, "payload CRC-32 mismatch (trailer %08x, data %08x)",
			 (unsigned)wire_le32(trailer), (unsigned)crc);
		return DL_ECORRUPT;
	}
	if (wire_le32(trailer + 4) != (uint32_t)total) {
		snprintf(why, DL_WHY_MAX, "ISIZE %u does not match the %llu-byte payload",
			 (unsigned)wire_le32(trailer + 4), (unsigned long long)total);
		return DL_ECORRUPT;
	}
	return DL_OK;
}

/* DL_OPEN_NO_CRC: the trailer's ISIZE is a size, so it is still checked. */
static int check_isize(struct dl_reader *r, uint64_t off, const struct dl_header *h, char *why,
		       struct dl_error *err)
{
	uint64_t expect = h->type == DL_REC_DATA ? (uint64_t)h->data.count * h->data.block_size : 0;
	uint8_t trailer[DL_TRAILER];
	int rc = read_at(r, off + h->member_size - DL_TRAILER, trailer, sizeof(trailer), err);

	if (rc < 0)
		return rc;
	if (wire_le32(trailer + 4) != (uint32_t)expect) {
		snprintf(why, DL_WHY_MAX, "ISIZE %u, the record announces %llu bytes",
			 (unsigned)wire_le32(trailer + 4), (unsigned long long)expect);
		return DL_ECORRUPT;
	}
	return DL_OK;
}

/* Is there, at some offset >= from, a member header that passes the header checks
 * (gzip magic, the 'BL' subfield, header CRC: the codec accepts it) and could
 * continue this image (sequence number >= min_seq)?  Returns 1 with *found set, 0
 * if none, or DL_EIO / DL_ENOMEM. */
static int scan_for_member(struct dl_reader *r, uint64_t from, uint64_t min_seq, uint64_t *found,
			   struct dl_error *err)
{
	uint64_t size = r->rep.file_size, pos = from;

	while (pos + 1 < size) {
		size_t n = size - pos < DL_IO_CHUNK ? (size_t)(size - pos) : DL_IO_CHUNK;
		int rc = read_at(r, pos, r->in, n, err);
		if (rc < 0)
			return rc;
		for (size_t i = 0; i + 1 < n;) {
			const uint8_t *m = memchr(r->in + i, 0x1f, n - 1 - i);
			if (!m)
				break;
			i = (size_t)(m - r->in);
			if (r->in[i + 1] == 0x8b) {
				struct dl_header h;
				struct dl_error cerr;
				rc = read_header(r, pos + i, &h, NULL, &cerr, err);
				if (rc == DL_EIO || rc == DL_ENOMEM)
					return rc;
				if (rc > 0 && h.seq >= min_seq) {
					*found = pos + i;
					return 1;
				}
				/* read_header used r->hdr, not r->in: the chunk is intact */
			}
			i++;
		}
		pos += n - 1;	/* overlap one byte: the magic may straddle chunks */
	}
	return 0;
}

/* ---- the LBA map ---------------------------------------------------------------- */

static int map_append(struct dl_reader *r, const struct dl_header *h, uint64_t off,
		      struct dl_error *err)
{
	if (r->nmap == r->map_cap) {
		size_t cap = r->map_cap ? r->map_cap * 2 : 64;
		struct dl_extent *n = realloc(r->map, cap * sizeof(*n));
		if (!n)
			return rfail(r, err, DL_ENOMEM, 0, (int64_t)off, "out of memory for the LBA map");
		r->map = n;
		r->map_cap = cap;
	}
	struct dl_extent e = {
		.lba = h->data.lba, .count = h->data.count, .block_size = h->data.block_size,
		.first = 0, .offset = off, .seq = h->seq,
	};
	if (r->nmap && e.lba < ext_end(&r->map[r->nmap - 1]))
		r->map_sorted = false;
	r->map[r->nmap++] = e;
	return DL_OK;
}

/* Append piece [lba, end) of extent e to out (a trimmed copy). */
static size_t put_piece(struct dl_extent *out, size_t n, const struct dl_extent *e, int64_t lba,
			int64_t end)
{
	struct dl_extent p = *e;

	p.first = e->first + (uint32_t)(lba - e->lba);
	p.lba = (int32_t)lba;
	p.count = (uint32_t)(end - lba);
	out[n] = p;
	return n + 1;
}

/* Merge two sorted disjoint runs, the newer one winning where they overlap.  out has
 * room for na + 2 * nb extents (each newer extent splits at most one older one).
 * Returns the extents written. */
static size_t merge_runs(const struct dl_extent *old, size_t na, const struct dl_extent *nw, size_t nb,
			 struct dl_extent *out)
{
	size_t n = 0, j = 0;

	for (size_t i = 0; i < na; i++) {
		int64_t lo = old[i].lba, hi = ext_end(&old[i]);
		while (lo < hi) {
			while (j < nb && ext_end(&nw[j]) <= lo)
				out[n++] = nw[j++];
			if (j == nb || nw[j].lba >= hi) {
				n = put_piece(out, n, &old[i], lo, hi);
				break;
			}
			if (nw[j].lba > lo)
				n = put_piece(out, n, &old[i], lo, nw[j].lba);
			lo = ext_end(&nw[j]);	/* the rest (if any) comes after nw[j] */
		}
	}
	while (j < nb)
		out[n++] = nw[j++];
	return n;
}

/* Turn the record-order array into the sorted disjoint map (see the top comment). */
static int map_build(struct dl_reader *r, struct dl_error *err)
{
	if (r->map_sorted || r->nmap < 2)
		return DL_OK;

	size_t n = r->nmap, nruns = 0;
	size_t *runs = malloc((n + 1) * sizeof(*runs));	/* run k is [runs[k], runs[k+1]) */
	if (!runs)
		return rfail(r, err, DL_ENOMEM, 0, -1, "out of memory building the LBA map");
	runs[nruns++] = 0;
	for (size_t i = 1; i < n; i++)
		if (r->map[i].lba < ext_end(&r->map[i - 1]))
			runs[nruns++] = i;
	runs[nruns] = n;

	struct dl_extent *cur = r->map;
	while (nruns > 1) {
		size_t bound = 0;
		for (size_t k = 0; k < nruns; k += 2) {
			bound += runs[k + 1] - runs[k];
			if (k + 1 < nruns)
				bound += 2 * (runs[k + 2] - runs[k + 1]);
		}
		struct dl_extent *out = malloc(bound * sizeof(*out));
		if (!out) {
			free(runs);
			r->map = cur;
			return rfail(r, err, DL_ENOMEM, 0, -1, "out of memory building the LBA map");
		}
		size_t m = 0, nn = 0;
		for (size_t k = 0; k < nruns; k += 2) {
			size_t start = m;
			if (k + 1 < nruns)
				m += merge_runs(cur + runs[k], runs[k + 1] - runs[k], cur + runs[k + 1],
						runs[k + 2] - runs[k + 1], out + m);
			else {
				memcpy(out + m, cur + runs[k], (runs[k + 1] - runs[k]) * sizeof(*out));
				m += runs[k + 1] - runs[k];
			}
			runs[nn++] = start;
		}
		runs[nn] = m;
		nruns = nn;
		free(cur);
		cur = out;
		n = m;
	}
	free(runs);
	r->map = cur;
	r->nmap = r->map_cap = n;
	r->map_sorted = true;
	return DL_OK;
}

/* Index of the first extent that ends after lba (nmap if none). */
static size_t map_find(const struct dl_reader *r, int64_t lba)
{
	size_t lo = 0, hi = r->nmap;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ext_end(&r->map[mid]) <= lba)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- opening -------------------------------------------------------------------- */

/* STATE snapshot being assembled from consecutive parts. */
struct dl_pending {
	struct dl_state st;
	bool active;
	uint16_t nparts, next_part;
	uint32_t tracks;	/* track entries received so far */
};

static void pending_drop(struct dl_pending *p)
{
	dl_state_free(&p->st);
	p->active = false;
}

/* Feed a validated STATE member (its header bytes still in r->hdr) to the snapshot
 * being assembled.  A snapshot counts only when all its parts arrived in consecutive
 * members; anything else drops it (doc/disclog.md §3.3). */
static int apply_state(struct dl_reader *r, struct dl_pending *p, const struct dl_header *h,
		       uint64_t off, size_t hlen, struct dl_error *err)
{
	struct dl_header h2;
	struct dl_error cerr;

	if (h->part == 0) {
		pending_drop(p);
		if (h->first_track != 0)
			return DL_OK;
	} else if (!p->active || h->nparts != p->nparts || h->part != p->next_part ||
		   h->first_track != p->tracks) {
		pending_drop(p);
		return DL_OK;
	}
	memset(&cerr, 0, sizeof(cerr));
	int rc = dl_member_header_decode(r->hdr, hlen, (int64_t)off, &h2, &p->st, &cerr);
	if (rc == DL_ENOMEM) {
		pending_drop(p);
		return rfail(r, err, DL_ENOMEM, 0, (int64_t)off, "out of memory");
	}
	if (rc <= 0) {	/* the part does not fit the snapshot: not a complete one */
		pending_drop(p);
		return DL_OK;
	}
	if (h->part == 0) {
		p->active = true;
		p->nparts = h->nparts;
		p->tracks = 0;
	}
	p->next_part = (uint16_t)(h->part + 1);
	p->tracks += h->part_tracks;
	if (p->next_part == p->nparts) {
		if (p->tracks == p->st.ntracks) {
			dl_state_free(&r->state);
			r->state = p->st;
			r->have_state = true;
			memset(&p->st, 0, sizeof(p->st));
		}
		pending_drop(p);
	}
	return DL_OK;
}

static int apply_record(struct dl_reader *r, struct dl_pending *p, const struct dl_header *h,
			uint64_t off, size_t hlen, struct dl_error *err)
{
	struct dl_open_report *rep = &r->rep;
	int rc;

	if (r->nrecs == r->recs_cap) {
		size_t cap = r->recs_cap ? r->recs_cap * 2 : 64;
		uint64_t *n = realloc(r->recs, cap * sizeof(*n));
		if (!n)
			return rfail(r, err, DL_ENOMEM, 0, (int64_t)off, "out of memory");
		r->recs = n;
		r->recs_cap = cap;
	}
	r->recs[r->nrecs++] = off;
	rep->records++;
	rep->last_seq = h->seq;
	if (h->type != DL_REC_STATE && p->active)
		pending_drop(p);
	switch (h->type) {
	case DL_REC_DATA: {
		int64_t last = (int64_t)h->data.lba + h->data.count - 1;
		rep->data_records++;
		rep->payload_bytes += (uint64_t)h->data.count * h->data.block_size;
		if (rep->data_records == 1 || h->data.lba < rep->lba_min)
			rep->lba_min = h->data.lba;
		if (rep->data_records == 1 || last > rep->lba_max)
			rep->lba_max = (int32_t)last;
		rc = map_append(r, h, off, err);
		if (rc < 0)
			return rc;
		break;
	}
	case DL_REC_SYNC:
		rep->sync_records++;
		rep->last_synced_seq = h->synced_seq;
		break;
	case DL_REC_STATE:
		rep->state_records++;
		rc = apply_state(r, p, h, off, hlen, err);
		if (rc < 0)
			return rc;
		break;
	}
	return DL_OK;
}

/* Walk and validate every member (doc/disclog.md §4). */
static int walk(struct dl_reader *r, struct dl_error *err)
{
	struct dl_open_report *rep = &r->rep;
	struct dl_pending pend;
	uint64_t off = 0, size = rep->file_size, seq = 0;
	char why[DL_WHY_MAX];
	int rc = DL_OK;

	memset(&pend, 0, sizeof(pend));
	while (off < size) {
		struct dl_header h;
		struct dl_error cerr;
		int hl = read_header(r, off, &h, NULL, &cerr, err);
		bool ok = false;

		why[0] = '\0';
		if (hl == DL_EIO || hl == DL_ENOMEM) {
			rc = hl;
			break;
		}
		if (hl < 0) {
			if (off == 0 && hl == DL_EFOREIGN) {
				rc = rfail(r, err, DL_EFOREIGN, 0, 0, "not a disclog image: %s (offset 0)",
					   codec_why(&cerr));
				break;
			}
			if (off == 0 && hl == DL_EVERSION) {
				rc = rfail(r, err, DL_EVERSION, 0, 0, "unsupported disclog image: %s (offset 0)",
					   codec_why(&cerr));
				break;
			}
			snprintf(why, sizeof(why), "%.150s", codec_why(&cerr));
		} else if (hl == 0) {
			snprintf(why, sizeof(why), "member header cut short by the end of the file");
		} else if (h.member_size > size - off) {
			snprintf(why, sizeof(why), "member of %llu bytes runs past the end of the file (%llu left)",
				 (unsigned long long)h.member_size, (unsigned long long)(size - off));
		} else if (h.seq != seq) {
			snprintf(why, sizeof(why), "sequence number %llu, expected %llu",
				 (unsigned long long)h.seq, (unsigned long long)seq);
		} else {
			if (r->flags & DL_OPEN_NO_CRC)
				rc = check_isize(r, off, &h, why, err);
			else
				rc = check_payload(r, off, &h, (size_t)hl, NULL, why, err);
			if (rc == DL_EIO || rc == DL_ENOMEM)
				break;
			ok = rc == DL_OK;
			rc = DL_OK;
		}
		if (!ok) {
			uint64_t next = 0;
			int found = scan_for_member(r, off + 1, seq, &next, err);
			if (found < 0) {
				rc = found;
				break;
			}
			if (found) {
				rc = rfail(r, err, DL_ECORRUPT, 0, (int64_t)off,
					   "damaged member at offset %llu: %s (a valid member follows at offset %llu)",
					   (unsigned long long)off, why, (unsigned long long)next);
				break;
			}
			/* Torn tail: the open succeeds; say what was cut. */
			rfail(r, err, DL_OK, 0, (int64_t)off, "torn tail of %llu bytes at offset %llu ignored: %s",
			      (unsigned long long)(size - off), (unsigned long long)off, why);
			break;
		}
		/* The member is valid.  Its header bytes are still in r->hdr (the payload
		 * check reads through r->in) for apply_state to merge. */
		rc = apply_record(r, &pend, &h, off, (size_t)hl, err);
		if (rc < 0)
			break;
		off += h.member_size;
		seq++;
	}
	pending_drop(&pend);
	if (rc < 0)
		return rc;
	rep->valid_size = off;
	rep->torn_bytes = size - off;
	return DL_OK;
}

struct dl_reader *dl_reader_open(const char *path, unsigned flags, struct dl_error *err)
{
	struct dl_reader *r;
	struct stat st;

	if (err) {
		memset(err, 0, sizeof(*err));
		err->offset = -1;
	}
	if (!path || (flags & ~(unsigned)(DL_OPEN_NO_CRC | DL_OPEN_ZLIB))) {
		rfail(NULL, err, DL_EINVAL, 0, -1, "invalid arguments to dl_reader_open");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		rfail(NULL, err, DL_ENOMEM, 0, -1, "out of memory");
		return NULL;
	}
	r->fd = -1;
	r->flags = flags;
	r->map_sorted = true;
	r->rep.lba_min = 0;
	r->rep.lba_max = -1;
	r->path = strdup(path);
	if (!r->path) {
		rfail(NULL, err, DL_ENOMEM, 0, -1, "out of memory");
		goto fail;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		int e = errno;
		rfail(r, err, DL_EIO, e, -1, "cannot open: %s", strerror(e));
		goto fail;
	}
	if (fstat(r->fd, &st) != 0) {
		int e = errno;
		rfail(r, err, DL_EIO, e, -1, "cannot stat: %s", strerror(e));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rfail(r, err, DL_EINVAL, 0, -1, "not a regular file");
		goto fail;
	}
	r->rep.file_size = (uint64_t)st.st_size;
	r->in = malloc(DL_IO_CHUNK);
	r->scratch = malloc(DL_IO_CHUNK);
	if (!r->in || !r->scratch) {
		rfail(r, err, DL_ENOMEM, 0, -1, "out of memory");
		goto fail;
	}
	if (dlz_inflate_init(&r->zs, flags & DL_OPEN_ZLIB ? DL_DEFLATE_ZLIB : DL_DEFLATE_DEFAULT) < 0) {
		rfail(r, err, DL_ENOMEM, 0, -1, "cannot set up inflate");
		goto fail;
	}
	r->zs_ready = true;
	if (walk(r, err) < 0 || map_build(r, err) < 0)
		goto fail;
	return r;
fail:
	dl_reader_close(r);
	return NULL;
}

void dl_reader_close(struct dl_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->zs_ready)
		dlz_inflate_end(&r->zs);
	dl_state_free(&r->state);
	free(r->map);
	free(r->recs);
	free(r->hdr);
	free(r->in);
	free(r->scratch);
	free(r->c_buf);
	free(r->path);
	free(r);
}

const struct dl_open_report *dl_reader_report(const struct dl_reader *r)
{
	return r ? &r->rep : NULL;
}

const struct dl_state *dl_reader_state(const struct dl_reader *r)
{
	return r && r->have_state ? &r->state : NULL;
}

/* ---- reading -------------------------------------------------------------------- */

/* Header of the record at off (a valid record offset), through the codec. */
static int record_header(struct dl_reader *r, uint64_t off, struct dl_header *h, struct dl_error *err)
{
	struct dl_error cerr;
	int hl;

	if (r->c_valid && r->c_off == off) {
		*h = r->c_h;
		return r->c_hl;
	}
	hl = read_header(r, off, h, NULL, &cerr, err);
	if (hl > 0)
		return hl;
	if (hl == DL_EIO || hl == DL_ENOMEM)
		return hl;
	return rfail(r, err, DL_ECORRUPT, 0, (int64_t)off, "member at offset %llu: %s (the file changed since it was opened?)",
		     (unsigned long long)off, hl == 0 ? "header cut short" : codec_why(&cerr));
}

/* Make the DATA member at off (a valid record offset) the cached one: inflate it and
 * check its CRC-32 and ISIZE. */
static int load_member(struct dl_reader *r, uint64_t off, struct dl_error *err)
{
	struct dl_header h;
	struct dl_error cerr;
	char why[DL_WHY_MAX];
	int hl, rc;

	if (r->c_valid && r->c_off == off)
		return DL_OK;
	r->c_valid = false;
	hl = read_header(r, off, &h, NULL, &cerr, err);
	if (hl <= 0) {
		if (hl == DL_EIO || hl == DL_ENOMEM)
			return hl;
		return rfail(r, err, DL_ECORRUPT, 0, (int64_t)off,
			     "member at offset %llu: %s (the file changed since it was opened?)",
			     (unsigned long long)off, hl == 0 ? "header cut short" : codec_why(&cerr));
	}
	if (h.type != DL_REC_DATA)
		return rfail(r, err, DL_EINVAL, 0, (int64_t)off, "record at offset %llu is not DATA",
			     (unsigned long long)off);
	if (h.member_size > r->rep.valid_size - off)
		return rfail(r, err, DL_ECORRUPT, 0, (int64_t)off, "member at offset %llu runs past the valid image",
			     (unsigned long long)off);
	size_t len = (size_t)h.data.count * h.data.block_size;	/* <= DL_DATA_MAX (codec) */
	if (len > r->c_cap) {
		uint8_t *n = realloc(r->c_buf, len);
		if (!n)
			return rfail(r, err, DL_ENOMEM, 0, (int64_t)off, "out of memory for a %zu-byte member", len);
		r->c_buf = n;
		r->c_cap = len;
	}
	rc = check_payload(r, off, &h, (size_t)hl, r->c_buf, why, err);
	if (rc == DL_ECORRUPT)
		return rfail(r, err, DL_ECORRUPT, 0, (int64_t)off, "damaged member at offset %llu: %s",
			     (unsigned long long)off, why);
	if (rc < 0)
		return rc;
	r->c_valid = true;
	r->c_off = off;
	r->c_h = h;
	r->c_hl = hl;
	r->c_len = len;
	return DL_OK;
}

/* The metadata is the record's as it was recorded (its own lba and count), not
 * trimmed to the part of it that is still the latest. */
int dl_reader_block_meta(struct dl_reader *r, int32_t lba, struct dl_data_meta *meta,
			 struct dl_error *err)
{
	struct dl_header h;

	if (!r || !meta)
		return rfail(r, err, DL_EINVAL, 0, -1, "invalid arguments to dl_reader_block_meta");
	size_t i = map_find(r, lba);
	if (i == r->nmap || r->map[i].lba > lba)
		return rfail(r, err, DL_ERANGE, 0, -1, "LBA %ld not recorded", (long)lba);
	int rc = record_header(r, r->map[i].offset, &h, err);
	if (rc < 0)
		return rc;
	if (h.type != DL_REC_DATA)
		return rfail(r, err, DL_ECORRUPT, 0, (int64_t)r->map[i].offset,
			     "record at offset %llu is no longer DATA (the file changed?)",
			     (unsigned long long)r->map[i].offset);
	*meta = h.data;
	return DL_OK;
}

int dl_reader_next_recorded(const struct dl_reader *r, int32_t lba, int32_t *next)
{
	if (!r || !next)
		return DL_EINVAL;
	size_t i = map_find(r, lba);
	if (i == r->nmap)
		return DL_ERANGE;
	*next = r->map[i].lba > lba ? r->map[i].lba : lba;
	return DL_OK;
}

long dl_reader_read(struct dl_reader *r, int32_t lba, uint32_t count, void *buf, size_t cap,
		    struct dl_error *err)
{
	int64_t end = (int64_t)lba + count, cur;
	uint64_t bytes = 0;
	size_t i, first;

	if (!r || (!buf && cap))
		return rfail(r, err, DL_EINVAL, 0, -1, "invalid arguments to dl_reader_read");
	if (count == 0)
		return 0;
	if (end - 1 > INT32_MAX)
		return rfail(r, err, DL_ERANGE, 0, -1, "LBA range %ld+%lu beyond the largest LBA",
			     (long)lba, (unsigned long)count);
	/* First pass: the range must be covered, and fit in buf. */
	first = i = map_find(r, lba);
	for (cur = lba; cur < end; i++) {
		if (i == r->nmap || r->map[i].lba > cur)
			return rfail(r, err, DL_ERANGE, 0, -1, "LBA %lld not recorded", (long long)cur);
		int64_t stop = ext_end(&r->map[i]) < end ? ext_end(&r->map[i]) : end;
		bytes += (uint64_t)(stop - cur) * r->map[i].block_size;
		cur = stop;
	}
	if (bytes > cap || bytes > LONG_MAX)
		return rfail(r, err, DL_EINVAL, 0, -1, "%llu bytes to read, the buffer holds %zu",
			     (unsigned long long)bytes, cap);
	/* Second pass: copy, member by member. */
	uint8_t *dst = buf;
	for (i = first, cur = lba; cur < end; i++) {
		const struct dl_extent *e = &r->map[i];
		int64_t stop = ext_end(e) < end ? ext_end(e) : end;
		int rc = load_member(r, e->offset, err);
		if (rc < 0)
			return rc;
		uint64_t from = ((uint64_t)e->first + (uint64_t)(cur - e->lba)) * e->block_size;
		uint64_t len = (uint64_t)(stop - cur) * e->block_size;
		if (r->c_h.data.block_size != e->block_size || from + len > r->c_len)
			return rfail(r, err, DL_ECORRUPT, 0, (int64_t)e->offset,
				     "member at offset %llu no longer matches the LBA map (the file changed?)",
				     (unsigned long long)e->offset);
		memcpy(dst, r->c_buf + from, (size_t)len);
		dst += len;
		cur = stop;
	}
	return (long)bytes;
}

int dl_reader_foreach(struct dl_reader *r, dl_record_fn fn, void *arg)
{
	if (!r || !fn)
		return DL_EINVAL;
	for (size_t i = 0; i < r->nrecs; i++) {
		struct dl_header h;
		int rc = record_header(r, r->recs[i], &h, NULL);
		if (rc < 0)
			return rc;
		rc = fn(arg, &h, r->recs[i]);
		if (rc)
			return rc;
	}
	return DL_OK;
}

long dl_reader_payload(struct dl_reader *r, uint64_t offset, void *buf, size_t cap,
		       struct dl_error *err)
{
	size_t lo = 0, hi;
	struct dl_header h;
	int rc;

	if (!r || (!buf && cap))
		return rfail(r, err, DL_EINVAL, 0, -1, "invalid arguments to dl_reader_payload");
	hi = r->nrecs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->recs[mid] < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == r->nrecs || r->recs[lo] != offset)
		return rfail(r, err, DL_EINVAL, 0, -1, "no record starts at offset %llu",
			     (unsigned long long)offset);
	rc = record_header(r, offset, &h, err);
	if (rc < 0)
		return rc;
	if (h.type != DL_REC_DATA) {
		/* STATE and SYNC carry an empty payload: check it, return 0 bytes. */
		char why[DL_WHY_MAX];
		rc = check_payload(r, offset, &h, (size_t)rc, NULL, why, err);
		if (rc == DL_ECORRUPT)
			return rfail(r, err, DL_ECORRUPT, 0, (int64_t)offset, "damaged member at offset %llu: %s",
				     (unsigned long long)offset, why);
		return rc < 0 ? rc : 0;
	}
	uint64_t len = (uint64_t)h.data.count * h.data.block_size;
	if (len > cap)
		return rfail(r, err, DL_EINVAL, 0, -1, "payload of %llu bytes, the buffer holds %zu",
			     (unsigned long long)len, cap);
	rc = load_member(r, offset, err);
	if (rc < 0)
		return rc;
	memcpy(buf, r->c_buf, r->c_len);
	return (long)r->c_len;
}
