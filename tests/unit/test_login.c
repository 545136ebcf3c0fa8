/* tests/unit/test_login.c - the login state machine and SendTargets (simdrive/iscsi/login.h).
 *
 * Each test drives sim_login_step() with Login Requests as libiscsi, open-iscsi or a
 * hostile initiator would send them, and checks the response flags, status and text.
 * CHAP answers are computed here with nettle directly, not through chap.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/md5.h>
#include <nettle/sha2.h>

#include "login.h"
#include "text.h"
#include "unit.h"

#define TARGET   "iqn.2026-01.org.example:cdrw"
#define INITIATOR "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test"
#define USER     "alice"
#define SECRET   "alice-secret-12"
#define TUSER    "target-user"
#define TSECRET  "target-secret-34"

/* ------------------------------------------------------------------------------------
 * Harness */

static void counter_random(void *arg, uint8_t *buf, size_t len)
{
	uint8_t *next = arg;
	for (size_t i = 0; i < len; i++)
		buf[i] = (*next)++;
}

static uint8_t rnd_state;

static const struct sim_login_target one_target[] = { { TARGET, NULL } };

static struct sim_login_cfg base_cfg(void)
{
	struct sim_login_cfg c = {
		.targets = one_target,
		.ntargets = 1,
		.tpgt = 1,
		.mrdsl = 262144,
		.max_burst = 1048576,
		.first_burst = 262144,
		.random = counter_random,
		.random_arg = &rnd_state,
	};
	rnd_state = 0x40;
	return c;
}

static struct sim_login_cfg chap_cfg(void)
{
	struct sim_login_cfg c = base_cfg();
	c.chap_user = USER;
	c.chap_secret = SECRET;
	return c;
}

/* One exchange: request built from NULL-terminated "key=value" strings; the response
 * text is parsed into ans (freed by the next call or by fin()). */
struct xchg {
	struct sim_login *l;
	struct sim_login_rsp rsp;
	struct sim_kvlist ans;
	enum sim_login_action act;
	uint16_t tsih, cid;
	uint8_t isid[6];
	uint8_t vmin;
};

static void start(struct xchg *x, const struct sim_login_cfg *cfg)
{
	memset(x, 0, sizeof(*x));
	x->l = sim_login_new(cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x->l);
	static const uint8_t isid[6] = { 0x80, 0x12, 0x34, 0x56, 0x00, 0x00 };
	memcpy(x->isid, isid, 6);
}

static void fin(struct xchg *x)
{
	sim_kvlist_free(&x->ans);
	sim_login_free(x->l);
	x->l = NULL;
}

static enum sim_login_action raw_step(struct xchg *x, bool t, bool c, uint8_t csg, uint8_t nsg,
				      const uint8_t *data, size_t len)
{
	struct sim_login_req req = {
		.transit = t, .cont = c, .csg = csg, .nsg = nsg,
		.version_max = 0, .version_min = x->vmin,
		.tsih = x->tsih, .itt = 0x1234, .cid = x->cid,
		.data = data, .dlen = (uint32_t)len,
	};
	memcpy(req.isid, x->isid, 6);
	sim_kvlist_free(&x->ans);
	x->act = sim_login_step(x->l, &req, &x->rsp);
	if (x->rsp.dlen) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(x->rsp.data);
		CU_ASSERT_TRUE(x->rsp.dlen <= SIM_LOGIN_DATA_MAX);
		if (!x->rsp.cont)
			CU_ASSERT_EQUAL(sim_text_parse(x->rsp.data, x->rsp.dlen, &x->ans, NULL), 0);
	}
	/* Invariants of every response (RFC 7143 §11.13). */
	CU_ASSERT_EQUAL(x->rsp.csg, csg);
	if (x->rsp.transit) {
		CU_ASSERT_TRUE(t);
		CU_ASSERT_FALSE(x->rsp.cont);
		CU_ASSERT_EQUAL(x->rsp.nsg, nsg);
	}
	if (x->act == SIM_LOGIN_REJECT)
		CU_ASSERT_NOT_EQUAL(x->rsp.status, 0);
	if (x->act == SIM_LOGIN_REPLY || x->act == SIM_LOGIN_FINAL)
		CU_ASSERT_EQUAL(x->rsp.status, 0);
	if (x->act == SIM_LOGIN_FINAL)
		CU_ASSERT_TRUE(x->rsp.transit && x->rsp.nsg == SIM_STAGE_FFP);
	return x->act;
}

static size_t build(uint8_t *buf, size_t cap, const char *const *kv)
{
	size_t n = 0;
	for (size_t i = 0; kv && kv[i]; i++) {
		size_t m = strlen(kv[i]) + 1;
		CU_ASSERT_FATAL(n + m <= cap);
		memcpy(buf + n, kv[i], m);
		n += m;
	}
	return n;
}

static enum sim_login_action step(struct xchg *x, bool t, uint8_t csg, uint8_t nsg, const char *const *kv)
{
	static uint8_t buf[SIM_LOGIN_DATA_MAX];
	size_t n = build(buf, sizeof(buf), kv);
	return raw_step(x, t, false, csg, nsg, buf, n);
}

static const char *ans(const struct xchg *x, const char *key)
{
	return sim_kvlist_get(&x->ans, key);
}

static size_t count_key(const struct xchg *x, const char *key)
{
	size_t n = 0;
	for (size_t i = 0; i < x->ans.n; i++)
		n += strcmp(x->ans.v[i].key, key) == 0;
	return n;
}

#define CHECK_ANS(x, key, want)                                                 \
	do {                                                                    \
		const char *got_ = ans((x), (key));                             \
		CU_ASSERT_PTR_NOT_NULL(got_);                                   \
		if (got_)                                                       \
			CU_ASSERT_STRING_EQUAL(got_, (want));                   \
	} while (0)

#define NAMES "InitiatorName=" INITIATOR, "TargetName=" TARGET, "SessionType=Normal"

/* The operational keys libiscsi sends by default. */
#define LIBISCSI_OPS                                                                    \
	"HeaderDigest=None,CRC32C", "DataDigest=None", "InitialR2T=No", "ImmediateData=Yes", \
	"MaxBurstLength=262144", "FirstBurstLength=262144", "MaxRecvDataSegmentLength=262144", \
	"DataPDUInOrder=Yes", "DefaultTime2Wait=2", "DefaultTime2Retain=0", "IFMarker=No",   \
	"OFMarker=No", "MaxConnections=1", "MaxOutstandingR2T=1", "ErrorRecoveryLevel=0",    \
	"DataSequenceInOrder=Yes"

/* ------------------------------------------------------------------------------------
 * Flows without authentication */

static void test_libiscsi_single_pdu(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	const char *req[] = { NAMES, LIBISCSI_OPS, NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, req), SIM_LOGIN_FINAL);
	CU_ASSERT_TRUE(x.rsp.transit);
	CU_ASSERT_EQUAL(x.rsp.nsg, 3);
	CHECK_ANS(&x, "TargetPortalGroupTag", "1");
	CHECK_ANS(&x, "HeaderDigest", "None");
	CHECK_ANS(&x, "DataDigest", "None");
	CHECK_ANS(&x, "InitialR2T", "No");
	CHECK_ANS(&x, "ImmediateData", "Yes");
	CHECK_ANS(&x, "MaxBurstLength", "262144");
	CHECK_ANS(&x, "FirstBurstLength", "262144");
	CHECK_ANS(&x, "DataPDUInOrder", "Yes");
	CHECK_ANS(&x, "DefaultTime2Wait", "2");
	CHECK_ANS(&x, "DefaultTime2Retain", "0");
	CHECK_ANS(&x, "IFMarker", "No");
	CHECK_ANS(&x, "OFMarker", "No");
	CHECK_ANS(&x, "MaxConnections", "1");
	CHECK_ANS(&x, "MaxOutstandingR2T", "1");
	CHECK_ANS(&x, "ErrorRecoveryLevel", "0");
	CHECK_ANS(&x, "DataSequenceInOrder", "Yes");
	/* Our declaration, once; the initiator's names are not answered. */
	CHECK_ANS(&x, "MaxRecvDataSegmentLength", "262144");
	CU_ASSERT_EQUAL(count_key(&x, "MaxRecvDataSegmentLength"), 1);
	CU_ASSERT_PTR_NULL(ans(&x, "InitiatorName"));
	CU_ASSERT_PTR_NULL(ans(&x, "TargetName"));
	CU_ASSERT_PTR_NULL(ans(&x, "SessionType"));
	CU_ASSERT_PTR_NULL(ans(&x, "AuthMethod"));
	CU_ASSERT_PTR_NULL(ans(&x, "TargetAlias"));

	const struct sim_params *p = sim_login_params(x.l);
	CU_ASSERT_EQUAL(p->session_type, SIM_SESSION_NORMAL);
	CU_ASSERT_STRING_EQUAL(p->initiator_name, INITIATOR);
	CU_ASSERT_STRING_EQUAL(p->target_name, TARGET);
	CU_ASSERT_FALSE(p->header_digest);
	CU_ASSERT_FALSE(p->data_digest);
	CU_ASSERT_EQUAL(p->max_connections, 1);
	CU_ASSERT_FALSE(p->initial_r2t);
	CU_ASSERT_TRUE(p->immediate_data);
	CU_ASSERT_EQUAL(p->mrdsl_target, 262144);
	CU_ASSERT_EQUAL(p->mrdsl_initiator, 262144);
	CU_ASSERT_EQUAL(p->max_burst, 262144);
	CU_ASSERT_EQUAL(p->first_burst, 262144);
	CU_ASSERT_EQUAL(p->time2wait, 2);
	CU_ASSERT_EQUAL(p->time2retain, 0);
	CU_ASSERT_EQUAL(p->max_outstanding_r2t, 1);
	CU_ASSERT_TRUE(p->data_pdu_in_order);
	CU_ASSERT_TRUE(p->data_seq_in_order);
	CU_ASSERT_EQUAL(p->erl, 0);
	CU_ASSERT_FALSE(p->authenticated);
	/* After FINAL the login is over. */
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, NULL), SIM_LOGIN_REJECT);
	fin(&x);
}

