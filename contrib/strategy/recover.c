/*
 * recover: a strategy's legs in flight taken back from mkt-exec's state
 * stores at start (--state, strat.h).  A strategy remembers nothing of
 * its own across a restart; what it sent is in the stores, written
 * before any request left, so that is where its legs are: every intent
 * whose id starts with the run's prefix.  The fills the stores hold are
 * counted here once, and their trade ids kept, so that the same fill
 * coming back through --feedback (mkt-exec reports what it learns while
 * it resolves its own restart) is not counted again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog/err.h"
#include "store/state.h"
#include "strat.h"

struct loader {
	struct strat *s;
	const char *path;
	size_t cap, seencap;
};

static int
market_index(const struct strat *s, const struct state_strat_intent *in)
{
	int i;

	for (i = 0; i < s->nmkt; i++)
		if (strcmp(s->mkt[i].venue, in->venue) == 0 &&
		    strcmp(s->mkt[i].market, in->market) == 0 &&
		    strcmp(s->mkt[i].symbol, in->symbol) == 0)
			return i;
	return -1;
}

static struct fx
decimal_of(const struct loader *l, const char *id, const char *what,
    const char *text)
{
	struct fx v = { 0, 0 };

	if (*text && fx_parse(text, strlen(text), &v) != FX_OK)
		die("%s: intent '%s': bad %s '%s'", l->path, id, what, text);
	return v;
}

static int
take_intent(void *ctx, const struct state_strat_intent *in)
{
	struct loader *l = ctx;
	struct strat *s = l->s;
	struct strat_past *p;

	if (strlen(in->intent_id) >= STRAT_ID) {
		warn("%s: intent '%s': id too long for a leg: left alone",
		    l->path, in->intent_id);
		return 0;
	}
	if (s->npast == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		s->past = realloc(s->past, l->cap * sizeof *s->past);
		if (!s->past)
			die("out of memory");
	}
	p = &s->past[s->npast++];
	memset(p, 0, sizeof *p);
	/* Its length was checked above. */
	memcpy(p->id, in->intent_id, strlen(in->intent_id) + 1);
	p->mkt = market_index(s, in);
	p->buy = strcmp(in->side, "buy") == 0;
	p->post_only = strcmp(in->tif, "post_only") == 0;
	p->done = strcmp(in->state, STATE_DONE) == 0;
	p->qty = decimal_of(l, in->intent_id, "qty", in->qty);
	p->price = decimal_of(l, in->intent_id, "price", in->price);
	return 0;
}

static struct strat_past *
past_by_id(struct strat *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->npast; i++)
		if (strcmp(s->past[i].id, id) == 0)
			return &s->past[i];
	return NULL;
}

static int
take_fill(void *ctx, const struct state_strat_fill *f)
{
	struct loader *l = ctx;
	struct strat *s = l->s;
	struct strat_past *p = past_by_id(s, f->intent_id);
	struct fx q = decimal_of(l, f->intent_id, "fill qty", f->qty);
	char *key;

	if (!p)
		return 0;
	if (fx_add(p->filled, q, &p->filled) < 0)
		die("decimal overflow");
	if (s->nseen == l->seencap) {
		l->seencap = l->seencap ? 2 * l->seencap : 64;
		s->seen = realloc(s->seen, l->seencap * sizeof *s->seen);
		if (!s->seen)
			die("out of memory");
	}
	if (asprintf(&key, "%s %s", f->intent_id, f->trade_id) < 0)
		die("out of memory");
	s->seen[s->nseen++] = key;
	return 0;
}

static void
read_store(struct loader *l, const char *path)
{
	struct state_strat *r;
	char prefix[sizeof l->s->prefix + 1], err[512];

	l->path = path;
	snprintf(prefix, sizeof prefix, "%s-", l->s->prefix);
	/* A store mkt-exec has not created yet: a first start. */
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return;
	if (state_strat_open(&r, path, err, sizeof err) < 0)
		die("cannot read state '%s': %s", path, err);
	if (state_strat_intents(r, prefix, take_intent, l, err,
	    sizeof err) < 0 ||
	    state_strat_fills(r, prefix, take_fill, l, err, sizeof err) < 0)
		die("cannot read state '%s': %s", path, err);
	state_strat_close(r);
}

