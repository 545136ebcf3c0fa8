/* tests/unit/test_eng_timeline.c - the burn timeline (engine/timeline.c) and its SVG
 * writer (engine/timeline-svg.c), fed through timeline-private.h with a made-up clock:
 * samples and speeds, thinning two to one when full, event counting and limits, and a
 * document that libxml2's parser would take (checked here by structure; the
 * integration test graph.sh runs xmllint and rsvg-convert on a real burn's). */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "timeline-private.h"
#include "unit.h"

#define MS 1000	/* microseconds */

static imapi_timeline *make(uint32_t cap, int profile)
{
	imapi_timeline *tl = NULL;
	CU_ASSERT_EQUAL_FATAL(imapi_timeline_create(cap, &tl), S_OK);
	if (profile)
		CU_ASSERT_EQUAL(imapi_timeline_put_profile(tl, profile), S_OK);
	return tl;
}

/* A section of `blocks` 2048-byte blocks at a steady `sps` sectors a second, one
 * completion every `step_ms`, starting at t0 (µs); returns the end time. */
static int64_t steady(imapi_timeline *tl, int64_t t0, int32_t lba, int32_t blocks, int sps,
		      int step_ms)
{
	eng_tl_section_begin(tl, t0, lba, blocks, 2048);
	int64_t t = t0;
	int64_t done = 0;
	while (done < blocks) {
		t += step_ms * MS;
		done = (t - t0) * sps / 1000000;
		if (done > blocks)
			done = blocks;
		eng_tl_progress(tl, t, lba + (int32_t)done - 1, (uint64_t)done * 2048, 50);
	}
	eng_tl_section_end(tl, t, lba + blocks - 1, (uint64_t)blocks * 2048);
	return t;
}

static void args_and_defaults(void)
{
	imapi_timeline *tl = NULL;
	CU_ASSERT_EQUAL(imapi_timeline_create(0, NULL), E_POINTER);
	CU_ASSERT_EQUAL(imapi_timeline_create(IMAPI_TIMELINE_SAMPLES_MIN - 1, &tl), E_INVALIDARG);
	CU_ASSERT_PTR_NULL(tl);
	CU_ASSERT_EQUAL(imapi_timeline_create((1u << 20) + 1, &tl), E_INVALIDARG);
	tl = make(0, 0);
	CU_ASSERT_EQUAL(imapi_timeline_put_options(tl, 0x80), E_INVALIDARG);
	CU_ASSERT_EQUAL(imapi_timeline_put_options(tl, IMAPI_TIMELINE_POLL_DRIVE_BUFFER), S_OK);
	CU_ASSERT_TRUE(eng_tl_option(tl, IMAPI_TIMELINE_POLL_DRIVE_BUFFER));
	CU_ASSERT_FALSE(eng_tl_option(NULL, IMAPI_TIMELINE_POLL_DRIVE_BUFFER));
	CU_ASSERT_EQUAL(imapi_timeline_put_profile(tl, -1), E_INVALIDARG);
	CU_ASSERT_EQUAL(imapi_timeline_put_label(tl, NULL), E_POINTER);
	imapi_timeline_summary sum;
	CU_ASSERT_EQUAL(imapi_timeline_get_summary(tl, &sum), S_OK);
	CU_ASSERT_EQUAL(sum.samples, 0);
	CU_ASSERT_EQUAL(sum.events, 0);
	CU_ASSERT_DOUBLE_EQUAL(sum.spacing_seconds, IMAPI_TIMELINE_SPACING_MS / 1000.0, 1e-9);
	/* NULL timelines are allowed on the feeding side. */
	eng_tl_section_begin(NULL, 0, 0, 1, 2048);
	eng_tl_event(NULL, 0, IMAPI_TIMELINE_EVENT_BUSY, 0, S_OK, NULL, "x");
	CU_ASSERT_STRING_EQUAL(imapi_timeline_event_kind_name(IMAPI_TIMELINE_EVENT_UNDERRUN), "underrun");
	CU_ASSERT_STRING_EQUAL(imapi_timeline_event_kind_name((imapi_timeline_event_kind)99), "?");
	imapi_timeline_release(tl);
}

