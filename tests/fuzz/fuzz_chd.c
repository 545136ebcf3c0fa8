/* tests/fuzz/fuzz_chd.c - the CHD v5 reader (chd/chd.h: open, header, hunk map,
 * metadata, hunks through every codec) and disclog's CHD import (disclog/dlchd.h),
 * fed whole CHD files.
 *
 * The input is the file, written to a private temp dir.  Opened, then: the header, the
 * metadata entries of every tag a CD or DVD CHD has (CHT2 and CHTR texts parsed, and a
 * parsed track formatted and parsed again must give the same track), hunks read in
 * order and a few from the end (bounded: at most 64 hunks and 8 MiB decompressed per
 * input), then dlchd_import into a disclog image when the CHD holds at most 4 MiB, and
 * that image exported to a CHD again (dlchd_export: libchd's writer), which libchd must
 * open and read back whole.
 * A hunk_bytes of up to 16 MiB and a map of up to 2^24 hunks are the reader's own
 * limits (256 MiB for the map): memory stays under libFuzzer's -rss_limit_mb=2048.
 */
/* fuzz-covers: chd/reader.c chd/writer.c chd/map.c chd/huffman.c chd/bits.c chd/cdmeta.c chd/codec-zlib.c chd/codec-cd.c chd/codec-lzma.c chd/codec-huff.c chd/codec-flac.c disclog/chdconv.c */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chd.h"
#include "dlchd.h"
#include "fuzz.h"

#define MAX_HUNKS 64
#define MAX_READ_BYTES (8u << 20)
#define MAX_IMPORT_BYTES (4u << 20)

static char path[96], out[96], base[96], again[100];

static int setup(void)
{
	if (path[0])
		return 0;
	const char *tmpdir = fuzz_tmp_dir();
	snprintf(path, sizeof(path), "%s/in.chd", tmpdir);
	snprintf(out, sizeof(out), "%s/out.disclog", tmpdir);
	snprintf(base, sizeof(base), "%s/again", tmpdir);
	snprintf(again, sizeof(again), "%s.chd", base);
	return 0;
}

/* CHT2 / CHTR text: parse; a parsed track formats and parses back to itself. */
static void track_text(const char *text, uint32_t len)
{
	struct chd_cd_track t, u;
	struct chd_err ce;
	char buf[256];

	if (chd_cd_track_parse(text, len, &t, &ce) != CHD_OK)
		return;
	int n = chd_cd_track_format(&t, buf, sizeof(buf));
	if (n < 0)
		return;
	if (chd_cd_track_parse(buf, (size_t)n, &u, &ce) != CHD_OK || memcmp(&t, &u, sizeof(t)) != 0) {
		fprintf(stderr, "fuzz_chd: CHT2 \"%.*s\" formats as \"%s\", which parses differently\n",
			(int)len, text, buf);
		abort();
	}
}

static void metadata(struct chd_reader *r)
{
	static const uint32_t tags[] = {
		CHD_META_CD_TRACK2, CHD_META_CD_TRACK, CHD_META_GDROM, CHD_META_DVD,
		CHD_TAG('G', 'D', 'D', 'D'), CHD_TAG('C', 'H', 'C', 'D'),
	};
	char text[512];
	struct chd_err ce;
	uint32_t len;

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		for (uint32_t idx = 0; idx < 100; idx++) {
			if (chd_read_meta(r, tags[i], idx, text, sizeof(text), &len, &ce) != CHD_OK)
				break;
			if (tags[i] == CHD_META_CD_TRACK2 || tags[i] == CHD_META_CD_TRACK)
				track_text(text, len < sizeof(text) ? len : sizeof(text));
		}
	/* a short buffer: the length is still the entry's */
	chd_read_meta(r, CHD_META_CD_TRACK2, 0, text, 1, &len, &ce);
}

static void hunks(struct chd_reader *r, const struct chd_header *h)
{
	struct chd_err ce;
	uint32_t n = h->hunk_count, budget = MAX_READ_BYTES / h->hunk_bytes;
	uint8_t *buf;

	if (budget == 0)
		budget = 1;
	if (budget > MAX_HUNKS)
		budget = MAX_HUNKS;
	if (!(buf = malloc(h->hunk_bytes)))
		return;
	/* the first ones in order, then the last two (SELF references point back) */
	for (uint32_t i = 0; i < n && i < budget; i++)
		chd_read_hunk(r, i, buf, &ce);
	if (n > budget) {
		chd_read_hunk(r, n - 1, buf, &ce);
		if (n > budget + 1 && budget > 1)
			chd_read_hunk(r, n - 2, buf, &ce);
	}
	chd_read_hunk(r, n, buf, &ce);	/* past the end: CHD_EINVAL */
	free(buf);
}

/* The imported image exported as a CHD: what libchd writes, it reads back. */
static void round_trip(void)
{
	struct dlx_export_opts xo = { 0 };
	struct dlx_error de = { 0 };
	struct chd_reader *r;
	struct chd_err ce;

	if (dlx_export_run(out, "chd", dlchd_export, base, &xo, &de) != 0)
		return;	/* e.g. a layout the export refuses */
	if (chd_open(again, &r, &ce) != CHD_OK) {
		fprintf(stderr, "fuzz_chd: the exported CHD does not open: %s\n", ce.msg);
		abort();
	}
	const struct chd_header *h = chd_reader_header(r);
	uint8_t *buf = malloc(h->hunk_bytes);
	for (uint32_t i = 0; buf && i < h->hunk_count; i++)
		if (chd_read_hunk(r, i, buf, &ce) != CHD_OK) {
			fprintf(stderr, "fuzz_chd: the exported CHD does not read back: %s\n", ce.msg);
			abort();
		}
	free(buf);
	chd_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chd_reader *r = NULL;
	struct chd_err ce;
	bool import = false;

	setup();
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f) != 0)
		abort();

	if (chd_open(path, &r, &ce) == CHD_OK) {
		const struct chd_header *h = chd_reader_header(r);
		if (h->version != 5 || h->hunk_bytes == 0 ||
		    (uint64_t)h->hunk_count * h->hunk_bytes < h->logical_bytes) {
			fprintf(stderr, "fuzz_chd: an open CHD with an impossible header\n");
			abort();
		}
		metadata(r);
		hunks(r, h);
		import = h->logical_bytes <= MAX_IMPORT_BYTES;
		chd_close(r);
	} else if (ce.msg[0] == '\0') {
		fprintf(stderr, "fuzz_chd: chd_open failed without a message\n");
		abort();
	}
	if (import) {
		struct dlx_import_opts opts = { .media = DLX_MEDIA_DEFAULT, .force = true };
		struct dlx_error de = { 0 };
		int rc = dlchd_import(path, out, &opts, &de);
		if (rc != 0 && de.msg[0] == '\0') {
			fprintf(stderr, "fuzz_chd: dlchd_import failed without a message\n");
			abort();
		}
		if (rc == 0)
			round_trip();
	}
	fuzz_tmp_clean();
	return 0;
}
