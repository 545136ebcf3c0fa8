/* engine/timeline-svg.c - a burn timeline drawn as a standalone SVG 1.1 document
 * (timeline-private.h eng_tl_svg; doc/engine.md §12.3).
 *
 * One picture, IMAPI_TIMELINE_SVG_WIDTH x IMAPI_TIMELINE_SVG_HEIGHT user units: the
 * write speed as steps (each sample's average over its interval, so a CLV burn shows
 * flat plateaus and a CAV burn a staircase) on the left axis, the drive's and the
 * engine's buffer fill in percent on the right axis, the format layer's stages as
 * bands under the plot, one labelled marker per event.  Numbers are written by hand,
 * not with printf's %f, so that the document does not depend on the caller's locale. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmccdb.h"
#include "timeline-private.h"

enum {
	W = IMAPI_TIMELINE_SVG_WIDTH,
	H = IMAPI_TIMELINE_SVG_HEIGHT,
	X0 = 80, X1 = 880,	/* the plot */
	Y0 = 96, Y1 = 400,
	STRIP_Y = 450, STRIP_H = 22,	/* the stage strip */
	MARKERS_MAX = 160,	/* drawn; the rest is counted in the footer */
	MARKER_MERGE_PX = 4,	/* markers of one kind closer than this are one */
	LABEL_ROWS = 4,
};

/* ---- a growing string ------------------------------------------------------------------- */

