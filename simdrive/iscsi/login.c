/* simdrive/iscsi/login.c - the login phase as a pure state machine (see login.h).
 *
 * One sim_login per connection.  Each Login Request goes through sim_login_step():
 *   1. header checks: version, T/C/CSG/NSG, constant ISID/TSIH/CID, PDU and text limits;
 *   2. C-bit continuation: text is accumulated and answered with an empty T=0 response;
 *   3. on the complete text: duplicate keys, the leading request's names, the security
 *      stage (AuthMethod, CHAP, mutual CHAP), then every other key through the table
 *      sim_keys[] (one row per key: function, range, default, our value, scope);
 *   4. transit decision (never out of the security stage before authentication), our
 *      declarations, and the response, split at 8192 bytes if it must be.
 * Every failure ends the login with a status of RFC 7143 §11.13.5 and a reason string. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chap.h"
#include "login.h"
#include "text.h"

#define SIM_NAME_MAX      223		/* RFC 7143 §4.2.7.1: iSCSI names are <= 223 bytes */
#define SIM_MRDSL_DEFAULT 262144u	/* our MaxRecvDataSegmentLength when cfg says 0 */
#define SIM_MBL_CAP       1048576u	/* MaxBurstLength cap when cfg says 0 */
#define SIM_FBL_CAP       262144u	/* FirstBurstLength cap when cfg says 0 */
#define SIM_LEN_MIN       512u		/* RFC 7143 §13.12-§13.14 range */
#define SIM_LEN_MAX       16777215u	/* 2^24 - 1 */
#define SIM_STATUS_DROP   0xffffu	/* internal: close without answering */

enum sim_auth {
	SIM_AUTH_START,		/* no AuthMethod chosen yet */
	SIM_AUTH_CHAP_WAIT_A,	/* AuthMethod=CHAP answered, CHAP_A expected */
	SIM_AUTH_CHAP_WAIT_R,	/* challenge sent, CHAP_N + CHAP_R expected */
	SIM_AUTH_DONE,		/* None chosen, or CHAP succeeded */
};

struct sim_login {
	struct sim_login_cfg cfg;	/* strings borrowed from the caller */
	uint32_t our_mrdsl, our_mbl, our_fbl;
	struct sim_params params;

	bool ended;			/* REJECT, DROP or FINAL returned */
	const char *why;
	unsigned npdus;
	size_t text_total;

	bool have_ids;			/* ISID/TSIH/CID of the first PDU recorded */
	uint8_t isid[6];
	uint16_t tsih, cid;

	bool leading_done;		/* the first complete request was processed */
	bool stage_known;
	uint8_t stage;			/* the CSG the next request must carry */

	bool in_cont;			/* a request with C=1 is being accumulated */
	uint8_t cont_csg, cont_nsg;
	struct sim_textbuf acc;

	struct sim_seen {
		char *key, *value;
		unsigned req;		/* which complete request carried it */
	} *seen;			/* every key received in this login */
	size_t nseen, capseen;
	unsigned nreq;			/* complete requests processed so far */
	bool mrdsl_declared;

	enum sim_auth auth;
	struct sim_chap_challenge chal;

	/* The response; when longer than SIM_LOGIN_DATA_MAX it goes out in pieces with
	 * C=1 and the stored final flags are used for the last piece. */
	struct sim_textbuf out;
	size_t out_off;
	bool out_pending;
	bool fin_transit;
	uint8_t fin_csg, fin_nsg;
	enum sim_login_action fin_action;
};

/* ------------------------------------------------------------------------------------
 * Status strings */

static const struct {
	uint16_t status;
	const char *str;
} sim_login_statuses[] = {
	{ SIM_LOGIN_SUCCESS, "success" },
	{ SIM_LOGIN_TARGET_MOVED_TEMP, "target moved temporarily" },
	{ SIM_LOGIN_TARGET_MOVED_PERM, "target moved permanently" },
	{ SIM_LOGIN_INITIATOR_ERROR, "initiator error" },
	{ SIM_LOGIN_AUTH_FAILURE, "authentication failure" },
	{ SIM_LOGIN_AUTHZ_FAILURE, "authorization failure" },
	{ SIM_LOGIN_TARGET_NOT_FOUND, "target not found" },
	{ SIM_LOGIN_TARGET_REMOVED, "target removed" },
	{ SIM_LOGIN_UNSUPPORTED_VERSION, "unsupported version" },
	{ SIM_LOGIN_TOO_MANY_CONNS, "too many connections" },
	{ SIM_LOGIN_MISSING_PARAM, "missing parameter" },
	{ SIM_LOGIN_CANT_INCLUDE, "can't include in session" },
	{ SIM_LOGIN_SESSION_TYPE, "session type not supported" },
	{ SIM_LOGIN_NO_SESSION, "session does not exist" },
	{ SIM_LOGIN_INVALID_DURING_LOGIN, "invalid request during login" },
	{ SIM_LOGIN_TARGET_ERROR, "target error" },
	{ SIM_LOGIN_SERVICE_UNAVAILABLE, "service unavailable" },
	{ SIM_LOGIN_OUT_OF_RESOURCES, "out of resources" },
};

const char *sim_login_status_str(uint16_t status)
{
	for (size_t i = 0; i < sizeof(sim_login_statuses) / sizeof(sim_login_statuses[0]); i++)
		if (sim_login_statuses[i].status == status)
			return sim_login_statuses[i].str;
	return "unknown status";
}

/* ------------------------------------------------------------------------------------
 * The key table (RFC 7143 §12, §13; our answers in doc/iscsi-target.md). */

enum sim_key_fn {
	SIM_KEY_LIST,		/* first initiator value we support (RFC 7143 §6.2.1) */
	SIM_KEY_AND,		/* Boolean AND (RFC 7143 §6.2.2) */
	SIM_KEY_OR,		/* Boolean OR */
	SIM_KEY_MIN,		/* numerical minimum */
	SIM_KEY_MAX,		/* numerical maximum */
	SIM_KEY_DECLARE,	/* declarative number of the initiator, never answered */
	SIM_KEY_NAME,		/* initiator declarations read from the leading request */
	SIM_KEY_TARGET,		/* target-only declarations: an initiator must not send them */
	SIM_KEY_FIXED,		/* obsolete or unsupported: fixed answer */
	SIM_KEY_SECURITY,	/* AuthMethod and CHAP_*: the security stage machine */
};

