/* disclog/writer.c - appends DATA, STATE and SYNC records to a disclog
 * image (doc/disclog.md).  Every record is one gzip member built in memory (header
 * from dl_member_header_encode, raw deflate, CRC-32 + ISIZE trailer) and appended at
 * the tracked end of the file.
 *
 * Threads and ordering.  The caller's thread merges DATA into a pending job of up to
 * DL_MEMBER_TARGET bytes and gives every record its sequence number when it queues
 * it.  All queued jobs sit in one list in sequence order.  Workers take the oldest
 * job not yet started and compress it; whoever finishes a job (a worker, or the
 * caller for STATE/SYNC and with threads = 0) then runs the write step: while the
 * head of the list is finished, pop it and write it, and after a SYNC member
 * fdatasync.  Only one thread is in the write step at a time (the `writing` flag), so
 * members land in sequence order and file I/O runs outside the lock.  The API is for
 * one caller thread at a time.
 *
 * Non-blocking use (dl_writer_set_nonblock: an event loop that serves other disc
 * images and sockets must never wait here).  The caller then never waits and never
 * does file I/O: it asks dl_writer_room before it commits to a write, STATE and SYNC
 * members it builds are written by a worker, dl_writer_sync_start only queues the
 * SYNC, and the notify function (called by a worker, outside the lock) tells it when
 * the room it was refused is free, a SYNC is durable, or the writer failed.
 *
 * Memory.  A job is charged its input capacity (>= its raw bytes) from queueing until
 * its member is written; the caller blocks while the charges exceed max_inflight
 * (non-blocking: dl_writer_room says no before they would, see there).
 * Output buffers are at most the payload + 13 bytes + header, recycled jobs
 * are kept only while all job buffers total at most buf_limit, so job buffers stay
 * below  2 * (max_inflight + 2 * DL_MEMBER_TARGET) * 1.001 + one STATE snapshot
 * (<= 64 KiB per part), plus one deflate state per worker and one for the caller
 * (zlib: ~262 KiB at memLevel 8; ISA-L: its stream, ~90 KiB, and its level buffer,
 * 84-148 KiB): about 21 MiB with the defaults and 2 workers, whatever the disc
 * size.  That is the peak of a full queue: at most workers + 2 finished jobs are
 * kept for reuse (what the workers and the caller's pending job turn over while
 * records stream; a shared pool keeps a full queue's worth, spare_jobs), the rest are
 * freed, and when a SYNC is written with nothing queued behind it (the host's
 * SYNCHRONIZE CACHE or close at the end of a burn) the spare ones go too.  So an idle
 * writer holds no job buffers: a daemon with 16 images held up to 16 times 20 MiB it
 * no longer used.  A shared pool may hold a reserve on top (dl_pool_opts.reserve):
 * spares made and faulted in at creation, never freed below that count. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "dlcodec.h"
#include "dlzip.h"
#include "wire.h"

#define DL_MAX_THREADS     64
#define DL_DEFAULT_LEVEL   1
#define DL_DEFAULT_INFLIGHT (8u << 20)
#define DL_MIN_IN_CAP      (64u << 10)	/* first size of a pending DATA buffer */
#define DL_POOL_DEFAULT_THREADS 2
#define DL_POOL_DEFAULT_INFLIGHT (32u << 20)
#define DL_POOL_MAX_RESERVE ((size_t)64 << 30)

enum dl_job_state { DL_JOB_QUEUED, DL_JOB_BUSY, DL_JOB_DONE };

/* One record on its way to the file. */
struct dl_job {
	struct dl_job *next;
	enum dl_job_state state;
	struct dl_header h;	/* type, seq, DATA meta (count grows while merging) */
	uint8_t *in;		/* DATA payload */
	size_t in_len, in_cap;
	uint8_t *out;		/* the finished member, or its framing when stored */
	size_t out_len, out_cap;	/* out_len: the whole member's size */
	struct iovec *iov;	/* the member as written: out alone, or stored (see */
	int iovcnt, iov_cap;	/* build_member) out's framing around in's bytes */
	size_t charge;		/* counted in dl_writer.inflight until written */
	int rc;			/* < 0: building the member failed (msg says why) */
	char msg[160];
};

struct dl_writer {
	char *path;
	int fd;
	bool regular;		/* a regular file (not /dev/full...): fdatasync applies */
	int level;
	enum dl_deflate engine;	/* DL_DEFLATE_ZLIB or DL_DEFLATE_ISAL (dlzip.h) */
	size_t max_inflight, buf_limit;

	/* caller's thread only */
	uint64_t next_seq;
	struct dl_job *pending;	/* DATA being merged, not yet queued */
	bool dirty;		/* records appended since the last SYNC was queued */
	uint64_t sync_ticket;	/* durable once records [0, sync_ticket) are: the last
				 * SYNC queued (dl_writer_sync_start) */
	struct dlz_deflater zc;	/* threads = 0, STATE and SYNC */

	pthread_mutex_t mu;
	pthread_cond_t progress;	/* caller: a member was written */
	struct dl_job *head, *tail;	/* queued jobs in sequence order */
	struct dl_job *todo;	/* oldest job no worker has taken */
	size_t inflight;	/* sum of the charges of queued jobs */
	size_t buf_bytes;	/* capacity of the job buffers it holds (spares: the pool's) */
	uint64_t end;		/* file offset of the next member */
	bool writing;		/* a thread is in the write step */
	bool stop;
	uint64_t durable;	/* records [0, durable) are on disk (fdatasync done) */
	/* non-blocking use (dl_writer_set_nonblock) */
	bool nonblock;
	dl_notify_fn notify;
	void *notify_arg;
	unsigned notifying;	/* notify calls running outside the lock */
	bool notify_due;	/* a worker calls notify when it next can */
	size_t want;		/* charges a refused dl_writer_room needed, 0 = none */
	bool hold;		/* dl_writer_hold: workers take no job, write nothing */
	struct dl_fault fault;	/* dl_writer_inject; the write step counts `after` down */
	unsigned fault_gen;	/* bumped by dl_writer_inject */
	int fail;		/* first error (sticky), 0 if none */
	bool fail_seen;		/* the caller was told about it once */
	struct dl_error fail_err;
	/* the workers (a pool of its own, or one shared with other writers); the fields
	 * below are the pool's, guarded by pool->mu */
	struct dl_pool *pool;
	struct dl_writer *ready_next;	/* on the pool's round of writers with work */
	struct dl_writer *wait_next;	/* on the pool's queue of writers waiting for room */
	bool in_ready, in_wait;
	bool room_due;		/* the pool's budget has the room it waited for */
	bool pool_pass;		/* granted room: may pass writers that wait */
	bool detached;		/* closing: no worker takes it up again */
	size_t pool_want;	/* charges it waits for (in_wait) */
	unsigned pool_refs;	/* workers serving it right now */
};

/* Compression workers and a budget of queued bytes, for one writer (dl_writer_open
 * without opts->pool: threads of its own, no budget but the writer's) or shared by
 * many (dl_pool_new).  Lock order: a writer's mu, then pool->mu; a worker never holds
 * pool->mu while it takes a writer's. */