static void test_openiscsi_two_stages(void)
{
	static const struct sim_login_target aliased[] = { { TARGET, "simdrive cdrw" } };
	struct sim_login_cfg cfg = base_cfg();
	cfg.targets = aliased;
	struct xchg x;
	start(&x, &cfg);
	const char *r1[] = { "InitiatorName=iqn.2005-03.org.open-iscsi:abc", "InitiatorAlias=host1",
			     "SessionType=Normal", "TargetName=" TARGET, "AuthMethod=None", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r1), SIM_LOGIN_REPLY);
	CU_ASSERT_TRUE(x.rsp.transit);
	CU_ASSERT_EQUAL(x.rsp.nsg, 1);
	CHECK_ANS(&x, "AuthMethod", "None");
	CHECK_ANS(&x, "TargetPortalGroupTag", "1");
	CHECK_ANS(&x, "TargetAlias", "simdrive cdrw");
	CU_ASSERT_PTR_NULL(ans(&x, "MaxRecvDataSegmentLength"));	/* declared in stage 1 */

	const char *r2[] = { "HeaderDigest=None", "DataDigest=None", "InitialR2T=No",
			     "ImmediateData=Yes", "MaxBurstLength=16776192", "FirstBurstLength=262144",
			     "MaxRecvDataSegmentLength=262144", "DefaultTime2Wait=2",
			     "DefaultTime2Retain=0", "ErrorRecoveryLevel=0", "MaxConnections=1", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, r2), SIM_LOGIN_FINAL);
	CHECK_ANS(&x, "MaxBurstLength", "1048576");
	CHECK_ANS(&x, "FirstBurstLength", "262144");
	CHECK_ANS(&x, "MaxRecvDataSegmentLength", "262144");
	CU_ASSERT_PTR_NULL(ans(&x, "TargetPortalGroupTag"));	/* first response only */
	const struct sim_params *p = sim_login_params(x.l);
	CU_ASSERT_STRING_EQUAL(p->initiator_alias, "host1");
	CU_ASSERT_EQUAL(p->max_burst, 1048576);
	fin(&x);
}

static void test_security_stage_t0_then_transit(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	const char *r1[] = { NAMES, "AuthMethod=None", NULL };
	CU_ASSERT_EQUAL(step(&x, false, 0, 1, r1), SIM_LOGIN_REPLY);
	CU_ASSERT_FALSE(x.rsp.transit);
	CHECK_ANS(&x, "AuthMethod", "None");
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, NULL), SIM_LOGIN_REPLY);
	CU_ASSERT_TRUE(x.rsp.transit);
	CU_ASSERT_EQUAL(x.rsp.dlen, 0);
	/* Back to the security stage after the transit is an error. */
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, NULL), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_INITIATOR_ERROR);
	fin(&x);
}

static void test_security_straight_to_ffp(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	const char *r1[] = { NAMES, "AuthMethod=None", "MaxRecvDataSegmentLength=65536", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 3, r1), SIM_LOGIN_FINAL);
	CHECK_ANS(&x, "AuthMethod", "None");
	CHECK_ANS(&x, "MaxRecvDataSegmentLength", "262144");
	CU_ASSERT_EQUAL(sim_login_params(x.l)->mrdsl_initiator, 65536);
	fin(&x);
}

static void test_defaults_when_not_offered(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	const char *r1[] = { "InitiatorName=" INITIATOR, "TargetName=" TARGET, NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, r1), SIM_LOGIN_FINAL);
	const struct sim_params *p = sim_login_params(x.l);
	CU_ASSERT_EQUAL(p->session_type, SIM_SESSION_NORMAL);	/* SessionType absent */
	CU_ASSERT_FALSE(p->header_digest);
	CU_ASSERT_FALSE(p->data_digest);
	CU_ASSERT_EQUAL(p->max_connections, 1);
	CU_ASSERT_TRUE(p->initial_r2t);
	CU_ASSERT_TRUE(p->immediate_data);
	CU_ASSERT_EQUAL(p->mrdsl_initiator, 8192);
	CU_ASSERT_EQUAL(p->mrdsl_target, 262144);
	CU_ASSERT_EQUAL(p->max_burst, 262144);
	CU_ASSERT_EQUAL(p->first_burst, 65536);
	CU_ASSERT_EQUAL(p->time2wait, 2);
	CU_ASSERT_EQUAL(p->time2retain, 20);
	CU_ASSERT_EQUAL(p->max_outstanding_r2t, 1);
	CU_ASSERT_TRUE(p->data_pdu_in_order);
	CU_ASSERT_TRUE(p->data_seq_in_order);
	CU_ASSERT_EQUAL(p->erl, 0);
	/* Only our declarations in the response. */
	CU_ASSERT_EQUAL(x.ans.n, 2);
	CHECK_ANS(&x, "TargetPortalGroupTag", "1");
	CHECK_ANS(&x, "MaxRecvDataSegmentLength", "262144");
	fin(&x);
}

/* ------------------------------------------------------------------------------------
 * Every key rule: one single-PDU login per (key, offer) and the answer expected. */

struct key_case {
	const char *pair;
	const char *key;
	const char *answer;	/* NULL: no answer expected */
};

static const struct key_case key_cases[] = {
	/* list: first of the initiator's values we support */
	{ "HeaderDigest=None,CRC32C", "HeaderDigest", "None" },
	{ "HeaderDigest=CRC32C,None", "HeaderDigest", "CRC32C" },
	{ "HeaderDigest=CRC32C", "HeaderDigest", "CRC32C" },
	{ "HeaderDigest=MD5,CRC32C", "HeaderDigest", "CRC32C" },
	{ "HeaderDigest=MD5", "HeaderDigest", "Reject" },
	{ "HeaderDigest=", "HeaderDigest", "Reject" },
	{ "DataDigest=None", "DataDigest", "None" },
	{ "DataDigest=CRC32C,None", "DataDigest", "CRC32C" },
	{ "TaskReporting=ResponseFence,RFC3720", "TaskReporting", "RFC3720" },
	{ "TaskReporting=FastAbort", "TaskReporting", "Reject" },
	/* minimum */
	{ "MaxConnections=4", "MaxConnections", "1" },
	{ "MaxConnections=1", "MaxConnections", "1" },
	{ "MaxConnections=0", "MaxConnections", "Reject" },
	{ "MaxConnections=65536", "MaxConnections", "Reject" },
	{ "MaxBurstLength=65536", "MaxBurstLength", "65536" },	/* >= default FBL */
	{ "MaxBurstLength=0x10000", "MaxBurstLength", "65536" },
	{ "MaxBurstLength=16777215", "MaxBurstLength", "1048576" },
	{ "MaxBurstLength=511", "MaxBurstLength", "Reject" },
	{ "MaxBurstLength=16777216", "MaxBurstLength", "Reject" },
	{ "MaxBurstLength=lots", "MaxBurstLength", "Reject" },
	{ "FirstBurstLength=512", "FirstBurstLength", "512" },
	{ "FirstBurstLength=16777215", "FirstBurstLength", "262144" },
	{ "FirstBurstLength=100", "FirstBurstLength", "Reject" },
	{ "DefaultTime2Retain=20", "DefaultTime2Retain", "0" },
	{ "DefaultTime2Retain=3601", "DefaultTime2Retain", "Reject" },
	{ "MaxOutstandingR2T=8", "MaxOutstandingR2T", "1" },
	{ "MaxOutstandingR2T=0", "MaxOutstandingR2T", "Reject" },
	{ "ErrorRecoveryLevel=2", "ErrorRecoveryLevel", "0" },
	{ "ErrorRecoveryLevel=3", "ErrorRecoveryLevel", "Reject" },
	{ "iSCSIProtocolLevel=2", "iSCSIProtocolLevel", "1" },
	{ "iSCSIProtocolLevel=0", "iSCSIProtocolLevel", "0" },
	{ "iSCSIProtocolLevel=32", "iSCSIProtocolLevel", "Reject" },
	/* maximum */
	{ "DefaultTime2Wait=0", "DefaultTime2Wait", "2" },
	{ "DefaultTime2Wait=10", "DefaultTime2Wait", "10" },
	{ "DefaultTime2Wait=3600", "DefaultTime2Wait", "3600" },
	{ "DefaultTime2Wait=3601", "DefaultTime2Wait", "Reject" },
	/* Boolean OR (ours: InitialR2T No, the in-order keys Yes) */
	{ "InitialR2T=Yes", "InitialR2T", "Yes" },
	{ "InitialR2T=No", "InitialR2T", "No" },
	{ "InitialR2T=no", "InitialR2T", "Reject" },
	{ "DataPDUInOrder=No", "DataPDUInOrder", "Yes" },
	{ "DataSequenceInOrder=No", "DataSequenceInOrder", "Yes" },
	{ "DataSequenceInOrder=Maybe", "DataSequenceInOrder", "Reject" },
	/* Boolean AND (ours Yes) */
	{ "ImmediateData=No", "ImmediateData", "No" },
	{ "ImmediateData=Yes", "ImmediateData", "Yes" },
	{ "ImmediateData=1", "ImmediateData", "Reject" },
	/* obsolete / unsupported */
	{ "IFMarker=Yes", "IFMarker", "No" },
	{ "OFMarker=No", "OFMarker", "No" },
	{ "IFMarkInt=2048~8192", "IFMarkInt", "Reject" },
	{ "OFMarkInt=2048", "OFMarkInt", "Reject" },
	{ "RDMAExtensions=Yes", "RDMAExtensions", "No" },
	/* unknown and private keys */
	{ "X-com.example.Feature=1", "X-com.example.Feature", "NotUnderstood" },
	{ "X#vendor=1", "X#vendor", "NotUnderstood" },
	{ "FooBar=1", "FooBar", "NotUnderstood" },
	{ "headerdigest=None", "headerdigest", "NotUnderstood" },	/* case-sensitive */
	/* declarations get no answer */
	{ "MaxRecvDataSegmentLength=8192", "MaxRecvDataSegmentLength", "262144" },
	{ "InitiatorAlias=me", "InitiatorAlias", NULL },
};

