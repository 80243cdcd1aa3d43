/*
 * loop: one epoll set, a binary heap of timers and a list of hooks (see
 * loop.h).  A watch removed while the events of one wait are being
 * dispatched is marked dead and freed after the round, so a later event
 * of the same batch never reaches freed memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "loop.h"
#include "sig.h"

#define LOOP_BATCH 64	/* events taken per wait */

struct loop_fd {
	struct loop *l;
	int fd;
	int events;
	int dead;
	void (*cb)(struct loop_fd *, int, int, void *);
	void *ctx;
	struct loop_fd *next;	/* all watches, then the dead */
};

struct hook {
	void (*cb)(void *);
	void *ctx;
};

struct loop {
	int ep;
	struct loop_fd *fds;	/* live watches */
	struct loop_fd *dead;	/* removed during a round */
	int dispatching;
	struct loop_timer **heap;
	size_t nheap, capheap;
	uint64_t seq;
	struct hook *hooks;
	size_t nhooks;
	int stop;
	struct loop_fd *sigw;
	void (*on_stop)(int, void *);
	void *on_stop_ctx;
};

int
loop_open(struct loop **out)
{
	struct loop *l = calloc(1, sizeof *l);

	if (!l)
		return -1;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0) {
		int e = errno;

		free(l);
		errno = e;
		return -1;
	}
	*out = l;
	return 0;
}

static void
free_dead(struct loop *l)
{
	struct loop_fd *f, *next;

	for (f = l->dead; f; f = next) {
		next = f->next;
		free(f);
	}
	l->dead = NULL;
}

void
loop_close(struct loop *l)
{
	struct loop_fd *f, *next;
	size_t i;

	if (!l)
		return;
	for (f = l->fds; f; f = next) {
		next = f->next;
		free(f);
	}
	free_dead(l);
	for (i = 0; i < l->nheap; i++)
		l->heap[i]->slot = 0;
	free(l->heap);
	free(l->hooks);
	close(l->ep);
	free(l);
}

static uint32_t
ep_events(int events)
{
	return (events & LOOP_READ ? EPOLLIN : 0) |
	    (events & LOOP_WRITE ? EPOLLOUT : 0);
}

struct loop_fd *
loop_fd_add(struct loop *l, int fd, int events,
    void (*cb)(struct loop_fd *, int, int, void *), void *ctx)
{
	struct loop_fd *f = calloc(1, sizeof *f);
	struct epoll_event ev;

	if (!f)
		return NULL;
	f->l = l;
	f->fd = fd;
	f->events = events;
	f->cb = cb;
	f->ctx = ctx;
	memset(&ev, 0, sizeof ev);
	ev.events = ep_events(events);
	ev.data.ptr = f;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;

		free(f);
		errno = e;
		return NULL;
	}
	f->next = l->fds;
	l->fds = f;
	return f;
}

int
loop_fd_set(struct loop_fd *f, int events)
{
	struct epoll_event ev;

	if (f->events == events)
		return 0;
	memset(&ev, 0, sizeof ev);
	ev.events = ep_events(events);
	ev.data.ptr = f;
	if (epoll_ctl(f->l->ep, EPOLL_CTL_MOD, f->fd, &ev) < 0)
		return -1;
	f->events = events;
	return 0;
}

int
loop_fd_events(const struct loop_fd *f)
{
	return f->events;
}

void
loop_fd_del(struct loop_fd *f)
{
	struct loop *l;
	struct loop_fd **p;

	if (!f)
		return;
	l = f->l;
	/* Fails only when the descriptor is closed already: then the
	 * kernel has forgotten it by itself. */
	(void)epoll_ctl(l->ep, EPOLL_CTL_DEL, f->fd, NULL);
	for (p = &l->fds; *p && *p != f; p = &(*p)->next)
		;
	if (*p)
		*p = f->next;
	if (l->dispatching) {
		f->dead = 1;
		f->next = l->dead;
		l->dead = f;
	} else {
		free(f);
	}
}

/* Timers: a min-heap on (when, seq); slot is the index + 1. */

static int
timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void
heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void
heap_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	while (i > 0 && timer_before(t, l->heap[(i - 1) / 2])) {
		heap_set(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(l, i, t);
}

static void
heap_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && timer_before(l->heap[c + 1], l->heap[c]))
			c++;
		if (!timer_before(l->heap[c], t))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

void
loop_timer_init(struct loop_timer *t, void (*cb)(struct loop_timer *, void *),
    void *ctx)
{
	memset(t, 0, sizeof *t);
	t->cb = cb;
	t->ctx = ctx;
}

void
loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	size_t i;

	if (!t->slot)
		return;
	i = t->slot - 1;
	t->slot = 0;
	l->nheap--;
	if (i == l->nheap)
		return;
	heap_set(l, i, l->heap[l->nheap]);
	if (i > 0 && timer_before(l->heap[i], l->heap[(i - 1) / 2]))
		heap_up(l, i);
	else
		heap_down(l, i);
}

