/*
 * strat: the loop, markets, legs and intents the example strategies
 * share (strat.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/instrument.h"
#include "io/sig.h"
#include "prog/err.h"
#include "store/state.h"
#include "strat.h"

static const struct fx FX_ONE = { 1, 0 };

void
strat_init(struct strat *s, const char *name)
{
	memset(s, 0, sizeof *s);
	run_opts_init(&s->ro);
	snprintf(s->prefix, sizeof s->prefix, "%s", name);
	s->taker_fee = (struct fx){ 1, 3 };
	s->leg_timeout = 30000;
}

struct fx
strat_decimal(const char *arg, const char *opt)
{
	struct fx v;

	if (fx_parse(arg, strlen(arg), &v) != FX_OK || v.m < 0)
		die_usage("bad %s '%s': want a decimal number, 0 or more",
		    opt, arg);
	return v;
}

struct fx
strat_bps(const char *arg, const char *opt)
{
	struct fx v = strat_decimal(arg, opt);

	if (v.s + 4 > FX_MAX_SCALE)
		die_usage("bad %s '%s': too many decimals", opt, arg);
	v.s += 4;
	return v;
}

static int
parse_count(const char *arg, const char *opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > 1000000000)
		die_usage("bad %s '%s': want a count", opt, arg);
	return (int)v;
}

static int
find_market(const struct strat *s, const char *venue, const char *market,
    const char *symbol)
{
	int i;

	for (i = 0; i < s->nmkt; i++)
		if (strcmp(s->mkt[i].venue, venue) == 0 &&
		    strcmp(s->mkt[i].market, market) == 0 &&
		    (!symbol || strcmp(s->mkt[i].symbol, symbol) == 0))
			return i;
	return -1;
}

/* --fee VENUE:MARKET=RATE: that market's taker fee. */
static void
set_fee(struct strat *s, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char venue[TEV_NAME], market[TEV_NAME];
	const char *colon = strchr(arg, ':');
	struct fx rate;
	int i, hit = 0;

	if (!eq || !colon || colon > eq || colon - arg >= TEV_NAME ||
	    eq - colon - 1 >= TEV_NAME || eq == colon + 1)
		die_usage("bad --fee '%s': want VENUE:MARKET=RATE", arg);
	rate = strat_decimal(eq + 1, "--fee");
	snprintf(venue, sizeof venue, "%.*s", (int)(colon - arg), arg);
	snprintf(market, sizeof market, "%.*s", (int)(eq - colon - 1),
	    colon + 1);
	for (i = 0; i < s->nmkt; i++)
		if (strcmp(s->mkt[i].venue, venue) == 0 &&
		    strcmp(s->mkt[i].market, market) == 0) {
			s->mkt[i].fee = rate;
			hit = 1;
		}
	if (!hit)
		die_usage("--fee '%s': no such market among the operands",
		    arg);
}

