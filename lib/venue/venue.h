/*
 * venue: what mkt knows about each venue, as one table per venue.
 *
 * A venue (struct venue_ops) is its name, its normalizer, its markets
 * and what its connections need: subscription messages, URL plans, the
 * application ping, how long a connection may live.  A market (struct
 * venue_market) is one of its products ("spot", "futures", "linear"):
 * endpoints (from the MKT_* environment, or the production hosts), the
 * REST order book URL with its request weight, the REST budget, and the
 * sync rules (struct seq_rule, market/book.h) its depth streams follow.
 *
 * The programs and the layers above know no venue by name: they find a
 * venue or market here by the names a user or an event gives
 * (venue_find(), venue_by_name(), venue_seq_rule()) and go through its
 * table.  Each venue lives in its own directory, lib/venue/NAME/: the
 * normalizer (NAME.c) and the table with what fills it (NAME_ops.c).
 * Adding a venue is adding such a directory (the Makefile builds all of
 * it) and its table to the list in venue.c (see lib/README).
 */
#ifndef MKT_VENUE_H
#define MKT_VENUE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/attr.h"
#include "market/book.h"

/*
 * What a normalizer returns besides an event count and -1.
 * VENUE_IGNORED (0 events) is a valid message that carries no market
 * event: a control reply, a kline, a type we do not map.
 * VENUE_SHUTDOWN: the server announced that it will close the
 * connection (nothing appended): replace it (venue_ops.handover).
 */
enum {
	VENUE_IGNORED = 0,
	VENUE_SHUTDOWN = 1000,
};

/* Which streams to take, besides the order book. */
enum {
	VENUE_DEPTH = 1 << 0,
	VENUE_TRADE = 1 << 1,
	VENUE_TICKER = 1 << 2,
};

/* The longest symbol, NUL included: Polymarket token ids have up to 78
 * digits. */
#define VENUE_SYMBOL_LEN 96
#define VENUE_CURSOR_LEN 256	/* an instrument list's page cursor */

struct venue_ops;
struct venue_market;
struct instrument;

/*
 * Normalize one raw message msg[0..n) of a market ("spot", ...) into mkt
 * events appended to out (mkt-events(5)).  symbol: the caller's for
 * messages that name none (REST bodies), or NULL; recv_us: the local
 * receive time in epoch microseconds, or -1.  Returns the number of
 * events, VENUE_IGNORED, VENUE_SHUTDOWN, or -1 with a reason in why (out
 * then as it was).  See binance/binance.h, bybit/bybit.h.
 */
typedef int venue_normalize_fn(const char *msg, size_t n, const char *market,
    const char *symbol, int64_t recv_us, struct buf *out, char *why,
    size_t whylen);

/*
 * The WebSocket connection for symbols[0..n) of market m, part `part`
 * (0 .. m->parts - 1): appends the URL path and query (after the base,
 * venue_ws_base()) to url, and the messages to send once it is open,
 * one every venue_ops.pace_ms, to msgs, each ended by '\0'.  Returns how
 * many streams they carry (0: this part has nothing to take, do not
 * connect), or -1 when a buffer failed.
 */
typedef int venue_plan_fn(const struct venue_market *m, int part,
    const char *const *symbols, size_t n, unsigned streams, struct buf *url,
    struct buf *msgs);

/*
 * The messages that subscribe (on = 1) or unsubscribe (on = 0) symbols
 * [0..n) on an open connection, appended to msgs, each ended by '\0',
 * to be sent at once.  0, or -1 when the buffer failed.
 */
typedef int venue_subscribe_fn(const struct venue_market *m,
    const char *const *symbols, size_t n, unsigned streams, int on,
    struct buf *msgs);

/*
 * Symbols[0..n) added (on = 1) to or removed from an open connection of
 * part `part` whose plan went out (mkt-feed --symbols-file): the
 * messages, appended to msgs, each ended by '\0', to be sent at once.
 * 0, or -1 when the buffer failed.
 */
