/* tests/unit/test_eng_cuesheet.c - wengine's CUE sheet reader (engine/cuesheet.c) and
 * WAV header reader (engine/wav.c): where each track's sectors are in its file (mixed
 * sector sizes in one file, CDRWIN's and cdrdao's reading), and every error naming
 * the file and the line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cuesheet.h"
#include "unit.h"
#include "wav.h"

static char dir[256];

/* FILE (in the test's directory) with n bytes of x. */
static void mkfile(const char *name, size_t n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (size_t i = 0; i < n; i++)
		fputc('x', f);
	fclose(f);
}

/* Parses text as DIR/disc.cue; the error in err. */
static int parse(const char *text, struct cue_sheet *cs, char *err, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/disc.cue", dir);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	err[0] = '\0';
	return cue_parse(path, cs, err, len);
}

static int setup(void)
{
	return unit_mkdtemp(dir, sizeof(dir), "cuesheet") ? 0 : -1;
}

/* Two audio tracks (the second with INDEX 00) and a MODE1/2048 track in one file: the
 * data track's bytes start where the 2352-byte sectors before it end. */
static void test_mixed_file(void)
{
	static struct cue_sheet cs;
	char err[512];
	mkfile("mixed.bin", 975 * 2352 + 600 * 2048);
	CU_ASSERT_EQUAL_FATAL(parse("\xEF\xBB\xBF" "CATALOG 0123456789012\r\n"
				    "FILE \"mixed.bin\" BINARY\n"
				    "  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n"
				    "  TRACK 02 AUDIO\n    FLAGS DCP PRE\n    ISRC USRC17607839\n"
				    "    INDEX 00 00:05:00\n    INDEX 01 00:07:00\n    INDEX 02 00:09:00\n"
				    "  TRACK 03 MODE1/2048\n    PREGAP 00:02:00\n    INDEX 01 00:13:00\n"
				    "REM a comment\n", &cs, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_STRING_EQUAL(cs.catalog, "0123456789012");
	CU_ASSERT_EQUAL(cs.ntracks, 3);
	CU_ASSERT_EQUAL(cs.tracks[0].first, 0);
	CU_ASSERT_EQUAL(cs.tracks[0].end, 375);		/* up to track 2's INDEX 00 */
	CU_ASSERT_EQUAL(cs.tracks[1].first, 375);
	CU_ASSERT_EQUAL(cs.tracks[1].index[1], 525);
	CU_ASSERT_EQUAL(cs.tracks[1].index[2], 675);
	CU_ASSERT_EQUAL(cs.tracks[1].end, 975);
	CU_ASSERT(cs.tracks[1].dcp && cs.tracks[1].pre && !cs.tracks[1].scms);
	CU_ASSERT_STRING_EQUAL(cs.tracks[1].isrc, "USRC17607839");
	CU_ASSERT_EQUAL(cs.tracks[2].type, CUE_MODE1_2048);
	CU_ASSERT_EQUAL(cs.tracks[2].pregap, 150);
	CU_ASSERT_EQUAL(cs.tracks[2].byte_first, 975u * 2352);
	CU_ASSERT_EQUAL(cs.tracks[2].end, 975 + 600);
	CU_ASSERT_EQUAL(cue_sector_bytes(CUE_MODE2_2336), 2336);
	CU_ASSERT_STRING_EQUAL(cue_type_name(CUE_MODE1_2352), "MODE1/2352");
}

/* Each malformed sheet is refused with FILE:LINE: and what is wrong. */
static void test_errors(void)
{
	static struct cue_sheet cs;
	static const struct {
		const char *text, *line, *what;
	} cases[] = {
		{ "TRACK 01 AUDIO\n", ":1:", "TRACK before the first FILE" },
		{ "FILE \"a.bin\" BINARY\nINDEX 01 00:00:00\n", ":2:", "INDEX before the first TRACK" },
		{ "FILE \"a.bin\" BINARY\nTRACK 02 AUDIO\n", ":2:", "track 2 follows track 0" },
		{ "FILE \"a.bin\" BINARY\nTRACK 01 MODE3/2352\n", ":2:", "MODE3/2352 is not written" },
		{ "FILE \"a.bin\" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:60:00\n", ":3:", "mm:ss:ff" },
		{ "FILE \"a.bin\" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:02:00\nINDEX 00 00:00:00\n",
		  ":4:", "INDEX 00 after INDEX 01" },
		{ "FILE \"a.bin\" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nINDEX 03 00:09:00\n",
		  ":4:", "INDEX 03 without INDEX 02" },
		{ "FILE \"a.bin\" BINARY\nTRACK 01 AUDIO\nFLAGS LOUD\n", ":3:", "FLAGS LOUD is unknown" },
		{ "CATALOG 12345\n", ":1:", "13 digits" },
		{ "FILE \"a.bin\" BINARY\nTRACK 01 AUDIO\nISRC XX\n", ":3:", "12 characters" },
		{ "FILE \"missing.bin\" BINARY\n", ":1:", "No such file or directory" },
		{ "FILE \"a.bin\" AIFF\n", ":1:", "AIFF is not read" },
		{ "FILE \"a.bin\" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\nPREGAP 00:02:00\n",
		  ":4:", "PREGAP after INDEX 01" },
		{ "SESSION 2\n", ":1:", "unknown command SESSION" },
		{ "FILE \"a.bin BINARY\n", ":1:", "not closed" },
		{ "FILE \"a.bin\" BINARY\nTRACK 01 AUDIO\n", ":2:", "no INDEX 01" },
		{ "FILE \"odd.bin\" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:00:00\n", ":2:",
		  "not whole 2352-byte sectors" },
		{ "FILE \"a.bin\" BINARY\nTRACK 01 AUDIO\nINDEX 01 01:00:00\n", ":2:",
		  "track 1 starts past the end of" },
		{ "FILE \"a.bin\" BINARY\nTRACK 01 AUDIO\nINDEX 01 00:05:25\n", ":2:",
		  "track 1 has no sectors" },
		{ "REM nothing\n", "disc.cue: ", "no TRACK" },
	};
	char err[512];
	mkfile("a.bin", 400 * 2352);
	mkfile("odd.bin", 400 * 2352 + 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL(parse(cases[i].text, &cs, err, sizeof(err)), -1);
		if (!strstr(err, cases[i].line) || !strstr(err, cases[i].what))
			fprintf(stderr, "case %zu: '%s'\n", i, err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].line));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].what));
	}
}

