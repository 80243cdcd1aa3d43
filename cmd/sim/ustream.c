/*
 * ustream.c: the USD-M futures user data stream of mkt-sim: a
 * WebSocket at /ws/<listenKey> (or /private/ws?listenKey=<listenKey>)
 * gets ORDER_TRADE_UPDATE for every change of an order (NEW, each
 * TRADE, CANCELED, EXPIRED) and ACCOUNT_UPDATE after fills, and
 * listenKeyExpired when the key is deleted; --stream-fault loses
 * events or drops the streams.  Which orders changed is kept here for
 * every private stream: Bybit's (byprivate.c) and Binance spot's
 * (wsapi.c) render their own events.
 */
#include <stdlib.h>
#include <string.h>

#include "base/fixed.h"
#include "base/timeutil.h"
#include "prog/err.h"

#include "orders.h"

/* A WebSocket request for the user data stream: 1 (c is one), 0 (not
 * such a path), -1 (such a path with an unknown key). */
int
ustream_target(struct sim *s, struct lws *wsi, struct conn *c,
    const char *path)
{
	const char *key = NULL;

	if (strncmp(path, "/ws/", 4) == 0 && strlen(path + 4) == 64 &&
	    !strchr(path + 4, '@'))
		key = path + 4;
	else if (strcmp(path, "/private/ws") == 0)
		key = lws_get_urlarg_by_name(wsi, "listenKey=", s->arg,
		    ARG_MAX);
	if (!key)
		return 0;
	if (!(s->o->markets & (1u << MK_BN_FUT)) ||
	    strcmp(key, s->listen_key) != 0)
		return -1;
	c->mk = MK_BN_FUT;
	c->priv = PRIV_BN_FUT;
	return 1;
}

static uint64_t
rng_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* One draw per event (--stream-fault): 1 when it is lost; otherwise
 * s->event_drop says whether its streams are dropped instead. */
int
ustream_lose(struct sim *s)
{
	unsigned x = (unsigned)(rng_next(&s->stream_rng) % 100);

	s->event_drop = 0;
	if (x < s->o->stream_lose) {
		s->stream_lost++;
		return 1;
	}
	s->event_drop = x < s->o->stream_lose + s->o->stream_drop;
	return 0;
}

/* Send the scratch buffer on c, or drop c (ustream_lose). */
void
ustream_send(struct sim *s, struct conn *c)
{
	if (s->event_drop) {
		s->stream_dropped++;
		conn_close_soon(c, LWS_CLOSE_STATUS_GOINGAWAY, "stream fault");
		return;
	}
	conn_send_out(c);
}

/* Send the scratch buffer to every user stream of USD-M futures. */
static void
to_streams(struct sim *s, enum mk mk)
{
	struct conn *c;

	if (ustream_lose(s))
		return;
	for (c = s->conns; c; c = c->next)
		if (c->priv == PRIV_BN_FUT && c->mk == mk && !c->close_now)
			ustream_send(s, c);
}

static int
has_streams(const struct sim *s, int priv)
{
	const struct conn *c;

	for (c = s->conns; c; c = c->next)
		if (c->priv == priv)
			return 1;
	return 0;
}

static void
ks(struct buf *b, const char *k, const char *v)
{
	buf_adds(b, ",\"");
	buf_adds(b, k);
	buf_adds(b, "\":");
	buf_add_jstr(b, v, strlen(v));
}

static void
kamount(struct buf *b, const char *k, int64_t v)
{
	buf_adds(b, ",\"");
	buf_adds(b, k);
	buf_adds(b, "\":\"");
	put_amount(b, v, -1);
	buf_addc(b, '"');
}

static const char *
fut_status(enum so_status st)
{
	static const char *w[] = { "NEW", "PARTIALLY_FILLED", "FILLED",
	    "CANCELED", "EXPIRED" };

	return w[st];
}

/*
 * One ORDER_TRADE_UPDATE of o: execution type x, status st, and the
 * fill f (NULL: none) with the cumulative quantity and quote up to it.
 */