typedef int venue_change_fn(const struct venue_market *m, int part,
    const char *const *symbols, size_t n, unsigned streams, int on,
    struct buf *msgs);

/*
 * The REST order book URL of a symbol (into url[0..cap)) and the request
 * weight it costs; limit is clamped to what the venue accepts.  0, or -1
 * when it does not fit cap.
 */
typedef int venue_snapshot_url_fn(const struct venue_market *m,
    const char *symbol, int limit, char *url, size_t cap, int *weight);

/*
 * The instrument list (the venue's trading rules per symbol): the REST
 * URL that asks for the rules of symbols[0..n) (n 0: of every symbol,
 * for mkt-feed's patterns) into url[0..cap),
 * starting at the page cursor (NULL or "" for the first page), and the
 * request weight it costs.  The list may hold other symbols too (where
 * the venue cannot be asked for some only).  0, or -1 when it does not
 * fit cap.
 */
typedef int venue_instruments_url_fn(const struct venue_market *m,
    const char *const *symbols, size_t n, const char *cursor, char *url,
    size_t cap, int *weight);

/* Called with each instrument of an answer; 0 to go on, -1 to stop
 * (its errno is kept). */
typedef int venue_instrument_fn(const struct instrument *in, void *ctx);

/*
 * One answer body[0..n) (HTTP status `status`) of the instrument list:
 * each(in, ctx) for every instrument in it, with venue, market, symbol
 * and the rules the venue states (instrument.h); the next page's cursor
 * into cursor[0..cap), "" after the last page.  0, or -1 with the reason
 * in why: the venue's refusal (its code and message), a malformed list
 * or rule, or -1 from each (errno as each left it, why "stopped").
 */
typedef int venue_instruments_parse_fn(const struct venue_market *m,
    int status, const char *body, size_t n, venue_instrument_fn *each,
    void *ctx, char *cursor, size_t cap, char *why, size_t whylen);

struct venue_market {
	const char *name;		/* "spot"; NULL ends a venue's list */
	const struct venue_ops *venue;	/* the venue it belongs to */
	/* Endpoints: the environment variable that overrides each, and the
	 * production base. */
	const char *ws_env, *rest_env;
	const char *ws, *rest;
	/* Recorded captures: a connection or REST URL that contains one
	 * of these (NULL-ended; NULL: none) is this market's. */
	const char *const *url_marks;
	/* Connections per group of symbols: 1, or 2 when the market
	 * splits its streams over two URLs (part 0 carries the book). */
	int parts;
	/* REST: the budget this market's requests count against (markets
	 * of one venue may share one key), its weight and window. */
	const char *host_key;
	int rest_limit;
	long rest_window_ms;
	venue_snapshot_url_fn *snapshot_url;
	/* The instrument list: its URL and its answers; NULL when the
	 * venue has none. */
	venue_instruments_url_fn *instruments_url;
	venue_instruments_parse_fn *instruments_parse;
	/* How the market's depth events continue a book. */
	const struct seq_rule *rule;
	/* The venue's own facts about the market, for its functions. */
	const void *data;
	/* The private side (venue/trade.h), NULL when it does not trade. */
	const struct venue_trade *trade;
};

struct venue_ops {
	const char *name;			/* "binance" */
	const struct venue_market *markets;	/* ended by a NULL name */
	/* The rule of a market of this venue not in the list. */
	const struct seq_rule *rule;
	/* Raw messages to events; shutdown announcements come back as
	 * VENUE_SHUTDOWN. */
	venue_normalize_fn *normalize;
	/* Live market data. */
	venue_plan_fn *plan;
	venue_subscribe_fn *subscribe;	/* NULL: all in the plan */
	venue_change_fn *change;	/* NULL: subscribe's messages */
	size_t group_symbols;		/* symbols per connection, at most */
	int64_t pace_ms;		/* between the plan's messages */
	int64_t ping_ms;		/* application ping period; 0: none */
	const char *ping_msg;		/* and its message */
	/* No frame (data or an answer to the ping) for this long: the
	 * connection is dead and is replaced (0: the program's default). */
	int64_t silent_ms;
	/* Market metadata the normalizer needs beyond the messages, from
	 * a file (mkt-feed --markets): body[0..n), kept for the process;
	 * the entries taken, or -1 with a reason.  NULL: none. */
	int (*markets_load)(const char *body, size_t n, char *why,
	    size_t whylen);
	/* A connection may be replaced without a gap: open a second one,
	 * read both, drop the first when the second delivers (the update
	 * ids of both are the same, so repeats are dropped as stale).  Done
	 * on VENUE_SHUTDOWN and after max_conn_ms (0: no limit). */
	int handover;
	int64_t max_conn_ms;
};

