/*
 * live.c: the --live sockets of running pipelines (a program's
 * `-o unix:PATH`), read on the one loop.  The latest book, bands and
 * imbalance event of each venue:market:symbol is kept whole, as it came,
 * for /api/book and /api/depth; every one of them also goes to the
 * stream clients.  A socket that is absent or closes is reported once
 * and retried with a growing delay: a pipeline restarting is routine.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/keymap.h"
#include "base/timeutil.h"
#include "io/in.h"
#include "prog/err.h"
#include "store/history.h"
#include "store/jhistory.h"
#include "store/journal.h"

#include "serve.h"

#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000
#define LINES_PER_WAKE 4096	/* then the HTTP side gets a turn */
#define LINE_MAX_LIVE (4u << 20)
#define NAME_LEN 65
#define LEVELS_DEFAULT 20
#define LEVELS_MAX 1000

enum { K_BOOK, K_BANDS, K_IMBALANCE, K_COUNT };

/* The latest events of one venue:market:symbol. */
struct item {
	char venue[NAME_LEN], market[NAME_LEN], symbol[NAME_LEN];
	char *line[K_COUNT];
	size_t len[K_COUNT];
};

struct src {
	struct live *lv;
	const char *spec;	/* unix:PATH */
	struct in in;
	int connected;
	struct loop_fd *f;
	struct loop_timer retry;
	int64_t backoff;	/* ms */
	int64_t since;		/* wall ms: started or connected */
	int64_t last;		/* wall ms of the last event; 0: none yet */
	uint64_t events;
	uint64_t retries;	/* connections tried that failed or ended */
	int down_reported;	/* this outage is on stderr already */
};

struct live {
	struct serve *sv;
	struct src src[LIVE_MAX];
	int n;
	struct keymap items;
};

static void src_connect(struct src *s);

/* ---------------------------------------------------------------- */
/* The latest events */

static struct item *
item_get(struct live *lv, const char *venue, const char *market,
    const char *symbol)
{
	char key[3 * NAME_LEN];
	size_t n = keymap_key3(key, sizeof key, venue, strlen(venue), market,
	    strlen(market), symbol, strlen(symbol));
	struct item *it;

	if (n == 0)
		return NULL;
	if ((it = keymap_get(&lv->items, key, n)) != NULL)
		return it;
	if ((it = calloc(1, sizeof *it)) == NULL)
		die_nomem();
	strcpy(it->venue, venue);
	strcpy(it->market, market);
	strcpy(it->symbol, symbol);
	if (keymap_put(&lv->items, key, n, it) < 0)
		die_nomem();
	return it;
}

static int
kind_of(const struct json_span *t)
{
	if (t == NULL || t->type != JSON_STRING)
		return -1;
	if (json_str_is(t, "book"))
		return K_BOOK;
	if (json_str_is(t, "bands"))
		return K_BANDS;
	if (json_str_is(t, "imbalance"))
		return K_IMBALANCE;
	return -1;
}

/* A name member into dst: 0, or -1 when absent or not a name. */
static int
get_name(const struct json_obj *o, const char *key, char *dst)
{
	const struct json_span *v = json_get(o, key);

	if (v == NULL || v->type != JSON_STRING ||
	    json_str_copy(v, dst, NAME_LEN) <= 0)
		return -1;
	return 0;
}

static void
on_line(struct src *s, const char *line, size_t len)
{
	struct json_obj o;
	char venue[NAME_LEN], market[NAME_LEN], symbol[NAME_LEN];
	const char *why;
	size_t where;
	struct item *it;
	char *copy;
	int k;

	s->last = time_now_ms();
	s->events++;
	if (json_parse_object_lazy(line, len, &o, &why, &where) < 0 ||
	    (k = kind_of(json_get(&o, "type"))) < 0 ||
	    get_name(&o, "venue", venue) < 0 ||
	    get_name(&o, "market", market) < 0 ||
	    get_name(&o, "symbol", symbol) < 0)
		return;
	if ((it = item_get(s->lv, venue, market, symbol)) == NULL)
		return;
	if ((copy = realloc(it->line[k], len)) == NULL)
		die_nomem();
	memcpy(copy, line, len);
	it->line[k] = copy;
	it->len[k] = len;
	stream_publish(s->lv->sv, venue, market, symbol, line, len);
}

/* ---------------------------------------------------------------- */
/* The sockets */

static void
src_down(struct src *s, const char *why)
{
	if (s->connected) {
		loop_fd_del(s->f);
		s->f = NULL;
		in_close(&s->in);
		s->connected = 0;
	}
	if (!s->down_reported)
		warn("live %s: %s; retrying", s->spec, why);
	s->down_reported = 1;
	s->retries++;
	if (loop_timer_in(s->lv->sv->loop, &s->retry, s->backoff) < 0)
		die_nomem();
	s->backoff = s->backoff * 2 > RETRY_MAX_MS ? RETRY_MAX_MS :
	    s->backoff * 2;
}

