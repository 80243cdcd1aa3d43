/*
 * fuzz_simreplay: libFuzzer harness for mkt-sim's replay reader.  The
 * input is written to a memory file and read by simreplay_load() as
 * mkt-sim does; every instrument with a snapshot becomes a given market
 * that takes all its steps.  After each step the sides must be strictly
 * sorted (bids descending, asks ascending) with positive quantities, the
 * diffs must lie within what the market holds, and the rendered book
 * must be a valid JSON object.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"
#include "sim/simmarket.h"
#include "sim/simreplay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

/* As mkt-sim: the four markets, symbols of capitals and digits. */
static int
want(void *ctx, const char *venue, const char *market, const char *symbol)
{
	const char *p;

	(void)ctx;
	if (!((strcmp(venue, "binance") == 0 && (strcmp(market, "spot") == 0 ||
	    strcmp(market, "futures") == 0)) ||
	    (strcmp(venue, "bybit") == 0 && (strcmp(market, "linear") == 0 ||
	    strcmp(market, "spot") == 0))) || strlen(symbol) > 20)
		return 0;
	for (p = symbol; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

static void
bad(void *ctx, long line, const char *why)
{
	(void)ctx;
	check(line > 0 && why && *why);
}

static void
check_side(const struct sm_side *s, int bid)
{
	size_t i;

	/* Stored best last; sm_at reads it best first. */
	for (i = 0; i < s->n; i++) {
		check(sm_at(s, i)->qty > 0);
		if (i)
			check(bid ? sm_at(s, i)->px < sm_at(s, i - 1)->px :
			    sm_at(s, i)->px > sm_at(s, i - 1)->px);
	}
}

static void
check_market(struct simmarket *m, struct buf *b)
{
	struct json_obj o;
	struct sm_diff d;
	const char *why;
	size_t where;

	check_side(&m->bid, 1);
	check_side(&m->ask, 0);
	simmarket_diff(m, 0, &d);
	simmarket_diff(m, 3, &d);
	check(d.nbid <= m->bid.n + m->prev_bid.n &&
	    d.nask <= m->ask.n + m->prev_ask.n);
	buf_reset(b);
	check(simmarket_render_book(m, b) == 0);
	check(!buf_failed(b) && b->len > 0 && b->p[b->len - 1] == '\n');
	check(json_parse_object(b->p, b->len - 1, &o, &why, &where) == 0);
}

static void
replay(const struct sr_inst *in, struct buf *b)
{
	struct sm_params p;
	struct simmarket *m;
	struct sr_step st;
	size_t i;

	check(simmarket_params_given(&p, in->venue, in->market, in->symbol,
	    in->px_dp, in->qty_dp) == 0);
	m = simmarket_new(&p);
	check(m != NULL);
	simreplay_step(in, 0, &st);
	check(st.kind == SR_SNAPSHOT);
	check(simmarket_load(m, &st.sm) == 0);
	check_market(m, b);
	for (i = 1; i < in->nrec; i++) {
		simreplay_step(in, i, &st);
		check(st.sm.ntrades <= SM_TRADES_MAX);
		check(simmarket_apply(m, &st.sm) == 0);
		check(m->last_id == st.sm.last_id);
		check_market(m, b);
	}
	check(m->steps == in->nrec - 1);
	simmarket_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct simreplay r;
	struct buf b;
	char path[64];
	size_t i;
	int fd, rc;

	fd = memfd_create("fuzz_simreplay", 0);
	check(fd >= 0);
	check(write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	buf_init(&b, 0);
	rc = simreplay_load(&r, path, want, bad, NULL);
	/* Failing is refusing a value (its line named), never anything else. */
	check(rc == 0 || (errno == EINVAL && r.line > 0 && r.why[0]));
	if (rc == 0)
		for (i = 0; i < r.ninst; i++)
			if (r.inst[i]->has_snapshot)
				replay(r.inst[i], &b);
	simreplay_free(&r);
	buf_free(&b);
	close(fd);
	return 0;
}
