/* disclog/main.c - the `disclog` tool: inspect, check, compare, import and
 * export disclog images (doc/disclog-tool.md is its manual).
 *
 * Exit status: 0 ok, 1 differences / verification failed / torn tail, 2 usage,
 * 3 I/O error, 4 not a disclog image or damaged, 5 content does not allow it. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlchd.h"
#include "dlcodec.h"
#include "dlexport.h"
#include "json.h"

enum { EX_OK = 0, EX_DIFF = 1, EX_USAGE = 2, EX_IO = 3, EX_IMAGE = 4, EX_CONTENT = 5 };

static const char *prog = "disclog";

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static int fail_dlx(const struct dlx_error *e)
{
	return fail(-e->code, "%s", e->msg);
}

static int fail_dl(const struct dl_error *de)
{
	struct dlx_error e;
	dlx_from_dl(&e, de);
	return fail_dlx(&e);
}

static int parse_i32(const char *s, int32_t *v)
{
	char *e;
	errno = 0;
	long long x = strtoll(s, &e, 0);
	if (errno || *e || e == s || x < INT32_MIN || x > INT32_MAX)
		return -1;
	*v = (int32_t)x;
	return 0;
}

/* ---- subcommand table ----------------------------------------------------------------- */

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct cmd *cur;

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s %s: ", prog, cur->name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nusage: %s %s\n", prog, cur->usage);
	return EX_USAGE;
}

static void print_help(const struct cmd *c)
{
	printf("usage: %s %s\n\n%s", prog, c->usage, c->help);
}

/* getopt_long over a subcommand's arguments; returns the option, -1 at the end, or
 * '?' after printing a usage error. */
static int next_opt(int argc, char **argv, const char *shortopts, const struct option *lo)
{
	return getopt_long(argc, argv, shortopts, lo, NULL);
}

#define HELP_OPT { "help", no_argument, NULL, 'h' }

static int open_reader(const char *path, unsigned flags, struct dl_reader **r)
{
	struct dl_error de = { 0 };
	*r = dl_reader_open(path, flags, &de);
	return *r ? 0 : fail_dl(&de);
}

/* ---- LBA ranges ------------------------------------------------------------------------ */

enum {
	CD_LEADIN_FIRST = -45150,	/* MSF 90:00:00, the first lead-in address MMC counts */
	CD_LEADOUT = 6750,		/* a first session's lead-out (ECMA-130 §20) */
};

/* The addresses a disc of the image's kind has: a CD from the lead-in (-45150) to its
 * capacity plus a lead-out, a DVD or BD from 0 to its capacity - 1; widened to what
 * the image records, and only that without a STATE. */
static void disc_limits(struct dl_reader *r, int64_t *lo, int64_t *hi, const char **what)
{
	const struct dl_open_report *rep = dl_reader_report(r);
	const struct dl_state *st = dl_reader_state(r);
	*what = "the recorded range";
	*lo = INT64_MAX;
	*hi = INT64_MIN;
	if (st && st->capacity) {
		bool cd = st->profile >= 0x0008 && st->profile <= 0x000A;
		*lo = cd ? CD_LEADIN_FIRST : 0;
		*hi = (int64_t)st->capacity - 1 + (cd ? CD_LEADOUT : 0);
		*what = dlx_profile_name(st->profile);
	}
	if (rep->lba_min <= rep->lba_max) {
		if (rep->lba_min < *lo)
			*lo = rep->lba_min;
		if (rep->lba_max > *hi)
			*hi = rep->lba_max;
	}
}

/* lba..lba+count-1 lies within the disc's limits: checked in 64-bit arithmetic before
 * any address is added to, so no range can overflow.  Else a usage error naming the
 * range and the limits. */
static int check_range(struct dl_reader *r, const char *image, int64_t lba, int64_t count)
{
	int64_t lo, hi;
	const char *what;
	disc_limits(r, &lo, &hi, &what);
	if (count >= 1 && lo <= hi && lba >= lo && lba <= hi && count - 1 <= hi - lba)
		return 0;
	fprintf(stderr, "%s %s: LBA %lld..%lld (%lld block%s) lies outside %s: ", prog, cur->name,
		(long long)lba, (long long)lba + count - 1, (long long)count, count == 1 ? "" : "s",
		image);
	if (lo <= hi)
		fprintf(stderr, "%s, LBA %lld..%lld\n", what, (long long)lo, (long long)hi);
	else
		fprintf(stderr, "nothing is recorded\n");
	return EX_USAGE;
}

/* ---- info ------------------------------------------------------------------------------ */

static void json_str(const char *s)
{
	sim_json_fputs(stdout, s);
}

static const char *track_mode_name(const struct dl_track *t)
{
	if (!(t->mode & 0x4))
		return "audio";
	return t->data_mode == 2 ? "mode2" : t->data_mode == 1 ? "mode1" : "data";
}

