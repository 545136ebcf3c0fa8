/* simdrive/drive/fault.c - see fault.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "log.h"
#include "wire.h"

/* What each kind takes besides a trigger. */
enum {
	K_SENSE    = 1u << 0,	/* sense=K/AA/QQ */
	K_AFTER    = 1u << 1,	/* after */
	K_DEFERRED = 1u << 2,	/* deferred */
	K_READS    = 1u << 3,	/* lba= and seed= look at READs, not WRITEs */
	K_IMAGE    = 1u << 4,	/* no trigger; after=BYTES, at-sync (the image's disk) */
};

static const struct {
	const char *name;
	enum sim_fault_kind kind;
	struct sim_sense sense;		/* the default */
	unsigned flags;
} kinds[] = {
	{ "long-write-in-progress", SIM_FAULT_LONG_WRITE,     { 0x02, 0x04, 0x08 }, K_SENSE },
	{ "unit-attention",         SIM_FAULT_UNIT_ATTENTION, { 0x06, 0x29, 0x00 }, K_SENSE },
	{ "write-error",            SIM_FAULT_WRITE_ERROR,    { 0x03, 0x0C, 0x00 },
	  K_SENSE | K_DEFERRED },
	{ "drop-connection",        SIM_FAULT_DROP,           { 0, 0, 0 }, K_AFTER },
	{ "medium-error",           SIM_FAULT_MEDIUM_ERROR,   { 0x03, 0x11, 0x00 },
	  K_SENSE | K_READS },
	{ "eject",                  SIM_FAULT_EJECT,          { 0x02, 0x3A, 0x02 }, 0 },
	{ "ignore-speed",           SIM_FAULT_IGNORE_SPEED,   { 0, 0, 0 }, 0 },
	{ "record-nothing",         SIM_FAULT_RECORD_NOTHING, { 0, 0, 0 }, 0 },
	{ "image-enospc",           SIM_FAULT_IMAGE_ENOSPC,   { 0, 0, 0 }, K_IMAGE },
	{ "image-eio",              SIM_FAULT_IMAGE_EIO,      { 0, 0, 0 }, K_IMAGE },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static size_t kind_index(enum sim_fault_kind kind)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].kind == kind)
			return i;
	return 0;
}

const char *sim_fault_kind_name(enum sim_fault_kind kind)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "?";
}

