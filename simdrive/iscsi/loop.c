/* simdrive/iscsi/loop.c - epoll event loop (see loop.h). */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

struct fd_slot {
	sim_fd_fn fn;		/* NULL: fd not registered */
	void *arg;
	uint32_t events;
};

/* Timers live in a list sorted by deadline.  simdrive has a few per connection
 * (login timeout, NOP ping), so insertion in O(n) is cheaper than a heap's code. */
struct timer {
	struct timer *next;
	uint64_t id, due;
	sim_timer_fn fn;
	void *arg;
};

struct sim_loop {
	int epfd;
	struct fd_slot *slots;
	int nslots;
	struct timer *timers;
	uint64_t next_timer_id;
	bool stop;
	uint64_t (*clock)(void *arg);	/* NULL: sim_loop_now_ms */
	void *clock_arg;
};

uint64_t sim_loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t loop_now(const struct sim_loop *loop)
{
	return loop->clock ? loop->clock(loop->clock_arg) : sim_loop_now_ms();
}

void sim_loop_set_clock(struct sim_loop *loop, uint64_t (*clock)(void *arg), void *arg)
{
	loop->clock = clock;
	loop->clock_arg = arg;
}

struct sim_loop *sim_loop_new(void)
{
	struct sim_loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	return loop;
}

void sim_loop_free(struct sim_loop *loop)
{
	if (!loop)
		return;
	while (loop->timers) {
		struct timer *t = loop->timers;
		loop->timers = t->next;
		free(t);
	}
	close(loop->epfd);
	free(loop->slots);
	free(loop);
}

static int grow_slots(struct sim_loop *loop, int fd)
{
	if (fd < loop->nslots)
		return 0;
	int n = loop->nslots ? loop->nslots : 64;
	while (n <= fd)
		n *= 2;
	struct fd_slot *s = realloc(loop->slots, (size_t)n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s + loop->nslots, 0, (size_t)(n - loop->nslots) * sizeof(*s));
	loop->slots = s;
	loop->nslots = n;
	return 0;
}

int sim_loop_add_fd(struct sim_loop *loop, int fd, uint32_t events, sim_fd_fn fn, void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	int rc;

	if (fd < 0 || !fn)
		return -EINVAL;
	if ((rc = grow_slots(loop, fd)) < 0)
		return rc;
	if (loop->slots[fd].fn)
		return -EEXIST;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	loop->slots[fd] = (struct fd_slot){ fn, arg, events };
	return 0;
}

int sim_loop_mod_fd(struct sim_loop *loop, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd < 0 || fd >= loop->nslots || !loop->slots[fd].fn)
		return -ENOENT;
	if (loop->slots[fd].events == events)
		return 0;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	loop->slots[fd].events = events;
	return 0;
}

void sim_loop_del_fd(struct sim_loop *loop, int fd)
{
	if (fd < 0 || fd >= loop->nslots || !loop->slots[fd].fn)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	loop->slots[fd].fn = NULL;
	loop->slots[fd].arg = NULL;
	loop->slots[fd].events = 0;
}

struct sim_loop_waker {
	struct sim_loop *loop;
	int fd;
	sim_timer_fn fn;
	void *arg;
};

static void waker_event(struct sim_loop *loop, int fd, uint32_t events, void *arg)
{
	struct sim_loop_waker *w = arg;
	uint64_t n;

	(void)events;
	/* Reset the counter first: a wake-up during fn sets it again, so none is lost. */
	while (read(fd, &n, sizeof(n)) < 0 && errno == EINTR)
		;
	w->fn(loop, w->arg);
}

struct sim_loop_waker *sim_loop_waker_new(struct sim_loop *loop, sim_timer_fn fn, void *arg)
{
	struct sim_loop_waker *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	*w = (struct sim_loop_waker){ loop, -1, fn, arg };
	w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int rc = w->fd < 0 ? -errno : sim_loop_add_fd(loop, w->fd, EPOLLIN, waker_event, w);
	if (rc < 0) {
		if (w->fd >= 0)
			close(w->fd);
		free(w);
		errno = -rc;
		return NULL;
	}
	return w;
}

void sim_loop_wake(struct sim_loop_waker *w)
{
	uint64_t one = 1;
	/* EAGAIN: the counter is at its maximum, i.e. a wake-up is pending anyway. */
	while (write(w->fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

void sim_loop_waker_free(struct sim_loop_waker *w)
{
	if (!w)
		return;
	sim_loop_del_fd(w->loop, w->fd);
	close(w->fd);
	free(w);
}

uint64_t sim_loop_add_timer(struct sim_loop *loop, uint64_t ms, sim_timer_fn fn, void *arg)
{
	struct timer *t = malloc(sizeof(*t)), **pp;

	if (!t)
		return 0;
	t->id = ++loop->next_timer_id;
	t->due = loop_now(loop) + ms;
	t->fn = fn;
	t->arg = arg;
	for (pp = &loop->timers; *pp && (*pp)->due <= t->due; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	return t->id;
}

void sim_loop_del_timer(struct sim_loop *loop, uint64_t id)
{
	for (struct timer **pp = &loop->timers; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct timer *t = *pp;
			*pp = t->next;
			free(t);
			return;
		}
	}
}

void sim_loop_stop(struct sim_loop *loop)
{
	loop->stop = true;
}

/* Run every timer that is due; returns the wait until the next one (-1: none). */
static int run_timers(struct sim_loop *loop)
{
	for (;;) {
		struct timer *t = loop->timers;
		uint64_t now;

		if (!t)
			return -1;
		now = loop_now(loop);
		if (t->due > now) {
			uint64_t wait = t->due - now;
			return wait > 60000 ? 60000 : (int)wait;
		}
		loop->timers = t->next;
		sim_timer_fn fn = t->fn;
		void *arg = t->arg;
		free(t);
		fn(loop, arg);
		if (loop->stop)
			return 0;
	}
}

/* Wait at most timeout ms (-1: forever) and dispatch the fd events that fired. */
static int dispatch(struct sim_loop *loop, int timeout)
{
	struct epoll_event fired[64];
	int n = epoll_wait(loop->epfd, fired, 64, timeout);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n && !loop->stop; i++) {
		int fd = fired[i].data.fd;
		/* An earlier callback of this batch may have deleted fd (or closed it
		 * and registered a new fd with the same number: then the mask check
		 * still holds and a spurious wake-up is harmless, handlers read
		 * non-blocking). */
		if (fd >= loop->nslots || !loop->slots[fd].fn)
			continue;
		uint32_t ev = fired[i].events & (loop->slots[fd].events | EPOLLERR | EPOLLHUP);
		if (ev)
			loop->slots[fd].fn(loop, fd, ev, loop->slots[fd].arg);
	}
	return n;
}

int sim_loop_run(struct sim_loop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		int timeout = run_timers(loop);
		if (loop->stop)
			break;
		int n = dispatch(loop, timeout);
		if (n < 0)
			return n;
	}
	return 0;
}

int sim_loop_run_once(struct sim_loop *loop)
{
	loop->stop = false;
	run_timers(loop);
	return loop->stop ? 0 : dispatch(loop, 0);
}
