/*
 * budget: one REST host's weight budget, for the scheduler in rest.c:
 * the weight of its answered requests within the window (a ring), the
 * weight in flight, the pacing of starts, and what others on the IP use
 * by the server's count.  Times are CLOCK_MONOTONIC milliseconds.
 * Private to net/: rest.h is the interface.
 */
#ifndef MKT_BUDGET_H
#define MKT_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "rest.h"

#define REST_KEY_MAX 32

struct rest_ent {
	int64_t t;	/* when the answer came */
	int64_t start;	/* when it was sent */
	int w;
};

struct rest_host {
	char key[REST_KEY_MAX];
	int limit;
	int cap;		/* share * limit */
	int64_t window;
	/* Answered requests within the window, oldest first, a ring. */
	struct rest_ent *log;
	size_t head, n, size;
	int inflight;		/* weight of requests in flight */
	int64_t pace[REST_PACE_N];	/* last starts, a ring */
	int pace_i;		/* the oldest */
	/* Weight used by others on the IP, from the server's count. */
	int foreign;
	int64_t foreign_at;	/* when it was counted */
	int server_used;
	/* Backoff after 429, 418, 403. */
	int limited;		/* a backoff is on (not yet announced over) */
	int limit_status;
	int64_t backoff_until;
	int blocked;		/* in one scheduling pass */
	int nqueued, nactive;
	unsigned long n429, n418, n403, n5xx, nerr, sent;
};

/* Each function's contract is at its definition in budget.c. */
void budget_prune(struct rest_host *h, int64_t now);
int budget_reserve(struct rest_host *h);
int64_t budget_own(const struct rest_host *h, int64_t now);
int budget_fresh(const struct rest_host *h, int64_t now);
int64_t budget_foreign(const struct rest_host *h, int64_t now);
int64_t budget_own_at(const struct rest_host *h, int64_t x, int64_t now);
int64_t budget_at(const struct rest_host *h, int w, int64_t now);
int64_t budget_pace_at(const struct rest_host *h);
void budget_started(struct rest_host *h, int w, int64_t now);
void budget_finished(struct rest_host *h, int w, int64_t start, int64_t now);
void budget_server_used(struct rest_host *h, int used, int64_t start, int w,
    int64_t now);

#endif