enum sim_key_scope {
	SIM_SCOPE_NONE,		/* declarations, security keys */
	SIM_SCOPE_CONN,		/* per connection */
	SIM_SCOPE_SESSION,	/* session-wide, leading-only (LO) */
};

enum sim_key_flags {
	SIM_KF_IRR_DISCOVERY = 1u << 0,	/* answered Irrelevant in discovery sessions */
	SIM_KF_FIRST_ONLY    = 1u << 1,	/* only in the leading (first) request */
};

enum sim_param_kind { SIM_P_NONE, SIM_P_BOOL, SIM_P_U32 };

struct sim_key_rule {
	const char *name;
	enum sim_key_fn fn;
	uint32_t min, max;		/* numeric range */
	uint32_t def;			/* RFC default (numbers, or 1/0 for Yes/No) */
	uint32_t ours;			/* our value, unless ours_fn says otherwise */
	uint32_t (*ours_fn)(const struct sim_login *l);
	const char *values;		/* LIST: values we support; FIXED: the answer */
	enum sim_key_scope scope;
	unsigned flags;
	enum sim_param_kind pkind;	/* where the result goes in sim_params; for a */
	size_t poff;			/* LIST, the bool "the first of values chosen" */
};

static uint32_t sim_ours_mbl(const struct sim_login *l) { return l->our_mbl; }
static uint32_t sim_ours_fbl(const struct sim_login *l) { return l->our_fbl; }

#define P(field) offsetof(struct sim_params, field)

/* Data-transfer keys are Irrelevant in discovery sessions, except MaxBurstLength and
 * FirstBurstLength: libiscsi parses their answers with strtol(), so they get values.
 * MaxRecvDataSegmentLength matters in discovery (Text Responses). */
static const struct sim_key_rule sim_keys[] = {
	/* name                     fn               min  max         default   ours */
	{ "HeaderDigest",           SIM_KEY_LIST,    0, 0,            0,        0, NULL,
	  "CRC32C,None", SIM_SCOPE_CONN, 0, SIM_P_BOOL, P(header_digest) },
	{ "DataDigest",             SIM_KEY_LIST,    0, 0,            0,        0, NULL,
	  "CRC32C,None", SIM_SCOPE_CONN, 0, SIM_P_BOOL, P(data_digest) },
	{ "MaxConnections",         SIM_KEY_MIN,     1, 65535,        1,        1, NULL,
	  NULL, SIM_SCOPE_SESSION, SIM_KF_IRR_DISCOVERY, SIM_P_U32, P(max_connections) },
	/* OR with our No: the initiator's choice stands (we support both). */
	{ "InitialR2T",             SIM_KEY_OR,      0, 1,            1,        0, NULL,
	  NULL, SIM_SCOPE_SESSION, SIM_KF_IRR_DISCOVERY, SIM_P_BOOL, P(initial_r2t) },
	{ "ImmediateData",          SIM_KEY_AND,     0, 1,            1,        1, NULL,
	  NULL, SIM_SCOPE_SESSION, SIM_KF_IRR_DISCOVERY, SIM_P_BOOL, P(immediate_data) },
	{ "MaxRecvDataSegmentLength", SIM_KEY_DECLARE, SIM_LEN_MIN, SIM_LEN_MAX, 8192, 0, NULL,
	  NULL, SIM_SCOPE_CONN, 0, SIM_P_U32, P(mrdsl_initiator) },
	{ "MaxBurstLength",         SIM_KEY_MIN,     SIM_LEN_MIN, SIM_LEN_MAX, 262144, 0, sim_ours_mbl,
	  NULL, SIM_SCOPE_SESSION, 0, SIM_P_U32, P(max_burst) },
	{ "FirstBurstLength",       SIM_KEY_MIN,     SIM_LEN_MIN, SIM_LEN_MAX, 65536, 0, sim_ours_fbl,
	  NULL, SIM_SCOPE_SESSION, 0, SIM_P_U32, P(first_burst) },
	{ "DefaultTime2Wait",       SIM_KEY_MAX,     0, 3600,         2,        2, NULL,
	  NULL, SIM_SCOPE_SESSION, 0, SIM_P_U32, P(time2wait) },
	{ "DefaultTime2Retain",     SIM_KEY_MIN,     0, 3600,         20,       0, NULL,
	  NULL, SIM_SCOPE_SESSION, 0, SIM_P_U32, P(time2retain) },
	{ "MaxOutstandingR2T",      SIM_KEY_MIN,     1, 65535,        1,        1, NULL,
	  NULL, SIM_SCOPE_SESSION, SIM_KF_IRR_DISCOVERY, SIM_P_U32, P(max_outstanding_r2t) },
	{ "DataPDUInOrder",         SIM_KEY_OR,      0, 1,            1,        1, NULL,
	  NULL, SIM_SCOPE_SESSION, SIM_KF_IRR_DISCOVERY, SIM_P_BOOL, P(data_pdu_in_order) },
	{ "DataSequenceInOrder",    SIM_KEY_OR,      0, 1,            1,        1, NULL,
	  NULL, SIM_SCOPE_SESSION, SIM_KF_IRR_DISCOVERY, SIM_P_BOOL, P(data_seq_in_order) },
	{ "ErrorRecoveryLevel",     SIM_KEY_MIN,     0, 2,            0,        0, NULL,
	  NULL, SIM_SCOPE_SESSION, 0, SIM_P_U32, P(erl) },
	{ "TaskReporting",          SIM_KEY_LIST,    0, 0,            0,        0, NULL,
	  "RFC3720", SIM_SCOPE_SESSION, 0, SIM_P_NONE, 0 },
	{ "iSCSIProtocolLevel",     SIM_KEY_MIN,     0, 31,           1,        1, NULL,
	  NULL, SIM_SCOPE_SESSION, 0, SIM_P_NONE, 0 },
	/* Obsolete markers (RFC 7143 §13.25): "No" as ctld and tgt answer; the intervals Reject. */
	{ "IFMarker",               SIM_KEY_FIXED,   0, 0, 0, 0, NULL, "No", SIM_SCOPE_CONN, 0, SIM_P_NONE, 0 },
	{ "OFMarker",               SIM_KEY_FIXED,   0, 0, 0, 0, NULL, "No", SIM_SCOPE_CONN, 0, SIM_P_NONE, 0 },
	{ "IFMarkInt",              SIM_KEY_FIXED,   0, 0, 0, 0, NULL, "Reject", SIM_SCOPE_CONN, 0, SIM_P_NONE, 0 },
	{ "OFMarkInt",              SIM_KEY_FIXED,   0, 0, 0, 0, NULL, "Reject", SIM_SCOPE_CONN, 0, SIM_P_NONE, 0 },
	/* iSER only; we are TCP (RFC 7145 §6.3.1). */
	{ "RDMAExtensions",         SIM_KEY_FIXED,   0, 0, 0, 0, NULL, "No", SIM_SCOPE_SESSION, 0, SIM_P_NONE, 0 },
	/* Initiator declarations. */
	{ "InitiatorName",          SIM_KEY_NAME, 0, 0, 0, 0, NULL, NULL, SIM_SCOPE_NONE, SIM_KF_FIRST_ONLY, SIM_P_NONE, 0 },
	{ "SessionType",            SIM_KEY_NAME, 0, 0, 0, 0, NULL, NULL, SIM_SCOPE_NONE, SIM_KF_FIRST_ONLY, SIM_P_NONE, 0 },
	{ "TargetName",             SIM_KEY_NAME, 0, 0, 0, 0, NULL, NULL, SIM_SCOPE_NONE, SIM_KF_FIRST_ONLY, SIM_P_NONE, 0 },
	{ "InitiatorAlias",         SIM_KEY_NAME, 0, 0, 0, 0, NULL, NULL, SIM_SCOPE_NONE, 0, SIM_P_NONE, 0 },
	/* Target declarations. */
	{ "TargetAlias",            SIM_KEY_TARGET, 0, 0, 0, 0, NULL, NULL, SIM_SCOPE_NONE, 0, SIM_P_NONE, 0 },
	{ "TargetAddress",          SIM_KEY_TARGET, 0, 0, 0, 0, NULL, NULL, SIM_SCOPE_NONE, 0, SIM_P_NONE, 0 },
	{ "TargetPortalGroupTag",   SIM_KEY_TARGET, 0, 0, 0, 0, NULL, NULL, SIM_SCOPE_NONE, 0, SIM_P_NONE, 0 },
	/* Security stage (RFC 7143 §12.1): handled by sim_login_security(). */
	{ "AuthMethod",             SIM_KEY_SECURITY, 0, 0, 0, 0, NULL, NULL, SIM_SCOPE_CONN, 0, SIM_P_NONE, 0 },
	{ "CHAP_A",                 SIM_KEY_SECURITY, 0, 0, 0, 0, NULL, NULL, SIM_SCOPE_CONN, 0, SIM_P_NONE, 0 },
	{ "CHAP_I",                 SIM_KEY_SECURITY, 0, 0, 0, 0, NULL, NULL, SIM_SCOPE_CONN, 0, SIM_P_NONE, 0 },
	{ "CHAP_C",                 SIM_KEY_SECURITY, 0, 0, 0, 0, NULL, NULL, SIM_SCOPE_CONN, 0, SIM_P_NONE, 0 },
	{ "CHAP_N",                 SIM_KEY_SECURITY, 0, 0, 0, 0, NULL, NULL, SIM_SCOPE_CONN, 0, SIM_P_NONE, 0 },
	{ "CHAP_R",                 SIM_KEY_SECURITY, 0, 0, 0, 0, NULL, NULL, SIM_SCOPE_CONN, 0, SIM_P_NONE, 0 },
};

