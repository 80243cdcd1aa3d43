/*
 * rest: one weight-aware REST scheduler per process, for everything that
 * calls an exchange's REST API (order book snapshots for resyncs,
 * polling).  Single-threaded.  On a program's loop (rest_attach), its
 * sockets and timers are in that loop and everything happens from the
 * loop's callbacks; alone, the caller drives it with rest_run() and asks
 * rest_next_ms() for its poll timeout.
 *
 * Each request names a budget ("host key": "binance-spot",
 * "binance-futures", "bybit" ...) set with rest_budget(): a limit per
 * rolling window and the share of it this process may use.  A request
 * starts only when its weight fits in what is left of that share, no
 * more than REST_PACE_N requests per host start in any REST_PACE_MS,
 * and at most REST_MAX_ACTIVE transfers run at once, so a burst of
 * resyncs is spread out instead of fired at once.
 *
 * Used weight is our own count (the weights of our requests in flight,
 * and of those answered within the window, counted from the answer,
 * which is never earlier than the server's count) plus the weight that
 * others sharing the IP use: X-MBX-USED-WEIGHT-1M, which Binance sends
 * on every response, less what of ours it surely holds.  That estimate
 * holds until the next answer; after a window without one, a single
 * request probes.  Before the first answer others' use is unknown: the
 * share leaves them their headroom.
 *
 * Answers:
 *   429          the host is backed off until Retry-After (default 60 s),
 *                the request queued again; after REST_MAX_LIMITED such
 *                answers it is done with 429
 *   418          the host is banned until Retry-After (default 120 s):
 *                nothing is sent to it until then; the request is queued
 *                again, with the same limit as for 429
 *   403          (Bybit "access too frequent", Binance WAF) the host is
 *                backed off REST_403_BACKOFF_MS; the request is done
 *   5xx, transport error
 *                retried after 1 s, then 2 s; after REST_MAX_TRIES
 *                attempts done with the status (-1 for transport)
 *   anything else
 *                done with the status and the body
 * rest_on_limit()'s callback hears of each 429/418/403 backoff and of
 * its end.
 *
 * Requests that change something (an order, a cancel) are marked
 * `once': rest never sends them a second time.  A 429 or 418 still backs
 * the host off, but the request is done at once with that status, as it
 * is on a 5xx or a transport error, and its done callback reads in
 * maybe_sent whether it may have reached the venue: 0 only when it
 * surely did not (no connection could be made to send it on, or not
 * one byte of it was written), 1 otherwise, answers included.  libcurl
 * resends a request by itself when a reused connection closes before
 * any byte of the answer; for a `once' request that second attempt is
 * refused and the request done with -1 and maybe_sent 1.
 *
 * Signatures that hold a timestamp must be made when the request
 * leaves, not when it is queued: a request may wait for its budget
 * longer than a venue's recvWindow.  A request's prepare callback runs
 * just before each attempt starts (the first and every retry) and may
 * rewrite the URL, body and header lines.
 */
#ifndef MKT_REST_H
#define MKT_REST_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "io/loop.h"

#define REST_PACE_N 5		/* starts per host ... */
#define REST_PACE_MS 100	/* ... in any this many ms */
#define REST_MAX_ACTIVE 8	/* transfers in flight, all hosts */
#define REST_MAX_LIMITED 5	/* 429/418 answers before giving up */
#define REST_MAX_TRIES 3	/* attempts on 5xx and transport errors */
#define REST_RETRY_MS 1000	/* first retry delay, doubled each time */
#define REST_403_BACKOFF_MS 600000
#define REST_BODY_MAX (32u << 20)
#define REST_BUSY_MS 10		/* rest_next_ms() bound while transfers run */
#define REST_TIMEOUT_MS 10000	/* a transfer's bound unless the request's */
#define REST_CONNECT_MS 5000	/* connecting, within that bound */
#define REST_MAX_HEADERS 4	/* extra request header lines */
#define REST_MAX_WANT 8		/* response headers a request can ask for */
#define REST_HVAL_MAX 64	/* longest value kept of one, with its NUL */

