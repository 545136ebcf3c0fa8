/* simdrive/iscsi/loop.h - single-threaded epoll event loop with monotonic timers and
 * wake-ups from other threads.
 *
 * Handlers are kept in an array indexed by fd (constant-time lookup).  Fired events
 * are copied out before dispatch and each fd's registration is re-checked before its
 * callback runs, so a handler may delete any fd, including others in the same batch.
 * Timers run on CLOCK_MONOTONIC; a timer callback may add or delete timers. */
#ifndef SIM_LOOP_H
#define SIM_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct sim_loop;

/* events: EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP as fired. */
typedef void (*sim_fd_fn)(struct sim_loop *loop, int fd, uint32_t events, void *arg);
typedef void (*sim_timer_fn)(struct sim_loop *loop, void *arg);

/* Returns NULL on failure (errno set). */
struct sim_loop *sim_loop_new(void);
void sim_loop_free(struct sim_loop *loop);

/* Register fd for events (EPOLLIN/EPOLLOUT).  Returns 0 or -errno. */
int sim_loop_add_fd(struct sim_loop *loop, int fd, uint32_t events, sim_fd_fn fn, void *arg);
/* Change the event mask of a registered fd.  Returns 0 or -errno. */
int sim_loop_mod_fd(struct sim_loop *loop, int fd, uint32_t events);
/* Unregister fd (does not close it).  Safe on an fd that is not registered. */
void sim_loop_del_fd(struct sim_loop *loop, int fd);

/* Run fn once, after ms milliseconds.  Returns a non-zero id, or 0 on failure. */
uint64_t sim_loop_add_timer(struct sim_loop *loop, uint64_t ms, sim_timer_fn fn, void *arg);
/* Cancel a timer that has not fired; ids of fired or unknown timers are ignored. */
void sim_loop_del_timer(struct sim_loop *loop, uint64_t id);

/* Dispatch events until sim_loop_stop().  Returns 0, or -errno if epoll failed. */
int sim_loop_run(struct sim_loop *loop);
void sim_loop_stop(struct sim_loop *loop);
/* One turn without waiting: run the timers that are due, then dispatch the fd events
 * ready now.  Returns the number of fd events that fired (0: nothing was ready), or
 * -errno.  A caller that drives both ends of a connection (tests/fuzz/fuzz_pdu.c) runs
 * it until it returns 0. */
int sim_loop_run_once(struct sim_loop *loop);

/* Wake-ups from other threads (an eventfd): after sim_loop_wake(w), from any thread,
 * fn(loop, arg) runs once on the loop - once for any number of wake-ups since its last
 * run, and again for one that arrives while it runs.  NULL on failure (errno set). */
struct sim_loop_waker;
struct sim_loop_waker *sim_loop_waker_new(struct sim_loop *loop, sim_timer_fn fn, void *arg);
void sim_loop_wake(struct sim_loop_waker *w);
/* Unregister and free (on the loop's thread, once no other thread can still wake it). */
void sim_loop_waker_free(struct sim_loop_waker *w);

/* Milliseconds on the monotonic clock. */
uint64_t sim_loop_now_ms(void);

/* The timers' clock, in milliseconds: clock(arg) instead of sim_loop_now_ms(), set
 * before any timer is added.  A virtual clock makes timers fire only when its owner
 * moves it (tests/fuzz/fuzz_pdu.c: the target's NOP-In pings and login timeout,
 * deterministically); sim_loop_run() should then not wait on timers. */
void sim_loop_set_clock(struct sim_loop *loop, uint64_t (*clock)(void *arg), void *arg);

#endif
