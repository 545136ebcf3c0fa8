/* simdrive/iscsi/login.h - the login phase of one iSCSI connection, as a pure state machine
 * (RFC 7143 §6, §11.12, §11.13, §12, §13; decisions in doc/iscsi-target.md).
 *
 * No sockets here: the connection layer feeds each Login Request's fields and text,
 * and gets back the Login Response to send and what to do next.  This makes every
 * negotiation rule testable in CUnit.
 */
#ifndef SIM_LOGIN_H
#define SIM_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text.h"

/* Login status classes and details (RFC 7143 §11.13.5), as class << 8 | detail. */
enum sim_login_status {
	SIM_LOGIN_SUCCESS            = 0x0000,
	SIM_LOGIN_TARGET_MOVED_TEMP  = 0x0101,
	SIM_LOGIN_TARGET_MOVED_PERM  = 0x0102,
	SIM_LOGIN_INITIATOR_ERROR    = 0x0200,
	SIM_LOGIN_AUTH_FAILURE       = 0x0201,
	SIM_LOGIN_AUTHZ_FAILURE      = 0x0202,
	SIM_LOGIN_TARGET_NOT_FOUND   = 0x0203,
	SIM_LOGIN_TARGET_REMOVED     = 0x0204,
	SIM_LOGIN_UNSUPPORTED_VERSION = 0x0205,
	SIM_LOGIN_TOO_MANY_CONNS     = 0x0206,
	SIM_LOGIN_MISSING_PARAM      = 0x0207,
	SIM_LOGIN_CANT_INCLUDE       = 0x0208,
	SIM_LOGIN_SESSION_TYPE       = 0x0209,
	SIM_LOGIN_NO_SESSION         = 0x020a,
	SIM_LOGIN_INVALID_DURING_LOGIN = 0x020b,
	SIM_LOGIN_TARGET_ERROR       = 0x0300,
	SIM_LOGIN_SERVICE_UNAVAILABLE = 0x0301,
	SIM_LOGIN_OUT_OF_RESOURCES   = 0x0302,
};

const char *sim_login_status_str(uint16_t status);

/* Login limits (doc/iscsi-target.md, "our limits"). */
#define SIM_LOGIN_DATA_MAX  8192	/* data bytes per Login PDU, both ways (MRDSL default) */
#define SIM_LOGIN_PDUS_MAX  16		/* Login Requests per connection */
#define SIM_LOGIN_TEXT_MAX  65536	/* text bytes accumulated over the whole login */

/* Login stages (CSG/NSG, RFC 7143 §11.12.3). */
enum sim_stage { SIM_STAGE_SECURITY = 0, SIM_STAGE_OPERATIONAL = 1, SIM_STAGE_FFP = 3 };

/* One target the daemon serves (a Normal session's TargetName picks it). */
struct sim_login_target {
	const char *name;		/* iSCSI name (IQN) */
	const char *alias;		/* TargetAlias sent at login; may be NULL */
};

/* Index of the target named name in targets[0..n), compared case-insensitively
 * (iSCSI names are stringprep-normalised to lower case, RFC 3722), or -1. */
int sim_login_find_target(const struct sim_login_target *targets, size_t n, const char *name);

/* The target's side of the negotiation. */
struct sim_login_cfg {
	const struct sim_login_target *targets;	/* the targets this daemon serves, borrowed */
	size_t      ntargets;			/* at least 1 */
	uint16_t    tpgt;		/* TargetPortalGroupTag, e.g. 1 */
	/* One-way CHAP: when chap_user is set, the initiator must authenticate with it. */
	const char *chap_user, *chap_secret;
	/* Mutual CHAP: the name and secret the target answers with, if the initiator asks. */
	const char *mutual_user, *mutual_secret;
	/* Our limits (the values the target answers with, doc/iscsi-target.md). */
	uint32_t mrdsl;			/* our MaxRecvDataSegmentLength, declared */
	uint32_t max_burst;		/* cap for MaxBurstLength */
	uint32_t first_burst;		/* cap for FirstBurstLength */
	/* Called for a login with TSIH != 0, once its names are known, to check the
	 * TSIH/CID against live sessions (connection addition/reinstatement) of the target
	 * with index `target` in targets[] (a session is named by initiator, ISID and
	 * target, RFC 7143 §4.4.3).  Returns a login status (0 when fine).  May be NULL
	 * (then TSIH != 0 always gives SIM_LOGIN_NO_SESSION). */
	uint16_t (*session_check)(void *arg, const uint8_t isid[6], uint16_t tsih, uint16_t cid,
				  const char *initiator_name, size_t target);
	void *session_check_arg;
	/* Source of randomness for CHAP challenges/identifiers; NULL = getrandom(). */
	void (*random)(void *arg, uint8_t *buf, size_t len);
	void *random_arg;
};

