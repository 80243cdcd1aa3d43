/*
 * serve.h: what the parts of mkt-serve share (private to cmd/serve/).
 *
 * One libwebsockets server context on the program's loop (net/lwsloop)
 * answers HTTP/1.1 GET requests (http.c): the path picks an endpoint,
 * whose handler renders the whole answer into the connection's body
 * (journal.c: health, symbols, latest, chart data; store.c: orders,
 * positions, fills; live.c: book, depth; www.c: the page's files;
 * metrics.c: /metrics); the body then leaves in chunks, one per
 * writeable callback.  A POST route (trade.c: manual orders) runs once
 * its request body, at most POST_MAX bytes, has been read.
 * /api/stream (stream.c) instead keeps its connection and sends the
 * --live sockets' events (live.c) as they come.  A body has a hard
 * maximum and a client that stops reading is dropped after
 * --client-timeout, so a slow client holds at most one answer.  The
 * journal and the store are opened read-only per request: a writer
 * appending, pruning or recovering meanwhile is never held up, and each
 * answer sees the last commit.
 */
#ifndef MKT_CMD_SERVE_H
#define MKT_CMD_SERVE_H

#include <stdint.h>

#include <libwebsockets.h>

#include "base/buf.h"
#include "base/qs.h"
#include "io/loop.h"
#include "net/lwsloop.h"
#include "prog/metrics.h"
#include "prog/notify.h"

#define BODY_MAX (16u << 20)	/* an answer's bytes at most */
#define POINTS_MAX 100000	/* --max-points by default */
#define HTTP_CHUNK 65536	/* bytes per write */
#define ARG_MAX 1024		/* bytes of one query parameter */
#define LIVE_MAX 16		/* --live sockets at most */
#define STREAM_QUEUE (1u << 20)	/* --stream-queue by default */

struct live;
struct sse;

struct opts {
	const char *journal;
	const char *state;		/* NULL: no store endpoints */
	char addr[64];
	int port;
	const char *port_file;
	int64_t client_timeout;		/* ms */
	long max_points;		/* of one chart answer */
	const char *www;		/* the page's files; NULL: none */
	char www_found[4096];		/* www_find's, when no --www */
	const char *live[LIVE_MAX];	/* unix:PATH of running pipelines */
	int nlive;
	int64_t stale;			/* ms: a silent --live source */
	long stream_queue;		/* bytes of events kept for the streams */
	int verbose;
	const char *trade;		/* unix:PATH, NULL: no POST endpoints */
	const char *token_file;		/* the bearer token, with trade */
	struct metrics_opts mo;		/* --metrics FILE (no --stats) */
};

struct trade;

struct serve {
	const struct opts *o;
	struct loop *loop;
	struct lwsloop *ll;
	struct lws_context *ctx;
	unsigned char *chunk;		/* LWS_PRE + HTTP_CHUNK */
	uint64_t requests, dropped;
	struct notify sd;		/* systemd's READY and watchdog */
	struct trade *trade;		/* NULL without --trade */
	int lfd;			/* systemd's listening socket, or -1 */
	struct loop_fd *lw;		/* its watch */
	struct live *live;		/* live.c: the sockets and the books */
	struct sse *streams;		/* stream.c: the clients, a list */
	struct ring *ring;		/* stream.c: their events, shared */
	struct loop_timer metrics_timer;	/* --metrics: the next write */
	int metrics_failed;		/* a write failure was reported */
};

struct req;

/* One connection's answer in progress (lws per-session data). */
struct conn {
	struct serve *sv;
	struct buf body;
	size_t off;
	int busy;
	int (*post)(struct req *r);	/* a POST waiting for its body */
	struct buf in;			/* that body */
	struct sse *sse;	/* an event stream instead of an answer */
};

/* One request: its query and the answer being built. */
struct req {
	struct serve *sv;
	struct qs q;
	struct buf *body;	/* the answer's JSON */
	unsigned status;
	const char *type;	/* Content-Type; NULL: application/json */
	struct lws *wsi;	/* its headers */
	const struct buf *in;	/* a POST's body, NULL for a GET */
	struct conn *conn;
};

/*
 * Answer 400 (or status) with {"error":msg,"param":param}; param NULL
 * leaves it out.  Returns 0, for a handler's return.
 */
int req_error(struct req *r, unsigned status, const char *param,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * The handlers: fill r->body and r->status (200 unless they set
 * another).  0, or -1 when the connection should close.
 */
int api_health(struct req *r);
int api_symbols(struct req *r);
int api_latest(struct req *r);
int api_chart_data(struct req *r);
int api_candles(struct req *r);
int api_orders(struct req *r);
int api_positions(struct req *r);
int api_fills(struct req *r);
int api_metrics(struct req *r);	/* metrics.c */
/* --metrics FILE: write it now and every metrics_period() after, until
 * metrics_file_stop(), which writes it a last time (metrics.c). */
void metrics_file_start(struct serve *sv);
void metrics_file_stop(struct serve *sv);
int api_intent(struct req *r);
int api_cancel(struct req *r);

/*
 * The trade socket (trade.c): read the token and listen on --trade's
 * path for mkt-risk -i unix:PATH to connect; exits on failure.
 * trade_close() stops listening and removes the path.
 */
void trade_open(struct serve *sv);
void trade_close(struct serve *sv);

#define POST_MAX 4096		/* bytes of a POST's body */
int api_book(struct req *r);
int api_depth(struct req *r);
int api_stream(struct req *r);

/*
 * live.c: connect to the --live sockets on the loop and keep the latest
 * book, bands and imbalance per venue:market:symbol.  0, or -1 with
 * errno.  A socket that is absent or closes is retried, not an error.
 */
int live_open(struct serve *sv);
void live_close(struct serve *sv);

/* Append the live sources to /health's array (each after a comma);
 * the number of them silent longer than --stale. */
int live_health(struct serve *sv, struct buf *b, int64_t now);

/*
 * stream.c: after api_stream() set r->conn->sse, send the event
 * stream's head; then each event line is kept once in a ring of at most
 * --stream-queue bytes shared by the clients, and leaves to each client
 * whose filter it passes on writeable callbacks; a client that still
 * needs an event the ring lets go is dropped.  -1: close.
 * stream_close() frees the ring at exit.
 */
int stream_start(struct lws *wsi, struct conn *c);
int stream_writeable(struct lws *wsi, struct conn *c);
void stream_release(struct conn *c);
void stream_publish(struct serve *sv, const char *venue, const char *market,
    const char *symbol, const char *line, size_t len);
void stream_close(struct serve *sv);

/* Whether every parameter's name is in known (NULL-ended): else a 400
 * naming the first other one, and 0. */
int req_known(struct req *r, const char *const *known);

/*
 * The optional name parameter (venue, market, symbol): NULL when
 * absent; a 400 and -1 when it is not 1 to 64 of [A-Za-z0-9_.:/-].
 */
int req_name(struct req *r, const char *param, const char **out);

/* A JSON number when s is a plain decimal, else a JSON string; "" is
 * null. */
void put_dec(struct buf *b, const char *s);

/*
 * The page (www.c): GET / and /static/NAME from the --www directory.
 * 1 when path is the page's (r answered), 0 when it is not.
 */
int www_route(struct req *r, const char *path);

/* The page's directory when no --www names one: into out, or NULL. */
const char *www_find(char *out, size_t cap);

/* The lws callback and protocols (http.c). */
extern const struct lws_protocols serve_protocols[];

#endif
