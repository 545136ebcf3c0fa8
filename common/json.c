/* common/json.c - see json.h. */
#include "json.h"

/* One character of a JSON string into e: its length there. */
static size_t escape(unsigned char ch, char e[7])
{
	if (ch == '"' || ch == '\\') {
		e[0] = '\\';
		e[1] = (char)ch;
		return 2;
	}
	if (ch < 0x20)
		return (size_t)snprintf(e, 7, "\\u%04x", ch);
	e[0] = (char)ch;
	return 1;
}

size_t sim_json_str(char *buf, size_t cap, const char *s)
{
	size_t n = 0;
	char e[7];
#define PUT(c) do { if (n + 1 < cap) buf[n] = (c); n++; } while (0)
	PUT('"');
	for (; *s; s++) {
		size_t k = escape((unsigned char)*s, e);
		for (size_t i = 0; i < k; i++)
			PUT(e[i]);
	}
	PUT('"');
#undef PUT
	if (cap)
		buf[n < cap ? n : cap - 1] = 0;
	return n;
}

void sim_json_fputs(FILE *f, const char *s)
{
	char e[7];
	fputc('"', f);
	for (; *s; s++)
		fwrite(e, 1, escape((unsigned char)*s, e), f);
	fputc('"', f);
}