static int cmd_info(int argc, char **argv)
{
	static const struct option lo[] = { { "json", no_argument, NULL, 'j' }, HELP_OPT, { 0 } };
	bool json = false;
	int o;

	while ((o = next_opt(argc, argv, "h", lo)) != -1) {
		switch (o) {
		case 'j': json = true; break;
		case 'h': print_help(cur); return EX_OK;
		default: return usage_error("%s", "bad option");
		}
	}
	if (argc - optind != 1)
		return usage_error("%s", "expects one IMAGE");
	const char *path = argv[optind];
	struct dl_reader *r;
	int rc = open_reader(path, 0, &r);
	if (rc)
		return rc;
	const struct dl_open_report *rep = dl_reader_report(r);
	const struct dl_state *st = dl_reader_state(r);
	double ratio = rep->file_size ? (double)rep->payload_bytes / (double)rep->file_size : 0.0;
	bool any = rep->lba_min <= rep->lba_max;

	if (json) {
		printf("{\"image\":");
		json_str(path);
		printf(",\"file_size\":%" PRIu64 ",\"valid_size\":%" PRIu64 ",\"torn_bytes\":%" PRIu64,
		       rep->file_size, rep->valid_size, rep->torn_bytes);
		if (rep->torn_bytes)
			printf(",\"torn_offset\":%" PRIu64, rep->valid_size);
		printf(",\"records\":{\"total\":%" PRIu64 ",\"data\":%" PRIu64 ",\"state\":%" PRIu64
		       ",\"sync\":%" PRIu64 "},\"last_seq\":%" PRIu64 ",\"last_synced_seq\":%" PRIu64,
		       rep->records, rep->data_records, rep->state_records, rep->sync_records, rep->last_seq,
		       rep->last_synced_seq);
		printf(",\"payload_bytes\":%" PRIu64 ",\"compression_ratio\":%.3f", rep->payload_bytes, ratio);
		if (any)
			printf(",\"lba_min\":%d,\"lba_max\":%d", (int)rep->lba_min, (int)rep->lba_max);
		if (st) {
			printf(",\"state\":{\"profile\":%u,\"profile_name\":", st->profile);
			json_str(dlx_profile_name(st->profile));
			printf(",\"capacity\":%u,\"disc_status\":", st->capacity);
			json_str(dlx_disc_status_name(st->disc_status));
			printf(",\"last_session_state\":");
			json_str(dlx_session_state_name(st->last_session_state));
			printf(",\"disc_type\":%u,\"erasable\":%s,\"nwa\":%d,\"sessions\":[", st->disc_type,
			       (st->flags & 1) ? "true" : "false", (int)st->nwa);
			for (unsigned i = 0; i < st->nsessions; i++) {
				const struct dl_session *s = &st->sessions[i];
				printf("%s{\"number\":%u,\"state\":", i ? "," : "", s->number);
				json_str(dlx_session_state_name(s->state));
				printf(",\"start\":%d,\"leadout\":%d,\"first_track\":%u,\"last_track\":%u}",
				       (int)s->start_lba, (int)s->leadout_lba, s->first_track, s->last_track);
			}
			printf("],\"tracks\":[");
			for (unsigned i = 0; i < st->ntracks; i++) {
				const struct dl_track *t = &st->tracks[i];
				printf("%s{\"number\":%u,\"session\":%u,\"start\":%d,\"size\":%u,\"mode\":", i ? "," : "",
				       t->number, t->session, (int)t->start_lba, t->size);
				json_str(track_mode_name(t));
				printf(",\"control\":%u,\"state\":", t->mode);
				json_str(dlx_track_state_name(t->state));
				printf(",\"nwa\":%d,\"last_recorded\":%d,\"free\":%u}", (int)t->nwa,
				       (int)t->last_recorded, t->free_blocks);
			}
			printf("]}");
		}
		printf("}\n");
	} else {
		printf("image: %s\n", path);
		printf("file size: %" PRIu64 " bytes (valid %" PRIu64 ")\n", rep->file_size, rep->valid_size);
		printf("records: %" PRIu64 " (data %" PRIu64 ", state %" PRIu64 ", sync %" PRIu64
		       "), last sequence %" PRIu64 ", last synced %" PRIu64 "\n",
		       rep->records, rep->data_records, rep->state_records, rep->sync_records, rep->last_seq,
		       rep->last_synced_seq);
		printf("payload: %" PRIu64 " bytes, compression ratio %.2f:1\n", rep->payload_bytes, ratio);
		if (any)
			printf("recorded LBAs: %d..%d\n", (int)rep->lba_min, (int)rep->lba_max);
		else
			printf("recorded LBAs: none\n");
		if (rep->torn_bytes)
			printf("torn tail: %" PRIu64 " bytes at offset %" PRIu64 "\n", rep->torn_bytes, rep->valid_size);
		else
			printf("torn tail: none\n");
		if (!st) {
			printf("state: none recorded\n");
		} else {
			printf("disc: %s (profile %04Xh), %s, last session %s, disc type %02Xh%s\n",
			       dlx_profile_name(st->profile), st->profile, dlx_disc_status_name(st->disc_status),
			       dlx_session_state_name(st->last_session_state), st->disc_type,
			       (st->flags & 1) ? ", erasable" : "");
			printf("capacity: %u blocks, NWA %d\n", st->capacity, (int)st->nwa);
			for (unsigned i = 0; i < st->nsessions; i++) {
				const struct dl_session *s = &st->sessions[i];
				printf("session %u: %s, start %d, lead-out %d, tracks %u..%u\n", s->number,
				       dlx_session_state_name(s->state), (int)s->start_lba, (int)s->leadout_lba,
				       s->first_track, s->last_track);
			}
			for (unsigned i = 0; i < st->ntracks; i++) {
				const struct dl_track *t = &st->tracks[i];
				printf("track %u: session %u, start %d, size %u, %s (control %Xh), %s, NWA %d, "
				       "last recorded %d\n",
				       t->number, t->session, (int)t->start_lba, t->size, track_mode_name(t), t->mode,
				       dlx_track_state_name(t->state), (int)t->nwa, (int)t->last_recorded);
			}
		}
	}
	dl_reader_close(r);
	return EX_OK;
}