static void test_key_rules(void)
{
	for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		const struct key_case *kc = &key_cases[i];
		struct sim_login_cfg cfg = base_cfg();
		struct xchg x;
		start(&x, &cfg);
		const char *req[] = { NAMES, kc->pair, NULL };
		enum sim_login_action a = step(&x, true, 1, 3, req);
		if (a != SIM_LOGIN_FINAL)
			fprintf(stderr, "\n  %s: action %d status 0x%04x (%s)\n", kc->pair, a,
				x.rsp.status, sim_login_why(x.l));
		CU_ASSERT_EQUAL(a, SIM_LOGIN_FINAL);
		const char *got = ans(&x, kc->key);
		if (kc->answer) {
			CU_ASSERT_PTR_NOT_NULL(got);
			if (got && strcmp(got, kc->answer) != 0)
				fprintf(stderr, "\n  %s: answered %s, want %s\n", kc->pair, got, kc->answer);
			if (got)
				CU_ASSERT_STRING_EQUAL(got, kc->answer);
			CU_ASSERT_EQUAL(count_key(&x, kc->key), 1);
		} else {
			CU_ASSERT_PTR_NULL(got);
		}
		fin(&x);
	}
}

static void test_key_results_in_params(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	const char *req[] = { NAMES, "HeaderDigest=CRC32C,None", "DataDigest=CRC32C",
			      "InitialR2T=Yes", "ImmediateData=No", "MaxBurstLength=65536",
			      "FirstBurstLength=4096", "DefaultTime2Wait=7", "DefaultTime2Retain=9",
			      "MaxRecvDataSegmentLength=16384", "ErrorRecoveryLevel=1", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, req), SIM_LOGIN_FINAL);
	const struct sim_params *p = sim_login_params(x.l);
	CU_ASSERT_TRUE(p->header_digest);
	CU_ASSERT_TRUE(p->data_digest);
	CU_ASSERT_TRUE(p->initial_r2t);
	CU_ASSERT_FALSE(p->immediate_data);
	CU_ASSERT_EQUAL(p->max_burst, 65536);
	CU_ASSERT_EQUAL(p->first_burst, 4096);
	CU_ASSERT_EQUAL(p->time2wait, 7);
	CU_ASSERT_EQUAL(p->time2retain, 0);
	CU_ASSERT_EQUAL(p->mrdsl_initiator, 16384);
	CU_ASSERT_EQUAL(p->erl, 0);
	fin(&x);
}

static void test_rejected_value_keeps_default(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	const char *req[] = { NAMES, "MaxBurstLength=100", "ImmediateData=Perhaps", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, req), SIM_LOGIN_FINAL);
	CHECK_ANS(&x, "MaxBurstLength", "Reject");
	CU_ASSERT_EQUAL(sim_login_params(x.l)->max_burst, 262144);
	CU_ASSERT_TRUE(sim_login_params(x.l)->immediate_data);
	fin(&x);
}

static void expect_reject(const char *const *req, bool t, uint8_t csg, uint8_t nsg, uint16_t status)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	CU_ASSERT_EQUAL(step(&x, t, csg, nsg, req), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, status);
	CU_ASSERT_FALSE(x.rsp.transit);
	CU_ASSERT_EQUAL(x.rsp.dlen, 0);
	CU_ASSERT_NOT_EQUAL(strlen(sim_login_why(x.l)), 0);
	fin(&x);
}

static void test_mrdsl_declaration_errors(void)
{
	const char *r1[] = { NAMES, "MaxRecvDataSegmentLength=511", NULL };
	expect_reject(r1, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);
	const char *r2[] = { NAMES, "MaxRecvDataSegmentLength=16777216", NULL };
	expect_reject(r2, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);
	const char *r3[] = { NAMES, "MaxRecvDataSegmentLength=big", NULL };
	expect_reject(r3, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);
}

static void test_duplicate_keys(void)
{
	const char *r1[] = { NAMES, "MaxBurstLength=4096", "MaxBurstLength=4096", NULL };
	expect_reject(r1, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);
	const char *r2[] = { NAMES, "InitiatorName=" INITIATOR, NULL };
	expect_reject(r2, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);
	const char *r3[] = { NAMES, "Foo=1", "Foo=2", NULL };
	expect_reject(r3, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);

	/* Across PDUs of the same login. */
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	const char *a[] = { NAMES, "AuthMethod=None", "MaxBurstLength=65536", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, a), SIM_LOGIN_REPLY);
	CHECK_ANS(&x, "MaxBurstLength", "65536");
	const char *b[] = { "MaxBurstLength=65536", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, b), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_INITIATOR_ERROR);
	fin(&x);
}

static void test_first_burst_above_max_burst(void)
{
	const char *r1[] = { NAMES, "MaxBurstLength=4096", "FirstBurstLength=8192", NULL };
	expect_reject(r1, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);
	/* FirstBurstLength not offered: its default (65536) counts. */
	const char *r2[] = { NAMES, "MaxBurstLength=1024", NULL };
	expect_reject(r2, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);
	/* Equal is fine. */
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	const char *r3[] = { NAMES, "MaxBurstLength=8192", "FirstBurstLength=8192", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, r3), SIM_LOGIN_FINAL);
	fin(&x);
	/* Checked on the final transit, not before: MBL first, FBL in a later PDU. */
	start(&x, &cfg);
	const char *a[] = { NAMES, "AuthMethod=None", "MaxBurstLength=4096", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, a), SIM_LOGIN_REPLY);
	const char *b[] = { "FirstBurstLength=2048", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, b), SIM_LOGIN_FINAL);
	CU_ASSERT_EQUAL(sim_login_params(x.l)->first_burst, 2048);
	fin(&x);
}

static void test_target_only_keys(void)
{
	const char *r1[] = { NAMES, "TargetPortalGroupTag=1", NULL };
	expect_reject(r1, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);
	const char *r2[] = { NAMES, "TargetAddress=10.0.0.1:3260,1", NULL };
	expect_reject(r2, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);
	const char *r3[] = { NAMES, "TargetAlias=x", NULL };
	expect_reject(r3, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);
}

/* ------------------------------------------------------------------------------------
 * Mandatory keys, version, stages */

static void test_mandatory_keys(void)
{
	const char *r1[] = { "TargetName=" TARGET, "SessionType=Normal", NULL };
	expect_reject(r1, true, 1, 3, SIM_LOGIN_MISSING_PARAM);
	const char *r1b[] = { "InitiatorName=", "TargetName=" TARGET, NULL };
	expect_reject(r1b, true, 1, 3, SIM_LOGIN_MISSING_PARAM);
	const char *r2[] = { "InitiatorName=" INITIATOR, "SessionType=Normal", NULL };
	expect_reject(r2, true, 1, 3, SIM_LOGIN_MISSING_PARAM);
	const char *r3[] = { "InitiatorName=" INITIATOR, "TargetName=" TARGET, "SessionType=Bogus", NULL };
	expect_reject(r3, true, 1, 3, SIM_LOGIN_SESSION_TYPE);
	const char *r3b[] = { "InitiatorName=" INITIATOR, "TargetName=" TARGET, "SessionType=normal", NULL };
	expect_reject(r3b, true, 1, 3, SIM_LOGIN_SESSION_TYPE);
	const char *r4[] = { "InitiatorName=" INITIATOR, "TargetName=iqn.2026-01.org.example:other", NULL };
	expect_reject(r4, true, 1, 3, SIM_LOGIN_TARGET_NOT_FOUND);
	/* Missing names are checked on the security stage's first PDU as well. */
	const char *r5[] = { "TargetName=" TARGET, "AuthMethod=None", NULL };
	expect_reject(r5, true, 0, 1, SIM_LOGIN_MISSING_PARAM);

	/* iSCSI names compare case-insensitively. */
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	const char *ok[] = { "InitiatorName=" INITIATOR, "TargetName=IQN.2026-01.ORG.EXAMPLE:CDRW", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, ok), SIM_LOGIN_FINAL);
	fin(&x);
	/* Names only in the leading request. */
	start(&x, &cfg);
	const char *a[] = { "InitiatorName=" INITIATOR, "TargetName=" TARGET, "AuthMethod=None", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, a), SIM_LOGIN_REPLY);
	const char *b[] = { "SessionType=Normal", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, b), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_INITIATOR_ERROR);
	fin(&x);
}

static void test_version(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	x.vmin = 1;
	const char *req[] = { NAMES, NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, req), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_UNSUPPORTED_VERSION);
	fin(&x);
}

static void test_stage_errors(void)
{
	const char *req[] = { NAMES, NULL };
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;

	/* T and C together */
	start(&x, &cfg);
	uint8_t buf[256];
	size_t n = build(buf, sizeof(buf), req);
	CU_ASSERT_EQUAL(raw_step(&x, true, true, 1, 3, buf, n), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_INITIATOR_ERROR);
	fin(&x);
	/* reserved CSG 2, CSG 3 */
	expect_reject(req, true, 2, 3, SIM_LOGIN_INITIATOR_ERROR);
	expect_reject(req, false, 3, 3, SIM_LOGIN_INITIATOR_ERROR);
	/* NSG not above CSG, reserved NSG 2 */
	expect_reject(req, true, 1, 1, SIM_LOGIN_INITIATOR_ERROR);
	expect_reject(req, true, 1, 0, SIM_LOGIN_INITIATOR_ERROR);
	expect_reject(req, true, 0, 2, SIM_LOGIN_INITIATOR_ERROR);
	/* CSG=1 while we are still in the security stage (no transit answered) */
	start(&x, &cfg);
	const char *a[] = { NAMES, "AuthMethod=None", NULL };
	CU_ASSERT_EQUAL(step(&x, false, 0, 1, a), SIM_LOGIN_REPLY);
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, NULL), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_INITIATOR_ERROR);
	fin(&x);
	/* ISID changing inside the login */
	start(&x, &cfg);
	CU_ASSERT_EQUAL(step(&x, false, 0, 1, a), SIM_LOGIN_REPLY);
	x.isid[5] = 9;
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, NULL), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_INITIATOR_ERROR);
	fin(&x);
	/* Security keys belong to the security stage. */
	const char *r[] = { NAMES, "AuthMethod=None", NULL };
	expect_reject(r, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);
	const char *r2[] = { NAMES, "CHAP_A=5", NULL };
	expect_reject(r2, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);
}

