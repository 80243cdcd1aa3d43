/*
 * risk: the pre-trade checks and what a gate learns as it runs (see
 * risk.h).  Every comparison is exact (base/fixed); a derived figure
 * appears only in a detail's words.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fsutil.h"
#include "base/json.h"
#include "trade/risk.h"

#define MS_1S 1000
#define MS_1M 60000

static const char *const tokens[RISK_NREASONS] = {
	[RISK_OK] = "",
	[RISK_HALT] = "halt",
	[RISK_BAD_INTENT] = "bad_intent",
	[RISK_UNKNOWN_SYMBOL] = "unknown_symbol",
	[RISK_TICK] = "tick",
	[RISK_STEP] = "step",
	[RISK_MIN_QTY] = "min_qty",
	[RISK_MAX_QTY] = "max_qty",
	[RISK_NO_PRICE] = "no_price",
	[RISK_PRICE_BAND] = "price_band",
	[RISK_MAX_NOTIONAL] = "max_notional",
	[RISK_MIN_NOTIONAL] = "min_notional",
	[RISK_MAX_OPEN_ORDERS] = "max_open_orders",
	[RISK_MAX_POSITION] = "max_position",
	[RISK_DAILY_LOSS] = "daily_loss",
	[RISK_RATE] = "rate",
};

const char *
risk_reason_token(enum risk_reason r)
{
	return (unsigned)r < RISK_NREASONS ? tokens[r] : "?";
}

/* ---- the checks ---- */

struct judge {
	const struct intent *it;
	const struct risk_view *v;
	unsigned has;		/* v->lim.has, or 0 for an unknown symbol */
	int market;		/* a market order */
	char *detail;
	size_t n;
};

static int
lim_has(const struct judge *j, enum limit_id id)
{
	return (j->has & LIM_BIT(id)) != 0;
}

static int
instr_has(const struct judge *j, unsigned bit)
{
	return j->v->instr && (j->v->instr->has & bit);
}

/* Refuse with a detail "TOKEN: ..." made of fmt. */
static enum risk_reason __attribute__((format(printf, 3, 4)))
refuse(const struct judge *j, enum risk_reason r, const char *fmt, ...)
{
	va_list ap;
	int k;

	k = snprintf(j->detail, j->n, "%s: ", tokens[r]);
	if (k < 0 || (size_t)k >= j->n)
		return r;
	va_start(ap, fmt);
	vsnprintf(j->detail + k, j->n - (size_t)k, fmt, ap);
	va_end(ap);
	return r;
}

static enum risk_reason
check_symbol(const struct judge *j)
{
	const struct intent *it = j->it;

	if (!j->v->known)
		return refuse(j, RISK_UNKNOWN_SYMBOL, "no limits for %s:%s:%s "
		    "and no default", it->venue, it->market, it->symbol);
	if (j->v->instr_required && !j->v->instr)
		return refuse(j, RISK_UNKNOWN_SYMBOL, "no instrument rules for "
		    "%s:%s:%s", it->venue, it->market, it->symbol);
	return RISK_OK;
}

static enum risk_reason
check_instrument(const struct judge *j)
{
	const struct instrument *in = j->v->instr;
	const struct intent *it = j->it;
	char a[FX_BUFSZ];

	if (!in)
		return RISK_OK;
	if (!j->market && instr_has(j, INSTR_TICK) &&
	    !instrument_on_step(it->price_fx, in->tick))
		return refuse(j, RISK_TICK, "price %s not a multiple of %s",
		    it->price, fx_str(in->tick, a));
	if (instr_has(j, INSTR_STEP) && !instrument_on_step(it->qty_fx,
	    in->step))
		return refuse(j, RISK_STEP, "qty %s not a multiple of %s",
		    it->qty, fx_str(in->step, a));
	if (instr_has(j, INSTR_MIN_QTY) && fx_cmp(it->qty_fx, in->min_qty) < 0)
		return refuse(j, RISK_MIN_QTY, "qty %s below %s", it->qty,
		    fx_str(in->min_qty, a));
	if (instr_has(j, INSTR_MAX_QTY) && fx_cmp(it->qty_fx, in->max_qty) > 0)
		return refuse(j, RISK_MAX_QTY, "qty %s above the instrument's "
		    "%s", it->qty, fx_str(in->max_qty, a));
	return RISK_OK;
}