static void
on_readable(struct loop_fd *f, int fd, int revents, void *ctx)
{
	struct src *s = ctx;
	const char *line;
	size_t len;
	int i;

	(void)f;
	(void)fd;
	(void)revents;
	for (i = 0; i < LINES_PER_WAKE; i++) {
		switch (in_next_nowait(&s->in, &line, &len)) {
		case IN_LINE:
			on_line(s, line, len);
			break;
		case IN_TOOLONG:
			break;
		case IN_AGAIN:
			/* Held in memory: a nats: source's messages are
			 * done with. */
			in_commit(&s->in);
			return;
		case IN_EOF:
			src_down(s, "closed");
			return;
		default:
			if (errno == EINTR)
				return;
			src_down(s, strerror(errno));
			return;
		}
	}
}

static void
src_connect(struct src *s)
{
	if (in_open(&s->in, s->spec, LINE_MAX_LIVE) < 0) {
		src_down(s, strerror(errno));
		return;
	}
	s->f = loop_fd_add(s->lv->sv->loop, s->in.fd, LOOP_READ,
	    on_readable, s);
	if (s->f == NULL)
		die_errno("cannot watch %s", s->spec);
	s->connected = 1;
	s->since = time_now_ms();
	s->backoff = RETRY_MIN_MS;
	if (s->down_reported)
		warn("live %s: connected again", s->spec);
	s->down_reported = 0;
}

static void
on_retry(struct loop_timer *t, void *ctx)
{
	(void)t;
	src_connect(ctx);
}

int
live_open(struct serve *sv)
{
	struct live *lv;
	int i;

	if (sv->o->nlive == 0)
		return 0;
	if ((lv = calloc(1, sizeof *lv)) == NULL)
		return -1;
	lv->sv = sv;
	keymap_init(&lv->items);
	sv->live = lv;
	for (i = 0; i < sv->o->nlive; i++) {
		struct src *s = &lv->src[i];

		s->lv = lv;
		s->spec = sv->o->live[i];
		s->backoff = RETRY_MIN_MS;
		s->since = time_now_ms();
		loop_timer_init(&s->retry, on_retry, s);
		lv->n++;
		src_connect(s);
	}
	return 0;
}

void
live_close(struct serve *sv)
{
	struct live *lv = sv->live;
	size_t i;
	int k, j;

	if (lv == NULL)
		return;
	for (j = 0; j < lv->n; j++) {
		struct src *s = &lv->src[j];

		loop_timer_stop(sv->loop, &s->retry);
		if (s->connected) {
			loop_fd_del(s->f);
			in_close(&s->in);
		}
	}
	for (i = 0; i < lv->items.n; i++) {
		struct item *it = lv->items.e[i].val;

		for (k = 0; k < K_COUNT; k++)
			free(it->line[k]);
		free(it);
	}
	keymap_free(&lv->items);
	free(lv);
	sv->live = NULL;
}

int
live_health(struct serve *sv, struct buf *b, int64_t now)
{
	struct live *lv = sv->live;
	int j, stale = 0;

	if (lv == NULL)
		return 0;
	for (j = 0; j < lv->n; j++) {
		struct src *s = &lv->src[j];
		int64_t heard = s->last > s->since ? s->last : s->since;
		int silent = now - heard > sv->o->stale;

		stale += silent;
		buf_adds(b, ",{\"name\":\"live\",\"path\":");
		buf_add_jstr(b, s->spec, strlen(s->spec));
		buf_adds(b, s->connected ? ",\"connected\":true" :
		    ",\"connected\":false");
		buf_adds(b, ",\"events\":");
		buf_addf(b, "%" PRIu64, s->events);
		buf_adds(b, ",\"retries\":");
		buf_addf(b, "%" PRIu64, s->retries);
		if (s->last) {
			buf_adds(b, ",\"last_event\":");
			buf_addi(b, s->last);
			buf_adds(b, ",\"age_ms\":");
			buf_addi(b, now > s->last ? now - s->last : 0);
		} else {
			buf_adds(b, ",\"last_event\":null,\"age_ms\":null");
		}
		buf_adds(b, silent ? ",\"stale\":true}" : ",\"stale\":false}");
	}
	return stale;
}

/* ---------------------------------------------------------------- */
/* /api/book */

/* The one item with a line of kind k that the filters select: 1, 0 when
 * none, -1 after a 400 for several. */