struct sb {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_grow(struct sb *b, size_t more)
{
	if (b->oom || b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 16384;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void sb_put(struct sb *b, const char *s)
{
	size_t n = strlen(s);
	sb_grow(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

/* Integers and strings only (%f would follow the locale). */
static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	sb_grow(b, (size_t)n);
	if (b->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* v with `dec` decimals (0..3), '.' as the separator whatever the locale. */
static void fmt_num(char *buf, size_t len, double v, int dec)
{
	int64_t scale = 1;
	for (int i = 0; i < dec; i++)
		scale *= 10;
	bool neg = v < 0;
	double a = neg ? -v : v;
	if (a > 1e15)
		a = 1e15;
	int64_t r = (int64_t)(a * (double)scale + 0.5);
	if (r == 0)
		neg = false;
	if (dec == 0)
		snprintf(buf, len, "%s%lld", neg ? "-" : "", (long long)r);
	else
		snprintf(buf, len, "%s%lld.%0*lld", neg ? "-" : "", (long long)(r / scale), dec,
			 (long long)(r % scale));
}

static void sb_num(struct sb *b, double v, int dec)
{
	char buf[48];
	fmt_num(buf, sizeof(buf), v, dec);
	sb_put(b, buf);
}

/* Text content or an attribute value, XML-escaped; control characters dropped. */
static void sb_text(struct sb *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sb_put(b, "&amp;"); break;
		case '<': sb_put(b, "&lt;"); break;
		case '>': sb_put(b, "&gt;"); break;
		case '"': sb_put(b, "&quot;"); break;
		case '\'': sb_put(b, "&apos;"); break;
		default:
			if ((unsigned char)*s >= 0x20) {
				char c[2] = { *s, 0 };
				sb_put(b, c);
			}
		}
	}
}

/* ---- scales ------------------------------------------------------------------------------ */

/* A "nice" tick step (1, 2 or 5 times a power of ten) giving at most `ticks` steps
 * over span. */
static double nice_step(double span, int ticks)
{
	if (!(span > 0))
		return 1;
	double raw = span / ticks, p = 1;
	while (p * 10 <= raw)
		p *= 10;
	while (p > raw)
		p /= 10;
	static const double m[] = { 1, 2, 5, 10 };
	for (int i = 0; i < 4; i++)
		if (p * m[i] >= raw)
			return p * m[i];
	return p * 10;
}

/* Decimals that show a step of that size. */
static int step_decimals(double step)
{
	int d = 0;
	for (double s = step; s < 0.999 && d < 3; s *= 10)
		d++;
	return d;
}

struct scale {
	double tmax, vmax;	/* time and speed at the plot's right and top edges */
	double tstep, vstep;
};

static double px_t(const struct scale *sc, double t)
{
	return X0 + (X1 - X0) * (t / sc->tmax);
}

static double px_v(const struct scale *sc, double v)
{
	double y = Y1 - (Y1 - Y0) * (v / sc->vmax);
	return y < Y0 ? Y0 : y;
}

static double px_pct(double pct)
{
	return Y1 - (Y1 - Y0) * (pct / 100.0);
}

/* ---- what is drawn ----------------------------------------------------------------------- */

static const char *const STAGE_FILL[] = {
	"#c6dbef", "#c7e9c0", "#fdd0a2", "#dadaeb", "#fcbba1", "#d9d9d9", "#fee391", "#ccebc5",
};

struct kind_style {
	const char *cls, *color, *shape;	/* shape: an SVG path at (0,0), about 10 px */
};

static struct kind_style kind_style(imapi_timeline_event_kind k)
{
	switch (k) {
	case IMAPI_TIMELINE_EVENT_UNDERRUN:
		return (struct kind_style){ "underrun", "#d62728", "M0,6 L-6,-5 L6,-5 Z" };
	case IMAPI_TIMELINE_EVENT_FAULT:
		return (struct kind_style){ "fault", "#8b0000", "M0,-6 L6,0 L0,6 L-6,0 Z" };
	case IMAPI_TIMELINE_EVENT_BUSY:
		return (struct kind_style){ "busy", "#ff7f0e", "M-5,-5 H5 V5 H-5 Z" };
	case IMAPI_TIMELINE_EVENT_UNIT_ATTENTION:
		return (struct kind_style){ "unit-attention", "#9467bd", "M0,-6 L6,5 L-6,5 Z" };
	case IMAPI_TIMELINE_EVENT_RETRY:
		return (struct kind_style){ "retry", "#e377c2", "M-6,0 A6,6 0 1,0 6,0 A6,6 0 1,0 -6,0 Z" };
	case IMAPI_TIMELINE_EVENT_SESSION_LOST:
		return (struct kind_style){ "session-lost", "#17becf", "M-6,-6 L6,6 M6,-6 L-6,6" };
	case IMAPI_TIMELINE_EVENT_RECONNECTED:
		return (struct kind_style){ "reconnected", "#2ca02c", "M-6,0 L-2,5 L6,-5" };
	case IMAPI_TIMELINE_EVENT_SPEED:
		return (struct kind_style){ "speed", "#1f77b4", "M-6,3 L0,-4 L6,3" };
	case IMAPI_TIMELINE_EVENT_NOTE:
		return (struct kind_style){ "note", "#7f7f7f", "M-4,-4 H4 V4 H-4 Z" };
	default:
		return (struct kind_style){ NULL, NULL, NULL };	/* stages, sections: bands */
	}
}

/* The short label of a marker: "busy x3 (2/04/08)", "fault E_FAIL (3/0C/00)". */
static void marker_label(const imapi_timeline_event *e, uint32_t count, char *buf, size_t len)
{
	char sense[24] = "";
	if (e->sense_key || e->asc || e->ascq)
		snprintf(sense, sizeof(sense), " (%X/%02X/%02X)", e->sense_key, e->asc, e->ascq);
	char times[24] = "";
	if (count > 1)
		snprintf(times, sizeof(times), " x%u", count);
	const char *what = imapi_timeline_event_kind_name(e->kind);
	if (e->kind == IMAPI_TIMELINE_EVENT_FAULT) {
		const char *n = imapi_hresult_name(e->hr);
		snprintf(buf, len, "fault %s%s", n ? n : "", sense);
	} else if (e->kind == IMAPI_TIMELINE_EVENT_NOTE || e->kind == IMAPI_TIMELINE_EVENT_SPEED) {
		snprintf(buf, len, "%s", e->text);
	} else {
		snprintf(buf, len, "%s%s%s", what, times, sense);
	}
}

static bool family_known(int32_t profile)
{
	return mcc_profile_family(profile) != MCC_FAM_UNKNOWN;
}

/* The value plotted for a sample: x of the medium, or MB/s when it is unknown. */
static double speed_of(const struct eng_tl_view *v, const imapi_timeline_sample *s)
{
	return family_known(v->sum.profile) ? s->speed_x : s->bytes_per_second / 1e6;
}

static void draw_header(struct sb *b, const struct eng_tl_view *v)
{
	const imapi_timeline_summary *m = &v->sum;
	bool known = family_known(m->profile);
	sb_put(b, "<g id=\"title\" font-family=\"sans-serif\" fill=\"#222\">\n");
	sb_put(b, "<text x=\"20\" y=\"30\" font-size=\"18\" font-weight=\"bold\">Burn of ");
	if (m->profile)
		sb_printf(b, "a %s (profile %04Xh)", mcc_profile_name(m->profile), (unsigned)m->profile);
	else
		sb_put(b, "an unknown medium");
	if (v->label && *v->label) {
		sb_put(b, ": ");
		sb_text(b, v->label);
	}
	sb_put(b, "</text>\n<text id=\"subtitle\" x=\"20\" y=\"52\" font-size=\"13\">");
	double mb = (double)m->bytes / 1e6;
	sb_num(b, mb, mb < 10 ? 2 : 1);
	sb_printf(b, " MB (%lld sectors) in ", (long long)m->sectors);
	sb_num(b, m->seconds, m->seconds < 10 ? 2 : 1);
	sb_put(b, " s, writing ");
	sb_num(b, m->write_seconds, m->write_seconds < 10 ? 2 : 1);
	sb_put(b, " s  |  average ");
	if (known) {
		sb_num(b, m->average_x, 1);
		sb_put(b, "x, fastest ");
		sb_num(b, m->max_x, 1);
		sb_put(b, "x");
	} else {
		sb_num(b, m->average_bytes_per_second / 1e6, 1);
		sb_put(b, " MB/s");
	}
	sb_put(b, " (");
	sb_num(b, m->average_bytes_per_second / 1e6, 1);
	sb_printf(b, " MB/s)  |  %u section%s, %u event%s</text>\n", m->sections,
		  m->sections == 1 ? "" : "s", m->events + m->events_dropped,
		  m->events + m->events_dropped == 1 ? "" : "s");
	sb_put(b, "</g>\n");
}

static void draw_legend(struct sb *b, const struct eng_tl_view *v, bool drive_buffer)
{
	bool known = family_known(v->sum.profile);
	int x = 20;
	sb_put(b, "<g id=\"legend\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#222\">\n");
	sb_printf(b, "<path d=\"M%d,72 H%d\" stroke=\"#1f77b4\" stroke-width=\"2.5\"/>"
		  "<text x=\"%d\" y=\"76\">%s</text>\n", x, x + 22, x + 27,
		  known ? "speed (x)" : "speed (MB/s)");
	x += 120;
	sb_printf(b, "<path d=\"M%d,72 H%d\" stroke=\"#2ca02c\" stroke-width=\"2\"/>"
		  "<text x=\"%d\" y=\"76\">drive buffer (%%)%s</text>\n", x, x + 22, x + 27,
		  drive_buffer ? "" : ": not polled");
	x += drive_buffer ? 145 : 215;
	sb_printf(b, "<path d=\"M%d,72 H%d\" stroke=\"#999\" stroke-width=\"1.5\" "
		  "stroke-dasharray=\"4,3\"/><text x=\"%d\" y=\"76\">engine buffer (%%)</text>\n",
		  x, x + 22, x + 27);
	x += 150;
	/* The marker kinds that occur. */
	for (int k = 1; k < 16; k++) {
		if (!v->sum.by_kind[k])
			continue;
		struct kind_style st = kind_style((imapi_timeline_event_kind)k);
		if (!st.cls || x > W - 90)
			continue;
		sb_printf(b, "<path transform=\"translate(%d,72)\" d=\"%s\" fill=\"%s\" stroke=\"%s\"/>"
			  "<text x=\"%d\" y=\"76\">%s</text>\n", x + 6, st.shape, st.color, st.color,
			  x + 15, imapi_timeline_event_kind_name((imapi_timeline_event_kind)k));
		x += 24 + 7 * (int)strlen(imapi_timeline_event_kind_name((imapi_timeline_event_kind)k));
	}
	sb_put(b, "</g>\n");
}

static void draw_axes(struct sb *b, const struct eng_tl_view *v, const struct scale *sc)
{
	bool known = family_known(v->sum.profile);
	sb_put(b, "<g id=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n");
	for (double t = sc->tstep; t < sc->tmax * 0.9999; t += sc->tstep) {
		sb_put(b, "<path d=\"M");
		sb_num(b, px_t(sc, t), 1);
		sb_printf(b, ",%d V%d\"/>\n", Y0, Y1);
	}
	for (double s = sc->vstep; s < sc->vmax * 0.9999; s += sc->vstep) {
		sb_printf(b, "<path d=\"M%d,", X0);
		sb_num(b, px_v(sc, s), 1);
		sb_printf(b, " H%d\"/>\n", X1);
	}
	sb_put(b, "</g>\n");
	sb_printf(b, "<rect id=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
		  "stroke=\"#444\"/>\n", X0, Y0, X1 - X0, Y1 - Y0);

	int td = step_decimals(sc->tstep), vd = step_decimals(sc->vstep);
	sb_put(b, "<g id=\"axis-time\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#333\" "
		  "text-anchor=\"middle\">\n");
	for (double t = 0; t <= sc->tmax * 1.0001; t += sc->tstep) {
		sb_put(b, "<text x=\"");
		sb_num(b, px_t(sc, t), 1);
		sb_printf(b, "\" y=\"%d\">", Y1 + 16);
		sb_num(b, t, td);
		sb_put(b, "</text>\n");
	}
	sb_printf(b, "<text x=\"%d\" y=\"%d\" font-size=\"12\">time (s)</text>\n</g>\n",
		  (X0 + X1) / 2, Y1 + 34);

	sb_put(b, "<g id=\"axis-speed\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#1f77b4\" "
		  "text-anchor=\"end\">\n");
	for (double s = 0; s <= sc->vmax * 1.0001; s += sc->vstep) {
		sb_printf(b, "<text x=\"%d\" y=\"", X0 - 6);
		sb_num(b, px_v(sc, s) + 4, 1);
		sb_put(b, "\">");
		sb_num(b, s, vd);
		sb_put(b, known ? "x" : "");
		sb_put(b, "</text>\n");
	}
	sb_printf(b, "<text transform=\"translate(22,%d) rotate(-90)\" text-anchor=\"middle\" "
		  "font-size=\"12\">%s</text>\n</g>\n", (Y0 + Y1) / 2,
		  known ? "write speed (x of the medium)" : "write speed (MB/s)");

	sb_put(b, "<g id=\"axis-buffer\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#2ca02c\" "
		  "text-anchor=\"start\">\n");
	for (int p = 0; p <= 100; p += 20) {
		sb_printf(b, "<text x=\"%d\" y=\"", X1 + 6);
		sb_num(b, px_pct(p) + 4, 1);
		sb_printf(b, "\">%d%%</text>\n", p);
	}
	sb_printf(b, "<text transform=\"translate(%d,%d) rotate(90)\" text-anchor=\"middle\" "
		  "font-size=\"12\">buffer fill (%%)</text>\n</g>\n", W - 24, (Y0 + Y1) / 2);
}

/* Stage bands: from each STAGE event to the next (the last to the end), light in the
 * plot, named in the strip under it. */
static void draw_stages(struct sb *b, const struct eng_tl_view *v, const struct scale *sc)
{
	sb_put(b, "<g id=\"stages\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#333\">\n");
	int drawn = 0;
	for (uint32_t i = 0; i < v->nevents; i++) {
		const imapi_timeline_event *e = &v->events[i];
		if (e->kind != IMAPI_TIMELINE_EVENT_STAGE)
			continue;
		double end = sc->tmax;
		for (uint32_t j = i + 1; j < v->nevents; j++) {
			if (v->events[j].kind == IMAPI_TIMELINE_EVENT_STAGE) {
				end = v->events[j].seconds;
				break;
			}
		}
		double x = px_t(sc, e->seconds), w = px_t(sc, end) - x;
		if (w < 0.5)
			w = 0.5;
		const char *fill = STAGE_FILL[(unsigned)e->code % (sizeof(STAGE_FILL) / sizeof(STAGE_FILL[0]))];
		sb_put(b, "<g class=\"stage\"><title>");
		sb_text(b, e->text);
		sb_put(b, " from ");
		sb_num(b, e->seconds, 3);
		sb_put(b, " s to ");
		sb_num(b, end, 3);
		sb_put(b, " s</title>\n<rect x=\"");
		sb_num(b, x, 1);
		sb_printf(b, "\" y=\"%d\" width=\"", Y0);
		sb_num(b, w, 1);
		sb_printf(b, "\" height=\"%d\" fill=\"%s\" fill-opacity=\"0.35\"/>\n", Y1 - Y0, fill);
		sb_put(b, "<rect x=\"");
		sb_num(b, x, 1);
		sb_printf(b, "\" y=\"%d\" width=\"", STRIP_Y);
		sb_num(b, w, 1);
		sb_printf(b, "\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"/>\n", STRIP_H, fill);
		/* The name where it fits (about 6 px a character); the title says it anyway. */
		if (w >= 6.0 * (double)strlen(e->text) + 6) {
			sb_put(b, "<text x=\"");
			sb_num(b, x + 3, 1);
			sb_printf(b, "\" y=\"%d\">", STRIP_Y + 15);
			sb_text(b, e->text);
			sb_put(b, "</text>\n");
		}
		sb_put(b, "</g>\n");
		drawn++;
	}
	if (drawn)
		sb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">stages</text>\n",
			  X0 - 6, STRIP_Y + 15);
	sb_put(b, "</g>\n");
}

static void draw_curves(struct sb *b, const struct eng_tl_view *v, const struct scale *sc,
			bool drive_buffer)
{
	const imapi_timeline_sample *s = v->samples;
	uint32_t n = v->nsamples;

	/* Speed: steps, each sample's average held over its interval. */
	if (n >= 2) {
		struct sb d = { 0 };
		sb_put(&d, "M");
		sb_num(&d, px_t(sc, s[0].seconds), 1);
		sb_put(&d, ",");
		sb_num(&d, px_v(sc, 0), 1);
		for (uint32_t i = 1; i < n; i++) {
			sb_put(&d, " V");
			sb_num(&d, px_v(sc, speed_of(v, &s[i])), 1);
			sb_put(&d, " H");
			sb_num(&d, px_t(sc, s[i].seconds), 1);
		}
		if (!d.oom) {
			sb_put(b, "<path id=\"speed-area\" fill=\"#1f77b4\" fill-opacity=\"0.12\" d=\"");
			sb_put(b, d.p);
			sb_put(b, " V");
			sb_num(b, px_v(sc, 0), 1);
			sb_put(b, " Z\"/>\n<path id=\"speed\" fill=\"none\" stroke=\"#1f77b4\" "
				  "stroke-width=\"2.5\" stroke-linejoin=\"round\" d=\"");
			sb_put(b, d.p);
			sb_put(b, "\"/>\n");
		} else {
			b->oom = true;
		}
		free(d.p);
	}

	/* Buffers: lines through the samples that have a reading, broken between
	 * sections. */
	for (int which = 0; which < 2; which++) {
		if (which == 0 && !drive_buffer)
			continue;
		struct sb d = { 0 };
		bool pen = false;
		for (uint32_t i = 0; i < n; i++) {
			int32_t pct = which == 0 ? s[i].drive_buffer : s[i].system_buffer;
			if (s[i].flags & IMAPI_TIMELINE_SAMPLE_SECTION_START)
				pen = false;
			if (pct < 0)
				continue;
			sb_put(&d, pen ? " L" : " M");
			sb_num(&d, px_t(sc, s[i].seconds), 1);
			sb_put(&d, ",");
			sb_num(&d, px_pct(pct > 100 ? 100 : pct), 1);
			pen = true;
		}
		if (d.len && !d.oom) {
			if (which == 0)
				sb_put(b, "<path id=\"drive-buffer\" fill=\"none\" stroke=\"#2ca02c\" "
					  "stroke-width=\"2\" d=\"");
			else
				sb_put(b, "<path id=\"system-buffer\" fill=\"none\" stroke=\"#999\" "
					  "stroke-width=\"1.5\" stroke-dasharray=\"4,3\" d=\"");
			sb_put(b, d.p + 1);
			sb_put(b, "\"/>\n");
		}
		if (d.oom)
			b->oom = true;
		free(d.p);
	}
}

/* One marker per event (stages and sections are bands); an event of a kind within
 * MARKER_MERGE_PX of the last marker of that kind is counted in it. */
struct marker {
	const imapi_timeline_event *e;
	double x;
	uint32_t count;
};

static uint32_t draw_markers(struct sb *b, const struct eng_tl_view *v, const struct scale *sc)
{
	struct marker *mk = malloc((v->nevents ? v->nevents : 1) * sizeof(*mk));
	if (!mk) {
		b->oom = true;
		return 0;
	}
	int32_t last[16];
	for (int k = 0; k < 16; k++)
		last[k] = -1;
	uint32_t n = 0;
	for (uint32_t i = 0; i < v->nevents; i++) {
		const imapi_timeline_event *e = &v->events[i];
		if ((unsigned)e->kind >= 16 || !kind_style(e->kind).cls)
			continue;
		double x = px_t(sc, e->seconds);
		int32_t l = last[e->kind];
		if (l >= 0 && x - mk[l].x < MARKER_MERGE_PX) {
			mk[l].count += e->count;
			continue;
		}
		mk[n] = (struct marker){ e, x, e->count };
		last[e->kind] = (int32_t)n++;
	}

	uint32_t drawn = n < MARKERS_MAX ? n : MARKERS_MAX;
	sb_put(b, "<g id=\"events\" font-family=\"sans-serif\" font-size=\"11\">\n");
	for (uint32_t i = 0; i < drawn; i++) {
		const imapi_timeline_event *e = mk[i].e;
		struct kind_style st = kind_style(e->kind);
		double x = mk[i].x;
		char label[128];
		marker_label(e, mk[i].count, label, sizeof(label));
		double y = Y0 + 14 + 16 * (double)(i % LABEL_ROWS);
		sb_printf(b, "<g class=\"event %s\" fill=\"%s\" stroke=\"%s\"><title>", st.cls,
			  st.color, st.color);
		sb_num(b, e->seconds, 3);
		sb_printf(b, " s, LBA %d: %s", (int)e->lba, imapi_timeline_event_kind_name(e->kind));
		if (mk[i].count > 1)
			sb_printf(b, " (%u times)", mk[i].count);
		if (e->text[0]) {
			sb_put(b, ": ");
			sb_text(b, e->text);
		}
		sb_put(b, "</title>\n<path d=\"M");
		sb_num(b, x, 1);
		sb_printf(b, ",%d V%d\" stroke-dasharray=\"3,3\" fill=\"none\"/>\n", Y0, Y1);
		sb_put(b, "<path transform=\"translate(");
		sb_num(b, x, 1);
		sb_put(b, ",");
		sb_num(b, y, 1);
		sb_printf(b, ")\" d=\"%s\" stroke-width=\"1.5\"/>\n", st.shape);
		/* The label right of the marker, or left of it near the right edge. */
		bool left_side = x > X1 - 7.0 * (double)strlen(label) - 12;
		sb_put(b, "<text stroke=\"none\" x=\"");
		sb_num(b, left_side ? x - 9 : x + 9, 1);
		sb_put(b, "\" y=\"");
		sb_num(b, y + 4, 1);
		sb_printf(b, "\"%s>", left_side ? " text-anchor=\"end\"" : "");
		sb_text(b, label);
		sb_put(b, "</text>\n</g>\n");
	}
	sb_put(b, "</g>\n");
	free(mk);
	return n - drawn;
}

char *eng_tl_svg(const struct eng_tl_view *v, size_t *len)
{
	struct sb b = { 0 };
	struct scale sc;
	const imapi_timeline_sample *s = v->samples;

	/* Scales: the whole timeline across, the fastest sample up (a tenth of room). */
	sc.tmax = v->sum.seconds;
	if (v->nsamples && s[v->nsamples - 1].seconds > sc.tmax)
		sc.tmax = s[v->nsamples - 1].seconds;
	if (!(sc.tmax > 0))
		sc.tmax = 1;
	sc.tstep = nice_step(sc.tmax, 10);
	double vtop = 0;
	bool drive_buffer = false;
	for (uint32_t i = 0; i < v->nsamples; i++) {
		double sp = speed_of(v, &s[i]);
		if (sp > vtop)
			vtop = sp;
		if (s[i].drive_buffer >= 0)
			drive_buffer = true;
	}
	if (!(vtop > 0))
		vtop = 1;
	sc.vstep = nice_step(vtop * 1.1, 6);
	sc.vmax = sc.vstep;
	while (sc.vmax < vtop * 1.1)
		sc.vmax += sc.vstep;

	sb_put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		   "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
		   "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n");
	sb_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
		  "height=\"%d\" viewBox=\"0 0 %d %d\">\n", W, H, W, H);
	sb_put(&b, "<title>");
	sb_text(&b, "burn timeline");
	if (v->label && *v->label) {
		sb_put(&b, ": ");
		sb_text(&b, v->label);
	}
	sb_put(&b, "</title>\n<desc>Write speed and buffer fill over time, with the stages and "
		   "events of the burn, recorded by libwriteengine (doc/engine.md section 12).</desc>\n");
	sb_printf(&b, "<rect id=\"background\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", W, H);
	draw_header(&b, v);
	draw_legend(&b, v, drive_buffer);
	draw_stages(&b, v, &sc);
	draw_axes(&b, v, &sc);
	draw_curves(&b, v, &sc, drive_buffer);
	uint32_t left = draw_markers(&b, v, &sc);

	sb_printf(&b, "<text id=\"footer\" x=\"20\" y=\"%d\" font-family=\"sans-serif\" "
		  "font-size=\"10\" fill=\"#777\">%u samples (spacing ", H - 12, v->sum.samples);
	sb_num(&b, v->sum.spacing_seconds, 3);
	sb_printf(&b, " s, thinned %u times), %u events kept", v->sum.thinnings, v->sum.events);
	if (v->sum.events_dropped)
		sb_printf(&b, ", %u not kept", v->sum.events_dropped);
	if (left)
		sb_printf(&b, ", %u markers not drawn", left);
	sb_put(&b, "; drawn by libwriteengine</text>\n</svg>\n");

	if (b.oom) {
		free(b.p);
		return NULL;
	}
	if (len)
		*len = b.len;
	return b.p;
}
