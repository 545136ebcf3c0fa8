/* tests/integration/dlcrash.c - crash safety of the disclog writer (doc/disclog.md §4).
 *
 * Each iteration forks a child that opens a writer on the same image (appending to
 * what earlier iterations left) and runs an endless, deterministic stream of
 * operations: DATA writes of random sizes, block sizes and LBAs (rewrites included,
 * content derived from iteration, operation and LBA), occasional STATE, and syncs.
 * After every sync returns the child tells the parent, through a pipe, how many
 * operations and blocks are now durable.  The parent SIGKILLs the child after a
 * random delay, then checks with the reader:
 *   - the image opens;
 *   - the DATA blocks in the file are a prefix of the blocks the child issued, at
 *     least as long as what the child reported synced, and every LBA reads back as
 *     the model of that prefix says (latest wins; never-written LBAs are DL_ERANGE);
 *   - a torn tail, if any, is reported, and dl_writer_open cuts it (torn_bytes 0).
 * The parent replays the same operation stream to build its model.  Some iterations
 * add a torn tail by hand (a member cut short) so the cut is always exercised.
 *
 * Usage: dlcrash [ITERATIONS [SEED]].  Exit 0 if every check passed, 1 otherwise. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "disclog.h"

#define NLBA      1024		/* LBAs 0..NLBA-1 */
#define MAX_COUNT 96		/* blocks per DATA operation */
#define BS_MAX    2352

static int passed, failed;

#define CHECK(cond, ...)                                                          \
	do {                                                                      \
		if (cond) {                                                       \
			passed++;                                                 \
		} else {                                                          \
			failed++;                                                 \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                             \
			fputc('\n', stderr);                                      \
		}                                                                 \
	} while (0)

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

enum op_kind { OP_DATA, OP_STATE, OP_SYNC };

struct op {
	enum op_kind kind;
	int32_t lba;
	uint32_t count, bs;
	uint16_t track;
};

/* The operation stream of an iteration; child and parent call it alike. */
struct stream {
	uint64_t rng;
	int32_t next_lba;	/* sequential runs continue here */
};

static struct op next_op(struct stream *st)
{
	struct op o = { .kind = OP_DATA, .bs = 2048, .track = 1 };
	uint64_t r = rng_next(&st->rng);

	if (r % 100 < 8) {
		o.kind = OP_SYNC;
		return o;
	}
	if (r % 100 < 11) {
		o.kind = OP_STATE;
		return o;
	}
	r = rng_next(&st->rng);
	o.count = 1 + (uint32_t)(r % 8);
	if (r % 23 == 0)
		o.count = 1 + (uint32_t)((r >> 8) % MAX_COUNT);	/* a big one: multi-page write */
	if ((r >> 16) % 10 == 0)
		o.bs = 2352;
	if ((r >> 24) % 3 == 0)		/* continue the last run: merged members */
		o.lba = st->next_lba;
	else
		o.lba = (int32_t)((r >> 32) % NLBA);
	if (o.lba + (int32_t)o.count > NLBA)
		o.lba = NLBA - (int32_t)o.count;
	st->next_lba = o.lba + (int32_t)o.count;
	if (st->next_lba >= NLBA)
		st->next_lba = 0;
	return o;
}

static void stream_init(struct stream *st, uint64_t seed, unsigned iter)
{
	st->rng = seed * 1000003u + iter;
	st->next_lba = 0;
}

/* Content of block lba written by operation opno of iteration iter: a unique
 * 8-byte stamp, then a short pattern that depends on it (compresses well, so the
 * image that grows across iterations stays quick to validate). */
static void gen_block(uint8_t *p, uint32_t bs, unsigned iter, uint32_t opno, int32_t lba)
{
	uint64_t s = ((uint64_t)iter << 40) ^ ((uint64_t)opno << 16) ^ (uint64_t)(uint32_t)lba;
	uint64_t x = rng_next(&s);
	for (uint32_t i = 0; i < bs; i++)
		p[i] = (uint8_t)(x >> (8 * (i % 8)));
	memcpy(p, &s, sizeof(s) < bs ? sizeof(s) : bs);
}

