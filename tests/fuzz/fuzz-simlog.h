/* tests/fuzz/fuzz-simlog.h - simdrive's targets log every level into /dev/null: the
 * log lines format fields the input chose (names of opcodes, reasons, keys), so they
 * are code under test too; stderr stays libFuzzer's. */
#ifndef FUZZ_SIMLOG_H
#define FUZZ_SIMLOG_H

#include <stdio.h>

#include "log.h"

static inline void fuzz_simlog_to_null(void)
{
	sim_log_stream = fopen("/dev/null", "w");
	sim_log_level = SIM_LOG_TRACE;
	sim_log_mask = sim_log_stream ? SIM_LOGS_ALL : 0;
}

#endif
