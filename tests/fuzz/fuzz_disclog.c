/* tests/fuzz/fuzz_disclog.c - the disclog reader (disclog/disclog.h) and the exports'
 * reading of its STATE (dlexport.h dlx_layout_get), fed whole image files.
 *
 * The input is the image, written to a file in a private temp dir.  Opened twice (full
 * validation, and DL_OPEN_NO_CRC so that damaged deflate streams reach the ranged reads),
 * then: the open report, the STATE snapshot walked field by field, the layout the
 * exports derive from it, block metadata and next-recorded over the recorded range
 * (bounded steps), ranged reads, every record through foreach and each DATA payload
 * inflated into a large and a short buffer; the codec's encoder must give back what its
 * decoder read (the snapshot, each DATA and SYNC header).  Work per input is bounded: at most 256
 * block look-ups, 64 ranged reads, 64 payloads of at most 1 MiB.
 */
/* fuzz-covers: disclog/reader.c disclog/format.c */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disclog.h"
#include "dlcodec.h"
#include "dlexport.h"
#include "fuzz.h"

#define BUF_MAX (1u << 20)

/* Oracle: the codec's encoder and decoder agree (doc/disclog.md §3).  The snapshot
 * the reader accepted, cut into parts as the writer cuts it, encoded and decoded
 * again, is the same snapshot; a record header the reader decoded, encoded and
 * decoded again, is the same header. */
static uint8_t hbuf[DL_GZ_FIXED + DL_SUB_HDR + DL_HEADER_MAX];

static void oracle_fail(const char *what)
{
	fprintf(stderr, "fuzz_disclog: codec round trip: %s\n", what);
	abort();
}

static void header_roundtrip(const struct dl_header *h, const struct dl_state *st,
			     struct dl_header *back, struct dl_state *sback)
{
	struct dl_error e;
	int len = dl_member_header_encode(hbuf, sizeof(hbuf), h, st);
	if (len < 0)
		oracle_fail("a header the reader accepted does not encode");
	if (dl_member_header_decode(hbuf, (size_t)len, 0, back, sback, &e) != len)
		oracle_fail(e.msg);
	if (back->type != h->type || back->seq != h->seq || back->member_size != h->member_size)
		oracle_fail("type, seq or member size differ");
}

static void state_roundtrip(const struct dl_state *st)
{
	uint16_t per;
	unsigned n = dl_state_parts(st, &per);
	if (n == 0)
		return;
	struct dl_state back;
	memset(&back, 0, sizeof(back));
	for (unsigned p = 0; p < n; p++) {
		/* member size: the header, an empty deflate stream (2 bytes), the trailer */
		struct dl_header h = { .type = DL_REC_STATE, .seq = p + 1, .part = (uint16_t)p,
				       .nparts = (uint16_t)n, .member_size = sizeof(hbuf) + 2 + DL_TRAILER }, d;
		if (dl_state_part_slice(st, p, &h.first_track, &h.part_tracks) != 0)
			oracle_fail("no slice for a part dl_state_parts counted");
		header_roundtrip(&h, st, &d, &back);
	}
	bool same = back.profile == st->profile && back.capacity == st->capacity &&
		    back.disc_status == st->disc_status && back.nwa == st->nwa &&
		    back.leadin_lba == st->leadin_lba && back.last_leadout_lba == st->last_leadout_lba &&
		    back.vtime_us == st->vtime_us && back.page05_len == st->page05_len &&
		    !memcmp(back.page05, st->page05, st->page05_len) &&
		    back.nsessions == st->nsessions && back.ntracks == st->ntracks;
	for (unsigned i = 0; same && i < st->nsessions; i++)
		same = back.sessions[i].start_lba == st->sessions[i].start_lba &&
		       back.sessions[i].leadout_lba == st->sessions[i].leadout_lba &&
		       back.sessions[i].state == st->sessions[i].state &&
		       back.sessions[i].last_track == st->sessions[i].last_track;
	for (unsigned i = 0; same && i < st->ntracks; i++)
		same = back.tracks[i].start_lba == st->tracks[i].start_lba &&
		       back.tracks[i].size == st->tracks[i].size && back.tracks[i].nwa == st->tracks[i].nwa &&
		       back.tracks[i].last_recorded == st->tracks[i].last_recorded &&
		       back.tracks[i].state == st->tracks[i].state && back.tracks[i].flags == st->tracks[i].flags;
	dl_state_free(&back);
	if (!same)
		oracle_fail("the snapshot differs after encoding and decoding");
}

