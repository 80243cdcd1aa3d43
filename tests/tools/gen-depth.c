/*
 * gen-depth: a deterministic synthetic Binance spot depth stream, for the
 * tests and the benchmarks.
 *
 * Writes, in mkt's event format (NDJSON on standard output), one snapshot
 * per symbol and then depth events that continue it: ids without gaps,
 * about ten events a second per symbol, 5 to 32 random changes each and
 * now and then a price move (19 changed levels on average, 710 bytes),
 * about 17 % of them deletions of existing levels, the changes
 * concentrated near the top of the book (median 20 levels deep).  The
 * generator keeps its own book per symbol, so a deletion always names a
 * level that exists and the book never crosses: when a price move takes
 * the best bid up to or past the best ask (or the other way round), the
 * levels it crosses are removed from the other side in the same event.
 *
 * Prices are integers in ticks of 0.01 and quantities integers in units
 * of 1e-8, printed exactly with Binance's 8 decimals ("30000.01000000");
 * the truth file has them trimmed as mkt prints them ("30000.01").  No
 * floating point touches them; the only floating point is in drawing how
 * deep in the book a change lands.
 *
 * --truth FILE writes each symbol's final book as one `book` event with
 * every level, --meta FILE the stream's counts as NAME=VALUE lines.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog/err.h"

#define QTY_SCALE	100000000	/* quantity unit: 1e-8 */
#define PRICE_SCALE	100000000	/* prices printed in units of 1e-8 */
#define TICK		1000000		/* price tick: 0.01 */

#define MIN_CHANGES	5	/* random changes per event, uniform */
#define MAX_CHANGES	32
#define MAX_CHG		128	/* the changes, plus a sweep's 51 removals */
#define MOVE_PCT	25	/* events with a price move, percent */
#define INSIDE_PCT	85	/* moves into the spread, when it is wide */
#define SWEEP_PCT	5	/* moves that sweep 5..50 ticks */
#define SWEEP_MAX	50
#define DEL_PERMILLE	160	/* random changes that are deletions */
#define INS_PERMILLE	160	/* insertions when a side has its target size */
#define MEAN_DEPTH	25.0	/* mean distance from the best, in levels */
#define DEEP_PCT	8	/* changes anywhere in the book, percent */
#define MIN_SIDE	16	/* never delete below this many levels */
#define ID_SPAN_MAX	8	/* last_id - first_id + 1 is 1..ID_SPAN_MAX */

#define T0		1700000000000LL	/* 2023-11-14T22:13:20Z */
#define STEP_MS		100

/* Side index: keys are ticks for bids and minus ticks for asks, so both
 * sides are kept ascending with the best level last, "better" is a larger
 * key, and the other side is crossed by key k when its key is >= -k. */
enum { BID, ASK };

struct side {
	int64_t *key;
	int64_t *qty;
	size_t n;
	size_t cap;
};

struct sym {
	char name[24];
	struct side side[2];
	uint64_t last_id;
	int64_t time;
	int64_t recv;
};

struct change {
	int side;
	int existed;	/* the level was in the book before this event */
	int dropped;	/* added and removed again: not written */
	int64_t key;
	int64_t qty;
};

/* The changes of one event, and a hash of them by (side, key): a slot is
 * in use when its generation is the event's. */
#define EV_HASH		256	/* power of two, well above MAX_CHG */

struct event {
	struct change c[MAX_CHG];
	int n;
	int live;	/* changes not dropped */
	uint32_t gen;
	struct {
		uint32_t gen;
		int idx;
	} h[EV_HASH];
};

/* One output line, grown as needed, written whole. */
struct line {
	char *p;
	size_t len;
	size_t cap;
};

struct stats {
	uint64_t events;
	uint64_t levels;
	uint64_t deletions;
	uint64_t insertions;
	uint64_t snapshot_levels;
	uint64_t bytes;
};

static const char usage_text[] =
	"usage: gen-depth [--events N] [--levels N] [--seed S] [--symbols K]\n"
	"                 [--truth FILE] [--meta FILE]\n"
	"  --events N   depth events in all (1000000)\n"
	"  --levels N   snapshot levels a side, kept near that size (1000)\n"
	"  --seed S     the same seed gives the same bytes (1)\n"
	"  --symbols K  K symbols, snapshots first, events interleaved (1)\n"
	"  --truth FILE the final books, one book event per symbol\n"
	"  --meta FILE  events, levels, deletions, ..., bytes as NAME=VALUE\n";

