/* simdrive/fault.c - see fault.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "log.h"
#include "wire.h"

static const struct {
	const char *name;
	enum sim_fault_kind kind;
	struct sim_sense sense;		/* the default */
} kinds[] = {
	{ "long-write-in-progress", SIM_FAULT_LONG_WRITE,     { 0x02, 0x04, 0x08 } },
	{ "unit-attention",         SIM_FAULT_UNIT_ATTENTION, { 0x06, 0x29, 0x00 } },
	{ "write-error",            SIM_FAULT_WRITE_ERROR,    { 0x03, 0x0C, 0x00 } },
	{ "drop-connection",        SIM_FAULT_DROP,           { 0, 0, 0 } },
};

const char *sim_fault_kind_name(enum sim_fault_kind kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "?";
}

static int num(const char *v, long long lo, long long hi, long long *out)
{
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 0);
	if (errno || end == v || *end || x < lo || x > hi)
		return -1;
	*out = x;
	return 0;
}

/* "K/AA/QQ" in hex. */
static int parse_sense(const char *v, struct sim_sense *s)
{
	unsigned k, a, q;
	char tail;
	if (sscanf(v, "%x/%x/%x%c", &k, &a, &q, &tail) != 3 || k > 0xF || a > 0xFF || q > 0xFF)
		return -1;
	*s = SIM_SENSE((uint8_t)k, (uint8_t)a, (uint8_t)q);
	return 0;
}

int sim_fault_parse(const char *text, struct sim_fault *out, char *err, size_t errlen)
{
	char buf[256], *save = NULL;
	bool have_kind = false, have_trigger = false, have_sense = false;
	long long x;

	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "fault '%.40s...': too long", text);
		return -1;
	}
	strcpy(buf, text);
	memset(out, 0, sizeof(*out));
	out->lun = -1;
	out->count = 1;
	for (char *w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		char *eq = strchr(w, '=');
		const char *v = eq ? eq + 1 : NULL;
		if (eq)
			*eq = 0;
		if (!have_kind) {
			for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
				if (!eq && strcmp(w, kinds[i].name) == 0) {
					out->kind = kinds[i].kind;
					out->sense = kinds[i].sense;
					have_kind = true;
				}
			if (!have_kind) {
				snprintf(err, errlen, "fault '%s': unknown kind '%s' (long-write-in-progress, unit-attention, write-error, drop-connection)",
					 text, w);
				return -1;
			}
			continue;
		}
		if (v && strcmp(w, "lun") == 0 && num(v, 0, 0x3FFF, &x) == 0) {
			out->lun = (int)x;
		} else if (v && strcmp(w, "lba") == 0 && num(v, INT32_MIN, INT32_MAX, &x) == 0) {
			out->by_lba = true;
			out->lba = x;
			have_trigger = true;
		} else if (v && strcmp(w, "command") == 0 && num(v, 1, INT64_MAX, &x) == 0) {
			out->by_lba = false;
			out->command = (uint64_t)x;
			have_trigger = true;
		} else if (v && (strcmp(w, "count") == 0 || strcmp(w, "polls") == 0) &&
			   num(v, 1, 1000000, &x) == 0) {
			out->count = (uint32_t)x;
		} else if (v && strcmp(w, "sense") == 0 && parse_sense(v, &out->sense) == 0) {
			have_sense = true;
		} else if (!v && strcmp(w, "after") == 0 && out->kind == SIM_FAULT_DROP) {
			out->after = true;
		} else {
			snprintf(err, errlen, "fault '%s': bad word '%s%s%s'", text, w, v ? "=" : "",
				 v ? v : "");
			return -1;
		}
	}
	if (!have_kind || !have_trigger) {
		snprintf(err, errlen, "fault '%s': needs a kind and lba=L or command=N", text);
		return -1;
	}
	if (have_sense && out->kind == SIM_FAULT_DROP) {
		snprintf(err, errlen, "fault '%s': drop-connection takes no sense", text);
		return -1;
	}
	return 0;
}

/* Blocks of a WRITE(10) / WRITE(12) (MMC-6 §6.44, §6.45); false for other opcodes. */
static bool write_range(const uint8_t *cdb, int64_t *lba, uint32_t *n)
{
	switch (cdb[0]) {
	case 0x2A:
		*lba = (int32_t)wire_be32(cdb + 2);
		*n = wire_be16(cdb + 7);
		return true;
	case 0xAA:
		*lba = (int32_t)wire_be32(cdb + 2);
		*n = wire_be32(cdb + 6);
		return true;
	default:
		return false;
	}
}

bool sim_fault_check(struct sim_fault *faults, size_t n, uint16_t lun, uint64_t command_no,
		     const uint8_t *cdb, struct sim_fault_effect *eff)
{
	int64_t wlba = 0;
	uint32_t wn = 0;
	bool is_write = write_range(cdb, &wlba, &wn);

	memset(eff, 0, sizeof(*eff));
	for (size_t i = 0; i < n; i++) {
		struct sim_fault *f = &faults[i];
		if (f->fired >= f->count || (f->lun >= 0 && (uint16_t)f->lun != lun))
			continue;
		bool hit = f->by_lba ? is_write && f->lba >= wlba && f->lba < wlba + wn
				     : command_no >= f->command && command_no < f->command + f->count;
		if (!hit)
			continue;
		f->fired++;
		SIM_INFO(SIM_LOGS_SCSI, "fault %s fired on LUN %u command %" PRIu64 " (opcode %02x), %u of %u",
			 sim_fault_kind_name(f->kind), lun, command_no, cdb[0], f->fired, f->count);
		eff->sense = f->sense;
		switch (f->kind) {
		case SIM_FAULT_LONG_WRITE:
		case SIM_FAULT_WRITE_ERROR:
			eff->fail = true;
			break;
		case SIM_FAULT_UNIT_ATTENTION:
			eff->raise_ua = true;
			break;
		case SIM_FAULT_DROP:
			eff->drop = true;
			eff->after = f->after;
			break;
		}
		return true;
	}
	return false;
}
