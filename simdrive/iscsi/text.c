/* simdrive/iscsi/text.c - iSCSI text key=value data (RFC 7143 §6.1).
 *
 * The parser walks the buffer with explicit lengths: a pair ends at the first NUL
 * found by memchr() within the remaining bytes, never at a NUL assumed to exist.
 * Binary values (CHAP) are decoded with nettle's base16/base64 decoders after the
 * characters have been checked here, because nettle skips whitespace silently. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base16.h>
#include <nettle/base64.h>

#include "text.h"

/* CHAP_C and CHAP_R carry binary values that may be longer than ordinary values. */
static bool sim_text_is_binary_key(const uint8_t *k, size_t klen)
{
	return klen == 6 && (memcmp(k, "CHAP_C", 6) == 0 || memcmp(k, "CHAP_R", 6) == 0);
}

/* Key characters: printable ASCII except '=' (RFC 7143 §6.1 allows letters, digits,
 * '.', '-', '+', '@', '_' and private-key prefixes such as "X#"; being a little wider
 * only means more keys end up NotUnderstood instead of failing the parse). */
static bool sim_text_key_byte_ok(uint8_t c)
{
	return c > 0x20 && c < 0x7f && c != '=';
}

/* Value characters: anything but control bytes (UTF-8 is allowed in names). */
static bool sim_text_value_byte_ok(uint8_t c)
{
	return c >= 0x20 && c != 0x7f;
}

static char *sim_text_strndup(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static int sim_kvlist_push(struct sim_kvlist *l, char *key, char *value)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		struct sim_kv *nv = realloc(l->v, ncap * sizeof(*nv));
		if (!nv)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n].key = key;
	l->v[l->n].value = value;
	l->n++;
	return 0;
}

int sim_text_parse(const uint8_t *buf, size_t len, struct sim_kvlist *out, const char **why)
{
	static const char *dummy;
	size_t pos = 0;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (len && !buf) {
		*why = "no buffer";
		return -1;
	}
	while (pos < len) {
		const uint8_t *p = buf + pos;
		const uint8_t *end = memchr(p, 0, len - pos);
		if (!end) {
			*why = "last pair not NUL-terminated";
			return -1;
		}
		size_t n = (size_t)(end - p);
		if (n == 0) {
			/* An empty entry (a run of NULs, e.g. padding an initiator left in
			 * the text) carries nothing; skip it rather than fail. */
			pos++;
			continue;
		}
		const uint8_t *eq = memchr(p, '=', n);
		if (!eq) {
			*why = "pair without '='";
			return -1;
		}
		size_t klen = (size_t)(eq - p), vlen = n - klen - 1;
		if (klen == 0) {
			*why = "empty key";
			return -1;
		}
		if (klen > SIM_TEXT_KEY_MAX) {
			*why = "key too long";
			return -1;
		}
		size_t vmax = sim_text_is_binary_key(p, klen) ? SIM_TEXT_BINVALUE_MAX : SIM_TEXT_VALUE_MAX;
		if (vlen > vmax) {
			*why = "value too long";
			return -1;
		}
		for (size_t i = 0; i < klen; i++) {
			if (!sim_text_key_byte_ok(p[i])) {
				*why = "bad byte in key";
				return -1;
			}
		}
		for (size_t i = 0; i < vlen; i++) {
			if (!sim_text_value_byte_ok(eq[1 + i])) {
				*why = "bad byte in value";
				return -1;
			}
		}
		if (out->n >= SIM_TEXT_PAIRS_MAX) {
			*why = "too many pairs";
			return -1;
		}
		char *k = sim_text_strndup(p, klen);
		char *v = sim_text_strndup(eq + 1, vlen);
		if (!k || !v || sim_kvlist_push(out, k, v) != 0) {
			free(k);
			free(v);
			*why = "out of memory";
			return -1;
		}
		pos += n + 1;
	}
	return 0;
}

void sim_kvlist_free(struct sim_kvlist *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

const char *sim_kvlist_get(const struct sim_kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].value;
	return NULL;
}

