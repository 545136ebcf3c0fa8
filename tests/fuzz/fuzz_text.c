/* tests/fuzz/fuzz_text.c - the text key parser (text.c), CHAP (chap.c) and the login
 * negotiation that uses them (login.c), fed from bytes.
 *
 * fuzz-covers: simdrive/iscsi/text.c simdrive/iscsi/chap.c simdrive/iscsi/login.c
 *
 * Input: one mode byte, then Login Requests separated by 0xff bytes (0xff is never
 * valid in text data).  Each request is one flags byte, as byte 1 of a Login Request
 * BHS (T 0x80, C 0x40, CSG << 2, NSG), then its text data.
 * Mode: bits 0-1 the target's CHAP configuration (0 none, 1 one-way, 2 and 3
 * one-way + mutual), bit 2 a TSIH (a session that does not exist), bit 3 a discovery
 * portal list for SendTargets.
 * A value "auto" of CHAP_R is replaced by the right answer to the last challenge
 * the target sent, so the fuzzer reaches mutual CHAP and the operational stage; the
 * target's own CHAP_R in mutual CHAP is checked against the mutual secret. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chap.h"
#include "fuzz.h"
#include "login.h"
#include "text.h"

#define USER "fuzz-initiator"
#define SECRET "initiator-secret-1"
#define MUSER "fuzz-target"
#define MSECRET "target-secret-2"

static void fixed_random(void *arg, uint8_t *buf, size_t len)
{
	unsigned *state = arg;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(++*state * 37u);
}

/* Every value through the value parsers. */
static void values(const struct sim_kvlist *kv)
{
	uint8_t bin[SIM_TEXT_BINVALUE_MAX];
	enum sim_chap_alg alg;
	uint64_t n;
	bool b;

	for (size_t i = 0; i < kv->n; i++) {
		const char *v = kv->v[i].value;
		sim_text_number(v, 0, UINT32_MAX, &n);
		sim_text_number(v, 512, 16777215, &n);
		sim_text_bool(v, &b);
		sim_text_binary(v, bin, sizeof(bin));
		sim_text_binary(v, bin, 16);
		sim_chap_select_alg(v, &alg);
	}
}

/* The last challenge the target sent (CHAP_A, CHAP_I, CHAP_C), from its response. */
struct challenge {
	bool have;
	unsigned alg, id;
	uint8_t c[SIM_CHAP_CHALLENGE_MAX];
	int len;
};

static void note_challenge(struct challenge *ch, const uint8_t *data, uint32_t dlen)
{
	struct sim_kvlist kv = { 0 };
	const char *why;
	uint64_t a, i;

	if (sim_text_parse(data, dlen, &kv, &why) == 0) {
		const char *va = sim_kvlist_get(&kv, "CHAP_A");
		const char *vi = sim_kvlist_get(&kv, "CHAP_I");
		const char *vc = sim_kvlist_get(&kv, "CHAP_C");
		if (va && vi && vc && sim_text_number(va, 0, 255, &a) == 0 &&
		    sim_text_number(vi, 0, 255, &i) == 0) {
			ch->len = sim_text_binary(vc, ch->c, sizeof(ch->c));
			ch->have = ch->len > 0;
			ch->alg = (unsigned)a;
			ch->id = (unsigned)i;
		}
	}
	sim_kvlist_free(&kv);
}

/* Mutual CHAP: the target's CHAP_R must be H(our CHAP_I, mutual secret, our CHAP_C). */
static void check_mutual(const struct challenge *ch, const uint8_t *req, size_t reqlen,
			 const uint8_t *data, uint32_t dlen)
{
	struct sim_kvlist in = { 0 }, out = { 0 };
	const char *why;
	uint8_t ic[SIM_CHAP_CHALLENGE_MAX], want[SIM_CHAP_DIGEST_MAX], got[SIM_CHAP_DIGEST_MAX];
	uint64_t iid;

	if (sim_text_parse(req, reqlen, &in, &why) == 0 && sim_text_parse(data, dlen, &out, &why) == 0) {
		const char *vi = sim_kvlist_get(&in, "CHAP_I"), *vc = sim_kvlist_get(&in, "CHAP_C");
		const char *tr = sim_kvlist_get(&out, "CHAP_R");
		int icl = vc ? sim_text_binary(vc, ic, sizeof(ic)) : -1;
		if (tr && vi && icl > 0 && sim_text_number(vi, 0, 255, &iid) == 0) {
			int dl = sim_chap_response((enum sim_chap_alg)ch->alg, (uint8_t)iid, MSECRET,
						   ic, (size_t)icl, want);
			if (dl <= 0 || sim_text_binary(tr, got, sizeof(got)) != dl ||
			    memcmp(want, got, (size_t)dl) != 0) {
				fprintf(stderr, "fuzz_text: the target's mutual CHAP_R is wrong\n");
				abort();
			}
		}
	}
	sim_kvlist_free(&in);
	sim_kvlist_free(&out);
}