/* Every venue's table, ended by NULL, in a fixed order. */
extern const struct venue_ops *const venue_table[];

/* The venue called name[0..n), or NULL. */
const struct venue_ops *venue_by_name(const char *name, size_t n);

/* The market called market[0..mn) of venue[0..vn), or NULL. */
const struct venue_market *venue_find(const char *venue, size_t vn,
    const char *market, size_t mn);

/* Every market of every venue in turn: venue_next(NULL) is the first,
 * NULL after the last. */
const struct venue_market *venue_next(const struct venue_market *m);

/*
 * "binance:spot, binance:futures, ..., bybit:spot" into out[0..cap): the
 * known VENUE:MARKET pairs, the last after `last` (", " or " or ").
 */
void venue_list(char *out, size_t cap, const char *last);

/*
 * The rule the events of a venue and market follow: the market's, the
 * venue's for a market it does not list, NULL for an unknown venue
 * (then seq_rule_default).  A seq_rule_fn for bookset_rules().
 */
const struct seq_rule *venue_seq_rule(const char *venue, size_t vn,
    const char *market, size_t mn);

/* The market name of a recorded connection or REST URL (by the
 * markets' url_marks), or NULL. */
const char *venue_url_market(const char *url, size_t n);

struct venue_target {
	const struct venue_market *m;
	char symbol[VENUE_SYMBOL_LEN];	/* as the exchange spells it */
};

/*
 * Parse "VENUE:MARKET:SYMBOL" (a market of the table; the symbol in the
 * exchange's letters, upper case).  0, or -1 with a reason in why.
 */
int venue_parse_target(const char *spec, struct venue_target *t, char *why,
    size_t whylen) WUR;

/* Parse a --streams list ("depth,trade,ticker") into VENUE_* bits. */
int venue_parse_streams(const char *list, unsigned *streams) WUR;

/* The names: "binance" and "spot". */
const char *venue_name(const struct venue_market *m);
const char *venue_market(const struct venue_market *m);

/* Base URLs: the market's environment variable or its production
 * host.  The returned string stays valid. */
const char *venue_ws_base(const struct venue_market *m);
const char *venue_rest_base(const struct venue_market *m);

/*
 * A production host: one that is not a local simulator or a testnet.
 * (Market data is public; the order programs will refuse these.)
 */
int venue_is_production(const char *url);

/* The REST order book URL and its weight: m->snapshot_url(). */
int venue_snapshot_url(const struct venue_market *m, const char *symbol,
    int limit, char *url, size_t cap, int *weight) WUR;

/*
 * The instrument list's URL and weight, m->instruments_url() (n 0: the
 * whole list): 0, or -1 with errno ENOTSUP (the market has no list) or
 * ENAMETOOLONG.
 */
int venue_instruments_url(const struct venue_market *m,
    const char *const *symbols, size_t n, const char *cursor, char *url,
    size_t cap, int *weight) WUR;

/* An answer of the instrument list, m->instruments_parse() (with
 * ENOTSUP when the market has none). */
int venue_instruments_parse(const struct venue_market *m, int status,
    const char *body, size_t n, venue_instrument_fn *each, void *ctx,
    char *cursor, size_t cap, char *why, size_t whylen) WUR;

/* The REST budget of a market: its key, weight per window (ms). */
const char *venue_rest_budget(const struct venue_market *m, int *limit,
    long *window_ms);

#endif
