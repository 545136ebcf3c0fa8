/* tests/unit/chdtool.c - a small driver of libchd for tests/integration/chd-chdman.sh
 * (not installed):
 *   chdtool write-raw IN OUT HUNK UNIT [CODEC...]  IN as a raw CHD (codecs: zlib, cdzl;
 *                                                  none for an uncompressed CHD)
 *   chdtool write-cd BIN OUT TYPE                  a one-track CD (TYPE as CHT2 names it:
 *                                                  MODE1_RAW, AUDIO...) of 2352-byte
 *                                                  sectors, cdzl, zero sub-channel
 *   chdtool read-raw IN OUT                        the logical bytes
 *   chdtool read-cd IN OUT                         the tracks' sectors, 2352 bytes each,
 *                                                  without the padding between tracks
 *   chdtool meta IN TAG INDEX                      one metadata entry's bytes
 *   chdtool mode1-bin OUT SECTORS                  a Mode 1 .bin (2352-byte sectors from
 *                                                  LBA 0, disclog's cds_ codec), data
 *                                                  partly compressible, partly random
 * Exit status 0, 1 on a libchd error (its message on standard error), 2 on usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdsector.h"
#include "chd.h"

static int die(const char *what, const struct chd_err *err)
{
	fprintf(stderr, "chdtool: %s: %s\n", what, err ? err->msg : "failed");
	return 1;
}

static uint32_t codec_tag(const char *name)
{
	if (strcmp(name, "zlib") == 0)
		return CHD_CODEC_ZLIB;
	if (strcmp(name, "cdzl") == 0)
		return CHD_CODEC_CD_ZLIB;
	if (strcmp(name, "none") == 0)
		return CHD_CODEC_NONE;
	if (strlen(name) == 4)
		return CHD_TAG(name[0], name[1], name[2], name[3]);
	return CHD_CODEC_NONE;
}

static int write_raw(const char *in, const char *out, uint32_t hunk, uint32_t unit, int ncodec,
		     char **codecs)
{
	uint32_t tags[4] = { 0, 0, 0, 0 };
	struct chd_writer *w;
	struct chd_err err;
	FILE *f = fopen(in, "rb");
	long size;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		perror(in);
		return 1;
	}
	for (int i = 0; i < ncodec && i < 4; i++)
		tags[i] = codec_tag(codecs[i]);
	if (chd_create(out, true, hunk, unit, (uint64_t)size, tags, &w, &err) != CHD_OK)
		return die("create", &err);
	uint8_t *buf = malloc(hunk);
	for (long done = 0; done < size; done += hunk) {
		memset(buf, 0, hunk);
		if (fread(buf, 1, hunk, f) == 0 || chd_write_hunk(w, buf, &err) != CHD_OK) {
			chd_abort(w);
			return die("write", &err);
		}
	}
	fclose(f);
	free(buf);
	if (chd_finish(w, &err) != CHD_OK)
		return die("finish", &err);
	return 0;
}

static int write_cd(const char *bin, const char *out, const char *type)
{
	const uint32_t tags[4] = { CHD_CODEC_CD_ZLIB, 0, 0, 0 };
	struct chd_cd_track t = { .number = 1 };
	struct chd_writer *w;
	struct chd_err err;
	char text[256];
	FILE *f = fopen(bin, "rb");
	long size;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		perror(bin);
		return 1;
	}
	uint32_t frames = (uint32_t)(size / CHD_CD_SECTOR);
	uint32_t padded = (frames + CHD_CD_TRACK_PADDING - 1) / CHD_CD_TRACK_PADDING * CHD_CD_TRACK_PADDING;
	snprintf(t.type, sizeof(t.type), "%s", type);
	snprintf(t.subtype, sizeof(t.subtype), "NONE");
	snprintf(t.pgtype, sizeof(t.pgtype), "MODE1");
	snprintf(t.pgsub, sizeof(t.pgsub), "NONE");
	t.frames = frames;
	int len = chd_cd_track_format(&t, text, sizeof(text));
	if (len < 0 || chd_create(out, true, CHD_CD_FRAME * CHD_CD_FRAMES_PER_HUNK, CHD_CD_FRAME,
				  (uint64_t)padded * CHD_CD_FRAME, tags, &w, &err) != CHD_OK)
		return die("create", &err);
	/* chdman stores the text with its NUL. */
	if (chd_add_meta(w, CHD_META_CD_TRACK2, CHD_META_FLAG_CHECKSUM, text, (uint32_t)len + 1, &err) != CHD_OK) {
		chd_abort(w);
		return die("meta", &err);
	}
	uint8_t hunk[CHD_CD_FRAME * CHD_CD_FRAMES_PER_HUNK];
	for (uint32_t fr = 0; fr < padded; fr += CHD_CD_FRAMES_PER_HUNK) {
		memset(hunk, 0, sizeof(hunk));
		for (uint32_t i = 0; i < CHD_CD_FRAMES_PER_HUNK && fr + i < frames; i++)
			if (fread(hunk + i * CHD_CD_FRAME, 1, CHD_CD_SECTOR, f) != CHD_CD_SECTOR) {
				chd_abort(w);
				return die("read", NULL);
			}
		if (chd_write_hunk(w, hunk, &err) != CHD_OK) {
			chd_abort(w);
			return die("write", &err);
		}
	}
	fclose(f);
	if (chd_finish(w, &err) != CHD_OK)
		return die("finish", &err);
	return 0;
}

