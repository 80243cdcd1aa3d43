/*
 * trade: the private side of a venue market -- signed order requests,
 * what their answers say, and the user data streams -- as codecs with
 * no I/O.  mkt-exec sends what these build (through net/rest and
 * net/ws) and hands back what it receives; the order state machine
 * (trade/oms) then decides, so the rules of "ack is not filled" and "an
 * intent never makes a second order" live in one place for every venue.
 *
 * A market that trades has a struct venue_trade (venue_market.trade);
 * one that does not leaves it NULL.  Each venue fills it from its own
 * files (binance/binance_trade.c, bybit/bybit_trade.c).
 *
 * Numbers are exact (struct fx), as the venue wrote them; order and
 * trade ids are the venue's text.  Statuses are mkt's (mkt-events(5)):
 * "new", "partially_filled", "filled", "canceled", "rejected",
 * "expired".
 */
#ifndef MKT_VENUE_TRADE_H
#define MKT_VENUE_TRADE_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "base/buf.h"
#include "base/fixed.h"
#include "base/json.h"

struct venue_market;

#define VT_ID_LEN 72		/* order ids, trade ids, client ids, + NUL */
#define VT_SYMBOL_LEN 32
#define VT_STATUS_LEN 20
#define VT_ASSET_LEN 16
#define VT_URL_LEN 2048
#define VT_BODY_LEN 2048
#define VT_HEADERS 6		/* Bybit: four X-BAPI-*, Content-Type */
#define VT_HEADER_LEN 256

enum vt_side { VT_BUY = 1, VT_SELL = 2 };
enum vt_kind { VT_LIMIT = 1, VT_MARKET = 2 };
enum vt_tif { VT_GTC = 0, VT_IOC, VT_FOK, VT_POST_ONLY };

/*
 * The credentials, as net/secret loaded them.  secret is not
 * NUL-terminated; the codecs only pass it to the HMAC.
 */
struct vt_keys {
	const char *key;
	size_t key_len;
	const unsigned char *secret;
	size_t secret_len;
};

/*
 * What a request is about.  For VT_REQ_NEW every field; for
 * VT_REQ_CANCEL and VT_REQ_QUERY symbol and client_id; for
 * VT_REQ_OPEN symbol (NULL: all); for the rest nothing.
 */
struct vt_order {
	const char *symbol;
	const char *client_id;
	enum vt_side side;
	enum vt_kind kind;
	enum vt_tif tif;
	const char *qty;	/* decimal text, as the intent wrote it */
	const char *price;	/* decimal text; NULL for a market order */
	int reduce_only;
	const char *order_id;	/* the venue's, for VT_REQ_TRADES */
	/* VT_REQ_FILLS_SINCE: symbol, and where to start: from_id (the
	 * venue's trade id; Binance) when not NULL, else start_ms; cursor
	 * (Bybit's page cursor, NULL: the first page); limit (0: the
	 * venue's most). */
	const char *from_id;
	int64_t start_ms;
	const char *cursor;
	int limit;
};

enum vt_what {
	VT_REQ_NEW,		/* place an order */
	VT_REQ_CANCEL,		/* cancel one order by client id */
	VT_REQ_QUERY,		/* one order by client id */
	VT_REQ_OPEN,		/* open orders (of a symbol) */
	VT_REQ_TIME,		/* the server's clock (unsigned) */
	VT_REQ_LISTEN_NEW,	/* a listen key (USD-M user data stream) */
	VT_REQ_LISTEN_KEEP,	/* extend it */
	VT_REQ_POSITIONS,	/* positions (derivatives) */
	VT_REQ_BALANCES,	/* account balances */
	VT_REQ_TRADES,		/* the fills of one order (symbol, client_id,
				   order_id): VT_U_FILL updates */
	VT_REQ_FILLS_SINCE,	/* the fills of a symbol from a trade id or a
				   time, one page: VT_U_FILL updates, oldest
				   first on Binance; vt_answer.cursor the
				   next page's (Bybit) */
	VT_REQ_COUNT
};