enum sim_session_type { SIM_SESSION_NORMAL = 0, SIM_SESSION_DISCOVERY = 1 };

/* The operational parameters in force once login completes. */
struct sim_params {
	enum sim_session_type session_type;
	char     initiator_name[224];	/* RFC 3720 names are <= 223 bytes */
	char     initiator_alias[256];
	char     target_name[224];
	size_t   target;		/* Normal session: index of its target in cfg targets[] */
	bool     header_digest;		/* CRC32C negotiated */
	bool     data_digest;
	uint32_t max_connections;
	bool     initial_r2t;
	bool     immediate_data;
	uint32_t mrdsl_target;		/* we receive at most this per data segment */
	uint32_t mrdsl_initiator;	/* we send at most this per data segment */
	uint32_t max_burst;
	uint32_t first_burst;
	uint32_t time2wait, time2retain;
	uint32_t max_outstanding_r2t;
	bool     data_pdu_in_order, data_seq_in_order;
	uint32_t erl;
	bool     authenticated;		/* CHAP succeeded */
};

/* The fields of a Login Request that matter (RFC 7143 §11.12). */
struct sim_login_req {
	bool     transit, cont;		/* T and C bits */
	uint8_t  csg, nsg;
	uint8_t  version_max, version_min;
	uint8_t  isid[6];
	uint16_t tsih;
	uint32_t itt;
	uint16_t cid;
	uint32_t cmdsn, expstatsn;
	const uint8_t *data;		/* text data, dlen bytes */
	uint32_t dlen;
};

/* What to send back.  `data` is owned by the login state and stays valid until the
 * next sim_login_step() or sim_login_free(). */
struct sim_login_rsp {
	bool     transit, cont;
	uint8_t  csg, nsg;
	uint16_t tsih;			/* 0 until the final response; set by the caller */
	uint16_t status;		/* enum sim_login_status */
	const uint8_t *data;
	uint32_t dlen;
};

enum sim_login_action {
	SIM_LOGIN_REPLY,	/* send the response, stay in login */
	SIM_LOGIN_FINAL,	/* send the response (caller fills tsih), then full feature phase */
	SIM_LOGIN_REJECT,	/* send the response (status != 0), then close the connection */
	SIM_LOGIN_DROP,		/* close the connection without answering (e.g. CHAP reflection) */
};

struct sim_login;

struct sim_login *sim_login_new(const struct sim_login_cfg *cfg);
void sim_login_free(struct sim_login *l);

/* Process one Login Request.  Enforces: version, mandatory keys, stage transitions,
 * the security stage (AuthMethod, CHAP with MD5 via nettle, mutual CHAP), every
 * operational key of RFC 7143 §13 (list/AND/OR/min/max/declarative rules,
 * NotUnderstood / Irrelevant / Reject answers, duplicate keys), C-bit text
 * continuation, limits (16 PDUs, 64 KiB text).  A failed rule ends in
 * SIM_LOGIN_REJECT with the status class of RFC 7143 §11.13.5. */
enum sim_login_action sim_login_step(struct sim_login *l, const struct sim_login_req *req,
				     struct sim_login_rsp *rsp);

/* The negotiated parameters; complete after SIM_LOGIN_FINAL. */
const struct sim_params *sim_login_params(const struct sim_login *l);

/* A reason for the last REJECT/DROP, for the log ("CHAP_R mismatch", ...). */
const char *sim_login_why(const struct sim_login *l);

/* SendTargets (RFC 7143 §13.3, Appendix C), used by the Text Request handler in full
 * feature phase.  `targets` are every target the daemon serves; `own_target` the
 * session's target name (NULL in discovery sessions); `portals` are "addr:port,tpgt"
 * strings (every target is reached through all of them).  All: every target in a
 * discovery session, the session's own in a normal one; empty: the session's own;
 * a name: that target if served, else nothing.  Appends the answer to out and returns
 * 0, or -1 if the request is malformed (then the caller sends Reject 0x04).  The only
 * key accepted is exactly "SendTargets". */
int sim_sendtargets(const struct sim_kvlist *req, const struct sim_login_target *targets,
		    size_t ntargets, const char *own_target, const char *const *portals,
		    size_t nportals, struct sim_textbuf *out);

#endif