/* A WAV header: what is CD-DA passes, the rest is refused naming the value. */
static void mkwav(const char *name, uint16_t fmt, uint16_t ch, uint32_t rate, uint16_t bits,
		  uint32_t data, uint32_t claimed)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	uint8_t h[44] = "RIFF\0\0\0\0WAVEfmt ";
	uint32_t v;
	h[16] = 16;
	h[20] = (uint8_t)fmt;
	h[22] = (uint8_t)ch;
	v = rate;
	memcpy(h + 24, &v, 4);		/* the test machine is little-endian, as WAV */
	v = rate * ch * bits / 8;
	memcpy(h + 28, &v, 4);
	h[32] = (uint8_t)(ch * bits / 8);
	h[34] = (uint8_t)bits;
	memcpy(h + 36, "data", 4);
	memcpy(h + 40, &claimed, 4);
	fwrite(h, 1, 44, f);
	for (uint32_t i = 0; i < data; i++)
		fputc(0, f);
	fclose(f);
}

static void test_wav(void)
{
	struct wav_info w;
	char err[512], path[512];
	static const struct {
		uint16_t fmt, ch;
		uint32_t rate;
		uint16_t bits;
		const char *what;
	} bad[] = {
		{ 3, 2, 44100, 16, "format 3, CD-DA needs PCM" },
		{ 1, 1, 44100, 16, "1 channel, CD-DA needs 2" },
		{ 1, 2, 48000, 16, "48000 Hz, CD-DA needs 44100 Hz" },
		{ 1, 2, 44100, 24, "24-bit samples, CD-DA needs 16-bit" },
	};
	mkwav("ok.wav", 1, 2, 44100, 16, 2352 * 3 + 4, 2352 * 3 + 4);
	snprintf(path, sizeof(path), "%s/ok.wav", dir);
	CU_ASSERT_EQUAL(wav_open(path, &w, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(w.data_offset, 44);
	CU_ASSERT_EQUAL(wav_sectors(&w), 4);		/* the last one padded */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mkwav("bad.wav", bad[i].fmt, bad[i].ch, bad[i].rate, bad[i].bits, 8000, 8000);
		snprintf(path, sizeof(path), "%s/bad.wav", dir);
		CU_ASSERT_EQUAL(wav_open(path, &w, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].what));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad.wav"));
	}
	mkwav("short.wav", 1, 2, 44100, 16, 100, 5000);	/* the data chunk lies */
	snprintf(path, sizeof(path), "%s/short.wav", dir);
	CU_ASSERT_EQUAL(wav_open(path, &w, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "offset 36: the data chunk claims 5000 bytes"));
	mkfile("text.wav", 100);
	snprintf(path, sizeof(path), "%s/text.wav", dir);
	CU_ASSERT_EQUAL(wav_open(path, &w, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a RIFF/WAVE file"));
}

static int add_suite(void)
{
	static const struct unit_test tests[] = {
		{ "mixed_file", test_mixed_file },
		{ "errors", test_errors },
		{ "wav", test_wav },
	};
	if (setup() != 0)
		return -1;
	return UNIT_ADD_SUITE("eng_cuesheet", tests);
}
UNIT_SUITE(add_suite)