static int
find_item(struct req *r, int k, const char *venue, const char *market,
    const char *symbol, struct item **out)
{
	struct live *lv = r->sv->live;
	size_t i;
	int found = 0;

	*out = NULL;
	for (i = 0; lv && i < lv->items.n; i++) {
		struct item *it = lv->items.e[i].val;

		if (it->line[k] == NULL ||
		    (venue && strcmp(venue, it->venue) != 0) ||
		    (market && strcmp(market, it->market) != 0) ||
		    (symbol && strcmp(symbol, it->symbol) != 0))
			continue;
		if (found++) {
			req_error(r, 400, market ? "venue" : "market",
			    "more than one live book of %s: give venue and "
			    "market", it->symbol);
			return -1;
		}
		*out = it;
	}
	return found;
}

/* Copy the array span, only its first n elements. */
static int
put_head(struct buf *b, struct json_span *arr, long n)
{
	struct json_iter it;
	struct json_span v;
	const char *why;
	size_t where;
	long i = 0;

	if (json_check(arr, &why, &where) < 0)
		return -1;
	buf_addc(b, '[');
	json_iter_init(&it, arr);
	while (i < n && json_next(&it, &v)) {
		if (i++)
			buf_addc(b, ',');
		buf_add(b, v.p, v.n);
	}
	buf_addc(b, ']');
	return 0;
}

/* The book event with bids and asks cut to their best n. */
static int
put_book(struct req *r, const struct item *it, long n)
{
	struct json_obj o;
	const char *why;
	size_t where;
	int i;

	if (json_parse_object_lazy(it->line[K_BOOK], it->len[K_BOOK], &o,
	    &why, &where) < 0)
		return -1;
	buf_addc(r->body, '{');
	for (i = 0; i < o.n; i++) {
		struct json_member *m = &o.m[i];

		if (i)
			buf_addc(r->body, ',');
		buf_add(r->body, m->key.p - 1, m->key.n + 2);
		buf_addc(r->body, ':');
		if (m->val.type == JSON_ARRAY && (json_str_is(&m->key,
		    "bids") || json_str_is(&m->key, "asks"))) {
			if (put_head(r->body, &m->val, n) < 0)
				return -1;
		} else if (m->val.type == JSON_STRING) {
			buf_add(r->body, m->val.p - 1, m->val.n + 2);
		} else {
			buf_add(r->body, m->val.p, m->val.n);
		}
	}
	buf_adds(r->body, "}\n");
	return 0;
}

int
api_book(struct req *r)
{
	static const char *const known[] = { "venue", "market", "symbol",
	    "levels", NULL };
	const char *venue, *market, *symbol, *v;
	struct item *it;
	long levels = LEVELS_DEFAULT;
	char *end;
	int found;

	if (!req_known(r, known) || req_name(r, "venue", &venue) < 0 ||
	    req_name(r, "market", &market) < 0 ||
	    req_name(r, "symbol", &symbol) < 0)
		return 0;
	if (symbol == NULL)
		return req_error(r, 400, "symbol", "symbol is required");
	if ((v = qs_get(&r->q, "levels")) != NULL) {
		errno = 0;
		levels = strtol(v, &end, 10);
		if (errno || end == v || *end || levels < 1 ||
		    levels > LEVELS_MAX)
			return req_error(r, 400, "levels", "bad levels '%s': "
			    "want a whole number from 1 to %d", v, LEVELS_MAX);
	}
	found = find_item(r, K_BOOK, venue, market, symbol, &it);
	if (found < 0)
		return 0;
	if (found == 0)
		return req_error(r, 404, NULL, "no live book of %s", symbol);
	return put_book(r, it, levels);
}

/* ---------------------------------------------------------------- */
/* /api/depth */

/* The band of pct in a bands array: its span, or -1. */
static int
band_of(struct json_span *arr, double pct, struct json_span *band)
{
	struct json_iter it;
	struct json_obj o;
	const struct json_span *p;
	const char *why;
	size_t where;
	char num[64];

	if (arr == NULL || arr->type != JSON_ARRAY ||
	    json_check(arr, &why, &where) < 0)
		return -1;
	json_iter_init(&it, arr);
	while (json_next(&it, band)) {
		if (band->type != JSON_OBJECT || json_parse_object(band->p,
		    band->n, &o, &why, &where) < 0)
			continue;
		p = json_get(&o, "pct");
		if (p == NULL || p->type != JSON_NUMBER || p->n >= sizeof num)
			continue;
		memcpy(num, p->p, p->n);
		num[p->n] = '\0';
		if (strtod(num, NULL) == pct)
			return 0;
	}
	return -1;
}

/* One market's side of the answer from a bands-shaped line (a bands
 * event, or a line of the journal's latest): 0, or -1 when it has no
 * band of pct. */