/* A DVD at 4x (4 * 1 385 000 B/s = 2705 sectors/s): every sample's speed is 4x within
 * the rounding of whole sectors, the summary's average too. */
static void speed_in_x(void)
{
	imapi_timeline *tl = make(0, 0x001B);
	int sps = 4 * 1385000 / 2048;
	steady(tl, 1000 * MS, 0, 27050, sps, 20);
	imapi_timeline_sample *s = NULL;
	uint32_t n = 0;
	CU_ASSERT_EQUAL_FATAL(imapi_timeline_get_samples(tl, &s, &n), S_OK);
	CU_ASSERT_TRUE(n > 400);
	CU_ASSERT_DOUBLE_EQUAL(s[0].seconds, 0.0, 1e-9);
	CU_ASSERT_EQUAL(s[0].flags, IMAPI_TIMELINE_SAMPLE_SECTION_START);
	CU_ASSERT_EQUAL(s[0].lba, -1);
	CU_ASSERT_TRUE(s[n - 1].flags & IMAPI_TIMELINE_SAMPLE_SECTION_END);
	CU_ASSERT_EQUAL(s[n - 1].lba, 27049);
	CU_ASSERT_EQUAL(s[n - 1].sectors, 27050);
	for (uint32_t i = 1; i + 1 < n; i++) {
		CU_ASSERT_DOUBLE_EQUAL(s[i].speed_x, 4.0, 0.1);
		CU_ASSERT_EQUAL(s[i].system_buffer, 50);
		CU_ASSERT_EQUAL(s[i].drive_buffer, -1);
	}
	imapi_free(s);
	imapi_timeline_summary sum;
	CU_ASSERT_EQUAL(imapi_timeline_get_summary(tl, &sum), S_OK);
	CU_ASSERT_DOUBLE_EQUAL(sum.average_x, 4.0, 0.05);
	CU_ASSERT_DOUBLE_EQUAL(sum.write_seconds, 10.0, 0.05);
	CU_ASSERT_EQUAL(sum.bytes, 27050LL * 2048);
	CU_ASSERT_EQUAL(sum.sections, 1);
	CU_ASSERT_EQUAL(sum.by_kind[IMAPI_TIMELINE_EVENT_SECTION], 1);
	imapi_timeline_release(tl);

	/* CD counts sectors: 2352-byte sectors at 75 a second are 1x, so are 2048-byte ones. */
	tl = make(0, 0x0009);
	eng_tl_section_begin(tl, 0, 0, 750, 2352);
	eng_tl_progress(tl, 1000 * MS, 74, 75 * 2352, 0);
	eng_tl_section_end(tl, 10000 * MS, 749, 750 * 2352);
	CU_ASSERT_EQUAL(imapi_timeline_get_samples(tl, &s, &n), S_OK);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_DOUBLE_EQUAL(s[1].speed_x, 1.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(s[2].speed_x, 1.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(s[2].bytes_per_second, 75.0 * 2352, 1e-6);
	imapi_free(s);
	imapi_timeline_release(tl);

	/* Unknown medium: bytes per second, no x. */
	tl = make(0, 0);
	steady(tl, 0, 0, 1000, 500, 100);
	CU_ASSERT_EQUAL(imapi_timeline_get_samples(tl, &s, &n), S_OK);
	CU_ASSERT_DOUBLE_EQUAL(s[1].speed_x, 0.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s[1].bytes_per_second, 500.0 * 2048, 1.0);
	imapi_free(s);
	imapi_timeline_release(tl);
}

/* Full: two to one, spacing doubled, first and last kept, averages exact. */
static void thinning(void)
{
	imapi_timeline *tl = make(IMAPI_TIMELINE_SAMPLES_MIN, 0x0041);
	int sps = 2 * 4495500 / 2048;	/* BD 2x */
	steady(tl, 0, 100, sps * 60, sps, 10);	/* a minute, a completion every 10 ms */
	imapi_timeline_summary sum;
	CU_ASSERT_EQUAL(imapi_timeline_get_summary(tl, &sum), S_OK);
	CU_ASSERT_TRUE(sum.samples <= IMAPI_TIMELINE_SAMPLES_MIN);
	CU_ASSERT_TRUE(sum.samples >= IMAPI_TIMELINE_SAMPLES_MIN / 2);
	CU_ASSERT_TRUE(sum.thinnings >= 8);
	CU_ASSERT_DOUBLE_EQUAL(sum.spacing_seconds,
			       IMAPI_TIMELINE_SPACING_MS / 1000.0 * (double)(1u << sum.thinnings), 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(sum.average_x, 2.0, 0.02);
	imapi_timeline_sample *s = NULL;
	uint32_t n = 0;
	CU_ASSERT_EQUAL(imapi_timeline_get_samples(tl, &s, &n), S_OK);
	CU_ASSERT_EQUAL(n, sum.samples);
	CU_ASSERT_DOUBLE_EQUAL(s[0].seconds, 0.0, 1e-9);
	CU_ASSERT_TRUE(s[0].flags & IMAPI_TIMELINE_SAMPLE_SECTION_START);
	CU_ASSERT_TRUE(s[n - 1].flags & IMAPI_TIMELINE_SAMPLE_SECTION_END);
	CU_ASSERT_DOUBLE_EQUAL(s[n - 1].seconds, 60.0, 0.011);
	for (uint32_t i = 1; i < n; i++) {
		CU_ASSERT_TRUE(s[i].seconds > s[i - 1].seconds);
		CU_ASSERT_DOUBLE_EQUAL(s[i].speed_x, 2.0, 0.05);
	}
	imapi_free(s);
	imapi_timeline_release(tl);

	/* Many short sections: the boundaries are thinned too once they crowd it. */
	tl = make(IMAPI_TIMELINE_SAMPLES_MIN, 0x0009);
	int64_t t = 0;
	for (int i = 0; i < 40; i++)
		t = steady(tl, t + 5 * MS, i * 100, 100, 7500, 5) ;
	CU_ASSERT_EQUAL(imapi_timeline_get_summary(tl, &sum), S_OK);
	CU_ASSERT_TRUE(sum.samples <= IMAPI_TIMELINE_SAMPLES_MIN);
	CU_ASSERT_EQUAL(sum.sections, 40);
	CU_ASSERT_EQUAL(sum.sectors, 4000);
	imapi_timeline_release(tl);
}

static void events(void)
{
	imapi_timeline *tl = make(0, 0x001B);
	struct eng_sense busy = eng_sense_make(0x02, 0x04, 0x08);
	eng_tl_section_begin(tl, 0, 0, 1000, 2048);
	eng_tl_progress(tl, 50 * MS, 99, 100 * 2048, 10);
	/* Three busy answers within the spacing are one event counted three times ... */
	eng_tl_event(tl, 51 * MS, IMAPI_TIMELINE_EVENT_BUSY, 0, S_OK, &busy, "drive buffer full");
	eng_tl_event(tl, 53 * MS, IMAPI_TIMELINE_EVENT_BUSY, 0, S_OK, &busy, "drive buffer full");
	eng_tl_event(tl, 58 * MS, IMAPI_TIMELINE_EVENT_BUSY, 0, S_OK, &busy, "drive buffer full");
	/* ... a later one is its own. */
	eng_tl_event(tl, 200 * MS, IMAPI_TIMELINE_EVENT_BUSY, 0, S_OK, &busy, "drive buffer full");
	/* A drive buffer that ran empty while data is to come is an underrun; one that
	 * was never filled is not. */
	eng_tl_drive_buffer(tl, 210 * MS, 4 << 20, 4 << 20, true);
	eng_tl_drive_buffer(tl, 300 * MS, 4 << 20, 1 << 20, true);
	eng_tl_progress(tl, 310 * MS, 499, 500 * 2048, 20);
	eng_tl_drive_buffer(tl, 400 * MS, 4 << 20, 4 << 20, true);
	eng_tl_drive_buffer(tl, 410 * MS, 0, 0, true);	/* no size: ignored */
	struct eng_sense werr = eng_sense_make(0x03, 0x0C, 0x00);
	eng_tl_event(tl, 450 * MS, IMAPI_TIMELINE_EVENT_FAULT, 0,
		     E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE, &werr, "write error");
	eng_tl_section_end(tl, 460 * MS, 499, 500 * 2048);
	eng_tl_stage(tl, 470 * MS, 5, "finalizing");
	eng_tl_stage(tl, 480 * MS, 5, "finalizing");	/* the same stage: no event */
	imapi_timeline_add_note(tl, "a note");

	imapi_timeline_event *e = NULL;
	uint32_t n = 0;
	CU_ASSERT_EQUAL_FATAL(imapi_timeline_get_events(tl, &e, &n), S_OK);
	CU_ASSERT_EQUAL_FATAL(n, 7);
	CU_ASSERT_EQUAL(e[0].kind, IMAPI_TIMELINE_EVENT_SECTION);
	CU_ASSERT_EQUAL(e[0].code, 1000);
	CU_ASSERT_EQUAL(e[1].kind, IMAPI_TIMELINE_EVENT_BUSY);
	CU_ASSERT_EQUAL(e[1].count, 3);
	CU_ASSERT_EQUAL(e[1].lba, 99);
	CU_ASSERT_EQUAL(e[1].sense_key, 2);
	CU_ASSERT_EQUAL(e[1].asc, 4);
	CU_ASSERT_EQUAL(e[1].ascq, 8);
	CU_ASSERT_EQUAL(e[2].kind, IMAPI_TIMELINE_EVENT_BUSY);
	CU_ASSERT_EQUAL(e[2].count, 1);
	CU_ASSERT_EQUAL(e[3].kind, IMAPI_TIMELINE_EVENT_UNDERRUN);
	CU_ASSERT_DOUBLE_EQUAL(e[3].seconds, 0.4, 1e-9);
	CU_ASSERT_EQUAL(e[3].lba, 499);
	CU_ASSERT_EQUAL(e[4].kind, IMAPI_TIMELINE_EVENT_FAULT);
	CU_ASSERT_EQUAL(e[4].hr, E_IMAPI_UNEXPECTED_RESPONSE_FROM_DEVICE);
	CU_ASSERT_EQUAL(e[5].kind, IMAPI_TIMELINE_EVENT_STAGE);
	CU_ASSERT_STRING_EQUAL(e[5].text, "finalizing");
	CU_ASSERT_EQUAL(e[6].kind, IMAPI_TIMELINE_EVENT_NOTE);
	imapi_free(e);

	/* The drive buffer reading rides on the next sample. */
	imapi_timeline_sample *s = NULL;
	CU_ASSERT_EQUAL(imapi_timeline_get_samples(tl, &s, &n), S_OK);
	bool seen75 = false;
	for (uint32_t i = 0; i < n; i++)
		seen75 |= s[i].drive_buffer == 75;
	CU_ASSERT_TRUE(seen75);
	imapi_free(s);

	imapi_timeline_summary sum;
	CU_ASSERT_EQUAL(imapi_timeline_get_summary(tl, &sum), S_OK);
	CU_ASSERT_EQUAL(sum.by_kind[IMAPI_TIMELINE_EVENT_BUSY], 4);
	CU_ASSERT_EQUAL(sum.by_kind[IMAPI_TIMELINE_EVENT_UNDERRUN], 1);
	CU_ASSERT_EQUAL(sum.events_dropped, 0);

	/* Past the limit events are counted, not kept; reset forgets them. */
	for (uint32_t i = 0; i < IMAPI_TIMELINE_EVENTS_MAX; i++)
		eng_tl_event(tl, (int64_t)(1000 + i) * MS, IMAPI_TIMELINE_EVENT_NOTE, 0, S_OK, NULL, "n");
	CU_ASSERT_EQUAL(imapi_timeline_get_summary(tl, &sum), S_OK);
	CU_ASSERT_EQUAL(sum.events, IMAPI_TIMELINE_EVENTS_MAX);
	CU_ASSERT_EQUAL(sum.events_dropped, 7);
	CU_ASSERT_EQUAL(imapi_timeline_reset(tl), S_OK);
	CU_ASSERT_EQUAL(imapi_timeline_get_summary(tl, &sum), S_OK);
	CU_ASSERT_EQUAL(sum.events + sum.events_dropped + sum.samples, 0);
	CU_ASSERT_EQUAL(sum.profile, 0x001B);	/* kept */
	imapi_timeline_release(tl);
}

/* How many times needle occurs in hay. */
static int occurs(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Start and end tags balance, by name, in order (no attribute holds '<' or '>'; the
 * writer escapes them). */
static bool balanced(const char *doc)
{
	char stack[64][32];
	int depth = 0;
	for (const char *p = strchr(doc, '<'); p; p = strchr(p + 1, '<')) {
		if (p[1] == '?' || p[1] == '!')
			continue;
		const char *end = strchr(p, '>');
		if (!end)
			return false;
		bool closing = p[1] == '/';
		const char *name = p + 1 + closing;
		size_t len = strcspn(name, " \t\n/>");
		if (len == 0 || len >= 32)
			return false;
		if (closing) {
			if (depth == 0 || strlen(stack[depth - 1]) != len ||
			    strncmp(stack[depth - 1], name, len))
				return false;
			depth--;
		} else if (end[-1] != '/') {
			if (depth == 64)
				return false;
			memcpy(stack[depth], name, len);
			stack[depth++][len] = '\0';
		}
	}
	return depth == 0;
}

static void svg_document(void)
{
	imapi_timeline *tl = make(0, 0x001B);
	CU_ASSERT_EQUAL(imapi_timeline_put_label(tl, "a <label> & \"quotes\""), S_OK);
	eng_tl_stage(tl, 0, 4, "writing data");
	int64_t t = steady(tl, 0, 0, 2705 * 2, 2705, 20);	/* 2 s at 4x */
	struct eng_sense busy = eng_sense_make(0x02, 0x04, 0x08);
	eng_tl_event(tl, 500 * MS, IMAPI_TIMELINE_EVENT_BUSY, 0, S_OK, &busy, "drive buffer full");
	eng_tl_event(tl, 900 * MS, IMAPI_TIMELINE_EVENT_UNDERRUN, 0, S_OK, NULL, "ran empty");
	eng_tl_event(tl, 1200 * MS, IMAPI_TIMELINE_EVENT_FAULT, 0, E_FAIL, NULL, "x < y");
	eng_tl_stage(tl, t, 5, "finalizing");
	eng_tl_stage(tl, t + 500 * MS, 6, "completed");

	/* A locale with a decimal comma must not leak into the numbers. */
	const char *old = setlocale(LC_NUMERIC, NULL);
	char *saved = old ? strdup(old) : NULL;
	bool comma = setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8");
	char *svg = NULL;
	size_t len = 0;
	CU_ASSERT_EQUAL_FATAL(imapi_timeline_get_svg(tl, &svg, &len), S_OK);
	setlocale(LC_NUMERIC, saved ? saved : "C");
	free(saved);
	CU_ASSERT_EQUAL(len, strlen(svg));
	CU_ASSERT_EQUAL(strncmp(svg, "<?xml version=\"1.0\"", 19), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
				       "width=\"960\" height=\"540\""));
	CU_ASSERT_TRUE(balanced(svg));
	CU_ASSERT_EQUAL(occurs(svg, "</svg>"), 1);
	/* The parts a reader looks for. */
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "Burn of a DVD+R (profile 001Bh): a &lt;label&gt; &amp; "
				       "&quot;quotes&quot;"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "average 4.0x"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "<path id=\"speed\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "<path id=\"system-buffer\""));
	CU_ASSERT_PTR_NULL(strstr(svg, "<path id=\"drive-buffer\""));	/* never polled */
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "drive buffer (%): not polled"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "id=\"axis-speed\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "id=\"axis-buffer\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "write speed (x of the medium)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">time (s)</text>"));
	CU_ASSERT_EQUAL(occurs(svg, "<g class=\"stage\">"), 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">writing data</text>"));
	CU_ASSERT_EQUAL(occurs(svg, "<g class=\"event busy\""), 1);
	CU_ASSERT_EQUAL(occurs(svg, "<g class=\"event underrun\""), 1);
	CU_ASSERT_EQUAL(occurs(svg, "<g class=\"event fault\""), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">busy (2/04/08)</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">fault E_FAIL</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "x &lt; y"));
	CU_ASSERT_PTR_NULL(strstr(svg, "class=\"event section\""));	/* sections: no marker */
	if (comma)
		CU_ASSERT_PTR_NULL(strstr(svg, "0,5 s"));
	/* Numbers: a '.' decimal point in coordinates, never a ','. */
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "translate("));
	const char *tr = strstr(svg, "<path transform=\"translate(");
	CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
	CU_ASSERT_EQUAL(occurs(svg, ".0,") > 0, 1);
	free(svg);
	imapi_timeline_release(tl);

	/* Nothing recorded: still a whole document, with an unknown medium. */
	tl = make(0, 0);
	CU_ASSERT_EQUAL(imapi_timeline_get_svg(tl, &svg, &len), S_OK);
	CU_ASSERT_TRUE(balanced(svg));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "Burn of an unknown medium"));
	CU_ASSERT_PTR_NULL(strstr(svg, "<path id=\"speed\""));
	free(svg);

	/* Saved through a temporary file; a directory that does not exist is E_FAIL. */
	char dir[256], path[300];
	CU_ASSERT_PTR_NOT_NULL_FATAL(unit_mkdtemp(dir, sizeof(dir), "tl"));
	snprintf(path, sizeof(path), "%s/burn.svg", dir);
	CU_ASSERT_EQUAL(imapi_timeline_save_svg(tl, path), S_OK);
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL(f);
	if (f)
		fclose(f);
	remove(path);
	remove(dir);
	snprintf(path, sizeof(path), "%s/no/such/dir/burn.svg", dir);
	CU_ASSERT_EQUAL(imapi_timeline_save_svg(tl, path), E_FAIL);
	imapi_timeline_release(tl);
}

