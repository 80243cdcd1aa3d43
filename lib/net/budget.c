/* budget: one REST host's weight budget (see budget.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"

void
budget_prune(struct rest_host *h, int64_t now)
{
	while (h->n > 0 && h->log[h->head].t + h->window <= now) {
		h->head = (h->head + 1) % h->size;
		h->n--;
	}
}

/* Room in the log for every request in flight plus one more. */
int
budget_reserve(struct rest_host *h)
{
	size_t want = h->n + (size_t)h->nactive + 1, size, i;
	struct rest_ent *log;

	if (want <= h->size)
		return 0;
	size = h->size ? h->size * 2 : 64;
	while (size < want)
		size *= 2;
	log = malloc(size * sizeof *log);
	if (!log)
		return -1;
	for (i = 0; i < h->n; i++)
		log[i] = h->log[(h->head + i) % h->size];
	free(h->log);
	h->log = log;
	h->head = 0;
	h->size = size;
	return 0;
}

/* Our weight in the window at now: in flight plus answered. */
int64_t
budget_own(const struct rest_host *h, int64_t now)
{
	int64_t sum = h->inflight;
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct rest_ent *e = &h->log[(h->head + i) % h->size];

		if (e->t + h->window > now)
			sum += e->w;
	}
	return sum;
}

/*
 * Others' weight is the last estimate while it is fresh (one window) or
 * an answer that will refresh it is on the way.  Others' use is assumed
 * to go on at the rate seen; a stale estimate counts as nothing, but
 * then only one request goes out, to probe.
 */
int
budget_fresh(const struct rest_host *h, int64_t now)
{
	return now < h->foreign_at + h->window || h->nactive > 0;
}

int64_t
budget_foreign(const struct rest_host *h, int64_t now)
{
	return budget_fresh(h, now) ? h->foreign : 0;
}

/*
 * The earliest time from now on when our own weight is at most x, or
 * INT64_MAX when that needs requests in flight to finish first.
 */
int64_t
budget_own_at(const struct rest_host *h, int64_t x, int64_t now)
{
	int64_t sum = budget_own(h, now);
	size_t i;

	if (sum <= x)
		return now;
	for (i = 0; i < h->n; i++) {
		const struct rest_ent *e = &h->log[(h->head + i) % h->size];

		if (e->t + h->window <= now)
			continue;
		sum -= e->w;
		if (sum <= x)
			return e->t + h->window;
	}
	return INT64_MAX;
}

/*
 * When a request of weight w fits in the host's budget.  A request
 * heavier than the whole budget (it shrank after the request was
 * queued) goes when the window is empty rather than never.
 */
int64_t
budget_at(const struct rest_host *h, int w, int64_t now)
{
	int64_t f = h->foreign, x, t, probe;

	if (budget_own(h, now) + budget_foreign(h, now) + w <= h->cap)
		return now;
	/* When ours has shrunk enough beside others' as it is. */
	x = (int64_t)h->cap - f - w;
	if (x < 0 && f == 0)
		x = 0;
	t = x >= 0 ? budget_own_at(h, x, now) : INT64_MAX;
	/* When the estimate is stale and nothing in flight will renew it. */
	if (f > 0 && h->nactive == 0) {
		x = (int64_t)h->cap - w;
		probe = budget_own_at(h, x < 0 ? 0 : x, now);
		if (probe < h->foreign_at + h->window)
			probe = h->foreign_at + h->window;
		if (probe < t)
			t = probe;
	}
	return t;
}

int64_t
budget_pace_at(const struct rest_host *h)
{
	return h->pace[h->pace_i] + REST_PACE_MS;
}

void
budget_started(struct rest_host *h, int w, int64_t now)
{
	h->inflight += w;
	h->nactive++;
	h->sent++;
	h->pace[h->pace_i] = now;
	h->pace_i = (h->pace_i + 1) % REST_PACE_N;
}

/* A request left the wire (answered, failed or cancelled). */
void
budget_finished(struct rest_host *h, int w, int64_t start, int64_t now)
{
	h->inflight -= w;
	h->nactive--;
	/* budget_reserve() made room when it started. */
	h->log[(h->head + h->n) % h->size] = (struct rest_ent){ now, start, w };
	h->n++;
}

/*
 * The server counted the weight used in its window when the request
 * (of weight w, sent at start) came in: others' on the same IP and
 * ours.  Of ours it surely holds this one and those answered before
 * this one was sent and sent themselves within a window from now (the
 * server saw them between their start and their answer).  Others may be
 * in the count too, and then pass for others' until the next answer:
 * the estimate errs on the safe side.
 */
void
budget_server_used(struct rest_host *h, int used, int64_t start, int w,
    int64_t now)
{
	int64_t own = w;
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct rest_ent *e = &h->log[(h->head + i) % h->size];

		if (e->t > start)
			break;
		if (e->start > now - h->window)
			own += e->w;
	}
	h->server_used = used;
	h->foreign = used > own ? (int)(used - own) : 0;
	h->foreign_at = now;
}