/* ---- extract --------------------------------------------------------------------------- */

#define CHUNK_BLOCKS 256

static int cmd_extract(int argc, char **argv)
{
	static const struct option lo[] = { { "lba", required_argument, NULL, 'l' },
					    { "count", required_argument, NULL, 'n' },
					    { "output", required_argument, NULL, 'o' }, HELP_OPT, { 0 } };
	int32_t lba = 0, count = -1;
	bool have_lba = false;
	const char *out = NULL;
	int o;

	while ((o = next_opt(argc, argv, "o:h", lo)) != -1) {
		switch (o) {
		case 'l':
			if (parse_i32(optarg, &lba))
				return usage_error("bad --lba '%s'", optarg);
			have_lba = true;
			break;
		case 'n':
			if (parse_i32(optarg, &count) || count < 1)
				return usage_error("bad --count '%s'", optarg);
			break;
		case 'o': out = optarg; break;
		case 'h': print_help(cur); return EX_OK;
		default: return usage_error("%s", "bad option");
		}
	}
	if (argc - optind != 1)
		return usage_error("%s", "expects one IMAGE");
	if (!have_lba || count < 0)
		return usage_error("%s", "--lba and --count are required");
	struct dl_reader *r;
	int rc = open_reader(argv[optind], DL_OPEN_NO_CRC, &r);
	if (rc)
		return rc;
	if ((rc = check_range(r, argv[optind], lba, count)) != 0) {
		dl_reader_close(r);
		return rc;
	}
	FILE *f = out ? fopen(out, "wb") : stdout;
	if (!f) {
		dl_reader_close(r);
		return fail(EX_IO, "%s: %s", out, strerror(errno));
	}
	size_t cap = (size_t)CHUNK_BLOCKS * DL_BLOCK_SIZE_MAX;
	uint8_t *buf = malloc(cap);
	if (!buf)
		rc = fail(EX_IO, "out of memory");
	for (int64_t done = 0; rc == 0 && done < count;) {
		uint32_t n = (uint32_t)(count - done < CHUNK_BLOCKS ? count - done : CHUNK_BLOCKS);
		int32_t at = (int32_t)(lba + done);
		struct dl_error de = { 0 };
		long got = dl_reader_read(r, at, n, buf, cap, &de);
		if (got == DL_ERANGE) {
			struct dl_data_meta m;
			int32_t miss = at;
			while (miss - at < (int32_t)n && dl_reader_block_meta(r, miss, &m, &de) == 0)
				miss++;
			rc = fail(EX_CONTENT, "%s: LBA %d is not recorded", argv[optind], (int)miss);
		} else if (got < 0) {
			rc = fail_dl(&de);
		} else if (fwrite(buf, 1, (size_t)got, f) != (size_t)got) {
			rc = fail(EX_IO, "%s: write failed: %s", out ? out : "stdout", strerror(errno));
		}
		done += n;
	}
	free(buf);
	if (out) {
		if (fclose(f) != 0 && rc == 0)
			rc = fail(EX_IO, "%s: %s", out, strerror(errno));
		if (rc)
			dlx_discard_output(out);
	} else if (fflush(stdout) != 0 && rc == 0) {
		rc = fail(EX_IO, "stdout: %s", strerror(errno));
	}
	dl_reader_close(r);
	return rc;
}

/* ---- records ---------------------------------------------------------------------------- */

struct recs_ctx {
	FILE *f;			/* the image, to decode STATE headers again */
	const char *path;
	bool json;
	unsigned n;
	struct dl_state st;		/* STATE parts merge here */
	uint8_t *hdr;
	int rc;
};