static void
order_update(struct sim *s, const struct so_order *o, const char *x,
    enum so_status st, const struct so_fill *f, int64_t cum,
    int64_t cum_quote)
{
	static const char *tif[] = { "GTC", "IOC", "FOK", "GTX" };
	struct buf *b = &s->out;
	int64_t now = time_now_ms();
	const char *type = o->type == SO_MARKET ? "MARKET" : "LIMIT";

	buf_reset(b);
	put_key_int(b, "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":", now);
	put_key_int(b, ",\"T\":", now);
	buf_adds(b, ",\"o\":{\"s\":");
	buf_add_jstr(b, o->symbol, strlen(o->symbol));
	ks(b, "c", o->client_id);
	ks(b, "S", o->side == SO_BUY ? "BUY" : "SELL");
	ks(b, "o", type);
	ks(b, "f", tif[o->tif]);
	kamount(b, "q", o->qty);
	buf_adds(b, ",\"p\":\"");
	if (o->type == SO_LIMIT)
		put_px(b, s, o, o->px, -1);
	else
		buf_addc(b, '0');
	buf_adds(b, "\",\"ap\":\"");
	if (cum)
		buf_add_fx(b, fx_trim((struct fx){ (fx_i128)cum_quote *
		    100000000 / cum, 8 }));
	else
		buf_addc(b, '0');
	buf_adds(b, "\",\"sp\":\"0\"");
	ks(b, "x", x);
	ks(b, "X", fut_status(st));
	put_key_int(b, ",\"i\":", (int64_t)o->order_id);
	kamount(b, "l", f ? f->qty : 0);
	kamount(b, "z", cum);
	buf_adds(b, ",\"L\":\"");
	if (f)
		put_px(b, s, o, f->px, -1);
	else
		buf_addc(b, '0');
	buf_adds(b, "\",\"N\":\"USDT\"");
	kamount(b, "n", f ? f->fee : 0);
	put_key_int(b, ",\"T\":", f ? f->time : now);
	put_key_int(b, ",\"t\":", f ? (int64_t)f->trade_id : 0);
	buf_adds(b, ",\"b\":\"0\",\"a\":\"0\"");
	buf_adds(b, f && f->maker ? ",\"m\":true" : ",\"m\":false");
	buf_adds(b, ",\"R\":false,\"wt\":\"CONTRACT_PRICE\"");
	ks(b, "ot", type);
	buf_adds(b, ",\"ps\":\"BOTH\",\"cp\":false,\"rp\":\"0\","
	    "\"pP\":false,\"si\":0,\"ss\":0,\"V\":\"EXPIRE_MAKER\","
	    "\"pm\":\"NONE\",\"gtd\":0}}");
	to_streams(s, MK_BN_FUT);
}

/* ACCOUNT_UPDATE: the wallet and o's symbol's position, as they are. */
static void
account_update(struct sim *s, const struct so_order *o)
{
	struct buf *b = &s->out;
	const struct so_position *p = so_position(&s->eng, MK_BN_FUT,
	    o->symbol);
	int64_t now = time_now_ms();
	int64_t w = so_balance(&s->eng, MK_BN_FUT, 1, "USDT");

	buf_reset(b);
	put_key_int(b, "{\"e\":\"ACCOUNT_UPDATE\",\"E\":", now);
	put_key_int(b, ",\"T\":", now);
	buf_adds(b, ",\"a\":{\"m\":\"ORDER\",\"B\":[{\"a\":\"USDT\"");
	kamount(b, "wb", w);
	kamount(b, "cw", w);
	buf_adds(b, ",\"bc\":\"0\"}],\"P\":[{\"s\":");
	buf_add_jstr(b, o->symbol, strlen(o->symbol));
	kamount(b, "pa", p ? p->qty : 0);
	buf_adds(b, ",\"ep\":\"");
	if (p && p->qty)
		buf_add_fx(b, fx_trim((struct fx){ (fx_i128)p->cost *
		    100000000 / p->qty, 8 }));
	else
		buf_addc(b, '0');
	buf_addc(b, '"');
	kamount(b, "cr", p ? p->realised : 0);
	buf_adds(b, ",\"up\":\"0\",\"mt\":\"cross\",\"iw\":\"0\","
	    "\"ps\":\"BOTH\"}]}}");
	to_streams(s, MK_BN_FUT);
}

/* What the streams were told of one order. */
struct told {
	size_t nfills;
	int announced;
	int closed;
};

/* The events o's changes since *t make. */
static void
order_events(struct sim *s, const struct so_order *o, struct told *t)
{
	int64_t cum = 0, cq = 0;
	size_t i;

	if (!t->announced) {
		order_update(s, o, "NEW", SO_NEW, NULL, 0, 0);
		t->announced = 1;
	}
	for (i = 0; i < o->nfills; i++) {
		cum += o->fills[i].qty;
		cq += o->fills[i].quote;
		if (i < t->nfills)
			continue;
		order_update(s, o, "TRADE", cum == o->qty ? SO_FILLED :
		    SO_PARTIAL, &o->fills[i], cum, cq);
	}
	if (o->nfills > t->nfills)
		account_update(s, o);
	t->nfills = o->nfills;
	if (!t->closed && (o->status == SO_CANCELED ||
	    o->status == SO_EXPIRED)) {
		order_update(s, o, o->status == SO_CANCELED ? "CANCELED" :
		    "EXPIRED", o->status, NULL, o->filled, o->quote_filled);
	}
	t->closed = !so_is_open(o);
}

/*
 * Tell the user streams what changed since the last call: every order
 * placed since, every fill, every close.  Orders closed and told are
 * skipped from then on (s->told_from).
 */
void
ustream_publish(struct sim *s)
{
	struct told *t;
	size_t i;
	int fut = has_streams(s, PRIV_BN_FUT), by = has_streams(s, PRIV_BYBIT);
	int spot = wsapi_has_subscriptions(s);

	if (s->eng.norders > s->ntold) {
		t = realloc(s->told, s->eng.norders * sizeof *t);
		if (!t)
			die_nomem();
		memset(t + s->ntold, 0,
		    (s->eng.norders - s->ntold) * sizeof *t);
		s->told = t;
		s->ntold = s->eng.norders;
	}
	for (i = s->told_from; i < s->eng.norders; i++) {
		const struct so_order *o = s->eng.orders[i];

		t = &((struct told *)s->told)[i];
		if (t->closed)
			continue;
		if (o->market == MK_BN_FUT && fut)
			order_events(s, o, t);
		else if (o->market == MK_BN_SPOT && spot)
			wsapi_events(s, o, t->announced, t->nfills);
		else if (o->market != MK_BN_FUT && o->market != MK_BN_SPOT &&
		    by && (!t->announced || o->nfills > t->nfills ||
		    !so_is_open(o)))
			byprivate_events(s, o, t->nfills);
		t->announced = 1;
		t->nfills = o->nfills;
		t->closed = !so_is_open(o);
	}
	while (s->told_from < s->ntold &&
	    ((struct told *)s->told)[s->told_from].closed)
		s->told_from++;
}

/* DELETE listenKey: listenKeyExpired on its streams, which then close;
 * the next POST gets a new key. */
void
ustream_expire(struct sim *s)
{
	struct conn *c;
	struct buf *b = &s->out;
	int i;

	buf_reset(b);
	put_key_int(b, "{\"e\":\"listenKeyExpired\",\"E\":", time_now_ms());
	buf_adds(b, ",\"listenKey\":\"");
	buf_adds(b, s->listen_key);
	buf_adds(b, "\"}");
	for (c = s->conns; c; c = c->next) {
		if (c->priv != PRIV_BN_FUT)
			continue;
		conn_send_out(c);
		c->close_at_ms = time_now_ms() + 100;
		conn_arm_timer(c);
	}
	for (i = 0; i < 64; i += 16)
		snprintf(s->listen_key + i, 17, "%016llx",
		    (unsigned long long)rng_next(&s->stream_rng));
}
