/*
 * paper-run: drive the paper venue (lib/venue/paper) over an NDJSON file,
 * for the tests.  Market events go to paper_market(); three more line
 * types are commands:
 *   {"type":"paper_place","client_id":C,"symbol":S,"side":"buy"|"sell",
 *    "kind":"limit"|"market","tif":"gtc"|"ioc"|"fok"|"post_only",
 *    "qty":Q[,"price":P][,"venue":V,"market":M]}
 *   {"type":"paper_cancel","client_id":C}
 *   {"type":"paper_reload"}	save, close, open a new one, load
 * Every update comes out as one JSON line (numbers as exact decimal
 * strings, trailing zeros dropped), in the order the library gave them;
 * tests/tools/paper_check.py prints the same lines from the rules alone.
 *
 * Usage: paper-run [--maker RATE] [--taker RATE] < IN > OUT
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/fixed.h"
#include "event/event.h"
#include "prog/err.h"
#include "venue/paper/paper.h"

static const char *
str_member(const struct event *ev, const char *name, char *dst, size_t cap)
{
	const struct json_span *v = json_get(&ev->obj, name);

	if (!v || v->type != JSON_STRING || json_str_copy(v, dst, cap) < 0)
		return NULL;
	return dst;
}

static void
add_num(struct buf *b, const char *name, struct fx v)
{
	buf_addf(b, ",\"%s\":\"", name);
	buf_add_fx(b, v);
	buf_addc(b, '"');
}

static void
add_str(struct buf *b, const char *name, const char *s)
{
	buf_addf(b, ",\"%s\":", name);
	buf_add_jstr(b, s, strlen(s));
}

static void
render(struct buf *b, const struct vt_update *u)
{
	buf_adds(b, u->kind == VT_U_FILL ? "{\"u\":\"fill\"" :
	    "{\"u\":\"order\"");
	add_str(b, "symbol", u->symbol);
	buf_addf(b, ",\"time\":%lld", (long long)u->time_ms);
	add_str(b, "client_id", u->client_id);
	add_str(b, "order_id", u->order_id);
	add_str(b, "side", u->side == VT_BUY ? "buy" : "sell");
	if (u->kind == VT_U_FILL) {
		add_str(b, "trade_id", u->trade_id);
		add_num(b, "price", u->fill_price);
		add_num(b, "qty", u->fill_qty);
		add_num(b, "fee", u->fee);
		add_str(b, "fee_asset", u->fee_asset);
		buf_addf(b, ",\"maker\":%s}\n", u->maker ? "true" : "false");
		return;
	}
	add_str(b, "status", u->status);
	add_str(b, "kind", u->okind == VT_MARKET ? "market" : "limit");
	add_num(b, "qty", u->qty);
	add_num(b, "price", u->price);
	add_num(b, "filled_qty", u->filled_qty);
	add_num(b, "avg_price", u->avg_price);
	buf_adds(b, "}\n");
}

static int
word(const char *s, const char *const *words, int n)
{
	int i;

	for (i = 0; s && i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	return -1;
}

static void
place(struct paper *p, const struct event *ev, struct vt_updates *up,
    struct buf *b)
{
	static const char *const sides[] = { "buy", "sell" };
	static const char *const kinds[] = { "limit", "market" };
	static const char *const tifs[] = { "gtc", "ioc", "fok", "post_only" };
	char cid[VT_ID_LEN], sym[64], side[16], kind[16], tif[16], qty[64];
	char price[64], venue[64], market[64], why[200];
	struct vt_order o = { 0 };
	int r;

	o.client_id = str_member(ev, "client_id", cid, sizeof cid);
	o.symbol = str_member(ev, "symbol", sym, sizeof sym);
	o.side = word(str_member(ev, "side", side, sizeof side), sides, 2) + 1;
	o.kind = word(str_member(ev, "kind", kind, sizeof kind), kinds, 2) + 1;
	o.tif = word(str_member(ev, "tif", tif, sizeof tif), tifs, 4);
	o.qty = str_member(ev, "qty", qty, sizeof qty);
	o.price = str_member(ev, "price", price, sizeof price);
	r = paper_place(p, str_member(ev, "venue", venue, sizeof venue),
	    str_member(ev, "market", market, sizeof market), &o, up, why,
	    sizeof why);
	if (r < 0)
		die("paper_place: %s", why);
	if (r == 1) {
		buf_adds(b, "{\"u\":\"duplicate\"");
		add_str(b, "client_id", cid);
		buf_adds(b, "}\n");
	}
}

static void
cancel(struct paper *p, const struct event *ev, struct vt_updates *up,
    struct buf *b)
{
	char cid[VT_ID_LEN];
	int r;

	if (!str_member(ev, "client_id", cid, sizeof cid))
		die("paper_cancel without client_id");
	r = paper_cancel(p, cid, up);
	if (r < 0)
		die("paper_cancel: out of memory");
	if (r == 1) {
		buf_adds(b, "{\"u\":\"cancel_unknown\"");
		add_str(b, "client_id", cid);
		buf_adds(b, "}\n");
	}
}

/* Save, close, open anew, load: what a restarted program does. */
static struct paper *
reload(struct paper *p, const struct paper_opts *o)
{
	struct buf s;
	char why[200];

	buf_init(&s, 0);
	if (paper_save(p, &s) < 0)
		die("paper_save: out of memory");
	paper_close(p);
	if (paper_open(&p, o) < 0)
		die_errno("paper_open");
	if (paper_load(p, s.p, s.len, why, sizeof why) < 0)
		die("paper_load: %s", why);
	buf_free(&s);
	return p;
}