struct rest;
struct rest_host;

/*
 * One request.  The caller owns it: zero it, fill in the first fields,
 * rest_submit() it, and keep it valid and unmoved until its done
 * callback has run (or rest_cancel() or rest_close() dropped it).  The
 * done callback may free it, or fill it in and submit it again.
 */
struct rest_req {
	/* Set by the caller. */
	char url[1024];		/* http:// or https://, NUL-terminated */
	int weight;		/* by the venue's table; 0 or more */
	const char *host_key;	/* the budget; looked up by rest_submit */
	/*
	 * status: the HTTP code, or -1 for a transport error (reason in
	 * q->error).  body[0..n) is the response body, NUL-terminated,
	 * owned by rest and valid only during the call (possibly the error
	 * text of a 4xx/5xx).  The callback must not call rest_run() or
	 * rest_close(); it may call rest_submit() and rest_cancel().  On a
	 * loop it runs from the loop's callbacks.
	 */
	void (*done)(struct rest_req *q, int status, const char *body,
	    size_t n, void *ctx);
	void *ctx;

	/*
	 * Optional, set by the caller; zero for a GET of url that is
	 * retried as above.  method: NULL or "GET", "POST", "PUT",
	 * "DELETE".  body[0..body_len): sent as is (POST, PUT, DELETE),
	 * owned by the caller and valid until done; POST and PUT send
	 * "Content-Length: 0" without one.  libcurl's Content-Type for a
	 * body is application/x-www-form-urlencoded: a header line
	 * "Content-Type: application/json" replaces it.  headers: up to
	 * REST_MAX_HEADERS lines "Name: value" (no CR or LF; NULL entries
	 * skipped), copied when each attempt starts.  timeout_ms: the
	 * bound on one attempt from its start, connecting included
	 * (REST_TIMEOUT_MS when 0); a server that accepts and never
	 * answers ends it with -1.  once: never send it twice (see
	 * above).  want: names of response headers to keep (any case,
	 * NULL ends the list); their values are in got[] in the done
	 * callback, "" when absent, cut to REST_HVAL_MAX - 1 bytes.
	 */
	const char *method;
	const void *body;
	size_t body_len;
	const char *headers[REST_MAX_HEADERS];
	int timeout_ms;
	int once;
	const char *want[REST_MAX_WANT];
	/*
	 * Called just before each attempt starts, when the request has its
	 * budget: it may rewrite url, method, body, body_len and headers
	 * (a fresh timestamp and signature).  0 to send; -1 ends the
	 * request at once with status -1, error "prepare failed" and
	 * maybe_sent 0.  It must not call rest's functions.
	 */
	int (*prepare)(struct rest_req *q, void *ctx);

	/* Set by rest, read by the caller in the done callback. */
	char error[256];	/* why, when status is -1; else "" */
	int tries;		/* requests sent for it */
	int maybe_sent;		/* the last attempt may have reached it */
	char got[REST_MAX_WANT][REST_HVAL_MAX];	/* values of want[] */

	/* Private to rest.c. */
	struct rest_req *next;
	struct rest_host *host;
	void *xfer;
	int64_t not_before;	/* monotonic ms: retry delay */
	int nlimited, nfailed;
	int state;
};

/*
 * Create the scheduler: one libcurl multi handle (curl_global_init is
 * called here).  ca_file: a CA bundle for https (copied), or NULL for
 * the system's.  Sets *r; returns 0, or -1 with errno (ENOMEM, EIO when
 * libcurl fails to initialise).  Release with rest_close().
 */
int rest_open(struct rest **r, const char *ca_file) WUR;

