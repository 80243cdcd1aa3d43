/*
 * mkt-exec's input: intents and cancels are taken, market events feed
 * the paper venue, and everything not consumed passes through.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prog/err.h"
#include "exec.h"

/* Lines read per turn of the loop, so that answers are not held up. */
#define INPUT_BATCH 256
/*
 * Intents taken ahead of the venue, at most: the input waits (in its
 * pipe, or unread in its file) rather than memory and the store filling
 * with intents the rate limit holds back anyway.
 */
#define INPUT_AHEAD 64

static int
input_full(const struct exec *ex)
{
	return !ex->paper && oms_queued(ex->oms) >= INPUT_AHEAD;
}

static void
input_pause(struct exec *ex)
{
	ex->input_paused = 1;
	if (ex->in_fd && loop_fd_set(ex->in_fd, 0) < 0)
		die_errno("cannot pause the input");
}

/* The pump's part: read on once the queue has room. */
void
input_resume(struct exec *ex)
{
	if (!ex->input_paused || ex->input_done || input_full(ex))
		return;
	ex->input_paused = 0;
	if (ex->in_fd && loop_fd_set(ex->in_fd, LOOP_READ) < 0)
		die_errno("cannot watch the input");
	if (loop_timer_in(ex->loop, &ex->more_input, 0) < 0)
		die_nomem();
}

static void
take_intent(struct exec *ex, const struct event *ev, const char *line,
    size_t len)
{
	struct oms_order *ord;
	struct intent it;
	char why[256], *raw;
	int r;

	if (tevent_intent(ev, &it, why, sizeof why) < 0) {
		err_line(ex->r.in.lineno, "intent: %s", why);
		return;
	}
	raw = strndup(line, len);
	if (!raw)
		die_nomem();
	/* On paper the market's clock, so that a replay is repeatable. */
	r = oms_intent(ex->oms, &it, raw, ex->paper && ex->last_time ?
	    ex->last_time : exec_now_ms(), &ord, why, sizeof why);
	free(raw);
	if (r < 0)
		die("%s: %s", ex->o->state, why);
	if (r == 1)
		exec_status(ex, "duplicate_intent", "known_id", it.id);
	if (ex->paper)
		paper_venue_place(ex);
}

/* A cancel of an intent not in memory: final in the store, or none. */
static void
cancel_not_active(struct exec *ex, const char *target)
{
	struct state_intent_row row;
	char err[512];
	int r;

	r = state_intent_get(ex->st, target, &row, err, sizeof err);
	if (r < 0)
		die("%s: %s", ex->o->state, err);
	if (r == 1)
		exec_status(ex, "cancel_ignored", "final", target);
	else
		exec_status(ex, "cancel_ignored", "unknown_intent", target);
}

static void
take_cancel(struct exec *ex, const struct event *ev)
{
	struct oms_order *ord;
	struct cancel c;
	char why[256];

	if (tevent_cancel(ev, &c, why, sizeof why) < 0) {
		err_line(ex->r.in.lineno, "cancel: %s", why);
		return;
	}
	if (!c.target[0]) {
		if (ex->paper)
			paper_venue_cancel_all(ex, c.symbol);
		else
			remote_cancel_all(ex, c.symbol);
		return;
	}
	ord = oms_by_intent(ex->oms, c.target);
	if (!ord) {
		cancel_not_active(ex, c.target);
		return;
	}
	if (ex->paper)
		paper_venue_cancel(ex, ord);
	else
		remote_cancel(ex, ord);
}

/*
 * An intent or cancel that names a venue or market other than this
 * one's is another mkt-exec's, further down the pipeline: it passes, so
 * that `mkt-exec --venue binance:spot | mkt-exec --venue bybit:spot`
 * routes each leg of a cross-venue strategy.  The paper venue
 * simulates every market of its input, so it takes them all.
 */
static int
for_another_venue(const struct exec *ex, const struct event *ev)
{
	const struct json_span *v, *m;

	if (ex->paper)
		return 0;
	v = json_get(&ev->obj, "venue");
	m = json_get(&ev->obj, "market");
	if (v && v->type != JSON_NULL && !json_str_is(v, ex->venue))
		return 1;
	return m && m->type != JSON_NULL && !json_str_is(m, ex->market);
}

static void
pass_line(struct exec *ex, const char *line, size_t len)
{
	/* As run_pass(), but behind the events a batch holds. */
	if (ex->r.pass) {
		buf_add(&ex->r.ob, line, len);
		buf_addc(&ex->r.ob, '\n');
		exec_flush(ex);
	}
}

