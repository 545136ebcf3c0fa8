/* common/log.c - logging to stderr or sim_log_stream (see log.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"

enum sim_log_level sim_log_level = SIM_LOG_INFO;
uint32_t sim_log_mask = SIM_LOGS_ALL;
FILE *sim_log_stream;

static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };

static const char *sub_name(enum sim_log_sub sub)
{
	switch (sub) {
	case SIM_LOGS_MAIN:  return "main";
	case SIM_LOGS_NET:   return "net";
	case SIM_LOGS_ISCSI: return "iscsi";
	case SIM_LOGS_SCSI:  return "scsi";
	default:             return "-";
	}
}

int sim_log_parse_level(const char *s, enum sim_log_level *out)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0 || (s[0] == (char)('0' + i) && s[1] == 0)) {
			*out = (enum sim_log_level)i;
			return 0;
		}
	}
	return -1;
}

void sim_log_write(enum sim_log_level lvl, enum sim_log_sub sub, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	FILE *f = sim_log_stream ? sim_log_stream : stderr;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* One fprintf per part; stderr is unbuffered, so lock to keep a line whole. */
	flockfile(f);
	fprintf(f, "simdrive %5ld.%03ld %-5s %-5s ", (long)ts.tv_sec,
		ts.tv_nsec / 1000000, level_names[lvl], sub_name(sub));
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	funlockfile(f);
}

void sim_log_hex(enum sim_log_level lvl, enum sim_log_sub sub, const char *title,
		 const uint8_t *p, size_t len)
{
	if (lvl > sim_log_level || !(sub & sim_log_mask))
		return;
	sim_log_write(lvl, sub, "%s (%zu bytes)", title, len);
	for (size_t off = 0; off < len; off += 16) {
		char line[16 * 3 + 1];
		size_t n = len - off < 16 ? len - off : 16;
		for (size_t i = 0; i < n; i++)
			snprintf(line + 3 * i, 4, " %02x", p[off + i]);
		sim_log_write(lvl, sub, "  %04zx:%s", off, line);
	}
}
