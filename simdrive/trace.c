/* simdrive/trace.c - see trace.h.  The line format is documented key by key in
 * doc/simdrive-trace.md; keep the two in step. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "trace.h"

struct sim_trace {
	FILE    *f;
	uint64_t seq;
};

struct sim_trace *sim_trace_open(const char *path, char *err, size_t errlen)
{
	struct sim_trace *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "trace %s: out of memory", path);
		return NULL;
	}
	t->f = fopen(path, "we");
	if (!t->f) {
		snprintf(err, errlen, "trace %s: %s", path, strerror(errno));
		free(t);
		return NULL;
	}
	/* One write(2) per line: a killed daemon loses no completed command. */
	setvbuf(t->f, NULL, _IOLBF, 4096);
	return t;
}

void sim_trace_close(struct sim_trace *t)
{
	if (!t)
		return;
	fclose(t->f);
	free(t);
}

const char *sim_status_str(uint8_t status)
{
	switch (status) {
	case SIM_STATUS_GOOD:                 return "GOOD";
	case SIM_STATUS_CHECK_CONDITION:      return "CHECK CONDITION";
	case SIM_STATUS_BUSY:                 return "BUSY";
	case SIM_STATUS_RESERVATION_CONFLICT: return "RESERVATION CONFLICT";
	case SIM_STATUS_TASK_SET_FULL:        return "TASK SET FULL";
	case SIM_STATUS_TASK_ABORTED:         return "TASK ABORTED";
	default:                              return "UNKNOWN STATUS";
	}
}

/* An output cursor that never overruns and counts what would have been written. */
struct out {
	char  *p;
	size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->len < o->cap ? o->p + o->len : NULL,
			  o->len < o->cap ? o->cap - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* A JSON string (common/json.h). */
static void put_str(struct out *o, const char *s)
{
	o->len += sim_json_str(o->len < o->cap ? o->p + o->len : NULL,
			       o->len < o->cap ? o->cap - o->len : 0, s);
}

int sim_trace_format(const struct sim_trace_rec *r, char *buf, size_t cap)
{
	struct out o = { .p = buf, .cap = cap };
	static const char *const dirs[4] = { "none", "in", "out", "bidi" };

	if (cap)
		buf[0] = 0;
	put(&o, "{\"seq\":%" PRIu64 ",\"vtime_us\":%" PRIu64 ",\"wall_us\":%" PRIu64,
	    r->seq, r->vtime_us, r->wall_us);
	if (r->target) {
		put(&o, ",\"target\":");
		put_str(&o, r->target);
	}
	put(&o, ",\"nexus\":%" PRIu64 ",\"lun\":%u,\"cdb\":\"", r->nexus, r->lun);
	for (uint8_t i = 0; i < r->cdb_len; i++)
		put(&o, "%02x", r->cdb[i]);
	put(&o, "\",\"op\":");
	put_str(&o, r->op ? r->op : "UNKNOWN");
	put(&o, ",\"dir\":\"%s\",\"edtl\":%" PRIu32 ",\"data_out\":%" PRIu32,
	    dirs[(r->dir_in ? 1 : 0) | (r->dir_out ? 2 : 0)], r->edtl, r->data_out);
	if (r->executed)
		put(&o, ",\"spdtl\":%" PRIu32 ",\"data_in\":%" PRIu32 ",\"residual\":%" PRId64
			",\"status\":\"%s\"", r->spdtl, r->data_in, (int64_t)r->edtl - (int64_t)r->spdtl,
		    sim_status_str(r->status));
	else
		put(&o, ",\"spdtl\":null,\"data_in\":0,\"residual\":null,\"status\":null");
	if (r->has_sense) {
		put(&o, ",\"sense\":\"%X/%02X/%02X\",\"sense_key\":", r->sense.key, r->sense.asc,
		    r->sense.ascq);
		put_str(&o, sim_sense_key_str(r->sense.key));
		put(&o, ",\"sense_asc\":");
		put_str(&o, sim_sense_asc_str(r->sense.asc, r->sense.ascq));
	} else {
		put(&o, ",\"sense\":null,\"sense_key\":null,\"sense_asc\":null");
	}
	put(&o, ",\"deferred\":%s,\"fault\":", r->deferred ? "true" : "false");
	if (r->fault_id) {
		put(&o, "{\"id\":%u,\"kind\":", r->fault_id);
		put_str(&o, r->fault_kind ? r->fault_kind : "?");
		put(&o, "}");
	} else {
		put(&o, "null");
	}
	put(&o, ",\"dropped\":%s}\n", r->dropped ? "true" : "false");
	return (int)o.len;
}

void sim_trace_observe(void *arg, struct sim_trace_rec *r)
{
	struct sim_trace *t = arg;
	char line[1024];

	if (!t)
		return;
	r->seq = ++t->seq;
	int n = sim_trace_format(r, line, sizeof(line));
	if (n < 0)
		return;
	if ((size_t)n < sizeof(line)) {
		fputs(line, t->f);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big)
		return;
	sim_trace_format(r, big, (size_t)n + 1);
	fputs(big, t->f);
	free(big);
}

void sim_trace_observe_tap(void *arg, struct sim_trace_rec *r)
{
	const struct sim_trace_tap *tap = arg;

	r->target = tap->target;
	sim_trace_observe(tap->trace, r);
}