static const char *const symbol_names[] = {
	"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT",
	"ADAUSDT", "TRXUSDT", "LINKUSDT", "AVAXUSDT", "DOTUSDT", "LTCUSDT",
	"BTCFDUSD", "ETHFDUSD", "ETHBTC", "BNBBTC",
};

static uint64_t rng;
static struct stats st;

/* ---- random numbers: splitmix64 seeds xorshift64* ---- */

static void
rng_seed(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	rng = z ^ (z >> 31);
	if (rng == 0)
		rng = 1;
}

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n), n > 0. */
static uint64_t
uniform(uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rnd() * n) >> 64);
}

/* Uniform in (0, 1]. */
static double
unit(void)
{
	return ((rnd() >> 11) + 1) * 0x1.0p-53;
}

/* ---- output line ---- */

static void
line_reserve(struct line *l, size_t n)
{
	size_t cap;
	char *p;

	if (l->cap - l->len >= n)
		return;
	cap = l->cap ? l->cap : 4096;
	while (cap - l->len < n)
		cap *= 2;
	p = realloc(l->p, cap);
	if (p == NULL)
		die_nomem();
	l->p = p;
	l->cap = cap;
}

static void
put_str(struct line *l, const char *s)
{
	size_t n = strlen(s);

	line_reserve(l, n);
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

static void
put_char(struct line *l, char c)
{
	line_reserve(l, 1);
	l->p[l->len++] = c;
}

static void
put_u64(struct line *l, uint64_t v)
{
	char tmp[24];
	int i = sizeof tmp;

	do {
		tmp[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	line_reserve(l, sizeof tmp - i);
	memcpy(l->p + l->len, tmp + i, sizeof tmp - i);
	l->len += sizeof tmp - i;
}

/* Writes v / 10^digits exactly at p; with trim, the trailing fractional
 * zeros (and a bare point) are dropped.  Returns the end.  At most 21 +
 * digits bytes. */
static char *
fmt_fixed(char *p, uint64_t v, uint64_t scale, int digits, int trim)
{
	char tmp[24];
	uint64_t ip = v / scale, f = v % scale;
	int i = sizeof tmp, n = digits;

	do {
		tmp[--i] = '0' + ip % 10;
		ip /= 10;
	} while (ip);
	memcpy(p, tmp + i, sizeof tmp - i);
	p += sizeof tmp - i;
	if (trim) {
		if (f == 0)
			return p;
		for (; f % 10 == 0; f /= 10)
			n--;
	}
	*p = '.';
	for (i = n; i > 0; i--) {
		p[i] = '0' + f % 10;
		f /= 10;
	}
	return p + n + 1;
}

/* One [price,qty] pair: in the stream with Binance's own digits, the 8
 * decimals of its strings ("30000.01000000", "0.12345000"), which makes
 * the lines as long as real ones; in the truth file mkt's trimmed form
 * ("30000.01", "0.12345"), as mkt-book prints it. */
static void
put_level(struct line *l, int side, int64_t key, int64_t qty, int trim)
{
	char *p;

	line_reserve(l, 64);
	p = l->p + l->len;
	*p++ = '[';
	p = fmt_fixed(p, (side == BID ? key : -key) * TICK, PRICE_SCALE, 8,
	    trim);
	*p++ = ',';
	p = fmt_fixed(p, qty, QTY_SCALE, 8, trim);
	*p++ = ']';
	l->len = p - l->p;
}

static void
put_header(struct line *l, const char *type, const struct sym *s)
{
	put_str(l, "{\"type\":\"");
	put_str(l, type);
	put_str(l, "\",\"venue\":\"binance\",\"market\":\"spot\",\"symbol\":\"");
	put_str(l, s->name);
	put_str(l, "\",\"time\":");
	put_u64(l, s->time);
	put_str(l, ",\"recv\":");
	put_u64(l, s->recv);
}

static void
line_write(struct line *l, FILE *f)
{
	if (fwrite(l->p, 1, l->len, f) != l->len)
		die_errno("write error");
	if (f == stdout)
		st.bytes += l->len;
	l->len = 0;
}

/* ---- the book model ---- */

/* Index of the first key >= key. */
static size_t
side_find(const struct side *sd, int64_t key)
{
	size_t lo = 0, hi = sd->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sd->key[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
side_insert(struct side *sd, size_t pos, int64_t key, int64_t qty)
{
	if (sd->n == sd->cap) {
		size_t cap = sd->cap ? sd->cap * 2 : 1024;
		int64_t *k = realloc(sd->key, cap * sizeof *k);

		if (k == NULL)
			die_nomem();
		sd->key = k;
		k = realloc(sd->qty, cap * sizeof *k);
		if (k == NULL)
			die_nomem();
		sd->qty = k;
		sd->cap = cap;
	}
	memmove(sd->key + pos + 1, sd->key + pos,
	    (sd->n - pos) * sizeof *sd->key);
	memmove(sd->qty + pos + 1, sd->qty + pos,
	    (sd->n - pos) * sizeof *sd->qty);
	sd->key[pos] = key;
	sd->qty[pos] = qty;
	sd->n++;
}

static void
side_remove(struct side *sd, size_t pos)
{
	memmove(sd->key + pos, sd->key + pos + 1,
	    (sd->n - pos - 1) * sizeof *sd->key);
	memmove(sd->qty + pos, sd->qty + pos + 1,
	    (sd->n - pos - 1) * sizeof *sd->qty);
	sd->n--;
}

static void
side_reverse(struct side *sd)
{
	for (size_t i = 0, j = sd->n; i + 1 < j; i++, j--) {
		int64_t k = sd->key[i], q = sd->qty[i];

		sd->key[i] = sd->key[j - 1];
		sd->qty[i] = sd->qty[j - 1];
		sd->key[j - 1] = k;
		sd->qty[j - 1] = q;
	}
}

/* A quantity as a venue shows them: mostly odd lots with 5 or 8 decimals,
 * now and then a round number. */
static int64_t
random_qty(void)
{
	uint64_t r = uniform(100);

	if (r < 8)
		return (int64_t)(1 + uniform(20)) * QTY_SCALE;
	if (r < 40)
		return (int64_t)(1 + uniform(200000)) * 1000;
	return (int64_t)(1 + uniform(60000000));
}

/* Distance from the best level, in levels, of a change: mostly near the
 * top, sometimes anywhere. */
static size_t
pick_depth(size_t n)
{
	size_t d;

	if (uniform(100) < DEEP_PCT)
		return uniform(n);
	d = (size_t)(-MEAN_DEPTH * log(unit()));
	return d < n ? d : uniform(n);
}

/* ---- one event's changes ---- */

static void
event_reset(struct event *ev)
{
	ev->n = 0;
	ev->live = 0;
	if (++ev->gen == 0) {
		memset(ev->h, 0, sizeof ev->h);
		ev->gen = 1;
	}
}

static unsigned
event_slot(int side, int64_t key)
{
	uint64_t h = ((uint64_t)key * 2 + side) * 0x9e3779b97f4a7c15ULL;

	return (unsigned)(h >> 56) & (EV_HASH - 1);
}

/* The slot of (side, key): its change, or the free slot to put it in. */
static unsigned
event_lookup(const struct event *ev, int side, int64_t key)
{
	unsigned i = event_slot(side, key);

	for (;; i = (i + 1) & (EV_HASH - 1)) {
		const struct change *c;

		if (ev->h[i].gen != ev->gen)
			return i;
		c = &ev->c[ev->h[i].idx];
		if (c->side == side && c->key == key)
			return i;
	}
}

static struct change *
event_find(struct event *ev, int side, int64_t key)
{
	unsigned i = event_lookup(ev, side, key);

	return ev->h[i].gen == ev->gen ? &ev->c[ev->h[i].idx] : NULL;
}

/* Record the new state of a level.  A level both added and removed in the
 * same event leaves no trace, so every deletion names a level that
 * existed before the event. */
static void
event_record(struct event *ev, int side, int64_t key, int64_t qty,
    int existed)
{
	unsigned i = event_lookup(ev, side, key);
	struct change *c;

	if (ev->h[i].gen == ev->gen) {
		c = &ev->c[ev->h[i].idx];
		ev->live -= !c->dropped;
	} else {
		if (ev->n == MAX_CHG)
			die("internal error: too many changes in one event");
		ev->h[i].gen = ev->gen;
		ev->h[i].idx = ev->n;
		c = &ev->c[ev->n++];
		c->side = side;
		c->key = key;
		c->existed = existed;
	}
	c->qty = qty;
	c->dropped = !c->existed && qty == 0;
	ev->live += !c->dropped;
}

/* Best first: bids then asks, each by descending key.  An insertion sort:
 * a few dozen changes, and qsort's setup costs more than the sorting. */
static int
change_before(const struct change *x, const struct change *y)
{
	if (x->side != y->side)
		return x->side < y->side;
	return x->key > y->key;
}

static void
event_sort(struct event *ev)
{
	for (int i = 1; i < ev->n; i++) {
		struct change c = ev->c[i];
		int j = i;

		for (; j > 0 && change_before(&c, &ev->c[j - 1]); j--)
			ev->c[j] = ev->c[j - 1];
		ev->c[j] = c;
	}
}

static int
do_delete(struct sym *s, struct event *ev, int side)
{
	struct side *sd = &s->side[side];
	size_t pos;

	if (sd->n <= MIN_SIDE)
		return 0;
	pos = sd->n - 1 - pick_depth(sd->n);
	if (event_find(ev, side, sd->key[pos]) != NULL)
		return 0;
	event_record(ev, side, sd->key[pos], 0, 1);
	side_remove(sd, pos);
	return 1;
}

static int
do_update(struct sym *s, struct event *ev, int side)
{
	struct side *sd = &s->side[side];
	size_t pos = sd->n - 1 - pick_depth(sd->n);
	int64_t qty;

	if (event_find(ev, side, sd->key[pos]) != NULL)
		return 0;
	do
		qty = random_qty();
	while (qty == sd->qty[pos]);
	sd->qty[pos] = qty;
	event_record(ev, side, sd->key[pos], qty, 1);
	return 1;
}

/* A new level in a free tick behind the level picked, or past the deepest
 * one; never better than the best, so a random insertion cannot cross. */
static int
do_insert(struct sym *s, struct event *ev, int side)
{
	struct side *sd = &s->side[side];
	size_t pos = sd->n - 1 - pick_depth(sd->n);
	int64_t key = 0, qty;
	int tries;

	for (tries = 0; tries < 16; tries++, pos--) {
		if (pos == 0) {
			key = sd->key[0] - 1 - (int64_t)uniform(5);
			break;
		}
		if (sd->key[pos] - sd->key[pos - 1] > 1) {
			int64_t gap = sd->key[pos] - sd->key[pos - 1] - 1;

			key = sd->key[pos - 1] + 1 + (int64_t)uniform(gap);
			break;
		}
	}
	if (tries == 16 || (side == BID && key < 1))
		return 0;
	if (event_find(ev, side, key) != NULL)
		return 0;
	qty = random_qty();
	side_insert(sd, side_find(sd, key), key, qty);
	event_record(ev, side, key, qty, 0);
	return 1;
}

/*
 * The best price of one side improves: into the spread when it is wider
 * than a tick, or onto the other side's best level and a tick or two past
 * it, or now and then a sweep of up to SWEEP_MAX ticks.  Whatever the new
 * best crosses on the other side is taken out in the same event, so the
 * book never crosses; the ticks a sweep jumps fill up again later.
 */
static void
do_move(struct sym *s, struct event *ev)
{
	int side = uniform(2), other = !side;
	struct side *sd = &s->side[side], *od = &s->side[other];
	int64_t best = sd->key[sd->n - 1];
	int64_t spread = -od->key[od->n - 1] - best;
	uint64_t r = uniform(100);
	int64_t step, key, qty;

	if (spread > 1 && (r < INSIDE_PCT || od->n < MIN_SIDE + SWEEP_MAX + 8))
		step = 1 + (int64_t)uniform(spread - 1);
	else if (od->n < MIN_SIDE + SWEEP_MAX + 8)
		return;
	else if (r >= 100 - SWEEP_PCT)
		step = spread + 5 + (int64_t)uniform(SWEEP_MAX - 4);
	else
		step = spread + (int64_t)uniform(3);
	key = best + step;
	qty = random_qty();

	/* event_record() keeps what it knew of a level touched before in
	 * this event; otherwise the new best is new and the crossed levels
	 * were there. */
	side_insert(sd, sd->n, key, qty);
	event_record(ev, side, key, qty, 0);
	while (od->key[od->n - 1] >= -key) {
		event_record(ev, other, od->key[od->n - 1], 0, 1);
		od->n--;
	}
}

/* Insertions are steered by the side's size so that it stays near the
 * target: more when short, fewer when long. */
static int
insert_permille(const struct side *sd, size_t target)
{
	long p = INS_PERMILLE +
	    500L * ((long)target - (long)sd->n) / (long)target;

	if (p < 20)
		p = 20;
	if (p > 600)
		p = 600;
	return (int)p;
}

static void
make_changes(struct sym *s, struct event *ev, size_t target)
{
	int want = MIN_CHANGES + (int)uniform(MAX_CHANGES - MIN_CHANGES + 1);
	int move_at = uniform(100) < MOVE_PCT ? (int)uniform(want) : -1;
	int done = 0;

	event_reset(ev);
	for (int tries = 0; done < want && tries < 100 * MAX_CHANGES; tries++) {
		int side = uniform(2);
		int r = uniform(1000);
		int ins = insert_permille(&s->side[side], target);

		if (move_at >= 0 && done >= move_at) {
			do_move(s, ev);
			move_at = -1;
		}
		if (r < DEL_PERMILLE)
			done += do_delete(s, ev, side);
		else if (r < DEL_PERMILLE + ins)
			done += do_insert(s, ev, side);
		else
			done += do_update(s, ev, side);
	}
	event_sort(ev);
}

/* ---- events ---- */

static void
init_sym(struct sym *s, int idx, size_t levels, int64_t *recv)
{
	static const int64_t start[] = { 3000000, 200000 };
	int64_t best = idx == 0 ? start[0] :
	    start[1] + (int64_t)(idx * 370131 % 2800000);

	if ((size_t)idx < sizeof symbol_names / sizeof symbol_names[0])
		snprintf(s->name, sizeof s->name, "%s", symbol_names[idx]);
	else
		snprintf(s->name, sizeof s->name, "SYM%dUSDT", idx);
	memset(s->side, 0, sizeof s->side);
	s->last_id = 40000000000ULL + (uint64_t)idx * 1000000000ULL +
	    uniform(1000000);
	s->time = T0 - 1000;
	s->recv = s->time * 1000 + 500 + (int64_t)uniform(1000);
	if (s->recv <= *recv)
		s->recv = *recv + 1;
	*recv = s->recv;

	/* Dense near the top, sparser deeper.  Appended best first, then
	 * turned round so that the best level is last. */
	for (int side = BID; side <= ASK; side++) {
		struct side *sd = &s->side[side];
		int64_t tick = side == BID ? best : best + 1;

		for (size_t i = 0; i < levels && tick >= 1; i++) {
			side_insert(sd, sd->n, side == BID ? tick : -tick,
			    random_qty());
			tick += (side == BID ? -1 : 1) *
			    (1 + (int64_t)uniform(1 + i / 128));
		}
		side_reverse(sd);
	}
}

static void
put_side(struct line *l, const struct side *sd, int side, int trim)
{
	put_char(l, '[');
	for (size_t i = sd->n; i-- > 0;) {
		put_level(l, side, sd->key[i], sd->qty[i], trim);
		if (i > 0)
			put_char(l, ',');
	}
	put_char(l, ']');
}

/* The snapshot event and the truth's book event: the whole book. */
static void
write_book(struct line *l, FILE *f, const struct sym *s, const char *type)
{
	int trim = strcmp(type, "book") == 0;

	put_header(l, type, s);
	put_str(l, ",\"last_id\":");
	put_u64(l, s->last_id);
	put_str(l, ",\"bids\":");
	put_side(l, &s->side[BID], BID, trim);
	put_str(l, ",\"asks\":");
	put_side(l, &s->side[ASK], ASK, trim);
	put_str(l, "}\n");
	line_write(l, f);
}

static void
write_depth(struct line *l, struct sym *s, const struct event *ev)
{
	uint64_t first = s->last_id + 1;
	int i = 0;

	s->last_id = first + uniform(ID_SPAN_MAX);
	put_header(l, "depth", s);
	put_str(l, ",\"first_id\":");
	put_u64(l, first);
	put_str(l, ",\"last_id\":");
	put_u64(l, s->last_id);
	for (int side = BID; side <= ASK; side++) {
		int n = 0;

		put_str(l, side == BID ? ",\"bids\":[" : "],\"asks\":[");
		for (; i < ev->n && ev->c[i].side == side; i++) {
			if (ev->c[i].dropped)
				continue;
			if (n++ > 0)
				put_char(l, ',');
			put_level(l, side, ev->c[i].key, ev->c[i].qty, 0);
			st.deletions += ev->c[i].qty == 0;
			st.insertions += !ev->c[i].existed;
		}
	}
	put_str(l, "]}\n");
	line_write(l, stdout);
	st.events++;
	st.levels += ev->live;
}

/*
 * Event times: rounds of one event per symbol, about STEP_MS apart, the
 * symbols spread over the round; receive times a little later, never
 * going back.
 */
static void
stamp(struct sym *s, int idx, int nsym, int64_t round_time, int64_t *recv)
{
	int64_t r;

	s->time = round_time + (int64_t)idx * STEP_MS / nsym;
	r = s->time * 1000 + 300 + (int64_t)uniform(3000);
	if (r <= *recv)
		r = *recv + 1;
	s->recv = *recv = r;
}

static void
free_syms(struct sym *syms, int nsym)
{
	for (int i = 0; i < nsym; i++) {
		for (int side = BID; side <= ASK; side++) {
			free(syms[i].side[side].key);
			free(syms[i].side[side].qty);
		}
	}
	free(syms);
}

static void
write_meta(const char *path, size_t levels, int nsym)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die_errno("cannot open '%s'", path);
	fprintf(f, "events=%" PRIu64 "\nlevels=%" PRIu64 "\n"
	    "deletions=%" PRIu64 "\ninsertions=%" PRIu64 "\n"
	    "snapshot_levels=%" PRIu64 "\nbytes=%" PRIu64 "\n"
	    "symbols=%d\nbook_levels=%zu\n",
	    st.events, st.levels, st.deletions, st.insertions,
	    st.snapshot_levels, st.bytes, nsym, levels);
	if (fclose(f) != 0)
		die_errno("cannot write '%s'", path);
}

static void
write_truth(const char *path, struct line *l, const struct sym *syms,
    int nsym)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die_errno("cannot open '%s'", path);
	for (int i = 0; i < nsym; i++)
		write_book(l, f, &syms[i], "book");
	if (fclose(f) != 0)
		die_errno("cannot write '%s'", path);
}

/* ---- command line ---- */

static uint64_t
parse_num(const char *opt, const char *arg, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (arg[0] < '0' || arg[0] > '9')
		die_usage("%s: not a number: '%s'", opt, arg);
	v = strtoull(arg, &end, 10);
	if (*end != '\0')
		die_usage("%s: not a number: '%s'", opt, arg);
	if (errno == ERANGE || v < min || v > max)
		die_usage("%s: out of range (%" PRIu64 "..%" PRIu64 "): '%s'",
		    opt, min, max, arg);
	return v;
}

static void
usage(FILE *f)
{
	fputs(usage_text, f);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "events", required_argument, NULL, 'n' },
		{ "levels", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		{ "symbols", required_argument, NULL, 'k' },
		{ "truth", required_argument, NULL, 't' },
		{ "meta", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t events = 1000000, seed = 1;
	size_t levels = 1000;
	int nsym = 1, c;
	const char *truth = NULL, *meta = NULL;
	struct line l = { 0 };
	static struct event ev;
	struct sym *syms;
	int64_t round_time = T0, recv = 0;
	static char obuf[1 << 20];

	err_init("gen-depth");
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			events = parse_num("--events", optarg, 0, UINT64_MAX / 2);
			break;
		case 'l':
			levels = parse_num("--levels", optarg, MIN_SIDE, 1000000);
			break;
		case 's':
			seed = parse_num("--seed", optarg, 0, UINT64_MAX);
			break;
		case 'k':
			nsym = parse_num("--symbols", optarg, 1, 100000);
			break;
		case 't':
			truth = optarg;
			break;
		case 'm':
			meta = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			fprintf(stderr, "try 'gen-depth --help'\n");
			return 2;
		}
	}
	if (optind != argc)
		die_usage("unexpected argument '%s'", argv[optind]);

	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	rng_seed(seed);
	syms = calloc(nsym, sizeof *syms);
	if (syms == NULL)
		die_nomem();
	for (int i = 0; i < nsym; i++) {
		init_sym(&syms[i], i, levels, &recv);
		write_book(&l, stdout, &syms[i], "snapshot");
		st.snapshot_levels += syms[i].side[BID].n + syms[i].side[ASK].n;
	}
	for (uint64_t e = 0; e < events; e++) {
		int idx = e % nsym;

		if (idx == 0)
			round_time += STEP_MS - 2 + (int64_t)uniform(5);
		stamp(&syms[idx], idx, nsym, round_time, &recv);
		make_changes(&syms[idx], &ev, levels);
		write_depth(&l, &syms[idx], &ev);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("write error");
	if (truth != NULL)
		write_truth(truth, &l, syms, nsym);
	if (meta != NULL)
		write_meta(meta, levels, nsym);
	free_syms(syms, nsym);
	free(l.p);
	return 0;
}