static void test_stay_in_operational_stage(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	const char *a[] = { NAMES, "MaxBurstLength=65536", NULL };
	CU_ASSERT_EQUAL(step(&x, false, 1, 3, a), SIM_LOGIN_REPLY);
	CU_ASSERT_FALSE(x.rsp.transit);
	CHECK_ANS(&x, "MaxBurstLength", "65536");
	CHECK_ANS(&x, "MaxRecvDataSegmentLength", "262144");
	const char *b[] = { "ImmediateData=No", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, b), SIM_LOGIN_FINAL);
	CHECK_ANS(&x, "ImmediateData", "No");
	CU_ASSERT_PTR_NULL(ans(&x, "MaxRecvDataSegmentLength"));	/* declared once */
	CU_ASSERT_PTR_NULL(ans(&x, "TargetPortalGroupTag"));
	fin(&x);
}

/* ------------------------------------------------------------------------------------
 * Sessions: discovery, TSIH != 0 */

static void test_discovery(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	const char *req[] = { "InitiatorName=" INITIATOR, "SessionType=Discovery", LIBISCSI_OPS, NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, req), SIM_LOGIN_FINAL);
	CU_ASSERT_PTR_NULL(ans(&x, "TargetPortalGroupTag"));
	CHECK_ANS(&x, "InitialR2T", "Irrelevant");
	CHECK_ANS(&x, "ImmediateData", "Irrelevant");
	CHECK_ANS(&x, "MaxConnections", "Irrelevant");
	CHECK_ANS(&x, "MaxOutstandingR2T", "Irrelevant");
	CHECK_ANS(&x, "DataPDUInOrder", "Irrelevant");
	CHECK_ANS(&x, "DataSequenceInOrder", "Irrelevant");
	/* libiscsi strtol()s these: numbers, never Irrelevant. */
	CHECK_ANS(&x, "MaxBurstLength", "262144");
	CHECK_ANS(&x, "FirstBurstLength", "262144");
	CHECK_ANS(&x, "MaxRecvDataSegmentLength", "262144");
	CHECK_ANS(&x, "HeaderDigest", "None");
	CHECK_ANS(&x, "ErrorRecoveryLevel", "0");
	const struct sim_params *p = sim_login_params(x.l);
	CU_ASSERT_EQUAL(p->session_type, SIM_SESSION_DISCOVERY);
	CU_ASSERT_STRING_EQUAL(p->target_name, "");
	CU_ASSERT_EQUAL(p->mrdsl_initiator, 262144);
	fin(&x);
}

struct check_args {
	int calls;
	uint16_t tsih, cid, ret;
	uint8_t isid[6];
	char name[256];
	size_t target;
};

static uint16_t session_check(void *arg, const uint8_t isid[6], uint16_t tsih, uint16_t cid,
			      const char *initiator_name, size_t target)
{
	struct check_args *a = arg;
	a->calls++;
	a->target = target;
	a->tsih = tsih;
	a->cid = cid;
	memcpy(a->isid, isid, 6);
	snprintf(a->name, sizeof(a->name), "%s", initiator_name);
	return a->ret;
}

static void test_tsih_nonzero(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	const char *req[] = { NAMES, "MaxBurstLength=65536", "HeaderDigest=CRC32C", NULL };

	/* No callback: no session can exist. */
	start(&x, &cfg);
	x.tsih = 7;
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, req), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_NO_SESSION);
	fin(&x);

	struct check_args ca = { .ret = SIM_LOGIN_TOO_MANY_CONNS };
	cfg.session_check = session_check;
	cfg.session_check_arg = &ca;
	start(&x, &cfg);
	x.tsih = 7;
	x.cid = 3;
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, req), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_TOO_MANY_CONNS);
	CU_ASSERT_EQUAL(ca.calls, 1);
	CU_ASSERT_EQUAL(ca.tsih, 7);
	CU_ASSERT_EQUAL(ca.cid, 3);
	CU_ASSERT_EQUAL(ca.isid[0], 0x80);
	CU_ASSERT_STRING_EQUAL(ca.name, INITIATOR);
	CU_ASSERT_EQUAL(ca.target, 0);
	fin(&x);

	/* Accepted: session-wide keys are Irrelevant on an added connection, per-connection
	 * keys are negotiated. */
	ca.ret = 0;
	ca.calls = 0;
	start(&x, &cfg);
	x.tsih = 7;
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, req), SIM_LOGIN_FINAL);
	CU_ASSERT_EQUAL(x.rsp.tsih, 7);
	CHECK_ANS(&x, "MaxBurstLength", "Irrelevant");
	CHECK_ANS(&x, "HeaderDigest", "CRC32C");
	CU_ASSERT_EQUAL(ca.calls, 1);
	fin(&x);

	/* TSIH 0: the callback is not consulted. */
	ca.calls = 0;
	start(&x, &cfg);
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, req), SIM_LOGIN_FINAL);
	CU_ASSERT_EQUAL(ca.calls, 0);
	CU_ASSERT_EQUAL(x.rsp.tsih, 0);
	fin(&x);
}

/* ------------------------------------------------------------------------------------
 * C-bit continuation, limits, long responses */

static void test_continuation(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	uint8_t buf[1024];
	const char *req[] = { NAMES, "MaxBurstLength=65536", "ImmediateData=No", NULL };
	size_t n = build(buf, sizeof(buf), req);
	size_t cut = n - 20;	/* inside "MaxBurstLength=65536" or later */

	CU_ASSERT_EQUAL(raw_step(&x, false, true, 1, 3, buf, cut), SIM_LOGIN_REPLY);
	CU_ASSERT_FALSE(x.rsp.transit);
	CU_ASSERT_FALSE(x.rsp.cont);
	CU_ASSERT_EQUAL(x.rsp.dlen, 0);
	CU_ASSERT_EQUAL(x.rsp.nsg, 3);
	CU_ASSERT_EQUAL(raw_step(&x, true, false, 1, 3, buf + cut, n - cut), SIM_LOGIN_FINAL);
	CHECK_ANS(&x, "MaxBurstLength", "65536");
	CHECK_ANS(&x, "ImmediateData", "No");
	CHECK_ANS(&x, "TargetPortalGroupTag", "1");
	fin(&x);

	/* Byte by byte through a pair boundary, three pieces. */
	start(&x, &cfg);
	CU_ASSERT_EQUAL(raw_step(&x, false, true, 1, 3, buf, 10), SIM_LOGIN_REPLY);
	CU_ASSERT_EQUAL(raw_step(&x, false, true, 1, 3, buf + 10, 1), SIM_LOGIN_REPLY);
	CU_ASSERT_EQUAL(raw_step(&x, true, false, 1, 3, buf + 11, n - 11), SIM_LOGIN_FINAL);
	CU_ASSERT_STRING_EQUAL(sim_login_params(x.l)->initiator_name, INITIATOR);
	fin(&x);

	/* The stage may not change inside a continued request. */
	start(&x, &cfg);
	CU_ASSERT_EQUAL(raw_step(&x, false, true, 1, 3, buf, cut), SIM_LOGIN_REPLY);
	CU_ASSERT_EQUAL(raw_step(&x, true, false, 1, 2, buf + cut, n - cut), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_INITIATOR_ERROR);
	fin(&x);

	/* A pair cut off by the end of the text (C=0 without the rest) is an error. */
	start(&x, &cfg);
	CU_ASSERT_EQUAL(raw_step(&x, true, false, 1, 3, buf, cut), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_INITIATOR_ERROR);
	fin(&x);
}

static void test_pdu_limit(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	const char *a[] = { NAMES, "AuthMethod=None", NULL };
	CU_ASSERT_EQUAL(step(&x, false, 0, 1, a), SIM_LOGIN_REPLY);
	for (int i = 1; i < SIM_LOGIN_PDUS_MAX; i++)
		CU_ASSERT_EQUAL(step(&x, false, 0, 1, NULL), SIM_LOGIN_REPLY);
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, NULL), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_INITIATOR_ERROR);
	fin(&x);
}

static void test_text_limits(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	static uint8_t big[SIM_LOGIN_DATA_MAX + 1];
	memset(big, 'a', sizeof(big));

	/* One PDU above 8192 bytes. */
	start(&x, &cfg);
	CU_ASSERT_EQUAL(raw_step(&x, false, true, 1, 3, big, sizeof(big)), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_INITIATOR_ERROR);
	fin(&x);

	/* More than 64 KiB accumulated with C=1. */
	start(&x, &cfg);
	int i;
	for (i = 0; i < SIM_LOGIN_TEXT_MAX / SIM_LOGIN_DATA_MAX; i++)
		CU_ASSERT_EQUAL(raw_step(&x, false, true, 1, 3, big, SIM_LOGIN_DATA_MAX), SIM_LOGIN_REPLY);
	CU_ASSERT_EQUAL(raw_step(&x, false, true, 1, 3, big, 1), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_INITIATOR_ERROR);
	fin(&x);

	/* Too long a value and too many pairs fail the parse. */
	char longv[300] = "InitiatorAlias=";
	memset(longv + 15, 'v', 256);
	longv[271] = '\0';
	const char *r1[] = { NAMES, longv, NULL };
	expect_reject(r1, true, 1, 3, SIM_LOGIN_INITIATOR_ERROR);
}

