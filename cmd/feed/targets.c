/*
 * mkt-feed's target set: the command line's targets and those of
 * --symbols-file (venue/vlist.h), read at start and again on SIGHUP.
 *
 * A change touches only what changed: a new target joins a group with
 * room (its connection told with the venue's change messages, its book
 * synced as on a connection of its own), a removed one is unsubscribed
 * and its events, those still on the way included, are dropped
 * (stream_filter()); the others' books go on, no resync, no gap.
 * Patterns are resolved against the venues' instrument lists, fetched
 * through the REST scheduler without blocking the streams; a set is
 * applied only once it is whole, so a bad line, a missing file or a
 * failed list keeps the set as it was.  With --instruments, the lists of
 * every market of the set are read, and each target the set adds gets
 * its `instrument` event before its market data; a target missing from
 * its venue's list fails the set the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "event/instrument.h"
#include "prog/err.h"
#include "venue/vlist.h"
#include "live.h"

#define FILE_MAX (1u << 20)	/* a larger symbols file is no list */

/* The instrument list of one market being read for its patterns (and,
 * with --instruments, its targets' rules). */
struct resolve_job {
	struct resolver *rs;
	const struct venue_market *m;
	struct rest_req req;
	char cursor[VENUE_CURSOR_LEN];
};

/* A set read from the file, waiting for its patterns' lists. */
struct resolver {
	struct live *lv;
	struct vlist set;	/* the command line's and the file's */
	struct vlist found;	/* the patterns' symbols */
	struct instrument *rules;	/* --instruments: the set's rules */
	size_t nrules, arules;
	int want_rules;		/* --instruments */
	struct resolve_job *jobs;
	size_t njobs, running;
	int start;		/* at start: a failure is fatal */
	int again;		/* a SIGHUP came meanwhile */
};

static void apply(struct live *lv, const struct resolver *rs,
    const struct vlist *set, const struct vlist *found);
static void reload(struct live *lv);

/* ---------------------------------------------------------------- */
/* Reading */

/* The whole of path into b; -1 with errno. */
static int
slurp(const char *path, struct buf *b)
{
	if (fs_read_file(path, FILE_MAX, b) < 0) {
		if (errno == ENOMEM)
			die_nomem();
		return -1;
	}
	return 0;
}

/* The command line's targets and the file's into set; 0, or -1 with
 * the reason in why. */
static int
read_set(struct live *lv, struct vlist *set, char *why, size_t whylen)
{
	const struct opts *o = lv->o;
	struct buf b;
	char err[400];
	int i, r;

	vlist_init(set);
	/* A bad one stops the start (usage, exit 2): later they are good. */
	for (i = 0, errno = 0; i < o->ntargets; i++)
		if (vlist_add(set, o->targets[i], 0, err, sizeof err) < 0) {
			if (errno == ENOMEM)
				die_nomem();
			die_usage("%s", err);
		}
	if (!o->symbols_file)
		return 0;
	buf_init(&b, 0);
	if (slurp(o->symbols_file, &b) < 0) {
		snprintf(why, whylen, "cannot read '%s': %s", o->symbols_file,
		    strerror(errno));
		buf_free(&b);
		return -1;
	}
	r = vlist_parse(set, b.p ? b.p : "", b.len, err, sizeof err);
	buf_free(&b);
	if (r < 0)
		snprintf(why, whylen, "%s: %s", o->symbols_file, err);
	return r;
}

/* ---------------------------------------------------------------- */
/* Patterns */

static void job_done(struct rest_req *q, int status, const char *body,
    size_t n, void *ctx);

static void
job_submit(struct resolve_job *j)
{
	struct rest_req *q = &j->req;
	int weight, limit;
	long window;

	memset(q, 0, sizeof *q);
	if (venue_instruments_url(j->m, NULL, 0, j->cursor, q->url,
	    sizeof q->url, &weight) < 0)
		die_errno("%s:%s: no instrument list URL", venue_name(j->m),
		    venue_market(j->m));
	q->weight = weight;
	q->host_key = venue_rest_budget(j->m, &limit, &window);
	q->done = job_done;
	q->ctx = j;
	if (rest_submit(j->rs->lv->rest, q) < 0)
		die_errno("cannot queue the instrument list of %s:%s",
		    venue_name(j->m), venue_market(j->m));
}