static int read_all(const char *in, const char *out, bool cd)
{
	struct chd_reader *r;
	struct chd_err err;

	if (chd_open(in, &r, &err) != CHD_OK)
		return die("open", &err);
	const struct chd_header *h = chd_reader_header(r);
	FILE *f = fopen(out, "wb");
	uint8_t *buf = malloc(h->hunk_bytes);
	if (!f || !buf) {
		perror(out);
		return 1;
	}
	/* For a CD: which frames are track data (not the padding to 4 frames). */
	uint64_t next_track = 0, track_end = 0;
	uint32_t tn = 0;
	for (uint32_t hunk = 0; hunk < h->hunk_count; hunk++) {
		if (chd_read_hunk(r, hunk, buf, &err) != CHD_OK)
			return die("read", &err);
		uint64_t at = (uint64_t)hunk * h->hunk_bytes;
		if (!cd) {
			uint64_t n = h->logical_bytes - at < h->hunk_bytes ? h->logical_bytes - at : h->hunk_bytes;
			fwrite(buf, 1, (size_t)n, f);
			continue;
		}
		for (uint32_t i = 0; i < h->hunk_bytes / CHD_CD_FRAME; i++) {
			uint64_t frame = at / CHD_CD_FRAME + i;
			while (frame >= next_track) {
				char text[256];
				uint32_t len;
				struct chd_cd_track t;
				if (chd_read_meta(r, CHD_META_CD_TRACK2, tn, text, sizeof(text) - 1, &len, &err) != CHD_OK) {
					next_track = UINT64_MAX;
					track_end = 0;
					break;
				}
				if (chd_cd_track_parse(text, len < sizeof(text) ? len : sizeof(text) - 1, &t, &err) != CHD_OK)
					return die("track", &err);
				track_end = frame + t.frames;
				next_track = frame + (t.frames + CHD_CD_TRACK_PADDING - 1) / CHD_CD_TRACK_PADDING *
								 CHD_CD_TRACK_PADDING;
				tn++;
			}
			if (frame < track_end)
				fwrite(buf + (size_t)i * CHD_CD_FRAME, 1, CHD_CD_SECTOR, f);
		}
	}
	free(buf);
	chd_close(r);
	return fclose(f) == 0 ? 0 : 1;
}

static int meta(const char *in, const char *tag, uint32_t index)
{
	struct chd_reader *r;
	struct chd_err err;
	static uint8_t buf[1 << 24];
	uint32_t len;

	if (strlen(tag) != 4)
		return 2;
	if (chd_open(in, &r, &err) != CHD_OK)
		return die("open", &err);
	if (chd_read_meta(r, CHD_TAG(tag[0], tag[1], tag[2], tag[3]), index, buf, sizeof(buf), &len, &err) != CHD_OK)
		return die("meta", &err);
	fwrite(buf, 1, len, stdout);
	chd_close(r);
	return 0;
}

static int mode1_bin(const char *out, uint32_t sectors)
{
	FILE *f = fopen(out, "wb");
	uint8_t user[CDS_USER_SIZE], sector[CDS_RAW_SIZE];
	uint32_t seed = 1;

	if (!f) {
		perror(out);
		return 1;
	}
	for (uint32_t lba = 0; lba < sectors; lba++) {
		for (size_t i = 0; i < sizeof(user); i++) {
			seed = seed * 1103515245u + 12345u;
			user[i] = lba % 3 == 0 ? (uint8_t)(seed >> 16) : (uint8_t)(lba + i / 32);
		}
		if (cds_make_mode1(sector, (int32_t)lba, user) != 0 || fwrite(sector, 1, sizeof(sector), f) != sizeof(sector))
			return die("mode1-bin", NULL);
	}
	return fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && strcmp(argv[1], "write-raw") == 0)
		return write_raw(argv[2], argv[3], (uint32_t)strtoul(argv[4], NULL, 0),
				 (uint32_t)strtoul(argv[5], NULL, 0), argc - 6, argv + 6);
	if (argc == 5 && strcmp(argv[1], "write-cd") == 0)
		return write_cd(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "read-raw") == 0)
		return read_all(argv[2], argv[3], false);
	if (argc == 4 && strcmp(argv[1], "read-cd") == 0)
		return read_all(argv[2], argv[3], true);
	if (argc == 5 && strcmp(argv[1], "meta") == 0)
		return meta(argv[2], argv[3], (uint32_t)strtoul(argv[4], NULL, 0));
	if (argc == 4 && strcmp(argv[1], "mode1-bin") == 0)
		return mode1_bin(argv[2], (uint32_t)strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: chdtool write-raw IN OUT HUNK UNIT [CODEC...] | write-cd BIN OUT TYPE |\n"
			"       read-raw IN OUT | read-cd IN OUT | meta IN TAG INDEX | mode1-bin OUT SECTORS\n");
	return 2;
}
