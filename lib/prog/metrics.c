/*
 * metrics: the registry, its two renderings and the atomic file.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/timeutil.h"
#include "io/nats.h"
#include "prog/err.h"
#include "prog/metrics.h"
#include "prog/run.h"

int
metrics_option(int c, const char *arg, struct metrics_opts *o)
{
	switch (c) {
	case METRICS_OPT_STATS:
		o->stats_ms = run_duration_above0(arg, "--stats");
		return 1;
	case METRICS_OPT_FILE:
		if (!arg[0])
			die_usage("bad --metrics '': want a file");
		o->file = arg;
		return 1;
	}
	return 0;
}

int64_t
metrics_period(const struct metrics_opts *o)
{
	if (o->stats_ms)
		return o->stats_ms;
	return o->file ? METRICS_DEFAULT_MS : 0;
}

void
metrics_init(struct metrics *ms, const char *program)
{
	memset(ms, 0, sizeof *ms);
	ms->program = program;
}

void
metrics_free(struct metrics *ms)
{
	size_t i;

	for (i = 0; i < ms->n; i++)
		free(ms->m[i].lvalue);
	free(ms->m);
	ms->m = NULL;
	ms->n = ms->cap = 0;
}

static int
same_lvalue(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static struct metric *
find(struct metrics *ms, const char *name, const char *lvalue)
{
	size_t i;

	for (i = 0; i < ms->n; i++)
		if (strcmp(ms->m[i].name, name) == 0 &&
		    same_lvalue(ms->m[i].lvalue, lvalue))
			return &ms->m[i];
	return NULL;
}

int
metrics_set(struct metrics *ms, enum metric_type type, const char *name,
    const char *help, const char *label, const char *lvalue, double v)
{
	struct metric *m = find(ms, name, lvalue);

	if (m) {
		m->value = v;
		return 0;
	}
	if (fs_grow((void **)&ms->m, &ms->cap, ms->n + 1, sizeof *ms->m) < 0)
		return -1;
	m = &ms->m[ms->n];
	m->lvalue = NULL;
	if (lvalue && !(m->lvalue = strdup(lvalue)))
		return -1;
	m->name = name;
	m->help = help;
	m->type = type;
	m->label = lvalue ? label : NULL;
	m->value = v;
	ms->n++;
	return 0;
}

/* Counts print as integers; a fraction (seconds) with 9 digits. */
static void
add_value(struct buf *b, double v)
{
	if (!isfinite(v))
		v = 0;
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		buf_addf(b, "%.0f", v);
	else
		buf_addf(b, "%.9g", v);
}

/* HELP text escapes backslash and newline; a label value also '"'. */
static void
add_escaped(struct buf *b, const char *s, int quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			buf_adds(b, "\\\\");
		else if (*s == '\n')
			buf_adds(b, "\\n");
		else if (*s == '"' && quote)
			buf_adds(b, "\\\"");
		else
			buf_addc(b, *s);
	}
}

/* The first sample of its name: where its HELP and TYPE go. */
static int
first_of_name(const struct metrics *ms, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcmp(ms->m[j].name, ms->m[i].name) == 0)
			return 0;
	return 1;
}

static void
add_sample(const struct metrics *ms, const struct metric *m, struct buf *b)
{
	buf_adds(b, m->name);
	buf_adds(b, "{program=\"");
	add_escaped(b, ms->program, 1);
	buf_addc(b, '"');
	if (m->lvalue) {
		buf_addc(b, ',');
		buf_adds(b, m->label);
		buf_adds(b, "=\"");
		add_escaped(b, m->lvalue, 1);
		buf_addc(b, '"');
	}
	buf_adds(b, "} ");
	add_value(b, m->value);
	buf_addc(b, '\n');
}

void
metrics_render_text(const struct metrics *ms, struct buf *b)
{
	size_t i, j;

	for (i = 0; i < ms->n; i++) {
		const struct metric *m = &ms->m[i];

		if (!first_of_name(ms, i))
			continue;
		buf_addf(b, "# HELP %s ", m->name);
		add_escaped(b, m->help, 0);
		buf_addf(b, "\n# TYPE %s %s\n", m->name,
		    m->type == METRIC_COUNTER ? "counter" : "gauge");
		for (j = i; j < ms->n; j++)
			if (strcmp(ms->m[j].name, m->name) == 0)
				add_sample(ms, &ms->m[j], b);
	}
}