static void test_long_response_split(void)
{
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	/* 124 unknown 63-byte keys (the pair limit is 128): ~9.7 KB of NotUnderstood. */
	static uint8_t text[16384];
	size_t n = 0;
	const char *names[] = { NAMES, NULL };
	n = build(text, sizeof(text), names);
	for (int i = 0; i < 124; i++)
		n += (size_t)sprintf((char *)text + n, "X-org.example.%049d=1", i) + 1;
	CU_ASSERT_FATAL(n > SIM_LOGIN_DATA_MAX && n < 2 * SIM_LOGIN_DATA_MAX);
	CU_ASSERT_EQUAL(raw_step(&x, false, true, 1, 3, text, SIM_LOGIN_DATA_MAX), SIM_LOGIN_REPLY);
	CU_ASSERT_EQUAL(raw_step(&x, true, false, 1, 3, text + SIM_LOGIN_DATA_MAX, n - SIM_LOGIN_DATA_MAX),
			SIM_LOGIN_REPLY);
	/* First piece: C=1, T=0, a full 8192 bytes. */
	CU_ASSERT_TRUE(x.rsp.cont);
	CU_ASSERT_FALSE(x.rsp.transit);
	CU_ASSERT_EQUAL(x.rsp.dlen, SIM_LOGIN_DATA_MAX);
	uint8_t whole[2 * SIM_LOGIN_DATA_MAX];
	size_t got = x.rsp.dlen;
	memcpy(whole, x.rsp.data, got);
	/* Text while the response continues is an error; an empty request fetches more. */
	CU_ASSERT_EQUAL(raw_step(&x, true, false, 1, 3, NULL, 0), SIM_LOGIN_FINAL);
	CU_ASSERT_FALSE(x.rsp.cont);
	CU_ASSERT_TRUE(x.rsp.transit);
	CU_ASSERT_FATAL(got + x.rsp.dlen <= sizeof(whole));
	memcpy(whole + got, x.rsp.data, x.rsp.dlen);
	got += x.rsp.dlen;
	struct sim_kvlist all = { 0 };
	CU_ASSERT_EQUAL(sim_text_parse(whole, got, &all, NULL), 0);
	CU_ASSERT_EQUAL(all.n, 124 + 2);
	char last[64];
	snprintf(last, sizeof(last), "X-org.example.%049d", 123);
	const char *v1 = sim_kvlist_get(&all, last), *v2 = sim_kvlist_get(&all, "MaxRecvDataSegmentLength");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v2);
	CU_ASSERT_STRING_EQUAL(v1, "NotUnderstood");
	CU_ASSERT_STRING_EQUAL(v2, "262144");
	sim_kvlist_free(&all);
	fin(&x);

	/* Text in the acknowledgement is refused. */
	start(&x, &cfg);
	CU_ASSERT_EQUAL(raw_step(&x, false, true, 1, 3, text, SIM_LOGIN_DATA_MAX), SIM_LOGIN_REPLY);
	CU_ASSERT_EQUAL(raw_step(&x, true, false, 1, 3, text + SIM_LOGIN_DATA_MAX, n - SIM_LOGIN_DATA_MAX),
			SIM_LOGIN_REPLY);
	const char *more[] = { "Foo=1", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, more), SIM_LOGIN_REJECT);
	fin(&x);
}

/* ------------------------------------------------------------------------------------
 * CHAP */

static int unhex(const char *s, uint8_t *out, size_t cap)
{
	if (strncmp(s, "0x", 2) != 0)
		return -1;
	s += 2;
	size_t n = strlen(s);
	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

static void tohex(const uint8_t *p, size_t n, char *out, const char *prefix)
{
	size_t o = (size_t)sprintf(out, "%s", prefix);
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(out + o, "%02x", p[i]);
}

static void md5_answer(uint8_t id, const char *secret, const uint8_t *c, size_t clen, uint8_t out[16])
{
	struct md5_ctx m;
	md5_init(&m);
	md5_update(&m, 1, &id);
	md5_update(&m, strlen(secret), (const uint8_t *)secret);
	md5_update(&m, clen, c);
	md5_digest(&m, 16, out);
}

static void b64(const uint8_t *p, size_t n, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? a[v & 63] : '=';
	}
	out[o] = '\0';
}

struct chap_got {
	unsigned id;
	uint8_t c[64];
	int clen;
};

/* Steps 1 and 2 of the libiscsi CHAP flow; returns the challenge. */
static struct chap_got chap_begin(struct xchg *x, const char *chap_a)
{
	struct chap_got g = { 0 };
	const char *r1[] = { "InitiatorName=" INITIATOR, "TargetName=" TARGET, "SessionType=Normal",
			     "AuthMethod=CHAP,None", NULL };
	CU_ASSERT_EQUAL(step(x, true, 0, 1, r1), SIM_LOGIN_REPLY);
	CU_ASSERT_FALSE(x->rsp.transit);		/* never before authentication */
	CHECK_ANS(x, "AuthMethod", "CHAP");
	CHECK_ANS(x, "TargetPortalGroupTag", "1");
	CU_ASSERT_PTR_NULL(ans(x, "MaxRecvDataSegmentLength"));

	char a[64];
	snprintf(a, sizeof(a), "CHAP_A=%s", chap_a);
	const char *r2[] = { a, NULL };
	CU_ASSERT_EQUAL(step(x, false, 0, 1, r2), SIM_LOGIN_REPLY);
	CU_ASSERT_FALSE(x->rsp.transit);
	const char *ci = ans(x, "CHAP_I"), *cc = ans(x, "CHAP_C");
	CU_ASSERT_PTR_NOT_NULL(ans(x, "CHAP_A"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(ci);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cc);
	CU_ASSERT_EQUAL(strncmp(cc, "0x", 2), 0);		/* lowercase x for libiscsi */
	for (const char *p = cc + 2; *p; p++)
		CU_ASSERT_TRUE((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
	g.id = (unsigned)atoi(ci);
	CU_ASSERT_TRUE(g.id <= 255);
	g.clen = unhex(cc, g.c, sizeof(g.c));
	CU_ASSERT_TRUE(g.clen >= 16);
	return g;
}

static void test_chap_one_way(void)
{
	struct sim_login_cfg cfg = chap_cfg();
	struct xchg x;
	start(&x, &cfg);
	struct chap_got g = chap_begin(&x, "5");
	CHECK_ANS(&x, "CHAP_A", "5");
	CU_ASSERT_EQUAL(g.clen, 16);

	uint8_t d[16];
	char r[64];
	md5_answer((uint8_t)g.id, SECRET, g.c, (size_t)g.clen, d);
	tohex(d, 16, r, "CHAP_R=0x");
	const char *r3[] = { "CHAP_N=" USER, r, NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r3), SIM_LOGIN_REPLY);
	CU_ASSERT_TRUE(x.rsp.transit);
	CU_ASSERT_EQUAL(x.rsp.nsg, 1);
	CU_ASSERT_PTR_NULL(ans(&x, "CHAP_N"));	/* no mutual CHAP asked for */
	CU_ASSERT_TRUE(sim_login_params(x.l)->authenticated);

	const char *r4[] = { LIBISCSI_OPS, NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, r4), SIM_LOGIN_FINAL);
	CHECK_ANS(&x, "MaxRecvDataSegmentLength", "262144");
	CU_ASSERT_PTR_NULL(ans(&x, "TargetPortalGroupTag"));
	CU_ASSERT_TRUE(sim_login_params(x.l)->authenticated);
	fin(&x);
}

/* The third step with a given CHAP_R text (after "CHAP_R="), expecting a result. */
static void chap_try(const char *chap_a, const char *user, const char *secret,
		     void (*encode)(const uint8_t *d, size_t n, char *out), enum sim_login_action want,
		     uint16_t status)
{
	struct sim_login_cfg cfg = chap_cfg();
	struct xchg x;
	start(&x, &cfg);
	struct chap_got g = chap_begin(&x, chap_a);
	uint8_t d[32];
	size_t dl;
	if (strcmp(chap_a, "7") == 0) {
		struct sha256_ctx s;
		uint8_t id = (uint8_t)g.id;
		sha256_init(&s);
		sha256_update(&s, 1, &id);
		sha256_update(&s, strlen(secret), (const uint8_t *)secret);
		sha256_update(&s, (size_t)g.clen, g.c);
		sha256_digest(&s, 32, d);
		dl = 32;
	} else {
		md5_answer((uint8_t)g.id, secret, g.c, (size_t)g.clen, d);
		dl = 16;
	}
	char r[256] = "CHAP_R=", n[128];
	encode(d, dl, r + 7);
	snprintf(n, sizeof(n), "CHAP_N=%s", user);
	const char *r3[] = { n, r, NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r3), want);
	if (want == SIM_LOGIN_REJECT) {
		CU_ASSERT_EQUAL(x.rsp.status, status);
		CU_ASSERT_FALSE(sim_login_params(x.l)->authenticated);
	} else {
		CU_ASSERT_TRUE(x.rsp.transit);
	}
	fin(&x);
}

static void enc_hex(const uint8_t *d, size_t n, char *out) { tohex(d, n, out, "0x"); }

