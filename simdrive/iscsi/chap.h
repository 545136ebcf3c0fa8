/* simdrive/iscsi/chap.h - CHAP for iSCSI login (RFC 1994, RFC 7143 §12.1.3).
 *
 * A response is H(identifier byte || secret || challenge bytes).  Algorithms are numbered
 * as libiscsi and LIO number them in CHAP_A: 5 MD5 (mandatory), 6 SHA-1, 7 SHA-256,
 * 8 SHA3-256; hashes come from nettle.  Everything here is pure except
 * sim_chap_challenge_new(), which draws random bytes. */
#ifndef SIM_CHAP_H
#define SIM_CHAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sim_chap_alg {
	SIM_CHAP_MD5      = 5,
	SIM_CHAP_SHA1     = 6,
	SIM_CHAP_SHA256   = 7,
	SIM_CHAP_SHA3_256 = 8,
};

#define SIM_CHAP_DIGEST_MAX     32	/* SHA-256 / SHA3-256 */
#define SIM_CHAP_CHALLENGE_MIN  16	/* what we send: at least 16 random bytes */
#define SIM_CHAP_CHALLENGE_MAX  1024	/* longest challenge we accept from an initiator */

/* Digest length in bytes of alg (16, 20, 32), or 0 if alg is not supported. */
size_t sim_chap_digest_len(unsigned alg);
/* Name for logs ("MD5", ...), "?" if unknown. */
const char *sim_chap_alg_str(unsigned alg);

/* CHAP_A list negotiation: the first value in the initiator's comma-separated list that
 * we support (its order wins, RFC 7143 §6.2.1).  Values that are not numbers or not
 * supported are skipped.  Returns 0 and *out, or -1 when none is supported (this
 * includes the empty list). */
int sim_chap_select_alg(const char *list, enum sim_chap_alg *out);

/* Random source: fills buf with len bytes.  NULL in sim_chap_challenge_new() means
 * getrandom(2). */
typedef void (*sim_chap_random_fn)(void *arg, uint8_t *buf, size_t len);

/* A challenge we issued. */
struct sim_chap_challenge {
	enum sim_chap_alg alg;
	uint8_t id;			/* CHAP_I, 0..255 */
	uint8_t c[SIM_CHAP_DIGEST_MAX];
	size_t  len;			/* max(16, digest length) */
};

/* Fill ch with a fresh identifier and challenge for alg.  Returns 0, or -1 when alg is
 * unsupported or no randomness is available. */
int sim_chap_challenge_new(struct sim_chap_challenge *ch, enum sim_chap_alg alg,
			   sim_chap_random_fn rnd, void *rnd_arg);

/* out = H(id || secret || chal); out must hold sim_chap_digest_len(alg) bytes.  Returns
 * the digest length, or -1 if alg is unsupported. */
int sim_chap_response(enum sim_chap_alg alg, uint8_t id, const char *secret,
		      const uint8_t *chal, size_t chal_len, uint8_t *out);

/* Constant-time comparison of n bytes; true when equal. */
bool sim_chap_equal(const uint8_t *a, const uint8_t *b, size_t n);

/* Check an initiator's CHAP_R value (0x hex or 0b base64 text) against the challenge
 * we sent and the secret.  The decoded length must be exactly the digest length.
 * Returns 0 on a match, -1 otherwise (malformed, wrong length or wrong digest). */
int sim_chap_verify(const struct sim_chap_challenge *ch, const char *secret, const char *chap_r);

/* Reflection check for mutual CHAP: true when the initiator's challenge is the one we
 * sent (RFC 7143 §12.1.3: the target must then close the connection). */
bool sim_chap_is_reflection(const struct sim_chap_challenge *ch, const uint8_t *ic, size_t ic_len);

/* Format n bytes as "0x" + lowercase hex into out (cap bytes incl. NUL; needs 2n+3).
 * libiscsi only recognises a lowercase "0x" prefix.  Returns 0 or -1 if too small. */
int sim_chap_hex(const uint8_t *p, size_t n, char *out, size_t cap);

#endif
