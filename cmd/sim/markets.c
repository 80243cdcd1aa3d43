/*
 * markets.c: the instruments mkt-sim serves, one simmarket per market
 * and symbol, generated or loaded from a --replay file.
 */


#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "prog/err.h"

#include "sim.h"

const struct mk_info mk_info[MK_COUNT] = {
	{ "binance:spot", "binance", "spot" },
	{ "binance:futures", "binance", "futures" },
	{ "bybit:linear", "bybit", "linear" },
	{ "bybit:spot", "bybit", "spot" },
	{ "polymarket:clob", "polymarket", "clob" },
};

/* ---------------------------------------------------------------- */
/* Markets */

int
is_binance(enum mk mk)
{
	return mk == MK_BN_SPOT || mk == MK_BN_FUT;
}

/* The market of a venue and market name, or -1. */
static int
mk_of(const char *venue, const char *market)
{
	int mk;

	for (mk = 0; mk < MK_COUNT; mk++)
		if (strcmp(mk_info[mk].venue, venue) == 0 &&
		    strcmp(mk_info[mk].market, market) == 0)
			return mk;
	return -1;
}

/* --replay: is (venue, market, symbol) served?  Its market, in
 * --markets, its symbol upper case letters and digits (as the venues
 * write them), and in --symbols when that was given. */
