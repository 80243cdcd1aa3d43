/*
 * ws: WebSocket client connections that stay up, on libwebsockets.
 *
 * A connection is a URL (ws:// or wss://) and three handlers.  It is
 * connected, handed whole text messages with their receive time, and,
 * when it closes, fails, or goes silent for longer than its limit,
 * reconnected with exponential backoff (1 s doubling to 30 s, with
 * jitter; reset after a minute connected).  Venue pings are answered by
 * libwebsockets.  Single-threaded: everything happens in the program's
 * loop (io/loop.h), from the callbacks of its loop_run().
 */
#ifndef MKT_WS_H
#define MKT_WS_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "io/loop.h"

struct ws;
struct ws_conn;

struct ws_handlers {
	/* Connected: send subscriptions here. */
	void (*open)(struct ws_conn *c, void *ctx);
	/* One whole text message; msg is valid during the call only.  A
	 * message larger than the bound (ws_message_max) is skipped: msg is
	 * then NULL and n its size. */
	void (*message)(struct ws_conn *c, const char *msg, size_t n,
	    int64_t recv_us, void *ctx);
	/* Closed or failed; a reconnect is scheduled after `retry_ms`. */
	void (*closed)(struct ws_conn *c, const char *why, int64_t retry_ms,
	    void *ctx);
};

/*
 * The client context, on the loop l (which must outlive it).  ca_file: a
 * CA bundle for wss:// (NULL: the system's).  0, or -1 with errno.  Free
 * with ws_close(), outside the loop's callbacks.
 */
int ws_open(struct ws **w, struct loop *l, const char *ca_file) WUR;
void ws_close(struct ws *w);

/*
 * The largest message a connection accepts (default WS_MESSAGE_MAX);
 * connections added after the call get it.
 */
#define WS_MESSAGE_MAX (64u << 20)
void ws_message_max(struct ws *w, size_t max);

/*
 * Add a connection to url; it connects from the loop.  silent_ms:
 * no frame (data or ping) for that long means the connection is dead (0:
 * never).  Returns the connection (owned by w), or NULL with errno
 * (EINVAL for a URL that is not ws:// or wss://).
 */
struct ws_conn *ws_connect(struct ws *w, const char *url,
    const struct ws_handlers *h, void *ctx, int64_t silent_ms);

/* Queue a text message for the connection (dropped if it is down). */
int ws_send(struct ws_conn *c, const char *msg, size_t n) WUR;

/* Close the connection now and reconnect it (as after a failure). */
void ws_restart(struct ws_conn *c, const char *why);

/*
 * Close the connection for good: no reconnect, no more handlers; it is
 * freed with the context.
 */
void ws_drop(struct ws_conn *c);

/* How long it has been open, in ms (0 when it is not open). */
int64_t ws_open_ms(const struct ws_conn *c);

/* The URL and whether it is connected. */
const char *ws_url(const struct ws_conn *c);

/*
 * The URL of the connection's next attempts (the one open, if any, goes
 * on): what it carries has changed since.  0, or -1 with errno (EINVAL
 * for a URL that is not ws:// or wss://, ENOMEM).
 */
int ws_set_url(struct ws_conn *c, const char *url) WUR;
int ws_is_open(const struct ws_conn *c);

/*
 * Whether something failed inside the loop's callbacks that the loop
 * could not report (no memory for a timer): the errno, or 0.  The
 * program checks it now and then (its --stats timer, say).
 */
int ws_error(const struct ws *w);

#endif