/* Markers: events of one kind closer than a few pixels are one marker with their
 * count; more than the limit are counted in the footer. */
static void svg_markers(void)
{
	imapi_timeline *tl = make(0, 0x0009);
	steady(tl, 0, 0, 75 * 100, 75 * 10, 100);	/* 10 s */
	for (int i = 0; i < 300; i++)
		eng_tl_event(tl, (int64_t)i * 33 * MS, IMAPI_TIMELINE_EVENT_UNIT_ATTENTION, i,
			     S_OK, NULL, "ua");
	/* Five retries within a millisecond: one marker "retry x5". */
	for (int i = 0; i < 5; i++)
		eng_tl_event(tl, (5000 + i) * (int64_t)100, IMAPI_TIMELINE_EVENT_RETRY, 7, S_OK, NULL, "r");
	char *svg = NULL;
	CU_ASSERT_EQUAL_FATAL(imapi_timeline_get_svg(tl, &svg, NULL), S_OK);
	CU_ASSERT_TRUE(balanced(svg));
	CU_ASSERT_EQUAL(occurs(svg, "<g class=\"event retry\""), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, ">retry x5</text>"));
	int ua = occurs(svg, "<g class=\"event unit-attention\"");
	CU_ASSERT_TRUE(ua > 100 && ua < 300);	/* 33 ms is under 4 px of a 10 s axis: merged */
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "speed (x)"));
	free(svg);
	imapi_timeline_release(tl);
}

static int add_suite(void)
{
	static const struct unit_test tests[] = {
		{ "args_and_defaults", args_and_defaults },
		{ "speed_in_x", speed_in_x },
		{ "thinning", thinning },
		{ "events", events },
		{ "svg_document", svg_document },
		{ "svg_markers", svg_markers },
	};
	return UNIT_ADD_SUITE("eng_timeline", tests);
}
UNIT_SUITE(add_suite)
