/*
 * mkt-feed --instruments: the trading rules of every symbol named on the
 * command line or in --symbols-file at start (targets.c gives those the
 * patterns and SIGHUP add), from the venues' instrument lists (venue.h), as one
 * `instrument` event each, ahead of the market data.  All or nothing:
 * the events are written only when every symbol's rules came, so a
 * failure leaves no half list on the output or in the cache file.
 *
 * --instruments-cache FILE holds the last list as such event lines.  A
 * file younger than --instruments-max-age that names every symbol wanted
 * is used without a request; otherwise the lists are fetched and the
 * file replaced atomically (FILE.tmp, fsync, rename, fsync the
 * directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "event/event.h"
#include "event/instrument.h"
#include "io/sig.h"
#include "net/rest.h"
#include "prog/err.h"
#include "venue/venue.h"
#include "feed.h"

#define CACHE_MAX (16u << 20)	/* a cache file larger is not ours */

/* One symbol wanted, and its rules once they came. */
struct want {
	struct venue_target t;
	int found;
	struct instrument in;
};

/* The requests of one market: its symbols, page after page. */
struct job {
	struct fetch *f;
	const struct venue_market *m;
	const char **symbols;
	size_t n;
	int pages;
	struct rest_req req;
	char cursor[VENUE_CURSOR_LEN];
};

struct fetch {
	struct want *w;
	size_t nw;
	struct job *jobs;
	size_t njobs, running;
	struct rest *rest;
	struct loop *loop;
	char error[512];	/* the first failure; "" while none */
};

static void job_done(struct rest_req *q, int status, const char *body,
    size_t n, void *ctx);

static void
target_name(const struct venue_target *t, char *out, size_t cap)
{
	snprintf(out, cap, "%s:%s:%s", venue_name(t->m), venue_market(t->m),
	    t->symbol);
}

/* The targets asked for, each once. */
static void
wants_of(const struct venue_target *t, size_t n, struct fetch *f)
{
	size_t i, j;

	f->w = calloc(n ? n : 1, sizeof *f->w);
	if (!f->w)
		die_nomem();
	for (i = 0; i < n; i++) {
		for (j = 0; j < f->nw; j++)
			if (f->w[j].t.m == t[i].m &&
			    strcmp(f->w[j].t.symbol, t[i].symbol) == 0)
				break;
		if (j == f->nw)
			f->w[f->nw++].t = t[i];
	}
}

/* The wanted symbol of market m called symbol, or NULL. */
static struct want *
want_of(struct fetch *f, const struct venue_market *m, const char *symbol)
{
	size_t i;

	for (i = 0; i < f->nw; i++)
		if (f->w[i].t.m == m && strcmp(f->w[i].t.symbol, symbol) == 0)
			return &f->w[i];
	return NULL;
}

static int
missing_in(const struct fetch *f, const struct venue_market *m)
{
	size_t i;

	for (i = 0; i < f->nw; i++)
		if (f->w[i].t.m == m && !f->w[i].found)
			return 1;
	return 0;
}

/* The events of every wanted symbol, in the command line's order. */
static void
render_all(const struct fetch *f, struct buf *out)
{
	size_t i;

	for (i = 0; i < f->nw; i++)
		instrument_render(out, &f->w[i].in);
	if (buf_failed(out))
		die_nomem();
}

/* ---------------------------------------------------------------- */
/* The cache file */

/* A cached line: one of ours when it reads as an instrument event. */
static void
cache_line(struct fetch *f, const char *line, size_t n)
{
	struct event ev;
	struct instrument in;
	const struct json_span *type;
	const struct venue_market *m;
	struct want *w;
	char why[256];

	if (event_parse(line, n, &ev, why, sizeof why) < 0)
		return;
	type = json_get(&ev.obj, "type");
	if (!type || !json_str_is(type, "instrument") ||
	    instrument_read(&ev, &in, why, sizeof why) < 0)
		return;
	m = venue_find(in.venue, strlen(in.venue), in.market,
	    strlen(in.market));
	w = m ? want_of(f, m, in.symbol) : NULL;
	if (w) {
		w->in = in;
		w->found = 1;
	}
}