static void
take_line(struct exec *ex, const char *line, size_t len)
{
	struct event ev;
	char why[256];

	if (event_parse(line, len, &ev, why, sizeof why) < 0) {
		err_line(ex->r.in.lineno, "%s", why);
		return;
	}
	if (ev.type == EV_OTHER && (tevent_is(&ev, "intent") ||
	    tevent_is(&ev, "cancel")) && for_another_venue(ex, &ev)) {
		pass_line(ex, line, len);
		return;
	}
	if (ev.type == EV_OTHER && tevent_is(&ev, "intent")) {
		if (!ex->stopping)
			take_intent(ex, &ev, line, len);
		return;
	}
	if (ev.type == EV_OTHER && tevent_is(&ev, "cancel")) {
		take_cancel(ex, &ev);
		return;
	}
	if (ex->paper)
		paper_venue_market(ex, &ev);
	pass_line(ex, line, len);
}

/*
 * On paper, what a batch of lines changes is one transaction of the
 * store, committed before any event about it is written: the paper
 * venue acts on nothing else, so the write-ahead rule holds with one
 * fsync a batch instead of one a change.  A venue over REST commits
 * each change alone: a request may leave between two of them.
 */
static void
batch_begin(struct exec *ex)
{
	char err[512];

	if (!ex->paper)
		return;
	if (state_batch_begin(ex->st, err, sizeof err) < 0)
		die("%s: %s", ex->o->state, err);
	ex->holding = 1;
}

static void
batch_end(struct exec *ex)
{
	char err[512];

	if (!ex->holding)
		return;
	/* The paper venue's resting orders in the same commit as the
	 * changes that moved them. */
	paper_venue_pump(ex);
	ex->holding = 0;
	if (state_batch_end(ex->st, err, sizeof err) < 0)
		die("%s: %s", ex->o->state, err);
	run_flush_events(&ex->r);
}

/* Read what is there, at most a batch; 1 at the end of the input. */
static int
read_lines(struct exec *ex)
{
	const char *line;
	size_t len;
	int i;

	for (i = 0; i < INPUT_BATCH && !ex->input_done; i++) {
		if (input_full(ex)) {
			input_pause(ex);
			return 0;
		}
		switch (in_next_nowait(&ex->r.in, &line, &len)) {
		case IN_LINE:
			take_line(ex, line, len);
			break;
		case IN_AGAIN:
			return 0;
		case IN_EOF:
			return 1;
		case IN_TOOLONG:
			err_line(ex->r.in.lineno, "line too long (over %zu "
			    "bytes)", ex->r.in.max_line);
			break;
		default:
			if (errno == EINTR)
				return 0;
			die_errno("read error");
		}
	}
	/* A full batch: read on after the loop's turn. */
	if (!ex->input_done && loop_timer_in(ex->loop, &ex->more_input, 0) < 0)
		die_nomem();
	return 0;
}

static int
read_batch(struct exec *ex)
{
	int r;

	batch_begin(ex);
	r = read_lines(ex);
	batch_end(ex);
	return r;
}

static void
on_input(struct exec *ex)
{
	if (ex->input_done || ex->input_paused)
		return;
	if (read_batch(ex) == 1)
		input_stop(ex);
}

static void
on_readable(struct loop_fd *f, int fd, int revents, void *ctx)
{
	(void)f;
	(void)fd;
	(void)revents;
	on_input(ctx);
}

static void
on_more_input(struct loop_timer *t, void *ctx)
{
	(void)t;
	on_input(ctx);
}

int
input_start(struct exec *ex)
{
	loop_timer_init(&ex->more_input, on_more_input, ex);
	/* A pipe, socket or terminal is watched; epoll refuses a regular
	 * file (EPERM), which is always ready: read on by the timer. */
	ex->in_fd = loop_fd_add(ex->loop, ex->r.in.fd, LOOP_READ, on_readable,
	    ex);
	if (!ex->in_fd && errno != EPERM)
		return -1;
	return loop_timer_in(ex->loop, &ex->more_input, 0);
}

void
input_stop(struct exec *ex)
{
	ex->input_done = 1;
	loop_fd_del(ex->in_fd);
	ex->in_fd = NULL;
	if (ex->loop)
		loop_timer_stop(ex->loop, &ex->more_input);
}
