/* jreplay: a journal's order and fill events into a state store (see
 * jreplay.h). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fixed.h"
#include "event/event.h"
#include "event/tevent.h"
#include "store/jreader.h"
#include "store/jreplay.h"

/* One replay: where it writes and what it counts. */
struct replay {
	struct state *s;
	struct jreplay_counts *c;
	const char *dir;
	char *err;
	size_t errsz;
	struct event ev;		/* the event being replayed */
	struct tev_order_in o;
	struct tev_fill_in f;
};

/* The kv key of the journal at path: "journal_seq:" and its real path,
 * so that two spellings of one journal share one seq. */
static int
seq_key(const char *dir, char *key, size_t keysz, char *err, size_t errsz)
{
	char abs[PATH_MAX];

	if (!realpath(dir, abs)) {
		snprintf(err, errsz, "cannot open the journal '%s': %s", dir,
		    strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(key, keysz, "journal_seq:%s", abs) >= keysz) {
		snprintf(err, errsz, "cannot open the journal '%s': its path "
		    "is too long", dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* The seq recorded under key: 0 when none. */
static int
seq_get(struct state *s, const char *key, int64_t *seq, char *err,
    size_t errsz)
{
	void *v;
	size_t n;
	char *end;
	long long x;
	int r;

	*seq = 0;
	r = state_kv_get(s, JREPLAY_OWNER, key, &v, &n, err, errsz);
	if (r <= 0)
		return r;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno || end == v || *end || x < 0) {
		snprintf(err, errsz, "the journal seq in the store is not a "
		    "number: '%.40s'", (const char *)v);
		free(v);
		errno = EINVAL;
		return -1;
	}
	free(v);
	*seq = x;
	return 0;
}

static int
seq_put(struct state *s, const char *key, int64_t seq, int64_t now_ms,
    char *err, size_t errsz)
{
	char v[24];
	int n = snprintf(v, sizeof v, "%" PRId64, seq);

	return state_kv_put(s, JREPLAY_OWNER, key, v, (size_t)n, now_ms, err,
	    errsz);
}

/* A fill the store lacks: added as every fill is. */
static int
replay_fill(struct replay *rp, const struct tev_fill_in *in)
{
	struct state_fill f;
	int r;

	memset(&f, 0, sizeof f);
	f.venue = in->venue;
	f.market = in->market;
	f.symbol = in->symbol;
	f.side = in->side;
	f.venue_trade_id = in->trade_id;
	f.client_id = in->client_id[0] ? in->client_id : NULL;
	f.price = in->price;
	f.qty = in->qty;
	f.fee = in->fee[0] ? in->fee : NULL;
	f.fee_asset = in->fee_asset[0] ? in->fee_asset : NULL;
	f.time_ms = in->time;
	r = state_fill_add(rp->s, &f, rp->err, rp->errsz);
	if (r == 0)
		rp->c->fills++;
	return r < 0 ? -1 : 0;
}

/* How far an order has gone: the oms's merge order. */
static int
rank(const char *status)
{
	if (state_final_status(status))
		return 3;
	if (!strcmp(status, "partially_filled"))
		return 2;
	return !strcmp(status, "new");
}

/* a < b as decimals; text that is not one counts as 0. */
static int
dec_less(const char *a, const char *b)
{
	struct fx x = { 0, 0 }, y = { 0, 0 };

	if (fx_parse(a, strlen(a), &x) != FX_OK)
		x = (struct fx){ 0, 0 };
	if (fx_parse(b, strlen(b), &y) != FX_OK)
		y = (struct fx){ 0, 0 };
	return fx_cmp(x, y) < 0;
}

/* The journal's status is further on than the store's row. */
static int
is_newer(const struct tev_order_in *in, const struct state_intent_row *row)
{
	const char *have = row->status;

	if (state_final_status(have) || !strcmp(row->state, STATE_DONE))
		return 0;
	if (rank(in->status) < rank(have))
		return 0;
	return rank(in->status) > rank(have) ||
	    dec_less(row->filled_qty, in->filled_qty);
}

/* An order the store does not know: its intent, as "sent". */
static int
recreate_intent(struct replay *rp, const struct tev_order_in *in,
    const char *line)
{
	char cid[STATE_CLIENT_ID_MAX + 1];
	struct state_intent si;
	int r;

	if (state_client_id(in->id, cid) < 0 || strcmp(cid, in->client_id)) {
		snprintf(rp->err, rp->errsz, "client id '%s' is not the one "
		    "of intent '%s'", in->client_id, in->id);
		errno = EINVAL;
		return -1;
	}
	memset(&si, 0, sizeof si);
	si.intent_id = in->id;
	si.venue = in->venue;
	si.market = in->market;
	si.symbol = in->symbol;
	si.side = in->side;
	si.type = in->kind;
	si.qty = in->qty;
	si.price = in->price[0] ? in->price : NULL;
	si.tif = in->tif[0] ? in->tif : NULL;
	si.created_ms = in->time;
	si.raw = line;
	r = state_intent_record(rp->s, &si, rp->err, rp->errsz);
	if (r != 0)
		return r < 0 ? -1 : 0;
	rp->c->intents++;
	return state_intent_mark(rp->s, in->client_id, STATE_SENT, in->time,
	    rp->err, rp->errsz);
}

/* Its fills are all in the store: a final status may be recorded. */
static int
fills_complete(struct replay *rp, const struct tev_order_in *in, int *yes)
{
	char qty[STATE_DEC_SZ], avg[STATE_DEC_SZ];

	if (state_fill_sum(rp->s, in->client_id, qty, avg, rp->err,
	    rp->errsz) < 0)
		return -1;
	*yes = !dec_less(qty, in->filled_qty);
	return 0;
}

static int
record_status(struct replay *rp, const struct tev_order_in *in)
{
	struct state_transition t;

	memset(&t, 0, sizeof t);
	t.client_id = in->client_id;
	t.status = in->status;
	t.venue_order_id = in->order_id[0] ? in->order_id : NULL;
	t.filled_qty = in->filled_qty;
	t.avg_price = in->avg_price[0] ? in->avg_price : NULL;
	t.time_ms = in->time;
	t.source = STATE_SRC_JOURNAL;
	if (state_order_transition(rp->s, &t, rp->err, rp->errsz) < 0)
		return -1;
	rp->c->statuses++;
	return 0;
}

static int
replay_order(struct replay *rp, const struct tev_order_in *in,
    const char *line)
{
	struct state_intent_row row;
	int r, complete = 1;

	r = state_intent_get(rp->s, in->client_id, &row, rp->err, rp->errsz);
	if (r < 0)
		return -1;
	if (r == 0) {
		if (recreate_intent(rp, in, line) < 0)
			return -1;
		r = state_intent_get(rp->s, in->client_id, &row, rp->err,
		    rp->errsz);
		if (r < 0)
			return -1;
		if (r == 0) {
			snprintf(rp->err, rp->errsz, "intent '%s' is in the "
			    "store under another client id than '%s'", in->id,
			    in->client_id);
			errno = EEXIST;
			return -1;
		}
	}
	if (!is_newer(in, &row))
		return 0;
	if (state_final_status(in->status) && fills_complete(rp, in, &complete) < 0)
		return -1;
	/* Held back as mkt-exec holds it: the venue step fetches them. */
	if (!complete)
		return 0;
	return record_status(rp, in);
}

/* One event of the journal, as read (line[0..len)); -1 with err. */
static int
replay_event(struct replay *rp, const char *line, size_t len)
{
	char *copy;
	int r;

	if (event_parse(line, len, &rp->ev, rp->err, rp->errsz) < 0)
		return -1;
	rp->c->events++;
	if (tevent_is(&rp->ev, "fill"))
		return tevent_fill_in(&rp->ev, &rp->f, rp->err,
		    rp->errsz) < 0 ? -1 : replay_fill(rp, &rp->f);
	if (!tevent_is(&rp->ev, "order"))
		return 0;
	if (tevent_order_in(&rp->ev, &rp->o, rp->err, rp->errsz) < 0)
		return -1;
	/* The intent's raw line: the order event, whole. */
	copy = strndup(line, len);
	if (!copy) {
		snprintf(rp->err, rp->errsz, "no memory");
		return -1;
	}
	r = replay_order(rp, &rp->o, copy);
	free(copy);
	return r;
}

/* The failure of the event at seq: the journal and seq first. */
static void
name_seq(struct replay *rp, int64_t seq)
{
	char why[512];

	snprintf(why, sizeof why, "%s", rp->err);
	snprintf(rp->err, rp->errsz, "journal '%s' seq %" PRId64 ": %s",
	    rp->dir, seq, why);
}

/* Every wanted event from the query's seq to the journal's end. */
static int
replay_all(struct replay *rp, struct jreader *jr)
{
	struct jr_event ev;

	for (;;) {
		switch (jr_next(jr, &ev)) {
		case JR_EVENT:
			if (replay_event(rp, ev.line, ev.len) < 0) {
				name_seq(rp, ev.seq);
				return -1;
			}
			break;
		case JR_END:
			return 0;
		case JR_DAMAGE:
			snprintf(rp->err, rp->errsz, "damage in the journal "
			    "'%s': %s", rp->dir, jr_error(jr));
			errno = EIO;
			return -1;
		default:
			snprintf(rp->err, rp->errsz, "cannot read the "
			    "journal '%s': %s", rp->dir, jr_error(jr));
			return -1;
		}
	}
}

static int
open_query(struct jreader **jr, const char *dir, const char *const *venue,
    const char *const *market, int64_t from, char *err, size_t errsz)
{
	static const char *const types[] = { "order", "fill" };
	struct jr_query q;
	char why[512];

	if (jr_open(jr, dir, why, sizeof why) < 0) {
		snprintf(err, errsz, "cannot open the journal '%s': %s", dir,
		    why);
		return -1;
	}
	jr_query_init(&q);
	q.from_seq = from;
	q.keys[JR_VENUE] = venue;
	q.nkeys[JR_VENUE] = 1;
	q.keys[JR_MARKET] = market;
	q.nkeys[JR_MARKET] = 1;
	q.keys[JR_TYPE] = types;
	q.nkeys[JR_TYPE] = 2;
	if (jr_query(*jr, &q) < 0) {
		snprintf(err, errsz, "cannot read the journal '%s': %s", dir,
		    jr_error(*jr));
		return -1;
	}
	return 0;
}

int
jreplay_run(struct state *s, const char *dir, const char *venue,
    const char *market, int64_t now_ms, struct jreplay_counts *c, char *err,
    size_t errsz)
{
	const char *const v[] = { venue }, *const m[] = { market };
	struct replay *rp = NULL;
	struct jreader *jr = NULL;
	char key[PATH_MAX + 16];

	memset(c, 0, sizeof *c);
	if (seq_key(dir, key, sizeof key, err, errsz) < 0 ||
	    seq_get(s, key, &c->from_seq, err, errsz) < 0)
		return -1;
	rp = calloc(1, sizeof *rp);
	if (!rp) {
		snprintf(err, errsz, "no memory");
		return -1;
	}
	rp->s = s;
	rp->c = c;
	rp->dir = dir;
	rp->err = err;
	rp->errsz = errsz;
	if (open_query(&jr, dir, v, m, c->from_seq, err, errsz) < 0)
		goto fail;
	if (state_batch_begin(s, err, errsz) < 0)
		goto fail;
	if (replay_all(rp, jr) < 0)
		goto fail_batch;
	c->next_seq = jr_position(jr);
	/* Nothing new: the store stays byte for byte as it was. */
	if (c->next_seq != c->from_seq &&
	    seq_put(s, key, c->next_seq, now_ms, err, errsz) < 0)
		goto fail_batch;
	if (state_batch_end(s, err, errsz) < 0)
		goto fail;
	jr_close(jr);
	free(rp);
	return 0;
fail_batch:
	state_batch_abort(s);
fail:
	jr_close(jr);
	free(rp);
	return -1;
}
