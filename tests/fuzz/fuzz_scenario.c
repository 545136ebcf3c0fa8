/* tests/fuzz/fuzz_scenario.c - the harness's scenario parser (harness/scenario.h,
 * doc/harness.md sections 1-6), fed whole scenario files.
 *
 * The input is the file's text.  Parsed from memory as "fuzz.scn" (up to its first NUL
 * byte) and, when it holds a NUL, also read back from a file in a private temp dir (the
 * reader reports the NUL's line).  Then every step through the accessors and every
 * value through the helpers the runner converts them with (numbers, sizes, durations,
 * ranges, sense triples, sources, raw tracks, paths), as the runner would.
 * Oracles: nerrors counts the "fuzz.scn:LINE:COL: message" lines of errors; a
 * scenario without errors has its first action inside its steps, no action before it
 * and no setup line (drive, load, time-scale, guest) after it.
 */
/* fuzz-covers: harness/scenario.c */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "scenario.h"

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_scenario: %s\n", what);
	abort();
}

/* Each error line is "NAME:LINE:COL: message". */
static void check_errors(const struct hrn_scenario *s, const char *name)
{
	size_t nl = strlen(name);
	int lines = 0;

	if ((s->nerrors == 0) != (s->errors == NULL))
		fail("nerrors and errors disagree");
	for (const char *e = s->errors; e && *e; lines++) {
		const char *end = strchr(e, '\n');
		if (!end)
			fail("an error line without its line end");
		if (strncmp(e, name, nl) != 0 || e[nl] != ':')
			fail("an error line that does not start with the file's name");
		e = end + 1;
	}
	/* the parser keeps the first errors and adds a "too many errors" line */
	if (lines > s->nerrors + 1)
		fail("more error lines than nerrors");
}

static void values(const struct hrn_scenario *s, const struct hrn_arg *a)
{
	int64_t x, y;
	int key, asc, ascq;
	bool none;
	struct hrn_source src;
	struct hrn_raw_track rt;
	char buf[256];
	uint8_t blk[64];

	hrn_parse_int(a->value, INT64_MIN, INT64_MAX, &x);
	hrn_parse_int(a->value, 0, 255, &x);
	hrn_parse_size(a->value, &x);
	hrn_parse_duration_us(a->value, &x);
	if (hrn_parse_range(a->value, &x, &y) && y != HRN_RANGE_END && x > y)
		fail("a range A..B with A > B was accepted");
	if (hrn_parse_sense(a->value, &key, &asc, &ascq, &none) && !none &&
	    (key < 0 || key > 15 || asc < 0 || asc > 255 || ascq < 0 || ascq > 255))
		fail("a sense triple out of range was accepted");
	if (hrn_parse_source(a->value, &src) && src.kind == HRN_SRC_PATTERN)
		hrn_pattern_block(src.seed, 7, blk, sizeof(blk));
	if (hrn_parse_raw_track(a->value, buf, sizeof(buf), &rt) && (rt.sectors <= 0 || rt.bytes == 0))
		fail("a raw track without sectors or bytes was accepted");
	char *p = hrn_scn_path(s, a->value);
	if (p && p[0] != '/')
		fail("hrn_scn_path gave a relative path");
	free(p);
}

static void walk(const struct hrn_scenario *s)
{
	if (s->nerrors == 0 && (s->first_action < 0 || s->first_action > s->nsteps))
		fail("first_action outside the steps");
	for (int i = 0; i < s->nsteps; i++) {
		const struct hrn_step *st = &s->steps[i];
		if ((unsigned)st->kind > HRN_FORMAT)
			fail("a step of no kind");
		bool action = st->kind == HRN_MODE || st->kind == HRN_WRITE || st->kind == HRN_MMC ||
			      st->kind == HRN_RUN || st->kind == HRN_INPUT || st->kind == HRN_GUEST_RUN ||
			      st->kind == HRN_BURN || st->kind == HRN_ERASE || st->kind == HRN_FORMAT;
		bool setup_line = st->kind == HRN_DRIVE || st->kind == HRN_LOAD || st->kind == HRN_TIME_SCALE ||
				  st->kind == HRN_GUEST;
		if (s->nerrors == 0 && ((i < s->first_action && action) || (i == s->first_action && !action) ||
					(i > s->first_action && setup_line)))
			fail("a setup line after the first action, or an action before it");
		for (int j = 0; j < st->nargs; j++) {
			const struct hrn_arg *a = &st->args[j];
			if (!a->value)
				fail("an argument without a value");
			if (a->key && hrn_step_arg(st, a->key) == NULL)
				fail("hrn_step_arg does not find a key of the step");
			if (a->key)
				hrn_step_get(st, a->key);
			values(s, a);
		}
		hrn_step_word(st, 0);
		hrn_step_word(st, 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;

	struct hrn_scenario *s = hrn_scn_parse_text("fuzz.scn", text, "/fx");
	if (s) {
		check_errors(s, "fuzz.scn");
		walk(s);
		hrn_scn_free(s);
	}
	if (memchr(data, 0, size)) {
		const char *path = fuzz_input_file("fuzz.scn", data, size);
		s = hrn_scn_parse(path, NULL);
		if (s) {
			if (s->nerrors == 0)
				fail("a file with a NUL byte parsed without errors");
			check_errors(s, path);
			hrn_scn_free(s);
		}
		unlink(path);
	}
	free(text);
	return 0;
}