static void recs_flags(uint8_t flags, bool json)
{
	static const char *const names[] = { "streaming", "fua", "test_write", "imported", "pow" };
	bool any = false;
	if (json)
		putchar('[');
	for (unsigned i = 0; i < 8; i++) {
		if (!(flags & (1u << i)))
			continue;
		if (json)
			printf("%s\"%s\"", any ? "," : "", i < 5 ? names[i] : "unknown");
		else
			printf("%s%s", any ? "," : "", i < 5 ? names[i] : "unknown");
		any = true;
	}
	if (json)
		putchar(']');
	else if (!any)
		printf("none");
}

/* A data block type or write type: its number, or "na" for DL_NA. */
static void recs_na(const char *key, uint8_t v, bool json)
{
	if (json)
		v == DL_NA ? printf(",\"%s\":null", key) : printf(",\"%s\":%u", key, v);
	else
		v == DL_NA ? printf(" %s=na", key) : printf(" %s=%u", key, v);
}

static int recs_one(void *arg, const struct dl_header *h, uint64_t offset)
{
	struct recs_ctx *c = arg;
	const char *type = h->type == DL_REC_DATA ? "DATA" : h->type == DL_REC_STATE ? "STATE" :
			   h->type == DL_REC_SYNC ? "SYNC" : "UNKNOWN";

	if (h->type == DL_REC_STATE) {
		/* The reader gives the header only: decode the member header again for the
		 * snapshot (parts after the first add track entries to it). */
		size_t want = DL_GZ_FIXED + DL_SUB_HDR + (size_t)h->header_len, got;
		struct dl_header hh;
		struct dl_error de = { 0 };
		if (fseeko(c->f, (off_t)offset, SEEK_SET) != 0 ||
		    (got = fread(c->hdr, 1, want, c->f)) != want) {
			c->rc = fail(EX_IO, "%s: cannot read the record at offset %" PRIu64, c->path, offset);
			return 1;
		}
		if (dl_member_header_decode(c->hdr, got, (int64_t)offset, &hh, &c->st, &de) <= 0) {
			c->rc = fail_dl(&de);
			return 1;
		}
	}
	if (c->json)
		printf("%s{\"offset\":%" PRIu64 ",\"seq\":%" PRIu64 ",\"type\":\"%s\"", c->n ? "," : "",
		       offset, h->seq, type);
	else
		printf("%" PRIu64 " %" PRIu64 " %s", offset, h->seq, type);
	c->n++;
	const struct dl_data_meta *m = &h->data;
	switch (h->type) {
	case DL_REC_DATA:
		if (c->json) {
			printf(",\"lba\":%d,\"count\":%u,\"block_size\":%u", (int)m->lba, m->count,
			       m->block_size);
			recs_na("data_block_type", m->data_block_type, true);
			recs_na("write_type", m->write_type, true);
			printf(",\"opcode\":%u,\"flags\":", m->opcode);
			recs_flags(m->flags, true);
			printf(",\"track\":%u,\"session\":%u,\"vtime_us\":%" PRIu64 "}", m->track,
			       m->session, m->vtime_us);
		} else {
			printf(" lba=%d count=%u block_size=%u", (int)m->lba, m->count, m->block_size);
			recs_na("dbt", m->data_block_type, false);
			recs_na("write_type", m->write_type, false);
			printf(" opcode=%02x flags=", m->opcode);
			recs_flags(m->flags, false);
			printf(" track=%u session=%u vtime_us=%" PRIu64 "\n", m->track, m->session,
			       m->vtime_us);
		}
		break;
	case DL_REC_STATE:
		if (c->json)
			printf(",\"part\":%u,\"parts\":%u,\"profile\":%u,\"profile_name\":", h->part + 1,
			       h->nparts, c->st.profile);
		else
			printf(" part=%u/%u profile=%04X(%s) disc_status=%u(%s) tracks=%u sessions=%u nwa=%d\n",
			       h->part + 1, h->nparts, c->st.profile, dlx_profile_name(c->st.profile),
			       c->st.disc_status, dlx_disc_status_name(c->st.disc_status), c->st.ntracks,
			       c->st.nsessions, (int)c->st.nwa);
		if (c->json) {
			json_str(dlx_profile_name(c->st.profile));
			printf(",\"disc_status\":%u,\"disc_status_name\":", c->st.disc_status);
			json_str(dlx_disc_status_name(c->st.disc_status));
			printf(",\"tracks\":%u,\"sessions\":%u,\"nwa\":%d}", c->st.ntracks, c->st.nsessions,
			       (int)c->st.nwa);
		}
		break;
	case DL_REC_SYNC:
		if (c->json)
			printf(",\"synced_seq\":%" PRIu64 "}", h->synced_seq);
		else
			printf(" synced_seq=%" PRIu64 "\n", h->synced_seq);
		break;
	default:
		printf(c->json ? "}" : "\n");
	}
	if (c->json)
		putchar('\n');
	return 0;
}

