/*
 * weight.c: Binance's REST weight: each client address's rolling
 * minute per API, and the --weight-limit answers (429, 418 ban).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "prog/err.h"

#include "sim.h"

/* The rolling weight of (ip, api), made on first use. */
struct ipw *
weight_of(struct sim *s, const char *ip, int api)
{
	struct ipw *e, *p;
	size_t i;

	for (i = 0; i < s->nipw; i++)
		if (s->ipw[i].api == api && strcmp(s->ipw[i].ip, ip) == 0)
			return &s->ipw[i];
	p = realloc(s->ipw, (s->nipw + 1) * sizeof *p);
	if (!p)
		die_nomem();
	s->ipw = p;
	e = &s->ipw[s->nipw++];
	memset(e, 0, sizeof *e);
	snprintf(e->ip, sizeof e->ip, "%s", ip);
	e->api = api;
	return e;
}

/* The weight spent in the minute up to second `now`. */
static int64_t
weight_used(const struct ipw *e, int64_t now)
{
	int64_t sum = 0;
	size_t i;

	for (i = 0; i < WEIGHT_WINDOW; i++)
		if (e->sec[i] > now - WEIGHT_WINDOW)
			sum += e->w[i];
	return sum;
}

/* Seconds until `w` more fits under `limit` as old weight expires. */
static int64_t
weight_wait(const struct ipw *e, int64_t now, int64_t w, int64_t limit)
{
	int64_t used = weight_used(e, now), t;
	size_t i;

	for (t = now - WEIGHT_WINDOW + 1; t <= now && used + w > limit; t++)
		for (i = 0; i < WEIGHT_WINDOW; i++)
			if (e->sec[i] == t)
				used -= e->w[i];
	return t - (now - WEIGHT_WINDOW + 1) + 1;
}

/* Add weight to the rolling minute; the minute's total. */
int64_t
weight_add(struct sim *s, struct ipw *e, int64_t w)
{
	int64_t now = time_now_ms() / 1000, sum;
	size_t i = (size_t)(now % WEIGHT_WINDOW);

	if (e->sec[i] != now) {
		e->sec[i] = now;
		e->w[i] = 0;
	}
	e->w[i] += w;
	sum = weight_used(e, now);
	s->weight_total += w;
	if (sum > s->weight_peak)
		s->weight_peak = sum;
	return sum;
}

/*
 * Binance's IP weight limit: a request that would pass it is answered
 * 429 with the seconds until it fits; a client that keeps asking during
 * that time is banned (418) for BAN_MS -- unless its requests came
 * within --limit-grace of the 429 (none: 0), when they may have been on
 * their way before it arrived: those get 429 too.  The status to answer instead
 * of st (and its body and Retry-After in c->body and h), or st.
 */
unsigned
weight_limit(struct sim *s, struct conn *c, struct ipw *e, int64_t weight,
    unsigned st, struct hdr *h)
{
	int64_t now_ms = time_now_ms(), now = now_ms / 1000, wait;
	int64_t limit = e->api == API_FUT ? s->o->weight_limit_fut :
	    s->o->weight_limit_spot;

	if (!limit)
		return st;
	if (e->banned_until_ms <= now_ms && e->limited_until_ms > now_ms &&
	    (now_ms - e->limited_at_ms > s->o->limit_grace_ms ||
	    !s->o->limit_grace_ms)) {
		e->banned_until_ms = now_ms + BAN_MS;
		e->limited_until_ms = 0;
	}
	if (e->banned_until_ms <= now_ms &&
	    weight_used(e, now) + weight <= limit)
		return st;
	buf_reset(&c->body);
	h->name = "retry-after:";
	if (e->banned_until_ms > now_ms) {
		s->limit_418++;
		snprintf(h->val, sizeof h->val, "%lld",
		    (long long)((e->banned_until_ms - now_ms + 999) / 1000));
		bn_error_body(&c->body, -1003, "Way too many requests; IP "
		    "banned. Please use WebSocket Streams for live updates "
		    "to avoid bans.");
		return 418;
	}
	wait = weight_wait(e, now, weight, limit);
	if (e->limited_until_ms <= now_ms)
		e->limited_at_ms = now_ms;
	e->limited_until_ms = now_ms + wait * 1000;
	s->limit_429++;
	snprintf(h->val, sizeof h->val, "%lld", (long long)wait);
	bn_error_body(&c->body, -1003, "Too many requests; current limit of "
	    "IP(127.0.0.1) request weight per minute is exceeded. Please use "
	    "WebSocket Streams for live updates to avoid polling the API.");
	return 429;
}