int sim_fault_image_errno(enum sim_fault_kind kind)
{
	return kind == SIM_FAULT_IMAGE_ENOSPC ? ENOSPC : kind == SIM_FAULT_IMAGE_EIO ? EIO : 0;
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

/* A probability 0 < P <= 1 as a decimal fraction, in millionths. */
static int parse_ppm(const char *v, uint32_t *ppm)
{
	char *end;
	errno = 0;
	double p = strtod(v, &end);
	if (errno || end == v || *end || !(p > 0.0 && p <= 1.0))
		return -1;
	*ppm = (uint32_t)(p * 1e6 + 0.5);
	if (*ppm == 0)
		*ppm = 1;
	return 0;
}

int sim_fault_parse(const char *text, struct sim_fault *out, char *err, size_t errlen)
{
	char buf[256], *save = NULL;
	bool have_kind = false, have_trigger = false, have_sense = false, have_p = false;
	unsigned flags = 0;
	long long x;

	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "fault '%.40s...': too long", text);
		return -1;
	}
	strcpy(buf, text);
	memset(out, 0, sizeof(*out));
	out->lun = -1;
	out->count = 1;
	out->ppm = 10000;
	for (char *w = strtok_r(buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		char *eq = strchr(w, '=');
		const char *v = eq ? eq + 1 : NULL;
		if (eq)
			*eq = 0;
		if (!have_kind) {
			for (size_t i = 0; i < NKINDS; i++)
				if (!eq && strcmp(w, kinds[i].name) == 0) {
					out->kind = kinds[i].kind;
					out->sense = kinds[i].sense;
					flags = kinds[i].flags;
					have_kind = true;
				}
			if (!have_kind) {
				snprintf(err, errlen, "fault '%s': unknown kind '%s' (long-write-in-progress, "
					 "unit-attention, write-error, medium-error, drop-connection, eject, "
					 "ignore-speed, record-nothing, image-enospc, image-eio)", text, w);
				return -1;
			}
			continue;
		}
		if (v && strcmp(w, "lun") == 0 && num(v, 0, 0x3FFF, &x) == 0) {
			out->lun = (int)x;
		} else if (v && strcmp(w, "lba") == 0 && !have_trigger &&
			   num(v, INT32_MIN, INT32_MAX, &x) == 0) {
			out->trigger = SIM_TRIG_LBA;
			out->lba = x;
			have_trigger = true;
		} else if (v && strcmp(w, "command") == 0 && !have_trigger &&
			   num(v[0] == '+' ? v + 1 : v, 1, INT64_MAX, &x) == 0 &&
			   (v[0] != '+' || (v[1] >= '0' && v[1] <= '9'))) {
			out->trigger = SIM_TRIG_COMMAND;
			out->command = (uint64_t)x;
			out->relative = v[0] == '+';
			have_trigger = true;
		} else if (v && strcmp(w, "seed") == 0 && !have_trigger &&
			   num(v, 0, INT64_MAX, &x) == 0) {
			out->trigger = SIM_TRIG_SEED;
			out->seed = (uint64_t)x;
			out->rng = (uint64_t)x;
			have_trigger = true;
		} else if (v && strcmp(w, "probability") == 0 && parse_ppm(v, &out->ppm) == 0) {
			have_p = true;
		} else if (v && (strcmp(w, "count") == 0 || strcmp(w, "polls") == 0) &&
			   num(v, 1, 1000000, &x) == 0) {
			out->count = (uint32_t)x;
		} else if (v && strcmp(w, "sense") == 0 && parse_sense(v, &out->sense) == 0) {
			have_sense = true;
		} else if (v && strcmp(w, "after") == 0 && (flags & K_IMAGE) &&
			   num(v, 0, INT64_MAX, &x) == 0) {
			out->bytes = (uint64_t)x;
		} else if (!v && strcmp(w, "at-sync") == 0 && (flags & K_IMAGE)) {
			out->at_sync = true;
		} else if (!v && strcmp(w, "after") == 0 && (flags & K_AFTER)) {
			out->after = true;
		} else if (!v && strcmp(w, "deferred") == 0 && (flags & K_DEFERRED)) {
			out->deferred = true;
		} else {
			snprintf(err, errlen, "fault '%s': bad word '%s%s%s'", text, w, v ? "=" : "",
				 v ? v : "");
			return -1;
		}
	}
	if (have_kind && (flags & K_IMAGE)) {
		/* The image's disk fails by bytes written, not at a command. */
		if (have_trigger || have_p || have_sense || out->count != 1) {
			snprintf(err, errlen, "fault '%s': %s takes lun=, after=BYTES and at-sync only",
				 text, kinds[kind_index(out->kind)].name);
			return -1;
		}
		out->trigger = SIM_TRIG_IMAGE;
		return 0;
	}
	if (!have_kind || !have_trigger) {
		snprintf(err, errlen, "fault '%s': needs a kind and lba=L or command=N (or seed=S)", text);
		return -1;
	}
	if (have_p && out->trigger != SIM_TRIG_SEED) {
		snprintf(err, errlen, "fault '%s': probability= goes with seed=", text);
		return -1;
	}
	if (have_sense && !(flags & K_SENSE)) {
		snprintf(err, errlen, "fault '%s': %s takes no sense", text, kinds[kind_index(out->kind)].name);
		return -1;
	}
	out->by_lba = out->trigger == SIM_TRIG_LBA;
	return 0;
}

int sim_fault_format(const struct sim_fault *f, char *buf, size_t cap)
{
	size_t k = kind_index(f->kind);
	char trig[64], lun[16] = "", sense[24] = "", prob[32] = "";

	switch (f->trigger) {
	case SIM_TRIG_LBA:
		snprintf(trig, sizeof(trig), "lba=%" PRId64, f->lba);
		break;
	case SIM_TRIG_COMMAND:
		snprintf(trig, sizeof(trig), "command=%s%" PRIu64, f->relative ? "+" : "", f->command);
		break;
	case SIM_TRIG_SEED:
		snprintf(trig, sizeof(trig), "seed=%" PRIu64, f->seed);
		snprintf(prob, sizeof(prob), " probability=%u.%06u", f->ppm / 1000000,
			 f->ppm % 1000000);
		break;
	case SIM_TRIG_IMAGE:
		if (f->lun >= 0)
			snprintf(lun, sizeof(lun), " lun=%d", f->lun);
		return snprintf(buf, cap, "%s%s after=%" PRIu64 "%s", kinds[k].name, lun, f->bytes,
				f->at_sync ? " at-sync" : "");
	}
	if (f->lun >= 0)
		snprintf(lun, sizeof(lun), " lun=%d", f->lun);
	if (kinds[k].flags & K_SENSE)
		snprintf(sense, sizeof(sense), " sense=%X/%02X/%02X", f->sense.key, f->sense.asc,
			 f->sense.ascq);
	return snprintf(buf, cap, "%s%s %s%s count=%" PRIu32 "%s%s%s", kinds[k].name, lun, trig,
			prob, f->count, sense, f->after ? " after" : "", f->deferred ? " deferred" : "");
}

