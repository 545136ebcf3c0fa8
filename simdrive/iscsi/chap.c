/* simdrive/iscsi/chap.c - CHAP digests, challenges and checks (see chap.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <nettle/sha3.h>

#include "chap.h"
#include "text.h"

/* One row per algorithm: CHAP_A number, digest length, name.  The digest itself is a
 * switch below because nettle's contexts differ in type. */
static const struct sim_chap_alg_row {
	unsigned    alg;
	size_t      len;
	const char *name;
} sim_chap_algs[] = {
	{ SIM_CHAP_MD5,      MD5_DIGEST_SIZE,      "MD5" },
	{ SIM_CHAP_SHA1,     SHA1_DIGEST_SIZE,     "SHA-1" },
	{ SIM_CHAP_SHA256,   SHA256_DIGEST_SIZE,   "SHA-256" },
	{ SIM_CHAP_SHA3_256, SHA3_256_DIGEST_SIZE, "SHA3-256" },
};

static const struct sim_chap_alg_row *sim_chap_row(unsigned alg)
{
	for (size_t i = 0; i < sizeof(sim_chap_algs) / sizeof(sim_chap_algs[0]); i++)
		if (sim_chap_algs[i].alg == alg)
			return &sim_chap_algs[i];
	return NULL;
}

size_t sim_chap_digest_len(unsigned alg)
{
	const struct sim_chap_alg_row *r = sim_chap_row(alg);
	return r ? r->len : 0;
}

const char *sim_chap_alg_str(unsigned alg)
{
	const struct sim_chap_alg_row *r = sim_chap_row(alg);
	return r ? r->name : "?";
}

int sim_chap_select_alg(const char *list, enum sim_chap_alg *out)
{
	if (!list)
		return -1;
	const char *p = list;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char item[16];
		uint64_t v;
		if (n > 0 && n < sizeof(item)) {
			memcpy(item, p, n);
			item[n] = '\0';
			if (sim_text_number(item, 0, 255, &v) == 0 && sim_chap_row((unsigned)v)) {
				*out = (enum sim_chap_alg)v;
				return 0;
			}
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return -1;
}

static int sim_chap_getrandom(uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = getrandom(buf, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int sim_chap_challenge_new(struct sim_chap_challenge *ch, enum sim_chap_alg alg,
			   sim_chap_random_fn rnd, void *rnd_arg)
{
	size_t dl = sim_chap_digest_len(alg);
	uint8_t buf[1 + SIM_CHAP_DIGEST_MAX];

	if (!dl)
		return -1;
	size_t len = dl > SIM_CHAP_CHALLENGE_MIN ? dl : SIM_CHAP_CHALLENGE_MIN;
	if (rnd)
		rnd(rnd_arg, buf, 1 + len);
	else if (sim_chap_getrandom(buf, 1 + len) != 0)
		return -1;
	ch->alg = alg;
	ch->id = buf[0];
	memcpy(ch->c, buf + 1, len);
	ch->len = len;
	return 0;
}

int sim_chap_response(enum sim_chap_alg alg, uint8_t id, const char *secret,
		      const uint8_t *chal, size_t chal_len, uint8_t *out)
{
	size_t sl = strlen(secret);

	switch (alg) {
	case SIM_CHAP_MD5: {
		struct md5_ctx c;
		md5_init(&c);
		md5_update(&c, 1, &id);
		md5_update(&c, sl, (const uint8_t *)secret);
		md5_update(&c, chal_len, chal);
		md5_digest(&c, MD5_DIGEST_SIZE, out);
		return MD5_DIGEST_SIZE;
	}
	case SIM_CHAP_SHA1: {
		struct sha1_ctx c;
		sha1_init(&c);
		sha1_update(&c, 1, &id);
		sha1_update(&c, sl, (const uint8_t *)secret);
		sha1_update(&c, chal_len, chal);
		sha1_digest(&c, SHA1_DIGEST_SIZE, out);
		return SHA1_DIGEST_SIZE;
	}
	case SIM_CHAP_SHA256: {
		struct sha256_ctx c;
		sha256_init(&c);
		sha256_update(&c, 1, &id);
		sha256_update(&c, sl, (const uint8_t *)secret);
		sha256_update(&c, chal_len, chal);
		sha256_digest(&c, SHA256_DIGEST_SIZE, out);
		return SHA256_DIGEST_SIZE;
	}
	case SIM_CHAP_SHA3_256: {
		struct sha3_256_ctx c;
		sha3_256_init(&c);
		sha3_256_update(&c, 1, &id);
		sha3_256_update(&c, sl, (const uint8_t *)secret);
		sha3_256_update(&c, chal_len, chal);
		sha3_256_digest(&c, SHA3_256_DIGEST_SIZE, out);
		return SHA3_256_DIGEST_SIZE;
	}
	}
	return -1;
}

bool sim_chap_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	volatile uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= (uint8_t)(a[i] ^ b[i]);
	return acc == 0;
}

int sim_chap_verify(const struct sim_chap_challenge *ch, const char *secret, const char *chap_r)
{
	uint8_t got[SIM_CHAP_DIGEST_MAX], want[SIM_CHAP_DIGEST_MAX];
	size_t dl = sim_chap_digest_len(ch->alg);

	if (!dl || !secret || !chap_r)
		return -1;
	/* Decoding into exactly dl bytes of room makes any longer value fail. */
	int n = sim_text_binary(chap_r, got, dl);
	if (n < 0 || (size_t)n != dl)
		return -1;
	if (sim_chap_response(ch->alg, ch->id, secret, ch->c, ch->len, want) != (int)dl)
		return -1;
	bool ok = sim_chap_equal(got, want, dl);
	memset(want, 0, sizeof(want));
	return ok ? 0 : -1;
}

bool sim_chap_is_reflection(const struct sim_chap_challenge *ch, const uint8_t *ic, size_t ic_len)
{
	return ic_len == ch->len && memcmp(ic, ch->c, ic_len) == 0;
}

int sim_chap_hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	if (cap < 2 * n + 3)
		return -1;
	out[0] = '0';
	out[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		out[2 + 2 * i] = digits[p[i] >> 4];
		out[3 + 2 * i] = digits[p[i] & 15];
	}
	out[2 + 2 * n] = '\0';
	return 0;
}
