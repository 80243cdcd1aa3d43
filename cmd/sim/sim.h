/*
 * sim.h: what the parts of mkt-sim share (private to cmd/sim/).
 *
 * One libwebsockets server context runs everything on its own event
 * loop (loop.c): a timer steps every market at --rate (publish.c) and
 * queues the resulting messages on each subscribed connection
 * (queue.c); connections drain their queue one message per writeable
 * callback (conn.c).  REST requests are answered from the
 * LWS_CALLBACK_HTTP callback (rest.c, weight.c).  All state lives in
 * struct sim (the context user pointer) and struct conn (each
 * connection's user space).
 */
#ifndef MKT_CMD_SIM_H
#define MKT_CMD_SIM_H

#include <stdint.h>
#include <stdio.h>

#include <libwebsockets.h>

#include "base/buf.h"
#include "base/json.h"
#include "io/loop.h"
#include "net/secret.h"
#include "sim/simmarket.h"
#include "sim/simorders.h"
#include "sim/simreplay.h"

/* The markets served; each has one simmarket per symbol. */
enum mk { MK_BN_SPOT, MK_BN_FUT, MK_BY_LINEAR, MK_BY_SPOT, MK_PM_CLOB,
    MK_COUNT };

/* The --markets tokens and the venue and market names of each. */
struct mk_info {
	const char *name;	/* --markets token */
	const char *venue;
	const char *market;
};
extern const struct mk_info mk_info[MK_COUNT];

#define SYMBOLS_MAX 256
#define SUBS_MAX 1024		/* streams per Binance connection */
#define BYBIT_SPOT_ARGS_MAX 10
#define RX_MAX 65536		/* largest control message taken */
#define QUEUE_MAX (64 << 20)	/* queued bytes that drop a reader */
#define QUEUE_PACE 256		/* --rate 0 waits for longer queues */
#define HTTP_CHUNK 32768
#define SHUTDOWN_GRACE_MS 1000
#define WEIGHT_WINDOW 60	/* seconds of the rolling REST weight */
#define BAN_MS 120000		/* a 418 ban, Binance's shortest */
#define LIMIT_GRACE_MS 1000	/* requests sent before a 429 arrived */
#define GARBAGE "\x7f\x01 not json {{{"
#define HUGE_MAX (32 << 20)	/* --huge-size bound, within QUEUE_MAX */

/* Faults of the order endpoints, drawn per new order (--order-fault). */
enum fault {
	FAULT_HANG,		/* placed, never answered */
	FAULT_CLOSE,		/* placed, connection closed unanswered */
	FAULT_5XX,		/* placed, answered HTTP 503 */
	FAULT_TIMEOUT,		/* placed, answered -1007 (HTTP 408) / 10016 */
	FAULT_REJECT,		/* not placed, answered HTTP 503 */
	FAULT_COUNT
};
extern const char *const fault_names[FAULT_COUNT];

struct opts {
	int port;
	const char *replay;	/* --replay FILE; NULL: generated markets */
	double replay_speed;	/* 0: pace by --rate */
	int symbols_given, rate_given, seed_given, levels_given;
	const char *port_file;
	int tls;		/* wss:// and https:// */
	const char *cert_file;
	char *symbols[SYMBOLS_MAX];
	size_t nsym;
	char *tokens[SYMBOLS_MAX];	/* Polymarket's (--tokens) */
	size_t ntok;
	int tokens_given;
	int no_pong;		/* --no-pong: PING goes unanswered */
	unsigned markets;	/* bit (1 << enum mk) */
	uint64_t seed;
	long rate;		/* steps per second; 0: as fast as read */
	size_t levels;
	int offset_bps[MK_COUNT];	/* --offset, per market */
	int offset_given;
	/* --offset MARKET:SYMBOL=BPS: one symbol's, beside its market's */
	struct sym_offset {
		int mk;
		const char *symbol;
		int bps;
	} sym_offset[SYMBOLS_MAX];
	size_t nsym_offset;
	uint64_t messages;	/* steps per market; 0: no limit */
	int64_t duration;	/* ms; 0: until a signal */
	const char *truth;
	const char *metrics;	/* --metrics FILE; NULL: none */
	const char *gap_symbol;	/* --gap-at's symbol; NULL: all */
	int64_t ping_ms;	/* Binance server pings; 0: none */
	int64_t pong_ms;
	uint64_t wait_clients;	/* hold the markets until this many */
	uint64_t wait_snapshots;	/* and until this many REST books */
	uint64_t close_every, gap_at, garbage_at, snapshot_at, shutdown_at;
	uint64_t shutdown_lag;	/* hold the announcing connection back */
	uint64_t bad_types_at, huge_at, huge_size;
	uint64_t rest_429, rest_418;
	long retry_after;
	int64_t weight_limit_spot, weight_limit_fut; /* 0: none */
	int64_t limit_grace_ms;	/* after a 429: 429 too, not a ban */
	int64_t shutdown_grace_ms;	/* serverShutdown to the close */
	uint64_t hold_at;	/* hold the markets after K steps */
	int hold_given;		/* --hold-at given (K may be 0) */
	int stall;
	int verbose;
	/* The private side (orders.c) */
	const char *key_file;	/* --key-file; NULL: environment or test */
	int64_t order_limit[MK_COUNT];	/* new orders per window; 0: default */
	unsigned fault_pct[FAULT_COUNT];	/* --order-fault, percent */
	uint64_t fault_seed;
	int fault_seed_given;
	int64_t ack_delay_ms;	/* --ack-delay */
	int64_t fee_ppm;	/* --fee */
	unsigned stream_lose, stream_drop;	/* --stream-fault, percent */
};