/* Whether a price-dependent limit needs the market's price. */
static const char *
price_needed_by(const struct judge *j)
{
	if (lim_has(j, LIM_PRICE_BAND_PCT) && !j->market)
		return "price_band_pct";
	if (!j->market)
		return NULL;
	if (lim_has(j, LIM_PRICE_BAND_PCT))
		return "price_band_pct";
	if (lim_has(j, LIM_MAX_NOTIONAL))
		return "max_notional";
	if (instr_has(j, INSTR_MIN_NOTIONAL))
		return "min_notional";
	return NULL;
}

/* |price - ref| * 100 > pct * ref, exactly. */
static enum risk_reason
check_band(const struct judge *j)
{
	const struct intent *it = j->it;
	struct fx d, lhs, rhs, hundred = { 100, 0 }, pct;
	char a[FX_BUFSZ], b[FX_BUFSZ], c[FX_BUFSZ];

	if (j->market || !lim_has(j, LIM_PRICE_BAND_PCT))
		return RISK_OK;
	if (fx_sub(it->price_fx, j->v->price, &d) < 0)
		return refuse(j, RISK_PRICE_BAND, "price %s out of range",
		    it->price);
	if (d.m < 0)
		d.m = -d.m;
	if (fx_mul(d, hundred, &lhs) < 0 ||
	    fx_mul(j->v->lim.price_band_pct, j->v->price, &rhs) < 0)
		return refuse(j, RISK_PRICE_BAND, "price %s out of range",
		    it->price);
	if (fx_cmp(lhs, rhs) <= 0)
		return RISK_OK;
	if (fx_div(lhs, j->v->price, 10, &pct) < 0)
		pct = lhs;
	return refuse(j, RISK_PRICE_BAND, "price %s is %s%% from %s, above %s",
	    it->price, fx_str(fx_trim(pct), a), fx_str(j->v->price, b),
	    fx_str(j->v->lim.price_band_pct, c));
}

static enum risk_reason
check_notional(const struct judge *j)
{
	const struct intent *it = j->it;
	struct fx px = j->market ? j->v->price : it->price_fx, notional;
	char a[FX_BUFSZ], b[FX_BUFSZ];

	if (!lim_has(j, LIM_MAX_NOTIONAL) && !instr_has(j, INSTR_MIN_NOTIONAL))
		return RISK_OK;
	if (fx_mul(it->qty_fx, px, &notional) < 0)
		return refuse(j, RISK_MAX_NOTIONAL, "qty %s at %s overflows",
		    it->qty, fx_str(px, a));
	notional = fx_trim(notional);
	if (lim_has(j, LIM_MAX_NOTIONAL) &&
	    fx_cmp(notional, j->v->lim.max_notional) > 0)
		return refuse(j, RISK_MAX_NOTIONAL, "notional %s above %s",
		    fx_str(notional, a), fx_str(j->v->lim.max_notional, b));
	if (instr_has(j, INSTR_MIN_NOTIONAL) &&
	    fx_cmp(notional, j->v->instr->min_notional) < 0)
		return refuse(j, RISK_MIN_NOTIONAL, "notional %s below %s",
		    fx_str(notional, a), fx_str(j->v->instr->min_notional, b));
	return RISK_OK;
}

