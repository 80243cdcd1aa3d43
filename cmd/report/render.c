/*
 * mkt-report's output: the groups as NDJSON, CSV or text, the equity
 * curve as CSV, and its picture through gnuplot (a child process with
 * the script on a pipe and the points in a temporary file).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/timeutil.h"
#include "prog/err.h"
#include "report.h"

extern char **environ;

static const char *const weekdays[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

static const char csv_head[] = "group,key,trades,wins,losses,win_rate,"
    "pnl,fees,avg_pnl,max_drawdown,longest_win_streak,"
    "longest_loss_streak\n";

static void
add_fx(struct buf *b, struct fx v)
{
	buf_add_fx(b, fx_trim(v));
}

static double
win_rate(const struct rt_stats *s)
{
	return s->trades ? (double)s->wins / (double)s->trades : 0;
}

static void
render_ndjson(struct buf *b, const char *group, const char *key,
    const struct rt_stats *s, const struct report *r)
{
	struct fx avg;

	if (rt_stats_avg(s, &avg) < 0)
		die("the average pnl of %s %s overflows", group, key);
	buf_adds(b, "{\"type\":\"report\",\"group\":");
	buf_add_jstr(b, group, strlen(group));
	buf_adds(b, ",\"key\":");
	buf_add_jstr(b, key, strlen(key));
	if (r->from != INT64_MIN) {
		buf_adds(b, ",\"from\":");
		buf_addi(b, r->from);
	}
	if (r->to != INT64_MAX) {
		buf_adds(b, ",\"to\":");
		buf_addi(b, r->to);
	}
	buf_addf(b, ",\"trades\":%ld,\"wins\":%ld,\"losses\":%ld,"
	    "\"win_rate\":", s->trades, s->wins, s->losses);
	buf_add_rounded(b, win_rate(s), 4);
	buf_adds(b, ",\"pnl\":");
	add_fx(b, s->pnl);
	buf_adds(b, ",\"fees\":");
	add_fx(b, s->fees);
	buf_adds(b, ",\"avg_pnl\":");
	add_fx(b, avg);
	buf_adds(b, ",\"max_drawdown\":");
	add_fx(b, s->max_drawdown);
	buf_addf(b, ",\"longest_win_streak\":%ld,\"longest_loss_streak\":%ld",
	    s->best_win_run, s->best_loss_run);
	if (s == &r->total)
		buf_addf(b, ",\"fills\":%ld,\"open_trades\":%ld", r->fills,
		    rt_open(&r->book));
	buf_adds(b, "}\n");
}

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void
add_csv_field(struct buf *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

static void
render_csv(struct buf *b, const char *group, const char *key,
    const struct rt_stats *s)
{
	struct fx avg;

	if (rt_stats_avg(s, &avg) < 0)
		die("the average pnl of %s %s overflows", group, key);
	buf_adds(b, group);
	buf_addc(b, ',');
	add_csv_field(b, key);
	buf_addf(b, ",%ld,%ld,%ld,", s->trades, s->wins, s->losses);
	buf_add_rounded(b, win_rate(s), 4);
	buf_addc(b, ',');
	add_fx(b, s->pnl);
	buf_addc(b, ',');
	add_fx(b, s->fees);
	buf_addc(b, ',');
	add_fx(b, avg);
	buf_addc(b, ',');
	add_fx(b, s->max_drawdown);
	buf_addf(b, ",%ld,%ld\n", s->best_win_run, s->best_loss_run);
}

static void
render_text(struct buf *b, const char *group, const char *key,
    const struct rt_stats *s)
{
	char pnl[FX_BUFSZ], fees[FX_BUFSZ], avg[FX_BUFSZ], dd[FX_BUFSZ];
	struct fx a;

	if (rt_stats_avg(s, &a) < 0)
		die("the average pnl of %s %s overflows", group, key);
	buf_addf(b, "%-8s %-28s %6ld %6.1f%% %14s %12s %12s %12s %3ld %3ld\n",
	    group, key, s->trades, 100 * win_rate(s),
	    fx_str(fx_trim(s->pnl), pnl), fx_str(fx_trim(s->fees), fees),
	    fx_str(a, avg), fx_str(s->max_drawdown, dd), s->best_win_run,
	    s->best_loss_run);
}

static void
render(struct buf *b, enum rep_format fmt, const char *group,
    const char *key, const struct rt_stats *s, const struct report *r)
{
	if (fmt == FMT_NDJSON)
		render_ndjson(b, group, key, s, r);
	else if (fmt == FMT_CSV)
		render_csv(b, group, key, s);
	else
		render_text(b, group, key, s);
}

/* The groups of a map, in the order their first trade closed (a key
 * is not NUL-terminated in the map). */
static void
render_map(struct buf *b, enum rep_format fmt, const char *group,
    const struct keymap *m, const struct report *r)
{
	char key[RT_NAME_SZ * 2 + RT_SYMBOL_SZ + RT_REASON_SZ];
	size_t i;

	for (i = 0; i < m->n; i++) {
		snprintf(key, sizeof key, "%.*s", (int)m->e[i].len,
		    m->e[i].key);
		render(b, fmt, group, key, m->e[i].val, r);
	}
}

/* Every group: the total, then by market, hour, weekday and reason;
 * hours and weekdays without a trade are left out. */