/* One market instance: (market, symbol). */
struct inst {
	enum mk mk;
	struct simmarket *sm;
	/* --replay: the instrument's steps, the next one, and what the last
	 * one was (generated steps leave rp NULL). */
	const struct sr_inst *rp;
	size_t rp_next;
	enum sr_kind kind;
	const struct sr_ticker *ticks;
	size_t nticks;
	int gap_done;		/* --gap-at fired on this stream */
	int snap_done;		/* --bybit-snapshot-at fired */
	int64_t last_trade_px;
	int last_tick_up;
};

enum sub_kind {
	SUB_DEPTH,		/* Binance diff depth */
	SUB_PARTIAL,		/* Binance <sym>@depth5|10|20 */
	SUB_TICKER,		/* Binance bookTicker */
	SUB_TRADE,		/* Binance trade */
	SUB_AGGTRADE,		/* Binance aggTrade */
	SUB_BY_BOOK,		/* Bybit orderbook.N.SYM */
	SUB_BY_TRADE,		/* Bybit publicTrade.SYM */
	SUB_PM_BOOK,		/* a Polymarket token: book and trades */
};

struct sub {
	enum sub_kind kind;
	size_t depth;
	struct inst *in;
	uint64_t ndepth;	/* depth messages made for this stream */
	char name[96];		/* a stream, a topic, a token id */
};

/* Binance futures splits its streams between two URL routes. */
enum route { ROUTE_ANY, ROUTE_PUBLIC, ROUTE_MARKET };

struct msg {
	struct msg *next;
	size_t len;
	int fault;		/* an injected frame, not counted */
	int lag;		/* queued after a lagging serverShutdown */
	unsigned char data[];	/* LWS_PRE bytes, then the message */
};

struct sim;

/* Headers beyond the common ones, "name:" form. */
struct hdr {
	const char *name;
	char val[32];
};
#define ORD_HDR_MAX 6
enum { PRIV_NONE, PRIV_BN_FUT, PRIV_BYBIT, PRIV_BN_SPOT };

/* One connection (lws user space, zeroed by lws), WebSocket or HTTP. */
struct conn {
	struct conn *next, *prev;	/* sim->conns, WebSockets only */
	int linked;
	struct lws *wsi;
	struct sim *sim;
	uint64_t id;
	enum mk mk;
	enum route route;
	int combined;
	struct sub *subs;
	size_t nsubs, capsubs;
	struct msg *qhead, *qtail;
	size_t qlen, qbytes;
	uint64_t nmsg;		/* messages queued so far */
	uint64_t nsent;		/* messages written */
	struct buf rx;
	int64_t next_ping_ms, ping_sent_ms, close_at_ms;
	int ping_due, ping_out;
	uint64_t pongs;		/* Polymarket PINGs answered */
	char ping_payload[24];
	int close_now;
	int want_write;		/* a writeable callback is asked for */
	int lagging;		/* --shutdown-lag: writes held (see conn.c) */
	enum lws_close_status close_status;
	const char *close_why;
	struct buf body;	/* HTTP response body */
	size_t body_off;
	int body_busy;
	/* An order-API request (orders.c): its path and method, its body
	 * as it arrives, and an answer held back (--ack-delay). */
	int priv;		/* a private stream: PRIV_* (ustream.c) */
	int authed;		/* Bybit: auth passed */
	unsigned topics;	/* Bybit: topics subscribed */
	int subscribed;		/* spot WebSocket API: the account's events */
	unsigned sub_id, next_sub;	/* its subscriptionId; the next */
	int ord;
	int method;
	char opath[64];
	struct buf req;
	int held;		/* never to be answered */
	int close_unanswered;	/* close at the next chance */
	unsigned pend_status;
	struct hdr pend_h[ORD_HDR_MAX];
	size_t pend_nh;
};