static struct fx
rate(const char *s)
{
	struct fx v;

	if (fx_parse(s, strlen(s), &v) != FX_OK || v.m < 0)
		die("bad rate '%s'", s);
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "maker", required_argument, NULL, 'm' },
		{ "taker", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct paper_opts opts = { { 0, 0 }, { 0, 0 } };
	struct vt_updates up = { 0 };
	struct paper *p;
	struct event ev;
	struct buf b;
	char *line = NULL, why[200];
	size_t cap = 0, i;
	ssize_t n;
	long lineno = 0;
	int c;

	err_init("paper-run");
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		switch (c) {
		case 'm': opts.maker_fee = rate(optarg); break;
		case 't': opts.taker_fee = rate(optarg); break;
		default: die("usage: paper-run [--maker R] [--taker R]");
		}
	if (paper_open(&p, &opts) < 0)
		die_errno("paper_open");
	buf_init(&b, 0);
	while ((n = getline(&line, &cap, stdin)) > 0) {
		lineno++;
		if (line[n - 1] == '\n')
			n--;
		buf_reset(&b);
		vt_updates_reset(&up);
		if (event_parse(line, (size_t)n, &ev, why, sizeof why) < 0)
			die("line %ld: %s", lineno, why);
		if (json_str_is(ev.field[EVF_TYPE], "paper_place"))
			place(p, &ev, &up, &b);
		else if (json_str_is(ev.field[EVF_TYPE], "paper_cancel"))
			cancel(p, &ev, &up, &b);
		else if (json_str_is(ev.field[EVF_TYPE], "paper_reload"))
			p = reload(p, &opts);
		else if (paper_market(p, &ev, &up, why, sizeof why) < 0)
			buf_addf(&b, "{\"u\":\"error\",\"line\":%ld}\n",
			    lineno);
		for (i = 0; i < up.n; i++)
			render(&b, &up.u[i]);
		if (buf_failed(&b))
			die("out of memory");
		if (b.len && fwrite(b.p, 1, b.len, stdout) != b.len)
			die_errno("write");
	}
	free(line);
	buf_free(&b);
	vt_updates_free(&up);
	paper_close(p);
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("write");
	return 0;
}
