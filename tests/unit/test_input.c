/* tests/unit/test_input.c - the files of `input` lines (harness/input.h, doc/harness.md
 * section 4 "The guest"): a WAV tone's RIFF header and samples, a data source laid out
 * as 2048-byte blocks from LBA 0 (and cut at the size), a copy, and the errors that
 * name the file. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "scenario.h"
#include "unit.h"

static char dir[PATH_MAX];

static uint8_t *slurp(const char *name, size_t *len)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	uint8_t *b = malloc(*len + 1);
	if (b && fread(b, 1, *len, f) != *len) {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

/* Make the input of one scenario line; err is "" on success. */
static int make(const char *line, char *err, size_t errlen)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/x.scn", dir);	/* paths are relative to the scenario */
	struct hrn_scenario *s = hrn_scn_parse_text(path, line, dir);
	CU_ASSERT_EQUAL_FATAL(s->nerrors, 0);
	err[0] = 0;
	int rc = hrn_input_make(s, &s->steps[0], dir, err, errlen);
	hrn_scn_free(s);
	return rc;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_tone(void)
{
	char err[512];
	CU_ASSERT_EQUAL(make("input a.wav tone=441 seconds=2", err, sizeof(err)), 0);
	size_t len;
	uint8_t *w = slurp("a.wav", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_EQUAL(len, 44u + 2 * 44100 * 4);
	CU_ASSERT(!memcmp(w, "RIFF", 4) && !memcmp(w + 8, "WAVEfmt ", 8) && !memcmp(w + 36, "data", 4));
	CU_ASSERT_EQUAL(le32(w + 4), len - 8);
	CU_ASSERT_EQUAL(le32(w + 24), 44100);			/* sample rate */
	CU_ASSERT_EQUAL(w[22], 2);				/* channels */
	CU_ASSERT_EQUAL(w[34], 16);				/* bits */
	CU_ASSERT_EQUAL(le32(w + 40), 2 * 44100 * 4);
	CU_ASSERT_EQUAL((le32(w + 40)) % 2352, 0);		/* whole CD-DA sectors */
	/* 441 Hz: a period of 100 samples; sample 25 is the crest, both channels equal */
	int16_t s25 = (int16_t)(w[44 + 25 * 4] | w[44 + 25 * 4 + 1] << 8);
	int16_t r25 = (int16_t)(w[44 + 25 * 4 + 2] | w[44 + 25 * 4 + 3] << 8);
	CU_ASSERT_EQUAL(s25, 16383);
	CU_ASSERT_EQUAL(r25, s25);
	CU_ASSERT_EQUAL(w[44] | w[45] << 8, 0);
	free(w);
}

static void test_source(void)
{
	char err[512];
	CU_ASSERT_EQUAL(make("input p.bin source=pattern:seed=7 size=5000", err, sizeof(err)), 0);
	size_t len;
	uint8_t *p = slurp("p.bin", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(len, 5000u);
	uint8_t blk[2048];
	for (int64_t lba = 0; lba < 3; lba++) {
		hrn_pattern_block(7, lba, blk, sizeof(blk));
		size_t n = lba == 2 ? 5000 - 4096 : 2048;
		CU_ASSERT(!memcmp(p + lba * 2048, blk, n));
	}
	free(p);
	CU_ASSERT_EQUAL(make("input z.bin source=zero size=1K", err, sizeof(err)), 0);
	p = slurp("z.bin", &len);
	CU_ASSERT_EQUAL(len, 1024u);
	CU_ASSERT(p && p[0] == 0 && p[1023] == 0);
	free(p);
	/* file: a copy of the first bytes; too short a file is named */
	CU_ASSERT_EQUAL(make("input c.bin source=file:p.bin size=3000", err, sizeof(err)), 0);
	p = slurp("c.bin", &len);
	CU_ASSERT_EQUAL(len, 3000u);
	uint8_t *q = slurp("p.bin", &len);
	CU_ASSERT(p && q && !memcmp(p, q, 3000));
	free(p);
	free(q);
	CU_ASSERT_EQUAL(make("input d.bin source=file:p.bin size=6000", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "shorter than 6000 bytes"));
}

static void test_from(void)
{
	char err[512];
	CU_ASSERT_EQUAL(make("input copy.bin from=p.bin", err, sizeof(err)), 0);
	size_t a, b;
	uint8_t *x = slurp("copy.bin", &a), *y = slurp("p.bin", &b);
	CU_ASSERT(x && y && a == b && !memcmp(x, y, a));
	free(x);
	free(y);
	CU_ASSERT_EQUAL(make("input n.bin from=no-such-file", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no-such-file"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
}

static int input_suite(void)
{
	if (!unit_mkdtemp(dir, sizeof(dir), "burnlab-input"))
		return -1;
	static const struct unit_test tests[] = {
		{ "tone", test_tone },
		{ "source", test_source },
		{ "from", test_from },
	};
	return UNIT_ADD_SUITE("input", tests);
}
UNIT_SUITE(input_suite)