static void enc_hex_upper(const uint8_t *d, size_t n, char *out)
{
	tohex(d, n, out, "0X");
	for (char *p = out + 2; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
}

static void enc_b64(const uint8_t *d, size_t n, char *out)
{
	out[0] = '0';
	out[1] = 'b';
	b64(d, n, out + 2);
}

/* iscsi-test-cu Base64Oversize: a valid base64 prefix in front of the real answer. */
static void enc_b64_oversize(const uint8_t *d, size_t n, char *out)
{
	strcpy(out, "0bb3ZlcnNpemUK");
	b64(d, n, out + strlen(out));
}

static void enc_hex_long(const uint8_t *d, size_t n, char *out)
{
	tohex(d, n, out, "0x");
	strcat(out, "00");
}

static void enc_hex_short(const uint8_t *d, size_t n, char *out) { tohex(d, n - 1, out, "0x"); }

static void test_chap_encodings(void)
{
	chap_try("5", USER, SECRET, enc_hex, SIM_LOGIN_REPLY, 0);
	chap_try("5", USER, SECRET, enc_hex_upper, SIM_LOGIN_REPLY, 0);
	chap_try("5", USER, SECRET, enc_b64, SIM_LOGIN_REPLY, 0);
	chap_try("5", USER, SECRET, enc_b64_oversize, SIM_LOGIN_REJECT, SIM_LOGIN_AUTH_FAILURE);
	chap_try("5", USER, SECRET, enc_hex_long, SIM_LOGIN_REJECT, SIM_LOGIN_AUTH_FAILURE);
	chap_try("5", USER, SECRET, enc_hex_short, SIM_LOGIN_REJECT, SIM_LOGIN_AUTH_FAILURE);
}

static void test_chap_wrong_credentials(void)
{
	chap_try("5", USER, "wrong-secret", enc_hex, SIM_LOGIN_REJECT, SIM_LOGIN_AUTH_FAILURE);
	chap_try("5", "mallory", SECRET, enc_hex, SIM_LOGIN_REJECT, SIM_LOGIN_AUTH_FAILURE);
	chap_try("5", "", SECRET, enc_hex, SIM_LOGIN_REJECT, SIM_LOGIN_AUTH_FAILURE);
}

static void test_chap_algorithms(void)
{
	/* iscsi-test-cu CHAP.Simple: "5,6,7,8" must give MD5. */
	struct sim_login_cfg cfg = chap_cfg();
	struct xchg x;
	start(&x, &cfg);
	struct chap_got g = chap_begin(&x, "5,6,7,8");
	CHECK_ANS(&x, "CHAP_A", "5");
	CU_ASSERT_EQUAL(g.clen, 16);
	fin(&x);
	/* SHA-256 (libiscsi auth=sha-256) end to end, with a 32-byte challenge. */
	chap_try("7", USER, SECRET, enc_hex, SIM_LOGIN_REPLY, 0);
	start(&x, &cfg);
	g = chap_begin(&x, "7");
	CU_ASSERT_EQUAL(g.clen, 32);
	fin(&x);

	/* iscsi-test-cu CHAP.Invalid: 56 and the empty list fail the login. */
	const char *bad[] = { "56", "", "1,2,3", "x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start(&x, &cfg);
		const char *r1[] = { NAMES, "AuthMethod=CHAP,None", NULL };
		CU_ASSERT_EQUAL(step(&x, true, 0, 1, r1), SIM_LOGIN_REPLY);
		char a[32];
		snprintf(a, sizeof(a), "CHAP_A=%s", bad[i]);
		const char *r2[] = { a, NULL };
		CU_ASSERT_EQUAL(step(&x, false, 0, 1, r2), SIM_LOGIN_REJECT);
		CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_AUTH_FAILURE);
		fin(&x);
	}
}

static void test_chap_required(void)
{
	struct sim_login_cfg cfg = chap_cfg();
	struct xchg x;

	/* libiscsi without a user starts at CSG=1. */
	start(&x, &cfg);
	const char *r1[] = { NAMES, LIBISCSI_OPS, NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, r1), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_AUTH_FAILURE);
	fin(&x);
	/* open-iscsi without CHAP offers only None. */
	start(&x, &cfg);
	const char *r2[] = { NAMES, "AuthMethod=None", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r2), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_AUTH_FAILURE);
	fin(&x);
	/* No AuthMethod at all, trying to leave the security stage. */
	start(&x, &cfg);
	const char *r3[] = { NAMES, NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r3), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_AUTH_FAILURE);
	fin(&x);
	/* An unsupported method list. */
	start(&x, &cfg);
	const char *r4[] = { NAMES, "AuthMethod=SRP,KRB5", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r4), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_AUTH_FAILURE);
	fin(&x);
	/* "CHAP" offered after something we do not support is still chosen. */
	start(&x, &cfg);
	const char *r5[] = { NAMES, "AuthMethod=KRB5,CHAP", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r5), SIM_LOGIN_REPLY);
	CHECK_ANS(&x, "AuthMethod", "CHAP");
	fin(&x);
}

static void test_chap_not_required(void)
{
	/* libiscsi with a user against a target without CHAP: None, and transit.  Its
	 * CSG=1 request then restates the names (lib/login.c), which must be accepted. */
	struct sim_login_cfg cfg = base_cfg();
	struct xchg x;
	start(&x, &cfg);
	const char *r1[] = { NAMES, "InitiatorAlias=me", "AuthMethod=CHAP,None", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r1), SIM_LOGIN_REPLY);
	CU_ASSERT_TRUE(x.rsp.transit);
	CHECK_ANS(&x, "AuthMethod", "None");
	const char *r1b[] = { "InitiatorName=" INITIATOR, "InitiatorAlias=me", "TargetName=" TARGET,
			      "SessionType=Normal", LIBISCSI_OPS, NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, r1b), SIM_LOGIN_FINAL);
	CU_ASSERT_PTR_NULL(ans(&x, "InitiatorName"));
	CU_ASSERT_PTR_NULL(ans(&x, "TargetName"));
	CHECK_ANS(&x, "MaxRecvDataSegmentLength", "262144");
	CU_ASSERT_FALSE(sim_login_params(x.l)->authenticated);
	fin(&x);
	/* A restatement with a different value is not. */
	start(&x, &cfg);
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r1), SIM_LOGIN_REPLY);
	const char *r1c[] = { "InitiatorName=iqn.2026-01.org.example:someone-else", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, r1c), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_INITIATOR_ERROR);
	fin(&x);
	/* Only CHAP offered and none configured. */
	start(&x, &cfg);
	const char *r2[] = { NAMES, "AuthMethod=CHAP", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r2), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_AUTH_FAILURE);
	fin(&x);
	/* CHAP keys without CHAP. */
	start(&x, &cfg);
	const char *r3[] = { NAMES, "AuthMethod=None", "CHAP_A=5", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r3), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_AUTH_FAILURE);
	fin(&x);
}

static void test_chap_sequence_errors(void)
{
	struct sim_login_cfg cfg = chap_cfg();
	struct xchg x;
	const char *r1[] = { NAMES, "AuthMethod=CHAP,None", NULL };

	/* CHAP_R before a challenge. */
	start(&x, &cfg);
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r1), SIM_LOGIN_REPLY);
	const char *r2[] = { "CHAP_N=" USER, "CHAP_R=0x00112233445566778899aabbccddeeff", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r2), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_AUTH_FAILURE);
	fin(&x);
	/* No CHAP_A where it is due. */
	start(&x, &cfg);
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r1), SIM_LOGIN_REPLY);
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, NULL), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_AUTH_FAILURE);
	fin(&x);
	/* Only CHAP_N after the challenge. */
	start(&x, &cfg);
	chap_begin(&x, "5");
	const char *r3[] = { "CHAP_N=" USER, NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r3), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_AUTH_FAILURE);
	fin(&x);
	/* A second CHAP_A is a repeated key. */
	start(&x, &cfg);
	chap_begin(&x, "5");
	const char *r4[] = { "CHAP_A=5", NULL };
	CU_ASSERT_EQUAL(step(&x, false, 0, 1, r4), SIM_LOGIN_REJECT);
	fin(&x);
	/* AuthMethod and CHAP_A in one PDU (allowed: both answered). */
	start(&x, &cfg);
	const char *r5[] = { NAMES, "AuthMethod=CHAP", "CHAP_A=5", NULL };
	CU_ASSERT_EQUAL(step(&x, false, 0, 1, r5), SIM_LOGIN_REPLY);
	CHECK_ANS(&x, "AuthMethod", "CHAP");
	CHECK_ANS(&x, "CHAP_A", "5");
	CU_ASSERT_PTR_NOT_NULL(ans(&x, "CHAP_C"));
	fin(&x);
}

static void test_chap_response_without_transit(void)
{
	/* CHAP_R with T=0: authenticated, stay; the next T=1 PDU transits. */
	struct sim_login_cfg cfg = chap_cfg();
	struct xchg x;
	start(&x, &cfg);
	struct chap_got g = chap_begin(&x, "5");
	uint8_t d[16];
	char r[64];
	md5_answer((uint8_t)g.id, SECRET, g.c, (size_t)g.clen, d);
	tohex(d, 16, r, "CHAP_R=0x");
	const char *r3[] = { "CHAP_N=" USER, r, NULL };
	CU_ASSERT_EQUAL(step(&x, false, 0, 1, r3), SIM_LOGIN_REPLY);
	CU_ASSERT_FALSE(x.rsp.transit);
	CU_ASSERT_EQUAL(step(&x, true, 0, 3, NULL), SIM_LOGIN_FINAL);
	CHECK_ANS(&x, "MaxRecvDataSegmentLength", "262144");
	fin(&x);
}

static void mutual_cfg(struct sim_login_cfg *cfg)
{
	*cfg = chap_cfg();
	cfg->mutual_user = TUSER;
	cfg->mutual_secret = TSECRET;
}

static void test_chap_mutual(void)
{
	struct sim_login_cfg cfg;
	mutual_cfg(&cfg);
	struct xchg x;
	start(&x, &cfg);
	struct chap_got g = chap_begin(&x, "5");
	uint8_t d[16];
	char r[64], c[128];
	md5_answer((uint8_t)g.id, SECRET, g.c, (size_t)g.clen, d);
	tohex(d, 16, r, "CHAP_R=0x");
	/* libiscsi sends 2 x digest-size random bytes as its challenge. */
	uint8_t ic[32];
	for (int i = 0; i < 32; i++)
		ic[i] = (uint8_t)(0xa0 + i);
	tohex(ic, 32, c, "CHAP_C=0x");
	const char *r3[] = { "CHAP_N=" USER, r, "CHAP_I=77", c, NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r3), SIM_LOGIN_REPLY);
	CU_ASSERT_TRUE(x.rsp.transit);
	CU_ASSERT_EQUAL(x.rsp.nsg, 1);
	/* libiscsi insists on both in this transit response. */
	CHECK_ANS(&x, "CHAP_N", TUSER);
	const char *tr = ans(&x, "CHAP_R");
	CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
	uint8_t want[16], got[16];
	md5_answer(77, TSECRET, ic, 32, want);
	CU_ASSERT_EQUAL(strlen(tr), 2 + 32);
	CU_ASSERT_EQUAL(unhex(tr, got, sizeof(got)), 16);
	CU_ASSERT_EQUAL(memcmp(got, want, 16), 0);
	CU_ASSERT_TRUE(sim_login_params(x.l)->authenticated);
	const char *r4[] = { LIBISCSI_OPS, NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, r4), SIM_LOGIN_FINAL);
	fin(&x);
}