static int
cmp_seen(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
strat_fill_seen(const struct strat *s, const char *id, const char *trade_id)
{
	char key[STRAT_ID + STATE_ID_SZ + 1];
	const char *k = key;

	if (!s->nseen)
		return 0;
	snprintf(key, sizeof key, "%s %s", id, trade_id);
	return bsearch(&k, s->seen, s->nseen, sizeof *s->seen,
	    cmp_seen) != NULL;
}

/*
 * An entry's id is PREFIX-TIME-N: the legs of one entry share its TIME
 * (an entry waits for a book newer than the last), and a child's id
 * (PREFIX-TIME-N-hK) is no entry.
 */
static int
entry_time(const struct strat *s, const char *id, long long *t)
{
	size_t n = strlen(s->prefix);
	const char *p = id + n + 1;
	size_t d = strspn(p, "0123456789");

	if (strncmp(id, s->prefix, n) || id[n] != '-' || !d || p[d] != '-')
		return 0;
	if (!p[d + 1] || strspn(p + d + 1, "0123456789") != strlen(p + d + 1))
		return 0;
	*t = strtoll(p, NULL, 10);
	return 1;
}

static int
count_entries(const struct strat *s)
{
	long long t, *times;
	size_t i, j, n = 0;
	int trades = 0;

	times = calloc(s->npast ? s->npast : 1, sizeof *times);
	if (!times)
		die("out of memory");
	for (i = 0; i < s->npast; i++) {
		if (!entry_time(s, s->past[i].id, &t))
			continue;
		for (j = 0; j < n && times[j] != t; j++)
			;
		if (j == n) {
			times[n++] = t;
			trades++;
		}
	}
	free(times);
	return trades;
}

/* The children each recovered leg has already: they name it. */
static int
children_of(const struct strat *s, const char *id)
{
	size_t i, n = strlen(id);
	int c = 0;

	for (i = 0; i < s->npast; i++)
		if (strncmp(s->past[i].id, id, n) == 0 &&
		    strncmp(s->past[i].id + n, "-h", 2) == 0)
			c++;
	return c;
}

static void
leg_of(const struct strat *s, const struct strat_past *p,
    struct strat_leg *leg)
{
	memset(leg, 0, sizeof *leg);
	snprintf(leg->id, sizeof leg->id, "%s", p->id);
	leg->mkt = p->mkt;
	leg->buy = p->buy;
	leg->qty = p->qty;
	leg->filled = p->filled;
	leg->price = p->price;
	leg->post_only = p->post_only;
	leg->children = children_of(s, p->id);
}

/* Those not done become legs; a leg on a market that is not ours is
 * not this strategy's to finish. */
static void
take_legs(struct strat *s)
{
	char f[FX_BUFSZ], q[FX_BUFSZ];
	size_t i;

	for (i = 0; i < s->npast; i++) {
		const struct strat_past *p = &s->past[i];

		if (p->done)
			continue;
		if (p->mkt < 0) {
			warn("intent '%s': not on a market of the operands: "
			    "left alone", p->id);
			continue;
		}
		if (s->nleg == STRAT_MAX_LEGS)
			die("intent '%s': no room for another leg", p->id);
		leg_of(s, p, &s->leg[s->nleg++]);
		warn("leg '%s' recovered: %s, filled %s of %s", p->id,
		    p->buy ? "buy" : "sell", fx_str(p->filled, f),
		    fx_str(p->qty, q));
	}
}

/* The final of a leg done in a store: it was never seen (a strategy
 * remembers nothing across a restart). */
static void
finish_done(struct strat *s)
{
	struct strat_leg leg;
	size_t i;

	if (!s->h->on_final)
		return;
	for (i = 0; i < s->npast; i++)
		if (s->past[i].done && s->past[i].mkt >= 0) {
			leg_of(s, &s->past[i], &leg);
			s->h->on_final(s, &leg);
		}
}

void
strat_recover(struct strat *s)
{
	struct loader l = { s, NULL, 0, 0 };
	int i;

	for (i = 0; i < s->nstate; i++)
		read_store(&l, s->state[i]);
	if (s->nseen)
		qsort(s->seen, s->nseen, sizeof *s->seen, cmp_seen);
	s->trades = count_entries(s);
	take_legs(s);
	if (s->nstate)
		warn("%zu intents of run '%s' in the stores, %d entries, "
		    "%d legs in flight", s->npast, s->prefix, s->trades,
		    s->nleg);
	if (s->h->on_start)
		s->h->on_start(s);
	finish_done(s);
	free(s->past);
	s->past = NULL;
	s->npast = 0;
}