/* The whole of path into b; -1 with errno. */
static int
slurp(const char *path, struct buf *b)
{
	if (fs_read_file(path, CACHE_MAX, b) < 0) {
		if (errno == ENOMEM)
			die_nomem();
		return -1;
	}
	return 0;
}

/*
 * Is the cache fresh and does it hold every wanted symbol?  Then the
 * wants are filled from it: 1.  0 otherwise (absent, old, short, not
 * readable: it is fetched again).
 */
static int
cache_usable(struct fetch *f, const struct opts *o)
{
	struct stat st;
	struct buf b;
	size_t i, start = 0;
	int64_t age_ms;

	if (stat(o->instruments_cache, &st) < 0)
		return 0;
	age_ms = ((int64_t)time(NULL) - (int64_t)st.st_mtime) * 1000;
	if (!S_ISREG(st.st_mode) || age_ms < 0 ||
	    age_ms >= o->instruments_max_age)
		return 0;
	buf_init(&b, 0);
	if (slurp(o->instruments_cache, &b) < 0) {
		warn_errno("cannot read '%s': fetching the lists",
		    o->instruments_cache);
		buf_free(&b);
		return 0;
	}
	for (i = 0; i < b.len; i++)
		if (b.p[i] == '\n') {
			cache_line(f, b.p + start, i - start);
			start = i + 1;
		}
	buf_free(&b);
	for (i = 0; i < f->nw; i++)
		if (!f->w[i].found)
			return 0;
	return 1;
}

static void
sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if (fs_sync_dir(dir) < 0)
		die_errno("cannot fsync '%s'", dir);
}