static void
render_groups(struct buf *b, const struct report *r, enum rep_format fmt)
{
	char key[8];
	size_t i;

	render(b, fmt, "total", "all", &r->total, r);
	render_map(b, fmt, "market", &r->markets, r);
	for (i = 0; i < 24; i++) {
		if (r->hour[i].trades == 0)
			continue;
		snprintf(key, sizeof key, "%02zu", i);
		render(b, fmt, "hour", key, &r->hour[i], r);
	}
	for (i = 0; i < 7; i++)
		if (r->wday[(i + 1) % 7].trades != 0)
			render(b, fmt, "weekday", weekdays[(i + 1) % 7],
			    &r->wday[(i + 1) % 7], r);
	render_map(b, fmt, "reason", &r->reasons, r);
}

static void
write_all(FILE *f, const struct buf *b, const char *name)
{
	if (buf_failed(b))
		die_nomem();
	if (fwrite(b->p, 1, b->len, f) != b->len || fflush(f) != 0 ||
	    ferror(f))
		die_errno("cannot write %s", name);
}

void
rep_write(const struct report *r, enum rep_format fmt)
{
	struct buf b;

	buf_init(&b, 0);
	if (fmt == FMT_CSV)
		buf_adds(&b, csv_head);
	else if (fmt == FMT_TEXT)
		buf_addf(&b, "%-8s %-28s %6s %7s %14s %12s %12s %12s %3s %3s\n",
		    "group", "key", "trades", "win", "pnl", "fees", "avg_pnl",
		    "max_dd", "w+", "l-");
	render_groups(&b, r, fmt);
	write_all(stdout, &b, "the report");
	buf_free(&b);
	if (fclose(stdout) != 0 && errno != EPIPE)
		die_errno("cannot write the report");
}

static void
render_points(struct buf *b, const struct report *r)
{
	char t[40];
	size_t i;

	buf_adds(b, "time,time_utc,market,pnl,equity\n");
	for (i = 0; i < r->npt; i++) {
		const struct rep_point *p = &r->pt[i];

		buf_addf(b, "%lld,%s,", (long long)p->time_ms,
		    time_format(p->time_ms, t, sizeof t));
		add_csv_field(b, p->market);
		buf_addc(b, ',');
		add_fx(b, p->pnl);
		buf_addc(b, ',');
		add_fx(b, p->equity);
		buf_addc(b, '\n');
	}
}

static void
write_file(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die_errno("cannot create '%s'", path);
	write_all(f, b, path);
	if (fclose(f) != 0)
		die_errno("cannot write '%s'", path);
}

void
rep_write_equity(const struct report *r, const char *path)
{
	struct buf b;

	buf_init(&b, 0);
	render_points(&b, r);
	write_file(path, &b);
	buf_free(&b);
}

/* The gnuplot script: the points file, the picture's file. */
static void
render_script(struct buf *b, const char *data, const char *png, size_t n)
{
	buf_adds(b, "set terminal png size 900,450\nset output '");
	buf_adds(b, png);
	buf_adds(b, "'\nset datafile separator ','\nset key off\n"
	    "set title 'equity (realised pnl after fees)'\n"
	    "set xdata time\nset timefmt '%s'\nset format x '%m-%d %H:%M'\n"
	    "set grid\n");
	if (n == 0)
		buf_adds(b, "set xrange [0:1]\nunset xdata\n"
		    "plot 0 with lines\n");
	else {
		buf_adds(b, "plot '");
		buf_adds(b, data);
		buf_adds(b, "' using ($1/1000):5 skip 1 with steps lw 2\n");
	}
}

/* Run gnuplot with script on its standard input; its exit status, or
 * -1 with errno when it could not be started. */
static int
run_gnuplot(const struct buf *script)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { "gnuplot", NULL };
	int fds[2], rc, st;
	pid_t pid;
	void (*old)(int);

	if (pipe(fds) < 0)
		return -1;
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, fds[0], 0) != 0 ||
	    posix_spawn_file_actions_addclose(&fa, fds[1]) != 0)
		die_nomem();
	rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	if (rc != 0) {
		close(fds[1]);
		errno = rc;
		return -1;
	}
	old = signal(SIGPIPE, SIG_IGN);
	if (write(fds[1], script->p, script->len) != (ssize_t)script->len)
		warn_errno("cannot write to gnuplot");
	close(fds[1]);
	signal(SIGPIPE, old);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void
rep_write_png(const struct report *r, const char *path)
{
	char data[] = "/tmp/mkt-report-XXXXXX";
	struct buf b;
	FILE *f;
	int fd, rc;

	if (strchr(path, '\'') != NULL || strchr(path, '\n') != NULL)
		die("--png: a quote or line break in '%s'", path);
	fd = mkstemp(data);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		die_errno("cannot create a temporary file");
	buf_init(&b, 0);
	render_points(&b, r);
	write_all(f, &b, data);
	if (fclose(f) != 0)
		die_errno("cannot write '%s'", data);
	buf_reset(&b);
	render_script(&b, data, path, r->npt);
	if (buf_failed(&b))
		die_nomem();
	rc = run_gnuplot(&b);
	buf_free(&b);
	unlink(data);
	if (rc < 0 && errno == ENOENT)
		die("cannot run gnuplot: not found (apt-get install "
		    "gnuplot-nox)");
	if (rc < 0)
		die_errno("cannot run gnuplot");
	if (rc != 0)
		die("gnuplot failed (exit %d) drawing '%s'", rc, path);
}