/* req with "CHAP_R=auto" replaced by the right response; returns a new buffer. */
static uint8_t *substitute(const struct challenge *ch, const uint8_t *req, size_t len, size_t *outlen)
{
	static const char pat[] = "CHAP_R=auto";
	const size_t pl = sizeof(pat) - 1;
	char hex[2 * SIM_CHAP_DIGEST_MAX + 3];
	uint8_t dig[SIM_CHAP_DIGEST_MAX];
	uint8_t *out;
	size_t at;

	for (at = 0; at + pl <= len; at++)
		if (memcmp(req + at, pat, pl) == 0)
			break;
	if (!ch->have || at + pl > len)
		return NULL;
	int dl = sim_chap_response((enum sim_chap_alg)ch->alg, (uint8_t)ch->id, SECRET, ch->c,
				   (size_t)ch->len, dig);
	if (dl <= 0 || sim_chap_hex(dig, (size_t)dl, hex, sizeof(hex)) != 0)
		return NULL;
	size_t hl = strlen(hex);
	if (!(out = malloc(len - 4 + hl)))
		return NULL;
	memcpy(out, req, at + 7);
	memcpy(out + at + 7, hex, hl);
	memcpy(out + at + 7 + hl, req + at + pl, len - at - pl);
	*outlen = len - 4 + hl;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const portals[] = { "127.0.0.1:3260,1", "[::1]:3260,1" };
	struct challenge ch = { 0 };
	unsigned rnd = 0;
	uint32_t cmdsn = 0;

	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	static const struct sim_login_target targets[] = {
		{ "iqn.2026-01.org.burnlab:fuzz", "fuzz" },
		{ "iqn.2026-01.org.burnlab:fuzz-2", NULL },
	};
	struct sim_login_cfg cfg = {
		.targets = targets,
		.ntargets = 2,
		.tpgt = 1,
		.mrdsl = 262144,
		.max_burst = 1048576,
		.first_burst = 262144,
		.random = fixed_random,
		.random_arg = &rnd,
	};
	if (mode & 3) {
		cfg.chap_user = USER;
		cfg.chap_secret = SECRET;
	}
	if ((mode & 3) >= 2) {
		cfg.mutual_user = MUSER;
		cfg.mutual_secret = MSECRET;
	}
	struct sim_login *l = sim_login_new(&cfg);
	if (!l)
		return 0;

	size_t pos = 1;
	bool done = false;
	while (pos < size && !done) {
		size_t end = pos;
		while (end < size && data[end] != 0xff)
			end++;
		const uint8_t *seg = data + pos;
		size_t seglen = end - pos;
		pos = end + 1;
		if (seglen == 0)
			continue;

		uint8_t flags = seg[0];
		const uint8_t *text = seg + 1;
		size_t textlen = seglen - 1;
		size_t sublen = 0;
		uint8_t *sub = substitute(&ch, text, textlen, &sublen);
		if (sub) {
			text = sub;
			textlen = sublen;
		}

		/* The text parser and the value parsers on their own. */
		struct sim_kvlist kv = { 0 };
		const char *why = NULL;
		if (sim_text_parse(text, textlen, &kv, &why) == 0) {
			struct sim_textbuf st = { 0 };
			values(&kv);
			sim_kvlist_get(&kv, "InitiatorName");
			sim_sendtargets(&kv, targets, 2, (mode & 8) ? NULL : targets[0].name,
					portals, (mode & 8) ? 2 : 1, &st);
			sim_textbuf_free(&st);
		}
		sim_kvlist_free(&kv);

		struct sim_login_req req = {
			.transit = flags & 0x80,
			.cont = flags & 0x40,
			.csg = (flags >> 2) & 3,
			.nsg = flags & 3,
			.isid = { 0x80, 0, 0, 0x23, 0x45, 0x67 },
			.tsih = (mode & 4) ? 7 : 0,
			.itt = 1,
			.cid = 1,
			.cmdsn = cmdsn,
			.expstatsn = 0,
			.data = text,
			.dlen = (uint32_t)textlen,
		};
		struct sim_login_rsp rsp;
		enum sim_login_action act = sim_login_step(l, &req, &rsp);
		sim_login_status_str(rsp.status);
		sim_login_why(l);
		if (rsp.data && rsp.dlen) {
			note_challenge(&ch, rsp.data, rsp.dlen);
			if (cfg.mutual_secret && ch.have)
				check_mutual(&ch, text, textlen, rsp.data, rsp.dlen);
		}
		free(sub);
		if (act == SIM_LOGIN_REJECT || act == SIM_LOGIN_DROP)
			done = true;
		if (act == SIM_LOGIN_FINAL) {
			const struct sim_params *p = sim_login_params(l);
			if (p->mrdsl_initiator == 0 || p->max_burst < p->first_burst) {
				fprintf(stderr, "fuzz_text: negotiated parameters out of range\n");
				abort();
			}
			done = true;
		}
	}
	sim_login_free(l);
	return 0;
}