#undef P

static const struct sim_key_rule *sim_key_find(const char *name)
{
	for (size_t i = 0; i < sizeof(sim_keys) / sizeof(sim_keys[0]); i++)
		if (strcmp(sim_keys[i].name, name) == 0)
			return &sim_keys[i];
	return NULL;
}

static uint32_t sim_key_ours(const struct sim_login *l, const struct sim_key_rule *r)
{
	return r->ours_fn ? r->ours_fn(l) : r->ours;
}

static void sim_param_store(struct sim_login *l, const struct sim_key_rule *r, uint32_t v)
{
	uint8_t *base = (uint8_t *)&l->params;
	switch (r->pkind) {
	case SIM_P_BOOL: {
		bool b = v != 0;
		memcpy(base + r->poff, &b, sizeof(b));
		break;
	}
	case SIM_P_U32:
		memcpy(base + r->poff, &v, sizeof(v));
		break;
	case SIM_P_NONE:
		break;
	}
}

/* Is item (n bytes) one of the comma-separated values?  Sets *index. */
static bool sim_list_has(const char *values, const char *item, size_t n, size_t *index)
{
	size_t i = 0;
	const char *p = values;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t m = comma ? (size_t)(comma - p) : strlen(p);
		if (m == n && memcmp(p, item, n) == 0) {
			*index = i;
			return true;
		}
		if (!comma)
			return false;
		p = comma + 1;
		i++;
	}
}

/* The first value of the offered list that `supported` holds; returns its length and
 * start, or 0 when none.  Empty items never match. */
static size_t sim_list_pick(const char *offer, const char *supported, const char **start,
			    size_t *index)
{
	const char *p = offer;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n && sim_list_has(supported, p, n, index)) {
			*start = p;
			return n;
		}
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* ------------------------------------------------------------------------------------
 * Lifecycle */

static uint32_t sim_clamp_len(uint32_t v, uint32_t dflt)
{
	if (v == 0)
		v = dflt;
	if (v < SIM_LEN_MIN)
		v = SIM_LEN_MIN;
	if (v > SIM_LEN_MAX)
		v = SIM_LEN_MAX;
	return v;
}

static void sim_params_defaults(struct sim_login *l)
{
	struct sim_params *p = &l->params;
	memset(p, 0, sizeof(*p));
	p->session_type = SIM_SESSION_NORMAL;
	/* RFC 7143 §13 defaults for every key never offered. */
	for (size_t i = 0; i < sizeof(sim_keys) / sizeof(sim_keys[0]); i++)
		if (sim_keys[i].pkind != SIM_P_NONE)
			sim_param_store(l, &sim_keys[i], sim_keys[i].def);
	p->mrdsl_target = l->our_mrdsl;
}

