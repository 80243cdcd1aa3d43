/*
 * metrics: a program's counters and gauges, rendered as a periodic
 * `status` event (--stats DUR) and as a Prometheus text file (--metrics
 * FILE, for node_exporter's textfile collector), written whole through
 * a temporary file and rename() so that a scrape never sees half of it.
 *
 * A program keeps its own counters where they change and, at each tick,
 * copies them in with metrics_set(); the registry only names, orders and
 * renders them.  Every sample carries program="mkt-NAME", so that the
 * files of several programs can sit in one textfile directory.
 *
 * Program-side code like err and run: metrics_tick() reports a file that
 * cannot be written once, with warn(), and goes on.
 */
#ifndef MKT_METRICS_H
#define MKT_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/attr.h"
#include "base/buf.h"

enum metric_type { METRIC_COUNTER, METRIC_GAUGE };

struct metric {
	const char *name, *help;	/* static strings */
	enum metric_type type;
	const char *label;		/* static label name, or NULL */
	char *lvalue;			/* its value (owned), or NULL */
	double value;
};

struct metrics {
	const char *program;
	struct metric *m;
	size_t n, cap;
	int file_failed;	/* a write failure was reported already */
};

/* The two options, shared by every program that keeps metrics. */
enum { METRICS_OPT_STATS = 1100, METRICS_OPT_FILE };
#define METRICS_LONGOPTS \
	{ "stats", required_argument, NULL, METRICS_OPT_STATS }, \
	{ "metrics", required_argument, NULL, METRICS_OPT_FILE }
#define METRICS_USAGE \
	"  --stats DUR        a status event with the counters every DUR\n" \
	"  --metrics FILE     the counters in Prometheus text format, " \
	"rewritten\n" \
	"                     every --stats DUR (15s without it) and at exit\n"
/* How often --metrics alone rewrites its file. */
#define METRICS_DEFAULT_MS 15000

struct metrics_opts {
	int64_t stats_ms;	/* 0: no status events */
	const char *file;	/* NULL: no file */
};

/* Handle c if it is one of the two options: 1, else 0. */
int metrics_option(int c, const char *arg, struct metrics_opts *o);

/* The tick period in ms: --stats, or the default with --metrics
 * alone; 0 when neither is given. */
int64_t metrics_period(const struct metrics_opts *o);

void metrics_init(struct metrics *ms, const char *program);
void metrics_free(struct metrics *ms);

/*
 * Set the sample (name, lvalue) to v, adding it on first use; label and
 * lvalue NULL for one without a label.  name, help and label must stay
 * valid; lvalue is copied.  Samples of one name render in the order
 * they were added.  0, or -1 with errno ENOMEM.
 */
int metrics_set(struct metrics *ms, enum metric_type type, const char *name,
    const char *help, const char *label, const char *lvalue, double v) WUR;

/* The Prometheus text exposition (version 0.0.4) of ms, appended to b. */
void metrics_render_text(const struct metrics *ms, struct buf *b);

/*
 * A status event, appended to b: {"type":"status","source":PROGRAM,
 * "time":T,"state":"stats","metrics":{NAME:V,...}}; a labelled name
 * maps to an object of its label values.
 */
void metrics_render_status(const struct metrics *ms, struct buf *b,
    int64_t time_ms);

/* Write the text to path through path.tmp and rename(). 0, or -1 with
 * errno. */
int metrics_write_file(const struct metrics *ms, const char *path) WUR;

struct run;
/*
 * The counters every run-based program has: mkt_events_in_total (lines
 * read), mkt_events_out_total (lines written), mkt_bad_lines_total,
 * mkt_reader_drops_total (slow unix: readers dropped).  0, or -1.
 */
int metrics_set_run(struct metrics *ms, const struct run *r) WUR;

/*
 * One tick: the status event into events (with --stats) and the file
 * (with --metrics); a file that cannot be written is reported once.
 */
void metrics_tick(struct metrics *ms, const struct metrics_opts *o,
    struct buf *events);

/*
 * The whole of --stats/--metrics for a program on the shared run loop:
 * metrics_run_start() ticks every metrics_period(o) from run_next(),
 * each tick setting the run's counters (metrics_set_run()) and then the
 * program's own (collect(ms, ctx): 0, or -1 when out of memory; NULL for
 * none), and writing the status event and the file.  metrics_run_end(),
 * after the input ends and before run_close(), writes what is pending,
 * ticks once more so that the last status and the file hold the final
 * counts, and frees the registry.  Both do nothing when neither option
 * is given.  The struct belongs to the caller; o and r must outlive it.
 */
typedef int metrics_collect_fn(struct metrics *ms, void *ctx);

struct metrics_run {
	struct metrics ms;
	const struct metrics_opts *o;
	struct run *r;
	metrics_collect_fn *collect;
	void *ctx;
};

void metrics_run_start(struct metrics_run *mr, const char *program,
    const struct metrics_opts *o, struct run *r,
    metrics_collect_fn *collect, void *ctx);
void metrics_run_end(struct metrics_run *mr);

#endif