/* Step 3 with mutual-CHAP pairs: ci and cc are whole "CHAP_I=..." / "CHAP_C=..." pairs
 * or NULL; cc "REFLECT" sends our own challenge back. */
static void mutual_try(const struct sim_login_cfg *cfg, const char *ci, const char *cc,
		       enum sim_login_action want, uint16_t status)
{
	struct xchg x;
	start(&x, cfg);
	struct chap_got g = chap_begin(&x, "5");
	uint8_t d[16];
	char r[64], c[256];
	md5_answer((uint8_t)g.id, SECRET, g.c, (size_t)g.clen, d);
	tohex(d, 16, r, "CHAP_R=0x");
	if (cc && strcmp(cc, "REFLECT") == 0) {
		tohex(g.c, (size_t)g.clen, c, "CHAP_C=0x");
		cc = c;
	}
	const char *r3[5] = { "CHAP_N=" USER, r, NULL, NULL, NULL };
	size_t n = 2;
	if (ci)
		r3[n++] = ci;
	if (cc)
		r3[n++] = cc;
	CU_ASSERT_EQUAL(step(&x, true, 0, 1, r3), want);
	if (want == SIM_LOGIN_REJECT) {
		CU_ASSERT_EQUAL(x.rsp.status, status);
		CU_ASSERT_FALSE(sim_login_params(x.l)->authenticated);
	}
	if (want == SIM_LOGIN_DROP) {
		CU_ASSERT_EQUAL(x.rsp.dlen, 0);
		CU_ASSERT_FALSE(sim_login_params(x.l)->authenticated);
		CU_ASSERT_EQUAL(step(&x, true, 0, 1, NULL), SIM_LOGIN_REJECT);	/* over */
	}
	if (want == SIM_LOGIN_REPLY) {
		CU_ASSERT_TRUE(x.rsp.transit);
		CU_ASSERT_PTR_NOT_NULL(ans(&x, "CHAP_R"));
	}
	fin(&x);
}

static void test_chap_mutual_errors(void)
{
	struct sim_login_cfg cfg;
	mutual_cfg(&cfg);
	const char *c16 = "CHAP_C=0x0102030405060708090a0b0c0d0e0f10";
	/* Reflection: our own challenge comes back. */
	mutual_try(&cfg, "CHAP_I=1", "REFLECT", SIM_LOGIN_DROP, 0);
	/* Bad identifier, bad challenges, one of the pair missing. */
	mutual_try(&cfg, "CHAP_I=256", c16, SIM_LOGIN_REJECT, SIM_LOGIN_AUTH_FAILURE);
	mutual_try(&cfg, "CHAP_I=x", c16, SIM_LOGIN_REJECT, SIM_LOGIN_AUTH_FAILURE);
	mutual_try(&cfg, "CHAP_I=1", "CHAP_C=0x", SIM_LOGIN_REJECT, SIM_LOGIN_AUTH_FAILURE);
	mutual_try(&cfg, "CHAP_I=1", "CHAP_C=zz", SIM_LOGIN_REJECT, SIM_LOGIN_AUTH_FAILURE);
	mutual_try(&cfg, NULL, c16, SIM_LOGIN_REJECT, SIM_LOGIN_AUTH_FAILURE);
	mutual_try(&cfg, "CHAP_I=1", NULL, SIM_LOGIN_REJECT, SIM_LOGIN_AUTH_FAILURE);
	/* Mutual CHAP asked for, but the target has no credentials for it. */
	struct sim_login_cfg one = chap_cfg();
	mutual_try(&one, "CHAP_I=1", c16, SIM_LOGIN_REJECT, SIM_LOGIN_AUTH_FAILURE);
	/* A base64 challenge and a hex identifier are fine. */
	mutual_try(&cfg, "CHAP_I=0x09", "CHAP_C=0bAQIDBAUGBwgJCgsMDQ4PEA==", SIM_LOGIN_REPLY, 0);
}

static void test_bad_config(void)
{
	struct sim_login_cfg c = base_cfg();
	c.ntargets = 0;
	CU_ASSERT_PTR_NULL(sim_login_new(&c));
	static const struct sim_login_target unnamed[] = { { TARGET, NULL }, { "", NULL } };
	c.targets = unnamed;
	c.ntargets = 2;
	CU_ASSERT_PTR_NULL(sim_login_new(&c));
	c = chap_cfg();
	c.chap_secret = NULL;
	CU_ASSERT_PTR_NULL(sim_login_new(&c));
	c = chap_cfg();
	c.mutual_user = TUSER;
	CU_ASSERT_PTR_NULL(sim_login_new(&c));
	CU_ASSERT_PTR_NULL(sim_login_new(NULL));
	sim_login_free(NULL);
	/* Zero limits fall back to the documented defaults. */
	c = base_cfg();
	c.mrdsl = 0;
	c.max_burst = 0;
	c.first_burst = 0;
	struct xchg x;
	start(&x, &c);
	const char *r[] = { NAMES, "MaxBurstLength=16777215", "FirstBurstLength=16777215", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 1, 3, r), SIM_LOGIN_FINAL);
	CHECK_ANS(&x, "MaxRecvDataSegmentLength", "262144");
	CHECK_ANS(&x, "MaxBurstLength", "1048576");
	CHECK_ANS(&x, "FirstBurstLength", "262144");
	fin(&x);
}

static void test_status_str(void)
{
	CU_ASSERT_STRING_EQUAL(sim_login_status_str(SIM_LOGIN_SUCCESS), "success");
	CU_ASSERT_STRING_EQUAL(sim_login_status_str(SIM_LOGIN_AUTH_FAILURE), "authentication failure");
	CU_ASSERT_STRING_EQUAL(sim_login_status_str(SIM_LOGIN_TARGET_NOT_FOUND), "target not found");
	CU_ASSERT_STRING_EQUAL(sim_login_status_str(SIM_LOGIN_OUT_OF_RESOURCES), "out of resources");
	CU_ASSERT_STRING_EQUAL(sim_login_status_str(0x0999), "unknown status");
}

/* ------------------------------------------------------------------------------------
 * SendTargets */

static int sendtargets_of(const struct sim_login_target *targets, size_t ntargets,
			  const char *const *pairs, const char *own, struct sim_kvlist *answer)
{
	static const char *const portals[] = { "127.0.0.1:3260,1", "[::1]:3260,1" };
	uint8_t buf[1024];
	size_t n = build(buf, sizeof(buf), pairs);
	struct sim_kvlist req = { 0 };
	struct sim_textbuf out = { 0 };
	CU_ASSERT_EQUAL_FATAL(sim_text_parse(buf, n, &req, NULL), 0);
	int rc = sim_sendtargets(&req, targets, ntargets, own, portals, 2, &out);
	if (rc == 0 && out.len)
		CU_ASSERT_EQUAL(sim_text_parse(out.p, out.len, answer, NULL), 0);
	sim_kvlist_free(&req);
	sim_textbuf_free(&out);
	return rc;
}

static int sendtargets(const char *const *pairs, const char *own, struct sim_kvlist *answer)
{
	return sendtargets_of(one_target, 1, pairs, own, answer);
}

static void test_sendtargets_valid(void)
{
	struct sim_kvlist a = { 0 };
	const char *all[] = { "SendTargets=All", NULL };
	CU_ASSERT_EQUAL(sendtargets(all, NULL, &a), 0);
	CU_ASSERT_EQUAL_FATAL(a.n, 3);
	CU_ASSERT_STRING_EQUAL(a.v[0].key, "TargetName");
	CU_ASSERT_STRING_EQUAL(a.v[0].value, TARGET);
	CU_ASSERT_STRING_EQUAL(a.v[1].key, "TargetAddress");
	CU_ASSERT_STRING_EQUAL(a.v[1].value, "127.0.0.1:3260,1");
	CU_ASSERT_STRING_EQUAL(a.v[2].value, "[::1]:3260,1");
	sim_kvlist_free(&a);

	/* Empty value in a normal session: the session's target. */
	const char *empty[] = { "SendTargets=", NULL };
	CU_ASSERT_EQUAL(sendtargets(empty, TARGET, &a), 0);
	CU_ASSERT_EQUAL(a.n, 3);
	sim_kvlist_free(&a);
	/* ... but not in a discovery session. */
	CU_ASSERT_EQUAL(sendtargets(empty, NULL, &a), -1);
	sim_kvlist_free(&a);

	/* A named target: ours, or a valid name we do not serve (empty answer). */
	const char *ours[] = { "SendTargets=" TARGET, NULL };
	CU_ASSERT_EQUAL(sendtargets(ours, NULL, &a), 0);
	CU_ASSERT_EQUAL(a.n, 3);
	sim_kvlist_free(&a);
	const char *other[] = { "SendTargets=iqn.2026-01.org.example:other", NULL };
	CU_ASSERT_EQUAL(sendtargets(other, NULL, &a), 0);
	CU_ASSERT_EQUAL(a.n, 0);
	const char *eui[] = { "SendTargets=eui.02004567A425678D", NULL };
	CU_ASSERT_EQUAL(sendtargets(eui, NULL, &a), 0);
	CU_ASSERT_EQUAL(a.n, 0);
	const char *naa[] = { "SendTargets=naa.52004567BA64678D", NULL };
	CU_ASSERT_EQUAL(sendtargets(naa, NULL, &a), 0);
	const char *naa32[] = { "SendTargets=naa.62004567BA64678D0123456789ABCDEF", NULL };
	CU_ASSERT_EQUAL(sendtargets(naa32, NULL, &a), 0);
	sim_kvlist_free(&a);
}