struct sim_login *sim_login_new(const struct sim_login_cfg *cfg)
{
	if (!cfg || !cfg->targets || cfg->ntargets == 0)
		return NULL;
	for (size_t i = 0; i < cfg->ntargets; i++)
		if (!cfg->targets[i].name || !*cfg->targets[i].name)
			return NULL;
	if (cfg->chap_user && !cfg->chap_secret)
		return NULL;
	if (cfg->mutual_user && !cfg->mutual_secret)
		return NULL;
	struct sim_login *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->cfg = *cfg;
	l->our_mrdsl = sim_clamp_len(cfg->mrdsl, SIM_MRDSL_DEFAULT);
	l->our_mbl = sim_clamp_len(cfg->max_burst, SIM_MBL_CAP);
	l->our_fbl = sim_clamp_len(cfg->first_burst, SIM_FBL_CAP);
	sim_params_defaults(l);
	l->auth = SIM_AUTH_START;
	return l;
}

void sim_login_free(struct sim_login *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nseen; i++) {
		free(l->seen[i].key);
		free(l->seen[i].value);
	}
	free(l->seen);
	sim_textbuf_free(&l->acc);
	sim_textbuf_free(&l->out);
	memset(&l->chal, 0, sizeof(l->chal));
	free(l);
}

const struct sim_params *sim_login_params(const struct sim_login *l)
{
	return &l->params;
}

const char *sim_login_why(const struct sim_login *l)
{
	return l->why ? l->why : "";
}

/* ------------------------------------------------------------------------------------
 * Helpers for one request */

/* Context of one complete request. */
struct sim_req_ctx {
	struct sim_login *l;
	const struct sim_login_req *req;
	const struct sim_kvlist *kv;
	uint8_t csg;
	const char *why;		/* reason for a non-zero status */
};

static uint16_t sim_fail(struct sim_req_ctx *c, uint16_t status, const char *why)
{
	c->why = why;
	return status;
}

static uint16_t sim_oom(struct sim_req_ctx *c)
{
	return sim_fail(c, SIM_LOGIN_OUT_OF_RESOURCES, "out of memory");
}

static bool sim_chap_required(const struct sim_login *l)
{
	return l->cfg.chap_user != NULL;
}

static bool sim_is_security_key(const char *k)
{
	const struct sim_key_rule *r = sim_key_find(k);
	return r && r->fn == SIM_KEY_SECURITY;
}

static const struct sim_seen *sim_seen_find(const struct sim_login *l, const char *key)
{
	for (size_t j = 0; j < l->nseen; j++)
		if (strcmp(l->seen[j].key, key) == 0)
			return &l->seen[j];
	return NULL;
}

/* An identical restatement, in a later request, of a name the leading request declared.
 * libiscsi does this: when it offered CHAP and the target chose None, its CSG=1 request
 * carries InitiatorName, TargetName and SessionType again (lib/login.c sends them while
 * its secneg_phase is still OFFER_CHAP). */
static bool sim_is_restatement(const struct sim_login *l, const struct sim_seen *prev,
			       const char *key, const char *value)
{
	const struct sim_key_rule *r = sim_key_find(key);
	return r && r->fn == SIM_KEY_NAME && prev->req < l->nreq && strcmp(prev->value, value) == 0;
}

/* A key may appear once per login (RFC 7143 §6.2: 0x0200 otherwise). */
static uint16_t sim_check_duplicates(struct sim_req_ctx *c)
{
	struct sim_login *l = c->l;
	for (size_t i = 0; i < c->kv->n; i++) {
		const char *k = c->kv->v[i].key, *v = c->kv->v[i].value;
		const struct sim_seen *prev = sim_seen_find(l, k);
		if (prev) {
			if (sim_is_restatement(l, prev, k, v))
				continue;
			return sim_fail(c, SIM_LOGIN_INITIATOR_ERROR, "key negotiated twice");
		}
		if (l->nseen == l->capseen) {
			size_t ncap = l->capseen ? l->capseen * 2 : 32;
			struct sim_seen *ns = realloc(l->seen, ncap * sizeof(*ns));
			if (!ns)
				return sim_oom(c);
			l->seen = ns;
			l->capseen = ncap;
		}
		char *kd = strdup(k), *vd = strdup(v);
		if (!kd || !vd) {
			free(kd);
			free(vd);
			return sim_oom(c);
		}
		l->seen[l->nseen++] = (struct sim_seen){ kd, vd, l->nreq };
	}
	return 0;
}

