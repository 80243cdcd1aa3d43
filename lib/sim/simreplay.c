/*
 * simreplay: a file of mkt events as the steps of mkt-sim's replay
 * markets (see simreplay.h).
 *
 * Both passes read each line through the same parse_line(), so they
 * agree on which lines are bad (the first reports them) and which events
 * count; the first also learns the decimals, the second converts and
 * stores.  An instrument keeps its steps in pools (levels, trades,
 * tickers) that steps index by offset, so growing a pool never leaves a
 * step pointing into freed memory; simreplay_step() makes the pointers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fsutil.h"
#include "market/book.h"
#include "event/event.h"
#include "base/fixed.h"
#include "io/in.h"
#include "venue/venue.h"
#include "simreplay.h"

/* One line, parsed: the event, its names, and for a trade its values. */
struct line {
	struct event ev;
	char venue[16], market[16], symbol[96];
	int named;		/* the names fit the arrays above */
	struct fx price, qty;	/* trade */
	int taker_buy;
	uint64_t id;
	char id_text[SM_TRADE_ID_MAX];
	int64_t seq;
	int has_seq;
};

struct loader {
	struct simreplay *r;
	int pass;		/* 1: find; 2: store */
	sr_want_fn *want;
	sr_bad_fn *bad;
	void *ctx;
	long lineno;
	struct line l;
	struct levels bids, asks;
	char why[160];
};

/* Refuse the file at the current line: r->why says why, errno EINVAL. */
static int ERR_PRINTF(2, 3)
refuse(struct loader *L, const char *fmt, ...)
{
	struct simreplay *r = L->r;
	va_list ap;
	int n;

	r->line = L->lineno;
	n = snprintf(r->why, sizeof r->why, "line %ld: ", L->lineno);
	va_start(ap, fmt);
	vsnprintf(r->why + n, sizeof r->why - (size_t)n, fmt, ap);
	va_end(ap);
	errno = EINVAL;
	return -1;
}

static int
nomem(struct simreplay *r)
{
	snprintf(r->why, sizeof r->why, "out of memory");
	errno = ENOMEM;
	return -1;
}

/* ---------------------------------------------------------------- */
/* Reading a line */

/* A string member into dst; 1 copied, 0 does not fit, -1 bad. */
static int
get_name(const struct json_span *v, char *dst, size_t cap)
{
	if (!v || v->type != JSON_STRING || v->escaped || v->n == 0)
		return -1;
	if (v->n >= cap)
		return 0;
	memcpy(dst, v->p, v->n);
	dst[v->n] = '\0';
	return 1;
}

static int
read_names(struct loader *L)
{
	static const struct {
		enum ev_field f;
		const char *name;
	} fields[] = {
		{ EVF_VENUE, "venue" }, { EVF_MARKET, "market" },
		{ EVF_SYMBOL, "symbol" },
	};
	struct line *l = &L->l;
	char *dst[] = { l->venue, l->market, l->symbol };
	size_t cap[] = { sizeof l->venue, sizeof l->market,
	    sizeof l->symbol };
	size_t i;
	int r;

	l->named = 1;
	for (i = 0; i < 3; i++) {
		r = get_name(l->ev.field[fields[i].f], dst[i], cap[i]);
		if (r < 0) {
			snprintf(L->why, sizeof L->why, "%s field '%s'",
			    l->ev.field[fields[i].f] ? "bad" : "missing",
			    fields[i].name);
			return -1;
		}
		if (r == 0)
			l->named = 0;
	}
	return 0;
}

/* A decimal member that must be positive (price) or not negative. */
static int
get_decimal(struct loader *L, const char *key, struct fx *v, int positive)
{
	const struct json_span *s = json_get(&L->l.ev.obj, key);
	int r;

	if (!s) {
		snprintf(L->why, sizeof L->why, "missing field '%s'", key);
		return -1;
	}
	r = event_decimal(s, v);
	if (r != FX_OK) {
		snprintf(L->why, sizeof L->why, "field '%s': %s", key,
		    r == FX_RANGE ? "number out of range" : "not a number");
		return -1;
	}
	if (v->m < 0 || (positive && v->m == 0)) {
		snprintf(L->why, sizeof L->why, "field '%s' is %s", key,
		    positive ? "not positive" : "negative");
		return -1;
	}
	return 0;
}

/* The trade members: time, id (an integer or a string), price, qty,
 * side. */