static int
put_side(struct buf *b, const char *line, size_t len, const char *source,
    double pct)
{
	struct json_obj o;
	struct json_span band;
	const struct json_span *t, *v;
	const char *why;
	size_t where;

	if (json_parse_object_lazy(line, len, &o, &why, &where) < 0 ||
	    band_of((struct json_span *)json_get(&o, "bands"), pct,
	    &band) < 0)
		return -1;
	buf_adds(b, "{\"source\":\"");
	buf_adds(b, source);
	buf_adds(b, "\",\"venue\":");
	v = json_get(&o, "venue");
	if (v && v->type == JSON_STRING)
		buf_add(b, v->p - 1, v->n + 2);
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"time\":");
	t = json_get(&o, "time");
	if (t && t->type == JSON_NUMBER)
		buf_add(b, t->p, t->n);
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"band\":");
	buf_add(b, band.p, band.n);
	buf_addc(b, '}');
	return 0;
}

static int
collect(void *arg, struct buf *b)
{
	struct buf *all = arg;

	buf_add(all, b->p, b->len);
	buf_reset(b);
	if (buf_failed(all)) {
		errno = buf_failed(all);
		return -1;
	}
	return 0;
}

/* The journal's latest line of venue:market:symbol into line: 0, or -1
 * when it has none. */
static int
journal_latest(struct req *r, const char *venue, const char *market,
    const char *symbol, struct buf *line)
{
	struct history_series_q q;
	struct history_out out;
	struct journal *j;
	struct buf tmp;
	char why[1024];
	int rc;

	memset(&q, 0, sizeof q);
	q.venue = venue;
	q.market = market;
	q.symbol = symbol;
	if (journal_open_read(&j, r->sv->o->journal, why, sizeof why) < 0)
		return -1;
	buf_init(&tmp, 0);
	out.buf = &tmp;
	out.format = HISTORY_NDJSON;
	out.flush = collect;
	out.arg = line;
	rc = jhistory_query(j, "latest", &q, &out, why, sizeof why);
	if (rc == 0 && tmp.len)
		rc = collect(line, &tmp);
	buf_free(&tmp);
	(void)!journal_close(j);
	/* The first line only: one venue's. */
	if (rc == 0 && line->len) {
		char *nl = memchr(line->p, '\n', line->len);

		if (nl)
			line->len = (size_t)(nl - line->p);
	}
	return rc == 0 && line->len ? 0 : -1;
}

/* One market of /api/depth: live bands first, else the journal. */
static void
depth_side(struct req *r, const char *venue, const char *market,
    const char *symbol, double pct)
{
	struct item *it = NULL;
	struct live *lv = r->sv->live;
	struct buf line;
	size_t i;

	for (i = 0; lv && i < lv->items.n; i++) {
		struct item *c = lv->items.e[i].val;

		if (c->line[K_BANDS] && strcmp(c->market, market) == 0 &&
		    strcmp(c->symbol, symbol) == 0 &&
		    (venue == NULL || strcmp(c->venue, venue) == 0)) {
			it = c;
			break;
		}
	}
	buf_addc(r->body, '"');
	buf_adds(r->body, market);
	buf_adds(r->body, "\":");
	if (it && put_side(r->body, it->line[K_BANDS], it->len[K_BANDS],
	    "live", pct) == 0)
		return;
	buf_init(&line, BODY_MAX);
	if (journal_latest(r, venue, market, symbol, &line) < 0 ||
	    put_side(r->body, line.p, line.len, "journal", pct) < 0)
		buf_adds(r->body, "null");
	buf_free(&line);
}

int
api_depth(struct req *r)
{
	static const char *const known[] = { "venue", "symbol", "pct",
	    NULL };
	const char *venue, *symbol, *v;
	char *end;
	double pct;

	if (!req_known(r, known) || req_name(r, "venue", &venue) < 0 ||
	    req_name(r, "symbol", &symbol) < 0)
		return 0;
	if (symbol == NULL)
		return req_error(r, 400, "symbol", "symbol is required");
	if ((v = qs_get(&r->q, "pct")) == NULL)
		return req_error(r, 400, "pct", "pct is required");
	errno = 0;
	pct = strtod(v, &end);
	if (errno || end == v || *end || !(pct > 0) || pct > 100)
		return req_error(r, 400, "pct", "bad pct '%s': want a band "
		    "such as 1.5", v);
	buf_adds(r->body, "{\"symbol\":");
	buf_add_jstr(r->body, symbol, strlen(symbol));
	buf_adds(r->body, ",\"pct\":");
	put_dec(r->body, v);
	buf_addc(r->body, ',');
	depth_side(r, venue, "spot", symbol, pct);
	buf_addc(r->body, ',');
	depth_side(r, venue, "futures", symbol, pct);
	buf_adds(r->body, "}\n");
	return 0;
}