/* What an LBA holds in the model. */
struct cell {
	uint32_t bs;		/* 0: never written */
	unsigned iter;
	uint32_t opno;
};

/* Messages from the child (each well under PIPE_BUF: atomic). */
enum { MSG_READY = 1, MSG_SYNC_BEGIN = 2, MSG_SYNC_DONE = 3 };
struct msg {
	uint32_t kind;
	uint32_t ops;		/* SYNC_DONE: operations completed, the sync included */
	uint64_t blocks;	/* SYNC_DONE: DATA blocks issued before it */
	uint64_t records;	/* SYNC_DONE: records in the image (next sequence number) */
};

static void send_msg(int fd, uint32_t kind, uint32_t ops, uint64_t blocks, uint64_t records)
{
	struct msg m = { kind, ops, blocks, records };
	if (write(fd, &m, sizeof(m)) != (ssize_t)sizeof(m))
		_exit(5);
}

static void small_state(struct dl_state *s, struct dl_session *sess, struct dl_track *t,
			uint32_t opno)
{
	memset(s, 0, sizeof(*s));
	memset(sess, 0, sizeof(*sess));
	memset(t, 0, sizeof(*t));
	s->profile = 0x001a;
	s->capacity = 2295104;
	s->nwa = -1;
	s->leadin_lba = -1;
	s->last_leadout_lba = -1;
	s->vtime_us = opno;
	s->nsessions = 1;
	s->sessions = sess;
	s->ntracks = 1;
	s->tracks = t;
	sess->number = 1;
	t->number = 1;
	t->session = 1;
	t->size = NLBA;
	t->free_blocks = opno;
}

static void child(const char *path, int fd, uint64_t seed, unsigned iter)
{
	struct dl_writer_opts o = { .level = 1, .threads = iter % 3 };
	struct dl_error e;
	struct dl_writer *w = dl_writer_open(path, &o, &e);
	if (!w) {
		fprintf(stderr, "child: dl_writer_open: %s\n", e.msg);
		_exit(3);
	}
	send_msg(fd, MSG_READY, 0, 0, 0);

	static uint8_t buf[MAX_COUNT * BS_MAX];
	struct stream st;
	uint64_t blocks = 0;
	stream_init(&st, seed, iter);
	for (uint32_t k = 0;; k++) {
		struct op op = next_op(&st);
		int rc = 0;
		if (op.kind == OP_DATA) {
			for (uint32_t i = 0; i < op.count; i++)
				gen_block(buf + (size_t)i * op.bs, op.bs, iter, k, op.lba + (int32_t)i);
			struct dl_data_meta m = {
				.lba = op.lba, .count = op.count, .block_size = op.bs,
				.data_block_type = op.bs == 2048 ? 8 : 0, .write_type = 1,
				.opcode = 0x2a, .track = op.track, .session = 1,
			};
			rc = dl_write_data(w, &m, buf, (size_t)op.count * op.bs, &e);
			blocks += op.count;
		} else if (op.kind == OP_STATE) {
			struct dl_state s;
			struct dl_session sess;
			struct dl_track t;
			small_state(&s, &sess, &t, k);
			rc = dl_write_state(w, &s, &e);
		} else {
			send_msg(fd, MSG_SYNC_BEGIN, k, blocks, 0);
			rc = dl_writer_sync(w, &e);
			if (rc == 0)
				send_msg(fd, MSG_SYNC_DONE, k + 1, blocks, dl_writer_next_seq(w));
		}
		if (rc < 0) {
			fprintf(stderr, "child: operation %u: %s\n", k, e.msg);
			_exit(4);
		}
		/* A drive's pace, so the image (validated three times per iteration)
		 * grows slowly; the kill also lands between calls this way. */
		if (k % 2)
			usleep((useconds_t)(st.rng % 300));
	}
}

struct blockcount {
	uint64_t blocks;
};

static int count_blocks(void *arg, const struct dl_header *h, uint64_t offset)
{
	(void)offset;
	if (h->type == DL_REC_DATA)
		((struct blockcount *)arg)->blocks += h->data.count;
	return 0;
}