/* The item of the set that takes symbol of market m, or NULL. */
static const struct vlist_item *
item_taking(const struct vlist *set, const struct venue_market *m,
    const char *symbol)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (set->v[i].t.m != m)
			continue;
		if (set->v[i].pattern ? vlist_match(&set->v[i], symbol) :
		    strcmp(set->v[i].t.symbol, symbol) == 0)
			return &set->v[i];
	}
	return NULL;
}

/* Keep the rules of one of the set's symbols; -1 on ENOMEM. */
static int
keep_rules(struct resolver *rs, const struct instrument *in)
{
	if (fs_grow((void **)&rs->rules, &rs->arules, rs->nrules + 1,
	    sizeof *rs->rules) < 0)
		return -1;
	rs->rules[rs->nrules++] = *in;
	return 0;
}

/* An instrument of a list: a target when a pattern of its market takes
 * it; its rules kept when it is one of the set's and they are wanted. */
static int
take(const struct instrument *in, void *ctx)
{
	struct resolve_job *j = ctx;
	struct resolver *rs = j->rs;
	const struct vlist_item *it = item_taking(&rs->set, j->m, in->symbol);
	char spec[128], why[256];

	if (it == NULL)
		return 0;
	if (it->pattern) {
		snprintf(spec, sizeof spec, "%s:%s:%s", venue_name(j->m),
		    venue_market(j->m), in->symbol);
		/* A symbol we could not subscribe is not one of ours. */
		errno = 0;
		if (vlist_add(&rs->found, spec, it->line, why,
		    sizeof why) < 0) {
			if (errno == ENOMEM)
				return -1;
			return 0;
		}
	}
	if (rs->want_rules && keep_rules(rs, in) < 0)
		return -1;
	return 0;
}

/* The rules kept for target t, or NULL. */
static const struct instrument *
rules_of(const struct resolver *rs, const struct venue_target *t)
{
	size_t i;

	for (i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].symbol, t->symbol) == 0 &&
		    strcmp(rs->rules[i].venue, venue_name(t->m)) == 0 &&
		    strcmp(rs->rules[i].market, venue_market(t->m)) == 0)
			return &rs->rules[i];
	return NULL;
}

/* With --instruments: every exact target of the set has its rules; 0,
 * or -1 with the first that has none in why. */
static int
rules_whole(const struct resolver *rs, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; rs->want_rules && i < rs->set.n; i++) {
		const struct vlist_item *it = &rs->set.v[i];

		if (it->pattern || rules_of(rs, &it->t))
			continue;
		snprintf(why, whylen, "%s:%s:%s: not in the venue's instrument "
		    "list", venue_name(it->t.m), venue_market(it->t.m),
		    it->t.symbol);
		return -1;
	}
	return 0;
}

static void
resolver_free(struct resolver *rs)
{
	size_t i;

	for (i = 0; i < rs->njobs; i++)
		rest_cancel(rs->lv->rest, &rs->jobs[i].req);
	free(rs->jobs);
	free(rs->rules);
	vlist_free(&rs->set);
	vlist_free(&rs->found);
	rs->lv->resolver = NULL;
	free(rs);
}

/* The resolution ended: applied (ok) or reported; a SIGHUP that came
 * meanwhile reads the file again. */
static void
resolver_end(struct resolver *rs, int ok, const char *why)
{
	struct live *lv = rs->lv;
	int again = rs->again;
	char whole[256];

	if (ok && rules_whole(rs, whole, sizeof whole) < 0) {
		ok = 0;
		why = whole;
	}
	if (!ok && rs->start)
		die("%s", why);
	if (!ok)
		warn("%s; the symbols are kept as they were", why);
	else
		apply(lv, rs, &rs->set, &rs->found);
	resolver_free(rs);
	run_flush_events(&lv->r);
	if (again)
		reload(lv);
}