/* Rolling REST weight of one client address and API. */
struct ipw {
	char ip[64];
	int api;
	int64_t sec[WEIGHT_WINDOW];
	int64_t w[WEIGHT_WINDOW];
	int64_t limited_at_ms;		/* when the last 429 went out */
	int64_t limited_until_ms;	/* answered 429 until then */
	int64_t banned_until_ms;	/* answered 418 until then */
};

struct sim {
	const struct opts *o;
	struct loop *loop;
	struct lwsloop *ll;	/* the server, on loop */
	struct lws_context *ctx;	/* ll's */
	struct inst *inst;
	size_t ninst;
	struct conn *conns;
	struct loop_timer step;	/* the markets' next step */
	struct loop_timer end;	/* --duration */
	int64_t next_step_us;
	int64_t start_ms;
	int started;		/* --wait-clients satisfied */
	uint64_t snapshots;	/* REST order books served */
	uint64_t rounds;	/* steps of every market taken */
	int held, hold_done;	/* --hold-at: holding; released */
	struct buf out;		/* scratch for rendering messages */
	char *arg;		/* scratch for URL arguments */
	char *path;		/* scratch for a WebSocket request's path */
	unsigned char *chunk;	/* LWS_PRE + HTTP_CHUNK */
	uint64_t next_conn_id;
	int garbage_done, bad_types_done, huge_done;
	uint64_t rest_n, rest_faulted;
	int64_t weight_total, weight_peak;
	uint64_t limit_429, limit_418;	/* answers of the weight limit */
	struct ipw *ipw;
	size_t nipw;
	uint64_t dropped;
	struct simreplay rp;	/* --replay */
	int64_t rp_t0;		/* --replay-speed: file time at start */
	int64_t rp_start_us;	/* and when that was; 0: not yet */
	/* The private side (orders.c) */
	struct so_engine eng;
	struct secret cred;
	uint64_t fault_rng;
	uint64_t faults[FAULT_COUNT];
	int64_t win_start[MK_COUNT], win_n[MK_COUNT];	/* short window */
	int64_t day_start[MK_COUNT], day_n[MK_COUNT];	/* Binance 1d/1m */
	char listen_key[65];
	uint64_t stream_rng, stream_lost, stream_dropped;
	int event_drop;		/* this event drops its streams */
	void *told;		/* what the user streams were told, per order */
	size_t ntold, told_from;
	uint64_t exec_id;	/* the last executionReport's I (wsapi.c) */
	struct loop_timer metrics_timer;	/* --metrics: the next write */
	int metrics_failed;	/* a write failure was reported */
};

#define ARG_MAX 16384

/* Whose REST API: Binance weight is counted for the first two. */
enum api { API_SPOT, API_FUT, API_BYBIT, API_PM };


/*
 * What each part offers the others, by part; each function's contract
 * is in the comment above its definition.  The process dies (prog/err)
 * on out of memory and on the other errors it cannot serve past.
 */

/* main.c */
void write_file_durably(const char *path, const char *p, size_t n);

/* tls.c */
void tls_remove_files(void);
void tls_setup(const struct opts *o, struct lws_context_creation_info *info);

/* markets.c */
int is_binance(enum mk mk);
void sim_markets(struct sim *s);
struct inst *find_inst(struct sim *s, enum mk mk, const char *sym, size_t n);

/* render.c */
void put_top(struct buf *b, const struct inst *in, const struct sm_side *side,
    size_t n);
int64_t ev_time(int64_t t);
void put_key_int(struct buf *b, const char *key, int64_t v);
void put_symbol(struct buf *b, const char *key, const struct inst *in);
void bn_render_depth(struct buf *b, struct inst *in);
void bn_render_partial(struct buf *b, struct inst *in, size_t depth);
int top_changed(const struct simmarket *m);
void bn_render_ticker(struct buf *b, const struct inst *in,
    const struct sr_ticker *t);
void bn_render_trade(struct buf *b, const struct inst *in,
    const struct sm_trade *t, int agg);
void by_render_book(struct buf *b, struct inst *in, const struct sub *sub,
    int snapshot);
void by_render_trades(struct buf *b, struct inst *in, const struct sub *sub);