static int
read_trade(struct loader *L)
{
	struct line *l = &L->l;
	const struct json_span *id = json_get(&l->ev.obj, "id");
	const struct json_span *side = json_get(&l->ev.obj, "side");
	const struct json_span *t = l->ev.field[EVF_TIME];
	int64_t v;

	if (t && t->type != JSON_NULL) {
		if (json_int64(t, &l->ev.time) < 0) {
			snprintf(L->why, sizeof L->why,
			    "field 'time' is not an integer");
			return -1;
		}
		l->ev.has |= EV_HAS_TIME;
	}
	if (!id) {
		snprintf(L->why, sizeof L->why, "missing field 'id'");
		return -1;
	}
	l->id = 0;
	l->id_text[0] = '\0';
	if (json_int64(id, &v) == 0 && v >= 0)
		l->id = (uint64_t)v;
	if (id->type == JSON_STRING) {
		if (id->n == 0 ||
		    json_str_copy(id, l->id_text, sizeof l->id_text) <= 0) {
			snprintf(L->why, sizeof L->why,
			    "field 'id' is empty or longer than %d bytes",
			    SM_TRADE_ID_MAX - 1);
			return -1;
		}
	} else if (id->type != JSON_NUMBER || json_int64(id, &v) < 0 ||
	    v < 0) {
		snprintf(L->why, sizeof L->why,
		    "field 'id' is neither a string nor a whole number");
		return -1;
	}
	if (get_decimal(L, "price", &l->price, 1) < 0 ||
	    get_decimal(L, "qty", &l->qty, 0) < 0)
		return -1;
	if (side && json_str_is(side, "buy"))
		l->taker_buy = 1;
	else if (side && json_str_is(side, "sell"))
		l->taker_buy = 0;
	else {
		snprintf(L->why, sizeof L->why,
		    "field 'side' is neither \"buy\" nor \"sell\"");
		return -1;
	}
	return 0;
}

/* Ids must not be negative; seq is optional. */
static int
read_ids(struct loader *L)
{
	struct line *l = &L->l;
	const struct json_span *s = json_get(&l->ev.obj, "seq");

	if (l->ev.last_id < 0 ||
	    ((l->ev.has & EV_HAS_FIRST_ID) && l->ev.first_id < 0) ||
	    ((l->ev.has & EV_HAS_PREV_ID) && l->ev.prev_id < 0)) {
		snprintf(L->why, sizeof L->why, "negative update id");
		return -1;
	}
	l->has_seq = 0;
	if (s && s->type != JSON_NULL) {
		if (json_int64(s, &l->seq) < 0 || l->seq < 0) {
			snprintf(L->why, sizeof L->why,
			    "field 'seq' is not a whole number");
			return -1;
		}
		l->has_seq = 1;
	}
	return 0;
}

/*
 * Parse a line: 0 (L->l.ev.type says what; EV_OTHER for types not
 * replayed), or -1 with L->why.  Level arrays are decoded later, and
 * only for the events that are used.
 */
static int
parse_line(struct loader *L, const char *p, size_t n)
{
	struct event *ev = &L->l.ev;

	if (event_parse_for(p, n, ev, EV_BIT(EV_SNAPSHOT) | EV_BIT(EV_DEPTH),
	    L->why, sizeof L->why) < 0)
		return -1;
	switch (ev->type) {
	case EV_SNAPSHOT:
	case EV_DEPTH:
		if (event_fields(ev, L->why, sizeof L->why) < 0 ||
		    read_ids(L) < 0)
			return -1;
		break;
	case EV_TICKER:
		if (event_fields(ev, L->why, sizeof L->why) < 0)
			return -1;
		if ((ev->has & EV_HAS_LAST_ID) && ev->last_id < 0) {
			snprintf(L->why, sizeof L->why, "negative update id");
			return -1;
		}
		if (ev->bid.m <= 0 || ev->ask.m <= 0 || ev->bid_qty.m < 0 ||
		    ev->ask_qty.m < 0) {
			snprintf(L->why, sizeof L->why,
			    "ticker price not positive or quantity negative");
			return -1;
		}
		break;
	case EV_TRADE:
		if (read_trade(L) < 0)
			return -1;
		break;
	default:
		ev->type = EV_OTHER;
		return 0;
	}
	return read_names(L);
}