static void
job_done(struct rest_req *q, int status, const char *body, size_t n,
    void *ctx)
{
	struct resolve_job *j = ctx;
	struct resolver *rs = j->rs;
	char why[400], msg[512];

	if (status < 0) {
		snprintf(msg, sizeof msg, "%s:%s: instrument list request "
		    "failed: %s", venue_name(j->m), venue_market(j->m),
		    q->error);
		resolver_end(rs, 0, msg);
		return;
	}
	if (venue_instruments_parse(j->m, status, body, n, take, j, j->cursor,
	    sizeof j->cursor, why, sizeof why) < 0) {
		if (errno == ENOMEM)
			die_nomem();
		snprintf(msg, sizeof msg, "%s:%s: instrument list: %s",
		    venue_name(j->m), venue_market(j->m), why);
		resolver_end(rs, 0, msg);
		return;
	}
	if (j->cursor[0]) {
		job_submit(j);	/* the next page */
		return;
	}
	if (--rs->running == 0)
		resolver_end(rs, 1, NULL);
}

/* One job per market named by a pattern of the set (by any of its
 * items when their rules are wanted). */
static void
resolve(struct resolver *rs)
{
	const struct vlist *set = &rs->set;
	size_t i, k;

	rs->jobs = calloc(set->n ? set->n : 1, sizeof *rs->jobs);
	if (!rs->jobs)
		die_nomem();
	for (i = 0; i < set->n; i++) {
		if (!set->v[i].pattern && !rs->want_rules)
			continue;
		for (k = 0; k < rs->njobs; k++)
			if (rs->jobs[k].m == set->v[i].t.m)
				break;
		if (k < rs->njobs)
			continue;
		rs->jobs[k].rs = rs;
		rs->jobs[k].m = set->v[i].t.m;
		rs->njobs++;
	}
	rs->running = rs->njobs;
	for (k = 0; k < rs->njobs; k++)
		job_submit(&rs->jobs[k]);
}

/* ---------------------------------------------------------------- */
/* Applying */

/* The target of vt, made (gone, not yet subscribed) when new. */
static struct target *
target_of(struct live *lv, const struct venue_target *vt)
{
	char key[128];
	struct target *t = feed_find_target(lv, venue_name(vt->m),
	    venue_market(vt->m), vt->symbol);
	size_t n;

	if (t)
		return t;
	t = calloc(1, sizeof *t);
	if (!t)
		die_nomem();
	t->t = *vt;
	t->lv = lv;
	t->gone = 1;
	n = keymap_key3(key, sizeof key, venue_name(vt->m),
	    strlen(venue_name(vt->m)), venue_market(vt->m),
	    strlen(venue_market(vt->m)), vt->symbol, strlen(vt->symbol));
	if (n == 0)
		die("%s: names too long", vt->symbol);
	if (keymap_put(&lv->bykey, key, n, t) < 0)
		die_nomem();
	if (lv->nt == lv->tcap) {
		size_t cap = lv->tcap ? lv->tcap * 2 : 16;
		struct target **p = realloc(lv->targets, cap * sizeof *p);

		if (!p)
			die_nomem();
		lv->targets = p;
		lv->tcap = cap;
	}
	lv->targets[lv->nt++] = t;
	return t;
}

/* Mark every target of a list (NULL: none) wanted. */
static void
want_all(struct live *lv, const struct vlist *l)
{
	size_t i;

	for (i = 0; l && i < l->n; i++)
		if (!l->v[i].pattern)
			target_of(lv, &l->v[i].t)->wanted = 1;
}

/* Take t out of g's list; 1 when it was there. */
static int
group_del(struct group *g, const struct target *t)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (g->t[i] == t) {
			memmove(&g->t[i], &g->t[i + 1],
			    (g->n - i - 1) * sizeof *g->t);
			g->n--;
			return 1;
		}
	return 0;
}

