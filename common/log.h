/* common/log.h - one logging macro for the daemon.
 *
 * Messages go to stderr (or sim_log_stream), one line each, prefixed with level and
 * subsystem.  The level
 * is checked before anything is formatted; subsystems can be masked individually so a
 * test can ask for PDU dumps without the SCSI noise. */
#ifndef SIM_LOG_H
#define SIM_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum sim_log_level { SIM_LOG_ERROR = 0, SIM_LOG_WARN, SIM_LOG_INFO, SIM_LOG_DEBUG, SIM_LOG_TRACE };

enum sim_log_sub {
	SIM_LOGS_MAIN  = 1u << 0,	/* start-up, signals, configuration */
	SIM_LOGS_NET   = 1u << 1,	/* sockets, event loop */
	SIM_LOGS_ISCSI = 1u << 2,	/* PDUs, login, sessions */
	SIM_LOGS_SCSI  = 1u << 3,	/* commands, sense */
	SIM_LOGS_ALL   = 0xffffffffu
};

extern enum sim_log_level sim_log_level;
extern uint32_t sim_log_mask;
/* Where lines go; NULL (the default) is stderr.  The fuzz targets log everything into
 * /dev/null so the formatting of hostile fields runs too (doc/fuzzing.md). */
extern FILE *sim_log_stream;

/* Parse "error|warn|info|debug|trace" (or 0..4); returns 0, or -1 if unknown. */
int sim_log_parse_level(const char *s, enum sim_log_level *out);

void sim_log_write(enum sim_log_level lvl, enum sim_log_sub sub, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Hex dump of len bytes, 16 per line, under the given title (debug level and up). */
void sim_log_hex(enum sim_log_level lvl, enum sim_log_sub sub, const char *title,
		 const uint8_t *p, size_t len);

#define SIM_LOG(lvl, sub, ...)                                                    \
	do {                                                                      \
		if ((lvl) <= sim_log_level && ((sub) & sim_log_mask))             \
			sim_log_write((lvl), (sub), __VA_ARGS__);                 \
	} while (0)

#define SIM_ERR(sub, ...)   SIM_LOG(SIM_LOG_ERROR, sub, __VA_ARGS__)
#define SIM_WARN(sub, ...)  SIM_LOG(SIM_LOG_WARN, sub, __VA_ARGS__)
#define SIM_INFO(sub, ...)  SIM_LOG(SIM_LOG_INFO, sub, __VA_ARGS__)
#define SIM_DEBUG(sub, ...) SIM_LOG(SIM_LOG_DEBUG, sub, __VA_ARGS__)

#endif