static int cmd_records(int argc, char **argv)
{
	static const struct option lo[] = { { "json", no_argument, NULL, 'j' }, HELP_OPT, { 0 } };
	struct recs_ctx c = { .rc = EX_OK };
	int o;

	while ((o = next_opt(argc, argv, "h", lo)) != -1) {
		switch (o) {
		case 'j': c.json = true; break;
		case 'h': print_help(cur); return EX_OK;
		default: return usage_error("%s", "bad option");
		}
	}
	if (argc - optind != 1)
		return usage_error("%s", "expects one IMAGE");
	c.path = argv[optind];
	struct dl_reader *r;
	int rc = open_reader(c.path, DL_OPEN_NO_CRC, &r);
	if (rc)
		return rc;
	c.f = fopen(c.path, "rb");
	c.hdr = malloc(DL_GZ_FIXED + DL_SUB_HDR + 65536);
	if (!c.f || !c.hdr) {
		rc = fail(EX_IO, "%s: %s", c.path, c.f ? "out of memory" : strerror(errno));
	} else {
		if (c.json) {
			printf("{\"image\":");
			json_str(c.path);
			printf(",\"records\":[\n");
		}
		int frc = dl_reader_foreach(r, recs_one, &c);
		if (c.rc)
			rc = c.rc;
		else if (frc < 0)
			rc = fail(EX_IMAGE, "%s: %s", c.path, dl_strerror((enum dl_errcode)frc));
		if (c.json)
			printf("]}\n");
		if (fflush(stdout) != 0 && rc == 0)
			rc = fail(EX_IO, "stdout: %s", strerror(errno));
	}
	if (c.f)
		fclose(c.f);
	free(c.hdr);
	dl_state_free(&c.st);
	dl_reader_close(r);
	return rc;
}

/* ---- verify ----------------------------------------------------------------------------- */

static int cmd_verify(int argc, char **argv)
{
	static const struct option lo[] = { HELP_OPT, { 0 } };
	int o;

	while ((o = next_opt(argc, argv, "h", lo)) != -1) {
		if (o == 'h') {
			print_help(cur);
			return EX_OK;
		}
		return usage_error("%s", "bad option");
	}
	if (argc - optind != 1)
		return usage_error("%s", "expects one IMAGE");
	const char *path = argv[optind];
	struct dl_error de = { 0 };
	struct dl_reader *r = dl_reader_open(path, 0, &de);
	if (!r) {
		if (de.code == DL_ECORRUPT && de.offset >= 0)
			return fail(EX_IMAGE, "%s: damaged at offset %" PRId64 " (%s)", path, de.offset,
				    de.msg[0] ? de.msg : dl_strerror(de.code));
		return fail_dl(&de);
	}
	const struct dl_open_report *rep = dl_reader_report(r);
	int rc = EX_OK;
	if (rep->torn_bytes) {
		printf("%s: torn tail: %" PRIu64 " bytes at offset %" PRIu64 " (last synced sequence %" PRIu64 ")\n",
		       path, rep->torn_bytes, rep->valid_size, rep->last_synced_seq);
		rc = EX_DIFF;
	} else {
		printf("%s: ok: %" PRIu64 " records, %" PRIu64 " payload bytes, every CRC checked\n", path,
		       rep->records, rep->payload_bytes);
	}
	dl_reader_close(r);
	return rc;
}

/* ---- diff --------------------------------------------------------------------------------- */

struct diffstate {
	int64_t compared, differing;
	bool found;
	int32_t first_lba;
	uint32_t first_off;
	int a_byte, b_byte;	/* -1: block missing on that side */
};

static void diff_note(struct diffstate *d, int32_t lba, uint32_t off, int a, int b)
{
	d->differing++;
	if (!d->found) {
		d->found = true;
		d->first_lba = lba;
		d->first_off = off;
		d->a_byte = a;
		d->b_byte = b;
	}
}

static void diff_blocks(struct diffstate *d, int32_t lba, const uint8_t *a, uint32_t na, const uint8_t *b,
			uint32_t nb)
{
	uint32_t n = na < nb ? na : nb;
	d->compared++;
	for (uint32_t i = 0; i < n; i++)
		if (a[i] != b[i]) {
			diff_note(d, lba, i, a[i], b[i]);
			return;
		}
	if (na != nb)
		diff_note(d, lba, n, na > n ? a[n] : -1, nb > n ? b[n] : -1);
}

