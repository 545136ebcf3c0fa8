/* common/json.h - JSON strings (RFC 8259 §7) for the simulator side's JSON output: the
 * command trace (simdrive/trace.c) and `disclog --json` (disclog/main.c).  Quotation
 * mark and backslash are escaped, control characters written as \u00XX, every other
 * byte as it is (the strings are ASCII or UTF-8 already).  The engine side has its own
 * (mmcclient's mcc_json_str): the two sides share no code. */
#ifndef SIM_JSON_H
#define SIM_JSON_H

#include <stddef.h>
#include <stdio.h>

/* s as a JSON string with its quotes into buf (cap bytes, NUL-terminated when cap > 0),
 * as snprintf does: returns the length of the whole string, which was cut when it is
 * cap or more. */
size_t sim_json_str(char *buf, size_t cap, const char *s);
/* The same onto a stream. */
void sim_json_fputs(FILE *f, const char *s);

#endif
