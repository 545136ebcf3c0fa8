/* harness/errbuf.h - the harness's one way of writing an error message into a
 * caller's buffer (the guest and input modules return errors as text). */
#ifndef HRN_ERRBUF_H
#define HRN_ERRBUF_H

#include <stdarg.h>
#include <stdio.h>

static inline void hrn_errf(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline void hrn_errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

#endif