static void sim_copy_name(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The leading request: InitiatorName, SessionType, TargetName (RFC 7143 §6.3.1),
 * then the session check for TSIH != 0. */
static uint16_t sim_login_leading(struct sim_req_ctx *c)
{
	struct sim_login *l = c->l;
	const char *iname = sim_kvlist_get(c->kv, "InitiatorName");
	const char *stype = sim_kvlist_get(c->kv, "SessionType");
	const char *tname = sim_kvlist_get(c->kv, "TargetName");
	const char *alias = sim_kvlist_get(c->kv, "InitiatorAlias");

	if (!iname || !*iname)
		return sim_fail(c, SIM_LOGIN_MISSING_PARAM, "InitiatorName missing");
	if (strlen(iname) > SIM_NAME_MAX)
		return sim_fail(c, SIM_LOGIN_INITIATOR_ERROR, "InitiatorName too long");
	if (!stype || strcmp(stype, "Normal") == 0)
		l->params.session_type = SIM_SESSION_NORMAL;
	else if (strcmp(stype, "Discovery") == 0)
		l->params.session_type = SIM_SESSION_DISCOVERY;
	else
		return sim_fail(c, SIM_LOGIN_SESSION_TYPE, "SessionType not supported");
	if (l->params.session_type == SIM_SESSION_NORMAL) {
		if (!tname || !*tname)
			return sim_fail(c, SIM_LOGIN_MISSING_PARAM, "TargetName missing");
		int t = sim_login_find_target(l->cfg.targets, l->cfg.ntargets, tname);
		if (t < 0)
			return sim_fail(c, SIM_LOGIN_TARGET_NOT_FOUND, "unknown TargetName");
		l->params.target = (size_t)t;
		sim_copy_name(l->params.target_name, sizeof(l->params.target_name),
			      l->cfg.targets[t].name);
	}
	sim_copy_name(l->params.initiator_name, sizeof(l->params.initiator_name), iname);
	if (alias)
		sim_copy_name(l->params.initiator_alias, sizeof(l->params.initiator_alias), alias);

	if (l->tsih != 0) {
		if (!l->cfg.session_check)
			return sim_fail(c, SIM_LOGIN_NO_SESSION, "TSIH names no session");
		uint16_t st = l->cfg.session_check(l->cfg.session_check_arg, l->isid, l->tsih, l->cid,
						   l->params.initiator_name, l->params.target);
		if (st)
			return sim_fail(c, st, "session check refused the connection");
	}
	return 0;
}

/* ------------------------------------------------------------------------------------
 * Security stage (RFC 7143 §12.1, spec section 5.1) */

static uint16_t sim_auth_method(struct sim_req_ctx *c, const char *am, struct sim_textbuf *out)
{
	struct sim_login *l = c->l;
	const char *start;
	size_t idx;
	bool required = sim_chap_required(l);

	if (sim_list_pick(am, required ? "CHAP" : "None", &start, &idx) == 0)
		return sim_fail(c, SIM_LOGIN_AUTH_FAILURE,
				required ? "CHAP required but not offered" : "AuthMethod None not offered");
	if (required) {
		l->auth = SIM_AUTH_CHAP_WAIT_A;
		if (sim_text_add(out, "AuthMethod", "CHAP") != 0)
			return sim_oom(c);
	} else {
		l->auth = SIM_AUTH_DONE;
		if (sim_text_add(out, "AuthMethod", "None") != 0)
			return sim_oom(c);
	}
	return 0;
}

static uint16_t sim_chap_algorithm(struct sim_req_ctx *c, const char *ca, struct sim_textbuf *out)
{
	struct sim_login *l = c->l;
	enum sim_chap_alg alg;
	char hex[2 * SIM_CHAP_DIGEST_MAX + 3];

	if (sim_chap_select_alg(ca, &alg) != 0)
		return sim_fail(c, SIM_LOGIN_AUTH_FAILURE, "CHAP_A: no supported algorithm");
	if (sim_chap_challenge_new(&l->chal, alg, l->cfg.random, l->cfg.random_arg) != 0)
		return sim_fail(c, SIM_LOGIN_TARGET_ERROR, "no randomness for the CHAP challenge");
	if (sim_chap_hex(l->chal.c, l->chal.len, hex, sizeof(hex)) != 0)
		return sim_fail(c, SIM_LOGIN_TARGET_ERROR, "CHAP challenge formatting");
	if (sim_text_addf(out, "CHAP_A", "%u", (unsigned)alg) != 0 ||
	    sim_text_addf(out, "CHAP_I", "%u", (unsigned)l->chal.id) != 0 ||
	    sim_text_add(out, "CHAP_C", hex) != 0)
		return sim_oom(c);
	l->auth = SIM_AUTH_CHAP_WAIT_R;
	return 0;
}

static uint16_t sim_chap_check(struct sim_req_ctx *c, struct sim_textbuf *out)
{
	struct sim_login *l = c->l;
	const char *cn = sim_kvlist_get(c->kv, "CHAP_N");
	const char *cr = sim_kvlist_get(c->kv, "CHAP_R");
	const char *ci = sim_kvlist_get(c->kv, "CHAP_I");
	const char *cc = sim_kvlist_get(c->kv, "CHAP_C");
	uint8_t ichal[SIM_CHAP_CHALLENGE_MAX];
	uint64_t iid = 0;
	int ilen = 0;
	bool mutual = ci || cc;

	if (!cn || !cr)
		return sim_fail(c, SIM_LOGIN_AUTH_FAILURE, "CHAP_N and CHAP_R expected");
	if (mutual) {
		if (!ci || !cc)
			return sim_fail(c, SIM_LOGIN_AUTH_FAILURE, "mutual CHAP needs CHAP_I and CHAP_C");
		if (sim_text_number(ci, 0, 255, &iid) != 0)
			return sim_fail(c, SIM_LOGIN_AUTH_FAILURE, "bad CHAP_I");
		ilen = sim_text_binary(cc, ichal, sizeof(ichal));
		if (ilen < 1)
			return sim_fail(c, SIM_LOGIN_AUTH_FAILURE, "bad CHAP_C");
		/* A reflected challenge means someone is trying to make us compute an
		 * answer for them: close without a word (RFC 7143 §12.1.3). */
		if (sim_chap_is_reflection(&l->chal, ichal, (size_t)ilen))
			return sim_fail(c, SIM_STATUS_DROP, "CHAP_C reflects our challenge");
	}
	/* CHAP_N is an opaque string: a name starting with 0x is not hex. */
	if (strcmp(cn, l->cfg.chap_user) != 0)
		return sim_fail(c, SIM_LOGIN_AUTH_FAILURE, "CHAP_N unknown");
	if (sim_chap_verify(&l->chal, l->cfg.chap_secret, cr) != 0)
		return sim_fail(c, SIM_LOGIN_AUTH_FAILURE, "CHAP_R mismatch");
	if (mutual) {
		uint8_t dig[SIM_CHAP_DIGEST_MAX];
		char hex[2 * SIM_CHAP_DIGEST_MAX + 3];
		if (!l->cfg.mutual_user)
			return sim_fail(c, SIM_LOGIN_AUTH_FAILURE, "mutual CHAP not configured");
		int dl = sim_chap_response(l->chal.alg, (uint8_t)iid, l->cfg.mutual_secret, ichal,
					   (size_t)ilen, dig);
		if (dl < 0 || sim_chap_hex(dig, (size_t)dl, hex, sizeof(hex)) != 0)
			return sim_fail(c, SIM_LOGIN_TARGET_ERROR, "mutual CHAP digest");
		if (sim_text_add(out, "CHAP_N", l->cfg.mutual_user) != 0 ||
		    sim_text_add(out, "CHAP_R", hex) != 0)
			return sim_oom(c);
	}
	l->auth = SIM_AUTH_DONE;
	l->params.authenticated = true;
	memset(&l->chal.c, 0, sizeof(l->chal.c));
	return 0;
}

/* Runs the security keys of a CSG=0 request.  The exchange libiscsi and open-iscsi
 * run: AuthMethod -> CHAP_A -> CHAP_N/CHAP_R [+CHAP_I/CHAP_C]. */
static uint16_t sim_login_security(struct sim_req_ctx *c, struct sim_textbuf *out)
{
	struct sim_login *l = c->l;
	enum sim_auth at_start = l->auth;
	const char *am = sim_kvlist_get(c->kv, "AuthMethod");
	const char *ca = sim_kvlist_get(c->kv, "CHAP_A");
	bool response_keys = sim_kvlist_get(c->kv, "CHAP_N") || sim_kvlist_get(c->kv, "CHAP_R") ||
			     sim_kvlist_get(c->kv, "CHAP_I") || sim_kvlist_get(c->kv, "CHAP_C");
	uint16_t st;

	if (am) {
		if (l->auth != SIM_AUTH_START)
			return sim_fail(c, SIM_LOGIN_INITIATOR_ERROR, "AuthMethod after authentication began");
		if ((st = sim_auth_method(c, am, out)) != 0)
			return st;
	}
	if (ca) {
		if (l->auth != SIM_AUTH_CHAP_WAIT_A)
			return sim_fail(c, SIM_LOGIN_AUTH_FAILURE, "CHAP_A out of sequence");
		if ((st = sim_chap_algorithm(c, ca, out)) != 0)
			return st;
	} else if (at_start == SIM_AUTH_CHAP_WAIT_A) {
		return sim_fail(c, SIM_LOGIN_AUTH_FAILURE, "CHAP_A expected");
	}
	if (at_start == SIM_AUTH_CHAP_WAIT_R)
		return sim_chap_check(c, out);
	if (response_keys)
		return sim_fail(c, SIM_LOGIN_AUTH_FAILURE, "CHAP response out of sequence");
	return 0;
}

static bool sim_auth_complete(const struct sim_login *l)
{
	return l->auth == SIM_AUTH_DONE || (l->auth == SIM_AUTH_START && !sim_chap_required(l));
}

/* ------------------------------------------------------------------------------------
 * Operational keys */

static uint16_t sim_negotiate_key(struct sim_req_ctx *c, const char *key, const char *val,
				  struct sim_textbuf *out)
{
	struct sim_login *l = c->l;
	const struct sim_key_rule *r = sim_key_find(key);
	bool discovery = l->params.session_type == SIM_SESSION_DISCOVERY;
	const char *answer = NULL;
	char num[16];
	uint64_t n;
	bool b;

	if (!r)
		answer = "NotUnderstood";	/* incl. X-/X# private keys (RFC 7143 §6.1) */
	else if (r->fn == SIM_KEY_SECURITY)
		return 0;			/* sim_login_security() */
	else if (r->fn == SIM_KEY_NAME) {
		const struct sim_seen *prev = sim_seen_find(l, key);
		if ((r->flags & SIM_KF_FIRST_ONLY) && l->leading_done && (!prev || prev->req == l->nreq))
			return sim_fail(c, SIM_LOGIN_INITIATOR_ERROR, "name key after the leading request");
		if (strcmp(key, "InitiatorAlias") == 0)
			sim_copy_name(l->params.initiator_alias, sizeof(l->params.initiator_alias), val);
		return 0;			/* declarations: no answer */
	} else if (r->fn == SIM_KEY_TARGET)
		return sim_fail(c, SIM_LOGIN_INITIATOR_ERROR, "initiator sent a target-only key");
	else if ((r->flags & SIM_KF_IRR_DISCOVERY) && discovery)
		answer = "Irrelevant";
	else if (r->scope == SIM_SCOPE_SESSION && l->tsih != 0)
		answer = "Irrelevant";		/* leading-only key on an added connection */

	if (answer)
		return sim_text_add(out, key, answer) ? sim_oom(c) : 0;

	uint32_t ours = sim_key_ours(l, r);
	switch (r->fn) {
	case SIM_KEY_LIST: {
		const char *start;
		size_t idx, len = sim_list_pick(val, r->values, &start, &idx);
		if (!len) {
			answer = "Reject";
			break;
		}
		if (len >= sizeof(num))
			return sim_fail(c, SIM_LOGIN_TARGET_ERROR, "list value too long");
		memcpy(num, start, len);
		num[len] = '\0';
		answer = num;
		sim_param_store(l, r, idx == 0);
		break;
	}
	case SIM_KEY_AND:
	case SIM_KEY_OR:
		if (sim_text_bool(val, &b) != 0) {
			answer = "Reject";
			break;
		}
		b = r->fn == SIM_KEY_AND ? (b && ours) : (b || ours);
		sim_param_store(l, r, b);
		answer = b ? "Yes" : "No";
		break;
	case SIM_KEY_MIN:
	case SIM_KEY_MAX:
		if (sim_text_number(val, r->min, r->max, &n) != 0) {
			answer = "Reject";
			break;
		}
		if (r->fn == SIM_KEY_MIN)
			n = n < ours ? n : ours;
		else
			n = n > ours ? n : ours;
		sim_param_store(l, r, (uint32_t)n);
		snprintf(num, sizeof(num), "%u", (unsigned)n);
		answer = num;
		break;
	case SIM_KEY_DECLARE:
		if (sim_text_number(val, r->min, r->max, &n) != 0)
			return sim_fail(c, SIM_LOGIN_INITIATOR_ERROR, "declared value out of range");
		sim_param_store(l, r, (uint32_t)n);
		return 0;
	case SIM_KEY_FIXED:
		answer = r->values;
		break;
	case SIM_KEY_NAME:
	case SIM_KEY_TARGET:
	case SIM_KEY_SECURITY:
		return 0;
	}
	return sim_text_add(out, key, answer) ? sim_oom(c) : 0;
}

/* ------------------------------------------------------------------------------------
 * Responses */

static enum sim_login_action sim_reject(struct sim_login *l, const struct sim_login_req *req,
					struct sim_login_rsp *rsp, uint16_t status, const char *why)
{
	l->ended = true;
	l->why = why;
	l->out.len = 0;
	l->out_pending = false;
	if (status == SIM_STATUS_DROP)
		return SIM_LOGIN_DROP;
	rsp->transit = false;
	rsp->cont = false;
	rsp->csg = req->csg;
	rsp->nsg = req->nsg;
	rsp->status = status;
	rsp->data = NULL;
	rsp->dlen = 0;
	return SIM_LOGIN_REJECT;
}

/* The next piece of l->out; the last piece carries the stored final flags. */
static enum sim_login_action sim_emit(struct sim_login *l, struct sim_login_rsp *rsp)
{
	size_t left = l->out.len - l->out_off;
	size_t n = left > SIM_LOGIN_DATA_MAX ? SIM_LOGIN_DATA_MAX : left;

	rsp->csg = l->fin_csg;
	rsp->nsg = l->fin_nsg;
	rsp->status = SIM_LOGIN_SUCCESS;
	rsp->data = n ? l->out.p + l->out_off : NULL;
	rsp->dlen = (uint32_t)n;
	l->out_off += n;
	if (l->out_off < l->out.len) {
		/* RFC 7143 §11.13.2: C=1 requires T=0. */
		l->out_pending = true;
		rsp->cont = true;
		rsp->transit = false;
		return SIM_LOGIN_REPLY;
	}
	l->out_pending = false;
	rsp->cont = false;
	rsp->transit = l->fin_transit;
	if (l->fin_transit)
		l->stage = l->fin_nsg;
	if (l->fin_action == SIM_LOGIN_FINAL)
		l->ended = true;
	return l->fin_action;
}

/* ------------------------------------------------------------------------------------
 * The step */

static uint16_t sim_check_header(struct sim_login *l, const struct sim_login_req *req, const char **why)
{
	if (l->npdus >= SIM_LOGIN_PDUS_MAX) {
		*why = "too many Login PDUs";
		return SIM_LOGIN_INITIATOR_ERROR;
	}
	l->npdus++;
	if (req->version_min > 0) {
		*why = "Version-min above 0";
		return SIM_LOGIN_UNSUPPORTED_VERSION;
	}
	if (req->dlen > SIM_LOGIN_DATA_MAX || (req->dlen && !req->data)) {
		*why = "Login PDU data segment too long";
		return SIM_LOGIN_INITIATOR_ERROR;
	}
	if (req->dlen > SIM_LOGIN_TEXT_MAX - l->text_total) {
		*why = "login text exceeds 64 KiB";
		return SIM_LOGIN_INITIATOR_ERROR;
	}
	l->text_total += req->dlen;
	if (!l->have_ids) {
		memcpy(l->isid, req->isid, sizeof(l->isid));
		l->tsih = req->tsih;
		l->cid = req->cid;
		l->have_ids = true;
	} else if (memcmp(l->isid, req->isid, sizeof(l->isid)) != 0 || l->tsih != req->tsih ||
		   l->cid != req->cid) {
		*why = "ISID, TSIH or CID changed during login";
		return SIM_LOGIN_INITIATOR_ERROR;
	}
	if (req->transit && req->cont) {
		*why = "T and C both set";
		return SIM_LOGIN_INITIATOR_ERROR;
	}
	if (req->csg != SIM_STAGE_SECURITY && req->csg != SIM_STAGE_OPERATIONAL) {
		*why = "invalid CSG";
		return SIM_LOGIN_INITIATOR_ERROR;
	}
	if (req->transit && ((req->nsg != SIM_STAGE_OPERATIONAL && req->nsg != SIM_STAGE_FFP) ||
			     req->nsg <= req->csg)) {
		*why = "invalid NSG";
		return SIM_LOGIN_INITIATOR_ERROR;
	}
	if (l->stage_known && req->csg != l->stage) {
		*why = "CSG is not the current stage";
		return SIM_LOGIN_INITIATOR_ERROR;
	}
	if (l->in_cont && (req->csg != l->cont_csg || req->nsg != l->cont_nsg)) {
		*why = "stage changed inside a continued request";
		return SIM_LOGIN_INITIATOR_ERROR;
	}
	return 0;
}

/* The whole request text is there: negotiate and answer. */
static enum sim_login_action sim_login_complete(struct sim_login *l, const struct sim_login_req *req,
						struct sim_login_rsp *rsp)
{
	struct sim_kvlist kv = { 0 };
	struct sim_req_ctx c = { .l = l, .req = req, .kv = &kv, .csg = req->csg };
	struct sim_textbuf *out = &l->out;
	const char *pwhy;
	uint16_t st = 0;
	bool first = !l->leading_done;

	out->len = 0;
	l->out_off = 0;
	if (sim_text_parse(l->acc.p, l->acc.len, &kv, &pwhy) != 0) {
		st = SIM_LOGIN_INITIATOR_ERROR;
		c.why = pwhy;
		goto fail;
	}
	l->acc.len = 0;
	if ((st = sim_check_duplicates(&c)) != 0)
		goto fail;
	if (first && (st = sim_login_leading(&c)) != 0)
		goto fail;
	/* A login that must authenticate may not start (or be) in the operational stage. */
	if (req->csg == SIM_STAGE_OPERATIONAL && sim_chap_required(l) && !l->params.authenticated) {
		st = sim_fail(&c, SIM_LOGIN_AUTH_FAILURE, "CHAP required; login skipped the security stage");
		goto fail;
	}
	if (first && l->params.session_type == SIM_SESSION_NORMAL) {
		/* open-iscsi matches this against the ",tpgt" SendTargets gave it. */
		if (sim_text_addf(out, "TargetPortalGroupTag", "%u", (unsigned)l->cfg.tpgt) != 0 ||
		    (l->cfg.targets[l->params.target].alias &&
		     sim_text_add(out, "TargetAlias", l->cfg.targets[l->params.target].alias) != 0)) {
			st = sim_oom(&c);
			goto fail;
		}
	}
	if (req->csg == SIM_STAGE_SECURITY) {
		if ((st = sim_login_security(&c, out)) != 0)
			goto fail;
	} else {
		for (size_t i = 0; i < kv.n; i++) {
			if (sim_is_security_key(kv.v[i].key)) {
				st = sim_fail(&c, SIM_LOGIN_INITIATOR_ERROR,
					      "security key in the operational stage");
				goto fail;
			}
		}
	}
	/* Operational keys are negotiated in whichever stage they come: a login may go
	 * from CSG=0 straight to NSG=3 (RFC 7143 §6.3). */
	for (size_t i = 0; i < kv.n; i++)
		if ((st = sim_negotiate_key(&c, kv.v[i].key, kv.v[i].value, out)) != 0)
			goto fail;
	l->leading_done = true;
	l->nreq++;

	bool transit = req->transit;
	if (req->csg == SIM_STAGE_SECURITY && !sim_auth_complete(l)) {
		if (transit && l->auth == SIM_AUTH_START) {
			st = sim_fail(&c, SIM_LOGIN_AUTH_FAILURE, "CHAP required; no AuthMethod offered");
			goto fail;
		}
		transit = false;	/* stay until authentication succeeds */
	}
	bool final = transit && req->nsg == SIM_STAGE_FFP;
	if (final && l->params.first_burst > l->params.max_burst) {
		st = sim_fail(&c, SIM_LOGIN_INITIATOR_ERROR, "FirstBurstLength exceeds MaxBurstLength");
		goto fail;
	}
	if (!l->mrdsl_declared && (req->csg == SIM_STAGE_OPERATIONAL || final)) {
		if (sim_text_addf(out, "MaxRecvDataSegmentLength", "%u", (unsigned)l->our_mrdsl) != 0) {
			st = sim_oom(&c);
			goto fail;
		}
		l->mrdsl_declared = true;
	}
	sim_kvlist_free(&kv);

	l->fin_transit = transit;
	l->fin_csg = req->csg;
	l->fin_nsg = req->nsg;
	l->fin_action = final ? SIM_LOGIN_FINAL : SIM_LOGIN_REPLY;
	rsp->tsih = req->tsih;
	return sim_emit(l, rsp);

fail:
	sim_kvlist_free(&kv);
	return sim_reject(l, req, rsp, st, c.why);
}

enum sim_login_action sim_login_step(struct sim_login *l, const struct sim_login_req *req,
				     struct sim_login_rsp *rsp)
{
	const char *why = NULL;
	uint16_t st;

	memset(rsp, 0, sizeof(*rsp));
	rsp->csg = req->csg;
	rsp->nsg = req->nsg;
	rsp->tsih = req->tsih;
	if (l->ended)
		return sim_reject(l, req, rsp, SIM_LOGIN_INITIATOR_ERROR, "login already ended");
	if ((st = sim_check_header(l, req, &why)) != 0)
		return sim_reject(l, req, rsp, st, why);

	if (l->out_pending) {
		/* The initiator acknowledges each piece of a long response with an empty
		 * request (RFC 7143 §6.2). */
		if (req->dlen != 0 || req->cont)
			return sim_reject(l, req, rsp, SIM_LOGIN_INITIATOR_ERROR,
					  "text while the target response continues");
		return sim_emit(l, rsp);
	}

	if (req->dlen && sim_textbuf_append(&l->acc, req->data, req->dlen) != 0)
		return sim_reject(l, req, rsp, SIM_LOGIN_OUT_OF_RESOURCES, "out of memory");
	if (!l->stage_known) {
		l->stage = req->csg;
		l->stage_known = true;
	}
	if (req->cont) {
		/* More text follows: answer with an empty response and wait. */
		l->in_cont = true;
		l->cont_csg = req->csg;
		l->cont_nsg = req->nsg;
		rsp->transit = false;
		rsp->cont = false;
		rsp->status = SIM_LOGIN_SUCCESS;
		return SIM_LOGIN_REPLY;
	}
	l->in_cont = false;
	return sim_login_complete(l, req, rsp);
}

/* ------------------------------------------------------------------------------------
 * SendTargets (RFC 7143 §13.3, Appendix C; spec section 6) */

static bool sim_hex_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

static bool sim_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Syntax of an iSCSI name (RFC 7143 §4.2.7): iqn.yyyy-mm.<authority>[:<id>],
 * eui.<16 hex>, naa.<16 or 32 hex>. */
static bool sim_iscsi_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 5 || n > SIM_NAME_MAX)
		return false;
	if (strncasecmp(s, "eui.", 4) == 0)
		return n == 4 + 16 && sim_hex_digits(s + 4, 16);
	if (strncasecmp(s, "naa.", 4) == 0)
		return (n == 4 + 16 || n == 4 + 32) && sim_hex_digits(s + 4, n - 4);
	if (strncasecmp(s, "iqn.", 4) != 0)
		return false;
	/* "iqn." "yyyy" "-" "mm" "." at least one more byte */
	if (n < 4 + 4 + 1 + 2 + 1 + 1 || !sim_digits(s + 4, 4) || s[8] != '-' || !sim_digits(s + 9, 2) ||
	    s[11] != '.')
		return false;
	int month = (s[9] - '0') * 10 + (s[10] - '0');
	if (month < 1 || month > 12)
		return false;
	for (size_t i = 12; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '.' || ch == ':'))
			return false;
	}
	return true;
}