/* Apply the first nblocks DATA blocks of iteration iter's stream to the model. */
static void replay(struct cell *model, uint64_t seed, unsigned iter, uint64_t nblocks)
{
	struct stream st;
	stream_init(&st, seed, iter);
	for (uint32_t k = 0; nblocks > 0; k++) {
		struct op op = next_op(&st);
		if (op.kind != OP_DATA)
			continue;
		for (uint32_t i = 0; i < op.count && nblocks > 0; i++, nblocks--)
			model[op.lba + (int32_t)i] = (struct cell){ op.bs, iter, k };
	}
}

/* Every LBA of the image against the model, read in runs of written blocks. */
static bool verify(struct dl_reader *r, const struct cell *model, unsigned iter)
{
	static uint8_t got[MAX_COUNT * BS_MAX];
	uint8_t want[BS_MAX];
	struct dl_error e;
	unsigned bad = 0;

	for (int32_t lba = 0; lba < NLBA;) {
		if (model[lba].bs == 0) {
			long n = dl_reader_read(r, lba, 1, got, sizeof(got), &e);
			if (n != DL_ERANGE && bad++ < 3)
				fprintf(stderr, "iteration %u: LBA %d never written, read gave %ld\n",
					iter, lba, n);
			lba++;
			continue;
		}
		int32_t end = lba;
		size_t total = 0;
		while (end < NLBA && end - lba < MAX_COUNT && model[end].bs)
			total += model[end++].bs;
		long n = dl_reader_read(r, lba, (uint32_t)(end - lba), got, sizeof(got), &e);
		if (n != (long)total) {
			if (bad++ < 3)
				fprintf(stderr, "iteration %u: LBA %d+%d: read %ld bytes (%s), want %zu\n",
					iter, lba, end - lba, n, n < 0 ? e.msg : "", total);
			lba = end;
			continue;
		}
		for (size_t off = 0; lba < end; off += model[lba++].bs) {
			const struct cell *c = &model[lba];
			gen_block(want, c->bs, c->iter, c->opno, lba);
			if (memcmp(got + off, want, c->bs) != 0 && bad++ < 3)
				fprintf(stderr, "iteration %u: LBA %d differs from iteration %u "
					"operation %u (%u bytes)\n", iter, lba, c->iter, c->opno, c->bs);
		}
	}
	return bad == 0;
}

/* A member cut short, as a crash in the middle of an append leaves it. */
static void add_torn_tail(const char *path, unsigned iter)
{
	static const uint8_t part[] = {
		0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 255, 56, 0, 'B', 'L', 52, 0, 1, 1, 52, 0,
		0x00, 0x10, 0, 0, 0, 0, 0, 0,
	};
	int fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0)
		return;
	size_t n = 3 + iter % (sizeof(part) - 3);
	if (write(fd, part, n) != (ssize_t)n)
		perror("torn tail");
	close(fd);
}