/* Unsubscribe t everywhere and forget its book. */
static void
remove_target(struct live *lv, struct target *t)
{
	size_t i;

	for (i = 0; i < lv->ng; i++) {
		struct group *g = lv->groups[i];

		if (g->m != t->t.m || !group_del(g, t))
			continue;
		feed_group_change(g, &t, 1, 0);
		if (g->n == 0)
			feed_group_drop(g);
		else
			feed_group_connect(g);	/* the new plan */
	}
	if (t->pending)
		rest_cancel(lv->rest, &t->req);
	t->pending = 0;
	t->g = NULL;
	t->gone = 1;
	stream_forget(&lv->st, venue_name(t->t.m), venue_market(t->t.m),
	    t->t.symbol);
	feed_status(lv, t->t.m, t->t.symbol, "unsubscribed", NULL);
}

/* The group of market m, part w, that has room for one more. */
static struct group *
group_with_room(struct live *lv, const struct venue_market *m, int w)
{
	size_t k;

	for (k = 0; k < lv->ng; k++)
		if (lv->groups[k]->m == m && lv->groups[k]->part == w &&
		    lv->groups[k]->n < m->venue->group_symbols)
			return lv->groups[k];
	return feed_new_group(lv, m, w);
}

void
feed_targets_place(struct live *lv, struct target *t)
{
	int w;

	for (w = 0; w < t->t.m->parts; w++)
		feed_group_add(group_with_room(lv, t->t.m, w), t);
}

/* Subscribe a target taken (back) while running. */
static void
add_target(struct live *lv, struct target *t)
{
	const struct venue_market *m = t->t.m;
	int w;

	t->gone = 0;
	t->polled = t->collected = 0;
	feed_status(lv, m, t->t.symbol, "subscribed", NULL);
	if (lv->o->rest)
		return;		/* the next round polls it */
	for (w = 0; w < m->parts; w++) {
		struct group *g = group_with_room(lv, m, w);
		int open = g->conn && ws_is_open(g->conn);

		feed_group_add(g, t);
		feed_group_connect(g);
		/* Open: told now.  Still connecting, on a URL without it:
		 * told when it opens (feed_group_change() marks it). */
		feed_group_change(g, &t, 1, 1);
		/* As on_open() does for a book of a new connection. */
		if (open && w == 0 && !m->rule->snapshot_in_stream &&
		    (lv->o->streams & VENUE_DEPTH))
			feed_snapshot(t);
	}
}

/* The events of a target unsubscribed are dropped (stream_keep_fn). */
static int
keep_symbol(void *ctx, const char *venue, size_t vn, const char *market,
    size_t mn, const char *symbol, size_t sn)
{
	struct live *lv = ctx;
	char key[128];
	size_t n = keymap_key3(key, sizeof key, venue, vn, market, mn, symbol,
	    sn);
	const struct target *t = n ? keymap_get(&lv->bykey, key, n) : NULL;

	return !t || !t->gone;
}

/*
 * The set (its exact targets, and the patterns' symbols found) becomes
 * the feed's: what left it is unsubscribed, what is new subscribed.
 */
static void
apply(struct live *lv, const struct resolver *rs, const struct vlist *set,
    const struct vlist *found)
{
	const struct instrument *in;
	size_t i;

	for (i = 0; i < lv->nt; i++)
		lv->targets[i]->wanted = 0;
	want_all(lv, set);
	want_all(lv, found);
	for (i = 0; i < lv->nt; i++)
		if (!lv->targets[i]->gone && !lv->targets[i]->wanted)
			remove_target(lv, lv->targets[i]);
	for (i = 0; i < lv->nt; i++) {
		if (!lv->targets[i]->gone || !lv->targets[i]->wanted)
			continue;
		/* Its rules ahead of its market data. */
		if (rs && rs->want_rules &&
		    (in = rules_of(rs, &lv->targets[i]->t)) != NULL)
			instrument_render(&lv->r.ob, in);
		add_target(lv, lv->targets[i]);
	}
	stream_filter(&lv->st, NULL, NULL);
	for (i = 0; i < lv->nt; i++)
		if (lv->targets[i]->gone) {
			stream_filter(&lv->st, keep_symbol, lv);
			break;
		}
}