void
strat_option(struct strat *s, int c, char **argv, void (*usage)(void))
{
	switch (c) {
	case STRAT_OPT_FEEDBACK:
		s->feedback = optarg;
		break;
	case STRAT_OPT_LOCKSTEP:
		s->lockstep = 1;
		break;
	case STRAT_OPT_RUN_ID:
		if (!*optarg || strlen(optarg) >= sizeof s->prefix ||
		    strspn(optarg, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(optarg))
			die_usage("bad --run-id '%s': want 1 to %zu letters, "
			    "digits or _", optarg, sizeof s->prefix - 1);
		snprintf(s->prefix, sizeof s->prefix, "%s", optarg);
		break;
	case STRAT_OPT_TAKER_FEE:
		s->taker_fee = strat_decimal(optarg, "--taker-fee");
		break;
	case STRAT_OPT_FEE:
		/* Applied in strat_markets(), once the markets are known. */
		break;
	case STRAT_OPT_MIN_EDGE:
		s->min_edge = strat_bps(optarg, "--min-edge");
		break;
	case STRAT_OPT_SLIPPAGE:
		s->slippage = strat_bps(optarg, "--slippage");
		break;
	case STRAT_OPT_MAX_QTY:
		s->max_qty = strat_decimal(optarg, "--max-qty");
		break;
	case STRAT_OPT_TICK:
		s->tick = strat_decimal(optarg, "--tick");
		break;
	case STRAT_OPT_STEP:
		s->step = strat_decimal(optarg, "--step");
		break;
	case STRAT_OPT_MAX_TRADES:
		s->max_trades = parse_count(optarg, "--max-trades");
		break;
	case STRAT_OPT_STATE:
		if (s->nstate == STRAT_MAX_STATE)
			die_usage("--state: %d stores at most",
			    STRAT_MAX_STATE);
		s->state[s->nstate++] = optarg;
		break;
	case STRAT_OPT_LEG_TIMEOUT:
		s->leg_timeout = run_duration_above0(optarg, "--leg-timeout");
		break;
	default:
		run_option(c, argv, &s->ro, usage);
	}
}

static void
parse_target(struct strat_mkt *m, const char *arg)
{
	const char *c1 = strchr(arg, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	if (!c1 || !c2 || c1 == arg || c2 == c1 + 1 || !c2[1] ||
	    strchr(c2 + 1, ':') || c1 - arg >= TEV_NAME ||
	    c2 - c1 - 1 >= TEV_NAME || strlen(c2 + 1) >= TEV_SYMBOL)
		die_usage("bad market '%s': want VENUE:MARKET:SYMBOL", arg);
	snprintf(m->venue, sizeof m->venue, "%.*s", (int)(c1 - arg), arg);
	snprintf(m->market, sizeof m->market, "%.*s", (int)(c2 - c1 - 1),
	    c1 + 1);
	snprintf(m->symbol, sizeof m->symbol, "%s", c2 + 1);
}

void
strat_markets(struct strat *s, int argc, char **argv, int n)
{
	int i, c;

	if (argc - optind != n)
		die_usage("want %d markets VENUE:MARKET:SYMBOL, not %d", n,
		    argc - optind);
	for (i = 0; i < n; i++) {
		parse_target(&s->mkt[i], argv[optind + i]);
		s->mkt[i].fee = s->taker_fee;
		if (find_market(s, s->mkt[i].venue, s->mkt[i].market,
		    s->mkt[i].symbol) >= 0)
			die_usage("market '%s' given twice", argv[optind + i]);
		s->nmkt = i + 1;
	}
	/* Second pass over the options: --fee needs the markets. */
	for (c = 1; c < optind; c++)
		if (strcmp(argv[c], "--fee") == 0 && c + 1 < optind)
			set_fee(s, argv[++c]);
		else if (strncmp(argv[c], "--fee=", 6) == 0)
			set_fee(s, argv[c] + 6);
	if (s->lockstep && (!s->feedback || !s->ro.pass))
		die_usage("--lockstep needs --feedback, and no --no-pass");
}

/* Arithmetic on prices and sizes: exact, and far from overflowing. */
struct fx
strat_mul(struct fx a, struct fx b)
{
	struct fx r;

	if (fx_mul_round(a, b, FX_MAX_SCALE < 24 ? FX_MAX_SCALE : 24,
	    FX_ROUND_DOWN, &r) < 0)
		die("decimal overflow");
	return fx_trim(r);
}

struct fx
strat_min(struct fx a, struct fx b)
{
	return fx_cmp(a, b) <= 0 ? a : b;
}

struct fx
strat_less_fee(struct fx a, struct fx fee)
{
	struct fx k;

	if (fx_sub(FX_ONE, fee, &k) < 0)
		die("decimal overflow");
	return strat_mul(a, k);
}

struct fx
strat_plus_fee(struct fx a, struct fx fee)
{
	struct fx k;

	if (fx_add(FX_ONE, fee, &k) < 0)
		die("decimal overflow");
	return strat_mul(a, k);
}

struct fx
strat_floor_step(const struct strat *s, int m, struct fx qty)
{
	struct fx step = s->mkt[m].step.m ? s->mkt[m].step : s->step;
	fx_i128 qm, sm;
	int sc;
	struct fx r;

	if (!step.m)
		return qty;
	sc = qty.s > step.s ? qty.s : step.s;
	if (fx_at_scale(qty, sc, &qm) < 0 || fx_at_scale(step, sc, &sm) < 0)
		die("decimal overflow");
	r.m = qm / sm * sm;
	r.s = sc;
	return fx_trim(r);
}

struct fx
strat_ceil_step(const struct strat *s, int m, struct fx qty)
{
	struct fx step = s->mkt[m].step.m ? s->mkt[m].step : s->step;
	struct fx f = strat_floor_step(s, m, qty);

	if (!step.m || fx_cmp(f, qty) == 0)
		return f;
	if (fx_add(f, step, &f) < 0)
		die("decimal overflow");
	return fx_trim(f);
}

int
strat_meets_min(const struct strat *s, int m, struct fx qty,
    struct fx price)
{
	const struct strat_mkt *k = &s->mkt[m];

	if (qty.m <= 0)
		return 0;
	if (k->min_qty.m && fx_cmp(qty, k->min_qty) < 0)
		return 0;
	if (k->min_notional.m &&
	    fx_cmp(strat_mul(qty, price), k->min_notional) < 0)
		return 0;
	return 1;
}

int
strat_fresh(const struct strat *s)
{
	int i;

	for (i = 0; i < s->nmkt; i++)
		if (!s->mkt[i].has_top || s->mkt[i].time <= s->last_entry)
			return 0;
	return 1;
}

int
strat_open_legs(const struct strat *s, int tag)
{
	int i, n = 0;

	for (i = 0; i < s->nleg; i++)
		if (tag < 0 || s->leg[i].tag == tag)
			n++;
	return n;
}

/* The next id: PREFIX-TIME-N, deterministic from the input. */
static void
next_id(struct strat *s, char *dst, size_t cap)
{
	if (s->now != s->id_time) {
		s->id_time = s->now;
		s->id_seq = 0;
	}
	snprintf(dst, cap, "%s-%lld-%d", s->prefix, (long long)s->now,
	    ++s->id_seq);
}

static void
render_head(struct strat *s, const char *type, const char *id,
    const struct strat_mkt *k)
{
	struct buf *b = &s->r.ob;

	buf_adds(b, "{\"type\":");
	buf_add_jstr(b, type, strlen(type));
	buf_adds(b, ",\"id\":");
	buf_add_jstr(b, id, strlen(id));
	buf_adds(b, ",\"venue\":");
	buf_add_jstr(b, k->venue, strlen(k->venue));
	buf_adds(b, ",\"market\":");
	buf_add_jstr(b, k->market, strlen(k->market));
	buf_adds(b, ",\"symbol\":");
	buf_add_jstr(b, k->symbol, strlen(k->symbol));
	if (s->now)
		event_render_int(b, "time", s->now);
}

/*
 * An IOC leg's limit: --slippage past the touched price, so that a top
 * level that moved or thinned while the intent travelled still fills;
 * kept on the tick grid (or the price's own decimals), rounded back
 * toward the touch.
 */
static struct fx
slipped(const struct strat *s, int m, int buy, struct fx px)
{
	struct fx tick = s->mkt[m].tick.m ? s->mkt[m].tick : s->tick;
	struct fx far, r;
	fx_i128 fm, tm;
	int sc;

	if (!s->slippage.m)
		return px;
	far = buy ? strat_plus_fee(px, s->slippage) :
	    strat_less_fee(px, s->slippage);
	if (!tick.m) {
		tick.m = 1;
		tick.s = px.s;
	}
	sc = far.s > tick.s ? far.s : tick.s;
	if (fx_at_scale(far, sc, &fm) < 0 || fx_at_scale(tick, sc, &tm) < 0)
		die("decimal overflow");
	r.m = fm / tm * tm;
	if (!buy && r.m < fm)
		r.m += tm;
	r.s = sc;
	return fx_trim(r);
}

struct strat_leg *
strat_intent(struct strat *s, int m, int buy, struct fx qty,
    const struct fx *price, const char *tif)
{
	char id[STRAT_ID];

	if (s->nleg == STRAT_MAX_LEGS)
		return NULL;
	next_id(s, id, sizeof id);
	return strat_intent_id(s, id, m, buy, qty, price, tif);
}

void
strat_child_id(struct strat_leg *parent, char *dst, size_t cap)
{
	snprintf(dst, cap, "%s-h%d", parent->id, ++parent->children);
}

struct strat_leg *
strat_intent_id(struct strat *s, const char *id, int m, int buy,
    struct fx qty, const struct fx *price, const char *tif)
{
	struct strat_leg *leg;
	struct buf *b = &s->r.ob;

	if (s->nleg == STRAT_MAX_LEGS)
		return NULL;
	leg = &s->leg[s->nleg++];
	memset(leg, 0, sizeof *leg);
	snprintf(leg->id, sizeof leg->id, "%s", id);
	leg->mkt = m;
	leg->buy = buy;
	leg->qty = qty;
	leg->sent = s->now;
	s->last_entry = s->now;
	tif = tif ? tif : "IOC";
	leg->post_only = strcmp(tif, "post_only") == 0;
	if (price)
		leg->price = strcmp(tif, "IOC") ? *price :
		    slipped(s, m, buy, *price);
	render_head(s, "intent", leg->id, &s->mkt[m]);
	buf_adds(b, buy ? ",\"side\":\"buy\"" : ",\"side\":\"sell\"");
	buf_adds(b, price ? ",\"kind\":\"limit\"" : ",\"kind\":\"market\"");
	buf_adds(b, ",\"qty\":");
	buf_add_fx(b, qty);
	if (price) {
		buf_adds(b, ",\"price\":");
		buf_add_fx(b, leg->price);
	}
	buf_adds(b, ",\"tif\":");
	buf_add_jstr(b, tif, strlen(tif));
	buf_adds(b, "}\n");
	return leg;
}

void
strat_cancel(struct strat *s, struct strat_leg *leg)
{
	char id[STRAT_ID + 2];

	/* The cancel's id is its target's, marked: one cancel a leg. */
	snprintf(id, sizeof id, "%s-x", leg->id);
	render_head(s, "cancel", id, &s->mkt[leg->mkt]);
	buf_adds(&s->r.ob, ",\"target\":");
	buf_add_jstr(&s->r.ob, leg->id, strlen(leg->id));
	buf_adds(&s->r.ob, "}\n");
	leg->cancel_sent = 1;
}

void
strat_flush(struct strat *s)
{
	run_flush_events(&s->r);
}

/* Drop leg i after its hook: later legs keep their order. */
static void
finish_leg(struct strat *s, int i)
{
	char id[STRAT_ID];

	snprintf(id, sizeof id, "%s", s->leg[i].id);
	if (s->h->on_final)
		s->h->on_final(s, &s->leg[i]);
	/* The hook may have added legs: find it again. */
	for (i = 0; i < s->nleg; i++)
		if (strcmp(s->leg[i].id, id) == 0)
			break;
	if (i == s->nleg)
		return;
	memmove(&s->leg[i], &s->leg[i + 1],
	    (size_t)(s->nleg - i - 1) * sizeof s->leg[0]);
	s->nleg--;
}

static int
leg_by_id(const struct strat *s, const struct json_span *id)
{
	int i;

	if (!id || id->type != JSON_STRING)
		return -1;
	for (i = 0; i < s->nleg; i++)
		if (json_str_is(id, s->leg[i].id))
			return i;
	return -1;
}

static int
is_final_status(const struct json_span *st)
{
	return st && (json_str_is(st, "filled") ||
	    json_str_is(st, "canceled") || json_str_is(st, "rejected") ||
	    json_str_is(st, "expired"));
}

static void
take_fill(struct strat *s, const struct event *ev, int i, long lineno)
{
	const struct json_span *tid = json_get(&ev->obj, "trade_id");
	char trade_id[STATE_ID_SZ];
	struct fx price, qty;

	/* Counted already, from a store at start. */
	if (s->nseen && tid && tid->type == JSON_STRING &&
	    json_str_copy(tid, trade_id, sizeof trade_id) >= 0 &&
	    strat_fill_seen(s, s->leg[i].id, trade_id))
		return;
	if (event_decimal(json_get(&ev->obj, "price"), &price) != FX_OK ||
	    event_decimal(json_get(&ev->obj, "qty"), &qty) != FX_OK) {
		err_line(lineno, "fill: bad 'price' or 'qty'");
		return;
	}
	if (fx_add(s->leg[i].filled, qty, &s->leg[i].filled) < 0)
		die("decimal overflow");
	if (s->h->on_fill)
		s->h->on_fill(s, &s->leg[i], price, qty);
}

/*
 * order, fill and reject events of our legs, from the input or the
 * feedback: 1 when the line was one of them.
 */
static int
take_trading(struct strat *s, const struct event *ev, long lineno)
{
	int i;

	if (ev->type != EV_OTHER)
		return 0;
	if (tevent_is(ev, "fill")) {
		i = leg_by_id(s, json_get(&ev->obj, "id"));
		if (i >= 0)
			take_fill(s, ev, i, lineno);
		return 1;
	}
	if (tevent_is(ev, "order")) {
		i = leg_by_id(s, json_get(&ev->obj, "id"));
		if (i >= 0 && is_final_status(json_get(&ev->obj, "status")))
			finish_leg(s, i);
		return 1;
	}
	if (tevent_is(ev, "reject")) {
		i = leg_by_id(s, json_get(&ev->obj, "id"));
		if (i >= 0)
			finish_leg(s, i);
		return 1;
	}
	return 0;
}

static void
take_instrument(struct strat *s, const struct event *ev, long lineno)
{
	struct instrument in;
	char why[256];
	int m;

	if (instrument_read(ev, &in, why, sizeof why) < 0) {
		err_line(lineno, "instrument: %s", why);
		return;
	}
	m = find_market(s, in.venue, in.market, in.symbol);
	if (m < 0)
		return;
	s->mkt[m].tick = (in.has & INSTR_TICK) ? in.tick : (struct fx){ 0, 0 };
	s->mkt[m].step = (in.has & INSTR_STEP) ? in.step : (struct fx){ 0, 0 };
	s->mkt[m].min_qty = (in.has & INSTR_MIN_QTY) ? in.min_qty :
	    (struct fx){ 0, 0 };
	s->mkt[m].min_notional = (in.has & INSTR_MIN_NOTIONAL) ?
	    in.min_notional : (struct fx){ 0, 0 };
}

static int
market_of(const struct strat *s, const struct event *ev)
{
	char v[TEV_NAME], m[TEV_NAME], sym[TEV_SYMBOL];
	const struct json_span *jv = json_get(&ev->obj, "venue");
	const struct json_span *jm = json_get(&ev->obj, "market");
	const struct json_span *js = json_get(&ev->obj, "symbol");

	if (!jv || !jm || !js || jv->type != JSON_STRING ||
	    jm->type != JSON_STRING || js->type != JSON_STRING ||
	    json_str_copy(jv, v, sizeof v) < 0 ||
	    json_str_copy(jm, m, sizeof m) < 0 ||
	    json_str_copy(js, sym, sizeof sym) < 0)
		return -1;
	return find_market(s, v, m, sym);
}

/* A book of ours: its top; 1 when it changed. */
static int
take_book(struct strat *s, struct event *ev, struct levels *lv, long lineno)
{
	struct strat_mkt *k;
	struct fx bid = { 0, 0 }, bq = { 0, 0 };
	char why[256];
	int m;

	if (event_fields(ev, why, sizeof why) < 0 ||
	    event_levels(ev->bids, lv, "bids", why, sizeof why) < 0) {
		err_line(lineno, "%s", why);
		return 0;
	}
	if (lv->n) {
		bid = lv->lv[0].px;
		bq = lv->lv[0].qty;
	}
	if (event_levels(ev->asks, lv, "asks", why, sizeof why) < 0) {
		err_line(lineno, "%s", why);
		return 0;
	}
	m = market_of(s, ev);
	if (ev->has & EV_HAS_TIME && ev->time > s->now)
		s->now = ev->time;
	if (m < 0)
		return 0;
	k = &s->mkt[m];
	k->has_top = bq.m > 0 && lv->n > 0;
	if (!k->has_top)
		return 0;
	k->bid = bid;
	k->bid_qty = bq;
	k->ask = lv->lv[0].px;
	k->ask_qty = lv->lv[0].qty;
	k->time = (ev->has & EV_HAS_TIME) ? ev->time : s->now;
	return 1;
}

/* A status `invalid` of one of our books: its top is unknown. */
static void
take_status(struct strat *s, const struct event *ev)
{
	const struct json_span *st = json_get(&ev->obj, "state");
	int m;

	if (!st || !json_str_is(st, "invalid"))
		return;
	m = market_of(s, ev);
	if (m >= 0)
		s->mkt[m].has_top = 0;
}

/* Legs with no news for --leg-timeout of event time are given up. */
static void
expire_legs(struct strat *s)
{
	int i;

	for (i = 0; i < s->nleg; i++) {
		/* A recovered leg's clock starts now. */
		if (!s->leg[i].sent)
			s->leg[i].sent = s->now;
		if (s->now - s->leg[i].sent > s->leg_timeout) {
			if (s->feedback)
				warn("leg '%s': no final state after %lld ms: "
				    "given up", s->leg[i].id,
				    (long long)s->leg_timeout);
			finish_leg(s, i);
			i = -1;		/* the array moved: start again */
		}
	}
}

static void
take_feedback_line(struct strat *s, const char *line, size_t len)
{
	struct event ev;
	char why[256];

	if (event_parse(line, len, &ev, why, sizeof why) < 0) {
		err_line(s->fb.lineno, "feedback: %s", why);
		return;
	}
	(void)take_trading(s, &ev, s->fb.lineno);
}

/* Read what the feedback holds, without waiting; until `until` (if not
 * NULL) came back whole (lockstep), waiting for it. */
static void
read_feedback(struct strat *s, const char *until, size_t ulen)
{
	const char *line;
	size_t len;
	int r;

	while (s->has_fb) {
		r = until ? in_next(&s->fb, &line, &len) :
		    in_next_nowait(&s->fb, &line, &len);
		if (r == IN_AGAIN)
			return;
		if (r == IN_EOF) {
			s->has_fb = 0;
			if (until)
				die("feedback ended before line %ld came "
				    "back", s->r.in.lineno);
			return;
		}
		if (r == IN_TOOLONG)
			continue;
		if (r == IN_ERROR) {
			if (errno == EINTR && !sig_stop_requested())
				continue;
			if (errno == EINTR)
				return;
			die_errno("feedback: read error");
		}
		if (until && len == ulen && memcmp(line, until, len) == 0)
			return;
		take_feedback_line(s, line, len);
	}
}

/*
 * The feedback: a FIFO is opened for reading and writing, so that its
 * open does not wait for the writer and it never reads as ended while
 * the writer comes and goes; anything else as an input spec.
 */
static void
open_feedback(struct strat *s)
{
	struct stat st;
	int fd;

	if (!s->feedback)
		return;
	if (stat(s->feedback, &st) == 0 && S_ISFIFO(st.st_mode)) {
		fd = open(s->feedback, O_RDWR | O_CLOEXEC);
		if (fd < 0 || in_fdopen(&s->fb, fd, 1, 0) < 0)
			die_errno("cannot open feedback '%s'", s->feedback);
	} else if (in_open(&s->fb, s->feedback, 0) < 0) {
		die_errno("cannot open feedback '%s'", s->feedback);
	}
	s->has_fb = 1;
}

static void
take_line(struct strat *s, const char *line, size_t len, struct levels *lv)
{
	struct event ev;
	char why[256];
	long lineno = run_lineno(&s->r);
	int m;

	if (event_parse_for(line, len, &ev, EV_BIT(EV_BOOK), why,
	    sizeof why) < 0) {
		err_line(lineno, "%s", why);
		return;
	}
	/* Everything passes: the exec downstream fills against the
	 * books, the journal keeps them. */
	run_pass(&s->r, line, len);
	if (s->lockstep && s->nleg) {
		run_idle(&s->r);
		read_feedback(s, line, len);
	}
	if (ev.type == EV_BOOK) {
		m = -1;
		if (take_book(s, &ev, lv, lineno))
			m = market_of(s, &ev);
		expire_legs(s);
		if (m >= 0 && s->h->on_book)
			s->h->on_book(s, m);
	} else if (ev.type == EV_STATUS) {
		take_status(s, &ev);
	} else if (ev.type == EV_OTHER && tevent_is(&ev, "instrument")) {
		take_instrument(s, &ev, lineno);
	} else if (!s->feedback) {
		(void)take_trading(s, &ev, lineno);
	}
	strat_flush(s);
}

static int
collect(struct metrics *ms, void *ctx)
{
	const struct strat *s = ctx;

	return metrics_set(ms, METRIC_COUNTER, "mkt_strat_entries_total",
	    "Entries made (--max-trades counts these).", NULL, NULL,
	    (double)s->trades);
}

void
strat_run(struct strat *s, const struct strat_hooks *h, void *ctx)
{
	struct levels lv = { 0 };
	const char *line;
	size_t len;

	s->h = h;
	s->ctx = ctx;
	run_open(&s->r, s->ro.input, s->ro.output, s->ro.pass);
	metrics_run_start(&s->mr, err_progname(), &s->ro.mo, &s->r, collect,
	    s);
	open_feedback(s);
	strat_recover(s);
	strat_flush(s);
	while (run_next(&s->r, &line, &len)) {
		/* Drained at every line, so that the FIFO never fills and
		 * stalls the pipeline that writes it. */
		if (s->has_fb)
			read_feedback(s, NULL, 0);
		take_line(s, line, len, &lv);
	}
	metrics_run_end(&s->mr);
	levels_free(&lv);
	while (s->nseen)
		free(s->seen[--s->nseen]);
	free(s->seen);
	if (s->has_fb || s->feedback)
		in_close(&s->fb);
	run_close(&s->r);
}

int
strat_main(int argc, char **argv, const char *progname, int n,
    const struct strat_hooks *h, void (*usage)(void))
{
	static const struct option longopts[] = {
		STRAT_LONGOPTS,
		RUN_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *name = strrchr(progname, '-');
	struct strat st;
	int c;

	err_init(progname);
	strat_init(&st, name ? name + 1 : progname);
	while ((c = getopt_long(argc, argv, RUN_SHORTOPTS, longopts,
	    NULL)) != -1)
		strat_option(&st, c, argv, usage);
	strat_markets(&st, argc, argv, n);
	strat_run(&st, h, NULL);
	return 0;
}