void
metrics_render_status(const struct metrics *ms, struct buf *b,
    int64_t time_ms)
{
	size_t i, j;
	int first = 1;

	buf_adds(b, "{\"type\":\"status\",\"source\":");
	buf_add_jstr(b, ms->program, strlen(ms->program));
	buf_adds(b, ",\"time\":");
	buf_addi(b, time_ms);
	buf_adds(b, ",\"state\":\"stats\",\"metrics\":{");
	for (i = 0; i < ms->n; i++) {
		const struct metric *m = &ms->m[i];

		if (!first_of_name(ms, i))
			continue;
		if (!first)
			buf_addc(b, ',');
		first = 0;
		buf_add_jstr(b, m->name, strlen(m->name));
		buf_addc(b, ':');
		if (!m->lvalue) {
			add_value(b, m->value);
			continue;
		}
		buf_addc(b, '{');
		for (j = i; j < ms->n; j++) {
			if (strcmp(ms->m[j].name, m->name) != 0)
				continue;
			if (j != i)
				buf_addc(b, ',');
			buf_add_jstr(b, ms->m[j].lvalue,
			    strlen(ms->m[j].lvalue));
			buf_addc(b, ':');
			add_value(b, ms->m[j].value);
		}
		buf_addc(b, '}');
	}
	buf_adds(b, "}}\n");
}

static int
write_tmp(const char *tmp, const struct buf *b)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int e;

	if (fd < 0)
		return -1;
	if (fs_write_all(fd, b->p, b->len) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

int
metrics_write_file(const struct metrics *ms, const char *path)
{
	struct buf b, tmp;
	int rc = -1, e = 0;

	buf_init(&b, 0);
	buf_init(&tmp, 0);
	metrics_render_text(ms, &b);
	/* The collector reads *.prom only: path.tmp is never scraped. */
	buf_adds(&tmp, path);
	buf_adds(&tmp, ".tmp");
	buf_addc(&tmp, '\0');
	if (buf_failed(&b) || buf_failed(&tmp))
		e = ENOMEM;
	else if (write_tmp(tmp.p, &b) < 0 || rename(tmp.p, path) < 0) {
		e = errno;
		(void)unlink(tmp.p);
	} else
		rc = 0;
	buf_free(&b);
	buf_free(&tmp);
	errno = e;
	return rc;
}

int
metrics_set_run(struct metrics *ms, const struct run *r)
{
	struct nats_pub_stats ns;
	int rc = 0;

	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_events_in_total",
	    "Input lines read.", NULL, NULL, (double)r->in.lineno);
	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_events_out_total",
	    "Lines written: events made and passed.", NULL, NULL,
	    (double)r->lines_out);
	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_bad_lines_total",
	    "Input lines refused as bad.", NULL, NULL,
	    (double)err_line_count());
	rc |= metrics_set(ms, METRIC_COUNTER, "mkt_reader_drops_total",
	    "Slow readers of a unix: output dropped.", NULL, NULL,
	    (double)out_dropped(r->out));
	if (out_nats_stats(r->out, &ns)) {
		rc |= metrics_set(ms, METRIC_COUNTER,
		    "mkt_nats_published_total",
		    "Events published to JetStream.", NULL, NULL,
		    (double)ns.published);
		rc |= metrics_set(ms, METRIC_COUNTER, "mkt_nats_stored_total",
		    "Events JetStream acknowledged as new.", NULL, NULL,
		    (double)ns.stored);
		rc |= metrics_set(ms, METRIC_COUNTER,
		    "mkt_nats_duplicates_total",
		    "Events JetStream acknowledged as duplicates.", NULL, NULL,
		    (double)ns.duplicates);
		rc |= metrics_set(ms, METRIC_COUNTER, "mkt_nats_resent_total",
		    "Events published again after a failure.", NULL, NULL,
		    (double)ns.resent);
	}
	return rc ? -1 : 0;
}

void
metrics_tick(struct metrics *ms, const struct metrics_opts *o,
    struct buf *events)
{
	if (o->stats_ms)
		metrics_render_status(ms, events, time_now_ms());
	if (!o->file)
		return;
	if (metrics_write_file(ms, o->file) < 0) {
		if (!ms->file_failed)
			warn_errno("cannot write the metrics to '%s'", o->file);
		ms->file_failed = 1;
	} else
		ms->file_failed = 0;
}

/* run_every()'s callback: the counters now, then the tick. */
static void
run_tick(void *ctx)
{
	struct metrics_run *mr = ctx;

	if (metrics_set_run(&mr->ms, mr->r) < 0 ||
	    (mr->collect && mr->collect(&mr->ms, mr->ctx) < 0))
		die_nomem();
	metrics_tick(&mr->ms, mr->o, &mr->r->ob);
	run_flush_events(mr->r);
}

void
metrics_run_start(struct metrics_run *mr, const char *program,
    const struct metrics_opts *o, struct run *r,
    metrics_collect_fn *collect, void *ctx)
{
	metrics_init(&mr->ms, program);
	mr->o = o;
	mr->r = r;
	mr->collect = collect;
	mr->ctx = ctx;
	if (metrics_period(o))
		run_every(r, metrics_period(o), run_tick, mr);
}

void
metrics_run_end(struct metrics_run *mr)
{
	/* Events still held count as written: they are, before the last
	 * status event. */
	run_flush_events(mr->r);
	/* ... and acknowledged, on a nats: output. */
	run_idle(mr->r);
	if (metrics_period(mr->o))
		run_tick(mr);
	metrics_free(&mr->ms);
}
