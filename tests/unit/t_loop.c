/*
 * t_loop: the event loop -- timers fire in time order (ties in the
 * order armed), a stopped timer never fires, descriptors are reported
 * ready for reading and writing, a watch removed by an earlier callback
 * of the same round is not called, the stop signals arrive through sig's
 * self-pipe, and the before-block hooks run before each wait.  Every
 * wait is for a condition; a guard timer ends a case that would hang.
 */
/* load: 3 (signals, pipes, timers: make check-load runs it 3 times) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "io/loop.h"
#include "io/sig.h"
#include "tap.h"

#define GUARD_MS 5000

static struct loop *l;
static struct loop_timer guard;
static int guard_fired;

static void
on_guard(struct loop_timer *t, void *ctx)
{
	(void)t;
	(void)ctx;
	guard_fired = 1;
	loop_stop(l);
}

/* Run the loop until a callback stops it, or the guard does. */
static int
run(void)
{
	guard_fired = 0;
	if (loop_timer_in(l, &guard, GUARD_MS) < 0 || loop_run(l) < 0) {
		tap_diag("loop: %s", strerror(errno));
		return -1;
	}
	loop_timer_stop(l, &guard);
	return guard_fired ? -1 : 0;
}

/* Timers */

static char order[16];
static size_t norder;

struct named {
	struct loop_timer t;
	char name;
	int stop;
};

static void
on_named(struct loop_timer *t, void *ctx)
{
	struct named *n = ctx;

	(void)t;
	if (norder < sizeof order - 1)
		order[norder++] = n->name;
	if (n->stop)
		loop_stop(l);
}

static void
test_timers(void)
{
	struct named n[6];
	static const char names[] = "cabdex";
	int64_t now = time_mono_us();
	int64_t at[6] = { 3000, 1000, 2000, 3000, 4000, 2500 };
	int i;

	memset(n, 0, sizeof n);
	norder = 0;
	for (i = 0; i < 6; i++) {
		n[i].name = names[i];
		loop_timer_init(&n[i].t, on_named, &n[i]);
		if (loop_timer_at(l, &n[i].t, now + at[i]) < 0)
			tap_diag("timer_at: %s", strerror(errno));
	}
	n[4].stop = 1;
	/* x is stopped before it is due. */
	loop_timer_stop(l, &n[5].t);
	tap_ok(!loop_timer_armed(&n[5].t) && loop_timer_armed(&n[0].t),
	    "timer: armed and stopped");
	tap_ok(run() == 0, "timer: the last one stopped the loop");
	order[norder] = '\0';
	/* c and d are due at the same time: c was armed first. */
	tap_eq_s(order, "abcde", "timer: fired in time order, ties as armed");
	tap_ok(time_mono_us() >= now + 4000, "timer: not before it is due");
}

/* A timer that arms itself again: three rounds, then stops. */
static int rounds;

static void
on_again(struct loop_timer *t, void *ctx)
{
	(void)ctx;
	if (++rounds == 3) {
		loop_stop(l);
		return;
	}
	if (loop_timer_in(l, t, 0) < 0)
		tap_diag("timer_in: %s", strerror(errno));
}

static void
test_rearm(void)
{
	struct loop_timer t;
	int ok;

	rounds = 0;
	loop_timer_init(&t, on_again, NULL);
	if (loop_timer_in(l, &t, 1) < 0)
		tap_diag("timer_in: %s", strerror(errno));
	ok = run() == 0;
	tap_ok(ok && rounds == 3, "timer: armed again from its callback "
	    "(%d rounds)", rounds);
}

/* Descriptors */

static int p[2], q[2];
static char got[8];
static int writable, nfd;

static void
on_read(struct loop_fd *f, int fd, int revents, void *ctx)
{
	ssize_t n;

	(void)f;
	(void)ctx;
	nfd++;
	if (!(revents & LOOP_READ))
		return;
	n = read(fd, got, sizeof got - 1);
	got[n > 0 ? n : 0] = '\0';
	loop_stop(l);
}

static void
on_write(struct loop_fd *f, int fd, int revents, void *ctx)
{
	(void)fd;
	(void)ctx;
	if (revents & LOOP_WRITE)
		writable++;
	/* No more interest: it must not be called again. */
	if (loop_fd_set(f, 0) < 0)
		tap_diag("fd_set: %s", strerror(errno));
}

/* A timer writes into the pipe: the read watch wakes up. */
static void
on_feed(struct loop_timer *t, void *ctx)
{
	(void)t;
	(void)ctx;
	if (write(p[1], "hi", 2) != 2)
		tap_diag("write: %s", strerror(errno));
}