/* One block of an image: 1 and its size, 0 when unrecorded, or < 0 (exit code). */
static int image_block(struct dl_reader *r, int32_t lba, uint8_t *buf, uint32_t *bs)
{
	struct dl_data_meta m;
	struct dl_error de = { 0 };
	int rc = dl_reader_block_meta(r, lba, &m, &de);
	if (rc == DL_ERANGE)
		return 0;
	if (rc < 0)
		return -fail_dl(&de);
	long got = dl_reader_read(r, lba, 1, buf, DL_BLOCK_SIZE_MAX, &de);
	if (got < 0)
		return -fail_dl(&de);
	*bs = (uint32_t)got;
	return 1;
}

static int cmd_diff(int argc, char **argv)
{
	static const struct option lo[] = { { "lba", required_argument, NULL, 'l' }, HELP_OPT, { 0 } };
	int32_t from = 0;
	bool have_from = false;
	int o;

	while ((o = next_opt(argc, argv, "h", lo)) != -1) {
		switch (o) {
		case 'l':
			if (parse_i32(optarg, &from))
				return usage_error("bad --lba '%s'", optarg);
			have_from = true;
			break;
		case 'h': print_help(cur); return EX_OK;
		default: return usage_error("%s", "bad option");
		}
	}
	if (argc - optind != 2)
		return usage_error("%s", "expects IMAGE and OTHER");
	const char *pa = argv[optind], *pb = argv[optind + 1];
	struct dl_reader *ra, *rb = NULL;
	struct dl_error de = { 0 };
	int rc = open_reader(pa, DL_OPEN_NO_CRC, &ra);
	if (rc)
		return rc;
	rb = dl_reader_open(pb, DL_OPEN_NO_CRC, &de);
	if (!rb && de.code != DL_EFOREIGN) {
		dl_reader_close(ra);
		return fail_dl(&de);
	}
	uint8_t *a = malloc(DL_BLOCK_SIZE_MAX), *b = malloc(DL_BLOCK_SIZE_MAX);
	struct diffstate d = { 0 };
	const struct dl_open_report *repa = dl_reader_report(ra);
	char lenmsg[256] = "";
	if (!a || !b) {
		rc = fail(EX_IO, "out of memory");
		goto out;
	}
	if (rb) {
		/* image against image: every LBA recorded in either */
		const struct dl_open_report *repb = dl_reader_report(rb);
		int32_t lo_ = repa->lba_min < repb->lba_min ? repa->lba_min : repb->lba_min;
		int32_t hi = repa->lba_max > repb->lba_max ? repa->lba_max : repb->lba_max;
		if (repa->lba_min > repa->lba_max)
			lo_ = repb->lba_min;
		if (repb->lba_min > repb->lba_max)
			lo_ = repa->lba_min;
		if (have_from && from > lo_)
			lo_ = from;
		for (int32_t lba = lo_; lba <= hi && lo_ <= hi; lba++) {
			uint32_t na = 0, nb = 0;
			int ga = image_block(ra, lba, a, &na), gb = image_block(rb, lba, b, &nb);
			if (ga < 0 || gb < 0) {
				rc = ga < 0 ? -ga : -gb;
				goto out;
			}
			if (!ga && !gb)
				continue;
			if (ga && gb)
				diff_blocks(&d, lba, a, na, b, nb);
			else {
				d.compared++;
				diff_note(&d, lba, 0, ga ? a[0] : -1, gb ? b[0] : -1);
			}
		}
		if (repa->lba_min <= repa->lba_max && repb->lba_min <= repb->lba_max
		    && (repa->lba_min != repb->lba_min || repa->lba_max != repb->lba_max))
			snprintf(lenmsg, sizeof(lenmsg), "recorded ranges differ: %s %d..%d, %s %d..%d", pa,
				 (int)repa->lba_min, (int)repa->lba_max, pb, (int)repb->lba_min, (int)repb->lba_max);
	} else {
		/* image against a raw file read as consecutive blocks from --lba */
		if ((rc = check_range(ra, pa, from, 1)) != 0)
			goto out;
		FILE *f = fopen(pb, "rb");
		uint32_t bs = 2048;
		int32_t lba = from;
		if (!f) {
			rc = fail(EX_IO, "%s: %s", pb, strerror(errno));
			goto out;
		}
		for (;; lba++) {
			uint32_t na = 0;
			int ga = lba <= repa->lba_max ? image_block(ra, lba, a, &na) : 0;
			if (ga < 0) {
				rc = -ga;
				break;
			}
			if (ga)
				bs = na;
			if (lba > repa->lba_max) {
				int c = fgetc(f);
				if (c != EOF) {
					fseeko(f, -1, SEEK_CUR);
					off_t here = ftello(f);
					fseeko(f, 0, SEEK_END);
					snprintf(lenmsg, sizeof(lenmsg),
						 "%s has %lld more bytes after the image's last recorded LBA %d", pb,
						 (long long)(ftello(f) - here), (int)repa->lba_max);
					if (!d.found)
						diff_note(&d, lba, 0, -1, c);
				}
				break;
			}
			size_t nb = fread(b, 1, bs, f);
			if (nb == 0) {
				if (ferror(f)) {
					rc = fail(EX_IO, "%s: read error", pb);
					break;
				}
				snprintf(lenmsg, sizeof(lenmsg), "%s ends at LBA %d; the image records up to LBA %d", pb,
					 (int)lba, (int)repa->lba_max);
				if (!d.found)
					diff_note(&d, lba, 0, ga ? a[0] : -1, -1);
				break;
			}
			if (!ga) {
				d.compared++;
				diff_note(&d, lba, 0, -1, b[0]);
			} else {
				diff_blocks(&d, lba, a, na, b, (uint32_t)nb);
			}
			if (nb < bs) {
				snprintf(lenmsg, sizeof(lenmsg), "%s ends inside LBA %d (%zu of %u bytes)", pb, (int)lba,
					 nb, bs);
				break;
			}
		}
		fclose(f);
		if (rc)
			goto out;
	}
	if (d.found) {
		char ab[16] = "none", bb[16] = "none";
		if (d.a_byte >= 0)
			snprintf(ab, sizeof(ab), "%02x", d.a_byte);
		if (d.b_byte >= 0)
			snprintf(bb, sizeof(bb), "%02x", d.b_byte);
		printf("first difference: LBA %d, byte offset %u within the block (%s: %s, %s: %s)\n",
		       (int)d.first_lba, d.first_off, pa, ab, pb, bb);
		printf("%lld of %lld compared blocks differ\n", (long long)d.differing, (long long)d.compared);
	}
	if (lenmsg[0])
		printf("length: %s\n", lenmsg);
	if (!d.found && !lenmsg[0])
		printf("equal: %lld blocks compared\n", (long long)d.compared);
	rc = d.found || lenmsg[0] ? EX_DIFF : EX_OK;
out:
	free(a);
	free(b);
	dl_reader_close(ra);
	if (rb)
		dl_reader_close(rb);
	return rc;
}