/*
 * Drive the scheduler from the loop l from now on (before anything is
 * submitted): libcurl's sockets go into l's set, its timeouts and the
 * scheduler's own on l's timers; rest_run() is then refused (EINVAL).
 * l must outlive r.  0, or -1 with errno (EBUSY: attached already or
 * requests pending; EIO, ENOMEM from libcurl).
 */
int rest_attach(struct rest *r, struct loop *l) WUR;

/*
 * On a loop: the errno of a failure inside the loop's callbacks (no
 * memory, libcurl's multi interface failed), or 0.  The program checks
 * it now and then.
 */
int rest_error(const struct rest *r);

/*
 * Abort every transfer and free everything; requests still queued or in
 * flight are dropped without their done callbacks (and may be submitted
 * again elsewhere).  Not from a callback.  NULL is allowed.
 */
void rest_close(struct rest *r);

/*
 * Create or change a budget: at most share * limit weight in any
 * window_ms (Binance spot 6000 per 60000, futures 2400 per 60000; Bybit
 * 600 requests per 5000: weight 1 each).  share in (0, 1]: what this
 * process may use, so other tools on the IP keep headroom.  host_key is
 * copied (at most 31 bytes).  0, or -1 with errno EINVAL, ENAMETOOLONG
 * or ENOMEM.
 */
int rest_budget(struct rest *r, const char *host_key, int limit,
    int64_t window_ms, double share) WUR;

/*
 * Queue a request; rest_run() sends it when its budget allows.  0, or
 * -1 with errno: ENOENT (no rest_budget for host_key), EINVAL (bad
 * URL, negative weight, no done callback, an unknown method, a
 * body_len without a body, a header line that is not "Name: value" on
 * one line, a negative timeout), E2BIG (weight above the budget's
 * share: it could never be sent), EBUSY (already queued).  The same
 * checks are made after prepare; a request that fails them then is done
 * with -1 and error "bad request after prepare".
 */
int rest_submit(struct rest *r, struct rest_req *q) WUR;

/*
 * Drop a queued or running request without calling its done callback.
 * Returns 1 when it was pending, 0 when it was not.
 */
int rest_cancel(struct rest *r, struct rest_req *q);

/*
 * Drive everything: start what the budgets allow, move data, call done
 * callbacks.  timeout_ms > 0 lets it wait that long (less when a queued
 * request can start sooner) for I/O; 0 returns at once.  0, or -1 with
 * errno (ENOMEM, EIO: libcurl's multi interface failed).
 */
int rest_run(struct rest *r, int timeout_ms) WUR;

/*
 * When rest_run() should be called next, in ms from now, for the
 * caller's poll timeout: 0 when a request can start now, the time until
 * the next queued one can start or a backoff ends (to announce it), at
 * most REST_BUSY_MS while transfers are in flight (their sockets are
 * not in the caller's poll set), -1 when there is nothing to do.
 */
int64_t rest_next_ms(const struct rest *r);

/* Number of requests queued and in flight. */
size_t rest_pending(const struct rest *r);

struct rest_host_state {
	int used;		/* weight used in the window: ours + others' */
	int limit;		/* what we may use: share * limit */
	int server_used;	/* last X-MBX-USED-WEIGHT-1M, -1 if none */
	int64_t backoff_until_ms;	/* epoch ms; 0 when not backed off */
	int banned;		/* backed off by a 418 */
	int queued, active;
	unsigned long n429, n418, n403, n5xx, nerr, sent;
};

/* A host's state, for status events and stats. 0, or -1 ENOENT. */
int rest_host_state(const struct rest *r, const char *host_key,
    struct rest_host_state *st) WUR;

/*
 * cb(host_key, status, until_ms, ctx) runs (from rest_run) when a host
 * is backed off: status 429, 418 or 403, until_ms the epoch ms it ends;
 * and again with status 0 and until_ms 0 when the backoff has ended.
 * NULL removes it.
 */
void rest_on_limit(struct rest *r, void (*cb)(const char *host_key,
    int status, int64_t until_ms, void *ctx), void *ctx);

#endif