int
loop_timer_at(struct loop *l, struct loop_timer *t, int64_t when_us)
{
	loop_timer_stop(l, t);
	if (l->nheap == l->capheap) {
		size_t cap = l->capheap ? l->capheap * 2 : 16;
		struct loop_timer **h = realloc(l->heap, cap * sizeof *h);

		if (!h) {
			errno = ENOMEM;
			return -1;
		}
		l->heap = h;
		l->capheap = cap;
	}
	t->when = when_us;
	t->seq = l->seq++;
	l->heap[l->nheap++] = t;
	heap_up(l, l->nheap - 1);
	return 0;
}

int
loop_timer_in(struct loop *l, struct loop_timer *t, int64_t in_ms)
{
	return loop_timer_at(l, t, time_mono_us() + (in_ms > 0 ? in_ms : 0) *
	    1000);
}

int
loop_timer_armed(const struct loop_timer *t)
{
	return t->slot != 0;
}

int
loop_before_block(struct loop *l, void (*cb)(void *), void *ctx)
{
	struct hook *h = realloc(l->hooks, (l->nhooks + 1) * sizeof *h);

	if (!h) {
		errno = ENOMEM;
		return -1;
	}
	l->hooks = h;
	h[l->nhooks].cb = cb;
	h[l->nhooks].ctx = ctx;
	l->nhooks++;
	return 0;
}

void
loop_before_block_del(struct loop *l, void (*cb)(void *), void *ctx)
{
	size_t i;

	for (i = 0; i < l->nhooks; i++) {
		if (l->hooks[i].cb != cb || l->hooks[i].ctx != ctx)
			continue;
		memmove(&l->hooks[i], &l->hooks[i + 1],
		    (l->nhooks - i - 1) * sizeof *l->hooks);
		l->nhooks--;
		return;
	}
}

static void
on_sigfd(struct loop_fd *f, int fd, int revents, void *ctx)
{
	struct loop *l = ctx;

	(void)f;
	(void)fd;
	(void)revents;
	sig_drain();
	if (l->on_stop && sig_stop_requested())
		l->on_stop(sig_stop_requested(), l->on_stop_ctx);
}

int
loop_on_stop_signal(struct loop *l, void (*cb)(int, void *), void *ctx)
{
	if (sig_fd() < 0) {
		errno = EINVAL;
		return -1;
	}
	l->on_stop = cb;
	l->on_stop_ctx = ctx;
	if (!l->sigw) {
		l->sigw = loop_fd_add(l, sig_fd(), LOOP_READ, on_sigfd, l);
		if (!l->sigw)
			return -1;
	}
	return 0;
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}

/* Run the timers due at now, in order; each fires once per round. */
static int
run_timers(struct loop *l, int64_t now)
{
	uint64_t seq = l->seq;
	int n = 0;

	while (l->nheap > 0 && l->heap[0]->when <= now &&
	    l->heap[0]->seq < seq && !l->stop) {
		struct loop_timer *t = l->heap[0];

		loop_timer_stop(l, t);
		t->cb(t, t->ctx);
		n++;
	}
	return n;
}

int
loop_once(struct loop *l, int timeout_ms)
{
	struct epoll_event ev[LOOP_BATCH];
	int64_t now;
	size_t i;
	int n, k, ran = 0;

	for (i = 0; i < l->nhooks && !l->stop; i++)
		l->hooks[i].cb(l->hooks[i].ctx);
	if (l->stop)
		return 0;
	if (l->nheap > 0) {
		int64_t d = l->heap[0]->when - time_mono_us();
		/* Round up: waking before the timer is due wastes a turn. */
		int64_t ms = d <= 0 ? 0 : (d + 999) / 1000;

		if (timeout_ms < 0 || ms < timeout_ms)
			timeout_ms = ms > 0x7fffffff ? 0x7fffffff : (int)ms;
	}
	n = epoll_wait(l->ep, ev, LOOP_BATCH, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return -1;
	}
	now = time_mono_us();
	/* A timer may remove a watch whose event is in ev[]. */
	l->dispatching = 1;
	ran += run_timers(l, now);
	for (k = 0; k < n && !l->stop; k++) {
		struct loop_fd *f = ev[k].data.ptr;
		int re = 0;

		if (f->dead)
			continue;
		if (ev[k].events & EPOLLIN)
			re |= LOOP_READ;
		if (ev[k].events & EPOLLOUT)
			re |= LOOP_WRITE;
		if (ev[k].events & (EPOLLERR | EPOLLHUP))
			re |= LOOP_ERROR;
		f->cb(f, f->fd, re, f->ctx);
		ran++;
	}
	l->dispatching = 0;
	free_dead(l);
	return ran;
}

int
loop_run(struct loop *l)
{
	l->stop = 0;
	while (!l->stop)
		if (loop_once(l, -1) < 0)
			return -1;
	return 0;
}