/* One HTTP request, signed, ready to send. */
struct vt_req {
	char method[8];			/* "GET", "POST", "PUT", "DELETE" */
	char url[VT_URL_LEN];		/* base + path [+ "?" query] */
	char body[VT_BODY_LEN];		/* "" for none */
	char headers[VT_HEADERS][VT_HEADER_LEN];  /* "Name: value"; "" unused */
	int weight;			/* the venue's REST weight */
	int idempotent;			/* a read: may be sent again freely */
};

/* What an answer means for the order (or request) it answers. */
enum vt_outcome {
	VT_OK = 0,	/* done; the updates (if any) say what the venue holds */
	VT_UNKNOWN,	/* may or may not have been done: transport error
			   after sending, HTTP 5xx, Binance -1006/-1007,
			   Bybit 10016: query by client id */
	VT_DUPLICATE,	/* the client id is placed already: query, adopt */
	VT_NOT_FOUND,	/* no such order (query, cancel) */
	VT_REJECTED,	/* refused and not placed; final */
	VT_TIMESTAMP,	/* -1021 / 10002: the clock is off; resync, resend */
	VT_RATE,	/* 429, 418, -1015, -1003, 10006: wait, resend */
	VT_AUTH,	/* bad key or signature (-2014, -2015, -1022,
			   10003, 10004): nothing will work; stop */
};

enum vt_upd_kind {
	VT_U_ORDER,	/* an order's state */
	VT_U_FILL,	/* one execution */
	VT_U_POSITION,	/* a position (derivatives) */
	VT_U_BALANCE,	/* one asset's balance */
};

/* One thing the venue says about the account, from an answer or a
 * stream.  Only the members of its kind are set; the rest are zero. */
struct vt_update {
	enum vt_upd_kind kind;
	char symbol[VT_SYMBOL_LEN];
	int64_t time_ms;		/* the venue's time, 0 when none */
	/* VT_U_ORDER and VT_U_FILL */
	char client_id[VT_ID_LEN];
	char order_id[VT_ID_LEN];
	enum vt_side side;
	/* VT_U_ORDER */
	char status[VT_STATUS_LEN];	/* mkt's status word */
	enum vt_kind okind;
	struct fx qty, price;		/* price 0 for a market order */
	struct fx filled_qty, avg_price; /* cumulative; avg 0 until a fill */
	/* VT_U_FILL */
	char trade_id[VT_ID_LEN];	/* unique per venue and market */
	struct fx fill_price, fill_qty, fee;
	char fee_asset[VT_ASSET_LEN];
	int maker;
	/* VT_U_POSITION: signed quantity */
	struct fx pos_qty, entry_price, upnl;
	/* VT_U_BALANCE */
	char asset[VT_ASSET_LEN];
	struct fx free, locked;
};

/* A growable list of updates; zero it to start, vt_updates_free() it. */
struct vt_updates {
	struct vt_update *u;
	size_t n, cap;
};

/* Append a zeroed update of kind k; NULL when memory ran out. */
struct vt_update *vt_updates_add(struct vt_updates *us, enum vt_upd_kind k);
void vt_updates_reset(struct vt_updates *us);
void vt_updates_free(struct vt_updates *us);

/* What an answer or a stream message says. */
struct vt_answer {
	enum vt_outcome outcome;
	long code;			/* the venue's error code, 0 if none */
	char msg[200];			/* the venue's words, "" if none */
	int64_t server_time;		/* VT_REQ_TIME: epoch ms */
	char listen_key[128];		/* VT_REQ_LISTEN_NEW */
	int64_t retry_after_ms;		/* VT_RATE: how long, 0 unknown */
	char cursor[256];		/* VT_REQ_FILLS_SINCE: the next
					   page's, "" when none (Bybit) */
	struct vt_updates up;		/* the caller owns and frees it */
};