static int
decode_levels(struct loader *L)
{
	if (event_levels(L->l.ev.bids, &L->bids, "bids", L->why,
	    sizeof L->why) < 0 ||
	    event_levels(L->l.ev.asks, &L->asks, "asks", L->why,
	    sizeof L->why) < 0)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Pass 1: the decimals */

static int
check_px(struct loader *L, struct sr_inst *in, struct fx v)
{
	struct fx t = fx_trim(v);
	char s[FX_BUFSZ];

	*fx_format(v, s) = '\0';
	if (t.s > SM_PX_DP_MAX)
		return refuse(L, "price '%s' has more than %d decimals", s,
		    SM_PX_DP_MAX);
	if (t.m > INT64_MAX)
		return refuse(L, "price '%s' is out of range (more than 64 "
		    "bits at %d decimals)", s, t.s);
	if (in->px_scale < (v.s < SM_PX_DP_MAX ? v.s : SM_PX_DP_MAX))
		in->px_scale = v.s < SM_PX_DP_MAX ? v.s : SM_PX_DP_MAX;
	return 0;
}

static int
check_qty(struct loader *L, struct sr_inst *in, struct fx v)
{
	struct fx t = fx_trim(v);
	char s[FX_BUFSZ];
	fx_i128 m;

	*fx_format(v, s) = '\0';
	if (t.s > SM_QTY_DP)
		return refuse(L, "quantity '%s' has more than %d decimals", s,
		    SM_QTY_DP);
	if (fx_at_scale(t, SM_QTY_DP, &m) < 0 || m > INT64_MAX)
		return refuse(L, "quantity '%s' is out of range (at most "
		    "92233720368.54775807)", s);
	if (in->qty_scale < (v.s < SM_QTY_DP ? v.s : SM_QTY_DP))
		in->qty_scale = v.s < SM_QTY_DP ? v.s : SM_QTY_DP;
	return 0;
}

static int
check_levels(struct loader *L, struct sr_inst *in, const struct levels *lv)
{
	size_t i;

	for (i = 0; i < lv->n; i++)
		if (check_px(L, in, lv->lv[i].px) < 0 ||
		    check_qty(L, in, lv->lv[i].qty) < 0)
			return -1;
	return 0;
}

static int
scan_values(struct loader *L, struct sr_inst *in)
{
	const struct event *ev = &L->l.ev;

	switch (ev->type) {
	case EV_SNAPSHOT:
	case EV_DEPTH:
		if (check_levels(L, in, &L->bids) < 0 ||
		    check_levels(L, in, &L->asks) < 0)
			return -1;
		return 0;
	case EV_TICKER:
		if (check_px(L, in, ev->bid) < 0 ||
		    check_px(L, in, ev->ask) < 0 ||
		    check_qty(L, in, ev->bid_qty) < 0 ||
		    check_qty(L, in, ev->ask_qty) < 0)
			return -1;
		return 0;
	default:
		if (check_px(L, in, L->l.price) < 0 ||
		    check_qty(L, in, L->l.qty) < 0)
			return -1;
		return 0;
	}
}

/* ---------------------------------------------------------------- */
/* Pass 2: the steps */

static int
to_px(struct loader *L, const struct sr_inst *in, struct fx v, int64_t *out)
{
	char s[FX_BUFSZ];
	fx_i128 m;

	/* Trimmed: a scale is only ever raised, and pass 1 made sure the
	 * trimmed one is at most px_dp. */
	if (fx_at_scale(fx_trim(v), in->px_dp, &m) < 0 || m > INT64_MAX) {
		*fx_format(v, s) = '\0';
		return refuse(L, "price '%s' is out of range (more than 64 "
		    "bits at %d decimals, the most a price of %s has)", s,
		    in->px_dp, in->symbol);
	}
	*out = (int64_t)m;
	return 0;
}

static int
to_qty(struct loader *L, struct fx v, int64_t *out)
{
	fx_i128 m;

	/* Pass 1 checked it. */
	if (fx_at_scale(fx_trim(v), SM_QTY_DP, &m) < 0 || m > INT64_MAX)
		return refuse(L, "quantity out of range");
	*out = (int64_t)m;
	return 0;
}

static struct sr_rec *
new_rec(struct loader *L, struct sr_inst *in, enum sr_kind kind)
{
	struct sr_rec *rec;

	if (fs_grow((void **)&in->rec, &in->caprec, in->nrec + 1, sizeof *in->rec) <
	    0)
		return NULL;
	rec = &in->rec[in->nrec++];
	memset(rec, 0, sizeof *rec);
	rec->kind = kind;
	rec->line = L->lineno;
	rec->lv = in->nlv;
	/* The trades and tickers that waited ride with this step. */
	rec->tr = in->ptr;
	rec->ntr = in->ntr - in->ptr;
	rec->tk = in->ptk;
	rec->ntk = in->ntk - in->ptk;
	in->ptr = in->ntr;
	in->ptk = in->ntk;
	return rec;
}

/* The pacing time of a step at `time` (0: none). */
static void
set_time(struct sr_inst *in, struct sr_rec *rec, int64_t time)
{
	rec->time = time;
	if (time)
		in->at = time;
	rec->at = in->at;
}

static int
add_levels(struct loader *L, struct sr_inst *in, const struct levels *lv,
    size_t *count)
{
	size_t i;

	for (i = 0; i < lv->n; i++) {
		struct sm_level *o;

		if (fs_grow((void **)&in->lv, &in->caplv, in->nlv + 1,
		    sizeof *in->lv) < 0)
			return nomem(L->r);
		o = &in->lv[in->nlv];
		if (to_px(L, in, lv->lv[i].px, &o->px) < 0 ||
		    to_qty(L, lv->lv[i].qty, &o->qty) < 0)
			return -1;
		in->nlv++;
	}
	*count = lv->n;
	return 0;
}

/* A step of the waiting trades and tickers alone, ids unchanged. */
static int
flush_extra(struct loader *L, struct sr_inst *in, int64_t time)
{
	struct sr_rec *rec;

	if (in->ptr == in->ntr && in->ptk == in->ntk)
		return 0;
	rec = new_rec(L, in, SR_EXTRA);
	if (!rec)
		return nomem(L->r);
	rec->first_id = in->first_id;
	rec->last_id = in->last_id;
	rec->prev_id = in->prev_id;
	rec->seq = in->seq;
	set_time(in, rec, time);
	return 0;
}

static int
store_book(struct loader *L, struct sr_inst *in)
{
	const struct line *l = &L->l;
	const struct event *ev = &l->ev;
	struct book_status st;
	struct sr_rec *rec;
	int snap = ev->type == EV_SNAPSHOT;
	const struct seq_rule *rule = venue_seq_rule(in->venue,
	    strlen(in->venue), in->market, strlen(in->market));

	if (snap) {
		in->fresh = 1;
	} else {
		switch (book_sequence(in->id, in->fresh,
		    rule ? rule : &seq_rule_default, ev, &st)) {
		case BOOK_STALE:
			L->r->n.stale++;
			return 0;
		case BOOK_BROKEN:
			if (!L->r->n.gaps++)
				L->r->n.gap_line = L->lineno;
			break;
		default:
			break;
		}
		in->fresh = 0;
	}
	in->id = ev->last_id;
	rec = new_rec(L, in, snap ? SR_SNAPSHOT : SR_DEPTH);
	if (!rec)
		return nomem(L->r);
	if (add_levels(L, in, &L->bids, &rec->nbid) < 0 ||
	    add_levels(L, in, &L->asks, &rec->nask) < 0)
		return -1;
	rec->first_id = snap ? (uint64_t)ev->last_id : (uint64_t)ev->first_id;
	rec->last_id = (uint64_t)ev->last_id;
	if (!snap && (ev->has & EV_HAS_PREV_ID))
		rec->prev_id = (uint64_t)ev->prev_id;
	else
		rec->prev_id = in->started ? in->last_id : rec->last_id;
	rec->seq = l->has_seq ? (uint64_t)l->seq : in->seq;
	set_time(in, rec, ev->has & EV_HAS_TIME ? ev->time : 0);
	in->first_id = rec->first_id;
	in->last_id = rec->last_id;
	in->prev_id = rec->prev_id;
	in->seq = rec->seq;
	in->started = 1;
	return 0;
}

static int
store_ticker(struct loader *L, struct sr_inst *in)
{
	const struct event *ev = &L->l.ev;
	struct sr_ticker *t;

	if (fs_grow((void **)&in->tk, &in->captk, in->ntk + 1, sizeof *in->tk) < 0)
		return nomem(L->r);
	t = &in->tk[in->ntk];
	if (to_px(L, in, ev->bid, &t->bid) < 0 ||
	    to_px(L, in, ev->ask, &t->ask) < 0 ||
	    to_qty(L, ev->bid_qty, &t->bid_qty) < 0 ||
	    to_qty(L, ev->ask_qty, &t->ask_qty) < 0)
		return -1;
	t->has_last_id = (ev->has & EV_HAS_LAST_ID) != 0;
	t->last_id = t->has_last_id ? (uint64_t)ev->last_id : 0;
	t->time = ev->has & EV_HAS_TIME ? ev->time : 0;
	in->ntk++;
	return 0;
}

static int
store_trade(struct loader *L, struct sr_inst *in)
{
	const struct line *l = &L->l;
	struct sm_trade *t;
	int64_t time = l->ev.has & EV_HAS_TIME ? l->ev.time : 0;

	if (in->ntr - in->ptr == SM_TRADES_MAX &&
	    flush_extra(L, in, in->tr[in->ntr - 1].time) < 0)
		return -1;
	if (fs_grow((void **)&in->tr, &in->captr, in->ntr + 1, sizeof *in->tr) < 0)
		return nomem(L->r);
	t = &in->tr[in->ntr];
	memset(t, 0, sizeof *t);
	if (to_px(L, in, l->price, &t->px) < 0 ||
	    to_qty(L, l->qty, &t->qty) < 0)
		return -1;
	t->id = l->id;
	memcpy(t->id_text, l->id_text, sizeof t->id_text);
	t->taker_buy = l->taker_buy;
	t->time = time;
	in->ntr++;
	return 0;
}

/* ---------------------------------------------------------------- */
/* The passes */

static struct sr_inst *
find_inst(struct loader *L, int create)
{
	struct simreplay *r = L->r;
	const struct line *l = &L->l;
	char key[192];
	size_t n = keymap_key3(key, sizeof key, l->venue, strlen(l->venue),
	    l->market, strlen(l->market), l->symbol, strlen(l->symbol));
	struct sr_inst *in, **p;

	in = keymap_get(&r->map, key, n);
	if (in || !create)
		return in;
	p = realloc(r->inst, (r->ninst + 1) * sizeof *p);
	if (!p)
		return NULL;
	r->inst = p;
	in = calloc(1, sizeof *in);
	if (!in)
		return NULL;
	memcpy(in->venue, l->venue, sizeof in->venue);
	memcpy(in->market, l->market, sizeof in->market);
	memcpy(in->symbol, l->symbol, sizeof in->symbol);
	if (keymap_put(&r->map, key, n, in) < 0) {
		free(in);
		return NULL;
	}
	r->inst[r->ninst++] = in;
	return in;
}

/* One line of either pass; 0, or -1 to stop (r->why). */
static int
do_line(struct loader *L, const char *p, size_t n)
{
	struct sr_counts *c = &L->r->n;
	enum ev_type t;
	struct sr_inst *in;
	int book;

	if (parse_line(L, p, n) < 0)
		goto bad;
	t = L->l.ev.type;
	if (t == EV_OTHER) {
		c->other++;
		return 0;
	}
	if (!L->l.named || !L->want(L->ctx, L->l.venue, L->l.market,
	    L->l.symbol)) {
		c->unserved++;
		return 0;
	}
	book = t == EV_SNAPSHOT || t == EV_DEPTH;
	in = find_inst(L, book && L->pass == 1);
	if (!in) {
		if (book && L->pass == 1)
			return nomem(L->r);
		c->unserved++;
		return 0;
	}
	if (L->pass == 1 && t == EV_DEPTH && !in->has_snapshot)
		in->has_snapshot = -1;	/* seen, no snapshot yet */
	if (t != EV_SNAPSHOT && (L->pass == 1 ? in->has_snapshot != 1 :
	    !in->started)) {
		c->early++;
		return 0;
	}
	if (book && decode_levels(L) < 0)
		goto bad;
	if (L->pass == 1) {
		in->has_snapshot = 1;
		return scan_values(L, in);
	}
	switch (t) {
	case EV_TICKER:
		c->tickers++;
		return store_ticker(L, in);
	case EV_TRADE:
		c->trades++;
		return store_trade(L, in);
	default:
		return store_book(L, in);
	}
bad:
	c->bad++;
	if (L->pass == 1 && L->bad)
		L->bad(L->ctx, L->lineno, L->why);
	return 0;
}

static int
run_pass(struct loader *L, const char *path)
{
	struct simreplay *r = L->r;
	struct in in;
	struct stat sb;
	const char *p;
	size_t n;
	int k, ret = -1;

	if (in_open(&in, path, 0) < 0) {
		snprintf(r->why, sizeof r->why, "%s", strerror(errno));
		return -1;
	}
	if (fstat(in.fd, &sb) < 0) {
		snprintf(r->why, sizeof r->why, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(r->why, sizeof r->why,
		    "not a regular file (it is read twice)");
		errno = EINVAL;
		goto out;
	}
	memset(&r->n, 0, sizeof r->n);
	L->lineno = 0;
	for (;;) {
		errno = 0;
		k = in_next(&in, &p, &n);
		if (k == IN_EOF)
			break;
		if (k == IN_ERROR) {
			if (errno == EINTR)
				continue;
			snprintf(r->why, sizeof r->why, "%s", strerror(errno));
			goto out;
		}
		L->lineno = in.lineno;
		r->n.lines++;
		if (k == IN_TOOLONG) {
			r->n.bad++;
			if (L->pass == 1 && L->bad)
				L->bad(L->ctx, L->lineno, "line too long");
			continue;
		}
		if (do_line(L, p, n) < 0)
			goto out;
	}
	ret = 0;
out:
	in_close(&in);
	return ret;
}

int
simreplay_load(struct simreplay *r, const char *path, sr_want_fn *want,
    sr_bad_fn *bad, void *ctx)
{
	struct loader *L = calloc(1, sizeof *L);
	size_t i;
	int ret = -1;

	memset(r, 0, sizeof *r);
	keymap_init(&r->map);
	if (!L)
		return nomem(r);
	L->r = r;
	L->want = want;
	L->bad = bad;
	L->ctx = ctx;
	L->pass = 1;
	if (run_pass(L, path) < 0)
		goto out;
	for (i = 0; i < r->ninst; i++) {
		r->inst[i]->px_dp = r->inst[i]->px_scale;
		r->inst[i]->qty_dp = r->inst[i]->qty_scale;
		if (r->inst[i]->has_snapshot < 0)
			r->inst[i]->has_snapshot = 0;
	}
	L->pass = 2;
	if (run_pass(L, path) < 0)
		goto out;
	for (i = 0; i < r->ninst; i++) {
		struct sr_inst *in = r->inst[i];

		if (flush_extra(L, in, in->ntr > in->ptr ?
		    in->tr[in->ntr - 1].time : 0) < 0)
			goto out;
		if (in->nrec)
			r->n.steps += in->nrec - 1;
	}
	ret = 0;
out:
	levels_free(&L->bids);
	levels_free(&L->asks);
	free(L);
	return ret;
}

void
simreplay_step(const struct sr_inst *in, size_t i, struct sr_step *st)
{
	const struct sr_rec *rec = &in->rec[i];

	memset(st, 0, sizeof *st);
	st->kind = rec->kind;
	st->at = rec->at;
	st->line = rec->line;
	st->sm.snapshot = rec->kind == SR_SNAPSHOT;
	st->sm.first_id = rec->first_id;
	st->sm.last_id = rec->last_id;
	st->sm.prev_id = rec->prev_id;
	st->sm.seq = rec->seq;
	st->sm.time = rec->time;
	/* No arithmetic on a pool that was never allocated. */
	if (rec->nbid + rec->nask) {
		st->sm.bid = in->lv + rec->lv;
		st->sm.ask = in->lv + rec->lv + rec->nbid;
	}
	st->sm.nbid = rec->nbid;
	st->sm.nask = rec->nask;
	if (rec->ntr)
		st->sm.trades = in->tr + rec->tr;
	st->sm.ntrades = rec->ntr;
	if (rec->ntk)
		st->tickers = in->tk + rec->tk;
	st->ntickers = rec->ntk;
}

void
simreplay_free(struct simreplay *r)
{
	size_t i;

	for (i = 0; i < r->ninst; i++) {
		struct sr_inst *in = r->inst[i];

		free(in->rec);
		free(in->lv);
		free(in->tr);
		free(in->tk);
		free(in);
	}
	free(r->inst);
	r->inst = NULL;
	r->ninst = 0;
	keymap_free(&r->map);
}