static void
test_fds(void)
{
	struct loop_fd *r, *w;
	struct loop_timer t;

	if (pipe2(p, O_NONBLOCK) < 0 || pipe2(q, O_NONBLOCK) < 0) {
		tap_diag("pipe: %s", strerror(errno));
		return;
	}
	r = loop_fd_add(l, p[0], LOOP_READ, on_read, NULL);
	w = loop_fd_add(l, q[1], LOOP_WRITE, on_write, NULL);
	tap_ok(r && w, "fd: added");
	tap_ok(!loop_fd_add(l, p[0], LOOP_READ, on_read, NULL) &&
	    errno == EEXIST, "fd: a descriptor watched twice is EEXIST");
	loop_timer_init(&t, on_feed, NULL);
	if (loop_timer_in(l, &t, 1) < 0)
		tap_diag("timer_in: %s", strerror(errno));
	nfd = 0;
	tap_ok(run() == 0, "fd: readable after the write");
	tap_eq_s(got, "hi", "fd: the bytes written");
	tap_eq_i(nfd, 1, "fd: one call for one write");
	tap_eq_i(writable, 1, "fd: writable once, then no interest");
	tap_eq_i(loop_fd_events(w), 0, "fd: interest as set");
	loop_fd_del(r);
	loop_fd_del(w);
	close(q[0]);
	close(q[1]);
}

/* Two ready pipes whose callbacks remove each other: only one runs. */
static struct loop_fd *pair[2];
static int pair_calls;

static void
on_pair(struct loop_fd *f, int fd, int revents, void *ctx)
{
	int i = (int)(long)ctx;

	(void)f;
	(void)fd;
	(void)revents;
	pair_calls++;
	loop_fd_del(pair[1 - i]);
	pair[1 - i] = NULL;
	loop_fd_del(pair[i]);
	pair[i] = NULL;
	loop_stop(l);
}

static void
test_del_in_round(void)
{
	int a[2], b[2], ok;

	if (pipe2(a, O_NONBLOCK) < 0 || pipe2(b, O_NONBLOCK) < 0 ||
	    write(a[1], "x", 1) != 1 || write(b[1], "y", 1) != 1) {
		tap_diag("pipe: %s", strerror(errno));
		return;
	}
	pair_calls = 0;
	pair[0] = loop_fd_add(l, a[0], LOOP_READ, on_pair, (void *)0L);
	pair[1] = loop_fd_add(l, b[0], LOOP_READ, on_pair, (void *)1L);
	ok = run() == 0;
	tap_ok(ok && pair_calls == 1, "fd: a watch removed in the same "
	    "round is not called (%d calls)", pair_calls);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

/* Signals */

static int stop_sig;

static void
on_stop(int sig, void *ctx)
{
	(void)ctx;
	stop_sig = sig;
	loop_stop(l);
}

static void
test_signal(void)
{
	tap_ok(sig_init() == 0, "signal: handlers installed");
	tap_ok(loop_on_stop_signal(l, on_stop, NULL) == 0,
	    "signal: watched");
	raise(SIGTERM);
	tap_ok(run() == 0, "signal: the loop woke up");
	tap_eq_i(stop_sig, SIGTERM, "signal: the callback has SIGTERM");
	tap_eq_i(sig_stop_requested(), SIGTERM, "signal: the flag is set");
}

/* The before-block hook */

static int hook_calls, hook_at_read;

static void
hook(void *ctx)
{
	(void)ctx;
	/* The first time, it makes the pipe readable: the wait that follows
	 * must not block. */
	if (hook_calls++ == 0 && write(p[1], "ok", 2) != 2)
		tap_diag("write: %s", strerror(errno));
}

static void
on_read_hook(struct loop_fd *f, int fd, int revents, void *ctx)
{
	hook_at_read = hook_calls;
	on_read(f, fd, revents, ctx);
}

static void
test_hook(void)
{
	struct loop_fd *r;

	hook_calls = 0;
	got[0] = '\0';
	r = loop_fd_add(l, p[0], LOOP_READ, on_read_hook, NULL);
	tap_ok(r && loop_before_block(l, hook, NULL) == 0, "hook: added");
	tap_ok(run() == 0, "hook: its write woke the loop");
	tap_eq_s(got, "ok", "hook: the bytes it wrote");
	tap_eq_i(hook_at_read, 1, "hook: ran once before the wait");
	loop_before_block_del(l, hook, NULL);
	tap_ok(loop_once(l, 0) >= 0 && hook_calls == 1,
	    "hook: removed, not run again");
	loop_fd_del(r);
}

int
main(void)
{
	if (loop_open(&l) < 0) {
		tap_ok(0, "loop_open: %s", strerror(errno));
		return tap_done();
	}
	loop_timer_init(&guard, on_guard, NULL);
	test_timers();
	test_rearm();
	test_fds();
	test_del_in_round();
	test_hook();
	test_signal();
	loop_close(l);
	close(p[0]);
	close(p[1]);
	return tap_done();
}