/* ---- import / export ------------------------------------------------------------------- */

static int cmd_import(int argc, char **argv)
{
	static const struct option lo[] = { { "media", required_argument, NULL, 'm' },
					    { "force", no_argument, NULL, 'f' }, HELP_OPT, { 0 } };
	struct dlx_import_opts opts = { 0 };
	struct dlx_error e = { 0 };
	int o;

	while ((o = next_opt(argc, argv, "fh", lo)) != -1) {
		switch (o) {
		case 'm':
			if (dlx_media_parse(optarg, &opts.media))
				return usage_error("unknown --media '%s' (dvd-rom, cd-rom, bd-rom)", optarg);
			break;
		case 'f': opts.force = true; break;
		case 'h': print_help(cur); return EX_OK;
		default: return usage_error("%s", "bad option");
		}
	}
	if (argc - optind != 2)
		return usage_error("%s", "expects SRC and OUT");
	/* a CHD by its tag, whatever its name; libdisclog does not read CHD (dlchd.h) */
	int rc = dlx_is_chd(argv[optind]) ? dlchd_import(argv[optind], argv[optind + 1], &opts, &e)
					  : dlx_import(argv[optind], argv[optind + 1], &opts, &e);
	if (rc < 0)
		return fail_dlx(&e);
	return EX_OK;
}

static int cmd_export(int argc, char **argv)
{
	static const struct option lo[] = { { "format", required_argument, NULL, 'F' },
					    { "output", required_argument, NULL, 'o' },
					    { "track", required_argument, NULL, 't' }, HELP_OPT, { 0 } };
	struct dlx_export_opts opts = { 0 };
	struct dlx_error e = { 0 };
	const char *format = NULL, *out = NULL;
	int32_t track;
	int o;

	while ((o = next_opt(argc, argv, "o:h", lo)) != -1) {
		switch (o) {
		case 'F': format = optarg; break;
		case 'o': out = optarg; break;
		case 't':
			if (parse_i32(optarg, &track) || track < 1 || track > 99)
				return usage_error("bad --track '%s'", optarg);
			opts.track = track;
			break;
		case 'h': print_help(cur); return EX_OK;
		default: return usage_error("%s", "bad option");
		}
	}
	if (argc - optind != 1)
		return usage_error("%s", "expects one IMAGE");
	if (!format || !out)
		return usage_error("%s", "--format and -o BASE are required");
	if (!dlx_format_find(format))
		return usage_error("unknown --format '%s' (iso, cue, toc, ccd, chd)", format);
	/* chd is this program's, not libdisclog's (dlchd.h) */
	int rc = strcmp(format, "chd") == 0 ? dlx_export_run(argv[optind], "chd", dlchd_export, out, &opts, &e)
					    : dlx_export(argv[optind], format, out, &opts, &e);
	if (rc < 0)
		return fail_dlx(&e);
	return EX_OK;
}

/* ---- main ------------------------------------------------------------------------------- */