static enum risk_reason
check_prices(const struct judge *j)
{
	const char *need = price_needed_by(j);
	enum risk_reason r;

	if (need && !j->v->has_price)
		return refuse(j, RISK_NO_PRICE, "no recent price of %s for %s",
		    j->it->symbol, need);
	r = check_band(j);
	return r != RISK_OK ? r : check_notional(j);
}

/*
 * The exposure on the intent's side if it were placed: for a buy the
 * position plus every open buy plus it, for a sell the same short.
 */
static int
exposure_after(const struct judge *j, struct fx *out)
{
	const struct risk_view *v = j->v;
	struct fx x;

	if (strcmp(j->it->side, "buy") == 0) {
		if (fx_add(v->position, v->open_buy, &x) < 0 ||
		    fx_add(x, j->it->qty_fx, out) < 0)
			return -1;
		return 0;
	}
	if (fx_sub(v->position, v->open_sell, &x) < 0 ||
	    fx_sub(x, j->it->qty_fx, out) < 0)
		return -1;
	out->m = -out->m;
	return 0;
}

static enum risk_reason
check_book(const struct judge *j)
{
	const struct risk_view *v = j->v;
	struct fx after;
	char a[FX_BUFSZ], b[FX_BUFSZ], c[FX_BUFSZ], d[FX_BUFSZ];

	if (lim_has(j, LIM_MAX_OPEN_ORDERS) &&
	    v->open_orders >= v->lim.max_open_orders)
		return refuse(j, RISK_MAX_OPEN_ORDERS, "%lld open, at most "
		    "%lld", (long long)v->open_orders,
		    (long long)v->lim.max_open_orders);
	if (!lim_has(j, LIM_MAX_POSITION))
		return RISK_OK;
	if (exposure_after(j, &after) < 0)
		return refuse(j, RISK_MAX_POSITION, "position out of range");
	if (fx_cmp(after, v->lim.max_position) <= 0)
		return RISK_OK;
	return refuse(j, RISK_MAX_POSITION, "position %s with %s open on "
	    "the %s side would reach %s, above %s", fx_str(fx_trim(
	    v->position), a), fx_str(fx_trim(strcmp(j->it->side, "buy") == 0 ?
	    v->open_buy : v->open_sell), b), j->it->side,
	    fx_str(fx_trim(after), c), fx_str(v->lim.max_position, d));
}

static enum risk_reason
check_day(const struct judge *j)
{
	const struct risk_view *v = j->v;
	struct fx loss;
	char a[FX_BUFSZ], b[FX_BUFSZ];

	if (!lim_has(j, LIM_DAILY_LOSS) || j->it->reduce_only || !v->has_day)
		return RISK_OK;
	loss = v->day_pnl;
	loss.m = -loss.m;
	if (fx_cmp(loss, v->lim.daily_loss) < 0)
		return RISK_OK;
	return refuse(j, RISK_DAILY_LOSS, "loss %s reaches %s",
	    fx_str(fx_trim(loss), a), fx_str(v->lim.daily_loss, b));
}

static enum risk_reason
check_rate(const struct judge *j)
{
	const struct risk_view *v = j->v;

	if (lim_has(j, LIM_RATE_PER_S) && v->sent_1s >= v->lim.rate_per_s)
		return refuse(j, RISK_RATE, "%lld approved in the last second, "
		    "at most %lld", (long long)v->sent_1s,
		    (long long)v->lim.rate_per_s);
	if (lim_has(j, LIM_RATE_PER_MIN) && v->sent_1m >= v->lim.rate_per_min)
		return refuse(j, RISK_RATE, "%lld approved in the last minute, "
		    "at most %lld", (long long)v->sent_1m,
		    (long long)v->lim.rate_per_min);
	return RISK_OK;
}

