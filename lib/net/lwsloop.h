/*
 * lwsloop: a libwebsockets context run on the program's loop (io/loop).
 *
 * Debian's libwebsockets 4.1.6 is built without LWS_WITH_EXTERNAL_POLL:
 * the ADD_POLL_FD/DEL_POLL_FD/CHANGE_MODE_POLL_FD callbacks never come,
 * so its sockets cannot be put in a foreign poll set one by one.  The
 * context runs instead on its libuv event library, on a libuv loop of
 * ours that never blocks: that loop's epoll descriptor (uv_backend_fd)
 * sits in the program's loop like any other descriptor, and its next
 * timer (uv_backend_timeout) is a timer there.  When either is due,
 * uv_run(UV_RUN_NOWAIT) runs what is ready and returns; the program
 * waits in one place only, its own loop.  The WebSocket client (ws) and
 * mkt-sim's server both run this way.
 */
#ifndef MKT_LWSLOOP_H
#define MKT_LWSLOOP_H

#include <libwebsockets.h>

#include "base/attr.h"
#include "io/loop.h"

struct lwsloop;

/*
 * Create the context described by info on the loop l (which must
 * outlive it).  info's options gain LWS_SERVER_OPTION_LIBUV and its
 * foreign loop and pcontext are set here; the rest is the caller's.
 * 0, or -1 with errno (EIO when libwebsockets refused the context,
 * without saying why: it logs that itself).  Free with lwsloop_close().
 */
int lwsloop_open(struct lwsloop **out, struct loop *l,
    struct lws_context_creation_info *info) WUR;

/* The context; NULL once lwsloop_close() has begun. */
struct lws_context *lwsloop_context(const struct lwsloop *ll);

/*
 * errno of a failure seen inside the loop's hooks (a timer that could
 * not be armed), or 0: the program checks it between turns.
 */
int lwsloop_error(const struct lwsloop *ll);

/*
 * Destroy the context (its connections closed first) and the libuv
 * loop.  Outside the loop's callbacks.  NULL is allowed.
 */
void lwsloop_close(struct lwsloop *ll);

#endif