int main(int argc, char **argv)
{
	unsigned iterations = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 60;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX - 32], path[PATH_MAX];

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(dir, sizeof(dir), "%s/dlcrash.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/crash.disclog", dir);
	printf("dlcrash: %u iterations, seed %llu, image %s\n", iterations,
	       (unsigned long long)seed, path);

	struct cell *model = calloc(NLBA, sizeof(*model));
	uint64_t rng = seed ^ 0x5eed;
	uint64_t blocks_before = 0;
	unsigned torn_seen = 0, torn_made = 0, mid_sync = 0, synced_iters = 0;

	for (unsigned iter = 0; iter < iterations && model; iter++) {
		int pfd[2];
		if (pipe(pfd) < 0) {
			perror("pipe");
			return 1;
		}
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			close(pfd[0]);
			child(path, pfd[1], seed, iter);
			_exit(0);
		}
		close(pfd[1]);

		/* Wait for the child's writer to be open, then let it run a random time. */
		struct msg m;
		ssize_t got = read(pfd[0], &m, sizeof(m));
		CHECK(got == (ssize_t)sizeof(m) && m.kind == MSG_READY,
		      "iteration %u: child did not open the writer", iter);
		uint64_t r = rng_next(&rng);
		useconds_t delay = (useconds_t)(r % 4 == 0 ? r % 60000 : r % 12000);
		usleep(delay);
		kill(pid, SIGKILL);
		int status = 0;
		waitpid(pid, &status, 0);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "iteration %u: child ended on its own (status %#x)", iter, status);

		struct msg last_done = { 0 };
		uint32_t last_kind = MSG_READY;
		while (read(pfd[0], &m, sizeof(m)) == (ssize_t)sizeof(m)) {
			last_kind = m.kind;
			if (m.kind == MSG_SYNC_DONE)
				last_done = m;
		}
		close(pfd[0]);
		mid_sync += last_kind == MSG_SYNC_BEGIN;
		synced_iters += last_done.kind == MSG_SYNC_DONE;

		if (iter % 5 == 3) {
			add_torn_tail(path, iter);
			torn_made++;
		}

		struct dl_error e;
		struct dl_reader *rd = dl_reader_open(path, 0, &e);
		CHECK(rd != NULL, "iteration %u: dl_reader_open: %s", iter, e.msg);
		if (!rd)
			break;
		const struct dl_open_report *rep = dl_reader_report(rd);
		struct blockcount bc = { 0 };
		dl_reader_foreach(rd, count_blocks, &bc);
		uint64_t prefix = bc.blocks - blocks_before;
		CHECK(bc.blocks >= blocks_before && prefix >= last_done.blocks,
		      "iteration %u: %llu blocks in the image, %llu before, child synced %llu",
		      iter, (unsigned long long)bc.blocks, (unsigned long long)blocks_before,
		      (unsigned long long)last_done.blocks);
		/* A sync acknowledged before the child appended anything promises nothing
		 * (seen under the sanitizers: the kill came that early). */
		if (last_done.kind == MSG_SYNC_DONE && last_done.records > 0)
			CHECK(rep->records > 0 && rep->last_seq + 1 >= last_done.records,
			      "iteration %u: last seq %llu, the child had synced %llu records",
			      iter, (unsigned long long)rep->last_seq, (unsigned long long)last_done.records);
		CHECK(rep->valid_size + rep->torn_bytes == rep->file_size,
		      "iteration %u: valid %llu + torn %llu != size %llu", iter,
		      (unsigned long long)rep->valid_size, (unsigned long long)rep->torn_bytes,
		      (unsigned long long)rep->file_size);
		if (iter % 5 == 3)
			CHECK(rep->torn_bytes > 0, "iteration %u: the torn tail made by hand is not reported", iter);
		replay(model, seed, iter, prefix);
		CHECK(verify(rd, model, iter), "iteration %u: content differs from the model", iter);
		bool torn = rep->torn_bytes > 0;
		uint64_t valid = rep->valid_size;
		dl_reader_close(rd);
		blocks_before = bc.blocks;

		if (torn) {
			torn_seen++;
			struct dl_writer *w = dl_writer_open(path, NULL, &e);
			CHECK(w != NULL && e.code == DL_OK && strstr(e.msg, "torn"),
			      "iteration %u: dl_writer_open on a torn image: %s", iter, e.msg);
			if (w)
				CHECK(dl_writer_close(w, &e) == 0, "iteration %u: close: %s", iter, e.msg);
			struct stat sb;
			CHECK(stat(path, &sb) == 0 && (uint64_t)sb.st_size == valid,
			      "iteration %u: the tail was not cut at %llu", iter, (unsigned long long)valid);
			rd = dl_reader_open(path, 0, &e);
			CHECK(rd && dl_reader_report(rd)->torn_bytes == 0,
			      "iteration %u: torn tail still there after the cut", iter);
			if (rd)
				dl_reader_close(rd);
		}
	}

	struct stat sb;
	printf("dlcrash: image %llu bytes; %u torn tails cut (%u made by hand), %u kills during "
	       "a sync, %u iterations with a sync acknowledged\n",
	       stat(path, &sb) == 0 ? (unsigned long long)sb.st_size : 0ull, torn_seen, torn_made,
	       mid_sync, synced_iters);
	if (!failed) {
		unlink(path);
		rmdir(dir);
	} else {
		printf("dlcrash: image kept in %s (seed %llu)\n", dir, (unsigned long long)seed);
	}
	free(model);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
