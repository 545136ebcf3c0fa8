/* tests/fuzz/fuzz_disclog.c - the disclog reader (disclog/disclog.h) and the exports'
 * reading of its STATE (dlexport.h dlx_layout_get), fed whole image files.
 *
 * The input is the image, written to a file in a private temp dir.  Opened twice (full
 * validation, and DL_OPEN_NO_CRC so that damaged deflate streams reach the ranged reads),
 * then: the open report, the STATE snapshot walked field by field, the layout the
 * exports derive from it, block metadata and next-recorded over the recorded range
 * (bounded steps), ranged reads, every record through foreach and each DATA payload
 * inflated into a large and a short buffer.  Work per input is bounded: at most 256
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
#include "dlexport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BUF_MAX (1u << 20)

static char tmpdir[64], path[96];

static void cleanup(void)
{
	unlink(path);
	rmdir(tmpdir);
}

static void setup(void)
{
	if (tmpdir[0])
		return;
	snprintf(tmpdir, sizeof(tmpdir), "%s/fuzzdlXXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir))
		abort();
	snprintf(path, sizeof(path), "%s/in.dl", tmpdir);
	atexit(cleanup);
}

struct walk { uint64_t offs[64]; unsigned n; uint64_t sum; };

static int on_record(void *arg, const struct dl_header *h, uint64_t offset)
{
	struct walk *w = arg;
	w->sum += h->type + h->seq + h->member_size + h->data.count;
	if (h->type == DL_REC_DATA && w->n < 64)
		w->offs[w->n++] = offset;
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
	setup();
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
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
