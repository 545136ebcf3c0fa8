/* tests/fuzz/fuzz_cue.c - CUE sheets: disclog's CUE import (dlexport.h dlx_import of a
 * .cue) and the engine's CUE reader (engine/cuesheet.h cue_parse), fed the same sheet.
 *
 * The input is the sheet, written as in.cue into a private temp dir that also holds
 * the BINARY and WAVE files the seeds and tests name: data.bin (4 Mode 1 raw sectors),
 * cdaudio.bin (20 audio sectors), mix.bin (2 Mode 1 + 6 audio raw sectors), cd.bin,
 * src.iso and data.iso (8 blocks of 2048), m2.bin (4 blocks of 2336), sub.bin (4
 * blocks of 2448), a.wav (44.1 kHz stereo 16-bit, 4 sectors).  The import writes an
 * image next to them, removed after each input; the parsed sheet is walked.
 */
/* fuzz-covers: disclog/import.c engine/cuesheet.c */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cdsector.h"
#include "cuesheet.h"
#include "disclog.h"
#include "dlexport.h"
#include "fuzz.h"

static char cue_path[96], out_path[96];

static void file_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", fuzz_tmp_dir(), name);
}

static FILE *create(const char *name)
{
	char p[128];
	file_path(p, sizeof(p), name);
	FILE *f = fopen(p, "wb");
	if (!f)
		abort();
	return f;
}

static void put_mode1(FILE *f, int32_t lba)
{
	uint8_t user[CDS_USER_SIZE], raw[CDS_RAW_SIZE];
	memset(user, (int)(lba & 0xff), sizeof(user));
	cds_make_mode1(raw, lba, user);
	fwrite(raw, 1, sizeof(raw), f);
}

static void put_bytes(FILE *f, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		fputc((int)((i * 7 + seed) & 0xff), f);
}

static void setup(void)
{
	if (cue_path[0])
		return;
	file_path(cue_path, sizeof(cue_path), "in.cue");
	file_path(out_path, sizeof(out_path), "out.dl");
	FILE *f = create("data.bin");
	for (int i = 0; i < 4; i++)
		put_mode1(f, i);
	fclose(f);
	f = create("cdaudio.bin");
	put_bytes(f, 20 * 2352, 1);
	fclose(f);
	f = create("mix.bin");
	put_mode1(f, 0);
	put_mode1(f, 1);
	put_bytes(f, 6 * 2352, 2);
	fclose(f);
	f = create("cd.bin");
	for (int i = 0; i < 4; i++)
		put_mode1(f, i);
	fclose(f);
	f = create("src.iso");
	put_bytes(f, 8 * 2048, 3);
	fclose(f);
	f = create("data.iso");
	put_bytes(f, 8 * 2048, 4);
	fclose(f);
	f = create("m2.bin");
	put_bytes(f, 4 * 2336, 5);
	fclose(f);
	f = create("sub.bin");
	put_bytes(f, 4 * 2448, 6);
	fclose(f);
	/* RIFF/WAVE, PCM, 2 channels, 44100 Hz, 16 bits; 4 sectors of samples. */
	f = create("a.wav");
	uint32_t dlen = 4 * 2352;
	uint8_t h[44] = { 'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E',
			  'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 2, 0,
			  0x44, 0xac, 0, 0, 0x10, 0xb1, 0x02, 0, 4, 0, 16, 0,
			  'd', 'a', 't', 'a', 0, 0, 0, 0 };
	uint32_t riff = 36 + dlen;
	for (int i = 0; i < 4; i++) {
		h[4 + i] = (uint8_t)(riff >> (8 * i));
		h[40 + i] = (uint8_t)(dlen >> (8 * i));
	}
	fwrite(h, 1, sizeof(h), f);
	put_bytes(f, dlen, 7);
	fclose(f);
}

static uint64_t sink;

#define GAP_MAX (2 * 60 * 75)	/* two minutes of PREGAP/POSTGAP sectors */

/* The sectors the PREGAP and POSTGAP lines of a sheet ask for (MM:SS:FF after the
 * keyword, any case), as both importers read them at most. */
static uint64_t gap_sectors(const uint8_t *p, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i + 6 <= n; i++) {
		size_t k;
		if (strncasecmp((const char *)p + i, "PREGAP", 6) == 0)
			k = i + 6;
		else if (i + 7 <= n && strncasecmp((const char *)p + i, "POSTGAP", 7) == 0)
			k = i + 7;
		else
			continue;
		uint64_t part[3] = { 0, 0, 0 };
		for (int f = 0; f < 3 && k < n; f++) {
			while (k < n && (p[k] == ' ' || p[k] == '\t'))
				k++;
			while (k < n && p[k] >= '0' && p[k] <= '9' && part[f] < 1000000)
				part[f] = part[f] * 10 + (uint64_t)(p[k++] - '0');
			if (k < n && p[k] == ':')
				k++;
		}
		total += part[0] * 60 * 75 + part[1] * 75 + part[2];
	}
	return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	FILE *f = fopen(cue_path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	/* Sheets with more than GAP_MAX sectors of PREGAP/POSTGAP in all are not imported:
	 * a legal 15-minute POSTGAP makes the import write 67 650 sectors, seconds per
	 * input for no new code. */
	uint64_t gaps = gap_sectors(data, size);

	struct dlx_import_opts o = { .media = DLX_MEDIA_DEFAULT, .force = true };
	struct dlx_error xe;
	if (gaps <= GAP_MAX && dlx_import(cue_path, out_path, &o, &xe) == 0) {
		/* What the import wrote must read back. */
		struct dl_error e;
		struct dl_reader *r = dl_reader_open(out_path, 0, &e);
		if (!r)
			abort();
		struct dlx_layout lay;
		if (dlx_layout_get(r, &lay, &xe) == 0)
			dlx_layout_free(&lay);
		dl_reader_close(r);
	}
	unlink(out_path);

	static struct cue_sheet cs;
	char err[512];
	if (cue_parse(cue_path, &cs, err, sizeof(err)) == 0) {
		for (int i = 0; i < cs.ntracks; i++) {
			const struct cue_track *t = &cs.tracks[i];
			if (t->file < 0 || t->file >= cs.nfiles)
				abort();
			sink += (uint64_t)t->first + (uint64_t)t->end + t->byte_first +
				(uint64_t)cue_sector_bytes(t->type) + strlen(cue_type_name(t->type));
		}
	}
	unlink(cue_path);
	return 0;
}