/* LBA and block count of the commands an lba= trigger looks at (MMC-6 §6.44, §6.45 for
 * WRITE(10)/(12); §6.16, §6.17, §6.19 for READ(10)/(12)/READ CD); false for others. */
static bool cdb_range(const uint8_t *cdb, bool reads, int64_t *lba, uint32_t *n)
{
	switch (cdb[0]) {
	case 0x2A:
	case 0x28:
		if ((cdb[0] == 0x28) != reads)
			return false;
		*lba = (int32_t)wire_be32(cdb + 2);
		*n = wire_be16(cdb + 7);
		return true;
	case 0xAA:
	case 0xA8:
		if ((cdb[0] == 0xA8) != reads)
			return false;
		*lba = (int32_t)wire_be32(cdb + 2);
		*n = wire_be32(cdb + 6);
		return true;
	case 0xBE:
		if (!reads)
			return false;
		*lba = (int32_t)wire_be32(cdb + 2);
		*n = (uint32_t)cdb[6] << 16 | (uint32_t)cdb[7] << 8 | cdb[8];
		return true;
	default:
		return false;
	}
}

/* The INFORMATION field of an LBA: 32 bits, two's complement for the lead-in. */
static uint64_t fault_info(int64_t lba)
{
	return (uint32_t)(int32_t)lba;
}

/* splitmix64: small, fast, and the same on every platform. */
static uint64_t fault_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

bool sim_fault_check(struct sim_fault *faults, size_t n, uint16_t lun, uint64_t command_no,
		     const uint8_t *cdb, struct sim_fault_effect *eff)
{
	memset(eff, 0, sizeof(*eff));
	for (size_t i = 0; i < n; i++) {
		struct sim_fault *f = &faults[i];
		if (f->fired >= f->count || (f->lun >= 0 && (uint16_t)f->lun != lun))
			continue;
		size_t k = kind_index(f->kind);
		int64_t clba = 0;
		uint32_t cn = 0;
		bool ranged = cdb_range(cdb, kinds[k].flags & K_READS, &clba, &cn);
		bool hit = false;
		switch (f->trigger) {
		case SIM_TRIG_LBA:
			hit = ranged && f->lba >= clba && f->lba < clba + cn;
			break;
		case SIM_TRIG_COMMAND:
			hit = !f->relative && command_no >= f->command &&
			      command_no < f->command + f->count;
			break;
		case SIM_TRIG_SEED:
			/* One draw per candidate command, fired or not: the firings depend on
			 * the command sequence only. */
			hit = ranged && fault_rand(&f->rng) % 1000000u < f->ppm;
			break;
		case SIM_TRIG_IMAGE:	/* armed in the image writer (sim_dev_add_fault) */
			break;
		}
		if (!hit)
			continue;
		f->fired++;
		SIM_INFO(SIM_LOGS_SCSI, "fault %u %s fired on LUN %u command %" PRIu64 " (opcode %02x), %u of %u",
			 f->id, sim_fault_kind_name(f->kind), lun, command_no, cdb[0], f->fired, f->count);
		eff->fault = f;
		eff->sense = f->sense;
		switch (f->kind) {
		case SIM_FAULT_LONG_WRITE:
			eff->fail = true;
			break;
		case SIM_FAULT_WRITE_ERROR:
			if (f->deferred) {
				eff->deferred = true;
				eff->has_info = true;
				eff->info = fault_info(f->trigger == SIM_TRIG_LBA ? f->lba : clba);
			} else {
				eff->fail = true;
			}
			break;
		case SIM_FAULT_MEDIUM_ERROR:
			eff->fail = true;
			if (ranged) {
				eff->has_info = true;
				eff->info = fault_info(f->trigger == SIM_TRIG_LBA ? f->lba : clba);
			}
			break;
		case SIM_FAULT_UNIT_ATTENTION:
			eff->raise_ua = true;
			break;
		case SIM_FAULT_DROP:
			eff->drop = true;
			eff->after = f->after;
			break;
		case SIM_FAULT_EJECT:
			eff->eject = true;
			break;
		case SIM_FAULT_IGNORE_SPEED:
			eff->ignore_speed = true;
			break;
		case SIM_FAULT_RECORD_NOTHING:
			eff->no_record = true;
			break;
		case SIM_FAULT_IMAGE_ENOSPC:
		case SIM_FAULT_IMAGE_EIO:
			break;			/* never hit */
		}
		return true;
	}
	return false;
}