static int sim_sendtargets_one(const char *name, const char *const *portals, size_t nportals,
			       struct sim_textbuf *out)
{
	if (sim_text_add(out, "TargetName", name) != 0)
		return -1;
	for (size_t i = 0; i < nportals; i++)
		if (portals[i] && sim_text_add(out, "TargetAddress", portals[i]) != 0)
			return -1;
	return 0;
}

int sim_login_find_target(const struct sim_login_target *targets, size_t n, const char *name)
{
	for (size_t i = 0; i < n && name; i++)
		if (strcasecmp(name, targets[i].name) == 0)
			return (int)i;
	return -1;
}

int sim_sendtargets(const struct sim_kvlist *req, const struct sim_login_target *targets,
		    size_t ntargets, const char *own_target, const char *const *portals,
		    size_t nportals, struct sim_textbuf *out)
{
	if (!req || !targets || ntargets == 0 || req->n != 1 ||
	    strcmp(req->v[0].key, "SendTargets") != 0)
		return -1;
	const char *v = req->v[0].value;
	if (strcmp(v, "All") == 0 && !own_target) {
		/* A discovery session learns every target, each with the portals that
		 * reach it (RFC 7143 Appendix C). */
		for (size_t i = 0; i < ntargets; i++)
			if (sim_sendtargets_one(targets[i].name, portals, nportals, out) != 0)
				return -1;
		return 0;
	}
	if (*v == '\0' || strcmp(v, "All") == 0) {
		/* The session's own target: All is for discovery sessions, and a normal
		 * session learns no other target (Appendix C); empty is meaningless in a
		 * discovery session. */
		if (!own_target)
			return -1;
		return sim_sendtargets_one(own_target, portals, nportals, out);
	}
	if (!sim_iscsi_name_valid(v))
		return -1;
	int t = sim_login_find_target(targets, ntargets, v);
	if (t < 0)
		return 0;	/* a valid name we do not serve: empty answer */
	return sim_sendtargets_one(targets[t].name, portals, nportals, out);
}
