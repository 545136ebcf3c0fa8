/* simdrive/iscsi/text.h - iSCSI text key=value data (RFC 7143 §6.1, §6.2).
 *
 * Text data is a sequence of "key=value\0" pairs.  Keys are case-sensitive and at
 * most 63 bytes; values at most 255 bytes, except CHAP binary values (8192).  Parsing
 * never reads past the given length and never trusts a NUL to be present. */
#ifndef SIM_TEXT_H
#define SIM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_TEXT_KEY_MAX      63
#define SIM_TEXT_VALUE_MAX    255
#define SIM_TEXT_BINVALUE_MAX 8192	/* CHAP_C / CHAP_R in hex or base64 */
#define SIM_TEXT_PAIRS_MAX    128	/* more pairs in one request is hostile */

struct sim_kv {
	char *key;
	char *value;
};

/* An owned list of pairs. */
struct sim_kvlist {
	struct sim_kv *v;
	size_t n, cap;
};

/* A growable output buffer for text data. */
struct sim_textbuf {
	uint8_t *p;
	size_t len, cap;
};

/* Parse len bytes of text data into out (appending).  A final pair without its NUL is
 * rejected.  Returns 0, or -1 with a static reason in
 * *why (missing '=', empty key, key or value too long, too many pairs, bad byte). */
int sim_text_parse(const uint8_t *buf, size_t len, struct sim_kvlist *out, const char **why);
void sim_kvlist_free(struct sim_kvlist *l);
/* First value for key, or NULL. */
const char *sim_kvlist_get(const struct sim_kvlist *l, const char *key);

/* Append "key=value\0".  Returns 0 or -1 (out of memory). */
int sim_text_add(struct sim_textbuf *b, const char *key, const char *value);
int sim_text_addf(struct sim_textbuf *b, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sim_textbuf_free(struct sim_textbuf *b);
/* Append n raw bytes.  Returns 0 or -1 (out of memory). */
int sim_textbuf_append(struct sim_textbuf *b, const uint8_t *p, size_t n);

/* Value syntax (RFC 7143 §6.1): decimal or 0x-hex number within [min,max]; returns 0
 * or -1. */
int sim_text_number(const char *v, uint64_t min, uint64_t max, uint64_t *out);
/* "Yes" / "No" exactly; returns 0 or -1. */
int sim_text_bool(const char *v, bool *out);
/* Binary value: 0x/0X hex or 0b/0B base64; returns decoded length or -1.  Writes at
 * most cap bytes. */
int sim_text_binary(const char *v, uint8_t *out, size_t cap);

#endif