/* queue.c */
void conn_want_write(struct conn *c);
void conn_release_lagging(struct sim *s);
void conn_close_soon(struct conn *c, enum lws_close_status st, const char *why);
void queue_free(struct conn *c);
void conn_send_out(struct conn *c);
struct buf *wrap_begin(struct conn *c, const struct sub *sub);
void wrap_end(struct conn *c);

/* publish.c */
int inst_done(const struct sim *s, const struct inst *in);
void step_inst(struct sim *s, struct inst *in);
int step_all(struct sim *s);
int readers_behind(const struct sim *s);
void markets_done(struct sim *s);

/* subs.c */
int conn_add_sub(struct conn *c, const struct sub *sub);
void conn_del_sub(struct conn *c, const char *name);
int bn_parse_stream(struct sim *s, const struct conn *c, const char *name,
    struct sub *sub);
int by_parse_topic(struct sim *s, const struct conn *c, const char *t,
    struct sub *sub);
int ws_target(struct sim *s, struct lws *wsi, struct conn *c);

/* pm.c */
void pm_control(struct conn *c, const char *p, size_t n);
void pm_publish(struct conn *c, struct sub *sub);
unsigned pm_rest_book(struct sim *s, struct lws *wsi, struct conn *c);

/* control.c */
void bn_control(struct conn *c, const char *p, size_t n);
void by_control(struct conn *c, const char *p, size_t n);

/* conn.c */
void conn_arm_timer(struct conn *c);
void conn_established(struct sim *s, struct conn *c, struct lws *wsi);
void conn_release(struct sim *s, struct conn *c);
int conn_timer(struct conn *c);
void conn_pong(struct conn *c, const void *in, size_t len);
int conn_writeable(struct conn *c);
int conn_receive(struct conn *c, const void *in, size_t len);

/* rest.c */
int http_writeable(struct sim *s, struct lws *wsi, struct conn *c);
void bn_error_body(struct buf *b, int code, const char *msg);
int http_send(struct lws *wsi, struct conn *c, unsigned status,
    const struct hdr *h, size_t nh);
void by_envelope(struct buf *b, int code, const char *msg);
void by_envelope_end(struct buf *b);
/* instruments.c: the instrument lists; the HTTP status, the body in
 * c->body (and Binance's request weight). */
unsigned sim_bn_exchange_info(struct sim *s, struct lws *wsi,
    struct conn *c, int api, int64_t *weight);
unsigned sim_by_instruments(struct sim *s, struct lws *wsi,
    struct conn *c);
int http_request(struct sim *s, struct lws *wsi, struct conn *c,
    const char *path);

/* orders.c */
int orders_path(const char *path);
int orders_request(struct sim *s, struct lws *wsi, struct conn *c,
    const char *path);
int orders_body(struct conn *c, const void *in, size_t len);
int orders_body_done(struct sim *s, struct lws *wsi, struct conn *c);
int orders_timer(struct sim *s, struct lws *wsi, struct conn *c);
void orders_init(struct sim *s);
void orders_free(struct sim *s);
void orders_step(struct sim *s, struct inst *in);
void orders_report(const struct sim *s);

/* ustream.c */
int ustream_target(struct sim *s, struct lws *wsi, struct conn *c,
    const char *path);
void ustream_publish(struct sim *s);
void ustream_expire(struct sim *s);
int ustream_lose(struct sim *s);
void ustream_send(struct sim *s, struct conn *c);

/* byprivate.c */
int byprivate_target(struct sim *s, const char *path, struct conn *c);
void byprivate_control(struct conn *c, const char *p, size_t n);
void byprivate_events(struct sim *s, const struct so_order *o, size_t from);

/* wsapi.c */
int wsapi_target(struct sim *s, const char *path, struct conn *c);
void wsapi_control(struct conn *c, const char *p, size_t n);
int wsapi_has_subscriptions(const struct sim *s);
void wsapi_events(struct sim *s, const struct so_order *o, int announced,
    size_t from);

/* weight.c */
struct ipw *weight_of(struct sim *s, const char *ip, int api);
int64_t weight_add(struct sim *s, struct ipw *e, int64_t w);
unsigned weight_limit(struct sim *s, struct conn *c, struct ipw *e,
    int64_t weight, unsigned st, struct hdr *h);

/* metrics.c: --metrics FILE written now and every 15s until
 * sim_metrics_stop(), which writes it a last time. */
void sim_metrics_start(struct sim *s);
void sim_metrics_stop(struct sim *s);

/* loop.c */
void on_usr1(int sig);
void lws_log(int level, const char *line);
void sim_listen(struct sim *s);
void sim_run(struct sim *s);
void sim_close(struct sim *s);

#endif
