/* simdrive/scsi/bulk.c - big transfer buffers kept for reuse (scsi.h, "Transfer
 * buffers").  A burn or a read-back moves data in commands of one size, back to back:
 * 256 KiB WRITEs of Data-Out, READ(10)s of Data-In.  Above glibc's mmap threshold
 * (simdrive/main.c sets it) each malloc is a fresh mapping whose pages fault in at the
 * first copy, and the faults cost more than the copy.  So freed buffers are kept in a
 * small cache, bounded in count and bytes, and handed out again to a request of about
 * their size.  The cache is process-wide (any LUN, any connection) behind a mutex. */
#include <pthread.h>
#include <stdlib.h>

#include "scsi.h"

enum {
	BULK_SLOTS = 64,
	BULK_MIN = 128 * 1024,			/* smaller ones come from the heap anyway */
};
#define BULK_BYTES ((size_t)32 << 20)		/* at most this much kept */

static pthread_mutex_t bulk_mu = PTHREAD_MUTEX_INITIALIZER;
static struct { void *p; size_t cap; } bulk[BULK_SLOTS];
static unsigned bulk_n;
static size_t bulk_bytes;

void *sim_bulk_get(size_t n, size_t *cap)
{
	if (n >= BULK_MIN) {
		pthread_mutex_lock(&bulk_mu);
		for (unsigned i = 0; i < bulk_n; i++) {
			/* Big enough, and not a big one spent on a much smaller request. */
			if (bulk[i].cap >= n && bulk[i].cap / 2 <= n) {
				void *p = bulk[i].p;
				*cap = bulk[i].cap;
				bulk_bytes -= bulk[i].cap;
				bulk[i] = bulk[--bulk_n];
				pthread_mutex_unlock(&bulk_mu);
				return p;
			}
		}
		pthread_mutex_unlock(&bulk_mu);
	}
	*cap = n;
	return malloc(n ? n : 1);
}

void sim_bulk_put(void *p, size_t cap)
{
	if (!p)
		return;
	if (cap >= BULK_MIN) {
		pthread_mutex_lock(&bulk_mu);
		if (bulk_n < BULK_SLOTS && bulk_bytes + cap <= BULK_BYTES) {
			bulk[bulk_n].p = p;
			bulk[bulk_n++].cap = cap;
			bulk_bytes += cap;
			p = NULL;
		}
		pthread_mutex_unlock(&bulk_mu);
	}
	free(p);
}

void sim_bulk_drain(void)
{
	pthread_mutex_lock(&bulk_mu);
	while (bulk_n > 0)
		free(bulk[--bulk_n].p);
	bulk_bytes = 0;
	pthread_mutex_unlock(&bulk_mu);
}