static const struct cmd cmds[] = {
	{ "info", cmd_info, "info IMAGE [--json]",
	  "Print the disc state of the last STATE snapshot (profile, disc status, sessions, tracks\n"
	  "with start/size/mode/state, NWA), record counts by type, payload bytes, file size,\n"
	  "compression ratio and a torn tail if there is one.  Every CRC is checked.\n"
	  "  --json   one JSON object instead of text\n" },
	{ "extract", cmd_extract, "extract IMAGE --lba L --count N [-o OUT]",
	  "Write the recorded bytes of N blocks from LBA L (latest record wins) to OUT or stdout.\n"
	  "Blocks are written as recorded (2048, 2352, 2448... bytes each).  Exit 5 if a block\n"
	  "of the range was never recorded.\n" },
	{ "records", cmd_records, "records IMAGE [--json]",
	  "List every record in file order, one line each: file offset, sequence number, type,\n"
	  "then for DATA lba, count, block_size, dbt (data block type), write_type (na when not\n"
	  "applicable), opcode (hex), flags (streaming, fua, test_write, imported, pow or none),\n"
	  "track, session, vtime_us; for STATE the part, profile, disc status, track and\n"
	  "session counts and NWA of the snapshot; for SYNC the synced sequence number.\n"
	  "Headers are checked; payload CRCs are not (use verify).\n"
	  "  --json   one JSON object {\"image\":..., \"records\":[...]}, one record a line\n" },
	{ "verify", cmd_verify, "verify IMAGE",
	  "Check every member: gzip framing, record headers and their CRC, sequence numbers, the\n"
	  "deflate streams, CRC-32 and sizes.  Exit 0 when intact, 1 when there is a torn tail\n"
	  "(its offset is printed), 4 when the file is damaged before its end (offset printed)\n"
	  "or is not a disclog image.\n" },
	{ "diff", cmd_diff, "diff IMAGE OTHER [--lba L]",
	  "Compare IMAGE with OTHER, a disclog image or a raw file.  A raw file is read as\n"
	  "consecutive blocks from LBA L (default 0), each of the size IMAGE recorded for it.\n"
	  "Prints the first differing LBA and the byte offset within the block, how many blocks\n"
	  "differ, and length differences.  Exit 0 when equal, 1 when different.\n" },
	{ "import", cmd_import, "import SRC OUT [--media dvd-rom|cd-rom|bd-rom] [--force]",
	  "Make a finalized disc image OUT from SRC, as if burned: an ISO (2048-byte sectors;\n"
	  "default DVD-ROM, cd-rom records a TAO Mode 1 track), a CUE sheet (name ending .cue)\n"
	  "with its BINARY file(s), recorded SAO at 2352 bytes per sector from LBA -150, or a\n"
	  "MAME CHD (found by its MComprHD tag): a CD CHD (CHT2/CHTR tracks) recorded as a CUE\n"
	  "sheet is, P-W kept where it differs from the synthesized one; a CHD of 2048-byte\n"
	  "units as an ISO.  Hard disk, GD-ROM, laserdisc and parent-needing CHDs are refused.\n"
	  "  --media M  disc profile for an ISO or a 2048-byte CHD (dvd-rom, cd-rom, bd-rom)\n"
	  "  --force    replace OUT if it exists\n" },
	{ "export", cmd_export, "export IMAGE --format iso|cue|toc|ccd|chd -o BASE [--track N]",
	  "Write the disc in another format (see doc/disclog-tool.md):\n"
	  "  iso  BASE.iso: 2048-byte user data of the data track(s)\n"
	  "  cue  BASE.cue + BASE.bin, 2352 bytes per sector\n"
	  "  toc  BASE.toc + BASE.bin, cdrdao, 2352 + 96 raw P-W bytes per sector\n"
	  "  ccd  BASE.ccd + BASE.img (2352) + BASE.sub (96), CloneCD\n"
	  "  chd  BASE.chd, MAME CHD v5: a CD with CHT2 tracks, 2352 + 96 raw P-W per frame,\n"
	  "       codec cdzl; a DVD or BD with 2048-byte units, codec zlib, 'DVD ' metadata\n"
	  "  --track N  iso: export track N only\n" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: %s SUBCOMMAND [ARGS...]   (%s SUBCOMMAND --help for details)\n\nsubcommands:\n",
		prog, prog);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s\n", cmds[i].usage);
	fprintf(f, "\nexit status: 0 ok, 1 differences found / verification failed / torn tail,\n"
		   "2 usage error, 3 I/O error, 4 not a disclog image or damaged,\n"
		   "5 the content does not allow it (bad CUE sheet, a CHD that is damaged or not a CD\n"
		   "or DVD, no data track, range not recorded)\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EX_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0) {
			cur = &cmds[i];
			opterr = 1;
			optind = 1;
			return cmds[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "%s: unknown subcommand '%s'\n", prog, argv[1]);
	usage(stderr);
	return EX_USAGE;
}