struct walk { uint64_t offs[64]; unsigned n; uint64_t sum; };

static int on_record(void *arg, const struct dl_header *h, uint64_t offset)
{
	struct walk *w = arg;
	w->sum += h->type + h->seq + h->member_size + h->data.count;
	if (h->type == DL_REC_DATA && w->n < 64)
		w->offs[w->n++] = offset;
	if (h->type == DL_REC_DATA || h->type == DL_REC_SYNC) {
		struct dl_header d;
		header_roundtrip(h, NULL, &d, NULL);
		if (memcmp(&d.data, &h->data, sizeof(d.data)) || d.synced_seq != h->synced_seq)
			oracle_fail("a DATA or SYNC header differs after encoding and decoding");
	}
	return 0;
}

static uint64_t sink;

static void exercise(struct dl_reader *r)
{
	static uint8_t buf[BUF_MAX];
	struct dl_error e;
	const struct dl_open_report *rep = dl_reader_report(r);
	sink += rep->records + rep->payload_bytes + rep->torn_bytes;

	const struct dl_state *st = dl_reader_state(r);
	if (st) {
		sink += st->profile + st->capacity + st->page05_len;
		for (unsigned i = 0; i < st->page05_len && i < DL_PAGE05_MAX; i++)
			sink += st->page05[i];
		for (unsigned i = 0; i < st->nsessions; i++)
			sink += (uint64_t)st->sessions[i].start_lba + st->sessions[i].last_track;
		for (unsigned i = 0; i < st->ntracks; i++)
			sink += (uint64_t)st->tracks[i].start_lba + st->tracks[i].size +
				(uint64_t)st->tracks[i].nwa;
		struct dl_state copy;
		if (dl_state_copy(&copy, st) == 0)
			dl_state_free(&copy);
		state_roundtrip(st);
	}

	struct dlx_layout lay;
	struct dlx_error xe;
	memset(&lay, 0, sizeof(lay));
	if (dlx_layout_get(r, &lay, &xe) == 0)
		dlx_layout_free(&lay);

	if (rep->lba_min <= rep->lba_max) {
		int64_t span = (int64_t)rep->lba_max - rep->lba_min + 1;
		int64_t step = span / 256 + 1;
		unsigned reads = 0;
		for (int64_t lba = rep->lba_min; lba <= rep->lba_max; lba += step) {
			struct dl_data_meta m;
			int32_t next;
			if (dl_reader_block_meta(r, (int32_t)lba, &m, &e) == 0) {
				sink += m.count + m.block_size;
				if (reads++ < 64) {
					uint32_t count = m.block_size ? BUF_MAX / m.block_size : 1;
					if (count > 4)
						count = 4;
					dl_reader_read(r, (int32_t)lba, count, buf, sizeof(buf), &e);
					dl_reader_read(r, (int32_t)lba, 1, buf, 7, &e);
				}
			}
			if (dl_reader_next_recorded(r, (int32_t)lba, &next) == 0)
				sink += (uint64_t)next;
		}
		dl_reader_read(r, rep->lba_max, 2, buf, sizeof(buf), &e);
		dl_reader_read(r, rep->lba_min - 1, 1, buf, sizeof(buf), &e);
	}
	int32_t next;
	dl_reader_next_recorded(r, INT32_MIN, &next);
	dl_reader_next_recorded(r, INT32_MAX, &next);

	struct walk w = { .n = 0 };
	dl_reader_foreach(r, on_record, &w);
	sink += w.sum;
	for (unsigned i = 0; i < w.n; i++) {
		dl_reader_payload(r, w.offs[i], buf, sizeof(buf), &e);
		dl_reader_payload(r, w.offs[i], buf, 16, &e);
	}
	dl_reader_payload(r, 1, buf, sizeof(buf), &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input_file("in.dl", data, size);
	static const unsigned flags[2] = { 0, DL_OPEN_NO_CRC };
	for (int k = 0; k < 2; k++) {
		struct dl_error e;
		struct dl_reader *r = dl_reader_open(path, flags[k], &e);
#ifdef FUZZ_TRACE
		fprintf(stderr, "open flags %u: %s\n", flags[k], r ? "ok" : e.msg);
#endif
		if (!r)
			continue;
		exercise(r);
		dl_reader_close(r);
	}
	unlink(path);
	return 0;
}