static void test_sendtargets_invalid(void)
{
	struct sim_kvlist a = { 0 };
	/* iscsi-test-cu iSCSISendTargets.Invalid */
	const char *c1[] = { "SendTargetsPlease=All", NULL };
	const char *c2[] = { "SendTargets=Alle", NULL };
	const char *c3[] = { "SendTargets=A", NULL };
	const char *c4[] = { "sENDtARGETS=aLL", NULL };
	/* and more */
	const char *c5[] = { "SendTargets=all", NULL };
	const char *c6[] = { "SendTargets=iqn.bad", NULL };
	const char *c7[] = { "SendTargets=iqn.2026-13.org.example:x", NULL };
	const char *c8[] = { "SendTargets=eui.0123", NULL };
	const char *c9[] = { "SendTargets=naa.0123456789ABCDEFG", NULL };
	const char *c10[] = { "SendTargets=All", "SendTargets=All", NULL };
	const char *c11[] = { "SendTargets=All", "Foo=1", NULL };
	const char *c12[] = { NULL };
	const char *c13[] = { "SendTargets=iqn.2026-01.org.exa mple", NULL };
	const char *const *cases[] = { c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL(sendtargets(cases[i], TARGET, &a), -1);
		CU_ASSERT_EQUAL(a.n, 0);
		sim_kvlist_free(&a);
	}
}

/* ------------------------------------------------------------------------------------
 * Several targets on one portal */

#define TARGET_B "iqn.2026-01.org.example:dvdrw"
#define TARGET_C "iqn.2026-01.org.example:bdre"
static const struct sim_login_target three_targets[] = {
	{ TARGET, "cdrw" }, { TARGET_B, "dvdrw" }, { TARGET_C, NULL },
};

static void test_find_target(void)
{
	CU_ASSERT_EQUAL(sim_login_find_target(three_targets, 3, TARGET), 0);
	CU_ASSERT_EQUAL(sim_login_find_target(three_targets, 3, TARGET_C), 2);
	/* iSCSI names compare case-insensitively (RFC 3722). */
	CU_ASSERT_EQUAL(sim_login_find_target(three_targets, 3, "IQN.2026-01.ORG.EXAMPLE:DVDRW"), 1);
	CU_ASSERT_EQUAL(sim_login_find_target(three_targets, 3, "iqn.2026-01.org.example:dvd"), -1);
	CU_ASSERT_EQUAL(sim_login_find_target(three_targets, 3, "iqn.2026-01.org.example:dvdrw2"), -1);
	CU_ASSERT_EQUAL(sim_login_find_target(three_targets, 3, NULL), -1);
	CU_ASSERT_EQUAL(sim_login_find_target(three_targets, 2, TARGET_C), -1);
}

static void test_login_picks_target(void)
{
	struct sim_login_cfg cfg = base_cfg();
	cfg.targets = three_targets;
	cfg.ntargets = 3;
	struct xchg x;

	/* The TargetName picks the target: its index, its canonical name, its alias. */
	start(&x, &cfg);
	const char *b[] = { "InitiatorName=" INITIATOR, "TargetName=IQN.2026-01.org.example:DVDRW",
			    "SessionType=Normal", "AuthMethod=None", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 3, b), SIM_LOGIN_FINAL);
	CHECK_ANS(&x, "TargetAlias", "dvdrw");
	CU_ASSERT_EQUAL(sim_login_params(x.l)->target, 1);
	CU_ASSERT_STRING_EQUAL(sim_login_params(x.l)->target_name, TARGET_B);
	fin(&x);

	/* A target without an alias sends none. */
	start(&x, &cfg);
	const char *c[] = { "InitiatorName=" INITIATOR, "TargetName=" TARGET_C, "AuthMethod=None", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 3, c), SIM_LOGIN_FINAL);
	CU_ASSERT_PTR_NULL(ans(&x, "TargetAlias"));
	CU_ASSERT_EQUAL(sim_login_params(x.l)->target, 2);
	fin(&x);

	/* A name the daemon does not serve: Target Not Found (RFC 7143 §11.13.5). */
	start(&x, &cfg);
	const char *u[] = { "InitiatorName=" INITIATOR, "TargetName=iqn.2026-01.org.example:none",
			    "AuthMethod=None", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 3, u), SIM_LOGIN_REJECT);
	CU_ASSERT_EQUAL(x.rsp.status, SIM_LOGIN_TARGET_NOT_FOUND);
	fin(&x);

	/* A session check (TSIH != 0) is asked about the session of that target. */
	struct check_args ca = { .ret = 0 };
	cfg.session_check = session_check;
	cfg.session_check_arg = &ca;
	start(&x, &cfg);
	x.tsih = 9;
	CU_ASSERT_EQUAL(step(&x, true, 0, 3, c), SIM_LOGIN_FINAL);
	CU_ASSERT_EQUAL(ca.calls, 1);
	CU_ASSERT_EQUAL(ca.target, 2);
	fin(&x);

	/* A discovery session names no target. */
	start(&x, &cfg);
	const char *d[] = { "InitiatorName=" INITIATOR, "SessionType=Discovery", "AuthMethod=None", NULL };
	CU_ASSERT_EQUAL(step(&x, true, 0, 3, d), SIM_LOGIN_FINAL);
	CU_ASSERT_EQUAL(sim_login_params(x.l)->session_type, SIM_SESSION_DISCOVERY);
	CU_ASSERT_PTR_NULL(ans(&x, "TargetAlias"));
	fin(&x);
}

static void test_sendtargets_several(void)
{
	struct sim_kvlist a = { 0 };
	const char *all[] = { "SendTargets=All", NULL };

	/* Discovery: every target, each followed by every portal (RFC 7143 Appendix C). */
	CU_ASSERT_EQUAL(sendtargets_of(three_targets, 3, all, NULL, &a), 0);
	CU_ASSERT_EQUAL_FATAL(a.n, 9);
	const char *names[] = { TARGET, TARGET_B, TARGET_C };
	for (size_t i = 0; i < 3; i++) {
		CU_ASSERT_STRING_EQUAL(a.v[3 * i].key, "TargetName");
		CU_ASSERT_STRING_EQUAL(a.v[3 * i].value, names[i]);
		CU_ASSERT_STRING_EQUAL(a.v[3 * i + 1].key, "TargetAddress");
		CU_ASSERT_STRING_EQUAL(a.v[3 * i + 1].value, "127.0.0.1:3260,1");
		CU_ASSERT_STRING_EQUAL(a.v[3 * i + 2].value, "[::1]:3260,1");
	}
	sim_kvlist_free(&a);

	/* A normal session learns only its own target, with All or empty. */
	CU_ASSERT_EQUAL(sendtargets_of(three_targets, 3, all, TARGET_B, &a), 0);
	CU_ASSERT_EQUAL_FATAL(a.n, 3);
	CU_ASSERT_STRING_EQUAL(a.v[0].value, TARGET_B);
	sim_kvlist_free(&a);
	const char *empty[] = { "SendTargets=", NULL };
	CU_ASSERT_EQUAL(sendtargets_of(three_targets, 3, empty, TARGET_C, &a), 0);
	CU_ASSERT_EQUAL_FATAL(a.n, 3);
	CU_ASSERT_STRING_EQUAL(a.v[0].value, TARGET_C);
	sim_kvlist_free(&a);

	/* A name: that target alone (canonical spelling), or nothing. */
	const char *one[] = { "SendTargets=iqn.2026-01.org.example:BDRE", NULL };
	CU_ASSERT_EQUAL(sendtargets_of(three_targets, 3, one, NULL, &a), 0);
	CU_ASSERT_EQUAL_FATAL(a.n, 3);
	CU_ASSERT_STRING_EQUAL(a.v[0].value, TARGET_C);
	sim_kvlist_free(&a);
	const char *none[] = { "SendTargets=iqn.2026-01.org.example:other", NULL };
	CU_ASSERT_EQUAL(sendtargets_of(three_targets, 3, none, NULL, &a), 0);
	CU_ASSERT_EQUAL(a.n, 0);
	/* No targets at all is a caller error. */
	CU_ASSERT_EQUAL(sendtargets_of(three_targets, 0, all, NULL, &a), -1);
	sim_kvlist_free(&a);
}

static const struct unit_test login_tests[] = {
	{ "libiscsi_single_pdu", test_libiscsi_single_pdu },
	{ "openiscsi_two_stages", test_openiscsi_two_stages },
	{ "security_stage_t0_then_transit", test_security_stage_t0_then_transit },
	{ "security_straight_to_ffp", test_security_straight_to_ffp },
	{ "defaults_when_not_offered", test_defaults_when_not_offered },
	{ "key_rules", test_key_rules },
	{ "key_results_in_params", test_key_results_in_params },
	{ "rejected_value_keeps_default", test_rejected_value_keeps_default },
	{ "mrdsl_declaration_errors", test_mrdsl_declaration_errors },
	{ "duplicate_keys", test_duplicate_keys },
	{ "first_burst_above_max_burst", test_first_burst_above_max_burst },
	{ "target_only_keys", test_target_only_keys },
	{ "mandatory_keys", test_mandatory_keys },
	{ "version", test_version },
	{ "stage_errors", test_stage_errors },
	{ "stay_in_operational_stage", test_stay_in_operational_stage },
	{ "discovery", test_discovery },
	{ "tsih_nonzero", test_tsih_nonzero },
	{ "continuation", test_continuation },
	{ "pdu_limit", test_pdu_limit },
	{ "text_limits", test_text_limits },
	{ "long_response_split", test_long_response_split },
	{ "chap_one_way", test_chap_one_way },
	{ "chap_encodings", test_chap_encodings },
	{ "chap_wrong_credentials", test_chap_wrong_credentials },
	{ "chap_algorithms", test_chap_algorithms },
	{ "chap_required", test_chap_required },
	{ "chap_not_required", test_chap_not_required },
	{ "chap_sequence_errors", test_chap_sequence_errors },
	{ "chap_response_without_transit", test_chap_response_without_transit },
	{ "chap_mutual", test_chap_mutual },
	{ "chap_mutual_errors", test_chap_mutual_errors },
	{ "bad_config", test_bad_config },
	{ "status_str", test_status_str },
	{ "sendtargets_valid", test_sendtargets_valid },
	{ "sendtargets_invalid", test_sendtargets_invalid },
	{ "find_target", test_find_target },
	{ "login_picks_target", test_login_picks_target },
	{ "sendtargets_several", test_sendtargets_several },
};

static int login_suite(void)
{
	return UNIT_ADD_SUITE("login", login_tests);
}
UNIT_SUITE(login_suite)
