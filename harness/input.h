/* harness/input.h - the files a scenario makes on the host for a guest (`input` lines,
 * doc/harness.md section 4): a copy, an ISO 9660 image of a directory, a WAV tone, or
 * bytes of a data source. */
#ifndef HRN_INPUT_H
#define HRN_INPUT_H

#include <stddef.h>

#include "scenario.h"

/* Make the file of one `input` step in dir.  Returns 0, or -1 with the reason in err. */
int hrn_input_make(const struct hrn_scenario *s, const struct hrn_step *st, const char *dir, char *err,
		   size_t errlen);

#endif
