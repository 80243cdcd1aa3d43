/*
 * lwsloop: a libwebsockets context on a libuv loop run from ours (see
 * lwsloop.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "lwsloop.h"

/* Turns of the libuv loop that closing allows for the handles' closes. */
#define CLOSE_SPINS 1000

struct lwsloop {
	struct loop *loop;
	struct lws_context *ctx;
	uv_loop_t uv;		/* libwebsockets' loop, run from ours */
	int uv_ok;		/* uv initialised */
	struct loop_fd *watch;	/* uv's epoll descriptor */
	struct loop_timer timer;	/* uv's next timer */
	int hooked;		/* before_block is in the loop */
	int err;
};

/* Run what is ready in libwebsockets' loop, without waiting. */
static void
step(struct lwsloop *ll)
{
	uv_run(&ll->uv, UV_RUN_NOWAIT);
}

static void
on_fd(struct loop_fd *f, int fd, int revents, void *ctx)
{
	(void)f;
	(void)fd;
	(void)revents;
	step(ctx);
}

static void
on_timer(struct loop_timer *t, void *ctx)
{
	(void)t;
	step(ctx);
}

/* Before the program's loop waits: wake it for libuv's next timer. */
static void
before_block(void *ctx)
{
	struct lwsloop *ll = ctx;
	int ms;

	/* The loop's idea of now is from its last run: renew it, or its
	 * timeout counts from then. */
	uv_update_time(&ll->uv);
	ms = uv_backend_timeout(&ll->uv);
	if (ms < 0) {
		loop_timer_stop(ll->loop, &ll->timer);
		return;
	}
	if (loop_timer_in(ll->loop, &ll->timer, ms) < 0)
		ll->err = errno;
}

int
lwsloop_open(struct lwsloop **out, struct loop *l,
    struct lws_context_creation_info *info)
{
	struct lwsloop *ll = calloc(1, sizeof *ll);
	void *foreign[1];
	int e = EIO;

	if (!ll)
		return -1;
	ll->loop = l;
	loop_timer_init(&ll->timer, on_timer, ll);
	if (uv_loop_init(&ll->uv) != 0)
		goto fail;
	ll->uv_ok = 1;
	foreign[0] = &ll->uv;
	info->options |= LWS_SERVER_OPTION_LIBUV;
	info->foreign_loops = foreign;
	/* Set to NULL by libwebsockets once the context is wholly gone. */
	info->pcontext = &ll->ctx;
	ll->ctx = lws_create_context(info);
	info->foreign_loops = NULL;
	if (!ll->ctx)
		goto fail;
	ll->watch = loop_fd_add(l, uv_backend_fd(&ll->uv), LOOP_READ, on_fd,
	    ll);
	if (!ll->watch) {
		e = errno;
		goto fail;
	}
	if (loop_before_block(l, before_block, ll) < 0) {
		e = errno;
		goto fail;
	}
	ll->hooked = 1;
	*out = ll;
	return 0;
fail:
	lwsloop_close(ll);
	errno = e;
	return -1;
}

struct lws_context *
lwsloop_context(const struct lwsloop *ll)
{
	return ll->ctx;
}

int
lwsloop_error(const struct lwsloop *ll)
{
	return ll->err;
}

void
lwsloop_close(struct lwsloop *ll)
{
	size_t i;

	if (!ll)
		return;
	loop_timer_stop(ll->loop, &ll->timer);
	loop_fd_del(ll->watch);
	if (ll->hooked)
		loop_before_block_del(ll->loop, before_block, ll);
	/*
	 * With a foreign libuv loop the context is gone only once its
	 * handles have closed, which takes turns of that loop: destroy,
	 * turn until nothing is left, and destroy again to free what
	 * remains.  Not a turn after that: the event library's code is
	 * unloaded by then.
	 */
	if (ll->ctx)
		lws_context_destroy(ll->ctx);
	for (i = 0; ll->uv_ok && i < CLOSE_SPINS; i++)
		if (!uv_run(&ll->uv, UV_RUN_NOWAIT))
			break;
	if (ll->ctx)
		lws_context_destroy(ll->ctx);
	/* Busy only if a handle never closed: then it stays. */
	if (ll->uv_ok)
		(void)uv_loop_close(&ll->uv);
	free(ll);
}