/* What a private stream message is. */
enum vt_stream_kind {
	VT_S_IGNORED = 0,	/* pong, heartbeat, anything without news */
	VT_S_DATA,		/* updates appended to a->up */
	VT_S_READY,		/* authenticated and subscribed: from now on
				   the stream tells (after one REST query of
				   every open order) */
	VT_S_EXPIRED,		/* the listen key expired or the venue ended
				   the subscription: reconnect */
	VT_S_ERROR,		/* the venue refused (auth failed ...): a->msg */
};

struct venue_trade {
	/*
	 * Build request `what` for o, signed with k at timestamp ts_ms (the
	 * local clock plus the kept server offset) with the given
	 * recvWindow (ms).  listen_key: for VT_REQ_LISTEN_KEEP.  0, or -1
	 * with a reason in why (unsupported request, a field that does not
	 * fit).
	 */
	int (*build)(const struct venue_market *m, enum vt_what what,
	    const struct vt_keys *k, const struct vt_order *o, int64_t ts_ms,
	    int recv_window_ms, const char *listen_key, struct vt_req *r,
	    char *why, size_t whylen);
	/*
	 * Read the answer to a request `what`: HTTP status (-1: a transport
	 * error after the request may have left) and body.  Sets
	 * a->outcome (and code, msg, ...) and appends the order states the
	 * answer carries to a->up.  0, or -1 when the body cannot be read
	 * (a->outcome is then VT_UNKNOWN for a request that changes
	 * something).
	 */
	int (*parse)(const struct venue_market *m, enum vt_what what,
	    int status, const char *body, size_t n, struct vt_answer *a);
	/*
	 * The private stream: its URL into url (listen_key for venues that
	 * need one; "" otherwise) and the messages to send once it is open
	 * (auth, subscribe), each ended by '\0', into msgs.  0 or -1.
	 */
	int (*stream_plan)(const struct venue_market *m,
	    const struct vt_keys *k, int64_t ts_ms, int recv_window_ms,
	    const char *listen_key, struct buf *url, struct buf *msgs);
	/* One private stream message: what it is; updates into a->up. */
	enum vt_stream_kind (*stream_parse)(const struct venue_market *m,
	    const char *msg, size_t n, struct vt_answer *a);
	const char *stream_ping;	/* application ping, NULL: none */
	int64_t stream_ping_ms;
	int needs_listen_key;		/* VT_REQ_LISTEN_NEW before the stream */
	int64_t listen_keep_ms;		/* VT_REQ_LISTEN_KEEP period */
	/* Order-rate limit: at most order_n new orders per order_ms. */
	int order_n;
	int64_t order_ms;
	/* REST budget key of the private requests (venue_market.host_key
	 * usually). */
	const char *host_key;
	/*
	 * How far back a query by client id is still answered for an order
	 * that ended without a fill (ms; 0: no limit known), and the
	 * venue's words for it, for mkt-reconcile's mismatch notes.
	 */
	int64_t history_ms;
	const char *history_says;
	/*
	 * VT_REQ_FILLS_SINCE: the most fills one page holds, how long
	 * after a start time one request answers (ms; 0: no limit known)
	 * with the venue's words for it, and how far back it answers.
	 */
	int fills_page;
	int64_t fills_window_ms;
	const char *fills_window_says;
	int64_t fills_reach_ms;		/* how far back at all; 0: unknown */
};

/*
 * For the codecs (NAME_tanswer.c): member readers that take a venue's
 * loose typing (numbers as strings, "" for none), and an answer
 * cleared to "unknown" before it is read.  0 or -1.
 */
int vt_text_of(const struct json_obj *o, const char *key, char *dst,
    size_t cap) WUR;
int vt_dec_of(const struct json_obj *o, const char *key, struct fx *x) WUR;
int vt_object_of(const struct json_span *s, struct json_obj *o) WUR;
void vt_answer_clear(struct vt_answer *a);

/* The market's trading table, or NULL when it does not trade. */
const struct venue_trade *venue_trade_of(const struct venue_market *m);

#endif