struct dl_pool {
	pthread_mutex_t mu;
	pthread_cond_t work;	/* workers: a writer joined the round, or stop */
	pthread_cond_t idle;	/* a worker let go of a writer (pool_detach) */
	struct dl_writer *ready_head, *ready_tail;	/* round-robin: one job per turn */
	struct dl_writer *wait_head, *wait_tail;	/* first come, first served */
	size_t max_inflight;	/* SIZE_MAX: no budget of its own (a private pool) */
	size_t inflight;	/* charges of every writer's queued jobs */
	struct dl_job *free_jobs;	/* spare jobs, any writer's to take */
	unsigned nfree;
	size_t spare_bytes;	/* capacity of the spare jobs' buffers */
	size_t spare_limit;
	unsigned reserve;	/* spares made at creation and kept when idle (dl_pool_opts) */
	unsigned nwriters;
	bool shared;		/* made by dl_pool_new */
	bool stop;
	unsigned nthreads;
	pthread_t *threads;
};

static int set_err(struct dl_error *err, enum dl_errcode code, int sys, int64_t off,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int set_err(struct dl_error *err, enum dl_errcode code, int sys, int64_t off,
		   const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		err->sys_errno = sys;
		err->offset = off;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

/* ---- building members ---------------------------------------------------------- */

/* Header room to reserve for a record of this type (gzip fields + subfield + H). */
static size_t header_room(uint8_t type)
{
	return DL_GZ_FIXED + DL_SUB_HDR + (type == DL_REC_DATA ? DL_DATA_HLEN : DL_HEADER_MAX);
}

/* Point j->iov at the member to write: out alone, or - stored - its header, each
 * stored block's header followed by the block's bytes straight from the payload, and
 * the trailer, all but the payload in out (hl header bytes, then the block headers,
 * then the trailer).  Copying an incompressible payload into stored blocks cost the
 * recording thread more than writing it. */
static int set_iov(struct dl_job *j, size_t hl, bool stored)
{
	size_t nb = stored ? dlz_stored_blocks(j->in_len) : 0;
	int need = stored ? (int)(2 + 2 * nb) : 1;

	if (j->iov_cap < need) {
		struct iovec *v = realloc(j->iov, (size_t)need * sizeof(*v));
		if (!v) {
			snprintf(j->msg, sizeof(j->msg), "out of memory for %d iovecs", need);
			return DL_ENOMEM;
		}
		j->iov = v;
		j->iov_cap = need;
	}
	if (!stored) {
		j->iov[0] = (struct iovec){ j->out, j->out_len };
		j->iovcnt = 1;
		return 0;
	}
	int n = 0;
	uint8_t *h = j->out + hl;
	j->iov[n++] = (struct iovec){ j->out, hl };
	for (size_t k = 0; k < nb; k++) {
		size_t at = k * DLZ_STORED_MAX, len = j->in_len - at;
		j->iov[n++] = (struct iovec){ h + k * DLZ_STORED_HDR, DLZ_STORED_HDR };
		j->iov[n++] = (struct iovec){ j->in + at, len < DLZ_STORED_MAX ? len : DLZ_STORED_MAX };
	}
	j->iov[n++] = (struct iovec){ h + nb * DLZ_STORED_HDR, DL_TRAILER };
	j->iovcnt = n;
	return 0;
}

/* Turn job j into a complete member (doc/disclog.md §2): header, raw deflate of the
 * payload at level - or stored blocks when that would not be smaller than the
 * payload or it looks incompressible (dlz_incompressible) - then CRC-32 and ISIZE;
 * j->iov says what to write (set_iov).  For STATE, s is the snapshot.  Grows j->out
 * as needed; *grown gets the bytes added. */
static int build_member(struct dlz_deflater *z, int level, struct dl_job *j, const struct dl_state *s,
			size_t *grown)
{
	/* Decided first: a member stored from its payload needs out only for its framing. */
	bool stored = j->in_len > 0 && dlz_incompressible(j->in, j->in_len);
	size_t nb = dlz_stored_blocks(j->in_len);
	/* Deflate output must come out smaller than the payload (stored otherwise); the
	 * headers of stored blocks take at most 5 bytes more than the payload. */
	size_t need = header_room(j->h.type) + DL_TRAILER +
		      (stored ? nb * DLZ_STORED_HDR : j->in_len + DLZ_STORED_HDR);
	size_t dlen = 0;
	int hl, rc = 0;

	*grown = 0;
	if (j->out_cap < need) {
		free(j->out);
		j->out = malloc(need);
		*grown = need - j->out_cap;
		j->out_cap = j->out ? need : 0;
		if (!j->out) {
			snprintf(j->msg, sizeof(j->msg), "out of memory for a %zu-byte member", need);
			return DL_ENOMEM;
		}
	}
	/* The header's length does not depend on member_size: encode it once to learn
	 * where the deflate data starts, again below with the size filled in. */
	j->h.member_size = 0;
	hl = dl_member_header_encode(j->out, j->out_cap, &j->h, s);
	if (hl < 0) {
		snprintf(j->msg, sizeof(j->msg), "record header does not encode (%s)", dl_strerror(hl));
		return hl;
	}
	uint8_t *d = j->out + hl;
	if (j->in_len == 0) {	/* 03 00: an empty payload */
		rc = dlz_deflate(z, level, j->in, 0, d, j->out_cap - (size_t)hl - DL_TRAILER, &dlen,
				 j->msg, sizeof(j->msg));
	} else if (!stored) {
		rc = dlz_deflate(z, level, j->in, j->in_len, d, j->in_len - 1, &dlen, j->msg,
				 sizeof(j->msg));
	}
	if (rc < 0)
		return rc;
	if (rc == 0) {	/* never for an empty payload: out has room for its 2 bytes */
		stored = true;
		dlz_stored_headers(j->in_len, d);
		dlen = nb * DLZ_STORED_HDR;
	}
	wire_put_le32(d + dlen, dlz_crc32(0, j->in, j->in_len));
	wire_put_le32(d + dlen + 4, (uint32_t)j->in_len);
	if (stored)
		dlen += j->in_len;
	j->h.member_size = (uint64_t)hl + dlen + DL_TRAILER;
	dl_member_header_encode(j->out, j->out_cap, &j->h, s);
	j->out_len = (size_t)j->h.member_size;
	return set_iov(j, (size_t)hl, stored);
}

/* ---- the job list (all with w->mu held) ------------------------------------------ */

static struct dl_job *get_job(struct dl_writer *w)
{
	struct dl_pool *p = w->pool;

	pthread_mutex_lock(&p->mu);
	struct dl_job *j = p->free_jobs;
	if (j) {
		p->free_jobs = j->next;
		p->nfree--;
		p->spare_bytes -= j->in_cap + j->out_cap;
		w->buf_bytes += j->in_cap + j->out_cap;
	}
	pthread_mutex_unlock(&p->mu);
	if (!j) {
		j = calloc(1, sizeof(*j));
		if (!j)
			return NULL;
	}
	j->next = NULL;
	j->state = DL_JOB_QUEUED;
	memset(&j->h, 0, sizeof(j->h));
	j->h.version = DL_VERSION;
	j->in_len = j->out_len = j->charge = 0;
	j->rc = 0;
	j->msg[0] = '\0';
	return j;
}

static void free_job(struct dl_job *j)
{
	free(j->in);
	free(j->out);
	free(j->iov);
	free(j);
}

/* How many finished jobs the pool keeps (p->mu held): one per worker, the pending one
 * and a STATE/SYNC; a shared pool one more per writer and its budget in members, what
 * a full queue turns over.  Its spares are bounded daemon-wide by spare_limit, however
 * many writers share it: with only the last few kept, a queue that filled and drained
 * freed jobs and faulted fresh ones in (simdrive recording at queue depth 4: 1.5-2x
 * the page faults).  A private pool keeps the few: every image has one. */
static size_t spare_jobs(const struct dl_pool *p)
{
	size_t n = p->nthreads + 2;

	if (p->shared)
		n += p->nwriters + p->max_inflight / DL_MEMBER_TARGET;
	return n;
}

/* j becomes a spare of the pool (p->mu held). */
static void push_spare(struct dl_pool *p, struct dl_job *j)
{
	j->next = p->free_jobs;
	p->free_jobs = j;
	p->nfree++;
	p->spare_bytes += j->in_cap + j->out_cap;
}

/* Recycle j as a spare of the pool, or free it when the spares are over their budget
 * or enough are spare already (see Memory at the top). */
static void put_job(struct dl_writer *w, struct dl_job *j)
{
	struct dl_pool *p = w->pool;
	size_t cap = j->in_cap + j->out_cap;

	w->buf_bytes -= cap;
	pthread_mutex_lock(&p->mu);
	bool keep = p->nfree < p->reserve ||
		    (p->spare_bytes + cap <= p->spare_limit && p->nfree < spare_jobs(p));
	if (keep)
		push_spare(p, j);
	pthread_mutex_unlock(&p->mu);
	if (!keep)
		free_job(j);
}

/* Free the spare jobs after the first `keep` (p->mu held): the pool is idle (see
 * Memory at the top) and keeps its reserve, or it is being freed. */
static void drop_spare_jobs(struct dl_pool *p, unsigned keep)
{
	struct dl_job **pp = &p->free_jobs;
	for (unsigned i = 0; *pp && i < keep; i++)
		pp = &(*pp)->next;
	while (*pp) {
		struct dl_job *j = *pp;
		*pp = j->next;
		p->nfree--;
		p->spare_bytes -= j->in_cap + j->out_cap;
		free_job(j);
	}
}

/* ---- the pool's round and budget (p->mu held) ------------------------------------- */

/* Put w on the round of writers with work, at the end: every writer gets one job per
 * turn, so none starves however many jobs the others queue. */
static void pool_ready(struct dl_pool *p, struct dl_writer *w)
{
	if (w->in_ready || w->detached || p->nthreads == 0)
		return;
	w->in_ready = true;
	w->ready_next = NULL;
	if (p->ready_tail)
		p->ready_tail->ready_next = w;
	else
		p->ready_head = w;
	p->ready_tail = w;
	pthread_cond_signal(&p->work);
}

/* w has work for the workers (w->mu held). */
static void kick(struct dl_writer *w)
{
	pthread_mutex_lock(&w->pool->mu);
	pool_ready(w->pool, w);
	pthread_mutex_unlock(&w->pool->mu);
}

static void unlink_writer(struct dl_writer **head, struct dl_writer **tail, struct dl_writer *w,
			  size_t next_off)
{
#define NEXT(x) (*(struct dl_writer **)((char *)(x) + next_off))
	struct dl_writer *prev = NULL;
	for (struct dl_writer *x = *head; x; prev = x, x = NEXT(x)) {
		if (x != w)
			continue;
		if (prev)
			NEXT(prev) = NEXT(x);
		else
			*head = NEXT(x);
		if (*tail == x)
			*tail = prev;
		break;
	}
#undef NEXT
}

static void pool_unwait(struct dl_pool *p, struct dl_writer *w)
{
	if (!w->in_wait)
		return;
	unlink_writer(&p->wait_head, &p->wait_tail, w, offsetof(struct dl_writer, wait_next));
	w->in_wait = false;
}

/* May w queue `need` more bytes as far as the pool's budget goes?  Writers that wait
 * are served first come, first served; one granted room (pool_pass) goes first. */
static bool pool_fits(struct dl_pool *p, struct dl_writer *w, size_t need)
{
	if (p->max_inflight == SIZE_MAX)
		return true;
	if (!w->pool_pass && p->wait_head && p->wait_head != w)
		return false;
	return need <= p->max_inflight && p->inflight <= p->max_inflight - need;
}

/* w waits for `need` bytes of the pool's budget: pool_release wakes it. */
static void pool_wait(struct dl_pool *p, struct dl_writer *w, size_t need)
{
	w->pool_want = need;
	if (w->in_wait)
		return;
	w->in_wait = true;
	w->wait_next = NULL;
	if (p->wait_tail)
		p->wait_tail->wait_next = w;
	else
		p->wait_head = w;
	p->wait_tail = w;
}

static void pool_charge(struct dl_pool *p, struct dl_writer *w, size_t charge)
{
	p->inflight += charge;
	w->pool_pass = false;
	pool_unwait(p, w);
}

/* Charges written: grant room to the writers that wait, in order, as far as it goes.
 * A granted writer's worker tells it (room_due). */
static void pool_release(struct dl_pool *p, size_t charge)
{
	p->inflight -= charge;
	if (p->max_inflight == SIZE_MAX)
		return;
	size_t avail = p->inflight < p->max_inflight ? p->max_inflight - p->inflight : 0;
	while (p->wait_head && p->wait_head->pool_want <= avail) {
		struct dl_writer *w = p->wait_head;
		avail -= w->pool_want;
		pool_unwait(p, w);
		w->pool_pass = true;
		w->room_due = true;
		pool_ready(p, w);
	}
}

static void set_fail(struct dl_writer *w, enum dl_errcode code, int sys, int64_t off,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void set_fail(struct dl_writer *w, enum dl_errcode code, int sys, int64_t off,
		     const char *fmt, ...)
{
	va_list ap;

	if (w->fail)
		return;
	w->fail = code;
	w->fail_err.code = code;
	w->fail_err.sys_errno = sys;
	w->fail_err.offset = off;
	va_start(ap, fmt);
	vsnprintf(w->fail_err.msg, sizeof(w->fail_err.msg), fmt, ap);
	va_end(ap);
	w->notify_due = true;	/* a waiting caller learns of it from its next call */
	pthread_cond_broadcast(&w->progress);
}

/* The sticky error: the first caller to see it gets it as it happened, later ones
 * DL_ECLOSED. */
static int check_failed(struct dl_writer *w, struct dl_error *err)
{
	if (!w->fail)
		return 0;
	if (!w->fail_seen) {
		w->fail_seen = true;
		if (err)
			*err = w->fail_err;
		return w->fail;
	}
	return set_err(err, DL_ECLOSED, w->fail_err.sys_errno, w->fail_err.offset,
		       "writer stopped after an earlier error: %s", w->fail_err.msg);
}

/* pwritev(2) of a whole iovec array (consumed as it goes), IOV_MAX at a time. */
static int write_all(int fd, struct iovec *iov, int cnt, uint64_t off)
{
	while (cnt > 0) {
		ssize_t r = pwritev(fd, iov, cnt < IOV_MAX ? cnt : IOV_MAX, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		if (r == 0)
			return ENOSPC;
		off += (uint64_t)r;
		for (; cnt > 0 && (size_t)r >= iov->iov_len; iov++, cnt--)
			r -= (ssize_t)iov->iov_len;
		if (cnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

/* fdatasync, retried on EINTR; 0 or the errno.  A file that cannot be synced because of
 * what it is (/dev/null, a pipe...) is not an error. */
static int datasync(struct dl_writer *w)
{
	int r;
	do
		r = fdatasync(w->fd);
	while (r < 0 && errno == EINTR);
	if (r < 0 && !(!w->regular && (errno == EINVAL || errno == EROFS)))
		return errno;
	return 0;
}

/* Write job j's member at off, or as much of it as an injected fault lets through
 * (dl_writer_inject): the write that crosses f->after writes the bytes before it and
 * fails with f->err, as a pwrite(2) on a full file system writes what fits.  0 or the
 * errno. */
static int write_member(int fd, struct dl_job *j, uint64_t off, struct dl_fault *f)
{
	size_t n = j->out_len;
	if (f->err && !f->at_sync && f->after < n) {
		/* cut the iovecs after f->after bytes */
		size_t keep = (size_t)f->after;
		int cnt = 0;
		while (cnt < j->iovcnt && keep > 0) {
			if (j->iov[cnt].iov_len > keep)
				j->iov[cnt].iov_len = keep;
			keep -= j->iov[cnt++].iov_len;
		}
		int e = write_all(fd, j->iov, cnt, off);
		f->after = 0;
		return e ? e : f->err;
	}
	int e = write_all(fd, j->iov, j->iovcnt, off);
	if (!e && f->err)
		f->after -= f->after < n ? f->after : n;
	return e;
}

/* The write step: write finished members from the head of the list, in sequence
 * order.  One thread at a time; the lock is dropped around the I/O.  After a
 * failure members are dropped unwritten (appending after a hole would turn a torn
 * tail into damage in the middle, doc/disclog.md §4). */
static void write_ready(struct dl_writer *w)
{
	if (w->writing || w->hold)
		return;		/* that thread will see our job when it re-checks the head */
	w->writing = true;
	while (w->head && w->head->state == DL_JOB_DONE && !w->hold) {
		struct dl_job *j = w->head;
		bool failed = w->fail != 0;
		uint64_t off = w->end;
		int e = 0, se = 0;
		struct dl_fault f = w->fault;
		unsigned gen = w->fault_gen;

		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&w->mu);
		if (!failed && j->rc == 0)
			e = write_member(w->fd, j, off, &f);
		/* A SYNC record vouches for every record before it (doc/disclog.md §3.4): on
		 * disk before anyone is told.  The write step waits meanwhile, so nothing
		 * overtakes it. */
		if (!failed && j->rc == 0 && !e && j->h.type == DL_REC_SYNC)
			se = f.err && f.at_sync && f.after == 0 ? f.err : datasync(w);
		pthread_mutex_lock(&w->mu);
		if (w->fault_gen == gen)
			w->fault.after = f.after;
		if (failed) {
			/* dropped */
		} else if (j->rc < 0) {
			set_fail(w, (enum dl_errcode)j->rc, 0, (int64_t)off, "%s: record %llu: %s",
				 w->path, (unsigned long long)j->h.seq, j->msg);
		} else if (e) {
			set_fail(w, DL_EIO, e, (int64_t)off, "%s: writing record %llu at offset %llu: %s",
				 w->path, (unsigned long long)j->h.seq, (unsigned long long)off,
				 strerror(e));
		} else {
			w->end += j->out_len;
			if (se) {
				/* After a failed fdatasync the kernel may have dropped the dirty
				 * pages: nothing written so far can be trusted, so stop (sticky). */
				set_fail(w, DL_EIO, se, (int64_t)w->end, "%s: fdatasync up to offset %llu: %s",
					 w->path, (unsigned long long)w->end, strerror(se));
			} else if (j->h.type == DL_REC_SYNC) {
				w->durable = j->h.seq + 1;
				w->notify_due = true;
			}
		}
		w->inflight -= j->charge;
		if (w->want && (w->inflight == 0 || w->inflight + w->want <= w->max_inflight)) {
			w->want = 0;
			w->notify_due = true;
		}
		bool idle = j->h.type == DL_REC_SYNC && !w->head;
		size_t charge = j->charge;
		put_job(w, j);
		pthread_mutex_lock(&w->pool->mu);
		pool_release(w->pool, charge);
		if (w->in_wait && w->inflight == 0) {
			/* An empty queue takes any size (dl_writer_room): no need to wait. */
			pool_unwait(w->pool, w);
			w->notify_due = true;
		}
		/* The end of a burn: nothing queued by anyone, the spares go too, all but
		 * the pool's reserve. */
		if (idle && w->pool->inflight == 0)
			drop_spare_jobs(w->pool, w->pool->reserve);
		pthread_mutex_unlock(&w->pool->mu);
		pthread_cond_broadcast(&w->progress);
	}
	w->writing = false;
}

/* Tell a non-blocking caller what changed (dl_writer_set_nonblock), outside the lock:
 * the function may take locks of its own.  Called by workers with w->mu held. */
static void notify_if_due(struct dl_writer *w)
{
	if (!w->notify_due)
		return;
	w->notify_due = false;
	if (!w->notify)
		return;
	dl_notify_fn fn = w->notify;
	void *arg = w->notify_arg;
	w->notifying++;
	pthread_mutex_unlock(&w->mu);
	fn(arg);
	pthread_mutex_lock(&w->mu);
	if (--w->notifying == 0)
		pthread_cond_broadcast(&w->progress);
}

/* Append j (a finished member, or a DATA job for the workers) to the list. */
static void enqueue(struct dl_writer *w, struct dl_job *j)
{
	j->next = NULL;
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->inflight += j->charge;
	if (j->charge) {
		pthread_mutex_lock(&w->pool->mu);
		pool_charge(w->pool, w, j->charge);
		pthread_mutex_unlock(&w->pool->mu);
	}
	if (j->state == DL_JOB_QUEUED) {
		if (!w->todo)
			w->todo = j;
		kick(w);
	} else if (w->nonblock) {
		kick(w);	/* a worker writes it: no I/O on the caller */
	} else {
		write_ready(w);
	}
}

/* One turn of a worker at w (w->mu held): compress its oldest waiting job, if any,
 * and write what is finished at the head of its list.  True when w has more for the
 * workers (it then goes to the end of the round). */
static bool serve(struct dl_writer *w, struct dlz_deflater *z)
{
	notify_if_due(w);
	struct dl_job *j = w->hold ? NULL : w->todo;
	if (j) {
		for (w->todo = j->next; w->todo && w->todo->state != DL_JOB_QUEUED;)
			w->todo = w->todo->next;
		j->state = DL_JOB_BUSY;
		bool skip = w->fail != 0;
		pthread_mutex_unlock(&w->mu);

		size_t grown = 0;
		if (!skip)
			j->rc = build_member(z, w->level, j, NULL, &grown);

		pthread_mutex_lock(&w->mu);
		w->buf_bytes += grown;
		j->state = DL_JOB_DONE;
	}
	write_ready(w);
	notify_if_due(w);
	/* A member the caller built (non-blocking use) waiting to be written counts too;
	 * one a thread in the write step will reach does not. */
	return !w->hold && (w->todo || (!w->writing && w->head && w->head->state == DL_JOB_DONE));
}

static void *worker(void *arg)
{
	struct dl_pool *p = arg;
	/* One deflater per engine: the writers this thread serves may differ. */
	struct dlz_deflater z[] = {
		[DL_DEFLATE_ZLIB] = { .engine = DL_DEFLATE_ZLIB },
		[DL_DEFLATE_ISAL] = { .engine = DL_DEFLATE_ISAL },
	};

	/* Compression is throughput work; the caller's thread - an event loop answering
	 * other drives - is latency work.  A batch thread (sched(7) SCHED_BATCH) is not
	 * favoured when it wakes, and a nice value of 5 (a per-thread attribute on Linux,
	 * setpriority(2)) gives it a third of the caller's share when both want the CPU:
	 * the loop answers first, the queue still drains when the CPU is free.  Failures
	 * are harmless (the defaults stay). */
#ifdef SCHED_BATCH
	struct sched_param sp = { .sched_priority = 0 };
	pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
#endif
	setpriority(PRIO_PROCESS, (id_t)gettid(), 5);
	pthread_setname_np(pthread_self(), "dl-deflate");	/* top -H, /proc/PID/task */

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct dl_writer *w = p->ready_head;
		if (!w) {
			if (p->stop)
				break;
			pthread_cond_wait(&p->work, &p->mu);
			continue;
		}
		p->ready_head = w->ready_next;
		if (!p->ready_head)
			p->ready_tail = NULL;
		w->in_ready = false;
		bool room = w->room_due;
		w->room_due = false;
		w->pool_refs++;		/* pool_detach waits until we let go */
		pthread_mutex_unlock(&p->mu);

		pthread_mutex_lock(&w->mu);
		if (room) {		/* pool_release granted it room */
			w->notify_due = true;
			pthread_cond_broadcast(&w->progress);
		}
		bool more = serve(w, &z[w->engine]);
		pthread_mutex_unlock(&w->mu);

		pthread_mutex_lock(&p->mu);
		if (more)
			pool_ready(p, w);
		if (--w->pool_refs == 0)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->mu);
	dlz_deflate_end(&z[DL_DEFLATE_ZLIB]);
	dlz_deflate_end(&z[DL_DEFLATE_ISAL]);
	return NULL;
}

/* ---- caller side ------------------------------------------------------------------ */

/* Could w queue `need` more bytes now (w->mu held)?  Within its own max_inflight and
 * the pool's budget; an empty queue takes anything (the callers check that first).
 * No for the pool's sake puts w in the pool's queue: it is told when the room is
 * there (a non-blocking caller through notify, a blocking one through progress). */
static bool fits(struct dl_writer *w, size_t need)
{
	if (need > w->max_inflight || w->inflight > w->max_inflight - need)
		return false;
	pthread_mutex_lock(&w->pool->mu);
	bool ok = pool_fits(w->pool, w, need);
	if (!ok)
		pool_wait(w->pool, w, need);
	pthread_mutex_unlock(&w->pool->mu);
	return ok;
}

/* Give job j its sequence number and queue it; with threads = 0 (or for records
 * without payload) build the member here first.  Blocks while the queued charges
 * exceed max_inflight (back-pressure), unless the caller is non-blocking: it asked
 * dl_writer_room before.  Takes and releases w->mu. */
static int submit(struct dl_writer *w, struct dl_job *j, const struct dl_state *s,
		  struct dl_error *err)
{
	int rc;

	j->h.seq = w->next_seq;
	if (w->pool->nthreads == 0 || j->h.type != DL_REC_DATA) {
		size_t grown = 0;
		j->rc = build_member(&w->zc, w->level, j, s, &grown);
		j->state = DL_JOB_DONE;
		pthread_mutex_lock(&w->mu);
		w->buf_bytes += grown;
		if (j->rc < 0) {
			rc = set_err(err, (enum dl_errcode)j->rc, 0, -1, "%s: record %llu: %s", w->path,
				     (unsigned long long)j->h.seq, j->msg);
			put_job(w, j);
			pthread_mutex_unlock(&w->mu);
			return rc;	/* nothing written, nothing lost: not sticky */
		}
	} else {
		j->charge = j->in_cap;
		pthread_mutex_lock(&w->mu);
		while (!w->nonblock && !w->fail && w->inflight > 0 && !fits(w, j->charge))
			pthread_cond_wait(&w->progress, &w->mu);
	}
	rc = check_failed(w, err);
	if (rc < 0) {
		put_job(w, j);
	} else {
		w->next_seq++;
		w->dirty = true;
		enqueue(w, j);
		rc = check_failed(w, err);	/* threads = 0: the write happened just now */
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

static int flush_pending(struct dl_writer *w, struct dl_error *err)
{
	struct dl_job *j = w->pending;

	if (!j)
		return 0;
	w->pending = NULL;
	return submit(w, j, NULL, err);
}

static int entry_check(struct dl_writer *w, struct dl_error *err)
{
	pthread_mutex_lock(&w->mu);
	int rc = check_failed(w, err);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* doc/disclog.md §3.2: merge only when every field but the LBA and the virtual time is
 * equal and the LBA follows on; a merged member keeps the time of its first write (a
 * drive stamps every WRITE, so equal times would never merge). */
static bool mergeable(const struct dl_data_meta *p, const struct dl_data_meta *m)
{
	return (int64_t)p->lba + p->count == m->lba && p->block_size == m->block_size &&
	       p->data_block_type == m->data_block_type && p->write_type == m->write_type &&
	       p->opcode == m->opcode && p->flags == m->flags && p->track == m->track &&
	       p->session == m->session;
}

/* Make room for n more payload bytes in the pending job (up to DL_MEMBER_TARGET).
 * Small records grow it by doubling from DL_MIN_IN_CAP; a bulk write (a WRITE's worth
 * of blocks, n >= DL_MIN_IN_CAP) gets the whole member at once: growing a buffer that
 * fills anyway copied each byte once more, and with many images recording at once
 * (few spare jobs each) that copy was the loop thread's biggest cost. */
static int grow_pending(struct dl_writer *w, struct dl_job *j, size_t n)
{
	size_t want = j->in_len + n, cap = j->in_cap ? j->in_cap : DL_MIN_IN_CAP;

	if (want <= j->in_cap)
		return 0;
	if (n >= DL_MIN_IN_CAP)
		cap = DL_MEMBER_TARGET;
	while (cap < want)
		cap *= 2;
	if (cap > DL_MEMBER_TARGET)
		cap = DL_MEMBER_TARGET;
	uint8_t *p = realloc(j->in, cap);
	if (!p)
		return DL_ENOMEM;
	pthread_mutex_lock(&w->mu);
	w->buf_bytes += cap - j->in_cap;
	pthread_mutex_unlock(&w->mu);
	j->in = p;
	j->in_cap = cap;
	return 0;
}

int dl_write_data(struct dl_writer *w, const struct dl_data_meta *meta, const void *data,
		  size_t len, struct dl_error *err)
{
	if (!w || !meta || !data || meta->count == 0 || meta->block_size == 0 ||
	    meta->block_size > DL_BLOCK_SIZE_MAX || len / meta->block_size != meta->count ||
	    len % meta->block_size != 0 || (int64_t)meta->lba + meta->count - 1 > INT32_MAX)
		return set_err(err, DL_EINVAL, 0, -1, "dl_write_data: bad block count, size or LBA");
	int rc = entry_check(w, err);
	if (rc < 0)
		return rc;

	const uint8_t *p = data;
	struct dl_data_meta m = *meta;
	uint32_t per_member = DL_MEMBER_TARGET / m.block_size;

	while (m.count > 0) {
		struct dl_job *j = w->pending;
		if (j && (!mergeable(&j->h.data, &m) || j->h.data.count >= per_member)) {
			if ((rc = flush_pending(w, err)) < 0)
				return rc;
			j = NULL;
		}
		if (!j) {
			pthread_mutex_lock(&w->mu);
			j = get_job(w);
			pthread_mutex_unlock(&w->mu);
			if (!j)
				return set_err(err, DL_ENOMEM, ENOMEM, -1, "%s: out of memory", w->path);
			j->h.type = DL_REC_DATA;
			j->h.data = m;
			j->h.data.count = 0;
			w->pending = j;
		}
		uint32_t n = per_member - j->h.data.count;
		if (n > m.count)
			n = m.count;
		size_t bytes = (size_t)n * m.block_size;
		if (grow_pending(w, j, bytes) < 0)
			return set_err(err, DL_ENOMEM, ENOMEM, -1, "%s: out of memory", w->path);
		memcpy(j->in + j->in_len, p, bytes);
		j->in_len += bytes;
		j->h.data.count += n;
		p += bytes;
		m.lba += (int32_t)n;
		m.count -= n;
		/* A full member goes to the workers now rather than at the next call. */
		if (j->h.data.count >= per_member && (rc = flush_pending(w, err)) < 0)
			return rc;
	}
	return 0;
}

int dl_write_state(struct dl_writer *w, const struct dl_state *s, struct dl_error *err)
{
	if (!w || !s || s->page05_len > DL_PAGE05_MAX || (s->nsessions && !s->sessions) ||
	    (s->ntracks && !s->tracks))
		return set_err(err, DL_EINVAL, 0, -1, "dl_write_state: bad snapshot");
	int rc = entry_check(w, err);
	if (rc < 0 || (rc = flush_pending(w, err)) < 0)
		return rc;

	unsigned nparts = dl_state_parts(s, NULL);
	if (nparts == 0 || nparts > UINT16_MAX)
		return set_err(err, DL_EINVAL, 0, -1, "dl_write_state: snapshot too large");

	for (unsigned k = 0; k < nparts; k++) {
		uint16_t first, cnt;
		dl_state_part_slice(s, k, &first, &cnt);	/* k < nparts: cannot fail */
		pthread_mutex_lock(&w->mu);
		struct dl_job *j = get_job(w);
		pthread_mutex_unlock(&w->mu);
		if (!j)
			return set_err(err, DL_ENOMEM, ENOMEM, -1, "%s: out of memory", w->path);
		j->h.type = DL_REC_STATE;
		j->h.part = (uint16_t)k;
		j->h.nparts = (uint16_t)nparts;
		j->h.first_track = first;
		j->h.part_tracks = cnt;
		/* A failed part leaves the snapshot incomplete, which readers ignore
		 * (doc/disclog.md §3.3). */
		if ((rc = submit(w, j, s, err)) < 0)
			return rc;
	}
	return 0;
}

/* Flush merged blocks and queue a SYNC record unless nothing was appended since the
 * last one; *ticket: the records [0, ticket) it vouches for. */
static int queue_sync(struct dl_writer *w, uint64_t *ticket, struct dl_error *err)
{
	int rc = entry_check(w, err);
	if (rc < 0 || (rc = flush_pending(w, err)) < 0)
		return rc;
	if (w->dirty) {
		pthread_mutex_lock(&w->mu);
		struct dl_job *j = get_job(w);
		pthread_mutex_unlock(&w->mu);
		if (!j)
			return set_err(err, DL_ENOMEM, ENOMEM, -1, "%s: out of memory", w->path);
		j->h.type = DL_REC_SYNC;
		j->h.synced_seq = w->next_seq - 1;	/* everything before the SYNC itself */
		uint64_t seq = w->next_seq;
		if ((rc = submit(w, j, NULL, err)) < 0)
			return rc;
		/* The write step fdatasyncs after writing it (write_ready). */
		w->dirty = false;
		w->sync_ticket = seq + 1;
	}
	*ticket = w->sync_ticket;	/* nothing new: the last SYNC queued covers it */
	return 0;
}

int dl_writer_synced(struct dl_writer *w, uint64_t ticket, struct dl_error *err)
{
	if (!w)
		return set_err(err, DL_EINVAL, 0, -1, "dl_writer_synced: no writer");
	pthread_mutex_lock(&w->mu);
	int rc = check_failed(w, err);
	if (rc == 0)
		rc = w->durable >= ticket;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* Wait until records [0, ticket) are durable, or the writer failed. */
static int wait_durable(struct dl_writer *w, uint64_t ticket, struct dl_error *err)
{
	pthread_mutex_lock(&w->mu);
	while (!w->fail && w->durable < ticket)
		pthread_cond_wait(&w->progress, &w->mu);
	int rc = check_failed(w, err);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

static int do_sync(struct dl_writer *w, struct dl_error *err)
{
	uint64_t ticket;
	int rc = queue_sync(w, &ticket, err);
	return rc < 0 ? rc : wait_durable(w, ticket, err);
}

int dl_writer_sync_start(struct dl_writer *w, uint64_t *ticket, struct dl_error *err)
{
	if (!w || !ticket)
		return set_err(err, DL_EINVAL, 0, -1, "dl_writer_sync_start: no writer");
	int rc = queue_sync(w, ticket, err);
	if (rc < 0 || w->nonblock)
		return rc;
	return wait_durable(w, *ticket, err);
}

int dl_writer_sync(struct dl_writer *w, struct dl_error *err)
{
	if (!w)
		return set_err(err, DL_EINVAL, 0, -1, "dl_writer_sync: no writer");
	return do_sync(w, err);
}

static void destroy(struct dl_writer *w)
{
	if (w->pending)
		free_job(w->pending);
	while (w->head) {	/* only after a failure can anything be left */
		struct dl_job *j = w->head;
		w->head = j->next;
		free_job(j);
	}
	dlz_deflate_end(&w->zc);
	pthread_cond_destroy(&w->progress);
	pthread_mutex_destroy(&w->mu);
	free(w->path);
	free(w);
}

/* No worker takes w up again once this returns: off the round and the queue of the
 * pool, the workers serving it done with it, what it still had queued (after a
 * failure) given back to the budget.  A private pool is then stopped and freed. */
static void pool_detach(struct dl_writer *w)
{
	struct dl_pool *p = w->pool;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	w->detached = true;
	if (w->in_ready) {
		unlink_writer(&p->ready_head, &p->ready_tail, w, offsetof(struct dl_writer, ready_next));
		w->in_ready = false;
	}
	pool_unwait(p, w);
	while (w->pool_refs)
		pthread_cond_wait(&p->idle, &p->mu);
	pool_release(p, w->inflight);
	w->inflight = 0;
	p->nwriters--;
	pthread_mutex_unlock(&p->mu);
	if (!p->shared)
		dl_pool_free(p);
	w->pool = NULL;
}

int dl_writer_close(struct dl_writer *w, struct dl_error *err)
{
	if (!w)
		return set_err(err, DL_EINVAL, 0, -1, "dl_writer_close: no writer");
	dl_writer_hold(w, false);	/* or the sync below would wait for ever */
	int rc = do_sync(w, err);

	pool_detach(w);
	if (close(w->fd) < 0 && rc == 0)
		rc = set_err(err, DL_EIO, errno, -1, "%s: close: %s", w->path, strerror(errno));
	destroy(w);
	return rc;
}

uint64_t dl_writer_next_seq(const struct dl_writer *w)
{
	return w->next_seq;
}

uint64_t dl_writer_file_size(const struct dl_writer *w)
{
	struct dl_writer *mw = (struct dl_writer *)w;	/* the lock is not part of the value */

	pthread_mutex_lock(&mw->mu);
	uint64_t end = mw->end;
	pthread_mutex_unlock(&mw->mu);
	return end;
}

/* ---- non-blocking use ------------------------------------------------------------ */

int dl_writer_set_nonblock(struct dl_writer *w, dl_notify_fn fn, void *arg)
{
	if (!w || (fn && w->pool->nthreads == 0))
		return DL_EINVAL;
	pthread_mutex_lock(&w->mu);
	w->nonblock = fn != NULL;
	w->notify = fn;
	w->notify_arg = arg;
	w->want = 0;
	w->notify_due = false;
	/* A worker may be inside the previous function: once this returns, the caller
	 * may free what arg points to. */
	while (w->notifying)
		pthread_cond_wait(&w->progress, &w->mu);
	kick(w);	/* members the caller built, if any */
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* The charges a call appending `bytes` may add, counting the pending job it may flush:
 * every member it fills and the one it leaves pending at DL_MEMBER_TARGET (a job's
 * charge is its capacity, at most that), plus one member for a pending job of other
 * metadata that gets flushed and one for members shorter than DL_MEMBER_TARGET (block
 * sizes that do not divide it).  An upper bound for one call of up to 16 MiB; a
 * command recorded in several runs of other metadata adds up to one member per extra
 * run (doc/disclog.md §6). */
bool dl_writer_room(struct dl_writer *w, size_t bytes)
{
	size_t pend = w->pending ? w->pending->in_len : 0;
	size_t need = SIZE_MAX;
	if (bytes < SIZE_MAX / 4)
		need = ((pend + bytes + DL_MEMBER_TARGET - 1) / DL_MEMBER_TARGET + 2) * DL_MEMBER_TARGET;
	pthread_mutex_lock(&w->mu);
	/* An empty queue takes anything, or a call larger than max_inflight could never
	 * go in (the blocking path, too, queues one job whatever its size); after a
	 * failure the call goes ahead to report it.  Past its own limit it waits for its
	 * own jobs (want); within it, fits() may make it wait for the pool's budget. */
	bool ok = w->fail || w->inflight == 0;
	if (!ok && (need > w->max_inflight || w->inflight > w->max_inflight - need)) {
		if (w->want == 0 || need < w->want)
			w->want = need;
	} else if (!ok) {
		ok = fits(w, need);
	}
	pthread_mutex_unlock(&w->mu);
	return ok;
}

void dl_writer_hold(struct dl_writer *w, bool hold)
{
	pthread_mutex_lock(&w->mu);
	w->hold = hold;
	if (!hold)
		kick(w);
	pthread_mutex_unlock(&w->mu);
}

void dl_writer_inject(struct dl_writer *w, const struct dl_fault *f)
{
	pthread_mutex_lock(&w->mu);
	w->fault = *f;
	w->fault_gen++;
	pthread_mutex_unlock(&w->mu);
}

int dl_writer_failed(struct dl_writer *w, struct dl_error *err)
{
	pthread_mutex_lock(&w->mu);
	int rc = w->fail;
	if (rc && err)
		*err = w->fail_err;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

void dl_writer_get_stats(struct dl_writer *w, struct dl_writer_stats *st)
{
	pthread_mutex_lock(&w->mu);
	st->queued = w->inflight;
	st->limit = w->max_inflight;
	st->held = w->hold;
	st->durable = w->durable;
	st->buffers = w->buf_bytes;
	st->spare_jobs = 0;
	pthread_mutex_lock(&w->pool->mu);
	st->waiting = w->want != 0 || w->in_wait;
	st->waiting_pool = w->in_wait;
	if (!w->pool->shared) {	/* its own spares; a shared pool's are dl_pool_get_stats' */
		st->buffers += w->pool->spare_bytes;
		st->spare_jobs = w->pool->nfree;
	}
	pthread_mutex_unlock(&w->pool->mu);
	pthread_mutex_unlock(&w->mu);
}

/* ---- open ---------------------------------------------------------------------- */

/* A new file's directory entry must be durable too, or a SYNC could vanish with it. */
static int sync_parent_dir(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return ENOMEM;
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e = 0;
	if (fd < 0 || fsync(fd) < 0)
		e = errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	return e;
}

/* Validate an existing image, cut a torn tail, continue its sequence
 * (doc/disclog.md §4). */
static int reopen_existing(struct dl_writer *w, struct dl_error *err)
{
	struct dl_reader *r = dl_reader_open(w->path, 0, err);
	if (!r)
		return err ? err->code : DL_ECORRUPT;
	const struct dl_open_report *rep = dl_reader_report(r);
	uint64_t valid = rep->valid_size, size = rep->file_size;
	w->next_seq = rep->records ? rep->last_seq + 1 : 0;
	dl_reader_close(r);

	w->end = valid;
	set_err(err, DL_OK, 0, -1, "%s", "");
	struct stat st;
	if (fstat(w->fd, &st) == 0 && (uint64_t)st.st_size > size)
		size = (uint64_t)st.st_size;
	if (size > valid) {
		if (ftruncate(w->fd, (off_t)valid) < 0 || fdatasync(w->fd) < 0)
			return set_err(err, DL_EIO, errno, (int64_t)valid,
				       "%s: cutting the torn tail at offset %llu: %s", w->path,
				       (unsigned long long)valid, strerror(errno));
		set_err(err, DL_OK, 0, (int64_t)valid,
			"%s: cut a torn tail of %llu bytes at offset %llu", w->path,
			(unsigned long long)(size - valid), (unsigned long long)valid);
	}
	return 0;
}

/* ---- pools -------------------------------------------------------------------- */

int dl_pool_free(struct dl_pool *p)
{
	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	if (p->nwriters) {
		pthread_mutex_unlock(&p->mu);
		return DL_EINVAL;
	}
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	drop_spare_jobs(p, 0);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->mu);
	free(p->threads);
	free(p);
	return 0;
}

static struct dl_pool *pool_create(unsigned threads, size_t max_inflight, size_t spare_limit,
				   bool shared, const char *what, struct dl_error *err)
{
	struct dl_pool *p = calloc(1, sizeof(*p));
	if (!p || (threads && !(p->threads = calloc(threads, sizeof(*p->threads))))) {
		free(p);
		set_err(err, DL_ENOMEM, ENOMEM, -1, "%s: out of memory", what);
		return NULL;
	}
	p->max_inflight = max_inflight;
	p->spare_limit = spare_limit;
	p->shared = shared;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	while (p->nthreads < threads) {
		int e = pthread_create(&p->threads[p->nthreads], NULL, worker, p);
		if (e) {
			set_err(err, DL_ENOMEM, e, -1, "%s: pthread_create: %s", what, strerror(e));
			dl_pool_free(p);
			return NULL;
		}
		p->nthreads++;
	}
	return p;
}

/* The pool's reserve (dl_pool_opts.reserve): n spare jobs, each with a whole
 * member's payload buffer whose pages are faulted in here.  A fresh mapping faults at
 * its first copy, and the first burn of many images at once met tens of thousands of
 * such faults on its loop thread (doc/disclog.md section 6). */
static int pool_reserve(struct dl_pool *p, unsigned n, struct dl_error *err)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);

	for (unsigned i = 0; i < n; i++) {
		struct dl_job *j = calloc(1, sizeof(*j));
		if (!j || !(j->in = malloc(DL_MEMBER_TARGET))) {
			free(j);
			return set_err(err, DL_ENOMEM, ENOMEM, -1,
				       "dl_pool_new: out of memory for the reserve (%u of %u MiB made)",
				       i, n);
		}
		j->in_cap = DL_MEMBER_TARGET;
		/* A store per page, not memset: a malloc + memset of zeros may become a
		 * calloc, which leaves fresh pages untouched. */
		for (size_t off = 0; off < j->in_cap; off += page)
			((volatile uint8_t *)j->in)[off] = 0;
		pthread_mutex_lock(&p->mu);
		push_spare(p, j);
		pthread_mutex_unlock(&p->mu);
	}
	return 0;
}

struct dl_pool *dl_pool_new(const struct dl_pool_opts *opts, struct dl_error *err)
{
	struct dl_pool_opts o = { 0 };
	if (opts)
		o = *opts;
	if (o.threads > DL_MAX_THREADS) {
		set_err(err, DL_EINVAL, 0, -1, "dl_pool_new: more than %d threads", DL_MAX_THREADS);
		return NULL;
	}
	if (o.reserve > DL_POOL_MAX_RESERVE) {
		set_err(err, DL_EINVAL, 0, -1, "dl_pool_new: a reserve of more than %u MiB",
			(unsigned)(DL_POOL_MAX_RESERVE >> 20));
		return NULL;
	}
	size_t max = o.max_inflight ? o.max_inflight : DL_POOL_DEFAULT_INFLIGHT;
	/* Spares up to twice the budget: a new job buffer faults its pages in (doc/disclog.md
	 * section 6, "many images"). */
	struct dl_pool *p = pool_create(o.threads ? o.threads : DL_POOL_DEFAULT_THREADS, max,
					max * 2, true, "dl_pool_new", err);
	if (!p)
		return NULL;
	p->reserve = (unsigned)((o.reserve + DL_MEMBER_TARGET - 1) / DL_MEMBER_TARGET);
	if (pool_reserve(p, p->reserve, err) < 0) {
		dl_pool_free(p);
		return NULL;
	}
	return p;
}

void dl_pool_get_stats(struct dl_pool *p, struct dl_pool_stats *st)
{
	pthread_mutex_lock(&p->mu);
	st->threads = p->nthreads;
	st->writers = p->nwriters;
	st->queued = p->inflight;
	st->limit = p->max_inflight;
	st->spare_jobs = p->nfree;
	st->spare_bytes = p->spare_bytes;
	st->reserve_jobs = p->reserve;
	unsigned n = 0;
	for (struct dl_writer *w = p->wait_head; w; w = w->wait_next)
		n++;
	st->waiting = n;
	pthread_mutex_unlock(&p->mu);
}

struct dl_writer *dl_writer_open(const char *path, const struct dl_writer_opts *opts,
				 struct dl_error *err)
{
	struct dl_writer_opts o = { 0 };
	enum dl_deflate engine;
	if (opts)
		o = *opts;
	if (!path || o.level < 0 || o.level > 9 || o.threads > DL_MAX_THREADS ||
	    (o.pool && o.threads)) {
		set_err(err, DL_EINVAL, 0, -1, "dl_writer_open: bad path, level or thread count");
		return NULL;
	}
	if (dlz_resolve(o.deflate, &engine) < 0) {
		set_err(err, DL_EINVAL, 0, -1, "dl_writer_open: deflate engine %d is not in this build%s",
			(int)o.deflate, o.deflate == DL_DEFLATE_ISAL ? " (configured without ISA-L)" : "");
		return NULL;
	}
	struct dl_writer *w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path))) {
		free(w);
		set_err(err, DL_ENOMEM, ENOMEM, -1, "%s: out of memory", path);
		return NULL;
	}
	w->level = o.level ? o.level : DL_DEFAULT_LEVEL;
	w->engine = engine;
	w->zc.engine = engine;
	w->max_inflight = o.max_inflight ? o.max_inflight : DL_DEFAULT_INFLIGHT;
	w->buf_limit = 2 * (w->max_inflight + 2 * (size_t)DL_MEMBER_TARGET);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->progress, NULL);

	set_err(err, DL_OK, 0, -1, "%s", "");
	w->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		set_err(err, DL_EIO, errno, -1, "%s: %s", path, strerror(errno));
		destroy(w);
		return NULL;
	}
	int rc = 0;
	struct stat st;
	if (flock(w->fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK)
		rc = set_err(err, DL_EINVAL, EWOULDBLOCK, -1, "%s: another writer has it open", path);
	else if (fstat(w->fd, &st) < 0)
		rc = set_err(err, DL_EIO, errno, -1, "%s: %s", path, strerror(errno));
	if (rc == 0) {
		w->regular = S_ISREG(st.st_mode);
		if (w->regular && st.st_size > 0)
			rc = reopen_existing(w, err);
		else if (w->regular && (rc = sync_parent_dir(path)) != 0)
			rc = set_err(err, DL_EIO, rc, -1, "%s: fsync of its directory: %s", path, strerror(rc));
	}
	/* What the image held when opened counts as durable (it was validated, a torn
	 * tail cut and synced): a sync with nothing new has nothing to wait for. */
	w->durable = w->sync_ticket = w->next_seq;
	if (rc == 0) {
		/* Workers of its own (none with threads = 0: the caller compresses), or the
		 * shared pool's; either way the spare jobs are the pool's. */
		w->pool = o.pool ? o.pool
			: pool_create(o.threads, SIZE_MAX, w->buf_limit, false, path, err);
		if (!w->pool)
			rc = err ? err->code : DL_ENOMEM;
	}
	if (rc == 0) {
		pthread_mutex_lock(&w->pool->mu);
		w->pool->nwriters++;
		pthread_mutex_unlock(&w->pool->mu);
	}
	if (rc != 0) {
		struct dl_error keep;
		if (err)
			keep = *err;
		close(w->fd);
		destroy(w);
		if (err)
			*err = keep;
		return NULL;
	}
	return w;
}