/* FILE.tmp written and synced, renamed over FILE. */
static void
cache_write(const char *path, const struct buf *b)
{
	char tmp[PATH_MAX];
	int fd;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		die("cannot write '%s': name too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die_errno("cannot open '%s'", tmp);
	if (fs_write_all(fd, b->p, b->len) < 0 || fsync(fd) < 0) {
		unlink(tmp);
		die_errno("cannot write '%s'", tmp);
	}
	if (close(fd) < 0) {
		unlink(tmp);
		die_errno("cannot close '%s'", tmp);
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		die_errno("cannot rename '%s' to '%s'", tmp, path);
	}
	sync_dir_of(path);
}

/* ---------------------------------------------------------------- */
/* Fetching */

/* The first failure is the one reported; the loop stops at once. */
static void ERR_PRINTF(2, 3)
fail(struct fetch *f, const char *fmt, ...)
{
	va_list ap;

	if (!f->error[0]) {
		va_start(ap, fmt);
		vsnprintf(f->error, sizeof f->error, fmt, ap);
		va_end(ap);
	}
	loop_stop(f->loop);
}

static void
job_submit(struct job *j)
{
	struct rest_req *q = &j->req;
	int weight, limit;
	long window;

	memset(q, 0, sizeof *q);
	if (venue_instruments_url(j->m, j->symbols, j->n, j->cursor, q->url,
	    sizeof q->url, &weight) < 0)
		die_errno("%s:%s: no instrument list URL", venue_name(j->m),
		    venue_market(j->m));
	q->weight = weight;
	q->host_key = venue_rest_budget(j->m, &limit, &window);
	q->done = job_done;
	q->ctx = j;
	if (rest_submit(j->f->rest, q) < 0)
		die_errno("cannot queue the instrument list of %s:%s",
		    venue_name(j->m), venue_market(j->m));
	j->pages++;
}

/* An instrument of an answer: kept when it is wanted. */
static int
take(const struct instrument *in, void *ctx)
{
	struct job *j = ctx;
	struct want *w = want_of(j->f, j->m, in->symbol);

	if (w) {
		w->in = *in;
		w->found = 1;
	}
	return 0;
}

/* Venues answer a list without an unknown symbol: name the first. */
static void
report_missing(struct fetch *f, const struct venue_market *m)
{
	char name[128];
	size_t i;

	for (i = 0; i < f->nw; i++)
		if (f->w[i].t.m == m && !f->w[i].found) {
			target_name(&f->w[i].t, name, sizeof name);
			fail(f, "%s: no such symbol in the venue's "
			    "instrument list", name);
			return;
		}
}

static void
job_done(struct rest_req *q, int status, const char *body, size_t n,
    void *ctx)
{
	struct job *j = ctx;
	struct fetch *f = j->f;
	char why[400];

	if (status < 0) {
		fail(f, "%s:%s: instrument list request failed: %s",
		    venue_name(j->m), venue_market(j->m), q->error);
		return;
	}
	if (venue_instruments_parse(j->m, status, body, n, take, j,
	    j->cursor, sizeof j->cursor, why, sizeof why) < 0) {
		fail(f, "%s:%s: instrument list: %s", venue_name(j->m),
		    venue_market(j->m), why);
		return;
	}
	if (j->cursor[0] && missing_in(f, j->m)) {
		job_submit(j);	/* the next page */
		return;
	}
	if (missing_in(f, j->m))
		report_missing(f, j->m);
	if (--f->running == 0)
		loop_stop(f->loop);
}

/* One job per market, with that market's symbols. */
static void
make_jobs(struct fetch *f)
{
	size_t i, k;

	f->jobs = calloc(f->nw, sizeof *f->jobs);
	if (!f->jobs)
		die_nomem();
	for (i = 0; i < f->nw; i++) {
		struct job *j = NULL;

		for (k = 0; k < f->njobs; k++)
			if (f->jobs[k].m == f->w[i].t.m)
				j = &f->jobs[k];
		if (!j) {
			j = &f->jobs[f->njobs++];
			j->f = f;
			j->m = f->w[i].t.m;
			j->symbols = calloc(f->nw, sizeof *j->symbols);
			if (!j->symbols)
				die_nomem();
		}
		j->symbols[j->n++] = f->w[i].t.symbol;
	}
}

/* 0, or -1 when a stop signal came first. */
static int
fetch_lists(struct fetch *f)
{
	size_t i;

	make_jobs(f);
	for (i = 0; i < f->njobs; i++)
		job_submit(&f->jobs[i]);
	f->running = f->njobs;
	if (!sig_stop_requested() && loop_run(f->loop) < 0)
		die_errno("event loop failed");
	if (rest_error(f->rest)) {
		errno = rest_error(f->rest);
		die_errno("REST service failed");
	}
	for (i = 0; i < f->njobs; i++) {
		rest_cancel(f->rest, &f->jobs[i].req);
		free(f->jobs[i].symbols);
	}
	free(f->jobs);
	if (f->error[0])
		die("%s", f->error);
	if (f->running && !sig_stop_requested())
		die("the event loop stopped before the instrument lists came");
	return f->running ? -1 : 0;
}

int
feed_instruments(struct opts *o, const struct venue_target *t, size_t n,
    struct rest *rest, struct loop *loop, struct buf *out)
{
	struct fetch f;
	struct buf b;
	size_t i;
	int fetched = 0;

	memset(&f, 0, sizeof f);
	f.rest = rest;
	f.loop = loop;
	wants_of(t, n, &f);
	if (!o->instruments_cache || !cache_usable(&f, o)) {
		/* What a stale or short cache held is not wanted. */
		for (i = 0; i < f.nw; i++)
			f.w[i].found = 0;
		if (fetch_lists(&f) < 0) {
			free(f.w);
			return -1;
		}
		fetched = 1;
	}
	buf_init(&b, 0);
	render_all(&f, &b);
	if (fetched && o->instruments_cache)
		cache_write(o->instruments_cache, &b);
	buf_add(out, b.p, b.len);
	if (buf_failed(out))
		die_nomem();
	buf_free(&b);
	free(f.w);
	return 0;
}