enum risk_reason
risk_check(const struct intent *it, const struct risk_view *v, char *detail,
    size_t n)
{
	struct judge j = { it, v, v->known ? v->lim.has : 0,
	    strcmp(it->kind, "market") == 0, detail, n };
	char a[FX_BUFSZ];
	enum risk_reason r;

	if (n)
		detail[0] = '\0';
	if (v->halted)
		return refuse(&j, RISK_HALT, "trading is halted");
	r = check_symbol(&j);
	if (r == RISK_OK)
		r = check_instrument(&j);
	if (r != RISK_OK)
		return r;
	if (lim_has(&j, LIM_MAX_QTY) && fx_cmp(it->qty_fx, v->lim.max_qty) > 0)
		return refuse(&j, RISK_MAX_QTY, "qty %s above %s", it->qty,
		    fx_str(v->lim.max_qty, a));
	r = check_prices(&j);
	if (r == RISK_OK)
		r = check_book(&j);
	if (r == RISK_OK)
		r = check_day(&j);
	if (r == RISK_OK)
		r = check_rate(&j);
	return r;
}

/* ---- what a gate learns ---- */

/* An approved intent the store has not shown yet. */
struct flight {
	char id[TEV_ID_MAX + 1];
	int buy;
	struct fx qty;
};

struct risk_sym {
	int has_price;
	struct fx price;
	int64_t price_ms;
	int has_instr;
	struct instrument instr;
	/* Approval times, oldest first: sent[head..nsent) are within the
	 * last minute; the older ones before head are dropped in bulk. */
	int64_t *sent;
	size_t head, nsent, capsent;
	struct flight *flight;
	size_t nflight, capflight;
};

void
risk_state_init(struct risk_state *rs)
{
	keymap_init(&rs->syms);
	keymap_init(&rs->markets);
}

void
risk_state_free(struct risk_state *rs)
{
	size_t i;

	for (i = 0; i < rs->syms.n; i++) {
		struct risk_sym *s = rs->syms.e[i].val;

		free(s->sent);
		free(s->flight);
		free(s);
	}
	keymap_free(&rs->syms);
	keymap_free(&rs->markets);
}

static size_t
sym_key(char *key, size_t cap, const char *venue, const char *market,
    const char *symbol)
{
	return keymap_key3(key, cap, venue, strlen(venue), market,
	    strlen(market), symbol, strlen(symbol));
}