static int sim_textbuf_reserve(struct sim_textbuf *b, size_t more)
{
	if (more > SIZE_MAX - b->len)
		return -1;
	size_t need = b->len + more;
	if (need <= b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	uint8_t *np = realloc(b->p, ncap);
	if (!np)
		return -1;
	b->p = np;
	b->cap = ncap;
	return 0;
}

int sim_text_add(struct sim_textbuf *b, const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value);
	if (sim_textbuf_reserve(b, kl + vl + 2) != 0)
		return -1;
	memcpy(b->p + b->len, key, kl);
	b->p[b->len + kl] = '=';
	memcpy(b->p + b->len + kl + 1, value, vl);
	b->p[b->len + kl + 1 + vl] = '\0';
	b->len += kl + vl + 2;
	return 0;
}

int sim_text_addf(struct sim_textbuf *b, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	char *v = malloc((size_t)n + 1);
	if (!v)
		return -1;
	va_start(ap, fmt);
	vsnprintf(v, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int rc = sim_text_add(b, key, v);
	free(v);
	return rc;
}

int sim_textbuf_append(struct sim_textbuf *b, const uint8_t *p, size_t n)
{
	if (n == 0)
		return 0;
	if (sim_textbuf_reserve(b, n) != 0)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

void sim_textbuf_free(struct sim_textbuf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static int sim_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sim_text_number(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (!v || !*v)
		return -1;
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		const char *p = v + 2;
		if (!*p)
			return -1;
		for (; *p; p++) {
			int d = sim_hexval(*p);
			if (d < 0 || x > (UINT64_MAX >> 4))
				return -1;
			x = x << 4 | (uint64_t)d;
		}
	} else {
		for (const char *p = v; *p; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			uint64_t d = (uint64_t)(*p - '0');
			if (x > (UINT64_MAX - d) / 10)
				return -1;
			x = x * 10 + d;
		}
	}
	if (x < min || x > max)
		return -1;
	if (out)
		*out = x;
	return 0;
}

int sim_text_bool(const char *v, bool *out)
{
	bool b;
	if (!v)
		return -1;
	if (strcmp(v, "Yes") == 0)
		b = true;
	else if (strcmp(v, "No") == 0)
		b = false;
	else
		return -1;
	if (out)
		*out = b;
	return 0;
}

static bool sim_b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* Decoded length of a strict hex string, or -1. */
static long sim_hex_check(const char *s, size_t n)
{
	if (n == 0 || n % 2)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (sim_hexval(s[i]) < 0)
			return -1;
	return (long)(n / 2);
}

/* Decoded length of canonical padded base64 (RFC 4648 §4), or -1. */
static long sim_b64_check(const char *s, size_t n)
{
	size_t pad = 0;
	if (n == 0 || n % 4)
		return -1;
	if (s[n - 1] == '=')
		pad++;
	if (pad && s[n - 2] == '=')
		pad++;
	for (size_t i = 0; i < n - pad; i++)
		if (!sim_b64_char(s[i]))
			return -1;
	return (long)(n / 4 * 3 - pad);
}

int sim_text_binary(const char *v, uint8_t *out, size_t cap)
{
	uint8_t tmp[BASE64_DECODE_LENGTH(SIM_TEXT_BINVALUE_MAX) + 1];
	size_t dlen = 0;

	if (!v)
		return -1;
	size_t n = strnlen(v, SIM_TEXT_BINVALUE_MAX + 1);
	if (n < 2 || n > SIM_TEXT_BINVALUE_MAX || v[0] != '0')
		return -1;
	const char *s = v + 2;
	size_t sn = n - 2;
	long want;
	int ok;

	if (v[1] == 'x' || v[1] == 'X') {
		struct base16_decode_ctx ctx;
		want = sim_hex_check(s, sn);
		if (want < 0 || (size_t)want > cap)
			return -1;
		base16_decode_init(&ctx);
		ok = base16_decode_update(&ctx, &dlen, tmp, sn, s) && base16_decode_final(&ctx);
	} else if (v[1] == 'b' || v[1] == 'B') {
		struct base64_decode_ctx ctx;
		want = sim_b64_check(s, sn);
		if (want < 0 || (size_t)want > cap)
			return -1;
		base64_decode_init(&ctx);
		ok = base64_decode_update(&ctx, &dlen, tmp, sn, s) && base64_decode_final(&ctx);
	} else {
		return -1;
	}
	if (!ok || dlen != (size_t)want || dlen > cap)
		return -1;
	if (dlen)
		memcpy(out, tmp, dlen);
	return (int)dlen;
}