/* ---------------------------------------------------------------- */
/* SIGHUP */

/* Read the file again; its set replaces the running one when whole. */
static void
reload(struct live *lv)
{
	struct resolver *rs;
	struct vlist set;
	char why[512];

	if (lv->resolver) {
		lv->resolver->again = 1;
		return;
	}
	if (read_set(lv, &set, why, sizeof why) < 0) {
		warn("%s; the symbols are kept as they were", why);
		vlist_free(&set);
		return;
	}
	if (set.patterns == 0 && !lv->o->instruments) {
		apply(lv, NULL, &set, NULL);
		vlist_free(&set);
		run_flush_events(&lv->r);
		return;
	}
	rs = calloc(1, sizeof *rs);
	if (!rs)
		die_nomem();
	rs->lv = lv;
	rs->set = set;
	rs->want_rules = lv->o->instruments;
	vlist_init(&rs->found);
	lv->resolver = rs;
	resolve(rs);
}

static void
on_hup(struct loop_fd *f, int fd, int revents, void *ctx)
{
	struct signalfd_siginfo si;
	ssize_t r;
	int got = 0;

	(void)f;
	(void)revents;
	while ((r = read(fd, &si, sizeof si)) == (ssize_t)sizeof si)
		got = 1;
	if (r < 0 && errno != EAGAIN && errno != EINTR)
		die_errno("cannot read SIGHUP");
	if (got)
		reload(ctx);
}

void
feed_targets_start(struct live *lv)
{
	struct vlist set;
	sigset_t hup;
	char why[512];
	size_t i;

	keymap_init(&lv->bykey);
	lv->hup_fd = -1;
	/* Blocked before any library starts a thread (a resolver's), so
	 * that none of them takes it with the default action, the end. */
	if (lv->o->symbols_file) {
		sigemptyset(&hup);
		sigaddset(&hup, SIGHUP);
		if (sigprocmask(SIG_BLOCK, &hup, NULL) < 0)
			die_errno("cannot block SIGHUP");
	}
	if (read_set(lv, &set, why, sizeof why) < 0)
		die("%s", why);
	for (i = 0; i < set.n; i++)
		if (!set.v[i].pattern)
			target_of(lv, &set.v[i].t)->gone = 0;
	vlist_free(&set);
}

void
feed_targets_watch(struct live *lv)
{
	struct resolver *rs;
	sigset_t hup;
	char why[512];

	if (!lv->o->symbols_file)
		return;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	lv->hup_fd = signalfd(-1, &hup, SFD_NONBLOCK | SFD_CLOEXEC);
	if (lv->hup_fd < 0)
		die_errno("cannot watch SIGHUP");
	lv->hup = loop_fd_add(lv->loop, lv->hup_fd, LOOP_READ, on_hup, lv);
	if (!lv->hup)
		die_errno("cannot watch SIGHUP");
	/* The patterns of the start, resolved from the loop. */
	rs = calloc(1, sizeof *rs);
	if (!rs)
		die_nomem();
	rs->lv = lv;
	rs->start = 1;
	/* The exact targets' rules came ahead of the loop (instr.c): these
	 * are for the patterns' symbols. */
	rs->want_rules = lv->o->instruments;
	if (read_set(lv, &rs->set, why, sizeof why) < 0)
		die("%s", why);
	if (rs->set.patterns == 0) {
		vlist_free(&rs->set);
		free(rs);
		return;
	}
	lv->resolver = rs;
	resolve(rs);
}

void
feed_targets_stop(struct live *lv)
{
	if (lv->resolver)
		resolver_free(lv->resolver);
	loop_fd_del(lv->hup);
	lv->hup = NULL;
	if (lv->hup_fd >= 0)
		close(lv->hup_fd);
	lv->hup_fd = -1;
	keymap_free(&lv->bykey);
}