/* The symbol's entry, made when create; NULL (errno ENOMEM) else. */
static struct risk_sym *
sym_get(struct risk_state *rs, const char *venue, const char *market,
    const char *symbol, int create)
{
	char key[256];
	size_t n = sym_key(key, sizeof key, venue, market, symbol);
	struct risk_sym *s;

	if (n == 0) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	s = keymap_get(&rs->syms, key, n);
	if (s || !create)
		return s;
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (keymap_put(&rs->syms, key, n, s) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* The price of the first [price, qty] of a level array. */
static int
first_level(const struct json_span *arr, struct fx *px)
{
	struct json_iter it, in;
	struct json_span lv, p;

	if (!arr || arr->type != JSON_ARRAY)
		return 0;
	json_iter_init(&it, arr);
	if (!json_next(&it, &lv) || lv.type != JSON_ARRAY)
		return 0;
	json_iter_init(&in, &lv);
	if (!json_next(&in, &p))
		return 0;
	return event_decimal(&p, px) == FX_OK;
}

/* The mid: 1 with *mid, 0 when a side is empty (0), -1 on overflow. */
static int
mid_of(struct fx bid, struct fx ask, struct fx *mid)
{
	struct fx sum, two = { 2, 0 };
	int s = bid.s > ask.s ? bid.s : ask.s;

	/* Some venues write an empty side as 0: half the other is no mid. */
	if (bid.m <= 0 || ask.m <= 0)
		return 0;
	if (fx_add(bid, ask, &sum) < 0 ||
	    fx_div(sum, two, s + 1 <= FX_MAX_SCALE ? s + 1 : s, mid) < 0)
		return -1;
	*mid = fx_trim(*mid);
	return 1;
}

/* The event's price: 1 with *px, 0 none, -1 a bad one. */
static int
event_price(const struct event *ev, struct fx *px)
{
	const struct json_span *v;
	struct fx bid, ask;

	switch (ev->type) {
	case EV_TICKER:
		if (!ev->field[EVF_BID] || !ev->field[EVF_ASK])
			return 0;
		if (event_decimal(ev->field[EVF_BID], &bid) != FX_OK ||
		    event_decimal(ev->field[EVF_ASK], &ask) != FX_OK)
			return -1;
		return mid_of(bid, ask, px);
	case EV_BOOK:
	case EV_SNAPSHOT:
		if (!first_level(ev->field[EVF_BIDS], &bid) ||
		    !first_level(ev->field[EVF_ASKS], &ask))
			return 0;
		return mid_of(bid, ask, px);
	case EV_BANDS:
		v = json_get(&ev->obj, "mid");
		break;
	case EV_TRADE:
		v = json_get(&ev->obj, "price");
		break;
	default:
		return 0;
	}
	if (!v || v->type == JSON_NULL)
		return 0;
	return event_decimal(v, px) == FX_OK ? 1 : -1;
}

/* A plain string field into dst: 0, or -1 when absent or not one. */
static int
name_field(const struct event *ev, enum ev_field f, char *dst, size_t cap)
{
	const struct json_span *v = ev->field[f];

	if (!v || v->type != JSON_STRING || v->escaped || v->n == 0)
		return -1;
	return json_str_copy(v, dst, cap) < 0 ? -1 : 0;
}

int
risk_note_market(struct risk_state *rs, const struct event *ev,
    int64_t now_ms)
{
	char venue[TEV_NAME], market[TEV_NAME], symbol[TEV_SYMBOL];
	const struct json_span *t = ev->field[EVF_TIME];
	struct risk_sym *s;
	struct fx px;
	int64_t ms;
	int r;

	if (name_field(ev, EVF_VENUE, venue, sizeof venue) < 0 ||
	    name_field(ev, EVF_MARKET, market, sizeof market) < 0 ||
	    name_field(ev, EVF_SYMBOL, symbol, sizeof symbol) < 0)
		return 0;
	r = event_price(ev, &px);
	if (r < 0 || (r == 1 && px.m <= 0)) {
		errno = EINVAL;
		return -1;
	}
	if (r == 0)
		return 0;
	if (!t || t->type != JSON_NUMBER || json_int64(t, &ms) < 0)
		ms = now_ms;
	s = sym_get(rs, venue, market, symbol, 1);
	if (!s)
		return -1;
	s->has_price = 1;
	s->price = px;
	s->price_ms = ms;
	/* And as the symbol's price on any venue (risk_price, ""). */
	s = sym_get(rs, "", "", symbol, 1);
	if (!s)
		return -1;
	s->has_price = 1;
	s->price = px;
	s->price_ms = ms;
	return 0;
}

int
risk_note_instrument(struct risk_state *rs, const struct instrument *in)
{
	struct risk_sym *s = sym_get(rs, in->venue, in->market, in->symbol, 1);
	char key[64];
	size_t n;

	if (!s)
		return -1;
	s->has_instr = 1;
	s->instr = *in;
	n = keymap_key3(key, sizeof key, in->venue, strlen(in->venue),
	    in->market, strlen(in->market), "", 0);
	if (n && !keymap_get(&rs->markets, key, n) &&
	    keymap_put(&rs->markets, key, n, rs) < 0)
		return -1;
	return 0;
}

const struct instrument *
risk_instrument(struct risk_state *rs, const char *venue, const char *market,
    const char *symbol, int *required)
{
	struct risk_sym *s = sym_get(rs, venue, market, symbol, 0);
	char key[64];
	size_t n;

	n = keymap_key3(key, sizeof key, venue, strlen(venue), market,
	    strlen(market), "", 0);
	*required = n && keymap_get(&rs->markets, key, n) != NULL;
	return s && s->has_instr ? &s->instr : NULL;
}

int
risk_price(struct risk_state *rs, const char *venue, const char *market,
    const char *symbol, int64_t at_ms, int64_t max_age_ms, struct fx *px)
{
	struct risk_sym *s = sym_get(rs, venue, market, symbol, 0);

	if (!s || !s->has_price || at_ms - s->price_ms > max_age_ms)
		return 0;
	*px = s->price;
	return 1;
}

/* The first of sent[lo..hi) later than t (hi when none): binary, for
 * a busy gate approves thousands a second. */
static size_t
sent_after(const int64_t *sent, size_t lo, size_t hi, int64_t t)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sent[mid] > t)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Forget approval times older than a minute before now_ms; the array is
 * compacted once most of it is forgotten, not at every approval. */
static void
sent_trim(struct risk_sym *s, int64_t now_ms)
{
	s->head = sent_after(s->sent, s->head, s->nsent, now_ms - MS_1M);
	if (s->head == 0 || s->head < s->nsent - s->head)
		return;
	memmove(s->sent, s->sent + s->head,
	    (s->nsent - s->head) * sizeof *s->sent);
	s->nsent -= s->head;
	s->head = 0;
}

void
risk_rate_counts(struct risk_state *rs, const char *venue,
    const char *market, const char *symbol, int64_t now_ms, int64_t *n1s,
    int64_t *n1m)
{
	struct risk_sym *s = sym_get(rs, venue, market, symbol, 0);

	*n1s = *n1m = 0;
	if (!s)
		return;
	sent_trim(s, now_ms);
	*n1m = (int64_t)(s->nsent - s->head);
	*n1s = (int64_t)(s->nsent - sent_after(s->sent, s->head, s->nsent,
	    now_ms - MS_1S));
}

int
risk_note_approved(struct risk_state *rs, const struct intent *it,
    const char *venue, const char *market, int64_t now_ms, int track)
{
	struct risk_sym *s = sym_get(rs, venue, market, it->symbol, 1);
	struct flight *f;

	if (!s)
		return -1;
	sent_trim(s, now_ms);
	if (fs_grow((void **)&s->sent, &s->capsent, s->nsent + 1,
	    sizeof *s->sent) < 0)
		return -1;
	s->sent[s->nsent++] = now_ms;
	if (!track)
		return 0;
	if (fs_grow((void **)&s->flight, &s->capflight, s->nflight + 1,
	    sizeof *s->flight) < 0)
		return -1;
	f = &s->flight[s->nflight++];
	memcpy(f->id, it->id, sizeof f->id);
	f->buy = strcmp(it->side, "buy") == 0;
	f->qty = it->qty_fx;
	return 0;
}

int
risk_in_flight(struct risk_state *rs, const char *venue, const char *market,
    const char *symbol, int (*known)(void *ctx, const char *id), void *ctx,
    int64_t *count, struct fx *buy, struct fx *sell)
{
	struct risk_sym *s = sym_get(rs, venue, market, symbol, 0);
	size_t i = 0;
	int r;

	while (s && i < s->nflight) {
		r = known(ctx, s->flight[i].id);
		if (r < 0)
			return -1;
		if (r == 1) {
			s->flight[i] = s->flight[--s->nflight];
			continue;
		}
		if (fx_add(s->flight[i].buy ? *buy : *sell, s->flight[i].qty,
		    s->flight[i].buy ? buy : sell) < 0) {
			errno = ERANGE;
			return -1;
		}
		(*count)++;
		i++;
	}
	return 0;
}

int
risk_unrealized(struct fx qty, struct fx entry, struct fx price,
    struct fx *out)
{
	struct fx d;

	if (fx_sub(price, entry, &d) < 0 || fx_mul(d, qty, out) < 0)
		return -1;
	*out = fx_trim(*out);
	return 0;
}