static int
replay_want(void *ctx, const char *venue, const char *market,
    const char *symbol)
{
	const struct opts *o = ctx;
	int mk = mk_of(venue, market);
	const char *p;
	size_t i;
	/* Polymarket's symbols are token ids, chosen by --tokens. */
	int pm = mk == MK_PM_CLOB;
	char *const *syms = pm ? o->tokens : o->symbols;
	size_t nsyms = pm ? o->ntok : o->nsym;

	if (mk < 0 || !(o->markets & (1u << mk)) ||
	    strlen(symbol) > (pm ? 78 : 20))
		return 0;
	for (p = symbol; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return 0;
	if (!(pm ? o->tokens_given : o->symbols_given))
		return 1;
	for (i = 0; i < nsyms; i++)
		if (strcmp(syms[i], symbol) == 0)
			return 1;
	return 0;
}

static void
replay_bad(void *ctx, long line, const char *why)
{
	(void)ctx;
	err_line(line, "%s", why);
}

static void
replay_summary(const struct sim *s)
{
	const struct sr_counts *n = &s->rp.n;

	warn("replay '%s': %llu lines, %zu instruments, %llu updates, "
	    "%llu trades, %llu tickers; skipped: %llu bad lines, %llu of "
	    "other types, %llu of other markets or symbols, %llu before a "
	    "snapshot, %llu stale depth events", s->o->replay,
	    (unsigned long long)n->lines, s->ninst,
	    (unsigned long long)n->steps, (unsigned long long)n->trades,
	    (unsigned long long)n->tickers, (unsigned long long)n->bad,
	    (unsigned long long)n->other, (unsigned long long)n->unserved,
	    (unsigned long long)n->early, (unsigned long long)n->stale);
}

/* The file time the replay starts from: its earliest step time. */
static int64_t
replay_t0(const struct sim *s)
{
	int64_t t0 = 0;
	size_t i, j;

	for (i = 0; i < s->ninst; i++) {
		const struct sr_inst *r = s->inst[i].rp;

		for (j = 0; j < r->nrec; j++)
			if (r->rec[j].at && (!t0 || r->rec[j].at < t0))
				t0 = r->rec[j].at;
	}
	return t0;
}

/* --replay: one instrument per (venue, market, symbol) of the file with
 * a snapshot, its book that snapshot. */
static void
sim_replay_markets(struct sim *s)
{
	const struct opts *o = s->o;
	struct simreplay *r = &s->rp;
	struct sr_step st;
	size_t i;

	if (simreplay_load(r, o->replay, replay_want, replay_bad,
	    (void *)o) < 0) {
		if (errno == ENOMEM)
			die_nomem();
		die("cannot replay '%s': %s", o->replay, r->why);
	}
	s->inst = calloc(r->ninst ? r->ninst : 1, sizeof *s->inst);
	if (!s->inst)
		die_nomem();
	for (i = 0; i < r->ninst; i++) {
		const struct sr_inst *ri = r->inst[i];
		struct inst *in = &s->inst[s->ninst];
		struct sm_params p;

		if (!ri->has_snapshot) {
			warn("replay '%s': %s:%s:%s has no snapshot: not "
			    "served", o->replay, ri->venue, ri->market,
			    ri->symbol);
			continue;
		}
		if (simmarket_params_given(&p, ri->venue, ri->market,
		    ri->symbol, ri->px_dp, ri->qty_dp) < 0)
			die("cannot replay '%s': cannot serve %s:%s:%s",
			    o->replay, ri->venue, ri->market, ri->symbol);
		in->mk = (enum mk)mk_of(ri->venue, ri->market);
		in->sm = simmarket_new(&p);
		if (!in->sm)
			die_nomem();
		simreplay_step(ri, 0, &st);
		if (simmarket_load(in->sm, &st.sm) < 0)
			die_nomem();
		in->rp = ri;
		in->rp_next = 1;
		in->kind = SR_SNAPSHOT;
		s->ninst++;
	}
	if (!s->ninst)
		die("cannot replay '%s': no snapshot of a market and symbol "
		    "served here", o->replay);
	if (r->n.gaps)
		warn("replay '%s': %llu depth events do not continue the one "
		    "before them (the first at line %ld): served as recorded",
		    o->replay, (unsigned long long)r->n.gaps, r->n.gap_line);
	if (o->verbose)
		replay_summary(s);
	s->rp_t0 = replay_t0(s);
}

/* The offset of a symbol on a market: the market's and its own. */
static int
offset_of(const struct opts *o, int mk, const char *symbol)
{
	int bps = o->offset_bps[mk];
	size_t i;

	for (i = 0; i < o->nsym_offset; i++)
		if (o->sym_offset[i].mk == mk &&
		    strcmp(o->sym_offset[i].symbol, symbol) == 0)
			bps += o->sym_offset[i].bps;
	return bps;
}

void
sim_markets(struct sim *s)
{
	const struct opts *o = s->o;
	size_t i;
	int mk;

	if (o->replay) {
		sim_replay_markets(s);
		return;
	}
	s->inst = calloc(MK_COUNT * o->nsym + o->ntok, sizeof *s->inst);
	if (!s->inst)
		die_nomem();
	for (mk = 0; mk < MK_COUNT; mk++) {
		/* Polymarket's symbols are its tokens. */
		char *const *syms = mk == MK_PM_CLOB ? o->tokens : o->symbols;
		size_t nsyms = mk == MK_PM_CLOB ? o->ntok : o->nsym;

		if (!(o->markets & (1u << mk)))
			continue;
		for (i = 0; i < nsyms; i++) {
			struct inst *in = &s->inst[s->ninst];
			struct sm_params p;

			if (simmarket_params(&p, mk_info[mk].venue,
			    mk_info[mk].market, syms[i], o->levels,
			    o->seed) < 0)
				die("bad symbol '%s'", syms[i]);
			if (simmarket_offset(&p, offset_of(o, mk,
			    syms[i])) < 0)
				die("--offset: cannot move %s", mk_info[mk].name);
			in->mk = (enum mk)mk;
			in->sm = simmarket_new(&p);
			if (!in->sm)
				die_nomem();
			s->ninst++;
		}
	}
}

/* The instance of (mk, symbol), the symbol in any case; or NULL. */
struct inst *
find_inst(struct sim *s, enum mk mk, const char *sym, size_t n)
{
	size_t i;

	for (i = 0; i < s->ninst; i++) {
		const char *name = s->inst[i].sm->p.symbol;

		if (s->inst[i].mk == mk && strlen(name) == n &&
		    strncasecmp(name, sym, n) == 0)
			return &s->inst[i];
	}
	return NULL;
}
