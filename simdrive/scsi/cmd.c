/* simdrive/scsi/cmd.c - the command in flight, as every command set builds its answer:
 * failing with a sense condition (and a field pointer), saying "not yet" (a pending
 * command, scsi.h struct sim_cmd.pending), and the data-in buffer, whose
 * size is bounded by what the initiator takes (doc/simdrive-scsi.md, "Transfer
 * lengths").  It calls nothing of the command sets or of dispatch (device-private.h). */
#include <stdlib.h>
#include <string.h>

#include "device-private.h"

/* ---- failures ------------------------------------------------------------------ */

uint8_t sim_fail(struct sim_ctx *c, struct sim_sense s)
{
	c->sense = s;
	c->field.valid = false;
	return SIM_STATUS_CHECK_CONDITION;
}

static uint8_t sim_fail_at(struct sim_ctx *c, struct sim_sense s, bool cdb,
			   uint16_t byte, int bit)
{
	c->sense = s;
	c->field = (struct sim_sense_field){
		.valid = true, .cdb = cdb, .byte = byte,
		.bpv = bit >= 0, .bit = (uint8_t)(bit >= 0 ? bit : 0),
	};
	return SIM_STATUS_CHECK_CONDITION;
}

uint8_t sim_fail_cdb(struct sim_ctx *c, struct sim_sense s, uint16_t byte, int bit)
{
	return sim_fail_at(c, s, true, byte, bit);
}

uint8_t sim_fail_param(struct sim_ctx *c, struct sim_sense s, uint16_t byte, int bit)
{
	return sim_fail_at(c, s, false, byte, bit);
}

uint8_t sim_fail_progress(struct sim_ctx *c, struct sim_sense s, uint16_t progress)
{
	/* SPC-4 §4.5.2.4.4: SKSV set, the progress indication in the last two bytes. */
	c->sense = s;
	c->field = (struct sim_sense_field){ .valid = true, .byte = progress };
	return SIM_STATUS_CHECK_CONDITION;
}

/* ---- pending ------------------------------------------------------------------ */

uint8_t sim_pending(struct sim_ctx *c, enum sim_wait why, uint64_t ticket)
{
	c->wait = why;
	c->wait_ticket = ticket;
	return SIM_STATUS_PENDING;
}

/* ---- data-in ------------------------------------------------------------------- */

uint8_t *sim_reply(struct sim_ctx *c, size_t len, uint32_t alloc)
{
	free(c->buf);
	c->buflen = 0;
	c->buf = calloc(1, len ? len : 1);
	if (!c->buf)
		return NULL;
	c->buflen = (uint32_t)len;
	c->cmd->spdtl = len < alloc ? (uint32_t)len : alloc;
	return c->buf;
}

uint8_t sim_reply_copy(struct sim_ctx *c, const uint8_t *data, size_t len, uint32_t alloc)
{
	uint32_t spdtl = len < alloc ? (uint32_t)len : alloc;
	uint32_t n = sim_data_in_want(c, spdtl);
	free(c->buf);
	c->buflen = 0;
	c->buf = malloc(n ? n : 1);
	if (!c->buf)
		return sim_fail(c, SIM_SENSE_INTERNAL_TARGET_FAILURE);
	memcpy(c->buf, data, n);
	c->buflen = n;
	c->cmd->spdtl = spdtl;
	return SIM_STATUS_GOOD;
}

uint32_t sim_data_in_want(const struct sim_ctx *c, uint64_t spdtl)
{
	const struct sim_cmd *cmd = c->cmd;
	if (!cmd->dir_in)
		return 0;
	return (uint32_t)(spdtl < cmd->edtl ? spdtl : cmd->edtl);
}

uint8_t *sim_reply_bulk(struct sim_ctx *c, uint32_t spdtl, uint32_t n)
{
	free(c->buf);
	c->buflen = 0;
	size_t cap;
	c->buf = sim_bulk_get(n, &cap);	/* the transport puts it back once sent */
	if (!c->buf)
		return NULL;
	c->buflen = n;
	c->cmd->spdtl = spdtl;
	return c->buf;
}
